/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_BROKER_DROPS_H
#define STP_BROKER_DROPS_H

/**
 * @file
 * Drop reasons of the broker feature (stage.c, reliable.c): malformed or unusable
 * stampede datagrams at a relay or collector (lib/encap/README.md), and the refusals of
 * README.md "Security" (allow-list, authentication, sequence and acknowledgement checks): each
 * refusal also notes its source (show nodes, "refused") and logs a rate-limited line.
 * (id, name, description): declared in this folder's meson.build (stp_feature_drops), from
 * which the build puts them in the one list every view shows (lib/pipeline/drops.h).
 */

#define STP_BROKER_DROPS(_)                                                                        \
	_(SPH_TRUNCATED, "sph_truncated", "stampede header cut short")                             \
	_(SPH_BAD_MAGIC, "sph_bad_magic", "stampede datagram without the stampede magic")          \
	_(SPH_BAD_VERSION, "sph_bad_version", "stampede header of an unknown version")             \
	_(SPH_BAD_HDR_LEN, "sph_bad_hdr_len", "stampede header length out of range")               \
	_(SPH_BAD_LENGTH, "sph_bad_length", "stampede lengths past the frame or inconsistent")     \
	_(SPH_BAD_TLV, "sph_bad_tlv", "malformed stampede TLV")                                    \
	_(SPH_DUPLICATE, "sph_duplicate", "a stampede fragment or frame received twice")           \
	_(SPH_REASM_TIMEOUT, "sph_reasm_timeout", "stampede fragment of a frame never completed")  \
	_(SPH_REASM_FULL, "sph_reasm_full", "stampede fragment evicted: reassembly table full")    \
	_(SPH_NO_MBUF, "sph_no_mbuf", "no mbuf for a frame decapsulated from a stampede datagram") \
	_(SPH_AUTH_MISSING, "sph_auth_missing", "stampede datagram not authenticated (node.auth)") \
	_(SPH_AUTH_KEY, "sph_auth_key", "stampede datagram signed with a key id not in node.auth") \
	_(SPH_AUTH_BAD, "sph_auth_bad",                                                            \
			"stampede datagram whose MAC does not match: forged/altered")              \
	_(SPH_PEER_UNKNOWN, "sph_peer_unknown",                                                    \
			"stampede datagram from a node id not in node.peers")                      \
	_(SPH_PEER_ADDRESS, "sph_peer_address", "stampede datagram from a peer id, wrong source")  \
	_(SPH_SRC_QUOTA, "sph_src_quota",                                                          \
			"new stampede source beyond its node's share of the table")                \
	_(SPH_SRC_FULL, "sph_src_full", "new stampede source: the source table is full")           \
	_(SPH_SEQ_JUMP, "sph_seq_jump",                                                            \
			"unauthenticated stampede record too far ahead of its stream")             \
	_(SPH_STALE, "sph_stale",                                                                  \
			"stampede record behind the replay window or numbered past 2^63")          \
	_(SPH_CTRL_SOURCE, "sph_ctrl_source", "acknowledgement not from the output's destination") \
	_(SPH_CTRL_UNSENT, "sph_ctrl_unsent", "acknowledgement naming numbers the edge never sent")

#endif /* STP_BROKER_DROPS_H */
