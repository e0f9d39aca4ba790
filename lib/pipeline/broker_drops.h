/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_BROKER_DROPS_H
#define STP_BROKER_DROPS_H

/**
 * @file
 * Drop reasons of the broker feature (stage_broker.c): malformed or unusable stampede
 * datagrams at a relay or collector (lib/encap/README.md).
 * (id, name, description): drops.h puts them in the one list every view shows.
 */

#define STP_BROKER_DROPS(_)                                                                       \
	_(SPH_TRUNCATED, "sph_truncated", "stampede header cut short")                            \
	_(SPH_BAD_MAGIC, "sph_bad_magic", "stampede datagram without the stampede magic")         \
	_(SPH_BAD_VERSION, "sph_bad_version", "stampede header of an unknown version")            \
	_(SPH_BAD_HDR_LEN, "sph_bad_hdr_len", "stampede header length out of range")              \
	_(SPH_BAD_LENGTH, "sph_bad_length", "stampede lengths past the frame or inconsistent")    \
	_(SPH_BAD_TLV, "sph_bad_tlv", "malformed stampede TLV")                                   \
	_(SPH_DUPLICATE, "sph_duplicate", "a stampede fragment or frame received twice")          \
	_(SPH_REASM_TIMEOUT, "sph_reasm_timeout", "stampede fragment of a frame never completed") \
	_(SPH_REASM_FULL, "sph_reasm_full", "stampede fragment evicted: reassembly table full")   \
	_(SPH_NO_MBUF, "sph_no_mbuf", "no mbuf for a frame decapsulated from a stampede datagram")

#endif /* STP_BROKER_DROPS_H */
