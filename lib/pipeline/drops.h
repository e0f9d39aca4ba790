/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_DROPS_H
#define STP_DROPS_H

/**
 * @file
 * Every drop reason: the core's own, listed here, and each feature's, listed next to the code
 * that drops (e.g. lib/rules/rules_drops.h), as grout's GR_DROP_REGISTER keeps them. A feature
 * declares its lists in its folder's meson.build (stp_feature_drops: header, X-macro,
 * position); the build writes drops_list.h, which includes the features' headers and composes
 * every list by position into STP_FOREACH_DROP (lib/pipeline/meson.build, where the core's
 * lists take their positions). That order is the order every view lists them in (show drops,
 * --stats-json, telemetry, Prometheus), kept as it always was: names and order are stable for
 * tests and dashboards. A new feature's lists take position 100 or more: after every reason
 * before them. Each entry is (id, name, description): the enum is STP_DROP_<id>.
 */

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

/* STP_FOREACH_DROP: the lists above and the features', by position (meson.build). */
#include "drops_list.h"

#endif /* STP_DROPS_H */
