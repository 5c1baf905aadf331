/* Internal pieces of the public API layer: handle layouts and error recording. */
#ifndef FHS_API_INTERNAL_H
#define FHS_API_INTERNAL_H

#include "datafile.h"
#include "encode.h"
#include "fhe.h"
#include "fhesynth.h"
#include "stats.h"
#include "synth.h"

struct fhs_keys {
  char *dir;         /* NULL for an evaluation key opened alone */
  char *eval_path;
  fhs_context *ctx;
  int has_secret;
  fhs_secret_key sk;
  int has_eval;
  fhs_eval_key ek;
};

struct fhs_dataset {
  char *path;
  fhs_data_reader *reader;
};

struct fhs_encrypted_stats {
  char *path;
  fhs_stats_info info;
};

struct fhs_noisy_stats {
  char *path, *schema_path;
  fhs_schema schema;
  fhs_marginal_set set;
};

struct fhs_synthesizer {
  char *stats_path, *schema_path;
  fhs_schema schema;     /* the model points into it */
  fhs_marginal_set set;
  fhs_synth_model *model;
  char *model_name;
  char note[512]; /* fhs_synthesizer_note: "" = nothing to say */
};

/* Records the message for fhs_last_error and returns the status. */
fhs_status api_fail(fhs_status s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Maps a lower layer's message to a status (keys, corruption, I/O, budget, else data). */
fhs_status api_fail_err(const fhs_error *err);
/* Input file readable? Output's directory writable? (FHS_ERR_IO when not.) */
fhs_status api_check_input(const char *path);
fhs_status api_check_output(const char *path);
char *api_strdup(const char *s);
/* A whole regular file; the error names it. */
int api_read_file(const char *path, uint8_t **buf, size_t *len, fhs_error *err);
/* fhs_evaluate with a budget the caller knows (NaN: unknown). */
fhs_status api_evaluate(const char *real, const char *synthetic, const fhs_evaluate_options *opts, double epsilon,
                        double delta, char **summary);
/* Loads the evaluation key of an owner key directory on first use. */
fhs_status api_keys_need_eval(fhs_keys *k);

/* ---------- privacy ledger (src/api/ledger.c) ---------- */

/* Defaults for every entry point (DESIGN section 6): a release's delta, and the cap of a new
 * ledger. Never functions of the data. */
#define FHS_DEFAULT_DELTA 1e-6
#define FHS_DEFAULT_BUDGET_EPSILON 10.0
#define FHS_DATASET_ID_BYTES FHS_DATASET_ID_LEN

/* One release, as the ledger records it. */
typedef struct {
  const char *kind;      /* "discovery", "marginals", "no-dp" */
  const char *label;     /* what was released, for the owner */
  double epsilon, delta; /* this release's own guarantee (reported) */
  double rho;            /* zCDP cost (ignored when no_dp) */
  double delta_approx;   /* delta outside the zCDP bound (thresholding), 0 when none */
  int no_dp;             /* exact release: the ledger becomes unbounded */
} api_release;

/* The dataset id of an input file: keyed BLAKE2b-128 of its bytes under the owner key (created
 * 0600 on first use in the fhesynth home). Never published: it is a secret-keyed value. */
fhs_status api_dataset_id(const char *input, uint8_t id[FHS_DATASET_ID_BYTES]);
/* The ledger path for a dataset: override when not NULL, else <home>/ledgers/<hex id>.json
 * (directories created 0700). *path is malloc'ed. */
fhs_status api_ledger_path(const uint8_t id[FHS_DATASET_ID_BYTES], const char *override, char **path);
/* Charges r to the ledger at path, under its lock. A missing ledger is created with the cap
 * (cap_epsilon, cap_delta); 0 means the defaults (FHS_DEFAULT_BUDGET_EPSILON,
 * FHS_DEFAULT_DELTA). FHS_ERR_BUDGET when refused; nothing is recorded then. */
fhs_status api_ledger_charge(const char *path, const uint8_t id[FHS_DATASET_ID_BYTES], double cap_epsilon,
                             double cap_delta, const api_release *r);

/* Would a release of (rho, delta, delta_approx) fit in the ledger at path now? FHS_OK, or
 * FHS_ERR_BUDGET with the ledger's message. For a caller about to spend in several steps (run),
 * so that a release that cannot finish spends nothing; the charges themselves still decide. */
fhs_status api_ledger_precheck(const char *path, const uint8_t id[FHS_DATASET_ID_BYTES], double rho, double delta,
                               double delta_approx);

/* The default zCDP budget of a DP domain discovery whose label thresholds use delta_thr. */
double api_discovery_default_rho(double delta_thr);

#endif
