/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Exceptions merged into a copy of a policy and validated like conduits. */
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-exception.h"
#include "policy-parse.h"
#include "xmalloc.h"

#define PE_LIKE	"a service name of the policy, or tcp/PORT, udp/PORT, " \
		"tcp/LO-HI, udp/LO-HI or icmp"

/* A port: 1..65535 in decimal, no sign, no leading zero. */
static const char *
policy_exception_port(const char *s, uint16_t *out)
{
	unsigned v = 0;

	if (*s < '1' || *s > '9')
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 65535)
			return NULL;
	}
	*out = (uint16_t)v;
	return s;
}

/* "tcp/443", "udp/1000-2000", "icmp" into @r; false if it is not one. */
static bool
policy_exception_literal(const char *s, struct port_range *r)
{
	const char *rest;

	memset(r, 0, sizeof(*r));
	if (strcmp(s, "icmp") == 0) {
		r->proto = IPPROTO_ICMP;
		return true;
	}
	if (strncmp(s, "tcp/", 4) == 0)
		r->proto = IPPROTO_TCP;
	else if (strncmp(s, "udp/", 4) == 0)
		r->proto = IPPROTO_UDP;
	else
		return false;
	if ((rest = policy_exception_port(s + 4, &r->lo)) == NULL)
		return false;
	r->hi = r->lo;
	if (*rest == '-' &&
	    (rest = policy_exception_port(rest + 1, &r->hi)) == NULL)
		return false;
	return *rest == '\0' && r->lo <= r->hi;
}

static bool
policy_exception_is_literal(const char *s)
{
	return strchr(s, '/') != NULL || strcmp(s, "icmp") == 0;
}

bool
policy_exception_service_ok(const char *s, char *err, size_t errlen)
{
	struct port_range r;

	if (policy_exception_is_literal(s)) {
		if (policy_exception_literal(s, &r))
			return true;
		snprintf(err, errlen, "'%.64s' is not %s; a port is a number "
		    "from 1 to 65535", s, PE_LIKE);
		return false;
	}
	if (strcmp(s, "any") == 0) {
		snprintf(err, errlen, "'any' is not allowed in an exception; "
		    "name the services");
		return false;
	}
	if (!policy_parse_name_valid(s)) {
		snprintf(err, errlen, "'%.64s' is not %s", s, PE_LIKE);
		return false;
	}
	return true;
}

/*
 * The service a literal stands for: "tcp/8080" becomes service
 * "x-tcp-8080" with that port, added once to @p.  Returns its name.
 */
static const char *
policy_exception_literal_service(struct policy *p, const char *lit,
    const struct loc *loc)
{
	struct service	*sv;
	char		 name[POLICY_NAME_MAX + 1], *q;

	snprintf(name, sizeof(name), POLICY_EXCEPTION_PREFIX "%s", lit);
	for (q = name; *q != '\0'; q++)
		if (*q == '/')
			*q = '-';
	if ((sv = policy_service(p, name)) != NULL)
		return sv->sv_name;
	p->p_services = xreallocarray(p->p_services, p->p_n_services + 1,
	    sizeof(*p->p_services));
	sv = &p->p_services[p->p_n_services++];
	memset(sv, 0, sizeof(*sv));
	sv->sv_name = xstrdup(name);
	sv->sv_loc = *loc;
	sv->sv_n_ports = 1;
	sv->sv_ports = xcalloc(1, sizeof(*sv->sv_ports));
	policy_exception_literal(lit, &sv->sv_ports[0]);
	sv->sv_ports[0].loc = *loc;
	return sv->sv_name;
}

/* Append @e to @p as a conduit; locations name @e's label.  False (with
 * an error queued) when a field cannot even be put into the model. */
static bool
policy_exception_add(struct policy *p, const struct policy_exception *e,
    struct diags *d)
{
	struct conduit		*c;
	struct port_range	 r;
	const char		*name;
	struct loc		 loc = { e->pe_label, 0, 0 };
	size_t			 i;
	bool			 ok = true;

	p->p_conduits = xreallocarray(p->p_conduits, p->p_n_conduits + 1,
	    sizeof(*p->p_conduits));
	c = &p->p_conduits[p->p_n_conduits++];
	memset(c, 0, sizeof(*c));
	c->cd_name = xstrdup(e->pe_conduit);
	c->cd_loc = loc;
	c->cd_from.ep_name = xstrdup(e->pe_from);
	c->cd_from.ep_loc = loc;
	c->cd_to.ep_name = xstrdup(e->pe_to);
	c->cd_to.ep_loc = loc;
	c->cd_services = xcalloc(e->pe_n_services + 1,
	    sizeof(*c->cd_services));
	c->cd_service_locs = xcalloc(e->pe_n_services + 1,
	    sizeof(*c->cd_service_locs));
	for (i = 0; i < e->pe_n_services; i++) {
		name = e->pe_services[i];
		c->cd_service_locs[i] = loc;
		if (policy_service(p, name) == NULL &&
		    policy_exception_is_literal(name)) {
			if (!policy_exception_literal(name, &r))
				ok = diag_error(d, &loc, "exception", NULL,
				    "exception conduit '%s': service '%s' is "
				    "not %s", e->pe_conduit, name, PE_LIKE);
			else
				name = policy_exception_literal_service(p,
				    name, &loc);
		}
		c->cd_services[c->cd_n_services++] = xstrdup(name);
	}
	if (e->pe_via != NULL) {
		c->cd_via_loc = loc;
		if (!sanitizer_from_name(e->pe_via, &c->cd_via) ||
		    c->cd_via == SAN_NONE)
			ok = diag_error(d, &loc, "exception", NULL,
			    "exception conduit '%s': via '%s' is not a "
			    "sanitizer kind (screen-transfer, mail-text, "
			    "file-sanitize)", e->pe_conduit, e->pe_via);
	}
	if (e->pe_approval != NULL) {
		c->cd_approval = xstrdup(e->pe_approval);
		c->cd_approval_loc = loc;
	}
	return ok;
}

/* Whether @file names one of the exceptions (a diagnostic about them). */
static bool
policy_exception_ours(const char *file, const struct policy_exception *v,
    size_t n)
{
	size_t i;

	for (i = 0; file != NULL && i < n; i++)
		if (strcmp(file, v[i].pe_label) == 0)
			return true;
	return false;
}

/* Locations must not outlive the labels: after validation, the merged
 * conduits and services point at the policy's own file name. */
static void
policy_exception_relocate(struct policy *p, size_t first_conduit,
    size_t first_service)
{
	struct loc	 loc = { p->p_file, 0, 0 };
	struct conduit	*c;
	size_t		 i, j;

	for (i = first_conduit; i < p->p_n_conduits; i++) {
		c = &p->p_conduits[i];
		c->cd_loc = c->cd_from.ep_loc = c->cd_to.ep_loc = loc;
		c->cd_via_loc = c->cd_approval_loc = loc;
		for (j = 0; j < c->cd_n_services; j++)
			c->cd_service_locs[j] = loc;
	}
	for (i = first_service; i < p->p_n_services; i++) {
		p->p_services[i].sv_loc = loc;
		for (j = 0; j < p->p_services[i].sv_n_ports; j++)
			p->p_services[i].sv_ports[j].loc = loc;
	}
}

struct policy *
policy_exception_merge(const char *name, const char *text, size_t len,
    const struct policy_exception *v, size_t n, struct diags *d)
{
	struct policy	*p;
	struct diags	 tmp;
	const struct diag *g;
	size_t		 i, first_c, first_s;
	bool		 ok = true;

	diags_init(&tmp, NULL, 0);
	if ((p = policy_parse(name, text, len, &tmp)) == NULL) {
		diag_error(d, NULL, "exception", NULL, "the running policy %s "
		    "cannot be parsed again; no exception can be added", name);
		diags_free(&tmp);
		return NULL;
	}
	first_c = p->p_n_conduits;
	first_s = p->p_n_services;
	for (i = 0; i < n; i++)
		if (!policy_exception_add(p, &v[i], &tmp))
			ok = false;
	if (ok)
		ok = policy_validate(p, &tmp) && !diags_has_errors(&tmp);
	for (i = 0; i < tmp.n; i++) {
		g = &tmp.v[i];
		if (g->d_sev == DIAG_WARNING &&
		    !policy_exception_ours(g->d_loc.file, v, n))
			continue;
		if (g->d_sev == DIAG_ERROR)
			diag_error(d, &g->d_loc, g->d_rule, g->d_source, "%s",
			    g->d_msg);
		else
			diag_warning(d, &g->d_loc, g->d_rule, g->d_source,
			    "%s", g->d_msg);
	}
	diags_free(&tmp);
	if (!ok) {
		policy_free(p);
		return NULL;
	}
	policy_exception_relocate(p, first_c, first_s);
	return p;
}

struct policy *
policy_exception_merge_valid(const char *name, const char *text, size_t len,
    const struct policy_exception *v, size_t n, bool *in_force)
{
	struct policy_exception		 *sel;
	struct policy			 *p;
	struct diags			  d;
	size_t				  i, k = 0;

	diags_init(&d, NULL, 0);
	p = policy_exception_merge(name, text, len, v, n, &d);
	diags_free(&d);
	for (i = 0; i < n; i++)
		in_force[i] = p != NULL;
	if (p != NULL || n == 0)
		return p;
	/* One does not fit (the policy changed under it): keep the others,
	 * adding them one at a time. */
	sel = xcalloc(n + 1, sizeof(*sel));
	for (i = 0; i < n; i++) {
		sel[k] = v[i];
		diags_init(&d, NULL, 0);
		p = policy_exception_merge(name, text, len, sel, k + 1, &d);
		diags_free(&d);
		in_force[i] = p != NULL;
		policy_free(p);
		if (in_force[i])
			k++;
	}
	diags_init(&d, NULL, 0);
	p = policy_exception_merge(name, text, len, sel, k, &d);
	diags_free(&d);
	free(sel);
	return p;
}
