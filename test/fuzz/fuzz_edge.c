/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * libFuzzer target: what an edge reads back from the network, the acknowledgements (ACK / NACK
 * control records) of its reliable stampede output (lib/broker/reliable.c: brel_edge_burst(),
 * ctrl_output(), ctrl_read(), the owner's control ring, msg_apply(); lib/encap: sph_decode(),
 * sph_ctrl_parse(), sph_auth_verify(), rel_buf_ack() / rel_buf_nack()), on a real pipeline as a
 * datapath lcore runs it.
 *
 * A target of its own rather than a fifth pipeline of fuzz_collect: its input is not a burst of
 * datagrams to one receiver but a run of frames to send first (the spool they leave is the
 * state under attack) and then control datagrams; its checks follow each kept datagram (held,
 * released, resent), which fuzz_collect's pipelines do not have; and each input builds its
 * pipeline afresh (below), which fuzz_collect's four long-lived ones do not need.
 *
 * LLVMFuzzerInitialize starts the EAL (--no-huge, a file prefix of its own) and the ports (net
 * "net_null0" and "net_null1": tap ports, never polled; out "net_ring0", MTU 1000: the reliable
 * output's port, whose net_ring loops what the edge sends back to its RX queue, so this target
 * reads every datagram the edge sent or resent), and parses the four configurations. Each input
 * then creates its pipeline and destroys it at the end: an edge (node 7) whose output "up"
 * (reliable, resend_buffer_pkts 1024, so nothing is pushed into the spool by a full ring;
 * resend_window_s 1) sends to the collector 02:00:00:00:00:09 / 10.0.0.1. Every input starts
 * from a clean state (no numbers sent, no spool, no resend budget spent, the transport's clock
 * brel_tsc() back at the TSC: brel_tsc_skew 0): a crash reproduces from its input alone.
 *
 * Time: the transport reads its clock through brel_tsc() (broker_rel.h), the TSC plus the test
 * hook brel_tsc_skew, which this target advances: a clock step lets virtual time pass without
 * waiting, so resend timeouts (BREL_RTO_MS 50), the NACK gap (BREL_NACK_GAP_MS 10), the resend
 * window (1 s) and dead-lettering into the spool are reached. Real time passes too (a few ms):
 * each datagram's keep time is known within [a, b] (brel_tsc() before and after) and each
 * poll's within [p_lo, p_hi], and the checks hold for any time in those bounds.
 *
 * Input:
 * byte 0 selects
 *   bits 0-1  the pipeline: 0 UDP transport; 1 UDP with node.auth (key 1, required); 2 Ethernet
 *             transport (EtherType 0x88B5); 3 UDP with node.auth not required;
 *   bit 2     sign each control datagram with key 1 (an authentication record appended);
 *   bit 3     the control datagrams come from another address (IP 10.0.0.66; with the
 *             Ethernet transport, MAC 02:00:00:00:00:66): each must be refused, sph_ctrl_source;
 *   bits 4-5  control datagrams: 1 + value % 3; the first ones' lengths are taken from 2-byte
 *             prefixes of the rest (each modulo what is left), as fuzz_collect does;
 *   bit 6     the frames come from both tap ports in turn (two stream keys in the spool);
 *   bit 7     structured: each control datagram's bytes are items of 5 bytes (see items_of())
 *             written by sph_ctrl_encode() (valid records naming numbers near those sent);
 *             else they are the datagram's bytes as they are.
 * byte 1      frames sent before the control datagrams: value % 201;
 * byte 2      bits 0-5: frame lengths, 60 + (i * 61) % (1 + 24 * value) (up to 1572 bytes: more
 *             than the output's datagram, so some are fragmented); bit 6: clock steps (below);
 *             bit 7: after the control datagrams, 1 + byte 1 % 4 frames more are sent (must be
 *             held: no acknowledgement read before covers them).
 * With byte 2 bit 6, the input's last byte L gives 1 + L % 8 clock steps, the bytes before L,
 * taken off the end; step i runs after control datagram i (the rest after the last one). Step
 * byte c: bit 7 replays first what was dead-lettered and not replayed yet (up to 256
 * datagrams, and not past 960 held: a full ring's pushes are not modelled; through brel_replay(),
 * the console's "replay up FILE", from a pcap file of the bytes this target read back: the worker's
 * next poll keeps and resends them); then the clock advances by {1, 5, 11, 49, 51, 300, 999,
 * 1001}[c & 7] + 7 * ((c >> 3) & 15) ms and the broker polls (its tick: window expiry, timeout
 * resends). The rest: the control datagrams (UDP payloads, or the bytes after the Ethernet header).
 * Each is malloc'd with exactly its frame's length and attached as an external buffer, so ASan
 * reports a read past it; each is its own burst, followed by the broker's poll (which applies
 * what the burst queued on the owner's control ring).
 *
 * Checks, besides no crash, no ASan or UBSan report:
 *  - every datagram the edge sends is kept (its mbuf's reference count is 2 when it comes back
 *    from the ring: this target's and the edge's); every datagram that comes back again is a
 *    resend: the same mbuf as one sent before, byte-equal to it as first sent, held by the edge
 *    (not dead-lettered) when the poll that resent it began; its numbers overlap a NACK read
 *    from an accepted datagram (never after a clock step: none is read then), or it is a
 *    timeout resend: a number of it is behind the highest an accepted ACK named for its
 *    stream, and it was last sent more than BREL_RTO_MS before that poll ended (virtual
 *    clock); at most 32 resends follow one control datagram (BREL_NACK_RESEND), plus those;
 *  - dead-lettering: when the dead_lettered counter grows by k in a poll, the datagrams are
 *    the first k held before it (in the order kept; replays of that poll included; those an
 *    ACK of that poll released left out), each kept more than the window before the poll
 *    ended: never early (reverting the saturating age() of lib/encap/rel.c, where a replay
 *    kept after the poll's clock read looked 2^64 cycles old, fails seed clock-replay here);
 *    after a clock step, every datagram kept more than the window before the poll began is
 *    among them, the others are still held; a dead-lettered one is never resent;
 *  - a replay of k dead-lettered datagrams reports k replayed, 0 skipped, and each comes back
 *    as a new datagram, kept (the counter "replayed" counts them all);
 *  - a datagram the edge released (its reference count back to 1) has each of its (stream,
 *    numbers) slots covered by one ACK range read from an accepted control datagram: no
 *    acknowledgement frees what it does not name; the numbers sent after the control datagrams
 *    are all held;
 *  - every datagram kept is exactly one of acknowledged, dead-lettered or held: the edge's
 *    counters (brel_json: sent, acknowledged, held, dead_lettered, dead_window, replayed)
 *    equal what this target counted (held: reference count 2 and not dead-lettered);
 *  - each control datagram is consumed or a counted drop with a named reason (consumed + drops
 *    == 1 for each), one from another address is sph_ctrl_source, one consumed decodes whole
 *    (a malformed one is a drop: none of its items is read), and none is transmitted;
 *  - at the end a valid ACK of every number sent (sph_ctrl_encode(), signed when node.auth has
 *    keys) releases every datagram still held (dead-lettered ones stay the spool writer's until
 *    it wrote them); then the accounting invariant holds (received +
 *    replicated + generated == transmitted + captured + consumed + dropped) and, once the
 *    pipeline is destroyed, the mempool has as many mbufs in use as before the input (no leak).
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fuzz.h"
#include "fuzz_mbuf.h"
#include "broker.h"
#include "broker_rel.h"
#include "cfg.h"
#include "cfg_section.h"
#include "clock.h"
#include "feature.h"
#include "pipeline.h"
#include "pkt.h"
#include "port.h"
#include "sph.h"
#include "sph_auth.h"

#define NB_PL 4
#define PL_ETHER 2
#define MAX_CTRL 3
#define MAX_FRAMES 200
#define MAX_DG 2048    /* datagrams one input may see sent (fragments included) */
#define MAX_ITEMS 4096 /* items of the accepted control datagrams */
#define FRAME_MAX 9600
#define NACK_RESEND 32	    /* BREL_NACK_RESEND (reliable.c) */
#define RTO_MS 50	    /* BREL_RTO_MS: a resend behind an ACK needs that long */
#define WINDOW_S 1	    /* outputs[0].resend_window_s */
#define MAX_STEPS 8	    /* clock steps of one input */
#define MAX_REPLAY 256	    /* datagrams of one replay (the worker's replay ring: 512) */
#define REPLAY_HELD_MAX 960 /* no replay past this many held (resend_buffer_pkts 1024) */

extern const struct stp_feature stp_feature_broker;

/* 32 bytes of 'Z' (0x5a): key 1, as fuzz_collect's. */
static const uint8_t key[32] = "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ";
static const uint8_t coll_mac[6] = { 2, 0, 0, 0, 0, 9 }, other_mac[6] = { 2, 0, 0, 0, 0, 0x66 };
static const uint8_t coll_ip[4] = { 10, 0, 0, 1 }, other_ip[4] = { 10, 0, 0, 66 };
static const uint8_t edge_ip[4] = { 192, 168, 1, 2 };

static struct stp_config cfgs[NB_PL];
static struct stp_pipeline pl;
static struct port_set ports;
static struct sph_auth *signer;
static uint16_t port_in[2], port_out;
static char key_path[64], spool_path[64], replay_path[64];
static bool verbose; /* FUZZ_EDGE_VERBOSE set: a line per input */

static const char *const cfg_fmt =
		"{\"eal\": {\"hugepages\": false, \"file_prefix\": \"fuzzedge%d\", \"memory_mb\": 512},"
		" \"mempool\": {\"size\": 8191},"
		" \"ports\": [{\"name\": \"net\", \"device\": \"net_null0\"},"
		"  {\"name\": \"net2\", \"device\": \"net_null1\"},"
		"  {\"name\": \"out\", \"device\": \"net_ring0\", \"mtu\": 1000}],"
		" \"node\": {\"id\": 7, \"role\": \"edge\"%s},"
		" \"outputs\": [{\"name\": \"up\", \"type\": \"stampede\", \"port\": \"out\","
		"  \"dst_mac\": \"02:00:00:00:00:09\", %s \"reliable\": true,"
		"  \"resend_buffer_pkts\": 1024, \"resend_window_s\": 1, \"spool\": \"%s\"}],"
		" \"rules\": [{\"name\": \"all\", \"in\": [\"net\", \"net2\"], \"action\": \"forward\","
		"  \"out\": \"up\"}]}";

/* A datagram the edge sent: the mbuf (this target holds a reference), its bytes, its slots. */
struct sent_dg {
	struct rte_mbuf *m;
	uint8_t *copy;
	uint16_t len;
	uint64_t a, b;	 /* brel_tsc() before it was kept, and when read back: kept in [a, b] */
	uint64_t t_last; /* brel_tsc() before its last (re)send: sent last at or after it */
	bool held;	 /* the edge held it before the last poll (poll_all()) */
	bool dead;	 /* dead-lettered (clock_step() saw the counter grow for it) */
	bool replayed;	 /* its bytes were replayed (replay_dead()) */
	struct rel_span span;
};

static struct sent_dg dgs[MAX_DG];
static unsigned int nb_dgs;
static struct sph_ctrl_item items[MAX_ITEMS]; /* read from accepted control datagrams */
static unsigned int nb_items;
static unsigned int nb_dead, nb_replayed; /* datagrams dead-lettered, replayed */
static uint64_t t_mark;			  /* brel_tsc() before what may keep new datagrams */
static uint64_t p_lo, p_hi;		  /* brel_tsc() around the last poll_all() */

static void
ip_csum(uint8_t *ip)
{
	uint32_t s = 0;

	ip[10] = ip[11] = 0;
	for (unsigned int i = 0; i < 20; i += 2)
		s += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	ip[10] = (uint8_t)(~s >> 8);
	ip[11] = (uint8_t)~s;
}

/*
 * Ethernet / IPv4 / UDP (@p sport, @p dport) around @p len bytes of @p pl from @p src to
 * @p dst into @p f; with @p ether, Ethernet with EtherType 0x88B5. Returns the frame's length.
 */
static uint32_t
wrap(uint8_t *f, const uint8_t *payload, uint32_t len, bool ether, const uint8_t *smac,
		const uint8_t *src, const uint8_t *dst, uint16_t sport, uint16_t dport)
{
	static const uint8_t edge_mac[6] = { 2, 0, 0, 0, 0, 7 };
	uint32_t o = 14;

	memcpy(f, edge_mac, 6);
	memcpy(f + 6, smac, 6);
	if (ether) {
		f[12] = SPH_ETHERTYPE >> 8;
		f[13] = SPH_ETHERTYPE & 0xff;
		memcpy(f + 14, payload, len);
		return 14 + len;
	}
	f[12] = 0x08;
	f[13] = 0x00;
	f[o] = 0x45;
	f[o + 1] = 0;
	f[o + 2] = (uint8_t)((20 + 8 + len) >> 8);
	f[o + 3] = (uint8_t)(20 + 8 + len);
	memset(f + o + 4, 0, 4);
	f[o + 8] = 64;
	f[o + 9] = 17;
	memcpy(f + o + 12, src, 4);
	memcpy(f + o + 16, dst, 4);
	ip_csum(f + o);
	o += 20;
	f[o] = (uint8_t)(sport >> 8);
	f[o + 1] = (uint8_t)sport;
	f[o + 2] = (uint8_t)(dport >> 8);
	f[o + 3] = (uint8_t)dport;
	f[o + 4] = (uint8_t)((8 + len) >> 8);
	f[o + 5] = (uint8_t)(8 + len);
	f[o + 6] = f[o + 7] = 0;
	memcpy(f + o + 8, payload, len);
	return o + 8 + len;
}

static void
load(int k, int pid)
{
	static char text[4096], node[256];
	const char *addr = k == PL_ETHER ? "\"transport\": \"ether\"," :
					   "\"src_ip\": \"192.168.1.2\", \"dst_ip\": \"10.0.0.1\",";
	char err[CFG_ERR_LEN];

	node[0] = '\0';
	if (k == 1 || k == 3)
		snprintf(node, sizeof(node),
				", \"auth\": {\"required\": %s, \"keys\": [{\"id\": 1, \"file\": "
				"\"%s\"}]}",
				k == 1 ? "true" : "false", key_path);
	snprintf(text, sizeof(text), cfg_fmt, pid, node, addr, spool_path);
	if (cfg_load_string(text, "fuzz_edge.json", &cfgs[k], err) != 0) {
		fprintf(stderr, "fuzz_edge: config %d: %s\n", k, err);
		abort();
	}
}

static void
eal_start(void)
{
	fuzz_eal_ports(&cfgs[0], "fuzz_edge", &ports);
	FUZZ_ASSERT(rte_eth_dev_get_port_by_name("net_null0", &port_in[0]) == 0);
	FUZZ_ASSERT(rte_eth_dev_get_port_by_name("net_null1", &port_in[1]) == 0);
	FUZZ_ASSERT(rte_eth_dev_get_port_by_name("net_ring0", &port_out) == 0);
}

static void
spool_unlink(void)
{
	unlink(spool_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sph_auth_key k = { .id = 1, .len = sizeof(key) };
	FILE *f;

	(void)argc;
	(void)argv;
	snprintf(key_path, sizeof(key_path), "/tmp/fuzz_edge.%d.key", (int)getpid());
	snprintf(spool_path, sizeof(spool_path), "/tmp/fuzz_edge.%d.dlq.pcapng", (int)getpid());
	snprintf(replay_path, sizeof(replay_path), "/tmp/fuzz_edge.%d.replay.pcap", (int)getpid());
	f = fopen(key_path, "w");
	FUZZ_ASSERT(f != NULL && fwrite(key, sizeof(key), 1, f) == 1 && fclose(f) == 0);
	cfg_use_sections(stp_features_cfg());
	for (int i = 0; i < NB_PL; i++)
		load(i, (int)getpid());
	unlink(key_path);
	eal_start();
	atexit(spool_unlink);
	memcpy(k.key, key, sizeof(key));
	verbose = getenv("FUZZ_EDGE_VERBOSE") != NULL;
	signer = sph_auth_create(&k, 1, 1);
	FUZZ_ASSERT(signer != NULL);
	return 0;
}

/* Flush the lcore's TX buffers (the run loop does so at the end of each iteration). */
static void
tx_flush(struct stp_lcore *lc)
{
	for (uint16_t port = 0; port < PORT_MAX; port++) {
		struct stp_txbuf *t = &lc->txbuf[port];
		uint16_t sent;

		if (t->n == 0)
			continue;
		sent = rte_eth_tx_burst(port, (uint16_t)lc->tx_idx, t->pkts, t->n);
		rte_pktmbuf_free_bulk(&t->pkts[sent], t->n - sent);
		lc->stats.drops[STP_DROP_TX_QUEUE_FULL] += t->n - sent;
		lc->stats.tx_pkts += sent;
		lc->stats.port_tx[port] += sent;
		t->n = 0;
	}
	lc->tx_dirty = 0;
}

/* Hand @p n packets of @p port to the worker stages, as the RX stage does. */
static void
rx(struct stp_lcore *lc, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	uint32_t max_len = 0;

	for (uint16_t i = 0; i < n; i++) {
		pkts[i]->port = port;
		max_len = RTE_MAX(max_len, rte_pktmbuf_pkt_len(pkts[i]));
	}
	lc->stats.rx_pkts += n;
	lc->stats.port_rx[port] += n;
	lc->hint.valid = true;
	lc->hint.multiseg = false;
	lc->hint.port = port;
	lc->hint.max_len = max_len;
	lc->hint.port_lazy = false;
	stp_worker_from(lc, 0, pkts, n);
}

/* The broker's poll until its control ring is empty (it takes 32 items a call). */
static void
poll_all(struct stp_lcore *lc)
{
	/*
	 * What the edge holds now: only that may be resent. A dead-lettered datagram's reference
	 * is the spool writer's until it has written it (another thread): not the edge's.
	 */
	for (unsigned int i = 0; i < nb_dgs; i++)
		dgs[i].held = !dgs[i].dead && rte_mbuf_refcnt_read(dgs[i].m) == 2;
	p_lo = brel_tsc();
	t_mark = p_lo;
	for (unsigned int i = 0; i < 64 && stp_feature_broker.poll(lc) > 0; i++)
		;
	p_hi = brel_tsc();
}

/* The slots of datagram @p d (records after the outer headers of @p hl bytes). */
static void
span_read(const uint8_t *d, uint32_t len, uint32_t hl, struct rel_span *s)
{
	struct sph_hdr h;
	uint32_t off = hl;
	int rc;

	memset(s, 0, sizeof(*s));
	while (off < len && (rc = sph_decode(d + off, len - off, &h)) > 0) {
		if (!(h.flags & SPH_F_CTRL)) {
			FUZZ_ASSERT(h.node == 7 && (h.flags & SPH_F_RELIABLE));
			FUZZ_ASSERT((h.stream >> 8) == 0);
			FUZZ_ASSERT(rel_span_add(s, (uint8_t)h.stream, h.seq));
		}
		off += (uint32_t)rc;
	}
	FUZZ_ASSERT(s->nb > 0);
}

/* The datagram this target keeps as mbuf @p m, or NULL. */
static struct sent_dg *
dg_find(const struct rte_mbuf *m)
{
	for (unsigned int i = 0; i < nb_dgs; i++)
		if (dgs[i].m == m)
			return &dgs[i];
	return NULL;
}

static bool
nack_covers(const struct sent_dg *d)
{
	for (unsigned int i = 0; i < nb_items; i++) {
		const struct sph_ctrl_item *it = &items[i];

		if (it->type != SPH_TLV_NACK || (it->stream >> 8) != 0)
			continue;
		for (unsigned int s = 0; s < d->span.nb; s++)
			if (d->span.key[s] == (it->stream & 0xff) && d->span.lo[s] <= it->last &&
					d->span.hi[s] >= it->first)
				return true;
	}
	return false;
}

/* Whether one ACK range read covers slot @p s of @p d. */
static bool
ack_covers(const struct sent_dg *d, unsigned int s)
{
	for (unsigned int i = 0; i < nb_items; i++) {
		const struct sph_ctrl_item *it = &items[i];

		if (it->type == SPH_TLV_ACK && (it->stream >> 8) == 0 &&
				(it->stream & 0xff) == d->span.key[s] &&
				it->first <= d->span.lo[s] && d->span.hi[s] <= it->last)
			return true;
	}
	return false;
}

/*
 * Whether a slot of @p d is behind the highest number an accepted ACK named for its stream (a
 * superset of what the edge read: the edge's own max_acked is not above it).
 */
static bool
behind(const struct sent_dg *d)
{
	for (unsigned int s = 0; s < d->span.nb; s++)
		for (unsigned int i = 0; i < nb_items; i++) {
			const struct sph_ctrl_item *it = &items[i];

			if (it->type == SPH_TLV_ACK && (it->stream >> 8) == 0 &&
					(it->stream & 0xff) == d->span.key[s] &&
					d->span.hi[s] < it->last + 1)
				return true;
		}
	return false;
}

/*
 * What the edge sent since the last call: new datagrams kept (recorded), resends checked and
 * freed. Returns the resends.
 */
static unsigned int
read_back(uint32_t hl, uint64_t t_first, uint64_t hz, bool tick_only)
{
	struct rte_mbuf *got[64];
	unsigned int resent = 0;
	uint16_t n;

	while ((n = rte_eth_rx_burst(port_out, 0, got, RTE_DIM(got))) > 0) {
		for (uint16_t j = 0; j < n; j++) {
			struct rte_mbuf *m = got[j];
			struct sent_dg *d = dg_find(m);

			FUZZ_ASSERT(m->nb_segs == 1 && m->data_len > hl);
			if (d == NULL) {
				/* A new datagram: kept by the edge too. */
				FUZZ_ASSERT(rte_mbuf_refcnt_read(m) == 2);
				FUZZ_ASSERT(nb_dgs < MAX_DG);
				d = &dgs[nb_dgs++];
				d->m = m;
				d->len = m->data_len;
				d->copy = malloc(d->len);
				FUZZ_ASSERT(d->copy != NULL);
				memcpy(d->copy, rte_pktmbuf_mtod(m, const uint8_t *), d->len);
				d->a = t_mark;
				d->b = brel_tsc();
				d->t_last = d->a;
				d->held = true;
				d->dead = false;
				d->replayed = false;
				span_read(d->copy, d->len, hl, &d->span);
				continue;
			}
			/*
			 * A resend: a datagram the edge held before the poll (an ACK after the
			 * NACK in the same poll may have released it since: then only this
			 * target's two references are left), byte-equal to what was first sent,
			 * asked for by a NACK or (after the RTO) left behind a newer acknowledged
			 * number.
			 */
			FUZZ_ASSERT(d->held && !d->dead);
			FUZZ_ASSERT(rte_mbuf_refcnt_read(m) == 2 || rte_mbuf_refcnt_read(m) == 3 ||
					brel_tsc() - t_first > hz * RTO_MS / 1000);
			FUZZ_ASSERT(m->data_len == d->len &&
					memcmp(rte_pktmbuf_mtod(m, const uint8_t *), d->copy,
							d->len) == 0);
			/*
			 * Asked for by a NACK (not after a clock step: none is read then), or a
			 * timeout: left behind a newer acknowledged number, last sent more than
			 * the RTO before the poll that resent it ended (virtual clock).
			 */
			FUZZ_ASSERT((!tick_only && nack_covers(d)) ||
					(behind(d) && p_hi - d->t_last > hz * RTO_MS / 1000));
			d->t_last = p_lo;
			rte_pktmbuf_free(m);
			resent++;
		}
	}
	return resent;
}

/*
 * A released datagram (only this target's reference left) that was not dead-lettered was
 * acknowledged whole.
 */
static void
check_released(void)
{
	for (unsigned int i = 0; i < nb_dgs; i++) {
		const struct sent_dg *d = &dgs[i];
		const uint16_t rc = rte_mbuf_refcnt_read(d->m);

		FUZZ_ASSERT(rc == 1 || rc == 2);
		if (rc == 2 || d->dead)
			continue;
		for (unsigned int s = 0; s < d->span.nb; s++)
			FUZZ_ASSERT(ack_covers(d, s));
	}
}

/* Counter @p k of output "up"'s reliable object (brel_json()). */
static json_int_t
counter(const char *k)
{
	json_t *root = json_object(), *outs = json_object(), *up = json_object();
	json_int_t v;

	json_object_set_new(outs, "up", up);
	json_object_set_new(root, "outputs", outs);
	brel_json(&pl, root);
	FUZZ_ASSERT(json_object_get(up, "reliable") != NULL);
	v = json_integer_value(json_object_get(json_object_get(up, "reliable"), k));
	json_decref(root);
	return v;
}

/*
 * The edge's counters of output "up" (brel_json()): sent, acknowledged, held, dead-lettered,
 * replayed, against this target's count: every datagram kept is exactly one of acknowledged,
 * dead-lettered or held.
 */
static void
check_counters(void)
{
	json_t *root = json_object(), *outs = json_object(), *up = json_object();
	unsigned int held = 0;
	json_t *r;

	json_object_set_new(outs, "up", up);
	json_object_set_new(root, "outputs", outs);
	brel_json(&pl, root);
	r = json_object_get(up, "reliable");
	FUZZ_ASSERT(r != NULL);
	for (unsigned int i = 0; i < nb_dgs; i++)
		held += !dgs[i].dead && rte_mbuf_refcnt_read(dgs[i].m) == 2;
	FUZZ_ASSERT(json_integer_value(json_object_get(r, "sent")) == (json_int_t)nb_dgs);
	FUZZ_ASSERT(json_integer_value(json_object_get(r, "held")) == (json_int_t)held);
	FUZZ_ASSERT(json_integer_value(json_object_get(r, "acknowledged")) ==
			(json_int_t)(nb_dgs - held - nb_dead));
	FUZZ_ASSERT(json_integer_value(json_object_get(r, "dead_lettered")) == (json_int_t)nb_dead);
	FUZZ_ASSERT(json_integer_value(json_object_get(r, "dead_window")) == (json_int_t)nb_dead);
	FUZZ_ASSERT(json_integer_value(json_object_get(r, "replayed")) == (json_int_t)nb_replayed);
	json_decref(root);
}

/* Send frames [@p first, @p first + @p n) from the tap ports, in bursts of one port each. */
static void
send_frames(struct stp_lcore *lc, unsigned int first, unsigned int n, unsigned int step, bool two)
{
	static const uint8_t a[4] = { 10, 1, 0, 1 }, b[4] = { 10, 1, 0, 2 };
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x11 };
	struct rte_mbuf *pkts[STP_MAX_BURST];
	uint8_t payload[1600], f[1700];
	unsigned int burst = 0;

	for (unsigned int i = first; i < first + n;) {
		const unsigned int p = two ? burst & 1 : 0;
		uint16_t k = 0;

		for (; k < 32 && i < first + n; k++, i++) {
			const uint32_t len = 60 + (i * 61) % (1 + 24 * step);
			uint32_t flen;
			uint8_t *d;

			for (uint32_t j = 0; j < len - 42; j++)
				payload[j] = (uint8_t)(i + j);
			flen = wrap(f, payload, len - 42, false, mac, a, b, 7000, 7001);
			pkts[k] = rte_pktmbuf_alloc(ports.pool);
			FUZZ_ASSERT(pkts[k] != NULL);
			d = (uint8_t *)rte_pktmbuf_append(pkts[k], (uint16_t)flen);
			FUZZ_ASSERT(d != NULL);
			memcpy(d, f, flen);
			memset(pkt_meta(pkts[k]), 0, sizeof(struct pkt_meta));
			FUZZ_ASSERT(pkt_parse(pkts[k], pkt_meta(pkts[k])) == 0);
			pkt_meta(pkts[k])->ts_ns = UINT64_C(1700000000000000000) + i;
		}
		rx(lc, port_in[p], pkts, k);
		tx_flush(lc);
		burst++;
	}
}

/*
 * Structured control datagram: items of 5 bytes from @p p (@p len bytes), each
 *   byte 0  bit 0 NACK (else ACK); bits 1-2 the stream key (input port index); bit 3 the
 *           stream of worker 1 (which does not exist); bit 4 first += 2^32; bit 5 count
 *           2^32 - 1 (NACK) / last = 2^63 (ACK); bit 6 first = 0;
 *   bytes 1-2  first (big endian, small: near the numbers sent);
 *   bytes 3-4  count - 1;
 * written by sph_ctrl_encode() (node 7) into @p out. Returns its length (0: none).
 */
static uint32_t
items_of(const uint8_t *p, uint32_t len, uint8_t *out, uint32_t cap)
{
	struct sph_ctrl_item it[64];
	unsigned int n = 0;

	for (uint32_t o = 0; o + 5 <= len && n < RTE_DIM(it); o += 5, n++) {
		const uint8_t c = p[o];
		uint64_t first = (uint64_t)(p[o + 1] << 8 | p[o + 2]);
		const uint64_t cnt = (uint64_t)(p[o + 3] << 8 | p[o + 4]) + 1;

		if (c & 0x10)
			first += UINT64_C(1) << 32;
		if (c & 0x40)
			first = 0;
		it[n].type = (c & 1) ? SPH_TLV_NACK : SPH_TLV_ACK;
		it[n].stream = (uint16_t)((c & 8 ? 0x100 : 0) | ((c >> 1) & 3));
		it[n].first = first;
		if (c & 0x20)
			it[n].last = (c & 1) ? first + UINT32_MAX - 1 : UINT64_C(1) << 63;
		else
			it[n].last = first + cnt - 1;
	}
	if (n == 0)
		return 0;
	return (uint32_t)sph_ctrl_encode(7, it, n, out, cap);
}

/* The items of every control record of datagram @p d (a superset of what the edge read). */
static void
items_add(const uint8_t *d, uint32_t len)
{
	struct sph_hdr h;
	uint32_t off = 0;
	int rc, k;

	while (off < len && (rc = sph_decode(d + off, len - off, &h)) > 0) {
		if ((h.flags & SPH_F_CTRL) && !sph_is_auth(h.flags)) {
			k = sph_ctrl_parse(d + off, &h, items + nb_items, MAX_ITEMS - nb_items);
			if (k > 0)
				nb_items += (unsigned int)k;
		}
		off += (uint32_t)rc;
	}
}

/*
 * Whether datagram @p d decodes whole: records (then, after the first, only zero padding) whose
 * control records to this edge (node 7) have TLVs that parse; another node's records are not
 * read (ctrl_foreign), their TLVs only framed by sph_decode(). The edge reads no item of one
 * that does not (a counted drop).
 */
static bool
decodes_whole(const uint8_t *d, uint32_t len)
{
	struct sph_ctrl_item it[1];
	struct sph_hdr h;
	uint32_t off = 0;
	int rc;

	if (len == 0)
		return false;
	while (off < len) {
		rc = sph_decode(d + off, len - off, &h);
		if (rc < 0)
			return off > 0 && sph_is_padding(d + off, len - off);
		if ((h.flags & SPH_F_CTRL) && !sph_is_auth(h.flags) && h.node == 7 &&
				sph_ctrl_parse(d + off, &h, it, 0) < 0)
			return false;
		off += (uint32_t)rc;
	}
	return true;
}

static void dead_account(json_int_t k, bool acks, uint64_t hz);

/* One control datagram (@p len bytes at @p dg) from @p other or the collector: its verdict. */
static void
ctrl_one(struct stp_lcore *lc, unsigned int sel, const uint8_t *dg, uint32_t len, uint32_t hl,
		uint64_t t_first, uint64_t hz)
{
	const bool ether = (sel & 3) == PL_ETHER, other = (sel & 8) != 0;
	static uint8_t f[FRAME_MAX + 128];
	struct stp_lcore_stats a, b;
	struct rte_mbuf *m;
	uint64_t drops = 0;
	json_int_t dead0;
	unsigned int resent;
	uint32_t flen;

	flen = wrap(f, dg, len, ether, ether && other ? other_mac : coll_mac,
			other ? other_ip : coll_ip, edge_ip, SPH_UDP_PORT, SPH_UDP_PORT);
	m = fuzz_frame_mbuf(ports.pool, f, flen);
	memset(pkt_meta(m), 0, sizeof(struct pkt_meta));
	FUZZ_ASSERT(pkt_parse(m, pkt_meta(m)) == 0);
	stp_stats_sum(&pl, &a);
	rx(lc, port_out, &m, 1);
	stp_stats_sum(&pl, &b);
	for (unsigned int d = 0; d < STP_DROP_MAX; d++) {
		drops += b.drops[d] - a.drops[d];
		FUZZ_ASSERT(b.drops[d] == a.drops[d] || stp_drop_name(d) != NULL);
	}
	/* Consumed or one named drop; from another address, sph_ctrl_source. */
	FUZZ_ASSERT((b.consumed - a.consumed) + drops == 1);
	FUZZ_ASSERT(!other ||
			b.drops[STP_DROP_SPH_CTRL_SOURCE] - a.drops[STP_DROP_SPH_CTRL_SOURCE] == 1);
	FUZZ_ASSERT(b.tx_pkts == a.tx_pkts && lc->txbuf[port_out].n == 0);
	if (b.consumed != a.consumed) {
		FUZZ_ASSERT(decodes_whole(dg, len));
		items_add(dg, len);
	}
	dead0 = counter("dead_lettered");
	poll_all(lc);
	tx_flush(lc);
	resent = read_back(hl, t_first, hz, false);
	/* Time passed since the last clock step: the window may close in this poll too. */
	dead_account(counter("dead_lettered") - dead0, true, hz);
	/* At most BREL_NACK_RESEND for the datagram, unless the RTO resends came too. */
	FUZZ_ASSERT(resent <= NACK_RESEND || brel_tsc() - t_first > hz * RTO_MS / 1000);
	check_released();
	check_counters();
}

/* A valid ACK of every number sent, from the collector (signed with node.auth's key). */
static void
ack_all(struct stp_lcore *lc, unsigned int sel, uint32_t hl, uint64_t t_first, uint64_t hz)
{
	struct sph_ctrl_item it[REL_SPAN_MAX * 2];
	static uint8_t dg[2048];
	unsigned int n = 0;
	size_t len;

	for (unsigned int i = 0; i < nb_dgs; i++)
		for (unsigned int s = 0; s < dgs[i].span.nb; s++) {
			unsigned int k;

			for (k = 0; k < n && it[k].stream != dgs[i].span.key[s]; k++)
				;
			if (k == n) {
				FUZZ_ASSERT(n < RTE_DIM(it));
				it[n].type = SPH_TLV_ACK;
				it[n].stream = dgs[i].span.key[s];
				it[n].first = 0;
				it[n].last = 0;
				n++;
			}
			it[k].last = RTE_MAX(it[k].last, dgs[i].span.hi[s]);
		}
	if (n == 0)
		return;
	len = sph_ctrl_encode(7, it, n, dg, sizeof(dg));
	FUZZ_ASSERT(len > 0);
	if ((sel & 3) == 1 || (sel & 3) == 3) {
		FUZZ_ASSERT(sph_auth_sign(signer, 9, dg, len, sizeof(dg)) == SPH_AUTH_REC_LEN);
		len += SPH_AUTH_REC_LEN;
	}
	ctrl_one(lc, sel & ~8u, dg, (uint32_t)len, hl, t_first, hz);
	for (unsigned int i = 0; i < nb_dgs; i++)
		FUZZ_ASSERT(dgs[i].dead || rte_mbuf_refcnt_read(dgs[i].m) == 1);
}

/*
 * Replay what was dead-lettered and not replayed yet (up to MAX_REPLAY datagrams), as the
 * console's "replay up FILE" does (brel_replay(): the datagrams go to the worker's replay ring,
 * its next poll keeps and sends them). The file is this target's: the bytes it read back (the
 * spool writer's file is written by another thread, when it will).
 */
static void
replay_dead(void)
{
	char err[256];
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *w;
	unsigned int n = 0, held = 0, max;
	json_t *res;

	/*
	 * Not so many that the edge's ring (1024) would be full, which pushes the oldest out
	 * (dead_buffer_full, not modelled here), or this target's table.
	 */
	for (unsigned int i = 0; i < nb_dgs; i++)
		held += !dgs[i].dead && rte_mbuf_refcnt_read(dgs[i].m) == 2;
	max = RTE_MIN(RTE_MIN((unsigned int)MAX_REPLAY,
				      REPLAY_HELD_MAX - RTE_MIN(held, REPLAY_HELD_MAX)),
			MAX_DG - 64 - RTE_MIN(nb_dgs, MAX_DG - 64));
	FUZZ_ASSERT(p != NULL);
	w = pcap_dump_open(p, replay_path);
	FUZZ_ASSERT(w != NULL);
	for (unsigned int i = 0; i < nb_dgs && n < max; i++) {
		struct pcap_pkthdr h = { .caplen = dgs[i].len, .len = dgs[i].len };

		if (!dgs[i].dead || dgs[i].replayed)
			continue;
		pcap_dump((u_char *)w, &h, dgs[i].copy);
		dgs[i].replayed = true;
		n++;
	}
	pcap_dump_close(w);
	pcap_close(p);
	/* brel_replay() wants a running datapath; this target is its lcore (not launched). */
	pl.launched = true;
	res = brel_replay(&pl, "up", replay_path, err, sizeof(err));
	pl.launched = false;
	unlink(replay_path);
	if (res == NULL)
		fprintf(stderr, "fuzz_edge: replay: %s\n", err);
	FUZZ_ASSERT(res != NULL);
	FUZZ_ASSERT(json_integer_value(json_object_get(res, "replayed")) == (json_int_t)n &&
			json_integer_value(json_object_get(res, "skipped")) == 0);
	json_decref(res);
	nb_replayed += n;
}

/*
 * The dead-letter counter grew by @p k in the last poll_all(): its tick dead-letters the oldest
 * datagrams the edge holds, in the order they were kept, while they are older than the window.
 * So they are the first @p k datagrams held before the poll (or replayed by it), leaving out
 * (@p acks: the poll read acknowledgements) those an accepted ACK released first; each was
 * kept more than the window before the poll ended. After a clock step (no acknowledgement
 * read, and at least a tick period since the last poll: it ticks), every one kept more than
 * the window before the poll began is among them.
 */
static void
dead_account(json_int_t k, bool acks, uint64_t hz)
{
	const uint64_t window = hz * WINDOW_S;
	unsigned int j = 0;

	FUZZ_ASSERT(k >= 0);
	for (unsigned int i = 0; i < nb_dgs; i++) {
		struct sent_dg *d = &dgs[i];
		bool covered = acks;

		if (!d->held || d->dead)
			continue;
		for (unsigned int s = 0; covered && s < d->span.nb; s++)
			covered = ack_covers(d, s);
		if (covered && rte_mbuf_refcnt_read(d->m) == 1)
			continue;
		if ((json_int_t)j < k) {
			/* Never before the window has passed since it was kept. */
			FUZZ_ASSERT(p_hi - d->a > window);
			d->dead = true;
			nb_dead++;
			j++;
		} else if (!acks) {
			/* Still held, and then not surely past the window. */
			FUZZ_ASSERT(rte_mbuf_refcnt_read(d->m) == 2);
			FUZZ_ASSERT(!(p_lo > d->b && p_lo - d->b > window));
		}
	}
	FUZZ_ASSERT((json_int_t)j == k);
}

/*
 * Clock step @p c (see the header): replay (bit 7), advance the transport's clock, poll; then
 * dead_account().
 */
static void
clock_step(struct stp_lcore *lc, uint8_t c, uint32_t hl, uint64_t t_first, uint64_t hz)
{
	static const uint16_t ms[8] = { 1, 5, 11, 49, 51, 300, 999, 1001 };
	json_int_t before;

	if (c & 0x80)
		replay_dead();
	__atomic_fetch_add(&brel_tsc_skew, hz * (ms[c & 7] + 7u * ((c >> 3) & 15)) / 1000,
			__ATOMIC_RELAXED);
	before = counter("dead_lettered");
	poll_all(lc);
	tx_flush(lc);
	(void)read_back(hl, t_first, hz, true);
	dead_account(counter("dead_lettered") - before, false, hz);
	check_released();
	check_counters();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t sbuf[MAX_CTRL][FRAME_MAX];
	const uint8_t *cdg[MAX_CTRL];
	uint32_t cdg_len[MAX_CTRL], hl;
	struct stp_lcore_stats sum;
	struct stp_lcore *lc;
	char err[CFG_ERR_LEN];
	unsigned int sel, nb_ctrl, nb_frames, step, in_use, nb_steps = 0;
	const uint8_t *steps = NULL;
	json_int_t dead0;
	uint64_t t_first, hz = rte_get_tsc_hz();
	const uint8_t *p;
	size_t left;

	if (size < 3 || size > FRAME_MAX)
		return 0;
	sel = data[0];
	nb_frames = data[1] % (MAX_FRAMES + 1);
	step = data[2] & 0x3f;
	p = data + 3;
	left = size - 3;
	/* Clock steps: the last byte says how many, the bytes before it are the steps. */
	if ((data[2] & 0x40) && left >= 2) {
		nb_steps = RTE_MIN(1u + data[size - 1] % MAX_STEPS, (unsigned int)left - 1);
		steps = data + size - 1 - nb_steps;
		left -= nb_steps + 1;
	}
	nb_ctrl = 1 + ((sel >> 4) & 3) % 3;
	for (unsigned int i = 0; i + 1 < nb_ctrl; i++) {
		uint32_t l;

		if (left < 2) {
			nb_ctrl = i + 1;
			break;
		}
		l = (uint32_t)(p[0] << 8 | p[1]) % (uint32_t)(left - 1);
		cdg[i] = p + 2;
		cdg_len[i] = l;
		p += 2 + l;
		left -= 2 + l;
	}
	cdg[nb_ctrl - 1] = p;
	cdg_len[nb_ctrl - 1] = (uint32_t)left;
	/* Structured items, then (any mode) the authentication record. */
	for (unsigned int i = 0; i < nb_ctrl; i++) {
		uint32_t len = cdg_len[i];

		if (sel & 0x80) {
			len = items_of(cdg[i], len, sbuf[i], FRAME_MAX - SPH_AUTH_REC_LEN);
		} else {
			if (len + SPH_AUTH_REC_LEN > FRAME_MAX)
				continue;
			memcpy(sbuf[i], cdg[i], len);
		}
		if ((sel & 4) && len > 0 &&
				sph_auth_sign(signer, 9, sbuf[i], len, FRAME_MAX) ==
						SPH_AUTH_REC_LEN)
			len += SPH_AUTH_REC_LEN;
		cdg[i] = sbuf[i];
		cdg_len[i] = len;
	}

	in_use = rte_mempool_in_use_count(ports.pool);
	if (stp_pipeline_create(&pl, &cfgs[sel & 3], &ports, err) != 0) {
		fprintf(stderr, "fuzz_edge: pipeline %u: %s\n", sel & 3, err);
		abort();
	}
	/* The spool writer has its file open: nothing is left behind, even after an abort. */
	unlink(spool_path);
	FUZZ_ASSERT(pl.nb_lcores == 1 && pl.nb_stages >= 1 && pl.stages[0] == &stp_feature_broker &&
			brel_output(&pl, 0));
	lc = pl.lcores[0];
	hl = pl.tunnels[0].hdr_len;
	nb_dgs = 0;
	nb_items = 0;
	nb_dead = 0;
	nb_replayed = 0;
	/* Every input starts at the real clock: a crash reproduces from its input alone. */
	__atomic_store_n(&brel_tsc_skew, 0, __ATOMIC_RELAXED);

	/* The spool: frames sent, every datagram kept. */
	t_first = brel_tsc();
	t_mark = t_first;
	send_frames(lc, 0, nb_frames, step, (sel & 0x40) != 0);
	FUZZ_ASSERT(read_back(hl, t_first, hz, false) == 0);
	FUZZ_ASSERT(nb_frames == 0 || nb_dgs > 0);
	check_counters();

	/* The fuzzed acknowledgements, each a burst of its own, each followed by a clock step. */
	for (unsigned int i = 0; i < nb_ctrl; i++) {
		ctrl_one(lc, sel, cdg[i], cdg_len[i], hl, t_first, hz);
		if (i < nb_steps)
			clock_step(lc, steps[i], hl, t_first, hz);
	}
	for (unsigned int i = nb_ctrl; i < nb_steps; i++)
		clock_step(lc, steps[i], hl, t_first, hz);

	/* Numbers sent after them: held, whatever they said. */
	if (data[2] & 0x80) {
		const unsigned int first = nb_dgs;

		t_mark = brel_tsc();
		send_frames(lc, nb_frames, 1 + data[1] % 4, step, (sel & 0x40) != 0);
		(void)read_back(hl, t_first, hz, false);
		dead0 = counter("dead_lettered");
		poll_all(lc);
		tx_flush(lc);
		(void)read_back(hl, t_first, hz, false);
		/* Loose (as after acknowledgements): this poll may come too soon to tick. */
		dead_account(counter("dead_lettered") - dead0, true, hz);
		FUZZ_ASSERT(nb_dgs > first);
		for (unsigned int i = first; i < nb_dgs; i++)
			FUZZ_ASSERT(rte_mbuf_refcnt_read(dgs[i].m) == 2);
		check_counters();
	}

	/* A valid acknowledgement of everything releases it all. */
	ack_all(lc, sel, hl, t_first, hz);
	check_counters();

	stp_stats_sum(&pl, &sum);
	if (stp_stats_in_flight(&sum) != 0) {
		fprintf(stderr, "fuzz_edge: in flight %" PRId64 "\n", stp_stats_in_flight(&sum));
		abort();
	}
	if (verbose) {
		for (unsigned int d = 0; d < STP_DROP_MAX; d++)
			if (sum.drops[d] != 0)
				fprintf(stderr, " %s:%" PRIu64, stp_drop_name(d), sum.drops[d]);
		fprintf(stderr,
				" | pipeline %u, %u frames, %u datagrams, %u control, items %u, "
				"generated %" PRIu64 ", consumed %" PRIu64
				", %u clock steps, dead %u, "
				"replayed %u\n",
				sel & 3, nb_frames, nb_dgs, nb_ctrl, nb_items, sum.generated,
				sum.consumed, nb_steps, nb_dead, nb_replayed);
	}
	for (unsigned int i = 0; i < nb_dgs; i++) {
		rte_pktmbuf_free(dgs[i].m);
		free(dgs[i].copy);
	}
	stp_pipeline_destroy(&pl);
	FUZZ_ASSERT(rte_mempool_in_use_count(ports.pool) == in_use);
	return 0;
}
