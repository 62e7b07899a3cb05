/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy.yaml to struct policy: reading the file, the safety scan, and the
 * table-driven mapping walker the per-section files (policy-parse-*.c) use.
 *
 * Objects point at p->p_file; diagnostics carry their own copy of the name
 * (see policy-parse.h).
 */
#include <sys/stat.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "log.h"
#include "policy.h"
#include "policy-parse.h"
#include "xmalloc.h"

/* Queue an error at an explicit position (libyaml marks are 0-based). */
static bool
policy_parse_error_at(struct parse *ps, const char *rule, unsigned line,
    unsigned col, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static bool
policy_parse_verror_at(struct parse *ps, const char *rule, unsigned line,
    unsigned col, const char *fmt, va_list ap)
{
	struct loc	 loc = { ps->ps_file, line, col };
	char		*msg;

	/* A 16 MiB file of mistakes must not become a million messages. */
	if (ps->ps_nerr >= POLICY_PARSE_MAX_ERRORS) {
		if (ps->ps_nerr++ == POLICY_PARSE_MAX_ERRORS)
			diag_error(ps->ps_d, &loc, rule, NULL,
			    "too many errors; stopped after %d",
			    POLICY_PARSE_MAX_ERRORS);
		return false;
	}
	ps->ps_nerr++;
	if (vasprintf(&msg, fmt, ap) < 0)
		fatalx("policy parse: out of memory");
	diag_error(ps->ps_d, &loc, rule, NULL, "%s", msg);
	free(msg);
	return false;
}

static bool
policy_parse_error_at(struct parse *ps, const char *rule, unsigned line,
    unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	policy_parse_verror_at(ps, rule, line, col, fmt, ap);
	va_end(ap);
	return false;
}

bool
policy_parse_error(struct parse *ps, const yaml_node_t *node,
    const char *fmt, ...)
{
	va_list		ap;
	unsigned	line = 0, col = 0;

	if (node != NULL) {
		line = (unsigned)node->start_mark.line + 1;
		col = (unsigned)node->start_mark.column + 1;
	}
	va_start(ap, fmt);
	policy_parse_verror_at(ps, "schema", line, col, fmt, ap);
	va_end(ap);
	return false;
}

bool
policy_parse_kerror(struct parse *ps, const yaml_node_t *node,
    const struct parse_key *k, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		fatalx("policy parse: out of memory");
	va_end(ap);
	policy_parse_error(ps, node, "%s in %s: %s", k->pk_key, ps->ps_what,
	    msg);
	free(msg);
	return false;
}

struct loc
policy_parse_loc(const struct parse *ps, const yaml_node_t *node)
{
	struct loc loc = { ps->ps_p != NULL ? ps->ps_p->p_file : ps->ps_file,
	    0, 0 };

	if (node != NULL) {
		loc.line = (unsigned)node->start_mark.line + 1;
		loc.col = (unsigned)node->start_mark.column + 1;
	}
	return loc;
}

yaml_node_t *
policy_parse_node(const struct parse *ps, int id)
{
	return yaml_document_get_node(ps->ps_doc, id);
}

/*
 * A value as shown in a message: at most ~60 bytes, control characters
 * replaced, so that a hostile policy cannot write escapes to a terminal.
 */
const char *
policy_parse_show(struct parse *ps, const char *s)
{
	char	*buf = ps->ps_show[ps->ps_show_next++ % PARSE_SHOW_SLOTS];
	size_t	 i, n = strlen(s), max = 60;

	if (n > max) {
		/* Do not cut a UTF-8 sequence in half. */
		while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
			max--;
	} else
		max = n;
	for (i = 0; i < max; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' :
		    s[i];
	if (n > max)
		memcpy(buf + i, "...", 4);
	else
		buf[i] = '\0';
	return buf;
}

bool
policy_parse_is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = (const char *)n->data.scalar.value;
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* "a list", "a mapping", "nothing" or the scalar itself, for messages. */
const char *
policy_parse_describe(struct parse *ps, const yaml_node_t *n)
{
	const char	*s;
	char		*buf;

	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SCALAR_NODE:
		if (policy_parse_is_null(n))
			return "nothing";
		s = policy_parse_show(ps, (const char *)n->data.scalar.value);
		buf = ps->ps_show[ps->ps_show_next++ % PARSE_SHOW_SLOTS];
		snprintf(buf, sizeof(ps->ps_show[0]), "'%s'", s);
		return buf;
	default:
		return "nothing";
	}
}

/* The text of a scalar, or NULL (with an error) when it holds a NUL. */
const char *
policy_parse_scalar(struct parse *ps, const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return NULL;
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		policy_parse_error(ps, n, "%s: a value contains a NUL "
		    "character", ps->ps_what);
		return NULL;
	}
	return s;
}

bool
policy_parse_name_valid(const char *s)
{
	size_t i;

	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return false;
	for (i = 1; s[i] != '\0'; i++) {
		if (i >= POLICY_NAME_MAX)
			return false;
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	}
	return true;
}

struct dup_ent {
	const char	*de_s;
	size_t		 de_idx;
};

static int
policy_parse_dup_cmp(const void *a, const void *b)
{
	const struct dup_ent *x = a, *y = b;
	int c = strcmp(x->de_s, y->de_s);

	if (c != 0)
		return c;
	return x->de_idx < y->de_idx ? -1 : x->de_idx > y->de_idx;
}

/*
 * For each string, the index of its first occurrence (itself when it is
 * the first or NULL).  Sorting keeps a 16 MiB policy from going quadratic.
 */
size_t *
policy_parse_dups(const char **s, size_t n)
{
	struct dup_ent	*e;
	size_t		*first, i, m = 0, run = 0;

	first = xcalloc(n, sizeof(*first));
	e = xcalloc(n, sizeof(*e));
	for (i = 0; i < n; i++) {
		first[i] = i;
		if (s[i] != NULL) {
			e[m].de_s = s[i];
			e[m++].de_idx = i;
		}
	}
	qsort(e, m, sizeof(*e), policy_parse_dup_cmp);
	for (i = 1; i < m; i++) {
		if (strcmp(e[i].de_s, e[run].de_s) != 0)
			run = i;
		else
			first[e[i].de_idx] = e[run].de_idx;
	}
	free(e);
	return first;
}

/* policy_parse_dups() over the scalar items of a list. */
size_t *
policy_parse_seq_dups(struct parse *ps, const yaml_node_t *seq)
{
	const char	**s;
	size_t		 *first, i, n;
	yaml_node_t	 *item;

	n = (size_t)(seq->data.sequence.items.top -
	    seq->data.sequence.items.start);
	s = xcalloc(n, sizeof(*s));
	for (i = 0; i < n; i++) {
		item = policy_parse_node(ps, seq->data.sequence.items.start[i]);
		if (item != NULL && item->type == YAML_SCALAR_NODE)
			s[i] = (const char *)item->data.scalar.value;
	}
	first = policy_parse_dups(s, n);
	free(s);
	return first;
}

static const char *
policy_parse_keys_list(const struct parse_key *keys, size_t nkeys, char *buf,
    size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < nkeys && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s",
		    i > 0 ? ", " : "", keys[i].pk_key);
	return buf;
}

/*
 * Walk a mapping against its table of keys (netplan's process_mapping()):
 * unknown, duplicate and missing keys and values of the wrong node type are
 * errors; every key is looked at, so one pass reports every problem.
 * @owner is where a missing key is reported (the object's name).
 */
bool
policy_parse_mapping(struct parse *ps, yaml_node_t *map,
    const yaml_node_t *owner, const struct parse_key *keys, size_t nkeys,
    void *obj)
{
	const yaml_node_t	*seen[32] = { NULL };
	yaml_node_pair_t	*pair;
	yaml_node_t		*key, *val;
	const char		*ks;
	char			 list[256];
	size_t			 i;
	bool			 ok = true;

	if (nkeys > 32)
		fatalx("%s: table of %zu keys is too long", __func__, nkeys);
	for (pair = map->data.mapping.pairs.start;
	    pair < map->data.mapping.pairs.top; pair++) {
		key = policy_parse_node(ps, pair->key);
		val = policy_parse_node(ps, pair->value);
		if (key == NULL || val == NULL)
			continue;
		if (key->type != YAML_SCALAR_NODE) {
			ok = policy_parse_error(ps, key, "%s: a key must be a "
			    "name, not %s", ps->ps_what,
			    policy_parse_describe(ps, key));
			continue;
		}
		if ((ks = policy_parse_scalar(ps, key)) == NULL) {
			ok = false;
			continue;
		}
		for (i = 0; i < nkeys; i++)
			if (strcmp(ks, keys[i].pk_key) == 0)
				break;
		if (i == nkeys) {
			ok = policy_parse_error(ps, key, "unknown key '%s' in "
			    "%s; expected one of %s", policy_parse_show(ps, ks),
			    ps->ps_what,
			    policy_parse_keys_list(keys, nkeys, list,
			    sizeof(list)));
			continue;
		}
		if (seen[i] != NULL) {
			ok = policy_parse_error(ps, key, "duplicate key '%s' "
			    "in %s; first at line %zu", ks, ps->ps_what,
			    seen[i]->start_mark.line + 1);
			continue;
		}
		seen[i] = key;
		if (policy_parse_is_null(val)) {
			ok = policy_parse_kerror(ps, val, &keys[i],
			    "expected %s, got nothing", keys[i].pk_expect);
			continue;
		}
		if (keys[i].pk_type != YAML_NO_NODE &&
		    val->type != keys[i].pk_type) {
			ok = policy_parse_kerror(ps, val, &keys[i],
			    "expected %s, got %s", keys[i].pk_expect,
			    policy_parse_describe(ps, val));
			continue;
		}
		if (!keys[i].pk_handler(ps, val, obj, &keys[i]))
			ok = false;
	}
	for (i = 0; i < nkeys; i++)
		if (keys[i].pk_required && seen[i] == NULL)
			ok = policy_parse_error(ps, owner, "missing key '%s' "
			    "in %s (%s)", keys[i].pk_key, ps->ps_what,
			    keys[i].pk_expect);
	return ok;
}

/*
 * Walk a mapping of name -> object (zones, hosts, services): keys must be
 * valid names and unique; @fn parses each value with ps_what set to
 * "<kind> '<name>'".
 */
bool
policy_parse_named(struct parse *ps, yaml_node_t *map, const char *kind,
    parse_named_fn fn, void *arg)
{
	const char		**names;
	const char		 *saved = ps->ps_what;
	yaml_node_pair_t	 *pair;
	yaml_node_t		 *key, *val, *fk;
	size_t			 *first, i, n;
	char			  what[80];
	bool			  ok = true;

	n = (size_t)(map->data.mapping.pairs.top -
	    map->data.mapping.pairs.start);
	names = xcalloc(n, sizeof(*names));
	for (i = 0; i < n; i++) {
		pair = &map->data.mapping.pairs.start[i];
		key = policy_parse_node(ps, pair->key);
		if (key == NULL || key->type != YAML_SCALAR_NODE) {
			ok = policy_parse_error(ps, key, "%s names must be "
			    "scalars, not %s", kind,
			    key ? "a list or a mapping" : "nothing");
			continue;
		}
		/* A bad name is reported, and its object still parsed. */
		if ((names[i] = policy_parse_scalar(ps, key)) == NULL)
			ok = false;
		else if (!policy_parse_name_valid(names[i]))
			ok = policy_parse_error(ps, key, "'%s' is not a valid "
			    "%s name; %s", policy_parse_show(ps, names[i]),
			    kind, POLICY_NAME_RULE);
	}
	first = policy_parse_dups(names, n);
	for (i = 0; i < n; i++) {
		if (names[i] == NULL)
			continue;
		pair = &map->data.mapping.pairs.start[i];
		key = policy_parse_node(ps, pair->key);
		val = policy_parse_node(ps, pair->value);
		if (first[i] != i) {
			fk = policy_parse_node(ps,
			    map->data.mapping.pairs.start[first[i]].key);
			ok = policy_parse_error(ps, key, "%s '%s' is defined "
			    "twice; first at line %zu", kind,
			    policy_parse_show(ps, names[i]),
			    fk->start_mark.line + 1);
			continue;
		}
		if (val == NULL)
			continue;
		snprintf(what, sizeof(what), "%s '%s'", kind,
		    policy_parse_show(ps, names[i]));
		ps->ps_what = what;
		if (!fn(ps, names[i], key, val, arg))
			ok = false;
		ps->ps_what = saved;
	}
	free(first);
	free(names);
	return ok;
}

/*
 * A list of strings into (char **, struct loc *, size_t) at the three
 * offsets of @k; @check validates one item and queues its own error.
 * Duplicates are errors.
 */
bool
policy_parse_strv(struct parse *ps, yaml_node_t *seq, void *obj,
    const struct parse_key *k, parse_item_fn check)
{
	char		***vp = PARSE_FIELD(obj, k->pk_off, char **);
	struct loc	**lp = PARSE_FIELD(obj, k->pk_off2, struct loc *);
	size_t		 *np = PARSE_FIELD(obj, k->pk_off3, size_t);
	size_t		 *first, i, n, cap = 0, lcap = 0;
	yaml_node_t	 *item;
	const char	 *s;
	bool		  ok = true;

	n = (size_t)(seq->data.sequence.items.top -
	    seq->data.sequence.items.start);
	first = policy_parse_seq_dups(ps, seq);
	for (i = 0; i < n; i++) {
		item = policy_parse_node(ps, seq->data.sequence.items.start[i]);
		if (item == NULL)
			continue;
		if (item->type != YAML_SCALAR_NODE ||
		    policy_parse_is_null(item)) {
			ok = policy_parse_kerror(ps, item, k, "expected %s, "
			    "got %s in the list", k->pk_expect,
			    policy_parse_describe(ps, item));
			continue;
		}
		if ((s = policy_parse_scalar(ps, item)) == NULL) {
			ok = false;
			continue;
		}
		if (!check(ps, item, s, k)) {
			ok = false;
			continue;
		}
		if (first[i] != i) {
			ok = policy_parse_kerror(ps, item, k, "'%s' is listed "
			    "twice", policy_parse_show(ps, s));
			continue;
		}
		*vp = xgrow(*vp, &cap, *np, sizeof(**vp));
		*lp = xgrow(*lp, &lcap, *np, sizeof(**lp));
		(*vp)[*np] = xstrdup(s);
		(*lp)[*np] = policy_parse_loc(ps, item);
		(*np)++;
	}
	free(first);
	return ok;
}

bool
policy_parse_name_item(struct parse *ps, const yaml_node_t *n, const char *s,
    const struct parse_key *k)
{
	if (policy_parse_name_valid(s))
		return true;
	return policy_parse_kerror(ps, n, k, "'%s' is not a valid name; %s",
	    policy_parse_show(ps, s), POLICY_NAME_RULE);
}

/* A list of names (of services, hosts): the validator resolves them. */
bool
policy_parse_names(struct parse *ps, yaml_node_t *seq, void *obj,
    const struct parse_key *k)
{
	return policy_parse_strv(ps, seq, obj, k, policy_parse_name_item);
}

/* One name that the validator resolves: char * at pk_off, loc at pk_off2. */
bool
policy_parse_ref(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	const char *s;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (!policy_parse_name_item(ps, n, s, k))
		return false;
	*PARSE_FIELD(obj, k->pk_off, char *) = xstrdup(s);
	*PARSE_FIELD(obj, k->pk_off2, struct loc) = policy_parse_loc(ps, n);
	return true;
}

/* YAML 1.2 booleans only: yes/no/on/off are the classic YAML 1.1 trap. */
bool
policy_parse_bool(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	const char	*s = (const char *)n->data.scalar.value;
	bool		 plain;

	plain = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (plain && strcmp(s, "true") == 0)
		*PARSE_FIELD(obj, k->pk_off, bool) = true;
	else if (plain && strcmp(s, "false") == 0)
		*PARSE_FIELD(obj, k->pk_off, bool) = false;
	else
		return policy_parse_kerror(ps, n, k, "expected true or false, "
		    "got %s%s", policy_parse_describe(ps, n),
		    plain ? "" : " (a quoted string)");
	return true;
}

bool
policy_parse_sanitizer(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	const char	*s;
	enum sanitizer	 san;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (!sanitizer_from_name(s, &san))
		return policy_parse_kerror(ps, n, k, "unknown sanitizer kind "
		    "%s; expected one of %s, %s, %s",
		    policy_parse_describe(ps, n), sanitizer_name(SAN_SCREEN),
		    sanitizer_name(SAN_MAIL), sanitizer_name(SAN_FILE));
	*PARSE_FIELD(obj, k->pk_off, enum sanitizer) = san;
	*PARSE_FIELD(obj, k->pk_off2, struct loc) = policy_parse_loc(ps, n);
	return true;
}

/* A prefix length: decimal digits only, no sign, no leading zero. */
static bool
policy_parse_plen(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

/*
 * An IPv4 or IPv6 network ("10.20.0.0/16") or, with @host, an address with
 * no length or a full one ("10.20.0.5", "fd00::5/128").  Host bits of a
 * network must be zero: a typo there would widen or move the zone.
 * Errors are prefixed with ps_what and @k's key by the caller's choice:
 * here they are reported as "<key> in <what>: ...".
 */
bool
policy_parse_prefix(struct parse *ps, const yaml_node_t *n,
    const struct parse_key *k, bool host, struct prefix *out)
{
	const char	*s, *slash;
	char		 addr[INET6_ADDRSTRLEN + 1], fix[INET6_ADDRSTRLEN + 8];
	unsigned	 plen, max, i;
	uint8_t		 masked[16];
	const char	*like;

	like = host ? "an address like 10.20.0.5 or fd00:20::5" :
	    "a network like 10.20.0.0/16 or fd00:20::/64";
	memset(out, 0, sizeof(*out));
	if (n->type != YAML_SCALAR_NODE || policy_parse_is_null(n))
		return policy_parse_kerror(ps, n, k, "expected %s, got %s",
		    like, policy_parse_describe(ps, n));
	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	slash = strchr(s, '/');
	i = (unsigned)(slash ? (size_t)(slash - s) : strlen(s));
	if (i == 0 || i >= sizeof(addr))
		return policy_parse_kerror(ps, n, k, "expected %s, got '%s'",
		    like, policy_parse_show(ps, s));
	memcpy(addr, s, i);
	addr[i] = '\0';
	out->family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	max = out->family == AF_INET ? 32 : 128;
	if (inet_pton(out->family, addr, out->addr) != 1)
		return policy_parse_kerror(ps, n, k, "'%s' is not an IPv%c "
		    "address; expected %s", policy_parse_show(ps, addr),
		    out->family == AF_INET ? '4' : '6', like);
	if (slash == NULL) {
		if (!host)
			return policy_parse_kerror(ps, n, k, "'%s' has no "
			    "prefix length; expected %s",
			    policy_parse_show(ps, s), like);
		plen = max;
	} else if (!policy_parse_plen(slash + 1, max, &plen))
		return policy_parse_kerror(ps, n, k, "'%s' has a bad prefix "
		    "length; expected /0 to /%u", policy_parse_show(ps, s),
		    max);
	if (host && plen != max)
		return policy_parse_kerror(ps, n, k, "'%s' is a network, not a "
		    "host address; write the address alone (or /%u)",
		    policy_parse_show(ps, s), max);
	out->plen = (uint8_t)plen;
	memcpy(masked, out->addr, sizeof(masked));
	for (i = 0; i < max / 8; i++) {
		if (i * 8 >= plen)
			masked[i] = 0;
		else if (i * 8 + 8 > plen)
			masked[i] &= (uint8_t)(0xff << (8 - (plen - i * 8)));
	}
	if (memcmp(masked, out->addr, max / 8) != 0) {
		inet_ntop(out->family, masked, addr, sizeof(addr));
		snprintf(fix, sizeof(fix), "%s/%u", addr, plen);
		return policy_parse_kerror(ps, n, k, "%s has host bits set; "
		    "did you mean %s?", policy_parse_show(ps, s), fix);
	}
	out->loc = policy_parse_loc(ps, n);
	return true;
}

/* Offset in the text to a 1-based line and column (in characters). */
static void
policy_parse_offset_pos(const char *text, size_t len, size_t off,
    unsigned *line, unsigned *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80)
			(*col)++;
	}
}

static void
policy_parse_yaml_error(struct parse *ps, const yaml_parser_t *y,
    const char *text, size_t len)
{
	const char	*problem = y->problem ? y->problem : "?";
	unsigned	 line, col, value = (unsigned)y->problem_value;

	switch (y->error) {
	case YAML_MEMORY_ERROR:
		fatalx("libyaml: out of memory");
	case YAML_READER_ERROR:
		/* Reader errors have a byte offset, not a mark. */
		policy_parse_offset_pos(text, len, y->problem_offset, &line,
		    &col);
		if (strstr(problem, "UTF-8") || strstr(problem, "Unicode"))
			policy_parse_error_at(ps, "syntax", line, col, "not "
			    "valid UTF-8 text: %s (0x%x at byte %zu); a policy "
			    "must be saved as UTF-8", problem, value,
			    y->problem_offset);
		else
			policy_parse_error_at(ps, "syntax", line, col, "%s "
			    "(0x%x at byte %zu)", problem, value,
			    y->problem_offset);
		break;
	default:
		line = (unsigned)y->problem_mark.line + 1;
		col = (unsigned)y->problem_mark.column + 1;
		if (y->context != NULL)
			policy_parse_error_at(ps, "syntax", line, col, "YAML "
			    "syntax error: %s (%s at line %zu, column %zu)",
			    problem, y->context, y->context_mark.line + 1,
			    y->context_mark.column + 1);
		else
			policy_parse_error_at(ps, "syntax", line, col, "YAML "
			    "syntax error: %s", problem);
		break;
	}
}

static void
policy_parse_yaml_init(yaml_parser_t *y, const char *text, size_t len)
{
	if (!yaml_parser_initialize(y))
		fatalx("libyaml: out of memory");
	yaml_parser_set_input_string(y, (const unsigned char *)text, len);
	/* No guessing: a UTF-16 file is an error, not a different policy. */
	yaml_parser_set_encoding(y, YAML_UTF8_ENCODING);
}

static bool
policy_parse_scan_props(struct parse *ps, const yaml_event_t *ev,
    const yaml_char_t *anchor, const yaml_char_t *tag)
{
	unsigned line = (unsigned)ev->start_mark.line + 1;
	unsigned col = (unsigned)ev->start_mark.column + 1;

	if (anchor != NULL)
		return policy_parse_error_at(ps, "syntax", line, col, "anchor "
		    "'&%s': anchors and aliases are not allowed in a %s",
		    policy_parse_show(ps, (const char *)anchor), ps->ps_noun);
	if (tag != NULL)
		return policy_parse_error_at(ps, "syntax", line, col, "tag "
		    "'%s': tags are not allowed in a %s",
		    policy_parse_show(ps, (const char *)tag), ps->ps_noun);
	return true;
}

/*
 * First pass over the events: syntax errors, and what the document loader
 * would accept but a policy must not have.  Aliases (billion laughs),
 * anchors, tags, a second document, absurd nesting.
 */
static bool
policy_parse_scan(struct parse *ps, const char *text, size_t len)
{
	yaml_parser_t	y;
	yaml_event_t	ev;
	int		depth = 0, ndocs = 0;
	bool		ok = true, done = false;

	policy_parse_yaml_init(&y, text, len);
	while (!done) {
		if (!yaml_parser_parse(&y, &ev)) {
			policy_parse_yaml_error(ps, &y, text, len);
			ok = false;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++ndocs > 1) {
				ok = policy_parse_error_at(ps, "syntax",
				    (unsigned)ev.start_mark.line + 1,
				    (unsigned)ev.start_mark.column + 1,
				    "a second YAML document starts here; a "
				    "%s is one document", ps->ps_noun);
				done = true;
			}
			break;
		case YAML_ALIAS_EVENT:
			ok = policy_parse_error_at(ps, "syntax",
			    (unsigned)ev.start_mark.line + 1,
			    (unsigned)ev.start_mark.column + 1, "alias '*%s': "
			    "aliases are not allowed in a %s",
			    policy_parse_show(ps,
			    (const char *)ev.data.alias.anchor), ps->ps_noun);
			break;
		case YAML_SCALAR_EVENT:
			if (!policy_parse_scan_props(ps, &ev,
			    ev.data.scalar.anchor, ev.data.scalar.tag))
				ok = false;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (ev.type == YAML_SEQUENCE_START_EVENT ?
			    !policy_parse_scan_props(ps, &ev,
			    ev.data.sequence_start.anchor,
			    ev.data.sequence_start.tag) :
			    !policy_parse_scan_props(ps, &ev,
			    ev.data.mapping_start.anchor,
			    ev.data.mapping_start.tag))
				ok = false;
			if (++depth > POLICY_PARSE_MAX_DEPTH) {
				ok = policy_parse_error_at(ps, "syntax",
				    (unsigned)ev.start_mark.line + 1,
				    (unsigned)ev.start_mark.column + 1,
				    "nested more than %d levels deep",
				    POLICY_PARSE_MAX_DEPTH);
				done = true;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&y);
	return ok;
}

static bool
policy_parse_version(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct policy *p = obj;

	if (strcmp((const char *)n->data.scalar.value, "1") != 0)
		return policy_parse_kerror(ps, n, k, "unsupported version %s; "
		    "this sanso reads version 1", policy_parse_describe(ps, n));
	p->p_version = 1;
	return true;
}

static bool
policy_parse_model(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct policy	*p = obj;
	const char	*s;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (!model_from_name(s, &p->p_model))
		return policy_parse_kerror(ps, n, k, "unknown model %s; "
		    "expected one of %s, %s, %s, %s",
		    policy_parse_describe(ps, n),
		    model_name(MODEL_ALPHA), model_name(MODEL_ALPHA_PRIME),
		    model_name(MODEL_BETA), model_name(MODEL_BETA_PRIME));
	return true;
}

static const struct parse_key policy_keys[] = {
	{ "version", YAML_SCALAR_NODE, policy_parse_version, 0, 0, 0, true,
	  "version: 1" },
	{ "model", YAML_SCALAR_NODE, policy_parse_model, 0, 0, 0, false,
	  "a model name: alpha, alpha-prime, beta or beta-prime" },
	{ "zones", YAML_MAPPING_NODE, policy_parse_zones, 0, 0, 0, true,
	  "a mapping of zone names to zones" },
	{ "hosts", YAML_MAPPING_NODE, policy_parse_hosts, 0, 0, 0, false,
	  "a mapping of host names to hosts" },
	{ "services", YAML_MAPPING_NODE, policy_parse_services, 0, 0, 0, false,
	  "a mapping of service names to lists of ports" },
	{ "conduits", YAML_SEQUENCE_NODE, policy_parse_conduits, 0, 0, 0, false,
	  "a list of conduits" },
	{ "quarantine", YAML_MAPPING_NODE, policy_parse_quarantine, 0, 0, 0,
	  false, "a mapping with zone, remediation, checks and release" },
};

/*
 * The document machinery shared by policy.yaml and sansod.yaml: size and NUL
 * checks, the scan for what a configuration file must not have, loading,
 * and the walk of the root mapping against @keys into @obj.  An empty
 * document is @empty_ok (settings: all defaults) or an error naming what
 * was expected.  Returns false after queueing errors.
 */
bool
policy_parse_document(struct parse *ps, const char *text, size_t len,
    const struct parse_key *keys, size_t nkeys, void *obj, bool empty_ok,
    const char *expect)
{
	yaml_parser_t	 y;
	yaml_document_t	 doc;
	yaml_node_t	*root;
	const char	*nul;
	unsigned	 line, col;

	if (len > POLICY_MAX_BYTES) {
		policy_parse_error_at(ps, "syntax", 0, 0, "%s text is %zu "
		    "bytes; the limit is %u bytes (16 MiB)", ps->ps_noun, len,
		    POLICY_MAX_BYTES);
		return false;
	}
	/* libyaml would call it a control character; say what it is. */
	if ((nul = memchr(text, '\0', len)) != NULL) {
		policy_parse_offset_pos(text, len, (size_t)(nul - text), &line,
		    &col);
		policy_parse_error_at(ps, "syntax", line, col, "the %s "
		    "contains a NUL byte (at byte %zu); it must be UTF-8 text",
		    ps->ps_noun, (size_t)(nul - text));
		return false;
	}
	if (!policy_parse_scan(ps, text, len))
		return false;

	policy_parse_yaml_init(&y, text, len);
	if (!yaml_parser_load(&y, &doc)) {
		policy_parse_yaml_error(ps, &y, text, len);
		yaml_parser_delete(&y);
		return false;
	}
	ps->ps_doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || policy_parse_is_null(root)) {
		if (!empty_ok)
			policy_parse_error_at(ps, "schema", 1, 1, "empty %s: "
			    "expected a mapping with %s", ps->ps_noun, expect);
	} else if (root->type != YAML_MAPPING_NODE)
		policy_parse_error(ps, root, "the %s must be a mapping with "
		    "%s, not %s", ps->ps_noun, expect,
		    policy_parse_describe(ps, root));
	else
		policy_parse_mapping(ps, root, root, keys, nkeys, obj);
	ps->ps_doc = NULL;
	yaml_document_delete(&doc);
	yaml_parser_delete(&y);
	return ps->ps_nerr == 0;
}

struct policy *
policy_parse(const char *file, const char *text, size_t len, struct diags *d)
{
	struct parse	 ps;
	struct policy	*p;

	memset(&ps, 0, sizeof(ps));
	ps.ps_file = file != NULL ? file : "<policy>";
	ps.ps_d = d;
	ps.ps_what = "the policy";
	ps.ps_noun = "policy";
	p = xcalloc(1, sizeof(*p));
	p->p_file = xstrdup(ps.ps_file);
	p->p_model = MODEL_ALPHA;
	ps.ps_p = p;
	if (!policy_parse_document(&ps, text, len, policy_keys,
	    PARSE_NKEYS(policy_keys), p, false, "version, model, zones, "
	    "hosts, services, conduits and quarantine")) {
		policy_free(p);
		return NULL;
	}
	return p;
}

static bool
policy_read_error(struct diags *d, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool
policy_read_error(struct diags *d, const char *path, const char *fmt, ...)
{
	struct loc	 loc = { path, 0, 0 };
	va_list		 ap;
	char		*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		fatalx("policy load: out of memory");
	va_end(ap);
	diag_error(d, &loc, "io", NULL, "%s", msg);
	free(msg);
	return false;
}

bool
policy_parse_read_file(const char *path, const char *noun, char **textp,
    size_t *lenp, struct diags *d)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0, cap = 0;
	ssize_t		 r;
	int		 fd, err;

	*textp = NULL;
	*lenp = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return policy_read_error(d, path, "cannot read: %s",
		    strerror(errno));
	if (fstat(fd, &st) == -1) {
		err = errno;
		close(fd);
		return policy_read_error(d, path, "cannot read: %s",
		    strerror(err));
	}
	if (S_ISREG(st.st_mode) && st.st_size > (off_t)POLICY_MAX_BYTES) {
		close(fd);
		return policy_read_error(d, path, "%s file is %jd bytes; "
		    "the limit is %u bytes (16 MiB)", noun,
		    (intmax_t)st.st_size, POLICY_MAX_BYTES);
	}
	/* Read to EOF, not st_size: the file may grow, or be a pipe. */
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 64 * 1024;
			if (cap > POLICY_MAX_BYTES + 1)
				cap = POLICY_MAX_BYTES + 1;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		r = read(fd, buf + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err = errno;
			close(fd);
			free(buf);
			return policy_read_error(d, path, "cannot read: %s",
			    strerror(err));
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > POLICY_MAX_BYTES) {
			close(fd);
			free(buf);
			return policy_read_error(d, path, "%s file is more "
			    "than %u bytes; the limit is %u bytes (16 MiB)",
			    noun, POLICY_MAX_BYTES, POLICY_MAX_BYTES);
		}
	}
	close(fd);
	if (buf == NULL)
		buf = xmalloc(1);
	buf[len] = '\0';
	*textp = buf;
	*lenp = len;
	d->text = buf;
	d->textlen = len;
	return true;
}

struct policy *
policy_load(const char *path, char **textp, size_t *lenp, struct diags *d)
{
	if (!policy_parse_read_file(path, "policy", textp, lenp, d))
		return NULL;
	return policy_parse(path, *textp, *lenp, d);
}
