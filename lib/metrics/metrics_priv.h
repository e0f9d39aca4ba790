/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_METRICS_PRIV_H
#define STP_METRICS_PRIV_H

/*
 * Inside lib/metrics: the snapshot both front ends format (metrics.c takes it), the Prometheus
 * text (prometheus.c) and the HTTP server (http.c).
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "cfg.h"
#include "pcapng.h"
#include "pipeline.h"
#include "port_kern.h"

extern int metrics_logtype;
#define MT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, metrics_logtype, "stampede.metrics: " fmt "\n", ##__VA_ARGS__)

/** The counters at one moment, read without stopping anything. */
struct metrics_snap {
	const struct stp_pipeline *pl;
	const char *version;
	struct stp_lcore_stats sum; /**< stp_stats_sum() */
	uint64_t dropped;	    /**< sum of sum.drops[] */
	/**
	 * received + replicated - (transmitted + captured + dropped): the counters of different
	 * lcores are read one after the other, so a packet that moved meanwhile can make the
	 * difference negative for a moment; it is shown as 0 then.
	 */
	uint64_t in_flight;
	struct rte_eth_stats eth[CFG_MAX_PORTS]; /**< by cfg port index; zeros if unreadable */
	uint64_t missed[PORT_MISS_MAX]; /**< the ports' imissed (eth[]) by kind (port_kern.h) */
};

/**
 * Lock the pipeline pointer and take a snapshot (malloc'd, free() it) before
 * metrics_snap_put(). NULL (and nothing held) when metrics are stopped or memory is short.
 */
struct metrics_snap *metrics_snap_get(void);
/** Free @p s and release what metrics_snap_get() took. */
void metrics_snap_put(struct metrics_snap *s);

/** A growable text buffer; on allocation failure it stops growing and sets oom. */
struct sbuf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Append the Prometheus text of @p s to @p b. */
void prom_format(struct sbuf *b, const struct metrics_snap *s);

/** Start the HTTP server on @p m's address. 0, or -errno with a message in @p err. */
int http_start(const struct cfg_metrics *m, char *err, size_t errlen);
/** Stop and join the HTTP server threads (no-op when they do not run). */
void http_stop(void);
/** "http(s)://ADDR:PORT/metrics", or "" when not running. */
const char *http_url(void);

#endif /* STP_METRICS_PRIV_H */
