/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_TCPRTT_H
#define STP_TCPRTT_H

/**
 * @file
 * Passive TCP latency: handshake RTTs (SYN -> SYN-ACK, SYN-ACK -> ACK) and RTTs from the TCP
 * timestamp option on established flows (TSval seen one way, echoed as TSecr the other way, as
 * pping / ePPing do), measured on packets a tap sees, with the packets' own timestamps.
 *
 * Three parts, each usable alone:
 *  - tcprtt_parse_options(), tcprtt_pkt_parse(), tcprtt_frame_parse(): the TCP option parser
 *    and what the monitor needs of one frame (canonical flow key with the VLAN ids, direction,
 *    flags, TS option). Plain C over a byte buffer: tests and the fuzzer need no EAL.
 *  - struct tcprtt_mon: one per worker lcore (flows are steered by symmetric hash, so a flow
 *    lives on one worker): an open-addressing flow table of cache-line buckets (no locks: a
 *    single writer) over an array of 4-line flows, a pool of TSval slot blocks for the flows
 *    that need more than 4 per direction, the per-flow sample logic and the counters. Needs
 *    the EAL (rte_malloc).
 *  - tcprtt_record_json(): one sample as a JSON line.
 *
 * Handshake and Karn's rule: a retransmitted SYN (or SYN-ACK) makes the next handshake sample
 * ambiguous (which SYN does the SYN-ACK answer?). The sample is NOT dropped: it is measured from
 * the LAST SYN (SYN-ACK) seen and carries the flag "ambiguous", so that a reader can drop it
 * (Karn) or keep it; histograms skip ambiguous samples, the counter "ambiguous" counts them.
 *
 * Timestamp samples: a packet of direction d that carries data, SYN or FIN (it elicits an ACK;
 * pure ACKs do not, and their TSval may be echoed much later) and a TSval not seen before in d
 * stores (TSval, time) in the flow's ts_slots slots of direction d (direct-mapped by the
 * TSval's low bits), at most once per ts_min_interval per direction: that rate limit bounds the
 * samples of a busy flow to 2 per interval. A packet of the other direction whose TSecr (not
 * 0) equals a stored TSval yields one sample (time now - time stored) and frees the slot.
 * That is ePPing's rule (ts_rule "data"): a pure ACK is not acknowledged, so its TSval is
 * echoed only when the peer next sends, which would inflate the RTT by the peer's idle time.
 * ts_rule "first" is Pollere pping's original rule: the first packet of any kind carrying a
 * new TSval (pure ACKs, SYN and SYN-ACK included) starts the sample, for comparing with pping.
 * Handshake segments (SYN, SYN-ACK) store no TSval: their RTTs are the handshake samples.
 *
 * Flow table: bounded (flows entries). Entries idle for idle_timeout (packet time) are removed
 * in deadline order by a timer wheel (tcprtt_mon_expire()), counted as evicted. When the table
 * is full, a new flow pushes out the oldest half-open entry (a SYN not answered: what a SYN
 * flood leaves), else the oldest handshake whose ACK has not come, each counted by reason;
 * flows past their handshake (or joined mid-stream) are never pushed out, and a newcomer that
 * finds only those counts table_full and stays untracked. RST removes the entry (counted as
 * closed); after a FIN in both directions the entry stays until the last ACK (the first FIN's
 * sender acknowledging the second: it echoes that FIN's TSval, one more sample) or
 * close_linger at most, then goes (counted as closed).
 *
 * The clock is the packets' timestamps (pkt_meta.ts_ns: HW, pcap or calibrated TSC): RTTs are
 * as exact as the stamps. Packets without a stamp (ts_ns == 0) are not measured.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"

/** Sample kinds. */
#define TCPRTT_FOREACH_KIND(_)      \
	_(SYN_SYNACK, "syn_synack") \
	_(SYNACK_ACK, "synack_ack") \
	_(TSVAL, "tsval")

enum tcprtt_kind {
#define TCPRTT_KIND_ENUM(id, s) TCPRTT_KIND_##id,
	TCPRTT_FOREACH_KIND(TCPRTT_KIND_ENUM)
#undef TCPRTT_KIND_ENUM
	TCPRTT_KIND_MAX
};

/** Name of a sample kind ("syn_synack", ...). */
const char *tcprtt_kind_name(unsigned int kind);

/** Sample flags. */
#define TCPRTT_F_AMBIGUOUS 0x01 /**< after a retransmitted SYN / SYN-ACK (Karn): see above */
#define TCPRTT_F_IPV6 0x02	/**< the flow is IPv6 */

/** TCP flags (the header's byte 13). */
#define TCPRTT_TH_FIN 0x01
#define TCPRTT_TH_SYN 0x02
#define TCPRTT_TH_RST 0x04
#define TCPRTT_TH_ACK 0x10

/** What the option parser found. */
struct tcprtt_opts {
	bool has_ts;
	uint32_t tsval;
	uint32_t tsecr;
};

/**
 * Parse TCP options (@p len bytes at @p opt, the header's bytes 20..doff*4). Kind 0 ends the
 * list, kind 1 is one byte of padding, every other kind has a length byte >= 2 that must not run
 * past the end; the timestamp option (kind 8) must have length 10.
 *
 * @return 0, or -EINVAL when malformed (what was found before the fault is kept in @p o, but
 *         has_ts is false if the TS option itself is bad).
 */
int tcprtt_parse_options(const uint8_t *opt, uint32_t len, struct tcprtt_opts *o);

/**
 * Canonical flow key (hash key): the lower (address, port) endpoint first, the VLAN ids (0 when
 * untagged), the family; both directions of a flow give the same key. Zeroed padding.
 */
#define TCPRTT_MAX_VLAN 8 /**< VLAN ids in the key: lib/pkt's PKT_MAX_VLAN */

struct tcprtt_key {
	uint8_t addr[2][16];		/**< IPv4: the first 4 bytes, the rest 0 */
	uint16_t port[2];		/**< network order, as in the packet */
	uint16_t vlan[TCPRTT_MAX_VLAN]; /**< VLAN ids (12 bits), outermost first, 0 past the stack
					 */
	uint8_t family;			/**< 4 or 6 */
	uint8_t pad[3];
};

_Static_assert(sizeof(struct tcprtt_key) == 56, "tcprtt_key has no hidden padding");

/**
 * Why the monitor did not measure a frame it was given (one reason per frame: the first fault
 * found, outermost header first). None of them creates a flow.
 */
#define TCPRTT_FOREACH_DROP(_)                                                                     \
	_(VLAN_TOO_DEEP, "vlan_too_deep")     /* more than 8 VLAN tags */                          \
	_(VLAN_TRUNCATED, "vlan_truncated")   /* a VLAN tag cut short */                           \
	_(IP_TRUNCATED, "ip_truncated")	      /* IP header or packet longer than the frame */      \
	_(IP_BAD_VERSION, "ip_bad_version")   /* version nibble not 4 (6) under 0x0800 (0x86dd) */ \
	_(IP_BAD_IHL, "ip_bad_ihl")	      /* IPv4 IHL < 5 */                                   \
	_(IP_BAD_LENGTH, "ip_bad_length")     /* IPv4 total length < IHL */                        \
	_(IP_BAD_ADDRESS, "ip_bad_address")   /* unspecified, multicast, broadcast; or land */     \
	_(IP_FRAGMENT, "ip_fragment")	      /* a TCP segment in IP fragments */                  \
	_(TCP_TRUNCATED, "tcp_truncated")     /* fewer than 20 bytes of TCP header */              \
	_(TCP_BAD_OFFSET, "tcp_bad_offset")   /* data offset < 5 or past the segment */            \
	_(TCP_BAD_PORT, "tcp_bad_port")	      /* source or destination port 0 */                   \
	_(TCP_BAD_FLAGS, "tcp_bad_flags")     /* SYN+FIN, SYN+RST, or no ACK on a non-SYN/RST */   \
	_(TCP_BAD_OPTIONS, "tcp_bad_options") /* malformed option list (= malformed_options) */

enum tcprtt_drop {
#define TCPRTT_DROP_ENUM(id, s) TCPRTT_DROP_##id,
	TCPRTT_FOREACH_DROP(TCPRTT_DROP_ENUM)
#undef TCPRTT_DROP_ENUM
	TCPRTT_DROP_MAX
};

/** Name of a drop reason ("ip_bad_ihl", ...). */
const char *tcprtt_drop_name(unsigned int reason);

/** One TCP packet as the monitor sees it. */
struct tcprtt_pkt {
	struct tcprtt_key key;
	uint8_t dir;	   /**< 0: from endpoint 0 (key.addr[0]) to 1; 1: the reverse */
	uint8_t tcp_flags; /**< TCPRTT_TH_* */
	uint8_t nb_vlan;
	uint8_t drop;	  /**< enum tcprtt_drop, with TCPRTT_PKT_DROP */
	bool has_payload; /**< carries TCP payload */
	uint32_t hash;	  /**< the flow table's hash of key (tcprtt_pkt_parse()) */
	struct tcprtt_opts opts;
};

/** tcprtt_pkt_parse() results. */
#define TCPRTT_PKT_TCP 1  /**< a TCP packet, @p p filled */
#define TCPRTT_PKT_SKIP 0 /**< not IP or not TCP: not the monitor's */
#define TCPRTT_PKT_DROP 2 /**< malformed (or a fragment): p->drop says why, nothing else set */

/**
 * Fill @p p from a frame whose headers lib/pkt parsed (@p l3_type as enum pkt_l3, @p l3_off,
 * @p l4_off, @p l4_proto, @p nb_vlan, @p pkt_flags as in struct pkt_meta). Never reads past
 * @p len. Every malformed VLAN, IP (any protocol: a broken IP header hides which it is) or TCP
 * header, and every TCP fragment, is TCPRTT_PKT_DROP with its reason; the monitor counts it
 * (tcprtt_mon_drop()) and measures nothing from it. p->hash is the flow table's hash of the
 * canonical key (its family, addresses and ports: both directions share it; the VLAN ids are
 * not in it, so the same 5-tuple on two VLANs shares a bucket chain and the key compare keeps
 * them apart).
 */
int tcprtt_pkt_parse(const uint8_t *frame, uint32_t len, unsigned int l3_type, uint16_t l3_off,
		uint16_t l4_off, uint8_t l4_proto, uint8_t nb_vlan, uint8_t pkt_flags,
		struct tcprtt_pkt *p);

/**
 * The datapath's parse of a raw frame (the stage needs no lib/pkt metadata but the stamp):
 * the common frame (untagged IPv4 without options, not a fragment, whole) in a few loads, a
 * frame that is not IP in one compare, and any other through lib/pkt's parser
 * (pkt_parse_buf()) and tcprtt_pkt_parse(). The answer is always theirs: the same result code,
 * drop reason and @p p (test/unit/test_tcprtt.c and the fuzzer compare the two). A runt
 * (shorter than an Ethernet header) is TCPRTT_PKT_SKIP.
 */
int tcprtt_frame_parse(const uint8_t *frame, uint32_t len, struct tcprtt_pkt *p);

/** An address prefix that samples are grouped by (either endpoint inside). */
struct tcprtt_prefix {
	uint8_t family; /**< 4 or 6 */
	uint8_t len;	/**< prefix length in bits */
	uint8_t addr[16];
};

/** Whether @p addr (of the key's family) lies in @p pfx. */
bool tcprtt_prefix_match(const struct tcprtt_prefix *pfx, uint8_t family, const uint8_t *addr);

#define TCPRTT_MAX_PREFIXES 8 /**< prefix histograms (a bit each in a record's prefix mask) */

/** A sample, and the fixed-size record that workers hand to the writer thread. */
struct tcprtt_record {
	uint64_t ts_ns;	 /**< stamp of the packet that completed the sample */
	uint64_t rtt_ns; /**< tap -> dst -> tap */
	/**
	 * The flow, src and dst as the packet that started the measurement (SYN, SYN-ACK or the
	 * TSval's packet) had them: addr[0]/port[0] is src. VLAN ids as in the key.
	 */
	struct tcprtt_key flow;
	uint16_t port_id;    /**< DPDK port the completing packet came in on */
	uint8_t kind;	     /**< enum tcprtt_kind */
	uint8_t flags;	     /**< TCPRTT_F_* */
	uint8_t prefix_mask; /**< bit i: an endpoint lies in prefixes[i] */
	uint8_t role;	     /**< TCPRTT_ROLE_*: src is the client, the server, or unknown */
	uint8_t nb_vlan;
	uint8_t pad;
} __attribute__((aligned(16)));

/** The record ring's element size, bytes: rte_ring copies 16 bytes at a time. */
#define TCPRTT_RING_ELEM 16

/** A record is this many ring elements. */
#define TCPRTT_RECORD_ELEMS (sizeof(struct tcprtt_record) / TCPRTT_RING_ELEM)

_Static_assert(sizeof(struct tcprtt_record) % TCPRTT_RING_ELEM == 0,
		"a record is whole ring elements");

#define TCPRTT_ROLE_UNKNOWN 0 /**< the handshake was not seen */
#define TCPRTT_ROLE_CLIENT 1  /**< src sent the SYN: "client->server" */
#define TCPRTT_ROLE_SERVER 2  /**< src sent the SYN-ACK: "server->client" */

#define TCPRTT_MAX_TS_SLOTS 65536 /**< TSval slots per flow and direction, at most */

#define TCPRTT_TS_RULE_DATA 0  /**< data and FIN segments start TS samples (ePPing) */
#define TCPRTT_TS_RULE_FIRST 1 /**< every packet with a new TSval does, SYN included (pping) */

/** Monitor settings. */
struct tcprtt_conf {
	uint32_t flows; /**< flow table entries (>= 8) */
	/**
	 * Unanswered TSvals remembered per flow and direction (a power of 2): a TSval is kept
	 * until its echo or until the TSval ts_slots above it is stored. Keeping every distinct
	 * TSval of a flow needs RTT x TS clock rate of them (100 ms x 1 kHz = 100: 128). A flow
	 * keeps 4 inline; one that needs more takes a block of ts_slots from a pool of flows / 8
	 * (at least 8) blocks, and overwrites one of its 4 (counted) when the pool is empty.
	 */
	uint32_t ts_slots;
	uint64_t idle_timeout_ns;    /**< remove flows idle this long (packet time) */
	uint64_t ts_min_interval_ns; /**< TSval entries per flow and direction: one per interval */
	/**
	 * After FIN both ways, keep the flow until the last ACK (which echoes the second FIN's
	 * TSval) or this long at most; 0: remove it at the second FIN.
	 */
	uint64_t close_linger_ns;
	/** Which packets start a TS sample: TCPRTT_TS_RULE_DATA or _FIRST (see above). */
	unsigned int ts_rule;
	unsigned int nb_prefixes;
	struct tcprtt_prefix prefixes[TCPRTT_MAX_PREFIXES];
};

/** Counters of one monitor (single writer: its lcore; readers sum over lcores). */
struct tcprtt_stats {
	uint64_t pkts;	     /**< TCP packets observed */
	uint64_t unstamped;  /**< TCP packets without a timestamp: not measured */
	uint64_t flows;	     /**< flows entered in the table */
	uint64_t table_full; /**< flows not tracked: the table was full */
	uint64_t evicted;    /**< flows removed after idle_timeout */
	/** Flows pushed out of a full table for a newcomer: a SYN nobody answered yet... */
	uint64_t evicted_half_open;
	/** ... else a handshake whose ACK has not come (flows past that are never pushed out) */
	uint64_t evicted_handshake;
	uint64_t closed; /**< flows removed on RST or FIN both ways */
	uint64_t samples[TCPRTT_KIND_MAX];
	uint64_t ambiguous;	/**< samples flagged ambiguous (retransmitted SYN / SYN-ACK) */
	uint64_t ts_table_full; /**< unanswered TSvals overwritten by one ts_slots newer */
	uint64_t drops[TCPRTT_DROP_MAX]; /**< frames not measured, by reason */
};

struct tcprtt_mon;

/** Count a frame tcprtt_pkt_parse() returned as TCPRTT_PKT_DROP. */
void tcprtt_mon_drop(struct tcprtt_mon *m, unsigned int reason);

/** flows entered - flows removed: the entries in use. */
static inline uint64_t
tcprtt_flows_active(const struct tcprtt_stats *s)
{
	return s->flows - s->evicted - s->evicted_half_open - s->evicted_handshake - s->closed;
}

struct tcprtt_mon;

/**
 * Create a monitor (EAL needed: rte_malloc). @p name must be unique in the process (e.g. with
 * the lcore id). NULL on failure with @p err set.
 */
struct tcprtt_mon *tcprtt_mon_create(const char *name, const struct tcprtt_conf *conf,
		int socket_id, char *err, size_t errlen);

void tcprtt_mon_free(struct tcprtt_mon *m);

/** The monitor's counters (its lcore writes them; others read them whole, maybe late). */
const struct tcprtt_stats *tcprtt_mon_stats(const struct tcprtt_mon *m);

/** Max samples one packet yields (a handshake sample and a timestamp sample). */
#define TCPRTT_MAX_SAMPLES 2

/**
 * Observe one TCP packet stamped @p ts_ns that came in on @p port_id; write its samples (0..2)
 * into @p out and return how many.
 */
unsigned int tcprtt_mon_packet(struct tcprtt_mon *m, const struct tcprtt_pkt *p, uint64_t ts_ns,
		uint16_t port_id, struct tcprtt_record *out);

/** Where a monitor's flow table buckets are: tcprtt_bucket_prefetch() reads it. */
struct tcprtt_buckets {
	const void *base; /**< bucket 0; a bucket is one cache line */
	uint32_t mask;	  /**< buckets - 1 */
};

/** Fill @p b with @p m's flow table buckets (they stay where they are for its life). */
void tcprtt_mon_buckets(const struct tcprtt_mon *m, struct tcprtt_buckets *b);

/**
 * Prefetch the flow table bucket of a packet whose tcprtt_pkt.hash is @p hash: a caller that
 * parses a burst calls it as it parses each packet, so that the bucket has come when
 * tcprtt_mon_burst() reads it.
 */
static inline void
tcprtt_bucket_prefetch(const struct tcprtt_buckets *b, uint32_t hash)
{
	__builtin_prefetch((const char *)b->base + (size_t)(hash & b->mask) * 64, 0, 3);
}

/**
 * tcprtt_mon_packet() on @p n packets in order (packet i stamped @p ts_ns[i], in on
 * @p port_id[i]), their samples written one after the other into @p out (room for
 * n x TCPRTT_MAX_SAMPLES); returns how many. The caller prefetched every packet's bucket
 * (tcprtt_bucket_prefetch()) while it parsed the burst, so the lookups do not wait on memory
 * one after the other. The answers are tcprtt_mon_packet()'s, prefetched or not.
 */
unsigned int tcprtt_mon_burst(struct tcprtt_mon *m, const struct tcprtt_pkt *p,
		const uint64_t *ts_ns, const uint16_t *port_id, unsigned int n,
		struct tcprtt_record *out);

/**
 * Remove the flows idle for more than idle_timeout before @p now_ns (packet time; the latest
 * stamp the monitor saw if that is later), in deadline order (a timer wheel of idle_timeout/16
 * slots: a flow leaves at most that late), checking at most @p max_check flows (the rest wait
 * for the next call). Returns how many were removed.
 */
unsigned int tcprtt_mon_expire(struct tcprtt_mon *m, uint64_t now_ns, unsigned int max_check);

/** Flows in the table now. */
uint32_t tcprtt_mon_count(const struct tcprtt_mon *m);

/** Names of the flags set in @p flags, as a JSON array text ("[]", "[\"ambiguous\"]"). */
const char *tcprtt_flags_json(uint8_t flags);

/**
 * Format @p r as one JSON line (with '\n'), e.g.
 * {"ts":"2026-11-23T18:00:00.123456789Z","ts_ns":..,"port":"in","vlan":[100],"src":"10.0.0.1",
 *  "sport":1234,"dst":"10.0.0.2","dport":80,"dir":"client->server","kind":"syn_synack",
 *  "rtt_ns":20012345,"flags":[]}
 * @return the length written, or -1 when @p len is too small.
 */
int tcprtt_record_json(const struct tcprtt_record *r, const char *port_name, char *buf, size_t len);

/** Recorded histograms: per port slot x kind, per prefix x kind (non-ambiguous samples). */
struct tcprtt_hists {
	unsigned int nb_ports;
	unsigned int nb_prefixes;
	struct hist *h; /**< [(nb_ports + nb_prefixes) * TCPRTT_KIND_MAX] */
};

static inline struct hist *
tcprtt_hist_port(const struct tcprtt_hists *hs, unsigned int slot, unsigned int kind)
{
	return &hs->h[slot * TCPRTT_KIND_MAX + kind];
}

static inline struct hist *
tcprtt_hist_prefix(const struct tcprtt_hists *hs, unsigned int i, unsigned int kind)
{
	return &hs->h[(hs->nb_ports + i) * TCPRTT_KIND_MAX + kind];
}

#endif /* STP_TCPRTT_H */
