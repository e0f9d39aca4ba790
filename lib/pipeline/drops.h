/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_DROPS_H
#define STP_DROPS_H

/**
 * @file
 * Every drop reason: the core's own, listed here, and each feature's, listed next to the code
 * that drops (rules_drops.h, outputs_drops.h, broker_drops.h, probe_drops.h), as grout's
 * GR_DROP_REGISTER keeps them. The order below is the order every view lists them in
 * (show drops, --stats-json, telemetry, Prometheus), kept as it always was: names and order
 * are stable for tests and dashboards. A new feature appends its list at the end.
 * Each entry is (id, name, description): the enum is STP_DROP_<id>.
 */

#include "broker_drops.h"
#include "outputs_drops.h"
#include "probe_drops.h"
#include "rules_drops.h"

/** The core's: a frame the RX stage refuses. */
#define STP_CORE_DROPS_RX(_) _(RUNT, "runt_frame", "frame shorter than an Ethernet header")

/** The core's: rings between lcores and the TX queues. */
#define STP_CORE_DROPS_RINGS(_)                                                          \
	_(WORKER_RING_FULL, "worker_ring_full", "the ring to the worker lcore was full") \
	_(TX_RING_FULL, "tx_ring_full", "the ring to the TX lcore was full")             \
	_(TX_QUEUE_FULL, "tx_queue_full", "the output port's TX queue refused the packet")

/** The core's: what a stop found still queued. */
#define STP_CORE_DROPS_STOP(_) \
	_(SHUTDOWN, "shutdown", "still queued when the drain at stop timed out")

/** The core's: a packet for a port the console stopped (port stop). */
#define STP_CORE_DROPS_PORT(_) \
	_(PORT_STOPPED, "port_stopped", "its output port was stopped (console port stop)")

/** Every drop reason, in the order the views list them. */
#define STP_FOREACH_DROP(_)        \
	STP_CORE_DROPS_RX(_)       \
	STP_RULES_DROPS_MATCH(_)   \
	STP_CORE_DROPS_RINGS(_)    \
	STP_RULES_DROPS_DELIVER(_) \
	STP_OUTPUTS_DROPS(_)       \
	STP_BROKER_DROPS(_)        \
	STP_CORE_DROPS_STOP(_)     \
	STP_PROBE_DROPS(_)         \
	STP_CORE_DROPS_PORT(_)

#endif /* STP_DROPS_H */
