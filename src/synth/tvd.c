/* Total variation distance between marginals: the fidelity measure of DESIGN section 8 and of
 * the MST / Private-PGM papers (their "workload error" is the mean of these). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

static int same_shape(const fhs_marginal *a, const fhs_marginal *b) {
  if (a->n_cols != b->n_cols || a->size != b->size) return 0;
  for (size_t k = 0; k < a->n_cols; k++)
    if (a->cols[k] != b->cols[k] || a->shape[k] != b->shape[k]) return 0;
  return 1;
}

double fhs_tvd_marginal(const fhs_marginal *a, const fhs_marginal *b) {
  if (!same_shape(a, b)) return -1;
  double sa = 0, sb = 0, d = 0;
  for (size_t i = 0; i < a->size; i++) {
    sa += a->counts[i] > 0 ? (double)a->counts[i] : 0;
    sb += b->counts[i] > 0 ? (double)b->counts[i] : 0;
  }
  for (size_t i = 0; i < a->size; i++) {
    double pa = sa > 0 ? (a->counts[i] > 0 ? (double)a->counts[i] : 0) / sa : 1.0 / (double)a->size;
    double pb = sb > 0 ? (b->counts[i] > 0 ? (double)b->counts[i] : 0) / sb : 1.0 / (double)b->size;
    d += fabs(pa - pb);
  }
  return 0.5 * d;
}

int fhs_tvd_sets(const fhs_marginal_set *real, const fhs_marginal_set *synth,
                 fhs_tvd_summary *out, fhs_error *err) {
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < real->count; i++) {
    const fhs_marginal *a = &real->m[i];
    const fhs_marginal *b = fhs_marginal_set_find(synth, a->n_cols, a->cols);
    if (!b || !same_shape(a, b))
      return fhs_error_set(err, "tvd: marginal %zu has no counterpart of the same shape", i + 1);
    double d = fhs_tvd_marginal(a, b);
    out->mean[a->n_cols] += d;
    out->max[a->n_cols] = d > out->max[a->n_cols] ? d : out->max[a->n_cols];
    out->n[a->n_cols]++;
  }
  for (size_t k = 1; k <= FHS_MARGINAL_MAX_WAYS; k++)
    if (out->n[k]) out->mean[k] /= (double)out->n[k];
  return 0;
}

int fhs_tvd_index_tables(const fhs_schema *schema, const fhs_index_table *real,
                         const fhs_index_table *synth, const fhs_colset *sets, size_t n_sets,
                         fhs_tvd_summary *out, fhs_error *err) {
  fhs_marginal_set a, b;
  memset(out, 0, sizeof *out);
  if (fhs_marginals_count(schema, real, sets, n_sets, &a, err)) return -1;
  if (fhs_marginals_count(schema, synth, sets, n_sets, &b, err)) {
    fhs_marginal_set_free(&a);
    return -1;
  }
  int rc = fhs_tvd_sets(&a, &b, out, err);
  fhs_marginal_set_free(&a);
  fhs_marginal_set_free(&b);
  return rc;
}
