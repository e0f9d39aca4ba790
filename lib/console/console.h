/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_CONSOLE_H
#define STP_CONSOLE_H

/**
 * @file
 * The operator console on librte_cmdline (prompt "stampede> ", tab completion, history). It only
 * parses and prints: every command calls a lib/ctl action and renders what it returns as text.
 * Its commands are its core ones, then each feature's own (struct stp_feature_ui.cmds, in
 * registry order; they reach the console through stp_cmd_env(), feature_cmd.h), then a
 * catch-all that suggests the nearest command; help, Tab completion and "did you mean" walk
 * that list.
 *
 * Sessions, each running the same commands:
 *  - a command file (--cmdline-file): replayed first, each command echoed after the prompt and
 *    followed by its output; its end does not stop stampede (a "quit" line does);
 *  - stdin (-i): after the file if both are given; end of input (Ctrl-D) stops stampede;
 *  - a UNIX socket (--console-socket): one connection at a time, each its own cmdline session;
 *    a client that disconnects only ends its session.
 * The file and stdin sessions run on one thread, the socket on another, so that reading a line
 * never blocks the control loop. "quit" in any session stops stampede.
 */

#include <stdbool.h>

#include "cfg.h"
#include "ctl.h"
#include "pipeline.h"

/** Which sessions to open. */
struct console_conf {
	bool interactive;	 /**< -i: a session on stdin/stdout */
	const char *file;	 /**< --cmdline-file: commands to replay, or NULL */
	const char *socket_path; /**< --console-socket: UNIX socket to listen on, or NULL */
};

struct console;

/**
 * Open what the sessions @p conf asks for need: the command file, the listening socket (mode
 * 0600; a stale socket at the path is replaced, any other file there is an error). Nothing runs
 * yet: console_start() does that, once the lcores run.
 *
 * @return the console, or NULL with @p err filled.
 */
struct console *console_create(
		const struct console_conf *conf, struct ctl *ctl, char err[CFG_ERR_LEN]);

/** Start the session threads. 0, or -EAGAIN with @p err filled. */
int console_start(struct console *con, char err[CFG_ERR_LEN]);

/** Non-zero once "quit" was typed in some session, or the interactive input ended. */
int console_poll(struct console *con);

/**
 * Print a periodic status line. When an operator is typing at the interactive prompt, the line
 * is erased first and the prompt and typed text are drawn again after it.
 */
void console_status(struct console *con, const struct stp_pipeline *pl,
		struct stp_lcore_stats *prev, double dt_s);

/** Stop every session (waiting for a command being run to finish), remove the socket. */
void console_destroy(struct console *con);

#endif /* STP_CONSOLE_H */
