/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_METRICS_H
#define STP_METRICS_H

/**
 * @file
 * The counters, for machines: DPDK telemetry endpoints and a Prometheus endpoint.
 *
 * Telemetry (always on while the pipeline runs; EAL telemetry must not be disabled with
 * --no-telemetry): commands registered with rte_telemetry_register_cmd() and answered on DPDK's
 * telemetry threads, read with `dpdk-telemetry.py -f <file-prefix>`:
 *
 *   /stampede/info        node id and description, version
 *   /stampede/totals      received, replicated, transmitted, captured, dropped, in flight
 *   /stampede/ports       per port: driver counters (rte_eth_stats), stampede's own rx/tx,
 *                         timestamp source, link
 *   /stampede/lcores      per datapath lcore: roles, packets, loops, busy cycles
 *   /stampede/drops       every drop reason (STP_FOREACH_DROP), zeros included
 *   /stampede/rules       per rule: packets matched; a parameter pages: "/stampede/rules,128"
 *   /stampede/outputs     per capture output: accepted, refused, written, bytes, files
 *   /stampede/timestamps  packets stamped, per timestamp source
 *
 * Each endpoint is one row of a table in metrics.c. Prometheus (when metrics.enabled):
 * libmicrohttpd on control threads (http.c) serving GET /metrics in the text exposition format
 * 0.0.4, optionally over TLS and with basic auth (metrics.tls, metrics.basic_auth); each metric
 * family is one row of another table there.
 *
 * Both read counters only (stp_stats_sum(), rte_eth_stats_get(), pcapng_writer_stats()): the
 * datapath takes no lock and is never waited for. A mutex between the control threads (main,
 * telemetry, HTTP) guards only the pipeline pointer, so that metrics_stop() never returns while
 * a reader still uses the pipeline.
 */

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

struct stp_pipeline;

/**
 * Parse the command line's "--metrics ADDR:PORT" into @p m and enable it: "127.0.0.1:9464",
 * "0.0.0.0:9464", "[::1]:9464". Port 0 asks the kernel for a free port (tests); metrics_url()
 * then tells which one it chose.
 *
 * @return 0, or -EINVAL with a one-line message in @p err.
 */
int metrics_parse_listen(const char *s, struct cfg_metrics *m, char *err, size_t errlen);

/**
 * Point the telemetry endpoints at @p pl (registering them on the first call) and, when
 * pl->cfg->metrics.enabled, listen and start the HTTP server threads. Call after
 * stp_pipeline_create(), on the main thread.
 *
 * @param version  reported by /stampede/info and stampede_info
 * @param err      on failure, "<file>: metrics: cannot listen on ADDR port N (...): <reason>"
 * @return 0, or -errno (nothing is left running).
 */
int metrics_start(struct stp_pipeline *pl, const char *version, char err[CFG_ERR_LEN]);

/**
 * Stop serving: the HTTP thread is joined and its socket closed; the telemetry endpoints (which
 * DPDK cannot unregister) answer null from then on. Waits for a reader in progress. Call before
 * stp_pipeline_stop(). Idempotent.
 */
void metrics_stop(void);

/** "http(s)://ADDR:PORT/metrics" while the HTTP server runs, "" otherwise. */
const char *metrics_url(void);

/**
 * The Prometheus text of the pipeline's counters now (what GET /metrics returns).
 *
 * @return a malloc'd NUL-terminated string (length in @p len when not NULL) the caller frees,
 *         or NULL (no memory, or not started).
 */
char *metrics_prometheus_text(size_t *len);

#endif /* STP_METRICS_H */
