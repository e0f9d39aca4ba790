/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The stampede broker datapath (header: lib/encap/sph.h, wire format: lib/encap/README.md):
 *  - edge: outputs[] of type "stampede" wrap each packet in a stampede header record, batch
 *    records into datagrams up to the port's MTU (flushed at the end of every burst, so latency
 *    stays one loop) and split a frame that does not fit one datagram into fragments;
 *  - relay (node.role "relay"): the worker stage below takes stampede datagrams off the wire,
 *    appends a hop record to each record and sends them on through node.relay_to;
 *  - collector (node.role "collector"): the worker stage unbatches, reassembles fragments,
 *    checks sequences per (node, stream), restores the original timestamp and hands the
 *    original frames to the rules like local captures.
 *
 * Accounting (received + replicated + generated == transmitted + captured + consumed + dropped):
 *  - edge: an original wrapped into a datagram is consumed; each datagram is generated (then
 *    transmitted or dropped by the TX path). A datagram lost on the way shows at the collector
 *    as missing sequence numbers (gaps), per frame.
 *  - relay: the datagram received is consumed; each datagram it sends is generated.
 *  - collector: a datagram holding one whole frame becomes that frame (its outer headers cut
 *    off: no copy); otherwise each frame it carried is generated (a copy), but for a datagram
 *    of plain records (whole frames, no TLV) the last one, which the datagram becomes in
 *    place; a datagram that does not become a frame is consumed. A fragment is copied (generated)
 * and kept until its frame is whole; the frame is then one packet whose other segments count
 * consumed, or on timeout each kept fragment is dropped (sph_reasm_timeout).
 *  - relay and collector: each datagram is admitted whole first (dg_admit: MAC, allow-list,
 *    every record well formed, sequence jump, source quota; README.md "Security"); a datagram
 *    refused or malformed is one drop with its reason and none of its records is read. A
 *    record behind the replay window is not written again: counted stale, and a datagram of
 *    that one record is dropped (sph_stale); in a datagram of several it is skipped like a
 *    duplicate (the datagram is consumed).
 */

#include <inttypes.h>
#include <string.h>

#include <arpa/inet.h>

#include <jansson.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_mempool.h>

#include "broker.h"
#include "broker_cmds.h"
#include "broker_cfg.h"
#include "broker_rel.h"
#include "clock.h"
#include "encap.h"
#include "outputs_cfg.h"
#include "outputs_stats.h"
#include "pipeline.h"
#include "sph.h"
#include "sph_auth.h"

RTE_LOG_REGISTER_SUFFIX(broker_logtype, broker.refuse, INFO);

/* ---------------------------------------------------------------------------------------- */
/* Sending: datagrams of records out of a stampede output. */

/* One output's datagram being filled, for the time of one call. */
struct dg_tx {
	struct stp_lcore *lc;
	struct broker_lcore *bl;
	const struct stp_tunnel_rt *t;
	unsigned int o;
	uint32_t max;	      /* most record bytes one datagram takes */
	struct rte_mbuf *m;   /* the datagram being filled, NULL if none */
	uint8_t *rec;	      /* its first record (after the outer headers) */
	uint32_t used;	      /* record bytes in it (its lengths are set when it closes) */
	uint16_t nb_records;  /* records in it */
	bool rel;	      /* a reliable output: datagrams are kept (reliable.c) */
	struct rel_span span; /* reliable: the numbers in the datagram being filled */
	uint16_t nb_out;
	struct rte_mbuf *out[STP_MAX_BURST];
};

static void
dg_emit(struct dg_tx *x)
{
	if (x->nb_out > 0)
		stp_tx_emit_port(x->lc, x->t->port_id, x->out, x->nb_out);
	x->nb_out = 0;
}

/* Close the datagram being filled: outer headers, then to TX. */
static void
dg_close(struct dg_tx *x)
{
	uint32_t hash;

	if (x->m == NULL)
		return;
	if (x->used == 0) {
		rte_pktmbuf_free(x->m); /* nothing went in */
		x->m = NULL;
		return;
	}
	/* dg_room() wrote the records without touching the mbuf's lengths: set them once. */
	x->m->data_len = (uint16_t)(x->t->hdr_len + x->used);
	x->m->pkt_len = x->m->data_len;
	if (x->bl->auth != NULL) {
		/* node.auth: the authentication record after the records (room kept by dg_max). */
		uint8_t *rec = rte_pktmbuf_mtod_offset(x->m, uint8_t *, x->t->hdr_len);

		if (unlikely(rte_pktmbuf_append(x->m, SPH_AUTH_REC_LEN) == NULL ||
				    sph_auth_sign(x->bl->auth, x->lc->pl->cfg->node.id, rec,
						    x->used, x->used + SPH_AUTH_REC_LEN) == 0)) {
			/* Cannot happen with the room dg_max keeps; counted if it does. */
			x->lc->stats.generated++;
			x->lc->stats.drops[STP_DROP_ENCAP_NO_MBUF]++;
			rte_pktmbuf_free(x->m);
			x->m = NULL;
			return;
		}
		x->used += SPH_AUTH_REC_LEN;
	}
	/* One UDP source port per worker: a receiver's RSS keeps one worker's order. */
	hash = (uint32_t)(x->lc->worker_idx + 1) * 2654435761u;
	if (unlikely(x->bl->tpl_state[x->o] == 0))
		x->bl->tpl_state[x->o] =
				encap_tpl_init(&x->bl->tpl[x->o], &x->t->enc, hash) == 0 ? 1 : 2;
	if (likely(x->bl->tpl_state[x->o] == 1)) {
		/* The headers built once, their lengths and checksum patched: ~20 instructions. */
		encap_tpl_put(&x->bl->tpl[x->o], x->used, rte_pktmbuf_mtod(x->m, uint8_t *));
	} else {
		/* IPv6: the UDP checksum covers the records. */
		const struct encap_pkt ep = { .inner_len = x->used, .hash = hash };

		encap_build(&x->t->enc, &ep, rte_pktmbuf_mtod(x->m, uint8_t *));
	}
	pkt_meta(x->m)->out_port = x->t->port_id;
	if (x->rel)
		brel_keep(x->lc, x->o, x->m, &x->span);
	x->lc->stats.generated++;
	x->bl->out[x->o].datagrams++;
	x->out[x->nb_out++] = x->m;
	x->m = NULL;
	if (x->nb_out == STP_MAX_BURST)
		dg_emit(x);
}

/*
 * A new datagram: an mbuf with room for the outer headers, x->max record bytes and the
 * authentication record (broker_init() sized dg_max so; checked once here, not per record).
 * Returns false when no mbuf is left.
 */
static __rte_noinline bool
dg_open(struct dg_tx *x)
{
	const uint32_t need = x->t->hdr_len + x->max + (x->bl->auth != NULL ? SPH_AUTH_REC_LEN : 0);

	x->m = rte_pktmbuf_alloc(x->lc->pl->ports->pool);
	if (unlikely(x->m == NULL))
		return false;
	if (unlikely(rte_pktmbuf_tailroom(x->m) < need)) {
		rte_pktmbuf_free(x->m);
		x->m = NULL;
		return false;
	}
	x->rec = rte_pktmbuf_mtod_offset(x->m, uint8_t *, x->t->hdr_len);
	x->used = 0;
	x->nb_records = 0;
	memset(&x->span, 0, sizeof(x->span));
	return true;
}

/*
 * Room for a record of @p len bytes (<= x->max): in the open datagram, else in a new one.
 * Returns where to write it, or NULL when no mbuf is left. The mbuf's lengths are set by
 * dg_close(): a record costs a compare and an add here.
 */
static inline uint8_t *
dg_room(struct dg_tx *x, uint32_t len)
{
	uint8_t *p;

	if (x->m != NULL && x->used + len > x->max)
		dg_close(x);
	if (x->m == NULL && !dg_open(x))
		return NULL;
	p = x->rec + x->used;
	x->used += len;
	x->nb_records++;
	return p;
}

static void
dg_init(struct dg_tx *x, struct stp_lcore *lc, unsigned int o)
{
	const struct broker_rt *b = broker_pl(lc->pl);

	x->lc = lc;
	x->bl = broker_lc(lc);
	x->t = &lc->pl->tunnels[o];
	x->o = o;
	x->max = b->dg_max[o];
	x->m = NULL;
	x->used = 0;
	x->nb_out = 0;
	x->rel = false;
}

/* Copy @p len bytes at @p off of @p m to @p dst. */
static __rte_always_inline void
copy_out(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint8_t *dst)
{
	const uint8_t *p;

	if (likely(off + len <= rte_pktmbuf_data_len(m))) {
		rte_memcpy(dst, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), len);
		return;
	}
	p = rte_pktmbuf_read(m, off, len, dst);
	if (p != dst)
		memcpy(dst, p, len);
}

/*
 * The usual records of a burst from pkts[@p i]: whole one-segment frames from the input port
 * @p port, not cut short, into the open datagram while they fit in @p room_max (a record
 * without description: the datagram's first one has it). The datagram's state stays in
 * registers for the run. Returns the index of the first frame it did not take.
 */
static __rte_always_inline uint16_t
put_records(struct dg_tx *x, struct rte_mbuf **pkts, uint16_t i, uint16_t n, uint16_t port,
		uint32_t room_max, uint32_t node, uint16_t stream, uint64_t *seq)
{
	uint8_t *const rec = x->rec;
	uint32_t used = x->used;
	uint64_t sq = *seq;
	uint16_t start = i;

	for (; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct pkt_meta *meta = pkt_meta(m);
		const uint32_t cap = rte_pktmbuf_pkt_len(m);
		uint8_t *p = rec + used;

		if (unlikely(m->port != port || cap != rte_pktmbuf_data_len(m) ||
				    meta->orig_len > cap || used + SPH_FIXED_LEN + cap > room_max))
			break;
		used += SPH_FIXED_LEN + cap;
		sph_put_fixed(p, 0, SPH_FIXED_LEN, meta->ts_src, node, stream, (uint16_t)cap, sq++,
				meta->ts_ns, cap, cap);
		bytes_copy(p + SPH_FIXED_LEN, rte_pktmbuf_mtod(m, const uint8_t *), cap);
	}
	x->used = used;
	x->nb_records = (uint16_t)(x->nb_records + (i - start));
	*seq = sq;
	return i;
}

/*
 * The originals after their copy, back to their pool: rte_pktmbuf_free_bulk()'s work for the
 * usual burst (direct one-segment mbufs of the first one's pool that nobody else holds) as one
 * check per mbuf and one rte_mempool_put_bulk(); any other mbuf goes to rte_pktmbuf_free().
 * The array is reordered.
 */
static inline void
free_originals(struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mempool *pool;
	uint16_t k = 0;

	if (n == 0)
		return;
	pool = pkts[0]->pool;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (likely(m->pool == pool && m->nb_segs == 1 && m->next == NULL &&
				    RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1))
			pkts[k++] = m;
		else
			rte_pktmbuf_free(m);
	}
	if (k > 0)
		rte_mempool_put_bulk(pool, (void **)pkts, k);
}

/*
 * A frame too long for one datagram: fragments, each in a datagram of its own (header @p h
 * filled but for the fragment fields). Returns false when an mbuf ran out (the fragments sent
 * arrive incomplete: the collector drops them on timeout) or there would be too many.
 */
static __rte_noinline bool
send_fragments(struct dg_tx *x, struct sph_hdr *h, const struct rte_mbuf *m, uint32_t cap,
		const uint8_t *desc, uint8_t desc_len, uint16_t pidx)
{
	struct stp_lcore *lc = x->lc;
	uint32_t per, cnt, hsz, off = 0;
	uint8_t *p;

	h->flags |= SPH_F_FRAG;
	h->desc = desc;
	h->desc_len = desc_len;
	hsz = sph_hdr_size(h);
	per = x->max > hsz + BROKER_HOP_ROOM ? x->max - hsz - BROKER_HOP_ROOM : 0;
	cnt = per > 0 ? (cap + per - 1) / per : UINT32_MAX;
	if (unlikely(cnt > SPH_MAX_FRAGS)) {
		lc->stats.drops[STP_DROP_ENCAP_TOO_BIG]++;
		return false;
	}
	dg_close(x);
	h->frag_cnt = (uint16_t)cnt;
	for (uint32_t f = 0; f < cnt; f++) {
		uint32_t len = RTE_MIN(per, cap - off);

		h->frag_idx = (uint16_t)f;
		h->frag_off = off;
		h->payload_len = (uint16_t)len;
		p = dg_room(x, hsz + len);
		if (unlikely(p == NULL))
			break;
		sph_encode(h, p, hsz);
		copy_out(m, off, len, p + hsz);
		if (x->rel) {
			(void)rel_span_add(&x->span, (uint8_t)pidx, h->seq);
			x->span.frames = f == 0;
		}
		dg_close(x);
		off += len;
	}
	if (unlikely(off < cap)) {
		lc->stats.drops[STP_DROP_ENCAP_NO_MBUF]++;
		return false;
	}
	x->bl->out[x->o].fragments += cnt;
	return true;
}

/*
 * Edge: send packets through stampede output @p o (outputs[].type "stampede"): each becomes a
 * record, records are batched into datagrams and frames too long for one are fragmented.
 * A whole frame's record is written in place: the fixed header by sph_put_fixed(), the
 * description TLV in a datagram's first record, then the frame (one copy); the usual records
 * of a run by put_records(), the datagram's state in registers; the mbuf's lengths are set
 * once per datagram, its outer headers come from a template, the originals are freed by one
 * mempool put (free_originals).
 * Cost of one 64-byte frame (~13 a datagram; outer headers, TX and the free included),
 * callgrind on broker.sh's edge64 config: 135 instructions (201 at the start of this session,
 * 394 before issue 18); the whole RX-to-TX path of the edge 203 (356, 546). Cycles:
 * scripts/bench/broker.sh -r edge64 with STAMPEDE_OTHER= the build before, same runs, on a
 * loaded 2-vCPU machine (load 10-11): 332 against 458 cycles a frame, the rules stage (which
 * calls this) 168 against 304.
 */
static void
broker_send(struct stp_lcore *lc, unsigned int o, struct rte_mbuf **pkts, uint16_t n)
{
	const struct stp_pipeline *pl = lc->pl;
	const struct broker_rt *b = broker_pl(pl);
	struct broker_lcore *bl = broker_lc(lc);
	const uint32_t node = pl->cfg->node.id;
	const uint8_t desc_len = b->desc_len[o];
	const uint8_t *const desc = (const uint8_t *)b->desc[o];
	const uint16_t desc_hsz = SPH_FIXED_LEN + (desc_len > 0 ? 2 + desc_len : 0);
	uint16_t last_port = UINT16_MAX, pidx = 0, stream = 0;
	uint64_t *seq = bl->seq[o];
	uint32_t room_max;
	struct dg_tx x;
	uint16_t ok = 0, bad = 0, nb_free = 0;

	dg_init(&x, lc, o);
	x.rel = brel_output(pl, o);
	room_max = x.max > BROKER_HOP_ROOM ? x.max - BROKER_HOP_ROOM : 0;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m;
		const struct pkt_meta *meta;
		uint32_t cap, orig_len, hsz = SPH_FIXED_LEN;
		uint8_t flags = 0;
		uint8_t *p;

		/* The usual records first, in a run; what they leave takes the way below. */
		if (!x.rel && x.m != NULL) {
			uint16_t j = put_records(&x, pkts, i, n, last_port, room_max, node, stream,
					&seq[pidx]);

			/* Every frame before i is freed at the end (nb_free == i): these too. */
			nb_free = (uint16_t)(nb_free + (j - i));
			ok = (uint16_t)(ok + (j - i));
			i = j;
			if (i == n)
				break;
		}
		m = pkts[i];
		meta = pkt_meta(m);
		cap = rte_pktmbuf_pkt_len(m);
		orig_len = cap;
		if (unlikely(m->port != last_port)) {
			const struct port_rt *pr = pl->ports->by_id[m->port];

			last_port = m->port;
			pidx = pr != NULL ? pr->cfg_idx : 0;
			stream = (uint16_t)((lc->worker_idx & 0xff) << 8 | (pidx & 0xff));
		}
		if (unlikely(meta->orig_len > cap)) {
			orig_len = meta->orig_len;
			flags |= SPH_F_TRUNC;
		}
		if (x.rel) {
			flags |= SPH_F_RELIABLE;
			/* A datagram's numbers fit REL_SPAN_MAX streams: a fifth starts another. */
			if (x.m != NULL && x.span.nb == REL_SPAN_MAX) {
				struct rel_span t = x.span;

				if (!rel_span_add(&t, (uint8_t)pidx, seq[pidx]))
					dg_close(&x);
			}
		}
		/* The description rides in the first record of each datagram. */
		if (x.m == NULL || x.used + SPH_FIXED_LEN + cap > room_max)
			hsz = desc_hsz;
		/* A record leaves room for relays' hops: they add to it, not to the datagram. */
		if (likely(hsz + cap <= room_max)) {
			p = dg_room(&x, hsz + cap);
			if (unlikely(p == NULL)) {
				lc->stats.drops[STP_DROP_ENCAP_NO_MBUF]++;
				pkts[nb_free++] = m;
				bad++;
				continue;
			}
			sph_put_fixed(p, flags, (uint16_t)hsz, meta->ts_src, node, stream,
					(uint16_t)cap, seq[pidx], meta->ts_ns, orig_len, cap);
			if (hsz != SPH_FIXED_LEN) {
				p[SPH_FIXED_LEN] = SPH_TLV_DESC;
				p[SPH_FIXED_LEN + 1] = desc_len;
				memcpy(p + SPH_FIXED_LEN + 2, desc, desc_len);
			}
			copy_out(m, 0, cap, p + hsz);
			if (x.rel) {
				(void)rel_span_add(&x.span, (uint8_t)pidx, seq[pidx]);
				x.span.frames++;
			}
		} else {
			struct sph_hdr h;

			memset(&h, 0, sizeof(h));
			h.flags = flags;
			h.ts_src = meta->ts_src;
			h.node = node;
			h.stream = stream;
			h.seq = seq[pidx];
			h.ts_ns = meta->ts_ns;
			h.cap_len = cap;
			h.orig_len = orig_len;
			if (!send_fragments(&x, &h, m, cap, desc, desc_len, pidx)) {
				pkts[nb_free++] = m;
				bad++;
				/* Fragments may have gone out with this number: it is used. */
				if (h.frag_cnt > 0)
					seq[pidx]++;
				continue;
			}
		}
		seq[pidx]++;
		pkts[nb_free++] = m;
		ok++;
	}
	dg_close(&x);
	dg_emit(&x);
	/* Every original is consumed (copied) or dropped (counted above): freed in one go. */
	free_originals(pkts, nb_free);
	lc->stats.consumed += ok;
	bl->out[o].frames += ok;
	outputs_lcore_stats(lc)->pkts[o] += ok;
	outputs_lcore_stats(lc)->drops[o] += bad;
}

/* ---------------------------------------------------------------------------------------- */
/* Receiving: relay and collector. */

/*
 * Where the stampede datagram in @p m starts (its first record), or 0 when @p m is not one:
 * EtherType 0x88B5 right after the MAC addresses, or IPv4 / UDP to node.listen_port.
 */
static inline uint32_t
sph_offset(const struct broker_rt *b, struct rte_mbuf *m)
{
	const struct pkt_meta *meta = pkt_meta(m);
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint16_t len = rte_pktmbuf_data_len(m);

	if (len < RTE_ETHER_HDR_LEN)
		return 0;
	if (d[12] == (SPH_ETHERTYPE >> 8) && d[13] == (SPH_ETHERTYPE & 0xff))
		return RTE_ETHER_HDR_LEN;
	if (meta->l4_proto == 17 && meta->l4_off != 0 && meta->l4_off + 8u <= len &&
			!(meta->flags & (PKT_F_FRAG | PKT_F_L3_TRUNC | PKT_F_L4_TRUNC)) &&
			(uint16_t)(d[meta->l4_off + 2] << 8 | d[meta->l4_off + 3]) ==
					b->listen_port)
		return meta->l4_off + 8u;
	return 0;
}

/* The per-source entry of (node, stream), created on first sight; NULL when the table is full. */
static struct broker_src *
src_get(struct broker_lcore *bl, uint32_t node, uint16_t stream, uint16_t in_port, uint64_t now)
{
	uint32_t h = (node * 2654435761u) ^ ((uint32_t)stream * 40503u);

	for (unsigned int i = 0; i < BROKER_MAX_SRC; i++) {
		struct broker_src *s = &bl->src[(h + i) & (BROKER_MAX_SRC - 1)];

		if (s->used && s->node == node && s->stream == stream) {
			s->last_tsc = now;
			return s;
		}
		if (!s->used) {
			s->node = node;
			s->stream = stream;
			s->in_port = in_port;
			s->last_tsc = now;
			__atomic_store_n(&s->used, true, __ATOMIC_RELEASE);
			return s;
		}
	}
	bl->src_overflow++;
	return NULL;
}

/* The (node, stream) entry if there is one; else NULL, *@p room telling whether it would fit. */
static struct broker_src *
src_find(struct broker_lcore *bl, uint32_t node, uint16_t stream, bool *room)
{
	uint32_t h = (node * 2654435761u) ^ ((uint32_t)stream * 40503u);

	for (unsigned int i = 0; i < BROKER_MAX_SRC; i++) {
		struct broker_src *s = &bl->src[(h + i) & (BROKER_MAX_SRC - 1)];

		if (!s->used) {
			*room = true;
			return NULL;
		}
		if (s->node == node && s->stream == stream)
			return s;
	}
	*room = false;
	return NULL;
}

/* Entries of node @p node in the table (a new source's check: rare). */
static unsigned int
src_count(const struct broker_lcore *bl, uint32_t node)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < BROKER_MAX_SRC; i++)
		n += bl->src[i].used && bl->src[i].node == node;
	return n;
}

/* ---------------------------------------------------------------------------------------- */
/* Admission (README.md, "Security"): authentication, allow-list, sequence jumps, quotas. */

/* The source address of @p m into @p r: source MAC of an EtherType datagram, else IP. */
static void
src_addr_of(const struct rte_mbuf *m, struct broker_refusal *r)
{
	const struct pkt_meta *meta = pkt_meta((struct rte_mbuf *)(uintptr_t)m);
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint32_t len = rte_pktmbuf_data_len(m);

	r->family = 0;
	memset(r->addr, 0, sizeof(r->addr));
	if (len >= RTE_ETHER_HDR_LEN && d[12] == (SPH_ETHERTYPE >> 8) &&
			d[13] == (SPH_ETHERTYPE & 0xff)) {
		r->family = 1;
		memcpy(r->addr, d + 6, 6);
	} else if (meta->l3_type == PKT_L3_IPV4 && meta->l3_off + 20u <= len) {
		r->family = 4;
		memcpy(r->addr, d + meta->l3_off + 12, 4);
	} else if (meta->l3_type == PKT_L3_IPV6 && meta->l3_off + 40u <= len) {
		r->family = 6;
		memcpy(r->addr, d + meta->l3_off + 8, 16);
	}
}

/* A refused source's address as text: "10.0.0.7", "2001:db8::7", "02:00:00:00:00:07", "?". */
void
broker_addr_fmt(uint8_t family, const uint8_t *a, char *buf, size_t len)
{
	if (family == 1)
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4],
				a[5]);
	else if (family != 4 && family != 6)
		snprintf(buf, len, "?");
	else if (inet_ntop(family == 4 ? AF_INET : AF_INET6, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

static bool
prefix_match(const uint8_t *net, const uint8_t *a, unsigned int len)
{
	const unsigned int bytes = len / 8, bits = len % 8;

	if (memcmp(net, a, bytes) != 0)
		return false;
	return bits == 0 || ((net[bytes] ^ a[bytes]) & (uint8_t)(0xff << (8 - bits))) == 0;
}

/* Whether node @p node at source @p src is in node.peers: STP_DROP_MAX, else why not. */
static enum stp_drop
peer_check(const struct broker_rt *b, const struct broker_refusal *src, uint32_t node)
{
	bool known = false;

	for (unsigned int i = 0; i < b->nb_peers; i++) {
		const struct cfg_peer *p = &b->peers[i];

		if (p->id != node)
			continue;
		known = true;
		if (src->family == 1 ? p->has_mac && memcmp(p->mac_b, src->addr, 6) == 0 :
				       src->family != 0 && p->family == src->family &&
								prefix_match(p->addr, src->addr,
										p->len))
			return STP_DROP_MAX;
	}
	return known ? STP_DROP_SPH_PEER_ADDRESS : STP_DROP_SPH_PEER_UNKNOWN;
}

unsigned int
broker_refuse(struct stp_lcore *lc, unsigned int why, uint32_t node, const struct rte_mbuf *m)
{
	struct broker_lcore *bl = broker_lc(lc);
	struct broker_refusal cur, *r = NULL, *old = NULL;
	const uint64_t now = rte_rdtsc();

	if (bl == NULL)
		return why;
	memset(&cur, 0, sizeof(cur));
	cur.why = (uint16_t)why;
	cur.node = node;
	cur.port = m->port;
	src_addr_of(m, &cur);
	for (unsigned int i = 0; i < BROKER_REFUSED; i++) {
		struct broker_refusal *e = &bl->refused[i];

		if (e->count > 0 && e->why == cur.why && e->node == node && e->port == cur.port &&
				e->family == cur.family && memcmp(e->addr, cur.addr, 16) == 0) {
			r = e;
			break;
		}
		if (old == NULL || e->last_tsc < old->last_tsc)
			old = e;
	}
	if (r == NULL) {
		r = old;
		*r = cur;
	}
	r->count++;
	r->last_tsc = now;
	/* One line per second per lcore: a flood costs no more than that. */
	if (now - bl->log_tsc >= rte_get_tsc_hz()) {
		char a[64];

		broker_addr_fmt(cur.family, cur.addr, a, sizeof(a));
		rte_log(RTE_LOG_WARNING, broker_logtype,
				"stampede.broker: refused %s: node %u from %s on port %u (%" PRIu64
				" refusals not logged before this one)\n",
				stp_drop_name((enum stp_drop)why), node, a, cur.port,
				bl->log_quiet);
		bl->log_tsc = now;
		bl->log_quiet = 0;
	} else {
		bl->log_quiet++;
	}
	return why;
}

/* The node a record comes from on this link: its last relay (hop), else its source. */
static inline bool
rec_sender(const struct sph_hdr *h, uint32_t *node)
{
	if (h->nb_hops_total != h->nb_hops)
		return false; /* more hops than kept: the last one is not known */
	*node = h->nb_hops > 0 ? h->hops[h->nb_hops - 1].node : h->node;
	return true;
}

/*
 * Records of a datagram whose offsets a collector's admission keeps (struct dg_plain): a
 * datagram of more is read the general way (9000-byte frames hold at most 225 records).
 */
#define DG_PLAIN_MAX 256

/*
 * The records of a datagram at a collector when every one is plain (sph_plain_len(): a whole
 * frame, no TLVs): admission checked them and keeps their offsets, collection reads their
 * fields from there and does not decode them again. n == 0: not all plain, decoded again.
 */
struct dg_plain {
	bool rel; /* a record is reliable or a fragment: the transport reads the addresses */
	uint16_t n;
	uint32_t lens;		/* n > 0: the OR of their payload lengths (>= the longest frame) */
	struct broker_src *src; /* n > 0: the one known source of every record, else NULL */
	uint16_t off[DG_PLAIN_MAX];
};

/* dg_admit()'s source check: the last record's source and its limit, kept from record to record. */
struct adm_src {
	uint64_t key;	      /* the last record's node and stream (none yet: all ones) */
	struct broker_src *s; /* its entry, when the table has it */
	uint64_t jump_lim;    /* its numbers above this are a refused jump */
	uint32_t lookups;     /* table lookups so far */
};

/*
 * The source check of a record of node and stream @p key (node << 16 | stream), number @p seq:
 * STP_DROP_MAX, or why not (*@p claim: its node). Records of one datagram mostly share a
 * source: no probe for the same again, and its jump limit (nothing in admission moves its
 * numbers) is worked out once. A source the table does not have yet is checked for room and
 * quota when first seen (the same answer for the next records of it).
 */
static __rte_always_inline enum stp_drop
adm_source(struct broker_lcore *bl, struct adm_src *a, uint64_t key, uint64_t seq, bool authed,
		uint32_t *claim)
{
	if (unlikely(key != a->key)) {
		const uint32_t node = (uint32_t)(key >> 16);
		bool room = false;

		a->key = key;
		a->s = src_find(bl, node, (uint16_t)key, &room);
		a->lookups++;
		if (a->s == NULL) {
			if (!room) {
				*claim = node;
				return STP_DROP_SPH_SRC_FULL;
			}
			if (src_count(bl, node) >= BROKER_SRC_PER_NODE) {
				*claim = node;
				return STP_DROP_SPH_SRC_QUOTA;
			}
		}
		a->jump_lim = a->s != NULL && !authed && a->s->seq.started &&
						a->s->seq.next <= UINT64_MAX - BROKER_SEQ_JUMP ?
				a->s->seq.next + BROKER_SEQ_JUMP :
				UINT64_MAX;
	}
	/* seq >= next && seq - next > BROKER_SEQ_JUMP */
	if (unlikely(seq > a->jump_lim)) {
		*claim = (uint32_t)(key >> 16);
		return STP_DROP_SPH_SEQ_JUMP;
	}
	return STP_DROP_MAX;
}

/*
 * Whether the stampede datagram in @p m (records from @p off) may be read: its MAC (node.auth),
 * every record well formed and from a peer of node.peers at its source address, and at a
 * collector, no unauthenticated jump past BROKER_SEQ_JUMP and room for a new source within its
 * node's quota. *@p end: where the records to read end (the authentication record cut off);
 * *@p claim: the node the datagram claims (for the refusal note); *@p pl: at a collector, the
 * offsets of the records when all are plain (else pl->n is 0), whether one is reliable, and their
 * source when all share one the table has (else NULL). STP_DROP_MAX, or why not. Cost: a walk of
 * the headers (no payload), and the MAC when node.auth is on; a plain record is checked without
 * being decoded (sph_plain_len()).
 */
static __rte_always_inline enum stp_drop
dg_admit(struct stp_lcore *lc, struct broker_lcore *bl, struct rte_mbuf *m, uint32_t off,
		uint32_t *end, uint32_t *claim, struct dg_plain *pl)
{
	const struct broker_rt *b = broker_pl(lc->pl);
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	struct broker_refusal src;
	bool authed = false, auth_bad = false;
	struct adm_src a = { .key = UINT64_MAX, .s = NULL, .jump_lim = UINT64_MAX, .lookups = 0 };
	/* Read once: the stores to pl->off[] below could alias them for the compiler. */
	const bool collector = b->role == CFG_ROLE_COLLECTOR, peers = b->nb_peers > 0;
	bool plain = collector;
	struct sph_hdr h;
	uint32_t o, np = 0, lens = 0;
	uint8_t flags = 0; /* the OR of a collector's data records' flags */
	int rc;

	pl->n = 0;
	pl->rel = false;
	pl->src = NULL;
	*end = rte_pktmbuf_data_len(m);
	/* The node the first record claims, for the note of a refusal before the walk. */
	*claim = *end >= off + SPH_FIXED_LEN ? sph_peek_node(d + off) : 0;
	if (b->auth) {
		size_t sl = 0;

		switch (sph_auth_verify(bl->auth, d + off, *end - off, &sl)) {
		case SPH_AUTH_OK:
			*end = off + (uint32_t)sl;
			authed = true;
			break;
		case SPH_AUTH_MISSING:
			if (b->auth_required)
				return STP_DROP_SPH_AUTH_MISSING;
			break;
		case SPH_AUTH_BAD_KEY:
			return STP_DROP_SPH_AUTH_KEY;
		case SPH_AUTH_BAD_MAC:
			return STP_DROP_SPH_AUTH_BAD;
		default:
			auth_bad = true; /* the walk below names a decoding error first */
			break;
		}
	}
	if (peers)
		src_addr_of(m, &src);
	o = off;
	if (likely(collector && !peers)) {
		/*
		 * The usual datagram at a collector without an allow-list: its plain records
		 * here, without the general walk's tests (the loop below takes over at the first
		 * record that is not plain). Fields read before the store to pl->off[], which
		 * the compiler could not tell from the datagram.
		 */
		while (o < *end) {
			const uint32_t rl = sph_plain_len(d + o, *end - o);
			enum stp_drop why;
			uint64_t w1;

			if (unlikely(rl == 0))
				break;
			w1 = sph_plain_w1(d + o);
			why = adm_source(bl, &a, w1 >> 16, sph_plain_seq(d + o), authed, claim);
			if (unlikely(why != STP_DROP_MAX))
				return why;
			flags |= sph_plain_flags(d + o);
			lens |= (uint16_t)w1; /* its payload_len */
			if (np < DG_PLAIN_MAX)
				pl->off[np] = (uint16_t)o;
			np++;
			o += rl;
		}
	}
	for (; o < *end; o += (uint32_t)rc) {
		enum stp_drop why;
		uint64_t key, seq;

		rc = (int)sph_plain_len(d + o, *end - o);
		if (likely(rc > 0)) {
			/*
			 * Plain: the sender is the source, no TLV to read, neither a control record
			 * nor a fragment (sph_plain_len()). Its fields are read before the store
			 * to pl->off[], which the compiler could not tell from the datagram.
			 */
			const uint64_t w1 = sph_plain_w1(d + o);

			key = w1 >> 16; /* node, stream */
			seq = sph_plain_seq(d + o);
			flags |= sph_plain_flags(d + o);
			lens |= (uint16_t)w1; /* its payload_len */
			if (np < DG_PLAIN_MAX)
				pl->off[np] = (uint16_t)o;
			np++;
			if (peers) {
				why = peer_check(b, &src, (uint32_t)(key >> 16));
				if (why != STP_DROP_MAX) {
					*claim = (uint32_t)(key >> 16);
					return why;
				}
			}
			if (!collector)
				continue;
		} else {
			uint32_t snd = 0;

			plain = false;
			rc = sph_decode(d + o, *end - o, &h);
			if (rc < 0) {
				if (o > off && sph_is_padding(d + o, *end - o))
					break;
				bl->malformed++;
				return broker_err_drop(rc);
			}
			if (sph_is_auth(h.flags))
				continue; /* node.auth off: read as an unknown control record */
			if (peers) {
				if (!rec_sender(&h, &snd))
					return STP_DROP_SPH_PEER_UNKNOWN;
				why = peer_check(b, &src, snd);
				if (why != STP_DROP_MAX) {
					*claim = snd;
					return why;
				}
			}
			if (!collector || (h.flags & SPH_F_CTRL))
				continue;
			flags |= h.flags;
			key = (uint64_t)h.node << 16 | h.stream;
			seq = h.seq;
		}
		why = adm_source(bl, &a, key, seq, authed, claim);
		if (unlikely(why != STP_DROP_MAX))
			return why;
	}
	/*
	 * A fragment may complete a frame whose first fragment was reliable: the reply goes to
	 * the sender of the last one, as before, whatever its own flags say. (Only a
	 * collector's data records are in flags.)
	 */
	pl->rel = (flags & (SPH_F_RELIABLE | SPH_F_FRAG)) != 0;
	if (plain && np <= DG_PLAIN_MAX) {
		pl->n = (uint16_t)np;
		pl->lens = lens;
		pl->src = a.lookups == 1 ? a.s : NULL;
	}
	return auth_bad ? STP_DROP_SPH_AUTH_BAD : STP_DROP_MAX;
}

/*
 * The sequence check of a record of source @p s, number @p seq, captured at @p ts. A number
 * below the stream's highest whose capture time is more than BROKER_RESTART_NS past the newest
 * one seen is not a replay (a replay carries its old time, which node.auth protects) but the
 * edge restarted, numbering from 0 again: the stream starts over at it (counted in
 * restarts), instead of every new frame being refused as stale or duplicate.
 */
static inline enum sph_seq_res
src_seq(struct broker_src *s, uint64_t seq, uint64_t ts)
{
	if (unlikely(s->seq.started && seq < s->seq.next && ts > s->max_ts + BROKER_RESTART_NS &&
			    s->max_ts != 0)) {
		struct sph_seq c = s->seq;

		memset(&s->seq, 0, sizeof(s->seq));
		s->seq.received = c.received;
		s->seq.gaps = c.gaps;
		s->seq.dups = c.dups;
		s->seq.reordered = c.reordered;
		s->seq.stale = c.stale;
		s->restarts++;
	}
	if (ts > s->max_ts)
		s->max_ts = ts;
	return sph_seq_check_fast(&s->seq, seq);
}

/* Keep the first description a source sends (its DESC TLV). */
static inline void
src_desc(struct broker_src *s, const struct sph_hdr *h)
{
	if (s != NULL && h->desc_len > 0 && s->desc[0] == '\0') {
		memcpy(s->desc, h->desc, RTE_MIN((size_t)h->desc_len, sizeof(s->desc) - 1));
		s->desc[RTE_MIN((size_t)h->desc_len, sizeof(s->desc) - 1)] = '\0';
	}
}

/* The capture interface key of a source's frames (broker_rif.c), asked once per source. */
static inline uint8_t
src_key(const struct stp_pipeline *pl, struct broker_src *s)
{
	if (s == NULL)
		return 0;
	if (unlikely(!s->if_set)) {
		s->if_key = broker_rif_key(broker_pl(pl), s);
		s->if_set = true;
	}
	return s->if_key;
}

/*
 * frame_meta_of() but the port: the metadata of a frame whose port is written already, parsed
 * when @p parse (pl->need_parse, read by the caller).
 */
static __rte_always_inline void
frame_meta_set(struct rte_mbuf *f, uint64_t ts_ns, uint8_t ts_src, uint32_t orig_len,
		uint32_t cap_len, uint8_t if_key, bool parse)
{
	struct pkt_meta *meta = pkt_meta(f);

	meta->if_key = if_key;
	meta->ts_ns = ts_ns;
	meta->ts_src = ts_src < PKT_TS_MAX ? ts_src : PKT_TS_NONE;
	meta->orig_len = orig_len > cap_len ? (uint16_t)RTE_MIN(orig_len, 65535u) : 0;
	meta->flow_hash = 0;
	meta->flags = 0;
	if (parse)
		pkt_parse(f, meta);
}

/*
 * Give a decapsulated frame its original's metadata: capture time @p ts_ns from @p ts_src,
 * @p orig_len bytes on the wire of which @p cap_len were captured.
 */
static inline void
frame_meta_of(const struct stp_pipeline *pl, struct rte_mbuf *f, uint64_t ts_ns, uint8_t ts_src,
		uint32_t orig_len, uint32_t cap_len, uint16_t in_port, uint8_t if_key)
{
	f->port = in_port;
	/* Parsing only ever turns on (rules reloaded): it may do so between two frames. */
	frame_meta_set(f, ts_ns, ts_src, orig_len, cap_len, if_key,
			__atomic_load_n(&pl->need_parse, __ATOMIC_ACQUIRE));
}

/* frame_meta_of() from a decoded header. */
static inline void
frame_meta(const struct stp_pipeline *pl, struct rte_mbuf *f, const struct sph_hdr *h,
		uint16_t in_port, uint8_t if_key)
{
	frame_meta_of(pl, f, h->ts_ns, h->ts_src, h->orig_len, h->cap_len, in_port, if_key);
}

/*
 * Mbufs a collector takes at a time for the frames it copies: raw (rte_mempool_get_bulk), each
 * field of the header written once by frame_copy(), not reset and then overwritten. The bulk
 * serves the datagrams of a burst in turn; what is left goes back at the burst's end.
 */
#define RX_SPARE 32

/* Output of the receive stage: frames for the next stages, in order. */
struct rx_out {
	struct stp_lcore *lc;
	uint16_t n;
	struct rte_mbuf **pkts; /* STP_MAX_BURST entries */
	/* collect(): the frames of one datagram get their mbufs from here, taken in bulk. */
	struct rte_mempool *mp; /* the ports' pool, where spare[] comes from */
	uint16_t headroom;	/* a frame's data_off: rte_pktmbuf_reset_headroom()'s */
	uint16_t room;		/* the bytes a frame can hold past it */
	uint16_t nb_spare;	/* mbufs in spare[] */
	uint16_t spare_at;	/* the next one to hand out */
	struct rte_mbuf *spare[RX_SPARE];
	/* The source of the last record read: records of a datagram mostly share one. */
	struct broker_src *last_src;
	/*
	 * The RX hint of the frames in pkts[] (feature.h hint_out; rx_out_hint()): the AND and
	 * the OR of their ports (equal: one port), the OR of their lengths (a bound of the
	 * longest) and of their nb_segs (> 1: one may be a chain).
	 */
	uint32_t port_and;
	uint32_t port_or;
	uint32_t segs;
	uint32_t lens;
	/*
	 * The same of the frames of the datagram being collected, counted once for all of them
	 * (rx_out_dg(); out_push_dg() counts nothing per frame): what the hint starts from again
	 * after a burst is handed on in the middle of the datagram. Else nothing (AND all ones).
	 */
	uint32_t dg_port_and;
	uint32_t dg_port_or;
	uint32_t dg_lens;
};

/* pkts[] handed on: the hint holds what is still to come of the datagram being collected. */
static inline void
rx_out_hint_reset(struct rx_out *r)
{
	r->port_and = r->dg_port_and;
	r->port_or = r->dg_port_or;
	r->segs = 0;
	r->lens = r->dg_lens;
}

/*
 * The frames of a datagram about to be collected all come in on @p port, none longer than
 * @p lens, one segment each: counted into the hint once (their out_push_dg() counts nothing),
 * until rx_out_dg_end().
 */
static inline void
rx_out_dg(struct rx_out *r, uint16_t port, uint32_t lens)
{
	r->dg_port_and = port;
	r->dg_port_or = port;
	r->dg_lens = lens;
	r->port_and &= port;
	r->port_or |= port;
	r->lens |= lens;
}

/* The datagram of rx_out_dg() is done: nothing is left of it to come. */
static inline void
rx_out_dg_end(struct rx_out *r)
{
	r->dg_port_and = UINT32_MAX;
	r->dg_port_or = 0;
	r->dg_lens = 0;
}

/*
 * The RX hint of the frames in pkts[], for the stage after the broker (feature.h hint_out):
 * valid when they all came in on one port; none is longer than the OR of their lengths.
 */
static inline void
rx_out_hint(const struct rx_out *r)
{
	struct stp_lcore *lc = r->lc;

	lc->hint.valid = r->port_and == r->port_or;
	lc->hint.port = (uint16_t)r->port_or;
	lc->hint.max_len = r->lens;
	lc->hint.multiseg = r->segs > 1;
	lc->hint.port_lazy = false;
}

/* An empty output into @p pkts (spare[] is not cleared: nb_spare says what is in it). */
static inline void
rx_out_init(struct rx_out *r, struct stp_lcore *lc, struct rte_mbuf **pkts)
{
	const uint16_t buf_len = rte_pktmbuf_data_room_size(lc->pl->ports->pool);

	r->lc = lc;
	r->n = 0;
	r->pkts = pkts;
	r->mp = lc->pl->ports->pool;
	r->headroom = (uint16_t)RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM, buf_len);
	r->room = (uint16_t)(buf_len - r->headroom);
	r->nb_spare = 0;
	r->spare_at = 0;
	r->last_src = NULL;
	rx_out_dg_end(r);
	rx_out_hint_reset(r);
}

/*
 * frame_alloc() with spare[] used up: a bulk of RX_SPARE, else (the pool has fewer) a single
 * one. Once per RX_SPARE frames: kept out of the per-record path; each call costs ~150
 * instructions (callgrind), so a bulk per datagram of 13 records cost ~11 a frame, one per 32
 * frames across datagrams ~5. The mbufs are raw: as the pool keeps them (refcnt 1, one
 * segment, no next: rte_mbuf_raw_free()'s contract), the rest of the header stale until
 * frame_copy() writes it.
 */
static __rte_noinline struct rte_mbuf *
frame_refill(struct rx_out *r)
{
	r->spare_at = 0;
	r->nb_spare = 0;
	if (rte_mempool_get_bulk(r->mp, (void **)r->spare, RX_SPARE) != 0)
		return rte_mbuf_raw_alloc(r->mp);
	r->nb_spare = RX_SPARE;
	return r->spare[r->spare_at++];
}

/* A raw mbuf for the next frame copied; NULL when the pool is empty. */
static __rte_always_inline struct rte_mbuf *
frame_alloc(struct rx_out *r)
{
	if (likely(r->spare_at < r->nb_spare))
		return r->spare[r->spare_at++];
	return frame_refill(r);
}

/* The raw mbufs of the bulk that no frame took: back to the pool as such (a burst's end). */
static inline void
frame_spare_free(struct rx_out *r)
{
	if (r->spare_at < r->nb_spare)
		rte_mempool_put_bulk(
				r->mp, (void **)&r->spare[r->spare_at], r->nb_spare - r->spare_at);
	r->nb_spare = 0;
	r->spare_at = 0;
}

/* The source (node, stream): the last one looked up when it is the same (no probe). */
static inline struct broker_src *
src_get_cached(struct rx_out *r, struct broker_lcore *bl, uint32_t node, uint16_t stream,
		uint16_t in_port, uint64_t now)
{
	struct broker_src *s = r->last_src;

	if (s != NULL && s->node == node && s->stream == stream)
		return s; /* its last_tsc is this burst's already */
	s = src_get(bl, node, stream, in_port, now);
	r->last_src = s;
	return s;
}

/* The resend transport's part of a record: only reliable records are its business. */
static inline void
rx_record_rel(struct stp_lcore *lc, const struct broker_lcore *bl, const struct broker_src *s,
		const struct sph_hdr *h, uint64_t old_next, enum sph_seq_res res)
{
	if (h->flags & SPH_F_RELIABLE)
		brel_rx_record(lc, (unsigned int)(s - bl->src), h, old_next, res);
}

/*
 * A frame of the datagram of rx_out_dg() for the next stages, its port and length in the hint
 * already: handed on when a burst is full (the stage's own state: then), with its RX hint.
 */
static __rte_always_inline void
out_push_dg(struct rx_out *r, struct rte_mbuf *m)
{
	r->pkts[r->n++] = m;
	if (r->n == STP_MAX_BURST) {
		rx_out_hint(r);
		stp_worker_from(r->lc, broker_pl(r->lc->pl)->next_stage, r->pkts, r->n);
		r->n = 0;
		rx_out_hint_reset(r);
	}
}

/* Any frame for the next stages: its port, length and segments counted into the hint. */
static inline void
out_push(struct rx_out *r, struct rte_mbuf *m)
{
	r->port_and &= m->port;
	r->port_or |= m->port;
	r->lens |= rte_pktmbuf_pkt_len(m);
	r->segs |= m->nb_segs;
	out_push_dg(r, m);
}

/* ---------------------------------------------------------------------------------------- */
/* Reorder buffer (node.reorder_ms): a min-heap keyed by (original timestamp, arrival). */

static inline bool
ro_less(const struct broker_reorder_ent *a, const struct broker_reorder_ent *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->ord < b->ord);
}

static void
ro_insert(struct broker_reorder *ro, struct rte_mbuf *m, uint64_t ts)
{
	uint32_t i = ro->n++;
	struct broker_reorder_ent e = { .ts = ts, .ord = ro->ord++, .m = m };

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (!ro_less(&e, &ro->h[p]))
			break;
		ro->h[i] = ro->h[p];
		i = p;
	}
	ro->h[i] = e;
}

static struct rte_mbuf *
ro_pop(struct broker_reorder *ro)
{
	struct rte_mbuf *top = ro->h[0].m;
	struct broker_reorder_ent last = ro->h[--ro->n];
	uint32_t i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= ro->n)
			break;
		if (c + 1 < ro->n && ro_less(&ro->h[c + 1], &ro->h[c]))
			c++;
		if (!ro_less(&ro->h[c], &last))
			break;
		ro->h[i] = ro->h[c];
		i = c;
	}
	if (ro->n > 0)
		ro->h[i] = last;
	return top;
}

/* out_frame() with a reorder buffer (node.reorder_ms). */
static __rte_noinline void
out_frame_ro(struct rx_out *r, struct broker_reorder *ro, struct rte_mbuf *m)
{
	const uint64_t ts = pkt_meta(m)->ts_ns;

	if (ro->n == BROKER_REORDER_CAP) {
		/* Full: the oldest of the buffer and this frame goes on now. */
		ro->forced++;
		ro->released++;
		if (ts <= ro->h[0].ts) {
			out_push(r, m);
			return;
		}
		out_push(r, ro_pop(ro));
	}
	ro_insert(ro, m, ts);
}

/* out_frame() with the reorder buffer @p ro read once by the caller (NULL: none). */
static __rte_always_inline void
out_frame_to(struct rx_out *r, struct broker_reorder *ro, struct rte_mbuf *m)
{
	if (likely(ro == NULL))
		out_push(r, m);
	else
		out_frame_ro(r, ro, m);
}

/* A remote frame for the rules: through the reorder buffer when there is one. */
static __rte_always_inline void
out_frame(struct rx_out *r, struct broker_lcore *bl, struct rte_mbuf *m)
{
	out_frame_to(r, bl->ro, m);
}

/* Hand on the buffered frames older than @p now_ns - bound (all of them when @p all). */
static uint32_t
ro_release(struct rx_out *r, struct broker_reorder *ro, uint64_t now_ns, bool all)
{
	uint64_t lim = now_ns > ro->bound_ns ? now_ns - ro->bound_ns : 0;
	uint32_t k = 0;

	while (ro->n > 0 && (all || ro->h[0].ts < lim)) {
		out_push(r, ro_pop(ro));
		k++;
	}
	ro->released += k;
	return k;
}

/* Drop the fragments kept in reassembly slot @p e (each a generated copy). */
static void
reasm_drop(struct stp_lcore *lc, struct broker_reasm *e, enum stp_drop why)
{
	for (unsigned int i = 0; i < e->cnt; i++)
		if (e->frag[i] != NULL) {
			rte_pktmbuf_free(e->frag[i]);
			lc->stats.drops[why]++;
			e->frag[i] = NULL;
		}
	e->used = false;
}

/* Expire reassembly slots older than the timeout. */
static void
reasm_expire(struct stp_lcore *lc, struct broker_lcore *bl, uint64_t now)
{
	const struct broker_rt *b = broker_pl(lc->pl);

	for (unsigned int i = 0; i < BROKER_MAX_REASM; i++) {
		struct broker_reasm *e = &bl->reasm[i];

		if (e->used && now - e->t0 > b->reasm_tsc) {
			reasm_drop(lc, e, STP_DROP_SPH_REASM_TIMEOUT);
			bl->nb_reasm--;
		}
	}
}

/* A fragment record (payload at @p data): kept until its frame is whole. */
static void
reasm_add(struct rx_out *r, struct broker_lcore *bl, const struct sph_hdr *h, const uint8_t *data,
		uint16_t in_port, uint64_t now)
{
	struct stp_lcore *lc = r->lc;
	struct broker_reasm *e = NULL, *free_e = NULL, *oldest = NULL;
	struct rte_mbuf *f;

	for (unsigned int i = 0; i < BROKER_MAX_REASM; i++) {
		struct broker_reasm *c = &bl->reasm[i];

		if (!c->used) {
			if (free_e == NULL)
				free_e = c;
			continue;
		}
		if (c->node == h->node && c->stream == h->stream && c->seq == h->seq) {
			e = c;
			break;
		}
		if (oldest == NULL || c->t0 < oldest->t0)
			oldest = c;
	}
	if (e != NULL && (e->cnt != h->frag_cnt || e->cap_len != h->cap_len)) {
		/*
		 * Fragments that disagree about their frame: neither can be trusted. The slot is
		 * free now: the new fragment takes it (the search stopped at it, so with a full
		 * table neither free_e nor oldest is known).
		 */
		reasm_drop(lc, e, STP_DROP_SPH_BAD_LENGTH);
		bl->nb_reasm--;
		free_e = e;
		e = NULL;
	}
	if (e == NULL) {
		if (free_e == NULL) {
			reasm_drop(lc, oldest, STP_DROP_SPH_REASM_FULL);
			bl->nb_reasm--;
			free_e = oldest;
		}
		e = free_e;
		memset(e, 0, sizeof(*e));
		e->used = true;
		e->node = h->node;
		e->stream = h->stream;
		e->seq = h->seq;
		e->cnt = (uint8_t)h->frag_cnt;
		e->cap_len = h->cap_len;
		e->hdr = *h;
		e->hdr.desc = NULL;
		/* The description rides with the fragments only: keep it for the source now. */
		src_desc(src_get(bl, h->node, h->stream, in_port, now), h);
		e->t0 = now;
		bl->nb_reasm++;
	}
	lc->stats.generated++;
	if (e->frag[h->frag_idx] != NULL) {
		/* The same fragment twice: the copy adds nothing. */
		lc->stats.drops[STP_DROP_SPH_DUPLICATE]++;
		return;
	}
	f = rte_pktmbuf_alloc(lc->pl->ports->pool);
	if (unlikely(f == NULL || rte_pktmbuf_append(f, h->payload_len) == NULL)) {
		rte_pktmbuf_free(f);
		lc->stats.drops[STP_DROP_SPH_NO_MBUF]++;
		return;
	}
	memcpy(rte_pktmbuf_mtod(f, uint8_t *), data, h->payload_len);
	e->frag[h->frag_idx] = f;
	e->off[h->frag_idx] = h->frag_off;
	e->have += h->payload_len;
	e->nb_have++;
	if (e->nb_have < e->cnt)
		return;
	/* Whole when the fragments cover the frame exactly, in order. */
	{
		uint32_t off = 0;
		bool good = e->have == e->cap_len;
		struct rte_mbuf *head = e->frag[0];
		struct broker_src *s;

		for (unsigned int i = 0; good && i < e->cnt; i++) {
			good = e->off[i] == off;
			off += rte_pktmbuf_pkt_len(e->frag[i]);
		}
		if (!good) {
			reasm_drop(lc, e, STP_DROP_SPH_BAD_LENGTH);
			bl->nb_reasm--;
			return;
		}
		/* At most SPH_MAX_FRAGS segments: chaining them cannot overflow nb_segs. */
		for (unsigned int i = 1; i < e->cnt; i++) {
			(void)rte_pktmbuf_chain(head, e->frag[i]);
			lc->stats.consumed++;
			e->frag[i] = NULL;
		}
		e->frag[0] = NULL;
		e->used = false;
		bl->nb_reasm--;
		bl->reassembled++;
		s = src_get(bl, e->node, e->stream, in_port, now);
		bool dup = false;

		if (s != NULL) {
			const uint64_t old_next = s->seq.next;
			const enum sph_seq_res res = src_seq(s, e->seq, e->hdr.ts_ns);

			brel_rx_record(lc, (unsigned int)(s - bl->src), &e->hdr, old_next, res);
			dup = res == SPH_SEQ_DUP || res == SPH_SEQ_STALE;
		}
		if (dup) {
			/* A copy, or behind the replay window (cannot tell): not written again. */
			rte_pktmbuf_free(head);
			lc->stats.drops[STP_DROP_SPH_DUPLICATE]++;
			return;
		}
		frame_meta(lc->pl, head, &e->hdr, in_port, src_key(lc->pl, s));
		out_frame(r, bl, head);
	}
}

/*
 * A new frame of @p len bytes copied from @p data (counted generated), or NULL when there is no
 * mbuf for it (counted in sph_no_mbuf). The header of the raw mbuf
 * gets what rte_pktmbuf_reset() and the length would give it, each field written once (the
 * port: frame_meta_of()); next, nb_segs and refcnt are already a free mbuf's.
 */
static __rte_always_inline struct rte_mbuf *
frame_copy(struct rx_out *r, const uint8_t *data, uint16_t len)
{
	struct stp_lcore *lc = r->lc;
	struct rte_mbuf *f;

	lc->stats.generated++;
	f = frame_alloc(r);
	if (unlikely(f == NULL || len > r->room)) {
		if (f != NULL)
			rte_mbuf_raw_free(f);
		lc->stats.drops[STP_DROP_SPH_NO_MBUF]++;
		return NULL;
	}
	f->data_off = r->headroom;
	f->ol_flags &= RTE_MBUF_F_EXTERNAL;
	f->packet_type = 0;
	f->pkt_len = len;
	f->data_len = len;
	f->vlan_tci = 0;
	f->tx_offload = 0;
	f->vlan_tci_outer = 0;
	bytes_copy((uint8_t *)f->buf_addr + r->headroom, data, len);
	return f;
}

/* rx_record_rel() of a plain record at @p rec (rare: the reliable transport's records). */
static __rte_noinline void
rx_plain_rel(struct stp_lcore *lc, const struct broker_lcore *bl, const struct broker_src *s,
		const uint8_t *rec, uint16_t len, uint64_t old_next, enum sph_seq_res res)
{
	struct sph_hdr h;

	if (sph_decode_fast(rec, len, &h) > 0) /* admission checked it: always */
		rx_record_rel(lc, bl, s, &h, old_next, res);
}

/*
 * @p m (one segment: broker_burst() refuses chains) cut to the @p len bytes at @p off, which
 * admission found inside it: a record's payload delivered in place.
 */
static inline void
frame_in_place(struct rte_mbuf *m, uint32_t off, uint16_t len)
{
	m->data_off = (uint16_t)(m->data_off + off);
	m->data_len = len;
	m->pkt_len = len;
}

/*
 * A plain record at @p rec (sph_plain_len(), checked by dg_admit()) at a collector: its fields
 * read where they are, not decoded again; what collect_record() does for it. @p one: the source of
 * every record of the datagram when admission found one (dg_plain.src), else NULL: looked up here.
 * @p m: NULL, the frame is a copy; else the datagram (one segment), whose last record this is: cut
 * to the frame in place (frame_in_place()). @p if_key: src_key() of @p one, worked out once
 * for the datagram (< 0: of each record's source); @p parse: pl->need_parse, read once for the
 * datagram (it only ever turns on, between two datagrams as well as two frames). Returns
 * whether a frame was handed on.
 */
static __rte_always_inline bool
collect_plain(struct rx_out *r, struct broker_lcore *bl, struct broker_reorder *ro,
		struct broker_src *one, int if_key, bool parse, const uint8_t *rec,
		uint16_t in_port, uint64_t now, struct rte_mbuf *m)
{
	const uint64_t w1 = sph_plain_w1(rec);
	const uint16_t plen = (uint16_t)w1;
	const uint64_t ts = sph_plain_ts(rec);
	struct broker_src *s;
	struct rte_mbuf *f;

	s = one != NULL ? one :
			  src_get_cached(r, bl, (uint32_t)(w1 >> 32), (uint16_t)(w1 >> 16), in_port,
					  now);
	if (s != NULL) {
		const uint64_t old_next = s->seq.next;
		const enum sph_seq_res res = src_seq(s, sph_plain_seq(rec), ts);

		if (unlikely(sph_plain_flags(rec) & SPH_F_RELIABLE))
			rx_plain_rel(r->lc, bl, s, rec, SPH_FIXED_LEN + plen, old_next, res);
		if (res == SPH_SEQ_DUP || res == SPH_SEQ_STALE)
			return false; /* counted in the source's duplicates / stale: not again */
	}
	if (m != NULL) {
		f = m; /* its port is in_port */
		frame_in_place(f,
				(uint32_t)(rec - rte_pktmbuf_mtod(f, const uint8_t *)) +
						SPH_FIXED_LEN,
				plen);
	} else {
		f = frame_copy(r, rec + SPH_FIXED_LEN, plen);
		if (unlikely(f == NULL))
			return false;
		f->port = in_port;
	}
	frame_meta_set(f, ts, sph_plain_ts_src(rec), sph_plain_orig(rec), plen,
			if_key >= 0 ? (uint8_t)if_key : src_key(r->lc->pl, s), parse);
	if (likely(ro == NULL))
		out_push_dg(r, f); /* in the hint: collect()'s rx_out_dg() */
	else
		out_frame_ro(r, ro, f);
	return true;
}

/*
 * The end of a datagram @p m that is one frame, its record's sequence check @p res done (by
 * source @p s, NULL when the table is full): refused when behind the replay window, consumed
 * when a copy seen before, else cut to its payload (@p len bytes at @p off) and handed on with
 * its metadata (frame_meta_of()'s @p ts, @p ts_src, @p orig). Returns a drop reason, or
 * STP_DROP_MAX when done.
 */
static __rte_always_inline enum stp_drop
deliver_in_place(struct rx_out *r, struct broker_lcore *bl, struct rte_mbuf *m,
		struct broker_src *s, enum sph_seq_res res, uint32_t off, uint16_t len, uint64_t ts,
		uint8_t ts_src, uint32_t orig, uint16_t in_port)
{
	if (res == SPH_SEQ_STALE)
		return STP_DROP_SPH_STALE; /* behind the replay window: not written again */
	if (res == SPH_SEQ_DUP) {
		r->lc->stats.consumed++;
		rte_pktmbuf_free(m);
		return STP_DROP_MAX;
	}
	bl->records++;
	frame_in_place(m, off, len);
	frame_meta_of(r->lc->pl, m, ts, ts_src, orig, len, in_port, src_key(r->lc->pl, s));
	out_frame(r, bl, m);
	return STP_DROP_MAX;
}

/*
 * A datagram @p m whose one record is the plain one at @p rec (dg_admit(): at most padding
 * after it), of source @p one when admission found it (else NULL): the frame in place, its
 * fields read where they are; what collect() does for a one-record datagram. Returns a drop
 * reason, or STP_DROP_MAX when done.
 */
static __rte_noinline enum stp_drop
collect_one_plain(struct rx_out *r, struct broker_lcore *bl, struct rte_mbuf *m, const uint8_t *rec,
		struct broker_src *one, uint16_t in_port, uint64_t now)
{
	const uint64_t w1 = sph_plain_w1(rec);
	const uint16_t plen = (uint16_t)w1;
	const uint64_t ts = sph_plain_ts(rec);
	enum sph_seq_res res = SPH_SEQ_OK;
	struct broker_src *s = one;

	if (s != NULL) {
		s->last_tsc = now; /* what src_get() would do */
		r->last_src = s;
	} else {
		s = src_get_cached(r, bl, (uint32_t)(w1 >> 32), (uint16_t)(w1 >> 16), in_port, now);
	}
	if (s != NULL) {
		const uint64_t old_next = s->seq.next;

		res = src_seq(s, sph_plain_seq(rec), ts);
		if (unlikely(sph_plain_flags(rec) & SPH_F_RELIABLE))
			rx_plain_rel(r->lc, bl, s, rec, SPH_FIXED_LEN + plen, old_next, res);
	}
	return deliver_in_place(r, bl, m, s, res,
			(uint32_t)(rec - rte_pktmbuf_mtod(m, const uint8_t *)) + SPH_FIXED_LEN,
			plen, ts, sph_plain_ts_src(rec), sph_plain_orig(rec), in_port);
}

/* A record of a datagram (payload at @p data) at a collector. */
static void
collect_record(struct rx_out *r, struct broker_lcore *bl, const struct sph_hdr *h,
		const uint8_t *data, uint16_t in_port, uint64_t now)
{
	struct stp_lcore *lc = r->lc;
	struct broker_src *s;
	struct rte_mbuf *f;

	if (h->flags & SPH_F_FRAG) {
		reasm_add(r, bl, h, data, in_port, now);
		return;
	}
	s = src_get_cached(r, bl, h->node, h->stream, in_port, now);
	src_desc(s, h);
	if (s != NULL) {
		const uint64_t old_next = s->seq.next;
		const enum sph_seq_res res = src_seq(s, h->seq, h->ts_ns);

		rx_record_rel(lc, bl, s, h, old_next, res);
		if (res == SPH_SEQ_DUP || res == SPH_SEQ_STALE)
			return; /* counted in the source's duplicates / stale: not written again */
	}
	f = frame_copy(r, data, h->payload_len);
	if (unlikely(f == NULL))
		return;
	frame_meta(lc->pl, f, h, in_port, src_key(lc->pl, s));
	out_frame(r, bl, f);
}

/*
 * A datagram at a collector: one whole frame becomes the frame in place; a datagram of plain
 * records becomes its last one's frame, the others copied; otherwise each record is handled
 * and the datagram consumed; @p pl: its plain records as dg_admit() found them.
 * Returns a drop reason, or STP_DROP_MAX when done.
 * Cost with dg_admit() (broker_burst inclusive, less the rules stage and TX of the full
 * bursts it hands on), scripts/bench/instr.sh -r coll64 (callgrind, broker.sh's coll64 input:
 * 13 x 64-byte frames a datagram), per frame out: 187.7 instructions (224 before the RX hint's
 * counting, admission's loop of plain records, the last record in place, one bulk of mbufs
 * for a burst's datagrams and the datagram's decisions out of the record loop; 282 before
 * raw mbufs, the source found once by admission and the inline sequence check; 412 at the
 * start of issue 18 item 3's collector half, 748 before issue 18); the whole RX-to-TX path
 * (rx_queue_poll inclusive) 322.9 (380, 438, 568), of which net_null's TX (a
 * rte_pktmbuf_free() per mbuf, its fast path) ~75 and net_pcap's RX ~29; the rules stage
 * after it takes the RX hint (hint_out) and makes no pass over the frames (it did: ~21).
 * Before: coll1000 (one 1000-byte frame a datagram, in place by collect_one_plain()):
 * broker_burst inclusive 354 a frame out (403, 567). Cycles per frame out, broker.sh -n 3 -d 3
 * -r coll64,coll1000,authcoll64 with the build before as STAMPEDE_OTHER, interleaved, load
 * ~2.7 on the shared 2-vCPU machine: coll64 106.0 against 120.4, coll1000 499.9 against
 * 525.0, authcoll64 608 against 829 (the last two noisy).
 */
static enum stp_drop
collect(struct rx_out *r, struct broker_lcore *bl, struct rte_mbuf *m, uint32_t off, uint32_t len,
		const struct dg_plain *pl, uint64_t now)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint16_t in_port = m->port;
	struct sph_hdr h;
	int rc;

	bl->datagrams++;
	/* The reply address of the reliable transport: only its records need it. */
	if (pl->rel)
		brel_rx_datagram(r->lc, m, off);
	/*
	 * One plain record: one frame (admission saw padding at most after it); more: not one
	 * frame; none plain: decoded here to tell.
	 */
	if (pl->n == 1)
		return collect_one_plain(r, bl, m, d + off, pl->src, in_port, now);
	rc = pl->n > 1 ? 0 : sph_decode_fast(d + off, len - off, &h);
	if (rc > 0 && !(h.flags & (SPH_F_FRAG | SPH_F_CTRL)) &&
			(off + (uint32_t)rc >= len ||
					sph_is_padding(d + off + rc, len - off - rc))) {
		/* The common jumbo / large-frame case: no copy. */
		struct broker_src *s = src_get_cached(r, bl, h.node, h.stream, in_port, now);
		enum sph_seq_res res = SPH_SEQ_OK;

		src_desc(s, &h);
		if (s != NULL) {
			const uint64_t old_next = s->seq.next;

			res = src_seq(s, h.seq, h.ts_ns);
			rx_record_rel(r->lc, bl, s, &h, old_next, res);
		}
		/* A whole frame's record: its payload is all it captured (cap_len). */
		return deliver_in_place(r, bl, m, s, res, off + h.hdr_len, h.payload_len, h.ts_ns,
				h.ts_src, h.orig_len, in_port);
	}
	if (pl->n > 0) {
		struct broker_reorder *const ro = bl->ro; /* the same for every record: read once */
		struct broker_src *const one = pl->src;
		const unsigned int last = pl->n - 1u;
		bool kept;

		bl->records += pl->n;
		/* Its frames' port and longest length in the RX hint, once (out_push_dg()). */
		rx_out_dg(r, in_port, pl->lens);
		/*
		 * Each record but the last is copied; the datagram becomes the last one's frame,
		 * in place: neither copied nor freed (unless that record is not delivered).
		 */
		const bool parse = __atomic_load_n(&r->lc->pl->need_parse, __ATOMIC_ACQUIRE);

		if (one != NULL) {
			/* One source, found by admission: what src_get() would do, once. */
			one->last_tsc = now;
			r->last_src = one;
		}
		if (likely(one != NULL && ro == NULL)) {
			/* The usual datagram: its loop has no test of either per record. */
			const int key = src_key(r->lc->pl, one);

			for (unsigned int i = 0; i < last; i++)
				collect_plain(r, bl, NULL, one, key, parse, d + pl->off[i], in_port,
						now, NULL);
			kept = collect_plain(r, bl, NULL, one, key, parse, d + pl->off[last],
					in_port, now, m);
		} else {
			for (unsigned int i = 0; i < last; i++)
				collect_plain(r, bl, ro, one, -1, parse, d + pl->off[i], in_port,
						now, NULL);
			kept = collect_plain(r, bl, ro, one, -1, parse, d + pl->off[last], in_port,
					now, m);
		}
		rx_out_dg_end(r);
		if (!kept) {
			r->lc->stats.consumed++;
			rte_pktmbuf_free(m);
		}
		return STP_DROP_MAX;
	}
	while (off < len) {
		rc = sph_decode_fast(d + off, len - off, &h);
		if (rc < 0) {
			if (off > 0 && sph_is_padding(d + off, len - off))
				break;
			bl->malformed++;
			return broker_err_drop(rc);
		}
		bl->records++;
		if (!(h.flags & SPH_F_CTRL))
			collect_record(r, bl, &h, d + off + h.hdr_len, in_port, now);
		off += (uint32_t)rc;
	}
	r->lc->stats.consumed++;
	rte_pktmbuf_free(m);
	return STP_DROP_MAX;
}

/* A datagram at a relay: every record gets this node's hop and goes on through relay_to. */
static enum stp_drop
relay(struct stp_lcore *lc, struct broker_lcore *bl, struct dg_tx *x, struct rte_mbuf *m,
		uint32_t off, uint32_t len)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct pkt_meta *meta = pkt_meta(m);
	const struct stp_config *cfg = lc->pl->cfg;
	struct sph_hop hop;
	struct sph_hdr h;
	uint32_t start = off;
	int rc;

	bl->datagrams++;
	/* Check the whole datagram first: a malformed one is not passed on, even in part. */
	while (off < len) {
		rc = sph_decode_fast(d + off, len - off, &h);
		if (rc < 0) {
			if (off > start && sph_is_padding(d + off, len - off))
				break;
			bl->malformed++;
			return broker_err_drop(rc);
		}
		off += (uint32_t)rc;
	}
	hop.node = cfg->node.id;
	hop.rx_ns = meta->ts_ns;
	for (off = start; off < len;) {
		uint8_t *p;
		size_t w;

		rc = sph_decode_fast(d + off, len - off, &h);
		if (rc < 0)
			break;
		if (sph_is_auth(h.flags)) {
			/* The previous link's signature: this relay signs what it sends. */
			off += (uint32_t)rc;
			continue;
		}
		if (unlikely((uint32_t)rc + 2 + SPH_HOP_LEN > x->max)) {
			/* With the hop it no longer fits the next link's datagrams. */
			lc->stats.drops[STP_DROP_ENCAP_TOO_BIG]++;
			rte_pktmbuf_free(m);
			return STP_DROP_MAX;
		}
		hop.seq = bl->relay_seq[m->port]++;
		p = dg_room(x, (uint32_t)rc + 2 + SPH_HOP_LEN);
		if (unlikely(p == NULL)) {
			lc->stats.drops[STP_DROP_ENCAP_NO_MBUF]++;
			rte_pktmbuf_free(m);
			return STP_DROP_MAX;
		}
		w = sph_add_hop(d + off, (size_t)rc, &hop, p, (size_t)rc + 2 + SPH_HOP_LEN);
		RTE_VERIFY(w != 0);
		bl->records++;
		off += (uint32_t)rc;
	}
	lc->stats.consumed++;
	rte_pktmbuf_free(m);
	return STP_DROP_MAX;
}

static uint16_t
broker_burst(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	const struct stp_pipeline *pl = lc->pl;
	const struct broker_rt *b = broker_pl(pl);
	struct broker_lcore *bl = broker_lc(lc);
	struct rte_mbuf *out[STP_MAX_BURST];
	struct rx_out r;
	const uint64_t now = rte_rdtsc();
	struct dg_tx x;
	bool relaying = false;

	rx_out_init(&r, lc, out);

	if (b->role == CFG_ROLE_EDGE)
		return brel_edge_burst(lc, pkts, n); /* acknowledgements of reliable outputs */
	if (unlikely(bl->nb_reasm > 0))
		reasm_expire(lc, bl, now);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t off = sph_offset(b, m);
		uint32_t end, claim;
		struct dg_plain plain;
		enum stp_drop why;

		if (off == 0) {
			pkt_meta(m)->if_key = 0; /* a local capture: its port's interface */
			out_push(&r, m);
			continue;
		}
		if (unlikely(m->nb_segs > 1)) {
			/* Datagrams are read in their first segment: a chained one is not ours. */
			lc->stats.drops[STP_DROP_SPH_TRUNCATED]++;
			rte_pktmbuf_free(m);
			continue;
		}
		why = dg_admit(lc, bl, m, off, &end, &claim, &plain);
		if (unlikely(why != STP_DROP_MAX)) {
			bl->datagrams++;
			if (broker_is_refusal(why))
				broker_refuse(lc, why, claim, m);
			lc->stats.drops[why]++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (b->role == CFG_ROLE_RELAY) {
			if (!relaying) {
				dg_init(&x, lc, b->relay_out);
				relaying = true;
			}
			why = relay(lc, bl, &x, m, off, end);
		} else {
			why = collect(&r, bl, m, off, end, &plain, now);
		}
		if (unlikely(why != STP_DROP_MAX)) {
			if (broker_is_refusal(why))
				broker_refuse(lc, why, claim, m);
			lc->stats.drops[why]++;
			rte_pktmbuf_free(m);
		}
	}
	if (relaying) {
		dg_close(&x);
		dg_emit(&x);
	}
	frame_spare_free(&r);
	if (bl->ro != NULL && bl->ro->n > 0)
		ro_release(&r, bl->ro, clock_tsc_ns(now), false);
	rx_out_hint(&r);
	memcpy(pkts, out, r.n * sizeof(out[0]));
	return r.n;
}

/* node.auth's keys, prepared for one lcore. */
static struct sph_auth *
broker_auth_create(const struct stp_config *cfg)
{
	struct sph_auth_key k[CFG_MAX_AUTH_KEYS];
	struct sph_auth *a;

	memset(k, 0, sizeof(k));
	for (unsigned int i = 0; i < broker_cfg_of(cfg)->auth.nb_keys; i++) {
		k[i].id = (uint16_t)broker_cfg_of(cfg)->auth.keys[i].id;
		k[i].len = broker_cfg_of(cfg)->auth.keys[i].len;
		memcpy(k[i].key, broker_cfg_of(cfg)->auth.keys[i].key, k[i].len);
	}
	a = sph_auth_create(k, broker_cfg_of(cfg)->auth.nb_keys,
			(uint16_t)broker_cfg_of(cfg)->auth.send_key);
	explicit_bzero(k, sizeof(k));
	return a;
}

extern const struct stp_feature stp_feature_broker;
unsigned int broker_k;

/* Pipeline-wide: datagram sizes and descriptions of the stampede outputs. */
static int
broker_init(struct stp_pipeline *pl)
{
	const struct stp_config *cfg = pl->cfg;
	struct broker_rt *b;
	bool sends = false;
	int rc;

	broker_k = pl->feat_k;
	for (unsigned int o = 0; o < outputs_cfg_of(cfg)->nb_outputs; o++)
		sends |= outputs_cfg_of(cfg)->outputs[o].type == CFG_OUTPUT_STAMPEDE;
	if (!sends && cfg->node.role == CFG_ROLE_EDGE)
		return 1;
	b = rte_zmalloc("stp_broker", sizeof(*b), RTE_CACHE_LINE_SIZE);
	if (b == NULL) {
		snprintf(pl->err, sizeof(pl->err), "out of memory");
		return -ENOMEM;
	}
	b->role = cfg->node.role;
	b->listen_port = broker_cfg_of(cfg)->listen_port;
	b->relay_out = broker_cfg_of(cfg)->relay_out;
	b->reasm_tsc = rte_get_tsc_hz() * broker_cfg_of(cfg)->reasm_timeout_ms / 1000;
	b->auth = broker_cfg_of(cfg)->auth.nb_keys > 0;
	b->auth_required = b->auth && broker_cfg_of(cfg)->auth.required;
	b->nb_peers = broker_cfg_of(cfg)->nb_peers;
	b->peers = broker_cfg_of(cfg)->peers;
	for (unsigned int o = 0; o < outputs_cfg_of(cfg)->nb_outputs; o++) {
		const struct cfg_output *co = &outputs_cfg_of(cfg)->outputs[o];
		const char *desc = co->description[0] ? co->description : cfg->node.description;
		uint32_t room = pl->ports->pool != NULL ?
				rte_pktmbuf_data_room_size(pl->ports->pool) - RTE_PKTMBUF_HEADROOM :
				2048;
		uint32_t frame;

		if (co->type != CFG_OUTPUT_STAMPEDE)
			continue;
		/* One segment per datagram, no larger than the port's MTU allows. */
		frame = RTE_MIN((uint32_t)cfg->ports[co->port].mtu + RTE_ETHER_HDR_LEN, room);
		b->dg_max[o] = frame - pl->tunnels[o].hdr_len - (b->auth ? SPH_AUTH_REC_LEN : 0);
		b->desc_len[o] = (uint8_t)RTE_MIN(strlen(desc), (size_t)SPH_MAX_DESC);
		memcpy(b->desc[o], desc, b->desc_len[o]);
	}
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		struct stp_lcore *lc = pl->lcores[i];
		struct broker_lcore *bl;

		bl = rte_zmalloc_socket("stp_broker_lc", sizeof(struct broker_lcore),
				RTE_CACHE_LINE_SIZE, rte_lcore_to_socket_id(lc->lcore_id));
		lc->fpriv[broker_k] = bl;
		if (bl == NULL) {
			snprintf(pl->err, sizeof(pl->err), "out of memory");
			return -ENOMEM;
		}
		if (b->auth) {
			bl->auth = broker_auth_create(cfg);
			if (bl->auth == NULL) {
				snprintf(pl->err, sizeof(pl->err),
						"node.auth: libcrypto could not prepare the keys");
				rte_free(b);
				return -EINVAL;
			}
		}
		if (cfg->node.role == CFG_ROLE_COLLECTOR && broker_cfg_of(cfg)->reorder_ms > 0) {
			bl->ro = rte_zmalloc_socket("stp_broker_ro", sizeof(*bl->ro),
					RTE_CACHE_LINE_SIZE, rte_lcore_to_socket_id(lc->lcore_id));
			if (bl->ro == NULL) {
				snprintf(pl->err, sizeof(pl->err), "out of memory");
				return -ENOMEM;
			}
			bl->ro->bound_ns = (uint64_t)broker_cfg_of(cfg)->reorder_ms * 1000000;
		}
	}
	pl->fpriv[broker_k] = b;
	if (broker_rif_init(pl, b) != 0) {
		snprintf(pl->err, sizeof(pl->err), "out of memory");
		return -ENOMEM;
	}
	rc = brel_init(pl);
	if (rc < 0)
		return rc;
	/* The receive stage runs only where datagrams (or acknowledgements) are read. */
	if (cfg->node.role == CFG_ROLE_EDGE && !brel_wanted(cfg)) {
		b->stage_off = true;
		return 1;
	}
	/*
	 * The RX stage parses for the UDP port of the datagrams; the frames decapsulated are
	 * parsed only for a later stage that reads their headers (need_parse): ~140 instructions
	 * a frame saved at a collector whose rules do not (callgrind, broker.sh coll64).
	 */
	pl->rx_parse = true;
	b->next_stage = pl->nb_stages + 1;
	return 0;
}

static uint32_t
broker_reorder_poll(struct stp_lcore *lc)
{
	struct broker_lcore *bl = broker_lc(lc);
	const struct broker_rt *b = broker_pl(lc->pl);
	struct rte_mbuf *out[STP_MAX_BURST];
	struct rx_out r;
	uint32_t k;

	if (likely(bl->ro == NULL || bl->ro->n == 0) || b == NULL)
		return 0;
	rx_out_init(&r, lc, out);
	/* Draining: nothing new arrives, everything left goes on in order. */
	k = ro_release(&r, bl->ro, clock_tsc_ns(rte_rdtsc()),
			__atomic_load_n(&lc->pl->phase, __ATOMIC_ACQUIRE) != STP_PHASE_RUN);
	if (r.n > 0) {
		rx_out_hint(&r);
		stp_worker_from(lc, b->next_stage, r.pkts, r.n);
	}
	return k;
}

/*
 * Run loop of an lcore with broker state: the resend transport's timers, acknowledgements and
 * replays (reliable.c), then the collector's reorder buffer: the frames whose time bound
 * passed (all of them once the pipeline drains).
 */
static uint32_t
broker_poll(struct stp_lcore *lc)
{
	const struct broker_lcore *bl = broker_lc(lc);
	uint32_t work = 0;

	if (bl == NULL)
		return 0;
	if (bl->rel != NULL)
		work += brel_poll(lc);
	work += broker_reorder_poll(lc);
	return work;
}

static bool
broker_poll_on(const struct stp_lcore *lc)
{
	return broker_lc(lc) != NULL;
}

/* After the lcores stopped: frames still in reassembly are dropped (sph_reasm_timeout). */
static void
broker_stop(struct stp_pipeline *pl)
{
	if (broker_pl(pl) == NULL)
		return;
	brel_stop(pl);
	/* Frames still in the reorder buffer (the drain timed out): counted shutdown drops. */
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		struct broker_lcore *bl = broker_lc(pl->lcores[i]);

		while (bl != NULL && bl->ro != NULL && bl->ro->n > 0) {
			rte_pktmbuf_free(ro_pop(bl->ro));
			pl->lcores[i]->stats.drops[STP_DROP_SHUTDOWN]++;
		}
	}
	/* Frames still in reassembly when the lcores stopped can no longer be completed. */
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		struct broker_lcore *bl = broker_lc(pl->lcores[i]);

		for (unsigned int k = 0; bl != NULL && k < BROKER_MAX_REASM; k++)
			if (bl->reasm[k].used) {
				reasm_drop(pl->lcores[i], &bl->reasm[k],
						STP_DROP_SPH_REASM_TIMEOUT);
				bl->nb_reasm--;
			}
	}
}

static void
broker_fini(struct stp_pipeline *pl)
{
	unsigned int k = 0;

	/* fini runs for every feature of the registry, even one whose init never ran. */
	while (pl->features[k] != NULL && pl->features[k] != &stp_feature_broker)
		k++;
	if (pl->features[k] == NULL || k != broker_k)
		return;
	broker_stop(pl);
	brel_fini(pl);
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		struct broker_lcore *bl;

		if (pl->lcores[i] == NULL)
			continue;
		bl = broker_lc(pl->lcores[i]);
		if (bl != NULL) {
			rte_free(bl->ro);
			sph_auth_free(bl->auth);
		}
		rte_free(bl);
		pl->lcores[i]->fpriv[broker_k] = NULL;
	}
	broker_rif_fini(broker_pl(pl));
	rte_free(broker_pl(pl));
	pl->fpriv[broker_k] = NULL;
}

static const struct stp_output_ops broker_output = {
	.type = CFG_OUTPUT_STAMPEDE,
	.send = broker_send,
};
static const struct stp_output_ops *const broker_outputs[] = { &broker_output, NULL };

const struct stp_feature stp_feature_broker = {
	.name = "broker",
	.init = broker_init,
	.burst = broker_burst,
	.poll = broker_poll,
	.poll_on = broker_poll_on,
	.poll_drain = true, /* acknowledgements and the reorder buffer's frames go on */
	/* out_push(), rx_out_hint(); an edge returns a subset of its burst, mbufs unchanged */
	.hint_out = true,
	.stop = broker_stop,
	.view = broker_view,
	.fini = broker_fini,
	.outputs = broker_outputs,
	.ui = &broker_ui,
	.cfg = &broker_cfg_section,
};
