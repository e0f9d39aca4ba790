/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Control actions shared by every front end (console, command files, the console socket,
 * telemetry). Reads sum the lcores' single-writer counters; writes go through the pipeline's
 * publish points (stp_rules_replace(), out_paused). One mutex serialises the callers.
 */

#include <errno.h>
#include <unistd.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "ctl.h"
#include "port_kern.h"
#include "pcapng.h"
#include "sat.h"

/* What "clear stats" remembers of one lcore. */
struct ctl_lcore_base {
	uint64_t rx_pkts;
	uint64_t tx_pkts;
	uint64_t loops;
	uint64_t busy_cycles;
	uint64_t work_pkts;
	uint64_t stage_cycles[STP_MAX_STAGES];
	uint64_t stage_pkts[STP_MAX_STAGES];
};

/*
 * A configuration that was running. Kept until ctl_destroy(): code outside ctl (a metrics
 * thread, say) that read pl->cfg just before a rule change must find it intact.
 */
struct ctl_retired {
	struct ctl_retired *next;
	struct stp_config *cfg;
};

struct ctl {
	pthread_mutex_t lock; /* every public function holds it */
	struct ctl_retired *retired;
	struct stp_pipeline *pl;
	const struct stp_config *orig; /* pl->cfg at create (main's) */
	struct stp_config *running;    /* ctl's copy once rules changed, else NULL */
	uint64_t t0;		       /* TSC at create or at the last clear */
	bool cleared;
	struct stp_lcore_stats base; /* sum at the last clear (zero before) */
	struct ctl_lcore_base lc_base[CFG_MAX_LCORES];
	/*
	 * The drivers' counters at the last clear. They are subtracted, never reset: a reset races
	 * with PMDs that count with plain read-modify-write on the datapath (net_ring lost it),
	 * and would break the monotonic counters Prometheus and telemetry expose.
	 */
	struct rte_eth_stats eth_base[CFG_MAX_PORTS];
};

static json_t *
jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static const struct stp_config *
running_cfg(const struct ctl *c)
{
	return c->pl->cfg;
}

struct ctl *
ctl_create(struct stp_pipeline *pl)
{
	struct ctl *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	c->pl = pl;
	c->orig = pl->cfg;
	c->t0 = rte_get_timer_cycles();
	return c;
}

void
ctl_destroy(struct ctl *c)
{
	if (c == NULL)
		return;
	if (c->running != NULL) {
		__atomic_store_n(&c->pl->cfg, c->orig, __ATOMIC_RELEASE);
		free(c->running);
	}
	while (c->retired != NULL) {
		struct ctl_retired *r = c->retired;

		c->retired = r->next;
		free(r->cfg);
		free(r);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void
ctl_lock(struct ctl *c)
{
	pthread_mutex_lock(&c->lock);
}

void
ctl_unlock(struct ctl *c)
{
	pthread_mutex_unlock(&c->lock);
}

struct stp_pipeline *
ctl_pipeline(struct ctl *c)
{
	return c->pl;
}

/* ---------------------------------------------------------------------------------------------- */
/* Ports */

/* Config index of the port @p which names, -1 for all; -ENOENT with @p err filled. */
static int
port_select(const struct ctl *c, const char *which, char err[CFG_ERR_LEN])
{
	const struct port_set *ps = c->pl->ports;
	char *end;
	unsigned long id;
	int idx;

	if (which == NULL || strcmp(which, "all") == 0)
		return -1;
	id = strtoul(which, &end, 10);
	if (*end == '\0' && end != which) {
		if (id < PORT_MAX && ps->by_id[id] != NULL)
			return ps->by_id[id]->cfg_idx;
	} else {
		idx = cfg_port_by_name(running_cfg(c), which);
		if (idx >= 0 && idx < ps->nb)
			return idx;
	}
	snprintf(err, CFG_ERR_LEN, "no port \"%s\" (a port id, a port name, or all)", which);
	return -ENOENT;
}

static json_t *
offload_names(uint64_t bits, const char *(*name)(uint64_t))
{
	json_t *a = json_array();

	for (unsigned int b = 0; b < 64; b++)
		if (bits & (1ULL << b))
			json_array_append_new(a, json_string(name(1ULL << b)));
	return a;
}

/* "started", or "stopped" by ctl_port_run(). */
static const char *
port_state(const struct ctl *c, const struct port_rt *pr)
{
	return __atomic_load_n(&c->pl->port_stopped[pr->port_id], __ATOMIC_RELAXED) ? "stopped" :
										      "started";
}

static json_t *
port_info(const struct ctl *c, const struct port_rt *pr)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	struct rte_eth_link link;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	uint16_t mtu = 0;
	json_t *o;

	memset(&info, 0, sizeof(info));
	memset(&conf, 0, sizeof(conf));
	memset(&link, 0, sizeof(link));
	rte_eth_dev_info_get(pr->port_id, &info);
	rte_eth_dev_conf_get(pr->port_id, &conf);
	rte_eth_link_get_nowait(pr->port_id, &link);
	rte_eth_dev_get_mtu(pr->port_id, &mtu);
	rte_ether_format_addr(mac, sizeof(mac), &pr->mac);
	o = json_object();
	json_object_set_new(o, "name", json_string(pr->cfg->name));
	json_object_set_new(o, "port_id", jint(pr->port_id));
	json_object_set_new(o, "driver", json_string(pr->drv_name));
	json_object_set_new(o, "device", json_string(pr->cfg->device));
	json_object_set_new(o, "mac", json_string(mac));
	json_object_set_new(o, "state", json_string(port_state(c, pr)));
	json_object_set_new(o, "link",
			json_pack("{s:b, s:I, s:s}", "up", link.link_status == RTE_ETH_LINK_UP,
					"speed_mbps",
					(json_int_t)(link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ?
									0 :
									link.link_speed),
					"duplex",
					link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX ? "full" :
										       "half"));
	json_object_set_new(o, "mtu", jint(mtu));
	json_object_set_new(o, "rx_queues", jint(info.nb_rx_queues));
	json_object_set_new(o, "tx_queues", jint(info.nb_tx_queues));
	json_object_set_new(o, "rx_desc", jint(pr->cfg->rx_desc));
	json_object_set_new(o, "tx_desc", jint(pr->cfg->tx_desc));
	json_object_set_new(o, "socket", json_integer(rte_eth_dev_socket_id(pr->port_id)));
	json_object_set_new(
			o, "promiscuous", json_boolean(rte_eth_promiscuous_get(pr->port_id) == 1));
	json_object_set_new(o, "timestamp", json_string(pkt_ts_src_name(pr->ts_src)));
	json_object_set_new(o, "rx_offloads",
			offload_names(conf.rxmode.offloads, rte_eth_dev_rx_offload_name));
	json_object_set_new(o, "tx_offloads",
			offload_names(conf.txmode.offloads, rte_eth_dev_tx_offload_name));
	return o;
}

static json_t *
port_stats(const struct ctl *c, const struct port_rt *pr, const struct stp_lcore_stats *s)
{
	struct rte_eth_stats es;

	const struct rte_eth_stats *b = &c->eth_base[pr->cfg_idx];

	if (port_stats_get(pr->port_id, &es) != 0)
		memset(&es, 0, sizeof(es));
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"name", pr->cfg->name, "state", port_state(c, pr), "port_id",
			(json_int_t)pr->port_id, "rx_pkts",
			(json_int_t)sat_sub(es.ipackets, b->ipackets), "rx_bytes",
			(json_int_t)sat_sub(es.ibytes, b->ibytes), "tx_pkts",
			(json_int_t)sat_sub(es.opackets, b->opackets), "tx_bytes",
			(json_int_t)sat_sub(es.obytes, b->obytes), "imissed",
			(json_int_t)sat_sub(es.imissed, b->imissed), "ierrors",
			(json_int_t)sat_sub(es.ierrors, b->ierrors), "oerrors",
			(json_int_t)sat_sub(es.oerrors, b->oerrors), "rx_nombuf",
			(json_int_t)sat_sub(es.rx_nombuf, b->rx_nombuf), "app_rx",
			(json_int_t)sat_sub(s->port_rx[pr->port_id], c->base.port_rx[pr->port_id]),
			"app_tx",
			(json_int_t)sat_sub(s->port_tx[pr->port_id], c->base.port_tx[pr->port_id]));
}

static json_t *
ports_query(struct ctl *c, const char *which, bool stats, char err[CFG_ERR_LEN])
{
	const struct port_set *ps = c->pl->ports;
	struct stp_lcore_stats *s = NULL;
	json_t *a = NULL;
	int sel;

	pthread_mutex_lock(&c->lock);
	sel = port_select(c, which, err);
	if (sel < -1)
		goto out;
	if (stats) {
		s = malloc(sizeof(*s));
		if (s == NULL) {
			snprintf(err, CFG_ERR_LEN, "out of memory");
			goto out;
		}
		stp_stats_sum(c->pl, s);
	}
	a = json_array();
	for (int i = 0; i < ps->nb; i++) {
		if (sel >= 0 && i != sel)
			continue;
		json_array_append_new(a,
				stats ? port_stats(c, &ps->ports[i], s) :
					port_info(c, &ps->ports[i]));
	}
out:
	pthread_mutex_unlock(&c->lock);
	free(s);
	return a;
}

json_t *
ctl_ports_info(struct ctl *c, const char *which, char err[CFG_ERR_LEN])
{
	return ports_query(c, which, false, err);
}

json_t *
ctl_ports_stats(struct ctl *c, const char *which, char err[CFG_ERR_LEN])
{
	return ports_query(c, which, true, err);
}

/* ---------------------------------------------------------------------------------------------- */
/* Counters */

/* The lcores' sum minus the baseline: the counters as the operator sees them. */
static void
stats_shown(const struct ctl *c, const struct stp_lcore_stats *raw, struct stp_lcore_stats *d)
{
	const uint64_t *r = (const uint64_t *)raw, *b = (const uint64_t *)&c->base;
	uint64_t *o = (uint64_t *)d;

	for (size_t k = 0; k < sizeof(*d) / sizeof(uint64_t); k++)
		o[k] = sat_sub(r[k], b[k]);
}

json_t *
ctl_stats(struct ctl *c)
{
	struct stp_lcore_stats *raw = malloc(sizeof(*raw)), *d = malloc(sizeof(*d));
	json_t *o = NULL, *ts;
	int64_t in_flight;

	if (raw == NULL || d == NULL)
		goto out;
	pthread_mutex_lock(&c->lock);
	stp_stats_sum(c->pl, raw);
	stats_shown(c, raw, d);
	in_flight = stp_stats_in_flight(raw);
	o = json_object();
	json_object_set_new(o, "received", jint(d->rx_pkts));
	json_object_set_new(o, "transmitted", jint(d->tx_pkts));
	json_object_set_new(o, "dropped", jint(stp_stats_dropped(d)));
	json_object_set_new(o, "replicated", jint(d->replicas));
	json_object_set_new(o, "generated", jint(d->generated));
	json_object_set_new(o, "consumed", jint(d->consumed));
	json_object_set_new(o, "captured", jint(d->written));
	json_object_set_new(o, "rx_bytes", jint(d->rx_bytes));
	/* Absent below STP_CPP_MIN_PKTS packets: the figure would be a loop's fixed cost. */
	if (d->work_pkts >= STP_CPP_MIN_PKTS)
		json_object_set_new(o, "cycles_per_packet",
				json_real((double)d->busy_cycles / (double)d->work_pkts));
	ts = json_object();
	for (unsigned int t = 0; t < PKT_TS_MAX; t++)
		json_object_set_new(ts, pkt_ts_src_name(t), jint(d->ts_src[t]));
	json_object_set_new(o, "timestamps", ts);
	json_object_set_new(o, "in_flight", json_integer(in_flight));
	/* t0 may come from another CPU's TSC (a clear on another control thread). */
	json_object_set_new(o, "seconds",
			json_real((double)sat_sub(rte_get_timer_cycles(), c->t0) /
					(double)rte_get_timer_hz()));
	json_object_set_new(o, "cleared", json_boolean(c->cleared));
	pthread_mutex_unlock(&c->lock);
out:
	free(raw);
	free(d);
	return o;
}

json_t *
ctl_drops(struct ctl *c)
{
	struct stp_lcore_stats *raw = malloc(sizeof(*raw));
	json_t *a;

	if (raw == NULL)
		return NULL;
	pthread_mutex_lock(&c->lock);
	stp_stats_sum(c->pl, raw);
	a = json_array();
	for (unsigned int d = 0; d < STP_DROP_MAX; d++)
		json_array_append_new(a,
				json_pack("{s:s, s:I, s:s}", "name", stp_drop_name(d), "count",
						(json_int_t)sat_sub(
								raw->drops[d], c->base.drops[d]),
						"description", stp_drop_desc(d)));
	pthread_mutex_unlock(&c->lock);
	free(raw);
	return a;
}

/* Each worker stage's cost on one lcore since the start or the last clear. */
static json_t *
lcore_stages(const struct stp_pipeline *pl, const struct stp_lcore_stats *st,
		const struct ctl_lcore_base *b)
{
	json_t *a = json_array();

	for (unsigned int k = 0; k < pl->nb_stages; k++) {
		uint64_t cyc = sat_sub(__atomic_load_n(&st->stage_cycles[k], __ATOMIC_RELAXED),
				b->stage_cycles[k]);
		uint64_t pkts = sat_sub(__atomic_load_n(&st->stage_pkts[k], __ATOMIC_RELAXED),
				b->stage_pkts[k]);

		json_array_append_new(a,
				json_pack("{s:s, s:I, s:I, s:f}", "name", pl->stages[k]->name,
						"cycles", (json_int_t)cyc, "packets",
						(json_int_t)pkts, "cycles_per_packet",
						pkts ? (double)cyc / (double)pkts : 0.0));
	}
	return a;
}

json_t *
ctl_lcores(struct ctl *c)
{
	const struct stp_pipeline *pl = c->pl;
	json_t *a = json_array();
	uint64_t now;

	pthread_mutex_lock(&c->lock);
	now = rte_get_timer_cycles();
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		const struct stp_lcore *lc = pl->lcores[i];
		struct stp_lcore_stats snap;
		const struct stp_lcore_stats *st = stp_lcore_stats_read(lc, &snap);
		const struct ctl_lcore_base *b = &c->lc_base[i];
		uint64_t busy = sat_sub(__atomic_load_n(&st->busy_cycles, __ATOMIC_RELAXED),
				b->busy_cycles);
		uint64_t work = sat_sub(
				__atomic_load_n(&st->work_pkts, __ATOMIC_RELAXED), b->work_pkts);
		json_t *roles = json_array(), *queues = json_array(), *o;
		double pct = now > c->t0 ? 100.0 * (double)busy / (double)(now - c->t0) : 0;

		if (lc->roles & CFG_ROLE_RX)
			json_array_append_new(roles, json_string("rx"));
		if (lc->roles & CFG_ROLE_WORKER)
			json_array_append_new(roles, json_string("worker"));
		if (lc->roles & CFG_ROLE_TX)
			json_array_append_new(roles, json_string("tx"));
		for (unsigned int q = 0; q < lc->nb_poll; q++)
			json_array_append_new(queues,
					json_sprintf("%s:%u", lc->poll[q].port->cfg->name,
							lc->poll[q].queue));
		o = json_object();
		json_object_set_new(o, "lcore", jint(lc->lcore_id));
		json_object_set_new(o, "roles", roles);
		json_object_set_new(o, "queues", queues);
		json_object_set_new(o, "rx_pkts",
				jint(sat_sub(__atomic_load_n(&st->rx_pkts, __ATOMIC_RELAXED),
						b->rx_pkts)));
		json_object_set_new(o, "tx_pkts",
				jint(sat_sub(__atomic_load_n(&st->tx_pkts, __ATOMIC_RELAXED),
						b->tx_pkts)));
		json_object_set_new(o, "loops",
				jint(sat_sub(__atomic_load_n(&st->loops, __ATOMIC_RELAXED),
						b->loops)));
		json_object_set_new(o, "busy_pct", json_real(pct > 100 ? 100 : pct));
		json_object_set_new(o, "cycles_per_packet",
				json_real(work ? (double)busy / (double)work : 0));
		json_object_set_new(o, "stages", lcore_stages(pl, st, b));
		json_array_append_new(a, o);
	}
	pthread_mutex_unlock(&c->lock);
	return a;
}

json_t *
ctl_rings(struct ctl *c)
{
	const struct stp_pipeline *pl = c->pl;
	json_t *a = json_array();

	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		const struct stp_lcore *lc = pl->lcores[i];

		if (lc->worker_ring != NULL)
			json_array_append_new(a,
					stp_ring_json(lc->worker_ring, "worker",
							jint(lc->lcore_id)));
		if (lc->tx_ring != NULL)
			json_array_append_new(
					a, stp_ring_json(lc->tx_ring, "tx", jint(lc->lcore_id)));
	}
	stp_features_rings(pl, a);
	pthread_mutex_unlock(&c->lock);
	return a;
}

/* ---------------------------------------------------------------------------------------------- */
/* Feature views */

json_t *
ctl_feature_ui_view(struct ctl *c, const struct stp_feature *f)
{
	json_t *v;

	pthread_mutex_lock(&c->lock);
	v = stp_feature_view_key(c->pl, f->name, f->ui->key);
	pthread_mutex_unlock(&c->lock);
	if (v == NULL)
		v = json_pack("{s:b}", "enabled", 0);
	return v;
}

json_t *
ctl_timestamps(struct ctl *c)
{
	struct stp_lcore_stats *raw = malloc(sizeof(*raw));
	json_t *v, *counts;

	if (raw == NULL)
		return NULL;
	pthread_mutex_lock(&c->lock);
	stp_stats_sum(c->pl, raw);
	counts = json_object();
	for (unsigned int t = 0; t < PKT_TS_MAX; t++)
		json_object_set_new(counts, pkt_ts_src_name(t),
				json_integer((json_int_t)sat_sub(
						raw->ts_src[t], c->base.ts_src[t])));
	v = json_pack("{s:o, s:o*}", "counts", counts, "ports", port_clocks_json(c->pl->ports));
	pthread_mutex_unlock(&c->lock);
	free(raw);
	return v;
}

char *
ctl_config(struct ctl *c)
{
	char *s;

	pthread_mutex_lock(&c->lock);
	s = cfg_dump_json(running_cfg(c));
	pthread_mutex_unlock(&c->lock);
	return s;
}

int
ctl_forwarding(struct ctl *c, bool run)
{
	if (__atomic_load_n(&c->pl->paused, __ATOMIC_RELAXED) == !run)
		return -EALREADY;
	__atomic_store_n(&c->pl->paused, !run, __ATOMIC_RELEASE);
	return 0;
}

bool
ctl_forwarding_on(const struct ctl *c)
{
	return !__atomic_load_n(&c->pl->paused, __ATOMIC_RELAXED);
}

int
ctl_port_run(struct ctl *c, const char *which, bool run, char err[CFG_ERR_LEN])
{
	struct stp_pipeline *pl = c->pl;
	const struct port_set *ps = pl->ports;
	unsigned int done = 0;
	int sel, rc = 0;

	pthread_mutex_lock(&c->lock);
	sel = port_select(c, which, err);
	if (sel < -1) {
		rc = sel;
		goto out;
	}
	for (unsigned int i = 0; i < ps->nb && rc == 0; i++) {
		const struct port_rt *pr = &ps->ports[i];
		uint16_t id = pr->port_id;

		if ((sel >= 0 && pr->cfg_idx != sel) || pl->port_stopped[id] == !run)
			continue;
		if (run) {
			rc = rte_eth_dev_start(id);
			if (rc == 0)
				__atomic_store_n(&pl->port_stopped[id], 0, __ATOMIC_RELEASE);
		} else {
			/* No lcore may be in the port's RX or TX burst when the device stops. */
			__atomic_store_n(&pl->port_stopped[id], 1, __ATOMIC_RELEASE);
			rc = stp_pipeline_quiesce(pl, 2000);
			if (rc == 0)
				rc = rte_eth_dev_stop(id);
			if (rc != 0)
				__atomic_store_n(&pl->port_stopped[id], 0, __ATOMIC_RELEASE);
		}
		if (rc != 0)
			snprintf(err, CFG_ERR_LEN, "port %u (%s): %s: %s", id, pr->cfg->name,
					run ? "start" : "stop",
					rc == -ETIMEDOUT ? "the lcores did not move on in 2 s" :
							   rte_strerror(-rc));
		else
			done++;
	}
	if (rc == 0 && done == 0) {
		rc = -EALREADY;
		snprintf(err, CFG_ERR_LEN, "%s %s",
				sel >= 0 ? "port already" : "every port already",
				run ? "started" : "stopped");
	}
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int
ctl_port_mode(struct ctl *c, const char *which, const char *what, bool on, char err[CFG_ERR_LEN])
{
	const struct port_set *ps = c->pl->ports;
	const bool promisc = strcmp(what, "promisc") == 0;
	int sel = port_select(c, which, err);

	if (sel < -1)
		return sel;
	for (unsigned int i = 0; i < ps->nb; i++) {
		const struct port_rt *pr = &ps->ports[i];
		uint16_t id = pr->port_id;
		int rc;

		if (sel >= 0 && pr->cfg_idx != sel)
			continue;
		if (promisc)
			rc = on ? rte_eth_promiscuous_enable(id) : rte_eth_promiscuous_disable(id);
		else
			rc = on ? rte_eth_allmulticast_enable(id) :
				  rte_eth_allmulticast_disable(id);
		if (rc != 0) {
			snprintf(err, CFG_ERR_LEN, "port %u (%s): %s %s: %s", id, pr->cfg->name,
					what, on ? "on" : "off",
					rc == -ENOTSUP ? "not supported by the driver" :
							 rte_strerror(-rc));
			return rc;
		}
	}
	return 0;
}

json_t *
ctl_port_xstats(struct ctl *c, const char *which, char err[CFG_ERR_LEN])
{
	const struct port_set *ps = c->pl->ports;
	int sel = port_select(c, which, err);
	json_t *a;

	if (sel < -1)
		return NULL;
	a = json_array();
	for (unsigned int i = 0; a != NULL && i < ps->nb; i++) {
		const struct port_rt *pr = &ps->ports[i];
		struct rte_eth_xstat_name *names = NULL;
		struct rte_eth_xstat *vals = NULL;
		json_t *x;
		int n;

		if (sel >= 0 && pr->cfg_idx != sel)
			continue;
		x = json_object();
		n = rte_eth_xstats_get_names(pr->port_id, NULL, 0);
		if (n > 0) {
			names = calloc((size_t)n, sizeof(*names));
			vals = calloc((size_t)n, sizeof(*vals));
		}
		if (names != NULL && vals != NULL &&
				rte_eth_xstats_get_names(pr->port_id, names, (unsigned int)n) ==
						n &&
				rte_eth_xstats_get(pr->port_id, vals, (unsigned int)n) == n) {
			for (int k = 0; k < n; k++)
				if (vals[k].id < (uint64_t)n)
					json_object_set_new(x, names[vals[k].id].name,
							jint(vals[k].value));
		}
		free(names);
		free(vals);
		json_array_append_new(a,
				json_pack("{s:s, s:i, s:o}", "name", pr->cfg->name, "port_id",
						(int)pr->port_id, "xstats", x));
	}
	return a;
}

/*
 * How long "clear stats" waits for the packets in flight (a capture writer's queue, the rings
 * between lcores) to be finished before it takes its baseline: after it, the stage that
 * finishes one (a writer's written) would count it and the one that took it in (received)
 * would not, and the view would not balance. With traffic running something is always in
 * flight: the clear then takes what it sees once this has passed.
 */
#define CLEAR_DRAIN_MS 250

int
ctl_stats_clear(struct ctl *c)
{
	struct stp_pipeline *pl = c->pl;
	struct stp_lcore_stats *raw = malloc(sizeof(*raw));

	if (raw == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&c->lock);
	stp_stats_sum(pl, raw);
	for (unsigned int ms = 0; ms < CLEAR_DRAIN_MS && stp_stats_in_flight(raw) > 0; ms++) {
		usleep(1000);
		stp_stats_sum(pl, raw);
	}
	c->base = *raw;
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		struct stp_lcore_stats snap;
		const struct stp_lcore_stats *st = stp_lcore_stats_read(pl->lcores[i], &snap);

		c->lc_base[i].rx_pkts = __atomic_load_n(&st->rx_pkts, __ATOMIC_RELAXED);
		c->lc_base[i].tx_pkts = __atomic_load_n(&st->tx_pkts, __ATOMIC_RELAXED);
		c->lc_base[i].loops = __atomic_load_n(&st->loops, __ATOMIC_RELAXED);
		c->lc_base[i].busy_cycles = __atomic_load_n(&st->busy_cycles, __ATOMIC_RELAXED);
		c->lc_base[i].work_pkts = __atomic_load_n(&st->work_pkts, __ATOMIC_RELAXED);
		for (unsigned int k = 0; k < STP_MAX_STAGES; k++) {
			c->lc_base[i].stage_cycles[k] =
					__atomic_load_n(&st->stage_cycles[k], __ATOMIC_RELAXED);
			c->lc_base[i].stage_pkts[k] =
					__atomic_load_n(&st->stage_pkts[k], __ATOMIC_RELAXED);
		}
	}
	stp_features_clear(pl);
	for (unsigned int i = 0; i < pl->ports->nb; i++)
		if (port_stats_get(pl->ports->ports[i].port_id, &c->eth_base[i]) != 0)
			memset(&c->eth_base[i], 0, sizeof(c->eth_base[i]));
	c->t0 = rte_get_timer_cycles();
	c->cleared = true;
	pthread_mutex_unlock(&c->lock);
	free(raw);
	return 0;
}

/* A heap copy of the running config (the struct is ~300 kB). Shares eal.args: never cfg_free()
 * it, free() it. */
static struct stp_config *
cfg_copy(const struct ctl *c, char err[CFG_ERR_LEN])
{
	struct stp_config *n = malloc(sizeof(*n));

	if (n == NULL)
		snprintf(err, CFG_ERR_LEN, "out of memory");
	else
		memcpy(n, running_cfg(c), sizeof(*n));
	return n;
}

int
ctl_cfg_edit(struct ctl *c,
		int (*edit)(struct stp_pipeline *pl, struct stp_config *next, void *arg,
				char err[CFG_ERR_LEN]),
		void *arg, char err[CFG_ERR_LEN])
{
	struct ctl_retired *ret = calloc(1, sizeof(*ret));
	struct stp_config *next = NULL;
	int rc = -ENOMEM;

	err[0] = '\0';
	pthread_mutex_lock(&c->lock);
	if (ret == NULL) {
		snprintf(err, CFG_ERR_LEN, "out of memory");
		goto out;
	}
	next = cfg_copy(c, err);
	if (next == NULL)
		goto out;
	rc = edit(c->pl, next, arg, err);
	if (rc != 0)
		goto out;
	__atomic_store_n(&c->pl->cfg, next, __ATOMIC_RELEASE);
	if (c->running != NULL) {
		ret->cfg = c->running;
		ret->next = c->retired;
		c->retired = ret;
		ret = NULL;
	}
	c->running = next;
	next = NULL;
out:
	pthread_mutex_unlock(&c->lock);
	free(ret);
	free(next);
	return rc;
}
