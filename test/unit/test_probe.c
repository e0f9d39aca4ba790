/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* lib/probe: payload layout, sequence tracking, jitter, pacing, sizes, checksums, impairment. */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "unit.h"

static void
test_layout(void)
{
	static const uint8_t want[PROBE_LEN] = { 0x53, 0x54, 0x50, 0x44, 1, 0x05, 0x00, 0x07, 0, 0,
		0, 0, 0, 0, 0x01, 0x02, /* seq 258 */
		0x17, 0x9a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
		0, 0, 0, 2 };
	struct probe_hdr h = { .version = PROBE_VERSION,
		.flags = PROBE_TS_SW | PROBE_F_REFLECTED,
		.stream = 7,
		.seq = 258,
		.tx_ns = UINT64_C(0x179a0b0c0d0e0f10),
		.refl_rx_ns = 1,
		.refl_tx_ns = 2 };
	struct probe_hdr g;
	uint8_t buf[PROBE_LEN + 8];

	memset(buf, 0xee, sizeof(buf));
	probe_write(buf, &h);
	check(memcmp(buf, want, PROBE_LEN) == 0, "probe_write: bytes as in the diagram");
	check(buf[PROBE_LEN] == 0xee, "probe_write: writes PROBE_LEN bytes only");
	check(probe_parse(buf, PROBE_LEN, &g) == PROBE_OK && g.seq == 258 && g.stream == 7 &&
					g.tx_ns == h.tx_ns && g.refl_rx_ns == 1 &&
					g.refl_tx_ns == 2 && g.flags == h.flags,
			"probe_parse: round trip");
	for (uint32_t n = 0; n < PROBE_LEN; n++)
		if (probe_parse(buf, n, &g) == PROBE_OK)
			check(false, "probe_parse accepted %u bytes", n);
	check(probe_parse(buf, PROBE_LEN - 1, &g) == PROBE_ERR_SHORT, "truncated: short");
	check(probe_parse(buf, 3, &g) == PROBE_ERR_SHORT, "3 bytes: short");
	buf[1] ^= 1;
	check(probe_parse(buf, PROBE_LEN, &g) == PROBE_ERR_MAGIC, "wrong magic");
	buf[1] ^= 1;
	buf[4] = 2;
	check(probe_parse(buf, PROBE_LEN, &g) == PROBE_ERR_VERSION, "wrong version");
	buf[4] = 1;
	buf[7] = PROBE_MAX_STREAMS;
	check(probe_parse(buf, PROBE_LEN, &g) == PROBE_ERR_STREAM, "stream id out of range");
}

static void
test_seq_basic(void)
{
	struct probe_seq s;

	memset(&s, 0, sizeof(s));
	check(probe_seq_lost(&s) == 0, "empty: no loss");
	/* 0 1 3 2 2 5 : 4 lost, 2 reordered, 2 duplicated */
	check(probe_seq_update(&s, 10) == PROBE_SEQ_NEW, "first");
	check(probe_seq_update(&s, 11) == PROBE_SEQ_NEW, "in order");
	check(probe_seq_update(&s, 13) == PROBE_SEQ_NEW, "gap");
	check(probe_seq_lost(&s) == 1, "12 missing: lost 1");
	check(probe_seq_update(&s, 12) == PROBE_SEQ_REORDERED, "12 late: reordered");
	check(probe_seq_lost(&s) == 0, "late arrival turns the loss back");
	check(probe_seq_update(&s, 12) == PROBE_SEQ_DUP, "12 again: duplicate");
	check(probe_seq_update(&s, 13) == PROBE_SEQ_DUP, "13 again: duplicate");
	check(probe_seq_update(&s, 15) == PROBE_SEQ_NEW, "15");
	check(s.received == 5 && s.duplicates == 2 && s.reordered == 1 && probe_seq_lost(&s) == 1,
			"received 5 dup 2 reordered 1 lost 1 (got %" PRIu64 " %" PRIu64 " %" PRIu64
			" %" PRIu64 ")",
			s.received, s.duplicates, s.reordered, probe_seq_lost(&s));
	check(probe_seq_update(&s, 9) == PROBE_SEQ_TOO_OLD && s.too_old == 1,
			"before the first: too old, ignored");
	check(probe_seq_update(&s, 15 + PROBE_FAR + 1) == PROBE_SEQ_FAR && s.far == 1 &&
					s.max == 15,
			"far future: counted and ignored");
	check(probe_seq_update(&s, 15 + PROBE_FAR) == PROBE_SEQ_NEW, "jump of PROBE_FAR: accepted");
	check(probe_seq_lost(&s) == PROBE_FAR, "lost counts the jump (%" PRIu64 ")",
			probe_seq_lost(&s));
	check(probe_seq_update(&s, 16) == PROBE_SEQ_TOO_OLD, "below the window now: too old");
}

static void
test_seq_window(void)
{
	struct probe_seq s;

	memset(&s, 0, sizeof(s));
	for (uint64_t i = 0; i < 5000; i++)
		if (i % 7 != 3)
			probe_seq_update(&s, i);
	/* The ones in the window still arrive late. */
	for (uint64_t i = 5000 - PROBE_WINDOW + 1; i < 5000; i++)
		if (i % 7 == 3)
			check(probe_seq_update(&s, i) == PROBE_SEQ_REORDERED, "late %" PRIu64, i);
	for (uint64_t i = 4990; i < 5000; i++)
		if (i % 7 != 3 && probe_seq_update(&s, i) != PROBE_SEQ_DUP)
			check(false, "dup %" PRIu64 " not found", i);
	uint64_t late = 0;

	for (uint64_t i = 5000 - PROBE_WINDOW + 1; i < 5000; i++)
		late += i % 7 == 3;
	uint64_t missing = 0;

	for (uint64_t i = 0; i < 5000; i++)
		missing += i % 7 == 3;
	check(probe_seq_lost(&s) == missing - late, "lost %" PRIu64 " == %" PRIu64,
			probe_seq_lost(&s), missing - late);
	check(s.reordered == late, "reordered == late arrivals");

	/* A sender restart: PROBE_RESYNC sequences far below resynchronise. */
	uint64_t lost = probe_seq_lost(&s), rx = s.received;

	for (uint64_t i = 0; i < PROBE_RESYNC + 10; i++)
		probe_seq_update(&s, i);
	check(s.resyncs == 1, "one resync");
	check(s.too_old == PROBE_RESYNC - 1, "the odd ones before it ignored (%" PRIu64 ")",
			s.too_old);
	/* The odd ones before the resync were received and ignored: neither received nor lost. */
	check(s.received == rx + 11 && probe_seq_lost(&s) == lost,
			"after the restart: received %" PRIu64 " lost %" PRIu64, s.received - rx,
			probe_seq_lost(&s) - lost);
}

/* A random sequence against a straightforward model (all seen sequences kept). */
static void
test_seq_model(void)
{
	struct probe_seq s;
	static uint8_t seen[20000];
	uint64_t max = 0, rx = 0, dup = 0, reord = 0, next = 0, first0 = 0;
	bool bad = false;

	memset(&s, 0, sizeof(s));
	srand(42);
	for (int i = 0; i < 15000; i++) {
		uint64_t q = (uint64_t)i + (uint64_t)(rand() % 200);

		if (rand() % 10 == 0)
			continue;
		/* The model: sequences stay within the window of the maximum by construction. */
		if (rx > 0 && (q + PROBE_WINDOW <= max || q < first0))
			continue;
		enum probe_seq_rc rc = probe_seq_update(&s, q);
		enum probe_seq_rc want;

		if (seen[q]) {
			want = PROBE_SEQ_DUP;
			dup++;
		} else if (rx > 0 && q < next) {
			want = PROBE_SEQ_REORDERED;
			reord++;
			rx++;
		} else {
			want = PROBE_SEQ_NEW;
			rx++;
		}
		if (rx == 1 && want == PROBE_SEQ_NEW)
			max = first0 = q;
		seen[q] = 1;
		if (q >= next)
			next = q + 1;
		if (q > max)
			max = q;
		if (rc != want && !bad) {
			check(false, "model: seq %" PRIu64 " got %d want %d", q, rc, want);
			bad = true;
		}
	}
	uint64_t first = 0;

	while (!seen[first])
		first++;
	check(s.received == rx && s.duplicates == dup && s.reordered == reord,
			"model: received %" PRIu64 "/%" PRIu64 " dup %" PRIu64 "/%" PRIu64
			" reordered %" PRIu64 "/%" PRIu64,
			s.received, rx, s.duplicates, dup, s.reordered, reord);
	check(probe_seq_lost(&s) == max - first + 1 - rx, "model: lost");
}

static void
test_jitter(void)
{
	struct probe_jitter j;
	double ref = 0;
	uint64_t tx = 1000, rx = 5000;

	memset(&j, 0, sizeof(j));
	probe_jitter_update(&j, tx, rx);
	check(probe_jitter_ns(&j) == 0, "jitter: one packet, 0");
	for (int i = 1; i < 200; i++) {
		uint64_t d = (uint64_t)(i % 2 ? 1600 : 0); /* transit alternates +-1600 ns */
		double dd = 1600;

		tx += 100000;
		rx = tx + 4000 + d;
		probe_jitter_update(&j, tx, rx);
		ref += (dd - ref) / 16;
	}
	check(probe_jitter_ns(&j) + 1 >= (uint64_t)ref && probe_jitter_ns(&j) <= (uint64_t)ref + 1,
			"jitter: %" PRIu64 " ns vs RFC 3550 float reference %.1f",
			probe_jitter_ns(&j), ref);
	memset(&j, 0, sizeof(j));
	for (int i = 0; i < 50; i++)
		probe_jitter_update(&j, 1000 * (uint64_t)i, 1000 * (uint64_t)i + 777);
	check(probe_jitter_ns(&j) == 0, "constant transit: jitter 0");
}

static void
test_pace(void)
{
	struct probe_pace p;
	const uint64_t hz = 2399987000ULL;

	probe_pace_set(&p, hz, 100000, 1000, 0);
	check(probe_pace_due(&p, 1000) == 0 && probe_pace_due(&p, 999) == 0, "due 0 at start");
	check(probe_pace_due(&p, 1000 + hz) == 100000, "exactly rate after 1 s");
	check(probe_pace_due(&p, 1000 + 3600 * hz) == 360000000ULL, "exact after an hour");
	/* Step through 1 s in odd increments: the total never drifts. */
	uint64_t sent = 0;

	for (uint64_t t = 1000; t <= 1000 + hz; t += 12347) {
		uint64_t due = probe_pace_due(&p, t);

		while (sent < due)
			sent++;
	}
	check(sent <= 100000 && sent >= 99999, "stepwise: %" PRIu64, sent);
	probe_pace_set(&p, hz, 50, 1000 + hz, probe_pace_due(&p, 1000 + hz));
	check(probe_pace_due(&p, 1000 + 2 * hz) == 100050, "rebased at a new rate");
	probe_pace_set(&p, hz, UINT64_C(100000000000), 0, 0);
	check(probe_pace_due(&p, 10 * hz) == UINT64_C(1000000000000), "100 Gbit/s for 10 s");
	check(probe_pace_cycles_per_credit(&p) > 0.0239 && probe_pace_cycles_per_credit(&p) < 0.025,
			"cycles per credit");
}

static void
test_sizes(void)
{
	uint16_t s[PROBE_MAX_SIZES];
	unsigned int n = probe_sizes_imix(s), c64 = 0, c594 = 0, c1518 = 0;

	for (unsigned int i = 0; i < n; i++) {
		c64 += s[i] == 64;
		c594 += s[i] == 594;
		c1518 += s[i] == 1518;
	}
	check(n == 12 && c64 == 7 && c594 == 4 && c1518 == 1, "imix 7:4:1");
	check(probe_min_frame(false, false) == 86, "min frame v4 86");
	check(probe_min_frame(true, true) == 110, "min frame v6+vlan 110");
}

static void
test_csum(void)
{
	/* RFC 1071 example words 0001 f203 f4f5 f6f7: sum ddf2, checksum 220d. */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint8_t odd[3] = { 0x12, 0x34, 0x56 };

	check(probe_csum_fold(probe_csum_add(0, b, sizeof(b))) == 0x220d, "RFC 1071 example");
	check(probe_csum_add(0, odd, 3) == 0x1234 + 0x5600, "odd length pads with zero");
	/* Sum in two parts == sum of the whole when the split is even. */
	check(probe_csum_add(probe_csum_add(0, b, 4), b + 4, 4) == probe_csum_add(0, b, 8),
			"incremental");
	check(probe_csum_fold(0xffff) == 0xffff, "zero checksum sent as 0xffff");
}

static void
test_impair(void)
{
	struct probe_impair im = { 0, 0, 4 };
	uint64_t want[] = { 0, 1, 2, 4, 3, 5, 6, 8, 7, 9 };
	bool ok = true;

	for (uint64_t p = 0; p < 10; p++)
		ok &= probe_impair_seq(&im, p, 0) == want[p];
	check(ok, "swap_every 4: 0 1 2 4 3 5 6 8 7 9");
	check(probe_impair_seq(&im, 7, 8) == 7, "no swap past the count");
	/* Every sequence is sent exactly once whatever the count. */
	for (uint64_t count = 1; count < 30; count++) {
		uint8_t seen[30] = { 0 };

		for (uint64_t p = 0; p < count; p++)
			seen[probe_impair_seq(&im, p, count)]++;
		for (uint64_t p = 0; p < count; p++)
			ok &= seen[p] == 1;
	}
	check(ok, "swap is a permutation of 0..count-1");
	im = (struct probe_impair){ 10, 7, 0 };
	check(!probe_impair_drop(&im, 8) && probe_impair_drop(&im, 9) && probe_impair_dup(&im, 6) &&
					!probe_impair_dup(&im, 7),
			"drop and duplicate positions");
}

int
main(void)
{
	test_layout();
	test_seq_basic();
	test_seq_window();
	test_seq_model();
	test_jitter();
	test_pace();
	test_sizes();
	test_csum();
	test_impair();
	return unit_done();
}
