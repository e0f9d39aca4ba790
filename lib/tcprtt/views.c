/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The tcp_rtt feature's views: its one data view (the "tcp_rtt" object of --stats-json, which
 * ctl, telemetry, Prometheus and the console all read), the console's "show tcp-rtt" text,
 * and its telemetry endpoint and Prometheus families declared as data (struct
 * stp_feature_ui, drawn by the generic code in lib/metrics).
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include "hist.h"
#include "tcprtt.h"
#include "tcprtt_rt.h"

#define RD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* Merge one histogram of every worker; @p get picks it. */
static void
merge(const struct stp_pipeline *pl, bool prefix, unsigned int i, unsigned int kind,
		struct hist *out)
{
	hist_init(out);
	for (unsigned int w = 0; w < pl->nb_workers; w++) {
		const struct tcprtt_lc *t = pl->workers[w]->fpriv[tcprtt_k];

		if (t != NULL)
			hist_merge(out,
					prefix ? tcprtt_hist_prefix(&t->hists, i, kind) :
						 tcprtt_hist_port(&t->hists, i, kind));
	}
}

static void
add_summaries(const struct stp_pipeline *pl, json_t *o, bool prefix, unsigned int i, struct hist *h)
{
	char buf[512];

	for (unsigned int k = 0; k < TCPRTT_KIND_MAX; k++) {
		merge(pl, prefix, i, k, h);
		hist_summary_str(h, buf, sizeof(buf));
		json_object_set_new(o, tcprtt_kind_name(k), json_loads(buf, 0, NULL));
	}
}

/* The data view's "tcp_rtt" object (README.md "Passive TCP latency" lists its keys). */
static json_t *
tcprtt_json(const struct stp_pipeline *pl)
{
	const struct tcprtt_pl *tp = tcprtt_pl_of(pl);
	const struct cfg_tcprtt *c = tcprtt_cfg(pl);
	struct tcprtt_stats s;
	uint64_t records = 0, dropped = 0;
	json_t *root, *samples, *ports, *prefixes, *drops;
	struct hist *h;

	if (tp == NULL)
		return NULL;
	/* Stopped: let the writer finish what the workers handed it, so the counts add up. */
	if (__atomic_load_n(&pl->phase, __ATOMIC_ACQUIRE) == STP_PHASE_STOP && tp->thread_started) {
		for (unsigned int i = 0; i < 2000 && !rte_ring_empty(tp->ring); i++)
			usleep(1000);
		usleep(2 * IDLE_SLEEP_US); /* the last records dequeued are being written */
	}
	memset(&s, 0, sizeof(s));
	for (unsigned int w = 0; w < pl->nb_workers; w++) {
		const struct tcprtt_lc *t = pl->workers[w]->fpriv[tcprtt_k];
		const struct tcprtt_stats *ws;

		if (t == NULL)
			continue;
		ws = tcprtt_mon_stats(t->mon);
		s.pkts += RD(ws->pkts);
		s.unstamped += RD(ws->unstamped);
		s.flows += RD(ws->flows);
		s.table_full += RD(ws->table_full);
		s.evicted += RD(ws->evicted);
		s.evicted_half_open += RD(ws->evicted_half_open);
		s.evicted_handshake += RD(ws->evicted_handshake);
		s.closed += RD(ws->closed);
		for (unsigned int k = 0; k < TCPRTT_KIND_MAX; k++)
			s.samples[k] += RD(ws->samples[k]);
		s.ambiguous += RD(ws->ambiguous);
		s.ts_table_full += RD(ws->ts_table_full);
		for (unsigned int k = 0; k < TCPRTT_DROP_MAX; k++)
			s.drops[k] += RD(ws->drops[k]);
		records += RD(t->records);
		dropped += RD(t->records_dropped);
	}
	root = json_object();
	samples = json_object();
	ports = json_array();
	prefixes = json_array();
	h = malloc(sizeof(*h));
	if (root == NULL || samples == NULL || ports == NULL || prefixes == NULL || h == NULL) {
		json_decref(root);
		json_decref(samples);
		json_decref(ports);
		json_decref(prefixes);
		free(h);
		return NULL;
	}
	json_object_set_new(root, "enabled", json_true());
	json_object_set_new(root, "flows", json_integer((json_int_t)s.flows));
	json_object_set_new(
			root, "flows_active", json_integer((json_int_t)tcprtt_flows_active(&s)));
	json_object_set_new(root, "table_full", json_integer((json_int_t)s.table_full));
	json_object_set_new(root, "evicted", json_integer((json_int_t)s.evicted));
	json_object_set_new(
			root, "evicted_half_open", json_integer((json_int_t)s.evicted_half_open));
	json_object_set_new(
			root, "evicted_handshake", json_integer((json_int_t)s.evicted_handshake));
	json_object_set_new(root, "closed", json_integer((json_int_t)s.closed));
	json_object_set_new(root, "packets", json_integer((json_int_t)s.pkts));
	json_object_set_new(root, "unstamped", json_integer((json_int_t)s.unstamped));
	for (unsigned int k = 0; k < TCPRTT_KIND_MAX; k++)
		json_object_set_new(samples, tcprtt_kind_name(k),
				json_integer((json_int_t)s.samples[k]));
	json_object_set_new(root, "samples", samples);
	json_object_set_new(root, "ambiguous", json_integer((json_int_t)s.ambiguous));
	json_object_set_new(root, "malformed_options",
			json_integer((json_int_t)s.drops[TCPRTT_DROP_TCP_BAD_OPTIONS]));
	drops = json_object();
	for (unsigned int k = 0; k < TCPRTT_DROP_MAX; k++)
		json_object_set_new(
				drops, tcprtt_drop_name(k), json_integer((json_int_t)s.drops[k]));
	json_object_set_new(root, "drops", drops);
	json_object_set_new(
			root, "ts_slots_overwritten", json_integer((json_int_t)s.ts_table_full));
	json_object_set_new(root, "records", json_integer((json_int_t)records));
	json_object_set_new(root, "records_written", json_integer((json_int_t)RD(tp->written)));
	json_object_set_new(root, "records_dropped", json_integer((json_int_t)dropped));
	json_object_set_new(root, "write_errors", json_integer((json_int_t)RD(tp->write_errors)));
	json_object_set_new(root, "files", json_integer((json_int_t)RD(tp->files)));
	for (unsigned int i = 0; i < c->nb_ports; i++) {
		json_t *o = json_pack("{s:s}", "name", pl->cfg->ports[c->ports[i]].name);

		add_summaries(pl, o, false, i, h);
		json_array_append_new(ports, o);
	}
	for (unsigned int i = 0; i < c->nb_prefixes; i++) {
		json_t *o = json_pack("{s:s, s:s}", "name", c->prefixes[i].name, "prefix",
				c->prefixes[i].prefix);

		add_summaries(pl, o, true, i, h);
		json_array_append_new(prefixes, o);
	}
	json_object_set_new(root, "ports", ports);
	json_object_set_new(root, "prefixes", prefixes);
	free(h);
	return root;
}

json_t *
tcprtt_view(const struct stp_pipeline *pl)
{
	json_t *t;

	if (tcprtt_pl_of(pl) == NULL)
		return NULL;
	t = tcprtt_json(pl);
	return t != NULL ? json_pack("{s:o}", "tcp_rtt", t) : NULL;
}

/* ---------------------------------------------------------------------------------------------- */
/* Console: show tcp-rtt */

static const char *const kinds[] = {
#define KIND_NAME(id, s) s,
	TCPRTT_FOREACH_KIND(KIND_NAME)
#undef KIND_NAME
			NULL,
};

static const char *const drops[] = {
#define DROP_NAME(id, s) s,
	TCPRTT_FOREACH_DROP(DROP_NAME)
#undef DROP_NAME
			NULL,
};

/* The widest name of the entries of @p list. */
static int
name_width(const json_t *list, int w)
{
	size_t i;
	const json_t *e;

	json_array_foreach(list, i, e) {
		int n = (int)strlen(stp_json_str(e, "name"));

		if (n > w)
			w = n;
	}
	return w;
}

/* One row per histogram: ports, then prefixes; values in microseconds. */
static void
render_rows(FILE *f, const json_t *list, const char *scope, int nw)
{
	size_t i;
	const json_t *e;
	static const char *const q[] = { "min", "mean", "p50", "p90", "p99", "p99.9", "max" };

	json_array_foreach(list, i, e) {
		for (unsigned int k = 0; kinds[k] != NULL; k++) {
			const json_t *h = json_object_get(e, kinds[k]);

			fprintf(f, "%-6s  %-*s  %-10s  %10" PRIu64, scope, nw,
					stp_json_str(e, "name"), kinds[k],
					stp_json_u64(h, "count"));
			for (unsigned int j = 0; j < RTE_DIM(q); j++)
				fprintf(f, "  %11.3f",
						json_number_value(json_object_get(h, q[j])) / 1e3);
			fprintf(f, "\n");
		}
	}
}

static void
render(const json_t *v, FILE *f)
{
	static const char *const counters[] = { "flows", "flows_active", "table_full", "evicted",
		"evicted_half_open", "evicted_handshake", "closed", "packets", "unstamped",
		"ambiguous", "malformed_options", "ts_slots_overwritten", "records",
		"records_written", "records_dropped", "write_errors" };
	const json_t *samples = json_object_get(v, "samples");
	const char *dname;
	json_t *dval;
	int nw;

	if (!json_is_true(json_object_get(v, "enabled"))) {
		fprintf(f, "tcp_rtt is not enabled\n");
		return;
	}
	for (unsigned int i = 0; i < RTE_DIM(counters); i++)
		fprintf(f, "%-21s %" PRIu64 "\n", counters[i], stp_json_u64(v, counters[i]));
	fprintf(f, "%-21s syn_synack %" PRIu64 ", synack_ack %" PRIu64 ", tsval %" PRIu64 "\n",
			"samples", stp_json_u64(samples, "syn_synack"),
			stp_json_u64(samples, "synack_ack"), stp_json_u64(samples, "tsval"));
	fprintf(f, "%-21s", "drops");
	json_object_foreach(json_object_get(v, "drops"), dname, dval)
		fprintf(f, " %s %" PRIu64, dname, (uint64_t)json_integer_value(dval));
	fprintf(f, "\n");
	fprintf(f, "\nRTT in microseconds (samples flagged ambiguous are not in the histograms)\n");
	nw = name_width(json_object_get(v, "prefixes"), name_width(json_object_get(v, "ports"), 4));
	fprintf(f, "%-6s  %-*s  %-10s  %10s", "scope", nw, "name", "kind", "count");
	for (unsigned int j = 0; j < 7; j++)
		fprintf(f, "  %11s",
				(const char *[]){ "min", "mean", "p50", "p90", "p99", "p99.9",
						"max" }[j]);
	fprintf(f, "\n");
	render_rows(f, json_object_get(v, "ports"), "port", nw);
	render_rows(f, json_object_get(v, "prefixes"), "prefix", nw);
}

/* ---------------------------------------------------------------------------------------------- */
/* Prometheus families (and telemetry), as data */

static const struct stp_family families[] = {
	{ "flows", "stampede_tcp_rtt_flows_total", "counter", "TCP flows entered in the tables.",
			STP_FAMILY_VALUE, NULL, NULL, NULL },
	{ "flows_active", "stampede_tcp_rtt_flows_active", "gauge", "TCP flows in the tables now.",
			STP_FAMILY_VALUE, NULL, NULL, NULL },
	{ "table_full", "stampede_tcp_rtt_table_full_total", "counter",
			"TCP flows not tracked: the worker's flow table was full.",
			STP_FAMILY_VALUE, NULL, NULL, NULL },
	{ "evicted", "stampede_tcp_rtt_evicted_total", "counter",
			"TCP flows removed after tcp_rtt.idle_timeout_s without a packet.",
			STP_FAMILY_VALUE, NULL, NULL, NULL },
	{ "evicted_half_open", "stampede_tcp_rtt_evicted_half_open_total", "counter",
			"TCP flows pushed out of a full table: a SYN not answered yet.",
			STP_FAMILY_VALUE, NULL, NULL, NULL },
	{ "evicted_handshake", "stampede_tcp_rtt_evicted_handshake_total", "counter",
			"TCP flows pushed out of a full table: a handshake without its ACK.",
			STP_FAMILY_VALUE, NULL, NULL, NULL },
	{ "closed", "stampede_tcp_rtt_closed_total", "counter",
			"TCP flows removed on RST or FIN both ways.", STP_FAMILY_VALUE, NULL, NULL,
			NULL },
	{ "ambiguous", "stampede_tcp_rtt_ambiguous_total", "counter",
			"Handshake samples after a retransmitted SYN or SYN-ACK (Karn), not in the "
			"histograms.",
			STP_FAMILY_VALUE, NULL, NULL, NULL },
	{ "malformed_options", "stampede_tcp_rtt_malformed_options_total", "counter",
			"TCP packets with malformed options.", STP_FAMILY_VALUE, NULL, NULL, NULL },
	{ "records_dropped", "stampede_tcp_rtt_records_dropped_total", "counter",
			"RTT records lost: the writer's ring was full.", STP_FAMILY_VALUE, NULL,
			NULL, NULL },
	{ "records_written", "stampede_tcp_rtt_records_written_total", "counter",
			"RTT records written as JSON lines.", STP_FAMILY_VALUE, NULL, NULL, NULL },
	{ "samples", "stampede_tcp_rtt_samples_total", "counter", "RTT samples, per kind.",
			STP_FAMILY_VALUE, NULL, "kind", kinds },
	{ "drops", "stampede_tcp_rtt_drops_total", "counter",
			"Frames the TCP monitor did not measure (malformed headers, fragments), per "
			"reason.",
			STP_FAMILY_VALUE, NULL, "reason", drops },
	{ "ports", "stampede_tcp_rtt_seconds", "summary",
			"Passive TCP RTT (tap to endpoint and back), per port and kind.",
			STP_FAMILY_ENTRIES, "port", "kind", kinds },
	{ "prefixes", "stampede_tcp_rtt_prefix_seconds", "summary",
			"Passive TCP RTT (tap to endpoint and back), per prefix and kind.",
			STP_FAMILY_ENTRIES, "prefix", "kind", kinds },
	{ NULL, NULL, NULL, NULL, STP_FAMILY_VALUE, NULL, NULL, NULL },
};

/* /stampede/tcp_rtt: counters at the top, samples_KIND, drops_REASON, RTT summaries in columns. */
static const struct stp_tel_group tel_groups[] = {
	{ .key = "samples", .how = STP_TEL_FLAT },
	{ .key = "drops", .how = STP_TEL_FLAT },
	{ .key = "ports", .how = STP_TEL_HISTS, .prefix = "port", .names = kinds },
	{ .key = "prefixes", .how = STP_TEL_HISTS, .prefix = "prefix", .names = kinds },
	{ .key = NULL },
};

static const struct stp_tel tel[] = {
	{ "/stampede/tcp_rtt",
			"Passive TCP latency: counters; RTT summaries (ns) in columns, per "
			"port/prefix and kind",
			NULL, tel_groups },
	{ NULL, NULL, NULL, NULL },
};

const struct stp_feature_ui tcprtt_ui = {
	.key = "tcp_rtt",
	.show = "tcp-rtt",
	.show_help = "passive TCP latency: flow table counters, RTT histograms per port and "
		     "prefix",
	.render = render,
	.families = families,
	.tel = tel,
};
