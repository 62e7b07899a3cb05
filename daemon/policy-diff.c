/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What would change between two validated policies, in policy terms:
 * zones, hosts, services, conduits, quarantine and model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "policy-diff.h"
#include "xmalloc.h"

/* A list of owned strings: interfaces, networks, ports, ... as text. */
struct strlist {
	char	**sl_v;
	size_t	  sl_n;
	size_t	  sl_cap;
};

static void
policy_diff_sl_add(struct strlist *sl, const char *s)
{
	sl->sl_v = xgrow(sl->sl_v, &sl->sl_cap, sl->sl_n, sizeof(*sl->sl_v));
	sl->sl_v[sl->sl_n++] = xstrdup(s);
}

static void
policy_diff_sl_free(struct strlist *sl)
{
	size_t i;

	for (i = 0; i < sl->sl_n; i++)
		free(sl->sl_v[i]);
	free(sl->sl_v);
	memset(sl, 0, sizeof(*sl));
}

static bool
policy_diff_sl_has(const struct strlist *sl, const char *s)
{
	size_t i;

	for (i = 0; i < sl->sl_n; i++)
		if (strcmp(sl->sl_v[i], s) == 0)
			return true;
	return false;
}

/* "a, b, c" (owned). */
static char *
policy_diff_sl_join(const struct strlist *sl, const char *sep)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("open_memstream");
	for (i = 0; i < sl->sl_n; i++)
		fprintf(f, "%s%s", i > 0 ? sep : "", sl->sl_v[i]);
	if (fclose(f) != 0)
		fatal("open_memstream");
	return buf;
}

static void
policy_diff_sl_strv(struct strlist *sl, char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		policy_diff_sl_add(sl, v[i]);
}

static void
policy_diff_sl_prefixes(struct strlist *sl, const struct prefix *v, size_t n)
{
	char buf[64];
	size_t i;

	for (i = 0; i < n; i++)
		policy_diff_sl_add(sl, prefix_str(&v[i], buf, sizeof(buf)));
}

static void
policy_diff_sl_ports(struct strlist *sl, const struct service *sv)
{
	char buf[32];
	size_t i;

	for (i = 0; i < sv->sv_n_ports; i++)
		policy_diff_sl_add(sl, port_range_str(&sv->sv_ports[i], buf,
		    sizeof(buf)));
}

/* The services a zone's gateway answers: written or the tier default. */
static void
policy_diff_sl_gateway(struct strlist *sl, const struct policy *p,
    const struct zone *z)
{
	const struct service **svcs;
	size_t n, i;

	svcs = xcalloc(p->p_n_services + 1, sizeof(*svcs));
	n = policy_gateway_services(p, z, svcs, p->p_n_services + 1);
	if (n > p->p_n_services + 1)
		n = p->p_n_services + 1;
	for (i = 0; i < n; i++)
		policy_diff_sl_add(sl, svcs[i]->sv_name);
	free(svcs);
}

static void
policy_diff_sl_services(struct strlist *sl, const struct conduit *c)
{
	if (c->cd_any)
		policy_diff_sl_add(sl, "any");
	else
		policy_diff_sl_strv(sl, c->cd_services, c->cd_n_services);
}

/* Append "what +x -y" to @changes when the lists differ (as sets);
 * consumes both lists. */
static void
policy_diff_lists(json_t *changes, const char *what, struct strlist *a,
    struct strlist *b)
{
	char *buf = NULL;
	size_t len = 0, i;
	bool any = false;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("open_memstream");
	fputs(what, f);
	for (i = 0; i < b->sl_n; i++)
		if (!policy_diff_sl_has(a, b->sl_v[i])) {
			fprintf(f, " +%s", b->sl_v[i]);
			any = true;
		}
	for (i = 0; i < a->sl_n; i++)
		if (!policy_diff_sl_has(b, a->sl_v[i])) {
			fprintf(f, " -%s", a->sl_v[i]);
			any = true;
		}
	if (fclose(f) != 0)
		fatal("open_memstream");
	if (any)
		json_array_append_new(changes, json_string(buf));
	free(buf);
	policy_diff_sl_free(a);
	policy_diff_sl_free(b);
}

/* Append "what old -> new" when the values differ; NULL reads "none". */
static void
policy_diff_value(json_t *changes, const char *what, const char *a,
    const char *b)
{
	char *s;

	if (a == NULL)
		a = "none";
	if (b == NULL)
		b = "none";
	if (strcmp(a, b) == 0)
		return;
	xasprintf(&s, "%s %s -> %s", what, a, b);
	json_array_append_new(changes, json_string(s));
	free(s);
}

static const char *
policy_diff_yesno(bool b)
{
	return b ? "yes" : "no";
}

static const char *
policy_diff_admission(enum admission a)
{
	return a == ADMISSION_REGISTERED ? "registered" : "open";
}

/* "2d", "5h", "30m", "45s": the largest unit that divides evenly. */
static const char *
policy_diff_duration(long secs, char *buf, size_t len)
{
	if (secs != 0 && secs % 86400 == 0)
		snprintf(buf, len, "%ldd", secs / 86400);
	else if (secs != 0 && secs % 3600 == 0)
		snprintf(buf, len, "%ldh", secs / 3600);
	else if (secs != 0 && secs % 60 == 0)
		snprintf(buf, len, "%ldm", secs / 60);
	else
		snprintf(buf, len, "%lds", secs);
	return buf;
}

static const char *
policy_diff_mac(const struct host *h, char *buf, size_t len)
{
	return h->ho_has_mac ? mac_str(h->ho_mac, buf, len) : NULL;
}

/* ---- summaries of whole objects (for added and removed) ---- */

static char *
policy_diff_zone_summary(const struct policy *p, const struct zone *z)
{
	struct strlist sl = { 0 };
	char *ifs, *nets, *gw, *s;
	bool has_gw;

	policy_diff_sl_strv(&sl, z->zn_ifaces, z->zn_n_ifaces);
	ifs = policy_diff_sl_join(&sl, " ");
	policy_diff_sl_free(&sl);
	policy_diff_sl_prefixes(&sl, z->zn_nets, z->zn_n_nets);
	nets = policy_diff_sl_join(&sl, " ");
	policy_diff_sl_free(&sl);
	policy_diff_sl_gateway(&sl, p, z);
	has_gw = sl.sl_n > 0;
	gw = policy_diff_sl_join(&sl, " ");
	policy_diff_sl_free(&sl);
	xasprintf(&s, "tier %s, interfaces %s%s%s%s%s%s%s",
	    tier_name(z->zn_tier), ifs, z->zn_n_nets > 0 ? ", networks " : "",
	    nets, z->zn_uplink ? ", uplink" : "",
	    z->zn_admission == ADMISSION_REGISTERED ?
	    ", admission registered" : "", has_gw ? ", gateway " : "", gw);
	free(ifs);
	free(nets);
	free(gw);
	return s;
}

static char *
policy_diff_host_summary(const struct host *h)
{
	struct strlist sl = { 0 };
	char *addrs, *s, mac[32];

	policy_diff_sl_prefixes(&sl, h->ho_addrs, h->ho_n_addrs);
	addrs = policy_diff_sl_join(&sl, " ");
	policy_diff_sl_free(&sl);
	xasprintf(&s, "zone %s, address %s%s%s%s%s", h->ho_zone_name, addrs,
	    h->ho_has_mac ? ", mac " : "",
	    h->ho_has_mac ? mac_str(h->ho_mac, mac, sizeof(mac)) : "",
	    h->ho_sanitizer != SAN_NONE ? ", sanitizer " : "",
	    h->ho_sanitizer != SAN_NONE ? sanitizer_name(h->ho_sanitizer) : "");
	free(addrs);
	return s;
}

static char *
policy_diff_service_summary(const struct service *sv)
{
	struct strlist sl = { 0 };
	char *s;

	policy_diff_sl_ports(&sl, sv);
	s = policy_diff_sl_join(&sl, " ");
	policy_diff_sl_free(&sl);
	return s;
}

static char *
policy_diff_conduit_summary(const struct conduit *c)
{
	struct strlist sl = { 0 };
	char *svcs, *s;

	policy_diff_sl_services(&sl, c);
	svcs = policy_diff_sl_join(&sl, ", ");
	policy_diff_sl_free(&sl);
	xasprintf(&s, "%s -> %s: %s%s%s%s%s", c->cd_from.ep_name,
	    c->cd_to.ep_name, svcs,
	    c->cd_via != SAN_NONE ? " via " : "",
	    c->cd_via != SAN_NONE ? sanitizer_name(c->cd_via) : "",
	    c->cd_approval != NULL ? ", approval " : "",
	    c->cd_approval != NULL ? c->cd_approval : "");
	free(svcs);
	return s;
}

/* ---- field by field ---- */

static void
policy_diff_zone(json_t *ch, const struct policy *op, const struct zone *a,
    const struct policy *np, const struct zone *b)
{
	struct strlist x = { 0 }, y = { 0 };

	policy_diff_value(ch, "tier", tier_name(a->zn_tier),
	    tier_name(b->zn_tier));
	policy_diff_sl_strv(&x, a->zn_ifaces, a->zn_n_ifaces);
	policy_diff_sl_strv(&y, b->zn_ifaces, b->zn_n_ifaces);
	policy_diff_lists(ch, "interfaces", &x, &y);
	policy_diff_sl_prefixes(&x, a->zn_nets, a->zn_n_nets);
	policy_diff_sl_prefixes(&y, b->zn_nets, b->zn_n_nets);
	policy_diff_lists(ch, "networks", &x, &y);
	policy_diff_value(ch, "uplink", policy_diff_yesno(a->zn_uplink),
	    policy_diff_yesno(b->zn_uplink));
	policy_diff_value(ch, "admission",
	    policy_diff_admission(a->zn_admission),
	    policy_diff_admission(b->zn_admission));
	policy_diff_sl_gateway(&x, op, a);
	policy_diff_sl_gateway(&y, np, b);
	policy_diff_lists(ch, "gateway", &x, &y);
}

static void
policy_diff_host(json_t *ch, const struct host *a, const struct host *b)
{
	struct strlist x = { 0 }, y = { 0 };
	char ma[32], mb[32];

	policy_diff_value(ch, "zone", a->ho_zone_name, b->ho_zone_name);
	policy_diff_sl_prefixes(&x, a->ho_addrs, a->ho_n_addrs);
	policy_diff_sl_prefixes(&y, b->ho_addrs, b->ho_n_addrs);
	policy_diff_lists(ch, "address", &x, &y);
	policy_diff_value(ch, "mac", policy_diff_mac(a, ma, sizeof(ma)),
	    policy_diff_mac(b, mb, sizeof(mb)));
	policy_diff_value(ch, "sanitizer", sanitizer_name(a->ho_sanitizer),
	    sanitizer_name(b->ho_sanitizer));
}

static void
policy_diff_service(json_t *ch, const struct service *a,
    const struct service *b)
{
	struct strlist x = { 0 }, y = { 0 };

	policy_diff_sl_ports(&x, a);
	policy_diff_sl_ports(&y, b);
	policy_diff_lists(ch, "ports", &x, &y);
}

static void
policy_diff_conduit(json_t *ch, const struct conduit *a,
    const struct conduit *b)
{
	struct strlist x = { 0 }, y = { 0 };

	policy_diff_value(ch, "from", a->cd_from.ep_name, b->cd_from.ep_name);
	policy_diff_value(ch, "to", a->cd_to.ep_name, b->cd_to.ep_name);
	policy_diff_sl_services(&x, a);
	policy_diff_sl_services(&y, b);
	policy_diff_lists(ch, "services", &x, &y);
	policy_diff_value(ch, "via", sanitizer_name(a->cd_via),
	    sanitizer_name(b->cd_via));
	policy_diff_value(ch, "approval", a->cd_approval, b->cd_approval);
}

static void
policy_diff_age(json_t *ch, const char *what, long a, long b)
{
	char x[32], y[32];

	if (a != b)
		policy_diff_value(ch, what, policy_diff_duration(a, x,
		    sizeof(x)), policy_diff_duration(b, y, sizeof(y)));
}

static void
policy_diff_checks(json_t *ch, const struct quarantine_checks *a,
    const struct quarantine_checks *b)
{
	policy_diff_age(ch, "signature_max_age", a->signature_max_age,
	    b->signature_max_age);
	policy_diff_age(ch, "patch_max_age", a->patch_max_age,
	    b->patch_max_age);
	policy_diff_age(ch, "full_scan_max_age", a->full_scan_max_age,
	    b->full_scan_max_age);
	policy_diff_value(ch, "realtime", policy_diff_yesno(a->realtime),
	    policy_diff_yesno(b->realtime));
}

static const char *
policy_diff_release(enum release_mode r)
{
	return r == RELEASE_APPROVER ? "approver" : "auto";
}

static char *
policy_diff_quarantine_summary(const struct quarantine *q)
{
	struct strlist sl = { 0 };
	char *rem, *s, a[32], b[32], c[32];

	policy_diff_sl_strv(&sl, q->q_remediation, q->q_n_remediation);
	rem = policy_diff_sl_join(&sl, " ");
	policy_diff_sl_free(&sl);
	xasprintf(&s, "zone %s, remediation %s, signature_max_age %s, "
	    "patch_max_age %s, full_scan_max_age %s, realtime %s, release %s",
	    q->q_zone_name != NULL ? q->q_zone_name : "none", rem,
	    policy_diff_duration(q->q_checks.signature_max_age, a, sizeof(a)),
	    policy_diff_duration(q->q_checks.patch_max_age, b, sizeof(b)),
	    policy_diff_duration(q->q_checks.full_scan_max_age, c, sizeof(c)),
	    policy_diff_yesno(q->q_checks.realtime),
	    policy_diff_release(q->q_release));
	free(rem);
	return s;
}

static json_t *
policy_diff_quarantine(const struct quarantine *a, const struct quarantine *b)
{
	struct strlist x = { 0 }, y = { 0 };
	json_t *ch = json_array();
	bool pa = a != NULL && a->q_present, pb = b != NULL && b->q_present;

	if (pa != pb) {
		char *sum = policy_diff_quarantine_summary(pa ? a : b), *line;

		xasprintf(&line, "%s (%s)", pa ? "removed" : "added", sum);
		json_array_append_new(ch, json_string(line));
		free(line);
		free(sum);
	}
	if (pa && pb) {
		policy_diff_value(ch, "zone", a->q_zone_name, b->q_zone_name);
		policy_diff_sl_strv(&x, a->q_remediation, a->q_n_remediation);
		policy_diff_sl_strv(&y, b->q_remediation, b->q_n_remediation);
		policy_diff_lists(ch, "remediation", &x, &y);
		policy_diff_checks(ch, &a->q_checks, &b->q_checks);
		policy_diff_value(ch, "release",
		    policy_diff_release(a->q_release),
		    policy_diff_release(b->q_release));
	}
	return json_pack("{s:b, s:o}", "changed", json_array_size(ch) > 0,
	    "changes", ch);
}

/* ---- one section: added, removed, changed ---- */

enum policy_diff_kind { PD_ZONE, PD_HOST, PD_SERVICE, PD_CONDUIT };

static size_t
policy_diff_count(const struct policy *p, enum policy_diff_kind k)
{
	if (p == NULL)
		return 0;
	switch (k) {
	case PD_ZONE:
		return p->p_n_zones;
	case PD_HOST:
		return p->p_n_hosts;
	case PD_SERVICE:
		return p->p_n_services;
	default:
		return p->p_n_conduits;
	}
}

static const char *
policy_diff_name(const struct policy *p, enum policy_diff_kind k, size_t i)
{
	switch (k) {
	case PD_ZONE:
		return p->p_zones[i].zn_name;
	case PD_HOST:
		return p->p_hosts[i].ho_name;
	case PD_SERVICE:
		return p->p_services[i].sv_name;
	default:
		return p->p_conduits[i].cd_name;
	}
}

static bool
policy_diff_find(const struct policy *p, enum policy_diff_kind k,
    const char *name, size_t *idx)
{
	size_t i, n = policy_diff_count(p, k);

	for (i = 0; i < n; i++)
		if (strcmp(policy_diff_name(p, k, i), name) == 0) {
			*idx = i;
			return true;
		}
	return false;
}

static char *
policy_diff_summary(const struct policy *p, enum policy_diff_kind k, size_t i)
{
	switch (k) {
	case PD_ZONE:
		return policy_diff_zone_summary(p, &p->p_zones[i]);
	case PD_HOST:
		return policy_diff_host_summary(&p->p_hosts[i]);
	case PD_SERVICE:
		return policy_diff_service_summary(&p->p_services[i]);
	default:
		return policy_diff_conduit_summary(&p->p_conduits[i]);
	}
}

static json_t *
policy_diff_object(const struct policy *p, enum policy_diff_kind k, size_t i)
{
	char *s = policy_diff_summary(p, k, i);
	json_t *o;

	o = json_pack("{s:s, s:s}", "name", policy_diff_name(p, k, i),
	    "summary", s);
	free(s);
	return o;
}

static json_t *
policy_diff_section(const struct policy *op, const struct policy *np,
    enum policy_diff_kind k)
{
	json_t *added = json_array(), *removed = json_array(),
	    *changed = json_array();
	size_t i, j;

	for (i = 0; i < policy_diff_count(np, k); i++) {
		json_t *ch;

		if (!policy_diff_find(op, k, policy_diff_name(np, k, i), &j)) {
			json_array_append_new(added,
			    policy_diff_object(np, k, i));
			continue;
		}
		ch = json_array();
		switch (k) {
		case PD_ZONE:
			policy_diff_zone(ch, op, &op->p_zones[j], np,
			    &np->p_zones[i]);
			break;
		case PD_HOST:
			policy_diff_host(ch, &op->p_hosts[j], &np->p_hosts[i]);
			break;
		case PD_SERVICE:
			policy_diff_service(ch, &op->p_services[j],
			    &np->p_services[i]);
			break;
		case PD_CONDUIT:
			policy_diff_conduit(ch, &op->p_conduits[j],
			    &np->p_conduits[i]);
			break;
		}
		if (json_array_size(ch) > 0)
			json_array_append_new(changed, json_pack("{s:s, s:o}",
			    "name", policy_diff_name(np, k, i),
			    "changes", ch));
		else
			json_decref(ch);
	}
	for (i = 0; i < policy_diff_count(op, k); i++)
		if (!policy_diff_find(np, k, policy_diff_name(op, k, i), &j))
			json_array_append_new(removed,
			    policy_diff_object(op, k, i));
	return json_pack("{s:o, s:o, s:o}", "added", added,
	    "removed", removed, "changed", changed);
}

static bool
policy_diff_section_empty(const json_t *sec)
{
	return json_array_size(json_object_get(sec, "added")) == 0 &&
	    json_array_size(json_object_get(sec, "removed")) == 0 &&
	    json_array_size(json_object_get(sec, "changed")) == 0;
}

static const char *const policy_diff_sections[][2] = {
	{ "zones", "zone" },
	{ "hosts", "host" },
	{ "services", "service" },
	{ "conduits", "conduit" },
};

json_t *
policy_diff(const struct policy *old, const struct policy *new_)
{
	json_t *d = json_object(), *q;
	bool empty = true;
	size_t k;

	for (k = 0; k < 4; k++) {
		json_t *sec = policy_diff_section(old, new_,
		    (enum policy_diff_kind)k);

		empty = empty && policy_diff_section_empty(sec);
		json_object_set_new(d, policy_diff_sections[k][0], sec);
	}
	q = policy_diff_quarantine(old != NULL ? &old->p_quarantine : NULL,
	    &new_->p_quarantine);
	empty = empty && !json_is_true(json_object_get(q, "changed"));
	json_object_set_new(d, "quarantine", q);
	if (old == NULL || old->p_model != new_->p_model) {
		json_object_set_new(d, "model", json_pack("{s:o, s:s}",
		    "from", old != NULL ?
		    json_string(model_name(old->p_model)) : json_null(),
		    "to", model_name(new_->p_model)));
		empty = false;
	}
	json_object_set_new(d, "empty", json_boolean(empty));
	return d;
}

/* "a; b; c" from a JSON array of strings. */
static void
policy_diff_put_changes(FILE *f, const json_t *changes)
{
	size_t i;

	for (i = 0; i < json_array_size(changes); i++)
		fprintf(f, "%s%s", i > 0 ? "; " : "",
		    json_string_value(json_array_get(changes, i)));
}

char *
policy_diff_text(const json_t *diff)
{
	const json_t *model, *q;
	char *buf = NULL;
	size_t len = 0, k, i;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("open_memstream");
	if (json_is_true(json_object_get(diff, "empty"))) {
		fputs("no changes\n", f);
		goto out;
	}
	if ((model = json_object_get(diff, "model")) != NULL) {
		const char *from =
		    json_string_value(json_object_get(model, "from"));

		if (from != NULL)
			fprintf(f, "~ model: %s -> %s\n", from,
			    json_string_value(json_object_get(model, "to")));
		else
			fprintf(f, "+ model: %s\n",
			    json_string_value(json_object_get(model, "to")));
	}
	for (k = 0; k < 4; k++) {
		const json_t *sec = json_object_get(diff,
		    policy_diff_sections[k][0]);
		const char *what = policy_diff_sections[k][1];
		const json_t *v;

		v = json_object_get(sec, "added");
		for (i = 0; i < json_array_size(v); i++)
			fprintf(f, "+ %s %s: %s\n", what,
			    json_string_value(json_object_get(
			    json_array_get(v, i), "name")),
			    json_string_value(json_object_get(
			    json_array_get(v, i), "summary")));
		v = json_object_get(sec, "removed");
		for (i = 0; i < json_array_size(v); i++)
			fprintf(f, "- %s %s: %s\n", what,
			    json_string_value(json_object_get(
			    json_array_get(v, i), "name")),
			    json_string_value(json_object_get(
			    json_array_get(v, i), "summary")));
		v = json_object_get(sec, "changed");
		for (i = 0; i < json_array_size(v); i++) {
			const json_t *e = json_array_get(v, i);

			fprintf(f, "~ %s %s: ", what,
			    json_string_value(json_object_get(e, "name")));
			policy_diff_put_changes(f,
			    json_object_get(e, "changes"));
			fputc('\n', f);
		}
	}
	q = json_object_get(diff, "quarantine");
	if (json_is_true(json_object_get(q, "changed"))) {
		fputs("~ quarantine: ", f);
		policy_diff_put_changes(f, json_object_get(q, "changes"));
		fputc('\n', f);
	}
out:
	if (fclose(f) != 0)
		fatal("open_memstream");
	return buf;
}
