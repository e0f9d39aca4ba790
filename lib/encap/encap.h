/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_ENCAP_H
#define STP_ENCAP_H

/**
 * @file
 * Outer headers of the standard tunnels stampede sends to collectors that are not stampede
 * (layouts: /work/shared/FORMATS.md sections 4 and 5), over IPv4:
 *  - ERSPAN type III over GRE (protocol 0x22EB, GRE sequence): 12-byte header plus the 8-byte
 *    platform sub-header (platform ID 3), granularity IEEE 1588 (Gra 2) with stampede's
 *    convention: the 32-bit Timestamp holds the nanoseconds of the second and the sub-header's
 *    upper timestamp the UTC seconds, so tshark's erspan.timestamp and erspan.pid3.timestamp
 *    give the packet's stamp exactly;
 *  - VXLAN (RFC 7348): UDP to port 4789 by default, source port from the flow hash in
 *    49152..65535, UDP checksum 0, VNI;
 *  - GRE transparent Ethernet bridging (0x6558) with a key.
 *
 * Pure C (no EAL): the worker prepends encap_hdr_len() bytes and calls encap_build() on them.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"

/** outputs[].type of a tunnel (values match enum cfg_output_type - 1). */
enum encap_type {
	ENCAP_ERSPAN3 = 0,
	ENCAP_VXLAN,
	ENCAP_GRE,
	ENCAP_SPH_UDP,	/**< stampede datagram: Ethernet / IPv4 / UDP (DF, checksum 0) */
	ENCAP_SPH_ETH,	/**< stampede datagram: Ethernet, EtherType 0x88B5 */
	ENCAP_SPH_UDP6, /**< stampede datagram: Ethernet / IPv6 / UDP (checksum computed) */
};

/**
 * Largest outer header: Ethernet 14 + IPv4 20 + GRE 8 + ERSPAN III 12 + sub-header 8, or
 * Ethernet 14 + IPv6 40 + UDP 8.
 */
#define ENCAP_MAX_HDR 62

/** One tunnel's fixed fields. Addresses in network byte order. */
struct encap_tunnel {
	enum encap_type type;
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint32_t src_ip;     /**< network order */
	uint32_t dst_ip;     /**< network order */
	uint8_t src_ip6[16]; /**< ENCAP_SPH_UDP6: the outer IPv6 source */
	uint8_t dst_ip6[16]; /**< ENCAP_SPH_UDP6: the outer IPv6 destination */
	uint32_t id;	     /**< ERSPAN session id (10 bits), VXLAN VNI (24 bits), GRE key */
	uint8_t ttl;	     /**< IPv4 TTL, IPv6 hop limit */
	uint8_t dscp;	     /**< IPv4 DSCP, IPv6 traffic class DSCP bits */
	uint16_t dst_port;   /**< VXLAN / stampede UDP destination port (host order) */
};

/** Bytes of outer header for @p type. */
uint16_t encap_hdr_len(enum encap_type type);

/** What varies per packet. */
struct encap_pkt {
	uint32_t inner_len; /**< the inner Ethernet frame's length (no FCS) */
	uint64_t ts_ns;	    /**< ERSPAN: the packet's stamp (UTC ns) */
	uint32_t seq;	    /**< ERSPAN: GRE sequence number */
	uint32_t hash;	    /**< VXLAN, stampede UDP: a flow hash (UDP source port) */
	uint16_t port;	    /**< ERSPAN: the input port index (14 bits) */
	bool truncated;	    /**< ERSPAN: T bit, the inner frame was cut (snaplen) */
};

/**
 * Write the outer headers of @p t for one packet into @p hdr (encap_hdr_len() bytes): Ethernet,
 * IPv4 with its checksum, then GRE + ERSPAN III, UDP + VXLAN or GRE with key; or Ethernet,
 * IPv6 (no extension header) and UDP for ENCAP_SPH_UDP6, whose UDP checksum (mandatory over
 * IPv6, RFC 8200 8.1) covers the payload: its p->inner_len bytes must already follow @p hdr.
 */
void encap_build(const struct encap_tunnel *t, const struct encap_pkt *p, uint8_t *hdr);

/** Internet checksum of @p len bytes (ones' complement of the ones' complement sum). */
uint16_t encap_ip_csum(const uint8_t *data, uint32_t len);

/**
 * The outer headers of one tunnel and flow hash, built once by encap_build(): a packet's are
 * then a copy with its length fields patched (encap_tpl_put()). For the stampede datagrams
 * over IPv4 UDP and Ethernet, whose headers vary only by length; the other types vary by more
 * (ERSPAN's stamp, VXLAN's per-packet hash, IPv6 UDP's checksum over the payload).
 */
struct encap_tpl {
	uint8_t hdr[ENCAP_MAX_HDR];
	enum encap_type type;
	uint32_t ip_sum; /**< ENCAP_SPH_UDP: IPv4 header's ones' complement sum, length 0 */
};

/**
 * Build @p tp for tunnel @p t and flow hash @p hash. Returns 0, or -ENOTSUP when @p t's type
 * is not ENCAP_SPH_UDP or ENCAP_SPH_ETH (call encap_build() for those).
 */
int encap_tpl_init(struct encap_tpl *tp, const struct encap_tunnel *t, uint32_t hash);

/**
 * encap_build()'s outer headers for @p inner_len bytes (< 65508) of payload into @p hdr, from
 * @p tp: a copy, the IPv4 and UDP lengths, and the IPv4 checksum updated by the length alone
 * (RFC 1624): ~20 instructions instead of encap_build()'s ~250 (callgrind, broker.sh edge64).
 */
static inline void
encap_tpl_put(const struct encap_tpl *tp, uint32_t inner_len, uint8_t *hdr)
{
	/* Ethernet 14, IPv4 20 (length at 2, checksum at 10), UDP 8 (length at 4). */
	uint32_t ip_len = 20 + 8 + inner_len, sum;

	if (tp->type == ENCAP_SPH_ETH) {
		memcpy(hdr, tp->hdr, 14);
		return;
	}
	memcpy(hdr, tp->hdr, 14 + 20 + 8);
	sum = tp->ip_sum + ip_len;
	sum = (sum & 0xffff) + (sum >> 16);
	bytes_put_be16(hdr + 14 + 2, (uint16_t)ip_len);
	bytes_put_be16(hdr + 14 + 10, (uint16_t)~sum);
	bytes_put_be16(hdr + 14 + 20 + 4, (uint16_t)(8 + inner_len));
}

#endif /* STP_ENCAP_H */
