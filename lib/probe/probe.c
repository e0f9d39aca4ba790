/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#include <string.h>

#include "probe.h"

void
probe_write(uint8_t *p, const struct probe_hdr *h)
{
	bytes_put_be32(p, PROBE_MAGIC);
	p[4] = h->version;
	p[5] = h->flags;
	bytes_put_be16(p + 6, h->stream);
	bytes_put_be64(p + PROBE_OFF_SEQ, h->seq);
	bytes_put_be64(p + PROBE_OFF_TX, h->tx_ns);
	bytes_put_be64(p + PROBE_OFF_RRX, h->refl_rx_ns);
	bytes_put_be64(p + PROBE_OFF_RTX, h->refl_tx_ns);
}

enum probe_parse_rc
probe_parse(const uint8_t *p, uint32_t len, struct probe_hdr *h)
{
	uint32_t magic;

	if (len < 4)
		return PROBE_ERR_SHORT;
	magic = bytes_get_be32(p);
	if (magic != PROBE_MAGIC)
		return PROBE_ERR_MAGIC;
	if (len < PROBE_LEN)
		return PROBE_ERR_SHORT;
	h->version = p[4];
	h->flags = p[5];
	h->stream = bytes_get_be16(p + 6);
	if (h->version != PROBE_VERSION)
		return PROBE_ERR_VERSION;
	if (h->stream >= PROBE_MAX_STREAMS)
		return PROBE_ERR_STREAM;
	h->seq = bytes_get_be64(p + PROBE_OFF_SEQ);
	h->tx_ns = bytes_get_be64(p + PROBE_OFF_TX);
	h->refl_rx_ns = bytes_get_be64(p + PROBE_OFF_RRX);
	h->refl_tx_ns = bytes_get_be64(p + PROBE_OFF_RTX);
	return PROBE_OK;
}

/* ---------------------------------------------------------------------------------------------- */

static inline bool
seq_bit(const struct probe_seq *s, uint64_t seq)
{
	uint64_t i = seq % PROBE_WINDOW;

	return (s->bits[i / 64] >> (i % 64)) & 1;
}

static inline void
seq_set(struct probe_seq *s, uint64_t seq, bool on)
{
	uint64_t i = seq % PROBE_WINDOW;

	if (on)
		s->bits[i / 64] |= UINT64_C(1) << (i % 64);
	else
		s->bits[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

static void
seq_start(struct probe_seq *s, uint64_t seq)
{
	s->started = true;
	s->first = seq;
	s->max = seq;
	memset(s->bits, 0, sizeof(s->bits));
	seq_set(s, seq, true);
	s->received++;
	s->odd_run = 0;
}

/* An odd sequence (too old or far): after PROBE_RESYNC in a row the sender has restarted. */
static enum probe_seq_rc
seq_odd(struct probe_seq *s, uint64_t seq, enum probe_seq_rc rc)
{
	if (++s->odd_run < PROBE_RESYNC) {
		if (rc == PROBE_SEQ_FAR)
			s->far++;
		else
			s->too_old++;
		return rc;
	}
	/*
	 * The PROBE_RESYNC - 1 odd ones before were counted ignored; this one starts afresh. The
	 * sequences expected so far stay in the total, so losses before the restart still count.
	 */
	s->expected_before += s->max - s->first + 1;
	s->resyncs++;
	seq_start(s, seq);
	return PROBE_SEQ_NEW;
}

enum probe_seq_rc
probe_seq_update(struct probe_seq *s, uint64_t seq)
{
	if (!s->started) {
		seq_start(s, seq);
		return PROBE_SEQ_NEW;
	}
	if (seq > s->max) {
		uint64_t gap = seq - s->max;

		if (gap > PROBE_FAR)
			return seq_odd(s, seq, PROBE_SEQ_FAR);
		s->odd_run = 0;
		/* Clear the bits of the sequences the window slides over (at most all of them). */
		if (gap >= PROBE_WINDOW) {
			memset(s->bits, 0, sizeof(s->bits));
		} else {
			for (uint64_t q = s->max + 1; q < seq; q++)
				seq_set(s, q, false);
		}
		seq_set(s, seq, true);
		s->max = seq;
		s->received++;
		return PROBE_SEQ_NEW;
	}
	if (s->max - seq >= PROBE_WINDOW || seq < s->first)
		return seq_odd(s, seq, PROBE_SEQ_TOO_OLD);
	s->odd_run = 0;
	if (seq_bit(s, seq)) {
		s->duplicates++;
		return PROBE_SEQ_DUP;
	}
	seq_set(s, seq, true);
	s->received++;
	s->reordered++;
	return PROBE_SEQ_REORDERED;
}

uint64_t
probe_seq_lost(const struct probe_seq *s)
{
	uint64_t expected;

	if (!s->started)
		return 0;
	expected = s->expected_before + (s->max - s->first + 1);
	return expected > s->received ? expected - s->received : 0;
}

void
probe_jitter_update(struct probe_jitter *j, uint64_t tx_ns, uint64_t rx_ns)
{
	uint64_t d, ad;

	if (j->started) {
		/* Unsigned (wrapping) arithmetic: any pair of stamps, even absurd ones, is defined.
		 */
		d = (rx_ns - j->last_rx) - (tx_ns - j->last_tx);
		ad = (d >> 63) ? 0 - d : d;
		/* J16 = 16 J: J += (|D| - J) / 16 becomes J16 += |D| - J16 / 16. */
		j->j16 = j->j16 + ad - j->j16 / 16;
	}
	j->started = true;
	j->last_tx = tx_ns;
	j->last_rx = rx_ns;
}

/* ---------------------------------------------------------------------------------------------- */

void
probe_pace_set(struct probe_pace *p, uint64_t hz, uint64_t rate, uint64_t tsc, uint64_t base)
{
	p->hz = hz != 0 ? hz : 1;
	p->rate = rate;
	p->start = tsc;
	p->base = base;
}

double
probe_pace_cycles_per_credit(const struct probe_pace *p)
{
	return p->rate != 0 ? (double)p->hz / (double)p->rate : 0.0;
}

unsigned int
probe_sizes_imix(uint16_t sizes[PROBE_MAX_SIZES])
{
	/* 7:4:1, spread out so that a short run still sees the mix. */
	static const uint16_t imix[] = { 64, 594, 64, 64, 594, 64, 1518, 64, 594, 64, 594, 64 };

	memcpy(sizes, imix, sizeof(imix));
	return sizeof(imix) / sizeof(imix[0]);
}

uint32_t
probe_min_frame(bool ipv6, bool vlan)
{
	uint32_t n = 14 + (vlan ? 4 : 0) + (ipv6 ? 40 : 20) + 8 + PROBE_LEN + 4;

	return n < PROBE_MIN_FRAME ? PROBE_MIN_FRAME : n;
}

/* ---------------------------------------------------------------------------------------------- */

uint32_t
probe_csum_add(uint32_t sum, const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint64_t s = sum;
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		s += (uint32_t)p[i] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t
probe_csum_fold(uint32_t sum)
{
	uint16_t c;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	return c == 0 ? 0xffff : c;
}
