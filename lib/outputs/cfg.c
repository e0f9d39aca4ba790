/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The outputs feature's configuration section: outputs[] (capture files, tunnels, stampede
 * outputs), its schema rows (the root key placed where the core's table had it, before lcores),
 * its pass (after the core's ports: tunnels name a port; the rules' groups follow it), its dump
 * hooks. Outputs join the namespace of ports that rules[].out and groups[].members name
 * (target_kind). The loader's machinery comes from lib/cfg/cfg_section.h; config/README.md
 * documents the keys.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <jansson.h>

#include "cfg_section.h"
#include "outputs_cfg.h"
#include "sph.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The values of each enum, indexed by enum value: parsing, messages and dumps use them. */
static const char *const output_type_names[] = {
	[CFG_OUTPUT_PCAPNG] = "pcapng",
	[CFG_OUTPUT_ERSPAN3] = "erspan3",
	[CFG_OUTPUT_VXLAN] = "vxlan",
	[CFG_OUTPUT_GRE] = "gre",
	[CFG_OUTPUT_STAMPEDE] = "stampede",
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
	"max_files", "ring", "snaplen", "comments", "durable", "sync_ms", "writers" };
static const char *const tunnel_only_keys[] = { "port", "src_ip", "dst_ip", "dst_mac", "id", "ttl",
	"dscp", "dst_port" };
/* outputs[] keys of stampede outputs only (they take the tunnel keys too, except "id"). */
static const char *const stampede_only_keys[] = { "transport", "description", "reliable",
	"resend_window_s", "resend_buffer_pkts", "spool" };

static json_t *dump_outputs(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_output_port(const struct stp_config *cfg, const void *base, bool *bad);

/* One table row per line reads better than the formatter's layout. */
/* clang-format off */
#define SO struct cfg_output
static const struct cfg_opt outputs_opts[] = {
	CFG_O_CUSTOM_AT("", "outputs", 0, dump_outputs, "lcores"),

	CFG_O_STR("outputs[]", "name", SO, name, NULL, CFG_OPT_REQUIRED | CFG_OPT_NAME),
	CFG_O_ENUM("outputs[]", "type", SO, type, output_type_names, CFG_OUTPUT_PCAPNG, CFG_OPT_REQUIRED),
	/* path is required for pcapng outputs, refused for tunnels: parse_outputs() checks. */
	CFG_O_STR("outputs[]", "path", SO, path, NULL, CFG_OPT_NONEMPTY | CFG_OPT_NOCTRL),
	CFG_O_INT("outputs[]", "rotate_bytes", SO, rotate_bytes, 4096, INT64_C(1) << 50, 0, CFG_OPT_ZERO),
	CFG_O_INT("outputs[]", "rotate_seconds", SO, rotate_seconds, 0, 31536000, 0, 0),
	CFG_O_INT("outputs[]", "max_files", SO, max_files, 0, 1000000, 0, 0),
	CFG_O_INT("outputs[]", "ring", SO, ring_size, 64, 1048576, 16384, CFG_OPT_POW2),
	CFG_O_INT("outputs[]", "snaplen", SO, snaplen, 60, 262144, 262144, 0),
	CFG_O_BOOL("outputs[]", "comments", SO, comments, 1),
	CFG_O_BOOL("outputs[]", "durable", SO, durable, 0),
	CFG_O_INT("outputs[]", "sync_ms", SO, sync_ms, 1, 10000, 10, 0),
	CFG_O_INT("outputs[]", "writers", SO, writers, 1, 8, 1, 0),
	CFG_O_CUSTOM_D("outputs[]", "port", 0, dump_output_port),
	CFG_O_STR("outputs[]", "src_ip", SO, src_ip, "", 0),
	CFG_O_STR("outputs[]", "dst_ip", SO, dst_ip, "", 0),
	CFG_O_STR("outputs[]", "dst_mac", SO, dst_mac, "", 0),
	CFG_O_INT("outputs[]", "id", SO, id, 0, UINT32_MAX, 0, 0),
	CFG_O_INT("outputs[]", "ttl", SO, ttl, 1, 255, 64, 0),
	CFG_O_INT("outputs[]", "dscp", SO, dscp, 0, 63, 0, 0),
	CFG_O_INT("outputs[]", "dst_port", SO, dst_port, 1, 65535, 4789, 0),
	CFG_O_ENUM("outputs[]", "transport", SO, transport, transport_names, CFG_TRANSPORT_UDP, 0),
	CFG_O_STR("outputs[]", "description", SO, description, "", CFG_OPT_NOCTRL),
	CFG_O_BOOL("outputs[]", "reliable", SO, reliable, 0),
	CFG_O_INT("outputs[]", "resend_window_s", SO, resend_window_s, 1, 86400, 10, 0),
	CFG_O_INT("outputs[]", "resend_buffer_pkts", SO, resend_buffer, 64, 65536, 4096, CFG_OPT_POW2),
	CFG_O_STR("outputs[]", "spool", SO, spool, "", CFG_OPT_NOCTRL),
};
#undef SO
/* clang-format on */

/* The keys each output type takes, and the tunnels' port, addresses and id. */
static int
parse_output_type_keys(
		const struct cfg_loader *l, struct cfg_output *o, const json_t *v, const char *path)
{
	const bool tunnel = cfg_output_is_tunnel(o->type);
	const bool sph = o->type == CFG_OUTPUT_STAMPEDE;
	const bool ether = sph && o->transport == CFG_TRANSPORT_ETHER;
	const char *const *other = tunnel ? pcapng_only_keys : tunnel_only_keys;
	const size_t nb_other = tunnel ? ARRAY_LEN(pcapng_only_keys) : ARRAY_LEN(tunnel_only_keys);
	const char *kind = sph ? "stampede" : tunnel ? "tunnel" : "pcapng";
	char p[CFG_JPATH_LEN], b[CFG_JVAL_LEN];
	struct encap_tunnel *t = &o->tun;
	int pi;

	for (size_t k = 0; k < nb_other; k++)
		if (json_object_get(v, other[k]) != NULL)
			return cfg_lerr(l, cfg_jp_key(p, path, other[k]),
					"not a key of %s outputs (type \"%s\")", kind,
					output_type_names[o->type]);
	for (size_t k = 0; !sph && k < ARRAY_LEN(stampede_only_keys); k++)
		if (json_object_get(v, stampede_only_keys[k]) != NULL)
			return cfg_lerr(l, cfg_jp_key(p, path, stampede_only_keys[k]),
					"not a key of %s outputs (type \"%s\")", kind,
					output_type_names[o->type]);
	if (!tunnel) {
		if (json_object_get(v, "path") == NULL)
			return cfg_lerr(l, cfg_jp_key(p, path, "path"), "missing required key");
		return 0;
	}
	/* port and dst_mac always; the IP addresses unless the transport is Ethernet. */
	for (size_t k = 0; k < 4; k++)
		if (json_object_get(v, tunnel_only_keys[k]) == NULL && !(ether && k >= 1 && k <= 2))
			return cfg_lerr(l, cfg_jp_key(p, path, tunnel_only_keys[k]),
					"missing required key");
	pi = cfg_get_port(l, json_object_get(v, "port"), cfg_jp_key(p, path, "port"));
	if (pi < 0)
		return pi;
	o->port = (uint16_t)pi;
	memset(t, 0, sizeof(*t));
	t->type = sph && ether ? ENCAP_SPH_ETH : tunnel_types[o->type].enc;
	if (sph && !ether && strchr(o->src_ip, ':') != NULL) {
		/* A stampede output over IPv6: both addresses IPv6. */
		t->type = ENCAP_SPH_UDP6;
		if (inet_pton(AF_INET6, o->src_ip, t->src_ip6) != 1)
			return cfg_lerr(l, cfg_jp_key(p, path, "src_ip"),
					"%s is not an IPv4 or IPv6 address literal",
					cfg_jv(json_object_get(v, "src_ip"), b));
		if (inet_pton(AF_INET6, o->dst_ip, t->dst_ip6) != 1)
			return cfg_lerr(l, cfg_jp_key(p, path, "dst_ip"),
					"%s is not an IPv6 address literal (src_ip is IPv6: both "
					"must be of one family)",
					cfg_jv(json_object_get(v, "dst_ip"), b));
	} else {
		if (!ether && inet_pton(AF_INET, o->src_ip, &t->src_ip) != 1)
			return cfg_lerr(l, cfg_jp_key(p, path, "src_ip"),
					sph ? "%s is not an IPv4 or IPv6 address literal" :
					      "%s is not an IPv4 address literal",
					cfg_jv(json_object_get(v, "src_ip"), b));
		if (!ether && inet_pton(AF_INET, o->dst_ip, &t->dst_ip) != 1)
			return cfg_lerr(l, cfg_jp_key(p, path, "dst_ip"),
					sph ? "%s is not an IPv4 address literal (src_ip is IPv4: "
					      "both must be of one family)" :
					      "%s is not an IPv4 address literal",
					cfg_jv(json_object_get(v, "dst_ip"), b));
	}
	if (!cfg_parse_mac(o->dst_mac, t->dst_mac))
		return cfg_lerr(l, cfg_jp_key(p, path, "dst_mac"),
				"%s is not a MAC address (\"aa:bb:cc:dd:ee:ff\")",
				cfg_jv(json_object_get(v, "dst_mac"), b));
	if (o->id > tunnel_types[o->type].max_id)
		return cfg_lerr(l, cfg_jp_key(p, path, "id"), "%u is out of range [0..%u] for %s",
				o->id, tunnel_types[o->type].max_id, output_type_names[o->type]);
	/* The stampede port's default is its own (the table's 4789 is VXLAN's). */
	if (sph && json_object_get(v, "dst_port") == NULL)
		o->dst_port = SPH_UDP_PORT;
	t->id = o->id;
	t->ttl = o->ttl;
	t->dscp = o->dscp;
	t->dst_port = o->dst_port;
	return 0;
}

static int
parse_outputs(struct cfg_loader *l, const json_t *root, void *blk)
{
	struct outputs_cfg *cfg = blk;
	char p[CFG_JPATH_LEN], q[CFG_JPATH_LEN];
	const json_t *outputs, *v;
	struct cfg_output *o;
	size_t i;
	int rc;

	outputs = json_object_get(root, "outputs");
	if (outputs == NULL)
		return 0;
	if (cfg_get_array(l, outputs, "outputs", 0, CFG_MAX_OUTPUTS, "output") == NULL)
		return -EINVAL;
	json_array_foreach(outputs, i, v) {
		o = &cfg->outputs[i];
		memset(o, 0, sizeof(*o));
		cfg_jp_idx(p, "outputs", i);
		rc = cfg_parse_object(l, v, p, "outputs[]", o);
		if (rc < 0)
			return rc;
		rc = parse_output_type_keys(l, o, v, p);
		if (rc < 0)
			return rc;
		rc = cfg_check_name_free(l, o->name, cfg_jp_key(q, p, "name"));
		if (rc < 0)
			return rc;
		cfg->nb_outputs = i + 1;
	}
	return 0;
}

/* Outputs are targets of rules[].out and groups[].members, next to ports. */
static uint16_t
nb_outputs(const void *blk)
{
	return ((const struct outputs_cfg *)blk)->nb_outputs;
}

static const char *
output_name(const void *blk, uint16_t idx)
{
	return ((const struct outputs_cfg *)blk)->outputs[idx].name;
}

static json_t *
dump_outputs(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct outputs_cfg *oc = base;
	json_t *a = json_array(), *e;
	size_t k;

	for (uint16_t i = 0; i < oc->nb_outputs; i++) {
		const struct cfg_output *o = &oc->outputs[i];
		const bool tunnel = cfg_output_is_tunnel(o->type);

		e = cfg_dump_section(cfg, "outputs[]", o, bad);
		for (k = 0; e != NULL &&
				k < (tunnel ? ARRAY_LEN(pcapng_only_keys) :
					      ARRAY_LEN(tunnel_only_keys));
				k++)
			json_object_del(e, tunnel ? pcapng_only_keys[k] : tunnel_only_keys[k]);
		for (k = 0; e != NULL && o->type != CFG_OUTPUT_STAMPEDE &&
				k < ARRAY_LEN(stampede_only_keys);
				k++)
			json_object_del(e, stampede_only_keys[k]);
		cfg_jappend(a, e, bad);
	}
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

const struct cfg_section outputs_cfg_section = {
	.name = "outputs",
	.after = "ports",
	.opts = outputs_opts,
	.nb_opts = CFG_ARRAY_LEN(outputs_opts),
	.size = sizeof(struct outputs_cfg),
	.parse = parse_outputs,
	.target_kind = CFG_TARGET_OUTPUT,
	.target_list = "outputs",
	.nb_targets = nb_outputs,
	.target_name = output_name,
};

const struct outputs_cfg *
outputs_cfg_of(const struct stp_config *cfg)
{
	static const struct outputs_cfg none;
	const struct outputs_cfg *oc = cfg_section_get(cfg, &outputs_cfg_section);

	return oc != NULL ? oc : &none;
}

const char *
outputs_cfg_type_name(enum cfg_output_type t)
{
	if ((unsigned int)t < ARRAY_LEN(output_type_names))
		return output_type_names[t];
	return "unknown";
}
