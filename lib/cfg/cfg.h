/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_CFG_H
#define STP_CFG_H

/**
 * @file
 * stampede's configuration: one JSON file (jansson) parsed once into the plain struct below.
 *
 * The schema is documented with examples in config/README.md. Loading runs three passes:
 *  1. per field: type and range of every value (cfg_load());
 *  2. across fields: names resolve, queues are polled once, lcores are distinct (cfg_load());
 *  3. against the devices: rte_eth_dev_info limits, done by the port module after EAL init, which
 *     reports through cfg_errf() so that its messages name the same JSON paths.
 *
 * Every error message has the shape "<file>: <json path>: <what is wrong>", for example
 * "cfg.json: ports[1].rx_queues: 0 is out of range [1..64]". JSON syntax errors have the shape
 * "<file>:<line>:<column>: <jansson's message>".
 *
 * Nothing in this module touches the EAL, so it is unit-testable without hugepages.
 */

#include <stdbool.h>
#include <stdint.h>

#define CFG_ERR_LEN 512	     /**< Size of an error message buffer. */
#define CFG_NAME_LEN 32	     /**< Max port / rule name length, including the NUL. */
#define CFG_DEVICE_LEN 256   /**< Max device string length, including the NUL. */
#define CFG_DESC_LEN 128     /**< Max node description length, including the NUL. */
#define CFG_PATH_LEN 256     /**< Max file path length, including the NUL. */
#define CFG_MAX_PORTS 32     /**< Max entries in ports[] (RTE_MAX_ETHPORTS on Debian). */
#define CFG_MAX_QUEUES 64    /**< Max rx_queues / tx_queues per port. */
#define CFG_MAX_LCORES 64    /**< Max datapath lcores across all roles. */
#define CFG_MAX_LCORE_ID 127 /**< Max lcore id (RTE_MAX_LCORE - 1 on Debian). */
#define CFG_MAX_POLL 64	     /**< Max (port, queue) pairs one RX lcore polls. */
#define CFG_MAX_RULES 256    /**< Max entries in rules[]. */
#define CFG_MAX_EAL_ARGS 64  /**< Max entries in eal.args. */
#define CFG_MAX_BURST 64     /**< Upper bound of the "burst" setting: the stack arrays' size. */
#define CFG_MAX_MTU \
	9218 /**< 9000 MTU + room for trailers and tags; frames up to 9018 + trailers. */

/** How a port's packets are timestamped (ports[].timestamp). */
enum cfg_ts_mode {
	CFG_TS_AUTO = 0, /**< hw if the port offers RX timestamps, else pcap for rx_pcap, else sw.
			  */
	CFG_TS_HW,	 /**< NIC clock; a config error where the port does not offer it. */
	CFG_TS_SW,	 /**< Calibrated TSC at rx_burst time. */
	CFG_TS_NONE,	 /**< No timestamp (0): saves the TSC read. */
};

/** node: who this stampede is. */
struct cfg_node {
	uint32_t id;			/**< node.id, 0..2^32-1, default 1 */
	char description[CFG_DESC_LEN]; /**< node.description, default "" */
};

/** eal: how the EAL is started. */
struct cfg_eal {
	char *args[CFG_MAX_EAL_ARGS]; /**< eal.args, strings, malloc'd, passed as given */
	unsigned int nb_args;
	bool hugepages;	      /**< eal.hugepages, default true; false adds --no-huge */
	char file_prefix[64]; /**< eal.file_prefix, default "stampede" */
	uint32_t memory_mb;   /**< eal.memory_mb (-m), 0 = EAL default; default 0,
			       *   with hugepages false and 0 given: 512 */
	uint32_t main_lcore;  /**< eal.main_lcore, default 0: control thread */
};

/** ports[i]: one DPDK port. */
struct cfg_port {
	char name[CFG_NAME_LEN];     /**< ports[].name, required, unique, [A-Za-z0-9_.-]+ */
	char device[CFG_DEVICE_LEN]; /**< ports[].device, required: PCI "0000:03:00.0[,args]" or
				      *   a vdev string "net_af_packet0,iface=veth0" */
	bool is_pci;		     /**< derived: device starts with a PCI address */
	uint16_t rx_queues;	     /**< ports[].rx_queues [1..64], default 1 */
	uint16_t tx_queues;	     /**< ports[].tx_queues [1..64], default 1 */
	uint16_t rx_desc;	     /**< ports[].rx_desc [64..16384], default 1024 */
	uint16_t tx_desc;	     /**< ports[].tx_desc [64..16384], default 1024 */
	uint16_t mtu;		     /**< ports[].mtu [68..9218], default 1500 */
	bool promiscuous;	     /**< ports[].promiscuous, default true */
	enum cfg_ts_mode timestamp;  /**< ports[].timestamp "auto|hw|sw|none", default auto */
};

/** One (port, queue) pair that an RX lcore polls: lcores.rx[i].queues[j]. */
struct cfg_poll {
	uint16_t port;	/**< index into cfg.ports[] (resolved from the port name) */
	uint16_t queue; /**< [0..ports[port].rx_queues - 1] */
};

/** Roles an lcore can have; combinable. */
#define CFG_ROLE_RX 0x1
#define CFG_ROLE_WORKER 0x2
#define CFG_ROLE_TX 0x4

/**
 * lcores: which lcore runs which stages.
 *
 * JSON shape:
 *   "lcores": { "rx": [ { "lcore": 1, "queues": [ { "port": "in", "queue": 0 } ] } ],
 *               "worker": [ 1 ], "tx": [ 1 ] }
 * An lcore may appear in all three lists; it then runs RX, work and TX to completion.
 * When "lcores" is absent, lcore 1 (or the first lcore after eal.main_lcore) takes all three
 * roles and polls every queue of every port.
 */
struct cfg_lcore {
	uint32_t lcore_id; /**< EAL lcore id [0..127], not eal.main_lcore */
	uint32_t roles;	   /**< CFG_ROLE_* bits */
	uint16_t nb_poll;  /**< RX lcores: number of polled queues */
	struct cfg_poll poll[CFG_MAX_POLL];
};

/** rules[].action */
enum cfg_action {
	CFG_ACTION_FORWARD = 0, /**< send to port out */
};

/**
 * rules[i]: evaluated in order on workers; the first rule that matches decides.
 *
 * JSON shape: { "name": "a-to-b", "in": ["a"], "action": "forward", "out": "b" }
 * "in" is a port name or a list of port names; absent means every port.
 */
struct cfg_rule {
	char name[CFG_NAME_LEN]; /**< rules[].name, default "rule<i>", unique */
	uint32_t in_mask;	 /**< bit p set: matches packets received on ports[p] */
	enum cfg_action action;	 /**< rules[].action, required */
	uint16_t out_port;	 /**< forward: index into ports[], required for forward */
};

/** The whole configuration. Plain data: copyable, no pointers except eal.args. */
struct stp_config {
	char file[CFG_PATH_LEN]; /**< the file it came from, for error messages */
	struct cfg_node node;
	struct cfg_eal eal;
	uint16_t nb_ports;
	struct cfg_port ports[CFG_MAX_PORTS];
	uint16_t nb_lcores;
	struct cfg_lcore lcores[CFG_MAX_LCORES]; /**< one entry per distinct lcore id, any roles */
	uint16_t burst;				 /**< burst [1..64], default 32 */
	uint32_t worker_ring_size; /**< rings.worker [64..65536], power of 2, default 4096 */
	uint32_t tx_ring_size;	   /**< rings.tx [64..65536], power of 2, default 4096 */
	uint32_t mempool_size;	   /**< mempool.size [1023..4194304], default 32767 */
	uint32_t mempool_cache;	   /**< mempool.cache [0..512], default 256 */
	uint16_t mbuf_size;	   /**< mempool.mbuf_size: data room [1024..10240], default 2176 */
	uint16_t nb_rules;
	struct cfg_rule rules[CFG_MAX_RULES];
};

/**
 * Load and validate (passes 1 and 2) a config file.
 *
 * @param path  file to read
 * @param cfg   filled on success; on failure its content is undefined but cfg_free() is safe
 * @param err   on failure, one line "<file>: <path>: <message>" (no trailing newline)
 * @return 0, or -EINVAL (bad content) / -ENOENT, -EACCES... (cannot read: err says so)
 */
int cfg_load(const char *path, struct stp_config *cfg, char err[CFG_ERR_LEN]);

/**
 * Same as cfg_load() on a string; @p name is used as the file name in messages.
 */
int cfg_load_string(
		const char *text, const char *name, struct stp_config *cfg, char err[CFG_ERR_LEN]);

/** Free what cfg_load() allocated (eal.args). Safe on a zeroed or failed cfg. */
void cfg_free(struct stp_config *cfg);

/**
 * Format an error about @p json_path in the standard shape, for passes that run outside this
 * module (e.g. against rte_eth_dev_info). Returns -EINVAL so callers can `return cfg_errf(...)`.
 */
int cfg_errf(const struct stp_config *cfg, char err[CFG_ERR_LEN], const char *json_path,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/**
 * The configuration as JSON text that cfg_load_string() accepts and that yields an equal struct
 * (every key written, defaults included). Returns a malloc'd string the caller frees, or NULL.
 */
char *cfg_dump_json(const struct stp_config *cfg);

/** Index of the port called @p name, or -1. */
int cfg_port_by_name(const struct stp_config *cfg, const char *name);

/** Name of a timestamp mode ("auto", "hw", "sw", "none"). */
const char *cfg_ts_mode_name(enum cfg_ts_mode m);

/** The lcore entry for @p lcore_id, or NULL. */
const struct cfg_lcore *cfg_lcore_find(const struct stp_config *cfg, uint32_t lcore_id);

#endif /* STP_CFG_H */
