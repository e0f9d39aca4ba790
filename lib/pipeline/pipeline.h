/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_PIPELINE_H
#define STP_PIPELINE_H

/**
 * @file
 * The datapath: lcore roles, the stages each runs, the rings between lcores, named drop reasons
 * and per-lcore counters.
 *
 * One packet's way: an RX lcore reads a burst, stamps it (lib/port), parses it and computes its
 * symmetric flow hash (lib/pkt), then hands each packet to the worker chosen by hash; when that
 * worker is the RX lcore itself the packets stay on the lcore (no ring), otherwise they go through
 * the worker's ring. A worker runs the worker stages (stp_worker_stages[], in order) which leave in
 * each surviving packet's meta the output port, then hands the packets to its TX lcore (itself,
 * or through that TX lcore's ring). A TX lcore buffers per port and calls rte_eth_tx_burst on its
 * own TX queue of every port. So one lcore with all three roles runs to completion with no ring,
 * and the same stage code runs split across lcores.
 *
 * Order: a flow always takes the same RX queue (symmetric RSS), the same worker (hash) and the
 * same TX lcore (per worker), so its packets leave in the order they came.
 *
 * Every place a packet can be refused ends in a drop reason counter, so at every moment
 *     received + replicated + generated
 *         = transmitted + captured + consumed + sum of drops + in flight
 * and after a graceful stop (in flight = 0) the equality is exact.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "cfg.h"
#include "drops.h"
#include "feature.h"
#include "pkt.h"
#include "port.h"

#define STP_MAX_BURST CFG_MAX_BURST

/** Drop reasons (drops.h: the core's and every feature's, next to their code). */
enum stp_drop {
#define STP_DROP_ENUM(id, name, desc) STP_DROP_##id,
	STP_FOREACH_DROP(STP_DROP_ENUM)
#undef STP_DROP_ENUM
	STP_DROP_MAX
};

/** Name and description of a drop reason. */
const char *stp_drop_name(enum stp_drop d);
const char *stp_drop_desc(enum stp_drop d);

/**
 * Counters of one lcore. Single writer (that lcore); readers (control thread) sum over lcores.
 * 64-bit aligned loads and stores are atomic on the platforms DPDK supports, so a reader sees
 * each counter whole, if a few packets late.
 */
struct stp_lcore_stats {
	/**
	 * Packets read by this lcore's rx_burst calls. Not counted on the datapath: the sum of
	 * port_rx, which stp_lcore_stats_read(), stp_lcore_stat() and stp_stats_sum() fill in.
	 */
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	/** Packets accepted by rte_eth_tx_burst (bytes: port stats): port_tx summed, as rx_pkts. */
	uint64_t tx_pkts;
	uint64_t drops[STP_DROP_MAX];
	uint64_t ts_src[PKT_TS_MAX]; /**< stamps given, per source */
	uint64_t port_rx[PORT_MAX];  /**< rx_pkts per input DPDK port */
	uint64_t port_tx[PORT_MAX];  /**< tx_pkts per output DPDK port */
	uint64_t replicas;	     /**< extra copies made (replicate groups, continue rules) */
	uint64_t generated; /**< packets made here and sent (probes, reflections, tunnels' own) */
	uint64_t consumed;  /**< packets a stage took in for good (probes measured) */
	uint64_t captured;  /**< packets accepted by capture outputs' rings */
	uint64_t written;   /**< stp_stats_sum() only: packets the capture writers wrote */
	uint64_t stage_cycles[STP_MAX_STAGES]; /**< per worker stage (pl->stages[]): TSC cycles */
	uint64_t stage_pkts[STP_MAX_STAGES];   /**< per worker stage: packets it was given */
	uint64_t loops;			       /**< run-loop iterations */
	uint64_t busy_cycles; /**< TSC cycles spent in iterations that moved packets */
	uint64_t work_pkts;   /**< packets handled in those iterations (cycles/pkt) */
	uint64_t idle_sleeps; /**< idle_sleep_us sleeps taken */
} __rte_cache_aligned;

/** Per-port TX buffer of a TX lcore. */
struct stp_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[STP_MAX_BURST];
};

/** Run phases; the control thread moves them forward, lcores follow. */
enum stp_phase {
	STP_PHASE_RUN = 0, /**< poll ports */
	STP_PHASE_DRAIN,   /**< stop polling ports; keep emptying rings and TX buffers */
	STP_PHASE_STOP,	   /**< leave the run loop */
};

struct stp_pipeline;

/** State of one datapath lcore. Owned by that lcore except where marked. */
struct stp_lcore {
	struct stp_lcore_stats stats; /* dataplane: wo, ctlplane: ro */
	struct stp_pipeline *pl;
	unsigned int lcore_id;
	uint32_t roles; /* CFG_ROLE_* */
	uint16_t nb_poll;
	struct {
		struct port_rt *port;
		uint16_t port_id;
		uint16_t queue;
		const struct stp_feature *rx_hook; /* its RX hook, NULL if none (feature.h) */
		uint8_t rx_path; /* rx_queue_poll()'s path for it: set by the lcore at its start */
		/* the function that polls it (lcore.c, by rx_path), set with rx_path */
		uint16_t (*rx)(struct stp_lcore *lc, unsigned int pi);
	} poll[CFG_MAX_POLL];
	int worker_idx;		      /* index among workers, -1 if not a worker */
	int tx_idx;		      /* index among TX lcores = TX queue it owns, -1 if none */
	struct rte_ring *worker_ring; /* input of this worker (MP/SC), NULL if none */
	struct rte_ring *tx_ring;     /* input of this TX lcore (MP/SC), NULL if none */
	struct stp_lcore *tx_target;  /* the TX lcore this worker sends to */
	volatile uint64_t epoch;      /* dataplane: wo (each loop), ctlplane: ro (drain) */
	volatile bool rx_stopped;     /* dataplane: wo, ctlplane: ro */
	volatile bool exited;	      /* dataplane: wo (left the run loop), ctlplane: ro */
	uint32_t tx_dirty; /* ports with packets in txbuf, flushed at the end of each loop */
	/*
	 * What the RX stage learnt of the burst it hands to the first worker stage on this lcore
	 * (dataplane only), when @c valid (false: unknown, e.g. a burst from a worker ring, or
	 * after another stage ran): all its packets came in on @c port, none is longer than
	 * @c max_len (an upper bound), and @c multiseg says whether one may be a chain (true
	 * also when the RX stage did not look: every port takes chains). Lets the rules stage
	 * decide a burst without a pass over it; only the first stage given the burst sees it
	 * valid (and the stages after it while each is a tap: struct stp_feature's tap).
	 * @c port_lazy: the RX stage did not write @c port into the mbufs (pl->port_lazy), whose
	 * port field may still say another port (net_ring leaves the port of an mbuf's last RX);
	 * a stage that reads mbuf->port calls stp_hint_port_write() first.
	 */
	struct {
		bool valid;
		bool multiseg;
		uint16_t port;
		uint32_t max_len;
		bool port_lazy;
	} hint;
	/*
	 * The lone stage (a pipeline of one stage) ran on a burst from this lcore's own RX in
	 * this loop iteration (dataplane only): the iteration's cycles are that stage's.
	 */
	bool lone_ran;
	/*
	 * The lcore's last TSC read (dataplane only): the run loop's at the top of an iteration,
	 * then each burst's stage end (when there are several stages; a lone stage's bursts from
	 * this lcore's RX read none: lone_ran).
	 */
	uint64_t tsc_last;
	void *fpriv[STP_MAX_FEATURES]; /* a feature's state on this lcore, by its index (feat_k) */
	/* A feature's counters on this lcore (lcore_stats_size; dataplane: wo, ctlplane: ro). */
	void *fstats[STP_MAX_FEATURES];
	uint16_t nb_polls; /* features polled in each loop iteration (stp_features_start) */
	const struct stp_feature *polls[STP_MAX_FEATURES];
	uint32_t tunnel_seq[CFG_MAX_OUTPUTS]; /* ERSPAN GRE sequence per tunnel output */
	/*
	 * The burst of a lazy RX path (lcore.c, rx_queue_poll_lazy(), never entered again while
	 * it runs), dataplane only: here rather than on its stack, where an array makes
	 * -fstack-protector-strong check a canary on every call (5 instructions a burst).
	 */
	struct rte_mbuf *rx_burst[STP_MAX_BURST];
	struct stp_txbuf txbuf[PORT_MAX];
} __rte_cache_aligned;

/* The rules feature's rule table and rule names (lib/rules/rules_rt.h). */
struct stp_rules_rt;
struct stp_rule_names;

struct pcapng_writer;
struct pcapng_stats;

/** A tunnel output (outputs[].type erspan3, vxlan, gre) at run time; read-only once built. */
struct stp_tunnel_rt {
	struct encap_tunnel enc; /**< outer header fields, src_mac = the port's MAC */
	uint16_t port_id;	 /**< DPDK port it leaves by */
	uint16_t hdr_len;	 /**< encap_hdr_len() */
	uint32_t max_frame;	 /**< the port's largest frame */
	bool multiseg;		 /**< the port takes chained mbufs */
};

/** No output port (a rule table entry that drops). */
#define STP_NO_PORT UINT16_MAX

/*
 * Fewer packets than this in a figure's interval: cycles per packet is shown as "-". Busy cycles
 * are those of loop iterations that did work; at a low rate each packet is a burst of its own
 * and the iterations that carry it also poll every queue and run the timers, so the quotient is
 * the fixed cost of a loop iteration, not what a packet costs (issue 15: 1.9 M cycles/pkt at
 * 100 pps). From ~10000 packets on, bursts fill and the per-packet cost dominates.
 */
#define STP_CPP_MIN_PKTS 10000

/** The whole datapath. */
struct stp_pipeline {
	const struct stp_config *cfg;
	struct port_set *ports;
	uint16_t burst;
	uint16_t idle_sleep_us; /**< cfg idle_sleep_us: 0, or how long an idle lcore sleeps */
	uint16_t nb_lcores;
	struct stp_lcore *lcores[CFG_MAX_LCORES];
	uint16_t nb_workers;
	struct stp_lcore *workers[CFG_MAX_LCORES];
	uint16_t nb_tx;
	struct stp_lcore *txers[CFG_MAX_LCORES];
	struct stp_rules_rt *rules;	   /* ctlplane: wo (publish), dataplane: ro */
	struct stp_rule_names *rule_names; /* ctlplane: wo (publish), any thread: ro */
	uint16_t nb_outputs;
	struct pcapng_writer *outputs[CFG_MAX_OUTPUTS];	       /* NULL for tunnel outputs */
	const struct stp_output_ops *out_ops[CFG_MAX_OUTPUTS]; /* by output index (feature.h) */
	struct stp_tunnel_rt tunnels[CFG_MAX_OUTPUTS];
	uint64_t out_paused;	   /* ctlplane: wo (capture stop), dataplane: ro; bit 32 + output */
	bool launched;		   /* the lcores run (stp_pipeline_launch) */
	uint8_t link_up[PORT_MAX]; /* ctlplane: wo (each second), dataplane: ro (first-up) */
	bool overcommitted;	   /* threads share CPUs: rings take RTS producers */
	/* Console "port stop": not polled, what goes to it is dropped (port_stopped) while the
	 * device is stopped; ctlplane: wo (before rte_eth_dev_stop, after _start), dataplane: ro */
	uint8_t port_stopped[PORT_MAX];
	/* Ports that read a file (net_pcap rx_pcap): no wire to lose frames to, so their packets
	 * wait for a full worker or capture ring (back-pressure) instead of being dropped. */
	bool file_port[PORT_MAX];
	bool any_file_port;
	bool need_parse; /* some stage reads parsed headers or the flow hash (set at create) */
	/*
	 * The RX stage parses for a receive stage's own look at the outer headers (the broker's
	 * datagrams); unlike need_parse, the packets such a stage makes (decapsulated frames) are
	 * parsed only when need_parse says a later stage reads their headers (set at create).
	 */
	bool rx_parse;
	/*
	 * Each RX lcore hands its bursts to its own stages, never to another worker: every RX
	 * lcore is a worker and every stage is stateless (feature.h), so several run-to-completion
	 * lcores scale over RX queues (RSS) with no hash, no ring and no shared cache line.
	 */
	bool rx_local;
	/*
	 * Something reads the packets' stamps: an output (capture files, tunnels) or a stage
	 * that is not stamp_blind (feature.h). When false, a plain forwarder's RX stage writes
	 * no metadata per packet and does not read the clock (the stamps are still counted, per
	 * source, in ts_src).
	 */
	bool need_stamp;
	/*
	 * The one worker stage is port_lazy (feature.h), no input is a file (tx_wait() and
	 * ring_enqueue() read the port of a file input's packets) and there is no output (they
	 * read every packet's port; outputs are set at start only): an RX lcore that runs the
	 * stage itself neither checks nor writes each packet's port (hint.port_lazy).
	 */
	bool port_lazy;
	bool outputs_closed;
	const struct stp_feature *const *features; /* the registry this pipeline runs */
	uint16_t nb_features;			   /* started (stp_features_start) */
	int8_t feat_rc[STP_MAX_FEATURES];	   /* its init: -1 failed, 0 stage on, 1 no stage */
	/*
	 * A feature's own state, by its index k in features: fpriv[k] pipeline-wide, each lcore's
	 * fpriv[k] on that lcore. feat_k is k while the feature's init runs (it keeps it).
	 */
	void *fpriv[STP_MAX_FEATURES];
	uint16_t feat_k;
	uint16_t nb_stages; /* the worker stages in use, in order */
	const struct stp_feature *stages[STP_MAX_STAGES];
	struct pcapng_stats *out_final; /* writers' last counters, kept when they are closed */
	char err[CFG_ERR_LEN];		/* a feature's init error */
	char err_path[64];		/* the config path it is about (default: its name) */
	unsigned int stop_timeout_ms;	/* stp_pipeline_stop()'s, for the features' stop */
	volatile int phase;		/* enum stp_phase; ctlplane: wo, dataplane: ro */
	volatile bool paused; /* console "stop": RX lcores poll no port; ctlplane: wo, dataplane: ro
			       */
};

/** Build the pipeline (lcore states, rings, stage init) from a loaded config and set-up ports. */
int stp_pipeline_create(struct stp_pipeline *pl, const struct stp_config *cfg, struct port_set *ps,
		char err[CFG_ERR_LEN]);

/** Launch the run loop on every datapath lcore. */
int stp_pipeline_launch(struct stp_pipeline *pl);

/**
 * Stop gracefully: stop RX, drain the rings and TX buffers (bounded by @p timeout_ms: what is
 * still queued then is freed and counted as STP_DROP_SHUTDOWN), and wait for the lcores.
 */
void stp_pipeline_stop(struct stp_pipeline *pl, unsigned int timeout_ms);

/**
 * Wait until every running lcore has gone through two more loop iterations (so none still uses
 * what it read before the call). 0, or -ETIMEDOUT after @p timeout_ms. Control thread only.
 */
int stp_pipeline_quiesce(struct stp_pipeline *pl, unsigned int timeout_ms);

/** Free rings and lcore states (after stop). */
void stp_pipeline_destroy(struct stp_pipeline *pl);

/**
 * Hand packets (pkt_meta.out_port set) from a worker stage to TX: this lcore's TX buffers when it
 * transmits itself, else its TX lcore's ring (refused packets are counted tx_ring_full; those of
 * file inputs wait for room instead, while the pipeline runs).
 */
void stp_tx_emit(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);

/** stp_tx_emit_port() when its inline case does not hold (lcore.c). */
void stp_tx_emit_port_slow(struct stp_lcore *lc, uint16_t port, struct rte_mbuf **pkts, uint16_t n);

/**
 * What follows a TX burst that @p port took only @p sent of @p n packets of (lcore.c): a file
 * input's packets wait for room, the rest is freed and counted tx_queue_full; port_tx counts
 * every packet sent.
 */
void stp_tx_refused(struct stp_lcore *lc, uint16_t port, struct rte_mbuf **pkts, uint16_t n,
		uint16_t sent);

/**
 * Send a burst to running port @p port on this lcore's own TX queue and count it: what the
 * port refused goes to stp_tx_refused(). Bytes are the port's to count (rte_eth_stats obytes).
 */
static inline void
stp_tx_burst(struct stp_lcore *lc, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = rte_eth_tx_burst(port, (uint16_t)lc->tx_idx, pkts, n);

	if (unlikely(sent < n)) {
		stp_tx_refused(lc, port, pkts, n, sent);
		return;
	}
	lc->stats.port_tx[port] += n;
}

/**
 * stp_tx_emit() for packets that all go to @p port (their out_port set): skips the per-packet
 * sort when this lcore transmits them itself. Inline: when this lcore transmits, has nothing
 * older buffered for the port and the port runs, the burst goes to rte_eth_tx_burst() from the
 * caller's frame, no call of the core's in between (a plain forwarder's every burst).
 */
static inline void
stp_tx_emit_port(struct stp_lcore *lc, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	if (unlikely(lc->tx_target != lc || lc->txbuf[port].n != 0 ||
			    __atomic_load_n(&lc->pl->port_stopped[port], __ATOMIC_RELAXED))) {
		stp_tx_emit_port_slow(lc, port, pkts, n);
		return;
	}
	stp_tx_burst(lc, port, pkts, n);
}

/** Control thread, about once a second: link states for first-up groups, capture ISB stats. */
void stp_pipeline_tick(struct stp_pipeline *pl);

/**
 * Back-pressure for file inputs: called while a ring refuses a file port's packets, it gives
 * the consumer (writer thread, worker lcore) time. True to try again; false once the pipeline
 * stops (then the caller counts what is left as its drop).
 */
bool stp_backpressure_wait(const struct stp_pipeline *pl, unsigned int *spins);

/**
 * Move the packets of file inputs (file_port: those that wait) to the front of @p pkts, order
 * kept, the others after them; returns how many are in front.
 */
unsigned int stp_file_pkts_first(
		const struct stp_pipeline *pl, struct rte_mbuf **pkts, unsigned int n);

/** The run loop (what each datapath lcore executes). */
int stp_lcore_main(void *arg);

/** Sum of all lcores' counters. */
void stp_stats_sum(const struct stp_pipeline *pl, struct stp_lcore_stats *sum);

/**
 * Lcore @p lc's counters, each read whole, rx_pkts and tx_pkts filled in (the sums of port_rx
 * and port_tx: the datapath counts a burst once, per port). Any thread. Returns @p st.
 */
const struct stp_lcore_stats *stp_lcore_stats_read(
		const struct stp_lcore *lc, struct stp_lcore_stats *st);

/**
 * The counter at offset @p off in lcore @p lc's struct stp_lcore_stats, as
 * stp_lcore_stats_read() gives it. Any thread.
 */
uint64_t stp_lcore_stat(const struct stp_lcore *lc, size_t off);

/**
 * Counters of capture output @p o: live from its writer, or the writer's last counters once the
 * outputs are closed (the writers are gone then).
 */
void stp_output_stats(const struct stp_pipeline *pl, unsigned int o, struct pcapng_stats *ws);

/** Total of the drop counters. */
uint64_t stp_stats_dropped(const struct stp_lcore_stats *s);

/**
 * Packets in flight in summed counters @p s (stp_stats_sum()): what came in (received +
 * replicated + generated) minus what left (transmitted + captured + consumed + dropped). Exactly
 * 0 once the pipeline has stopped: that is the invariant every test checks.
 */
int64_t stp_stats_in_flight(const struct stp_lcore_stats *s);

/**
 * Send packets a source made (TX lcores only, on this lcore's own queue of @p port). Counts
 * generated and transmitted for those the port took; returns how many it took. The caller keeps
 * the others (to retry) or frees them counting a drop reason (generated += 1 first).
 */
uint16_t stp_tx_send_generated(
		struct stp_lcore *lc, uint16_t port, struct rte_mbuf **pkts, uint16_t n);

/**
 * Cut a (possibly chained) mbuf to its first @p len bytes (<= its length), freeing the
 * segments past them: a rule's snaplen, a stripped switch trailer.
 */
static inline void
stp_mbuf_cut(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m, *rest;
	uint32_t left = len;

	while (seg->data_len < left) {
		left -= seg->data_len;
		seg = seg->next;
	}
	seg->data_len = (uint16_t)left;
	rest = seg->next;
	seg->next = NULL;
	if (rest != NULL) {
		for (struct rte_mbuf *r = rest; r != NULL; r = r->next)
			m->nb_segs--;
		rte_pktmbuf_free(rest);
	}
	m->pkt_len = len;
}

/** Feature @p k's counters on lcore @p lc (struct stp_feature.lcore_stats_size), or NULL. */
static inline void *
stp_feature_lcore_stats(const struct stp_lcore *lc, unsigned int k)
{
	return lc->fstats[k];
}

/** Run the worker stages from index @p first on, then hand what remains to TX. */
void stp_worker_from(struct stp_lcore *lc, unsigned int first, struct rte_mbuf **pkts, uint16_t n);

/**
 * Write the input port into a burst's mbufs if the RX stage left it unwritten (hint.port_lazy):
 * a port_lazy stage (feature.h) calls it before it reads mbuf->port.
 */
static inline void
stp_hint_port_write(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	if (!lc->hint.valid || !lc->hint.port_lazy)
		return;
	for (uint16_t i = 0; i < n; i++)
		pkts[i]->port = lc->hint.port;
	lc->hint.port_lazy = false;
}

/**
 * Print the counters (ports, drops, timestamps, totals) as text. @p final: the pipeline has
 * stopped, so stp_stats_in_flight() must be 0 and the line says whether it
 * does; otherwise the difference is shown as packets in flight.
 */
void stp_stats_print(const struct stp_pipeline *pl, bool final, FILE *f);

/** One-line status since @p prev (updated), for periodic output. */
void stp_stats_line(
		const struct stp_pipeline *pl, struct stp_lcore_stats *prev, double dt_s, FILE *f);

/**
 * Per worker stage, of one lcore's counters @p s (or a sum): [{name, cycles, packets,
 * cycles_per_packet}] in pl->stages[] order; the cost of each stage as rte_graph counts per node.
 */
json_t *stp_stages_json(const struct stp_pipeline *pl, const struct stp_lcore_stats *s);

/** Write the final counters as JSON (the shape tests read). Returns 0 or -errno. */
int stp_stats_json(const struct stp_pipeline *pl, const char *path);

#endif /* STP_PIPELINE_H */
