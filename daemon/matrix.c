/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reachability from the policy alone: the zone matrix, and the flow query
 * with the compiler's semantics. */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "matrix.h"
#include "xmalloc.h"

#define MATRIX_TERM_WIDTH	80	/* split wider tables into blocks */
#define MATRIX_CELL_MAX		18	/* longest cell before "+N" */

static size_t
matrix_zone_index(const struct policy *p, const struct zone *z)
{
	return (size_t)(z - p->p_zones);
}

struct matrix_cell *
matrix_cell(const struct matrix *mx, size_t from, size_t to)
{
	if (from >= mx->mx_n || to >= mx->mx_n)
		return NULL;
	return &mx->mx_cells[from * mx->mx_n + to];
}

static void
matrix_add(struct matrix_cell *mc, const struct conduit *c,
    const struct service *sv, char *text)
{
	struct matrix_entry *e;

	mc->mc_entries = xgrow(mc->mc_entries, &mc->mc_cap, mc->mc_n,
	    sizeof(*e));
	e = &mc->mc_entries[mc->mc_n++];
	e->me_conduit = c;
	e->me_service = sv;
	e->me_text = text;
}

/* 特定通信: the opening side is pinned to IP and MAC, or it carries an
 * approval reference. */
static bool
matrix_pinned(const struct conduit *c)
{
	return c->cd_approval != NULL ||
	    (c->cd_from.ep_host != NULL && c->cd_from.ep_host->ho_has_mac);
}

/* "https (tcp/443) mn-gw -> chukan [R8-0123]" */
static char *
matrix_entry_text(const struct conduit *c, const struct service *sv)
{
	char *buf = NULL, range[32];
	size_t len = 0, i;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("open_memstream");
	if (sv == NULL)
		fputs("any", f);
	else {
		fprintf(f, "%s (", sv->sv_name);
		for (i = 0; i < sv->sv_n_ports; i++)
			fprintf(f, "%s%s", i > 0 ? ", " : "",
			    port_range_str(&sv->sv_ports[i], range,
			    sizeof(range)));
		fputc(')', f);
	}
	if (c->cd_from.ep_host != NULL && c->cd_to.ep_host != NULL)
		fprintf(f, " %s -> %s", c->cd_from.ep_name, c->cd_to.ep_name);
	else if (c->cd_from.ep_host != NULL)
		fprintf(f, " from %s", c->cd_from.ep_name);
	else if (c->cd_to.ep_host != NULL)
		fprintf(f, " to %s", c->cd_to.ep_name);
	if (c->cd_via != SAN_NONE)
		fprintf(f, " via %s", sanitizer_name(c->cd_via));
	if (c->cd_approval != NULL)
		fprintf(f, " [%s]", c->cd_approval);
	if (fclose(f) != 0)
		fatal("open_memstream");
	return buf;
}

static char *
matrix_intra_text(const struct zone *z)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("open_memstream");
	fputs("any between interfaces ", f);
	for (i = 0; i < z->zn_n_ifaces; i++)
		fprintf(f, "%s%s", i > 0 ? ", " : "", z->zn_ifaces[i]);
	fputs(" (same zone)", f);
	if (fclose(f) != 0)
		fatal("open_memstream");
	return buf;
}

struct matrix *
matrix_build(const struct policy *p)
{
	struct matrix *mx = xcalloc(1, sizeof(*mx));
	size_t i, j;

	mx->mx_policy = p;
	mx->mx_n = p->p_n_zones;
	mx->mx_cells = xcalloc(mx->mx_n * mx->mx_n + 1,
	    sizeof(*mx->mx_cells));

	/* The compiler's intra-zone rule: two or more interfaces, and never
	 * in quarantine. */
	for (i = 0; i < p->p_n_zones; i++) {
		const struct zone *z = &p->p_zones[i];

		if (z->zn_tier == TIER_QUARANTINE || z->zn_n_ifaces < 2)
			continue;
		matrix_add(matrix_cell(mx, i, i), NULL, NULL,
		    matrix_intra_text(z));
	}
	for (i = 0; i < p->p_n_conduits; i++) {
		const struct conduit *c = &p->p_conduits[i];
		const struct zone *fz = endpoint_zone(&c->cd_from);
		const struct zone *tz = endpoint_zone(&c->cd_to);
		struct matrix_cell *mc;

		if (fz == NULL || tz == NULL)
			continue;	/* not validated */
		mc = matrix_cell(mx, matrix_zone_index(p, fz),
		    matrix_zone_index(p, tz));
		if (c->cd_any) {
			matrix_add(mc, c, NULL, matrix_entry_text(c, NULL));
			continue;
		}
		for (j = 0; j < c->cd_n_services; j++)
			matrix_add(mc, c, c->cd_svcs[j],
			    matrix_entry_text(c, c->cd_svcs[j]));
	}
	return mx;
}

void
matrix_free(struct matrix *mx)
{
	size_t i, j;

	if (mx == NULL)
		return;
	for (i = 0; i < mx->mx_n * mx->mx_n; i++) {
		for (j = 0; j < mx->mx_cells[i].mc_n; j++)
			free(mx->mx_cells[i].mc_entries[j].me_text);
		free(mx->mx_cells[i].mc_entries);
	}
	free(mx->mx_cells);
	free(mx);
}

static const char *
matrix_via_mark(enum sanitizer s)
{
	switch (s) {
	case SAN_SCREEN:
		return "[S]";
	case SAN_MAIL:
		return "[M]";
	case SAN_FILE:
		return "[F]";
	default:
		return "";
	}
}

/* The short form of one entry: "rdp[S]", "https*", "any". */
static void
matrix_entry_label(const struct matrix_entry *e, char *buf, size_t len)
{
	const struct conduit *c = e->me_conduit;

	snprintf(buf, len, "%s%s%s",
	    e->me_service != NULL ? e->me_service->sv_name : "any",
	    c != NULL ? matrix_via_mark(c->cd_via) : "",
	    c != NULL && matrix_pinned(c) ? "*" : "");
}

/* The distinct short labels of a cell, in order. */
static size_t
matrix_cell_labels(const struct matrix_cell *mc, char (*labels)[64])
{
	size_t i, j, n = 0;

	for (i = 0; i < mc->mc_n; i++) {
		matrix_entry_label(&mc->mc_entries[i], labels[n], 64);
		for (j = 0; j < n; j++)
			if (strcmp(labels[j], labels[n]) == 0)
				break;
		if (j == n)
			n++;
	}
	return n;
}

static size_t
matrix_join_len(char (*labels)[64], size_t n)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++)
		len += strlen(labels[i]) + (i > 0);
	return len;
}

/* The cell as it fits @width: "https,smtp,+1" when it does not all fit. */
static void
matrix_cell_fit(const struct matrix_cell *mc, size_t width, char *out,
    size_t outlen)
{
	char (*labels)[64], more[24];
	size_t n, k, i, used = 0;

	if (mc->mc_n == 0) {
		snprintf(out, outlen, "-");
		return;
	}
	labels = xcalloc(mc->mc_n, sizeof(*labels));
	n = matrix_cell_labels(mc, labels);
	k = n;
	if (matrix_join_len(labels, n) > width) {
		for (k = n - 1; k > 0; k--) {
			snprintf(more, sizeof(more), ",+%zu", n - k);
			if (matrix_join_len(labels, k) + strlen(more) <= width)
				break;
		}
	}
	out[0] = '\0';
	for (i = 0; i < k; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s",
		    i > 0 ? "," : "", labels[i]);
	if (k == 0) {
		/* Not even the first label fits: cut it and mark the cut. */
		more[0] = '\0';
		if (n > 1)
			snprintf(more, sizeof(more), "+%zu", n - 1);
		k = strlen(more) + 1;
		snprintf(out, outlen, "%.*s~%s", (int)(width > k ? width - k :
		    0), labels[0], more);
	} else if (k < n)
		snprintf(out + used, outlen - used, ",+%zu", n - k);
	free(labels);
}

static size_t
matrix_cell_width(const struct matrix_cell *mc)
{
	char (*labels)[64];
	size_t n, len;

	if (mc->mc_n == 0)
		return 1;
	labels = xcalloc(mc->mc_n, sizeof(*labels));
	n = matrix_cell_labels(mc, labels);
	len = matrix_join_len(labels, n);
	free(labels);
	return len;
}

static void
matrix_put_line(FILE *f, char *line)
{
	size_t len = strlen(line);

	while (len > 0 && line[len - 1] == ' ')
		line[--len] = '\0';
	fprintf(f, "%s\n", line);
}

static void
matrix_text_block(FILE *f, const struct matrix *mx, const size_t *widths,
    size_t labelw, size_t first, size_t last)
{
	const struct policy *p = mx->mx_policy;
	char line[1024], cell[256];
	size_t r, c, used;

#define APPEND(...) do { \
	if (used < sizeof(line)) \
		used += (size_t)snprintf(line + used, sizeof(line) - used, \
		    __VA_ARGS__); \
} while (0)

	used = 0;
	APPEND("%-*s", (int)labelw, "from \\ to");
	for (c = first; c < last; c++)
		APPEND("  %-*s", (int)widths[c], p->p_zones[c].zn_name);
	matrix_put_line(f, line);
	used = 0;
	APPEND("%-*s", (int)labelw, "");
	for (c = first; c < last; c++)
		APPEND("  %-*s", (int)widths[c],
		    tier_name(p->p_zones[c].zn_tier));
	matrix_put_line(f, line);

	for (r = 0; r < mx->mx_n; r++) {
		used = 0;
		APPEND("%-*s", (int)labelw, p->p_zones[r].zn_name);
		for (c = first; c < last; c++) {
			matrix_cell_fit(matrix_cell(mx, r, c), widths[c], cell,
			    sizeof(cell));
			APPEND("  %-*s", (int)widths[c], cell);
		}
		matrix_put_line(f, line);
		used = 0;
		APPEND("  %s", tier_name(p->p_zones[r].zn_tier));
		matrix_put_line(f, line);
	}
#undef APPEND
}

char *
matrix_to_text(const struct matrix *mx)
{
	const struct policy *p = mx->mx_policy;
	char *buf = NULL;
	size_t len = 0, labelw = strlen("from \\ to"), *widths, r, c, i, first;
	bool any = false;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("open_memstream");
	fprintf(f, "Zone reachability, model %s: a row may open connections "
	    "to a column.\n\n", model_name(p->p_model));

	widths = xcalloc(mx->mx_n + 1, sizeof(*widths));
	for (c = 0; c < mx->mx_n; c++) {
		const struct zone *z = &p->p_zones[c];

		if (strlen(z->zn_name) > labelw)
			labelw = strlen(z->zn_name);
		if (strlen(tier_name(z->zn_tier)) + 2 > labelw)
			labelw = strlen(tier_name(z->zn_tier)) + 2;
		widths[c] = strlen(z->zn_name);
		if (strlen(tier_name(z->zn_tier)) > widths[c])
			widths[c] = strlen(tier_name(z->zn_tier));
		for (r = 0; r < mx->mx_n; r++) {
			size_t w = matrix_cell_width(matrix_cell(mx, r, c));

			if (w > MATRIX_CELL_MAX)
				w = MATRIX_CELL_MAX;
			if (w > widths[c])
				widths[c] = w;
		}
	}

	/* As many columns per block as fit the terminal, at least one. */
	for (first = 0; first < mx->mx_n; first = c) {
		size_t total = labelw;

		for (c = first; c < mx->mx_n; c++) {
			if (c > first && total + 2 + widths[c] >
			    MATRIX_TERM_WIDTH)
				break;
			total += 2 + widths[c];
		}
		if (first > 0)
			fputc('\n', f);
		matrix_text_block(f, mx, widths, labelw, first, c);
	}
	free(widths);

	fputs("\n  -    nothing may open connections\n"
	    "  *    pinned IP+MAC with approval (特定通信)\n"
	    "  [S]  via screen-transfer (画面転送)\n"
	    "  [M]  via mail-text (メール無害化)\n"
	    "  [F]  via file-sanitize (ファイル無害化)\n"
	    "  replies to allowed connections always pass\n", f);

	fputs("\nAllowed connections:\n", f);
	for (r = 0; r < mx->mx_n; r++)
		for (c = 0; c < mx->mx_n; c++) {
			const struct matrix_cell *mc = matrix_cell(mx, r, c);

			for (i = 0; i < mc->mc_n; i++) {
				const struct matrix_entry *e =
				    &mc->mc_entries[i];

				fprintf(f, "  %s -> %s: %s",
				    p->p_zones[r].zn_name,
				    p->p_zones[c].zn_name, e->me_text);
				if (e->me_conduit != NULL)
					fprintf(f, "  (conduit %s)",
					    e->me_conduit->cd_name);
				fputc('\n', f);
				any = true;
			}
		}
	if (!any)
		fputs("  none: every zone is closed to every other\n", f);
	if (fclose(f) != 0)
		fatal("open_memstream");
	return buf;
}

static json_t *
matrix_entry_json(const struct matrix_entry *e)
{
	const struct conduit *c = e->me_conduit;
	char label[64];

	matrix_entry_label(e, label, sizeof(label));
	return json_pack("{s:o, s:o, s:s, s:s, s:o, s:b, s:o}",
	    "conduit", c != NULL ? json_string(c->cd_name) : json_null(),
	    "service", e->me_service != NULL ?
	    json_string(e->me_service->sv_name) : json_null(),
	    "label", label,
	    "text", e->me_text,
	    "via", c != NULL && c->cd_via != SAN_NONE ?
	    json_string(sanitizer_name(c->cd_via)) : json_null(),
	    "pinned", c != NULL && matrix_pinned(c),
	    "approval", c != NULL && c->cd_approval != NULL ?
	    json_string(c->cd_approval) : json_null());
}

/*
 * {"model": "alpha", "zones": [{"name", "tier", "uplink"}],
 *  "cells": [{"from", "to", "label", "entries": [...]}]} with only the
 * cells where something may open connections.
 */
json_t *
matrix_to_json(const struct matrix *mx)
{
	const struct policy *p = mx->mx_policy;
	json_t *zones = json_array(), *cells = json_array();
	char cell[256];
	size_t r, c, i;

	for (r = 0; r < mx->mx_n; r++)
		json_array_append_new(zones, json_pack("{s:s, s:s, s:b}",
		    "name", p->p_zones[r].zn_name,
		    "tier", tier_name(p->p_zones[r].zn_tier),
		    "uplink", p->p_zones[r].zn_uplink));
	for (r = 0; r < mx->mx_n; r++)
		for (c = 0; c < mx->mx_n; c++) {
			const struct matrix_cell *mc = matrix_cell(mx, r, c);
			json_t *entries;

			if (mc->mc_n == 0)
				continue;
			entries = json_array();
			for (i = 0; i < mc->mc_n; i++)
				json_array_append_new(entries,
				    matrix_entry_json(&mc->mc_entries[i]));
			matrix_cell_fit(mc, sizeof(cell) - 1, cell,
			    sizeof(cell));
			json_array_append_new(cells, json_pack(
			    "{s:s, s:s, s:s, s:o}",
			    "from", p->p_zones[r].zn_name,
			    "to", p->p_zones[c].zn_name,
			    "label", cell, "entries", entries));
		}
	return json_pack("{s:s, s:o, s:o}", "model", model_name(p->p_model),
	    "zones", zones, "cells", cells);
}

/* ---- flow query ---- */

static bool
matrix_addr_in(const struct prefix *nets, size_t n, const struct prefix *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix_contains(&nets[i], a))
			return true;
	return false;
}

/* Whether @a is an address of a pinned host (set pinned4/pinned6). */
static bool
matrix_is_pinned(const struct policy *p, const struct prefix *a)
{
	size_t i;

	for (i = 0; i < p->p_n_hosts; i++)
		if (p->p_hosts[i].ho_has_mac &&
		    matrix_addr_in(p->p_hosts[i].ho_addrs,
		    p->p_hosts[i].ho_n_addrs, a))
			return true;
	return false;
}

/*
 * Whether (source address . source MAC) is in pin4/pin6.  A query without
 * a MAC stands for the legitimate device, i.e. the MAC pinned to the
 * address.
 */
static bool
matrix_pin_ok(const struct policy *p, const struct flow_query *q)
{
	size_t i;

	if (!q->fq_has_mac)
		return matrix_is_pinned(p, &q->fq_src);
	for (i = 0; i < p->p_n_hosts; i++) {
		const struct host *h = &p->p_hosts[i];

		if (h->ho_has_mac && memcmp(h->ho_mac, q->fq_src_mac, 6) == 0 &&
		    matrix_addr_in(h->ho_addrs, h->ho_n_addrs, &q->fq_src))
			return true;
	}
	return false;
}

/* One side of a conduit rule: interface set, then address set (and the
 * pin lookup for a pinned host on the opening side). */
static bool
matrix_side_match(const struct policy *p, const struct endpoint *e,
    const struct zone *qz, const struct prefix *addr,
    const struct flow_query *q, bool from)
{
	const struct host *h = e->ep_host;

	if (endpoint_zone(e) != qz)
		return false;
	if (h != NULL) {
		if (!matrix_addr_in(h->ho_addrs, h->ho_n_addrs, addr))
			return false;
		return !from || !h->ho_has_mac || matrix_pin_ok(p, q);
	}
	return e->ep_zone->zn_n_nets == 0 ||
	    matrix_addr_in(e->ep_zone->zn_nets, e->ep_zone->zn_n_nets, addr);
}

static bool
matrix_service_match(const struct conduit *c, uint8_t proto, uint16_t port)
{
	size_t i, j;

	if (c->cd_any)
		return true;
	for (i = 0; i < c->cd_n_services; i++) {
		const struct service *sv = c->cd_svcs[i];

		for (j = 0; j < sv->sv_n_ports; j++) {
			const struct port_range *pr = &sv->sv_ports[j];

			if (pr->proto != proto)
				continue;
			if (proto == IPPROTO_ICMP ||
			    (port >= pr->lo && port <= pr->hi))
				return true;
		}
	}
	return false;
}

/*
 * The forward chain, in order, for the first packet of a connection: the
 * anti-spoof rule, the intra-zone accept, then the conduit rules.  The
 * isolation and quarantine chains hold runtime state, not policy, and are
 * not part of the answer.
 */
bool
matrix_query(const struct policy *p, const struct flow_query *q,
    struct flow_verdict *v)
{
	const struct zone *sz, *dz;
	uint8_t proto = q->fq_proto;
	size_t i;

	memset(v, 0, sizeof(*v));
	if ((sz = policy_zone(p, q->fq_src_zone)) == NULL) {
		snprintf(v->fv_reason, sizeof(v->fv_reason),
		    "unknown zone %s", q->fq_src_zone);
		return false;
	}
	if ((dz = policy_zone(p, q->fq_dst_zone)) == NULL) {
		snprintf(v->fv_reason, sizeof(v->fv_reason),
		    "unknown zone %s", q->fq_dst_zone);
		return false;
	}
	if ((q->fq_src.family != AF_INET && q->fq_src.family != AF_INET6) ||
	    q->fq_src.family != q->fq_dst.family) {
		snprintf(v->fv_reason, sizeof(v->fv_reason),
		    "source and destination are not both IPv4 or both IPv6");
		return false;
	}
	/* A service's icmp means ICMPv6 for IPv6 rules. */
	if (proto == IPPROTO_ICMPV6)
		proto = IPPROTO_ICMP;

	if (matrix_is_pinned(p, &q->fq_src) && !matrix_pin_ok(p, q)) {
		snprintf(v->fv_reason, sizeof(v->fv_reason),
		    "pinned MAC mismatch");
		return true;
	}
	if (sz == dz && sz->zn_tier != TIER_QUARANTINE &&
	    sz->zn_n_ifaces >= 2) {
		v->fv_allowed = true;
		snprintf(v->fv_reason, sizeof(v->fv_reason), "same zone");
		return true;
	}
	for (i = 0; i < p->p_n_conduits; i++) {
		const struct conduit *c = &p->p_conduits[i];

		if (!matrix_side_match(p, &c->cd_from, sz, &q->fq_src, q,
		    true) ||
		    !matrix_side_match(p, &c->cd_to, dz, &q->fq_dst, q,
		    false) ||
		    !matrix_service_match(c, proto, q->fq_port))
			continue;
		v->fv_allowed = true;
		v->fv_conduit = c;
		snprintf(v->fv_reason, sizeof(v->fv_reason), "conduit %s",
		    c->cd_name);
		return true;
	}
	snprintf(v->fv_reason, sizeof(v->fv_reason), "no conduit");
	return true;
}
