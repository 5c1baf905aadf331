/* Helpers shared by the eval sources; not part of the public API. */
#ifndef FHS_EVAL_INTERNAL_H
#define FHS_EVAL_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "eval.h"

/* ---------- seeded randomness ----------
 * Evaluation needs reproducible sampling, not secrecy: splitmix64 is small, fast and passes
 * BigCrush, and every caller derives its own stream from (seed, purpose). */
typedef struct {
  uint64_t s;
} fhs_eval_rng;

static inline fhs_eval_rng fhs_eval_rng_make(uint64_t seed, uint64_t stream) {
  fhs_eval_rng r = {seed * 0x9E3779B97F4A7C15ull ^ (stream + 0x632BE59BD9B4E019ull)};
  return r;
}
static inline uint64_t fhs_eval_rng_next(fhs_eval_rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
/* Uniform in [0, n), n >= 1 (Lemire's multiply-shift; the bias is below 2^-32 for our n). */
static inline size_t fhs_eval_rng_below(fhs_eval_rng *r, size_t n) {
  return (size_t)(((unsigned __int128)fhs_eval_rng_next(r) * n) >> 64);
}
static inline double fhs_eval_rng_unit(fhs_eval_rng *r) {
  return (double)(fhs_eval_rng_next(r) >> 11) * 0x1.0p-53;
}

/* k distinct indices of [0, n) in random order (k <= n). Returns a malloc'ed array or NULL. */
size_t *fhs_eval_sample(size_t n, size_t k, fhs_eval_rng *r);

double fhs_eval_now(void);

/* ---------- statistics helpers ---------- */

/* Area under the ROC curve of scores (higher = positive) with ties counted 1/2. */
double fhs_eval_auc(const double *score, const uint8_t *positive, size_t n);
/* q-quantile (0..1) of v (n >= 1); sorts v in place. */
double fhs_eval_quantile(double *v, size_t n, double q);

/* ---------- Gower distances (gower.c) ----------
 * Each row becomes p floats such that the Gower term of column j is min(|a_j - b_j|, 1):
 * numeric values are scaled by the real data's range, categories are spread 2 apart, a
 * missing value sits far away from every value (and 0 from another missing value). */
typedef struct {
  size_t n, p, stride; /* rows, features, padded row count of the column-major matrix */
  float *x;            /* column-major: x[j * stride + r] */
} fhs_gower_matrix;

typedef struct {
  size_t p;
  double *lo, *scale; /* numeric: (v - lo) * scale; categorical: scale = 0 */
} fhs_gower_space;

int fhs_gower_space_init(const fhs_schema *schema, const fhs_eval_data *ref, fhs_gower_space *s,
                         fhs_error *err);
void fhs_gower_space_free(fhs_gower_space *s);
/* rows (NULL: all rows of d) into a matrix. */
int fhs_gower_matrix_make(const fhs_gower_space *s, const fhs_eval_data *d, const size_t *rows,
                          size_t n, fhs_gower_matrix *m, fhs_error *err);
void fhs_gower_matrix_free(fhs_gower_matrix *m);
/* One row of m as p floats. */
void fhs_gower_row(const fhs_gower_matrix *m, size_t r, float *out);
/* For every row q of queries: out[q] = min over candidate rows of the Gower distance (mean
 * over the p features); arg (may be NULL) receives the first nearest candidate. OpenMP. */
void fhs_gower_nearest(const fhs_gower_matrix *queries, const fhs_gower_matrix *cand,
                       const uint8_t *mask, double *out, size_t *arg);

/* ---------- the Anonymeter evaluators (anonymeter.c) ---------- */
int fhs_eval_anonymeter(const fhs_schema *schema, const fhs_eval_data *train,
                        const fhs_eval_data *syn, const fhs_eval_data *hold,
                        const fhs_gower_space *space, const fhs_eval_options *o,
                        fhs_eval_privacy *out, fhs_error *err);
/* Wilson score estimate (value, error) for n_success of n at 95%. */
void fhs_eval_wilson(double n_success, double n, double *value, double *error);
/* Fills r from the success counts (control < 0: no control). */
void fhs_eval_risk_set(fhs_eval_risk *r, size_t n_attacks, double n_success, double n_baseline,
                       double n_control);

/* ---------- output helpers ---------- */
const char *fhs_eval_check_name(int check);

#endif
