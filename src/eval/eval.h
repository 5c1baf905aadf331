/* eval: how good and how safe is a synthetic table? Scores synthetic rows against the real
 * rows they were learnt from (and, when given, a holdout the synthesizer never saw) for
 * fidelity, utility and privacy, and writes METRICS.json and a self-contained HTML report
 * (DESIGN section 8; docs/metrics.md defines every number and its safe reading).
 *
 * What it guarantees:
 * - Inputs are CSV or Parquet (fhs_rows). Every table is read under one schema (given, or
 *   inferred from the real data): each schema column must be in every file, by name. A value
 *   the schema cannot place (an unknown label, a number outside the bins, a missing value in
 *   a column without missing values) is kept, in one extra "outside the schema" cell of that
 *   column's domain, so a synthesizer that invents values is penalised, not refused.
 * - Everything random (triples, subsamples, attacks) comes from a seeded generator: the same
 *   inputs and seed give the same numbers, whatever the number of threads.
 * - Functions return 0 or -1 with a one-line message in err; outputs (METRICS.json, the
 *   report) are written atomically and only when every metric was computed.
 *
 * Layer: eval. Uses synth (TVD), encode (schema), io; libxgboost, liblinear, jansson, OpenMP. */
#ifndef FHS_EVAL_H
#define FHS_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "encode.h"
#include "error.h"

/* ---------- data ---------- */

/* One table under a schema, column by column (schema order). */
typedef struct {
  size_t n_rows;
  size_t n_cols;
  size_t *domain;  /* per column: schema domain size + 1 (last cell: outside the schema) */
  uint16_t **idx;  /* per column: domain index of each row */
  double **num;    /* numeric/datetime columns: the value (NaN when missing); NULL otherwise */
  uint32_t **key;  /* categorical columns: the label's identity (schema index, or a hash above
                      the domain for labels outside the schema); NULL otherwise */
} fhs_eval_data;

/* Reads path under schema. With exact_columns, the file may hold no column the schema lacks
 * (used when the schema was inferred from the real data: a column mismatch is an error). */
int fhs_eval_data_load(const fhs_schema *schema, const char *path, int exact_columns,
                       fhs_eval_data *out, fhs_error *err);
void fhs_eval_data_free(fhs_eval_data *d);

/* Splits a CSV or Parquet file into two CSV files (header kept, fields verbatim): a random
 * share `fraction` of the rows (seeded, exact count round(fraction * rows)) goes to
 * holdout_path, the rest to train_path. For `fhesynth run`, which keeps 20% as the holdout. */
int fhs_eval_split_file(const char *path, double fraction, uint64_t seed, const char *train_path,
                        const char *holdout_path, fhs_error *err);

/* ---------- options ---------- */

typedef struct {
  const char *real_path;      /* the rows the synthesizer learnt from (required) */
  const char *synthetic_path; /* required */
  const char *holdout_path;   /* real rows the synthesizer never saw; NULL: utility and the
                                 holdout-based privacy metrics are reported as not available */
  const char *schema_path;    /* NULL: inferred from the real data with `bins` bins */
  const char *stats_path;     /* STATS.json or a run manifest: the privacy budget; NULL */
  const char *target;         /* utility target; NULL: the last categorical column */
  const char *report_path;    /* HTML report; NULL for none */
  const char *json_path;      /* METRICS.json; NULL for none */
  double epsilon, delta;      /* budget known to the caller (run); NaN when unknown */
  size_t bins;                /* inference bins (default FHS_INFER_DEFAULT_BINS) */
  uint64_t seed;              /* default 1 */
  size_t max_triples;         /* 3-way TVD sample (default 200) */
  size_t max_dcr_rows;        /* synthetic rows in the nearest-record searches (default 20000) */
  size_t max_members;         /* members / non-members for DCR and MIA (default 10000) */
  size_t n_attacks;           /* Anonymeter attacks per evaluator (default 500) */
  size_t xgb_rounds;          /* boosting rounds (default 60) */
} fhs_eval_options;

void fhs_eval_options_init(fhs_eval_options *o);

/* ---------- results ---------- */

typedef struct {
  double tvd;       /* 1-way TVD over the column's domain */
  double ks;        /* KS statistic on the values (numeric/datetime); NaN for categorical */
  size_t n_cells;   /* domain cells (with the outside cell) */
  double *real_p;   /* n_cells shares in the real data */
  double *syn_p;    /* n_cells shares in the synthetic data */
} fhs_eval_column_fidelity;

typedef struct {
  size_t n_cols;
  fhs_eval_column_fidelity *col; /* n_cols */
  double tvd1_mean, tvd1_max;
  double tvd2_mean, tvd2_max;
  size_t tvd2_worst[2]; /* the pair with the largest 2-way TVD */
  size_t n_pairs;
  double tvd3_mean, tvd3_max;
  size_t n_triples;
  double ks_mean, ks_max; /* over numeric/datetime columns (NaN when there are none) */
  double *assoc_real;     /* n_cols x n_cols: Pearson / Cramer's V / correlation ratio */
  double *assoc_syn;
  double assoc_diff_mean, assoc_diff_max;
  double score;           /* 100 * (1 - mean of the 1-, 2- and 3-way mean TVDs) */
  const char *verdict;
} fhs_eval_fidelity;

/* An Anonymeter risk: attack, baseline and control success rates (Wilson estimates) and the
 * residual risk (attack - control) / (1 - control) with its 95% interval, clipped to [0, 1]. */
typedef struct {
  int available;
  size_t n_attacks;
  double attack, baseline, control;
  double risk, lo, hi;
  int weak;      /* attack no better than the baseline: the estimate cannot be trusted */
  int column;    /* inference: the secret column of the worst risk (-1 otherwise) */
} fhs_eval_risk;

typedef struct {
  int have_holdout;
  size_t n_members;     /* training rows sampled as members (same count as non-members) */
  size_t n_dcr_rows;    /* synthetic rows in the DCR search */
  double exact_train;   /* share of synthetic rows equal to some training row */
  double exact_train_same_size; /* ... to some row of the member sample */
  double exact_holdout; /* ... to some holdout row (baseline) */
  double dcr_share;     /* share of synthetic rows closer to members than to the holdout */
  double dcr_p5_train, dcr_p5_holdout, dcr_p5_ratio;
  double dcr_median_train, dcr_median_holdout;
  double mia_auc;       /* distance-based membership inference */
  fhs_eval_risk singling_out, linkability, inference;
  double *inference_risk; /* per column secret (n_cols) or NULL */
  int checks, failures;   /* pass/fail checks made, and failed (docs/metrics.md) */
  unsigned failed_mask;   /* bit i: check i failed (FHS_EVAL_CHECK_*) */
  double score;           /* 100 * passed / checks */
  const char *verdict;
} fhs_eval_privacy;

enum {
  FHS_EVAL_CHECK_EXACT = 0,
  FHS_EVAL_CHECK_DCR_SHARE,
  FHS_EVAL_CHECK_DCR_P5,
  FHS_EVAL_CHECK_MIA,
  FHS_EVAL_CHECK_SINGLING_OUT,
  FHS_EVAL_CHECK_LINKABILITY,
  FHS_EVAL_CHECK_INFERENCE,
  FHS_EVAL_N_CHECKS
};

typedef struct {
  const char *name;  /* "xgboost", "logistic regression" */
  int available;
  double acc[2], bacc[2], auc[2]; /* [0] trained on real, [1] trained on synthetic */
} fhs_eval_model;

typedef struct {
  int available;
  char reason[192]; /* why not, when not available */
  int target;       /* schema column */
  size_t n_classes, n_train_real, n_train_syn, n_test;
  fhs_eval_model model[2];
} fhs_eval_utility;

typedef struct {
  double load, fidelity, privacy_distance, privacy_anonymeter, utility, output;
} fhs_eval_timing;

typedef struct {
  fhs_schema schema;  /* owned */
  size_t n_real, n_syn, n_hold;
  int budget_known, exact;
  double epsilon, delta;
  fhs_eval_fidelity fid;
  fhs_eval_privacy priv;
  fhs_eval_utility util;
  fhs_eval_timing time;
} fhs_eval_result;

/* ---------- the parts ---------- */

int fhs_eval_fidelity_compute(const fhs_schema *schema, const fhs_eval_data *real,
                              const fhs_eval_data *syn, const fhs_eval_options *o,
                              fhs_eval_fidelity *out, fhs_error *err);
void fhs_eval_fidelity_free(fhs_eval_fidelity *f);

/* hold may be NULL (only the exact-match rate to training is then computed). */
int fhs_eval_privacy_compute(const fhs_schema *schema, const fhs_eval_data *train,
                             const fhs_eval_data *syn, const fhs_eval_data *hold,
                             const fhs_eval_options *o, fhs_eval_privacy *out,
                             fhs_eval_timing *time, fhs_error *err);
void fhs_eval_privacy_free(fhs_eval_privacy *p);

/* target: schema column (categorical). hold NULL: not available. */
int fhs_eval_utility_compute(const fhs_schema *schema, const fhs_eval_data *train,
                             const fhs_eval_data *syn, const fhs_eval_data *hold, int target,
                             const fhs_eval_options *o, fhs_eval_utility *out, fhs_error *err);

/* The utility target: the column named name, or the last categorical column when name is
 * NULL. -1 with a message when there is none or it is not categorical. */
int fhs_eval_target(const fhs_schema *schema, const char *name, int *target, fhs_error *err);

/* ---------- whole evaluation ---------- */

/* Loads the inputs, computes every metric, writes the requested outputs. out may be NULL;
 * otherwise it receives the result (free with fhs_eval_result_free). */
int fhs_eval_run(const fhs_eval_options *o, fhs_eval_result *out, fhs_error *err);
void fhs_eval_result_free(fhs_eval_result *r);

int fhs_eval_write_json(const fhs_eval_result *r, const char *path, fhs_error *err);
int fhs_eval_write_report(const fhs_eval_result *r, const char *path, fhs_error *err);

/* Reads epsilon and delta from a STATS.json or a run manifest ("epsilon"/"delta" at the top
 * level or under "privacy" or "budget"; null epsilon with "exact": true means no DP). */
int fhs_eval_read_budget(const char *path, double *epsilon, double *delta, int *exact,
                         fhs_error *err);

/* Counts of real rows as the report, METRICS.json and the summary show them: two significant
 * digits, so that none of them holds an exact row count (issue 11); synthetic counts stay exact
 * (they are public). */
static inline size_t fhs_eval_about(size_t n) {
  size_t unit = 1;
  while (n / unit >= 100) unit *= 10;
  return (n + unit / 2) / unit * unit;
}

#endif
