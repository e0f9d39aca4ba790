/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_SPH_AUTH_H
#define STP_SPH_AUTH_H

/**
 * @file
 * Authenticated stampede datagrams (lib/encap/README.md, "Authentication"; layout in
 * /work/shared/FORMATS.md). A sender appends one authentication record to each datagram: a
 * record with flags CTRL | AUTH, payload 0, and one AUTH TLV (key id u16, MAC 16 bytes) as the
 * last bytes of its header. The MAC is HMAC-SHA-256, truncated to its first 16 bytes, over
 * every byte of the datagram from its first record up to (not including) the MAC itself:
 * records, their TLVs and the authentication record's own header. Outer headers (Ethernet, IP,
 * UDP) are not covered: relays and NAT rewrite them; the source address is the allow-list's job.
 *
 * The HMAC is OpenSSL libcrypto's (EVP_MAC "HMAC" with SHA-256): each key is set once into a
 * context, and each datagram re-initialises that context without the key (HMAC keeps the
 * padded-key digest states), so a datagram costs the two SHA-256 passes and no key schedule.
 * MACs are compared with CRYPTO_memcmp (constant time). A struct sph_auth is not thread-safe:
 * one per lcore.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sph.h"

#define SPH_F_AUTH 0x10	    /**< flag: an authentication record (with SPH_F_CTRL) */
#define SPH_TLV_AUTH 6	    /**< TLV: key id u16, MAC (16 bytes) */
#define SPH_AUTH_MAC_LEN 16 /**< HMAC-SHA-256 truncated to 128 bits */
#define SPH_AUTH_TLV_LEN 18 /**< value bytes of an AUTH TLV */
#define SPH_AUTH_REC_LEN 60 /**< SPH_FIXED_LEN + 2 + SPH_AUTH_TLV_LEN */
#define SPH_AUTH_MAX_KEYS 2 /**< keys accepted at the same time (the old and new one) */
#define SPH_AUTH_KEY_MIN 16 /**< shortest key accepted (bytes) */
#define SPH_AUTH_KEY_MAX 64 /**< longest key (one SHA-256 block: no pre-hash) */

/** Outcome of sph_auth_verify(). */
enum sph_auth_res {
	SPH_AUTH_OK = 0,
	SPH_AUTH_MISSING,   /**< no authentication record at the end of the datagram */
	SPH_AUTH_BAD_KEY,   /**< a key id this node does not hold */
	SPH_AUTH_BAD_MAC,   /**< the MAC does not match (forged, altered or another key) */
	SPH_AUTH_MALFORMED, /**< an authentication record that is not the last, or badly formed */
};

/** One key: its id (1..65535) and bytes. */
struct sph_auth_key {
	uint16_t id;
	uint8_t len;
	uint8_t key[SPH_AUTH_KEY_MAX];
};

struct sph_auth;

/**
 * Prepared contexts for @p n (1..SPH_AUTH_MAX_KEYS) keys; datagrams are signed with the key of
 * id @p send_id (0: this context only verifies). NULL when libcrypto fails or an argument is
 * out of range.
 */
struct sph_auth *sph_auth_create(const struct sph_auth_key *keys, unsigned int n, uint16_t send_id);

/** Free @p a (NULL: nothing); the key bytes are wiped. */
void sph_auth_free(struct sph_auth *a);

/**
 * Append the authentication record of the @p len bytes of records at @p buf (node @p node in
 * its header) at buf + len. Returns SPH_AUTH_REC_LEN, or 0 when @p cap < len +
 * SPH_AUTH_REC_LEN, there is no signing key or libcrypto fails.
 */
size_t sph_auth_sign(struct sph_auth *a, uint32_t node, uint8_t *buf, size_t len, size_t cap);

/**
 * Check the datagram of @p len bytes at @p buf (records, then optionally zero padding): its
 * last record must be an authentication record with a key of @p a and the right MAC, and no
 * other record may be one. On SPH_AUTH_OK, *@p signed_len is the bytes of records before the
 * authentication record (what the caller then reads). A datagram that does not decode is
 * SPH_AUTH_MALFORMED (the caller's own decoding names the error).
 */
enum sph_auth_res sph_auth_verify(
		struct sph_auth *a, const uint8_t *buf, size_t len, size_t *signed_len);

/** Whether a record with header flags @p flags is an authentication record. */
static inline bool
sph_is_auth(uint8_t flags)
{
	return (flags & (SPH_F_CTRL | SPH_F_AUTH)) == (SPH_F_CTRL | SPH_F_AUTH);
}

#endif /* STP_SPH_AUTH_H */
