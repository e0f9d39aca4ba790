/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_REFL_TXCORR_H
#define STP_REFL_TXCORR_H

/**
 * @file
 * The reflector's T3 correction on a port (lib/probe/txcorr.h is the estimate itself): which
 * ports measure it, the TX stamp requests and reads in the port's TX callback
 * (stage_probe.c's probe_tx_restamp), and its view.
 *
 * A port measures it when its TX stamps reach software (timestamps "kernel": net_afpkt, from
 * its socket's error queue; "hw": a NIC's timesync API) and no probe stream of this instance
 * sends on it (a stream takes the port's one TX stamp at a time for its T1s). The samples are
 * taken on one TX queue, the first that sends a reply (a port's TX stamps are read per port:
 * two queues asking at once could read each other's); the correction applies on all its queues.
 * At most one reply every STP_REFL_TXCORR_GAP_NS asks for its stamp, and it is read in the
 * next burst's callback before that burst's T3 is taken: the read delays the burst, never its
 * T3.
 */

#include <stdint.h>

#include <jansson.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "cfg.h"
#include "txcorr.h"

struct stp_pipeline;
struct stp_probe_rt;
struct port_rt;

/** Least time between two replies that ask for their TX stamp (a syscall each to read). */
#define STP_REFL_TXCORR_GAP_NS 1000000

/** One port's correction. */
struct stp_refl_txcorr {
	/** The first reply of a burst: its TX stamp - T3 (the owner queue's lcore: wo; any: ro) */
	struct probe_txcorr c;
	/**
	 * Each later reply of the same burst (one T3 per burst, the frames leave one after the
	 * other): (TX stamp of the burst's last reply - T3 - the first's correction) / its
	 * position, ns per position. Measured on every other burst of several replies once c is
	 * applied, applied only with it.
	 */
	struct probe_txcorr step;
	const struct port_rt *pr;
	const char *why;      /**< why the estimate is off (NULL when on) */
	uint32_t owner;	      /**< TX queue + 1 that takes the samples; 0 until one claims it */
	uint64_t next_arm_ns; /**< the owner only */
	bool step_next; /**< the owner only: the next burst of several replies measures step */
	/** Per TX queue: replies whose T3 carried a non-zero correction (that queue's lcore). */
	uint64_t corrected[CFG_MAX_QUEUES];
} __rte_cache_aligned;

/** Set up the correction of each port the reflector answers on (rt->txcorr). 0 or -1. */
int stp_refl_txcorr_init(struct stp_pipeline *pl, struct stp_probe_rt *rt);

/** Free them. */
void stp_refl_txcorr_free(struct stp_probe_rt *rt);

/**
 * The view: per port the reflector answers on, {"port", "state", "why" (off only), "queue" (the
 * sampling TX queue, null until one sent a reply), "asked", "samples", "lost", "implausible",
 * "median_ns", "spread_ns" (p90 - p10), "correction_ns", "corrected" (replies), "step": {the
 * same for the per-position step: "state", "samples", "median_ns", "spread_ns",
 * "correction_ns"}}.
 */
json_t *stp_refl_txcorr_json(const struct stp_pipeline *pl);

/** Read the outstanding TX stamp (the owner queue, from stp_refl_txcorr_begin()). */
void stp_refl_txcorr_read(struct stp_refl_txcorr *tc);

/**
 * Start of a burst with replies on TX queue @p queue: claim the sampling when nobody has, read
 * an outstanding stamp. Returns the correction to add to this burst's T3, and in @p step the
 * one to add per later reply of the burst (0 unless both are applied).
 */
static inline int64_t
stp_refl_txcorr_begin(struct stp_refl_txcorr *tc, uint16_t queue, int64_t *step)
{
	uint32_t own = __atomic_load_n(&tc->owner, __ATOMIC_RELAXED);
	int64_t corr;

	if (unlikely(own == 0) && tc->why == NULL) {
		uint32_t want = 0;

		(void)__atomic_compare_exchange_n(&tc->owner, &want, (uint32_t)queue + 1, false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		own = __atomic_load_n(&tc->owner, __ATOMIC_RELAXED);
	}
	if (own == (uint32_t)queue + 1 && unlikely(tc->c.pending || tc->step.pending))
		stp_refl_txcorr_read(tc);
	corr = probe_txcorr_get(&tc->c);
	*step = corr != 0 ? probe_txcorr_get(&tc->step) : 0;
	return corr;
}

/**
 * A burst on @p queue had @p last_pos + 1 replies, @p first the first and @p last the last,
 * with uncorrected T3 @p t3_ns and correction @p corr: when it is the owner queue's turn, one
 * of them asks for its TX stamp (the last for the step, on every other burst of several
 * replies once the correction is applied; else the first).
 */
static inline void
stp_refl_txcorr_arm(struct stp_refl_txcorr *tc, uint16_t queue, struct rte_mbuf *first,
		struct rte_mbuf *last, uint16_t last_pos, uint64_t t3_ns, int64_t corr)
{
	if (__atomic_load_n(&tc->owner, __ATOMIC_RELAXED) != (uint32_t)queue + 1 ||
			t3_ns < tc->next_arm_ns || tc->c.pending || tc->step.pending)
		return;
	if (last_pos > 0 && corr != 0 && (tc->step_next = !tc->step_next)) {
		if (!probe_txcorr_arm(&tc->step, (uint64_t)((int64_t)t3_ns + corr), last_pos))
			return;
		last->ol_flags |= RTE_MBUF_F_TX_IEEE1588_TMST;
	} else {
		if (!probe_txcorr_arm(&tc->c, t3_ns, 1))
			return;
		first->ol_flags |= RTE_MBUF_F_TX_IEEE1588_TMST;
	}
	tc->next_arm_ns = t3_ns + STP_REFL_TXCORR_GAP_NS;
}

#endif /* STP_REFL_TXCORR_H */
