/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The conntrack deletion worker: a thread, a queue, an eventfd back. */
#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctflush.h"
#include "log.h"
#include "proc.h"
#include "xmalloc.h"

/* Addresses and labels waiting for, or taken by, one walk. */
struct ctflush_batch {
	struct kernel_addr	*cb_v;
	size_t			 cb_n, cb_cap;
	char			**cb_labels;
	size_t			 cb_n_labels, cb_cap_labels;
};

static pthread_t		 cf_thread;
static pthread_mutex_t		 cf_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 cf_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t		 cf_idle = PTHREAD_COND_INITIALIZER;
static struct ctflush_batch	 cf_queue;	/* under cf_lock */
static struct ctflush_done	*cf_results;	/* under cf_lock */
static size_t			 cf_n_results, cf_cap_results;
static bool			 cf_running, cf_stop, cf_busy;
static int			 cf_efd = -1;
static struct proc_fd		*cf_pfd;
static void			(*cf_done)(const struct ctflush_done *, void *);
static void			*cf_arg;

static void
ctflush_batch_free(struct ctflush_batch *b)
{
	size_t i;

	free(b->cb_v);
	for (i = 0; i < b->cb_n_labels; i++)
		free(b->cb_labels[i]);
	free(b->cb_labels);
	memset(b, 0, sizeof(*b));
}

static double
ctflush_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *
ctflush_main(void *arg)
{
	struct ctflush_batch	 b;
	struct ctflush_done	 d;
	uint64_t		 one = 1;
	double			 t0;

	(void)arg;
	pthread_mutex_lock(&cf_lock);
	for (;;) {
		while (cf_queue.cb_n_labels == 0 && !cf_stop)
			pthread_cond_wait(&cf_wake, &cf_lock);
		if (cf_queue.cb_n_labels == 0)
			break;		/* stopping, nothing left */
		b = cf_queue;
		memset(&cf_queue, 0, sizeof(cf_queue));
		cf_busy = true;
		pthread_mutex_unlock(&cf_lock);

		t0 = ctflush_now_ms();
		memset(&d, 0, sizeof(d));
		d.cd_deleted = b.cb_n > 0 ? kernel_ct_flush(b.cb_v, b.cb_n) : 0;
		d.cd_ms = ctflush_now_ms() - t0;
		d.cd_labels = b.cb_labels;
		d.cd_n_labels = b.cb_n_labels;
		b.cb_labels = NULL;
		b.cb_n_labels = 0;
		ctflush_batch_free(&b);

		pthread_mutex_lock(&cf_lock);
		cf_results = xgrow(cf_results, &cf_cap_results, cf_n_results,
		    sizeof(*cf_results));
		cf_results[cf_n_results++] = d;
		cf_busy = false;
		pthread_cond_broadcast(&cf_idle);
		/* Wakes the loop; a full counter only means it is awake. */
		if (write(cf_efd, &one, sizeof(one)) == -1 && errno != EAGAIN)
			log_warn("ctflush: eventfd");
	}
	cf_busy = false;
	pthread_cond_broadcast(&cf_idle);
	pthread_mutex_unlock(&cf_lock);
	return NULL;
}

/* Hand the finished walks to the caller's callback, in the loop. */
static void
ctflush_collect(void)
{
	struct ctflush_done	*v;
	size_t			 n, i, j;

	pthread_mutex_lock(&cf_lock);
	v = cf_results;
	n = cf_n_results;
	cf_results = NULL;
	cf_n_results = cf_cap_results = 0;
	pthread_mutex_unlock(&cf_lock);
	for (i = 0; i < n; i++) {
		if (cf_done != NULL)
			cf_done(&v[i], cf_arg);
		for (j = 0; j < v[i].cd_n_labels; j++)
			free(v[i].cd_labels[j]);
		free(v[i].cd_labels);
	}
	free(v);
}

static void
ctflush_readable(int fd, void *arg)
{
	uint64_t	n;

	(void)arg;
	if (read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		log_warn("ctflush: eventfd");
	ctflush_collect();
}

int
ctflush_init(void (*done)(const struct ctflush_done *, void *), void *arg,
    char **cause)
{
	int	err;

	cf_done = done;
	cf_arg = arg;
	if ((cf_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		xasprintf(cause, "conntrack worker: eventfd: %s",
		    strerror(errno));
		return -1;
	}
	cf_stop = false;
	if ((err = pthread_create(&cf_thread, NULL, ctflush_main, NULL)) != 0) {
		xasprintf(cause, "conntrack worker: cannot start a thread: %s",
		    strerror(err));
		close(cf_efd);
		cf_efd = -1;
		return -1;
	}
	cf_running = true;
	cf_pfd = proc_fd_new(cf_efd, ctflush_readable, NULL);
	return 0;
}

void
ctflush_queue(const struct kernel_addr *v, size_t n, const char *label)
{
	struct ctflush_batch	*q = &cf_queue;
	size_t			 i;
	int			 ret;

	if (!cf_running) {
		/* No worker (tests of the service alone): inline. */
		if (n > 0 && (ret = kernel_ct_flush(v, n)) < 0)
			log_warnx("conntrack of %s: %s", label,
			    strerror(-ret));
		return;
	}
	pthread_mutex_lock(&cf_lock);
	for (i = 0; i < n; i++) {
		q->cb_v = xgrow(q->cb_v, &q->cb_cap, q->cb_n, sizeof(*q->cb_v));
		q->cb_v[q->cb_n++] = v[i];
	}
	q->cb_labels = xgrow(q->cb_labels, &q->cb_cap_labels, q->cb_n_labels,
	    sizeof(*q->cb_labels));
	q->cb_labels[q->cb_n_labels++] = xstrdup(label);
	pthread_cond_signal(&cf_wake);
	pthread_mutex_unlock(&cf_lock);
}

void
ctflush_drain(void)
{
	if (!cf_running)
		return;
	pthread_mutex_lock(&cf_lock);
	while (cf_queue.cb_n_labels > 0 || cf_busy)
		pthread_cond_wait(&cf_idle, &cf_lock);
	pthread_mutex_unlock(&cf_lock);
	ctflush_collect();
}

void
ctflush_free(void)
{
	if (!cf_running)
		return;
	pthread_mutex_lock(&cf_lock);
	cf_stop = true;
	pthread_cond_signal(&cf_wake);
	pthread_mutex_unlock(&cf_lock);
	pthread_join(cf_thread, NULL);
	cf_running = false;
	ctflush_collect();
	proc_fd_free(cf_pfd);
	cf_pfd = NULL;
	close(cf_efd);
	cf_efd = -1;
	ctflush_batch_free(&cf_queue);
}
