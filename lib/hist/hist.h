/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_HIST_H
#define STP_HIST_H

/**
 * @file
 * Log-linear latency histogram (HDR-style) of nanosecond values.
 *
 * Values below 2^HIST_SUB_BITS ns have a bucket each (exact). Above, each power of two
 * [2^e, 2^(e+1)) is cut into 2^HIST_SUB_BITS equal buckets, so a bucket is at most 1/256 of the
 * values it holds wide (0.39 %). Values from 2^HIST_MAX_EXP ns (about 73 minutes) on share the
 * last bucket and are counted in "overflow"; min, max, count and sum stay exact for every value.
 *
 * Recording is a few instructions and touches one bucket: one writer per histogram (an lcore);
 * readers (the control thread) merge the lcores' histograms with hist_merge(), seeing each
 * counter whole (aligned 64-bit stores), if a few values late.
 *
 * Quantiles are the highest value of the bucket where the quantile's rank falls, clamped to
 * [min, max]: below 256 ns they are exact, above they are at most one bucket width high, never
 * low, and hist_quantile(h, 1.0) is max, hist_quantile(h, 0.0) is min.
 *
 * No EAL here: unit-testable anywhere.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define HIST_SUB_BITS 8
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_MAX_EXP 42
/** Buckets: the exact range, then 2^SUB_BITS per power of two up to 2^MAX_EXP. */
#define HIST_NB_BUCKETS ((HIST_MAX_EXP - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t sum; /**< ns; wraps after 584 years of summed latency */
	uint64_t min; /**< UINT64_MAX while empty */
	uint64_t max;
	uint64_t overflow; /**< values >= 2^HIST_MAX_EXP (in the last bucket) */
	uint64_t b[HIST_NB_BUCKETS];
};

/** Bucket of value @p v. */
static inline unsigned int
hist_bucket(uint64_t v)
{
	unsigned int e, idx;

	if (v < HIST_SUB)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v);
	if (e >= HIST_MAX_EXP)
		return HIST_NB_BUCKETS - 1;
	/* v >> (e - SUB_BITS) is in [SUB, 2 SUB): its low bits pick the bucket in the octave. */
	idx = (e - HIST_SUB_BITS + 1) * HIST_SUB +
			(unsigned int)((v >> (e - HIST_SUB_BITS)) - HIST_SUB);
	return idx;
}

/** Record one value. */
static inline void
hist_record(struct hist *h, uint64_t v)
{
	h->b[hist_bucket(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	if (v >> HIST_MAX_EXP)
		h->overflow++;
}

/** Empty the histogram. */
void hist_init(struct hist *h);

/** Lowest and highest value that bucket @p i holds. */
uint64_t hist_bucket_lo(unsigned int i);
uint64_t hist_bucket_hi(unsigned int i);

/** Add @p src into @p dst (src may be written meanwhile: a reader's snapshot). */
void hist_merge(struct hist *dst, const struct hist *src);

/** Value at quantile @p q in [0, 1] (see the file comment); 0 when empty. */
uint64_t hist_quantile(const struct hist *h, double q);

/** Mean in ns; 0 when empty. */
double hist_mean(const struct hist *h);

/** The quantiles every summary shows, and their names ("p50"... "p99.99"). */
#define HIST_NB_QUANTILES 5
extern const double hist_quantiles[HIST_NB_QUANTILES];
extern const char *const hist_quantile_names[HIST_NB_QUANTILES];

/**
 * Summary as one JSON object text into @p buf: {"count":..,"min":..,"mean":..,"p50":..,"p90":..,
 * "p99":..,"p99.9":..,"p99.99":..,"max":..,"overflow":..} (all ns; min and max 0 when empty).
 * Returns the length written (snprintf's), like snprintf.
 */
int hist_summary_str(const struct hist *h, char *buf, size_t len);

/**
 * Every non-empty bucket as CSV "lo_ns,hi_ns,count,cumulative_fraction" after a header line.
 * Returns 0 or -errno.
 */
int hist_write_csv(const struct hist *h, FILE *f);

/**
 * The histogram as JSON text: {"unit":"ns","sub_bits":8,"summary":{...},"buckets":[[lo,hi,count],
 * ...]} (non-empty buckets only). Returns 0 or -errno.
 */
int hist_write_json(const struct hist *h, FILE *f);

#endif /* STP_HIST_H */
