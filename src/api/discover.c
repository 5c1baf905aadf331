/* DP domain discovery (issue 11, DESIGN section 6): a schema learnt from the data with
 * differential privacy, under add/remove-one-row neighbours.
 *
 * Budget: a row holds exactly one field per column, so every per-column histogram below
 * (class counts, label counts, coarse cells, exact-at-candidate counts) has L2 sensitivity 1
 * and N_Z(0, sigma^2) noise on it costs 1/(2 sigma^2).
 *   Step 1, 10% of rho, split evenly over the columns: the class histogram {empty, integer,
 *   fraction, datetime, other} of each column decides type, missing slot and integrality.
 *   Step 2, the other 90%, split over the columns by weight, chosen from step 1's noisy types
 *   (adaptive composition; the total is fixed in advance): categorical columns weigh
 *   WEIGHT_CATEGORICAL, numeric and datetime ones 1, because a label is lost for good when its
 *   noisy count misses the threshold while an edge a little off costs little. Then
 *   - categorical: the thresholded label histogram, with delta_thr / (categorical columns);
 *   - numeric/datetime: 20% noisy coarse-cell histogram (range), 15% noisy exact-at-candidate
 *     counts (spikes), 65% exponential-mechanism quantiles (bins - 1 of them, equal shares,
 *     epsilon^2/8 each).
 * So the whole discovery is (rho, delta_thr) approximate zCDP: rho zCDP plus delta_thr for the
 * label thresholds (a neighbour adds at most one new label per column). Every other decision
 * (thresholds on the class counts or cells, "(other)", ordering, fallback) is post-processing
 * of noisy values. The data is read twice (pass 2 counts the fine cells chosen from pass 1's
 * noisy range); both passes only count, and only noisy values leave this file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "discover_internal.h"

#define SHARE_CLASSES 0.10 /* of rho: step 1 */
#define SHARE_RANGE 0.20   /* of a numeric column's step-2 rho */
#define SHARE_SPIKES 0.15
#define SHARE_QUANTILES 0.65
#define WEIGHT_CATEGORICAL 2.0
#define OTHER_LABEL "(other)"

typedef struct {
  double rho_cls;  /* step 1, per column */
  double rho_unit; /* step 2 per unit of weight */
  double delta_lab; /* label threshold delta per categorical column */
  double delta_pp;  /* false-pass rate of post-processing thresholds (costs nothing) */
  size_t bins, max_categories;
} disc_budget;

/* Step-2 rho of column c. */
static double rho_of(const disc_col *c, const disc_budget *b) {
  return b->rho_unit * (c->type == FHS_COL_CATEGORICAL ? WEIGHT_CATEGORICAL : 1.0);
}

/* ---------- type, missing, integrality ---------- */

static int decide_type(disc_col *c, const disc_budget *b, fhs_error *err) {
  double s2 = 1 / (2 * b->rho_cls), sd = sqrt(s2);
  int64_t a[DISC_N_CLASSES], t;
  for (int i = 0; i < DISC_N_CLASSES; i++) a[i] = (int64_t)c->cls[i];
  if (fhs_dp_threshold(s2, b->delta_pp, &t, err) || fhs_dp_noise_add(NULL, a, DISC_N_CLASSES, s2, err))
    return -1;
  for (int i = 0; i < DISC_N_CLASSES; i++) c->noisy_cls[i] = (double)a[i];
  double num = (double)(a[DISC_INT] + a[DISC_FRAC]), dt = (double)a[DISC_DATETIME];
  double other = (double)a[DISC_OTHER], slack = 4 * sqrt(2.0) * sd; /* two noisy terms */
  /* numbers (dates) only when the non-parsing fields are under 1% of them, beyond the noise */
  if (num >= (double)t && num >= dt && dt + other < fmax(0.01 * num, slack))
    c->type = FHS_COL_NUMERIC;
  else if (dt >= (double)t && num + other < fmax(0.01 * dt, slack))
    c->type = FHS_COL_DATETIME;
  else
    c->type = FHS_COL_CATEGORICAL;
  c->missing = a[DISC_EMPTY] >= t;
  c->integer = (double)a[DISC_FRAC] < fmax(0.001 * num, 4 * sd);
  return 0;
}

/* ---------- categorical ---------- */

typedef struct {
  const char *label;
  int64_t noisy;
} kept_label;

static int by_noisy_desc(const void *x, const void *y) {
  const kept_label *a = x, *b = y;
  if (a->noisy != b->noisy) return a->noisy > b->noisy ? -1 : 1;
  return strcmp(a->label, b->label);
}

static int by_label(const void *x, const void *y) {
  return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Thresholded noisy label counts; the kept labels sorted by noisy count, largest first. */
static int noisy_labels(const disc_col *c, const disc_budget *b, double s2, kept_label **out,
                        size_t *n_out, fhs_error *err) {
  size_t n = c->labels.n, k = 0;
  int64_t *cnt = malloc((n ? n : 1) * sizeof *cnt);
  unsigned char *keep = malloc(n ? n : 1);
  kept_label *kl = malloc((n ? n : 1) * sizeof *kl);
  const char **lab = malloc((n ? n : 1) * sizeof *lab);
  int rc = cnt && keep && kl && lab ? 0 : fhs_error_set(err, "out of memory");
  for (size_t i = 0, j = 0; rc == 0 && i < c->labels.cap; i++)
    if (c->labels.slots[i].key) lab[j] = c->labels.slots[i].key, cnt[j++] = (int64_t)c->labels.slots[i].count;
  if (rc == 0) rc = fhs_dp_threshold_histogram(NULL, cnt, n, s2, b->delta_lab, NULL, keep, err);
  for (size_t i = 0; rc == 0 && i < n; i++)
    if (keep[i]) kl[k++] = (kept_label){lab[i], cnt[i]};
  if (rc == 0) qsort(kl, k, sizeof *kl, by_noisy_desc);
  free(cnt);
  free(keep);
  free(lab);
  if (rc) free(kl);
  *out = rc ? NULL : kl;
  *n_out = k;
  return rc;
}

/* Whether "(other)" is needed: labels were cut by max_categories, or the noisy count of the
 * rest (noisy non-empty total minus the kept noisy counts) clearly exceeds its noise. */
static bool need_other(const disc_col *c, const kept_label *kl, size_t k, bool cut, double s2,
                       double s2_cls, int64_t t) {
  if (cut) return true;
  double rest = c->noisy_cls[DISC_INT] + c->noisy_cls[DISC_FRAC] + c->noisy_cls[DISC_DATETIME] +
                c->noisy_cls[DISC_OTHER];
  for (size_t i = 0; i < k; i++) rest -= (double)kl[i].noisy;
  double sd = sqrt(4 * s2_cls + (double)k * s2);
  return rest >= fmax((double)t, 3 * sd);
}

static int make_categorical(disc_col *c, const disc_budget *b, fhs_column *col, fhs_error *err) {
  double s2 = 1 / (2 * rho_of(c, b)), s2_cls = 1 / (2 * b->rho_cls);
  int64_t t;
  kept_label *kl;
  size_t k;
  if (fhs_dp_threshold(s2, b->delta_lab, &t, err) || noisy_labels(c, b, s2, &kl, &k, err)) return -1;
  size_t cap = b->max_categories > 1 ? b->max_categories - 1 : 1;
  bool cut = k > cap;
  if (cut) k = cap;
  bool other = need_other(c, kl, k, cut, s2, s2_cls, t) || (k == 0 && !c->missing);
  for (size_t i = 0; i < k; i++) other = other && strcmp(kl[i].label, OTHER_LABEL) != 0;
  col->categories = calloc(k + 1, sizeof *col->categories);
  int rc = col->categories ? 0 : -1;
  for (size_t i = 0; rc == 0 && i < k; i++)
    if (!(col->categories[col->n_categories++] = strdup(kl[i].label))) rc = -1;
  if (rc == 0 && other && !(col->categories[col->n_categories++] = strdup(OTHER_LABEL))) rc = -1;
  const char *largest = k ? kl[0].label : NULL;
  if (rc == 0) qsort(col->categories, col->n_categories, sizeof *col->categories, by_label);
  if (rc == 0 && other && !(col->other = strdup(OTHER_LABEL))) rc = -1;
  /* fallback: missing index, else "(other)", else the largest noisy label */
  const char *fb = col->other ? col->other : largest;
  col->has_fallback = true;
  col->fallback = col->n_categories;
  for (size_t i = 0; rc == 0 && !c->missing && fb && i < col->n_categories; i++)
    if (strcmp(col->categories[i], fb) == 0) col->fallback = i;
  free(kl);
  return rc ? fhs_error_set(err, "out of memory") : 0;
}

/* ---------- numeric and datetime: range ---------- */

static int decide_range(disc_col *c, const disc_state *st, const disc_budget *b, fhs_error *err) {
  bool dt = c->type == FHS_COL_DATETIME;
  const double *g = dt ? st->grid_dt : st->grid_num;
  size_t n = dt ? st->n_grid_dt : st->n_grid_num;
  const uint64_t *exact = dt ? c->coarse_dt : c->coarse_num;
  double s2 = 1 / (2 * SHARE_RANGE * rho_of(c, b));
  int64_t t, *cell = malloc((n + 1) * sizeof *cell);
  if (!cell) return fhs_error_set(err, "out of memory");
  for (size_t k = 0; k <= n; k++) cell[k] = (int64_t)exact[k];
  int rc = fhs_dp_threshold(s2, b->delta_pp, &t, err);
  if (rc == 0) rc = fhs_dp_noise_add(NULL, cell, n + 1, s2, err);
  size_t first = n + 1, last = 0, best = 0;
  for (size_t k = 0; rc == 0 && k <= n; k++) {
    if (cell[k] >= t && first > n) first = k;
    if (cell[k] >= t) last = k;
    if (cell[k] > cell[best]) best = k;
  }
  if (first > n) first = last = best; /* nothing passes: the fullest noisy cell */
  /* cell k is [g[k-1], g[k]); the open outer cells are clamped to the grid's ends */
  c->lo = g[first == 0 ? 0 : first - 1];
  c->hi = g[last == n ? n - 1 : last];
  if (!(c->lo < c->hi)) {
    if (last == n) c->lo = g[n - 2];
    else c->hi = g[1];
  }
  free(cell);
  return rc;
}

/* ---------- numeric and datetime: edges ---------- */

static int by_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* Edges at the exponential-mechanism quantiles i/bins (i = 1..bins-1); *median gets the one
 * nearest 1/2. below[j] = #{v < cand[j]} from the fine cells. */
static int quantile_edges(const disc_col *c, const disc_budget *b, double *edges, size_t *m,
                          double *median, fhs_error *err) {
  uint64_t *below = malloc(c->n_cand * sizeof *below), n = 0;
  if (!below) return fhs_error_set(err, "out of memory");
  for (size_t j = 0; j < c->n_cand; j++) below[j] = (n += c->cell[j]);
  n += c->cell[c->n_cand];
  double eps = fhs_dp_expmech_epsilon(SHARE_QUANTILES * rho_of(c, b) / (double)(b->bins - 1));
  int rc = 0;
  *median = c->cand[c->n_cand / 2];
  for (size_t i = 1; rc == 0 && i < b->bins; i++) {
    size_t j = 0;
    rc = fhs_dp_quantile(NULL, below, c->n_cand, n, i, b->bins, eps, &j, err);
    if (rc == 0) edges[(*m)++] = c->cand[j];
    if (rc == 0 && i == b->bins / 2) *median = c->cand[j];
  }
  free(below);
  return rc;
}

/* A value held by more than a bin's share of the rows (noisy count at that exact candidate)
 * gets its own bin [v, v + 1) for integers, else [v, next candidate). */
static int spike_edges(const disc_col *c, const disc_budget *b, double *edges, size_t *m,
                       fhs_error *err) {
  double s2 = 1 / (2 * SHARE_SPIKES * rho_of(c, b));
  int64_t t, *pt = malloc(c->n_cand * sizeof *pt);
  if (!pt) return fhs_error_set(err, "out of memory");
  for (size_t j = 0; j < c->n_cand; j++) pt[j] = (int64_t)c->point[j];
  int rc = fhs_dp_threshold(s2, b->delta_pp, &t, err);
  if (rc == 0) rc = fhs_dp_noise_add(NULL, pt, c->n_cand, s2, err);
  double total = c->type == FHS_COL_DATETIME ? c->noisy_cls[DISC_DATETIME]
                                             : c->noisy_cls[DISC_INT] + c->noisy_cls[DISC_FRAC];
  double share = fmax((double)t, total / (double)b->bins);
  size_t spikes = 0;
  for (size_t j = 0; rc == 0 && j + 1 < c->n_cand && spikes < b->bins; j++) {
    if ((double)pt[j] < share) continue;
    double v = c->cand[j], next = c->cand[j + 1];
    bool unit = c->type == FHS_COL_NUMERIC && c->integer && v == floor(v) && v + 1 <= c->hi;
    edges[(*m)++] = v;
    edges[(*m)++] = unit ? v + 1 : next;
    spikes++;
  }
  free(pt);
  return rc;
}

static int make_binned(const disc_col *c, const disc_budget *b, fhs_column *col, fhs_error *err) {
  double *e = malloc((b->bins + 2 * b->bins + 2) * sizeof *e), median = c->lo;
  if (!e) return fhs_error_set(err, "out of memory");
  size_t m = 0;
  e[m++] = c->lo;
  e[m++] = c->hi;
  int rc = b->bins > 1 ? quantile_edges(c, b, e, &m, &median, err) : 0;
  if (rc == 0) rc = spike_edges(c, b, e, &m, err);
  if (rc) {
    free(e);
    return -1;
  }
  qsort(e, m, sizeof *e, by_double);
  size_t u = 0;
  for (size_t i = 0; i < m; i++)
    if (e[i] >= c->lo && e[i] <= c->hi && (u == 0 || e[i] > e[u - 1])) e[u++] = e[i];
  col->bins = e;
  col->n_bins = u;
  col->clamp = true;
  col->has_fallback = true; /* missing index, else the bin of the DP median */
  col->fallback = c->missing ? u - 1 : (size_t)disc_cell(e, u - 1, median) - 1;
  return 0;
}

/* ---------- the whole discovery ---------- */

static void state_free(disc_state *st) {
  for (size_t i = 0; st->cols && i < st->n; i++) {
    disc_col *c = &st->cols[i];
    disc_labels_free(&c->labels);
    free(c->coarse_num);
    free(c->coarse_dt);
    free(c->cand);
    free(c->cell);
    free(c->point);
  }
  free(st->cols);
  free(st->grid_num);
  free(st->grid_dt);
}

static int state_init(disc_state *st, size_t n, fhs_error *err) {
  st->n = n;
  st->cols = calloc(n ? n : 1, sizeof *st->cols);
  if (!st->cols || disc_grid_numeric(&st->grid_num, &st->n_grid_num) ||
      disc_grid_datetime(&st->grid_dt, &st->n_grid_dt))
    return fhs_error_set(err, "out of memory");
  for (size_t i = 0; i < n; i++) {
    st->cols[i].coarse_num = calloc(st->n_grid_num + 1, sizeof(uint64_t));
    st->cols[i].coarse_dt = calloc(st->n_grid_dt + 1, sizeof(uint64_t));
    if (!st->cols[i].coarse_num || !st->cols[i].coarse_dt) return fhs_error_set(err, "out of memory");
  }
  return 0;
}

/* Step 2's split, from the noisy types: weights, and the label delta over the categorical
 * columns only. */
static void split_step2(const disc_state *st, double rho, double delta_thr, disc_budget *b) {
  double w = 0;
  size_t n_cat = 0;
  for (size_t i = 0; i < st->n; i++) {
    bool cat = st->cols[i].type == FHS_COL_CATEGORICAL;
    w += cat ? WEIGHT_CATEGORICAL : 1.0;
    n_cat += cat;
  }
  b->rho_unit = (1 - SHARE_CLASSES) * rho / w;
  b->delta_lab = delta_thr / (double)(n_cat ? n_cat : 1);
}

/* Types, ranges and fine grids of every column (everything before pass 2). */
static int decide_columns(disc_state *st, disc_budget *b, double rho, double delta_thr,
                          fhs_rows *r, fhs_error *err) {
  for (size_t i = 0; i < st->n; i++)
    if (decide_type(&st->cols[i], b, err)) return -1;
  split_step2(st, rho, delta_thr, b);
  for (size_t i = 0; i < st->n; i++) {
    disc_col *c = &st->cols[i];
    if (c->type == FHS_COL_CATEGORICAL && c->labels.overflow) {
      return fhs_error_set(err,
                           "%s: column \"%.60s\" has more than %d distinct values and is not numeric: an "
                           "identifier or free text; drop it or describe it in a public schema",
                           st->input, fhs_rows_column_name(r, i), DISC_MAX_LABELS);
    }
    if (c->type != FHS_COL_CATEGORICAL && (decide_range(c, st, b, err) || disc_fine_grid(c)))
      return err->msg[0] ? -1 : fhs_error_set(err, "out of memory");
  }
  return 0;
}

static int build_schema(disc_state *st, const disc_budget *b, fhs_rows *r, fhs_schema *out,
                        fhs_error *err) {
  out->columns = calloc(st->n, sizeof *out->columns);
  if (!out->columns) return fhs_error_set(err, "out of memory");
  for (size_t i = 0; i < st->n; i++) {
    disc_col *c = &st->cols[i];
    fhs_column *col = &out->columns[i];
    out->n_columns = i + 1;
    col->name = strdup(fhs_rows_column_name(r, i));
    if (!col->name) return fhs_error_set(err, "out of memory");
    col->type = c->type;
    col->missing = c->missing;
    int rc = c->type == FHS_COL_CATEGORICAL ? make_categorical(c, b, col, err) : make_binned(c, b, col, err);
    if (rc) return -1;
  }
  return 0;
}

static int check_args(const char *input, double rho, double delta_thr, size_t bins,
                      size_t max_categories, fhs_error *err) {
  if (!(rho > 0 && isfinite(rho)))
    return fhs_error_set(err, "%s: discovery: rho must be a positive number, got %g", input, rho);
  if (!(delta_thr > 0 && delta_thr < 1))
    return fhs_error_set(err, "%s: discovery: delta must lie in (0, 1), got %g", input, delta_thr);
  if (bins < 1 || bins > 1024)
    return fhs_error_set(err, "%s: discovery: bins must be 1..1024, got %zu", input, bins);
  if (max_categories < 1 || max_categories > FHS_DOMAIN_MAX - 2)
    return fhs_error_set(err, "%s: discovery: max_categories must be 1..%u", input, FHS_DOMAIN_MAX - 2);
  return 0;
}

int api_discover_schema(const char *input, double rho, double delta_thr, size_t bins,
                        size_t max_categories, fhs_schema *out, fhs_error *err) {
  memset(out, 0, sizeof *out);
  if (check_args(input, rho, delta_thr, bins, max_categories, err)) return -1;
  fhs_rows *r = fhs_rows_open(input, err);
  if (!r) return -1;
  size_t n = fhs_rows_n_columns(r);
  disc_budget b = {SHARE_CLASSES * rho / (double)n, 0, 0, delta_thr / (double)n, bins, max_categories};
  disc_state st = {.input = input};
  int rc = state_init(&st, n, err);
  if (rc == 0) rc = disc_pass1(&st, r, err);
  if (rc == 0 && fhs_rows_read(r) == 0)
    rc = fhs_error_set(err, "%s: no data rows after the header: nothing to learn a domain from", input);
  if (rc == 0) rc = decide_columns(&st, &b, rho, delta_thr, r, err);
  if (rc == 0) rc = disc_pass2(&st, err);
  if (rc == 0) rc = build_schema(&st, &b, r, out, err);
  out->origin = FHS_ORIGIN_DP;
  out->dp_rho = rho;
  out->dp_delta = delta_thr;
  if (rc == 0) rc = fhs_schema_validate(out, input, err);
  state_free(&st);
  fhs_rows_close(r);
  if (rc) fhs_schema_free(out);
  return rc;
}
