/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* STAMP (RFC 8762) test packets, timestamps and measurement: see stamp.h. */

#include <string.h>

#include "stamp.h"
#include "bytes.h"

#define NS_PER_S 1000000000ull

const char *
stamp_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case STAMP_E_SHORT:
		return "short";
	case STAMP_E_ERR_EST:
		return "error_estimate";
	case STAMP_E_TS:
		return "timestamp";
	case STAMP_E_BUF:
		return "buffer";
	case STAMP_E_AUTH:
		return "auth_bad";
	case STAMP_E_NOAUTH:
		return "auth_missing";
	case STAMP_E_CRYPTO:
		return "crypto";
	default:
		return "unknown";
	}
}

uint64_t
stamp_ntp_from_ns(uint64_t utc_ns)
{
	uint64_t sec = utc_ns / NS_PER_S + STAMP_NTP_UNIX_OFFSET;
	uint64_t rem = utc_ns % NS_PER_S;
	/* rem < 10^9 < 2^30: rem << 32 fits; the result is < 2^32 since rem <= 10^9 - 1. */
	uint64_t frac = ((rem << 32) + NS_PER_S - 1) / NS_PER_S;

	return (sec & 0xffffffffull) << 32 | frac;
}

uint64_t
stamp_ntp_to_ns(uint64_t ntp)
{
	uint64_t sec = ntp >> 32, frac = ntp & 0xffffffffull;
	uint64_t ns = (frac * NS_PER_S + (1ull << 31)) >> 32;
	uint64_t unix_s;

	/* Era 0 from 1970 on, era 1 below it: see the file comment of stamp.h. */
	if (sec >= STAMP_NTP_UNIX_OFFSET)
		unix_s = sec - STAMP_NTP_UNIX_OFFSET;
	else
		unix_s = sec + (1ull << 32) - STAMP_NTP_UNIX_OFFSET;
	return unix_s * NS_PER_S + ns; /* ns == 10^9 (rounded up) carries into the second */
}

uint64_t
stamp_ptp_from_ns(uint64_t utc_ns, int tai_utc)
{
	uint64_t sec = utc_ns / NS_PER_S + (uint64_t)(int64_t)tai_utc;

	return (sec & 0xffffffffull) << 32 | utc_ns % NS_PER_S;
}

int
stamp_ptp_to_ns(uint64_t ptp, int tai_utc, uint64_t *utc_ns)
{
	int64_t sec = (int64_t)(ptp >> 32) - tai_utc;
	uint64_t ns = ptp & 0xffffffffull;

	if (ns >= NS_PER_S || sec < 0)
		return STAMP_E_TS;
	*utc_ns = (uint64_t)sec * NS_PER_S + ns;
	return 0;
}

uint64_t
stamp_ts_from_ns(uint64_t utc_ns, uint16_t err_est, int tai_utc)
{
	if (err_est & STAMP_ERR_Z)
		return stamp_ptp_from_ns(utc_ns, tai_utc);
	return stamp_ntp_from_ns(utc_ns);
}

int
stamp_ts_to_ns(uint64_t ts, uint16_t err_est, int tai_utc, uint64_t *utc_ns)
{
	if (err_est & STAMP_ERR_Z)
		return stamp_ptp_to_ns(ts, tai_utc, utc_ns);
	*utc_ns = stamp_ntp_to_ns(ts);
	return 0;
}

uint16_t
stamp_err_est_encode(uint64_t err_ns, bool synced, bool ptp)
{
	uint16_t flags = (uint16_t)((synced ? STAMP_ERR_S : 0) | (ptp ? STAMP_ERR_Z : 0));
	/* The error in units of 2^-32 s is err_ns * 2^32 / 10^9; Scale divides it by 2^Scale. */
	unsigned __int128 num = (unsigned __int128)err_ns << 32;
	unsigned int scale;

	for (scale = 0; scale < 64; scale++) {
		unsigned __int128 den = (unsigned __int128)NS_PER_S << scale;
		unsigned __int128 mult = (num + den - 1) / den;

		if (mult <= STAMP_ERR_MULT_MASK) {
			if (mult == 0)
				mult = 1; /* RFC 4656: the multiplier is never 0 */
			return (uint16_t)(flags | scale << STAMP_ERR_SCALE_SHIFT |
					(unsigned int)mult);
		}
	}
	/* More than 255 x 2^31 s: the largest the field says. */
	return (uint16_t)(flags | STAMP_ERR_SCALE_MASK | STAMP_ERR_MULT_MASK);
}

int
stamp_err_est_decode(uint16_t err_est, uint64_t *err_ns)
{
	unsigned int scale = (err_est & STAMP_ERR_SCALE_MASK) >> STAMP_ERR_SCALE_SHIFT;
	unsigned int mult = err_est & STAMP_ERR_MULT_MASK;
	unsigned __int128 ns;

	if (mult == 0)
		return STAMP_E_ERR_EST;
	/* mult x 10^9 < 2^38, x 2^63 at most: < 2^101, no overflow; rounded up. */
	ns = ((((unsigned __int128)mult * NS_PER_S) << scale) + 0xffffffffu) >> 32;
	*err_ns = ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
	return 0;
}

/* Where the fields are: the unauthenticated layout (4.2.1, 4.3.1) or the authenticated one
 * (4.2.2, 4.3.2). The sender's fields are at the reflector's offsets of the same name. */
struct stamp_layout {
	uint8_t len, seq, ts, err_est, ssid, rx_ts, sender_seq, sender_ts, sender_err_est,
			sender_ttl;
};

static const struct stamp_layout lay_plain = { STAMP_REFLECTOR_LEN, STAMP_OFF_SEQ, STAMP_OFF_TS,
	STAMP_OFF_ERR_EST, STAMP_OFF_SSID, STAMP_OFF_RX_TS, STAMP_OFF_SENDER_SEQ,
	STAMP_OFF_SENDER_TS, STAMP_OFF_SENDER_ERR_EST, STAMP_OFF_SENDER_TTL };
static const struct stamp_layout lay_auth = { STAMP_AUTH_LEN, STAMP_AOFF_SEQ, STAMP_AOFF_TS,
	STAMP_AOFF_ERR_EST, STAMP_AOFF_SSID, STAMP_AOFF_RX_TS, STAMP_AOFF_SENDER_SEQ,
	STAMP_AOFF_SENDER_TS, STAMP_AOFF_SENDER_ERR_EST, STAMP_AOFF_SENDER_TTL };

static int
sender_write(void *buf, size_t len, const struct stamp_sender *s, const struct stamp_layout *l)
{
	uint8_t *p = buf;

	if (len < l->len)
		return STAMP_E_BUF;
	memset(p, 0, len);
	bytes_put_be32(p + l->seq, s->seq);
	bytes_put_be64(p + l->ts, s->ts);
	bytes_put_be16(p + l->err_est, s->err_est);
	bytes_put_be16(p + l->ssid, s->ssid);
	return 0;
}

static int
sender_parse(const void *buf, size_t len, struct stamp_sender *s, const struct stamp_layout *l)
{
	const uint8_t *p = buf;

	if (len < l->len)
		return STAMP_E_SHORT;
	s->seq = bytes_get_be32(p + l->seq);
	s->ts = bytes_get_be64(p + l->ts);
	s->err_est = bytes_get_be16(p + l->err_est);
	s->ssid = bytes_get_be16(p + l->ssid);
	return 0;
}

int
stamp_sender_write(void *buf, size_t len, const struct stamp_sender *s)
{
	return sender_write(buf, len, s, &lay_plain);
}

int
stamp_sender_parse(const void *buf, size_t len, struct stamp_sender *s)
{
	return sender_parse(buf, len, s, &lay_plain);
}

int
stamp_sender_write_auth(void *buf, size_t len, const struct stamp_sender *s)
{
	return sender_write(buf, len, s, &lay_auth);
}

int
stamp_sender_parse_auth(const void *buf, size_t len, struct stamp_sender *s)
{
	return sender_parse(buf, len, s, &lay_auth);
}

/* The first l->len bytes of a reflector packet; MBZ bytes (and the HMAC field) are zeroed. */
static void
reflector_put(uint8_t *p, const struct stamp_reflector *r, const struct stamp_layout *l)
{
	memset(p, 0, l->len);
	bytes_put_be32(p + l->seq, r->seq);
	bytes_put_be64(p + l->ts, r->ts);
	bytes_put_be16(p + l->err_est, r->err_est);
	bytes_put_be16(p + l->ssid, r->ssid);
	bytes_put_be64(p + l->rx_ts, r->rx_ts);
	bytes_put_be32(p + l->sender_seq, r->sender_seq);
	bytes_put_be64(p + l->sender_ts, r->sender_ts);
	bytes_put_be16(p + l->sender_err_est, r->sender_err_est);
	p[l->sender_ttl] = r->sender_ttl;
}

static int
reflector_write(void *buf, size_t len, const struct stamp_reflector *r,
		const struct stamp_layout *l)
{
	uint8_t *p = buf;

	if (len < l->len)
		return STAMP_E_BUF;
	memset(p + l->len, 0, len - l->len);
	reflector_put(p, r, l);
	return 0;
}

static int
reflector_parse(const void *buf, size_t len, struct stamp_reflector *r,
		const struct stamp_layout *l)
{
	const uint8_t *p = buf;

	if (len < l->len)
		return STAMP_E_SHORT;
	r->seq = bytes_get_be32(p + l->seq);
	r->ts = bytes_get_be64(p + l->ts);
	r->err_est = bytes_get_be16(p + l->err_est);
	r->ssid = bytes_get_be16(p + l->ssid);
	r->rx_ts = bytes_get_be64(p + l->rx_ts);
	r->sender_seq = bytes_get_be32(p + l->sender_seq);
	r->sender_ts = bytes_get_be64(p + l->sender_ts);
	r->sender_err_est = bytes_get_be16(p + l->sender_err_est);
	r->sender_ttl = p[l->sender_ttl];
	return 0;
}

int
stamp_reflector_write(void *buf, size_t len, const struct stamp_reflector *r)
{
	return reflector_write(buf, len, r, &lay_plain);
}

int
stamp_reflector_parse(const void *buf, size_t len, struct stamp_reflector *r)
{
	return reflector_parse(buf, len, r, &lay_plain);
}

int
stamp_reflector_write_auth(void *buf, size_t len, const struct stamp_reflector *r)
{
	return reflector_write(buf, len, r, &lay_auth);
}

int
stamp_reflector_parse_auth(const void *buf, size_t len, struct stamp_reflector *r)
{
	return reflector_parse(buf, len, r, &lay_auth);
}

static int
reflect(const void *in, size_t in_len, void *out, size_t out_len, uint64_t rx_ns, uint8_t ttl,
		uint64_t tx_ns, struct stamp_refl_session *sess, const struct stamp_layout *l)
{
	struct stamp_sender s;
	struct stamp_reflector r;
	uint8_t *o = out;
	const uint8_t *i = in;
	int rc;

	rc = sender_parse(in, in_len, &s, l);
	if (rc < 0)
		return rc;
	if (out_len < l->len)
		return STAMP_E_BUF;

	r.seq = sess->stateful ? sess->next_seq++ : s.seq;
	r.err_est = sess->err_est;
	r.ts = stamp_ts_from_ns(tx_ns, sess->err_est, sess->tai_utc);
	r.ssid = s.ssid;
	r.rx_ts = stamp_ts_from_ns(rx_ns, sess->err_est, sess->tai_utc);
	r.sender_seq = s.seq;
	r.sender_ts = s.ts;
	r.sender_err_est = s.err_est;
	r.sender_ttl = ttl;

	/* Bytes after the packet: the sender's (in place they already are), zero past its end. */
	if (out_len > l->len) {
		size_t keep = in_len < out_len ? in_len : out_len; /* >= l->len: parsed above */

		if (o != i)
			memmove(o + l->len, i + l->len, keep - l->len);
		memset(o + keep, 0, out_len - keep);
	}
	reflector_put(o, &r, l);
	return 0;
}

int
stamp_reflect(const void *in, size_t in_len, void *out, size_t out_len, uint64_t rx_ns, uint8_t ttl,
		uint64_t tx_ns, struct stamp_refl_session *sess)
{
	return reflect(in, in_len, out, out_len, rx_ns, ttl, tx_ns, sess, &lay_plain);
}

int
stamp_reflect_auth(const void *in, size_t in_len, void *out, size_t out_len, uint64_t rx_ns,
		uint8_t ttl, uint64_t tx_ns, struct stamp_refl_session *sess, struct stamp_hmac *h)
{
	int rc;

	/* The request's HMAC was checked by the caller (see stamp.h). */
	rc = reflect(in, in_len, out, out_len, rx_ns, ttl, tx_ns, sess, &lay_auth);
	if (rc < 0)
		return rc;
	return stamp_hmac_sign(h, out, out_len);
}

static int
measure(const void *buf, size_t len, uint64_t t4_ns, int tai_utc, struct stamp_measure *m,
		const struct stamp_layout *l)
{
	struct stamp_reflector r;
	uint64_t e1, e2;
	int rc;

	rc = reflector_parse(buf, len, &r, l);
	if (rc < 0)
		return rc;
	rc = stamp_err_est_decode(r.sender_err_est, &e1);
	if (rc == 0)
		rc = stamp_err_est_decode(r.err_est, &e2);
	if (rc < 0)
		return rc;
	rc = stamp_ts_to_ns(r.sender_ts, r.sender_err_est, tai_utc, &m->t1);
	if (rc == 0)
		rc = stamp_ts_to_ns(r.rx_ts, r.err_est, tai_utc, &m->t2);
	if (rc == 0)
		rc = stamp_ts_to_ns(r.ts, r.err_est, tai_utc, &m->t3);
	if (rc < 0)
		return rc;
	m->t4 = t4_ns;
	m->sender_seq = r.sender_seq;
	m->reflector_seq = r.seq;
	m->sender_ttl = r.sender_ttl;
	m->ssid = r.ssid;
	m->synced = (r.sender_err_est & STAMP_ERR_S) && (r.err_est & STAMP_ERR_S);
	m->fwd_ns = (int64_t)(m->t2 - m->t1);
	m->bwd_ns = (int64_t)(m->t4 - m->t3);
	m->residence_ns = (int64_t)(m->t3 - m->t2);
	m->rtt_ns = (int64_t)(m->t4 - m->t1) - m->residence_ns;
	m->err_ns = e1 + e2 < e1 ? UINT64_MAX : e1 + e2;
	return 0;
}

int
stamp_measure(const void *buf, size_t len, uint64_t t4_ns, int tai_utc, struct stamp_measure *m)
{
	return measure(buf, len, t4_ns, tai_utc, m, &lay_plain);
}

int
stamp_measure_auth(const void *buf, size_t len, uint64_t t4_ns, int tai_utc,
		struct stamp_measure *m, struct stamp_hmac *h)
{
	int rc = stamp_hmac_check(h, buf, len);

	if (rc < 0)
		return rc;
	return measure(buf, len, t4_ns, tai_utc, m, &lay_auth);
}
