/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The change service: two-person policy changes (002 §8-1, §53-3),
 * exceptions (例外措置, 002 §99-§101), the break-glass path (002 §100) and
 * the review queue.
 *
 * A policy change is proposed (text, validation and diff stored against
 * the running policy's digest), approved by another person, then applied
 * through svc-policy (optionally under its confirm timer).  A proposal
 * whose base is no longer the running policy is stale and can be neither
 * approved nor applied.
 *
 * An exception is a temporary conduit: validated like a policy conduit by
 * merging it into a copy of the running policy, approved by another
 * person, in force at once (the compiled table is the running policy plus
 * every active exception: svc-policy asks svc_change_merged() before it
 * compiles) and removed when it expires, by a timer and at start before the
 * first apply.
 *
 * With approvals.break_glass (sansod.yaml) one person may apply a proposal
 * or activate an exception alone; that is recorded, flagged and queued for
 * review, as is every CSIRT isolation.
 */
#ifndef SANSO_SVC_CHANGE_H
#define SANSO_SVC_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "policy.h"
#include "store-change.h"
#include "svc-policy.h"

#define SVC_CHANGE_REASON_MAX	1024	/* bytes of a reason or comment */
/* The name part of "x-<id>-<name>": the whole must be a policy name. */
#define SVC_CHANGE_NAME_MAX	20
#define SVC_CHANGE_SERVICES_MAX	16
/* The review list answers with at most this many items. */
#define SVC_CHANGE_REVIEW_LIMIT	1000

enum svc_change_status {
	SCH_OK,
	SCH_INVALID,		/* a request field is wrong (cr_field) */
	SCH_NOT_FOUND,
	SCH_SELF,		/* one's own proposal or request (002 §8-1) */
	SCH_STATE,		/* not in a state that allows it */
	SCH_STALE,		/* the running policy changed meanwhile */
	SCH_DISABLED,		/* break glass is off (approvals.break_glass) */
	SCH_REFUSED,		/* the validator said no: cr_diags */
	SCH_PENDING,		/* a confirm window is open (svc-policy) */
	SCH_KERNEL,		/* the kernel refused; nothing changed */
	SCH_STORE,		/* the store failed */
};

/**
 * struct svc_change_result
 * @cr_field: the request field at fault ("services[1]")
 * @cr_diags: the validator's diagnostics (SCH_REFUSED, and the warnings of
 *   a proposal); svc_change_result_free() frees them
 * @cr_id: the proposal or exception the request made or touched
 * @cr_apply_ms: when a policy apply ran, its duration
 */
struct svc_change_result {
	enum svc_change_status	cr_status;
	char			cr_field[48];
	char			cr_message[640];
	struct diags		cr_diags;
	int64_t			cr_id;
	double			cr_apply_ms;
};

void	svc_change_result_init(struct svc_change_result *);
void	svc_change_result_free(struct svc_change_result *);

/**
 * struct svc_exception_req - an exception request
 * @er_name: optional short name; the conduit is "x-<id>-<name>"
 * @er_duration_s: how long it lasts once approved
 */
struct svc_exception_req {
	const char		 *er_name;
	const char		 *er_from;
	const char		 *er_to;
	const char *const	 *er_services;
	size_t			  er_n_services;
	const char		 *er_via;
	const char		 *er_approval;
	const char		 *er_reason;
	const char		 *er_actor;
	int64_t			  er_duration_s;
};

/* Load the exceptions in force from @st (which stays the caller's),
 * expiring what ran out while sansod was down.  Call before the first
 * policy apply.  0, or -1 with *cause set. */
int	svc_change_init(struct store *st, char **cause);
void	svc_change_free(void);

/*
 * For svc-policy's compiler: the policy @text (valid) with every active
 * exception merged in, or NULL when no exception is active (compile the
 * policy itself).  Exceptions that no longer validate against @text are
 * left out and reported.  The caller frees the result.
 */
struct policy *svc_change_merged(const char *name, const char *text,
	    size_t len);

/* Proposals.  @pc must be valid; its diagnostics and the diff against
 * the running policy are stored with it. */
void	svc_change_propose(const struct policy_candidate *pc,
	    const char *reason, const char *actor, struct svc_change_result *);
void	svc_change_approve(int64_t id, const char *actor, const char *comment,
	    struct svc_change_result *);
void	svc_change_reject(int64_t id, const char *actor, const char *reason,
	    struct svc_change_result *);
/* Apply an approved proposal; with @break_glass a proposed one, alone. */
void	svc_change_apply(int64_t id, unsigned confirm_secs, bool break_glass,
	    const char *actor, const char *reason, struct svc_change_result *);
/* Every proposal (without texts) and one's trail. */
int	svc_change_list(struct change_proposal **v, size_t *n);
int	svc_change_trail(const char *subject, int64_t id,
	    struct change_decision **v, size_t *n);
/* Whether a proposed/approved proposal's base is still what runs. */
bool	svc_change_is_stale(const struct change_proposal *);

/* Exceptions. */
void	svc_change_exception_request(const struct svc_exception_req *,
	    struct svc_change_result *);
/* Approve (another person) or, with @break_glass, activate alone. */
void	svc_change_exception_approve(int64_t id, bool break_glass,
	    const char *actor, const char *comment, struct svc_change_result *);
/* Reject a request, or revoke an active exception at once. */
void	svc_change_exception_reject(int64_t id, const char *actor,
	    const char *reason, struct svc_change_result *);
int	svc_change_exception_list(struct change_exception **v, size_t *n);
/* Whether an active exception is in the ruleset (false when the running
 * policy no longer admits it). */
bool	svc_change_exception_in_force(int64_t id);

/* Review queue. */
int	svc_change_review_list(bool pending_only, struct review_item **v,
	    size_t *n, size_t *total);
void	svc_change_review_ack(const char *kind, int64_t ref, const char *actor,
	    const char *comment, struct svc_change_result *);

const char *svc_change_store_error(void);

#endif
