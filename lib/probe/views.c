/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * What the probe feature shows to operators, declared as data (struct stp_feature_ui) and
 * drawn by the generic code in lib/metrics: its Prometheus families (stampede_probe_*), from
 * the "probes" (generator streams) and "latency" (measured streams) arrays of its view, and
 * its telemetry endpoints /stampede/latency and /stampede/probes, from the same JSON
 * (control.c).
 */

#include "probe_rt.h"

/* A measured stream's entries are one per direction (one-way, rtt). */
static const char *const dir_labels[] = { "direction", NULL };

/* clang-format off */
static const struct stp_family probe_families[] = {
	{ .key = "probes", .name = "stampede_probe_tx_packets_total", .type = "counter",
		.help = "Probes a generator stream sent.",
		.kind = STP_FAMILY_ENTRIES, .label = "stream", .member = "tx_packets" },
	{ .key = "probes", .name = "stampede_probe_rate_requested", .type = "gauge",
		.help = "A generator stream's requested rate (pps or bit/s; 0 = max).",
		.kind = STP_FAMILY_ENTRIES, .label = "stream", .member = "rate_requested" },
	{ .key = "probes", .name = "stampede_probe_rate_achieved", .type = "gauge",
		.help = "A generator stream's achieved rate over its active time (same unit).",
		.kind = STP_FAMILY_ENTRIES, .label = "stream", .member = "rate_achieved" },
	{ .key = "latency", .name = "stampede_probe_received_packets_total", .type = "counter",
		.help = "Distinct probes received per stream and direction (one-way, rtt).",
		.kind = STP_FAMILY_ENTRIES, .label = "stream", .labels = dir_labels,
		.member = "received" },
	{ .key = "latency", .name = "stampede_probe_lost_packets", .type = "gauge",
		.help = "Probes missing (expected - received; a late arrival lowers it).",
		.kind = STP_FAMILY_ENTRIES, .label = "stream", .labels = dir_labels,
		.member = "lost" },
	{ .key = "latency", .name = "stampede_probe_loss_ratio", .type = "gauge",
		.help = "Share of the decided probes lost (rtt of a reflected stream: not answered "
			"within its loss horizon), 0..1.",
		.kind = STP_FAMILY_ENTRIES, .label = "stream", .labels = dir_labels,
		.member = "loss_ratio" },
	{ .key = "latency", .name = "stampede_probe_pending_packets", .type = "gauge",
		.help = "Probes sent, not answered, within their loss horizon still (rtt).",
		.kind = STP_FAMILY_ENTRIES, .label = "stream", .labels = dir_labels,
		.member = "pending" },
	{ .key = "latency", .name = "stampede_probe_duplicate_packets_total", .type = "counter",
		.help = "Probes received more than once.",
		.kind = STP_FAMILY_ENTRIES, .label = "stream", .labels = dir_labels,
		.member = "duplicates" },
	{ .key = "latency", .name = "stampede_probe_reordered_packets_total", .type = "counter",
		.help = "Probes that arrived after a higher sequence number (RFC 4737).",
		.kind = STP_FAMILY_ENTRIES, .label = "stream", .labels = dir_labels,
		.member = "reordered" },
	{ .key = "latency", .name = "stampede_probe_jitter_seconds", .type = "gauge",
		.help = "RFC 3550 interarrival jitter.",
		.kind = STP_FAMILY_ENTRIES, .label = "stream", .labels = dir_labels,
		.member = "jitter_ns" },
	{ .key = "latency", .name = "stampede_probe_delay_seconds", .type = "summary",
		.help = "Delay (one-way: valid with synchronised clocks) or RTT, by quantile "
			"(0 = min, 1 = max).",
		.kind = STP_FAMILY_ENTRIES, .label = "stream", .labels = dir_labels,
		.member = "delay_ns", .minmax = true },
	{ .name = NULL },
};
/* clang-format on */

/* /stampede/latency: the measured streams (params: one stream, by name or id), flat. */
static json_t *
latency_tel(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum, const char *params)
{
	(void)sum;
	return json_pack("{s:o}", "latency", stp_probe_latency_json(pl, params));
}

/* /stampede/probes: the generator streams, flat. */
static json_t *
probes_tel(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum, const char *params)
{
	(void)sum;
	(void)params;
	return json_pack("{s:o}", "probes", stp_probe_streams_json(pl));
}

/* A stream's keys: STREAM[_DIRECTION]_MEMBER. */
static const char *const stream_id[] = { "name", "direction", NULL };

static const struct stp_tel_group latency_groups[] = {
	{ .key = "latency", .how = STP_TEL_FLAT, .id = stream_id },
	{ .key = NULL },
};

static const struct stp_tel_group probes_groups[] = {
	{ .key = "probes", .how = STP_TEL_FLAT, .id = stream_id },
	{ .key = NULL },
};

static const struct stp_tel probe_tel[] = {
	{ "/stampede/latency",
			"Probe streams: loss, dup, reorder, jitter, delay ns (keys STREAM_DIR_FIELD)",
			latency_tel, latency_groups },
	{ "/stampede/probes", "Generated probe streams: requested, achieved rate. No parameters",
			probes_tel, probes_groups },
	{ NULL, NULL, NULL, NULL },
};

/* Its families read the view's arrays "probes" and "latency": the whole view (key NULL). */
const struct stp_feature_ui probe_ui = {
	.key = NULL,
	.families = probe_families,
	.tel = probe_tel,
	.cmds = probe_cmds,
};
