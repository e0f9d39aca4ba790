/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_PROBE_REFLECT_H
#define STP_PROBE_REFLECT_H

/**
 * @file
 * The reflector's frame checks and rewrite, the pure part (no EAL: unit-tested and fuzzed on
 * plain buffers). Both reflectors (stampede probes, STAMP Session-Reflector) answer a request in
 * place, in the frame it came in; before they touch it, probe_refl_check() decides whether it
 * may be answered at all:
 *
 *  - every length is checked against the frame before anything is read through it: the IPv4
 *    total length / IPv6 payload length must fit the frame, the UDP length must fit the IP
 *    payload (a UDP length shorter than the IP payload is accepted: the rest is not UDP's);
 *  - the IPv4 header checksum and the UDP checksum are verified (a NIC verdict, when the port
 *    gives one, replaces the computation), an IPv6 UDP checksum of 0 is refused (RFC 8200 8.1);
 *  - only unicast requests are answered: no group MAC (source or destination), no multicast,
 *    broadcast, unspecified or reserved IP address (source or destination), and, when the
 *    reflector has addresses of its own configured, only requests to one of them, so that the
 *    reply leaves from it (addresses and MACs are swapped);
 *  - a request from a UDP port the reflector serves is refused (two reflectors would answer
 *    each other's answers forever: the ping-pong guard).
 *
 * The per-source rate limit (probe_refl_rl_*) comes next, with state of its own; an
 * authenticated STAMP reflector then checks the request's HMAC (lib/stamp, the costliest check,
 * so last: refused requests do not make the reflector hash at line rate from one source).
 * Checksums are recomputed over the UDP length (pseudo-header length = UDP length), never
 * over the IP payload length: an IPv6 extension header or IPv4 bytes after the datagram are
 * not part of it.
 */

#include <stdbool.h>
#include <stdint.h>

/**
 * Why a request is not answered: (id, drop reason name, description). The names are the
 * pipeline's drop reasons (probe_drops.h lists them in STP_PROBE_DROPS).
 */
#define PROBE_FOREACH_REFL_DROP(_)                                                                \
	_(REFL_BAD_LENGTH, "probe_refl_bad_length",                                               \
			"reflector request: IP or UDP length past the frame or inconsistent")     \
	_(REFL_BAD_IP_CKSUM, "probe_refl_bad_ip_checksum",                                        \
			"reflector request with a bad IPv4 header checksum")                      \
	_(REFL_BAD_UDP_CKSUM, "probe_refl_bad_udp_checksum",                                      \
			"reflector request with a bad UDP checksum")                              \
	_(REFL_ZERO_UDP_CKSUM, "probe_refl_zero_udp6_checksum",                                   \
			"reflector request over IPv6 with a UDP checksum of 0 (RFC 8200)")        \
	_(REFL_NOT_UNICAST, "probe_refl_not_unicast",                                             \
			"reflector request to or from a group MAC or a non-unicast IP address")   \
	_(REFL_NOT_LOCAL, "probe_refl_not_local",                                                 \
			"reflector request to an address not in probe_rx.addresses")              \
	_(REFL_SRC_PORT, "probe_refl_from_reflector_port",                                        \
			"reflector request from a port in probe_rx.refuse_src_ports (ping-pong)") \
	_(REFL_RATE_LIMIT, "probe_refl_rate_limited",                                             \
			"reflector request over its source's probe_rx.rate_limit_pps")            \
	_(REFL_AUTH_MISSING, "probe_refl_auth_missing",                                           \
			"STAMP request to an authenticated reflector without an HMAC")            \
	_(REFL_AUTH_BAD, "probe_refl_auth_bad",                                                   \
			"STAMP request whose HMAC does not match probe_rx.stamp_key_file's key")

/** probe_refl_check() results: 0 = answer it, else the reason (in list order, from 1). */
enum probe_refl_rc {
	PROBE_REFL_OK = 0,
#define PROBE_REFL_ENUM(id, name, desc) PROBE_##id,
	PROBE_FOREACH_REFL_DROP(PROBE_REFL_ENUM)
#undef PROBE_REFL_ENUM
	PROBE_REFL_MAX
};

/** Name of a refusal ("probe_refl_bad_length", ...), "ok" for PROBE_REFL_OK. */
const char *probe_refl_name(enum probe_refl_rc rc);

#define PROBE_REFL_MAX_ADDR 8  /**< most own addresses (probe_rx.addresses) */
#define PROBE_REFL_MAX_GUARD 8 /**< most refused source ports (probe_rx.refuse_src_ports) */

/** A NIC's checksum verdict for one header (from RTE_MBUF_F_RX_*_CKSUM_*). */
enum probe_refl_ck {
	PROBE_CK_UNKNOWN = 0, /**< not checked by the NIC: verify in software */
	PROBE_CK_GOOD,
	PROBE_CK_BAD,
};

/** What the reflector accepts (built once from the config, read-only after). */
struct probe_refl_cfg {
	uint8_t nb_addr4, nb_addr6; /**< own addresses; none of either: any unicast address */
	uint32_t addr4[PROBE_REFL_MAX_ADDR];	/**< network order */
	uint8_t addr6[PROBE_REFL_MAX_ADDR][16]; /**< network order */
	uint8_t nb_guard;
	uint16_t guard_port[PROBE_REFL_MAX_GUARD]; /**< network order */
};

/** Where a request sits in its frame (the parser's offsets) and what the checks found. */
struct probe_refl_req {
	/* In: from the parser (lib/pkt). */
	uint8_t ipv6;	 /**< 0 IPv4, 1 IPv6 */
	bool truncated;	 /**< the parser flagged a header cut short (PKT_F_*_TRUNC) */
	uint16_t l3_off; /**< IP header offset */
	uint16_t l4_off; /**< UDP header offset (after IPv6 extension headers) */
	uint8_t ck_ip;	 /**< enum probe_refl_ck of the IPv4 header */
	uint8_t ck_l4;	 /**< enum probe_refl_ck of the UDP checksum */
	/* Out (PROBE_REFL_OK): the UDP datagram. */
	uint16_t udp_len; /**< UDP length field, header included, within the frame */
	uint32_t payload_off, payload_len; /**< UDP payload in the frame */
};

/**
 * Decide whether the request in @p frame (@p len bytes) may be answered. Reads nothing past
 * @p len, writes nothing. @p r's input fields must be set (l4_off + 8 <= len is not assumed:
 * it is checked). Returns PROBE_REFL_OK with r->udp_len, payload_off and payload_len set, or
 * the reason.
 */
enum probe_refl_rc probe_refl_check(const uint8_t *frame, uint32_t len,
		const struct probe_refl_cfg *c, struct probe_refl_req *r);

/**
 * Turn a checked request around in place: MACs, IP addresses and UDP ports swapped, so that
 * the reply leaves from the address and MAC it was sent to. The caller then writes its payload
 * (stamps) and calls probe_refl_finish().
 */
void probe_refl_turn(uint8_t *frame, const struct probe_refl_req *r);

/**
 * Set the reply's TTL / hop limit (@p ttl, or keep it when @p ttl is 0), the IPv4 header
 * checksum, and the UDP checksum over the UDP length (an IPv4 request without a UDP checksum
 * gets none; IPv6 always gets one).
 */
void probe_refl_finish(uint8_t *frame, const struct probe_refl_req *r, uint8_t ttl);

/** The TTL (IPv4) or hop limit (IPv6) of a checked request. */
uint8_t probe_refl_ttl(const uint8_t *frame, const struct probe_refl_req *r);

/**
 * The UDP checksum a datagram of @p r should carry (0xffff for a sum of 0), computed over
 * r->udp_len bytes with the checksum field taken as 0.
 */
uint16_t probe_refl_udp_cksum(const uint8_t *frame, const struct probe_refl_req *r);

/* ---------------------------------------------------------------------------------------------- */
/* Per-source rate limit */

#define PROBE_REFL_RL_BUCKETS 1024 /**< token buckets per worker (a power of 2) */

/**
 * Token buckets, one per hash of the source address: sources that share a bucket share its
 * rate (stricter, never looser: a new source cannot reset another's bucket). Single writer.
 */
struct probe_refl_rl {
	uint64_t rate;	  /**< answers per second per bucket; 0 = no limit */
	uint64_t cap;	  /**< bucket size, in tokens of 10^9 (burst answers x 10^9) */
	uint64_t fill_ns; /**< ns from empty to full */
	struct {
		uint64_t tokens; /**< answers x 10^9 */
		uint64_t last_ns;
	} b[PROBE_REFL_RL_BUCKETS];
};

/** Set up @p t for @p rate answers/s per source (0: unlimited) and bursts of @p burst (>= 1). */
void probe_refl_rl_init(struct probe_refl_rl *t, uint64_t rate, uint32_t burst);

/** Bucket index of a source address (@p alen 4 or 16 bytes, network order). */
uint32_t probe_refl_rl_key(const uint8_t *addr, unsigned int alen);

/**
 * Take one answer from bucket @p key at time @p now_ns: true when allowed. Time going backwards
 * (stamps from several sources) adds no tokens.
 */
bool probe_refl_rl_take(struct probe_refl_rl *t, uint32_t key, uint64_t now_ns);

#endif /* STP_PROBE_REFLECT_H */
