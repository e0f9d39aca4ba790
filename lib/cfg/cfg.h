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

/* lib/pipeline's tunnel state reads struct encap_tunnel through this header. */
#include "encap.h"

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
#define CFG_MAX_RULES 256    /**< Max entries in rules[] (lib/rules; the stats' rule slots). */
#define CFG_MAX_EAL_ARGS 64  /**< Max entries in eal.args. */
#define CFG_MAX_BURST 64     /**< Upper bound of the "burst" setting: the stack arrays' size. */
/** Max MTU: 9000 + room for trailers and tags (frames up to 9018 + trailer bytes). */
#define CFG_MAX_MTU 9218
#define CFG_MAX_OUTPUTS 16    /**< Max entries in outputs[] (lib/outputs; the stats' slots). */
#define CFG_FILTER_LEN 1024   /**< Max libpcap filter length, including the NUL. */
#define CFG_AUTH_HASH_LEN 256 /**< Max metrics.basic_auth.password_hash length, with the NUL. */
#define CFG_LISTEN_LEN 64     /**< Max metrics.listen length (an IP literal), including the NUL. */

/** How a port's packets are timestamped (ports[].timestamp). */
enum cfg_ts_mode {
	/** hw if the port offers RX timestamps, else pcap for rx_pcap inputs, else sw. */
	CFG_TS_AUTO = 0,
	CFG_TS_HW,   /**< NIC clock; a config error where the port does not offer it. */
	CFG_TS_SW,   /**< Calibrated TSC at rx_burst time. */
	CFG_TS_NONE, /**< No timestamp (0): saves the TSC read. */
};

/** What a port's device clock counts (ports[].clock): how hardware stamps become UTC. */
enum cfg_clock {
	/** Measured at start-up, logged: UTC or TAI (by the kernel's TAI offset), else free. */
	CFG_CLOCK_AUTO = 0,
	CFG_CLOCK_UTC, /**< real-time mode: UTC ns (a PHC steered to the system clock) */
	CFG_CLOCK_TAI, /**< real-time mode: TAI ns (a PHC steered by ptp4l): minus the TAI offset */
	CFG_CLOCK_FREE, /**< free-running ticks, disciplined to CLOCK_REALTIME */
};

/** node.role: what this node does with stampede datagrams (lib/encap/README.md). */
enum cfg_node_role {
	CFG_ROLE_EDGE = 0,  /**< "edge": captures; its stampede outputs encapsulate */
	CFG_ROLE_RELAY,	    /**< "relay": adds a hop record, sends on to node.relay_to */
	CFG_ROLE_COLLECTOR, /**< "collector": decapsulates, checks sequences, hands frames on */
};

#define CFG_PREFIX_LEN 48 /**< Max prefix text ("2001:db8::/32"), including the NUL. */

/** node: who this stampede is. */
struct cfg_node {
	uint32_t id;			/**< node.id, 0..2^32-1, default 1 */
	char description[CFG_DESC_LEN]; /**< node.description, default "" */
	enum cfg_node_role role;	/**< node.role "edge|relay|collector", default edge */
	/* The broker's keys of node (listen_port, relay_to, peers, auth...): lib/broker/cfg.c. */
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
	enum cfg_clock clock;	     /**< ports[].clock "auto|utc|tai|free", default auto */
	uint8_t clock_bits;	     /**< ports[].clock_bits [16..64]: device counter width, 64 */
	/* ports[].trailer, the switch trailers' key: lib/trailer/cfg.c (trailer_cfg_of()). */
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

/**
 * What a name in rules[].out or groups[].members refers to. Names are unique across ports,
 * outputs and groups; kinds past CFG_TARGET_OUTPUT are named by a feature's section
 * (cfg_section.target_kind: the rules' groups).
 */
enum cfg_target_kind {
	CFG_TARGET_NONE = 0,
	CFG_TARGET_PORT,   /**< index into ports[] */
	CFG_TARGET_OUTPUT, /**< index into outputs[] */
	CFG_TARGET_GROUP,  /**< index into groups[] (lib/rules; rules[].out only: no nesting) */
	CFG_TARGET_KINDS,  /**< the number of kinds */
};

struct cfg_target {
	uint8_t kind; /**< enum cfg_target_kind */
	uint16_t idx;
};

/** outputs[].type */
enum cfg_output_type {
	CFG_OUTPUT_PCAPNG = 0, /**< capture files (lib/pcapng) */
	CFG_OUTPUT_ERSPAN3,    /**< ERSPAN type III over GRE out of a port (lib/encap) */
	CFG_OUTPUT_VXLAN,      /**< VXLAN out of a port */
	CFG_OUTPUT_GRE,	       /**< GRE transparent Ethernet bridging out of a port */
	CFG_OUTPUT_STAMPEDE,   /**< stampede header to another stampede node (lib/encap/sph.h) */
};

/**
 * True for the types that send out of a port with outer headers (cfg_output.tun): tunnels
 * (ENCAP_ERSPAN3, _VXLAN, _GRE) and stampede outputs (ENCAP_SPH_UDP, _UDP6 or _ETH).
 */
static inline bool
cfg_output_is_tunnel(enum cfg_output_type t)
{
	return t >= CFG_OUTPUT_ERSPAN3 && t <= CFG_OUTPUT_STAMPEDE;
}

/**
 * metrics: the Prometheus endpoint served by lib/metrics (DPDK telemetry needs no setting).
 *
 * JSON shape: { "enabled": true, "listen": "127.0.0.1", "port": 9464,
 *               "tls": { "cert_file": "...", "key_file": "..." },
 *               "basic_auth": { "username": "prom", "password_hash": "$y$..." } }
 * Off by default, so that tests and demos do not compete for the port; loopback by default:
 * listening on another address exposes the counters to that network, the operator's choice.
 * tls and basic_auth are optional, as in Prometheus exporters' web-config: cert_file and
 * key_file (PEM) go together and must be readable when the config is loaded; password_hash is
 * a crypt(3) hash (libxcrypt: "$y$" yescrypt, "$2b$" bcrypt, "$6$" SHA-512-crypt...).
 */
struct cfg_metrics {
	bool enabled;		      /**< metrics.enabled, default false */
	char listen[CFG_LISTEN_LEN];  /**< metrics.listen: IPv4/IPv6 literal, default "127.0.0.1" */
	uint16_t port;		      /**< metrics.port [1..65535], default 9464 */
	char tls_cert[CFG_PATH_LEN];  /**< metrics.tls.cert_file (PEM), default "" = no TLS */
	char tls_key[CFG_PATH_LEN];   /**< metrics.tls.key_file (PEM), with cert_file */
	char auth_user[CFG_NAME_LEN]; /**< metrics.basic_auth.username, "" = no auth */
	char auth_hash[CFG_AUTH_HASH_LEN]; /**< metrics.basic_auth.password_hash (crypt(3)) */
};

#define CFG_MAX_SECTIONS 8 /**< Max feature sections a config holds (cfg_section.h). */
/**
 * Bytes the feature sections' blocks share in struct stp_config: 32 kB, 288 kB for the largest,
 * the rules' (CFG_MAX_RULES rules of about 1.1 kB, and the groups), 24 kB for the outputs'.
 */
#define CFG_SECTION_MEM ((32 + 288 + 24) * 1024)

struct cfg_section;

/**
 * The whole configuration. Plain data: copyable, no pointers except eal.args and the sections'
 * descriptors (static).
 */
struct stp_config {
	char file[CFG_PATH_LEN]; /**< the file it came from, for error messages */
	struct cfg_node node;
	struct cfg_eal eal;
	uint16_t nb_ports;
	struct cfg_port ports[CFG_MAX_PORTS];
	uint16_t nb_lcores;
	struct cfg_lcore lcores[CFG_MAX_LCORES]; /**< one entry per distinct lcore id, any roles */
	uint16_t burst;				 /**< burst [1..64], default 32 */
	uint16_t idle_sleep_us;	   /**< idle_sleep_us [0..10000], default 0: lcores never sleep */
	uint32_t worker_ring_size; /**< rings.worker [64..65536], power of 2, default 4096 */
	uint32_t tx_ring_size;	   /**< rings.tx [64..65536], power of 2, default 4096 */
	uint32_t mempool_size;	   /**< mempool.size [1023..4194304], default 32767 */
	uint32_t mempool_cache;	   /**< mempool.cache [0..512], default 256 */
	uint16_t mbuf_size;	   /**< mempool.mbuf_size: data room [1024..10240], default 2176 */
	/* outputs: the outputs feature's section, lib/outputs/cfg.c (outputs_cfg_of()). */
	/* groups and rules: the rules feature's section, lib/rules/cfg.c (rules_cfg_of()). */
	struct cfg_metrics metrics;
	/**
	 * The features' sections (lib/cfg/cfg_section.h): which were loaded, and their blocks
	 * (plain data) at sec_off[] in sec_mem. A feature reads its block with a typed
	 * accessor over cfg_section_get().
	 */
	uint8_t nb_sections;
	const struct cfg_section *sections[CFG_MAX_SECTIONS];
	uint32_t sec_off[CFG_MAX_SECTIONS];
	_Alignas(16) uint8_t sec_mem[CFG_SECTION_MEM];
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

/**
 * Resolve a name of the shared port / output / group namespace (rules[].out, groups[].members).
 *
 * @return 0 with @p t filled, or -ENOENT.
 */
int cfg_target_by_name(const struct stp_config *cfg, const char *name, struct cfg_target *t);

/** Name of the port, output or group @p t refers to; "" for CFG_TARGET_NONE or a bad index. */
const char *cfg_target_name(const struct stp_config *cfg, const struct cfg_target *t);

/** Entries of target kind @p kind (ports, outputs, a section's: groups) in @p cfg. */
uint16_t cfg_target_count(const struct stp_config *cfg, uint8_t kind);

/** The list a target kind is in, for messages: "ports", "outputs", "groups". */
const char *cfg_target_kind_name(const struct stp_config *cfg, uint8_t kind);

/** Name of a timestamp mode ("auto", "hw", "sw", "none"). */
const char *cfg_ts_mode_name(enum cfg_ts_mode m);

/** The lcore entry for @p lcore_id, or NULL. */
const struct cfg_lcore *cfg_lcore_find(const struct stp_config *cfg, uint32_t lcore_id);

#endif /* STP_CFG_H */
