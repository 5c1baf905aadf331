/* neural: the GEM-style generator (gem.c) as a release plan and as a model.
 *
 * Plan "neural" (runs at decryption time, with the exact counts of every 1- and 2-way):
 * 1. NEURAL_ONEWAY_SHARE of rho measures every 1-way (equal split); the generator starts from
 *    them (output bias) and trains on them.
 * 2. T rounds share the rest equally. T depends on the budget (plan_rounds): as many rounds as
 *    keep a NEURAL_REF_CELLS table's expected noise L1 within NEURAL_NOISE_SHARE of N^, at
 *    least 1 and at most min(pairs, NEURAL_ROUNDS_PER_ATTR x attributes). On Adult that is 30
 *    rounds at epsilon 0.3 and every pair (105) from epsilon 1 up. Each round is GEM's
 *    adaptive step, with the measured queries playing the discriminator:
 *    a. select, with the exact exponential mechanism (expmech.c) at epsilon0 =
 *       sqrt(8 rho_sel) (cost epsilon0^2 / 8 = rho_sel, NEURAL_SELECT_SHARE of the round), the
 *       2-way marginal not measured yet whose exact counts the current generator fits worst:
 *       score = ||x_ab - N^ q_ab||_1 - sqrt(2/pi) sigma cells_ab, q_ab the generator's answer,
 *       N^ the mean noisy 1-way total. The second term is AIM's: the expected L1 norm of the
 *       noise the measurement would add, so a huge table whose error is mostly noise waits.
 *       It does not depend on the data, so the score keeps sensitivity 1 (one row moves one
 *       cell of x_ab by 1; q_ab and N^ are post-processing of released values). Scores are
 *       shifted by a data-independent constant to be >= 0 and passed as exact rationals over
 *       2^20;
 *    b. measure it with discrete Gaussian noise (rho_meas = the rest of the round);
 *    c. retrain the generator on every measurement so far (warm start).
 *    Each 2-way is measured at most once: STATS.json holds one table per column set.
 * 3. STATS.json gets the 1-ways and the measured 2-ways, each with its sigma. Total:
 *    share rho + T (rho_sel + rho_meas) = rho exactly.
 *
 * Model "neural": trains a fresh generator on the marginals in STATS.json only (post-
 * processing): at most NEURAL_FIT_STEPS Adam steps with plateau control (gem.c), from a fixed
 * initialisation seed, so the same stats give the same model. Sampling: the generator is a mixture of K product distributions. By
 * default (stratified) each component gets rows/K rows rounded at random, and within a
 * component each column is a stratified draw from its distribution (columns are independent
 * given the component, so this is exact per row); opts->iid draws every row on its own. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

#define NEURAL_ONEWAY_SHARE 0.2
#define NEURAL_ROUNDS_PER_ATTR 7 /* bounds the release time on wide schemas */
#define NEURAL_SELECT_SHARE 0.1
#define NEURAL_NOISE_SHARE 0.2 /* see plan_rounds */
#define NEURAL_REF_CELLS 100.0
#define NEURAL_PLAN_STEPS_INIT 200
#define NEURAL_PLAN_STEPS_ROUND 40
#define NEURAL_FIT_STEPS 1500
#define NEURAL_MIN_GAIN 0.01 /* stop the fit once 100 steps gain less than 1% */
#define NEURAL_LR 0.01
#define NEURAL_TRAIN_SEED UINT64_C(0x67656d2d696e6974) /* "gem-init" */
#define SCORE_BITS 20

static const fhs_gem_shape neural_shape = {32, 128, 512};

typedef unsigned __int128 u128;

/* ---------- plan ---------- */

typedef struct {
  const fhs_plan_ctx *c;
  fhs_gem g;
  fhs_gem_target *t; /* 1-ways, then the measured 2-ways */
  size_t n_t;
  unsigned char *done; /* [a * k + b]: measured */
  double nhat;
} neural_plan;

/* Score of pair (a, b) against the generator, as num / 2^SCORE_BITS (see the file header). */
static void score_pair(const neural_plan *p, size_t a, size_t b, const fhs_marginal *x,
                       double shift, double *q, u128 *num) {
  size_t cols[2] = {a, b};
  fhs_gem_answer(&p->g, 2, cols, q);
  u128 s = 0;
  for (size_t cell = 0; cell < x->size; cell++) {
    double m = ldexp(p->nhat * q[cell], SCORE_BITS);
    u128 mi = (u128)(m > 0 ? llround(m) : 0);
    u128 xv = (u128)(x->counts[cell] > 0 ? x->counts[cell] : 0) << SCORE_BITS;
    s += xv > mi ? xv - mi : mi - xv;
  }
  *num = s + (u128)llround(ldexp(shift, SCORE_BITS));
}

/* One adaptive round: select (exponential mechanism), measure, retrain. */
static int plan_round(neural_plan *p, double rho_sel, double rho_meas, fhs_marginal_set *out,
                      fhs_release_info *info, double *q, size_t *cand, u128 *num, u128 *den,
                      fhs_error *err) {
  const fhs_plan_ctx *c = p->c;
  size_t k = c->k, n = 0;
  double sigma = sqrt(1.0 / (2.0 * rho_meas)), pen_max = 0;
  for (size_t a = 0; a < k; a++)
    for (size_t b = a + 1; b < k; b++) {
      double pen = sqrt(2.0 / M_PI) * sigma * (double)(p->g.dom[a] * p->g.dom[b]);
      pen_max = pen > pen_max ? pen : pen_max;
    }
  fhs_gem_forward(&p->g);
  for (size_t a = 0; a < k; a++)
    for (size_t b = a + 1; b < k; b++) {
      if (p->done[a * k + b]) continue;
      const fhs_marginal *x = fhs_plan_pair(c, a, b, err);
      if (!x) return -1;
      double pen = sqrt(2.0 / M_PI) * sigma * (double)(p->g.dom[a] * p->g.dom[b]);
      score_pair(p, a, b, x, pen_max - pen, q, &num[n]);
      den[n] = (u128)1 << SCORE_BITS;
      cand[n++] = a * k + b;
    }
  size_t pick;
  if (fhs_expmech_choose(c->rng, sqrt(8.0 * rho_sel), num, den, n, &pick, err)) return -1;
  info->rho_selected += rho_sel;
  info->n_selected++;
  size_t a = cand[pick] / k, b = cand[pick] % k, cols[2] = {a, b};
  const fhs_marginal *x = fhs_plan_pair(c, a, b, err);
  if (!x || fhs_plan_measure(c, x, rho_meas, out, info, err)) return -1;
  p->done[a * k + b] = 1;
  if (fhs_gem_target_from(&p->t[p->n_t], &out->m[out->count - 1], cols, p->nhat, err)) return -1;
  p->n_t++;
  return fhs_gem_train(&p->g, p->t, p->n_t, NEURAL_PLAN_STEPS_ROUND, NEURAL_LR, 0, NULL, err);
}

/* The 1-ways: measured, turned into targets, and the generator's starting point. */
static int plan_start(neural_plan *p, double rho1, fhs_marginal_set *out, fhs_release_info *info,
                      fhs_error *err) {
  const fhs_plan_ctx *c = p->c;
  size_t k = c->k;
  size_t *dom = malloc(k * sizeof *dom);
  if (!dom) return fhs_error_set(err, "release: out of memory");
  double tot = 0;
  int rc = 0;
  for (size_t a = 0; rc == 0 && a < k; a++) {
    dom[a] = fhs_plan_one(c, a)->size;
    rc = fhs_plan_measure(c, fhs_plan_one(c, a), rho1 / (double)k, out, info, err);
    for (size_t v = 0; rc == 0 && v < out->m[a].size; v++) tot += (double)out->m[a].counts[v];
  }
  p->nhat = tot / (double)k >= 1 ? tot / (double)k : 1;
  if (rc == 0) rc = fhs_gem_init(&p->g, dom, k, &neural_shape, NEURAL_TRAIN_SEED, err);
  free(dom);
  for (size_t a = 0; rc == 0 && a < k; a++) {
    rc = fhs_gem_target_from(&p->t[p->n_t], &out->m[a], &a, p->nhat, err);
    if (rc) break;
    p->n_t++;
    double *pr = malloc(out->m[a].size * sizeof *pr), sum = 0;
    if (!pr) return fhs_error_set(err, "release: out of memory");
    for (size_t v = 0; v < out->m[a].size; v++)
      sum += pr[v] = out->m[a].counts[v] > 0 ? (double)out->m[a].counts[v] : 0;
    for (size_t v = 0; v < out->m[a].size; v++)
      pr[v] = sum > 0 ? pr[v] / sum : 1.0 / (double)out->m[a].size;
    fhs_gem_set_bias(&p->g, a, pr);
    free(pr);
  }
  if (rc == 0) rc = fhs_gem_train(&p->g, p->t, p->n_t, NEURAL_PLAN_STEPS_INIT, NEURAL_LR, 0, NULL, err);
  return rc;
}

/* Rounds the rest of the budget affords (at most cap, at least 1). AIM's test, made before
 * the loop: a table is worth measuring when its expected noise L1, sqrt(2/pi) sigma cells, is
 * small against its counts. Here a table of NEURAL_REF_CELLS must keep it within
 * NEURAL_NOISE_SHARE of N^, so a small budget buys fewer, less noisy tables instead of many
 * tables of noise. Depends on rho and N^ (post-processing of the released 1-ways) only: free. */
static size_t plan_rounds(double rho_rest, double nhat, size_t cap) {
  double sigma = NEURAL_NOISE_SHARE * nhat / (sqrt(2.0 / M_PI) * NEURAL_REF_CELLS);
  double rho_round = 1.0 / (2.0 * sigma * sigma) / (1 - NEURAL_SELECT_SHARE);
  double t = floor(rho_rest / rho_round);
  return cap == 0 ? 0 : t < 1 ? 1 : t < (double)cap ? (size_t)t : cap;
}

int fhs_plan_neural(const fhs_plan_ctx *c, fhs_marginal_set *out, fhs_release_info *info,
                    fhs_error *err) {
  size_t k = c->k, pairs = k * (k - 1) / 2;
  size_t cap = NEURAL_ROUNDS_PER_ATTR * k < pairs ? NEURAL_ROUNDS_PER_ATTR * k : pairs;
  double share = cap ? NEURAL_ONEWAY_SHARE : 1.0, rho_rest = (1 - share) * c->rho;
  neural_plan p = {.c = c};
  size_t maxcell = 1;
  for (size_t a = 0; a < k; a++)
    for (size_t b = a + 1; b < k; b++) {
      size_t cells = fhs_plan_one(c, a)->size * fhs_plan_one(c, b)->size;
      maxcell = cells > maxcell ? cells : maxcell;
    }
  p.t = calloc(k + cap, sizeof *p.t);
  p.done = calloc(k * k, 1);
  double *q = malloc(maxcell * sizeof *q);
  size_t *cand = malloc((pairs ? pairs : 1) * sizeof *cand);
  u128 *num = malloc((pairs ? pairs : 1) * sizeof *num), *den = malloc((pairs ? pairs : 1) * sizeof *den);
  int rc = p.t && p.done && q && cand && num && den ? 0 : fhs_error_set(err, "release: out of memory");
  if (rc == 0) rc = plan_start(&p, share * c->rho, out, info, err);
  size_t rounds = rc == 0 ? plan_rounds(rho_rest, p.nhat, cap) : 0;
  double rho_round = rounds ? rho_rest / (double)rounds : 0;
  double rho_sel = NEURAL_SELECT_SHARE * rho_round, rho_meas = rho_round - rho_sel;
  for (size_t r = 0; rc == 0 && r < rounds; r++)
    rc = plan_round(&p, rho_sel, rho_meas, out, info, q, cand, num, den, err);
  fhs_gem_free(&p.g);
  fhs_gem_targets_free(p.t, p.n_t);
  free(p.done), free(q), free(cand), free(num), free(den);
  return rc;
}

/* ---------- model ---------- */

typedef struct {
  size_t n, k, d;
  size_t *dom, *off;
  double *prob; /* k x d: the mixture components */
  double *cum;  /* k x d: cumulative, per column block */
} neural_model;

static void neural_free(void *state) {
  neural_model *m = state;
  if (!m) return;
  free(m->dom), free(m->off), free(m->prob), free(m->cum);
  free(m);
}

/* Targets from every 1- and 2-way of the stats (3-ways are not used by this model). */
static int build_targets(const fhs_marginal_set *stats, double nrows, fhs_gem_target **out,
                         size_t *n_out, fhs_error *err) {
  fhs_gem_target *t = calloc(stats->count ? stats->count : 1, sizeof *t);
  size_t n = 0;
  if (!t) return fhs_error_set(err, "synth: out of memory");
  for (size_t i = 0; i < stats->count; i++) {
    if (stats->m[i].n_cols > 2) continue;
    if (fhs_gem_target_from(&t[n], &stats->m[i], stats->m[i].cols, nrows, err)) {
      fhs_gem_targets_free(t, n);
      return -1;
    }
    n++;
  }
  *out = t, *n_out = n;
  return 0;
}

static int train_model(neural_model *m, const fhs_marginal_set *stats, const fhs_schema *schema,
                       const fhs_synth_options *opts, fhs_error *err) {
  double nrows = fhs_synth_rows_estimate(stats);
  fhs_gem g;
  if (fhs_gem_init(&g, m->dom, m->n, &neural_shape, NEURAL_TRAIN_SEED, err)) return -1;
  int rc = 0;
  for (size_t a = 0; rc == 0 && a < m->n; a++) {
    double sigma;
    double *y = fhs_synth_counts_1way(stats, a, m->dom[a], &sigma), sum = 0;
    if (!y) {
      rc = fhs_error_set(err, "stats: no marginal covers column \"%s\"", schema->columns[a].name);
      break;
    }
    for (size_t v = 0; v < m->dom[a]; v++) sum += y[v] = y[v] > 0 ? y[v] : 0;
    for (size_t v = 0; v < m->dom[a]; v++) y[v] = sum > 0 ? y[v] / sum : 1.0 / (double)m->dom[a];
    fhs_gem_set_bias(&g, a, y);
    free(y);
  }
  fhs_gem_target *t = NULL;
  size_t n_t = 0;
  if (rc == 0) rc = build_targets(stats, nrows, &t, &n_t, err);
  size_t steps = opts->iterations ? opts->iterations : NEURAL_FIT_STEPS;
  if (rc == 0) rc = fhs_gem_train(&g, t, n_t, steps, NEURAL_LR, NEURAL_MIN_GAIN, NULL, err);
  fhs_gem_targets_free(t, n_t);
  if (rc == 0) {
    m->k = g.k, m->d = g.d, m->prob = g.prob;
    g.prob = NULL; /* kept by the model */
  }
  fhs_gem_free(&g);
  return rc;
}

static int neural_fit(const fhs_marginal_set *stats, const fhs_schema *schema,
                      const fhs_synth_options *opts, void **state, fhs_error *err) {
  if (fhs_marginal_set_check(stats, schema, "stats", err)) return -1;
  if (!(fhs_synth_rows_estimate(stats) >= 1))
    return fhs_error_set(err, "stats: the marginals hold no rows");
  neural_model *m = calloc(1, sizeof *m);
  if (!m) return fhs_error_set(err, "synth: out of memory");
  m->n = schema->n_columns;
  m->dom = malloc(m->n * sizeof *m->dom);
  m->off = malloc(m->n * sizeof *m->off);
  if (!m->dom || !m->off) {
    neural_free(m);
    return fhs_error_set(err, "synth: out of memory");
  }
  size_t d = 0;
  for (size_t a = 0; a < m->n; a++)
    m->off[a] = d, d += m->dom[a] = fhs_schema_domain_size(&schema->columns[a]);
  if (train_model(m, stats, schema, opts, err)) {
    neural_free(m);
    return -1;
  }
  m->cum = malloc(m->k * m->d * sizeof *m->cum);
  if (!m->cum) {
    neural_free(m);
    return fhs_error_set(err, "synth: out of memory");
  }
  for (size_t i = 0; i < m->k; i++)
    for (size_t a = 0; a < m->n; a++) {
      double s = 0;
      for (size_t v = 0; v < m->dom[a]; v++)
        m->cum[i * m->d + m->off[a] + v] = s += m->prob[i * m->d + m->off[a] + v];
    }
  *state = m;
  return 0;
}

/* ---------- sampling ---------- */

static uint16_t draw_value(const neural_model *m, size_t i, size_t a, double u) {
  const double *cum = m->cum + i * m->d + m->off[a];
  size_t n = m->dom[a], lo = 0, hi = n - 1;
  u *= cum[n - 1];
  while (lo < hi) { /* first v with cum[v] > u */
    size_t mid = lo + (hi - lo) / 2;
    if (cum[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return (uint16_t)lo;
}

static void sample_iid(const neural_model *m, uint64_t seed, size_t rows, uint16_t *idx,
                       int threads) {
  size_t chunks = (rows + FHS_SYNTH_CHUNK_ROWS - 1) / FHS_SYNTH_CHUNK_ROWS;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (size_t c = 0; c < chunks; c++) {
    size_t first = c * FHS_SYNTH_CHUNK_ROWS;
    size_t last = rows - first < FHS_SYNTH_CHUNK_ROWS ? rows : first + FHS_SYNTH_CHUNK_ROWS;
    fhs_synth_stream s;
    fhs_synth_stream_init(&s, seed, FHS_NONCE_NEURAL + ((uint64_t)2 << 56) + c);
    for (size_t r = first; r < last; r++) {
      size_t i = (size_t)fhs_synth_stream_below(&s, m->k);
      for (size_t a = 0; a < m->n; a++)
        idx[a * rows + r] = draw_value(m, i, a, fhs_synth_stream_unit(&s));
    }
    fhs_synth_stream_wipe(&s);
  }
}

static int sample_stratified(const neural_model *m, uint64_t seed, size_t rows, uint16_t *idx,
                             int threads, fhs_error *err) {
  size_t k = m->k;
  uint16_t *comp = malloc(rows * sizeof *comp), *tmp = malloc(rows * sizeof *tmp);
  size_t *perm = malloc(rows * sizeof *perm), *off = calloc(k + 1, sizeof *off);
  double *uni = malloc(k * sizeof *uni);
  if (!comp || !tmp || !perm || !off || !uni) {
    free(comp), free(tmp), free(perm), free(off), free(uni);
    return fhs_error_set(err, "synth: out of memory for sampling %zu rows", rows);
  }
  for (size_t i = 0; i < k; i++) uni[i] = 1.0 / (double)k;
  fhs_synth_stream s;
  fhs_synth_stream_init(&s, seed, FHS_NONCE_NEURAL + ((uint64_t)1 << 56));
  fhs_synth_stratified(&s, uni, k, rows, comp);
  fhs_synth_stream_wipe(&s);
  for (size_t r = 0; r < rows; r++) off[comp[r] + 1]++;
  for (size_t i = 0; i < k; i++) off[i + 1] += off[i];
  for (size_t r = 0; r < rows; r++) perm[off[comp[r]]++] = r;
  for (size_t i = k; i > 0; i--) off[i] = off[i - 1];
  off[0] = 0;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (size_t i = 0; i < k; i++) {
    size_t g = off[i + 1] - off[i];
    for (size_t a = 0; g && a < m->n; a++) {
      fhs_synth_stream t;
      fhs_synth_stream_init(&t, seed, FHS_NONCE_NEURAL + ((uint64_t)i << 16) + a);
      fhs_synth_stratified(&t, m->prob + i * m->d + m->off[a], m->dom[a], g, tmp + off[i]);
      for (size_t j = 0; j < g; j++) idx[a * rows + perm[off[i] + j]] = tmp[off[i] + j];
      fhs_synth_stream_wipe(&t);
    }
  }
  free(comp), free(tmp), free(perm), free(off), free(uni);
  return 0;
}

static int neural_draw(const void *state, const fhs_synth_options *opts, uint64_t seed,
                       size_t rows, uint16_t *idx, fhs_error *err) {
  const neural_model *m = state;
  int threads = opts->threads > 0 ? opts->threads : omp_get_max_threads();
  if (opts->iid) {
    sample_iid(m, seed, rows, idx, threads);
    return 0;
  }
  return sample_stratified(m, seed, rows, idx, threads, err);
}

const fhs_synth_model_ops fhs_synth_neural_ops = {"neural", neural_fit, neural_draw, neural_free};
