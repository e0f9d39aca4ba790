/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * libFuzzer target: lib/stamp on the input as a STAMP UDP payload.
 *
 * Checks, besides "no crash, no read past the payload" (the input buffer has exactly its length):
 *  - parse: shorter than 44 bytes is STAMP_E_SHORT and nothing else; from 44 on, parsing succeeds
 *    and writing the parsed fields back gives the same 44 bytes except the MBZ ones;
 *  - reflect (stateless and stateful, into a buffer of the same length and in place): the reply
 *    parses; it carries the sender's sequence number, timestamp, error estimate and SSID, the
 *    TTL given, T2 and T3 as given, the sender's padding, and in place equals out of place;
 *  - measure on the reply at a T4: T1..T4 come back exactly (NTP or PTP), and
 *    RTT == forward + backward, forward + residence + backward == T4 - T1;
 *  - measure on the raw input (as a reflector packet): never crashes, and on success the same
 *    identity holds;
 *  - the stateful reflector's session table, driven by the input (fuzz_sessions());
 *  - the authenticated mode (fuzz_auth()): the raw input checks only if it is a signed
 *    packet (a replay of one the target made); signed, it checks, reflects (in place == out of
 * place) into a reply that checks and carries the sender's fields, and any changed byte of the
 * reply is refused.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "frames.h"
#include "stamp.h"

#define FUZZ_STAMP_MAX_LEN 9000

static void
check_identity(const struct stamp_measure *m)
{
	FUZZ_ASSERT(m->rtt_ns == m->fwd_ns + m->bwd_ns);
	FUZZ_ASSERT((uint64_t)(m->fwd_ns + m->residence_ns + m->bwd_ns) == m->t4 - m->t1);
}

/*
 * The stateful reflector's session table driven by the input: records of 3 bytes (sender
 * address byte, port byte, SSID bit + time step), a table for 1..8 sessions with an idle time
 * from the first byte. Against a model of the sessions in use: a session used within the idle
 * time is always found and continues its count; a new or idle one starts at 0; NULL only for a
 * key with no session in use, counted as overflow; never more than max sessions.
 */
static void
fuzz_sessions(const uint8_t *data, size_t size)
{
	static uint64_t mem[(sizeof(struct stamp_sess_table) +
					    16 * sizeof(struct stamp_sess_entry)) /
					8 +
			1];
	struct stamp_sess_table *t = (struct stamp_sess_table *)mem;
	struct {
		struct stamp_sess_key k;
		uint32_t count;
		uint64_t last;
	} ref[256];
	unsigned int nb_ref = 0;
	uint32_t max = size > 0 ? data[0] % 8 + 1 : 1;
	uint64_t idle_ns = size > 1 ? (uint64_t)(data[1] % 4) * 1000 : 0, now = 1000000;

	FUZZ_ASSERT(stamp_sess_table_size(max) <= sizeof(mem));
	stamp_sess_table_init(t, max, idle_ns, 1, 37);
	for (size_t i = 2; i + 3 <= size && nb_ref < 256; i += 3) {
		struct stamp_sess_key k;
		struct stamp_refl_session *p;
		unsigned int j;
		bool active;
		uint64_t overflow = t->overflow;

		memset(&k, 0, sizeof(k));
		k.addr[3] = data[i] & 7;
		k.port = data[i + 1] & 7;
		k.ssid = data[i + 2] & 1;
		k.family = 4 + 2 * ((data[i] >> 3) & 1);
		now += (uint64_t)(data[i + 2] >> 1) * 100;
		for (j = 0; j < nb_ref; j++)
			if (!memcmp(&ref[j].k, &k, sizeof(k)))
				break;
		active = j < nb_ref && (idle_ns == 0 || now - ref[j].last <= idle_ns);
		p = stamp_sess_get(t, &k, now);
		FUZZ_ASSERT(t->nb <= max);
		if (p == NULL) {
			FUZZ_ASSERT(!active && t->overflow == overflow + 1);
			continue;
		}
		FUZZ_ASSERT(p->stateful && p->err_est == 1 && p->tai_utc == 37);
		FUZZ_ASSERT(stamp_sess_get(t, &k, now) == p);
		FUZZ_ASSERT(p->next_seq == (active ? ref[j].count : 0));
		p->next_seq++;
		if (j == nb_ref) {
			ref[nb_ref].k = k;
			nb_ref++;
		}
		ref[j].count = p->next_seq;
		ref[j].last = now;
	}
}

/* The authenticated mode with a fixed key (OpenSSL's state made once, reused per input). */
static void
fuzz_auth(const uint8_t *data, size_t size)
{
	static const uint8_t key[32] = "stampede fuzz key, 32 bytes long";
	static struct stamp_hmac *h;
	struct stamp_sender s;
	struct stamp_reflector r;
	struct stamp_refl_session st = { .stateful = false, .err_est = 0x0001 }, st2;
	struct stamp_measure m;
	uint8_t *in, *out, *inplace;
	size_t flip;
	int rc;

	if (h == NULL)
		h = stamp_hmac_new(key, sizeof(key));
	FUZZ_ASSERT(h != NULL);
	in = malloc(size ? size : 1);
	FUZZ_ASSERT(in != NULL);
	memcpy(in, data, size);

	/* The raw input. It checks only when it is a packet signed with the key: the fuzzer
	 * sees signed replies in this target's memcmp() calls and may replay one (as an attacker
	 * who captured traffic may; RFC 8762 has no replay protection). Measuring agrees. */
	rc = stamp_hmac_check(h, in, size);
	FUZZ_ASSERT(rc == 0 || rc == STAMP_E_AUTH || rc == STAMP_E_NOAUTH);
	FUZZ_ASSERT(size >= STAMP_AUTH_LEN || rc == STAMP_E_NOAUTH);
	{
		int rm = stamp_measure_auth(in, size, 1, 37, &m, h);

		FUZZ_ASSERT(rc != 0 ? rm == rc :
				      rm == 0 || rm == STAMP_E_ERR_EST || rm == STAMP_E_TS);
	}
	if (size < STAMP_AUTH_LEN) {
		FUZZ_ASSERT(stamp_sender_parse_auth(in, size, &s) == STAMP_E_SHORT);
		FUZZ_ASSERT(stamp_reflector_parse_auth(in, size, &r) == STAMP_E_SHORT);
		FUZZ_ASSERT(stamp_reflect_auth(in, size, in, size, 0, 0, 0, &st, h) ==
				STAMP_E_SHORT);
		free(in);
		return;
	}

	/* Signed, it checks; reflected in place and out of place alike; the reply checks. */
	FUZZ_ASSERT(stamp_hmac_sign(h, in, size) == 0 && stamp_hmac_check(h, in, size) == 0);
	FUZZ_ASSERT(stamp_sender_parse_auth(in, size, &s) == 0);
	out = malloc(size);
	inplace = malloc(size);
	FUZZ_ASSERT(out != NULL && inplace != NULL);
	memcpy(inplace, in, size);
	st.stateful = data[0] & 1;
	st2 = st;
	FUZZ_ASSERT(stamp_reflect_auth(in, size, out, size, 5, data[1], 7, &st, h) == 0);
	FUZZ_ASSERT(stamp_reflect_auth(inplace, size, inplace, size, 5, data[1], 7, &st2, h) == 0);
	FUZZ_ASSERT(memcmp(out, inplace, size) == 0);
	FUZZ_ASSERT(stamp_hmac_check(h, out, size) == 0);
	FUZZ_ASSERT(memcmp(out + STAMP_AUTH_LEN, in + STAMP_AUTH_LEN, size - STAMP_AUTH_LEN) == 0);
	FUZZ_ASSERT(stamp_reflector_parse_auth(out, size, &r) == 0);
	FUZZ_ASSERT(r.sender_seq == s.seq && r.sender_ts == s.ts && r.sender_err_est == s.err_est &&
			r.ssid == s.ssid && r.sender_ttl == data[1]);
	rc = stamp_measure_auth(out, size, 9, 37, &m, h);
	FUZZ_ASSERT(rc == 0 || rc == STAMP_E_ERR_EST || rc == STAMP_E_TS);
	if (rc == 0)
		check_identity(&m);

	/* Any changed byte of the covered part or the HMAC is refused. */
	flip = data[2] % STAMP_AUTH_LEN;
	out[flip] ^= (uint8_t)(data[3] | 1);
	rc = stamp_hmac_check(h, out, size);
	FUZZ_ASSERT(rc == STAMP_E_AUTH || (rc == STAMP_E_NOAUTH && flip >= STAMP_AUTH_OFF_HMAC));
	FUZZ_ASSERT(stamp_measure_auth(out, size, 9, 37, &m, h) == rc);
	free(inplace);
	free(out);
	free(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stamp_sender s, s2;
	struct stamp_reflector r;
	struct stamp_refl_session st;
	struct stamp_measure m;
	uint8_t *in, *out, *inplace, hdr[STAMP_SENDER_LEN];
	uint64_t t2, t3, t4, t1 = 0;
	uint8_t ttl;
	int rc, rc1;

	if (size > FUZZ_STAMP_MAX_LEN)
		return -1;
	fuzz_sessions(data, size);
	fuzz_auth(data, size);

	/* Times and session settings from the first bytes, so they vary with the input too. */
	t2 = size >= 8 ? frame_rd64(data) % (4000000000ull * 1000000000ull) :
			 1700000000ull * 1000000000;
	t3 = t2 + (size >= 10 ? data[8] * 1000u + data[9] : 0);
	t4 = t3 + (size >= 12 ? data[10] * 7919u + data[11] : 0);
	ttl = size >= 13 ? data[12] : 64;

	in = malloc(size ? size : 1);
	FUZZ_ASSERT(in != NULL);
	memcpy(in, data, size);

	rc = stamp_sender_parse(in, size, &s);
	if (size < STAMP_MIN_LEN) {
		FUZZ_ASSERT(rc == STAMP_E_SHORT);
		FUZZ_ASSERT(stamp_reflector_parse(in, size, &r) == STAMP_E_SHORT);
		FUZZ_ASSERT(stamp_reflect(in, size, hdr, sizeof(hdr), t2, ttl, t3, &st) ==
				STAMP_E_SHORT);
		FUZZ_ASSERT(stamp_measure(in, size, t4, 37, &m) == STAMP_E_SHORT);
		free(in);
		return 0;
	}
	FUZZ_ASSERT(rc == 0);
	/* Write back: the same bytes except MBZ (14..44 beyond the SSID). */
	FUZZ_ASSERT(stamp_sender_write(hdr, sizeof(hdr), &s) == 0);
	FUZZ_ASSERT(memcmp(hdr, in, 16) == 0);
	FUZZ_ASSERT(stamp_sender_parse(hdr, sizeof(hdr), &s2) == 0);
	FUZZ_ASSERT(s2.seq == s.seq && s2.ts == s.ts && s2.err_est == s.err_est &&
			s2.ssid == s.ssid);

	/* Reflect, stateless or stateful as the input says. */
	memset(&st, 0, sizeof(st));
	st.stateful = data[size - 1] & 1;
	st.next_seq = 0xfffffff0u + (data[size - 1] >> 4);
	st.err_est = (uint16_t)((data[size - 2] << 8 | data[size - 3]) & ~STAMP_ERR_SCALE_MASK) | 1;
	st.tai_utc = 37;
	out = malloc(size);
	inplace = malloc(size);
	FUZZ_ASSERT(out != NULL && inplace != NULL);
	memcpy(inplace, in, size);
	{
		struct stamp_refl_session st2 = st;

		FUZZ_ASSERT(stamp_reflect(in, size, out, size, t2, ttl, t3, &st) == 0);
		FUZZ_ASSERT(stamp_reflect(inplace, size, inplace, size, t2, ttl, t3, &st2) == 0);
		FUZZ_ASSERT(memcmp(out, inplace, size) == 0);
		FUZZ_ASSERT(st.next_seq == st2.next_seq);
	}
	FUZZ_ASSERT(memcmp(out + STAMP_REFLECTOR_LEN, in + STAMP_REFLECTOR_LEN,
				    size - STAMP_REFLECTOR_LEN) == 0);
	FUZZ_ASSERT(stamp_reflector_parse(out, size, &r) == 0);
	FUZZ_ASSERT(r.sender_seq == s.seq && r.sender_ts == s.ts && r.sender_err_est == s.err_est &&
			r.ssid == s.ssid && r.sender_ttl == ttl && r.err_est == st.err_est);
	FUZZ_ASSERT(st.stateful ? r.seq == st.next_seq - 1 : r.seq == s.seq);

	/* Measure: exact times whenever the sender's T1 is a time its format can carry. */
	rc1 = stamp_ts_to_ns(s.ts, s.err_est, 37, &t1);
	rc = stamp_measure(out, size, t4, 37, &m);
	if ((s.err_est & STAMP_ERR_MULT_MASK) == 0) {
		FUZZ_ASSERT(rc == STAMP_E_ERR_EST);
	} else if (rc1 != 0) {
		FUZZ_ASSERT(rc == STAMP_E_TS);
	} else {
		FUZZ_ASSERT(rc == 0);
		FUZZ_ASSERT(m.t1 == t1 && m.t2 == t2 && m.t3 == t3 && m.t4 == t4);
		FUZZ_ASSERT(m.residence_ns == (int64_t)(t3 - t2));
		check_identity(&m);
		/* The encoding round trip the measurement depends on (inside the NTP window). */
		FUZZ_ASSERT(t1 >= (1ull << 32) * 1000000000ull ||
				stamp_ts_to_ns(stamp_ts_from_ns(t1, s.err_est, 37), s.err_est, 37,
						&t1) == 0 &&
						t1 == m.t1);
	}

	/* The raw input as a reflector packet. */
	rc = stamp_measure(in, size, t4, 37, &m);
	FUZZ_ASSERT(rc == 0 || rc == STAMP_E_ERR_EST || rc == STAMP_E_TS);
	if (rc == 0)
		check_identity(&m);

	/* Error estimate: decode(encode(x)) is never below x. */
	{
		uint64_t e = frame_rd64(in + 16) >> (in[24] & 63), back = 0;
		uint16_t f = stamp_err_est_encode(e, in[25] & 1, in[25] & 2);

		FUZZ_ASSERT(stamp_err_est_decode(f, &back) == 0 && back >= e);
	}
	free(inplace);
	free(out);
	free(in);
	return 0;
}
