/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_CTL_H
#define STP_CTL_H

/**
 * @file
 * Control actions: what an operator can ask of a running stampede, in one place, for every
 * front end (the console on stdin, a command file or a UNIX socket; telemetry; metrics). Each
 * action returns plain data (a jansson object or array) that the caller renders; none prints.
 *
 * Serialisation: every function takes a mutex inside the ctl object, so front ends on several
 * threads may call concurrently. The datapath never takes it: actions reach the lcores through
 * the pipeline's atomics (the rule table pointer, the out_paused bits) and read the lcores'
 * single-writer counters without writing them.
 *
 * Counters shown are relative to a baseline that ctl_stats_clear() takes ("clear stats"); the
 * lcores' counters themselves are never reset, so the final counters that stampede prints at
 * exit and the invariant (stp_stats_in_flight() == 0) stays on raw
 * totals. Ethernet port counters are reset in the driver (rte_eth_stats_reset()).
 *
 * Rules changed live (the rules feature's add rule / del rule, through ctl_cfg_edit()) go
 * through the config loader's own code on a copy of the running configuration, which then
 * replaces it: pl->cfg points to the copy
 * (ctl owns it) and ctl_config() dumps it. pl->cfg changes under the ctl mutex; the configs it
 * pointed to stay valid until ctl_destroy(), so code outside ctl may read it at any time (it sees
 * the old or the new rules, whole). The price: each rule change keeps ~300 kB until exit.
 *
 * Functions returning json_t * return a new reference (json_decref() it), or NULL with @p err
 * filled. Integer-returning ones return 0 or -errno with @p err filled.
 */

#include <stdbool.h>

#include <jansson.h>

#include "cfg.h"
#include "pipeline.h"

struct ctl;

/**
 * Create the control object of a pipeline that is built (stp_pipeline_create()). Rates and busy
 * shares count from this call, which main() makes when the lcores are launched.
 */
struct ctl *ctl_create(struct stp_pipeline *pl);

/**
 * Free the control object, once no front end can call it any more. pl->cfg is pointed back at
 * the configuration it had at ctl_create() (the rule table keeps the running rules).
 */
void ctl_destroy(struct ctl *c);

/**
 * Ports: name, port_id, driver, device, mac, link {up, speed_mbps, duplex}, mtu, rx_queues,
 * tx_queues, rx_desc, tx_desc, socket, promiscuous, timestamp (the resolved source),
 * rx_offloads and tx_offloads (the names of the offloads granted).
 *
 * @param which  NULL or "all": every port; a DPDK port id; or a port name.
 * @return an array of objects, one per port.
 */
json_t *ctl_ports_info(struct ctl *c, const char *which, char err[CFG_ERR_LEN]);

/**
 * Port counters: name, port_id, the driver's rte_eth_stats (rx_pkts, rx_bytes, tx_pkts,
 * tx_bytes, imissed, ierrors, oerrors, rx_nombuf) and stampede's own app_rx / app_tx.
 * @p which as for ctl_ports_info().
 */
json_t *ctl_ports_stats(struct ctl *c, const char *which, char err[CFG_ERR_LEN]);

/**
 * Totals: received, transmitted, dropped, replicated, generated, consumed, captured, rx_bytes,
 * cycles_per_packet (absent below STP_CPP_MIN_PKTS packets: it would mean nothing),
 * timestamps {source: count}, in_flight (from raw counters: the baseline cancels out of it),
 * seconds (since start or the last clear), cleared (bool).
 */
json_t *ctl_stats(struct ctl *c);

/**
 * Datapath lcores: lcore, roles ["rx", "worker", "tx"], queues ["port:queue", ...], rx_pkts,
 * tx_pkts, loops, busy_pct (share of the time spent in iterations that moved packets),
 * cycles_per_packet, stages [{name, cycles, packets, cycles_per_packet}] (each worker stage's
 * cost on this lcore).
 */
json_t *ctl_lcores(struct ctl *c);

/** Rings: name, kind ("worker", "tx", "capture"), owner (lcore id or output name), size, used,
 * free. */
json_t *ctl_rings(struct ctl *c);

/** Drops: name, count, description, for every reason, in the order of STP_FOREACH_DROP. */
json_t *ctl_drops(struct ctl *c);

/** The running configuration as JSON text that stampede -c accepts; free() it. NULL: ENOMEM. */
char *ctl_config(struct ctl *c);

/**
 * Pause (@p run false) or resume forwarding, as testpmd's stop / start: paused, no port is
 * polled (what is queued still leaves); counters are kept. 0, or -EALREADY when already so.
 */
int ctl_forwarding(struct ctl *c, bool run);

/** Whether forwarding runs (not paused by ctl_forwarding()). */
bool ctl_forwarding_on(const struct ctl *c);

/**
 * Stop (@p run false) or start a port (id or name; "all": every port), as testpmd's port
 * stop|start while the datapath runs: the lcores stop polling it and drop what goes to it
 * (port_stopped), and only once every lcore has moved on is the device stopped; a start
 * starts the device, then the lcores use it again. Counters are kept. 0, or < 0 with @p err
 * (-EALREADY: already so; or the driver's refusal named).
 */
int ctl_port_run(struct ctl *c, const char *which, bool run, char err[CFG_ERR_LEN]);

/**
 * Set promiscuous (@p what "promisc") or all-multicast ("allmulti") mode of a port (id or
 * name; "all": every port) on or off. 0, or < 0 with @p err (the driver's refusal named).
 */
int ctl_port_mode(
		struct ctl *c, const char *which, const char *what, bool on, char err[CFG_ERR_LEN]);

/**
 * Extended statistics (rte_eth_xstats) of a port or all: [{"name", "port_id", "xstats":
 * {name: value, ...}}]. NULL with @p err for an unknown port.
 */
json_t *ctl_port_xstats(struct ctl *c, const char *which, char err[CFG_ERR_LEN]);

/**
 * Take the baseline that counters are shown from (the features' too: their clear op), and
 * reset the ports' driver counters.
 */
int ctl_stats_clear(struct ctl *c);

/**
 * Change the running configuration: under the lock, @p edit changes a copy of it and puts in
 * place what the change needs (0), or refuses (< 0: the copy is dropped, the running one
 * stays); then the copy replaces it (pl->cfg, ctl_config()). @p err: @p edit's error, or a
 * warning on success ("" otherwise). The rules feature's add rule / del rule go through it.
 */
int ctl_cfg_edit(struct ctl *c,
		int (*edit)(struct stp_pipeline *pl, struct stp_config *next, void *arg,
				char err[CFG_ERR_LEN]),
		void *arg, char err[CFG_ERR_LEN]);

/**
 * Take and release the lock every action here holds: a feature's own actions (its console
 * commands, through struct stp_cmd_env) serialise with them.
 */
void ctl_lock(struct ctl *c);
void ctl_unlock(struct ctl *c);

/** The pipeline @p c controls. */
struct stp_pipeline *ctl_pipeline(struct ctl *c);

/**
 * What feature @p f shows to operators: the member f->ui->key of its view, or
 * {"enabled": false} when its config leaves it off (console "show <f->ui->show>").
 */
json_t *ctl_feature_ui_view(struct ctl *c, const struct stp_feature *f);

/**
 * Timestamps: "counts" {source: packets stamped} and "ports": port_clocks_json() (each port's
 * source and, for hardware stamps, its device clock: kind, fitted frequency, drift, offset,
 * last error, read bracket, samples, rejects, steps).
 */
json_t *ctl_timestamps(struct ctl *c);

#endif /* STP_CTL_H */
