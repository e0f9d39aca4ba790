/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "pcapng.h"
#include "pipeline.h"
#include "port_kern.h"
#include "probe_rt.h"

RTE_LOG_REGISTER_SUFFIX(pipeline_logtype, pipeline, INFO);
#define PL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, pipeline_logtype, "stampede.pipeline: " fmt "\n", ##__VA_ARGS__)

extern const struct stp_stage stp_stage_broker;
extern const struct stp_stage stp_stage_rules;
extern const struct stp_stage stp_stage_probe;
extern const struct stp_stage stp_stage_tcprtt;
extern const struct stp_source stp_source_probe;

/* The worker stages in the order they run. Later stages (filter, steer, encap...) go here. */
const struct stp_stage *const stp_worker_stages[] = {
	&stp_stage_broker, /* relay / collector: stampede datagrams in (before the rules) */
	&stp_stage_probe,  /* probes are measured or reflected before the rules see traffic */
	&stp_stage_tcprtt, /* a tap: sees every packet before the rules decide its way */
	&stp_stage_rules,
	NULL,
};

/* The packet sources, polled on TX lcores. */
const struct stp_source *const stp_sources[] = {
	&stp_source_probe,
	NULL,
};

static struct rte_ring *
pl_ring(const struct stp_pipeline *pl, const char *kind, unsigned int lcore_id, uint32_t size)
{
	char name[RTE_RING_NAMESIZE];
	/*
	 * Many producers (any RX lcore / worker), one consumer (the owning lcore). When threads
	 * share CPUs, producers use relaxed tail sync, which a preempted producer does not stall.
	 */
	unsigned int flags = RING_F_SC_DEQ | (pl->overcommitted ? RING_F_MP_RTS_ENQ : 0);

	snprintf(name, sizeof(name), "stp_%s_%u", kind, lcore_id);
	return rte_ring_create(name, size, rte_lcore_to_socket_id(lcore_id), flags);
}

/* Wait, sleeping, until every lcore has left its run loop (the EAL's own wait spins). */
static void
pl_wait_exit(const struct stp_pipeline *pl)
{
	for (unsigned int i = 0; i < pl->nb_lcores; i++)
		while (!__atomic_load_n(&pl->lcores[i]->exited, __ATOMIC_ACQUIRE))
			rte_delay_us_sleep(100);
	rte_eal_mp_wait_lcore();
}

/* One capture writer per output; one pcapng interface per port, in config order. */
static int
pl_outputs_create(struct stp_pipeline *pl, char err[CFG_ERR_LEN])
{
	const struct stp_config *cfg = pl->cfg;
	struct pcapng_if ifs[CFG_MAX_PORTS];

	memset(ifs, 0, sizeof(ifs));
	for (unsigned int i = 0; i < pl->ports->nb; i++) {
		const struct port_rt *pr = &pl->ports->ports[i];
		struct rte_eth_link link;

		snprintf(ifs[i].name, sizeof(ifs[i].name), "%s", pr->cfg->name);
		/* Truncated to the IDB field if long: a description, not an identifier. */
		if (snprintf(ifs[i].description, sizeof(ifs[i].description),
				    "%.60s%s%.40s (timestamps %s)", cfg->node.description,
				    cfg->node.description[0] ? ": " : "", pr->cfg->device,
				    pkt_ts_src_name(pr->ts_src)) < 0)
			ifs[i].description[0] = '\0';
		if (rte_eth_link_get_nowait(pr->port_id, &link) == 0 &&
				link.link_speed != RTE_ETH_SPEED_NUM_NONE &&
				link.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN)
			ifs[i].speed_bps = (uint64_t)link.link_speed * 1000000;
		ifs[i].port_id = pr->port_id;
	}
	if (cfg->nb_outputs > 0) {
		pl->out_final = calloc(cfg->nb_outputs, sizeof(*pl->out_final));
		if (pl->out_final == NULL)
			return cfg_errf(cfg, err, "outputs", "out of memory");
	}
	for (unsigned int o = 0; o < cfg->nb_outputs; o++) {
		const struct cfg_output *co = &cfg->outputs[o];
		struct pcapng_conf c;
		char werr[CFG_ERR_LEN], path[48];

		if (cfg_output_is_tunnel(co->type)) {
			const struct port_rt *pr = &pl->ports->ports[co->port];
			struct stp_tunnel_rt *t = &pl->tunnels[o];

			t->enc = co->tun;
			memcpy(t->enc.src_mac, pr->mac.addr_bytes, 6);
			t->port_id = pr->port_id;
			t->hdr_len = encap_hdr_len(t->enc.type);
			t->max_frame = pr->max_frame;
			t->multiseg = pr->tx_multiseg;
			pl->tunnel_outputs |= 1u << o;
			pl->outputs[o] = NULL;
			pl->nb_outputs = o + 1;
			continue;
		}
		pcapng_conf_defaults(&c);
		snprintf(c.path, sizeof(c.path), "%s", co->path);
		c.rotate_bytes = co->rotate_bytes;
		c.rotate_seconds = co->rotate_seconds;
		c.max_files = co->max_files;
		c.ring_size = co->ring_size;
		c.snaplen = RTE_MIN(co->snaplen, (uint32_t)PCAPNG_MAX_SNAPLEN);
		c.comments = co->comments;
		pl->outputs[o] = pcapng_writer_create(
				co->name, &c, ifs, pl->ports->nb, werr, sizeof(werr));
		if (pl->outputs[o] == NULL) {
			snprintf(path, sizeof(path), "outputs[%u]", o);
			return cfg_errf(cfg, err, path, "%s", werr);
		}
		pl->nb_outputs = o + 1;
	}
	return 0;
}

void
stp_pipeline_tick(struct stp_pipeline *pl)
{
	struct stp_lcore_stats s;

	for (unsigned int i = 0; i < pl->ports->nb; i++) {
		struct rte_eth_link link;
		uint16_t pid = pl->ports->ports[i].port_id;

		if (rte_eth_link_get_nowait(pid, &link) == 0)
			__atomic_store_n(&pl->link_up[pid], link.link_status == RTE_ETH_LINK_UP,
					__ATOMIC_RELAXED);
	}
	stp_probe_tick(pl); /* verbose per-probe lines */
	if (pl->nb_outputs == 0 || pl->outputs_closed)
		return;
	/* Interface statistics for the capture files: received by stampede, dropped by the NIC. */
	stp_stats_sum(pl, &s);
	for (unsigned int i = 0; i < pl->ports->nb; i++) {
		struct rte_eth_stats es;
		uint16_t pid = pl->ports->ports[i].port_id;

		if (port_stats_get(pid, &es) != 0)
			memset(&es, 0, sizeof(es));
		for (unsigned int o = 0; o < pl->nb_outputs; o++)
			pcapng_writer_set_ifstats(pl->outputs[o], i, s.port_rx[pid],
					es.imissed + es.rx_nombuf);
	}
}

int
stp_pipeline_create(struct stp_pipeline *pl, const struct stp_config *cfg, struct port_set *ps,
		char err[CFG_ERR_LEN])
{
	int rc;

	memset(pl, 0, sizeof(*pl));
	pl->cfg = cfg;
	pl->ports = ps;
	pl->burst = cfg->burst;
	pl->phase = STP_PHASE_RUN;

	for (unsigned int i = 0; i < cfg->nb_lcores; i++) {
		const struct cfg_lcore *cl = &cfg->lcores[i];
		struct stp_lcore *lc;
		char path[64];

		snprintf(path, sizeof(path), "lcores");
		if (!rte_lcore_is_enabled(cl->lcore_id))
			return cfg_errf(cfg, err, path,
					"lcore %u is not enabled in the EAL (check eal.args -l)",
					cl->lcore_id);
		lc = rte_zmalloc_socket("stp_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE,
				rte_lcore_to_socket_id(cl->lcore_id));
		if (lc == NULL)
			return cfg_errf(cfg, err, path, "out of memory for lcore %u", cl->lcore_id);
		lc->pl = pl;
		lc->lcore_id = cl->lcore_id;
		lc->roles = cl->roles;
		lc->worker_idx = -1;
		lc->tx_idx = -1;
		lc->nb_poll = cl->nb_poll;
		for (unsigned int q = 0; q < cl->nb_poll; q++) {
			struct port_rt *pr = &ps->ports[cl->poll[q].port];

			lc->poll[q].port = pr;
			lc->poll[q].port_id = pr->port_id;
			lc->poll[q].queue = cl->poll[q].queue;
		}
		pl->lcores[pl->nb_lcores++] = lc;
		if (cl->roles & CFG_ROLE_WORKER) {
			lc->worker_idx = pl->nb_workers;
			pl->workers[pl->nb_workers++] = lc;
		}
		if (cl->roles & CFG_ROLE_TX) {
			lc->tx_idx = pl->nb_tx;
			pl->txers[pl->nb_tx++] = lc;
		}
	}

	pl->overcommitted = port_lcores_share_cpus();
	if (pl->overcommitted)
		PL_LOG(INFO, "lcores share CPUs: rings use relaxed tail sync (RTS) for producers");
	/*
	 * Rings only where a stage hands packets to another lcore: a worker needs an input ring
	 * when some RX lcore is not itself; a TX lcore when some worker is not itself.
	 */
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		struct stp_lcore *lc = pl->lcores[i];
		bool remote_rx = false, remote_worker = false;

		for (unsigned int j = 0; j < pl->nb_lcores; j++) {
			const struct stp_lcore *o = pl->lcores[j];

			if (o == lc)
				continue;
			remote_rx |= (o->roles & CFG_ROLE_RX) != 0;
			remote_worker |= (o->roles & CFG_ROLE_WORKER) != 0;
		}
		if ((lc->roles & CFG_ROLE_WORKER) && remote_rx) {
			lc->worker_ring = pl_ring(pl, "w", lc->lcore_id, cfg->worker_ring_size);
			if (lc->worker_ring == NULL)
				return cfg_errf(cfg, err, "rings.worker",
						"%u: ring for lcore %u: %s", cfg->worker_ring_size,
						lc->lcore_id, rte_strerror(rte_errno));
		}
		if ((lc->roles & CFG_ROLE_TX) && remote_worker) {
			lc->tx_ring = pl_ring(pl, "t", lc->lcore_id, cfg->tx_ring_size);
			if (lc->tx_ring == NULL)
				return cfg_errf(cfg, err, "rings.tx", "%u: ring for lcore %u: %s",
						cfg->tx_ring_size, lc->lcore_id,
						rte_strerror(rte_errno));
		}
	}
	/* Each worker sends to itself when it transmits, else to TX lcores round-robin. */
	for (unsigned int w = 0; w < pl->nb_workers; w++) {
		struct stp_lcore *lc = pl->workers[w];

		lc->tx_target = (lc->roles & CFG_ROLE_TX) ? lc : pl->txers[w % pl->nb_tx];
	}

	/* Several workers are chosen by flow hash; stages may ask for parsing in their init. */
	pl->need_parse = pl->nb_workers > 1;
	rc = pl_outputs_create(pl, err);
	if (rc != 0)
		return rc;
	pl->nb_stages = 0;
	for (const struct stp_stage *const *s = stp_worker_stages; *s != NULL; s++) {
		pl->err[0] = '\0';
		rc = (*s)->init != NULL ? (*s)->init(pl) : 0;
		if (rc < 0)
			return cfg_errf(cfg, err, (*s)->name, "stage %s failed to start: %s",
					(*s)->name, pl->err);
		if (rc == 0 && pl->nb_stages < STP_MAX_STAGES)
			pl->stages[pl->nb_stages++] = *s;
	}
	pl->nb_sources = 0;
	for (const struct stp_source *const *s = stp_sources; *s != NULL; s++) {
		pl->err[0] = '\0';
		rc = (*s)->init != NULL ? (*s)->init(pl) : 0;
		if (rc < 0)
			return cfg_errf(cfg, err, (*s)->name, "source %s failed to start: %s",
					(*s)->name, pl->err);
		if (rc == 0 && pl->nb_sources < STP_MAX_STAGES)
			pl->sources[pl->nb_sources++] = *s;
	}
	stp_pipeline_tick(pl);
	unsigned int nb_rx = 0;

	for (unsigned int i = 0; i < pl->nb_lcores; i++)
		nb_rx += (pl->lcores[i]->roles & CFG_ROLE_RX) != 0;
	PL_LOG(INFO, "%u datapath lcores: %u RX, %u workers, %u TX", pl->nb_lcores, nb_rx,
			pl->nb_workers, pl->nb_tx);
	return 0;
}

int
stp_pipeline_launch(struct stp_pipeline *pl)
{
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		int rc = rte_eal_remote_launch(
				stp_lcore_main, pl->lcores[i], pl->lcores[i]->lcore_id);

		if (rc != 0) {
			PL_LOG(ERR, "cannot launch lcore %u: %s", pl->lcores[i]->lcore_id,
					rte_strerror(-rc));
			__atomic_store_n(&pl->phase, STP_PHASE_STOP, __ATOMIC_RELEASE);
			rte_eal_mp_wait_lcore();
			return rc;
		}
	}
	pl->launched = true;
	return 0;
}

static bool
pl_rings_empty(const struct stp_pipeline *pl)
{
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		const struct stp_lcore *lc = pl->lcores[i];

		if (lc->worker_ring != NULL && !rte_ring_empty(lc->worker_ring))
			return false;
		if (lc->tx_ring != NULL && !rte_ring_empty(lc->tx_ring))
			return false;
	}
	return true;
}

/* Wait until every lcore has run @p n more iterations, or the deadline. */
static bool
pl_wait_epochs(const struct stp_pipeline *pl, unsigned int n, uint64_t deadline)
{
	uint64_t start[CFG_MAX_LCORES];

	for (unsigned int i = 0; i < pl->nb_lcores; i++)
		start[i] = __atomic_load_n(&pl->lcores[i]->epoch, __ATOMIC_ACQUIRE);
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		while (__atomic_load_n(&pl->lcores[i]->epoch, __ATOMIC_ACQUIRE) - start[i] < n) {
			if (rte_get_timer_cycles() > deadline)
				return false;
			/* Sleep, not spin: the lcore may share this CPU. */
			rte_delay_us_sleep(50);
		}
	}
	return true;
}

/* Free what is left in a ring after the lcores stopped, counted on the ring's owner. */
static void
pl_ring_purge(struct stp_lcore *lc, struct rte_ring *r)
{
	struct rte_mbuf *pkts[STP_MAX_BURST];
	unsigned int n;

	if (r == NULL)
		return;
	while ((n = rte_ring_dequeue_burst(r, (void **)pkts, STP_MAX_BURST, NULL)) > 0) {
		rte_pktmbuf_free_bulk(pkts, n);
		lc->stats.drops[STP_DROP_SHUTDOWN] += n;
	}
}

int
stp_pipeline_quiesce(struct stp_pipeline *pl, unsigned int timeout_ms)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * timeout_ms / 1000;

	if (!pl->launched || __atomic_load_n(&pl->phase, __ATOMIC_ACQUIRE) == STP_PHASE_STOP)
		return 0;
	return pl_wait_epochs(pl, 2, deadline) ? 0 : -ETIMEDOUT;
}

void
stp_pipeline_stop(struct stp_pipeline *pl, unsigned int timeout_ms)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * timeout_ms / 1000;
	bool drained = false;

	__atomic_store_n(&pl->phase, STP_PHASE_DRAIN, __ATOMIC_RELEASE);
	/* RX lcores acknowledge: from here on nothing new enters the pipeline. */
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		const struct stp_lcore *lc = pl->lcores[i];

		while ((lc->roles & CFG_ROLE_RX) &&
				!__atomic_load_n(&lc->rx_stopped, __ATOMIC_ACQUIRE) &&
				rte_get_timer_cycles() < deadline)
			rte_delay_us_sleep(50); /* sleep, not spin: the lcore may share this CPU */
	}
	/*
	 * Rings empty, then two full iterations of every lcore (what a worker dequeued last has
	 * reached its TX ring), and again (the TX lcores dequeued and flushed it).
	 */
	while (!drained && rte_get_timer_cycles() < deadline) {
		if (!pl_rings_empty(pl)) {
			rte_delay_us_sleep(100);
			continue;
		}
		if (!pl_wait_epochs(pl, 2, deadline))
			break;
		if (!pl_rings_empty(pl))
			continue;
		if (!pl_wait_epochs(pl, 2, deadline))
			break;
		drained = pl_rings_empty(pl);
	}
	if (!drained)
		PL_LOG(WARNING, "drain did not finish within %u ms; freeing what is queued",
				timeout_ms);
	__atomic_store_n(&pl->phase, STP_PHASE_STOP, __ATOMIC_RELEASE);
	pl_wait_exit(pl);
	stp_broker_stop(pl);
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		pl_ring_purge(pl->lcores[i], pl->lcores[i]->worker_ring);
		pl_ring_purge(pl->lcores[i], pl->lcores[i]->tx_ring);
	}
	/* The capture files last: what the lcores handed them is written, then the ISBs. */
	stp_pipeline_tick(pl);
	for (unsigned int o = 0; o < pl->nb_outputs; o++)
		if (pcapng_writer_close(pl->outputs[o], timeout_ms, &pl->out_final[o]) != 0)
			PL_LOG(WARNING,
					"output %s: not every packet was written before the close "
					"timed out",
					pl->cfg->outputs[o].name);
	pl->outputs_closed = true;
}

void
stp_pipeline_destroy(struct stp_pipeline *pl)
{
	for (const struct stp_stage *const *s = stp_worker_stages; *s != NULL; s++)
		if ((*s)->fini != NULL)
			(*s)->fini(pl);
	for (const struct stp_source *const *s = stp_sources; *s != NULL; s++)
		if ((*s)->fini != NULL)
			(*s)->fini(pl);
	/* A pipeline that never ran still has writers to close (and their empty files). */
	for (unsigned int o = 0; o < pl->nb_outputs && !pl->outputs_closed; o++)
		pcapng_writer_close(pl->outputs[o], 1000, NULL);
	pl->nb_outputs = 0;
	free(pl->out_final);
	pl->out_final = NULL;
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		rte_ring_free(pl->lcores[i]->worker_ring);
		rte_ring_free(pl->lcores[i]->tx_ring);
		rte_free(pl->lcores[i]);
		pl->lcores[i] = NULL;
	}
	pl->nb_lcores = 0;
}
