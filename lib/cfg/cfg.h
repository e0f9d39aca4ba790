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

#include "encap.h"
#include "trailer.h"

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
/** Max MTU: 9000 + room for trailers and tags (frames up to 9018 + trailer bytes). */
#define CFG_MAX_MTU 9218
#define CFG_MAX_OUTPUTS 16     /**< Max entries in outputs[]. */
#define CFG_MAX_GROUPS 32      /**< Max entries in groups[]. */
#define CFG_MAX_MEMBERS 16     /**< Max members of one group. */
#define CFG_FILTER_LEN 1024    /**< Max libpcap filter length, including the NUL. */
#define CFG_AUTH_HASH_LEN 256  /**< Max metrics.basic_auth.password_hash length, with the NUL. */
#define CFG_LISTEN_LEN 64      /**< Max metrics.listen length (an IP literal), including the NUL. */
#define CFG_MAX_PROBES 16      /**< Max entries in probes[] (stream ids 0..31, lib/probe). */
#define CFG_MAX_PROBE_SIZES 16 /**< Max entries in probes[].sizes. */
#define CFG_ADDR_LEN 48	       /**< Max MAC / IP address text length, including the NUL. */

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

/** node: who this stampede is. */
#define CFG_PREFIX_LEN 48   /**< Max prefix text ("2001:db8::/32"), including the NUL. */
#define CFG_MAX_PEERS 32    /**< node.peers entries */
#define CFG_MAX_AUTH_KEYS 2 /**< node.auth.keys: the key in use and the next (rotation) */

/** node.peers[]: a node a collector or relay accepts datagrams from (README.md, "Security"). */
struct cfg_peer {
	uint32_t id; /**< node.peers[].id: its node id (the sender of the datagram) */
	char address[CFG_PREFIX_LEN]; /**< node.peers[].address: "10.0.0.7" or "10.0.0.0/24" */
	char mac[18];		      /**< node.peers[].mac: source MAC of EtherType datagrams */
	uint8_t family;		      /**< derived: 0 (no address), 4 or 6 */
	uint8_t len;		      /**< derived: prefix length */
	uint8_t addr[16];	      /**< derived: network address */
	bool has_mac;		      /**< derived */
	uint8_t mac_b[6];	      /**< derived */
};

/** node.auth.keys[]: a key of authenticated datagrams. The bytes are never dumped. */
struct cfg_auth_key {
	uint32_t id;		 /**< node.auth.keys[].id [1..65535] */
	char file[CFG_PATH_LEN]; /**< node.auth.keys[].file: hex (32..128 digits) or raw 16..64
				    bytes */
	uint8_t len;		 /**< derived: key bytes */
	uint8_t key[64];	 /**< derived: the key (read from file at load) */
};

/** node.auth: authenticated stampede datagrams (lib/encap/sph_auth.h). */
struct cfg_node_auth {
	uint8_t nb_keys; /**< 0: authentication off */
	struct cfg_auth_key keys[CFG_MAX_AUTH_KEYS];
	uint32_t send_key; /**< node.auth.send_key: the key id that signs, default the first key */
	bool required;	   /**< node.auth.required, default true: unsigned datagrams are refused */
};

struct cfg_node {
	uint32_t id;			/**< node.id, 0..2^32-1, default 1 */
	char description[CFG_DESC_LEN]; /**< node.description, default "" */
	enum cfg_node_role role;	/**< node.role "edge|relay|collector", default edge */
	uint16_t listen_port;	     /**< node.listen_port: UDP port of stampede datagrams, 48879 */
	char relay_to[CFG_NAME_LEN]; /**< node.relay_to: a stampede output (relay only) */
	uint16_t relay_out;	     /**< derived: index of relay_to in outputs[] */
	uint32_t reasm_timeout_ms;   /**< node.reasm_timeout_ms [1..60000], default 100 */
	uint32_t reorder_ms;	     /**< node.reorder_ms [0..10000], default 0 (off; collector) */
	uint16_t nb_peers;	     /**< node.peers: 0 = any sender (no allow-list) */
	struct cfg_peer peers[CFG_MAX_PEERS];
	struct cfg_node_auth auth; /**< node.auth */
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
	/**
	 * ports[].trailer: timestamps a switch wrote into the frames (lib/trailer), e.g.
	 * { "format": "metamako", "fcs": "absent", "strip": true, "use": "innermost",
	 *   "max_skew_s": 0, "layout": [] }; format "none" (default) leaves the port's stamps.
	 */
	struct trailer_spec trailer;
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
	CFG_ACTION_FORWARD = 0, /**< send to "out" (a port, an output or a group) */
	CFG_ACTION_DROP,	/**< stop here: the packet goes only where earlier rules sent it */
	CFG_ACTION_COUNT,	/**< count the match and go on with the next rule */
};

/** rules[].vlan: what happens to 802.1Q/802.1ad tags of forwarded packets. */
enum cfg_vlan {
	CFG_VLAN_KEEP = 0, /**< "keep" (default) */
	CFG_VLAN_STRIP,	   /**< "strip": remove every VLAN tag before output */
};

/** What a name in rules[].out or groups[].members refers to. Names are unique across
 * ports, outputs and groups. */
enum cfg_target_kind {
	CFG_TARGET_NONE = 0,
	CFG_TARGET_PORT,   /**< index into ports[] */
	CFG_TARGET_OUTPUT, /**< index into outputs[] */
	CFG_TARGET_GROUP,  /**< index into groups[] (rules[].out only: groups do not nest) */
};

struct cfg_target {
	uint8_t kind; /**< enum cfg_target_kind */
	uint16_t idx;
};

/**
 * rules[i]: evaluated in order on workers for each packet.
 *
 * JSON shape: { "name": "web", "in": ["a"], "filter": "tcp port 443", "action": "forward",
 *               "out": "lb", "continue": false, "snaplen": 128, "vlan": "keep" }
 * "in" is a port name or a list of port names; absent means every port. "filter" is libpcap
 * syntax (empty or absent: every packet). A matching forward rule sends the packet to "out" and
 * ends the evaluation unless "continue" is true (then later rules may send it elsewhere too);
 * drop ends it; count never does. A packet no rule sent anywhere is dropped (no_rule, or
 * rule_drop when a drop rule matched). "snaplen" (0 = whole frame) and "vlan" of the first
 * matching forward rule apply to the packet at every destination.
 */
struct cfg_rule {
	char name[CFG_NAME_LEN];     /**< rules[].name, default "rule<i>", unique */
	uint32_t in_mask;	     /**< bit p set: matches packets received on ports[p] */
	char filter[CFG_FILTER_LEN]; /**< rules[].filter, "" = every packet */
	enum cfg_action action;	     /**< rules[].action, required */
	struct cfg_target out;	     /**< forward: rules[].out, required for forward */
	bool cont;		     /**< rules[].continue, default false (forward only) */
	uint32_t snaplen;	     /**< rules[].snaplen [0, 60..65535], default 0 = whole */
	enum cfg_vlan vlan;	     /**< rules[].vlan "keep|strip", default keep */
	uint16_t out_port; /**< forward to a port: == out.idx (kept for the port checks) */
};

/** outputs[].type */
enum cfg_output_type {
	CFG_OUTPUT_PCAPNG = 0, /**< capture files (lib/pcapng) */
	CFG_OUTPUT_ERSPAN3,    /**< ERSPAN type III over GRE out of a port (lib/encap) */
	CFG_OUTPUT_VXLAN,      /**< VXLAN out of a port */
	CFG_OUTPUT_GRE,	       /**< GRE transparent Ethernet bridging out of a port */
	CFG_OUTPUT_STAMPEDE,   /**< stampede header to another stampede node (lib/encap/sph.h) */
};

/** outputs[].transport of stampede outputs. */
enum cfg_transport {
	CFG_TRANSPORT_UDP = 0, /**< "udp": Ethernet / IPv4 / UDP (default) */
	CFG_TRANSPORT_ETHER,   /**< "ether": Ethernet, EtherType 0x88B5 */
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

#define CFG_IP_LEN 46  /**< an IPv4 or IPv6 literal, including the NUL (INET6_ADDRSTRLEN) */
#define CFG_MAC_LEN 18 /**< "aa:bb:cc:dd:ee:ff", including the NUL */

/**
 * outputs[i]: a destination that is not a port.
 *
 * JSON shape: { "name": "cap", "type": "pcapng", "path": "/var/cap/%Y%m%d-%H%M%S-{index}.pcapng",
 *               "rotate_bytes": 1073741824, "rotate_seconds": 3600, "max_files": 0,
 *               "ring": 16384, "snaplen": 65535, "comments": true }
 * or a tunnel to a collector out of a port:
 *             { "name": "span", "type": "erspan3", "port": "out", "src_ip": "192.0.2.1",
 *               "dst_ip": "192.0.2.9", "dst_mac": "02:00:00:00:00:09", "id": 7,
 *               "ttl": 64, "dscp": 0, "dst_port": 4789 }
 * Each type takes only its own keys.
 */
struct cfg_output {
	char name[CFG_NAME_LEN];   /**< outputs[].name, required, unique among all names */
	enum cfg_output_type type; /**< outputs[].type, required: "pcapng" */
	char path[CFG_PATH_LEN];   /**< outputs[].path, required: strftime (UTC) + {index} */
	uint64_t rotate_bytes;	   /**< [0, 4096..2^50], default 0 = no size rotation */
	uint32_t rotate_seconds;   /**< [0..31536000], default 0 = no time rotation */
	uint32_t max_files;	   /**< [0..1000000], default 0 = keep every file */
	uint32_t ring_size;	   /**< outputs[].ring, power of 2 [64..1048576], default 16384 */
	uint32_t snaplen;	   /**< [60..262144], default 262144 */
	bool comments; /**< outputs[].comments: per-packet "ts=<source>", default true */
	/**
	 * outputs[].durable, default false: fdatasync the file every sync_ms; a collector then
	 * acknowledges reliable frames only once they are on disk (lib/pcapng, broker_reliable.c).
	 */
	bool durable;
	uint32_t sync_ms; /**< outputs[].sync_ms [1..10000], default 10: durable's batch period */
	/* Tunnels (erspan3, vxlan, gre): */
	uint16_t port;		   /**< outputs[].port: index into ports[], required */
	char src_ip[CFG_IP_LEN];   /**< outputs[].src_ip: IPv4 (stampede: or IPv6) literal */
	char dst_ip[CFG_IP_LEN];   /**< outputs[].dst_ip: of src_ip's family */
	char dst_mac[CFG_MAC_LEN]; /**< outputs[].dst_mac: next hop's MAC, required */
	uint32_t id;	   /**< session id [0..1023] / VNI [0..2^24-1] / GRE key, default 0 */
	uint8_t ttl;	   /**< [1..255], default 64 */
	uint8_t dscp;	   /**< [0..63], default 0 */
	uint16_t dst_port; /**< UDP port [1..65535], default 4789 (stampede: 48879) */
	/* Stampede outputs: */
	enum cfg_transport transport;	/**< outputs[].transport "udp|ether", default udp */
	char description[CFG_DESC_LEN]; /**< DESC TLV, default "" = node.description */
	/* Stampede outputs, resend transport (lib/encap/README.md "Reliable outputs"): */
	bool reliable;		  /**< outputs[].reliable: keep, resend, dead-letter; false */
	uint32_t resend_window_s; /**< [1..86400], default 10: kept that long, then DLQ */
	uint32_t resend_buffer;	  /**< outputs[].resend_buffer_pkts: datagrams kept per worker,
				   *   power of 2 [64..65536], default 4096 */
	char spool[CFG_PATH_LEN]; /**< dead-letter pcapng file, default "" =
				     stampede-dlq-<name>.pcapng */
	struct encap_tunnel tun;  /**< derived: the above in binary (src_mac: the port's, at run) */
};

/** groups[].mode */
enum cfg_group_mode {
	CFG_GROUP_BALANCE = 0, /**< one member by symmetric flow hash: both directions alike */
	CFG_GROUP_REPLICATE,   /**< every member gets the packet */
	CFG_GROUP_FIRST_UP,    /**< the first member whose link is up (outputs are always up) */
};

/**
 * groups[i]: several ports or outputs as one destination.
 *
 * JSON shape: { "name": "lb", "mode": "balance", "members": ["tool1", "tool2", "cap"] }
 */
struct cfg_group {
	char name[CFG_NAME_LEN];  /**< groups[].name, required, unique among all names */
	enum cfg_group_mode mode; /**< groups[].mode, required */
	uint16_t nb_members;	  /**< [1..CFG_MAX_MEMBERS] */
	struct cfg_target members[CFG_MAX_MEMBERS]; /**< ports or outputs, no duplicates */
};

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

/** probes[].mode and probe_rx.mode: the probe format. */
enum cfg_probe_mode {
	CFG_PROBE_STAMPEDE =
			0, /**< "stampede": lib/probe's 40-byte payload (lib/probe/README.md) */
	CFG_PROBE_STAMP,   /**< "stamp": RFC 8762 unauthenticated (lib/stamp) */
	CFG_PROBE_PLAIN,   /**< "plain": UDP with the payload pattern only (load, not measured) */
};

/** probes[].stamp_timestamp, probe_rx.stamp_timestamp: STAMP's timestamp format. */
enum cfg_stamp_ts {
	CFG_STAMP_NTP = 0, /**< "ntp": RFC 5905 64-bit (seconds since 1900, fraction) */
	CFG_STAMP_PTP,	   /**< "ptp": IEEE 1588v2 truncated (TAI seconds, ns); Z bit set */
};

/** probes[].stamp_auth, probe_rx.stamp_auth: STAMP's mode (RFC 8762 4.2). */
enum cfg_stamp_auth {
	CFG_STAMP_AUTH_NONE = 0, /**< "none": unauthenticated, 44-byte packets */
	CFG_STAMP_AUTH_HMAC,	 /**< "hmac-sha256": authenticated, 112 bytes, HMAC-SHA-256/128 */
};

/** Bytes of a STAMP key (stamp_key_file): 16..64 (lib/stamp's STAMP_KEY_MIN/MAX). */
#define CFG_STAMP_KEY_MIN 16
#define CFG_STAMP_KEY_MAX 64

/** probes[].payload: what fills the frame after the probe. */
enum cfg_payload {
	CFG_PAYLOAD_ZEROS = 0,
	CFG_PAYLOAD_INCREMENTING, /**< byte i of the frame = i & 0xff */
	CFG_PAYLOAD_RANDOM,	  /**< fixed pseudo-random bytes (the same in every packet) */
};

/** probes[].rate: paced at rate_pps / rate_bps, or as fast as the port takes. */
enum cfg_rate_mode {
	CFG_RATE_PACED = 0,
	CFG_RATE_MAX,
};

/**
 * probes[i]: one generated stream of latency probes (lib/probe, lib/pipeline/source_probe.c).
 *
 * JSON shape: { "name": "p0", "port": "a", "mode": "stampede", "stream_id": 0,
 *   "src_mac": "", "dst_mac": "ff:ff:ff:ff:ff:ff", "src_ip": "10.0.0.1", "dst_ip": "10.0.0.2",
 *   "src_port": 7000, "dst_port": 7777, "vlan": 0, "size": 128, "sizes": [],
 *   "rate_pps": 1000, "rate_bps": 0, "rate": "paced", "count": 0, "duration_s": 0,
 *   "flows": 1, "payload": "zeros", "start": true,
 *   "impair": { "drop_every": 0, "duplicate_every": 0, "swap_every": 0 },
 *   "stamp_timestamp": "ntp", "stamp_synchronized": false, "stamp_error_ns": 1000, "ssid": 0,
 *   "reflected": false, "reflector_stateful": false, "loss_horizon_ms": 3000,
 *   "stamp_auth": "none", "stamp_key_file": "" }
 * mode "stamp": dst_port defaults to 862 (RFC 8762) when the key is absent.
 * stamp_auth "hmac-sha256" needs mode "stamp" and stamp_key_file (the key as hex digits).
 */
struct cfg_probe {
	char name[CFG_NAME_LEN];    /**< probes[].name, required, unique among probes */
	uint16_t port;		    /**< probes[].port: index into ports[], required */
	enum cfg_probe_mode mode;   /**< probes[].mode, default "stampede" */
	uint32_t stream_id;	    /**< [0..31], default the entry's index; unique */
	char src_mac[CFG_ADDR_LEN]; /**< "" (default) = the port's MAC */
	char dst_mac[CFG_ADDR_LEN]; /**< default "ff:ff:ff:ff:ff:ff" */
	char src_ip[CFG_ADDR_LEN];  /**< IPv4 or IPv6 literal, default "10.0.0.1" */
	char dst_ip[CFG_ADDR_LEN];  /**< same family as src_ip, default "10.0.0.2" */
	uint16_t src_port;	    /**< [1..65535], default 7000; + seq % flows */
	uint16_t dst_port;	    /**< [1..65535], default 7777 (probe_rx.udp_port) */
	uint16_t vlan;		    /**< [0..4094], 0 = untagged, default 0 */
	uint16_t size;		    /**< frame bytes with FCS [64..9018], default 128 */
	uint16_t nb_sizes;	    /**< probes[].sizes: "imix" or a list cycled; [] = size */
	uint16_t sizes[CFG_MAX_PROBE_SIZES];
	uint64_t rate_pps;	    /**< [0, 1..10^9]; 1000 when no rate is given */
	uint64_t rate_bps;	    /**< [0, 1000..4 10^11], frame bits with FCS */
	enum cfg_rate_mode rate;    /**< probes[].rate "paced|max", default paced */
	uint64_t count;		    /**< [0..2^62], 0 = no limit, default 0 */
	uint32_t duration_s;	    /**< [0..31536000], 0 = no limit, default 0 */
	uint16_t flows;		    /**< [1..65535], default 1 */
	enum cfg_payload payload;   /**< "zeros|incrementing|random", default zeros */
	bool start;		    /**< probes[].start: send from start-up, default true */
	uint32_t impair_drop;	    /**< impair.drop_every [0, 2..2^31], default 0 */
	uint32_t impair_dup;	    /**< impair.duplicate_every [0, 2..2^31], default 0 */
	uint32_t impair_swap;	    /**< impair.swap_every [0, 2..2^31], default 0 */
	enum cfg_stamp_ts stamp_ts; /**< stamp_timestamp "ntp|ptp", default ntp (mode stamp) */
	bool stamp_synced;	    /**< stamp_synchronized: the S bit, default false */
	uint64_t stamp_error_ns;    /**< stamp_error_ns [0..10^12]: error estimate, default 1000 */
	uint16_t ssid;		    /**< ssid [0..65535]: RFC 8972 session id, default 0 */
	/** reflected: replies are expected (round-trip loss counted); default true for mode
	 * stamp, false otherwise (a stampede stream may go to a one-way receiver) */
	bool reflected;
	/** reflector_stateful: the STAMP reflector numbers its replies (RFC 8762 4.3), so forward
	 * and backward loss are told apart; default false */
	bool reflector_stateful;
	/** loss_horizon_ms [1..3600000]: a probe not answered within it is lost, default 3000 */
	uint32_t loss_horizon_ms;
	enum cfg_stamp_auth stamp_auth;	   /**< stamp_auth "none|hmac-sha256", default none */
	char stamp_key_file[CFG_PATH_LEN]; /**< stamp_key_file: a file holding the key in hex */
	/* Derived from the strings above by the loader (not keys). */
	uint8_t stamp_key_len; /**< the key read from stamp_key_file (never dumped) */
	uint8_t stamp_key[CFG_STAMP_KEY_MAX];
	bool ipv6;
	bool src_mac_set;
	uint8_t src_mac_b[6];
	uint8_t dst_mac_b[6];
	uint8_t src_ip_b[16]; /**< IPv4: the first 4 bytes */
	uint8_t dst_ip_b[16];
};

#define CFG_MAX_REFL_ADDR 8 /**< most probe_rx.addresses and probe_rx.refuse_src_ports */

/**
 * probe_rx: the probe receiver / reflector stage (lib/pipeline/stage_probe.c).
 *
 * JSON shape: { "enabled": true, "ports": [], "udp_port": 7777, "reflect": false,
 *               "mode": "stampede", "verbose": false, "stamp_timestamp": "ntp",
 *               "stamp_synchronized": false, "stamp_error_ns": 1000, "stamp_stateful": false,
 *               "t3_correction": true, "stamp_sessions": 1024, "stamp_session_idle_s": 300,
 * "addresses": [], "refuse_src_ports": [udp_port], "rate_limit_pps": 10000, "rate_limit_burst":
 * 1000, "stamp_auth": "none", "stamp_key_file": "" } mode "stamp" (a STAMP Session-Reflector) needs
 * reflect true; udp_port then defaults to 862. stamp_auth "hmac-sha256" (answer only authenticated
 * requests) needs mode "stamp" and stamp_key_file. stamp_stateful (own sequence numbers per
 * session) needs mode "stamp". When not enabled but probes[] is not empty, the stage still measures
 * the reflections of this instance's own probes (RTT).
 */
struct cfg_probe_rx {
	bool enabled;		  /**< probe_rx.enabled, default false */
	uint32_t port_mask;	  /**< probe_rx.ports: names, [] (default) = every port */
	uint16_t udp_port;	  /**< [1..65535], default 7777 */
	bool reflect;		  /**< answer probes (swap addresses, stamp) instead of consuming */
	enum cfg_probe_mode mode; /**< "stampede" (default) or "stamp" (a Session-Reflector) */
	bool verbose;		  /**< print every probe's timestamps (also with stampede -v) */
	enum cfg_stamp_ts stamp_ts; /**< stamp_timestamp: the reflector's T2/T3 format, ntp */
	bool stamp_synced;	    /**< stamp_synchronized: the reflector's S bit, default false */
	uint64_t stamp_error_ns;    /**< stamp_error_ns [0..10^12], default 1000 */
	/** stamp_stateful: own sequence numbers per session (RFC 8762 4.3), default false */
	bool stamp_stateful;
	/** t3_correction: on a port with TX stamps, the reflector adds the measured TX path
	 * delay to T3 (lib/pipeline/refl_txcorr.h), default true */
	bool t3_correction;
	uint32_t stamp_sessions;       /**< [1..65536]: sessions per worker lcore, default 1024 */
	uint32_t stamp_session_idle_s; /**< [0..86400]: idle session replaceable after, 300 */
	/** addresses: the reflector's own IPv4/IPv6 literals; [] (default) = any unicast one */
	uint8_t nb_addresses;
	struct {
		uint8_t family; /**< 4 or 6 */
		uint8_t b[16];	/**< network order; IPv4 in the first 4 bytes */
	} addresses[CFG_MAX_REFL_ADDR];
	/** refuse_src_ports: requests from these UDP ports are refused (ping-pong guard);
	 * absent = [udp_port], [] = none */
	uint8_t nb_refuse_src_ports;
	uint16_t refuse_src_ports[CFG_MAX_REFL_ADDR];
	uint64_t rate_limit_pps;   /**< [0..10^9] answers/s per source, 0 = none, default 10000 */
	uint32_t rate_limit_burst; /**< [1..10^6] answers in a burst per source, default 1000 */
	enum cfg_stamp_auth stamp_auth;	   /**< stamp_auth "none|hmac-sha256", default none */
	char stamp_key_file[CFG_PATH_LEN]; /**< stamp_key_file: a file holding the key in hex */
	uint8_t stamp_key_len;		   /**< derived: the key read from it (never dumped) */
	uint8_t stamp_key[CFG_STAMP_KEY_MAX];
};

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
	uint16_t nb_outputs;
	struct cfg_output outputs[CFG_MAX_OUTPUTS];
	uint16_t nb_groups;
	struct cfg_group groups[CFG_MAX_GROUPS];
	uint16_t nb_rules;
	struct cfg_rule rules[CFG_MAX_RULES];
	struct cfg_metrics metrics;
	uint16_t nb_probes;
	struct cfg_probe probes[CFG_MAX_PROBES];
	struct cfg_probe_rx probe_rx;
	struct cfg_tcprtt tcp_rtt;
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

/** Name of a rule action ("forward", "drop", "count"). */
const char *cfg_action_name(enum cfg_action a);

/** Name of an output type ("pcapng", "erspan3", "vxlan", "gre"). */
const char *cfg_output_type_name(enum cfg_output_type t);

/** Name of a timestamp mode ("auto", "hw", "sw", "none"). */
const char *cfg_ts_mode_name(enum cfg_ts_mode m);

/** The lcore entry for @p lcore_id, or NULL. */
const struct cfg_lcore *cfg_lcore_find(const struct stp_config *cfg, uint32_t lcore_id);

/**
 * Insert one rule into a loaded config, as the console's "add rule" does: @p rule_json is one
 * rules[] object, parsed and checked by the loader's own code (same messages, the JSON path
 * shown as "rules[<index>]..."), then the cross-field checks run again on the whole config.
 *
 * @param index  position of the new rule, 0..nb_rules; -1 appends. Later rules move up by one.
 * @return 0, or -EINVAL (@p err says why; @p cfg is unchanged) / -ENOMEM
 */
int cfg_rule_insert(
		struct stp_config *cfg, const char *rule_json, int index, char err[CFG_ERR_LEN]);

/**
 * Remove the rule called @p name from a loaded config; later rules move down by one.
 *
 * @return 0, or -EINVAL (no such rule, or a check failed: @p err says why; @p cfg is unchanged)
 */
int cfg_rule_delete(struct stp_config *cfg, const char *name, char err[CFG_ERR_LEN]);

#endif /* STP_CFG_H */
