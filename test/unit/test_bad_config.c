/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The bad-config corpus: every NAME.json in the directory given as argv[1] must be refused by
 * cfg_load("NAME.json") with exactly the first line of NAME.err. The test runs from inside the
 * directory so that the file name in the messages is just "NAME.json".
 *
 * One line per file, a summary line "N passed, N failed", exit status 1 on any failure (and when
 * the directory holds no .json at all, which would be a broken path rather than a passing test).
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg_section.h"
#include "feature.h"

#define MAX_FILES 1024

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* First line of @p path without its newline, or -errno. */
static int
read_first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -errno;
	if (fgets(buf, len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return 0;
}

int
main(int argc, char **argv)
{
	char err[CFG_ERR_LEN], expected[CFG_ERR_LEN + 2], errfile[512];
	unsigned int nb_passed = 0, nb_failed = 0;
	char *names[MAX_FILES];
	struct stp_config cfg;
	size_t nb = 0, i, n;
	struct dirent *de;
	DIR *dir;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
		return 2;
	}
	cfg_use_sections(stp_features_cfg());
	if (chdir(argv[1]) != 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	dir = opendir(".");
	if (dir == NULL) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	while ((de = readdir(dir)) != NULL && nb < MAX_FILES) {
		n = strlen(de->d_name);
		if (n > 5 && strcmp(de->d_name + n - 5, ".json") == 0)
			names[nb++] = strdup(de->d_name);
	}
	closedir(dir);
	qsort(names, nb, sizeof(names[0]), cmp_names);

	for (i = 0; i < nb; i++) {
		if (names[i] == NULL) {
			printf("FAIL out of memory\n");
			nb_failed++;
			continue;
		}
		n = strlen(names[i]);
		snprintf(errfile, sizeof(errfile), "%.*s.err", (int)(n - 5), names[i]);
		rc = read_first_line(errfile, expected, sizeof(expected));
		if (rc < 0) {
			printf("FAIL %s: cannot read %s: %s\n", names[i], errfile, strerror(-rc));
			nb_failed++;
			free(names[i]);
			continue;
		}
		rc = cfg_load(names[i], &cfg, err);
		if (rc == 0) {
			printf("FAIL %s: accepted, expected: %s\n", names[i], expected);
			nb_failed++;
		} else if (strcmp(err, expected) != 0) {
			printf("FAIL %s:\n     expected: %s\n     got:      %s\n", names[i],
					expected, err);
			nb_failed++;
		} else {
			printf("ok   %s\n", err);
			nb_passed++;
		}
		cfg_free(&cfg);
		free(names[i]);
	}
	if (nb == 0) {
		printf("FAIL %s: no .json file\n", argv[1]);
		nb_failed++;
	}
	printf("%u passed, %u failed\n", nb_passed, nb_failed);
	return nb_failed == 0 ? 0 : 1;
}
