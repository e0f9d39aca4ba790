/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_BYTES_H
#define STP_BYTES_H

/**
 * @file
 * Big-endian (network order) fields at any offset of a buffer: the one set of loads and stores
 * that the packet, tunnel, stampede-header, STAMP, probe, trailer and TCP RTT code share (and
 * the one little-endian field of a frame, its FCS).
 *
 * Header fields sit at any alignment in a frame (after a 14-byte Ethernet header, after VLAN
 * tags, after a 42-byte UDP header): a cast to uint32_t * there is undefined. Each helper is a
 * memcpy of the field's width and a byte swap, which GCC and clang compile to one load or store
 * and a bswap / movbe on x86-64 (rev on arm64): inline, fit for the datapath. The swap is the
 * compiler's builtin rather than rte_byteorder's: on x86 DPDK 22.11 swaps non-constant values
 * with inline asm, which GCC kept out of line in the TCP RTT stage (a call per field, ~10
 * instr/pkt on scripts/bench/tcprtt.sh -g). Stores return the position after the field, so a
 * header is written as a chain of puts.
 */

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_branch_prediction.h>
#include <rte_memcpy.h>

#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
#define BYTES_BE16(x) __builtin_bswap16(x)
#define BYTES_BE32(x) __builtin_bswap32(x)
#define BYTES_BE64(x) __builtin_bswap64(x)
#else
#define BYTES_BE16(x) (x)
#define BYTES_BE32(x) (x)
#define BYTES_BE64(x) (x)
#endif

/** The big-endian 16-bit field at @p p. */
static inline uint16_t
bytes_get_be16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return BYTES_BE16(v);
}

/** The big-endian 32-bit field at @p p. */
static inline uint32_t
bytes_get_be32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return BYTES_BE32(v);
}

/** The big-endian 64-bit field at @p p. */
static inline uint64_t
bytes_get_be64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return BYTES_BE64(v);
}

/** The little-endian 32-bit field at @p p (an Ethernet FCS: sent least significant byte first). */
static inline uint32_t
bytes_get_le32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_le_to_cpu_32(v);
}

/** Store @p v big-endian at @p p; returns @p p + 2. */
static inline uint8_t *
bytes_put_be16(void *p, uint16_t v)
{
	uint16_t b = BYTES_BE16(v);

	memcpy(p, &b, sizeof(b));
	return (uint8_t *)p + sizeof(b);
}

/** Store @p v big-endian at @p p; returns @p p + 4. */
static inline uint8_t *
bytes_put_be32(void *p, uint32_t v)
{
	uint32_t b = BYTES_BE32(v);

	memcpy(p, &b, sizeof(b));
	return (uint8_t *)p + sizeof(b);
}

/** Store @p v big-endian at @p p; returns @p p + 8. */
static inline uint8_t *
bytes_put_be64(void *p, uint64_t v)
{
	uint64_t b = BYTES_BE64(v);

	memcpy(p, &b, sizeof(b));
	return (uint8_t *)p + sizeof(b);
}

/**
 * Copy @p n bytes of a frame: up to 128 with two fixed-size copies that overlap in the middle
 * (the first and the last 16, 32 or 64 bytes), which the compiler makes a few vector moves,
 * instead of rte_memcpy()'s size dispatch; longer ones by rte_memcpy(). Reads and writes only
 * the n bytes. For the copies of small frames on the datapath (a broker edge's records, a
 * pcapng writer's blocks).
 */
static inline void
bytes_copy(void *dst, const void *src, uint32_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (likely(n > 32 && n <= 64)) {
		memcpy(d, s, 32);
		memcpy(d + n - 32, s + n - 32, 32);
	} else if (n > 64 && n <= 128) {
		memcpy(d, s, 64);
		memcpy(d + n - 64, s + n - 64, 64);
	} else if (n >= 16 && n <= 32) {
		memcpy(d, s, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else {
		rte_memcpy(d, s, n);
	}
}

#endif /* STP_BYTES_H */
