/* Test tables for the writers and the Parquet reader: every column type, missing values,
 * unicode and awkward strings, a present empty string next to missing ones, and the text each
 * cell must read back as (format.h). */
#ifndef FHS_TEST_TABLE_FIXTURE_H
#define FHS_TEST_TABLE_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "table.h"

static const char *const fixture_labels[] = {
    "Private", "Self-emp, inc", "quote \"q\"", "", "naïve ☃ 日本語", "line\nbreak",
    " padded ", "tab\there", "back\\slash", ("ctrl\x01" "char")};
#define FIXTURE_N_LABELS (sizeof fixture_labels / sizeof *fixture_labels)

static inline uint64_t fixture_rand(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static inline char *fixture_strdup(const char *s) {
  char *d = malloc(strlen(s) + 1);
  if (d) strcpy(d, s);
  return d;
}

/* Columns: id (INT64, never missing), age (INT64), score (DOUBLE), when (TIMESTAMP),
 * label (STRING), note (STRING, all missing or a single label). missing_every: every k-th value
 * of the optional columns is missing (0: none). */
static inline int fixture_table(fhs_table *t, size_t n, size_t missing_every, uint64_t seed) {
  static const char *const names[] = {"id", "age", "score", "when", "label", "note"};
  static const fhs_value_type types[] = {FHS_VALUE_INT64, FHS_VALUE_INT64, FHS_VALUE_DOUBLE,
                                         FHS_VALUE_TIMESTAMP, FHS_VALUE_STRING, FHS_VALUE_STRING};
  memset(t, 0, sizeof *t);
  t->n_rows = n;
  t->n_columns = 6;
  t->columns = calloc(6, sizeof *t->columns);
  if (!t->columns) return -1;
  for (size_t c = 0; c < 6; c++) {
    fhs_table_column *col = &t->columns[c];
    col->name = fixture_strdup(names[c]);
    col->type = types[c];
    col->valid = malloc(n ? n : 1);
    if (types[c] == FHS_VALUE_DOUBLE) col->f64 = malloc((n ? n : 1) * sizeof *col->f64);
    else if (types[c] == FHS_VALUE_STRING) col->codes = calloc(n ? n : 1, sizeof *col->codes);
    else col->i64 = malloc((n ? n : 1) * sizeof *col->i64);
    if (!col->name || !col->valid || !(col->f64 || col->codes || col->i64)) return -1;
  }
  fhs_table_column *label = &t->columns[4], *note = &t->columns[5];
  label->dict_len = FIXTURE_N_LABELS;
  label->dict = calloc(FIXTURE_N_LABELS, sizeof *label->dict);
  note->dict_len = 1;
  note->dict = calloc(1, sizeof *note->dict);
  if (!label->dict || !note->dict || !(note->dict[0] = fixture_strdup("only"))) return -1;
  for (size_t d = 0; d < FIXTURE_N_LABELS; d++)
    if (!(label->dict[d] = fixture_strdup(fixture_labels[d]))) return -1;
  static const double specials[] = {0.1, -0.0, 1e-7, 123456.789, 1e300, 5e-324, -2.5, 0};
  uint64_t s = seed;
  for (size_t r = 0; r < n; r++) {
    uint64_t x = fixture_rand(&s);
    t->columns[0].i64[r] = (int64_t)r - 3;
    t->columns[1].i64[r] = r % 97 == 5 ? INT64_MIN + (int64_t)r : 17 + (int64_t)(x % 74);
    t->columns[2].f64[r] = r % 13 == 0 ? specials[(r / 13) % 8]
                                       : 17 + (double)(x >> 11) / 9007199254740992.0 * 73;
    /* midnights, whole seconds and milliseconds, before and after 1970 */
    int64_t ms = (int64_t)(x % 4000000000000ull) - 1000000000000;
    t->columns[3].i64[r] = r % 5 == 0 ? ms - ms % 86400000 : r % 5 == 1 ? ms - ms % 1000 : ms;
    label->codes[r] = (uint32_t)(x >> 40) % FIXTURE_N_LABELS;
    note->codes[r] = 0;
    for (size_t c = 0; c < 6; c++)
      t->columns[c].valid[r] = c == 0 || !missing_every || (r + c) % missing_every != 0;
    note->valid[r] = r > n / 2 && r % 3 == 0; /* missing in the whole first half */
  }
  return 0;
}

/* The text of cell (r, c), as CSV and the Parquet reader give it; "" when missing. */
static inline const char *fixture_text(const fhs_table *t, size_t r, size_t c, char *buf) {
  const fhs_table_column *col = &t->columns[c];
  if (col->valid && !col->valid[r]) return "";
  switch (col->type) {
    case FHS_VALUE_INT64: fhs_format_int64(col->i64[r], buf); return buf;
    case FHS_VALUE_DOUBLE: fhs_format_double(col->f64[r], buf); return buf;
    case FHS_VALUE_TIMESTAMP: fhs_format_timestamp(col->i64[r], 3, true, buf); return buf;
    default: return col->dict[col->codes[r]];
  }
}

#endif
