/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_PROBE_TXTS_H
#define STP_PROBE_TXTS_H

/**
 * @file
 * Hardware (or kernel) TX timestamps of probes, the pure part.
 *
 * A NIC gives a frame's TX stamp only after the frame left (rte_eth_timesync_read_tx_timestamp),
 * so it cannot be in the frame: the sender puts its software T1 in the probe and the measuring
 * side takes the hardware T1 from a per-stream table (sequence -> hardware T1, UTC ns) that the
 * TX lcore fills and the worker that receives the answer reads (probe_txts). Most NICs latch one
 * TX stamp at a time, so the TX lcore asks for a stamp on one probe at a time and polls the
 * register after each burst until the stamp comes or it gives up (probe_hwtx). A probe whose
 * hardware T1 is not in the table (not asked for, given up, overwritten, not yet read when the
 * answer came) is measured with its software T1 and counted as such: the T1 source of every
 * record is the one actually used. A net_afpkt port gives the kernel's TX stamps through the
 * same API (read from its socket's error queue): the table then says PROBE_TS_KERNEL.
 */

#include <stdbool.h>
#include <stdint.h>

/** Slots of a stream's table: the hardware T1 of the last this many stamped sequences. */
#define PROBE_TXTS_SLOTS 1024 /* power of 2 */

/**
 * Sequence -> hardware T1 of one stream. One writer (the TX lcore), any number of readers (the
 * workers), no lock: each slot is a sequence lock (tag 0 while written, then seq + 1).
 */
struct probe_txts {
	/** Where the T1s come from: PROBE_TS_HW (a NIC) or PROBE_TS_KERNEL (the kernel's
	 * software TX stamp, net_afpkt); set before the table is published. */
	uint8_t src;
	struct {
		uint64_t tag; /**< 0: empty or being written; else seq + 1 */
		uint64_t ns;  /**< hardware T1, UTC ns */
	} slot[PROBE_TXTS_SLOTS];
};

/** Record @p ns as the hardware T1 of @p seq (the writer only). */
void probe_txts_put(struct probe_txts *t, uint64_t seq, uint64_t ns);

/** The hardware T1 of @p seq into @p ns: true when the table has it (any reader). */
bool probe_txts_get(const struct probe_txts *t, uint64_t seq, uint64_t *ns);

/** Why a TX stamp read was not recorded (probe_hwtx_poll()). */
enum probe_hwtx_rc {
	PROBE_HWTX_IDLE = 0,	/**< no stamp asked for */
	PROBE_HWTX_GOT,		/**< recorded in the table */
	PROBE_HWTX_WAIT,	/**< not there yet: ask again after the next burst */
	PROBE_HWTX_LOST,	/**< not there after max_polls reads: given up */
	PROBE_HWTX_IMPLAUSIBLE, /**< further than max_skew_ns from the software T1: dropped */
};

/** The one outstanding TX stamp request of a stream, and its counters (the TX lcore). */
struct probe_hwtx {
	bool pending;
	uint64_t seq;	/**< the probe whose stamp is awaited */
	uint64_t sw_ns; /**< its software T1 */
	uint32_t polls; /**< reads tried for it */
	uint64_t asked, got, lost, implausible;
};

/**
 * Ask for a hardware stamp of probe @p seq (software T1 @p sw_ns) when none is outstanding:
 * true when the caller must send this probe with RTE_MBUF_F_TX_IEEE1588_TMST.
 */
bool probe_hwtx_arm(struct probe_hwtx *h, uint64_t seq, uint64_t sw_ns);

/**
 * Account one read of the NIC's TX stamp register: @p have (the read succeeded) and the stamp
 * @p ns in UTC ns. A stamp further than @p max_skew_ns from the software T1 is not this probe's
 * (a stale latch of a probe given up earlier, a clock not calibrated): dropped, never recorded.
 * After @p max_polls reads without a stamp the request is given up.
 */
enum probe_hwtx_rc probe_hwtx_poll(struct probe_hwtx *h, struct probe_txts *t, bool have,
		uint64_t ns, uint32_t max_polls, uint64_t max_skew_ns);

#endif /* STP_PROBE_TXTS_H */
