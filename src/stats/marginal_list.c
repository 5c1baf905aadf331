/* Marginal lists: which tables fit computes. Kept closed under sub-marginals because the owner
 * completes each table's last row/column from its sub-marginals. */
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int spec_cmp(const void *a, const void *b) {
  const fhs_marginal_spec *x = a, *y = b;
  if (x->n_cols != y->n_cols) return x->n_cols < y->n_cols ? -1 : 1;
  for (size_t i = 0; i < x->n_cols; i++)
    if (x->cols[i] != y->cols[i]) return x->cols[i] < y->cols[i] ? -1 : 1;
  return 0;
}

static int list_push(fhs_marginal_list *l, size_t *cap, const fhs_marginal_spec *s) {
  for (size_t i = 0; i < l->count; i++)
    if (spec_cmp(&l->m[i], s) == 0) return 0;
  if (l->count == *cap) {
    size_t nc = *cap ? 2 * *cap : 64;
    fhs_marginal_spec *nm = realloc(l->m, nc * sizeof *nm);
    if (!nm) return -1;
    l->m = nm;
    *cap = nc;
  }
  l->m[l->count++] = *s;
  return 0;
}

/* Adds s and all its sub-marginals; keeps the list sorted by order, then columns. */
static int list_add_closed(fhs_marginal_list *l, size_t *cap, const fhs_marginal_spec *s) {
  for (unsigned mask = 1; mask < (1u << s->n_cols); mask++) {
    fhs_marginal_spec sub = {0, {0, 0, 0}};
    for (size_t i = 0; i < s->n_cols; i++)
      if (mask & (1u << i)) sub.cols[sub.n_cols++] = s->cols[i];
    if (list_push(l, cap, &sub) != 0) return -1;
  }
  return 0;
}

int fhs_marginal_list_all(uint32_t n_columns, int ways, fhs_marginal_list *out, fhs_error *err) {
  memset(out, 0, sizeof *out);
  if (ways < 1 || ways > FHS_STATS_MAX_WAYS) return fhs_error_set(err, "--ways must be 1, 2 or 3 (got %d)", ways);
  size_t cap = 0;
  for (uint32_t a = 0; a < n_columns; a++) {
    fhs_marginal_spec s = {1, {a, 0, 0}};
    if (list_push(out, &cap, &s) != 0) goto oom;
  }
  for (uint32_t a = 0; ways >= 2 && a < n_columns; a++)
    for (uint32_t b = a + 1; b < n_columns; b++) {
      fhs_marginal_spec s = {2, {a, b, 0}};
      if (list_push(out, &cap, &s) != 0) goto oom;
    }
  for (uint32_t a = 0; ways >= 3 && a < n_columns; a++)
    for (uint32_t b = a + 1; b < n_columns; b++)
      for (uint32_t c = b + 1; c < n_columns; c++) {
        fhs_marginal_spec s = {3, {a, b, c}};
        if (list_push(out, &cap, &s) != 0) goto oom;
      }
  return 0;
oom:
  fhs_marginal_list_free(out);
  return fhs_error_set(err, "out of memory");
}

int fhs_marginal_list_parse(const char *text, uint32_t n_columns, fhs_marginal_list *out, fhs_error *err) {
  memset(out, 0, sizeof *out);
  size_t cap = 0;
  const char *p = text;
  while (*p) {
    fhs_marginal_spec s = {0, {0, 0, 0}};
    for (;;) {
      char *end;
      long v = strtol(p, &end, 10);
      if (end == p || v < 0) {
        fhs_marginal_list_free(out);
        return fhs_error_set(err, "--marginals: expected column numbers 0..%u like \"0,1;2,3\" near \"%.20s\"",
                             n_columns ? n_columns - 1 : 0, p);
      }
      if (v >= (long)n_columns) {
        fhs_marginal_list_free(out);
        return fhs_error_set(err, "--marginals: column %ld does not exist: the data has %u columns, numbered 0..%u", v,
                             n_columns, n_columns ? n_columns - 1 : 0);
      }
      if (s.n_cols == FHS_STATS_MAX_WAYS) {
        fhs_marginal_list_free(out);
        return fhs_error_set(err, "--marginals: a marginal has at most %d columns", FHS_STATS_MAX_WAYS);
      }
      for (size_t i = 0; i < s.n_cols; i++)
        if (s.cols[i] == (uint32_t)v) {
          fhs_marginal_list_free(out);
          return fhs_error_set(err, "--marginals: column %ld appears twice in one marginal", v);
        }
      s.cols[s.n_cols++] = (uint32_t)v;
      p = end;
      if (*p != ',') break;
      p++;
    }
    if (*p && *p != ';') {
      fhs_marginal_list_free(out);
      return fhs_error_set(err, "--marginals: unexpected \"%c\"", *p);
    }
    if (*p == ';') p++;
    /* columns in increasing order */
    for (size_t i = 1; i < s.n_cols; i++)
      for (size_t j = i; j > 0 && s.cols[j - 1] > s.cols[j]; j--) {
        uint32_t t = s.cols[j];
        s.cols[j] = s.cols[j - 1];
        s.cols[j - 1] = t;
      }
    if (list_add_closed(out, &cap, &s) != 0) {
      fhs_marginal_list_free(out);
      return fhs_error_set(err, "out of memory");
    }
  }
  if (out->count == 0) return fhs_error_set(err, "--marginals: no marginal given");
  /* every 1-way marginal is cheap and fixes the row count: always include them */
  for (uint32_t a = 0; a < n_columns; a++) {
    fhs_marginal_spec s = {1, {a, 0, 0}};
    if (list_push(out, &cap, &s) != 0) {
      fhs_marginal_list_free(out);
      return fhs_error_set(err, "out of memory");
    }
  }
  qsort(out->m, out->count, sizeof *out->m, spec_cmp);
  return 0;
}

void fhs_marginal_list_free(fhs_marginal_list *l) {
  if (!l) return;
  free(l->m);
  l->m = NULL;
  l->count = 0;
}
