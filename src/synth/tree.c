/* The forest-structured model shared by the independent and mst synthesizers: storage, the
 * alias tables built from its marginals, and ancestral sampling (each root from its marginal,
 * then every child from P(child | parent) in an order that puts parents first).
 *
 * Two ways to draw. Independent rows (iid): alias tables, chunks of rows in parallel. Stratified
 * (default), as Private-PGM's synthetic_data: the root's values are a stratified draw of all
 * rows; then for each child, the rows are grouped by the parent's value and each group gets a
 * stratified draw from P(child | parent value). Every row is still distributed as the model
 * says, but the value counts are the expected counts rounded, so the synthetic marginals
 * carry almost no Monte Carlo error on top of the model's own. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

int fhs_tree_init(fhs_tree_model *t, const fhs_schema *schema, fhs_error *err) {
  memset(t, 0, sizeof *t);
  size_t n = schema->n_columns;
  t->n = n;
  t->full = calloc(n, sizeof *t->full);
  t->dom = calloc(n, sizeof *t->dom);
  t->to_comp = calloc(n, sizeof *t->to_comp);
  t->from_comp = calloc(n, sizeof *t->from_comp);
  t->bucket = calloc(n, sizeof *t->bucket);
  t->bucket_vals = calloc(n, sizeof *t->bucket_vals);
  t->bucket_p = calloc(n, sizeof *t->bucket_p);
  t->parent = calloc(n, sizeof *t->parent);
  t->order = calloc(n, sizeof *t->order);
  t->node = calloc(n, sizeof *t->node);
  t->edge = calloc(n, sizeof *t->edge);
  t->root = calloc(n, sizeof *t->root);
  t->cond = calloc(n, sizeof *t->cond);
  int ok = t->full && t->dom && t->to_comp && t->from_comp && t->bucket && t->bucket_vals && t->bucket_p &&
           t->parent && t->order && t->node && t->edge && t->root && t->cond;
  for (size_t a = 0; ok && a < n; a++) {
    size_t d = fhs_schema_domain_size(&schema->columns[a]);
    t->full[a] = t->dom[a] = d;
    t->parent[a] = SIZE_MAX;
    t->order[a] = a;
    t->to_comp[a] = malloc(d * sizeof **t->to_comp);
    t->from_comp[a] = malloc(d * sizeof **t->from_comp);
    ok = t->to_comp[a] && t->from_comp[a];
    for (size_t v = 0; ok && v < d; v++) t->to_comp[a][v] = (uint32_t)v, t->from_comp[a][v] = (uint16_t)v;
  }
  if (!ok) {
    fhs_tree_free(t);
    return fhs_error_set(err, "synth: out of memory for the model");
  }
  return 0;
}

int fhs_tree_prepare(fhs_tree_model *t, fhs_error *err) {
  for (size_t a = 0; a < t->n; a++) {
    if (t->parent[a] == SIZE_MAX) {
      if (fhs_alias_build(&t->root[a], t->node[a], t->dom[a]))
        return fhs_error_set(err, "synth: out of memory for sampling tables");
      continue;
    }
    size_t p = t->parent[a], dp = t->dom[p], dc = t->dom[a];
    t->cond[a] = calloc(dp, sizeof **t->cond);
    if (!t->cond[a]) return fhs_error_set(err, "synth: out of memory for sampling tables");
    for (size_t xp = 0; xp < dp; xp++) {
      const double *row = t->edge[a] + xp * dc;
      double sum = 0;
      for (size_t xc = 0; xc < dc; xc++) sum += row[xc];
      /* a parent value of probability 0 is never drawn; its table only has to exist */
      if (fhs_alias_build(&t->cond[a][xp], sum > 0 ? row : t->node[a], dc))
        return fhs_error_set(err, "synth: out of memory for sampling tables");
    }
  }
  return 0;
}

/* Independent draws of n rows (one chunk): idx[c * stride + r]. */
static void draw_iid(const fhs_tree_model *t, fhs_synth_stream *s, size_t n, uint16_t *idx,
                     size_t stride) {
  for (size_t r = 0; r < n; r++) {
    /* compressed values first (a child reads its parent's), expanded once the row is done */
    for (size_t k = 0; k < t->n; k++) {
      size_t a = t->order[k];
      uint32_t v = t->parent[a] == SIZE_MAX
                       ? fhs_alias_draw(&t->root[a], s)
                       : fhs_alias_draw(&t->cond[a][idx[t->parent[a] * stride + r]], s);
      idx[a * stride + r] = (uint16_t)v;
    }
    for (size_t a = 0; a < t->n; a++) {
      uint16_t v = t->from_comp[a][idx[a * stride + r]];
      if (v == FHS_ENCODE_PAD) v = t->bucket_vals[a][fhs_alias_draw(&t->bucket[a], s)];
      idx[a * stride + r] = v;
    }
  }
}

static void sample_iid(const fhs_tree_model *t, const fhs_synth_options *opts, uint64_t seed,
                       size_t rows, uint16_t *idx) {
  size_t chunks = (rows + FHS_SYNTH_CHUNK_ROWS - 1) / FHS_SYNTH_CHUNK_ROWS;
  int threads = opts->threads > 0 ? opts->threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (size_t k = 0; k < chunks; k++) {
    size_t first = k * FHS_SYNTH_CHUNK_ROWS;
    size_t n = rows - first < FHS_SYNTH_CHUNK_ROWS ? rows - first : FHS_SYNTH_CHUNK_ROWS;
    fhs_synth_stream s;
    fhs_synth_stream_init(&s, seed, FHS_NONCE_IID + k);
    draw_iid(t, &s, n, idx + first, rows);
    fhs_synth_stream_wipe(&s);
  }
}

/* Child a given its parent: rows grouped by parent value (counting sort into perm), each group
 * filled by a stratified draw from P(a | parent value) with its own stream. */
static void stratify_child(const fhs_tree_model *t, size_t a, uint64_t seed, size_t rows,
                           uint16_t *idx, size_t *perm, size_t *off, uint16_t *tmp,
                           int threads) {
  size_t p = t->parent[a], dp = t->dom[p], dc = t->dom[a];
  const uint16_t *pv = idx + p * rows;
  uint16_t *col = idx + a * rows;
  memset(off, 0, (dp + 1) * sizeof *off);
  for (size_t r = 0; r < rows; r++) off[pv[r] + 1]++;
  for (size_t x = 0; x < dp; x++) off[x + 1] += off[x];
  for (size_t r = 0; r < rows; r++) perm[off[pv[r]]++] = r;
  for (size_t x = dp; x > 0; x--) off[x] = off[x - 1]; /* back to group starts */
  off[0] = 0;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (size_t x = 0; x < dp; x++) {
    size_t g = off[x + 1] - off[x];
    if (g == 0) continue;
    const double *row = t->edge[a] + x * dc;
    double sum = 0;
    for (size_t c = 0; c < dc; c++) sum += row[c];
    fhs_synth_stream s;
    fhs_synth_stream_init(&s, seed, FHS_NONCE_GROUP + ((uint64_t)a << 16) + x);
    fhs_synth_stratified(&s, sum > 0 ? row : t->node[a], dc, g, tmp + off[x]);
    for (size_t i = 0; i < g; i++) col[perm[off[x] + i]] = tmp[off[x] + i];
    fhs_synth_stream_wipe(&s);
  }
}

/* Compressed values -> schema values; the rows holding a merged bucket get a stratified draw
 * over the bucket's values. */
static void expand(const fhs_tree_model *t, size_t a, uint64_t seed, size_t rows, uint16_t *idx,
                   size_t *perm, uint16_t *tmp) {
  uint16_t *col = idx + a * rows;
  size_t g = 0;
  for (size_t r = 0; r < rows; r++) {
    uint16_t v = t->from_comp[a][col[r]];
    if (v == FHS_ENCODE_PAD) perm[g++] = r;
    col[r] = v;
  }
  if (g == 0) return;
  fhs_synth_stream s;
  fhs_synth_stream_init(&s, seed, FHS_NONCE_BUCKET + a);
  fhs_synth_stratified(&s, t->bucket_p[a], t->bucket[a].n, g, tmp);
  for (size_t i = 0; i < g; i++) col[perm[i]] = t->bucket_vals[a][tmp[i]];
  fhs_synth_stream_wipe(&s);
}

static int sample_stratified(const fhs_tree_model *t, const fhs_synth_options *opts,
                             uint64_t seed, size_t rows, uint16_t *idx, fhs_error *err) {
  size_t maxd = 1;
  for (size_t a = 0; a < t->n; a++) maxd = t->dom[a] > maxd ? t->dom[a] : maxd;
  size_t *perm = malloc(rows * sizeof *perm), *off = malloc((maxd + 1) * sizeof *off);
  uint16_t *tmp = malloc(rows * sizeof *tmp);
  if (!perm || !off || !tmp) {
    free(perm), free(off), free(tmp);
    return fhs_error_set(err, "synth: out of memory for sampling %zu rows", rows);
  }
  int threads = opts->threads > 0 ? opts->threads : omp_get_max_threads();
  for (size_t k = 0; k < t->n; k++) {
    size_t a = t->order[k];
    if (t->parent[a] != SIZE_MAX) {
      stratify_child(t, a, seed, rows, idx, perm, off, tmp, threads);
      continue;
    }
    fhs_synth_stream s;
    fhs_synth_stream_init(&s, seed, FHS_NONCE_GROUP + ((uint64_t)a << 16));
    fhs_synth_stratified(&s, t->node[a], t->dom[a], rows, idx + a * rows);
    fhs_synth_stream_wipe(&s);
  }
  /* only now: children above read their parents' compressed values */
  for (size_t a = 0; a < t->n; a++) expand(t, a, seed, rows, idx, perm, tmp);
  free(perm), free(off), free(tmp);
  return 0;
}

int fhs_tree_sample(const fhs_tree_model *t, const fhs_synth_options *opts, uint64_t seed,
                    size_t rows, uint16_t *idx, fhs_error *err) {
  if (opts->iid) {
    sample_iid(t, opts, seed, rows, idx);
    return 0;
  }
  return sample_stratified(t, opts, seed, rows, idx, err);
}

void fhs_tree_free(fhs_tree_model *t) {
  if (!t) return;
  for (size_t a = 0; a < t->n; a++) {
    if (t->to_comp) free(t->to_comp[a]);
    if (t->from_comp) free(t->from_comp[a]);
    if (t->bucket) fhs_alias_free(&t->bucket[a]);
    if (t->bucket_vals) free(t->bucket_vals[a]);
    if (t->bucket_p) free(t->bucket_p[a]);
    if (t->node) free(t->node[a]);
    if (t->edge) free(t->edge[a]);
    if (t->root) fhs_alias_free(&t->root[a]);
    if (t->cond && t->cond[a]) {
      for (size_t xp = 0; xp < t->dom[t->parent[a]]; xp++) fhs_alias_free(&t->cond[a][xp]);
      free(t->cond[a]);
    }
  }
  free(t->full), free(t->dom), free(t->to_comp), free(t->from_comp), free(t->bucket);
  free(t->bucket_vals), free(t->bucket_p), free(t->parent), free(t->order), free(t->node), free(t->edge);
  free(t->root), free(t->cond);
  memset(t, 0, sizeof *t);
}
