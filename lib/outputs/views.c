/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * What the outputs feature shows besides its console commands: its telemetry endpoint
 * /stampede/outputs and its Prometheus families, per output by name.
 */

#include <stddef.h>
#include <stdlib.h>

#include <rte_common.h>

#include "outputs_cfg.h"
#include "outputs_cmds.h"
#include "outputs_stats.h"
#include "pcapng.h"
#include "pipeline.h"

/* The writer counters of /stampede/outputs: member, field of struct pcapng_stats. */
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

/* Each output by name: the file being written, accepted, refused, its writer's counters. */
static json_t *
outputs_tel_json(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum,
		const char *params)
{
	struct outputs_stats *s = stp_feature_stats(pl, outputs_k);
	json_t *a = s != NULL ? json_array() : NULL;

	(void)params;
	(void)sum;
	for (unsigned int o = 0; a != NULL && o < pl->nb_outputs; o++) {
		char path[CFG_PATH_LEN] = "";
		struct pcapng_stats ws;
		json_t *e;

		if (!pl->outputs_closed)
			pcapng_writer_path(pl->outputs[o], path, sizeof(path));
		stp_output_stats(pl, o, &ws);
		e = json_pack("{s:s, s:s, s:I, s:I}", "name",
				outputs_cfg_of(pl->cfg)->outputs[o].name, "file", path, "accepted",
				(json_int_t)s->pkts[o], "refused", (json_int_t)s->drops[o]);
		for (unsigned int c = 0; e != NULL && c < RTE_DIM(output_cols); c++)
			json_object_set_new(e, output_cols[c].name,
					json_integer((json_int_t) *
							(const uint64_t *)((const char *)&ws +
									output_cols[c].off)));
		json_array_append_new(a, e);
	}
	free(s);
	return a != NULL ? json_pack("{s:o}", "outputs", a) : NULL;
}

static const char *const tel_cols[] = { "name", "file", "accepted", "refused", "written", "bytes",
	"files", "write_errors", "error_drops", "synced", "syncs", "sync_errors", NULL };

static const struct stp_tel_group tel_groups[] = {
	{ .key = "outputs", .how = STP_TEL_COLUMNS, .names = tel_cols },
	{ .key = NULL },
};

const struct stp_tel outputs_tel[] = {
	{ "/stampede/outputs", "Per capture output: packets, bytes, files", outputs_tel_json,
			tel_groups },
	{ NULL, NULL, NULL, NULL },
};

/* Prometheus: each a member of the outputs view's entries (outputs.c outputs_view()). */
#define OUT_FAMILY(key_, name_, help_)                                                           \
	{                                                                                        \
		.name = (name_), .type = "counter", .help = (help_), .kind = STP_FAMILY_ENTRIES, \
		.label = "output", .member = (key_)                                              \
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
