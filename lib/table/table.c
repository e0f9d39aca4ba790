/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* Aligned text tables (table.h), moved out of the console so that features draw with it. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "table.h"

void
tbl_init(struct table *t, const char *spec)
{
	/* spec: "name|<num|..." : a leading '<' marks a right-aligned column. */
	char *buf = strdup(spec), *save, *tok;
	unsigned int nc = 1;

	memset(t, 0, sizeof(*t));
	for (const char *p = spec; *p != '\0'; p++)
		nc += *p == '|';
	t->head = calloc(nc, sizeof(*t->head));
	t->right = calloc(nc, sizeof(*t->right));
	if (buf == NULL || t->head == NULL || t->right == NULL) {
		t->oom = true;
		free(buf);
		return;
	}
	for (tok = strtok_r(buf, "|", &save); tok != NULL && t->nc < nc;
			tok = strtok_r(NULL, "|", &save)) {
		t->right[t->nc] = tok[0] == '<';
		t->head[t->nc] = strdup(tok + (tok[0] == '<'));
		if (t->head[t->nc++] == NULL)
			t->oom = true;
	}
	free(buf);
}

void
tbl_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL, **n;

	if (t->oom)
		return;
	if (t->n == t->cap) {
		n = realloc(t->cells, (t->cap ? t->cap * 2 : 64) * sizeof(*n));
		if (n == NULL) {
			t->oom = true; /* a lost cell would shift every later one */
			return;
		}
		t->cells = n;
		t->cap = t->cap ? t->cap * 2 : 64;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	t->cells[t->n++] = s;
}

void
tbl_u64(struct table *t, uint64_t v)
{
	tbl_cell(t, "%" PRIu64, v);
}

void
tbl_print(struct table *t, FILE *f)
{
	size_t *w = t->oom || t->nc == 0 ? NULL : calloc(t->nc, sizeof(*w));
	unsigned int c, i;

	if (w == NULL) {
		fprintf(f, "error: out of memory for the table\n");
		goto out;
	}
	for (c = 0; c < t->nc; c++)
		w[c] = strlen(t->head[c]);
	for (i = 0; i < t->n; i++)
		if (t->cells[i] != NULL && strlen(t->cells[i]) > w[i % t->nc])
			w[i % t->nc] = strlen(t->cells[i]);
	for (i = 0; i < t->nc + t->n; i++) {
		const char *s = i < t->nc ? t->head[i] : t->cells[i - t->nc];
		c = i % t->nc;
		bool last = c == t->nc - 1;

		if (s == NULL)
			s = "?";
		if (last && !t->right[c])
			fprintf(f, "%s\n", s);
		else
			fprintf(f, t->right[c] ? "%*s%s" : "%-*s%s", (int)w[c], s,
					last ? "\n" : "  ");
	}
out:
	free(w);
	for (c = 0; c < t->nc; c++)
		free(t->head[c]);
	for (i = 0; i < t->n; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->head);
	free(t->right);
}

/* "a,b,c" from an array of strings; "-" when empty. */
void
tbl_join(const json_t *a, char *buf, size_t len)
{
	size_t i, n = 0;
	const json_t *v;

	buf[0] = '\0';
	json_array_foreach(a, i, v) {
		int k = snprintf(buf + n, len - n, "%s%s", i ? "," : "", json_string_value(v));

		if (k < 0 || (size_t)k >= len - n)
			break;
		n += k;
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "-");
}
