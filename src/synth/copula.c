/* copula: a Gaussian copula fitted to noisy 1- and 2-way marginals, and its release plan.
 *
 * Model. Every column a has a latent standard normal Z_a; (Z_1..Z_n) is multivariate normal
 * with correlation matrix R. Column a takes its r-th value in a latent order when Z_a falls in
 * [t_a(r), t_a(r+1)), t_a = Phi^-1 of the cumulative noisy 1-way in that order, so the 1-ways
 * are reproduced exactly and R carries all the dependence.
 *
 * Fit (post-processing of the released tables only):
 * 1. 1-ways: the clipped, normalised noisy counts.
 * 2. Latent order. Numeric and datetime columns keep their bin order (missing last). The
 *    labels of a categorical column have no order, and a copula can only express monotone
 *    dependence, so we choose one: optimal scaling (PRINCALS in one dimension). Each label is
 *    scored by the correlation-weighted mean of the other columns' normal scores given that
 *    label (read from the clipped noisy 2-ways), the labels are sorted by that score, and the
 *    pass repeats until no order changes. This is power iteration for the order that makes
 *    the transformed columns most correlated, which is what a one-factor copula can use.
 * 3. Latent correlations, pair by pair: the r that makes the copula's 2-way table,
 *    N (Phi2(t_a(i+1), t_b(j+1); r) - ... ) cell by cell, closest in least squares to the noisy
 *    2-way table. All cells of a table carry the same Gaussian noise, so least squares is the
 *    maximum-likelihood fit of r to the released table (a polychoric correlation that allows
 *    for the noise). Phi2 is Genz's BVNU (bvn.c). A coarse grid, then golden-section search.
 * 4. The matrix of pairwise estimates is not always positive semi-definite: Higham's
 *    alternating projections with Dykstra's correction (2002) give the nearest correlation
 *    matrix in Frobenius norm (eigenvalues clipped with LAPACKE_dsyev, unit diagonal restored),
 *    then eigenvalues are floored at 1e-6 so that the Cholesky factor (LAPACKE_dpotrf) exists.
 *    Twins (a pair fitted at r >= TWIN_R, such as education and education-num) share one
 *    latent before this step, or the projection trades their r away (see find_twins).
 * 5. Calibration targets (calibrate.c): where a released 2-way shows, beyond its noise, a
 *    structure the copula cannot express, the sampled records are later moved towards it.
 *    A Gaussian copula has one latent order per column and only monotone dependence; even on
 *    exact counts it stays at 2-way TVD 0.048 on Adult (marital-status x relationship x sex
 *    fits no single order), 0.011 with calibration.
 *
 * Generation: Z = L g with g iid normal from the seeded stream. Default (stratified, as the
 * tree models): each column's values are assigned by rank of Z_a, the lowest n_0 rows to the
 * first value in latent order and so on, with counts n_r the expected counts N p_r rounded by
 * systematic sampling. This is the copula itself (ranks are what a copula is made of) without
 * the Monte Carlo error of the 1-way counts. opts->iid: each row thresholded on its own.
 * Then the records are calibrated (step 5), from the same seed.
 *
 * Release plan "copula": the model needs one number per pair but needs it for every pair, and
 * the 1-ways set every threshold. STATS.json holds full tables only, so the plan measures all
 * 1-ways and all 2-ways, with COPULA_ONEWAY_SHARE of rho on the 1-ways (equal split) and the
 * rest split equally over the pairs. A single correlation is fitted to a whole table, which
 * averages the noise of all its cells, so the 2-ways can be much noisier than the 1-ways
 * before the fit suffers. */
#include <lapacke.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

#define COPULA_ONEWAY_SHARE 0.5
#define ORDER_PASSES 30
#define R_MAX 0.9999
#define EIG_FLOOR 1e-6
#define ZERO_SIGMAS 2.0
#define TWIN_R 0.995

/* ---------- release plan ---------- */

int fhs_plan_copula(const fhs_plan_ctx *c, fhs_marginal_set *out, fhs_release_info *info,
                    fhs_error *err) {
  size_t k = c->k, pairs = k * (k - 1) / 2;
  double share = pairs ? COPULA_ONEWAY_SHARE : 1.0;
  for (size_t a = 0; a < k; a++)
    if (fhs_plan_measure(c, fhs_plan_one(c, a), share * c->rho / (double)k, out, info, err))
      return -1;
  for (size_t a = 0; a < k; a++)
    for (size_t b = a + 1; b < k; b++) {
      const fhs_marginal *m = fhs_plan_pair(c, a, b, err);
      if (!m || fhs_plan_measure(c, m, (1 - share) * c->rho / (double)pairs, out, info, err))
        return -1;
    }
  return 0;
}

/* ---------- model ---------- */

typedef struct {
  size_t n;
  size_t *dom;
  double **p;       /* [a][value] clipped, normalised noisy 1-way */
  uint16_t **perm;  /* [a][rank] -> value: the latent order */
  double **cut;     /* [a][0..dom]: thresholds t_a, cut[0] = -inf, cut[dom] = +inf */
  double *chol;     /* n x n lower Cholesky factor of R, row-major */
  size_t *twin;     /* [b] the column whose latent b shares (a < b), SIZE_MAX if none */
  fhs_calib calib;  /* step 5 */
} copula;

static void copula_free(void *state) {
  copula *m = state;
  if (!m) return;
  for (size_t a = 0; a < m->n; a++) {
    if (m->p) free(m->p[a]);
    if (m->perm) free(m->perm[a]);
    if (m->cut) free(m->cut[a]);
  }
  free(m->dom), free(m->p), free(m->perm), free(m->cut), free(m->chol), free(m->twin);
  fhs_calib_free(&m->calib);
  free(m);
}

/* Thresholds of column a from its order: Phi^-1 of the cumulative probabilities. */
static void set_cuts(copula *m, size_t a) {
  size_t d = m->dom[a];
  double cum = 0;
  m->cut[a][0] = -INFINITY;
  for (size_t r = 0; r + 1 < d; r++) {
    cum += m->p[a][m->perm[a][r]];
    m->cut[a][r + 1] = fhs_norm_quantile(fmin(cum, 1.0));
  }
  m->cut[a][d] = INFINITY;
}

static double npdf(double x) { return isfinite(x) ? exp(-0.5 * x * x) / sqrt(2 * M_PI) : 0; }

/* Normal scores per value: E[Z_a | value] = (phi(lo) - phi(hi)) / p, the latent mean of the
 * value's interval (the midpoint quantile for an empty one), standardised to variance 1. */
static void scores(const copula *m, size_t a, double *s) {
  size_t d = m->dom[a];
  double var = 0;
  for (size_t r = 0; r < d; r++) {
    size_t v = m->perm[a][r];
    double lo = m->cut[a][r], hi = m->cut[a][r + 1], pv = m->p[a][v];
    s[v] = pv > 1e-12 ? (npdf(lo) - npdf(hi)) / pv : (isfinite(lo) ? lo : isfinite(hi) ? hi : 0);
    var += pv * s[v] * s[v];
  }
  for (size_t v = 0; v < d; v++) s[v] = var > 1e-12 ? s[v] / sqrt(var) : 0;
}

/* The pair tables a < b (noisy counts, schema value order, rows a), NULL when not released,
 * and their denoised versions for choosing orders. */
typedef struct {
  const fhs_marginal **tab; /* [a * n + b] */
  double **den;             /* [a * n + b] shrunk, clipped table */
  double **s;               /* [a] current normal scores */
  size_t maxd;
} fit_ctx;

/* The table shrunk towards the independence table of the noisy 1-ways by the positive-part
 * James-Stein factor, then clipped: a wide table whose cells are mostly noise then says
 * "independent" instead of inventing conditional means from noise. */
static double *denoise(const copula *m, const fhs_marginal *t, double nrows) {
  size_t a = t->cols[0], b = t->cols[1], da = m->dom[a], db = m->dom[b], k = da * db;
  double *y = malloc(k * sizeof *y), z2 = 0;
  if (!y) return NULL;
  for (size_t i = 0; i < da; i++)
    for (size_t j = 0; j < db; j++) {
      double d = (double)t->counts[i * db + j] - nrows * m->p[a][i] * m->p[b][j];
      y[i * db + j] = d;
      z2 += d * d;
    }
  double var = t->sigma * t->sigma, lambda = 1;
  if (var > 0 && k > 2) lambda = z2 > 0 ? fmax(0, 1 - (double)(k - 2) * var / z2) : 0;
  for (size_t i = 0; i < da; i++)
    for (size_t j = 0; j < db; j++) {
      double v = nrows * m->p[a][i] * m->p[b][j] + lambda * y[i * db + j];
      y[i * db + j] = v > ZERO_SIGMAS * t->sigma ? v : 0;
    }
  return y;
}

/* E[s_b | a = i] from the denoised table into mean[i]; returns corr(s_a, s_b) under it. */
static double cond_means(const copula *m, const fit_ctx *f, size_t a, size_t b, double *mean) {
  size_t n = m->n, lo = a < b ? a : b, hi = a < b ? b : a;
  const double *t = f->den[lo * n + hi];
  size_t da = m->dom[a], db = m->dom[b];
  double tot = 0, cov = 0;
  for (size_t i = 0; i < da; i++) {
    double row = 0, sum = 0;
    for (size_t j = 0; j < db; j++) {
      double y = t[a < b ? i * db + j : j * da + i];
      row += y, sum += y * f->s[b][j];
    }
    mean[i] = row > 0 ? sum / row : 0;
    tot += row, cov += sum * f->s[a][i];
  }
  return tot > 0 ? cov / tot : 0;
}

typedef struct {
  double key;
  size_t v;
} keyed;

static int by_key(const void *x, const void *y) {
  const keyed *a = x, *b = y;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return a->v < b->v ? -1 : (a->v > b->v);
}

/* Column a's latent order becomes its values sorted by key; returns 1 when it changed (its
 * thresholds and scores are then updated). */
static int sort_order(copula *m, fit_ctx *f, size_t a, keyed *key) {
  size_t d = m->dom[a];
  qsort(key, d, sizeof *key, by_key);
  int changed = 0;
  for (size_t r = 0; r < d; r++) {
    changed |= m->perm[a][r] != key[r].v;
    m->perm[a][r] = (uint16_t)key[r].v;
  }
  if (changed) {
    set_cuts(m, a);
    scores(m, a, f->s[a]);
  }
  return changed;
}

/* One optimal-scaling pass over column a; returns 1 when its order changed. The first pass
 * (no correlations yet) follows the single partner whose conditional means vary most. */
static int reorder(copula *m, fit_ctx *f, size_t a, int first, double *mean, keyed *key) {
  size_t n = m->n, d = m->dom[a];
  double best = -1;
  for (size_t v = 0; v < d; v++) key[v] = (keyed){0, v};
  for (size_t b = 0; b < n; b++) {
    if (b == a || !f->tab[(a < b ? a : b) * n + (a < b ? b : a)]) continue;
    double r = cond_means(m, f, a, b, mean), eta = 0;
    for (size_t v = 0; v < d; v++) eta += m->p[a][v] * mean[v] * mean[v];
    if (first && eta > best) {
      best = eta;
      for (size_t v = 0; v < d; v++) key[v].key = mean[v];
    } else if (!first) {
      for (size_t v = 0; v < d; v++) key[v].key += r * mean[v];
    }
  }
  return sort_order(m, f, a, key);
}

/* Orders column a by E[s_b | a]: a follows b. Returns 1 when the order changed. */
static int follow(copula *m, fit_ctx *f, size_t a, size_t b, double *mean, keyed *key) {
  size_t d = m->dom[a];
  cond_means(m, f, a, b, mean);
  for (size_t v = 0; v < d; v++) key[v] = (keyed){mean[v], v};
  return sort_order(m, f, a, key);
}

static int choose_orders(copula *m, fit_ctx *f, const fhs_schema *schema) {
  double *mean = malloc(f->maxd * sizeof *mean);
  keyed *key = malloc(f->maxd * sizeof *key);
  if (!mean || !key) {
    free(mean), free(key);
    return -1;
  }
  for (int pass = 0; pass < ORDER_PASSES; pass++) {
    int changed = 0;
    for (size_t a = 0; a < m->n; a++)
      if (schema->columns[a].type == FHS_COL_CATEGORICAL && m->dom[a] > 2)
        changed |= reorder(m, f, a, pass == 0, mean, key);
    if (!changed && pass > 0) break;
  }
  free(mean), free(key);
  return 0;
}

/* Phi2 at every pair of thresholds of a and b, into grid ((da + 1) x (db + 1)). */
static void phi2_grid(const copula *m, size_t a, size_t b, double r, double *grid) {
  size_t da = m->dom[a], db = m->dom[b];
  for (size_t i = 0; i <= da; i++)
    for (size_t j = 0; j <= db; j++)
      grid[i * (db + 1) + j] = fhs_bvn_lower(m->cut[a][i], m->cut[b][j], r);
}

/* P(rank i of a, rank j of b) from the grid. */
static double rect(const double *grid, size_t db, size_t i, size_t j) {
  double pr = grid[(i + 1) * (db + 1) + j + 1] - grid[i * (db + 1) + j + 1] -
              grid[(i + 1) * (db + 1) + j] + grid[i * (db + 1) + j];
  return pr > 0 ? pr : 0;
}

/* Least-squares loss of correlation r against the noisy table of a < b (ranks permuted),
 * using grid (da + 1) x (db + 1) of Phi2 values as work space. */
static double pair_loss(const copula *m, const fhs_marginal *t, size_t a, size_t b, double nrows,
                        double r, double *grid) {
  size_t da = m->dom[a], db = m->dom[b];
  phi2_grid(m, a, b, r, grid);
  double loss = 0;
  for (size_t i = 0; i < da; i++)
    for (size_t j = 0; j < db; j++) {
      double pr = rect(grid, db, i, j);
      double y = (double)t->counts[(size_t)m->perm[a][i] * db + m->perm[b][j]];
      double e = nrows * pr - y;
      loss += e * e;
    }
  return loss;
}

/* argmin over [-R_MAX, R_MAX]: a grid of step 0.05, then golden-section search in the
 * bracket around the best grid point. */
static double fit_pair(const copula *m, const fhs_marginal *t, size_t a, size_t b, double nrows,
                       double *grid) {
  double best = 0, lbest = INFINITY;
  for (int g = -20; g <= 20; g++) {
    double r = fmax(-R_MAX, fmin(R_MAX, 0.05 * g));
    double l = pair_loss(m, t, a, b, nrows, r, grid);
    if (l < lbest) lbest = l, best = r;
  }
  double lo = fmax(-R_MAX, best - 0.05), hi = fmin(R_MAX, best + 0.05);
  const double phi = 0.6180339887498949;
  double x1 = hi - phi * (hi - lo), x2 = lo + phi * (hi - lo);
  double l1 = pair_loss(m, t, a, b, nrows, x1, grid), l2 = pair_loss(m, t, a, b, nrows, x2, grid);
  for (int it = 0; it < 24; it++) {
    if (l1 < l2) {
      hi = x2, x2 = x1, l2 = l1, x1 = hi - phi * (hi - lo);
      l1 = pair_loss(m, t, a, b, nrows, x1, grid);
    } else {
      lo = x1, x1 = x2, l1 = l2, x2 = lo + phi * (hi - lo);
      l2 = pair_loss(m, t, a, b, nrows, x2, grid);
    }
  }
  double r = 0.5 * (lo + hi);
  return pair_loss(m, t, a, b, nrows, r, grid) <= lbest ? r : best;
}

/* Symmetric n x n a (row-major) -> V diag(max(w, floor)) V^T. */
static int psd_project(double *a, size_t n, double floor, double *v, double *w) {
  memcpy(v, a, n * n * sizeof *v);
  if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)n, v, (lapack_int)n, w) != 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double s = 0;
      for (size_t k = 0; k < n; k++) s += v[i * n + k] * fmax(w[k], floor) * v[j * n + k];
      a[i * n + j] = s;
    }
  return 0;
}

/* Higham (2002): nearest correlation matrix by alternating projections onto the PSD cone and
 * the unit-diagonal matrices, with Dykstra's correction on the cone step. Then eigenvalues
 * floored at EIG_FLOOR and the diagonal rescaled to 1, so R is positive definite. */
static int nearest_correlation(double *r, size_t n) {
  double *y = malloc(4 * n * n * sizeof *y), *w = malloc(n * sizeof *w);
  if (!y || !w) {
    free(y), free(w);
    return -1;
  }
  double *ds = y + n * n, *x = y + 2 * n * n, *v = y + 3 * n * n;
  memcpy(y, r, n * n * sizeof *y);
  memset(ds, 0, n * n * sizeof *ds);
  int rc = 0;
  for (int it = 0; it < 200 && rc == 0; it++) {
    for (size_t i = 0; i < n * n; i++) x[i] = y[i] - ds[i];
    memcpy(r, x, n * n * sizeof *r); /* R_k, kept for Dykstra's correction X - R_k */
    rc = psd_project(x, n, 0, v, w);
    if (rc) break;
    double diff = 0;
    for (size_t i = 0; i < n * n; i++) ds[i] = x[i] - r[i];
    for (size_t i = 0; i < n; i++) diff += (x[i * n + i] - 1) * (x[i * n + i] - 1);
    memcpy(y, x, n * n * sizeof *y);
    for (size_t i = 0; i < n; i++) y[i * n + i] = 1;
    if (diff < 1e-20) break;
  }
  if (rc == 0) rc = psd_project(y, n, EIG_FLOOR, v, w);
  if (rc == 0)
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < n; j++)
        r[i * n + j] = i == j ? 1 : y[i * n + j] / sqrt(y[i * n + i] * y[j * n + j]);
  free(y), free(w);
  return rc;
}

static int alloc_model(copula *m, const fhs_marginal_set *stats, const fhs_schema *schema,
                       fhs_error *err) {
  size_t n = schema->n_columns;
  m->n = n;
  m->dom = calloc(n, sizeof *m->dom);
  m->p = calloc(n, sizeof *m->p);
  m->perm = calloc(n, sizeof *m->perm);
  m->cut = calloc(n, sizeof *m->cut);
  m->chol = calloc(n * n, sizeof *m->chol);
  m->twin = malloc(n * sizeof *m->twin);
  if (!m->dom || !m->p || !m->perm || !m->cut || !m->chol || !m->twin)
    return fhs_error_set(err, "synth: out of memory");
  for (size_t a = 0; a < n; a++) m->twin[a] = SIZE_MAX;
  for (size_t a = 0; a < n; a++) {
    size_t d = fhs_schema_domain_size(&schema->columns[a]);
    double sigma, sum = 0;
    m->dom[a] = d;
    double *y = fhs_synth_counts_1way(stats, a, d, &sigma);
    if (!y)
      return fhs_error_set(err, "stats: no marginal covers column \"%s\"", schema->columns[a].name);
    /* Values below ZERO_SIGMAS sigma are taken as empty. Clipping alone would leave every
     * empty value (an unused bin, say) about 0.4 sigma of ghost mass, and a ghost between two
     * real values shifts every threshold after it: a column that is a function of another
     * (education-num of education) then no longer lines up with it. */
    double thr = isfinite(sigma) ? ZERO_SIGMAS * sigma : 0;
    for (size_t v = 0; v < d; v++) sum += y[v] = y[v] > thr ? y[v] : 0;
    for (size_t v = 0; v < d; v++) y[v] = sum > 0 ? y[v] / sum : 1.0 / (double)d;
    m->p[a] = y;
    m->perm[a] = malloc(d * sizeof **m->perm);
    m->cut[a] = malloc((d + 1) * sizeof **m->cut);
    if (!m->perm[a] || !m->cut[a]) return fhs_error_set(err, "synth: out of memory");
    for (size_t v = 0; v < d; v++) m->perm[a][v] = (uint16_t)v;
    set_cuts(m, a);
  }
  return 0;
}

/* Step 3: every released pair's correlation into r (unit diagonal). */
static void fit_pairs(const copula *m, const fit_ctx *f, double *r, double nrows) {
  size_t n = m->n;
  for (size_t a = 0; a < n; a++) {
    r[a * n + a] = 1;
    for (size_t b = a + 1; b < n; b++) r[a * n + b] = r[b * n + a] = 0;
  }
  /* pairs in parallel: each writes only its own two entries of r */
#pragma omp parallel for schedule(dynamic)
  for (size_t q = 0; q < n * n; q++) {
    size_t a = q / n, b = q % n;
    if (b <= a || !f->tab[q]) continue;
    double *grid = malloc((m->dom[a] + 1) * (m->dom[b] + 1) * sizeof *grid);
    if (!grid) continue; /* r stays 0: independence, never an unsafe value */
    r[a * n + b] = r[b * n + a] = fit_pair(m, f->tab[q], a, b, nrows, grid);
    free(grid);
  }
}

/* Step 3b, twins: a pair fitted at r >= TWIN_R is one variable written twice (education and
 * education-num). The nearest-correlation step would otherwise trade its r away against the
 * noise of the pair's other correlations (0.9999 fitted became 0.85 on Adult at epsilon 1),
 * and the two columns would stop agreeing. The later column b takes the latent of a, so they
 * are cut from one variable; a categorical twin is ordered by the other's conditional mean,
 * which lines the two orders up. Returns how many orders changed (the pairs are then refitted),
 * or -1 when out of memory. */
static int find_twins(copula *m, fit_ctx *f, const fhs_schema *schema, const double *r) {
  size_t n = m->n;
  double *mean = malloc(f->maxd * sizeof *mean);
  keyed *key = malloc(f->maxd * sizeof *key);
  int changed = mean && key ? 0 : -1;
  for (size_t b = 0; changed >= 0 && b < n; b++)
    for (size_t a = 0; a < b && m->twin[b] == SIZE_MAX; a++) {
      if (m->twin[a] != SIZE_MAX || r[a * n + b] < TWIN_R) continue;
      m->twin[b] = a;
      int cat_a = schema->columns[a].type == FHS_COL_CATEGORICAL;
      int cat_b = schema->columns[b].type == FHS_COL_CATEGORICAL;
      if (cat_b) changed += follow(m, f, b, a, mean, key);
      else if (cat_a) changed += follow(m, f, a, b, mean, key);
    }
  free(mean), free(key);
  return changed;
}

/* Steps 2-4 once the 1-ways are in place. */
static int fit_dependence(copula *m, const fhs_marginal_set *stats, const fhs_schema *schema,
                          fhs_error *err) {
  size_t n = m->n;
  fit_ctx f = {calloc(n * n, sizeof *f.tab), calloc(n * n, sizeof *f.den), calloc(n, sizeof *f.s), 1};
  double *r = malloc(n * n * sizeof *r), nrows = fhs_synth_rows_estimate(stats);
  int rc = f.tab && f.den && f.s && r ? 0 : -1;
  for (size_t a = 0; rc == 0 && a < n; a++) {
    f.maxd = m->dom[a] > f.maxd ? m->dom[a] : f.maxd;
    f.s[a] = malloc(m->dom[a] * sizeof **f.s);
    if (!f.s[a]) rc = -1;
    else scores(m, a, f.s[a]);
  }
  for (size_t i = 0; rc == 0 && i < stats->count; i++) {
    const fhs_marginal *t = &stats->m[i];
    if (t->n_cols != 2) continue;
    size_t q = t->cols[0] * n + t->cols[1];
    f.tab[q] = t;
    if (!(f.den[q] = denoise(m, t, nrows))) rc = -1;
  }
  if (rc == 0) rc = choose_orders(m, &f, schema);
  if (rc == 0) fit_pairs(m, &f, r, nrows);
  if (rc == 0 && (rc = find_twins(m, &f, schema, r)) > 0) rc = 0, fit_pairs(m, &f, r, nrows);
  for (size_t b = 0; rc == 0 && b < n; b++) /* a twin's row is its partner's: one variable */
    for (size_t c = 0; m->twin[b] != SIZE_MAX && c < n; c++)
      r[b * n + c] = r[c * n + b] = c == b ? 1 : c == m->twin[b] ? 1 : r[m->twin[b] * n + c];
  if (rc == 0) rc = nearest_correlation(r, n);
  if (rc == 0) {
    memcpy(m->chol, r, n * n * sizeof *r);
    rc = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)n, m->chol, (lapack_int)n) ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
      for (size_t j = i + 1; j < n; j++) m->chol[i * n + j] = 0;
  }
  for (size_t a = 0; f.s && a < n; a++) free(f.s[a]);
  for (size_t q = 0; f.den && q < n * n; q++) free(f.den[q]);
  free(f.tab), free(f.den), free(f.s), free(r);
  return rc ? fhs_error_set(err, "synth: copula fit failed (out of memory or LAPACK error)") : 0;
}

static size_t find_cut(const double *cut, size_t d, double x);

/* Calibration must not pull twins apart: when a move sets x, y takes the value that shares
 * x's latent interval most (its value at the interval's middle). */
static int link_twins(copula *m, size_t x, size_t y, fhs_error *err) {
  uint16_t *map = malloc(m->dom[x] * sizeof *map);
  if (!map) return fhs_error_set(err, "synth: out of memory");
  for (size_t i = 0; i < m->dom[x]; i++) {
    double lo = m->cut[x][i], hi = m->cut[x][i + 1];
    double mid = isfinite(lo) && isfinite(hi) ? 0.5 * (lo + hi)
                 : isfinite(lo)               ? lo + 0.5
                 : isfinite(hi)               ? hi - 0.5
                                              : 0;
    map[m->perm[x][i]] = m->perm[y][find_cut(m->cut[y], m->dom[y], mid)];
  }
  int rc = fhs_calib_link(&m->calib, x, y, map, m->dom[x], err);
  free(map);
  return rc;
}

/* Step 5: the copula's own table of every released 2-way (under the final R, in schema value
 * order), then the calibration targets from them. */
static int fit_calibration(copula *m, const fhs_marginal_set *stats, fhs_error *err) {
  size_t n = m->n, pairs = 0, q = 0;
  for (size_t i = 0; i < stats->count; i++) pairs += stats->m[i].n_cols == 2;
  double **tab = calloc(pairs + 1, sizeof *tab);
  int rc = tab ? 0 : -1;
  for (size_t i = 0; rc == 0 && i < stats->count; i++) {
    const fhs_marginal *t = &stats->m[i];
    if (t->n_cols != 2) continue;
    size_t a = t->cols[0], b = t->cols[1], da = m->dom[a], db = m->dom[b];
    double r = 0, *grid = malloc((da + 1) * (db + 1) * sizeof *grid);
    for (size_t k = 0; k < n; k++) r += m->chol[a * n + k] * m->chol[b * n + k]; /* (L L^T)_ab */
    if (!grid || !(tab[q] = malloc(da * db * sizeof **tab))) {
      free(grid);
      rc = -1;
      break;
    }
    phi2_grid(m, a, b, r, grid);
    for (size_t ia = 0; ia < da; ia++)
      for (size_t jb = 0; jb < db; jb++)
        tab[q][(size_t)m->perm[a][ia] * db + m->perm[b][jb]] = rect(grid, db, ia, jb);
    free(grid);
    q++;
  }
  if (rc == 0) rc = fhs_calib_init(&m->calib, stats, m->dom, (const double *const *)m->p, tab, err);
  else fhs_error_set(err, "synth: out of memory");
  for (size_t b = 0; rc == 0 && b < n; b++)
    if (m->twin[b] != SIZE_MAX)
      rc = link_twins(m, m->twin[b], b, err) || link_twins(m, b, m->twin[b], err) ? -1 : 0;
  for (size_t k = 0; tab && k < q; k++) free(tab[k]);
  free(tab);
  return rc;
}

static int copula_fit(const fhs_marginal_set *stats, const fhs_schema *schema,
                      const fhs_synth_options *opts, void **state, fhs_error *err) {
  (void)opts;
  if (fhs_marginal_set_check(stats, schema, "stats", err)) return -1;
  if (!(fhs_synth_rows_estimate(stats) >= 1))
    return fhs_error_set(err, "stats: the marginals hold no rows");
  copula *m = calloc(1, sizeof *m);
  if (!m) return fhs_error_set(err, "synth: out of memory");
  if (alloc_model(m, stats, schema, err) || fit_dependence(m, stats, schema, err) ||
      fit_calibration(m, stats, err)) {
    copula_free(m);
    return -1;
  }
  *state = m;
  return 0;
}

/* ---------- sampling ---------- */

/* Latent vectors of rows [first, first + cnt) into z[a * rows + r], from chunk k's stream. */
static void latent_chunk(const copula *m, uint64_t seed, size_t k, size_t first, size_t cnt,
                         size_t rows, double *z, double *g) {
  size_t n = m->n;
  fhs_synth_stream s;
  fhs_synth_stream_init(&s, seed, FHS_NONCE_COPULA + k);
  for (size_t r = first; r < first + cnt; r++) {
    for (size_t a = 0; a < n; a++) g[a] = fhs_synth_stream_normal(&s);
    for (size_t a = 0; a < n; a++) {
      double v = 0;
      for (size_t b = 0; b <= a; b++) v += m->chol[a * n + b] * g[b];
      z[a * rows + r] = v;
    }
    for (size_t a = 0; a < n; a++)
      if (m->twin[a] != SIZE_MAX) z[a * rows + r] = z[m->twin[a] * rows + r];
  }
  fhs_synth_stream_wipe(&s);
}

/* The rank of value interval holding x: the r with cut[r] <= x < cut[r + 1]. */
static size_t find_cut(const double *cut, size_t d, double x) {
  size_t lo = 0, hi = d; /* cut[lo] <= x < cut[hi] */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (cut[mid] <= x) lo = mid;
    else hi = mid;
  }
  return lo;
}

typedef struct {
  uint64_t key; /* the double's bits, mapped so that unsigned order is numeric order */
  uint32_t r;
} ranked;

static uint64_t order_key(double z) {
  uint64_t u;
  memcpy(&u, &z, sizeof u);
  return u >> 63 ? ~u : u | (uint64_t)1 << 63;
}

/* Stable LSD radix sort, 16 bits a pass (qsort took most of the sampling time). */
static void radix_sort(ranked *x, ranked *tmp, size_t n, size_t *count) {
  for (int shift = 0; shift < 64; shift += 16) {
    memset(count, 0, 65537 * sizeof *count);
    for (size_t i = 0; i < n; i++) count[((x[i].key >> shift) & 0xffff) + 1]++;
    for (size_t b = 0; b < 65536; b++) count[b + 1] += count[b];
    for (size_t i = 0; i < n; i++) tmp[count[(x[i].key >> shift) & 0xffff]++] = x[i];
    memcpy(x, tmp, n * sizeof *x);
  }
}

/* Column a by rank: systematic-sampling counts in latent order, lowest z first. */
static void assign_by_rank(const copula *m, size_t a, uint64_t seed, size_t rows, const double *z,
                           ranked *tmp, size_t *count, uint16_t *col) {
  for (size_t r = 0; r < rows; r++) tmp[r] = (ranked){order_key(z[r]), (uint32_t)r};
  radix_sort(tmp, tmp + rows, rows, count);
  fhs_synth_stream s;
  fhs_synth_stream_init(&s, seed, FHS_NONCE_COPULA + ((uint64_t)1 << 56) + a);
  double u = fhs_synth_stream_unit(&s), cum = 0;
  fhs_synth_stream_wipe(&s);
  size_t done = 0, d = m->dom[a];
  for (size_t k = 0; k < d; k++) {
    cum += m->p[a][m->perm[a][k]];
    size_t upto = k + 1 == d ? rows : (size_t)floor(cum * (double)rows + u);
    if (upto > rows) upto = rows;
    for (; done < upto; done++) col[tmp[done].r] = m->perm[a][k];
  }
}

static int copula_draw(const void *state, const fhs_synth_options *opts, uint64_t seed,
                       size_t rows, uint16_t *idx, fhs_error *err) {
  const copula *m = state;
  size_t n = m->n, chunks = (rows + FHS_SYNTH_CHUNK_ROWS - 1) / FHS_SYNTH_CHUNK_ROWS;
  if (rows > UINT32_MAX) return fhs_error_set(err, "synth: copula draws at most 2^32 rows");
  int threads = opts->threads > 0 ? opts->threads : omp_get_max_threads();
  double *z = malloc(rows * n * sizeof *z), *g = malloc((size_t)threads * n * sizeof *g);
  if (!z || !g) {
    free(z), free(g);
    return fhs_error_set(err, "synth: out of memory for sampling %zu rows", rows);
  }
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (size_t k = 0; k < chunks; k++) {
    size_t first = k * FHS_SYNTH_CHUNK_ROWS;
    size_t cnt = rows - first < FHS_SYNTH_CHUNK_ROWS ? rows - first : FHS_SYNTH_CHUNK_ROWS;
    latent_chunk(m, seed, k, first, cnt, rows, z, g + (size_t)omp_get_thread_num() * n);
  }
  int rc = 0;
  if (opts->iid) {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (size_t q = 0; q < n * rows; q++) {
      size_t a = q / rows;
      idx[q] = m->perm[a][find_cut(m->cut[a], m->dom[a], z[q])];
    }
  } else {
    ranked *tmp = malloc((size_t)threads * 2 * rows * sizeof *tmp);
    size_t *count = malloc((size_t)threads * 65537 * sizeof *count);
    if (!tmp || !count) {
      free(tmp), free(count);
      tmp = NULL, count = NULL;
      rc = fhs_error_set(err, "synth: out of memory for sampling %zu rows", rows);
    }
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (size_t a = 0; a < (tmp ? n : 0); a++) {
      size_t t = (size_t)omp_get_thread_num();
      assign_by_rank(m, a, seed, rows, z + a * rows, tmp + t * 2 * rows, count + t * 65537,
                     idx + a * rows);
    }
    free(tmp), free(count);
  }
  free(z), free(g);
  if (rc == 0)
    rc = fhs_calib_apply(&m->calib, m->dom, n, seed, FHS_NONCE_COPULA + ((uint64_t)2 << 56), rows,
                         idx, err);
  return rc;
}

const fhs_synth_model_ops fhs_synth_copula_ops = {"copula", copula_fit, copula_draw, copula_free};
