/* Privacy: does the synthetic data give away the rows it was learnt from? Every measure
 * compares the training rows ("members") with real rows the synthesizer never saw (the
 * holdout, "non-members"): what holds for both is a property of the population, what holds
 * only for members is a leak. Distances are Gower distances (gower.c); the member sample has
 * the holdout's size so neither side is closer merely by being larger. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval_internal.h"

/* ---------- exact matches ---------- */

static uint64_t mix64(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdull;
}

static uint64_t value_bits(double v) {
  if (isnan(v)) return 0x7ff8000000000000ull;
  if (v == 0) v = 0; /* -0 == 0 */
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

static uint64_t row_hash(const fhs_eval_data *d, size_t r) {
  uint64_t h = 0x2545F4914F6CDD1Dull;
  for (size_t c = 0; c < d->n_cols; c++)
    h = mix64(h, d->key[c] ? d->key[c][r] : value_bits(d->num[c][r]));
  return h;
}

static int rows_equal(const fhs_eval_data *a, size_t ra, const fhs_eval_data *b, size_t rb) {
  for (size_t c = 0; c < a->n_cols; c++) {
    if (a->key[c]) {
      if (a->key[c][ra] != b->key[c][rb]) return 0;
    } else if (value_bits(a->num[c][ra]) != value_bits(b->num[c][rb])) {
      return 0;
    }
  }
  return 1;
}

/* Share of rows of q equal to some row of ref (rows: NULL = all of ref, else n of them). */
static double exact_match_rate(const fhs_eval_data *ref, const size_t *rows, size_t n,
                               const fhs_eval_data *q) {
  if (!rows) n = ref->n_rows;
  size_t cap = 16;
  while (cap < 2 * n) cap *= 2;
  size_t *slot = malloc(cap * sizeof *slot);
  uint64_t *hash = malloc(cap * sizeof *hash);
  if (!slot || !hash) {
    free(slot);
    free(hash);
    return NAN;
  }
  for (size_t i = 0; i < cap; i++) slot[i] = SIZE_MAX;
  for (size_t i = 0; i < n; i++) {
    size_t r = rows ? rows[i] : i;
    uint64_t h = row_hash(ref, r);
    size_t s = (size_t)h & (cap - 1);
    while (slot[s] != SIZE_MAX) s = (s + 1) & (cap - 1);
    slot[s] = r, hash[s] = h;
  }
  size_t hits = 0;
#pragma omp parallel for reduction(+ : hits)
  for (size_t r = 0; r < q->n_rows; r++) {
    uint64_t h = row_hash(q, r);
    for (size_t s = (size_t)h & (cap - 1); slot[s] != SIZE_MAX; s = (s + 1) & (cap - 1))
      if (hash[s] == h && rows_equal(ref, slot[s], q, r)) {
        hits++;
        break;
      }
  }
  free(slot);
  free(hash);
  return (double)hits / (double)q->n_rows;
}

/* ---------- distances to the closest record ---------- */

typedef struct {
  fhs_gower_matrix members, nonmembers, syn_all, syn_q;
} dcr_sets;

static void dcr_sets_free(dcr_sets *s) {
  fhs_gower_matrix_free(&s->members);
  fhs_gower_matrix_free(&s->nonmembers);
  fhs_gower_matrix_free(&s->syn_all);
  fhs_gower_matrix_free(&s->syn_q);
}

static int dcr_share_and_p5(const dcr_sets *s, fhs_eval_privacy *p, fhs_error *err) {
  size_t n = s->syn_q.n;
  double *dt = malloc(n * sizeof *dt), *dh = malloc(n * sizeof *dh);
  if (!dt || !dh) {
    free(dt);
    free(dh);
    return fhs_error_set(err, "evaluate: out of memory for distances");
  }
  fhs_gower_nearest(&s->syn_q, &s->members, NULL, dt, NULL);
  fhs_gower_nearest(&s->syn_q, &s->nonmembers, NULL, dh, NULL);
  double closer = 0;
  for (size_t i = 0; i < n; i++) closer += dt[i] < dh[i] ? 1 : dt[i] == dh[i] ? 0.5 : 0;
  p->dcr_share = closer / (double)n;
  p->dcr_p5_train = fhs_eval_quantile(dt, n, 0.05);
  p->dcr_p5_holdout = fhs_eval_quantile(dh, n, 0.05);
  p->dcr_median_train = fhs_eval_quantile(dt, n, 0.5);
  p->dcr_median_holdout = fhs_eval_quantile(dh, n, 0.5);
  /* Both zero: the data has many identical rows and the 5th percentile cannot tell. */
  p->dcr_p5_ratio = p->dcr_p5_holdout > 0 ? p->dcr_p5_train / p->dcr_p5_holdout
                    : p->dcr_p5_train > 0 ? INFINITY
                                          : 1.0;
  free(dt);
  free(dh);
  return 0;
}

/* Membership inference by distance: members whose twin is in the synthetic data sit closer
 * to it than non-members do. Score = -distance to the closest synthetic row. */
static int mia_auc(const dcr_sets *s, fhs_eval_privacy *p, fhs_error *err) {
  size_t m = s->members.n, n = 2 * m;
  double *d = malloc(n * sizeof *d);
  uint8_t *pos = malloc(n);
  if (!d || !pos) {
    free(d);
    free(pos);
    return fhs_error_set(err, "evaluate: out of memory for membership inference");
  }
  fhs_gower_nearest(&s->members, &s->syn_all, NULL, d, NULL);
  fhs_gower_nearest(&s->nonmembers, &s->syn_all, NULL, d + m, NULL);
  for (size_t i = 0; i < n; i++) d[i] = -d[i], pos[i] = i < m;
  p->mia_auc = fhs_eval_auc(d, pos, n);
  free(d);
  free(pos);
  return 0;
}

static int distance_metrics(const fhs_schema *schema, const fhs_eval_data *train,
                            const fhs_eval_data *syn, const fhs_eval_data *hold,
                            const fhs_gower_space *space, const fhs_eval_options *o,
                            const size_t *members, fhs_eval_privacy *p, fhs_error *err) {
  size_t m = p->n_members;
  fhs_eval_rng rng = fhs_eval_rng_make(o->seed, 11);
  size_t *nonmembers = fhs_eval_sample(hold->n_rows, m, &rng);
  size_t nq = syn->n_rows < o->max_dcr_rows ? syn->n_rows : o->max_dcr_rows;
  size_t *synq = nq < syn->n_rows ? fhs_eval_sample(syn->n_rows, nq, &rng) : NULL;
  dcr_sets s;
  memset(&s, 0, sizeof s);
  int rc = (!nonmembers || (nq < syn->n_rows && !synq))
               ? fhs_error_set(err, "evaluate: out of memory for samples")
               : 0;
  if (rc == 0) rc = fhs_gower_matrix_make(space, train, members, m, &s.members, err);
  if (rc == 0) rc = fhs_gower_matrix_make(space, hold, nonmembers, m, &s.nonmembers, err);
  if (rc == 0) rc = fhs_gower_matrix_make(space, syn, NULL, 0, &s.syn_all, err);
  if (rc == 0) rc = fhs_gower_matrix_make(space, syn, synq, nq, &s.syn_q, err);
  p->n_dcr_rows = nq;
  if (rc == 0) rc = dcr_share_and_p5(&s, p, err);
  if (rc == 0) rc = mia_auc(&s, p, err);
  if (rc == 0) {
    p->exact_holdout = exact_match_rate(hold, NULL, 0, syn);
    p->exact_train_same_size = exact_match_rate(train, members, m, syn);
  }
  dcr_sets_free(&s);
  free(nonmembers);
  free(synq);
  (void)schema;
  return rc;
}

/* ---------- verdicts ---------- */

const char *fhs_eval_check_name(int check) {
  static const char *const names[FHS_EVAL_N_CHECKS] = {
      "exact matches", "closer to training", "5th percentile DCR", "membership inference",
      "singling out",  "linkability",        "attribute inference"};
  return check >= 0 && check < FHS_EVAL_N_CHECKS ? names[check] : "?";
}

/* A risk fails when we are 95% sure it exceeds 10%: Anonymeter's estimates carry sampling
 * noise (and, for singling out, an extrapolated control), so the point value alone would
 * raise false alarms on safe data. */
static int risk_fails(const fhs_eval_risk *r) { return r->available && r->lo > 0.10; }

static void privacy_checks(fhs_eval_privacy *p) {
  int fail[FHS_EVAL_N_CHECKS] = {0};
  fail[FHS_EVAL_CHECK_EXACT] = p->exact_train_same_size > p->exact_holdout + 0.01;
  fail[FHS_EVAL_CHECK_DCR_SHARE] = p->dcr_share > 0.52;
  fail[FHS_EVAL_CHECK_DCR_P5] = p->dcr_p5_ratio < 0.8;
  fail[FHS_EVAL_CHECK_MIA] = p->mia_auc > 0.55;
  fail[FHS_EVAL_CHECK_SINGLING_OUT] = risk_fails(&p->singling_out);
  fail[FHS_EVAL_CHECK_LINKABILITY] = risk_fails(&p->linkability);
  fail[FHS_EVAL_CHECK_INFERENCE] = risk_fails(&p->inference);
  int avail[FHS_EVAL_N_CHECKS] = {1, 1, 1, 1, p->singling_out.available,
                                  p->linkability.available, p->inference.available};
  p->checks = p->failures = 0;
  p->failed_mask = 0;
  for (int i = 0; i < FHS_EVAL_N_CHECKS; i++) {
    if (!avail[i]) continue;
    p->checks++;
    if (fail[i]) p->failures++, p->failed_mask |= 1u << i;
  }
  p->score = p->checks ? 100.0 * (p->checks - p->failures) / p->checks : NAN;
  p->verdict = p->failures == 0   ? "no leak detected: the synthetic rows are no closer to the "
                                    "training rows than to unseen ones"
               : p->failures == 1 ? "warning: one test sees the training rows through the "
                                    "synthetic data; read the privacy table"
                                  : "leak: the synthetic data reveals its training rows";
}

/* ---------- all of it ---------- */

int fhs_eval_privacy_compute(const fhs_schema *schema, const fhs_eval_data *train,
                             const fhs_eval_data *syn, const fhs_eval_data *hold,
                             const fhs_eval_options *o, fhs_eval_privacy *p,
                             fhs_eval_timing *time, fhs_error *err) {
  memset(p, 0, sizeof *p);
  double t0 = fhs_eval_now();
  p->exact_train = exact_match_rate(train, NULL, 0, syn);
  p->have_holdout = hold != NULL;
  if (!hold) {
    p->verdict = "not measured: give a holdout (real rows the synthesizer never saw)";
    p->score = NAN;
    p->exact_holdout = p->exact_train_same_size = p->dcr_share = p->mia_auc = NAN;
    p->dcr_p5_train = p->dcr_p5_holdout = p->dcr_p5_ratio = NAN;
    p->dcr_median_train = p->dcr_median_holdout = NAN;
    return isnan(p->exact_train) ? fhs_error_set(err, "evaluate: out of memory") : 0;
  }
  size_t m = hold->n_rows < train->n_rows ? hold->n_rows : train->n_rows;
  if (m > o->max_members) m = o->max_members;
  p->n_members = m;
  fhs_eval_rng rng = fhs_eval_rng_make(o->seed, 10);
  size_t *members = fhs_eval_sample(train->n_rows, m, &rng);
  fhs_gower_space space;
  memset(&space, 0, sizeof space);
  int rc = members ? 0 : fhs_error_set(err, "evaluate: out of memory for samples");
  if (rc == 0) rc = fhs_gower_space_init(schema, train, &space, err);
  if (rc == 0) rc = distance_metrics(schema, train, syn, hold, &space, o, members, p, err);
  double t1 = fhs_eval_now();
  if (rc == 0) rc = fhs_eval_anonymeter(schema, train, syn, hold, &space, o, p, err);
  double t2 = fhs_eval_now();
  if (time) time->privacy_distance = t1 - t0, time->privacy_anonymeter = t2 - t1;
  free(members);
  fhs_gower_space_free(&space);
  if (rc == 0 && (isnan(p->exact_train) || isnan(p->exact_holdout)))
    rc = fhs_error_set(err, "evaluate: out of memory for exact matches");
  if (rc) {
    fhs_eval_privacy_free(p);
    return -1;
  }
  privacy_checks(p);
  return 0;
}

void fhs_eval_privacy_free(fhs_eval_privacy *p) {
  if (!p) return;
  free(p->inference_risk);
  p->inference_risk = NULL;
}
