/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The conduits: section of policy.yaml: a list of { name, from, to, ... }. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "policy.h"
#include "policy-parse.h"
#include "xmalloc.h"

/* Service names, or [any]: "any" alone sets cd_any and names nothing. */
static bool
policy_parse_conduits_services(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct conduit		*c = obj;
	yaml_node_item_t	*it;
	yaml_node_t		*item;
	size_t			 count;

	count = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	if (count == 0)
		return policy_parse_kerror(ps, n, k, "expected %s, got an "
		    "empty list", k->pk_expect);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	    it++) {
		item = policy_parse_node(ps, *it);
		if (item == NULL || item->type != YAML_SCALAR_NODE ||
		    strcmp((const char *)item->data.scalar.value, "any") != 0)
			continue;
		if (count > 1)
			return policy_parse_kerror(ps, item, k, "'any' cannot "
			    "be combined with other services");
		c->cd_any = true;
		return true;
	}
	return policy_parse_names(ps, n, obj, k);
}

static bool
policy_parse_conduits_name(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct conduit	*c = obj;
	const char	*s;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (!policy_parse_name_valid(s))
		return policy_parse_kerror(ps, n, k, "'%s' is not a valid "
		    "conduit name; %s", policy_parse_show(ps, s),
		    POLICY_NAME_RULE);
	c->cd_name = xstrdup(s);
	return true;
}

/* An approval reference (e.g. a ticket "R8-0123"): one line of text. */
static bool
policy_parse_conduits_approval(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct conduit	*c = obj;
	const char	*s, *q;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (*s == '\0')
		return policy_parse_kerror(ps, n, k, "expected %s, got ''",
		    k->pk_expect);
	if (strlen(s) > POLICY_APPROVAL_MAX)
		return policy_parse_kerror(ps, n, k, "the reference is %zu "
		    "bytes; the limit is %d", strlen(s), POLICY_APPROVAL_MAX);
	for (q = s; *q != '\0'; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			return policy_parse_kerror(ps, n, k, "the reference "
			    "contains a control character");
	c->cd_approval = xstrdup(s);
	c->cd_approval_loc = policy_parse_loc(ps, n);
	return true;
}

#define C(f)	offsetof(struct conduit, f)
static const struct parse_key conduit_keys[] = {
	{ "name", YAML_SCALAR_NODE, policy_parse_conduits_name, C(cd_name),
	  0, 0, true, "a conduit name" },
	{ "from", YAML_SCALAR_NODE, policy_parse_ref, C(cd_from.ep_name),
	  C(cd_from.ep_loc), 0, true, "a zone or host name" },
	{ "to", YAML_SCALAR_NODE, policy_parse_ref, C(cd_to.ep_name),
	  C(cd_to.ep_loc), 0, true, "a zone or host name" },
	{ "services", YAML_SEQUENCE_NODE, policy_parse_conduits_services,
	  C(cd_services), C(cd_service_locs), C(cd_n_services), true,
	  "a list of service names, or [any]" },
	{ "via", YAML_SCALAR_NODE, policy_parse_sanitizer, C(cd_via),
	  C(cd_via_loc), 0, false,
	  "a sanitizer kind: screen-transfer, mail-text or file-sanitize" },
	{ "approval", YAML_SCALAR_NODE, policy_parse_conduits_approval,
	  C(cd_approval), C(cd_approval_loc), 0, false,
	  "an approval reference like R8-0123" },
};
#undef C

/* The value of `name:` in a conduit mapping, for messages, or NULL. */
static const char *
policy_parse_conduits_peek_name(struct parse *ps, const yaml_node_t *map)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*key, *val;
	const char		*s;

	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		key = policy_parse_node(ps, pair->key);
		val = policy_parse_node(ps, pair->value);
		if (key == NULL || val == NULL ||
		    key->type != YAML_SCALAR_NODE ||
		    val->type != YAML_SCALAR_NODE ||
		    strcmp((const char *)key->data.scalar.value, "name") != 0)
			continue;
		s = (const char *)val->data.scalar.value;
		return policy_parse_name_valid(s) ? s : NULL;
	}
	return NULL;
}

bool
policy_parse_conduits(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct policy		*p = obj;
	struct conduit		*c;
	const char		*saved = ps->ps_what, *name, **names;
	yaml_node_t		*item;
	size_t			 i, count, cap = 0, *first, *which;
	char			 what[80];
	bool			 ok = true;

	(void)k;
	count = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	names = xcalloc(count, sizeof(*names));
	which = xcalloc(count, sizeof(*which));
	for (i = 0; i < count; i++) {
		item = policy_parse_node(ps, n->data.sequence.items.start[i]);
		if (item == NULL)
			continue;
		if (item->type != YAML_MAPPING_NODE) {
			ok = policy_parse_error(ps, item, "conduit #%zu: "
			    "expected a mapping with name, from, to and "
			    "services, got %s", i + 1,
			    policy_parse_describe(ps, item));
			continue;
		}
		if ((name = policy_parse_conduits_peek_name(ps, item)) != NULL)
			snprintf(what, sizeof(what), "conduit '%s'", name);
		else
			snprintf(what, sizeof(what), "conduit #%zu", i + 1);
		p->p_conduits = xgrow(p->p_conduits, &cap, p->p_n_conduits,
		    sizeof(*p->p_conduits));
		c = &p->p_conduits[p->p_n_conduits];
		memset(c, 0, sizeof(*c));
		c->cd_loc = policy_parse_loc(ps, item);
		ps->ps_what = what;
		if (!policy_parse_mapping(ps, item, item, conduit_keys,
		    PARSE_NKEYS(conduit_keys), c))
			ok = false;
		ps->ps_what = saved;
		names[i] = c->cd_name;
		which[i] = p->p_n_conduits++;
	}
	/* Names are how counters, logs and the matrix refer to a conduit. */
	first = policy_parse_dups(names, count);
	for (i = 0; i < count; i++)
		if (names[i] != NULL && first[i] != i)
			ok = policy_parse_error(ps, policy_parse_node(ps,
			    n->data.sequence.items.start[i]), "conduit '%s' is "
			    "defined twice; first at line %u", names[i],
			    p->p_conduits[which[first[i]]].cd_loc.line);
	free(first);
	free(which);
	free(names);
	return ok;
}
