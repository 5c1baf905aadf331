/* Fidelity: how close the synthetic distribution is to the real one. Marginal TVDs over the
 * schema's domains (reusing synth's fhs_tvd_marginal), KS on raw values, and pairwise
 * association matrices (Pearson, Cramer's V, correlation ratio) compared cell by cell. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "eval_internal.h"
#include "synth.h"

/* Dense tables up to this many cells; larger ones are compared by sorting cell keys. */
#define DENSE_MAX_CELLS ((size_t)1 << 20)

static int is_numeric(const fhs_schema *s, size_t c) {
  return s->columns[c].type != FHS_COL_CATEGORICAL;
}

/* ---------- k-way TVD ---------- */

static void count_dense(const fhs_eval_data *d, const size_t *cols, size_t k, int64_t *counts) {
  for (size_t r = 0; r < d->n_rows; r++) {
    size_t cell = 0;
    for (size_t i = 0; i < k; i++) cell = cell * d->domain[cols[i]] + d->idx[cols[i]][r];
    counts[cell]++;
  }
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static uint64_t *sorted_cells(const fhs_eval_data *d, const size_t *cols, size_t k) {
  uint64_t *v = malloc((d->n_rows ? d->n_rows : 1) * sizeof *v);
  if (!v) return NULL;
  for (size_t r = 0; r < d->n_rows; r++) {
    uint64_t cell = 0;
    for (size_t i = 0; i < k; i++) cell = cell * d->domain[cols[i]] + d->idx[cols[i]][r];
    v[r] = cell;
  }
  qsort(v, d->n_rows, sizeof *v, cmp_u64);
  return v;
}

/* TVD of two huge sparse tables: merge the sorted cell lists. */
static double tvd_sparse(const fhs_eval_data *a, const fhs_eval_data *b, const size_t *cols,
                         size_t k) {
  uint64_t *x = sorted_cells(a, cols, k), *y = sorted_cells(b, cols, k);
  double d = NAN;
  if (x && y) {
    size_t i = 0, j = 0, na = a->n_rows, nb = b->n_rows;
    d = 0;
    while (i < na || j < nb) {
      uint64_t cell = (j >= nb || (i < na && x[i] <= y[j])) ? x[i] : y[j];
      size_t ca = 0, cb = 0;
      while (i < na && x[i] == cell) ca++, i++;
      while (j < nb && y[j] == cell) cb++, j++;
      d += fabs((double)ca / (double)na - (double)cb / (double)nb);
    }
    d *= 0.5;
  }
  free(x);
  free(y);
  return d;
}

/* TVD of the k-way marginal over cols; NaN when out of memory. */
static double tvd_kway(const fhs_eval_data *a, const fhs_eval_data *b, const size_t *cols,
                       size_t k) {
  size_t size = 1;
  for (size_t i = 0; i < k; i++) {
    if (size > DENSE_MAX_CELLS / a->domain[cols[i]]) return tvd_sparse(a, b, cols, k);
    size *= a->domain[cols[i]];
  }
  fhs_marginal ma = {.n_cols = k, .size = size}, mb;
  for (size_t i = 0; i < k; i++) ma.cols[i] = cols[i], ma.shape[i] = a->domain[cols[i]];
  mb = ma;
  ma.counts = calloc(size, sizeof *ma.counts);
  mb.counts = calloc(size, sizeof *mb.counts);
  double d = NAN;
  if (ma.counts && mb.counts) {
    count_dense(a, cols, k, ma.counts);
    count_dense(b, cols, k, mb.counts);
    d = fhs_tvd_marginal(&ma, &mb);
  }
  free(ma.counts);
  free(mb.counts);
  return d;
}

/* ---------- per column ---------- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Present values of a numeric column, sorted. */
static double *sorted_values(const double *v, size_t n, size_t *m) {
  double *s = malloc((n ? n : 1) * sizeof *s);
  if (!s) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan(v[i])) s[k++] = v[i];
  qsort(s, k, sizeof *s, cmp_double);
  *m = k;
  return s;
}

/* Two-sample Kolmogorov-Smirnov statistic on the present values (missing values are compared
 * by the 1-way TVD, which has a cell for them). */
static double ks_statistic(const double *a, size_t na, const double *b, size_t nb) {
  size_t ma = 0, mb = 0;
  double *x = sorted_values(a, na, &ma), *y = sorted_values(b, nb, &mb);
  double d = NAN;
  if (x && y && ma && mb) {
    size_t i = 0, j = 0;
    d = 0;
    while (i < ma && j < mb) {
      double v = x[i] < y[j] ? x[i] : y[j];
      while (i < ma && x[i] == v) i++;
      while (j < mb && y[j] == v) j++;
      double gap = fabs((double)i / (double)ma - (double)j / (double)mb);
      if (gap > d) d = gap;
    }
  } else if (x && y && (ma || mb)) {
    d = 1; /* one side has no values at all */
  }
  free(x);
  free(y);
  return d;
}

static int column_fidelity(const fhs_schema *s, const fhs_eval_data *real,
                           const fhs_eval_data *syn, size_t c, fhs_eval_column_fidelity *f) {
  size_t n = real->domain[c];
  f->n_cells = n;
  f->real_p = calloc(n, sizeof *f->real_p);
  f->syn_p = calloc(n, sizeof *f->syn_p);
  if (!f->real_p || !f->syn_p) return -1;
  for (size_t r = 0; r < real->n_rows; r++) f->real_p[real->idx[c][r]] += 1;
  for (size_t r = 0; r < syn->n_rows; r++) f->syn_p[syn->idx[c][r]] += 1;
  double tvd = 0;
  for (size_t i = 0; i < n; i++) {
    f->real_p[i] /= (double)real->n_rows;
    f->syn_p[i] /= (double)syn->n_rows;
    tvd += fabs(f->real_p[i] - f->syn_p[i]);
  }
  f->tvd = 0.5 * tvd;
  f->ks = is_numeric(s, c) ? ks_statistic(real->num[c], real->n_rows, syn->num[c], syn->n_rows)
                           : NAN;
  return 0;
}

/* ---------- associations ---------- */

static double pearson(const double *x, const double *y, size_t n) {
  double sx = 0, sy = 0;
  size_t m = 0;
  for (size_t r = 0; r < n; r++)
    if (!isnan(x[r]) && !isnan(y[r])) sx += x[r], sy += y[r], m++;
  if (m < 2) return NAN;
  double mx = sx / (double)m, my = sy / (double)m, sxx = 0, syy = 0, sxy = 0;
  for (size_t r = 0; r < n; r++)
    if (!isnan(x[r]) && !isnan(y[r])) {
      double dx = x[r] - mx, dy = y[r] - my;
      sxx += dx * dx, syy += dy * dy, sxy += dx * dy;
    }
  if (sxx <= 0 || syy <= 0) return NAN;
  return sxy / sqrt(sxx * syy);
}

/* Cramer's V over the domain indices (missing and outside cells count as categories). */
static double cramers_v(const fhs_eval_data *d, size_t a, size_t b) {
  size_t da = d->domain[a], db = d->domain[b], n = d->n_rows;
  if (da > DENSE_MAX_CELLS / db) return NAN;
  double *t = calloc(da * db + da + db, sizeof *t);
  if (!t) return NAN;
  double *ra = t + da * db, *cb = ra + da;
  for (size_t r = 0; r < n; r++) {
    size_t i = d->idx[a][r], j = d->idx[b][r];
    t[i * db + j] += 1, ra[i] += 1, cb[j] += 1;
  }
  size_t ka = 0, kb = 0;
  for (size_t i = 0; i < da; i++) ka += ra[i] > 0;
  for (size_t j = 0; j < db; j++) kb += cb[j] > 0;
  double chi2 = 0;
  for (size_t i = 0; i < da; i++)
    for (size_t j = 0; j < db && ra[i] > 0; j++)
      if (cb[j] > 0) {
        double e = ra[i] * cb[j] / (double)n, o = t[i * db + j];
        chi2 += (o - e) * (o - e) / e;
      }
  free(t);
  size_t k = ka < kb ? ka : kb;
  if (k < 2) return NAN;
  double v = sqrt(chi2 / ((double)n * (double)(k - 1)));
  return v > 1 ? 1 : v;
}

/* Correlation ratio eta of numeric column x given the categories of column g. */
static double correlation_ratio(const fhs_eval_data *d, size_t x, size_t g) {
  size_t k = d->domain[g], n = d->n_rows;
  double *sum = calloc(2 * k, sizeof *sum);
  if (!sum) return NAN;
  double *cnt = sum + k, total = 0, m = 0;
  for (size_t r = 0; r < n; r++) {
    double v = d->num[x][r];
    if (isnan(v)) continue;
    sum[d->idx[g][r]] += v, cnt[d->idx[g][r]] += 1, total += v, m += 1;
  }
  double eta = NAN;
  if (m >= 2) {
    double mean = total / m, between = 0, all = 0;
    for (size_t i = 0; i < k; i++)
      if (cnt[i] > 0) between += cnt[i] * (sum[i] / cnt[i] - mean) * (sum[i] / cnt[i] - mean);
    for (size_t r = 0; r < n; r++) {
      double v = d->num[x][r];
      if (!isnan(v)) all += (v - mean) * (v - mean);
    }
    if (all > 0) eta = sqrt(between / all);
    if (eta > 1) eta = 1;
  }
  free(sum);
  return eta;
}

static double association(const fhs_schema *s, const fhs_eval_data *d, size_t a, size_t b) {
  int na = is_numeric(s, a), nb = is_numeric(s, b);
  if (na && nb) return pearson(d->num[a], d->num[b], d->n_rows);
  if (!na && !nb) return cramers_v(d, a, b);
  return na ? correlation_ratio(d, a, b) : correlation_ratio(d, b, a);
}

static int association_matrices(const fhs_schema *s, const fhs_eval_data *real,
                                const fhs_eval_data *syn, fhs_eval_fidelity *f) {
  size_t nc = s->n_columns;
  size_t cells = nc * nc > 0 ? nc * nc : 1;
  f->assoc_real = malloc(cells * sizeof *f->assoc_real);
  f->assoc_syn = malloc(cells * sizeof *f->assoc_syn);
  if (!f->assoc_real || !f->assoc_syn) return -1;
  for (size_t a = 0; a < nc; a++) f->assoc_real[a * nc + a] = f->assoc_syn[a * nc + a] = 1;
#pragma omp parallel for schedule(dynamic)
  for (size_t a = 0; a < nc; a++)
    for (size_t b = a + 1; b < nc; b++) {
      double x = association(s, real, a, b), y = association(s, syn, a, b);
      f->assoc_real[a * nc + b] = f->assoc_real[b * nc + a] = x;
      f->assoc_syn[a * nc + b] = f->assoc_syn[b * nc + a] = y;
    }
  double sum = 0, max = 0;
  size_t m = 0;
  for (size_t a = 0; a < nc; a++)
    for (size_t b = a + 1; b < nc; b++) {
      double x = f->assoc_real[a * nc + b], y = f->assoc_syn[a * nc + b];
      /* A pair that is constant on one side only is as different as it gets. */
      double diff = isnan(x) && isnan(y) ? NAN : (isnan(x) || isnan(y)) ? 1 : fabs(x - y);
      if (isnan(diff)) continue;
      sum += diff, m++;
      if (diff > max) max = diff;
    }
  f->assoc_diff_mean = m ? sum / (double)m : NAN;
  f->assoc_diff_max = m ? max : NAN;
  return 0;
}

/* ---------- all of it ---------- */

static void pair_of(size_t index, size_t nc, size_t *a, size_t *b) {
  size_t i = 0;
  while (index >= nc - 1 - i) index -= nc - 1 - i, i++;
  *a = i, *b = i + 1 + index;
}

static int tvd_pairs(const fhs_eval_data *real, const fhs_eval_data *syn, fhs_eval_fidelity *f) {
  size_t nc = real->n_cols, np = nc * (nc - (nc > 0)) / 2;
  double *d = malloc((np ? np : 1) * sizeof *d);
  if (!d) return -1;
#pragma omp parallel for schedule(dynamic)
  for (size_t i = 0; i < np; i++) {
    size_t cols[2];
    pair_of(i, nc, &cols[0], &cols[1]);
    d[i] = tvd_kway(real, syn, cols, 2);
  }
  int rc = 0;
  f->n_pairs = np;
  f->tvd2_mean = np ? 0 : NAN;
  f->tvd2_max = np ? 0 : NAN;
  for (size_t i = 0; i < np; i++) {
    if (isnan(d[i])) rc = -1;
    f->tvd2_mean += d[i] / (double)np;
    if (d[i] >= f->tvd2_max) {
      f->tvd2_max = d[i];
      pair_of(i, nc, &f->tvd2_worst[0], &f->tvd2_worst[1]);
    }
  }
  free(d);
  return rc;
}

static int cmp_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

/* Up to max triples, all of them when there are few, else a seeded sample. */
static int tvd_triples(const fhs_eval_data *real, const fhs_eval_data *syn,
                       const fhs_eval_options *o, fhs_eval_fidelity *f) {
  size_t nc = real->n_cols;
  size_t all = nc >= 3 ? nc * (nc - 1) * (nc - 2) / 6 : 0;
  size_t k = all < o->max_triples ? all : o->max_triples;
  f->n_triples = k;
  f->tvd3_mean = f->tvd3_max = k ? 0 : NAN;
  if (!k) return 0;
  size_t *trip = malloc(3 * k * sizeof *trip);
  double *d = malloc(k * sizeof *d);
  fhs_eval_rng rng = fhs_eval_rng_make(o->seed, 3);
  size_t *pick = k < all ? fhs_eval_sample(all, k, &rng) : NULL;
  int rc = (!trip || !d || (k < all && !pick)) ? -1 : 0;
  if (rc == 0) {
    if (pick) qsort(pick, k, sizeof *pick, cmp_size);
    size_t t = 0, j = 0;
    for (size_t a = 0; a < nc; a++)
      for (size_t b = a + 1; b < nc; b++)
        for (size_t c = b + 1; c < nc; c++, t++)
          if (j < k && (!pick || pick[j] == t)) {
            trip[3 * j] = a, trip[3 * j + 1] = b, trip[3 * j + 2] = c;
            j++;
          }
#pragma omp parallel for schedule(dynamic)
    for (size_t i = 0; i < k; i++) d[i] = tvd_kway(real, syn, &trip[3 * i], 3);
    for (size_t i = 0; i < k; i++) {
      if (isnan(d[i])) rc = -1;
      f->tvd3_mean += d[i] / (double)k;
      if (d[i] > f->tvd3_max) f->tvd3_max = d[i];
    }
  }
  free(pick);
  free(trip);
  free(d);
  return rc;
}

static const char *fidelity_verdict(double score) {
  if (score >= 95) return "excellent: the synthetic data reproduces the real distributions closely";
  if (score >= 90) return "good: small differences in some combinations of columns";
  if (score >= 80) return "fair: visible differences; check the worst columns and pairs";
  return "poor: the synthetic data does not follow the real distributions";
}

static void summarize_columns(const fhs_schema *s, fhs_eval_fidelity *f) {
  size_t nc = s->n_columns, nk = 0;
  f->tvd1_mean = f->tvd1_max = 0;
  f->ks_mean = f->ks_max = 0;
  for (size_t c = 0; c < nc; c++) {
    f->tvd1_mean += f->col[c].tvd / (double)nc;
    if (f->col[c].tvd > f->tvd1_max) f->tvd1_max = f->col[c].tvd;
    if (isnan(f->col[c].ks)) continue;
    f->ks_mean += f->col[c].ks, nk++;
    if (f->col[c].ks > f->ks_max) f->ks_max = f->col[c].ks;
  }
  f->ks_mean = nk ? f->ks_mean / (double)nk : NAN;
  if (!nk) f->ks_max = NAN;
}

int fhs_eval_fidelity_compute(const fhs_schema *schema, const fhs_eval_data *real,
                              const fhs_eval_data *syn, const fhs_eval_options *o,
                              fhs_eval_fidelity *f, fhs_error *err) {
  memset(f, 0, sizeof *f);
  size_t nc = schema->n_columns;
  f->col = calloc(nc ? nc : 1, sizeof *f->col);
  f->n_cols = nc;
  int rc = f->col ? 0 : -1;
  for (size_t c = 0; rc == 0 && c < nc; c++) rc = column_fidelity(schema, real, syn, c, &f->col[c]);
  if (rc == 0) {
    summarize_columns(schema, f);
    rc = tvd_pairs(real, syn, f);
  }
  if (rc == 0) rc = tvd_triples(real, syn, o, f);
  if (rc == 0) rc = association_matrices(schema, real, syn, f);
  if (rc) {
    fhs_eval_fidelity_free(f);
    return fhs_error_set(err, "evaluate: out of memory computing fidelity");
  }
  double parts = f->tvd1_mean, n = 1;
  if (!isnan(f->tvd2_mean)) parts += f->tvd2_mean, n++;
  if (!isnan(f->tvd3_mean)) parts += f->tvd3_mean, n++;
  f->score = 100 * (1 - parts / n);
  f->verdict = fidelity_verdict(f->score);
  return 0;
}

void fhs_eval_fidelity_free(fhs_eval_fidelity *f) {
  if (!f) return;
  for (size_t c = 0; f->col && c < f->n_cols; c++) {
    free(f->col[c].real_p);
    free(f->col[c].syn_p);
  }
  free(f->col);
  free(f->assoc_real);
  free(f->assoc_syn);
  memset(f, 0, sizeof *f);
}
