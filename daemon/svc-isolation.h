/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The isolation service (002 §82(7), §85, §98, §104-3): CSIRT cuts an
 * address, a prefix or a MAC off from everything through the gateway,
 * except the hosts it keeps (EDR, forensics), at once and including open
 * connections, until released or until its TTL runs out.
 *
 * Durability order of every change: validate, commit to the store
 * (synchronous=FULL), ONE kernel batch, conntrack flush, reply.  A kernel
 * refusal undoes the rows.  After a crash anywhere the start-up rebuild
 * (policy + store in one batch) makes kernel and store agree, and every
 * change that was acknowledged is in force.  It reaches the kernel only
 * through kernel.h.
 */
#ifndef SANSO_SVC_ISOLATION_H
#define SANSO_SVC_ISOLATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isolation-target.h"
#include "store.h"

struct ruleset;

#define SVC_ISOLATION_REASON_MAX	1024	/* bytes */
#define SVC_ISOLATION_TICKET_MAX	128
#define SVC_ISOLATION_KEEP_MAX		16	/* kept hosts per isolation */
#define SVC_ISOLATION_BULK_MAX		1000000	/* targets per bulk request */
/* Rows are expired this long before their time, so that our own delete
 * reaches the kernel no later than the kernel's timeout and the drift
 * check never sees the two disagree. */
#define SVC_ISOLATION_EXPIRY_SLACK_MS	50
#define SVC_ISO_CT_QUEUED		(-2)

/**
 * struct svc_isolation_req - an isolate request (single or bulk)
 * @ir_target: the single target (svc_isolation_isolate)
 * @ir_targets: the bulk targets (svc_isolation_bulk)
 * @ir_ttl: seconds, 0 = until released
 * @ir_keep: kept hosts (single only)
 * @ir_actor: who asks (the unix user for now)
 */
struct svc_isolation_req {
	const char		 *ir_target;
	const char *const	 *ir_targets;
	size_t			  ir_n_targets;
	const char		 *ir_reason;
	const char		 *ir_ticket;
	const char		 *ir_actor;
	const char		 *ir_role;	/* for the audit trail */
	int64_t			  ir_ttl;
	const char *const	 *ir_keep;
	size_t			  ir_n_keep;
	bool			  ir_wait_conntrack;
};

enum svc_isolation_status {
	SVC_ISO_OK,
	SVC_ISO_INVALID,	/* a field is wrong (ir_field); nothing changed */
	SVC_ISO_NOT_ISOLATED,	/* release of something not isolated */
	SVC_ISO_KERNEL,		/* the kernel refused; rows undone */
	SVC_ISO_STORE,		/* the store failed; nothing changed */
};

/**
 * struct svc_isolation_result
 * @ir_field: the request field at fault ("reason", "targets[3]", "keep[0]")
 * @ir_message: English sentence, starting with the field when there is one
 * @ir_already: the target was isolated before (its row was updated)
 * @ir_isolated, @ir_n_already: bulk counts (new, updated)
 * @ir_conntrack_deleted: entries cut (ir_wait_conntrack), -1 when the
 *   deletion failed, SVC_ISO_CT_QUEUED when it was handed to the worker
 *   (its result becomes an isolation.conntrack event)
 * @ir_row: single isolate: the row now in force (valid until the next
 *   change)
 */
struct svc_isolation_result {
	enum svc_isolation_status ir_status;
	char			  ir_field[48];
	char			  ir_message[640];
	bool			  ir_already;
	size_t			  ir_isolated;
	size_t			  ir_n_already;
	int			  ir_conntrack_deleted;
	const struct isolation	 *ir_row;
};

/* Load the isolations from @st (which stays the caller's) and expire what
 * ran out while the daemon was down.  Call before the first policy apply.
 * Returns 0, or -1 with *cause set. */
int	svc_isolation_init(struct store *st, char **cause);
void	svc_isolation_free(void);

void	svc_isolation_isolate(const struct svc_isolation_req *,
	    struct svc_isolation_result *);
void	svc_isolation_bulk(const struct svc_isolation_req *,
	    struct svc_isolation_result *);
void	svc_isolation_release(const char *target, const char *reason,
	    const char *actor, const char *role,
	    struct svc_isolation_result *);

/* The isolations in force, oldest first (array freed by the caller; the
 * rows stay the service's). */
const struct isolation **svc_isolation_list(size_t *n);
size_t	svc_isolation_count(void);

/* Add the isolation sets, counter and rules for everything in force to @rs
 * (a freshly compiled policy).  With @learn, the addresses the neighbour
 * tables map to isolated MACs are put in the learn sets so that a fresh
 * table cuts them at once. */
void	svc_isolation_compile(struct ruleset *rs, bool learn);
/* Remove from store and kernel what has expired by now (the timer does
 * this; the drift check calls it first so its reference is current). */
void	svc_isolation_expire_due(void);

#endif
