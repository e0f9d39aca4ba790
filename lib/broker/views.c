/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The broker feature's views: its one data view (the "broker" object of --stats-json, which
 * ctl, telemetry, Prometheus and the console all read), the text of "show nodes", and its
 * telemetry endpoint /stampede/nodes and Prometheus families stampede_broker_* declared as
 * data (struct stp_feature_ui, drawn by the generic code in lib/metrics).
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "broker.h"
#include "broker_cmds.h"
#include "broker_rel.h"
#include "clock.h"
#include "feature.h"
#include "outputs_cfg.h"
#include "pipeline.h"
#include "table.h"

/* ---------------------------------------------------------------------------------------- */
/* Counters (control thread): summed over lcores, sources merged by (node, stream). */

/*
 * The sources refused (README.md, "Security"): one row per (reason, node, source address, port)
 * over the lcores' tables, the most recent last-seen kept.
 */
static json_t *
refused_json(const struct stp_pipeline *pl)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		const struct broker_lcore *bl = broker_lc(pl->lcores[i]);

		for (unsigned int k = 0; bl != NULL && k < BROKER_REFUSED; k++) {
			const struct broker_refusal *r = &bl->refused[k];
			const struct port_rt *pr;
			char addr[64], ts[32];
			json_t *e = NULL, *v;
			size_t idx;

			if (r->count == 0)
				continue;
			broker_addr_fmt(r->family, r->addr, addr, sizeof(addr));
			pr = r->port < PORT_MAX ? pl->ports->by_id[r->port] : NULL;
			json_array_foreach(a, idx, v) {
				if (strcmp(json_string_value(json_object_get(v, "reason")),
						    stp_drop_name((enum stp_drop)r->why)) == 0 &&
						json_integer_value(json_object_get(v, "node")) ==
								r->node &&
						strcmp(json_string_value(json_object_get(
								       v, "source")),
								addr) == 0) {
					e = v;
					break;
				}
			}
			if (e == NULL) {
				e = json_object();
				json_object_set_new(e, "reason",
						json_string(stp_drop_name((enum stp_drop)r->why)));
				json_object_set_new(e, "node", json_integer(r->node));
				json_object_set_new(e, "source", json_string(addr));
				json_object_set_new(e, "port",
						json_string(pr != NULL ? pr->cfg->name : ""));
				json_object_set_new(e, "count", json_integer(0));
				json_object_set_new(e, "last_seen_ns", json_integer(0));
				json_array_append_new(a, e);
			}
			json_object_set_new(e, "count",
					json_integer(json_integer_value(
								     json_object_get(e, "count")) +
							(json_int_t)r->count));
			if (json_integer_value(json_object_get(e, "last_seen_ns")) <
					(json_int_t)clock_tsc_ns(r->last_tsc)) {
				json_object_set_new(e, "last_seen_ns",
						json_integer((json_int_t)clock_tsc_ns(
								r->last_tsc)));
				json_object_set_new(e, "last_seen",
						json_string(clock_fmt_ns(clock_tsc_ns(r->last_tsc),
								ts, sizeof(ts))));
			}
		}
	}
	return a;
}

json_t *
stp_broker_json(const struct stp_pipeline *pl)
{
	static const char *const roles[] = { "edge", "relay", "collector" };
	const struct broker_rt *b = broker_pl(pl);
	uint64_t dg = 0, rec = 0, bad = 0, reasm = 0, ovf = 0, ro_n = 0, ro_f = 0, ro_r = 0;
	json_t *root, *outs, *nodes;

	if (b == NULL)
		return NULL;
	root = json_object();
	outs = json_object();
	nodes = json_array();
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		const struct broker_lcore *bl = broker_lc(pl->lcores[i]);

		dg += bl->datagrams;
		rec += bl->records;
		bad += bl->malformed;
		reasm += bl->reassembled;
		ovf += bl->src_overflow;
		if (bl->ro != NULL) {
			ro_n += __atomic_load_n(&bl->ro->n, __ATOMIC_RELAXED);
			ro_f += __atomic_load_n(&bl->ro->forced, __ATOMIC_RELAXED);
			ro_r += __atomic_load_n(&bl->ro->released, __ATOMIC_RELAXED);
		}
	}
	json_object_set_new(root, "role", json_string(roles[b->role]));
	json_object_set_new(root, "datagrams_received", json_integer((json_int_t)dg));
	json_object_set_new(root, "records_received", json_integer((json_int_t)rec));
	json_object_set_new(root, "malformed", json_integer((json_int_t)bad));
	json_object_set_new(root, "reassembled", json_integer((json_int_t)reasm));
	json_object_set_new(root, "sources_overflow", json_integer((json_int_t)ovf));
	json_object_set_new(root, "reorder_buffered", json_integer((json_int_t)ro_n));
	json_object_set_new(root, "reorder_forced", json_integer((json_int_t)ro_f));
	json_object_set_new(root, "reorder_released", json_integer((json_int_t)ro_r));
	for (unsigned int o = 0; o < outputs_cfg_of(pl->cfg)->nb_outputs; o++) {
		struct broker_out_stats t = { 0, 0, 0 };
		json_t *e;

		if (outputs_cfg_of(pl->cfg)->outputs[o].type != CFG_OUTPUT_STAMPEDE)
			continue;
		for (unsigned int i = 0; i < pl->nb_lcores; i++) {
			const struct broker_lcore *bl = broker_lc(pl->lcores[i]);

			t.frames += bl->out[o].frames;
			t.datagrams += bl->out[o].datagrams;
			t.fragments += bl->out[o].fragments;
		}
		e = json_object();
		json_object_set_new(e, "frames", json_integer((json_int_t)t.frames));
		json_object_set_new(e, "datagrams", json_integer((json_int_t)t.datagrams));
		json_object_set_new(e, "fragments", json_integer((json_int_t)t.fragments));
		json_object_set_new(outs, outputs_cfg_of(pl->cfg)->outputs[o].name, e);
	}
	json_object_set_new(root, "outputs", outs);
	brel_json(pl, root);
	/* Each lcore's sources; the same (node, stream) on two lcores is summed. */
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		const struct broker_lcore *bl = broker_lc(pl->lcores[i]);

		for (unsigned int k = 0; k < BROKER_MAX_SRC; k++) {
			const struct broker_src *s = &bl->src[k];
			json_t *e = NULL, *v;
			size_t idx;

			if (!__atomic_load_n(&s->used, __ATOMIC_ACQUIRE))
				continue;
			json_array_foreach(nodes, idx, v) {
				if (json_integer_value(json_object_get(v, "node")) == s->node &&
						json_integer_value(json_object_get(v, "stream")) ==
								s->stream) {
					e = v;
					break;
				}
			}
			if (e == NULL) {
				const struct port_rt *pr = pl->ports->by_id[s->in_port];

				e = json_object();
				json_object_set_new(e, "node", json_integer(s->node));
				json_object_set_new(e, "stream", json_integer(s->stream));
				json_object_set_new(e, "port",
						json_string(pr != NULL ? pr->cfg->name : ""));
				json_object_set_new(e, "description", json_string(s->desc));
				json_object_set_new(e, "last_seq", json_integer(0));
				json_object_set_new(e, "last_seen_ns", json_integer(0));
				json_object_set_new(e, "last_seen", json_string(""));
				json_array_append_new(nodes, e);
			}
#define ADD(key, val)                                                              \
	json_object_set_new(e, key,                                                \
			json_integer(json_integer_value(json_object_get(e, key)) + \
					(json_int_t)(val)))
			ADD("received", s->seq.received);
			ADD("gaps", s->seq.gaps);
			ADD("duplicates", s->seq.dups);
			ADD("reordered", s->seq.reordered);
			ADD("stale", s->seq.stale);
			ADD("restarts", s->restarts);
#undef ADD
			/* The highest number and the latest record over the lcores. */
			if (s->seq.started) {
				json_int_t last = (json_int_t)(s->seq.next - 1);
				json_int_t seen = (json_int_t)clock_tsc_ns(s->last_tsc);
				char ts[32];

				if (json_integer_value(json_object_get(e, "last_seq")) < last)
					json_object_set_new(e, "last_seq", json_integer(last));
				if (json_integer_value(json_object_get(e, "last_seen_ns")) < seen) {
					json_object_set_new(e, "last_seen_ns", json_integer(seen));
					json_object_set_new(e, "last_seen",
							json_string(clock_fmt_ns((uint64_t)seen, ts,
									sizeof(ts))));
				}
			}
		}
	}
	json_object_set_new(root, "nodes", nodes);
	json_object_set_new(root, "refused", refused_json(pl));
	return root;
}

json_t *
broker_view(const struct stp_pipeline *pl)
{
	json_t *b = stp_broker_json(pl);

	return b != NULL ? json_pack("{s:o}", "broker", b) : NULL;
}

/* ---------------------------------------------------------------------------------------------- */
/* show nodes */

/* Reliable stampede outputs (lib/encap/README.md, "Reliable outputs"): one row each. */
static void
render_nodes_reliable(const json_t *outs, FILE *f)
{
	const char *name;
	const json_t *o;
	struct table t;
	bool any = false;

	json_object_foreach((json_t *)outs, name, o)
		any |= json_is_object(json_object_get(o, "reliable"));
	if (!any)
		return;
	tbl_init(&t,
			"reliable|<sent|<acknowledged|<resent|<dead-lettered|<replayed|<held|"
			"<dlq-ring-full|<dlq-write-error|spool");
	json_object_foreach((json_t *)outs, name, o) {
		const json_t *r = json_object_get(o, "reliable");
		const json_t *d = json_object_get(r, "dropped");

		if (!json_is_object(r))
			continue;
		tbl_cell(&t, "%s", name);
		tbl_u64(&t, stp_json_u64(r, "sent"));
		tbl_u64(&t, stp_json_u64(r, "acknowledged"));
		tbl_u64(&t, stp_json_u64(r, "resent"));
		tbl_u64(&t, stp_json_u64(r, "dead_lettered"));
		tbl_u64(&t, stp_json_u64(r, "replayed"));
		tbl_u64(&t, stp_json_u64(r, "held"));
		tbl_u64(&t, stp_json_u64(d, "dlq_ring_full"));
		tbl_u64(&t, stp_json_u64(d, "dlq_write_error"));
		tbl_cell(&t, "%s", stp_json_str(r, "spool"));
	}
	tbl_print(&t, f);
}

/* The stampede broker: counters, one row per remote (node, stream), one per stampede output. */
void
broker_render(const json_t *v, FILE *f)
{
	const json_t *nodes = json_object_get(v, "nodes");
	const json_t *outs = json_object_get(v, "outputs");
	const json_t *e;
	const char *name;
	struct table t;
	size_t i;

	if (v == NULL || json_is_false(json_object_get(v, "enabled"))) {
		fprintf(f, "no stampede outputs and node.role is edge: no remote nodes\n");
		return;
	}
	fprintf(f,
			"role %s: datagrams received %" PRIu64 ", records %" PRIu64
			", malformed %" PRIu64 ", reassembled %" PRIu64
			", sources overflow %" PRIu64 "\n",
			stp_json_str(v, "role"), stp_json_u64(v, "datagrams_received"),
			stp_json_u64(v, "records_received"), stp_json_u64(v, "malformed"),
			stp_json_u64(v, "reassembled"), stp_json_u64(v, "sources_overflow"));
	if (json_array_size(nodes) > 0) {
		tbl_init(&t,
				"node|stream|port|<received|<gaps|<duplicates|<reordered|<stale|"
				"<last-seq|last-seen|description");
		json_array_foreach(nodes, i, e) {
			tbl_u64(&t, stp_json_u64(e, "node"));
			tbl_u64(&t, stp_json_u64(e, "stream"));
			tbl_cell(&t, "%s", stp_json_str(e, "port"));
			tbl_u64(&t, stp_json_u64(e, "received"));
			tbl_u64(&t, stp_json_u64(e, "gaps"));
			tbl_u64(&t, stp_json_u64(e, "duplicates"));
			tbl_u64(&t, stp_json_u64(e, "reordered"));
			tbl_u64(&t, stp_json_u64(e, "stale"));
			tbl_u64(&t, stp_json_u64(e, "last_seq"));
			tbl_cell(&t, "%s",
					stp_json_str(e, "last_seen")[0] ?
							stp_json_str(e, "last_seen") :
							"-");
			tbl_cell(&t, "%s",
					stp_json_str(e, "description")[0] ?
							stp_json_str(e, "description") :
							"-");
		}
		tbl_print(&t, f);
	} else {
		fprintf(f, "no remote node seen\n");
	}
	if (json_object_size(outs) > 0) {
		json_t *o;

		tbl_init(&t, "output|<frames|<datagrams|<fragments");
		json_object_foreach((json_t *)outs, name, o) {
			tbl_cell(&t, "%s", name);
			tbl_u64(&t, stp_json_u64(o, "frames"));
			tbl_u64(&t, stp_json_u64(o, "datagrams"));
			tbl_u64(&t, stp_json_u64(o, "fragments"));
		}
		tbl_print(&t, f);
		render_nodes_reliable(outs, f);
	}
	if (json_array_size(json_object_get(v, "refused")) > 0) {
		/* README.md, "Security": the sources refused, by reason. */
		tbl_init(&t, "refused|node|source|port|<count|last-seen");
		json_array_foreach(json_object_get(v, "refused"), i, e) {
			tbl_cell(&t, "%s", stp_json_str(e, "reason"));
			tbl_u64(&t, stp_json_u64(e, "node"));
			tbl_cell(&t, "%s", stp_json_str(e, "source"));
			tbl_cell(&t, "%s", stp_json_str(e, "port"));
			tbl_u64(&t, stp_json_u64(e, "count"));
			tbl_cell(&t, "%s", stp_json_str(e, "last_seen"));
		}
		tbl_print(&t, f);
	}
	if (json_is_object(json_object_get(v, "transport"))) {
		const json_t *tr = json_object_get(v, "transport");

		fprintf(f,
				"acknowledgements: sent %" PRIu64 ", NACKs sent %" PRIu64
				", no mbuf %" PRIu64 ", received %" PRIu64 ", malformed %" PRIu64
				", foreign %" PRIu64 ", ring full %" PRIu64 "\n",
				stp_json_u64(tr, "acks_sent"), stp_json_u64(tr, "nacks_sent"),
				stp_json_u64(tr, "ack_no_mbuf"), stp_json_u64(tr, "ctrl_received"),
				stp_json_u64(tr, "ctrl_malformed"),
				stp_json_u64(tr, "ctrl_foreign"),
				stp_json_u64(tr, "ctrl_ring_full"));
	}
}

/* ---------------------------------------------------------------------------------------------- */
/* Prometheus families and telemetry, as data */

/* A remote source's labels; a stampede output's is its name. */
static const char *const src_labels[] = { "node", "stream", "port", "description", NULL };
/* Frames a reliable output lost on the way to its spool, by reason. */
static const char *const rel_drops[] = { "dlq_ring_full", "dlq_write_error", NULL };

#define VALUE(key_, name_, type_, help_)                                          \
	{                                                                         \
		.key = (key_), .name = (name_), .type = (type_), .help = (help_), \
		.kind = STP_FAMILY_VALUE                                          \
	}
/* Per remote (node, stream): member key_ of each entry of "nodes". */
#define SRC(key_, name_, type_, help_)                                             \
	{                                                                          \
		.key = "nodes", .name = (name_), .type = (type_), .help = (help_), \
		.kind = STP_FAMILY_ENTRIES, .member = (key_), .labels = src_labels \
	}
/* Per stampede output: member key_ of each output of "outputs" (label output). */
#define OUT(key_, name_, help_)                                                        \
	{                                                                              \
		.key = "outputs", .name = (name_), .type = "counter", .help = (help_), \
		.kind = STP_FAMILY_ENTRIES, .label = "output", .member = (key_)        \
	}
/* The resend transport's, drawn when it runs ("transport"). */
#define ACKS(key_, name_, help_)                                                               \
	{                                                                                      \
		.key = "transport." key_, .name = (name_), .type = "counter", .help = (help_), \
		.kind = STP_FAMILY_VALUE, .when = "transport"                                  \
	}
/* Per reliable output: member key_ of outputs.<name>.reliable. */
#define REL(key_, name_, type_, help_)                                                     \
	{                                                                                  \
		.key = "outputs", .name = (name_), .type = (type_), .help = (help_),       \
		.kind = STP_FAMILY_ENTRIES, .label = "output", .member = "reliable." key_, \
		.when = "transport"                                                        \
	}

static const struct stp_family families[] = {
	{ .key = "role",
			.name = "stampede_broker_info",
			.type = "gauge",
			.help = "Always 1; label role is node.role.",
			.kind = STP_FAMILY_VALUE,
			.label = "role" },
	VALUE("datagrams_received", "stampede_broker_datagrams_received_total", "counter",
			"Stampede datagrams received (relay, collector)."),
	VALUE("records_received", "stampede_broker_records_received_total", "counter",
			"Stampede records read in them."),
	VALUE("malformed", "stampede_broker_malformed_datagrams_total", "counter",
			"Datagrams dropped for a malformed record (the drop reasons sph_* say which)."),
	VALUE("reassembled", "stampede_broker_reassembled_frames_total", "counter",
			"Frames made whole from stampede fragments."),
	VALUE("sources_overflow", "stampede_broker_sources_overflow_records_total", "counter",
			"Records of sources beyond the per-worker table: not sequence-checked."),
	SRC("received", "stampede_broker_source_received_frames_total", "counter",
			"Frames received from a remote source (first copies)."),
	SRC("gaps", "stampede_broker_source_gaps", "gauge",
			"Sequence numbers not (yet) seen below the highest: frames lost on the way "
			"(a late arrival lowers it)."),
	SRC("duplicates", "stampede_broker_source_duplicates_total", "counter",
			"Copies of a sequence number seen before (dropped)."),
	SRC("reordered", "stampede_broker_source_reordered_total", "counter",
			"Frames that came after a higher sequence number (late, filled a gap)."),
	SRC("stale", "stampede_broker_source_stale_total", "counter",
			"Records behind the replay window (dropped) or before the stream's first "
			"number (delivered)."),
	SRC("restarts", "stampede_broker_source_restarts_total", "counter",
			"Times the source's numbers started over (its edge restarted)."),
	SRC("last_seq", "stampede_broker_source_last_sequence", "gauge",
			"Highest sequence number received from the source."),
	{ .key = "nodes",
			.name = "stampede_broker_source_last_seen_seconds",
			.type = "gauge",
			.help = "When the source's last record arrived, seconds since 1970 UTC.",
			.kind = STP_FAMILY_ENTRIES,
			.member = "last_seen_ns",
			.labels = src_labels },
	OUT("frames", "stampede_broker_output_frames_total",
			"Frames sent in stampede records, per stampede output."),
	OUT("datagrams", "stampede_broker_output_datagrams_total",
			"Stampede datagrams made, per stampede output."),
	OUT("fragments", "stampede_broker_output_fragments_total",
			"Fragment records made (frames larger than a datagram), per stampede output."),
	ACKS("acks_sent", "stampede_broker_acks_sent_total",
			"Acknowledgement records sent to reliable senders (collector)."),
	ACKS("nacks_sent", "stampede_broker_nacks_sent_total",
			"NACKs sent on a sequence gap (collector)."),
	ACKS("ctrl_received", "stampede_broker_acks_received_datagrams_total",
			"Acknowledgement datagrams received (edge)."),
	ACKS("ctrl_malformed", "stampede_broker_acks_malformed_total",
			"Acknowledgement datagrams or records that could not be read (edge)."),
	REL("sent", "stampede_broker_reliable_sent_datagrams_total", "counter",
			"Datagrams of a reliable stampede output kept for resending (replays "
			"included)."),
	REL("sent_frames", "stampede_broker_reliable_sent_frames_total", "counter",
			"Frames in them."),
	REL("acknowledged", "stampede_broker_reliable_acknowledged_datagrams_total", "counter",
			"Datagrams released by the consumer's acknowledgement."),
	REL("resent", "stampede_broker_reliable_resent_datagrams_total", "counter",
			"Datagrams sent again (NACK, or left behind newer acknowledged ones)."),
	REL("resend_limited", "stampede_broker_reliable_resend_limited_total", "counter",
			"Resends put off by the per-second bound (README.md, Security)."),
	REL("dead_lettered", "stampede_broker_reliable_dead_lettered_datagrams_total", "counter",
			"Datagrams written to the dead-letter spool (window, full buffer, stop)."),
	REL("dead_lettered_frames", "stampede_broker_reliable_dead_lettered_frames_total",
			"counter", "Frames in them."),
	REL("replayed", "stampede_broker_reliable_replayed_datagrams_total", "counter",
			"Datagrams re-sent from a spool file (console replay)."),
	REL("held", "stampede_broker_reliable_held_datagrams", "gauge",
			"Datagrams held now, waiting for an acknowledgement."),
	{ .key = "outputs",
			.name = "stampede_broker_reliable_dropped_frames_total",
			.type = "counter",
			.help = "Frames a reliable output lost on the way to its dead-letter spool, "
				"by reason.",
			.kind = STP_FAMILY_ENTRIES,
			.label = "output",
			.label2 = "reason",
			.values = rel_drops,
			.member = "reliable.dropped",
			.when = "transport" },
	{ .name = NULL },
};

/* A remote source's container is node_<node>_<stream>. */
static const char *const src_id[] = { "node", "stream", NULL };

/*
 * /stampede/nodes: counters and role at the top, the acknowledgement counters as
 * transport_acks_sent, ...; one container per remote source (node_<node>_<stream>), per
 * refused source (refused_0, ...) and per stampede output (output_<name>: a reliable
 * output's counters as reliable_sent, ..., reliable_dropped_dlq_ring_full).
 */
static const struct stp_tel_group tel_groups[] = {
	{ .key = "transport", .how = STP_TEL_FLAT },
	{ .key = "nodes", .how = STP_TEL_CONTAINERS, .prefix = "node", .id = src_id },
	{ .key = "refused", .how = STP_TEL_CONTAINERS, .prefix = "refused" },
	{ .key = "outputs", .how = STP_TEL_CONTAINERS, .prefix = "output" },
	{ .key = NULL },
};

static const struct stp_tel tel[] = {
	{ "/stampede/nodes",
			"Stampede broker: per remote (node, stream) and per stampede output. No "
			"parameters",
			NULL, tel_groups },
	{ NULL, NULL, NULL, NULL },
};

const struct stp_feature_ui broker_ui = {
	.key = "broker",
	.show = "nodes",
	.show_help = "stampede broker: per remote (node, stream) received, gaps, duplicates, "
		     "reordered, last sequence and time; per stampede output frames, datagrams, "
		     "fragments; reliable outputs' acknowledged, resent, dead-lettered",
	.render = broker_render,
	.families = families,
	.tel = tel,
	.cmds = broker_cmds,
};
