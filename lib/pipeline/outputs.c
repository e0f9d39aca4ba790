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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "encap.h"
#include "pcapng.h"
#include "pipeline.h"

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
static int
outputs_init(struct stp_pipeline *pl)
{
	const struct stp_config *cfg = pl->cfg;
	struct pcapng_if ifs[CFG_MAX_PORTS];

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
	if (cfg->nb_outputs > 0) {
		pl->out_final = calloc(cfg->nb_outputs, sizeof(*pl->out_final));
		if (pl->out_final == NULL)
			return outputs_err(pl, "outputs", "out of memory");
	}
	for (unsigned int o = 0; o < cfg->nb_outputs; o++) {
		const struct cfg_output *co = &cfg->outputs[o];
		struct pcapng_conf c;
		char werr[CFG_ERR_LEN], path[48];

		if (cfg_output_is_tunnel(co->type)) {
			const struct port_rt *pr = &pl->ports->ports[co->port];
			struct stp_tunnel_rt *t = &pl->tunnels[o];

			t->enc = co->tun;
			memcpy(t->enc.src_mac, pr->mac.addr_bytes, 6);
			t->port_id = pr->port_id;
			t->hdr_len = encap_hdr_len(t->enc.type);
			t->max_frame = pr->max_frame;
			t->multiseg = pr->tx_multiseg;
			pl->tunnel_outputs |= 1u << o;
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

		if (rte_eth_stats_get(pid, &es) != 0)
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
	for (unsigned int o = 0; o < pl->nb_outputs; o++)
		if (pcapng_writer_close(pl->outputs[o], pl->stop_timeout_ms, &pl->out_final[o]) !=
				0)
			OUT_LOG(WARNING,
					"output %s: not every packet was written before the close "
					"timed out",
					pl->cfg->outputs[o].name);
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
}

void
stp_output_stats(const struct stp_pipeline *pl, unsigned int o, struct pcapng_stats *ws)
{
	if (pl->outputs_closed)
		*ws = pl->out_final[o];
	else
		pcapng_writer_stats(pl->outputs[o], ws);
}

/* {"outputs": [{name, accepted, refused, written, bytes, files, write_errors}]}, by name. */
static json_t *
outputs_view(const struct stp_pipeline *pl)
{
	struct stp_lcore_stats *s = malloc(sizeof(*s));
	json_t *outs = json_array();

	if (s == NULL)
		return NULL;
	stp_stats_sum(pl, s);
	for (unsigned int o = 0; o < pl->nb_outputs; o++) {
		struct pcapng_stats ws;

		stp_output_stats(pl, o, &ws);
		json_array_append_new(outs,
				json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "name",
						pl->cfg->outputs[o].name, "accepted",
						(json_int_t)s->out_pkts[o], "refused",
						(json_int_t)s->out_drops[o], "written",
						(json_int_t)ws.pkts, "bytes", (json_int_t)ws.bytes,
						"files", (json_int_t)ws.files, "write_errors",
						(json_int_t)ws.write_errors));
	}
	free(s);
	return json_pack("{s:o}", "outputs", outs);
}

const struct stp_feature stp_feature_outputs = {
	.name = "outputs",
	.init = outputs_init,
	.tick = outputs_tick,
	.stop = outputs_stop,
	.view = outputs_view,
	.fini = outputs_fini,
};
