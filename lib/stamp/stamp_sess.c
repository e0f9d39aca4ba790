/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* A stateful Session-Reflector's session table (see stamp.h). */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "stamp.h"

size_t
stamp_sess_table_size(uint32_t max)
{
	uint32_t slots = 2;

	if (max == 0 || max > STAMP_SESS_MAX)
		return 0;
	while (slots < 2 * max)
		slots <<= 1;
	return sizeof(struct stamp_sess_table) + (size_t)slots * sizeof(struct stamp_sess_entry);
}

void
stamp_sess_table_init(struct stamp_sess_table *t, uint32_t max, uint64_t idle_ns, uint16_t err_est,
		int tai_utc)
{
	uint32_t slots = 2;

	while (slots < 2 * max)
		slots <<= 1;
	memset(t, 0, sizeof(*t) + (size_t)slots * sizeof(struct stamp_sess_entry));
	t->mask = slots - 1;
	t->max = max;
	t->idle_ns = idle_ns;
	t->tmpl.stateful = true;
	t->tmpl.err_est = err_est;
	t->tmpl.tai_utc = tai_utc;
}

/* FNV-1a over the key's fields, then a 32-bit finaliser (murmur3's) to spread the low bits. */
static uint32_t
sess_hash(const struct stamp_sess_key *k)
{
	uint32_t h = 2166136261u;
	uint8_t tail[5] = { (uint8_t)(k->port >> 8), (uint8_t)k->port, (uint8_t)(k->ssid >> 8),
		(uint8_t)k->ssid, k->family };

	for (unsigned int i = 0; i < sizeof(k->addr); i++)
		h = (h ^ k->addr[i]) * 16777619u;
	for (unsigned int i = 0; i < sizeof(tail); i++)
		h = (h ^ tail[i]) * 16777619u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static bool
key_eq(const struct stamp_sess_key *a, const struct stamp_sess_key *b)
{
	return a->port == b->port && a->ssid == b->ssid && a->family == b->family &&
			memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static bool
idle(const struct stamp_sess_table *t, const struct stamp_sess_entry *e, uint64_t now_ns)
{
	return t->idle_ns != 0 && now_ns > e->last_ns && now_ns - e->last_ns > t->idle_ns;
}

struct stamp_refl_session *
stamp_sess_get(struct stamp_sess_table *t, const struct stamp_sess_key *k, uint64_t now_ns)
{
	const uint32_t home = sess_hash(k),
		       probe = t->mask + 1 < STAMP_SESS_PROBE ? t->mask + 1 : STAMP_SESS_PROBE;
	struct stamp_sess_entry *free_slot = NULL, *stale = NULL, *e;

	/* A held session is found in a slot or two; only a new one scans the whole window (an
	 * idle session may have been replaced past a free slot, so a free slot ends nothing).
	 */
	for (uint32_t i = 0; i < probe; i++) {
		e = &t->e[(home + i) & t->mask];
		if (!e->used) {
			if (free_slot == NULL)
				free_slot = e;
			continue;
		}
		if (key_eq(&e->key, k)) {
			if (idle(t, e, now_ns)) {
				/* Back after an idle time: a new session. */
				e->sess = t->tmpl;
				t->expired++;
				t->created++;
			}
			e->last_ns = now_ns;
			return &e->sess;
		}
		if (stale == NULL && idle(t, e, now_ns))
			stale = e;
	}
	if (stale != NULL) {
		e = stale;
		t->expired++;
	} else if (free_slot != NULL && t->nb < t->max) {
		e = free_slot;
		t->nb++;
	} else {
		t->overflow++;
		return NULL;
	}
	e->used = true;
	e->key = *k;
	e->last_ns = now_ns;
	e->sess = t->tmpl;
	t->created++;
	return &e->sess;
}
