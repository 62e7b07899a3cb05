/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit chain: canonical encoding, the key, append, verify. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "audit.h"
#include "events.h"
#include "log.h"
#include "settings.h"
#include "store.h"
#include "xmalloc.h"

/* Version tags at the start of every encoding: a later format gets a new
 * tag, so an old entry can never be read as a new one. */
#define AUDIT_TAG_ENTRY		"sanso-audit-entry-1\n"
#define AUDIT_TAG_HEAD		"sanso-audit-head-1\n"
#define AUDIT_TAG_ISOLATION	"sanso-isolation-1\n"
#define AUDIT_TAG_TARGETS	"sanso-targets-1\n"
#define AUDIT_TAG_ISOLATIONS	"sanso-isolations-1\n"
/* How far from its place the verifier looks for where a moved entry came
 * from (only when an entry does not match its hash). */
#define AUDIT_MOVE_WINDOW	1000
/* Targets named in the detail of a bulk or sweep entry; the digest covers
 * all of them. */
#define AUDIT_DETAIL_TARGETS	20

static struct store	*au_store;
static unsigned char	 au_key[AUDIT_KEY_MAX];
static size_t		 au_keylen;
static char		*au_key_path;
/* Where the next entry goes and what it follows.  @au_anchored: the head
 * verified at start, so each append moves it; otherwise the head is left
 * as found, and the chain stays visibly broken until someone looks. */
static int64_t		 au_next_seq;
static char		 au_prev[AUDIT_HEX];
static bool		 au_anchored;
static uint64_t		 au_appended;
static uint64_t		 au_failures;
static uint64_t		 au_alarms;

/* --- encoding -------------------------------------------------------- */

struct audit_buf {
	unsigned char	*ab_v;
	size_t		 ab_len;
	size_t		 ab_cap;
};

static void
audit_buf_add(struct audit_buf *b, const void *p, size_t len)
{
	while (b->ab_len + len > b->ab_cap) {
		b->ab_cap = b->ab_cap ? b->ab_cap * 2 : 256;
		b->ab_v = xreallocarray(b->ab_v, b->ab_cap, 1);
	}
	if (len > 0)
		memcpy(b->ab_v + b->ab_len, p, len);
	b->ab_len += len;
}

/* Big-endian, two's complement: the same bytes on every machine. */
static void
audit_buf_i64(struct audit_buf *b, int64_t v)
{
	unsigned char	x[8];
	uint64_t	u = (uint64_t)v;
	int		i;

	for (i = 7; i >= 0; i--) {
		x[i] = (unsigned char)(u & 0xff);
		u >>= 8;
	}
	audit_buf_add(b, x, sizeof(x));
}

/* 0x00 for NULL, else 0x01, the length (8 bytes) and the bytes: no
 * separator can be forged, and NULL differs from "". */
static void
audit_buf_str(struct audit_buf *b, const char *s)
{
	unsigned char tag = s != NULL ? 1 : 0;

	audit_buf_add(b, &tag, 1);
	if (s == NULL)
		return;
	audit_buf_i64(b, (int64_t)strlen(s));
	audit_buf_add(b, s, strlen(s));
}

unsigned char *
audit_canonical(const struct audit_entry *e, size_t *len)
{
	struct audit_buf b = { 0 };

	audit_buf_add(&b, AUDIT_TAG_ENTRY, strlen(AUDIT_TAG_ENTRY));
	audit_buf_i64(&b, e->ae_seq);
	audit_buf_i64(&b, e->ae_at_ms);
	audit_buf_str(&b, e->ae_actor);
	audit_buf_str(&b, e->ae_role);
	audit_buf_str(&b, e->ae_action);
	audit_buf_str(&b, e->ae_target);
	audit_buf_str(&b, e->ae_before);
	audit_buf_str(&b, e->ae_after);
	audit_buf_str(&b, e->ae_approvals);
	audit_buf_str(&b, e->ae_result);
	audit_buf_str(&b, e->ae_detail);
	audit_buf_str(&b, e->ae_prev);
	*len = b.ab_len;
	return b.ab_v;
}

static void
audit_hex(const unsigned char *md, size_t n, char out[AUDIT_HEX])
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n && i * 2 + 2 < AUDIT_HEX; i++) {
		out[i * 2] = digits[md[i] >> 4];
		out[i * 2 + 1] = digits[md[i] & 0xf];
	}
	out[i * 2] = '\0';
}

void
audit_sha256_hex(const void *p, size_t len, char out[AUDIT_HEX])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;

	if (EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		fatalx("%s: EVP_Digest(SHA-256) failed", __func__);
	audit_hex(md, mdlen, out);
}

static void
audit_buf_sha256(struct audit_buf *b, char out[AUDIT_HEX])
{
	audit_sha256_hex(b->ab_v, b->ab_len, out);
	free(b->ab_v);
	memset(b, 0, sizeof(*b));
}

void
audit_entry_hash(const struct audit_entry *e, char out[AUDIT_HEX])
{
	unsigned char	*p;
	size_t		 len;

	p = audit_canonical(e, &len);
	audit_sha256_hex(p, len, out);
	free(p);
}

/* HMAC-SHA-256 of the head (seq and hash) under the key. */
static void
audit_head_mac(int64_t seq, const char *hash, char out[AUDIT_HEX])
{
	struct audit_buf	 b = { 0 };
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;

	audit_buf_add(&b, AUDIT_TAG_HEAD, strlen(AUDIT_TAG_HEAD));
	audit_buf_i64(&b, seq);
	audit_buf_str(&b, hash);
	if (HMAC(EVP_sha256(), au_key, (int)au_keylen, b.ab_v, b.ab_len, md,
	    &mdlen) == NULL)
		fatalx("%s: HMAC(SHA-256) failed", __func__);
	free(b.ab_v);
	audit_hex(md, mdlen, out);
}

static bool
audit_head_verifies(const struct audit_head *h)
{
	char mac[AUDIT_HEX];

	if (!h->ah_present || strlen(h->ah_mac) != AUDIT_HEX - 1)
		return false;
	audit_head_mac(h->ah_seq, h->ah_hash, mac);
	return CRYPTO_memcmp(mac, h->ah_mac, AUDIT_HEX - 1) == 0;
}

void
audit_isolation_digest(const struct isolation *is, char out[AUDIT_HEX])
{
	struct audit_buf	b = { 0 };
	size_t			i;

	audit_buf_add(&b, AUDIT_TAG_ISOLATION, strlen(AUDIT_TAG_ISOLATION));
	audit_buf_str(&b, is->is_target);
	audit_buf_str(&b, is->is_kind);
	audit_buf_str(&b, is->is_reason);
	audit_buf_str(&b, is->is_ticket);
	audit_buf_str(&b, is->is_actor);
	audit_buf_i64(&b, is->is_created_ms);
	audit_buf_i64(&b, is->is_expires_ms);
	audit_buf_i64(&b, (int64_t)is->is_n_keep);
	for (i = 0; i < is->is_n_keep; i++)
		audit_buf_str(&b, is->is_keep[i]);
	audit_buf_sha256(&b, out);
}

/* --- the key --------------------------------------------------------- */

static int
audit_key_create(const char *path)
{
	char	*copy;
	int	 fd, dfd, ret = 0;

	if (RAND_bytes(au_key, AUDIT_KEY_BYTES) != 1)
		return -EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return -errno;
	if (write(fd, au_key, AUDIT_KEY_BYTES) != AUDIT_KEY_BYTES ||
	    fsync(fd) == -1) {
		ret = errno ? -errno : -EIO;
		close(fd);
		unlink(path);
		return ret;
	}
	close(fd);
	au_keylen = AUDIT_KEY_BYTES;
	/* The name must survive a power loss as well as the bytes. */
	copy = xstrdup(path);
	if ((dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
	    -1) {
		fsync(dfd);
		close(dfd);
	}
	free(copy);
	return 0;
}

/* Read the key, or make it when absent (*created).  0 or -1 (*cause). */
static int
audit_key_load(const char *path, bool *created, char **cause)
{
	struct stat	 sb;
	ssize_t		 n;
	int		 fd, ret;

	*created = false;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		if ((ret = audit_key_create(path)) < 0) {
			xasprintf(cause, "cannot create the audit key %s: %s",
			    path, strerror(-ret));
			return -1;
		}
		*created = true;
		return 0;
	}
	if (fd == -1) {
		xasprintf(cause, "cannot open the audit key %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		xasprintf(cause, "the audit key %s is not a regular file",
		    path);
		goto fail;
	}
	/* Whoever reads the key can re-anchor a rewritten chain. */
	if ((sb.st_mode & 077) != 0) {
		xasprintf(cause, "the audit key %s is readable or writable by "
		    "group or others (mode %04o); chmod 600 it", path,
		    (unsigned)(sb.st_mode & 07777));
		goto fail;
	}
	n = read(fd, au_key, sizeof(au_key));
	if (n < 0) {
		xasprintf(cause, "cannot read the audit key %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (n < AUDIT_KEY_BYTES || sb.st_size > (off_t)sizeof(au_key)) {
		xasprintf(cause, "the audit key %s has %lld bytes; it must "
		    "have %d to %d", path, (long long)sb.st_size,
		    AUDIT_KEY_BYTES, AUDIT_KEY_MAX);
		goto fail;
	}
	au_keylen = (size_t)n;
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

/* --- append ---------------------------------------------------------- */

static int64_t
audit_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
audit_alarm(const char *type, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Logged and raised: a broken chain or a lost entry is for monitoring. */
static void
audit_alarm(const char *type, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		fatal("%s", __func__);
	va_end(ap);
	log_warnx("audit: %s", msg);
	au_alarms++;
	events_emit(type, EV_ALERT, json_pack("{s:s}", "detail", msg));
	free(msg);
}

int
audit_append(const char *actor, const char *role, const char *action,
    const char *target, const char *before, const char *after,
    const char *approvals, const char *result, json_t *detail)
{
	struct audit_entry	 e;
	char			 mac[AUDIT_HEX], *dtext = NULL;
	int			 ret;

	if (au_store == NULL) {
		json_decref(detail);
		return -1;
	}
	if (detail != NULL && json_object_size(detail) > 0)
		dtext = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS |
		    JSON_ENSURE_ASCII);
	json_decref(detail);
	memset(&e, 0, sizeof(e));
	e.ae_seq = au_next_seq;
	e.ae_at_ms = audit_now_ms();
	/* Casts only to fill the struct: nothing here is modified. */
	e.ae_actor = (char *)(uintptr_t)(actor != NULL && *actor ? actor :
	    "sansod");
	e.ae_role = (char *)(uintptr_t)(role != NULL ? role : "system");
	e.ae_action = (char *)(uintptr_t)action;
	e.ae_target = (char *)(uintptr_t)(target != NULL ? target : "");
	e.ae_before = (char *)(uintptr_t)(before != NULL && *before ? before :
	    NULL);
	e.ae_after = (char *)(uintptr_t)(after != NULL && *after ? after :
	    NULL);
	e.ae_approvals = (char *)(uintptr_t)approvals;
	e.ae_result = (char *)(uintptr_t)(result != NULL ? result : "ok");
	e.ae_detail = dtext;
	memcpy(e.ae_prev, au_prev, sizeof(e.ae_prev));
	audit_entry_hash(&e, e.ae_hash);
	if (au_anchored)
		audit_head_mac(e.ae_seq, e.ae_hash, mac);
	ret = store_audit_append(au_store, &e, au_anchored ? mac : NULL);
	if (ret == 0) {
		au_next_seq++;
		memcpy(au_prev, e.ae_hash, sizeof(au_prev));
		au_appended++;
	} else {
		au_failures++;
		audit_alarm("audit.failed", "cannot append %s of %s by %s to "
		    "the audit chain: %s", action, e.ae_target, e.ae_actor,
		    store_error(au_store));
	}
	free(dtext);
	return ret;
}

void
audit_mark(struct audit_mark *m)
{
	m->am_seq = au_next_seq;
	memcpy(m->am_prev, au_prev, sizeof(m->am_prev));
	m->am_appended = au_appended;
}

void
audit_rewind(const struct audit_mark *m)
{
	au_next_seq = m->am_seq;
	memcpy(au_prev, m->am_prev, sizeof(au_prev));
	au_appended = m->am_appended;
}

/* The caller of the API request being handled (see audit_set_caller). */
static char	*au_caller_user, *au_caller_role;

void
audit_set_caller(const char *user, const char *role)
{
	free(au_caller_user);
	free(au_caller_role);
	au_caller_user = user != NULL ? xstrdup(user) : NULL;
	au_caller_role = role != NULL ? xstrdup(role) : NULL;
}

const char *
audit_role(const char *actor)
{
	if (actor == NULL || strcmp(actor, "sansod") == 0)
		return "system";
	if (au_caller_user != NULL && au_caller_role != NULL &&
	    strcmp(actor, au_caller_user) == 0)
		return au_caller_role;
	return "unix";
}

void
audit_policy(const char *action, const char *actor, const char *role,
    const char *policy, const char *before, const char *after,
    const char *result, const char *message)
{
	json_t *d = json_object();

	if (message != NULL)
		json_object_set_new(d, "message", json_string(message));
	audit_append(actor, role, action, policy != NULL ? policy : "policy",
	    before, after, NULL, result, d);
}

void
audit_isolation(const char *action, const char *actor, const char *role,
    const struct isolation *before, const struct isolation *after,
    const char *result)
{
	const struct isolation	*is = after != NULL ? after : before;
	char			 b[AUDIT_HEX], a[AUDIT_HEX];
	json_t			*d = json_object();

	if (is == NULL)
		return;
	if (before != NULL)
		audit_isolation_digest(before, b);
	if (after != NULL)
		audit_isolation_digest(after, a);
	if (after != NULL) {
		json_object_set_new(d, "reason", json_string(after->is_reason));
		if (after->is_ticket != NULL)
			json_object_set_new(d, "ticket",
			    json_string(after->is_ticket));
		if (after->is_expires_ms != 0)
			json_object_set_new(d, "expires_ms",
			    json_integer(after->is_expires_ms));
		if (after->is_n_keep > 0)
			json_object_set_new(d, "keep",
			    json_integer((json_int_t)after->is_n_keep));
	}
	audit_append(actor, role, action, is->is_target,
	    before != NULL ? b : NULL, after != NULL ? a : NULL, NULL, result,
	    d);
}

void
audit_isolation_bulk(const char *actor, const char *role,
    const char *const *targets, size_t n, size_t isolated, size_t already,
    const char *reason, const char *ticket, int64_t ttl)
{
	struct audit_buf	 b = { 0 };
	char			 digest[AUDIT_HEX], target[64];
	json_t			*d, *names = json_array();
	size_t			 i;

	/* The request's list as sent: whoever keeps the file can show it
	 * is the one this entry names. */
	audit_buf_add(&b, AUDIT_TAG_TARGETS, strlen(AUDIT_TAG_TARGETS));
	audit_buf_i64(&b, (int64_t)n);
	for (i = 0; i < n; i++) {
		audit_buf_str(&b, targets[i]);
		if (i < AUDIT_DETAIL_TARGETS)
			json_array_append_new(names, json_string(targets[i]));
	}
	audit_buf_sha256(&b, digest);
	snprintf(target, sizeof(target), "%zu targets", n);
	d = json_pack("{s:I, s:I, s:I, s:s?, s:s?, s:o}",
	    "count", (json_int_t)n, "isolated", (json_int_t)isolated,
	    "already", (json_int_t)already, "reason", reason, "ticket", ticket,
	    "targets", names);
	if (d == NULL)	/* text that is not UTF-8 (validated before) */
		d = json_pack("{s:I}", "count", (json_int_t)n);
	if (ttl > 0)
		json_object_set_new(d, "ttl", json_integer(ttl));
	audit_append(actor, role, "isolation.bulk", target, NULL, digest, NULL,
	    "ok", d);
}

void
audit_isolation_expired(const struct isolation *rows, size_t n)
{
	struct audit_buf	 b = { 0 };
	char			 digest[AUDIT_HEX], target[64];
	json_t			*names;
	size_t			 i;

	if (n == 0)
		return;
	if (n == 1) {
		audit_isolation("isolation.expire", "sansod", "system", &rows[0],
		    NULL, "ok");
		return;
	}
	/* One entry per sweep: a bulk with one TTL expires all at once. */
	names = json_array();
	audit_buf_add(&b, AUDIT_TAG_ISOLATIONS, strlen(AUDIT_TAG_ISOLATIONS));
	audit_buf_i64(&b, (int64_t)n);
	for (i = 0; i < n; i++) {
		audit_isolation_digest(&rows[i], digest);
		audit_buf_str(&b, digest);
		if (i < AUDIT_DETAIL_TARGETS)
			json_array_append_new(names,
			    json_string(rows[i].is_target));
	}
	audit_buf_sha256(&b, digest);
	snprintf(target, sizeof(target), "%zu isolations", n);
	audit_append("sansod", "system", "isolation.expire", target, digest,
	    NULL, NULL, "ok", json_pack("{s:I, s:o}", "count", (json_int_t)n,
	    "targets", names));
}

/* --- start ----------------------------------------------------------- */

int
audit_init(struct store *st, const char *statedir, char **cause)
{
	const struct settings	*set = settings_current();
	struct audit_entry	 last;
	struct audit_head	 h;
	const char		*kf;
	bool			 created, found;

	*cause = NULL;
	kf = set->se_audit.sa_key_file != NULL ? set->se_audit.sa_key_file :
	    "audit.key";
	if (kf[0] == '/')
		au_key_path = xstrdup(kf);
	else
		xasprintf(&au_key_path, "%s/%s", statedir, kf);
	if (audit_key_load(au_key_path, &created, cause) == -1)
		goto fail;
	if (store_audit_head(st, &h) == -1 ||
	    store_audit_last(st, &last, &found) == -1) {
		xasprintf(cause, "cannot read the audit chain: %s",
		    store_error(st));
		goto fail;
	}
	au_store = st;
	au_appended = au_failures = au_alarms = 0;
	if (!h.ah_present && !found) {
		/* A new chain: its first entry says when and with which key
		 * file it began, so that an emptied chain is not one. */
		au_anchored = true;
		au_next_seq = 1;
		memcpy(au_prev, AUDIT_GENESIS, sizeof(au_prev));
		if (audit_append("sansod", "system", "audit.start", "audit chain",
		    NULL, NULL, NULL, "ok", json_pack("{s:s, s:b}", "key_file",
		    au_key_path, "key_created", created)) == -1) {
			xasprintf(cause, "cannot start the audit chain: %s",
			    store_error(st));
			goto fail;
		}
		log_info("audit chain started in the store, anchored by %s",
		    au_key_path);
		return 0;
	}
	if (audit_head_verifies(&h)) {
		au_anchored = true;
		au_next_seq = (found && last.ae_seq > h.ah_seq ? last.ae_seq :
		    h.ah_seq) + 1;
		memcpy(au_prev, h.ah_hash, sizeof(au_prev));
		if (!found || last.ae_seq != h.ah_seq ||
		    strcmp(last.ae_hash, h.ah_hash) != 0)
			audit_alarm("audit.tampered", "the last entry of the "
			    "chain (%lld) is not its anchored head (%lld): "
			    "entries were deleted or added outside sansod; "
			    "run `sansoctl audit verify`",
			    found ? (long long)last.ae_seq : 0LL,
			    (long long)h.ah_seq);
	} else {
		au_anchored = false;
		au_next_seq = (found ? last.ae_seq : 0) + 1;
		memcpy(au_prev, found ? last.ae_hash : AUDIT_GENESIS,
		    sizeof(au_prev));
		audit_alarm("audit.tampered", "the chain's head %s with the "
		    "key %s%s: the head was edited or deleted, or the key "
		    "replaced; the chain is not re-anchored; run `sansoctl "
		    "audit verify`", h.ah_present ? "does not verify" :
		    "is missing", au_key_path, created ? " (created just now)" :
		    "");
	}
	audit_entry_free_fields(&last);
	return 0;
fail:
	free(au_key_path);
	au_key_path = NULL;
	OPENSSL_cleanse(au_key, sizeof(au_key));
	au_keylen = 0;
	return -1;
}

void
audit_free(void)
{
	audit_set_caller(NULL, NULL);
	au_store = NULL;
	OPENSSL_cleanse(au_key, sizeof(au_key));
	au_keylen = 0;
	free(au_key_path);
	au_key_path = NULL;
	au_next_seq = 0;
	au_anchored = false;
}

int
audit_list(const struct audit_filter *f,
    int (*cb)(const struct audit_entry *, void *), void *arg)
{
	int ret;

	if (au_store == NULL)
		return -1;
	if ((ret = store_audit_foreach(au_store, f, cb, arg)) == -1)
		log_warnx("audit list: %s", store_error(au_store));
	return ret;
}

uint64_t
audit_appended(void)
{
	return au_appended;
}

uint64_t
audit_failures(void)
{
	return au_failures;
}

uint64_t
audit_alarms(void)
{
	return au_alarms;
}

int64_t
audit_last_seq(void)
{
	return au_next_seq > 0 ? au_next_seq - 1 : 0;
}

/* --- verify ---------------------------------------------------------- */

struct audit_walk {
	struct audit_verify	*aw_out;
	bool			 aw_head_ok;
	int64_t			 aw_expect;
	char			 aw_prev[AUDIT_HEX];
	int64_t			 aw_last_seq;
	char			 aw_last_hash[AUDIT_HEX];
	int			 aw_error;
};

static int
audit_walk_bad(struct audit_walk *w, int64_t seq, const char *kind,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
audit_walk_bad(struct audit_walk *w, int64_t seq, const char *kind,
    const char *fmt, ...)
{
	va_list ap;

	w->aw_out->av_bad_seq = seq;
	w->aw_out->av_kind = kind;
	va_start(ap, fmt);
	vsnprintf(w->aw_out->av_message, sizeof(w->aw_out->av_message), fmt,
	    ap);
	va_end(ap);
	return 1;
}

/* The seq at which @e's contents were hashed, if it is not its own: the
 * entry after the one its prev_hash names, or one nearby.  0: none. */
static int64_t
audit_walk_moved_from(struct audit_walk *w, const struct audit_entry *e)
{
	struct audit_entry	 c = *e;
	char			 h[AUDIT_HEX];
	int64_t			 k, d;

	if (store_audit_seq_of(au_store, e->ae_prev, &k) == -1) {
		w->aw_error = -1;
		return 0;
	}
	if (k > 0 && k + 1 != e->ae_seq) {
		c.ae_seq = k + 1;
		audit_entry_hash(&c, h);
		if (strcmp(h, e->ae_hash) == 0)
			return c.ae_seq;
	}
	for (d = 1; d <= AUDIT_MOVE_WINDOW; d++) {
		for (k = -1; k <= 1; k += 2) {
			c.ae_seq = e->ae_seq + k * d;
			if (c.ae_seq < 1)
				continue;
			audit_entry_hash(&c, h);
			if (strcmp(h, e->ae_hash) == 0)
				return c.ae_seq;
		}
	}
	return 0;
}

static int
audit_walk_cb(const struct audit_entry *e, void *arg)
{
	struct audit_walk	*w = arg;
	const struct audit_head	*h = &w->aw_out->av_head;
	char			 hash[AUDIT_HEX];
	int64_t			 from;

	w->aw_out->av_rows++;
	if (w->aw_head_ok && e->ae_seq > h->ah_seq)
		return audit_walk_bad(w, e->ae_seq, "inserted", "entry %lld "
		    "(%s by %s) was added after the anchored head, entry %lld: "
		    "sansod did not write it", (long long)e->ae_seq,
		    e->ae_action, e->ae_actor, (long long)h->ah_seq);
	if (e->ae_seq < w->aw_expect)
		return audit_walk_bad(w, e->ae_seq, "inserted", "entry %lld "
		    "(%s by %s) is out of sequence after entry %lld: it was "
		    "inserted", (long long)e->ae_seq, e->ae_action,
		    e->ae_actor, (long long)w->aw_last_seq);
	audit_entry_hash(e, hash);
	if (strcmp(hash, e->ae_hash) != 0) {
		from = audit_walk_moved_from(w, e);
		if (w->aw_error != 0)
			return 1;
		if (from != 0)
			return audit_walk_bad(w, e->ae_seq, "reordered",
			    "entry %lld holds what was written as entry %lld "
			    "(%s by %s): entries were reordered",
			    (long long)e->ae_seq, (long long)from,
			    e->ae_action, e->ae_actor);
		return audit_walk_bad(w, e->ae_seq, "edited", "entry %lld (%s "
		    "of %s by %s) was edited: its fields do not match its "
		    "hash", (long long)e->ae_seq, e->ae_action, e->ae_target,
		    e->ae_actor);
	}
	if (e->ae_seq > w->aw_expect) {
		if (e->ae_seq == w->aw_expect + 1)
			return audit_walk_bad(w, w->aw_expect, "deleted",
			    "entry %lld was deleted (the chain goes from "
			    "entry %lld to entry %lld)",
			    (long long)w->aw_expect,
			    (long long)w->aw_last_seq, (long long)e->ae_seq);
		return audit_walk_bad(w, w->aw_expect, "deleted", "entries "
		    "%lld to %lld were deleted (the chain goes from entry "
		    "%lld to entry %lld)", (long long)w->aw_expect,
		    (long long)e->ae_seq - 1, (long long)w->aw_last_seq,
		    (long long)e->ae_seq);
	}
	if (strcmp(e->ae_prev, w->aw_prev) != 0) {
		/* Intact and in its place, yet not following: what came
		 * before it was replaced and re-hashed. */
		if (e->ae_seq == 1)
			return audit_walk_bad(w, 1, "edited", "entry 1 does "
			    "not start the chain: the chain was replaced");
		return audit_walk_bad(w, e->ae_seq - 1, "edited", "entry %lld "
		    "was replaced or edited and re-hashed: entry %lld does "
		    "not follow it", (long long)e->ae_seq - 1,
		    (long long)e->ae_seq);
	}
	memcpy(w->aw_prev, e->ae_hash, sizeof(w->aw_prev));
	memcpy(w->aw_last_hash, e->ae_hash, sizeof(w->aw_last_hash));
	w->aw_last_seq = e->ae_seq;
	w->aw_expect = e->ae_seq + 1;
	return 0;
}

int
audit_verify(struct audit_verify *out)
{
	struct audit_walk	 w;
	struct audit_head	*h = &out->av_head;
	int			 ret;

	memset(out, 0, sizeof(*out));
	if (au_store == NULL) {
		snprintf(out->av_message, sizeof(out->av_message),
		    "the audit chain is not open");
		return -1;
	}
	if (store_audit_head(au_store, h) == -1)
		goto store_failed;
	memset(&w, 0, sizeof(w));
	w.aw_out = out;
	w.aw_head_ok = audit_head_verifies(h);
	w.aw_expect = 1;
	memcpy(w.aw_prev, AUDIT_GENESIS, sizeof(w.aw_prev));
	ret = store_audit_foreach(au_store, NULL, audit_walk_cb, &w);
	if (ret == -1 || w.aw_error != 0)
		goto store_failed;
	if (ret != 0)
		return 0;	/* a bad entry, named in @out */
	if (!h->ah_present)
		audit_walk_bad(&w, w.aw_last_seq + 1, "head", "the anchored "
		    "head is missing: entries after entry %lld may have been "
		    "deleted", (long long)w.aw_last_seq);
	else if (!w.aw_head_ok)
		audit_walk_bad(&w, h->ah_seq, "head", "the head (entry %lld) "
		    "does not verify with the key %s: the head was edited, or "
		    "the key replaced", (long long)h->ah_seq,
		    au_key_path != NULL ? au_key_path : "?");
	else if (h->ah_seq > w.aw_last_seq)
		audit_walk_bad(&w, w.aw_last_seq + 1, "truncated",
		    "entries %lld to %lld were deleted from the end of the "
		    "chain (the anchored head is entry %lld)",
		    (long long)w.aw_last_seq + 1, (long long)h->ah_seq,
		    (long long)h->ah_seq);
	else if (strcmp(h->ah_hash, w.aw_last_hash) != 0)
		audit_walk_bad(&w, h->ah_seq, "edited", "entry %lld is not the "
		    "anchored head: the chain was rewritten up to it",
		    (long long)h->ah_seq);
	else {
		out->av_intact = true;
		snprintf(out->av_message, sizeof(out->av_message), "%lld "
		    "entries, each following the one before; the last is the "
		    "head anchored by the key", (long long)out->av_rows);
	}
	return 0;
store_failed:
	snprintf(out->av_message, sizeof(out->av_message), "%s",
	    store_error(au_store));
	out->av_kind = NULL;
	return -1;
}
