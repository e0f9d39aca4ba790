/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_BROKER_REL_H
#define STP_BROKER_REL_H

/**
 * @file
 * The broker's resend transport (reliable.c; design: lib/encap/README.md, "Reliable
 * outputs"): hooks the stampede stage and the broker's poll (stage.c) call.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "broker.h"
#include "pipeline.h"
#include "rel.h"
#include "sph.h"

/**
 * Test hook: cycles added to every clock read of the transport (brel_tsc()). 0 in production,
 * where nothing writes it; a test (test/fuzz/fuzz_edge.c) advances it to let time pass without
 * waiting: resend timeouts, the resend window and dead-lettering. Read by the worker lcores.
 */
extern uint64_t brel_tsc_skew;

/** The transport's clock: the TSC plus brel_tsc_skew (one load more than rte_rdtsc()). */
static inline uint64_t
brel_tsc(void)
{
	return rte_rdtsc() + __atomic_load_n(&brel_tsc_skew, __ATOMIC_RELAXED);
}

/** Whether @p cfg has a reliable stampede output (the edge then reads acknowledgements). */
bool brel_wanted(const struct stp_config *cfg);

/** Pipeline-wide and per-lcore state (after broker_init's own): 0 or -errno with pl->err. */
int brel_init(struct stp_pipeline *pl);

/** After the lcores stopped: what is still held goes to the dead-letter spools. */
void brel_stop(struct stp_pipeline *pl);

/** Free everything (spools closed). */
void brel_fini(struct stp_pipeline *pl);

/** Whether output @p o is reliable. */
bool brel_output(const struct stp_pipeline *pl, unsigned int o);

/**
 * Edge: datagram @p m (outer headers built, about to be sent) of reliable output @p o carries
 * the numbers of @p span: keep a reference for resending.
 */
void brel_keep(struct stp_lcore *lc, unsigned int o, struct rte_mbuf *m,
		const struct rel_span *span);

/**
 * Edge: take the acknowledgements out of @p pkts (they are consumed), leave the rest (order
 * kept). Returns how many remain.
 */
uint16_t brel_edge_burst(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);

/** Collector: datagram @p m (records from @p off) is being read: where to answer it. */
void brel_rx_datagram(struct stp_lcore *lc, struct rte_mbuf *m, uint32_t off);

/**
 * Collector: a record of source @p s (index @p si in the lcore's table) with header @p h was
 * checked: @p old_next was the source's next number before, @p res the verdict.
 */
void brel_rx_record(struct stp_lcore *lc, unsigned int si, const struct sph_hdr *h,
		uint64_t old_next, enum sph_seq_res res);

/** Run loop of a worker lcore with the transport on: timers, acknowledgements, replays. */
uint32_t brel_poll(struct stp_lcore *lc);

/** Add the transport's counters to the broker JSON @p root (stp_broker_json()). */
void brel_json(const struct stp_pipeline *pl, struct json_t *root);

/**
 * Re-send the datagrams of pcapng @p file (default: output @p name's spool) through reliable
 * output @p name (control thread), paced by the workers' replay rings. Returns a JSON object
 * {output, file, replayed} or NULL with @p err.
 */
struct json_t *brel_replay(struct stp_pipeline *pl, const char *name, const char *file, char *err,
		size_t errlen);

#endif /* STP_BROKER_REL_H */
