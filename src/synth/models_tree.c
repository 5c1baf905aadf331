/* The two forest-structured models: independent (no edges) and mst (a tree fitted by mirror
 * descent, estimate.c). They share storage and sampling (tree.c). */
#include <stdlib.h>

#include "synth_internal.h"

static int fit_independent(const fhs_marginal_set *stats, const fhs_schema *schema,
                           const fhs_synth_options *opts, void **state, fhs_error *err) {
  (void)opts;
  fhs_tree_model *t = malloc(sizeof *t);
  if (!t) return fhs_error_set(err, "synth: out of memory");
  if (fhs_tree_fit_independent(t, stats, schema, err)) {
    free(t);
    return -1;
  }
  *state = t;
  return 0;
}

static int fit_mst(const fhs_marginal_set *stats, const fhs_schema *schema,
                   const fhs_synth_options *opts, void **state, fhs_error *err) {
  fhs_tree_model *t = malloc(sizeof *t);
  if (!t) return fhs_error_set(err, "synth: out of memory");
  if (fhs_tree_fit_mst(t, stats, schema, opts->iterations, err)) {
    free(t);
    return -1;
  }
  *state = t;
  return 0;
}

static int draw(const void *state, const fhs_synth_options *opts, uint64_t seed, size_t rows,
                uint16_t *idx, fhs_error *err) {
  return fhs_tree_sample(state, opts, seed, rows, idx, err);
}

static void free_tree(void *state) {
  fhs_tree_free(state);
  free(state);
}

const fhs_synth_model_ops fhs_synth_independent_ops = {"independent", fit_independent, draw,
                                                       free_tree};
const fhs_synth_model_ops fhs_synth_mst_ops = {"mst", fit_mst, draw, free_tree};
