/* The three attacks of Anonymeter (Giomi, Boenisch, Wehmeyer and Tasnadi, "A unified framework
 * for quantifying privacy risk in synthetic data", PoPETs 2023), each run three ways: the main
 * attack uses the synthetic data against training rows, the baseline guesses at random, and
 * the control runs the main attack against holdout rows the synthesizer never saw. The risk
 * is the main attack's excess success over the control, (attack - control) / (1 - control),
 * with Wilson score intervals propagated to a 95% interval, as Anonymeter computes it.
 *
 * - Singling out (multivariate, 3 columns): predicates built from synthetic records that match
 *   exactly one synthetic row; success when one matches exactly one training row. The control
 *   count is rescaled to the training set's size with Anonymeter's fitted model of how the
 *   chance to single out grows with the population (Cohen and Nissim 2020).
 * - Linkability: the columns are split in two halves (even and odd schema positions); a target
 *   is linked when both halves have the same nearest synthetic row (Gower distance).
 * - Attribute inference: for every column as the secret, the other columns find the nearest
 *   synthetic row, whose secret is the guess (numbers: within 5% of the truth). The reported
 *   risk is the worst column's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval_internal.h"

#define WILSON_Z 1.959963984540054 /* 95% */
#define SO_COLUMNS 3
#define SO_BATCH 1024
#define SO_ATTEMPTS_PER_ATTACK 200 /* attempts allowed per wanted query */
#define SO_FIT_SIZES 10
#define SO_FIT_REPEATS 5
#define INFERENCE_TOLERANCE 0.05

/* ---------- rates and risks ---------- */

void fhs_eval_wilson(double k, double n, double *value, double *error) {
  double z2 = WILSON_Z * WILSON_Z, var = n > 0 ? k * (n - k) / n : 0;
  if (var < 0) var = 0;
  *value = (k + 0.5 * z2) / (n + z2);
  *error = WILSON_Z / (n + z2) * sqrt(var + 0.25 * z2);
}

static double clip01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

void fhs_eval_risk_set(fhs_eval_risk *r, size_t n_attacks, double n_success, double n_baseline,
                       double n_control) {
  double ea, eb, ec = 0;
  r->available = 1;
  r->n_attacks = n_attacks;
  fhs_eval_wilson(n_success, (double)n_attacks, &r->attack, &ea);
  fhs_eval_wilson(n_baseline, (double)n_attacks, &r->baseline, &eb);
  r->weak = r->baseline >= r->attack;
  double res = r->attack, err = ea;
  if (n_control >= 0) {
    fhs_eval_wilson(n_control > (double)n_attacks ? (double)n_attacks : n_control,
                    (double)n_attacks, &r->control, &ec);
    double den = 1 - r->control;
    res = (r->attack - r->control) / den;
    double da = 1 / fabs(den), dc = (r->attack - 1) / (den * den);
    err = sqrt(ea * ea * da * da + ec * ec * dc * dc);
  } else {
    r->control = NAN;
  }
  r->risk = clip01(res);
  r->lo = clip01(res - err);
  r->hi = clip01(res + err);
}

/* ---------- singling out ---------- */

enum { OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_NULL, OP_NOTNULL };

typedef struct {
  uint32_t col;
  uint32_t op;
  double v; /* number, or a categorical key */
} so_term;

typedef struct {
  size_t n;
  so_term t[SO_COLUMNS];
} so_query;

static int term_matches(const so_term *t, const fhs_eval_data *d, size_t r) {
  if (d->key[t->col]) {
    double k = (double)d->key[t->col][r];
    return t->op == OP_EQ ? k == t->v : k != t->v;
  }
  double x = d->num[t->col][r];
  switch (t->op) {
    case OP_EQ: return x == t->v;
    case OP_NE: return x != t->v && !isnan(x);
    case OP_LT: return x < t->v;
    case OP_GT: return x > t->v;
    case OP_LE: return x <= t->v;
    case OP_GE: return x >= t->v;
    case OP_NULL: return isnan(x);
    default: return !isnan(x);
  }
}

/* Rows of d (rows: NULL = all, else n of them) the query matches, counting up to limit. */
static size_t count_matches(const so_query *q, const fhs_eval_data *d, const size_t *rows,
                            size_t n, size_t limit) {
  size_t hits = 0;
  if (!rows) n = d->n_rows;
  for (size_t i = 0; i < n && hits < limit; i++) {
    size_t r = rows ? rows[i] : i, k = 0;
    while (k < q->n && term_matches(&q->t[k], d, r)) k++;
    hits += k == q->n;
  }
  return hits;
}

/* How many of the queries single out exactly one row. */
static size_t count_singling_out(const so_query *q, size_t nq, const fhs_eval_data *d,
                                 const size_t *rows, size_t n) {
  size_t hits = 0;
#pragma omp parallel for schedule(dynamic, 16) reduction(+ : hits)
  for (size_t i = 0; i < nq; i++) hits += count_matches(&q[i], d, rows, n, 2) == 1;
  return hits;
}

static void pick_columns(size_t nc, size_t k, fhs_eval_rng *rng, uint32_t *cols) {
  for (size_t i = 0; i < k; i++) {
    uint32_t c;
    int again;
    do {
      c = (uint32_t)fhs_eval_rng_below(rng, nc);
      again = 0;
      for (size_t j = 0; j < i; j++) again |= cols[j] == c;
    } while (again);
    cols[i] = c;
  }
  /* Sorted, so the same predicate drawn twice compares equal. */
  for (size_t i = 1; i < k; i++)
    for (size_t j = i; j > 0 && cols[j] < cols[j - 1]; j--) {
      uint32_t t = cols[j];
      cols[j] = cols[j - 1];
      cols[j - 1] = t;
    }
}

/* Anonymeter's query from a record: equality for categories, and for numbers the half-line
 * away from the median (value >= x above it, <= x below), which is the rare side. */
static so_query query_from_record(const fhs_eval_data *syn, size_t r, const double *median,
                                  size_t k, fhs_eval_rng *rng) {
  so_query q = {.n = k};
  uint32_t cols[SO_COLUMNS];
  pick_columns(syn->n_cols, k, rng, cols);
  for (size_t i = 0; i < k; i++) {
    so_term *t = &q.t[i];
    t->col = cols[i];
    if (syn->key[t->col]) {
      t->op = OP_EQ, t->v = (double)syn->key[t->col][r];
    } else if (isnan(syn->num[t->col][r])) {
      t->op = OP_NULL, t->v = 0;
    } else {
      t->v = syn->num[t->col][r];
      t->op = t->v > median[t->col] ? OP_GE : OP_LE;
    }
  }
  return q;
}

static int same_query(const so_query *a, const so_query *b) {
  if (a->n != b->n) return 0;
  for (size_t i = 0; i < a->n; i++)
    if (a->t[i].col != b->t[i].col || a->t[i].op != b->t[i].op || a->t[i].v != b->t[i].v)
      return 0;
  return 1;
}

/* Distinct values of every synthetic column, for the baseline's random predicates. */
typedef struct {
  double *v;
  size_t n;
  int has_missing;
} uniq_values;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int unique_values(const fhs_eval_data *d, size_t c, uniq_values *u) {
  u->v = malloc(d->n_rows * sizeof *u->v);
  if (!u->v) return -1;
  size_t k = 0;
  u->has_missing = 0;
  for (size_t r = 0; r < d->n_rows; r++) {
    double x = d->key[c] ? (double)d->key[c][r] : d->num[c][r];
    if (isnan(x)) u->has_missing = 1;
    else u->v[k++] = x;
  }
  qsort(u->v, k, sizeof *u->v, cmp_double);
  size_t m = 0;
  for (size_t i = 0; i < k; i++)
    if (m == 0 || u->v[i] != u->v[m - 1]) u->v[m++] = u->v[i];
  u->n = m;
  return 0;
}

/* Anonymeter's baseline predicate: random columns, a random distinct value of each, a random
 * operator (==, != for categories; ==, !=, <, >, <=, >= for numbers). */
static so_query random_query(const fhs_eval_data *syn, const uniq_values *u, size_t k,
                             fhs_eval_rng *rng) {
  so_query q = {.n = k};
  uint32_t cols[SO_COLUMNS];
  pick_columns(syn->n_cols, k, rng, cols);
  for (size_t i = 0; i < k; i++) {
    so_term *t = &q.t[i];
    const uniq_values *uc = &u[cols[i]];
    t->col = cols[i];
    size_t j = fhs_eval_rng_below(rng, uc->n + (size_t)uc->has_missing);
    if (j == uc->n) { /* the missing value */
      t->op = fhs_eval_rng_below(rng, 2) ? OP_NULL : OP_NOTNULL, t->v = 0;
      continue;
    }
    t->v = uc->v[j];
    t->op = syn->key[t->col] ? (uint32_t)fhs_eval_rng_below(rng, 2)
                             : (uint32_t)fhs_eval_rng_below(rng, 6);
  }
  return q;
}

static double *numeric_medians(const fhs_eval_data *d) {
  double *med = calloc(d->n_cols, sizeof *med), *tmp = malloc(d->n_rows * sizeof *tmp);
  if (!med || !tmp) {
    free(med);
    free(tmp);
    return NULL;
  }
  for (size_t c = 0; c < d->n_cols; c++) {
    if (!d->num[c]) continue;
    size_t k = 0;
    for (size_t r = 0; r < d->n_rows; r++)
      if (!isnan(d->num[c][r])) tmp[k++] = d->num[c][r];
    med[c] = k ? fhs_eval_quantile(tmp, k, 0.5) : 0;
  }
  free(tmp);
  return med;
}

/* Up to want distinct queries that single out one synthetic row. Candidates are drawn in
 * batches in a fixed order and checked in parallel, so the result does not depend on the
 * thread count. */
static size_t generate_queries(const fhs_eval_data *syn, const double *median, size_t want,
                               fhs_eval_rng *rng, so_query *out) {
  so_query *cand = malloc(SO_BATCH * sizeof *cand);
  size_t *cnt = malloc(SO_BATCH * sizeof *cnt);
  size_t found = 0, k = syn->n_cols < SO_COLUMNS ? syn->n_cols : SO_COLUMNS;
  size_t max_attempts = want * SO_ATTEMPTS_PER_ATTACK;
  for (size_t attempts = 0; cand && cnt && found < want && attempts < max_attempts;
       attempts += SO_BATCH) {
    for (size_t i = 0; i < SO_BATCH; i++)
      cand[i] = query_from_record(syn, fhs_eval_rng_below(rng, syn->n_rows), median, k, rng);
#pragma omp parallel for schedule(dynamic, 16)
    for (size_t i = 0; i < SO_BATCH; i++) cnt[i] = count_matches(&cand[i], syn, NULL, 0, 2);
    for (size_t i = 0; i < SO_BATCH && found < want; i++) {
      if (cnt[i] != 1) continue;
      int dup = 0;
      for (size_t j = 0; j < found && !dup; j++) dup = same_query(&out[j], &cand[i]);
      if (!dup) out[found++] = cand[i];
    }
  }
  free(cand);
  free(cnt);
  return found;
}

/* F(n, w): the chance that a query of weight up to w singles out in n rows, integrated
 * (Anonymeter's singling_out_probability_integral with w_min = 0). */
static double so_integral(double n, double w) {
  double pw = w >= 1 ? 0 : exp(n * log1p(-w));
  return (1 - (n * w + 1) * pw) / (n + 1);
}

/* Least squares fit of successes(n) = norm * F(n, w) over w (norm in closed form); returns w. */
static double fit_weight(const double *n, const double *y, size_t m) {
  double best_w = 1, best_sse = INFINITY;
  double lo = -9, hi = 0;
  for (int round = 0; round < 3; round++) {
    double step = (hi - lo) / 200, best_l = lo;
    for (int i = 0; i <= 200; i++) {
      double l = lo + step * i, w = pow(10, l), sfy = 0, sff = 0, syy = 0;
      for (size_t k = 0; k < m; k++) {
        double f = so_integral(n[k], w);
        sfy += f * y[k], sff += f * f, syy += y[k] * y[k];
      }
      double sse = sff > 0 ? syy - sfy * sfy / sff : INFINITY;
      if (sse < best_sse) best_sse = sse, best_w = w, best_l = l;
    }
    lo = best_l - step, hi = best_l + step > 0 ? 0 : best_l + step;
  }
  return best_w;
}

/* Control successes rescaled from the holdout's size to the training set's. */
static double control_correction(const so_query *q, size_t nq, const fhs_eval_data *hold,
                                 size_t n_train, fhs_eval_rng *rng) {
  size_t nh = hold->n_rows;
  if (nh == n_train) return 1;
  size_t m = SO_FIT_SIZES * SO_FIT_REPEATS, lo = nh < 1000 ? nh : 1000;
  double sizes[SO_FIT_SIZES * SO_FIT_REPEATS], succ[SO_FIT_SIZES * SO_FIT_REPEATS];
  for (size_t i = 0; i < SO_FIT_SIZES; i++)
    for (size_t k = 0; k < SO_FIT_REPEATS; k++) {
      size_t n = lo + (size_t)((double)(nh - lo) * (double)i / (SO_FIT_SIZES - 1));
      size_t *rows = fhs_eval_sample(nh, n, rng);
      if (!rows) return 1;
      sizes[i * SO_FIT_REPEATS + k] = (double)n;
      succ[i * SO_FIT_REPEATS + k] = (double)count_singling_out(q, nq, hold, rows, n);
      free(rows);
    }
  double w = fit_weight(sizes, succ, m);
  double f_ctrl = so_integral((double)nh, w);
  return f_ctrl > 0 ? so_integral((double)n_train, w) / f_ctrl : 1;
}

static int singling_out(const fhs_eval_data *train, const fhs_eval_data *syn,
                        const fhs_eval_data *hold, const fhs_eval_options *o, fhs_eval_risk *r) {
  fhs_eval_rng rng = fhs_eval_rng_make(o->seed, 20);
  size_t want = o->n_attacks, nc = syn->n_cols;
  double *median = numeric_medians(syn);
  so_query *q = malloc((want ? want : 1) * sizeof *q), *base = malloc((want ? want : 1) * sizeof *base);
  uniq_values *u = calloc(nc, sizeof *u);
  int rc = (!median || !q || !base || !u) ? -1 : 0;
  for (size_t c = 0; rc == 0 && c < nc; c++) rc = unique_values(syn, c, &u[c]);
  if (rc == 0) {
    size_t nq = generate_queries(syn, median, want, &rng, q);
    size_t k = nc < SO_COLUMNS ? nc : SO_COLUMNS;
    for (size_t i = 0; i < nq; i++) base[i] = random_query(syn, u, k, &rng);
    if (nq == 0) {
      r->available = 0;
    } else {
      double n_succ = (double)count_singling_out(q, nq, train, NULL, 0);
      double n_base = (double)count_singling_out(base, nq, train, NULL, 0);
      double n_ctrl = (double)count_singling_out(q, nq, hold, NULL, 0);
      n_ctrl *= control_correction(q, nq, hold, train->n_rows, &rng);
      fhs_eval_risk_set(r, nq, n_succ, n_base, n_ctrl);
    }
  }
  for (size_t c = 0; u && c < nc; c++) free(u[c].v);
  free(u);
  free(median);
  free(q);
  free(base);
  r->column = -1;
  return rc;
}

/* ---------- nearest-neighbour attacks ---------- */

typedef struct {
  size_t n;            /* attacks per side */
  fhs_gower_matrix q;  /* n training targets, then n control targets */
  fhs_gower_matrix syn;
  size_t *train_rows, *hold_rows;
} nn_attack;

static void nn_attack_free(nn_attack *a) {
  fhs_gower_matrix_free(&a->q);
  fhs_gower_matrix_free(&a->syn);
  free(a->train_rows);
  free(a->hold_rows);
}

/* The targets' features: training rows first, then control rows, in one matrix. */
static int nn_attack_init(const fhs_eval_data *train, const fhs_eval_data *syn,
                          const fhs_eval_data *hold, const fhs_gower_space *space,
                          const fhs_eval_options *o, nn_attack *a, fhs_error *err) {
  memset(a, 0, sizeof *a);
  size_t n = o->n_attacks;
  if (n > train->n_rows) n = train->n_rows;
  if (n > hold->n_rows) n = hold->n_rows;
  a->n = n;
  fhs_eval_rng rng = fhs_eval_rng_make(o->seed, 30);
  a->train_rows = fhs_eval_sample(train->n_rows, n, &rng);
  a->hold_rows = fhs_eval_sample(hold->n_rows, n, &rng);
  fhs_gower_matrix t, h;
  memset(&t, 0, sizeof t);
  memset(&h, 0, sizeof h);
  int rc = (!a->train_rows || !a->hold_rows) ? fhs_error_set(err, "evaluate: out of memory") : 0;
  if (rc == 0) rc = fhs_gower_matrix_make(space, train, a->train_rows, n, &t, err);
  if (rc == 0) rc = fhs_gower_matrix_make(space, hold, a->hold_rows, n, &h, err);
  if (rc == 0) rc = fhs_gower_matrix_make(space, syn, NULL, 0, &a->syn, err);
  if (rc == 0) {
    a->q.n = 2 * n, a->q.p = t.p, a->q.stride = (2 * n + 15) & ~(size_t)15;
    a->q.x = calloc(a->q.stride * (t.p ? t.p : 1), sizeof *a->q.x);
    if (!a->q.x) rc = fhs_error_set(err, "evaluate: out of memory");
    for (size_t j = 0; rc == 0 && j < t.p; j++) {
      memcpy(a->q.x + j * a->q.stride, t.x + j * t.stride, n * sizeof *t.x);
      memcpy(a->q.x + j * a->q.stride + n, h.x + j * h.stride, n * sizeof *h.x);
    }
  }
  fhs_gower_matrix_free(&t);
  fhs_gower_matrix_free(&h);
  if (rc) nn_attack_free(a);
  return rc;
}

static int linkability(const fhs_eval_data *syn, const nn_attack *a, const fhs_eval_options *o,
                       fhs_eval_risk *r, fhs_error *err) {
  size_t p = a->q.p, n = a->n;
  r->column = -1;
  if (p < 2) return 0; /* nothing to split */
  uint8_t *mask_a = calloc(p, 1), *mask_b = calloc(p, 1);
  size_t *arg_a = malloc(2 * n * sizeof *arg_a), *arg_b = malloc(2 * n * sizeof *arg_b);
  double *dist = malloc(2 * n * sizeof *dist);
  int rc = (!mask_a || !mask_b || !arg_a || !arg_b || !dist)
               ? fhs_error_set(err, "evaluate: out of memory")
               : 0;
  if (rc == 0) {
    for (size_t j = 0; j < p; j++) mask_a[j] = j % 2 == 0, mask_b[j] = j % 2 == 1;
    fhs_gower_nearest(&a->q, &a->syn, mask_a, dist, arg_a);
    fhs_gower_nearest(&a->q, &a->syn, mask_b, dist, arg_b);
    size_t succ = 0, ctrl = 0, base = 0;
    for (size_t i = 0; i < n; i++) succ += arg_a[i] == arg_b[i], ctrl += arg_a[n + i] == arg_b[n + i];
    fhs_eval_rng rng = fhs_eval_rng_make(o->seed, 40);
    for (size_t i = 0; i < n; i++)
      base += fhs_eval_rng_below(&rng, syn->n_rows) == fhs_eval_rng_below(&rng, syn->n_rows);
    fhs_eval_risk_set(r, n, (double)succ, (double)base, (double)ctrl);
  }
  free(mask_a);
  free(mask_b);
  free(arg_a);
  free(arg_b);
  free(dist);
  return rc;
}

/* Anonymeter's test of a guess: categories exactly, numbers within 5% (relative to the guess),
 * two missing values agree. */
static int guess_right(const fhs_eval_data *syn, size_t gr, const fhs_eval_data *d, size_t tr,
                       size_t c) {
  if (syn->key[c]) return syn->key[c][gr] == d->key[c][tr];
  double g = syn->num[c][gr], t = d->num[c][tr];
  if (isnan(g) || isnan(t)) return isnan(g) && isnan(t);
  return fabs(g - t) <= INFERENCE_TOLERANCE * fabs(g) + 1e-12;
}

static int inference(const fhs_eval_data *train, const fhs_eval_data *syn,
                     const fhs_eval_data *hold, const nn_attack *a, const fhs_eval_options *o,
                     fhs_eval_privacy *p, fhs_error *err) {
  size_t nc = a->q.p, n = a->n;
  fhs_eval_risk *r = &p->inference;
  r->column = -1;
  if (nc < 2) return 0; /* no auxiliary columns */
  uint8_t *mask = malloc(nc);
  size_t *arg = malloc(2 * n * sizeof *arg);
  double *dist = malloc(2 * n * sizeof *dist);
  p->inference_risk = calloc(nc, sizeof *p->inference_risk);
  int rc = (!mask || !arg || !dist || !p->inference_risk)
               ? fhs_error_set(err, "evaluate: out of memory")
               : 0;
  fhs_eval_rng rng = fhs_eval_rng_make(o->seed, 50);
  for (size_t s = 0; rc == 0 && s < nc; s++) {
    for (size_t j = 0; j < nc; j++) mask[j] = j != s;
    fhs_gower_nearest(&a->q, &a->syn, mask, dist, arg);
    size_t succ = 0, ctrl = 0, base = 0;
    for (size_t i = 0; i < n; i++) {
      succ += (size_t)guess_right(syn, arg[i], train, a->train_rows[i], s);
      ctrl += (size_t)guess_right(syn, arg[n + i], hold, a->hold_rows[i], s);
      base += (size_t)guess_right(syn, fhs_eval_rng_below(&rng, syn->n_rows), train,
                                  a->train_rows[i], s);
    }
    fhs_eval_risk one;
    fhs_eval_risk_set(&one, n, (double)succ, (double)base, (double)ctrl);
    p->inference_risk[s] = one.risk;
    if (r->column < 0 || one.risk > r->risk) {
      *r = one;
      r->column = (int)s;
    }
  }
  free(mask);
  free(arg);
  free(dist);
  return rc;
}

int fhs_eval_anonymeter(const fhs_schema *schema, const fhs_eval_data *train,
                        const fhs_eval_data *syn, const fhs_eval_data *hold,
                        const fhs_gower_space *space, const fhs_eval_options *o,
                        fhs_eval_privacy *p, fhs_error *err) {
  (void)schema;
  if (o->n_attacks == 0) return 0;
  if (singling_out(train, syn, hold, o, &p->singling_out))
    return fhs_error_set(err, "evaluate: out of memory in the singling-out attack");
  nn_attack a;
  if (nn_attack_init(train, syn, hold, space, o, &a, err)) return -1;
  int rc = linkability(syn, &a, o, &p->linkability, err);
  if (rc == 0) rc = inference(train, syn, hold, &a, o, p, err);
  nn_attack_free(&a);
  return rc;
}
