/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to the policy.yaml parser: the table-driven mapping walker that
 * daemon/policy-parse.c provides and the per-section files (zones, hosts,
 * services, conduits, quarantine) use, in the manner of netplan's parse.c.
 *
 * File names: locations stored in policy objects point at p->p_file (owned
 * by the policy).  Diagnostics the parser queues name the caller's `file`
 * argument, and diag.c copies the name into each diagnostic (d_file), so
 * diagnostics stay printable after the policy, or the caller's string, is
 * freed: nothing to keep alive, nothing to leak.
 */
#ifndef SANSO_POLICY_PARSE_H
#define SANSO_POLICY_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "policy.h"

/* Largest policy accepted (policy_load, policy_parse). */
#define POLICY_MAX_BYTES	(16u * 1024 * 1024)
/* After this many errors the parser stops queueing them. */
#define POLICY_PARSE_MAX_ERRORS	100
/* Deeper nesting is never a policy; refuse before loading the tree. */
#define POLICY_PARSE_MAX_DEPTH	32
/* Longest approval reference (e.g. "R8-0123"). */
#define POLICY_APPROVAL_MAX	128
/* How a valid name looks, for messages (the brief's name rule). */
#define POLICY_NAME_RULE	"a name is a letter followed by up to 31 " \
				"letters, digits, '-' or '_'"
#define PARSE_SHOW_SLOTS	8

/**
 * struct parse - state of one policy_parse() call
 * @ps_p: the policy being filled
 * @ps_d: where diagnostics go
 * @ps_file: the caller's file name, used in diagnostics (see above)
 * @ps_doc: the loaded YAML document
 * @ps_what: the object being parsed, for messages ("zone 'lgwan'")
 * @ps_noun: what the file is, for messages ("policy", "settings file")
 * @ps_nerr: errors queued so far by this parse
 * @ps_show: ring of buffers for values shown in messages (one message
 *   uses at most a few)
 */
struct parse {
	struct policy	*ps_p;
	struct diags	*ps_d;
	const char	*ps_file;
	yaml_document_t	*ps_doc;
	const char	*ps_what;
	const char	*ps_noun;
	unsigned	 ps_nerr;
	char		 ps_show[PARSE_SHOW_SLOTS][80];
	unsigned	 ps_show_next;
};

struct parse_key;

/*
 * A handler parses the value of one key into the object at @obj, using the
 * offsets in @k.  It queues its own errors and returns false after any.
 */
typedef bool (*parse_fn)(struct parse *, yaml_node_t *value, void *obj,
    const struct parse_key *k);

/**
 * struct parse_key - one allowed key of a mapping
 * @pk_key: the key as written in policy.yaml
 * @pk_type: the node type the value must have; YAML_NO_NODE lets the
 *   handler decide (host address: scalar or list)
 * @pk_handler: parses the value
 * @pk_off: offset of the field in the object
 * @pk_off2: offset of a second field (a location, or a locations array)
 * @pk_off3: offset of a third field (an element count)
 * @pk_required: the key must be present
 * @pk_expect: what the value should be, for type errors ("a list of
 *   interface names")
 */
struct parse_key {
	const char	*pk_key;
	yaml_node_type_t pk_type;
	parse_fn	 pk_handler;
	size_t		 pk_off;
	size_t		 pk_off2;
	size_t		 pk_off3;
	bool		 pk_required;
	const char	*pk_expect;
};

/* Checks one item of a list of strings; queues its own error. */
typedef bool (*parse_item_fn)(struct parse *, const yaml_node_t *,
    const char *, const struct parse_key *);
/* Parses the value of one name -> object pair (ps_what names it). */
typedef bool (*parse_named_fn)(struct parse *, const char *name,
    yaml_node_t *key, yaml_node_t *value, void *arg);

#define PARSE_FIELD(obj, off, type) \
	((type *)(void *)((char *)(obj) + (off)))
#define PARSE_NKEYS(t)			(sizeof(t) / sizeof((t)[0]))

/* policy-parse.c: the machinery. */
/* Both return false so a check can fail with `return policy_parse_error()`;
 * kerror prefixes "<key> in <what>: ". */
bool		 policy_parse_error(struct parse *, const yaml_node_t *,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool		 policy_parse_kerror(struct parse *, const yaml_node_t *,
		    const struct parse_key *, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
/* An object's location (file is p->p_file). */
struct loc	 policy_parse_loc(const struct parse *, const yaml_node_t *);
yaml_node_t	*policy_parse_node(const struct parse *, int id);
const char	*policy_parse_show(struct parse *, const char *);
const char	*policy_parse_describe(struct parse *, const yaml_node_t *);
const char	*policy_parse_scalar(struct parse *, const yaml_node_t *);
bool		 policy_parse_is_null(const yaml_node_t *);
bool		 policy_parse_name_valid(const char *);
size_t		*policy_parse_dups(const char **, size_t);
size_t		*policy_parse_seq_dups(struct parse *, const yaml_node_t *);
bool		 policy_parse_mapping(struct parse *, yaml_node_t *map,
		    const yaml_node_t *owner, const struct parse_key *,
		    size_t nkeys, void *obj);
bool		 policy_parse_named(struct parse *, yaml_node_t *map,
		    const char *kind, parse_named_fn, void *arg);
bool		 policy_parse_strv(struct parse *, yaml_node_t *seq,
		    void *obj, const struct parse_key *, parse_item_fn);
bool		 policy_parse_name_item(struct parse *, const yaml_node_t *,
		    const char *, const struct parse_key *);
bool		 policy_parse_prefix(struct parse *, const yaml_node_t *,
		    const struct parse_key *, bool host, struct prefix *);

/* One YAML document with a root mapping walked against @keys (policy.yaml,
 * sansod.yaml); false after queueing errors.  ps_file, ps_d, ps_what and
 * ps_noun must be set. */
bool		 policy_parse_document(struct parse *, const char *text,
		    size_t len, const struct parse_key *, size_t nkeys,
		    void *obj, bool empty_ok, const char *expect);
/* Read a whole file of at most POLICY_MAX_BYTES into *textp (NUL-ended,
 * caller frees) and point @d at it for carets; false with an "io" error
 * naming @path. */
bool		 policy_parse_read_file(const char *path, const char *noun,
		    char **textp, size_t *lenp, struct diags *d);

/* Generic handlers for table entries. */
bool		 policy_parse_bool(struct parse *, yaml_node_t *, void *,
		    const struct parse_key *);
bool		 policy_parse_ref(struct parse *, yaml_node_t *, void *,
		    const struct parse_key *);
bool		 policy_parse_names(struct parse *, yaml_node_t *, void *,
		    const struct parse_key *);
bool		 policy_parse_sanitizer(struct parse *, yaml_node_t *, void *,
		    const struct parse_key *);

/* One file per section: the handlers for the top-level keys. */
bool		 policy_parse_zones(struct parse *, yaml_node_t *, void *,
		    const struct parse_key *);
bool		 policy_parse_hosts(struct parse *, yaml_node_t *, void *,
		    const struct parse_key *);
bool		 policy_parse_services(struct parse *, yaml_node_t *, void *,
		    const struct parse_key *);
bool		 policy_parse_conduits(struct parse *, yaml_node_t *, void *,
		    const struct parse_key *);
bool		 policy_parse_quarantine(struct parse *, yaml_node_t *, void *,
		    const struct parse_key *);

#endif
