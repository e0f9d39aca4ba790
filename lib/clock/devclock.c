/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* A NIC clock followed against CLOCK_REALTIME: see devclock.h. */

#include <errno.h>
#include <math.h>
#include <string.h>

#include <rte_common.h>

#include "devclock.h"

int
devclock_sample(const struct devclock_source *src, unsigned int tries, uint64_t *ticks,
		uint64_t *ns, uint64_t *bracket)
{
	uint64_t best = UINT64_MAX;
	int rc = -EIO;

	for (unsigned int i = 0; i < tries; i++) {
		uint64_t b, t, a;

		if (src->read(src->arg, &b, &t, &a) != 0 || a < b)
			continue;
		if (a - b < best) {
			best = a - b;
			*ticks = t;
			*ns = b + (a - b) / 2;
			rc = 0;
		}
	}
	*bracket = best;
	return rc;
}

/* Signed difference of two raw counter values, sign-extended from the counter's width. */
static int64_t
tick_delta(const struct devclock *c, uint64_t to, uint64_t from)
{
	return (int64_t)((to - from) << c->shift) >> c->shift;
}

static void
line_store(struct devclock_line *to, const struct devclock_line *l)
{
	__atomic_store_n(&to->base_cnt, l->base_cnt, __ATOMIC_RELAXED);
	__atomic_store_n(&to->base_ns, l->base_ns, __ATOMIC_RELAXED);
	__atomic_store_n(&to->mult, l->mult, __ATOMIC_RELAXED);
	__atomic_store_n(&to->mult_after, l->mult_after, __ATOMIC_RELAXED);
	__atomic_store_n(&to->horizon, l->horizon, __ATOMIC_RELAXED);
}

static void
sync_publish(struct devclock_sync *s, const struct devclock_map *m)
{
	uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);

	/* As clock_sync_publish(): odd while writing, fenced on both sides. */
	__atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	line_store(&s->map.cur, &m->cur);
	line_store(&s->map.prev, &m->prev);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELAXED);
}

static uint64_t
to_mult(double rate)
{
	return (uint64_t)llround(rate * (double)(1ULL << CLOCK_SHIFT));
}

/*
 * Anchor at (base_raw, base_ns): @p rate_corr for one period, the fitted rate after it.
 * @p continuous: the anchor is where the map in force stood (ticks before it keep that map);
 * otherwise the map starts afresh, before the anchor too.
 */
static void
publish(struct devclock *c, uint64_t base_raw, uint64_t base_ns, double rate_corr, bool continuous)
{
	struct devclock_line *l = &c->map.cur;

	c->map.prev = *l;
	l->base_cnt = base_raw;
	l->base_ns = base_ns;
	l->mult = to_mult(rate_corr);
	l->mult_after = to_mult(c->rate);
	l->horizon = (uint64_t)((double)DEVCLOCK_PERIOD_MS * 1e6 / c->rate);
	if (!continuous)
		c->map.prev = *l;
	sync_publish(&c->sync, &c->map);
}

static int64_t
abs_err(int64_t v)
{
	return v < 0 ? -v : v;
}

static void
window_reset(struct devclock *c)
{
	c->w_n = 0;
	c->w_head = 0;
}

static void
window_push(struct devclock *c, uint64_t cnt, uint64_t ns)
{
	c->w_cnt[c->w_head] = cnt;
	c->w_ns[c->w_head] = ns;
	c->w_head = (c->w_head + 1) % DEVCLOCK_WINDOW;
	if (c->w_n < DEVCLOCK_WINDOW)
		c->w_n++;
}

/*
 * Least-squares slope of ns against ticks over the window (centred on the first sample, so the
 * doubles hold differences of at most a few seconds: exact to well under a ns). Keeps the
 * previous rate when the window spans less than a sample period.
 */
static void
window_fit(struct devclock *c)
{
	unsigned int first = (c->w_head + DEVCLOCK_WINDOW - c->w_n) % DEVCLOCK_WINDOW;
	double sx = 0, sy = 0, sxx = 0, sxy = 0, n = c->w_n;
	uint64_t c0 = c->w_cnt[first], n0 = c->w_ns[first];
	uint64_t span;

	if (c->w_n < 2)
		return;
	span = c->w_ns[(c->w_head + DEVCLOCK_WINDOW - 1) % DEVCLOCK_WINDOW] - n0;
	if (span < DEVCLOCK_PERIOD_MS * 1000000ULL / 2)
		return;
	for (unsigned int k = 0; k < c->w_n; k++) {
		unsigned int i = (first + k) % DEVCLOCK_WINDOW;
		double x = (double)(int64_t)(c->w_cnt[i] - c0);
		double y = (double)(int64_t)(c->w_ns[i] - n0);

		sx += x;
		sy += y;
		sxx += x * x;
		sxy += x * y;
	}
	if (n * sxx - sx * sx > 0) {
		double r = (n * sxy - sx * sy) / (n * sxx - sx * sx);

		if (r > 0)
			c->rate = r;
	}
}

int
devclock_start(struct devclock *c, const struct devclock_source *src, unsigned int bits)
{
	uint64_t t0, n0, t1, n1, b0, b1, seq = c->sync.seq;
	double half_wrap_ns;
	int64_t dt;

	memset(c, 0, sizeof(*c));
	c->sync.seq = (uint32_t)seq & ~1u;
	if (bits < 16 || bits > 64)
		return -EINVAL;
	c->shift = 64 - bits;
	c->mask = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
	if (devclock_sample(src, DEVCLOCK_START_TRIES, &t0, &n0, &b0) != 0)
		return -EIO;
	src->sleep_us(src->arg, DEVCLOCK_CAL_US);
	if (devclock_sample(src, DEVCLOCK_START_TRIES, &t1, &n1, &b1) != 0)
		return -EIO;
	dt = tick_delta(c, t1 & c->mask, t0 & c->mask);
	if (dt <= 0 || n1 <= n0)
		return -EIO;
	c->rate = (double)(n1 - n0) / (double)dt;
	c->start_hz = 1e9 / c->rate;
	/* Followed from one sample to the next: a wrap must take several periods. */
	half_wrap_ns = ldexp(1.0, (int)bits - 1) * c->rate;
	if (half_wrap_ns < 4.0 * DEVCLOCK_PERIOD_MS * 1e6)
		return -ERANGE;
	c->last_raw = t1 & c->mask;
	c->ext = c->last_raw;
	c->last_ns = n1;
	c->min_brk = b0 < b1 ? b0 : b1;
	c->noise = (double)c->min_brk / 4;
	c->last_brk = b1;
	c->nb_samples = 2;
	window_push(c, (uint64_t)((int64_t)c->ext - dt), n0);
	window_push(c, c->ext, n1);
	publish(c, c->last_raw, n1, c->rate, false);
	return 0;
}

int
devclock_tick(struct devclock *c, const struct devclock_source *src)
{
	uint64_t raw, ns, brk, bound, old_ns, period_ticks;
	double corr, max_corr;
	int64_t err;

	if (devclock_sample(src, DEVCLOCK_TRIES, &raw, &ns, &brk) != 0)
		return -EIO;
	/*
	 * A jittery read: the midpoint is off by half the difference of the two halves of the
	 * bracket, which only a narrower bracket bounds better. Read more (up to
	 * DEVCLOCK_MAX_TRIES in all) while the best is well above the narrowest seen.
	 */
	for (unsigned int t = DEVCLOCK_TRIES; t < DEVCLOCK_MAX_TRIES && c->min_brk != 0 &&
			brk > c->min_brk + c->min_brk / 4 + DEVCLOCK_BRACKET_SLACK_NS;
			t += DEVCLOCK_TRIES) {
		uint64_t r2, n2, b2;

		if (devclock_sample(src, DEVCLOCK_TRIES, &r2, &n2, &b2) == 0 && b2 < brk) {
			raw = r2;
			ns = n2;
			brk = b2;
		}
	}
	raw &= c->mask;
	/*
	 * A free-running counter never goes back. If it did, it wrapped at a width narrower than
	 * configured (or the device was reset): no map can say where it is; start again from
	 * this sample (the stamps of the frames since the last sample were wrong) and tell.
	 */
	if (tick_delta(c, raw, c->last_raw) < 0) {
		c->nb_backwards++;
		c->last_raw = raw;
		c->ext = raw;
		window_reset(c);
		window_push(c, c->ext, ns);
		c->last_ns = ns;
		publish(c, raw, ns, c->rate, false);
		return -ERANGE;
	}
	/* The ticks are good whatever the bracket: follow the counter through its wraps. */
	c->ext += (uint64_t)tick_delta(c, raw, c->last_raw);
	c->last_raw = raw;
	old_ns = devclock_map_ns(&c->map, c->shift, raw);
	bound = c->min_brk * DEVCLOCK_BRACKET_FACTOR;
	if (bound < DEVCLOCK_MIN_BRACKET_NS)
		bound = DEVCLOCK_MIN_BRACKET_NS;
	if (brk > bound) {
		/*
		 * Too wide to say when the clock was read (preempted in every try, a busy
		 * device). The last correction was meant for one period: it ends here, and the
		 * map goes on at the fitted rate from where it stands. Reads that stay slower
		 * (DEVCLOCK_MAX_REJECTS in a row) widen the bound step by step.
		 */
		c->nb_rejects++;
		if (++c->rejects_in_row >= DEVCLOCK_MAX_REJECTS) {
			c->min_brk += c->min_brk / 2;
			c->rejects_in_row = 0;
		}
		publish(c, raw, old_ns, c->rate, true);
		return -EAGAIN;
	}
	c->rejects_in_row = 0;
	if (brk < c->min_brk)
		c->min_brk = brk;
	c->last_brk = brk;
	c->nb_samples++;
	c->last_ns = ns;

	err = (int64_t)(ns - old_ns);
	c->last_err = err;
	if (err > (int64_t)DEVCLOCK_STEP_NS || err < -(int64_t)DEVCLOCK_STEP_NS) {
		/* CLOCK_REALTIME jumped: follow it, and fit the rate afresh on this side of it. */
		c->nb_steps++;
		c->last_step_ns = err;
		c->big_errs = 0;
		window_reset(c);
		window_push(c, c->ext, ns);
		publish(c, raw, ns, c->rate, false);
		return 1;
	}
	/*
	 * Errors well beyond the usual scatter, twice in a row the same way, mean the
	 * oscillator changed frequency (a drift step): a fit over the whole window would lag it
	 * by seconds, so the fit restarts from the previous sample. One such error alone is
	 * taken as noise.
	 */
	if (abs_err(err) > RTE_MAX((int64_t)DEVCLOCK_CHANGE_NS,
					   (int64_t)(DEVCLOCK_CHANGE_NOISE * c->noise))) {
		int sign = err > 0 ? 1 : -1;

		c->big_errs = c->big_errs * sign > 0 ? c->big_errs + sign : sign;
	} else {
		c->big_errs = 0;
		c->noise += ((double)abs_err(err) - c->noise) / 8;
	}
	if (c->big_errs >= 2 || c->big_errs <= -2) {
		unsigned int prev = (c->w_head + DEVCLOCK_WINDOW - 1) % DEVCLOCK_WINDOW;
		uint64_t pc = c->w_cnt[prev], pn = c->w_ns[prev];

		c->nb_changes++;
		c->big_errs = 0;
		window_reset(c);
		window_push(c, pc, pn);
	}
	window_push(c, c->ext, ns);
	window_fit(c);
	/*
	 * Anchor where the old map stood, and steer onto the sample one period on:
	 *   new(raw + P) = old(raw) + (rate + err / P) * P = ns + rate * P.
	 */
	period_ticks = (uint64_t)((double)DEVCLOCK_PERIOD_MS * 1e6 / c->rate);
	corr = (double)err / (double)period_ticks;
	max_corr = c->rate * DEVCLOCK_MAX_SLEW_PPM * 1e-6;
	if (corr > max_corr)
		corr = max_corr;
	if (corr < -max_corr)
		corr = -max_corr;
	publish(c, raw, old_ns, c->rate + corr, true);
	return 0;
}

double
devclock_hz(const struct devclock *c)
{
	return c->rate > 0 ? 1e9 / c->rate : 0;
}
