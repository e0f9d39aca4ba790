/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * libFuzzer target: lib/encap/sph's decoder on untrusted datagrams (what a collector or relay
 * reads off the wire). The input is a datagram: records back to back, as the collector walks
 * them. Besides "no crash, no read outside the buffer" (ASan: the input is copied to a buffer
 * of exactly its length), it checks what the receive path relies on:
 *  - a decoded record lies inside the buffer, its payload too, and its lengths are consistent
 *    (cap_len <= orig_len, a fragment inside cap_len);
 *  - an error is one of the named ones;
 *  - sph_decode_fast() (the inline path of the broker) gives what sph_decode() gives;
 *  - re-encoding the decoded header and decoding that gives the same fields (a relay or a
 *    collector never changes what it read), and sph_add_hop() adds exactly one hop;
 *  - the authentication path (sph_auth.h): sph_auth_verify() gives one of its verdicts, a
 *    datagram it accepts has its signed part inside the buffer, and a datagram that decodes
 *    without an authentication record verifies once signed (and no longer with a flipped bit).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sph.h"
#include "sph_auth.h"

static void
check_record(const uint8_t *rec, size_t len, const struct sph_hdr *h)
{
	static uint8_t out[65536 + 64];
	struct sph_hdr e = *h, d;
	const struct sph_hop hop = { 1, 2, 3 };
	uint16_t hl;
	size_t m;
	int rc;

	FUZZ_ASSERT(h->hdr_len >= SPH_FIXED_LEN && (size_t)h->hdr_len + h->payload_len == len);
	if (!(h->flags & SPH_F_CTRL)) {
		FUZZ_ASSERT(h->cap_len <= h->orig_len && h->cap_len > 0);
		if (h->flags & SPH_F_FRAG)
			FUZZ_ASSERT(h->frag_idx < h->frag_cnt &&
					(uint64_t)h->frag_off + h->payload_len <= h->cap_len);
		else
			FUZZ_ASSERT(h->payload_len == h->cap_len);
	}
	FUZZ_ASSERT(h->nb_hops <= SPH_MAX_HOPS && h->nb_hops <= h->nb_hops_total);
	if (h->flags & SPH_F_CTRL) {
		/* Acknowledgements (the resend transport): ranges well formed, and what is read
		 * is written back and read again the same. */
		struct sph_ctrl_item it[64], it2[64];
		struct sph_hdr c;
		int n = sph_ctrl_parse(rec, h, it, 64), n2;

		FUZZ_ASSERT(n >= -SPH_E_BAD_TLV && n <= 64);
		for (int i = 0; i < n; i++)
			FUZZ_ASSERT(it[i].last >= it[i].first &&
					(it[i].type == SPH_TLV_ACK || it[i].type == SPH_TLV_NACK));
		m = n > 0 ? sph_ctrl_encode(h->node, it, (unsigned int)n, out, sizeof(out)) : 0;
		if (m > 0) {
			FUZZ_ASSERT(sph_decode(out, m, &c) == (int)m && (c.flags & SPH_F_CTRL));
			n2 = sph_ctrl_parse(out, &c, it2, 64);
			/* A NACK count is 32 bits: longer ranges are cut when written. */
			FUZZ_ASSERT(n2 == n);
			for (int i = 0; i < n; i++)
				FUZZ_ASSERT(it2[i].type == it[i].type &&
						it2[i].stream == it[i].stream &&
						it2[i].first == it[i].first &&
						(it2[i].last == it[i].last ||
								it[i].type == SPH_TLV_NACK));
		}
	}

	/* Re-encode what was understood (the known TLVs) and read it back. */
	hl = sph_encode(&e, out, sizeof(out));
	FUZZ_ASSERT(hl == sph_hdr_size(&e));
	memcpy(out + hl, rec + h->hdr_len, h->payload_len);
	rc = sph_decode(out, hl + (size_t)h->payload_len, &d);
	FUZZ_ASSERT(rc == (int)(hl + h->payload_len));
	FUZZ_ASSERT(d.flags == h->flags && d.node == h->node && d.stream == h->stream &&
			d.seq == h->seq && d.ts_ns == h->ts_ns && d.orig_len == h->orig_len &&
			d.cap_len == h->cap_len && d.payload_len == h->payload_len &&
			d.nb_hops == h->nb_hops && d.desc_len == h->desc_len &&
			d.frag_off == h->frag_off && d.frag_idx == h->frag_idx &&
			d.frag_cnt == h->frag_cnt && d.ts_src == h->ts_src);
	if (h->desc_len > 0)
		FUZZ_ASSERT(memcmp(d.desc, h->desc, h->desc_len) == 0);
	for (unsigned int i = 0; i < h->nb_hops; i++)
		FUZZ_ASSERT(d.hops[i].node == h->hops[i].node &&
				d.hops[i].rx_ns == h->hops[i].rx_ns &&
				d.hops[i].seq == h->hops[i].seq);

	/* A relay's hop. */
	m = sph_add_hop(rec, len, &hop, out, sizeof(out));
	if (m != 0) {
		FUZZ_ASSERT(m == len + 2 + SPH_HOP_LEN);
		rc = sph_decode(out, m, &d);
		FUZZ_ASSERT(rc == (int)m && d.nb_hops_total == h->nb_hops_total + 1 &&
				d.seq == h->seq && d.payload_len == h->payload_len);
	}
}

/* The authentication path on the same input. */
static void
check_auth(const uint8_t *buf, size_t size)
{
	static struct sph_auth *a;
	static uint8_t out[65536 + SPH_AUTH_REC_LEN];
	enum sph_auth_res r;
	size_t sl = 0, s;

	if (a == NULL) {
		struct sph_auth_key k = { .id = 1, .len = 32 };

		memset(k.key, 0x5a, k.len);
		a = sph_auth_create(&k, 1, 1);
		FUZZ_ASSERT(a != NULL);
	}
	r = sph_auth_verify(a, buf, size, &sl);
	FUZZ_ASSERT(r >= SPH_AUTH_OK && r <= SPH_AUTH_MALFORMED);
	if (r == SPH_AUTH_OK)
		FUZZ_ASSERT(sl + SPH_AUTH_REC_LEN <= size);
	if (r != SPH_AUTH_MISSING || size == 0)
		return;
	memcpy(out, buf, size);
	s = sph_auth_sign(a, 1, out, size, sizeof(out));
	FUZZ_ASSERT(s == SPH_AUTH_REC_LEN);
	r = sph_auth_verify(a, out, size + s, &sl);
	/* Zero padding inside the datagram is only allowed at its end. */
	FUZZ_ASSERT(r == SPH_AUTH_OK || r == SPH_AUTH_MALFORMED);
	if (r == SPH_AUTH_OK) {
		FUZZ_ASSERT(sl == size);
		out[size / 2] ^= 1;
		FUZZ_ASSERT(sph_auth_verify(a, out, size + s, &sl) != SPH_AUTH_OK);
	}
}

/*
 * The replay window: its inline path (sph_seq_check_fast) and sph_seq_check() answer the same
 * and leave the same state on any sequence of numbers, read from the input as signed 16-bit
 * steps (the first 2048).
 */
static void
check_seq(const uint8_t *data, size_t size)
{
	struct sph_seq a, b;
	uint64_t seq = UINT64_C(1) << 20;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (size_t i = 0; i + 2 <= size && i < 4096; i += 2) {
		seq += (uint64_t)(int64_t)(int16_t)(data[i] << 8 | data[i + 1]);
		FUZZ_ASSERT(sph_seq_check(&a, seq) == sph_seq_check_fast(&b, seq));
		FUZZ_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	size_t off = 0;

	if (size > 65536)
		return -1;
	buf = malloc(size ? size : 1);
	FUZZ_ASSERT(buf != NULL);
	memcpy(buf, data, size);
	while (off < size) {
		struct sph_hdr h, f;
		int rc = sph_decode(buf + off, size - off, &h);

		/* The inline path answers as the decoder does, fields and error alike. */
		FUZZ_ASSERT(sph_decode_fast(buf + off, size - off, &f) == rc);
		if (rc >= 0)
			FUZZ_ASSERT(f.version == h.version && f.flags == h.flags &&
					f.ts_src == h.ts_src && f.hdr_len == h.hdr_len &&
					f.stream == h.stream && f.payload_len == h.payload_len &&
					f.node == h.node && f.seq == h.seq && f.ts_ns == h.ts_ns &&
					f.orig_len == h.orig_len && f.cap_len == h.cap_len &&
					f.nb_hops == h.nb_hops &&
					f.nb_hops_total == h.nb_hops_total &&
					f.desc_len == h.desc_len && f.frag_off == h.frag_off &&
					f.frag_idx == h.frag_idx && f.frag_cnt == h.frag_cnt &&
					f.nb_unknown == h.nb_unknown);
		/*
		 * The collector's admission check (sph_plain_len()): a record it takes decodes as
		 * a whole frame without TLVs, and every such record is taken.
		 */
		{
			const uint32_t pl = sph_plain_len(buf + off, size - off);
			const bool is_plain = rc > 0 && h.hdr_len == SPH_FIXED_LEN &&
					!(h.flags & (SPH_F_FRAG | SPH_F_CTRL));

			FUZZ_ASSERT(is_plain ? pl == (uint32_t)rc : pl == 0);
			if (pl != 0)
				FUZZ_ASSERT(sph_plain_flags(buf + off) == h.flags &&
						sph_plain_ts_src(buf + off) == h.ts_src &&
						sph_plain_w1(buf + off) ==
								((uint64_t)h.node << 32 |
										(uint64_t)h.stream
												<< 16 |
										h.payload_len) &&
						sph_plain_seq(buf + off) == h.seq &&
						sph_plain_ts(buf + off) == h.ts_ns &&
						sph_plain_orig(buf + off) == h.orig_len);
		}
		if (rc < 0) {
			FUZZ_ASSERT(-rc > SPH_OK && -rc < SPH_E_MAX);
			FUZZ_ASSERT(strncmp(sph_err_name((enum sph_err) - rc), "sph_", 4) == 0);
			(void)sph_is_padding(buf + off, size - off);
			break;
		}
		FUZZ_ASSERT(rc > 0 && (size_t)rc <= size - off);
		check_record(buf + off, (size_t)rc, &h);
		off += (size_t)rc;
	}
	check_auth(buf, size);
	check_seq(data, size);
	free(buf);
	return 0;
}
