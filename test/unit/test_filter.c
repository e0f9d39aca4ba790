/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Unit test of lib/filter: a table of libpcap expressions run on frames written byte by byte
 * (IPv4 TCP/UDP/ICMP, IPv6 TCP/UDP/ICMPv6, VLAN-tagged IPv4, ARP, a two-segment mbuf whose TCP
 * header sits in the second segment, a truncated IPv4/TCP frame), through the JIT and the
 * interpreter; bad expressions; then a benchmark that prints cycles per packet (never asserted).
 *
 * The table is checked against tcpdump itself by filter_vs_tcpdump.sh, which runs
 * `test_filter --dump DIR` to get the same frames as a pcap and the table as text.
 *
 * One line per check, a summary line "N passed, N failed", exit status 1 on any failure.
 */

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "filter.h"
#include "frames.h"
#include "unit.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t mac_c[6] = { 0x02, 0, 0, 0, 0, 0x03 };

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* From @p src to mac_b, with a VLAN tag when @p vlan is not 0. */
static void
put_eth(struct frame *f, const uint8_t *src, uint16_t vlan, uint16_t type)
{
	if (vlan == 0) {
		frame_eth(f, mac_b, src, type);
		return;
	}
	frame_eth(f, mac_b, src, 0x8100);
	frame_put16(f, vlan);
	frame_put16(f, type);
}

/* IPv4 (DF) with a valid checksum; @p l4len is what follows it. */
static void
put_ip4(struct frame *f, uint8_t proto, uint32_t src, uint32_t dst, uint16_t l4len)
{
	uint8_t s[4], d[4];

	for (int i = 0; i < 4; i++) {
		s[i] = (uint8_t)(src >> (24 - 8 * i));
		d[i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	frame_ipv4(f, s, d, proto, l4len, 0x4000);
}

/* IPv6 header; addresses are 2001:db8::<last>. */
static void
put_ip6(struct frame *f, uint8_t nh, uint8_t src_last, uint8_t dst_last, uint16_t l4len)
{
	uint8_t s[16] = { 0x20, 0x01, 0x0d, 0xb8 }, d[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	s[15] = src_last;
	d[15] = dst_last;
	frame_ipv6(f, s, d, nh, l4len);
}

static void
put_icmp_echo(struct frame *f, uint8_t type)
{
	frame_put8(f, type);
	frame_put8(f, 0);
	frame_put16(f, 0);
	frame_put16(f, 0x4242);
	frame_put16(f, 1);
}

enum {
	F_IP4_TCP_SYN_443,
	F_IP4_TCP_ACK_BIG,
	F_IP4_UDP_DNS_Q,
	F_IP4_UDP_DNS_R,
	F_IP4_ICMP,
	F_IP6_TCP_SYN_443,
	F_IP6_UDP_DNS,
	F_IP6_ICMP6,
	F_VLAN100_TCP,
	F_VLAN200_UDP,
	F_ARP,
	F_MSEG_TCP_SYN_443,
	F_IP4_TCP_TRUNC,
	NB_FRAMES
};

static struct frame frames[NB_FRAMES];

static void
build_frames(void)
{
	struct frame *f;

	f = &frames[F_IP4_TCP_SYN_443];
	f->what = "IPv4 TCP SYN 10.0.0.1:40000 > 10.0.0.2:443 from 02:..:01";
	put_eth(f, mac_a, 0, 0x0800);
	put_ip4(f, 6, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 20 + 6);
	frame_tcp(f, 40000, 443, FRAME_TCP_SYN);
	frame_put_fill(f, 6);

	f = &frames[F_IP4_TCP_ACK_BIG];
	f->what = "IPv4 TCP ACK 192.168.1.1:443 > 192.168.1.2:5555, 1254 bytes";
	put_eth(f, mac_c, 0, 0x0800);
	put_ip4(f, 6, IP4(192, 168, 1, 1), IP4(192, 168, 1, 2), 20 + 1200);
	frame_tcp(f, 443, 5555, FRAME_TCP_ACK);
	frame_put_fill(f, 1200);

	f = &frames[F_IP4_UDP_DNS_Q];
	f->what = "IPv4 UDP 10.1.2.3:5353 > 8.8.8.8:53";
	put_eth(f, mac_c, 0, 0x0800);
	put_ip4(f, 17, IP4(10, 1, 2, 3), IP4(8, 8, 8, 8), 8 + 18);
	frame_udp(f, 5353, 53, 18);
	frame_put_fill(f, 18);

	f = &frames[F_IP4_UDP_DNS_R];
	f->what = "IPv4 UDP 8.8.8.8:53 > 10.1.2.3:5353";
	put_eth(f, mac_c, 0, 0x0800);
	put_ip4(f, 17, IP4(8, 8, 8, 8), IP4(10, 1, 2, 3), 8 + 18);
	frame_udp(f, 53, 5353, 18);
	frame_put_fill(f, 18);

	f = &frames[F_IP4_ICMP];
	f->what = "IPv4 ICMP echo 172.16.0.1 > 172.16.0.2";
	put_eth(f, mac_c, 0, 0x0800);
	put_ip4(f, 1, IP4(172, 16, 0, 1), IP4(172, 16, 0, 2), 8 + 18);
	put_icmp_echo(f, 8);
	frame_put_fill(f, 18);

	f = &frames[F_IP6_TCP_SYN_443];
	f->what = "IPv6 TCP SYN [2001:db8::1]:40000 > [2001:db8::2]:443 from 02:..:01";
	put_eth(f, mac_a, 0, 0x86dd);
	put_ip6(f, 6, 1, 2, 20);
	frame_tcp(f, 40000, 443, FRAME_TCP_SYN);

	f = &frames[F_IP6_UDP_DNS];
	f->what = "IPv6 UDP [2001:db8::1]:5353 > [2001:db8::53]:53";
	put_eth(f, mac_c, 0, 0x86dd);
	put_ip6(f, 17, 1, 0x53, 8 + 10);
	frame_udp(f, 5353, 53, 10);
	frame_put_fill(f, 10);

	f = &frames[F_IP6_ICMP6];
	f->what = "IPv6 ICMPv6 echo request 2001:db8::1 > 2001:db8::2";
	put_eth(f, mac_c, 0, 0x86dd);
	put_ip6(f, 58, 1, 2, 8 + 10);
	put_icmp_echo(f, 128);
	frame_put_fill(f, 10);

	f = &frames[F_VLAN100_TCP];
	f->what = "VLAN 100 IPv4 TCP SYN 10.0.0.5:40001 > 10.0.0.6:80";
	put_eth(f, mac_c, 100, 0x0800);
	put_ip4(f, 6, IP4(10, 0, 0, 5), IP4(10, 0, 0, 6), 20);
	frame_tcp(f, 40001, 80, FRAME_TCP_SYN);

	f = &frames[F_VLAN200_UDP];
	f->what = "VLAN 200 IPv4 UDP 10.0.0.7:5353 > 10.0.0.8:53";
	put_eth(f, mac_c, 200, 0x0800);
	put_ip4(f, 17, IP4(10, 0, 0, 7), IP4(10, 0, 0, 8), 8 + 14);
	frame_udp(f, 5353, 53, 14);
	frame_put_fill(f, 14);

	f = &frames[F_ARP];
	f->what = "ARP who-has 10.0.0.2 tell 10.0.0.1 from 02:..:01";
	frame_put_bytes(f, (const uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 6);
	frame_put_bytes(f, mac_a, 6);
	frame_put16(f, 0x0806);
	frame_put16(f, 1);
	frame_put16(f, 0x0800);
	frame_put8(f, 6);
	frame_put8(f, 4);
	frame_put16(f, 1);
	frame_put_bytes(f, mac_a, 6);
	frame_put32(f, IP4(10, 0, 0, 1));
	frame_put_bytes(f, (const uint8_t[6]){ 0 }, 6);
	frame_put32(f, IP4(10, 0, 0, 2));
	frame_put_fill(f, 18);

	f = &frames[F_MSEG_TCP_SYN_443];
	f->what = "2-segment IPv4 TCP SYN 10.9.9.9:40002 > 10.9.9.10:443, TCP in segment 2";
	put_eth(f, mac_c, 0, 0x0800);
	put_ip4(f, 6, IP4(10, 9, 9, 9), IP4(10, 9, 9, 10), 20 + 100);
	f->split = f->len;
	frame_tcp(f, 40002, 443, FRAME_TCP_SYN);
	frame_put_fill(f, 100);

	f = &frames[F_IP4_TCP_TRUNC];
	f->what = "IPv4 TCP 10.0.0.1 > 10.0.0.2 cut after the IP header";
	put_eth(f, mac_c, 0, 0x0800);
	put_ip4(f, 6, IP4(10, 0, 0, 1), IP4(10, 0, 0, 2), 20);
}

#define B(x) (UINT32_C(1) << (x))
#define ALL (B(NB_FRAMES) - 1)

/* Expressions and the frames they match; filter_vs_tcpdump.sh checks these against tcpdump. */
static const struct filter_case {
	const char *expr;
	uint32_t match;
} cases[] = {
	{ "", ALL },
	{ "tcp port 443",
			B(F_IP4_TCP_SYN_443) | B(F_IP4_TCP_ACK_BIG) | B(F_IP6_TCP_SYN_443) |
					B(F_MSEG_TCP_SYN_443) },
	{ "udp and dst port 53", B(F_IP4_UDP_DNS_Q) | B(F_IP6_UDP_DNS) },
	/* `net` also matches ARP's sender and target addresses. */
	{ "net 10.0.0.0/8",
			B(F_IP4_TCP_SYN_443) | B(F_IP4_UDP_DNS_Q) | B(F_IP4_UDP_DNS_R) | B(F_ARP) |
					B(F_MSEG_TCP_SYN_443) | B(F_IP4_TCP_TRUNC) },
	{ "ip",
			B(F_IP4_TCP_SYN_443) | B(F_IP4_TCP_ACK_BIG) | B(F_IP4_UDP_DNS_Q) |
					B(F_IP4_UDP_DNS_R) | B(F_IP4_ICMP) | B(F_MSEG_TCP_SYN_443) |
					B(F_IP4_TCP_TRUNC) },
	{ "ip6", B(F_IP6_TCP_SYN_443) | B(F_IP6_UDP_DNS) | B(F_IP6_ICMP6) },
	{ "not ip",
			B(F_IP6_TCP_SYN_443) | B(F_IP6_UDP_DNS) | B(F_IP6_ICMP6) |
					B(F_VLAN100_TCP) | B(F_VLAN200_UDP) | B(F_ARP) },
	{ "vlan", B(F_VLAN100_TCP) | B(F_VLAN200_UDP) },
	{ "vlan 100 and tcp", B(F_VLAN100_TCP) },
	{ "vlan 200 and udp dst port 53", B(F_VLAN200_UDP) },
	{ "arp", B(F_ARP) },
	{ "icmp or icmp6", B(F_IP4_ICMP) | B(F_IP6_ICMP6) },
	{ "icmp6 and ip6[40] == 128", B(F_IP6_ICMP6) },
	{ "tcp[tcpflags] & tcp-syn != 0", B(F_IP4_TCP_SYN_443) | B(F_MSEG_TCP_SYN_443) },
	/* Byte and word indirect loads (ldb/ld [x + k]): rte_bpf_convert() gets them wrong. */
	{ "tcp[13] == 0x10", B(F_IP4_TCP_ACK_BIG) },
	/* jset with a small constant: DPDK's x86 JIT mis-encodes it (filter.c). */
	{ "ip[6] & 0x40 != 0",
			B(F_IP4_TCP_SYN_443) | B(F_IP4_TCP_ACK_BIG) | B(F_IP4_UDP_DNS_Q) |
					B(F_IP4_UDP_DNS_R) | B(F_IP4_ICMP) | B(F_MSEG_TCP_SYN_443) |
					B(F_IP4_TCP_TRUNC) },
	{ "tcp[4:4] == 1000", B(F_IP4_TCP_SYN_443) | B(F_IP4_TCP_ACK_BIG) | B(F_MSEG_TCP_SYN_443) },
	{ "icmp[icmptype] == icmp-echo", B(F_IP4_ICMP) },
	{ "udp[4:2] == 26", B(F_IP4_UDP_DNS_Q) | B(F_IP4_UDP_DNS_R) },
	{ "len > 1000", B(F_IP4_TCP_ACK_BIG) },
	{ "ether host 02:00:00:00:00:01", B(F_IP4_TCP_SYN_443) | B(F_IP6_TCP_SYN_443) | B(F_ARP) },
	{ "host 10.9.9.10 and tcp dst port 443", B(F_MSEG_TCP_SYN_443) },
	{ "tcp port 443 and net 10.0.0.0/8", B(F_IP4_TCP_SYN_443) | B(F_MSEG_TCP_SYN_443) },
	{ "ip6 and tcp port 443", B(F_IP6_TCP_SYN_443) },
	{ "ether proto 0x0806 or udp src port 53", B(F_ARP) | B(F_IP4_UDP_DNS_R) },
};

/* `test_filter --dump DIR`: the frames as DIR/frames.pcap (record i at i+1 s) and the table as
 * DIR/cases.txt, one "i,j,k<TAB>EXPR" line per case ("-" for no frame). No EAL.
 */
static int
dump(const char *dir)
{
	char path[4096];
	pcap_dumper_t *d;
	unsigned int i, j;
	pcap_t *p;
	FILE *out;

	build_frames();
	p = pcap_open_dead(DLT_EN10MB, 65535);
	snprintf(path, sizeof(path), "%s/frames.pcap", dir);
	d = pcap_dump_open(p, path);
	if (d == NULL) {
		fprintf(stderr, "%s: %s\n", path, pcap_geterr(p));
		return 1;
	}
	for (i = 0; i < NB_FRAMES; i++) {
		struct pcap_pkthdr h = {
			.ts = { .tv_sec = i + 1 },
			.caplen = frames[i].len,
			.len = frames[i].len,
		};

		pcap_dump((u_char *)d, &h, frames[i].b);
	}
	pcap_dump_close(d);
	pcap_close(p);

	snprintf(path, sizeof(path), "%s/cases.txt", dir);
	out = fopen(path, "w");
	if (out == NULL) {
		perror(path);
		return 1;
	}
	for (i = 0; i < RTE_DIM(cases); i++) {
		const char *sep = "";

		if (cases[i].match == 0)
			fprintf(out, "-");
		for (j = 0; j < NB_FRAMES; j++) {
			if (cases[i].match & B(j)) {
				fprintf(out, "%s%u", sep, j);
				sep = ",";
			}
		}
		fprintf(out, "\t%s\n", cases[i].expr);
	}
	return fclose(out) == 0 ? 0 : 1;
}

static struct rte_mbuf *
frame_mbuf(struct rte_mempool *mp, const struct frame *f)
{
	uint32_t first = f->split != 0 ? f->split : f->len;
	struct rte_mbuf *m, *m2;

	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return NULL;
	memcpy(rte_pktmbuf_append(m, first), f->b, first);
	if (first == f->len)
		return m;
	m2 = rte_pktmbuf_alloc(mp);
	if (m2 == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(rte_pktmbuf_append(m2, f->len - first), f->b + first, f->len - first);
	if (rte_pktmbuf_chain(m, m2) != 0) {
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(m2);
		return NULL;
	}
	return m;
}

static void
test_syntax_no_eal(void)
{
	char err[FILTER_ERR_LEN];
	int rc;

	rc = filter_check_syntax("tcp port 443 and net 10.0.0.0/8", err, sizeof(err));
	check(rc == 0, "check_syntax (no EAL): 'tcp port 443 and net 10.0.0.0/8' -> %d", rc);
	rc = filter_check_syntax("", err, sizeof(err));
	check(rc == 0, "check_syntax (no EAL): '' -> %d", rc);
	rc = filter_check_syntax("ip6 protochain 6", err, sizeof(err));
	check(rc == -EINVAL && strstr(err, "protochain") != NULL,
			"check_syntax (no EAL): 'ip6 protochain 6' -> %d \"%s\" (libpcap accepts it, "
			"filter_create() cannot load it: --check must say so)",
			rc, err);
	err[0] = '\0';
	rc = filter_check_syntax("tcp prot 80", err, sizeof(err));
	check(rc == -EINVAL && strstr(err, "syntax error") != NULL,
			"check_syntax (no EAL): 'tcp prot 80' -> %d \"%s\"", rc, err);
	err[0] = '\0';
	rc = filter_check_syntax("host 999.1.1.1", err, sizeof(err));
	check(rc == -EINVAL && strstr(err, "999.1.1.1") != NULL,
			"check_syntax (no EAL): 'host 999.1.1.1' -> %d \"%s\"", rc, err);
	rc = filter_check_syntax(NULL, err, sizeof(err));
	check(rc == -EINVAL, "check_syntax (no EAL): NULL -> %d \"%s\"", rc, err);
	/* A tiny buffer is truncated, never overrun. */
	memset(err, 'x', sizeof(err));
	rc = filter_check_syntax("tcp prot 80", err, 8);
	check(rc == -EINVAL && strlen(err) == 7 && err[8] == 'x',
			"check_syntax: message truncated to the buffer");
	check(filter_check_syntax("tcp prot 80", NULL, 0) == -EINVAL, "check_syntax: err NULL");
}

static void
test_cases(struct rte_mbuf **pkts)
{
	char err[FILTER_ERR_LEN], got_s[64];
	uint64_t jit[NB_FRAMES], itp[NB_FRAMES];
	unsigned int i, j;

	for (i = 0; i < RTE_DIM(cases); i++) {
		const struct filter_case *c = &cases[i];
		uint32_t got_jit = 0, got_itp = 0;
		bool same = true, had_jit;
		struct filter *f;

		err[0] = '\0';
		f = filter_create(c->expr, err, sizeof(err));
		check(f != NULL, "create '%s'%s%s", c->expr, f == NULL ? ": " : "", err);
		if (f == NULL)
			continue;
		had_jit = filter_is_jit(f);
		check(strcmp(filter_expr(f), c->expr) == 0, "filter_expr '%s'", filter_expr(f));
		memset(jit, 0xa5, sizeof(jit));
		memset(itp, 0xa5, sizeof(itp));
		filter_burst(f, pkts, NB_FRAMES, jit);
		filter_set_jit(f, false);
		check(!filter_is_jit(f), "set_jit(false) '%s'", c->expr);
		filter_burst(f, pkts, NB_FRAMES, itp);
		filter_set_jit(f, true);
		check(filter_is_jit(f) == had_jit, "set_jit(true) '%s' restores %s", c->expr,
				had_jit ? "the JIT" : "the interpreter (no JIT)");
		for (j = 0; j < NB_FRAMES; j++) {
			got_jit |= jit[j] != 0 ? B(j) : 0;
			got_itp |= itp[j] != 0 ? B(j) : 0;
			same &= jit[j] == itp[j];
		}
		snprintf(got_s, sizeof(got_s), "%#06" PRIx32, got_jit);
		check(got_jit == c->match, "%-3s '%s': matches %s, expected %#06" PRIx32,
				had_jit ? "jit" : "itp", c->expr, got_s, c->match);
		check(got_itp == c->match, "itp '%s': matches %#06" PRIx32 ", expected %#06" PRIx32,
				c->expr, got_itp, c->match);
		check(same, "'%s': JIT and interpreter return the same values", c->expr);
		if (got_jit != c->match || got_itp != c->match)
			for (j = 0; j < NB_FRAMES; j++)
				if (((got_jit | got_itp) ^ c->match) & B(j))
					printf("     frame %u (%s): jit %" PRIu64 " itp %" PRIu64
					       "\n",
							j, frames[j].what, jit[j], itp[j]);
		filter_free(f);
	}
}

static void
test_errors(void)
{
	static const char *const bad[] = { "tcp prot 80", "host 999.1.1.1", "port 99999",
		"ether host 02:00" };
	char err[FILTER_ERR_LEN], msg[FILTER_ERR_LEN];
	struct filter *f;
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		err[0] = msg[0] = '\0';
		rte_errno = 0;
		f = filter_create(bad[i], err, sizeof(err));
		check(f == NULL && rte_errno == EINVAL && err[0] != '\0',
				"create '%s' -> NULL, rte_errno %d, \"%s\"", bad[i], rte_errno,
				err);
		filter_free(f);
		filter_check_syntax(bad[i], msg, sizeof(msg));
		check(strcmp(err, msg) == 0, "'%s': create and check_syntax say the same", bad[i]);
	}
	/* libpcap accepts protochain, DPDK's verifier refuses its loop: a clear message. */
	err[0] = '\0';
	f = filter_create("ip6 protochain 6", err, sizeof(err));
	check(f == NULL && strstr(err, "protochain") != NULL,
			"create 'ip6 protochain 6' -> NULL \"%s\"", err);
	filter_free(f);
	f = filter_create(NULL, err, sizeof(err));
	check(f == NULL, "create NULL -> NULL \"%s\"", err);
	filter_free(NULL);
	check(true, "filter_free(NULL)");
}

#define BENCH_BURST 32
#define BENCH_ITERS (1u << 20)

static double
bench_one(const struct filter *f, struct rte_mbuf **pkts, uint64_t *nb_match)
{
	uint64_t match[BENCH_BURST], start, cycles, sum = 0;
	unsigned int i, j;

	for (i = 0; i < 1000; i++) /* warm up */
		filter_burst(f, pkts, BENCH_BURST, match);
	start = rte_rdtsc();
	for (i = 0; i < BENCH_ITERS; i++) {
		filter_burst(f, pkts, BENCH_BURST, match);
		for (j = 0; j < BENCH_BURST; j++)
			sum += match[j] != 0;
	}
	cycles = rte_rdtsc() - start;
	*nb_match = sum;
	return (double)cycles / ((double)BENCH_ITERS * BENCH_BURST);
}

/* Cycles per packet of filter_burst() on 32 64-byte IPv4/TCP frames, half of them matching.
 * Printed, never asserted: timing depends on the machine.
 */
static void
bench(struct rte_mempool *mp)
{
	static const char *const expr = "tcp port 443 and net 10.0.0.0/8";
	struct rte_mbuf *pkts[BENCH_BURST];
	char err[FILTER_ERR_LEN];
	double cpp_jit = 0, cpp_itp;
	uint64_t n_jit = 0, n_itp;
	struct filter *f;
	unsigned int i;

	for (i = 0; i < BENCH_BURST; i++) {
		struct frame fr = { .what = "bench" };

		put_eth(&fr, mac_c, 0, 0x0800);
		put_ip4(&fr, 6, IP4(10, 0, 1, i), IP4(10, 0, 2, i), 20 + 6);
		frame_tcp(&fr, 40000 + i, i % 2 == 0 ? 443 : 80, FRAME_TCP_ACK);
		frame_put_fill(&fr, 64 - 4 - fr.len); /* 64 bytes on the wire with the FCS */
		pkts[i] = frame_mbuf(mp, &fr);
		if (pkts[i] == NULL) {
			check(false, "bench: mbuf alloc");
			rte_pktmbuf_free_bulk(pkts, i);
			return;
		}
	}
	f = filter_create(expr, err, sizeof(err));
	check(f != NULL, "bench: create '%s'", expr);
	if (f != NULL) {
		if (filter_is_jit(f))
			cpp_jit = bench_one(f, pkts, &n_jit);
		filter_set_jit(f, false);
		cpp_itp = bench_one(f, pkts, &n_itp);
		printf("bench '%s', %u x %u 64-byte frames (half match):\n", expr, BENCH_ITERS,
				BENCH_BURST);
		if (cpp_jit > 0)
			printf("  jit         %6.1f cycles/pkt\n", cpp_jit);
		else
			printf("  jit         n/a (no JIT on this CPU)\n");
		printf("  interpreter %6.1f cycles/pkt\n", cpp_itp);
		check(n_itp == (uint64_t)BENCH_ITERS * BENCH_BURST / 2 &&
						(cpp_jit == 0 || n_jit == n_itp),
				"bench: half the frames matched (%" PRIu64 ")", n_itp);
		filter_free(f);
	}
	rte_pktmbuf_free_bulk(pkts, BENCH_BURST);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal_argv[] = { argv[0], "--no-huge", "-m", "128", "--no-pci", prefix,
		"--log-level=error", NULL };
	struct rte_mbuf *pkts[NB_FRAMES];
	struct rte_mempool *mp;
	unsigned int i;
	bool no_bench = argc > 1 && strcmp(argv[1], "--no-bench") == 0;

	if (argc == 3 && strcmp(argv[1], "--dump") == 0)
		return dump(argv[2]);

	build_frames();
	test_syntax_no_eal();

	snprintf(prefix, sizeof(prefix), "--file-prefix=ut-filter-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		check(false, "rte_eal_init: %s", rte_strerror(rte_errno));
		goto out;
	}
	mp = rte_pktmbuf_pool_create(
			"ut_filter", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (mp == NULL) {
		check(false, "mbuf pool: %s", rte_strerror(rte_errno));
		goto cleanup;
	}
	for (i = 0; i < NB_FRAMES; i++) {
		pkts[i] = frame_mbuf(mp, &frames[i]);
		if (pkts[i] == NULL) {
			check(false, "mbuf for frame %u", i);
			rte_pktmbuf_free_bulk(pkts, i);
			goto cleanup;
		}
		printf("     frame %2u: %s (%u bytes, %u segment%s)\n", i, frames[i].what,
				rte_pktmbuf_pkt_len(pkts[i]), pkts[i]->nb_segs,
				pkts[i]->nb_segs > 1 ? "s" : "");
	}
	check(pkts[F_MSEG_TCP_SYN_443]->nb_segs == 2 &&
					rte_pktmbuf_data_len(pkts[F_MSEG_TCP_SYN_443]) == 34,
			"frame %u: TCP header in the second segment", F_MSEG_TCP_SYN_443);

	test_cases(pkts);
	test_errors();
	rte_pktmbuf_free_bulk(pkts, NB_FRAMES);
	if (!no_bench)
		bench(mp);
	rte_mempool_free(mp);
cleanup:
	rte_eal_cleanup();
out:
	return unit_done();
}
