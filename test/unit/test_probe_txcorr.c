/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * lib/probe's T3 correction against a model written here: the last 64 samples (TX stamp - T3)
 * sorted with qsort give the median (the middle value, or between the two middle ones) and the
 * spread (the values at ranks floor(0.9 n) and floor(0.1 n)); the correction is the median once
 * 32 samples are in and the spread is at most 50 us, else 0. Requests: one at a time, a stamp
 * not there after max_polls looks is lost, one further than 1 ms from T3 is dropped.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "txcorr.h"
#include "unit.h"

static uint64_t rnd = 0x2545f4914f6cdd1dULL;

static uint64_t
next(void)
{
	return unit_rand64(&rnd);
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The model: every sample taken, in order. */
static int64_t hist[4096];
static unsigned int nb_hist;

/* Feed one reply: T3 @p t3, its stamp @p t3 + @p d. Returns poll's outcome. */
static enum probe_txcorr_rc
feed(struct probe_txcorr *c, uint64_t t3, int64_t d)
{
	if (!probe_txcorr_arm(c, t3, 1))
		return PROBE_TXCORR_IDLE;
	return probe_txcorr_poll(c, true, (uint64_t)((int64_t)t3 + d), PROBE_TXCORR_POLLS);
}

/* Check the estimate against the model over the last 64 samples; @p what names the step. */
static bool
model_ok(const struct probe_txcorr *c, const char *what)
{
	unsigned int n = nb_hist < PROBE_TXCORR_WIN ? nb_hist : PROBE_TXCORR_WIN;
	int64_t v[PROBE_TXCORR_WIN], med_lo, med_hi, spread, corr;
	enum probe_txcorr_state st;
	bool ok;

	memcpy(v, hist + nb_hist - n, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp64);
	med_lo = v[(n - 1) / 2];
	med_hi = v[n / 2];
	spread = v[(unsigned int)(0.9 * n)] - v[(unsigned int)(0.1 * n)];
	st = n < 32 ? PROBE_TXCORR_LEARNING :
		      (spread > 50000 ? PROBE_TXCORR_UNSTABLE : PROBE_TXCORR_APPLIED);
	corr = st == PROBE_TXCORR_APPLIED ? c->median_ns : 0;
	ok = c->median_ns >= med_lo && c->median_ns <= med_hi && c->spread_ns == spread &&
			c->state == (uint64_t)st && probe_txcorr_get(c) == corr &&
			(st != PROBE_TXCORR_APPLIED || corr != 0);
	if (!ok)
		printf("  %s: n %u median %" PRId64 " (model %" PRId64 "..%" PRId64
		       ") spread %" PRId64 " (model %" PRId64
		       ") state %s (model %s) correction %" PRId64 "\n",
				what, n, c->median_ns, med_lo, med_hi, c->spread_ns, spread,
				probe_txcorr_state_name((enum probe_txcorr_state)c->state),
				probe_txcorr_state_name(st), probe_txcorr_get(c));
	return ok;
}

int
main(void)
{
	struct probe_txcorr c;
	uint64_t t3 = 1700000000000000000ull;
	unsigned int bad = 0;
	enum probe_txcorr_rc rc;

	probe_txcorr_init(&c, false, false);
	check(c.state == PROBE_TXCORR_OFF && !probe_txcorr_arm(&c, t3, 1) &&
					probe_txcorr_get(&c) == 0,
			"off: nothing is asked, no correction");
	check(strcmp(probe_txcorr_state_name(PROBE_TXCORR_APPLIED), "applied") == 0 &&
					strcmp(probe_txcorr_state_name(PROBE_TXCORR_OFF), "off") ==
							0,
			"state names");

	probe_txcorr_init(&c, true, false);
	check(probe_txcorr_poll(&c, true, t3, 4) == PROBE_TXCORR_IDLE,
			"a stamp nobody asked for: idle");
	/* 31 samples around 5 us: still learning, T3 as taken. */
	for (unsigned int i = 0; i < 31; i++) {
		t3 += 1000000;
		hist[nb_hist++] = 5000 + (int64_t)(next() % 400) - 200;
		if (feed(&c, t3, hist[nb_hist - 1]) != PROBE_TXCORR_SAMPLE ||
				!model_ok(&c, "learning"))
			bad++;
	}
	check(bad == 0 && c.state == PROBE_TXCORR_LEARNING && probe_txcorr_get(&c) == 0,
			"31 samples: learning, no correction");
	t3 += 1000000;
	hist[nb_hist++] = 5100;
	feed(&c, t3, 5100);
	check(model_ok(&c, "32nd") && c.state == PROBE_TXCORR_APPLIED &&
					probe_txcorr_get(&c) > 4800 && probe_txcorr_get(&c) < 5200,
			"the 32nd sample: applied, the correction is the median (%" PRId64 " ns)",
			probe_txcorr_get(&c));

	/* A long run of random samples: every step matches the model over the last 64. */
	bad = 0;
	for (unsigned int i = 0; i < 1000; i++) {
		t3 += 1000000;
		hist[nb_hist++] = 3000 + (int64_t)(next() % 20000);
		if (feed(&c, t3, hist[nb_hist - 1]) != PROBE_TXCORR_SAMPLE ||
				!model_ok(&c, "random"))
			bad++;
	}
	check(bad == 0 && c.n == PROBE_TXCORR_WIN && c.samples == nb_hist,
			"1000 random samples: median, spread, state as the model's (%u bad)", bad);

	/* A path that varies widely: not applied; quiet again: applied once the window is. */
	bad = 0;
	for (unsigned int i = 0; i < 64; i++) {
		t3 += 1000000;
		hist[nb_hist++] = (int64_t)(next() % 200000);
		if (feed(&c, t3, hist[nb_hist - 1]) != PROBE_TXCORR_SAMPLE || !model_ok(&c, "wide"))
			bad++;
	}
	check(bad == 0 && c.state == PROBE_TXCORR_UNSTABLE && probe_txcorr_get(&c) == 0,
			"a spread of %" PRId64 " ns: unstable, no correction", c.spread_ns);
	for (unsigned int i = 0; i < 64; i++) {
		t3 += 1000000;
		hist[nb_hist++] = 7000 + (int64_t)(next() % 1000);
		if (feed(&c, t3, hist[nb_hist - 1]) != PROBE_TXCORR_SAMPLE ||
				!model_ok(&c, "quiet again"))
			bad++;
	}
	check(bad == 0 && c.state == PROBE_TXCORR_APPLIED && probe_txcorr_get(&c) >= 7000 &&
					probe_txcorr_get(&c) < 8000,
			"quiet again: applied, %" PRId64 " ns", probe_txcorr_get(&c));

	/* Requests: one at a time; a stamp that does not come is lost after max_polls looks. */
	t3 += 1000000;
	check(probe_txcorr_arm(&c, t3, 1) && !probe_txcorr_arm(&c, t3 + 1, 1),
			"one request at a time");
	check(probe_txcorr_poll(&c, false, 0, 3) == PROBE_TXCORR_WAIT &&
					probe_txcorr_poll(&c, false, 0, 3) == PROBE_TXCORR_WAIT &&
					probe_txcorr_poll(&c, false, 0, 3) == PROBE_TXCORR_LOST &&
					c.lost == 1 && !c.pending,
			"no stamp after 3 looks: lost, nothing pending");
	check(feed(&c, t3 + 5, 1000001) == PROBE_TXCORR_IMPLAUSIBLE && c.implausible == 1 &&
					model_ok(&c, "implausible") &&
					feed(&c, t3 + 6, -1000001) == PROBE_TXCORR_IMPLAUSIBLE &&
					c.implausible == 2,
			"a stamp more than 1 ms after (or before) T3: dropped, the window unchanged");

	/* A clock offset: the stamping clock behind the reflector's, samples negative. */
	bad = 0;
	for (unsigned int i = 0; i < 64; i++) {
		t3 += 1000000;
		hist[nb_hist++] = -20000 + (int64_t)(next() % 2000);
		if (feed(&c, t3, hist[nb_hist - 1]) != PROBE_TXCORR_SAMPLE ||
				!model_ok(&c, "negative"))
			bad++;
	}
	check(bad == 0 && probe_txcorr_get(&c) <= -18000 && probe_txcorr_get(&c) >= -20000,
			"a stamping clock 19 us behind: the correction is negative (%" PRId64
			" ns)",
			probe_txcorr_get(&c));
	/* A per-frame step: the stamp of the 5th frame of a burst, 20 us after, is 4 us a frame. */
	probe_txcorr_init(&c, true, false);
	check(!probe_txcorr_arm(&c, t3, 0), "a divisor of 0: refused");
	rc = probe_txcorr_arm(&c, t3, 5) ? probe_txcorr_poll(&c, true, t3 + 20000, 4) :
					   PROBE_TXCORR_IDLE;
	check(rc == PROBE_TXCORR_SAMPLE && c.median_ns == 4000,
			"divided by 5: a sample of 4000 ns (%" PRId64 ")", c.median_ns);
	/* Relative: a step of 16 us with a spread of 27 us is noise, one of 6 us +- 1 us is not. */
	probe_txcorr_init(&c, true, true);
	for (unsigned int i = 0; i < 64; i++) {
		t3 += 1000000;
		feed(&c, t3, 2500 + (int64_t)(next() % 30000));
	}
	check(c.state == PROBE_TXCORR_UNSTABLE && probe_txcorr_get(&c) == 0 &&
					c.spread_ns * 2 > c.median_ns,
			"relative, median %" PRId64 " spread %" PRId64 ": unstable", c.median_ns,
			c.spread_ns);
	for (unsigned int i = 0; i < 64; i++) {
		t3 += 1000000;
		feed(&c, t3, 5500 + (int64_t)(next() % 1000));
	}
	check(c.state == PROBE_TXCORR_APPLIED && probe_txcorr_get(&c) >= 5500 &&
					probe_txcorr_get(&c) < 6500,
			"relative, median %" PRId64 " spread %" PRId64 ": applied", c.median_ns,
			c.spread_ns);
	check(c.asked == c.samples + c.lost + c.implausible,
			"every request is a sample, lost or implausible (%" PRIu64 " asked)",
			c.asked);
	return unit_done();
}
