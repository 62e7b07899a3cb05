/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Drops per interface pair: the counters of the denypairs set's elements. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/set.h>

#include "../daemon/log.h"
#include "../daemon/xmalloc.h"
#include "mnl.h"
#include "nflog.h"
#include "nft.h"

#define DENYPAIRS_TRIES	5	/* dumps retried when interrupted */

struct denypairs_ctx {
	struct nft_pair_counter	*pc_v;
	size_t			 pc_n;
	size_t			 pc_cap;
};

static int
denypairs_expr_cb(struct nftnl_expr *e, void *data)
{
	struct nft_pair_counter *v = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (name != NULL && strcmp(name, "counter") == 0) {
		v->packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		v->bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	}
	return 0;
}

static int
denypairs_elem_cb(struct nftnl_set_elem *e, void *data)
{
	struct denypairs_ctx *pc = data;
	struct nft_pair_counter *v;
	const char *key;
	uint32_t klen = 0;

	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
	if (key == NULL || klen != 2 * RS_IFNAME_MAX)
		return 0;	/* not an iifname . oifname key */
	pc->pc_v = xgrow(pc->pc_v, &pc->pc_cap, pc->pc_n, sizeof(*v));
	v = &pc->pc_v[pc->pc_n++];
	memset(v, 0, sizeof(*v));
	memcpy(v->iif, key, strnlen(key, RS_IFNAME_MAX - 1));
	memcpy(v->oif, key + RS_IFNAME_MAX,
	    strnlen(key + RS_IFNAME_MAX, RS_IFNAME_MAX - 1));
	nftnl_set_elem_expr_foreach(e, denypairs_expr_cb, v);
	return 0;
}

static int
denypairs_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nftnl_set_elems_nlmsg_parse(nlh, data) < 0) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int
nft_read_pair_counters(struct nft_pair_counter **out, size_t *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = NULL;
	struct denypairs_ctx pc = { NULL, 0, 0 };
	struct nftnl_set *s = NULL;
	struct nlmsghdr *nlh;
	int ret = -EINTR, tries;

	*out = NULL;
	*n = 0;
	for (tries = 0; tries < DENYPAIRS_TRIES && ret == -EINTR; tries++) {
		if ((ret = mnl_sanso_open(&nl)) < 0)
			goto cleanup;
		if (s != NULL)		/* libnftnl does not take NULL */
			nftnl_set_free(s);
		if ((s = nftnl_set_alloc()) == NULL)
			fatalx("%s: out of memory", __func__);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, RS_TABLE_NAME);
		nftnl_set_set_str(s, NFTNL_SET_NAME, NFLOG_SET_DENYPAIRS);
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM,
		    NFPROTO_INET, NLM_F_DUMP, mnl_sanso_seq());
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		ret = mnl_sanso_talk(nl, nlh, denypairs_cb, s);
		mnl_socket_close(nl);
		nl = NULL;
	}
	if (ret == -ENOENT) {		/* no table or no set: no drops */
		ret = 0;
		goto cleanup;
	}
	if (ret < 0)
		goto cleanup;
	nftnl_set_elem_foreach(s, denypairs_elem_cb, &pc);
	*out = pc.pc_v;
	*n = pc.pc_n;
	pc.pc_v = NULL;
cleanup:
	free(pc.pc_v);
	if (s != NULL)
		nftnl_set_free(s);
	if (nl != NULL)
		mnl_socket_close(nl);
	return ret;
}
