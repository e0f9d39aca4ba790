/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The rules feature's configuration section: groups[] and rules[], their schema rows (the root
 * keys placed where the core's table had them: groups before lcores, rules before metrics),
 * their passes, their dump hooks, the check that a rule's output port has a TX queue per TX
 * lcore, and the console's rule edits (rules_cfg_insert(), rules_cfg_delete()) over the
 * loader's own code. Groups join the namespace of ports and outputs that rules[].out and
 * groups[].members name (target_kind).
 *
 * Two passes keep the order of the errors of a whole file: groups[] right after the core's
 * outputs (the section's early pass, its check hook run after "outputs": members name ports
 * and outputs), rules[] after lcores (its parse pass: the probes' section follows "rules").
 * The loader's machinery comes from lib/cfg/cfg_section.h; config/README.md documents the keys.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "cfg_section.h"
#include "filter.h"
#include "outputs_cfg.h"
#include "rules_cfg.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const action_names[] = {
	[CFG_ACTION_FORWARD] = "forward",
	[CFG_ACTION_DROP] = "drop",
	[CFG_ACTION_COUNT] = "count",
};

static const char *const vlan_names[] = {
	[CFG_VLAN_KEEP] = "keep",
	[CFG_VLAN_STRIP] = "strip",
};

static const char *const group_mode_names[] = {
	[CFG_GROUP_BALANCE] = "balance",
	[CFG_GROUP_REPLICATE] = "replicate",
	[CFG_GROUP_FIRST_UP] = "first-up",
};

/* The rules[] keys that only a forward rule takes, in table order. */
static const char *const forward_only_keys[] = { "out", "continue", "snaplen", "vlan" };

static json_t *dump_groups(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_rules(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_group_members(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_rule_name(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_rule_in(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_rule_out(const struct stp_config *cfg, const void *base, bool *bad);

/* One table row per line reads better than the formatter's layout. */
/* clang-format off */
#define SG struct cfg_group
#define SR struct cfg_rule
static const struct cfg_opt rules_opts[] = {
	CFG_O_CUSTOM_AT("", "groups", 0, dump_groups, "lcores"),
	CFG_O_CUSTOM_AT("", "rules", 0, dump_rules, "metrics"),

	CFG_O_STR("groups[]", "name", SG, name, NULL, CFG_OPT_REQUIRED | CFG_OPT_NAME),
	CFG_O_ENUM("groups[]", "mode", SG, mode, group_mode_names, CFG_GROUP_BALANCE, CFG_OPT_REQUIRED),
	CFG_O_CUSTOM_D("groups[]", "members", CFG_OPT_REQUIRED, dump_group_members),

	/* Checked by parse_rule(): out, continue, snaplen and vlan are for forward rules only. */
	CFG_O_CUSTOM_D("rules[]", "name", 0, dump_rule_name),
	CFG_O_CUSTOM_D("rules[]", "in", 0, dump_rule_in),
	CFG_O_STR("rules[]", "filter", SR, filter, "", 0),
	CFG_O_ENUM("rules[]", "action", SR, action, action_names, CFG_ACTION_FORWARD, CFG_OPT_REQUIRED),
	CFG_O_CUSTOM_D("rules[]", "out", 0, dump_rule_out),
	CFG_O_BOOL("rules[]", "continue", SR, cont, 0),
	CFG_O_INT("rules[]", "snaplen", SR, snaplen, 60, 65535, 0, CFG_OPT_ZERO),
	CFG_O_ENUM("rules[]", "vlan", SR, vlan, vlan_names, CFG_VLAN_KEEP, 0),
};
#undef SG
#undef SR
/* clang-format on */

/* Append to a ", "-separated list in buf, silently cut when full. */
static void
list_add(char *buf, size_t len, const char *item)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", n > 0 ? ", " : "", item);
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
		nb = cfg_target_count(cfg, k);
		list[0] = '\0';
		for (i = 0; i < nb; i++)
			list_add(list, sizeof(list),
					cfg_target_name(cfg, &(struct cfg_target){ k, i }));
		n = strlen(buf);
		snprintf(buf + n, len - n, "%s%s: %s", n > 0 ? "; " : "",
				cfg_target_kind_name(cfg, k), nb > 0 ? list : "none");
	}
	return buf;
}

/*
 * A name that rules[].out (@p allow_group) or groups[].members (not @p allow_group: groups do
 * not nest) refers to, resolved into @p t.
 */
static int
get_target(const struct cfg_loader *l, const json_t *v, const char *path, bool allow_group,
		struct cfg_target *t)
{
	unsigned int kinds = (1u << CFG_TARGET_PORT) | (1u << CFG_TARGET_OUTPUT);
	char b[CFG_JVAL_LEN], names[384];
	const char *s;

	s = cfg_get_str(l, v, path);
	if (s == NULL)
		return -EINVAL;
	if (cfg_target_by_name(cfg_loader_cfg(l), s, t) < 0) {
		if (allow_group)
			return cfg_lerr(l, path, "%s is not a port, output or group name (%s)",
					cfg_jv(v, b),
					target_names(cfg_loader_cfg(l),
							kinds | (1u << CFG_TARGET_GROUP), names,
							sizeof(names)));
		return cfg_lerr(l, path, "%s is not a port or output name (%s)", cfg_jv(v, b),
				target_names(cfg_loader_cfg(l), kinds, names, sizeof(names)));
	}
	if (t->kind == CFG_TARGET_GROUP && !allow_group)
		return cfg_lerr(l, path,
				"%s is groups[%u], and groups do not nest (members are ports or "
				"outputs)",
				cfg_jv(v, b), t->idx);
	return 0;
}

static int
parse_group_members(
		const struct cfg_loader *l, struct cfg_group *g, const json_t *v, const char *path)
{
	char p[CFG_JPATH_LEN], pm[CFG_JPATH_LEN];
	const json_t *members, *e;
	struct cfg_target t;
	uint16_t k;
	size_t i;
	int rc;

	cfg_jp_key(p, path, "members");
	members = cfg_get_array(l, json_object_get(v, "members"), p, 1, CFG_MAX_MEMBERS, "member");
	if (members == NULL)
		return -EINVAL;
	json_array_foreach(members, i, e) {
		rc = get_target(l, e, cfg_jp_idx(pm, p, i), false, &t);
		if (rc < 0)
			return rc;
		for (k = 0; k < g->nb_members; k++)
			if (g->members[k].kind == t.kind && g->members[k].idx == t.idx)
				return cfg_lerr(l, pm, "\"%s\" is already listed at %s[%u]",
						cfg_target_name(cfg_loader_cfg(l), &t), p, k);
		g->members[g->nb_members++] = t;
	}
	return 0;
}

/*
 * Two passes: every group's name first, so that a member naming any group, earlier or later,
 * gets the "groups do not nest" message rather than "unknown name". The section's early pass
 * (its check hook, run after the core's outputs).
 */
static int
parse_groups(struct cfg_loader *l, const json_t *root, void *blk)
{
	struct rules_cfg *cfg = blk;
	char p[CFG_JPATH_LEN], q[CFG_JPATH_LEN];
	const json_t *groups, *v;
	struct cfg_group *g;
	size_t i;
	int rc;

	groups = json_object_get(root, "groups");
	if (groups == NULL)
		return 0;
	if (cfg_get_array(l, groups, "groups", 0, CFG_MAX_GROUPS, "group") == NULL)
		return -EINVAL;
	json_array_foreach(groups, i, v) {
		g = &cfg->groups[i];
		memset(g, 0, sizeof(*g));
		cfg_jp_idx(p, "groups", i);
		rc = cfg_parse_object(l, v, p, "groups[]", g);
		if (rc < 0)
			return rc;
		rc = cfg_check_name_free(l, g->name, cfg_jp_key(q, p, "name"));
		if (rc < 0)
			return rc;
		cfg->nb_groups = i + 1;
	}
	json_array_foreach(groups, i, v) {
		rc = parse_group_members(l, &cfg->groups[i], v, cfg_jp_idx(p, "groups", i));
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
parse_rule(const struct cfg_loader *l, struct rules_cfg *rs, struct cfg_rule *r, size_t idx,
		const json_t *v, const char *path)
{
	const struct stp_config *cfg = cfg_loader_cfg(l);
	char p[CFG_JPATH_LEN], pi[CFG_JPATH_LEN], b[CFG_JVAL_LEN], msg[PCAP_ERRBUF_SIZE + 64];
	const json_t *in, *name, *e;
	const char *why;
	uint16_t k;
	size_t i;
	int rc, port;

	/* Types and ranges of filter, action, continue, snaplen and vlan. */
	rc = cfg_parse_object(l, v, path, "rules[]", r);
	if (rc < 0)
		return rc;

	name = json_object_get(v, "name");
	cfg_jp_key(p, path, "name");
	if (name != NULL) {
		rc = cfg_get_str_into(l, name, p, CFG_OPT_NAME, r->name, sizeof(r->name));
		if (rc < 0)
			return rc;
	} else {
		snprintf(r->name, sizeof(r->name), "rule%zu", idx);
	}
	for (k = 0; k < idx; k++)
		if (strcmp(rs->rules[k].name, r->name) == 0)
			return cfg_lerr(l, p, "\"%s\" is already the name of rules[%u]", r->name,
					k);

	in = json_object_get(v, "in");
	cfg_jp_key(p, path, "in");
	if (in == NULL) {
		r->in_mask = cfg->nb_ports >= 32 ? UINT32_MAX : (UINT32_C(1) << cfg->nb_ports) - 1;
	} else if (json_is_array(in)) {
		if (json_array_size(in) == 0)
			return cfg_lerr(l, p,
					"empty array, at least one port is required "
					"(omit \"in\" to match every port)");
		json_array_foreach(in, i, e) {
			port = cfg_get_port(l, e, cfg_jp_idx(pi, p, i));
			if (port < 0)
				return port;
			r->in_mask |= UINT32_C(1) << port;
		}
	} else {
		port = cfg_get_port(l, in, p);
		if (port < 0)
			return port;
		r->in_mask = UINT32_C(1) << port;
	}

	if (r->filter[0] != '\0' && filter_check_syntax(r->filter, msg, sizeof(msg)) < 0)
		return cfg_lerr(l, cfg_jp_key(p, path, "filter"), "%s does not compile: %s",
				cfg_jv(json_object_get(v, "filter"), b), msg);

	if (r->action == CFG_ACTION_FORWARD) {
		cfg_jp_key(p, path, "out");
		e = json_object_get(v, "out");
		if (e == NULL)
			return cfg_lerr(l, p, "missing required key (action \"forward\" needs it)");
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
		return cfg_lerr(l, cfg_jp_key(p, path, forward_only_keys[i]),
				"not allowed with action \"%s\": %s", action_names[r->action], why);
	}
	return 0;
}

static int
parse_rules(struct cfg_loader *l, const json_t *root, void *blk)
{
	struct rules_cfg *cfg = blk;
	const json_t *rules, *v;
	char p[CFG_JPATH_LEN];
	size_t i;
	int rc;

	rules = json_object_get(root, "rules");
	if (rules == NULL)
		return 0;
	if (cfg_get_array(l, rules, "rules", 0, CFG_MAX_RULES, "rule") == NULL)
		return -EINVAL;
	json_array_foreach(rules, i, v) {
		memset(&cfg->rules[i], 0, sizeof(cfg->rules[i]));
		rc = parse_rule(l, cfg, &cfg->rules[i], i, v, cfg_jp_idx(p, "rules", i));
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
rule_sends_to_port(const struct stp_config *cfg, const struct rules_cfg *rc,
		const struct cfg_rule *r, uint16_t port, int *group)
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
		return cfg_output_is_tunnel(outputs_cfg_of(cfg)->outputs[r->out.idx].type) &&
				outputs_cfg_of(cfg)->outputs[r->out.idx].port == port;
	if (r->out.kind != CFG_TARGET_GROUP)
		return false;
	g = &rc->groups[r->out.idx];
	for (m = 0; m < g->nb_members; m++) {
		const struct cfg_target *t = &g->members[m];

		if ((t->kind == CFG_TARGET_PORT && t->idx == port) ||
				(t->kind == CFG_TARGET_OUTPUT &&
						cfg_output_is_tunnel(
								outputs_cfg_of(cfg)
										->outputs[t->idx]
										.type) &&
						outputs_cfg_of(cfg)->outputs[t->idx].port ==
								port)) {
			*group = r->out.idx;
			return true;
		}
	}
	return false;
}

/*
 * A port a rule sends to, directly or through a group, transmits from every TX lcore
 * (cfg_check_tx_queues(): each needs its own queue).
 */
static bool
port_tx(const struct stp_config *cfg, const void *blk, uint16_t port, char *why, size_t len)
{
	const struct rules_cfg *rc = blk;
	int g;

	for (uint16_t r = 0; r < rc->nb_rules; r++) {
		if (!rule_sends_to_port(cfg, rc, &rc->rules[r], port, &g))
			continue;
		if (g >= 0)
			snprintf(why, len,
					"is a member of groups[%d], the output of rules[%u], and each "
					"TX lcore needs its own queue",
					g, r);
		else
			snprintf(why, len,
					"is the output of rules[%u] and each TX lcore needs its own "
					"queue",
					r);
		return true;
	}
	return false;
}

/* Groups are targets of rules[].out, next to ports and outputs. */
static uint16_t
nb_groups(const void *blk)
{
	return ((const struct rules_cfg *)blk)->nb_groups;
}

static const char *
group_name(const void *blk, uint16_t idx)
{
	return ((const struct rules_cfg *)blk)->groups[idx].name;
}

/* ---------------------------------------------------------------------------------------------- */
/* Dump */

static json_t *
dump_groups(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct rules_cfg *rc = base;
	json_t *a = json_array();

	for (uint16_t i = 0; i < rc->nb_groups; i++)
		cfg_jappend(a, cfg_dump_section(cfg, "groups[]", &rc->groups[i], bad), bad);
	return a;
}

static json_t *
dump_rules(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct rules_cfg *rc = base;
	json_t *a = json_array(), *e;

	for (uint16_t i = 0; i < rc->nb_rules; i++) {
		e = cfg_dump_section(cfg, "rules[]", &rc->rules[i], bad);
		/* The loader refuses these keys on drop and count rules. */
		if (e != NULL && rc->rules[i].action != CFG_ACTION_FORWARD)
			for (size_t k = 0; k < ARRAY_LEN(forward_only_keys); k++)
				json_object_del(e, forward_only_keys[k]);
		cfg_jappend(a, e, bad);
	}
	return a;
}

static json_t *
dump_group_members(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_group *g = base;
	json_t *a = json_array();

	for (uint16_t i = 0; i < g->nb_members; i++)
		cfg_jappend(a, json_string(cfg_target_name(cfg, &g->members[i])), bad);
	return a;
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
			cfg_jappend(a, json_string(cfg->ports[i].name), bad);
	return a;
}

static json_t *
dump_rule_out(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_rule *r = base;

	return json_string(cfg_target_name(cfg, &r->out));
}

const struct cfg_section rules_cfg_section = {
	.name = "rules",
	.after = "lcores",
	.opts = rules_opts,
	.nb_opts = CFG_ARRAY_LEN(rules_opts),
	.size = sizeof(struct rules_cfg),
	.parse = parse_rules,
	.check_after = "outputs",
	.check = parse_groups,
	.port_tx = port_tx,
	.target_kind = CFG_TARGET_GROUP,
	.target_list = "groups",
	.nb_targets = nb_groups,
	.target_name = group_name,
};

const struct rules_cfg *
rules_cfg_of(const struct stp_config *cfg)
{
	static const struct rules_cfg none;
	const struct rules_cfg *rc = cfg_section_get(cfg, &rules_cfg_section);

	return rc != NULL ? rc : &none;
}

const char *
rules_cfg_action_name(enum cfg_action a)
{
	if ((unsigned int)a < ARRAY_LEN(action_names))
		return action_names[a];
	return "unknown";
}

/* ---------------------------------------------------------------------------------------------- */
/* Rules changed at run time (the console's "add rule" / "del rule") */

/* The block of a config to edit, or NULL with a message when it was loaded without it. */
static struct rules_cfg *
rules_edit_blk(struct stp_config *cfg, char err[CFG_ERR_LEN])
{
	struct rules_cfg *rc =
			(struct rules_cfg *)(uintptr_t)cfg_section_get(cfg, &rules_cfg_section);

	if (rc == NULL)
		cfg_errf(cfg, err, "rules", "this configuration was loaded without rules");
	return rc;
}

int
rules_cfg_insert(struct stp_config *cfg, const char *rule_json, int index, char err[CFG_ERR_LEN])
{
	char p[CFG_JPATH_LEN], q[CFG_JPATH_LEN];
	struct rules_cfg *rs;
	struct cfg_loader *l;
	json_t *v;
	uint16_t n, k;
	int rc;

	err[0] = '\0';
	rs = rules_edit_blk(cfg, err);
	if (rs == NULL)
		return -EINVAL;
	n = rs->nb_rules;
	if (index < 0)
		index = n;
	if (n >= CFG_MAX_RULES)
		return cfg_errf(cfg, err, "rules", "already %u rules, the maximum", CFG_MAX_RULES);
	if (index > n)
		return cfg_errf(cfg, err, "rules", "index %d is out of range [0..%u]", index, n);
	cfg_jp_idx(p, "rules", (size_t)index);
	v = cfg_json_parse(cfg, rule_json, p, err);
	if (v == NULL)
		return -EINVAL;
	l = cfg_loader_new(cfg, err);
	if (l == NULL) {
		json_decref(v);
		return -ENOMEM;
	}
	memmove(&rs->rules[index + 1], &rs->rules[index], (n - index) * sizeof(rs->rules[0]));
	memset(&rs->rules[index], 0, sizeof(rs->rules[index]));
	rc = parse_rule(l, rs, &rs->rules[index], (size_t)index, v, p);
	/* parse_rule() compares the name with the rules before; the ones after moved up by one. */
	for (k = index + 1; rc == 0 && k <= n; k++)
		if (strcmp(rs->rules[k].name, rs->rules[index].name) == 0)
			rc = cfg_lerr(l, cfg_jp_key(q, p, "name"),
					"\"%s\" is already the name of rules[%u]",
					rs->rules[index].name, k);
	if (rc == 0) {
		rs->nb_rules = n + 1;
		rc = cfg_check_tx_queues(l);
	}
	if (rc != 0) {
		memmove(&rs->rules[index], &rs->rules[index + 1],
				(n - index) * sizeof(rs->rules[0]));
		rs->nb_rules = n;
	}
	cfg_loader_free(l);
	json_decref(v);
	return rc;
}

int
rules_cfg_delete(struct stp_config *cfg, const char *name, char err[CFG_ERR_LEN])
{
	struct rules_cfg *rs;
	struct cfg_rule saved;
	struct cfg_loader *l;
	uint16_t n, i;
	int rc;

	err[0] = '\0';
	rs = rules_edit_blk(cfg, err);
	if (rs == NULL)
		return -EINVAL;
	n = rs->nb_rules;
	for (i = 0; i < n; i++)
		if (strcmp(rs->rules[i].name, name) == 0)
			break;
	if (i == n)
		return n == 0 ? cfg_errf(cfg, err, "rules",
						"no rule is named \"%s\" (there are none)", name) :
				cfg_errf(cfg, err, "rules", "no rule is named \"%s\"", name);
	l = cfg_loader_new(cfg, err);
	if (l == NULL)
		return -ENOMEM;
	saved = rs->rules[i];
	memmove(&rs->rules[i], &rs->rules[i + 1], (n - i - 1) * sizeof(rs->rules[0]));
	rs->nb_rules = n - 1;
	/* Fewer rules never need more TX queues, but the checks are the loader's to make. */
	rc = cfg_check_tx_queues(l);
	if (rc != 0) {
		memmove(&rs->rules[i + 1], &rs->rules[i], (n - i - 1) * sizeof(rs->rules[0]));
		rs->rules[i] = saved;
		rs->nb_rules = n;
	}
	cfg_loader_free(l);
	return rc;
}
