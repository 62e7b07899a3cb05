/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit trail (002 §53-2, §55, §86; 000 §6.1(2)): every state-changing
 * action (who, in which role, did what to what, the digests of the state
 * before and after, approvals, result) appended to the store as a SHA-256
 * hash chain.  Each entry's hash covers a canonical, length-prefixed
 * encoding of its fields and the previous entry's hash; the head of the
 * chain (seq and hash) is anchored by an HMAC-SHA-256 whose key lives
 * outside the database (STATEDIR/audit.key, or audit.key_file in
 * sansod.yaml), so that an edit, a deletion, an insertion, a reordering
 * and a truncated tail are all found by audit_verify(), even when made
 * with the sqlite3 tool after dropping the append-only triggers.
 * docs/audit.md describes the encoding for auditors who check it alone.
 */
#ifndef SANSO_AUDIT_H
#define SANSO_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;
struct isolation;

/* A SHA-256 or HMAC-SHA-256 in lower-case hex, NUL-terminated. */
#define AUDIT_HEX	65
/* The previous hash of the first entry. */
#define AUDIT_GENESIS	"0000000000000000000000000000000000000000000000000000000000000000"
/* The key: random bytes from RAND_bytes at first start. */
#define AUDIT_KEY_BYTES	32
#define AUDIT_KEY_MAX	1024

/**
 * struct audit_entry - one row of the chain
 * @ae_seq: 1, 2, 3, ... in the order of appending
 * @ae_at_ms: unix time in ms
 * @ae_role: the actor's role ("unix" for the socket's users today,
 *   "system" for sansod itself)
 * @ae_action: "policy.apply", "isolation.add", ...
 * @ae_before, @ae_after: hex SHA-256 of the target's state before and
 *   after, NULL when there was none (nothing isolated; no policy)
 * @ae_approvals: approval ids, comma-separated, or NULL
 * @ae_result: "ok", "refused" or "failed"
 * @ae_detail: a compact JSON object (reason, ticket, counts) or NULL
 * @ae_prev: hash of the previous entry (AUDIT_GENESIS for the first)
 * @ae_hash: SHA-256 of audit_canonical() of this entry
 */
struct audit_entry {
	int64_t	 ae_seq;
	int64_t	 ae_at_ms;
	char	*ae_actor;
	char	*ae_role;
	char	*ae_action;
	char	*ae_target;
	char	*ae_before;
	char	*ae_after;
	char	*ae_approvals;
	char	*ae_result;
	char	*ae_detail;
	char	 ae_prev[AUDIT_HEX];
	char	 ae_hash[AUDIT_HEX];
};

/**
 * struct audit_head - the anchor: the last entry and its HMAC
 * @ah_present: the database has one (it is written with every append)
 * @ah_mac: HMAC-SHA-256 under the key of audit_head_message()
 */
struct audit_head {
	bool	 ah_present;
	int64_t	 ah_seq;
	char	 ah_hash[AUDIT_HEX];
	char	 ah_mac[AUDIT_HEX];
};

/**
 * struct audit_filter - what `audit list` selects (NULL / 0: any)
 * @af_since_ms, @af_until_ms: inclusive bounds on ae_at_ms
 * @af_limit: at most this many rows (0: all)
 */
struct audit_filter {
	const char	*af_actor;
	const char	*af_action;
	int64_t		 af_since_ms;
	int64_t		 af_until_ms;
	int64_t		 af_limit;
};

/* --- store-audit.c: the SQL ------------------------------------------ */

/* The schema: one migration, appended to store.c's list. */
extern const char store_audit_migration[];

/* Insert @e and make (@e->ae_seq, @e->ae_hash, @mac) the head, in one
 * transaction (or the caller's).  0 or -1 (store_error()). */
int	 store_audit_append(struct store *, const struct audit_entry *,
	    const char *mac);
int	 store_audit_head(struct store *, struct audit_head *);
/* The entry with the largest seq; *found false when there is none. */
int	 store_audit_last(struct store *, struct audit_entry *, bool *found);
/* The seq of the entry whose stored hash is @hash (0: none). */
int	 store_audit_seq_of(struct store *, const char *hash, int64_t *seq);
/* Call @cb for each entry matching @f (NULL: all) in seq order; a
 * non-zero return from @cb stops the walk and is returned. */
int	 store_audit_foreach(struct store *, const struct audit_filter *f,
	    int (*cb)(const struct audit_entry *, void *), void *arg);
void	 audit_entry_free_fields(struct audit_entry *);

/* --- audit.c --------------------------------------------------------- */

/*
 * Load (creating it 0600 at first start) the key and the head; an empty
 * chain gets its first entry ("audit.start").  A head that does not match
 * the key or the last row is logged and raised as an alarm event; the
 * chain then stays visibly broken (the head is not re-anchored).  Returns
 * 0, or -1 with *cause (the key cannot be read or made).
 */
int	 audit_init(struct store *, const char *statedir, char **cause);
void	 audit_free(void);

/*
 * Append one entry; the detail object (may be NULL) is stolen.  A failure
 * is logged and emitted as an "audit.failed" alarm event; the action it
 * records has happened already, so it is not undone.  0 or -1.
 */
int	 audit_append(const char *actor, const char *role, const char *action,
	    const char *target, const char *before, const char *after,
	    const char *approvals, const char *result, json_t *detail);

/* The role of an actor until sessions carry one: sansod's own actions are
 * "system", the socket's users "unix". */
/* The role recorded for @actor: "system" for sansod itself, the role of
 * the API caller being served (audit_set_caller) when @actor is that
 * caller, else "unix". */
const char *audit_role(const char *actor);
/* The API request being handled (the loop serves one at a time): its
 * caller's name and role, or NULLs when it is done. */
void	 audit_set_caller(const char *user, const char *role);

/*
 * Entries appended while the caller holds a store transaction join it (one
 * fsync for the change and its record).  The chain's head in memory moves
 * at once, so a caller that then rolls back goes back to a mark taken
 * before: the chain and the database agree again.
 */
struct audit_mark {
	int64_t		am_seq;
	char		am_prev[AUDIT_HEX];
	uint64_t	am_appended;
};
void	 audit_mark(struct audit_mark *);
void	 audit_rewind(const struct audit_mark *);

/* Policy actions: digests are the policies' SHA-256 (hex, may be NULL or
 * empty); @message goes into the detail. */
void	 audit_policy(const char *action, const char *actor, const char *role,
	    const char *policy, const char *before, const char *after,
	    const char *result, const char *message);
/* One isolation changed: the digests are those of the rows (NULL: not
 * isolated). */
void	 audit_isolation(const char *action, const char *actor,
	    const char *role, const struct isolation *before,
	    const struct isolation *after, const char *result);
/* A bulk request: one entry with the count and the digest of the target
 * list, however many targets. */
void	 audit_isolation_bulk(const char *actor, const char *role,
	    const char *const *targets, size_t n, size_t isolated,
	    size_t already, const char *reason, const char *ticket,
	    int64_t ttl);
/* An expiry sweep: one entry per sweep (per target when only one). */
void	 audit_isolation_expired(const struct isolation *rows, size_t n);

/* Hex SHA-256 of @len bytes. */
void	 audit_sha256_hex(const void *, size_t len, char out[AUDIT_HEX]);
/* The digest of an isolation's state (target, kind, reason, ticket,
 * actor, times, kept hosts). */
void	 audit_isolation_digest(const struct isolation *, char out[AUDIT_HEX]);
/* The canonical encoding that ae_hash covers (caller frees). */
unsigned char *audit_canonical(const struct audit_entry *, size_t *len);
void	 audit_entry_hash(const struct audit_entry *, char out[AUDIT_HEX]);

/**
 * struct audit_verify - the outcome of a walk over the whole chain
 * @av_intact: every entry hashes right, follows its predecessor, and
 *   the last one is the anchored head
 * @av_rows: entries read
 * @av_bad_seq: the first entry found wrong (0 when intact)
 * @av_kind: "edited", "deleted", "inserted", "reordered", "truncated" or
 *   "head" (the anchor itself does not verify)
 * @av_message: an English sentence naming the entry
 */
struct audit_verify {
	bool	 av_intact;
	int64_t	 av_rows;
	int64_t	 av_bad_seq;
	const char *av_kind;
	char	 av_message[512];
	struct audit_head av_head;
};

/* Walk the chain of the store audit_init() opened.  0, or -1 when the
 * store cannot be read (then @out says why). */
int	 audit_verify(struct audit_verify *out);
/* store_audit_foreach() on the store audit_init() opened; -1 when it
 * cannot be read (logged). */
int	 audit_list(const struct audit_filter *,
	    int (*cb)(const struct audit_entry *, void *), void *arg);
/* Entries appended and failed since start, the last seq (for metrics). */
uint64_t audit_appended(void);
uint64_t audit_failures(void);
/* Alarms raised: a broken chain found at start, an entry not written. */
uint64_t audit_alarms(void);
int64_t	 audit_last_seq(void);

#endif
