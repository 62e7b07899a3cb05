/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exceptions (例外措置, 002 §99) as conduits: merged into a copy of the
 * running policy and put through the one validator, so that an exception
 * can never do what a policy conduit may not (the マイナンバー–internet
 * ban, the 無害化 rule, ...).  Pure: no store, no kernel.
 */
#ifndef SANSO_POLICY_EXCEPTION_H
#define SANSO_POLICY_EXCEPTION_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "policy.h"

/* Conduit names of exceptions start with this ("x-12-web8080"). */
#define POLICY_EXCEPTION_PREFIX	"x-"

/**
 * struct policy_exception - one temporary conduit
 * @pe_conduit: its name in the ruleset ("x-<id>" or "x-<id>-<name>")
 * @pe_services: service names of the policy, or "tcp/N", "udp/N",
 *   "tcp/N-M", "udp/N-M", "icmp" (a service is made for those)
 * @pe_via: sanitizer kind or NULL; @pe_approval: reference or NULL
 * @pe_label: what diagnostics name as the file ("exception 12")
 */
struct policy_exception {
	const char		 *pe_conduit;
	const char		 *pe_from;
	const char		 *pe_to;
	const char *const	 *pe_services;
	size_t			  pe_n_services;
	const char		 *pe_via;
	const char		 *pe_approval;
	const char		 *pe_label;
};

/* True when @s is a port literal (tcp/N, udp/N-M, icmp) or looks like a
 * service name; false with a sentence in @err. */
bool	policy_exception_service_ok(const char *s, char *err, size_t errlen);

/*
 * Parse @text (a valid policy, the running one), add the conduits of
 * @v[0..n) and validate.  Returns the validated merged policy, or NULL
 * with the validator's errors (and its warnings about the exceptions;
 * those about the policy itself were seen when it was applied) queued on
 * @d, each naming its exception's label as the file.
 */
struct policy	*policy_exception_merge(const char *name, const char *text,
		    size_t len, const struct policy_exception *v, size_t n,
		    struct diags *d);
/*
 * The same for what is in force: every exception that still validates
 * against this policy goes in (one by one when the whole set does not),
 * @in_force[i] says which.  Returns NULL only when @text itself is not a
 * valid policy.
 */
struct policy	*policy_exception_merge_valid(const char *name,
		    const char *text, size_t len,
		    const struct policy_exception *v, size_t n,
		    bool *in_force);

#endif
