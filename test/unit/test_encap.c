/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * lib/encap: the outer headers byte by byte against the layouts FORMATS.md sections 4-5 checked
 * with tshark (VXLAN 08000000 00138800 = VNI 5000; GRE-TEB 2000 6558 key; ERSPAN III over GRE
 * with sequence, platform ID 3 sub-header), IPv4 total length and checksum.
 */

#include <errno.h>
#include <string.h>

#include "encap.h"
#include "unit.h"

static const uint8_t MAC_S[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t MAC_D[6] = { 0x02, 0, 0, 0, 0, 0x09 };

static struct encap_tunnel
tunnel(enum encap_type type, uint32_t id)
{
	struct encap_tunnel t;

	memset(&t, 0, sizeof(t));
	t.type = type;
	memcpy(t.src_mac, MAC_S, 6);
	memcpy(t.dst_mac, MAC_D, 6);
	t.src_ip = 0x0100000a; /* 10.0.0.1 in network order on little-endian */
	t.dst_ip = 0x0200000a;
	t.id = id;
	t.ttl = 64;
	t.dscp = 46;
	t.dst_port = 4789;
	return t;
}

static void
check_ip(const uint8_t *h, uint16_t hlen, uint32_t inner, uint8_t proto, const char *what)
{
	const uint8_t *ip = h + 14;

	check(memcmp(h, MAC_D, 6) == 0 && memcmp(h + 6, MAC_S, 6) == 0 && h[12] == 0x08 &&
					h[13] == 0x00,
			"%s: Ethernet dst, src, IPv4", what);
	check(ip[0] == 0x45 && ip[1] == 46 << 2 && ip[8] == 64 && ip[9] == proto &&
					(uint32_t)(ip[2] << 8 | ip[3]) == hlen - 14u + inner &&
					ip[6] == 0x40,
			"%s: IPv4 header, DSCP 46, TTL 64, protocol %u, total length %u, DF", what,
			proto, hlen - 14u + inner);
	check(encap_ip_csum(ip, 20) == 0, "%s: IPv4 checksum verifies", what);
	check(memcmp(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8) == 0,
			"%s: 10.0.0.1 -> 10.0.0.2", what);
}

int
main(void)
{
	uint8_t h[ENCAP_MAX_HDR + 8];
	struct encap_tunnel t;
	struct encap_pkt p = { .inner_len = 100,
		.ts_ns = 1700000000123456789ULL,
		.seq = 43,
		.hash = 0x12345678,
		.port = 513 };

	check(encap_hdr_len(ENCAP_ERSPAN3) == 62 && encap_hdr_len(ENCAP_VXLAN) == 50 &&
					encap_hdr_len(ENCAP_GRE) == 42,
			"header lengths: ERSPAN III 62, VXLAN 50, GRE-TEB 42");
	/* RFC 1071's example: 0x0001 f203 f4f5 f6f7 sums to 0xddf2, checksum 0x220d. */
	check(encap_ip_csum((const uint8_t *)"\x00\x01\xf2\x03\xf4\xf5\xf6\xf7", 8) == 0x220d,
			"RFC 1071 checksum example");

	t = tunnel(ENCAP_VXLAN, 5000);
	memset(h, 0xee, sizeof(h));
	encap_build(&t, &p, h);
	check_ip(h, 50, 100, 17, "vxlan");
	check((h[34] << 8 | h[35]) == 49152 + 0x12345678 % 16384 && (h[36] << 8 | h[37]) == 4789 &&
					(h[38] << 8 | h[39]) == 116 && h[40] == 0 && h[41] == 0,
			"vxlan: UDP source port from the hash, 4789, length 116, checksum 0");
	check(memcmp(h + 42, "\x08\x00\x00\x00\x00\x13\x88\x00", 8) == 0,
			"vxlan: header 08000000 00138800 (VNI 5000)");
	check(h[50] == 0xee, "vxlan: nothing written past 50 bytes");

	t = tunnel(ENCAP_GRE, 5000);
	encap_build(&t, &p, h);
	check_ip(h, 42, 100, 47, "gre");
	check(memcmp(h + 34, "\x20\x00\x65\x58\x00\x00\x13\x88", 8) == 0,
			"gre: 2000 6558 00001388 (K, TEB, key 5000)");

	t = tunnel(ENCAP_ERSPAN3, 77);
	p.truncated = true;
	encap_build(&t, &p, h);
	check_ip(h, 62, 100, 47, "erspan3");
	check(memcmp(h + 34, "\x10\x00\x22\xeb\x00\x00\x00\x2b", 8) == 0,
			"erspan3: GRE 1000 22eb, sequence 43");
	/* Ver 2 VLAN 0 | COS 0 BSO 0 T 1 session 77 | ns 123456789 | SGT 0 | Gra 2, O 1. */
	check(memcmp(h + 42, "\x20\x00\x04\x4d\x07\x5b\xcd\x15\x00\x00\x00\x05", 12) == 0,
			"erspan3: ver 2, T, session 77, timestamp = ns of the second, gra 2, o 1");
	/* Platform ID 3, port 513, upper timestamp = seconds 1700000000. */
	check(memcmp(h + 54, "\x0c\x00\x02\x01\x65\x53\xf1\x00", 8) == 0,
			"erspan3: platform 3 sub-header: port 513, seconds 1700000000");

	/* Stampede over IPv6: header fields, and the UDP checksum over an odd-length payload. */
	for (uint32_t len = 99; len <= 100; len++) {
		uint8_t f[62 + 100], ps[40 + 8 + 100];
		struct encap_pkt q = { .inner_len = len, .hash = 0x12345678 };

		t = tunnel(ENCAP_SPH_UDP6, 0);
		t.dst_port = 48879;
		memcpy(t.src_ip6, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(t.dst_ip6, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x09", 16);
		for (uint32_t i = 0; i < len; i++)
			f[62 + i] = (uint8_t)(i * 37 + 11);
		encap_build(&t, &q, f);
		check(encap_hdr_len(ENCAP_SPH_UDP6) == 62 && f[12] == 0x86 && f[13] == 0xdd &&
						f[14] == 0x6b && f[15] == 0x84 && f[16] == 0x56 &&
						f[17] == 0x78 &&
						(uint32_t)(f[18] << 8 | f[19]) == 8 + len &&
						f[20] == 17 && f[21] == 64 &&
						memcmp(f + 22, t.src_ip6, 16) == 0 &&
						memcmp(f + 38, t.dst_ip6, 16) == 0,
				"sph udp6 (%u): IPv6 version 6, traffic class DSCP 46, flow label from "
				"the hash, payload length, next header UDP, hop limit 64, addresses",
				len);
		check((f[54] << 8 | f[55]) == 49152 + 0x12345678 % 16384 &&
						(f[56] << 8 | f[57]) == 48879 &&
						(uint32_t)(f[58] << 8 | f[59]) == 8 + len,
				"sph udp6 (%u): UDP ports, length", len);
		/* RFC 8200 8.1 pseudo-header + UDP + payload: a valid checksum sums to 0. */
		memcpy(ps, f + 22, 32);
		memset(ps + 32, 0, 8);
		ps[34] = (uint8_t)((8 + len) >> 8);
		ps[35] = (uint8_t)(8 + len);
		ps[39] = 17;
		memcpy(ps + 40, f + 54, 8 + len);
		check(encap_ip_csum(ps, 40 + 8 + len) == 0 && (f[60] | f[61]) != 0,
				"sph udp6 (%u): UDP checksum verifies (RFC 1071 over the pseudo-header), "
				"not 0",
				len);
	}
	/*
	 * Templates (encap_tpl_put): the same bytes as encap_build() for stampede over IPv4 UDP
	 * at every payload length, for 256 address / TTL / DSCP / hash choices (checksums over the
	 * whole range, the folds included), and over Ethernet; the other types are refused.
	 */
	{
		uint32_t x = 12345, bad = 0, tried = 0, csum_bad = 0;
		uint8_t a[ENCAP_MAX_HDR], b[ENCAP_MAX_HDR];
		struct encap_tpl tp;

		for (unsigned int k = 0; k < 256; k++) {
			uint32_t hash;

			t = tunnel(ENCAP_SPH_UDP, 0);
			x = x * 1103515245u + 12345u;
			t.src_ip = x;
			x = x * 1103515245u + 12345u;
			t.dst_ip = x;
			t.ttl = (uint8_t)(x >> 8);
			t.dscp = (uint8_t)((x >> 16) & 63);
			t.dst_port = (uint16_t)(x >> 3);
			hash = x * 2654435761u;
			check(encap_tpl_init(&tp, &t, hash) == 0, "sph udp template %u: built", k);
			for (uint32_t len = k; len < 65508; len += 1 + (k == 0 ? 0 : 97)) {
				struct encap_pkt q = { .inner_len = len, .hash = hash };

				memset(a, 0, sizeof(a));
				memset(b, 0, sizeof(b));
				encap_build(&t, &q, a);
				encap_tpl_put(&tp, len, b);
				bad += memcmp(a, b, 42) != 0;
				csum_bad += encap_ip_csum(b + 14, 20) != 0;
				tried++;
			}
		}
		check(bad == 0 && csum_bad == 0 && tried > 65508,
				"sph udp templates: %u of %u headers differ from encap_build(), %u "
				"checksums do not verify",
				bad, tried, csum_bad);
		t = tunnel(ENCAP_SPH_ETH, 0);
		check(encap_tpl_init(&tp, &t, 7) == 0, "sph ether template: built");
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		encap_build(&t, &p, a);
		encap_tpl_put(&tp, 100, b);
		check(memcmp(a, b, sizeof(a)) == 0, "sph ether template: encap_build()'s 14 bytes");
		for (enum encap_type ty = ENCAP_ERSPAN3; ty <= ENCAP_SPH_UDP6; ty++) {
			if (ty == ENCAP_SPH_UDP || ty == ENCAP_SPH_ETH)
				continue;
			t = tunnel(ty, 1);
			check(encap_tpl_init(&tp, &t, 7) == -ENOTSUP, "type %d: no template", ty);
		}
	}
	return unit_done();
}
