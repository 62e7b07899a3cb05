/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /metrics in the Prometheus text format, and the clock watch. */
#include <sys/timex.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit.h"
#include "events.h"
#include "kernel.h"
#include "log.h"
#include "metrics.h"
#include "proc.h"
#include "svc-isolation.h"
#include "svc-packetlog.h"
#include "svc-policy.h"
#include "version.h"
#include "xmalloc.h"

/* How often the clock state is looked at between scrapes. */
#define METRICS_CLOCK_MSEC	30000

static uint64_t			 mt_drift_detected;
static uint64_t			 mt_drift_repaired;
static uint64_t			 mt_drift_failed;
static time_t			 mt_start;
static struct proc_timer	*mt_clock_timer;
/* -1 unknown, else the last state seen (events on change). */
static int			 mt_clock_synced = -1;

void
metrics_drift_detected(void)
{
	mt_drift_detected++;
}

void
metrics_drift_repaired(void)
{
	mt_drift_repaired++;
}

void
metrics_drift_repair_failed(void)
{
	mt_drift_failed++;
}

void
metrics_clock_read(struct metrics_clock *c)
{
	struct timex	tx;
	int		state;

	memset(c, 0, sizeof(*c));
	memset(&tx, 0, sizeof(tx));
	/* modes 0: read only, no privilege needed. */
	if ((state = adjtimex(&tx)) == -1)
		return;
	c->mc_ok = true;
	c->mc_synced = state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
	c->mc_maxerror_s = (double)tx.maxerror / 1e6;
	c->mc_esterror_s = (double)tx.esterror / 1e6;
}

/* An event when the state changes; at start only when unsynchronised. */
static void
metrics_clock_check(void)
{
	struct metrics_clock	c;
	int			now;

	metrics_clock_read(&c);
	if (!c.mc_ok)
		return;
	now = c.mc_synced ? 1 : 0;
	if (now == mt_clock_synced || (mt_clock_synced == -1 && now == 1)) {
		mt_clock_synced = now;
		return;
	}
	mt_clock_synced = now;
	if (now) {
		log_info("clock synchronised (max error %.6f s)",
		    c.mc_maxerror_s);
		events_emit("clock.synchronised", EV_NOTICE, json_pack("{s:f}",
		    "maxerror_seconds", c.mc_maxerror_s));
	} else {
		log_warnx("clock not synchronised (max error %.6f s): event "
		    "and log times may be off (002 §94-2)", c.mc_maxerror_s);
		events_emit("clock.unsynchronised", EV_WARNING,
		    json_pack("{s:f}", "maxerror_seconds", c.mc_maxerror_s));
	}
}

static void
metrics_clock_tick(void *arg)
{
	(void)arg;
	metrics_clock_check();
}

void
metrics_init(void)
{
	mt_start = time(NULL);
	mt_clock_synced = -1;
	metrics_clock_check();
	mt_clock_timer = proc_timer_new(metrics_clock_tick, NULL);
	proc_timer_start(mt_clock_timer, METRICS_CLOCK_MSEC, true);
}

void
metrics_free(void)
{
	proc_timer_free(mt_clock_timer);
	mt_clock_timer = NULL;
}

/* --- the exposition -------------------------------------------------- */

/* A label value: backslash, double quote and newline escaped. */
static void
metrics_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
metrics_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
metrics_u64(FILE *f, const char *name, const char *type, const char *help,
    uint64_t v)
{
	metrics_family(f, name, type, help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static void
metrics_double(FILE *f, const char *name, const char *type, const char *help,
    double v)
{
	metrics_family(f, name, type, help);
	fprintf(f, "%s %.9g\n", name, v);
}

static const struct kernel_counter *
metrics_counter(const struct kernel_counter *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].kc_name, name) == 0)
			return &v[i];
	return NULL;
}

/* Per-conduit packets and bytes from the named counters c_<conduit>. */
static void
metrics_conduits(FILE *f, const struct policy_active *run)
{
	const struct kernel_counter	*kc;
	struct kernel_counter		*v = NULL;
	size_t				 n = 0, i, pass;
	char				 name[80];
	int				 ret;

	ret = kernel_read_counters(&v, &n);
	metrics_u64(f, "sanso_kernel_counters_readable", "gauge",
	    "1 when the nft counters could be read for this scrape",
	    ret == 0 ? 1 : 0);
	if (ret < 0 || run == NULL) {
		if (ret < 0)
			log_debug("metrics: cannot read the counters: %s",
			    strerror(-ret));
		free(v);
		return;
	}
	for (pass = 0; pass < 2; pass++) {
		if (pass == 0)
			metrics_family(f, "sanso_conduit_packets_total",
			    "counter", "Packets that opened or continued a "
			    "flow through each conduit (nft counter "
			    "c_<conduit>)");
		else
			metrics_family(f, "sanso_conduit_bytes_total",
			    "counter", "Bytes through each conduit (nft "
			    "counter c_<conduit>)");
		for (i = 0; i < run->pa_policy->p_n_conduits; i++) {
			snprintf(name, sizeof(name), "c_%s",
			    run->pa_policy->p_conduits[i].cd_name);
			if ((kc = metrics_counter(v, n, name)) == NULL)
				continue;
			fprintf(f, "%s{conduit=", pass == 0 ?
			    "sanso_conduit_packets_total" :
			    "sanso_conduit_bytes_total");
			metrics_label(f, run->pa_policy->p_conduits[i].cd_name);
			fprintf(f, "} %llu\n", (unsigned long long)(pass == 0 ?
			    kc->kc_packets : kc->kc_bytes));
		}
	}
	free(v);
}

/* The zone of an interface in @p, or NULL. */
static const char *
metrics_zone_of(const struct policy *p, const char *ifname)
{
	size_t z, i;

	for (z = 0; z < p->p_n_zones; z++)
		for (i = 0; i < p->p_zones[z].zn_n_ifaces; i++)
			if (strcmp(p->p_zones[z].zn_ifaces[i], ifname) == 0)
				return p->p_zones[z].zn_name;
	return NULL;
}

struct metrics_pair {
	const char	*mp_from;
	const char	*mp_to;
	uint64_t	 mp_packets;
	uint64_t	 mp_bytes;
};

/*
 * Forward drops for want of a conduit, per zone pair: the kernel counts
 * per interface pair (set denypairs); the running policy says which zone
 * each interface is in.  An interface in no zone is "none".
 */
static void
metrics_pairs(FILE *f, const struct policy_active *run)
{
	struct kernel_pair_counter	*v = NULL;
	struct metrics_pair		*mp = NULL;
	const char			*from, *to;
	size_t				 n = 0, np = 0, cap = 0, i, k, pass;
	int				 ret;

	if (run == NULL)
		return;
	if ((ret = kernel_read_pair_counters(&v, &n)) < 0) {
		log_debug("metrics: cannot read the drops per interface "
		    "pair: %s", strerror(-ret));
		return;
	}
	for (i = 0; i < n; i++) {
		from = metrics_zone_of(run->pa_policy, v[i].kp_iif);
		to = metrics_zone_of(run->pa_policy, v[i].kp_oif);
		from = from != NULL ? from : "none";
		to = to != NULL ? to : "none";
		for (k = 0; k < np; k++)
			if (strcmp(mp[k].mp_from, from) == 0 &&
			    strcmp(mp[k].mp_to, to) == 0)
				break;
		if (k == np) {
			mp = xgrow(mp, &cap, np, sizeof(*mp));
			memset(&mp[np], 0, sizeof(*mp));
			mp[np].mp_from = from;
			mp[np].mp_to = to;
			np++;
		}
		mp[k].mp_packets += v[i].kp_packets;
		mp[k].mp_bytes += v[i].kp_bytes;
	}
	for (pass = 0; pass < 2; pass++) {
		metrics_family(f, pass == 0 ?
		    "sanso_zone_pair_dropped_packets_total" :
		    "sanso_zone_pair_dropped_bytes_total", "counter", pass == 0 ?
		    "Forwarded packets dropped for want of a conduit, per zone "
		    "pair (nft set denypairs)" :
		    "Bytes of those packets, per zone pair");
		for (k = 0; k < np; k++) {
			fprintf(f, "%s{from=", pass == 0 ?
			    "sanso_zone_pair_dropped_packets_total" :
			    "sanso_zone_pair_dropped_bytes_total");
			metrics_label(f, mp[k].mp_from);
			fputs(",to=", f);
			metrics_label(f, mp[k].mp_to);
			fprintf(f, "} %llu\n", (unsigned long long)(pass == 0 ?
			    mp[k].mp_packets : mp[k].mp_bytes));
		}
	}
	free(mp);
	free(v);
}

/* Packet events: what nflog handed over, and what was lost on the way. */
static void
metrics_packetlog(FILE *f)
{
	struct svc_packetlog_stats ps;

	svc_packetlog_stats(&ps);
	metrics_u64(f, "sanso_nflog_bound", "gauge",
	    "1 when sansod receives sanso's nflog group", ps.sp_running);
	metrics_u64(f, "sanso_nflog_received_total", "counter",
	    "nflog packet messages read", ps.sp_received);
	metrics_family(f, "sanso_nflog_skipped_total", "counter",
	    "nflog messages skipped: garbage, truncated, or not sanso's");
	fprintf(f, "sanso_nflog_skipped_total{reason=\"garbage\"} %llu\n"
	    "sanso_nflog_skipped_total{reason=\"truncated\"} %llu\n"
	    "sanso_nflog_skipped_total{reason=\"foreign\"} %llu\n",
	    (unsigned long long)ps.sp_garbage,
	    (unsigned long long)ps.sp_truncated,
	    (unsigned long long)ps.sp_foreign);
	metrics_family(f, "sanso_nflog_lost_total", "counter",
	    "Packet log messages the kernel could not hand over: times the "
	    "socket buffer was full (enobufs), messages missing from the "
	    "sequence numbers (sequence)");
	fprintf(f, "sanso_nflog_lost_total{reason=\"enobufs\"} %llu\n"
	    "sanso_nflog_lost_total{reason=\"sequence\"} %llu\n",
	    (unsigned long long)ps.sp_lost_enobufs,
	    (unsigned long long)ps.sp_lost_seq);
	metrics_u64(f, "sanso_packet_events_total", "counter",
	    "Packet events emitted", ps.sp_events);
}

/* Events: emitted, and per output written, lost, spooled, connected. */
static void
metrics_events(FILE *f)
{
	struct events_stats		 es;
	const struct events_output_stats *o;
	size_t				 i, k;
	static const struct {
		const char	*name, *type, *help;
	} fam[] = {
		{ "sanso_event_output_written_total", "counter",
		  "Events written to the file or delivered to a collector" },
		{ "sanso_event_output_lost_total", "counter",
		  "Events an output lost (write errors, a full spool, UDP "
		  "send errors)" },
		{ "sanso_event_spool_bytes", "gauge",
		  "Bytes of undelivered events spooled on disk" },
		{ "sanso_event_spool_records", "gauge",
		  "Undelivered events spooled on disk" },
		{ "sanso_event_output_connected", "gauge",
		  "1 when a TCP or TLS collector is connected" },
	};
	uint64_t			 val;

	events_stats(&es);
	metrics_u64(f, "sanso_events_emitted_total", "counter",
	    "Events emitted by sansod since it started", es.es_emitted);
	for (k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
		metrics_family(f, fam[k].name, fam[k].type, fam[k].help);
		for (i = 0; i < es.es_n_outputs && i < EVENTS_OUTPUTS_MAX;
		    i++) {
			o = &es.es_outputs[i];
			switch (k) {
			case 0: val = o->os_written; break;
			case 1: val = o->os_lost; break;
			case 2: val = o->os_spool_bytes; break;
			case 3: val = o->os_spool_records; break;
			default:
				if (o->os_connected < 0)
					continue;
				val = (uint64_t)o->os_connected;
				break;
			}
			fprintf(f, "%s{output=", fam[k].name);
			metrics_label(f, o->os_name ? o->os_name : "?");
			fputs(",kind=", f);
			metrics_label(f, o->os_kind ? o->os_kind : "?");
			fprintf(f, "} %llu\n", (unsigned long long)val);
		}
	}
}

char *
metrics_render(size_t *len)
{
	const struct policy_active	*run = svc_policy_running();
	struct metrics_clock		 c;
	char				*buf = NULL;
	FILE				*f;

	if ((f = open_memstream(&buf, len)) == NULL)
		fatal("%s: open_memstream", __func__);
	metrics_family(f, "sanso_build_info", "gauge",
	    "The sansod version (always 1)");
	fputs("sanso_build_info{version=", f);
	metrics_label(f, SANSO_VERSION);
	fputs("} 1\n", f);
	metrics_u64(f, "sanso_start_time_seconds", "gauge",
	    "When sansod started, unix time", (uint64_t)mt_start);

	if (run != NULL) {
		metrics_family(f, "sanso_policy_info", "gauge",
		    "The running policy's name and SHA-256 (always 1)");
		fputs("sanso_policy_info{name=", f);
		metrics_label(f, run->pa_name);
		fputs(",sha256=", f);
		metrics_label(f, run->pa_sha256);
		fputs("} 1\n", f);
		metrics_double(f, "sanso_policy_apply_duration_seconds",
		    "gauge", "How long the last apply took, from parse to the "
		    "kernel's acknowledgement", run->pa_apply_ms / 1e3);
		metrics_u64(f, "sanso_policy_applied_time_seconds", "gauge",
		    "When the running policy was applied, unix time",
		    (uint64_t)run->pa_applied_at);
		metrics_u64(f, "sanso_policy_rules", "gauge",
		    "Rules in table inet sanso", (uint64_t)run->pa_rules);
	}
	metrics_conduits(f, run);
	metrics_pairs(f, run);
	metrics_u64(f, "sanso_isolations", "gauge",
	    "CSIRT isolations in force", (uint64_t)svc_isolation_count());
	metrics_u64(f, "sanso_drift_detected_total", "counter",
	    "Times table inet sanso was found to differ from the policy",
	    mt_drift_detected);
	metrics_u64(f, "sanso_drift_repairs_total", "counter",
	    "Times table inet sanso was restored after drift",
	    mt_drift_repaired);
	metrics_u64(f, "sanso_drift_repair_failures_total", "counter",
	    "Times a drift repair was refused by the kernel", mt_drift_failed);
	metrics_events(f);
	metrics_packetlog(f);
	metrics_u64(f, "sanso_audit_entries", "gauge",
	    "Entries in the audit chain (the last sequence number)",
	    (uint64_t)audit_last_seq());
	metrics_u64(f, "sanso_audit_append_failures_total", "counter",
	    "Audit entries that could not be written", audit_failures());
	metrics_u64(f, "sanso_audit_alarms_total", "counter",
	    "Audit alarms: the chain found broken at start (audit.tampered) "
	    "or an entry not written (audit.failed)", audit_alarms());

	metrics_clock_read(&c);
	if (c.mc_ok) {
		metrics_u64(f, "sanso_clock_synchronised", "gauge",
		    "1 when the kernel says the clock is synchronised "
		    "(adjtimex STA_UNSYNC clear)", c.mc_synced ? 1 : 0);
		metrics_double(f, "sanso_clock_maxerror_seconds", "gauge",
		    "The kernel's maximum error bound of the clock",
		    c.mc_maxerror_s);
	}
	if (fclose(f) != 0)
		fatal("%s: fclose", __func__);
	return buf;
}

int
api_metrics(const struct api_request *req, json_t **resp)
{
	char	*text;
	size_t	 len;

	(void)req;
	/* A scrape is also a moment to notice a clock change. */
	metrics_clock_check();
	text = metrics_render(&len);
	*resp = json_stringn(text, len);
	free(text);
	if (*resp == NULL) {
		*resp = api_error("internal", NULL, "the metrics are not "
		    "valid UTF-8");
		return 500;
	}
	return 200;
}
