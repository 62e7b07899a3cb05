/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The store's side of two-person changes (002 §8-1, §53-3): policy change
 * proposals, exceptions (例外措置, 002 §99-§101) with their decision trail,
 * and the review queue of what was done without a second person (break
 * glass, 002 §100) or at once by CSIRT (isolations, read from their
 * history).  Every rule that decides whether a step is allowed (not your
 * own proposal, not a stale one, not twice) is checked here inside the same
 * transaction that records the step, so a check and its write cannot be
 * separated.
 */
#ifndef SANSO_STORE_CHANGE_H
#define SANSO_STORE_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* The schema of all this: one migration, appended to store.c's list. */
extern const char store_change_migration[];

enum store_change_status {
	STC_OK,
	STC_NOT_FOUND,
	STC_SELF,	/* the actor proposed or requested it (002 §8-1) */
	STC_STATE,	/* its state does not allow this step */
	STC_STALE,	/* the running policy changed since it was proposed */
	STC_ERROR,	/* the store failed: store_error() */
};

/**
 * struct change_proposal - a proposed policy change
 * @cp_text: the candidate policy (NULL when listed without texts)
 * @cp_sha256: digest of @cp_text
 * @cp_base_sha256: the running policy's digest when it was proposed; the
 *   proposal is stale once the running policy is another
 * @cp_diagnostics: the validator's diagnostics (JSON array text)
 * @cp_diff: policy_diff() against the base (JSON object text)
 * @cp_diff_text: the same as lines
 * @cp_state: "proposed", "approved", "rejected", "applied" or "stale"
 * @cp_break_glass: applied without a second person
 */
struct change_proposal {
	int64_t		 cp_id;
	char		*cp_name;
	char		*cp_text;
	char		*cp_sha256;
	char		*cp_base_sha256;
	char		*cp_reason;
	char		*cp_proposer;
	char		*cp_state;
	char		*cp_diagnostics;
	char		*cp_diff;
	char		*cp_diff_text;
	int64_t		 cp_created_ms;
	int64_t		 cp_updated_ms;
	bool		 cp_break_glass;
};

/**
 * struct change_decision - one step of a proposal's or exception's trail
 * @dc_subject: "change" or "exception"
 * @dc_action: "propose", "approve", "reject", "apply", "break-glass",
 *   "stale" (changes); "request", "approve", "reject", "revoke",
 *   "break-glass", "expire" (exceptions)
 */
struct change_decision {
	int64_t		 dc_id;
	char		*dc_subject;
	int64_t		 dc_subject_id;
	char		*dc_action;
	char		*dc_actor;
	char		*dc_comment;
	int64_t		 dc_at_ms;
};

/**
 * struct change_exception - a temporary conduit (例外措置)
 * @ex_conduit: the conduit's name in the ruleset, "x-<id>" or
 *   "x-<id>-<name>", so that `nft list` shows where a rule comes from
 * @ex_from, @ex_to: zone or host names, as in a policy conduit
 * @ex_services: service names of the policy, or "tcp/N", "udp/N-M", "icmp"
 * @ex_via, @ex_approval: as a policy conduit's (NULL when absent)
 * @ex_duration_s: how long it lasts once approved
 * @ex_expires_ms: set when it becomes active (unix ms), else 0
 * @ex_state: "requested", "active", "rejected", "revoked" or "expired"
 */
struct change_exception {
	int64_t		 ex_id;
	char		*ex_conduit;
	char		*ex_from;
	char		*ex_to;
	char		**ex_services;
	size_t		 ex_n_services;
	char		*ex_via;
	char		*ex_approval;
	char		*ex_reason;
	char		*ex_requester;
	char		*ex_state;
	int64_t		 ex_duration_s;
	int64_t		 ex_created_ms;
	int64_t		 ex_expires_ms;
	int64_t		 ex_updated_ms;
	bool		 ex_break_glass;
};

/**
 * struct review_item - something done without a second person
 * @rv_kind: "change" (break-glass apply), "exception" (break-glass
 *   exception) or "isolation" (CSIRT, from the isolation history)
 * @rv_ref: the proposal, exception or isolation history id
 * @rv_ack_actor: who reviewed it, NULL while pending
 */
struct review_item {
	char		*rv_kind;
	int64_t		 rv_ref;
	char		*rv_actor;
	char		*rv_summary;
	char		*rv_ticket;
	int64_t		 rv_at_ms;
	char		*rv_ack_actor;
	char		*rv_ack_comment;
	int64_t		 rv_ack_ms;
};

void	change_proposal_free_fields(struct change_proposal *);
void	change_proposals_free(struct change_proposal *, size_t n);
void	change_decisions_free(struct change_decision *, size_t n);
void	change_exception_free_fields(struct change_exception *);
void	change_exceptions_free(struct change_exception *, size_t n);
void	review_items_free(struct review_item *, size_t n);

/* Record a proposal (state "proposed") and its "propose" step; sets
 * cp_id.  0 or -1. */
int	store_change_propose(struct store *, struct change_proposal *);
/* One proposal, with its text when @text; STC_OK, STC_NOT_FOUND or
 * STC_ERROR. */
enum store_change_status store_change_get(struct store *, int64_t id,
	    bool text, struct change_proposal *out);
/* Every proposal without texts, oldest first. */
int	store_change_list(struct store *, struct change_proposal **out,
	    size_t *n);
/*
 * Approve: the proposal must be "proposed", @actor must not be its
 * proposer (STC_SELF), and @running_sha256 must be its base (else it is
 * marked "stale" and STC_STALE comes back).
 */
enum store_change_status store_change_approve(struct store *, int64_t id,
	    const char *actor, const char *comment,
	    const char *running_sha256, int64_t now_ms);
/* Reject a "proposed" or "approved" proposal (its proposer may withdraw
 * it this way). */
enum store_change_status store_change_reject(struct store *, int64_t id,
	    const char *actor, const char *comment, int64_t now_ms);
/*
 * May @id be applied now?  Normally it must be "approved"; with
 * @break_glass "proposed" will do.  Stale as for approve.  On STC_OK *out
 * holds the proposal with its text.  Nothing is written but a "stale"
 * mark.
 */
enum store_change_status store_change_check_apply(struct store *,
	    int64_t id, bool break_glass, const char *running_sha256,
	    int64_t now_ms, struct change_proposal *out);
/* Record that @id was applied ("apply" or "break-glass" step; break glass
 * also queues it for review with @comment as the reason). */
int	store_change_applied(struct store *, int64_t id, const char *actor,
	    const char *comment, bool break_glass, int64_t now_ms);

/* The trail of one subject ("change" or "exception"), oldest first. */
int	store_decisions(struct store *, const char *subject, int64_t id,
	    struct change_decision **out, size_t *n);

/* The id the next exception gets (its conduit is named after it). */
int	store_exception_next_id(struct store *, int64_t *id);
/* Record a request with ex_id from store_exception_next_id() (state
 * "requested") and its "request" step. */
int	store_exception_request(struct store *,
	    const struct change_exception *);
enum store_change_status store_exception_get(struct store *, int64_t id,
	    struct change_exception *out);
/* All exceptions (@active_only: the active ones), oldest first. */
int	store_exception_list(struct store *, bool active_only,
	    struct change_exception **out, size_t *n);
/*
 * Make a "requested" exception active until @expires_ms.  @actor may not
 * be its requester (STC_SELF) unless @break_glass, which also queues it
 * for review.
 */
enum store_change_status store_exception_activate(struct store *,
	    int64_t id, const char *actor, const char *comment,
	    bool break_glass, int64_t expires_ms, int64_t now_ms);
/* Reject a "requested" exception, or revoke an "active" one (*revoked). */
enum store_change_status store_exception_reject(struct store *, int64_t id,
	    const char *actor, const char *comment, int64_t now_ms,
	    bool *revoked);
/* Mark active exceptions whose expiry is <= @now_ms "expired"; returns
 * their ids (caller frees). */
int	store_exception_expire(struct store *, int64_t now_ms, int64_t **ids,
	    size_t *n);

/* The review queue: break-glass steps and isolations, oldest first, at
 * most @limit (pending ones only with @pending_only); *total counts what
 * the filter matches. */
int	store_review_list(struct store *, bool pending_only, size_t limit,
	    struct review_item **out, size_t *n, size_t *total);
/* Mark one item reviewed.  STC_NOT_FOUND, STC_SELF (its own actor may not
 * review it) or STC_STATE (reviewed already). */
enum store_change_status store_review_ack(struct store *, const char *kind,
	    int64_t ref, const char *actor, const char *comment,
	    int64_t now_ms);

#endif
