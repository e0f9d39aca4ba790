/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The floor for scripts/bench/stampwire.sh: the least a user-space STAMP Session-Reflector
 * can do between the wire and its stamps. A TPACKET_V2 RX ring on one interface, busy-polled
 * (as DPDK's af_packet PMD polls its ring); T2 = CLOCK_REALTIME read as soon as a frame's
 * status says it is ours; the reply built in place (MACs, IPv4 addresses and UDP ports swapped,
 * RFC 8762 4.3.1 fields, TTL 255, UDP checksum 0), T3 = CLOCK_REALTIME read right before
 * sendto(). IPv4, untagged, stateless; anything else is skipped. Not part of stampede: a
 * measuring stick.
 *
 * Usage: wirefloor IFACE UDP_PORT COUNT   (answers COUNT requests, then exits; root)
 */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NTP_UNIX 2208988800ull

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
put_ntp(uint8_t *p, uint64_t ns)
{
	uint64_t s = ns / 1000000000ull + NTP_UNIX,
		 f = ((ns % 1000000000ull) << 32) / 1000000000ull;
	uint64_t v = s << 32 | f;

	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint16_t
ip_csum(const uint8_t *p, int n)
{
	uint32_t s = 0;

	for (int i = 0; i < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

int
main(int argc, char **argv)
{
	struct tpacket_req req = { .tp_block_size = 1 << 16,
		.tp_block_nr = 64,
		.tp_frame_size = 2048,
		.tp_frame_nr = 64 * 32 };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int ver = TPACKET_V2, fd;
	unsigned int idx = 0, port, count, done = 0;
	uint8_t *ring, out[2048];

	if (argc != 4) {
		fprintf(stderr, "usage: %s IFACE UDP_PORT COUNT\n", argv[0]);
		return 2;
	}
	port = (unsigned int)atoi(argv[2]);
	count = (unsigned int)atoi(argv[3]);
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) != 0 ||
			setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0) {
		perror("wirefloor: socket");
		return 1;
	}
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		perror("wirefloor: bind");
		return 1;
	}
	ring = mmap(NULL, (size_t)req.tp_block_size * req.tp_block_nr, PROT_READ | PROT_WRITE,
			MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		perror("wirefloor: mmap");
		return 1;
	}
	printf("wirefloor: ready on %s port %u\n", argv[1], port);
	fflush(stdout);
	while (done < count) {
		struct tpacket2_hdr *h = (void *)(ring + (size_t)idx * req.tp_frame_size);
		const struct sockaddr_ll *ll = (const void *)((uint8_t *)h +
				TPACKET_ALIGN(sizeof(struct tpacket2_hdr)));
		uint8_t *f, *ip, *udp, *pl;
		uint64_t t2, t3;
		unsigned int len, hl;

		if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			continue; /* busy poll */
		t2 = now_ns();
		f = (uint8_t *)h + h->tp_mac;
		len = h->tp_snaplen;
		if (len > sizeof(out) || len < 14 + 20 + 8 + 44 || h->tp_len != len ||
				f[12] != 0x08 || f[13] != 0 || (f[14] >> 4) != 4 ||
				h->tp_vlan_tci != 0 || ll->sll_pkttype == PACKET_OUTGOING)
			goto next;
		hl = (unsigned int)(f[14] & 15) * 4;
		if (f[14 + 9] != 17 || 14 + hl + 8 + 44 > len)
			goto next;
		udp = f + 14 + hl;
		if ((unsigned int)(udp[2] << 8 | udp[3]) != port)
			goto next;
		memcpy(out, f, len);
		memcpy(out, f + 6, 6);
		memcpy(out + 6, f, 6);
		ip = out + 14;
		memcpy(ip + 12, f + 14 + 16, 4);
		memcpy(ip + 16, f + 14 + 12, 4);
		ip[8] = 255;
		ip[10] = ip[11] = 0;
		{
			uint16_t c = ip_csum(ip, (int)hl);

			ip[10] = (uint8_t)(c >> 8);
			ip[11] = (uint8_t)c;
		}
		udp = ip + hl;
		memcpy(udp, f + 14 + hl + 2, 2);
		memcpy(udp + 2, f + 14 + hl, 2);
		udp[6] = udp[7] = 0;
		pl = udp + 8;
		/* RFC 8762 4.3.1 from the request's 4.2.1 fields (in f). */
		{
			const uint8_t *rq = f + 14 + hl + 8;

			memcpy(pl + 0, rq, 4);	    /* sequence (stateless: echoed) */
			memcpy(pl + 24, rq, 4);	    /* sender sequence */
			memcpy(pl + 28, rq + 4, 8); /* T1 */
			memcpy(pl + 36, rq + 12, 2);
			pl[12] = 0;
			pl[13] = 1; /* error estimate: multiplier 1 */
			memcpy(pl + 14, rq + 14, 2);
			pl[38] = pl[39] = 0;
			pl[40] = f[14 + 8]; /* the TTL it arrived with */
			pl[41] = pl[42] = pl[43] = 0;
			put_ntp(pl + 16, t2);
			t3 = now_ns();
			put_ntp(pl + 4, t3);
		}
		if (send(fd, out, len, 0) < 0)
			perror("wirefloor: send");
		done++;
next:
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		idx = (idx + 1) % req.tp_frame_nr;
	}
	printf("wirefloor: answered %u\n", done);
	return 0;
}
