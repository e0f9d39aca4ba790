/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The probe feature's console commands (struct stp_feature_ui.cmds): show latency|probes,
 * show latency STREAM, probe start|stop STREAM|all, probe rate STREAM RATE and save latency
 * STREAM|all FILE; the control actions behind them (they were lib/ctl's ctl_probes,
 * ctl_latency, ctl_probe_run, ctl_probe_rate and ctl_latency_save), and the text the console
 * prints of the streams and of the measured latency. The commands reach the pipeline and the
 * control lock through the console's struct stp_cmd_env.
 */

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmdline_parse_string.h>

#include "feature_cmd.h"
#include "probe_rt.h"
#include "table.h"

/* Actions (the caller holds the control lock) -------------------------------------------- */

json_t *
stp_probe_ctl_probes(const struct stp_pipeline *pl)
{
	json_t *o = json_object();

	json_object_set_new(o, "streams", stp_probe_streams_json(pl));
	json_object_set_new(o, "receiver", stp_probe_rx_json(pl));
	return o;
}

int
stp_probe_ctl_run(struct stp_pipeline *pl, const char *which, bool run, char *err, size_t len)
{
	int rc = stp_probe_run(pl, which, run);

	err[0] = '\0';
	if (rc != 0)
		snprintf(err, len, "no probe stream \"%s\" (a name, a stream id or all)", which);
	return rc;
}

int
stp_probe_ctl_rate(
		struct stp_pipeline *pl, const char *which, const char *rate, char *err, size_t len)
{
	char *end;
	unsigned long long r;
	int rc;

	err[0] = '\0';
	if (strcmp(rate, "max") == 0) {
		r = 0;
	} else {
		errno = 0;
		r = strtoull(rate, &end, 10);
		if (errno != 0 || *end != '\0' || rate[0] == '-' || r == 0) {
			snprintf(err, len,
					"\"%s\" is not a rate (packets or bits per second > 0, or max)",
					rate);
			return -EINVAL;
		}
	}
	rc = stp_probe_set_rate(pl, which, r);
	if (rc == -ENOENT)
		snprintf(err, len, "no probe stream \"%s\" (a name, a stream id or all)", which);
	else if (rc != 0)
		snprintf(err, len, "%s is out of range (max 4e11)", rate);
	return rc;
}

int
stp_probe_ctl_save(const struct stp_pipeline *pl, const char *which, const char *path, char *err,
		size_t len)
{
	const char *slash;
	char dir[4096];
	int rc;

	err[0] = '\0';
	/* The file's directory first: its errors are not "nothing measured". */
	slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (access(dir, W_OK | X_OK) != 0) {
		rc = -errno;
		snprintf(err, len, "cannot write %s: %s", path, strerror(-rc));
		return rc;
	}
	rc = stp_probe_save(pl, which, path, false);
	if (rc == -ENOENT)
		snprintf(err, len, "nothing measured for \"%s\"", which);
	else if (rc == -EINVAL)
		snprintf(err, len,
				"a CSV file holds one histogram: name one stream and direction "
				"(\"%s\" has several)",
				which);
	else if (rc < 0)
		snprintf(err, len, "cannot write %s: %s", path, strerror(-rc));
	return rc;
}

/* Text ------------------------------------------------------------------------------------ */

static void
render_probes(const json_t *o, FILE *f)
{
	const json_t *a = json_object_get(o, "streams"), *rx = json_object_get(o, "receiver");
	const json_t *e, *ign;
	const char *k;
	struct table t;
	size_t i;

	tbl_init(&t,
			"stream|id|port|running|unit|requested|rate-last|rate-avg|tx-packets|active-s|"
			"impair-drop|impair-dup|behind");
	json_array_foreach(a, i, e) {
		tbl_cell(&t, "%s", stp_json_str(e, "name"));
		tbl_u64(&t, stp_json_u64(e, "stream_id"));
		tbl_cell(&t, "%s", stp_json_str(e, "port"));
		tbl_cell(&t, "%s", json_is_true(json_object_get(e, "running")) ? "yes" : "no");
		tbl_cell(&t, "%s", stp_json_str(e, "unit"));
		if (stp_json_u64(e, "rate_requested") == 0)
			tbl_cell(&t, "%s", "max");
		else
			tbl_u64(&t, stp_json_u64(e, "rate_requested"));
		/* Over the last interval (a change shows at once), then over the active time. */
		tbl_cell(&t, "%.1f", stp_json_real(e, "rate_last"));
		tbl_cell(&t, "%.1f", stp_json_real(e, "rate_achieved"));
		tbl_u64(&t, stp_json_u64(e, "tx_packets"));
		tbl_cell(&t, "%.3f", stp_json_real(e, "active_s"));
		tbl_u64(&t, stp_json_u64(e, "impair_drops"));
		tbl_u64(&t, stp_json_u64(e, "impair_duplicates"));
		tbl_u64(&t, stp_json_u64(e, "behind"));
	}
	tbl_print(&t, f);
	fprintf(f,
			"TX timestamps: software (TSC at the burst); receiver: %s%s, UDP port %" PRIu64
			", reflected %" PRIu64 "\n",
			json_is_true(json_object_get(rx, "enabled")) ? "on" : "off",
			json_is_true(json_object_get(rx, "reflect")) ? " (reflector)" : "",
			stp_json_u64(rx, "udp_port"), stp_json_u64(rx, "reflected"));
	if (json_is_true(json_object_get(rx, "stamp_stateful")))
		fprintf(f,
				"STAMP stateful reflector: %" PRIu64 " sessions held, %" PRIu64
				" created, %" PRIu64 " idle ones replaced\n",
				stp_json_u64(rx, "stamp_sessions"),
				stp_json_u64(rx, "stamp_sessions_created"),
				stp_json_u64(rx, "stamp_sessions_expired"));
	/* The reflector's T3 correction per port (lib/probe/refl_txcorr.h). */
	json_array_foreach(json_object_get(rx, "tx_correction"), i, e) {
		const json_t *step = json_object_get(e, "step");

		if (json_object_get(e, "why") != NULL) {
			fprintf(f, "reflector T3 on %s: as taken (%s)\n", stp_json_str(e, "port"),
					stp_json_str(e, "why"));
			continue;
		}
		fprintf(f,
				"reflector T3 on %s: %s, %" PRIu64 " TX stamps (%" PRIu64
				" lost), TX stamp - T3 median %.1f us spread %.1f us, correction "
				"%.1f us on %" PRIu64
				" replies; per later reply of a burst %.1f us "
				"(%s)\n",
				stp_json_str(e, "port"), stp_json_str(e, "state"),
				stp_json_u64(e, "samples"), stp_json_u64(e, "lost"),
				(double)json_integer_value(json_object_get(e, "median_ns")) / 1e3,
				(double)json_integer_value(json_object_get(e, "spread_ns")) / 1e3,
				(double)json_integer_value(json_object_get(e, "correction_ns")) /
						1e3,
				stp_json_u64(e, "corrected"),
				(double)json_integer_value(json_object_get(step, "correction_ns")) /
						1e3,
				stp_json_str(step, "state"));
	}
	ign = json_object_get(rx, "ignored");
	fprintf(f, "ignored:");
	json_object_foreach((json_t *)ign, k, e)
		fprintf(f, " %s=%" PRIu64, k, (uint64_t)json_integer_value(e));
	fprintf(f, "\n");
}

static void
render_latency(const json_t *a, FILE *f)
{
	const json_t *e, *d;
	struct table t;
	size_t i;
	bool oneway = false;

	tbl_init(&t,
			"stream|id|dir|received|lost|loss-%|dup|reordered|jitter-ns|min|mean|p50|p90|"
			"p99|p99.9|p99.99|max");
	json_array_foreach(a, i, e) {
		d = json_object_get(e, "delay_ns");
		tbl_cell(&t, "%s", stp_json_str(e, "name"));
		tbl_u64(&t, stp_json_u64(e, "stream_id"));
		tbl_cell(&t, "%s", stp_json_str(e, "direction"));
		/* STAMP's forward and backward are one-way delays too. */
		oneway |= strcmp(stp_json_str(e, "direction"), "one-way") == 0 ||
				strcmp(stp_json_str(e, "direction"), "forward") == 0 ||
				strcmp(stp_json_str(e, "direction"), "backward") == 0;
		tbl_u64(&t, stp_json_u64(e, "received"));
		/* No loss of its own: forward / backward to a stateless STAMP reflector. */
		if (json_object_get(e, "lost") == NULL) {
			tbl_cell(&t, "%s", "-");
			tbl_cell(&t, "%s", "-");
		} else {
			tbl_u64(&t, stp_json_u64(e, "lost"));
			tbl_cell(&t, "%.3f", stp_json_real(e, "loss_pct"));
		}
		tbl_u64(&t, stp_json_u64(e, "duplicates"));
		tbl_u64(&t, stp_json_u64(e, "reordered"));
		tbl_u64(&t, stp_json_u64(e, "jitter_ns"));
		tbl_u64(&t, stp_json_u64(d, "min"));
		tbl_cell(&t, "%.1f", stp_json_real(d, "mean"));
		tbl_u64(&t, stp_json_u64(d, "p50"));
		tbl_u64(&t, stp_json_u64(d, "p90"));
		tbl_u64(&t, stp_json_u64(d, "p99"));
		tbl_u64(&t, stp_json_u64(d, "p99.9"));
		tbl_u64(&t, stp_json_u64(d, "p99.99"));
		tbl_u64(&t, stp_json_u64(d, "max"));
	}
	tbl_print(&t, f);
	fprintf(f, "delays in ns%s; rtt excludes the reflector's residence time\n",
			oneway ? "; one-way = RX stamp - TX stamp, valid when the two clocks are "
				 "synchronised" :
				 "");
}

/* Commands -------------------------------------------------------------------------------- */

struct probe_result {
	cmdline_fixed_string_t w0;
	cmdline_fixed_string_t w1;
	cmdline_fixed_string_t w2;
	cmdline_fixed_string_t arg;
};

/* The generator streams and the receiver, under the control lock. */
static json_t *
probes_locked(const struct stp_cmd_env *env)
{
	json_t *o;

	env->lock(env->ctl);
	o = stp_probe_ctl_probes(env->pl);
	env->unlock(env->ctl);
	return o;
}

/* The generator streams' names, for Tab completion (struct stp_name_token). */
static json_t *
stream_names(const struct stp_cmd_env *env)
{
	json_t *src = probes_locked(env), *a = json_array(), *e;
	size_t i;

	json_array_foreach(json_object_get(src, "streams"), i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));

		if (n != NULL)
			json_array_append_new(a, json_string(n));
	}
	json_decref(src);
	return a;
}

/* @p which names a generator stream, or is a stream id (a receiver measures ids it is sent). */
static bool
stream_known(const struct stp_cmd_env *env, const char *which)
{
	json_t *o = probes_locked(env);
	const json_t *e;
	size_t i, n = strspn(which, "0123456789");
	bool known = strcmp(which, "all") == 0 || (n > 0 && n < 10 && which[n] == '\0');

	json_array_foreach(json_object_get(o, "streams"), i, e)
		known |= strcmp(stp_json_str(e, "name"), which) == 0;
	json_decref(o);
	return known;
}

/* show latency [STREAM], show probes */
static void
show_latency_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct stp_cmd_env *env = stp_cmd_env();
	struct probe_result *r = parsed;
	json_t *a;

	if (strcmp(r->w1, "probes") == 0) {
		env->show(cl, probes_locked(env), render_probes, NULL);
		return;
	}
	env->lock(env->ctl);
	a = stp_probe_latency_json(env->pl, data != NULL ? r->arg : NULL);
	env->unlock(env->ctl);
	if (data != NULL && a != NULL && json_array_size(a) == 0) {
		/* No row: say whether the stream is unknown or only not measured yet. */
		json_decref(a);
		if (stream_known(env, r->arg))
			cmdline_printf(cl, "stream %s: nothing measured yet\n", r->arg);
		else
			cmdline_printf(cl,
					"error: no stream %s (a generator stream's name, a stream id "
					"or all)\n",
					r->arg);
		return;
	}
	env->show(cl, a, render_latency, NULL);
}

/* probe start|stop STREAM|all, probe rate STREAM RATE */
static void
probe_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct stp_cmd_env *env = stp_cmd_env();
	struct probe_result *r = parsed;
	char err[CFG_ERR_LEN];
	int rc;

	env->lock(env->ctl);
	if (data != NULL)
		rc = stp_probe_ctl_rate(env->pl, r->w2, r->arg, err, sizeof(err));
	else
		rc = stp_probe_ctl_run(
				env->pl, r->arg, strcmp(r->w1, "start") == 0, err, sizeof(err));
	env->unlock(env->ctl);
	if (rc != 0) {
		env->error(cl, "error: ", err);
		return;
	}
	if (data != NULL)
		cmdline_printf(cl, "probe %s: rate %s\n", r->w2, r->arg);
	else
		cmdline_printf(cl, "probe %s: %s\n", r->arg,
				strcmp(r->w1, "start") == 0 ? "started" : "stopped");
}

/* save latency STREAM|all FILE */
static void
save_latency_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct stp_cmd_env *env = stp_cmd_env();
	struct probe_result *r = parsed;
	char err[CFG_ERR_LEN];
	int rc;

	(void)data;
	env->lock(env->ctl);
	rc = stp_probe_ctl_save(env->pl, r->w2, r->arg, err, sizeof(err));
	env->unlock(env->ctl);
	if (rc < 0) {
		env->error(cl, "error: ", err);
		return;
	}
	cmdline_printf(cl, "saved %d histogram%s to %s\n", rc, rc == 1 ? "" : "s", r->arg);
}

#define WORD(fld, words) TOKEN_STRING_INITIALIZER(struct probe_result, fld, words)
#define NAME(fld, all) STP_NAME_TOKEN(struct probe_result, fld, stream_names, "stream name", all)

static cmdline_parse_token_string_t tok_show = WORD(w0, "show");
static cmdline_parse_token_string_t tok_save = WORD(w0, "save");
static cmdline_parse_token_string_t tok_probe = WORD(w0, "probe");
static cmdline_parse_token_string_t tok_latency_probes = WORD(w1, "latency#probes");
static cmdline_parse_token_string_t tok_latency = WORD(w1, "latency");
static cmdline_parse_token_string_t tok_start_stop = WORD(w1, "start#stop");
static cmdline_parse_token_string_t tok_rate = WORD(w1, "rate");
static cmdline_parse_token_string_t tok_arg =
		TOKEN_STRING_INITIALIZER(struct probe_result, arg, NULL);
static struct stp_name_token tok_stream_name_all = NAME(arg, true);
static struct stp_name_token tok_stream_name_w2 = NAME(w2, false);
static struct stp_name_token tok_stream_all_w2 = NAME(w2, true);

static cmdline_parse_inst_t cmd_show_latency = {
	.f = show_latency_parsed,
	.data = NULL,
	.help_str = "show latency|probes: measured latency per stream (loss, jitter, "
		    "percentiles), or the generator streams (requested, last and average rate)",
	.tokens = { (void *)&tok_show, (void *)&tok_latency_probes, NULL },
};

static cmdline_parse_inst_t cmd_show_latency_one = {
	.f = show_latency_parsed,
	.data = (void *)1,
	.help_str = "show latency STREAM: the same for one stream (name or id)",
	.tokens = { (void *)&tok_show, (void *)&tok_latency, (void *)&tok_stream_name_all, NULL },
};

static cmdline_parse_inst_t cmd_probe_run = {
	.f = probe_parsed,
	.data = NULL,
	.help_str = "probe start|stop STREAM|all: start (a new run: count and duration again) or "
		    "stop a probe stream",
	.tokens = { (void *)&tok_probe, (void *)&tok_start_stop, (void *)&tok_stream_name_all,
			NULL },
};

static cmdline_parse_inst_t cmd_probe_rate = {
	.f = probe_parsed,
	.data = (void *)1,
	.help_str = "probe rate STREAM RATE: set the rate live (pps, or bit/s for a rate_bps "
		    "stream; max)",
	.tokens = { (void *)&tok_probe, (void *)&tok_rate, (void *)&tok_stream_name_w2,
			(void *)&tok_arg, NULL },
};

static cmdline_parse_inst_t cmd_save_latency = {
	.f = save_latency_parsed,
	.data = NULL,
	.help_str = "save latency STREAM|all FILE: write the histogram(s) as lib/hist JSON "
		    "(FILE.json) or CSV (FILE.csv, one stream)",
	.tokens = { (void *)&tok_save, (void *)&tok_latency, (void *)&tok_stream_all_w2,
			(void *)&tok_arg, NULL },
};

cmdline_parse_inst_t *const probe_cmds[] = {
	&cmd_show_latency,
	&cmd_show_latency_one,
	&cmd_probe_run,
	&cmd_probe_rate,
	&cmd_save_latency,
	NULL,
};
