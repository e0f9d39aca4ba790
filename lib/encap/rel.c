/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* Bookkeeping of the resend transport (see rel.h). */

#include <stddef.h>
#include <string.h>

#include "rel.h"
/*
 * Ages are sat_sub(now, t): an entry may be pushed with a time read after the caller's now (a
 * replay kept in the same poll as the tick), and an unsigned difference would take it for 2^64
 * cycles old (dead-lettered or resent at once).
 */
#include "sat.h"

bool
rel_span_add(struct rel_span *s, uint8_t key, uint64_t seq)
{
	for (unsigned int i = 0; i < s->nb; i++)
		if (s->key[i] == key) {
			if (seq < s->lo[i])
				s->lo[i] = seq;
			if (seq > s->hi[i])
				s->hi[i] = seq;
			return true;
		}
	if (s->nb == REL_SPAN_MAX)
		return false;
	s->key[s->nb] = key;
	s->lo[s->nb] = seq;
	s->hi[s->nb] = seq;
	s->nb++;
	return true;
}

unsigned long
rel_buf_size(uint32_t size)
{
	return sizeof(struct rel_buf) + (unsigned long)size * sizeof(struct rel_entry);
}

void
rel_buf_init(struct rel_buf *b, uint32_t size)
{
	memset(b, 0, rel_buf_size(size));
	b->size = size;
}

static inline struct rel_entry *
at(struct rel_buf *b, uint32_t i)
{
	return &b->e[(b->head + i) & (b->size - 1)];
}

/* Release or dead-letter entry @p e (held): its object goes to @p cb. */
static void
let_go(struct rel_buf *b, struct rel_entry *e, rel_cb cb, void *ctx)
{
	cb(ctx, e);
	e->obj = NULL;
	b->unacked--;
}

/* Pop released entries off the head. */
static void
pop_released(struct rel_buf *b)
{
	while (b->count > 0 && at(b, 0)->obj == NULL) {
		b->head = (b->head + 1) & (b->size - 1);
		b->count--;
	}
}

struct rel_entry *
rel_buf_push(struct rel_buf *b, void *obj, const struct rel_span *span, uint64_t now, rel_cb dead,
		void *ctx)
{
	struct rel_entry *e;

	pop_released(b);
	if (b->count == b->size) {
		/* The oldest is held (released ones were popped): it cannot wait any more. */
		let_go(b, at(b, 0), dead, ctx);
		pop_released(b);
	}
	e = at(b, b->count);
	e->obj = obj;
	e->t_sent = now;
	e->t_last = now;
	e->acked = 0;
	e->span = *span;
	b->count++;
	b->unacked++;
	return e;
}

unsigned int
rel_buf_ack(struct rel_buf *b, uint8_t key, uint64_t first, uint64_t last, rel_cb release,
		void *ctx)
{
	unsigned int n = 0;

	if (last + 1 > b->max_acked[key])
		b->max_acked[key] = last + 1;
	for (uint32_t i = 0; i < b->count; i++) {
		struct rel_entry *e = at(b, i);
		const uint8_t all = (uint8_t)((1u << e->span.nb) - 1);

		if (e->obj == NULL)
			continue;
		for (unsigned int s = 0; s < e->span.nb; s++)
			if (e->span.key[s] == key && e->span.lo[s] >= first &&
					e->span.hi[s] <= last)
				e->acked |= (uint8_t)(1u << s);
		if (e->acked == all) {
			let_go(b, e, release, ctx);
			n++;
		}
	}
	pop_released(b);
	return n;
}

unsigned int
rel_buf_nack(struct rel_buf *b, uint8_t key, uint64_t first, uint64_t last, uint64_t now,
		uint64_t min_gap, unsigned int max, rel_cb resend, void *ctx)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < b->count && n < max; i++) {
		struct rel_entry *e = at(b, i);
		bool want = false;

		/* Not twice within min_gap (repeated NACKs); the first resend is at once. */
		if (e->obj == NULL || (e->t_last != e->t_sent && sat_sub(now, e->t_last) < min_gap))
			continue;
		for (unsigned int s = 0; s < e->span.nb; s++)
			if (e->span.key[s] == key && !(e->acked & (1u << s)) &&
					e->span.lo[s] <= last && e->span.hi[s] >= first)
				want = true;
		if (want) {
			resend(ctx, e);
			e->t_last = now;
			n++;
		}
	}
	return n;
}

unsigned int
rel_buf_tick(struct rel_buf *b, uint64_t now, uint64_t window, uint64_t rto,
		unsigned int max_resend, rel_cb dead, rel_cb resend, void *ctx)
{
	unsigned int n = 0, r = 0;

	pop_released(b);
	/* Entries are in sending order: the expired ones are at the head. */
	while (b->count > 0 && sat_sub(now, at(b, 0)->t_sent) > window) {
		let_go(b, at(b, 0), dead, ctx);
		n++;
		pop_released(b);
	}
	for (uint32_t i = 0; i < b->count && r < max_resend; i++) {
		struct rel_entry *e = at(b, i);
		bool behind = false;

		if (e->obj == NULL || sat_sub(now, e->t_last) <= rto)
			continue;
		/* Left behind: the receiver acknowledged a newer number of the same stream. */
		for (unsigned int s = 0; s < e->span.nb; s++)
			if (!(e->acked & (1u << s)) && e->span.hi[s] < b->max_acked[e->span.key[s]])
				behind = true;
		if (behind) {
			resend(ctx, e);
			e->t_last = now;
			r++;
		}
	}
	return n;
}

unsigned int
rel_buf_flush(struct rel_buf *b, rel_cb dead, void *ctx)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < b->count; i++) {
		struct rel_entry *e = at(b, i);

		if (e->obj != NULL) {
			let_go(b, e, dead, ctx);
			n++;
		}
	}
	b->count = 0;
	b->head = 0;
	return n;
}

/* Remove range @p i of @p x. */
static void
rx_remove(struct rel_rx *x, unsigned int i)
{
	x->n--;
	x->first[i] = x->first[x->n];
	x->last[i] = x->last[x->n];
	x->t[i] = x->t[x->n];
}

void
rel_rx_add(struct rel_rx *x, uint64_t seq, uint64_t now)
{
	unsigned int i, j, oldest = 0;

	for (i = 0; i < x->n; i++) {
		if (seq >= x->first[i] && seq <= x->last[i]) {
			x->t[i] = now; /* again: report it again */
			return;
		}
		if (x->last[i] != UINT64_MAX && seq == x->last[i] + 1) {
			x->last[i] = seq;
			break;
		}
		if (x->first[i] != 0 && seq == x->first[i] - 1) {
			x->first[i] = seq;
			break;
		}
	}
	if (i < x->n) {
		x->t[i] = now;
		/* It may join the next range. */
		for (j = 0; j < x->n; j++) {
			if (j == i)
				continue;
			if ((x->last[i] != UINT64_MAX && x->last[i] + 1 == x->first[j]) ||
					(x->last[j] != UINT64_MAX &&
							x->last[j] + 1 == x->first[i])) {
				if (x->first[j] < x->first[i])
					x->first[i] = x->first[j];
				if (x->last[j] > x->last[i])
					x->last[i] = x->last[j];
				rx_remove(x, j);
				break;
			}
		}
		return;
	}
	if (x->n == REL_RX_RANGES) {
		for (i = 1; i < x->n; i++)
			if (x->t[i] < x->t[oldest])
				oldest = i;
		rx_remove(x, oldest);
	}
	x->first[x->n] = seq;
	x->last[x->n] = seq;
	x->t[x->n] = now;
	x->n++;
}

void
rel_rx_add_range(struct rel_rx *x, uint64_t first, uint64_t last, uint64_t now)
{
	unsigned int i, oldest = 0;

	/* Absorb every range that overlaps or touches [first, last]. */
	for (i = 0; i < x->n;) {
		if ((last == UINT64_MAX || x->first[i] <= last + 1) &&
				(x->last[i] == UINT64_MAX || x->last[i] + 1 >= first)) {
			if (x->first[i] < first)
				first = x->first[i];
			if (x->last[i] > last)
				last = x->last[i];
			rx_remove(x, i);
			continue;
		}
		i++;
	}
	if (x->n == REL_RX_RANGES) {
		for (i = 1; i < x->n; i++)
			if (x->t[i] < x->t[oldest])
				oldest = i;
		rx_remove(x, oldest);
	}
	x->first[x->n] = first;
	x->last[x->n] = last;
	x->t[x->n] = now;
	x->n++;
}

unsigned int
rel_rx_report(struct rel_rx *x, uint64_t now, uint64_t keep, uint64_t *first, uint64_t *last,
		unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < x->n;) {
		if (now - x->t[i] > keep) {
			rx_remove(x, i);
			continue;
		}
		i++;
	}
	/* Newest first: the ranges still growing matter most. */
	for (unsigned int k = 0; k < x->n && n < max; k++) {
		unsigned int best = x->n;

		for (unsigned int i = 0; i < x->n; i++) {
			bool taken = false;

			for (unsigned int j = 0; j < n; j++)
				taken |= first[j] == x->first[i] && last[j] == x->last[i];
			if (!taken && (best == x->n || x->t[i] > x->t[best]))
				best = i;
		}
		if (best == x->n)
			break;
		first[n] = x->first[best];
		last[n] = x->last[best];
		n++;
	}
	return n;
}
