/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The addresses the ARP and NDP tables map to a MAC (rtnetlink dump). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "../daemon/xmalloc.h"
#include "mnl.h"
#include "nft.h"

#define NEIGH_TRIES	3

struct neigh_ctx {
	const uint8_t	*nc_mac;
	struct nft_addr	*nc_v;
	size_t		 nc_n;
	size_t		 nc_cap;
};

static int
neigh_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, NDA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int
neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_ctx *nc = data;
	const struct nlattr *tb[NDA_MAX + 1] = { NULL };
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct nft_addr *a;
	size_t alen, i;

	if (nlh->nlmsg_type != RTM_NEWNEIGH)
		return MNL_CB_OK;
	/* AF_UNSPEC dumps the bridge FDB too; only ARP and NDP count.  A
	 * failed or unresolved entry says nothing about who has the MAC. */
	if ((nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6) ||
	    (nd->ndm_state & (NUD_FAILED | NUD_INCOMPLETE)))
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*nd), neigh_attr_cb, tb) < 0)
		return MNL_CB_OK;
	alen = nd->ndm_family == AF_INET6 ? 16 : 4;
	if (tb[NDA_LLADDR] == NULL || tb[NDA_DST] == NULL ||
	    mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6 ||
	    mnl_attr_get_payload_len(tb[NDA_DST]) != alen ||
	    memcmp(mnl_attr_get_payload(tb[NDA_LLADDR]), nc->nc_mac, 6) != 0)
		return MNL_CB_OK;
	/* The same address on two interfaces is one address. */
	for (i = 0; i < nc->nc_n; i++)
		if (nc->nc_v[i].family == nd->ndm_family &&
		    memcmp(nc->nc_v[i].addr, mnl_attr_get_payload(tb[NDA_DST]),
		    alen) == 0)
			return MNL_CB_OK;
	nc->nc_v = xgrow(nc->nc_v, &nc->nc_cap, nc->nc_n, sizeof(*a));
	a = &nc->nc_v[nc->nc_n++];
	memset(a, 0, sizeof(*a));
	a->family = nd->ndm_family;
	memcpy(a->addr, mnl_attr_get_payload(tb[NDA_DST]), alen);
	a->plen = (uint8_t)(alen * 8);
	return MNL_CB_OK;
}

static int
neigh_dump(struct mnl_socket *nl, struct neigh_ctx *nc)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	uint32_t seq = (uint32_t)time(NULL);
	struct nlmsghdr *nlh;
	struct ndmsg *nd;

	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_UNSPEC;
	return mnl_sanso_talk(nl, nlh, neigh_cb, nc);
}

int
nft_neigh_addrs(const uint8_t mac[6], struct nft_addr **out, size_t *n)
{
	struct mnl_socket *nl;
	struct neigh_ctx nc;
	int ret, tries;

	*out = NULL;
	*n = 0;
	memset(&nc, 0, sizeof(nc));
	nc.nc_mac = mac;
	if ((nl = mnl_socket_open(NETLINK_ROUTE)) == NULL)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto cleanup;
	}
	/* An interrupted dump (the table changed) may miss entries. */
	for (tries = 0; tries < NEIGH_TRIES; tries++) {
		nc.nc_n = 0;
		if ((ret = neigh_dump(nl, &nc)) != -EINTR)
			break;
	}
	if (ret < 0)
		goto cleanup;
	*out = nc.nc_v;
	*n = nc.nc_n;
	nc.nc_v = NULL;
cleanup:
	free(nc.nc_v);
	mnl_socket_close(nl);
	return ret;
}
