/* Release plans: which marginals the owner measures, with how much of the budget (DESIGN 6-7).
 *
 * The budget (epsilon, delta) becomes rho by the tight zCDP conversion (fhs_dp, errs low), and
 * each plan spends exactly that rho: a marginal measured with N_Z(0, sigma^2) noise costs
 * 1/(2 sigma^2) (sensitivity 1 under add/remove-one-row), a selection step costs what its
 * mechanism costs. Noise comes from fhs_dp_noise_add (exact discrete Gaussian, sigma^2 rounded
 * up, so the real cost can only be lower than accounted).
 *
 * Plans: independent (1-ways), mst (McKenna, Miklau, Sheldon 2021), all2way (1- and 2-ways),
 * copula, neural.
 * mst: rho/3 on the 1-ways; rho/3 on r-1 rounds of Kruskal, each an exponential mechanism
 * (expmech.c, epsilon0 = sqrt(8 (rho/3) / (r-1)), cost epsilon0^2/8 each) over the pairs that
 * join two components, scored by the L1 distance between the exact 2-way and the independence
 * estimate from the noisy 1-ways, on MST's compressed domains; rho/3 on the r-1 chosen 2-ways.
 * The 2-ways are released over the full schema domains (STATS.json has no compressed form);
 * the estimator compresses them again by the same rule.
 * copula (copula.c) and neural (neural.c) live next to their models and use the helpers
 * declared in synth_internal.h (fhs_plan_measure, fhs_plan_one, fhs_plan_pair).
 * Adding one: a function with the fhs_plan_fn signature and a line in `plans`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

typedef unsigned __int128 u128;

typedef fhs_plan_ctx plan_ctx;

typedef struct {
  const char *name;
  int (*run)(const plan_ctx *c, fhs_marginal_set *out, fhs_release_info *info, fhs_error *err);
  int max_ways; /* what the --no-dp path copies */
} release_plan;

/* ---------- helpers ---------- */

int fhs_plan_measure(const plan_ctx *c, const fhs_marginal *m, double rho_i, fhs_marginal_set *out,
                   fhs_release_info *info, fhs_error *err) {
  /* nextafter: the rounded quotient must not fall a hair below 1/(2 rho_i) */
  double sigma2 = nextafter(1.0 / (2.0 * rho_i), INFINITY);
  fhs_dp_rational s2;
  if (fhs_dp_sigma2_from_double(sigma2, &s2, err)) return -1;
  fhs_marginal *dst = &out->m[out->count];
  if (fhs_marginal_copy(dst, m, err)) return -1;
  if (fhs_dp_noise_add(c->rng, dst->counts, dst->size, sigma2, err)) {
    free(dst->counts);
    return -1;
  }
  dst->sigma = sqrt((double)s2.num / (double)s2.den); /* the noise actually added */
  out->count++;
  info->rho_measured += rho_i;
  return 0;
}

const fhs_marginal *fhs_plan_pair(const plan_ctx *c, size_t a, size_t b, fhs_error *err) {
  size_t cols[2] = {c->attr[a], c->attr[b]};
  const fhs_marginal *m = fhs_marginal_set_find(c->exact, 2, cols);
  if (!m)
    fhs_error_set(err, "release: the exact counts lack the 2-way marginal of columns %zu and %zu",
                  cols[0], cols[1]);
  return m;
}

const fhs_marginal *fhs_plan_one(const plan_ctx *c, size_t a) {
  return fhs_marginal_set_find(c->exact, 1, &c->attr[a]);
}

/* ---------- independent and all2way ---------- */

static int run_independent(const plan_ctx *c, fhs_marginal_set *out, fhs_release_info *info,
                           fhs_error *err) {
  for (size_t a = 0; a < c->k; a++)
    if (fhs_plan_measure(c, fhs_plan_one(c, a), c->rho / (double)c->k, out, info, err)) return -1;
  return 0;
}

static int run_all2way(const plan_ctx *c, fhs_marginal_set *out, fhs_release_info *info,
                       fhs_error *err) {
  double n = (double)c->k + (double)c->k * (double)(c->k - 1) / 2.0;
  for (size_t a = 0; a < c->k; a++)
    if (fhs_plan_measure(c, fhs_plan_one(c, a), c->rho / n, out, info, err)) return -1;
  for (size_t a = 0; a < c->k; a++)
    for (size_t b = a + 1; b < c->k; b++) {
      const fhs_marginal *m = fhs_plan_pair(c, a, b, err);
      if (!m || fhs_plan_measure(c, m, c->rho / n, out, info, err)) return -1;
    }
  return 0;
}

/* ---------- mst ---------- */

static size_t uf_find(size_t *p, size_t x) {
  while (p[x] != x) x = p[x] = p[p[x]];
  return x;
}

/* Per attribute, what selection compares against, all post-processing of the noisy 1-ways:
 * MST's domain compression (values whose noisy count is below 3 sigma share one bucket, so a
 * wide, sparse table does not score high on sampling noise alone) and the clipped noisy counts
 * of the compressed values, whose product is the independence estimate. */
typedef struct {
  size_t *comp; /* schema value -> compressed value */
  size_t dom;   /* compressed domain size */
  uint64_t *u;  /* max(0, noisy count) per compressed value, or all 1 when none is positive */
  u128 total;
} clipped;

static int clip_counts(const fhs_marginal *m, clipped *cl, fhs_error *err) {
  size_t d = m->size, kept = 0, rare = 0;
  double thr = 3.0 * m->sigma;
  for (size_t i = 0; i < d; i++) rare += (double)m->counts[i] < thr;
  cl->comp = malloc(d * sizeof *cl->comp);
  int64_t *y = calloc(d, sizeof *y);
  cl->u = malloc(d * sizeof *cl->u);
  if (!cl->comp || !y || !cl->u) {
    free(y);
    return fhs_error_set(err, "release: out of memory");
  }
  for (size_t i = 0; i < d; i++)
    if (rare < 2 || (double)m->counts[i] >= thr) cl->comp[i] = kept++;
  cl->dom = kept + (rare >= 2);
  for (size_t i = 0; i < d; i++) {
    if (rare >= 2 && (double)m->counts[i] < thr) cl->comp[i] = kept;
    y[cl->comp[i]] += m->counts[i];
  }
  cl->total = 0;
  for (size_t i = 0; i < cl->dom; i++) cl->total += cl->u[i] = y[i] > 0 ? (uint64_t)y[i] : 0;
  if (cl->total == 0)
    for (size_t i = 0; i < cl->dom; i++) cl->total += cl->u[i] = 1;
  free(y);
  return 0;
}

/* MST's score of a pair: || x_ab - N^ p_a (x) p_b ||_1 over the compressed domains, with x_ab
 * the exact counts and p the normalised clipped noisy 1-ways, as the exact rational num/den
 * (den = U_a U_b). Adding or removing a row moves one cell of x_ab by 1 and nothing else, so
 * the sensitivity is 1. */
static int pair_score(const fhs_marginal *x, const clipped *ca, const clipped *cb, uint64_t nhat,
                      u128 *num, u128 *den, fhs_error *err) {
  size_t da = ca->dom, db = cb->dom, fb = x->shape[1];
  uint64_t *xc = calloc(da * db, sizeof *xc);
  if (!xc) return fhs_error_set(err, "release: out of memory");
  u128 total = 0;
  for (size_t cell = 0; cell < x->size; cell++) {
    uint64_t v = x->counts[cell] > 0 ? (uint64_t)x->counts[cell] : 0;
    xc[ca->comp[cell / fb] * db + cb->comp[cell % fb]] += v;
    total += v;
  }
  double bound = ((double)total + (double)nhat) * (double)ca->total * (double)cb->total;
  if (!(bound < 0x1p116)) {
    free(xc);
    return fhs_error_set(err, "release: counts too large for exact selection scores");
  }
  u128 s = 0;
  for (size_t i = 0; i < da; i++)
    for (size_t j = 0; j < db; j++) {
      u128 lhs = (u128)xc[i * db + j] * ca->total * cb->total;
      u128 rhs = (u128)nhat * ca->u[i] * cb->u[j];
      s += lhs > rhs ? lhs - rhs : rhs - lhs;
    }
  free(xc);
  *num = s;
  *den = ca->total * cb->total;
  return 0;
}

/* r-1 rounds of Kruskal: each round the exponential mechanism picks one edge among those that
 * join two components. chosen[e] marks the picked pairs (index a * k + b). */
static int mst_select(const plan_ctx *c, const fhs_marginal_set *noisy, double rho_sel,
                      unsigned char *chosen, fhs_error *err) {
  size_t k = c->k, n_pairs = k * (k - 1) / 2;
  clipped *cl = calloc(k, sizeof *cl);
  size_t *pa = malloc(n_pairs * sizeof *pa), *pb = malloc(n_pairs * sizeof *pb);
  size_t *uf = malloc(k * sizeof *uf), *cand = malloc(n_pairs * sizeof *cand);
  u128 *num = malloc(n_pairs * sizeof *num), *den = malloc(n_pairs * sizeof *den);
  u128 *cnum = malloc(n_pairs * sizeof *cnum), *cden = malloc(n_pairs * sizeof *cden);
  int rc = 0;
  if (!cl || !pa || !pb || !uf || !cand || !num || !den || !cnum || !cden)
    rc = fhs_error_set(err, "release: out of memory");
  /* N^: the mean noisy total of the 1-ways (post-processing; the true row count would make
   * the score depend on the data twice). */
  double tot = 0;
  for (size_t a = 0; rc == 0 && a < k; a++) {
    for (size_t i = 0; i < noisy->m[a].size; i++) tot += (double)noisy->m[a].counts[i];
    rc = clip_counts(&noisy->m[a], &cl[a], err);
  }
  uint64_t nhat = tot / (double)k >= 1 ? (uint64_t)llround(tot / (double)k) : 1;
  size_t p = 0;
  for (size_t a = 0; rc == 0 && a < k; a++)
    for (size_t b = a + 1; rc == 0 && b < k; b++, p++) {
      const fhs_marginal *x = fhs_plan_pair(c, a, b, err);
      pa[p] = a, pb[p] = b;
      rc = x ? pair_score(x, &cl[a], &cl[b], nhat, &num[p], &den[p], err) : -1;
    }
  for (size_t a = 0; uf && a < k; a++) uf[a] = a;
  double eps0 = sqrt(8.0 * rho_sel / (double)(k - 1));
  for (size_t round = 0; rc == 0 && round + 1 < k; round++) {
    size_t n = 0;
    for (size_t q = 0; q < n_pairs; q++)
      if (uf_find(uf, pa[q]) != uf_find(uf, pb[q])) cand[n] = q, cnum[n] = num[q], cden[n++] = den[q];
    size_t pick;
    rc = fhs_expmech_choose(c->rng, eps0, cnum, cden, n, &pick, err);
    if (rc == 0) {
      size_t q = cand[pick];
      uf[uf_find(uf, pa[q])] = uf_find(uf, pb[q]);
      chosen[pa[q] * k + pb[q]] = 1;
    }
  }
  for (size_t a = 0; cl && a < k; a++) free(cl[a].u), free(cl[a].comp);
  free(cl), free(pa), free(pb), free(uf), free(cand), free(num), free(den), free(cnum), free(cden);
  return rc;
}

static int run_mst(const plan_ctx *c, fhs_marginal_set *out, fhs_release_info *info,
                   fhs_error *err) {
  size_t k = c->k;
  if (k == 1) return run_independent(c, out, info, err); /* no pairs: all of rho to the 1-way */
  /* MST's paper splits rho in thirds; measured on Adult at epsilon 1 (12 releases each), a
   * quarter on the 1-ways, 15% on selecting the tree and 60% on its 2-ways does better
   * (mean 2-way TVD 0.0400 against 0.0413; adult-pgm 0.0505 against 0.0513): the tree's
   * tables are wide and benefit most from less noise. */
  double r1 = c->rho * 0.25, rs = c->rho * 0.15, r2 = c->rho - r1 - rs;
  for (size_t a = 0; a < k; a++)
    if (fhs_plan_measure(c, fhs_plan_one(c, a), r1 / (double)k, out, info, err)) return -1;
  unsigned char *chosen = calloc(k * k, 1);
  if (!chosen) return fhs_error_set(err, "release: out of memory");
  int rc = mst_select(c, out, rs, chosen, err);
  info->rho_selected = rc == 0 ? rs : 0;
  /* The rest: the r-1 tree edges, in schema order. */
  for (size_t a = 0; rc == 0 && a < k; a++)
    for (size_t b = a + 1; rc == 0 && b < k; b++)
      if (chosen[a * k + b]) {
        const fhs_marginal *m = fhs_plan_pair(c, a, b, err);
        rc = m ? fhs_plan_measure(c, m, r2 / (double)(k - 1), out, info, err) : -1;
        info->n_selected += rc == 0;
      }
  free(chosen);
  return rc;
}

/* ---------- dispatch ---------- */

static const release_plan plans[] = {
    {"mst", run_mst, 2},
    {"independent", run_independent, 1},
    {"all2way", run_all2way, 2},
    {"copula", fhs_plan_copula, 2},
    {"neural", fhs_plan_neural, 2},
};
#define N_PLANS (sizeof plans / sizeof plans[0])

const char *const *fhs_release_plans(void) {
  static const char *const names[N_PLANS + 1] = {"mst", "independent", "all2way", "copula", "neural", NULL};
  return names;
}

static const release_plan *find_plan(const char *model, fhs_error *err) {
  if (!model) model = "mst";
  for (size_t i = 0; i < N_PLANS; i++)
    if (strcmp(plans[i].name, model) == 0) return &plans[i];
  fhs_error_set(err, "release: unknown model \"%.60s\" (known: mst, independent, all2way, copula, neural)", model);
  return NULL;
}

/* Attributes = every column some exact marginal mentions; each must have its 1-way. */
static int find_attributes(const fhs_marginal_set *exact, plan_ctx *c, fhs_error *err) {
  size_t max = 0;
  for (size_t i = 0; i < exact->count; i++)
    for (size_t k = 0; k < exact->m[i].n_cols; k++)
      if (exact->m[i].cols[k] + 1 > max) max = exact->m[i].cols[k] + 1;
  if (max == 0) return fhs_error_set(err, "release: no marginals to release");
  unsigned char *seen = calloc(max, 1);
  c->attr = malloc(max * sizeof *c->attr);
  if (!seen || !c->attr) {
    free(seen);
    return fhs_error_set(err, "release: out of memory");
  }
  for (size_t i = 0; i < exact->count; i++)
    for (size_t k = 0; k < exact->m[i].n_cols; k++) seen[exact->m[i].cols[k]] = 1;
  c->k = 0;
  int rc = 0;
  for (size_t col = 0; col < max && rc == 0; col++) {
    if (!seen[col]) continue;
    c->attr[c->k++] = col;
    if (!fhs_marginal_set_find(exact, 1, &col))
      rc = fhs_error_set(err, "release: the exact counts lack the 1-way marginal of column %zu",
                         col);
  }
  free(seen);
  return rc;
}

int fhs_release_rho(const fhs_marginal_set *exact, const char *model, double rho,
                    const fhs_dp_rng *rng, fhs_marginal_set *out, fhs_release_info *info,
                    fhs_error *err) {
  memset(out, 0, sizeof *out);
  fhs_release_info local;
  if (!info) info = &local;
  memset(info, 0, sizeof *info);
  const release_plan *plan = find_plan(model, err);
  if (!plan) return -1;
  if (!(rho > 0) || !isfinite(rho))
    return fhs_error_set(err, "release: rho must be a positive number (got %g)", rho);
  plan_ctx c = {.exact = exact, .rng = rng, .rho = rho};
  if (find_attributes(exact, &c, err)) {
    free(c.attr);
    return -1;
  }
  fhs_marginal_set s = {.rho = c.rho};
  size_t cap = c.k + c.k * (c.k - 1) / 2;
  s.m = calloc(cap, sizeof *s.m);
  int rc = s.m ? plan->run(&c, &s, info, err) : fhs_error_set(err, "release: out of memory");
  free(c.attr);
  if (rc) {
    fhs_marginal_set_free(&s);
    memset(info, 0, sizeof *info);
    return -1;
  }
  /* the exact row count never leaves: the released set carries an estimate from its own
   * noisy tables */
  s.rows = fhs_noisy_total(&s);
  snprintf(s.plan, sizeof s.plan, "%s", plan->name);
  info->rho = c.rho;
  *out = s;
  return 0;
}

int fhs_release_ex(const fhs_marginal_set *exact, const char *model, double epsilon,
                   double delta, const fhs_dp_rng *rng, fhs_marginal_set *out,
                   fhs_release_info *info, fhs_error *err) {
  memset(out, 0, sizeof *out);
  if (!(epsilon > 0) || !isfinite(epsilon))
    return fhs_error_set(err, "release: epsilon must be a positive number (got %g)", epsilon);
  if (!(delta > 0 && delta < 1))
    return fhs_error_set(err, "release: delta must be in (0, 1) (got %g)", delta);
  double rho;
  if (fhs_dp_rho_from_epsilon(epsilon, delta, &rho, err)) return -1;
  if (fhs_release_rho(exact, model, rho, rng, out, info, err)) return -1;
  out->epsilon = epsilon;
  out->delta = delta;
  return 0;
}

int fhs_release(const fhs_marginal_set *exact, const char *model, double epsilon, double delta,
                const fhs_dp_rng *rng, fhs_marginal_set *out, fhs_error *err) {
  return fhs_release_ex(exact, model, epsilon, delta, rng, out, NULL, err);
}

int fhs_release_exact(const fhs_marginal_set *exact, const char *model, fhs_marginal_set *out,
                      fhs_error *err) {
  memset(out, 0, sizeof *out);
  const release_plan *plan = find_plan(model, err);
  if (!plan) return -1;
  fhs_marginal_set s = {.rows = exact->rows, .exact = 1, .epsilon = INFINITY, .rho = INFINITY};
  s.m = calloc(exact->count ? exact->count : 1, sizeof *s.m);
  if (!s.m) return fhs_error_set(err, "release: out of memory");
  for (size_t i = 0; i < exact->count; i++) {
    if (exact->m[i].n_cols > (size_t)plan->max_ways) continue;
    if (fhs_marginal_copy(&s.m[s.count], &exact->m[i], err)) {
      fhs_marginal_set_free(&s);
      return -1;
    }
    s.m[s.count++].sigma = 0;
  }
  if (s.count == 0) {
    fhs_marginal_set_free(&s);
    return fhs_error_set(err, "release: no marginals to release");
  }
  snprintf(s.plan, sizeof s.plan, "%s", plan->name);
  *out = s;
  return 0;
}
