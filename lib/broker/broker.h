/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_BROKER_H
#define STP_BROKER_H

/**
 * @file
 * State of the stampede broker datapath (stage.c): pipeline-wide settings and per-lcore
 * counters, sequence state per source and the reassembly table. Every per-lcore field has one
 * writer (that lcore); the control thread reads them (views.c: show nodes, telemetry,
 * Prometheus) and sums over lcores.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "cfg.h"
#include "pcapng.h"
#include "pipeline.h"
#include "port.h"
#include "sph.h"
#include "sph_auth.h"

struct cfg_peer; /* node.peers[] (lib/broker/broker_cfg.h) */

#define BROKER_MAX_SRC 256  /**< (node, stream) pairs one lcore tracks; power of 2 */
#define BROKER_MAX_REASM 16 /**< frames one lcore reassembles at the same time */
/** (node, stream) entries one node id may take in an lcore's source table. */
#define BROKER_SRC_PER_NODE 32
/**
 * Furthest an unauthenticated record may jump ahead of its stream's highest number: beyond,
 * it is refused (sph_seq_jump) so one forged number cannot make the real stream stale.
 */
#define BROKER_SEQ_JUMP (UINT64_C(1) << 20)
#define BROKER_REFUSED 8 /**< refused sources an lcore remembers (show nodes, "refused") */
/**
 * A record numbered below its stream's highest but captured this much later than the newest
 * record seen means the edge restarted (numbers from 0 again): the stream starts over (1 s:
 * less than any restart takes, more than capture timestamps of one stream ever go backwards).
 */
#define BROKER_RESTART_NS UINT64_C(1000000000)
/**
 * Bytes an edge leaves free in each record's datagram for relays' hop records (4 hops): a
 * record that fits the edge's datagram still fits after 4 relays on links of the same MTU.
 */
#define BROKER_HOP_ROOM (4 * (2 + SPH_HOP_LEN))

struct broker_rif;
struct brel_rt;
struct brel_lcore;

/** Pipeline-wide, read-only once built. */
struct broker_rt {
	enum cfg_node_role role;
	uint16_t listen_port;
	uint16_t relay_out;		  /**< relay: index of node.relay_to in outputs[] */
	uint16_t next_stage;		  /**< index of the stage after the receive stage */
	bool stage_off;			  /**< edge: no receive stage */
	uint64_t reasm_tsc;		  /**< reassembly timeout in TSC cycles */
	uint32_t dg_max[CFG_MAX_OUTPUTS]; /**< stampede outputs: record bytes per datagram */
	uint8_t desc_len[CFG_MAX_OUTPUTS];
	char desc[CFG_MAX_OUTPUTS][SPH_MAX_DESC + 1];
	struct broker_rif *rif;	      /**< collector with captures: remote interfaces (rif.c) */
	bool auth;		      /**< node.auth has keys: datagrams are signed and checked */
	bool auth_required;	      /**< node.auth.required: unsigned datagrams are refused */
	uint16_t nb_peers;	      /**< node.peers entries: 0 = no allow-list */
	const struct cfg_peer *peers; /**< node.peers (the pipeline's config) */
	struct brel_rt *rel;	      /**< the resend transport (reliable.c), NULL when off */
};

/**
 * A refused source, as an lcore last saw it (single writer: the lcore; the control thread
 * reads it without a lock: a row may mix two updates, which a view can afford).
 */
struct broker_refusal {
	uint16_t why;	   /**< enum stp_drop */
	uint16_t port;	   /**< DPDK port it came in by */
	uint32_t node;	   /**< the node id it claimed (the sender of its first record) */
	uint8_t family;	   /**< 4, 6 (IP source), 1 (source MAC), 0 unknown */
	uint8_t addr[16];  /**< its source address */
	uint64_t count;	   /**< datagrams refused */
	uint64_t last_tsc; /**< TSC of the last one */
};

/** One source (node, stream) as a collector sees it. */
struct broker_src {
	bool used; /* written once (release) before the reader may look at the rest */
	uint16_t stream;
	uint16_t in_port; /**< DPDK port its datagrams came in by (the first seen) */
	uint32_t node;
	char desc[64];	   /**< its DESC TLV, the first seen */
	uint64_t last_tsc; /**< TSC of its last record (show nodes: last seen) */
	bool if_set;	   /**< if_key is known (broker_rif_key() asked) */
	uint8_t if_key;	   /**< its capture interface key, pkt_meta.if_key */
	uint64_t max_ts;   /**< newest capture timestamp of its records (ns) */
	uint64_t restarts; /**< times its numbers started over (the edge restarted) */
	struct sph_seq seq;
};

/** A frame being reassembled from fragments. */
struct broker_reasm {
	bool used;
	uint8_t cnt; /**< fragments of the frame */
	uint8_t nb_have;
	uint16_t stream;
	uint32_t node;
	uint64_t seq;
	uint32_t cap_len;
	uint32_t have; /**< bytes kept */
	uint64_t t0;   /**< TSC of the first fragment seen */
	struct sph_hdr hdr;
	uint32_t off[SPH_MAX_FRAGS];
	struct rte_mbuf *frag[SPH_MAX_FRAGS];
};

/** Per stampede output, per lcore. */
struct broker_out_stats {
	uint64_t frames;    /**< originals sent (in records) */
	uint64_t datagrams; /**< datagrams made */
	uint64_t fragments; /**< fragment records made */
};

/** Per lcore. */
/** Collector reorder buffer (node.reorder_ms): a min-heap of frames by original timestamp. */
#define BROKER_REORDER_CAP 4096

struct broker_reorder_ent {
	uint64_t ts;  /**< original timestamp, ns */
	uint64_t ord; /**< arrival number: equal timestamps keep arrival order */
	struct rte_mbuf *m;
};

struct broker_reorder {
	uint64_t bound_ns; /**< node.reorder_ms in ns */
	uint64_t ord;	   /**< next arrival number */
	uint64_t forced;   /**< frames handed on early: the buffer was full */
	uint64_t released; /**< frames handed on */
	uint32_t n;	   /**< frames buffered now */
	struct broker_reorder_ent h[BROKER_REORDER_CAP];
};

struct broker_lcore {
	struct broker_reorder *ro; /**< collector with node.reorder_ms > 0, else NULL */
	uint64_t seq[CFG_MAX_OUTPUTS][CFG_MAX_PORTS]; /**< edge: next number per (output, port) */
	struct broker_out_stats out[CFG_MAX_OUTPUTS];
	/* edge: each stampede output's outer headers for this lcore's UDP source port, built at
	 * its first datagram (tpl_state 1; 2: a type without template, encap_build() each time) */
	uint8_t tpl_state[CFG_MAX_OUTPUTS];
	struct encap_tpl tpl[CFG_MAX_OUTPUTS];
	uint64_t relay_seq[PORT_MAX]; /**< relay: its own numbers, per input port */
	uint64_t datagrams;	      /**< relay, collector: stampede datagrams received */
	uint64_t records;	      /**< records read in them */
	uint64_t malformed;	      /**< datagrams dropped for a malformed record */
	uint64_t reassembled;	      /**< frames made whole from fragments */
	uint64_t src_overflow;	      /**< records of sources beyond BROKER_MAX_SRC */
	struct sph_auth *auth;	      /**< node.auth: this lcore's prepared HMAC contexts */
	struct brel_lcore *rel;	      /**< workers: the resend transport's state, or NULL */
	uint64_t log_tsc;	      /**< TSC of the last refusal log line */
	uint64_t log_quiet;	      /**< refusals not logged since (rate limit) */
	struct broker_refusal refused[BROKER_REFUSED];
	uint16_t nb_reasm;
	struct broker_reasm reasm[BROKER_MAX_REASM];
	struct broker_src src[BROKER_MAX_SRC];
} __rte_cache_aligned;

/** The broker's index in the registry the pipeline runs (its fpriv slot), set by its init. */
extern unsigned int broker_k;

/** The broker's pipeline-wide state, NULL when the config uses no broker. */
static inline struct broker_rt *
broker_pl(const struct stp_pipeline *pl)
{
	return pl->fpriv[broker_k];
}

/** The broker's state on lcore @p lc, NULL when the config uses no broker. */
static inline struct broker_lcore *
broker_lc(const struct stp_lcore *lc)
{
	return lc->fpriv[broker_k];
}

/**
 * Collector with pcapng outputs: create the interface directory of remote sources and give it
 * to every writer. 0 (also when not needed), or -ENOMEM.
 */
int broker_rif_init(struct stp_pipeline *pl, struct broker_rt *b);

/**
 * The capture interface key of source @p s (its node, the port in its stream, its
 * description), added to the directory on first sight; 0 (the input port's interface) when
 * there is no directory or it is full. Datapath, once per source and lcore: takes a spinlock.
 */
uint8_t broker_rif_key(struct broker_rt *b, const struct broker_src *s);

/** Free the directory (after the writers are closed). */
void broker_rif_fini(struct broker_rt *b);

struct stp_lcore;

/** The drop reason of sph_decode()'s (or sph_ctrl_parse()'s) error @p rc (-SPH_E_*, < 0). */
static inline enum stp_drop
broker_err_drop(int rc)
{
	static const uint8_t drop[SPH_E_MAX] = {
		[SPH_E_TRUNCATED] = STP_DROP_SPH_TRUNCATED,
		[SPH_E_BAD_MAGIC] = STP_DROP_SPH_BAD_MAGIC,
		[SPH_E_BAD_VERSION] = STP_DROP_SPH_BAD_VERSION,
		[SPH_E_BAD_HDR_LEN] = STP_DROP_SPH_BAD_HDR_LEN,
		[SPH_E_BAD_LENGTH] = STP_DROP_SPH_BAD_LENGTH,
		[SPH_E_BAD_TLV] = STP_DROP_SPH_BAD_TLV,
	};

	return (enum stp_drop)drop[-rc];
}

/** Whether @p why is one of the refusals of README.md "Security" (noted and logged). */
static inline bool
broker_is_refusal(enum stp_drop why)
{
	return why >= STP_DROP_SPH_AUTH_MISSING && why <= STP_DROP_SPH_CTRL_UNSENT;
}

/**
 * Note a refused datagram @p m (reason @p why, the node id it claimed @p node): its source
 * goes into the lcore's refused table and a log line is written at most once per second per
 * lcore (the lines skipped meanwhile are counted in the next). Returns @p why. The caller
 * counts the drop and frees @p m.
 */
unsigned int broker_refuse(
		struct stp_lcore *lc, unsigned int why, uint32_t node, const struct rte_mbuf *m);

/** Format source address @p a of @p family (4, 6, 1: a MAC, 0: unknown) into @p buf. */
void broker_addr_fmt(uint8_t family, const uint8_t *a, char *buf, size_t len);

/** The broker feature's view (views.c): {"broker": stp_broker_json()}, or NULL. */
struct json_t *broker_view(const struct stp_pipeline *pl);

/**
 * The broker's counters as JSON (control thread): role, datagrams and records received,
 * per stampede output frames / datagrams / fragments, and "nodes": per (node, stream) received,
 * gaps, duplicates, reordered, stale. NULL when the config uses no broker feature. The broker
 * feature's view is {"broker": this}.
 */
struct json_t *stp_broker_json(const struct stp_pipeline *pl);

#endif /* STP_BROKER_H */
