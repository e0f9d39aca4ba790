/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The outputs feature: capture outputs (a pcapng writer thread each, fed by a ring) and tunnel
 * outputs (erspan3, vxlan, gre: outer headers built once here, encapsulated by the rules stage).
 * Stampede outputs belong to the broker feature. The rules stage hands packets to outputs by
 * index; every view shows them by name (outputs cannot be added or removed while running, so
 * an index names one output for the life of the pipeline).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_branch_prediction.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "encap.h"
#include "outputs_cfg.h"
#include "outputs_cmds.h"
#include "pcapng.h"
#include "pipeline.h"
#include "port_kern.h"

RTE_LOG_REGISTER_SUFFIX(outputs_logtype, outputs, INFO);
#define OUT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, outputs_logtype, "stampede.outputs: " fmt "\n", ##__VA_ARGS__)

static int
outputs_err(struct stp_pipeline *pl, const char *path, const char *msg)
{
	snprintf(pl->err_path, sizeof(pl->err_path), "%s", path);
	snprintf(pl->err, sizeof(pl->err), "%s", msg);
	return -EINVAL;
}

/* One capture writer per output; one pcapng interface per port, in config order. */
/*
 * A tunnel output: each packet gets the outer headers in front (in its own headroom, or in a
 * copy when the packet is shared with other destinations or has no room) and leaves by the
 * tunnel's port. ~40 cycles/pkt for the header (IPv4 checksum included) when no copy is needed.
 */
static void
tunnel_send(struct stp_lcore *lc, unsigned int o, struct rte_mbuf **pkts, uint16_t n)
{
	const struct stp_pipeline *pl = lc->pl;
	const struct stp_tunnel_rt *t = &pl->tunnels[o];
	struct rte_mbuf *out[STP_MAX_BURST];
	uint16_t k = 0, bad = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint32_t inner = rte_pktmbuf_pkt_len(m);
		struct pkt_meta *meta;
		struct encap_pkt ep;
		uint8_t *hdr;

		if (unlikely(inner + t->hdr_len > t->max_frame)) {
			lc->stats.drops[STP_DROP_ENCAP_TOO_BIG]++;
			rte_pktmbuf_free(m);
			bad++;
			continue;
		}
		if (unlikely(!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1 ||
				    rte_pktmbuf_headroom(m) < t->hdr_len)) {
			/* Others read the same data: this destination gets its own copy. */
			struct rte_mbuf *c = rte_pktmbuf_copy(m, pl->ports->pool, 0, UINT32_MAX);

			rte_pktmbuf_free(m);
			if (unlikely(c == NULL)) {
				lc->stats.drops[STP_DROP_ENCAP_NO_MBUF]++;
				bad++;
				continue;
			}
			m = c;
		}
		if (unlikely(m->nb_segs > 1 && !t->multiseg)) {
			lc->stats.drops[STP_DROP_TX_MULTISEG]++;
			rte_pktmbuf_free(m);
			bad++;
			continue;
		}
		hdr = (uint8_t *)rte_pktmbuf_prepend(m, t->hdr_len);
		if (unlikely(hdr == NULL)) {
			lc->stats.drops[STP_DROP_ENCAP_NO_MBUF]++;
			rte_pktmbuf_free(m);
			bad++;
			continue;
		}
		meta = pkt_meta(m);
		ep.inner_len = inner;
		ep.ts_ns = meta->ts_ns;
		ep.seq = lc->tunnel_seq[o]++;
		ep.hash = meta->flow_hash;
		ep.port = m->port;
		ep.truncated = meta->orig_len != 0;
		encap_build(&t->enc, &ep, hdr);
		meta->out_port = t->port_id;
		out[k++] = m;
	}
	outputs_lcore_stats(lc)->pkts[o] += k;
	outputs_lcore_stats(lc)->drops[o] += bad;
	if (k > 0)
		stp_tx_emit_port(lc, t->port_id, out, k);
}

/*
 * The packets a full capture ring refused: those of file inputs (net_pcap rx_pcap) wait for room,
 * in order (back-pressure: a replay writes every frame); those of live ports are moved to the end
 * to be counted as drops. Returns how many were enqueued.
 */
static unsigned int
capture_wait(struct stp_lcore *lc, struct pcapng_writer *w, struct rte_mbuf **pkts, unsigned int n)
{
	const unsigned int nf = stp_file_pkts_first(lc->pl, pkts, n);
	unsigned int k = 0, spins = 0;

	/* Not taken (the pipeline stopped) first, then the live ports' packets: both drops. */
	while (k < nf && stp_backpressure_wait(lc->pl, &spins))
		k += pcapng_writer_enqueue(w, &pkts[k], nf - k);
	return k;
}

/* A capture output: its writer's ring takes what it can; the rest is a counted drop. */
static void
capture_send(struct stp_lcore *lc, unsigned int o, struct rte_mbuf **pkts, uint16_t n)
{
	struct pcapng_writer *w = lc->pl->outputs[o];
	unsigned int k = pcapng_writer_enqueue(w, pkts, n);

	if (unlikely(k < n) && lc->pl->any_file_port && w != NULL)
		k += capture_wait(lc, w, &pkts[k], n - k);
	lc->stats.captured += k;
	outputs_lcore_stats(lc)->pkts[o] += k;
	if (unlikely(k < n)) {
		rte_pktmbuf_free_bulk(&pkts[k], n - k);
		lc->stats.drops[STP_DROP_CAPTURE_RING_FULL] += n - k;
		outputs_lcore_stats(lc)->drops[o] += n - k;
	}
}

static const struct stp_output_ops capture_ops = { .type = CFG_OUTPUT_PCAPNG,
	.send = capture_send };
static const struct stp_output_ops erspan3_ops = { .type = CFG_OUTPUT_ERSPAN3,
	.send = tunnel_send };
static const struct stp_output_ops vxlan_ops = { .type = CFG_OUTPUT_VXLAN, .send = tunnel_send };
static const struct stp_output_ops gre_ops = { .type = CFG_OUTPUT_GRE, .send = tunnel_send };
static const struct stp_output_ops *const outputs_types[] = {
	&capture_ops,
	&erspan3_ops,
	&vxlan_ops,
	&gre_ops,
	NULL,
};

unsigned int outputs_k;
extern const struct stp_feature stp_feature_outputs;

static int
outputs_init(struct stp_pipeline *pl)
{
	const struct stp_config *cfg = pl->cfg;
	struct pcapng_if ifs[CFG_MAX_PORTS];

	outputs_k = pl->feat_k;
	pl->fpriv[outputs_k] = calloc(1, sizeof(struct outputs_base));
	if (pl->fpriv[outputs_k] == NULL)
		return outputs_err(pl, "outputs", "out of memory");
	memset(ifs, 0, sizeof(ifs));
	for (unsigned int i = 0; i < pl->ports->nb; i++) {
		const struct port_rt *pr = &pl->ports->ports[i];
		struct rte_eth_link link;

		snprintf(ifs[i].name, sizeof(ifs[i].name), "%s", pr->cfg->name);
		/* Truncated to the IDB field if long: a description, not an identifier. */
		if (snprintf(ifs[i].description, sizeof(ifs[i].description),
				    "%.60s%s%.40s (timestamps %s)", cfg->node.description,
				    cfg->node.description[0] ? ": " : "", pr->cfg->device,
				    pkt_ts_src_name(pr->ts_src)) < 0)
			ifs[i].description[0] = '\0';
		if (rte_eth_link_get_nowait(pr->port_id, &link) == 0 &&
				link.link_speed != RTE_ETH_SPEED_NUM_NONE &&
				link.link_speed != RTE_ETH_SPEED_NUM_UNKNOWN)
			ifs[i].speed_bps = (uint64_t)link.link_speed * 1000000;
		ifs[i].port_id = pr->port_id;
	}
	if (outputs_cfg_of(cfg)->nb_outputs > 0) {
		pl->out_final = calloc(outputs_cfg_of(cfg)->nb_outputs, sizeof(*pl->out_final));
		if (pl->out_final == NULL)
			return outputs_err(pl, "outputs", "out of memory");
	}
	for (unsigned int o = 0; o < outputs_cfg_of(cfg)->nb_outputs; o++) {
		const struct cfg_output *co = &outputs_cfg_of(cfg)->outputs[o];
		struct pcapng_conf c;
		char werr[CFG_ERR_LEN], path[48];

		pl->out_ops[o] = stp_output_ops_find(pl, co->type);
		if (pl->out_ops[o] == NULL) {
			snprintf(path, sizeof(path), "outputs[%u].type", o);
			return outputs_err(pl, path, "no feature of this build serves this type");
		}

		if (cfg_output_is_tunnel(co->type)) {
			const struct port_rt *pr = &pl->ports->ports[co->port];
			struct stp_tunnel_rt *t = &pl->tunnels[o];

			t->enc = co->tun;
			memcpy(t->enc.src_mac, pr->mac.addr_bytes, 6);
			t->port_id = pr->port_id;
			t->hdr_len = encap_hdr_len(t->enc.type);
			t->max_frame = pr->max_frame;
			t->multiseg = pr->tx_multiseg;
			pl->outputs[o] = NULL;
			pl->nb_outputs = o + 1;
			continue;
		}
		pcapng_conf_defaults(&c);
		snprintf(c.path, sizeof(c.path), "%s", co->path);
		c.rotate_bytes = co->rotate_bytes;
		c.rotate_seconds = co->rotate_seconds;
		c.max_files = co->max_files;
		c.ring_size = co->ring_size;
		c.snaplen = RTE_MIN(co->snaplen, (uint32_t)PCAPNG_MAX_SNAPLEN);
		c.comments = co->comments;
		c.durable = co->durable;
		c.sync_ms = co->sync_ms;
		c.writers = co->writers;
		pl->outputs[o] = pcapng_writer_create(
				co->name, &c, ifs, pl->ports->nb, werr, sizeof(werr));
		if (pl->outputs[o] == NULL) {
			snprintf(path, sizeof(path), "outputs[%u]", o);
			return outputs_err(pl, path, werr);
		}
		pl->nb_outputs = o + 1;
	}
	return 0;
}

/* Interface statistics for the capture files: received by stampede, dropped by the NIC. */
static void
outputs_tick(struct stp_pipeline *pl)
{
	struct stp_lcore_stats *s;

	if (pl->nb_outputs == 0 || pl->outputs_closed)
		return;
	s = malloc(sizeof(*s));
	if (s == NULL)
		return;
	stp_stats_sum(pl, s);
	for (unsigned int i = 0; i < pl->ports->nb; i++) {
		struct rte_eth_stats es;
		uint16_t pid = pl->ports->ports[i].port_id;

		if (port_stats_get(pid, &es) != 0)
			memset(&es, 0, sizeof(es));
		for (unsigned int o = 0; o < pl->nb_outputs; o++)
			pcapng_writer_set_ifstats(pl->outputs[o], i, s->port_rx[pid],
					es.imissed + es.rx_nombuf);
	}
	free(s);
}

/* The capture files last: what the lcores handed them is written, then the ISBs. */
static void
outputs_stop(struct stp_pipeline *pl)
{
	struct outputs_base *b = pl->fpriv[outputs_k];

	for (unsigned int o = 0; o < pl->nb_outputs; o++) {
		if (b != NULL)
			b->nb_lanes[o] = pcapng_writer_count(pl->outputs[o]);
		if (pcapng_writer_close_each(pl->outputs[o], pl->stop_timeout_ms, &pl->out_final[o],
				    b != NULL ? b->lane_final[o] : NULL) != 0)
			OUT_LOG(WARNING,
					"output %s: not every packet was written before the close "
					"timed out",
					outputs_cfg_of(pl->cfg)->outputs[o].name);
	}
	pl->outputs_closed = true;
}

static void
outputs_fini(struct stp_pipeline *pl)
{
	/* A pipeline that never ran still has writers to close (and their empty files). */
	for (unsigned int o = 0; o < pl->nb_outputs && !pl->outputs_closed; o++)
		pcapng_writer_close(pl->outputs[o], 1000, NULL);
	pl->nb_outputs = 0;
	free(pl->out_final);
	pl->out_final = NULL;
	/* fini runs for every feature of the registry, even one whose init never ran. */
	for (unsigned int k = 0; pl->features[k] != NULL; k++)
		if (pl->features[k] == &stp_feature_outputs && k == outputs_k) {
			free(pl->fpriv[k]);
			pl->fpriv[k] = NULL;
		}
}

void
stp_output_stats(const struct stp_pipeline *pl, unsigned int o, struct pcapng_stats *ws)
{
	if (pl->outputs_closed)
		*ws = pl->out_final[o];
	else
		pcapng_writer_stats(pl->outputs[o], ws);
}

/*
 * A capture output's writer threads, each alone: [{written, bytes, files, write_errors}]; [] for
 * a tunnel.
 */
static json_t *
writers_view(const struct stp_pipeline *pl, unsigned int o)
{
	const struct outputs_base *b = pl->fpriv[outputs_k];
	const unsigned int n = !pl->outputs_closed ? pcapng_writer_count(pl->outputs[o]) :
			b != NULL		   ? b->nb_lanes[o] :
						     0;
	json_t *a = json_array();

	for (unsigned int k = 0; k < n; k++) {
		struct pcapng_stats ws;

		if (pl->outputs_closed)
			ws = b->lane_final[o][k];
		else
			pcapng_writer_lane_stats(pl->outputs[o], k, &ws);
		json_array_append_new(a,
				json_pack("{s:I, s:I, s:I, s:I}", "written", (json_int_t)ws.pkts,
						"bytes", (json_int_t)ws.bytes, "files",
						(json_int_t)ws.files, "write_errors",
						(json_int_t)ws.write_errors));
	}
	return a;
}

/*
 * {"outputs": [{name, accepted, refused, written, bytes, files, write_errors, synced, syncs,
 * sync_errors, writers}]}, by name (synced, syncs and sync_errors stay 0 unless the output is
 * durable; writers: each writer thread's counters while running, outputs[].writers > 1).
 */
static json_t *
outputs_view(const struct stp_pipeline *pl)
{
	struct outputs_stats *s = stp_feature_stats(pl, outputs_k);
	json_t *outs = json_array();

	if (s == NULL)
		return NULL;
	for (unsigned int o = 0; o < pl->nb_outputs; o++) {
		struct pcapng_stats ws;

		stp_output_stats(pl, o, &ws);
		json_array_append_new(outs,
				json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
						"name", outputs_cfg_of(pl->cfg)->outputs[o].name,
						"accepted", (json_int_t)s->pkts[o], "refused",
						(json_int_t)s->drops[o], "written",
						(json_int_t)ws.pkts, "bytes", (json_int_t)ws.bytes,
						"files", (json_int_t)ws.files, "write_errors",
						(json_int_t)ws.write_errors, "synced",
						(json_int_t)ws.synced, "syncs",
						(json_int_t)ws.syncs, "sync_errors",
						(json_int_t)ws.sync_errors, "writers",
						writers_view(pl, o)));
	}
	free(s);
	return json_pack("{s:o}", "outputs", outs);
}

/* The capture writers' side: packets written, and lost to write errors (a named drop). */
static void
outputs_sum(const struct stp_pipeline *pl, struct stp_lcore_stats *sum)
{
	for (unsigned int o = 0; o < pl->nb_outputs; o++) {
		struct pcapng_stats ws;

		stp_output_stats(pl, o, &ws);
		sum->written += ws.pkts;
		sum->drops[STP_DROP_CAPTURE_WRITE_ERROR] +=
				ws.error_drops + ws.port_drops + ws.close_drops;
	}
}

/* The exit summary: each output's accepted and refused. */
static void
outputs_summary(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum, FILE *f)
{
	struct outputs_stats *s = stp_feature_stats(pl, outputs_k);

	for (unsigned int o = 0; o < pl->nb_outputs && s != NULL; o++)
		fprintf(f, "output %-12s accepted %" PRIu64 " refused %" PRIu64 "\n",
				outputs_cfg_of(pl->cfg)->outputs[o].name, s->pkts[o], s->drops[o]);
	free(s);
}

/* The status line: what each capture output wrote or lost. */
static void
outputs_status(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum, FILE *f)
{
	struct outputs_stats *s = stp_feature_stats(pl, outputs_k);

	for (unsigned int o = 0; o < pl->nb_outputs && s != NULL; o++) {
		struct pcapng_stats ws;

		if (pl->outputs[o] == NULL)
			continue;
		stp_output_stats(pl, o, &ws);
		fprintf(f, " | %s written %" PRIu64 " dropped %" PRIu64,
				outputs_cfg_of(pl->cfg)->outputs[o].name, ws.pkts,
				s->drops[o] + ws.error_drops + ws.port_drops + ws.close_drops);
	}
	free(s);
}

/* show rings: each capture writer's ring. */
static void
outputs_rings(const struct stp_pipeline *pl, json_t *a)
{
	for (unsigned int o = 0; o < pl->nb_outputs && !pl->outputs_closed; o++)
		if (pl->outputs[o] != NULL)
			json_array_append_new(a,
					stp_ring_json(pcapng_writer_ring(pl->outputs[o]), "capture",
							json_string(outputs_cfg_of(pl->cfg)
											->outputs[o]
											.name)));
}

/* Its console commands (show outputs, capture start|stop: cmds.c), telemetry, Prometheus. */
/* /stampede/info: the outputs open. */
static uint64_t
outputs_count(const struct stp_pipeline *pl)
{
	return pl->nb_outputs;
}

static const struct stp_feature_ui outputs_ui = {
	.key = "outputs",
	.count = outputs_count,
	.families = outputs_families,
	.tel = outputs_tel,
	.cmds = stp_outputs_cmds,
};

const struct stp_feature stp_feature_outputs = {
	.name = "outputs",
	.cfg = &outputs_cfg_section,
	.init = outputs_init,
	.lcore_stats_size = sizeof(struct outputs_stats),
	.tick = outputs_tick,
	.stop = outputs_stop,
	.view = outputs_view,
	.clear = outputs_clear,
	.sum = outputs_sum,
	.summary = outputs_summary,
	.status = outputs_status,
	.rings = outputs_rings,
	.fini = outputs_fini,
	.outputs = outputs_types,
	.ui = &outputs_ui,
};
