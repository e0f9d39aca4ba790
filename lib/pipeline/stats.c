/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* Counters: names of drop reasons, sums over lcores, text and JSON reports. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_ethdev.h>

#include "pcapng.h"
#include "pipeline.h"
#include "port_kern.h"

static const char *const drop_names[STP_DROP_MAX] = {
#define STP_DROP_NAME(id, name, desc) [STP_DROP_##id] = name,
	STP_FOREACH_DROP(STP_DROP_NAME)
#undef STP_DROP_NAME
};

static const char *const drop_descs[STP_DROP_MAX] = {
#define STP_DROP_DESC(id, name, desc) [STP_DROP_##id] = desc,
	STP_FOREACH_DROP(STP_DROP_DESC)
#undef STP_DROP_DESC
};

int64_t
stp_stats_in_flight(const struct stp_lcore_stats *s)
{
	return (int64_t)(s->rx_pkts + s->replicas + s->generated) -
			(int64_t)(s->tx_pkts + s->written + s->consumed + stp_stats_dropped(s));
}

const char *
stp_drop_name(enum stp_drop d)
{
	return d < STP_DROP_MAX ? drop_names[d] : "unknown";
}

const char *
stp_drop_desc(enum stp_drop d)
{
	return d < STP_DROP_MAX ? drop_descs[d] : "unknown";
}

/* The sum of per-port counts @p a (port_rx or port_tx), each read whole. */
static uint64_t
ports_sum(const uint64_t *a)
{
	uint64_t v = 0;

	for (unsigned int p = 0; p < PORT_MAX; p++)
		v += __atomic_load_n(&a[p], __ATOMIC_RELAXED);
	return v;
}

/* rx_pkts and tx_pkts, which the datapath does not count: the sums of the per-port counts. */
static void
stats_port_totals(struct stp_lcore_stats *s)
{
	s->rx_pkts = ports_sum(s->port_rx);
	s->tx_pkts = ports_sum(s->port_tx);
}

const struct stp_lcore_stats *
stp_lcore_stats_read(const struct stp_lcore *lc, struct stp_lcore_stats *st)
{
	const uint64_t *src = (const uint64_t *)&lc->stats;
	uint64_t *dst = (uint64_t *)st;

	/* The struct is all uint64_t counters (padding to the cache line is zero). */
	for (size_t k = 0; k < sizeof(*st) / sizeof(uint64_t); k++)
		dst[k] = __atomic_load_n(&src[k], __ATOMIC_RELAXED);
	stats_port_totals(st);
	return st;
}

uint64_t
stp_lcore_stat(const struct stp_lcore *lc, size_t off)
{
	const struct stp_lcore_stats *s = &lc->stats;

	/* One counter read, not the whole struct: views call this per counter and lcore. */
	if (off == offsetof(struct stp_lcore_stats, rx_pkts))
		return ports_sum(s->port_rx);
	if (off == offsetof(struct stp_lcore_stats, tx_pkts))
		return ports_sum(s->port_tx);
	return __atomic_load_n((const uint64_t *)((const char *)s + off), __ATOMIC_RELAXED);
}

void
stp_stats_sum(const struct stp_pipeline *pl, struct stp_lcore_stats *sum)
{
	const uint64_t *src;
	uint64_t *dst = (uint64_t *)sum;
	const size_t nb = sizeof(*sum) / sizeof(uint64_t);

	memset(sum, 0, sizeof(*sum));
	/* The struct is all uint64_t counters (padding to the cache line is zero). */
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		src = (const uint64_t *)&pl->lcores[i]->stats;
		for (size_t k = 0; k < nb; k++)
			dst[k] += __atomic_load_n(&src[k], __ATOMIC_RELAXED);
	}
	stats_port_totals(sum);
	stp_features_sum(pl, sum);
}

uint64_t
stp_stats_dropped(const struct stp_lcore_stats *s)
{
	uint64_t d = 0;

	for (unsigned int i = 0; i < STP_DROP_MAX; i++)
		d += s->drops[i];
	return d;
}

json_t *
stp_stages_json(const struct stp_pipeline *pl, const struct stp_lcore_stats *s)
{
	json_t *a = json_array();

	for (unsigned int k = 0; k < pl->nb_stages; k++) {
		uint64_t c = __atomic_load_n(&s->stage_cycles[k], __ATOMIC_RELAXED);
		uint64_t p = __atomic_load_n(&s->stage_pkts[k], __ATOMIC_RELAXED);

		json_array_append_new(a,
				json_pack("{s:s, s:I, s:I, s:f}", "name", pl->stages[k]->name,
						"cycles", (json_int_t)c, "packets", (json_int_t)p,
						"cycles_per_packet",
						p ? (double)c / (double)p : 0.0));
	}
	return a;
}

static double
cycles_per_pkt(const struct stp_lcore_stats *s)
{
	return s->rx_pkts ? (double)s->busy_cycles / (double)s->rx_pkts : 0.0;
}

void
stp_stats_print(const struct stp_pipeline *pl, bool final, FILE *f)
{
	struct stp_lcore_stats s;
	uint64_t dropped;

	stp_stats_sum(pl, &s);
	dropped = stp_stats_dropped(&s);
	fprintf(f, "%-6s %-12s %14s %14s %14s %14s %10s %10s %10s %10s\n", "port", "name",
			"rx-packets", "rx-bytes", "tx-packets", "tx-bytes", "imissed", "ierrors",
			"oerrors", "rx-nombuf");
	for (unsigned int i = 0; i < pl->ports->nb; i++) {
		const struct port_rt *pr = &pl->ports->ports[i];
		struct rte_eth_stats es;

		if (port_stats_get(pr->port_id, &es) != 0)
			memset(&es, 0, sizeof(es));
		fprintf(f,
				"%-6u %-12s %14" PRIu64 " %14" PRIu64 " %14" PRIu64 " %14" PRIu64
				" %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
				pr->port_id, pr->cfg->name, es.ipackets, es.ibytes, es.opackets,
				es.obytes, es.imissed, es.ierrors, es.oerrors, es.rx_nombuf);
	}
	fprintf(f, "drops:\n");
	{
		/* The name column is as wide as the longest name: no name pushes its count out. */
		int w = 0;

		for (unsigned int d = 0; d < STP_DROP_MAX; d++)
			w = RTE_MAX(w, (int)strlen(stp_drop_name(d)));
		for (unsigned int d = 0; d < STP_DROP_MAX; d++)
			fprintf(f, "  %-*s %14" PRIu64 "  %s\n", w, stp_drop_name(d), s.drops[d],
					stp_drop_desc(d));
	}
	{
		uint64_t missed[PORT_MISS_MAX];

		/* Lost before stampede read them: not part of received (the invariant). */
		port_missed_sum(pl->ports, missed);
		fprintf(f, "missed before rx:");
		for (unsigned int m = 0; m < PORT_MISS_MAX; m++)
			fprintf(f, " %s=%" PRIu64, port_miss_name(m), missed[m]);
		fprintf(f, "\n");
	}
	fprintf(f, "timestamps:");
	for (unsigned int t = 0; t < PKT_TS_MAX; t++)
		fprintf(f, " %s=%" PRIu64, pkt_ts_src_name(t), s.ts_src[t]);
	if (s.rx_pkts >= STP_CPP_MIN_PKTS)
		fprintf(f, "\ncycles/packet: %.1f\n", cycles_per_pkt(&s));
	else
		fprintf(f, "\ncycles/packet: - (fewer than %u packets)\n", STP_CPP_MIN_PKTS);
	stp_features_summary(pl, &s, f);
	{
		int64_t in_flight = stp_stats_in_flight(&s);

		fprintf(f,
				"total: received=%" PRIu64 " replicated=%" PRIu64
				" generated=%" PRIu64 " transmitted=%" PRIu64 " captured=%" PRIu64
				" consumed=%" PRIu64 " dropped=%" PRIu64,
				s.rx_pkts, s.replicas, s.generated, s.tx_pkts, s.written,
				s.consumed, dropped);
		if (final)
			fprintf(f, " (%s)\n",
					in_flight == 0 ?
							"received + replicated + generated = "
							"transmitted + captured + consumed + dropped" :
							"MISMATCH: packets unaccounted for");
		else
			fprintf(f, " in-flight=%" PRId64 "\n", in_flight);
	}
}

void
stp_stats_line(const struct stp_pipeline *pl, struct stp_lcore_stats *prev, double dt_s, FILE *f)
{
	struct stp_lcore_stats s;
	uint64_t dropped, pdropped;

	stp_stats_sum(pl, &s);
	dropped = stp_stats_dropped(&s);
	pdropped = stp_stats_dropped(prev);
	if (dt_s <= 0)
		dt_s = 1;
	fprintf(f,
			"rx %" PRIu64 " (%.3f Mpps) tx %" PRIu64 " (%.3f Mpps) dropped %" PRIu64
			" (+%" PRIu64 ") cycles/pkt ",
			s.rx_pkts, (double)(s.rx_pkts - prev->rx_pkts) / dt_s / 1e6, s.tx_pkts,
			(double)(s.tx_pkts - prev->tx_pkts) / dt_s / 1e6, dropped,
			dropped - pdropped);
	/* Only with enough packets in the interval to mean something (STP_CPP_MIN_PKTS). */
	if (s.rx_pkts - prev->rx_pkts >= STP_CPP_MIN_PKTS)
		fprintf(f, "%.1f",
				(double)(s.busy_cycles - prev->busy_cycles) /
						(double)(s.rx_pkts - prev->rx_pkts));
	else
		fprintf(f, "-");
	/* Long work: how far each file input is, and what each capture output wrote or lost. */
	for (unsigned int i = 0; i < pl->ports->nb; i++) {
		const struct port_rt *pr = &pl->ports->ports[i];
		uint64_t rx = s.port_rx[pr->port_id], prx = prev->port_rx[pr->port_id];

		if (pr->pcap_records == 0)
			continue;
		fprintf(f, " | replay %s %.1f%% %.3f Mpps", pr->cfg->name,
				100.0 * (double)RTE_MIN(rx, pr->pcap_records) /
						(double)pr->pcap_records,
				(double)(rx >= prx ? rx - prx : 0) / dt_s / 1e6);
	}
	stp_features_status(pl, &s, f);
	fprintf(f, "\n");
	fflush(f);
	*prev = s;
}

int
stp_stats_json(const struct stp_pipeline *pl, const char *path)
{
	struct stp_lcore_stats s;
	json_t *root, *drops, *ports, *ts, *lcores;
	int rc;

	stp_stats_sum(pl, &s);
	root = json_object();
	drops = json_object();
	ports = json_array();
	ts = json_object();
	lcores = json_array();
	json_object_set_new(root, "received", json_integer((json_int_t)s.rx_pkts));
	json_object_set_new(root, "transmitted", json_integer((json_int_t)s.tx_pkts));
	json_object_set_new(root, "dropped", json_integer((json_int_t)stp_stats_dropped(&s)));
	json_object_set_new(root, "replicated", json_integer((json_int_t)s.replicas));
	json_object_set_new(root, "generated", json_integer((json_int_t)s.generated));
	json_object_set_new(root, "consumed", json_integer((json_int_t)s.consumed));
	json_object_set_new(root, "captured", json_integer((json_int_t)s.written));
	json_object_set_new(root, "rx_bytes", json_integer((json_int_t)s.rx_bytes));
	json_object_set_new(root, "cycles_per_packet", json_real(cycles_per_pkt(&s)));
	for (unsigned int d = 0; d < STP_DROP_MAX; d++)
		json_object_set_new(drops, stp_drop_name(d), json_integer((json_int_t)s.drops[d]));
	json_object_set_new(root, "drops", drops);
	{
		uint64_t missed[PORT_MISS_MAX];
		json_t *mo = json_object();

		port_missed_sum(pl->ports, missed);
		for (unsigned int m = 0; m < PORT_MISS_MAX; m++)
			json_object_set_new(
					mo, port_miss_name(m), json_integer((json_int_t)missed[m]));
		json_object_set_new(root, "missed", mo);
	}
	for (unsigned int t = 0; t < PKT_TS_MAX; t++)
		json_object_set_new(ts, pkt_ts_src_name(t), json_integer((json_int_t)s.ts_src[t]));
	json_object_set_new(root, "timestamps", ts);
	for (unsigned int i = 0; i < pl->ports->nb; i++) {
		const struct port_rt *pr = &pl->ports->ports[i];
		struct rte_eth_stats es;

		if (port_stats_get(pr->port_id, &es) != 0)
			memset(&es, 0, sizeof(es));
		json_array_append_new(ports,
				json_pack("{s:s, s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
					  "s:I, s:I}",
						"name", pr->cfg->name, "port_id", (int)pr->port_id,
						"driver", pr->drv_name, "timestamp",
						pkt_ts_src_name(pr->ts_src), "rx_pkts",
						(json_int_t)es.ipackets, "rx_bytes",
						(json_int_t)es.ibytes, "tx_pkts",
						(json_int_t)es.opackets, "tx_bytes",
						(json_int_t)es.obytes, "imissed",
						(json_int_t)es.imissed, "ierrors",
						(json_int_t)es.ierrors, "oerrors",
						(json_int_t)es.oerrors, "rx_nombuf",
						(json_int_t)es.rx_nombuf, "app_rx",
						(json_int_t)s.port_rx[pr->port_id], "app_tx",
						(json_int_t)s.port_tx[pr->port_id]));
		/* What features show of the port (switch trailers: format and counters). */
		for (unsigned int k = 0; k < pl->nb_features; k++) {
			void *fs;

			if (pl->features[k]->port_view == NULL || pl->feat_rc[k] < 0)
				continue;
			fs = stp_feature_stats(pl, k);
			pl->features[k]->port_view(pl, pr, fs,
					json_array_get(ports, json_array_size(ports) - 1));
			free(fs);
		}
	}
	json_object_set_new(root, "ports", ports);
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		const struct stp_lcore *lc = pl->lcores[i];
		struct stp_lcore_stats st;

		stp_lcore_stats_read(lc, &st);
		json_array_append_new(lcores,
				json_pack("{s:i, s:b, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:o}",
						"lcore", (int)lc->lcore_id, "rx",
						!!(lc->roles & CFG_ROLE_RX), "worker",
						!!(lc->roles & CFG_ROLE_WORKER), "tx",
						!!(lc->roles & CFG_ROLE_TX), "rx_pkts",
						(json_int_t)st.rx_pkts, "tx_pkts",
						(json_int_t)st.tx_pkts, "loops",
						(json_int_t)st.loops, "busy_cycles",
						(json_int_t)st.busy_cycles, "idle_sleeps",
						(json_int_t)st.idle_sleeps, "stages",
						stp_stages_json(pl, &st)));
	}
	json_object_set_new(root, "lcores", lcores);
	/* What each feature of the registry adds (feature.h: its view). */
	stp_features_views(pl, root);
	errno = 0;
	rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (rc != 0)
		rc = errno != 0 ? -errno : -EIO; /* fopen()'s or a write's errno */
	json_decref(root);
	return rc;
}
