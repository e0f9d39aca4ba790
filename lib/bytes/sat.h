/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_SAT_H
#define STP_SAT_H

/**
 * @file
 * The one saturating difference of two unsigned 64-bit values, for counters read against a
 * baseline ("clear stats": a counter may be read before the clear's baseline is) and for times
 * read against a later one (a time read after the caller's "now", or by another thread on
 * another CPU): 0 where an unsigned difference would wrap to ~2^64.
 */

#include <stdint.h>

/** @p a - @p b, or 0 when @p b is larger. */
static inline uint64_t
sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

#endif /* STP_SAT_H */
