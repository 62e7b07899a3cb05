/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The benchmark's traffic: COUNT UDP datagrams to ADDR:PORT as fast as
 * sendmmsg() takes them, for at most SECONDS; prints "sent seconds". */
#define _GNU_SOURCE
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	struct mmsghdr msgs[BATCH];
	struct iovec iov;
	struct sockaddr_in sin;
	char payload[32];
	long count, sent = 0;
	double t0, secs;
	int fd, i, n;

	if (argc != 5) {
		fprintf(stderr, "usage: flood ADDR PORT COUNT SECONDS\n");
		return 2;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1)
		return 2;
	count = atol(argv[3]);
	secs = atof(argv[4]);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("socket");
		return 1;
	}
	memset(payload, 'x', sizeof(payload));
	iov.iov_base = payload;
	iov.iov_len = sizeof(payload);
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now();
	while (sent < count && now() - t0 < secs) {
		n = sendmmsg(fd, msgs, count - sent < BATCH ?
		    (unsigned)(count - sent) : BATCH, 0);
		if (n < 0 && (errno == ENOBUFS || errno == EAGAIN ||
		    errno == EINTR))
			continue;
		if (n < 0) {
			perror("sendmmsg");
			return 1;
		}
		sent += n;
	}
	printf("%ld %.3f\n", sent, now() - t0);
	close(fd);
	return 0;
}
