/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Unit tests of the counter -> UTC maps and their discipline, with synthetic counters (so the
 * true frequency and the sample jitter are known) and no EAL.
 */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "clock.h"
#include "unit.h"

/* Reproducible runs. */
static uint64_t rng_state = 0x13198a2e03707344ull;

static uint64_t
rng(void)
{
	return unit_rand64(&rng_state);
}

/* Uniform in [lo, hi]. */
static uint64_t
rng_range(uint64_t lo, uint64_t hi)
{
	return lo + rng() % (hi - lo + 1);
}

static void
test_mult(void)
{
	static const uint64_t hzs[] = { 1, 3, 7, 1000, 1000000000, 1000000007, 2100000000,
		2500000000, 3000000001, 4999999999 };
	const unsigned __int128 one_s = (unsigned __int128)CLOCK_NS_PER_S << CLOCK_SHIFT;
	bool ok = true;
	char what[128];

	check(clock_mult_from_hz(1000000000) == 1ull << CLOCK_SHIFT, "mult at 1 GHz is 1.0");
	check(clock_mult_from_hz(0) == 0, "mult at 0 Hz is 0 (no division by zero)");
	for (unsigned int i = 0; i < RTE_DIM(hzs) + 10000; i++) {
		uint64_t hz = i < RTE_DIM(hzs) ? hzs[i] : rng_range(1, 5000000000ull);
		uint64_t mult = clock_mult_from_hz(hz);
		__int128 err = (__int128)((unsigned __int128)mult * hz) - (__int128)one_s;

		/* Nearest: |mult * hz - 1e9 << 32| <= hz / 2, i.e. mult +- 1 would be no closer. */
		if (err > (__int128)(hz / 2) || -err > (__int128)(hz / 2)) {
			if (ok)
				snprintf(what, sizeof(what), "mult rounding: wrong at hz=%" PRIu64,
						hz);
			ok = false;
		}
	}
	check(ok, "%s", ok ? "mult rounding: nearest for 10010 frequencies in 1 Hz..5 GHz" : what);
}

/* floor(d * mult / 2^32) computed another way: 32-bit halves, sign handled by hand. */
static int64_t
ref_scale(int64_t d, uint64_t mult)
{
	uint64_t ad = d < 0 ? -(uint64_t)d : (uint64_t)d;
	uint64_t hi = ad >> 32, lo = ad & 0xffffffffull;
	uint64_t lo_prod = lo * mult; /* < 2^64 since mult <= 2^32 for hz >= 1 GHz */
	uint64_t q = hi * mult + (lo_prod >> 32);

	if (d >= 0)
		return (int64_t)q;
	/* floor(-x) = -ceil(x) */
	return -(int64_t)(q + ((lo_prod & 0xffffffffull) != 0));
}

static void
test_map_exact(void)
{
	unsigned int bad_exact = 0, bad_ideal = 0;
	long double worst = 0;
	char what[160];

	for (unsigned int i = 0; i < 200000; i++) {
		uint64_t hz = rng_range(1000000000ull, 5000000000ull);
		struct clock_map m = {
			.base_cnt = rng(),
			.base_ns = rng_range(1ull << 60, 1ull << 62),
			.mult = clock_mult_from_hz(hz),
		};
		int64_t d;
		uint64_t got;
		long double ideal, err, tol;

		switch (i % 4) {
		case 0: /* small, either sign */
			d = (int64_t)rng_range(0, 2000000) - 1000000;
			break;
		case 1: /* beyond 2^40 counts (minutes to days) */
			d = (int64_t)rng_range(1ull << 40, 1ull << 52);
			break;
		case 2: /* negative and large */
			d = -(int64_t)rng_range(1ull << 40, 1ull << 52);
			break;
		default: /* any size up to 2^48 */
			d = (int64_t)(rng() >> 16) - (int64_t)(1ull << 47);
			break;
		}
		got = clock_map_ns(&m, m.base_cnt + (uint64_t)d);
		if ((int64_t)(got - m.base_ns) != ref_scale(d, m.mult))
			bad_exact++;
		/* Against the real-number value: off by the floor (< 1 ns) plus mult's rounding
		 * (<= 0.5 / 2^32 ns per count), plus long double's own rounding.
		 */
		ideal = (long double)d * 1e9L / (long double)hz;
		err = (long double)(int64_t)(got - m.base_ns) - ideal;
		tol = 1.0L + fabsl((long double)d) * 0.5L / 4294967296.0L + 1e-6L;
		if (err < 0)
			err = -err;
		if (err > tol)
			bad_ideal++;
		if (err - fabsl((long double)d) * 0.5L / 4294967296.0L > worst)
			worst = err - fabsl((long double)d) * 0.5L / 4294967296.0L;
	}
	snprintf(what, sizeof(what),
			"clock_map_ns: 200000 random hz/deltas (+-, > 2^40) equal the 128-bit "
			"reference (%u wrong)",
			bad_exact);
	check(bad_exact == 0, "%s", what);
	snprintf(what, sizeof(what),
			"clock_map_ns: within floor + mult rounding of d * 1e9 / hz (%u outside, "
			"worst excess %.3Lf ns)",
			bad_ideal, worst);
	check(bad_ideal == 0, "%s", what);
}

/*
 * A synthetic clock: a counter running at true_hz, sampled against a realtime that starts at
 * rt0 and may be stepped; each realtime reading carries a uniform jitter of +-jitter ns.
 */
struct synth {
	long double true_hz;
	uint64_t cnt0;
	uint64_t rt0;
	int64_t rt_step;
	uint64_t jitter;
};

static uint64_t
synth_cnt(const struct synth *s, uint64_t t)
{
	return s->cnt0 + (uint64_t)((long double)t * s->true_hz / 1e9L);
}

static uint64_t
synth_rt(const struct synth *s, uint64_t t)
{
	return s->rt0 + t + (uint64_t)s->rt_step;
}

static uint64_t
synth_sample_ns(const struct synth *s, uint64_t t)
{
	int64_t j = s->jitter ? (int64_t)rng_range(0, 2 * s->jitter) - (int64_t)s->jitter : 0;

	return synth_rt(s, t) + (uint64_t)j;
}

struct disc_result {
	int64_t max_late_offset;   /* largest |offset| once settled */
	int64_t first_pred_err;	   /* |map - realtime| mid-way through the first period */
	int64_t late_pred_err;	   /* largest |map - realtime| mid-period once settled */
	int64_t max_anchor_gap;	   /* largest |new map - old map| at an anchor */
	int64_t max_discontinuity; /* same, one count either side of it */
	bool monotonic;
	bool slope_bounded;
};

/* Slope correction of the current map against the nominal slope, in ppm. */
static long double
slew_ppm(const struct clock_disc *c)
{
	return ((long double)c->map.mult / (long double)c->nominal_mult - 1) * 1e6L;
}

/* Run @p nb updates about once a second; returns what the checks need. */
static void
run_disc(struct clock_disc *c, struct synth *s, uint64_t *t, unsigned int nb, unsigned int settle,
		struct disc_result *r)
{
	uint64_t last_stamp = clock_map_ns(&c->map, synth_cnt(s, *t));

	memset(r, 0, sizeof(*r));
	r->monotonic = true;
	r->slope_bounded = true;
	for (unsigned int k = 1; k <= nb; k++) {
		/* Periods of 0.99 to 1.01 s, as a control thread's timer gives. */
		uint64_t period = rng_range(990000000, 1010000000);
		uint64_t t_sample = *t + period;
		uint64_t cnt = synth_cnt(s, t_sample);
		struct clock_map old = c->map;
		uint64_t stamp, mid;
		int64_t off, pred, disc;

		/* Stamps through the period with the current map, the last one just before the
		 * sample, then one after it taken with the old map (a reader racing the publish).
		 */
		for (unsigned int j = 1; j <= 50; j++) {
			stamp = clock_map_ns(&old, synth_cnt(s, *t + period * j / 50 - 1));
			if (stamp < last_stamp)
				r->monotonic = false;
			last_stamp = stamp;
		}
		stamp = clock_map_ns(&old, cnt + 100);
		if (stamp < last_stamp)
			r->monotonic = false;
		last_stamp = stamp;
		mid = synth_cnt(s, *t + period / 2);
		pred = (int64_t)(clock_map_ns(&old, mid) - synth_rt(s, *t + period / 2));
		pred = pred < 0 ? -pred : pred;
		if (k == 1)
			r->first_pred_err = pred;
		else if (k > settle)
			r->late_pred_err = RTE_MAX(r->late_pred_err, pred);

		off = clock_disc_update(c, cnt, synth_sample_ns(s, t_sample));
		off = off < 0 ? -off : off;
		if (k > settle)
			r->max_late_offset = RTE_MAX(r->max_late_offset, off);

		/* Continuity: old and new maps agree at the anchor and next to it. */
		for (int64_t dc = -1; dc <= 1; dc++) {
			disc = (int64_t)(clock_map_ns(&c->map, cnt + dc) -
					clock_map_ns(&old, cnt + dc));
			disc = disc < 0 ? -disc : disc;
			r->max_discontinuity = RTE_MAX(r->max_discontinuity, disc);
			if (dc == 0)
				r->max_anchor_gap = RTE_MAX(r->max_anchor_gap, disc);
		}
		stamp = clock_map_ns(&c->map, cnt + 101);
		if (stamp < last_stamp)
			r->monotonic = false;
		last_stamp = stamp;

		/* The slope never strays from the nominal one by more than the slew bound. */
		if (slew_ppm(c) > CLOCK_MAX_SLEW_PPM + 1e-3L ||
				slew_ppm(c) < -CLOCK_MAX_SLEW_PPM - 1e-3L)
			r->slope_bounded = false;
		*t = t_sample;
	}
}

static void
test_disc(void)
{
	const uint64_t hz = 2500000000ull;
	struct clock_disc c = { 0 };
	struct synth s = {
		.true_hz = (long double)hz * (1 + 37e-6L),
		.cnt0 = 1ull << 50,
		.rt0 = 1795795387123456789ull,
		.jitter = 0,
	};
	struct disc_result r;
	char what[200];
	uint64_t t = 0, cnt, ns;
	int64_t off;

	/* No jitter: the only error is the 37 ppm the nominal rate is off by. */
	clock_disc_init(&c, hz, synth_cnt(&s, t), synth_sample_ns(&s, t));
	check(c.sync.seq == 2 && c.sync.map.mult == clock_mult_from_hz(hz) && c.nb_samples == 1,
			"disc init: map published, nominal slope from hz");
	run_disc(&c, &s, &t, 20, 3, &r);
	snprintf(what, sizeof(what),
			"disc +37 ppm, no jitter: offset after 3 updates <= 2 ns (max %" PRId64
			" ns)",
			r.max_late_offset);
	check(r.max_late_offset <= 2, "%s", what);
	snprintf(what, sizeof(what),
			"disc +37 ppm, no jitter: mid-period error %" PRId64
			" ns at first, <= %" PRId64 " ns later",
			r.first_pred_err, r.late_pred_err);
	check(r.first_pred_err > 10000 && r.late_pred_err <= 2, "%s", what);
	snprintf(what, sizeof(what), "disc: nominal slope measured to %.3Lf ppm of the truth",
			((long double)c.nominal_mult / 4294967296.0L * s.true_hz / 1e9L - 1) *
					1e6L);
	check(fabsl((long double)c.nominal_mult / 4294967296.0L * s.true_hz / 1e9L - 1) < 0.01e-6L,
			"%s", what);
	snprintf(what, sizeof(what),
			"disc: maps agree exactly at every anchor (gap %" PRId64
			" ns), within 1 ns next "
			"to it (%" PRId64 " ns)",
			r.max_anchor_gap, r.max_discontinuity);
	check(r.max_anchor_gap == 0 && r.max_discontinuity <= 1, "%s", what);
	check(r.monotonic, "disc: stamps never go backward across updates");
	check(r.slope_bounded, "disc: slope within +-500 ppm of nominal");
	check(c.nb_steps == 0 && c.nb_samples == 21, "disc: no steps, 21 samples");

	/* With +-20 ns jitter on each realtime reading: offsets stay at the jitter's scale. */
	memset(&c, 0, sizeof(c));
	s.jitter = 20;
	t = 0;
	clock_disc_init(&c, hz, synth_cnt(&s, t), synth_sample_ns(&s, t));
	run_disc(&c, &s, &t, 60, 3, &r);
	snprintf(what, sizeof(what),
			"disc +37 ppm, +-20 ns jitter: offset after 3 updates <= 2 jitter + 5 ns "
			"(max %" PRId64 " ns)",
			r.max_late_offset);
	check(r.max_late_offset <= 45, "%s", what);
	snprintf(what, sizeof(what),
			"disc +37 ppm, +-20 ns jitter: mid-period error %" PRId64
			" ns at first, <= %" PRId64 " ns later",
			r.first_pred_err, r.late_pred_err);
	check(r.first_pred_err > 10000 && r.late_pred_err <= 60, "%s", what);
	snprintf(what, sizeof(what),
			"disc jitter: maps agree exactly at every anchor (gap %" PRId64
			" ns), within 1 ns "
			"next to it (%" PRId64 " ns)",
			r.max_anchor_gap, r.max_discontinuity);
	check(r.max_anchor_gap == 0 && r.max_discontinuity <= 1, "%s", what);
	check(r.monotonic, "disc jitter: stamps never go backward across updates");

	/* A 5 ms offset is slewed, not stepped, at no more than 500 ppm. */
	s.rt_step = 5000000;
	t += 1000000000;
	cnt = synth_cnt(&s, t);
	ns = synth_sample_ns(&s, t);
	off = clock_disc_update(&c, cnt, ns);
	snprintf(what, sizeof(what),
			"disc 5 ms offset: slewed (offset %" PRId64
			" ns), slope clamped to +500 ppm",
			off);
	check(c.nb_steps == 0 && off > 4990000 && off < 5010000 &&
					fabsl(slew_ppm(&c) - CLOCK_MAX_SLEW_PPM) < 1e-3L,
			"%s", what);

	/* Realtime jumps 50 ms forward: stepped. */
	memset(&c, 0, sizeof(c));
	s.rt_step = 0;
	s.jitter = 0;
	t = 0;
	clock_disc_init(&c, hz, synth_cnt(&s, t), synth_sample_ns(&s, t));
	run_disc(&c, &s, &t, 5, 3, &r);
	s.rt_step = 50000000;
	t += 1000000000;
	cnt = synth_cnt(&s, t);
	ns = synth_sample_ns(&s, t);
	off = clock_disc_update(&c, cnt, ns);
	snprintf(what, sizeof(what), "disc +50 ms realtime step: stepped (offset %" PRId64 " ns)",
			off);
	check(c.nb_steps == 1 && off > 49000000 && clock_map_ns(&c.map, cnt) == ns, "%s", what);
	run_disc(&c, &s, &t, 10, 2, &r);
	snprintf(what, sizeof(what),
			"disc after the step: converges again (max offset %" PRId64
			" ns), monotonic",
			r.max_late_offset);
	check(r.max_late_offset <= 2 && r.monotonic && c.nb_steps == 1, "%s", what);

	/* Realtime set 50 ms back: stepped too, and this is the one case stamps go backward. */
	s.rt_step = 0;
	t += 1000000000;
	cnt = synth_cnt(&s, t);
	ns = synth_sample_ns(&s, t);
	off = clock_disc_update(&c, cnt, ns);
	snprintf(what, sizeof(what),
			"disc -50 ms realtime step: stepped back (offset %" PRId64 " ns)", off);
	check(c.nb_steps == 2 && off < -49000000 && clock_map_ns(&c.map, cnt) == ns &&
					c.last_offset_ns == off,
			"%s", what);
}

/*
 * A synthetic clock source for clock_src_start / clock_src_tick: a timeline in ns (t), a counter
 * at true_hz, CLOCK_MONOTONIC_RAW = raw0 + t, CLOCK_REALTIME running rt_ppm faster than raw (an
 * NTP frequency correction) plus rt_step. Each read takes 30 ns with the clock read in its
 * middle, so a clean triple's midpoint is exact; reads listed in the preemption script get a gap
 * before the clock read (the thread was preempted between the first TSC read and the clock
 * read): their midpoint is early by half the gap.
 */
struct fake_src {
	long double true_hz;
	uint64_t cnt0, raw0, rt0;
	long double rt_ppm;
	int64_t rt_step;
	uint64_t t;	      /* ns since the start of the timeline */
	uint64_t read_ns;     /* duration of one read (30 ns unless set) */
	unsigned int nb_read; /* reads so far */
	/* Preemption script: reads with index in [gap_from, gap_to) get gap_ns, as do those with
	 * index % gap_every == gap_phase when gap_every != 0. */
	unsigned int gap_from, gap_to, gap_every, gap_phase;
	uint64_t gap_ns;
	/* A realtime step of rt_step_at_ns happens at t == step_at (0: none). */
	uint64_t step_at;
	int64_t step_ns;
};

static uint64_t
fake_cnt(const struct fake_src *f, uint64_t t)
{
	return f->cnt0 + (uint64_t)((long double)t * f->true_hz / 1e9L);
}

static uint64_t
fake_rt(const struct fake_src *f, uint64_t t)
{
	int64_t step = f->rt_step + (f->step_at != 0 && t >= f->step_at ? f->step_ns : 0);

	return f->rt0 + (uint64_t)((long double)t * (1 + f->rt_ppm * 1e-6L)) + (uint64_t)step;
}

static void
fake_read(void *arg, int clk, struct clock_triple *tr)
{
	struct fake_src *f = arg;
	unsigned int k = f->nb_read++;
	uint64_t half = (f->read_ns ? f->read_ns : 30) / 2;
	bool gap = (k >= f->gap_from && k < f->gap_to) ||
			(f->gap_every != 0 && k % f->gap_every == f->gap_phase);

	tr->cnt_before = fake_cnt(f, f->t);
	f->t += half;
	if (gap)
		f->t += f->gap_ns;
	tr->ns = clk == CLOCK_MONOTONIC_RAW ? f->raw0 + f->t : fake_rt(f, f->t);
	f->t += half;
	tr->cnt_after = fake_cnt(f, f->t);
	f->t += 10;
}

static void
fake_sleep(void *arg, uint64_t us)
{
	struct fake_src *f = arg;

	f->t += us * 1000;
}

/* Largest |map - realtime| at 200 points over the next @p ns of the timeline (advances it). */
static int64_t
fake_err_over(struct fake_src *f, const struct clock_disc *c, uint64_t ns)
{
	int64_t worst = 0;

	for (unsigned int i = 1; i <= 200; i++) {
		uint64_t t = f->t + ns * i / 200;
		int64_t e = (int64_t)(clock_map_ns(&c->map, fake_cnt(f, t)) - fake_rt(f, t));

		worst = RTE_MAX(worst, e < 0 ? -e : e);
	}
	f->t += ns;
	return worst;
}

static void
test_best_triple(void)
{
	/* Read at t = 1000 + 100 k ns on a 1 GHz counter (counts == ns), 40 ns brackets; try 2
	 * was preempted for 300 us before its clock read, try 4 after it.
	 */
	struct clock_triple t[6];
	uint64_t cnt = 0, ns = 0, br = 0;
	int rc;

	for (unsigned int k = 0; k < RTE_DIM(t); k++) {
		uint64_t at = 1000 + 100 * k;

		t[k] = (struct clock_triple){ at, 5000000 + at + 20, at + 40 + k };
	}
	t[2] = (struct clock_triple){ 1200, 5000000 + 1200 + 300020, 1200 + 300040 };
	t[4] = (struct clock_triple){ 1400, 5000000 + 1400 + 20, 1400 + 300040 };
	rc = clock_best_triple(t, RTE_DIM(t), 2000, &cnt, &ns, &br);
	check(rc == 0 && br == 40 && cnt == 1020 && ns == 5001020,
			"best triple: the narrowest bracket (40), counter at its midpoint, exact "
			"(got cnt %" PRIu64 " ns %" PRIu64 ")",
			cnt, ns);
	/* Every try preempted: rejected with a bound, taken (300 us wrong) without. */
	for (unsigned int k = 0; k < RTE_DIM(t); k++)
		t[k] = (struct clock_triple){ 1000 * k, 5000000 + 1000 * k + 300020 + k,
			1000 * k + 300040 + k };
	cnt = ns = 0;
	rc = clock_best_triple(t, RTE_DIM(t), 2000, &cnt, &ns, &br);
	check(rc == -EAGAIN && br == 300040 && cnt == 0 && ns == 0,
			"best triple: every bracket > bound: -EAGAIN, nothing set");
	rc = clock_best_triple(t, RTE_DIM(t), 0, &cnt, &ns, &br);
	check(rc == 0 && cnt == 150020 && ns == 5300020,
			"best triple: no bound: the narrowest taken anyway");
	check(clock_best_triple(t, 0, 0, &cnt, &ns, NULL) == -EAGAIN, "best triple: none: -EAGAIN");
}

/* Run @p nb ticks about a second apart; largest |map - realtime| between them. */
static int64_t
fake_run(struct fake_src *f, struct clock_disc *c, unsigned int nb, unsigned int *nb_fail)
{
	int64_t worst = 0;

	for (unsigned int k = 0; k < nb; k++) {
		worst = RTE_MAX(worst, fake_err_over(f, c, 1000000000));
		if (clock_src_tick(c, &(struct clock_source){ fake_read, fake_sleep, f }) != 0)
			(*nb_fail)++;
	}
	return worst;
}

static void
test_src(void)
{
	struct clock_disc c = { 0 };
	struct fake_src f = {
		/* This machine's TSC: rte_get_tsc_hz() said 2.6 GHz, it runs 1490 ppm slower. */
		.true_hz = 2596124123.0L,
		.cnt0 = 1ull << 44,
		.raw0 = 12345678901234ull,
		.rt0 = 1795795387123456789ull,
		.rt_ppm = 20,
		.gap_every = 3,
		.gap_phase = 1,
		.gap_ns = 300000,
	};
	const struct clock_source src = { fake_read, fake_sleep, &f };
	unsigned int nb_fail = 0;
	int64_t first, late;
	long double hz_err;
	uint64_t rejects;
	struct clock_map before;

	/* One read in three preempted for 300 us: the samples, the slope and the map ignore it. */
	clock_src_start(&c, &src);
	hz_err = ((long double)c.hz / f.true_hz - 1) * 1e6L;
	check(fabsl(hz_err) < 0.01L && c.nb_rejects == 0 && c.sync.seq != 0,
			"src start: rate against CLOCK_MONOTONIC_RAW %" PRIu64
			" Hz (%.4Lf ppm off the truth), map published, nothing rejected",
			c.hz, hz_err);
	check(fabsl(((long double)c.nominal_mult / 4294967296.0L) * f.true_hz / 1e9L /
					      (1 + f.rt_ppm * 1e-6L) -
			      1) < 0.01e-6L,
			"src start: slope follows CLOCK_REALTIME (raw + 20 ppm), not the raw rate");
	first = fake_run(&f, &c, 2, &nb_fail);
	late = fake_run(&f, &c, 8, &nb_fail);
	check(first <= 5 && late <= 5 && nb_fail == 0,
			"src: 1 read in 3 preempted 300 us: |map - realtime| <= 5 ns in the first "
			"2 s (%" PRId64 " ns) and after (%" PRId64 " ns)",
			first, late);

	/* A tick whose every try is preempted: rejected, map unchanged, retried 10 ms later. */
	f.gap_every = 0;
	f.gap_from = f.nb_read;
	f.gap_to = f.nb_read + CLOCK_SAMPLE_TRIES;
	f.t += 1000000000;
	before = c.map;
	rejects = c.nb_rejects;
	check(clock_src_tick(&c, &src) == -EAGAIN && c.nb_rejects == rejects + 1 &&
					memcmp(&before, &c.map, sizeof(before)) == 0,
			"src tick, every try preempted: -EAGAIN, counted, map unchanged");
	f.t += 10000000;
	check(clock_src_tick(&c, &src) == 0 && fake_err_over(&f, &c, 1000000000) <= 5,
			"src tick retried 10 ms later: taken, map still within 5 ns");

	/* The start's own samples all preempted: retried until one is clean. */
	memset(&c, 0, sizeof(c));
	f.gap_from = f.nb_read;
	f.gap_to = f.nb_read + 2 * CLOCK_START_TRIES;
	clock_src_start(&c, &src);
	first = fake_run(&f, &c, 2, &nb_fail);
	check(c.nb_rejects == 2 && first <= 5 && nb_fail == 0,
			"src start, first two samples preempted: retried (%" PRIu64
			" rejects), map within %" PRId64 " ns",
			c.nb_rejects, first);

	/* A clock slow to read (5 us brackets, over the 1 us bound): the start's first sample is
	 * taken after its retries, then the bound follows the narrowest bracket.
	 */
	memset(&c, 0, sizeof(c));
	f.read_ns = 5000;
	clock_src_start(&c, &src);
	rejects = c.nb_rejects;
	first = fake_run(&f, &c, 3, &nb_fail);
	check(rejects == CLOCK_START_ATTEMPTS - 1 && c.nb_rejects == rejects && nb_fail == 0 &&
					first <= 5,
			"src, 5 us reads: %" PRIu64 " rejects at start, then none (bound = 4x "
			"narrowest), map within %" PRId64 " ns",
			rejects, first);
	/* Reads get 10x slower for good: after CLOCK_MAX_REJECTS_IN_ROW rejects one is taken. */
	f.read_ns = 60000;
	nb_fail = 0;
	for (unsigned int k = 0; k < CLOCK_MAX_REJECTS_IN_ROW + 1; k++) {
		f.t += 10000000;
		if (clock_src_tick(&c, &src) != 0)
			nb_fail++;
	}
	check(nb_fail == CLOCK_MAX_REJECTS_IN_ROW && c.rejects_in_row == 0,
			"src, reads 10x slower for good: %u rejected in a row, then taken",
			nb_fail);
	f.t += 1000000000;
	check(clock_src_tick(&c, &src) == 0, "src, slower reads: the bound adapted to them");
	f.read_ns = 0;

	/* Realtime stepped 50 ms during the start's measurement: the raw slope is used. */
	memset(&c, 0, sizeof(c));
	f.step_at = f.t + CLOCK_CAL_US * 500ull;
	f.step_ns = 50000000;
	clock_src_start(&c, &src);
	hz_err = ((long double)c.nominal_mult / 4294967296.0L * f.true_hz / 1e9L - 1) * 1e6L;
	check(fabsl(hz_err) < 0.01L,
			"src start, realtime stepped 50 ms inside the measurement: raw slope used "
			"(%.4Lf ppm off raw)",
			hz_err);
	nb_fail = 0;
	first = fake_run(&f, &c, 2, &nb_fail);
	late = fake_run(&f, &c, 3, &nb_fail);
	check(first <= 21000 && late <= 5 && nb_fail == 0 && c.nb_steps == 0,
			"src after it: realtime's 20 ppm over raw slewed out in 2 s (worst %" PRId64
			" ns), then within %" PRId64 " ns, no step needed",
			first, late);
	f.step_at = 0;
}

/*
 * The start-up transient measured between two processes (test/unit/clock_compare): an offset
 * seen after a short period (the 20 ms calibration) was slewed at up to 500 ppm for the whole
 * next, 50x longer, period. Now the horizon is at least CLOCK_SLEW_MIN_NS: the map never strays
 * further than the offset it is removing.
 */
static void
test_short_then_long(void)
{
	const uint64_t hz = 2600000000ull;
	struct synth s = {
		.true_hz = 2596124123.0L,
		.cnt0 = 1ull << 40,
		.rt0 = 1795795387123456789ull,
	};
	struct clock_disc c = { 0 };
	uint64_t t = 0;
	int64_t off, worst = 0;

	clock_disc_init(&c, hz, synth_cnt(&s, t), synth_rt(&s, t));
	t += 20000000;
	off = clock_disc_update(&c, synth_cnt(&s, t), synth_rt(&s, t));
	for (unsigned int i = 1; i <= 1000; i++) {
		uint64_t ti = t + 1000000ull * i;
		int64_t e = (int64_t)(clock_map_ns(&c.map, synth_cnt(&s, ti)) - synth_rt(&s, ti));

		worst = RTE_MAX(worst, e < 0 ? -e : e);
	}
	check(off > 29000 && off < 31000 && worst <= off,
			"disc, 2.6 GHz nominal on a 2.596 GHz counter: %" PRId64
			" ns off after 20 ms; over the next 1 s the map stays within it (worst %" PRId64
			" ns; was ~470 us)",
			off, worst);
}

/* Seqlock stress: the writer publishes maps whose fields are tied together (ns = 3 * cnt,
 * mult = 7 * cnt); a reader that ever sees a mix of two maps breaks the tie.
 */
static struct clock_sync stress_sync;
static volatile bool stress_stop;

static void *
stress_writer(void *arg)
{
	uint64_t k = 1;

	(void)arg;
	while (!stress_stop) {
		struct clock_map m = { .base_cnt = k, .base_ns = 3 * k, .mult = 7 * k };

		clock_sync_publish(&stress_sync, &m);
		k++;
	}
	return NULL;
}

static void
test_sync(void)
{
	struct clock_map m = { .base_cnt = 1, .base_ns = 3, .mult = 7 }, out;
	unsigned int torn = 0, reads = 0;
	uint64_t last_cnt = 0;
	bool backwards = false;
	pthread_t th;
	char what[128];

	clock_sync_publish(&stress_sync, &m);
	clock_sync_read(&stress_sync, &out);
	check(stress_sync.seq == 2 && out.base_cnt == 1 && out.base_ns == 3 && out.mult == 7,
			"sync: publish then read round-trips, seq even");

	if (pthread_create(&th, NULL, stress_writer, NULL) != 0) {
		check(false, "sync: pthread_create");
		return;
	}
	for (reads = 0; reads < 2000000; reads++) {
		clock_sync_read(&stress_sync, &out);
		if (out.base_ns != 3 * out.base_cnt || out.mult != 7 * out.base_cnt)
			torn++;
		if (out.base_cnt < last_cnt)
			backwards = true;
		last_cnt = out.base_cnt;
	}
	stress_stop = true;
	pthread_join(th, NULL);
	snprintf(what, sizeof(what),
			"sync: 2000000 reads racing a writer (%" PRIu64 " publishes): %u torn",
			last_cnt, torn);
	check(torn == 0 && !backwards, "%s", what);
	check((stress_sync.seq & 1) == 0, "sync: seq even when the writer is idle");
}

static void
test_fmt(void)
{
	static const struct {
		uint64_t ns;
		const char *want;
	} cases[] = {
		{ 0, "1970-01-01T00:00:00.000000000Z" },
		{ 1700000000123456789ull, "2023-11-14T22:13:20.123456789Z" },
		{ 951782400000000001ull, "2000-02-29T00:00:00.000000001Z" },
		{ 1795795387123456789ull, "2026-11-27T16:03:07.123456789Z" },
		{ UINT64_MAX, "2554-07-21T23:34:33.709551615Z" },
	};
	char buf[32], what[128];

	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		clock_fmt_ns(cases[i].ns, buf, sizeof(buf));
		snprintf(what, sizeof(what), "fmt %" PRIu64 " -> %s", cases[i].ns, buf);
		check(strcmp(buf, cases[i].want) == 0, "%s", what);
	}
	check(clock_fmt_ns(1700000000123456789ull, buf, 11) == buf &&
					strcmp(buf, "2023-11-14") == 0,
			"fmt into a short buffer: truncated, terminated");
}

static void
test_sample(void)
{
	uint64_t tsc1, ns1, tsc2, ns2, rt;

	clock_sample_tsc(&tsc1, &ns1);
	rt = clock_realtime_ns();
	clock_sample_tsc(&tsc2, &ns2);
	check(tsc2 > tsc1 && ns2 >= ns1 && rt >= ns1 && rt <= ns2 &&
					ns1 > 1500000000ull * 1000000000ull,
			"clock_sample_tsc / clock_realtime_ns: ordered, plausible");
}

/* Not a test: the figure quoted above clock_sync_ns(). */
static void
bench(void)
{
	struct clock_disc c = { 0 };
	const unsigned int n = 10000000;
	volatile uint64_t sink = 0;
	uint64_t t0, t1;

	clock_disc_init(&c, 2500000000ull, 1000, 1700000000000000000ull);
	t0 = rte_rdtsc();
	for (unsigned int i = 0; i < n; i++)
		sink += clock_sync_ns(&c.sync, t0 + i);
	t1 = rte_rdtsc();
	printf("bench: clock_sync_ns: %.1f cycles/call\n", (double)(t1 - t0) / n);
	(void)sink;
}

int
main(void)
{
	test_mult();
	test_map_exact();
	test_disc();
	test_best_triple();
	test_src();
	test_short_then_long();
	test_sync();
	test_fmt();
	test_sample();
	bench();
	return unit_done();
}
