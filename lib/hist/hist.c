/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "hist.h"

const double hist_quantiles[HIST_NB_QUANTILES] = { 0.5, 0.9, 0.99, 0.999, 0.9999 };
const char *const hist_quantile_names[HIST_NB_QUANTILES] = { "p50", "p90", "p99", "p99.9",
	"p99.99" };

void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

uint64_t
hist_bucket_lo(unsigned int i)
{
	unsigned int k;

	if (i < HIST_SUB)
		return i;
	k = i / HIST_SUB; /* octave 2^(k + SUB_BITS - 1) */
	return (uint64_t)(HIST_SUB + i % HIST_SUB) << (k - 1);
}

uint64_t
hist_bucket_hi(unsigned int i)
{
	if (i >= HIST_NB_BUCKETS - 1)
		return UINT64_MAX;
	return hist_bucket_lo(i + 1) - 1;
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	uint64_t v;
	uint64_t n = 0;

	/*
	 * The count is the buckets' own total: a snapshot of a histogram being written may catch a
	 * value in its bucket but not yet in count, and an export must add up.
	 */
	for (unsigned int i = 0; i < HIST_NB_BUCKETS; i++) {
		uint64_t c = __atomic_load_n(&src->b[i], __ATOMIC_RELAXED);

		dst->b[i] += c;
		n += c;
	}
	dst->count += n;
	dst->sum += __atomic_load_n(&src->sum, __ATOMIC_RELAXED);
	dst->overflow += __atomic_load_n(&src->overflow, __ATOMIC_RELAXED);
	v = __atomic_load_n(&src->min, __ATOMIC_RELAXED);
	if (v < dst->min)
		dst->min = v;
	v = __atomic_load_n(&src->max, __ATOMIC_RELAXED);
	if (v > dst->max)
		dst->max = v;
}

uint64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t total = 0, rank, cum = 0;

	/* The buckets' own total: count may be a value ahead of them in a live snapshot. */
	for (unsigned int i = 0; i < HIST_NB_BUCKETS; i++)
		total += h->b[i];
	if (total == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	rank = (uint64_t)ceil(q * (double)total);
	if (rank == 0)
		rank = 1;
	for (unsigned int i = 0; i < HIST_NB_BUCKETS; i++) {
		cum += h->b[i];
		if (cum >= rank) {
			uint64_t v = hist_bucket_hi(i);

			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max;
}

double
hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

int
hist_summary_str(const struct hist *h, char *buf, size_t len)
{
	int n, k;

	n = snprintf(buf, len, "{\"count\":%" PRIu64 ",\"min\":%" PRIu64 ",\"mean\":%.1f", h->count,
			h->count ? h->min : 0, hist_mean(h));
	for (unsigned int i = 0; i < HIST_NB_QUANTILES; i++) {
		k = snprintf(buf + ((size_t)n < len ? (size_t)n : len),
				(size_t)n < len ? len - (size_t)n : 0, ",\"%s\":%" PRIu64,
				hist_quantile_names[i], hist_quantile(h, hist_quantiles[i]));
		n += k;
	}
	k = snprintf(buf + ((size_t)n < len ? (size_t)n : len),
			(size_t)n < len ? len - (size_t)n : 0,
			",\"max\":%" PRIu64 ",\"overflow\":%" PRIu64 "}", h->count ? h->max : 0,
			h->overflow);
	return n + k;
}

int
hist_write_csv(const struct hist *h, FILE *f)
{
	uint64_t total = 0, cum = 0;

	for (unsigned int i = 0; i < HIST_NB_BUCKETS; i++)
		total += h->b[i];
	fprintf(f, "lo_ns,hi_ns,count,cumulative_fraction\n");
	for (unsigned int i = 0; i < HIST_NB_BUCKETS; i++) {
		if (h->b[i] == 0)
			continue;
		cum += h->b[i];
		fprintf(f, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.9f\n", hist_bucket_lo(i),
				hist_bucket_hi(i), h->b[i], (double)cum / (double)total);
	}
	return ferror(f) ? -EIO : 0;
}

int
hist_write_json(const struct hist *h, FILE *f)
{
	char sum[512];
	bool first = true;

	hist_summary_str(h, sum, sizeof(sum));
	fprintf(f, "{\"unit\":\"ns\",\"sub_bits\":%u,\"summary\":%s,\"buckets\":[", HIST_SUB_BITS,
			sum);
	for (unsigned int i = 0; i < HIST_NB_BUCKETS; i++) {
		if (h->b[i] == 0)
			continue;
		fprintf(f, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", first ? "" : ",",
				hist_bucket_lo(i), hist_bucket_hi(i), h->b[i]);
		first = false;
	}
	fprintf(f, "]}\n");
	return ferror(f) ? -EIO : 0;
}
