/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * What the outputs feature shows besides its console commands: its telemetry endpoint
 * /stampede/outputs and its Prometheus families, per output by name.
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <rte_common.h>

#include "feature_tel.h"
#include "outputs_cmds.h"
#include "pcapng.h"
#include "pipeline.h"

/* The writer counters of /stampede/outputs: column name, field of struct pcapng_stats. */
static const struct {
	const char *name;
	size_t off;
} output_cols[] = {
	{ "written", offsetof(struct pcapng_stats, pkts) },
	{ "bytes", offsetof(struct pcapng_stats, bytes) },
	{ "files", offsetof(struct pcapng_stats, files) },
	{ "write_errors", offsetof(struct pcapng_stats, write_errors) },
	{ "error_drops", offsetof(struct pcapng_stats, error_drops) },
	{ "synced", offsetof(struct pcapng_stats, synced) },
	{ "syncs", offsetof(struct pcapng_stats, syncs) },
	{ "sync_errors", offsetof(struct pcapng_stats, sync_errors) },
};

int
outputs_telemetry(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum,
		const char *params, struct rte_tel_data *d)
{
	static char paths[CFG_MAX_OUTPUTS][CFG_PATH_LEN]; /* under the metrics lock */
	static struct pcapng_stats ws[CFG_MAX_OUTPUTS];	  /* the same */
	const char *name[CFG_MAX_OUTPUTS], *file[CFG_MAX_OUTPUTS];
	uint64_t acc[CFG_MAX_OUTPUTS], ref[CFG_MAX_OUTPUTS], v[CFG_MAX_OUTPUTS];
	struct outputs_stats *s = stp_feature_stats(pl, outputs_k);
	unsigned int n = pl->nb_outputs;
	int rc = 0;

	if (s == NULL)
		return -ENOMEM;

	for (unsigned int o = 0; o < n; o++) {
		paths[o][0] = '\0';
		if (!pl->outputs_closed)
			pcapng_writer_path(pl->outputs[o], paths[o], sizeof(paths[o]));
		name[o] = pl->cfg->outputs[o].name;
		file[o] = paths[o];
		stp_output_stats(pl, o, &ws[o]);
		acc[o] = s->pkts[o];
		ref[o] = s->drops[o];
	}
	free(s);
	rte_tel_data_start_dict(d);
	rc |= stp_tel_col_str(d, "name", name, n);
	rc |= stp_tel_col_str(d, "file", file, n);
	rc |= stp_tel_col_u64(d, "accepted", acc, n);
	rc |= stp_tel_col_u64(d, "refused", ref, n);
	for (unsigned int c = 0; c < RTE_DIM(output_cols); c++) {
		for (unsigned int o = 0; o < n; o++)
			v[o] = *(const uint64_t *)((const char *)&ws[o] + output_cols[c].off);
		rc |= stp_tel_col_u64(d, output_cols[c].name, v, n);
	}
	return rc != 0 ? -ENOMEM : 0;
}

/* Prometheus: each a member of the outputs view's entries (outputs.c outputs_view()). */
#define OUT_FAMILY(key_, name_, help_)                                                          \
	{                                                                                       \
		.name = (name_), .type = "counter", .help = (help_), .kind = STP_FAMILY_FIELDS, \
		.label = "output", .field = (key_)                                              \
	}

const struct stp_family outputs_families[] = {
	OUT_FAMILY("accepted", "stampede_output_accepted_packets_total",
			"Packets a capture output's ring accepted."),
	OUT_FAMILY("refused", "stampede_output_refused_packets_total",
			"Packets a capture output's ring refused (full)."),
	OUT_FAMILY("written", "stampede_output_written_packets_total",
			"Packets written to a capture output's files."),
	OUT_FAMILY("bytes", "stampede_output_written_bytes_total",
			"Bytes written to a capture output's files."),
	OUT_FAMILY("files", "stampede_output_files_total", "Files a capture output opened."),
	OUT_FAMILY("write_errors", "stampede_output_write_errors_total",
			"Failed open() and write() calls of a capture output."),
	OUT_FAMILY("synced", "stampede_output_synced_packets_total",
			"Packets a durable capture output wrote and fdatasync'ed."),
	OUT_FAMILY("syncs", "stampede_output_syncs_total",
			"Successful fdatasync calls of a durable capture output."),
	OUT_FAMILY("sync_errors", "stampede_output_sync_errors_total",
			"Failed fdatasync calls of a durable capture output (acknowledgements stop)."),
	{ .name = NULL },
};
