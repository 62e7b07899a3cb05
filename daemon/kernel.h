/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The narrow interface to the part of sansod that holds CAP_NET_ADMIN
 * (DESIGN.md §3).  Services ask it for three things: apply a ruleset,
 * compare the kernel with what was applied, read the counters.  Today the
 * calls run in-process; each is shaped as one request and one reply of
 * plain data so that it can move behind a socketpair to a privileged
 * process without changing its callers.  Request handlers never call
 * nft_* directly.
 */
#ifndef SANSO_KERNEL_H
#define SANSO_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ruleset;

enum kernel_apply_flags {
	/* Leave the table alone when it already equals @rs (at start: a
	 * restart must not reset counters or flap anything). */
	KERNEL_APPLY_IF_CHANGED = 1 << 0,
};

/**
 * struct kernel_apply_result
 * @ka_applied: a batch was sent (false when IF_CHANGED found it equal)
 * @ka_usec: time the kernel side spent (build, send, acks)
 * @ka_error: on failure, what the kernel refused
 */
struct kernel_apply_result {
	bool		 ka_applied;
	uint64_t	 ka_usec;
	char		 ka_error[512];
};

/*
 * Replace table inet sanso with @rs in one batch.  On success the kernel
 * side keeps @rs (it is what kernel_check_drift() compares with) and the
 * caller must not use it again; on failure the caller still owns it and the
 * previous table is still in force.  Returns 0 or -errno.
 */
int	kernel_apply(struct ruleset *rs, int flags,
	    struct kernel_apply_result *res);

/**
 * struct kernel_drift - the kernel's table compared with the last apply
 * @kd_applied: something was applied since start (otherwise no reference)
 * @kd_present: table inet sanso exists
 * @kd_match: it is exactly what was applied
 * @kd_detail: the first differences, or why the check failed
 */
struct kernel_drift {
	bool	kd_applied;
	bool	kd_present;
	bool	kd_match;
	char	kd_detail[512];
};

/* Returns 0 (with @out filled) or -errno when the table cannot be read. */
int	kernel_check_drift(struct kernel_drift *out);

struct kernel_counter {
	char		kc_name[64];
	uint64_t	kc_packets;
	uint64_t	kc_bytes;
};

/* The named counters of the table; *out is freed by the caller. */
int	kernel_read_counters(struct kernel_counter **out, size_t *n);

/* Forget the applied ruleset (at exit; the kernel table stays). */
void	kernel_free(void);

#endif
