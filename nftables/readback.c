/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Drift: dump table inet sanso and compare it with what build.c makes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "../daemon/log.h"
#include "../daemon/xmalloc.h"
#include "build.h"
#include "mnl.h"
#include "nft.h"

#define DRIFT_TRIES	5	/* dumps retried when the ruleset changed */
#define DRIFT_SHOWN	4	/* differences spelled out in detail */
#define DRIFT_ELEMS	3	/* elements named per set */
/* Elements that expire sooner than this may or may not be in the kernel
 * by the time it is read, so they are not compared. */
#define DRIFT_EXPIRY_MS	2000

/* A growable array of libnftnl objects of one kind. */
struct objv {
	void	**ov_v;
	size_t	  ov_n;
	size_t	  ov_cap;
};

static void
objv_push(struct objv *v, void *o)
{
	v->ov_v = xgrow(v->ov_v, &v->ov_cap, v->ov_n, sizeof(*v->ov_v));
	v->ov_v[v->ov_n++] = o;
}

/* The elements of one set as read, converted message by message (a set
 * of 100 000 kept as libnftnl objects took 30 MB). */
struct kelems {
	struct build_elem *ke_v;
	size_t		 ke_n;
	size_t		 ke_cap;
};

/**
 * struct kstate - what the kernel has in table inet sanso
 * @ks_elems: per set in @ks_sets, its elements, same index
 */
struct kstate {
	bool		ks_table;
	struct objv	ks_chains;
	struct objv	ks_sets;
	struct kelems	*ks_elems;
	size_t		 ks_n_elems;
	struct objv	ks_objs;
	struct objv	ks_rules;
};

static void
kstate_free(struct kstate *ks)
{
	size_t i;

	for (i = 0; i < ks->ks_chains.ov_n; i++)
		nftnl_chain_free(ks->ks_chains.ov_v[i]);
	for (i = 0; i < ks->ks_sets.ov_n; i++)
		nftnl_set_free(ks->ks_sets.ov_v[i]);
	for (i = 0; i < ks->ks_n_elems; i++)
		free(ks->ks_elems[i].ke_v);
	for (i = 0; i < ks->ks_objs.ov_n; i++)
		nftnl_obj_free(ks->ks_objs.ov_v[i]);
	for (i = 0; i < ks->ks_rules.ov_n; i++)
		nftnl_rule_free(ks->ks_rules.ov_v[i]);
	free(ks->ks_chains.ov_v);
	free(ks->ks_sets.ov_v);
	free(ks->ks_elems);
	free(ks->ks_objs.ov_v);
	free(ks->ks_rules.ov_v);
	memset(ks, 0, sizeof(*ks));
}

static bool
is_ours(uint32_t family, const char *table)
{
	return family == NFPROTO_INET && table != NULL &&
	    strcmp(table, RS_TABLE_NAME) == 0;
}

static int
table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kstate *ks = data;
	struct nftnl_table *t = nftnl_table_alloc();

	if (t == NULL)
		fatalx("%s: out of memory", __func__);
	if (nftnl_table_nlmsg_parse(nlh, t) < 0) {
		nftnl_table_free(t);
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (is_ours(nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY),
	    nftnl_table_get_str(t, NFTNL_TABLE_NAME)))
		ks->ks_table = true;
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static int
chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kstate *ks = data;
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (c == NULL)
		fatalx("%s: out of memory", __func__);
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0) {
		nftnl_chain_free(c);
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (!is_ours(nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY),
	    nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE))) {
		nftnl_chain_free(c);
		return MNL_CB_OK;
	}
	objv_push(&ks->ks_chains, c);
	return MNL_CB_OK;
}

static int
set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kstate *ks = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (s == NULL)
		fatalx("%s: out of memory", __func__);
	if (nftnl_set_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (!is_ours(nftnl_set_get_u32(s, NFTNL_SET_FAMILY),
	    nftnl_set_get_str(s, NFTNL_SET_TABLE))) {
		nftnl_set_free(s);
		return MNL_CB_OK;
	}
	objv_push(&ks->ks_sets, s);
	return MNL_CB_OK;
}

static int kelem_cb(struct nftnl_set_elem *, void *);

/* Each reply of a set's element dump, converted and let go at once. */
static int
elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set	*tmp;
	int			 ret = MNL_CB_OK;

	if ((tmp = nftnl_set_alloc()) == NULL)
		fatalx("%s: out of memory", __func__);
	if (nftnl_set_elems_nlmsg_parse(nlh, tmp) < 0) {
		errno = EPROTO;
		ret = MNL_CB_ERROR;
	} else
		nftnl_set_elem_foreach(tmp, kelem_cb, data);
	nftnl_set_free(tmp);
	return ret;
}

static int
obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kstate *ks = data;
	struct nftnl_obj *o = nftnl_obj_alloc();

	if (o == NULL)
		fatalx("%s: out of memory", __func__);
	if (nftnl_obj_nlmsg_parse(nlh, o) < 0) {
		nftnl_obj_free(o);
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (!is_ours(nftnl_obj_get_u32(o, NFTNL_OBJ_FAMILY),
	    nftnl_obj_get_str(o, NFTNL_OBJ_TABLE))) {
		nftnl_obj_free(o);
		return MNL_CB_OK;
	}
	objv_push(&ks->ks_objs, o);
	return MNL_CB_OK;
}

static int
rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kstate *ks = data;
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (r == NULL)
		fatalx("%s: out of memory", __func__);
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (!is_ours(nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY),
	    nftnl_rule_get_str(r, NFTNL_RULE_TABLE))) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	objv_push(&ks->ks_rules, r);
	return MNL_CB_OK;
}

/* One dump of @type filtered to table inet sanso (and set @set). */
static int
dump(struct mnl_socket *nl, uint16_t type, const char *set,
    int (*cb)(const struct nlmsghdr *, void *), void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nftnl_chain *c;
	struct nftnl_set *s;
	struct nftnl_obj *o;
	struct nftnl_rule *r;

	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, NLM_F_DUMP,
	    mnl_sanso_seq());
	switch (type) {
	case NFT_MSG_GETCHAIN:
		if ((c = nftnl_chain_alloc()) == NULL)
			fatalx("%s: out of memory", __func__);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, RS_TABLE_NAME);
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nftnl_chain_free(c);
		break;
	case NFT_MSG_GETSET:
	case NFT_MSG_GETSETELEM:
		if ((s = nftnl_set_alloc()) == NULL)
			fatalx("%s: out of memory", __func__);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, RS_TABLE_NAME);
		if (set != NULL)
			nftnl_set_set_str(s, NFTNL_SET_NAME, set);
		if (type == NFT_MSG_GETSET)
			nftnl_set_nlmsg_build_payload(nlh, s);
		else
			nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
		break;
	case NFT_MSG_GETOBJ:
		if ((o = nftnl_obj_alloc()) == NULL)
			fatalx("%s: out of memory", __func__);
		nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, RS_TABLE_NAME);
		nftnl_obj_nlmsg_build_payload(nlh, o);
		nftnl_obj_free(o);
		break;
	case NFT_MSG_GETRULE:
		if ((r = nftnl_rule_alloc()) == NULL)
			fatalx("%s: out of memory", __func__);
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, RS_TABLE_NAME);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		break;
	default:	/* NFT_MSG_GETTABLE: all inet tables; we look for ours */
		break;
	}
	return mnl_sanso_talk(nl, nlh, cb, data);
}

/* Read everything once; -EAGAIN when the generation moved meanwhile. */
static int
kstate_read(struct kstate *ks)
{
	struct mnl_socket *nl = NULL;
	uint32_t gen0, gen1;
	const char *name;
	size_t i;
	int ret;

	if ((ret = mnl_sanso_open(&nl)) < 0)
		goto cleanup;
	if ((ret = mnl_sanso_genid(nl, &gen0)) < 0)
		goto cleanup;
	if ((ret = dump(nl, NFT_MSG_GETTABLE, NULL, table_cb, ks)) < 0)
		goto cleanup;
	if (!ks->ks_table)
		goto cleanup;
	if ((ret = dump(nl, NFT_MSG_GETCHAIN, NULL, chain_cb, ks)) < 0 ||
	    (ret = dump(nl, NFT_MSG_GETSET, NULL, set_cb, ks)) < 0 ||
	    (ret = dump(nl, NFT_MSG_GETOBJ, NULL, obj_cb, ks)) < 0 ||
	    (ret = dump(nl, NFT_MSG_GETRULE, NULL, rule_cb, ks)) < 0)
		goto cleanup;
	for (i = 0; i < ks->ks_sets.ov_n; i++) {
		name = nftnl_set_get_str(ks->ks_sets.ov_v[i], NFTNL_SET_NAME);
		ks->ks_elems = xreallocarray(ks->ks_elems, i + 1,
		    sizeof(*ks->ks_elems));
		memset(&ks->ks_elems[i], 0, sizeof(ks->ks_elems[i]));
		ks->ks_n_elems = i + 1;
		if ((ret = dump(nl, NFT_MSG_GETSETELEM, name, elem_cb,
		    &ks->ks_elems[i])) < 0)
			goto cleanup;
	}
	if ((ret = mnl_sanso_genid(nl, &gen1)) < 0)
		goto cleanup;
	if (gen0 != gen1)
		ret = -EAGAIN;
cleanup:
	if (nl != NULL)
		mnl_socket_close(nl);
	return ret;
}

/* Collects the first few differences in words. */
struct drift_out {
	struct nft_drift *do_d;
	size_t		  do_count;
};

static void
vdiffer(struct drift_out *o, bool elems_only, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void
differ(struct drift_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
differ_missing(struct drift_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
differ(struct drift_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiffer(o, false, fmt, ap);
	va_end(ap);
}

/* Elements missing from a hash set, each recorded in do_d->missing. */
static void
differ_missing(struct drift_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiffer(o, true, fmt, ap);
	va_end(ap);
}

static void
vdiffer(struct drift_out *o, bool elems_only, const char *fmt, va_list ap)
{
	char *d = o->do_d->detail;
	size_t len = strlen(d);

	o->do_d->match = false;
	if (!elems_only)
		o->do_d->n_other++;
	if (o->do_count++ >= DRIFT_SHOWN || len + 3 >= sizeof(o->do_d->detail))
		return;
	if (len > 0) {
		snprintf(d + len, sizeof(o->do_d->detail) - len, "; ");
		len += 2;
	}
	vsnprintf(d + len, sizeof(o->do_d->detail) - len, fmt, ap);
}

static void
hex(char **s, size_t *len, size_t *cap, const void *data, uint32_t n)
{
	const uint8_t *p = data;
	uint32_t i;

	for (i = 0; i < n; i++) {
		*s = xgrow(*s, cap, *len + 3, 1);
		snprintf(*s + *len, 3, "%02x", p[i]);
		*len += 2;
	}
}

static void
append(char **s, size_t *len, size_t *cap, const char *t)
{
	size_t n = strlen(t);

	while (*len + n + 1 > *cap)
		*s = xgrow(*s, cap, *cap, 1);
	memcpy(*s + *len, t, n + 1);
	*len += n;
}

struct rule_str {
	char	*rs_s;
	size_t	 rs_len;
	size_t	 rs_cap;
};

/* Each expression as libnftnl prints it; counter values change, so a
 * counter is just "counter". */
static int
expr_str_cb(struct nftnl_expr *e, void *data)
{
	struct rule_str *r = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	char buf[512];

	append(&r->rs_s, &r->rs_len, &r->rs_cap, "[");
	append(&r->rs_s, &r->rs_len, &r->rs_cap, name ? name : "?");
	if (name != NULL && strcmp(name, "lookup") == 0) {
		/* The kernel always reports the flags, nft sends none when 0
		 * (and a set id the kernel does not report). */
		snprintf(buf, sizeof(buf), " reg %u set %s flags %#x",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG),
		    nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS));
		append(&r->rs_s, &r->rs_len, &r->rs_cap, buf);
	} else if (name != NULL && strcmp(name, "dynset") == 0) {
		/* Likewise: the kernel reports a timeout (0: the set's) and
		 * flags that nft does not send. */
		snprintf(buf, sizeof(buf), " op %u reg %u set %s timeout %llu "
		    "flags %#x",
		    nftnl_expr_get_u32(e, NFTNL_EXPR_DYNSET_OP),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY),
		    nftnl_expr_get_str(e, NFTNL_EXPR_DYNSET_SET_NAME),
		    (unsigned long long)nftnl_expr_get_u64(e,
		    NFTNL_EXPR_DYNSET_TIMEOUT),
		    nftnl_expr_get_u32(e, NFTNL_EXPR_DYNSET_FLAGS));
		append(&r->rs_s, &r->rs_len, &r->rs_cap, buf);
	} else if (name == NULL || strcmp(name, "counter") != 0) {
		nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT,
		    0);
		append(&r->rs_s, &r->rs_len, &r->rs_cap, " ");
		append(&r->rs_s, &r->rs_len, &r->rs_cap, buf);
	}
	append(&r->rs_s, &r->rs_len, &r->rs_cap, "]");
	return 0;
}

/* A rule without handle and position: its expressions and userdata. */
static char *
rule_str(struct nftnl_rule *r)
{
	struct rule_str rs = { NULL, 0, 0 };
	const void *ud;
	uint32_t udlen = 0;

	append(&rs.rs_s, &rs.rs_len, &rs.rs_cap, "");
	nftnl_expr_foreach(r, expr_str_cb, &rs);
	if ((ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &udlen)) != NULL) {
		append(&rs.rs_s, &rs.rs_len, &rs.rs_cap, " udata ");
		hex(&rs.rs_s, &rs.rs_len, &rs.rs_cap, ud, udlen);
	}
	return rs.rs_s;
}

static void
chain_str(struct nftnl_chain *c, char *buf, size_t len)
{
	const char *type;

	if (!nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) {
		snprintf(buf, len, "regular chain");
		return;
	}
	type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
	snprintf(buf, len, "type %s hook %u priority %d policy %s",
	    type ? type : "?", nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM),
	    nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO),
	    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_DROP ?
	    "drop" : "accept");
}

/* The names of a set's expressions (`counter` in the set): a set that
 * lost its counters would count nothing more. */
static int
set_expr_cb(struct nftnl_expr *e, void *data)
{
	struct rule_str *r = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	append(&r->rs_s, &r->rs_len, &r->rs_cap, " expr ");
	append(&r->rs_s, &r->rs_len, &r->rs_cap, name ? name : "?");
	return 0;
}

static char *
set_str(struct nftnl_set *s)
{
	struct rule_str r = { NULL, 0, 0 };
	char buf[128];
	const void *ud;
	uint32_t udlen = 0;

	const uint8_t *fields;
	uint32_t i, flen = 0;

	/* The size is left out: the kernel gives dynamic sets one when a
	 * rule updates them, and nft sends none. */
	snprintf(buf, sizeof(buf), "flags %#x key %u/%u timeout %llu",
	    nftnl_set_get_u32(s, NFTNL_SET_FLAGS),
	    nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE),
	    nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN),
	    (unsigned long long)nftnl_set_get_u64(s, NFTNL_SET_TIMEOUT));
	append(&r.rs_s, &r.rs_len, &r.rs_cap, buf);
	if (nftnl_set_is_set(s, NFTNL_SET_DESC_CONCAT) &&
	    (fields = nftnl_set_get_data(s, NFTNL_SET_DESC_CONCAT, &flen)) !=
	    NULL) {
		append(&r.rs_s, &r.rs_len, &r.rs_cap, " fields");
		for (i = 0; i < flen && fields[i] != 0; i++) {
			snprintf(buf, sizeof(buf), " %u", fields[i]);
			append(&r.rs_s, &r.rs_len, &r.rs_cap, buf);
		}
	}
	nftnl_set_expr_foreach(s, set_expr_cb, &r);
	if ((ud = nftnl_set_get_data(s, NFTNL_SET_USERDATA, &udlen)) != NULL) {
		append(&r.rs_s, &r.rs_len, &r.rs_cap, " udata ");
		hex(&r.rs_s, &r.rs_len, &r.rs_cap, ud, udlen);
	}
	return r.rs_s;
}

static bool
obj_same(struct nftnl_obj *a, struct nftnl_obj *b)
{
	const void *ua, *ub;
	uint32_t la = 0, lb = 0;

	if (nftnl_obj_get_u32(a, NFTNL_OBJ_TYPE) !=
	    nftnl_obj_get_u32(b, NFTNL_OBJ_TYPE))
		return false;
	ua = nftnl_obj_is_set(a, NFTNL_OBJ_USERDATA) ?
	    nftnl_obj_get_data(a, NFTNL_OBJ_USERDATA, &la) : NULL;
	ub = nftnl_obj_is_set(b, NFTNL_OBJ_USERDATA) ?
	    nftnl_obj_get_data(b, NFTNL_OBJ_USERDATA, &lb) : NULL;
	if (ua == NULL || ub == NULL)
		return ua == ub;
	return la == lb && memcmp(ua, ub, la) == 0;
}

static int
udata_open_cb(const struct nftnl_udata *attr, void *data)
{
	bool *open = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_SET_ELEM_FLAGS &&
	    nftnl_udata_len(attr) == sizeof(uint32_t) &&
	    (nftnl_udata_get_u32(attr) & NFTNL_SET_ELEM_F_INTERVAL_OPEN))
		*open = true;
	return 0;
}

static int
kelem_cb(struct nftnl_set_elem *e, void *data)
{
	struct kelems *ke = data;
	struct build_elem *b;
	const void *key, *ud;
	uint32_t klen = 0, udlen = 0;

	ke->ke_v = xgrow(ke->ke_v, &ke->ke_cap, ke->ke_n, sizeof(*b));
	b = &ke->ke_v[ke->ke_n++];
	memset(b, 0, sizeof(*b));
	if ((key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen)) != NULL) {
		if (klen > BUILD_KEY_MAX)
			klen = BUILD_KEY_MAX;
		memcpy(b->be_key, key, klen);
		b->be_klen = klen;
	}
	/* Timeouts and expirations are the kernel's business: not compared. */
	if ((key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &klen)) !=
	    NULL) {
		if (klen > BUILD_KEY_MAX)
			klen = BUILD_KEY_MAX;
		memcpy(b->be_key_end, key, klen);
		b->be_has_end = true;
	}
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
		b->be_end = (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) &
		    NFT_SET_ELEM_INTERVAL_END) != 0;
	if ((ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &udlen)) !=
	    NULL)
		nftnl_udata_parse(ud, udlen, udata_open_cb, &b->be_open);
	return 0;
}

static int
elem_sort_cb(const void *a, const void *b)
{
	return build_elem_cmp(a, b);
}

static void
list_elems(const struct rs_set *s, const struct build_elem *v, size_t n,
    const size_t *idx, size_t k, char *buf, size_t len)
{
	char one[128];
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < k && i < DRIFT_ELEMS; i++) {
		build_elem_describe(s, v, n, idx[i], one, sizeof(one));
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		    i ? ", " : "", one);
		if (used >= len)
			return;
	}
	if (k > DRIFT_ELEMS)
		snprintf(buf + used, len - used, ", ...");
}

/* For interval sets count ranges (their start elements); an end that is
 * gone while its start stays still counts. */
static size_t
count_items(const struct build_elem *v, const size_t *idx, size_t k,
    size_t *shown, size_t *n_shown)
{
	size_t i, starts = 0;

	*n_shown = 0;
	for (i = 0; i < k; i++)
		if (!v[idx[i]].be_end) {
			starts++;
			shown[(*n_shown)++] = idx[i];
		}
	if (starts > 0)
		return starts;
	for (i = 0; i < k; i++)
		shown[(*n_shown)++] = idx[i];
	return k;
}

/*
 * The elements of a timeout set that expire within DRIFT_EXPIRY_MS (or
 * have expired): the kernel may or may not have removed them yet, so they
 * are neither required nor unexpected.  Sorted; returns the count.
 */
static size_t
soon_elems(const struct rs_set *s, int64_t now, struct build_elem **out)
{
	struct rs_set tmp = *s;
	size_t i, n;

	*out = NULL;
	if (!s->timeout)
		return 0;
	tmp.elems = xcalloc(s->n_elems + 1, sizeof(*tmp.elems));
	tmp.n_elems = 0;
	for (i = 0; i < s->n_elems; i++)
		if (s->elems[i].expires_ms != 0 &&
		    s->elems[i].expires_ms <= now + DRIFT_EXPIRY_MS)
			tmp.elems[tmp.n_elems++] = s->elems[i];
	tmp.cap_elems = tmp.n_elems;
	n = tmp.n_elems ? build_elems(&tmp, now, INT64_MIN, out) : 0;
	free(tmp.elems);
	if (n > 1)
		qsort(*out, n, sizeof(**out), elem_sort_cb);
	return n;
}

/*
 * Leave out an interval end element at address 0: it closes a range below
 * the lowest address, so whether it is there matches no packet more or
 * less.  A full build sends one before a set's first range (as nft does),
 * element updates do not, and deleting the last range leaves it behind:
 * comparing it would report sansod's own updates as drift.  Returns the
 * new count.
 */
static size_t
drop_zero_end(struct build_elem *v, size_t n)
{
	static const uint8_t zero[BUILD_KEY_MAX];
	size_t i, out = 0;

	for (i = 0; i < n; i++) {
		if (v[i].be_end && !v[i].be_has_end &&
		    memcmp(v[i].be_key, zero, v[i].be_klen) == 0)
			continue;
		v[out++] = v[i];
	}
	return out;
}

/*
 * Which of @s's elements (set @si of the ruleset) the kernel lacks, when
 * they are few: each is looked up in the sorted kernel elements.  False
 * when there is no room, so the caller reports it as needing a rebuild.
 */
static bool
find_missing(struct drift_out *o, const struct rs_set *s, size_t si,
    const struct kelems *ke, int64_t now)
{
	struct nft_drift	*d = o->do_d;
	struct build_elem	 be[2];
	size_t			 k, first = d->n_missing;

	for (k = 0; k < s->n_elems; k++) {
		if (s->elems[k].expires_ms != 0 &&
		    s->elems[k].expires_ms <= now + DRIFT_EXPIRY_MS)
			continue;	/* neither required nor unexpected */
		if (build_elem_one(s, &s->elems[k], now, be) != 1)
			return false;
		if (ke->ke_n > 0 && bsearch(&be[0], ke->ke_v, ke->ke_n,
		    sizeof(*ke->ke_v), elem_sort_cb) != NULL)
			continue;
		if (d->n_missing == NFT_DRIFT_MISSING_MAX) {
			d->n_missing = first;
			return false;
		}
		d->missing[d->n_missing].dm_set = (uint32_t)si;
		d->missing[d->n_missing++].dm_elem = (uint32_t)k;
	}
	return true;
}

static void
compare_elems(struct drift_out *o, const struct rs_set *s, size_t si,
    struct kelems *kep)
{
	struct build_elem *exp, *soon;
	struct kelems ke = *kep;
	size_t ne, nsoon, i = 0, j = 0, nm = 0, nx = 0, *miss, *extra, *shown;
	size_t ns, c;
	int64_t now = rs_now_ms();
	char list[256];
	int cmp;

	ne = build_elems(s, now, now + DRIFT_EXPIRY_MS, &exp);
	nsoon = soon_elems(s, now, &soon);
	if (ke.ke_n > 1)
		qsort(ke.ke_v, ke.ke_n, sizeof(*ke.ke_v), elem_sort_cb);
	if (rs_set_is_ranges(s)) {
		ne = drop_zero_end(exp, ne);
		ke.ke_n = drop_zero_end(ke.ke_v, ke.ke_n);
	}
	miss = xcalloc(ne + 1, sizeof(*miss));
	extra = xcalloc(ke.ke_n + 1, sizeof(*extra));
	shown = xcalloc(ne + ke.ke_n + 1, sizeof(*shown));
	while (i < ne || j < ke.ke_n) {
		if (i == ne)
			cmp = 1;
		else if (j == ke.ke_n)
			cmp = -1;
		else
			cmp = build_elem_cmp(&exp[i], &ke.ke_v[j]);
		if (cmp == 0) {
			i++;
			j++;
		} else if (cmp < 0)
			miss[nm++] = i++;
		else if (nsoon > 0 && bsearch(&ke.ke_v[j], soon, nsoon,
		    sizeof(*soon), elem_sort_cb) != NULL)
			j++;	/* about to expire: may still be there */
		else
			extra[nx++] = j++;
	}
	if (nm > 0) {
		c = count_items(exp, miss, nm, shown, &ns);
		list_elems(s, exp, ne, shown, ns, list, sizeof(list));
		/* Missing from a hash set, with nothing unexpected: those can
		 * be added back alone. */
		if (nx == 0 && !rs_set_is_ranges(s) && nm <=
		    NFT_DRIFT_MISSING_MAX && find_missing(o, s, si, &ke, now))
			differ_missing(o, "set %s: %zu element%s missing (%s)",
			    s->name, c, c == 1 ? "" : "s", list);
		else
			differ(o, "set %s: %zu element%s missing (%s)",
			    s->name, c, c == 1 ? "" : "s", list);
	}
	if (nx > 0) {
		c = count_items(ke.ke_v, extra, nx, shown, &ns);
		list_elems(s, ke.ke_v, ke.ke_n, shown, ns, list, sizeof(list));
		differ(o, "set %s: %zu unexpected element%s (%s)", s->name, c,
		    c == 1 ? "" : "s", list);
	}
	free(shown);
	free(miss);
	free(extra);
	kep->ke_n = ke.ke_n;
	free(exp);
	free(soon);
}

static void
compare_sets(struct drift_out *o, const struct ruleset *rs,
    struct kstate *ks)
{
	struct nftnl_set *want;
	char *a, *b;
	const char *name;
	size_t i, k;

	for (i = 0; i < rs->n_sets; i++) {
		for (k = 0; k < ks->ks_sets.ov_n; k++) {
			name = nftnl_set_get_str(ks->ks_sets.ov_v[k],
			    NFTNL_SET_NAME);
			if (name != NULL && strcmp(name, rs->sets[i].name) == 0)
				break;
		}
		if (k == ks->ks_sets.ov_n) {
			differ(o, "set %s is missing", rs->sets[i].name);
			continue;
		}
		want = build_set(&rs->sets[i], (uint32_t)i + 1);
		a = set_str(want);
		b = set_str(ks->ks_sets.ov_v[k]);
		if (strcmp(a, b) != 0)
			differ(o, "set %s differs in type, flags or comment",
			    rs->sets[i].name);
		else if (!rs->sets[i].dynamic)	/* the packet path's */
			compare_elems(o, &rs->sets[i], i, &ks->ks_elems[k]);
		free(a);
		free(b);
		nftnl_set_free(want);
	}
	for (k = 0; k < ks->ks_sets.ov_n; k++) {
		name = nftnl_set_get_str(ks->ks_sets.ov_v[k], NFTNL_SET_NAME);
		if (name != NULL && rs_find_set(rs, name) == NULL)
			differ(o, "unexpected set %s", name);
	}
}

static void
compare_counters(struct drift_out *o, const struct ruleset *rs,
    struct kstate *ks)
{
	struct nftnl_obj *want, *have;
	const char *name;
	size_t i, k;

	for (i = 0; i < rs->n_counters; i++) {
		have = NULL;
		for (k = 0; k < ks->ks_objs.ov_n && have == NULL; k++) {
			name = nftnl_obj_get_str(ks->ks_objs.ov_v[k],
			    NFTNL_OBJ_NAME);
			if (name != NULL &&
			    strcmp(name, rs->counters[i].name) == 0)
				have = ks->ks_objs.ov_v[k];
		}
		if (have == NULL) {
			differ(o, "counter %s is missing", rs->counters[i].name);
			continue;
		}
		want = build_counter(&rs->counters[i]);
		if (!obj_same(want, have))
			differ(o, "counter %s differs", rs->counters[i].name);
		nftnl_obj_free(want);
	}
	for (k = 0; k < ks->ks_objs.ov_n; k++) {
		name = nftnl_obj_get_str(ks->ks_objs.ov_v[k], NFTNL_OBJ_NAME);
		for (i = 0; i < rs->n_counters; i++)
			if (name != NULL &&
			    strcmp(name, rs->counters[i].name) == 0)
				break;
		if (i == rs->n_counters)
			differ(o, "unexpected object %s", name ? name : "?");
	}
}

static void
free_strs(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Rules of one chain, in order: the common head and tail are fine; what is
 * between them is missing, unexpected or changed. */
static void
compare_rules(struct drift_out *o, const struct ruleset *rs,
    const struct rs_chain *c, struct kstate *ks)
{
	char **want, **have, why[160], err[256];
	size_t nw = c->n_rules, nh = 0, i, head, tail, miss, extra;
	struct nftnl_rule *r;
	const char *chain;

	want = xcalloc(nw + 1, sizeof(*want));
	have = xcalloc(ks->ks_rules.ov_n + 1, sizeof(*have));
	for (i = 0; i < nw; i++) {
		if ((r = build_rule(rs, c, i, err, sizeof(err))) == NULL) {
			differ(o, "%s", err);
			goto cleanup;
		}
		want[i] = rule_str(r);
		nftnl_rule_free(r);
	}
	for (i = 0; i < ks->ks_rules.ov_n; i++) {
		chain = nftnl_rule_get_str(ks->ks_rules.ov_v[i],
		    NFTNL_RULE_CHAIN);
		if (chain != NULL && strcmp(chain, c->name) == 0)
			have[nh++] = rule_str(ks->ks_rules.ov_v[i]);
	}
	for (head = 0; head < nw && head < nh &&
	    strcmp(want[head], have[head]) == 0; head++)
		;
	for (tail = 0; tail < nw - head && tail < nh - head &&
	    strcmp(want[nw - 1 - tail], have[nh - 1 - tail]) == 0; tail++)
		;
	miss = nw - head - tail;
	extra = nh - head - tail;
	if (miss == 0 && extra == 0)
		goto cleanup;
	why[0] = '\0';
	if (miss > 0 && c->rules[head].comment != NULL &&
	    *c->rules[head].comment != '\0')
		snprintf(why, sizeof(why), " (%s)", c->rules[head].comment);
	if (extra == 0 && miss == 1)
		differ(o, "rule %zu of chain %s is missing%s", head + 1,
		    c->name, why);
	else if (extra == 0)
		differ(o, "%zu rules of chain %s are missing from rule %zu%s",
		    miss, c->name, head + 1, why);
	else if (miss == 0)
		differ(o, "chain %s has %zu unexpected rule%s at rule %zu",
		    c->name, extra, extra == 1 ? "" : "s", head + 1);
	else if (miss == 1 && extra == 1)
		differ(o, "rule %zu of chain %s differs%s", head + 1, c->name,
		    why);
	else if (miss == extra)
		differ(o, "rules %zu-%zu of chain %s differ", head + 1,
		    head + miss, c->name);
	else
		differ(o, "rules %zu-%zu of chain %s differ (kernel has %zu "
		    "rules, expected %zu)", head + 1, head + miss, c->name, nh,
		    nw);
cleanup:
	free_strs(want, nw);
	free_strs(have, nh);
}

static void
compare_chains(struct drift_out *o, const struct ruleset *rs,
    struct kstate *ks)
{
	struct nftnl_chain *want, *have;
	char a[160], b[160];
	const char *name;
	size_t i, k;

	for (i = 0; i < rs->n_chains; i++) {
		have = NULL;
		for (k = 0; k < ks->ks_chains.ov_n && have == NULL; k++) {
			name = nftnl_chain_get_str(ks->ks_chains.ov_v[k],
			    NFTNL_CHAIN_NAME);
			if (name != NULL &&
			    strcmp(name, rs->chains[i].name) == 0)
				have = ks->ks_chains.ov_v[k];
		}
		if (have == NULL) {
			differ(o, "chain %s is missing", rs->chains[i].name);
			continue;
		}
		want = build_chain(&rs->chains[i]);
		chain_str(want, a, sizeof(a));
		chain_str(have, b, sizeof(b));
		if (strcmp(a, b) != 0)
			differ(o, "chain %s is %s, expected %s",
			    rs->chains[i].name, b, a);
		nftnl_chain_free(want);
		compare_rules(o, rs, &rs->chains[i], ks);
	}
	for (k = 0; k < ks->ks_chains.ov_n; k++) {
		name = nftnl_chain_get_str(ks->ks_chains.ov_v[k],
		    NFTNL_CHAIN_NAME);
		if (name != NULL && rs_find_chain(rs, name) == NULL)
			differ(o, "unexpected chain %s", name);
	}
}

int
nft_check_drift(const struct ruleset *rs, struct nft_drift *out)
{
	struct kstate ks;
	struct drift_out o;
	size_t shown;
	int ret = -EAGAIN, tries;

	memset(out, 0, sizeof(*out));
	memset(&ks, 0, sizeof(ks));
	for (tries = 0; tries < DRIFT_TRIES &&
	    (ret == -EAGAIN || ret == -EINTR); tries++) {
		kstate_free(&ks);
		ret = kstate_read(&ks);
	}
	if (ret < 0)
		goto cleanup;

	out->present = ks.ks_table;
	out->match = true;
	o.do_d = out;
	o.do_count = 0;
	if (!ks.ks_table) {
		differ(&o, "table inet %s is missing", RS_TABLE_NAME);
		goto cleanup;
	}
	compare_chains(&o, rs, &ks);
	compare_sets(&o, rs, &ks);
	compare_counters(&o, rs, &ks);
	if (o.do_count > DRIFT_SHOWN) {
		shown = strlen(out->detail);
		snprintf(out->detail + shown, sizeof(out->detail) - shown,
		    "; and %zu more difference%s", o.do_count - DRIFT_SHOWN,
		    o.do_count - DRIFT_SHOWN == 1 ? "" : "s");
	}
cleanup:
	kstate_free(&ks);
	return ret;
}
