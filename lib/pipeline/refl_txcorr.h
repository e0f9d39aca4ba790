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
	struct probe_txcorr c; /**< the owner queue's lcore: wo; any: ro */
	const struct port_rt *pr;
	const char *why;      /**< why the estimate is off (NULL when on) */
	uint32_t owner;	      /**< TX queue + 1 that takes the samples; 0 until one claims it */
	uint64_t next_arm_ns; /**< the owner only */
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
 * "median_ns", "spread_ns" (p90 - p10), "correction_ns", "corrected" (replies)}.
 */
json_t *stp_refl_txcorr_json(const struct stp_pipeline *pl);

/** Read the outstanding TX stamp (the owner queue, from stp_refl_txcorr_begin()). */
void stp_refl_txcorr_read(struct stp_refl_txcorr *tc);

/**
 * Start of a burst with replies on TX queue @p queue: claim the sampling when nobody has, read
 * an outstanding stamp. Returns the correction to add to this burst's T3.
 */
static inline int64_t
stp_refl_txcorr_begin(struct stp_refl_txcorr *tc, uint16_t queue)
{
	uint32_t own = __atomic_load_n(&tc->owner, __ATOMIC_RELAXED);

	if (unlikely(own == 0) && tc->why == NULL) {
		uint32_t want = 0;

		(void)__atomic_compare_exchange_n(&tc->owner, &want, (uint32_t)queue + 1, false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		own = __atomic_load_n(&tc->owner, __ATOMIC_RELAXED);
	}
	if (own == (uint32_t)queue + 1 && unlikely(tc->c.pending))
		stp_refl_txcorr_read(tc);
	return probe_txcorr_get(&tc->c);
}

/**
 * Reply @p m of the burst on @p queue gets T3 @p t3_ns (uncorrected): ask for its TX stamp
 * when it is the owner queue's turn. Returns true when @p m asks.
 */
static inline bool
stp_refl_txcorr_arm(struct stp_refl_txcorr *tc, uint16_t queue, struct rte_mbuf *m, uint64_t t3_ns)
{
	if (__atomic_load_n(&tc->owner, __ATOMIC_RELAXED) != (uint32_t)queue + 1 ||
			t3_ns < tc->next_arm_ns || !probe_txcorr_arm(&tc->c, t3_ns))
		return false;
	tc->next_arm_ns = t3_ns + STP_REFL_TXCORR_GAP_NS;
	m->ol_flags |= RTE_MBUF_F_TX_IEEE1588_TMST;
	return true;
}

#endif /* STP_REFL_TXCORR_H */
