/* DP domain discovery (issue 11, DESIGN section 6): a schema learnt from the data with
 * differential privacy, under add/remove-one-row neighbours.
 *
 * Budget: a row holds exactly one field per column, so every per-column histogram below
 * (class counts, label counts plus the empty cell, coarse cells, per-integer counts plus the
 * empty cell, exact-at-candidate counts plus the empty cell) has L2 sensitivity 1 and
 * N_Z(0, sigma^2) noise on it costs 1/(2 sigma^2).
 *   Step 1, 5% of rho, split evenly over the columns: the class histogram {empty, integer,
 *   fraction, datetime, other} of each column decides type and integrality.
 *   Step 2, the other 95%, split over the columns by weight, chosen from step 1's noisy types
 *   (adaptive composition; the total is fixed in advance): categorical columns weigh
 *   WEIGHT_CATEGORICAL, numeric and datetime ones 1, because a label is lost for good when its
 *   noisy count misses the threshold while an edge a little off costs little. Then
 *   - categorical: the thresholded histogram of the labels and the empty fields, with
 *     delta_thr / (categorical columns); the missing slot is kept when the empty cell passes
 *     the label threshold;
 *   - numeric/datetime: 20% noisy coarse-cell histogram (range [lo, hi]); then either
 *     - integer columns with hi - lo <= DISC_MAX_INT_SPAN: 80% for one noisy histogram with a
 *       cell per integer in [lo, hi] (values clamped) and one for the empty fields. Outer
 *       edges, one bin per value when few values are present, spike bins and the quantiles
 *       i/bins of the noisy CDF (negative counts clipped to 0) are all post-processing of it:
 *       a noisy histogram read as a CDF is a standard DP quantile method (hist_edges);
 *     - otherwise 15% noisy exact-at-candidate counts plus the empty cell (missing slot,
 *       spikes), then 65% exponential-mechanism quantiles of the values off the spikes
 *       (bins - 1 of them, equal shares, epsilon^2/8 each).
 * So the whole discovery is (rho, delta_thr) approximate zCDP: rho zCDP plus delta_thr for the
 * label thresholds (a neighbour adds at most one new label per column). Every other decision
 * (thresholds on the class counts or cells, "(other)", ordering, fallback) is post-processing
 * of noisy values. The data is read twice (pass 2 counts the fine cells chosen from pass 1's
 * noisy range); both passes only count, and only noisy values leave this file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "discover_internal.h"

/* Step 1 only decides type and integrality from counts in the thousands; 5% is plenty (the
 * missing slot moved to step 2). Measured on Adult at epsilon 1 (mst, mean 2-way TVD over
 * 4 x 2 trials): 5% or 10% here, categorical weight 1, 1.5 or 2 and a range share of 10% or
 * 20% all gave 0.052-0.054, within the trial noise, so the safer settings were kept (weight
 * 2: race "Other", 406 rows, stays above its label threshold more often). */
#define SHARE_CLASSES 0.05 /* of rho: step 1 */
#define SHARE_RANGE 0.20   /* of a numeric column's step-2 rho */
#define SHARE_SPIKES 0.15  /* exponential-mechanism columns: noisy point counts */
#define SHARE_QUANTILES 0.65
#define SHARE_HIST 0.80 /* integer columns with a small range: the per-integer histogram */
#define SPIKE_SHARE 0.02 /* a spike holds at least this share of the noisy total ... */
#define SPIKE_CONTRAST 2.0 /* ... and this many times its neighbours' mean */
#define MAX_SPIKES 16
#define MAX_EXTRA_BINS 16 /* spikes may add this many bins beyond `bins` */
/* A value is present when its noisy count clears the level an empty cell passes with
 * probability PRESENT_FALSE / (cells) (about 4.2 sd for 91 cells): the chance that some empty
 * cell, such as one holding a lone outlier, sets an outer edge is at most PRESENT_FALSE. */
#define PRESENT_FALSE 1e-3
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

/* Thresholded noisy label counts, with the empty fields as one more cell (a row is in exactly
 * one cell, so sensitivity stays 1): the kept labels sorted by noisy count, largest first, and
 * *missing when the empty cell passes the same threshold as a label. */
static int noisy_labels(const disc_col *c, const disc_budget *b, double s2, kept_label **out,
                        size_t *n_out, bool *missing, fhs_error *err) {
  size_t n = c->labels.n, k = 0;
  int64_t *cnt = malloc((n + 1) * sizeof *cnt);
  unsigned char *keep = malloc(n + 1);
  kept_label *kl = malloc((n ? n : 1) * sizeof *kl);
  const char **lab = malloc((n ? n : 1) * sizeof *lab);
  int rc = cnt && keep && kl && lab ? 0 : fhs_error_set(err, "out of memory");
  for (size_t i = 0, j = 0; rc == 0 && i < c->labels.cap; i++)
    if (c->labels.slots[i].key) lab[j] = c->labels.slots[i].key, cnt[j++] = (int64_t)c->labels.slots[i].count;
  if (rc == 0) cnt[n] = (int64_t)c->cls[DISC_EMPTY];
  if (rc == 0) rc = fhs_dp_threshold_histogram(NULL, cnt, n + 1, s2, b->delta_lab, NULL, keep, err);
  for (size_t i = 0; rc == 0 && i < n; i++)
    if (keep[i]) kl[k++] = (kept_label){lab[i], cnt[i]};
  if (rc == 0) qsort(kl, k, sizeof *kl, by_noisy_desc);
  *missing = rc == 0 && keep[n];
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
  if (fhs_dp_threshold(s2, b->delta_lab, &t, err) || noisy_labels(c, b, s2, &kl, &k, &c->missing, err))
    return -1;
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

typedef struct {
  double noisy;
  size_t j;
} spike;

static int by_spike_desc(const void *x, const void *y) {
  const spike *a = x, *b = y;
  if (a->noisy != b->noisy) return a->noisy > b->noisy ? -1 : 1;
  return (a->j > b->j) - (a->j < b->j);
}

/* The candidates j in [j0, j1] whose noisy count x[j] is at least max(SPIKE_SHARE of the
 * column's noisy total, floor) and SPIKE_CONTRAST times the mean of its (up to four) nearest
 * neighbours' noisy counts (negatives as 0): a value that stands out from the values around
 * it (40 hours a week), not one of many similar values (every age from 20 to 47 holds over 2%
 * of Adult). Largest first, at most MAX_SPIKES; returns how many. */
static size_t find_spikes(const double *x, size_t j0, size_t j1, double total, double floor_,
                          spike *out) {
  size_t n = 0;
  double t = fmax(SPIKE_SHARE * total, floor_);
  for (size_t j = j0; j <= j1; j++) {
    if (!(x[j] >= t)) continue;
    double sum = 0;
    int k = 0;
    for (size_t i = j >= j0 + 2 ? j - 2 : j0; i <= j + 2 && i <= j1; i++)
      if (i != j) sum += fmax(x[i], 0), k++;
    if (k == 0 || x[j] >= SPIKE_CONTRAST * sum / k) out[n++] = (spike){x[j], j};
  }
  qsort(out, n, sizeof *out, by_spike_desc);
  return n < MAX_SPIKES ? n : MAX_SPIKES;
}

/* Sorts e[0..m) and keeps the distinct values inside [lo, hi]; returns how many. */
static size_t merge_edges(double *e, size_t m, double lo, double hi) {
  qsort(e, m, sizeof *e, by_double);
  size_t u = 0;
  for (size_t i = 0; i < m; i++)
    if (e[i] >= lo && e[i] <= hi && (u == 0 || e[i] > e[u - 1])) e[u++] = e[i];
  return u;
}

/* Adds the spike bins (the ns largest spikes first) to the m edges in e (room for 2 ns more),
 * dropping the smallest spikes until the domain has at most bins + MAX_EXTRA_BINS bins;
 * returns the number of distinct edges. */
static size_t add_spikes(double *e, size_t m, const spike *sp, size_t ns, const double *cand,
                         size_t n_cand, bool unit, double lo, double hi, size_t bins) {
  double *base = malloc((m + 2 * ns + 1) * sizeof *base);
  if (!base) return 0;
  memcpy(base, e, m * sizeof *e);
  size_t u = 0;
  for (size_t k = ns + 1; k-- > 0;) {
    size_t mm = m;
    memcpy(e, base, m * sizeof *e);
    for (size_t s = 0; s < k; s++) {
      size_t j = sp[s].j;
      e[mm++] = cand[j];
      e[mm++] = unit ? cand[j] + 1 : j + 1 < n_cand ? cand[j + 1] : hi;
    }
    u = merge_edges(e, mm, lo, hi);
    if (u <= bins + MAX_EXTRA_BINS + 1) break;
  }
  free(base);
  return u;
}

/* ----- integer columns with a small range: one noisy count per integer ----- */

/* Index j in [j0, j1] where the running sum of y[j0..j) comes nearest to target. */
static size_t nearest_cum(const double *y, size_t j0, size_t j1, double target) {
  double cum = 0, best = INFINITY;
  size_t at = j0;
  for (size_t j = j0; j <= j1; j++) {
    if (fabs(cum - target) < best) best = fabs(cum - target), at = j;
    cum += y[j];
  }
  return at;
}

/* Sparse tails: one value out there rarely clears the noise (Adult's ages 80-90 hold a few
 * dozen rows each), but the tail's mass does. A block of k cells beyond the present values
 * extends the outer edge when its noisy sum (unclipped: pure noise has mean 0 and sd
 * sigma sqrt k) clears noise * sqrt k, the single-cell level scaled alike, so an empty or
 * one-outlier block passes with the single cell's probability. */
static void extend_tails(const double *x, size_t K, double noise, size_t *first, size_t *last) {
  double s = 0;
  for (size_t j = K; j-- > *last + 1;) {
    s += x[j];
    if (s > noise * sqrt((double)(K - j))) {
      *last = j;
      break;
    }
  }
  s = 0;
  for (size_t j = 0; j < *first; j++) {
    s += x[j];
    if (s > noise * sqrt((double)(j + 1))) {
      *first = j;
      break;
    }
  }
}

/* The hist path: one noisy histogram over the integers lo..hi (values clamped) plus the
 * empty fields, SHARE_HIST of the column's rho; everything below is post-processing of it.
 * Present values: noisy count over the PRESENT_FALSE level. Outer edges: the first present value
 * and the last plus one. At most `bins` present values: one bin per present value. Else
 * spike bins [v, v + 1) for values over SPIKE_SHARE of the noisy total, and the other edges
 * at the quantiles i/bins of the noisy CDF of the rest (negative counts clipped to 0),
 * rounded to the nearest integer. */
/* Within-bin weights from the noisy histogram (shrunk toward each bin's mean where the noise
 * dominates, disc_shrink_bins; negatives clipped): synthesis draws a bin's values by them, so
 * hours come out heaped on 40, 45, 50 as in the data, for free. */
static int set_sub(fhs_column *col, const disc_col *c, double *x, size_t first, size_t last, const double *e,
                   size_t m, double s2) {
  size_t n = last - first + 1;
  disc_shrink_bins(e, m, c->cand[first], x + first, n, s2);
  col->sub_values = malloc(n * sizeof *col->sub_values);
  col->sub_weights = malloc(n * sizeof *col->sub_weights);
  if (!col->sub_values || !col->sub_weights) return -1;
  for (size_t k = 0; k < n; k++) {
    col->sub_values[k] = c->cand[first + k];
    col->sub_weights[k] = fmax(x[first + k], 0);
  }
  col->n_sub = n;
  return 0;
}

static int hist_edges(disc_col *c, const disc_budget *b, double *e, size_t *m, double *median,
                      fhs_column *col, fhs_error *err) {
  size_t K = c->n_cand, bins = b->bins;
  double s2 = 1 / (2 * SHARE_HIST * rho_of(c, b)), noise = 0;
  int64_t t, tp, *a = malloc((K + 1) * sizeof *a);
  double *x = malloc(K * sizeof *x), *y = malloc(K * sizeof *y);
  spike *sp = malloc(K * sizeof *sp);
  int rc = a && x && y && sp ? 0 : fhs_error_set(err, "out of memory");
  for (size_t j = 0; rc == 0 && j < K; j++) a[j] = (int64_t)c->point[j];
  if (rc == 0) a[K] = (int64_t)c->cls[DISC_EMPTY];
  if (rc == 0) rc = fhs_dp_threshold(s2, b->delta_pp, &t, err);
  if (rc == 0) rc = fhs_dp_threshold(s2, PRESENT_FALSE / (double)K, &tp, err);
  if (rc == 0) rc = fhs_dp_noise_add(NULL, a, K + 1, s2, err);
  if (rc) goto done;
  noise = (double)tp - 1; /* present: x > noise, i.e. x >= tp */
  c->missing = a[K] >= t;
  size_t first = K, last = 0, best = 0, present = 0;
  double total = 0;
  for (size_t j = 0; j < K; j++) {
    x[j] = (double)a[j];
    total += x[j];
    if (x[j] > x[best]) best = j;
    if (x[j] > noise) {
      if (first == K) first = j;
      last = j;
      present++;
    }
  }
  if (first == K) first = last = best, present = 1; /* nothing clears the noise */
  extend_tails(x, K, noise, &first, &last);
  double lo = c->cand[first], hi = c->cand[last] + 1, all = 0;
  for (size_t j = first; j <= last; j++) all += y[j] = fmax(x[j], 0);
  *median = c->cand[nearest_cum(y, first, last, all / 2)];
  size_t ns = find_spikes(x, first, last, total, noise, sp), mm = 0;
  e[mm++] = lo;
  e[mm++] = hi;
  if (present <= bins) { /* one bin per present value */
    for (size_t j = first + 1; j <= last; j++)
      if (x[j] > noise) e[mm++] = c->cand[j];
  } else {
    for (size_t s = 0; s < ns; s++) y[sp[s].j] = 0;
    double rest = 0;
    for (size_t j = first; j <= last; j++) rest += y[j];
    for (size_t i = 1; i < bins && rest > 0; i++)
      e[mm++] = c->cand[nearest_cum(y, first, last, rest * (double)i / (double)bins)];
  }
  *m = add_spikes(e, mm, sp, ns, c->cand, K, true, lo, hi, bins);
  if (*m == 0 || (present > bins && set_sub(col, c, x, first, last, e, *m, s2)))
    rc = fhs_error_set(err, "out of memory");
done:
  free(a);
  free(x);
  free(y);
  free(sp);
  return rc;
}

/* ----- other columns: noisy point counts and the exponential mechanism ----- */

/* Noisy counts at each candidate plus the empty fields (one histogram, sensitivity 1):
 * missing slot when the empty cell passes the threshold; spikes (values at a candidate over
 * SPIKE_SHARE of the noisy total and over the threshold), at most MAX_SPIKES, into sp. */
static int spike_counts(disc_col *c, const disc_budget *b, spike *sp, size_t *ns, fhs_error *err) {
  double s2 = 1 / (2 * SHARE_SPIKES * rho_of(c, b));
  int64_t t, *pt = malloc((c->n_cand + 1) * sizeof *pt);
  double *x = malloc(c->n_cand * sizeof *x);
  int rc = pt && x ? 0 : fhs_error_set(err, "out of memory");
  for (size_t j = 0; rc == 0 && j < c->n_cand; j++) pt[j] = (int64_t)c->point[j];
  if (rc == 0) pt[c->n_cand] = (int64_t)c->cls[DISC_EMPTY];
  if (rc == 0) rc = fhs_dp_threshold(s2, b->delta_pp, &t, err);
  if (rc == 0) rc = fhs_dp_noise_add(NULL, pt, c->n_cand + 1, s2, err);
  if (rc == 0) {
    c->missing = pt[c->n_cand] >= t;
    for (size_t j = 0; j < c->n_cand; j++) x[j] = (double)pt[j];
    double total = c->type == FHS_COL_DATETIME ? c->noisy_cls[DISC_DATETIME]
                                               : c->noisy_cls[DISC_INT] + c->noisy_cls[DISC_FRAC];
    /* the last candidate is hi, the upper edge: no bin starts there */
    *ns = c->n_cand > 1 ? find_spikes(x, 0, c->n_cand - 2, total, (double)t, sp) : 0;
  }
  free(pt);
  free(x);
  return rc;
}

/* Edges at the exponential-mechanism quantiles i/bins (i = 1..bins-1) of the values that are
 * not on a spike (the spikes were chosen with DP first, so the counts below still have
 * sensitivity 1); *median gets the one nearest 1/2. below[j] = #{v < cand[j]} from the fine
 * cells, minus the spikes' exact point counts below cand[j]. */
static int quantile_edges(const disc_col *c, const disc_budget *b, const spike *sp, size_t ns,
                          double *edges, size_t *m, double *median, fhs_error *err) {
  uint64_t *below = malloc(c->n_cand * sizeof *below), n = 0, off = 0;
  unsigned char *is_spike = calloc(c->n_cand, 1);
  if (!below || !is_spike) {
    free(below);
    free(is_spike);
    return fhs_error_set(err, "out of memory");
  }
  for (size_t s = 0; s < ns; s++) is_spike[sp[s].j] = 1;
  for (size_t j = 0; j < c->n_cand; j++) {
    below[j] = (n += c->cell[j]) - off;
    if (is_spike[j]) off += c->point[j]; /* v == cand[j] lies in cell j + 1 */
  }
  n += c->cell[c->n_cand] - off;
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
  free(is_spike);
  return rc;
}

static int make_binned(disc_col *c, const disc_budget *b, fhs_column *col, fhs_error *err) {
  size_t cap = c->n_cand + b->bins + 2 * MAX_SPIKES + 4;
  double *e = malloc(cap * sizeof *e), median = c->lo, lo = c->lo, hi = c->hi;
  spike *sp = malloc(c->n_cand * sizeof *sp);
  size_t m = 0, ns = 0;
  int rc = e && sp ? 0 : fhs_error_set(err, "out of memory");
  if (rc == 0 && c->hist) {
    rc = hist_edges(c, b, e, &m, &median, col, err);
  } else if (rc == 0) {
    e[m++] = c->lo;
    e[m++] = c->hi;
    rc = spike_counts(c, b, sp, &ns, err);
    if (rc == 0 && b->bins > 1) rc = quantile_edges(c, b, sp, ns, e, &m, &median, err);
    bool unit = c->type == FHS_COL_NUMERIC && c->integer;
    if (rc == 0 && !(m = add_spikes(e, m, sp, ns, c->cand, c->n_cand, unit, lo, hi, b->bins)))
      rc = fhs_error_set(err, "out of memory");
  }
  free(sp);
  if (rc) {
    free(e);
    return -1;
  }
  col->bins = e;
  col->n_bins = m;
  col->clamp = true;
  col->has_fallback = true; /* missing index, else the bin of the DP median */
  size_t cell = disc_cell(e, m - 1, median);
  col->fallback = c->missing ? m - 1 : cell ? cell - 1 : 0;
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
    if (c->type == FHS_COL_CATEGORICAL) continue;
    if (decide_range(c, st, b, err)) return -1;
    c->hist = c->type == FHS_COL_NUMERIC && c->integer && c->lo == floor(c->lo) && c->hi == floor(c->hi) &&
              c->hi - c->lo <= DISC_MAX_INT_SPAN;
    if (disc_fine_grid(c)) return fhs_error_set(err, "out of memory");
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
    int rc = c->type == FHS_COL_CATEGORICAL ? make_categorical(c, b, col, err) : make_binned(c, b, col, err);
    if (rc) return -1;
    col->missing = c->missing;
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
