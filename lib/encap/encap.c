/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* Outer headers of ERSPAN III, VXLAN and GRE-TEB tunnels (see encap.h). */

#include <errno.h>
#include <string.h>

#include "encap.h"
#include "bytes.h"

#define ETH_HLEN 14
#define IP4_HLEN 20
#define IP6_HLEN 40
#define NS_PER_S 1000000000ULL

uint16_t
encap_hdr_len(enum encap_type type)
{
	switch (type) {
	case ENCAP_ERSPAN3:
		return ETH_HLEN + IP4_HLEN + 8 + 12 + 8;
	case ENCAP_VXLAN:
		return ETH_HLEN + IP4_HLEN + 8 + 8;
	case ENCAP_SPH_UDP:
		return ETH_HLEN + IP4_HLEN + 8;
	case ENCAP_SPH_ETH:
		return ETH_HLEN;
	case ENCAP_SPH_UDP6:
		return ETH_HLEN + IP6_HLEN + 8;
	case ENCAP_GRE:
	default:
		return ETH_HLEN + IP4_HLEN + 8;
	}
}

uint16_t
encap_ip_csum(const uint8_t *data, uint32_t len)
{
	uint32_t sum = 0;

	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)data[i] << 8 | data[i + 1];
	if (len & 1)
		sum += (uint32_t)data[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Ones' complement sum of @p len bytes added to @p sum, in the host's byte order (RFC 1071:
 * the sum of native 16-bit words is the byte-swapped sum of big-endian ones, so it is stored
 * back without a swap). 32-bit loads into a 64-bit accumulator: ~0.3 cycle/byte.
 */
static uint64_t
csum_add(uint64_t sum, const uint8_t *p, uint32_t len)
{
	uint32_t w;
	uint16_t h = 0;

	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w, p, 4);
		sum += w;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		h = 0;
		memcpy(&h, p, 1); /* the odd byte is the first of a zero-padded word */
		sum += h;
	}
	return sum;
}

static uint16_t
csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Ethernet / IPv6 / UDP with the UDP checksum over the pseudo-header, header and payload. */
static void
build_udp6(const struct encap_tunnel *t, const struct encap_pkt *p, uint8_t *hdr)
{
	uint8_t *ip = hdr + ETH_HLEN, *udp = ip + IP6_HLEN;
	const uint32_t ulen = 8 + p->inner_len;
	uint8_t pseudo[8];
	uint64_t sum;
	uint16_t csum;

	bytes_put_be16(hdr + 12, 0x86DD);
	/* Version 6, traffic class = DSCP << 2, flow label from the hash (RFC 6437). */
	bytes_put_be32(ip, (uint32_t)6 << 28 | (uint32_t)t->dscp << 22 | (p->hash & 0xfffff));
	bytes_put_be16(ip + 4, (uint16_t)ulen);
	ip[6] = 17;
	ip[7] = t->ttl;
	memcpy(ip + 8, t->src_ip6, 16);
	memcpy(ip + 24, t->dst_ip6, 16);
	bytes_put_be16(udp, (uint16_t)(49152 + (p->hash % 16384)));
	bytes_put_be16(udp + 2, t->dst_port);
	bytes_put_be16(udp + 4, (uint16_t)ulen);
	bytes_put_be16(udp + 6, 0);
	/* Pseudo-header: addresses, upper-layer length (32 bits), 3 zeros, next header. */
	bytes_put_be32(pseudo, ulen);
	bytes_put_be32(pseudo + 4, 17);
	sum = csum_add(0, ip + 8, 32);
	sum = csum_add(sum, pseudo, 8);
	sum = csum_add(sum, udp, ulen); /* header (checksum 0) and the payload after it */
	csum = (uint16_t)~csum_fold(sum);
	if (csum == 0)
		csum = 0xffff; /* 0 means "no checksum", which IPv6 does not allow */
	memcpy(udp + 6, &csum, 2);
}

void
encap_build(const struct encap_tunnel *t, const struct encap_pkt *p, uint8_t *hdr)
{
	const uint16_t hlen = encap_hdr_len(t->type);
	uint8_t *ip = hdr + ETH_HLEN, *q;
	uint16_t csum;

	memcpy(hdr, t->dst_mac, 6);
	memcpy(hdr + 6, t->src_mac, 6);
	if (t->type == ENCAP_SPH_ETH) {
		bytes_put_be16(hdr + 12, 0x88B5);
		return;
	}
	if (t->type == ENCAP_SPH_UDP6) {
		build_udp6(t, p, hdr);
		return;
	}
	bytes_put_be16(hdr + 12, 0x0800);

	/* IPv4: DF set, ID 0 (RFC 6864: atomic datagrams need no ID). */
	ip[0] = 0x45;
	ip[1] = (uint8_t)(t->dscp << 2);
	bytes_put_be16(ip + 2, (uint16_t)(hlen - ETH_HLEN + p->inner_len));
	bytes_put_be16(ip + 4, 0);
	bytes_put_be16(ip + 6, 0x4000);
	ip[8] = t->ttl;
	ip[9] = t->type == ENCAP_VXLAN || t->type == ENCAP_SPH_UDP ? 17 : 47;
	bytes_put_be16(ip + 10, 0);
	memcpy(ip + 12, &t->src_ip, 4);
	memcpy(ip + 16, &t->dst_ip, 4);
	csum = encap_ip_csum(ip, IP4_HLEN);
	bytes_put_be16(ip + 10, csum);

	q = ip + IP4_HLEN;
	switch (t->type) {
	case ENCAP_ERSPAN3: {
		uint32_t sec = (uint32_t)(p->ts_ns / NS_PER_S);
		uint32_t ns = (uint32_t)(p->ts_ns % NS_PER_S);

		/* GRE: S bit, protocol 0x22EB, sequence. */
		q = bytes_put_be16(q, 0x1000);
		q = bytes_put_be16(q, 0x22EB);
		q = bytes_put_be32(q, p->seq);
		/* Ver 2, VLAN 0 | COS 0, BSO 0 (good), T, session id. */
		q = bytes_put_be16(q, 0x2000);
		q = bytes_put_be16(q, (uint16_t)((p->truncated ? 0x0400 : 0) | (t->id & 0x3ff)));
		q = bytes_put_be32(q, ns);
		q = bytes_put_be16(q, 0); /* SGT */
		/* P 0, FT 0 (Ethernet), HW ID 0, D 0 (ingress), Gra 2 (IEEE 1588), O 1. */
		q = bytes_put_be16(q, 0x0005);
		/* Platform ID 3: 12 bits reserved, 14-bit port, u32 upper timestamp (seconds). */
		q = bytes_put_be32(q, (uint32_t)3 << 26 | (p->port & 0x3fff));
		bytes_put_be32(q, sec);
		break;
	}
	case ENCAP_VXLAN:
		/* RFC 7348: the source port carries the inner flow's entropy. */
		q = bytes_put_be16(q, (uint16_t)(49152 + (p->hash % 16384)));
		q = bytes_put_be16(q, t->dst_port);
		q = bytes_put_be16(q, (uint16_t)(8 + 8 + p->inner_len));
		q = bytes_put_be16(q, 0);
		q = bytes_put_be32(q, 0x08000000);
		bytes_put_be32(q, (t->id & 0xffffff) << 8);
		break;
	case ENCAP_SPH_UDP:
		/* Source port from a hash: receivers with RSS spread the sources over queues. */
		q = bytes_put_be16(q, (uint16_t)(49152 + (p->hash % 16384)));
		q = bytes_put_be16(q, t->dst_port);
		q = bytes_put_be16(q, (uint16_t)(8 + p->inner_len));
		bytes_put_be16(q, 0);
		break;
	case ENCAP_GRE:
	default:
		q = bytes_put_be16(q, 0x2000);
		q = bytes_put_be16(q, 0x6558);
		bytes_put_be32(q, t->id);
		break;
	}
}

int
encap_tpl_init(struct encap_tpl *tp, const struct encap_tunnel *t, uint32_t hash)
{
	struct encap_pkt p = { .hash = hash };
	uint8_t ip[IP4_HLEN];

	if (t->type != ENCAP_SPH_UDP && t->type != ENCAP_SPH_ETH)
		return -ENOTSUP;
	memset(tp, 0, sizeof(*tp));
	tp->type = t->type;
	encap_build(t, &p, tp->hdr);
	if (t->type == ENCAP_SPH_UDP) {
		/* The sum with length and checksum 0: encap_tpl_put() adds the length. */
		memcpy(ip, tp->hdr + ETH_HLEN, IP4_HLEN);
		memset(ip + 2, 0, 2);
		memset(ip + 10, 0, 2);
		tp->ip_sum = (uint16_t)~encap_ip_csum(ip, IP4_HLEN);
	}
	return 0;
}
