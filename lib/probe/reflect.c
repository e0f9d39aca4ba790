/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The reflector's checks and in-place rewrite (see reflect.h). Every read goes through an
 * offset checked against the frame length first; the order of the checks is: lengths (nothing
 * else can be read safely before), addresses and ports (cheap, and what an attacker varies),
 * then checksums (a pass over the datagram).
 */

#include <string.h>

#include "probe.h"
#include "reflect.h"
#include "bytes.h"

#define ETH_HLEN 14
#define IP4_HLEN 20
#define IP6_HLEN 40
#define UDP_HLEN 8

static const char *const refl_names[PROBE_REFL_MAX] = { [PROBE_REFL_OK] = "ok",
#define PROBE_REFL_NAME(id, name, desc) [PROBE_##id] = name,
	PROBE_FOREACH_REFL_DROP(PROBE_REFL_NAME)
#undef PROBE_REFL_NAME
};

const char *
probe_refl_name(enum probe_refl_rc rc)
{
	return (unsigned int)rc < PROBE_REFL_MAX ? refl_names[rc] : "unknown";
}

/* A unicast IPv4 address a reflector may answer from or to (network order bytes). */
static bool
v4_unicast(const uint8_t *a)
{
	/* 0.0.0.0/8 (this network), 224.0.0.0/4 multicast, 240.0.0.0/4 reserved and the limited
	 * broadcast 255.255.255.255 (inside 240/4). A subnet's directed broadcast is not
	 * recognisable without its prefix: it comes with a group MAC, refused below, or is not
	 * in probe_rx.addresses. */
	return a[0] != 0 && a[0] < 224;
}

static bool
v6_unicast(const uint8_t *a)
{
	static const uint8_t zero[16];

	/* ff00::/8 multicast, :: unspecified. */
	return a[0] != 0xff && memcmp(a, zero, 16) != 0;
}

/* The UDP datagram's one's complement sum with its pseudo-header, checksum field included. */
static uint32_t
udp_sum(const uint8_t *frame, const struct probe_refl_req *r)
{
	const uint8_t *ip = frame + r->l3_off;
	uint32_t sum;

	if (r->ipv6)
		sum = probe_csum_add(0, ip + 8, 32);
	else
		sum = probe_csum_add(0, ip + 12, 8);
	/* Upper-layer length (the UDP length: not the IP payload length) and protocol. */
	sum += r->udp_len + 17;
	return probe_csum_add(sum, frame + r->l4_off, r->udp_len);
}

static inline uint16_t
fold16(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

enum probe_refl_rc
probe_refl_check(const uint8_t *frame, uint32_t len, const struct probe_refl_cfg *c,
		struct probe_refl_req *r)
{
	const uint8_t *ip, *udp, *src, *dst;
	uint32_t ip_end, alen;
	uint16_t ulen;
	bool local;

	r->udp_len = 0;
	r->payload_off = 0;
	r->payload_len = 0;
	if (r->truncated || len < ETH_HLEN || r->l3_off < ETH_HLEN || r->l4_off <= r->l3_off)
		return PROBE_REFL_BAD_LENGTH;
	/* Lengths first: nothing is read through a length before it is checked. */
	if (!r->ipv6) {
		uint32_t hlen, tot;

		if ((uint32_t)r->l3_off + IP4_HLEN > len)
			return PROBE_REFL_BAD_LENGTH;
		ip = frame + r->l3_off;
		hlen = (uint32_t)(ip[0] & 0x0f) * 4;
		tot = bytes_get_be16(ip + 2);
		if ((ip[0] >> 4) != 4 || hlen < IP4_HLEN ||
				(uint32_t)r->l3_off + hlen != r->l4_off || tot < hlen + UDP_HLEN ||
				(uint32_t)r->l3_off + tot > len)
			return PROBE_REFL_BAD_LENGTH;
		/* Fragments never reach here (the stage passes them on), but be sure. */
		if (bytes_get_be16(ip + 6) & 0x3fff)
			return PROBE_REFL_BAD_LENGTH;
		ip_end = r->l3_off + tot;
		src = ip + 12;
		dst = ip + 16;
		alen = 4;
	} else {
		uint32_t plen;

		if ((uint32_t)r->l3_off + IP6_HLEN > len)
			return PROBE_REFL_BAD_LENGTH;
		ip = frame + r->l3_off;
		plen = bytes_get_be16(ip + 4);
		/* A jumbogram (payload length 0) is not a probe. */
		if ((ip[0] >> 4) != 6 || plen == 0 || (uint32_t)r->l3_off + IP6_HLEN + plen > len ||
				r->l4_off < r->l3_off + IP6_HLEN)
			return PROBE_REFL_BAD_LENGTH;
		ip_end = r->l3_off + IP6_HLEN + plen;
		src = ip + 8;
		dst = ip + 24;
		alen = 16;
	}
	if ((uint32_t)r->l4_off + UDP_HLEN > ip_end)
		return PROBE_REFL_BAD_LENGTH;
	udp = frame + r->l4_off;
	ulen = bytes_get_be16(udp + 4);
	if (ulen < UDP_HLEN || (uint32_t)r->l4_off + ulen > ip_end)
		return PROBE_REFL_BAD_LENGTH;
	r->udp_len = ulen;
	r->payload_off = (uint32_t)r->l4_off + UDP_HLEN;
	r->payload_len = ulen - UDP_HLEN;

	/* Unicast only, both ways: a reply must neither go to nor come from a group. */
	if ((frame[0] & 1) || (frame[6] & 1))
		return PROBE_REFL_NOT_UNICAST;
	if (alen == 4 ? !v4_unicast(src) || !v4_unicast(dst) : !v6_unicast(src) || !v6_unicast(dst))
		return PROBE_REFL_NOT_UNICAST;
	if (c->nb_addr4 + c->nb_addr6 > 0) {
		local = false;
		if (alen == 4) {
			for (unsigned int i = 0; i < c->nb_addr4 && !local; i++)
				local = memcmp(dst, &c->addr4[i], 4) == 0;
		} else {
			for (unsigned int i = 0; i < c->nb_addr6 && !local; i++)
				local = memcmp(dst, c->addr6[i], 16) == 0;
		}
		if (!local)
			return PROBE_REFL_NOT_LOCAL;
	}
	for (unsigned int i = 0; i < c->nb_guard; i++) {
		uint16_t sp;

		memcpy(&sp, udp, 2);
		if (sp == c->guard_port[i])
			return PROBE_REFL_SRC_PORT;
	}

	/* Checksums: the NIC's verdict when it gives one. */
	if (!r->ipv6) {
		if (r->ck_ip == PROBE_CK_BAD ||
				(r->ck_ip == PROBE_CK_UNKNOWN &&
						fold16(probe_csum_add(0, ip,
								(uint32_t)(ip[0] & 0x0f) * 4)) !=
								0xffff))
			return PROBE_REFL_BAD_IP_CKSUM;
	} else if (bytes_get_be16(udp + 6) == 0) {
		/* RFC 8200 8.1: a zero UDP checksum over IPv6 is discarded (the RFC 6936
		 * exception is for tunnels, not for test packets). */
		return PROBE_REFL_ZERO_UDP_CKSUM;
	}
	if (r->ck_l4 == PROBE_CK_BAD)
		return PROBE_REFL_BAD_UDP_CKSUM;
	/* IPv4 checksum 0: the sender computed none (RFC 768). */
	if (r->ck_l4 == PROBE_CK_UNKNOWN && bytes_get_be16(udp + 6) != 0 &&
			fold16(udp_sum(frame, r)) != 0xffff)
		return PROBE_REFL_BAD_UDP_CKSUM;
	return PROBE_REFL_OK;
}

void
probe_refl_turn(uint8_t *frame, const struct probe_refl_req *r)
{
	uint8_t *ip = frame + r->l3_off, *udp = frame + r->l4_off, t[16];
	unsigned int a = r->ipv6 ? 8 : 12, n = r->ipv6 ? 16 : 4;

	memcpy(t, frame, 6);
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, t, 6);
	memcpy(t, ip + a, n);
	memcpy(ip + a, ip + a + n, n);
	memcpy(ip + a + n, t, n);
	memcpy(t, udp, 2);
	memcpy(udp, udp + 2, 2);
	memcpy(udp + 2, t, 2);
}

uint8_t
probe_refl_ttl(const uint8_t *frame, const struct probe_refl_req *r)
{
	return frame[r->l3_off + (r->ipv6 ? 7 : 8)];
}

uint16_t
probe_refl_udp_cksum(const uint8_t *frame, const struct probe_refl_req *r)
{
	const uint8_t *udp = frame + r->l4_off;
	uint32_t sum = udp_sum(frame, r);

	/* Take the checksum field out of the sum: the value for a zeroed field. */
	sum += (uint16_t)~bytes_get_be16(udp + 6);
	return probe_csum_fold(sum);
}

void
probe_refl_finish(uint8_t *frame, const struct probe_refl_req *r, uint8_t ttl)
{
	uint8_t *ip = frame + r->l3_off, *udp = frame + r->l4_off;
	uint16_t ck;

	if (!r->ipv6) {
		uint32_t hlen = (uint32_t)(ip[0] & 0x0f) * 4;

		if (ttl != 0)
			ip[8] = ttl;
		ip[10] = 0;
		ip[11] = 0;
		ck = (uint16_t)~fold16(probe_csum_add(0, ip, hlen));
		bytes_put_be16(ip + 10, ck);
		if (bytes_get_be16(udp + 6) == 0)
			return;
	} else if (ttl != 0) {
		ip[7] = ttl;
	}
	udp[6] = 0;
	udp[7] = 0;
	ck = probe_csum_fold(udp_sum(frame, r));
	bytes_put_be16(udp + 6, ck);
}

/* ---------------------------------------------------------------------------------------------- */

#define NS_PER_S UINT64_C(1000000000)

void
probe_refl_rl_init(struct probe_refl_rl *t, uint64_t rate, uint32_t burst)
{
	memset(t, 0, sizeof(*t));
	t->rate = rate;
	if (burst == 0)
		burst = 1;
	t->cap = (uint64_t)burst * NS_PER_S;
	t->fill_ns = rate != 0 ? t->cap / rate + 1 : 0;
	/* Every bucket starts full. */
	for (unsigned int i = 0; i < PROBE_REFL_RL_BUCKETS; i++)
		t->b[i].tokens = t->cap;
}

uint32_t
probe_refl_rl_key(const uint8_t *addr, unsigned int alen)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	/* FNV-1a: cheap, and spreads neighbouring addresses over the buckets. */
	for (unsigned int i = 0; i < alen; i++) {
		h ^= addr[i];
		h *= UINT64_C(0x100000001b3);
	}
	return (uint32_t)(h ^ (h >> 32)) & (PROBE_REFL_RL_BUCKETS - 1);
}

bool
probe_refl_rl_take(struct probe_refl_rl *t, uint32_t key, uint64_t now_ns)
{
	uint64_t tok, dt;

	if (t->rate == 0)
		return true;
	key &= PROBE_REFL_RL_BUCKETS - 1;
	tok = t->b[key].tokens;
	if (now_ns > t->b[key].last_ns) {
		dt = now_ns - t->b[key].last_ns;
		/* Past the time to fill, the bucket is full (and dt * rate cannot overflow). */
		tok = dt >= t->fill_ns ? t->cap : tok + dt * t->rate;
		if (tok > t->cap)
			tok = t->cap;
		t->b[key].last_ns = now_ns;
	} else if (now_ns < t->b[key].last_ns) {
		/*
		 * Time went back (CLOCK_REALTIME stepped back, a stamp of another source or from
		 * the future before): refill from here, adding nothing now. Waiting for the old
		 * time would refuse this source for as long as the step.
		 */
		t->b[key].last_ns = now_ns;
	}
	if (tok < NS_PER_S) {
		t->b[key].tokens = tok;
		return false;
	}
	t->b[key].tokens = tok - NS_PER_S;
	return true;
}
