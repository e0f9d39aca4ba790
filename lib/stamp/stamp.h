/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_STAMP_H
#define STP_STAMP_H

/**
 * @file
 * STAMP, the Simple Two-way Active Measurement Protocol (RFC 8762), unauthenticated and
 * authenticated modes: the test packets' UDP payloads, their timestamps and the measurement they
 * give. Pure code, no EAL: the probe stages call it on a packet's UDP payload, and it is
 * unit-tested and fuzzed alone. The authenticated mode's HMAC is OpenSSL's (libcrypto).
 *
 * Session-Sender test packet (RFC 8762 4.2.1), 44 bytes, network byte order:
 *
 *     0  Sequence Number (4)
 *     4  Timestamp T1 (8)
 *    12  Error Estimate (2)
 *    14  MBZ (30): the first 2 bytes are the SSID of RFC 8972 (0 without it)
 *
 * Session-Reflector test packet (RFC 8762 4.3.1), 44 bytes:
 *
 *     0  Sequence Number (4)
 *     4  Timestamp T3, when the reply leaves (8)
 *    12  Error Estimate (2)
 *    14  MBZ (2): SSID of RFC 8972
 *    16  Receive Timestamp T2 (8)
 *    24  Session-Sender Sequence Number (4)
 *    28  Session-Sender Timestamp T1 (8)
 *    36  Session-Sender Error Estimate (2)
 *    38  MBZ (2)
 *    40  Session-Sender TTL (1): the IPv4 TTL or IPv6 hop limit the test packet arrived with
 *    41  MBZ (3)
 *
 * Longer packets carry padding (or RFC 8972 TLVs) after byte 44 and are accepted; shorter ones
 * are STAMP_E_SHORT. MBZ fields are written as zero and ignored on receipt (RFC 8762 4.2.1).
 *
 * Authenticated mode (RFC 8762 4.2.2 and 4.3.2; SSID of RFC 8972 3), 112 bytes each, the
 * fields moved apart by MBZ blocks so that each sits in its own 16-byte block:
 *
 *    Session-Sender                        Session-Reflector
 *     0  Sequence Number (4)                0  Sequence Number (4)
 *     4  MBZ (12)                           4  MBZ (12)
 *    16  Timestamp T1 (8)                  16  Timestamp T3 (8)
 *    24  Error Estimate (2)                24  Error Estimate (2)
 *    26  SSID (2), MBZ (68)                26  SSID (2), MBZ (4)
 *                                          32  Receive Timestamp T2 (8)
 *                                          40  MBZ (8)
 *                                          48  Session-Sender Sequence Number (4)
 *                                          52  MBZ (12)
 *                                          64  Session-Sender Timestamp T1 (8)
 *                                          72  Session-Sender Error Estimate (2)
 *                                          74  MBZ (6)
 *                                          80  Session-Sender TTL (1)
 *                                          81  MBZ (15)
 *    96  HMAC (16)                         96  HMAC (16)
 *
 * The HMAC is HMAC-SHA-256 (RFC 2104, FIPS 180-4) truncated to its first 128 bits (as IPsec
 * does, RFC 4868), computed over the first 96 bytes (RFC 8762 4.4: "the first six blocks"),
 * with a key shared by sender and reflector (how it gets there is outside RFC 8762: stampede
 * reads it from a file). Bytes after 112 (padding, RFC 8972 TLVs) are not covered.
 *
 * Timestamps (RFC 8762 4.2.1, RFC 4656 4.1.2): by default NTP format, 32-bit seconds since
 * 1900-01-01 and a 32-bit binary fraction; with the error estimate's Z bit set, PTPv2 format,
 * 32-bit seconds since 1970-01-01 TAI and 32-bit nanoseconds. stampede's clock is UTC in ns since
 * 1970 (a uint64_t); the conversions here are exact to the nanosecond both ways (see
 * stamp_ntp_from_ns()).
 *
 * NTP era: the 32-bit NTP seconds wrap on 2036-02-07 06:28:16 UTC (era 1 begins). The wire
 * format carries no era, so stamp_ntp_to_ns() takes seconds from 2208988800 (1970-01-01) on as
 * era 0 and smaller ones as era 1: the window 1970-01-01 .. 2106-02-07 06:28:16 UTC, which holds
 * every time a uint64_t of ns since 1970 needs in practice and crosses 2036 without a jump. It is
 * unit-tested on both sides of the wrap.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The UDP port a Session-Reflector listens on by default (RFC 8762 4.1). */
#define STAMP_PORT 862

/** Bytes of an unauthenticated Session-Sender and Session-Reflector test packet. */
#define STAMP_SENDER_LEN 44
#define STAMP_REFLECTOR_LEN 44
/** The shortest UDP payload either side accepts. */
#define STAMP_MIN_LEN 44

/** Field offsets (RFC 8762 4.2.1 and 4.3.1). */
#define STAMP_OFF_SEQ 0
#define STAMP_OFF_TS 4
#define STAMP_OFF_ERR_EST 12
#define STAMP_OFF_SSID 14
#define STAMP_OFF_RX_TS 16
#define STAMP_OFF_SENDER_SEQ 24
#define STAMP_OFF_SENDER_TS 28
#define STAMP_OFF_SENDER_ERR_EST 36
#define STAMP_OFF_SENDER_TTL 40

/** Authenticated mode (RFC 8762 4.2.2, 4.3.2): packet length, HMAC place and size. */
#define STAMP_AUTH_LEN 112
#define STAMP_AUTH_COVERED 96 /**< bytes the HMAC covers: 0..95 */
#define STAMP_AUTH_OFF_HMAC 96
#define STAMP_AUTH_HMAC_LEN 16
/** Field offsets in authenticated mode. */
#define STAMP_AOFF_SEQ 0
#define STAMP_AOFF_TS 16
#define STAMP_AOFF_ERR_EST 24
#define STAMP_AOFF_SSID 26
#define STAMP_AOFF_RX_TS 32
#define STAMP_AOFF_SENDER_SEQ 48
#define STAMP_AOFF_SENDER_TS 64
#define STAMP_AOFF_SENDER_ERR_EST 72
#define STAMP_AOFF_SENDER_TTL 80
/** Key lengths accepted, in bytes (RFC 4868 2.1.1: 32 for HMAC-SHA-256; at most one block). */
#define STAMP_KEY_MIN 16
#define STAMP_KEY_MAX 64

/** Seconds from 1900-01-01 (NTP epoch) to 1970-01-01 (Unix epoch). */
#define STAMP_NTP_UNIX_OFFSET 2208988800u
/** TAI - UTC in seconds since 2017-01-01 (the default for the PTP timestamp format). */
#define STAMP_TAI_UTC_DEFAULT 37

/** Error estimate bits (RFC 4656 4.1.2): S synchronised, Z PTP timestamps, Scale, Multiplier. */
#define STAMP_ERR_S 0x8000u
#define STAMP_ERR_Z 0x4000u
#define STAMP_ERR_SCALE_SHIFT 8
#define STAMP_ERR_SCALE_MASK 0x3f00u
#define STAMP_ERR_MULT_MASK 0x00ffu

/** Named errors: the functions below return 0 or one of these (all negative). */
enum stamp_error {
	STAMP_E_SHORT = -1,   /**< payload shorter than STAMP_MIN_LEN */
	STAMP_E_ERR_EST = -2, /**< error estimate with multiplier 0 (RFC 4656: corrupt) */
	STAMP_E_TS = -3,      /**< PTP timestamp with ns >= 10^9 or before 1970 UTC */
	STAMP_E_BUF = -4,     /**< output buffer shorter than a test packet */
	STAMP_E_AUTH = -5,    /**< authenticated mode: the HMAC does not match */
	STAMP_E_NOAUTH = -6,  /**< authenticated mode: too short for an HMAC, or an HMAC of 0 */
	STAMP_E_CRYPTO = -7,  /**< libcrypto failed (out of memory) */
};

/** Name of a stamp_error ("short", "error_estimate", ...); "ok" for 0. */
const char *stamp_strerror(int err);

/**
 * UTC ns since 1970 to a 64-bit NTP timestamp (seconds << 32 | fraction, host order).
 * The fraction is rounded up, ceil(ns * 2^32 / 10^9): the NTP time is at most 0.233 ns late,
 * and a decoder that truncates to ns (stamp_ntp_to_ns(), tshark) gets exactly @p ns back.
 * Times from 2036-02-07 06:28:16 on wrap into era 1 (see the file comment).
 */
uint64_t stamp_ntp_from_ns(uint64_t utc_ns);

/**
 * A 64-bit NTP timestamp to UTC ns since 1970, the fraction rounded to the nearest ns (at most
 * 0.5 ns off; exact for what stamp_ntp_from_ns() wrote). Era as in the file comment.
 */
uint64_t stamp_ntp_to_ns(uint64_t ntp);

/** UTC ns to a PTPv2 timestamp (TAI seconds << 32 | ns) with TAI - UTC = @p tai_utc s. */
uint64_t stamp_ptp_from_ns(uint64_t utc_ns, int tai_utc);

/** A PTPv2 timestamp to UTC ns; STAMP_E_TS if its ns field is >= 10^9. */
int stamp_ptp_to_ns(uint64_t ptp, int tai_utc, uint64_t *utc_ns);

/** UTC ns to the format that error estimate @p err_est's Z bit selects. */
uint64_t stamp_ts_from_ns(uint64_t utc_ns, uint16_t err_est, int tai_utc);

/** A timestamp in the format of @p err_est's Z bit to UTC ns; 0 or STAMP_E_TS. */
int stamp_ts_to_ns(uint64_t ts, uint16_t err_est, int tai_utc, uint64_t *utc_ns);

/**
 * Error estimate field for an error of @p err_ns ns: S if @p synced, Z if @p ptp, and the
 * smallest Scale whose Multiplier (1..255) covers the error: Multiplier x 2^(Scale-32) s >= the
 * error, never less (0 ns gives the smallest, Scale 0 Multiplier 1: 0.23 ns).
 */
uint16_t stamp_err_est_encode(uint64_t err_ns, bool synced, bool ptp);

/**
 * The error an error estimate field says, in ns, rounded up (UINT64_MAX when larger);
 * STAMP_E_ERR_EST when its multiplier is 0.
 */
int stamp_err_est_decode(uint16_t err_est, uint64_t *err_ns);

/** A Session-Sender test packet's fields, host order; timestamps as on the wire (raw 64 bits). */
struct stamp_sender {
	uint32_t seq;
	uint64_t ts; /**< T1 */
	uint16_t err_est;
	uint16_t ssid; /**< RFC 8972 SSID; 0 for plain RFC 8762 */
};

/** A Session-Reflector test packet's fields, host order, raw timestamps. */
struct stamp_reflector {
	uint32_t seq;
	uint64_t ts; /**< T3 */
	uint16_t err_est;
	uint16_t ssid;
	uint64_t rx_ts; /**< T2 */
	uint32_t sender_seq;
	uint64_t sender_ts; /**< T1, copied */
	uint16_t sender_err_est;
	uint8_t sender_ttl;
};

/**
 * Write a Session-Sender packet of @p len bytes (>= STAMP_SENDER_LEN; padding zeroed) to @p buf.
 * Returns 0 or STAMP_E_BUF.
 */
int stamp_sender_write(void *buf, size_t len, const struct stamp_sender *s);

/** Read a Session-Sender packet; 0 or STAMP_E_SHORT. Bytes after 44 are ignored. */
int stamp_sender_parse(const void *buf, size_t len, struct stamp_sender *s);

/** Write a Session-Reflector packet of @p len bytes (>= 44; padding zeroed); 0 or STAMP_E_BUF. */
int stamp_reflector_write(void *buf, size_t len, const struct stamp_reflector *r);

/** Read a Session-Reflector packet; 0 or STAMP_E_SHORT. */
int stamp_reflector_parse(const void *buf, size_t len, struct stamp_reflector *r);

/** A Session-Reflector's state for one session (RFC 8762 4.3). */
struct stamp_refl_session {
	bool stateful;	   /**< own sequence numbers; else the sender's are echoed (stateless) */
	uint32_t next_seq; /**< stateful: the next reply's sequence number */
	uint16_t err_est;  /**< this reflector's error estimate (its S and Z bits) */
	int tai_utc;	   /**< TAI - UTC s, used when err_est has Z */
};

/**
 * Build the Session-Reflector reply to the Session-Sender packet @p in (@p in_len bytes, the UDP
 * payload as received at UTC @p rx_ns with TTL / hop limit @p ttl), leaving at UTC @p tx_ns, into
 * @p out of @p out_len bytes. RFC 8762's symmetric size is @p out_len == @p in_len; @p out_len
 * must be at least STAMP_REFLECTOR_LEN. Bytes after 44 are the sender's own bytes at the same
 * offset (padding or RFC 8972 TLVs returned as received: this reflector does not process TLVs),
 * zero where the sender's packet is shorter. The SSID is echoed. @p in and @p out may be the
 * same buffer (reflection in place).
 *
 * Returns 0; STAMP_E_SHORT (in_len < 44), STAMP_E_BUF (out_len < 44): then @p out and @p sess
 * are untouched. A stateful session's counter advances only on success.
 */
int stamp_reflect(const void *in, size_t in_len, void *out, size_t out_len, uint64_t rx_ns,
		uint8_t ttl, uint64_t tx_ns, struct stamp_refl_session *sess);

/**
 * A stateful Session-Reflector's sessions (RFC 8762 4.3: the reflector numbers its replies per
 * test session). A session is (sender address, sender UDP port, SSID); each has its own
 * stamp_refl_session, so its replies count 0, 1, 2, ... whatever the sender's numbers (a request
 * lost before the reflector leaves a hole in the sender's sequence, none in the reflector's).
 *
 * An open-addressing table, bounded: at most @c max sessions, in twice as many slots (a power
 * of 2), each key within STAMP_SESS_PROBE slots of its hash. A session idle for @c idle_ns
 * (0: never) is replaced by the next new session that needs its slot (counted in @c expired;
 * when it comes back it starts again at 0). A new session with no room is refused (NULL,
 * counted in @c overflow). Single writer (one worker lcore); no allocation after init.
 */
#define STAMP_SESS_PROBE 16
#define STAMP_SESS_MAX 65536 /**< most sessions one table holds */

/** A session's key. Build it zeroed (the IPv4 address in the first 4 bytes, the rest 0). */
struct stamp_sess_key {
	uint8_t addr[16]; /**< sender's IP address */
	uint16_t port;	  /**< sender's UDP port (any byte order, the same for every lookup) */
	uint16_t ssid;	  /**< RFC 8972 SSID (0 without it) */
	uint8_t family;	  /**< 4 or 6 */
};

struct stamp_sess_entry {
	struct stamp_sess_key key;
	bool used;
	uint64_t last_ns; /**< the session's latest request */
	struct stamp_refl_session sess;
};

struct stamp_sess_table {
	uint32_t mask;	  /**< slots - 1 */
	uint32_t max;	  /**< most sessions held */
	uint32_t nb;	  /**< sessions held (slots in use); writer: wo, readers: ro */
	uint64_t idle_ns; /**< idle time after which a session may be replaced; 0: never */
	uint64_t created, expired, overflow;
	struct stamp_refl_session tmpl; /**< a new session's state (err_est, tai_utc) */
	struct stamp_sess_entry e[];
};

/** Bytes of a table for @p max sessions (1..STAMP_SESS_MAX), 0 when out of range. */
size_t stamp_sess_table_size(uint32_t max);

/**
 * Set up @p t (stamp_sess_table_size(@p max) bytes, any content) for @p max sessions, idle time
 * @p idle_ns, new sessions answering with error estimate @p err_est and TAI - UTC @p tai_utc.
 */
void stamp_sess_table_init(struct stamp_sess_table *t, uint32_t max, uint64_t idle_ns,
		uint16_t err_est, int tai_utc);

/**
 * The session of @p k, created when new (stateful, next_seq 0), its last use set to @p now_ns;
 * NULL when it is new and there is no room (t->overflow counted). Pass the result to
 * stamp_reflect().
 */
struct stamp_refl_session *stamp_sess_get(
		struct stamp_sess_table *t, const struct stamp_sess_key *k, uint64_t now_ns);

/** What a Session-Sender learns from one reflected packet: the four times in UTC ns. */
struct stamp_measure {
	uint32_t sender_seq;	/**< the sender's sequence number, echoed */
	uint32_t reflector_seq; /**< the reflector's */
	uint8_t sender_ttl;	/**< TTL / hop limit the test packet reached the reflector with */
	uint16_t ssid;
	bool synced; /**< both error estimates have S: one-way delays are meaningful */
	uint64_t t1, t2, t3, t4;
	int64_t rtt_ns;	      /**< (t4 - t1) - (t3 - t2) */
	int64_t fwd_ns;	      /**< t2 - t1, sender to reflector */
	int64_t bwd_ns;	      /**< t4 - t3, reflector to sender */
	int64_t residence_ns; /**< t3 - t2, time in the reflector */
	uint64_t err_ns;      /**< sender's + reflector's error estimates (saturating) */
};

/**
 * Measure from a Session-Reflector packet @p buf (@p len bytes) received at UTC @p t4_ns. Each
 * timestamp is read in the format of the error estimate that goes with it (T1: the sender's,
 * T2 and T3: the reflector's). Returns 0, STAMP_E_SHORT, STAMP_E_ERR_EST or STAMP_E_TS.
 * Differences are signed: clocks that disagree give negative one-way delays, not wrapped ones.
 */
int stamp_measure(
		const void *buf, size_t len, uint64_t t4_ns, int tai_utc, struct stamp_measure *m);

/* ---------------------------------------------------------------------------------------------- */
/* Authenticated mode (RFC 8762 4.2.2, 4.3.2, 4.4) */

/**
 * One key's HMAC-SHA-256 state, keyed once (OpenSSL's EVP_MAC "HMAC": the inner and outer
 * padded key blocks are hashed at stamp_hmac_new(), each packet only restarts from them). Not
 * thread-safe: one per thread that signs or checks (stamp_hmac_dup()). Opaque.
 */
struct stamp_hmac;

/**
 * The HMAC state of @p key (@p len bytes, STAMP_KEY_MIN..STAMP_KEY_MAX); NULL when the length
 * is out of range or libcrypto fails. The key is not kept outside OpenSSL's context.
 */
struct stamp_hmac *stamp_hmac_new(const uint8_t *key, size_t len);

/** A copy of @p h for another thread; NULL when out of memory. */
struct stamp_hmac *stamp_hmac_dup(const struct stamp_hmac *h);

/** Free @p h (NULL is a no-op); OpenSSL clears the key material. */
void stamp_hmac_free(struct stamp_hmac *h);

/**
 * HMAC-SHA-256 of @p buf's first STAMP_AUTH_COVERED bytes, truncated to STAMP_AUTH_HMAC_LEN,
 * into @p mac. 0 or STAMP_E_CRYPTO.
 */
int stamp_hmac_compute(struct stamp_hmac *h, const void *buf, uint8_t mac[STAMP_AUTH_HMAC_LEN]);

/** Write the HMAC of the authenticated packet @p buf (@p len >= 112) at byte 96. 0 or < 0. */
int stamp_hmac_sign(struct stamp_hmac *h, void *buf, size_t len);

/**
 * Check the HMAC of the authenticated packet @p buf (@p len bytes), in constant time
 * (CRYPTO_memcmp). 0 when it matches; STAMP_E_NOAUTH when @p len < 112 or the HMAC field is
 * all zero (an unauthenticated packet, or one padded with zeros); STAMP_E_AUTH when it does not
 * match; STAMP_E_CRYPTO.
 */
int stamp_hmac_check(struct stamp_hmac *h, const void *buf, size_t len);

/** stamp_sender_write() in the authenticated layout (@p len >= 112); the HMAC field is 0. */
int stamp_sender_write_auth(void *buf, size_t len, const struct stamp_sender *s);

/** stamp_sender_parse() of the authenticated layout: 0 or STAMP_E_SHORT (< 112). No HMAC check. */
int stamp_sender_parse_auth(const void *buf, size_t len, struct stamp_sender *s);

/** stamp_reflector_write() in the authenticated layout (@p len >= 112); HMAC field 0. */
int stamp_reflector_write_auth(void *buf, size_t len, const struct stamp_reflector *r);

/** stamp_reflector_parse() of the authenticated layout: 0 or STAMP_E_SHORT. No HMAC check. */
int stamp_reflector_parse_auth(const void *buf, size_t len, struct stamp_reflector *r);

/**
 * stamp_reflect() in authenticated mode: the reply is built in the authenticated layout and
 * signed with @p h. The caller checks the request's HMAC first, with stamp_hmac_check() (RFC
 * 8762 4.4: "as early as possible": before a stateful session is looked up or created, so that
 * forged requests touch no state). Bytes after 112 are the sender's, as in stamp_reflect().
 * STAMP_E_SHORT (@p in_len < 112), STAMP_E_BUF (@p out_len < 112), STAMP_E_CRYPTO.
 */
int stamp_reflect_auth(const void *in, size_t in_len, void *out, size_t out_len, uint64_t rx_ns,
		uint8_t ttl, uint64_t tx_ns, struct stamp_refl_session *sess, struct stamp_hmac *h);

/**
 * stamp_measure() of an authenticated Session-Reflector packet: its HMAC is checked first
 * (STAMP_E_NOAUTH, STAMP_E_AUTH: nothing measured), then as stamp_measure().
 */
int stamp_measure_auth(const void *buf, size_t len, uint64_t t4_ns, int tai_utc,
		struct stamp_measure *m, struct stamp_hmac *h);

#endif /* STP_STAMP_H */
