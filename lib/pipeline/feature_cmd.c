/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The console's services to feature commands, and the name token (feature_cmd.h): generic,
 * in lib/pipeline beside the registry so that a feature's commands and the console's reach
 * them alike.
 */

#include <stdio.h>
#include <string.h>

#include "feature_cmd.h"

static const struct stp_cmd_env *cmd_env; /* console: wo at create/destroy; commands: ro */

void
stp_cmd_env_set(const struct stp_cmd_env *env)
{
	__atomic_store_n(&cmd_env, env, __ATOMIC_RELEASE);
}

const struct stp_cmd_env *
stp_cmd_env(void)
{
	return __atomic_load_n(&cmd_env, __ATOMIC_ACQUIRE);
}

/*
 * librte_cmdline asks for the count, then for each element: the list is made once per count
 * and kept for the elements (per thread: each session completes on its own thread).
 */
static __thread json_t *name_cache;

static int
name_complete_nb(cmdline_parse_token_hdr_t *tk)
{
	const struct stp_name_token *nt = (const struct stp_name_token *)tk;
	const struct stp_cmd_env *env = stp_cmd_env();

	json_decref(name_cache);
	name_cache = env != NULL ? nt->names(env) : NULL;
	if (name_cache == NULL)
		return 0;
	if (nt->all)
		json_array_append_new(name_cache, json_string("all"));
	return (int)json_array_size(name_cache);
}

static int
name_complete_elt(cmdline_parse_token_hdr_t *tk, int idx, char *dst, unsigned int size)
{
	const char *n = json_string_value(json_array_get(name_cache, (size_t)idx));

	(void)tk;
	if (n == NULL || strlen(n) >= size)
		return -1;
	snprintf(dst, size, "%s", n);
	return 0;
}

static int
name_help(cmdline_parse_token_hdr_t *tk, char *dst, unsigned int size)
{
	const struct stp_name_token *nt = (const struct stp_name_token *)tk;

	/* librte_cmdline puts it in brackets. */
	snprintf(dst, size, "%s%s", nt->what, nt->all ? " or all" : "");
	return 0;
}

struct cmdline_token_ops stp_name_token_ops = {
	.parse = cmdline_parse_string,
	.complete_get_nb = name_complete_nb,
	.complete_get_elt = name_complete_elt,
	.get_help = name_help,
};

void
stp_name_token_forget(void)
{
	json_decref(name_cache);
	name_cache = NULL;
}
