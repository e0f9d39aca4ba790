/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The feature-command mechanism (struct stp_feature_ui.cmds, feature_cmd.h) with a mock
 * feature registered in the test: the console builds its context from the registry the
 * pipeline runs (its core commands, the mock's, the catch-all last), replays a command file
 * and the test reads what it printed. The mock's command is parsed and run (reaching the
 * pipeline and the control lock through stp_cmd_env()), listed by help after the core's,
 * completed by Tab (its fixed word, and its name token from the names the mock lists), and
 * suggested for a typo ("did you mean"); a line nothing takes reaches the catch-all. No EAL.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmdline_parse_string.h>

#include "console.h"
#include "ctl.h"
#include "feature.h"
#include "feature_cmd.h"
#include "pipeline.h"
#include "unit.h"

static struct stp_pipeline *test_pl;
static unsigned int greeted, env_ok, locked, names_asked;

/* The names the mock's token completes: what it has "now". */
static json_t *
mock_names(const struct stp_cmd_env *env)
{
	(void)env;
	names_asked++;
	return json_pack("[s, s]", "alpha", "beta");
}

struct mock_greet_result {
	cmdline_fixed_string_t w0;
	cmdline_fixed_string_t w1;
	cmdline_fixed_string_t name;
};

/* mock greet NAME: reaches the pipeline and the lock through the console's services. */
static void
mock_greet_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct mock_greet_result *r = parsed;
	const struct stp_cmd_env *env = stp_cmd_env();

	(void)data;
	if (env == NULL)
		return;
	env_ok += env->pl == test_pl;
	env->lock(env->ctl);
	locked++;
	env->unlock(env->ctl);
	if (strcmp(r->name, "alpha") != 0 && strcmp(r->name, "beta") != 0) {
		env->error(cl, "mock: no such name: ", r->name);
		return;
	}
	greeted++;
	cmdline_printf(cl, "mock: greeted %s\n", r->name);
}

static cmdline_parse_token_string_t tok_mock =
		TOKEN_STRING_INITIALIZER(struct mock_greet_result, w0, "mock");
static cmdline_parse_token_string_t tok_greet =
		TOKEN_STRING_INITIALIZER(struct mock_greet_result, w1, "greet");
static struct stp_name_token tok_mock_name =
		STP_NAME_TOKEN(struct mock_greet_result, name, mock_names, "mock name", false);

static cmdline_parse_inst_t cmd_mock_greet = {
	.f = mock_greet_parsed,
	.data = NULL,
	.help_str = "mock greet NAME: greet a mock name",
	.tokens = { (void *)&tok_mock, (void *)&tok_greet, (void *)&tok_mock_name, NULL },
};

static cmdline_parse_inst_t *const mock_cmds[] = { &cmd_mock_greet, NULL };

/* Its view (show mockview): how many greetings so far. */
static json_t *
mock_view(const struct stp_pipeline *pl)
{
	(void)pl;
	return json_pack("{s:{s:I}}", "mock", "greetings", (json_int_t)greeted);
}

static void
mock_render(const json_t *v, FILE *f)
{
	fprintf(f, "mock view: %" JSON_INTEGER_FORMAT " greetings\n",
			json_integer_value(json_object_get(v, "greetings")));
}

static const struct stp_feature_ui mock_ui = {
	.key = "mock",
	.show = "mockview",
	.show_help = "the mock's greetings",
	.render = mock_render,
	.cmds = mock_cmds,
};

static const struct stp_feature mock = {
	.name = "mock",
	.view = mock_view,
	.ui = &mock_ui,
};

static const struct stp_feature *const mock_registry[] = { &mock, NULL };

/* Run @p script as the console's command file; what it printed (malloc'ed), or NULL. */
static char *
run_console(struct ctl *ctl, const char *script)
{
	char dir[] = "/tmp/test_feature_cmd_14v_XXXXXX", in[64], out[64], err[CFG_ERR_LEN];
	struct console_conf conf = { 0 };
	struct console *con;
	char *text = NULL;
	FILE *f;
	int saved, fd;
	long len;

	if (mkdtemp(dir) == NULL)
		return NULL;
	snprintf(in, sizeof(in), "%s/cmds", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	f = fopen(in, "w");
	if (f == NULL)
		return NULL;
	fputs(script, f);
	fclose(f);
	conf.file = in;
	con = console_create(&conf, ctl, err);
	if (con == NULL) {
		printf("console_create: %s\n", err);
		return NULL;
	}
	/* The file session prints to stdout: into a file for the test to read. */
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	fd = fileno(fopen(out, "w"));
	dup2(fd, STDOUT_FILENO);
	close(fd);
	if (console_start(con, err) == 0)
		/* The script ends with quit; a bound, not a timing assertion. */
		for (unsigned int i = 0; i < 2000 && !console_poll(con); i++)
			usleep(5000);
	console_destroy(con);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	f = fopen(out, "r");
	if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0) {
		text = calloc(1, (size_t)len + 1);
		rewind(f);
		if (text != NULL && fread(text, 1, (size_t)len, f) != (size_t)len) {
			free(text);
			text = NULL;
		}
	}
	if (f != NULL)
		fclose(f);
	unlink(in);
	unlink(out);
	rmdir(dir);
	return text;
}

/*
 * The output of the command echoed as @p line (the session echoes a line with "\r\n"): from
 * its echo to the next prompt.
 */
static char *
answer(const char *text, const char *line)
{
	static char buf[4096];
	const char *p = strstr(text, line), *end;

	buf[0] = '\0';
	if (p == NULL)
		return buf;
	p += strlen(line);
	end = strstr(p, "stampede> ");
	snprintf(buf, sizeof(buf), "%.*s", (int)(end != NULL ? end - p : (long)strlen(p)), p);
	return buf;
}

int
main(void)
{
	struct stp_config *cfg = calloc(1, sizeof(*cfg));
	struct ctl *ctl;
	const char *a, *help_mock, *help_core;
	char *text;

	test_pl = calloc(1, sizeof(*test_pl));
	if (cfg == NULL || test_pl == NULL)
		return 1;
	test_pl->cfg = cfg;
	test_pl->features = mock_registry;
	test_pl->nb_features = 1;
	ctl = ctl_create(test_pl);
	text = run_console(ctl,
			"help\n"
			"mock greet alpha\n"
			"mock gr\tbeta\n"
			"mock greet \t\t\x15\n"
			"mokc greet alpha\n"
			"mock greet gamma\n"
			"mock greet\n"
			"frobnicate\n"
			"show mockview\n"
			"quit\n");
	check(text != NULL, "the console ran the command file");
	/* DUMP=1: what the console printed, on stderr (to read when a check fails). */
	if (getenv("DUMP") != NULL && text != NULL)
		fprintf(stderr, "%s", text);
	if (text == NULL)
		return unit_done();

	/* help: the core's commands, then the mock's; the catch-all is not listed. */
	a = answer(text, "help\r\n");
	help_core = strstr(a, "list the commands");
	help_mock = strstr(a, "mock greet NAME");
	check(help_mock != NULL && strstr(help_mock, "greet a mock name") != NULL,
			"help lists the mock's command and its help");
	check(help_core != NULL && help_mock != NULL && help_mock > help_core,
			"the mock's command comes after the core's (help is the last core command)");
	check(strstr(a, "show mockview") != NULL && strstr(a, "the mock's greetings") != NULL,
			"help lists show mockview, from the mock's ui");
	check(strstr(a, "any other line") == NULL, "the catch-all is not in help");

	/* Parsed and run, with the console's services. */
	check(strstr(answer(text, "mock greet alpha\r\n"), "mock: greeted alpha\n") != NULL,
			"mock greet alpha: the mock's callback ran");
	check(strstr(answer(text, "beta\r\n"), "mock: greeted beta\n") != NULL,
			"mock gr<Tab>beta: Tab completed the fixed word, then it ran");
	a = answer(text, "stampede> mock greet \r\n");
	check(strstr(a, " alpha ") != NULL && strstr(a, " beta ") != NULL,
			"mock greet <Tab><Tab>: the names the mock lists are offered");
	check(names_asked > 0, "Tab asked the mock's name token for its names");
	a = answer(text, "mokc greet alpha\r\n");
	check(strstr(a, "Command not found\n") != NULL &&
					strstr(a, "did you mean: mock greet alpha\n") != NULL,
			"mokc greet alpha: not found; did you mean: mock greet alpha");
	check(strstr(answer(text, "mock greet gamma\r\n"), "mock: no such name: gamma") != NULL,
			"mock greet gamma: the mock's error, through stp_cmd_env()->error");
	check(strstr(answer(text, "mock greet\r\n"), "Bad arguments\n") != NULL,
			"mock greet (no name): Bad arguments (its first word is a command's)");
	a = answer(text, "frobnicate\r\n");
	check(strstr(a, "Command not found\n") != NULL && strstr(a, "did you mean") == NULL,
			"frobnicate: the catch-all answers, nothing near it");
	check(strstr(answer(text, "show mockview\r\n"), "mock view: 2 greetings\n") != NULL,
			"show mockview: the mock's view rendered by its render hook");
	check(greeted == 2 && env_ok == 3 && locked == 3,
			"the callback ran 3 times, each with the test's pipeline and the lock");
	check(stp_cmd_env() == NULL, "console_destroy() clears the services");
	free(text);
	ctl_destroy(ctl);
	free(test_pl);
	free(cfg);
	return unit_done();
}
