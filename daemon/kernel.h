/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The narrow interface to the part of sansod that holds CAP_NET_ADMIN
 * (DESIGN.md §3).  Services ask it to apply a ruleset, change elements of
 * the applied one's sets, compare the kernel with what was applied, read
 * the counters, cut connections, look up neighbours and watch for foreign
 * changes to the table.  Today the
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

#include "../nftables/ruleset.h"

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
 * @kd_missing: the only differences are this many elements missing from
 *   hash sets (0 otherwise): kernel_repair_missing() adds them back
 */
struct kernel_drift {
	bool	kd_applied;
	bool	kd_present;
	bool	kd_match;
	char	kd_detail[512];
	size_t	kd_missing;
};

/* Returns 0 (with @out filled) or -errno when the table cannot be read. */
int	kernel_check_drift(struct kernel_drift *out);
/* After a check that set kd_missing: add those elements back in one
 * element batch instead of rebuilding the table (a hand-deleted isolation
 * comes back in milliseconds, not the ~1 s of rebuilding 100 000).
 * Returns how many, or -errno (-ESRCH: the last check found more). */
int	kernel_repair_missing(char *err, size_t errlen);
/*
 * The same, but without reading the table back when the nf_tables
 * generation is still one at which the table was verified (by a full
 * check that matched, or a change of ours on top of one) and the monitor
 * reported no foreign change since: @out then says "match" again and
 * *read_back is false.  kernel.c explains why that is safe.
 */
int	kernel_check_drift_quick(struct kernel_drift *out, bool *read_back);

struct kernel_counter {
	char		kc_name[64];
	uint64_t	kc_packets;
	uint64_t	kc_bytes;
};

/* The named counters of the table; *out is freed by the caller. */
int	kernel_read_counters(struct kernel_counter **out, size_t *n);

/* Forward drops per interface pair (the denypairs set's element counters,
 * for metrics); *out is freed by the caller.  0 or -errno. */
struct kernel_pair_counter {
	char		kp_iif[RS_IFNAME_MAX];
	char		kp_oif[RS_IFNAME_MAX];
	uint64_t	kp_packets;
	uint64_t	kp_bytes;
};
int	kernel_read_pair_counters(struct kernel_pair_counter **out, size_t *n);

/* --- incremental changes (isolation; later devices and quarantine) --- */

enum kernel_elem_verb {
	KERNEL_ELEM_ADD,	/* add, or refresh an existing element */
	KERNEL_ELEM_DEL,	/* remove; a missing element is fine */
};

/**
 * struct kernel_elem_change - one element of one set of the applied table
 * @kec_set: set name, e.g. "iso4"
 * @kec_elem: the element (expires_ms becomes its timeout on ADD)
 */
struct kernel_elem_change {
	enum kernel_elem_verb	 kec_verb;
	const char		*kec_set;
	struct rs_elem		 kec_elem;
};

/*
 * All of @v in ONE netlink batch, in order (a DEL before an ADD of the same
 * key replaces it).  On success the applied ruleset (the drift reference)
 * changes the same way, except for dynamic sets whose contents the kernel
 * owns.  Returns 0, or -errno with @err saying what was refused; then
 * nothing changed.
 */
int	kernel_update_elems(const struct kernel_elem_change *v, size_t n,
	    char *err, size_t errlen);
/* A set of the applied ruleset (read only), or NULL. */
const struct rs_set *kernel_applied_set(const char *name);

/* An address or prefix for conntrack and neighbour requests. */
struct kernel_addr {
	int	kad_family;		/* AF_INET or AF_INET6 */
	uint8_t	kad_addr[16];
	uint8_t	kad_plen;
};

/* Delete the conntrack entries from or to any of @v (this namespace).
 * Returns how many, or -errno. */
int	kernel_ct_flush(const struct kernel_addr *v, size_t n);
/* The addresses the neighbour tables map to @mac; *out is freed by the
 * caller.  Returns 0 or -errno. */
int	kernel_neigh_addrs(const uint8_t mac[6], struct kernel_addr **out,
	    size_t *n);

/* Foreign changes to table inet sanso: a non-blocking fd to watch, and a
 * drain that says whether anything not made by us happened (then, or when
 * the drain fails, the next kernel_check_drift_quick() reads the table). */
int	kernel_monitor_open(void);
int	kernel_monitor_read(int fd, bool *foreign);
/* After a read that said *foreign: when all the foreign batches did was
 * delete elements of hash sets, add back those the applied table holds,
 * from the notifications alone (no read-back: ~1 s with 100 000
 * isolations).  Returns how many, -ESRCH when only a read-back can tell
 * what changed, or -errno. */
int	kernel_repair_deleted(char *err, size_t errlen);
void	kernel_monitor_close(int fd);

/* Forget the applied ruleset (at exit; the kernel table stays). */
void	kernel_free(void);

#endif
