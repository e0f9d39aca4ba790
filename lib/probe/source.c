/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The probe generator: a packet source polled on TX lcores. Each stream belongs to one TX lcore
 * and sends on that lcore's own TX queue of its port.
 *
 * Per poll, a stream computes the credit due since its run started from the TSC (lib/probe's
 * probe_pace_due(): exact 128-bit arithmetic, no sleeps, no per-packet rounding) and builds at
 * most one burst: rte_pktmbuf_alloc_bulk from the stream's own mempool, whose mbufs were filled
 * with the frame (headers, probe, payload pattern) when it was made, a copy of only the header
 * part (Ethernet to the end of the probe fields) of the template of the packet's size (the
 * payload pattern is the same at every offset for every size of a stream), then the sequence
 * number and source port patched in. Nothing in stampede writes a generated frame past its
 * probe fields (the reflector writes headers and probe fields only), so the payload stays what
 * was pre-filled; a stream whose pool cannot be made uses the ports' pool and copies the whole
 * frame. Measured on net_null (plain mode, one core, scripts/bench/txmethods.sh's frames): see
 * the commit that added this. The
 * TX timestamp (software: calibrated TSC) is written into every packet of the burst right before
 * rte_eth_tx_burst, with the UDP checksum finished from the template's partial sum. What the port
 * refuses is kept and sent first next poll (re-stamped), never dropped.
 *
 * A stream that falls behind (the lcore was busy or preempted) catches up at full speed, so the
 * number sent over a run is exact; "behind" counts the polls that found more than a burst due.
 *
 * Timestamp source: the frame always carries the software T1 and says PROBE_TS_SW. On a port
 * that stamps in hardware (timestamp "hw") and whose timesync API works
 * (rte_eth_timesync_enable succeeds), the stream also takes hardware T1s: one probe at a time
 * is sent with RTE_MBUF_F_TX_IEEE1588_TMST (NICs latch one TX stamp at a time), the TX stamp
 * register is read after each burst and at each poll until the stamp comes (or STP_HWTX_POLLS
 * reads, or a stamp further than STP_HWTX_SKEW_NS from the software T1: a stale latch), and
 * the stamp, converted to UTC by the port's clock as RX stamps are, goes into the stream's
 * table (sequence -> T1, lib/probe/probe_txts.h). The worker measuring the answer uses it when
 * the table has the sequence, and records which T1 it used. The driver must report TX stamps
 * in the units of its RX timestamp dynfield (as net_stpsim, test/simnic, does). A net_afpkt
 * port (timestamps "kernel") gives the kernel's TX stamps the same way (lib/afpkt: the socket's
 * error queue, UTC ns): its records say T1 source "kernel" ("hw" when the NIC stamped).
 */

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "clock.h"
#include "port_kern.h"
#include "probe_rt.h"

/* Hardware T1: reads of the TX stamp register before a request is given up, and the largest
 * distance from the probe's software T1 a stamp of that probe can be at. */
#define STP_HWTX_POLLS 10000
#define STP_HWTX_SKEW_NS 1000000

/* Fill @p buf (@p len bytes, FCS excluded) with the frame of stream @p g; returns the UDP
 * partial checksum (pseudo header + UDP header + payload) with sport, seq and tx_ns zero. */
static uint32_t
gen_template(struct stp_probe_gen *g, const struct rte_ether_addr *port_mac, uint8_t *buf,
		uint16_t len)
{
	const struct cfg_probe *c = &g->c;
	uint16_t off = 0, l3_len, udp_len;
	uint32_t sum = 0, x = 0x2545f491u + c->stream_id;
	/* RFC 8762 4.2: a Session-Sender sends with TTL / hop limit 255 (the reflector echoes
	 * what arrived, so the sender sees the hops). */
	uint8_t ttl = c->mode == CFG_PROBE_STAMP ? 255 : 64;
	uint16_t plen;
	struct probe_hdr h;

	memset(buf, 0, len);
	memcpy(buf, c->dst_mac_b, 6);
	memcpy(buf + 6, c->src_mac_set ? c->src_mac_b : port_mac->addr_bytes, 6);
	off = 12;
	if (c->vlan != 0) {
		buf[off] = 0x81;
		buf[off + 1] = 0x00;
		buf[off + 2] = (uint8_t)(c->vlan >> 8);
		buf[off + 3] = (uint8_t)c->vlan;
		off += 4;
	}
	buf[off] = c->ipv6 ? 0x86 : 0x08;
	buf[off + 1] = c->ipv6 ? 0xdd : 0x00;
	off += 2;
	l3_len = (uint16_t)(len - off);
	if (c->ipv6) {
		udp_len = (uint16_t)(l3_len - 40);
		buf[off] = 0x60;
		buf[off + 4] = (uint8_t)(udp_len >> 8);
		buf[off + 5] = (uint8_t)udp_len;
		buf[off + 6] = IPPROTO_UDP;
		buf[off + 7] = ttl;
		memcpy(buf + off + 8, c->src_ip_b, 16);
		memcpy(buf + off + 24, c->dst_ip_b, 16);
		sum = probe_csum_add(sum, buf + off + 8, 32);
		off += 40;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + off);

		udp_len = (uint16_t)(l3_len - 20);
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16(l3_len);
		ip->time_to_live = ttl;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, c->src_ip_b, 4);
		memcpy(&ip->dst_addr, c->dst_ip_b, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		sum = probe_csum_add(sum, buf + off + 12, 8);
		off += 20;
	}
	/* Pseudo header: protocol and UDP length (the addresses are in the sum already). */
	sum += IPPROTO_UDP + udp_len;
	g->off_l4 = off;
	/* UDP header: source port left 0 (patched per packet), length, checksum 0. */
	buf[off + 2] = (uint8_t)(c->dst_port >> 8);
	buf[off + 3] = (uint8_t)c->dst_port;
	buf[off + 4] = (uint8_t)(udp_len >> 8);
	buf[off + 5] = (uint8_t)udp_len;
	off += 8;
	g->off_probe = off;
	switch (c->mode) {
	case CFG_PROBE_STAMP: {
		struct stamp_sender ss = { .err_est = g->stamp_err_est, .ssid = c->ssid };

		/* Sequence and T1 are written per packet (gen_build(), gen_send()), and in
		 * authenticated mode the HMAC after them (gen_send()). */
		g->seq_len = 4;
		if (g->hmac != NULL) {
			stamp_sender_write_auth(buf + off, STAMP_AUTH_LEN, &ss);
			plen = STAMP_AUTH_LEN;
			g->off_seq = off + STAMP_AOFF_SEQ;
			g->off_tx = off + STAMP_AOFF_TS;
		} else {
			stamp_sender_write(buf + off, STAMP_SENDER_LEN, &ss);
			plen = STAMP_SENDER_LEN;
			g->off_seq = off + STAMP_OFF_SEQ;
			g->off_tx = off + STAMP_OFF_TS;
		}
		break;
	}
	case CFG_PROBE_PLAIN:
		plen = 0;
		g->seq_len = 0;
		break;
	default:
		memset(&h, 0, sizeof(h));
		h.version = PROBE_VERSION;
		h.flags = PROBE_TS_SW;
		h.stream = (uint16_t)c->stream_id;
		probe_write(buf + off, &h);
		plen = PROBE_LEN;
		g->seq_len = 8;
		g->off_seq = off + PROBE_OFF_SEQ;
		g->off_tx = off + PROBE_OFF_TX;
		break;
	}
	for (uint16_t i = off + plen; i < len; i++) {
		switch (c->payload) {
		case CFG_PAYLOAD_INCREMENTING:
			buf[i] = (uint8_t)i;
			break;
		case CFG_PAYLOAD_RANDOM:
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (uint8_t)x;
			break;
		default:
			break;
		}
	}
	return probe_csum_add(sum, buf + g->off_l4, len - g->off_l4);
}

/* Smallest frame (with FCS) of stream @p c: its probe format's payload must fit. */
static uint32_t
gen_min_frame(const struct cfg_probe *c)
{
	uint32_t n = probe_min_frame(c->ipv6, c->vlan != 0);

	if (c->mode == CFG_PROBE_STAMP)
		return n - PROBE_LEN +
				(c->stamp_auth != CFG_STAMP_AUTH_NONE ? STAMP_AUTH_LEN :
									STAMP_SENDER_LEN);
	if (c->mode == CFG_PROBE_PLAIN)
		return RTE_MAX(n - PROBE_LEN, (uint32_t)PROBE_MIN_FRAME);
	return n;
}

/* rte_mempool_obj_iter callback: fill a new mbuf's data room with the largest template. */
static void
gen_prefill(struct rte_mempool *mp __rte_unused, void *arg, void *obj,
		unsigned int idx __rte_unused)
{
	const struct stp_probe_gen *g = arg;
	struct rte_mbuf *m = obj;
	unsigned int big = 0;

	for (unsigned int t = 1; t < g->nb_tmpl; t++)
		if (g->tmpl_len[t] > g->tmpl_len[big])
			big = t;
	memcpy((uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM, g->tmpl[big], g->tmpl_len[big]);
}

/*
 * The stream's own mempool, pre-filled. Sized for what can be in flight: the TX queue's
 * descriptors and a few bursts (a net_ring loop holds more: the generator then waits for mbufs,
 * counted as no_mbuf, and goes on). On failure the stream uses the ports' pool (full copies).
 */
static void
gen_pool(struct stp_pipeline *pl, struct stp_probe_gen *g)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	uint16_t maxlen = 0;

	g->pool = pl->ports->pool;
	g->hdr_len = 0;
	for (unsigned int t = 0; t < g->nb_tmpl; t++)
		maxlen = RTE_MAX(maxlen, g->tmpl_len[t]);
	snprintf(name, sizeof(name), "stp_gen%u", g->idx);
	g->own_pool = rte_pktmbuf_pool_create(name, 4095, 128, 0,
			(uint16_t)(RTE_PKTMBUF_HEADROOM + RTE_ALIGN_CEIL(maxlen, 64)),
			rte_lcore_to_socket_id(g->lc->lcore_id));
	if (g->own_pool == NULL)
		return;
	rte_mempool_obj_iter(g->own_pool, gen_prefill, g);
	g->pool = g->own_pool;
	g->hdr_len = (uint16_t)(g->off_probe +
			(g->seq_len == 8 ? PROBE_LEN :
							g->seq_len == 4 ?
					   (g->hmac != NULL ? STAMP_AUTH_LEN : STAMP_SENDER_LEN) :
					   0));
}

/* Build the templates of stream @p g. 0, or -1 with pl->err. */
static int
gen_setup(struct stp_pipeline *pl, struct stp_probe_gen *g)
{
	const struct port_rt *pr = &pl->ports->ports[g->c.port];
	uint16_t sizes[CFG_MAX_PROBE_SIZES];
	uint32_t min = gen_min_frame(&g->c);
	uint32_t room = rte_pktmbuf_data_room_size(pl->ports->pool) - RTE_PKTMBUF_HEADROOM;

	g->stamp_err_est = stamp_err_est_encode(
			g->c.stamp_error_ns, g->c.stamp_synced, g->c.stamp_ts == CFG_STAMP_PTP);
	if (g->c.mode == CFG_PROBE_STAMP && g->c.stamp_auth != CFG_STAMP_AUTH_NONE &&
			g->hmac == NULL) {
		/* The stream's own HMAC state: only its TX lcore signs with it. */
		g->hmac = stamp_hmac_new(g->c.stamp_key, g->c.stamp_key_len);
		if (g->hmac == NULL) {
			snprintf(pl->err, sizeof(pl->err),
					"probes[%u] \"%s\": no HMAC-SHA-256 state (libcrypto)",
					g->idx, g->c.name);
			return -1;
		}
	}
	g->nb_seq = g->c.nb_sizes > 0 ? g->c.nb_sizes : 1;
	if (g->c.nb_sizes > 0)
		memcpy(sizes, g->c.sizes, g->nb_seq * sizeof(sizes[0]));
	else
		sizes[0] = g->c.size;
	for (uint16_t i = 0; i < g->nb_seq; i++) {
		uint16_t sz = (uint16_t)RTE_MAX((uint32_t)sizes[i], min);
		uint16_t t;

		for (t = 0; t < g->nb_tmpl; t++)
			if (g->tmpl_len[t] + 4 == sz)
				break;
		if (t == g->nb_tmpl) {
			if ((uint32_t)sz - 4 > pr->max_frame || (uint32_t)sz - 4 > room) {
				snprintf(pl->err, sizeof(pl->err),
						"probes[%u] \"%s\": a %u-byte frame is larger than "
						"port \"%s\" sends (%u bytes without FCS) or a "
						"mbuf holds (%u: mempool.mbuf_size)",
						g->idx, g->c.name, sz, pr->cfg->name, pr->max_frame,
						room);
				return -1;
			}
			g->tmpl[t] = rte_zmalloc("stp_probe_tmpl", sz, RTE_CACHE_LINE_SIZE);
			if (g->tmpl[t] == NULL) {
				snprintf(pl->err, sizeof(pl->err), "out of memory");
				return -1;
			}
			g->tmpl_len[t] = sz - 4;
			g->tmpl_csum[t] = gen_template(g, &pr->mac, g->tmpl[t], (uint16_t)(sz - 4));
			g->nb_tmpl++;
		}
		g->size_tmpl[i] = (uint8_t)t;
	}
	g->port_id = pr->port_id;
	g->pr = pr;
	/* net_afpkt (timestamps "kernel"): the kernel's TX stamps, through the same API. */
	if ((pr->ts_src == PKT_TS_HW || pr->ts_src == PKT_TS_KERNEL) && g->seq_len != 0) {
		struct stp_probe_rt *rt = stp_probe_rt(pl);
		const char *why = "software: the port's timesync API is not supported";
		bool taken = false;

		/* The port's one TX stamp register serves one stream: the first configured. */
		for (unsigned int i = 0; i < rt->nb_gen; i++)
			taken |= rt->gen[i] != g && rt->gen[i]->hw_tx &&
					rt->gen[i]->port_id == pr->port_id;
		if (taken)
			why = "software: another stream on the port has its TX stamps";
		else
			g->hw_tx = rte_eth_timesync_enable(pr->port_id) == 0;
		g->txts.src = pr->ts_src == PKT_TS_KERNEL && !port_kern_tx_hw(pr->port_id) ?
				PROBE_TS_KERNEL :
				PROBE_TS_HW;
		if (g->hw_tx)
			rt->txts[g->c.stream_id] = &g->txts;
		RTE_LOG(INFO, USER1, "probes[%u] \"%s\": T1 %s\n", g->idx, g->c.name,
				!g->hw_tx ? why :
						g->txts.src == PROBE_TS_KERNEL ?
					    "from the kernel's TX stamps (socket error queue)" :
					    "from the NIC's TX stamps (timesync)");
	}
	gen_pool(pl, g);
	g->hz = rte_get_tsc_hz();
	g->win_start = rte_rdtsc();
	g->horizon_tsc = (uint64_t)g->c.loss_horizon_ms * (g->hz / 1000);
	g->sent_step_tsc = g->horizon_tsc / STP_PROBE_SENT_STEPS;
	g->bps = g->c.rate_bps != 0;
	g->min_bits = UINT64_MAX;
	for (uint16_t t = 0; t < g->nb_tmpl; t++)
		g->min_bits = RTE_MIN(g->min_bits, ((uint64_t)g->tmpl_len[t] + 4) * 8);
	g->ctl_rate = g->c.rate == CFG_RATE_MAX ? 0 : (g->bps ? g->c.rate_bps : g->c.rate_pps);
	g->ctl_run = g->c.start;
	g->ctl_gen = 1;
	return 0;
}

int
probe_source_init(struct stp_pipeline *pl)
{
	int rc = stp_probe_rt_init(pl);
	struct stp_probe_rt *rt;

	if (rc < 0)
		return rc;
	rt = stp_probe_rt(pl);
	if (rt == NULL || rt->nb_gen == 0)
		return 1;
	for (unsigned int i = 0; i < rt->nb_gen; i++)
		if (rt->gen[i]->nb_tmpl == 0 && gen_setup(pl, rt->gen[i]) < 0)
			return -1;
	return 0;
}

/*
 * Log (now, positions issued so far) for the loss horizon (control.c's gen_due()): at most
 * one entry per sent_step_tsc, and always the last one of a run (@p force), so that once a run
 * has ended, every probe it sent becomes due exactly one horizon after the last.
 */
static inline void
gen_log_sent(struct stp_probe_gen *g, bool force)
{
	uint64_t now;
	unsigned int i;

	if (g->pos == g->sent_last_pos)
		return;
	now = rte_rdtsc();
	if (!force && now - g->sent_last_tsc < g->sent_step_tsc)
		return;
	i = (unsigned int)(g->sent_head & (STP_PROBE_SENT_HIST - 1));
	__atomic_store_n(&g->sent[i].tsc, now, __ATOMIC_RELAXED);
	__atomic_store_n(&g->sent[i].pos, g->pos, __ATOMIC_RELAXED);
	g->sent_last_tsc = now;
	g->sent_last_pos = g->pos;
	__atomic_store_n(&g->sent_head, g->sent_head + 1, __ATOMIC_RELEASE);
}

/* Mark the end of the current run at @p tsc. */
static inline void
gen_run_end(struct stp_probe_gen *g, uint64_t tsc)
{
	if (!g->active)
		return;
	gen_log_sent(g, true);
	g->active = false;
	__atomic_store_n(&g->past_cycles, g->past_cycles + (tsc - g->run_start_tsc),
			__ATOMIC_RELAXED);
	__atomic_store_n(&g->cur_active, false, __ATOMIC_RELEASE);
}

/* Apply what the control thread asked (start, stop, rate). */
static void
gen_control(struct stp_probe_gen *g, uint64_t tsc)
{
	uint32_t gen = __atomic_load_n(&g->ctl_gen, __ATOMIC_ACQUIRE);
	bool run = __atomic_load_n(&g->ctl_run, __ATOMIC_RELAXED);
	uint64_t rate = __atomic_load_n(&g->ctl_rate, __ATOMIC_RELAXED);

	g->seen_gen = gen;
	if (!run) {
		gen_run_end(g, tsc);
		return;
	}
	if (g->active) {
		/*
		 * A new rate from here on: what was due so far stays due. Unpaced (max), nothing
		 * was due (the pace stays at its base) but every credit spent was sent: start
		 * from the credits, or the new rate owes all that max sent before sending again.
		 */
		uint64_t due = probe_pace_due(&g->pace, tsc);

		probe_pace_set(&g->pace, g->hz, rate, tsc, g->pace.rate == 0 ? g->credits : due);
		return;
	}
	/* A new run: count and duration start again; sequence numbers go on. */
	g->active = true;
	g->credits = 0;
	g->run_pkts = 0;
	g->run_start_pos = g->pos;
	g->run_start_tsc = tsc;
	g->deadline_tsc = g->c.duration_s != 0 ? tsc + g->c.duration_s * g->hz : 0;
	probe_pace_set(&g->pace, g->hz, rate, tsc, 0);
	g->runs++;
	__atomic_store_n(&g->cur_start, tsc, __ATOMIC_RELAXED);
	__atomic_store_n(&g->cur_active, true, __ATOMIC_RELEASE);
}

/* The sequence number in a built frame, as the answer will carry it (STAMP: 32 bits). */
static inline uint64_t
gen_seq_of(const struct stp_probe_gen *g, struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *) + g->off_seq;

	if (g->seq_len == 8)
		return probe_get64(p);
	return (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
}

/* One read of the port's TX stamp register for the stream's outstanding request. */
static inline void
gen_hwtx_poll(struct stp_probe_gen *g)
{
	uint64_t ns;
	bool have = port_tx_stamp_ns(g->pr, &ns);

	probe_hwtx_poll(&g->hwtx, &g->txts, have, ns, STP_HWTX_POLLS, STP_HWTX_SKEW_NS);
}

/*
 * Stamp and send pkts[0..n) (bit i of @p dup: a duplicate made by the impairment), keeping what
 * the port refused in g->pend. Returns packets sent.
 */
static uint16_t
gen_send(struct stp_lcore *lc, struct stp_probe_gen *g, struct rte_mbuf **pkts, uint16_t n,
		uint64_t dup)
{
	const uint16_t off_tx = g->off_tx, off_l4 = g->off_l4;
	uint16_t sent, nd;
	uint64_t bytes = 0;

	/* The TX timestamp as late as software can take it: right before the burst. One clock
	 * read and one format conversion per burst; per packet an 8-byte store and the checksum. */
	if (g->seq_len != 0) {
		uint64_t now_ns = clock_tsc_ns(rte_rdtsc());
		uint64_t ts = g->c.mode == CFG_PROBE_STAMP ?
				stamp_ts_from_ns(now_ns, g->stamp_err_est, STAMP_TAI_UTC_DEFAULT) :
				now_ns;
		uint8_t tsb[8];
		uint32_t tsum;

		probe_put64(tsb, ts);
		tsum = probe_csum_add(0, tsb, 8);
		if (g->hw_tx && !g->hwtx.pending) {
			/* The first original (not a duplicate) asks for the NIC's stamp. */
			uint16_t i = 0;

			while (i < n && ((dup >> i) & 1))
				i++;
			if (i < n && probe_hwtx_arm(&g->hwtx, gen_seq_of(g, pkts[i]), now_ns))
				pkts[i]->ol_flags |= RTE_MBUF_F_TX_IEEE1588_TMST;
		}
		for (uint16_t i = 0; i < n; i++) {
			uint8_t *p = rte_pktmbuf_mtod(pkts[i], uint8_t *);
			/* partial checksum left by gen_build() */
			uint32_t sum = pkts[i]->hash.usr + tsum;
			uint16_t ck;

			memcpy(p + off_tx, tsb, 8);
			if (g->hmac != NULL) {
				/* Authenticated: sign what is now final (T1 included) and add the
				 * HMAC to the checksum (the template's HMAC field is 0). A failed
				 * HMAC (libcrypto out of memory) leaves 0: the reflector refuses
				 * it as unauthenticated, and it is counted lost. */
				uint8_t *a = p + g->off_probe;

				if (stamp_hmac_sign(g->hmac, a, STAMP_AUTH_LEN) < 0)
					memset(a + STAMP_AUTH_OFF_HMAC, 0, STAMP_AUTH_HMAC_LEN);
				sum = probe_csum_add(
						sum, a + STAMP_AUTH_OFF_HMAC, STAMP_AUTH_HMAC_LEN);
			}
			ck = probe_csum_fold(sum);
			p[off_l4 + 6] = (uint8_t)(ck >> 8);
			p[off_l4 + 7] = (uint8_t)ck;
		}
	}
	sent = stp_tx_send_generated(lc, g->port_id, pkts, n);
	if (g->hwtx.pending)
		gen_hwtx_poll(g);
	/* Impairment duplicates are replicas, not generated packets. */
	nd = (uint16_t)__builtin_popcountll(sent >= 64 ? dup : dup & ((UINT64_C(1) << sent) - 1));
	lc->stats.generated -= nd;
	lc->stats.replicas += nd;
	for (uint16_t i = 0; i < sent; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]) + 4;
	g->tx_pkts += sent;
	g->tx_bytes += bytes;
	g->nb_pend = n - sent;
	g->pend_dup = sent >= 64 ? 0 : dup >> sent;
	if (g->nb_pend > 0 && pkts != g->pend)
		memcpy(g->pend, &pkts[sent], g->nb_pend * sizeof(pkts[0]));
	else if (g->nb_pend > 0)
		memmove(g->pend, &g->pend[sent], g->nb_pend * sizeof(pkts[0]));
	return sent;
}

/* Copy the template of position @p pos into @p m and patch sequence and source port. */
static inline void
gen_build(struct stp_probe_gen *g, struct rte_mbuf *m, unsigned int t, uint64_t seq)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t len = g->tmpl_len[t];
	uint16_t sport = (uint16_t)(g->c.src_port + (g->c.flows > 1 ? seq % g->c.flows : 0));
	uint32_t sum = g->tmpl_csum[t];

	/* Own pool: the payload is in the mbuf already; else the whole frame. */
	rte_memcpy(p, g->tmpl[t], g->hdr_len != 0 ? g->hdr_len : len);
	m->data_len = len;
	m->pkt_len = len;
	p[g->off_l4] = (uint8_t)(sport >> 8);
	p[g->off_l4 + 1] = (uint8_t)sport;
	sum += sport;
	if (g->seq_len == 8) {
		probe_put64(p + g->off_seq, seq);
		sum = probe_csum_add(sum, p + g->off_seq, 8);
	} else if (g->seq_len == 4) {
		uint32_t s32 = (uint32_t)seq; /* STAMP's 32-bit sequence wraps */

		p[g->off_seq] = (uint8_t)(s32 >> 24);
		p[g->off_seq + 1] = (uint8_t)(s32 >> 16);
		p[g->off_seq + 2] = (uint8_t)(s32 >> 8);
		p[g->off_seq + 3] = (uint8_t)s32;
		sum += (s32 >> 16) + (s32 & 0xffff);
	} else {
		/* No probe fields: the checksum is final now. */
		uint16_t ck = probe_csum_fold(sum);

		p[g->off_l4 + 6] = (uint8_t)(ck >> 8);
		p[g->off_l4 + 7] = (uint8_t)ck;
	}
	/* The partial sum waits in the mbuf until the TX timestamp is known (gen_send()). */
	m->hash.usr = sum;
}

/* One poll of one stream. Returns packets sent. */
static uint32_t
gen_poll(struct stp_lcore *lc, struct stp_probe_gen *g)
{
	const uint16_t burst = lc->pl->burst;
	const struct probe_impair im = { g->c.impair_drop, g->c.impair_dup, g->c.impair_swap };
	struct rte_mbuf *pkts[STP_MAX_BURST], *fresh[STP_MAX_BURST], *dupm;
	uint64_t tsc = rte_rdtsc(), due, dup = 0, count;
	uint16_t n = 0, want, nb_alloc, used = 0;
	uint32_t sent = 0;

	if (unlikely(__atomic_load_n(&g->ctl_gen, __ATOMIC_ACQUIRE) != g->seen_gen))
		gen_control(g, tsc);
	if (g->hwtx.pending)
		gen_hwtx_poll(g);
	if (!g->active)
		return 0;
	if (g->nb_pend > 0) {
		sent = gen_send(lc, g, g->pend, g->nb_pend, g->pend_dup);
		if (g->nb_pend > 0)
			return sent;
	}
	if (g->deadline_tsc != 0 && tsc >= g->deadline_tsc)
		tsc = g->deadline_tsc;
	count = g->c.count;
	if (g->pace.rate == 0) {
		want = burst;
	} else {
		due = probe_pace_due(&g->pace, tsc);
		if (due <= g->credits) {
			want = 0;
		} else if (g->bps) {
			/* At most what the credit pays for in the smallest frames. */
			want = (uint16_t)RTE_MIN(
					(due - g->credits) / g->min_bits + 1, (uint64_t)burst);
		} else {
			want = (uint16_t)RTE_MIN(due - g->credits, (uint64_t)burst);
			if (due - g->credits > burst)
				g->behind++;
		}
	}
	if (count != 0 && want > count - g->run_pkts)
		want = (uint16_t)(count - g->run_pkts);
	if (want > 0) {
		nb_alloc = want;
		if (unlikely(rte_pktmbuf_alloc_bulk(g->pool, fresh, nb_alloc) != 0)) {
			g->no_mbuf++;
			return sent;
		}
		while (used < nb_alloc && n < burst) {
			uint64_t pos = g->pos - g->run_start_pos; /* position in this run */
			unsigned int t = g->size_tmpl[g->size_pos];

			/* A duplicated position needs two slots: it waits for the next burst. */
			if (unlikely(probe_impair_dup(&im, pos)) && n + 2 > burst)
				break;

			if (g->bps) {
				if (g->pace.rate != 0 &&
						probe_pace_due(&g->pace, tsc) <= g->credits)
					break;
				g->credits += ((uint64_t)g->tmpl_len[t] + 4) * 8;
			} else {
				g->credits++;
			}
			g->pos++;
			if (++g->size_pos == g->nb_seq)
				g->size_pos = 0;
			g->run_pkts++;
			if (unlikely(probe_impair_drop(&im, pos))) {
				/* Made and dropped here: generated, then a named drop. */
				lc->stats.generated++;
				lc->stats.drops[STP_DROP_IMPAIR]++;
				g->impair_drops++;
				if (count != 0 && g->run_pkts >= count)
					break;
				continue;
			}
			gen_build(g, fresh[used], t,
					g->run_start_pos + probe_impair_seq(&im, pos, count));
			dupm = NULL;
			if (unlikely(probe_impair_dup(&im, pos))) {
				dupm = rte_pktmbuf_copy(fresh[used], g->pool, 0, UINT32_MAX);
				if (dupm != NULL)
					dupm->hash.usr = fresh[used]->hash.usr;
			}
			pkts[n++] = fresh[used++];
			if (dupm != NULL) {
				dup |= UINT64_C(1) << n;
				pkts[n++] = dupm;
				g->impair_dups++;
			}
			if (count != 0 && g->run_pkts >= count)
				break;
		}
		if (used < nb_alloc)
			rte_pktmbuf_free_bulk(&fresh[used], nb_alloc - used);
		if (n > 0)
			sent += gen_send(lc, g, pkts, n, dup);
	}
	/* Ends once the count is reached, or at the deadline once all that fell due is sent. */
	if ((count != 0 && g->run_pkts >= count) ||
			(g->deadline_tsc != 0 && tsc >= g->deadline_tsc &&
					(g->pace.rate == 0 ||
							g->credits >= probe_pace_due(&g->pace,
										      tsc)))) {
		uint64_t end = tsc;

		/* A paced run ends when its last credit fell due, not at the poll that saw it. */
		if (g->deadline_tsc != 0 && tsc >= g->deadline_tsc)
			end = g->deadline_tsc;
		if (g->nb_pend == 0)
			gen_run_end(g, end);
	}
	gen_log_sent(g, false);
	return sent;
}

uint32_t
probe_source_poll(struct stp_lcore *lc)
{
	struct stp_probe_lcore *pc = lc->fpriv[probe_k];
	uint32_t work = 0;

	if (pc == NULL)
		return 0;
	for (unsigned int i = 0; i < pc->nb_gen; i++)
		work += gen_poll(lc, pc->gen[i]);
	return work;
}
