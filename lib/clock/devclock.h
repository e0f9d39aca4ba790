/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_DEVCLOCK_H
#define STP_DEVCLOCK_H

/**
 * @file
 * A NIC's free-running clock followed against CLOCK_REALTIME, so that its RX (and TX) stamps,
 * in device ticks, become UTC ns.
 *
 * Samples: each is the best of DEVCLOCK_TRIES reads of the device clock, each bracketed by two
 * CLOCK_REALTIME reads (the device read is the slow, jittery one: a PCIe round trip on mlx5);
 * the read with the narrowest bracket is kept and the device is taken to have latched its clock
 * at the bracket's midpoint (more reads, up to DEVCLOCK_MAX_TRIES, while the best bracket is
 * still well above the narrowest seen: a jittery read). A sample whose best bracket is wider than
 * DEVCLOCK_BRACKET_FACTOR times the narrowest seen (a preemption, an interrupt, a busy device in
 * every try) is rejected and counted (the map then goes on at the fitted rate, its last
 * correction ended); after DEVCLOCK_MAX_REJECTS in a row the bound widens by half (reads got
 * slower for good). Samples are taken every DEVCLOCK_PERIOD_MS.
 *
 * Rate: a least-squares fit of UTC ns against ticks over the last DEVCLOCK_WINDOW samples, so it
 * follows a drifting oscillator (ppm changing with temperature) instead of averaging since
 * start; two errors in a row well beyond the samples' usual scatter restart the fit (a drift
 * step).
 *
 * Map: at each sample the map is re-anchored where the old one stood at the sample's ticks (a
 * stamp never jumps), with the fitted rate plus the correction that brings it onto the sample
 * one period later (clamped to DEVCLOCK_MAX_SLEW_PPM, so the slope stays positive and converted
 * time never runs backwards). The correction ends by itself one period after the anchor: past
 * it the map goes on at the fitted rate alone (a two-piece line, continuous), so a control
 * thread that is late to take the next sample (descheduled for a second on a busy machine)
 * does not carry a correction meant for 100 ms over seconds. An error above DEVCLOCK_STEP_NS means
 * CLOCK_REALTIME was stepped: the map is re-anchored on the sample (counted in nb_steps, logged by
 * the caller) and the fit restarts; that is the one case where stamps may go back, since UTC itself
 * did.
 *
 * Wrap: a counter narrower than 64 bits (bits) is unwrapped by sign-extending tick differences
 * from the map's anchor, so a stamp within half a wrap of the anchor converts right; the clock
 * must not wrap in less than 4 sample periods (devclock_start() refuses it).
 *
 * Pure code, no EAL: the device read is a callback (the port's rte_eth_read_clock, or a
 * simulated clock in unit tests).
 */

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"

#define DEVCLOCK_TRIES 16	     /**< bracketed reads per sample, narrowest kept */
#define DEVCLOCK_START_TRIES 32	     /**< per start-up sample (the rate rests on two) */
#define DEVCLOCK_MAX_TRIES 64	     /**< per sample when the best bracket stays wide */
#define DEVCLOCK_BRACKET_SLACK_NS 50 /**< a bracket this close to the narrowest is narrow */
#define DEVCLOCK_PERIOD_MS 100	     /**< sample period */
#define DEVCLOCK_CAL_US 100000	     /**< start-up: the rate over 100 ms */
#define DEVCLOCK_WINDOW 16	     /**< samples in the rate fit (1.6 s) */
#define DEVCLOCK_BRACKET_FACTOR 4    /**< reject a sample wider than 4x the narrowest */
#define DEVCLOCK_MIN_BRACKET_NS 2000 /**< ... but never reject one narrower than this */
#define DEVCLOCK_MAX_REJECTS 10	     /**< then widen the bound by half */
#define DEVCLOCK_STEP_NS 1000000ULL  /**< an error above 1 ms: CLOCK_REALTIME was stepped */
#define DEVCLOCK_MAX_SLEW_PPM 500    /**< largest correction of the slope */
/**
 * Two errors in a row above this and above DEVCLOCK_CHANGE_NOISE times the samples' usual
 * scatter restart the rate fit: a drift step.
 */
#define DEVCLOCK_CHANGE_NS 300
#define DEVCLOCK_CHANGE_NOISE 8

/** Read the device clock between two CLOCK_REALTIME reads. 0 or -errno. */
struct devclock_source {
	int (*read)(void *arg, uint64_t *ns_before, uint64_t *ticks, uint64_t *ns_after);
	void (*sleep_us)(void *arg, uint64_t us);
	void *arg;
};

/**
 * One piece of the map: ticks to UTC ns as base_ns + d * mult for the first horizon ticks past
 * base_cnt (d: the sign-extended difference; before base_cnt too), then on at mult_after
 * (fixed point << CLOCK_SHIFT, as clock_map).
 */
struct devclock_line {
	uint64_t base_cnt;   /**< raw ticks at the anchor */
	uint64_t base_ns;    /**< UTC ns at the anchor */
	uint64_t mult;	     /**< ns per tick with the correction */
	uint64_t mult_after; /**< ns per tick past the horizon: the fitted rate */
	uint64_t horizon;    /**< ticks the correction lasts */
};

/**
 * Ticks to UTC ns: @c cur from its anchor on, @c prev before it. A stamp taken before the
 * latest sample but converted after it (an RX lcore preempted between its burst and the
 * conversion, a queue read late) gets the map that was in force when it was taken, not the new
 * correction's slope extended backwards: after a drift step the slopes of two maps differ by tens
 * of ppm, microseconds over a late burst. @c prev equals @c cur after a re-anchor that is not
 * continuous (start, a step of CLOCK_REALTIME, a counter gone back).
 */
struct devclock_map {
	struct devclock_line cur;
	struct devclock_line prev;
};

/** A published devclock_map: one writer, lock-free readers (sequence counter, as clock_sync). */
struct devclock_sync {
	volatile uint32_t seq; /* odd while the writer updates; ctlplane: wo, dataplane: ro */
	struct devclock_map map;
};

/** A device clock followed against CLOCK_REALTIME. One writer (control thread). */
struct devclock {
	struct devclock_sync sync; /**< ticks -> UTC ns; ctlplane: wo, dataplane: ro */
	unsigned int shift;	 /**< 64 - counter bits; ctlplane: wo before start, dataplane: ro */
	struct devclock_map map; /**< writer's copy (base_cnt: raw ticks) */
	uint64_t mask;		 /**< counter mask */
	uint64_t last_raw;	 /**< latest sample's raw ticks */
	uint64_t ext;		 /**< and unwrapped to 64 bits */
	uint64_t w_cnt[DEVCLOCK_WINDOW], w_ns[DEVCLOCK_WINDOW]; /**< fit window (unwrapped) */
	unsigned int w_n, w_head;
	double rate;	   /**< fitted ns per tick */
	double start_hz;   /**< ticks per second at start-up */
	double noise;	   /**< running mean of |last_err| (ns): what samples scatter by */
	uint64_t last_ns;  /**< UTC of the latest sample */
	int64_t last_err;  /**< UTC - map at the latest sample, before correction */
	uint64_t last_brk; /**< its bracket, ns */
	uint64_t min_brk;  /**< narrowest bracket seen, ns */
	uint64_t nb_samples;
	uint64_t nb_rejects;
	uint64_t nb_steps;
	uint64_t nb_changes;   /**< rate fit restarted: the frequency changed (drift step) */
	uint64_t nb_backwards; /**< the counter went back: narrower than its bits, or reset */
	int64_t last_step_ns;  /**< size of the latest step */
	unsigned int rejects_in_row;
	int big_errs; /**< consecutive errors beyond the change threshold, signed by direction */
};

/** Ticks (raw, possibly wrapped) to UTC ns on line @p l; @p shift = 64 - counter bits. */
static inline uint64_t
devclock_line_ns(const struct devclock_line *l, unsigned int shift, uint64_t ticks)
{
	int64_t d = (int64_t)((ticks - l->base_cnt) << shift) >> shift;
	__int128 p;

	if (d <= (int64_t)l->horizon)
		p = (__int128)d * (__int128)l->mult;
	else
		p = (__int128)l->horizon * (__int128)l->mult +
				(__int128)(d - (int64_t)l->horizon) * (__int128)l->mult_after;
	return l->base_ns + (uint64_t)(int64_t)(p >> CLOCK_SHIFT);
}

/** Ticks (raw, possibly wrapped) to UTC ns with map @p m; @p shift = 64 - counter bits. */
static inline uint64_t
devclock_map_ns(const struct devclock_map *m, unsigned int shift, uint64_t ticks)
{
	int64_t d = (int64_t)((ticks - m->cur.base_cnt) << shift) >> shift;

	return devclock_line_ns(d < 0 ? &m->prev : &m->cur, shift, ticks);
}

/** Read a consistent copy of the published map (lock-free, retries on a race). */
static inline void
devclock_sync_read(const struct devclock_sync *s, struct devclock_map *out)
{
	uint32_t s1, s2;

	do {
		s1 = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		*out = s->map;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	} while ((s1 & 1) != 0 || s1 != s2);
}

/** Convert @p ticks with the published map (fast path, lock-free). */
static inline uint64_t
devclock_ns(const struct devclock *c, uint64_t ticks)
{
	struct devclock_map m;

	devclock_sync_read(&c->sync, &m);
	return devclock_map_ns(&m, c->shift, ticks);
}

/**
 * The best of @p tries bracketed reads of @p src: the one with the narrowest bracket, its UTC
 * taken at the bracket's midpoint (*ns), the device clock in *ticks, the bracket in *bracket.
 * Returns 0, or -EIO when no read succeeded.
 */
int devclock_sample(const struct devclock_source *src, unsigned int tries, uint64_t *ticks,
		uint64_t *ns, uint64_t *bracket);

/**
 * Start @p c: two samples DEVCLOCK_CAL_US apart give the rate, the map starts at the second.
 * @p bits is the counter width (16..64). Returns 0, -EIO when the clock cannot be read or does
 * not move, -ERANGE when it wraps too fast to follow (in less than 4 sample periods).
 */
int devclock_start(struct devclock *c, const struct devclock_source *src, unsigned int bits);

/**
 * One sample and map update. 0 when the map was updated, 1 when it was stepped (CLOCK_REALTIME
 * jumped: see c->last_step_ns), -EAGAIN when the sample was rejected (too wide), -EIO when the
 * read failed, -ERANGE when the counter went backwards (it wraps narrower than the bits given
 * to devclock_start(), or the device was reset): the map restarts from this sample.
 */
int devclock_tick(struct devclock *c, const struct devclock_source *src);

/** The fitted rate, ticks per second of CLOCK_REALTIME. */
double devclock_hz(const struct devclock *c);

#endif /* STP_DEVCLOCK_H */
