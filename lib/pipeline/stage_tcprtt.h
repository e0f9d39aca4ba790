/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_STAGE_TCPRTT_H
#define STP_STAGE_TCPRTT_H

/**
 * @file
 * The passive TCP latency stage (lib/tcprtt on every worker) as the control side sees it.
 */

#include <stdbool.h>

#include <jansson.h>

struct stp_pipeline;

/** Whether the pipeline runs the tcp_rtt stage. */
bool stp_tcprtt_enabled(const struct stp_pipeline *pl);

/**
 * Counters summed over the workers and the writer, and histogram summaries (merged over the
 * workers) per port x kind and per prefix x kind:
 * {"enabled":true,"flows":..,"flows_active":..,"table_full":..,"evicted":..,
 *  "evicted_half_open":..,"evicted_handshake":..,"closed":..,
 *  "packets":..,"unstamped":..,"samples":{"syn_synack":..,"synack_ack":..,"tsval":..},
 *  "ambiguous":..,"malformed_options":..,"drops":{"<reason>":..} (every
 *  TCPRTT_FOREACH_DROP reason; malformed_options = drops.tcp_bad_options),
 *  "ts_slots_overwritten":..,"records":..,
 *  "records_written":..,"records_dropped":..,"write_errors":..,"files":..,
 *  "ports":[{"name":"in","syn_synack":{summary},...}],"prefixes":[{"name":..,"prefix":..,
 *  "syn_synack":{summary},...}]}
 * Summaries are hist_summary_str() objects (ns) of the samples not flagged ambiguous.
 * Control thread; NULL when the stage is not in use.
 */
json_t *stp_tcprtt_json(const struct stp_pipeline *pl);

#endif /* STP_STAGE_TCPRTT_H */
