/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The run loop of a datapath lcore: RX stage, worker stages, TX stage, in that order in every
 * iteration, each one only when the lcore has that role. Packets stay on the lcore where the
 * next stage is local, and cross a ring otherwise.
 */

#include <assert.h>
#include <sched.h>
#include <stddef.h>
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

unsigned int
stp_file_pkts_first(const struct stp_pipeline *pl, struct rte_mbuf **pkts, unsigned int n)
{
	struct rte_mbuf *live[STP_MAX_BURST];
	unsigned int nf = 0, nl = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (pkts[i]->port < PORT_MAX && pl->file_port[pkts[i]->port])
			pkts[nf++] = pkts[i];
		else
			live[nl++] = pkts[i];
	}
	memcpy(&pkts[nf], live, nl * sizeof(live[0]));
	return nf;
}

/* How long a TX queue may take nothing before a file input's packets stop waiting for it. */
#define TXQ_STALL_MS 50

/*
 * What a TX queue refused: the packets of file inputs are offered again until it takes them
 * (back-pressure), those of live ports are moved to the end to be counted as drops. The NIC
 * is the consumer here, no lcore, so nothing else is emptied meanwhile; and a queue that takes
 * nothing for TXQ_STALL_MS is not draining (link down, or a software port looping back to
 * this pipeline's own RX, net_ring: waiting could deadlock), so the rest is a counted drop
 * then, as it is once the port or the pipeline stops. Returns how many were sent.
 */
static __rte_noinline uint16_t
tx_wait(struct stp_lcore *lc, uint16_t port_id, struct rte_mbuf **pkts, uint16_t n)
{
	const uint16_t nf = (uint16_t)stp_file_pkts_first(lc->pl, pkts, n);
	const uint64_t stall = rte_get_timer_hz() * TXQ_STALL_MS / 1000;
	uint64_t deadline = rte_get_timer_cycles() + stall;
	unsigned int spins = 0;
	uint16_t k = 0;

	while (k < nf && !__atomic_load_n(&lc->pl->port_stopped[port_id], __ATOMIC_RELAXED) &&
			stp_backpressure_wait(lc->pl, &spins)) {
		uint16_t sent = rte_eth_tx_burst(port_id, (uint16_t)lc->tx_idx, &pkts[k], nf - k);
		uint64_t now = rte_get_timer_cycles();

		if (sent > 0)
			deadline = now + stall;
		else if (now > deadline)
			break;
		k += sent;
	}
	return k;
}

__rte_noinline void
stp_tx_refused(struct stp_lcore *lc, uint16_t port_id, struct rte_mbuf **pkts, uint16_t n,
		uint16_t sent)
{
	if (lc->pl->any_file_port)
		sent += tx_wait(lc, port_id, &pkts[sent], n - sent);
	if (sent < n) {
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
		lc->stats.drops[STP_DROP_TX_QUEUE_FULL] += n - sent;
	}
	lc->stats.port_tx[port_id] += sent;
}

/* Send packets to a port on this lcore's own TX queue; free and count what the port refused. */
static __rte_always_inline void
tx_send(struct stp_lcore *lc, uint16_t port_id, struct rte_mbuf **pkts, uint16_t n)
{
	if (unlikely(__atomic_load_n(&lc->pl->port_stopped[port_id], __ATOMIC_RELAXED))) {
		rte_pktmbuf_free_bulk(pkts, n);
		lc->stats.drops[STP_DROP_PORT_STOPPED] += n;
		return;
	}
	stp_tx_burst(lc, port_id, pkts, n);
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

static inline void
tx_flush_dirty(struct stp_lcore *lc)
{
	while (lc->tx_dirty != 0) {
		tx_flush(lc, (uint16_t)__builtin_ctz(lc->tx_dirty));
		lc->tx_dirty &= lc->tx_dirty - 1;
	}
}

static void worker_process(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);

/*
 * While this lcore waits for another one's ring, it keeps emptying its own: the lcore it waits
 * for may itself wait for them (RX and TX on one lcore, the worker on another; two RX lcores
 * that are each other's workers). Its TX ring always: sending waits for no lcore. Its worker
 * ring only from the RX stage (@p worker), never from within a worker stage (no stage is
 * entered again while it runs); what the worker stages emit then may wait in turn, emptying
 * the TX ring only, so this goes no deeper.
 */
static void
own_rings_drain(struct stp_lcore *lc, bool worker)
{
	struct rte_mbuf *pkts[STP_MAX_BURST];
	uint16_t n;

	if (worker && lc->worker_ring != NULL) {
		n = rte_ring_dequeue_burst(lc->worker_ring, (void **)pkts, lc->pl->burst, NULL);
		if (n > 0)
			worker_process(lc, pkts, n);
	}
	if (lc->tx_ring != NULL) {
		n = rte_ring_dequeue_burst(lc->tx_ring, (void **)pkts, lc->pl->burst, NULL);
		if (n > 0)
			tx_buffer(lc, pkts, n);
	}
	tx_flush_dirty(lc);
}

/*
 * Enqueue to another lcore's ring (a worker's, a TX lcore's). What it refuses: the packets of
 * file inputs wait for room, in order (back-pressure: a replay loses nothing), this lcore
 * emptying its own rings meanwhile; those of live ports are moved to the end for the caller
 * to count as drops, as are all once the pipeline stops. Returns how many were enqueued.
 */
static unsigned int
ring_enqueue(struct stp_lcore *lc, struct rte_ring *r, struct rte_mbuf **pkts, unsigned int n,
		bool from_rx)
{
	unsigned int k = rte_ring_enqueue_burst(r, (void **)pkts, n, NULL), nf, spins = 0;

	if (likely(k == n) || !lc->pl->any_file_port)
		return k;
	nf = k + stp_file_pkts_first(lc->pl, &pkts[k], n - k);
	while (k < nf && stp_backpressure_wait(lc->pl, &spins)) {
		own_rings_drain(lc, from_rx);
		k += rte_ring_enqueue_burst(r, (void **)&pkts[k], nf - k, NULL);
	}
	return k;
}

/* ring_enqueue(), then what the ring refused is freed and counted as drop reason @p drop. */
static inline void
ring_enqueue_or_drop(struct stp_lcore *lc, struct rte_ring *r, struct rte_mbuf **pkts, uint16_t n,
		bool from_rx, enum stp_drop drop)
{
	unsigned int k = ring_enqueue(lc, r, pkts, n, from_rx);

	if (unlikely(k < n)) {
		rte_pktmbuf_free_bulk(&pkts[k], n - k);
		lc->stats.drops[drop] += n - k;
	}
}

/* Worker output: to this lcore's TX buffers when it transmits itself, else to its TX lcore. */
void
stp_tx_emit(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	struct stp_lcore *tx = lc->tx_target;

	if (tx == lc) {
		tx_buffer(lc, pkts, n);
		return;
	}
	ring_enqueue_or_drop(lc, tx->tx_ring, pkts, n, false, STP_DROP_TX_RING_FULL);
}

/* A stopped port's burst (counted port_stopped), or one that is buffered or crosses a ring. */
void
stp_tx_emit_port_slow(struct stp_lcore *lc, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
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
 * The first stage's time runs from @p t0; the last read is left in lc->tsc_last.
 * The RX hint holds for stage @p first when the caller set it: the RX stage (@p first 0), or
 * the stage before @p first when that one sets it for what it hands on (feature.h hint_out).
 */
static __rte_always_inline void
worker_stages(struct stp_lcore *lc, unsigned int first, struct rte_mbuf **pkts, uint16_t n,
		uint64_t t0)
{
	const struct stp_pipeline *pl = lc->pl;

	if (first != 0 && !pl->stages[first - 1]->hint_out)
		lc->hint.valid = false;
	for (unsigned int s = first; s < pl->nb_stages && n > 0; s++) {
		uint64_t t1;

		lc->stats.stage_pkts[s] += n;
		n = pl->stages[s]->burst(lc, pkts, n);
		/* The RX hint describes the burst as it came in: no later stage may trust it,
		 * unless this stage is a tap, which returns the burst as it came, or sets the
		 * hint itself for what it returns (hint_out).
		 */
		if (!pl->stages[s]->tap && !pl->stages[s]->hint_out)
			lc->hint.valid = false;
		t1 = rte_rdtsc();
		lc->stats.stage_cycles[s] += t1 - t0;
		t0 = t1;
	}
	lc->tsc_last = t0;
	lc->hint.valid = false;
	if (n > 0)
		stp_tx_emit(lc, pkts, n);
}

/* The first stage's time runs from here: a TSC read of its own. */
void
stp_worker_from(struct stp_lcore *lc, unsigned int first, struct rte_mbuf **pkts, uint16_t n)
{
	worker_stages(lc, first, pkts, n, rte_rdtsc());
}

/* A burst whose origin is unknown (a worker ring): no hint for the stages. */
static void
worker_process(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	lc->hint.valid = false;
	stp_worker_from(lc, 0, pkts, n);
}

/* What rx_prepare() learnt of a burst besides its packets. */
struct rx_sum {
	uint64_t bytes;
	uint32_t max_len; /* >= the longest packet: the OR of every length (runts included) */
	uint16_t segs;	  /* OR of every nb_segs: > 1 when one packet may be a chain */
	bool port_lazy;	  /* the packets' port was neither checked nor written (hint.port_lazy) */
};

/*
 * The pipeline's one stage on a burst from this lcore's RX (the hint set): no TSC read, the
 * loop iteration's cycles are the stage's (lone_ran); then what it returns goes to TX.
 */
static __rte_always_inline void
lone_stage(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	lc->stats.stage_pkts[0] += n;
	n = lc->pl->stages[0]->burst(lc, pkts, n);
	lc->hint.valid = false;
	lc->lone_ran = true;
	if (n > 0)
		stp_tx_emit(lc, pkts, n);
}

/* A burst from one RX queue of @p port_id, handed to this lcore's own stages. */
static inline void
worker_process_rx(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n, uint16_t port_id,
		const struct rx_sum *sum)
{
	lc->hint.valid = true;
	lc->hint.port = port_id;
	lc->hint.max_len = sum->max_len;
	lc->hint.multiseg = sum->segs > 1;
	lc->hint.port_lazy = sum->port_lazy;
	/*
	 * A lone stage (a plain forwarder's rules) reads no TSC: the run loop's iterations
	 * that ran it count as its cycles (lone_ran), RX included: rte_eth_rx_burst(), the RX
	 * pass, TX, the empty polls and the loop's bookkeeping. A TSC read costs ~55 TSC
	 * cycles here (AMD EPYC, back to back), ~1.7 cycles/pkt on a burst of 32; the loop
	 * reads one an iteration, whatever the bursts. With several stages each one's figure
	 * is its own: the first reads the clock as it starts, each reads it as it ends.
	 */
	if (lc->pl->nb_stages == 1) {
		lone_stage(lc, pkts, n);
		return;
	}
	worker_stages(lc, 0, pkts, n, rte_rdtsc());
}

/* Packets of one RX burst for worker @p w: its stages run here when it is this lcore, else they
 * go to its ring. */
static inline void
rx_to_worker(struct stp_lcore *lc, struct stp_lcore *w, struct rte_mbuf **pkts, uint16_t n,
		uint16_t port_id, const struct rx_sum *sum)
{
	if (w == lc)
		worker_process_rx(lc, pkts, n, port_id, sum);
	else
		ring_enqueue_or_drop(lc, w->worker_ring, pkts, n, true, STP_DROP_WORKER_RING_FULL);
}

/* What rx_prepare() does to each packet besides counting its bytes and catching runts. */
enum rx_mode {
	RX_STAMP, /* write the burst's one stamp (ns, src); no parsing */
	RX_PARSE, /* parse headers and hash (pkt_parse(): it also catches runts) */
	RX_PLAIN, /* nothing: stamped already, no stage reads headers or the hash */
	RX_COUNT, /* nothing: no one reads the stamp (need_stamp), the headers or the hash */
};

/*
 * An mbuf's nb_segs (low 16 bits) and port (high 16 bits) in one 32-bit load: they are
 * neighbours in struct rte_mbuf (checked at build time), little-endian here.
 */
static inline uint32_t
rx_segs_port(const struct rte_mbuf *m)
{
	uint32_t v;

	memcpy(&v, &m->nb_segs, sizeof(v));
	return v;
}
static_assert(offsetof(struct rte_mbuf, port) == offsetof(struct rte_mbuf, nb_segs) + 2,
		"rx_segs_port(): nb_segs and port are neighbours");
static_assert(RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN, "rx_segs_port(): port in the high half");

/* Write the input port into a burst whose PMD left another one there (net_ring). */
static __rte_noinline void
rx_set_port(struct rte_mbuf **pkts, uint16_t n, uint16_t port_id)
{
	for (uint16_t i = 0; i < n; i++)
		pkts[i]->port = port_id;
}

/*
 * The slow end of the RX pass, rare: a length minus RTE_ETHER_HDR_LEN had its sign bit set (a
 * runt, or a length of 2^31 + 14 or more). Counts the burst's bytes and the bound of its
 * lengths one packet at a time, and takes the runts (shorter than an Ethernet header) out of
 * @p pkts, order kept: they are freed and counted here, so that the RX pass's callers keep no
 * array of runts of their own.
 */
/* What rx_take_runts() returns: in two registers, no address taken in its callers' frames. */
struct rx_runts_sum {
	uint64_t bytes;	  /* of every packet, runts included */
	uint32_t max_len; /* the OR of the lengths of those left */
	uint16_t k;	  /* packets left */
};

static __rte_noinline struct rx_runts_sum
rx_take_runts(struct stp_lcore_stats *st, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *runts[STP_MAX_BURST];
	struct rx_runts_sum r = { .bytes = 0 };
	uint16_t nb_runt = 0;

	for (uint16_t i = 0; i < n; i++) {
		const uint32_t len = rte_pktmbuf_pkt_len(pkts[i]);

		r.bytes += len;
		if (len < RTE_ETHER_HDR_LEN) {
			runts[nb_runt++] = pkts[i];
		} else {
			r.max_len |= len;
			pkts[r.k++] = pkts[i];
		}
	}
	if (nb_runt > 0) {
		rte_pktmbuf_free_bulk(runts, nb_runt);
		st->drops[STP_DROP_RUNT] += nb_runt;
	}
	return r;
}

/* rx_prepare() with parsing: each packet's headers and hash; pkt_parse() catches the runts. */
static __rte_always_inline uint16_t
rx_prepare_parse(struct rte_mbuf **pkts, uint16_t n, uint16_t port_id, struct rte_mbuf **runts,
		uint16_t *nb_runt, struct rx_sum *sum)
{
	const int meta_off = pkt_meta_offset; /* a store to a packet cannot change it */
	uint64_t bytes = 0;
	uint32_t lens = 0, segs = 1;
	uint16_t k = 0;

	for (uint16_t i = 0; i < n && i < RX_PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct pkt_meta *meta = RTE_MBUF_DYNFIELD(m, meta_off, struct pkt_meta *);
		const uint32_t len = rte_pktmbuf_pkt_len(m);

		if (i + RX_PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + RX_PREFETCH_AHEAD], void *));
		/*
		 * Scalar ORs rather than min / max: an upper bound of the longest frame is all the
		 * rules stage needs, and GCC turns min / max into SSE with a trip through the
		 * stack.
		 */
		bytes += len;
		lens |= len;
		segs |= m->nb_segs;
		m->port = port_id; /* net_ring leaves the port of the mbuf's last RX */
		if (unlikely(pkt_parse(m, meta) < 0)) {
			runts[(*nb_runt)++] = m;
			continue;
		}
		pkts[k++] = m;
	}
	sum->bytes += bytes;
	sum->max_len = lens;
	sum->segs = (uint16_t)segs;
	sum->port_lazy = false;
	return k;
}

/*
 * The RX stage's pass over a burst, in one loop for its modes (a constant at each call: the
 * compiler makes one loop of each): each packet gets its input port and the metadata its mode
 * writes; a runt goes to @p runts. Returns how many are left in @p pkts, order kept.
 * Without parsing the pass only writes (no compaction, no branch per packet): one value per
 * packet, x = its length - RTE_ETHER_HDR_LEN, serves three ends: the sign bit of the OR of
 * every x says a runt (then rx_take_runts(), rare), the OR + 14 bounds the longest frame
 * (max(x) <= OR(x), and the OR has no sign bit), and the sum of x plus 14 a packet is the
 * burst's bytes. Unrolled by 8: the loop's own increment, compare and branch were 3 of ~11
 * instructions a packet. The lazy count pass (the plain forwarder's) is 5 instructions a
 * packet (load the mbuf, load its length, subtract, add, or) and an eighth of the loop's 3
 * when every port takes chains (nb_segs not read), 6 otherwise (objdump).
 * Measured: stampede's own part of the RX-to-TX path (PMDs excluded; callgrind by
 * scripts/bench/instr.sh -t stampede) 10.4 instr/pkt on both the null and the ring row, of
 * which this pass ~5.4 (14.0 and ~5.75 unrolled by 4, with the run-time path switch and the
 * TX call; before this accumulator and the unroll 21.5, the pass ~11; 27.3 and
 * 29.9 when it checked the port, and wrote it for net_ring: 47.5 before issue 18; testpmd io:
 * 3.0). The pass with the port check cost ~18 cycles/pkt on the null row (a build without
 * any pass: +27 %).
 */
static __rte_always_inline uint16_t
rx_prepare(struct stp_lcore_stats *st, struct rte_mbuf **pkts, uint16_t n, uint16_t port_id,
		const enum rx_mode mode, const bool lazy, const bool chains_read, uint64_t ns,
		uint8_t src, struct rte_mbuf **runts, uint16_t *nb_runt, struct rx_sum *sum)
{
	const int meta_off = pkt_meta_offset; /* a store to a packet cannot change it */
	/* nb_segs and port as one 32-bit load sees them (rx_segs_port()): the port it should say */
	const uint32_t port_want = (uint32_t)port_id << 16;
	uint64_t xsum = 0;
	uint32_t xors = 0, port_off = 0, segs = 1;

	if (mode == RX_PARSE)
		return rx_prepare_parse(pkts, n, port_id, runts, nb_runt, sum);
#pragma GCC unroll 8
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct pkt_meta *meta = RTE_MBUF_DYNFIELD(m, meta_off, struct pkt_meta *);
		const uint32_t x = rte_pktmbuf_pkt_len(m) - RTE_ETHER_HDR_LEN;

		xsum += x;
		xors |= x;
		if ((mode == RX_STAMP || mode == RX_COUNT) && lazy) {
			/*
			 * Nothing reads the port before the stage writes it if it needs it
			 * (pl->port_lazy): nb_segs alone matters, in the low half of the OR;
			 * and not even that when every port takes chains (!chains_read).
			 */
			if (chains_read)
				segs |= rx_segs_port(m);
		} else if (mode == RX_STAMP || mode == RX_COUNT) {
			/*
			 * The port is checked, not written: most PMDs set it (net_null does) and
			 * a store to it here cost ~5 cycles/pkt on the null row (forward.sh, per
			 * CPU-second); a port that does not (net_ring leaves the port of the
			 * mbuf's last RX) gets it written below, once a burst says so.
			 */
			const uint32_t sp = rx_segs_port(m);

			segs |= sp & 0xffffu;
			port_off |= (sp & 0xffff0000u) ^ port_want;
		} else {
			segs |= m->nb_segs;
			m->port = port_id; /* net_ring leaves the port of the mbuf's last RX */
		}
		if (mode == RX_STAMP) {
			/* flow_hash and out_port: no reader before a stage sets them. */
			meta->ts_ns = ns;
			meta->ts_src = src;
			meta->orig_len = 0;
		} else if (mode == RX_PLAIN) {
			/* orig_len: set by port_stamp_burst (a capture file's original length). */
			meta->flow_hash = 0;
		}
	}
	/* Not read: "one may be a chain", which every port takes (rx_path_of()). */
	sum->segs = chains_read ? (uint16_t)segs : 2;
	sum->port_lazy = lazy;
	if (unlikely(port_off != 0))
		rx_set_port(pkts, n, port_id);
	if (unlikely((int32_t)xors < 0)) {
		const struct rx_runts_sum r = rx_take_runts(st, pkts, n);

		sum->bytes += r.bytes;
		sum->max_len = r.max_len;
		return r.k;
	}
	sum->bytes += xsum + (uint64_t)RTE_ETHER_HDR_LEN * n;
	sum->max_len = xors + RTE_ETHER_HDR_LEN;
	return n;
}

/*
 * Several workers: group a burst by flow hash, keeping each worker's packets in arrival order.
 * Not inlined: its groups take 32 KiB of stack, which would otherwise sit in the frame of every
 * RX poll, a plain forwarder's too, under the stages and the PMDs' calls.
 */
static __rte_noinline void
rx_to_workers(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t k, uint16_t port_id,
		const struct rx_sum *sum)
{
	const struct stp_pipeline *pl = lc->pl;
	struct rte_mbuf *grp[CFG_MAX_LCORES][STP_MAX_BURST];
	uint16_t cnt[CFG_MAX_LCORES] = { 0 };
	uint64_t used = 0;

	for (uint16_t i = 0; i < k; i++) {
		/* Multiply-shift maps the 32-bit hash onto [0, nb_workers) without a divide. */
		uint32_t w = (uint32_t)(((uint64_t)pkt_meta(pkts[i])->flow_hash * pl->nb_workers) >>
				32);

		grp[w][cnt[w]++] = pkts[i];
		used |= 1ULL << w;
	}
	while (used != 0) {
		unsigned int w = __builtin_ctzll(used);

		used &= used - 1;
		rx_to_worker(lc, pl->workers[w], grp[w], cnt[w], port_id, sum);
	}
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

/*
 * rx_queue_poll()'s path for a queue, worked out once per lcore (rx_path_of()): what it reads
 * is set when the pipeline is made, before the lcores start. The base path, and two flags.
 */
enum rx_path {
	RXP_PORT = 0,  /* the port stamps the burst (port_stamp_burst()), then parse or plain */
	RXP_STAMP = 1, /* one software stamp (or none) for the burst */
	RXP_COUNT = 2, /* no stamp that anything reads */
	RXP_BASE = 3,
	/* the port left as the PMD wrote it (hint.port_lazy), not checked */
	RXP_LAZY = 4,
	/* and every port takes chains (port_rt.tx_multiseg): nb_segs not read either */
	RXP_ANY_SEGS = 8,
};

static uint8_t
rx_path_of(const struct stp_lcore *lc, unsigned int pi)
{
	const struct stp_pipeline *pl = lc->pl;
	/*
	 * The port is left as the PMD wrote it when the stage reads it from the hint (port_lazy:
	 * a burst this lcore's own stage takes).
	 */
	const bool lazy = pl->port_lazy && (pl->rx_local || pl->workers[0] == lc);
	/* The rules stage checks chains against its output only when the port takes none. */
	bool any_segs = true;

	for (unsigned int p = 0; p < pl->ports->nb; p++)
		any_segs &= pl->ports->ports[p].tx_multiseg;
	if (pl->need_parse || pl->rx_parse || !port_stamp_uniform(lc->poll[pi].port))
		return RXP_PORT;
	return (pl->need_stamp ? RXP_STAMP : RXP_COUNT) |
			(lazy ? RXP_LAZY | (any_segs ? RXP_ANY_SEGS : 0) : 0);
}

/*
 * Not inlined into the run loop: scripts/bench/instr.sh counts the RX-to-TX path as this
 * function's inclusive cost (the run loop's own spin at stop, long under valgrind, left out);
 * one call per burst.
 */
static __rte_noinline uint16_t
rx_queue_poll(struct stp_lcore *lc, unsigned int pi)
{
	struct stp_pipeline *pl = lc->pl;
	struct rte_mbuf *pkts[STP_MAX_BURST];
	struct rte_mbuf *runts[STP_MAX_BURST];
	const uint16_t port_id = lc->poll[pi].port_id;
	uint16_t n, k = 0, nb_runt = 0;
	struct rx_sum sum = { .bytes = 0 };

	n = rte_eth_rx_burst(port_id, lc->poll[pi].queue, pkts, pl->burst);
	if (n == 0)
		return 0;
	if (unlikely(lc->poll[pi].rx_path == RXP_PORT)) {
		port_stamp_burst(pl->ports, lc->poll[pi].port, lc->poll[pi].queue, pkts, n,
				rte_rdtsc(), lc->stats.ts_src);
		/* A feature's RX hook on this port (switch trailers: feature.h). */
		if (unlikely(lc->poll[pi].rx_hook != NULL))
			lc->poll[pi].rx_hook->rx(lc, lc->poll[pi].port, pkts, n);
		if (pl->need_parse || pl->rx_parse)
			k = rx_prepare(&lc->stats, pkts, n, port_id, RX_PARSE, false, true, 0, 0,
					runts, &nb_runt, &sum);
		else
			k = rx_prepare(&lc->stats, pkts, n, port_id, RX_PLAIN, false, true, 0, 0,
					runts, &nb_runt, &sum);
	} else {
		/*
		 * A plain forwarder's path: one stamp for the burst (software or none), written
		 * with the rest of the metadata in one pass; the packet data stays untouched and
		 * only runts are caught.
		 */
		const uint8_t src = lc->poll[pi].port->ts_src;

		const uint8_t path = lc->poll[pi].rx_path;
		uint64_t ns = 0;

		/* The clock is read only for a stamp that something reads. */
		if ((path & RXP_BASE) == RXP_STAMP && src == PKT_TS_SW)
			ns = clock_tsc_ns(rte_rdtsc());
		switch (path) {
		case RXP_COUNT | RXP_LAZY | RXP_ANY_SEGS:
			k = rx_prepare(&lc->stats, pkts, n, port_id, RX_COUNT, true, false, 0, src,
					runts, &nb_runt, &sum);
			break;
		case RXP_COUNT | RXP_LAZY:
			k = rx_prepare(&lc->stats, pkts, n, port_id, RX_COUNT, true, true, 0, src,
					runts, &nb_runt, &sum);
			break;
		case RXP_COUNT:
			k = rx_prepare(&lc->stats, pkts, n, port_id, RX_COUNT, false, true, 0, src,
					runts, &nb_runt, &sum);
			break;
		case RXP_STAMP | RXP_LAZY | RXP_ANY_SEGS:
			k = rx_prepare(&lc->stats, pkts, n, port_id, RX_STAMP, true, false, ns, src,
					runts, &nb_runt, &sum);
			break;
		case RXP_STAMP | RXP_LAZY:
			k = rx_prepare(&lc->stats, pkts, n, port_id, RX_STAMP, true, true, ns, src,
					runts, &nb_runt, &sum);
			break;
		default:
			k = rx_prepare(&lc->stats, pkts, n, port_id, RX_STAMP, false, true, ns, src,
					runts, &nb_runt, &sum);
			break;
		}
		lc->stats.ts_src[src] += n;
	}
	lc->stats.rx_bytes += sum.bytes;
	lc->stats.port_rx[port_id] += n;
	if (unlikely(nb_runt > 0)) {
		rte_pktmbuf_free_bulk(runts, nb_runt);
		lc->stats.drops[STP_DROP_RUNT] += nb_runt;
	}
	if (k == 0)
		return n;

	if (pl->nb_workers == 1 || pl->rx_local) {
		rx_to_worker(lc, pl->rx_local ? lc : pl->workers[0], pkts, k, port_id, &sum);
		return n;
	}

	rx_to_workers(lc, pkts, k, port_id, &sum);
	return n;
}

/*
 * rx_queue_poll() for a queue whose path is lazy (RXP_LAZY: no parsing, no port written, a
 * stamp for the burst or none), modes constant: the burst goes to this lcore's one stage
 * (pl->port_lazy: the pipeline has one stage; RXP_LAZY: this lcore is the worker its RX feeds),
 * then to TX, with no test of what rx_path_of() settled once at start.
 */
static __rte_always_inline uint16_t
rx_queue_poll_lazy(struct stp_lcore *lc, unsigned int pi, const enum rx_mode mode,
		const bool chains_read)
{
	struct stp_pipeline *pl = lc->pl;
	struct rte_mbuf **pkts = lc->rx_burst;
	const uint16_t port_id = lc->poll[pi].port_id;
	const uint8_t src = lc->poll[pi].port->ts_src;
	uint16_t n, k;
	struct rx_sum sum = { .bytes = 0 };
	uint64_t ns = 0;

	n = rte_eth_rx_burst(port_id, lc->poll[pi].queue, pkts, pl->burst);
	if (n == 0)
		return 0;
	/* The clock is read only for a stamp that something reads. */
	if (mode == RX_STAMP && src == PKT_TS_SW)
		ns = clock_tsc_ns(rte_rdtsc());
	k = rx_prepare(&lc->stats, pkts, n, port_id, mode, true, chains_read, ns, src, NULL, NULL,
			&sum);
	lc->stats.ts_src[src] += n;
	lc->stats.rx_bytes += sum.bytes;
	lc->stats.port_rx[port_id] += n;
	if (unlikely(k == 0)) /* runts only (rx_take_runts(): freed and counted) */
		return n;
	/* worker_process_rx()'s lone stage, its checks settled. */
	lc->hint.valid = true;
	lc->hint.port = port_id;
	lc->hint.max_len = sum.max_len;
	lc->hint.multiseg = sum.segs > 1;
	lc->hint.port_lazy = true;
	lone_stage(lc, pkts, k);
	return n;
}

/*
 * One function per lazy path the registry's stages reach: the run loop calls the queue's own
 * (rx_fn_of()). The stamped lazy paths (RXP_STAMP | RXP_LAZY: a port_lazy stage that reads
 * stamps, none today: the rules stage is stamp_blind) take rx_queue_poll(), which serves all.
 */
static __rte_noinline uint16_t
rx_queue_poll_count(struct stp_lcore *lc, unsigned int pi)
{
	return rx_queue_poll_lazy(lc, pi, RX_COUNT, true);
}

static __rte_noinline uint16_t
rx_queue_poll_count_any(struct stp_lcore *lc, unsigned int pi)
{
	return rx_queue_poll_lazy(lc, pi, RX_COUNT, false);
}

typedef uint16_t (*rx_queue_fn)(struct stp_lcore *lc, unsigned int pi);

/* The function that polls queue @p pi: a lazy path's own, rx_queue_poll() for every other. */
static rx_queue_fn
rx_fn_of(uint8_t path)
{
	switch (path) {
	case RXP_COUNT | RXP_LAZY | RXP_ANY_SEGS:
		return rx_queue_poll_count_any;
	case RXP_COUNT | RXP_LAZY:
		return rx_queue_poll_count;
	default:
		return rx_queue_poll;
	}
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
	/*
	 * idle_sleep_us: once the loop has found nothing to do for that long, it sleeps that long
	 * per idle iteration until work comes (0: it never sleeps). idle_since: the TSC at the
	 * first idle iteration of the current idle run, 0 while working.
	 */
	const unsigned int idle_us = pl->idle_sleep_us;
	const uint64_t idle_tsc = rte_get_tsc_hz() / 1000000 * idle_us;
	uint64_t idle_since = 0;

	lc->tsc_last = t_prev;
	for (unsigned int i = 0; i < lc->nb_poll; i++) {
		lc->poll[i].rx_path = rx_path_of(lc, i);
		lc->poll[i].rx = rx_fn_of(lc->poll[i].rx_path);
	}

	for (;;) {
		int phase = __atomic_load_n(&pl->phase, __ATOMIC_ACQUIRE);
		/*
		 * The previous iteration's cost, if it moved packets: from its start to the last
		 * TSC read in it, a burst's stage end, without a read of its own then (what it
		 * did after that read counts in this iteration). An iteration where no stage read
		 * the TSC (idle, or work from the rings' TX side or features only) reads it here.
		 */
		uint64_t t0 = lc->tsc_last;
		uint32_t work = 0;

		if (!worked || t0 == t_prev)
			t0 = rte_rdtsc();
		lc->tsc_last = t0;
		if (worked) {
			lc->stats.busy_cycles += t0 - t_prev;
			if (lc->lone_ran)
				lc->stats.stage_cycles[0] += t0 - t_prev;
		}
		lc->lone_ran = false;
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
						work += lc->poll[i].rx(lc, i);
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
		tx_flush_dirty(lc);
		worked = work > 0;
		if (worked) {
			lc->stats.work_pkts += work;
			idle_since = 0;
		} else if (unlikely(idle_tsc != 0) && idle_since != 0 &&
				t0 - idle_since >= idle_tsc) {
			/* Idle for idle_sleep_us: give the CPU back (the kernel, other processes).
			 */
			rte_delay_us_sleep(idle_us);
			lc->stats.idle_sleeps++;
		} else {
			if (idle_since == 0)
				idle_since = t0;
			if (unlikely(overcommitted))
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
