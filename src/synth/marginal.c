/* Marginal sets: lookup, validation against a schema, and exact counting from plaintext (a CSV
 * or a generated table), the reference every noisy or encrypted count is compared with. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

void fhs_marginal_set_free(fhs_marginal_set *s) {
  if (!s) return;
  for (size_t i = 0; i < s->count; i++) free(s->m[i].counts);
  free(s->m);
  memset(s, 0, sizeof *s);
}

/* Totals of the tables of one order: sum of T_i / v_i and of 1 / v_i, v_i = size_i sigma_i^2. */
static void weighted_totals(const fhs_marginal_set *s, size_t order, double *num, double *den) {
  *num = *den = 0;
  for (size_t i = 0; i < s->count; i++) {
    const fhs_marginal *m = &s->m[i];
    if (m->n_cols != order) continue;
    double t = 0, v = (double)m->size * m->sigma * m->sigma;
    for (size_t j = 0; j < m->size; j++) t += (double)m->counts[j];
    if (!(v > 0)) v = 1e-9; /* an exact table: it dominates, as it should */
    *num += t / v;
    *den += 1 / v;
  }
}

double fhs_noisy_total(const fhs_marginal_set *s) {
  double num = 0, den = 0;
  for (size_t order = 1; order <= FHS_MARGINAL_MAX_WAYS && den == 0; order++)
    weighted_totals(s, order, &num, &den);
  double n = den > 0 ? num / den : 0;
  return n >= 1 ? n : 1;
}

const fhs_marginal *fhs_marginal_set_find(const fhs_marginal_set *s, size_t n_cols,
                                          const size_t *cols) {
  for (size_t i = 0; i < s->count; i++) {
    const fhs_marginal *m = &s->m[i];
    if (m->n_cols == n_cols && memcmp(m->cols, cols, n_cols * sizeof *cols) == 0) return m;
  }
  return NULL;
}

double fhs_marginal_set_rho_measured(const fhs_marginal_set *s) {
  double rho = 0;
  for (size_t i = 0; i < s->count; i++) rho += fhs_dp_rho_gaussian(1.0, s->m[i].sigma * s->m[i].sigma);
  return rho;
}

int fhs_marginal_set_check(const fhs_marginal_set *s, const fhs_schema *schema, const char *where,
                           fhs_error *err) {
  for (size_t i = 0; i < s->count; i++) {
    const fhs_marginal *m = &s->m[i];
    if (m->n_cols < 1 || m->n_cols > FHS_MARGINAL_MAX_WAYS)
      return fhs_error_set(err, "%s: marginal %zu has %zu columns (1 to 3 allowed)", where, i + 1,
                           m->n_cols);
    size_t size = 1;
    for (size_t k = 0; k < m->n_cols; k++) {
      if (m->cols[k] >= schema->n_columns || (k && m->cols[k] <= m->cols[k - 1]))
        return fhs_error_set(err, "%s: marginal %zu: columns are not increasing schema columns",
                             where, i + 1);
      size_t d = fhs_schema_domain_size(&schema->columns[m->cols[k]]);
      if (m->shape[k] != d)
        return fhs_error_set(err,
                             "%s: marginal %zu: column \"%s\" has %zu values, the schema says %zu",
                             where, i + 1, schema->columns[m->cols[k]].name, m->shape[k], d);
      size *= d;
    }
    if (m->size != size || !m->counts)
      return fhs_error_set(err, "%s: marginal %zu: %zu counts for a table of %zu cells", where,
                           i + 1, m->size, size);
    if (!(m->sigma >= 0) || !isfinite(m->sigma))
      return fhs_error_set(err, "%s: marginal %zu: sigma must be finite and >= 0", where, i + 1);
  }
  return 0;
}

int fhs_marginal_copy(fhs_marginal *dst, const fhs_marginal *src, fhs_error *err) {
  *dst = *src;
  dst->counts = malloc((src->size ? src->size : 1) * sizeof *dst->counts);
  if (!dst->counts) return fhs_error_set(err, "synth: out of memory for a marginal copy");
  memcpy(dst->counts, src->counts, src->size * sizeof *dst->counts);
  return 0;
}

/* ---------- index tables ---------- */

void fhs_index_table_free(fhs_index_table *t) {
  if (!t) return;
  free(t->index);
  memset(t, 0, sizeof *t);
}

int fhs_index_table_from_csv(const fhs_schema *schema, const char *csv_path, fhs_index_table *out,
                             fhs_error *err) {
  memset(out, 0, sizeof *out);
  fhs_csv_reader *rd = fhs_csv_open(csv_path, err);
  if (!rd) return -1;
  fhs_encoder *enc = fhs_encoder_create(schema, rd, 4096, err);
  if (!enc) {
    fhs_csv_close(rd);
    return -1;
  }
  /* Row-major blocks are gathered first and transposed at the end: the row count is only
   * known then. */
  size_t nc = schema->n_columns, cap = 0, n = 0;
  uint16_t *rows = NULL;
  fhs_encode_block b;
  memset(&b, 0, sizeof b);
  int rc, status = 0;
  while ((rc = fhs_encoder_next(enc, &b, err)) == 1) {
    if (n + b.n_rows > cap) {
      size_t ncap = cap ? 2 * cap : 65536;
      while (ncap < n + b.n_rows) ncap *= 2;
      uint16_t *p = realloc(rows, ncap * nc * sizeof *p);
      if (!p) {
        status = fhs_error_set(err, "%s: out of memory", csv_path);
        break;
      }
      rows = p, cap = ncap;
    }
    for (size_t r = 0; r < b.n_rows; r++)
      for (size_t c = 0; c < nc; c++) rows[(n + r) * nc + c] = fhs_encode_block_column(&b, c)[r];
    n += b.n_rows;
  }
  if (rc < 0) status = -1;
  fhs_encode_block_free(&b);
  fhs_encoder_free(enc);
  fhs_csv_close(rd);
  if (status == 0) {
    out->index = malloc((n ? n : 1) * nc * sizeof *out->index);
    if (!out->index) status = fhs_error_set(err, "%s: out of memory", csv_path);
  }
  if (status == 0) {
    for (size_t r = 0; r < n; r++)
      for (size_t c = 0; c < nc; c++) out->index[c * n + r] = rows[r * nc + c];
    out->n_rows = n;
    out->n_cols = nc;
  }
  free(rows);
  return status;
}

/* The text a CSV writer would produce for one cell, so encoding it checks what a user sees. */
static void format_cell(const fhs_table_column *col, size_t r, char *buf, size_t size) {
  switch (col->type) {
    case FHS_VALUE_INT64: snprintf(buf, size, "%lld", (long long)col->i64[r]); break;
    case FHS_VALUE_DOUBLE: snprintf(buf, size, "%.17g", col->f64[r]); break;
    case FHS_VALUE_TIMESTAMP:
      if (!fhs_datetime_format((double)col->i64[r] / 1000.0, buf, size)) buf[0] = 0;
      break;
    case FHS_VALUE_STRING:
      snprintf(buf, size, "%s", col->codes[r] < col->dict_len ? col->dict[col->codes[r]] : "");
      break;
  }
}

int fhs_index_table_from_table(const fhs_schema *schema, const fhs_table *t, fhs_index_table *out,
                               fhs_error *err) {
  memset(out, 0, sizeof *out);
  size_t nc = schema->n_columns, n = t->n_rows;
  uint16_t *index = malloc((n ? n : 1) * (nc ? nc : 1) * sizeof *index);
  if (!index) return fhs_error_set(err, "synth: out of memory encoding a table");
  for (size_t c = 0; c < nc; c++) {
    const fhs_column *sc = &schema->columns[c];
    const fhs_table_column *tc = NULL;
    for (size_t k = 0; k < t->n_columns && !tc; k++)
      if (strcmp(t->columns[k].name, sc->name) == 0) tc = &t->columns[k];
    if (!tc) {
      free(index);
      return fhs_error_set(err, "table: no column \"%s\" of the schema", sc->name);
    }
    for (size_t r = 0; r < n; r++) {
      char buf[1024], where[96];
      if (tc->valid[r])
        format_cell(tc, r, buf, sizeof buf);
      else
        buf[0] = 0;
      snprintf(where, sizeof where, "table row %zu", r + 1);
      if (fhs_encode_value(sc, buf, strlen(buf), where, &index[c * n + r], err)) {
        free(index);
        return -1;
      }
    }
  }
  out->index = index;
  out->n_rows = n;
  out->n_cols = nc;
  return 0;
}

/* ---------- counting ---------- */

int fhs_colsets_all(size_t n_columns, int ways, fhs_colset **sets, size_t *n_sets,
                    fhs_error *err) {
  if (ways < 1 || ways > FHS_MARGINAL_MAX_WAYS)
    return fhs_error_set(err, "synth: ways must be 1, 2 or 3 (got %d)", ways);
  size_t n = n_columns;
  size_t total = n + (ways >= 2 ? n * (n - (n > 0)) / 2 : 0) +
                 (ways == 3 && n >= 3 ? n * (n - 1) * (n - 2) / 6 : 0);
  fhs_colset *s = calloc(total ? total : 1, sizeof *s);
  if (!s) return fhs_error_set(err, "synth: out of memory for %zu column sets", total);
  size_t k = 0;
  for (size_t a = 0; a < n; a++) s[k++] = (fhs_colset){1, {a, 0, 0}};
  if (ways >= 2)
    for (size_t a = 0; a < n; a++)
      for (size_t b = a + 1; b < n; b++) s[k++] = (fhs_colset){2, {a, b, 0}};
  if (ways == 3)
    for (size_t a = 0; a < n; a++)
      for (size_t b = a + 1; b < n; b++)
        for (size_t c = b + 1; c < n; c++) s[k++] = (fhs_colset){3, {a, b, c}};
  *sets = s;
  *n_sets = k;
  return 0;
}

static int count_one(const fhs_schema *schema, const fhs_index_table *idx, const fhs_colset *cs,
                     fhs_marginal *m, fhs_error *err) {
  memset(m, 0, sizeof *m);
  m->n_cols = cs->n_cols;
  m->size = 1;
  for (size_t k = 0; k < cs->n_cols; k++) {
    if (cs->cols[k] >= schema->n_columns || (k && cs->cols[k] <= cs->cols[k - 1]))
      return fhs_error_set(err, "synth: column sets must hold increasing schema columns");
    m->cols[k] = cs->cols[k];
    m->shape[k] = fhs_schema_domain_size(&schema->columns[cs->cols[k]]);
    m->size *= m->shape[k];
  }
  m->counts = calloc(m->size ? m->size : 1, sizeof *m->counts);
  if (!m->counts) return fhs_error_set(err, "synth: out of memory for a marginal");
  size_t n = idx->n_rows;
  const uint16_t *col[3] = {NULL, NULL, NULL};
  for (size_t k = 0; k < cs->n_cols; k++) col[k] = idx->index + cs->cols[k] * n;
  for (size_t r = 0; r < n; r++) {
    size_t cell = 0;
    for (size_t k = 0; k < cs->n_cols; k++) {
      if (col[k][r] >= m->shape[k]) {
        free(m->counts);
        m->counts = NULL;
        return fhs_error_set(err, "synth: row %zu: index %u outside the domain of \"%s\"", r + 1,
                             col[k][r], schema->columns[cs->cols[k]].name);
      }
      cell = cell * m->shape[k] + col[k][r];
    }
    m->counts[cell]++;
  }
  return 0;
}

int fhs_marginals_count(const fhs_schema *schema, const fhs_index_table *idx,
                        const fhs_colset *sets, size_t n_sets, fhs_marginal_set *out,
                        fhs_error *err) {
  memset(out, 0, sizeof *out);
  if (idx->n_cols != schema->n_columns)
    return fhs_error_set(err, "synth: index table has %zu columns, the schema %zu", idx->n_cols,
                         schema->n_columns);
  fhs_marginal_set s = {.rows = idx->n_rows, .exact = 1, .epsilon = INFINITY, .rho = INFINITY};
  s.m = calloc(n_sets ? n_sets : 1, sizeof *s.m);
  if (!s.m) return fhs_error_set(err, "synth: out of memory for %zu marginals", n_sets);
  int status = 0;
  /* Tables are independent; a failure is recorded and the others still finish. */
#pragma omp parallel for schedule(dynamic) reduction(| : status)
  for (size_t i = 0; i < n_sets; i++) {
    fhs_error e;
    if (count_one(schema, idx, &sets[i], &s.m[i], &e)) {
#pragma omp critical(fhs_synth_count_err)
      if (err) *err = e;
      status |= 1;
    }
  }
  s.count = n_sets;
  if (status) {
    fhs_marginal_set_free(&s);
    return -1;
  }
  *out = s;
  return 0;
}

int fhs_marginals_from_csv(const fhs_schema *schema, const char *csv_path, int ways,
                           fhs_marginal_set *out, fhs_error *err) {
  memset(out, 0, sizeof *out);
  fhs_colset *sets;
  size_t n_sets;
  if (fhs_colsets_all(schema->n_columns, ways, &sets, &n_sets, err)) return -1;
  fhs_index_table idx;
  int rc = fhs_index_table_from_csv(schema, csv_path, &idx, err);
  if (rc == 0) rc = fhs_marginals_count(schema, &idx, sets, n_sets, out, err);
  fhs_index_table_free(&idx);
  free(sets);
  return rc;
}
