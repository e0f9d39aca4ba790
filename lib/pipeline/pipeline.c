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

RTE_LOG_REGISTER_SUFFIX(pipeline_logtype, pipeline, INFO);
#define PL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, pipeline_logtype, "stampede.pipeline: " fmt "\n", ##__VA_ARGS__)

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

void
stp_pipeline_tick(struct stp_pipeline *pl)
{
	for (unsigned int i = 0; i < pl->ports->nb; i++) {
		struct rte_eth_link link;
		uint16_t pid = pl->ports->ports[i].port_id;

		if (rte_eth_link_get_nowait(pid, &link) == 0)
			__atomic_store_n(&pl->link_up[pid], link.link_status == RTE_ETH_LINK_UP,
					__ATOMIC_RELAXED);
	}
	stp_features_tick(pl);
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
	pl->idle_sleep_us = cfg->idle_sleep_us;
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
	for (unsigned int i = 0; i < ps->nb; i++) {
		const struct port_rt *pr = &ps->ports[i];

		if (pr->pcap_ts[0] != NULL && pr->port_id < PORT_MAX) {
			pl->file_port[pr->port_id] = true;
			pl->any_file_port = true;
		}
	}
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

	/*
	 * Several workers are chosen by flow hash, unless each RX lcore may keep what it reads
	 * (rx_local); stages may ask for parsing in their init.
	 */
	pl->rx_local = pl->nb_workers > 1;
	for (unsigned int i = 0; i < pl->nb_lcores; i++)
		if ((pl->lcores[i]->roles & CFG_ROLE_RX) &&
				!(pl->lcores[i]->roles & CFG_ROLE_WORKER))
			pl->rx_local = false;
	pl->need_parse = pl->nb_workers > 1 && !pl->rx_local;
	rc = stp_features_start(pl, NULL);
	if (rc < 0)
		return cfg_errf(cfg, err, pl->err_path, "%s", pl->err);
	pl->need_stamp = pl->nb_outputs > 0; /* set by the outputs feature's init */
	for (unsigned int s = 0; s < pl->nb_stages; s++) {
		if (!pl->stages[s]->stateless)
			pl->rx_local = false;
		if (!pl->stages[s]->stamp_blind)
			pl->need_stamp = true;
	}
	if (pl->nb_workers > 1 && !pl->rx_local)
		pl->need_parse = true;
	/*
	 * Not with outputs: a capture or an edge reads every packet's port, and writing it for
	 * them (stp_hint_port_write) cost more than the RX pass's check (broker.sh edge64: ~101
	 * against ~89 cycles/frame).
	 */
	pl->port_lazy = pl->nb_stages == 1 && pl->stages[0]->port_lazy && !pl->any_file_port &&
			pl->nb_outputs == 0;
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
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		pl_ring_purge(pl->lcores[i], pl->lcores[i]->worker_ring);
		pl_ring_purge(pl->lcores[i], pl->lcores[i]->tx_ring);
	}
	/* A last tick (the capture files' interface statistics), then the features stop in
	 * reverse order: the outputs, first in the registry, close their files last. */
	stp_pipeline_tick(pl);
	pl->stop_timeout_ms = timeout_ms;
	stp_features_stop(pl);
}

void
stp_pipeline_destroy(struct stp_pipeline *pl)
{
	stp_features_fini(pl);
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		rte_ring_free(pl->lcores[i]->worker_ring);
		rte_ring_free(pl->lcores[i]->tx_ring);
		rte_free(pl->lcores[i]);
		pl->lcores[i] = NULL;
	}
	pl->nb_lcores = 0;
}
