/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The broker's resend transport (design: lib/encap/README.md, "Reliable outputs"):
 *  - edge: each worker keeps a reference to every datagram of a reliable stampede output it
 *    sends (lib/encap/rel.h: a bounded ring per (worker, output)) until the consumer
 *    acknowledges it; a NACK, or an acknowledgement of newer numbers, resends it; after
 *    outputs[].resend_window_s, or pushed out of a full ring, it goes to the output's
 *    dead-letter spool (a pcapng file written by a lib/pcapng writer thread). The
 *    acknowledgements come back to any worker (RSS): that worker passes them to the owner of
 *    the stream (stream >> 8 is the worker index) through the owner's control ring.
 *  - collector: per source stream whose records carry SPH_F_RELIABLE, the ranges of numbers
 *    received recently (rel_rx) go back to the sender every BREL_ACK_MS in an ACK control
 *    record, each range repeated for BREL_KEEP_MS so that a lost ACK costs nothing; a gap sends
 *    a NACK at once. A number is acknowledged only once every capture output has written what
 *    it had queued when the number arrived (see "Written before acknowledged" below).
 *
 * Accounting: a resent or replayed datagram is generated (then transmitted or dropped by TX
 * like any other); an acknowledgement datagram the collector sends is generated; one the edge
 * receives is consumed. The references kept are not packets of the invariant: they end
 * released (acknowledged), in the spool (dead_lettered) or counted in dlq_dropped.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_udp.h>

#include "broker_cfg.h"
#include "broker_rel.h"
#include "clock.h"
#include "encap.h"
#include "outputs_cfg.h"
#include "pcapng.h"
#include "sph_auth.h"

RTE_LOG_REGISTER_SUFFIX(brel_logtype, broker, INFO);
#define BREL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, brel_logtype, "stampede.broker: " fmt "\n", ##__VA_ARGS__)

#define BREL_TICK_US 1000    /* edge housekeeping period */
#define BREL_RTO_MS 50	     /* an entry behind newer acknowledged ones is resent after this */
#define BREL_NACK_GAP_MS 10  /* a NACK does not resend what was sent less than this ago */
#define BREL_ACK_MS 10	     /* collector: acknowledgement period */
#define BREL_KEEP_MS 100     /* collector: a range is repeated this long after it last grew */
#define BREL_MAX_RESEND 64   /* edge: resends per tick (behind newer acknowledged ones) */
#define BREL_CTRL_RING 1024  /* acknowledgement items to a worker */
#define BREL_REPLAY_RING 512 /* datagrams to replay, per worker */
#define BREL_MAX_ITEMS 64    /* items read from one control record */
/*
 * Amplification bounds (README.md, "Security"): one control datagram resends at most
 * BREL_NACK_RESEND datagrams (shared by its NACK items), and a (worker, output) resends at most
 * BREL_RESEND_PER_S per second for NACKs and acknowledgements of newer numbers together; the
 * rest waits for the next second (or the window).
 */
#define BREL_NACK_RESEND 32
#define BREL_RESEND_PER_S 20000

/* An acknowledgement item for the owner worker. */
struct brel_msg {
	uint8_t type; /* SPH_TLV_ACK or SPH_TLV_NACK */
	uint8_t o;    /* output */
	uint8_t key;  /* stream & 0xff: the input port index */
	uint8_t max;  /* NACK: most datagrams it may resend (its share of BREL_NACK_RESEND) */
	uint8_t pad[4];
	uint64_t first;
	uint64_t last;
};

/* A datagram to replay. */
struct brel_replay_msg {
	struct rte_mbuf *m;
	uint64_t o;
};

/* Per (worker, reliable output); single writer (the worker). */
struct brel_ctr {
	uint64_t sent, sent_frames;	    /* datagrams kept for resending */
	uint64_t acked, acked_frames;	    /* released by an acknowledgement */
	uint64_t resent;		    /* resends (NACK or left behind) */
	uint64_t dead, dead_frames;	    /* into the spool's ring */
	uint64_t dead_window;		    /* of which: older than the window */
	uint64_t dead_full;		    /* of which: pushed out of a full buffer */
	uint64_t dead_stop;		    /* of which: still held at stop */
	uint64_t dlq_full, dlq_full_frames; /* the spool's ring refused them: lost, counted */
	uint64_t replayed;		    /* datagrams re-sent from a spool */
	uint64_t acks_rx, nacks_rx;	    /* items applied */
	uint64_t resend_limited;	    /* resends put off by the per-second bound */
};

/* Collector: one source (same index as struct broker_lcore's src[]). */
struct brel_src {
	bool on;
	uint16_t port;		   /* DPDK port to answer by */
	struct encap_tunnel reply; /* headers of the answers */
	uint32_t node;
	uint16_t stream;
	struct rel_rx rx;	/* written: acknowledged in every ACK for BREL_KEEP_MS */
	struct rel_rx pend_new; /* received since the last ACK tick */
	struct rel_rx pend_old; /* received before bl->mark was taken: waits for the writers */
};

struct brel_lcore {
	struct rte_ring *ctrl;	 /* edge worker: struct brel_msg in (MP/SC) */
	struct rte_ring *replay; /* edge worker: struct brel_replay_msg in (MP/SC) */
	uint64_t next_tick, next_ack;
	struct rel_buf *buf[CFG_MAX_OUTPUTS];
	struct brel_ctr c[CFG_MAX_OUTPUTS];
	/*
	 * Edge worker: per (output, stream key) the highest number kept + 1 (sent or replayed):
	 * an acknowledgement naming more was never sent (sph_ctrl_unsent). Written by this
	 * worker, read by any worker reading acknowledgements (relaxed: it only grows).
	 */
	uint64_t sent_next[CFG_MAX_OUTPUTS][256];
	uint64_t resend_sec;		    /* TSC the current second of resends began */
	uint32_t resend_n[CFG_MAX_OUTPUTS]; /* resends in it */
	/* Edge, any worker: acknowledgement datagrams read. */
	uint64_t ctrl_dg, ctrl_bad, ctrl_foreign, ctrl_ring_full;
	/* Collector. */
	bool cur_ok;
	uint16_t cur_port;
	struct encap_tunnel cur;
	uint64_t acks_sent, nacks_sent, ack_no_mbuf;
	bool armed;			/* pend_old of the sources waits for mark[] */
	uint32_t mark[CFG_MAX_OUTPUTS]; /* capture outputs' ring positions (pcapng_writer_mark) */
	struct brel_src src[BROKER_MAX_SRC];
} __rte_cache_aligned;

struct brel_rt {
	uint32_t rel_mask; /* bit o: outputs[o] is a reliable stampede output */
	bool collector;
	uint64_t hz;
	uint64_t window[CFG_MAX_OUTPUTS]; /* TSC */
	struct pcapng_writer *spool[CFG_MAX_OUTPUTS];
	struct pcapng_stats spool_final[CFG_MAX_OUTPUTS];
	char spool_path[CFG_MAX_OUTPUTS][CFG_PATH_LEN];
	uint64_t replayed_files; /* ctlplane only */
};

/* Test hook (broker_rel.h): 0 unless a test advances the transport's clock. */
uint64_t brel_tsc_skew;

static inline struct brel_rt *
rt_of(const struct stp_pipeline *pl)
{
	const struct broker_rt *b = broker_pl(pl);

	return b != NULL ? b->rel : NULL;
}

bool
brel_wanted(const struct stp_config *cfg)
{
	for (unsigned int o = 0; o < outputs_cfg_of(cfg)->nb_outputs; o++)
		if (outputs_cfg_of(cfg)->outputs[o].type == CFG_OUTPUT_STAMPEDE &&
				outputs_cfg_of(cfg)->outputs[o].reliable)
			return true;
	return false;
}

bool
brel_output(const struct stp_pipeline *pl, unsigned int o)
{
	const struct brel_rt *r = rt_of(pl);

	return r != NULL && (r->rel_mask >> o & 1);
}

/* ---------------------------------------------------------------------------------------- */
/* Edge: keeping, releasing, resending, dead-lettering. */

struct cb_ctx {
	struct stp_lcore *lc;
	struct brel_lcore *bl;
	unsigned int o;
	int why; /* 0 window, 1 full, 2 stop */
};

static void
on_release(void *arg, struct rel_entry *e)
{
	struct cb_ctx *x = arg;

	x->bl->c[x->o].acked++;
	x->bl->c[x->o].acked_frames += e->span.frames;
	rte_pktmbuf_free(e->obj);
}

static void
on_dead(void *arg, struct rel_entry *e)
{
	struct cb_ctx *x = arg;
	const struct brel_rt *r = rt_of(x->lc->pl);
	struct brel_ctr *c = &x->bl->c[x->o];
	struct rte_mbuf *m = e->obj;

	if (r->spool[x->o] == NULL || pcapng_writer_enqueue(r->spool[x->o], &m, 1) != 1) {
		rte_pktmbuf_free(m);
		c->dlq_full++;
		c->dlq_full_frames += e->span.frames;
		return;
	}
	c->dead++;
	c->dead_frames += e->span.frames;
	if (x->why == 0)
		c->dead_window++;
	else if (x->why == 1)
		c->dead_full++;
	else
		c->dead_stop++;
}

static void
on_resend(void *arg, struct rel_entry *e)
{
	struct cb_ctx *x = arg;
	struct rte_mbuf *m = e->obj;

	rte_mbuf_refcnt_update(m, 1);
	x->lc->stats.generated++;
	x->bl->c[x->o].resent++;
	stp_tx_emit_port(x->lc, x->lc->pl->tunnels[x->o].port_id, &m, 1);
}

void
brel_keep(struct stp_lcore *lc, unsigned int o, struct rte_mbuf *m, const struct rel_span *span)
{
	struct brel_lcore *bl = broker_lc(lc)->rel;
	const struct stp_tunnel_rt *t = &lc->pl->tunnels[o];
	const uint8_t *rec = rte_pktmbuf_mtod_offset(m, const uint8_t *, t->hdr_len);
	struct pkt_meta *meta = pkt_meta(m);
	struct cb_ctx x = { lc, bl, o, 1 };

	if (unlikely(bl == NULL || bl->buf[o] == NULL))
		return;
	/* The spool shows the datagram at its first frame's capture time. */
	m->port = t->port_id;
	{
		uint64_t be; /* the header's field is not 8-byte aligned in the frame */

		memcpy(&be, rec + 24, sizeof(be));
		meta->ts_ns = rte_be_to_cpu_64(be);
	}
	meta->ts_src = rec[6] < PKT_TS_MAX ? rec[6] : PKT_TS_NONE;
	rte_mbuf_refcnt_update(m, 1);
	for (unsigned int k = 0; k < span->nb; k++)
		if (span->hi[k] + 1 > bl->sent_next[o][span->key[k]])
			__atomic_store_n(&bl->sent_next[o][span->key[k]], span->hi[k] + 1,
					__ATOMIC_RELAXED);
	rel_buf_push(bl->buf[o], m, span, brel_tsc(), on_dead, &x);
	bl->c[o].sent++;
	bl->c[o].sent_frames += span->frames;
}

/* The sequence span of a datagram's records (replays). */
static void
span_of(const uint8_t *d, uint32_t len, struct rel_span *s)
{
	struct sph_hdr h;
	uint32_t off = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	while (off < len && (rc = sph_decode(d + off, len - off, &h)) > 0) {
		if (!(h.flags & SPH_F_CTRL)) {
			(void)rel_span_add(s, (uint8_t)(h.stream & 0xff), h.seq);
			if (!(h.flags & SPH_F_FRAG) || h.frag_idx == 0)
				s->frames++;
		}
		off += (uint32_t)rc;
	}
}

/*
 * Which reliable output an acknowledgement datagram answers, and where its records start:
 * the output's index; -1 when @p m is not one (data: also what arrives on any other port than
 * the output's, e.g. a monitored one); -2 malformed; -3 a datagram to the output's stampede
 * port or EtherType on its port, from another MAC or IP than the output's destination
 * (sph_ctrl_source).
 */
static int
ctrl_output(const struct stp_pipeline *pl, struct rte_mbuf *m, uint32_t *off, uint32_t *end)
{
	const struct brel_rt *r = rt_of(pl);
	const struct pkt_meta *meta = pkt_meta(m);
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint32_t len = rte_pktmbuf_data_len(m);
	/*
	 * An IPv4 / UDP acknowledgement, from the parsed headers (the broker stage asks for
	 * parsing): IPv4 right after the Ethernet header, as the collector sends it, and a whole
	 * UDP header in the first segment.
	 */
	const bool udp4 = meta->l3_type == PKT_L3_IPV4 && meta->l3_off == RTE_ETHER_HDR_LEN &&
			meta->l4_proto == IPPROTO_UDP && meta->l4_off != 0 &&
			(uint32_t)meta->l4_off + sizeof(struct rte_udp_hdr) <= len;
	uint16_t et;

	if (len < RTE_ETHER_HDR_LEN)
		return -1;
	et = (uint16_t)(d[12] << 8 | d[13]);
	for (unsigned int o = 0; o < CFG_MAX_OUTPUTS; o++) {
		const struct encap_tunnel *t = &pl->tunnels[o].enc;

		if (!(r->rel_mask >> o & 1) || m->port != pl->tunnels[o].port_id)
			continue;
		if (t->type == ENCAP_SPH_ETH && et == SPH_ETHERTYPE) {
			if (memcmp(d + 6, t->dst_mac, 6) != 0)
				return -3;
			*off = RTE_ETHER_HDR_LEN;
			*end = len;
			return (int)o;
		}
		if (t->type == ENCAP_SPH_UDP && udp4) {
			const struct rte_ipv4_hdr *ip =
					(const struct rte_ipv4_hdr *)(d + meta->l3_off);
			const struct rte_udp_hdr *uh =
					(const struct rte_udp_hdr *)(d + meta->l4_off);
			const uint32_t udp = meta->l4_off;
			uint32_t ulen;

			/* To our output's port, from our collector (its address and MAC). */
			if (rte_be_to_cpu_16(uh->dst_port) != t->dst_port)
				continue;
			if (ip->src_addr != t->dst_ip || memcmp(d + 6, t->dst_mac, 6) != 0)
				return -3;
			ulen = rte_be_to_cpu_16(uh->dgram_len);
			if (ulen < sizeof(*uh) || udp + ulen > len)
				return -2;
			*off = udp + (uint32_t)sizeof(*uh);
			*end = udp + ulen;
			return (int)o;
		}
	}
	return -1;
}

/*
 * An acknowledgement datagram for output @p o: its items to the owner workers. It is read
 * whole first, as a collector admits a datagram: a record that does not decode (but zero
 * padding after the first) or a control record whose TLVs do not parse drops the datagram with
 * the decoding error's reason and none of its items is used. Every item must name numbers the
 * owner has sent (else the whole datagram is refused: sph_ctrl_unsent), and its NACKs share
 * BREL_NACK_RESEND resends. Returns STP_DROP_MAX, or the drop reason.
 */
static enum stp_drop
ctrl_read(struct stp_lcore *lc, struct brel_lcore *bl, unsigned int o, const uint8_t *d,
		uint32_t len)
{
	const struct stp_pipeline *pl = lc->pl;
	struct sph_ctrl_item it[BREL_MAX_ITEMS];
	unsigned int n = 0, nacks = 0, nack_i;
	uint32_t off = 0;
	struct sph_hdr h;
	int rc, k;

	bl->ctrl_dg++;
	/* At least once: an empty datagram is the decoder's sph_truncated. */
	do {
		rc = sph_decode(d + off, len - off, &h);
		if (rc < 0) {
			if (off > 0 && sph_is_padding(d + off, len - off))
				break;
			bl->ctrl_bad++;
			return broker_err_drop(rc);
		}
		off += (uint32_t)rc;
		if (sph_is_auth(h.flags))
			continue;
		if (!(h.flags & SPH_F_CTRL) || h.node != pl->cfg->node.id) {
			bl->ctrl_foreign++;
			continue;
		}
		/* Items past BREL_MAX_ITEMS are checked, not kept. */
		k = sph_ctrl_parse(d + off - rc, &h, it + n, BREL_MAX_ITEMS - n);
		if (k < 0) {
			bl->ctrl_bad++;
			return broker_err_drop(k);
		}
		n += (unsigned int)k;
	} while (off < len);
	for (unsigned int i = 0; i < n; i++) {
		const unsigned int w = it[i].stream >> 8;
		const struct brel_lcore *owner;

		if (w >= pl->nb_workers)
			continue; /* counted foreign below */
		owner = broker_lc(pl->workers[w])->rel;
		if (it[i].last >= __atomic_load_n(&owner->sent_next[o][it[i].stream & 0xff],
						  __ATOMIC_RELAXED))
			return STP_DROP_SPH_CTRL_UNSENT;
		nacks += it[i].type == SPH_TLV_NACK;
	}
	/*
	 * The NACKs' shares add up to BREL_NACK_RESEND at most: BREL_NACK_RESEND / nacks each, one
	 * more for the first BREL_NACK_RESEND % nacks of them: past BREL_NACK_RESEND NACKs, the
	 * rest have no share and are not passed on (one each would let 64 items resend 64).
	 */
	nack_i = 0;
	for (unsigned int i = 0; i < n; i++) {
		const unsigned int w = it[i].stream >> 8;
		struct brel_msg msg = { .type = it[i].type,
			.o = (uint8_t)o,
			.key = (uint8_t)(it[i].stream & 0xff),
			.first = it[i].first,
			.last = it[i].last };
		struct brel_lcore *owner;

		if (w >= pl->nb_workers) {
			bl->ctrl_foreign++;
			continue;
		}
		if (msg.type == SPH_TLV_NACK) {
			msg.max = (uint8_t)(BREL_NACK_RESEND / nacks +
					(nack_i < BREL_NACK_RESEND % nacks));
			nack_i++;
			if (msg.max == 0)
				continue;
		}
		owner = broker_lc(pl->workers[w])->rel;
		if (rte_ring_mp_enqueue_elem(owner->ctrl, &msg, sizeof(msg)) != 0)
			bl->ctrl_ring_full++;
	}
	return STP_DROP_MAX;
}

uint16_t
brel_edge_burst(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	struct brel_lcore *bl = broker_lc(lc)->rel;
	const struct broker_lcore *bbl = broker_lc(lc);
	const struct stp_config *cfg = lc->pl->cfg;
	uint16_t k = 0;

	if (bl == NULL)
		return n;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
		enum stp_drop why = STP_DROP_MAX;
		uint32_t off, end;
		int o = ctrl_output(lc->pl, m, &off, &end);

		if (o == -1 || m->nb_segs > 1) {
			pkts[k++] = m; /* data (a monitored port's frames included) */
			continue;
		}
		if (o == -3) {
			why = STP_DROP_SPH_CTRL_SOURCE;
		} else if (o >= 0 && broker_cfg_of(cfg)->auth.nb_keys > 0) {
			size_t sl = 0;

			switch (sph_auth_verify(bbl->auth, d + off, end - off, &sl)) {
			case SPH_AUTH_OK:
				end = off + (uint32_t)sl;
				break;
			case SPH_AUTH_MISSING:
				if (broker_cfg_of(cfg)->auth.required)
					why = STP_DROP_SPH_AUTH_MISSING;
				break;
			case SPH_AUTH_BAD_KEY:
				why = STP_DROP_SPH_AUTH_KEY;
				break;
			default:
				why = STP_DROP_SPH_AUTH_BAD;
				break;
			}
		}
		if (why == STP_DROP_MAX && o >= 0) {
			why = ctrl_read(lc, bl, (unsigned int)o, d + off, end - off);
		} else if (o == -2) {
			bl->ctrl_bad++;
			why = STP_DROP_SPH_BAD_LENGTH; /* UDP length past the frame */
		}
		if (why != STP_DROP_MAX) {
			/* The node its first record names (the edge itself, for a well-formed one).
			 */
			const uint32_t claim = o >= 0 && end >= off + SPH_FIXED_LEN ?
					sph_peek_node(d + off) :
					0;

			/* Refusals are noted with their source; malformed datagrams are not. */
			if (broker_is_refusal(why))
				broker_refuse(lc, why, claim, m);
			lc->stats.drops[why]++;
		} else {
			lc->stats.consumed++;
		}
		rte_pktmbuf_free(m);
	}
	return k;
}

/* ---------------------------------------------------------------------------------------- */
/* Collector: acknowledgements. */

void
brel_rx_datagram(struct stp_lcore *lc, struct rte_mbuf *m, uint32_t off)
{
	struct brel_lcore *bl = broker_lc(lc)->rel;
	const struct pkt_meta *meta = pkt_meta(m);
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *uh;
	struct encap_tunnel *t;

	if (bl == NULL)
		return;
	t = &bl->cur;
	bl->cur_ok = false;
	bl->cur_port = m->port;
	memset(t, 0, sizeof(*t));
	memcpy(t->dst_mac, d + 6, 6);
	memcpy(t->src_mac, d, 6);
	if (off == RTE_ETHER_HDR_LEN && d[12] == (SPH_ETHERTYPE >> 8) &&
			d[13] == (SPH_ETHERTYPE & 0xff)) {
		t->type = ENCAP_SPH_ETH;
		bl->cur_ok = true;
		return;
	}
	/*
	 * IPv4 / UDP right after the Ethernet header (no VLAN), from the parsed headers (the
	 * stage admitted the datagram by them): answer the sender, to the port it sent to.
	 */
	if (meta->l3_type != PKT_L3_IPV4 || meta->l3_off != RTE_ETHER_HDR_LEN ||
			meta->l4_proto != IPPROTO_UDP || meta->l4_off == 0)
		return;
	ip = (const struct rte_ipv4_hdr *)(d + meta->l3_off);
	uh = (const struct rte_udp_hdr *)(d + meta->l4_off);
	t->type = ENCAP_SPH_UDP;
	t->src_ip = ip->dst_addr;
	t->dst_ip = ip->src_addr;
	t->ttl = 64;
	t->dst_port = rte_be_to_cpu_16(uh->dst_port);
	bl->cur_ok = true;
}

/* One control record to source @p s. */
static void
ctrl_send(struct stp_lcore *lc, struct brel_lcore *bl, const struct brel_src *s,
		const struct sph_ctrl_item *it, unsigned int n)
{
	const uint16_t hl = encap_hdr_len(s->reply.type);
	const struct broker_lcore *bbl = broker_lc(lc);
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pl->ports->pool);
	struct encap_pkt ep;
	uint8_t *p;
	size_t len;

	if (m == NULL) {
		bl->ack_no_mbuf++;
		return;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, RTE_MIN(rte_pktmbuf_tailroom(m), 1024));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		bl->ack_no_mbuf++;
		return;
	}
	len = sph_ctrl_encode(s->node, it, n, p + hl, rte_pktmbuf_data_len(m) - hl);
	if (len > 0 && bbl->auth != NULL) {
		const size_t a = sph_auth_sign(bbl->auth, lc->pl->cfg->node.id, p + hl, len,
				rte_pktmbuf_data_len(m) - hl);

		len = a > 0 ? len + a : 0;
	}
	if (len == 0) {
		rte_pktmbuf_free(m);
		bl->ack_no_mbuf++;
		return;
	}
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - hl - len));
	memset(&ep, 0, sizeof(ep));
	ep.inner_len = (uint32_t)len;
	ep.hash = (uint32_t)(lc->worker_idx + 1) * 2654435761u;
	encap_build(&s->reply, &ep, p);
	if (rte_pktmbuf_data_len(m) < RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN) {
		uint16_t pad = (uint16_t)(RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN -
				rte_pktmbuf_data_len(m));

		memset(rte_pktmbuf_append(m, pad), 0, pad);
	}
	pkt_meta(m)->out_port = s->port;
	lc->stats.generated++;
	stp_tx_emit_port(lc, s->port, &m, 1);
}

void
brel_rx_record(struct stp_lcore *lc, unsigned int si, const struct sph_hdr *h, uint64_t old_next,
		enum sph_seq_res res)
{
	struct brel_lcore *bl = broker_lc(lc)->rel;
	struct brel_src *s;

	if (bl == NULL || !(h->flags & SPH_F_RELIABLE) || !bl->cur_ok || si >= BROKER_MAX_SRC ||
			res == SPH_SEQ_STALE)
		return; /* a stale record is not written: not acknowledged either */
	s = &bl->src[si];
	s->on = true;
	s->port = bl->cur_port;
	s->reply = bl->cur;
	s->node = h->node;
	s->stream = h->stream;
	rel_rx_add(&s->pend_new, h->seq, brel_tsc());
	if (res == SPH_SEQ_GAP && h->seq > old_next) {
		struct sph_ctrl_item it = { .type = SPH_TLV_NACK,
			.stream = h->stream,
			.first = old_next,
			.last = h->seq - 1 };

		ctrl_send(lc, bl, s, &it, 1);
		bl->nacks_sent++;
	}
}

/*
 * Written before acknowledged. A frame a collector received goes to its capture outputs in the
 * same burst (pcapng_writer_enqueue), before the next ACK tick. At a tick, the numbers received
 * since the previous one (pend_new) become pend_old together with a mark per capture output
 * taken now (the ring position after everything queued so far, by any lcore); they move to the
 * acknowledged ranges (rx) once every writer has passed its mark: the ring is FIFO, so each of
 * those frames was then handed to the kernel by write(2) (or counted as a drop). The page cache
 * keeps it if the collector is killed; a host crash is outside this guarantee unless the output
 * is durable (outputs[].durable: its writer passes a mark only after fdatasync). A
 * frame that went to ports only, or was a counted drop, is done by then too. Cost: one check per
 * output per tick; the writers flush every PCAPNG_FLUSH_MS, so an ACK waits ~1-3 ticks.
 */
static bool
outputs_passed(const struct stp_pipeline *pl, const uint32_t *mark)
{
	for (unsigned int o = 0; o < pl->nb_outputs; o++)
		if (pl->outputs[o] != NULL && !pcapng_writer_passed(pl->outputs[o], mark[o]))
			return false;
	return true;
}

static void
acks_written(struct stp_lcore *lc, struct brel_lcore *bl, uint64_t now)
{
	const struct stp_pipeline *pl = lc->pl;
	bool any;

	for (;;) {
		if (bl->armed) {
			if (!outputs_passed(pl, bl->mark))
				return;
			for (unsigned int i = 0; i < BROKER_MAX_SRC; i++) {
				struct brel_src *s = &bl->src[i];

				if (!s->on)
					continue;
				for (unsigned int k = 0; k < s->pend_old.n; k++)
					rel_rx_add_range(&s->rx, s->pend_old.first[k],
							s->pend_old.last[k], now);
				s->pend_old.n = 0;
			}
			bl->armed = false;
		}
		any = false;
		for (unsigned int i = 0; i < BROKER_MAX_SRC; i++) {
			struct brel_src *s = &bl->src[i];

			if (!s->on || s->pend_new.n == 0)
				continue;
			s->pend_old = s->pend_new;
			s->pend_new.n = 0;
			any = true;
		}
		if (!any)
			return;
		for (unsigned int o = 0; o < pl->nb_outputs; o++)
			if (pl->outputs[o] != NULL)
				bl->mark[o] = pcapng_writer_mark(pl->outputs[o]);
		bl->armed = true;
	}
}

static void
acks_send(struct stp_lcore *lc, struct brel_lcore *bl, uint64_t now)
{
	const struct brel_rt *r = rt_of(lc->pl);
	const uint64_t keep = r->hz * BREL_KEEP_MS / 1000;

	for (unsigned int i = 0; i < BROKER_MAX_SRC; i++) {
		struct brel_src *s = &bl->src[i];
		uint64_t f[REL_RX_RANGES], l[REL_RX_RANGES];
		struct sph_ctrl_item it[REL_RX_RANGES];
		unsigned int n;

		if (!s->on)
			continue;
		n = rel_rx_report(&s->rx, now, keep, f, l, REL_RX_RANGES);
		if (n == 0)
			continue;
		for (unsigned int k = 0; k < n; k++) {
			it[k].type = SPH_TLV_ACK;
			it[k].stream = s->stream;
			it[k].first = f[k];
			it[k].last = l[k];
		}
		ctrl_send(lc, bl, s, it, n);
		bl->acks_sent++;
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Worker run loop. */

/* Resends output @p o may still make this second (BREL_RESEND_PER_S). */
static unsigned int
resend_budget(struct brel_lcore *bl, unsigned int o)
{
	const uint32_t n = bl->resend_n[o];

	if (n >= BREL_RESEND_PER_S) {
		bl->c[o].resend_limited++;
		return 0;
	}
	return BREL_RESEND_PER_S - n;
}

static void
msg_apply(struct stp_lcore *lc, struct brel_lcore *bl, const struct brel_msg *msg, uint64_t now)
{
	const struct brel_rt *r = rt_of(lc->pl);
	struct cb_ctx x = { lc, bl, msg->o, 0 };
	struct rel_buf *b = bl->buf[msg->o];

	if (b == NULL)
		return;
	if (msg->type == SPH_TLV_ACK) {
		bl->c[msg->o].acks_rx++;
		rel_buf_ack(b, msg->key, msg->first, msg->last, on_release, &x);
	} else {
		const unsigned int max = RTE_MIN((unsigned int)msg->max, resend_budget(bl, msg->o));

		bl->c[msg->o].nacks_rx++;
		bl->resend_n[msg->o] += rel_buf_nack(b, msg->key, msg->first, msg->last, now,
				r->hz * BREL_NACK_GAP_MS / 1000, max, on_resend, &x);
	}
}

uint32_t
brel_poll(struct stp_lcore *lc)
{
	const struct stp_pipeline *pl = lc->pl;
	const struct brel_rt *r = rt_of(pl);
	struct brel_lcore *bl = broker_lc(lc)->rel;
	const uint64_t now = brel_tsc();
	uint32_t work = 0;

	if (bl->ctrl != NULL) {
		struct brel_msg msg[32];
		unsigned int n = rte_ring_sc_dequeue_burst_elem(
				bl->ctrl, msg, sizeof(msg[0]), RTE_DIM(msg), NULL);

		for (unsigned int i = 0; i < n; i++)
			msg_apply(lc, bl, &msg[i], now);
		work += n;
	}
	if (bl->replay != NULL && pl->phase == STP_PHASE_RUN) {
		struct brel_replay_msg rm[32];
		unsigned int n = rte_ring_sc_dequeue_burst_elem(
				bl->replay, rm, sizeof(rm[0]), RTE_DIM(rm), NULL);

		for (unsigned int i = 0; i < n; i++) {
			struct rte_mbuf *m = rm[i].m;
			const unsigned int o = (unsigned int)rm[i].o;
			const uint16_t hl = pl->tunnels[o].hdr_len;
			struct rel_span span;

			span_of(rte_pktmbuf_mtod_offset(m, const uint8_t *, hl),
					rte_pktmbuf_data_len(m) - hl, &span);
			pkt_meta(m)->out_port = pl->tunnels[o].port_id;
			brel_keep(lc, o, m, &span);
			bl->c[o].replayed++;
			lc->stats.generated++;
			stp_tx_emit_port(lc, pl->tunnels[o].port_id, &m, 1);
		}
		work += n;
	}
	if (now >= bl->next_tick) {
		bl->next_tick = now + r->hz * BREL_TICK_US / 1000000;
		if (now - bl->resend_sec >= r->hz) {
			bl->resend_sec = now;
			memset(bl->resend_n, 0, sizeof(bl->resend_n));
		}
		for (unsigned int o = 0; o < CFG_MAX_OUTPUTS; o++) {
			struct cb_ctx x = { lc, bl, o, 0 };
			uint64_t before;

			if (bl->buf[o] == NULL)
				continue;
			before = bl->c[o].resent;
			rel_buf_tick(bl->buf[o], now, r->window[o], r->hz * BREL_RTO_MS / 1000,
					RTE_MIN((unsigned int)BREL_MAX_RESEND,
							resend_budget(bl, o)),
					on_dead, on_resend, &x);
			bl->resend_n[o] += (uint32_t)(bl->c[o].resent - before);
		}
	}
	if (r->collector && now >= bl->next_ack) {
		bl->next_ack = now + r->hz * BREL_ACK_MS / 1000;
		acks_written(lc, bl, now);
		acks_send(lc, bl, now);
	}
	return work;
}

/* ---------------------------------------------------------------------------------------- */
/* Set-up and tear-down (control thread). */

int
brel_init(struct stp_pipeline *pl)
{
	const struct stp_config *cfg = pl->cfg;
	struct brel_rt *r;
	uint64_t held = 0;

	if (!brel_wanted(cfg) && cfg->node.role != CFG_ROLE_COLLECTOR)
		return 0;
	r = rte_zmalloc("stp_brel", sizeof(*r), RTE_CACHE_LINE_SIZE);
	if (r == NULL)
		goto nomem;
	broker_pl(pl)->rel = r;
	r->hz = rte_get_tsc_hz();
	r->collector = cfg->node.role == CFG_ROLE_COLLECTOR;
	for (unsigned int o = 0; o < outputs_cfg_of(cfg)->nb_outputs; o++) {
		const struct cfg_output *co = &outputs_cfg_of(cfg)->outputs[o];
		struct pcapng_conf pc;
		struct pcapng_if pif;
		char err[256];

		if (co->type != CFG_OUTPUT_STAMPEDE || !co->reliable)
			continue;
		r->rel_mask |= 1u << o;
		r->window[o] = r->hz * co->resend_window_s;
		held += (uint64_t)co->resend_buffer * pl->nb_workers;
		if (co->spool[0] != '\0')
			snprintf(r->spool_path[o], sizeof(r->spool_path[o]), "%s", co->spool);
		else
			snprintf(r->spool_path[o], sizeof(r->spool_path[o]),
					"stampede-dlq-%s.pcapng", co->name);
		pcapng_conf_defaults(&pc);
		snprintf(pc.path, sizeof(pc.path), "%s", r->spool_path[o]);
		pc.ring_size = RTE_MAX(1024u, co->resend_buffer);
		pc.comments = false;
		memset(&pif, 0, sizeof(pif));
		snprintf(pif.name, sizeof(pif.name), "%s", co->name);
		snprintf(pif.description, sizeof(pif.description),
				"stampede dead letters of output %s", co->name);
		pif.port_id = pl->tunnels[o].port_id;
		r->spool[o] = pcapng_writer_create(co->name, &pc, &pif, 1, err, sizeof(err));
		if (r->spool[o] == NULL) {
			snprintf(pl->err, sizeof(pl->err), "outputs[%u].spool: %s", o, err);
			return -EINVAL;
		}
	}
	if (held > cfg->mempool_size / 2)
		BREL_LOG(WARNING,
				"reliable outputs may hold %" PRIu64
				" mbufs (resend_buffer_pkts x %u workers) of a pool of %u: a dead "
				"consumer can starve the pool (its datagrams then drop as encap_no_mbuf)",
				held, pl->nb_workers, cfg->mempool_size);
	for (unsigned int w = 0; w < pl->nb_workers; w++) {
		struct stp_lcore *lc = pl->workers[w];
		const int sock = (int)rte_lcore_to_socket_id(lc->lcore_id);
		struct brel_lcore *bl;
		char name[RTE_RING_NAMESIZE];

		bl = rte_zmalloc_socket("stp_brel_lc", sizeof(*bl), RTE_CACHE_LINE_SIZE, sock);
		if (bl == NULL)
			goto nomem;
		broker_lc(lc)->rel = bl;
		if (r->rel_mask == 0)
			continue;
		snprintf(name, sizeof(name), "brel_c%u", w);
		bl->ctrl = rte_ring_create_elem(
				name, sizeof(struct brel_msg), BREL_CTRL_RING, sock, RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "brel_r%u", w);
		bl->replay = rte_ring_create_elem(name, sizeof(struct brel_replay_msg),
				BREL_REPLAY_RING, sock, RING_F_SC_DEQ);
		if (bl->ctrl == NULL || bl->replay == NULL)
			goto nomem;
		for (unsigned int o = 0; o < outputs_cfg_of(cfg)->nb_outputs; o++) {
			uint32_t size = outputs_cfg_of(cfg)->outputs[o].resend_buffer;

			if (!(r->rel_mask >> o & 1))
				continue;
			bl->buf[o] = rte_zmalloc_socket("stp_brel_buf", rel_buf_size(size),
					RTE_CACHE_LINE_SIZE, sock);
			if (bl->buf[o] == NULL)
				goto nomem;
			rel_buf_init(bl->buf[o], size);
		}
	}
	return 0;
nomem:
	snprintf(pl->err, sizeof(pl->err), "out of memory (resend transport)");
	return -ENOMEM;
}

void
brel_stop(struct stp_pipeline *pl)
{
	struct brel_rt *r = rt_of(pl);

	if (r == NULL)
		return;
	for (unsigned int w = 0; w < pl->nb_workers; w++) {
		struct stp_lcore *lc = pl->workers[w];
		struct brel_lcore *bl = broker_lc(lc)->rel;
		struct brel_replay_msg rm;

		if (bl == NULL)
			continue;
		for (unsigned int o = 0; o < CFG_MAX_OUTPUTS; o++) {
			struct cb_ctx x = { lc, bl, o, 2 };

			if (bl->buf[o] != NULL)
				rel_buf_flush(bl->buf[o], on_dead, &x);
		}
		/* Replays not sent yet are still in their file. */
		while (bl->replay != NULL &&
				rte_ring_sc_dequeue_elem(bl->replay, &rm, sizeof(rm)) == 0)
			rte_pktmbuf_free(rm.m);
	}
	for (unsigned int o = 0; o < CFG_MAX_OUTPUTS; o++)
		if (r->spool[o] != NULL) {
			pcapng_writer_close(r->spool[o], 5000, &r->spool_final[o]);
			r->spool[o] = NULL;
		}
}

void
brel_fini(struct stp_pipeline *pl)
{
	struct brel_rt *r = rt_of(pl);

	if (r == NULL)
		return;
	brel_stop(pl);
	for (unsigned int w = 0; w < pl->nb_workers; w++) {
		struct brel_lcore *bl = broker_lc(pl->workers[w])->rel;

		if (bl == NULL)
			continue;
		for (unsigned int o = 0; o < CFG_MAX_OUTPUTS; o++)
			rte_free(bl->buf[o]);
		rte_ring_free(bl->ctrl);
		rte_ring_free(bl->replay);
		rte_free(bl);
		broker_lc(pl->workers[w])->rel = NULL;
	}
	rte_free(r);
	broker_pl(pl)->rel = NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Counters and replay (control thread). */

void
brel_json(const struct stp_pipeline *pl, json_t *root)
{
	const struct brel_rt *r = rt_of(pl);
	json_t *outs = json_object_get(root, "outputs");
	uint64_t acks = 0, nacks = 0, nomb = 0, cdg = 0, cbad = 0, cfor = 0, cfull = 0;
	json_t *t;

	if (r == NULL)
		return;
	for (unsigned int w = 0; w < pl->nb_workers; w++) {
		const struct brel_lcore *bl = broker_lc(pl->workers[w])->rel;

		if (bl == NULL)
			continue;
		acks += bl->acks_sent;
		nacks += bl->nacks_sent;
		nomb += bl->ack_no_mbuf;
		cdg += bl->ctrl_dg;
		cbad += bl->ctrl_bad;
		cfor += bl->ctrl_foreign;
		cfull += bl->ctrl_ring_full;
	}
	t = json_object();
	json_object_set_new(t, "acks_sent", json_integer((json_int_t)acks));
	json_object_set_new(t, "nacks_sent", json_integer((json_int_t)nacks));
	json_object_set_new(t, "ack_no_mbuf", json_integer((json_int_t)nomb));
	json_object_set_new(t, "ctrl_received", json_integer((json_int_t)cdg));
	json_object_set_new(t, "ctrl_malformed", json_integer((json_int_t)cbad));
	json_object_set_new(t, "ctrl_foreign", json_integer((json_int_t)cfor));
	json_object_set_new(t, "ctrl_ring_full", json_integer((json_int_t)cfull));
	json_object_set_new(root, "transport", t);
	for (unsigned int o = 0; o < CFG_MAX_OUTPUTS && outs != NULL; o++) {
		struct brel_ctr s;
		uint64_t held = 0;
		json_t *e, *d;

		if (!(r->rel_mask >> o & 1))
			continue;
		memset(&s, 0, sizeof(s));
		for (unsigned int w = 0; w < pl->nb_workers; w++) {
			const struct brel_lcore *bl = broker_lc(pl->workers[w])->rel;
			const uint64_t *a = (const uint64_t *)&bl->c[o];
			uint64_t *sum = (uint64_t *)&s;

			for (size_t k = 0; k < sizeof(s) / sizeof(uint64_t); k++)
				sum[k] += a[k];
			if (bl->buf[o] != NULL)
				held += bl->buf[o]->unacked;
		}
		e = json_object_get(outs, outputs_cfg_of(pl->cfg)->outputs[o].name);
		if (e == NULL)
			continue;
		d = json_object();
#define PUT(obj, k, v) json_object_set_new(obj, k, json_integer((json_int_t)(v)))
		PUT(d, "sent", s.sent);
		PUT(d, "sent_frames", s.sent_frames);
		PUT(d, "acknowledged", s.acked);
		PUT(d, "acknowledged_frames", s.acked_frames);
		PUT(d, "resent", s.resent);
		PUT(d, "dead_lettered", s.dead);
		PUT(d, "dead_lettered_frames", s.dead_frames);
		PUT(d, "dead_window", s.dead_window);
		PUT(d, "dead_buffer_full", s.dead_full);
		PUT(d, "dead_at_stop", s.dead_stop);
		PUT(d, "replayed", s.replayed);
		PUT(d, "acks_received", s.acks_rx);
		PUT(d, "nacks_received", s.nacks_rx);
		PUT(d, "resend_limited", s.resend_limited);
		PUT(d, "held", held);
		{
			json_t *dr = json_object();

			/* Frames lost on the way to the spool, by reason. */
			PUT(dr, "dlq_ring_full", s.dlq_full_frames);
			PUT(dr, "dlq_write_error", r->spool_final[o].error_drops);
			json_object_set_new(d, "dropped", dr);
		}
		json_object_set_new(d, "spool", json_string(r->spool_path[o]));
		PUT(d, "spool_written", r->spool_final[o].pkts);
#undef PUT
		json_object_set_new(e, "reliable", d);
	}
}

json_t *
brel_replay(struct stp_pipeline *pl, const char *name, const char *file, char *err, size_t errlen)
{
	const struct brel_rt *r = rt_of(pl);
	char perr[PCAP_ERRBUF_SIZE], cur[CFG_PATH_LEN];
	unsigned int o;
	struct pcap_pkthdr *ph;
	const u_char *data;
	uint64_t n = 0, skipped = 0;
	pcap_t *pc;
	json_t *res;
	int rc;

	for (o = 0; o < outputs_cfg_of(pl->cfg)->nb_outputs; o++)
		if (strcmp(outputs_cfg_of(pl->cfg)->outputs[o].name, name) == 0)
			break;
	if (o == outputs_cfg_of(pl->cfg)->nb_outputs || r == NULL || !(r->rel_mask >> o & 1)) {
		snprintf(err, errlen, "%s: not a reliable stampede output", name);
		return NULL;
	}
	if (!pl->launched || pl->phase != STP_PHASE_RUN) {
		snprintf(err, errlen, "the datapath is not running");
		return NULL;
	}
	if (file == NULL || file[0] == '\0') {
		/* The file being written (the path may have strftime fields), else the path. */
		cur[0] = '\0';
		if (r->spool[o] != NULL)
			pcapng_writer_path(r->spool[o], cur, sizeof(cur));
		file = cur[0] != '\0' ? cur : r->spool_path[o];
	}
	pc = pcap_open_offline(file, perr);
	if (pc == NULL) {
		snprintf(err, errlen, "%s: %s", file, perr);
		return NULL;
	}
	while ((rc = pcap_next_ex(pc, &ph, &data)) == 1) {
		const uint16_t hl = pl->tunnels[o].hdr_len;
		struct brel_replay_msg rm;
		struct brel_lcore *bl;
		struct sph_hdr h;
		unsigned int w, tries = 0;
		uint8_t *p;

		if (ph->caplen != ph->len || ph->caplen <= hl ||
				sph_decode(data + hl, ph->caplen - hl, &h) <= 0) {
			skipped++;
			continue;
		}
		w = (unsigned int)(h.stream >> 8) < pl->nb_workers ? h.stream >> 8 : 0;
		bl = broker_lc(pl->workers[w])->rel;
		rm.m = rte_pktmbuf_alloc(pl->ports->pool);
		if (rm.m == NULL ||
				(p = (uint8_t *)rte_pktmbuf_append(rm.m, (uint16_t)ph->caplen)) ==
						NULL) {
			rte_pktmbuf_free(rm.m);
			snprintf(err, errlen, "%s: no mbuf after %" PRIu64 " datagrams", file, n);
			pcap_close(pc);
			return NULL;
		}
		memcpy(p, data, ph->caplen);
		rm.o = o;
		/* Paced by the worker: wait while its ring is full (up to 10 s). */
		while (rte_ring_mp_enqueue_elem(bl->replay, &rm, sizeof(rm)) != 0) {
			if (++tries > 10000 || pl->phase != STP_PHASE_RUN) {
				rte_pktmbuf_free(rm.m);
				snprintf(err, errlen,
						"%s: the worker does not take replays (%" PRIu64
						" sent)",
						file, n);
				pcap_close(pc);
				return NULL;
			}
			usleep(1000);
		}
		n++;
	}
	pcap_close(pc);
	res = json_object();
	json_object_set_new(res, "output", json_string(name));
	json_object_set_new(res, "file", json_string(file));
	json_object_set_new(res, "replayed", json_integer((json_int_t)n));
	json_object_set_new(res, "skipped", json_integer((json_int_t)skipped));
	return res;
}
