/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: bytes as one nflog datagram (a batch of messages)
 * through nflog_feed, which parses, counts and skips what is bad. */
#include <stdint.h>
#include <stdlib.h>

#include "../../nftables/nflog.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_cb(const struct nflog_packet *pk, void *arg)
{
	size_t *n = arg;

	/* Read what a consumer reads: the prefix must be a string. */
	if (pk->np_prefix[sizeof(pk->np_prefix) - 1] != '\0' ||
	    pk->np_hwlen > NFLOG_HWADDR_MAX)
		abort();
	(*n)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nflog *l = nflog_detached();
	const struct nflog_stats *st = nflog_stats(l);
	size_t n = 0, seen;

	seen = nflog_feed(l, data, size, fuzz_cb, &n);
	/* Every packet message is counted exactly once. */
	if (st->ns_received != seen ||
	    st->ns_parsed + st->ns_garbage + st->ns_truncated != seen ||
	    st->ns_parsed != n)
		abort();
	nflog_close(l);
	return 0;
}
