/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The console: librte_cmdline sessions (a command file, stdin, a UNIX socket) whose commands
 * call lib/ctl and print what it returns as aligned text. Sessions read their input with poll()
 * beside a stop pipe, so console_destroy() ends them between two commands, never inside one
 * (no thread cancellation while a ctl call holds its lock).
 */

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>
#include <rte_cycles.h>

#include "console.h"
#include "table.h"
#include "feature_cmd.h"

#define PROMPT "stampede> "
/* Bytes read from a session's input at once. */
#define READ_CHUNK 256

struct console {
	struct ctl *ctl;
	int file_fd; /* the command file until its session ends, else -1 */
	bool interactive;
	pthread_t thread; /* file, then stdin */
	bool thread_started;
	int listen_fd; /* console socket, -1 if none */
	char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pthread_t sock_thread;
	bool sock_thread_started;
	int stop_pipe[2];	  /* written by console_destroy(): sessions end */
	pthread_mutex_t tty_lock; /* the stdin session's input handling vs. status lines */
	struct cmdline *tty_cl;	  /* the stdin session while it runs (under tty_lock) */
	volatile int quit;	  /* any session: wo; control loop: ro */
	volatile int thread_done; /* the file/stdin thread ended */
	uint64_t t0;		  /* TSC at create: the first rate window starts here */
	struct stp_cmd_env env;	  /* what feature commands reach (stp_cmd_env()) */
};

/* The console commands reach their console through this (one console per process). */
static struct console *g_con;

/*
 * The registry the pipeline runs (stp_features, or a test's mock features): where the
 * console finds the features' show words and commands.
 */
static const struct stp_feature *const *
console_features(void)
{
	const struct stp_pipeline *pl = ctl_pipeline(g_con->ctl);

	return pl != NULL && pl->features != NULL ? pl->features : stp_features;
}

/* ---------------------------------------------------------------------------------------------- */
/* Output */

/* Text built in memory, then written to the session in one go. */
struct out {
	FILE *f;
	char *buf;
	size_t len;
};

static int
out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	return o->f != NULL ? 0 : -ENOMEM;
}

static void
out_flush(struct out *o, struct cmdline *cl)
{
	fclose(o->f);
	if (o->buf != NULL && o->len > 0)
		cmdline_printf(cl, "%s", o->buf);
	free(o->buf);
}

static void
print_error(struct cmdline *cl, const char *what, const char *err)
{
	cmdline_printf(cl, "%s%s\n", what, err[0] != '\0' ? err : "failed");
}

/* ---------------------------------------------------------------------------------------------- */
/* Renderers: ctl's JSON as text */

static void
render_ports_info(const json_t *a, FILE *f)
{
	size_t i;
	const json_t *p;
	char rx[512], tx[512];

	json_array_foreach(a, i, p) {
		const json_t *link = json_object_get(p, "link");
		uint64_t speed = stp_json_u64(link, "speed_mbps");

		tbl_join(json_object_get(p, "rx_offloads"), rx, sizeof(rx));
		tbl_join(json_object_get(p, "tx_offloads"), tx, sizeof(tx));
		fprintf(f, "%sport %" PRIu64 " (%s)\n", i ? "\n" : "", stp_json_u64(p, "port_id"),
				stp_json_str(p, "name"));
		fprintf(f, "  %-13s %s\n", "driver", stp_json_str(p, "driver"));
		fprintf(f, "  %-13s %s\n", "device", stp_json_str(p, "device"));
		fprintf(f, "  %-13s %s\n", "mac", stp_json_str(p, "mac"));
		fprintf(f, "  %-13s %s\n", "state", stp_json_str(p, "state"));
		if (speed != 0)
			fprintf(f, "  %-13s %s, %" PRIu64 " Mbps, %s duplex\n", "link",
					json_is_true(json_object_get(link, "up")) ? "up" : "down",
					speed, stp_json_str(link, "duplex"));
		else
			fprintf(f, "  %-13s %s, speed unknown\n", "link",
					json_is_true(json_object_get(link, "up")) ? "up" : "down");
		fprintf(f, "  %-13s %" PRIu64 "\n", "mtu", stp_json_u64(p, "mtu"));
		fprintf(f,
				"  %-13s rx %" PRIu64 " x %" PRIu64 " desc, tx %" PRIu64
				" x %" PRIu64 " desc\n",
				"queues", stp_json_u64(p, "rx_queues"), stp_json_u64(p, "rx_desc"),
				stp_json_u64(p, "tx_queues"), stp_json_u64(p, "tx_desc"));
		fprintf(f, "  %-13s %" PRId64 "\n", "socket",
				(int64_t)json_integer_value(json_object_get(p, "socket")));
		fprintf(f, "  %-13s %s\n", "promiscuous",
				json_is_true(json_object_get(p, "promiscuous")) ? "on" : "off");
		fprintf(f, "  %-13s %s\n", "timestamps", stp_json_str(p, "timestamp"));
		fprintf(f, "  %-13s %s\n", "rx offloads", rx);
		fprintf(f, "  %-13s %s\n", "tx offloads", tx);
	}
}

/*
 * Rates as testpmd's show port stats gives them: packets and bits (bytes x 8) per second of
 * the driver's counters since this port's previous show (the first: since start), RX and TX.
 */
struct port_rate_prev {
	uint64_t tsc, rx_pkts, rx_bytes, tx_pkts, tx_bytes;
};

static struct port_rate_prev rate_prev[RTE_MAX_ETHPORTS];
static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER; /* sessions show at once */

static uint64_t
per_s(uint64_t now, uint64_t prev, double secs)
{
	/* A clear stats in between starts the window again: nothing negative. */
	return now >= prev && secs > 0 ? (uint64_t)((double)(now - prev) / secs + 0.5) : 0;
}

static void
port_rates(const json_t *p, uint64_t r[4])
{
	uint64_t id = stp_json_u64(p, "port_id"), now = rte_get_timer_cycles();
	struct port_rate_prev cur = { now, stp_json_u64(p, "rx_pkts"), stp_json_u64(p, "rx_bytes"),
		stp_json_u64(p, "tx_pkts"), stp_json_u64(p, "tx_bytes") };
	struct port_rate_prev *pv;
	double secs;

	if (id >= RTE_MAX_ETHPORTS) {
		memset(r, 0, 4 * sizeof(r[0]));
		return;
	}
	pthread_mutex_lock(&rate_lock);
	pv = &rate_prev[id];
	if (pv->tsc == 0)
		pv->tsc = g_con->t0;
	secs = (double)(now - pv->tsc) / (double)rte_get_timer_hz();
	r[0] = per_s(cur.rx_pkts, pv->rx_pkts, secs);
	r[1] = per_s(cur.rx_bytes * 8, pv->rx_bytes * 8, secs);
	r[2] = per_s(cur.tx_pkts, pv->tx_pkts, secs);
	r[3] = per_s(cur.tx_bytes * 8, pv->tx_bytes * 8, secs);
	*pv = cur;
	pthread_mutex_unlock(&rate_lock);
}

static void
render_ports_stats(const json_t *a, FILE *f)
{
	struct table t;
	size_t i;
	const json_t *p;

	tbl_init(&t,
			"port|name|<rx-packets|<rx-bytes|<tx-packets|<tx-bytes|<imissed|<ierrors|"
			"<oerrors|<rx-nombuf|<app-rx|<app-tx|<rx-pps|<rx-bps|<tx-pps|<tx-bps|state");
	json_array_foreach(a, i, p) {
		uint64_t r[4];

		tbl_u64(&t, stp_json_u64(p, "port_id"));
		tbl_cell(&t, "%s", stp_json_str(p, "name"));
		tbl_u64(&t, stp_json_u64(p, "rx_pkts"));
		tbl_u64(&t, stp_json_u64(p, "rx_bytes"));
		tbl_u64(&t, stp_json_u64(p, "tx_pkts"));
		tbl_u64(&t, stp_json_u64(p, "tx_bytes"));
		tbl_u64(&t, stp_json_u64(p, "imissed"));
		tbl_u64(&t, stp_json_u64(p, "ierrors"));
		tbl_u64(&t, stp_json_u64(p, "oerrors"));
		tbl_u64(&t, stp_json_u64(p, "rx_nombuf"));
		tbl_u64(&t, stp_json_u64(p, "app_rx"));
		tbl_u64(&t, stp_json_u64(p, "app_tx"));
		port_rates(p, r);
		for (unsigned int k = 0; k < 4; k++)
			tbl_u64(&t, r[k]);
		tbl_cell(&t, "%s", stp_json_str(p, "state"));
	}
	tbl_print(&t, f);
}

static void
render_totals(const json_t *s, FILE *f)
{
	const json_t *ts = json_object_get(s, "timestamps");
	const char *k;
	const json_t *v;

	/* Every term of received + replicated + generated = transmitted + captured + consumed +
	 * dropped (+ in flight), in that order. */
	fprintf(f,
			"total: received=%" PRIu64 " replicated=%" PRIu64 " generated=%" PRIu64
			" transmitted=%" PRIu64 " captured=%" PRIu64 " consumed=%" PRIu64
			" dropped=%" PRIu64 " in-flight=%" PRId64 "\n",
			stp_json_u64(s, "received"), stp_json_u64(s, "replicated"),
			stp_json_u64(s, "generated"), stp_json_u64(s, "transmitted"),
			stp_json_u64(s, "captured"), stp_json_u64(s, "consumed"),
			stp_json_u64(s, "dropped"),
			(int64_t)json_integer_value(json_object_get(s, "in_flight")));
	fprintf(f, "timestamps:");
	json_object_foreach((json_t *)ts, k, v)
		fprintf(f, " %s=%" PRIu64, k, (uint64_t)json_integer_value(v));
	/* ctl_stats() gives no cycles_per_packet below STP_CPP_MIN_PKTS packets. */
	if (json_object_get(s, "cycles_per_packet") != NULL)
		fprintf(f, "\ncycles/packet: %.1f", stp_json_real(s, "cycles_per_packet"));
	else
		fprintf(f, "\ncycles/packet: - (fewer than %u packets)", STP_CPP_MIN_PKTS);
	fprintf(f, ", over %.1f s%s\n", stp_json_real(s, "seconds"),
			json_is_true(json_object_get(s, "cleared")) ? " (since clear stats)" : "");
}

static void
render_lcores(const json_t *a, FILE *f)
{
	struct table t;
	size_t i;
	const json_t *l;
	char roles[64], queues[1024], stages[512];

	tbl_init(&t,
			"lcore|roles|<rx-packets|<tx-packets|<loops|<busy%|<cycles/pkt|"
			"stage-cycles/pkt|queues");
	json_array_foreach(a, i, l) {
		const json_t *st = json_object_get(l, "stages"), *e;
		size_t k, len = 0;

		tbl_join(json_object_get(l, "roles"), roles, sizeof(roles));
		tbl_join(json_object_get(l, "queues"), queues, sizeof(queues));
		/* "broker:120.4,rules:63.9": each worker stage's cycles per packet it was given. */
		stages[0] = '\0';
		json_array_foreach(st, k, e) {
			int w = snprintf(stages + len, sizeof(stages) - len, "%s%s:%.1f",
					k ? "," : "", stp_json_str(e, "name"),
					stp_json_real(e, "cycles_per_packet"));

			if (w < 0 || (size_t)w >= sizeof(stages) - len)
				break;
			len += (size_t)w;
		}
		tbl_u64(&t, stp_json_u64(l, "lcore"));
		tbl_cell(&t, "%s", roles);
		tbl_u64(&t, stp_json_u64(l, "rx_pkts"));
		tbl_u64(&t, stp_json_u64(l, "tx_pkts"));
		tbl_u64(&t, stp_json_u64(l, "loops"));
		tbl_cell(&t, "%.1f", stp_json_real(l, "busy_pct"));
		tbl_cell(&t, "%.1f", stp_json_real(l, "cycles_per_packet"));
		tbl_cell(&t, "%s", stages[0] ? stages : "-");
		tbl_cell(&t, "%s", queues);
	}
	tbl_print(&t, f);
}

static void
render_rings(const json_t *a, FILE *f)
{
	struct table t;
	size_t i;
	const json_t *r;

	if (json_array_size(a) == 0) {
		fprintf(f, "no rings: every lcore runs its packets to completion\n");
		return;
	}
	tbl_init(&t, "ring|kind|owner|<size|<used|<free");
	json_array_foreach(a, i, r) {
		const json_t *owner = json_object_get(r, "owner");

		tbl_cell(&t, "%s", stp_json_str(r, "name"));
		tbl_cell(&t, "%s", stp_json_str(r, "kind"));
		if (json_is_string(owner))
			tbl_cell(&t, "output:%s", json_string_value(owner));
		else
			tbl_cell(&t, "lcore:%" PRId64, (int64_t)json_integer_value(owner));
		tbl_u64(&t, stp_json_u64(r, "size"));
		tbl_u64(&t, stp_json_u64(r, "used"));
		tbl_u64(&t, stp_json_u64(r, "free"));
	}
	tbl_print(&t, f);
}

static void
render_drops(const json_t *a, FILE *f)
{
	struct table t;
	size_t i;
	const json_t *d;

	tbl_init(&t, "reason|<count|description");
	json_array_foreach(a, i, d) {
		tbl_cell(&t, "%s", stp_json_str(d, "name"));
		tbl_u64(&t, stp_json_u64(d, "count"));
		tbl_cell(&t, "%s", stp_json_str(d, "description"));
	}
	tbl_print(&t, f);
}

/* show timestamps: packets per source, then each port's source and device clock. */
static void
render_timestamps(const json_t *v, FILE *f)
{
	const json_t *counts = json_object_get(v, "counts"), *p;
	struct table t;
	const char *k;
	json_t *n;
	size_t i;

	fprintf(f, "stamped:");
	json_object_foreach((json_t *)counts, k, n)
		fprintf(f, " %s=%" PRIu64, k, (uint64_t)json_integer_value(n));
	fprintf(f, "\n");
	tbl_init(&t,
			"port|source|clock|<hz|<drift_ppm|<offset_ns|<error_ns|<read_ns|<samples|"
			"<rejects|<steps");
	json_array_foreach(json_object_get(v, "ports"), i, p) {
		bool hw = json_object_get(p, "clock") != NULL;

		tbl_cell(&t, "%s", stp_json_str(p, "port"));
		tbl_cell(&t, "%s", stp_json_str(p, "source"));
		if (!hw) {
			for (int c = 0; c < 9; c++)
				tbl_cell(&t, "-");
			continue;
		}
		tbl_cell(&t, "%s", stp_json_str(p, "clock"));
		tbl_cell(&t, "%.3f", stp_json_real(p, "frequency_hz"));
		tbl_cell(&t, "%+.3f", stp_json_real(p, "drift_ppm"));
		tbl_cell(&t, "%" JSON_INTEGER_FORMAT,
				json_integer_value(json_object_get(p, "offset_ns")));
		tbl_cell(&t, "%+" JSON_INTEGER_FORMAT,
				json_integer_value(json_object_get(p, "last_error_ns")));
		tbl_u64(&t, stp_json_u64(p, "bracket_ns"));
		tbl_u64(&t, stp_json_u64(p, "samples"));
		tbl_u64(&t, stp_json_u64(p, "rejects"));
		tbl_u64(&t, stp_json_u64(p, "steps"));
	}
	tbl_print(&t, f);
}

/* Render @p v (consumed) with @p fn to the session. */
static void
show(struct cmdline *cl, json_t *v, void (*fn)(const json_t *, FILE *), const char *err)
{
	struct out o;

	if (v == NULL) {
		print_error(cl, "error: ", err != NULL ? err : "out of memory");
		return;
	}
	if (out_open(&o) == 0) {
		fn(v, o.f);
		out_flush(&o, cl);
	}
	json_decref(v);
}

/* ---------------------------------------------------------------------------------------------- */
/* Commands */

struct cmd_result {
	cmdline_fixed_string_t w0;
	cmdline_fixed_string_t w1;
	cmdline_fixed_string_t w2;
	cmdline_fixed_string_t arg;
	uint16_t at;
	char json[1024]; /* a line holds at most ~500 characters (librte_cmdline's buffer) */
};

/* A token that is one fixed word (or one of "a#b") stored in field @p fld. */
#define WORD(fld, words) TOKEN_STRING_INITIALIZER(struct cmd_result, fld, words)
/* A token that is any one word. */
#define ANY(fld) TOKEN_STRING_INITIALIZER(struct cmd_result, fld, NULL)

/*
 * Words that name a live rule, output, stream or port: struct stp_name_token (feature_cmd.h),
 * completed with Tab from what the control layer lists at that moment.
 */

/* The member "name" of each object of @p list (an array in @p src, consumed). */
static json_t *
names_of(json_t *src, const json_t *list)
{
	json_t *a = json_array(), *e;
	size_t i;

	json_array_foreach(list, i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));

		if (n != NULL)
			json_array_append_new(a, json_string(n));
	}
	json_decref(src);
	return a;
}

static json_t *
port_names(const struct stp_cmd_env *env)
{
	char err[CFG_ERR_LEN];
	json_t *src = ctl_ports_info(env->ctl, NULL, err);

	return names_of(src, src);
}

#define NAME(fld, fn, what, all) STP_NAME_TOKEN(struct cmd_result, fld, fn, what, all)

/* show port info|stats [all|N|NAME] */
static void
cmd_show_port_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_result *r = parsed;
	const char *which = data != NULL ? r->arg : NULL;
	char err[CFG_ERR_LEN] = "";

	if (strcmp(r->w2, "info") == 0)
		show(cl, ctl_ports_info(g_con->ctl, which, err), render_ports_info, err);
	else
		show(cl, ctl_ports_stats(g_con->ctl, which, err), render_ports_stats, err);
}

static cmdline_parse_token_string_t tok_show = WORD(w0, "show");
static cmdline_parse_token_string_t tok_port = WORD(w1, "port");
static cmdline_parse_token_string_t tok_info_stats = WORD(w2, "info#stats");
static struct stp_name_token tok_port_name = NAME(arg, port_names, "port name", true);

static cmdline_parse_inst_t cmd_show_port = {
	.f = cmd_show_port_parsed,
	.data = NULL,
	.help_str = "show port info|stats: every port's settings, or its counters",
	.tokens = { (void *)&tok_show, (void *)&tok_port, (void *)&tok_info_stats, NULL },
};

static cmdline_parse_inst_t cmd_show_port_one = {
	.f = cmd_show_port_parsed,
	.data = (void *)1,
	.help_str = "show port info|stats all|ID|NAME: the same for one port (id or name)",
	.tokens = { (void *)&tok_show, (void *)&tok_port, (void *)&tok_info_stats,
			(void *)&tok_port_name, NULL },
};

/* show stats|lcores|rings|drops|config: one instance each, for help. */
static void
cmd_show_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_result *r = parsed;
	struct ctl *c = g_con->ctl;
	char err[CFG_ERR_LEN] = "";

	if (strcmp(r->w1, "stats") == 0) {
		json_t *p = ctl_ports_stats(c, NULL, err), *s = ctl_stats(c);
		struct out o;

		if (p != NULL && s != NULL && out_open(&o) == 0) {
			render_ports_stats(p, o.f);
			render_totals(s, o.f);
			out_flush(&o, cl);
		} else {
			print_error(cl, "error: ", err);
		}
		json_decref(p);
		json_decref(s);
	} else if (strcmp(r->w1, "lcores") == 0) {
		show(cl, ctl_lcores(c), render_lcores, NULL);
	} else if (strcmp(r->w1, "rings") == 0) {
		show(cl, ctl_rings(c), render_rings, NULL);
	} else if (strcmp(r->w1, "drops") == 0) {
		show(cl, ctl_drops(c), render_drops, NULL);
	} else if (strcmp(r->w1, "timestamps") == 0) {
		show(cl, ctl_timestamps(c), render_timestamps, NULL);
	} else {
		char *s = ctl_config(c);

		if (s == NULL)
			print_error(cl, "error: ", "out of memory");
		else
			cmdline_printf(cl, "%s\n", s);
		free(s);
	}
}

#define SHOW_CMD(what, help)                                                     \
	static cmdline_parse_token_string_t tok_show_##what = WORD(w1, #what);   \
	static cmdline_parse_inst_t cmd_show_##what = {                          \
		.f = cmd_show_parsed,                                            \
		.data = NULL,                                                    \
		.help_str = help,                                                \
		.tokens = { (void *)&tok_show, (void *)&tok_show_##what, NULL }, \
	}

SHOW_CMD(stats, "show stats: port counters and totals (received, transmitted, dropped...)");
SHOW_CMD(lcores, "show lcores: datapath lcores: roles, queues, packets, busy share, cycles/pkt");
SHOW_CMD(rings, "show rings: rings between lcores and to capture writers: size, used, free");
SHOW_CMD(drops, "show drops: drops by reason");
SHOW_CMD(config, "show config: the running configuration as JSON (stampede -c accepts it)");
SHOW_CMD(timestamps,
		"show timestamps: packets per timestamp source; per port its source and, "
		"for hardware stamps, the device clock: kind, frequency, drift, offset, last "
		"error");

/*
 * show <view>: the views features declare (struct stp_feature_ui: "show tcp-rtt"), one
 * instance for all; its words and help line come from the registry (console_create()).
 */
static void
cmd_show_feature_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_result *r = parsed;
	const struct stp_feature *f = stp_feature_by_ui(console_features(), r->w1, false);

	if (f != NULL)
		show(cl, ctl_feature_ui_view(g_con->ctl, f), f->ui->render, NULL);
}

static char show_feature_words[256], show_feature_help[1024];
static cmdline_parse_token_string_t tok_show_feature = WORD(w1, show_feature_words);
static cmdline_parse_inst_t cmd_show_feature = {
	.f = cmd_show_feature_parsed,
	.data = NULL,
	.help_str = show_feature_help,
	.tokens = { (void *)&tok_show, (void *)&tok_show_feature, NULL },
};

/* Append to @p buf (of @p size, @p *len used so far), cutting at its end. */
static void __attribute__((format(printf, 4, 5)))
append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len = RTE_MIN(*len + (size_t)n, size - 1);
}

/* The words ("a#b") and the help line of show <view>, from the features' ui. */
static void
show_feature_init(void)
{
	char list[256] = "", helps[768] = "";
	size_t w = 0, l = 0, h = 0;
	const struct stp_feature_ui *one = NULL;
	unsigned int n = 0;

	for (const struct stp_feature *const *fp = console_features(); *fp != NULL; fp++) {
		const struct stp_feature_ui *ui = (*fp)->ui;

		if (ui == NULL || ui->show == NULL || ui->render == NULL)
			continue;
		append(show_feature_words, sizeof(show_feature_words), &w, "%s%s", n ? "#" : "",
				ui->show);
		append(list, sizeof(list), &l, "%s%s", n ? "|" : "", ui->show);
		append(helps, sizeof(helps), &h, "%s%s: %s", n ? "; " : "", ui->show,
				ui->show_help != NULL ? ui->show_help : "");
		one = ui;
		n++;
	}
	if (n == 0)
		snprintf(show_feature_words, sizeof(show_feature_words), "-");
	if (n == 1)
		snprintf(show_feature_help, sizeof(show_feature_help), "show %s: %s", one->show,
				one->show_help != NULL ? one->show_help : "");
	else
		snprintf(show_feature_help, sizeof(show_feature_help), "show %s: %s", list, helps);
}

/* clear stats */
static void
cmd_clear_parsed(void *parsed, struct cmdline *cl, void *data)
{
	if (ctl_stats_clear(g_con->ctl) == 0)
		cmdline_printf(cl, "counters cleared\n");
	else
		print_error(cl, "error: ", "out of memory");
}

static cmdline_parse_token_string_t tok_clear = WORD(w0, "clear");
static cmdline_parse_token_string_t tok_clear_stats = WORD(w1, "stats");

static cmdline_parse_inst_t cmd_clear = {
	.f = cmd_clear_parsed,
	.data = NULL,
	.help_str = "clear stats: count from zero again (shown counters; exit totals stay whole)",
	.tokens = { (void *)&tok_clear, (void *)&tok_clear_stats, NULL },
};

static cmdline_parse_token_string_t tok_start_stop = WORD(w1, "start#stop");

/* quit */
static void
cmd_quit_parsed(void *parsed, struct cmdline *cl, void *data)
{
	__atomic_store_n(&g_con->quit, 1, __ATOMIC_RELEASE);
	cmdline_quit(cl);
}

static cmdline_parse_token_string_t tok_quit = WORD(w0, "quit");

static cmdline_parse_inst_t cmd_quit = {
	.f = cmd_quit_parsed,
	.data = NULL,
	.help_str = "quit: stop stampede gracefully (drain, print final counters) and exit",
	.tokens = { (void *)&tok_quit, NULL },
};

/* help */
/* start | stop: resume or pause forwarding (testpmd's start / stop) */
static void
cmd_fwd_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const bool run = data != NULL;
	int rc = ctl_forwarding(g_con->ctl, run);

	if (rc == -EALREADY)
		cmdline_printf(cl, "forwarding already %s\n", run ? "started" : "stopped");
	else
		cmdline_printf(cl, "forwarding %s\n",
				run ? "started" : "stopped: no port is polled, counters kept");
}

static cmdline_parse_token_string_t tok_start = WORD(w0, "start");
static cmdline_parse_token_string_t tok_stop = WORD(w0, "stop");

static cmdline_parse_inst_t cmd_fwd_start = {
	.f = cmd_fwd_parsed,
	.data = (void *)1,
	.help_str = "start: resume forwarding (after stop)",
	.tokens = { (void *)&tok_start, NULL },
};

static cmdline_parse_inst_t cmd_fwd_stop = {
	.f = cmd_fwd_parsed,
	.data = NULL,
	.help_str = "stop: pause forwarding: no port is polled, queued packets leave, counters "
		    "kept",
	.tokens = { (void *)&tok_stop, NULL },
};

/* port start|stop N|NAME|all (testpmd's) */
static void
cmd_port_run_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_result *r = parsed;
	const bool run = strcmp(r->w1, "start") == 0;
	char err[CFG_ERR_LEN] = "";

	(void)data;
	if (ctl_port_run(g_con->ctl, r->arg, run, err) != 0)
		print_error(cl, "error: ", err);
	else
		cmdline_printf(cl, "port %s: %s\n", r->arg, run ? "started" : "stopped");
}

static cmdline_parse_token_string_t tok_port_w0 = WORD(w0, "port");

static cmdline_parse_inst_t cmd_port_run = {
	.f = cmd_port_run_parsed,
	.data = NULL,
	.help_str = "port start|stop ID|NAME|all: stop a port's RX and TX (the lcores leave it "
		    "first; what goes to it is dropped as port_stopped) or start it again; "
		    "counters kept",
	.tokens = { (void *)&tok_port_w0, (void *)&tok_start_stop, (void *)&tok_port_name, NULL },
};

/* set promisc|allmulti N|NAME|all on|off */
static void
cmd_set_mode_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_result *r = parsed;
	char err[CFG_ERR_LEN] = "";
	const bool on = strcmp(r->w2, "on") == 0;

	(void)data;
	if (ctl_port_mode(g_con->ctl, r->arg, r->w1, on, err) != 0)
		print_error(cl, "error: ", err);
	else
		cmdline_printf(cl, "%s %s on port %s\n", r->w1, on ? "on" : "off", r->arg);
}

static cmdline_parse_token_string_t tok_set = WORD(w0, "set");
static cmdline_parse_token_string_t tok_mode = WORD(w1, "promisc#allmulti");
static cmdline_parse_token_string_t tok_on_off = WORD(w2, "on#off");

static cmdline_parse_inst_t cmd_set_mode = {
	.f = cmd_set_mode_parsed,
	.data = NULL,
	.help_str = "set promisc|allmulti ID|NAME|all on|off: a port's promiscuous or "
		    "all-multicast mode",
	.tokens = { (void *)&tok_set, (void *)&tok_mode, (void *)&tok_port_name,
			(void *)&tok_on_off, NULL },
};

static void
render_xstats(const json_t *v, FILE *f)
{
	size_t i;
	const json_t *p;

	json_array_foreach(v, i, p) {
		const char *k;
		json_t *x;
		struct table t;

		fprintf(f, "port %" PRIu64 " (%s) xstats:\n", stp_json_u64(p, "port_id"),
				json_string_value(json_object_get(p, "name")));
		tbl_init(&t, "name|<value");
		json_object_foreach(json_object_get(p, "xstats"), k, x) {
			tbl_cell(&t, "%s", k);
			tbl_u64(&t, (uint64_t)json_integer_value(x));
		}
		tbl_print(&t, f);
	}
}

/* show port xstats ID|NAME|all */
static void
cmd_show_xstats_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_result *r = parsed;
	char err[CFG_ERR_LEN] = "";

	(void)data;
	show(cl, ctl_port_xstats(g_con->ctl, r->arg, err), render_xstats, err);
}

static cmdline_parse_token_string_t tok_xstats = WORD(w2, "xstats");

static cmdline_parse_inst_t cmd_show_xstats = {
	.f = cmd_show_xstats_parsed,
	.data = NULL,
	.help_str = "show port xstats ID|NAME|all: the driver's extended statistics",
	.tokens = { (void *)&tok_show, (void *)&tok_port, (void *)&tok_xstats,
			(void *)&tok_port_name, NULL },
};

static void cmd_help_parsed(void *parsed, struct cmdline *cl, void *data);

static cmdline_parse_token_string_t tok_help = WORD(w0, "help");

static cmdline_parse_inst_t cmd_help = {
	.f = cmd_help_parsed,
	.data = NULL,
	.help_str = "help: list the commands",
	.tokens = { (void *)&tok_help, NULL },
};

/*
 * A line no command takes: the same words as librte_cmdline ("Command not found", or "Bad
 * arguments" when its first word starts a command), and the command it is closest to.
 */
struct cmd_unknown_result {
	cmdline_multi_string_t line;
};

static void cmd_unknown_parsed(void *parsed, struct cmdline *cl, void *data);
static int unknown_parse(
		cmdline_parse_token_hdr_t *tk, const char *buf, void *res, unsigned int ressize);

static struct cmdline_token_ops unknown_token_ops = {
	.parse = unknown_parse,
	.get_help = cmdline_get_help_string,
};

/* The whole line, when no other command takes it (else two would match: "ambiguous"). */
static cmdline_parse_token_string_t tok_unknown_line = {
	.hdr = { .ops = &unknown_token_ops, .offset = offsetof(struct cmd_unknown_result, line) },
	.string_data = { .str = TOKEN_STRING_MULTI },
};

static cmdline_parse_inst_t cmd_unknown = {
	.f = cmd_unknown_parsed,
	.data = NULL,
	.help_str = "any other line: the nearest command is suggested", /* not in help */
	.tokens = { (void *)&tok_unknown_line, NULL },
};

/*
 * The core's commands. The console's context (console_ctx) is built at create: these, then
 * each feature's own (struct stp_feature_ui.cmds) in registry order, then cmd_unknown.
 */
static cmdline_parse_inst_t *const core_cmds[] = {
	&cmd_show_port,
	&cmd_show_port_one,
	&cmd_show_xstats,
	&cmd_show_stats,
	&cmd_show_lcores,
	&cmd_show_rings,
	&cmd_show_drops,
	&cmd_show_feature,
	&cmd_show_config,
	&cmd_show_timestamps,
	&cmd_clear,
	&cmd_fwd_start,
	&cmd_fwd_stop,
	&cmd_set_mode,
	&cmd_port_run,
	&cmd_quit,
	&cmd_help,
	NULL,
};

/* What the sessions parse with (console_ctx_build()), NULL-terminated. */
static cmdline_parse_ctx_t *console_ctx;

/* The core's commands, each feature's, then the catch-all: 0 or -ENOMEM. */
static int
console_ctx_build(void)
{
	size_t n = 0, k = 0;

	for (cmdline_parse_inst_t *const *i = core_cmds; *i != NULL; i++)
		n++;
	for (const struct stp_feature *const *fp = console_features(); *fp != NULL; fp++)
		for (cmdline_parse_inst_t *const *i = (*fp)->ui != NULL ? (*fp)->ui->cmds : NULL;
				i != NULL && *i != NULL; i++)
			n++;
	console_ctx = calloc(n + 2, sizeof(*console_ctx));
	if (console_ctx == NULL)
		return -ENOMEM;
	for (cmdline_parse_inst_t *const *i = core_cmds; *i != NULL; i++)
		console_ctx[k++] = *i;
	for (const struct stp_feature *const *fp = console_features(); *fp != NULL; fp++)
		for (cmdline_parse_inst_t *const *i = (*fp)->ui != NULL ? (*fp)->ui->cmds : NULL;
				i != NULL && *i != NULL; i++)
			console_ctx[k++] = *i;
	console_ctx[k++] = &cmd_unknown; /* last: what no command above takes */
	console_ctx[k] = NULL;
	return 0;
}

/*
 * Optimal string alignment distance (Levenshtein with adjacent transpositions: "shwo" is 1
 * from "show"), on words of at most 31 characters (longer: far from every command word).
 */
#define SUGGEST_WORD_MAX 32

static unsigned int
word_distance(const char *a, size_t la, const char *b, size_t lb)
{
	unsigned int d[SUGGEST_WORD_MAX + 1][SUGGEST_WORD_MAX + 1];

	if (la > SUGGEST_WORD_MAX || lb > SUGGEST_WORD_MAX)
		return UINT32_MAX / 4;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned int)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			c = RTE_MIN(c, d[i - 1][j] + 1);
			c = RTE_MIN(c, d[i][j - 1] + 1);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				c = RTE_MIN(c, d[i - 2][j - 2] + 1);
			d[i][j] = c;
		}
	return d[la][lb];
}

/* The fixed words of a token ("a#b"), or NULL for a token that takes any word. */
static const char *
token_words(const cmdline_parse_token_hdr_t *tk)
{
	const struct cmdline_token_string *ts = (const struct cmdline_token_string *)tk;

	if (tk->ops != &cmdline_token_string_ops || ts->string_data.str == NULL ||
			ts->string_data.str[0] == '\0')
		return NULL;
	return ts->string_data.str;
}

/* Does @p word equal one of @p words ("a#b")? */
static bool
word_in(const char *word, size_t len, const char *words)
{
	for (const char *w = words; *w != '\0';) {
		size_t n = strcspn(w, "#");

		if (n == len && strncmp(w, word, len) == 0)
			return true;
		w += n + (w[n] == '#');
	}
	return false;
}

#define SUGGEST_MAX_WORDS 8
#define SUGGEST_LINE_MAX 512 /* a line holds at most LINE_MAX_CHARS (500) */

/*
 * The command whose fixed words are closest to the typed ones (same number of words; a name
 * or number takes what was typed), written into @p out; false when none is within 2 edits
 * (or the line already has a command's words: its arguments are what is wrong).
 */
static bool
suggest(const char *line, char *out, size_t size)
{
	const char *w[SUGGEST_MAX_WORDS];
	size_t wl[SUGGEST_MAX_WORDS], nw = 0;
	unsigned int best = 3;
	const char *p = line;

	while (*p != '\0') {
		p += strspn(p, " \t\r\n");
		if (*p == '\0')
			break;
		if (nw == SUGGEST_MAX_WORDS)
			return false;
		w[nw] = p;
		wl[nw] = strcspn(p, " \t\r\n");
		p += wl[nw++];
	}
	out[0] = '\0';
	for (cmdline_parse_ctx_t *i = console_ctx; *i != NULL && *i != &cmd_unknown; i++) {
		char cand[SUGGEST_LINE_MAX] = "";
		unsigned int cost = 0;
		size_t k = 0, len = 0;

		for (; (*i)->tokens[k] != NULL && k < nw && cost < best && len < sizeof(cand);
				k++) {
			const char *words = token_words((*i)->tokens[k]);
			const char *pick = w[k], *x;
			size_t pick_len = wl[k];
			unsigned int wbest = UINT32_MAX;

			/* The nearest of "a#b" (a name or a number: what was typed). */
			for (x = words; x != NULL && *x != '\0';) {
				size_t n = strcspn(x, "#");
				unsigned int dd = word_distance(w[k], wl[k], x, n);

				if (dd < wbest) {
					wbest = dd;
					pick = x;
					pick_len = n;
				}
				x += n + (x[n] == '#');
			}
			cost += words == NULL ? 0 : RTE_MIN(wbest, best); /* no wrap-around */
			len += (size_t)snprintf(cand + len, sizeof(cand) - len, "%s%.*s",
					k > 0 ? " " : "", (int)pick_len, pick);
		}
		if ((*i)->tokens[k] != NULL || k != nw || cost == 0 || cost >= best ||
				len >= sizeof(cand))
			continue;
		best = cost;
		snprintf(out, size, "%s", cand);
	}
	return out[0] != '\0';
}

/*
 * A cmdline that only checks lines against console_ctx (never reads or prints), and the flag
 * that keeps tok_unknown_line out of that check.
 */
static struct cmdline *check_cl;
static __thread bool checking;

static int
unknown_parse(cmdline_parse_token_hdr_t *tk, const char *buf, void *res, unsigned int ressize)
{
	char line[STR_MULTI_TOKEN_SIZE];
	size_t n = strcspn(buf, "\r\n");
	int rc;

	(void)tk;
	if (checking || check_cl == NULL || n + 2 > sizeof(line) ||
			(res != NULL && ressize < sizeof(cmdline_multi_string_t)))
		return -1;
	memcpy(line, buf, n);
	memcpy(line + n, "\n", 2);
	checking = true;
	rc = cmdline_parse_check(check_cl, line);
	checking = false;
	/* Taken (or claimed by two): not an unknown line. */
	if (rc >= 0 || rc == CMDLINE_PARSE_AMBIGUOUS)
		return -1;
	if (res != NULL) {
		memcpy(res, buf, n);
		((char *)res)[n] = '\0';
	}
	return (int)n;
}

static void
cmd_unknown_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct cmd_unknown_result *r = parsed;
	const char *line = r->line + strspn(r->line, " \t");
	size_t first = strcspn(line, " \t\r\n");
	bool known = false;
	char hint[SUGGEST_LINE_MAX];

	(void)data;
	for (cmdline_parse_ctx_t *i = console_ctx; *i != NULL && *i != &cmd_unknown; i++) {
		const char *words = token_words((*i)->tokens[0]);

		known = known || (words != NULL && word_in(line, first, words));
	}
	cmdline_printf(cl, "%s\n", known ? "Bad arguments" : "Command not found");
	if (suggest(line, hint, sizeof(hint)))
		cmdline_printf(cl, "did you mean: %s\n", hint);
}

static void
cmd_help_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct table t;
	struct out o;

	if (out_open(&o) != 0)
		return;
	tbl_init(&t, "command|what");
	for (cmdline_parse_ctx_t *i = console_ctx; *i != NULL && *i != &cmd_unknown; i++) {
		const char *h = (*i)->help_str, *sep = strstr(h, ": ");

		if (sep == NULL) {
			tbl_cell(&t, "%s", h);
			tbl_cell(&t, "%s", "");
			continue;
		}
		tbl_cell(&t, "%.*s", (int)(sep - h), h);
		tbl_cell(&t, "%s", sep + 2);
	}
	tbl_print(&t, o.f);
	fprintf(o.f,
			"Tab completes (names too), up/down recall the history, Ctrl-U erases the "
			"line. JSON goes on one line (at most 500 characters; a longer rule: add "
			"rule @FILE).\n");
	out_flush(&o, cl);
}

/* ---------------------------------------------------------------------------------------------- */
/* Sessions */

enum session_end {
	SESSION_EOF,  /* the input ended (or Ctrl-D at an empty prompt) */
	SESSION_QUIT, /* "quit" here or in another session */
	SESSION_STOP, /* console_destroy() */
};

/*
 * The longest line a session takes: librte_cmdline's line buffer holds 512 bytes and drops what
 * does not fit, so a longer line would run cut (a rule's JSON then fails as "premature end of
 * input"). Such a line is refused whole instead, with a message naming "add rule @FILE".
 */
#define LINE_MAX_CHARS 500

#define CTRL_U '\x15' /* kill the line, as in a shell */

/* Feed @p n bytes to @p cl, refusing over-long lines (*@p overlong: inside one). */
static int
session_feed(struct cmdline *cl, const char *buf, size_t n, bool *overlong)
{
	struct rdline *rdl = cmdline_get_rdline(cl);

	for (size_t i = 0; i < n; i++) {
		bool eol = buf[i] == '\n' || buf[i] == '\r';
		int rc;

		if (*overlong) {
			if (!eol)
				continue;
			*overlong = false;
			rdline_reset(rdl);
			cmdline_printf(cl,
					"\nerror: line longer than %u characters refused (for a long "
					"rule: add rule @FILE, the JSON in FILE)\n",
					LINE_MAX_CHARS);
			/* An empty line: the next prompt. */
			rc = cmdline_in(cl, "\n", 1);
		} else if (buf[i] == CTRL_U) {
			/* librte_cmdline has no Ctrl-U: Ctrl-A, Ctrl-K (Ctrl-Y yanks it back). */
			rc = cmdline_in(cl, "\x01\x0b", 2);
		} else {
			rc = cmdline_in(cl, buf + i, 1);
			/* rdline_get_buffer() ends the line with '\n'. */
			if (!eol && strlen(rdline_get_buffer(rdl)) > LINE_MAX_CHARS)
				*overlong = true;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A client while another one's session runs: told so at once, not left waiting. */
static void
refuse_busy(int listen_fd)
{
	static const char msg[] = "console busy: another client is attached (one at a time)\n";
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (write(fd, msg, sizeof(msg) - 1) < 0) {
		/* The client went away already: nothing to tell. */
	}
	close(fd);
}

/*
 * Feed @p in_fd to @p cl until it ends. @p tty: hold tty_lock while handling input.
 * @p busy_fd: the listening socket whose new clients are refused meanwhile, or -1.
 */
static enum session_end
session_loop(struct console *con, struct cmdline *cl, int in_fd, bool tty, int busy_fd)
{
	char buf[READ_CHUNK];
	bool overlong = false;

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = in_fd, .events = POLLIN },
			{ .fd = con->stop_pipe[0], .events = POLLIN },
			{ .fd = busy_fd, .events = POLLIN },
		};
		ssize_t n;
		int rc;

		if (__atomic_load_n(&con->quit, __ATOMIC_ACQUIRE))
			return SESSION_QUIT;
		if (poll(pfd, busy_fd >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return SESSION_EOF;
		}
		if (pfd[1].revents != 0)
			return SESSION_STOP;
		if (busy_fd >= 0 && pfd[2].revents != 0)
			refuse_busy(busy_fd);
		if (pfd[0].revents == 0)
			continue;
		n = read(in_fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return SESSION_EOF;
		if (tty)
			pthread_mutex_lock(&con->tty_lock);
		rc = session_feed(cl, buf, (size_t)n, &overlong);
		if (tty)
			pthread_mutex_unlock(&con->tty_lock);
		if (rc < 0)
			return __atomic_load_n(&con->quit, __ATOMIC_ACQUIRE) ? SESSION_QUIT :
									       SESSION_EOF;
	}
}

/* A session, then what its thread kept for Tab completion is freed. */
static enum session_end
session_run(struct console *con, struct cmdline *cl, int in_fd, bool tty, int busy_fd)
{
	enum session_end end = session_loop(con, cl, in_fd, tty, busy_fd);

	stp_name_token_forget();
	return end;
}

/* The command file, then stdin. */
static void *
console_main(void *arg)
{
	struct console *con = arg;
	enum session_end end = SESSION_EOF;

	if (con->file_fd >= 0) {
		/* The output goes to stdout, each command echoed after the prompt. */
		struct cmdline *cl = cmdline_new(console_ctx, PROMPT, con->file_fd, STDOUT_FILENO);

		if (cl != NULL) {
			end = session_run(con, cl, con->file_fd, false, -1);
			if (end == SESSION_EOF)
				cmdline_printf(cl, "\n"); /* after the last prompt */
			cmdline_free(cl);		  /* closes the file */
		} else {
			fprintf(stderr, "stampede: --cmdline-file: out of memory\n");
			close(con->file_fd);
		}
		con->file_fd = -1;
	}
	if (end == SESSION_EOF && con->interactive) {
		struct cmdline *cl = cmdline_stdin_new(console_ctx, PROMPT);

		if (cl != NULL) {
			pthread_mutex_lock(&con->tty_lock);
			con->tty_cl = cl;
			pthread_mutex_unlock(&con->tty_lock);
			end = session_run(con, cl, STDIN_FILENO, true, -1);
			pthread_mutex_lock(&con->tty_lock);
			con->tty_cl = NULL;
			pthread_mutex_unlock(&con->tty_lock);
			cmdline_stdin_exit(cl);
		}
		/* The operator's input ended: as if quit was typed. */
		if (end == SESSION_EOF)
			__atomic_store_n(&con->quit, 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&con->thread_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* One client at a time: accept, run its session, close, accept again. */
static void *
socket_main(void *arg)
{
	struct console *con = arg;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = con->listen_fd, .events = POLLIN },
			{ .fd = con->stop_pipe[0], .events = POLLIN },
		};
		struct cmdline *cl;
		int fd;

		if (__atomic_load_n(&con->quit, __ATOMIC_ACQUIRE))
			break;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents != 0)
			break;
		fd = accept4(con->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		cl = cmdline_new(console_ctx, PROMPT, fd, fd);
		if (cl == NULL) {
			close(fd);
			continue;
		}
		session_run(con, cl, fd, false, con->listen_fd);
		cmdline_free(cl); /* closes fd */
	}
	return NULL;
}

/* Listen on @p path, mode 0600. A stale socket there is replaced; anything else is an error. */
static int
socket_listen(struct console *con, const char *path, char err[CFG_ERR_LEN])
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX }, ta = { .sun_family = AF_UNIX };
	const char *bound;
	struct stat st;
	bool tmp_ok;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, CFG_ERR_LEN, "--console-socket %s: path longer than %zu characters",
				path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, CFG_ERR_LEN,
					"--console-socket %s: exists and is not a socket; not touching "
					"it",
					path);
			return -EEXIST;
		}
		/* A socket that answers belongs to a running stampede: leave it be. */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			snprintf(err, CFG_ERR_LEN,
					"--console-socket %s: in use (another stampede listens there)",
					path);
			return -EADDRINUSE;
		}
		if (fd >= 0)
			close(fd);
		unlink(path);
	}
	/*
	 * Bound and listening under a temporary name, then renamed into place, so that the path
	 * appears only once it takes clients: a client that waited for the path to exist (as the
	 * tests do) was refused when it came between bind() and listen(). A path too long for the
	 * temporary name is bound in place, as before.
	 */
	tmp_ok = snprintf(ta.sun_path, sizeof(ta.sun_path), "%s~", path) < (int)sizeof(ta.sun_path);
	bound = tmp_ok ? ta.sun_path : path;
	if (tmp_ok && lstat(bound, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(bound); /* left by a stampede that crashed right there */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)(tmp_ok ? &ta : &sa), sizeof(sa)) != 0)
		goto fail;
	/* Before listen(), nobody can connect: the mode is right before the first client. */
	if (chmod(bound, 0600) != 0 || listen(fd, 4) != 0 || (tmp_ok && rename(bound, path) != 0)) {
		int e = errno;

		unlink(bound);
		errno = e;
		goto fail;
	}
	con->listen_fd = fd;
	snprintf(con->socket_path, sizeof(con->socket_path), "%s", path);
	return 0;
fail:
	snprintf(err, CFG_ERR_LEN, "--console-socket %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -errno;
}

static void
env_lock(void *ctl)
{
	ctl_lock(ctl);
}

static void
env_unlock(void *ctl)
{
	ctl_unlock(ctl);
}

static int
env_cfg_edit(void *ctl,
		int (*edit)(struct stp_pipeline *pl, struct stp_config *next, void *arg,
				char err[CFG_ERR_LEN]),
		void *arg, char err[CFG_ERR_LEN])
{
	return ctl_cfg_edit(ctl, edit, arg, err);
}

struct console *
console_create(const struct console_conf *conf, struct ctl *ctl, char err[CFG_ERR_LEN])
{
	struct console *con = calloc(1, sizeof(*con));

	if (con == NULL) {
		snprintf(err, CFG_ERR_LEN, "console: out of memory");
		return NULL;
	}
	con->ctl = ctl;
	con->t0 = rte_get_timer_cycles();
	con->listen_fd = -1;
	con->file_fd = -1;
	con->interactive = conf->interactive;
	pthread_mutex_init(&con->tty_lock, NULL);
	g_con = con;
	con->env = (struct stp_cmd_env){ .pl = ctl_pipeline(ctl),
		.ctl = ctl,
		.lock = env_lock,
		.unlock = env_unlock,
		.cfg_edit = env_cfg_edit,
		.show = show,
		.error = print_error };
	stp_cmd_env_set(&con->env);
	show_feature_init();
	if (console_ctx_build() != 0) {
		snprintf(err, CFG_ERR_LEN, "console: out of memory");
		con->stop_pipe[0] = con->stop_pipe[1] = -1;
		goto fail;
	}
	/* Checks lines for "did you mean" (no input, no output: its prompt goes nowhere). */
	check_cl = cmdline_new(console_ctx, "", -1, -1);
	if (pipe2(con->stop_pipe, O_CLOEXEC) != 0) {
		snprintf(err, CFG_ERR_LEN, "console: pipe: %s", strerror(errno));
		con->stop_pipe[0] = con->stop_pipe[1] = -1;
		goto fail;
	}
	if (conf->socket_path != NULL) {
		if (socket_listen(con, conf->socket_path, err) != 0)
			goto fail;
		/* A client that goes away must not kill stampede on the next write. */
		signal(SIGPIPE, SIG_IGN);
	}
	if (conf->file != NULL) {
		con->file_fd = open(conf->file, O_RDONLY | O_CLOEXEC);
		if (con->file_fd < 0) {
			snprintf(err, CFG_ERR_LEN, "--cmdline-file %s: %s", conf->file,
					strerror(errno));
			goto fail;
		}
	}
	return con;
fail:
	console_destroy(con);
	return NULL;
}

int
console_start(struct console *con, char err[CFG_ERR_LEN])
{
	if (con->file_fd >= 0 || con->interactive) {
		if (pthread_create(&con->thread, NULL, console_main, con) != 0) {
			snprintf(err, CFG_ERR_LEN, "console: cannot start its thread");
			return -EAGAIN;
		}
		con->thread_started = true;
	}
	if (con->listen_fd >= 0) {
		if (pthread_create(&con->sock_thread, NULL, socket_main, con) != 0) {
			snprintf(err, CFG_ERR_LEN, "console: cannot start the socket thread");
			return -EAGAIN;
		}
		con->sock_thread_started = true;
	}
	return 0;
}

int
console_poll(struct console *con)
{
	return __atomic_load_n(&con->quit, __ATOMIC_ACQUIRE);
}

void
console_status(struct console *con, const struct stp_pipeline *pl, struct stp_lcore_stats *prev,
		double dt_s)
{
	pthread_mutex_lock(&con->tty_lock);
	if (con->tty_cl != NULL) {
		/* Erase the prompt line, print the status, then the prompt and typed text again. */
		fputs("\r\033[K", stdout);
		stp_stats_line(pl, prev, dt_s, stdout);
		rdline_redisplay(cmdline_get_rdline(con->tty_cl));
	} else {
		stp_stats_line(pl, prev, dt_s, stdout);
	}
	pthread_mutex_unlock(&con->tty_lock);
}

void
console_destroy(struct console *con)
{
	if (con == NULL)
		return;
	if (con->stop_pipe[1] >= 0 && write(con->stop_pipe[1], "x", 1) < 0)
		fprintf(stderr, "stampede: console: cannot stop the sessions: %s\n",
				strerror(errno));
	if (con->thread_started)
		pthread_join(con->thread, NULL);
	if (con->sock_thread_started)
		pthread_join(con->sock_thread, NULL);
	if (con->file_fd >= 0)
		close(con->file_fd); /* the thread never started */
	if (con->listen_fd >= 0) {
		close(con->listen_fd);
		unlink(con->socket_path);
	}
	if (con->stop_pipe[0] >= 0) {
		close(con->stop_pipe[0]);
		close(con->stop_pipe[1]);
	}
	pthread_mutex_destroy(&con->tty_lock);
	if (g_con == con) {
		g_con = NULL;
		if (check_cl != NULL)
			cmdline_free(check_cl);
		check_cl = NULL;
		free(console_ctx);
		console_ctx = NULL;
		stp_cmd_env_set(NULL);
	}
	free(con);
}
