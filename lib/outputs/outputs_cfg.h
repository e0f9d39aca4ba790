/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_OUTPUTS_CFG_H
#define STP_OUTPUTS_CFG_H

/**
 * @file
 * The outputs feature's configuration section (cfg.c): outputs[], its block in struct
 * stp_config and its accessor. config/README.md documents the keys. (enum cfg_output_type and
 * CFG_MAX_OUTPUTS stay in cfg.h: the registry's output ops and the stats use them.)
 */

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"
#include "encap.h"

/** outputs[].transport of stampede outputs. */
enum cfg_transport {
	CFG_TRANSPORT_UDP = 0, /**< "udp": Ethernet / IPv4 / UDP (default) */
	CFG_TRANSPORT_ETHER,   /**< "ether": Ethernet, EtherType 0x88B5 */
};

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
	/**
	 * outputs[].writers [1..8], default 1: writer threads (one file each, "{writer}" in the
	 * path names it) sharing the output's ring: frames are spread over them. Not with durable.
	 */
	uint32_t writers;
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

/** The section's block: outputs[]. */
struct outputs_cfg {
	uint16_t nb_outputs;
	struct cfg_output outputs[CFG_MAX_OUTPUTS];
};

/** The section (lib/cfg/cfg_section.h), named by the outputs feature's .cfg. */
extern const struct cfg_section outputs_cfg_section;

/** outputs[] of a loaded config; empty when it was not loaded with the section. */
const struct outputs_cfg *outputs_cfg_of(const struct stp_config *cfg);

/** Name of an output type ("pcapng", "erspan3", "vxlan", "gre"). */
const char *outputs_cfg_type_name(enum cfg_output_type t);

#endif /* STP_OUTPUTS_CFG_H */
