/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The isolation service: validation, store, kernel element changes, TTL. */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <pthread.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "../nftables/ruleset.h"
#include "audit.h"
#include "compile.h"
#include "events.h"
#include "ctflush.h"
#include "intern.h"
#include "kernel.h"
#include "log.h"
#include "proc.h"
#include "svc-isolation.h"
#include "xmalloc.h"

/* Re-check at least this often, so a wall-clock jump delays nothing long. */
/* Bulks this large write the store on a second thread. */
#define SVC_ISOLATION_STORE_THREAD_MIN	1000
#define SVC_ISOLATION_TIMER_MAX_MS	60000

/**
 * struct svc_iso - one isolation in force
 * @si_row: as in the store (canonical texts)
 * @si_target, @si_keep: the same, parsed (si_row.is_n_keep kept hosts)
 */
struct svc_iso {
	struct isolation	 si_row;
	struct isolation_target	 si_target;
	struct isolation_target	*si_keep;
	bool			 si_skip;	/* left out of svc_isolation_all() */
};

/* Element changes for one kernel batch: deletes first, then adds. */
struct svc_iso_changes {
	struct kernel_elem_change *v;
	size_t			 n;
	size_t			 cap;
};

static struct store		*iso_store;
/* Everything in force, sorted by target text (bsearch; one place per
 * target, as in the store). */
static struct svc_iso		**iso_v;
static size_t			 iso_n, iso_cap;
/* Shortcuts: with no prefixes of a family, a prefix can only overlap
 * itself; with no MAC isolation keeping hosts, a MAC shares nothing. */
static size_t			 iso_n_prefix[2];
static size_t			 iso_n_mac_keep;
static int64_t			 iso_next_expiry;	/* 0: none */
static struct proc_timer	*iso_timer;
/* The checkpoint a bulk's commit left out, run once its answer is out. */
static struct proc_timer	*iso_checkpoint_timer;
#define SVC_ISOLATION_CHECKPOINT_MS	20

static int64_t
svc_isolation_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
svc_isolation_fam(int af)
{
	return af == AF_INET ? 0 : 1;
}

static void
svc_isolation_fail(struct svc_isolation_result *res,
    enum svc_isolation_status st, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
svc_isolation_fail(struct svc_isolation_result *res,
    enum svc_isolation_status st, const char *field, const char *fmt, ...)
{
	va_list ap;

	res->ir_status = st;
	snprintf(res->ir_field, sizeof(res->ir_field), "%s",
	    field ? field : "");
	va_start(ap, fmt);
	vsnprintf(res->ir_message, sizeof(res->ir_message), fmt, ap);
	va_end(ap);
}

/*
 * A row in force shares its texts: the target is si_target.it_text, kind,
 * reason, ticket and actor come from the string pool (a bulk gives them to
 * every row), and only kept hosts, rare, are the row's own.
 */
static void
svc_iso_free(struct svc_iso *si)
{
	size_t i;

	if (si == NULL)
		return;
	intern_put(si->si_row.is_kind);
	intern_put(si->si_row.is_reason);
	intern_put(si->si_row.is_ticket);
	intern_put(si->si_row.is_actor);
	for (i = 0; i < si->si_row.is_n_keep; i++)
		free(si->si_row.is_keep[i]);
	free(si->si_row.is_keep);
	free(si->si_keep);
	free(si);
}

static void
svc_iso_count(const struct svc_iso *si, int delta)
{
	const struct isolation_target *t = &si->si_target;

	if (t->it_kind == ISOLATION_PREFIX)
		iso_n_prefix[svc_isolation_fam(t->it_prefix.family)] +=
		    (size_t)delta;
	else if (t->it_kind == ISOLATION_MAC && si->si_row.is_n_keep > 0)
		iso_n_mac_keep += (size_t)delta;
}

/* Index of @target in iso_v, or -1 with *pos where it would go. */
static ssize_t
svc_isolation_find(const char *target, size_t *pos)
{
	size_t	lo = 0, hi = iso_n, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(target, iso_v[mid]->si_row.is_target);
		if (c == 0) {
			*pos = mid;
			return (ssize_t)mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*pos = lo;
	return -1;
}

static int
svc_isolation_qsort(const void *a, const void *b)
{
	const struct svc_iso *const *x = a, *const *y = b;

	return strcmp((*x)->si_row.is_target, (*y)->si_row.is_target);
}

/* Put @si in place of the row of the same target, or add it. */
static void
svc_isolation_insert(struct svc_iso *si)
{
	size_t pos;

	if (svc_isolation_find(si->si_row.is_target, &pos) >= 0) {
		svc_iso_count(iso_v[pos], -1);
		svc_iso_free(iso_v[pos]);
		iso_v[pos] = si;
	} else {
		iso_v = xgrow(iso_v, &iso_cap, iso_n, sizeof(*iso_v));
		memmove(&iso_v[pos + 1], &iso_v[pos],
		    (iso_n - pos) * sizeof(*iso_v));
		iso_v[pos] = si;
		iso_n++;
	}
	svc_iso_count(si, 1);
}

static void
svc_isolation_remove(const char *target)
{
	size_t pos;

	if (svc_isolation_find(target, &pos) < 0)
		return;
	svc_iso_count(iso_v[pos], -1);
	svc_iso_free(iso_v[pos]);
	memmove(&iso_v[pos], &iso_v[pos + 1],
	    (iso_n - pos - 1) * sizeof(*iso_v));
	iso_n--;
}

/* --- parsing and validation ------------------------------------------ */

/* Parse a row read from the store; takes its fields.  NULL (logged) when
 * it does not parse, which only a hand-edited database can cause. */
static struct svc_iso *
svc_iso_from_row(struct isolation *row)
{
	struct svc_iso	*si = xcalloc(1, sizeof(*si));
	char		 err[256];
	size_t		 i;

	err[0] = '\0';
	if (!isolation_target_parse(row->is_target, &si->si_target, err,
	    sizeof(err)) || strcmp(si->si_target.it_text,
	    row->is_target) != 0) {
		log_warnx("store: isolation '%s' is not a valid target (%s); "
		    "ignored", row->is_target, err[0] ? err :
		    "not in canonical form");
		free(si);
		return NULL;
	}
	/* The pool's texts for the row's, the keep list taken as it is. */
	si->si_row = *row;
	si->si_row.is_target = si->si_target.it_text;
	si->si_row.is_kind = intern_get(row->is_kind);
	si->si_row.is_reason = intern_get(row->is_reason);
	si->si_row.is_ticket = intern_get(row->is_ticket);
	si->si_row.is_actor = intern_get(row->is_actor);
	free(row->is_target);
	free(row->is_kind);
	free(row->is_reason);
	free(row->is_ticket);
	free(row->is_actor);
	memset(row, 0, sizeof(*row));
	if (si->si_row.is_n_keep == 0)
		return si;
	si->si_keep = xcalloc(si->si_row.is_n_keep, sizeof(*si->si_keep));
	for (i = 0; i < si->si_row.is_n_keep; i++) {
		if (!isolation_target_parse_keep(si->si_row.is_keep[i],
		    &si->si_keep[i], err, sizeof(err))) {
			log_warnx("store: isolation %s keeps '%s', which is not "
			    "a host address (%s); ignored", si->si_row.is_target,
			    si->si_row.is_keep[i], err);
			goto bad;
		}
	}
	return si;
bad:
	svc_iso_free(si);
	return NULL;
}

static bool
svc_isolation_text_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool
svc_isolation_blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

/* Reason, ticket, actor and TTL, shared by single and bulk. */
static bool
svc_isolation_check_common(const struct svc_isolation_req *req,
    struct svc_isolation_result *res)
{
	if (req->ir_reason == NULL || svc_isolation_blank(req->ir_reason)) {
		svc_isolation_fail(res, SVC_ISO_INVALID, "reason",
		    "reason: required (say why, for the record)");
		return false;
	}
	if (strlen(req->ir_reason) > SVC_ISOLATION_REASON_MAX ||
	    !svc_isolation_text_ok(req->ir_reason)) {
		svc_isolation_fail(res, SVC_ISO_INVALID, "reason",
		    "reason: must be one line of at most %d bytes without "
		    "control characters", SVC_ISOLATION_REASON_MAX);
		return false;
	}
	if (req->ir_ticket != NULL && (strlen(req->ir_ticket) >
	    SVC_ISOLATION_TICKET_MAX || !svc_isolation_text_ok(req->ir_ticket))) {
		svc_isolation_fail(res, SVC_ISO_INVALID, "ticket",
		    "ticket: must be one line of at most %d bytes without "
		    "control characters", SVC_ISOLATION_TICKET_MAX);
		return false;
	}
	if (req->ir_ttl < 0 || req->ir_ttl > ISOLATION_TARGET_TTL_MAX) {
		svc_isolation_fail(res, SVC_ISO_INVALID, "ttl",
		    "ttl: must be between 1 second and a year (%lld s), or "
		    "absent to isolate until released",
		    (long long)ISOLATION_TARGET_TTL_MAX);
		return false;
	}
	if (req->ir_actor == NULL || *req->ir_actor == '\0') {
		svc_isolation_fail(res, SVC_ISO_INVALID, "actor",
		    "actor: unknown requester");
		return false;
	}
	return true;
}

/* A new row for @t from @req (keeps parsed already into @keep), replacing
 * @old, the row of the same target in force, if any. */
static struct svc_iso *
svc_iso_new(const struct isolation_target *t, const struct svc_isolation_req *req,
    const struct isolation_target *keep, size_t n_keep,
    const struct svc_iso *old, int64_t now)
{
	struct svc_iso	*si = xcalloc(1, sizeof(*si));
	size_t		 i;

	si->si_target = *t;
	si->si_row.is_target = si->si_target.it_text;
	si->si_row.is_kind = intern_get(isolation_target_kind_name(t->it_kind));
	si->si_row.is_reason = intern_get(req->ir_reason);
	si->si_row.is_ticket = req->ir_ticket && *req->ir_ticket ?
	    intern_get(req->ir_ticket) : NULL;
	si->si_row.is_actor = intern_get(req->ir_actor);
	/* The store keeps the first isolation time of a target. */
	si->si_row.is_id = old != NULL ? old->si_row.is_id : 0;
	si->si_row.is_created_ms = old != NULL ? old->si_row.is_created_ms :
	    now;
	si->si_row.is_expires_ms = req->ir_ttl > 0 ? now + req->ir_ttl * 1000 :
	    0;
	if (n_keep == 0)
		return si;
	si->si_keep = xcalloc(n_keep, sizeof(*si->si_keep));
	si->si_row.is_keep = xcalloc(n_keep, sizeof(char *));
	for (i = 0; i < n_keep; i++) {
		si->si_keep[i] = keep[i];
		si->si_row.is_keep[i] = xstrdup(keep[i].it_text);
	}
	si->si_row.is_n_keep = n_keep;
	return si;
}

/* The kept hosts of a single request, parsed, checked and deduplicated
 * into @keep (SVC_ISOLATION_KEEP_MAX long); returns the count or -1. */
static ssize_t
svc_isolation_parse_keep(const struct svc_isolation_req *req,
    const struct isolation_target *t, struct isolation_target *keep,
    struct svc_isolation_result *res)
{
	struct isolation_target	 k;
	char			 err[256], field[32];
	size_t			 i, j, n = 0;

	if (req->ir_n_keep > SVC_ISOLATION_KEEP_MAX) {
		svc_isolation_fail(res, SVC_ISO_INVALID, "keep",
		    "keep: %zu hosts; at most %d may be kept", req->ir_n_keep,
		    SVC_ISOLATION_KEEP_MAX);
		return -1;
	}
	for (i = 0; i < req->ir_n_keep; i++) {
		snprintf(field, sizeof(field), "keep[%zu]", i);
		if (!isolation_target_parse_keep(req->ir_keep[i], &k, err,
		    sizeof(err))) {
			svc_isolation_fail(res, SVC_ISO_INVALID, field,
			    "%s: %s", field, err);
			return -1;
		}
		if (t->it_kind != ISOLATION_MAC &&
		    k.it_prefix.family != t->it_prefix.family) {
			svc_isolation_fail(res, SVC_ISO_INVALID, field,
			    "%s: %s is %s but the target %s is %s", field,
			    k.it_text, k.it_prefix.family == AF_INET ? "IPv4" :
			    "IPv6", t->it_text, t->it_prefix.family == AF_INET ?
			    "IPv4" : "IPv6");
			return -1;
		}
		if (t->it_kind != ISOLATION_MAC &&
		    isolation_target_contains(t, &k)) {
			svc_isolation_fail(res, SVC_ISO_INVALID, field,
			    "%s: %s lies inside the isolated %s", field,
			    k.it_text, t->it_text);
			return -1;
		}
		for (j = 0; j < n; j++)
			if (strcmp(keep[j].it_text, k.it_text) == 0)
				break;
		if (j == n)
			keep[n++] = k;
	}
	return (ssize_t)n;
}

/* --- kernel changes ---------------------------------------------------- */

static void
svc_iso_ci(struct compile_isolation *ci, const struct svc_iso *si)
{
	ci->ci_target = &si->si_target;
	ci->ci_keep = si->si_keep;
	ci->ci_n_keep = si->si_row.is_n_keep;
	ci->ci_expires_ms = si->si_row.is_expires_ms;
}

static void
svc_iso_changes_add(struct svc_iso_changes *c, enum kernel_elem_verb verb,
    const char *set, const struct rs_elem *e)
{
	c->v = xgrow(c->v, &c->cap, c->n, sizeof(*c->v));
	c->v[c->n].kec_verb = verb;
	c->v[c->n].kec_set = set;	/* a SET_* constant: static storage */
	c->v[c->n].kec_elem = *e;
	c->n++;
}

static void
svc_iso_changes_free(struct svc_iso_changes *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* The static name of an isolation set (kec_set must outlive the scratch
 * rulesets the diff compiles). */
static const char *
svc_isolation_set_name(const char *name)
{
	static const char *const names[] = {
		SET_ISO4, SET_ISO6, SET_ISOHOST4, SET_ISOHOST6, SET_ISOMAC,
		SET_ISOLEARN4, SET_ISOLEARN6, SET_ISOKEEP4, SET_ISOKEEP6,
		SET_ISOKEEPHOST4, SET_ISOKEEPHOST6, SET_ISOKEEPMAC4,
		SET_ISOKEEPMAC6, SET_ISOMACPEER4, SET_ISOMACPEER6,
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], name) == 0)
			return names[i];
	fatalx("%s: unknown isolation set %s", __func__, name);
}

/*
 * The element changes that turn the kernel sets of isolations @ov into
 * those of @nv: both compiled the same way (merging nested prefixes), then
 * compared set by set.  A changed expiry is a delete and an add, which in
 * one batch replaces the element without a gap.
 */
static void
svc_isolation_diff(const struct compile_isolation *ov, size_t on,
    const struct compile_isolation *nv, size_t nn, struct svc_iso_changes *out)
{
	struct svc_iso_changes	 adds = { 0 };
	struct ruleset		*a = ruleset_new(), *b = ruleset_new();
	const struct rs_set	*sa, *sb;
	const char		*name;
	size_t			 k, i, j, l;
	int			 c;

	compile_isolation_sets(a, ov, on);
	compile_isolation_sets(b, nv, nn);
	for (k = 0; k < b->n_sets; k++) {
		sb = &b->sets[k];
		sa = rs_find_set(a, sb->name);
		if (sb->dynamic || sa == NULL)
			continue;
		name = svc_isolation_set_name(sb->name);
		i = j = 0;
		while (i < sa->n_elems || j < sb->n_elems) {
			if (i == sa->n_elems)
				c = 1;
			else if (j == sb->n_elems)
				c = -1;
			else
				c = compile_elem_cmp(sb, &sa->elems[i],
				    &sb->elems[j]);
			if (c < 0)
				svc_iso_changes_add(out, KERNEL_ELEM_DEL, name,
				    &sa->elems[i++]);
			else if (c > 0)
				svc_iso_changes_add(&adds, KERNEL_ELEM_ADD,
				    name, &sb->elems[j++]);
			else {
				if (sa->elems[i].expires_ms !=
				    sb->elems[j].expires_ms) {
					svc_iso_changes_add(out,
					    KERNEL_ELEM_DEL, name,
					    &sa->elems[i]);
					svc_iso_changes_add(&adds,
					    KERNEL_ELEM_ADD, name,
					    &sb->elems[j]);
				}
				i++;
				j++;
			}
		}
	}
	for (l = 0; l < adds.n; l++)
		svc_iso_changes_add(out, adds.v[l].kec_verb, adds.v[l].kec_set,
		    &adds.v[l].kec_elem);
	svc_iso_changes_free(&adds);
	ruleset_free(a);
	ruleset_free(b);
}

static bool
svc_isolation_share_keep(const struct svc_iso *x, const struct svc_iso *y)
{
	size_t i, j;

	for (i = 0; i < x->si_row.is_n_keep; i++)
		for (j = 0; j < y->si_row.is_n_keep; j++)
			if (strcmp(x->si_row.is_keep[i],
			    y->si_row.is_keep[j]) == 0)
				return true;
	return false;
}

/*
 * The isolations other than @t's own whose kernel elements may change
 * when @t's do: for a single address, none (isohost and isokeephost are
 * hash sets, where nothing merges); for a prefix, the prefixes inside the
 * widest isolated prefix around it; for a MAC, the MAC isolations that
 * keep one of the same hosts (isomacpeer merges those).  @a and @b are
 * @t's row before and after (either may be NULL).
 */
static size_t
svc_isolation_related(const struct isolation_target *t,
    const struct svc_iso *a, const struct svc_iso *b,
    struct compile_isolation **out)
{
	const struct isolation_target	*region = t;
	struct compile_isolation	*v = NULL;
	const struct svc_iso		*si;
	size_t				 i, n = 0, cap = 0;
	int				 f;

	*out = NULL;
	if (t->it_kind == ISOLATION_MAC) {
		if (iso_n_mac_keep == 0)
			return 0;
		for (i = 0; i < iso_n; i++) {
			si = iso_v[i];
			if (si->si_target.it_kind != ISOLATION_MAC ||
			    strcmp(si->si_row.is_target, t->it_text) == 0)
				continue;
			if ((a == NULL || !svc_isolation_share_keep(si, a)) &&
			    (b == NULL || !svc_isolation_share_keep(si, b)))
				continue;
			v = xgrow(v, &cap, n, sizeof(*v));
			svc_iso_ci(&v[n++], si);
		}
		*out = v;
		return n;
	}
	f = svc_isolation_fam(t->it_prefix.family);
	if (t->it_kind == ISOLATION_IP || iso_n_prefix[f] == 0)
		return 0;
	for (i = 0; i < iso_n; i++) {
		si = iso_v[i];
		if (si->si_target.it_kind == ISOLATION_PREFIX &&
		    isolation_target_contains(&si->si_target, region))
			region = &si->si_target;
	}
	for (i = 0; i < iso_n; i++) {
		si = iso_v[i];
		if (si->si_target.it_kind != ISOLATION_PREFIX ||
		    strcmp(si->si_row.is_target, t->it_text) == 0 ||
		    !isolation_target_contains(region, &si->si_target))
			continue;
		v = xgrow(v, &cap, n, sizeof(*v));
		svc_iso_ci(&v[n++], si);
	}
	*out = v;
	return n;
}

/* Changes for one target going from @a to @b (either may be NULL). */
static void
svc_isolation_changes_one(const struct isolation_target *t,
    const struct svc_iso *a, const struct svc_iso *b,
    struct svc_iso_changes *out)
{
	struct compile_isolation	*rel, *ov, *nv;
	size_t				 n, on, nn;

	n = svc_isolation_related(t, a, b, &rel);
	ov = xcalloc(n + 1, sizeof(*ov));
	nv = xcalloc(n + 1, sizeof(*nv));
	if (n > 0) {
		memcpy(ov, rel, n * sizeof(*ov));
		memcpy(nv, rel, n * sizeof(*nv));
	}
	on = nn = n;
	if (a != NULL)
		svc_iso_ci(&ov[on++], a);
	if (b != NULL)
		svc_iso_ci(&nv[nn++], b);
	svc_isolation_diff(ov, on, nv, nn, out);
	free(rel);
	free(ov);
	free(nv);
}

/* Everything in force, as compiler input, without rows marked si_skip;
 * expired rows are left out too when @now is not 0. */
static size_t
svc_isolation_all(struct compile_isolation **out, int64_t now)
{
	size_t i, n = 0;

	*out = xcalloc(iso_n + 1, sizeof(**out));
	for (i = 0; i < iso_n; i++) {
		if (iso_v[i]->si_skip)
			continue;
		if (now != 0 && iso_v[i]->si_row.is_expires_ms != 0 &&
		    iso_v[i]->si_row.is_expires_ms <= now)
			continue;
		svc_iso_ci(&(*out)[n++], iso_v[i]);
	}
	return n;
}

/*
 * What the neighbour tables map @mac to: for the conntrack flush (@ct)
 * and, as learn set elements, for @c (so traffic to an isolated MAC's
 * current addresses stops before it sends anything).
 */
static void
svc_isolation_neigh(const uint8_t mac[6], enum kernel_elem_verb verb,
    struct svc_iso_changes *c, struct kernel_addr **ct, size_t *n_ct,
    size_t *cap_ct, int64_t now)
{
	struct kernel_addr	*v = NULL;
	struct rs_elem		 e;
	size_t			 i, n = 0;
	int			 ret;

	if ((ret = kernel_neigh_addrs(mac, &v, &n)) < 0) {
		log_warnx("isolation: cannot look up the addresses of "
		    "%02x:%02x:%02x:%02x:%02x:%02x: %s", mac[0], mac[1],
		    mac[2], mac[3], mac[4], mac[5], strerror(-ret));
		return;
	}
	for (i = 0; i < n; i++) {
		memset(&e, 0, sizeof(e));
		memcpy(e.addr, v[i].kad_addr, sizeof(e.addr));
		e.plen = v[i].kad_family == AF_INET ? 32 : 128;
		e.expires_ms = verb == KERNEL_ELEM_ADD ?
		    now + COMPILE_ISOLEARN_MS : 0;
		if (c != NULL)
			svc_iso_changes_add(c, verb, v[i].kad_family == AF_INET ?
			    SET_ISOLEARN4 : SET_ISOLEARN6, &e);
		if (ct != NULL) {
			*ct = xgrow(*ct, cap_ct, *n_ct, sizeof(**ct));
			(*ct)[(*n_ct)++] = v[i];
		}
	}
	free(v);
}

/* The conntrack addresses of an IP or prefix target. */
static void
svc_isolation_ct_addr(const struct isolation_target *t,
    struct kernel_addr **ct, size_t *n, size_t *cap)
{
	struct kernel_addr *a;

	*ct = xgrow(*ct, cap, *n, sizeof(**ct));
	a = &(*ct)[(*n)++];
	memset(a, 0, sizeof(*a));
	a->kad_family = t->it_prefix.family;
	memcpy(a->kad_addr, t->it_prefix.addr, sizeof(a->kad_addr));
	a->kad_plen = t->it_prefix.plen;
}

static int
svc_isolation_ct_flush(struct kernel_addr *ct, size_t n, const char *what)
{
	int ret;

	if (n == 0)
		return 0;
	if ((ret = kernel_ct_flush(ct, n)) < 0) {
		log_warnx("isolation of %s: cannot delete its conntrack "
		    "entries: %s; new connections are cut, open ones may "
		    "continue until they time out", what, strerror(-ret));
		return -1;
	}
	return ret;
}

/* Delete the conntrack entries of @what now (@wait: the caller reports the
 * count) or on the worker, after the answer. */
static int
svc_isolation_ct(struct kernel_addr *ct, size_t n, const char *what,
    bool wait)
{
	if (n == 0)
		return 0;
	if (wait)
		return svc_isolation_ct_flush(ct, n, what);
	ctflush_queue(ct, n, what);
	return SVC_ISO_CT_QUEUED;
}

/* A walk of the worker finished: say what it cut. */
static void
svc_isolation_ct_done(const struct ctflush_done *d, void *arg)
{
	json_t	*ev, *targets = json_array();
	size_t	 i;

	(void)arg;
	for (i = 0; i < d->cd_n_labels; i++)
		json_array_append_new(targets, json_string(d->cd_labels[i]));
	if (d->cd_deleted < 0) {
		log_warnx("isolation: cannot delete the conntrack entries of "
		    "%zu isolation%s: %s; new connections are cut, open ones "
		    "stay blocked by the isolation rules until they time out",
		    d->cd_n_labels, d->cd_n_labels == 1 ? "" : "s",
		    strerror(-d->cd_deleted));
		ev = json_pack("{s:o, s:s}", "targets", targets, "error",
		    strerror(-d->cd_deleted));
		events_emit("isolation.conntrack", EV_WARNING, ev);
		return;
	}
	if (d->cd_deleted > 0)
		log_info("isolation: %d conntrack entr%s of %zu isolation%s "
		    "deleted in %.1f ms", d->cd_deleted,
		    d->cd_deleted == 1 ? "y" : "ies", d->cd_n_labels,
		    d->cd_n_labels == 1 ? "" : "s", d->cd_ms);
	ev = json_pack("{s:o, s:i, s:f}", "targets", targets, "deleted",
	    d->cd_deleted, "ms", d->cd_ms);
	events_emit("isolation.conntrack", EV_INFO, ev);
}

/* --- expiry ------------------------------------------------------------ */

static void
svc_isolation_arm(void)
{
	int64_t	now, delay;
	size_t	i;

	iso_next_expiry = 0;
	for (i = 0; i < iso_n; i++) {
		int64_t e = iso_v[i]->si_row.is_expires_ms;

		if (e != 0 && (iso_next_expiry == 0 || e < iso_next_expiry))
			iso_next_expiry = e;
	}
	if (iso_timer == NULL)
		return;
	if (iso_next_expiry == 0) {
		proc_timer_stop(iso_timer);
		return;
	}
	now = svc_isolation_now_ms();
	delay = iso_next_expiry - SVC_ISOLATION_EXPIRY_SLACK_MS - now;
	if (delay < 0)
		delay = 0;
	if (delay > SVC_ISOLATION_TIMER_MAX_MS)
		delay = SVC_ISOLATION_TIMER_MAX_MS;
	proc_timer_start(iso_timer, (unsigned long)delay, false);
}

/* Only an earlier expiry than the armed one needs the timer moved. */
static void
svc_isolation_arm_for(int64_t expires_ms)
{
	if (expires_ms != 0 && (iso_next_expiry == 0 ||
	    expires_ms < iso_next_expiry))
		svc_isolation_arm();
}

static json_t *
svc_isolation_keep_json(const struct isolation *row)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < row->is_n_keep; i++)
		json_array_append_new(a, json_string(row->is_keep[i]));
	return a;
}

/* The event fields every isolation record carries. */
static json_t *
svc_isolation_event(const struct isolation *row, const char *actor,
    const char *reason, const char *ticket)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "target", row->is_target,
	    "kind", row->is_kind, "actor", actor, "reason", reason,
	    "ticket", ticket);
	if (o == NULL)		/* only text that is not UTF-8 */
		o = json_pack("{s:s, s:s}", "target", row->is_target,
		    "kind", row->is_kind);
	return o;
}

/* Send @c in one batch.  Returns 0, or -1 with @err set. */
static int
svc_isolation_send(const struct svc_iso_changes *c, char *err, size_t errlen)
{
	int ret;

	err[0] = '\0';
	if ((ret = kernel_update_elems(c->v, c->n, err, errlen)) < 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s", strerror(-ret));
		return -1;
	}
	return 0;
}

void
svc_isolation_expire_due(void)
{
	struct svc_iso_changes	  c = { 0 };
	struct compile_isolation *ov = NULL, *nv = NULL;
	struct isolation	 *rows = NULL;
	struct svc_iso		**gone;
	char			  err[512];
	int64_t			  now;
	size_t			  n = 0, i, on, nn, pos;
	ssize_t			  idx;

	now = svc_isolation_now_ms();
	if (iso_store == NULL || iso_next_expiry == 0 ||
	    iso_next_expiry > now + SVC_ISOLATION_EXPIRY_SLACK_MS)
		return;
	if (store_begin(iso_store) == -1)
		goto store_failed;
	if (store_isolation_expire(iso_store, now +
	    SVC_ISOLATION_EXPIRY_SLACK_MS, &rows, &n) == -1)
		goto rollback;
	for (i = 0; i < n; i++)
		if (store_isolation_history(iso_store, "expire",
		    rows[i].is_target, "sansod", rows[i].is_reason,
		    rows[i].is_ticket, now) == -1)
			goto rollback;
	if (store_commit(iso_store) == -1)
		goto store_failed;

	gone = xcalloc(n + 1, sizeof(*gone));
	for (i = 0; i < n; i++) {
		idx = svc_isolation_find(rows[i].is_target, &pos);
		gone[i] = idx >= 0 ? iso_v[idx] : NULL;
	}
	/* The kernel drops its own elements at the same time; the diff also
	 * restores what a wider, expired prefix stood in for. */
	if (n == 1 && gone[0] != NULL)
		svc_isolation_changes_one(&gone[0]->si_target, gone[0], NULL,
		    &c);
	else if (n > 1) {
		on = svc_isolation_all(&ov, 0);
		for (i = 0; i < n; i++)
			if (gone[i] != NULL)
				gone[i]->si_skip = true;
		nn = svc_isolation_all(&nv, 0);
		svc_isolation_diff(ov, on, nv, nn, &c);
		free(ov);
		free(nv);
	}
	/* Before the first apply (at start) there is no table to update:
	 * the rebuild leaves the expired rows out. */
	if (kernel_applied_set(SET_ISO4) != NULL &&
	    svc_isolation_send(&c, err, sizeof(err)) == -1)
		log_warnx("isolation expiry: the kernel refused the update: "
		    "%s; the drift check repairs it", err);
	for (i = 0; i < n; i++) {
		log_info("isolation of %s expired (isolated by %s: %s)",
		    rows[i].is_target, rows[i].is_actor, rows[i].is_reason);
		events_emit("isolation.expired", EV_NOTICE,
		    svc_isolation_event(&rows[i], rows[i].is_actor,
		    rows[i].is_reason, rows[i].is_ticket));
		if (gone[i] != NULL)
			svc_isolation_remove(rows[i].is_target);
	}
	audit_isolation_expired(rows, n);
	free(gone);
	svc_iso_changes_free(&c);
	isolations_free(rows, n);
	svc_isolation_arm();
	return;
rollback:
	store_rollback(iso_store);
store_failed:
	log_warnx("isolation expiry: store: %s; retried in %d ms",
	    store_error(iso_store), SVC_ISOLATION_TIMER_MAX_MS);
	isolations_free(rows, n);
	if (iso_timer != NULL)
		proc_timer_start(iso_timer, SVC_ISOLATION_TIMER_MAX_MS, false);
}

static void
svc_isolation_checkpoint_cb(void *arg)
{
	(void)arg;
	if (store_checkpoint(iso_store) == -1)
		log_warnx("after a bulk isolation: %s", store_error(iso_store));
}

static void
svc_isolation_timer_cb(void *arg)
{
	(void)arg;
	svc_isolation_expire_due();
	svc_isolation_arm();
}

/* --- requests ---------------------------------------------------------- */

/* Write the row of @si (new or replacing the row of the same target) and
 * its history inside a transaction left open for the caller to commit;
 * on failure it is rolled back. */
static int
svc_isolation_store_write(struct svc_iso *si, bool *existed, int64_t now)
{
	if (store_begin(iso_store) == -1)
		return -1;
	if (store_isolation_put(iso_store, &si->si_row, existed) == -1 ||
	    store_isolation_history(iso_store, "isolate", si->si_row.is_target,
	    si->si_row.is_actor, si->si_row.is_reason, si->si_row.is_ticket,
	    now) == -1) {
		store_rollback(iso_store);
		return -1;
	}
	return 0;
}

/* The same for a bulk's rows (one reason, ticket, actor and TTL, no kept
 * hosts); @existed says which targets have a row already. */
static int
svc_isolation_store_write_bulk(struct svc_iso **v, size_t n,
    const bool *existed, int64_t now)
{
	struct isolation	  common;
	const char		**targets, **kinds, **existing;
	size_t			  i, n_existing = 0;
	int			  ret = -1;

	if (n == 0)
		return store_begin(iso_store);
	targets = xcalloc(n, sizeof(*targets));
	kinds = xcalloc(n, sizeof(*kinds));
	existing = xcalloc(n, sizeof(*existing));
	for (i = 0; i < n; i++) {
		targets[i] = v[i]->si_row.is_target;
		kinds[i] = v[i]->si_row.is_kind;
		if (existed[i])
			existing[n_existing++] = targets[i];
	}
	common = v[0]->si_row;
	common.is_created_ms = now;	/* a row that stays keeps its own */
	if (n >= SVC_ISOLATION_STORE_THREAD_MIN)
		store_bulk_begin(iso_store);
	if (store_begin(iso_store) == 0) {
		ret = store_isolation_put_many(iso_store, &common, targets,
		    kinds, n, existing, n_existing);
		if (ret == -1)
			store_rollback(iso_store);
	}
	free(targets);
	free(kinds);
	free(existing);
	return ret;
}

/*
 * A bulk's rows are written on a thread while the loop's thread computes
 * and sends the kernel batch (0.2 s each for 100 000 targets here); the
 * transaction commits only once the kernel has taken the batch, so neither
 * can end up with what the other refused.  Only this thread touches the
 * store until it is joined.
 */
struct svc_iso_store_job {
	struct svc_iso	**sj_v;
	size_t		  sj_n;
	const bool	 *sj_existed;
	int64_t		  sj_now;
	int		  sj_ret;
};

static void *
svc_isolation_store_thread(void *arg)
{
	struct svc_iso_store_job *j = arg;

	j->sj_ret = svc_isolation_store_write_bulk(j->sj_v, j->sj_n,
	    j->sj_existed, j->sj_now);
	return NULL;
}

/* The changes that take back @c (after a failed commit). */
static void
svc_iso_changes_inverse(const struct svc_iso_changes *c,
    struct svc_iso_changes *out)
{
	size_t i;

	for (i = c->n; i-- > 0; )
		svc_iso_changes_add(out, c->v[i].kec_verb == KERNEL_ELEM_ADD ?
		    KERNEL_ELEM_DEL : KERNEL_ELEM_ADD, c->v[i].kec_set,
		    &c->v[i].kec_elem);
}

/* The store could not record what the kernel took: undo it there too. */
static void
svc_isolation_take_back(const struct svc_iso_changes *c)
{
	struct svc_iso_changes	undo = { 0 };
	char			err[512];

	svc_iso_changes_inverse(c, &undo);
	if (svc_isolation_send(&undo, err, sizeof(err)) == -1)
		log_warnx("isolation: cannot take back the kernel batch: %s; "
		    "the drift check repairs it", err);
	svc_iso_changes_free(&undo);
}

/* The requester's role for the audit trail. */
static const char *
svc_isolation_role(const struct svc_isolation_req *req)
{
	return req->ir_role != NULL ? req->ir_role : audit_role(req->ir_actor);
}

/* A bulk's summary event: one per request, with a digest of its sorted
 * targets (each target's row is in the store's isolation history). */
static void
svc_isolation_bulk_event(const struct svc_isolation_req *req,
    struct svc_iso **v, size_t n, size_t n_new, size_t n_already)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	char		 hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int	 mdlen = 0, k;
	EVP_MD_CTX	*ctx;
	json_t		*ev;
	size_t		 i;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		fatalx("%s: SHA-256 unavailable", __func__);
	for (i = 0; i < n; i++) {
		EVP_DigestUpdate(ctx, v[i]->si_row.is_target,
		    strlen(v[i]->si_row.is_target));
		EVP_DigestUpdate(ctx, "\n", 1);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (k = 0; k < mdlen; k++)
		snprintf(hex + 2 * k, 3, "%02x", md[k]);
	ev = json_pack("{s:s, s:s, s:s?, s:I, s:I, s:I, s:s, s:s, s:s}",
	    "actor", req->ir_actor, "reason", req->ir_reason,
	    "ticket", req->ir_ticket && *req->ir_ticket ? req->ir_ticket : NULL,
	    "targets", (json_int_t)n, "isolated", (json_int_t)n_new,
	    "already", (json_int_t)n_already,
	    "first", v[0]->si_row.is_target, "last", v[n - 1]->si_row.is_target,
	    "targets_sha256", hex);
	if (ev == NULL)		/* only text that is not UTF-8 */
		ev = json_pack("{s:I}", "targets", (json_int_t)n);
	json_object_set_new(ev, "ttl", req->ir_ttl ?
	    json_integer(req->ir_ttl) : json_null());
	events_emit("isolation.bulk", EV_NOTICE, ev);
}

void
svc_isolation_isolate(const struct svc_isolation_req *req,
    struct svc_isolation_result *res)
{
	struct isolation_target	 t, keep[SVC_ISOLATION_KEEP_MAX];
	struct svc_iso_changes	 c = { 0 };
	struct kernel_addr	*ct = NULL;
	struct svc_iso		*si, *old;
	struct audit_mark	 mark;
	size_t			 n_ct = 0, cap_ct = 0, pos;
	ssize_t			 n_keep, idx;
	char			 err[512];
	int64_t			 now;
	bool			 existed;
	json_t			*ev;

	memset(res, 0, sizeof(*res));
	res->ir_conntrack_deleted = -1;
	if (!isolation_target_parse(req->ir_target, &t, err, sizeof(err))) {
		svc_isolation_fail(res, SVC_ISO_INVALID, "target",
		    "target: %s", err);
		return;
	}
	if (!svc_isolation_check_common(req, res))
		return;
	if ((n_keep = svc_isolation_parse_keep(req, &t, keep, res)) < 0)
		return;
	now = svc_isolation_now_ms();
	idx = svc_isolation_find(t.it_text, &pos);
	old = idx >= 0 ? iso_v[idx] : NULL;
	si = svc_iso_new(&t, req, keep, (size_t)n_keep, old, now);

	/* Row, history and audit entry in one transaction that commits
	 * once the kernel has the element: one fsync, and nothing recorded
	 * that is not in force. */
	audit_mark(&mark);
	if (svc_isolation_store_write(si, &existed, now) == -1) {
		svc_isolation_fail(res, SVC_ISO_STORE, NULL, "cannot record "
		    "the isolation of %s: %s; nothing changed", t.it_text,
		    store_error(iso_store));
		log_warnx("%s", res->ir_message);
		svc_iso_free(si);
		return;
	}
	audit_isolation("isolation.add", req->ir_actor, svc_isolation_role(req),
	    old != NULL ? &old->si_row : NULL, &si->si_row, "ok");
	svc_isolation_changes_one(&t, old, si, &c);
	if (t.it_kind == ISOLATION_MAC)
		svc_isolation_neigh(t.it_mac, KERNEL_ELEM_ADD, &c, &ct, &n_ct,
		    &cap_ct, now);
	else
		svc_isolation_ct_addr(&t, &ct, &n_ct, &cap_ct);
	if (svc_isolation_send(&c, err, sizeof(err)) == -1) {
		store_rollback(iso_store);
		audit_rewind(&mark);
		svc_isolation_fail(res, SVC_ISO_KERNEL, NULL, "the kernel "
		    "refused the isolation of %s: %s; nothing changed",
		    t.it_text, err);
		log_warnx("%s", res->ir_message);
		svc_iso_free(si);
		goto out;
	}
	if (store_commit(iso_store) == -1) {
		audit_rewind(&mark);
		svc_isolation_take_back(&c);
		svc_isolation_fail(res, SVC_ISO_STORE, NULL, "cannot record "
		    "the isolation of %s: %s; nothing changed", t.it_text,
		    store_error(iso_store));
		log_warnx("%s", res->ir_message);
		svc_iso_free(si);
		goto out;
	}
	svc_isolation_insert(si);	/* frees @old */
	svc_isolation_arm_for(si->si_row.is_expires_ms);
	res->ir_conntrack_deleted = svc_isolation_ct(ct, n_ct, t.it_text,
	    req->ir_wait_conntrack);
	res->ir_already = existed;
	res->ir_row = &si->si_row;
	res->ir_status = SVC_ISO_OK;
	snprintf(res->ir_message, sizeof(res->ir_message), "%s %s%s",
	    t.it_text, existed ? "was already isolated; updated" : "isolated",
	    res->ir_conntrack_deleted > 0 ? ", open connections cut" : "");
	log_info("isolation of %s by %s%s: %s%s%s (%zu kept host%s, %s)",
	    t.it_text, req->ir_actor, existed ? " (again)" : "",
	    req->ir_reason, si->si_row.is_ticket ? ", ticket " : "",
	    si->si_row.is_ticket ? si->si_row.is_ticket : "",
	    (size_t)n_keep, n_keep == 1 ? "" : "s",
	    req->ir_ttl ? "with a TTL" : "until released");
	ev = svc_isolation_event(&si->si_row, req->ir_actor, req->ir_reason,
	    si->si_row.is_ticket);
	json_object_set_new(ev, "keep", svc_isolation_keep_json(&si->si_row));
	json_object_set_new(ev, "ttl", req->ir_ttl ?
	    json_integer(req->ir_ttl) : json_null());
	json_object_set_new(ev, "already", json_boolean(existed));
	if (res->ir_conntrack_deleted != SVC_ISO_CT_QUEUED)
		json_object_set_new(ev, "conntrack_deleted",
		    json_integer(res->ir_conntrack_deleted));
	events_emit("isolation.added", EV_NOTICE, ev);
out:
	svc_iso_changes_free(&c);
	free(ct);
}

static int
svc_isolation_target_qsort(const void *a, const void *b)
{
	const struct isolation_target *const *x = a, *const *y = b;

	return strcmp((*x)->it_text, (*y)->it_text);
}

/*
 * The changes of a bulk of new addresses and MAC addresses: one element
 * each, which does not depend on the other isolations, so the whole need
 * not be compiled twice and compared (45 ms for 100 000).  False, with @c
 * untouched, when a target is a prefix or was isolated before.
 */
static bool
svc_isolation_bulk_direct(struct svc_iso **v, const bool *existed, size_t n,
    struct svc_iso_changes *c)
{
	struct compile_isolation	 ci;
	struct rs_elem			 e;
	const char			*set;
	size_t				 i;

	for (i = 0; i < n; i++)
		if (existed[i] || v[i]->si_target.it_kind == ISOLATION_PREFIX)
			return false;
	c->cap = n;
	c->v = xreallocarray(c->v, n, sizeof(*c->v));
	for (i = 0; i < n; i++) {
		svc_iso_ci(&ci, v[i]);
		if (!compile_isolation_elem(&ci, &set, &e))
			fatalx("%s: %s yields no single element", __func__,
			    v[i]->si_target.it_text);
		svc_iso_changes_add(c, KERNEL_ELEM_ADD,
		    svc_isolation_set_name(set), &e);
	}
	return true;
}

void
svc_isolation_bulk(const struct svc_isolation_req *req,
    struct svc_isolation_result *res)
{
	struct isolation_target	 *tv, **tp;
	struct compile_isolation *ov = NULL, *nv = NULL;
	struct svc_iso_changes	  c = { 0 };
	struct svc_iso_store_job  job;
	struct audit_mark	  mark;
	struct kernel_addr	 *ct = NULL;
	struct svc_iso		**v, **old;
	pthread_t		  th;
	size_t			  i, n = 0, on, nn, n_ct = 0, cap_ct = 0, pos;
	size_t			  n_already = 0;
	ssize_t			  idx;
	char			  err[512], field[48];
	int64_t			  now;
	bool			 *existed, threaded, sent;
	int			  perr;

	memset(res, 0, sizeof(*res));
	res->ir_conntrack_deleted = -1;
	if (req->ir_n_targets == 0) {
		svc_isolation_fail(res, SVC_ISO_INVALID, "targets",
		    "targets: at least one target is required");
		return;
	}
	if (req->ir_n_targets > SVC_ISOLATION_BULK_MAX) {
		svc_isolation_fail(res, SVC_ISO_INVALID, "targets",
		    "targets: %zu targets; at most %d per request",
		    req->ir_n_targets, SVC_ISOLATION_BULK_MAX);
		return;
	}
	/* Every target first: one bad one and nothing changes. */
	tv = xcalloc(req->ir_n_targets, sizeof(*tv));
	for (i = 0; i < req->ir_n_targets; i++) {
		if (!isolation_target_parse(req->ir_targets[i], &tv[i], err,
		    sizeof(err))) {
			snprintf(field, sizeof(field), "targets[%zu]", i);
			svc_isolation_fail(res, SVC_ISO_INVALID, field,
			    "%s: %s", field, err);
			free(tv);
			return;
		}
	}
	if (!svc_isolation_check_common(req, res)) {
		free(tv);
		return;
	}
	/* The same target twice in one request is one isolation.  Sorted
	 * by pointer: the targets are 120 bytes each. */
	tp = xcalloc(req->ir_n_targets, sizeof(*tp));
	for (i = 0; i < req->ir_n_targets; i++)
		tp[i] = &tv[i];
	qsort(tp, req->ir_n_targets, sizeof(*tp), svc_isolation_target_qsort);
	for (i = 0; i < req->ir_n_targets; i++)
		if (n == 0 || strcmp(tp[n - 1]->it_text, tp[i]->it_text) != 0)
			tp[n++] = tp[i];

	now = svc_isolation_now_ms();
	v = xcalloc(n, sizeof(*v));
	old = xcalloc(n, sizeof(*old));
	existed = xcalloc(n, sizeof(*existed));
	for (i = 0; i < n; i++) {
		idx = svc_isolation_find(tp[i]->it_text, &pos);
		old[i] = idx >= 0 ? iso_v[idx] : NULL;
		v[i] = svc_iso_new(tp[i], req, NULL, 0, old[i], now);
		existed[i] = old[i] != NULL;
	}
	free(tp);
	free(tv);
	memset(&job, 0, sizeof(job));
	job.sj_v = v;
	job.sj_n = n;
	job.sj_existed = existed;
	job.sj_now = now;
	threaded = n >= SVC_ISOLATION_STORE_THREAD_MIN &&
	    pthread_create(&th, NULL, svc_isolation_store_thread, &job) == 0;
	if (!threaded)
		svc_isolation_store_thread(&job);

	if (!svc_isolation_bulk_direct(v, existed, n, &c)) {
		/* Before and after, compiled whole: one diff, one batch. */
		on = svc_isolation_all(&ov, 0);
		for (i = 0; i < n; i++)
			if (old[i] != NULL)
				old[i]->si_skip = true;
		nn = svc_isolation_all(&nv, 0);
		nv = xreallocarray(nv, nn + n + 1, sizeof(*nv));
		for (i = 0; i < n; i++)
			svc_iso_ci(&nv[nn++], v[i]);
		for (i = 0; i < n; i++)
			if (old[i] != NULL)
				old[i]->si_skip = false;
		svc_isolation_diff(ov, on, nv, nn, &c);
	}
	for (i = 0; i < n; i++) {
		if (v[i]->si_target.it_kind == ISOLATION_MAC)
			svc_isolation_neigh(v[i]->si_target.it_mac,
			    KERNEL_ELEM_ADD, &c, &ct, &n_ct, &cap_ct, now);
		else
			svc_isolation_ct_addr(&v[i]->si_target, &ct, &n_ct,
			    &cap_ct);
	}
	/* A store that already failed makes the batch pointless (a thread's
	 * result is known only after the join). */
	sent = false;
	if (threaded || job.sj_ret == 0) {
		if (svc_isolation_send(&c, err, sizeof(err)) == 0)
			sent = true;
		else
			svc_isolation_fail(res, SVC_ISO_KERNEL, NULL, "the "
			    "kernel refused the bulk isolation of %zu targets: "
			    "%s; nothing changed", n, err);
	}
	if (threaded && (perr = pthread_join(th, NULL)) != 0)
		fatalx("bulk isolation: joining the store thread: %s",
		    strerror(perr));
	audit_mark(&mark);
	if (job.sj_ret == 0 && !sent)
		store_rollback(iso_store);
	else if (job.sj_ret == 0) {
		for (i = 0; i < n; i++)
			n_already += existed[i];
		/* One audit entry for the request, in its transaction. */
		audit_isolation_bulk(req->ir_actor, svc_isolation_role(req),
		    req->ir_targets, req->ir_n_targets, n - n_already,
		    n_already, req->ir_reason, req->ir_ticket, req->ir_ttl);
		if (store_commit(iso_store) == -1) {
			audit_rewind(&mark);
			job.sj_ret = -1;
		}
	}
	if (n >= SVC_ISOLATION_STORE_THREAD_MIN) {
		store_bulk_end(iso_store);
		proc_timer_start(iso_checkpoint_timer,
		    SVC_ISOLATION_CHECKPOINT_MS, false);
	}
	if (job.sj_ret == -1) {
		svc_isolation_fail(res, SVC_ISO_STORE, NULL, "cannot record "
		    "the isolations: %s; nothing changed",
		    store_error(iso_store));
		/* The kernel took what the store did not: take it back. */
		if (sent)
			svc_isolation_take_back(&c);
	}
	if (res->ir_status != SVC_ISO_OK) {
		log_warnx("bulk isolation: %s", res->ir_message);
		goto free_new;
	}
	for (i = 0; i < n; i++) {
		if (existed[i])
			res->ir_n_already++;
		else
			res->ir_isolated++;
	}
	svc_isolation_bulk_event(req, v, n, res->ir_isolated,
	    res->ir_n_already);
	for (i = 0; i < n; i++) {
		if (old[i] != NULL) {
			svc_isolation_insert(v[i]);	/* frees old[i] */
			v[i] = NULL;
		}
	}
	/* New targets: append, then sort once (inserting one by one would
	 * move the array once per target). */
	for (i = 0; i < n; i++) {
		if (v[i] == NULL)
			continue;
		iso_v = xgrow(iso_v, &iso_cap, iso_n, sizeof(*iso_v));
		iso_v[iso_n++] = v[i];
		svc_iso_count(v[i], 1);
		v[i] = NULL;
	}
	qsort(iso_v, iso_n, sizeof(*iso_v), svc_isolation_qsort);
	svc_isolation_arm();
	snprintf(err, sizeof(err), "bulk of %zu targets", n);
	res->ir_conntrack_deleted = svc_isolation_ct(ct, n_ct, err,
	    req->ir_wait_conntrack);
	res->ir_status = SVC_ISO_OK;
	snprintf(res->ir_message, sizeof(res->ir_message), "%zu isolated, "
	    "%zu already isolated", res->ir_isolated, res->ir_n_already);
	log_info("bulk isolation by %s: %s: %s", req->ir_actor,
	    res->ir_message, req->ir_reason);
free_new:
	for (i = 0; i < n; i++)
		svc_iso_free(v[i]);
	free(v);
	free(old);
	free(existed);
	free(ov);
	free(nv);
	free(ct);
	svc_iso_changes_free(&c);
	/* The bulk's scratch (request tree, change set, netlink batch) is
	 * tens of MB that glibc would otherwise keep mapped. */
	malloc_trim(0);
}

void
svc_isolation_release(const char *target, const char *reason,
    const char *actor, const char *role, struct svc_isolation_result *res)
{
	struct audit_mark	 mark;
	struct svc_isolation_req req;
	struct isolation_target	 t;
	struct svc_iso_changes	 c = { 0 };
	struct svc_iso		*old;
	size_t			 pos;
	ssize_t			 idx;
	char			 err[512];
	int64_t			 now, expires;
	bool			 found;
	json_t			*ev;

	memset(res, 0, sizeof(*res));
	res->ir_conntrack_deleted = -1;
	if (!isolation_target_parse(target, &t, err, sizeof(err))) {
		svc_isolation_fail(res, SVC_ISO_INVALID, "target",
		    "target: %s", err);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.ir_reason = reason;
	req.ir_actor = actor;
	if (!svc_isolation_check_common(&req, res))
		return;
	idx = svc_isolation_find(t.it_text, &pos);
	if (idx < 0) {
		svc_isolation_fail(res, SVC_ISO_NOT_ISOLATED, "target",
		    "%s is not isolated", t.it_text);
		return;
	}
	old = iso_v[idx];
	now = svc_isolation_now_ms();
	audit_mark(&mark);
	if (store_begin(iso_store) == -1 ||
	    store_isolation_del(iso_store, t.it_text, &found) == -1 ||
	    store_isolation_history(iso_store, "release", t.it_text, actor,
	    reason, old->si_row.is_ticket, now) == -1) {
		store_rollback(iso_store);
		svc_isolation_fail(res, SVC_ISO_STORE, NULL, "cannot record "
		    "the release of %s: %s; it stays isolated", t.it_text,
		    store_error(iso_store));
		log_warnx("%s", res->ir_message);
		return;
	}
	audit_isolation("isolation.release", actor, role != NULL ? role :
	    audit_role(actor), &old->si_row, NULL, "ok");
	svc_isolation_changes_one(&t, old, NULL, &c);
	if (t.it_kind == ISOLATION_MAC)
		svc_isolation_neigh(t.it_mac, KERNEL_ELEM_DEL, &c, NULL, NULL,
		    NULL, now);
	if (svc_isolation_send(&c, err, sizeof(err)) == -1) {
		store_rollback(iso_store);
		audit_rewind(&mark);
		svc_isolation_fail(res, SVC_ISO_KERNEL, NULL, "the kernel "
		    "refused the release of %s: %s; it stays isolated",
		    t.it_text, err);
		log_warnx("%s", res->ir_message);
		goto out;
	}
	if (store_commit(iso_store) == -1) {
		audit_rewind(&mark);
		svc_isolation_take_back(&c);
		svc_isolation_fail(res, SVC_ISO_STORE, NULL, "cannot record "
		    "the release of %s: %s; it stays isolated", t.it_text,
		    store_error(iso_store));
		log_warnx("%s", res->ir_message);
		goto out;
	}
	res->ir_status = SVC_ISO_OK;
	snprintf(res->ir_message, sizeof(res->ir_message), "%s released",
	    t.it_text);
	log_info("isolation of %s released by %s: %s", t.it_text, actor,
	    reason);
	ev = svc_isolation_event(&old->si_row, actor, reason,
	    old->si_row.is_ticket);
	json_object_set_new(ev, "isolated_by", json_string(old->si_row.is_actor));
	events_emit("isolation.released", EV_NOTICE, ev);
	expires = old->si_row.is_expires_ms;
	svc_isolation_remove(t.it_text);	/* frees @old */
	if (expires != 0 && expires == iso_next_expiry)
		svc_isolation_arm();
out:
	svc_iso_changes_free(&c);
}

static int
svc_isolation_age_qsort(const void *a, const void *b)
{
	const struct isolation *const *x = a, *const *y = b;

	if ((*x)->is_created_ms != (*y)->is_created_ms)
		return (*x)->is_created_ms < (*y)->is_created_ms ? -1 : 1;
	return strcmp((*x)->is_target, (*y)->is_target);
}

const struct isolation **
svc_isolation_list(size_t *n)
{
	const struct isolation	**v;
	size_t			  i;

	v = xcalloc(iso_n + 1, sizeof(*v));
	for (i = 0; i < iso_n; i++)
		v[i] = &iso_v[i]->si_row;
	qsort(v, iso_n, sizeof(*v), svc_isolation_age_qsort);
	*n = iso_n;
	return v;
}

size_t
svc_isolation_count(void)
{
	return iso_n;
}

void
svc_isolation_compile(struct ruleset *rs, bool learn)
{
	struct compile_isolation	*v;
	struct svc_iso_changes		 c = { 0 };
	struct rs_set			*s;
	int64_t				 now = svc_isolation_now_ms();
	size_t				 n, i;

	/* What expires within the slack is the expiry timer's to remove;
	 * putting it in a fresh table would only make the kernel and the
	 * drift reference disagree for a moment. */
	n = svc_isolation_all(&v, now + SVC_ISOLATION_EXPIRY_SLACK_MS);
	compile_isolations(rs, v, n);
	free(v);
	if (!learn)
		return;
	for (i = 0; i < iso_n; i++)
		if (iso_v[i]->si_target.it_kind == ISOLATION_MAC)
			svc_isolation_neigh(iso_v[i]->si_target.it_mac,
			    KERNEL_ELEM_ADD, &c, NULL, NULL, NULL, now);
	for (i = 0; i < c.n; i++)
		if ((s = rs_find_set(rs, c.v[i].kec_set)) != NULL)
			*rs_set_add(s) = c.v[i].kec_elem;
	svc_iso_changes_free(&c);
}

int
svc_isolation_init(struct store *st, char **cause)
{
	struct isolation	*rows = NULL;
	struct svc_iso		*si;
	size_t			 n = 0, i;

	*cause = NULL;
	iso_store = st;
	if (ctflush_init(svc_isolation_ct_done, NULL, cause) == -1)
		return -1;
	iso_timer = proc_timer_new(svc_isolation_timer_cb, NULL);
	iso_checkpoint_timer = proc_timer_new(svc_isolation_checkpoint_cb,
	    NULL);
	if (store_isolation_list(st, &rows, &n) == -1) {
		xasprintf(cause, "cannot read the isolations from the store: "
		    "%s", store_error(st));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((si = svc_iso_from_row(&rows[i])) == NULL)
			continue;
		iso_v = xgrow(iso_v, &iso_cap, iso_n, sizeof(*iso_v));
		iso_v[iso_n++] = si;
		svc_iso_count(si, 1);
	}
	isolations_free(rows, n);
	if (iso_n > 1)
		qsort(iso_v, iso_n, sizeof(*iso_v), svc_isolation_qsort);
	if (iso_n > 0)
		log_info("%zu isolation%s in force from the store", iso_n,
		    iso_n == 1 ? "" : "s");
	/* Before the first apply, so the table holds only what is due; the
	 * kernel dropped its own elements already. */
	svc_isolation_arm();
	if (iso_next_expiry != 0 && iso_next_expiry <=
	    svc_isolation_now_ms() + SVC_ISOLATION_EXPIRY_SLACK_MS)
		svc_isolation_expire_due();
	return 0;
}

void
svc_isolation_free(void)
{
	size_t i;

	ctflush_free();
	for (i = 0; i < iso_n; i++)
		svc_iso_free(iso_v[i]);
	free(iso_v);
	iso_v = NULL;
	iso_n = iso_cap = 0;
	iso_n_prefix[0] = iso_n_prefix[1] = iso_n_mac_keep = 0;
	iso_next_expiry = 0;
	proc_timer_free(iso_timer);
	iso_timer = NULL;
	proc_timer_free(iso_checkpoint_timer);
	iso_checkpoint_timer = NULL;
	iso_store = NULL;
}
