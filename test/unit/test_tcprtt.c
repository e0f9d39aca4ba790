/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * lib/tcprtt: the TCP option parser on good and malformed options, the flow key (both directions
 * alike, VLANs apart, IPv4 and IPv6), the handshake samples (with Karn's flag after a
 * retransmitted SYN), the timestamp samples (matching, duplicates, TSecr 0, rate limit), table
 * full, idle eviction, FIN/RST removal, prefixes and the JSON record. Needs the EAL (--no-huge)
 * for rte_hash.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/resource.h>
#include <netinet/in.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "pkt.h"
#include "frames.h"
#include "tcprtt.h"
#include "tcprtt_frame.h"
#include "unit.h"

#define MS 1000000ull

/* ---------------------------------------------------------------------------------------------- */
/* Options */

static void
test_options(void)
{
	struct tcprtt_opts o;
	/* MSS, SACK-permitted, TS, NOP, window scale: a Linux SYN. */
	static const uint8_t syn[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3,
		3, 7 };
	static const uint8_t nop_ts[] = { 1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 9 };
	static const uint8_t eol_then_junk[] = { 0, 8, 3, 0xff };
	static const uint8_t zero_len[] = { 1, 5, 0, 1, 1 };
	static const uint8_t one_len[] = { 5, 1, 0, 0 };
	static const uint8_t past_end[] = { 1, 2, 8, 10, 0, 0 };
	static const uint8_t ts_len8[] = { 8, 8, 0, 0, 0, 1, 0, 0, 1, 1 };
	static const uint8_t no_len_byte[] = { 1, 1, 1, 8 };
	static const uint8_t ts_len12[] = { 8, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0 };

	check(tcprtt_parse_options(syn, sizeof(syn), &o) == 0 && o.has_ts && o.tsval == 1 &&
					o.tsecr == 0,
			"Linux SYN options: TSval 1, TSecr 0");
	check(tcprtt_parse_options(nop_ts, sizeof(nop_ts), &o) == 0 && o.has_ts &&
					o.tsval == 0xdeadbeef && o.tsecr == 9,
			"NOP NOP TS: TSval 0xdeadbeef, TSecr 9");
	check(tcprtt_parse_options(eol_then_junk, sizeof(eol_then_junk), &o) == 0 && !o.has_ts,
			"end-of-list stops the parse (junk after it ignored)");
	check(tcprtt_parse_options(NULL, 0, &o) == 0 && !o.has_ts, "no options");
	check(tcprtt_parse_options(zero_len, sizeof(zero_len), &o) == -EINVAL,
			"zero-length option: malformed (no endless loop)");
	check(tcprtt_parse_options(one_len, sizeof(one_len), &o) == -EINVAL,
			"option length 1: malformed");
	check(tcprtt_parse_options(past_end, sizeof(past_end), &o) == -EINVAL && !o.has_ts,
			"TS option running past the header: malformed");
	check(tcprtt_parse_options(ts_len8, sizeof(ts_len8), &o) == -EINVAL && !o.has_ts,
			"TS option with length 8: malformed");
	check(tcprtt_parse_options(ts_len12, sizeof(ts_len12), &o) == -EINVAL && !o.has_ts,
			"TS option with length 12: malformed");
	check(tcprtt_parse_options(no_len_byte, sizeof(no_len_byte), &o) == -EINVAL,
			"option kind as the last byte (no length byte): malformed");
}

/* ---------------------------------------------------------------------------------------------- */
/* Frames */

struct ep {
	const char *addr;
	uint16_t port;
};

static uint16_t vlans[TCPRTT_MAX_VLAN + 1];
static unsigned int nb_vlans;

/*
 * Build Ethernet [VLAN...] IPv4/IPv6 TCP with a TS option (unless @p ts is false) into @p f
 * (2048 bytes); returns its length. Sequence, acknowledgement and window are 0.
 */
static uint32_t
build(uint8_t *f, struct ep s, struct ep d, uint8_t flags, bool ts, uint32_t tsval, uint32_t tsecr,
		uint32_t payload)
{
	static const uint8_t mac[6] = { 0x02, 0x02, 0x02, 0x02, 0x02, 0x02 };
	bool v6 = strchr(s.addr, ':') != NULL;
	uint16_t thl = ts ? 32 : 20, type = v6 ? 0x86dd : 0x0800;
	uint8_t sa[16], da[16];
	struct frame fr;

	frame_eth(&fr, mac, mac, nb_vlans == 0 ? type : nb_vlans >= 2 ? 0x88a8 : 0x8100);
	for (unsigned int i = 0; i < nb_vlans; i++) {
		frame_put16(&fr, vlans[i]);
		frame_put16(&fr, i + 1 == nb_vlans ? type : 0x8100);
	}
	inet_pton(v6 ? AF_INET6 : AF_INET, s.addr, sa);
	inet_pton(v6 ? AF_INET6 : AF_INET, d.addr, da);
	if (v6)
		frame_ipv6(&fr, sa, da, IPPROTO_TCP, (uint16_t)(thl + payload));
	else
		frame_ipv4(&fr, sa, da, IPPROTO_TCP, (uint16_t)(thl + payload), 0);
	frame_put16(&fr, s.port);
	frame_put16(&fr, d.port);
	frame_put_zero(&fr, 8);
	frame_put8(&fr, (uint8_t)((thl / 4) << 4));
	frame_put8(&fr, flags);
	frame_put_zero(&fr, 6);
	if (ts) {
		frame_put_bytes(&fr, (const uint8_t[]){ 1, 1, 8, 10 }, 4);
		frame_put32(&fr, tsval);
		frame_put32(&fr, tsecr);
	}
	frame_put_zero(&fr, payload);
	memset(f, 0, 2048);
	memcpy(f, fr.b, fr.len);
	return fr.len;
}

static uint8_t frame[2048];

/* Build, parse and observe one packet; returns the samples. */
static unsigned int
pkt(struct tcprtt_mon *m, struct ep s, struct ep d, uint8_t flags, bool ts, uint32_t tsval,
		uint32_t tsecr, uint32_t payload, uint64_t t, struct tcprtt_record *out)
{
	struct tcprtt_pkt p;
	uint32_t len = build(frame, s, d, flags, ts, tsval, tsecr, payload);

	if (tcprtt_frame_parse(frame, len, &p) != TCPRTT_PKT_TCP)
		return 99;
	return tcprtt_mon_packet(m, &p, t, 3, out);
}

#define SYN TCPRTT_TH_SYN
#define ACK TCPRTT_TH_ACK
#define FIN TCPRTT_TH_FIN
#define RST TCPRTT_TH_RST

static struct tcprtt_mon *
mon(const char *name, uint32_t flows, uint64_t min_interval)
{
	struct tcprtt_conf c = {
		.flows = flows,
		.ts_slots = 128,
		.idle_timeout_ns = 60000 * MS,
		.ts_min_interval_ns = min_interval,
		.nb_prefixes = 2,
	};
	char err[256];
	struct tcprtt_mon *m;

	c.prefixes[0] = (struct tcprtt_prefix){ .family = 4, .len = 16 };
	inet_pton(AF_INET, "10.1.0.0", c.prefixes[0].addr);
	c.prefixes[1] = (struct tcprtt_prefix){ .family = 6, .len = 32 };
	inet_pton(AF_INET6, "2001:db8::", c.prefixes[1].addr);
	m = tcprtt_mon_create(name, &c, SOCKET_ID_ANY, err, sizeof(err));
	check(m != NULL, "monitor %s created (%s)", name, m == NULL ? err : "ok");
	return m;
}

static void
test_key(void)
{
	struct ep a = { "10.1.2.3", 40000 }, b = { "10.0.0.9", 80 };
	struct tcprtt_pkt p1, p2, p3;
	uint32_t len;

	len = build(frame, a, b, SYN, true, 1, 0, 0);
	check(tcprtt_frame_parse(frame, len, &p1) == TCPRTT_PKT_TCP, "IPv4 SYN parsed");
	len = build(frame, b, a, SYN | ACK, true, 5, 1, 0);
	tcprtt_frame_parse(frame, len, &p2);
	check(memcmp(&p1.key, &p2.key, sizeof(p1.key)) == 0 && p1.dir != p2.dir,
			"both directions: same key, opposite dir");
	check(p1.dir == 1, "10.1.2.3 > 10.0.0.9: the SYN goes from endpoint 1 (dir 1)");
	nb_vlans = 1;
	vlans[0] = 100;
	len = build(frame, a, b, SYN, true, 1, 0, 0);
	tcprtt_frame_parse(frame, len, &p3);
	check(memcmp(&p1.key, &p3.key, sizeof(p1.key)) != 0 && p3.key.vlan[0] == 100,
			"same 5-tuple on VLAN 100: another flow");
	nb_vlans = 2;
	vlans[0] = 200;
	vlans[1] = 300;
	len = build(frame, a, b, SYN, true, 1, 0, 0);
	tcprtt_frame_parse(frame, len, &p3);
	check(p3.key.vlan[0] == 200 && p3.key.vlan[1] == 300 && p3.nb_vlan == 2,
			"QinQ: both VLAN ids in the key");
	/* 802.1ad + 802.1Q + 802.1Q, and 8 tags: every id in the key; one id apart, apart. */
	nb_vlans = 3;
	vlans[2] = 400;
	len = build(frame, a, b, SYN, true, 1, 0, 0);
	check(tcprtt_frame_parse(frame, len, &p3) == TCPRTT_PKT_TCP && p3.nb_vlan == 3 &&
					p3.key.vlan[0] == 200 && p3.key.vlan[1] == 300 &&
					p3.key.vlan[2] == 400 && p3.key.vlan[3] == 0,
			"three tags: a TCP packet, the three ids in the key");
	vlans[2] = 401;
	len = build(frame, a, b, SYN, true, 1, 0, 0);
	tcprtt_frame_parse(frame, len, &p2);
	check(memcmp(&p2.key, &p3.key, sizeof(p2.key)) != 0, "third id differs: another flow");
	nb_vlans = TCPRTT_MAX_VLAN;
	for (unsigned int i = 0; i < TCPRTT_MAX_VLAN; i++)
		vlans[i] = (uint16_t)(4000 + i);
	len = build(frame, b, a, SYN | ACK, true, 5, 1, 0);
	check(tcprtt_frame_parse(frame, len, &p2) == TCPRTT_PKT_TCP &&
					p2.nb_vlan == TCPRTT_MAX_VLAN && p2.key.vlan[0] == 4000 &&
					p2.key.vlan[7] == 4007,
			"eight tags: a TCP packet, ids 4000..4007 in the key");
	nb_vlans = 0;
	len = build(frame, (struct ep){ "2001:db8::1", 1234 }, (struct ep){ "2001:db8::2", 443 },
			ACK, true, 7, 8, 100);
	check(tcprtt_frame_parse(frame, len, &p3) == TCPRTT_PKT_TCP && p3.key.family == 6 &&
					p3.dir == 0 && p3.has_payload && p3.opts.tsval == 7,
			"IPv6 data segment: family 6, payload, TSval");
	/* A frame cut inside the TCP header: the IP packet runs past the frame. */
	check(tcprtt_frame_parse(frame, len - 100 - 20, &p3) == TCPRTT_PKT_DROP &&
					p3.drop == TCPRTT_DROP_IP_TRUNCATED,
			"cut TCP header: dropped, ip_truncated");
	/* Malformed options: dropped, named. */
	len = build(frame, a, b, ACK, true, 1, 2, 0);
	frame[len - 12 + 3] = 0; /* TS length byte -> 0... the NOPs stay */
	check(tcprtt_frame_parse(frame, len, &p3) == TCPRTT_PKT_DROP &&
					p3.drop == TCPRTT_DROP_TCP_BAD_OPTIONS,
			"zero-length TS option in a frame: tcp_bad_options");
}

/* Build a good IPv4 or IPv6 SYN, break it with @p mutate, parse: the drop reason or -1. */
static int
bad_one(const char *src, const char *dst, uint16_t sport, void (*mutate)(uint8_t *, uint32_t *),
		uint32_t *lenp)
{
	struct tcprtt_pkt p;
	uint32_t len = build(frame, (struct ep){ src, sport }, (struct ep){ dst, 80 }, SYN, true, 1,
			0, 0);
	int rc;

	if (mutate != NULL)
		mutate(frame, &len);
	if (lenp != NULL)
		*lenp = len;
	rc = tcprtt_frame_parse(frame, len, &p);
	if (rc == TCPRTT_PKT_DROP)
		return p.drop;
	return rc == TCPRTT_PKT_TCP ? 100 : -1;
}

/* Offsets in build()'s untagged IPv4 frame: IP at 14, TCP at 34. */
static void
m_ihl3(uint8_t *f, uint32_t *l)
{
	f[14] = 0x43;
	(void)l;
}
static void
m_ver6(uint8_t *f, uint32_t *l)
{
	f[14] = 0x65;
	(void)l;
}
static void
m_tot10(uint8_t *f, uint32_t *l)
{
	f[16] = 0;
	f[17] = 10;
	(void)l;
}
static void
m_tot_long(uint8_t *f, uint32_t *l)
{
	f[16] = 0x05;
	f[17] = 0xdc;
	(void)l;
}
static void
m_cut_ip(uint8_t *f, uint32_t *l)
{
	*l = 14 + 12;
	(void)f;
}
static void
m_tot_in_tcp(uint8_t *f, uint32_t *l)
{
	f[16] = 0;
	f[17] = 30;
	(void)l;
}
static void
m_frag_mf(uint8_t *f, uint32_t *l)
{
	f[20] = 0x20;
	(void)l;
}
static void
m_frag_later(uint8_t *f, uint32_t *l)
{
	f[21] = 0x10;
	(void)l;
}
static void
m_doff0(uint8_t *f, uint32_t *l)
{
	f[34 + 12] = 0;
	(void)l;
}
static void
m_doff4(uint8_t *f, uint32_t *l)
{
	f[34 + 12] = 0x40;
	(void)l;
}
static void
m_doff15(uint8_t *f, uint32_t *l)
{
	f[34 + 12] = 0xf0;
	(void)l;
}
static void
m_dport0(uint8_t *f, uint32_t *l)
{
	f[36] = 0;
	f[37] = 0;
	(void)l;
}
static void
m_synfin(uint8_t *f, uint32_t *l)
{
	f[34 + 13] = SYN | FIN;
	(void)l;
}
static void
m_synrst(uint8_t *f, uint32_t *l)
{
	f[34 + 13] = SYN | RST | ACK;
	(void)l;
}
static void
m_null(uint8_t *f, uint32_t *l)
{
	f[34 + 13] = 0;
	(void)l;
}
static void
m_xmas(uint8_t *f, uint32_t *l)
{
	f[34 + 13] = FIN | 0x08 | 0x20;
	(void)l;
}
static void
m_dst_mcast(uint8_t *f, uint32_t *l)
{
	f[30] = 239;
	(void)l;
}
static void
m_src_bcast(uint8_t *f, uint32_t *l)
{
	memset(f + 26, 0xff, 4);
	(void)l;
}
static void
m_src_zero(uint8_t *f, uint32_t *l)
{
	memset(f + 26, 0, 4);
	(void)l;
}
static void
m_land(uint8_t *f, uint32_t *l)
{
	memcpy(f + 30, f + 26, 4);
	f[36] = f[34];
	f[37] = f[35];
	(void)l;
}
static void
m_opt_len0(uint8_t *f, uint32_t *l)
{
	f[34 + 20 + 3] = 0;
	(void)l;
}
static void
m_vlan_cut(uint8_t *f, uint32_t *l)
{
	f[12] = 0x81;
	f[13] = 0;
	*l = 16;
}
static void
m_ipv6_ver(uint8_t *f, uint32_t *l)
{
	f[14] = 0x40;
	(void)l;
}
static void
m_ipv6_cut(uint8_t *f, uint32_t *l)
{
	*l = 14 + 30;
	(void)f;
}
static void
m_ipv6_mcast(uint8_t *f, uint32_t *l)
{
	f[14 + 24] = 0xff;
	(void)l;
}
static void
m_ipv6_frag(uint8_t *f, uint32_t *l)
{
	/* Insert a fragment header (offset 0, M = 1) between the IPv6 and TCP headers. */
	memmove(f + 62, f + 54, *l - 54);
	f[20] = 44;
	f[54] = IPPROTO_TCP;
	f[55] = 0;
	f[56] = 0;
	f[57] = 1;
	memset(f + 58, 0x11, 4);
	f[19] += 8;
	*l += 8;
}

static void
test_drops(void)
{
	static const struct {
		const char *what;
		bool v6;
		void (*mutate)(uint8_t *, uint32_t *);
		int want;
	} cases[] = {
		{ "good IPv4 SYN", false, NULL, 100 },
		{ "IPv4 IHL 3", false, m_ihl3, TCPRTT_DROP_IP_BAD_IHL },
		{ "version 6 under 0x0800", false, m_ver6, TCPRTT_DROP_IP_BAD_VERSION },
		{ "total length 10 < IHL", false, m_tot10, TCPRTT_DROP_IP_BAD_LENGTH },
		{ "total length 1500 > frame", false, m_tot_long, TCPRTT_DROP_IP_TRUNCATED },
		{ "frame cut in the IP header", false, m_cut_ip, TCPRTT_DROP_IP_TRUNCATED },
		{ "total length ends in the TCP header", false, m_tot_in_tcp,
				TCPRTT_DROP_TCP_TRUNCATED },
		{ "first fragment (MF)", false, m_frag_mf, TCPRTT_DROP_IP_FRAGMENT },
		{ "later fragment", false, m_frag_later, TCPRTT_DROP_IP_FRAGMENT },
		{ "data offset 0", false, m_doff0, TCPRTT_DROP_TCP_BAD_OFFSET },
		{ "data offset 4", false, m_doff4, TCPRTT_DROP_TCP_BAD_OFFSET },
		{ "data offset 15 past the segment", false, m_doff15, TCPRTT_DROP_TCP_BAD_OFFSET },
		{ "destination port 0", false, m_dport0, TCPRTT_DROP_TCP_BAD_PORT },
		{ "SYN+FIN", false, m_synfin, TCPRTT_DROP_TCP_BAD_FLAGS },
		{ "SYN+RST+ACK", false, m_synrst, TCPRTT_DROP_TCP_BAD_FLAGS },
		{ "no flags (null scan)", false, m_null, TCPRTT_DROP_TCP_BAD_FLAGS },
		{ "FIN+PSH+URG without ACK (Xmas)", false, m_xmas, TCPRTT_DROP_TCP_BAD_FLAGS },
		{ "multicast destination", false, m_dst_mcast, TCPRTT_DROP_IP_BAD_ADDRESS },
		{ "broadcast source", false, m_src_bcast, TCPRTT_DROP_IP_BAD_ADDRESS },
		{ "source 0.0.0.0", false, m_src_zero, TCPRTT_DROP_IP_BAD_ADDRESS },
		{ "land (src = dst, sport = dport)", false, m_land, TCPRTT_DROP_IP_BAD_ADDRESS },
		{ "TS option length 0", false, m_opt_len0, TCPRTT_DROP_TCP_BAD_OPTIONS },
		{ "VLAN tag cut", false, m_vlan_cut, TCPRTT_DROP_VLAN_TRUNCATED },
		{ "good IPv6 SYN", true, NULL, 100 },
		{ "version 4 under 0x86dd", true, m_ipv6_ver, TCPRTT_DROP_IP_BAD_VERSION },
		{ "IPv6 header cut", true, m_ipv6_cut, TCPRTT_DROP_IP_TRUNCATED },
		{ "IPv6 multicast destination", true, m_ipv6_mcast, TCPRTT_DROP_IP_BAD_ADDRESS },
		{ "IPv6 first fragment", true, m_ipv6_frag, TCPRTT_DROP_IP_FRAGMENT },
	};
	struct tcprtt_mon *m = mon("t_drop", 64, 0);
	struct tcprtt_record r[TCPRTT_MAX_SAMPLES];
	const struct tcprtt_stats *st;
	struct tcprtt_pkt p;
	uint32_t len;

	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		int got = bad_one(cases[i].v6 ? "2001:db8::1" : "10.5.0.1",
				cases[i].v6 ? "2001:db8::2" : "10.5.0.2", 1000, cases[i].mutate,
				NULL);

		check(got == cases[i].want, "%s: %s (got %s)", cases[i].what,
				cases[i].want == 100 ?
						"measured" :
						tcprtt_drop_name((unsigned int)cases[i].want),
				got == 100		? "measured" :
						got < 0 ? "skipped" :
							  tcprtt_drop_name((unsigned int)got));
	}
	/* Nine VLAN tags: too deep. */
	nb_vlans = TCPRTT_MAX_VLAN + 1;
	for (unsigned int i = 0; i < nb_vlans; i++)
		vlans[i] = (uint16_t)(i + 1);
	check(bad_one("10.5.0.1", "10.5.0.2", 1000, NULL, NULL) == TCPRTT_DROP_VLAN_TOO_DEEP,
			"nine VLAN tags: vlan_too_deep");
	nb_vlans = 0;
	/* A SYN with port 0 creates no flow: the monitor is never given it. */
	if (m == NULL)
		return;
	st = tcprtt_mon_stats(m);
	len = build(frame, (struct ep){ "10.5.0.1", 0 }, (struct ep){ "10.5.0.2", 80 }, SYN, true,
			1, 0, 0);
	if (tcprtt_frame_parse(frame, len, &p) == TCPRTT_PKT_DROP)
		tcprtt_mon_drop(m, p.drop);
	else
		tcprtt_mon_packet(m, &p, 1, 0, r);
	check(tcprtt_mon_count(m) == 0 && st->flows == 0 &&
					st->drops[TCPRTT_DROP_TCP_BAD_PORT] == 1 && st->pkts == 0,
			"SYN from port 0: counted tcp_bad_port, no flow");
	tcprtt_mon_free(m);
}

/* Four bytes of IPv4 options (NOP, NOP, NOP, end) before the TCP header: IHL 6. */
static void
m_ip_opts(uint8_t *f, uint32_t *l)
{
	uint16_t tot = (uint16_t)((f[16] << 8 | f[17]) + 4);

	memmove(f + 38, f + 34, *l - 34);
	memcpy(f + 34, (const uint8_t[]){ 1, 1, 1, 0 }, 4);
	f[14] = 0x46;
	f[16] = (uint8_t)(tot >> 8);
	f[17] = (uint8_t)tot;
	*l += 4;
}

/* Ethernet padding after the IP packet (a 60-byte minimum frame pads a bare ACK). */
static void
m_pad(uint8_t *f, uint32_t *l)
{
	memset(f + *l, 0, 16);
	*l += 16;
}

/* The IP protocol: UDP (17), ICMP (1). */
static void
m_udp(uint8_t *f, uint32_t *l)
{
	f[23] = 17;
	(void)l;
}

static void
m_icmp(uint8_t *f, uint32_t *l)
{
	f[23] = 1;
	(void)l;
}

/* EtherType ARP, LLDP. */
static void
m_arp(uint8_t *f, uint32_t *l)
{
	f[12] = 0x08;
	f[13] = 0x06;
	(void)l;
}

static void
m_lldp(uint8_t *f, uint32_t *l)
{
	f[12] = 0x88;
	f[13] = 0xcc;
	(void)l;
}

/* Don't fragment: not a fragment. */
static void
m_df(uint8_t *f, uint32_t *l)
{
	f[20] = 0x40;
	(void)l;
}

/* tcprtt_frame_parse() and the reference (lib/pkt's parse, then tcprtt_pkt_parse()) agree. */
static bool
same_parse(const uint8_t *f, uint32_t len)
{
	struct tcprtt_pkt a, b;
	int ra, rb;

	memset(&a, 0x5a, sizeof(a));
	memset(&b, 0xa5, sizeof(b));
	ra = tcprtt_frame_parse(f, len, &a);
	rb = tcprtt_frame_parse_ref(f, len, &b);
	if (rb < 0)
		rb = TCPRTT_PKT_SKIP; /* lib/pkt's runt: the RX stage drops it */
	if (ra != rb)
		return false;
	if (ra == TCPRTT_PKT_DROP)
		return a.drop == b.drop;
	if (ra != TCPRTT_PKT_TCP)
		return true;
	return memcmp(&a.key, &b.key, sizeof(a.key)) == 0 && a.dir == b.dir &&
			a.tcp_flags == b.tcp_flags && a.nb_vlan == b.nb_vlan &&
			a.has_payload == b.has_payload && a.hash == b.hash &&
			a.opts.has_ts == b.opts.has_ts &&
			(!a.opts.has_ts ||
					(a.opts.tsval == b.opts.tsval &&
							a.opts.tsecr == b.opts.tsecr));
}

/*
 * The datapath's parse (an IPv4 path of its own, lib/pkt's parse for the rest) against the
 * reference on every frame of test_drops() and more (IP options, padding, other protocols and
 * EtherTypes, VLANs, IPv6), each also cut at every length; then one flow whose packets take
 * both paths (with and without IP options) is one flow.
 */
static void
test_frame_paths(void)
{
	static void (*const mutate[])(uint8_t *, uint32_t *) = { NULL, m_ihl3, m_ver6, m_tot10,
		m_tot_long, m_cut_ip, m_tot_in_tcp, m_frag_mf, m_frag_later, m_doff0, m_doff4,
		m_doff15, m_dport0, m_synfin, m_synrst, m_null, m_xmas, m_dst_mcast, m_src_bcast,
		m_src_zero, m_land, m_opt_len0, m_ip_opts, m_pad, m_udp, m_icmp, m_arp, m_lldp,
		m_df };
	struct ep c = { "10.7.0.1", 41000 }, s = { "10.7.0.2", 443 };
	struct tcprtt_record r[TCPRTT_MAX_SAMPLES];
	struct tcprtt_pkt p1, p2;
	unsigned int bad = 0, frames = 0;
	uint8_t copy[2048];
	uint32_t len;

	for (unsigned int v = 0; v < 4; v++) {
		/* Untagged IPv4, one VLAN tag, IPv6, IPv4 data with payload. */
		nb_vlans = v == 1 ? 1 : 0;
		vlans[0] = 42;
		for (unsigned int i = 0; i < RTE_DIM(mutate); i++) {
			if (v == 2 && i != 0)
				break; /* the mutations know IPv4's offsets only */
			if (v == 1 && i != 0 && i != 23)
				continue; /* idem, but for the padding */
			len = v == 2 ? build(frame, (struct ep){ "2001:db8::7", 41000 },
						       (struct ep){ "2001:db8::8", 443 }, ACK, true,
						       9, 8, 10) :
				       build(frame, c, s, v == 3 ? ACK : SYN, true, 5, 0,
						       v == 3 ? 100 : 0);
			if (mutate[i] != NULL)
				mutate[i](frame, &len);
			memcpy(copy, frame, sizeof(copy));
			for (uint32_t cut = 0; cut <= len; cut++) {
				frames++;
				if (!same_parse(copy, cut)) {
					bad++;
					printf("# frame paths differ: variant %u, mutation %u, %u of %u "
					       "bytes\n",
							v, i, cut, len);
				}
			}
		}
	}
	nb_vlans = 0;
	check(bad == 0, "tcprtt_frame_parse() = lib/pkt + tcprtt_pkt_parse() on %u frames", frames);

	/* One flow, its SYN plain (the IPv4 path), its SYN-ACK with IP options (the other). */
	struct tcprtt_mon *m = mon("t_paths", 64, 0);

	if (m == NULL)
		return;
	len = build(frame, c, s, SYN, true, 1, 0, 0);
	check(tcprtt_frame_parse(frame, len, &p1) == TCPRTT_PKT_TCP, "plain SYN parsed");
	len = build(frame, s, c, SYN | ACK, true, 7, 1, 0);
	m_ip_opts(frame, &len);
	check(tcprtt_frame_parse(frame, len, &p2) == TCPRTT_PKT_TCP,
			"SYN-ACK with IP options parsed");
	check(memcmp(&p1.key, &p2.key, sizeof(p1.key)) == 0 && p1.hash == p2.hash &&
					p1.dir != p2.dir,
			"both paths: the same key and hash, opposite directions");
	check(tcprtt_mon_packet(m, &p1, 1000 * MS, 0, r) == 0 &&
					tcprtt_mon_packet(m, &p2, 1003 * MS, 0, r) == 1 &&
					r[0].kind == TCPRTT_KIND_SYN_SYNACK &&
					r[0].rtt_ns == 3 * MS && tcprtt_mon_count(m) == 1,
			"the SYN-ACK with IP options finds the SYN's flow: syn_synack 3 ms");
	tcprtt_mon_free(m);
}

static void
test_handshake(void)
{
	struct tcprtt_mon *m = mon("t_hs", 64, 0);
	struct ep c = { "10.1.0.5", 51000 }, s = { "10.9.0.1", 80 };
	struct tcprtt_record r[TCPRTT_MAX_SAMPLES];
	const struct tcprtt_stats *st;
	char line[512];
	uint64_t t0 = 1700000000000000000ull;

	if (m == NULL)
		return;
	st = tcprtt_mon_stats(m);
	check(pkt(m, c, s, SYN, true, 100, 0, 0, t0, r) == 0, "SYN: no sample");
	check(pkt(m, s, c, SYN | ACK, true, 900, 100, 0, t0 + 20 * MS + 7, r) == 1 &&
					r[0].kind == TCPRTT_KIND_SYN_SYNACK &&
					r[0].rtt_ns == 20 * MS + 7 && r[0].flags == 0 &&
					r[0].role == TCPRTT_ROLE_CLIENT,
			"SYN-ACK: syn_synack 20 ms + 7 ns, client->server, not ambiguous");
	check(memcmp(r[0].flow.addr[0], (uint8_t[]){ 10, 1, 0, 5 }, 4) == 0 &&
					ntohs(r[0].flow.port[1]) == 80 && r[0].prefix_mask == 1,
			"src is the client, dport 80, in prefix 0 (10.1.0.0/16)");
	check(tcprtt_record_json(&r[0], "in", line, sizeof(line)) > 0 &&
					strcmp(line,
							"{\"ts\":\"2023-11-14T22:13:20.020000007Z\","
							"\"ts_ns\":1700000000020000007,\"port\":"
							"\"in\",\"vlan\":[],\"src\":\"10.1.0.5\","
							"\"sport\":51000,\"dst\":\"10.9.0.1\","
							"\"dport\":80,\"dir\":\"client->server\","
							"\"kind\":\"syn_synack\",\"rtt_ns\":20000007,"
							"\"flags\":[]}\n") == 0,
			"JSON line: %s", line);
	check(pkt(m, c, s, ACK, true, 101, 900, 0, t0 + 20 * MS + 300, r) == 1 &&
					r[0].kind == TCPRTT_KIND_SYNACK_ACK && r[0].rtt_ns == 293 &&
					r[0].role == TCPRTT_ROLE_SERVER,
			"ACK: synack_ack 293 ns, server->client (no TS sample: SYN-ACK stores none)");
	check(pkt(m, c, s, ACK, true, 102, 900, 0, t0 + 21 * MS, r) == 0,
			"a second ACK: no second handshake sample");
	/* Retransmitted SYN: flagged ambiguous, measured from the last SYN. */
	struct ep c2 = { "10.1.0.6", 51001 };

	pkt(m, c2, s, SYN, true, 100, 0, 0, t0, r);
	pkt(m, c2, s, SYN, true, 1100, 0, 0, t0 + 1000 * MS, r);
	check(pkt(m, s, c2, SYN | ACK, true, 5, 1100, 0, t0 + 1030 * MS, r) == 1 &&
					r[0].rtt_ns == 30 * MS &&
					r[0].flags == TCPRTT_F_AMBIGUOUS && st->ambiguous == 1,
			"retransmitted SYN: 30 ms from the last SYN, flagged ambiguous (Karn)");
	check(tcprtt_record_json(&r[0], "in", line, sizeof(line)) > 0 &&
					strstr(line, "\"flags\":[\"ambiguous\"]") != NULL,
			"ambiguous in the JSON flags");
	check(pkt(m, c2, s, ACK, true, 1101, 5, 0, t0 + 1031 * MS, r) == 1 && r[0].flags == 0,
			"its ACK: not ambiguous (one SYN-ACK)");
	/* IPv6 handshake with QinQ. */
	nb_vlans = 2;
	vlans[0] = 10;
	vlans[1] = 20;
	struct ep c6 = { "2001:db8::10", 40000 }, s6 = { "2001:db8:1::1", 443 };

	pkt(m, c6, s6, SYN, false, 0, 0, 0, t0, r);
	check(pkt(m, s6, c6, SYN | ACK, false, 0, 0, 0, t0 + 5 * MS, r) == 1 &&
					r[0].rtt_ns == 5 * MS && (r[0].flags & TCPRTT_F_IPV6) &&
					r[0].prefix_mask == 2,
			"IPv6 + QinQ handshake without TS option: 5 ms, prefix 1");
	check(tcprtt_record_json(&r[0], "in", line, sizeof(line)) > 0 &&
					strstr(line, "\"vlan\":[10,20],\"src\":\"2001:db8::10\"") !=
							NULL,
			"IPv6 JSON: %s", line);
	/* Three tags (802.1ad + 802.1Q + 802.1Q): measured, the ids in the JSON. */
	nb_vlans = 3;
	vlans[0] = 10;
	vlans[1] = 20;
	vlans[2] = 4095;
	pkt(m, c6, s6, SYN, false, 0, 0, 0, t0, r);
	check(pkt(m, s6, c6, SYN | ACK, false, 0, 0, 0, t0 + 6 * MS, r) == 1 &&
					r[0].rtt_ns == 6 * MS &&
					tcprtt_record_json(&r[0], "in", line, sizeof(line)) > 0 &&
					strstr(line, "\"vlan\":[10,20,4095],") != NULL,
			"three tags: its own flow (6 ms), the three ids in the JSON: %s", line);
	nb_vlans = 0;
	check(st->samples[TCPRTT_KIND_SYN_SYNACK] == 4 && st->samples[TCPRTT_KIND_SYNACK_ACK] == 2,
			"counters: 4 syn_synack, 2 synack_ack");
	/* RST removes; FIN both ways removes. */
	uint32_t before = tcprtt_mon_count(m);
	uint64_t flows_before = st->flows;

	pkt(m, s, c, RST | ACK, true, 1, 1, 0, t0 + 30 * MS, r);
	check(tcprtt_mon_count(m) == before - 1 && st->closed == 1, "RST removes the flow");
	pkt(m, c2, s, FIN | ACK, true, 1200, 5, 0, t0 + 2000 * MS, r);
	check(tcprtt_mon_count(m) == before - 1, "one FIN: the flow stays");
	pkt(m, s, c2, FIN | ACK, true, 6, 1200, 0, t0 + 2010 * MS, r);
	check(tcprtt_mon_count(m) == before - 2 && st->closed == 2, "FIN both ways: removed");
	pkt(m, c2, s, ACK, true, 1201, 6, 0, t0 + 2011 * MS, r);
	pkt(m, c2, s, ACK, false, 0, 0, 100, t0 + 2012 * MS, r);
	check(tcprtt_mon_count(m) == before - 2 && st->flows == flows_before,
			"the last ACK, data without TS: no new entry (nothing to measure)");
	tcprtt_mon_free(m);
}

static void
test_timestamps(void)
{
	struct tcprtt_mon *m = mon("t_ts", 64, 100 * MS);
	struct ep a = { "10.2.0.1", 5000 }, b = { "10.2.0.2", 6000 };
	struct tcprtt_record r[TCPRTT_MAX_SAMPLES];
	const struct tcprtt_stats *st;
	uint64_t t = 1700000000000000000ull;
	unsigned int n = 0;

	if (m == NULL)
		return;
	st = tcprtt_mon_stats(m);
	/* Mid-stream flow: a data segment TSval 1000, echoed 20 ms later. */
	check(pkt(m, a, b, ACK, true, 1000, 50, 100, t, r) == 0, "data TSval 1000: stored");
	check(pkt(m, a, b, ACK, true, 1000, 50, 100, t + 1 * MS, r) == 0,
			"same TSval again (duplicate): not stored again");
	check(pkt(m, b, a, ACK, true, 60, 1000, 0, t + 20 * MS, r) == 1 &&
					r[0].kind == TCPRTT_KIND_TSVAL && r[0].rtt_ns == 20 * MS &&
					r[0].role == TCPRTT_ROLE_UNKNOWN &&
					memcmp(r[0].flow.addr[0], (uint8_t[]){ 10, 2, 0, 1 }, 4) ==
							0,
			"echo TSecr 1000: 20 ms from the first-seen time, src 10.2.0.1, dir unknown");
	check(pkt(m, b, a, ACK, true, 60, 1000, 0, t + 21 * MS, r) == 0,
			"a second echo of the same TSval: no second sample");
	check(pkt(m, b, a, ACK, true, 61, 0, 0, t + 22 * MS, r) == 0, "TSecr 0: ignored");
	/* Pure ACKs store nothing. */
	pkt(m, a, b, ACK, true, 1001, 61, 0, t + 30 * MS, r);
	check(pkt(m, b, a, ACK, true, 62, 1001, 0, t + 40 * MS, r) == 0,
			"echo of a pure ACK's TSval: no sample");
	/* A request sent in the clock tick of the ACK before it: same TSval, stored from it. */
	pkt(m, a, b, ACK, true, 1500, 62, 0, t + 150 * MS, r);
	pkt(m, a, b, ACK, true, 1500, 62, 100, t + 151 * MS, r);
	check(pkt(m, b, a, ACK, true, 63, 1500, 100, t + 171 * MS, r) == 1 &&
					r[0].rtt_ns == 20 * MS,
			"pure ACK then data with its TSval: 20 ms from the data segment");
	/* Rate limit: a new TSval every ms for 1 s, echoed 5 ms later: one per 100 ms. */
	for (unsigned int i = 0; i < 1000; i++) {
		uint64_t ti = t + 1000 * MS + i * MS;

		pkt(m, a, b, ACK, true, 2000 + i, 62, 100, ti, r);
		if (i >= 5)
			n += pkt(m, b, a, ACK, true, 70, 2000 + i - 5, 0, ti, r);
	}
	check(n >= 9 && n <= 10, "busy flow, 1000 TSvals in 1 s, min interval 100 ms: %u samples",
			n);
	check(st->samples[TCPRTT_KIND_TSVAL] == 2 + n, "tsval counter");
	tcprtt_mon_free(m);
}

static void
test_table(void)
{
	struct tcprtt_mon *m = mon("t_full", 64, 0);
	struct tcprtt_record r[TCPRTT_MAX_SAMPLES];
	const struct tcprtt_stats *st;
	uint64_t t = 1700000000000000000ull;
	char addr[32];

	if (m == NULL)
		return;
	st = tcprtt_mon_stats(m);
	/* SYN flood: 1000 sources into 64 entries. */
	for (unsigned int i = 0; i < 1000; i++) {
		snprintf(addr, sizeof(addr), "10.3.%u.%u", i / 250, i % 250 + 1);
		pkt(m, (struct ep){ addr, 1024 + i }, (struct ep){ "10.9.9.9", 80 }, SYN, true, i,
				0, 0, t + i, r);
	}
	check(tcprtt_mon_count(m) == 64 && st->flows == 1000 && st->table_full == 0 &&
					st->evicted_half_open == 936,
			"SYN flood: the table full of the newest 64, 936 half-open pushed out (%u, %" PRIu64
			" %" PRIu64 ")",
			tcprtt_mon_count(m), st->table_full, st->evicted_half_open);
	check(tcprtt_mon_expire(m, t + 1000, 64) == 0, "nothing idle yet");
	/* idle_timeout 60 s: removed at most 1/16 of it (3.75 s) late. */
	check(tcprtt_mon_expire(m, t + 59000 * MS, 64) == 0, "idle 59 s: none evicted");
	check(tcprtt_mon_expire(m, t + 64000 * MS, 32) == 32 && tcprtt_mon_count(m) == 32,
			"idle 64 s: 32 checks evict 32");
	tcprtt_mon_expire(m, t + 64000 * MS, 32);
	check(tcprtt_mon_count(m) == 0 && st->evicted == 64 && tcprtt_flows_active(st) == 0,
			"the next 32: all evicted, counted");
	pkt(m, (struct ep){ "10.4.0.1", 1 }, (struct ep){ "10.9.9.9", 80 }, SYN, true, 1, 0, 0,
			t + 65000 * MS, r);
	check(tcprtt_mon_count(m) == 1, "room again after eviction");
	/* Unstamped packets are not measured. */
	struct tcprtt_pkt p;
	uint32_t len = build(frame, (struct ep){ "10.4.0.2", 1 }, (struct ep){ "10.9.9.9", 80 },
			SYN, true, 1, 0, 0);

	tcprtt_frame_parse(frame, len, &p);
	check(tcprtt_mon_packet(m, &p, 0, 0, r) == 0 && st->unstamped == 1 &&
					tcprtt_mon_count(m) == 1,
			"no timestamp: counted unstamped, no flow");
	tcprtt_mon_free(m);
}

/* As pkt(), with the flow table's hash forced to @p hash (not the key's). */
static unsigned int
pkt_hash(struct tcprtt_mon *m, struct ep s, struct ep d, uint8_t flags, uint32_t hash, uint64_t t,
		struct tcprtt_record *out)
{
	struct pkt_meta meta;
	struct tcprtt_pkt p;
	uint32_t len = build(frame, s, d, flags, true, 1, 0, 0);

	memset(&meta, 0, sizeof(meta));
	if (pkt_parse_buf(frame, len, &meta) < 0 ||
			tcprtt_pkt_parse(frame, len, meta.l3_type, meta.l3_off, meta.l4_off,
					meta.l4_proto, meta.nb_vlan, meta.flags,
					&p) != TCPRTT_PKT_TCP)
		return 99;
	p.hash = hash;
	return tcprtt_mon_packet(m, &p, t, 3, out);
}

/*
 * The table's hash (of the key's family, addresses and ports) leaves the VLAN ids out: flows that
 * share a hash share a bucket chain, and only the key tells them apart. Every RTT below is the gap
 * the test put between the SYN and the SYN-ACK of that flow.
 */
static void
test_collisions(void)
{
	struct tcprtt_mon *m = mon("t_coll", 64, 0);
	struct ep c = { "10.1.0.5", 51000 }, s = { "10.9.0.1", 80 };
	struct tcprtt_record r[TCPRTT_MAX_SAMPLES];
	struct tcprtt_pkt p1, p2;
	uint64_t t0 = 1700000000000000000ull;
	unsigned int ok = 0;
	char addr[32];

	if (m == NULL)
		return;
	/* The same 5-tuple on VLAN 100 and on VLAN 200: one hash, two flows. */
	nb_vlans = 1;
	vlans[0] = 100;
	tcprtt_frame_parse(frame, build(frame, c, s, SYN, true, 1, 0, 0), &p1);
	pkt(m, c, s, SYN, true, 1, 0, 0, t0, r);
	vlans[0] = 200;
	tcprtt_frame_parse(frame, build(frame, c, s, SYN, true, 1, 0, 0), &p2);
	check(p1.hash == p2.hash, "the table's hash leaves the VLAN out (the case tested)");
	pkt(m, c, s, SYN, true, 1, 0, 0, t0 + 5 * MS, r);
	check(tcprtt_mon_count(m) == 2, "two VLANs, one 5-tuple: two flows");
	check(pkt(m, s, c, SYN | ACK, true, 9, 1, 0, t0 + 7 * MS, r) == 1 &&
					r[0].rtt_ns == 2 * MS && r[0].nb_vlan == 1 &&
					r[0].flow.vlan[0] == 200,
			"VLAN 200's SYN-ACK: 2 ms, from VLAN 200's SYN");
	vlans[0] = 100;
	check(pkt(m, s, c, SYN | ACK, true, 9, 1, 0, t0 + 8 * MS, r) == 1 &&
					r[0].rtt_ns == 8 * MS && r[0].flow.vlan[0] == 100,
			"VLAN 100's SYN-ACK: 8 ms, from VLAN 100's SYN");
	nb_vlans = 0;
	tcprtt_mon_free(m);

	/* 40 flows, every one hashed to 7: one chain across several buckets, then half reset. */
	m = mon("t_coll1", 64, 0);
	if (m == NULL)
		return;
	for (unsigned int i = 0; i < 40; i++) {
		snprintf(addr, sizeof(addr), "10.5.0.%u", i + 1);
		pkt_hash(m, (struct ep){ addr, 1000 }, s, SYN, 7, t0, r);
	}
	for (unsigned int i = 0; i < 40; i += 2) {
		snprintf(addr, sizeof(addr), "10.5.0.%u", i + 1);
		pkt_hash(m, (struct ep){ addr, 1000 }, s, RST | ACK, 7, t0 + MS, r);
	}
	check(tcprtt_mon_count(m) == 20, "one hash: 40 flows in, the 20 reset gone (%u)",
			tcprtt_mon_count(m));
	for (unsigned int i = 1; i < 40; i += 2) {
		snprintf(addr, sizeof(addr), "10.5.0.%u", i + 1);
		ok += pkt_hash(m, s, (struct ep){ addr, 1000 }, SYN | ACK, 7, t0 + (i + 1) * MS,
				      r) == 1 &&
				r[0].rtt_ns == (i + 1) * MS;
	}
	check(ok == 20, "one hash: each of the 20 left found, its own RTT (%u of 20)", ok);
	tcprtt_mon_free(m);
}

/*
 * tcprtt_mon_burst() (buckets, then flows, prefetched ahead; SSE signature match) against
 * tcprtt_mon_packet() one packet at a time: the same packets into two monitors give the same
 * records, byte for byte, and the same counters. 400 short flows of 8 packets (handshake,
 * request and response with TSvals, FIN both ways, last ACK), 64 in flight at once, every
 * third flow's hash forced to one of 3 values (chains of colliding signatures across buckets),
 * into a 40-flow table (half-open flows pushed out), in bursts of 1 to 32 packets: flows enter
 * and leave in the middle of a burst, after the burst prefetched them.
 */
static void
test_burst(void)
{
	static const uint8_t flags[8] = { SYN, SYN | ACK, ACK, ACK, ACK, FIN | ACK, FIN | ACK,
		ACK };
	static const bool c2s[8] = { true, false, true, true, false, true, false, true };
	static struct tcprtt_pkt ps[400 * 8];
	static struct tcprtt_record r1[400 * 8 * TCPRTT_MAX_SAMPLES],
			r2[400 * 8 * TCPRTT_MAX_SAMPLES];
	static uint64_t ts[400 * 8];
	static uint16_t port[400 * 8];
	struct tcprtt_mon *m1 = mon("t_burst1", 40, 0), *m2 = mon("t_burst2", 40, 0);
	struct ep srv = { "10.9.0.1", 443 };
	unsigned int np = 0, n1 = 0, n2 = 0, bad = 0;
	uint64_t x = 7, t0 = 1700000000000000000ull;
	char addr[32];

	if (m1 == NULL || m2 == NULL)
		goto out;
	for (unsigned int tick = 0; tick < 400 / 8 + 8; tick++)
		for (unsigned int f = 0; f < 400; f++) {
			unsigned int k = tick - f / 8;
			struct ep cl;
			uint32_t len;

			if (tick < f / 8 || k >= 8)
				continue;
			snprintf(addr, sizeof(addr), "10.6.%u.%u", f / 200, f % 200 + 1);
			cl = (struct ep){ addr, (uint16_t)(3000 + f) };
			/* TSvals: the client's 100 + k, the server's 5000 + k; each echoes the
			 * other's last (the request's TSval is echoed by the response).
			 */
			len = build(frame, c2s[k] ? cl : srv, c2s[k] ? srv : cl, flags[k], true,
					c2s[k] ? 100 + f + k : 5000 + f + k,
					k == 0		       ? 0 :
							c2s[k] ? 5000 + f + k - 1 :
								 100 + f + k - 1,
					k == 3 || k == 4 ? 100 : 0);
			if (tcprtt_frame_parse(frame, len, &ps[np]) != TCPRTT_PKT_TCP) {
				bad++;
				continue;
			}
			if (f % 3 == 0)
				ps[np].hash = 0x1000u * (f % 9 / 3) + 5;
			ts[np] = t0 + np * 10000;
			port[np] = (uint16_t)(f % 2);
			np++;
		}
	check(bad == 0 && np == 400 * 8, "the workload: %u packets parsed (%u not)", np, bad);
	for (unsigned int i = 0; i < np; i++)
		n1 += tcprtt_mon_packet(m1, &ps[i], ts[i], port[i], &r1[n1]);
	for (unsigned int i = 0; i < np;) {
		unsigned int b = RTE_MIN(1 + (unsigned int)(unit_rand64(&x) % 32), np - i);
		struct tcprtt_buckets hb;

		/* As the stage does: the buckets prefetched as the burst is parsed. */
		tcprtt_mon_buckets(m2, &hb);
		for (unsigned int k = i; k < i + b; k++)
			tcprtt_bucket_prefetch(&hb, ps[k].hash);
		n2 += tcprtt_mon_burst(m2, &ps[i], &ts[i], &port[i], b, &r2[n2]);
		i += b;
	}
	const struct tcprtt_stats *s1 = tcprtt_mon_stats(m1), *s2 = tcprtt_mon_stats(m2);

	check(n1 > 400 && s1->evicted_half_open > 0 && s1->closed > 0,
			"the workload measures (%u records), pushes half-open flows out (%" PRIu64
			") and closes flows (%" PRIu64 ")",
			n1, s1->evicted_half_open, s1->closed);
	check(n1 == n2 && memcmp(r1, r2, n1 * sizeof(r1[0])) == 0,
			"bursts: the same %u records as one packet at a time (%u)", n1, n2);
	check(memcmp(s1, s2, sizeof(*s1)) == 0 && tcprtt_mon_count(m1) == tcprtt_mon_count(m2),
			"bursts: the same counters and flows in the table (%u, %u)",
			tcprtt_mon_count(m1), tcprtt_mon_count(m2));
out:
	tcprtt_mon_free(m1);
	tcprtt_mon_free(m2);
}

/* The flow of client @p i: 10.8.(i/250).(i%250+1):(2000+i%60000) -> 10.9.9.8:443. */
static struct ep
cli(unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "10.8.%u.%u", (i / 250) % 250, i % 250 + 1);
	return (struct ep){ buf, (uint16_t)(2000 + i % 60000) };
}

static void
test_evict(void)
{
	struct tcprtt_conf c = { .flows = 64, .ts_slots = 4, .idle_timeout_ns = 1000 * MS };
	struct ep srv = { "10.9.9.8", 443 }, e;
	struct tcprtt_record r[TCPRTT_MAX_SAMPLES];
	const struct tcprtt_stats *st;
	struct tcprtt_mon *m;
	uint64_t t = 1700000000000000000ull, now;
	unsigned int hs = 0, real = 0, n;
	char err[256], a[32];
	bool ok = true;

	/* A SYN flood (never answered) 20x the table, and a real handshake every 50 SYNs with
	 * 10 flood SYNs between its SYN and SYN-ACK: every real handshake is measured.
	 */
	m = tcprtt_mon_create("t_evict", &c, SOCKET_ID_ANY, err, sizeof(err));
	check(m != NULL, "monitor t_evict (%s)", m == NULL ? err : "ok");
	if (m == NULL)
		return;
	st = tcprtt_mon_stats(m);
	now = t;
	for (unsigned int i = 0; i < 64 * 20; i++) {
		now += 1000;
		pkt(m, cli(100000 + i, a, sizeof(a)), srv, SYN, true, i, 0, 0, now, r);
		if (i % 50 == 0) {
			e = cli(real++, a, sizeof(a));
			pkt(m, e, srv, SYN, true, 1, 0, 0, now, r);
		}
		if (i % 50 == 10) {
			e = cli(real - 1, a, sizeof(a));
			n = pkt(m, srv, e, SYN | ACK, true, 9, 1, 0, now, r);
			n += pkt(m, e, srv, ACK, true, 2, 9, 0, now + 1, r);
			hs += n;
		}
	}
	check(hs == 2 * real, "flood 20x the table: %u of %u real handshakes measured (2 each)",
			hs / 2, real);
	check(st->evicted_half_open > 0 && st->evicted_handshake == 0 && st->table_full == 0,
			"only half-open SYNs pushed out (%" PRIu64 "), no handshake, none refused",
			st->evicted_half_open);
	/* The real flows are established: never pushed out by the flood that goes on. */
	for (unsigned int i = 0; i < 64 * 5; i++)
		pkt(m, cli(200000 + i, a, sizeof(a)), srv, SYN, true, i, 0, 0, now + i, r);
	e = cli(0, a, sizeof(a));
	check(pkt(m, e, srv, ACK, true, 3, 9, 10, now + 1000, r) == 0 &&
					pkt(m, srv, e, ACK, true, 10, 3, 0, now + 2000, r) == 1,
			"the first real flow is still tracked after the flood (its TS sample comes)");
	tcprtt_mon_free(m);

	/* A table of established flows: a newcomer is refused, nothing pushed out. */
	m = tcprtt_mon_create("t_evict2", &c, SOCKET_ID_ANY, err, sizeof(err));
	if (m == NULL)
		return;
	st = tcprtt_mon_stats(m);
	for (unsigned int i = 0; i < 64; i++) {
		e = cli(i, a, sizeof(a));
		pkt(m, e, srv, SYN, true, 1, 0, 0, t + i, r);
		pkt(m, srv, e, SYN | ACK, true, 9, 1, 0, t + i + 1, r);
		pkt(m, e, srv, ACK, true, 2, 9, 0, t + i + 2, r);
	}
	pkt(m, cli(999, a, sizeof(a)), srv, SYN, true, 1, 0, 0, t + 100, r);
	check(st->table_full == 1 && st->evicted_half_open + st->evicted_handshake == 0 &&
					tcprtt_mon_count(m) == 64,
			"64 established flows: a new SYN counts table_full, none pushed out");
	/* Handshakes without ACK give way before established ones, oldest first. */
	tcprtt_mon_free(m);
	m = tcprtt_mon_create("t_evict3", &c, SOCKET_ID_ANY, err, sizeof(err));
	if (m == NULL)
		return;
	st = tcprtt_mon_stats(m);
	for (unsigned int i = 0; i < 64; i++) {
		e = cli(i, a, sizeof(a));
		pkt(m, e, srv, SYN, true, 1, 0, 0, t + i, r);
		pkt(m, srv, e, SYN | ACK, true, 9, 1, 0, t + i + 1, r);
		if (i >= 2)
			pkt(m, e, srv, ACK, true, 2, 9, 0, t + i + 2, r);
	}
	pkt(m, cli(999, a, sizeof(a)), srv, SYN, true, 1, 0, 0, t + 100, r);
	e = cli(1, a, sizeof(a));
	check(st->evicted_handshake == 1 && st->table_full == 0 &&
					pkt(m, e, srv, ACK, true, 2, 9, 0, t + 101, r) == 1,
			"full of handshakes and flows: the oldest open handshake (client 0) gave way, "
			"client 1 still completes");
	tcprtt_mon_free(m);

	/* Time order: 20000 flows, one every ms of packet time, idle 1 s; after each simulated
	 * burst (one expire call with the stage's budget) every flow whose deadline passed by
	 * more than one slot (1/16 s) is gone, and none whose deadline has not come.
	 */
	c.flows = 32768;
	m = tcprtt_mon_create("t_wheel", &c, SOCKET_ID_ANY, err, sizeof(err));
	if (m == NULL)
		return;
	st = tcprtt_mon_stats(m);
	for (unsigned int i = 0; i < 20000; i++) {
		now = t + (uint64_t)i * MS;
		pkt(m, cli(i, a, sizeof(a)), srv, SYN, true, 1, 0, 0, now, r);
		tcprtt_mon_expire(m, now, 64);
		/* flows 0..k have deadlines t + j ms + 1 s */
		uint64_t gone = st->evicted, due_late, due;

		due = now > t + 1000 * MS ? (now - t - 1000 * MS) / MS : 0; /* deadline < now */
		due_late = now > t + 1063 * MS ? (now - t - 1063 * MS) / MS : 0;
		if (gone < due_late || gone > due + 1)
			ok = false;
	}
	check(ok,
			"timer wheel: flows leave in deadline order, at most 1/16 s late (%" PRIu64
			" evicted)",
			st->evicted);
	tcprtt_mon_expire(m, now + 2000 * MS, 100000);
	check(tcprtt_mon_count(m) == 0 && st->evicted == 20000, "2 s later: all gone (%u left)",
			tcprtt_mon_count(m));
	tcprtt_mon_free(m);
}

/*
 * A bulk transfer: a new TSval every ms (a 1 kHz TS clock) on data segments, each echoed
 * 100 ms later (RTT 100 ms), for 2 s: with 128 slots every echo is a sample and nothing is
 * overwritten; with 64, the TSvals of one RTT do not fit: counted overwrites, lost samples.
 * (The old fixed table of 4 slots kept 4 of 2000.)
 */
static unsigned int
bulk(uint32_t slots, uint64_t *overwritten)
{
	struct tcprtt_conf c = { .flows = 64, .ts_slots = slots, .idle_timeout_ns = 60000 * MS };
	struct ep a = { "10.2.1.1", 5001 }, b = { "10.2.1.2", 40000 };
	struct tcprtt_record r[TCPRTT_MAX_SAMPLES];
	uint64_t t = 1700000000000000000ull;
	struct tcprtt_mon *m;
	unsigned int n = 0, ok = 0;
	char err[256], name[32];

	snprintf(name, sizeof(name), "t_bulk%u", slots);
	m = tcprtt_mon_create(name, &c, SOCKET_ID_ANY, err, sizeof(err));
	check(m != NULL, "monitor %s (%s)", name, m == NULL ? err : "ok");
	if (m == NULL)
		return 0;
	for (unsigned int i = 0; i < 2000 + 100; i++) {
		uint64_t ti = t + (uint64_t)i * MS;

		/* 8 segments per tick share its TSval (a 10 Gbit/s sender sends ~800). */
		for (unsigned int k = 0; i < 2000 && k < 8; k++)
			pkt(m, a, b, ACK, true, 7000000 + i, 99, 1448, ti + k * 1000, r);
		if (i >= 100) {
			unsigned int got = pkt(
					m, b, a, ACK, true, 99, 7000000 + i - 100, 0, ti + 500, r);

			n += got;
			ok += got == 1 && r[0].rtt_ns == 100 * MS + 500;
		}
	}
	*overwritten = tcprtt_mon_stats(m)->ts_table_full;
	tcprtt_mon_free(m);
	return n == ok ? n : 0;
}

static void
test_ts_slots(void)
{
	uint64_t ow;
	unsigned int n;

	n = bulk(128, &ow);
	check(n == 2000 && ow == 0,
			"128 slots, 1 kHz TSvals, RTT 100 ms: every one of 2000 TSvals measured "
			"(100 ms + 500 ns), none overwritten (%u, %" PRIu64 ")",
			n, ow);
	/* A slot keeps 32 + 7 bits of time at 128 slots: a 60 s echo is still exact. */
	{
		struct tcprtt_mon *m = mon("t_slow", 64, 0);
		struct ep a = { "10.2.2.1", 5001 }, b = { "10.2.2.2", 40000 };
		struct tcprtt_record r[TCPRTT_MAX_SAMPLES];
		uint64_t t = 1700000000123456789ull;

		if (m != NULL) {
			pkt(m, a, b, ACK, true, 0xfffffff0u, 1, 100, t, r);
			check(pkt(m, b, a, ACK, true, 2, 0xfffffff0u, 0, t + 60000 * MS + 3,
					      r) == 1 && r[0].rtt_ns == 60000 * MS + 3,
					"an echo 60 s + 3 ns later, TSval 0xfffffff0: exact");
			tcprtt_mon_free(m);
		}
	}
	n = bulk(64, &ow);
	check(n == 64 && ow == 2000 - 64,
			"64 slots: a TSval is overwritten 64 ms later, before its echo: only the "
			"last 64 (no newer TSval after them) measured (%u samples, %" PRIu64
			" overwritten)",
			n, ow);
}

/*
 * The slot pool: a flow keeps 4 unanswered TSvals per direction inline and takes a block of
 * ts_slots for a fifth; the pool has flows / 8 blocks (8 here). The ninth flow that needs one
 * finds none and overwrites an inline TSval (counted); a flow that leaves gives its block back.
 * The model: each flow sends 5 data segments with new TSvals, then the peer echoes all 5.
 */
static unsigned int
five_echoes(struct tcprtt_mon *m, unsigned int f, uint64_t t)
{
	struct ep a = { "10.3.0.1", (uint16_t)(1000 + f) }, b = { "10.3.0.2", 80 };
	struct tcprtt_record r[TCPRTT_MAX_SAMPLES];
	unsigned int n = 0;

	for (unsigned int k = 0; k < 5; k++)
		pkt(m, a, b, ACK, true, 100 + k, 7, 10, t + k * MS, r);
	for (unsigned int k = 0; k < 5; k++) {
		unsigned int got = pkt(m, b, a, ACK, true, 8, 100 + k, 0, t + (10 + k) * MS, r);

		n += got == 1 && r[0].rtt_ns == 10 * MS;
	}
	return n;
}

static void
test_ts_pool(void)
{
	struct tcprtt_mon *m = mon("t_pool", 64, 0);
	struct ep a = { "10.3.0.1", 1000 }, b = { "10.3.0.2", 80 };
	struct tcprtt_record r[TCPRTT_MAX_SAMPLES];
	const struct tcprtt_stats *st;
	uint64_t t = 1700000000000000000ull;
	unsigned int ok = 0;

	if (m == NULL)
		return;
	st = tcprtt_mon_stats(m);
	for (unsigned int f = 0; f < 8; f++)
		ok += five_echoes(m, f, t) == 5;
	check(ok == 8 && st->ts_table_full == 0,
			"8 flows with 5 TSvals in flight (8 blocks): every echo measured, exact (%u "
			"flows, %" PRIu64 " overwritten)",
			ok, st->ts_table_full);
	ok = five_echoes(m, 8, t);
	check(ok == 4 && st->ts_table_full == 1,
			"a ninth flow finds the pool empty: one TSval overwritten, 4 of 5 measured "
			"(%u, %" PRIu64 " overwritten)",
			ok, st->ts_table_full);
	pkt(m, a, b, RST | ACK, false, 0, 0, 0, t + 100 * MS, r);
	check(five_echoes(m, 9, t) == 5 && st->ts_table_full == 1,
			"a flow that leaves gives its block back: the next one measures all 5");
	tcprtt_mon_free(m);
}

/*
 * The record line against a model written here with the C library (gmtime_r, strftime,
 * inet_ntop, snprintf: what the formatter used before it wrote lines by hand), on random
 * records: both families, 0..8 VLAN ids, every role, kind and flag, times from 1970 to 2200.
 */
static int
model_json(const struct tcprtt_record *r, const char *port, char *buf, size_t len)
{
	static const char *const dirs[] = { "unknown", "client->server", "server->client" };
	static const char *const kinds[] = { "syn_synack", "synack_ack", "tsval" };
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], tbuf[32], vlan[64];
	int af = r->flow.family == 6 ? AF_INET6 : AF_INET;
	time_t secs = (time_t)(r->ts_ns / 1000000000u);
	size_t vl = 0;
	struct tm tm;

	inet_ntop(af, r->flow.addr[0], src, sizeof(src));
	inet_ntop(af, r->flow.addr[1], dst, sizeof(dst));
	gmtime_r(&secs, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
	vl += (size_t)snprintf(vlan + vl, sizeof(vlan) - vl, "[");
	for (unsigned int i = 0; i < r->nb_vlan; i++)
		vl += (size_t)snprintf(vlan + vl, sizeof(vlan) - vl, "%s%u", i ? "," : "",
				r->flow.vlan[i] & 0x0fff);
	snprintf(vlan + vl, sizeof(vlan) - vl, "]");
	return snprintf(buf, len,
			"{\"ts\":\"%s.%09" PRIu64 "Z\",\"ts_ns\":%" PRIu64
			",\"port\":\"%s\",\"vlan\":%s,\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\","
			"\"dport\":%u,\"dir\":\"%s\",\"kind\":\"%s\",\"rtt_ns\":%" PRIu64
			",\"flags\":%s}\n",
			tbuf, r->ts_ns % 1000000000u, r->ts_ns, port, vlan, src,
			ntohs(r->flow.port[0]), dst, ntohs(r->flow.port[1]), dirs[r->role],
			kinds[r->kind], r->rtt_ns,
			(r->flags & TCPRTT_F_AMBIGUOUS) ? "[\"ambiguous\"]" : "[]");
}

static void
test_record_json(void)
{
	char got[512], want[512];
	unsigned int bad = 0, n = 20000;
	uint64_t x = 42;
	int gl = 0, wl = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct tcprtt_record r;
		uint64_t v = unit_rand64(&x);

		memset(&r, 0, sizeof(r));
		/* 1970 .. 2200, with the ends and leap days hit often enough. */
		r.ts_ns = unit_rand64(&x) % (7258118400ull * 1000000000ull);
		if (i % 7 == 0)
			r.ts_ns = (951782400ull + (v % 4) * 86400 * 366) * 1000000000ull +
					unit_rand64(&x) % (86400ull * 1000000000ull);
		r.rtt_ns = i % 3 == 0 ? unit_rand64(&x) : unit_rand64(&x) % 1000000000ull;
		r.flow.family = (v & 1) ? 6 : 4;
		for (unsigned int k = 0; k < 16; k++) {
			r.flow.addr[0][k] = (uint8_t)unit_rand64(&x);
			r.flow.addr[1][k] = (uint8_t)((v & 2) && k > 4 ? 0 : unit_rand64(&x));
		}
		if (r.flow.family == 4) {
			memset(&r.flow.addr[0][4], 0, 12);
			memset(&r.flow.addr[1][4], 0, 12);
		}
		r.flow.port[0] = (uint16_t)unit_rand64(&x);
		r.flow.port[1] = (uint16_t)unit_rand64(&x);
		r.nb_vlan = (uint8_t)(v >> 8) % (TCPRTT_MAX_VLAN + 1);
		for (unsigned int k = 0; k < r.nb_vlan; k++)
			r.flow.vlan[k] = (uint16_t)unit_rand64(&x);
		r.role = (uint8_t)((v >> 16) % 3);
		r.kind = (uint8_t)((v >> 24) % TCPRTT_KIND_MAX);
		r.flags = (uint8_t)((v >> 32) & TCPRTT_F_AMBIGUOUS);
		gl = tcprtt_record_json(&r, i % 2 ? "in" : "port-7", got, sizeof(got));
		wl = model_json(&r, i % 2 ? "in" : "port-7", want, sizeof(want));
		if (gl != wl || strcmp(got, want) != 0) {
			if (bad++ == 0)
				printf("# got  %s# want %s", got, want);
		}
	}
	check(bad == 0,
			"record lines of %u random records equal the C library's formatting (%u "
			"differ)",
			n, bad);
	memset(got, 0x5a, sizeof(got));
	gl = tcprtt_record_json(
			&(struct tcprtt_record){ .ts_ns = 1, .flow.family = 4 }, "in", got, 40);
	wl = 0;
	for (unsigned int k = 40; k < sizeof(got); k++)
		wl += got[k] != 0x5a;
	check(gl == -1 && wl == 0, "a buffer too small: -1, nothing written past it");
	/*
	 * Every buffer size from 1 to the line's, for an IPv4 and an IPv6 record with the widest
	 * numbers: -1 until the line and its '\0' fit, never a byte written past the buffer; then
	 * the line snprintf writes.
	 */
	for (unsigned int v6 = 0; v6 < 2; v6++) {
		struct tcprtt_record r = { .ts_ns = UINT64_MAX,
			.rtt_ns = UINT64_MAX,
			.flow.family = v6 ? 6 : 4,
			.flow.port = { 0xffff, 0xffff },
			.nb_vlan = 2,
			.flow.vlan = { 4095, 4095 },
			.role = 2,
			.flags = TCPRTT_F_AMBIGUOUS };
		unsigned int wrong = 0;

		memset(r.flow.addr, 0xff, v6 ? 32 : 0);
		memset(r.flow.addr[0], 0xff, 4);
		memset(r.flow.addr[1], 0xff, 4);
		wl = model_json(&r, "port-7", want, sizeof(want));
		for (unsigned int len = 1; len <= (unsigned int)wl + 1; len++) {
			memset(got, 0x5a, sizeof(got));
			gl = tcprtt_record_json(&r, "port-7", got, len);
			for (unsigned int k = len; k < sizeof(got); k++)
				wrong += got[k] != 0x5a;
			if (len <= (unsigned int)wl)
				wrong += gl != -1;
			else
				wrong += gl != wl || strcmp(got, want) != 0;
		}
		check(wrong == 0,
				"IPv%c, every buffer size 1..%d: -1 until it fits, nothing past it, then the "
				"line (%u wrong)",
				v6 ? '6' : '4', wl + 1, wrong);
	}
}

/* FIN, FIN, last ACK: the last ACK echoes the second FIN's TSval: one more sample. */
static void
test_close(void)
{
	struct tcprtt_conf c = { .flows = 64,
		.ts_slots = 128,
		.idle_timeout_ns = 60000 * MS,
		.close_linger_ns = 1000 * MS };
	struct ep cl = { "10.2.3.1", 45000 }, sv = { "10.2.3.2", 80 };
	struct tcprtt_record r[TCPRTT_MAX_SAMPLES];
	const struct tcprtt_stats *st;
	uint64_t t = 1700000000000000000ull;
	struct tcprtt_mon *m;
	char err[256];

	m = tcprtt_mon_create("t_close", &c, SOCKET_ID_ANY, err, sizeof(err));
	check(m != NULL, "monitor t_close (%s)", m == NULL ? err : "ok");
	if (m == NULL)
		return;
	st = tcprtt_mon_stats(m);
	pkt(m, cl, sv, SYN, true, 100, 0, 0, t, r);
	pkt(m, sv, cl, SYN | ACK, true, 900, 100, 0, t + 10 * MS, r);
	pkt(m, cl, sv, ACK, true, 101, 900, 0, t + 11 * MS, r);
	/* The client closes first; the server's FIN echoes it (a sample), then the last ACK. */
	pkt(m, cl, sv, FIN | ACK, true, 102, 900, 0, t + 20 * MS, r);
	check(pkt(m, sv, cl, FIN | ACK, true, 905, 102, 0, t + 30 * MS, r) == 1 &&
					r[0].rtt_ns == 10 * MS && tcprtt_mon_count(m) == 1,
			"second FIN: echoes the first (10 ms), the flow stays for the last ACK");
	check(pkt(m, cl, sv, ACK, true, 103, 905, 0, t + 30 * MS + 777, r) == 1 &&
					r[0].kind == TCPRTT_KIND_TSVAL && r[0].rtt_ns == 777 &&
					r[0].role == TCPRTT_ROLE_SERVER,
			"the last ACK echoes the second FIN's TSval: 777 ns, server->client");
	check(tcprtt_mon_count(m) == 0 && st->closed == 1, "... and removes the flow (closed)");
	/* A FIN/FIN close whose last ACK never comes: removed after the linger, closed. */
	cl.port++;
	pkt(m, cl, sv, SYN, true, 100, 0, 0, t, r);
	pkt(m, sv, cl, SYN | ACK, true, 900, 100, 0, t + 10 * MS, r);
	pkt(m, cl, sv, ACK, true, 101, 900, 0, t + 11 * MS, r);
	pkt(m, sv, cl, FIN | ACK, true, 901, 101, 0, t + 20 * MS, r);
	pkt(m, cl, sv, FIN | ACK, true, 102, 901, 0, t + 21 * MS, r);
	tcprtt_mon_expire(m, t + 21 * MS + 900 * MS, 64);
	check(tcprtt_mon_count(m) == 1, "no last ACK: kept 900 ms later (linger 1 s)");
	tcprtt_mon_expire(m, t + 21 * MS + 1100 * MS, 64);
	check(tcprtt_mon_count(m) == 0 && st->closed == 2 && st->evicted == 0,
			"1.1 s later: gone, counted closed, not evicted (linger: slot 62.5 ms)");
	/* A data segment from the same side as the second FIN is not the last ACK. */
	cl.port++;
	pkt(m, cl, sv, SYN, true, 100, 0, 0, t, r);
	pkt(m, sv, cl, SYN | ACK, true, 900, 100, 0, t + 10 * MS, r);
	pkt(m, cl, sv, FIN | ACK, true, 102, 900, 0, t + 20 * MS, r);
	pkt(m, sv, cl, FIN | ACK, true, 905, 102, 0, t + 30 * MS, r);
	pkt(m, sv, cl, FIN | ACK, true, 905, 102, 0, t + 230 * MS, r); /* retransmitted */
	check(tcprtt_mon_count(m) == 1, "a retransmitted second FIN: still waiting");
	/* The same 4-tuple reused for a new connection before the linger ends: measured. */
	pkt(m, cl, sv, SYN, true, 5000, 0, 0, t + 300 * MS, r);
	check(pkt(m, sv, cl, SYN | ACK, true, 7000, 5000, 0, t + 304 * MS, r) == 1 &&
					r[0].kind == TCPRTT_KIND_SYN_SYNACK &&
					r[0].rtt_ns == 4 * MS && r[0].flags == 0 &&
					tcprtt_mon_count(m) == 1 && st->closed == 3,
			"a new SYN on a closing flow's 4-tuple: the old one closed, the new handshake "
			"measured (4 ms, not ambiguous)");
	tcprtt_mon_free(m);
}

/*
 * The two TS rules on one exchange: the client's pure ACK (TSval 500) at t, its request with
 * the same TSval 3 ms later, the server's answer echoing 500 at t + 23 ms; then a pure ACK
 * (TSval 501) echoed only by the server's next data 400 ms later.
 */
static void
ts_rule_run(unsigned int rule, unsigned int *n, uint64_t rtt[8])
{
	struct tcprtt_conf c = {
		.flows = 64, .ts_slots = 128, .idle_timeout_ns = 60000 * MS, .ts_rule = rule
	};
	struct ep cl = { "10.2.4.1", 46000 }, sv = { "10.2.4.2", 80 };
	struct tcprtt_record r[TCPRTT_MAX_SAMPLES];
	uint64_t t = 1700000000000000000ull;
	struct tcprtt_mon *m;
	char err[256], name[32];
	unsigned int k;

	*n = 0;
	snprintf(name, sizeof(name), "t_rule%u", rule);
	m = tcprtt_mon_create(name, &c, SOCKET_ID_ANY, err, sizeof(err));
	check(m != NULL, "monitor %s (%s)", name, m == NULL ? err : "ok");
	if (m == NULL)
		return;
#define RUN(...)                                                      \
	do {                                                          \
		k = pkt(m, __VA_ARGS__, r);                           \
		for (unsigned int j = 0; j < k; j++)                  \
			if (r[j].kind == TCPRTT_KIND_TSVAL && *n < 8) \
				rtt[(*n)++] = r[j].rtt_ns;            \
	} while (0)
	RUN(cl, sv, SYN, true, 400, 0, 0, t - 10 * MS);
	RUN(sv, cl, SYN | ACK, true, 900, 400, 0, t - 5 * MS);
	RUN(cl, sv, ACK, true, 500, 900, 0, t);
	RUN(cl, sv, ACK, true, 500, 900, 100, t + 3 * MS);
	RUN(sv, cl, ACK, true, 901, 500, 1000, t + 23 * MS);
	RUN(cl, sv, ACK, true, 501, 901, 0, t + 24 * MS);
	RUN(sv, cl, ACK, true, 1300, 501, 1000, t + 424 * MS);
#undef RUN
	tcprtt_mon_free(m);
}

static void
test_ts_rule(void)
{
	uint64_t rtt[8];
	unsigned int n;

	ts_rule_run(TCPRTT_TS_RULE_DATA, &n, rtt);
	check(n == 2 && rtt[0] == 20 * MS && rtt[1] == 1 * MS,
			"ts_rule data (ePPing): request -> answer 20 ms (from the request, not the "
			"pure ACK before it), the answer's TSval 1 ms; pure ACKs start nothing (%u "
			"samples)",
			n);
	ts_rule_run(TCPRTT_TS_RULE_FIRST, &n, rtt);
	check(n == 5 && rtt[0] == 5 * MS && rtt[1] == 5 * MS && rtt[2] == 23 * MS &&
					rtt[3] == 1 * MS && rtt[4] == 400 * MS,
			"ts_rule first (pping): SYN's TSval 5 ms, SYN-ACK's 5 ms, from the pure ACK "
			"with TSval 500 23 ms, 1 ms, the lone pure ACK's 400 ms (%u samples)",
			n);
}

static void
test_prefix(void)
{
	struct tcprtt_prefix p = { .family = 4, .len = 12 };
	uint8_t a[16] = { 0 };

	inet_pton(AF_INET, "172.16.0.0", p.addr);
	inet_pton(AF_INET, "172.31.255.255", a);
	check(tcprtt_prefix_match(&p, 4, a), "172.31.255.255 in 172.16.0.0/12");
	inet_pton(AF_INET, "172.32.0.0", a);
	check(!tcprtt_prefix_match(&p, 4, a), "172.32.0.0 not in 172.16.0.0/12");
	check(!tcprtt_prefix_match(&p, 6, a), "family must match");
	p.len = 0;
	check(tcprtt_prefix_match(&p, 4, a), "/0 matches every IPv4 address");
}

/*
 * The flow table is in memory before the first packet: a burst of new flows takes no page
 * fault. Without hugepages (this test's EAL: --no-huge) rte_malloc's memory is anonymous
 * memory the kernel maps a 4 KiB page at a time on its first write, so a monitor that left its
 * table unwritten faulted once per 16 new flows (256-byte entries) on the datapath. The
 * kernel's own count of this thread's minor faults (getrusage) says: 4 096 new flows touch
 * 1 MiB of entries (256 pages) and their buckets; fewer than 16 faults allows for anything else
 * the kernel counts, and is far from 256.
 */
static void
test_prefault(void)
{
	enum {
		NB = 4096
	};
	static struct tcprtt_pkt ps[NB];
	struct tcprtt_record out[TCPRTT_MAX_SAMPLES];
	struct tcprtt_mon *m = mon("t_fault", NB, 0);
	struct ep srv = { "10.9.0.1", 443 };
	struct rusage r0, r1;
	unsigned int bad = 0;
	char addr[32];
	long faults;

	if (m == NULL)
		return;
	for (unsigned int f = 0; f < NB; f++) {
		uint32_t len;

		snprintf(addr, sizeof(addr), "10.7.%u.%u", f / 200, f % 200 + 1);
		len = build(frame, (struct ep){ addr, (uint16_t)(1024 + f) }, srv, SYN, true,
				100 + f, 0, 0);
		if (tcprtt_frame_parse(frame, len, &ps[f]) != TCPRTT_PKT_TCP)
			bad++;
	}
	/* The first packet runs every code path the others take (its pages are the code's). */
	tcprtt_mon_packet(m, &ps[0], 1700000000000000000ull, 0, out);
	getrusage(RUSAGE_THREAD, &r0);
	for (unsigned int f = 1; f < NB; f++)
		tcprtt_mon_packet(m, &ps[f], 1700000000000000000ull + f * 1000ull, 0, out);
	getrusage(RUSAGE_THREAD, &r1);
	faults = r1.ru_minflt - r0.ru_minflt + r1.ru_majflt - r0.ru_majflt;
	check(bad == 0 && tcprtt_mon_count(m) == NB,
			"prefault: %u new flows entered (%u frames not parsed)",
			tcprtt_mon_count(m), bad);
	check(faults < 16,
			"prefault: %u new flows took %ld page faults (the table is written at "
			"create: expected ~0, 256+ if it were not)",
			NB - 1, faults);
	tcprtt_mon_free(m);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "-m", "64", "--no-pci", "-l", "0", prefix,
		"--log-level", "lib.eal:error", NULL };

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=ut_tcprtt_%d", (int)getpid());
	test_options();
	test_prefix();
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		check(false, "rte_eal_init: %s", rte_strerror(rte_errno));
		return unit_done();
	}
	/* First: the other tests' monitors would leave the heap's pages mapped (without the
	 * table's write at create it fails here with ~285 faults, and passes later on).
	 */
	test_prefault();
	test_key();
	test_handshake();
	test_timestamps();
	test_table();
	test_collisions();
	test_burst();
	test_drops();
	test_frame_paths();
	test_evict();
	test_ts_slots();
	test_ts_pool();
	test_record_json();
	test_close();
	test_ts_rule();
	rte_eal_cleanup();
	return unit_done();
}
