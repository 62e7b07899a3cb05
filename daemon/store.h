/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Durable state in SQLite under STATEDIR (store.db): WAL, foreign keys on,
 * synchronous=FULL so an acknowledged change survives power loss, and
 * numbered schema migrations.  Everything in the kernel that is not in the
 * policy file is derivable from here.  Later issues add devices, checkouts,
 * approvals, users and the audit chain as further migrations.
 */
#ifndef SANSO_STORE_H
#define SANSO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* Open (creating) STATEDIR/store.db and run pending migrations.  Returns
 * NULL and sets *cause on failure (the database names the file). */
struct store	*store_open(const char *statedir, char **cause);
void		 store_close(struct store *);
int		 store_schema_version(struct store *);

/* One transaction around several writes (bulk isolation): 0 or -1.  A
 * write that fails inside it dooms it: store_commit() then fails and rolls
 * everything back, so nothing half-done becomes durable. */
int		 store_begin(struct store *);
/* A read transaction (several queries, one snapshot, one lock); ended by
 * store_commit() or store_rollback().  0 or -1. */
int		 store_begin_read(struct store *);
int		 store_commit(struct store *);
void		 store_rollback(struct store *);
/*
 * Around a transaction of very many rows (a bulk isolation of 100 000): its
 * commit does not checkpoint, which would copy the whole log into the
 * database (40 ms) before the caller has its answer; the caller runs
 * store_checkpoint() once the answer is out.
 */
void		 store_bulk_begin(struct store *);
void		 store_bulk_end(struct store *);
/* Copy the log into the database if no reader is in the way (PASSIVE). */
int		 store_checkpoint(struct store *);

/**
 * struct isolation - a CSIRT isolation (002 §82(7), §85)
 * @is_target: canonical text: "10.20.0.100", "10.20.0.0/24",
 *   "fd00:20::100", "52:54:00:0a:00:05"
 * @is_kind: "ip", "prefix" or "mac"
 * @is_created_ms, @is_expires_ms: unix ms; expires 0 = no TTL
 * @is_keep: addresses that stay reachable (EDR, forensics)
 */
struct isolation {
	int64_t		 is_id;
	char		*is_target;
	char		*is_kind;
	char		*is_reason;
	char		*is_ticket;	/* NULL when none */
	char		*is_actor;
	int64_t		 is_created_ms;
	int64_t		 is_expires_ms;
	char		**is_keep;
	size_t		 is_n_keep;
};

void		 isolation_free_fields(struct isolation *);
void		 isolations_free(struct isolation *, size_t n);

/* Insert, or update the existing row of the same target (reason, ticket,
 * actor, expiry and keep list are replaced; created stays).  *existed tells
 * which.  0 or -1 (message in store_error()). */
int		 store_isolation_put(struct store *, const struct isolation *,
		    bool *existed);
/*
 * A bulk: each of @targets (@kinds[i] "ip", "prefix" or "mac") inserted,
 * or its row updated as store_isolation_put() does, all with the reason,
 * ticket, actor and times of @common and no kept host, each with its
 * "isolate" history row.  @existing (those of @targets that have a row,
 * as the caller knows them) have their keep lists cleared.  A few
 * statements whatever the count (the lists go in as JSON): a row at a time
 * took 0.3 s for 100 000.  0 or -1.
 */
int		 store_isolation_put_many(struct store *,
		    const struct isolation *common, const char *const *targets,
		    const char *const *kinds, size_t n,
		    const char *const *existing, size_t n_existing);
/* Delete by target; *found false when it was not isolated. */
int		 store_isolation_del(struct store *, const char *target,
		    bool *found);
/* All current isolations, oldest first. */
int		 store_isolation_list(struct store *, struct isolation **out,
		    size_t *n);
/* Delete those whose expiry is <= now_ms; returns them (caller frees). */
int		 store_isolation_expire(struct store *, int64_t now_ms,
		    struct isolation **out, size_t *n);
/* History row for auditors: action is "isolate", "release" or "expire". */
int		 store_isolation_history(struct store *, const char *action,
		    const char *target, const char *actor, const char *reason,
		    const char *ticket, int64_t at_ms);

/* Small key/value for daemon bookkeeping (e.g. the last event id). */
int		 store_meta_get(struct store *, const char *key, char **value);
int		 store_meta_set(struct store *, const char *key,
		    const char *value);

const char	*store_error(struct store *);

#endif
