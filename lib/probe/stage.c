/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The probe receiver and reflector: a worker stage that runs before the rules.
 *
 * It looks at UDP packets on its ports: to probe_rx.udp_port (a probe from a sender), or from
 * it with the reflected flag (this instance's probe coming back from a reflector). A probe from
 * a sender is measured (one-way delay = RX stamp - TX stamp, meaningful when the two clocks are
 * synchronised: both the same host's TSC, or PTP-disciplined hosts) and then consumed, or, in
 * reflector mode, rewritten in place (MACs, addresses and ports swapped, reflector RX and TX
 * stamps written, UDP checksum redone) and sent back out of the port it came in on: 1 in, 1 out.
 * A reflected probe is measured as a round trip: RTT = (T4 - T1) - (T3 - T2), the reflector's
 * residence T3 - T2 kept apart, and consumed.
 *
 * Everything else, including UDP to the probe port that is not a well-formed probe (counted
 * under a named "ignored" counter), passes on to the rules untouched.
 */

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_udp.h>

#include "clock.h"
#include "probe_rt.h"

static const char *const ignored_names[] = {
#define PROBE_IGN_NAME(id, name, desc) name,
	STP_FOREACH_PROBE_IGNORED(PROBE_IGN_NAME)
#undef PROBE_IGN_NAME
};

const char *
stp_probe_ignored_name(enum stp_probe_ignored i)
{
	return (unsigned int)i < STP_PROBE_IGN_MAX ? ignored_names[i] : "unknown";
}

void
stp_probe_rt_free(struct stp_pipeline *pl)
{
	struct stp_probe_rt *rt = pl->fpriv[probe_k];

	if (rt == NULL)
		return;
	/* The lcores have stopped: no burst runs the callbacks any more, so their memory (which
	 * rte_eth_remove_tx_callback() leaves to the caller) can go. */
	for (unsigned int i = 0; i < rt->nb_txcb; i++)
		if (rte_eth_remove_tx_callback(
				    rt->txcb[i].port, rt->txcb[i].queue, rt->txcb[i].cb) == 0)
			rte_free((void *)(uintptr_t)rt->txcb[i].cb);
	for (unsigned int i = 0; i < rt->nb_gen; i++) {
		struct stp_probe_gen *g = rt->gen[i];

		if (g == NULL)
			continue;
		/* Refused by the port and never sent: not counted anywhere yet, just freed. */
		if (g->nb_pend > 0)
			rte_pktmbuf_free_bulk(g->pend, g->nb_pend);
		for (unsigned int t = 0; t < g->nb_tmpl; t++)
			rte_free(g->tmpl[t]);
		stamp_hmac_free(g->hmac);
		/* g->own_pool is not freed here: the ports are torn down after the pipeline and
		 * free what their queues still hold into it; rte_eal_cleanup() releases it. */
		rte_free(g);
	}
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		struct stp_probe_lcore *pc = pl->lcores[i]->fpriv[probe_k];

		if (pc == NULL)
			continue;
		rte_free(pc->rx);
		rte_free(pc->ow);
		rte_free(pc->ev);
		rte_free(pc->stamp_sess);
		rte_free(pc->refl_rl);
		stamp_hmac_free(pc->refl_hmac);
		for (unsigned int s = 0; s < PROBE_MAX_STREAMS; s++)
			stamp_hmac_free(pc->rx_hmac[s]);
		rte_free(pc);
		pl->lcores[i]->fpriv[probe_k] = NULL;
	}
	stamp_hmac_free(rt->refl_hmac);
	stp_refl_txcorr_free(rt);
	rte_free(rt);
	pl->fpriv[probe_k] = NULL;
}

/*
 * The reflector's T3, written as late as software can: in the port's TX callback, which
 * rte_eth_tx_burst() runs right before the driver's transmit function, after the worker stages,
 * the TX ring of a split configuration and the TX buffer. The stage marks each reply
 * (restamp_flag, hash.usr: where T3 and the UDP checksum are); here T3 is rewritten with one
 * clock read per burst and the UDP checksum updated for the 8 bytes that changed (RFC 1624).
 * Replies that the driver then refuses are dropped and counted as usual: their T3 is moot.
 */
static uint16_t
probe_tx_restamp(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	const struct stp_probe_rt *rt = arg;
	const uint64_t flag = rt->restamp_flag;
	struct stp_refl_txcorr *tc = port < RTE_DIM(rt->txcorr) ? rt->txcorr[port] : NULL;
	uint64_t now_ns = 0, nb_corr = 0;
	int64_t corr = 0, step = 0;
	uint16_t pos = 0, first = 0, last = 0;
	uint8_t ns_b[8], st_b[8];

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t *p, *v;
		uint32_t t3_off, ck_off;
		uint16_t ck;

		if (likely(!(m->ol_flags & flag)))
			continue;
		m->ol_flags &= ~flag;
		/* T3 + the measured TX path delay (refl_txcorr.h), + a step per later reply of
		 * the burst; a stamp read, if any, comes before the clock read. */
		if (now_ns == 0) {
			if (tc != NULL)
				corr = stp_refl_txcorr_begin(tc, queue, &step);
			now_ns = clock_tsc_ns(rte_rdtsc());
			first = i;
		}
		if (pos == 0 || step != 0) {
			uint64_t t3_ns = (uint64_t)((int64_t)now_ns + corr + (int64_t)pos * step);

			probe_put64(ns_b, t3_ns);
			probe_put64(st_b,
					stamp_ts_from_ns(t3_ns, rt->stamp_err_est,
							STAMP_TAI_UTC_DEFAULT));
		}
		last = i;
		pos++;
		nb_corr += corr != 0;
		p = rte_pktmbuf_mtod(m, uint8_t *);
		t3_off = m->hash.usr & 0xffff;
		ck_off = (m->hash.usr >> 16) & 0x7fff;
		v = (m->hash.usr >> 31) ? st_b : ns_b;
		ck = (uint16_t)(p[ck_off] << 8 | p[ck_off + 1]);
		if (ck != 0) {
			/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), word by word. */
			uint32_t sum = (uint16_t)~ck;

			for (unsigned int k = 0; k < 8; k += 2) {
				sum += (uint16_t) ~(p[t3_off + k] << 8 | p[t3_off + k + 1]);
				sum += (uint32_t)(v[k] << 8 | v[k + 1]);
			}
			sum = (sum & 0xffff) + (sum >> 16);
			sum = (sum & 0xffff) + (sum >> 16);
			ck = (uint16_t)~sum;
			if (ck == 0)
				ck = 0xffff; /* UDP: 0 would mean "no checksum" */
			p[ck_off] = (uint8_t)(ck >> 8);
			p[ck_off + 1] = (uint8_t)ck;
		}
		memcpy(p + t3_off, v, 8);
	}
	/* One reply of the burst may ask for its TX stamp, against the T3 as taken. */
	if (tc != NULL && pos > 0)
		stp_refl_txcorr_arm(tc, queue, pkts[first], pkts[last], pos - 1, now_ns, corr);
	if (nb_corr != 0 && queue < CFG_MAX_QUEUES)
		__atomic_store_n(&tc->corrected[queue], tc->corrected[queue] + nb_corr,
				__ATOMIC_RELAXED);
	return n;
}

/* Reflector: the dynflag and one TX callback per queue of each port it answers on. */
static int
probe_restamp_init(struct stp_pipeline *pl, struct stp_probe_rt *rt)
{
	static const struct rte_mbuf_dynflag df = { .name = "stp_probe_restamp" };
	int bit = rte_mbuf_dynflag_register(&df);

	if (bit < 0) {
		snprintf(pl->err, sizeof(pl->err), "probe_rx: no mbuf dynflag left (%s)",
				rte_strerror(rte_errno));
		return -1;
	}
	rt->restamp_flag = UINT64_C(1) << bit;
	for (unsigned int p = 0; p < pl->ports->nb; p++) {
		uint16_t id = pl->ports->ports[p].port_id;
		struct rte_eth_dev_info di;

		if (id >= 32 || !((rt->port_mask >> id) & 1) || rte_eth_dev_info_get(id, &di) != 0)
			continue;
		for (uint16_t q = 0; q < di.nb_tx_queues && rt->nb_txcb < RTE_DIM(rt->txcb); q++) {
			const struct rte_eth_rxtx_callback *cb =
					rte_eth_add_tx_callback(id, q, probe_tx_restamp, rt);

			if (cb == NULL) {
				snprintf(pl->err, sizeof(pl->err),
						"probe_rx: port \"%s\" TX queue %u: no TX callback "
						"(%s)",
						pl->ports->ports[p].cfg->name, q,
						rte_strerror(rte_errno));
				return -1;
			}
			rt->txcb[rt->nb_txcb].port = id;
			rt->txcb[rt->nb_txcb].queue = q;
			rt->txcb[rt->nb_txcb].cb = cb;
			rt->nb_txcb++;
		}
	}
	return 0;
}

int
stp_probe_rt_init(struct stp_pipeline *pl)
{
	const struct probe_cfg *cfg = probe_cfg_of(pl->cfg);
	struct stp_probe_rt *rt = pl->fpriv[probe_k];

	if (rt != NULL)
		return 0;
	if (cfg->nb_probes == 0 && !cfg->probe_rx.enabled)
		return 1;
	rt = rte_zmalloc("stp_probe_rt", sizeof(*rt), RTE_CACHE_LINE_SIZE);
	if (rt == NULL)
		goto nomem;
	pl->fpriv[probe_k] = rt;
	rt->rx_enabled = cfg->probe_rx.enabled;
	rt->rx_used = true;
	rt->reflect = cfg->probe_rx.reflect;
	rt->verbose = cfg->probe_rx.verbose; /* stampede -v sets it too */
	rt->verbose_out = stdout;
	rt->udp_port = rte_cpu_to_be_16(cfg->probe_rx.udp_port);
	rt->rx_mode = cfg->probe_rx.mode;
	rt->stamp_err_est = stamp_err_est_encode(cfg->probe_rx.stamp_error_ns,
			cfg->probe_rx.stamp_synced, cfg->probe_rx.stamp_ts == CFG_STAMP_PTP);
	rt->stamp_stateful = cfg->probe_rx.enabled && cfg->probe_rx.mode == CFG_PROBE_STAMP &&
			cfg->probe_rx.stamp_stateful;
	for (unsigned int i = 0; i < cfg->nb_probes; i++) {
		const struct cfg_probe *c = &cfg->probes[i];

		if (c->reflected)
			rt->horizon_ns[c->stream_id] = (uint64_t)c->loss_horizon_ms * 1000000;
		if (c->mode != CFG_PROBE_STAMP)
			continue;
		rt->stamp[rt->nb_stamp].refl_port = c->dst_port;
		rt->stamp[rt->nb_stamp].port_lo = c->src_port;
		rt->stamp[rt->nb_stamp].port_hi = (uint16_t)(c->src_port + c->flows - 1);
		rt->stamp[rt->nb_stamp].ssid = c->ssid;
		rt->stamp[rt->nb_stamp].stream = (uint16_t)c->stream_id;
		rt->stamp[rt->nb_stamp].auth = c->stamp_auth != CFG_STAMP_AUTH_NONE;
		rt->nb_stamp++;
	}
	if (cfg->probe_rx.enabled && cfg->probe_rx.mode == CFG_PROBE_STAMP &&
			cfg->probe_rx.stamp_auth != CFG_STAMP_AUTH_NONE) {
		rt->refl_hmac = stamp_hmac_new(
				cfg->probe_rx.stamp_key, cfg->probe_rx.stamp_key_len);
		if (rt->refl_hmac == NULL)
			goto nocrypto;
	}
	for (unsigned int i = 0; i < cfg->probe_rx.nb_addresses; i++) {
		const uint8_t *a = cfg->probe_rx.addresses[i].b;

		if (cfg->probe_rx.addresses[i].family == 4)
			memcpy(&rt->refl.addr4[rt->refl.nb_addr4++], a, 4);
		else
			memcpy(rt->refl.addr6[rt->refl.nb_addr6++], a, 16);
	}
	for (unsigned int i = 0; i < cfg->probe_rx.nb_refuse_src_ports; i++)
		rt->refl.guard_port[rt->refl.nb_guard++] =
				rte_cpu_to_be_16(cfg->probe_rx.refuse_src_ports[i]);
	for (unsigned int p = 0; p < pl->ports->nb; p++)
		if (cfg->probe_rx.port_mask == 0 || (cfg->probe_rx.port_mask & (UINT32_C(1) << p)))
			rt->port_mask |= UINT32_C(1) << pl->ports->ports[p].port_id;

	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		struct stp_lcore *lc = pl->lcores[i];
		unsigned int socket = rte_lcore_to_socket_id(lc->lcore_id);
		struct stp_probe_lcore *pc;

		pc = rte_zmalloc_socket(
				"stp_probe_lcore", sizeof(*pc), RTE_CACHE_LINE_SIZE, socket);
		if (pc == NULL)
			goto nomem;
		lc->fpriv[probe_k] = pc;
		if (!(lc->roles & CFG_ROLE_WORKER))
			continue;
		pc->txts = rt->txts;
		pc->rx = rte_zmalloc_socket("stp_probe_rx",
				sizeof(*pc->rx) * PROBE_MAX_STREAMS * STP_PROBE_RX_DIRS,
				RTE_CACHE_LINE_SIZE, socket);
		if (pc->rx == NULL)
			goto nomem;
		for (unsigned int s = 0; s < PROBE_MAX_STREAMS * STP_PROBE_RX_DIRS; s++) {
			hist_init(&pc->rx[s].h);
			pc->rx[s].res_min = UINT64_MAX;
		}
		if (rt->nb_stamp > 0) {
			/* STAMP's one-way directions, only where a STAMP stream exists. */
			pc->ow = rte_zmalloc_socket("stp_probe_ow",
					sizeof(*pc->ow) * PROBE_MAX_STREAMS * 2,
					RTE_CACHE_LINE_SIZE, socket);
			if (pc->ow == NULL)
				goto nomem;
			for (unsigned int s = 0; s < PROBE_MAX_STREAMS * 2; s++) {
				hist_init(&pc->ow[s].h);
				pc->ow[s].res_min = UINT64_MAX;
			}
		}
		if (rt->stamp_stateful) {
			const struct cfg_probe_rx *rc = &cfg->probe_rx;

			pc->stamp_sess = rte_malloc_socket("stp_stamp_sess",
					stamp_sess_table_size(rc->stamp_sessions),
					RTE_CACHE_LINE_SIZE, socket);
			if (pc->stamp_sess == NULL)
				goto nomem;
			stamp_sess_table_init(pc->stamp_sess, rc->stamp_sessions,
					(uint64_t)rc->stamp_session_idle_s * CLOCK_NS_PER_S,
					rt->stamp_err_est, STAMP_TAI_UTC_DEFAULT);
		}
		if (rt->rx_enabled && rt->reflect && cfg->probe_rx.rate_limit_pps != 0) {
			pc->refl_rl = rte_malloc_socket("stp_probe_refl_rl", sizeof(*pc->refl_rl),
					RTE_CACHE_LINE_SIZE, socket);
			if (pc->refl_rl == NULL)
				goto nomem;
			probe_refl_rl_init(pc->refl_rl, cfg->probe_rx.rate_limit_pps,
					cfg->probe_rx.rate_limit_burst);
		}
		/* Authenticated STAMP: this worker's own HMAC states (OpenSSL contexts are
		 * single-thread), the reflector's and one per authenticated stream. */
		if (rt->refl_hmac != NULL) {
			pc->refl_hmac = stamp_hmac_dup(rt->refl_hmac);
			if (pc->refl_hmac == NULL)
				goto nocrypto;
		}
		for (unsigned int s = 0; s < cfg->nb_probes; s++) {
			const struct cfg_probe *c = &cfg->probes[s];

			if (c->mode != CFG_PROBE_STAMP || c->stamp_auth == CFG_STAMP_AUTH_NONE)
				continue;
			pc->rx_hmac[c->stream_id] = stamp_hmac_new(c->stamp_key, c->stamp_key_len);
			if (pc->rx_hmac[c->stream_id] == NULL)
				goto nocrypto;
		}
		if (rt->verbose) {
			pc->ev = rte_zmalloc_socket("stp_probe_ev",
					sizeof(*pc->ev) * STP_PROBE_EVENTS, RTE_CACHE_LINE_SIZE,
					socket);
			if (pc->ev == NULL)
				goto nomem;
		}
	}
	if (rt->rx_enabled && rt->reflect &&
			(probe_restamp_init(pl, rt) != 0 || stp_refl_txcorr_init(pl, rt) != 0))
		return -1;
	for (unsigned int i = 0; i < cfg->nb_probes; i++) {
		struct stp_probe_gen *g;
		struct stp_lcore *tx;
		struct stp_probe_lcore *pc;

		if (pl->nb_tx == 0) {
			snprintf(pl->err, sizeof(pl->err), "probes[] need a TX lcore (lcores.tx)");
			return -1;
		}
		tx = pl->txers[i % pl->nb_tx];
		pc = tx->fpriv[probe_k];
		g = rte_zmalloc_socket("stp_probe_gen", sizeof(*g), RTE_CACHE_LINE_SIZE,
				rte_lcore_to_socket_id(tx->lcore_id));
		if (g == NULL)
			goto nomem;
		g->c = cfg->probes[i];
		g->idx = i;
		g->lc = tx;
		rt->gen[rt->nb_gen++] = g;
		pc->gen[pc->nb_gen++] = g;
	}
	return 0;
nomem:
	snprintf(pl->err, sizeof(pl->err), "out of memory for the probe state");
	return -1;
nocrypto:
	snprintf(pl->err, sizeof(pl->err),
			"no HMAC-SHA-256 state for authenticated STAMP (libcrypto)");
	return -1;
}

/* ---------------------------------------------------------------------------------------------- */

static inline void
rx_event(struct stp_probe_lcore *pc, const struct probe_hdr *h, uint8_t dir, uint8_t ts_src,
		uint64_t rx_ns)
{
	struct stp_probe_event *e;

	if (pc->ev_head - __atomic_load_n(&pc->ev_tail, __ATOMIC_ACQUIRE) >= STP_PROBE_EVENTS) {
		pc->ev_lost++;
		return;
	}
	e = &pc->ev[pc->ev_head & (STP_PROBE_EVENTS - 1)];
	e->stream = h->stream;
	e->dir = dir;
	e->ts_src = ts_src;
	e->stamp = 0;
	e->t1_src = h->flags & PROBE_F_TS_MASK;
	e->seq = h->seq;
	e->tx_ns = h->tx_ns;
	e->refl_rx_ns = h->refl_rx_ns;
	e->refl_tx_ns = h->refl_tx_ns;
	e->rx_ns = rx_ns;
	__atomic_store_n(&pc->ev_head, pc->ev_head + 1, __ATOMIC_RELEASE);
}

/*
 * The NIC's (or the kernel's) T1 of (@p stream, @p seq) and its source into @p src when this
 * instance sent that probe with a TX stamp request (source.c): the probe itself carries
 * the software T1, taken before the frame left.
 */
static inline bool
rx_hw_t1(const struct stp_probe_lcore *pc, unsigned int stream, uint64_t seq, uint64_t *t1,
		uint8_t *src)
{
	const struct probe_txts *t = pc->txts != NULL ? pc->txts[stream] : NULL;

	if (t == NULL || !probe_txts_get(t, seq, t1))
		return false;
	*src = t->src;
	return true;
}

/* Account one probe in its slot. */
static inline void
rx_measure(struct stp_probe_lcore *pc, const struct probe_hdr *h, enum stp_probe_dir dir,
		uint64_t rx_ns, uint8_t ts_src, uint64_t horizon_ns)
{
	struct stp_probe_rx_slot *s = &pc->rx[h->stream * STP_PROBE_RX_DIRS + dir];
	enum probe_seq_rc rc;
	uint64_t d, res = 0;

	if (dir == STP_PROBE_RTT && horizon_ns != 0 && rx_ns > h->tx_ns &&
			rx_ns - h->tx_ns > horizon_ns) {
		/* Answered after the loss horizon: lost, whatever its delay. */
		s->late++;
		return;
	}
	rc = probe_seq_update(&s->seq, h->seq);

	if (rc == PROBE_SEQ_FAR) {
		pc->seq_far++;
		return;
	}
	if (rc == PROBE_SEQ_TOO_OLD) {
		pc->seq_old++;
		return;
	}
	if (rc == PROBE_SEQ_DUP)
		return;
	if (dir == STP_PROBE_RTT) {
		res = h->refl_tx_ns >= h->refl_rx_ns ? h->refl_tx_ns - h->refl_rx_ns : 0;
		s->res_sum += res;
		if (res < s->res_min)
			s->res_min = res;
		if (res > s->res_max)
			s->res_max = res;
	}
	if (rx_ns >= h->tx_ns + res) {
		d = rx_ns - h->tx_ns - res;
	} else {
		d = 0;
		s->negative++;
	}
	probe_jitter_update(&s->jitter, h->tx_ns, rx_ns - res);
	hist_record(&s->h, d);
	s->measured++;
	if ((h->flags & PROBE_F_TS_MASK) == PROBE_TS_HW)
		s->t1_hw++;
	else if ((h->flags & PROBE_F_TS_MASK) == PROBE_TS_KERNEL)
		s->t1_kernel++;
	s->last_rx_ns = rx_ns;
	if (pc->ev != NULL)
		rx_event(pc, h, (uint8_t)dir, ts_src, rx_ns);
}

_Static_assert(STP_DROP_REFL_AUTH_BAD - STP_DROP_REFL_BAD_LENGTH ==
				PROBE_REFL_AUTH_BAD - PROBE_REFL_BAD_LENGTH,
		"the reflector's refusals are one run of drop reasons, in reflect.h's order");

static inline enum stp_drop
refl_drop(enum probe_refl_rc rc)
{
	return (enum stp_drop)(STP_DROP_REFL_BAD_LENGTH + (rc - PROBE_REFL_BAD_LENGTH));
}

static inline uint8_t
ck_verdict(uint64_t ol, uint64_t mask, uint64_t good, uint64_t bad, uint64_t none)
{
	ol &= mask;
	/* NONE: the field is wrong on purpose but the data was checked (RTE_MBUF_F_RX_*_NONE). */
	return ol == good || ol == none ? PROBE_CK_GOOD :
			ol == bad	? PROBE_CK_BAD :
					  PROBE_CK_UNKNOWN;
}

/*
 * May this request be answered? The lengths against the frame, the addresses, the source port,
 * the checksums (lib/probe/reflect.c), then this worker's per-source rate limit. Single-segment
 * mbufs only (the caller checks): the frame is the first segment.
 */
static inline enum probe_refl_rc
refl_check(const struct stp_probe_rt *rt, struct stp_probe_lcore *pc, struct rte_mbuf *m,
		const struct pkt_meta *meta, uint64_t rx_ns, struct probe_refl_req *r)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	enum probe_refl_rc rc;

	r->ipv6 = meta->l3_type == PKT_L3_IPV6;
	r->truncated = (meta->flags & (PKT_F_L3_TRUNC | PKT_F_L4_TRUNC | PKT_F_VLAN_TRUNC)) != 0;
	r->l3_off = meta->l3_off;
	r->l4_off = meta->l4_off;
	r->ck_ip = r->ipv6 ?
			PROBE_CK_UNKNOWN :
			ck_verdict(m->ol_flags, RTE_MBUF_F_RX_IP_CKSUM_MASK,
					RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_IP_CKSUM_BAD,
					RTE_MBUF_F_RX_IP_CKSUM_NONE);
	r->ck_l4 = ck_verdict(m->ol_flags, RTE_MBUF_F_RX_L4_CKSUM_MASK, RTE_MBUF_F_RX_L4_CKSUM_GOOD,
			RTE_MBUF_F_RX_L4_CKSUM_BAD, RTE_MBUF_F_RX_L4_CKSUM_NONE);
	rc = probe_refl_check(p, rte_pktmbuf_data_len(m), &rt->refl, r);
	if (rc == PROBE_REFL_OK && pc->refl_rl != NULL) {
		const uint8_t *src = p + r->l3_off + (r->ipv6 ? 8 : 12);

		if (!probe_refl_rl_take(
				    pc->refl_rl, probe_refl_rl_key(src, r->ipv6 ? 16 : 4), rx_ns))
			rc = PROBE_REFL_RATE_LIMIT;
	}
	return rc;
}

/* Turn a checked probe around in place: addresses and ports swapped, reflector stamps, checksum. */
static inline void
rx_reflect(struct rte_mbuf *m, const struct probe_refl_req *r, uint64_t rx_ns, uint64_t restamp)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *probe = p + r->payload_off;

	probe_refl_turn(p, r);
	probe[PROBE_OFF_FLAGS] = (uint8_t)((probe[PROBE_OFF_FLAGS] & ~PROBE_F_RTS_MASK) |
			PROBE_F_REFLECTED | (PROBE_TS_SW << PROBE_F_RTS_SHIFT));
	probe_put64(probe + PROBE_OFF_RRX, rx_ns);
	/* The send time now, rewritten at the port's TX burst (probe_tx_restamp()). */
	probe_put64(probe + PROBE_OFF_RTX, clock_tsc_ns(rte_rdtsc()));
	probe_refl_finish(p, r, 0);
	m->hash.usr = (r->payload_off + PROBE_OFF_RTX) | (uint32_t)(r->l4_off + 6) << 16;
	m->ol_flags |= restamp;
}

/* ---------------------------------------------------------------------------------------------- */
/* STAMP (RFC 8762): Session-Sender receive side and Session-Reflector */

/*
 * A 32-bit STAMP sequence number widened to 64 bits next to the highest one the slot has seen,
 * so lib/probe's tracker (64-bit, windowed) keeps working across the 2^32 wrap.
 */
static inline uint64_t
stamp_seq64(const struct probe_seq *s, uint32_t seq)
{
	int32_t d;

	if (!s->started)
		return seq;
	d = (int32_t)(seq - (uint32_t)s->max);
	if (d < 0 && (uint64_t) - (int64_t)d > s->max)
		return seq;
	return s->max + (uint64_t)(int64_t)d;
}

/* Record one delay (negative: clocks disagree, counted and recorded as 0) in slot @p s. */
static inline void
slot_delay(struct stp_probe_rx_slot *s, int64_t d, uint64_t tx_ns, uint64_t rx_ns)
{
	if (d < 0) {
		s->negative++;
		d = 0;
	}
	probe_jitter_update(&s->jitter, tx_ns, rx_ns);
	hist_record(&s->h, (uint64_t)d);
	s->measured++;
	s->last_rx_ns = rx_ns;
}

/*
 * The STAMP session a packet from a reflector belongs to: index in rt->stamp, -2 when it comes
 * from a STAMP stream's reflector port but matches none of them, -1 when it is not from one.
 */
static inline int
stamp_match(const struct stp_probe_rt *rt, const struct rte_udp_hdr *udp, const uint8_t *payload,
		uint32_t len)
{
	uint16_t sp = rte_be_to_cpu_16(udp->src_port), dp = rte_be_to_cpu_16(udp->dst_port);
	int r = -1;

	for (unsigned int i = 0; i < rt->nb_stamp; i++) {
		/* The SSID's place and the packet's length depend on the stream's mode. */
		const uint32_t need = rt->stamp[i].auth ? STAMP_AUTH_LEN : STAMP_REFLECTOR_LEN;
		const uint32_t o = rt->stamp[i].auth ? STAMP_AOFF_SSID : STAMP_OFF_SSID;

		if (sp != rt->stamp[i].refl_port)
			continue;
		r = -2;
		if (dp >= rt->stamp[i].port_lo && dp <= rt->stamp[i].port_hi &&
				(len < need ||
						(uint16_t)(payload[o] << 8 | payload[o + 1]) ==
								rt->stamp[i].ssid))
			return (int)i;
	}
	return r;
}

/*
 * A Session-Reflector packet answering this instance's STAMP stream @p stream, received at
 * @p rx_ns (T4): RTT (T4 - T1) - (T3 - T2), forward T2 - T1 and backward T4 - T3 (one-way:
 * meaningful only with synchronised clocks), residence T3 - T2, with the probes' sequence,
 * jitter and histogram code. Returns false (counted) when the packet is malformed.
 */
static inline bool
rx_stamp_reply(struct stp_probe_lcore *pc, unsigned int stream, const uint8_t *payload,
		uint32_t len, uint64_t rx_ns, uint8_t ts_src, uint64_t horizon_ns)
{
	struct stp_probe_rx_slot *s = &pc->rx[stream * STP_PROBE_RX_DIRS + STP_PROBE_RTT];
	struct stamp_measure m;
	enum probe_seq_rc rc;
	uint64_t seq, res, t1;
	uint8_t t1_src = PROBE_TS_SW;
	int err;

	/* Authenticated stream: the reply's HMAC is checked before anything in it is used. */
	if (pc->rx_hmac[stream] != NULL)
		err = stamp_measure_auth(payload, len, rx_ns, STAMP_TAI_UTC_DEFAULT, &m,
				pc->rx_hmac[stream]);
	else
		err = stamp_measure(payload, len, rx_ns, STAMP_TAI_UTC_DEFAULT, &m);
	if (unlikely(err == STAMP_E_AUTH || err == STAMP_E_NOAUTH || err == STAMP_E_CRYPTO)) {
		pc->ignored[STP_PROBE_IGN_STAMP_AUTH]++;
		return false;
	}
	if (unlikely(err < 0)) {
		pc->ignored[err == STAMP_E_SHORT ? STP_PROBE_IGN_STAMP_SHORT :
						err == STAMP_E_ERR_EST ?
						   STP_PROBE_IGN_STAMP_ERR_EST :
						   STP_PROBE_IGN_STAMP_TS]++;
		return false;
	}
	if (rx_hw_t1(pc, stream, m.sender_seq, &t1, &t1_src)) {
		/* The NIC's (kernel's) T1 replaces the sender's software one; T2 and T3 are the
		 * reflector's. */
		m.t1 = t1;
		m.rtt_ns = (int64_t)(m.t4 - m.t1) - m.residence_ns;
		m.fwd_ns = (int64_t)(m.t2 - m.t1);
	}
	if (horizon_ns != 0 && m.t4 > m.t1 && m.t4 - m.t1 > horizon_ns) {
		/* Answered after the loss horizon: lost, whatever its delay. */
		s->late++;
		return true;
	}
	seq = stamp_seq64(&s->seq, m.sender_seq);
	rc = probe_seq_update(&s->seq, seq);
	if (rc == PROBE_SEQ_FAR) {
		pc->seq_far++;
		return true;
	}
	if (rc == PROBE_SEQ_TOO_OLD) {
		pc->seq_old++;
		return true;
	}
	if (rc == PROBE_SEQ_DUP)
		return true;
	res = m.residence_ns > 0 ? (uint64_t)m.residence_ns : 0;
	s->res_sum += res;
	if (res < s->res_min)
		s->res_min = res;
	if (res > s->res_max)
		s->res_max = res;
	slot_delay(s, m.rtt_ns, m.t1, m.t4 - res);
	if (t1_src == PROBE_TS_HW)
		s->t1_hw++;
	else if (t1_src == PROBE_TS_KERNEL)
		s->t1_kernel++;
	if (pc->ow != NULL) {
		struct stp_probe_rx_slot *f = &pc->ow[stream * 2], *b = f + 1;

		probe_seq_update(&f->seq, seq);
		probe_seq_update(&b->seq, seq);
		/* The reflector's own sequence (stateful reflectors count what reached them). */
		if (!f->refl_seen) {
			f->refl_max = m.reflector_seq;
			f->refl_seen = true;
		} else {
			int32_t dr = (int32_t)(m.reflector_seq - (uint32_t)f->refl_max);

			if (dr > 0)
				f->refl_max += (uint64_t)dr;
		}
		slot_delay(f, m.fwd_ns, m.t1, m.t2);
		slot_delay(b, m.bwd_ns, m.t3, m.t4);
		if (!m.synced) {
			f->unsynced++;
			b->unsynced++;
		}
	}
	if (pc->ev != NULL) {
		struct probe_hdr h = { .stream = (uint16_t)stream,
			.flags = t1_src,
			.seq = seq,
			.tx_ns = m.t1,
			.refl_rx_ns = m.t2,
			.refl_tx_ns = m.t3 };

		rx_event(pc, &h, STP_PROBE_RTT, ts_src, rx_ns);
		pc->ev[(pc->ev_head - 1) & (STP_PROBE_EVENTS - 1)].stamp = 1;
	}
	return true;
}

/*
 * Answer a STAMP Session-Sender packet in place (RFC 8762 4.3; stateless: the sender's sequence
 * number is echoed; stateful: the session's own, the session being (sender address, sender UDP
 * port, SSID) in this worker's table): MACs, addresses and ports swapped, TTL / hop limit 255
 * (the received one goes into the packet), T2 = the packet's RX stamp, T3 = now (the TX queue
 * follows), same size as the request, UDP checksum redone.
 *
 * Authenticated reflector (probe_rx.stamp_auth): the request's HMAC is checked first, before
 * the session table is touched (a forged request creates no session); the reply is built in the
 * authenticated layout and signed. Its T3 is then taken here, before the HMAC that covers it,
 * and not rewritten at the TX burst (that would break the HMAC).
 *
 * Returns PROBE_REFL_OK; a refusal to count as a drop (PROBE_REFL_AUTH_MISSING, _AUTH_BAD);
 * or -1 (counted as ignored) when it cannot be answered: the packet is then untouched.
 */
static inline int
rx_stamp_reflect(struct stp_probe_lcore *pc, const struct stp_probe_rt *rt, struct rte_mbuf *m,
		const struct probe_refl_req *r, uint64_t rx_ns)
{
	struct stamp_refl_session stateless = {
		.stateful = false, .err_est = rt->stamp_err_est, .tai_utc = STAMP_TAI_UTC_DEFAULT
	};
	struct stamp_refl_session *sess = &stateless;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *payload = p + r->payload_off;
	uint32_t len = r->payload_len;
	const uint32_t o_ssid = pc->refl_hmac != NULL ? STAMP_AOFF_SSID : STAMP_OFF_SSID;
	uint8_t ttl;
	int rc;

	if (pc->refl_hmac != NULL) {
		/* RFC 8762 4.4: verified "as early as possible", and never answered otherwise. */
		rc = stamp_hmac_check(pc->refl_hmac, payload, len);
		if (unlikely(rc < 0))
			return rc == STAMP_E_NOAUTH ? PROBE_REFL_AUTH_MISSING : PROBE_REFL_AUTH_BAD;
	} else if (unlikely(len < STAMP_SENDER_LEN)) {
		pc->ignored[STP_PROBE_IGN_STAMP_SHORT]++;
		return -1;
	}
	if (pc->stamp_sess != NULL) {
		struct stamp_sess_key k;

		memset(&k, 0, sizeof(k));
		memcpy(k.addr, p + r->l3_off + (r->ipv6 ? 8 : 12), r->ipv6 ? 16 : 4);
		k.family = r->ipv6 ? 6 : 4;
		memcpy(&k.port, p + r->l4_off, 2);
		k.ssid = (uint16_t)(payload[o_ssid] << 8 | payload[o_ssid + 1]);
		sess = stamp_sess_get(pc->stamp_sess, &k, rx_ns);
		if (unlikely(sess == NULL)) {
			pc->ignored[STP_PROBE_IGN_STAMP_OVERFLOW]++;
			return -1;
		}
	}
	ttl = probe_refl_ttl(p, r);
	if (pc->refl_hmac != NULL) {
		/* Built and signed in place. Should libcrypto fail (out of memory), the frame
		 * is not answered (counted under probe_refl_auth_bad) and the session's count
		 * is put back. */
		struct stamp_refl_session keep = *sess;

		rc = stamp_reflect_auth(payload, len, payload, len, rx_ns, ttl,
				clock_tsc_ns(rte_rdtsc()), sess, pc->refl_hmac);
		if (unlikely(rc < 0)) {
			*sess = keep;
			return PROBE_REFL_AUTH_BAD;
		}
		probe_refl_turn(p, r);
		probe_refl_finish(p, r, 255);
		return PROBE_REFL_OK;
	}
	probe_refl_turn(p, r);
	stamp_reflect(payload, len, payload, len, rx_ns, ttl, clock_tsc_ns(rte_rdtsc()), sess);
	probe_refl_finish(p, r, 255);
	/* T3 is rewritten at the port's TX burst (probe_tx_restamp()). */
	m->hash.usr = (r->payload_off + STAMP_OFF_TS) | (uint32_t)(r->l4_off + 6) << 16 |
			UINT32_C(1) << 31;
	m->ol_flags |= rt->restamp_flag;
	return PROBE_REFL_OK;
}

uint16_t
probe_burst(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	const struct stp_probe_rt *rt = lc->pl->fpriv[probe_k];
	struct stp_probe_lcore *pc = lc->fpriv[probe_k];
	struct rte_mbuf *done[STP_MAX_BURST], *back[STP_MAX_BURST], *refused[STP_MAX_BURST];
	uint16_t k = 0, nd = 0, nb = 0, nr = 0;
	const uint16_t udp_port = rt->udp_port;
	const struct port_set *ports = lc->pl->ports;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct pkt_meta *meta = pkt_meta(m);
		const struct rte_udp_hdr *udp;
		struct probe_hdr h;
		struct probe_refl_req req;
		enum probe_refl_rc rrc;
		uint8_t *payload;
		uint32_t len;
		uint64_t rx_ns;
		enum probe_parse_rc prc;
		uint8_t t1_src_hw;
		int sr;
		bool fwd;

		if (meta->l4_proto != IPPROTO_UDP || meta->l4_off == 0 ||
				(meta->flags & (PKT_F_L4_TRUNC | PKT_F_FRAG)) ||
				!((rt->port_mask >> (m->port & 31)) & 1) || m->port >= 32)
			goto keep;
		udp = rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, meta->l4_off);
		fwd = udp->dst_port == udp_port;
		if (!fwd && udp->src_port != udp_port && rt->nb_stamp == 0)
			goto keep;
		len = rte_pktmbuf_data_len(m) - meta->l4_off - sizeof(*udp);
		if (rte_be_to_cpu_16(udp->dgram_len) < sizeof(*udp))
			len = 0;
		else if (rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp) < len)
			len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);
		payload = (uint8_t *)(udp + 1);
		if (rt->nb_stamp > 0) {
			/* A reply to one of this instance's STAMP sessions? */
			int si = stamp_match(rt, udp, payload, len);

			if (si >= 0) {
				rx_ns = meta->ts_src != PKT_TS_NONE ? meta->ts_ns :
								      clock_tsc_ns(rte_rdtsc());
				if (!rx_stamp_reply(pc, rt->stamp[si].stream, payload, len, rx_ns,
						    meta->ts_src,
						    rt->horizon_ns[rt->stamp[si].stream]))
					goto keep;
				done[nd++] = m;
				continue;
			}
			if (si == -2 && !(fwd && rt->rx_mode == CFG_PROBE_STAMP)) {
				pc->ignored[STP_PROBE_IGN_STAMP_UNKNOWN]++;
				goto keep;
			}
			if (!fwd && udp->src_port != udp_port)
				goto keep;
		}
		if (rt->rx_mode == CFG_PROBE_STAMP && fwd) {
			/* Session-Reflector: every packet to the STAMP port is a sender's. */
			if (!rt->rx_enabled)
				goto keep;
			if (unlikely(m->nb_segs > 1)) {
				pc->ignored[STP_PROBE_IGN_MULTISEG]++;
				goto keep;
			}
			rx_ns = meta->ts_src != PKT_TS_NONE ? meta->ts_ns :
							      clock_tsc_ns(rte_rdtsc());
			rrc = refl_check(rt, pc, m, meta, rx_ns, &req);
			if (unlikely(rrc != PROBE_REFL_OK))
				goto refuse;
			if (unlikely(rte_pktmbuf_pkt_len(m) > ports->by_id[m->port]->max_frame))
				goto too_big;
			sr = rx_stamp_reflect(pc, rt, m, &req, rx_ns);
			if (unlikely(sr > 0)) {
				rrc = (enum probe_refl_rc)sr;
				goto refuse;
			}
			if (sr < 0)
				goto keep;
			meta->out_port = m->port;
			back[nb++] = m;
			pc->reflected++;
			continue;
		}
		prc = probe_parse(payload, len, &h);
		if (unlikely(prc != PROBE_OK)) {
			/* Not ours to measure: counted, and left to the rules untouched. */
			if (fwd && rt->rx_enabled)
				pc->ignored[prc == PROBE_ERR_MAGIC ? STP_PROBE_IGN_BAD_MAGIC :
								prc == PROBE_ERR_SHORT ?
								     STP_PROBE_IGN_TRUNCATED :
								prc == PROBE_ERR_VERSION ?
								     STP_PROBE_IGN_BAD_VERSION :
								     STP_PROBE_IGN_BAD_STREAM]++;
			goto keep;
		}
		if (rx_hw_t1(pc, h.stream, h.seq, &h.tx_ns, &t1_src_hw))
			h.flags = (uint8_t)((h.flags & ~PROBE_F_TS_MASK) | t1_src_hw);
		rx_ns = meta->ts_src != PKT_TS_NONE ? meta->ts_ns : clock_tsc_ns(rte_rdtsc());
		if (h.flags & PROBE_F_REFLECTED) {
			/* A reflection of our own probe (either port field may be the probe port).
			 */
			rx_measure(pc, &h, STP_PROBE_RTT, rx_ns, meta->ts_src,
					rt->horizon_ns[h.stream]);
			done[nd++] = m;
			continue;
		}
		if (!fwd || !rt->rx_enabled)
			goto keep;
		if (rt->reflect) {
			if (unlikely(m->nb_segs > 1)) {
				pc->ignored[STP_PROBE_IGN_MULTISEG]++;
				goto keep;
			}
			/* A request that may not be answered is not measured either: its
			 * stamps are as suspect as its headers. */
			rrc = refl_check(rt, pc, m, meta, rx_ns, &req);
			if (unlikely(rrc != PROBE_REFL_OK))
				goto refuse;
			if (unlikely(rte_pktmbuf_pkt_len(m) > ports->by_id[m->port]->max_frame))
				goto too_big;
			rx_measure(pc, &h, STP_PROBE_ONEWAY, rx_ns, meta->ts_src, 0);
			rx_reflect(m, &req, rx_ns, rt->restamp_flag);
			meta->out_port = m->port;
			back[nb++] = m;
			pc->reflected++;
			continue;
		}
		rx_measure(pc, &h, STP_PROBE_ONEWAY, rx_ns, meta->ts_src, 0);
		done[nd++] = m;
		continue;
refuse:
		/* A named drop: the request reached the reflector and is not answered. */
		lc->stats.drops[refl_drop(rrc)]++;
		refused[nr++] = m;
		continue;
too_big:
		/* The reply (as long as the request) would not fit the port's MTU: the same
		 * check and drop as for a forwarded frame (stage_rules.c), not a silent loss in
		 * the PMD. */
		lc->stats.drops[STP_DROP_MTU_EXCEEDED]++;
		refused[nr++] = m;
		continue;
keep:
		pkts[k++] = m;
	}
	if (nr > 0)
		rte_pktmbuf_free_bulk(refused, nr);
	if (nd > 0) {
		rte_pktmbuf_free_bulk(done, nd);
		lc->stats.consumed += nd;
	}
	if (nb > 0)
		stp_tx_emit(lc, back, nb);
	return k;
}

int
probe_stage_init(struct stp_pipeline *pl)
{
	int rc = stp_probe_rt_init(pl);

	if (rc != 0)
		return rc;
	pl->need_parse = true;
	return 0;
}
