/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Unit test of rules_cfg_insert() / rules_cfg_delete(): the console's "add rule" / "del rule" on a
 * loaded config. The messages are the loader's own, with the path rules[<index>]; on failure the
 * config is unchanged; the result dumps to JSON that loads to an equal rule list.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_section.h"
#include "feature.h"
#include "rules_cfg.h"
#include "unit.h"

#define CHECK(cond) check((cond), "%s:%d: %s", __func__, __LINE__, #cond)

static const char base_json[] =
		"{\"eal\": {\"hugepages\": false},"
		" \"ports\": [{\"name\": \"a\", \"device\": \"net_null0\"},"
		"             {\"name\": \"b\", \"device\": \"net_null1\", \"tx_queues\": 2}],"
		" \"lcores\": {\"rx\": [{\"lcore\": 1, \"queues\": [{\"port\": \"a\", \"queue\": 0},"
		"                                              {\"port\": \"b\", \"queue\": 0}]}],"
		"            \"worker\": [1], \"tx\": [1, 2]},"
		" \"outputs\": [{\"name\": \"cap\", \"type\": \"pcapng\", \"path\": \"/tmp/x.pcapng\"}],"
		" \"rules\": [{\"name\": \"one\", \"in\": \"a\", \"action\": \"forward\", \"out\": \"b\"},"
		"           {\"action\": \"count\"}]}";

/* The config (heap: the struct is ~300 kB), loaded from base_json. */
static struct stp_config *
load(void)
{
	struct stp_config *cfg = calloc(1, sizeof(*cfg));
	char err[CFG_ERR_LEN];

	if (cfg == NULL || cfg_load_string(base_json, "t.json", cfg, err) != 0) {
		printf("FAIL cannot load the base config: %s\n", cfg != NULL ? err : "ENOMEM");
		exit(1);
	}
	return cfg;
}

static void
names(const struct stp_config *cfg, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < rules_cfg_of(cfg)->nb_rules && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? "," : "",
				rules_cfg_of(cfg)->rules[i].name);
}

static void
expect_error(const char *rule, int index, const char *want)
{
	struct stp_config *cfg = load();
	char err[CFG_ERR_LEN], before[256], after[256];
	int rc;

	names(cfg, before, sizeof(before));
	rc = rules_cfg_insert(cfg, rule, index, err);
	names(cfg, after, sizeof(after));
	check(rc == -EINVAL && strncmp(err, want, strlen(want)) == 0,
			"insert %s at %d: %s (got %s)", rule, index, want, err);
	check(strcmp(before, after) == 0 && rules_cfg_of(cfg)->nb_rules == 2,
			"  config unchanged: %s", after);
	cfg_free(cfg);
	free(cfg);
}

static void
test_insert(void)
{
	struct stp_config *cfg = load(), *back = calloc(1, sizeof(*back));
	char err[CFG_ERR_LEN], buf[256];
	char *dump;

	CHECK(rules_cfg_insert(cfg,
			      "{\"name\":\"web\",\"filter\":\"tcp port 80\",\"action\":"
			      "\"forward\",\"out\":\"cap\",\"continue\":true}",
			      0, err) == 0);
	CHECK(rules_cfg_insert(cfg, "{\"action\":\"drop\",\"in\":[\"b\"]}", -1, err) == 0);
	CHECK(rules_cfg_insert(cfg, "{\"name\":\"mid\",\"action\":\"count\"}", 2, err) == 0);
	names(cfg, buf, sizeof(buf));
	check(strcmp(buf, "web,one,mid,rule1,rule3") == 0, "rules in order: %s", buf);
	CHECK(rules_cfg_of(cfg)->rules[0].cont &&
			rules_cfg_of(cfg)->rules[0].out.kind == CFG_TARGET_OUTPUT);
	CHECK(strcmp(rules_cfg_of(cfg)->rules[0].filter, "tcp port 80") == 0);
	CHECK(rules_cfg_of(cfg)->rules[4].action == CFG_ACTION_DROP &&
			rules_cfg_of(cfg)->rules[4].in_mask == 2);
	CHECK(rules_cfg_of(cfg)->rules[2].in_mask == 3);

	CHECK(rules_cfg_delete(cfg, "mid", err) == 0);
	CHECK(rules_cfg_delete(cfg, "web", err) == 0);
	names(cfg, buf, sizeof(buf));
	check(strcmp(buf, "one,rule1,rule3") == 0, "after two deletes: %s", buf);
	CHECK(rules_cfg_delete(cfg, "web", err) == -EINVAL);
	check(strcmp(err, "t.json: rules: no rule is named \"web\"") == 0, "delete again: %s", err);

	/* The result dumps to JSON that loads to the same rules; the other sections stay. */
	dump = cfg_dump_json(cfg);
	CHECK(dump != NULL && strstr(dump, "\"tcp_rtt\": {") != NULL &&
			strstr(dump, "\"probe_rx\": {") != NULL);
	CHECK(dump != NULL && back != NULL && cfg_load_string(dump, "dump", back, err) == 0);
	names(back, buf, sizeof(buf));
	check(strcmp(buf, "one,rule1,rule3") == 0, "dump -> load: %s", buf);
	free(dump);
	cfg_free(back);
	free(back);

	/* Up to the maximum, then a clear error. */
	while (rules_cfg_of(cfg)->nb_rules < CFG_MAX_RULES)
		if (rules_cfg_insert(cfg, "{\"action\":\"count\",\"name\":\"r\"}", -1, err) != 0 &&
				rules_cfg_insert(cfg, "{\"action\":\"count\"}", -1, err) != 0)
			break;
	CHECK(rules_cfg_of(cfg)->nb_rules == CFG_MAX_RULES);
	CHECK(rules_cfg_insert(cfg, "{\"action\":\"count\"}", -1, err) == -EINVAL);
	check(strstr(err, "rules: already 256 rules, the maximum") != NULL, "full: %s", err);
	cfg_free(cfg);
	free(cfg);
}

static void
test_errors(void)
{
	expect_error("{\"name\":\"x\",\"action\":\"forward\",\"out\":\"nowhere\"}", 1,
			"t.json: rules[1].out: \"nowhere\" is not a port, output or group name");
	expect_error("{\"name\":\"one\",\"action\":\"count\"}", 2,
			"t.json: rules[2].name: \"one\" is already the name of rules[0]");
	expect_error("{\"name\":\"one\",\"action\":\"count\"}", 0,
			"t.json: rules[0].name: \"one\" is already the name of rules[1]");
	/* The default name of a rule inserted at 1 is rule1: the count rule's, moved to 2. */
	expect_error("{\"action\":\"count\"}", 1,
			"t.json: rules[1].name: \"rule1\" is already the name of rules[2]");
	expect_error("{\"action\":\"count\", \"bogus\": 1}", 0,
			"t.json: rules[0].bogus: unknown key (allowed: ");
	expect_error("{\"action\":\"count\",", 0, "t.json: rules[0]: 1:");
	expect_error("[1]", 0, "t.json: rules[0]: [1] is not an object");
	expect_error("{\"action\":\"count\",\"filter\":\"tcp port\"}", 0,
			"t.json: rules[0].filter: \"tcp port\" does not compile: ");
	expect_error("{\"action\":\"drop\",\"out\":\"a\"}", 0,
			"t.json: rules[0].out: not allowed with action \"drop\"");
	expect_error("{\"action\":\"count\"}", 3, "t.json: rules: index 3 is out of range [0..2]");
	/* Port a has one TX queue and there are two TX lcores: the cross-field check. */
	expect_error("{\"name\":\"toa\",\"action\":\"forward\",\"out\":\"a\"}", 0,
			"t.json: ports[0].tx_queues: 1 is fewer than the 2 TX lcores");
}

int
main(void)
{
	cfg_use_sections(stp_features_cfg());
	test_insert();
	test_errors();
	return unit_done();
}
