/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The rules stage: for each packet, the rules in order (input ports, BPF filter, action) choose
 * a set of destinations; groups resolve to members (balance by symmetric flow hash, replicate,
 * first-up); the packet is sliced (snaplen) and its VLAN tags stripped when the rule says so;
 * then it is delivered: moved to its only destination, or shared (a reference per capture
 * output, a clone per extra port) when there are several.
 *
 * Destinations are bits of a 64-bit mask: bit p < 32 is DPDK port p, bit 32 + o is outputs[o].
 * Rules are evaluated a burst at a time: each rule's filter runs once over the packets still
 * undecided that arrived on its ports, so a burst costs one filter call per rule, not per packet.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "encap.h"
#include "filter.h"
#include "outputs_cfg.h"
#include "pcapng.h"
#include "pipeline.h"
#include "rules_rt.h"
#include "rules_cmds.h"

#define DEST_OUTPUT(o) (1ULL << (32 + (o)))
#define DEST_PORTS_MASK 0xffffffffULL

/* Resolve a group member set for one packet into destination bits. */
static inline uint64_t
group_dest(const struct stp_pipeline *pl, const struct stp_group_rt *g, uint32_t hash)
{
	switch (g->mode) {
	case CFG_GROUP_BALANCE:
		/* Multiply-shift: the symmetric hash picks the same member for both directions. */
		return g->member_dest[((uint64_t)hash * g->nb_members) >> 32];
	case CFG_GROUP_REPLICATE:
		return g->all_dest;
	case CFG_GROUP_FIRST_UP:
	default:
		for (unsigned int i = 0; i < g->nb_members; i++) {
			uint64_t d = g->member_dest[i];

			/* Outputs are always up; a port is up when the control thread last saw it.
			 */
			if (!(d & DEST_PORTS_MASK) ||
					__atomic_load_n(&pl->link_up[__builtin_ctzll(d)],
							__ATOMIC_RELAXED))
				return d;
		}
		return 0;
	}
}

static inline uint64_t
rule_dest(const struct stp_pipeline *pl, const struct stp_rule_rt *r, uint32_t hash)
{
	if (r->group != NULL)
		return group_dest(pl, r->group, hash);
	return r->dest;
}

/* TPIDs of 802.1Q, 802.1ad and the old QinQ 0x9100, in network order. */
static inline bool
is_vlan_tpid(const uint8_t *p)
{
	return (p[0] == 0x81 && p[1] == 0x00) || (p[0] == 0x88 && p[1] == 0xa8) ||
			(p[0] == 0x91 && p[1] == 0x00);
}

/*
 * Remove every VLAN tag: the MAC addresses move up over them. Tags are counted in the frame,
 * not taken from the parser (which stops at two), so a triple-tagged frame loses all three.
 */
static inline void
vlan_strip(struct rte_mbuf *m, struct pkt_meta *meta)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	unsigned int off = 2 * RTE_ETHER_ADDR_LEN, tags = 0;

	/* A tag is removed only when it is whole and something follows it. */
	while (off + 4 + 2 <= len && is_vlan_tpid(p + off)) {
		off += 4;
		tags++;
	}
	if (tags == 0)
		return;
	memmove(p + 4 * tags, p, 2 * RTE_ETHER_ADDR_LEN);
	rte_pktmbuf_adj(m, 4 * tags);
	meta->l3_off = (uint8_t)(meta->l3_off > 4 * tags ? meta->l3_off - 4 * tags : 0);
	if (meta->l4_off != 0)
		meta->l4_off -= 4 * tags;
	/* A frame cut short (capture file, snaplen) was that much shorter on the wire too. */
	if (meta->orig_len != 0)
		meta->orig_len = meta->orig_len > 4 * tags ? meta->orig_len - 4 * tags : 0;
	meta->nb_vlan = 0;
}

/* Per-burst delivery buffers of the rules stage. */
struct deliver {
	uint16_t nb_port;
	struct rte_mbuf *port_pkts[STP_MAX_BURST];
	uint16_t nb_out[CFG_MAX_OUTPUTS];
	struct rte_mbuf *out_pkts[CFG_MAX_OUTPUTS][STP_MAX_BURST];
};

static inline void
deliver_port(struct stp_lcore *lc, struct deliver *d, struct rte_mbuf *m, uint16_t port)
{
	pkt_meta(m)->out_port = port;
	d->port_pkts[d->nb_port++] = m;
	if (d->nb_port == STP_MAX_BURST) {
		stp_tx_emit(lc, d->port_pkts, d->nb_port);
		d->nb_port = 0;
	}
}

static void
deliver_flush(struct stp_lcore *lc, struct deliver *d)
{
	const struct stp_pipeline *pl = lc->pl;

	if (d->nb_port > 0)
		stp_tx_emit(lc, d->port_pkts, d->nb_port);
	d->nb_port = 0;
	/* Each output by the ops of its type (capture, tunnel, stampede: feature.h). */
	for (unsigned int o = 0; o < pl->nb_outputs; o++) {
		if (d->nb_out[o] == 0)
			continue;
		pl->out_ops[o]->send(lc, o, d->out_pkts[o], d->nb_out[o]);
		d->nb_out[o] = 0;
	}
}

/* Deliver one packet to every destination in @p dest (non-zero). */
static inline void
deliver_one(struct stp_lcore *lc, struct deliver *d, struct rte_mbuf *m, uint64_t dest)
{
	const struct stp_pipeline *pl = lc->pl;
	uint64_t ports = dest & DEST_PORTS_MASK;
	uint64_t outs = dest >> 32;
	unsigned int nb = __builtin_popcountll(dest);
	unsigned int nb_outs = __builtin_popcountll(outs);

	if (likely(nb == 1)) {
		if (ports != 0) {
			deliver_port(lc, d, m, (uint16_t)__builtin_ctzll(ports));
		} else {
			unsigned int o = __builtin_ctzll(outs);

			d->out_pkts[o][d->nb_out[o]++] = m;
		}
		return;
	}
	lc->stats.replicas += nb - 1;
	/*
	 * Capture outputs only read the packet: each gets a reference. Every port after the
	 * first gets a clone (an indirect mbuf with its own metadata, same data), because a TX
	 * lcore reads the output port from the metadata.
	 */
	if (nb_outs != 0)
		rte_pktmbuf_refcnt_update(m, (int16_t)(ports != 0 ? nb_outs : nb_outs - 1));
	while (outs != 0) {
		unsigned int o = __builtin_ctzll(outs);

		outs &= outs - 1;
		d->out_pkts[o][d->nb_out[o]++] = m;
	}
	if (ports == 0)
		return;
	{
		uint16_t first = (uint16_t)__builtin_ctzll(ports);

		ports &= ports - 1;
		while (ports != 0) {
			uint16_t p = (uint16_t)__builtin_ctzll(ports);
			struct rte_mbuf *c = rte_pktmbuf_clone(m, pl->ports->clone_pool);

			ports &= ports - 1;
			if (unlikely(c == NULL)) {
				lc->stats.drops[STP_DROP_CLONE_FAILED]++;
				continue;
			}
			deliver_port(lc, d, c, p);
		}
		deliver_port(lc, d, m, first);
	}
}

static uint16_t rules_burst_general(struct stp_lcore *lc, const struct stp_rules_rt *rs,
		struct rte_mbuf **pkts, uint16_t n);

/*
 * A burst from one input port whose rule forwards to outputs[o] (a stampede edge, a capture):
 * the whole burst goes to the output's send, as the general path delivers it (the rule counts
 * every packet; a paused output is no destination: each packet is an output_paused drop), but
 * without its per-packet walk: the rules stage's own share of an edge's 64-byte frame went from
 * 89 to 2 instructions (callgrind on scripts/bench/broker.sh's edge64 config; cycles: that
 * script's edge64 row, whose "rules" stage figure includes the output's send).
 */
static uint16_t
rules_burst_output(struct stp_lcore *lc, const struct stp_rules_rt *rs, uint16_t in, unsigned int o,
		struct rte_mbuf **pkts, uint16_t n)
{
	const struct stp_pipeline *pl = lc->pl;

	rules_lcore_stats(lc)->pkts[rs->simple_rule[in]] += n;
	/*
	 * The output reads each packet's input port (a capture's interface, an edge's record):
	 * with an output the RX stage writes it (pl->port_lazy needs none).
	 */
	RTE_ASSERT(!lc->hint.valid || !lc->hint.port_lazy);
	if (unlikely(__atomic_load_n(&pl->out_paused, __ATOMIC_RELAXED) & DEST_OUTPUT(o))) {
		lc->stats.drops[STP_DROP_OUTPUT_PAUSED] += n;
		rte_pktmbuf_free_bulk(pkts, n);
		return 0;
	}
	pl->out_ops[o]->send(lc, o, pkts, n);
	return 0;
}

/*
 * The RX hint (valid: one input port) says that no frame of the burst can fail the frame checks
 * of a rule whose output takes frames of up to @p max_frame bytes, chains when @p multiseg:
 * the longest is short enough, and none is a chain the output cannot take.
 */
static __rte_always_inline bool
hint_no_frame_check(const struct stp_lcore *lc, uint32_t max_frame, bool multiseg)
{
	return lc->hint.valid && lc->hint.max_len <= max_frame && (multiseg || !lc->hint.multiseg);
}

/* The table-lookup path for rule sets that depend on the input port only (see simple). */
static uint16_t
rules_burst_simple(struct stp_lcore *lc, const struct stp_rules_rt *rs, struct rte_mbuf **pkts,
		uint16_t n)
{
	struct rules_stats *rst = rules_lcore_stats(lc);
	struct rte_mbuf *drop[STP_MAX_BURST];
	uint16_t k = 0, nd = 0, run_port, run = 0, out0;
	bool one_port = true;
	uint16_t i;

	/*
	 * A burst from one input port (one RX queue: the usual case) has one decision: only the
	 * frame checks remain per packet, and out_port is written only when something will
	 * read it (a TX ring, or older packets buffered for the port). The RX stage's hint (this
	 * lcore read the burst from one queue) says so, and whether a frame check can fail,
	 * without a pass over the burst. With the hint, the mbufs' port is not read: the RX
	 * stage may have left it unwritten (hint.port_lazy).
	 */
	if (lc->hint.valid) {
		run_port = lc->hint.port;
		out0 = rs->simple_out[run_port];
		i = n;
	} else {
		run_port = pkts[0]->port;
		out0 = rs->simple_out[run_port];
		for (i = 1; i < n; i++)
			if (pkts[i]->port != run_port)
				break;
	}
	if (i == n && out0 >= STP_SIMPLE_OUTPUT && out0 != STP_NO_PORT)
		return rules_burst_output(lc, rs, run_port, out0 - STP_SIMPLE_OUTPUT, pkts, n);
	if (likely(i == n && out0 != STP_NO_PORT)) {
		const uint32_t max_frame = rs->simple_max_frame[run_port];
		const bool multiseg = rs->simple_multiseg[run_port];
		const bool direct = lc->tx_target == lc && lc->txbuf[out0].n == 0;

		/*
		 * Nothing to drop: the burst goes as it is. rules_burst: 2.4 instr/pkt in all,
		 * measured by scripts/bench/instr.sh (null row; 22 before the RX hint; 2.3 before
		 * the rule counters became the feature's own: two loads per burst to find them).
		 */
		if (hint_no_frame_check(lc, max_frame, multiseg)) {
			if (!direct)
				for (i = 0; i < n; i++)
					pkt_meta(pkts[i])->out_port = out0;
			rst->pkts[rs->simple_rule[run_port]] += n;
			stp_tx_emit_port(lc, out0, pkts, n);
			return 0;
		}
		for (i = 0; i < n; i++) {
			struct rte_mbuf *m = pkts[i];

			if (unlikely(rte_pktmbuf_pkt_len(m) > max_frame)) {
				lc->stats.drops[STP_DROP_MTU_EXCEEDED]++;
				drop[nd++] = m;
				continue;
			}
			if (unlikely(m->nb_segs > 1 && !multiseg)) {
				lc->stats.drops[STP_DROP_TX_MULTISEG]++;
				drop[nd++] = m;
				continue;
			}
			if (!direct)
				pkt_meta(m)->out_port = out0;
			pkts[k++] = m;
		}
		rst->pkts[rs->simple_rule[run_port]] += n;
		if (unlikely(nd > 0))
			rte_pktmbuf_free_bulk(drop, nd);
		if (k > 0)
			stp_tx_emit_port(lc, out0, pkts, k);
		return 0;
	}
	/* Inputs of one burst to outputs and ports: the general path delivers both (with an
	 * output, the RX stage wrote the ports: pl->port_lazy needs none). */
	if (unlikely(rs->simple_outputs))
		return rules_burst_general(lc, rs, pkts, n);

	stp_hint_port_write(lc, pkts, n); /* the loop reads each packet's port */
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t out = rs->simple_out[m->port];

		/*
		 * Rule counters by runs of one input port (a burst comes from one queue): an
		 * increment in memory per packet would chain every packet through store
		 * forwarding (~5 cycles/pkt measured on net_null).
		 */
		if (unlikely(m->port != run_port)) {
			rst->pkts[rs->simple_rule[run_port]] += run;
			run_port = m->port;
			run = 0;
		}
		run++;
		if (unlikely(out == STP_NO_PORT)) {
			lc->stats.drops[rs->simple_why[m->port]]++;
			drop[nd++] = m;
			continue;
		}
		if (unlikely(rte_pktmbuf_pkt_len(m) > rs->simple_max_frame[m->port])) {
			lc->stats.drops[STP_DROP_MTU_EXCEEDED]++;
			drop[nd++] = m;
			continue;
		}
		if (unlikely(m->nb_segs > 1 && !rs->simple_multiseg[m->port])) {
			lc->stats.drops[STP_DROP_TX_MULTISEG]++;
			drop[nd++] = m;
			continue;
		}
		pkt_meta(m)->out_port = out;
		one_port &= out == out0;
		pkts[k++] = m;
	}
	rst->pkts[rs->simple_rule[run_port]] += run;
	if (unlikely(nd > 0))
		rte_pktmbuf_free_bulk(drop, nd);
	if (k > 0) {
		if (likely(one_port))
			stp_tx_emit_port(lc, out0, pkts, k);
		else
			stp_tx_emit(lc, pkts, k);
	}
	return 0;
}

/*
 * The general path: one filter call per rule and burst plus the delivery. Not inlined into
 * rules_burst(): its arrays take ~11 KiB of stack, which would otherwise sit in the frame of
 * the table path too, under the TX and the PMDs' calls.
 */
static __rte_noinline uint16_t
rules_burst_general(struct stp_lcore *lc, const struct stp_rules_rt *rs, struct rte_mbuf **pkts,
		uint16_t n)
{
	const struct stp_pipeline *pl = lc->pl;
	const uint64_t paused = __atomic_load_n(&pl->out_paused, __ATOMIC_RELAXED);
	struct rte_mbuf *cand[STP_MAX_BURST];
	uint64_t match[STP_MAX_BURST];
	uint64_t dest[STP_MAX_BURST];
	uint8_t cand_idx[STP_MAX_BURST];
	const struct stp_rule_rt *first_fwd[STP_MAX_BURST];
	uint64_t active, rule_dropped = 0, paused_hit = 0;
	struct rules_stats *rst = rules_lcore_stats(lc);
	struct deliver d;

	d.nb_port = 0;
	memset(d.nb_out, 0, sizeof(d.nb_out[0]) * pl->nb_outputs);
	active = n == 64 ? ~0ULL : (1ULL << n) - 1;
	for (uint16_t i = 0; i < n; i++) {
		dest[i] = 0;
		first_fwd[i] = NULL;
	}

	for (unsigned int ri = 0; ri < rs->nb && active != 0; ri++) {
		const struct stp_rule_rt *r = &rs->rules[ri];
		uint64_t matched = 0;
		uint16_t nc = 0;

		for (uint64_t a = active; a != 0; a &= a - 1) {
			unsigned int i = __builtin_ctzll(a);

			if (r->in_ports & (1u << pkts[i]->port)) {
				cand_idx[nc] = (uint8_t)i;
				cand[nc++] = pkts[i];
			}
		}
		if (nc == 0)
			continue;
		if (r->filter != NULL) {
			filter_burst(r->filter, cand, nc, match);
			for (uint16_t k = 0; k < nc; k++)
				if (match[k] != 0)
					matched |= 1ULL << cand_idx[k];
		} else {
			for (uint16_t k = 0; k < nc; k++)
				matched |= 1ULL << cand_idx[k];
		}
		if (matched == 0)
			continue;
		rst->pkts[r->slot] += __builtin_popcountll(matched);
		switch (r->action) {
		case CFG_ACTION_COUNT:
			break;
		case CFG_ACTION_DROP:
			rule_dropped |= matched;
			active &= ~matched;
			break;
		case CFG_ACTION_FORWARD:
		default:
			for (uint64_t a = matched; a != 0; a &= a - 1) {
				unsigned int i = __builtin_ctzll(a);

				/* A paused capture output is no destination (capture stop). */
				uint64_t d = rule_dest(pl, r, pkt_meta(pkts[i])->flow_hash);

				dest[i] |= d & ~paused;
				if (unlikely(d & paused))
					paused_hit |= 1ULL << i;
				if (first_fwd[i] == NULL)
					first_fwd[i] = r;
			}
			if (!r->cont)
				active &= ~matched;
			break;
		}
	}

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct stp_rule_rt *r = first_fwd[i];

		if (unlikely(dest[i] == 0)) {
			enum stp_drop why = (rule_dropped >> i) & 1 ? STP_DROP_RULE_DROP :
					(paused_hit >> i) & 1	    ? STP_DROP_OUTPUT_PAUSED :
					r != NULL		    ? STP_DROP_NO_MEMBER :
								      STP_DROP_NO_RULE;

			lc->stats.drops[why]++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(r->vlan == CFG_VLAN_STRIP))
			vlan_strip(m, pkt_meta(m));
		if (unlikely(r->snaplen != 0 && rte_pktmbuf_pkt_len(m) > r->snaplen)) {
			/* A frame already cut short (capture file record) keeps its wire length. */
			if (pkt_meta(m)->orig_len == 0)
				pkt_meta(m)->orig_len = (uint16_t)RTE_MIN(
						rte_pktmbuf_pkt_len(m), (uint32_t)UINT16_MAX);
			stp_mbuf_cut(m, r->snaplen);
		}
		/* Ports: frames longer than the output takes, or chains it cannot send, are
		 * dropped. */
		if (dest[i] & DEST_PORTS_MASK) {
			uint64_t ports = dest[i] & DEST_PORTS_MASK;
			uint64_t bad = 0;

			for (uint64_t a = ports; a != 0; a &= a - 1) {
				const struct port_rt *pr = pl->ports->by_id[__builtin_ctzll(a)];

				if (unlikely(rte_pktmbuf_pkt_len(m) > pr->max_frame)) {
					lc->stats.drops[STP_DROP_MTU_EXCEEDED]++;
					bad |= a & -a;
				} else if (unlikely(m->nb_segs > 1 && !pr->tx_multiseg)) {
					lc->stats.drops[STP_DROP_TX_MULTISEG]++;
					bad |= a & -a;
				}
			}
			if (unlikely(bad != 0)) {
				/*
				 * Each refused destination is a copy dropped: it counts as a
				 * replica made, except the packet itself when nothing else remains.
				 */
				lc->stats.replicas += __builtin_popcountll(bad);
				dest[i] &= ~bad;
				if (dest[i] == 0) {
					lc->stats.replicas--;
					rte_pktmbuf_free(m);
					continue;
				}
			}
		}
		deliver_one(lc, &d, m, dest[i]);
	}
	deliver_flush(lc, &d);
	return 0;
}

/* Rule sets that depend on the input port only take the table path (rules_burst_simple). */
static uint16_t
rules_burst(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	const struct stp_rules_rt *rs = __atomic_load_n(&lc->pl->rules, __ATOMIC_ACQUIRE);

	if (likely(rs->simple)) {
		/*
		 * A plain forwarder's burst, decided here without a call: the RX hint says one
		 * input port, the rule sends it to a port (below STP_SIMPLE_OUTPUT: not an output,
		 * not STP_NO_PORT), and no frame check can fail. The same decision as
		 * rules_burst_simple()'s first case, which takes every other burst. 1.4
		 * instr/pkt (rules_burst's own, scripts/bench/instr.sh null row; 2.0 in
		 * rules_burst_simple() before, behind a call), and 0.35 + 0.55 of the send
		 * inlined from stp_tx_emit_port() and rte_eth_tx_burst() (a call before:
		 * 1.2 + 0.6).
		 */
		if (lc->hint.valid) {
			const uint16_t in = lc->hint.port;
			const uint16_t out = rs->simple_out[in];

			if (out < STP_SIMPLE_OUTPUT &&
					hint_no_frame_check(lc, rs->simple_max_frame[in],
							rs->simple_multiseg[in]) &&
					lc->tx_target == lc && lc->txbuf[out].n == 0) {
				rules_lcore_stats(lc)->pkts[rs->simple_rule[in]] += n;
				stp_tx_emit_port(lc, out, pkts, n);
				return 0;
			}
		}
		return rules_burst_simple(lc, rs, pkts, n);
	}
	/* Its filters read the input port, and capture writers read it after (pcapng). */
	stp_hint_port_write(lc, pkts, n);
	return rules_burst_general(lc, rs, pkts, n);
}

/* The lookup table, when every rule's decision depends on the input port alone. */
static void
rules_build_simple(const struct stp_pipeline *pl, const struct stp_config *cfg,
		struct stp_rules_rt *rs)
{
	rs->simple = true;
	for (unsigned int i = 0; i < rules_cfg_of(cfg)->nb_rules; i++) {
		const struct cfg_rule *r = &rules_cfg_of(cfg)->rules[i];

		if (r->filter[0] != '\0' || r->cont || r->snaplen != 0 ||
				r->vlan != CFG_VLAN_KEEP || r->action == CFG_ACTION_COUNT ||
				(r->action == CFG_ACTION_FORWARD &&
						r->out.kind != CFG_TARGET_PORT &&
						r->out.kind != CFG_TARGET_OUTPUT)) {
			rs->simple = false;
			return;
		}
	}
	for (unsigned int p = 0; p < PORT_MAX; p++) {
		rs->simple_out[p] = STP_NO_PORT;
		rs->simple_why[p] = STP_DROP_NO_RULE;
		rs->simple_rule[p] = STP_RULE_NONE;
	}
	for (unsigned int in = 0; in < cfg->nb_ports; in++) {
		uint16_t in_id = pl->ports->ports[in].port_id;

		for (unsigned int i = 0; i < rules_cfg_of(cfg)->nb_rules; i++) {
			const struct cfg_rule *r = &rules_cfg_of(cfg)->rules[i];

			if (!(r->in_mask & (1u << in)))
				continue;
			rs->simple_rule[in_id] = rs->rules[i].slot;
			if (r->action == CFG_ACTION_FORWARD && r->out.kind == CFG_TARGET_OUTPUT) {
				rs->simple_out[in_id] = (uint16_t)(STP_SIMPLE_OUTPUT + r->out.idx);
				rs->simple_outputs = true;
			} else if (r->action == CFG_ACTION_FORWARD) {
				const struct port_rt *pr = &pl->ports->ports[r->out.idx];

				rs->simple_out[in_id] = pr->port_id;
				rs->simple_max_frame[in_id] = pr->max_frame;
				rs->simple_multiseg[in_id] = pr->tx_multiseg;
			} else
				rs->simple_why[in_id] = STP_DROP_RULE_DROP;
			break;
		}
	}
}

const struct stp_rule_names *
stp_rule_names_get(const struct stp_pipeline *pl)
{
	return __atomic_load_n(&pl->rule_names, __ATOMIC_ACQUIRE);
}

int
stp_rule_names_find(const struct stp_rule_names *rn, const char *name)
{
	for (unsigned int i = 0; rn != NULL && i < rn->nb; i++)
		if (strcmp(rn->r[i].name, name) == 0)
			return (int)i;
	return -1;
}

uint64_t
stp_rule_matched(const struct stp_rule_names *rn, const struct rules_stats *sum, unsigned int i)
{
	uint64_t v = sum->pkts[rn->r[i].slot];

	return v >= rn->r[i].base ? v - rn->r[i].base : 0;
}

/* One slot's counter summed over the lcores (control thread). */
static uint64_t
slot_sum(const struct stp_pipeline *pl, uint16_t slot)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < pl->nb_lcores; i++)
		v += __atomic_load_n(
				&rules_lcore_stats(pl->lcores[i])->pkts[slot], __ATOMIC_RELAXED);
	return v;
}

/*
 * The names of @p cfg's rules and their counter slots, from the current ones: a name keeps its
 * slot (a deleted rule's name included: it is revived), names no longer in @p cfg become deleted
 * rules, and a new name takes a free slot, or the oldest deleted rule's (forgotten). A slot
 * taken that way is quiet: no published table counts in it (the last publication waited for
 * every lcore to move on), so its counter summed now is the new name's exact zero.
 */
static struct stp_rule_names *
rule_names_next(const struct stp_pipeline *pl, const struct stp_config *cfg)
{
	const struct stp_rule_names *cur = pl->rule_names;
	struct stp_rule_names *n = calloc(1, sizeof(*n));
	struct stp_rule_name dead[STP_RULE_SLOTS];
	bool used[STP_RULE_SLOTS] = { false };
	unsigned int nb_dead = 0, first_dead = 0;
	uint16_t next_free = 0;

	if (n == NULL)
		return NULL;
	n->forgotten = cur != NULL ? cur->forgotten : 0;
	for (unsigned int i = 0; i < rules_cfg_of(cfg)->nb_rules; i++) {
		int j = stp_rule_names_find(cur, rules_cfg_of(cfg)->rules[i].name);

		snprintf(n->r[i].name, sizeof(n->r[i].name), "%s",
				rules_cfg_of(cfg)->rules[i].name);
		n->r[i].action = rules_cfg_of(cfg)->rules[i].action;
		n->r[i].slot = STP_RULE_NONE; /* a new name: its slot below */
		if (j >= 0) {
			n->r[i].slot = cur->r[j].slot;
			n->r[i].base = cur->r[j].base;
			used[n->r[i].slot] = true;
		}
	}
	/* Deleted: those deleted before first (older), then the rules just deleted. */
	for (unsigned int pass = 0; cur != NULL && pass < 2; pass++)
		for (unsigned int j = 0; j < cur->nb; j++) {
			bool live = false;

			if (cur->r[j].deleted != (pass == 0))
				continue;
			for (unsigned int i = 0; i < rules_cfg_of(cfg)->nb_rules && !live; i++)
				live = strcmp(rules_cfg_of(cfg)->rules[i].name, cur->r[j].name) ==
						0;
			if (live)
				continue;
			dead[nb_dead] = cur->r[j];
			dead[nb_dead++].deleted = true;
			used[cur->r[j].slot] = true;
		}
	for (unsigned int i = 0; i < rules_cfg_of(cfg)->nb_rules; i++) {
		uint16_t slot;

		if (n->r[i].slot != STP_RULE_NONE)
			continue;
		while (next_free < STP_RULE_SLOTS && used[next_free])
			next_free++;
		if (next_free < STP_RULE_SLOTS) {
			slot = next_free;
		} else {
			/* Never empty: live rules take at most half of the slots. */
			const struct stp_rule_name *old = &dead[first_dead++];
			uint64_t v = slot_sum(pl, old->slot);

			n->forgotten += v >= old->base ? v - old->base : 0;
			slot = old->slot;
		}
		used[slot] = true;
		n->r[i].slot = slot;
		n->r[i].base = slot_sum(pl, slot);
	}
	n->nb_live = (uint16_t)rules_cfg_of(cfg)->nb_rules;
	n->nb = n->nb_live;
	for (unsigned int k = first_dead; k < nb_dead; k++)
		n->r[n->nb++] = dead[k];
	return n;
}

/* Publish the names built with @p rs (control thread); the older ones stay readable. */
static void
rule_names_publish(struct stp_pipeline *pl, struct stp_rules_rt *rs)
{
	rs->names->older = pl->rule_names;
	__atomic_store_n(&pl->rule_names, rs->names, __ATOMIC_RELEASE);
	rs->names = NULL;
}

/* Build the runtime rule table from the config. */
static struct stp_rules_rt *
rules_build(struct stp_pipeline *pl, const struct stp_config *cfg, char *err, size_t errlen)
{
	struct stp_rules_rt *rs = rte_zmalloc("stp_rules", sizeof(*rs), RTE_CACHE_LINE_SIZE);

	if (rs == NULL) {
		snprintf(err, errlen, "out of memory for the rule table");
		return NULL;
	}
	rs->names = rule_names_next(pl, cfg);
	if (rs->names == NULL) {
		snprintf(err, errlen, "out of memory for the rule names");
		rte_free(rs);
		return NULL;
	}
	for (unsigned int g = 0; g < rules_cfg_of(cfg)->nb_groups; g++) {
		const struct cfg_group *cg = &rules_cfg_of(cfg)->groups[g];
		struct stp_group_rt *gr = &rs->groups[g];

		gr->mode = cg->mode;
		gr->nb_members = cg->nb_members;
		for (unsigned int k = 0; k < cg->nb_members; k++) {
			const struct cfg_target *t = &cg->members[k];

			gr->member_dest[k] = t->kind == CFG_TARGET_PORT ?
					1ULL << pl->ports->ports[t->idx].port_id :
					DEST_OUTPUT(t->idx);
			gr->all_dest |= gr->member_dest[k];
		}
	}
	for (unsigned int i = 0; i < rules_cfg_of(cfg)->nb_rules; i++) {
		const struct cfg_rule *cr = &rules_cfg_of(cfg)->rules[i];
		struct stp_rule_rt *r = &rs->rules[i];

		for (unsigned int p = 0; p < cfg->nb_ports; p++)
			if (cr->in_mask & (1u << p))
				r->in_ports |= 1u << pl->ports->ports[p].port_id;
		r->slot = rs->names->r[i].slot;
		r->action = cr->action;
		r->cont = cr->cont;
		r->snaplen = cr->snaplen;
		r->vlan = cr->vlan;
		if (cr->action == CFG_ACTION_FORWARD) {
			switch (cr->out.kind) {
			case CFG_TARGET_PORT:
				r->dest = 1ULL << pl->ports->ports[cr->out.idx].port_id;
				break;
			case CFG_TARGET_OUTPUT:
				r->dest = DEST_OUTPUT(cr->out.idx);
				break;
			case CFG_TARGET_GROUP:
				r->group = &rs->groups[cr->out.idx];
				break;
			default:
				break;
			}
		}
		if (cr->filter[0] != '\0') {
			char ferr[256];

			r->filter = filter_create(cr->filter, ferr, sizeof(ferr));
			if (r->filter == NULL) {
				snprintf(err, errlen, "rules[%u].filter: \"%s\": %s", i, cr->filter,
						ferr);
				rs->nb = i;
				stp_rules_free(rs);
				return NULL;
			}
		}
		rs->nb = i + 1;
	}
	rules_build_simple(pl, cfg, rs);
	return rs;
}

void
stp_rules_free(struct stp_rules_rt *rs)
{
	if (rs == NULL)
		return;
	for (unsigned int i = 0; i < rs->nb; i++)
		filter_free(rs->rules[i].filter);
	free(rs->names); /* never published */
	rte_free(rs);
}

/* Whether a rule set needs the parser: balance groups hash flows, VLAN strip counts tags. */
static bool
rules_need_parse(const struct stp_config *cfg)
{
	for (unsigned int g = 0; g < rules_cfg_of(cfg)->nb_groups; g++)
		if (rules_cfg_of(cfg)->groups[g].mode == CFG_GROUP_BALANCE)
			return true;
	for (unsigned int r = 0; r < rules_cfg_of(cfg)->nb_rules; r++)
		if (rules_cfg_of(cfg)->rules[r].vlan == CFG_VLAN_STRIP)
			return true;
	/* VXLAN's UDP source port comes from the inner flow's hash. */
	for (unsigned int o = 0; o < outputs_cfg_of(cfg)->nb_outputs; o++)
		if (outputs_cfg_of(cfg)->outputs[o].type == CFG_OUTPUT_VXLAN)
			return true;
	return false;
}

unsigned int rules_k;
extern const struct stp_feature stp_feature_rules;

static int
rules_init(struct stp_pipeline *pl)
{
	char err[CFG_ERR_LEN];
	struct stp_rules_rt *rs;

	/* The slot counters at the last clear stats (rules_clear()). */
	rules_k = pl->feat_k;
	pl->fpriv[rules_k] = calloc(STP_RULE_SLOTS + 1, sizeof(uint64_t));
	if (pl->fpriv[rules_k] == NULL) {
		snprintf(pl->err, sizeof(pl->err), "out of memory");
		return -ENOMEM;
	}
	rs = rules_build(pl, pl->cfg, err, sizeof(err));
	if (rs == NULL) {
		snprintf(pl->err, sizeof(pl->err), "%s", err);
		return -EINVAL;
	}
	pl->need_parse |= rules_need_parse(pl->cfg);
	rule_names_publish(pl, rs);
	pl->rules = rs;
	return 0;
}

struct stp_rules_rt *
stp_rules_prepare(struct stp_pipeline *pl, const struct stp_config *cfg, char *err, size_t errlen)
{
	return rules_build(pl, cfg, err, errlen);
}

int
stp_rules_replace(struct stp_pipeline *pl, const struct stp_config *cfg, char *err, size_t errlen)
{
	struct stp_rules_rt *rs = rules_build(pl, cfg, err, errlen);

	if (rs == NULL)
		return -EINVAL;
	return stp_rules_publish(pl, cfg, rs, err, errlen);
}

int
stp_rules_publish(struct stp_pipeline *pl, const struct stp_config *cfg, struct stp_rules_rt *rs,
		char *err, size_t errlen)
{
	struct stp_rules_rt *old;

	/* Parsing only ever turns on: a worker may still run the old rules for a burst. */
	if (rules_need_parse(cfg))
		__atomic_store_n(&pl->need_parse, true, __ATOMIC_RELEASE);
	rule_names_publish(pl, rs);
	old = __atomic_exchange_n(&pl->rules, rs, __ATOMIC_ACQ_REL);
	/* Every lcore reads the table once per burst: after two iterations nobody holds @old. */
	if (stp_pipeline_quiesce(pl, 1000) != 0) {
		/* A stalled lcore could still read it: leak it rather than free it under its feet.
		 */
		snprintf(err, errlen,
				"the rules are in place, but an lcore did not move on within "
				"1 s: the old table is kept in memory");
		return 0;
	}
	stp_rules_free(old);
	return 0;
}

static void
rules_fini(struct stp_pipeline *pl)
{
	stp_rules_free(pl->rules);
	pl->rules = NULL;
	while (pl->rule_names != NULL) {
		struct stp_rule_names *older = pl->rule_names->older;

		free(pl->rule_names);
		pl->rule_names = older;
	}
	/* fini runs for every feature of the registry, even one whose init never ran. */
	for (unsigned int k = 0; pl->features != NULL && pl->features[k] != NULL; k++)
		if (pl->features[k] == &stp_feature_rules && k == rules_k) {
			free(pl->fpriv[k]);
			pl->fpriv[k] = NULL;
		}
}

/*
 * {"rules": [{name, matched[, deleted: true]}]}: every rule by name, the live ones in
 * evaluation order, then the deleted ones (struct stp_rule_names).
 */
static json_t *
rules_view(const struct stp_pipeline *pl)
{
	const struct stp_rule_names *rn = stp_rule_names_get(pl);
	struct rules_stats *s = stp_feature_stats(pl, rules_k);
	json_t *rules = json_array(), *v;

	if (s == NULL)
		return NULL;
	for (unsigned int r = 0; rn != NULL && r < rn->nb; r++) {
		json_t *ro = json_pack("{s:s, s:I}", "name", rn->r[r].name, "matched",
				(json_int_t)stp_rule_matched(rn, s, r));

		if (rn->r[r].deleted)
			json_object_set_new(ro, "deleted", json_true());
		json_array_append_new(rules, ro);
	}
	free(s);
	v = json_pack("{s:o}", "rules", rules);
	if (rn != NULL && rn->forgotten > 0)
		json_object_set_new(v, "rules_forgotten_matched",
				json_integer((json_int_t)rn->forgotten));
	return v;
}

/*
 * The exit summary: every rule by name, the live ones in evaluation order, then the deleted
 * ones (their counters kept, frozen).
 */
static void
rules_summary(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum, FILE *f)
{
	const struct stp_rule_names *rn = stp_rule_names_get(pl);
	struct rules_stats *s = stp_feature_stats(pl, rules_k);

	for (unsigned int r = 0; rn != NULL && s != NULL && r < rn->nb; r++)
		fprintf(f, "rule %-14s matched %" PRIu64 "%s\n", rn->r[r].name,
				stp_rule_matched(rn, s, r), rn->r[r].deleted ? " (deleted)" : "");
	if (rn != NULL && rn->forgotten > 0)
		fprintf(f, "rules deleted and forgotten matched %" PRIu64 "\n", rn->forgotten);
	free(s);
}

/* Its console commands (show rules, add rule, del rule: cmds.c), telemetry, Prometheus. */
/* /stampede/info: the rules in the config. */
static uint64_t
rules_count(const struct stp_pipeline *pl)
{
	return rules_cfg_of(pl->cfg)->nb_rules;
}

static const struct stp_feature_ui rules_ui = {
	.key = "rules",
	.count = rules_count,
	.families = rules_families,
	.tel = rules_tel,
	.cmds = stp_rules_cmds,
};

const struct stp_feature stp_feature_rules = {
	.name = "rules",
	.cfg = &rules_cfg_section,
	.init = rules_init,
	.lcore_stats_size = sizeof(struct rules_stats),
	.burst = rules_burst,
	.stateless = true,
	.stamp_blind = true,
	.port_lazy = true, /* the table path reads the hint's port, the others write it first */
	.view = rules_view,
	.clear = rules_clear,
	.summary = rules_summary,
	.fini = rules_fini,
	.ui = &rules_ui,
};
