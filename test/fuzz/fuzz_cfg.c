/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * libFuzzer target: cfg_load_string() on the input as configuration text (what `stampede -c FILE`
 * and `--check` read).
 *
 * Checks: no crash, and an error is one non-empty line. A config that loads must survive the
 * round trip that --dump-config promises: cfg_dump_json() gives text that loads again, and that
 * second config dumps to the same text.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "cfg.h"
#include "cfg_section.h"
#include "feature.h"

/* Configurations are a few kB; the loader itself accepts up to 16 MB from a file. */
#define FUZZ_CFG_MAX_LEN (64 * 1024)

/* ~300 kB each: off the stack, reused (libFuzzer runs one input at a time). */
static struct stp_config cfg, back;

static void
check_err(int rc, const char *err)
{
	FUZZ_ASSERT(rc == -EINVAL || rc == -ENOMEM);
	FUZZ_ASSERT(err[0] != '\0' && strchr(err, '\n') == NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
/* Full configurations: the features' sections, from the registry. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	cfg_use_sections(stp_features_cfg());
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CFG_ERR_LEN];
	char *text, *dump, *dump2;
	int rc;

	if (size > FUZZ_CFG_MAX_LEN)
		return -1;
	text = malloc(size + 1);
	FUZZ_ASSERT(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';

	rc = cfg_load_string(text, "fuzz.json", &cfg, err);
	free(text);
	if (rc != 0) {
		check_err(rc, err);
		cfg_free(&cfg);
		return 0;
	}

	dump = cfg_dump_json(&cfg);
	FUZZ_ASSERT(dump != NULL);
	rc = cfg_load_string(dump, "dump.json", &back, err);
	if (rc != 0) {
		fprintf(stderr, "fuzz_cfg: the dump does not load again: %s\n%s\n", err, dump);
		abort();
	}
	dump2 = cfg_dump_json(&back);
	FUZZ_ASSERT(dump2 != NULL);
	if (strcmp(dump, dump2) != 0) {
		fprintf(stderr, "fuzz_cfg: dump -> load -> dump differs:\n%s\n---\n%s\n", dump,
				dump2);
		abort();
	}
	free(dump);
	free(dump2);
	cfg_free(&back);
	cfg_free(&cfg);
	return 0;
}
