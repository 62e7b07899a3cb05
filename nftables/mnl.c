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
/* From this many elements on, our monitor stops listening for the batch
 * (see monitor_suspend): its buffer holds a few thousand notifications. */
#define UPDATE_QUIET	1024

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

/*
 * The socket every change of this process goes through, opened once: a
 * single element change then costs no socket setup, and the monitor can
 * tell our generations by its port id.  Reopened after fork (the child
 * must not share it) and after errors that may leave acks queued.
 */
static struct mnl_socket *shared_nl;
static pid_t	 shared_pid;
static size_t	 shared_snd, shared_rcv;	/* buffer sizes set so far */

int
mnl_sanso_shared(struct mnl_socket **out)
{
	int ret;

	if (shared_nl != NULL && shared_pid != getpid())
		mnl_sanso_shared_drop();
	if (shared_nl == NULL) {
		if ((ret = mnl_sanso_open(&shared_nl)) < 0) {
			*out = NULL;
			return ret;
		}
		shared_pid = getpid();
		shared_snd = shared_rcv = 0;
	}
	*out = shared_nl;
	return 0;
}

void
mnl_sanso_shared_drop(void)
{
	/* After fork the parent's socket is closed in the child only. */
	if (shared_nl != NULL)
		mnl_socket_close(shared_nl);
	shared_nl = NULL;
	shared_snd = shared_rcv = 0;
}

uint32_t
mnl_sanso_shared_portid(void)
{
	return shared_nl != NULL && shared_pid == getpid() ?
	    mnl_socket_get_portid(shared_nl) : 0;
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

int
nft_generation(uint32_t *gen)
{
	struct mnl_socket *nl;
	int ret;

	*gen = 0;
	if ((ret = mnl_sanso_shared(&nl)) < 0)
		return ret;
	/* A reply out of step (left over from an earlier error) would be
	 * read as the next batch's acks: start the next use afresh. */
	if ((ret = mnl_sanso_genid(nl, gen)) < 0)
		mnl_sanso_shared_drop();
	return ret;
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
	BW_UPDATE,	/* nft_update_elems(): changes of one set */
};

/**
 * struct batch_msg - one message of the batch
 * @bm_idx: index of the set, counter or chain in the ruleset; for
 *   BW_UPDATE the first change of the message
 * @bm_sub: the rule's index in its chain, or the first element sent
 * @bm_n: number of elements in a NEWSETELEM
 * @bm_err: the kernel's error for this message (positive errno), or 0
 */
struct batch_msg {
	enum batch_what	 bm_what;
	size_t		 bm_idx;
	size_t		 bm_sub;
	size_t		 bm_n;
	int		 bm_err;
};

/**
 * struct batch - messages between NFNL_MSG_BATCH_BEGIN and _END
 * @b_seq: sequence number of BATCH_BEGIN; message i has b_seq + 1 + i
 * @b_now: the time element timeouts are relative to (CLOCK_REALTIME ms)
 */
struct batch {
	struct nftnl_batch	*b_nb;
	uint32_t		 b_seq;
	struct batch_msg	*b_msgs;
	size_t			 b_n;
	size_t			 b_cap;
	int64_t			 b_now;
};

static void
batch_continue(struct batch *b)
{
	if (nftnl_batch_update(b->b_nb) < 0)
		fatalx("%s: out of memory", __func__);
}

/* @page: batch page size; small batches get small pages, so that a single
 * element change does not cost a 2 MB allocation. */
static void
batch_init(struct batch *b, size_t page)
{
	memset(b, 0, sizeof(*b));
	if ((b->b_nb = nftnl_batch_alloc(page, MSG_MAX)) == NULL)
		fatalx("%s: out of memory", __func__);
	b->b_now = rs_now_ms();
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
	m->bm_err = 0;
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

	n = build_elems(rset, b->b_now, b->b_now, &elems);
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
	if (idx != SIZE_MAX)
		b->b_msgs[idx].bm_err = -err->error;

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
		n = build_elems(s, b->b_now, b->b_now, &elems);
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
	case BW_UPDATE:		/* described by nft_update_elems() */
		snprintf(buf, len, "set elements");
		return;
	}
}

static void
set_bufsize(int fd, int force, int plain, size_t want, size_t *cur)
{
	int v = want > INT_MAX / 2 ? INT_MAX / 2 : (int)want;

	/* Only ever grow: two setsockopt calls per single-element change
	 * would be most of its cost in user space. */
	if (want <= *cur)
		return;
	*cur = want;

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
	size_t total = 0, snd = 0, rcv = 0;
	size_t *snd_cur = nl == shared_nl ? &shared_snd : &snd;
	size_t *rcv_cur = nl == shared_nl ? &shared_rcv : &rcv;
	static char buf[RECV_BUF];	/* one reply at a time */
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
	set_bufsize(fd, SO_SNDBUFFORCE, SO_SNDBUF, total + 65536, snd_cur);
	set_bufsize(fd, SO_RCVBUFFORCE, SO_RCVBUF,
	    (b->b_n + 16) * ACK_COST + 4 * RECV_BUF, rcv_cur);

	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &snl;
	msg.msg_namelen = sizeof(snl);
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)n_iov;
	if (sendmsg(fd, &msg, 0) < 0) {
		ret = -errno;
		goto cleanup;
	}

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
	/* Acks that come later would be read as the next batch's. */
	if (ret < 0 && nl == shared_nl)
		mnl_sanso_shared_drop();
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
	batch_init(&b, PAGE_SIZE_BATCH);
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

	if ((ret = mnl_sanso_shared(&nl)) < 0) {
		say(errbuf, errlen, "netlink socket: %s", strerror(-ret));
		goto cleanup;
	}
	memset(&as, 0, sizeof(as));
	as.as_b = &b;
	if (rs_n_elems(rs) >= UPDATE_QUIET)
		monitor_suspend();
	ret = batch_talk(nl, &b, &as);
	monitor_resume();
	if (ret < 0) {
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
	batch_init(&b, 4096);
	batch_table(&b, NFT_MSG_DELTABLE, 0);
	batch_end(&b);
	if ((ret = mnl_sanso_shared(&nl)) < 0) {
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

/*
 * Incremental element changes.  Kernels since 6.3 have DESTROYSETELEM,
 * which removes an element and ignores one that is not there; the UAPI
 * headers of this build (linux-libc-dev 6.1) predate it, so its number is
 * spelled out here (include/uapi/linux/netfilter/nf_tables.h, value 30).
 */
#ifndef NFT_MSG_DESTROYSETELEM
#define NFT_MSG_DESTROYSETELEM	30
#endif
#define UPDATE_TRIES	4	/* DELSETELEM fallback: retries without ENOENTs */
#define UPDATE_PAGE	(16 * 1024)

/*
 * Older kernels refuse the message type (EINVAL, or EOPNOTSUPP); from then
 * on deletions go as DELSETELEM, one change per message, and the changes
 * the kernel answers ENOENT for are dropped and the batch sent again.
 * SANSO_NFT_NO_DESTROY=1 starts in that mode (for the tests).
 */
static int destroy_mode = -1;	/* -1 unknown, 1 DESTROY, 0 DEL */

static bool
use_destroy(void)
{
	const char *e;

	if (destroy_mode < 0) {
		e = getenv("SANSO_NFT_NO_DESTROY");
		destroy_mode = e != NULL && strcmp(e, "1") == 0 ? 0 : 1;
	}
	return destroy_mode == 1;
}

/**
 * struct upd - the build elements of one nft_update_elems() call
 * @u_v: every element sent, in order
 * @u_owner: for each, the index of its change
 * @u_skip: changes left out of the next try (DELSETELEM fallback)
 */
struct upd {
	struct build_elem *u_v;
	size_t		  *u_owner;
	size_t		   u_n;
	size_t		   u_cap;
	size_t		   u_ocap;
	bool		  *u_skip;
};

static void
upd_push(struct upd *u, const struct build_elem *e, size_t owner)
{
	u->u_v = xgrow(u->u_v, &u->u_cap, u->u_n, sizeof(*u->u_v));
	u->u_owner = xgrow(u->u_owner, &u->u_ocap, u->u_n,
	    sizeof(*u->u_owner));
	u->u_v[u->u_n] = *e;
	u->u_owner[u->u_n] = owner;
	u->u_n++;
}

/* One message with elements u_v[first..first+n) of changes from @c0. */
static void
upd_msg(struct batch *b, const struct nft_elem_change *c0, bool destroy,
    size_t c_idx, const struct upd *u, size_t first, size_t n)
{
	struct nftnl_set *chunk;
	struct nlmsghdr *nlh;
	uint16_t type;

	if (c0->verb == NFT_ELEM_ADD)
		type = NFT_MSG_NEWSETELEM;
	else
		type = destroy ? NFT_MSG_DESTROYSETELEM : NFT_MSG_DELSETELEM;
	chunk = build_elems_chunk(c0->set, 0, u->u_v + first, n);
	/* Without NLM_F_EXCL an element that exists already is refreshed
	 * (its timeout replaced), which is what isolating twice means. */
	nlh = batch_msg(b, type, c0->verb == NFT_ELEM_ADD ? NLM_F_CREATE : 0,
	    BW_UPDATE, c_idx, first, n);
	nftnl_set_elems_nlmsg_build_payload(nlh, chunk);
	nftnl_set_free(chunk);
	batch_continue(b);
}

/*
 * The batch for changes v[0..n): consecutive changes of the same set and
 * verb share a message (as many elements as fit); order is kept, so "add
 * X, delete X" ends without X.  In DEL mode each deletion is a message of
 * its own, so that an ENOENT names exactly one change.
 */
static void
upd_build(struct batch *b, struct upd *u, const struct nft_elem_change *v,
    size_t n, bool destroy)
{
	struct build_elem be[2];
	struct rs_elem copy;
	size_t i, k, j, first = 0, c_first = 0, per = 0;
	const struct nft_elem_change *cur = NULL;

	u->u_n = 0;
	for (i = 0; i < n; i++) {
		if (u->u_skip != NULL && u->u_skip[i])
			continue;
		copy = *v[i].elem;
		if (v[i].verb == NFT_ELEM_DEL)
			copy.expires_ms = 0;	/* delete whatever its expiry */
		k = build_elem_one(v[i].set, &copy, b->b_now, be);
		if (k == 0)
			continue;	/* added already expired: nothing to do */
		if (cur != NULL && (cur->set != v[i].set ||
		    cur->verb != v[i].verb || u->u_n - first + k > per ||
		    (!destroy && v[i].verb == NFT_ELEM_DEL))) {
			upd_msg(b, cur, destroy, c_first, u, first,
			    u->u_n - first);
			cur = NULL;
		}
		if (cur == NULL) {
			cur = &v[i];
			c_first = i;
			first = u->u_n;
			per = build_elems_per_msg(v[i].set);
		}
		for (j = 0; j < k; j++) {
			if (v[i].verb == NFT_ELEM_DEL)
				be[j].be_timeout_ms = 0;
			upd_push(u, &be[j], i);
		}
	}
	if (cur != NULL)
		upd_msg(b, cur, destroy, c_first, u, first, u->u_n - first);
	batch_end(b);
}

static void
upd_error(const struct batch *b, const struct upd *u,
    const struct nft_elem_change *v, const struct ack_state *as,
    char *errbuf, size_t errlen)
{
	const struct batch_msg *m;
	const struct nft_elem_change *c;
	char e[160], what[RS_NAME_MAX + 200];
	size_t gi, start;

	if (as->as_err_msg == SIZE_MAX) {
		snprintf(what, sizeof(what), "the batch");
	} else {
		m = &b->b_msgs[as->as_err_msg];
		c = &v[m->bm_idx];
		gi = SIZE_MAX;
		if (as->as_err_elem >= 0 && (size_t)as->as_err_elem < m->bm_n)
			gi = m->bm_sub + (size_t)as->as_err_elem;
		else if (m->bm_n > 0 && u->u_owner[m->bm_sub] ==
		    u->u_owner[m->bm_sub + m->bm_n - 1])
			gi = m->bm_sub;	/* the message is one change */
		if (gi != SIZE_MAX) {
			c = &v[u->u_owner[gi]];
			/* Describe from the change's first element (an
			 * interval start, whose end follows). */
			for (start = gi; start > 0 &&
			    u->u_owner[start - 1] == u->u_owner[gi]; start--)
				;
			build_elem_describe(c->set, u->u_v, u->u_n, start, e,
			    sizeof(e));
			snprintf(what, sizeof(what), "%s element %s of set %s",
			    c->verb == NFT_ELEM_ADD ? "adding" : "deleting", e,
			    c->set->name);
		} else
			snprintf(what, sizeof(what), "%s %zu element%s of set "
			    "%s", c->verb == NFT_ELEM_ADD ? "adding" :
			    "deleting", m->bm_n, m->bm_n == 1 ? "" : "s",
			    c->set->name);
	}
	snprintf(errbuf, errlen, "kernel refused %s: %s%s%s%s", what,
	    strerror(as->as_err), as->as_extack[0] ? " (" : "",
	    as->as_extack, as->as_extack[0] ? ")" : "");
}

/* DEL mode: mark the deletions the kernel did not find; true when that
 * was every error (so the batch can go again without them). */
static bool
upd_skip_missing(const struct batch *b, size_t n_changes, bool **skip)
{
	size_t i;
	bool only_missing = true;

	if (*skip == NULL)
		*skip = xcalloc(n_changes, sizeof(**skip));
	for (i = 0; i < b->b_n; i++) {
		if (b->b_msgs[i].bm_err == 0)
			continue;
		if (b->b_msgs[i].bm_what == BW_UPDATE &&
		    b->b_msgs[i].bm_err == ENOENT)
			(*skip)[b->b_msgs[i].bm_idx] = true;
		else
			only_missing = false;
	}
	return only_missing;
}

int
nft_update_elems(const struct nft_elem_change *v, size_t n, char *errbuf,
    size_t errlen)
{
	struct mnl_socket *nl;
	struct ack_state as;
	struct batch b;
	struct upd u;
	char dummy[8];
	size_t i, page;
	bool destroy, has_del = false;
	int ret = 0, tries;

	if (errbuf == NULL || errlen == 0) {
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	errbuf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (v[i].set == NULL || v[i].elem == NULL) {
			say(errbuf, errlen, "change %zu: no set or element", i);
			return -EINVAL;
		}
		has_del |= v[i].verb == NFT_ELEM_DEL;
	}
	if (n == 0)
		return 0;
	memset(&u, 0, sizeof(u));
	memset(&b, 0, sizeof(b));
	/* Roughly 40 bytes an element; small changes get small pages. */
	page = n * 64 < UPDATE_PAGE ? UPDATE_PAGE : PAGE_SIZE_BATCH;
	for (tries = 0; tries < UPDATE_TRIES; tries++) {
		destroy = use_destroy();
		batch_free(&b);
		batch_init(&b, page);
		upd_build(&b, &u, v, n, destroy);
		if (b.b_n == 0)
			break;		/* nothing left to change */
		if ((ret = mnl_sanso_shared(&nl)) < 0) {
			say(errbuf, errlen, "netlink socket: %s",
			    strerror(-ret));
			goto cleanup;
		}
		memset(&as, 0, sizeof(as));
		as.as_b = &b;
		if (n >= UPDATE_QUIET)
			monitor_suspend();
		ret = batch_talk(nl, &b, &as);
		monitor_resume();
		if (ret < 0) {
			say(errbuf, errlen, "sending the batch: %s%s",
			    strerror(-ret), ret == -ENOBUFS ? " (the changes "
			    "may or may not have been made)" : "");
			goto cleanup;
		}
		if (as.as_errors == 0)
			break;
		if (destroy && has_del && (as.as_err == EINVAL ||
		    as.as_err == EOPNOTSUPP) && as.as_err_msg != SIZE_MAX &&
		    b.b_msgs[as.as_err_msg].bm_what == BW_UPDATE &&
		    v[b.b_msgs[as.as_err_msg].bm_idx].verb == NFT_ELEM_DEL) {
			/* A kernel before 6.3: nothing was changed. */
			log_debug("%s: no DESTROYSETELEM (%s), deleting with "
			    "DELSETELEM", __func__, strerror(as.as_err));
			destroy_mode = 0;
			continue;
		}
		if (!destroy && upd_skip_missing(&b, n, &u.u_skip))
			continue;	/* again, without what was not there */
		upd_error(&b, &u, v, &as, errbuf, errlen);
		ret = -as.as_err;
		goto cleanup;
	}
	if (tries == UPDATE_TRIES) {
		say(errbuf, errlen, "set elements kept changing under us");
		ret = -EAGAIN;
	}
cleanup:
	batch_free(&b);
	free(u.u_v);
	free(u.u_owner);
	free(u.u_skip);
	return ret;
}
