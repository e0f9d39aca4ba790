/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_OUTPUTS_CMDS_H
#define STP_OUTPUTS_CMDS_H

/**
 * @file
 * The outputs feature's control actions and console commands (show outputs, capture
 * start|stop).
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cfg.h"
#include "feature.h"
#include "feature_cmd.h"
#include "pcapng.h"

struct stp_pipeline;

/* Its index in the registry (pl->fpriv[outputs_k]: struct outputs_base): outputs_stats.h. */
#include "outputs_stats.h"

/** The counters at the last "clear stats", that show outputs counts from. */
struct outputs_base {
	uint64_t pkts[CFG_MAX_OUTPUTS];	 /* struct outputs_stats: accepted */
	uint64_t drops[CFG_MAX_OUTPUTS]; /* struct outputs_stats: refused */
	struct pcapng_stats ws[CFG_MAX_OUTPUTS];
	/* Each writer thread's last counters, once the outputs are closed (outputs_stop). */
	struct pcapng_stats lane_final[CFG_MAX_OUTPUTS][PCAPNG_MAX_WRITERS];
	unsigned int nb_lanes[CFG_MAX_OUTPUTS];
};

/** "clear stats" (struct stp_feature.clear): take struct outputs_base. */
void outputs_clear(struct stp_pipeline *pl);

/**
 * The outputs as show outputs prints them, counted from the last clear stats: [{name, type,
 * path (the pattern), file (being written, "" if none), paused, accepted, refused, written,
 * bytes, files, write_errors}]. NULL: out of memory. The caller holds the control lock.
 */
json_t *stp_outputs_json(const struct stp_pipeline *pl);

/**
 * Pause (@p run false) or resume capture output @p output (its name). Returns once every
 * lcore has seen the change: after a pause returns, the output accepts nothing more. 0 (@p err
 * may hold a warning, else ""), or -ENOENT with @p err. The caller holds the control lock.
 */
int stp_outputs_capture(
		struct stp_pipeline *pl, const char *output, bool run, char *err, size_t len);

/** The outputs' names, for Tab completion (struct stp_name_token). */
json_t *stp_outputs_names(const struct stp_cmd_env *env);

/** Its telemetry endpoint /stampede/outputs (struct stp_feature_ui.tel). */
extern const struct stp_tel outputs_tel[];

/** Its Prometheus families, drawn from its view (struct stp_feature_ui.families). */
extern const struct stp_family outputs_families[];

/** The feature's console commands (struct stp_feature_ui.cmds). */
extern cmdline_parse_inst_t *const stp_outputs_cmds[];

#endif /* STP_OUTPUTS_CMDS_H */
