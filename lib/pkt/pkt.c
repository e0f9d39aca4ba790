/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>

#include "pkt.h"
#include "bytes.h"

/* IPv6 extension headers walked before giving up on finding the L4 header: real traffic has one
 * or two; a long chain is either an attack or a fuzzer, and each costs a few loads.
 */
#define PKT_MAX_EXT_HDR 8

#define PKT_TPID_QINQ_OLD 0x9100 /* pre-802.1ad QinQ, still sent by some switches */
#define PKT_IPPROTO_UDPLITE 136	 /* not in every libc's netinet/in.h */
#define PKT_IPPROTO_AH 51

/* Arbitrary non-zero seed: keeps the all-zero tuple from hashing to 0. */
#define PKT_HASH_SEED 0x53545044u

int pkt_meta_offset = -1;

static const char *const pkt_ts_src_names[] = {
#define PKT_TS_SRC_NAME(id, str) [PKT_TS_##id] = str,
	PKT_FOREACH_TS_SRC(PKT_TS_SRC_NAME)
#undef PKT_TS_SRC_NAME
};

const char *
pkt_ts_src_name(enum pkt_ts_src s)
{
	if ((unsigned int)s >= PKT_TS_MAX)
		return "unknown";
	return pkt_ts_src_names[s];
}

int
pkt_meta_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "stampede_pkt_meta",
		.size = sizeof(struct pkt_meta),
		.align = __alignof__(uint64_t),
	};
	int off;

	off = rte_mbuf_dynfield_register(&desc);
	if (off < 0)
		return -rte_errno;
	pkt_meta_offset = off;
	return 0;
}

/*
 * Host-order loads at any alignment (hash inputs, compared as they are): memcpy, one plain load
 * on x86/arm64. Big-endian fields: bytes.h.
 */
static inline uint16_t
rd_raw16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t
rd_raw32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t
rd_raw64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* CRC32c is linear: each output bit is a XOR of input bits. A multiply-xorshift finaliser
 * (murmur3's fmix32) makes every output bit depend on all input bits, so hash % N spreads well
 * for any N and for tuples that differ in a few bits only (sequential ports, /24 neighbours).
 */
static inline uint32_t
pkt_hash_fmix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static inline uint64_t
pkt_hash_ports_proto(uint16_t lo_port, uint16_t hi_port, uint8_t proto)
{
	return ((uint64_t)lo_port << 32) | ((uint64_t)hi_port << 16) | proto;
}

uint32_t
pkt_hash_v4(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t proto)
{
	uint32_t lo = src, hi = dst, h;
	uint16_t lo_port = sport, hi_port = dport;

	/* Canonical order, address first then port; any total order does as long as both
	 * directions sort the same way, so the raw (network order) values are compared.
	 */
	if (src > dst || (src == dst && sport > dport)) {
		lo = dst;
		hi = src;
		lo_port = dport;
		hi_port = sport;
	}
	h = rte_hash_crc_8byte(((uint64_t)hi << 32) | lo, PKT_HASH_SEED);
	h = rte_hash_crc_8byte(pkt_hash_ports_proto(lo_port, hi_port, proto), h);
	return pkt_hash_fmix(h);
}

uint32_t
pkt_hash_v6(const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport, uint8_t proto)
{
	const uint8_t *lo = src, *hi = dst;
	uint16_t lo_port = sport, hi_port = dport;
	const uint64_t s0 = rd_raw64(src), s1 = rd_raw64(src + 8);
	const uint64_t d0 = rd_raw64(dst), d1 = rd_raw64(dst + 8);
	uint32_t h;

	/* Any total order works (see pkt_hash_v4): raw 64-bit words, no memcmp call. */
	if (s0 > d0 || (s0 == d0 && (s1 > d1 || (s1 == d1 && sport > dport)))) {
		lo = dst;
		hi = src;
		lo_port = dport;
		hi_port = sport;
	}
	h = rte_hash_crc_8byte(rd_raw64(lo), PKT_HASH_SEED);
	h = rte_hash_crc_8byte(rd_raw64(lo + 8), h);
	h = rte_hash_crc_8byte(rd_raw64(hi), h);
	h = rte_hash_crc_8byte(rd_raw64(hi + 8), h);
	h = rte_hash_crc_8byte(pkt_hash_ports_proto(lo_port, hi_port, proto), h);
	return pkt_hash_fmix(h);
}

/*
 * A MAC as a 48-bit integer from a 4-byte and a 2-byte load: a 6-byte copy into a zeroed
 * 8-byte local costs a store-forwarding stall (~15 cycles, seen with perf on net_null).
 */
static inline uint64_t
rd_mac(const uint8_t *p)
{
	uint32_t w;
	uint16_t s;

	memcpy(&w, p, sizeof(w));
	memcpy(&s, p + 4, sizeof(s));
	return (uint64_t)w | ((uint64_t)s << 32);
}

uint32_t
pkt_hash_l2(const uint8_t *a, const uint8_t *b, uint16_t ether_type)
{
	uint64_t lo = rd_mac(a), hi = rd_mac(b);
	uint32_t h;

	if (lo > hi) {
		uint64_t t = lo;

		lo = hi;
		hi = t;
	}
	/* A MAC fills 48 bits: the EtherType rides in the top 16 of the second word. */
	h = rte_hash_crc_8byte(lo, PKT_HASH_SEED);
	h = rte_hash_crc_8byte(hi | ((uint64_t)ether_type << 48), h);
	return pkt_hash_fmix(h);
}

/*
 * L4: record where it starts and read the ports of the protocols that have them. @p avail is
 * what is left of the L3 payload from @p l4 on. l4_off is set only when the protocol's fixed
 * header is complete (any byte at all for protocols without a known header size), so a stage
 * that reads the header at l4_off never needs to check again. When the header is cut short but
 * its 4 bytes of ports are there, the ports are still used for the hash.
 */
static void
pkt_parse_l4(const uint8_t *l4, uint32_t avail, uint32_t off, uint8_t proto, struct pkt_meta *meta,
		uint16_t *sport, uint16_t *dport)
{
	uint32_t min_len;
	bool ports = true;

	*sport = 0;
	*dport = 0;
	meta->l4_proto = proto;
	switch (proto) {
	case IPPROTO_TCP:
		min_len = 20;
		break;
	case IPPROTO_UDP:
	case PKT_IPPROTO_UDPLITE:
		min_len = 8;
		break;
	case IPPROTO_SCTP:
		min_len = 12;
		break;
	case IPPROTO_ICMP:
		min_len = 8;
		ports = false;
		break;
	case IPPROTO_ICMPV6:
		min_len = 4;
		ports = false;
		break;
	default:
		if (avail > 0)
			meta->l4_off = (uint16_t)off;
		return;
	}
	if (avail < min_len)
		meta->flags |= PKT_F_L4_TRUNC;
	else
		meta->l4_off = (uint16_t)off;
	if (ports && avail >= 4) {
		*sport = rd_raw16(l4);
		*dport = rd_raw16(l4 + 2);
	}
}

/* Runs when the EtherType or a broken L3 header leaves nothing better than the MACs. */
static inline void
pkt_hash_macs(const uint8_t *data, uint16_t ether_type, struct pkt_meta *meta)
{
	meta->flow_hash = pkt_hash_l2(data, data + RTE_ETHER_ADDR_LEN, ether_type);
}

static void
pkt_parse_ipv4(const uint8_t *data, uint32_t len, uint32_t off, struct pkt_meta *meta)
{
	const uint8_t *ip = data + off;
	uint32_t avail = len - off;
	uint32_t src, dst, hlen, tot, end;
	uint16_t sport, dport, frag;
	uint8_t proto;

	meta->l3_type = PKT_L3_IPV4;
	if (avail < sizeof(struct rte_ipv4_hdr)) {
		meta->flags |= PKT_F_L3_TRUNC;
		pkt_hash_macs(data, RTE_ETHER_TYPE_IPV4, meta);
		return;
	}
	src = rd_raw32(ip + 12);
	dst = rd_raw32(ip + 16);
	proto = ip[9];
	hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	tot = bytes_get_be16(ip + 2);
	if ((ip[0] >> 4) != 4 || hlen < sizeof(struct rte_ipv4_hdr) || hlen > avail || tot < hlen) {
		/* The addresses are there even if the rest is nonsense: keep the pair together. */
		meta->flags |= PKT_F_L3_TRUNC;
		meta->flow_hash = pkt_hash_v4(src, dst, 0, 0, proto);
		return;
	}
	/* total_length below what was received is Ethernet padding; above it, the frame lost its
	 * tail (or lies): parse what is there.
	 */
	end = tot;
	if (tot > avail) {
		meta->flags |= PKT_F_L3_TRUNC;
		end = avail;
	}
	frag = bytes_get_be16(ip + 6);
	if (frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		/* Only the first fragment carries the ports: hash every fragment on addresses and
		 * protocol so a datagram's pieces stay together.
		 */
		meta->flags |= PKT_F_FRAG;
		meta->l4_proto = proto;
		if ((frag & RTE_IPV4_HDR_OFFSET_MASK) == 0)
			pkt_parse_l4(ip + hlen, end - hlen, off + hlen, proto, meta, &sport,
					&dport);
		meta->flow_hash = pkt_hash_v4(src, dst, 0, 0, proto);
		return;
	}
	pkt_parse_l4(ip + hlen, end - hlen, off + hlen, proto, meta, &sport, &dport);
	meta->flow_hash = pkt_hash_v4(src, dst, sport, dport, proto);
}

static void
pkt_parse_ipv6(const uint8_t *data, uint32_t len, uint32_t off, struct pkt_meta *meta)
{
	const uint8_t *ip = data + off;
	uint32_t avail = len - off;
	const uint8_t *src, *dst;
	uint32_t plen, end, p, i;
	uint16_t sport, dport;
	uint8_t nh, frag_nh = 0;
	bool frag = false;

	meta->l3_type = PKT_L3_IPV6;
	if (avail < sizeof(struct rte_ipv6_hdr)) {
		meta->flags |= PKT_F_L3_TRUNC;
		pkt_hash_macs(data, RTE_ETHER_TYPE_IPV6, meta);
		return;
	}
	src = ip + 8;
	dst = ip + 24;
	nh = ip[6];
	if ((ip[0] >> 4) != 6) {
		meta->flags |= PKT_F_L3_TRUNC;
		meta->flow_hash = pkt_hash_v6(src, dst, 0, 0, nh);
		return;
	}
	/* A zero payload length with a hop-by-hop header is a jumbogram (RFC 2675): its length is
	 * in an option; trust the frame length instead.
	 */
	plen = bytes_get_be16(ip + 4);
	end = sizeof(struct rte_ipv6_hdr) + plen;
	if (plen == 0 && nh == IPPROTO_HOPOPTS)
		end = avail;
	else if (end > avail) {
		meta->flags |= PKT_F_L3_TRUNC;
		end = avail;
	}

	p = sizeof(struct rte_ipv6_hdr);
	for (i = 0;; i++) {
		uint32_t hlen;

		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (end - p < 2)
				goto trunc;
			hlen = ((uint32_t)ip[p + 1] + 1) * 8;
			break;
		case PKT_IPPROTO_AH:
			/* AH counts its length in 4-byte units, minus 2 (RFC 4302). */
			if (end - p < 2)
				goto trunc;
			hlen = ((uint32_t)ip[p + 1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT:
			hlen = 8;
			break;
		default:
			goto l4;
		}
		if (i == PKT_MAX_EXT_HDR) {
			/* Too long a chain: the L4 header is not looked for (l4_off stays 0). */
			meta->l4_proto = nh;
			meta->flow_hash = pkt_hash_v6(src, dst, 0, 0, frag ? frag_nh : nh);
			return;
		}
		if (end - p < hlen)
			goto trunc;
		if (nh == IPPROTO_FRAGMENT) {
			uint16_t fo = bytes_get_be16(ip + p + 2);

			/*
			 * Offset 0 and M = 0: an atomic fragment (RFC 6946), a whole datagram
			 * that happens to carry the header (a host told of a tiny path MTU
			 * sends them). Not a fragment: walk through it.
			 */
			if ((fo & 0xfff9) == 0) {
				nh = ip[p];
				p += hlen;
				continue;
			}
			frag = true;
			frag_nh = ip[p];
			/* Later fragments hold no L4 header, only payload. */
			if ((fo & 0xfff8) != 0) {
				meta->flags |= PKT_F_FRAG;
				meta->l4_proto = frag_nh;
				meta->flow_hash = pkt_hash_v6(src, dst, 0, 0, frag_nh);
				return;
			}
		}
		nh = ip[p];
		p += hlen;
	}

l4:
	pkt_parse_l4(ip + p, end - p, off + p, nh, meta, &sport, &dport);
	if (frag) {
		/* Same key in every fragment: the fragment header's next header, not what the
		 * first fragment alone shows after it.
		 */
		meta->flags |= PKT_F_FRAG;
		meta->flow_hash = pkt_hash_v6(src, dst, 0, 0, frag_nh);
		return;
	}
	meta->flow_hash = pkt_hash_v6(src, dst, sport, dport, nh);
	return;

trunc:
	meta->flags |= PKT_F_L3_TRUNC;
	if (frag)
		meta->flags |= PKT_F_FRAG;
	meta->l4_proto = nh;
	meta->flow_hash = pkt_hash_v6(src, dst, 0, 0, frag ? frag_nh : nh);
}

static void
pkt_parse_arp(const uint8_t *data, uint32_t len, uint32_t off, struct pkt_meta *meta)
{
	const uint8_t *arp = data + off;

	meta->l3_type = PKT_L3_ARP;
	/* Only Ethernet/IPv4 ARP has addresses where we look for them. */
	if (len - off < sizeof(struct rte_arp_hdr) || bytes_get_be16(arp) != RTE_ARP_HRD_ETHER ||
			bytes_get_be16(arp + 2) != RTE_ETHER_TYPE_IPV4 ||
			arp[4] != RTE_ETHER_ADDR_LEN || arp[5] != 4) {
		meta->flags |= PKT_F_L3_TRUNC;
		pkt_hash_macs(data, RTE_ETHER_TYPE_ARP, meta);
		return;
	}
	/* Sender and target IPv4 addresses: a request and its reply hash the same. */
	meta->flow_hash = pkt_hash_v4(rd_raw32(arp + 14), rd_raw32(arp + 24), 0, 0, 0);
}

static inline bool
pkt_is_vlan_tpid(uint16_t et)
{
	return et == RTE_ETHER_TYPE_VLAN || et == RTE_ETHER_TYPE_QINQ || et == PKT_TPID_QINQ_OLD;
}

/*
 * Every read is checked against @p len before it happens: the parser is fed raw frames and
 * fuzz input. ~29 TSC cycles per 64-byte IPv4/UDP frame, hash included (AMD EPYC, -O2,
 * test/unit/test_pkt.c bench).
 */
int
pkt_parse_buf(const uint8_t *data, uint32_t len, struct pkt_meta *meta)
{
	uint32_t off = RTE_ETHER_HDR_LEN;
	uint16_t et;

	meta->flow_hash = 0;
	meta->l3_type = PKT_L3_OTHER;
	meta->l3_off = 0;
	meta->l4_off = 0;
	meta->l4_proto = 0;
	meta->nb_vlan = 0;
	meta->flags = 0;
	if (len < RTE_ETHER_HDR_LEN)
		return -EINVAL;

	et = bytes_get_be16(data + 12);
	while (pkt_is_vlan_tpid(et)) {
		/* A ninth tag is beyond what we track: the frame is hashed as plain L2. */
		if (unlikely(meta->nb_vlan == PKT_MAX_VLAN)) {
			meta->flags |= PKT_F_VLAN_DEEP;
			goto l2;
		}
		if (len - off < sizeof(struct rte_vlan_hdr)) {
			meta->flags |= PKT_F_VLAN_TRUNC;
			goto l2;
		}
		meta->nb_vlan++;
		et = bytes_get_be16(data + off + 2);
		off += sizeof(struct rte_vlan_hdr);
	}
	meta->l3_off = (uint8_t)off;

	switch (et) {
	case RTE_ETHER_TYPE_IPV4:
		pkt_parse_ipv4(data, len, off, meta);
		return 0;
	case RTE_ETHER_TYPE_IPV6:
		pkt_parse_ipv6(data, len, off, meta);
		return 0;
	case RTE_ETHER_TYPE_ARP:
		pkt_parse_arp(data, len, off, meta);
		return 0;
	default:
		break;
	}
l2:
	meta->l3_off = (uint8_t)off;
	pkt_hash_macs(data, et, meta);
	return 0;
}
