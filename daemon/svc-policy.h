/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy service: check, diff, apply (optionally under a confirm
 * timer), confirm, rollback, show, and the drift check.  It owns the
 * active policy and the files under STATEDIR/policy:
 *
 *   current.yaml   the last good policy applied (and confirmed)
 *   previous.yaml  the one before it (what `rollback` returns to)
 *   pending.yaml   applied under --confirm, not yet confirmed
 *   config.sha256  digest of the -c file when it was last applied
 *
 * It reaches the kernel only through kernel.h.  Every table it applies is
 * the policy plus the isolations in force (svc-isolation.h), in one batch;
 * when the kernel's table drifts from that (a foreign nft command), it is
 * re-applied within a second and the drift recorded as events.
 */
#ifndef SANSO_SVC_POLICY_H
#define SANSO_SVC_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "diag.h"
#include "kernel.h"
#include "policy.h"
#include "state.h"

/* The largest policy text accepted, as the parser's limit. */
#define SVC_POLICY_MAX_BYTES	(16u * 1024 * 1024)
/* Longest confirm window: a day is already more than a maintenance slot. */
#define SVC_POLICY_CONFIRM_MAX	(24 * 3600)
/* Interval of the background read-back (the safety net under the netlink
 * notifications), and the pause after a notification before the check,
 * so that a burst of foreign changes costs one check and one repair. */
#define SVC_POLICY_DRIFT_MSEC		1000
#define SVC_POLICY_DEBOUNCE_MSEC	20

/**
 * struct policy_candidate - a policy text on its way in
 * @pc_name: file name as given (diagnostics point here)
 * @pc_policy: the parsed model, kept even when invalid because the
 *   validator's diagnostics point into it; NULL when parsing failed
 * @pc_valid: parsed and validated without errors
 * @pc_diags: every problem, with @pc_text attached for carets
 * @pc_unreadable: errno when the file could not be read (ENOENT: absent)
 * @pc_t0: when the candidate arrived; the apply duration counts from here
 */
struct policy_candidate {
	char		*pc_name;
	char		*pc_text;
	size_t		 pc_len;
	struct policy	*pc_policy;
	bool		 pc_valid;
	struct diags	 pc_diags;
	char		 pc_sha256[STATE_SHA256_HEX];
	int		 pc_unreadable;
	struct timespec	 pc_t0;
};

/* Parse and validate @text (copied).  Never fails: look at pc_valid. */
void	svc_policy_candidate(struct policy_candidate *, const char *name,
	    const char *text, size_t len);
/* Read @path (bounded) and do the same; a read error becomes a diagnostic. */
void	svc_policy_candidate_file(struct policy_candidate *,
	    const char *path);
void	svc_policy_candidate_free(struct policy_candidate *);

/**
 * struct policy_active - what is in force
 * @pa_rules, @pa_elements: size of the compiled ruleset
 * @pa_apply_ms: parse to kernel acknowledgement
 */
struct policy_active {
	struct policy	*pa_policy;
	char		*pa_name;
	char		*pa_text;
	size_t		 pa_len;
	char		 pa_sha256[STATE_SHA256_HEX];
	time_t		 pa_applied_at;
	double		 pa_apply_ms;
	size_t		 pa_rules;
	size_t		 pa_elements;
};

enum svc_status {
	SVC_OK,
	SVC_INVALID,		/* the policy has errors; nothing changed */
	SVC_CONFIRM_PENDING,	/* an apply waits for confirm */
	SVC_NOTHING,		/* nothing to confirm / to roll back to */
	SVC_KERNEL,		/* the kernel refused; previous table in force */
	SVC_STATE,		/* applied, but STATEDIR could not be written */
};

/**
 * struct svc_result - the outcome of a state-changing request
 * @sr_message: English sentence for the log and the API
 * @sr_apply_ms: duration of the apply, when one was made
 */
struct svc_result {
	enum svc_status	sr_status;
	char		sr_message[640];
	double		sr_apply_ms;
};

/* Daemon life cycle.  svc_policy_start() implements the start rules and
 * returns -1 (with *cause) when no valid policy exists; the kernel is then
 * untouched. */
void	svc_policy_init(const char *config_path);
int	svc_policy_start(char **cause);
void	svc_policy_reload(void);		/* SIGHUP */
void	svc_policy_free(void);

/* Requests; @actor (the unix user for now) goes into the events. */
void	svc_policy_apply(struct policy_candidate *, unsigned confirm_secs,
	    const char *actor, struct svc_result *);
void	svc_policy_confirm(const char *actor, struct svc_result *);
void	svc_policy_rollback(const char *actor, struct svc_result *);

/* Rebuild table inet sanso from the running policy and what svc-change
 * and svc-isolation hold now (an exception approved, revoked or expired),
 * in one batch.  0, or -1 with @err saying why (@trigger names the
 * cause); the previous table then stays in force. */
int	svc_policy_reapply(const char *trigger, char *err, size_t errlen);

/* The running policy (the pending one while a confirm is outstanding). */
const struct policy_active *svc_policy_running(void);
/* When a confirm is outstanding: true and its wall-clock deadline and the
 * seconds left. */
bool	svc_policy_confirm_pending(time_t *deadline, long *seconds_left);
/* The running policy's ruleset as nft syntax (caller frees). */
char	*svc_policy_nft(void);
/* Compare the kernel with the running policy (and isolations) now; the
 * table is read back when the nf_tables generation moved since it was last
 * verified. */
int	svc_policy_drift(struct kernel_drift *, time_t *checked_at);

#endif
