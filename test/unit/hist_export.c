/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Test helper: a lib/hist histogram of a known distribution, written by lib/hist itself
 * (hist_write_json and hist_write_csv), so that scripts/plot-latency's test reads exactly the
 * format stampede exports and the two cannot drift apart.
 *
 * Usage: hist_export OUT.json OUT.csv     prints hist_summary_str() on stdout
 *
 * 100000 values: 98.9 % around 20 us (10..30 us), 1 % between 200 us and 2 ms, 0.1 % (100) at
 * 50 ms, and 100 values under 256 ns (the exact buckets) from 100 to 199 ns.
 */

#include <stdio.h>
#include <stdlib.h>

#include "hist.h"

int
main(int argc, char **argv)
{
	static struct hist h;
	uint64_t x = 88172645463325252ULL;
	FILE *fj, *fc;
	char sum[512];

	if (argc != 3) {
		fprintf(stderr, "usage: %s OUT.json OUT.csv\n", argv[0]);
		return 2;
	}
	hist_init(&h);
	for (unsigned int i = 0; i < 100000; i++) {
		uint64_t v;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		v = (x * 2685821657736338717ULL) >> 11;
		if (i < 100)
			v = 100 + i;
		else if (i < 200)
			v = 50000000 + v % 1000;
		else if (i < 1200)
			v = 200000 + v % 1800000;
		else
			v = 10000 + v % 10000 + v % 10001; /* a triangle around 20 us */
		hist_record(&h, v);
	}
	fj = fopen(argv[1], "w");
	fc = fopen(argv[2], "w");
	if (fj == NULL || fc == NULL) {
		perror("hist_export");
		return 1;
	}
	if (hist_write_json(&h, fj) < 0 || hist_write_csv(&h, fc) < 0 || fclose(fj) != 0 ||
			fclose(fc) != 0) {
		perror("hist_export: write");
		return 1;
	}
	hist_summary_str(&h, sum, sizeof(sum));
	printf("%s\n", sum);
	return 0;
}
