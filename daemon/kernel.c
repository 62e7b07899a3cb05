/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The requests the CAP_NET_ADMIN side answers, served in-process for now. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../nftables/nft.h"
#include "../nftables/ruleset.h"
#include "kernel.h"
#include "log.h"
#include "xmalloc.h"

/* What the kernel was last given: the reference for drift checks. */
static struct ruleset	*kernel_applied;

static uint64_t
kernel_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int
kernel_apply(struct ruleset *rs, int flags, struct kernel_apply_result *res)
{
	struct nft_drift	drift;
	uint64_t		t0;
	int			ret;

	memset(res, 0, sizeof(*res));
	t0 = kernel_now_usec();
	if (flags & KERNEL_APPLY_IF_CHANGED) {
		memset(&drift, 0, sizeof(drift));
		if (nft_check_drift(rs, &drift) == 0 && drift.present &&
		    drift.match) {
			log_debug("%s: table inet sanso already as intended",
			    __func__);
			goto keep;
		}
	}
	ret = nft_apply(rs, res->ka_error, sizeof(res->ka_error));
	if (ret < 0) {
		if (res->ka_error[0] == '\0')
			snprintf(res->ka_error, sizeof(res->ka_error), "%s",
			    strerror(-ret));
		res->ka_usec = kernel_now_usec() - t0;
		return ret;
	}
	res->ka_applied = true;
keep:
	res->ka_usec = kernel_now_usec() - t0;
	ruleset_free(kernel_applied);
	kernel_applied = rs;
	return 0;
}

int
kernel_check_drift(struct kernel_drift *out)
{
	struct nft_drift	drift;
	int			ret;

	memset(out, 0, sizeof(*out));
	if (kernel_applied == NULL) {
		snprintf(out->kd_detail, sizeof(out->kd_detail),
		    "nothing applied yet");
		return 0;
	}
	out->kd_applied = true;
	memset(&drift, 0, sizeof(drift));
	if ((ret = nft_check_drift(kernel_applied, &drift)) < 0) {
		snprintf(out->kd_detail, sizeof(out->kd_detail),
		    "cannot read table inet sanso: %s", strerror(-ret));
		return ret;
	}
	out->kd_present = drift.present;
	out->kd_match = drift.present && drift.match;
	if (!drift.present)
		snprintf(out->kd_detail, sizeof(out->kd_detail),
		    "table inet sanso is missing");
	else
		snprintf(out->kd_detail, sizeof(out->kd_detail), "%s",
		    drift.detail);
	return 0;
}

int
kernel_read_counters(struct kernel_counter **out, size_t *n)
{
	struct nft_counter_value	*v = NULL;
	size_t				 i, nv = 0;
	int				 ret;

	*out = NULL;
	*n = 0;
	if ((ret = nft_read_counters(&v, &nv)) < 0)
		return ret;
	*out = xcalloc(nv ? nv : 1, sizeof(**out));
	for (i = 0; i < nv; i++) {
		snprintf((*out)[i].kc_name, sizeof((*out)[i].kc_name), "%s",
		    v[i].name);
		(*out)[i].kc_packets = v[i].packets;
		(*out)[i].kc_bytes = v[i].bytes;
	}
	*n = nv;
	free(v);
	return 0;
}

void
kernel_free(void)
{
	ruleset_free(kernel_applied);
	kernel_applied = NULL;
}
