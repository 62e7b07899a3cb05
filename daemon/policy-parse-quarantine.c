/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The quarantine: section of policy.yaml: zone, remediation, checks. */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include <yaml.h>

#include "policy.h"
#include "policy-parse.h"
#include "xmalloc.h"

/* "30s", "5m", "12h", "2d": a positive number and one unit, no spaces. */
static bool
policy_parse_quarantine_duration(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	const char	*s, *q;
	long		 v = 0, mult;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	for (q = s; *q >= '0' && *q <= '9'; q++) {
		if (v > (LONG_MAX - 9) / 10)
			goto bad;
		v = v * 10 + (*q - '0');
	}
	if (q == s || q[0] == '\0' || q[1] != '\0')
		goto bad;
	switch (*q) {
	case 's':
		mult = 1;
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'd':
		mult = 86400;
		break;
	default:
		goto bad;
	}
	if (v == 0)
		return policy_parse_kerror(ps, n, k, "a maximum age of %s "
		    "would fail every device; expected more than zero", s);
	if (v > LONG_MAX / mult)
		goto bad;
	*PARSE_FIELD(obj, k->pk_off, long) = v * mult;
	return true;
bad:
	return policy_parse_kerror(ps, n, k, "expected %s, got %s",
	    k->pk_expect, policy_parse_describe(ps, n));
}

#define QC(f)	offsetof(struct quarantine_checks, f)
static const struct parse_key checks_keys[] = {
	{ "signature_max_age", YAML_SCALAR_NODE,
	  policy_parse_quarantine_duration, QC(signature_max_age), 0, 0, false,
	  "a duration like 30s, 5m, 12h or 2d" },
	{ "patch_max_age", YAML_SCALAR_NODE,
	  policy_parse_quarantine_duration, QC(patch_max_age), 0, 0, false,
	  "a duration like 30s, 5m, 12h or 2d" },
	{ "full_scan_max_age", YAML_SCALAR_NODE,
	  policy_parse_quarantine_duration, QC(full_scan_max_age), 0, 0, false,
	  "a duration like 30s, 5m, 12h or 2d" },
	{ "realtime", YAML_SCALAR_NODE, policy_parse_bool, QC(realtime), 0, 0,
	  false, "true or false" },
};
#undef QC

static bool
policy_parse_quarantine_checks(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct quarantine	*q = obj;
	const char		*saved = ps->ps_what;
	bool			 ok;

	(void)k;
	ps->ps_what = "quarantine checks";
	ok = policy_parse_mapping(ps, n, n, checks_keys,
	    PARSE_NKEYS(checks_keys), &q->q_checks);
	ps->ps_what = saved;
	return ok;
}

static bool
policy_parse_quarantine_release(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct quarantine	*q = obj;
	const char		*s;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (strcmp(s, "auto") == 0)
		q->q_release = RELEASE_AUTO;
	else if (strcmp(s, "approver") == 0)
		q->q_release = RELEASE_APPROVER;
	else
		return policy_parse_kerror(ps, n, k, "expected auto or "
		    "approver, got %s", policy_parse_describe(ps, n));
	return true;
}

#define Q(f)	offsetof(struct quarantine, f)
static const struct parse_key quarantine_keys[] = {
	{ "zone", YAML_SCALAR_NODE, policy_parse_ref, Q(q_zone_name),
	  Q(q_zone_loc), 0, true, "the name of the quarantine zone" },
	{ "remediation", YAML_SEQUENCE_NODE, policy_parse_names,
	  Q(q_remediation), Q(q_remediation_locs), Q(q_n_remediation), false,
	  "a list of host names" },
	{ "checks", YAML_MAPPING_NODE, policy_parse_quarantine_checks,
	  Q(q_checks), 0, 0, false,
	  "a mapping with signature_max_age, patch_max_age, "
	  "full_scan_max_age and realtime" },
	{ "release", YAML_SCALAR_NODE, policy_parse_quarantine_release,
	  Q(q_release), 0, 0, false, "auto or approver" },
};
#undef Q

/*
 * Checks that are not written stay 0 (false for realtime): the posture
 * check does not look at that item.
 */
bool
policy_parse_quarantine(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct policy	*p = obj;
	const char	*saved = ps->ps_what;
	bool		 ok;

	(void)k;
	p->p_quarantine.q_present = true;
	p->p_quarantine.q_loc = policy_parse_loc(ps, n);
	p->p_quarantine.q_release = RELEASE_AUTO;
	ps->ps_what = "quarantine";
	ok = policy_parse_mapping(ps, n, n, quarantine_keys,
	    PARSE_NKEYS(quarantine_keys), &p->p_quarantine);
	ps->ps_what = saved;
	return ok;
}
