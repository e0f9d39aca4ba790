/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The run loop of a datapath lcore: RX stage, worker stages, TX stage, in that order in every
 * iteration, each one only when the lcore has that role. Packets stay on the lcore where the
 * next stage is local, and cross a ring otherwise.
 */

#include <sched.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "clock.h"
#include "pipeline.h"

/* Prefetch distance in the RX parse loop: enough to hide an L2 miss behind 3 packets' work. */
#define RX_PREFETCH_AHEAD 3

/* Send packets to a port on this lcore's own TX queue; free and count what the port refused. */
static inline void
tx_send(struct stp_lcore *lc, uint16_t port_id, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent;

	if (unlikely(__atomic_load_n(&lc->pl->port_stopped[port_id], __ATOMIC_RELAXED))) {
		rte_pktmbuf_free_bulk(pkts, n);
		lc->stats.drops[STP_DROP_PORT_STOPPED] += n;
		return;
	}
	sent = rte_eth_tx_burst(port_id, (uint16_t)lc->tx_idx, pkts, n);
	if (unlikely(sent < n)) {
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
		lc->stats.drops[STP_DROP_TX_QUEUE_FULL] += n - sent;
	}
	/* Bytes are the port's to count (rte_eth_stats obytes): not read again here. */
	lc->stats.tx_pkts += sent;
	lc->stats.port_tx[port_id] += sent;
}

static inline void
tx_flush(struct stp_lcore *lc, uint16_t port_id)
{
	struct stp_txbuf *b = &lc->txbuf[port_id];

	if (b->n == 0)
		return;
	tx_send(lc, port_id, b->pkts, b->n);
	b->n = 0;
}

uint16_t
stp_tx_send_generated(struct stp_lcore *lc, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent;

	/* What the workers buffered for the port goes first: a source never overtakes it. */
	tx_flush(lc, port);
	/* A stopped port takes nothing: the source keeps its packets, as from a full queue. */
	if (unlikely(__atomic_load_n(&lc->pl->port_stopped[port], __ATOMIC_RELAXED)))
		return 0;
	sent = rte_eth_tx_burst(port, (uint16_t)lc->tx_idx, pkts, n);
	lc->stats.generated += sent;
	lc->stats.tx_pkts += sent;
	lc->stats.port_tx[port] += sent;
	return sent;
}

/* Queue packets (their meta says the port) in this TX lcore's per-port buffers. */
static inline void
tx_buffer(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	const uint16_t burst = lc->pl->burst;
	uint16_t port0 = pkt_meta(pkts[0])->out_port;
	uint16_t i;

	/* The common case, a whole burst for one port with nothing buffered: send it as it is. */
	if (lc->txbuf[port0].n == 0) {
		for (i = 1; i < n; i++)
			if (pkt_meta(pkts[i])->out_port != port0)
				break;
		if (i == n) {
			tx_send(lc, port0, pkts, n);
			return;
		}
	}
	for (i = 0; i < n; i++) {
		uint16_t port = pkt_meta(pkts[i])->out_port;
		struct stp_txbuf *b = &lc->txbuf[port];

		b->pkts[b->n++] = pkts[i];
		lc->tx_dirty |= 1u << port;
		if (b->n == burst)
			tx_flush(lc, port);
	}
}

/* Worker output: to this lcore's TX buffers when it transmits itself, else to its TX lcore. */
void
stp_tx_emit(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	struct stp_lcore *tx = lc->tx_target;
	unsigned int k;

	if (tx == lc) {
		tx_buffer(lc, pkts, n);
		return;
	}
	k = rte_ring_enqueue_burst(tx->tx_ring, (void **)pkts, n, NULL);
	if (unlikely(k < n)) {
		rte_pktmbuf_free_bulk(&pkts[k], n - k);
		lc->stats.drops[STP_DROP_TX_RING_FULL] += n - k;
	}
}

void
stp_tx_emit_port(struct stp_lcore *lc, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	/* Sent as it is when this lcore transmits and has nothing older buffered for the port. */
	if (lc->tx_target == lc && lc->txbuf[port].n == 0) {
		tx_send(lc, port, pkts, n);
		return;
	}
	stp_tx_emit(lc, pkts, n);
}

/*
 * The worker stages from index @p first on, then the hand-off to TX. Each stage's cost is
 * counted per burst, as rte_graph counts per node: one TSC read per stage and burst (the end
 * of one stage is the start of the next), its cycles and the packets it was given. A stage's
 * cycles include what it hands on itself (the last stage's hand-off to TX, a stage that sends).
 */
void
stp_worker_from(struct stp_lcore *lc, unsigned int first, struct rte_mbuf **pkts, uint16_t n)
{
	const struct stp_pipeline *pl = lc->pl;
	uint64_t t0 = rte_rdtsc();

	for (unsigned int s = first; s < pl->nb_stages && n > 0; s++) {
		uint64_t t1;

		lc->stats.stage_pkts[s] += n;
		n = pl->stages[s]->burst(lc, pkts, n);
		t1 = rte_rdtsc();
		lc->stats.stage_cycles[s] += t1 - t0;
		t0 = t1;
	}
	if (n > 0)
		stp_tx_emit(lc, pkts, n);
}

static inline void
worker_process(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	stp_worker_from(lc, 0, pkts, n);
}

/* What rx_prepare() does to each packet besides counting its bytes and catching runts. */
enum rx_mode {
	RX_STAMP, /* write the burst's one stamp (ns, src); no parsing */
	RX_PARSE, /* parse headers and hash (pkt_parse(): it also catches runts) */
	RX_PLAIN, /* nothing: stamped already, no stage reads headers or the hash */
};

/*
 * The RX stage's pass over a burst, in one loop for the three modes (a constant at each call:
 * the compiler makes three loops of it): each packet gets its input port and the metadata its
 * mode writes; a runt goes to @p runts. Returns how many are left in @p pkts, order kept.
 */
static __rte_always_inline uint16_t
rx_prepare(struct rte_mbuf **pkts, uint16_t n, uint16_t port_id, const enum rx_mode mode,
		uint64_t ns, uint8_t src, struct rte_mbuf **runts, uint16_t *nb_runt,
		uint64_t *bytes)
{
	uint16_t k = 0;

	if (mode == RX_PARSE)
		for (uint16_t i = 0; i < n && i < RX_PREFETCH_AHEAD; i++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct pkt_meta *meta = pkt_meta(m);

		if (mode == RX_PARSE && i + RX_PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + RX_PREFETCH_AHEAD], void *));
		*bytes += rte_pktmbuf_pkt_len(m);
		m->port = port_id; /* net_ring leaves the port of the mbuf's last RX */
		if (mode == RX_STAMP) {
			/* flow_hash and out_port: no reader before a stage sets them. */
			meta->ts_ns = ns;
			meta->ts_src = src;
			meta->orig_len = 0;
		} else if (mode == RX_PLAIN) {
			/* orig_len: set by port_stamp_burst (a capture file's original length). */
			meta->flow_hash = 0;
		}
		if (mode == RX_PARSE ? unlikely(pkt_parse(m, meta) < 0) :
				       unlikely(rte_pktmbuf_pkt_len(m) < RTE_ETHER_HDR_LEN)) {
			runts[(*nb_runt)++] = m;
			continue;
		}
		pkts[k++] = m;
	}
	return k;
}

/*
 * RX stage for one queue: read, stamp, parse + hash, hand to workers by hash.
 * Returns the number of packets read.
 */
bool
stp_backpressure_wait(const struct stp_pipeline *pl, unsigned int *spins)
{
	if (__atomic_load_n(&pl->phase, __ATOMIC_ACQUIRE) == STP_PHASE_STOP)
		return false;
	/* Spin a little, then give the CPU away: the consumer may share it. */
	if (++*spins % 64 == 0)
		sched_yield();
	else
		rte_pause();
	return true;
}

/* Enqueue to a worker ring; a file port's packets wait for room (back-pressure). */
static inline unsigned int
worker_enqueue(struct stp_lcore *lc, struct rte_ring *r, struct rte_mbuf **pkts, unsigned int n,
		bool wait)
{
	unsigned int e = rte_ring_enqueue_burst(r, (void **)pkts, n, NULL), spins = 0;

	while (unlikely(e < n) && wait && stp_backpressure_wait(lc->pl, &spins))
		e += rte_ring_enqueue_burst(r, (void **)&pkts[e], n - e, NULL);
	return e;
}

static inline uint16_t
rx_queue_poll(struct stp_lcore *lc, unsigned int pi)
{
	struct stp_pipeline *pl = lc->pl;
	struct rte_mbuf *pkts[STP_MAX_BURST];
	struct rte_mbuf *runts[STP_MAX_BURST];
	uint16_t port_id = lc->poll[pi].port_id;
	uint16_t n, k = 0, nb_runt = 0;
	uint64_t tsc, bytes = 0;

	n = rte_eth_rx_burst(port_id, lc->poll[pi].queue, pkts, pl->burst);
	if (n == 0)
		return 0;
	tsc = rte_rdtsc();
	if (pl->need_parse || !port_stamp_uniform(lc->poll[pi].port)) {
		port_stamp_burst(pl->ports, lc->poll[pi].port, lc->poll[pi].queue, pkts, n, tsc,
				lc->stats.ts_src);
		/* A feature's RX hook on this port (switch trailers: feature.h). */
		if (unlikely(lc->poll[pi].rx_hook != NULL))
			lc->poll[pi].rx_hook->rx(lc, lc->poll[pi].port, pkts, n);
		if (pl->need_parse)
			k = rx_prepare(pkts, n, port_id, RX_PARSE, 0, 0, runts, &nb_runt, &bytes);
		else
			k = rx_prepare(pkts, n, port_id, RX_PLAIN, 0, 0, runts, &nb_runt, &bytes);
	} else {
		/*
		 * A plain forwarder's path: one stamp for the burst (software or none), written
		 * with the rest of the metadata in one pass; the packet data stays untouched and
		 * only runts are caught.
		 */
		const uint8_t src = lc->poll[pi].port->ts_src;
		const uint64_t ns = src == PKT_TS_SW ? clock_tsc_ns(tsc) : 0;

		k = rx_prepare(pkts, n, port_id, RX_STAMP, ns, src, runts, &nb_runt, &bytes);
		lc->stats.ts_src[src] += n;
	}
	lc->stats.rx_pkts += n;
	lc->stats.rx_bytes += bytes;
	lc->stats.port_rx[port_id] += n;
	if (unlikely(nb_runt > 0)) {
		rte_pktmbuf_free_bulk(runts, nb_runt);
		lc->stats.drops[STP_DROP_RUNT] += nb_runt;
	}
	if (k == 0)
		return n;

	if (pl->nb_workers == 1) {
		struct stp_lcore *w = pl->workers[0];

		if (w == lc) {
			worker_process(lc, pkts, k);
		} else {
			unsigned int e = worker_enqueue(
					lc, w->worker_ring, pkts, k, pl->file_port[port_id]);

			if (unlikely(e < k)) {
				rte_pktmbuf_free_bulk(&pkts[e], k - e);
				lc->stats.drops[STP_DROP_WORKER_RING_FULL] += k - e;
			}
		}
		return n;
	}

	/* Several workers: group by hash, keeping each worker's packets in arrival order. */
	{
		struct rte_mbuf *grp[CFG_MAX_LCORES][STP_MAX_BURST];
		uint16_t cnt[CFG_MAX_LCORES] = { 0 };
		uint64_t used = 0;

		for (uint16_t i = 0; i < k; i++) {
			/* Multiply-shift maps the 32-bit hash onto [0, nb_workers) without a
			 * divide. */
			uint32_t w = (uint32_t)(((uint64_t)pkt_meta(pkts[i])->flow_hash *
								pl->nb_workers) >>
					32);

			grp[w][cnt[w]++] = pkts[i];
			used |= 1ULL << w;
		}
		while (used != 0) {
			unsigned int w = __builtin_ctzll(used);
			struct stp_lcore *wl = pl->workers[w];

			used &= used - 1;
			if (wl == lc) {
				worker_process(lc, grp[w], cnt[w]);
				continue;
			}
			unsigned int e = worker_enqueue(lc, wl->worker_ring, grp[w], cnt[w],
					pl->file_port[port_id]);
			if (unlikely(e < cnt[w])) {
				rte_pktmbuf_free_bulk(&grp[w][e], cnt[w] - e);
				lc->stats.drops[STP_DROP_WORKER_RING_FULL] += cnt[w] - e;
			}
		}
	}
	return n;
}

int
stp_lcore_main(void *arg)
{
	struct stp_lcore *lc = arg;
	struct stp_pipeline *pl = lc->pl;
	const bool is_rx = lc->roles & CFG_ROLE_RX;
	const unsigned int nb_polls = lc->nb_polls;
	const bool overcommitted = pl->overcommitted;
	const uint16_t burst = pl->burst;
	struct rte_mbuf *pkts[STP_MAX_BURST];
	uint64_t t_prev = rte_rdtsc();
	bool worked = false;

	for (;;) {
		int phase = __atomic_load_n(&pl->phase, __ATOMIC_ACQUIRE);
		/* One TSC read per iteration: the previous iteration's cost, if it moved packets.
		 */
		uint64_t t0 = rte_rdtsc();
		uint32_t work = 0;

		if (worked)
			lc->stats.busy_cycles += t0 - t_prev;
		t_prev = t0;

		if (unlikely(phase == STP_PHASE_STOP))
			break;
		if (likely(phase == STP_PHASE_RUN) && is_rx) {
			/* Paused (console "stop"): the rings and TX buffers still drain. */
			if (likely(!__atomic_load_n(&pl->paused, __ATOMIC_RELAXED)))
				for (unsigned int i = 0; i < lc->nb_poll; i++)
					if (likely(!__atomic_load_n(
							    &pl->port_stopped[lc->poll[i].port_id],
							    __ATOMIC_RELAXED)))
						work += rx_queue_poll(lc, i);
		} else if (is_rx && !lc->rx_stopped) {
			__atomic_store_n(&lc->rx_stopped, true, __ATOMIC_RELEASE);
		}
		if (lc->worker_ring != NULL) {
			uint16_t n = rte_ring_dequeue_burst(
					lc->worker_ring, (void **)pkts, burst, NULL);

			if (n > 0) {
				worker_process(lc, pkts, n);
				work += n;
			}
		}
		if (lc->tx_ring != NULL) {
			uint16_t n = rte_ring_dequeue_burst(
					lc->tx_ring, (void **)pkts, burst, NULL);

			if (n > 0) {
				tx_buffer(lc, pkts, n);
				work += n;
			}
		}
		/* Features' timers and sources (feature.h): while running, some while draining. */
		for (unsigned int f = 0; f < nb_polls; f++)
			if (likely(phase == STP_PHASE_RUN) || lc->polls[f]->poll_drain)
				work += lc->polls[f]->poll(lc);
		/* Flush what this iteration buffered: latency stays bounded by one loop. */
		while (lc->tx_dirty != 0) {
			tx_flush(lc, (uint16_t)__builtin_ctz(lc->tx_dirty));
			lc->tx_dirty &= lc->tx_dirty - 1;
		}
		worked = work > 0;
		if (worked) {
			lc->stats.work_pkts += work;
		} else if (unlikely(overcommitted)) {
			/* Idle, and another thread needs this CPU: let it run. */
			sched_yield();
		}
		lc->stats.loops++;
		__atomic_store_n(&lc->epoch, lc->epoch + 1, __ATOMIC_RELEASE);
	}
	for (uint16_t p = 0; p < PORT_MAX; p++)
		tx_flush(lc, p);
	__atomic_store_n(&lc->exited, true, __ATOMIC_RELEASE);
	return 0;
}
