/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Metrics: the snapshot of the counters, the DPDK telemetry endpoints, start and stop.
 *
 * Readers run on control threads only: DPDK's telemetry threads (one per connected client) and
 * the HTTP server thread. They take `lock`, which guards nothing but the pipeline pointer, so the
 * main thread can stop the pipeline after metrics_stop() knowing no reader still looks at it.
 * The datapath never sees the lock: counters are read with relaxed atomic loads.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "metrics.h"
#include "metrics_priv.h"
#include "port_kern.h"
#include "ratewin.h"

RTE_LOG_REGISTER_SUFFIX(metrics_logtype, metrics, INFO);

static struct {
	pthread_mutex_t lock;	 /* guards pl: control threads only */
	struct stp_pipeline *pl; /* NULL: stopped */
	char version[32];	 /* written before pl is published */
	bool registered;	 /* telemetry commands registered (cannot be undone) */
	uint64_t start;		 /* TSC when pl was published: the first rate window's start */
	struct stp_ratewin port_win[CFG_MAX_PORTS]; /* /stampede/ports rates, by cfg index */
} mt = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ---------------------------------------------------------------------------------------------- */
/* Snapshot */

struct metrics_snap *
metrics_snap_get(void)
{
	struct metrics_snap *s = calloc(1, sizeof(*s));
	const struct stp_pipeline *pl;
	int64_t in_flight;

	if (s == NULL)
		return NULL;
	pthread_mutex_lock(&mt.lock);
	pl = mt.pl;
	if (pl == NULL) {
		pthread_mutex_unlock(&mt.lock);
		free(s);
		return NULL;
	}
	s->pl = pl;
	s->version = mt.version;
	stp_stats_sum(pl, &s->sum);
	s->dropped = stp_stats_dropped(&s->sum);
	in_flight = stp_stats_in_flight(&s->sum);
	s->in_flight = in_flight > 0 ? (uint64_t)in_flight : 0;
	for (unsigned int i = 0; i < pl->ports->nb && i < CFG_MAX_PORTS; i++)
		if (port_stats_get(pl->ports->ports[i].port_id, &s->eth[i]) != 0)
			memset(&s->eth[i], 0, sizeof(s->eth[i]));
		else
			s->missed[port_miss_kind(&pl->ports->ports[i])] += s->eth[i].imissed;
	return s;
}

void
metrics_snap_put(struct metrics_snap *s)
{
	if (s == NULL)
		return;
	pthread_mutex_unlock(&mt.lock);
	free(s);
}

/* ---------------------------------------------------------------------------------------------- */
/* Telemetry endpoints */

/*
 * Telemetry columns: an array under a key of a telemetry dict, one value per row, as every
 * stampede endpoint that lists things (ports, lcores, rules, outputs) answers.
 */

/* Add column @p name of @p n integers to dict @p d. 0, -ENOMEM or -ENOSPC. */
static int
tel_col_u64(struct rte_tel_data *d, const char *name, const uint64_t *v, unsigned int n)
{
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(c, RTE_TEL_U64_VAL);
	for (unsigned int i = 0; i < n; i++)
		rte_tel_data_add_array_u64(c, v[i]);
	if (rte_tel_data_add_dict_container(d, name, c, 0) != 0) {
		rte_tel_data_free(c);
		return -ENOSPC;
	}
	return 0;
}

/* Add column @p name of @p n strings to dict @p d. 0, -ENOMEM or -ENOSPC. */
static int
tel_col_str(struct rte_tel_data *d, const char *name, const char *const *v, unsigned int n)
{
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(c, RTE_TEL_STRING_VAL);
	for (unsigned int i = 0; i < n; i++)
		rte_tel_data_add_array_string(c, v[i]);
	if (rte_tel_data_add_dict_container(d, name, c, 0) != 0) {
		rte_tel_data_free(c);
		return -ENOSPC;
	}
	return 0;
}

static const char *
roles_name(uint32_t roles)
{
	static const char *const names[8] = {
		"",
		"rx",
		"worker",
		"rx,worker",
		"tx",
		"rx,tx",
		"worker,tx",
		"rx,worker,tx",
	};

	return names[roles & 7];
}

/*
 * Lists go out in columns: DPDK 22.11 telemetry nests one level only (a dict of arrays of
 * numbers or strings), so a list of objects is one array per field, entry i of every array
 * describing object i: {"name": ["in", "out"], "rx_packets": [5, 7], ...}.
 */
static int
tel_info(const struct metrics_snap *s, const char *params, struct rte_tel_data *d)
{
	const struct stp_config *cfg = s->pl->cfg;

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", s->version);
	rte_tel_data_add_dict_u64(d, "node_id", cfg->node.id);
	rte_tel_data_add_dict_string(d, "description", cfg->node.description);
	rte_tel_data_add_dict_u64(d, "ports", s->pl->ports->nb);
	rte_tel_data_add_dict_u64(d, "lcores", s->pl->nb_lcores);
	for (unsigned int k = 0; k < s->pl->nb_features; k++) {
		const struct stp_feature_ui *ui = s->pl->features[k]->ui;

		if (ui != NULL && ui->count != NULL)
			rte_tel_data_add_dict_u64(d, ui->key, ui->count(s->pl));
	}
	rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	return 0;
}

static int
tel_totals(const struct metrics_snap *s, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "received", s->sum.rx_pkts);
	rte_tel_data_add_dict_u64(d, "received_bytes", s->sum.rx_bytes);
	rte_tel_data_add_dict_u64(d, "replicated", s->sum.replicas);
	rte_tel_data_add_dict_u64(d, "generated", s->sum.generated);
	rte_tel_data_add_dict_u64(d, "consumed", s->sum.consumed);
	rte_tel_data_add_dict_u64(d, "transmitted", s->sum.tx_pkts);
	rte_tel_data_add_dict_u64(d, "captured", s->sum.written);
	rte_tel_data_add_dict_u64(d, "dropped", s->dropped);
	rte_tel_data_add_dict_u64(d, "in_flight", s->in_flight);
	return 0;
}

/* The driver counters of /stampede/ports: column name, field of struct rte_eth_stats. */
static const struct {
	const char *name;
	size_t off;
} port_eth_cols[] = {
	{ "rx_packets", offsetof(struct rte_eth_stats, ipackets) },
	{ "rx_bytes", offsetof(struct rte_eth_stats, ibytes) },
	{ "tx_packets", offsetof(struct rte_eth_stats, opackets) },
	{ "tx_bytes", offsetof(struct rte_eth_stats, obytes) },
	{ "imissed", offsetof(struct rte_eth_stats, imissed) },
	{ "ierrors", offsetof(struct rte_eth_stats, ierrors) },
	{ "oerrors", offsetof(struct rte_eth_stats, oerrors) },
	{ "rx_nombuf", offsetof(struct rte_eth_stats, rx_nombuf) },
};

static int
tel_ports(const struct metrics_snap *s, const char *params, struct rte_tel_data *d)
{
	const struct port_set *ps = s->pl->ports;
	const char *name[CFG_MAX_PORTS], *drv[CFG_MAX_PORTS], *ts[CFG_MAX_PORTS];
	uint64_t id[CFG_MAX_PORTS], link[CFG_MAX_PORTS], app_rx[CFG_MAX_PORTS];
	uint64_t app_tx[CFG_MAX_PORTS], v[CFG_MAX_PORTS];
	unsigned int n = ps->nb;
	int rc = 0;

	for (unsigned int i = 0; i < n; i++) {
		const struct port_rt *pr = &ps->ports[i];

		name[i] = pr->cfg->name;
		drv[i] = pr->drv_name;
		ts[i] = pkt_ts_src_name(pr->ts_src);
		id[i] = pr->port_id;
		link[i] = __atomic_load_n(&s->pl->link_up[pr->port_id], __ATOMIC_RELAXED);
		app_rx[i] = s->sum.port_rx[pr->port_id];
		app_tx[i] = s->sum.port_tx[pr->port_id];
	}
	rte_tel_data_start_dict(d);
	rc |= tel_col_str(d, "name", name, n);
	rc |= tel_col_u64(d, "port_id", id, n);
	rc |= tel_col_str(d, "driver", drv, n);
	rc |= tel_col_str(d, "timestamp", ts, n);
	rc |= tel_col_u64(d, "link_up", link, n);
	for (unsigned int c = 0; c < RTE_DIM(port_eth_cols); c++) {
		for (unsigned int i = 0; i < n; i++)
			v[i] = *(const uint64_t *)((const char *)&s->eth[i] + port_eth_cols[c].off);
		rc |= tel_col_u64(d, port_eth_cols[c].name, v, n);
	}
	rc |= tel_col_u64(d, "app_rx", app_rx, n);
	rc |= tel_col_u64(d, "app_tx", app_tx, n);
	/* Rates of the driver's counters over the last window of >= 1 s (ratewin.h), as
	 * testpmd's show port stats: packets and bits (bytes x 8) per second. */
	{
		static const char *const rate_cols[4] = { "rx_pps", "rx_bps", "tx_pps", "tx_bps" };
		uint64_t r[4][CFG_MAX_PORTS], now = rte_get_tsc_cycles();

		for (unsigned int i = 0; i < n; i++) {
			const struct rte_eth_stats *e = &s->eth[i];
			uint64_t cur[4] = { e->ipackets, e->ibytes * 8, e->opackets,
				e->obytes * 8 };
			double out[4];

			/* mt.lock is held (metrics_snap_get): one reader moves the window. */
			stp_ratewin_read(&mt.port_win[i], mt.start, now, rte_get_tsc_hz(), cur, 4,
					out);
			for (unsigned int k = 0; k < 4; k++)
				r[k][i] = (uint64_t)(out[k] + 0.5);
		}
		for (unsigned int k = 0; k < 4; k++)
			rc |= tel_col_u64(d, rate_cols[k], r[k], n);
	}
	/* The features' per-port counters, declared as data (feature.h). */
	for (unsigned int k = 0; k < s->pl->nb_features; k++)
		for (const struct stp_port_counter *c = s->pl->features[k]->port_counters;
				c != NULL && c->key != NULL; c++) {
			for (unsigned int i = 0; i < n; i++)
				v[i] = stp_port_counter_sum(s->pl, k, c, ps->ports[i].port_id);
			rc |= tel_col_u64(d, c->key, v, n);
		}
	return rc != 0 ? -ENOMEM : 0;
}

/* The per-lcore counters of /stampede/lcores: column name, field of struct stp_lcore_stats. */
static const struct {
	const char *name;
	size_t off;
} lcore_cols[] = {
	{ "rx_packets", offsetof(struct stp_lcore_stats, rx_pkts) },
	{ "rx_bytes", offsetof(struct stp_lcore_stats, rx_bytes) },
	{ "tx_packets", offsetof(struct stp_lcore_stats, tx_pkts) },
	{ "loops", offsetof(struct stp_lcore_stats, loops) },
	{ "busy_cycles", offsetof(struct stp_lcore_stats, busy_cycles) },
	{ "work_packets", offsetof(struct stp_lcore_stats, work_pkts) },
	{ "idle_sleeps", offsetof(struct stp_lcore_stats, idle_sleeps) },
};

static int
tel_lcores(const struct metrics_snap *s, const char *params, struct rte_tel_data *d)
{
	const char *roles[CFG_MAX_LCORES];
	uint64_t id[CFG_MAX_LCORES], drops[CFG_MAX_LCORES], v[CFG_MAX_LCORES];
	unsigned int n = s->pl->nb_lcores;
	int rc = 0;

	for (unsigned int i = 0; i < n; i++) {
		const struct stp_lcore *lc = s->pl->lcores[i];

		id[i] = lc->lcore_id;
		roles[i] = roles_name(lc->roles);
		drops[i] = 0;
		for (unsigned int k = 0; k < STP_DROP_MAX; k++)
			drops[i] += __atomic_load_n(&lc->stats.drops[k], __ATOMIC_RELAXED);
	}
	rte_tel_data_start_dict(d);
	rc |= tel_col_u64(d, "lcore", id, n);
	rc |= tel_col_str(d, "roles", roles, n);
	for (unsigned int c = 0; c < RTE_DIM(lcore_cols); c++) {
		for (unsigned int i = 0; i < n; i++)
			v[i] = stp_lcore_stat(s->pl->lcores[i], lcore_cols[c].off);
		rc |= tel_col_u64(d, lcore_cols[c].name, v, n);
	}
	rc |= tel_col_u64(d, "dropped", drops, n);
	/* Each worker stage's cost, as rte_graph counts per node: stage_<name>_cycles, _packets. */
	for (unsigned int k = 0; k < s->pl->nb_stages; k++) {
		char key[64];

		for (unsigned int i = 0; i < n; i++)
			v[i] = __atomic_load_n(
					&s->pl->lcores[i]->stats.stage_cycles[k], __ATOMIC_RELAXED);
		snprintf(key, sizeof(key), "stage_%s_cycles", s->pl->stages[k]->name);
		rc |= tel_col_u64(d, key, v, n);
		for (unsigned int i = 0; i < n; i++)
			v[i] = __atomic_load_n(
					&s->pl->lcores[i]->stats.stage_pkts[k], __ATOMIC_RELAXED);
		snprintf(key, sizeof(key), "stage_%s_packets", s->pl->stages[k]->name);
		rc |= tel_col_u64(d, key, v, n);
	}
	return rc != 0 ? -ENOMEM : 0;
}

static int
tel_drops(const struct metrics_snap *s, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned int k = 0; k < STP_DROP_MAX; k++)
		rte_tel_data_add_dict_u64(d, stp_drop_name(k), s->sum.drops[k]);
	return 0;
}

/* Packets lost before stampede read them, per kind (missed in --stats-json). */
static int
tel_missed(const struct metrics_snap *s, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned int m = 0; m < PORT_MISS_MAX; m++)
		rte_tel_data_add_dict_u64(d, port_miss_name(m), s->missed[m]);
	return 0;
}

/*
 * Packets per source, then the hardware clocks in columns (one entry per port stamping with
 * its device clock): clock_port, clock_kind, clock_frequency_hz (integer), clock_drift_ppm,
 * clock_offset_ns and clock_last_error_ns (signed, which telemetry's u64 arrays do not hold:
 * decimal strings), clock_samples, clock_rejects, clock_steps.
 */
static int
tel_timestamps(const struct metrics_snap *s, const char *params, struct rte_tel_data *d)
{
	const struct port_set *ps = s->pl->ports;
	const char *name[CFG_MAX_PORTS], *kind[CFG_MAX_PORTS], *off[CFG_MAX_PORTS],
			*err[CFG_MAX_PORTS], *ppm[CFG_MAX_PORTS];
	char offb[CFG_MAX_PORTS][24], errb[CFG_MAX_PORTS][24], ppmb[CFG_MAX_PORTS][24];
	uint64_t hz[CFG_MAX_PORTS], smp[CFG_MAX_PORTS], rej[CFG_MAX_PORTS], stp[CFG_MAX_PORTS];
	unsigned int n = 0;
	int rc = 0;

	rte_tel_data_start_dict(d);
	for (unsigned int t = 0; t < PKT_TS_MAX; t++)
		rte_tel_data_add_dict_u64(d, pkt_ts_src_name(t), s->sum.ts_src[t]);
	for (unsigned int i = 0; i < ps->nb; i++) {
		struct port_clock_view v;

		port_clock_view(&ps->ports[i], &v);
		if (!v.hw)
			continue;
		name[n] = ps->ports[i].cfg->name;
		kind[n] = port_clock_name(v.kind);
		hz[n] = (uint64_t)(v.hz + 0.5);
		snprintf(ppmb[n], sizeof(ppmb[n]), "%.3f", v.drift_ppm);
		ppm[n] = ppmb[n];
		snprintf(offb[n], sizeof(offb[n]), "%" PRId64, v.offset_ns);
		snprintf(errb[n], sizeof(errb[n]), "%" PRId64, v.last_error_ns);
		off[n] = offb[n];
		err[n] = errb[n];
		smp[n] = v.samples;
		rej[n] = v.rejects;
		stp[n] = v.steps;
		n++;
	}
	if (n == 0)
		return 0;
	rc |= tel_col_str(d, "clock_port", name, n);
	rc |= tel_col_str(d, "clock_kind", kind, n);
	rc |= tel_col_u64(d, "clock_frequency_hz", hz, n);
	rc |= tel_col_str(d, "clock_drift_ppm", ppm, n);
	rc |= tel_col_str(d, "clock_offset_ns", off, n);
	rc |= tel_col_str(d, "clock_last_error_ns", err, n);
	rc |= tel_col_u64(d, "clock_samples", smp, n);
	rc |= tel_col_u64(d, "clock_rejects", rej, n);
	rc |= tel_col_u64(d, "clock_steps", stp, n);
	return rc != 0 ? -ENOMEM : 0;
}

/*
 * The endpoints: adding one is a row here and a function above. Names follow DPDK's rules
 * (letters, digits, '_' and '/'); dict keys are fixed words, user-given names (ports, rules,
 * outputs) are values, which telemetry escapes.
 */
/* Telemetry names take only A-Z a-z 0-9 _ /: anything else in @p key becomes '_' ("p99.9"). */
static void
tel_key_clean(char *key)
{
	for (char *c = key; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '/')
			*c = '_';
}

/*
 * A flat JSON object (nested objects flattened as "<key>_<subkey>") into a telemetry dict:
 * integers and booleans as u64 (negative ones as int), reals as int (rounded), strings as strings.
 */
static int
tel_from_json(struct rte_tel_data *d, const json_t *o, const char *prefix)
{
	const char *k;
	const json_t *v;
	char key[RTE_TEL_MAX_STRING_LEN];
	int rc = 0;

	json_object_foreach((json_t *)o, k, v) {
		if (strcmp(k, "name") == 0 || strcmp(k, "direction") == 0)
			continue;
		snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "_" : "", k);
		tel_key_clean(key);
		if (json_is_object(v))
			rc |= tel_from_json(d, v, key);
		else if (json_is_integer(v) && json_integer_value(v) >= 0)
			rc |= rte_tel_data_add_dict_u64(d, key, (uint64_t)json_integer_value(v));
		else if (json_is_integer(v))
			rc |= rte_tel_data_add_dict_int(d, key, (int)json_integer_value(v));
		else if (json_is_real(v))
			rc |= rte_tel_data_add_dict_u64(d, key,
					(uint64_t)(json_real_value(v) > 0 ?
									json_real_value(v) + 0.5 :
									0));
		else if (json_is_boolean(v))
			rc |= rte_tel_data_add_dict_u64(d, key, json_is_true(v));
		else if (json_is_string(v) && strcmp(k, "note") != 0) {
			/* A string longer than telemetry takes (a path) is cut, not an error. */
			int r = rte_tel_data_add_dict_string(d, key, json_string_value(v));

			rc |= r == E2BIG ? 0 : r;
		}
	}
	return rc;
}

/* The JSON object @p o as a telemetry dict, under @p key of @p d. */
static int
tel_add_json_dict(struct rte_tel_data *d, const char *key, const json_t *o)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	int rc;

	if (c == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(c);
	rc = tel_from_json(c, o, "");
	if (rte_tel_data_add_dict_container(d, key, c, 0) != 0) {
		rte_tel_data_free(c);
		return -ENOSPC;
	}
	return rc;
}

/*
 * A feature's endpoint (struct stp_tel): the integers, true booleans and strings at the top of
 * its object, then each group as it says, then the histogram summaries of its HISTS groups
 * (ns, the mean rounded) in columns, one row per entry and name: "scope", "name", "kind",
 * "count", "min", "mean", "p50", "p90", "p99", "p99_9", "p99_99", "max". (22.11 telemetry:
 * names of [A-Za-z0-9_/] only, and one level of nesting.)
 */
#define FEAT_TEL_ROWS 512

static const char *const feat_tel_stats[][2] = {
	{ "count", "count" },
	{ "min", "min" },
	{ "mean", "mean" },
	{ "p50", "p50" },
	{ "p90", "p90" },
	{ "p99", "p99" },
	{ "p99.9", "p99_9" },
	{ "p99.99", "p99_99" },
	{ "max", "max" },
};

struct feat_tel_cols {
	unsigned int n;
	const char *scope[FEAT_TEL_ROWS];
	const char *name[FEAT_TEL_ROWS];
	const char *kind[FEAT_TEL_ROWS];
	uint64_t v[RTE_DIM(feat_tel_stats)][FEAT_TEL_ROWS];
};

/* A HISTS group's rows (struct stp_tel_group). */
static void
tel_hists(struct feat_tel_cols *c, const struct stp_tel_group *g, const json_t *list)
{
	size_t i;
	const json_t *e;

	json_array_foreach(list, i, e) {
		for (unsigned int k = 0; g->names[k] != NULL && c->n < FEAT_TEL_ROWS; k++) {
			const json_t *h = json_object_get(e, g->names[k]);

			c->scope[c->n] = g->prefix;
			c->name[c->n] = stp_json_str(e, "name");
			c->kind[c->n] = g->names[k];
			for (unsigned int j = 0; j < RTE_DIM(feat_tel_stats); j++)
				c->v[j][c->n] = (uint64_t)(json_number_value(json_object_get(h,
									   feat_tel_stats[j][0])) +
						0.5);
			c->n++;
		}
	}
}

/* "PREFIX_ID" (prefix NULL: "ID") of entry @p e (index @p i, or member name @p name). */
static void
tel_group_key(char *key, size_t len, const struct stp_tel_group *g, const char *name, size_t i,
		const json_t *e)
{
	size_t n = (size_t)snprintf(key, len, "%s", g->prefix != NULL ? g->prefix : "");

	if (name != NULL)
		snprintf(key + n, len - n, "_%s", name);
	else if (g->id == NULL)
		snprintf(key + n, len - n, "_%zu", i);
	for (const char *const *m = g->id; name == NULL && m != NULL && *m != NULL; m++) {
		const json_t *v = json_object_get(e, *m);

		n = strlen(key);
		if (json_is_integer(v))
			snprintf(key + n, len - n, "%s%" JSON_INTEGER_FORMAT, n > 0 ? "_" : "",
					json_integer_value(v));
		else if (json_is_string(v))
			snprintf(key + n, len - n, "%s%s", n > 0 ? "_" : "", json_string_value(v));
		else if (g->prefix != NULL)
			snprintf(key + n, len - n, "_");
	}
	tel_key_clean(key);
}

/* A COLUMNS group: one array per name, strings or integers as the first entry has them. */
static int
tel_columns(struct rte_tel_data *d, const struct stp_tel_group *g, const json_t *a)
{
	unsigned int n = (unsigned int)json_array_size(a);
	const char **str = calloc(n + 1, sizeof(*str));
	uint64_t *u = calloc(n + 1, sizeof(*u));
	int rc = 0;

	if (str == NULL || u == NULL) {
		free(str);
		free(u);
		return -ENOMEM;
	}
	for (const char *const *c = g->names; *c != NULL; c++) {
		bool is_str = n > 0 && json_is_string(json_object_get(json_array_get(a, 0), *c));

		for (unsigned int i = 0; i < n; i++) {
			const json_t *v = json_object_get(json_array_get(a, i), *c);

			str[i] = json_string_value(v) != NULL ? json_string_value(v) : "";
			u[i] = json_is_true(v) ? 1 : (uint64_t)json_integer_value(v);
		}
		rc |= is_str ? tel_col_str(d, *c, str, n) : tel_col_u64(d, *c, u, n);
	}
	free(str);
	free(u);
	return rc;
}

/* Member @p m of an endpoint's object as group @p g says (struct stp_tel_group). */
static int
tel_group(struct rte_tel_data *d, const struct stp_tel_group *g, const json_t *m,
		struct feat_tel_cols *c)
{
	char key[RTE_TEL_MAX_STRING_LEN];
	const char *name;
	const json_t *e;
	size_t i;
	int rc = 0;

	switch (g->how) {
	case STP_TEL_FLAT:
		if (json_is_object(m))
			return tel_from_json(d, m, g->key);
		json_array_foreach(m, i, e) {
			tel_group_key(key, sizeof(key), g, NULL, i, e);
			rc |= tel_from_json(d, e, key);
		}
		return rc;
	case STP_TEL_CONTAINERS:
		if (json_is_array(m)) {
			json_array_foreach(m, i, e) {
				tel_group_key(key, sizeof(key), g, NULL, i, e);
				rc |= tel_add_json_dict(d, key, e);
			}
		} else {
			json_object_foreach((json_t *)m, name, e) {
				tel_group_key(key, sizeof(key), g, name, 0, e);
				rc |= tel_add_json_dict(d, key, e);
			}
		}
		return rc;
	case STP_TEL_COLUMNS:
		return tel_columns(d, g, m);
	case STP_TEL_HISTS:
		tel_hists(c, g, m);
		return 0;
	}
	return 0;
}

/* Endpoint @p t of feature @p f: its object drawn by the one drawer (struct stp_tel). */
static int
tel_feature(const struct metrics_snap *s, const struct stp_feature *f, const struct stp_tel *t,
		const char *params, struct rte_tel_data *d)
{
	json_t *o, *v;
	struct feat_tel_cols *c;
	const char *k;
	int rc = 0;

	if (t->json != NULL) {
		o = t->json(s->pl, &s->sum, params != NULL && params[0] ? params : NULL);
		if (o == NULL)
			return -EINVAL;
		rte_tel_data_start_dict(d);
	} else {
		o = stp_feature_view_key(s->pl, f->name, f->ui->key);
		rte_tel_data_start_dict(d);
		if (o == NULL) {
			rte_tel_data_add_dict_u64(d, "enabled", 0);
			return 0;
		}
		if (json_object_get(o, "enabled") == NULL)
			rc |= rte_tel_data_add_dict_u64(d, "enabled", 1);
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		json_decref(o);
		return -ENOMEM;
	}
	json_object_foreach(o, k, v) {
		if (json_is_integer(v))
			rc |= rte_tel_data_add_dict_u64(d, k, (uint64_t)json_integer_value(v));
		else if (json_is_true(v))
			rc |= rte_tel_data_add_dict_u64(d, k, 1);
		else if (json_is_string(v))
			rc |= rte_tel_data_add_dict_string(d, k, json_string_value(v));
	}
	for (const struct stp_tel_group *g = t->groups; g != NULL && g->key != NULL; g++)
		rc |= tel_group(d, g, json_object_get(o, g->key), c);
	if (c->n > 0) {
		rc |= tel_col_str(d, "scope", c->scope, c->n);
		rc |= tel_col_str(d, "name", c->name, c->n);
		rc |= tel_col_str(d, "kind", c->kind, c->n);
		for (unsigned int j = 0; j < RTE_DIM(feat_tel_stats); j++)
			rc |= tel_col_u64(d, feat_tel_stats[j][1], c->v[j], c->n);
	}
	free(c);
	json_decref(o);
	return rc != 0 ? -ENOMEM : 0;
}

/* The feature endpoint @p cmd of @p pl's registry (and its feature in @p fp), or NULL. */
static const struct stp_tel *
tel_find(const struct stp_pipeline *pl, const char *cmd, const struct stp_feature **fp)
{
	for (const struct stp_feature *const *f = pl->features; *f != NULL; f++)
		for (const struct stp_tel *t = (*f)->ui != NULL ? (*f)->ui->tel : NULL;
				t != NULL && t->cmd != NULL; t++)
			if (strcmp(t->cmd, cmd) == 0) {
				*fp = *f;
				return t;
			}
	return NULL;
}

static const struct {
	const char *cmd;
	int (*fill)(const struct metrics_snap *s, const char *params, struct rte_tel_data *d);
	const char *help;
} tel_endpoints[] = {
	{ "/stampede/info", tel_info, "Node, version, sizes. No parameters" },
	{ "/stampede/totals", tel_totals,
			"Received, replicated, transmitted, captured, dropped, in flight. No parameters" },
	{ "/stampede/ports", tel_ports,
			"Per port: driver and stampede counters, timestamp source. No parameters" },
	{ "/stampede/lcores", tel_lcores, "Per datapath lcore: roles, counters. No parameters" },
	{ "/stampede/drops", tel_drops, "Packets dropped, per reason. No parameters" },
	{ "/stampede/missed", tel_missed,
			"Packets lost before stampede read them (ports' imissed), per reason. No "
			"parameters" },
	{ "/stampede/timestamps", tel_timestamps,
			"Packets stamped, per source; hardware clocks (clock_*). No parameters" },
};

static int
tel_dispatch(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct metrics_snap *s;
	int rc = -ENOENT;

	s = metrics_snap_get();
	if (s == NULL)
		return -EAGAIN; /* stopped: telemetry answers null */
	for (unsigned int i = 0; i < RTE_DIM(tel_endpoints); i++)
		if (strcmp(cmd, tel_endpoints[i].cmd) == 0) {
			rc = tel_endpoints[i].fill(s, params, d);
			break;
		}
	if (rc == -ENOENT) {
		const struct stp_feature *f = NULL;
		const struct stp_tel *t = tel_find(s->pl, cmd, &f);

		if (t != NULL)
			rc = tel_feature(s, f, t, params, d);
	}
	metrics_snap_put(s);
	return rc;
}

/* ---------------------------------------------------------------------------------------------- */
/* Public API */

int
metrics_parse_listen(const char *s, struct cfg_metrics *m, char *err, size_t errlen)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char host[CFG_LISTEN_LEN];
	const char *colon, *h = s;
	unsigned long port;
	size_t hlen;
	char *end;

	colon = strrchr(s, ':');
	if (colon == NULL || colon == s)
		goto bad;
	hlen = colon - s;
	if (s[0] == '[') {
		if (hlen < 3 || s[hlen - 1] != ']')
			goto bad;
		h = s + 1;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, addr) != 1 && inet_pton(AF_INET6, host, addr) != 1)
		goto bad;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || port > 65535)
		goto bad;
	m->enabled = true;
	memcpy(m->listen, host, hlen + 1);
	m->port = (uint16_t)port;
	return 0;
bad:
	snprintf(err, errlen,
			"--metrics: \"%s\" is not ADDR:PORT with an IPv4 or [IPv6] address and a "
			"port in [0..65535] (e.g. 127.0.0.1:9464, [::1]:9464; 0: any free port)",
			s);
	return -EINVAL;
}

int
metrics_start(struct stp_pipeline *pl, const char *version, char err[CFG_ERR_LEN])
{
	char msg[CFG_ERR_LEN];
	int rc;

	if (!mt.registered) {
		for (unsigned int i = 0; i < RTE_DIM(tel_endpoints); i++) {
			rc = rte_telemetry_register_cmd(
					tel_endpoints[i].cmd, tel_dispatch, tel_endpoints[i].help);
			if (rc != 0)
				MT_LOG(WARNING, "cannot register telemetry command %s: %s",
						tel_endpoints[i].cmd, strerror(-rc));
		}
		/* The features' endpoints (struct stp_feature_ui). */
		for (const struct stp_feature *const *fp = pl->features; *fp != NULL; fp++) {
			const struct stp_feature_ui *ui = (*fp)->ui;

			for (const struct stp_tel *t = ui != NULL ? ui->tel : NULL;
					t != NULL && t->cmd != NULL; t++) {
				rc = rte_telemetry_register_cmd(t->cmd, tel_dispatch,
						t->help != NULL ? t->help : "");
				if (rc != 0)
					MT_LOG(WARNING, "cannot register telemetry command %s: %s",
							t->cmd, strerror(-rc));
			}
		}
		mt.registered = true;
	}
	pthread_mutex_lock(&mt.lock);
	snprintf(mt.version, sizeof(mt.version), "%s", version);
	mt.pl = pl;
	mt.start = rte_get_tsc_cycles();
	memset(mt.port_win, 0, sizeof(mt.port_win));
	pthread_mutex_unlock(&mt.lock);

	if (!pl->cfg->metrics.enabled)
		return 0;
	rc = http_start(&pl->cfg->metrics, msg, sizeof(msg));
	if (rc != 0) {
		metrics_stop();
		cfg_errf(pl->cfg, err, "metrics", "%s", msg);
		return rc;
	}
	return 0;
}

void
metrics_stop(void)
{
	http_stop();
	pthread_mutex_lock(&mt.lock);
	mt.pl = NULL;
	pthread_mutex_unlock(&mt.lock);
}

const char *
metrics_url(void)
{
	return http_url();
}

char *
metrics_prometheus_text(size_t *len)
{
	struct sbuf b = { 0 };
	struct metrics_snap *s;

	s = metrics_snap_get();
	if (s == NULL)
		return NULL;
	prom_format(&b, s);
	metrics_snap_put(s);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	if (len != NULL)
		*len = b.len;
	return b.p;
}

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p != NULL ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += n;
			return;
		}
		{
			size_t cap = b->cap ? b->cap * 2 : 16384;
			char *p;

			while (cap - b->len <= (size_t)n)
				cap *= 2;
			p = realloc(b->p, cap);
			if (p == NULL) {
				b->oom = true;
				return;
			}
			b->p = p;
			b->cap = cap;
		}
	}
}
