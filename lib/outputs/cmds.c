/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The outputs feature's console commands: capture start|stop OUTPUT, and the action behind it
 * (pause or resume a capture output), reached through the console's struct stp_cmd_env.
 */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmdline_parse_string.h>

#include "feature_cmd.h"
#include "outputs_cmds.h"
#include "pipeline.h"

int
stp_outputs_capture(struct stp_pipeline *pl, const char *output, bool run, char *err, size_t len)
{
	const struct stp_config *cfg = pl->cfg;
	uint64_t bit;

	err[0] = '\0';
	for (unsigned int o = 0; o < pl->nb_outputs; o++) {
		if (strcmp(cfg->outputs[o].name, output) != 0)
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
		json_array_append_new(a, json_string(pl->cfg->outputs[o].name));
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

cmdline_parse_inst_t *const stp_outputs_cmds[] = { &cmd_capture, NULL };
