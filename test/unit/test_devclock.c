/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * lib/clock/devclock against a synthetic device clock on a virtual time line: every read of
 * the clock costs virtual time (a latency, a jitter on each side of the latch, outliers,
 * preemptions), so the truth of every conversion is known exactly. Each case runs 60 s of
 * virtual time with a sample every 100 ms, converts the device clock at 1000 points per second
 * and checks the error after a 1 s warm-up against the case's bound; it prints the p50, p99 and
 * max of |error|. An independent model: the device clock is a closed form of virtual time.
 */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devclock.h"
#include "unit.h"

struct vclock {
	double t;		  /* virtual UTC ns since start */
	uint64_t t0;		  /* UTC of t = 0 */
	double hz;		  /* nominal ticks per second */
	double ppm;		  /* frequency error */
	double ppm_rate;	  /* ppm per second */
	double step_ppm, step_at; /* drift step */
	unsigned int bits;
	double read_ns, jitter_ns;     /* latency and jitter per side */
	unsigned int outlier_every;    /* a read with 10x jitter before the latch */
	double preempt_p;	       /* probability that a read is preempted (100 us) */
	double rt_step_at, rt_step_ns; /* CLOCK_REALTIME step */
	unsigned int late_every;       /* every Nth sample comes 2 s late (descheduled thread) */
	bool convert_late; /* a period's stamps are converted after the next sample, not before */
	uint64_t rnd, reads;
};

static double
urand(struct vclock *v)
{
	return (double)(unit_rand64(&v->rnd) >> 11) / (double)(1ULL << 53);
}

/* The device clock at virtual time t: closed form of the drift model. */
static uint64_t
dev_ticks(const struct vclock *v, double t)
{
	double s = t / 1e9, drift = v->ppm * s + v->ppm_rate * s * s / 2;
	uint64_t c;

	if (v->step_ppm != 0 && s > v->step_at)
		drift += v->step_ppm * (s - v->step_at);
	c = (uint64_t)floor(v->hz * (s + drift * 1e-6)) + 1234567;
	return v->bits == 64 ? c : c & ((1ULL << v->bits) - 1);
}

/* UTC as CLOCK_REALTIME says it at virtual time t (stepped after rt_step_at). */
static uint64_t
utc(const struct vclock *v, double t)
{
	double x = t + (v->rt_step_ns != 0 && t > v->rt_step_at * 1e9 ? v->rt_step_ns : 0);

	return v->t0 + (uint64_t)(int64_t)llround(x);
}

static int
v_read(void *arg, uint64_t *before, uint64_t *ticks, uint64_t *after)
{
	struct vclock *v = arg;
	double j1 = urand(v) * v->jitter_ns, j2 = urand(v) * v->jitter_ns;

	if (v->outlier_every != 0 && ++v->reads % v->outlier_every == 0)
		j1 += 10 * v->jitter_ns;
	if (urand(v) < v->preempt_p) {
		if (urand(v) < 0.5)
			j1 += 100000;
		else
			j2 += 100000;
	}
	*before = utc(v, v->t);
	v->t += v->read_ns / 2 + j1;
	*ticks = dev_ticks(v, v->t);
	v->t += v->read_ns / 2 + j2;
	*after = utc(v, v->t);
	return 0;
}

static void
v_sleep(void *arg, uint64_t us)
{
	((struct vclock *)arg)->t += (double)us * 1000;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The sample due at virtual time @p at, retried as stampede does while it is rejected. */
static void
tick_at(struct devclock *c, const struct devclock_source *src, struct vclock *v, double at)
{
	v->t = at;
	while (devclock_tick(c, src) == -EAGAIN)
		v->t += 10e6; /* stampede retries at the next control loop, 10 ms on */
}

/* Run one case; returns the max |error| after warm-up (ns). */
static void
run_case(const char *name, struct vclock *v, uint64_t bound_ns)
{
	struct devclock c;
	struct devclock_source src = { v_read, v_sleep, v };
	const unsigned int secs = 60, per_s = 1000;
	uint64_t *abs_err = malloc(sizeof(uint64_t) * secs * per_s * 2);
	double *late_t = malloc(sizeof(double) * per_s * 3);
	uint64_t *late_ticks = malloc(sizeof(uint64_t) * per_s * 3);
	uint64_t prev_stamp = 0;
	unsigned int n = 0, back = 0;
	int rc;

	v->t0 = 1700000000ULL * 1000000000ULL;
	v->t = 0;
	v->rnd = 0x9e3779b97f4a7c15ULL;
	rc = devclock_start(&c, &src, v->bits);
	check(rc == 0, "%s: devclock_start (%d)", name, rc);
	if (rc != 0) {
		free(abs_err);
		free(late_t);
		free(late_ticks);
		return;
	}
	for (unsigned int k = 0; k < secs * 10 && n + per_s * 3 < secs * per_s * 2; k++) {
		double next = v->t + DEVCLOCK_PERIOD_MS * 1e6;

		if (v->late_every != 0 && k % v->late_every == v->late_every - 1)
			next += 2e9;
		/*
		 * Conversions of frames arriving during the period: before the next sample, or
		 * (convert_late) after it, as stamps an RX lcore converts late.
		 */
		unsigned int m = (unsigned int)((next - v->t) / 1e9 * per_s);

		for (unsigned int i = 0; i < m; i++) {
			double t = v->t + (next - v->t) * (i + 0.5) / m;

			late_t[i] = t;
			late_ticks[i] = dev_ticks(v, t);
		}
		if (v->convert_late)
			tick_at(&c, &src, v, next);
		for (unsigned int i = 0; i < m; i++) {
			double t = late_t[i];
			uint64_t stamp = devclock_ns(&c, late_ticks[i]);
			int64_t e = (int64_t)(stamp - utc(v, t));
			bool stepped = v->rt_step_ns != 0 && t > v->rt_step_at * 1e9 &&
					t < v->rt_step_at * 1e9 + 2e8;

			if (stamp < prev_stamp && !(stepped && v->rt_step_ns < 0))
				back++;
			prev_stamp = stamp;
			if (t > 1e9 && !stepped)
				abs_err[n++] = (uint64_t)(e < 0 ? -e : e);
		}
		if (!v->convert_late)
			tick_at(&c, &src, v, next);
	}
	qsort(abs_err, n, sizeof(*abs_err), cmp_u64);
	printf("FIGURES devclock %s: n=%u |err| p50 %" PRIu64 " ns, p99 %" PRIu64
	       " ns, max %" PRIu64 " ns (samples %" PRIu64 ", rejects %" PRIu64 ", steps %" PRIu64
	       ", rate restarts %" PRIu64 ")\n",
			name, n, abs_err[n / 2], abs_err[n * 99 / 100], abs_err[n - 1],
			c.nb_samples, c.nb_rejects, c.nb_steps, c.nb_changes);
	check(abs_err[n - 1] <= bound_ns, "%s: |err| <= %" PRIu64 " ns after warm-up", name,
			bound_ns);
	check(back == 0, "%s: converted time never runs backwards (%u)", name, back);
	free(abs_err);
	free(late_t);
	free(late_ticks);
}

int
main(void)
{
	struct vclock base = {
		.hz = 156250000, .bits = 64, .read_ns = 1000, .jitter_ns = 50, .outlier_every = 8
	};
	struct vclock v;

	v = base;
	v.ppm = -95;
	v.ppm_rate = 0.5;
	run_case("drift -95 ppm, 0.5 ppm/s", &v, 150);

	v = base;
	v.ppm = 60;
	v.step_ppm = -40;
	v.step_at = 30;
	run_case("drift step -40 ppm at 30 s", &v, 5000);

	/*
	 * The same, each period's stamps converted after the next sample (up to 100 ms late):
	 * each stamp must get the map in force when it was taken, not the new correction's slope
	 * carried back (tens of ppm apart after the step: microseconds).
	 */
	v.convert_late = true;
	run_case("drift step -40 ppm at 30 s, stamps converted after the next sample", &v, 5000);

	v = base;
	v.ppm = -95;
	v.ppm_rate = 0.5;
	v.convert_late = true;
	run_case("drift -95 ppm, 0.5 ppm/s, stamps converted after the next sample", &v, 150);

	v = base;
	v.hz = 1e9;
	v.bits = 32;
	run_case("32-bit 1 GHz counter, 14 wraps", &v, 150);

	v = base;
	v.ppm = 20;
	v.rt_step_at = 30;
	v.rt_step_ns = 2.5e9;
	run_case("CLOCK_REALTIME +2.5 s", &v, 150);

	v = base;
	v.ppm = 20;
	v.rt_step_at = 30;
	v.rt_step_ns = -1.5e9;
	run_case("CLOCK_REALTIME -1.5 s", &v, 150);

	v = base;
	v.ppm = 30;
	v.read_ns = 2000;
	v.jitter_ns = 1000;
	run_case("read 2 us + 1 us jitter a side", &v, 400);

	v = base;
	v.ppm = 30;
	v.read_ns = 2000;
	v.jitter_ns = 1000;
	v.preempt_p = 0.05;
	run_case("read 2 us + 1 us jitter a side, 5% of reads preempted 100 us", &v, 400);

	v = base;
	v.ppm = 30;
	v.read_ns = 20000;
	v.jitter_ns = 10000;
	v.preempt_p = 0.02;
	run_case("read 20 us + 10 us jitter a side, 2% preempted", &v, 4000);

	v = base;
	v.ppm = 30;
	v.read_ns = 2000;
	v.jitter_ns = 1000;
	v.late_every = 50;
	run_case("read 2 us + 1 us jitter a side, every 50th sample 2 s late", &v, 400);

	/* A 32-bit counter declared as 64 bits: every wrap is a counter going back, said so. */
	{
		struct devclock c;
		struct devclock_source src = { v_read, v_sleep, &v };
		unsigned int backs = 0, other = 0;

		v = base;
		v.hz = 1e9;
		v.bits = 32;
		v.t0 = 1700000000ULL * 1000000000ULL;
		v.t = 0;
		v.rnd = 1;
		check(devclock_start(&c, &src, 64) == 0, "32-bit counter started as 64 bits");
		for (unsigned int k = 0; k < 100; k++) {
			int rc;

			v.t += DEVCLOCK_PERIOD_MS * 1e6;
			rc = devclock_tick(&c, &src);
			backs += rc == -ERANGE;
			other += rc == 1;
		}
		check(backs == 2 && c.nb_backwards == 2 && other == 0,
				"10 s of a 32-bit 1 GHz counter as 64 bits: 2 wraps seen as the counter "
				"going back (-ERANGE, %u), not as CLOCK_REALTIME steps (%u)",
				backs, other);
		v.t += 50e6;
		{
			uint64_t stamp = devclock_ns(&c, dev_ticks(&v, v.t));
			int64_t e = (int64_t)(stamp - utc(&v, v.t));

			check(e < 1000 && e > -1000,
					"and the map restarted: %" PRId64 " ns off between samples",
					e);
		}
	}

	return unit_done();
}
