/* Statistics for the sampler tests: exact pmfs tabulated with doubles, z-tests and a
 * chi-square goodness-of-fit test on bins of the exact pmf. Every test is run at a fixed
 * false-failure probability ALPHA (two-sided for z), so a correct sampler fails a given
 * check on a random seed with probability ALPHA (asymptotically: normal and chi-square
 * approximations with large expected counts), and a whole program with M checks fails with
 * probability at most M * ALPHA (Bonferroni). The seeds are fixed, so CI runs are
 * reproducible; a failure means the seed hit that rare event or, far likelier, a bug. */
#ifndef FHS_TEST_DP_STAT_H
#define FHS_TEST_DP_STAT_H

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ALPHA 1e-6

typedef struct {
  int64_t lo;     /* p[i] = P(X = lo + i) */
  size_t n;
  double *p;
  double var;     /* E[X^2] (mean is 0 for the symmetric laws tested) */
  double m4;      /* E[X^4] */
} pmf_table;

/* Tabulates weights w(x) for |x| <= half and normalises; moments from the same table. */
static inline pmf_table pmf_make(int64_t half, double (*w)(int64_t, const void *), const void *arg) {
  pmf_table t = {-half, (size_t)(2 * half + 1), NULL, 0, 0};
  t.p = malloc(t.n * sizeof *t.p);
  double z = 0;
  for (size_t i = 0; i < t.n; i++) z += t.p[i] = w(t.lo + (int64_t)i, arg);
  for (size_t i = 0; i < t.n; i++) {
    double x = (double)(t.lo + (int64_t)i);
    t.p[i] /= z;
    t.var += x * x * t.p[i];
    t.m4 += x * x * x * x * t.p[i];
  }
  return t;
}

static inline double pmf_tail(const pmf_table *t, int64_t k) { /* P(|X| >= k), k >= 1 */
  double s = 0;
  for (size_t i = 0; i < t->n; i++) {
    int64_t x = t->lo + (int64_t)i;
    if (x >= k || x <= -k) s += t->p[i];
  }
  return s;
}

static inline double z_crit(void) { return gsl_cdf_ugaussian_Qinv(ALPHA / 2); }

typedef struct {
  double mean, var_hat, z_mean, z_var, chi2, chi2_crit;
  size_t bins;
} sample_report;

/* Mean and second-moment z-tests and chi-square on about 50 bins of equal probability
 * (adjacent values merged), each with false-failure probability ALPHA. */
static inline sample_report sample_check(const int64_t *xs, size_t n, const pmf_table *t) {
  sample_report r = {0};
  double s1 = 0, s2 = 0;
  for (size_t i = 0; i < n; i++) {
    double x = (double)xs[i];
    s1 += x;
    s2 += x * x;
  }
  r.mean = s1 / (double)n;
  r.var_hat = s2 / (double)n;
  r.z_mean = r.mean / sqrt(t->var / (double)n);
  r.z_var = (r.var_hat - t->var) / sqrt((t->m4 - t->var * t->var) / (double)n);
  /* bin edges: close a bin once it holds >= 1/50 of the mass; the rest joins the last bin */
  size_t *bin_of = malloc(t->n * sizeof *bin_of);
  double *expect = calloc(t->n, sizeof *expect);
  double *seen = calloc(t->n, sizeof *seen);
  size_t b = 0;
  double acc = 0;
  for (size_t i = 0; i < t->n; i++) {
    bin_of[i] = b;
    expect[b] += t->p[i];
    acc += t->p[i];
    if (acc >= 1.0 / 50 && i + 1 < t->n) {
      b++;
      acc = 0;
    }
  }
  if (acc < 1.0 / 50 && b > 0) { /* fold a light final bin into its neighbour */
    for (size_t i = 0; i < t->n; i++)
      if (bin_of[i] == b) bin_of[i] = b - 1;
    expect[b - 1] += expect[b];
    b--;
  }
  r.bins = b + 1;
  for (size_t i = 0; i < n; i++) {
    int64_t k = xs[i] - t->lo;
    size_t idx = k < 0 ? 0 : (size_t)k >= t->n ? t->n - 1 : (size_t)k;
    seen[bin_of[idx]] += 1;
  }
  for (size_t j = 0; j < r.bins; j++) {
    double e = expect[j] * (double)n;
    r.chi2 += (seen[j] - e) * (seen[j] - e) / e;
  }
  r.chi2_crit = gsl_cdf_chisq_Qinv(ALPHA, (double)(r.bins - 1));
  free(bin_of);
  free(expect);
  free(seen);
  return r;
}

/* z statistic of a binomial count against its exact probability. */
static inline double z_binomial(size_t hits, size_t n, double p) {
  return ((double)hits - (double)n * p) / sqrt((double)n * p * (1 - p));
}

#endif
