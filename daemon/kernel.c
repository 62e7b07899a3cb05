/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The requests the CAP_NET_ADMIN side answers, served in-process for now. */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../nftables/nft.h"
#include "../nftables/ruleset.h"
#include "kernel.h"
#include "log.h"
#include "xmalloc.h"

/* What the kernel was last given: the reference for drift checks. */
static struct ruleset	*kernel_applied;
/* What the last full check found missing, when that was all (copies: the
 * reference's arrays move as isolations change). */
static struct kernel_elem_change *kernel_missing;
static size_t			 kernel_n_missing;

/*
 * Where each element of a set of kernel_applied sits, by key, so that
 * mirroring one change costs O(1) rather than a scan of the set (100 000
 * isolations: ~0.3 ms a change).  Open addressing with linear probing;
 * a slot holds the element's index + 1, 0 is empty.  Built on a set's
 * first change, dropped with the ruleset.
 */
struct kernel_index {
	size_t	*ki_slot;
	size_t	 ki_cap;	/* a power of two, over twice the elements */
};
static struct kernel_index	*kernel_idx;	/* per set of kernel_applied */
static size_t			 kernel_n_idx;

static void	kernel_index_free(void);

/*
 * The nf_tables generation at which the kernel's table was last known to
 * equal kernel_applied, so that the periodic drift check can skip the
 * read-back (~350 ms at 100 000 elements, blocking the event loop) when
 * nothing changed.
 *
 * Why skipping is safe: the generation id is per network namespace and
 * the kernel bumps it on every nf_tables commit in it, by any process
 * (nft, another daemon, us).  Every change to table inet sanso that the
 * check could find -- table, chain, rule, set, element, counter deleted or
 * added by hand, `nft flush ruleset` -- is a commit.  So when the id still
 * equals one at which the table matched, the table still matches (a bump
 * that changed nothing of ours only costs a read-back).  What changes
 * without a commit is left out of the comparison anyway (counter values,
 * what the packet path adds to dynamic sets) or is the kernel doing what
 * it was told (elements dropped by their timeout, which bumps nothing;
 * svc_isolation_expire_due() drops them from the reference with a commit
 * of ours).  Any other change of the id means a full check.  svc-policy.c
 * drains the monitor before asking, so a foreign change just notified is
 * not skipped either.
 *
 * A generation is recorded (kernel_gen_ok):
 * - after a full check that matched, when the id was the same before and
 *   after the read-back (so the dumps saw exactly that generation);
 * - after a successful change of ours (apply, element update), read after
 *   the batch's acks.  Another process may have committed between our
 *   commit and that read; its notifications are then queued on the
 *   monitor already, and a monitor read that reports a foreign change (or
 *   lost notifications) forgets the generation (kernel_monitor_read), so
 *   the next check reads the table.  Hence: without a monitor, or while a
 *   reported foreign change has not been covered by a full check
 *   (kernel_foreign), our changes record nothing.  An element update is
 *   recorded only on top of a verified generation: it does not repair
 *   drift found before it.
 */
static bool	 kernel_gen_ok;
static uint32_t	 kernel_gen;
static bool	 kernel_foreign;
static bool	 kernel_monitoring;

static uint64_t
kernel_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
kernel_gen_forget(void)
{
	kernel_gen_ok = false;
}

/* After a successful change of ours: see above.  @incremental: the change
 * keeps the rest of the table as it was (so drift before it stays). */
static void
kernel_gen_own(bool incremental)
{
	uint32_t	gen;
	bool		was_ok = kernel_gen_ok;

	kernel_gen_ok = false;
	if (!kernel_monitoring || kernel_foreign || (incremental && !was_ok))
		return;
	if (nft_generation(&gen) < 0)
		return;
	kernel_gen = gen;
	kernel_gen_ok = true;
}

/*
 * Give back what a read-back or a full build of a large table used (tens
 * of MB with 100 000 isolations): glibc keeps freed heap mapped, so a
 * daemon that once read a big table would otherwise keep its size.
 */
static void
kernel_trim(void)
{
	malloc_trim(0);
}

static void
kernel_keep_missing(const struct ruleset *rs, const struct nft_drift *d)
{
	const struct rs_set	*set;
	size_t			 i;

	free(kernel_missing);
	kernel_missing = NULL;
	kernel_n_missing = 0;
	if (d == NULL || d->match || d->n_other > 0 || d->n_missing == 0)
		return;
	kernel_missing = xcalloc(d->n_missing, sizeof(*kernel_missing));
	for (i = 0; i < d->n_missing; i++) {
		set = &rs->sets[d->missing[i].dm_set];
		kernel_missing[i].kec_verb = KERNEL_ELEM_ADD;
		kernel_missing[i].kec_set = set->name;
		kernel_missing[i].kec_elem = set->elems[d->missing[i].dm_elem];
	}
	kernel_n_missing = d->n_missing;
}

int
kernel_repair_missing(char *err, size_t errlen)
{
	size_t	n = kernel_n_missing;
	int	ret;

	if (n == 0)
		return -ESRCH;
	/* The names point into the reference, which an apply replaces:
	 * only the reference the check used may still be in force. */
	ret = kernel_update_elems(kernel_missing, n, err, errlen);
	free(kernel_missing);
	kernel_missing = NULL;
	kernel_n_missing = 0;
	return ret < 0 ? ret : (int)n;
}

/* The full read-back of the table, recording the generation it saw when
 * that was one generation and the table matched. */
static int
kernel_check_full(const struct ruleset *rs, struct nft_drift *drift)
{
	uint32_t	g0, g1;
	bool		have_g0;
	int		ret;

	kernel_gen_ok = false;
	/* What the monitor reported so far happened before this read-back. */
	kernel_foreign = false;
	have_g0 = nft_generation(&g0) == 0;
	memset(drift, 0, sizeof(*drift));
	ret = nft_check_drift(rs, drift);
	kernel_trim();
	kernel_keep_missing(rs, ret == 0 ? drift : NULL);
	if (ret < 0)
		return ret;
	if (have_g0 && drift->present && drift->match &&
	    nft_generation(&g1) == 0 && g0 == g1) {
		kernel_gen = g0;
		kernel_gen_ok = true;
	}
	return 0;
}

int
kernel_apply(struct ruleset *rs, int flags, struct kernel_apply_result *res)
{
	struct nft_drift	drift;
	uint64_t		t0;
	int			ret;

	memset(res, 0, sizeof(*res));
	t0 = kernel_now_usec();
	if (flags & KERNEL_APPLY_IF_CHANGED) {
		if (kernel_check_full(rs, &drift) == 0 && drift.present &&
		    drift.match) {
			log_debug("%s: table inet sanso already as intended",
			    __func__);
			goto keep;
		}
	}
	ret = nft_apply(rs, res->ka_error, sizeof(res->ka_error));
	kernel_trim();
	if (ret < 0) {
		/* Normally nothing changed, but the acks may have been lost
		 * (ENOBUFS): the next check reads the table. */
		kernel_gen_forget();
		if (res->ka_error[0] == '\0')
			snprintf(res->ka_error, sizeof(res->ka_error), "%s",
			    strerror(-ret));
		res->ka_usec = kernel_now_usec() - t0;
		return ret;
	}
	res->ka_applied = true;
	kernel_gen_own(false);
keep:
	res->ka_usec = kernel_now_usec() - t0;
	kernel_keep_missing(NULL, NULL);	/* they named the old sets */
	kernel_index_free();
	ruleset_free(kernel_applied);
	kernel_applied = rs;
	return 0;
}

int
kernel_check_drift(struct kernel_drift *out)
{
	struct nft_drift	drift;
	int			ret;

	memset(out, 0, sizeof(*out));
	if (kernel_applied == NULL) {
		snprintf(out->kd_detail, sizeof(out->kd_detail),
		    "nothing applied yet");
		return 0;
	}
	out->kd_applied = true;
	if ((ret = kernel_check_full(kernel_applied, &drift)) < 0) {
		snprintf(out->kd_detail, sizeof(out->kd_detail),
		    "cannot read table inet sanso: %s", strerror(-ret));
		return ret;
	}
	out->kd_present = drift.present;
	out->kd_match = drift.present && drift.match;
	out->kd_missing = kernel_n_missing;
	if (!drift.present)
		snprintf(out->kd_detail, sizeof(out->kd_detail),
		    "table inet sanso is missing");
	else
		snprintf(out->kd_detail, sizeof(out->kd_detail), "%s",
		    drift.detail);
	return 0;
}

int
kernel_check_drift_quick(struct kernel_drift *out, bool *read_back)
{
	uint32_t gen;

	*read_back = false;
	if (kernel_applied != NULL && kernel_gen_ok && !kernel_foreign &&
	    nft_generation(&gen) == 0 && gen == kernel_gen) {
		memset(out, 0, sizeof(*out));
		out->kd_applied = out->kd_present = out->kd_match = true;
		return 0;
	}
	*read_back = kernel_applied != NULL;
	return kernel_check_drift(out);
}

int
kernel_read_counters(struct kernel_counter **out, size_t *n)
{
	struct nft_counter_value	*v = NULL;
	size_t				 i, nv = 0;
	int				 ret;

	*out = NULL;
	*n = 0;
	if ((ret = nft_read_counters(&v, &nv)) < 0)
		return ret;
	*out = xcalloc(nv ? nv : 1, sizeof(**out));
	for (i = 0; i < nv; i++) {
		snprintf((*out)[i].kc_name, sizeof((*out)[i].kc_name), "%s",
		    v[i].name);
		(*out)[i].kc_packets = v[i].packets;
		(*out)[i].kc_bytes = v[i].bytes;
	}
	*n = nv;
	free(v);
	return 0;
}

int
kernel_read_pair_counters(struct kernel_pair_counter **out, size_t *n)
{
	struct nft_pair_counter	*v = NULL;
	size_t			 i, nv = 0;
	int			 ret;

	*out = NULL;
	*n = 0;
	if ((ret = nft_read_pair_counters(&v, &nv)) < 0)
		return ret;
	*out = xcalloc(nv ? nv : 1, sizeof(**out));
	for (i = 0; i < nv; i++) {
		snprintf((*out)[i].kp_iif, sizeof((*out)[i].kp_iif), "%s",
		    v[i].iif);
		snprintf((*out)[i].kp_oif, sizeof((*out)[i].kp_oif), "%s",
		    v[i].oif);
		(*out)[i].kp_packets = v[i].packets;
		(*out)[i].kp_bytes = v[i].bytes;
	}
	*n = nv;
	free(v);
	return 0;
}

/* Same key: every key field (unused ones are zero in sanso's elements). */
static bool
kernel_elem_same(const struct rs_elem *a, const struct rs_elem *b)
{
	return a->plen == b->plen && a->plen2 == b->plen2 &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0 &&
	    memcmp(a->addr2, b->addr2, sizeof(a->addr2)) == 0 &&
	    memcmp(a->mac, b->mac, sizeof(a->mac)) == 0 &&
	    strcmp(a->ifname, b->ifname) == 0;
}

static uint64_t
kernel_hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {		/* FNV-1a */
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A hash of the fields kernel_elem_same() compares. */
static uint64_t
kernel_elem_hash(const struct rs_elem *e)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = kernel_hash_bytes(h, e->addr, sizeof(e->addr));
	h = kernel_hash_bytes(h, &e->plen, 1);
	h = kernel_hash_bytes(h, e->addr2, sizeof(e->addr2));
	h = kernel_hash_bytes(h, &e->plen2, 1);
	h = kernel_hash_bytes(h, e->mac, sizeof(e->mac));
	return kernel_hash_bytes(h, e->ifname, strnlen(e->ifname,
	    sizeof(e->ifname)));
}

static void
kernel_index_free(void)
{
	size_t i;

	for (i = 0; i < kernel_n_idx; i++)
		free(kernel_idx[i].ki_slot);
	free(kernel_idx);
	kernel_idx = NULL;
	kernel_n_idx = 0;
}

/* The slot of @e's key in @ix, or the empty slot where it would go. */
static size_t
kernel_index_slot(const struct kernel_index *ix, const struct rs_set *s,
    const struct rs_elem *e)
{
	size_t mask = ix->ki_cap - 1, p = (size_t)kernel_elem_hash(e) & mask;

	while (ix->ki_slot[p] != 0 &&
	    !kernel_elem_same(&s->elems[ix->ki_slot[p] - 1], e))
		p = (p + 1) & mask;
	return p;
}

/* (Re)build @ix for @s with room for one more element.  Of equal keys
 * the first is indexed, as the linear search found it. */
static void
kernel_index_build(struct kernel_index *ix, const struct rs_set *s)
{
	size_t i, p, want = 16;

	while (want < 2 * (s->n_elems + 1))
		want *= 2;
	free(ix->ki_slot);
	ix->ki_cap = want;
	ix->ki_slot = xcalloc(want, sizeof(*ix->ki_slot));
	for (i = 0; i < s->n_elems; i++) {
		p = kernel_index_slot(ix, s, &s->elems[i]);
		if (ix->ki_slot[p] == 0)
			ix->ki_slot[p] = i + 1;
	}
}

/* Empty slot @p, moving later entries of its probe run back so that
 * lookups still find them (deletion without tombstones). */
static void
kernel_index_clear(struct kernel_index *ix, const struct rs_set *s,
    size_t p)
{
	size_t mask = ix->ki_cap - 1, q = p, home;

	for (;;) {
		ix->ki_slot[p] = 0;
		for (;;) {
			q = (q + 1) & mask;
			if (ix->ki_slot[q] == 0)
				return;
			home = (size_t)kernel_elem_hash(
			    &s->elems[ix->ki_slot[q] - 1]) & mask;
			/* It moves to p unless its home lies cyclically
			 * in (p, q]. */
			if (p <= q ? (home <= p || home > q) :
			    (home <= p && home > q))
				break;
		}
		ix->ki_slot[p] = ix->ki_slot[q];
		p = q;
	}
}

/* Mirror one acknowledged change in set @k of the drift reference. */
static void
kernel_mirror(size_t k, const struct kernel_elem_change *c)
{
	struct rs_set		*s = &kernel_applied->sets[k];
	struct kernel_index	*ix;
	size_t			 p, i, last;

	if (s->dynamic)
		return;
	if (kernel_idx == NULL) {
		kernel_n_idx = kernel_applied->n_sets;
		kernel_idx = xcalloc(kernel_n_idx + 1, sizeof(*kernel_idx));
	}
	ix = &kernel_idx[k];
	if (ix->ki_slot == NULL || 2 * (s->n_elems + 1) > ix->ki_cap)
		kernel_index_build(ix, s);
	p = kernel_index_slot(ix, s, &c->kec_elem);
	if (c->kec_verb == KERNEL_ELEM_DEL) {
		if (ix->ki_slot[p] == 0)
			return;
		i = ix->ki_slot[p] - 1;
		kernel_index_clear(ix, s, p);
		/* Order does not matter (build and read-back sort): the last
		 * element takes the place of the deleted one. */
		last = s->n_elems - 1;
		if (i != last) {
			p = kernel_index_slot(ix, s, &s->elems[last]);
			if (ix->ki_slot[p] == last + 1)
				ix->ki_slot[p] = i + 1;
			s->elems[i] = s->elems[last];
		}
		s->n_elems--;
		return;
	}
	if (ix->ki_slot[p] != 0) {
		s->elems[ix->ki_slot[p] - 1].expires_ms =
		    c->kec_elem.expires_ms;
		return;
	}
	*rs_set_add(s) = c->kec_elem;
	ix->ki_slot[p] = s->n_elems;
}

int
kernel_update_elems(const struct kernel_elem_change *v, size_t n,
    char *err, size_t errlen)
{
	struct nft_elem_change	*nv;
	struct rs_set		**sets;
	size_t			 i;
	int			 ret = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (n == 0)
		return 0;
	if (kernel_applied == NULL) {
		snprintf(err, errlen, "no table has been applied yet");
		return -ENOENT;
	}
	nv = xcalloc(n, sizeof(*nv));
	sets = xcalloc(n, sizeof(*sets));
	for (i = 0; i < n; i++) {
		sets[i] = rs_find_set(kernel_applied, v[i].kec_set);
		if (sets[i] == NULL) {
			snprintf(err, errlen, "set %s is not in the applied "
			    "table", v[i].kec_set);
			ret = -ENOENT;
			goto out;
		}
		nv[i].verb = v[i].kec_verb == KERNEL_ELEM_ADD ? NFT_ELEM_ADD :
		    NFT_ELEM_DEL;
		nv[i].set = sets[i];
		nv[i].elem = &v[i].kec_elem;
	}
	if ((ret = nft_update_elems(nv, n, err, errlen)) < 0) {
		/* "may or may not have been made" (lost acks) */
		kernel_gen_forget();
		if (err != NULL && errlen > 0 && err[0] == '\0')
			snprintf(err, errlen, "%s", strerror(-ret));
		goto out;
	}
	for (i = 0; i < n; i++)
		kernel_mirror((size_t)(sets[i] - kernel_applied->sets), &v[i]);
	kernel_gen_own(true);
out:
	free(sets);
	free(nv);
	return ret;
}

const struct rs_set *
kernel_applied_set(const char *name)
{
	return kernel_applied ? rs_find_set(kernel_applied, name) : NULL;
}

int
kernel_ct_flush(const struct kernel_addr *v, size_t n)
{
	struct nft_addr	*nv;
	size_t		 i;
	int		 ret;

	if (n == 0)
		return 0;
	nv = xcalloc(n, sizeof(*nv));
	for (i = 0; i < n; i++) {
		nv[i].family = v[i].kad_family;
		memcpy(nv[i].addr, v[i].kad_addr, sizeof(nv[i].addr));
		nv[i].plen = v[i].kad_plen;
	}
	ret = nft_ct_flush(nv, n);
	free(nv);
	return ret;
}

int
kernel_neigh_addrs(const uint8_t mac[6], struct kernel_addr **out, size_t *n)
{
	struct nft_addr	*nv = NULL;
	size_t		 i, nn = 0;
	int		 ret;

	*out = NULL;
	*n = 0;
	if ((ret = nft_neigh_addrs(mac, &nv, &nn)) < 0)
		return ret;
	*out = xcalloc(nn ? nn : 1, sizeof(**out));
	for (i = 0; i < nn; i++) {
		(*out)[i].kad_family = nv[i].family;
		memcpy((*out)[i].kad_addr, nv[i].addr, sizeof(nv[i].addr));
		(*out)[i].kad_plen = nv[i].plen;
	}
	*n = nn;
	free(nv);
	return 0;
}

int
kernel_monitor_open(void)
{
	int fd = nft_monitor_open();

	kernel_monitoring = fd >= 0;
	return fd;
}

int
kernel_monitor_read(int fd, bool *foreign)
{
	int ret = nft_monitor_read(fd, foreign);

	/* A failed read may have lost a foreign change. */
	if (ret < 0 || *foreign) {
		kernel_foreign = true;
		kernel_gen_forget();
	}
	return ret;
}

int
kernel_repair_deleted(char *err, size_t errlen)
{
	static struct nft_deleted	 d;	/* 5 KB: not on the stack */
	struct kernel_elem_change	*v;
	const struct rs_set		*s;
	int64_t				 now = rs_now_ms();
	size_t				 i, n = 0;
	ssize_t				 k;
	int				 ret;

	if (!nft_monitor_take_deleted(&d))
		return 0;
	if (d.nd_other || kernel_applied == NULL)
		return -ESRCH;
	v = xcalloc(d.nd_n, sizeof(*v));
	for (i = 0; i < d.nd_n; i++) {
		s = rs_find_set(kernel_applied, d.nd_sets[i]);
		if (s == NULL || s->dynamic || rs_set_is_ranges(s)) {
			free(v);
			return -ESRCH;
		}
		/* Not in the reference: it was not ours to keep. */
		if ((k = nft_elem_find(s, d.nd_keys[i], d.nd_klens[i],
		    now)) < 0)
			continue;
		v[n].kec_verb = KERNEL_ELEM_ADD;
		v[n].kec_set = s->name;
		v[n++].kec_elem = s->elems[k];
	}
	ret = n > 0 ? kernel_update_elems(v, n, err, errlen) : 0;
	free(v);
	return ret < 0 ? ret : (int)n;
}

void
kernel_monitor_close(int fd)
{
	kernel_monitoring = false;
	kernel_gen_forget();
	nft_monitor_close(fd);
}

void
kernel_free(void)
{
	free(kernel_missing);
	kernel_missing = NULL;
	kernel_n_missing = 0;
	kernel_index_free();
	ruleset_free(kernel_applied);
	kernel_applied = NULL;
	kernel_gen_forget();
	kernel_foreign = false;
}
