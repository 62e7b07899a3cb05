/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sansod: options, start-up, signals and systemd notification. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "api.h"
#include "auth.h"
#include "audit.h"
#include "control.h"
#include "event-syslog.h"
#include "events.h"
#include "https.h"
#include "kernel.h"
#include "log.h"
#include "metrics.h"
#include "proc.h"
#include "settings.h"
#include "state.h"
#include "store.h"
#include "svc-change.h"
#include "svc-isolation.h"
#include "svc-packetlog.h"
#include "svc-policy.h"
#include "version.h"
#include "xmalloc.h"

#define SANSOD_CONFIG	SYSCONFDIR "/sanso/policy.yaml"
#define SANSOD_SETTINGS	SYSCONFDIR "/sanso/sansod.yaml"
#define SANSOD_STATEDIR	"/var/lib/sanso"
#define SANSOD_SOCKET	RUNSTATEDIR "/sanso/sansod.sock"

static __attribute__((noreturn)) void
sansod_usage(void)
{
	fprintf(stderr,
	    "usage: sansod [-dft] [-c policy.yaml] [--settings sansod.yaml] "
	    "[-s statedir] [--socket path]\n"
	    "  -c, --config FILE   the policy (default %s)\n"
	    "      --settings FILE the daemon's settings (default %s, "
	    "when present)\n"
	    "  -s, --state DIR     state directory (default %s)\n"
	    "      --socket PATH   control socket (default %s)\n"
	    "  -f, --foreground    log to stderr instead of syslog\n"
	    "  -t, --test          check the policy, print what the validator "
	    "says, exit\n"
	    "  -d, --debug         more log output (repeat for more)\n"
	    "  -V, --version       print the version\n"
	    "      --routes        print the API routes and their "
	    "permissions, exit\n"
	    "      --init-admin NAME  create the first administrator with a "
	    "one-time\n"
	    "                      password (printed once), exit\n",
	    SANSOD_CONFIG, SANSOD_SETTINGS, SANSOD_STATEDIR, SANSOD_SOCKET);
	exit(2);
}

/* sansod -t: like nginx -t, every problem and a one-line verdict. */
static int
sansod_test(const char *config)
{
	struct policy_candidate	pc;
	size_t			nwarn;
	int			ret;

	svc_policy_candidate_file(&pc, config);
	diags_print(stderr, &pc.pc_diags);
	nwarn = pc.pc_diags.n - pc.pc_diags.nerrors;
	if (pc.pc_valid) {
		fprintf(stderr, "policy %s: OK (%zu zones, %zu conduits)\n",
		    config, pc.pc_policy->p_n_zones,
		    pc.pc_policy->p_n_conduits);
		if (nwarn > 0)
			fprintf(stderr, "policy %s: %zu warning%s\n", config,
			    nwarn, nwarn == 1 ? "" : "s");
		ret = 0;
	} else {
		fprintf(stderr, "policy %s: %zu error%s\n", config,
		    pc.pc_diags.nerrors, pc.pc_diags.nerrors == 1 ? "" : "s");
		ret = 1;
	}
	svc_policy_candidate_free(&pc);
	return ret;
}

static void
sansod_notify_status(const char *what)
{
	const struct policy_active *run = svc_policy_running();

	sd_notifyf(0, "%s\nSTATUS=policy %s (sha256 %.12s)", what,
	    run ? run->pa_name : "none", run ? run->pa_sha256 : "");
}

static void
sansod_sighup(int sig, void *arg)
{
	(void)sig;
	(void)arg;
	sd_notify(0, "RELOADING=1");
	svc_policy_reload();
	sansod_notify_status("READY=1");
}

static void
sansod_sigterm(int sig, void *arg)
{
	(void)arg;
	/* The kernel keeps the table: stopping sansod never opens the
	 * firewall. */
	log_info("exiting on %s; table inet sanso stays in the kernel",
	    strsignal(sig));
	sd_notify(0, "STOPPING=1");
	proc_exit();
}

/* Load @file (NULL: defaults only); print every problem, like -t. */
static bool
sansod_settings(const char *file, struct settings *out)
{
	struct diags	 d;
	char		*text = NULL;
	bool		 ok;

	if (file == NULL) {
		settings_defaults(out);
		return true;
	}
	diags_init(&d, NULL, 0);
	ok = settings_load(file, out, &text, &d);
	diags_print(stderr, &d);
	if (!ok)
		log_warnx("%s: settings refused; sansod not started", file);
	diags_free(&d);
	free(text);
	return ok;
}

/*
 * sansod --init-admin NAME: there is no built-in account; the first
 * administrator is made here, on the gateway, by whoever can write the
 * state directory.  Safe while sansod runs (SQLite serialises writers).
 */
static int
sansod_init_admin(const char *statedir, const char *name)
{
	struct store	*store;
	char		 temp[AUTH_TEMP_PASSWORD_LEN + 1];
	char		*cause = NULL, *why;
	int		 ret = 1;

	if (state_init(statedir, &cause) == -1)
		goto out;
	if ((store = store_open(statedir, &why)) == NULL) {
		xasprintf(&cause, "cannot open the store: %s", why);
		free(why);
		goto out;
	}
	auth_init(store);
	if (auth_init_admin(store, name, temp, &cause) == 0) {
		printf("administrator %s created\n"
		    "one-time password: %s\n"
		    "(shown only now; it must be changed at the first "
		    "login)\n", name, temp);
		log_info("administrator %s created by --init-admin", name);
		ret = 0;
	}
	explicit_bzero(temp, sizeof(temp));
	auth_init(NULL);
	store_close(store);
out:
	if (cause != NULL) {
		fprintf(stderr, "sansod: --init-admin %s: %s\n", name, cause);
		free(cause);
	}
	state_free();
	return ret;
}

/* Relative -c paths would change meaning if we ever chdir; fix them now. */
static char *
sansod_absolute(const char *path)
{
	char	 cwd[PATH_MAX];
	char	*abs;

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(path);
	xasprintf(&abs, "%s/%s", cwd, path);
	return abs;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "state",	required_argument,	NULL, 's' },
		{ "socket",	required_argument,	NULL, 'S' },
		{ "settings",	required_argument,	NULL, 'E' },
		{ "routes",	no_argument,		NULL, 'R' },
		{ "init-admin",	required_argument,	NULL, 'A' },
		{ "foreground",	no_argument,		NULL, 'f' },
		{ "test",	no_argument,		NULL, 't' },
		{ "debug",	no_argument,		NULL, 'd' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*config = SANSOD_CONFIG, *statedir = SANSOD_STATEDIR;
	const char	*sock = SANSOD_SOCKET, *settings_file = NULL;
	const char	*init_admin = NULL;
	struct settings	 settings;
	struct store	*store = NULL;
	char		*cause = NULL, *abs_config, *why;
	bool		 foreground = false, test = false;
	int		 ch, debug = 0, ret = 0;

	while ((ch = getopt_long(argc, argv, "c:s:ftdVh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 's':
			statedir = optarg;
			break;
		case 'S':
			sock = optarg;
			break;
		case 'E':
			settings_file = optarg;
			break;
		case 'A':
			init_admin = optarg;
			break;
		case 'R':
			/* For the OpenAPI and authorization-matrix tests:
			 * what the router serves, and what each needs. */
			for (size_t i = 0; i < api_n_routes; i++)
				printf("%s\t%s\t%s\n", api_routes[i].rt_method,
				    api_routes[i].rt_path,
				    api_routes[i].rt_permission);
			return 0;
		case 'f':
			foreground = true;
			break;
		case 't':
			test = true;
			break;
		case 'd':
			debug++;
			break;
		case 'V':
			printf("sansod %s\n", SANSO_VERSION);
			return 0;
		default:
			sansod_usage();
		}
	}
	if (optind != argc)
		sansod_usage();

	log_init("sansod", foreground || test, debug);
	/* The settings come first: they say where logs go and what listens.
	 * The default file is optional; a named one must exist. */
	if (settings_file == NULL && access(SANSOD_SETTINGS, F_OK) == 0)
		settings_file = SANSOD_SETTINGS;
	if (!sansod_settings(settings_file, &settings)) {
		settings_free(&settings);	/* the defaults it fell back to */
		return 1;
	}
	settings_install(&settings);
	if (init_admin != NULL) {
		ret = sansod_init_admin(statedir, init_admin);
		settings_clear();
		return ret;
	}
	if (test) {
		ret = sansod_test(config);
		settings_clear();
		return ret;
	}

	abs_config = sansod_absolute(config);
	log_info("sansod %s starting: policy %s, state %s, socket %s",
	    SANSO_VERSION, abs_config, statedir, sock);
	proc_init();
	if (state_init(statedir, &cause) == -1)
		goto fail;
	/* Isolations live in the store: without it the kernel cannot be
	 * rebuilt as it must be, so sansod does not start (and does not
	 * touch the table the kernel keeps). */
	if ((store = store_open(statedir, &why)) == NULL) {
		xasprintf(&cause, "cannot open the store: %s", why);
		free(why);
		goto fail;
	}
	auth_init(store);
	if (events_open(statedir, &why) == -1) {
		xasprintf(&cause, "cannot open the event log: %s", why);
		free(why);
		goto fail;
	}
	if (event_syslog_start(statedir, &settings_current()->se_logs,
	    &cause) == -1)
		goto fail;
	/* The socket first: finding another sansod there must stop us
	 * before we touch its kernel table. */
	if (control_init(sock, &cause) == -1)
		goto fail;
	if (https_init(&settings_current()->se_listen, &cause) == -1)
		goto fail;
	/* Before the services: their first actions are audited. */
	if (audit_init(store, statedir, &cause) == -1)
		goto fail;
	metrics_init();
	if (svc_isolation_init(store, &cause) == -1)
		goto fail;
	/* Exceptions too: expired ones go before the first apply. */
	if (svc_change_init(store, &cause) == -1)
		goto fail;
	svc_policy_init(abs_config);
	if (svc_policy_start(&cause) == -1)
		goto fail;
	/* After the policy: packet events name zones by its interfaces. */
	svc_packetlog_init();

	proc_signal(SIGHUP, sansod_sighup, NULL);
	proc_signal(SIGTERM, sansod_sigterm, NULL);
	proc_signal(SIGINT, sansod_sigterm, NULL);
	sansod_notify_status("READY=1");
	if (proc_loop() == -1) {
		log_warnx("event loop failed");
		ret = 1;
	}
	goto out;
fail:
	log_warnx("%s", cause);
	log_warnx("sansod not started");
	sd_notifyf(0, "STATUS=not started: %s", cause);
	free(cause);
	ret = 1;
out:
	https_free();
	control_free();
	svc_packetlog_free();
	svc_policy_free();
	svc_isolation_free();
	svc_change_free();
	kernel_free();
	metrics_free();
	audit_free();
	if (store != NULL)
		store_close(store);
	event_syslog_stop();
	events_close();
	state_free();
	proc_free();
	free(abs_config);
	settings_clear();
	return ret;
}
