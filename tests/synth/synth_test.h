/* Helpers for the synth tests: small schemas built in memory and data with known structure. */
#ifndef FHS_TEST_SYNTH_H
#define FHS_TEST_SYNTH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

/* Appends a categorical column "name" with labels "v0".."v{d-1}". */
static inline void add_cat(fhs_schema *s, const char *name, size_t d, bool missing) {
  fhs_column *c = &s->columns[s->n_columns++];
  memset(c, 0, sizeof *c);
  c->name = strdup(name);
  c->type = FHS_COL_CATEGORICAL;
  c->categories = calloc(d ? d : 1, sizeof *c->categories);
  for (size_t k = 0; k < d; k++) {
    char buf[32];
    snprintf(buf, sizeof buf, "v%zu", k);
    c->categories[k] = strdup(buf);
  }
  c->n_categories = d;
  c->missing = missing;
}

static inline void add_num(fhs_schema *s, const char *name, fhs_col_type type, const double *edges,
                           size_t n_edges, bool missing) {
  fhs_column *c = &s->columns[s->n_columns++];
  memset(c, 0, sizeof *c);
  c->name = strdup(name);
  c->type = type;
  c->bins = malloc(n_edges * sizeof *c->bins);
  memcpy(c->bins, edges, n_edges * sizeof *c->bins);
  c->n_bins = n_edges;
  c->missing = missing;
}

static inline void schema_begin(fhs_schema *s, size_t max_cols) {
  memset(s, 0, sizeof *s);
  s->columns = calloc(max_cols, sizeof *s->columns);
}

/* All categorical: c0, c1, ... with the given domain sizes. */
static inline void cat_schema(fhs_schema *s, size_t n, const size_t *d) {
  schema_begin(s, n);
  for (size_t i = 0; i < n; i++) {
    char name[32];
    snprintf(name, sizeof name, "c%zu", i);
    add_cat(s, name, d[i], false);
  }
}

/* splitmix64: test data only */
static inline uint64_t test_next(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static inline double test_unit(uint64_t *x) { return (double)(test_next(x) >> 11) * 0x1p-53; }

/* n rows over the schema's domains: column 0 uniform; column j copies parent[j]'s value (mod
 * its domain) with probability p[j], else uniform; parent[j] = -1 means independent uniform. */
static inline void gen_data(const fhs_schema *s, size_t n, const long *parent, const double *p,
                            uint64_t seed, fhs_index_table *out) {
  size_t nc = s->n_columns;
  out->n_rows = n, out->n_cols = nc;
  out->index = malloc(n * nc * sizeof *out->index);
  for (size_t r = 0; r < n; r++)
    for (size_t c = 0; c < nc; c++) {
      size_t d = fhs_schema_domain_size(&s->columns[c]);
      uint16_t v = (uint16_t)(test_next(&seed) % d);
      if (parent[c] >= 0 && test_unit(&seed) < p[c])
        v = (uint16_t)(out->index[(size_t)parent[c] * n + r] % d);
      out->index[c * n + r] = v;
    }
}

static inline int count_all(const fhs_schema *s, const fhs_index_table *idx, int ways,
                            fhs_marginal_set *out) {
  fhs_colset *sets;
  size_t n;
  fhs_error err;
  if (fhs_colsets_all(s->n_columns, ways, &sets, &n, &err)) return -1;
  int rc = fhs_marginals_count(s, idx, sets, n, out, &err);
  if (rc) fprintf(stderr, "%s\n", err.msg);
  free(sets);
  return rc;
}

/* TVD of the 2-way (a, b) between two index tables. */
static inline double tvd_pair(const fhs_schema *s, const fhs_index_table *x,
                              const fhs_index_table *y, size_t a, size_t b) {
  fhs_colset set = {2, {a, b, 0}};
  fhs_tvd_summary sum;
  fhs_error err;
  if (fhs_tvd_index_tables(s, x, y, &set, 1, &sum, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  return sum.mean[2];
}

/* Two tables hold the same columns, types and values, byte for byte. */
static inline int tables_equal(const fhs_table *a, const fhs_table *b) {
  if (a->n_rows != b->n_rows || a->n_columns != b->n_columns) return 0;
  size_t n = a->n_rows;
  for (size_t c = 0; c < a->n_columns; c++) {
    const fhs_table_column *x = &a->columns[c], *y = &b->columns[c];
    if (x->type != y->type || strcmp(x->name, y->name) || memcmp(x->valid, y->valid, n)) return 0;
    if (x->i64 && memcmp(x->i64, y->i64, n * 8)) return 0;
    if (x->f64 && memcmp(x->f64, y->f64, n * 8)) return 0;
    if (x->codes && memcmp(x->codes, y->codes, n * 4)) return 0;
  }
  return 1;
}

#endif
