/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* The reflector's T3 correction: windowed median of TX stamp - T3 (txcorr.h). */

#include <string.h>

#include "txcorr.h"

#define ST(f, v) __atomic_store_n(&(f), (v), __ATOMIC_RELAXED)

void
probe_txcorr_init(struct probe_txcorr *c, bool on, bool relative)
{
	memset(c, 0, sizeof(*c));
	c->relative = relative;
	c->state = on ? PROBE_TXCORR_LEARNING : PROBE_TXCORR_OFF;
}

bool
probe_txcorr_arm(struct probe_txcorr *c, uint64_t t3_ns, uint32_t div)
{
	if (c->pending || c->state == PROBE_TXCORR_OFF || div == 0)
		return false;
	c->pending = true;
	c->t3_ns = t3_ns;
	c->div = div;
	c->polls = 0;
	ST(c->asked, c->asked + 1);
	return true;
}

/* Median, p10 and p90 of the window: a sorted copy (64 values, insertion sort: once per
 * sample, which is one per requested stamp, not per packet). */
static void
txcorr_update(struct probe_txcorr *c)
{
	int64_t v[PROBE_TXCORR_WIN];
	uint32_t n = c->n;
	int64_t med, spread;

	for (uint32_t i = 0; i < n; i++) {
		int64_t x = c->win[i];
		uint32_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	med = (n & 1) ? v[n / 2] : v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
	spread = v[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1] - v[n / 10];
	ST(c->median_ns, med);
	ST(c->spread_ns, spread);
	if (n < PROBE_TXCORR_MIN) {
		ST(c->state, (uint64_t)PROBE_TXCORR_LEARNING);
		ST(c->corr_ns, 0);
	} else if (spread > PROBE_TXCORR_MAX_SPREAD_NS ||
			(c->relative && spread > (med < 0 ? -med : med) / 2)) {
		ST(c->state, (uint64_t)PROBE_TXCORR_UNSTABLE);
		ST(c->corr_ns, 0);
	} else {
		ST(c->corr_ns, med);
		ST(c->state, (uint64_t)PROBE_TXCORR_APPLIED);
	}
}

enum probe_txcorr_rc
probe_txcorr_poll(struct probe_txcorr *c, bool have, uint64_t tx_ns, uint32_t max_polls)
{
	int64_t d;

	if (!c->pending)
		return PROBE_TXCORR_IDLE;
	if (!have) {
		if (++c->polls < max_polls)
			return PROBE_TXCORR_WAIT;
		c->pending = false;
		ST(c->lost, c->lost + 1);
		return PROBE_TXCORR_LOST;
	}
	c->pending = false;
	d = (int64_t)(tx_ns - c->t3_ns);
	if (d > PROBE_TXCORR_MAX_NS || d < -PROBE_TXCORR_MAX_NS) {
		ST(c->implausible, c->implausible + 1);
		return PROBE_TXCORR_IMPLAUSIBLE;
	}
	c->win[c->head] = d / (int64_t)c->div;
	c->head = (c->head + 1) % PROBE_TXCORR_WIN;
	if (c->n < PROBE_TXCORR_WIN)
		c->n++;
	ST(c->samples, c->samples + 1);
	txcorr_update(c);
	return PROBE_TXCORR_SAMPLE;
}

const char *
probe_txcorr_state_name(enum probe_txcorr_state s)
{
	static const char *const names[] = { "off", "learning", "unstable", "applied" };

	return (unsigned int)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}
