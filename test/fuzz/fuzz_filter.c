/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * libFuzzer target: filter_check_syntax() (libpcap's compiler, no EAL) on the input as a C
 * string, at most as long as a rule's filter may be (CFG_FILTER_LEN - 1 bytes): this is what
 * `stampede --check` and the config loader run on a rule's "filter".
 *
 * Checks: the answer is 0 or -EINVAL (or -ENOMEM), and a refusal comes with a one-string message.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "filter.h"

/* cfg.h's CFG_FILTER_LEN, without depending on lib/cfg. */
#define FUZZ_FILTER_MAX_LEN 1023

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[FILTER_ERR_LEN];
	char *expr;
	int rc;

	if (size > FUZZ_FILTER_MAX_LEN)
		return -1;
	expr = malloc(size + 1);
	FUZZ_ASSERT(expr != NULL);
	memcpy(expr, data, size);
	expr[size] = '\0';

	memset(err, 0x5a, sizeof(err));
	rc = filter_check_syntax(expr, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	if (rc != 0)
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
	free(expr);
	return 0;
}
