/* The forest-structured model shared by the independent and mst synthesizers: storage, the
 * alias tables built from its marginals, and ancestral sampling (each root from its marginal,
 * then every child from P(child | parent) in an order that puts parents first). */
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
  t->parent = calloc(n, sizeof *t->parent);
  t->order = calloc(n, sizeof *t->order);
  t->node = calloc(n, sizeof *t->node);
  t->edge = calloc(n, sizeof *t->edge);
  t->root = calloc(n, sizeof *t->root);
  t->cond = calloc(n, sizeof *t->cond);
  int ok = t->full && t->dom && t->to_comp && t->from_comp && t->bucket && t->bucket_vals &&
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

void fhs_tree_draw(const fhs_tree_model *t, fhs_synth_stream *s, size_t n, uint16_t *idx,
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

void fhs_tree_free(fhs_tree_model *t) {
  if (!t) return;
  for (size_t a = 0; a < t->n; a++) {
    if (t->to_comp) free(t->to_comp[a]);
    if (t->from_comp) free(t->from_comp[a]);
    if (t->bucket) fhs_alias_free(&t->bucket[a]);
    if (t->bucket_vals) free(t->bucket_vals[a]);
    if (t->node) free(t->node[a]);
    if (t->edge) free(t->edge[a]);
    if (t->root) fhs_alias_free(&t->root[a]);
    if (t->cond && t->cond[a]) {
      for (size_t xp = 0; xp < t->dom[t->parent[a]]; xp++) fhs_alias_free(&t->cond[a][xp]);
      free(t->cond[a]);
    }
  }
  free(t->full), free(t->dom), free(t->to_comp), free(t->from_comp), free(t->bucket);
  free(t->bucket_vals), free(t->parent), free(t->order), free(t->node), free(t->edge);
  free(t->root), free(t->cond);
  memset(t, 0, sizeof *t);
}
