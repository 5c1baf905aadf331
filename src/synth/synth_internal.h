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

/* ---------- release plans (release.c) ---------- */

/* What every plan receives: the exact counts, the budget and the attributes. */
typedef struct {
  const fhs_marginal_set *exact;
  double rho;           /* total budget of the release */
  const fhs_dp_rng *rng;
  size_t k;             /* attributes: columns with a 1-way marginal */
  size_t *attr;         /* their schema indices, increasing */
} fhs_plan_ctx;

/* Appends to out a noisy copy of m measured at zCDP cost rho_i (discrete Gaussian with
 * sigma^2 = 1 / (2 rho_i), rounded up; the sigma actually used is recorded) and adds rho_i to
 * info->rho_measured. out->m must have room. */
int fhs_plan_measure(const fhs_plan_ctx *c, const fhs_marginal *m, double rho_i,
                     fhs_marginal_set *out, fhs_release_info *info, fhs_error *err);
/* The exact 1-way of attribute a (index into attr), and the exact 2-way of attributes a < b
 * (NULL with a message when missing). */
const fhs_marginal *fhs_plan_one(const fhs_plan_ctx *c, size_t a);
const fhs_marginal *fhs_plan_pair(const fhs_plan_ctx *c, size_t a, size_t b, fhs_error *err);

/* Plans that live next to their model (copula.c, neural_plan.c, aim.c). */
typedef int (*fhs_plan_fn)(const fhs_plan_ctx *c, fhs_marginal_set *out, fhs_release_info *info,
                           fhs_error *err);
int fhs_plan_copula(const fhs_plan_ctx *c, fhs_marginal_set *out, fhs_release_info *info,
                    fhs_error *err);
int fhs_plan_neural(const fhs_plan_ctx *c, fhs_marginal_set *out, fhs_release_info *info,
                    fhs_error *err);

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

/* Nonce domains: every use of the seed gets its own streams. */
#define FHS_NONCE_DECODE ((uint64_t)0 << 60) /* + chunk: values inside bins */
#define FHS_NONCE_IID ((uint64_t)1 << 60)    /* + chunk: independent draws of indices */
#define FHS_NONCE_GROUP ((uint64_t)2 << 60)  /* + (column << 16 | parent value): stratified */
#define FHS_NONCE_BUCKET ((uint64_t)3 << 60) /* + column: expanding merged values */
#define FHS_NONCE_COPULA ((uint64_t)4 << 60) /* + chunk / column: copula draws */
#define FHS_NONCE_NEURAL ((uint64_t)5 << 60) /* + component << 16 | column: mixture draws */
#define FHS_NONCE_TRAIN ((uint64_t)6 << 60)  /* generator initialisation and noise */
/* Rows per chunk of the chunked (parallel) streams. */
#define FHS_SYNTH_CHUNK_ROWS ((size_t)16384)

void fhs_synth_stream_init(fhs_synth_stream *s, uint64_t seed, uint64_t chunk);
void fhs_synth_stream_wipe(fhs_synth_stream *s);
uint64_t fhs_synth_stream_u64(fhs_synth_stream *s);
/* Uniform in [0, 1) with 53 random bits. */
double fhs_synth_stream_unit(fhs_synth_stream *s);
/* Uniform in [0, n), n >= 1, unbiased (Lemire's multiply with rejection). */
uint64_t fhs_synth_stream_below(fhs_synth_stream *s, uint64_t n);

/* Stratified draw of g values from probabilities p[0..n) (summing to 1 up to rounding):
 * systematic sampling gives value v floor(g p_v) or ceil(g p_v) times, exactly g p_v in
 * expectation, and the values are shuffled (Fisher-Yates) into out[0..g). Each out[i] is then
 * distributed exactly as p, with far less spread in the counts than independent draws. */
void fhs_synth_stratified(fhs_synth_stream *s, const double *p, size_t n, size_t g,
                          uint16_t *out);

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

/* ---------- calibrating sampled records to released tables (calibrate.c) ---------- */

/* The 2-way targets a model's records are moved towards (see calibrate.c). */
typedef struct {
  size_t n_tables;
  size_t *a, *b;    /* the columns, a < b */
  double **target;  /* [table] probabilities, row-major over (a, b) */
  size_t n_links;   /* links: when a move sets column x, column y becomes map[x value] */
  size_t *lx, *ly;
  uint16_t **lmap;
} fhs_calib;

/* Targets from every released 2-way of stats (in stats order) and model_tables[q], the
 * model's own probabilities for the q-th of them (overwritten). p[a]: the model's 1-ways.
 * Tables the model already fits within their noise get no target. */
int fhs_calib_init(fhs_calib *c, const fhs_marginal_set *stats, const size_t *dom,
                   const double *const *p, double **model_tables, fhs_error *err);
/* Links column y to x (a twin: y is a function of x in the model), map[0..dom x). */
int fhs_calib_link(fhs_calib *c, size_t x, size_t y, const uint16_t *map, size_t dom_x,
                   fhs_error *err);
/* Moves records of idx (rows x n_cols, column-major) towards the targets; stream seed/nonce. */
int fhs_calib_apply(const fhs_calib *c, const size_t *dom, size_t n_cols, uint64_t seed,
                    uint64_t nonce, size_t rows, uint16_t *idx, fhs_error *err);
void fhs_calib_free(fhs_calib *c);

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
  double **bucket_p;   /* [a] the same distribution as probabilities */
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
/* Draws rows of domain indices, idx[c * rows + r]: stratified along the tree (default, as
 * Private-PGM generates) or independent draws (opts->iid). */
int fhs_tree_sample(const fhs_tree_model *t, const fhs_synth_options *opts, uint64_t seed,
                    size_t rows, uint16_t *idx, fhs_error *err);
void fhs_tree_free(fhs_tree_model *t);

/* Estimation (estimate.c): fits the tree model to the noisy 1-way marginals and the 2-way
 * marginals of the chosen edges; see the file header for the method. */
int fhs_tree_fit_mst(fhs_tree_model *t, const fhs_marginal_set *stats, const fhs_schema *schema,
                     size_t iterations, fhs_error *err);
int fhs_tree_fit_independent(fhs_tree_model *t, const fhs_marginal_set *stats,
                             const fhs_schema *schema, fhs_error *err);

/* ---------- GEM generator (gem.c) ---------- */

typedef struct {
  size_t dz; /* noise width */
  size_t h;  /* hidden units (one ReLU layer) */
  size_t k;  /* noise vectors = mixture components */
} fhs_gem_shape;

/* An MLP z -> ReLU -> one softmax per column, over a fixed batch of k noise vectors: a mixture
 * of k product distributions (see gem.c). prob[i * d + off[a] + v] = P(column a = v | i). */
typedef struct {
  size_t n_cols, d, dz, h, k;
  size_t *dom, *off;
  double *z;                 /* k x dz */
  double *theta;             /* W1 (dz x h), b1, W2 (h x d), b2 */
  double *adam_m, *adam_v, *grad;
  size_t steps;              /* Adam steps taken */
  double *hid, *dhid;        /* k x h */
  double *prob, *dprob;      /* k x d */
} fhs_gem;

/* A measured marginal the generator is trained to match: y = noisy counts / rows (cells in
 * the marginal's layout), w = rows^2 / sigma^2 (its precision). */
typedef struct {
  size_t n_cols;
  size_t cols[2]; /* generator columns, increasing */
  size_t size;
  double *y;
  double w;
} fhs_gem_target;

int fhs_gem_init(fhs_gem *g, const size_t *dom, size_t n_cols, const fhs_gem_shape *shape,
                 uint64_t seed, fhs_error *err);
/* Output bias of column a = log(p + 1e-6): start from the distribution p. */
void fhs_gem_set_bias(fhs_gem *g, size_t a, const double *p);
void fhs_gem_forward(fhs_gem *g);
/* The generator's marginal over 1 or 2 columns (as of the last forward pass) into out. */
void fhs_gem_answer(const fhs_gem *g, size_t n_cols, const size_t *cols, double *out);
/* Up to steps of Adam (rate lr) on the weighted squared error. min_gain > 0: every 100 steps
 * a gain below min_gain of the best loss halves the rate, three in a row stop, and the best
 * parameters seen are kept (see gem.c); 0: plain steps. Ends with a forward pass. */
int fhs_gem_train(fhs_gem *g, const fhs_gem_target *t, size_t n_t, size_t steps, double lr,
                  double min_gain, double *loss_out, fhs_error *err);
void fhs_gem_free(fhs_gem *g);
/* A target from a marginal; cols = the generator columns of its columns. */
int fhs_gem_target_from(fhs_gem_target *t, const fhs_marginal *m, const size_t *cols,
                        double nrows, fhs_error *err);
void fhs_gem_targets_free(fhs_gem_target *t, size_t n);

/* ---------- models (model.c) ---------- */

typedef struct {
  const char *name;
  /* Fits the model; *state is what draw and free receive. */
  int (*fit)(const fhs_marginal_set *stats, const fhs_schema *schema,
             const fhs_synth_options *opts, void **state, fhs_error *err);
  /* Draws rows of domain indices into idx[c * rows + r], reproducibly from seed (use the
   * FHS_NONCE_* stream domains); the result must not depend on opts->threads. */
  int (*draw)(const void *state, const fhs_synth_options *opts, uint64_t seed, size_t rows,
              uint16_t *idx, fhs_error *err);
  void (*free)(void *state);
} fhs_synth_model_ops;

extern const fhs_synth_model_ops fhs_synth_independent_ops;
extern const fhs_synth_model_ops fhs_synth_mst_ops;
extern const fhs_synth_model_ops fhs_synth_copula_ops;
extern const fhs_synth_model_ops fhs_synth_neural_ops;

/* The 1-way counts of column a over its full domain d: its own marginal, else summed from the
 * first larger marginal that contains it (sigma = inf then). malloc'ed, NULL if none. */
double *fhs_synth_counts_1way(const fhs_marginal_set *s, size_t a, size_t d, double *sigma);
/* Rows behind the marginals: s->rows, else the mean total of the tables. */
double fhs_synth_rows_estimate(const fhs_marginal_set *s);
/* Standard normal CDF and its inverse (|error| < 1e-15 after one Halley step). */
double fhs_norm_cdf(double x);
double fhs_norm_quantile(double p);
/* P(X < h, Y < k) for standard normals with correlation r, |r| < 1 (bvn.c, Genz's BVNU);
 * h, k may be infinite. */
double fhs_bvn_lower(double h, double k, double r);
/* A standard normal draw (Box-Muller on two 53-bit uniforms). */
double fhs_synth_stream_normal(fhs_synth_stream *s);

/* Checks that every marginal of s fits the schema (columns, order, shape, size). */
int fhs_marginal_set_check(const fhs_marginal_set *s, const fhs_schema *schema, const char *where,
                           fhs_error *err);
/* Deep copy of one marginal into dst (counts allocated). */
int fhs_marginal_copy(fhs_marginal *dst, const fhs_marginal *src, fhs_error *err);

#endif
