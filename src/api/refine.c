/* DP within-bin refinement (discover.h): within-bin weights ("sub", encode.h) learnt with
 * differential privacy for the numeric columns of a schema that have none, so that synthesis
 * draws values where the real ones are (Adult's capital-gain 7298, ages by year) instead of
 * uniformly over a bin. Owner-side plaintext, like discovery; only noisy counts leave here.
 *
 * Neighbours add or remove one row. A row holds one field per column, so every histogram
 * below (one per column and measurement) has L2 sensitivity 1, and N_Z(0, sigma^2) on it costs
 * rho = 1/(2 sigma^2) zCDP.
 * - The refined columns: numeric, no "sub" yet, and not every bin one integer wide (those are
 *   exact already). This depends on the schema only, so callers know it before reading.
 * - rho is split equally over them; delta_thr equally over the thresholded ones.
 * - Integer columns (every edge an integer) whose range bins[0]..bins[last] spans at most
 *   REFINE_MAX_INT_SPAN integers: one noisy histogram with a cell per integer of
 *   [bins[0], bins[last]) (a value is first placed in its bin as the encoder does, then
 *   clamped into it and rounded down), the column's whole rho. Weights: the noisy counts shrunk
 *   toward their bin's mean (disc_shrink_bins), negatives clipped. No rest.
 * - Other columns: (a) REFINE_SHARE_VALUES of the column's rho: a stability-based thresholded
 *   histogram of the exact values (each distinct value a label, kept only when its noisy
 *   count reaches fhs_dp_threshold(sigma^2, delta), so that a value held by one row appears
 *   with probability <= delta), at most REFINE_MAX_VALUES kept (the largest noisy counts);
 *   (b) the rest: a noisy count per schema bin. Per bin, rest = max(0, noisy bin count - the
 *   kept values' noisy counts in it). Both are post-processing from there on.
 * So a refinement is (rho, delta_thr) approximate zCDP, as discovery: the caller charges it
 * before the data is read, and the schema's origin becomes "dp" with rho and delta_thr added
 * to its "dp" cost. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discover_internal.h"

#define REFINE_MAX_INT_SPAN 512
#define REFINE_MAX_VALUES 4096
#define REFINE_SHARE_VALUES 0.70 /* (a); (b) gets the rest */

/* ---------- which columns, and how ---------- */

enum { REFINE_NONE = 0, REFINE_HIST = 1, REFINE_VALUES = 2 };

static bool integer_edges(const fhs_column *c) {
  for (size_t k = 0; k < c->n_bins; k++)
    if (c->bins[k] != floor(c->bins[k]) || fabs(c->bins[k]) > 0x1p52) return false;
  return true;
}

static int refine_kind(const fhs_column *c) {
  if (c->type != FHS_COL_NUMERIC || c->n_sub || c->n_bins < 2) return REFINE_NONE;
  bool ints = integer_edges(c), unit = ints;
  for (size_t k = 0; unit && k + 1 < c->n_bins; k++) unit = c->bins[k + 1] - c->bins[k] == 1;
  if (unit) return REFINE_NONE;
  if (ints && c->bins[c->n_bins - 1] - c->bins[0] <= REFINE_MAX_INT_SPAN) return REFINE_HIST;
  return REFINE_VALUES;
}

size_t api_refine_columns(const fhs_schema *schema) {
  size_t n = 0;
  for (size_t i = 0; i < schema->n_columns; i++) n += refine_kind(&schema->columns[i]) != REFINE_NONE;
  return n;
}

/* ---------- exact counts of distinct values: open addressing on the bits ---------- */

typedef struct {
  double v;
  uint64_t count; /* 0: empty slot */
} vcount;

typedef struct {
  vcount *slots;
  size_t cap, n;
} vmap;

static uint64_t mix(double v) {
  uint64_t x;
  memcpy(&x, &v, sizeof x);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  return x ^ (x >> 33);
}

static int vmap_add(vmap *m, double v) {
  if (v == 0) v = 0; /* -0 and 0 are one value */
  if (2 * (m->n + 1) > m->cap) {
    size_t cap = m->cap ? 2 * m->cap : 1024;
    vcount *s = calloc(cap, sizeof *s);
    if (!s) return -1;
    for (size_t i = 0; i < m->cap; i++) {
      if (!m->slots[i].count) continue;
      size_t j = mix(m->slots[i].v) & (cap - 1);
      while (s[j].count) j = (j + 1) & (cap - 1);
      s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->cap = cap;
  }
  size_t j = mix(v) & (m->cap - 1);
  for (; m->slots[j].count; j = (j + 1) & (m->cap - 1))
    if (m->slots[j].v == v) {
      m->slots[j].count++;
      return 0;
    }
  m->slots[j] = (vcount){v, 1};
  m->n++;
  return 0;
}

/* ---------- one refined column ---------- */

typedef struct {
  const fhs_column *col;
  long field; /* the input's column */
  int kind;
  uint64_t *cell; /* HIST: per integer of [bins[0], bins[last]); VALUES: per bin */
  size_t n_cell;
  vmap values; /* VALUES */
} refine_col;

/* One field: its bin as the encoder places it (missing and unplaceable fields skipped), the
 * value clamped into that bin. */
static int count_field(refine_col *rc, const fhs_csv_field *f) {
  const fhs_column *c = rc->col;
  double v;
  uint16_t idx;
  fhs_error e;
  if (f->len == 0 || fhs_parse_number(f->ptr, f->len, &v) != 0) return 0;
  if (fhs_encode_value(c, f->ptr, f->len, "", &idx, &e) != 0 || (size_t)idx + 1 >= c->n_bins) return 0;
  double lo = c->bins[idx], hi = c->bins[idx + 1];
  v = fmin(fmax(v, lo), hi);
  if (v >= hi && (size_t)idx + 2 < c->n_bins) v = nextafter(hi, lo); /* only the last bin is closed */
  if (rc->kind == REFINE_HIST) {
    size_t j = (size_t)(floor(v) - c->bins[0]);
    rc->cell[j < rc->n_cell ? j : rc->n_cell - 1]++;
    return 0;
  }
  rc->cell[idx]++;
  return vmap_add(&rc->values, v);
}

/* Per bin, the noisy counts x_j of its K integers shrunk toward their mean (positive-part
 * James-Stein): mean + a (x_j - mean), a = max(0, 1 - (K - 1) sigma^2 / sum (x_j - mean)^2).
 * A bin whose counts vary no more than the noise would make them vary gets its mean
 * everywhere (uniform draws, as without weights); one whose shape stands far above the noise
 * keeps its noisy counts. Post-processing: free. Negatives are then clipped to 0. */
void disc_shrink_bins(const double *edges, size_t n_edges, double origin, double *x, size_t K, double sigma2) {
  for (size_t b = 0; b + 1 < n_edges; b++) {
    if (edges[b + 1] <= origin) continue;
    size_t j0 = edges[b] > origin ? (size_t)(edges[b] - origin) : 0, j1 = (size_t)(edges[b + 1] - origin);
    if (j1 > K) j1 = K;
    if (j1 <= j0 + 1) continue;
    double mean = 0, ss = 0, k = (double)(j1 - j0);
    for (size_t j = j0; j < j1; j++) mean += x[j];
    mean /= k;
    for (size_t j = j0; j < j1; j++) ss += (x[j] - mean) * (x[j] - mean);
    double a = ss > 0 ? fmax(0, 1 - (k - 1) * sigma2 / ss) : 0;
    for (size_t j = j0; j < j1; j++) x[j] = mean + a * (x[j] - mean);
  }
}

static int hist_sub(const refine_col *rc, double rho, fhs_column *out, fhs_error *err) {
  size_t K = rc->n_cell, n = 0;
  int64_t *a = malloc(K * sizeof *a);
  double *v = malloc(K * sizeof *v), *w = malloc(K * sizeof *w), *x = malloc(K * sizeof *x);
  int rcode = a && v && w && x ? 0 : fhs_error_set(err, "out of memory");
  for (size_t j = 0; rcode == 0 && j < K; j++) a[j] = (int64_t)rc->cell[j];
  if (rcode == 0) rcode = fhs_dp_noise_add(NULL, a, K, 1 / (2 * rho), err);
  for (size_t j = 0; rcode == 0 && j < K; j++) x[j] = (double)a[j];
  if (rcode == 0) disc_shrink_bins(rc->col->bins, rc->col->n_bins, rc->col->bins[0], x, K, 1 / (2 * rho));
  for (size_t j = 0; rcode == 0 && j < K; j++)
    if (x[j] > 0) v[n] = rc->col->bins[0] + (double)j, w[n++] = x[j];
  free(a);
  free(x);
  if (rcode || n == 0) { /* nothing above zero anywhere: uniform draws, no "sub" */
    free(v);
    free(w);
    return rcode;
  }
  out->sub_values = v, out->sub_weights = w, out->n_sub = n;
  return 0;
}

typedef struct {
  double v;
  int64_t noisy;
} kept;

static int by_noisy_desc(const void *x, const void *y) {
  const kept *a = x, *b = y;
  if (a->noisy != b->noisy) return a->noisy > b->noisy ? -1 : 1;
  return (a->v > b->v) - (a->v < b->v);
}

static int by_value(const void *x, const void *y) {
  const kept *a = x, *b = y;
  return (a->v > b->v) - (a->v < b->v);
}

static int values_sub(const refine_col *rc, double rho, double delta, fhs_column *out, fhs_error *err) {
  const fhs_column *c = rc->col;
  size_t n = rc->values.n, nb = c->n_bins - 1, k = 0;
  int64_t *a = malloc((n ? n : 1) * sizeof *a), *bc = malloc(nb * sizeof *bc);
  unsigned char *keep = malloc(n ? n : 1);
  kept *kv = malloc((n ? n : 1) * sizeof *kv);
  double *rest = calloc(nb, sizeof *rest);
  int rcode = a && bc && keep && kv && rest ? 0 : fhs_error_set(err, "out of memory");
  double *vals = NULL, *wts = NULL;
  for (size_t i = 0, j = 0; rcode == 0 && i < rc->values.cap; i++)
    if (rc->values.slots[i].count) kv[j].v = rc->values.slots[i].v, a[j++] = (int64_t)rc->values.slots[i].count;
  for (size_t b = 0; rcode == 0 && b < nb; b++) bc[b] = (int64_t)rc->cell[b];
  /* (a) the values: every distinct value's count gets noise, kept only above the threshold */
  if (rcode == 0 && n)
    rcode = fhs_dp_threshold_histogram(NULL, a, n, 1 / (2 * REFINE_SHARE_VALUES * rho), delta, NULL, keep, err);
  /* (b) one count per bin */
  if (rcode == 0) rcode = fhs_dp_noise_add(NULL, bc, nb, 1 / (2 * (1 - REFINE_SHARE_VALUES) * rho), err);
  for (size_t i = 0; rcode == 0 && i < n; i++)
    if (keep[i]) kv[k].v = kv[i].v, kv[k++].noisy = a[i];
  if (rcode == 0 && k > REFINE_MAX_VALUES) {
    qsort(kv, k, sizeof *kv, by_noisy_desc);
    k = REFINE_MAX_VALUES;
  }
  if (rcode == 0 && k) {
    qsort(kv, k, sizeof *kv, by_value);
    vals = malloc(k * sizeof *vals), wts = malloc(k * sizeof *wts);
    if (!vals || !wts) rcode = fhs_error_set(err, "out of memory");
  }
  for (size_t b = 0; rcode == 0 && b < nb; b++) rest[b] = (double)bc[b];
  for (size_t i = 0; rcode == 0 && i < k; i++) {
    vals[i] = kv[i].v, wts[i] = (double)kv[i].noisy;
    /* the bin the sampler sees it in: bins are [lo, hi), the last one closed */
    size_t b = disc_cell(c->bins, c->n_bins, kv[i].v);
    b = b == 0 ? 0 : b - 1 < nb ? b - 1 : nb - 1;
    rest[b] -= wts[i];
  }
  for (size_t b = 0; rcode == 0 && b < nb; b++) rest[b] = fmax(rest[b], 0);
  free(a), free(bc), free(keep), free(kv);
  if (rcode || k == 0) { /* no value kept: uniform draws, as without "sub" */
    free(vals), free(wts), free(rest);
    return rcode;
  }
  out->sub_values = vals, out->sub_weights = wts, out->sub_rest = rest, out->n_sub = k;
  return 0;
}

/* ---------- the whole refinement ---------- */

static int read_counts(const char *input, refine_col *rc, size_t n, fhs_error *err) {
  fhs_rows *r = fhs_rows_open(input, err);
  if (!r) return -1;
  int rcode = 0, k;
  for (size_t i = 0; rcode == 0 && i < n; i++) {
    rc[i].field = fhs_rows_column_index(r, rc[i].col->name);
    if (rc[i].field < 0)
      rcode = fhs_error_set(err, "%s: refinement: the schema's column \"%.60s\" is not in the input", input,
                            rc[i].col->name);
  }
  const fhs_csv_field *fields;
  while (rcode == 0 && (k = fhs_rows_next(r, &fields, NULL, err)) == 1)
    for (size_t i = 0; rcode == 0 && i < n; i++)
      if (count_field(&rc[i], &fields[rc[i].field])) rcode = fhs_error_set(err, "%s: out of memory", input);
  if (rcode == 0 && k < 0) rcode = -1;
  fhs_rows_close(r);
  return rcode;
}

int api_refine_schema(const char *input, fhs_schema *schema, double rho, double delta_thr, fhs_error *err) {
  size_t n = api_refine_columns(schema), n_values = 0, m = 0;
  if (n == 0) return 0;
  if (!(rho > 0 && isfinite(rho)))
    return fhs_error_set(err, "%s: refinement: rho must be a positive number, got %g", input, rho);
  if (!(delta_thr > 0 && delta_thr < 1))
    return fhs_error_set(err, "%s: refinement: delta must lie in (0, 1), got %g", input, delta_thr);
  refine_col *rc = calloc(n, sizeof *rc);
  int rcode = rc ? 0 : fhs_error_set(err, "out of memory");
  for (size_t i = 0; rcode == 0 && i < schema->n_columns; i++) {
    const fhs_column *c = &schema->columns[i];
    int kind = refine_kind(c);
    if (kind == REFINE_NONE) continue;
    refine_col *r = &rc[m++];
    r->col = c, r->kind = kind;
    r->n_cell = kind == REFINE_HIST ? (size_t)(c->bins[c->n_bins - 1] - c->bins[0]) : c->n_bins - 1;
    r->cell = calloc(r->n_cell, sizeof *r->cell);
    if (!r->cell) rcode = fhs_error_set(err, "out of memory");
    n_values += kind == REFINE_VALUES;
  }
  if (rcode == 0) rcode = read_counts(input, rc, n, err);
  double rho_col = rho / (double)n, delta_col = delta_thr / (double)(n_values ? n_values : 1);
  for (size_t i = 0; rcode == 0 && i < n; i++) {
    fhs_column *out = &schema->columns[rc[i].col - schema->columns];
    rcode = rc[i].kind == REFINE_HIST ? hist_sub(&rc[i], rho_col, out, err)
                                      : values_sub(&rc[i], rho_col, delta_col, out, err);
  }
  for (size_t i = 0; rc && i < n; i++) {
    free(rc[i].cell);
    free(rc[i].values.slots);
  }
  free(rc);
  if (rcode) return -1;
  if (schema->origin != FHS_ORIGIN_DP) schema->dp_rho = schema->dp_delta = 0;
  schema->origin = FHS_ORIGIN_DP;
  schema->dp_rho += rho;
  schema->dp_delta += delta_thr;
  return fhs_schema_validate(schema, input, err);
}

int api_discover_refined(const char *input, double rho, double delta_thr, size_t bins, size_t max_categories,
                         fhs_schema *out, fhs_error *err) {
  if (api_discover_schema(input, API_DISCOVERY_KEEP * rho, API_DISCOVERY_KEEP * delta_thr, bins, max_categories,
                          out, err))
    return -1;
  if (api_refine_columns(out) &&
      api_refine_schema(input, out, (1 - API_DISCOVERY_KEEP) * rho, (1 - API_DISCOVERY_KEEP) * delta_thr, err)) {
    fhs_schema_free(out);
    return -1;
  }
  /* the cost is what the caller charged, whether or not a column needed refining */
  out->dp_rho = rho;
  out->dp_delta = delta_thr;
  return 0;
}
