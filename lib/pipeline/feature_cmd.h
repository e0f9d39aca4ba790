/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_FEATURE_CMD_H
#define STP_FEATURE_CMD_H

/**
 * @file
 * What a feature's own console commands (struct stp_feature_ui.cmds) reach. The console fills
 * one struct stp_cmd_env when it is created (stp_cmd_env_set()) and a command's callback reads
 * it with stp_cmd_env(): the running pipeline, the lock every control action holds, and the
 * session's output. Function pointers rather than calls by name: a feature's runtime is built
 * into lib/pipeline, which lib/ctl and lib/console link, so it cannot name their symbols (a
 * static library cannot need one of a library linked before it, and unit tests link
 * lib/pipeline without them).
 *
 * A command's words are librte_cmdline tokens; a word that names a live thing (an output, a
 * stream) is a struct stp_name_token, completed with Tab from the names the feature lists at
 * that moment.
 */

#include <stdbool.h>
#include <stdio.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <jansson.h>

#include "cfg.h"

struct stp_pipeline;

/** The console's services to feature commands (one per process, set while a console runs). */
struct stp_cmd_env {
	struct stp_pipeline *pl;
	void *ctl; /**< the control object: the argument of lock and unlock */
	/** Serialise with every other control action (lib/ctl's mutex). */
	void (*lock)(void *ctl);
	void (*unlock)(void *ctl);
	/**
	 * Print @p v (consumed) rendered as text by @p render to session @p cl; a NULL @p v
	 * prints "error: " and @p err (NULL: "out of memory").
	 */
	void (*show)(struct cmdline *cl, json_t *v, void (*render)(const json_t *v, FILE *f),
			const char *err);
	/** Print @p what then @p err ("failed" when @p err is empty), and a newline. */
	void (*error)(struct cmdline *cl, const char *what, const char *err);
	/**
	 * Change the running configuration (lib/ctl's ctl_cfg_edit(), under the lock): @p edit
	 * changes a copy and puts in place what the change needs (0), or refuses (< 0: the copy
	 * is dropped); then the copy replaces the running configuration. @p err: @p edit's
	 * error, or a warning on success ("" otherwise).
	 */
	int (*cfg_edit)(void *ctl,
			int (*edit)(struct stp_pipeline *pl, struct stp_config *next, void *arg,
					char err[CFG_ERR_LEN]),
			void *arg, char err[CFG_ERR_LEN]);
};

/** Set (the console, at create) or clear (NULL, at destroy) what stp_cmd_env() returns. */
void stp_cmd_env_set(const struct stp_cmd_env *env);

/** The console's services, for a command callback (never NULL while a session runs). */
const struct stp_cmd_env *stp_cmd_env(void);

/**
 * A token that is the name of a live thing: parsed as any one word (the command says when
 * there is no such name), completed with Tab from @p names at that moment (librte_cmdline's
 * string token would offer "[Any STRING]").
 */
struct stp_name_token {
	struct cmdline_token_string str; /**< first: librte_cmdline sees its header */
	/** The names to offer now: a JSON array of strings (a new reference), NULL: none. */
	json_t *(*names)(const struct stp_cmd_env *env);
	const char *what; /**< its help, e.g. "output name" */
	bool all;	  /**< "all" is a valid answer too */
};

extern struct cmdline_token_ops stp_name_token_ops;

/** A struct stp_name_token stored at field @p fld of result struct @p type. */
#define STP_NAME_TOKEN(type, fld, fn, what_, all_)                                             \
	{                                                                                      \
		.str = { .hdr = { .ops = &stp_name_token_ops, .offset = offsetof(type, fld) }, \
			.string_data = { .str = NULL } },                                      \
		.names = (fn), .what = (what_), .all = (all_),                                 \
	}

/** Free what this thread kept for Tab completion (at the end of a session). */
void stp_name_token_forget(void);

#endif /* STP_FEATURE_CMD_H */
