/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libevent plumbing for sansod: the base, signal events, timers, fds. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "proc.h"
#include "xmalloc.h"

struct proc_signal {
	struct event	*ps_ev;
	int		 ps_sig;
	void		(*ps_cb)(int, void *);
	void		*ps_arg;
};

struct proc_timer {
	struct event	*pt_ev;
	void		(*pt_cb)(void *);
	void		*pt_arg;
	bool		 pt_periodic;
};

struct proc_fd {
	struct event	*pf_ev;
	int		 pf_fd;
	void		(*pf_cb)(int, void *);
	void		*pf_arg;
};

static struct event_base	*proc_evbase;
static struct proc_signal	**proc_signals;
static size_t			 proc_n_signals, proc_cap_signals;

void
proc_init(void)
{
	/*
	 * A peer that goes away while we write a response must not kill
	 * the daemon: the write returns EPIPE instead.
	 */
	signal(SIGPIPE, SIG_IGN);
	if ((proc_evbase = event_base_new()) == NULL)
		fatalx("%s: cannot create the libevent base", __func__);
}

struct event_base *
proc_base(void)
{
	return proc_evbase;
}

static void
proc_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct proc_signal *ps = arg;

	(void)what;
	log_debug("signal %d", (int)sig);
	ps->ps_cb((int)sig, ps->ps_arg);
}

void
proc_signal(int sig, void (*cb)(int, void *), void *arg)
{
	struct proc_signal *ps;

	/* One allocation each: the event keeps a pointer to it. */
	proc_signals = xgrow(proc_signals, &proc_cap_signals, proc_n_signals,
	    sizeof(*proc_signals));
	ps = xcalloc(1, sizeof(*ps));
	proc_signals[proc_n_signals++] = ps;
	ps->ps_sig = sig;
	ps->ps_cb = cb;
	ps->ps_arg = arg;
	ps->ps_ev = evsignal_new(proc_evbase, sig, proc_signal_cb, ps);
	if (ps->ps_ev == NULL || evsignal_add(ps->ps_ev, NULL) == -1)
		fatalx("%s: cannot watch signal %d", __func__, sig);
}

int
proc_loop(void)
{
	return event_base_dispatch(proc_evbase) == -1 ? -1 : 0;
}

void
proc_exit(void)
{
	event_base_loopbreak(proc_evbase);
}

void
proc_free(void)
{
	size_t i;

	for (i = 0; i < proc_n_signals; i++) {
		event_free(proc_signals[i]->ps_ev);
		free(proc_signals[i]);
	}
	free(proc_signals);
	proc_signals = NULL;
	proc_n_signals = proc_cap_signals = 0;
	if (proc_evbase != NULL)
		event_base_free(proc_evbase);
	proc_evbase = NULL;
	/* So that LeakSanitizer sees no allocation of libevent's own. */
	libevent_global_shutdown();
}

static void
proc_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proc_timer *pt = arg;

	(void)fd;
	(void)what;
	pt->pt_cb(pt->pt_arg);
}

struct proc_timer *
proc_timer_new(void (*cb)(void *), void *arg)
{
	struct proc_timer *pt;

	pt = xcalloc(1, sizeof(*pt));
	pt->pt_cb = cb;
	pt->pt_arg = arg;
	return pt;
}

void
proc_timer_start(struct proc_timer *pt, unsigned long msec, bool periodic)
{
	struct timeval tv;

	if (pt->pt_ev != NULL && pt->pt_periodic != periodic) {
		event_free(pt->pt_ev);
		pt->pt_ev = NULL;
	}
	if (pt->pt_ev == NULL) {
		pt->pt_ev = event_new(proc_evbase, -1,
		    periodic ? EV_PERSIST : 0, proc_timer_cb, pt);
		if (pt->pt_ev == NULL)
			fatalx("%s: cannot create a timer", __func__);
		pt->pt_periodic = periodic;
	}
	tv.tv_sec = (time_t)(msec / 1000);
	tv.tv_usec = (suseconds_t)(msec % 1000) * 1000;
	if (event_add(pt->pt_ev, &tv) == -1)
		fatalx("%s: cannot arm a timer", __func__);
}

void
proc_timer_stop(struct proc_timer *pt)
{
	if (pt != NULL && pt->pt_ev != NULL)
		event_del(pt->pt_ev);
}

bool
proc_timer_pending(const struct proc_timer *pt)
{
	return pt != NULL && pt->pt_ev != NULL &&
	    event_pending(pt->pt_ev, EV_TIMEOUT, NULL);
}

void
proc_timer_free(struct proc_timer *pt)
{
	if (pt == NULL)
		return;
	if (pt->pt_ev != NULL)
		event_free(pt->pt_ev);
	free(pt);
}

static void
proc_fd_cb(evutil_socket_t fd, short what, void *arg)
{
	struct proc_fd *pf = arg;

	(void)fd;
	(void)what;
	pf->pf_cb(pf->pf_fd, pf->pf_arg);
}

struct proc_fd *
proc_fd_new(int fd, void (*cb)(int, void *), void *arg)
{
	struct proc_fd *pf;

	pf = xcalloc(1, sizeof(*pf));
	pf->pf_fd = fd;
	pf->pf_cb = cb;
	pf->pf_arg = arg;
	pf->pf_ev = event_new(proc_evbase, fd, EV_READ | EV_PERSIST,
	    proc_fd_cb, pf);
	if (pf->pf_ev == NULL || event_add(pf->pf_ev, NULL) == -1)
		fatalx("%s: cannot watch fd %d", __func__, fd);
	return pf;
}

void
proc_fd_free(struct proc_fd *pf)
{
	if (pf == NULL)
		return;
	if (pf->pf_ev != NULL)
		event_free(pf->pf_ev);
	free(pf);
}
