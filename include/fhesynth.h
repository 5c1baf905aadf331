/* fhesynth: learn a table's distribution while it stays homomorphically encrypted, and
 * generate synthetic data from noisy (differentially private) statistics.
 *
 * The public C API of libfhesynth. The command-line tool and the Python package are thin
 * layers over it.
 *
 * Conventions:
 * - Every function that can fail returns an fhs_status. On failure, fhs_last_error() gives a
 *   one-line message naming the file and the problem. The message is thread-local and valid
 *   until the next failing call on the same thread.
 * - Handles are opaque. Each one comes from a *_generate, *_open or producing call and is
 *   released by its matching *_free, which accepts NULL.
 * - There is no global state to set up and no init function. Every call is safe from any
 *   thread on distinct handles. Long calls may run OpenMP threads and report progress through
 *   the callback in their options.
 * - Outputs are written to a temporary file and renamed: a failed call leaves no partial file,
 *   and an existing file of the same name is untouched.
 * - Options structs may be NULL (defaults). Initialise them with their *_init function, so
 *   fields added later get their defaults.
 *
 * Roles (DESIGN section 2): the owner holds the keys and the data; the server holds only the
 * evaluation key and runs fhs_dataset_fit. fhs_keys_open_eval refuses any file holding a
 * secret key. */
#ifndef FHESYNTH_H
#define FHESYNTH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FHESYNTH_VERSION_MAJOR 0
#define FHESYNTH_VERSION_MINOR 1
#define FHESYNTH_VERSION_PATCH 0

typedef enum {
  FHS_OK = 0,
  FHS_ERR_INVALID = 1,  /* an argument or option is not acceptable (usage error) */
  FHS_ERR_IO = 2,       /* a file is missing, unreadable or unwritable */
  FHS_ERR_DATA = 3,     /* bad input data: malformed table, value outside the schema, mismatch */
  FHS_ERR_KEY = 4,      /* wrong key, wrong passphrase, or a secret key given to the server */
  FHS_ERR_CORRUPT = 5,  /* a truncated, modified or other-parameter fhesynth file */
  FHS_ERR_BUDGET = 6,   /* the release would exceed the privacy budget */
  FHS_ERR_NOMEM = 7,
  FHS_ERR_INTERNAL = 8
} fhs_status;

const char *fhs_version(void);
const char *fhs_last_error(void);
const char *fhs_status_name(fhs_status s);

/* Progress of long work: done out of total units (total may grow). */
typedef void (*fhs_progress_cb)(void *user, uint64_t done, uint64_t total);

/* ---------- keys ---------- */

typedef struct fhs_keys fhs_keys;

typedef struct {
  size_t ring_degree;          /* 8192 (default: 1- and 2-way), 16384 (3-way), 32768 */
  const char *passphrase_file; /* seal secret.key with Argon2id + XChaCha20-Poly1305; NULL = no */
  int force;                   /* replace an existing key directory's keys */
} fhs_keygen_options;
void fhs_keygen_options_init(fhs_keygen_options *o);

/* Owner: writes dir/secret.key (0600), dir/public.key and dir/eval.key. */
fhs_status fhs_keys_generate(const char *dir, const fhs_keygen_options *opts, fhs_keys **out);
/* Owner: opens a key directory (passphrase_file for a protected secret key, else NULL). */
fhs_status fhs_keys_open(const char *dir, const char *passphrase_file, fhs_keys **out);
/* Server: opens an evaluation key file; refuses a secret key. */
fhs_status fhs_keys_open_eval(const char *eval_key_path, fhs_keys **out);
const char *fhs_keys_dir(const fhs_keys *k);          /* NULL for an evaluation key */
const char *fhs_keys_eval_path(const fhs_keys *k);
int fhs_keys_has_secret(const fhs_keys *k);
size_t fhs_keys_ring_degree(const fhs_keys *k);
void fhs_keys_free(fhs_keys *k);

/* ---------- encrypted dataset (DATA.fhe) ---------- */

typedef struct fhs_dataset fhs_dataset;

typedef struct {
  const char *schema;      /* use this SCHEMA.json as is; NULL = infer one */
  const char *schema_out;  /* where an inferred schema goes; NULL = SCHEMA.json beside out */
  size_t bins;             /* numeric bins when inferring (default 16) */
  fhs_progress_cb progress;
  void *progress_user;
} fhs_encrypt_options;
void fhs_encrypt_options_init(fhs_encrypt_options *o);

/* Owner: encrypts a CSV or Parquet table into out (DATA.fhe). out_ds may be NULL. */
fhs_status fhs_dataset_encrypt(const char *input, const fhs_keys *keys, const char *out,
                               const fhs_encrypt_options *opts, fhs_dataset **out_ds);
fhs_status fhs_dataset_open(const char *path, fhs_dataset **out);
const char *fhs_dataset_path(const fhs_dataset *d);
uint64_t fhs_dataset_rows_padded(const fhs_dataset *d);
size_t fhs_dataset_columns(const fhs_dataset *d);
size_t fhs_dataset_domain_size(const fhs_dataset *d, size_t column);
void fhs_dataset_free(fhs_dataset *d);

/* ---------- encrypted statistics (STATS.fhe): server side ---------- */

typedef struct fhs_encrypted_stats fhs_encrypted_stats;

typedef struct {
  int ways;                /* 1, 2 (default) or 3 */
  const char *marginals;   /* "0,1;2,3,4": column numbers; overrides ways when not NULL */
  size_t memory_mib;       /* accumulator and cache budget (default 1024) */
  fhs_progress_cb progress;
  void *progress_user;
} fhs_fit_options;
void fhs_fit_options_init(fhs_fit_options *o);

/* Server: computes marginal counts on the ciphertexts into out (STATS.fhe). eval_keys may
 * hold a secret key too (the owner running fit locally); out_stats may be NULL. */
fhs_status fhs_dataset_fit(const fhs_dataset *d, const fhs_keys *eval_keys, const char *out,
                           const fhs_fit_options *opts, fhs_encrypted_stats **out_stats);
fhs_status fhs_encrypted_stats_open(const char *path, fhs_encrypted_stats **out);
const char *fhs_encrypted_stats_path(const fhs_encrypted_stats *s);
size_t fhs_encrypted_stats_marginals(const fhs_encrypted_stats *s);
void fhs_encrypted_stats_free(fhs_encrypted_stats *s);

/* ---------- noisy statistics (STATS.json): owner side ---------- */

typedef struct fhs_noisy_stats fhs_noisy_stats;

typedef struct {
  double epsilon;          /* > 0; required unless no_dp */
  double delta;            /* 0 = min(1e-6, 1/rows^2) */
  int no_dp;               /* exact counts of every decrypted table, with a warning on stderr */
  const char *model;       /* release plan: "mst" (default), "independent", "all2way", ... */
  double budget;           /* ledger budget when creating it (0 = 10) */
} fhs_decrypt_options;
void fhs_decrypt_options_init(fhs_decrypt_options *o);

/* Owner: decrypts s with keys (which must hold the secret key), releases the marginals the
 * model needs with discrete Gaussian noise, charges keys' budget ledger, writes out_json. */
fhs_status fhs_encrypted_stats_decrypt(const fhs_encrypted_stats *s, const fhs_keys *keys,
                                       const char *schema, const char *out_json,
                                       const fhs_decrypt_options *opts, fhs_noisy_stats **out);
fhs_status fhs_noisy_stats_open(const char *stats_json, const char *schema, fhs_noisy_stats **out);
const char *fhs_noisy_stats_path(const fhs_noisy_stats *s);
uint64_t fhs_noisy_stats_rows(const fhs_noisy_stats *s);
double fhs_noisy_stats_epsilon(const fhs_noisy_stats *s);  /* +inf when exact */
size_t fhs_noisy_stats_marginals(const fhs_noisy_stats *s);
/* Marginal i: its columns (names, n_cols of them) and counts (row-major, first column slowest). */
fhs_status fhs_noisy_stats_marginal(const fhs_noisy_stats *s, size_t i, size_t *n_cols,
                                    const char **names, size_t *shape, const int64_t **counts,
                                    size_t *size);
void fhs_noisy_stats_free(fhs_noisy_stats *s);

/* ---------- synthesis ---------- */

typedef struct fhs_synthesizer fhs_synthesizer;

/* Fits a model ("mst" default, "independent", "copula", "neural") to noisy statistics. */
fhs_status fhs_synthesizer_fit(const fhs_noisy_stats *s, const char *model, fhs_synthesizer **out);
/* Samples rows into out (.csv, .parquet, .jsonl) and writes out.manifest.json beside it. */
fhs_status fhs_synthesizer_sample(const fhs_synthesizer *m, uint64_t rows, uint64_t seed, const char *out);
const char *fhs_synthesizer_model(const fhs_synthesizer *m);
/* A fresh random seed (libsodium), for callers that want a new sample each time. */
uint64_t fhs_seed_random(void);
void fhs_synthesizer_free(fhs_synthesizer *m);

/* ---------- evaluation ---------- */

typedef struct {
  const char *holdout;      /* real rows the synthesizer never saw; NULL: no utility, fewer privacy metrics */
  const char *schema;       /* NULL: inferred from the real data with `bins` bins */
  const char *stats;        /* STATS.json or a run manifest, for the privacy budget spent; NULL */
  const char *target;       /* utility target column; NULL: the last categorical column */
  const char *report;       /* self-contained HTML report to write; NULL for none */
  const char *metrics_json; /* METRICS.json to write; NULL for none */
  uint64_t seed;            /* default 1 */
  size_t bins;              /* default 16 */
  size_t attacks;           /* Anonymeter attacks per evaluator (default 500) */
} fhs_evaluate_options;
void fhs_evaluate_options_init(fhs_evaluate_options *o);

/* Fidelity, utility and privacy of synthetic rows against the real rows they were learnt from
 * (CSV or Parquet; docs/metrics.md defines every number). summary, when not NULL, receives a
 * plain-text summary (release it with fhs_free). */
fhs_status fhs_evaluate(const char *real, const char *synthetic, const fhs_evaluate_options *opts, char **summary);

/* ---------- inspection ---------- */

/* What an fhesynth file is (kind, version, parameters, sizes) as "key: value" lines; never
 * secrets. *text is malloc'ed: release it with fhs_free. */
fhs_status fhs_inspect(const char *path, char **text);
void fhs_free(void *p);

/* ---------- the whole pipeline ---------- */

typedef struct {
  double epsilon;          /* default 1 */
  double delta;            /* 0 = default */
  const char *model;       /* default "mst" */
  uint64_t rows;           /* 0 = the input's row count */
  uint64_t seed;
  int have_seed;           /* 0 = draw a random seed (recorded in the manifest) */
  const char *workdir;     /* NULL = OUT.work */
  size_t ring_degree;      /* default 8192 */
  size_t bins;             /* default 16 */
  const char *report;      /* HTML report path, or NULL */
  double holdout_fraction; /* kept out of training for the report (default 0.2) */
  int quiet;               /* no stage lines on stderr */
  fhs_progress_cb progress;
  void *progress_user;
} fhs_run_options;
void fhs_run_options_init(fhs_run_options *o);

/* keygen (or reuse of workdir/keys), encrypt, fit, decrypt with DP, synthesize into out. */
fhs_status fhs_run(const char *input, const char *out, const fhs_run_options *opts);

#ifdef __cplusplus
}
#endif
#endif
