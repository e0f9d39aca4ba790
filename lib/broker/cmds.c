/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The broker feature's own console commands: show nodes NODE (the remote sources of one node)
 * and replay OUTPUT [FILE] (the dead letters of a reliable stampede output, sent again),
 * reached through the console's struct stp_cmd_env. "show nodes" itself is the generic
 * show <view> of the broker's ui (views.c).
 */

#include <stdio.h>
#include <string.h>

#include <cmdline_parse_string.h>

#include "broker_cmds.h"
#include "broker_rel.h"
#include "feature_cmd.h"
#include "outputs_cfg.h"
#include "pipeline.h"

/* The broker's view under the control lock ({"enabled": false} when off). */
static json_t *
nodes_view(const struct stp_cmd_env *env)
{
	json_t *v;

	env->lock(env->ctl);
	v = stp_feature_view_key(env->pl, "broker", "broker");
	env->unlock(env->ctl);
	return v != NULL ? v : json_pack("{s:b}", "enabled", 0);
}

/* The ids of the nodes heard from, for Tab completion: a node sends one or more streams. */
static json_t *
node_names(const struct stp_cmd_env *env)
{
	json_t *src = nodes_view(env), *a = json_array(), *e;
	size_t i;

	json_array_foreach(json_object_get(src, "nodes"), i, e) {
		char id[24];
		bool dup = false;

		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
				json_integer_value(json_object_get(e, "node")));
		for (size_t j = 0; j < json_array_size(a) && !dup; j++)
			dup = strcmp(json_string_value(json_array_get(a, j)), id) == 0;
		if (!dup)
			json_array_append_new(a, json_string(id));
	}
	json_decref(src);
	return a;
}

/* The outputs' names, for Tab completion of replay. */
static json_t *
output_names(const struct stp_cmd_env *env)
{
	const struct stp_config *cfg = env->pl->cfg;
	json_t *a = json_array();

	env->lock(env->ctl);
	for (unsigned int o = 0; o < outputs_cfg_of(cfg)->nb_outputs; o++)
		json_array_append_new(a, json_string(outputs_cfg_of(cfg)->outputs[o].name));
	env->unlock(env->ctl);
	return a;
}

struct broker_cmd_result {
	cmdline_fixed_string_t w0;
	cmdline_fixed_string_t w1;
	cmdline_fixed_string_t arg;
	cmdline_fixed_string_t w2;
};

/* show nodes NODE: the same as show nodes, the remote sources of one node only */
static void
show_node_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct stp_cmd_env *env = stp_cmd_env();
	struct broker_cmd_result *r = parsed;
	json_t *v = nodes_view(env), *keep = json_array(), *e;
	size_t i;

	(void)data;
	json_array_foreach(json_object_get(v, "nodes"), i, e) {
		char id[24];

		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
				json_integer_value(json_object_get(e, "node")));
		if (strcmp(id, r->arg) == 0)
			json_array_append(keep, e);
	}
	if (v != NULL && json_array_size(keep) == 0) {
		cmdline_printf(cl, "error: no node %s (show nodes lists the nodes heard from)\n",
				r->arg);
		json_decref(keep);
		json_decref(v);
		return;
	}
	if (v != NULL)
		json_object_set_new(v, "nodes", keep);
	else
		json_decref(keep);
	env->show(cl, v, broker_render, NULL);
}

/* replay OUTPUT [FILE]: the dead letters of a reliable stampede output, sent again. */
static void
replay_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct stp_cmd_env *env = stp_cmd_env();
	struct broker_cmd_result *r = parsed;
	char err[CFG_ERR_LEN] = "";
	json_t *v;

	env->lock(env->ctl);
	v = brel_replay(env->pl, r->arg, data != NULL ? r->w2 : NULL, err, sizeof(err));
	env->unlock(env->ctl);
	if (v == NULL) {
		env->error(cl, "error: ", err);
		return;
	}
	cmdline_printf(cl, "output %s: replayed %" JSON_INTEGER_FORMAT " datagrams from %s\n",
			r->arg, json_integer_value(json_object_get(v, "replayed")),
			json_string_value(json_object_get(v, "file")));
	json_decref(v);
}

static cmdline_parse_token_string_t tok_show =
		TOKEN_STRING_INITIALIZER(struct broker_cmd_result, w0, "show");
static cmdline_parse_token_string_t tok_nodes =
		TOKEN_STRING_INITIALIZER(struct broker_cmd_result, w1, "nodes");
static struct stp_name_token tok_node =
		STP_NAME_TOKEN(struct broker_cmd_result, arg, node_names, "node id", false);

static cmdline_parse_inst_t cmd_show_node = {
	.f = show_node_parsed,
	.data = NULL,
	.help_str = "show nodes NODE: the same for one remote node (its id)",
	.tokens = { (void *)&tok_show, (void *)&tok_nodes, (void *)&tok_node, NULL },
};

static cmdline_parse_token_string_t tok_replay =
		TOKEN_STRING_INITIALIZER(struct broker_cmd_result, w0, "replay");
static struct stp_name_token tok_output =
		STP_NAME_TOKEN(struct broker_cmd_result, arg, output_names, "output name", false);
static cmdline_parse_token_string_t tok_file =
		TOKEN_STRING_INITIALIZER(struct broker_cmd_result, w2, NULL);

static cmdline_parse_inst_t cmd_replay = {
	.f = replay_parsed,
	.data = NULL,
	.help_str = "replay OUTPUT: re-send the dead letters (spool) of a reliable stampede output",
	.tokens = { (void *)&tok_replay, (void *)&tok_output, NULL },
};

static cmdline_parse_inst_t cmd_replay_file = {
	.f = replay_parsed,
	.data = (void *)1,
	.help_str = "replay OUTPUT FILE: re-send the stampede datagrams of a pcapng spool file",
	.tokens = { (void *)&tok_replay, (void *)&tok_output, (void *)&tok_file, NULL },
};

cmdline_parse_inst_t *const broker_cmds[] = { &cmd_show_node, &cmd_replay, &cmd_replay_file, NULL };
