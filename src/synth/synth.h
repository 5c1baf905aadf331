/* synth: from decrypted marginal counts to synthetic rows (DESIGN sections 6, 7, 9), in the three
 * steps of Private-PGM: measure -> estimate -> generate.
 *
 *   measure   fhs_release: the owner turns exact (decrypted) counts into noisy ones under a
 *             release plan that spends exactly the (epsilon, delta) budget in zCDP.
 *   store     fhs_stats_json_write / _read: STATS.json, validated against SCHEMA.json.
 *   estimate  fhs_synth_fit: a model fitted to the noisy marginals (non-negative, consistent).
 *   generate  fhs_synth_sample: any number of rows, reproducible bit for bit from a seed.
 *
 * What it guarantees:
 * - Every marginal is a dense row-major table over schema domain indices (first column varies
 *   slowest), columns in increasing schema order, shape = the schema's domain sizes.
 * - Release plans add exact discrete Gaussian noise (fhs_dp) and, for mst, select the tree
 *   with an exactly sampled exponential mechanism; the zCDP costs add up to the rho that the
 *   tight conversion gives for (epsilon, delta), never more.
 * - Sampling draws from ChaCha20 streams keyed by BLAKE2b(seed): same model, seed and row
 *   count give the same table byte for byte, whatever the number of threads. By default the
 *   draw is stratified (Private-PGM's synthetic_data): each row follows the model exactly,
 *   and value counts within each parent group are the expected counts rounded at random.
 * - Functions return 0 or -1 with a one-line message in err; outputs are written only on
 *   success and owned by the caller (free with the matching _free function).
 *
 * Models and plans are tables of small vtables (model.c, release.c): adding one is one source
 * file and one line in each list.
 *
 * Layer: synth. Uses encode, dp, io; jansson, libsodium, libm, OpenMP, LAPACKE and OpenBLAS
 * (copula: dsyev, dpotrf; neural: dgemm). */
#ifndef FHS_SYNTH_H
#define FHS_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "dp.h"
#include "encode.h"
#include "error.h"
#include "table.h"

#define FHS_STATS_FORMAT "fhesynth-stats"
#define FHS_STATS_JSON_VERSION 2 /* 2: "rows_noisy" replaces the exact "rows"; an optional
                                    "model" (the release plan) was added within version 2 */
#define FHS_MARGINAL_MAX_WAYS 3

/* ---------- marginals ---------- */

typedef struct {
  size_t n_cols;   /* 1, 2 or 3 */
  size_t cols[3];  /* schema column indices, increasing */
  size_t shape[3]; /* domain sizes of those columns */
  size_t size;     /* product of shape */
  int64_t *counts; /* row-major, first column varies slowest */
  double sigma;    /* std-dev of the discrete Gaussian noise added (0 = exact) */
} fhs_marginal;

typedef struct {
  /* The row count as released: in a noisy set, an estimate from the noisy tables
   * (fhs_noisy_total), never the exact count; exact only in an exact (--no-dp) set. */
  double rows;
  int exact;     /* 1 when no noise was added (--no-dp): epsilon = rho = inf, delta = 0 */
  double epsilon, delta, rho;
  size_t count;
  fhs_marginal *m;
  /* The release plan the set was released for ("mst", "independent", ...; STATS.json "model"),
   * or "" when not recorded (files written before the key existed, exact counts from a CSV). */
  char plan[16];
} fhs_marginal_set;

/* Whether model (NULL = "mst") can be fitted to a set released for another plan. Returns -1
 * with err set (one line naming the plan) when the model needs 2-way marginals and the set,
 * released for another plan, has none; otherwise 0, with note (size n) saying what the model
 * does with the marginals it was given when the plan differs or the set has no 2-way, or ""
 * when there is nothing to say. */
int fhs_synth_check_plan(const fhs_marginal_set *s, size_t n_columns, const char *model, char *note, size_t n,
                         fhs_error *err);

/* The noisy row count of a released set: the inverse-variance weighted mean of the totals of
 * its 1-way tables (each total has variance size * sigma^2), or of its widest-covering
 * tables when there is no 1-way. Pure post-processing of the noisy counts: free. At least 1. */
double fhs_noisy_total(const fhs_marginal_set *s);
/* Frees every table and zeroes the set. Safe on a zeroed set. */
void fhs_marginal_set_free(fhs_marginal_set *s);
/* The marginal over exactly these columns (n_cols entries, increasing), or NULL. */
const fhs_marginal *fhs_marginal_set_find(const fhs_marginal_set *s, size_t n_cols,
                                          const size_t *cols);
/* zCDP cost of the measurements themselves: sum over marginals of 1/(2 sigma^2) (inf if any
 * marginal is exact). A plan's selection cost comes on top (fhs_release_info). */
double fhs_marginal_set_rho_measured(const fhs_marginal_set *s);

/* STATS.json (DESIGN section 9), written atomically. Exact sets write epsilon, delta and rho
 * as null. */
int fhs_stats_json_write(const fhs_marginal_set *s, const fhs_schema *schema, const char *path,
                         fhs_error *err);
/* Reads and validates against the schema: known column names in schema order, shape equal to
 * the domain sizes, counts of the right length and all integers, no duplicate marginal, sigma
 * >= 0 (0 exactly when "exact"). On error *s is left zeroed. */
int fhs_stats_json_read(const char *path, const fhs_schema *schema, fhs_marginal_set *s,
                        fhs_error *err);

/* A set of columns to count (1..3 increasing schema indices). */
typedef struct {
  size_t n_cols;
  size_t cols[3];
} fhs_colset;

/* Domain indices of a whole dataset, column-major: index[c * n_rows + r]. */
typedef struct {
  size_t n_rows;
  size_t n_cols;
  uint16_t *index;
} fhs_index_table;

void fhs_index_table_free(fhs_index_table *t);
/* Encodes a CSV under the schema (fhs_encoder: every value must fit). */
int fhs_index_table_from_csv(const fhs_schema *schema, const char *csv_path, fhs_index_table *out,
                             fhs_error *err);
/* Encodes an fhs_table (e.g. synthetic output) by formatting each value and passing it through
 * fhs_encode_value, so a value counts where the CSV writer's text would. Columns are matched
 * by name. */
int fhs_index_table_from_table(const fhs_schema *schema, const fhs_table *t, fhs_index_table *out,
                               fhs_error *err);
/* Exact counts of the given column sets (rows = idx->n_rows, exact = 1, sigma 0). */
int fhs_marginals_count(const fhs_schema *schema, const fhs_index_table *idx,
                        const fhs_colset *sets, size_t n_sets, fhs_marginal_set *out,
                        fhs_error *err);
/* The column sets of "every 1-way, then every 2-way (ways >= 2), then every 3-way (ways == 3)",
 * lexicographic. *sets is malloc'ed. */
int fhs_colsets_all(size_t n_columns, int ways, fhs_colset **sets, size_t *n_sets,
                    fhs_error *err);
/* Exact counts from a plaintext CSV (tests, benchmarks, and cross-checking encrypted counts):
 * every 1-way marginal, and every 2-way (ways >= 2) and 3-way (ways == 3) one. */
int fhs_marginals_from_csv(const fhs_schema *schema, const char *csv_path, int ways,
                           fhs_marginal_set *out, fhs_error *err);

/* ---------- measure: release plans ---------- */

/* What a release spent, for tests and logs: rho_measured + rho_selected == rho. */
typedef struct {
  double rho;          /* total, from (epsilon, delta) by the tight conversion */
  double rho_measured; /* sum of 1/(2 sigma^2) over the released marginals (as requested) */
  double rho_selected; /* spent choosing which marginals to measure (mst's tree) */
  size_t n_selected;   /* 2-way marginals chosen by selection */
} fhs_release_info;

/* Plans: "independent" (all 1-ways, equal split), "mst" (default: McKenna, Miklau and Sheldon
 * 2021: rho/4 1-ways, 0.15 rho exponential-mechanism tree selection, 0.6 rho tree 2-ways),
 * "all2way" (all 1- and 2-ways, equal split), "copula" (all 1-ways with rho/2, all 2-ways with
 * the other half), "neural" (1-ways with rho/5, then 5 rounds per attribute, capped at the
 * number of pairs, each selecting the 2-way the current generator fits worst with the
 * exponential mechanism and measuring it). model NULL means "mst". exact must hold the
 * marginals the plan reads (all 1-ways; all 2-ways for every plan but independent). rng NULL =
 * libsodium. info may be NULL. */
int fhs_release(const fhs_marginal_set *exact, const char *model, double epsilon, double delta,
                const fhs_dp_rng *rng, fhs_marginal_set *out, fhs_error *err);
int fhs_release_ex(const fhs_marginal_set *exact, const char *model, double epsilon,
                   double delta, const fhs_dp_rng *rng, fhs_marginal_set *out,
                   fhs_release_info *info, fhs_error *err);
/* The same with the plan's zCDP budget given directly (rho > 0): for a caller that has spent
 * part of (epsilon, delta) elsewhere (DP domain discovery). out's epsilon and delta are left 0
 * for the caller to fill in. */
int fhs_release_rho(const fhs_marginal_set *exact, const char *model, double rho,
                    const fhs_dp_rng *rng, fhs_marginal_set *out, fhs_release_info *info,
                    fhs_error *err);
/* --no-dp: copies the marginals the plan uses (for mst every 1- and 2-way: the model then
 * picks the tree itself) with sigma 0, exact = 1. */
int fhs_release_exact(const fhs_marginal_set *exact, const char *model, fhs_marginal_set *out,
                      fhs_error *err);
/* NULL-terminated list of plan names. */
const char *const *fhs_release_plans(void);

/* ---------- estimate and generate: models ---------- */

typedef struct fhs_synth_model fhs_synth_model;

typedef struct {
  size_t iterations; /* estimation iterations (mst: mirror descent; neural: most Adam steps);
                        0 = default */
  int threads;       /* sampling threads; 0 = OpenMP default (never changes the output) */
  int iid;           /* 1: rows drawn independently; 0 (default): stratified, as Private-PGM
                        generates: each value count within a parent group is the expected count
                        rounded up or down at random, then shuffled (same distribution per
                        row, much less Monte Carlo error in the marginals) */
} fhs_synth_options;

/* Fits model ("independent", "mst", "copula", "neural"; NULL = "mst") to the marginals. The schema must be the
 * one the marginals were counted under. opts may be NULL. */
int fhs_synth_fit(const fhs_marginal_set *stats, const fhs_schema *schema, const char *model,
                  const fhs_synth_options *opts, fhs_synth_model **out, fhs_error *err);
/* rows >= 1 new rows as a table with the schema's columns: categorical -> STRING (dict = the
 * categories), numeric -> DOUBLE uniform in its bin, or INT64 uniform over the integers of
 * [lo, hi) when every bin edge is an integer, datetime -> TIMESTAMP (ms) uniform in the bin,
 * missing index -> valid 0. The model keeps a pointer to the schema: keep it alive. */
int fhs_synth_sample(const fhs_synth_model *m, uint64_t rows, uint64_t seed, fhs_table *out,
                     fhs_error *err);
/* The same draws as domain indices only (no values): for evaluation. */
int fhs_synth_sample_indices(const fhs_synth_model *m, uint64_t rows, uint64_t seed,
                             fhs_index_table *out, fhs_error *err);
void fhs_synth_free(fhs_synth_model *m);
const char *fhs_synth_model_name(const fhs_synth_model *m);
/* NULL-terminated list of model names. */
const char *const *fhs_synth_models(void);
/* fit + sample + free in one call. */
int fhs_synthesize(const fhs_marginal_set *stats, const fhs_schema *schema, const char *model,
                   uint64_t rows, uint64_t seed, fhs_table *out, fhs_error *err);

/* ---------- fidelity: total variation distance ---------- */

/* 0.5 * sum |a/|a| - b/|b||, negatives clipped to 0 (noisy tables); the tables must have the
 * same columns and shape (else -1). An empty table is the uniform distribution. */
double fhs_tvd_marginal(const fhs_marginal *a, const fhs_marginal *b);

typedef struct {
  double mean[FHS_MARGINAL_MAX_WAYS + 1]; /* mean TVD over the k-way marginals, k = 1..3 */
  double max[FHS_MARGINAL_MAX_WAYS + 1];
  size_t n[FHS_MARGINAL_MAX_WAYS + 1];    /* how many k-way marginals were compared */
} fhs_tvd_summary;

/* Compares every marginal of real with the one over the same columns in synth (which must
 * exist, with the same shape). */
int fhs_tvd_sets(const fhs_marginal_set *real, const fhs_marginal_set *synth,
                 fhs_tvd_summary *out, fhs_error *err);
/* The same from two index tables over the given column sets. */
int fhs_tvd_index_tables(const fhs_schema *schema, const fhs_index_table *real,
                         const fhs_index_table *synth, const fhs_colset *sets, size_t n_sets,
                         fhs_tvd_summary *out, fhs_error *err);

#endif
