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

/* Tries per clock_sample_tsc(): enough to dodge an interrupt or a preemption in one of them. */
#define CLOCK_SAMPLE_TRIES 5

/* Gap between the two samples of clock_tsc_start(): long enough that sample jitter (tens of ns)
 * weighs ~1 ppm on the first measured slope, short enough not to slow start-up.
 */
#define CLOCK_START_GAP_US 20000

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

void
clock_disc_init(struct clock_disc *c, uint64_t hz, uint64_t cnt, uint64_t ns)
{
	uint32_t seq = c->sync.seq;

	*c = (struct clock_disc){ 0 };
	/* Keep the sequence counter (made even, in case @p c was never zeroed): readers may
	 * already be polling this clock and must see it move forward.
	 */
	c->sync.seq = seq & ~1u;
	c->map.base_cnt = cnt;
	c->map.base_ns = ns;
	c->map.mult = clock_mult_from_hz(hz);
	c->nominal_mult = c->map.mult;
	c->first_cnt = cnt;
	c->first_ns = ns;
	c->last_cnt = cnt;
	c->nb_samples = 1;
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
 * correction that removes the offset over one more period of the same length:
 *     new(cnt + P) = old(cnt) + (nominal + offset / P) * P = ns + nominal * P
 * which is where realtime is expected then. The correction is clamped to +-CLOCK_MAX_SLEW_PPM of
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

		/* A baseline that does not move forward (a sample out of order) says nothing
		 * about the rate: keep the previous estimate.
		 */
		if ((int64_t)dcnt > 0 && dns > 0)
			c->nominal_mult = (uint64_t)div_round(
					(__int128)dns * CLOCK_ONE, (__int128)dcnt);
		if ((int64_t)period > 0)
			corr = (int64_t)div_round((__int128)offset * CLOCK_ONE, (__int128)period);
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

void
clock_sample_tsc(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best_gap = UINT64_MAX;
	int i;

	*tsc = 0;
	*ns = 0;
	/* The pair with the smallest gap had the least in between (interrupt, preemption, vDSO
	 * retry); the TSC at the gap's midpoint is the best guess of when the clock was read.
	 */
	for (i = 0; i < CLOCK_SAMPLE_TRIES; i++) {
		struct timespec ts;
		uint64_t t0, t1;

		t0 = rte_rdtsc();
		clock_gettime(CLOCK_REALTIME, &ts);
		t1 = rte_rdtsc();
		if (t1 - t0 < best_gap) {
			best_gap = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			*ns = (uint64_t)ts.tv_sec * CLOCK_NS_PER_S + (uint64_t)ts.tv_nsec;
		}
	}
}

uint64_t
clock_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * CLOCK_NS_PER_S + (uint64_t)ts.tv_nsec;
}

void
clock_tsc_start(void)
{
	uint64_t tsc, ns;

	clock_sample_tsc(&tsc, &ns);
	clock_disc_init(&clock_tsc, rte_get_tsc_hz(), tsc, ns);
	/* rte_get_tsc_hz() may be a calibrated estimate, off by tens of ppm: measure the slope
	 * over a short gap now rather than drift until the first tick.
	 */
	rte_delay_us_sleep(CLOCK_START_GAP_US);
	clock_sample_tsc(&tsc, &ns);
	clock_disc_update(&clock_tsc, tsc, ns);
}

void
clock_tsc_tick(void)
{
	uint64_t tsc, ns;

	clock_sample_tsc(&tsc, &ns);
	clock_disc_update(&clock_tsc, tsc, ns);
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
