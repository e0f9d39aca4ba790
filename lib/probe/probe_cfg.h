/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_PROBE_CFG_H
#define STP_PROBE_CFG_H

/**
 * @file
 * The probes' configuration section (cfg.c): probes[] (the generated streams) and probe_rx (the
 * receiver / reflector), their block in struct stp_config and its accessors. config/README.md
 * documents the keys.
 */

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"

#define CFG_MAX_PROBES 16      /**< Max entries in probes[] (stream ids 0..31, lib/probe). */
#define CFG_MAX_PROBE_SIZES 16 /**< Max entries in probes[].sizes. */
#define CFG_ADDR_LEN 48	       /**< Max MAC / IP address text length, including the NUL. */

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
 *               "t3_correction": true,
 *               "stamp_sessions": 1024, "stamp_session_idle_s": 300, "addresses": [],
 *               "refuse_src_ports": [udp_port], "rate_limit_pps": 10000,
 *               "rate_limit_burst": 1000, "stamp_auth": "none", "stamp_key_file": "" }
 * mode "stamp" (a STAMP Session-Reflector) needs reflect true; udp_port then defaults to 862.
 * stamp_auth "hmac-sha256" (answer only authenticated requests) needs mode "stamp" and
 * stamp_key_file.
 * stamp_stateful (own sequence numbers per session) needs mode "stamp".
 * When not enabled but probes[] is not empty, the stage still measures the reflections of this
 * instance's own probes (RTT).
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
	 * delay to T3 (lib/probe/refl_txcorr.h), default true */
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

/** The section's block: probes[] and probe_rx, under the names they had in struct stp_config. */
struct probe_cfg {
	uint16_t nb_probes;
	struct cfg_probe probes[CFG_MAX_PROBES];
	struct cfg_probe_rx probe_rx;
};

/** The section (its schema rows, parse pass, dump hooks), listed by the probe feature. */
extern const struct cfg_section probe_cfg_section;

/**
 * The probes' section of a loaded config; when the config was loaded without it, a block of
 * zeros (no probe, probe_rx off).
 */
const struct probe_cfg *probe_cfg_of(const struct stp_config *cfg);

/** The same, writable (stampede -v sets probe_rx.verbose); NULL when not loaded. */
struct probe_cfg *probe_cfg_rw(struct stp_config *cfg);

#endif /* STP_PROBE_CFG_H */
