/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* The resend transport's bookkeeping (lib/encap/rel.c) and its control records (sph.c). */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rel.h"
#include "sph.h"
#include "unit.h"

struct log {
	unsigned int released, resent, dead;
	uintptr_t last_dead;
};

static void
on_release(void *ctx, struct rel_entry *e)
{
	(void)e;
	((struct log *)ctx)->released++;
}

static void
on_resend(void *ctx, struct rel_entry *e)
{
	(void)e;
	((struct log *)ctx)->resent++;
}

static void
on_dead(void *ctx, struct rel_entry *e)
{
	((struct log *)ctx)->dead++;
	((struct log *)ctx)->last_dead = (uintptr_t)e->obj;
}

/* A datagram carrying numbers [lo, hi] of stream @p key. */
static struct rel_span
span_of(uint8_t key, uint64_t lo, uint64_t hi)
{
	struct rel_span s;

	memset(&s, 0, sizeof(s));
	for (uint64_t q = lo; q <= hi; q++)
		rel_span_add(&s, key, q);
	s.frames = (uint16_t)(hi - lo + 1);
	return s;
}

static void
test_span(void)
{
	struct rel_span s;

	memset(&s, 0, sizeof(s));
	check(rel_span_add(&s, 1, 10) && rel_span_add(&s, 1, 11) && rel_span_add(&s, 2, 5),
			"span: two keys");
	check(s.nb == 2 && s.lo[0] == 10 && s.hi[0] == 11 && s.lo[1] == 5, "span: ranges");
	check(rel_span_add(&s, 3, 0) && rel_span_add(&s, 4, 0), "span: four keys");
	check(!rel_span_add(&s, 5, 0), "span: a fifth key is refused");
	check(rel_span_add(&s, 4, 1), "span: a known key still fits");
}

static void
test_buf(void)
{
	struct rel_buf *b = malloc(rel_buf_size(8));
	struct log lg;
	struct rel_span s;
	unsigned int n;

	memset(&lg, 0, sizeof(lg));
	rel_buf_init(b, 8);
	/* 4 datagrams of 10 numbers each: [0,9] [10,19] [20,29] [30,39]. */
	for (uintptr_t i = 0; i < 4; i++) {
		s = span_of(0, i * 10, i * 10 + 9);
		rel_buf_push(b, (void *)(i + 1), &s, 100 + i, on_dead, &lg);
	}
	check(b->count == 4 && b->unacked == 4, "buf: 4 held");
	n = rel_buf_ack(b, 0, 0, 14, on_release, &lg);
	check(n == 1 && lg.released == 1 && b->count == 3, "ack [0,14] frees the first only: %u",
			n);
	n = rel_buf_ack(b, 0, 15, 19, on_release, &lg);
	check(n == 0, "ack [15,19] alone does not cover [10,19]");
	n = rel_buf_ack(b, 0, 10, 19, on_release, &lg);
	check(n == 1 && b->count == 2, "ack [10,19] frees the second");
	/* Selective: the fourth acknowledged, the third not: it stays, the head. */
	n = rel_buf_ack(b, 0, 30, 39, on_release, &lg);
	check(n == 1 && b->count == 2 && b->unacked == 1, "sack: 4th released, slot kept");
	n = rel_buf_ack(b, 1, 20, 29, on_release, &lg);
	check(n == 0, "another key's ack does not cover");
	/* NACK: resent once, not again within min_gap. */
	n = rel_buf_nack(b, 0, 25, 25, 200, 50, 32, on_resend, &lg);
	check(n == 1 && lg.resent == 1, "nack resends the 3rd");
	n = rel_buf_nack(b, 0, 25, 25, 210, 50, 32, on_resend, &lg);
	check(n == 0, "nack within min_gap: not again");
	/* Behind a newer acknowledged number: resent after rto. */
	n = rel_buf_tick(b, 220, 1000, 50, 8, on_dead, on_resend, &lg);
	check(n == 0 && lg.resent == 1, "tick before rto: nothing");
	n = rel_buf_tick(b, 300, 1000, 50, 8, on_dead, on_resend, &lg);
	check(n == 0 && lg.resent == 2, "tick after rto: behind -> resent");
	/* Window: the 3rd (sent at 102) dead at 102 + 1000 + 1. */
	n = rel_buf_tick(b, 1103, 1000, 5000, 8, on_dead, on_resend, &lg);
	check(n == 1 && lg.dead == 1 && lg.last_dead == 3 && b->count == 0 && b->unacked == 0,
			"window expiry dead-letters the 3rd: %u", n);
	/* Full ring: the oldest held goes to the dead letters. */
	for (uintptr_t i = 0; i < 9; i++) {
		s = span_of(0, 100 + i, 100 + i);
		rel_buf_push(b, (void *)(i + 10), &s, 2000 + i, on_dead, &lg);
	}
	check(lg.dead == 2 && lg.last_dead == 10 && b->count == 8, "full: oldest dead-lettered");
	n = rel_buf_flush(b, on_dead, &lg);
	check(n == 8 && lg.dead == 10 && b->count == 0 && b->unacked == 0, "flush: all dead");
	/* Exactly once each: every object ended in one callback. */
	check(lg.released + lg.dead == 4 + 9, "every entry accounted: %u + %u", lg.released,
			lg.dead);
	free(b);
}

/*
 * An entry pushed with a time later than the tick's (a replay kept in the same poll, after the
 * poll read its clock) is young, not 2^64 cycles old: neither dead-lettered nor resent.
 */
static void
test_later_push(void)
{
	struct rel_buf *b = malloc(rel_buf_size(8));
	struct log lg;
	struct rel_span s;
	unsigned int n;

	memset(&lg, 0, sizeof(lg));
	rel_buf_init(b, 8);
	s = span_of(0, 0, 9);
	rel_buf_push(b, (void *)1, &s, 1000, on_dead, &lg);
	s = span_of(0, 10, 19);
	rel_buf_push(b, (void *)2, &s, 1005, on_dead, &lg);
	n = rel_buf_ack(b, 0, 10, 19, on_release, &lg); /* the 1st is now behind a newer number */
	check(n == 1, "ack of the 2nd");
	n = rel_buf_tick(b, 990, 100, 50, 8, on_dead, on_resend, &lg);
	check(n == 0 && lg.dead == 0 && lg.resent == 0 && b->unacked == 1,
			"tick at a time before the push: nothing dead or resent (%u dead, %u resent)",
			lg.dead, lg.resent);
	n = rel_buf_nack(b, 0, 0, 9, 990, 50, 32, on_resend, &lg);
	check(n == 1, "a NACK still resends it at once");
	n = rel_buf_nack(b, 0, 0, 9, 995, 50, 32, on_resend, &lg);
	check(n == 0, "and not again within min_gap");
	n = rel_buf_tick(b, 1101, 100, 50, 8, on_dead, on_resend, &lg);
	check(n == 1 && lg.dead == 1, "window expiry counts from the push: %u", n);
	free(b);
}

static void
test_rx(void)
{
	struct rel_rx x;
	uint64_t f[REL_RX_RANGES], l[REL_RX_RANGES];
	unsigned int n;

	memset(&x, 0, sizeof(x));
	for (uint64_t q = 0; q < 10; q++)
		rel_rx_add(&x, q, 1);
	for (uint64_t q = 11; q < 20; q++)
		rel_rx_add(&x, q, 2);
	n = rel_rx_report(&x, 3, 100, f, l, REL_RX_RANGES);
	check(n == 2 && f[0] == 11 && l[0] == 19 && f[1] == 0 && l[1] == 9, "rx: 2 ranges");
	rel_rx_add(&x, 10, 4);
	n = rel_rx_report(&x, 5, 100, f, l, REL_RX_RANGES);
	check(n == 1 && f[0] == 0 && l[0] == 19, "rx: a gap filled joins the ranges");
	rel_rx_add(&x, 50, 200);
	n = rel_rx_report(&x, 200, 100, f, l, REL_RX_RANGES);
	check(n == 1 && f[0] == 50 && x.n == 1, "rx: old ranges forgotten");
	for (uint64_t q = 0; q < 40; q += 2)
		rel_rx_add(&x, 1000 + q, 300 + q);
	check(x.n == REL_RX_RANGES, "rx: bounded ranges");

	/* Ranges moved in whole (the collector's written ranges). */
	memset(&x, 0, sizeof(x));
	rel_rx_add_range(&x, 10, 19, 1);
	rel_rx_add_range(&x, 30, 39, 2);
	rel_rx_add_range(&x, 25, 25, 3);
	n = rel_rx_report(&x, 3, 100, f, l, REL_RX_RANGES);
	check(n == 3 && f[0] == 25 && f[1] == 30 && l[1] == 39 && f[2] == 10 && l[2] == 19,
			"rx range: 3 separate ranges, newest first");
	rel_rx_add_range(&x, 20, 24, 4);
	n = rel_rx_report(&x, 4, 100, f, l, REL_RX_RANGES);
	check(n == 2 && f[0] == 10 && l[0] == 25 && f[1] == 30 && l[1] == 39,
			"rx range: touching ranges join (%u: %" PRIu64 "..%" PRIu64 ")", n, f[0],
			l[0]);
	rel_rx_add_range(&x, 15, 35, 5);
	n = rel_rx_report(&x, 5, 100, f, l, REL_RX_RANGES);
	check(n == 1 && f[0] == 10 && l[0] == 39, "rx range: an overlap joins all it covers");
	rel_rx_add_range(&x, 0, 0, 6);
	rel_rx_add_range(&x, UINT64_MAX - 1, UINT64_MAX, 6);
	rel_rx_add_range(&x, UINT64_MAX, UINT64_MAX, 7);
	n = rel_rx_report(&x, 7, 100, f, l, REL_RX_RANGES);
	check(n == 3 && f[0] == UINT64_MAX - 1 && l[0] == UINT64_MAX && f[1] == 0 && l[1] == 0 &&
					f[2] == 10,
			"rx range: the ends of the number space");
	for (uint64_t q = 0; q < 40; q++)
		rel_rx_add_range(&x, 1000 + 3 * q, 1001 + 3 * q, 10 + q);
	check(x.n == REL_RX_RANGES, "rx range: bounded ranges");
}

static void
test_ctrl(void)
{
	struct sph_ctrl_item in[20], out[40];
	uint8_t buf[1024];
	struct sph_hdr h;
	size_t len;
	int rc;

	for (unsigned int i = 0; i < 18; i++) {
		in[i].type = SPH_TLV_ACK;
		in[i].stream = 0x0102;
		in[i].first = 100 * i;
		in[i].last = 100 * i + 50;
	}
	in[18].type = SPH_TLV_NACK;
	in[18].stream = 7;
	in[18].first = 1000;
	in[18].last = 1009;
	len = sph_ctrl_encode(42, in, 19, buf, sizeof(buf));
	check(len == SPH_FIXED_LEN + (4 + 15 * 16) + (4 + 3 * 16) + 16, "ctrl: length %zu", len);
	rc = sph_decode(buf, len, &h);
	check(rc == (int)len && (h.flags & SPH_F_CTRL) && h.node == 42, "ctrl decodes: %d", rc);
	rc = sph_ctrl_parse(buf, &h, out, 40);
	check(rc == 19, "ctrl: 19 items: %d", rc);
	check(memcmp(&out[17], &in[17], sizeof(in[17])) == 0 ||
					(out[17].first == 1700 && out[17].last == 1750 &&
							out[17].stream == 0x0102),
			"ctrl: ack 17");
	check(out[18].type == SPH_TLV_NACK && out[18].stream == 7 && out[18].first == 1000 &&
					out[18].last == 1009,
			"ctrl: nack");
	check(sph_ctrl_encode(42, in, 19, buf, 100) == 0, "ctrl: too small -> 0");
	/* A NACK TLV of the wrong length, and a count of 0. */
	len = sph_ctrl_encode(1, &in[18], 1, buf, sizeof(buf));
	buf[SPH_FIXED_LEN + 2 + 13] = 0;
	buf[SPH_FIXED_LEN + 2 + 12] = 0;
	buf[SPH_FIXED_LEN + 2 + 11] = 0;
	buf[SPH_FIXED_LEN + 2 + 10] = 0;
	check(sph_decode(buf, len, &h) > 0 && sph_ctrl_parse(buf, &h, out, 40) == -SPH_E_BAD_TLV,
			"ctrl: nack count 0 refused");
	in[0].first = 5;
	in[0].last = 5;
	len = sph_ctrl_encode(1, in, 1, buf, sizeof(buf));
	buf[SPH_FIXED_LEN + 4 + 15] = 4; /* last < first */
	check(sph_decode(buf, len, &h) > 0 && sph_ctrl_parse(buf, &h, out, 40) == -SPH_E_BAD_TLV,
			"ctrl: range last < first refused");
}

/* A NACK for every number (count 2^32 - 1) resends at most its bound, the oldest first. */
static void
test_nack_bound(void)
{
	struct rel_buf *b = malloc(rel_buf_size(64));
	struct log lg = { 0 };
	unsigned int n;

	rel_buf_init(b, 64);
	for (uintptr_t i = 0; i < 50; i++) {
		struct rel_span s = span_of(0, i, i);

		rel_buf_push(b, (void *)(i + 1), &s, 100, on_dead, &lg);
	}
	n = rel_buf_nack(b, 0, 0, UINT32_MAX - 1, 200, 50, 32, on_resend, &lg);
	check(n == 32 && lg.resent == 32, "nack of 2^32 - 1 numbers: 32 resent, not 50 (%u)", n);
	n = rel_buf_nack(b, 0, 0, UINT32_MAX - 1, 200, 50, 32, on_resend, &lg);
	check(n == 18 && lg.resent == 50, "again: the other 18, the first 32 are within min_gap");
	free(b);
}

int
main(void)
{
	test_span();
	test_buf();
	test_nack_bound();
	test_later_push();
	test_rx();
	test_ctrl();
	return unit_done();
}
