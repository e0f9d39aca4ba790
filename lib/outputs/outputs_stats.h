/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_OUTPUTS_STATS_H
#define STP_OUTPUTS_STATS_H

/**
 * @file
 * The outputs feature's per-lcore counters (struct stp_feature.lcore_stats_size): what each
 * output accepted and refused. Every struct stp_output_ops.send counts here, the outputs
 * feature's own (capture, tunnels) and the broker's (stampede outputs).
 */

#include <stdint.h>

#include "cfg.h"
#include "pipeline.h"

/** Its index in the registry (its fpriv and counters slot). */
extern unsigned int outputs_k;

/** Per output (its index in the config): packets accepted, and refused (e.g. ring full). */
struct outputs_stats {
	uint64_t pkts[CFG_MAX_OUTPUTS];
	uint64_t drops[CFG_MAX_OUTPUTS];
};

/** The outputs' counters on lcore @p lc (its single writer). */
static inline struct outputs_stats *
outputs_lcore_stats(const struct stp_lcore *lc)
{
	return (struct outputs_stats *)stp_feature_lcore_stats(lc, outputs_k);
}

#endif /* STP_OUTPUTS_STATS_H */
