/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The stampede broker's counters (the broker feature's view, the object "show nodes" prints) as
 * Prometheus families stampede_broker_*: node-wide counters, one sample per remote source
 * (labels node, stream, port, description) and one per stampede output (label output).
 * Nothing is written when the node neither sends nor receives stampede datagrams.
 */

#include <inttypes.h>
#include <string.h>

#include <jansson.h>

#include "metrics_priv.h"

/* A family: the key in the JSON object it is read from, its name, type and help. */
struct broker_family {
	const char *key;
	const char *name;
	const char *type;
	const char *help;
};

static const struct broker_family node_families[] = {
	{ "datagrams_received", "stampede_broker_datagrams_received_total", "counter",
			"Stampede datagrams received (relay, collector)." },
	{ "records_received", "stampede_broker_records_received_total", "counter",
			"Stampede records read in them." },
	{ "malformed", "stampede_broker_malformed_datagrams_total", "counter",
			"Datagrams dropped for a malformed record (the drop reasons sph_* say which)." },
	{ "reassembled", "stampede_broker_reassembled_frames_total", "counter",
			"Frames made whole from stampede fragments." },
	{ "sources_overflow", "stampede_broker_sources_overflow_records_total", "counter",
			"Records of sources beyond the per-worker table: not sequence-checked." },
};

static const struct broker_family src_families[] = {
	{ "received", "stampede_broker_source_received_frames_total", "counter",
			"Frames received from a remote source (first copies)." },
	{ "gaps", "stampede_broker_source_gaps", "gauge",
			"Sequence numbers not (yet) seen below the highest: frames lost on the way "
			"(a late arrival lowers it)." },
	{ "duplicates", "stampede_broker_source_duplicates_total", "counter",
			"Copies of a sequence number seen before (dropped)." },
	{ "reordered", "stampede_broker_source_reordered_total", "counter",
			"Frames that came after a higher sequence number (late, filled a gap)." },
	{ "stale", "stampede_broker_source_stale_total", "counter",
			"Records behind the replay window (dropped) or before the stream's first "
			"number (delivered)." },
	{ "restarts", "stampede_broker_source_restarts_total", "counter",
			"Times the source's numbers started over (its edge restarted)." },
	{ "last_seq", "stampede_broker_source_last_sequence", "gauge",
			"Highest sequence number received from the source." },
	{ "last_seen_ns", "stampede_broker_source_last_seen_seconds", "gauge",
			"When the source's last record arrived, seconds since 1970 UTC." },
};

static const struct broker_family out_families[] = {
	{ "frames", "stampede_broker_output_frames_total", "counter",
			"Frames sent in stampede records, per stampede output." },
	{ "datagrams", "stampede_broker_output_datagrams_total", "counter",
			"Stampede datagrams made, per stampede output." },
	{ "fragments", "stampede_broker_output_fragments_total", "counter",
			"Fragment records made (frames larger than a datagram), per stampede output." },
};

/* Reliable outputs: keys of broker.outputs.<name>.reliable, label output. */
static const struct broker_family rel_families[] = {
	{ "sent", "stampede_broker_reliable_sent_datagrams_total", "counter",
			"Datagrams of a reliable stampede output kept for resending (replays "
			"included)." },
	{ "sent_frames", "stampede_broker_reliable_sent_frames_total", "counter",
			"Frames in them." },
	{ "acknowledged", "stampede_broker_reliable_acknowledged_datagrams_total", "counter",
			"Datagrams released by the consumer's acknowledgement." },
	{ "resent", "stampede_broker_reliable_resent_datagrams_total", "counter",
			"Datagrams sent again (NACK, or left behind newer acknowledged ones)." },
	{ "resend_limited", "stampede_broker_reliable_resend_limited_total", "counter",
			"Resends put off by the per-second bound (README.md, Security)." },
	{ "dead_lettered", "stampede_broker_reliable_dead_lettered_datagrams_total", "counter",
			"Datagrams written to the dead-letter spool (window, full buffer, stop)." },
	{ "dead_lettered_frames", "stampede_broker_reliable_dead_lettered_frames_total", "counter",
			"Frames in them." },
	{ "replayed", "stampede_broker_reliable_replayed_datagrams_total", "counter",
			"Datagrams re-sent from a spool file (console replay)." },
	{ "held", "stampede_broker_reliable_held_datagrams", "gauge",
			"Datagrams held now, waiting for an acknowledgement." },
};

/* Frames a reliable output lost on the way to its spool, by reason (label reason). */
static const char *const rel_drops[] = { "dlq_ring_full", "dlq_write_error" };

/* Acknowledgement traffic: keys of broker.transport. */
static const struct broker_family transport_families[] = {
	{ "acks_sent", "stampede_broker_acks_sent_total", "counter",
			"Acknowledgement records sent to reliable senders (collector)." },
	{ "nacks_sent", "stampede_broker_nacks_sent_total", "counter",
			"NACKs sent on a sequence gap (collector)." },
	{ "ctrl_received", "stampede_broker_acks_received_datagrams_total", "counter",
			"Acknowledgement datagrams received (edge)." },
	{ "ctrl_malformed", "stampede_broker_acks_malformed_total", "counter",
			"Acknowledgement datagrams or records that could not be read (edge)." },
};

static void
head(struct sbuf *b, const struct broker_family *f)
{
	sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
}

/* Reliable outputs and the acknowledgement counters; nothing without them. */
static void
prom_broker_reliable(struct sbuf *b, const json_t *t)
{
	const json_t *outs = json_object_get(t, "outputs");
	const json_t *tr = json_object_get(t, "transport");
	const json_t *e;
	const char *name;

	if (!json_is_object(tr))
		return;
	for (unsigned int f = 0; f < RTE_DIM(transport_families); f++) {
		head(b, &transport_families[f]);
		sbuf_printf(b, "%s %" PRIu64 "\n", transport_families[f].name,
				stp_json_u64(tr, transport_families[f].key));
	}
	for (unsigned int f = 0; f < RTE_DIM(rel_families); f++) {
		head(b, &rel_families[f]);
		json_object_foreach((json_t *)outs, name, e) {
			const json_t *r = json_object_get(e, "reliable");

			if (!json_is_object(r))
				continue;
			sbuf_printf(b, "%s{output=\"", rel_families[f].name);
			prom_label_value(b, name);
			sbuf_printf(b, "\"} %" PRIu64 "\n", stp_json_u64(r, rel_families[f].key));
		}
	}
	sbuf_printf(b,
			"# HELP stampede_broker_reliable_dropped_frames_total Frames a reliable "
			"output lost on the way to its dead-letter spool, by reason.\n"
			"# TYPE stampede_broker_reliable_dropped_frames_total counter\n");
	json_object_foreach((json_t *)outs, name, e) {
		const json_t *d = json_object_get(json_object_get(e, "reliable"), "dropped");

		if (!json_is_object(d))
			continue;
		for (unsigned int k = 0; k < RTE_DIM(rel_drops); k++) {
			sbuf_printf(b, "stampede_broker_reliable_dropped_frames_total{output=\"");
			prom_label_value(b, name);
			sbuf_printf(b, "\",reason=\"%s\"} %" PRIu64 "\n", rel_drops[k],
					stp_json_u64(d, rel_drops[k]));
		}
	}
}

void
prom_broker(struct sbuf *b, const struct metrics_snap *s)
{
	json_t *t = stp_feature_view_key(s->pl, "broker", "broker");
	const json_t *nodes, *outs, *e;
	const char *name;
	size_t i;

	if (t == NULL)
		return;
	nodes = json_object_get(t, "nodes");
	outs = json_object_get(t, "outputs");
	sbuf_printf(b,
			"# HELP stampede_broker_info Always 1; label role is node.role.\n"
			"# TYPE stampede_broker_info gauge\nstampede_broker_info{role=\"%s\"} 1\n",
			stp_json_str(t, "role"));
	for (unsigned int f = 0; f < RTE_DIM(node_families); f++) {
		head(b, &node_families[f]);
		sbuf_printf(b, "%s %" PRIu64 "\n", node_families[f].name,
				stp_json_u64(t, node_families[f].key));
	}
	for (unsigned int f = 0; f < RTE_DIM(src_families); f++) {
		const struct broker_family *bf = &src_families[f];

		head(b, bf);
		json_array_foreach(nodes, i, e) {
			sbuf_printf(b, "%s{node=\"%" PRIu64 "\",stream=\"%" PRIu64 "\",port=\"",
					bf->name, stp_json_u64(e, "node"),
					stp_json_u64(e, "stream"));
			prom_label_value(b, stp_json_str(e, "port"));
			sbuf_printf(b, "\",description=\"");
			prom_label_value(b, stp_json_str(e, "description"));
			if (strcmp(bf->key, "last_seen_ns") == 0)
				sbuf_printf(b, "\"} %" PRIu64 ".%09" PRIu64 "\n",
						stp_json_u64(e, bf->key) / 1000000000u,
						stp_json_u64(e, bf->key) % 1000000000u);
			else
				sbuf_printf(b, "\"} %" PRIu64 "\n", stp_json_u64(e, bf->key));
		}
	}
	for (unsigned int f = 0; f < RTE_DIM(out_families); f++) {
		head(b, &out_families[f]);
		json_object_foreach((json_t *)outs, name, e) {
			sbuf_printf(b, "%s{output=\"", out_families[f].name);
			prom_label_value(b, name);
			sbuf_printf(b, "\"} %" PRIu64 "\n", stp_json_u64(e, out_families[f].key));
		}
	}
	prom_broker_reliable(b, t);
	json_decref(t);
}
