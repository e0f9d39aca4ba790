/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * libFuzzer target: pkt_parse_buf() on the input as one frame.
 *
 * Besides "no crash, no read past the frame" (ASan: libFuzzer's input buffer has exactly the
 * input's length), it checks what the parser promises to the stages after it:
 *  - a frame shorter than an Ethernet header is -EINVAL, anything else 0;
 *  - l3_off is 14 + 4 per VLAN tag (at most PKT_MAX_VLAN; a deeper stack is flagged and stops
 *    the parse), within the frame; a non-zero l4_off is past l3_off, within
 *    the frame, and leaves room for the whole fixed header of TCP, UDP, SCTP and ICMP;
 *  - the fields the parser does not own (timestamp, out_port, orig_len) are left alone;
 *  - the hash is symmetric: the same frame with the MAC addresses, the IP (or ARP) addresses and
 *    the L4 ports swapped parses to the same metadata and the same flow_hash.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "fuzz.h"
#include "pkt.h"

/* Offsets are 16 bits: the parser is fed frames up to the largest MTU, far below this. */
#define FUZZ_PKT_MAX_LEN 65535

#define FUZZ_IPPROTO_UDPLITE 136

static void
swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

/* Minimum header length at l4_off for the protocols whose header size the parser knows. */
static uint32_t
l4_min_len(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 20;
	case IPPROTO_UDP:
	case FUZZ_IPPROTO_UDPLITE:
	case IPPROTO_ICMP:
		return 8;
	case IPPROTO_SCTP:
		return 12;
	case IPPROTO_ICMPV6:
		return 4;
	default:
		return 1;
	}
}

static bool
l4_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == FUZZ_IPPROTO_UDPLITE ||
			proto == IPPROTO_SCTP;
}

static void
check_offsets(const struct pkt_meta *m, uint32_t len)
{
	FUZZ_ASSERT(m->nb_vlan <= PKT_MAX_VLAN);
	FUZZ_ASSERT(m->l3_off == 14 + 4 * m->nb_vlan);
	FUZZ_ASSERT(m->l3_off <= len);
	/* Too deep a VLAN stack: all PKT_MAX_VLAN tags counted, nothing past them parsed. */
	if (m->flags & PKT_F_VLAN_DEEP)
		FUZZ_ASSERT(m->nb_vlan == PKT_MAX_VLAN && m->l3_type == PKT_L3_OTHER &&
				m->l4_off == 0);
	if (m->flags & PKT_F_FRAG)
		FUZZ_ASSERT(m->l3_type == PKT_L3_IPV4 || m->l3_type == PKT_L3_IPV6);
	if (m->l4_off != 0) {
		FUZZ_ASSERT(m->l3_type == PKT_L3_IPV4 || m->l3_type == PKT_L3_IPV6);
		FUZZ_ASSERT(m->l4_off > m->l3_off);
		FUZZ_ASSERT((uint32_t)m->l4_off + l4_min_len(m->l4_proto) <= len);
	}
}

/*
 * The frame as the other direction of the same flow would send it. Returns false when the parse
 * used ports that it did not record a header for (an L4 header cut short after its ports): there
 * is no offset to swap them at, so the check is skipped.
 */
static bool
reverse_frame(uint8_t *f, uint32_t len, const struct pkt_meta *m)
{
	uint8_t *l3 = f + m->l3_off;
	uint32_t avail = len - m->l3_off;

	if ((m->flags & PKT_F_L4_TRUNC) && l4_has_ports(m->l4_proto))
		return false;
	swap_bytes(f, f + 6, 6);
	switch (m->l3_type) {
	case PKT_L3_IPV4:
		if (avail >= 20)
			swap_bytes(l3 + 12, l3 + 16, 4);
		break;
	case PKT_L3_IPV6:
		if (avail >= 40)
			swap_bytes(l3 + 8, l3 + 24, 16);
		break;
	case PKT_L3_ARP:
		/* Sender and target protocol addresses of Ethernet/IPv4 ARP. */
		if (!(m->flags & PKT_F_L3_TRUNC))
			swap_bytes(l3 + 14, l3 + 24, 4);
		break;
	default:
		break;
	}
	if (m->l4_off != 0 && l4_has_ports(m->l4_proto))
		swap_bytes(f + m->l4_off, f + m->l4_off + 2, 2);
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_meta m, mr;
	uint8_t *rev;
	int rc;

	if (size > FUZZ_PKT_MAX_LEN)
		return -1; /* not added to the corpus */

	/* Fields the parser must not touch carry a pattern. */
	memset(&m, 0xa5, sizeof(m));
	rc = pkt_parse_buf(data, (uint32_t)size, &m);
	FUZZ_ASSERT(m.ts_ns == 0xa5a5a5a5a5a5a5a5ull && m.out_port == 0xa5a5 && m.ts_src == 0xa5 &&
			m.orig_len == 0xa5a5);
	if (size < 14) {
		FUZZ_ASSERT(rc == -EINVAL);
		return 0;
	}
	FUZZ_ASSERT(rc == 0);
	check_offsets(&m, (uint32_t)size);

	/* The reversed frame, in a buffer of exactly the frame's length. */
	rev = malloc(size);
	FUZZ_ASSERT(rev != NULL);
	memcpy(rev, data, size);
	if (reverse_frame(rev, (uint32_t)size, &m)) {
		memset(&mr, 0xa5, sizeof(mr));
		rc = pkt_parse_buf(rev, (uint32_t)size, &mr);
		FUZZ_ASSERT(rc == 0);
		FUZZ_ASSERT(mr.l3_type == m.l3_type && mr.nb_vlan == m.nb_vlan &&
				mr.flags == m.flags && mr.l3_off == m.l3_off &&
				mr.l4_off == m.l4_off && mr.l4_proto == m.l4_proto);
		if (mr.flow_hash != m.flow_hash) {
			fprintf(stderr, "fuzz_pkt: flow_hash %#x one way, %#x the other\n",
					m.flow_hash, mr.flow_hash);
			abort();
		}
	}
	free(rev);
	return 0;
}
