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
 * memcpy of the field's width and rte_byteorder's conversion, which GCC and clang compile to one
 * load or store and a byte swap (movbe or bswap on x86-64, rev on arm64): inline, as cheap as a
 * hand-written shift-and-or, fit for the datapath. Stores return the position after the field,
 * so a header is written as a chain of puts.
 */

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

/** The big-endian 16-bit field at @p p. */
static inline uint16_t
bytes_get_be16(const void *p)
{
	rte_be16_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_16(v);
}

/** The big-endian 32-bit field at @p p. */
static inline uint32_t
bytes_get_be32(const void *p)
{
	rte_be32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_32(v);
}

/** The big-endian 64-bit field at @p p. */
static inline uint64_t
bytes_get_be64(const void *p)
{
	rte_be64_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_64(v);
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
	rte_be16_t b = rte_cpu_to_be_16(v);

	memcpy(p, &b, sizeof(b));
	return (uint8_t *)p + sizeof(b);
}

/** Store @p v big-endian at @p p; returns @p p + 4. */
static inline uint8_t *
bytes_put_be32(void *p, uint32_t v)
{
	rte_be32_t b = rte_cpu_to_be_32(v);

	memcpy(p, &b, sizeof(b));
	return (uint8_t *)p + sizeof(b);
}

/** Store @p v big-endian at @p p; returns @p p + 8. */
static inline uint8_t *
bytes_put_be64(void *p, uint64_t v)
{
	rte_be64_t b = rte_cpu_to_be_64(v);

	memcpy(p, &b, sizeof(b));
	return (uint8_t *)p + sizeof(b);
}

#endif /* STP_BYTES_H */
