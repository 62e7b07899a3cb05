/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The netlink side of nft.h: one batch per apply, acks traced to objects. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "../daemon/log.h"
#include "../daemon/xmalloc.h"
#include "build.h"
#include "mnl.h"
#include "nft.h"

/*
 * The largest message is a NEWSETELEM whose element list, one attribute,
 * is limited to 64 KB by the 16-bit attribute length.  Batch pages are big
 * so that a table of hundreds of thousands of elements is a few iovecs.
 */
#define MSG_MAX		(UINT16_MAX + 4096)
#define PAGE_SIZE_BATCH	(2 * 1024 * 1024)
/* Receive buffer for one reply: an error echoes the refused message. */
#define RECV_BUF	(MSG_MAX + 4096)
/* Dump replies are at most 32 KB each (the kernel sizes them by ours). */
#define DUMP_BUF	(64 * 1024)
/* Kernel memory one queued ack costs (skb truesize), with margin. */
#define ACK_COST	2048
/* How long to wait for acks that are not queued yet (they normally are:
 * the kernel processes the batch inside sendmsg). */
#define ACK_WAIT_MS	2000

static uint32_t seq_next;

uint32_t
mnl_sanso_seq(void)
{
	if (seq_next == 0)
		seq_next = (uint32_t)time(NULL);
	return seq_next++;
}

int
mnl_sanso_open(struct mnl_socket **out)
{
	struct mnl_socket *nl;
	int one = 1, ret = 0;

	*out = NULL;
	if ((nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto cleanup;
	}
	/* Error messages then carry the kernel's text and the offset of the
	 * attribute it refused (used to name the refused set element). */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	*out = nl;
	nl = NULL;
cleanup:
	if (nl != NULL)
		mnl_socket_close(nl);
	return ret;
}

int
mnl_sanso_talk(struct mnl_socket *nl, const struct nlmsghdr *req,
    int (*cb)(const struct nlmsghdr *, void *), void *data)
{
	uint32_t portid = mnl_socket_get_portid(nl);
	char *buf = xmalloc(DUMP_BUF);
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		ret = -errno;
		goto cleanup;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, DUMP_BUF);
		if (n < 0) {
			ret = -errno;
			goto cleanup;
		}
		ret = mnl_cb_run(buf, (size_t)n, req->nlmsg_seq, portid, cb,
		    data);
		if (ret < 0) {
			ret = errno ? -errno : -EPROTO;
			goto cleanup;
		}
		if (ret == MNL_CB_STOP)
			break;
	}
	ret = 0;
cleanup:
	free(buf);
	return ret;
}

static int
genid_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *gen = nftnl_gen_alloc();
	uint32_t *genid = data;

	if (gen == NULL)
		fatalx("%s: out of memory", __func__);
	if (nftnl_gen_nlmsg_parse(nlh, gen) < 0) {
		nftnl_gen_free(gen);
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	*genid = nftnl_gen_get_u32(gen, NFTNL_GEN_ID);
	nftnl_gen_free(gen);
	return MNL_CB_OK;
}

int
mnl_sanso_genid(struct mnl_socket *nl, uint32_t *genid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK,
	    mnl_sanso_seq());
	*genid = 0;
	return mnl_sanso_talk(nl, nlh, genid_cb, genid);
}

/*
 * The batch: what each message is, so that an error (which carries the
 * message's sequence number) can name the object, as nft's cmd_add_loc().
 */
enum batch_what {
	BW_TABLE,
	BW_SET,
	BW_ELEMS,
	BW_COUNTER,
	BW_CHAIN,
	BW_RULE,
};

/**
 * struct batch_msg - one message of the batch
 * @bm_idx: index of the set, counter or chain in the ruleset
 * @bm_sub: the rule's index in its chain, or the first element sent
 * @bm_n: number of elements in a NEWSETELEM
 */
struct batch_msg {
	enum batch_what	 bm_what;
	size_t		 bm_idx;
	size_t		 bm_sub;
	size_t		 bm_n;
};

/**
 * struct batch - messages between NFNL_MSG_BATCH_BEGIN and _END
 * @b_seq: sequence number of BATCH_BEGIN; message i has b_seq + 1 + i
 */
struct batch {
	struct nftnl_batch	*b_nb;
	uint32_t		 b_seq;
	struct batch_msg	*b_msgs;
	size_t			 b_n;
	size_t			 b_cap;
};

static void
batch_continue(struct batch *b)
{
	if (nftnl_batch_update(b->b_nb) < 0)
		fatalx("%s: out of memory", __func__);
}

static void
batch_init(struct batch *b)
{
	memset(b, 0, sizeof(*b));
	if ((b->b_nb = nftnl_batch_alloc(PAGE_SIZE_BATCH, MSG_MAX)) == NULL)
		fatalx("%s: out of memory", __func__);
	b->b_seq = mnl_sanso_seq();
	nftnl_batch_begin(nftnl_batch_buffer(b->b_nb), b->b_seq);
	batch_continue(b);
}

static void
batch_free(struct batch *b)
{
	if (b->b_nb != NULL)
		nftnl_batch_free(b->b_nb);
	free(b->b_msgs);
	memset(b, 0, sizeof(*b));
}

/* Start the next message: its header in the batch buffer, its record. */
static struct nlmsghdr *
batch_msg(struct batch *b, uint16_t type, uint16_t flags,
    enum batch_what what, size_t idx, size_t sub, size_t n)
{
	struct batch_msg *m;

	b->b_msgs = xgrow(b->b_msgs, &b->b_cap, b->b_n, sizeof(*m));
	m = &b->b_msgs[b->b_n++];
	m->bm_what = what;
	m->bm_idx = idx;
	m->bm_sub = sub;
	m->bm_n = n;
	/* Every message is acked so that all of them are accounted for. */
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b->b_nb), type,
	    NFPROTO_INET, flags | NLM_F_ACK, b->b_seq + (uint32_t)b->b_n);
}

static void
batch_end(struct batch *b)
{
	nftnl_batch_end(nftnl_batch_buffer(b->b_nb),
	    b->b_seq + (uint32_t)b->b_n + 1);
	batch_continue(b);
}

static void
batch_table(struct batch *b, uint16_t type, uint16_t flags)
{
	struct nftnl_table *t = build_table();
	struct nlmsghdr *nlh;

	nlh = batch_msg(b, type, flags, BW_TABLE, 0, 0, 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	batch_continue(b);
}

static void
batch_set(struct batch *b, const struct ruleset *rs, size_t i)
{
	struct nftnl_set *s = build_set(&rs->sets[i], (uint32_t)i + 1);
	struct nlmsghdr *nlh;

	nlh = batch_msg(b, NFT_MSG_NEWSET, NLM_F_CREATE, BW_SET, i, 0, 0);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	batch_continue(b);
}

/* The elements of set i in as many NEWSETELEM messages as they need. */
static void
batch_elems(struct batch *b, const struct ruleset *rs, size_t i)
{
	const struct rs_set *rset = &rs->sets[i];
	struct build_elem *elems;
	struct nftnl_set *chunk;
	struct nlmsghdr *nlh;
	size_t n, per, first, k;

	n = build_elems(rset, &elems);
	per = build_elems_per_msg(rset);
	for (first = 0; first < n; first += k) {
		k = n - first < per ? n - first : per;
		chunk = build_elems_chunk(rset, (uint32_t)i + 1,
		    elems + first, k);
		nlh = batch_msg(b, NFT_MSG_NEWSETELEM, NLM_F_CREATE, BW_ELEMS,
		    i, first, k);
		nftnl_set_elems_nlmsg_build_payload(nlh, chunk);
		nftnl_set_free(chunk);
		batch_continue(b);
	}
	free(elems);
}

static void
batch_counter(struct batch *b, const struct ruleset *rs, size_t i)
{
	struct nftnl_obj *o = build_counter(&rs->counters[i]);
	struct nlmsghdr *nlh;

	nlh = batch_msg(b, NFT_MSG_NEWOBJ, NLM_F_CREATE, BW_COUNTER, i, 0, 0);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	batch_continue(b);
}

static void
batch_chain(struct batch *b, const struct ruleset *rs, size_t i)
{
	struct nftnl_chain *c = build_chain(&rs->chains[i]);
	struct nlmsghdr *nlh;

	nlh = batch_msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, BW_CHAIN, i, 0, 0);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	batch_continue(b);
}

static int
batch_rule(struct batch *b, const struct ruleset *rs, size_t ci, size_t ri,
    char *errbuf, size_t errlen)
{
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;

	r = build_rule(rs, &rs->chains[ci], ri, errbuf, errlen);
	if (r == NULL)
		return -EINVAL;
	nlh = batch_msg(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
	    BW_RULE, ci, ri, 0);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	batch_continue(b);
	return 0;
}

/* What the kernel said about the batch. */
struct ack_state {
	const struct batch *as_b;
	size_t		 as_replies;	/* acks and errors of messages */
	size_t		 as_errors;
	int		 as_err;	/* first error (positive errno) */
	size_t		 as_err_msg;	/* its message, or SIZE_MAX: batch */
	long		 as_err_elem;	/* element within it, or -1 */
	char		 as_extack[128];
};

static int
extack_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, NLMSGERR_ATTR_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

/* Which element of a NEWSETELEM sits at byte offset @off of it. */
static long
elem_at_offset(const struct nlmsghdr *orig, uint32_t off)
{
	struct nlattr *attr, *e;	/* mnl's iterators cast away const */
	long k;

	mnl_attr_for_each(attr, orig, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(attr) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		k = 0;
		mnl_attr_for_each_nested(e, attr) {
			if ((uint32_t)((const char *)e - (const char *)orig) ==
			    off)
				return k;
			k++;
		}
	}
	return -1;
}

static int
ack_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ack_state *as = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { NULL };
	const struct batch *b = as->as_b;
	size_t hlen = sizeof(*err), idx;
	uint32_t off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err)))
		return MNL_CB_OK;
	if (nlh->nlmsg_seq == b->b_seq)
		idx = SIZE_MAX;		/* about the batch as a whole */
	else if (nlh->nlmsg_seq > b->b_seq &&
	    nlh->nlmsg_seq - b->b_seq - 1 < b->b_n) {
		idx = nlh->nlmsg_seq - b->b_seq - 1;
		as->as_replies++;
	} else
		return MNL_CB_OK;	/* not ours */
	if (err->error == 0)
		return MNL_CB_OK;

	if (as->as_errors++ > 0)
		return MNL_CB_OK;	/* later ones are mostly consequences */
	as->as_err = -err->error;
	as->as_err_msg = idx;
	as->as_err_elem = -1;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hlen += mnl_nlmsg_get_payload_len(&err->msg);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    mnl_attr_parse(nlh, (unsigned)hlen, extack_attr_cb, tb) >= 0) {
		if (tb[NLMSGERR_ATTR_MSG] != NULL)
			snprintf(as->as_extack, sizeof(as->as_extack), "%s",
			    mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
		if (tb[NLMSGERR_ATTR_OFFS] != NULL && idx != SIZE_MAX &&
		    b->b_msgs[idx].bm_what == BW_ELEMS &&
		    !(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			off = mnl_attr_get_u32(tb[NLMSGERR_ATTR_OFFS]);
			as->as_err_elem = elem_at_offset(&err->msg, off);
		}
	}
	return MNL_CB_OK;
}

/* mnl_cb_run2() wants a writable table. */
static mnl_cb_t ack_ctl[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = ack_cb,
};

/* Name the object behind message @idx ("set z_lan_4", "rule ... in ..."). */
static void
batch_describe(const struct batch *b, const struct ruleset *rs, size_t idx,
    long elem, char *buf, size_t len)
{
	const struct batch_msg *m = &b->b_msgs[idx];
	const struct rs_set *s;
	struct build_elem *elems;
	char e[128];
	size_t n;

	switch (m->bm_what) {
	case BW_TABLE:
		snprintf(buf, len, "table inet %s", RS_TABLE_NAME);
		return;
	case BW_SET:
		snprintf(buf, len, "set %s", rs->sets[m->bm_idx].name);
		return;
	case BW_ELEMS:
		s = &rs->sets[m->bm_idx];
		if (elem < 0 || (size_t)elem >= m->bm_n) {
			snprintf(buf, len, "elements %zu-%zu of set %s",
			    m->bm_sub + 1, m->bm_sub + m->bm_n, s->name);
			return;
		}
		n = build_elems(s, &elems);
		build_elem_describe(s, elems, n, m->bm_sub + (size_t)elem, e,
		    sizeof(e));
		free(elems);
		snprintf(buf, len, "element %s of set %s", e, s->name);
		return;
	case BW_COUNTER:
		snprintf(buf, len, "counter %s", rs->counters[m->bm_idx].name);
		return;
	case BW_CHAIN:
		snprintf(buf, len, "chain %s", rs->chains[m->bm_idx].name);
		return;
	case BW_RULE:
		build_rule_name(&rs->chains[m->bm_idx], m->bm_sub, buf, len);
		return;
	}
}

static void
set_bufsize(int fd, int force, int plain, size_t want)
{
	int v = want > INT_MAX / 2 ? INT_MAX / 2 : (int)want;

	/* FORCE needs CAP_NET_ADMIN, which changing nftables needs anyway;
	 * the plain option is capped by net.core.*mem_max. */
	if (setsockopt(fd, SOL_SOCKET, force, &v, sizeof(v)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, plain, &v, sizeof(v));
}

/* Send the whole batch in one sendmsg and collect one reply per message. */
static int
batch_talk(struct mnl_socket *nl, struct batch *b, struct ack_state *as)
{
	int fd = mnl_socket_get_fd(nl), n_iov, ret;
	uint32_t portid = mnl_socket_get_portid(nl);
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct msghdr msg;
	struct iovec *iov;
	struct pollfd pfd;
	size_t total = 0;
	char *buf = NULL;
	ssize_t len;
	bool lost = false;
	int i;

	n_iov = nftnl_batch_iovec_len(b->b_nb);
	if (n_iov > IOV_MAX)
		return -E2BIG;
	iov = xcalloc((size_t)n_iov, sizeof(*iov));
	nftnl_batch_iovec(b->b_nb, iov, (uint32_t)n_iov);
	for (i = 0; i < n_iov; i++)
		total += iov[i].iov_len;
	/* The kernel takes the batch as one datagram, which must fit in the
	 * send buffer, and queues every ack before sendmsg returns. */
	set_bufsize(fd, SO_SNDBUFFORCE, SO_SNDBUF, total + 65536);
	set_bufsize(fd, SO_RCVBUFFORCE, SO_RCVBUF,
	    (b->b_n + 16) * ACK_COST + 4 * RECV_BUF);

	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &snl;
	msg.msg_namelen = sizeof(snl);
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)n_iov;
	if (sendmsg(fd, &msg, 0) < 0) {
		ret = -errno;
		goto cleanup;
	}

	buf = xmalloc(RECV_BUF);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (as->as_replies < b->b_n) {
		len = recv(fd, buf, RECV_BUF, MSG_DONTWAIT);
		if (len < 0 && errno == EAGAIN) {
			if ((ret = poll(&pfd, 1, ACK_WAIT_MS)) < 0 &&
			    errno == EINTR)
				continue;
			if (ret < 0) {
				ret = -errno;
				goto cleanup;
			}
			if (ret == 0)
				break;
			continue;
		}
		if (len < 0 && errno == ENOBUFS) {
			lost = true;	/* acks were dropped; keep reading */
			continue;
		}
		if (len < 0) {
			ret = -errno;
			goto cleanup;
		}
		if (mnl_cb_run2(buf, (size_t)len, 0, portid, NULL, as, ack_ctl,
		    NLMSG_MIN_TYPE) < 0) {
			ret = errno ? -errno : -EPROTO;
			goto cleanup;
		}
	}
	/* A commit failure comes as an error on BATCH_BEGIN; drain it. */
	while ((len = recv(fd, buf, RECV_BUF, MSG_DONTWAIT)) > 0) {
		mnl_cb_run2(buf, (size_t)len, 0, portid, NULL, as, ack_ctl,
		    NLMSG_MIN_TYPE);
	}
	ret = 0;
	if (as->as_errors == 0 && as->as_replies < b->b_n)
		ret = lost ? -ENOBUFS : -ETIMEDOUT;
cleanup:
	free(buf);
	free(iov);
	return ret;
}

static void
apply_error(const struct batch *b, const struct ruleset *rs,
    const struct ack_state *as, char *errbuf, size_t errlen)
{
	char what[RS_NAME_MAX + 200], more[64] = "";

	if (as->as_err_msg == SIZE_MAX)
		snprintf(what, sizeof(what), "the batch");
	else if (rs == NULL)
		snprintf(what, sizeof(what), "table inet %s", RS_TABLE_NAME);
	else
		batch_describe(b, rs, as->as_err_msg, as->as_err_elem, what,
		    sizeof(what));
	if (as->as_errors > 1)
		snprintf(more, sizeof(more), " (and %zu more errors)",
		    as->as_errors - 1);
	snprintf(errbuf, errlen, "kernel refused %s: %s%s%s%s%s", what,
	    strerror(as->as_err), as->as_extack[0] ? " (" : "", as->as_extack,
	    as->as_extack[0] ? ")" : "", more);
}

static void
say(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

int
nft_apply(const struct ruleset *rs, char *errbuf, size_t errlen)
{
	struct mnl_socket *nl = NULL;
	struct ack_state as;
	struct batch b;
	char dummy[8];
	size_t i, j;
	int ret;

	if (errbuf == NULL || errlen == 0) {
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	errbuf[0] = '\0';
	batch_init(&b);
	/* Create if absent, so that the delete cannot fail; then replace. */
	batch_table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	batch_table(&b, NFT_MSG_DELTABLE, 0);
	batch_table(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	for (i = 0; i < rs->n_sets; i++)
		batch_set(&b, rs, i);
	for (i = 0; i < rs->n_sets; i++)
		batch_elems(&b, rs, i);
	for (i = 0; i < rs->n_counters; i++)
		batch_counter(&b, rs, i);
	for (i = 0; i < rs->n_chains; i++)
		batch_chain(&b, rs, i);
	for (i = 0; i < rs->n_chains; i++)
		for (j = 0; j < rs->chains[i].n_rules; j++)
			if ((ret = batch_rule(&b, rs, i, j, errbuf,
			    errlen)) < 0)
				goto cleanup;	/* the kernel never saw it */
	batch_end(&b);

	if ((ret = mnl_sanso_open(&nl)) < 0) {
		say(errbuf, errlen, "netlink socket: %s", strerror(-ret));
		goto cleanup;
	}
	memset(&as, 0, sizeof(as));
	as.as_b = &b;
	if ((ret = batch_talk(nl, &b, &as)) < 0) {
		if (ret == -ENOBUFS)
			say(errbuf, errlen, "kernel acknowledgements lost "
			    "(receive buffer too small); table inet %s may or "
			    "may not have been replaced", RS_TABLE_NAME);
		else
			say(errbuf, errlen, "sending the batch: %s",
			    strerror(-ret));
		goto cleanup;
	}
	if (as.as_errors > 0) {
		apply_error(&b, rs, &as, errbuf, errlen);
		ret = -as.as_err;
	}
cleanup:
	if (nl != NULL)
		mnl_socket_close(nl);
	batch_free(&b);
	return ret;
}

int
nft_delete_table(char *errbuf, size_t errlen)
{
	struct mnl_socket *nl = NULL;
	struct ack_state as;
	struct batch b;
	int ret;

	say(errbuf, errlen, "%s", "");
	batch_init(&b);
	batch_table(&b, NFT_MSG_DELTABLE, 0);
	batch_end(&b);
	if ((ret = mnl_sanso_open(&nl)) < 0) {
		say(errbuf, errlen, "netlink socket: %s", strerror(-ret));
		goto cleanup;
	}
	memset(&as, 0, sizeof(as));
	as.as_b = &b;
	if ((ret = batch_talk(nl, &b, &as)) < 0) {
		say(errbuf, errlen, "sending the batch: %s", strerror(-ret));
		goto cleanup;
	}
	/* Deleting what is not there is what the caller wanted anyway. */
	if (as.as_errors > 0 && as.as_err != ENOENT) {
		if (errbuf != NULL)
			apply_error(&b, NULL, &as, errbuf, errlen);
		ret = -as.as_err;
	}
cleanup:
	if (nl != NULL)
		mnl_socket_close(nl);
	batch_free(&b);
	return ret;
}

struct counters_ctx {
	struct nft_counter_value *cc_v;
	size_t		 cc_n;
	size_t		 cc_cap;
};

static int
counter_cb(const struct nlmsghdr *nlh, void *data)
{
	struct counters_ctx *cc = data;
	struct nft_counter_value *v;
	struct nftnl_obj *o;
	const char *table, *name;

	if ((o = nftnl_obj_alloc()) == NULL)
		fatalx("%s: out of memory", __func__);
	if (nftnl_obj_nlmsg_parse(nlh, o) < 0) {
		nftnl_obj_free(o);
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	table = nftnl_obj_get_str(o, NFTNL_OBJ_TABLE);
	name = nftnl_obj_get_str(o, NFTNL_OBJ_NAME);
	if (nftnl_obj_get_u32(o, NFTNL_OBJ_FAMILY) == NFPROTO_INET &&
	    table != NULL && strcmp(table, RS_TABLE_NAME) == 0 &&
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_COUNTER &&
	    name != NULL) {
		cc->cc_v = xgrow(cc->cc_v, &cc->cc_cap, cc->cc_n, sizeof(*v));
		v = &cc->cc_v[cc->cc_n++];
		memset(v, 0, sizeof(*v));
		snprintf(v->name, sizeof(v->name), "%s", name);
		v->packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
		v->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
	}
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

int
nft_read_counters(struct nft_counter_value **out, size_t *n)
{
	struct mnl_socket *nl = NULL;
	struct counters_ctx cc;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nftnl_obj *filter;
	int ret, tries;

	*out = NULL;
	*n = 0;
	memset(&cc, 0, sizeof(cc));
	for (tries = 0; tries < 5; tries++) {
		if ((ret = mnl_sanso_open(&nl)) < 0)
			goto cleanup;
		if ((filter = nftnl_obj_alloc()) == NULL)
			fatalx("%s: out of memory", __func__);
		nftnl_obj_set_str(filter, NFTNL_OBJ_TABLE, RS_TABLE_NAME);
		nftnl_obj_set_u32(filter, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET,
		    NLM_F_DUMP, mnl_sanso_seq());
		nftnl_obj_nlmsg_build_payload(nlh, filter);
		nftnl_obj_free(filter);
		cc.cc_n = 0;
		ret = mnl_sanso_talk(nl, nlh, counter_cb, &cc);
		mnl_socket_close(nl);
		nl = NULL;
		if (ret != -EINTR)
			break;
	}
	if (ret < 0)
		goto cleanup;
	*out = cc.cc_v;
	*n = cc.cc_n;
	cc.cc_v = NULL;
cleanup:
	free(cc.cc_v);
	if (nl != NULL)
		mnl_socket_close(nl);
	return ret;
}
