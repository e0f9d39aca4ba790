/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The outputs feature's console commands: show outputs and capture start|stop OUTPUT, and the
 * actions behind them, reached through the console's struct stp_cmd_env.
 */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline_parse_string.h>

#include "feature_cmd.h"
#include "outputs_cfg.h"
#include "outputs_cmds.h"
#include "pcapng.h"
#include "pipeline.h"
#include "sat.h"
#include "table.h"

void
outputs_clear(struct stp_pipeline *pl)
{
	struct outputs_base *b = pl->fpriv[outputs_k];
	struct outputs_stats *raw = stp_feature_stats(pl, outputs_k);

	if (b == NULL || raw == NULL) {
		free(raw);
		return;
	}
	for (unsigned int o = 0; o < pl->nb_outputs; o++) {
		b->pkts[o] = raw->pkts[o];
		b->drops[o] = raw->drops[o];
		stp_output_stats(pl, o, &b->ws[o]);
	}
	free(raw);
}

json_t *
stp_outputs_json(const struct stp_pipeline *pl)
{
	static const struct outputs_base zero;
	const struct outputs_base *base = pl->fpriv[outputs_k];
	struct outputs_stats *raw = stp_feature_stats(pl, outputs_k);
	uint64_t paused;
	json_t *a;

	if (raw == NULL)
		return NULL;
	if (base == NULL)
		base = &zero;
	paused = __atomic_load_n(&pl->out_paused, __ATOMIC_RELAXED);
	a = json_array();
	for (unsigned int o = 0; o < pl->nb_outputs; o++) {
		const struct cfg_output *co = &outputs_cfg_of(pl->cfg)->outputs[o];
		const struct pcapng_stats *b = &base->ws[o];
		struct pcapng_stats ws;
		char file[CFG_PATH_LEN + 64] = "";

		stp_output_stats(pl, o, &ws);
		if (!pl->outputs_closed)
			pcapng_writer_path(pl->outputs[o], file, sizeof(file));
		json_array_append_new(a,
				json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I}",
						"name", co->name, "type",
						outputs_cfg_type_name(co->type), "path", co->path,
						"file", file, "paused", (paused >> (32 + o)) & 1,
						"accepted",
						(json_int_t)sat_sub(raw->pkts[o], base->pkts[o]),
						"refused",
						(json_int_t)sat_sub(raw->drops[o], base->drops[o]),
						"written", (json_int_t)sat_sub(ws.pkts, b->pkts),
						"bytes", (json_int_t)sat_sub(ws.bytes, b->bytes),
						"files", (json_int_t)sat_sub(ws.files, b->files),
						"write_errors",
						(json_int_t)sat_sub(
								ws.write_errors, b->write_errors)));
	}
	free(raw);
	return a;
}

static void
render_outputs(const json_t *a, FILE *f)
{
	struct table t;
	size_t i;
	const json_t *o;

	if (json_array_size(a) == 0) {
		fprintf(f, "no outputs\n");
		return;
	}
	tbl_init(&t,
			"output|type|state|<accepted|<refused|<written|<bytes|<files|<write-errors|"
			"path|file");
	json_array_foreach(a, i, o) {
		tbl_cell(&t, "%s", stp_json_str(o, "name"));
		tbl_cell(&t, "%s", stp_json_str(o, "type"));
		tbl_cell(&t, "%s",
				json_is_true(json_object_get(o, "paused")) ? "paused" :
									     "capturing");
		tbl_u64(&t, stp_json_u64(o, "accepted"));
		tbl_u64(&t, stp_json_u64(o, "refused"));
		tbl_u64(&t, stp_json_u64(o, "written"));
		tbl_u64(&t, stp_json_u64(o, "bytes"));
		tbl_u64(&t, stp_json_u64(o, "files"));
		tbl_u64(&t, stp_json_u64(o, "write_errors"));
		tbl_cell(&t, "%s", stp_json_str(o, "path"));
		tbl_cell(&t, "%s", stp_json_str(o, "file")[0] ? stp_json_str(o, "file") : "-");
	}
	tbl_print(&t, f);
}

/* show outputs */
static void
show_outputs_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct stp_cmd_env *env = stp_cmd_env();
	json_t *v;

	(void)parsed;
	(void)data;
	env->lock(env->ctl);
	v = stp_outputs_json(env->pl);
	env->unlock(env->ctl);
	env->show(cl, v, render_outputs, NULL);
}

struct show_result {
	cmdline_fixed_string_t w0;
	cmdline_fixed_string_t w1;
};

static cmdline_parse_token_string_t tok_show =
		TOKEN_STRING_INITIALIZER(struct show_result, w0, "show");
static cmdline_parse_token_string_t tok_show_outputs =
		TOKEN_STRING_INITIALIZER(struct show_result, w1, "outputs");

static cmdline_parse_inst_t cmd_show_outputs = {
	.f = show_outputs_parsed,
	.data = NULL,
	.help_str = "show outputs: capture outputs: state, counters, file being written",
	.tokens = { (void *)&tok_show, (void *)&tok_show_outputs, NULL },
};

int
stp_outputs_capture(struct stp_pipeline *pl, const char *output, bool run, char *err, size_t len)
{
	const struct stp_config *cfg = pl->cfg;
	uint64_t bit;

	err[0] = '\0';
	for (unsigned int o = 0; o < pl->nb_outputs; o++) {
		if (strcmp(outputs_cfg_of(cfg)->outputs[o].name, output) != 0)
			continue;
		bit = 1ULL << (32 + o);
		if (run)
			__atomic_fetch_and(&pl->out_paused, ~bit, __ATOMIC_RELEASE);
		else
			__atomic_fetch_or(&pl->out_paused, bit, __ATOMIC_RELEASE);
		/* Every lcore reads the bits once per burst: two iterations and all have seen it.
		 */
		if (stp_pipeline_quiesce(pl, 1000) != 0)
			snprintf(err, len,
					"warning: an lcore did not move on within 1 s; the change "
					"applies when it does");
		return 0;
	}
	if (pl->nb_outputs == 0)
		snprintf(err, len, "no output \"%s\": the configuration has no outputs", output);
	else
		snprintf(err, len, "no output \"%s\" (see show outputs)", output);
	return -ENOENT;
}

json_t *
stp_outputs_names(const struct stp_cmd_env *env)
{
	const struct stp_pipeline *pl = env->pl;
	json_t *a = json_array();

	env->lock(env->ctl);
	for (unsigned int o = 0; o < pl->nb_outputs; o++)
		json_array_append_new(a, json_string(outputs_cfg_of(pl->cfg)->outputs[o].name));
	env->unlock(env->ctl);
	return a;
}

struct capture_result {
	cmdline_fixed_string_t w0;
	cmdline_fixed_string_t w1;
	cmdline_fixed_string_t output;
};

/* capture start|stop OUTPUT */
static void
capture_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct stp_cmd_env *env = stp_cmd_env();
	struct capture_result *r = parsed;
	bool run = strcmp(r->w1, "start") == 0;
	char err[CFG_ERR_LEN];
	int rc;

	(void)data;
	env->lock(env->ctl);
	rc = stp_outputs_capture(env->pl, r->output, run, err, sizeof(err));
	env->unlock(env->ctl);
	if (rc != 0) {
		env->error(cl, "error: ", err);
		return;
	}
	if (err[0] != '\0')
		cmdline_printf(cl, "%s\n", err);
	cmdline_printf(cl, "output %s: %s\n", r->output, run ? "capturing" : "paused");
}

static cmdline_parse_token_string_t tok_capture =
		TOKEN_STRING_INITIALIZER(struct capture_result, w0, "capture");
static cmdline_parse_token_string_t tok_start_stop =
		TOKEN_STRING_INITIALIZER(struct capture_result, w1, "start#stop");
static struct stp_name_token tok_output = STP_NAME_TOKEN(
		struct capture_result, output, stp_outputs_names, "output name", false);

static cmdline_parse_inst_t cmd_capture = {
	.f = capture_parsed,
	.data = NULL,
	.help_str = "capture start|stop OUTPUT: resume or pause a capture output",
	.tokens = { (void *)&tok_capture, (void *)&tok_start_stop, (void *)&tok_output, NULL },
};

cmdline_parse_inst_t *const stp_outputs_cmds[] = { &cmd_show_outputs, &cmd_capture, NULL };
