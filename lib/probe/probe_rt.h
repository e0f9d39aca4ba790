/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_PROBE_RT_H
#define STP_PROBE_RT_H

/**
 * @file
 * Latency probes at run time: the state the generator (source.c), the receiver/reflector
 * stage (stage.c) and the control functions (control.c) share, in pl->fpriv[probe_k]
 * (pipeline-wide) and lc->fpriv[probe_k] (per lcore). Private to lib/probe: the core knows the
 * feature only as stp_feature_probe (feature.c).
 *
 * STAMP (RFC 8762) plugs in through cfg_probe.mode / cfg_probe_rx.mode: the generator builds
 * its template and patches sequence and T1 per mode (gen_template(), gen_build(), gen_send()),
 * the stage measures replies (rx_stamp_reply()) and reflects (rx_stamp_reflect()) per mode; the
 * statistics below (sequence, jitter, histogram) are the same for both.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <rte_mbuf.h>

#include "cfg.h"
#include "feature.h"
#include "hist.h"
#include "pipeline.h"
#include "probe.h"
#include "probe_cfg.h"
#include "reflect.h"
#include "stamp.h"

#include "probe_txts.h"
#include "ratewin.h"
#include "refl_txcorr.h"

/** Receiver counters of packets to the probe port that are not measured (named, ignored). */
#define STP_FOREACH_PROBE_IGNORED(_)                                                                \
	_(BAD_MAGIC, "bad_magic", "UDP to the probe port without the probe magic (passed on)")      \
	_(TRUNCATED, "truncated", "probe magic but shorter than a probe (passed on)")               \
	_(BAD_VERSION, "bad_version", "probe magic, unknown version (passed on)")                   \
	_(BAD_STREAM, "bad_stream", "stream id beyond the receiver's table (passed on)")            \
	_(MULTISEG, "multiseg", "probe in a chained mbuf: not reflected (passed on)")               \
	_(STAMP_SHORT, "stamp_short", "STAMP packet shorter than 44 bytes (passed on)")             \
	_(STAMP_ERR_EST, "stamp_bad_error_estimate",                                                \
			"STAMP reply with an error estimate multiplier of 0 (passed on)")           \
	_(STAMP_TS, "stamp_bad_timestamp",                                                          \
			"STAMP reply with an invalid PTP timestamp (passed on)")                    \
	_(STAMP_OVERFLOW, "stamp_session_overflow",                                                 \
			"STAMP request of a new session, stateful table full (passed on)")          \
	_(STAMP_UNKNOWN, "stamp_unknown_session",                                                   \
			"UDP from a STAMP stream's reflector port matching no session (passed on)") \
	_(STAMP_AUTH, "stamp_auth_failed",                                                          \
			"STAMP reply to an authenticated stream without its HMAC (not measured)")

enum stp_probe_ignored {
#define PROBE_IGN_ENUM(id, name, desc) STP_PROBE_IGN_##id,
	STP_FOREACH_PROBE_IGNORED(PROBE_IGN_ENUM)
#undef PROBE_IGN_ENUM
	STP_PROBE_IGN_MAX
};

/** Direction of a measured stream: probes arriving (one-way) or coming back reflected (RTT). */
enum stp_probe_dir {
	STP_PROBE_ONEWAY = 0,
	STP_PROBE_RTT,
	STP_PROBE_FWD, /**< STAMP: T2 - T1, sender to reflector (synchronised clocks only) */
	STP_PROBE_BWD, /**< STAMP: T4 - T3, reflector to sender (synchronised clocks only) */
	STP_PROBE_DIR_MAX
};

/** Slots in stp_probe_lcore.rx per stream (one-way, rtt); STAMP's forward and backward are
 * in stp_probe_lcore.ow, allocated only when a STAMP stream exists. */
#define STP_PROBE_RX_DIRS 2

/** One stream's receive statistics on one worker lcore (single writer: that lcore). */
struct stp_probe_rx_slot {
	struct probe_seq seq;
	struct probe_jitter jitter;
	uint64_t measured;	   /**< probes whose delay went into the histogram */
	uint64_t negative;	   /**< delays below 0 (clocks not synchronised): recorded as 0 */
	uint64_t t1_hw;		   /**< measured with the NIC's T1 (the rest: the probe's) */
	uint64_t t1_kernel;	   /**< measured with the kernel's TX stamp as T1 (net_afpkt) */
	uint64_t res_sum;	   /**< RTT: reflector residence times, ns */
	uint64_t res_min, res_max; /**< RTT: residence min (UINT64_MAX while none) and max */
	uint64_t last_rx_ns;
	uint64_t unsynced; /**< STAMP forward/backward: a side's error estimate lacked S */
	uint64_t late;	   /**< RTT: replies after the stream's loss horizon (lost, not measured) */
	uint64_t refl_max; /**< STAMP forward: highest reflector sequence seen (widened) */
	bool refl_seen;	   /**< STAMP forward: refl_max is valid */
	struct hist h;	   /**< one-way delay or RTT (without the reflector's residence), ns */
} __rte_cache_aligned;

/** A per-probe record for the verbose output (datapath writes, control thread prints). */
struct stp_probe_event {
	uint16_t stream;
	uint8_t dir;
	uint8_t ts_src;
	uint8_t stamp;	/**< a STAMP measurement (times are T1..T4) */
	uint8_t t1_src; /**< enum probe_ts_src of tx_ns: HW or KERNEL from the stream's table */
	uint64_t seq;
	uint64_t tx_ns, refl_rx_ns, refl_tx_ns, rx_ns;
};

#define STP_PROBE_EVENTS 4096 /* power of 2 */

/** Per lcore: the streams it generates and, on workers, what it receives. */
struct stp_probe_lcore {
	uint16_t nb_gen;
	struct stp_probe_gen *gen[CFG_MAX_PROBES];
	struct stp_probe_rx_slot *rx; /**< [PROBE_MAX_STREAMS][STP_PROBE_RX_DIRS]; workers only */
	struct stp_probe_rx_slot *ow; /**< [PROBE_MAX_STREAMS][2]: STAMP forward, backward */
	uint64_t reflected;	      /**< probes answered (reflector) */
	uint64_t ignored[STP_PROBE_IGN_MAX];
	uint64_t seq_far, seq_old; /**< also in the slots; here for "show probes" totals */
	/* Verbose events: single producer (this lcore), single consumer (control thread). */
	struct stp_probe_event *ev;
	uint64_t ev_head; /* dataplane: wo */
	uint64_t ev_tail; /* ctlplane: wo */
	uint64_t ev_lost; /* dataplane: wo: events dropped, ring full */
	/** Stateful STAMP reflector: this worker's sessions (dataplane: wo, ctlplane: ro). A
	 * session stays on one worker as long as RSS hashes its packets to one queue. */
	struct stamp_sess_table *stamp_sess;
	/** Reflector: this worker's per-source rate limit (dataplane: wo), NULL when none. */
	struct probe_refl_rl *refl_rl;
	/** Per stream id: this instance's hardware T1 table (stp_probe_rt.txts). */
	const struct probe_txts *const *txts;
	/** Authenticated STAMP (lib/stamp; OpenSSL contexts are single-thread, so each worker
	 * has its own copies): the reflector's key, and per stream id the key its replies are
	 * checked with (NULL: not authenticated). Dataplane: rw, ctlplane: init and free. */
	struct stamp_hmac *refl_hmac;
	struct stamp_hmac *rx_hmac[PROBE_MAX_STREAMS];
};

/**
 * Entries of a generator's send history (a power of 2): (TSC, positions issued by then), one
 * every loss horizon / STP_PROBE_SENT_STEPS at most, so the history spans 4 horizons.
 */
#define STP_PROBE_SENT_HIST 128
#define STP_PROBE_SENT_STEPS 32

/** Most distinct frame sizes of one stream. */
#define STP_PROBE_TMPL PROBE_MAX_SIZES

/** One generated stream. */
struct stp_probe_gen {
	struct cfg_probe c; /**< its config (a copy) */
	unsigned int idx;   /**< index in probes[] */
	uint16_t port_id;
	struct stp_lcore *lc;	      /**< the TX lcore that sends it */
	struct rte_mempool *pool;     /**< own_pool, or the ports' pool when it could not be made */
	struct rte_mempool *own_pool; /**< this stream's mbufs, data pre-filled from the template */
	uint16_t hdr_len; /**< bytes copied per packet: headers + probe fields (own_pool) */
	uint64_t hz;

	/*
	 * Hardware T1 (probe_txts.h): when the port stamps in hardware and its timesync API
	 * works, one probe at a time is sent with RTE_MBUF_F_TX_IEEE1588_TMST and its stamp,
	 * read after the burst, goes into txts for the worker that measures the answer. The
	 * frame keeps the software T1 (the NIC stamps after it is built).
	 */
	const struct port_rt *pr; /**< the port, whose clock converts the stamp to UTC */
	bool hw_tx;
	struct probe_hwtx hwtx; /**< dataplane: wo, ctlplane: ro */
	struct probe_txts txts; /**< dataplane (TX lcore): wo, workers: ro */

	/* Control (ctlplane: wo under the ctl mutex, dataplane: ro). */
	uint32_t ctl_gen;  /**< bumped after each change below */
	bool ctl_run;	   /**< start / stop */
	uint64_t ctl_rate; /**< pps or bit/s (as configured); 0 = max */

	/* Templates, one per distinct size (built at init, read-only after). */
	uint16_t nb_tmpl;
	uint8_t *tmpl[STP_PROBE_TMPL];
	uint16_t tmpl_len[STP_PROBE_TMPL];	/**< frame bytes without FCS */
	uint32_t tmpl_csum[STP_PROBE_TMPL];	/**< UDP sum with sport, seq and tx_ns zero */
	uint16_t nb_seq;			/**< size sequence length (1, or cfg sizes) */
	uint8_t size_tmpl[CFG_MAX_PROBE_SIZES]; /**< template of each position in the cycle */
	uint16_t off_l4, off_probe;
	uint16_t off_seq, off_tx; /**< frame offsets of the sequence and the TX timestamp */
	uint8_t seq_len;	  /**< 8 (stampede), 4 (STAMP), 0 (plain: no probe fields) */
	uint16_t stamp_err_est;	  /**< STAMP: the error estimate field (S, Z, scale, mult) */
	/** Authenticated STAMP: the stream's key, signing on its TX lcore only (else NULL) */
	struct stamp_hmac *hmac;
	bool bps;	   /**< paced in bit/s: a packet costs its frame bits */
	uint64_t min_bits; /**< bits of the smallest frame */

	/* Datapath state (the owning TX lcore). */
	uint32_t seen_gen;
	bool active;
	struct probe_pace pace;
	uint64_t credits;  /**< credits spent in this run */
	uint64_t run_pkts; /**< positions used in this run (count limit) */
	uint64_t run_start_pos;
	uint64_t pos;	   /**< positions since start-up: seq numbering, size cycle, impairment */
	uint16_t size_pos; /**< pos % nb_seq, kept without a division */
	uint64_t run_start_tsc;
	uint64_t deadline_tsc; /**< 0: no duration */
	uint16_t nb_pend;      /**< packets the port refused, sent first next time */
	uint64_t pend_dup;     /**< bit i: pend[i] is an impairment duplicate */
	struct rte_mbuf *pend[STP_MAX_BURST];

	/*
	 * Send history for the loss horizon (dataplane: wo, ctlplane: ro): sent[i] says that by
	 * TSC sent[i].tsc, sent[i].pos positions (sequence numbers) had been issued; sent_head
	 * entries were written (published with release after the entry).
	 */
	uint64_t horizon_tsc; /**< probes[].loss_horizon_ms in TSC cycles */
	uint64_t sent_step_tsc;
	uint64_t sent_last_tsc, sent_last_pos; /**< the latest entry (dataplane only) */
	uint64_t sent_head;
	struct {
		uint64_t tsc, pos;
	} sent[STP_PROBE_SENT_HIST];

	/* Counters (dataplane: wo, ctlplane: ro). */
	uint64_t tx_pkts;
	uint64_t tx_bytes; /**< frame bytes with FCS */
	uint64_t impair_drops, impair_dups;
	uint64_t behind;      /**< polls that found more than a burst due */
	uint64_t no_mbuf;     /**< polls that could not allocate: retried */
	uint64_t runs;	      /**< runs started */
	uint64_t past_cycles; /**< active TSC cycles of the runs that ended */
	uint64_t cur_start;   /**< TSC the current run started (valid while cur_active) */
	bool cur_active;      /**< a run is going on */

	/* The rate over the last interval (ctlplane only, under control.c's window lock). */
	uint64_t win_start; /**< TSC at init: the first window's start */
	struct stp_ratewin win;
} __rte_cache_aligned;

/** Pipeline-wide probe state. */
struct stp_probe_rt {
	bool rx_used;	 /**< the stage runs (probe_rx.enabled or probes[] not empty) */
	bool rx_enabled; /**< probe_rx.enabled: measure (and reflect) probes from elsewhere */
	bool reflect;
	bool verbose;
	enum cfg_probe_mode rx_mode; /**< probe_rx.mode */
	uint16_t stamp_err_est;	     /**< the Session-Reflector's error estimate field */
	bool stamp_stateful;	     /**< probe_rx.stamp_stateful: own sequence per session */
	uint8_t nb_stamp;	     /**< STAMP streams (replies are matched against them) */
	struct {
		uint16_t refl_port;	   /**< the reflector's UDP port (dst_port), host order */
		uint16_t port_lo, port_hi; /**< the stream's source ports, host order */
		uint16_t ssid;
		uint16_t stream;
		bool auth; /**< authenticated mode: replies are 112 bytes, SSID at 26 */
	} stamp[CFG_MAX_PROBES];
	/** probe_rx.stamp_auth: the Session-Reflector answers only authenticated requests, with
	 * this key (each worker has a copy, stp_probe_lcore.refl_hmac) */
	struct stamp_hmac *refl_hmac;
	struct probe_refl_cfg refl; /**< what the reflector answers (lib/probe/reflect.h) */
	/** mbuf dynflag of a reply whose T3 the port's TX callback writes (0: none): set with
	 * hash.usr = T3 offset | UDP checksum offset << 16 | STAMP << 31 (stage.c) */
	uint64_t restamp_flag;
	uint16_t nb_txcb;
	struct {
		uint16_t port, queue;
		const struct rte_eth_rxtx_callback *cb;
	} txcb[PORT_MAX > 64 ? 64 : PORT_MAX];
	uint32_t port_mask; /**< DPDK port ids the stage looks at */
	/** Per DPDK port id the reflector answers on: its T3 correction (refl_txcorr.h). */
	struct stp_refl_txcorr *txcorr[32];
	/** Per stream id: its loss horizon (ns) when this instance generates it and expects
	 * replies (probes[].reflected), else 0: replies later than it are late (lost). */
	uint64_t horizon_ns[PROBE_MAX_STREAMS];
	uint16_t udp_port; /**< network order */
	uint16_t nb_gen;
	struct stp_probe_gen *gen[CFG_MAX_PROBES];
	FILE *verbose_out;
	/** Per stream id: the hardware T1 table of this instance's stream (NULL: none). */
	const struct probe_txts *txts[PROBE_MAX_STREAMS];
};

/** Create (once) the probe runtime from pl->cfg. < 0 with pl->err on error. */
int stp_probe_rt_init(struct stp_pipeline *pl);

/** Free it (once: the feature's fini). */
void stp_probe_rt_free(struct stp_pipeline *pl);

/* The feature (feature.c) and its index in the registry (its fpriv slot), set by its init. */
extern const struct stp_feature stp_feature_probe;
extern unsigned int probe_k;
/* What it shows to operators (views.c), and its console commands (cmds.c). */
extern const struct stp_feature_ui probe_ui;
extern cmdline_parse_inst_t *const probe_cmds[];

/**
 * The probe runtime of @p pl (control thread), NULL when its config has no probes or the
 * registry it runs has no probe feature.
 */
static inline struct stp_probe_rt *
stp_probe_rt(const struct stp_pipeline *pl)
{
	for (unsigned int k = 0; pl->features != NULL && pl->features[k] != NULL; k++)
		if (k == probe_k)
			return pl->features[k] == &stp_feature_probe ? pl->fpriv[k] : NULL;
	return NULL;
}

/*
 * The feature's ops on its parts: the receiver/reflector stage (stage.c: init 0 when the
 * probe runtime exists, > 0 when the config has no probes) and the generator (source.c: init
 * 0 when this instance generates streams, > 0 when not; poll on TX lcores).
 */
int probe_stage_init(struct stp_pipeline *pl);
uint16_t probe_burst(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);
int probe_source_init(struct stp_pipeline *pl);
uint32_t probe_source_poll(struct stp_lcore *lc);

/** The receive slot of (@p stream, @p dir) of a worker, NULL when it has none. */
static inline struct stp_probe_rx_slot *
stp_probe_slot(const struct stp_probe_lcore *pc, unsigned int stream, unsigned int dir)
{
	if (dir < STP_PROBE_RX_DIRS)
		return pc->rx != NULL ? &pc->rx[stream * STP_PROBE_RX_DIRS + dir] : NULL;
	return pc->ow != NULL ? &pc->ow[stream * 2 + dir - STP_PROBE_RX_DIRS] : NULL;
}

/** Name of an ignored-probe counter. */
const char *stp_probe_ignored_name(enum stp_probe_ignored i);

/* Control-thread functions (control.c). */

/** Print pending verbose events (control thread, each tick and at stop). */
void stp_probe_tick(struct stp_pipeline *pl);

/** Generator streams: name, stream_id, port, running, requested and achieved rates... */
json_t *stp_probe_streams_json(const struct stp_pipeline *pl);

/**
 * Measured streams (merged over workers): one object per (stream id, direction) that has
 * seen a probe; @p which NULL/"all", a stream name (probes[].name), or a stream id.
 */
json_t *stp_probe_latency_json(const struct stp_pipeline *pl, const char *which);

/** Receiver totals: enabled, reflect, udp_port, reflected, ignored {name: count}. */
json_t *stp_probe_rx_json(const struct stp_pipeline *pl);

/** Start / stop a stream (@p which a name or "all"). 0 or -ENOENT. */
int stp_probe_run(struct stp_pipeline *pl, const char *which, bool run);

/** Set a stream's rate (pps, or bit/s for a rate_bps stream). 0, -ENOENT or -EINVAL. */
int stp_probe_set_rate(struct stp_pipeline *pl, const char *which, uint64_t rate);

/**
 * Write the histograms of @p which (as stp_probe_latency_json) to @p path: ".csv" one stream's
 * hist_write_csv(); otherwise JSON: one stream hist_write_json()'s object, several
 * {"streams":[{"name":..,"stream_id":..,"direction":..,"histogram":{..}},..]}.
 * Returns the number of streams written, or -errno (-ENOENT: nothing measured).
 */
int stp_probe_save(const struct stp_pipeline *pl, const char *which, const char *path,
		bool force_streams);

/*
 * The control actions behind the console commands (cmds.c; the caller holds the control
 * lock). Errors: a negative errno with a message in @p err, which names what was wrong.
 */

/** {"streams": stp_probe_streams_json(), "receiver": stp_probe_rx_json()}. */
json_t *stp_probe_ctl_probes(const struct stp_pipeline *pl);

/** Start or stop a stream (@p which a name, a stream id or "all"). 0 or -ENOENT. */
int stp_probe_ctl_run(struct stp_pipeline *pl, const char *which, bool run, char *err, size_t len);

/** Set a stream's rate from text ("max", or pps / bit/s as the stream is configured). */
int stp_probe_ctl_rate(struct stp_pipeline *pl, const char *which, const char *rate, char *err,
		size_t len);

/** stp_probe_save() once the file's directory is known to be writable: streams written. */
int stp_probe_ctl_save(const struct stp_pipeline *pl, const char *which, const char *path,
		char *err, size_t len);

#endif /* STP_PROBE_RT_H */
