/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The tcp_rtt configuration section: its schema rows, its parse pass (after "metrics", the last
 * of the core's: its ports name ports[]), its dump hooks. The loader's machinery comes from
 * lib/cfg/cfg_section.h; config/README.md documents the keys.
 */

#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "cfg_section.h"
#include "tcprtt_cfg.h"

static const char *const ts_rule_names[] = {
	[CFG_TS_RULE_DATA] = "data",
	[CFG_TS_RULE_FIRST] = "first",
};

static json_t *dump_ports(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_prefixes(const struct stp_config *cfg, const void *base, bool *bad);

/* One table row per line reads better than the formatter's layout. */
/* clang-format off */
#define ST struct cfg_tcprtt
#define SX struct cfg_tcprtt_prefix
/* tcp_rtt.ports and prefixes[].prefix are also checked by parse_tcprtt(). */
static const struct cfg_opt tcprtt_opts[] = {
	CFG_O_OBJ("", "tcp_rtt"),
	CFG_O_BOOL("tcp_rtt", "enabled", ST, enabled, 0),
	CFG_O_CUSTOM_D("tcp_rtt", "ports", 0, dump_ports),
	CFG_O_INT("tcp_rtt", "flows", ST, flows, 64, 16777216, 65536, 0),
	CFG_O_INT("tcp_rtt", "idle_timeout_s", ST, idle_timeout_s, 1, 86400, 60, 0),
	CFG_O_INT("tcp_rtt", "ts_min_interval_ms", ST, ts_min_interval_ms, 0, 60000, 100, 0),
	/* 128: every distinct TSval of a flow at a 1 kHz TS clock over a 100 ms RTT (100). */
	CFG_O_INT("tcp_rtt", "ts_slots", ST, ts_slots, 16, 65536, 128, CFG_OPT_POW2),
	CFG_O_INT("tcp_rtt", "close_linger_ms", ST, close_linger_ms, 0, 600000, 1000, 0),
	CFG_O_ENUM("tcp_rtt", "ts_rule", ST, ts_rule, ts_rule_names, CFG_TS_RULE_DATA, 0),
	CFG_O_OBJ("tcp_rtt", "output"),
	CFG_O_CUSTOM_D("tcp_rtt", "prefixes", 0, dump_prefixes),
	CFG_O_STR("output", "path", ST, out_path, "-", CFG_OPT_NONEMPTY | CFG_OPT_NOCTRL),
	CFG_O_INT("output", "rotate_bytes", ST, out_rotate_bytes, 4096, INT64_C(1) << 50, 0, CFG_OPT_ZERO),
	CFG_O_INT("output", "rotate_seconds", ST, out_rotate_seconds, 0, 31536000, 0, 0),
	CFG_O_INT("output", "max_files", ST, out_max_files, 0, 1000000, 0, 0),
	CFG_O_INT("output", "ring", ST, out_ring, 64, 1048576, 16384, CFG_OPT_POW2),
	CFG_O_STR("tcp_rtt.prefixes[]", "name", SX, name, NULL, CFG_OPT_REQUIRED | CFG_OPT_NAME),
	CFG_O_STR("tcp_rtt.prefixes[]", "prefix", SX, prefix, NULL, CFG_OPT_REQUIRED | CFG_OPT_NONEMPTY),
};
#undef ST
#undef SX
/* clang-format on */

static int
parse_tcprtt(struct cfg_loader *l, const json_t *root, void *blk)
{
	const json_t *obj = json_object_get(root, "tcp_rtt"), *ports, *prefixes, *v;
	const struct stp_config *cfg = cfg_loader_cfg(l);
	char p[CFG_JPATH_LEN], q[CFG_JPATH_LEN];
	struct cfg_tcprtt *t = blk;
	struct cfg_prefix pf;
	size_t i;
	int rc;

	rc = cfg_parse_object(l, obj, "tcp_rtt", "tcp_rtt", t);
	if (rc < 0)
		return rc;
	rc = cfg_parse_object(l, obj != NULL ? json_object_get(obj, "output") : NULL,
			"tcp_rtt.output", "output", t);
	if (rc < 0)
		return rc;
	ports = obj != NULL ? json_object_get(obj, "ports") : NULL;
	t->nb_ports = 0;
	if (ports == NULL) {
		for (i = 0; i < cfg->nb_ports && i < CFG_MAX_TCPRTT_PORTS; i++)
			t->ports[t->nb_ports++] = (uint16_t)i;
	} else {
		if (cfg_get_array(l, ports, "tcp_rtt.ports", 1, CFG_MAX_TCPRTT_PORTS, "port") ==
				NULL)
			return -EINVAL;
		json_array_foreach(ports, i, v) {
			int pi = cfg_get_port(l, v, cfg_jp_idx(p, "tcp_rtt.ports", i));

			if (pi < 0)
				return pi;
			for (unsigned int k = 0; k < t->nb_ports; k++)
				if (t->ports[k] == pi)
					return cfg_lerr(l, p, "port \"%s\" is listed twice",
							cfg->ports[pi].name);
			t->ports[t->nb_ports++] = (uint16_t)pi;
		}
	}
	prefixes = obj != NULL ? json_object_get(obj, "prefixes") : NULL;
	t->nb_prefixes = 0;
	if (prefixes == NULL)
		return 0;
	if (cfg_get_array(l, prefixes, "tcp_rtt.prefixes", 0, CFG_MAX_TCPRTT_PREFIXES, "prefix") ==
			NULL)
		return -EINVAL;
	json_array_foreach(prefixes, i, v) {
		struct cfg_tcprtt_prefix *x = &t->prefixes[i];

		memset(x, 0, sizeof(*x));
		cfg_jp_idx(p, "tcp_rtt.prefixes", i);
		rc = cfg_parse_object(l, v, p, "tcp_rtt.prefixes[]", x);
		if (rc < 0)
			return rc;
		for (unsigned int k = 0; k < i; k++)
			if (strcmp(t->prefixes[k].name, x->name) == 0)
				return cfg_lerr(l, cfg_jp_key(q, p, "name"),
						"\"%s\" is already the name of tcp_rtt.prefixes[%u]",
						x->name, k);
		rc = cfg_get_prefix(l, x->prefix, cfg_jp_key(q, p, "prefix"), &pf);
		if (rc < 0)
			return rc;
		x->family = pf.family;
		x->len = pf.len;
		memcpy(x->addr, pf.addr, sizeof(x->addr));
		t->nb_prefixes = (uint16_t)(i + 1);
	}
	return 0;
}

static json_t *
dump_ports(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_tcprtt *t = base;
	json_t *a = json_array();

	for (uint16_t i = 0; i < t->nb_ports; i++)
		cfg_jappend(a, json_string(cfg->ports[t->ports[i]].name), bad);
	return a;
}

static json_t *
dump_prefixes(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_tcprtt *t = base;
	json_t *a = json_array();

	for (uint16_t i = 0; i < t->nb_prefixes; i++)
		cfg_jappend(a, cfg_dump_section(cfg, "tcp_rtt.prefixes[]", &t->prefixes[i], bad),
				bad);
	return a;
}

/* The TSV file of samples, when it is one ("-" is stdout). */
static const char *
out_file(const void *blk, const char **json_path)
{
	const struct cfg_tcprtt *t = blk;

	*json_path = "tcp_rtt.output.path";
	return t->enabled && strcmp(t->out_path, "-") != 0 ? t->out_path : NULL;
}

const struct cfg_section tcprtt_cfg_section = {
	.name = "tcp_rtt",
	.after = "metrics",
	.opts = tcprtt_opts,
	.nb_opts = CFG_ARRAY_LEN(tcprtt_opts),
	.size = sizeof(struct cfg_tcprtt),
	.parse = parse_tcprtt,
	.out_file = out_file,
};

const struct cfg_tcprtt *
tcprtt_cfg_of(const struct stp_config *cfg)
{
	static const struct cfg_tcprtt off;
	const struct cfg_tcprtt *t = cfg_section_get(cfg, &tcprtt_cfg_section);

	return t != NULL ? t : &off;
}
