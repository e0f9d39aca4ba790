/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The broker's configuration section: its keys of the node object (node.id, description and role
 * are the core's). The schema rows (in the core's "node" object, and node.peers[], node.auth,
 * node.auth.keys[]), the parse pass of node.peers and node.auth (right after the core's "node"
 * pass, as before), the check of node.relay_to against the outputs (after the core's "tx
 * queues" pass), and the dump hooks. The loader's machinery comes from lib/cfg/cfg_section.h;
 * config/README.md and README.md ("Security") document the keys.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "broker_cfg.h"
#include "cfg_section.h"
#include "outputs_cfg.h"
#include "sph.h"

static json_t *dump_node_peers(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_node_auth(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_auth_keys(const struct stp_config *cfg, const void *base, bool *bad);

/* One table row per line reads better than the formatter's layout. */
/* clang-format off */
#define SB struct broker_cfg
#define SY struct cfg_peer
#define SK struct cfg_auth_key
static const struct cfg_opt broker_opts[] = {
	CFG_O_INT("node", "listen_port", SB, listen_port, 1, 65535, SPH_UDP_PORT, 0),
	CFG_O_STR("node", "relay_to", SB, relay_to, "", 0),
	CFG_O_INT("node", "reasm_timeout_ms", SB, reasm_timeout_ms, 1, 60000, 100, 0),
	CFG_O_INT("node", "reorder_ms", SB, reorder_ms, 0, 10000, 0, 0),
	/* node.peers and node.auth: parse_node_security(); README.md, "Security". */
	CFG_O_CUSTOM_D("node", "peers", 0, dump_node_peers),
	CFG_O_CUSTOM_D("node", "auth", 0, dump_node_auth),
	CFG_O_INT("node.peers[]", "id", SY, id, 0, UINT32_MAX, 0, CFG_OPT_REQUIRED),
	CFG_O_STR("node.peers[]", "address", SY, address, "", 0),
	CFG_O_STR("node.peers[]", "mac", SY, mac, "", 0),
	CFG_O_CUSTOM_D("node.auth", "keys", CFG_OPT_REQUIRED, dump_auth_keys),
	CFG_O_INT("node.auth", "send_key", SB, auth.send_key, 0, 65535, 0, 0),
	CFG_O_BOOL("node.auth", "required", SB, auth.required, 1),
	CFG_O_INT("node.auth.keys[]", "id", SK, id, 1, 65535, 0, CFG_OPT_REQUIRED),
	CFG_O_STR("node.auth.keys[]", "file", SK, file, NULL, CFG_OPT_REQUIRED | CFG_OPT_NONEMPTY),
};
#undef SB
#undef SY
#undef SK
/* clang-format on */

/* A key file: 32..128 hex digits (whitespace around them ignored), else 16..64 raw bytes. */
static int
read_key_file(const struct cfg_loader *l, struct cfg_auth_key *k, const char *path)
{
	uint8_t raw[200];
	size_t n, a = 0, b;
	FILE *f = fopen(k->file, "rb");

	if (f == NULL)
		return cfg_lerr(l, path, "\"%s\": %s", k->file, strerror(errno));
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
		return cfg_lerr(l, path,
				"\"%s\": not a key (32..128 hex digits, or 16..64 raw bytes; %zu "
				"bytes read)",
				k->file, n);
	}
	memset(raw, 0, sizeof(raw));
	return 0;
}

/* node.peers (the allow-list of a collector or relay) and node.auth (keys). */
static int
parse_node_security(struct cfg_loader *l, const json_t *root, void *blk)
{
	const json_t *node = json_object_get(root, "node");
	const json_t *peers = node != NULL ? json_object_get(node, "peers") : NULL;
	const json_t *auth = node != NULL ? json_object_get(node, "auth") : NULL;
	struct broker_cfg *n = blk;
	char p[CFG_JPATH_LEN], q[CFG_JPATH_LEN];
	const json_t *v, *keys;
	size_t i;
	int rc;

	n->nb_peers = 0;
	memset(&n->auth, 0, sizeof(n->auth));
	if (peers != NULL) {
		if (cfg_get_array(l, peers, "node.peers", 0, CFG_MAX_PEERS, "peer") == NULL)
			return -EINVAL;
		json_array_foreach(peers, i, v) {
			struct cfg_peer *y = &n->peers[i];
			char text[CFG_PREFIX_LEN];
			struct cfg_prefix x;

			cfg_jp_idx(p, "node.peers", i);
			rc = cfg_parse_object(l, v, p, "node.peers[]", y);
			if (rc < 0)
				return rc;
			if (y->address[0] == '\0' && y->mac[0] == '\0')
				return cfg_lerr(l, p, "a peer needs an \"address\" or a \"mac\"");
			if (y->address[0] != '\0') {
				snprintf(text, sizeof(text), "%s%s", y->address,
						strchr(y->address, '/') != NULL ? "" :
								strchr(y->address, ':') != NULL ?
										  "/128" :
										  "/32");
				rc = cfg_get_prefix(l, text, cfg_jp_key(q, p, "address"), &x);
				if (rc < 0)
					return rc;
				y->family = x.family;
				y->len = x.len;
				memcpy(y->addr, x.addr, sizeof(y->addr));
			}
			if (y->mac[0] != '\0') {
				if (!cfg_parse_mac(y->mac, y->mac_b))
					return cfg_lerr(l, cfg_jp_key(q, p, "mac"),
							"\"%s\" is not a MAC address", y->mac);
				y->has_mac = true;
			}
			n->nb_peers = (uint16_t)(i + 1);
		}
	}
	if (auth == NULL || json_is_null(auth))
		return 0; /* null: what the dump writes when authentication is off */
	rc = cfg_parse_object(l, auth, "node.auth", "node.auth", n);
	if (rc < 0)
		return rc;
	keys = json_object_get(auth, "keys");
	if (cfg_get_array(l, keys, "node.auth.keys", 1, CFG_MAX_AUTH_KEYS, "key") == NULL)
		return -EINVAL;
	json_array_foreach(keys, i, v) {
		struct cfg_auth_key *k = &n->auth.keys[i];

		cfg_jp_idx(p, "node.auth.keys", i);
		rc = cfg_parse_object(l, v, p, "node.auth.keys[]", k);
		if (rc < 0)
			return rc;
		if (i == 1 && n->auth.keys[0].id == k->id)
			return cfg_lerr(l, cfg_jp_key(q, p, "id"),
					"%u is already node.auth.keys[0].id", k->id);
		rc = read_key_file(l, k, cfg_jp_key(q, p, "file"));
		if (rc < 0)
			return rc;
		n->auth.nb_keys = (uint8_t)(i + 1);
	}
	if (n->auth.send_key == 0)
		n->auth.send_key = n->auth.keys[0].id;
	for (i = 0; i < n->auth.nb_keys; i++)
		if (n->auth.keys[i].id == n->auth.send_key)
			return 0;
	return cfg_lerr(l, "node.auth.send_key", "%u is not the id of one of node.auth.keys",
			n->auth.send_key);
}

/* node.role and node.relay_to: a relay sends on through one stampede output. */
static int
check_node_role(struct cfg_loader *l, const json_t *root, void *blk)
{
	const struct stp_config *cfg = cfg_loader_cfg(l);
	struct broker_cfg *b = blk;
	struct cfg_target t;

	if (cfg->node.role != CFG_ROLE_RELAY) {
		if (b->relay_to[0] != '\0')
			return cfg_lerr(l, "node.relay_to",
					"only a relay (node.role \"relay\") takes it");
		return 0;
	}
	if (b->relay_to[0] == '\0')
		return cfg_lerr(l, "node.relay_to",
				"missing: a relay needs a stampede output to send to");
	if (cfg_target_by_name(cfg, b->relay_to, &t) != 0 || t.kind != CFG_TARGET_OUTPUT ||
			outputs_cfg_of(cfg)->outputs[t.idx].type != CFG_OUTPUT_STAMPEDE)
		return cfg_lerr(l, "node.relay_to", "\"%s\" is not an output of type \"stampede\"",
				b->relay_to);
	b->relay_out = t.idx;
	return 0;
}

static json_t *
dump_node_peers(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct broker_cfg *b = base;
	json_t *a = json_array();

	for (uint16_t i = 0; i < b->nb_peers; i++)
		cfg_jappend(a, cfg_dump_section(cfg, "node.peers[]", &b->peers[i], bad), bad);
	return a;
}

/* The key ids and files, never the key bytes. */
static json_t *
dump_node_auth(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct broker_cfg *b = base;

	if (b->auth.nb_keys == 0)
		return json_null();
	return cfg_dump_section(cfg, "node.auth", b, bad);
}

static json_t *
dump_auth_keys(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct broker_cfg *b = base;
	json_t *a = json_array();

	for (uint16_t i = 0; i < b->auth.nb_keys; i++)
		cfg_jappend(a, cfg_dump_section(cfg, "node.auth.keys[]", &b->auth.keys[i], bad),
				bad);
	return a;
}

const struct cfg_section broker_cfg_section = {
	.name = "node security",
	.after = "node",
	.opts = broker_opts,
	.nb_opts = CFG_ARRAY_LEN(broker_opts),
	.size = sizeof(struct broker_cfg),
	.parse = parse_node_security,
	.check_after = "tx queues",
	.check = check_node_role,
};

const struct broker_cfg *
broker_cfg_of(const struct stp_config *cfg)
{
	static const struct broker_cfg off;
	const struct broker_cfg *b = cfg_section_get(cfg, &broker_cfg_section);

	return b != NULL ? b : &off;
}
