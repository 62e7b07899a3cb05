/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel side of sanso.  Everything that speaks netlink is behind these
 * functions (the wireguard-tools ipc.h idea): callers hand over a struct
 * ruleset and get back 0 or -errno with a message.
 */
#ifndef SANSO_NFT_H
#define SANSO_NFT_H

#include <stdbool.h>
#include <stddef.h>

#include "ruleset.h"

/**
 * nft_apply - replace table inet sanso with @rs in ONE netlink batch
 * (create-if-absent, delete, recreate, all sets, elements, counters, chains,
 * rules), so the kernel swaps it atomically or not at all.  Never touches
 * any other table.
 * @errbuf: on failure, a message naming the object the kernel refused
 *   (with the rule's comment when the error can be traced to a rule)
 * Returns 0, or -errno.
 */
int	nft_apply(const struct ruleset *rs, char *errbuf, size_t errlen);

/**
 * struct nft_drift - result of comparing the kernel's table with a ruleset
 * @present: the table exists
 * @match: every set, element, counter, chain and rule is as intended
 * @detail: human-readable first differences ("" when matching)
 */
struct nft_drift {
	bool	present;
	bool	match;
	char	detail[512];
};

/* Read table inet sanso back and compare it with @rs.  Returns 0 or -errno
 * (for failures to read, not for differences). */
int	nft_check_drift(const struct ruleset *rs, struct nft_drift *out);

/* Remove table inet sanso if it exists (used by tests and `sansod --flush`
 * style cleanup; never touches other tables).  Returns 0 or -errno. */
int	nft_delete_table(char *errbuf, size_t errlen);

/* Per named counter packets and bytes, for `status` and metrics later. */
struct nft_counter_value {
	char		name[RS_NAME_MAX];
	uint64_t	packets;
	uint64_t	bytes;
};
int	nft_read_counters(struct nft_counter_value **out, size_t *n);

#endif
