/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Unit tests of the L2-L4 parser and the symmetric flow hash, on frames written byte by byte.
 * No EAL: pkt_parse_buf() and the hashes need none. Truncated frames are copied into buffers of
 * exactly their length, so an over-read shows up under -fsanitize=address.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_ip.h>

#include "pkt.h"
#include "frames.h"
#include "unit.h"

/* Reproducible runs, no dependency on the EAL's rte_rand(). */
static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t
rng(void)
{
	return unit_rand64(&rng_state);
}

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b };

static const uint8_t ip4_a[4] = { 10, 0, 0, 1 };
static const uint8_t ip4_b[4] = { 192, 168, 7, 200 };
static const uint8_t ip6_a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t ip6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2 };

static uint32_t
be32_raw(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static int
parse(const struct frame *f, struct pkt_meta *m)
{
	memset(m, 0xa5, sizeof(*m));
	return pkt_parse_buf(f->b, f->len, m);
}

static void
build_v4_udp(struct frame *f, const uint8_t *ms, const uint8_t *md, const uint8_t *s,
		const uint8_t *d, uint16_t sport, uint16_t dport)
{
	frame_eth(f, md, ms, 0x0800);
	frame_ipv4(f, s, d, IPPROTO_UDP, 8 + 4, 0);
	frame_udp(f, sport, dport, 4);
	frame_put_zero(f, 4);
}

static void
test_ipv4(void)
{
	struct frame f, r;
	struct pkt_meta m, mr;
	char what[128];
	int rc;

	frame_eth(&f, mac_b, mac_a, 0x0800);
	frame_ipv4(&f, ip4_a, ip4_b, IPPROTO_TCP, 20, 0);
	frame_tcp(&f, 40000, 443, FRAME_TCP_SYN);
	rc = parse(&f, &m);
	check(rc == 0 && m.l3_type == PKT_L3_IPV4 && m.l3_off == 14 && m.l4_off == 34 &&
					m.l4_proto == IPPROTO_TCP && m.flags == 0 && m.nb_vlan == 0,
			"ipv4/tcp: offsets, proto, no flags");
	check(m.flow_hash ==
					pkt_hash_v4(be32_raw(ip4_a), be32_raw(ip4_b),
							rte_cpu_to_be_16(40000),
							rte_cpu_to_be_16(443), IPPROTO_TCP),
			"ipv4/tcp: hash is pkt_hash_v4 of the 5-tuple");
	frame_eth(&r, mac_a, mac_b, 0x0800);
	frame_ipv4(&r, ip4_b, ip4_a, IPPROTO_TCP, 20, 0);
	frame_tcp(&r, 443, 40000, FRAME_TCP_SYN);
	parse(&r, &mr);
	check(mr.flow_hash == m.flow_hash, "ipv4/tcp: reply direction hashes the same");

	/* 64-byte frame: Ethernet padding after the IP datagram is not an error. */
	build_v4_udp(&f, mac_a, mac_b, ip4_a, ip4_b, 5353, 53);
	frame_put_zero(&f, 64 - f.len);
	rc = parse(&f, &m);
	snprintf(what, sizeof(what), "ipv4/udp 64B padded: l4_off=%u proto=%u flags=%#x", m.l4_off,
			m.l4_proto, m.flags);
	check(rc == 0 && m.l3_type == PKT_L3_IPV4 && m.l4_off == 34 && m.l4_proto == IPPROTO_UDP &&
					m.flags == 0,
			"%s", what);
	check(m.flow_hash ==
					pkt_hash_v4(be32_raw(ip4_a), be32_raw(ip4_b),
							rte_cpu_to_be_16(5353),
							rte_cpu_to_be_16(53), IPPROTO_UDP),
			"ipv4/udp: hash is pkt_hash_v4 of the 5-tuple");

	/* Bad IHL: the addresses still hash, the L4 header is not looked for. */
	f.b[14] = 0x43;
	parse(&f, &m);
	check((m.flags & PKT_F_L3_TRUNC) && m.l4_off == 0 &&
					m.flow_hash ==
							pkt_hash_v4(be32_raw(ip4_a),
									be32_raw(ip4_b), 0, 0,
									IPPROTO_UDP),
			"ipv4 IHL 3: L3_TRUNC, hashed on addresses");
	/* total_length shorter than the header. */
	build_v4_udp(&f, mac_a, mac_b, ip4_a, ip4_b, 5353, 53);
	f.b[16] = 0;
	f.b[17] = 10;
	parse(&f, &m);
	check((m.flags & PKT_F_L3_TRUNC) && m.l4_off == 0, "ipv4 total_length 10: L3_TRUNC");
	/* total_length longer than the frame. */
	build_v4_udp(&f, mac_a, mac_b, ip4_a, ip4_b, 5353, 53);
	f.b[16] = 0x05;
	parse(&f, &m);
	check((m.flags & PKT_F_L3_TRUNC) && m.l4_off == 34 && m.l4_proto == IPPROTO_UDP,
			"ipv4 total_length > frame: L3_TRUNC, L4 still parsed");
	/* IPv4 options: IHL 6. */
	frame_eth(&f, mac_b, mac_a, 0x0800);
	frame_ipv4(&f, ip4_a, ip4_b, IPPROTO_UDP, 4 + 8, 0);
	f.b[14] = 0x46;
	frame_put_zero(&f, 4);
	frame_udp(&f, 1, 2, 0);
	parse(&f, &m);
	check(m.l4_off == 38 && m.flags == 0, "ipv4 with options: l4_off 38");
}

static void
test_ipv4_frag(void)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t h_first, h_mid, h_rev, want;
	bool ok;

	want = pkt_hash_v4(be32_raw(ip4_a), be32_raw(ip4_b), 0, 0, IPPROTO_UDP);
	frame_eth(&f, mac_b, mac_a, 0x0800);
	frame_ipv4(&f, ip4_a, ip4_b, IPPROTO_UDP, 16, RTE_IPV4_HDR_MF_FLAG);
	frame_udp(&f, 1111, 2222, 8);
	frame_put_zero(&f, 8);
	parse(&f, &m);
	h_first = m.flow_hash;
	check((m.flags & PKT_F_FRAG) && m.l4_off == 34 && m.l4_proto == IPPROTO_UDP &&
					h_first == want,
			"ipv4 first fragment: FRAG, l4_off kept, hashed on addresses+proto");

	/* A later fragment: its first bytes are payload, which must not be taken as ports. */
	frame_eth(&f, mac_b, mac_a, 0x0800);
	frame_ipv4(&f, ip4_a, ip4_b, IPPROTO_UDP, 16, 2 /* offset 16 bytes, last */);
	frame_put16(&f, 0xdead);
	frame_put16(&f, 0xbeef);
	frame_put_zero(&f, 12);
	parse(&f, &m);
	h_mid = m.flow_hash;
	check((m.flags & PKT_F_FRAG) && m.l4_off == 0 && m.l4_proto == IPPROTO_UDP,
			"ipv4 later fragment: FRAG, no l4_off");
	check(h_mid == h_first, "ipv4 fragments of one datagram hash the same, ports ignored");

	frame_eth(&f, mac_a, mac_b, 0x0800);
	frame_ipv4(&f, ip4_b, ip4_a, IPPROTO_UDP, 16, RTE_IPV4_HDR_MF_FLAG | 5);
	frame_put_zero(&f, 16);
	parse(&f, &m);
	h_rev = m.flow_hash;
	check(h_rev == h_first, "ipv4 fragment in the reverse direction hashes the same");

	ok = true;
	for (int i = 0; i < 1000; i++) {
		uint16_t frag = (uint16_t)(rng() & 0x3fff);

		if (frag == 0)
			frag = 1;
		frame_eth(&f, mac_b, mac_a, 0x0800);
		frame_ipv4(&f, ip4_a, ip4_b, IPPROTO_UDP, 16, frag);
		frame_udp(&f, (uint16_t)rng(), (uint16_t)rng(), 8);
		frame_put_zero(&f, 8);
		parse(&f, &m);
		ok &= m.flow_hash == want && (m.flags & PKT_F_FRAG);
	}
	check(ok, "ipv4 1000 random fragments with random port bytes: all hash the same");
}

static void
put_v6_udp_hbh_frag(struct frame *f, const uint8_t *s, const uint8_t *d, uint16_t frag_field,
		uint16_t sport, uint16_t dport)
{
	frame_eth(f, mac_b, mac_a, 0x86dd);
	frame_ipv6(f, s, d, IPPROTO_HOPOPTS, 8 + 8 + 8 + 8);
	/* Hop-by-hop: next = fragment, length 0 (8 bytes), PadN option of 4. */
	frame_put8(f, IPPROTO_FRAGMENT);
	frame_put8(f, 0);
	frame_put8(f, 1);
	frame_put8(f, 4);
	frame_put_zero(f, 4);
	/* Fragment: next = UDP. */
	frame_put8(f, IPPROTO_UDP);
	frame_put8(f, 0);
	frame_put16(f, frag_field);
	frame_put16(f, 0xcafe);
	frame_put16(f, 0xf00d);
	frame_udp(f, sport, dport, 8);
	frame_put_zero(f, 8);
}

static void
test_ipv6(void)
{
	struct frame f, r;
	struct pkt_meta m, mr;
	uint32_t h_first;
	char what[160];

	frame_eth(&f, mac_b, mac_a, 0x86dd);
	frame_ipv6(&f, ip6_a, ip6_b, IPPROTO_UDP, 8 + 4);
	frame_udp(&f, 5000, 6000, 4);
	frame_put_zero(&f, 4);
	parse(&f, &m);
	check(m.l3_type == PKT_L3_IPV6 && m.l3_off == 14 && m.l4_off == 54 &&
					m.l4_proto == IPPROTO_UDP && m.flags == 0,
			"ipv6/udp: offsets, proto, no flags");
	check(m.flow_hash ==
					pkt_hash_v6(ip6_a, ip6_b, rte_cpu_to_be_16(5000),
							rte_cpu_to_be_16(6000), IPPROTO_UDP),
			"ipv6/udp: hash is pkt_hash_v6 of the 5-tuple");
	frame_eth(&r, mac_a, mac_b, 0x86dd);
	frame_ipv6(&r, ip6_b, ip6_a, IPPROTO_UDP, 8 + 4);
	frame_udp(&r, 6000, 5000, 4);
	frame_put_zero(&r, 4);
	parse(&r, &mr);
	check(mr.flow_hash == m.flow_hash, "ipv6/udp: reply direction hashes the same");

	/* First fragment (offset 0, M=1) behind a hop-by-hop header. */
	put_v6_udp_hbh_frag(&f, ip6_a, ip6_b, 0x0001, 5000, 6000);
	parse(&f, &m);
	snprintf(what, sizeof(what),
			"ipv6 hbh+frag first fragment: l4_off=%u proto=%u flags=%#x (want 70 17 1)",
			m.l4_off, m.l4_proto, m.flags);
	check(m.l4_off == 14 + 40 + 8 + 8 && m.l4_proto == IPPROTO_UDP && m.flags == PKT_F_FRAG,
			"%s", what);
	h_first = m.flow_hash;
	check(h_first == pkt_hash_v6(ip6_a, ip6_b, 0, 0, IPPROTO_UDP),
			"ipv6 fragment: hashed on addresses + proto");
	/* A later fragment, offset 185 * 8, payload where ports would be. */
	put_v6_udp_hbh_frag(&f, ip6_a, ip6_b, 185 << 3, 7, 9);
	parse(&f, &m);
	check(m.l4_off == 0 && m.l4_proto == IPPROTO_UDP && (m.flags & PKT_F_FRAG) &&
					m.flow_hash == h_first,
			"ipv6 later fragment: no l4_off, same hash as the first");
	put_v6_udp_hbh_frag(&f, ip6_b, ip6_a, 0x0001, 6000, 5000);
	parse(&f, &m);
	check(m.flow_hash == h_first, "ipv6 fragment reverse direction: same hash");

	/* Atomic fragments (RFC 6946: offset 0, M = 0; reserved bits and id anything): not
	 * fragments. The L4 header behind is found and the hash is the 5-tuple's.
	 */
	static const uint16_t atomic[] = { 0x0000, 0x0002, 0x0004, 0x0006 };

	for (unsigned int i = 0; i < RTE_DIM(atomic); i++) {
		put_v6_udp_hbh_frag(&f, ip6_a, ip6_b, atomic[i], 5000, 6000);
		parse(&f, &m);
		check(m.l4_off == 14 + 40 + 8 + 8 && m.l4_proto == IPPROTO_UDP && m.flags == 0 &&
						m.flow_hash ==
								pkt_hash_v6(ip6_a, ip6_b,
										rte_cpu_to_be_16(
												5000),
										rte_cpu_to_be_16(
												6000),
										IPPROTO_UDP),
				"ipv6 atomic fragment (field %#x): not a fragment, l4_off %u, flags "
				"%#x, the 5-tuple's hash",
				atomic[i], m.l4_off, m.flags);
	}
	/* Directly after the IPv6 header, TCP inside. */
	frame_eth(&f, mac_b, mac_a, 0x86dd);
	frame_ipv6(&f, ip6_a, ip6_b, IPPROTO_FRAGMENT, 8 + 20);
	frame_put8(&f, IPPROTO_TCP);
	frame_put8(&f, 0);
	frame_put16(&f, 0);
	frame_put16(&f, 0x1234);
	frame_put16(&f, 0x5678);
	frame_tcp(&f, 1234, 80, FRAME_TCP_SYN);
	parse(&f, &m);
	check(m.l4_off == 14 + 40 + 8 && m.l4_proto == IPPROTO_TCP && m.flags == 0 &&
					m.flow_hash ==
							pkt_hash_v6(ip6_a, ip6_b,
									rte_cpu_to_be_16(1234),
									rte_cpu_to_be_16(80),
									IPPROTO_TCP),
			"ipv6 atomic fragment then TCP: l4_off %u flags %#x", m.l4_off, m.flags);
	/* Offset 0 with M = 1 is still a first fragment, offset != 0 with M = 0 a last one. */
	put_v6_udp_hbh_frag(&f, ip6_a, ip6_b, 0x0001, 5000, 6000);
	parse(&f, &m);
	check(m.flags == PKT_F_FRAG, "offset 0, M = 1: a first fragment");
	put_v6_udp_hbh_frag(&f, ip6_a, ip6_b, 8 << 3, 5000, 6000);
	parse(&f, &m);
	check(m.flags == PKT_F_FRAG && m.l4_off == 0, "offset 64, M = 0: a last fragment");

	/* Routing + destination options + AH, then TCP. */
	frame_eth(&f, mac_b, mac_a, 0x86dd);
	frame_ipv6(&f, ip6_a, ip6_b, IPPROTO_ROUTING, 24 + 8 + 16 + 20);
	frame_put8(&f, IPPROTO_DSTOPTS);
	frame_put8(&f, 2); /* 24 bytes */
	frame_put_zero(&f, 22);
	frame_put8(&f, 51);
	frame_put8(&f, 0); /* 8 bytes */
	frame_put_zero(&f, 6);
	frame_put8(&f, IPPROTO_TCP);
	frame_put8(&f, 2); /* AH: (2 + 2) * 4 = 16 bytes */
	frame_put_zero(&f, 14);
	frame_tcp(&f, 1234, 80, FRAME_TCP_SYN);
	parse(&f, &m);
	snprintf(what, sizeof(what), "ipv6 routing+dstopts+AH/tcp: l4_off=%u proto=%u flags=%#x",
			m.l4_off, m.l4_proto, m.flags);
	check(m.l4_off == 14 + 40 + 24 + 8 + 16 && m.l4_proto == IPPROTO_TCP && m.flags == 0 &&
					m.flow_hash ==
							pkt_hash_v6(ip6_a, ip6_b,
									rte_cpu_to_be_16(1234),
									rte_cpu_to_be_16(80),
									IPPROTO_TCP),
			"%s", what);

	/* A chain of 9 destination-options headers: more than the parser walks. */
	frame_eth(&f, mac_b, mac_a, 0x86dd);
	frame_ipv6(&f, ip6_a, ip6_b, IPPROTO_DSTOPTS, 9 * 8 + 8);
	for (int i = 0; i < 9; i++) {
		frame_put8(&f, i == 8 ? IPPROTO_UDP : IPPROTO_DSTOPTS);
		frame_put8(&f, 0);
		frame_put_zero(&f, 6);
	}
	frame_udp(&f, 1, 2, 0);
	parse(&f, &m);
	check(m.l4_off == 0 && m.l3_type == PKT_L3_IPV6, "ipv6 9 extension headers: L4 not sought");

	/* ICMPv6: no ports. */
	frame_eth(&f, mac_b, mac_a, 0x86dd);
	frame_ipv6(&f, ip6_a, ip6_b, IPPROTO_ICMPV6, 8);
	frame_put8(&f, 128);
	frame_put_zero(&f, 7);
	parse(&f, &m);
	check(m.l4_off == 54 && m.l4_proto == IPPROTO_ICMPV6 && m.flags == 0 &&
					m.flow_hash ==
							pkt_hash_v6(ip6_a, ip6_b, 0, 0,
									IPPROTO_ICMPV6),
			"icmpv6: hashed on addresses + proto");
}

static void
test_vlan(void)
{
	struct frame plain, f;
	struct pkt_meta m0, m;
	static const uint16_t tpids[] = { 0x8100, 0x88a8, 0x9100 };
	char what[128];

	build_v4_udp(&plain, mac_a, mac_b, ip4_a, ip4_b, 1000, 2000);
	parse(&plain, &m0);

	for (unsigned int t = 0; t < RTE_DIM(tpids); t++) {
		frame_eth(&f, mac_b, mac_a, tpids[t]);
		frame_put16(&f, 0x2064); /* PCP 1, VID 100 */
		frame_put16(&f, 0x0800);
		frame_put_bytes(&f, plain.b + 14, plain.len - 14);
		parse(&f, &m);
		snprintf(what, sizeof(what), "vlan tpid %#x: one tag, l3_off 18", tpids[t]);
		check(m.nb_vlan == 1 && m.l3_off == 18 && m.l4_off == 38 &&
						m.l3_type == PKT_L3_IPV4 && m.flags == 0 &&
						m.flow_hash == m0.flow_hash,
				"%s", what);
	}

	frame_eth(&f, mac_b, mac_a, 0x88a8);
	frame_put16(&f, 10);
	frame_put16(&f, 0x8100);
	frame_put16(&f, 20);
	frame_put16(&f, 0x0800);
	frame_put_bytes(&f, plain.b + 14, plain.len - 14);
	parse(&f, &m);
	check(m.nb_vlan == 2 && m.l3_off == 22 && m.l4_off == 42 && m.l3_type == PKT_L3_IPV4 &&
					m.flow_hash == m0.flow_hash,
			"qinq 0x88a8/0x8100: two tags outermost first, same hash as untagged");

	/* 802.1ad + 802.1Q + 802.1Q (a carrier's stack), then 4..8 tags: all parsed. */
	for (unsigned int n = 3; n <= PKT_MAX_VLAN; n++) {
		frame_eth(&f, mac_b, mac_a, 0x88a8);
		for (unsigned int i = 0; i < n; i++) {
			frame_put16(&f, (uint16_t)(10 * (i + 1)));
			frame_put16(&f, i + 1 < n ? (i % 2 ? 0x9100 : 0x8100) : 0x0800);
		}
		frame_put_bytes(&f, plain.b + 14, plain.len - 14);
		parse(&f, &m);
		snprintf(what, sizeof(what),
				"%u tags: nb_vlan %u l3_off %u l4_off %u type %u flags %#x, the "
				"untagged frame's hash",
				n, m.nb_vlan, m.l3_off, m.l4_off, m.l3_type, m.flags);
		check(m.nb_vlan == n && m.l3_off == 14 + 4 * n && m.l4_off == 34 + 4 * n &&
						m.l3_type == PKT_L3_IPV4 && m.flags == 0 &&
						m.flow_hash == m0.flow_hash,
				"%s", what);
	}

	/* Nine tags: deeper than parsed, flagged, hashed on the MACs. */
	frame_eth(&f, mac_b, mac_a, 0x88a8);
	for (unsigned int i = 0; i < PKT_MAX_VLAN + 1; i++) {
		frame_put16(&f, (uint16_t)(i + 1));
		frame_put16(&f, i < PKT_MAX_VLAN ? 0x8100 : 0x0800);
	}
	frame_put_bytes(&f, plain.b + 14, plain.len - 14);
	parse(&f, &m);
	check(m.nb_vlan == PKT_MAX_VLAN && m.l3_type == PKT_L3_OTHER &&
					m.l3_off == 14 + 4 * PKT_MAX_VLAN && m.l4_off == 0 &&
					m.flags == PKT_F_VLAN_DEEP &&
					m.flow_hash == pkt_hash_l2(mac_b, mac_a, 0x8100),
			"nine tags: VLAN_DEEP, L3 OTHER, hashed on MACs (nb_vlan %u flags %#x)",
			m.nb_vlan, m.flags);
	/* Eight whole tags and a ninth cut short: the truncation is what is reported. */
	f.len = 14 + 4 * PKT_MAX_VLAN + 2;
	parse(&f, &m);
	check(m.nb_vlan == PKT_MAX_VLAN && (m.flags & PKT_F_VLAN_DEEP),
			"nine tags, the last cut: still too deep (flags %#x)", m.flags);
}

static void
put_arp(struct frame *f, uint16_t op, const uint8_t *sha, const uint8_t *spa, const uint8_t *tha,
		const uint8_t *tpa)
{
	frame_put16(f, 1);
	frame_put16(f, 0x0800);
	frame_put8(f, 6);
	frame_put8(f, 4);
	frame_put16(f, op);
	frame_put_bytes(f, sha, 6);
	frame_put_bytes(f, spa, 4);
	frame_put_bytes(f, tha, 6);
	frame_put_bytes(f, tpa, 4);
}

static void
test_arp_l2(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6] = { 0 };
	struct frame f;
	struct pkt_meta req, rep, m;

	frame_eth(&f, bcast, mac_a, 0x0806);
	put_arp(&f, 1, mac_a, ip4_a, zero, ip4_b);
	frame_put_zero(&f, 18);
	parse(&f, &req);
	frame_eth(&f, mac_a, mac_b, 0x0806);
	put_arp(&f, 2, mac_b, ip4_b, mac_a, ip4_a);
	parse(&f, &rep);
	check(req.l3_type == PKT_L3_ARP && req.flags == 0 && req.l4_off == 0 &&
					req.flow_hash == rep.flow_hash,
			"arp: request and reply hash the same (sender/target IPs, symmetric)");
	check(req.flow_hash == pkt_hash_v4(be32_raw(ip4_a), be32_raw(ip4_b), 0, 0, 0),
			"arp: hash is pkt_hash_v4 of the IPs");
	f.b[14 + 5] = 16; /* plen 16: not IPv4 ARP */
	parse(&f, &m);
	check(m.l3_type == PKT_L3_ARP && (m.flags & PKT_F_L3_TRUNC) &&
					m.flow_hash == pkt_hash_l2(mac_a, mac_b, 0x0806),
			"arp with plen 16: flagged, hashed on MACs");

	frame_eth(&f, mac_b, mac_a, 0x88cc); /* LLDP */
	frame_put_zero(&f, 46);
	parse(&f, &m);
	check(m.l3_type == PKT_L3_OTHER && m.l3_off == 14 && m.l4_off == 0 && m.flags == 0 &&
					m.flow_hash == pkt_hash_l2(mac_b, mac_a, 0x88cc),
			"non-IP (LLDP): L3 OTHER, hashed on MACs");
	check(pkt_hash_l2(mac_a, mac_b, 0x88cc) == pkt_hash_l2(mac_b, mac_a, 0x88cc) &&
					pkt_hash_l2(mac_a, mac_b, 0x88cc) !=
							pkt_hash_l2(mac_a, mac_b, 0x88cd),
			"pkt_hash_l2: symmetric, EtherType counts");
}

#define TRUNC_FLAGS (PKT_F_L3_TRUNC | PKT_F_L4_TRUNC | PKT_F_VLAN_TRUNC)

/* Every prefix of @p f parses without reading past it, with the right return code and flags. */
static void
test_trunc_one(const char *name, const struct frame *f, uint8_t want_flags, bool want_trunc)
{
	struct pkt_meta m;
	bool ok = true;
	uint32_t bad_len = 0;
	char what[160];

	for (uint32_t len = 0; len <= f->len; len++) {
		/* Exactly len bytes on the heap: ASan catches a read one past the end. */
		uint8_t *buf = malloc(len ? len : 1);
		bool good;
		int rc;

		memcpy(buf, f->b, len);
		memset(&m, 0xa5, sizeof(m));
		rc = pkt_parse_buf(buf, len, &m);
		free(buf);
		if (len < 14)
			good = rc == -EINVAL;
		else if (len == f->len)
			good = rc == 0 && m.flags == want_flags;
		else
			good = rc == 0 && m.l3_off <= len && m.l4_off <= len &&
					(!want_trunc || (m.flags & TRUNC_FLAGS) != 0);
		if (!good && ok) {
			ok = false;
			bad_len = len;
		}
	}
	if (ok)
		snprintf(what, sizeof(what),
				"truncated %s: lengths 0..%u parse safely, flags right", name,
				f->len);
	else
		snprintf(what, sizeof(what), "truncated %s: wrong at length %u", name, bad_len);
	check(ok, "%s", what);
}

static void
test_trunc(void)
{
	struct frame f;

	frame_eth(&f, mac_b, mac_a, 0x0800);
	frame_ipv4(&f, ip4_a, ip4_b, IPPROTO_TCP, 20, 0);
	frame_tcp(&f, 40000, 443, FRAME_TCP_SYN);
	test_trunc_one("ipv4/tcp", &f, 0, true);

	build_v4_udp(&f, mac_a, mac_b, ip4_a, ip4_b, 1, 2);
	test_trunc_one("ipv4/udp", &f, 0, true);

	frame_eth(&f, mac_b, mac_a, 0x88a8);
	frame_put16(&f, 10);
	frame_put16(&f, 0x8100);
	frame_put16(&f, 20);
	frame_put16(&f, 0x86dd);
	frame_ipv6(&f, ip6_a, ip6_b, IPPROTO_UDP, 8);
	frame_udp(&f, 1, 2, 0);
	test_trunc_one("qinq/ipv6/udp", &f, 0, true);

	put_v6_udp_hbh_frag(&f, ip6_a, ip6_b, 0x0001, 5000, 6000);
	test_trunc_one("ipv6/hbh/frag/udp", &f, PKT_F_FRAG, true);

	frame_eth(&f, mac_b, mac_a, 0x0806);
	put_arp(&f, 1, mac_a, ip4_a, mac_b, ip4_b);
	test_trunc_one("arp", &f, 0, true);

	frame_eth(&f, mac_b, mac_a, 0x86dd);
	frame_ipv6(&f, ip6_a, ip6_b, IPPROTO_ROUTING, 24 + 16 + 12);
	frame_put8(&f, 51);
	frame_put8(&f, 2);
	frame_put_zero(&f, 22);
	frame_put8(&f, IPPROTO_SCTP);
	frame_put8(&f, 2);
	frame_put_zero(&f, 14);
	frame_put16(&f, 7);
	frame_put16(&f, 8);
	frame_put_zero(&f, 8);
	test_trunc_one("ipv6/routing/AH/sctp", &f, 0, true);

	frame_eth(&f, mac_b, mac_a, 0x88cc);
	frame_put_zero(&f, 20);
	test_trunc_one("non-ip", &f, 0, false);

	static const uint8_t next_hdrs[] = { 0, 43, 44, 51, 60, 6, 17, 132, 136, 58, 59 };

	/* Random garbage after an IPv4/IPv6 EtherType: only safety is checked. */
	for (int i = 0; i < 2; i++) {
		bool ok = true;

		for (int n = 0; n < 200000; n++) {
			uint32_t len = 14 + (uint32_t)(rng() % 200);
			uint8_t *buf = malloc(len);
			struct pkt_meta m;

			for (uint32_t k = 0; k < len; k++)
				buf[k] = (uint8_t)rng();
			buf[12] = i ? 0x86 : 0x08;
			buf[13] = i ? 0xdd : 0x00;
			if (len > 14)
				buf[14] = i ? (0x60 | (buf[14] & 0x0f)) : (0x40 | (buf[14] & 0x0f));
			/* Steer IPv6 into extension-header chains with short lengths, where
			 * the bounds checks matter most.
			 */
			for (uint32_t k = 14 + 6; i && k + 1 < len; k += 8) {
				buf[k] = next_hdrs[rng() % RTE_DIM(next_hdrs)];
				buf[k + 1] = (uint8_t)(rng() % 3);
				if (k == 14 + 6)
					k = 14 + 40 - 8;
			}
			if (pkt_parse_buf(buf, len, &m) != 0 || m.l3_off > len || m.l4_off > len)
				ok = false;
			free(buf);
		}
		check(ok, "%s",
				i ? "random IPv6 frames (ext headers): safe, offsets in frame" :
				    "random IPv4 frames: safe, offsets in frame");
	}
}

static void
rand_bytes(uint8_t *p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)rng();
}

#define NB_FLOWS 100000

static int
cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return (a > b) - (a < b);
}

static void
test_hash_props(void)
{
	unsigned int buckets4[16] = { 0 }, buckets6[16] = { 0 }, bucketss[16] = { 0 };
	unsigned int asym4 = 0, asym6 = 0, same_swap = 0, same_port = 0, nb_swap = 0,
		     parse_asym = 0;
	unsigned int min4 = UINT32_MAX, max4 = 0, min6 = UINT32_MAX, max6 = 0;
	unsigned int mins = UINT32_MAX, maxs = 0, collisions = 0;
	uint32_t *hashes = calloc(NB_FLOWS, sizeof(*hashes));
	const double mean = NB_FLOWS / 16.0;
	char what[200];

	for (unsigned int i = 0; i < NB_FLOWS; i++) {
		uint32_t a = (uint32_t)rng(), b = (uint32_t)rng();
		uint16_t p = (uint16_t)rng(), q = (uint16_t)rng();
		uint8_t proto = (rng() & 1) ? IPPROTO_TCP : IPPROTO_UDP;
		uint8_t s6[16], d6[16];
		uint32_t h4, h6;

		h4 = pkt_hash_v4(a, b, p, q, proto);
		asym4 += h4 != pkt_hash_v4(b, a, q, p, proto);
		buckets4[h4 % 16]++;
		hashes[i] = h4;

		rand_bytes(s6, 16);
		rand_bytes(d6, 16);
		h6 = pkt_hash_v6(s6, d6, p, q, proto);
		asym6 += h6 != pkt_hash_v6(d6, s6, q, p, proto);
		buckets6[h6 % 16]++;

		/* Another source port only: a different flow. */
		same_port += h4 == pkt_hash_v4(a, b, (uint16_t)(p ^ (1 + rng() % 65535)), q, proto);
		/* Swap the two ports between the endpoints: a different flow. */
		if (p != q) {
			nb_swap++;
			same_swap += h4 == pkt_hash_v4(a, b, q, p, proto);
		}

		/* Structured flows: many clients of 10.0.0.0/16 on sequential ports to one server.
		 */
		bucketss[pkt_hash_v4(rte_cpu_to_be_32(0x0a000000 | (i / 8)),
					 rte_cpu_to_be_32(0xc0a80101),
					 rte_cpu_to_be_16((uint16_t)(32768 + (i % 8))),
					 rte_cpu_to_be_16(443), IPPROTO_TCP) %
				16]++;

		/* The parser agrees with itself in both directions. */
		if (i < 2000) {
			struct frame f;
			struct pkt_meta m1, m2;
			uint8_t sa[4], da[4];

			memcpy(sa, &a, 4);
			memcpy(da, &b, 4);
			build_v4_udp(&f, mac_a, mac_b, sa, da, p, q);
			parse(&f, &m1);
			build_v4_udp(&f, mac_b, mac_a, da, sa, q, p);
			parse(&f, &m2);
			parse_asym += m1.flow_hash != m2.flow_hash;
		}
	}
	for (int k = 0; k < 16; k++) {
		min4 = RTE_MIN(min4, buckets4[k]);
		max4 = RTE_MAX(max4, buckets4[k]);
		min6 = RTE_MIN(min6, buckets6[k]);
		max6 = RTE_MAX(max6, buckets6[k]);
		mins = RTE_MIN(mins, bucketss[k]);
		maxs = RTE_MAX(maxs, bucketss[k]);
	}
	/* Collisions among the IPv4 hashes: sort and count equal neighbours. About
	 * n^2 / 2^33 = 1.2 are expected from a 32-bit hash of 100000 random flows.
	 */
	qsort(hashes, NB_FLOWS, sizeof(*hashes), cmp_u32);
	for (unsigned int i = 1; i < NB_FLOWS; i++)
		collisions += hashes[i] == hashes[i - 1];
	free(hashes);

	snprintf(what, sizeof(what), "symmetry: %u random IPv4 flows, %u asymmetric", NB_FLOWS,
			asym4);
	check(asym4 == 0, "%s", what);
	snprintf(what, sizeof(what), "symmetry: %u random IPv6 flows, %u asymmetric", NB_FLOWS,
			asym6);
	check(asym6 == 0, "%s", what);
	snprintf(what, sizeof(what),
			"symmetry through the parser: 2000 IPv4/UDP frames, %u asymmetric",
			parse_asym);
	check(parse_asym == 0, "%s", what);
	snprintf(what, sizeof(what),
			"spread IPv4: hash %% 16 buckets in [%u, %u], mean %.0f +-10%%", min4, max4,
			mean);
	check(min4 >= mean * 0.9 && max4 <= mean * 1.1, "%s", what);
	snprintf(what, sizeof(what),
			"spread IPv6: hash %% 16 buckets in [%u, %u], mean %.0f +-10%%", min6, max6,
			mean);
	check(min6 >= mean * 0.9 && max6 <= mean * 1.1, "%s", what);
	snprintf(what, sizeof(what),
			"spread sequential ports: hash %% 16 buckets in [%u, %u], mean %.0f +-10%%",
			mins, maxs, mean);
	check(mins >= mean * 0.9 && maxs <= mean * 1.1, "%s", what);
	snprintf(what, sizeof(what),
			"distinct: swapping the ports between endpoints kept the hash "
			"in %u of %u flows",
			same_swap, nb_swap);
	check(same_swap * 1000 <= nb_swap, "%s", what);

	snprintf(what, sizeof(what),
			"distinct: changing one source port kept the hash in %u of %u "
			"flows",
			same_port, NB_FLOWS);
	check(same_port * 1000 <= NB_FLOWS, "%s", what);
	snprintf(what, sizeof(what),
			"distinct: %u random IPv4 flows, %u hash collisions (~1 expected)",
			NB_FLOWS, collisions);
	check(collisions <= 10, "%s", what);
}

static void
test_misc(void)
{
	check(strcmp(pkt_ts_src_name(PKT_TS_NONE), "none") == 0 &&
					strcmp(pkt_ts_src_name(PKT_TS_SW), "sw") == 0 &&
					strcmp(pkt_ts_src_name(PKT_TS_HW), "hw") == 0 &&
					strcmp(pkt_ts_src_name(PKT_TS_PCAP), "pcap") == 0 &&
					strcmp(pkt_ts_src_name(PKT_TS_TRAILER), "trailer") == 0 &&
					strcmp(pkt_ts_src_name(PKT_TS_MAX), "unknown") == 0,
			"pkt_ts_src_name: every source, and out of range");
	check(sizeof(struct pkt_meta) == 24,
			"struct pkt_meta is 24 bytes (fits beside the RX timestamp field)");
}

/* Not a test (tests never assert on timing): the figure quoted above pkt_parse_buf(). */
static void
bench(void)
{
	struct frame f;
	struct pkt_meta m;
	const unsigned int n = 10000000;
	volatile uint32_t sink = 0;
	uint64_t t0, t1;

	build_v4_udp(&f, mac_a, mac_b, ip4_a, ip4_b, 5353, 53);
	frame_put_zero(&f, 64 - f.len);
	t0 = rte_rdtsc();
	for (unsigned int i = 0; i < n; i++) {
		f.b[34] = (uint8_t)i; /* vary the source port so nothing is hoisted */
		pkt_parse_buf(f.b, 64, &m);
		sink += m.flow_hash;
	}
	t1 = rte_rdtsc();
	printf("bench: pkt_parse_buf 64B IPv4/UDP: %.1f cycles/call\n", (double)(t1 - t0) / n);
	(void)sink;
}

int
main(void)
{
	test_misc();
	test_ipv4();
	test_ipv4_frag();
	test_ipv6();
	test_vlan();
	test_arp_l2();
	test_trunc();
	test_hash_props();
	bench();
	return unit_done();
}
