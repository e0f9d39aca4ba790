/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_PKT_H
#define STP_PKT_H

/**
 * @file
 * Per-packet metadata that travels with each mbuf (a registered dynfield), and the L2-L4 parser
 * and symmetric flow hash that the RX stage runs once per packet.
 *
 * The parser works on a plain byte buffer (pkt_parse_buf) so that unit tests and fuzzers call it
 * without the EAL; pkt_parse() is the mbuf wrapper used on the fast path.
 */

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

/** Where a packet's timestamp came from. */
#define PKT_FOREACH_TS_SRC(_) \
	_(NONE, "none")       \
	_(SW, "sw")           \
	_(HW, "hw")           \
	_(PCAP, "pcap")       \
	_(TRAILER, "trailer") \
	_(KERNEL, "kernel")

enum pkt_ts_src {
#define PKT_TS_SRC_ENUM(id, str) PKT_TS_##id,
	PKT_FOREACH_TS_SRC(PKT_TS_SRC_ENUM)
#undef PKT_TS_SRC_ENUM
	PKT_TS_MAX
};

/** Name of a timestamp source ("sw", "hw", ...). */
const char *pkt_ts_src_name(enum pkt_ts_src s);

/** L3 kinds the parser recognises. */
enum pkt_l3 {
	PKT_L3_OTHER = 0, /**< unknown EtherType: hashed on MACs */
	PKT_L3_IPV4,
	PKT_L3_IPV6,
	PKT_L3_ARP,
};

#define PKT_F_FRAG 0x01	      /**< IPv4/IPv6 fragment: hashed on addresses only */
#define PKT_F_L3_TRUNC 0x02   /**< L3 header cut short or invalid (bad IHL, length) */
#define PKT_F_L4_TRUNC 0x04   /**< L4 header cut short */
#define PKT_F_VLAN_TRUNC 0x08 /**< VLAN tag cut short */
#define PKT_F_VLAN_DEEP 0x10  /**< more than PKT_MAX_VLAN tags: L3 not parsed */

/**
 * VLAN tags parsed (802.1Q, 802.1ad, 0x9100, in any order). Carrier and tap networks stack
 * three or four (QinQ inside a provider's tag, a tap aggregator's port tag on top); 8 leaves
 * room. A deeper stack sets PKT_F_VLAN_DEEP and the frame is hashed as plain L2.
 */
#define PKT_MAX_VLAN 8

/**
 * Per-packet metadata (an mbuf dynfield, 24 bytes: the dynfield area has 36 bytes, net_pcap and
 * hardware timestamping take 8 of them aligned on 8, and this must fit in what is left; VLAN tags
 * are read from the frame at 14 + 4 * i when a stage needs them). Written by the RX stage; read and
 * updated by the stages after it on whatever lcore owns the mbuf.
 *
 * l3_off is one byte: the L2 header is at most 14 + 4 * PKT_MAX_VLAN = 46 bytes; that byte made
 * room for nb_vlan to count up to 8 without growing the struct (same size, same loads).
 */
struct pkt_meta {
	uint64_t ts_ns;	    /**< UTC ns timestamp; 0 with PKT_TS_NONE */
	uint32_t flow_hash; /**< symmetric: A->B and B->A give the same value */
	uint16_t out_port;  /**< output DPDK port id chosen by the worker stages */
	uint8_t ts_src;	    /**< enum pkt_ts_src */
	/* Two small fields share one byte (bitfields: no &) to make room for orig_len. */
	uint8_t l3_type : 2; /**< enum pkt_l3 */
	uint8_t flags : 6;   /**< PKT_F_* */
	uint8_t nb_vlan;     /**< VLAN tags seen (0..PKT_MAX_VLAN; QinQ = 2) */
	uint8_t l3_off;	     /**< offset of the L3 header from the frame start (<= 46) */
	uint16_t l4_off;     /**< offset of the L4 header, 0 when there is none */
	uint8_t l4_proto;    /**< IPPROTO_* of the L4 header (after IPv6 extension headers) */
	/**
	 * Capture interface key: 0, the input port's pcapng interface; 1..255, an entry of the
	 * capture writers' interface directory (pcapng_if_dir: a remote source at a collector).
	 * Only read by a writer that has a directory, and then set by the stage that feeds it.
	 */
	uint8_t if_key;
	/**
	 * Length of the frame as received when a stage truncated the mbuf (snaplen); 0 when the
	 * mbuf holds the whole frame (then pkt_len is the original length).
	 */
	uint16_t orig_len;
};

_Static_assert(sizeof(struct pkt_meta) == 24, "pkt_meta must fit the free dynfield space");

/** Offset of struct pkt_meta in the mbuf, set by pkt_meta_register(). */
extern int pkt_meta_offset;

/** Register the dynfield (once, after rte_eal_init). Returns 0 or -rte_errno. */
int pkt_meta_register(void);

static inline struct pkt_meta *
pkt_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, pkt_meta_offset, struct pkt_meta *);
}

/**
 * Parse Ethernet / up to PKT_MAX_VLAN VLAN tags (0x8100, 0x88a8, 0x9100) / IPv4 / IPv6 with
 * extension headers (hop-by-hop, routing, fragment, destination options, AH) / TCP, UDP, SCTP
 * ports, and fill
 * l3_type, l3_off, l4_off, l4_proto, nb_vlan, flags and flow_hash of @p meta (other
 * fields untouched). Never reads past @p len. Malformed or truncated headers set a PKT_F_*
 * flag and the hash falls back to what was parsed. An IPv6 atomic fragment (a fragment header
 * with offset 0 and M = 0, RFC 6946) is not a fragment: the parse goes through it to the L4
 * header and the flow hash is the 5-tuple's, as without the header.
 *
 * @return 0, or -EINVAL when @p len < 14 (no Ethernet header: a runt, which the caller drops).
 */
int pkt_parse_buf(const uint8_t *data, uint32_t len, struct pkt_meta *meta);

/** pkt_parse_buf() on the first segment of @p m. */
static inline int
pkt_parse(struct rte_mbuf *m, struct pkt_meta *meta)
{
	return pkt_parse_buf(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), meta);
}

/**
 * Symmetric hash of an IPv4 flow: the two (address, port) endpoints are put in a canonical order
 * before hashing, so swapping source and destination gives the same value. Addresses and ports in
 * network order, as they are in the packet.
 */
uint32_t pkt_hash_v4(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t proto);

/** Same for IPv6 (16-byte addresses). */
uint32_t pkt_hash_v6(const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport,
		uint8_t proto);

/** Same for non-IP frames: the two MAC addresses (6 bytes each) and the EtherType. */
uint32_t pkt_hash_l2(const uint8_t *a, const uint8_t *b, uint16_t ether_type);

#endif /* STP_PKT_H */
