/* Models: the registry, and the generation step every model shares.
 *
 * A model only has to fit itself and draw rows of domain indices from a stream; turning
 * indices into values (a label, a number inside its bin, a timestamp) is done here, once. To
 * add a model: write its fhs_synth_model_ops in its own file (as copula.c, neural.c) and add it
 * to `models` and `model_names` below.
 *
 * Reproducibility: a model draws all indices from streams of the seed in its own nonce domains
 * (FHS_NONCE_*); values are then drawn in chunks of FHS_SYNTH_CHUNK_ROWS rows, chunk k from the
 * ChaCha20 stream with nonce FHS_NONCE_DECODE + k. The output depends only on the model, the
 * seed and the row count, never on the thread count or scheduling. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

static const fhs_synth_model_ops *const models[] = {
    &fhs_synth_mst_ops,
    &fhs_synth_independent_ops,
    &fhs_synth_copula_ops,
    &fhs_synth_neural_ops,
};
#define N_MODELS (sizeof models / sizeof models[0])

struct fhs_synth_model {
  const fhs_synth_model_ops *ops;
  void *state;
  const fhs_schema *schema;
  fhs_synth_options opts;
};

/* Kept in step with `models` (a test checks that every name fits). */
static const char *const model_names[] = {"mst", "independent", "copula", "neural", NULL};
_Static_assert(sizeof model_names / sizeof model_names[0] == N_MODELS + 1,
               "model_names must list every model");

const char *const *fhs_synth_models(void) { return model_names; }

int fhs_synth_fit(const fhs_marginal_set *stats, const fhs_schema *schema, const char *model,
                  const fhs_synth_options *opts, fhs_synth_model **out, fhs_error *err) {
  *out = NULL;
  if (!model) model = "mst";
  const fhs_synth_model_ops *ops = NULL;
  for (size_t i = 0; i < N_MODELS && !ops; i++)
    if (strcmp(models[i]->name, model) == 0) ops = models[i];
  if (!ops) return fhs_error_set(err, "synth: unknown model \"%.60s\" (known: mst, independent, copula, neural)", model);
  fhs_synth_options o = {0, 0, 0};
  if (opts) o = *opts;
  fhs_synth_model *m = calloc(1, sizeof *m);
  if (!m) return fhs_error_set(err, "synth: out of memory");
  m->ops = ops, m->schema = schema, m->opts = o;
  if (ops->fit(stats, schema, &o, &m->state, err)) {
    free(m);
    return -1;
  }
  *out = m;
  return 0;
}

void fhs_synth_free(fhs_synth_model *m) {
  if (!m) return;
  m->ops->free(m->state);
  free(m);
}

const char *fhs_synth_model_name(const fhs_synth_model *m) { return m->ops->name; }

/* ---------- a model on statistics released for another plan ----------
 *
 * Every plan releases every 1-way marginal; they differ in their 2-ways: none (independent),
 * a tree chosen with the exponential mechanism (mst), all of them (all2way, copula), or the
 * ones GEM's rounds chose (neural). So:
 * - independent runs on anything and reads only the 1-ways (a note when 2-ways are ignored);
 * - mst, copula and neural need 2-ways: refused on a set released for another plan that has
 *   none (independent), since they would silently degrade to independent columns under
 *   another name; on their own plan without 2-ways (fit --ways 1, then --no-dp) or on a file
 *   that does not record its plan, they run as the product of the 1-ways, with a note;
 * - otherwise they run, with a note when the plan differs: mst fits its maximum spanning tree
 *   (or forest) over the released 2-ways by mutual information of the noisy tables (free
 *   post-processing); copula gives a pair without a released table latent correlation 0;
 *   neural trains on the released tables instead of its own plan's choice. */
int fhs_synth_check_plan(const fhs_marginal_set *s, size_t n_columns, const char *model, char *note, size_t n,
                         fhs_error *err) {
  if (!model) model = "mst";
  if (n) note[0] = 0;
  size_t n2 = 0, pairs = n_columns * (n_columns ? n_columns - 1 : 0) / 2;
  for (size_t i = 0; i < s->count; i++) n2 += s->m[i].n_cols == 2;
  char of[48];
  if (s->plan[0]) snprintf(of, sizeof of, "plan \"%s\"", s->plan);
  else snprintf(of, sizeof of, "a plan STATS.json does not record");
  int independent = strcmp(model, "independent") == 0, same = s->plan[0] && strcmp(s->plan, model) == 0;
  if (!independent && n2 == 0 && n_columns > 1) {
    if (s->plan[0] && !same)
      return fhs_error_set(err, "model %s needs 2-way marginals, but these statistics were released for %s and hold "
                           "only 1-way ones: synthesize with --model independent, or release again with decrypt "
                           "--model %s", model, of, model);
    /* its own plan without 2-ways (fit --ways 1, then --no-dp), or a file from before plans
     * were recorded: it runs, as the product of the 1-ways */
    snprintf(note, n, "model %s: the statistics (%s) hold no 2-way marginal, so every column is drawn "
             "independently, as model independent would", model, of);
    return 0;
  }
  if (same) return 0;
  if (independent) {
    if (n2) snprintf(note, n, "model independent uses only the 1-way marginals; the %zu 2-way ones released for %s are "
                     "ignored", n2, of);
  } else if (strcmp(model, "copula") == 0) {
    if (n2 < pairs)
      snprintf(note, n, "model copula on statistics released for %s: %zu of the %zu column pairs have a 2-way table; "
               "the others get latent correlation 0 (independent)", of, n2, pairs);
  } else if (!s->plan[0]) {
    return 0; /* mst and neural read whatever 2-ways there are, as before the plan was recorded */
  } else if (strcmp(model, "mst") == 0) {
    snprintf(note, n, "model mst on statistics released for %s: its tree is chosen among the %zu released 2-way "
             "marginals by their noisy mutual information (a forest if they do not connect every column)", of, n2);
  } else {
    snprintf(note, n, "model %s on statistics released for %s: it fits the 1-ways and the %zu released 2-way "
             "marginals, not the ones its own plan would have chosen", model, of, n2);
  }
  return 0;
}

/* ---------- values from indices ---------- */

/* INT64 output when every edge is an integer that a double holds exactly: the column was
 * almost certainly integer in the real data (age, counts), and 37.2 years would look wrong.
 * The real type is not in the schema, so this is the best evidence there is. */
static fhs_value_type output_type(const fhs_column *col) {
  if (col->type == FHS_COL_CATEGORICAL) return FHS_VALUE_STRING;
  if (col->type == FHS_COL_DATETIME) return FHS_VALUE_TIMESTAMP;
  for (size_t k = 0; k < col->n_bins; k++)
    if (col->bins[k] != floor(col->bins[k]) || fabs(col->bins[k]) > 0x1p53) return FHS_VALUE_DOUBLE;
  return FHS_VALUE_INT64;
}

static int alloc_table(const fhs_schema *schema, size_t rows, fhs_table *t, fhs_error *err) {
  memset(t, 0, sizeof *t);
  t->columns = calloc(schema->n_columns, sizeof *t->columns);
  if (!t->columns) return fhs_error_set(err, "synth: out of memory for %zu rows", rows);
  t->n_columns = schema->n_columns;
  t->n_rows = rows;
  int ok = 1;
  for (size_t c = 0; ok && c < schema->n_columns; c++) {
    const fhs_column *sc = &schema->columns[c];
    fhs_table_column *tc = &t->columns[c];
    tc->type = output_type(sc);
    tc->name = strdup(sc->name);
    tc->valid = malloc(rows);
    ok = tc->name && tc->valid;
    if (tc->type == FHS_VALUE_STRING) {
      tc->codes = malloc(rows * sizeof *tc->codes);
      tc->dict = calloc(sc->n_categories ? sc->n_categories : 1, sizeof *tc->dict);
      ok = ok && tc->codes && tc->dict;
      for (size_t k = 0; ok && k < sc->n_categories; k++) {
        tc->dict[k] = strdup(sc->categories[k]);
        ok = tc->dict[k] != NULL;
        tc->dict_len = k + 1;
      }
    } else if (tc->type == FHS_VALUE_DOUBLE) {
      tc->f64 = malloc(rows * sizeof *tc->f64);
      ok = ok && tc->f64;
    } else {
      tc->i64 = malloc(rows * sizeof *tc->i64);
      ok = ok && tc->i64;
    }
  }
  if (!ok) {
    fhs_table_free(t);
    return fhs_error_set(err, "synth: out of memory for %zu rows", rows);
  }
  return 0;
}

/* First index of sorted v[0..n) that is >= x (upper: > x). */
static size_t bound(const double *v, size_t n, double x, int upper) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (upper ? v[mid] <= x : v[mid] < x)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* A value of bin `bin` = [lo, hi) (the last bin: [lo, hi]) among the column's within-bin
 * values, by weight; the bin's rest weight (values not listed) goes to a uniform draw. Returns
 * 0 and *x, or -1 for a uniform draw over the bin (the rest won, or the bin weighs nothing).
 * One pass over the bin's values: bins hold few of them (a noisy per-integer histogram, or the
 * values a thresholded histogram kept). */
static int draw_sub(const fhs_column *col, size_t bin, double lo, double hi, fhs_synth_stream *s, double *x) {
  bool last = hi == col->bins[col->n_bins - 1];
  size_t a = bound(col->sub_values, col->n_sub, lo, 0), b = bound(col->sub_values, col->n_sub, hi, last);
  double total = 0, rest = col->sub_rest ? col->sub_rest[bin] : 0;
  for (size_t k = a; k < b; k++) total += col->sub_weights[k];
  if (!(total > 0)) return -1;
  double u = fhs_synth_stream_unit(s) * (total + rest), cum = 0;
  if (u < rest) return -1;
  u -= rest;
  for (size_t k = a; k < b; k++) {
    cum += col->sub_weights[k];
    if (u < cum || k + 1 == b) {
      *x = col->sub_values[k];
      return 0;
    }
  }
  return -1;
}

/* One cell: value index v of column col, drawn inside its bin: by the within-bin weights when
 * the schema has them, else uniformly. */
static void decode_cell(const fhs_column *col, fhs_table_column *tc, size_t r, uint16_t v,
                        fhs_synth_stream *s) {
  double lo, hi;
  tc->valid[r] = 1;
  switch (tc->type) {
    case FHS_VALUE_STRING:
      tc->codes[r] = v;
      if (v >= col->n_categories) tc->valid[r] = 0, tc->codes[r] = 0;
      return;
    case FHS_VALUE_DOUBLE:
      if (fhs_schema_bin(col, v, &lo, &hi)) {
        tc->valid[r] = 0, tc->f64[r] = 0;
        return;
      }
      double x;
      if (col->n_sub && draw_sub(col, v, lo, hi, s, &x) == 0) {
        tc->f64[r] = x;
        return;
      }
      x = lo + (hi - lo) * fhs_synth_stream_unit(s);
      tc->f64[r] = x < hi ? x : nextafter(hi, lo); /* rounding must not leave the bin */
      return;
    case FHS_VALUE_INT64:
      if (fhs_schema_bin(col, v, &lo, &hi)) {
        tc->valid[r] = 0, tc->i64[r] = 0;
        return;
      }
      double xs;
      if (col->n_sub && draw_sub(col, v, lo, hi, s, &xs) == 0 && xs == floor(xs) && xs < hi) {
        tc->i64[r] = (int64_t)xs;
        return;
      }
      /* the integers of [lo, hi): hi - lo >= 1 since edges are distinct integers */
      tc->i64[r] = (int64_t)lo + (int64_t)fhs_synth_stream_below(s, (uint64_t)(hi - lo));
      return;
    case FHS_VALUE_TIMESTAMP:
      if (fhs_schema_bin(col, v, &lo, &hi)) {
        tc->valid[r] = 0, tc->i64[r] = 0;
        return;
      }
      int64_t lo_ms = (int64_t)ceil(lo * 1000.0), hi_ms = (int64_t)ceil(hi * 1000.0);
      tc->i64[r] = hi_ms > lo_ms ? lo_ms + (int64_t)fhs_synth_stream_below(s, (uint64_t)(hi_ms - lo_ms))
                                 : lo_ms;
      return;
  }
}

/* ---------- sampling ---------- */

static int check_rows(uint64_t rows, size_t n_cols, fhs_error *err) {
  if (rows == 0) return fhs_error_set(err, "synth: rows must be at least 1");
  if (rows > (uint64_t)(SIZE_MAX / 16) / (n_cols ? n_cols : 1))
    return fhs_error_set(err, "synth: %llu rows is too many", (unsigned long long)rows);
  return 0;
}

int fhs_synth_sample_indices(const fhs_synth_model *m, uint64_t rows, uint64_t seed,
                             fhs_index_table *out, fhs_error *err) {
  memset(out, 0, sizeof *out);
  size_t nc = m->schema->n_columns;
  if (check_rows(rows, nc, err)) return -1;
  uint16_t *idx = malloc((size_t)rows * (nc ? nc : 1) * sizeof *idx);
  if (!idx) return fhs_error_set(err, "synth: out of memory for sampling");
  if (m->ops->draw(m->state, &m->opts, seed, (size_t)rows, idx, err)) {
    free(idx);
    return -1;
  }
  out->index = idx, out->n_rows = (size_t)rows, out->n_cols = nc;
  return 0;
}

int fhs_synth_sample(const fhs_synth_model *m, uint64_t rows, uint64_t seed, fhs_table *out,
                     fhs_error *err) {
  memset(out, 0, sizeof *out);
  fhs_index_table idx;
  if (fhs_synth_sample_indices(m, rows, seed, &idx, err)) return -1;
  fhs_table t;
  if (alloc_table(m->schema, idx.n_rows, &t, err)) {
    fhs_index_table_free(&idx);
    return -1;
  }
  size_t n = idx.n_rows, chunks = (n + FHS_SYNTH_CHUNK_ROWS - 1) / FHS_SYNTH_CHUNK_ROWS;
  int threads = m->opts.threads > 0 ? m->opts.threads : omp_get_max_threads();
  /* values inside bins: chunk k of rows from its own stream, so threads cannot matter */
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (size_t k = 0; k < chunks; k++) {
    size_t first = k * FHS_SYNTH_CHUNK_ROWS;
    size_t last = n - first < FHS_SYNTH_CHUNK_ROWS ? n : first + FHS_SYNTH_CHUNK_ROWS;
    fhs_synth_stream s;
    fhs_synth_stream_init(&s, seed, FHS_NONCE_DECODE + k);
    for (size_t c = 0; c < m->schema->n_columns; c++)
      for (size_t r = first; r < last; r++)
        decode_cell(&m->schema->columns[c], &t.columns[c], r, idx.index[c * n + r], &s);
    fhs_synth_stream_wipe(&s);
  }
  fhs_index_table_free(&idx);
  *out = t;
  return 0;
}

int fhs_synthesize(const fhs_marginal_set *stats, const fhs_schema *schema, const char *model,
                   uint64_t rows, uint64_t seed, fhs_table *out, fhs_error *err) {
  fhs_synth_model *m;
  memset(out, 0, sizeof *out);
  if (fhs_synth_fit(stats, schema, model, NULL, &m, err)) return -1;
  int rc = fhs_synth_sample(m, rows, seed, out, err);
  fhs_synth_free(m);
  return rc;
}
