/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_PROBE_TXCORR_H
#define STP_PROBE_TXCORR_H

/**
 * @file
 * The reflector's T3 correction, the pure part (no EAL).
 *
 * A reflector writes T3 into a reply before the reply leaves: the latest software can do is
 * the port's TX callback, right before the driver's transmit function. The frame reaches the
 * wire (or the kernel's transmit path, where a kernel-stamped port stamps it) some microseconds
 * later. On a port that gives TX stamps (net_afpkt: the kernel's, from the socket's error
 * queue; a NIC: its own) the reflector measures that delay on its own replies: one reply at a
 * time asks for its TX stamp, and the stamp minus the reply's T3 is a sample. A window of the
 * last PROBE_TXCORR_WIN samples gives a median and a spread (p90 - p10); once the window holds
 * PROBE_TXCORR_MIN samples and the spread is at most PROBE_TXCORR_MAX_SPREAD_NS, the median is
 * the correction added to the T3 of later replies (T3 + median estimates the TX stamp the reply
 * will get, to the spread). The samples are always taken against the uncorrected T3.
 *
 * The correction also absorbs a constant offset between the reflector's clock (the TSC
 * calibrated to UTC) and the stamping clock: T3 then follows the same clock as T2 where T2 is
 * that port's RX stamp.
 *
 * One writer (the lcore that owns the TX queue the samples are taken on) updates everything;
 * any lcore reads the correction (probe_txcorr_get()) and the control thread the counters,
 * all with relaxed atomics on 64-bit fields.
 */

#include <stdbool.h>
#include <stdint.h>

/** Samples in the window. */
#define PROBE_TXCORR_WIN 64
/** Samples the window needs before the correction is applied. */
#define PROBE_TXCORR_MIN 32
/**
 * Largest spread (p90 - p10 of the window) with which the correction is applied: beyond it the
 * TX path's delay varies more than the correction would gain on a veth path (whose median
 * delay is 3-10 us). Generous on purpose: the median is still the best constant estimate (it
 * minimises the mean absolute error), this only refuses a path that has no typical delay.
 */
#define PROBE_TXCORR_MAX_SPREAD_NS 50000
/** A sample further than this from 0 (a clock step, another frame's stamp) is dropped. */
#define PROBE_TXCORR_MAX_NS 1000000
/** Later bursts that look for a requested stamp before it is given up (a NIC takes time). */
#define PROBE_TXCORR_POLLS 64

/** Where the correction stands. */
enum probe_txcorr_state {
	PROBE_TXCORR_OFF = 0,  /**< no TX stamps on the port: T3 as taken */
	PROBE_TXCORR_LEARNING, /**< fewer than PROBE_TXCORR_MIN samples */
	PROBE_TXCORR_UNSTABLE, /**< spread above PROBE_TXCORR_MAX_SPREAD_NS: not applied */
	PROBE_TXCORR_APPLIED,  /**< T3 + median */
};

/** Outcome of one look for a requested TX stamp (probe_txcorr_poll()). */
enum probe_txcorr_rc {
	PROBE_TXCORR_IDLE = 0,	  /**< nothing asked */
	PROBE_TXCORR_SAMPLE,	  /**< a sample went into the window */
	PROBE_TXCORR_WAIT,	  /**< not there yet */
	PROBE_TXCORR_LOST,	  /**< given up after max_polls looks */
	PROBE_TXCORR_IMPLAUSIBLE, /**< further than PROBE_TXCORR_MAX_NS from T3: dropped */
};

/** One TX queue's estimate (see the file comment for who writes what). */
struct probe_txcorr {
	/* The owning lcore only. */
	bool pending;	/**< a reply asked for its TX stamp, not read yet */
	uint64_t t3_ns; /**< that reply's uncorrected T3 */
	uint32_t div;	/**< its sample is divided by this */
	uint32_t polls;
	bool relative;		       /**< see probe_txcorr_init() */
	uint32_t n, head;	       /**< samples in win, next slot */
	int64_t win[PROBE_TXCORR_WIN]; /**< TX stamp - T3, ns */
	/* Written by the owning lcore, read by any (relaxed atomics). */
	uint64_t state;		      /**< enum probe_txcorr_state */
	int64_t corr_ns;	      /**< added to T3: the median while applied, else 0 */
	int64_t median_ns, spread_ns; /**< of the window (valid once n > 0) */
	uint64_t asked, samples, lost, implausible;
};

/**
 * Start an estimate: @p on false when the port gives no TX stamps (state off). @p relative: it
 * is also unstable while its spread exceeds half its median's size (for a small quantity, such
 * as a per-frame step, that the absolute limit would let through when it is mostly noise).
 */
void probe_txcorr_init(struct probe_txcorr *c, bool on, bool relative);

/**
 * A reply is about to be sent with uncorrected T3 @p t3_ns: true when the caller must ask for
 * its TX stamp (none is outstanding and the estimate is on). Its sample will be
 * (TX stamp - @p t3_ns) / @p div (@p div >= 1: a per-frame step measured over div frames).
 */
bool probe_txcorr_arm(struct probe_txcorr *c, uint64_t t3_ns, uint32_t div);

/**
 * One look for the outstanding request's stamp: @p have (a stamp was read) and the stamp
 * @p tx_ns (UTC ns, the clock of T3). Updates the window, the median, the spread and the
 * correction.
 */
enum probe_txcorr_rc probe_txcorr_poll(
		struct probe_txcorr *c, bool have, uint64_t tx_ns, uint32_t max_polls);

/** The correction to add to T3 now, ns (0 unless applied). Any thread. */
static inline int64_t
probe_txcorr_get(const struct probe_txcorr *c)
{
	return __atomic_load_n(&c->corr_ns, __ATOMIC_RELAXED);
}

/** "off", "learning", "unstable", "applied". */
const char *probe_txcorr_state_name(enum probe_txcorr_state s);

#endif /* STP_PROBE_TXCORR_H */
