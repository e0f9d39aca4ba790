/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * What every libFuzzer target here shares: its entry point, and FUZZ_ASSERT(), a check that
 * holds in release builds too. A failed check prints the target's source file (fuzz_<target>.c:
 * the line scripts/fuzz.sh quotes from the log starts with "fuzz_"), its line and the condition,
 * then aborts: libFuzzer saves the input as a crash.
 */
#ifndef STP_TEST_FUZZ_H
#define STP_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(cond)                                                                 \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: assertion failed: %s\n",                  \
					strrchr("/" __FILE__, '/') + 1, __LINE__, #cond); \
			abort();                                                          \
		}                                                                         \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
