/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * libFuzzer target: rules_cfg_insert() of the input as one rules[] object (the console's
 * "add rule") into a small valid configuration, at an index derived from the input's length.
 *
 * Checks the function's contract:
 *  - refused: -EINVAL (or -ENOMEM), a one-line message, and the configuration as it was, byte
 *    for byte (see cfg_equal());
 *  - accepted: one more rule, the configuration dumps to JSON that loads again with the same
 *    rule, and deleting the new rule by name gives back the configuration there was.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "cfg.h"
#include "cfg_section.h"
#include "feature.h"
#include "rules_cfg.h"

/* A rule object is short; CFG_FILTER_LEN bounds the longest useful one. */
#define FUZZ_RULE_MAX_LEN 4096

/* Ports, an output and a group to name, two TX lcores (so that the TX queue check can fail). */
static const char base_json[] =
		"{\"eal\": {\"hugepages\": false},"
		" \"ports\": [{\"name\": \"a\", \"device\": \"net_null0\"},"
		"             {\"name\": \"b\", \"device\": \"net_null1\", \"tx_queues\": 2},"
		"             {\"name\": \"c\", \"device\": \"net_null2\", \"tx_queues\": 2}],"
		" \"lcores\": {\"rx\": [{\"lcore\": 1, \"queues\": [{\"port\": \"a\", \"queue\": 0},"
		"                 {\"port\": \"b\", \"queue\": 0}, {\"port\": \"c\", \"queue\": 0}]}],"
		"            \"worker\": [1], \"tx\": [1, 2]},"
		" \"outputs\": [{\"name\": \"cap\", \"type\": \"pcapng\", \"path\": \"/tmp/x.pcapng\"}],"
		" \"groups\": [{\"name\": \"lb\", \"mode\": \"balance\", \"members\": [\"b\", \"c\"]}],"
		" \"rules\": [{\"name\": \"one\", \"in\": \"a\", \"action\": \"forward\", \"out\": \"b\"},"
		"           {\"action\": \"count\"}]}";

/* ~300 kB each: off the stack. base is loaded once; cfg is the copy each input changes. */
static struct stp_config base, cfg, back;

/*
 * Equal configurations: every byte but the rules[] slots past nb_rules, which hold whatever a
 * memmove left there (they are not part of the configuration; inserting a rule clears its slot).
 * The rules are the rules section's block, at the same place in both (same sections).
 */
static bool
cfg_equal(const struct stp_config *a, const struct stp_config *b)
{
	const struct rules_cfg *ra = rules_cfg_of(a), *rb = rules_cfg_of(b);
	const size_t head = (size_t)((const char *)ra->rules - (const char *)a);
	const size_t tail = head + sizeof(ra->rules);

	return (const char *)rb - (const char *)b == (const char *)ra - (const char *)a &&
			ra->nb_rules == rb->nb_rules && memcmp(a, b, head) == 0 &&
			memcmp(ra->rules, rb->rules, ra->nb_rules * sizeof(ra->rules[0])) == 0 &&
			memcmp((const char *)a + tail, (const char *)b + tail, sizeof(*a) - tail) ==
			0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[CFG_ERR_LEN];

	cfg_use_sections(stp_features_cfg());
	if (cfg_load_string(base_json, "base.json", &base, err) != 0) {
		fprintf(stderr, "fuzz_rule: the base config does not load: %s\n", err);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CFG_ERR_LEN], name[CFG_NAME_LEN];
	char *rule, *dump;
	int rc, index;

	if (size > FUZZ_RULE_MAX_LEN)
		return -1;
	rule = malloc(size + 1);
	FUZZ_ASSERT(rule != NULL);
	memcpy(rule, data, size);
	rule[size] = '\0';
	/* -1 (append) .. nb_rules: every position, and out of range once. */
	index = (int)(size % (rules_cfg_of(&base)->nb_rules + 3u)) - 1;

	/* A shallow copy: eal.args stay base's, so cfg is never cfg_free()d. */
	memcpy(&cfg, &base, sizeof(cfg));
	rc = rules_cfg_insert(&cfg, rule, index, err);
	free(rule);
	if (rc != 0) {
		FUZZ_ASSERT(rc == -EINVAL || rc == -ENOMEM);
		FUZZ_ASSERT(err[0] != '\0' && strchr(err, '\n') == NULL);
		/* "cfg is unchanged" */
		FUZZ_ASSERT(cfg_equal(&cfg, &base));
		return 0;
	}
	FUZZ_ASSERT(index <= rules_cfg_of(&base)->nb_rules);
	FUZZ_ASSERT(rules_cfg_of(&cfg)->nb_rules == rules_cfg_of(&base)->nb_rules + 1);
	if (index < 0)
		index = rules_cfg_of(&base)->nb_rules;

	dump = cfg_dump_json(&cfg);
	FUZZ_ASSERT(dump != NULL);
	if (cfg_load_string(dump, "dump.json", &back, err) != 0) {
		fprintf(stderr, "fuzz_rule: the dump does not load again: %s\n%s\n", err, dump);
		abort();
	}
	FUZZ_ASSERT(rules_cfg_of(&back)->nb_rules == rules_cfg_of(&cfg)->nb_rules);
	FUZZ_ASSERT(memcmp(&rules_cfg_of(&back)->rules[index], &rules_cfg_of(&cfg)->rules[index],
				    sizeof(rules_cfg_of(&cfg)->rules[0])) == 0);
	cfg_free(&back);
	free(dump);

	memcpy(name, rules_cfg_of(&cfg)->rules[index].name, sizeof(name));
	rc = rules_cfg_delete(&cfg, name, err);
	if (rc != 0) {
		fprintf(stderr, "fuzz_rule: cannot delete rule \"%s\": %s\n", name, err);
		abort();
	}
	FUZZ_ASSERT(cfg_equal(&cfg, &base));
	return 0;
}
