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
 * at the bracket's midpoint. A sample whose best bracket is wider than DEVCLOCK_BRACKET_FACTOR
 * times the narrowest seen (a preemption, an interrupt, a busy device in every try) is rejected
 * and counted; after DEVCLOCK_MAX_REJECTS in a row one is taken anyway (reads got slower for
 * good). Samples are taken every DEVCLOCK_PERIOD_MS.
 *
 * Rate: a least-squares fit of UTC ns against ticks over the last DEVCLOCK_WINDOW samples, so it
 * follows a drifting oscillator (ppm changing with temperature) instead of averaging since
 * start.
 *
 * Map: at each sample the map is re-anchored where the old one stood at the sample's ticks (a
 * stamp never jumps), with the fitted rate plus the correction that brings it onto the sample
 * one period later (clamped to DEVCLOCK_MAX_SLEW_PPM, so the slope stays positive and converted
 * time never runs backwards). An error above DEVCLOCK_STEP_NS means CLOCK_REALTIME was stepped:
 * the map is re-anchored on the sample (counted in nb_steps, logged by the caller) and the fit
 * restarts; that is the one case where stamps may go back, since UTC itself did.
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
#define DEVCLOCK_PERIOD_MS 100	     /**< sample period */
#define DEVCLOCK_CAL_US 100000	     /**< start-up: the rate over 100 ms */
#define DEVCLOCK_WINDOW 16	     /**< samples in the rate fit (1.6 s) */
#define DEVCLOCK_BRACKET_FACTOR 4    /**< reject a sample wider than 4x the narrowest */
#define DEVCLOCK_MIN_BRACKET_NS 2000 /**< ... but never reject one narrower than this */
#define DEVCLOCK_MAX_REJECTS 10	     /**< then take one anyway */
#define DEVCLOCK_STEP_NS 1000000ULL  /**< an error above 1 ms: CLOCK_REALTIME was stepped */
#define DEVCLOCK_MAX_SLEW_PPM 500    /**< largest correction of the slope */
/** An error above this (and above the bracket bound) restarts the rate fit: a drift step. */
#define DEVCLOCK_CHANGE_NS 1000

/** Read the device clock between two CLOCK_REALTIME reads. 0 or -errno. */
struct devclock_source {
	int (*read)(void *arg, uint64_t *ns_before, uint64_t *ticks, uint64_t *ns_after);
	void (*sleep_us)(void *arg, uint64_t us);
	void *arg;
};

/** A device clock followed against CLOCK_REALTIME. One writer (control thread). */
struct devclock {
	struct clock_sync sync; /**< ticks -> UTC ns; ctlplane: wo, dataplane: ro */
	unsigned int shift;	/**< 64 - counter bits; ctlplane: wo before start, dataplane: ro */
	struct clock_map map;	/**< writer's copy (base_cnt: raw ticks) */
	uint64_t mask;		/**< counter mask */
	uint64_t last_raw;	/**< latest sample's raw ticks */
	uint64_t ext;		/**< and unwrapped to 64 bits */
	uint64_t w_cnt[DEVCLOCK_WINDOW], w_ns[DEVCLOCK_WINDOW]; /**< fit window (unwrapped) */
	unsigned int w_n, w_head;
	double rate;	   /**< fitted ns per tick */
	double start_hz;   /**< ticks per second at start-up */
	uint64_t last_ns;  /**< UTC of the latest sample */
	int64_t last_err;  /**< UTC - map at the latest sample, before correction */
	uint64_t last_brk; /**< its bracket, ns */
	uint64_t min_brk;  /**< narrowest bracket seen, ns */
	uint64_t nb_samples;
	uint64_t nb_rejects;
	uint64_t nb_steps;
	uint64_t nb_changes;  /**< rate fit restarted: the frequency changed (drift step) */
	int64_t last_step_ns; /**< size of the latest step */
	unsigned int rejects_in_row;
};

/** Ticks (raw, possibly wrapped) to UTC ns with map @p m; @p shift = 64 - counter bits. */
static inline uint64_t
devclock_map_ns(const struct clock_map *m, unsigned int shift, uint64_t ticks)
{
	int64_t d = (int64_t)((ticks - m->base_cnt) << shift) >> shift;
	__int128 p = (__int128)d * (__int128)m->mult;

	return m->base_ns + (uint64_t)(int64_t)(p >> CLOCK_SHIFT);
}

/** Convert @p ticks with the published map (fast path, lock-free). */
static inline uint64_t
devclock_ns(const struct devclock *c, uint64_t ticks)
{
	struct clock_map m;

	clock_sync_read(&c->sync, &m);
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
 * read failed.
 */
int devclock_tick(struct devclock *c, const struct devclock_source *src);

/** The fitted rate, ticks per second of CLOCK_REALTIME. */
double devclock_hz(const struct devclock *c);

#endif /* STP_DEVCLOCK_H */
