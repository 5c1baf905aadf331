/* Utility: is the synthetic data as useful as the real data for learning? Two classifiers of
 * the target column, each trained twice (on the real training rows, on the synthetic rows)
 * and tested on the same holdout rows: gradient-boosted trees (Debian's libxgboost C API) and
 * L2-regularised logistic regression (liblinear). Features: numbers as they are for the trees
 * (a missing number is a missing entry), standardised with a missing-value indicator for the
 * linear model; categories one-hot over the schema's domain. */
#include <linear.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "eval_internal.h"

/* ---------- target ---------- */

int fhs_eval_target(const fhs_schema *schema, const char *name, int *target, fhs_error *err) {
  if (name) {
    long c = fhs_schema_find(schema, name);
    if (c < 0) return fhs_error_set(err, "--target: no column \"%s\" in the data", name);
    if (schema->columns[c].type != FHS_COL_CATEGORICAL)
      return fhs_error_set(err, "--target: column \"%s\" is %s; the target must be categorical",
                           name, fhs_col_type_name(schema->columns[c].type));
    if (schema->columns[c].n_categories < 2)
      return fhs_error_set(err, "--target: column \"%s\" has fewer than two classes", name);
    *target = (int)c;
    return 0;
  }
  for (size_t c = schema->n_columns; c-- > 0;)
    if (schema->columns[c].type == FHS_COL_CATEGORICAL && schema->columns[c].n_categories >= 2) {
      *target = (int)c;
      return 0;
    }
  *target = -1;
  return 0; /* no categorical column: utility is not available */
}

/* ---------- features ---------- */

typedef struct {
  size_t n_rows, n_features, nnz;
  size_t *indptr;   /* n_rows + 1 */
  unsigned *index;  /* 0-based feature */
  float *value;
  int *label;       /* class of each row */
} sparse_rows;

static void sparse_free(sparse_rows *s) {
  free(s->indptr);
  free(s->index);
  free(s->value);
  free(s->label);
  memset(s, 0, sizeof *s);
}

typedef struct {
  size_t n_cols, target, n_classes;
  size_t *offset;   /* first feature of each column */
  size_t n_features;
  double *mean, *sd; /* numeric standardisation (from the training set), when standardize */
  int standardize;  /* linear model: z-scores and a missing indicator after each number */
} feature_layout;

static int layout_init(const fhs_eval_data *train, size_t target, int standardize,
                       feature_layout *l) {
  memset(l, 0, sizeof *l);
  l->n_cols = train->n_cols, l->target = target, l->standardize = standardize;
  l->offset = calloc(l->n_cols + 1, sizeof *l->offset);
  l->mean = calloc(l->n_cols + 1, sizeof *l->mean);
  l->sd = calloc(l->n_cols + 1, sizeof *l->sd);
  if (!l->offset || !l->mean || !l->sd) return -1;
  size_t f = 0;
  for (size_t c = 0; c < l->n_cols; c++) {
    l->offset[c] = f;
    if (c == target) continue;
    if (!train->num[c]) {
      f += train->domain[c];
      continue;
    }
    f += standardize ? 2 : 1;
    double s = 0, ss = 0, m = 0;
    for (size_t r = 0; r < train->n_rows; r++) {
      double v = train->num[c][r];
      if (!isnan(v)) s += v, ss += v * v, m += 1;
    }
    l->mean[c] = m > 0 ? s / m : 0;
    double var = m > 1 ? (ss - m * l->mean[c] * l->mean[c]) / (m - 1) : 0;
    l->sd[c] = var > 0 ? sqrt(var) : 1;
  }
  l->offset[l->n_cols] = l->n_features = f;
  return 0;
}

static void layout_free(feature_layout *l) {
  free(l->offset);
  free(l->mean);
  free(l->sd);
}

/* Rows of d whose target is one of the schema's classes, as sparse feature rows. */
static int sparse_make(const fhs_eval_data *d, const feature_layout *l, size_t n_classes,
                       sparse_rows *s) {
  memset(s, 0, sizeof *s);
  size_t per_row = l->n_cols, n = 0;
  for (size_t r = 0; r < d->n_rows; r++) n += d->idx[l->target][r] < n_classes;
  s->indptr = malloc((n + 1) * sizeof *s->indptr);
  s->index = malloc((n * per_row + 1) * sizeof *s->index);
  s->value = malloc((n * per_row + 1) * sizeof *s->value);
  s->label = malloc((n + 1) * sizeof *s->label);
  if (!s->indptr || !s->index || !s->value || !s->label) return -1;
  size_t k = 0, i = 0;
  for (size_t r = 0; r < d->n_rows; r++) {
    if (d->idx[l->target][r] >= n_classes) continue;
    s->indptr[i] = k;
    s->label[i++] = d->idx[l->target][r];
    for (size_t c = 0; c < l->n_cols; c++) {
      if (c == l->target) continue;
      if (!d->num[c]) {
        s->index[k] = (unsigned)(l->offset[c] + d->idx[c][r]), s->value[k++] = 1;
        continue;
      }
      double v = d->num[c][r];
      if (isnan(v)) {
        if (l->standardize) s->index[k] = (unsigned)(l->offset[c] + 1), s->value[k++] = 1;
        continue;
      }
      if (l->standardize) v = (v - l->mean[c]) / l->sd[c];
      s->index[k] = (unsigned)l->offset[c], s->value[k++] = (float)v;
    }
  }
  s->indptr[i] = k;
  s->n_rows = i, s->nnz = k, s->n_features = l->n_features;
  return 0;
}

/* ---------- scores ---------- */

/* prob: n x k class probabilities. */
static void score_predictions(const double *prob, const int *label, size_t n, size_t k,
                              double *acc, double *bacc, double *auc) {
  size_t right = 0;
  double *hit = calloc(k, sizeof *hit), *tot = calloc(k, sizeof *tot);
  double *s = malloc(n * sizeof *s);
  uint8_t *pos = malloc(n);
  if (!hit || !tot || !s || !pos) {
    *acc = *bacc = *auc = NAN;
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    size_t best = 0;
    for (size_t c = 1; c < k; c++)
      if (prob[i * k + c] > prob[i * k + best]) best = c;
    right += best == (size_t)label[i];
    hit[label[i]] += best == (size_t)label[i];
    tot[label[i]] += 1;
  }
  *acc = (double)right / (double)n;
  double b = 0, nb = 0, a = 0, na = 0;
  for (size_t c = 0; c < k; c++)
    if (tot[c] > 0) b += hit[c] / tot[c], nb += 1;
  *bacc = nb > 0 ? b / nb : NAN;
  /* Binary: AUC of the second class. Otherwise macro one-vs-rest over the classes that occur
   * in the test set (with both positives and negatives). */
  for (size_t c = (k == 2 ? 1 : 0); c < k; c++) {
    if (tot[c] == 0 || tot[c] == (double)n) continue;
    for (size_t i = 0; i < n; i++) s[i] = prob[i * k + c], pos[i] = (size_t)label[i] == c;
    a += fhs_eval_auc(s, pos, n), na += 1;
  }
  *auc = na > 0 ? a / na : NAN;
done:
  free(hit);
  free(tot);
  free(s);
  free(pos);
}

/* Class frequencies of the training rows: the prediction when only one class is there. */
static void constant_prediction(const sparse_rows *train, size_t n_test, size_t k, double *prob) {
  double *f = calloc(k, sizeof *f);
  if (!f) return;
  for (size_t i = 0; i < train->n_rows; i++) f[train->label[i]] += 1.0 / (double)train->n_rows;
  for (size_t i = 0; i < n_test; i++) memcpy(prob + i * k, f, k * sizeof *f);
  free(f);
}

static size_t classes_present(const sparse_rows *s, size_t k) {
  uint8_t seen[FHS_DOMAIN_MAX + 1] = {0};
  size_t n = 0;
  for (size_t i = 0; i < s->n_rows && n < k; i++)
    if (!seen[s->label[i]]) seen[s->label[i]] = 1, n++;
  return n;
}

/* ---------- XGBoost ---------- */

static int xgb_matrix(const sparse_rows *s, DMatrixHandle *m, fhs_error *err) {
  if (XGDMatrixCreateFromCSREx(s->indptr, s->index, s->value, s->n_rows + 1, s->nnz,
                               s->n_features, m))
    return fhs_error_set(err, "xgboost: %s", XGBGetLastError());
  float *y = malloc((s->n_rows ? s->n_rows : 1) * sizeof *y);
  if (!y) {
    XGDMatrixFree(*m);
    return fhs_error_set(err, "xgboost: out of memory");
  }
  for (size_t i = 0; i < s->n_rows; i++) y[i] = (float)s->label[i];
  int rc = XGDMatrixSetFloatInfo(*m, "label", y, s->n_rows);
  free(y);
  if (rc) {
    XGDMatrixFree(*m);
    return fhs_error_set(err, "xgboost: %s", XGBGetLastError());
  }
  return 0;
}

static int xgb_params(BoosterHandle b, size_t k) {
  char buf[32];
  int rc = 0;
  /* One thread per booster: the four fits run side by side instead (run_all). XGBoost's
   * per-node barriers make a multi-threaded fit on 40k rows collapse when another process
   * shares the cores (measured: 0.5 s alone, 39 s under load). */
  rc |= XGBoosterSetParam(b, "nthread", "1");
  rc |= XGBoosterSetParam(b, "tree_method", "hist");
  rc |= XGBoosterSetParam(b, "max_depth", "6");
  rc |= XGBoosterSetParam(b, "eta", "0.2");
  rc |= XGBoosterSetParam(b, "seed", "1");
  rc |= XGBoosterSetParam(b, "verbosity", "0");
  if (k == 2) {
    rc |= XGBoosterSetParam(b, "objective", "binary:logistic");
  } else {
    rc |= XGBoosterSetParam(b, "objective", "multi:softprob");
    snprintf(buf, sizeof buf, "%zu", k);
    rc |= XGBoosterSetParam(b, "num_class", buf);
  }
  return rc;
}

static int xgb_fit_predict(const sparse_rows *train, const sparse_rows *test, size_t k,
                           size_t rounds, double *prob, fhs_error *err) {
  DMatrixHandle dtr, dte;
  if (xgb_matrix(train, &dtr, err)) return -1;
  if (xgb_matrix(test, &dte, err)) {
    XGDMatrixFree(dtr);
    return -1;
  }
  BoosterHandle b = NULL;
  int rc = XGBoosterCreate(&dtr, 1, &b) || xgb_params(b, k);
  for (size_t it = 0; rc == 0 && it < rounds; it++) rc = XGBoosterUpdateOneIter(b, (int)it, dtr);
  bst_ulong len = 0;
  const float *out = NULL;
  if (rc == 0) rc = XGBoosterPredict(b, dte, 0, 0, 0, &len, &out);
  if (rc == 0 && len != (bst_ulong)(k == 2 ? test->n_rows : test->n_rows * k)) rc = -2;
  if (rc == 0)
    for (size_t i = 0; i < test->n_rows; i++) {
      if (k == 2) prob[2 * i + 1] = out[i], prob[2 * i] = 1 - out[i];
      else for (size_t c = 0; c < k; c++) prob[i * k + c] = out[i * k + c];
    }
  if (rc) fhs_error_set(err, "xgboost: %s", rc == -2 ? "unexpected prediction size" : XGBGetLastError());
  if (b) XGBoosterFree(b);
  XGDMatrixFree(dtr);
  XGDMatrixFree(dte);
  return rc ? -1 : 0;
}

/* ---------- liblinear ---------- */

static void quiet_print(const char *s) { (void)s; }

/* liblinear's rows: 1-based indices, a bias feature, -1 terminated. */
static struct feature_node *linear_rows(const sparse_rows *s, struct feature_node ***rows) {
  struct feature_node *nodes = malloc((s->nnz + 2 * s->n_rows + 1) * sizeof *nodes);
  *rows = malloc((s->n_rows + 1) * sizeof **rows);
  if (!nodes || !*rows) {
    free(nodes);
    free(*rows);
    *rows = NULL;
    return NULL;
  }
  size_t k = 0;
  for (size_t i = 0; i < s->n_rows; i++) {
    (*rows)[i] = nodes + k;
    for (size_t j = s->indptr[i]; j < s->indptr[i + 1]; j++)
      nodes[k].index = (int)s->index[j] + 1, nodes[k++].value = s->value[j];
    nodes[k].index = (int)s->n_features + 1, nodes[k++].value = 1; /* bias */
    nodes[k++].index = -1;
  }
  return nodes;
}

static int linear_fit_predict(const sparse_rows *trn, const sparse_rows *test, size_t k,
                              double *prob, fhs_error *err) {
  struct feature_node **xtr = NULL, **xte = NULL;
  struct feature_node *ntr = linear_rows(trn, &xtr), *nte = linear_rows(test, &xte);
  double *y = malloc((trn->n_rows ? trn->n_rows : 1) * sizeof *y);
  double *p = malloc((k + 1) * sizeof *p);
  int rc = (!ntr || !nte || !y || !p) ? fhs_error_set(err, "liblinear: out of memory") : 0;
  struct model *m = NULL;
  if (rc == 0) {
    for (size_t i = 0; i < trn->n_rows; i++) y[i] = trn->label[i];
    struct problem pr = {.l = (int)trn->n_rows, .n = (int)trn->n_features + 1, .y = y,
                         .x = xtr, .bias = -1};
    struct parameter par = {.solver_type = L2R_LR, .eps = 0.01, .C = 1.0};
    const char *bad = check_parameter(&pr, &par);
    if (bad) rc = fhs_error_set(err, "liblinear: %s", bad);
    if (rc == 0 && !(m = train(&pr, &par))) rc = fhs_error_set(err, "liblinear: training failed");
  }
  if (rc == 0) {
    int nr = get_nr_class(m);
    int *lab = malloc((size_t)(nr > 0 ? nr : 1) * sizeof *lab);
    if (!lab) rc = fhs_error_set(err, "liblinear: out of memory");
    if (lab) get_labels(m, lab);
    for (size_t i = 0; rc == 0 && i < test->n_rows; i++) {
      predict_probability(m, xte[i], p);
      for (size_t c = 0; c < k; c++) prob[i * k + c] = 0;
      for (int c = 0; c < nr; c++) prob[i * k + (size_t)lab[c]] = p[c];
    }
    free(lab);
  }
  if (m) free_and_destroy_model(&m);
  free(ntr);
  free(nte);
  free(xtr);
  free(xte);
  free(y);
  free(p);
  return rc;
}

/* ---------- both models, both training sets ---------- */

typedef int (*fit_fn)(const sparse_rows *, const sparse_rows *, size_t, size_t, double *,
                      fhs_error *);

static int xgb_fit(const sparse_rows *tr, const sparse_rows *te, size_t k, size_t rounds,
                   double *prob, fhs_error *err) {
  return xgb_fit_predict(tr, te, k, rounds, prob, err);
}

static int linear_fit(const sparse_rows *tr, const sparse_rows *te, size_t k, size_t rounds,
                      double *prob, fhs_error *err) {
  (void)rounds;
  return linear_fit_predict(tr, te, k, prob, err);
}

/* One fit: model m trained on sets[side], scored on the holdout. */
static int run_one(const fhs_eval_data *train_set, const fhs_eval_data *hold, size_t target,
                   size_t k, int standardize, fit_fn fit, const fhs_eval_options *o,
                   fhs_eval_model *res, int side, fhs_error *err) {
  feature_layout l;
  sparse_rows tr, te;
  memset(&tr, 0, sizeof tr);
  memset(&te, 0, sizeof te);
  double *prob = NULL;
  /* Standardisation comes from the rows the model is trained on, as a user would do. */
  int rc = layout_init(train_set, target, standardize, &l);
  if (rc == 0) rc = sparse_make(train_set, &l, k, &tr);
  if (rc == 0) rc = sparse_make(hold, &l, k, &te);
  if (rc == 0) rc = (prob = calloc(te.n_rows * k + 1, sizeof *prob)) ? 0 : -1;
  if (rc) {
    rc = fhs_error_set(err, "evaluate: out of memory building features");
  } else if (tr.n_rows == 0 || te.n_rows == 0) {
    res->acc[side] = res->bacc[side] = res->auc[side] = NAN;
  } else {
    if (classes_present(&tr, k) < 2) constant_prediction(&tr, te.n_rows, k, prob);
    else rc = fit(&tr, &te, k, o->xgb_rounds, prob, err);
    if (rc == 0)
      score_predictions(prob, te.label, te.n_rows, k, &res->acc[side], &res->bacc[side],
                        &res->auc[side]);
  }
  free(prob);
  sparse_free(&tr);
  sparse_free(&te);
  layout_free(&l);
  return rc;
}

/* The four fits (two models, each trained on real and on synthetic rows) as independent
 * tasks: coarse parallelism that stays fast on a busy machine. */
static int run_all(const fhs_eval_data *train, const fhs_eval_data *syn,
                   const fhs_eval_data *hold, size_t target, size_t k,
                   const fhs_eval_options *o, fhs_eval_utility *u, fhs_error *err) {
  const fhs_eval_data *sets[2] = {train, syn};
  fit_fn fits[2] = {xgb_fit, linear_fit};
  int failed[4] = {0};
  fhs_error errs[4];
  set_print_string_function(quiet_print);
#pragma omp parallel for schedule(dynamic, 1)
  for (int task = 0; task < 4; task++) {
    int m = task / 2, side = task % 2;
    failed[task] = run_one(sets[side], hold, target, k, m == 1, fits[m], o, &u->model[m], side,
                           &errs[task]) != 0;
  }
  for (int task = 0; task < 4; task++)
    if (failed[task]) {
      if (err) *err = errs[task];
      return -1;
    }
  u->model[0].available = u->model[1].available = 1;
  return 0;
}

int fhs_eval_utility_compute(const fhs_schema *schema, const fhs_eval_data *train,
                             const fhs_eval_data *syn, const fhs_eval_data *hold, int target,
                             const fhs_eval_options *o, fhs_eval_utility *u, fhs_error *err) {
  memset(u, 0, sizeof *u);
  u->target = target;
  u->model[0].name = "xgboost";
  u->model[1].name = "logistic regression";
  if (target < 0) {
    snprintf(u->reason, sizeof u->reason, "no categorical column to predict");
    return 0;
  }
  if (!hold) {
    snprintf(u->reason, sizeof u->reason,
             "no holdout: give --holdout with real rows the synthesizer never saw");
    return 0;
  }
  size_t k = schema->columns[target].n_categories;
  u->n_classes = k;
  for (size_t r = 0; r < train->n_rows; r++) u->n_train_real += train->idx[target][r] < k;
  for (size_t r = 0; r < syn->n_rows; r++) u->n_train_syn += syn->idx[target][r] < k;
  for (size_t r = 0; r < hold->n_rows; r++) u->n_test += hold->idx[target][r] < k;
  if (u->n_test == 0) {
    snprintf(u->reason, sizeof u->reason, "the holdout has no row with a known target class");
    return 0;
  }
  XGBSetGlobalConfig("{\"verbosity\": 0}");
  if (run_all(train, syn, hold, (size_t)target, k, o, u, err)) return -1;
  u->available = 1;
  return 0;
}
