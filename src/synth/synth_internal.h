/* Helpers shared by the synth sources; not part of the public API (tests may use them). */
#ifndef FHS_SYNTH_INTERNAL_H
#define FHS_SYNTH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synth.h"

/* ---------- exponential mechanism (expmech.c) ---------- */

/* Returns in *choice an index i in [0, n) with probability proportional to
 * exp(epsilon * q_i / 2), q_i = num_i / den_i >= 0 a score of sensitivity 1, sampled exactly
 * (no floating point touches the draw). epsilon is rounded down to a multiple of 2^-20 and
 * each score down to a multiple of 2^-10 first, so the mechanism is epsilon-DP (and
 * epsilon-bounded-range, hence epsilon^2/8-zCDP) for the epsilon asked. */
#define FHS_EXPMECH_EPS_BITS 20
#define FHS_EXPMECH_SCORE_BITS 10
int fhs_expmech_choose(const fhs_dp_rng *rng, double epsilon, const unsigned __int128 *num,
                       const unsigned __int128 *den, size_t n, size_t *choice, fhs_error *err);

/* ---------- deterministic stream for sampling (stream.c) ---------- */

/* ChaCha20 keystream, key = BLAKE2b-256(seed) (personalised), nonce = chunk number: every
 * chunk of rows has its own independent stream, so threads cannot change the output. */
typedef struct {
  unsigned char key[32];
  unsigned char nonce[8];
  uint64_t block; /* next 64-byte keystream block */
  uint64_t buf[64];
  size_t pos;     /* next unused word of buf */
} fhs_synth_stream;

void fhs_synth_stream_init(fhs_synth_stream *s, uint64_t seed, uint64_t chunk);
void fhs_synth_stream_wipe(fhs_synth_stream *s);
uint64_t fhs_synth_stream_u64(fhs_synth_stream *s);
/* Uniform in [0, 1) with 53 random bits. */
double fhs_synth_stream_unit(fhs_synth_stream *s);
/* Uniform in [0, n), n >= 1, unbiased (Lemire's multiply with rejection). */
uint64_t fhs_synth_stream_below(fhs_synth_stream *s, uint64_t n);

/* ---------- alias tables (Vose) ---------- */

typedef struct {
  size_t n;
  uint64_t *prob;  /* acceptance threshold of slot j, scaled to 2^53 */
  uint32_t *alias;
} fhs_alias;

/* From weights w[0..n) >= 0 (negatives and NaN are taken as 0); all zero = uniform. */
int fhs_alias_build(fhs_alias *a, const double *w, size_t n);
uint32_t fhs_alias_draw(const fhs_alias *a, fhs_synth_stream *s);
void fhs_alias_free(fhs_alias *a);

/* ---------- tree-structured model (independent and mst) ---------- */

/* A distribution over the schema's domains that factorises along a forest:
 * P(x) = prod_roots P(x_r) prod_others P(x_a | x_parent(a)), over compressed domains (rare
 * values merged into one bucket, MST's compress_domain), then each bucket expanded back to the
 * schema's values. */
typedef struct {
  size_t n;            /* attributes = schema columns */
  size_t *full;        /* schema domain sizes */
  size_t *dom;         /* compressed domain sizes */
  uint32_t **to_comp;  /* [a][schema value] -> compressed value */
  uint16_t **from_comp;/* [a][compressed value] -> schema value, or FHS_ENCODE_PAD = bucket */
  fhs_alias *bucket;   /* [a] over bucket_vals[a] (n == 0 when a has no merged bucket) */
  uint16_t **bucket_vals;
  size_t *parent;      /* SIZE_MAX for a root */
  size_t *order;       /* every parent before its children */
  double **node;       /* [a] P(x_a), dom[a] entries */
  double **edge;       /* [a] non-root: P(x_parent, x_a), dom[parent] x dom[a] row-major */
  fhs_alias *root;     /* [a] for roots: P(x_a) */
  fhs_alias **cond;    /* [a] non-root: dom[parent] tables of P(x_a | x_parent) */
} fhs_tree_model;

/* Allocates the per-attribute arrays with identity compression and no edges. */
int fhs_tree_init(fhs_tree_model *t, const fhs_schema *schema, fhs_error *err);
/* Builds the alias tables from node/edge once they are final. */
int fhs_tree_prepare(fhs_tree_model *t, fhs_error *err);
/* Draws n rows: idx[c * stride + r] for r < n. */
void fhs_tree_draw(const fhs_tree_model *t, fhs_synth_stream *s, size_t n, uint16_t *idx,
                   size_t stride);
void fhs_tree_free(fhs_tree_model *t);

/* Estimation (estimate.c): fits the tree model to the noisy 1-way marginals and the 2-way
 * marginals of the chosen edges; see the file header for the method. */
int fhs_tree_fit_mst(fhs_tree_model *t, const fhs_marginal_set *stats, const fhs_schema *schema,
                     size_t iterations, fhs_error *err);
int fhs_tree_fit_independent(fhs_tree_model *t, const fhs_marginal_set *stats,
                             const fhs_schema *schema, fhs_error *err);

/* ---------- models (model.c) ---------- */

typedef struct {
  const char *name;
  /* Fits the model; *state is what draw and free receive. */
  int (*fit)(const fhs_marginal_set *stats, const fhs_schema *schema,
             const fhs_synth_options *opts, void **state, fhs_error *err);
  /* Draws n rows of domain indices, idx[c * stride + r]; may not fail. */
  void (*draw)(const void *state, fhs_synth_stream *s, size_t n, uint16_t *idx, size_t stride);
  void (*free)(void *state);
} fhs_synth_model_ops;

extern const fhs_synth_model_ops fhs_synth_independent_ops;
extern const fhs_synth_model_ops fhs_synth_mst_ops;

/* Checks that every marginal of s fits the schema (columns, order, shape, size). */
int fhs_marginal_set_check(const fhs_marginal_set *s, const fhs_schema *schema, const char *where,
                           fhs_error *err);
/* Deep copy of one marginal into dst (counts allocated). */
int fhs_marginal_copy(fhs_marginal *dst, const fhs_marginal *src, fhs_error *err);

#endif
