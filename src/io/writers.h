/* Writing an fhs_table (synthetic data) as CSV, JSON Lines or Parquet.
 *
 * What it guarantees:
 * - fhs_table_write chooses the format by extension (.csv, .jsonl or .ndjson, .parquet; case
 *   insensitive) and writes through fhs_atomic_*: the file appears complete or not at all.
 * - CSV (RFC 4180): a header row, LF line ends; a field is quoted when it contains a comma,
 *   quote, CR or LF or starts or ends with a space (quotes doubled); a missing value is an
 *   empty field and a present empty string is "" so the two stay apart.
 * - JSON Lines: one object per row, keys are the column names in order, a missing value (and a
 *   NaN or infinite double, which JSON cannot hold) is null, strings are escaped as jansson
 *   does (", \, control characters; UTF-8 kept as is), timestamps are ISO 8601 strings.
 * - Numbers and timestamps are written as format.h describes (shortest round-trip doubles).
 * - The table is checked first (fhs_table_check): a bad table never produces a file.
 *
 * Layer: io. */
#ifndef FHS_WRITERS_H
#define FHS_WRITERS_H

#include "error.h"
#include "parquet.h"
#include "table.h"

/* Checks what the writers rely on: at least one column; names non-empty, unique, valid
 * UTF-8; the arrays each type needs; string codes of present rows inside the dictionary;
 * labels valid UTF-8. A NULL valid array means every value is present. where names the
 * output in messages. */
int fhs_table_check(const fhs_table *t, const char *where, fhs_error *err);

int fhs_table_write(const fhs_table *t, const char *path, fhs_error *err);
/* The same into path, in the format format_of's extension names (path may be a temporary
 * name without one). */
int fhs_table_write_as(const fhs_table *t, const char *path, const char *format_of, fhs_error *err);
int fhs_csv_write(const fhs_table *t, const char *path, fhs_error *err);
int fhs_jsonl_write(const fhs_table *t, const char *path, fhs_error *err);
/* fhs_parquet_write is declared in parquet.h. */

#endif
