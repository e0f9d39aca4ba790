/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* lib/hist: bucket bounds, quantiles against a sorted reference, merge, exports. */

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "unit.h"

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A reproducible sequence (unit.h). */
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t
rng(void)
{
	return unit_rand64(&rng_state);
}

static void
test_buckets(void)
{
	bool ok = true;
	uint64_t prev_hi = UINT64_MAX;

	/* Buckets tile [0, 2^MAX_EXP) with no gap or overlap, and every value lands in its own. */
	for (unsigned int i = 0; i < HIST_NB_BUCKETS; i++) {
		uint64_t lo = hist_bucket_lo(i), hi = hist_bucket_hi(i);

		if (lo != prev_hi + 1 || hi < lo || hist_bucket(lo) != i ||
				(i < HIST_NB_BUCKETS - 1 && hist_bucket(hi) != i)) {
			ok = false;
			printf("bucket %u: [%" PRIu64 ", %" PRIu64 "]\n", i, lo, hi);
			break;
		}
		/* Width at most 1/256 of the bucket's values. */
		if (i < HIST_NB_BUCKETS - 1 && (hi - lo + 1) * HIST_SUB > lo && lo >= HIST_SUB) {
			ok = false;
			printf("bucket %u too wide\n", i);
			break;
		}
		prev_hi = hi;
	}
	check(ok, "buckets tile the range, each value in its own bucket, width <= 1/256");
	check(hist_bucket(0) == 0 && hist_bucket(255) == 255 && hist_bucket(511) == 511,
			"values below 512 ns have a bucket each");
	check(hist_bucket(UINT64_MAX) == HIST_NB_BUCKETS - 1 &&
					hist_bucket(1ULL << HIST_MAX_EXP) == HIST_NB_BUCKETS - 1,
			"huge values share the last bucket");
	check(hist_bucket_hi(HIST_NB_BUCKETS - 1) == UINT64_MAX, "last bucket open-ended");
}

static void
test_quantiles(void)
{
	enum {
		N = 100000
	};
	static uint64_t v[N];
	static struct hist h, a, b;
	bool ok = true;

	hist_init(&h);
	hist_init(&a);
	hist_init(&b);
	check(hist_quantile(&h, 0.5) == 0 && hist_mean(&h) == 0, "empty: quantiles and mean 0");
	for (unsigned int i = 0; i < N; i++) {
		/* Log-uniform from 1 ns to ~1 s: every octave gets values. */
		double e = (double)(rng() % 30000) / 1000.0;

		v[i] = (uint64_t)pow(2.0, e) + rng() % 7;
		hist_record(&h, v[i]);
		hist_record(i % 2 ? &a : &b, v[i]);
	}
	qsort(v, N, sizeof(v[0]), cmp_u64);
	check(h.count == N && h.min == v[0] && h.max == v[N - 1], "count, min and max exact");
	for (unsigned int k = 0; k < HIST_NB_QUANTILES; k++) {
		double q = hist_quantiles[k];
		uint64_t ref = v[(size_t)ceil(q * N) - 1]; /* nearest-rank */
		uint64_t got = hist_quantile(&h, q);

		/* Never below the reference, at most one bucket above it. */
		if (got < ref || got > hist_bucket_hi(hist_bucket(ref))) {
			ok = false;
			printf("%s: got %" PRIu64 " reference %" PRIu64 "\n",
					hist_quantile_names[k], got, ref);
		}
	}
	check(ok, "p50..p99.99 within one bucket above the nearest-rank reference");
	check(hist_quantile(&h, 0) == v[0] && hist_quantile(&h, 1) == v[N - 1],
			"q=0 is min, q=1 is max");
	{
		long double s = 0;

		for (unsigned int i = 0; i < N; i++)
			s += v[i];
		check(fabs(hist_mean(&h) - (double)(s / N)) < 1e-6 * (double)(s / N), "mean exact");
	}
	{
		struct hist *m = malloc(sizeof(*m));

		hist_init(m);
		hist_merge(m, &a);
		hist_merge(m, &b);
		check(memcmp(m, &h, sizeof(h)) == 0, "merging two halves gives the whole");
		free(m);
	}
}

static void
test_exact_small(void)
{
	static struct hist h;

	hist_init(&h);
	for (uint64_t x = 1; x <= 100; x++)
		hist_record(&h, x);
	check(hist_quantile(&h, 0.5) == 50 && hist_quantile(&h, 0.9) == 90 &&
					hist_quantile(&h, 0.99) == 99,
			"small values: quantiles exact to the ns");
	hist_record(&h, 1ULL << 50);
	check(h.overflow == 1 && h.max == 1ULL << 50 && hist_quantile(&h, 1) == 1ULL << 50,
			"overflow counted, max exact");
}

static void
test_exports(void)
{
	static struct hist h;
	char buf[512], *out = NULL;
	size_t len = 0;
	FILE *f;
	int n;

	hist_init(&h);
	hist_record(&h, 1000);
	hist_record(&h, 1000);
	hist_record(&h, 5000);
	n = hist_summary_str(&h, buf, sizeof(buf));
	check(n > 0 && (size_t)n < sizeof(buf) && strstr(buf, "\"count\":3") != NULL &&
					strstr(buf, "\"min\":1000") != NULL &&
					strstr(buf, "\"max\":5000") != NULL &&
					strstr(buf, "\"p99.99\":5000") != NULL,
			"summary: %s", buf);
	n = hist_summary_str(&h, buf, 10);
	check(n > 10 && strlen(buf) == 9, "summary truncates safely and reports the length");
	f = open_memstream(&out, &len);
	hist_write_csv(&h, f);
	fclose(f);
	check(strstr(out, "lo_ns,hi_ns,count,cumulative_fraction\n") == out &&
					strstr(out, ",2,0.666666667\n") != NULL &&
					strstr(out, ",1,1.000000000\n") != NULL,
			"CSV export");
	free(out);
	f = open_memstream(&out, &len);
	hist_write_json(&h, f);
	fclose(f);
	check(strstr(out, "\"buckets\":[[") != NULL && strstr(out, ",2],[") != NULL, "JSON export");
	free(out);
}

int
main(void)
{
	test_buckets();
	test_exact_small();
	test_quantiles();
	test_exports();
	return unit_done();
}
