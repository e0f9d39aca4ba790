/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "clock.h"

/* 1.0 in clock_map.mult's fixed point; a multiply, since shifting a negative value is UB. */
#define CLOCK_ONE ((__int128)1 << CLOCK_SHIFT)

struct clock_disc clock_tsc;

uint64_t
clock_mult_from_hz(uint64_t hz)
{
	unsigned __int128 num;

	if (hz == 0)
		return 0;
	/* Round to nearest: truncating would bias every conversion low by up to one unit. */
	num = ((unsigned __int128)CLOCK_NS_PER_S << CLOCK_SHIFT) + hz / 2;
	return (uint64_t)(num / hz);
}

void
clock_sync_publish(struct clock_sync *s, const struct clock_map *m)
{
	uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);

	/* An odd sequence tells readers a write is in progress. The fence after it keeps the map
	 * stores from becoming visible before the odd value (a store-store barrier on weakly
	 * ordered CPUs; a compiler barrier on x86).
	 */
	__atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	/* Atomic (relaxed) stores so no field is torn; readers copy them with plain loads. */
	__atomic_store_n(&s->map.base_cnt, m->base_cnt, __ATOMIC_RELAXED);
	__atomic_store_n(&s->map.base_ns, m->base_ns, __ATOMIC_RELAXED);
	__atomic_store_n(&s->map.mult, m->mult, __ATOMIC_RELAXED);
	/* The map must be complete before the sequence becomes even again. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELAXED);
}

/* Start @p c at (cnt, ns) with slope @p mult; publishes nothing. */
static void
disc_reset(struct clock_disc *c, uint64_t mult, uint64_t cnt, uint64_t ns)
{
	uint32_t seq = c->sync.seq;

	*c = (struct clock_disc){ 0 };
	/* Keep the sequence counter (made even, in case @p c was never zeroed): readers may
	 * already be polling this clock and must see it move forward.
	 */
	c->sync.seq = seq & ~1u;
	c->map.base_cnt = cnt;
	c->map.base_ns = ns;
	c->map.mult = mult;
	c->nominal_mult = mult;
	c->first_cnt = cnt;
	c->first_ns = ns;
	c->last_cnt = cnt;
	c->nb_samples = 1;
}

void
clock_disc_init(struct clock_disc *c, uint64_t hz, uint64_t cnt, uint64_t ns)
{
	disc_reset(c, clock_mult_from_hz(hz), cnt, ns);
	clock_sync_publish(&c->sync, &c->map);
}

/* num / den rounded to nearest, halves away from zero; den > 0. */
static __int128
div_round(__int128 num, __int128 den)
{
	if (num >= 0)
		return (num + den / 2) / den;
	return -((-num + den / 2) / den);
}

/*
 * How a map follows realtime, and why stamps stay continuous and monotonic.
 *
 * At each sample (cnt, ns) the offset is ns - old(cnt). The new map is anchored at
 * (cnt, old(cnt)), where the old map stood, so both maps give exactly the same ns at the anchor
 * and a stamp never jumps at an update. Its slope is the nominal slope (realtime elapsed / counts
 * elapsed since the first sample: a long baseline, so sample jitter weighs less and less) plus a
 * correction that removes the offset over a horizon H, the last period P but at least
 * CLOCK_SLEW_MIN_NS:
 *     new(cnt + H) = old(cnt) + (nominal + offset / H) * H = ns + nominal * H
 * which is where realtime is expected then. The correction stays in the slope until the next
 * update, so past cnt + H the map overshoots, by offset * (time past H) / H: with updates about
 * once a second that is a small fraction of an already small offset. H is never shorter than
 * CLOCK_SLEW_MIN_NS because a short period followed by a long one multiplied it: the start-up
 * calibration (20 ms then) left a 500 ppm correction in force for the whole first second,
 * ~470 us of error until the next tick (test/unit/clock_compare measured it between two
 * processes). The correction is clamped to +-CLOCK_MAX_SLEW_PPM of
 * the nominal slope, so the slope stays positive: a map is non-decreasing in the counter, and
 * since new(cnt) == old(cnt), a stamp taken with the new map at or after the anchor is never
 * smaller than one taken with the old map before it.
 *
 * One window is not covered: a reader that stamps a counter later than cnt with the old map,
 * before the new map is published, may get up to |old slope - new slope| * (its counter - cnt)
 * more than the new map gives: with a slope change of at most 1000 ppm and a publish within
 * microseconds of the sample, that is below a nanosecond, absorbed by the 1 ns rounding.
 *
 * An offset above CLOCK_STEP_NS is not slewed (at 500 ppm, 10 ms would take 20 s): the map is
 * stepped, re-anchored at (cnt, ns) with the nominal slope. A step is the one case where stamps
 * may go backward (when realtime was set back); it is counted in nb_steps. The slope baseline
 * restarts at the step, since a realtime jump inside it would bias the nominal slope.
 */
int64_t
clock_disc_update(struct clock_disc *c, uint64_t cnt, uint64_t ns)
{
	uint64_t old_ns = clock_map_ns(&c->map, cnt);
	int64_t offset = (int64_t)(ns - old_ns);
	uint64_t period = cnt - c->last_cnt;
	struct clock_map m;

	c->nb_samples++;
	c->last_cnt = cnt;
	c->last_offset_ns = offset;

	if (offset > (int64_t)CLOCK_STEP_NS || offset < -(int64_t)CLOCK_STEP_NS) {
		m.base_cnt = cnt;
		m.base_ns = ns;
		m.mult = c->nominal_mult;
		c->first_cnt = cnt;
		c->first_ns = ns;
		c->nb_steps++;
	} else {
		uint64_t dcnt = cnt - c->first_cnt;
		int64_t dns = (int64_t)(ns - c->first_ns);
		int64_t max_corr, corr = 0;
		uint64_t horizon;

		/* A baseline that does not move forward (a sample out of order) says nothing
		 * about the rate: keep the previous estimate.
		 */
		if ((int64_t)dcnt > 0 && dns > 0)
			c->nominal_mult = (uint64_t)div_round(
					(__int128)dns * CLOCK_ONE, (__int128)dcnt);
		/* The horizon: the period, but at least CLOCK_SLEW_MIN_NS worth of counts. */
		horizon = (uint64_t)div_round(
				(__int128)CLOCK_SLEW_MIN_NS * CLOCK_ONE, (__int128)c->nominal_mult);
		if ((int64_t)period > 0)
			corr = (int64_t)div_round((__int128)offset * CLOCK_ONE,
					(__int128)RTE_MAX(period, horizon));
		max_corr = (int64_t)(c->nominal_mult * CLOCK_MAX_SLEW_PPM / 1000000);
		corr = RTE_MAX(RTE_MIN(corr, max_corr), -max_corr);
		m.base_cnt = cnt;
		m.base_ns = old_ns;
		m.mult = (uint64_t)((int64_t)c->nominal_mult + corr);
	}
	c->map = m;
	clock_sync_publish(&c->sync, &m);
	return offset;
}

int
clock_best_triple(const struct clock_triple *t, unsigned int n, uint64_t max_bracket, uint64_t *cnt,
		uint64_t *ns, uint64_t *bracket)
{
	uint64_t best_gap = UINT64_MAX;
	unsigned int best = 0;

	/* The triple with the narrowest bracket had the least in between (interrupt, preemption,
	 * vDSO retry); the counter at the bracket's midpoint is the best guess of when the clock
	 * was read: off by at most half the bracket, whatever happened inside it.
	 */
	for (unsigned int i = 0; i < n; i++) {
		uint64_t gap = t[i].cnt_after - t[i].cnt_before;

		if (gap < best_gap) {
			best_gap = gap;
			best = i;
		}
	}
	if (bracket != NULL)
		*bracket = best_gap;
	if (n == 0 || (max_bracket != 0 && best_gap > max_bracket))
		return -EAGAIN;
	*cnt = t[best].cnt_before + best_gap / 2;
	*ns = t[best].ns;
	return 0;
}

static void
sys_read(void *arg, int clk, struct clock_triple *t)
{
	struct timespec ts;

	(void)arg;
	/* A fence before each TSC read keeps it from moving across the clock read. */
	t->cnt_before = rte_rdtsc_precise();
	clock_gettime(clk, &ts);
	t->cnt_after = rte_rdtsc_precise();
	t->ns = (uint64_t)ts.tv_sec * CLOCK_NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void
sys_sleep(void *arg, uint64_t us)
{
	struct timespec ts = {
		.tv_sec = (time_t)(us / 1000000),
		.tv_nsec = (long)(us % 1000000) * 1000,
	};

	(void)arg;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

const struct clock_source clock_source_tsc = { .read = sys_read, .sleep = sys_sleep };

/*
 * One sample of clock @p clk from @p src: the best of @p tries triples (its bracket in
 * *bracket). Rejected (-EAGAIN) when @p bounded and the bracket is wider than the bound:
 * CLOCK_MAX_BRACKET_NS (in counts at rate @p hz, or at CLOCK_HZ_GUESS before the rate is known),
 * or CLOCK_BRACKET_FACTOR times the narrowest bracket accepted so far (*min_bracket: 0 for none
 * yet; lowered by each accepted sample), whichever is wider.
 */
static int
src_sample(const struct clock_source *src, int clk, unsigned int tries, uint64_t hz,
		uint64_t *min_bracket, bool bounded, uint64_t *cnt, uint64_t *ns, uint64_t *bracket)
{
	struct clock_triple t[CLOCK_START_TRIES];
	uint64_t bound;

	tries = RTE_MIN(tries, (unsigned int)CLOCK_START_TRIES);
	for (unsigned int i = 0; i < tries; i++)
		src->read(src->arg, clk, &t[i]);
	clock_best_triple(t, tries, 0, cnt, ns, bracket);
	bound = (uint64_t)((unsigned __int128)CLOCK_MAX_BRACKET_NS * (hz ? hz : CLOCK_HZ_GUESS) /
			CLOCK_NS_PER_S);
	bound = RTE_MAX(bound, *min_bracket * CLOCK_BRACKET_FACTOR);
	if (bounded && *bracket > bound)
		return -EAGAIN;
	if (*min_bracket == 0 || *bracket < *min_bracket)
		*min_bracket = *bracket;
	return 0;
}

/* A start-up sample: retried a few times, then taken whatever its bracket (counted). */
static void
start_sample(struct clock_disc *c, const struct clock_source *src, int clk, uint64_t *min_bracket,
		uint64_t *cnt, uint64_t *ns)
{
	uint64_t bracket;

	for (unsigned int k = 0; k < CLOCK_START_ATTEMPTS; k++) {
		bool last = k == CLOCK_START_ATTEMPTS - 1;

		if (src_sample(src, clk, CLOCK_START_TRIES, 0, min_bracket, !last, cnt, ns,
				    &bracket) == 0) {
			/* Taken unbounded: the narrowest bracket restarts from it. */
			if (last)
				*min_bracket = bracket;
			return;
		}
		c->nb_rejects++;
		src->sleep(src->arg, 1000);
	}
}

/* (b1 - b0) / (a1 - a0) in mult's fixed point; 0 when either difference is not positive. */
static uint64_t
slope(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	if ((int64_t)(a1 - a0) <= 0 || (int64_t)(b1 - b0) <= 0)
		return 0;
	return (uint64_t)div_round((__int128)(b1 - b0) * CLOCK_ONE, (__int128)(a1 - a0));
}

/*
 * The slope comes from CLOCK_REALTIME itself, since that is what the map follows (its rate is
 * CLOCK_MONOTONIC_RAW's plus NTP's frequency correction). CLOCK_MONOTONIC_RAW gives the
 * counter's own rate (c->hz) and the check: a realtime rate more than CLOCK_CAL_MAX_PPM off it
 * means realtime was stepped during the measurement, and the raw slope is used (the first tick
 * then steps or slews the offset). The map starts at the second realtime sample, with no
 * correction pending; the slope's baseline starts at the first.
 */
void
clock_src_start(struct clock_disc *c, const struct clock_source *src)
{
	uint64_t rc0, rn0, wc0, wn0, rc1, rn1, wc1, wn1, mult_rt, mult_raw, mult, minb = 0;
	uint64_t rejects = 0;

	c->nb_rejects = 0;
	start_sample(c, src, CLOCK_REALTIME, &minb, &rc0, &rn0);
	start_sample(c, src, CLOCK_MONOTONIC_RAW, &minb, &wc0, &wn0);
	src->sleep(src->arg, CLOCK_CAL_US);
	start_sample(c, src, CLOCK_REALTIME, &minb, &rc1, &rn1);
	start_sample(c, src, CLOCK_MONOTONIC_RAW, &minb, &wc1, &wn1);
	rejects = c->nb_rejects;

	mult_rt = slope(rc0, rc1, rn0, rn1);
	mult_raw = slope(wc0, wc1, wn0, wn1);
	if (mult_raw == 0)
		mult_raw = mult_rt;
	mult = mult_rt;
	if (mult_rt == 0 || mult_rt > mult_raw + mult_raw / 1000000 * CLOCK_CAL_MAX_PPM ||
			mult_rt < mult_raw - mult_raw / 1000000 * CLOCK_CAL_MAX_PPM)
		mult = mult_raw;
	if (mult == 0) /* neither clock moved: a broken source; 1 GHz keeps the map usable */
		mult = clock_mult_from_hz(1000000000);
	disc_reset(c, mult, rc1, rn1);
	if (mult == mult_rt) {
		c->first_cnt = rc0;
		c->first_ns = rn0;
		c->nb_samples = 2;
	}
	c->hz = mult_raw != 0 ? (uint64_t)div_round((__int128)CLOCK_NS_PER_S * CLOCK_ONE,
						(__int128)mult_raw) :
				0;
	c->min_bracket = minb;
	c->nb_rejects = rejects;
	clock_sync_publish(&c->sync, &c->map);
}

int
clock_src_tick(struct clock_disc *c, const struct clock_source *src)
{
	uint64_t cnt, ns, bracket;
	bool bounded = c->rejects_in_row < CLOCK_MAX_REJECTS_IN_ROW;

	if (src_sample(src, CLOCK_REALTIME, CLOCK_SAMPLE_TRIES, c->hz, &c->min_bracket, bounded,
			    &cnt, &ns, &bracket) != 0) {
		c->nb_rejects++;
		c->rejects_in_row++;
		return -EAGAIN;
	}
	/* Taken unbounded after many rejects: reads got slower for good; the bound follows. */
	if (!bounded)
		c->min_bracket = bracket;
	c->rejects_in_row = 0;
	clock_disc_update(c, cnt, ns);
	return 0;
}

void
clock_sample_tsc(uint64_t *tsc, uint64_t *ns)
{
	uint64_t minb = 0, bracket;

	src_sample(&clock_source_tsc, CLOCK_REALTIME, CLOCK_SAMPLE_TRIES, 0, &minb, false, tsc, ns,
			&bracket);
}

uint64_t
clock_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * CLOCK_NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint64_t
clock_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * CLOCK_NS_PER_S + (uint64_t)ts.tv_nsec;
}

void
clock_tsc_start(void)
{
	clock_src_start(&clock_tsc, &clock_source_tsc);
}

int
clock_tsc_tick(void)
{
	return clock_src_tick(&clock_tsc, &clock_source_tsc);
}

char *
clock_fmt_ns(uint64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / CLOCK_NS_PER_S);
	struct tm tm;

	if (len == 0)
		return buf;
	if (gmtime_r(&sec, &tm) == NULL) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09" PRIu64 "Z", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			(uint64_t)(ns % CLOCK_NS_PER_S));
	return buf;
}
