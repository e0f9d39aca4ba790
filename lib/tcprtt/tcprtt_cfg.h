/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_TCPRTT_CFG_H
#define STP_TCPRTT_CFG_H

/**
 * @file
 * The tcp_rtt configuration section (cfg.c): its block in struct stp_config and its accessor.
 * config/README.md documents the keys.
 */

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"

#define CFG_MAX_TCPRTT_PORTS 8	  /**< Max entries in tcp_rtt.ports. */
#define CFG_MAX_TCPRTT_PREFIXES 8 /**< Max entries in tcp_rtt.prefixes. */

/** tcp_rtt.prefixes[i]: samples of flows with an endpoint in it get histograms of their own. */
struct cfg_tcprtt_prefix {
	char name[CFG_NAME_LEN];     /**< tcp_rtt.prefixes[].name, required, unique */
	char prefix[CFG_PREFIX_LEN]; /**< tcp_rtt.prefixes[].prefix, required: "10.1.0.0/16" */
	uint8_t family;		     /**< derived: 4 or 6 */
	uint8_t len;		     /**< derived: prefix length */
	uint8_t addr[16];	     /**< derived: network address (host bits 0) */
};

/** tcp_rtt.ts_rule: which packets start a TS sample (README.md, "Passive TCP latency"). */
enum cfg_tcprtt_ts_rule {
	CFG_TS_RULE_DATA = 0, /**< "data": segments that are acknowledged (data, FIN): ePPing */
	CFG_TS_RULE_FIRST,    /**< "first": the first packet of any kind with the TSval: pping */
};

/**
 * tcp_rtt: passive TCP latency (lib/tcprtt, the tcprtt worker stage).
 *
 * JSON shape: { "enabled": true, "ports": ["in"], "flows": 65536, "idle_timeout_s": 60,
 *               "ts_min_interval_ms": 100, "ts_slots": 128, "close_linger_ms": 1000,
 *               "ts_rule": "data", "output": { "path": "-", "rotate_bytes": 0,
 *               "rotate_seconds": 0, "max_files": 0, "ring": 16384 },
 *               "prefixes": [ { "name": "dc1", "prefix": "10.1.0.0/16" } ] }
 * "ports" absent: every port (the loader writes them all in, so a dump lists them).
 */
struct cfg_tcprtt {
	bool enabled;			      /**< tcp_rtt.enabled, default false */
	uint16_t nb_ports;		      /**< ports watched */
	uint16_t ports[CFG_MAX_TCPRTT_PORTS]; /**< indexes into cfg.ports, distinct */
	uint32_t flows;			      /**< per worker [64..16777216], default 65536 */
	uint32_t idle_timeout_s;	      /**< [1..86400], default 60 */
	uint32_t ts_min_interval_ms;	      /**< [0..60000], default 100 */
	uint32_t ts_slots;	  /**< power of 2 [16..65536], default 128 (config/README.md) */
	uint32_t close_linger_ms; /**< [0..600000], default 1000 */
	enum cfg_tcprtt_ts_rule ts_rule; /**< "data" (default) or "first" */
	char out_path[CFG_PATH_LEN];	 /**< output.path, default "-" (stdout) */
	uint64_t out_rotate_bytes;	 /**< output.rotate_bytes [0, 4096..2^50], default 0 */
	uint32_t out_rotate_seconds;	 /**< output.rotate_seconds [0..31536000], default 0 */
	uint32_t out_max_files;		 /**< output.max_files [0..1000000], default 0 */
	uint32_t out_ring;		 /**< output.ring, power of 2 [64..1048576], 16384 */
	uint16_t nb_prefixes;
	struct cfg_tcprtt_prefix prefixes[CFG_MAX_TCPRTT_PREFIXES];
};

/** The section (its schema rows, parse pass, dump hooks), listed by the tcp_rtt feature. */
extern const struct cfg_section tcprtt_cfg_section;

/**
 * The tcp_rtt section of a loaded config; when the config was loaded without it, a block of
 * zeros (tcp_rtt off).
 */
const struct cfg_tcprtt *tcprtt_cfg_of(const struct stp_config *cfg);

#endif /* STP_TCPRTT_CFG_H */
