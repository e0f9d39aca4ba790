/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_RATEWIN_H
#define STP_RATEWIN_H

/**
 * @file
 * Rates over the last interval, for views that many readers share (telemetry, show probes):
 * the counters are remembered at the start of a window; a read at least STP_RATEWIN_MIN_MS
 * later closes it (rate = growth / its length) and opens the next, an earlier read returns
 * the last closed window's rates. Before the first window closes, the rate is over the time
 * since @p start (the lifetime average). A counter that went down (clear stats) gives 0 for
 * that window. Not thread-safe: the caller holds its own lock. Control threads only.
 */

#include <stdbool.h>
#include <stdint.h>

#define STP_RATEWIN_N 4
#define STP_RATEWIN_MIN_MS 1000

struct stp_ratewin {
	uint64_t tsc;		    /**< the open window's start; 0: not started */
	uint64_t v[STP_RATEWIN_N];  /**< the counters then */
	double rate[STP_RATEWIN_N]; /**< per second over the last closed window */
	bool closed;		    /**< a window closed (rate[] valid) */
};

/**
 * Read @p n (<= STP_RATEWIN_N) counters @p cur at TSC @p now (@p hz per second) into @p out
 * (per second). @p start: TSC the counters started from zero (the first window's start).
 */
static inline void
stp_ratewin_read(struct stp_ratewin *w, uint64_t start, uint64_t now, uint64_t hz,
		const uint64_t *cur, unsigned int n, double *out)
{
	uint64_t t0 = w->tsc != 0 ? w->tsc : start;
	double secs = now > t0 && hz != 0 ? (double)(now - t0) / (double)hz : 0;
	bool close = secs * 1000.0 >= STP_RATEWIN_MIN_MS;

	for (unsigned int k = 0; k < n && k < STP_RATEWIN_N; k++) {
		uint64_t base = w->tsc != 0 ? w->v[k] : 0;
		double r = cur[k] >= base && secs > 0 ? (double)(cur[k] - base) / secs : 0;

		if (close)
			w->rate[k] = r;
		out[k] = close || w->closed ? w->rate[k] : r;
		if (close)
			w->v[k] = cur[k];
	}
	if (close) {
		w->tsc = now;
		w->closed = true;
	}
}

#endif /* STP_RATEWIN_H */
