/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * A first console: "show stats", "show drops", "quit". It runs cmdline_interact() on its own
 * thread, so reading a line never blocks the control loop (clock discipline, stop conditions).
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>

#include "console.h"

struct console {
	struct cmdline *cl;
	pthread_t thread;
	volatile int done; /* console thread: wo, control loop: ro */
};

static struct stp_pipeline *con_pl;

struct cmd_show_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t what;
};

static void
cmd_show_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_show_result *r = parsed;
	struct stp_lcore_stats s;

	if (strcmp(r->what, "stats") == 0) {
		stp_stats_print(con_pl, false, stdout);
		fflush(stdout); /* before the next prompt, which cmdline writes to the fd directly
				 */
		return;
	}
	stp_stats_sum(con_pl, &s);
	for (unsigned int d = 0; d < STP_DROP_MAX; d++)
		cmdline_printf(cl, "%-18s %14" PRIu64 "  %s\n", stp_drop_name(d), s.drops[d],
				stp_drop_desc(d));
}

static cmdline_parse_token_string_t cmd_show_show =
		TOKEN_STRING_INITIALIZER(struct cmd_show_result, show, "show");
static cmdline_parse_token_string_t cmd_show_what =
		TOKEN_STRING_INITIALIZER(struct cmd_show_result, what, "stats#drops");

static cmdline_parse_inst_t cmd_show = {
	.f = cmd_show_parsed,
	.data = NULL,
	.help_str = "show stats|drops: port counters, drops by reason, totals",
	.tokens = { (void *)&cmd_show_show, (void *)&cmd_show_what, NULL },
};

struct cmd_word_result {
	cmdline_fixed_string_t word;
};

static void
cmd_quit_parsed(void *parsed, struct cmdline *cl, void *data)
{
	cmdline_quit(cl);
}

static cmdline_parse_token_string_t cmd_quit_word =
		TOKEN_STRING_INITIALIZER(struct cmd_word_result, word, "quit");

static cmdline_parse_inst_t cmd_quit = {
	.f = cmd_quit_parsed,
	.data = NULL,
	.help_str = "quit: stop gracefully (drain, print final counters) and exit",
	.tokens = { (void *)&cmd_quit_word, NULL },
};

static void
cmd_help_parsed(void *parsed, struct cmdline *cl, void *data)
{
	cmdline_printf(cl,
			"commands:\n"
			"  show stats   port counters, drops by reason, totals\n"
			"  show drops   drops by reason\n"
			"  quit         stop gracefully and exit\n");
}

static cmdline_parse_token_string_t cmd_help_word =
		TOKEN_STRING_INITIALIZER(struct cmd_word_result, word, "help");

static cmdline_parse_inst_t cmd_help = {
	.f = cmd_help_parsed,
	.data = NULL,
	.help_str = "help: list commands",
	.tokens = { (void *)&cmd_help_word, NULL },
};

static cmdline_parse_ctx_t console_ctx[] = {
	(cmdline_parse_inst_t *)&cmd_show,
	(cmdline_parse_inst_t *)&cmd_quit,
	(cmdline_parse_inst_t *)&cmd_help,
	NULL,
};

static void *
console_thread(void *arg)
{
	struct console *con = arg;

	cmdline_interact(con->cl);
	__atomic_store_n(&con->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

struct console *
console_create(struct stp_pipeline *pl)
{
	struct console *con = calloc(1, sizeof(*con));

	if (con == NULL)
		return NULL;
	con_pl = pl;
	con->cl = cmdline_stdin_new(console_ctx, "stampede> ");
	if (con->cl == NULL) {
		free(con);
		return NULL;
	}
	if (pthread_create(&con->thread, NULL, console_thread, con) != 0) {
		cmdline_stdin_exit(con->cl);
		free(con);
		return NULL;
	}
	return con;
}

int
console_poll(struct console *con)
{
	return __atomic_load_n(&con->done, __ATOMIC_ACQUIRE);
}

void
console_status(struct console *con, const struct stp_pipeline *pl, struct stp_lcore_stats *prev,
		double dt_s)
{
	/* Erase the prompt line, print the status, then draw the prompt and typed text again. */
	fputs("\r\033[K", stdout);
	stp_stats_line(pl, prev, dt_s, stdout);
	rdline_redisplay(cmdline_get_rdline(con->cl));
}

void
console_destroy(struct console *con)
{
	if (!__atomic_load_n(&con->done, __ATOMIC_ACQUIRE)) {
		cmdline_quit(con->cl);
		pthread_cancel(con->thread);
	}
	pthread_join(con->thread, NULL);
	cmdline_stdin_exit(con->cl);
	free(con);
}
