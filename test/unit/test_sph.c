/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * lib/encap/sph: the stampede header byte by byte against lib/encap/README.md, round trips with
 * every TLV, each malformed input answered by its named error, unknown TLVs skipped, the relay's
 * hop insertion, and the per-stream sequence check.
 */

#include <string.h>

#include "sph.h"
#include "unit.h"

static struct sph_hdr
base_hdr(void)
{
	struct sph_hdr h;

	memset(&h, 0, sizeof(h));
	h.ts_src = 1;
	h.node = 7;
	h.stream = 3;
	h.payload_len = 60;
	h.seq = 0x0102030405060708ULL;
	h.ts_ns = 1700000000123456789ULL;
	h.orig_len = 64;
	h.cap_len = 60;
	h.flags = SPH_F_TRUNC;
	return h;
}

/* A record: header + @p payload_len bytes 0xAA. Returns its length. */
static size_t
record(const struct sph_hdr *h, uint8_t *buf, size_t cap)
{
	uint16_t n = sph_encode(h, buf, cap);

	if (n == 0)
		return 0;
	memset(buf + n, 0xAA, h->payload_len);
	return n + (size_t)h->payload_len;
}

static void
test_layout(void)
{
	static const uint8_t want[SPH_FIXED_LEN] = { 0x53, 0x50, 0x01, 0x04, 0x00, 0x28, 0x01, 0x00,
		0x00, 0x00, 0x00, 0x07, 0x00, 0x03, 0x00, 0x3c, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
		0x07, 0x08, 0x17, 0x97, 0x9c, 0xfe, 0x3d, 0x85, 0xcd, 0x15, 0x00, 0x00, 0x00, 0x40,
		0x00, 0x00, 0x00, 0x3c };
	struct sph_hdr h = base_hdr(), d;
	uint8_t buf[256];
	size_t n = record(&h, buf, sizeof(buf));
	int rc;

	check(n == SPH_FIXED_LEN + 60, "fixed header 40 bytes + 60 payload (%zu)", n);
	check(memcmp(buf, want, SPH_FIXED_LEN) == 0, "fixed header bytes as in README.md");
	rc = sph_decode(buf, n, &d);
	check(rc == (int)n, "decodes to the record length (%d)", rc);
	check(d.version == 1 && d.flags == SPH_F_TRUNC && d.hdr_len == 40 && d.ts_src == 1 &&
					d.node == 7 && d.stream == 3 && d.payload_len == 60 &&
					d.seq == h.seq && d.ts_ns == h.ts_ns && d.orig_len == 64 &&
					d.cap_len == 60,
			"fields round trip");
	check(sph_encode(&h, buf, 39) == 0, "encode refuses a short buffer");
}

static void
test_tlvs(void)
{
	struct sph_hdr h = base_hdr(), d;
	uint8_t buf[512];
	size_t n;
	int rc;

	h.desc = (const uint8_t *)"edge7:in0";
	h.desc_len = 9;
	h.nb_hops = 2;
	h.hops[0] = (struct sph_hop){ 8, 1700000000000000001ULL, 42 };
	h.hops[1] = (struct sph_hop){ 9, 1700000000000000002ULL, 43 };
	h.flags = SPH_F_FRAG;
	h.orig_len = h.cap_len = 9018;
	h.payload_len = 100;
	h.frag_off = 8000;
	h.frag_idx = 5;
	h.frag_cnt = 7;
	n = record(&h, buf, sizeof(buf));
	check(sph_hdr_size(&h) == 40 + 11 + 10 + 44, "header size with desc, frag, 2 hops (%u)",
			sph_hdr_size(&h));
	rc = sph_decode(buf, n, &d);
	check(rc == (int)n, "decodes (%d)", rc);
	check(d.desc_len == 9 && memcmp(d.desc, "edge7:in0", 9) == 0, "description");
	check(d.nb_hops == 2 && d.nb_hops_total == 2 && d.hops[1].node == 9 &&
					d.hops[1].rx_ns == 1700000000000000002ULL &&
					d.hops[1].seq == 43 && d.hops[0].node == 8,
			"hop records in order");
	check(d.frag_off == 8000 && d.frag_idx == 5 && d.frag_cnt == 7, "fragment TLV");

	/* A relay adds a hop: the record grows by 22 bytes and decodes with 3 hops. */
	{
		uint8_t out[512];
		struct sph_hop hop = { 10, 1700000000000000003ULL, 44 };
		size_t m = sph_add_hop(buf, n, &hop, out, sizeof(out));

		check(m == n + 22, "sph_add_hop grows the record by 22 (%zu)", m);
		rc = sph_decode(out, m, &d);
		check(rc == (int)m && d.nb_hops == 3 && d.hops[2].node == 10 &&
						d.hops[2].seq == 44 && d.payload_len == 100 &&
						memcmp(out + d.hdr_len, buf + n - 100, 100) == 0,
				"relayed record decodes: third hop, payload intact");
		check(sph_add_hop(buf, n, &hop, out, n + 21) == 0, "sph_add_hop: no room, 0");
	}

	/* Unknown TLV types (a later version's) and padding are skipped. */
	h = base_hdr();
	n = record(&h, buf, sizeof(buf));
	{
		uint8_t x[512];

		memcpy(x, buf, 40);
		x[40] = 200; /* unknown type, 3 bytes */
		x[41] = 3;
		x[42] = x[43] = x[44] = 0xee;
		x[45] = SPH_TLV_PAD;
		x[46] = 0;
		x[5] = 47;
		memcpy(x + 47, buf + 40, 60);
		rc = sph_decode(x, 107, &d);
		check(rc == 107 && d.nb_unknown == 1 && d.hdr_len == 47,
				"unknown TLV skipped (rc %d, unknown %u)", rc, d.nb_unknown);
	}
}

static void
expect_err(const uint8_t *buf, size_t len, enum sph_err e, const char *what)
{
	struct sph_hdr d;
	int rc = sph_decode(buf, len, &d);

	check(rc == -(int)e, "%s: %s (got %s)", what, sph_err_name(e),
			rc < 0 ? sph_err_name((enum sph_err) - rc) : "ok");
}

static void
test_malformed(void)
{
	struct sph_hdr h = base_hdr();
	uint8_t good[256], x[256];
	size_t n = record(&h, good, sizeof(good));

	expect_err(good, 3, SPH_E_TRUNCATED, "3 bytes");
	expect_err(good, 39, SPH_E_TRUNCATED, "39 bytes");
	memcpy(x, good, n);
	x[0] = 0x12;
	expect_err(x, n, SPH_E_BAD_MAGIC, "bad magic");
	memcpy(x, good, n);
	x[2] = 2;
	expect_err(x, n, SPH_E_BAD_VERSION, "version from the future");
	x[2] = 0;
	expect_err(x, n, SPH_E_BAD_VERSION, "version 0");
	memcpy(x, good, n);
	x[5] = 39;
	expect_err(x, n, SPH_E_BAD_HDR_LEN, "header length 39");
	x[4] = 0x10;
	expect_err(x, n, SPH_E_TRUNCATED, "header length past the buffer");
	memcpy(x, good, n);
	expect_err(x, n - 1, SPH_E_BAD_LENGTH, "payload past the buffer");
	x[15] = 59;
	expect_err(x, n, SPH_E_BAD_LENGTH, "payload != captured length");
	memcpy(x, good, n);
	x[35] = 59; /* original 59 < captured 60 */
	expect_err(x, n, SPH_E_BAD_LENGTH, "captured > original");

	/* TLVs: a TLV running past the header, a short hop, a missing FRAG TLV. */
	memcpy(x, good, 40);
	x[5] = 44;
	x[40] = SPH_TLV_DESC;
	x[41] = 5; /* only 2 bytes of header left */
	memcpy(x + 44, good + 40, 60);
	expect_err(x, 104, SPH_E_BAD_TLV, "TLV past the header end");
	x[40] = SPH_TLV_HOP;
	x[41] = 2;
	expect_err(x, 104, SPH_E_BAD_TLV, "hop TLV of 2 bytes");
	x[5] = 41; /* one lone type byte */
	memcpy(x + 41, good + 40, 60);
	expect_err(x, 101, SPH_E_BAD_TLV, "TLV header cut short");
	memcpy(x, good, n);
	x[3] = SPH_F_FRAG;
	expect_err(x, n, SPH_E_BAD_TLV, "FRAG flag without FRAG TLV");
	{
		struct sph_hdr f = base_hdr();

		f.flags = SPH_F_FRAG;
		f.frag_idx = 0;
		f.frag_cnt = 2;
		f.payload_len = 30;
		n = record(&f, x, sizeof(x));
		x[3] = 0;
		expect_err(x, n, SPH_E_BAD_TLV, "FRAG TLV without FRAG flag");
	}

	/* Fragment bounds. */
	h = base_hdr();
	h.flags = SPH_F_FRAG;
	h.frag_off = 10;
	h.frag_idx = 1;
	h.frag_cnt = 2;
	h.payload_len = 51; /* 10 + 51 > cap 60 */
	n = record(&h, x, sizeof(x));
	expect_err(x, n, SPH_E_BAD_LENGTH, "fragment past the captured length");
	h.payload_len = 50;
	h.frag_idx = 2;
	n = record(&h, x, sizeof(x));
	expect_err(x, n, SPH_E_BAD_TLV, "fragment index >= count");

	check(sph_is_padding((const uint8_t *)"\0\0\0\0", 4), "4 zero bytes are padding");
	check(!sph_is_padding((const uint8_t *)"\0\1", 2), "non-zero bytes are not");
}

typedef enum sph_seq_res (*seq_fn)(struct sph_seq *s, uint64_t seq);

/* The window's answers through @p chk (sph_seq_check or sph_seq_check_fast). */
static void
test_seq_with(seq_fn chk)
{
	struct sph_seq s;

	memset(&s, 0, sizeof(s));
	check(chk(&s, 100) == SPH_SEQ_OK, "first number");
	check(chk(&s, 101) == SPH_SEQ_OK, "next");
	check(chk(&s, 105) == SPH_SEQ_GAP && s.gaps == 3, "gap of 3 (%lu)", (unsigned long)s.gaps);
	check(chk(&s, 103) == SPH_SEQ_REORDERED && s.gaps == 2 && s.reordered == 1,
			"late 103 fills a gap");
	check(chk(&s, 103) == SPH_SEQ_DUP && s.dups == 1, "103 again: duplicate");
	check(chk(&s, 105) == SPH_SEQ_DUP && s.dups == 2, "105 again: duplicate");
	check(chk(&s, 99) == SPH_SEQ_EARLY && s.stale == 1 && s.gaps == 2,
			"before the first: early (counted stale), gaps unchanged");
	check(chk(&s, 1000) == SPH_SEQ_GAP && s.gaps == 2 + 894, "long gap");
	check(chk(&s, 900) == SPH_SEQ_REORDERED && s.gaps == 2 + 893,
			"900: inside the window, late");
	check(chk(&s, 900) == SPH_SEQ_DUP, "900 again: duplicate");
	check(chk(&s, 10000) == SPH_SEQ_GAP, "jump to 10000");
	check(chk(&s, 10000 - SPH_SEQ_WINDOW + 1) == SPH_SEQ_REORDERED,
			"the oldest number of the window: late");
	check(chk(&s, 10000 - SPH_SEQ_WINDOW) == SPH_SEQ_STALE && s.stale == 2,
			"just behind the window: stale");
	check(chk(&s, 1000) == SPH_SEQ_STALE && s.stale == 3,
			"a replay of 1000 behind the window: stale, not a first copy");
	check(s.received == 8, "received 8 (%lu)", (unsigned long)s.received);
	/* No number at or past 2^63: next (highest + 1) never wraps to 0. */
	check(chk(&s, UINT64_MAX) == SPH_SEQ_STALE && s.stale == 4 && s.next == 10001,
			"UINT64_MAX: stale, next unchanged");
	check(chk(&s, 10001) == SPH_SEQ_OK && chk(&s, 5) == SPH_SEQ_EARLY,
			"after UINT64_MAX: in order and early as before");
	memset(&s, 0, sizeof(s));
	check(chk(&s, UINT64_MAX) == SPH_SEQ_STALE && !s.started,
			"UINT64_MAX first: stale, not started");
	check(chk(&s, SPH_SEQ_LIMIT - 1) == SPH_SEQ_OK && s.next == SPH_SEQ_LIMIT,
			"2^63 - 1: the last number");
	check(chk(&s, SPH_SEQ_LIMIT) == SPH_SEQ_STALE && s.next == SPH_SEQ_LIMIT && s.stale == 2,
			"2^63 in order: stale all the same");
	/* The ring forgets what left the window: numbers skipped come back unseen. */
	memset(&s, 0, sizeof(s));
	for (uint64_t n = 0; n < 3 * SPH_SEQ_WINDOW; n += 2)
		(void)chk(&s, n);
	check(chk(&s, 3 * SPH_SEQ_WINDOW - 3) == SPH_SEQ_REORDERED &&
					chk(&s, 3 * SPH_SEQ_WINDOW - 4) == SPH_SEQ_DUP,
			"ring reuse: odd unseen, even seen");
}

static enum sph_seq_res
seq_fast(struct sph_seq *s, uint64_t seq)
{
	return sph_seq_check_fast(s, seq);
}

static void
test_seq(void)
{
	struct sph_seq a, b;
	uint64_t x = 88172645463325252ULL, seq = 100000, q;
	unsigned int diff = 0;

	test_seq_with(sph_seq_check);
	test_seq_with(seq_fast);
	/*
	 * The inline path leaves the same state as the function on any sequence: mostly in
	 * order, with repeats, small and large steps back and forth, and numbers before the first.
	 */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	for (unsigned int i = 0; i < 200000; i++) {
		unsigned int r;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		r = (unsigned int)(x % 100);
		if (r < 60)
			q = ++seq;
		else if (r < 70)
			q = seq += x % 8;
		else if (r < 80)
			q = seq - x % 64;
		else if (r < 85)
			q = seq - x % (2 * SPH_SEQ_WINDOW);
		else if (r < 90)
			q = seq += x % (2 * SPH_SEQ_WINDOW);
		else if (r < 94)
			q = x % 1000; /* before the first: early */
		else if (r < 95)
			q = UINT64_MAX - x % 64; /* past the space (SPH_SEQ_LIMIT): stale */
		else
			q = seq; /* the highest again */
		if (sph_seq_check(&a, q) != sph_seq_check_fast(&b, q) ||
				memcmp(&a, &b, sizeof(a)) != 0)
			diff++;
	}
	check(diff == 0, "sph_seq_check_fast differs from sph_seq_check %u times", diff);
	check(a.received > 0 && a.dups > 0 && a.stale > 0 && a.reordered > 0 && a.gaps > 0,
			"the sequence took every path (received %lu dups %lu stale %lu reordered %lu)",
			(unsigned long)a.received, (unsigned long)a.dups, (unsigned long)a.stale,
			(unsigned long)a.reordered);
}

int
main(void)
{
	test_layout();
	test_tlvs();
	test_malformed();
	test_seq();
	return unit_done();
}
