/* Owner-side checks of the counts a (possibly malicious) server returned: range, consistency
 * of sub-marginals, and a plaintext recount when the owner still has the input. stats.h says
 * what each one guarantees. Messages are one line: file, table (column numbers), cell, values. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

const fhs_count_table *fhs_count_set_find(const fhs_count_set *s, size_t n_cols, const uint32_t *cols) {
  for (size_t i = 0; i < s->count; i++) {
    const fhs_marginal_spec *sp = &s->t[i].spec;
    if (sp->n_cols != n_cols) continue;
    size_t j = 0;
    while (j < n_cols && sp->cols[j] == cols[j]) j++;
    if (j == n_cols) return &s->t[i];
  }
  return NULL;
}

/* "(3, 7)": the table's column numbers. */
static void cols_text(const fhs_marginal_spec *sp, char *buf, size_t size) {
  int n = snprintf(buf, size, "(");
  for (size_t i = 0; i < sp->n_cols; i++)
    n += snprintf(buf + n, size - (size_t)n, "%s%u", i ? ", " : "", sp->cols[i]);
  snprintf(buf + n, size - (size_t)n, ")");
}

/* "(2, 5)": the value indices of cell off, optionally without dimension `skip`. */
static void cell_text(const fhs_count_table *t, size_t off, size_t skip, char *buf, size_t size) {
  size_t idx[FHS_STATS_MAX_WAYS], n = t->spec.n_cols;
  for (size_t i = n; i-- > 0;) {
    idx[i] = off % t->shape[i];
    off /= t->shape[i];
  }
  int w = snprintf(buf, size, "(");
  const char *sep = "";
  for (size_t i = 0; i < n; i++) {
    if (i == skip) continue;
    w += snprintf(buf + w, size - (size_t)w, "%s%zu", sep, idx[i]);
    sep = ", ";
  }
  snprintf(buf + w, size - (size_t)w, ")");
}

/* Counts are stored mod 2^64: a negative one (tampering) prints as negative. */
static void value_text(uint64_t v, char *buf, size_t size) {
  if ((int64_t)v < 0) snprintf(buf, size, "%" PRId64, (int64_t)v);
  else snprintf(buf, size, "%" PRIu64, v);
}

static int check_range(const fhs_count_set *s, const char *path, fhs_error *err) {
  for (size_t m = 0; m < s->count; m++) {
    const fhs_count_table *t = &s->t[m];
    for (size_t off = 0; off < t->size; off++) {
      if (t->counts[off] <= s->rows_padded) continue;
      char cols[64], cell[64], val[32];
      cols_text(&t->spec, cols, sizeof cols);
      cell_text(t, off, SIZE_MAX, cell, sizeof cell);
      value_text(t->counts[off], val, sizeof val);
      fhs_error_set(err,
                    "%s: the server's result is impossible: table %s cell %s is %s, outside [0, %" PRIu64
                    "] (tampered or corrupt); nothing released",
                    path, cols, cell, val, s->rows_padded);
      return FHS_STATS_REFUTED;
    }
  }
  return 0;
}

/* Every 1-way table counts every row once: all sum to the same N, at most the padded rows. */
static int check_totals(const fhs_count_set *s, const char *path, fhs_error *err) {
  const fhs_count_table *first = NULL;
  uint64_t total = 0;
  for (size_t m = 0; m < s->count; m++) {
    const fhs_count_table *t = &s->t[m];
    if (t->spec.n_cols != 1) continue;
    uint64_t sum = 0;
    for (size_t i = 0; i < t->size; i++) sum += t->counts[i];
    if (!first) {
      first = t;
      total = sum;
    }
    if (sum == total && sum <= s->rows_padded) continue;
    fhs_error_set(err,
                  "%s: the server's result does not add up: table (%u) sums to %" PRIu64 ", table (%u) to %" PRIu64
                  " of at most %" PRIu64 " rows (tampered or corrupt); nothing released",
                  path, t->spec.cols[0], sum, first->spec.cols[0], total, s->rows_padded);
    return FHS_STATS_REFUTED;
  }
  return 0;
}

/* Table t summed over its dimension d must equal sub (t without column d). */
static int check_sum_over(const fhs_count_table *t, size_t d, const fhs_count_table *sub, const char *path,
                          fhs_error *err) {
  uint64_t *sums = calloc(sub->size, sizeof *sums);
  if (!sums) return fhs_error_set(err, "out of memory");
  size_t inner = 1;
  for (size_t i = d + 1; i < t->spec.n_cols; i++) inner *= t->shape[i];
  /* off = (outer * shape[d] + v) * inner + in  ->  sub offset outer * inner + in */
  for (size_t off = 0; off < t->size; off++) sums[(off / (inner * t->shape[d])) * inner + off % inner] += t->counts[off];
  size_t bad = SIZE_MAX;
  for (size_t off = 0; off < sub->size && bad == SIZE_MAX; off++)
    if (sums[off] != sub->counts[off]) bad = off;
  int rc = 0;
  if (bad != SIZE_MAX) {
    char cols[64], sub_cols[64], cell[64];
    cols_text(&t->spec, cols, sizeof cols);
    cols_text(&sub->spec, sub_cols, sizeof sub_cols);
    cell_text(sub, bad, SIZE_MAX, cell, sizeof cell);
    rc = FHS_STATS_REFUTED;
    fhs_error_set(err,
                  "%s: the server's result does not add up: table %s summed over column %u gives %" PRIu64
                  " at %s, table %s has %" PRIu64 " (tampered or corrupt); nothing released",
                  path, cols, t->spec.cols[d], sums[bad], cell, sub_cols, sub->counts[bad]);
  }
  free(sums);
  return rc;
}

static int check_sub_marginals(const fhs_count_set *s, const char *path, fhs_error *err) {
  for (size_t m = 0; m < s->count; m++) {
    const fhs_count_table *t = &s->t[m];
    size_t n = t->spec.n_cols;
    for (size_t d = 0; n > 1 && d < n; d++) {
      uint32_t cols[FHS_STATS_MAX_WAYS];
      size_t k = 0;
      for (size_t i = 0; i < n; i++)
        if (i != d) cols[k++] = t->spec.cols[i];
      const fhs_count_table *sub = fhs_count_set_find(s, n - 1, cols);
      /* the list is closed under sub-marginals; a missing one means a malformed file */
      if (!sub) return fhs_error_set(err, "%s: corrupt header (a sub-marginal is missing)", path);
      int rc = check_sum_over(t, d, sub, path, err);
      if (rc != 0) return rc;
    }
  }
  return 0;
}

int fhs_count_set_check(const fhs_count_set *s, const char *path, fhs_error *err) {
  int rc = check_range(s, path, err);
  if (rc == 0) rc = check_totals(s, path, err);
  if (rc == 0) rc = check_sub_marginals(s, path, err);
  return rc;
}

/* ---------- plaintext recount ---------- */

/* The schema must describe the same columns and domains as the result. */
static int schema_matches(const fhs_count_set *s, const fhs_schema *schema, const char *path, fhs_error *err) {
  if (schema->n_columns != s->n_columns)
    return fhs_error_set(err, "%s: has %u columns, but the schema has %zu: they describe different data", path,
                         s->n_columns, schema->n_columns);
  for (size_t c = 0; c < schema->n_columns; c++)
    if (fhs_schema_domain_size(&schema->columns[c]) != s->domain[c])
      return fhs_error_set(err, "%s: column %zu has %u values, but the schema's \"%s\" has %zu: they describe different data",
                           path, c, s->domain[c], schema->columns[c].name, fhs_schema_domain_size(&schema->columns[c]));
  return 0;
}

/* Adds one block's rows to table t's counts. */
static void tally(const fhs_count_table *t, const fhs_encode_block *b, uint64_t *counts) {
  const uint16_t *c0 = fhs_encode_block_column(b, t->spec.cols[0]);
  const uint16_t *c1 = t->spec.n_cols > 1 ? fhs_encode_block_column(b, t->spec.cols[1]) : NULL;
  const uint16_t *c2 = t->spec.n_cols > 2 ? fhs_encode_block_column(b, t->spec.cols[2]) : NULL;
  for (size_t r = 0; r < b->n_rows; r++) {
    size_t off = c0[r];
    if (c1) off = off * t->shape[1] + c1[r];
    if (c2) off = off * t->shape[2] + c2[r];
    counts[off]++;
  }
}

/* Plaintext counts of every table: one pass over the input, tables tallied in parallel. */
static int count_input(const fhs_count_set *s, const fhs_schema *schema, const char *input, uint64_t **counts,
                       fhs_error *err) {
  fhs_rows *rows = fhs_rows_open(input, err);
  if (!rows) return -1;
  fhs_encoder *enc = fhs_encoder_create_rows(schema, rows, 4096, err);
  fhs_encode_block blk;
  memset(&blk, 0, sizeof blk);
  int more = enc ? 1 : -1;
  while (more == 1 && (more = fhs_encoder_next(enc, &blk, err)) == 1) {
#pragma omp parallel for schedule(dynamic)
    for (size_t m = 0; m < s->count; m++) tally(&s->t[m], &blk, counts[m]);
  }
  fhs_encode_block_free(&blk);
  fhs_encoder_free(enc);
  fhs_rows_close(rows);
  return more == 0 ? 0 : -1;
}

static int compare(const fhs_count_set *s, uint64_t *const *counts, const char *path, fhs_error *err) {
  for (size_t m = 0; m < s->count; m++) {
    const fhs_count_table *t = &s->t[m];
    for (size_t off = 0; off < t->size; off++) {
      if (t->counts[off] == counts[m][off]) continue;
      char cols[64], cell[64], val[32];
      cols_text(&t->spec, cols, sizeof cols);
      cell_text(t, off, SIZE_MAX, cell, sizeof cell);
      value_text(t->counts[off], val, sizeof val);
      fhs_error_set(err,
                    "%s: the server's result does not match the data: table %s cell %s is %s, the data gives %" PRIu64
                    " (tampered or wrong input); nothing released",
                    path, cols, cell, val, counts[m][off]);
      return FHS_STATS_REFUTED;
    }
  }
  return 0;
}

int fhs_count_set_recount(const fhs_count_set *s, const fhs_schema *schema, const char *input, const char *path,
                          fhs_error *err) {
  if (schema_matches(s, schema, path, err) != 0) return -1;
  uint64_t **counts = calloc(s->count ? s->count : 1, sizeof *counts);
  int rc = counts ? 0 : fhs_error_set(err, "out of memory");
  for (size_t m = 0; m < s->count && rc == 0; m++)
    if (!(counts[m] = calloc(s->t[m].size, sizeof **counts))) rc = fhs_error_set(err, "out of memory");
  if (rc == 0) rc = count_input(s, schema, input, counts, err);
  if (rc == 0) rc = compare(s, counts, path, err);
  for (size_t m = 0; counts && m < s->count; m++) free(counts[m]);
  free(counts);
  return rc;
}
