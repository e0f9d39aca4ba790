/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* The reflector's T3 correction per port: set-up, TX stamp reads, view (refl_txcorr.h). */

#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "port.h"
#include "probe_rt.h"
#include "refl_txcorr.h"

void
stp_refl_txcorr_read(struct stp_refl_txcorr *tc)
{
	uint64_t ns;
	bool have = port_tx_stamp_ns(tc->pr, &ns);

	probe_txcorr_poll(tc->c.pending ? &tc->c : &tc->step, have, ns, PROBE_TXCORR_POLLS);
}

/* Why port @p pr cannot measure the correction, or NULL when it can (its TX stamps on). */
static const char *
txcorr_why_off(const struct stp_pipeline *pl, const struct port_rt *pr)
{
	const struct probe_cfg *cfg = probe_cfg_of(pl->cfg);

	if (!cfg->probe_rx.t3_correction)
		return "probe_rx.t3_correction is false";
	if (pr->ts_src != PKT_TS_KERNEL && pr->ts_src != PKT_TS_HW)
		return "the port's timestamps are software: no TX stamps to measure against";
	for (unsigned int i = 0; i < cfg->nb_probes; i++)
		if (cfg->probes[i].port == pr->cfg_idx && cfg->probes[i].mode != CFG_PROBE_PLAIN)
			return "a probe stream sends on the port: its TX stamps are the stream's T1s";
	if (rte_eth_timesync_enable(pr->port_id) != 0)
		return "the port's timesync API is not supported";
	return NULL;
}

int
stp_refl_txcorr_init(struct stp_pipeline *pl, struct stp_probe_rt *rt)
{
	for (unsigned int p = 0; p < pl->ports->nb; p++) {
		const struct port_rt *pr = &pl->ports->ports[p];
		struct stp_refl_txcorr *tc;

		if (pr->port_id >= RTE_DIM(rt->txcorr) || !((rt->port_mask >> pr->port_id) & 1))
			continue;
		tc = rte_zmalloc("stp_refl_txcorr", sizeof(*tc), RTE_CACHE_LINE_SIZE);
		if (tc == NULL) {
			snprintf(pl->err, sizeof(pl->err), "probe_rx: out of memory");
			return -1;
		}
		tc->pr = pr;
		tc->why = txcorr_why_off(pl, pr);
		probe_txcorr_init(&tc->c, tc->why == NULL, false);
		probe_txcorr_init(&tc->step, tc->why == NULL, true);
		rt->txcorr[pr->port_id] = tc;
		RTE_LOG(INFO, USER1, "probe_rx: port \"%s\": reflector T3 %s%s\n", pr->cfg->name,
				tc->why == NULL ? "corrected by the measured TX path delay (its "
						  "replies' TX stamps)" :
						  "as taken: ",
				tc->why == NULL ? "" : tc->why);
	}
	return 0;
}

void
stp_refl_txcorr_free(struct stp_probe_rt *rt)
{
	for (unsigned int i = 0; i < RTE_DIM(rt->txcorr); i++) {
		rte_free(rt->txcorr[i]);
		rt->txcorr[i] = NULL;
	}
}

#define LD(f) ((json_int_t)__atomic_load_n(&(f), __ATOMIC_RELAXED))

json_t *
stp_refl_txcorr_json(const struct stp_pipeline *pl)
{
	const struct stp_probe_rt *rt = stp_probe_rt(pl);
	json_t *a = json_array();

	if (rt == NULL || a == NULL)
		return a;
	for (unsigned int i = 0; i < RTE_DIM(rt->txcorr); i++) {
		const struct stp_refl_txcorr *tc = rt->txcorr[i];
		uint32_t own;
		uint64_t corrected = 0;
		json_t *o;

		if (tc == NULL)
			continue;
		own = __atomic_load_n(&tc->owner, __ATOMIC_RELAXED);
		for (unsigned int q = 0; q < CFG_MAX_QUEUES; q++)
			corrected += __atomic_load_n(&tc->corrected[q], __ATOMIC_RELAXED);
		o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "port",
				tc->pr->cfg->name, "state",
				probe_txcorr_state_name((enum probe_txcorr_state)__atomic_load_n(
						&tc->c.state, __ATOMIC_RELAXED)),
				"asked", LD(tc->c.asked), "samples", LD(tc->c.samples), "lost",
				LD(tc->c.lost), "implausible", LD(tc->c.implausible), "median_ns",
				LD(tc->c.median_ns), "spread_ns", LD(tc->c.spread_ns),
				"correction_ns", LD(tc->c.corr_ns), "corrected",
				(json_int_t)corrected);
		if (o == NULL)
			continue;
		json_object_set_new(o, "queue", own == 0 ? json_null() : json_integer(own - 1));
		json_object_set_new(o, "step",
				json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "state",
						probe_txcorr_state_name(
								(enum probe_txcorr_state)__atomic_load_n(
										&tc->step.state,
										__ATOMIC_RELAXED)),
						"samples", LD(tc->step.samples), "lost",
						LD(tc->step.lost), "median_ns",
						LD(tc->step.median_ns), "spread_ns",
						LD(tc->step.spread_ns), "correction_ns",
						LD(tc->step.corr_ns)));
		if (tc->why != NULL)
			json_object_set_new(o, "why", json_string(tc->why));
		json_array_append_new(a, o);
	}
	return a;
}
