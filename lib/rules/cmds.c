/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The rules feature's control actions and console commands: show rules, add rule [at N]
 * JSON|@FILE, del rule NAME. A rule change goes through the config loader's own code on a copy
 * of the running configuration (rules_cfg_insert(), rules_cfg_delete()), which the console's
 * struct stp_cmd_env (lib/ctl's ctl_cfg_edit()) then puts in place of the running one.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <rte_common.h>

#include "feature_cmd.h"
#include "pipeline.h"
#include "rules_rt.h"
#include "rules_cmds.h"
#include "sat.h"
#include "table.h"

void
rules_clear(struct stp_pipeline *pl)
{
	uint64_t *base = pl->fpriv[rules_k];
	struct rules_stats *raw = stp_feature_stats(pl, rules_k);

	if (base == NULL || raw == NULL) {
		free(raw);
		return;
	}
	for (unsigned int r = 0; r <= STP_RULE_SLOTS; r++)
		base[r] = raw->pkts[r];
	free(raw);
}

/*
 * What rule @p rn->r[i] matched since the start or the last clear: the lcores count per slot,
 * which a name holds for the life of the process; a slot that a new name took since the
 * clear counts from its own base.
 */
static uint64_t
rule_shown(const struct stp_pipeline *pl, const struct rules_stats *raw,
		const struct stp_rule_names *rn, unsigned int i)
{
	const uint64_t *clear = pl->fpriv[rules_k];
	uint16_t slot = rn->r[i].slot;

	return sat_sub(raw->pkts[slot], RTE_MAX(rn->r[i].base, clear != NULL ? clear[slot] : 0));
}

static json_t *
jint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

json_t *
stp_rules_json(const struct stp_pipeline *pl)
{
	struct rules_stats *raw = stp_feature_stats(pl, rules_k);
	const struct stp_config *cfg = pl->cfg;
	const struct stp_rule_names *rn;
	json_t *a;

	if (raw == NULL)
		return NULL;
	rn = stp_rule_names_get(pl);
	a = json_array();
	for (unsigned int i = 0; i < rules_cfg_of(cfg)->nb_rules; i++) {
		const struct cfg_rule *r = &rules_cfg_of(cfg)->rules[i];
		uint32_t all = cfg->nb_ports >= 32 ? UINT32_MAX : (1u << cfg->nb_ports) - 1;
		int k = stp_rule_names_find(rn, r->name);
		json_t *in = json_array(), *o;

		for (unsigned int p = 0; p < cfg->nb_ports; p++)
			if (r->in_mask & (1u << p))
				json_array_append_new(in, json_string(cfg->ports[p].name));
		o = json_object();
		json_object_set_new(o, "index", jint(i));
		json_object_set_new(o, "name", json_string(r->name));
		json_object_set_new(o, "in", in);
		json_object_set_new(o, "all_ports", json_boolean((r->in_mask & all) == all));
		json_object_set_new(o, "filter", json_string(r->filter));
		json_object_set_new(o, "action", json_string(rules_cfg_action_name(r->action)));
		json_object_set_new(o, "out",
				json_string(r->action == CFG_ACTION_FORWARD ?
								cfg_target_name(cfg, &r->out) :
								""));
		json_object_set_new(o, "continue", json_boolean(r->cont));
		json_object_set_new(o, "snaplen", jint(r->snaplen));
		json_object_set_new(o, "vlan",
				json_string(r->vlan == CFG_VLAN_STRIP ? "strip" : "keep"));
		json_object_set_new(o, "matched", jint(k >= 0 ? rule_shown(pl, raw, rn, k) : 0));
		json_array_append_new(a, o);
	}
	free(raw);
	return a;
}

json_t *
stp_rules_deleted_json(const struct stp_pipeline *pl)
{
	struct rules_stats *raw = stp_feature_stats(pl, rules_k);
	const struct stp_rule_names *rn;
	json_t *a;

	if (raw == NULL)
		return NULL;
	rn = stp_rule_names_get(pl);
	a = json_array();
	for (unsigned int i = rn != NULL ? rn->nb_live : 0; rn != NULL && i < rn->nb; i++)
		json_array_append_new(a,
				json_pack("{s:s, s:s, s:I}", "name", rn->r[i].name, "action",
						rules_cfg_action_name(rn->r[i].action), "matched",
						(json_int_t)rule_shown(pl, raw, rn, i)));
	free(raw);
	return a;
}

/*
 * Put the rules of @p next (a copy of the running configuration, rules only differ) in
 * place. The per-rule counts follow the rules by name on their own: each name keeps its
 * counter slot (struct stp_rule_names), so what matched during the switch itself counts under
 * the rule that matched it.
 */
static int
rules_apply(struct stp_pipeline *pl, struct stp_config *next, char err[CFG_ERR_LEN])
{
	struct stp_rules_rt *rs;
	char rerr[CFG_ERR_LEN] = "";
	int rc;

	rs = stp_rules_prepare(pl, next, rerr, sizeof(rerr));
	if (rs == NULL) {
		/* "rules[3].filter: ...": in the config's own shape, "<file>: <path>: ..." */
		char *sep = strstr(rerr, ": ");

		if (sep != NULL) {
			*sep = '\0';
			cfg_errf(next, err, rerr, "%s", sep + 2);
		} else {
			cfg_errf(next, err, "rules", "%s", rerr);
		}
		return -EINVAL;
	}
	rc = stp_rules_publish(pl, next, rs, rerr, sizeof(rerr));
	if (rerr[0] != '\0')
		snprintf(err, CFG_ERR_LEN, "warning: %s", rerr);
	return rc;
}

struct rule_edit {
	const char *json; /* add: the rule */
	int index;	  /* add: where (-1: append) */
	const char *name; /* del: the rule */
};

static int
rule_add_edit(struct stp_pipeline *pl, struct stp_config *next, void *arg, char err[CFG_ERR_LEN])
{
	const struct rule_edit *e = arg;
	int rc = rules_cfg_insert(next, e->json, e->index, err);

	return rc != 0 ? rc : rules_apply(pl, next, err);
}

static int
rule_del_edit(struct stp_pipeline *pl, struct stp_config *next, void *arg, char err[CFG_ERR_LEN])
{
	const struct rule_edit *e = arg;
	int rc = rules_cfg_delete(next, e->name, err);

	return rc != 0 ? rc : rules_apply(pl, next, err);
}

int
stp_rule_add(const struct stp_cmd_env *env, const char *rule_json, int index, char err[CFG_ERR_LEN])
{
	struct rule_edit e = { .json = rule_json, .index = index };

	return env->cfg_edit(env->ctl, rule_add_edit, &e, err);
}

int
stp_rule_del(const struct stp_cmd_env *env, const char *name, char err[CFG_ERR_LEN])
{
	struct rule_edit e = { .name = name };

	return env->cfg_edit(env->ctl, rule_del_edit, &e, err);
}

json_t *
stp_rules_names(const struct stp_cmd_env *env)
{
	json_t *a = json_array();

	env->lock(env->ctl);
	for (unsigned int i = 0; i < rules_cfg_of(env->pl->cfg)->nb_rules; i++)
		json_array_append_new(a, json_string(rules_cfg_of(env->pl->cfg)->rules[i].name));
	env->unlock(env->ctl);
	return a;
}

static void
render_rules(const json_t *a, FILE *f)
{
	struct table t;
	size_t i;
	const json_t *r;
	char in[512];

	if (json_array_size(a) == 0) {
		fprintf(f, "no rules: every packet is dropped (no_rule)\n");
		return;
	}
	tbl_init(&t, "<#|name|in|action|out|continue|<snaplen|vlan|<matched|filter");
	json_array_foreach(a, i, r) {
		tbl_join(json_object_get(r, "in"), in, sizeof(in));
		tbl_u64(&t, stp_json_u64(r, "index"));
		tbl_cell(&t, "%s", stp_json_str(r, "name"));
		tbl_cell(&t, "%s", json_is_true(json_object_get(r, "all_ports")) ? "*" : in);
		tbl_cell(&t, "%s", stp_json_str(r, "action"));
		tbl_cell(&t, "%s", stp_json_str(r, "out")[0] ? stp_json_str(r, "out") : "-");
		tbl_cell(&t, "%s", json_is_true(json_object_get(r, "continue")) ? "yes" : "no");
		if (stp_json_u64(r, "snaplen") != 0)
			tbl_u64(&t, stp_json_u64(r, "snaplen"));
		else
			tbl_cell(&t, "-");
		tbl_cell(&t, "%s", stp_json_str(r, "vlan"));
		tbl_u64(&t, stp_json_u64(r, "matched"));
		tbl_cell(&t, "%s",
				stp_json_str(r, "filter")[0] ? stp_json_str(r, "filter") :
							       "(every packet)");
	}
	tbl_print(&t, f);
}

/*
 * The rules in place, then one line for the deleted ones: their counters are kept under their
 * names (a second table would read as rules in place).
 */
static void
render_rules_all(const json_t *v, FILE *f)
{
	const json_t *gone = json_object_get(v, "deleted"), *r;
	size_t i;

	render_rules(json_object_get(v, "rules"), f);
	if (json_array_size(gone) == 0)
		return;
	fprintf(f, "deleted rules (counters kept):");
	json_array_foreach(gone, i, r)
		fprintf(f, " %s=%" PRIu64, stp_json_str(r, "name"), stp_json_u64(r, "matched"));
	fprintf(f, "\n");
}

/* show rules */
static void
show_rules_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct stp_cmd_env *env = stp_cmd_env();
	json_t *live, *gone;

	(void)parsed;
	(void)data;
	env->lock(env->ctl);
	live = stp_rules_json(env->pl);
	gone = stp_rules_deleted_json(env->pl);
	env->unlock(env->ctl);
	env->show(cl,
			live != NULL && gone != NULL ?
					json_pack("{s:O, s:O}", "rules", live, "deleted", gone) :
					NULL,
			render_rules_all, NULL);
	json_decref(live);
	json_decref(gone);
}

struct rule_result {
	cmdline_fixed_string_t w0;
	cmdline_fixed_string_t w1;
	cmdline_fixed_string_t w2;
	cmdline_fixed_string_t arg;
	uint16_t at;
	char json[1024]; /* a line holds at most ~500 characters (librte_cmdline's buffer) */
};

/* A token that is one fixed word (or one of "a#b") stored in field @p fld. */
#define WORD(fld, words) TOKEN_STRING_INITIALIZER(struct rule_result, fld, words)

static cmdline_parse_token_string_t tok_show = WORD(w0, "show");
static cmdline_parse_token_string_t tok_rules = WORD(w1, "rules");
static struct stp_name_token tok_rule_name =
		STP_NAME_TOKEN(struct rule_result, arg, stp_rules_names, "rule name", false);

static cmdline_parse_inst_t cmd_show_rules = {
	.f = show_rules_parsed,
	.data = NULL,
	.help_str = "show rules: rules in order, with the packets each matched",
	.tokens = { (void *)&tok_show, (void *)&tok_rules, NULL },
};

/* A rule file for "add rule @FILE": its whole content, NUL-terminated (free()), or NULL. */
#define RULE_FILE_MAX (1u << 20)

static char *
read_rule_file(const char *path, char err[CFG_ERR_LEN])
{
	FILE *f = fopen(path, "r");
	char *text;
	size_t n;

	if (f == NULL) {
		snprintf(err, CFG_ERR_LEN, "add rule @%s: %s", path, strerror(errno));
		return NULL;
	}
	text = malloc(RULE_FILE_MAX + 1);
	if (text == NULL) {
		fclose(f);
		snprintf(err, CFG_ERR_LEN, "add rule @%s: out of memory", path);
		return NULL;
	}
	n = fread(text, 1, RULE_FILE_MAX + 1, f);
	if (ferror(f) || n > RULE_FILE_MAX) {
		snprintf(err, CFG_ERR_LEN, "add rule @%s: %s", path,
				ferror(f) ? strerror(errno) : "larger than 1 MiB");
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	text[n] = '\0';
	return text;
}

/* add rule [at N] JSON|@FILE */
static void
cmd_add_rule_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct stp_cmd_env *env = stp_cmd_env();
	struct rule_result *r = parsed;
	int index = data != NULL ? r->at : -1;
	char err[CFG_ERR_LEN] = "";
	char *text = NULL;
	json_t *rules;
	int rc;

	/* @FILE: the rule's JSON is that file's content (for rules longer than a line holds). */
	if (r->json[0] == '@') {
		text = read_rule_file(r->json + 1, err);
		if (text == NULL) {
			env->error(cl, "error: ", err);
			return;
		}
	}
	rc = stp_rule_add(env, text != NULL ? text : r->json, index, err);
	free(text);
	if (rc != 0) {
		env->error(cl, "", err);
		return;
	}
	if (err[0] != '\0')
		cmdline_printf(cl, "%s\n", err);
	/* Say which name and index the rule got (the name may be the default "rule<i>"). */
	env->lock(env->ctl);
	rules = stp_rules_json(env->pl);
	env->unlock(env->ctl);
	if (rules != NULL) {
		size_t n = json_array_size(rules);
		size_t i = index >= 0 && (size_t)index < n ? (size_t)index : n - 1;

		cmdline_printf(cl, "rule %s added at index %zu\n",
				stp_json_str(json_array_get(rules, i), "name"), i);
	}
	json_decref(rules);
}

static cmdline_parse_token_string_t tok_add = WORD(w0, "add");
static cmdline_parse_token_string_t tok_rule = WORD(w1, "rule");
static cmdline_parse_token_string_t tok_at = WORD(w2, "at");
static cmdline_parse_token_num_t tok_at_n =
		TOKEN_NUM_INITIALIZER(struct rule_result, at, RTE_UINT16);

/*
 * A JSON object: the rest of the line, from a '{'. A token of its own rather than
 * TOKEN_STRING_MULTI, so that "add rule at 2 {...}" is not also "add rule <JSON>" (ambiguous),
 * and so that a '#' inside the JSON (a comment character for cmdline) is kept.
 */
static int
json_tok_parse(cmdline_parse_token_hdr_t *tk, const char *buf, void *res, unsigned int ressize)
{
	size_t n = 0;

	if (buf == NULL || (buf[0] != '{' && buf[0] != '@'))
		return -1;
	if (buf[0] == '@') {
		/* @FILE: one word, the path. */
		while (buf[n] != '\0' && !isspace((unsigned char)buf[n]))
			n++;
		if (n == 1)
			return -1;
	} else {
		while (buf[n] != '\0' && buf[n] != '\n' && buf[n] != '\r')
			n++;
	}
	if (res != NULL) {
		if (n >= ressize || n >= sizeof(((struct rule_result *)0)->json))
			return -1;
		memcpy(res, buf, n);
		((char *)res)[n] = '\0';
	}
	return (int)n;
}

static int
json_tok_help(cmdline_parse_token_hdr_t *tk, char *buf, unsigned int size)
{
	snprintf(buf, size, "a JSON object on one line: {\"name\": ...}, or @FILE holding it");
	return 0;
}

static struct cmdline_token_ops json_tok_ops = {
	.parse = json_tok_parse,
	.get_help = json_tok_help,
};

static cmdline_parse_token_hdr_t tok_json = {
	.ops = &json_tok_ops,
	.offset = offsetof(struct rule_result, json),
};

static cmdline_parse_inst_t cmd_add_rule_at = {
	.f = cmd_add_rule_parsed,
	.data = (void *)1,
	.help_str = "add rule at INDEX JSON|@FILE: insert the rule before rules[INDEX]",
	.tokens = { (void *)&tok_add, (void *)&tok_rule, (void *)&tok_at, (void *)&tok_at_n,
			(void *)&tok_json, NULL },
};

static cmdline_parse_inst_t cmd_add_rule = {
	.f = cmd_add_rule_parsed,
	.data = NULL,
	.help_str = "add rule JSON|@FILE: append a rule, e.g. add rule {\"name\":\"web\",\"filter\":"
		    "\"tcp port 80\",\"action\":\"forward\",\"out\":\"b\"}; @FILE reads the JSON from "
		    "FILE (relative to stampede's working directory)",
	.tokens = { (void *)&tok_add, (void *)&tok_rule, (void *)&tok_json, NULL },
};

/* del rule NAME */
static void
cmd_del_rule_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct stp_cmd_env *env = stp_cmd_env();
	struct rule_result *r = parsed;
	char err[CFG_ERR_LEN] = "";

	if (stp_rule_del(env, r->arg, err) != 0) {
		env->error(cl, "", err);
		return;
	}
	if (err[0] != '\0')
		cmdline_printf(cl, "%s\n", err);
	cmdline_printf(cl, "rule %s deleted\n", r->arg);
}

static cmdline_parse_token_string_t tok_del = WORD(w0, "del");

static cmdline_parse_inst_t cmd_del_rule = {
	.f = cmd_del_rule_parsed,
	.data = NULL,
	.help_str = "del rule NAME: delete the rule called NAME",
	.tokens = { (void *)&tok_del, (void *)&tok_rule, (void *)&tok_rule_name, NULL },
};

cmdline_parse_inst_t *const stp_rules_cmds[] = {
	&cmd_show_rules,
	&cmd_add_rule_at,
	&cmd_add_rule,
	&cmd_del_rule,
	NULL,
};
