/* Gower distances by brute force, vectorized. Every column becomes one float per row such that
 * the column's Gower term is min(|a - b|, 1): numeric values scaled by the real range (so the
 * term is |a - b| / range, capped at 1), categories spread 2 apart (term 0 or 1), missing
 * values far from everything else (term 1, or 0 between two missing values). One branch-free
 * kernel then serves every column type, and the compiler turns it into SIMD code (one clone
 * per instruction set, picked at run time). Candidates are stored column-major and scanned in
 * cache-sized blocks, several queries per block. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval_internal.h"

#define MISSING_VALUE (-1.0e6f)
#define VALUE_LIMIT 1.0e5 /* scaled values are clamped here, far from MISSING_VALUE */
#define QB 8               /* queries per block */
#define RB 512             /* candidate rows per block */

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define FHS_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define FHS_SIMD_CLONES
#endif

int fhs_gower_space_init(const fhs_schema *schema, const fhs_eval_data *ref, fhs_gower_space *s,
                         fhs_error *err) {
  size_t p = schema->n_columns;
  s->p = p;
  s->lo = calloc(p ? p : 1, sizeof *s->lo);
  s->scale = calloc(p ? p : 1, sizeof *s->scale);
  if (!s->lo || !s->scale) {
    fhs_gower_space_free(s);
    return fhs_error_set(err, "evaluate: out of memory for distances");
  }
  for (size_t c = 0; c < p; c++) {
    if (!ref->num[c]) continue;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t r = 0; r < ref->n_rows; r++) {
      double v = ref->num[c][r];
      if (isnan(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    s->lo[c] = isfinite(lo) ? lo : 0;
    s->scale[c] = (isfinite(lo) && hi > lo) ? 1.0 / (hi - lo) : 1.0;
  }
  return 0;
}

void fhs_gower_space_free(fhs_gower_space *s) {
  free(s->lo);
  free(s->scale);
  memset(s, 0, sizeof *s);
}

static float feature(const fhs_gower_space *s, const fhs_eval_data *d, size_t c, size_t r) {
  if (d->key[c]) return 2.0f * (float)d->key[c][r];
  double v = d->num[c][r];
  if (isnan(v)) return MISSING_VALUE;
  v = (v - s->lo[c]) * s->scale[c];
  if (v > VALUE_LIMIT) v = VALUE_LIMIT;
  if (v < -VALUE_LIMIT) v = -VALUE_LIMIT;
  return (float)v;
}

int fhs_gower_matrix_make(const fhs_gower_space *s, const fhs_eval_data *d, const size_t *rows,
                          size_t n, fhs_gower_matrix *m, fhs_error *err) {
  if (!rows) n = d->n_rows;
  m->n = n;
  m->p = s->p;
  m->stride = (n + 15) & ~(size_t)15;
  m->x = calloc((m->stride ? m->stride : 16) * (s->p ? s->p : 1), sizeof *m->x);
  if (!m->x) return fhs_error_set(err, "evaluate: out of memory for a distance matrix");
  for (size_t c = 0; c < s->p; c++)
    for (size_t i = 0; i < n; i++) m->x[c * m->stride + i] = feature(s, d, c, rows ? rows[i] : i);
  return 0;
}

void fhs_gower_matrix_free(fhs_gower_matrix *m) {
  free(m->x);
  memset(m, 0, sizeof *m);
}

void fhs_gower_row(const fhs_gower_matrix *m, size_t r, float *out) {
  for (size_t c = 0; c < m->p; c++) out[c] = m->x[c * m->stride + r];
}

/* acc[qi * RB + r] = sum over used features of min(|x - q|, 1) for rows r0 .. r0 + nr. */
FHS_SIMD_CLONES
static void block_sums(const float *x, size_t stride, size_t r0, size_t nr, const float *q,
                       size_t nq, size_t p, const uint8_t *mask, float *acc) {
  for (size_t i = 0; i < nq * RB; i++) acc[i] = 0;
  for (size_t j = 0; j < p; j++) {
    if (mask && !mask[j]) continue;
    const float *xj = x + j * stride + r0;
    for (size_t qi = 0; qi < nq; qi++) {
      const float v = q[qi * p + j];
      float *a = acc + qi * RB;
      for (size_t r = 0; r < nr; r++) {
        float d = fabsf(xj[r] - v);
        a[r] += d < 1.0f ? d : 1.0f;
      }
    }
  }
}

void fhs_gower_nearest(const fhs_gower_matrix *queries, const fhs_gower_matrix *cand,
                       const uint8_t *mask, double *out, size_t *arg) {
  size_t p = cand->p, used = 0;
  for (size_t j = 0; j < p; j++) used += !mask || mask[j];
  size_t nqb = (queries->n + QB - 1) / QB;
#pragma omp parallel
  {
    float *acc = malloc(QB * RB * sizeof *acc), *q = malloc(QB * (p ? p : 1) * sizeof *q);
#pragma omp for schedule(dynamic)
    for (size_t b = 0; b < nqb; b++) {
      size_t q0 = b * QB, nq = queries->n - q0 < QB ? queries->n - q0 : QB;
      float best[QB];
      size_t besti[QB];
      for (size_t qi = 0; qi < nq; qi++) {
        fhs_gower_row(queries, q0 + qi, q + qi * p);
        best[qi] = FLT_MAX, besti[qi] = 0;
      }
      for (size_t r0 = 0; r0 < cand->n; r0 += RB) {
        size_t nr = cand->n - r0 < RB ? cand->n - r0 : RB;
        block_sums(cand->x, cand->stride, r0, nr, q, nq, p, mask, acc);
        for (size_t qi = 0; qi < nq; qi++)
          for (size_t r = 0; r < nr; r++)
            if (acc[qi * RB + r] < best[qi]) best[qi] = acc[qi * RB + r], besti[qi] = r0 + r;
      }
      for (size_t qi = 0; qi < nq; qi++) {
        out[q0 + qi] = used ? (double)best[qi] / (double)used : 0;
        if (arg) arg[q0 + qi] = besti[qi];
      }
    }
    free(acc);
    free(q);
  }
}
