/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's event loop plumbing (tmux proc.c): signals, timers and
 * readable fds.  Only
 * proc.c touches struct event; the HTTP server gets the base from
 * proc_base() and nothing else does.
 */
#ifndef SANSO_PROC_H
#define SANSO_PROC_H

#include <stdbool.h>

struct event_base;
struct proc_timer;
struct proc_fd;

/* Create the event base; fatal when libevent cannot. */
void		 proc_init(void);
/* For the HTTP server (control.c) only. */
struct event_base *proc_base(void);
/* Call @cb from the loop (not from the signal handler) when @sig arrives. */
void		 proc_signal(int sig, void (*cb)(int sig, void *arg), void *arg);
/* Run until proc_exit(); returns 0, or -1 when the loop failed. */
int		 proc_loop(void);
void		 proc_exit(void);
/* Free the signal events, the timers' base and libevent's globals. */
void		 proc_free(void);

/*
 * A timer that calls @cb from the loop.  proc_timer_start() (re)arms it
 * once after @msec; with @periodic it fires every @msec until stopped.
 */
struct proc_timer *proc_timer_new(void (*cb)(void *arg), void *arg);
void		 proc_timer_start(struct proc_timer *, unsigned long msec,
		    bool periodic);
void		 proc_timer_stop(struct proc_timer *);
bool		 proc_timer_pending(const struct proc_timer *);
void		 proc_timer_free(struct proc_timer *);

/* Call @cb from the loop whenever @fd is readable (until freed).  The fd
 * stays the caller's to close, after proc_fd_free(). */
struct proc_fd	*proc_fd_new(int fd, void (*cb)(int fd, void *arg), void *arg);
void		 proc_fd_free(struct proc_fd *);

#endif
