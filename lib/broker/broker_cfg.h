/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_BROKER_CFG_H
#define STP_BROKER_CFG_H

/**
 * @file
 * The broker's configuration section (cfg.c): its keys of the node object (listen_port,
 * relay_to, reasm_timeout_ms, reorder_ms, peers, auth; node.id, description and role are the
 * core's), their block in struct stp_config and its accessor. config/README.md documents them.
 */

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"

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

/** The section's block: the broker's keys of node, under the names they had in struct cfg_node. */
struct broker_cfg {
	uint16_t listen_port;	     /**< node.listen_port: UDP port of stampede datagrams, 48879 */
	char relay_to[CFG_NAME_LEN]; /**< node.relay_to: a stampede output (relay only) */
	uint16_t relay_out;	     /**< derived: index of relay_to in outputs[] */
	uint32_t reasm_timeout_ms;   /**< node.reasm_timeout_ms [1..60000], default 100 */
	uint32_t reorder_ms;	     /**< node.reorder_ms [0..10000], default 0 (off; collector) */
	uint16_t nb_peers;	     /**< node.peers: 0 = any sender (no allow-list) */
	struct cfg_peer peers[CFG_MAX_PEERS];
	struct cfg_node_auth auth; /**< node.auth */
};

/** The section (its schema rows, parse pass, check, dump hooks), listed by the broker feature. */
extern const struct cfg_section broker_cfg_section;

/**
 * The broker's keys of node in a loaded config; when the config was loaded without them, a
 * block of zeros.
 */
const struct broker_cfg *broker_cfg_of(const struct stp_config *cfg);

#endif /* STP_BROKER_CFG_H */
