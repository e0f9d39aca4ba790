/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_TEST_FRAMES_H
#define STP_TEST_FRAMES_H

/*
 * The unit tests' frame builders: a frame grows by appending network-order fields, and the
 * usual headers are written from their RFC layouts here. Everything is written byte by byte
 * and the checksums are RFC 1071 written out, on purpose independent of lib/bytes and of the
 * checksum code under test, so that a byte-order or checksum bug there cannot cancel out.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** Bytes a frame holds (a 1500-byte datagram with its headers fits). */
#define FRAME_MAX 2048

/** A frame being built: @p len bytes of @p b so far. */
struct frame {
	const char *what; /* what the frame is, for the test's check() lines */
	uint8_t b[FRAME_MAX];
	uint32_t len;
	uint32_t split; /* != 0: a test makes a two-segment mbuf, first segment this long */
};

/* Big-endian fields at a pointer, byte by byte. */
static inline void
frame_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t
frame_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
frame_wr32(uint8_t *p, uint32_t v)
{
	frame_wr16(p, (uint16_t)(v >> 16));
	frame_wr16(p + 2, (uint16_t)v);
}

static inline uint32_t
frame_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
frame_rd64(const uint8_t *p)
{
	return (uint64_t)frame_rd32(p) << 32 | frame_rd32(p + 4);
}

/* A little-endian 32-bit field (pcap file headers, an Ethernet FCS). */
static inline void
frame_wr32_le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* RFC 1071, the plain way: 16-bit big-endian words, an odd byte padded, added to @p s. */
static inline uint32_t
frame_sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	return s;
}

/* The checksum of sum @p s: end-around carries folded in, then complemented. */
static inline uint16_t
frame_csum(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Appending. */
static inline void
frame_put8(struct frame *f, uint8_t v)
{
	f->b[f->len++] = v;
}

static inline void
frame_put16(struct frame *f, uint16_t v)
{
	frame_put8(f, (uint8_t)(v >> 8));
	frame_put8(f, (uint8_t)v);
}

static inline void
frame_put32(struct frame *f, uint32_t v)
{
	frame_put16(f, (uint16_t)(v >> 16));
	frame_put16(f, (uint16_t)v);
}

static inline void
frame_put_bytes(struct frame *f, const uint8_t *p, uint32_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static inline void
frame_put_zero(struct frame *f, uint32_t n)
{
	memset(f->b + f->len, 0, n);
	f->len += n;
}

/* @p n bytes 0, 1, 2, ... (a payload a test can tell from zeroes). */
static inline void
frame_put_fill(struct frame *f, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		frame_put8(f, (uint8_t)i);
}

/* Headers. */

/* Start the frame over with an Ethernet header (no VLAN tag). */
static inline void
frame_eth(struct frame *f, const uint8_t *dst, const uint8_t *src, uint16_t ethertype)
{
	f->len = 0;
	frame_put_bytes(f, dst, 6);
	frame_put_bytes(f, src, 6);
	frame_put16(f, ethertype);
}

/*
 * IPv4 without options, @p l4len bytes to follow, flags and fragment offset @p frag, id 0x1234,
 * TTL 64, a valid header checksum; addresses as 4 bytes.
 */
static inline void
frame_ipv4(struct frame *f, const uint8_t *src, const uint8_t *dst, uint8_t proto, uint16_t l4len,
		uint16_t frag)
{
	uint32_t start = f->len;

	frame_put8(f, 0x45);
	frame_put8(f, 0);
	frame_put16(f, (uint16_t)(20 + l4len));
	frame_put16(f, 0x1234);
	frame_put16(f, frag);
	frame_put8(f, 64);
	frame_put8(f, proto);
	frame_put16(f, 0);
	frame_put_bytes(f, src, 4);
	frame_put_bytes(f, dst, 4);
	frame_wr16(f->b + start + 10, frame_csum(frame_sum16(0, f->b + start, 20)));
}

/* IPv6 (traffic class and flow label 0, hop limit 64), @p plen bytes of payload to follow. */
static inline void
frame_ipv6(struct frame *f, const uint8_t *src, const uint8_t *dst, uint8_t next_hdr, uint16_t plen)
{
	frame_put32(f, 0x60000000);
	frame_put16(f, plen);
	frame_put8(f, next_hdr);
	frame_put8(f, 64);
	frame_put_bytes(f, src, 16);
	frame_put_bytes(f, dst, 16);
}

/* A UDP header for @p paylen bytes of payload (checksum 0: none); the payload is the caller's. */
static inline void
frame_udp(struct frame *f, uint16_t sport, uint16_t dport, uint16_t paylen)
{
	frame_put16(f, sport);
	frame_put16(f, dport);
	frame_put16(f, (uint16_t)(8 + paylen));
	frame_put16(f, 0);
}

#define FRAME_TCP_SYN 0x02
#define FRAME_TCP_ACK 0x10

/*
 * A 20-byte TCP header with @p flags: sequence 1000, acknowledgement 2000 when ACK is set,
 * window 65535, checksum 0 (no test here checks it).
 */
static inline void
frame_tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t flags)
{
	frame_put16(f, sport);
	frame_put16(f, dport);
	frame_put32(f, 1000);
	frame_put32(f, flags & FRAME_TCP_ACK ? 2000 : 0);
	frame_put8(f, 5 << 4);
	frame_put8(f, flags);
	frame_put16(f, 65535);
	frame_put16(f, 0);
	frame_put16(f, 0);
}

#endif /* STP_TEST_FRAMES_H */
