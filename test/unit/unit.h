/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_TEST_UNIT_H
#define STP_TEST_UNIT_H

/*
 * The unit tests' tiny harness: one line per check ("ok  " or "FAIL", then what was checked),
 * and a closing "N passed, N failed" line, the plain form CI reads.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

static unsigned int nb_passed, nb_failed;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		nb_passed++;
	else
		nb_failed++;
}

/* Print the closing line; the test's exit status. */
static inline int
unit_done(void)
{
	printf("%u passed, %u failed\n", nb_passed, nb_failed);
	return nb_failed == 0 ? 0 : 1;
}

/*
 * JSON written with single quotes, to stay readable in C strings: the text with ' turned into ",
 * in a static buffer (one at a time; no test text needs a literal single quote).
 */
static inline const char *
unit_json(const char *text)
{
	static char buf[8192];
	size_t i;

	for (i = 0; text[i] != '\0' && i < sizeof(buf) - 1; i++)
		buf[i] = text[i] == '\'' ? '"' : text[i];
	buf[i] = '\0';
	return buf;
}

/* splitmix64: a seedable pseudo-random sequence for tests (@p state: the seed, then state). */
static inline uint64_t
unit_rand64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif /* STP_TEST_UNIT_H */
