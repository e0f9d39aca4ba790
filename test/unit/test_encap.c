/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * lib/encap: the outer headers byte by byte against the layouts FORMATS.md sections 4-5 checked
 * with tshark (VXLAN 08000000 00138800 = VNI 5000; GRE-TEB 2000 6558 key; ERSPAN III over GRE
 * with sequence, platform ID 3 sub-header), IPv4 total length and checksum.
 */

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
	return unit_done();
}
