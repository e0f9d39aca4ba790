/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The configuration loader: one JSON document (jansson) into struct stp_config.
 *
 * Every key of every object is listed once, in cfg_opts[] below, with its section, type, range and
 * default (the shape of Redis's createIntConfig() table). That table drives the unknown-key check
 * (and the list of allowed keys the message prints), the missing-key check, the parsing and
 * defaulting of scalar values and cfg_dump_json(). Keys whose value is an array or needs other
 * keys to be understood (ports, outputs, groups, lcores, rules, eal.args, groups[].members,
 * rules[].in/out) are OPT_CUSTOM: the table names them and their dump hook, and the section's
 * parse pass (cfg_passes[], run in order by parse_root()) parses them.
 *
 * Nothing here touches the EAL: the module is plain C, jansson and libpcap (to check rule filters)
 * so it can be unit-tested and used before rte_eal_init() (the EAL arguments themselves come from
 * this file).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crypt.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <pcap/pcap.h>

#include "cfg.h"
#include "filter.h"
#include "sph.h"
#include "trailer.h"

/* A config file is a few kB; refuse to slurp anything absurd. */
#define CFG_MAX_FILE_SIZE (16u << 20)
/* A JSON path such as "lcores.rx[12].queues[3].port", with room for long unknown keys. */
#define JPATH_LEN 160
/* A JSON value quoted in a message; longer values are cut with "...". */
#define JVAL_LEN 80
/* Characters of a plain key; names (ports, rules, file_prefix) may also hold dots. */
#define WORD_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
/* The jansson flags every load uses. */
#define CFG_JSON_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)

enum opt_type {
	OPT_INT,    /**< JSON integer into an unsigned field of size 1, 2, 4 or 8 */
	OPT_BOOL,   /**< JSON true/false into a bool */
	OPT_STR,    /**< JSON string into a char[size] */
	OPT_ENUM,   /**< JSON string, one of names[], into an enum field (its index) */
	OPT_OBJ,    /**< nested object whose section is the key; its keys are in the table */
	OPT_CUSTOM, /**< parsed and dumped by code; the table only names the key */
};

#define OPT_REQUIRED 0x1 /**< missing key is an error */
#define OPT_POW2 0x2	 /**< integer must also be a power of two */
#define OPT_NAME 0x4	 /**< string of 1..size-1 characters from [A-Za-z0-9_.-] */
#define OPT_NONEMPTY 0x8 /**< string must not be "" */
#define OPT_ZERO 0x10	 /**< integer may also be 0, below min: "0 = off" */
#define OPT_NOCTRL 0x20	 /**< string must not hold control characters (file paths) */

/** One key of the schema. */
struct opt {
	const char *section; /**< the object the key lives in: "" is the root, "ports[]" a port */
	const char *key;
	enum opt_type type;
	unsigned int flags; /**< OPT_REQUIRED, OPT_POW2, ... */
	size_t off;	    /**< field offset in the section's struct */
	size_t size;	    /**< field size (integers) or buffer size (strings) */
	int64_t min;
	int64_t max;
	int64_t def;		  /**< default of OPT_INT, OPT_BOOL and OPT_ENUM */
	const char *def_str;	  /**< default of OPT_STR */
	const char *const *names; /**< OPT_ENUM: the values, indexed by enum value */
	unsigned int nb_names;	  /**< OPT_ENUM: entries in names[] */
	/** OPT_CUSTOM: the key's value from the section's struct at @p base (dump_section()). */
	json_t *(*dump)(const struct stp_config *cfg, const void *base, bool *bad);
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The values of each enum, indexed by enum value: parsing, messages and dumps use them. */
static const char *const ts_names[] = {
	[CFG_TS_AUTO] = "auto",
	[CFG_TS_HW] = "hw",
	[CFG_TS_SW] = "sw",
	[CFG_TS_NONE] = "none",
};

static const char *const action_names[] = {
	[CFG_ACTION_FORWARD] = "forward",
	[CFG_ACTION_DROP] = "drop",
	[CFG_ACTION_COUNT] = "count",
};

static const char *const vlan_names[] = {
	[CFG_VLAN_KEEP] = "keep",
	[CFG_VLAN_STRIP] = "strip",
};

static const char *const output_type_names[] = {
	[CFG_OUTPUT_PCAPNG] = "pcapng",
	[CFG_OUTPUT_ERSPAN3] = "erspan3",
	[CFG_OUTPUT_VXLAN] = "vxlan",
	[CFG_OUTPUT_GRE] = "gre",
	[CFG_OUTPUT_STAMPEDE] = "stampede",
};

static const char *const node_role_names[] = {
	[CFG_ROLE_EDGE] = "edge",
	[CFG_ROLE_RELAY] = "relay",
	[CFG_ROLE_COLLECTOR] = "collector",
};

static const char *const ts_rule_names[] = {
	[CFG_TS_RULE_DATA] = "data",
	[CFG_TS_RULE_FIRST] = "first",
};

static const char *const transport_names[] = {
	[CFG_TRANSPORT_UDP] = "udp",
	[CFG_TRANSPORT_ETHER] = "ether",
};

/* outputs[] keys of capture files and of tunnels: each type refuses the other's. */
/* Per output type with outer headers: its encapsulation (stampede: UDP, or IPv6 / Ethernet by
 * its addresses and transport) and the range of its "id". */
static const struct {
	enum encap_type enc;
	uint32_t max_id;
} tunnel_types[] = {
	[CFG_OUTPUT_ERSPAN3] = { ENCAP_ERSPAN3, 1023 },
	[CFG_OUTPUT_VXLAN] = { ENCAP_VXLAN, 0xffffff },
	[CFG_OUTPUT_GRE] = { ENCAP_GRE, UINT32_MAX },
	[CFG_OUTPUT_STAMPEDE] = { ENCAP_SPH_UDP, 0 },
};
static const char *const pcapng_only_keys[] = { "path", "rotate_bytes", "rotate_seconds",
	"max_files", "ring", "snaplen", "comments", "durable", "sync_ms" };
static const char *const tunnel_only_keys[] = { "port", "src_ip", "dst_ip", "dst_mac", "id", "ttl",
	"dscp", "dst_port" };
/* outputs[] keys of stampede outputs only (they take the tunnel keys too, except "id"). */
static const char *const stampede_only_keys[] = { "transport", "description", "reliable",
	"resend_window_s", "resend_buffer_pkts", "spool" };

static const char *const group_mode_names[] = {
	[CFG_GROUP_BALANCE] = "balance",
	[CFG_GROUP_REPLICATE] = "replicate",
	[CFG_GROUP_FIRST_UP] = "first-up",
};

static const char *const probe_mode_names[] = {
	[CFG_PROBE_STAMPEDE] = "stampede",
	[CFG_PROBE_STAMP] = "stamp",
	[CFG_PROBE_PLAIN] = "plain",
};

static const char *const clock_names[] = {
	[CFG_CLOCK_AUTO] = "auto",
	[CFG_CLOCK_UTC] = "utc",
	[CFG_CLOCK_TAI] = "tai",
	[CFG_CLOCK_FREE] = "free",
};

static const char *const stamp_ts_names[] = {
	[CFG_STAMP_NTP] = "ntp",
	[CFG_STAMP_PTP] = "ptp",
};

static const char *const stamp_auth_names[] = {
	[CFG_STAMP_AUTH_NONE] = "none",
	[CFG_STAMP_AUTH_HMAC] = "hmac-sha256",
};

static const char *const payload_names[] = {
	[CFG_PAYLOAD_ZEROS] = "zeros",
	[CFG_PAYLOAD_INCREMENTING] = "incrementing",
	[CFG_PAYLOAD_RANDOM] = "random",
};

static const char *const rate_mode_names[] = {
	[CFG_RATE_PACED] = "paced",
	[CFG_RATE_MAX] = "max",
};

static const char *const target_kind_names[] = {
	[CFG_TARGET_NONE] = "nothing",
	[CFG_TARGET_PORT] = "ports",
	[CFG_TARGET_OUTPUT] = "outputs",
	[CFG_TARGET_GROUP] = "groups",
};

/* One table row per line reads better than the formatter's layout. */
/* clang-format off */
#define FSIZE(st, f) sizeof(((st *)0)->f)
#define O_INT(sec, k, st, f, lo, hi, d, fl)                                                        \
	{ sec, k, OPT_INT, fl, offsetof(st, f), FSIZE(st, f), lo, hi, d, NULL, NULL, 0 }
#define O_BOOL(sec, k, st, f, d)                                                                   \
	{ sec, k, OPT_BOOL, 0, offsetof(st, f), FSIZE(st, f), 0, 1, d, NULL, NULL, 0 }
#define O_STR(sec, k, st, f, d, fl)                                                                \
	{ sec, k, OPT_STR, fl, offsetof(st, f), FSIZE(st, f), 0, 0, 0, d, NULL, 0 }
#define O_ENUM(sec, k, st, f, nm, d, fl)                                                           \
	{ sec, k, OPT_ENUM, fl, offsetof(st, f), FSIZE(st, f), 0, 0, d, NULL, nm, ARRAY_LEN(nm) }
#define O_OBJ(sec, k) { sec, k, OPT_OBJ, 0, 0, 0, 0, 0, 0, NULL, NULL, 0, NULL }
#define O_CUSTOM(sec, k, fl) { sec, k, OPT_CUSTOM, fl, 0, 0, 0, 0, 0, NULL, NULL, 0, NULL }
/* An OPT_CUSTOM key with its dump hook (parsed by its section's parse pass). */
#define O_CUSTOM_D(sec, k, fl, fn) { sec, k, OPT_CUSTOM, fl, 0, 0, 0, 0, 0, NULL, NULL, 0, fn }

/* The dump hooks of OPT_CUSTOM keys (below, with cfg_dump_json()). */
typedef json_t *dump_fn(const struct stp_config *cfg, const void *base, bool *bad);
static dump_fn dump_ports, dump_outputs, dump_groups, dump_lcores, dump_rules, dump_eal_args,
		dump_trailer_layout, dump_output_port, dump_group_members, dump_rule_name,
		dump_rule_in, dump_rule_out, dump_node_peers, dump_node_auth;

#define SC struct stp_config
#define SP struct cfg_port
#define SO struct cfg_output
#define SG struct cfg_group
#define SR struct cfg_rule
#define SX struct cfg_tcprtt_prefix
#define SH struct trailer_hop
#define SPB struct cfg_probe
#define SY struct cfg_peer
#define SK struct cfg_auth_key

/*
 * The schema, in the order keys are checked, parsed and dumped. Sections "", "node", "eal",
 * "rings" and "mempool" map onto struct stp_config, "ports[]" onto struct cfg_port,
 * "outputs[]" onto struct cfg_output, "groups[]" onto struct cfg_group and "rules[]" onto
 * struct cfg_rule; the lcores section is all OPT_CUSTOM. config/README.md documents the same
 * table.
 */
static const struct opt cfg_opts[] = {
	O_OBJ("", "node"),
	O_OBJ("", "eal"),
	O_CUSTOM_D("", "ports", OPT_REQUIRED, dump_ports),
	O_CUSTOM_D("", "outputs", 0, dump_outputs),
	O_CUSTOM_D("", "groups", 0, dump_groups),
	O_CUSTOM_D("", "lcores", 0, dump_lcores),
	O_INT("", "burst", SC, burst, 1, CFG_MAX_BURST, 32, 0),
	O_OBJ("", "rings"),
	O_OBJ("", "mempool"),
	O_CUSTOM_D("", "rules", 0, dump_rules),
	O_OBJ("", "metrics"),
	O_CUSTOM("", "probes", 0),
	O_OBJ("", "probe_rx"),
	O_OBJ("", "tcp_rtt"),

	O_INT("node", "id", SC, node.id, 0, UINT32_MAX, 1, 0),
	O_STR("node", "description", SC, node.description, "", 0),
	O_ENUM("node", "role", SC, node.role, node_role_names, CFG_ROLE_EDGE, 0),
	O_INT("node", "listen_port", SC, node.listen_port, 1, 65535, SPH_UDP_PORT, 0),
	O_STR("node", "relay_to", SC, node.relay_to, "", 0),
	O_INT("node", "reasm_timeout_ms", SC, node.reasm_timeout_ms, 1, 60000, 100, 0),
	O_INT("node", "reorder_ms", SC, node.reorder_ms, 0, 10000, 0, 0),
	/* node.peers and node.auth: parse_node_security(); README.md, "Security". */
	O_CUSTOM_D("node", "peers", 0, dump_node_peers),
	O_CUSTOM_D("node", "auth", 0, dump_node_auth),
	O_INT("node.peers[]", "id", SY, id, 0, UINT32_MAX, 0, OPT_REQUIRED),
	O_STR("node.peers[]", "address", SY, address, "", 0),
	O_STR("node.peers[]", "mac", SY, mac, "", 0),
	O_CUSTOM("node.auth", "keys", OPT_REQUIRED),
	O_INT("node.auth", "send_key", SC, node.auth.send_key, 0, 65535, 0, 0),
	O_BOOL("node.auth", "required", SC, node.auth.required, 1),
	O_INT("node.auth.keys[]", "id", SK, id, 1, 65535, 0, OPT_REQUIRED),
	O_STR("node.auth.keys[]", "file", SK, file, NULL, OPT_REQUIRED | OPT_NONEMPTY),

	O_CUSTOM_D("eal", "args", 0, dump_eal_args),
	O_BOOL("eal", "hugepages", SC, eal.hugepages, 1),
	O_STR("eal", "file_prefix", SC, eal.file_prefix, "stampede", OPT_NAME),
	O_INT("eal", "memory_mb", SC, eal.memory_mb, 0, 1048576, 0, 0),
	O_INT("eal", "main_lcore", SC, eal.main_lcore, 0, CFG_MAX_LCORE_ID, 0, 0),

	O_STR("ports[]", "name", SP, name, NULL, OPT_REQUIRED | OPT_NAME),
	O_STR("ports[]", "device", SP, device, NULL, OPT_REQUIRED | OPT_NONEMPTY),
	O_INT("ports[]", "rx_queues", SP, rx_queues, 1, CFG_MAX_QUEUES, 1, 0),
	O_INT("ports[]", "tx_queues", SP, tx_queues, 1, CFG_MAX_QUEUES, 1, 0),
	O_INT("ports[]", "rx_desc", SP, rx_desc, 64, 16384, 1024, 0),
	O_INT("ports[]", "tx_desc", SP, tx_desc, 64, 16384, 1024, 0),
	O_INT("ports[]", "mtu", SP, mtu, 68, CFG_MAX_MTU, 1500, 0),
	O_BOOL("ports[]", "promiscuous", SP, promiscuous, 1),
	O_ENUM("ports[]", "timestamp", SP, timestamp, ts_names, CFG_TS_AUTO, 0),
	O_ENUM("ports[]", "clock", SP, clock, clock_names, CFG_CLOCK_AUTO, 0),
	O_INT("ports[]", "clock_bits", SP, clock_bits, 16, 64, 64, 0),
	O_OBJ("ports[]", "trailer"),

	/* ports[].trailer: offsets in struct cfg_port; trailer_spec_check() checks across keys. */
	O_ENUM("trailer", "format", SP, trailer.format, trailer_format_names, TRAILER_FMT_NONE, 0),
	O_ENUM("trailer", "fcs", SP, trailer.fcs, trailer_fcs_names, TRAILER_FCS_ABSENT, 0),
	O_BOOL("trailer", "strip", SP, trailer.strip, 0),
	O_ENUM("trailer", "use", SP, trailer.use, trailer_use_names, TRAILER_USE_INNERMOST, 0),
	O_INT("trailer", "max_skew_s", SP, trailer.max_skew_s, 0, 315360000, 0, 0),
	O_CUSTOM_D("trailer", "layout", 0, dump_trailer_layout),

	O_ENUM("trailer.layout[]", "kind", SH, kind, trailer_hop_kind_names, TRAILER_HOP_METAMAKO, 0),
	O_INT("trailer.layout[]", "len", SH, len, 4, TRAILER_MAX_FIXED, 12, 0),
	O_INT("trailer.layout[]", "sec_off", SH, sec_off, 0, TRAILER_MAX_FIXED - 1, 0, 0),
	O_INT("trailer.layout[]", "sec_size", SH, sec_size, 0, 8, 4, 0),
	O_INT("trailer.layout[]", "ns_off", SH, ns_off, 0, TRAILER_MAX_FIXED - 1, 4, 0),
	O_INT("trailer.layout[]", "ns_size", SH, ns_size, 0, 8, 4, 0),
	O_BOOL("trailer.layout[]", "fcs_before", SH, fcs_before, 1),

	O_STR("outputs[]", "name", SO, name, NULL, OPT_REQUIRED | OPT_NAME),
	O_ENUM("outputs[]", "type", SO, type, output_type_names, CFG_OUTPUT_PCAPNG, OPT_REQUIRED),
	/* path is required for pcapng outputs, refused for tunnels: parse_outputs() checks. */
	O_STR("outputs[]", "path", SO, path, NULL, OPT_NONEMPTY | OPT_NOCTRL),
	O_INT("outputs[]", "rotate_bytes", SO, rotate_bytes, 4096, INT64_C(1) << 50, 0, OPT_ZERO),
	O_INT("outputs[]", "rotate_seconds", SO, rotate_seconds, 0, 31536000, 0, 0),
	O_INT("outputs[]", "max_files", SO, max_files, 0, 1000000, 0, 0),
	O_INT("outputs[]", "ring", SO, ring_size, 64, 1048576, 16384, OPT_POW2),
	O_INT("outputs[]", "snaplen", SO, snaplen, 60, 262144, 262144, 0),
	O_BOOL("outputs[]", "comments", SO, comments, 1),
	O_BOOL("outputs[]", "durable", SO, durable, 0),
	O_INT("outputs[]", "sync_ms", SO, sync_ms, 1, 10000, 10, 0),
	O_CUSTOM_D("outputs[]", "port", 0, dump_output_port),
	O_STR("outputs[]", "src_ip", SO, src_ip, "", 0),
	O_STR("outputs[]", "dst_ip", SO, dst_ip, "", 0),
	O_STR("outputs[]", "dst_mac", SO, dst_mac, "", 0),
	O_INT("outputs[]", "id", SO, id, 0, UINT32_MAX, 0, 0),
	O_INT("outputs[]", "ttl", SO, ttl, 1, 255, 64, 0),
	O_INT("outputs[]", "dscp", SO, dscp, 0, 63, 0, 0),
	O_INT("outputs[]", "dst_port", SO, dst_port, 1, 65535, 4789, 0),
	O_ENUM("outputs[]", "transport", SO, transport, transport_names, CFG_TRANSPORT_UDP, 0),
	O_STR("outputs[]", "description", SO, description, "", OPT_NOCTRL),
	O_BOOL("outputs[]", "reliable", SO, reliable, 0),
	O_INT("outputs[]", "resend_window_s", SO, resend_window_s, 1, 86400, 10, 0),
	O_INT("outputs[]", "resend_buffer_pkts", SO, resend_buffer, 64, 65536, 4096, OPT_POW2),
	O_STR("outputs[]", "spool", SO, spool, "", OPT_NOCTRL),

	O_STR("groups[]", "name", SG, name, NULL, OPT_REQUIRED | OPT_NAME),
	O_ENUM("groups[]", "mode", SG, mode, group_mode_names, CFG_GROUP_BALANCE, OPT_REQUIRED),
	O_CUSTOM_D("groups[]", "members", OPT_REQUIRED, dump_group_members),

	O_CUSTOM("lcores", "rx", OPT_REQUIRED),
	O_CUSTOM("lcores", "worker", OPT_REQUIRED),
	O_CUSTOM("lcores", "tx", OPT_REQUIRED),
	O_CUSTOM("lcores.rx[]", "lcore", OPT_REQUIRED),
	O_CUSTOM("lcores.rx[]", "queues", OPT_REQUIRED),
	O_CUSTOM("lcores.rx[].queues[]", "port", OPT_REQUIRED),
	O_CUSTOM("lcores.rx[].queues[]", "queue", OPT_REQUIRED),

	O_INT("rings", "worker", SC, worker_ring_size, 64, 65536, 4096, OPT_POW2),
	O_INT("rings", "tx", SC, tx_ring_size, 64, 65536, 4096, OPT_POW2),

	O_INT("mempool", "size", SC, mempool_size, 1023, 4194304, 32767, 0),
	O_INT("mempool", "cache", SC, mempool_cache, 0, 512, 256, 0),
	O_INT("mempool", "mbuf_size", SC, mbuf_size, 1024, 10240, 2176, 0),

	/* Checked by parse_rule(): out, continue, snaplen and vlan are for forward rules only. */
	O_CUSTOM_D("rules[]", "name", 0, dump_rule_name),
	O_CUSTOM_D("rules[]", "in", 0, dump_rule_in),
	O_STR("rules[]", "filter", SR, filter, "", 0),
	O_ENUM("rules[]", "action", SR, action, action_names, CFG_ACTION_FORWARD, OPT_REQUIRED),
	O_CUSTOM_D("rules[]", "out", 0, dump_rule_out),
	O_BOOL("rules[]", "continue", SR, cont, 0),
	O_INT("rules[]", "snaplen", SR, snaplen, 60, 65535, 0, OPT_ZERO),
	O_ENUM("rules[]", "vlan", SR, vlan, vlan_names, CFG_VLAN_KEEP, 0),

	/* metrics.listen is also checked by parse_metrics(): an IPv4 or IPv6 literal. */
	O_BOOL("metrics", "enabled", SC, metrics.enabled, 0),
	O_STR("metrics", "listen", SC, metrics.listen, "127.0.0.1", OPT_NONEMPTY),
	O_INT("metrics", "port", SC, metrics.port, 1, 65535, 9464, 0),
	/* metrics.tls and metrics.basic_auth: checked across keys by parse_metrics(). */
	O_OBJ("metrics", "tls"),
	O_OBJ("metrics", "basic_auth"),
	O_STR("tls", "cert_file", SC, metrics.tls_cert, "", OPT_NOCTRL),
	O_STR("tls", "key_file", SC, metrics.tls_key, "", OPT_NOCTRL),
	O_STR("basic_auth", "username", SC, metrics.auth_user, "", 0),
	O_STR("basic_auth", "password_hash", SC, metrics.auth_hash, "", OPT_NOCTRL),

	/* Checked across fields by parse_probe(): addresses, rates, sizes, flows. */
	O_STR("probes[]", "name", SPB, name, NULL, OPT_REQUIRED | OPT_NAME),
	O_CUSTOM("probes[]", "port", OPT_REQUIRED),
	O_ENUM("probes[]", "mode", SPB, mode, probe_mode_names, CFG_PROBE_STAMPEDE, 0),
	O_CUSTOM("probes[]", "stream_id", 0),
	O_STR("probes[]", "src_mac", SPB, src_mac, "", 0),
	O_STR("probes[]", "dst_mac", SPB, dst_mac, "ff:ff:ff:ff:ff:ff", OPT_NONEMPTY),
	O_STR("probes[]", "src_ip", SPB, src_ip, "10.0.0.1", OPT_NONEMPTY),
	O_STR("probes[]", "dst_ip", SPB, dst_ip, "10.0.0.2", OPT_NONEMPTY),
	O_INT("probes[]", "src_port", SPB, src_port, 1, 65535, 7000, 0),
	O_INT("probes[]", "dst_port", SPB, dst_port, 1, 65535, 7777, 0),
	O_INT("probes[]", "vlan", SPB, vlan, 0, 4094, 0, 0),
	O_INT("probes[]", "size", SPB, size, 64, 9018, 128, 0),
	O_CUSTOM("probes[]", "sizes", 0),
	O_INT("probes[]", "rate_pps", SPB, rate_pps, 1, 1000000000, 0, OPT_ZERO),
	O_INT("probes[]", "rate_bps", SPB, rate_bps, 1000, INT64_C(400000000000), 0, OPT_ZERO),
	O_ENUM("probes[]", "rate", SPB, rate, rate_mode_names, CFG_RATE_PACED, 0),
	O_INT("probes[]", "count", SPB, count, 0, INT64_C(1) << 62, 0, 0),
	O_INT("probes[]", "duration_s", SPB, duration_s, 0, 31536000, 0, 0),
	O_INT("probes[]", "flows", SPB, flows, 1, 65535, 1, 0),
	O_ENUM("probes[]", "payload", SPB, payload, payload_names, CFG_PAYLOAD_ZEROS, 0),
	O_BOOL("probes[]", "start", SPB, start, 1),
	O_OBJ("probes[]", "impair"),
	O_ENUM("probes[]", "stamp_timestamp", SPB, stamp_ts, stamp_ts_names, CFG_STAMP_NTP, 0),
	O_BOOL("probes[]", "stamp_synchronized", SPB, stamp_synced, 0),
	O_INT("probes[]", "stamp_error_ns", SPB, stamp_error_ns, 0, INT64_C(1000000000000), 1000, 0),
	O_INT("probes[]", "ssid", SPB, ssid, 0, 65535, 0, 0),
	O_BOOL("probes[]", "reflected", SPB, reflected, 0),
	O_BOOL("probes[]", "reflector_stateful", SPB, reflector_stateful, 0),
	O_INT("probes[]", "loss_horizon_ms", SPB, loss_horizon_ms, 1, 3600000, 3000, 0),
	O_ENUM("probes[]", "stamp_auth", SPB, stamp_auth, stamp_auth_names, CFG_STAMP_AUTH_NONE, 0),
	O_STR("probes[]", "stamp_key_file", SPB, stamp_key_file, "", OPT_NOCTRL),

	/* probes[].impair: a test and lab feature (deterministic loss, duplication, reordering). */
	O_INT("impair", "drop_every", SPB, impair_drop, 0, INT32_MAX, 0, 0),
	O_INT("impair", "duplicate_every", SPB, impair_dup, 0, INT32_MAX, 0, 0),
	O_INT("impair", "swap_every", SPB, impair_swap, 2, INT32_MAX, 0, OPT_ZERO),

	O_BOOL("probe_rx", "enabled", SC, probe_rx.enabled, 0),
	O_CUSTOM("probe_rx", "ports", 0),
	O_INT("probe_rx", "udp_port", SC, probe_rx.udp_port, 1, 65535, 7777, 0),
	O_BOOL("probe_rx", "reflect", SC, probe_rx.reflect, 0),
	O_ENUM("probe_rx", "mode", SC, probe_rx.mode, probe_mode_names, CFG_PROBE_STAMPEDE, 0),
	O_BOOL("probe_rx", "verbose", SC, probe_rx.verbose, 0),
	O_ENUM("probe_rx", "stamp_timestamp", SC, probe_rx.stamp_ts, stamp_ts_names, CFG_STAMP_NTP, 0),
	O_BOOL("probe_rx", "stamp_synchronized", SC, probe_rx.stamp_synced, 0),
	O_INT("probe_rx", "stamp_error_ns", SC, probe_rx.stamp_error_ns, 0, INT64_C(1000000000000), 1000, 0),
	O_BOOL("probe_rx", "stamp_stateful", SC, probe_rx.stamp_stateful, 0),
	O_BOOL("probe_rx", "t3_correction", SC, probe_rx.t3_correction, 1),
	O_INT("probe_rx", "stamp_sessions", SC, probe_rx.stamp_sessions, 1, 65536, 1024, 0),
	O_INT("probe_rx", "stamp_session_idle_s", SC, probe_rx.stamp_session_idle_s, 0, 86400, 300, 0),
	O_CUSTOM("probe_rx", "addresses", 0),
	O_CUSTOM("probe_rx", "refuse_src_ports", 0),
	O_INT("probe_rx", "rate_limit_pps", SC, probe_rx.rate_limit_pps, 0, 1000000000, 10000, 0),
	O_INT("probe_rx", "rate_limit_burst", SC, probe_rx.rate_limit_burst, 1, 1000000, 1000, 0),
	O_ENUM("probe_rx", "stamp_auth", SC, probe_rx.stamp_auth, stamp_auth_names, CFG_STAMP_AUTH_NONE, 0),
	O_STR("probe_rx", "stamp_key_file", SC, probe_rx.stamp_key_file, "", OPT_NOCTRL),

	/* tcp_rtt.ports and prefixes[].prefix are also checked by parse_tcprtt(). */
	O_BOOL("tcp_rtt", "enabled", SC, tcp_rtt.enabled, 0),
	O_CUSTOM("tcp_rtt", "ports", 0),
	O_INT("tcp_rtt", "flows", SC, tcp_rtt.flows, 64, 16777216, 65536, 0),
	O_INT("tcp_rtt", "idle_timeout_s", SC, tcp_rtt.idle_timeout_s, 1, 86400, 60, 0),
	O_INT("tcp_rtt", "ts_min_interval_ms", SC, tcp_rtt.ts_min_interval_ms, 0, 60000, 100, 0),
	/* 128: every distinct TSval of a flow at a 1 kHz TS clock over a 100 ms RTT (100). */
	O_INT("tcp_rtt", "ts_slots", SC, tcp_rtt.ts_slots, 16, 65536, 128, OPT_POW2),
	O_INT("tcp_rtt", "close_linger_ms", SC, tcp_rtt.close_linger_ms, 0, 600000, 1000, 0),
	O_ENUM("tcp_rtt", "ts_rule", SC, tcp_rtt.ts_rule, ts_rule_names, CFG_TS_RULE_DATA, 0),
	O_OBJ("tcp_rtt", "output"),
	O_CUSTOM("tcp_rtt", "prefixes", 0),
	O_STR("output", "path", SC, tcp_rtt.out_path, "-", OPT_NONEMPTY | OPT_NOCTRL),
	O_INT("output", "rotate_bytes", SC, tcp_rtt.out_rotate_bytes, 4096, INT64_C(1) << 50, 0, OPT_ZERO),
	O_INT("output", "rotate_seconds", SC, tcp_rtt.out_rotate_seconds, 0, 31536000, 0, 0),
	O_INT("output", "max_files", SC, tcp_rtt.out_max_files, 0, 1000000, 0, 0),
	O_INT("output", "ring", SC, tcp_rtt.out_ring, 64, 1048576, 16384, OPT_POW2),
	O_STR("tcp_rtt.prefixes[]", "name", SX, name, NULL, OPT_REQUIRED | OPT_NAME),
	O_STR("tcp_rtt.prefixes[]", "prefix", SX, prefix, NULL, OPT_REQUIRED | OPT_NONEMPTY),
};

#undef SC
#undef SP
#undef SO
#undef SG
#undef SR
#undef SX
#undef SH
#undef SPB
#undef SY
#undef SK
/* clang-format on */

/* The rules[] keys that only a forward rule takes, in table order. */
static const char *const forward_only_keys[] = { "out", "continue", "snaplen", "vlan" };

/** State of one cfg_load(). */
struct loader {
	const char *file; /**< as given by the caller, for messages */
	char *err;
	struct stp_config *cfg;
	/** lcore id + 1 of the RX lcore polling ports[p] queue q; 0 = none yet. */
	uint16_t poller[CFG_MAX_PORTS][CFG_MAX_QUEUES];
};

/* ---------------------------------------------------------------------------------------------- */
/* Messages and paths */

static int __attribute__((format(printf, 4, 0)))
verr(char *err, const char *file, const char *path, const char *fmt, va_list ap)
{
	int n;

	n = snprintf(err, CFG_ERR_LEN, "%s: %s: ", file, path);
	if (n >= 0 && n < CFG_ERR_LEN)
		vsnprintf(err + n, CFG_ERR_LEN - n, fmt, ap);
	return -EINVAL;
}

static int __attribute__((format(printf, 3, 4)))
lerr(const struct loader *l, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(l->err, l->file, path, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int
cfg_errf(const struct stp_config *cfg, char err[CFG_ERR_LEN], const char *json_path,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(err, cfg->file, json_path, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A path too long for its buffer (only a very long unknown key can do that) ends with "...". */
static const char *
jp_cut(char buf[JPATH_LEN], int n)
{
	if (n < 0 || n >= JPATH_LEN)
		memcpy(buf + JPATH_LEN - 4, "...", 4);
	return buf;
}

/*
 * "parent.key", or "key" at the root. A key that is not a plain word (only an unknown key can be
 * one) is written as a JSON string, parent["a key\n"], so that the message stays one ASCII line.
 */
static const char *
jp_key(char buf[JPATH_LEN], const char *parent, const char *key)
{
	size_t n = strlen(key);
	json_t *js;
	char *q;
	int len;

	if (n > 0 && strspn(key, WORD_CHARS) == n) {
		if (parent[0] == '\0')
			return jp_cut(buf, snprintf(buf, JPATH_LEN, "%s", key));
		return jp_cut(buf, snprintf(buf, JPATH_LEN, "%s.%s", parent, key));
	}
	js = json_string(key);
	q = js != NULL ? json_dumps(js, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
	len = snprintf(buf, JPATH_LEN, "%s[%s]", parent, q != NULL ? q : "\"?\"");
	free(q);
	json_decref(js);
	return jp_cut(buf, len);
}

/* "parent[i]" */
static const char *
jp_idx(char buf[JPATH_LEN], const char *parent, size_t i)
{
	return jp_cut(buf, snprintf(buf, JPATH_LEN, "%s[%zu]", parent, i));
}

/* A value as compact ASCII JSON, cut with "..." when long. */
static const char *
jv(const json_t *v, char buf[JVAL_LEN])
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);
	size_t n;

	if (s == NULL) {
		snprintf(buf, JVAL_LEN, "(value)");
		return buf;
	}
	/* JSON_ENSURE_ASCII escapes every control character but DEL: keep messages printable. */
	for (n = 0; s[n] != '\0'; n++)
		if (s[n] == 0x7f)
			s[n] = '?';
	if (n < JVAL_LEN) {
		memcpy(buf, s, n + 1);
	} else {
		memcpy(buf, s, JVAL_LEN - 4);
		memcpy(buf + JVAL_LEN - 4, "...", 4);
	}
	free(s);
	return buf;
}

/* Append to a ", "-separated list in buf, silently cut when full. */
static void
list_add(char *buf, size_t len, const char *item)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", n > 0 ? ", " : "", item);
}

/* The names of all ports, "in, out", for messages. */
static const char *
port_names(const struct stp_config *cfg, char *buf, size_t len)
{
	uint16_t i;

	buf[0] = '\0';
	for (i = 0; i < cfg->nb_ports; i++)
		list_add(buf, len, cfg->ports[i].name);
	return buf;
}

/* ---------------------------------------------------------------------------------------------- */
/* Typed values */

static int
get_int(const struct loader *l, const json_t *v, const char *path, int64_t min, int64_t max,
		unsigned int flags, int64_t *out)
{
	char b[JVAL_LEN];
	int64_t x;

	if (!json_is_integer(v))
		return lerr(l, path, "%s is not an integer", jv(v, b));
	x = json_integer_value(v);
	if (flags & OPT_POW2) {
		if (x < min || x > max || (x & (x - 1)) != 0)
			return lerr(l, path,
					"%" PRId64 " is not a power of two in [%" PRId64
					"..%" PRId64 "]",
					x, min, max);
	} else if ((flags & OPT_ZERO) && x != 0 && (x < min || x > max)) {
		return lerr(l, path, "%" PRId64 " is out of range [0, %" PRId64 "..%" PRId64 "]", x,
				min, max);
	} else if (!(flags & OPT_ZERO) && (x < min || x > max)) {
		return lerr(l, path, "%" PRId64 " is out of range [%" PRId64 "..%" PRId64 "]", x,
				min, max);
	}
	*out = x;
	return 0;
}

static const char *
get_str(const struct loader *l, const json_t *v, const char *path)
{
	char b[JVAL_LEN];

	if (!json_is_string(v)) {
		lerr(l, path, "%s is not a string", jv(v, b));
		return NULL;
	}
	return json_string_value(v);
}

static bool
name_ok(const char *s, size_t size)
{
	size_t n = strlen(s);

	if (n == 0 || n >= size)
		return false;
	return strspn(s, WORD_CHARS ".") == n;
}

/* True when @p s holds an ASCII control character (a NUL cannot get past jansson). */
static bool
has_ctrl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* A string into char[size], with the OPT_NAME / OPT_NONEMPTY / OPT_NOCTRL checks. */
static int
get_str_into(const struct loader *l, const json_t *v, const char *path, unsigned int flags,
		char *dst, size_t size)
{
	char b[JVAL_LEN];
	const char *s;
	size_t n;

	s = get_str(l, v, path);
	if (s == NULL)
		return -EINVAL;
	n = strlen(s);
	if ((flags & OPT_NAME) && !name_ok(s, size))
		return lerr(l, path,
				"%s is not a valid name (1..%zu characters from A-Z a-z 0-9 _ . -)",
				jv(v, b), size - 1);
	if ((flags & OPT_NONEMPTY) && n == 0)
		return lerr(l, path, "\"\" must not be empty");
	if ((flags & OPT_NOCTRL) && has_ctrl(s))
		return lerr(l, path, "%s must not contain control characters", jv(v, b));
	if (n >= size)
		return lerr(l, path, "%s is too long (%zu bytes, max %zu)", jv(v, b), n, size - 1);
	memcpy(dst, s, n + 1);
	return 0;
}

/* Index of @p s in @p names, or an error listing them. */
static int
get_enum(const struct loader *l, const json_t *v, const char *path, const char *const *names,
		size_t nb, unsigned int *out)
{
	char b[JVAL_LEN], list[128] = "";
	const char *s;
	size_t i;

	s = get_str(l, v, path);
	if (s == NULL)
		return -EINVAL;
	for (i = 0; i < nb; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
		list_add(list, sizeof(list), names[i]);
	}
	return lerr(l, path, "%s is not one of %s", jv(v, b), list);
}

/* An array of min..max entries; @p what names one entry in the "empty" message. */
static const json_t *
get_array(const struct loader *l, const json_t *v, const char *path, size_t min, size_t max,
		const char *what)
{
	char b[JVAL_LEN];
	size_t n;

	if (!json_is_array(v)) {
		lerr(l, path, "%s is not an array", jv(v, b));
		return NULL;
	}
	n = json_array_size(v);
	if (n < min) {
		lerr(l, path, "empty array, at least one %s is required", what);
		return NULL;
	}
	if (n > max) {
		lerr(l, path, "too many entries (%zu, max %zu)", n, max);
		return NULL;
	}
	return v;
}

/* A port name that must exist: its index, or -EINVAL. */
static int
get_port(const struct loader *l, const json_t *v, const char *path)
{
	char b[JVAL_LEN], names[256];
	const char *s;
	int p;

	s = get_str(l, v, path);
	if (s == NULL)
		return -EINVAL;
	p = cfg_port_by_name(l->cfg, s);
	if (p < 0)
		return lerr(l, path, "%s is not a port name (ports: %s)", jv(v, b),
				port_names(l->cfg, names, sizeof(names)));
	return p;
}

/*
 * The names of the kinds of target in @p kinds (1 << CFG_TARGET_* bits), for messages:
 * "ports: in, out; outputs: cap; groups: none".
 */
static const char *
target_names(const struct stp_config *cfg, unsigned int kinds, char *buf, size_t len)
{
	char list[256];
	size_t n;
	uint16_t i, nb;
	uint8_t k;

	buf[0] = '\0';
	for (k = CFG_TARGET_PORT; k <= CFG_TARGET_GROUP; k++) {
		if (!(kinds & (1u << k)))
			continue;
		nb = k == CFG_TARGET_PORT	       ? cfg->nb_ports :
				k == CFG_TARGET_OUTPUT ? cfg->nb_outputs :
							 cfg->nb_groups;
		list[0] = '\0';
		for (i = 0; i < nb; i++)
			list_add(list, sizeof(list),
					cfg_target_name(cfg, &(struct cfg_target){ k, i }));
		n = strlen(buf);
		snprintf(buf + n, len - n, "%s%s: %s", n > 0 ? "; " : "", target_kind_names[k],
				nb > 0 ? list : "none");
	}
	return buf;
}

/*
 * A name that rules[].out (@p allow_group) or groups[].members (not @p allow_group: groups do
 * not nest) refers to, resolved into @p t.
 */
static int
get_target(const struct loader *l, const json_t *v, const char *path, bool allow_group,
		struct cfg_target *t)
{
	unsigned int kinds = (1u << CFG_TARGET_PORT) | (1u << CFG_TARGET_OUTPUT);
	char b[JVAL_LEN], names[384];
	const char *s;

	s = get_str(l, v, path);
	if (s == NULL)
		return -EINVAL;
	if (cfg_target_by_name(l->cfg, s, t) < 0) {
		if (allow_group)
			return lerr(l, path, "%s is not a port, output or group name (%s)",
					jv(v, b),
					target_names(l->cfg, kinds | (1u << CFG_TARGET_GROUP),
							names, sizeof(names)));
		return lerr(l, path, "%s is not a port or output name (%s)", jv(v, b),
				target_names(l->cfg, kinds, names, sizeof(names)));
	}
	if (t->kind == CFG_TARGET_GROUP && !allow_group)
		return lerr(l, path,
				"%s is groups[%u], and groups do not nest (members are ports or "
				"outputs)",
				jv(v, b), t->idx);
	return 0;
}

/* Ports, outputs and groups share one namespace: @p name must not be taken yet. */
static int
check_name_free(const struct loader *l, const char *name, const char *path)
{
	struct cfg_target t;

	if (cfg_target_by_name(l->cfg, name, &t) < 0)
		return 0;
	return lerr(l, path, "\"%s\" is already the name of %s[%u]", name,
			target_kind_names[t.kind], t.idx);
}

static void
store_uint(void *field, size_t size, uint64_t x)
{
	switch (size) {
	case 1:
		*(uint8_t *)field = x;
		break;
	case 2:
		*(uint16_t *)field = x;
		break;
	case 4:
		*(uint32_t *)field = x;
		break;
	default:
		*(uint64_t *)field = x;
		break;
	}
}

static uint64_t
load_uint(const void *field, size_t size)
{
	switch (size) {
	case 1:
		return *(const uint8_t *)field;
	case 2:
		return *(const uint16_t *)field;
	case 4:
		return *(const uint32_t *)field;
	default:
		return *(const uint64_t *)field;
	}
}

/* ---------------------------------------------------------------------------------------------- */
/* Table-driven objects */

static const struct opt *
opt_find(const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(cfg_opts); i++)
		if (strcmp(cfg_opts[i].section, section) == 0 && strcmp(cfg_opts[i].key, key) == 0)
			return &cfg_opts[i];
	return NULL;
}

/* Set the defaults of a section's scalars (OPT_OBJ children included). */
static void
section_defaults(const char *section, void *base)
{
	const struct opt *o;
	size_t i;

	for (i = 0; i < ARRAY_LEN(cfg_opts); i++) {
		o = &cfg_opts[i];
		if (strcmp(o->section, section) != 0)
			continue;
		switch (o->type) {
		case OPT_INT:
			store_uint((char *)base + o->off, o->size, o->def);
			break;
		case OPT_BOOL:
			*(bool *)((char *)base + o->off) = o->def != 0;
			break;
		case OPT_ENUM:
			store_uint((char *)base + o->off, o->size, o->def);
			break;
		case OPT_STR:
			snprintf((char *)base + o->off, o->size, "%s",
					o->def_str ? o->def_str : "");
			break;
		case OPT_OBJ:
			section_defaults(o->key, base);
			break;
		case OPT_CUSTOM:
			break;
		}
	}
}

/*
 * Check an object of @p section at @p path: no unknown key, every required key present, then
 * parse its scalar keys into @p base (defaults where absent). @p obj NULL means "absent": all
 * defaults. OPT_OBJ and OPT_CUSTOM keys are left to the caller.
 */
static int
parse_object(const struct loader *l, const json_t *obj, const char *path, const char *section,
		void *base)
{
	char b[JVAL_LEN], p[JPATH_LEN], allowed[512] = "";
	const struct opt *o;
	const char *key;
	const json_t *v;
	int64_t x = 0;
	unsigned int e = 0;
	size_t i;
	int rc;

	section_defaults(section, base);
	if (obj == NULL)
		return 0;
	if (!json_is_object(obj)) {
		if (path[0] == '\0')
			return lerr(l, "(root)", "expected an object");
		return lerr(l, path, "%s is not an object", jv(obj, b));
	}
	json_object_foreach((json_t *)obj, key, v) {
		if (opt_find(section, key) != NULL)
			continue;
		for (i = 0; i < ARRAY_LEN(cfg_opts); i++)
			if (strcmp(cfg_opts[i].section, section) == 0)
				list_add(allowed, sizeof(allowed), cfg_opts[i].key);
		return lerr(l, jp_key(p, path, key), "unknown key (allowed: %s)", allowed);
	}
	for (i = 0; i < ARRAY_LEN(cfg_opts); i++) {
		o = &cfg_opts[i];
		if (strcmp(o->section, section) != 0)
			continue;
		v = json_object_get(obj, o->key);
		if (v == NULL) {
			if (o->flags & OPT_REQUIRED)
				return lerr(l, jp_key(p, path, o->key), "missing required key");
			continue;
		}
		jp_key(p, path, o->key);
		switch (o->type) {
		case OPT_INT:
			rc = get_int(l, v, p, o->min, o->max, o->flags, &x);
			if (rc < 0)
				return rc;
			store_uint((char *)base + o->off, o->size, x);
			break;
		case OPT_BOOL:
			if (!json_is_boolean(v))
				return lerr(l, p, "%s is not a boolean", jv(v, b));
			*(bool *)((char *)base + o->off) = json_is_true(v);
			break;
		case OPT_STR:
			rc = get_str_into(l, v, p, o->flags, (char *)base + o->off, o->size);
			if (rc < 0)
				return rc;
			break;
		case OPT_ENUM:
			rc = get_enum(l, v, p, o->names, o->nb_names, &e);
			if (rc < 0)
				return rc;
			store_uint((char *)base + o->off, o->size, e);
			break;
		case OPT_OBJ:
		case OPT_CUSTOM:
			break;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* Sections */

static int
parse_eal(const struct loader *l, const json_t *root)
{
	struct cfg_eal *eal = &l->cfg->eal;
	const json_t *obj = json_object_get(root, "eal");
	const json_t *args, *v;
	char p[JPATH_LEN];
	const char *s;
	size_t i;
	int rc;

	rc = parse_object(l, obj, "eal", "eal", l->cfg);
	if (rc < 0)
		return rc;
	/* The prefix names a directory of the EAL's runtime dir: "." or ".." would be another. */
	if (strspn(eal->file_prefix, ".") == strlen(eal->file_prefix))
		return lerr(l, "eal.file_prefix",
				"\"%s\" names no directory of its own (it is a path component, not a "
				"name)",
				eal->file_prefix);
	/* Without hugepages the EAL default memory is too small for a useful mempool. */
	if (!eal->hugepages && eal->memory_mb == 0)
		eal->memory_mb = 512;
	args = obj != NULL ? json_object_get(obj, "args") : NULL;
	if (args == NULL)
		return 0;
	if (get_array(l, args, "eal.args", 0, CFG_MAX_EAL_ARGS, "argument") == NULL)
		return -EINVAL;
	json_array_foreach(args, i, v) {
		s = get_str(l, v, jp_idx(p, "eal.args", i));
		if (s == NULL)
			return -EINVAL;
		eal->args[i] = strdup(s);
		if (eal->args[i] == NULL)
			return lerr(l, p, "out of memory");
		eal->nb_args = i + 1;
	}
	return 0;
}

/* A PCI address "DDDD:BB:DD.F" or "BB:DD.F", then the end or ",devargs". */
static bool
is_pci_device(const char *s)
{
	static const char *const shapes[] = { "xxxx:xx:xx.f", "xx:xx.f" };
	const char *shape, *c;
	size_t i;

	for (i = 0; i < ARRAY_LEN(shapes); i++) {
		for (shape = shapes[i], c = s; *shape != '\0'; shape++, c++) {
			if (*shape == 'x' &&
					!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') ||
							(*c >= 'A' && *c <= 'F')))
				break;
			if (*shape == 'f' && !(*c >= '0' && *c <= '7'))
				break;
			if ((*shape == ':' || *shape == '.') && *c != *shape)
				break;
		}
		if (*shape == '\0' && (*c == '\0' || *c == ','))
			return true;
	}
	return false;
}

/* ports[].trailer: the table's keys, then the layout[] entries, then the checks across keys. */
static int
parse_trailer(const struct loader *l, const json_t *obj, const char *path, struct trailer_spec *t,
		struct cfg_port *port)
{
	char p[JPATH_LEN], pi[JPATH_LEN], msg[CFG_ERR_LEN / 2];
	const json_t *layout, *v;
	size_t i;
	int rc;

	rc = parse_object(l, obj, path, "trailer", port);
	if (rc < 0)
		return rc;
	layout = obj != NULL ? json_object_get(obj, "layout") : NULL;
	if (layout != NULL) {
		jp_key(p, path, "layout");
		if (get_array(l, layout, p, 0, TRAILER_MAX_STACK, "trailer") == NULL)
			return -EINVAL;
		json_array_foreach(layout, i, v) {
			rc = parse_object(l, v, jp_idx(pi, p, i), "trailer.layout[]", &t->hops[i]);
			if (rc < 0)
				return rc;
			t->nb_hops = (uint8_t)(i + 1);
		}
	}
	/* The message starts with the key it is about, relative to the trailer object. */
	if (trailer_spec_check(t, msg, sizeof(msg)) < 0) {
		char *sep = strstr(msg, ": ");

		if (sep == NULL)
			return lerr(l, path, "%s", msg);
		*sep = '\0';
		return lerr(l, jp_cut(p, snprintf(p, sizeof(p), "%s.%s", path, msg)), "%s",
				sep + 2);
	}
	return 0;
}

static int
parse_ports(const struct loader *l, const json_t *root)
{
	struct stp_config *cfg = l->cfg;
	const json_t *ports, *v;
	char p[JPATH_LEN], q[JPATH_LEN];
	struct cfg_port *port;
	size_t i;
	int rc, dup;

	ports = get_array(l, json_object_get(root, "ports"), "ports", 1, CFG_MAX_PORTS, "port");
	if (ports == NULL)
		return -EINVAL;
	json_array_foreach(ports, i, v) {
		port = &cfg->ports[i];
		jp_idx(p, "ports", i);
		rc = parse_object(l, v, p, "ports[]", port);
		if (rc < 0)
			return rc;
		rc = parse_trailer(l, json_object_get(v, "trailer"), jp_key(q, p, "trailer"),
				&port->trailer, port);
		if (rc < 0)
			return rc;
		dup = cfg_port_by_name(cfg, port->name);
		if (dup >= 0)
			return lerr(l, jp_key(q, p, "name"),
					"\"%s\" is already the name of ports[%d]", port->name, dup);
		port->is_pci = is_pci_device(port->device);
		cfg->nb_ports = i + 1;
	}
	return 0;
}

/* The entry of @p id in cfg->lcores[], added with no role if new. */
static struct cfg_lcore *
lcore_get(const struct loader *l, uint32_t id, const char *path)
{
	struct stp_config *cfg = l->cfg;
	struct cfg_lcore *lc;
	uint16_t i;

	for (i = 0; i < cfg->nb_lcores; i++)
		if (cfg->lcores[i].lcore_id == id)
			return &cfg->lcores[i];
	if (cfg->nb_lcores == CFG_MAX_LCORES) {
		lerr(l, path, "lcore %" PRIu32 " is one lcore too many (max %d datapath lcores)",
				id, CFG_MAX_LCORES);
		return NULL;
	}
	lc = &cfg->lcores[cfg->nb_lcores++];
	memset(lc, 0, sizeof(*lc));
	lc->lcore_id = id;
	return lc;
}

/* An lcore id of a list: in range, not the main lcore, not twice in @p seen. */
static int
get_lcore_id(const struct loader *l, const json_t *v, const char *path, const char *list,
		int seen[CFG_MAX_LCORE_ID + 1], size_t idx)
{
	int64_t x = 0;
	int rc;

	rc = get_int(l, v, path, 0, CFG_MAX_LCORE_ID, 0, &x);
	if (rc < 0)
		return rc;
	if (x == l->cfg->eal.main_lcore)
		return lerr(l, path, "%" PRId64 " is eal.main_lcore, which runs the control thread",
				x);
	if (seen[x] != 0)
		return lerr(l, path, "lcore %" PRId64 " is already listed at %s[%d]", x, list,
				seen[x] - 1);
	seen[x] = idx + 1;
	return x;
}

static int
parse_lcores_rx_queue(struct loader *l, struct cfg_lcore *lc, const json_t *v, const char *path)
{
	char b[JVAL_LEN], p[JPATH_LEN];
	const struct cfg_port *port;
	int64_t q;
	int rc, pi;

	rc = parse_object(l, v, path, "lcores.rx[].queues[]", NULL);
	if (rc < 0)
		return rc;
	pi = get_port(l, json_object_get(v, "port"), jp_key(p, path, "port"));
	if (pi < 0)
		return pi;
	port = &l->cfg->ports[pi];
	v = json_object_get(v, "queue");
	jp_key(p, path, "queue");
	if (!json_is_integer(v))
		return lerr(l, p, "%s is not an integer", jv(v, b));
	q = json_integer_value(v);
	if (q < 0 || q >= port->rx_queues)
		return lerr(l, p,
				"%" PRId64
				" is out of range [0..%u] (port \"%s\" has rx_queues %u)",
				q, port->rx_queues - 1, port->name, port->rx_queues);
	if (l->poller[pi][q] != 0)
		return lerr(l, path, "port \"%s\" queue %" PRId64 " is already polled by lcore %u",
				port->name, q, l->poller[pi][q] - 1);
	l->poller[pi][q] = lc->lcore_id + 1;
	lc->poll[lc->nb_poll].port = pi;
	lc->poll[lc->nb_poll].queue = q;
	lc->nb_poll++;
	return 0;
}

static int
parse_lcores_rx(struct loader *l, const json_t *rx)
{
	char p[JPATH_LEN], pl[JPATH_LEN], pq[JPATH_LEN], pqi[JPATH_LEN];
	int seen[CFG_MAX_LCORE_ID + 1] = { 0 };
	const json_t *v, *queues, *qv;
	struct cfg_lcore *lc;
	size_t i, j;
	int rc, id;

	if (get_array(l, rx, "lcores.rx", 1, CFG_MAX_LCORES, "RX lcore") == NULL)
		return -EINVAL;
	json_array_foreach(rx, i, v) {
		jp_idx(p, "lcores.rx", i);
		rc = parse_object(l, v, p, "lcores.rx[]", NULL);
		if (rc < 0)
			return rc;
		id = get_lcore_id(l, json_object_get(v, "lcore"), jp_key(pl, p, "lcore"),
				"lcores.rx", seen, i);
		if (id < 0)
			return id;
		lc = lcore_get(l, id, pl);
		if (lc == NULL)
			return -EINVAL;
		lc->roles |= CFG_ROLE_RX;
		queues = get_array(l, json_object_get(v, "queues"), jp_key(pq, p, "queues"), 1,
				CFG_MAX_POLL, "queue");
		if (queues == NULL)
			return -EINVAL;
		json_array_foreach(queues, j, qv) {
			rc = parse_lcores_rx_queue(l, lc, qv, jp_idx(pqi, pq, j));
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* lcores.worker or lcores.tx: a list of lcore ids taking @p role. */
static int
parse_lcores_list(const struct loader *l, const json_t *list, const char *path, uint32_t role,
		const char *what)
{
	int seen[CFG_MAX_LCORE_ID + 1] = { 0 };
	struct cfg_lcore *lc;
	char p[JPATH_LEN];
	const json_t *v;
	size_t i;
	int id;

	if (get_array(l, list, path, 1, CFG_MAX_LCORES, what) == NULL)
		return -EINVAL;
	json_array_foreach(list, i, v) {
		id = get_lcore_id(l, v, jp_idx(p, path, i), path, seen, i);
		if (id < 0)
			return id;
		lc = lcore_get(l, id, p);
		if (lc == NULL)
			return -EINVAL;
		lc->roles |= role;
	}
	return 0;
}

/* No "lcores": the lcore after the main one runs everything and polls every queue. */
static int
default_lcores(struct loader *l)
{
	struct stp_config *cfg = l->cfg;
	struct cfg_lcore *lc;
	unsigned int total = 0;
	uint16_t p, q;

	if (cfg->eal.main_lcore + 1 > CFG_MAX_LCORE_ID)
		return lerr(l, "lcores",
				"absent, and the default lcore (eal.main_lcore + 1 = %u) is "
				"out of range [0..%d]",
				cfg->eal.main_lcore + 1, CFG_MAX_LCORE_ID);
	for (p = 0; p < cfg->nb_ports; p++)
		total += cfg->ports[p].rx_queues;
	if (total > CFG_MAX_POLL)
		return lerr(l, "lcores",
				"absent, and one lcore cannot poll all %u rx queues (max %d): "
				"list lcores explicitly",
				total, CFG_MAX_POLL);
	lc = lcore_get(l, cfg->eal.main_lcore + 1, "lcores");
	if (lc == NULL)
		return -EINVAL;
	lc->roles = CFG_ROLE_RX | CFG_ROLE_WORKER | CFG_ROLE_TX;
	for (p = 0; p < cfg->nb_ports; p++) {
		for (q = 0; q < cfg->ports[p].rx_queues; q++) {
			lc->poll[lc->nb_poll].port = p;
			lc->poll[lc->nb_poll].queue = q;
			lc->nb_poll++;
			l->poller[p][q] = lc->lcore_id + 1;
		}
	}
	return 0;
}

static int
parse_lcores(struct loader *l, const json_t *root)
{
	const json_t *obj = json_object_get(root, "lcores");
	struct stp_config *cfg = l->cfg;
	uint16_t p, q;
	int rc;

	if (obj == NULL)
		return default_lcores(l);
	rc = parse_object(l, obj, "lcores", "lcores", NULL);
	if (rc < 0)
		return rc;
	rc = parse_lcores_rx(l, json_object_get(obj, "rx"));
	if (rc < 0)
		return rc;
	rc = parse_lcores_list(l, json_object_get(obj, "worker"), "lcores.worker", CFG_ROLE_WORKER,
			"worker lcore");
	if (rc < 0)
		return rc;
	rc = parse_lcores_list(l, json_object_get(obj, "tx"), "lcores.tx", CFG_ROLE_TX, "TX lcore");
	if (rc < 0)
		return rc;
	for (p = 0; p < cfg->nb_ports; p++)
		for (q = 0; q < cfg->ports[p].rx_queues; q++)
			if (l->poller[p][q] == 0)
				return lerr(l, "lcores.rx",
						"port \"%s\" queue %u is not polled by any lcore",
						cfg->ports[p].name, q);
	return 0;
}

/* "aa:bb:cc:dd:ee:ff" (or with '-'), into 6 bytes. */
static bool
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char sep[5], end;

	if (strlen(s) != 17 ||
			sscanf(s, "%2x%c%2x%c%2x%c%2x%c%2x%c%2x%c", &b[0], &sep[0], &b[1], &sep[1],
					&b[2], &sep[2], &b[3], &sep[3], &b[4], &sep[4], &b[5],
					&end) != 11)
		return false;
	for (int i = 0; i < 5; i++)
		if (sep[i] != ':' && sep[i] != '-')
			return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

/* The keys each output type takes, and the tunnels' port, addresses and id. */
static int
parse_output_type_keys(
		const struct loader *l, struct cfg_output *o, const json_t *v, const char *path)
{
	const bool tunnel = cfg_output_is_tunnel(o->type);
	const bool sph = o->type == CFG_OUTPUT_STAMPEDE;
	const bool ether = sph && o->transport == CFG_TRANSPORT_ETHER;
	const char *const *other = tunnel ? pcapng_only_keys : tunnel_only_keys;
	const size_t nb_other = tunnel ? ARRAY_LEN(pcapng_only_keys) : ARRAY_LEN(tunnel_only_keys);
	const char *kind = sph ? "stampede" : tunnel ? "tunnel" : "pcapng";
	char p[JPATH_LEN], b[JVAL_LEN];
	struct encap_tunnel *t = &o->tun;
	int pi;

	for (size_t k = 0; k < nb_other; k++)
		if (json_object_get(v, other[k]) != NULL)
			return lerr(l, jp_key(p, path, other[k]),
					"not a key of %s outputs (type \"%s\")", kind,
					output_type_names[o->type]);
	for (size_t k = 0; !sph && k < ARRAY_LEN(stampede_only_keys); k++)
		if (json_object_get(v, stampede_only_keys[k]) != NULL)
			return lerr(l, jp_key(p, path, stampede_only_keys[k]),
					"not a key of %s outputs (type \"%s\")", kind,
					output_type_names[o->type]);
	if (!tunnel) {
		if (json_object_get(v, "path") == NULL)
			return lerr(l, jp_key(p, path, "path"), "missing required key");
		return 0;
	}
	/* port and dst_mac always; the IP addresses unless the transport is Ethernet. */
	for (size_t k = 0; k < 4; k++)
		if (json_object_get(v, tunnel_only_keys[k]) == NULL && !(ether && k >= 1 && k <= 2))
			return lerr(l, jp_key(p, path, tunnel_only_keys[k]),
					"missing required key");
	pi = get_port(l, json_object_get(v, "port"), jp_key(p, path, "port"));
	if (pi < 0)
		return pi;
	o->port = (uint16_t)pi;
	memset(t, 0, sizeof(*t));
	t->type = sph && ether ? ENCAP_SPH_ETH : tunnel_types[o->type].enc;
	if (sph && !ether && strchr(o->src_ip, ':') != NULL) {
		/* A stampede output over IPv6: both addresses IPv6. */
		t->type = ENCAP_SPH_UDP6;
		if (inet_pton(AF_INET6, o->src_ip, t->src_ip6) != 1)
			return lerr(l, jp_key(p, path, "src_ip"),
					"%s is not an IPv4 or IPv6 address literal",
					jv(json_object_get(v, "src_ip"), b));
		if (inet_pton(AF_INET6, o->dst_ip, t->dst_ip6) != 1)
			return lerr(l, jp_key(p, path, "dst_ip"),
					"%s is not an IPv6 address literal (src_ip is IPv6: both "
					"must be of one family)",
					jv(json_object_get(v, "dst_ip"), b));
	} else {
		if (!ether && inet_pton(AF_INET, o->src_ip, &t->src_ip) != 1)
			return lerr(l, jp_key(p, path, "src_ip"),
					sph ? "%s is not an IPv4 or IPv6 address literal" :
					      "%s is not an IPv4 address literal",
					jv(json_object_get(v, "src_ip"), b));
		if (!ether && inet_pton(AF_INET, o->dst_ip, &t->dst_ip) != 1)
			return lerr(l, jp_key(p, path, "dst_ip"),
					sph ? "%s is not an IPv4 address literal (src_ip is IPv4: "
					      "both must be of one family)" :
					      "%s is not an IPv4 address literal",
					jv(json_object_get(v, "dst_ip"), b));
	}
	if (!parse_mac(o->dst_mac, t->dst_mac))
		return lerr(l, jp_key(p, path, "dst_mac"),
				"%s is not a MAC address (\"aa:bb:cc:dd:ee:ff\")",
				jv(json_object_get(v, "dst_mac"), b));
	if (o->id > tunnel_types[o->type].max_id)
		return lerr(l, jp_key(p, path, "id"), "%u is out of range [0..%u] for %s", o->id,
				tunnel_types[o->type].max_id, output_type_names[o->type]);
	/* The stampede port's default is its own (the table's 4789 is VXLAN's). */
	if (sph && json_object_get(v, "dst_port") == NULL)
		o->dst_port = SPH_UDP_PORT;
	t->id = o->id;
	t->ttl = o->ttl;
	t->dscp = o->dscp;
	t->dst_port = o->dst_port;
	return 0;
}

/* node.role and node.relay_to: a relay sends on through one stampede output. */
static int
check_node_role(const struct loader *l)
{
	struct stp_config *cfg = l->cfg;
	struct cfg_target t;

	if (cfg->node.role != CFG_ROLE_RELAY) {
		if (cfg->node.relay_to[0] != '\0')
			return lerr(l, "node.relay_to",
					"only a relay (node.role \"relay\") takes it");
		return 0;
	}
	if (cfg->node.relay_to[0] == '\0')
		return lerr(l, "node.relay_to",
				"missing: a relay needs a stampede output to send to");
	if (cfg_target_by_name(cfg, cfg->node.relay_to, &t) != 0 || t.kind != CFG_TARGET_OUTPUT ||
			cfg->outputs[t.idx].type != CFG_OUTPUT_STAMPEDE)
		return lerr(l, "node.relay_to", "\"%s\" is not an output of type \"stampede\"",
				cfg->node.relay_to);
	cfg->node.relay_out = t.idx;
	return 0;
}

static int
parse_outputs(const struct loader *l, const json_t *root)
{
	struct stp_config *cfg = l->cfg;
	char p[JPATH_LEN], q[JPATH_LEN];
	const json_t *outputs, *v;
	struct cfg_output *o;
	size_t i;
	int rc;

	outputs = json_object_get(root, "outputs");
	if (outputs == NULL)
		return 0;
	if (get_array(l, outputs, "outputs", 0, CFG_MAX_OUTPUTS, "output") == NULL)
		return -EINVAL;
	json_array_foreach(outputs, i, v) {
		o = &cfg->outputs[i];
		memset(o, 0, sizeof(*o));
		jp_idx(p, "outputs", i);
		rc = parse_object(l, v, p, "outputs[]", o);
		if (rc < 0)
			return rc;
		rc = parse_output_type_keys(l, o, v, p);
		if (rc < 0)
			return rc;
		rc = check_name_free(l, o->name, jp_key(q, p, "name"));
		if (rc < 0)
			return rc;
		cfg->nb_outputs = i + 1;
	}
	return 0;
}

static int
parse_group_members(const struct loader *l, struct cfg_group *g, const json_t *v, const char *path)
{
	char p[JPATH_LEN], pm[JPATH_LEN];
	const json_t *members, *e;
	struct cfg_target t;
	uint16_t k;
	size_t i;
	int rc;

	jp_key(p, path, "members");
	members = get_array(l, json_object_get(v, "members"), p, 1, CFG_MAX_MEMBERS, "member");
	if (members == NULL)
		return -EINVAL;
	json_array_foreach(members, i, e) {
		rc = get_target(l, e, jp_idx(pm, p, i), false, &t);
		if (rc < 0)
			return rc;
		for (k = 0; k < g->nb_members; k++)
			if (g->members[k].kind == t.kind && g->members[k].idx == t.idx)
				return lerr(l, pm, "\"%s\" is already listed at %s[%u]",
						cfg_target_name(l->cfg, &t), p, k);
		g->members[g->nb_members++] = t;
	}
	return 0;
}

/*
 * Two passes: every group's name first, so that a member naming any group, earlier or later,
 * gets the "groups do not nest" message rather than "unknown name".
 */
static int
parse_groups(const struct loader *l, const json_t *root)
{
	struct stp_config *cfg = l->cfg;
	char p[JPATH_LEN], q[JPATH_LEN];
	const json_t *groups, *v;
	struct cfg_group *g;
	size_t i;
	int rc;

	groups = json_object_get(root, "groups");
	if (groups == NULL)
		return 0;
	if (get_array(l, groups, "groups", 0, CFG_MAX_GROUPS, "group") == NULL)
		return -EINVAL;
	json_array_foreach(groups, i, v) {
		g = &cfg->groups[i];
		memset(g, 0, sizeof(*g));
		jp_idx(p, "groups", i);
		rc = parse_object(l, v, p, "groups[]", g);
		if (rc < 0)
			return rc;
		rc = check_name_free(l, g->name, jp_key(q, p, "name"));
		if (rc < 0)
			return rc;
		cfg->nb_groups = i + 1;
	}
	json_array_foreach(groups, i, v) {
		rc = parse_group_members(l, &cfg->groups[i], v, jp_idx(p, "groups", i));
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
parse_rule(const struct loader *l, struct cfg_rule *r, size_t idx, const json_t *v,
		const char *path)
{
	struct stp_config *cfg = l->cfg;
	char p[JPATH_LEN], pi[JPATH_LEN], b[JVAL_LEN], msg[PCAP_ERRBUF_SIZE + 64];
	const json_t *in, *name, *e;
	const char *why;
	uint16_t k;
	size_t i;
	int rc, port;

	/* Types and ranges of filter, action, continue, snaplen and vlan. */
	rc = parse_object(l, v, path, "rules[]", r);
	if (rc < 0)
		return rc;

	name = json_object_get(v, "name");
	jp_key(p, path, "name");
	if (name != NULL) {
		rc = get_str_into(l, name, p, OPT_NAME, r->name, sizeof(r->name));
		if (rc < 0)
			return rc;
	} else {
		snprintf(r->name, sizeof(r->name), "rule%zu", idx);
	}
	for (k = 0; k < idx; k++)
		if (strcmp(cfg->rules[k].name, r->name) == 0)
			return lerr(l, p, "\"%s\" is already the name of rules[%u]", r->name, k);

	in = json_object_get(v, "in");
	jp_key(p, path, "in");
	if (in == NULL) {
		r->in_mask = cfg->nb_ports >= 32 ? UINT32_MAX : (UINT32_C(1) << cfg->nb_ports) - 1;
	} else if (json_is_array(in)) {
		if (json_array_size(in) == 0)
			return lerr(l, p,
					"empty array, at least one port is required "
					"(omit \"in\" to match every port)");
		json_array_foreach(in, i, e) {
			port = get_port(l, e, jp_idx(pi, p, i));
			if (port < 0)
				return port;
			r->in_mask |= UINT32_C(1) << port;
		}
	} else {
		port = get_port(l, in, p);
		if (port < 0)
			return port;
		r->in_mask = UINT32_C(1) << port;
	}

	if (r->filter[0] != '\0' && filter_check_syntax(r->filter, msg, sizeof(msg)) < 0)
		return lerr(l, jp_key(p, path, "filter"), "%s does not compile: %s",
				jv(json_object_get(v, "filter"), b), msg);

	if (r->action == CFG_ACTION_FORWARD) {
		jp_key(p, path, "out");
		e = json_object_get(v, "out");
		if (e == NULL)
			return lerr(l, p, "missing required key (action \"forward\" needs it)");
		rc = get_target(l, e, p, true, &r->out);
		if (rc < 0)
			return rc;
		r->out_port = r->out.kind == CFG_TARGET_PORT ? r->out.idx : 0;
		return 0;
	}
	/* drop and count send nothing anywhere: the keys that say where or how are mistakes. */
	for (i = 0; i < ARRAY_LEN(forward_only_keys); i++) {
		if (json_object_get(v, forward_only_keys[i]) == NULL)
			continue;
		if (strcmp(forward_only_keys[i], "continue") != 0)
			why = "only forward rules send packets";
		else if (r->action == CFG_ACTION_DROP)
			why = "a drop rule always ends the evaluation";
		else
			why = "a count rule never ends the evaluation";
		return lerr(l, jp_key(p, path, forward_only_keys[i]),
				"not allowed with action \"%s\": %s", action_names[r->action], why);
	}
	return 0;
}

static int
parse_rules(const struct loader *l, const json_t *root)
{
	struct stp_config *cfg = l->cfg;
	const json_t *rules, *v;
	char p[JPATH_LEN];
	size_t i;
	int rc;

	rules = json_object_get(root, "rules");
	if (rules == NULL)
		return 0;
	if (get_array(l, rules, "rules", 0, CFG_MAX_RULES, "rule") == NULL)
		return -EINVAL;
	json_array_foreach(rules, i, v) {
		memset(&cfg->rules[i], 0, sizeof(cfg->rules[i]));
		rc = parse_rule(l, &cfg->rules[i], i, v, jp_idx(p, "rules", i));
		if (rc < 0)
			return rc;
		cfg->nb_rules = i + 1;
	}
	return 0;
}

/*
 * Whether forward rule @p r sends to ports[@p port]: directly (*group = -1) or as a member of the
 * group it sends to (*group = that group's index).
 */
static bool
rule_sends_to_port(
		const struct stp_config *cfg, const struct cfg_rule *r, uint16_t port, int *group)
{
	const struct cfg_group *g;
	uint16_t m;

	*group = -1;
	if (r->action != CFG_ACTION_FORWARD)
		return false;
	if (r->out.kind == CFG_TARGET_PORT)
		return r->out.idx == port;
	/* A tunnel output sends out of its port. */
	if (r->out.kind == CFG_TARGET_OUTPUT)
		return cfg_output_is_tunnel(cfg->outputs[r->out.idx].type) &&
				cfg->outputs[r->out.idx].port == port;
	if (r->out.kind != CFG_TARGET_GROUP)
		return false;
	g = &cfg->groups[r->out.idx];
	for (m = 0; m < g->nb_members; m++) {
		const struct cfg_target *t = &g->members[m];

		if ((t->kind == CFG_TARGET_PORT && t->idx == port) ||
				(t->kind == CFG_TARGET_OUTPUT &&
						cfg_output_is_tunnel(cfg->outputs[t->idx].type) &&
						cfg->outputs[t->idx].port == port)) {
			*group = r->out.idx;
			return true;
		}
	}
	return false;
}

/*
 * Every port a rule sends to, directly or through a group, needs one TX queue per TX lcore: TX
 * lcores do not share queues.
 */
static int
check_tx_queues(const struct loader *l)
{
	const struct stp_config *cfg = l->cfg;
	unsigned int nb_tx = 0;
	char p[JPATH_LEN];
	uint16_t i, r;
	int g;

	for (i = 0; i < cfg->nb_lcores; i++)
		if (cfg->lcores[i].roles & CFG_ROLE_TX)
			nb_tx++;
	for (i = 0; i < cfg->nb_ports; i++) {
		if (cfg->ports[i].tx_queues >= nb_tx)
			continue;
		for (r = 0; r < cfg->nb_probes; r++) {
			if (cfg->probes[r].port != i)
				continue;
			snprintf(p, sizeof(p), "ports[%u].tx_queues", i);
			return lerr(l, p,
					"%u is fewer than the %u TX lcores (lcores.tx): port \"%s\" "
					"sends probes[%u], and each TX lcore needs its own queue",
					cfg->ports[i].tx_queues, nb_tx, cfg->ports[i].name, r);
		}
		if (cfg->probe_rx.enabled && cfg->probe_rx.reflect &&
				(cfg->probe_rx.port_mask == 0 ||
						(cfg->probe_rx.port_mask & (UINT32_C(1) << i)))) {
			snprintf(p, sizeof(p), "ports[%u].tx_queues", i);
			return lerr(l, p,
					"%u is fewer than the %u TX lcores (lcores.tx): port \"%s\" "
					"reflects probes (probe_rx.reflect), and each TX lcore needs "
					"its own queue",
					cfg->ports[i].tx_queues, nb_tx, cfg->ports[i].name);
		}
		for (r = 0; r < cfg->nb_rules; r++) {
			if (!rule_sends_to_port(cfg, &cfg->rules[r], i, &g))
				continue;
			snprintf(p, sizeof(p), "ports[%u].tx_queues", i);
			if (g >= 0)
				return lerr(l, p,
						"%u is fewer than the %u TX lcores (lcores.tx): port "
						"\"%s\" is a member of groups[%d], the output of "
						"rules[%u], and each TX lcore needs its own queue",
						cfg->ports[i].tx_queues, nb_tx, cfg->ports[i].name,
						g, r);
			return lerr(l, p,
					"%u is fewer than the %u TX lcores (lcores.tx): port "
					"\"%s\" is the output of rules[%u] and each TX lcore "
					"needs its own queue",
					cfg->ports[i].tx_queues, nb_tx, cfg->ports[i].name, r);
		}
	}
	return 0;
}

/*
 * metrics.tls: both files or neither, and both readable now, so that --check and the start fail
 * on a missing file rather than the first TLS handshake. What they hold is checked when the
 * server loads them (lib/metrics).
 */
static int
parse_metrics_tls(const struct loader *l, const struct cfg_metrics *m)
{
	const struct {
		const char *path, *file, *other;
	} f[] = {
		{ "metrics.tls.cert_file", m->tls_cert, m->tls_key },
		{ "metrics.tls.key_file", m->tls_key, m->tls_cert },
	};

	for (size_t i = 0; i < ARRAY_LEN(f); i++) {
		if (f[i].file[0] == '\0') {
			if (f[i].other[0] != '\0')
				return lerr(l, f[i].path,
						"missing: TLS needs both cert_file and key_file");
			continue;
		}
		if (access(f[i].file, R_OK) != 0)
			return lerr(l, f[i].path, "cannot read \"%s\": %s", f[i].file,
					strerror(errno));
	}
	return 0;
}

/*
 * metrics.basic_auth.password_hash: a crypt(3) hash that libxcrypt knows ("$y$" yescrypt, "$2b$"
 * bcrypt, "$6$" SHA-512-crypt, "$5$"), checked by hashing a probe password with it as setting:
 * libxcrypt fails (NULL) for a setting it does not support. No plain
 * text password is ever accepted: DES and the other hashes without a "$id$" prefix are refused.
 */
static int
parse_metrics_auth(const struct loader *l, const struct cfg_metrics *m)
{
	struct crypt_data *cd;
	const char *h;
	bool ok;

	/* Both empty (absent, or as --dump-config writes "no auth"): no auth. */
	if (m->auth_user[0] == '\0' && m->auth_hash[0] == '\0')
		return 0;
	if (m->auth_user[0] == '\0')
		return lerr(l, "metrics.basic_auth.username",
				"missing: basic auth needs a user name");
	if (m->auth_hash[0] == '\0')
		return lerr(l, "metrics.basic_auth.password_hash",
				"missing: basic auth needs a password hash");
	if (strchr(m->auth_user, ':') != NULL)
		return lerr(l, "metrics.basic_auth.username",
				"\"%s\" holds a ':', which HTTP basic auth cannot carry",
				m->auth_user);
	if (m->auth_hash[0] != '$')
		return lerr(l, "metrics.basic_auth.password_hash",
				"not a crypt(3) hash (\"$y$...\", \"$2b$...\", \"$6$...\"; make one with "
				"mkpasswd or openssl passwd -6)");
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return lerr(l, "metrics.basic_auth.password_hash", "out of memory");
	/*
	 * crypt_rn(): libxcrypt's crypt_r() that answers NULL rather than a '*' string; also not
	 * the crypt_r() that gcc 12's ASan intercepts (its interceptor calls a null pointer there).
	 */
	h = crypt_rn("probe", m->auth_hash, cd, (int)sizeof(*cd));
	ok = h != NULL && h[0] == '$';
	free(cd);
	if (!ok)
		return lerr(l, "metrics.basic_auth.password_hash",
				"not a hash this system's crypt(3) supports (yescrypt \"$y$\", bcrypt "
				"\"$2b$\", SHA-512 \"$6$\", SHA-256 \"$5$\")");
	return 0;
}

static int
parse_metrics(const struct loader *l, const json_t *root)
{
	const json_t *obj = json_object_get(root, "metrics");
	struct cfg_metrics *m = &l->cfg->metrics;
	unsigned char addr[sizeof(struct in6_addr)];
	char b[JVAL_LEN];
	int rc;

	rc = parse_object(l, obj, "metrics", "metrics", l->cfg);
	if (rc < 0)
		return rc;
	/* A literal, not a host name: resolving names at start-up would make it depend on DNS. */
	if (inet_pton(AF_INET, m->listen, addr) != 1 && inet_pton(AF_INET6, m->listen, addr) != 1)
		return lerr(l, "metrics.listen",
				"%s is not an IPv4 or IPv6 address literal (e.g. \"127.0.0.1\", "
				"\"::1\", \"0.0.0.0\")",
				jv(json_object_get(obj, "listen"), b));
	rc = parse_object(l, obj != NULL ? json_object_get(obj, "tls") : NULL, "metrics.tls", "tls",
			l->cfg);
	if (rc < 0)
		return rc;
	rc = parse_metrics_tls(l, m);
	if (rc < 0)
		return rc;
	rc = parse_object(l, obj != NULL ? json_object_get(obj, "basic_auth") : NULL,
			"metrics.basic_auth", "basic_auth", l->cfg);
	if (rc < 0)
		return rc;
	return parse_metrics_auth(l, m);
}

/* "aa:bb:cc:dd:ee:ff" (hex digits, either case) into 6 bytes. */
static bool
mac_parse(const char *s, uint8_t out[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 ||
			sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
					&b[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (s[3 * i + 2] != ':' && i < 5)
			return false;
		out[i] = (uint8_t)b[i];
	}
	return strspn(s, "0123456789abcdefABCDEF:") == 17;
}

/* UDP payload bytes a probe of @p mode needs: lib/probe's 40, STAMP's 44 (RFC 8762), none. */
/*
 * A STAMP key (stamp_key_file): the file holds the key as hex digits (e.g. `openssl rand -hex
 * 32`), whitespace ignored, 16..64 bytes. Errors name @p path (the JSON key) and the file, never
 * a byte of the key. The key is kept in the config struct only, which no dump prints.
 */
static int
load_stamp_key(const struct loader *l, const char *base, enum cfg_stamp_auth auth, const char *file,
		bool mode_stamp, uint8_t *key, uint8_t *key_len)
{
	char txt[4 * CFG_STAMP_KEY_MAX + 2], path[JPATH_LEN];
	size_t n = 0, nd = 0;
	int c, hi = -1;
	FILE *f;

	*key_len = 0;
	jp_key(path, base, "stamp_key_file");
	if (auth == CFG_STAMP_AUTH_NONE) {
		if (file[0] != '\0')
			return lerr(l, path,
					"\"%s\" is set but stamp_auth is \"none\": set "
					"\"stamp_auth\": \"hmac-sha256\" or remove the key file",
					file);
		return 0;
	}
	if (!mode_stamp)
		return lerr(l, jp_key(path, base, "stamp_auth"),
				"\"hmac-sha256\" needs mode \"stamp\" (RFC 8762 authenticated mode)");
	if (file[0] == '\0')
		return lerr(l, path,
				"missing: stamp_auth \"hmac-sha256\" needs a key file (hex, "
				"%d..%d bytes)",
				CFG_STAMP_KEY_MIN, CFG_STAMP_KEY_MAX);
	f = fopen(file, "r");
	if (f == NULL)
		return lerr(l, path, "\"%s\": %s", file, strerror(errno));
	n = fread(txt, 1, sizeof(txt), f);
	c = ferror(f);
	fclose(f);
	if (c) {
		memset(txt, 0, sizeof(txt));
		return lerr(l, path, "\"%s\": read error", file);
	}
	for (size_t i = 0; i < n; i++) {
		int ch = (unsigned char)txt[i], v;

		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
			continue;
		if (ch >= '0' && ch <= '9')
			v = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			v = ch - 'A' + 10;
		else
			v = -1;
		if (v < 0 || nd >= 2 * CFG_STAMP_KEY_MAX) {
			memset(txt, 0, sizeof(txt));
			memset(key, 0, CFG_STAMP_KEY_MAX);
			return lerr(l, path, "\"%s\": %s", file,
					v < 0 ? "not a key in hex digits (only 0-9, a-f and blanks)" :
						"longer than 64 bytes");
		}
		if (hi < 0) {
			hi = v;
		} else {
			key[nd / 2] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
		nd++;
	}
	memset(txt, 0, sizeof(txt));
	if (n == sizeof(txt) || hi >= 0 || nd / 2 < CFG_STAMP_KEY_MIN) {
		memset(key, 0, CFG_STAMP_KEY_MAX);
		return lerr(l, path, "\"%s\": %s", file,
				hi >= 0 ? "an odd number of hex digits" :
						n == sizeof(txt) ?
					  "longer than 64 bytes" :
					  "a key of fewer than 16 bytes (use 32: openssl rand -hex 32)");
	}
	*key_len = (uint8_t)(nd / 2);
	return 0;
}

static unsigned int
probe_payload_min(enum cfg_probe_mode mode)
{
	return mode == CFG_PROBE_STAMP ? 44 : mode == CFG_PROBE_PLAIN ? 0 : 40;
}

/* Smallest frame (with FCS) that holds a probe (lib/probe's probe_min_frame(), repeated). */
static unsigned int
probe_frame_min(enum cfg_probe_mode mode, bool ipv6, bool vlan)
{
	unsigned int n = 14 + (vlan ? 4 : 0) + (ipv6 ? 40 : 20) + 8 + probe_payload_min(mode) + 4;

	return n < 64 ? 64 : n;
}

static int
parse_probe_sizes(const struct loader *l, struct cfg_probe *pr, const json_t *v, const char *path)
{
	static const uint16_t imix[] = { 64, 594, 64, 64, 594, 64, 1518, 64, 594, 64, 594, 64 };
	char p[JPATH_LEN], b[JVAL_LEN];
	const json_t *e;
	int64_t x;
	size_t i;
	int rc;

	if (json_is_string(v)) {
		if (strcmp(json_string_value(v), "imix") != 0)
			return lerr(l, path, "%s is not \"imix\" or an array of frame sizes",
					jv(v, b));
		memcpy(pr->sizes, imix, sizeof(imix));
		pr->nb_sizes = ARRAY_LEN(imix);
		return 0;
	}
	if (!json_is_array(v))
		return lerr(l, path, "%s is not \"imix\" or an array of frame sizes", jv(v, b));
	if (get_array(l, v, path, 0, CFG_MAX_PROBE_SIZES, "size") == NULL)
		return -EINVAL;
	json_array_foreach(v, i, e) {
		rc = get_int(l, e, jp_idx(p, path, i), 64, 9018, 0, &x);
		if (rc < 0)
			return rc;
		pr->sizes[i] = (uint16_t)x;
		pr->nb_sizes = i + 1;
	}
	return 0;
}

static int
parse_probe(const struct loader *l, struct cfg_probe *pr, size_t idx, const json_t *v,
		const char *path)
{
	struct stp_config *cfg = l->cfg;
	unsigned char a6[16];
	char p[JPATH_LEN], b[JVAL_LEN];
	const json_t *e;
	int64_t x;
	int rc, port, fam_src, fam_dst;

	rc = parse_object(l, v, path, "probes[]", pr);
	if (rc < 0)
		return rc;
	rc = parse_object(l, json_object_get(v, "impair"), jp_key(p, path, "impair"), "impair", pr);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < idx; k++)
		if (strcmp(cfg->probes[k].name, pr->name) == 0)
			return lerr(l, jp_key(p, path, "name"),
					"\"%s\" is already the name of probes[%zu]", pr->name, k);
	port = get_port(l, json_object_get(v, "port"), jp_key(p, path, "port"));
	if (port < 0)
		return port;
	pr->port = (uint16_t)port;

	e = json_object_get(v, "stream_id");
	pr->stream_id = (uint32_t)idx;
	if (e != NULL) {
		rc = get_int(l, e, jp_key(p, path, "stream_id"), 0, 31, 0, &x);
		if (rc < 0)
			return rc;
		pr->stream_id = (uint32_t)x;
	}
	for (size_t k = 0; k < idx; k++)
		if (cfg->probes[k].stream_id == pr->stream_id)
			return lerr(l, jp_key(p, path, "stream_id"),
					"%u is already the stream_id of probes[%zu]", pr->stream_id,
					k);

	e = json_object_get(v, "sizes");
	if (e != NULL) {
		rc = parse_probe_sizes(l, pr, e, jp_key(p, path, "sizes"));
		if (rc < 0)
			return rc;
	}

	pr->src_mac_set = pr->src_mac[0] != '\0';
	if (pr->src_mac_set && !mac_parse(pr->src_mac, pr->src_mac_b))
		return lerr(l, jp_key(p, path, "src_mac"),
				"%s is not a MAC address (\"aa:bb:cc:dd:ee:ff\", or \"\" for the "
				"port's own)",
				jv(json_object_get(v, "src_mac"), b));
	if (!mac_parse(pr->dst_mac, pr->dst_mac_b))
		return lerr(l, jp_key(p, path, "dst_mac"),
				"%s is not a MAC address (\"aa:bb:cc:dd:ee:ff\")",
				jv(json_object_get(v, "dst_mac"), b));
	fam_src = inet_pton(AF_INET, pr->src_ip, a6) == 1	 ? 4 :
			inet_pton(AF_INET6, pr->src_ip, a6) == 1 ? 6 :
								   0;
	if (fam_src == 0)
		return lerr(l, jp_key(p, path, "src_ip"), "%s is not an IPv4 or IPv6 address",
				jv(json_object_get(v, "src_ip"), b));
	memset(pr->src_ip_b, 0, sizeof(pr->src_ip_b));
	memcpy(pr->src_ip_b, a6, fam_src == 4 ? 4 : 16);
	fam_dst = inet_pton(AF_INET, pr->dst_ip, a6) == 1	 ? 4 :
			inet_pton(AF_INET6, pr->dst_ip, a6) == 1 ? 6 :
								   0;
	if (fam_dst == 0)
		return lerr(l, jp_key(p, path, "dst_ip"), "%s is not an IPv4 or IPv6 address",
				jv(json_object_get(v, "dst_ip"), b));
	if (fam_dst != fam_src)
		return lerr(l, jp_key(p, path, "dst_ip"),
				"%s is IPv%d but src_ip \"%s\" is IPv%d: both must be of one family",
				jv(json_object_get(v, "dst_ip"), b), fam_dst, pr->src_ip, fam_src);
	memset(pr->dst_ip_b, 0, sizeof(pr->dst_ip_b));
	memcpy(pr->dst_ip_b, a6, fam_dst == 4 ? 4 : 16);
	pr->ipv6 = fam_src == 6;

	if (pr->rate_pps != 0 && pr->rate_bps != 0)
		return lerr(l, jp_key(p, path, "rate_bps"),
				"rate_pps and rate_bps are both set: give one of them");
	if (pr->rate == CFG_RATE_PACED && pr->rate_pps == 0 && pr->rate_bps == 0)
		pr->rate_pps = 1000;
	if ((uint32_t)pr->src_port + pr->flows - 1 > 65535)
		return lerr(l, jp_key(p, path, "flows"),
				"%u flows from src_port %u go past port 65535", pr->flows,
				pr->src_port);
	if (pr->nb_sizes == 0 && pr->size < probe_frame_min(pr->mode, pr->ipv6, pr->vlan != 0))
		return lerr(l, jp_key(p, path, "size"),
				"%u is smaller than a probe frame here (%u bytes: Ethernet%s, IPv%d, "
				"UDP, %u-byte %s probe, FCS)",
				pr->size, probe_frame_min(pr->mode, pr->ipv6, pr->vlan != 0),
				pr->vlan != 0 ? ", VLAN" : "", pr->ipv6 ? 6 : 4,
				probe_payload_min(pr->mode), probe_mode_names[pr->mode]);
	/* STAMP's well-known port (RFC 8762 4.1) unless the entry names another. */
	if (pr->mode == CFG_PROBE_STAMP && json_object_get(v, "dst_port") == NULL)
		pr->dst_port = 862;
	/* A STAMP stream always goes to a reflector; a stampede one may go to a receiver. */
	if (pr->mode == CFG_PROBE_STAMP && json_object_get(v, "reflected") == NULL)
		pr->reflected = true;
	if (pr->reflected && pr->mode == CFG_PROBE_PLAIN)
		return lerr(l, jp_key(p, path, "reflected"),
				"true with mode \"plain\": plain packets carry no sequence to "
				"answer");
	if (pr->reflector_stateful && pr->flows > 1)
		return lerr(l, jp_key(p, path, "reflector_stateful"),
				"true with flows %u: a stateful reflector numbers each source port's "
				"session apart (set flows 1)",
				pr->flows);
	if (pr->reflector_stateful && pr->mode != CFG_PROBE_STAMP)
		return lerr(l, jp_key(p, path, "reflector_stateful"),
				"true with mode \"%s\": only a STAMP reflector numbers its replies",
				probe_mode_names[pr->mode]);
	rc = load_stamp_key(l, path, pr->stamp_auth, pr->stamp_key_file,
			pr->mode == CFG_PROBE_STAMP, pr->stamp_key, &pr->stamp_key_len);
	if (rc < 0)
		return rc;
	/* Authenticated packets are 112 bytes (RFC 8762 4.2.2), not 44. */
	if (pr->stamp_auth != CFG_STAMP_AUTH_NONE) {
		unsigned int min = probe_frame_min(pr->mode, pr->ipv6, pr->vlan != 0) + 112 - 44;

		if (pr->nb_sizes == 0 && pr->size < min)
			return lerr(l, jp_key(p, path, "size"),
					"%u is smaller than an authenticated STAMP frame here (%u "
					"bytes: a 112-byte packet)",
					pr->size, min);
		for (unsigned int i = 0; i < pr->nb_sizes; i++)
			if (pr->sizes[i] < min)
				return lerr(l, jp_key(p, path, "sizes"),
						"%u is smaller than an authenticated STAMP frame "
						"here (%u bytes: a 112-byte packet)",
						pr->sizes[i], min);
	}
	return 0;
}

static int
parse_probes(const struct loader *l, const json_t *root)
{
	struct stp_config *cfg = l->cfg;
	const json_t *probes, *v;
	char p[JPATH_LEN];
	size_t i;
	int rc;

	probes = json_object_get(root, "probes");
	if (probes == NULL)
		return 0;
	if (get_array(l, probes, "probes", 0, CFG_MAX_PROBES, "probe") == NULL)
		return -EINVAL;
	json_array_foreach(probes, i, v) {
		memset(&cfg->probes[i], 0, sizeof(cfg->probes[i]));
		rc = parse_probe(l, &cfg->probes[i], i, v, jp_idx(p, "probes", i));
		if (rc < 0)
			return rc;
		cfg->nb_probes = i + 1;
	}
	return 0;
}

/* probe_rx.addresses and probe_rx.refuse_src_ports: what the reflector answers. */
static int
parse_probe_rx_refl(const struct loader *l, const json_t *obj, struct cfg_probe_rx *rx)
{
	const json_t *a, *e;
	char p[JPATH_LEN], b[JVAL_LEN];
	size_t i;

	rx->nb_addresses = 0;
	a = obj != NULL ? json_object_get(obj, "addresses") : NULL;
	if (a != NULL) {
		if (get_array(l, a, "probe_rx.addresses", 0, CFG_MAX_REFL_ADDR, "address") == NULL)
			return -EINVAL;
		json_array_foreach(a, i, e) {
			const char *s = json_is_string(e) ? json_string_value(e) : "";
			uint8_t *out = rx->addresses[i].b;

			memset(out, 0, 16);
			if (inet_pton(AF_INET, s, out) == 1)
				rx->addresses[i].family = 4;
			else if (inet_pton(AF_INET6, s, out) == 1)
				rx->addresses[i].family = 6;
			else
				return lerr(l, jp_idx(p, "probe_rx.addresses", i),
						"%s is not an IPv4 or IPv6 address literal",
						jv(e, b));
			rx->nb_addresses = (uint8_t)(i + 1);
		}
	}
	a = obj != NULL ? json_object_get(obj, "refuse_src_ports") : NULL;
	if (a == NULL) {
		/* Default: the port served, so two reflectors never answer each other. */
		rx->nb_refuse_src_ports = 1;
		rx->refuse_src_ports[0] = rx->udp_port;
		return 0;
	}
	rx->nb_refuse_src_ports = 0;
	if (get_array(l, a, "probe_rx.refuse_src_ports", 0, CFG_MAX_REFL_ADDR, "UDP port") == NULL)
		return -EINVAL;
	json_array_foreach(a, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 1 ||
				json_integer_value(e) > 65535)
			return lerr(l, jp_idx(p, "probe_rx.refuse_src_ports", i),
					"%s is not a UDP port [1..65535]", jv(e, b));
		rx->refuse_src_ports[i] = (uint16_t)json_integer_value(e);
		rx->nb_refuse_src_ports = (uint8_t)(i + 1);
	}
	return 0;
}

static int
parse_probe_rx(const struct loader *l, const json_t *root)
{
	const json_t *obj = json_object_get(root, "probe_rx"), *ports, *e;
	struct cfg_probe_rx *rx = &l->cfg->probe_rx;
	char p[JPATH_LEN];
	size_t i;
	int rc, port;

	rc = parse_object(l, obj, "probe_rx", "probe_rx", l->cfg);
	if (rc < 0)
		return rc;
	if (rx->mode == CFG_PROBE_STAMP) {
		/* A STAMP receiver is a Session-Reflector: it answers, it never just consumes. */
		if (rx->enabled && !rx->reflect)
			return lerr(l, "probe_rx.reflect",
					"false with mode \"stamp\": a STAMP receiver is a "
					"Session-Reflector (set \"reflect\": true)");
		if (json_object_get(obj, "udp_port") == NULL)
			rx->udp_port = 862;
	} else if (rx->stamp_stateful) {
		return lerr(l, "probe_rx.stamp_stateful",
				"true with mode \"%s\": stateful reflection is a STAMP "
				"Session-Reflector's (set \"mode\": \"stamp\")",
				rx->mode == CFG_PROBE_PLAIN ? "plain" : "stampede");
	}
	if (rx->mode == CFG_PROBE_PLAIN) {
		return lerr(l, "probe_rx.mode",
				"\"plain\" is a generator mode (nothing to measure): use "
				"\"stampede\" or \"stamp\"");
	}
	rc = load_stamp_key(l, "probe_rx", rx->stamp_auth, rx->stamp_key_file,
			rx->mode == CFG_PROBE_STAMP, rx->stamp_key, &rx->stamp_key_len);
	if (rc < 0)
		return rc;
	rc = parse_probe_rx_refl(l, obj, rx);
	if (rc < 0)
		return rc;
	rx->port_mask = 0;
	ports = obj != NULL ? json_object_get(obj, "ports") : NULL;
	if (ports == NULL)
		return 0;
	if (get_array(l, ports, "probe_rx.ports", 0, CFG_MAX_PORTS, "port") == NULL)
		return -EINVAL;
	json_array_foreach(ports, i, e) {
		port = get_port(l, e, jp_idx(p, "probe_rx.ports", i));
		if (port < 0)
			return port;
		rx->port_mask |= UINT32_C(1) << port;
	}
	return 0;
}

/* "10.1.0.0/16", "2001:db8::/32": family, length, address; host bits must be 0. */
static int
parse_prefix(const struct loader *l, struct cfg_tcprtt_prefix *x, const char *path)
{
	char buf[CFG_PREFIX_LEN], *slash, *end;
	unsigned long len;
	unsigned int max, bytes, bits;

	snprintf(buf, sizeof(buf), "%s", x->prefix);
	slash = strchr(buf, '/');
	if (slash == NULL)
		goto bad;
	*slash = '\0';
	memset(x->addr, 0, sizeof(x->addr));
	if (inet_pton(AF_INET, buf, x->addr) == 1) {
		x->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, x->addr) == 1) {
		x->family = 6;
		max = 128;
	} else {
		goto bad;
	}
	if (slash[1] < '0' || slash[1] > '9')
		goto bad;
	len = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || len > max)
		goto bad;
	x->len = (uint8_t)len;
	bytes = x->len / 8;
	bits = x->len % 8;
	for (unsigned int i = bytes; i < 16; i++) {
		uint8_t mask = i == bytes && bits != 0 ? (uint8_t)(0xff >> bits) : 0xff;

		if (x->addr[i] & mask)
			return lerr(l, path, "\"%s\" has bits set beyond its /%u prefix length",
					x->prefix, x->len);
	}
	return 0;
bad:
	return lerr(l, path,
			"\"%s\" is not an address prefix (e.g. \"10.1.0.0/16\", "
			"\"2001:db8::/32\")",
			x->prefix);
}

static int
parse_tcprtt(const struct loader *l, const json_t *root)
{
	const json_t *obj = json_object_get(root, "tcp_rtt"), *ports, *prefixes, *v;
	struct cfg_tcprtt *t = &l->cfg->tcp_rtt;
	char p[JPATH_LEN], q[JPATH_LEN];
	size_t i;
	int rc;

	rc = parse_object(l, obj, "tcp_rtt", "tcp_rtt", l->cfg);
	if (rc < 0)
		return rc;
	rc = parse_object(l, obj != NULL ? json_object_get(obj, "output") : NULL, "tcp_rtt.output",
			"output", l->cfg);
	if (rc < 0)
		return rc;
	ports = obj != NULL ? json_object_get(obj, "ports") : NULL;
	t->nb_ports = 0;
	if (ports == NULL) {
		for (i = 0; i < l->cfg->nb_ports && i < CFG_MAX_TCPRTT_PORTS; i++)
			t->ports[t->nb_ports++] = (uint16_t)i;
	} else {
		if (get_array(l, ports, "tcp_rtt.ports", 1, CFG_MAX_TCPRTT_PORTS, "port") == NULL)
			return -EINVAL;
		json_array_foreach(ports, i, v) {
			int pi = get_port(l, v, jp_idx(p, "tcp_rtt.ports", i));

			if (pi < 0)
				return pi;
			for (unsigned int k = 0; k < t->nb_ports; k++)
				if (t->ports[k] == pi)
					return lerr(l, p, "port \"%s\" is listed twice",
							l->cfg->ports[pi].name);
			t->ports[t->nb_ports++] = (uint16_t)pi;
		}
	}
	prefixes = obj != NULL ? json_object_get(obj, "prefixes") : NULL;
	t->nb_prefixes = 0;
	if (prefixes == NULL)
		return 0;
	if (get_array(l, prefixes, "tcp_rtt.prefixes", 0, CFG_MAX_TCPRTT_PREFIXES, "prefix") ==
			NULL)
		return -EINVAL;
	json_array_foreach(prefixes, i, v) {
		struct cfg_tcprtt_prefix *x = &t->prefixes[i];

		memset(x, 0, sizeof(*x));
		jp_idx(p, "tcp_rtt.prefixes", i);
		rc = parse_object(l, v, p, "tcp_rtt.prefixes[]", x);
		if (rc < 0)
			return rc;
		for (unsigned int k = 0; k < i; k++)
			if (strcmp(t->prefixes[k].name, x->name) == 0)
				return lerr(l, jp_key(q, p, "name"),
						"\"%s\" is already the name of tcp_rtt.prefixes[%u]",
						x->name, k);
		rc = parse_prefix(l, x, jp_key(q, p, "prefix"));
		if (rc < 0)
			return rc;
		t->nb_prefixes = (uint16_t)(i + 1);
	}
	return 0;
}

/* A key file: 32..128 hex digits (whitespace around them ignored), else 16..64 raw bytes. */
static int
read_key_file(const struct loader *l, struct cfg_auth_key *k, const char *path)
{
	uint8_t raw[200];
	size_t n, a = 0, b;
	FILE *f = fopen(k->file, "rb");

	if (f == NULL)
		return lerr(l, path, "\"%s\": %s", k->file, strerror(errno));
	n = fread(raw, 1, sizeof(raw), f);
	fclose(f);
	b = n;
	while (a < b && strchr(" \t\r\n", raw[a]) != NULL)
		a++;
	while (b > a && strchr(" \t\r\n", raw[b - 1]) != NULL)
		b--;
	if (b - a >= 32 && b - a <= 128 && (b - a) % 2 == 0 &&
			strspn((const char *)raw + a, "0123456789abcdefABCDEF") >= b - a) {
		for (size_t i = 0; i < (b - a) / 2; i++) {
			char h[3] = { (char)raw[a + 2 * i], (char)raw[a + 2 * i + 1], 0 };

			k->key[i] = (uint8_t)strtoul(h, NULL, 16);
		}
		k->len = (uint8_t)((b - a) / 2);
	} else if (n >= 16 && n <= 64) {
		memcpy(k->key, raw, n);
		k->len = (uint8_t)n;
	} else {
		memset(raw, 0, sizeof(raw));
		return lerr(l, path,
				"\"%s\": not a key (32..128 hex digits, or 16..64 raw bytes; %zu "
				"bytes read)",
				k->file, n);
	}
	memset(raw, 0, sizeof(raw));
	return 0;
}

/* node.peers (the allow-list of a collector or relay) and node.auth (keys). */
static int
parse_node_security(const struct loader *l, const json_t *root)
{
	const json_t *node = json_object_get(root, "node");
	const json_t *peers = node != NULL ? json_object_get(node, "peers") : NULL;
	const json_t *auth = node != NULL ? json_object_get(node, "auth") : NULL;
	struct cfg_node *n = &l->cfg->node;
	char p[JPATH_LEN], q[JPATH_LEN];
	const json_t *v, *keys;
	size_t i;
	int rc;

	n->nb_peers = 0;
	memset(&n->auth, 0, sizeof(n->auth));
	if (peers != NULL) {
		if (get_array(l, peers, "node.peers", 0, CFG_MAX_PEERS, "peer") == NULL)
			return -EINVAL;
		json_array_foreach(peers, i, v) {
			struct cfg_peer *y = &n->peers[i];
			struct cfg_tcprtt_prefix x;

			jp_idx(p, "node.peers", i);
			rc = parse_object(l, v, p, "node.peers[]", y);
			if (rc < 0)
				return rc;
			if (y->address[0] == '\0' && y->mac[0] == '\0')
				return lerr(l, p, "a peer needs an \"address\" or a \"mac\"");
			if (y->address[0] != '\0') {
				memset(&x, 0, sizeof(x));
				snprintf(x.prefix, sizeof(x.prefix), "%s%s", y->address,
						strchr(y->address, '/') != NULL ? "" :
								strchr(y->address, ':') != NULL ?
										  "/128" :
										  "/32");
				rc = parse_prefix(l, &x, jp_key(q, p, "address"));
				if (rc < 0)
					return rc;
				y->family = x.family;
				y->len = x.len;
				memcpy(y->addr, x.addr, sizeof(y->addr));
			}
			if (y->mac[0] != '\0') {
				if (!parse_mac(y->mac, y->mac_b))
					return lerr(l, jp_key(q, p, "mac"),
							"\"%s\" is not a MAC address", y->mac);
				y->has_mac = true;
			}
			n->nb_peers = (uint16_t)(i + 1);
		}
	}
	if (auth == NULL || json_is_null(auth))
		return 0; /* null: what the dump writes when authentication is off */
	rc = parse_object(l, auth, "node.auth", "node.auth", l->cfg);
	if (rc < 0)
		return rc;
	keys = json_object_get(auth, "keys");
	if (get_array(l, keys, "node.auth.keys", 1, CFG_MAX_AUTH_KEYS, "key") == NULL)
		return -EINVAL;
	json_array_foreach(keys, i, v) {
		struct cfg_auth_key *k = &n->auth.keys[i];

		jp_idx(p, "node.auth.keys", i);
		rc = parse_object(l, v, p, "node.auth.keys[]", k);
		if (rc < 0)
			return rc;
		if (i == 1 && n->auth.keys[0].id == k->id)
			return lerr(l, jp_key(q, p, "id"), "%u is already node.auth.keys[0].id",
					k->id);
		rc = read_key_file(l, k, jp_key(q, p, "file"));
		if (rc < 0)
			return rc;
		n->auth.nb_keys = (uint8_t)(i + 1);
	}
	if (n->auth.send_key == 0)
		n->auth.send_key = n->auth.keys[0].id;
	for (i = 0; i < n->auth.nb_keys; i++)
		if (n->auth.keys[i].id == n->auth.send_key)
			return 0;
	return lerr(l, "node.auth.send_key", "%u is not the id of one of node.auth.keys",
			n->auth.send_key);
}

/* The passes that are not a section's own parser: plain sections, and checks across them. */
static int
pass_root_keys(struct loader *l, const json_t *root)
{
	return parse_object(l, root, "", "", l->cfg);
}

static int
pass_node(struct loader *l, const json_t *root)
{
	return parse_object(l, json_object_get(root, "node"), "node", "node", l->cfg);
}

static int
pass_rings(struct loader *l, const json_t *root)
{
	return parse_object(l, json_object_get(root, "rings"), "rings", "rings", l->cfg);
}

static int
pass_mempool(struct loader *l, const json_t *root)
{
	return parse_object(l, json_object_get(root, "mempool"), "mempool", "mempool", l->cfg);
}

static int
pass_tx_queues(struct loader *l, const json_t *root)
{
	return check_tx_queues(l);
}

static int
pass_node_role(struct loader *l, const json_t *root)
{
	return check_node_role(l);
}

/* A section's parser (which reads the loader and writes its config) as a pass. */
#define PASS_OF(fn)                                                \
	static int pass_##fn(struct loader *l, const json_t *root) \
	{                                                          \
		return fn(l, root);                                \
	}
PASS_OF(parse_eal)
PASS_OF(parse_ports)
PASS_OF(parse_outputs)
PASS_OF(parse_groups)
PASS_OF(parse_rules)
PASS_OF(parse_probes)
PASS_OF(parse_probe_rx)
PASS_OF(parse_metrics)
PASS_OF(parse_tcprtt)
PASS_OF(parse_node_security)

/*
 * The passes over the document, in order: a section is parsed after the sections its values
 * name (ports before outputs, groups and rules; outputs before groups), and each check across
 * sections after what it checks. The first error stops the load.
 */
static const struct {
	const char *name;
	int (*run)(struct loader *l, const json_t *root);
} cfg_passes[] = {
	{ "root keys", pass_root_keys },
	{ "node", pass_node },
	{ "node security", pass_parse_node_security },
	{ "eal", pass_parse_eal },
	{ "ports", pass_parse_ports },
	{ "outputs", pass_parse_outputs },
	{ "groups", pass_parse_groups },
	{ "rings", pass_rings },
	{ "mempool", pass_mempool },
	{ "lcores", parse_lcores },
	{ "rules", pass_parse_rules },
	{ "probes", pass_parse_probes },
	{ "probe_rx", pass_parse_probe_rx },
	{ "tx queues", pass_tx_queues },
	{ "node role", pass_node_role },
	{ "metrics", pass_parse_metrics },
	{ "tcp_rtt", pass_parse_tcprtt },
};

static int
parse_root(struct loader *l, const json_t *root)
{
	for (size_t i = 0; i < ARRAY_LEN(cfg_passes); i++) {
		int rc = cfg_passes[i].run(l, root);

		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* Public API */

/*
 * jansson quotes the bad token in its syntax messages as it was in the file, which may hold a raw
 * control character: the message must stay one line for logs and for the tests that compare it.
 */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int
load_buffer(const char *text, size_t len, const char *name, struct stp_config *cfg,
		char err[CFG_ERR_LEN])
{
	struct loader *l;
	json_error_t jerr;
	json_t *root;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->file, sizeof(cfg->file), "%s", name);
	err[0] = '\0';

	root = json_loadb(text, len, CFG_JSON_FLAGS, &jerr);
	if (root == NULL) {
		snprintf(err, CFG_ERR_LEN, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
		one_line(err);
		return -EINVAL;
	}
	/* The poller table is 4 kB: keep it off the caller's stack. */
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		json_decref(root);
		snprintf(err, CFG_ERR_LEN, "%s: out of memory", name);
		return -ENOMEM;
	}
	l->file = name;
	l->err = err;
	l->cfg = cfg;
	rc = parse_root(l, root);
	free(l);
	json_decref(root);
	if (rc < 0)
		cfg_free(cfg);
	return rc;
}

int
cfg_load_string(const char *text, const char *name, struct stp_config *cfg, char err[CFG_ERR_LEN])
{
	return load_buffer(text, strlen(text), name, cfg, err);
}

int
cfg_load(const char *path, struct stp_config *cfg, char err[CFG_ERR_LEN])
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nbuf;
	FILE *f;
	size_t n;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	f = fopen(path, "rb");
	if (f == NULL)
		goto fail;
	for (;;) {
		if (len == cap) {
			if (cap >= CFG_MAX_FILE_SIZE) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap == 0 ? 4096 : cap * 2;
			nbuf = realloc(buf, cap);
			if (nbuf == NULL) {
				errno = ENOMEM;
				goto fail;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				goto fail;
			break;
		}
	}
	fclose(f);
	rc = load_buffer(buf, len, path, cfg, err);
	free(buf);
	return rc;

fail:
	rc = errno != 0 ? -errno : -EIO;
	snprintf(err, CFG_ERR_LEN, "%s: cannot read: %s", path, strerror(-rc));
	if (f != NULL)
		fclose(f);
	free(buf);
	return rc;
}

void
cfg_free(struct stp_config *cfg)
{
	unsigned int i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->eal.nb_args && i < CFG_MAX_EAL_ARGS; i++) {
		free(cfg->eal.args[i]);
		cfg->eal.args[i] = NULL;
	}
	cfg->eal.nb_args = 0;
}

int
cfg_port_by_name(const struct stp_config *cfg, const char *name)
{
	uint16_t i;

	for (i = 0; i < cfg->nb_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return i;
	return -1;
}

int
cfg_target_by_name(const struct stp_config *cfg, const char *name, struct cfg_target *t)
{
	uint16_t i;

	for (i = 0; i < cfg->nb_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			goto found_port;
	for (i = 0; i < cfg->nb_outputs; i++)
		if (strcmp(cfg->outputs[i].name, name) == 0)
			goto found_output;
	for (i = 0; i < cfg->nb_groups; i++)
		if (strcmp(cfg->groups[i].name, name) == 0)
			goto found_group;
	return -ENOENT;
found_port:
	*t = (struct cfg_target){ CFG_TARGET_PORT, i };
	return 0;
found_output:
	*t = (struct cfg_target){ CFG_TARGET_OUTPUT, i };
	return 0;
found_group:
	*t = (struct cfg_target){ CFG_TARGET_GROUP, i };
	return 0;
}

const char *
cfg_target_name(const struct stp_config *cfg, const struct cfg_target *t)
{
	switch (t->kind) {
	case CFG_TARGET_PORT:
		return t->idx < cfg->nb_ports ? cfg->ports[t->idx].name : "";
	case CFG_TARGET_OUTPUT:
		return t->idx < cfg->nb_outputs ? cfg->outputs[t->idx].name : "";
	case CFG_TARGET_GROUP:
		return t->idx < cfg->nb_groups ? cfg->groups[t->idx].name : "";
	default:
		return "";
	}
}

const char *
cfg_action_name(enum cfg_action a)
{
	if ((unsigned int)a < ARRAY_LEN(action_names))
		return action_names[a];
	return "unknown";
}

const char *
cfg_output_type_name(enum cfg_output_type t)
{
	if ((unsigned int)t < ARRAY_LEN(output_type_names))
		return output_type_names[t];
	return "unknown";
}

const char *
cfg_ts_mode_name(enum cfg_ts_mode m)
{
	if ((unsigned int)m < ARRAY_LEN(ts_names))
		return ts_names[m];
	return "unknown";
}

const struct cfg_lcore *
cfg_lcore_find(const struct stp_config *cfg, uint32_t lcore_id)
{
	uint16_t i;

	for (i = 0; i < cfg->nb_lcores; i++)
		if (cfg->lcores[i].lcore_id == lcore_id)
			return &cfg->lcores[i];
	return NULL;
}

/* ---------------------------------------------------------------------------------------------- */
/* Dump */

/* json_object_set_new() that remembers a failure (NULL value or no memory) in *bad. */
static void
jset(json_t *o, const char *key, json_t *v, bool *bad)
{
	if (v == NULL || o == NULL || json_object_set_new(o, key, v) < 0)
		*bad = true;
}

static void
jappend(json_t *a, json_t *v, bool *bad)
{
	if (v == NULL || a == NULL || json_array_append_new(a, v) < 0)
		*bad = true;
}

static json_t *dump_custom(const struct stp_config *cfg, const char *section, const char *key,
		const void *base, bool *bad);

/* An object of @p section, keys in table order, from the struct at @p base. */
static json_t *
dump_section(const struct stp_config *cfg, const char *section, const void *base, bool *bad)
{
	const char *f;
	const struct opt *o;
	json_t *obj = json_object();
	json_t *v;
	uint64_t x;
	size_t i;

	for (i = 0; i < ARRAY_LEN(cfg_opts); i++) {
		o = &cfg_opts[i];
		if (strcmp(o->section, section) != 0)
			continue;
		f = (const char *)base + o->off;
		switch (o->type) {
		case OPT_INT:
			v = json_integer(load_uint(f, o->size));
			break;
		case OPT_BOOL:
			v = json_boolean(*(const bool *)f);
			break;
		case OPT_STR:
			v = json_string(f);
			break;
		case OPT_ENUM:
			x = load_uint(f, o->size);
			v = json_string(x < o->nb_names ? o->names[x] : "unknown");
			break;
		case OPT_OBJ:
			v = dump_section(cfg, o->key, base, bad);
			break;
		default:
			v = o->dump != NULL ? o->dump(cfg, base, bad) :
					      dump_custom(cfg, section, o->key, base, bad);
			break;
		}
		jset(obj, o->key, v, bad);
	}
	return obj;
}

static json_t *
dump_lcores(const struct stp_config *cfg, const void *base, bool *bad)
{
	json_t *obj = json_object(), *rx = json_array(), *worker = json_array();
	json_t *tx = json_array(), *e, *queues, *q;
	const struct cfg_lcore *lc;
	uint16_t i, j;

	for (i = 0; i < cfg->nb_lcores; i++) {
		lc = &cfg->lcores[i];
		if (lc->roles & CFG_ROLE_RX) {
			e = json_object();
			queues = json_array();
			jset(e, "lcore", json_integer(lc->lcore_id), bad);
			for (j = 0; j < lc->nb_poll; j++) {
				q = json_object();
				jset(q, "port", json_string(cfg->ports[lc->poll[j].port].name),
						bad);
				jset(q, "queue", json_integer(lc->poll[j].queue), bad);
				jappend(queues, q, bad);
			}
			jset(e, "queues", queues, bad);
			jappend(rx, e, bad);
		}
		if (lc->roles & CFG_ROLE_WORKER)
			jappend(worker, json_integer(lc->lcore_id), bad);
		if (lc->roles & CFG_ROLE_TX)
			jappend(tx, json_integer(lc->lcore_id), bad);
	}
	jset(obj, "rx", rx, bad);
	jset(obj, "worker", worker, bad);
	jset(obj, "tx", tx, bad);
	return obj;
}

static json_t *
dump_ports(const struct stp_config *cfg, const void *base, bool *bad)
{
	json_t *a = json_array();

	for (uint16_t i = 0; i < cfg->nb_ports; i++)
		jappend(a, dump_section(cfg, "ports[]", &cfg->ports[i], bad), bad);
	return a;
}

static json_t *
dump_outputs(const struct stp_config *cfg, const void *base, bool *bad)
{
	json_t *a = json_array(), *e;
	size_t k;

	for (uint16_t i = 0; i < cfg->nb_outputs; i++) {
		const struct cfg_output *o = &cfg->outputs[i];
		const bool tunnel = cfg_output_is_tunnel(o->type);

		e = dump_section(cfg, "outputs[]", o, bad);
		for (k = 0; e != NULL &&
				k < (tunnel ? ARRAY_LEN(pcapng_only_keys) :
					      ARRAY_LEN(tunnel_only_keys));
				k++)
			json_object_del(e, tunnel ? pcapng_only_keys[k] : tunnel_only_keys[k]);
		for (k = 0; e != NULL && o->type != CFG_OUTPUT_STAMPEDE &&
				k < ARRAY_LEN(stampede_only_keys);
				k++)
			json_object_del(e, stampede_only_keys[k]);
		jappend(a, e, bad);
	}
	return a;
}

static json_t *
dump_groups(const struct stp_config *cfg, const void *base, bool *bad)
{
	json_t *a = json_array();

	for (uint16_t i = 0; i < cfg->nb_groups; i++)
		jappend(a, dump_section(cfg, "groups[]", &cfg->groups[i], bad), bad);
	return a;
}

static json_t *
dump_rules(const struct stp_config *cfg, const void *base, bool *bad)
{
	json_t *a = json_array(), *e;

	for (uint16_t i = 0; i < cfg->nb_rules; i++) {
		e = dump_section(cfg, "rules[]", &cfg->rules[i], bad);
		/* The loader refuses these keys on drop and count rules. */
		if (e != NULL && cfg->rules[i].action != CFG_ACTION_FORWARD)
			for (size_t k = 0; k < ARRAY_LEN(forward_only_keys); k++)
				json_object_del(e, forward_only_keys[k]);
		jappend(a, e, bad);
	}
	return a;
}

static json_t *
dump_group_members(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_group *g = base;
	json_t *a = json_array();

	for (uint16_t i = 0; i < g->nb_members; i++)
		jappend(a, json_string(cfg_target_name(cfg, &g->members[i])), bad);
	return a;
}

static json_t *
dump_trailer_layout(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_port *port = base;
	json_t *a = json_array();

	for (uint16_t i = 0; i < port->trailer.nb_hops; i++)
		jappend(a, dump_section(cfg, "trailer.layout[]", &port->trailer.hops[i], bad), bad);
	return a;
}

static json_t *
dump_output_port(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_output *o = base;

	return json_string(cfg_output_is_tunnel(o->type) && o->port < cfg->nb_ports ?
					cfg->ports[o->port].name :
					"");
}

static json_t *
dump_eal_args(const struct stp_config *cfg, const void *base, bool *bad)
{
	json_t *a = json_array();

	for (uint16_t i = 0; i < cfg->eal.nb_args; i++)
		jappend(a, json_string(cfg->eal.args[i]), bad);
	return a;
}

static json_t *
dump_node_peers(const struct stp_config *cfg, const void *base, bool *bad)
{
	json_t *a = json_array();

	for (uint16_t i = 0; i < cfg->node.nb_peers; i++)
		jappend(a, dump_section(cfg, "node.peers[]", &cfg->node.peers[i], bad), bad);
	return a;
}

/* The key ids and files, never the key bytes. */
static json_t *
dump_node_auth(const struct stp_config *cfg, const void *base, bool *bad)
{
	if (cfg->node.auth.nb_keys == 0)
		return json_null();
	return dump_section(cfg, "node.auth", cfg, bad);
}

static json_t *
dump_rule_name(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_rule *r = base;

	return json_string(r->name);
}

static json_t *
dump_rule_in(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_rule *r = base;
	json_t *a = json_array();

	for (uint16_t i = 0; i < cfg->nb_ports && i < 32; i++)
		if (r->in_mask & (UINT32_C(1) << i))
			jappend(a, json_string(cfg->ports[i].name), bad);
	return a;
}

static json_t *
dump_rule_out(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_rule *r = base;

	return json_string(cfg_target_name(cfg, &r->out));
}

/*
 * The OPT_CUSTOM keys without a dump hook in their schema row: the probes' and tcp_rtt's
 * sections (to become their features' hooks when those move to folders of their own).
 */
static json_t *
dump_custom(const struct stp_config *cfg, const char *section, const char *key, const void *base,
		bool *bad)
{
	json_t *a;
	uint16_t i;

	if (strcmp(section, "") == 0 && strcmp(key, "probes") == 0) {
		a = json_array();
		for (i = 0; i < cfg->nb_probes; i++)
			jappend(a, dump_section(cfg, "probes[]", &cfg->probes[i], bad), bad);
		return a;
	}
	if (strcmp(section, "probes[]") == 0) {
		const struct cfg_probe *pr = base;

		if (strcmp(key, "port") == 0)
			return json_string(
					pr->port < cfg->nb_ports ? cfg->ports[pr->port].name : "");
		if (strcmp(key, "stream_id") == 0)
			return json_integer(pr->stream_id);
		if (strcmp(key, "sizes") == 0) {
			a = json_array();
			for (i = 0; i < pr->nb_sizes; i++)
				jappend(a, json_integer(pr->sizes[i]), bad);
			return a;
		}
	}
	if (strcmp(section, "probe_rx") == 0 && strcmp(key, "addresses") == 0) {
		char txt[INET6_ADDRSTRLEN];

		a = json_array();
		for (i = 0; i < cfg->probe_rx.nb_addresses; i++)
			jappend(a,
					json_string(inet_ntop(
							cfg->probe_rx.addresses[i].family == 4 ?
									AF_INET :
									AF_INET6,
							cfg->probe_rx.addresses[i].b, txt,
							sizeof(txt))),
					bad);
		return a;
	}
	if (strcmp(section, "probe_rx") == 0 && strcmp(key, "refuse_src_ports") == 0) {
		a = json_array();
		for (i = 0; i < cfg->probe_rx.nb_refuse_src_ports; i++)
			jappend(a, json_integer(cfg->probe_rx.refuse_src_ports[i]), bad);
		return a;
	}
	if (strcmp(section, "probe_rx") == 0 && strcmp(key, "ports") == 0) {
		a = json_array();
		for (i = 0; i < cfg->nb_ports && i < 32; i++)
			if (cfg->probe_rx.port_mask & (UINT32_C(1) << i))
				jappend(a, json_string(cfg->ports[i].name), bad);
		return a;
	}
	if (strcmp(section, "tcp_rtt") == 0 && strcmp(key, "ports") == 0) {
		a = json_array();
		for (i = 0; i < cfg->tcp_rtt.nb_ports; i++)
			jappend(a, json_string(cfg->ports[cfg->tcp_rtt.ports[i]].name), bad);
		return a;
	}
	if (strcmp(section, "node.auth") == 0 && strcmp(key, "keys") == 0) {
		a = json_array();
		for (i = 0; i < cfg->node.auth.nb_keys; i++)
			jappend(a,
					dump_section(cfg, "node.auth.keys[]",
							&cfg->node.auth.keys[i], bad),
					bad);
		return a;
	}
	if (strcmp(section, "tcp_rtt") == 0 && strcmp(key, "prefixes") == 0) {
		a = json_array();
		for (i = 0; i < cfg->tcp_rtt.nb_prefixes; i++)
			jappend(a,
					dump_section(cfg, "tcp_rtt.prefixes[]",
							&cfg->tcp_rtt.prefixes[i], bad),
					bad);
		return a;
	}
	*bad = true;
	return NULL;
}

char *
cfg_dump_json(const struct stp_config *cfg)
{
	bool bad = false;
	json_t *root;
	char *s = NULL;

	root = dump_section(cfg, "", cfg, &bad);
	if (root != NULL && !bad)
		s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}

/* ---------------------------------------------------------------------------------------------- */
/* Rules changed at run time (the console's "add rule" / "del rule") */

/*
 * The same loader as cfg_load() over an already loaded config, so a rule typed at the console
 * gets exactly the checks and messages of a rule in the file.
 */
static struct loader *
loader_for(struct stp_config *cfg, char err[CFG_ERR_LEN])
{
	struct loader *l = calloc(1, sizeof(*l));

	if (l == NULL) {
		snprintf(err, CFG_ERR_LEN, "%s: out of memory", cfg->file);
		return NULL;
	}
	l->file = cfg->file;
	l->err = err;
	l->cfg = cfg;
	return l;
}

int
cfg_rule_insert(struct stp_config *cfg, const char *rule_json, int index, char err[CFG_ERR_LEN])
{
	char p[JPATH_LEN], q[JPATH_LEN];
	struct loader *l;
	json_error_t jerr;
	json_t *v;
	uint16_t n = cfg->nb_rules, k;
	int rc;

	err[0] = '\0';
	if (index < 0)
		index = n;
	if (n >= CFG_MAX_RULES)
		return cfg_errf(cfg, err, "rules", "already %u rules, the maximum", CFG_MAX_RULES);
	if (index > n)
		return cfg_errf(cfg, err, "rules", "index %d is out of range [0..%u]", index, n);
	jp_idx(p, "rules", (size_t)index);
	v = json_loads(rule_json, CFG_JSON_FLAGS, &jerr);
	if (v == NULL) {
		cfg_errf(cfg, err, p, "%d:%d: %s", jerr.line, jerr.column, jerr.text);
		one_line(err);
		return -EINVAL;
	}
	l = loader_for(cfg, err);
	if (l == NULL) {
		json_decref(v);
		return -ENOMEM;
	}
	memmove(&cfg->rules[index + 1], &cfg->rules[index], (n - index) * sizeof(cfg->rules[0]));
	memset(&cfg->rules[index], 0, sizeof(cfg->rules[index]));
	rc = parse_rule(l, &cfg->rules[index], (size_t)index, v, p);
	/* parse_rule() compares the name with the rules before; the ones after moved up by one. */
	for (k = index + 1; rc == 0 && k <= n; k++)
		if (strcmp(cfg->rules[k].name, cfg->rules[index].name) == 0)
			rc = lerr(l, jp_key(q, p, "name"),
					"\"%s\" is already the name of rules[%u]",
					cfg->rules[index].name, k);
	if (rc == 0) {
		cfg->nb_rules = n + 1;
		rc = check_tx_queues(l);
	}
	if (rc != 0) {
		memmove(&cfg->rules[index], &cfg->rules[index + 1],
				(n - index) * sizeof(cfg->rules[0]));
		cfg->nb_rules = n;
	}
	free(l);
	json_decref(v);
	return rc;
}

int
cfg_rule_delete(struct stp_config *cfg, const char *name, char err[CFG_ERR_LEN])
{
	struct cfg_rule saved;
	struct loader *l;
	uint16_t n = cfg->nb_rules, i;
	int rc;

	err[0] = '\0';
	for (i = 0; i < n; i++)
		if (strcmp(cfg->rules[i].name, name) == 0)
			break;
	if (i == n)
		return n == 0 ? cfg_errf(cfg, err, "rules",
						"no rule is named \"%s\" (there are none)", name) :
				cfg_errf(cfg, err, "rules", "no rule is named \"%s\"", name);
	l = loader_for(cfg, err);
	if (l == NULL)
		return -ENOMEM;
	saved = cfg->rules[i];
	memmove(&cfg->rules[i], &cfg->rules[i + 1], (n - i - 1) * sizeof(cfg->rules[0]));
	cfg->nb_rules = n - 1;
	/* Fewer rules never need more TX queues, but the checks are the loader's to make. */
	rc = check_tx_queues(l);
	if (rc != 0) {
		memmove(&cfg->rules[i + 1], &cfg->rules[i], (n - i - 1) * sizeof(cfg->rules[0]));
		cfg->rules[i] = saved;
		cfg->nb_rules = n;
	}
	free(l);
	return rc;
}
