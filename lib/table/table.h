/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_TABLE_H
#define STP_TABLE_H

/**
 * @file
 * Aligned text tables, as the console prints its views: the console and the features' own
 * renderers (struct stp_feature_ui.render, their commands) draw with it alike.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/**
 * A table: cells added row by row, printed with each column as wide as its widest cell. As many
 * columns as the spec names (no cap that would cut one and shift the rows); a table that could
 * not get its memory prints an error instead of a partial table.
 */
struct table {
	unsigned int nc;
	char **head;
	bool *right;	     /* numbers align right */
	unsigned int n, cap; /* cells */
	char **cells;
	bool oom;
};

/** Start table @p t of the columns @p spec: "name|<num|...", '<' marks a right-aligned one. */
void tbl_init(struct table *t, const char *spec);

/** Add the next cell (row by row). */
void tbl_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Add the next cell: a number. */
void tbl_u64(struct table *t, uint64_t v);

/** Print @p t to @p f (or an error when it could not get its memory) and free it. */
void tbl_print(struct table *t, FILE *f);

/** "a,b,c" from an array of strings into @p buf; "-" when empty. */
void tbl_join(const json_t *a, char *buf, size_t len);

#endif /* STP_TABLE_H */
