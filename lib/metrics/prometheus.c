/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The counters in Prometheus's text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): per family a "# HELP" and a
 * "# TYPE" line, then its samples, one per label set. Names follow Prometheus's conventions:
 * the stampede_ prefix, base units, "_total" on counters.
 *
 * Each family is one row of prom_families[]: where its value lives (a scope, which also gives
 * the label, and an offset in the struct of that scope). Adding a counter is adding a row.
 */

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "hist.h"
#include "metrics_priv.h"

/* Where a family's samples come from, and which label they carry. */
enum prom_scope {
	PS_GLOBAL,     /* a uint64_t of struct metrics_snap; no label */
	PS_DROP,       /* sum.drops[reason]; label reason */
	PS_MISSED,     /* missed[reason] (port_kern.h); label reason */
	PS_TS,	       /* sum.ts_src[source]; label source */
	PS_PORT_ETH,   /* a uint64_t of struct rte_eth_stats; label port */
	PS_PORT_APP,   /* an array of struct stp_lcore_stats indexed by DPDK port id; label port */
	PS_LCORE,      /* a uint64_t of one lcore's struct stp_lcore_stats; label lcore */
	PS_STAGE,      /* an array of it indexed by worker stage; labels lcore, stage */
	PS_INFO,       /* stampede_info: constant 1 with node and version labels */
	PS_PORT_INFO,  /* constant 1 with port, port_id, driver and timestamp labels */
	PS_PORT_LINK,  /* pl->link_up[]; label port */
	PS_TSC_HZ,     /* rte_get_tsc_hz() */
	PS_PORT_CLOCK, /* a field of struct port_clock_view (key: its type); label port */
};

struct prom_family {
	const char *name;
	const char *type; /* "counter" or "gauge" */
	enum prom_scope scope;
	size_t off;
	const char *help;
	const char *key; /* PS_PORT_CLOCK: the type of the field */
};

#define SNAP(f) offsetof(struct metrics_snap, f)
#define LCS(f) offsetof(struct stp_lcore_stats, f)
#define ETH(f) offsetof(struct rte_eth_stats, f)
#define WRT(f) offsetof(struct pcapng_stats, f)
#define CLK(f) offsetof(struct port_clock_view, f)

/* clang-format off */
static const struct prom_family prom_families[] = {
	{ "stampede_info", "gauge", PS_INFO, 0, "Always 1; labels name the node and the version." },
	{ "stampede_tsc_hz", "gauge", PS_TSC_HZ, 0,
		"TSC frequency in Hz: divide cycle counters by it to get seconds." },

	{ "stampede_received_packets_total", "counter", PS_GLOBAL, SNAP(sum.rx_pkts),
		"Packets stampede read from its ports." },
	{ "stampede_received_bytes_total", "counter", PS_GLOBAL, SNAP(sum.rx_bytes),
		"Bytes stampede read from its ports." },
	{ "stampede_replicated_packets_total", "counter", PS_GLOBAL, SNAP(sum.replicas),
		"Extra copies made for replicate groups and continue rules." },
	{ "stampede_generated_packets_total", "counter", PS_GLOBAL, SNAP(sum.generated),
		"Packets stampede made and sent itself (probes, reflections)." },
	{ "stampede_consumed_packets_total", "counter", PS_GLOBAL, SNAP(sum.consumed),
		"Packets a measuring stage took in for good (probes that came back)." },
	{ "stampede_transmitted_packets_total", "counter", PS_GLOBAL, SNAP(sum.tx_pkts),
		"Packets the output ports accepted." },
	{ "stampede_captured_packets_total", "counter", PS_GLOBAL, SNAP(sum.written),
		"Packets written to capture files." },
	{ "stampede_dropped_packets_total", "counter", PS_DROP, 0,
		"Packets dropped, per reason." },
	{ "stampede_missed_packets_total", "counter", PS_MISSED, 0,
		"Packets lost before stampede read them (the ports' imissed), per reason: "
		"kernel_drop (a kernel socket's ring was full), nic_missed (a NIC's RX queue)." },
	{ "stampede_in_flight_packets", "gauge", PS_GLOBAL, SNAP(in_flight),
		"Received + replicated - transmitted - captured - dropped: packets inside stampede." },
	{ "stampede_timestamps_total", "counter", PS_TS, 0,
		"Packets stamped, per timestamp source." },

	{ "stampede_port_info", "gauge", PS_PORT_INFO, 0,
		"Always 1; labels give the port's DPDK id, driver and timestamp source." },
	{ "stampede_port_link_up", "gauge", PS_PORT_LINK, 0, "1 when the port's link is up." },
	{ "stampede_port_rx_packets_total", "counter", PS_PORT_ETH, ETH(ipackets),
		"Packets the port received (driver counter)." },
	{ "stampede_port_rx_bytes_total", "counter", PS_PORT_ETH, ETH(ibytes),
		"Bytes the port received (driver counter)." },
	{ "stampede_port_tx_packets_total", "counter", PS_PORT_ETH, ETH(opackets),
		"Packets the port transmitted (driver counter)." },
	{ "stampede_port_tx_bytes_total", "counter", PS_PORT_ETH, ETH(obytes),
		"Bytes the port transmitted (driver counter)." },
	{ "stampede_port_missed_packets_total", "counter", PS_PORT_ETH, ETH(imissed),
		"Packets the NIC dropped because RX was not fast enough (imissed)." },
	{ "stampede_port_rx_errors_total", "counter", PS_PORT_ETH, ETH(ierrors),
		"Erroneous packets received (ierrors)." },
	{ "stampede_port_tx_errors_total", "counter", PS_PORT_ETH, ETH(oerrors),
		"Failed transmissions (oerrors)." },
	{ "stampede_port_rx_nombuf_total", "counter", PS_PORT_ETH, ETH(rx_nombuf),
		"RX mbuf allocation failures (rx_nombuf)." },
	{ "stampede_port_app_rx_packets_total", "counter", PS_PORT_APP, LCS(port_rx),
		"Packets stampede read from the port." },
	{ "stampede_port_app_tx_packets_total", "counter", PS_PORT_APP, LCS(port_tx),
		"Packets stampede sent out of the port." },

	/* Hardware clocks (ports stamping with their device clock only). */
	{ "stampede_port_clock_frequency_hertz", "gauge", PS_PORT_CLOCK, CLK(hz),
		"Device clock ticks per second of UTC, as fitted (1e9 for real-time clocks).",
		"double" },
	{ "stampede_port_clock_drift_ratio", "gauge", PS_PORT_CLOCK, CLK(drift_ppm),
		"Device clock rate against its rate at start-up, minus 1 (free-running clocks).",
		"ppm" },
	{ "stampede_port_clock_offset_seconds", "gauge", PS_PORT_CLOCK, CLK(offset_ns),
		"Device clock minus UTC at the last sample (37 for a TAI clock).", "ns" },
	{ "stampede_port_clock_last_error_seconds", "gauge", PS_PORT_CLOCK, CLK(last_error_ns),
		"UTC minus the converted device clock at the last sample, before correction.",
		"ns" },
	{ "stampede_port_clock_samples_total", "counter", PS_PORT_CLOCK, CLK(samples),
		"Device clock samples taken (bracketed read_clock).", "u64" },
	{ "stampede_port_clock_rejected_samples_total", "counter", PS_PORT_CLOCK, CLK(rejects),
		"Device clock samples rejected: every read too slow (preempted, busy device).",
		"u64" },
	{ "stampede_port_clock_steps_total", "counter", PS_PORT_CLOCK, CLK(steps),
		"CLOCK_REALTIME steps the device clock map followed.", "u64" },

	{ "stampede_lcore_rx_packets_total", "counter", PS_LCORE, LCS(rx_pkts),
		"Packets a datapath lcore read from ports." },
	{ "stampede_lcore_tx_packets_total", "counter", PS_LCORE, LCS(tx_pkts),
		"Packets a datapath lcore transmitted." },
	{ "stampede_lcore_loops_total", "counter", PS_LCORE, LCS(loops),
		"Run-loop iterations of a datapath lcore." },
	{ "stampede_lcore_busy_cycles_total", "counter", PS_LCORE, LCS(busy_cycles),
		"TSC cycles a datapath lcore spent in iterations that moved packets." },
	{ "stampede_lcore_work_packets_total", "counter", PS_LCORE, LCS(work_pkts),
		"Packets handled in those busy iterations." },
	{ "stampede_lcore_idle_sleeps_total", "counter", PS_LCORE, LCS(idle_sleeps),
		"Sleeps of idle_sleep_us a datapath lcore took while idle." },
	{ "stampede_lcore_stage_cycles_total", "counter", PS_STAGE, LCS(stage_cycles),
		"TSC cycles a worker stage (a feature) spent on a datapath lcore." },
	{ "stampede_lcore_stage_packets_total", "counter", PS_STAGE, LCS(stage_pkts),
		"Packets a worker stage was given on a datapath lcore." },

};
/* clang-format on */

/* A label value: backslash, double quote and line feed escaped, as the format requires. */
static void
put_label_value(struct sbuf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			sbuf_printf(b, "\\\\");
		else if (*s == '"')
			sbuf_printf(b, "\\\"");
		else if (*s == '\n')
			sbuf_printf(b, "\\n");
		else
			sbuf_printf(b, "%c", *s);
	}
}

/* name{label="value"} x */
static void
sample(struct sbuf *b, const char *name, const char *label, const char *value, uint64_t x)
{
	sbuf_printf(b, "%s", name);
	if (label != NULL) {
		sbuf_printf(b, "{%s=\"", label);
		put_label_value(b, value);
		sbuf_printf(b, "\"}");
	}
	sbuf_printf(b, " %" PRIu64 "\n", x);
}

static uint64_t
u64_at(const void *base, size_t off)
{
	return *(const uint64_t *)((const char *)base + off);
}

static void
family(struct sbuf *b, const struct prom_family *f, const struct metrics_snap *s)
{
	const struct stp_pipeline *pl = s->pl;
	const struct stp_config *cfg = pl->cfg;
	char num[24];

	/* HELP texts are constants with neither backslash nor line feed: nothing to escape. */
	sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
	switch (f->scope) {
	case PS_GLOBAL:
		sample(b, f->name, NULL, NULL, u64_at(s, f->off));
		break;
	case PS_DROP:
		for (unsigned int k = 0; k < STP_DROP_MAX; k++)
			sample(b, f->name, "reason", stp_drop_name(k), s->sum.drops[k]);
		break;
	case PS_MISSED:
		for (unsigned int m = 0; m < PORT_MISS_MAX; m++)
			sample(b, f->name, "reason", port_miss_name(m), s->missed[m]);
		break;
	case PS_TS:
		for (unsigned int t = 0; t < PKT_TS_MAX; t++)
			sample(b, f->name, "source", pkt_ts_src_name(t), s->sum.ts_src[t]);
		break;
	case PS_PORT_ETH:
		for (unsigned int i = 0; i < pl->ports->nb; i++)
			sample(b, f->name, "port", pl->ports->ports[i].cfg->name,
					u64_at(&s->eth[i], f->off));
		break;
	case PS_PORT_APP:
		for (unsigned int i = 0; i < pl->ports->nb; i++) {
			const uint64_t *a = (const uint64_t *)((const char *)&s->sum + f->off);

			sample(b, f->name, "port", pl->ports->ports[i].cfg->name,
					a[pl->ports->ports[i].port_id]);
		}
		break;
	case PS_LCORE:
		for (unsigned int i = 0; i < pl->nb_lcores; i++) {
			snprintf(num, sizeof(num), "%u", pl->lcores[i]->lcore_id);
			sample(b, f->name, "lcore", num, stp_lcore_stat(pl->lcores[i], f->off));
		}
		break;
	case PS_STAGE:
		for (unsigned int i = 0; i < pl->nb_lcores; i++) {
			const uint64_t *p = (const uint64_t *)((const char *)&pl->lcores[i]->stats +
					f->off);

			for (unsigned int k = 0; k < pl->nb_stages; k++) {
				sbuf_printf(b, "%s{lcore=\"%u\",stage=\"", f->name,
						pl->lcores[i]->lcore_id);
				put_label_value(b, pl->stages[k]->name);
				sbuf_printf(b, "\"} %" PRIu64 "\n",
						__atomic_load_n(&p[k], __ATOMIC_RELAXED));
			}
		}
		break;
	case PS_INFO:
		sbuf_printf(b, "%s{node=\"%" PRIu32 "\",version=\"", f->name, cfg->node.id);
		put_label_value(b, s->version);
		sbuf_printf(b, "\",description=\"");
		put_label_value(b, cfg->node.description);
		sbuf_printf(b, "\"} 1\n");
		break;
	case PS_PORT_INFO:
		for (unsigned int i = 0; i < pl->ports->nb; i++) {
			const struct port_rt *pr = &pl->ports->ports[i];

			sbuf_printf(b, "%s{port=\"", f->name);
			put_label_value(b, pr->cfg->name);
			sbuf_printf(b, "\",port_id=\"%u\",driver=\"", pr->port_id);
			put_label_value(b, pr->drv_name);
			sbuf_printf(b, "\",timestamp=\"%s\"} 1\n", pkt_ts_src_name(pr->ts_src));
		}
		break;
	case PS_PORT_LINK:
		for (unsigned int i = 0; i < pl->ports->nb; i++) {
			const struct port_rt *pr = &pl->ports->ports[i];

			sample(b, f->name, "port", pr->cfg->name,
					__atomic_load_n(&pl->link_up[pr->port_id],
							__ATOMIC_RELAXED));
		}
		break;
	case PS_TSC_HZ:
		sample(b, f->name, NULL, NULL, rte_get_tsc_hz());
		break;
	case PS_PORT_CLOCK:
		for (unsigned int i = 0; i < pl->ports->nb; i++) {
			const struct port_rt *pr = &pl->ports->ports[i];
			struct port_clock_view v;
			const char *p = (const char *)&v + f->off;

			port_clock_view(pr, &v);
			if (!v.hw)
				continue;
			sbuf_printf(b, "%s{port=\"", f->name);
			put_label_value(b, pr->cfg->name);
			if (strcmp(f->key, "double") == 0)
				sbuf_printf(b, "\"} %.3f\n", *(const double *)p);
			else if (strcmp(f->key, "ppm") == 0)
				sbuf_printf(b, "\"} %.12f\n", *(const double *)p * 1e-6);
			else if (strcmp(f->key, "ns") == 0)
				sbuf_printf(b, "\"} %.9f\n", (double)*(const int64_t *)p / 1e9);
			else
				sbuf_printf(b, "\"} %" PRIu64 "\n", *(const uint64_t *)p);
		}
		break;
	default:
		break;
	}
}

static uint64_t
json_u64(const json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
	if (json_is_real(v))
		return json_real_value(v) > 0 ? (uint64_t)(json_real_value(v) + 0.5) : 0;
	return json_is_true(v) ? 1 : 0;
}

/* True for a JSON key in nanoseconds ("jitter_ns"). */
static bool
ns_key(const char *key)
{
	size_t n = strlen(key);

	return n > 3 && strcmp(key + n - 3, "_ns") == 0;
}

/* Append NAME="VALUE" (escaped) to the label set @p l. */
static void
label_add(struct sbuf *l, const char *name, const char *value)
{
	sbuf_printf(l, "%s%s=\"", l->len > 0 ? "," : "", name);
	put_label_value(l, value);
	sbuf_printf(l, "\"");
}

/* A copy of label set @p l; the caller frees its p. */
static struct sbuf
label_copy(const struct sbuf *l)
{
	struct sbuf c = { 0 };

	sbuf_printf(&c, "%.*s", (int)l->len, l->p != NULL ? l->p : "");
	return c;
}

/* "NAME[SUFFIX]{LABELS[,EXTRA]} ": a sample up to its value. */
static void
sample_start(struct sbuf *b, const char *name, const char *suffix, const struct sbuf *l,
		const char *extra)
{
	bool any = l->len > 0 || extra != NULL;

	/* A label set cut short by no memory fails the whole text, as b's own would. */
	if (l->oom)
		b->oom = true;
	sbuf_printf(b, "%s%s%s%.*s%s%s%s ", name, suffix, any ? "{" : "", (int)l->len,
			l->p != NULL ? l->p : "", l->len > 0 && extra != NULL ? "," : "",
			extra != NULL ? extra : "", any ? "}" : "");
}

/* A histogram summary (hist_summary_str(), ns) as a Prometheus summary in seconds. */
static void
draw_summary(struct sbuf *b, const struct stp_family *fam, const struct sbuf *l, const json_t *h)
{
	uint64_t count = json_u64(json_object_get(h, "count"));
	char q[32];

	if (fam->minmax) {
		sample_start(b, fam->name, "", l, "quantile=\"0\"");
		sbuf_printf(b, "%.9f\n", (double)json_u64(json_object_get(h, "min")) / 1e9);
	}
	for (unsigned int k = 0; k < HIST_NB_QUANTILES && (count > 0 || fam->minmax); k++) {
		snprintf(q, sizeof(q), "quantile=\"%g\"", hist_quantiles[k]);
		sample_start(b, fam->name, "", l, q);
		sbuf_printf(b, "%.9f\n",
				(double)json_u64(json_object_get(h, hist_quantile_names[k])) / 1e9);
	}
	if (fam->minmax) {
		sample_start(b, fam->name, "", l, "quantile=\"1\"");
		sbuf_printf(b, "%.9f\n", (double)json_u64(json_object_get(h, "max")) / 1e9);
	}
	sample_start(b, fam->name, "_sum", l, NULL);
	sbuf_printf(b, "%.9f\n",
			json_number_value(json_object_get(h, "mean")) * (double)count / 1e9);
	sample_start(b, fam->name, "_count", l, NULL);
	sbuf_printf(b, "%" PRIu64 "\n", count);
}

/* One value @p v, read from member @p member, with labels @p l (struct stp_family). */
static void
draw_leaf(struct sbuf *b, const struct stp_family *fam, const char *member, const struct sbuf *l,
		const json_t *v)
{
	if (strcmp(fam->type, "summary") == 0) {
		draw_summary(b, fam, l, v);
	} else if (json_is_string(v)) {
		struct sbuf c = label_copy(l);

		label_add(&c, fam->label, json_string_value(v));
		sample_start(b, fam->name, "", &c, NULL);
		sbuf_printf(b, "1\n");
		free(c.p);
	} else if (member != NULL && ns_key(member)) {
		/* Base units: a nanosecond member is exposed in seconds. */
		uint64_t x = json_u64(v);

		sample_start(b, fam->name, "", l, NULL);
		sbuf_printf(b, "%" PRIu64 ".%09" PRIu64 "\n", x / 1000000000u, x % 1000000000u);
	} else if (json_is_real(v)) {
		sample_start(b, fam->name, "", l, NULL);
		sbuf_printf(b, "%.9g\n", json_real_value(v));
	} else {
		sample_start(b, fam->name, "", l, NULL);
		sbuf_printf(b, "%" PRIu64 "\n", json_u64(v));
	}
}

/* Value @p v (member @p member), or each of its members named in values (label2). */
static void
draw_value(struct sbuf *b, const struct stp_family *fam, const char *member, const struct sbuf *l,
		const json_t *v)
{
	if (fam->values == NULL) {
		draw_leaf(b, fam, member, l, v);
		return;
	}
	for (const char *const *n = fam->values; *n != NULL; n++) {
		struct sbuf c = label_copy(l);

		label_add(&c, fam->label2, *n);
		draw_leaf(b, fam, *n, &c, json_object_get(v, *n));
		free(c.p);
	}
}

/* Entry @p e of an ENTRIES family, named @p name (a member of an object of objects) or not. */
static void
draw_entry(struct sbuf *b, const struct stp_family *fam, const char *name, const json_t *e)
{
	const json_t *v = fam->member != NULL ? stp_json_path(e, fam->member) : e;
	struct sbuf l = { 0 };
	char num[24];

	if (v == NULL)
		return;
	if (fam->label != NULL)
		label_add(&l, fam->label, name != NULL ? name : stp_json_str(e, "name"));
	for (const char *const *n = fam->labels; n != NULL && *n != NULL; n++) {
		const json_t *m = json_object_get(e, *n);

		if (json_is_integer(m)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(m));
			label_add(&l, *n, num);
		} else {
			label_add(&l, *n, stp_json_str(e, *n));
		}
	}
	draw_value(b, fam, fam->member, &l, v);
	free(l.p);
}

/* The samples of family @p fam from member @p m of a feature's view. */
static void
draw_family(struct sbuf *b, const struct stp_family *fam, const json_t *m)
{
	const struct sbuf none = { 0 };
	const char *name;
	const json_t *e;
	size_t i;

	if (fam->kind == STP_FAMILY_VALUE)
		draw_value(b, fam, fam->key, &none, m);
	else if (json_is_array(m))
		json_array_foreach(m, i, e)
			draw_entry(b, fam, NULL, e);
	else if (json_is_object(m))
		json_object_foreach((json_t *)m, name, e)
			draw_entry(b, fam, name, e);
}

/* The families features declare (struct stp_feature_ui), drawn from their views. */
static void
prom_features(struct sbuf *b, const struct metrics_snap *s)
{
	for (unsigned int k = 0; k < s->pl->nb_features; k++) {
		const struct stp_feature *f = s->pl->features[k];
		json_t *t;

		if (f->ui == NULL || f->ui->families == NULL)
			continue;
		t = stp_feature_view_key(s->pl, f->name, f->ui->key);
		if (t == NULL)
			continue;
		for (const struct stp_family *fam = f->ui->families; fam->name != NULL; fam++) {
			const json_t *m = stp_json_path(t, fam->key);

			if (fam->when != NULL && json_object_get(t, fam->when) == NULL)
				continue;
			sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help,
					fam->name, fam->type);
			draw_family(b, fam, m);
		}
		json_decref(t);
	}
}

void
prom_format(struct sbuf *b, const struct metrics_snap *s)
{
	for (unsigned int i = 0; i < RTE_DIM(prom_families); i++)
		family(b, &prom_families[i], s);
	/* The features' per-port counters, declared as data (feature.h). */
	for (unsigned int k = 0; k < s->pl->nb_features; k++)
		for (const struct stp_port_counter *c = s->pl->features[k]->port_counters;
				c != NULL && c->key != NULL; c++) {
			sbuf_printf(b, "# HELP %s %s\n# TYPE %s counter\n", c->family, c->help,
					c->family);
			for (unsigned int i = 0; i < s->pl->ports->nb; i++)
				sample(b, c->family, "port", s->pl->ports->ports[i].cfg->name,
						stp_port_counter_sum(s->pl, k, c,
								s->pl->ports->ports[i].port_id));
		}
	prom_features(b, s);
}
