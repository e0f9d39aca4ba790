/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The forward stage: the rules' first action. For each packet, the output port is looked up by
 * input port in a table built once from rules[] (the first rule whose "in" matches decides), and
 * the frame is checked against what the output port can send.
 */

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "pipeline.h"

static int
forward_init(struct stp_pipeline *pl)
{
	const struct stp_config *cfg = pl->cfg;

	for (unsigned int p = 0; p < PORT_MAX; p++)
		pl->fwd_out[p] = STP_NO_PORT;
	for (unsigned int in = 0; in < cfg->nb_ports; in++) {
		uint16_t in_id = pl->ports->ports[in].port_id;

		for (unsigned int r = 0; r < cfg->nb_rules; r++) {
			const struct cfg_rule *rule = &cfg->rules[r];

			if (!(rule->in_mask & (1u << in)))
				continue;
			if (rule->action == CFG_ACTION_FORWARD) {
				const struct port_rt *out = &pl->ports->ports[rule->out_port];

				pl->fwd_out[in_id] = out->port_id;
				pl->fwd_max_frame[in_id] = out->max_frame;
				pl->fwd_multiseg[in_id] = out->tx_multiseg;
			}
			break;
		}
	}
	return 0;
}

/* ~3 cycles/pkt beyond the table load (scripts/bench/forward.sh, net_null). */
static uint16_t
forward_burst(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	const struct stp_pipeline *pl = lc->pl;
	struct rte_mbuf *drop[STP_MAX_BURST];
	uint16_t k = 0, nd = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t in = m->port;
		uint16_t out = pl->fwd_out[in];

		if (unlikely(out == STP_NO_PORT)) {
			lc->stats.drops[STP_DROP_NO_RULE]++;
			drop[nd++] = m;
			continue;
		}
		if (unlikely(rte_pktmbuf_pkt_len(m) > pl->fwd_max_frame[in])) {
			lc->stats.drops[STP_DROP_MTU_EXCEEDED]++;
			drop[nd++] = m;
			continue;
		}
		if (unlikely(m->nb_segs > 1 && !pl->fwd_multiseg[in])) {
			lc->stats.drops[STP_DROP_TX_MULTISEG]++;
			drop[nd++] = m;
			continue;
		}
		pkt_meta(m)->out_port = out;
		pkts[k++] = m;
	}
	if (unlikely(nd > 0))
		rte_pktmbuf_free_bulk(drop, nd);
	return k;
}

const struct stp_stage stp_stage_forward = {
	.name = "forward",
	.init = forward_init,
	.burst = forward_burst,
};
