/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_CLOCK_H
#define STP_CLOCK_H

/**
 * @file
 * Counters to UTC nanoseconds: the TSC (software stamps) and NIC clocks (hardware stamps).
 *
 * A counter (TSC cycles or device ticks) maps to UTC ns through a linear map
 *     ns = base_ns + ((cnt - base_cnt) * mult) >> CLOCK_SHIFT
 * computed with a 128-bit product, so it is exact to well under 1 ns over any interval and never
 * overflows. The map is disciplined against CLOCK_REALTIME by a control thread (clock_disc_*):
 * each update anchors the new map where the old one stood (the stamp is continuous, never jumps
 * back), and corrects the slope so the remaining offset is removed over the next period (slewed,
 * bounded to CLOCK_MAX_SLEW_PPM); an offset larger than CLOCK_STEP_NS is stepped instead.
 *
 * The fast path reads the published map with clock_sync_read(): a sequence counter, no syscall,
 * no lock; a reader never sees a half-written map.
 *
 * The TSC clock samples (TSC, CLOCK_REALTIME) pairs through a clock source (struct clock_source):
 * each sample is the best of several (tsc_before, clock, tsc_after) triples, the one with the
 * smallest bracket, taken at its midpoint, and a sample whose best bracket is still too wide (a
 * preemption or an interrupt in every try) is rejected and retried later rather than fed to the
 * map. At start the slope is measured over CLOCK_CAL_US against CLOCK_REALTIME (checked against
 * CLOCK_MONOTONIC_RAW) and the map starts on it, with no correction pending.
 *
 * Nothing here needs the EAL: the TSC is read with rte_rdtsc(); the math and the sampling are
 * unit-tested with synthetic clocks (a struct clock_source whose reads and sleeps are simulated).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLOCK_SHIFT 32 /**< fixed-point shift of clock_map.mult */
#define CLOCK_NS_PER_S 1000000000ULL
#define CLOCK_MAX_SLEW_PPM 500	  /**< largest slope correction applied to slew an offset */
#define CLOCK_STEP_NS 10000000ULL /**< offsets above 10 ms are stepped, not slewed */
/**
 * An offset is slewed out over the last update period, but never over less than this: the
 * correction stays in the slope until the next update, and a short period followed by a long
 * one (the start-up calibration, then the first tick) would otherwise overshoot by up to
 * CLOCK_MAX_SLEW_PPM * the long period.
 */
#define CLOCK_SLEW_MIN_NS 1000000000ULL
#define CLOCK_SAMPLE_TRIES 8 /**< triples read per sample; the narrowest bracket is kept */
/** Triples read per start-up sample: the slope rests on two samples, ~50 ns per read. */
#define CLOCK_START_TRIES 64
/** A start-up sample rejected this many times in a row (1 ms apart) is taken anyway. */
#define CLOCK_START_ATTEMPTS 8
/**
 * A sample is rejected when even its narrowest bracket is wider than this (and wider than
 * CLOCK_BRACKET_FACTOR times the narrowest bracket ever seen, for clocks slow to read): the
 * midpoint may then be off by half the bracket.
 */
#define CLOCK_MAX_BRACKET_NS 1000
#define CLOCK_BRACKET_FACTOR 4
#define CLOCK_CAL_US 100000 /**< start-up slope measurement: 100 ms between two samples */
/** Rate assumed to size the bracket bound before the counter's rate is measured. */
#define CLOCK_HZ_GUESS 5000000000ULL
/** After this many rejected samples in a row the best one is taken anyway (reads got slower). */
#define CLOCK_MAX_REJECTS_IN_ROW 20
/** At start, CLOCK_REALTIME's rate may differ from CLOCK_MONOTONIC_RAW's by NTP's frequency
 * correction (<= 500 ppm); beyond this it was stepped during the measurement: the raw rate is
 * used. */
#define CLOCK_CAL_MAX_PPM 1000

/** A linear map from a counter to UTC ns. */
struct clock_map {
	uint64_t base_cnt; /**< counter value at the anchor */
	uint64_t base_ns;  /**< UTC ns at the anchor */
	uint64_t mult;	   /**< ns per count, fixed point << CLOCK_SHIFT */
};

/** Convert a counter value to UTC ns. Counters before the anchor are handled (signed delta). */
static inline uint64_t
clock_map_ns(const struct clock_map *m, uint64_t cnt)
{
	int64_t d = (int64_t)(cnt - m->base_cnt);
	__int128 p = (__int128)d * (__int128)m->mult;

	/* Arithmetic shift rounds toward -inf for negative deltas: consistent on both sides. */
	return m->base_ns + (uint64_t)(int64_t)(p >> CLOCK_SHIFT);
}

/** mult for a counter running at @p hz (counts per second). */
uint64_t clock_mult_from_hz(uint64_t hz);

/** A published map with a sequence counter: one writer (control thread), many readers. */
struct clock_sync {
	volatile uint32_t seq; /* odd while the writer updates; ctlplane: wo, dataplane: ro */
	struct clock_map map;  /* ctlplane: wo, dataplane: ro */
};

/** Publish @p m (writer side). */
void clock_sync_publish(struct clock_sync *s, const struct clock_map *m);

/** Read a consistent copy of the published map (reader side, lock-free, retries on a race). */
static inline void
clock_sync_read(const struct clock_sync *s, struct clock_map *out)
{
	uint32_t s1, s2;

	do {
		s1 = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		out->base_cnt = s->map.base_cnt;
		out->base_ns = s->map.base_ns;
		out->mult = s->map.mult;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	} while ((s1 & 1) != 0 || s1 != s2);
}

/**
 * Convert @p cnt with the published map. ~3 TSC cycles per call in a tight loop, uncontended
 * (AMD EPYC, -O2, test/unit/test_clock.c bench).
 */
static inline uint64_t
clock_sync_ns(const struct clock_sync *s, uint64_t cnt)
{
	struct clock_map m;

	clock_sync_read(s, &m);
	return clock_map_ns(&m, cnt);
}

/**
 * A disciplined clock: a counter map steered to follow CLOCK_REALTIME from (counter, UTC ns)
 * samples. Owned by one control thread; readers use @c sync.
 */
struct clock_disc {
	struct clock_sync sync; /**< what readers see */
	struct clock_map map;	/**< writer's copy of the current map */
	uint64_t nominal_mult;	/**< slope estimated from the long baseline (no slew) */
	uint64_t first_cnt;	/**< first sample: the baseline's start */
	uint64_t first_ns;
	uint64_t last_cnt; /**< latest sample */
	uint64_t nb_samples;
	int64_t last_offset_ns; /**< realtime - map at the latest sample, before correction */
	uint64_t nb_steps;	/**< times the offset was too large and the map was stepped */
	/* Sampling (clock_src_start / clock_src_tick only). */
	uint64_t hz;	      /**< counter rate measured against CLOCK_MONOTONIC_RAW at start */
	uint64_t min_bracket; /**< narrowest (tsc_after - tsc_before) seen, in counts */
	uint64_t nb_rejects;  /**< samples rejected: every bracket too wide */
	uint32_t rejects_in_row;
};

/**
 * Start a disciplined clock at sample (@p cnt, @p ns) with a nominal rate of @p hz counts/s.
 */
void clock_disc_init(struct clock_disc *c, uint64_t hz, uint64_t cnt, uint64_t ns);

/**
 * Feed one sample (@p cnt read at UTC @p ns) and publish the corrected map. The sample must be
 * later than the previous one. Returns the offset (realtime - old map) at the sample, in ns.
 */
int64_t clock_disc_update(struct clock_disc *c, uint64_t cnt, uint64_t ns);

/** One reading of a clock between two counter reads. */
struct clock_triple {
	uint64_t cnt_before;
	uint64_t ns; /**< the clock, in ns */
	uint64_t cnt_after;
};

/**
 * Where samples come from: the system's (rte_rdtsc around clock_gettime, nanosleep) or a
 * synthetic one in tests.
 */
struct clock_source {
	/** Read clock @p clk (CLOCK_REALTIME or CLOCK_MONOTONIC_RAW) between two counter reads. */
	void (*read)(void *arg, int clk, struct clock_triple *t);
	/** Sleep about @p us microseconds. */
	void (*sleep)(void *arg, uint64_t us);
	void *arg;
};

/** The system's TSC source: rte_rdtsc(), clock_gettime(), nanosleep(). */
extern const struct clock_source clock_source_tsc;

/**
 * Pick the sample from @p n triples: the one with the narrowest bracket, its counter at the
 * bracket's midpoint. Returns 0 with *cnt, *ns (and *bracket, if not NULL) set, or -EAGAIN (nothing
 * set but *bracket) when that bracket is wider than @p max_bracket counts (0: no bound).
 */
int clock_best_triple(const struct clock_triple *t, unsigned int n, uint64_t max_bracket,
		uint64_t *cnt, uint64_t *ns, uint64_t *bracket);

/**
 * Start @p c from source @p src: two samples (CLOCK_START_TRIES triples each) CLOCK_CAL_US apart
 * give the slope (against
 * CLOCK_REALTIME; the counter's rate against CLOCK_MONOTONIC_RAW goes to c->hz); the first map
 * is anchored at the second sample with that slope. A rejected sample is retried (the best one
 * is taken after a few failures: the clock must start). Publishes the map.
 */
void clock_src_start(struct clock_disc *c, const struct clock_source *src);

/**
 * One discipline step of @p c from @p src (call about once a second). Returns 0 when a sample
 * was taken and the map updated, -EAGAIN when the sample was rejected (every bracket too wide:
 * counted in c->nb_rejects, map unchanged): call again soon.
 */
int clock_src_tick(struct clock_disc *c, const struct clock_source *src);

/**
 * Read (TSC, CLOCK_REALTIME ns) as a tight pair: the best of CLOCK_SAMPLE_TRIES triples, the TSC
 * taken at the midpoint of the clock_gettime() call. No bound: always returns a sample.
 */
void clock_sample_tsc(uint64_t *tsc, uint64_t *ns);

/** CLOCK_REALTIME in ns (a syscall-free vDSO call in practice; control plane only). */
uint64_t clock_realtime_ns(void);

/** CLOCK_MONOTONIC in ns: timeouts and periods (control plane and writer threads). */
uint64_t clock_monotonic_ns(void);

/**
 * The process-wide TSC clock used for software stamps. clock_tsc_start() measures the TSC's
 * rate (CLOCK_CAL_US) and publishes the first map (call it once, after rte_eal_init if the EAL is
 * used); clock_tsc_tick() refines it (call it from the control thread about once a second; when
 * it returns -EAGAIN the sample was rejected: call it again within a few ms).
 */
extern struct clock_disc clock_tsc;
void clock_tsc_start(void);
int clock_tsc_tick(void);

/** TSC cycles to UTC ns with the published TSC map (fast path). */
static inline uint64_t
clock_tsc_ns(uint64_t tsc)
{
	return clock_sync_ns(&clock_tsc.sync, tsc);
}

/**
 * Format UTC ns as ISO 8601 with 9 decimals, "2026-11-23T16:03:07.123456789Z".
 * Returns @p buf. @p len of 32 is enough.
 */
char *clock_fmt_ns(uint64_t ns, char *buf, size_t len);

#endif /* STP_CLOCK_H */
