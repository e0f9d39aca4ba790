/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * libFuzzer target: the broker's receive path (lib/broker/stage.c: dg_admit(), collect(), the
 * plain-record loops, fragments and reassembly, the replay window, the source table, the
 * reorder buffer; relay()) on real pipelines, as a datapath lcore runs it.
 *
 * LLVMFuzzerInitialize starts the EAL (--no-huge, a file prefix of its own) and builds four
 * pipelines over one set of vdev ports (net "net_null0": the input, never polled; fwd
 * "net_ring0": where a collector's rule forwards its frames; next "net_ring1": a relay's
 * stampede output). net_ring loops what is sent back to its RX queue, so this target reads
 * every frame a pipeline emitted and checks it.
 *
 * Input: byte 0 selects
 *   bits 0-1  the pipeline: 0 a collector; 1 a collector with node.auth (required), node.peers
 *             and node.reorder_ms; 2 a collector with node.peers (allow-list) only; 3 a relay;
 *   bit 2     sign each datagram with node.auth's key (an authentication record appended);
 *   bit 3     the datagrams come from an address that is not the peer's;
 *   bits 4-5  datagrams in the burst: 1 + value % 3; the first ones' lengths are taken from
 *             2-byte prefixes of the rest (each modulo what is left);
 *   bit 6     raw encapsulation (EtherType 0x88B5) instead of IPv4/UDP to node.listen_port;
 *   bit 7     each datagram is a burst of its own, and before each the fragments kept by the
 *             earlier ones are made old (reasm_timeout): expiry amid arrivals; else the
 *             datagrams are one burst (one bulk of raw mbufs serves them in turn).
 * The rest is the datagrams' UDP payloads. Each frame is malloc'd with exactly its length and
 * attached to its mbuf as an external buffer, so ASan reports a read past it.
 *
 * Checks, besides no crash, no ASan or UBSan report:
 *  - the accounting invariant (received + replicated + generated == transmitted + captured +
 *    consumed + dropped) after every input, once the reorder buffer is drained and the
 *    fragments still in reassembly are expired (done at the end of every input, so each
 *    input starts from an empty table; the source table is cleared too, for reproducibility);
 *  - the mempool holds as many mbufs in use after each input as before it (no leak);
 *  - a collector's frames leave on fwd only, a relay's datagrams on next only; a frame is no
 *    longer than the bytes the input carried (a relay's datagram: than them with outer headers
 *    and a hop TLV per record); a frame of one segment made without reassembly is a run of
 *    bytes of one of the input's datagrams;
 *  - every drop counted is a named reason; each datagram that is not delivered is counted
 *    (datagrams counter == datagrams handed in).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem() */
#endif

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fuzz.h"
#include "fuzz_mbuf.h"
#include "broker.h"
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

/* The broker feature (lib/broker/stage.c): its stage and poll are called as the lcore would. */
extern const struct stp_feature stp_feature_broker;

#define MAX_DG 3
#define FRAME_MAX 9600

/* 32 bytes of 'Z' (0x5a): raw key bytes, the key of fuzz_sph and the seeds' "auth". */
static const uint8_t key[32] = "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ";
static const uint8_t peer_ip[4] = { 10, 0, 0, 1 };
static const uint8_t other_ip[4] = { 10, 0, 0, 66 };
static const uint8_t coll_ip[4] = { 192, 168, 1, 2 };

static struct stp_config cfgs[NB_PL];
static struct stp_pipeline pls[NB_PL];
static struct port_set ports;
static struct sph_auth *signer;
static uint16_t port_net, port_fwd, port_next;
static char key_path[64];
static bool verbose; /* FUZZ_COLLECT_VERBOSE set: a line per input (drops, frames out) */

static const char *const cfg_fmt =
		"{\"eal\": {\"hugepages\": false, \"file_prefix\": \"fuzzcoll%d\", \"memory_mb\": 512},"
		" \"mempool\": {\"size\": 8191},"
		" \"ports\": [{\"name\": \"net\", \"device\": \"net_null0\"},"
		"  {\"name\": \"fwd\", \"device\": \"net_ring0\", \"mtu\": 9000},"
		"  {\"name\": \"next\", \"device\": \"net_ring1\", \"mtu\": 9000}],"
		" \"node\": %s, \"outputs\": [%s], \"rules\": [%s]}";

/* node of each pipeline; the collector with node.auth gets its key file's path after AUTH_AT. */
static const char *const node_json[NB_PL] = {
	"{\"id\": 9, \"role\": \"collector\"}",
	("{\"id\": 9, \"role\": \"collector\", \"reorder_ms\": 5,"
	 " \"peers\": [{\"id\": 7, \"address\": \"10.0.0.1\"}],"
	 " \"auth\": {\"required\": true, \"keys\": [{\"id\": 1, \"file\": \""),
	("{\"id\": 9, \"role\": \"collector\", \"peers\": [{\"id\": 7, \"address\": \"10.0.0.0/30\"},"
	 " {\"id\": 8, \"address\": \"10.0.0.66\"}]}"),
	"{\"id\": 8, \"role\": \"relay\", \"relay_to\": \"up\"}",
};
#define AUTH_AT 1

/* Ethernet / IPv4 / UDP (or raw 0x88B5) around datagram @p dg into @p f; its length. */
static uint32_t
wrap(uint8_t *f, const uint8_t *dg, uint32_t len, bool raw, bool other_src)
{
	static const uint8_t dst[6] = { 2, 0, 0, 0, 0, 9 }, src[6] = { 2, 0, 0, 0, 0, 7 };
	uint32_t o;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	if (raw) {
		f[12] = SPH_ETHERTYPE >> 8;
		f[13] = SPH_ETHERTYPE & 0xff;
		memcpy(f + 14, dg, len);
		return 14 + len;
	}
	f[12] = 0x08;
	f[13] = 0x00;
	o = 14;
	f[o] = 0x45;
	f[o + 1] = 0;
	f[o + 2] = (uint8_t)((20 + 8 + len) >> 8);
	f[o + 3] = (uint8_t)(20 + 8 + len);
	memset(f + o + 4, 0, 4);
	f[o + 8] = 64;
	f[o + 9] = 17;
	f[o + 10] = f[o + 11] = 0;
	memcpy(f + o + 12, other_src ? other_ip : peer_ip, 4);
	memcpy(f + o + 16, coll_ip, 4);
	{
		uint32_t s = 0;

		for (unsigned int i = 0; i < 20; i += 2)
			s += (uint32_t)f[o + i] << 8 | f[o + i + 1];
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		f[o + 10] = (uint8_t)(~s >> 8);
		f[o + 11] = (uint8_t)~s;
	}
	o += 20;
	f[o] = 0xc3;
	f[o + 1] = 0x50;
	f[o + 2] = (uint8_t)(SPH_UDP_PORT >> 8);
	f[o + 3] = (uint8_t)SPH_UDP_PORT;
	f[o + 4] = (uint8_t)((8 + len) >> 8);
	f[o + 5] = (uint8_t)(8 + len);
	f[o + 6] = f[o + 7] = 0;
	memcpy(f + o + 8, dg, len);
	return o + 8 + len;
}

static void
build(int k, int pid)
{
	static char text[4096], node[512];
	const char *outputs = "", *rules;
	char err[CFG_ERR_LEN];

	snprintf(node, sizeof(node), "%s%s%s", node_json[k], k == AUTH_AT ? key_path : "",
			k == AUTH_AT ? "\"}]}}" : "");
	if (k == 3) {
		outputs = "{\"name\": \"up\", \"type\": \"stampede\", \"port\": \"next\","
			  " \"src_ip\": \"192.168.1.2\", \"dst_ip\": \"192.0.2.9\","
			  " \"dst_mac\": \"02:00:00:00:00:0a\"}";
		rules = "{\"name\": \"none\", \"action\": \"drop\"}";
	} else {
		rules = "{\"name\": \"all\", \"in\": [\"net\"], \"action\": \"forward\","
			" \"out\": \"fwd\"}";
	}
	snprintf(text, sizeof(text), cfg_fmt, pid, node, outputs, rules);
	if (cfg_load_string(text, "fuzz_collect.json", &cfgs[k], err) != 0) {
		fprintf(stderr, "fuzz_collect: config %d: %s\n", k, err);
		abort();
	}
	if (k == 0) {
		fuzz_eal_ports(&cfgs[0], "fuzz_collect", &ports);
		FUZZ_ASSERT(rte_eth_dev_get_port_by_name("net_null0", &port_net) == 0);
		FUZZ_ASSERT(rte_eth_dev_get_port_by_name("net_ring0", &port_fwd) == 0);
		FUZZ_ASSERT(rte_eth_dev_get_port_by_name("net_ring1", &port_next) == 0);
	}
	if (stp_pipeline_create(&pls[k], &cfgs[k], &ports, err) != 0) {
		fprintf(stderr, "fuzz_collect: pipeline %d: %s\n", k, err);
		abort();
	}
	FUZZ_ASSERT(pls[k].nb_lcores == 1 && pls[k].nb_stages >= 1 &&
			pls[k].stages[0] == &stp_feature_broker);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sph_auth_key k = { .id = 1, .len = sizeof(key) };
	FILE *f;

	(void)argc;
	(void)argv;
	snprintf(key_path, sizeof(key_path), "/tmp/fuzz_collect.%d.key", (int)getpid());
	f = fopen(key_path, "w");
	FUZZ_ASSERT(f != NULL && fwrite(key, sizeof(key), 1, f) == 1 && fclose(f) == 0);
	cfg_use_sections(stp_features_cfg());
	for (int i = 0; i < NB_PL; i++)
		build(i, (int)getpid());
	unlink(key_path);
	memcpy(k.key, key, sizeof(key));
	verbose = getenv("FUZZ_COLLECT_VERBOSE") != NULL;
	signer = sph_auth_create(&k, 1, 1);
	FUZZ_ASSERT(signer != NULL);
	return 0;
}

/* Frames the pipeline sent, read back from the net_ring ports and checked; all freed. */
static void
read_back(unsigned int sel, const uint8_t *const *dgs, const uint32_t *dg_len, unsigned int nb,
		uint32_t total, bool reassembled)
{
	const uint16_t ps[2] = { port_fwd, port_next };
	const uint32_t relay_max = RTE_ETHER_HDR_LEN + 20 + 8 + total +
			total / SPH_FIXED_LEN * (2 + SPH_HOP_LEN);
	struct rte_mbuf *got[64];

	for (unsigned int i = 0; i < 2; i++) {
		uint16_t n;

		while ((n = rte_eth_rx_burst(ps[i], 0, got, RTE_DIM(got))) > 0) {
			for (uint16_t j = 0; j < n; j++) {
				struct rte_mbuf *m = got[j];
				const bool relay = (sel & 3) == 3;

				FUZZ_ASSERT(ps[i] == (relay ? port_next : port_fwd));
				/*
				 * A collector's frame is carried bytes (its fragments all came in
				 * this input: the table is empty at its start). A relay's datagram:
				 * outer headers, then records of the input each with one hop TLV.
				 */
				FUZZ_ASSERT(rte_pktmbuf_pkt_len(m) <= (relay ? relay_max : total));
				if (!relay && m->nb_segs == 1 && !reassembled) {
					const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
					bool found = false;

					FUZZ_ASSERT(rte_pktmbuf_pkt_len(m) <= total);
					for (unsigned int g = 0; g < nb && !found; g++)
						found = memmem(dgs[g], dg_len[g], d, m->data_len) !=
								NULL;
					FUZZ_ASSERT(found);
				}
				rte_pktmbuf_free(m);
			}
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[FRAME_MAX + 128], dgbuf[MAX_DG][FRAME_MAX];
	struct rte_mbuf *pkts[STP_MAX_BURST];
	const uint8_t *dgs[MAX_DG];
	uint32_t dg_len[MAX_DG], total = 0, max_len = 0;
	struct stp_lcore_stats sum;
	struct stp_pipeline *pl;
	struct stp_lcore *lc;
	struct broker_lcore *bl;
	struct broker_rt *b;
	unsigned int sel, nb_dg, in_use;
	uint64_t datagrams0, reasm0, tx0, gen0, cons0, drops0[STP_DROP_MAX];
	const uint8_t *p;
	size_t left;

	if (size < 1 || size > FRAME_MAX)
		return 0;
	sel = data[0];
	p = data + 1;
	left = size - 1;
	pl = &pls[sel & 3];
	lc = pl->lcores[0];
	bl = broker_lc(lc);
	b = broker_pl(pl);
	nb_dg = 1 + ((sel >> 4) & 3) % 3;
	for (unsigned int i = 0; i + 1 < nb_dg; i++) {
		uint32_t l;

		if (left < 2) {
			nb_dg = i + 1;
			break;
		}
		l = (uint32_t)(p[0] << 8 | p[1]) % (uint32_t)(left - 1);
		dgs[i] = p + 2;
		dg_len[i] = l;
		p += 2 + l;
		left -= 2 + l;
	}
	dgs[nb_dg - 1] = p;
	dg_len[nb_dg - 1] = (uint32_t)left;

	in_use = rte_mempool_in_use_count(ports.pool);
	stp_stats_sum(pl, &sum);
	memcpy(drops0, sum.drops, sizeof(drops0));
	tx0 = sum.tx_pkts;
	gen0 = sum.generated;
	cons0 = sum.consumed;
	datagrams0 = bl->datagrams;
	reasm0 = bl->reassembled;

	for (unsigned int i = 0; i < nb_dg; i++) {
		const uint8_t *dg = dgs[i];
		uint32_t len = dg_len[i], flen;

		if ((sel & 4) && len + SPH_AUTH_REC_LEN <= FRAME_MAX) {
			memcpy(dgbuf[i], dg, len);
			if (sph_auth_sign(signer, 7, dgbuf[i], len, FRAME_MAX) ==
					SPH_AUTH_REC_LEN) {
				len += SPH_AUTH_REC_LEN;
				dgs[i] = dgbuf[i];
				dg_len[i] = len;
				dg = dgbuf[i];
			}
		}
		total += len;
		flen = wrap(frame, dg, len, (sel & 0x40) != 0, (sel & 8) != 0);
		pkts[i] = fuzz_frame_mbuf(ports.pool, frame, flen);
		pkts[i]->port = port_net;
		memset(pkt_meta(pkts[i]), 0, sizeof(struct pkt_meta));
		FUZZ_ASSERT(pkt_parse(pkts[i], pkt_meta(pkts[i])) == 0);
		max_len = RTE_MAX(max_len, flen);
	}

	/* As the RX stage hands a burst to its own worker stages. */
	lc->stats.rx_pkts += nb_dg;
	lc->stats.port_rx[port_net] += nb_dg;
	lc->hint.valid = true;
	lc->hint.multiseg = false;
	lc->hint.port = port_net;
	lc->hint.max_len = max_len;
	lc->hint.port_lazy = false;
	if (sel & 0x80) {
		for (unsigned int i = 0; i < nb_dg; i++) {
			for (unsigned int k = 0; k < BROKER_MAX_REASM; k++)
				bl->reasm[k].t0 -= b->reasm_tsc + 1;
			/* A burst array of its own: a stage may return more than it was given. */
			struct rte_mbuf *one[STP_MAX_BURST] = { pkts[i] };

			lc->hint.valid = true;
			lc->hint.max_len = rte_pktmbuf_pkt_len(pkts[i]);
			stp_worker_from(lc, 0, one, 1);
		}
	} else {
		stp_worker_from(lc, 0, pkts, (uint16_t)nb_dg);
	}
	FUZZ_ASSERT(bl->datagrams - datagrams0 == nb_dg);

	/* What stays in the reorder buffer goes on (as when the pipeline drains). */
	__atomic_store_n(&pl->phase, STP_PHASE_DRAIN, __ATOMIC_RELEASE);
	stp_feature_broker.poll(lc);
	__atomic_store_n(&pl->phase, STP_PHASE_RUN, __ATOMIC_RELEASE);
	FUZZ_ASSERT(bl->ro == NULL || bl->ro->n == 0);
	/* Flush the TX buffers (the run loop does so at the end of each iteration). */
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
	read_back(sel, dgs, dg_len, nb_dg, total, bl->reassembled != reasm0 || bl->nb_reasm > 0);

	/* Fragments still kept: expired (sph_reasm_timeout) by an empty burst. */
	if (bl->nb_reasm > 0) {
		for (unsigned int k = 0; k < BROKER_MAX_REASM; k++)
			bl->reasm[k].t0 -= b->reasm_tsc + 1;
		FUZZ_ASSERT(stp_feature_broker.burst(lc, pkts, 0) == 0);
		FUZZ_ASSERT(bl->nb_reasm == 0);
	}
	/* Each input starts with no sources (reproducible: no replay window from earlier ones). */
	memset(bl->src, 0, sizeof(bl->src));

	FUZZ_ASSERT(rte_mempool_in_use_count(ports.pool) == in_use);
	stp_stats_sum(pl, &sum);
	if (stp_stats_in_flight(&sum) != 0) {
		fprintf(stderr, "fuzz_collect: in flight %" PRId64 "\n", stp_stats_in_flight(&sum));
		abort();
	}
	for (unsigned int d = 0; d < STP_DROP_MAX; d++) {
		FUZZ_ASSERT(sum.drops[d] == 0 || stp_drop_name(d) != NULL);
		if (verbose && sum.drops[d] != drops0[d])
			fprintf(stderr, " %s:%" PRIu64, stp_drop_name(d), sum.drops[d] - drops0[d]);
	}
	if (verbose)
		fprintf(stderr,
				" | pipeline %u, %u datagrams, out %" PRIu64 ", generated %" PRIu64
				", consumed %" PRIu64 ", reassembled %" PRIu64 "\n",
				sel & 3, nb_dg, sum.tx_pkts - tx0, sum.generated - gen0,
				sum.consumed - cons0, bl->reassembled - reasm0);
	return 0;
}
