/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * lib/encap/sph_auth: a signed datagram verifies with either key of a rotation pair; every
 * single-bit change of the signed bytes, a wrong key, an unknown key id, a missing or misplaced
 * authentication record are refused with their own verdict. The MAC itself is checked against
 * Python's hmac in test/functional/broker_attack.py (an independent implementation).
 */

#include <string.h>

#include "sph.h"
#include "sph_auth.h"
#include "unit.h"

static size_t
datagram(uint8_t *buf, size_t cap)
{
	struct sph_hdr h;
	size_t n;

	memset(&h, 0, sizeof(h));
	h.node = 7;
	h.stream = 1;
	h.seq = 42;
	h.payload_len = 20;
	h.cap_len = 20;
	h.orig_len = 20;
	n = sph_encode(&h, buf, cap);
	memset(buf + n, 0xAB, 20);
	return n + 20;
}

static void
key_of(struct sph_auth_key *k, uint16_t id, uint8_t fill)
{
	memset(k, 0, sizeof(*k));
	k->id = id;
	k->len = 32;
	memset(k->key, fill, k->len);
}

int
main(void)
{
	struct sph_auth_key k[2];
	struct sph_auth *a1, *a12, *a2, *v;
	uint8_t buf[256], copy[256];
	size_t n, s, sl = 0;
	unsigned int bad = 0;

	key_of(&k[0], 1, 0x11);
	key_of(&k[1], 2, 0x22);
	a1 = sph_auth_create(&k[0], 1, 1);
	a12 = sph_auth_create(k, 2, 2);
	a2 = sph_auth_create(&k[1], 1, 0);
	check(a1 != NULL && a12 != NULL && a2 != NULL, "contexts created");
	check(sph_auth_create(&k[0], 1, 9) == NULL, "a signing key that is not held: refused");
	k[0].len = 8;
	check(sph_auth_create(&k[0], 1, 1) == NULL, "a key shorter than 16 bytes: refused");
	k[0].len = 32;

	n = datagram(buf, sizeof(buf));
	check(sph_auth_verify(a1, buf, n, &sl) == SPH_AUTH_MISSING, "unsigned: missing");
	check(sph_auth_sign(a1, 7, buf, n, n + SPH_AUTH_REC_LEN - 1) == 0, "no room: not signed");
	s = sph_auth_sign(a1, 7, buf, n, sizeof(buf));
	check(s == SPH_AUTH_REC_LEN, "signed: %zu bytes", s);
	check(sph_auth_verify(a1, buf, n + s, &sl) == SPH_AUTH_OK && sl == n,
			"verifies, signed part %zu", sl);
	check(sph_auth_verify(a12, buf, n + s, &sl) == SPH_AUTH_OK,
			"verifies with the old key of a rotation pair");
	check(sph_auth_verify(a2, buf, n + s, &sl) == SPH_AUTH_BAD_KEY, "key 1 unknown: bad key");
	memset(buf + n + s, 0, 30);
	check(sph_auth_verify(a1, buf, n + s + 30, &sl) == SPH_AUTH_OK, "padding after it: ok");
	/* Every bit of the datagram but the key id (changing it gives another verdict). */
	for (size_t i = 0; i < n + s; i++) {
		if (i == n + SPH_FIXED_LEN + 2 || i == n + SPH_FIXED_LEN + 3)
			continue;
		for (unsigned int b = 0; b < 8; b++) {
			enum sph_auth_res r;

			memcpy(copy, buf, n + s);
			copy[i] ^= (uint8_t)(1u << b);
			r = sph_auth_verify(a1, copy, n + s, &sl);
			bad += r == SPH_AUTH_OK;
		}
	}
	check(bad == 0, "no single-bit change verifies (%u did)", bad);
	/* Key 2 signs: a12 verifies, a1 does not know key 2. */
	s = sph_auth_sign(a12, 7, buf, n, sizeof(buf));
	check(sph_auth_verify(a12, buf, n + s, &sl) == SPH_AUTH_OK, "new key verifies");
	check(sph_auth_verify(a1, buf, n + s, &sl) == SPH_AUTH_BAD_KEY, "new key unknown to a1");
	/* Same id, other bytes: a wrong key. */
	key_of(&k[1], 2, 0x23);
	v = sph_auth_create(&k[1], 1, 0);
	check(sph_auth_verify(v, buf, n + s, &sl) == SPH_AUTH_BAD_MAC, "wrong key: bad MAC");
	/* A record after the authentication record. */
	memcpy(copy, buf, n + s);
	memcpy(copy + n + s, buf, n);
	check(sph_auth_verify(a12, copy, n + s + n, &sl) == SPH_AUTH_MALFORMED,
			"a record after the authentication record: malformed");
	sph_auth_free(v);
	sph_auth_free(a1);
	sph_auth_free(a12);
	sph_auth_free(a2);
	sph_auth_free(NULL);
	return unit_done();
}
