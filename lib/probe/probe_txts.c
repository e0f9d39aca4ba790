/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#include "probe_txts.h"

void
probe_txts_put(struct probe_txts *t, uint64_t seq, uint64_t ns)
{
	unsigned int i = (unsigned int)(seq & (PROBE_TXTS_SLOTS - 1));

	/* Sequence lock: readers that see tag 0, or a tag that changed around their read of ns,
	 * find nothing; the stores of ns cannot move before the first tag store or after the
	 * second. */
	__atomic_store_n(&t->slot[i].tag, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&t->slot[i].ns, ns, __ATOMIC_RELAXED);
	__atomic_store_n(&t->slot[i].tag, seq + 1, __ATOMIC_RELEASE);
}

bool
probe_txts_get(const struct probe_txts *t, uint64_t seq, uint64_t *ns)
{
	unsigned int i = (unsigned int)(seq & (PROBE_TXTS_SLOTS - 1));
	uint64_t tag = __atomic_load_n(&t->slot[i].tag, __ATOMIC_ACQUIRE), v;

	if (tag != seq + 1 || tag == 0)
		return false;
	v = __atomic_load_n(&t->slot[i].ns, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&t->slot[i].tag, __ATOMIC_RELAXED) != tag)
		return false;
	*ns = v;
	return true;
}

bool
probe_hwtx_arm(struct probe_hwtx *h, uint64_t seq, uint64_t sw_ns)
{
	if (h->pending)
		return false;
	h->pending = true;
	h->seq = seq;
	h->sw_ns = sw_ns;
	h->polls = 0;
	h->asked++;
	return true;
}

enum probe_hwtx_rc
probe_hwtx_poll(struct probe_hwtx *h, struct probe_txts *t, bool have, uint64_t ns,
		uint32_t max_polls, uint64_t max_skew_ns)
{
	uint64_t skew;

	if (!h->pending)
		return PROBE_HWTX_IDLE;
	if (!have) {
		if (++h->polls < max_polls)
			return PROBE_HWTX_WAIT;
		h->pending = false;
		h->lost++;
		return PROBE_HWTX_LOST;
	}
	h->pending = false;
	skew = ns >= h->sw_ns ? ns - h->sw_ns : h->sw_ns - ns;
	if (skew > max_skew_ns) {
		h->implausible++;
		return PROBE_HWTX_IMPLAUSIBLE;
	}
	probe_txts_put(t, h->seq, ns);
	h->got++;
	return PROBE_HWTX_GOT;
}
