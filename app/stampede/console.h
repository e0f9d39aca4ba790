/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_CONSOLE_H
#define STP_CONSOLE_H

/**
 * @file
 * The interactive console on librte_cmdline (prompt "stampede> "). It only parses and prints;
 * it calls the same functions as the rest of the program. Polled from the control loop so that
 * the clocks keep being disciplined while an operator types.
 */

#include "pipeline.h"

struct console;

/** Open the console on stdin/stdout. */
struct console *console_create(struct stp_pipeline *pl);

/** Handle pending input. Returns non-zero when the operator asked to quit (or stdin closed). */
int console_poll(struct console *con);

/** Print a periodic status line without garbling the prompt. */
void console_status(struct console *con, const struct stp_pipeline *pl,
		struct stp_lcore_stats *prev, double dt_s);

void console_destroy(struct console *con);

#endif /* STP_CONSOLE_H */
