/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * lib/probe/reflect.c: which requests a reflector answers, and the reply it makes. Frames are
 * built here byte by byte with frames.h's checksum code (RFC 1071 sums written out), the
 * offsets come from lib/pkt's parser as on the datapath.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"
#include "frames.h"
#include "reflect.h"
#include "unit.h"

#define PAYLOAD 44

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a }, mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t ip4_a[4] = { 198, 18, 0, 1 }, ip4_b[4] = { 198, 18, 0, 2 };
static const uint8_t ip6_a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t ip6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* The UDP checksum of the datagram at @p udp (its length field), pseudo-header from @p ip. */
static uint16_t
udp_ck(const uint8_t *ip, bool v6, const uint8_t *udp)
{
	uint16_t ulen = frame_rd16(udp + 4);
	uint32_t s = v6 ? frame_sum16(0, ip + 8, 32) : frame_sum16(0, ip + 12, 8);
	uint8_t tmp[9000];
	uint16_t c;

	memcpy(tmp, udp, ulen);
	tmp[6] = tmp[7] = 0;
	s += 17 + ulen;
	c = frame_csum(frame_sum16(s, tmp, ulen));
	return c == 0 ? 0xffff : c;
}

struct fopt {
	bool v6;
	int ext;	   /* IPv6: bytes of a destination options header before UDP (0, 8) */
	int ip_extra;	   /* IPv4: bytes after the datagram inside the IP payload */
	int ip_len_delta;  /* added to the total / payload length field */
	int udp_len_delta; /* added to the UDP length field */
	bool udp_zero;	   /* UDP checksum 0 */
	bool bad_ip_ck;
	bool bad_udp_ck;
	const uint8_t *dmac;
	const uint8_t *smac;
	const uint8_t *dst; /* IP address (4 or 16 bytes) */
	const uint8_t *src;
	uint16_t sport;
};

/* An Ethernet / IPv4|IPv6 / UDP request with a 44-byte payload; returns the frame length. */
static size_t
build(uint8_t *f, const struct fopt *o)
{
	uint8_t *ip = f + 14, *udp;
	size_t n;
	uint16_t ulen = 8 + PAYLOAD;

	memset(f, 0, 200);
	memcpy(f, o->dmac != NULL ? o->dmac : mac_b, 6);
	memcpy(f + 6, o->smac != NULL ? o->smac : mac_a, 6);
	if (!o->v6) {
		frame_wr16(f + 12, 0x0800);
		ip[0] = 0x45;
		frame_wr16(ip + 2, (uint16_t)(20 + ulen + o->ip_extra + o->ip_len_delta));
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, o->src != NULL ? o->src : ip4_a, 4);
		memcpy(ip + 16, o->dst != NULL ? o->dst : ip4_b, 4);
		frame_wr16(ip + 10,
				(uint16_t)(frame_csum(frame_sum16(0, ip, 20)) ^
						(o->bad_ip_ck ? 1 : 0)));
		udp = ip + 20;
		n = 14 + 20 + ulen + (size_t)o->ip_extra;
	} else {
		frame_wr16(f + 12, 0x86dd);
		ip[0] = 0x60;
		frame_wr16(ip + 4, (uint16_t)(o->ext + ulen + o->ip_len_delta));
		ip[6] = o->ext ? 60 : 17; /* destination options */
		ip[7] = 64;
		memcpy(ip + 8, o->src != NULL ? o->src : ip6_a, 16);
		memcpy(ip + 24, o->dst != NULL ? o->dst : ip6_b, 16);
		if (o->ext) {
			ip[40] = 17;
			ip[41] = 0; /* 8 bytes: PadN */
			ip[42] = 1;
			ip[43] = 4;
		}
		udp = ip + 40 + o->ext;
		n = 14 + 40 + (size_t)o->ext + ulen;
	}
	frame_wr16(udp, o->sport != 0 ? o->sport : 7000);
	frame_wr16(udp + 2, 862);
	frame_wr16(udp + 4, (uint16_t)(ulen + o->udp_len_delta));
	for (int i = 0; i < PAYLOAD; i++)
		udp[8 + i] = (uint8_t)(i * 7 + 1);
	if (o->ip_extra)
		memset(udp + ulen, 0xee, (size_t)o->ip_extra);
	if (!o->udp_zero && o->udp_len_delta <= 0) {
		uint16_t c = udp_ck(ip, o->v6, udp);

		frame_wr16(udp + 6, (uint16_t)(c ^ (o->bad_udp_ck ? 0x0100 : 0)));
	}
	return n;
}

static enum probe_refl_rc
run(const struct fopt *o, const struct probe_refl_cfg *c, uint8_t *f, size_t *len,
		struct probe_refl_req *r)
{
	struct pkt_meta m;

	*len = build(f, o);
	memset(&m, 0, sizeof(m));
	pkt_parse_buf(f, (uint32_t)*len, &m);
	memset(r, 0, sizeof(*r));
	r->ipv6 = m.l3_type == PKT_L3_IPV6;
	r->truncated = (m.flags & (PKT_F_L3_TRUNC | PKT_F_L4_TRUNC | PKT_F_VLAN_TRUNC)) != 0;
	r->l3_off = m.l3_off;
	r->l4_off = m.l4_off;
	return probe_refl_check(f, (uint32_t)*len, c, r);
}

static void
expect(const char *what, const struct fopt *o, const struct probe_refl_cfg *c,
		enum probe_refl_rc want)
{
	uint8_t f[256];
	size_t len;
	struct probe_refl_req r;
	enum probe_refl_rc got = run(o, c, f, &len, &r);

	check(got == want, "%s: %s (want %s)", what, probe_refl_name(got), probe_refl_name(want));
}

/* Reflect @p o's request and check the reply's headers with this file's own sums. */
static void
reply_ok(const char *what, const struct fopt *o, const struct probe_refl_cfg *c)
{
	uint8_t f[256], *ip = f + 14, *udp;
	size_t len;
	struct probe_refl_req r;
	enum probe_refl_rc rc = run(o, c, f, &len, &r);

	check(rc == PROBE_REFL_OK, "%s: accepted (%s)", what, probe_refl_name(rc));
	if (rc != PROBE_REFL_OK)
		return;
	check(r.payload_len == PAYLOAD && r.udp_len == 8 + PAYLOAD, "%s: payload %u bytes", what,
			r.payload_len);
	probe_refl_turn(f, &r);
	f[r.payload_off] ^= 0x5a; /* the caller's stamps change the payload */
	probe_refl_finish(f, &r, 255);
	udp = f + r.l4_off;
	check(memcmp(f, mac_a, 6) == 0 && memcmp(f + 6, mac_b, 6) == 0, "%s: MACs swapped", what);
	if (!o->v6) {
		check(memcmp(ip + 12, ip4_b, 4) == 0 && memcmp(ip + 16, ip4_a, 4) == 0,
				"%s: reply from the address asked", what);
		check(frame_csum(frame_sum16(0, ip, 20)) == 0 && ip[8] == 255,
				"%s: IPv4 header checksum valid, TTL 255", what);
	} else {
		check(memcmp(ip + 8, ip6_b, 16) == 0 && ip[7] == 255,
				"%s: reply from the address asked, hop limit 255", what);
	}
	check(frame_rd16(udp) == 862 && frame_rd16(udp + 2) == 7000, "%s: ports swapped", what);
	check(frame_rd16(udp + 6) == (o->udp_zero && !o->v6 ? 0 : udp_ck(ip, o->v6, udp)),
			"%s: UDP checksum 0x%04x over the UDP length", what, frame_rd16(udp + 6));
}

static void
test_checks(void)
{
	struct probe_refl_cfg any = { 0 }, own = { 0 }, guard = { 0 };
	const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t mcast_mac[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	const uint8_t ip_mcast[4] = { 224, 0, 0, 1 }, ip_bcast[4] = { 255, 255, 255, 255 };
	const uint8_t ip_zero[4] = { 0, 0, 0, 0 }, ip_other[4] = { 198, 18, 0, 9 };
	const uint8_t ip6_mcast[16] = { 0xff, 0x02, [15] = 1 };

	memcpy(&own.addr4[0], ip4_b, 4);
	own.nb_addr4 = 1;
	memcpy(own.addr6[0], ip6_b, 16);
	own.nb_addr6 = 1;
	guard.nb_guard = 1;
	guard.guard_port[0] = (uint16_t)(862 >> 8 | (862 & 0xff) << 8);

	reply_ok("IPv4", &(struct fopt){ 0 }, &any);
	reply_ok("IPv4, UDP checksum 0", &(struct fopt){ .udp_zero = true }, &any);
	reply_ok("IPv4, IP payload longer than the UDP length", &(struct fopt){ .ip_extra = 10 },
			&any);
	reply_ok("IPv6", &(struct fopt){ .v6 = true }, &any);
	reply_ok("IPv6 with a destination options header", &(struct fopt){ .v6 = true, .ext = 8 },
			&any);
	reply_ok("IPv4 to an own address", &(struct fopt){ 0 }, &own);
	reply_ok("IPv6 to an own address", &(struct fopt){ .v6 = true }, &own);

	expect("IPv4 total length 65535", &(struct fopt){ .ip_len_delta = 65535 - 72 }, &any,
			PROBE_REFL_BAD_LENGTH);
	expect("UDP length 208 with 44 bytes carried", &(struct fopt){ .udp_len_delta = 156 }, &any,
			PROBE_REFL_BAD_LENGTH);
	expect("UDP length 7", &(struct fopt){ .udp_len_delta = -45 }, &any, PROBE_REFL_BAD_LENGTH);
	expect("IPv6 payload length past the frame",
			&(struct fopt){ .v6 = true, .ip_len_delta = 1 }, &any,
			PROBE_REFL_BAD_LENGTH);
	expect("IPv6 UDP length past the payload", &(struct fopt){ .v6 = true, .udp_len_delta = 1 },
			&any, PROBE_REFL_BAD_LENGTH);
	expect("bad IPv4 header checksum", &(struct fopt){ .bad_ip_ck = true }, &any,
			PROBE_REFL_BAD_IP_CKSUM);
	expect("bad UDP checksum", &(struct fopt){ .bad_udp_ck = true }, &any,
			PROBE_REFL_BAD_UDP_CKSUM);
	expect("bad IPv6 UDP checksum", &(struct fopt){ .v6 = true, .bad_udp_ck = true }, &any,
			PROBE_REFL_BAD_UDP_CKSUM);
	expect("IPv6 UDP checksum 0", &(struct fopt){ .v6 = true, .udp_zero = true }, &any,
			PROBE_REFL_ZERO_UDP_CKSUM);
	expect("broadcast destination MAC", &(struct fopt){ .dmac = bcast }, &any,
			PROBE_REFL_NOT_UNICAST);
	expect("multicast source MAC", &(struct fopt){ .smac = mcast_mac }, &any,
			PROBE_REFL_NOT_UNICAST);
	expect("to 224.0.0.1", &(struct fopt){ .dst = ip_mcast }, &any, PROBE_REFL_NOT_UNICAST);
	expect("to 255.255.255.255", &(struct fopt){ .dst = ip_bcast }, &any,
			PROBE_REFL_NOT_UNICAST);
	expect("from 0.0.0.0", &(struct fopt){ .src = ip_zero }, &any, PROBE_REFL_NOT_UNICAST);
	expect("from 224.0.0.1", &(struct fopt){ .src = ip_mcast }, &any, PROBE_REFL_NOT_UNICAST);
	expect("to ff02::1", &(struct fopt){ .v6 = true, .dst = ip6_mcast }, &any,
			PROBE_REFL_NOT_UNICAST);
	expect("to another unicast address", &(struct fopt){ .dst = ip_other }, &own,
			PROBE_REFL_NOT_LOCAL);
	expect("from the reflector port", &(struct fopt){ .sport = 862 }, &guard,
			PROBE_REFL_SRC_PORT);
	expect("from another port with the guard", &(struct fopt){ .sport = 863 }, &guard,
			PROBE_REFL_OK);
}

/* A NIC verdict replaces the software check, both ways. */
static void
test_nic_verdict(void)
{
	struct probe_refl_cfg any = { 0 };
	struct probe_refl_req r;
	uint8_t f[256];
	size_t len;

	run(&(struct fopt){ .bad_ip_ck = true }, &any, f, &len, &r);
	r.ck_ip = PROBE_CK_GOOD;
	check(probe_refl_check(f, (uint32_t)len, &any, &r) == PROBE_REFL_OK,
			"NIC says IP checksum good: trusted");
	run(&(struct fopt){ 0 }, &any, f, &len, &r);
	r.ck_l4 = PROBE_CK_BAD;
	check(probe_refl_check(f, (uint32_t)len, &any, &r) == PROBE_REFL_BAD_UDP_CKSUM,
			"NIC says UDP checksum bad: refused");
	run(&(struct fopt){ 0 }, &any, f, &len, &r);
	r.ck_ip = PROBE_CK_BAD;
	check(probe_refl_check(f, (uint32_t)len, &any, &r) == PROBE_REFL_BAD_IP_CKSUM,
			"NIC says IP checksum bad: refused");
	/* Every cut of a good frame is refused without reading past it. */
	build(f, &(struct fopt){ 0 });
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *g = malloc(cut + 1);
		struct pkt_meta m;
		enum probe_refl_rc rc;

		memcpy(g, f, cut);
		memset(&m, 0, sizeof(m));
		pkt_parse_buf(g, (uint32_t)cut, &m);
		memset(&r, 0, sizeof(r));
		r.l3_off = m.l3_off;
		r.l4_off = m.l4_off;
		r.truncated = (m.flags & (PKT_F_L3_TRUNC | PKT_F_L4_TRUNC)) != 0;
		rc = probe_refl_check(g, (uint32_t)cut, &any, &r);
		free(g);
		if (rc != PROBE_REFL_BAD_LENGTH) {
			check(false, "frame cut at %zu: %s", cut, probe_refl_name(rc));
			return;
		}
	}
	check(true, "every cut of a good frame: probe_refl_bad_length");
}

static void
test_rate_limit(void)
{
	static struct probe_refl_rl t;
	const uint64_t t0 = UINT64_C(1700000000000000000);
	uint32_t a = probe_refl_rl_key(ip4_a, 4);
	unsigned int ok = 0;

	probe_refl_rl_init(&t, 1000, 5);
	for (int i = 0; i < 20; i++)
		ok += probe_refl_rl_take(&t, a, t0 + (uint64_t)i);
	check(ok == 5, "1000/s burst 5: 5 of 20 back-to-back answered (%u)", ok);
	check(!probe_refl_rl_take(&t, a, t0 + 999000), "999 us later: still empty");
	check(probe_refl_rl_take(&t, a, t0 + 1000100), "1 ms later: one more");
	check(!probe_refl_rl_take(&t, a, t0 + 1000200), "and only one");
	check(!probe_refl_rl_take(&t, a, t0), "time going back adds nothing");
	check(probe_refl_rl_take(&t, a, t0 + 1000100),
			"but the refill goes on from there: 1 ms after it, one more");
	ok = 0;
	for (int i = 0; i < 10; i++)
		ok += probe_refl_rl_take(&t, a, t0 + 10000000000ull + (uint64_t)i);
	check(ok == 5, "10 s later: a full burst again, no more (%u)", ok);
	/* One stamp 1000 s ahead (a step back of the clock after it): not 1000 s of refusals. */
	check(probe_refl_rl_take(&t, a, t0 + 1000000000000ull), "a stamp 1000 s ahead");
	for (int i = 0; i < 10; i++)
		(void)probe_refl_rl_take(&t, a, t0 + 20000000000ull + (uint64_t)i);
	check(probe_refl_rl_take(&t, a, t0 + 21000000000ull),
			"back on the real time: answered again 1 s later, not after the 1000 s");
	probe_refl_rl_init(&t, 0, 1);
	ok = 0;
	for (int i = 0; i < 100; i++)
		ok += probe_refl_rl_take(&t, a, t0);
	check(ok == 100, "rate 0: no limit");
}

int
main(void)
{
	test_checks();
	test_nic_verdict();
	test_rate_limit();
	return unit_done();
}
