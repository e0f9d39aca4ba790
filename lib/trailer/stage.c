/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The switch trailers feature (ports[].trailer; formats in lib/trailer): an RX hook on the
 * ports that have a trailer, run on each burst after the port's own stamp and before parsing.
 * Its counters are per input port (struct trailers_stats, its per-lcore counters), shown with
 * each port.
 */

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <jansson.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "pipeline.h"
#include "trailer.h"
#include "trailer_cfg.h"

/* Its per-lcore counters (lc->fstats[trailers_k]), per input DPDK port. */
struct trailers_stats {
	uint64_t ok[PORT_MAX];	    /* stamped from the trailer */
	uint64_t invalid[PORT_MAX]; /* no valid trailer: kept its own stamp, forwarded */
	uint64_t stacked[PORT_MAX]; /* stamps of a stack beyond the one used */
};

/* Its index in the registry (its counters' slot). */
static unsigned int trailers_k;

/* No worker stage: an RX hook on the ports that have a trailer (rx_on). */
static int
trailers_init(struct stp_pipeline *pl)
{
	trailers_k = pl->feat_k;
	return 1;
}

/* CRC-32 of a chained mbuf's first @p len bytes (the trailer parser's FCS checks). */
static uint32_t
mbuf_crc(const void *arg, uint32_t len)
{
	uint32_t crc = 0;

	for (const struct rte_mbuf *s = arg; s != NULL && len > 0; s = s->next) {
		uint32_t k = RTE_MIN(len, (uint32_t)s->data_len);

		crc = trailer_crc32(crc, rte_pktmbuf_mtod(s, const uint8_t *), k);
		len -= k;
	}
	return crc;
}

/* Trailer formats on a chained mbuf: the tail copied out, the FCS check over every segment. */
static int
trailer_parse_mbuf(const struct trailer_spec *ts, struct rte_mbuf *m, uint64_t ref_ns,
		struct trailer_result *r)
{
	uint8_t buf[TRAILER_TAIL_MAX];
	const uint32_t len = rte_pktmbuf_pkt_len(m);
	const uint32_t tail_len = RTE_MIN(len, (uint32_t)TRAILER_TAIL_MAX);
	const uint8_t *tail;
	bool fcs = ts->fcs == TRAILER_FCS_PRESENT;

	if (ts->format == TRAILER_FMT_AVSP)
		return trailer_parse_avsp(ts, rte_pktmbuf_mtod(m, const uint8_t *),
				RTE_MIN((uint32_t)rte_pktmbuf_data_len(m), 26u), len, ref_ns, r);
	tail = rte_pktmbuf_read(m, len - tail_len, tail_len, buf);
	if (tail == NULL)
		return -TRAILER_E_SHORT;
	if (ts->fcs == TRAILER_FCS_AUTO && len >= 18) {
		uint32_t crc = mbuf_crc(m, len - 4);
		const uint8_t *f = tail + tail_len - 4;

		fcs = crc ==
				((uint32_t)f[0] | (uint32_t)f[1] << 8 | (uint32_t)f[2] << 16 |
						(uint32_t)f[3] << 24);
	}
	return trailer_parse_tail(ts, tail, tail_len, len, fcs, ref_ns, mbuf_crc, m, r);
}

/*
 * Ports with a trailer: the switch's time replaces the port's own stamp, and the trailer goes
 * when the config says so. A frame without a valid trailer keeps its stamp and is forwarded
 * as it came (counted trailer_invalid): a trailer problem never costs a packet.
 */
static void
trailers_rx(struct stp_lcore *lc, const struct port_rt *port, struct rte_mbuf **pkts, uint16_t n)
{
	const struct trailer_spec *ts = port->trailer;
	const uint16_t port_id = port->port_id;
	struct trailers_stats *st = stp_feature_lcore_stats(lc, trailers_k);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct pkt_meta *meta = pkt_meta(m);
		struct trailer_result r;
		int rc;

		if (likely(m->nb_segs == 1))
			rc = trailer_parse(ts, rte_pktmbuf_mtod(m, const uint8_t *),
					rte_pktmbuf_data_len(m), meta->ts_ns, &r);
		else
			rc = trailer_parse_mbuf(ts, m, meta->ts_ns, &r);
		if (unlikely(rc < 0)) {
			st->invalid[port_id]++;
			continue;
		}
		st->ok[port_id]++;
		st->stacked[port_id] += r.nb - 1;
		lc->stats.ts_src[meta->ts_src]--;
		lc->stats.ts_src[PKT_TS_TRAILER]++;
		meta->ts_ns = r.ts_ns;
		meta->ts_src = PKT_TS_TRAILER;
		if (!ts->strip)
			continue;
		if (r.strip_cut != 0) {
			/* AVSP: the MAC addresses move up over the header. */
			uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

			memmove(p + r.strip_cut, p, r.strip_off);
			rte_pktmbuf_adj(m, r.strip_cut);
		} else {
			stp_mbuf_cut(m, r.strip_len);
		}
	}
}

static bool
trailers_rx_on(const struct port_rt *port)
{
	return port->trailer != NULL;
}

#define TS(f) offsetof(struct trailers_stats, f)

/* Its counters: /stampede/ports columns and Prometheus stampede_port_trailer_* families. */
static const struct stp_port_counter trailers_counters[] = {
	{ "trailer_ok", TS(ok), "stampede_port_trailer_ok_packets_total",
			"Packets stamped from a switch trailer (ports[].trailer)." },
	{ "trailer_invalid", TS(invalid), "stampede_port_trailer_invalid_packets_total",
			"Packets whose trailer did not parse: kept the port's own stamp, forwarded." },
	{ "trailer_stacked", TS(stacked), "stampede_port_trailer_stacked_stamps_total",
			"Stamps of stacked trailers beyond the one used." },
	{ NULL, 0, NULL, NULL },
};

/* --stats-json ports[]: the trailer format and its counters, on ports that have one. */
static void
trailers_port_view(const struct stp_pipeline *pl, const struct port_rt *port, const void *sum,
		json_t *po)
{
	if (port->trailer == NULL || sum == NULL)
		return;
	json_object_set_new(
			po, "trailer", json_string(trailer_format_names[port->trailer->format]));
	for (const struct stp_port_counter *c = trailers_counters; c->key != NULL; c++)
		json_object_set_new(po, c->key,
				json_integer((json_int_t)STP_PORT_COUNTER(sum, c, port->port_id)));
}

const struct stp_feature stp_feature_trailers = {
	.name = "trailers",
	.cfg = &trailer_cfg_section,
	.init = trailers_init,
	.lcore_stats_size = sizeof(struct trailers_stats),
	.rx = trailers_rx,
	.rx_on = trailers_rx_on,
	.port_counters = trailers_counters,
	.port_view = trailers_port_view,
};
