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
  const char *schema;      /* a public SCHEMA.json, used as is (the best choice); NULL = learn
                              the domain with DP from the data */
  const char *schema_out;  /* where a learnt schema goes; NULL = SCHEMA.json beside out */
  size_t bins;             /* numeric bins when learning (default 16) */
  fhs_progress_cb progress;
  void *progress_user;
  /* DP domain discovery (no schema): its zCDP budget and the probability that a label held
   * by one person is kept; 0 = the defaults (10% of the rho of epsilon 1 at delta 1e-6, and
   * 1e-7). Checked against the dataset's ledger before the data is read, charged before any
   * of its result leaves encrypt (a job refused by its work estimate spends nothing). */
  double discovery_rho;
  double discovery_delta;
  /* Learn the schema from the exact data (the old behaviour): not DP, prints a warning, and
   * the ledger records an exact release. */
  int unsafe_exact_schema;
  const char *ledger;      /* privacy ledger; NULL = the dataset's ledger in the fhesynth home */
  const char *dataset_of;  /* the file whose identity names the ledger, when input is a part of
                              it (run's training split); NULL = input */
  /* DP within-bin refinement of a given schema (its numeric columns without "sub" weights get
   * weights learnt with DP, so synthetic values sit where real ones are): its zCDP rho, 0 =
   * none. The thresholds use discovery_delta (0 = 1e-7). Charged to the ledger before the data
   * is read; the refined schema (origin "dp") goes to schema_out. Nothing is spent when no
   * column needs it. */
  double refine_rho;
  /* The work is estimated once the schema is known, before anything is charged or encrypted
   * (from the input's size and the domain): encrypting, and, when fit_ways is 1..3, fitting all
   * fit_ways-way marginals afterwards (run sets 2). Above max_minutes (0 = 60) it is refused
   * (FHS_ERR_INVALID) unless force. note, when set, gets the estimate of a job estimated at
   * 30 s or more as one line (no newline), with progress_user. */
  double max_minutes;
  int force;
  int fit_ways;
  void (*note)(void *user, const char *line);
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

/* The tight zCDP conversions (Canonne, Kamath and Steinke, as Private-PGM computes them), for
 * callers that split a budget: rho such that rho-zCDP implies (epsilon, delta)-DP, and back. */
fhs_status fhs_rho_from_epsilon(double epsilon, double delta, double *rho);
fhs_status fhs_epsilon_from_rho(double rho, double delta, double *epsilon);

/* The epsilon a release (decrypt, run, DP schema discovery) may spend. Up to 1e5 the
 * conversion above is tight (epsilon -> rho -> epsilon gives epsilon back, for every delta at
 * most 1/8192); above it the bound on the Renyi order (alpha >= 1.01) makes it loose, and near
 * epsilon 5e5 a single measurement's noise variance falls below the exact sampler's floor
 * (2^-20). From 1e-3 up, every measurement's variance stays below the sampler's ceiling
 * (2^48) for any split of the budget over up to 10^5 measurements. Outside [FHS_EPSILON_MIN, FHS_EPSILON_MAX] the
 * calls return FHS_ERR_INVALID naming the range. Ledger caps are not bounded. */
#define FHS_EPSILON_MIN 1e-3
#define FHS_EPSILON_MAX 1e5

/* ---------- encrypted statistics (STATS.fhe): server side ---------- */

typedef struct fhs_encrypted_stats fhs_encrypted_stats;

typedef struct {
  int ways;                /* 1, 2 (default) or 3 */
  const char *marginals;   /* "0,1;2,3,4": column numbers; overrides ways when not NULL */
  size_t memory_mib;       /* accumulator and cache budget (default 1024) */
  fhs_progress_cb progress;
  void *progress_user;
  double max_minutes;      /* refuse (FHS_ERR_INVALID) when the estimate exceeds it; 0 = 60 */
  int force;               /* run whatever the estimate */
} fhs_fit_options;
void fhs_fit_options_init(fhs_fit_options *o);

/* The work fit will do, from DATA.fhe's header and the marginal list alone: the counts it
 * computes on ciphertexts and an estimate of the seconds on 2 cores of this machine class
 * (measured: about 0.1 ms per count and block at ring 8192; twice that at 16384). */
fhs_status fhs_dataset_fit_estimate(const fhs_dataset *d, const fhs_fit_options *opts, uint64_t *counts,
                                    double *seconds);

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
  double epsilon;          /* > 0; required unless no_dp (or rho) */
  double delta;            /* 0 = 1e-6; at most 1 / (the padded row count) */
  int no_dp;               /* exact counts of every decrypted table, with a warning on stderr */
  const char *model;       /* release plan: "mst" (default), "independent", "all2way", ... */
  double budget;           /* ledger budget when creating it (0 = 10) */
  double rho;              /* > 0: the marginals' zCDP budget itself, instead of epsilon (for a
                              caller that composes it with other steps, as run does) */
  const char *ledger;      /* privacy ledger; NULL = the dataset's ledger in the fhesynth home */
  const char *dataset_of;  /* checked against the dataset id STATS.fhe carries (NULL =
                              verify_input, when set) */
  /* The owner's input (CSV or Parquet) the statistics were computed from, or NULL. When set,
   * every decrypted count is recounted from it (SCHEMA.json encodes it) and a result that
   * differs is refused with FHS_ERR_CORRUPT before anything is released or charged. Range and
   * consistency checks run on every result, with or without it. */
  const char *verify_input;
} fhs_decrypt_options;
void fhs_decrypt_options_init(fhs_decrypt_options *o);

/* Owner: decrypts s with keys (which must hold the secret key), releases the marginals the
 * model needs with discrete Gaussian noise, charges the dataset's privacy ledger (every
 * release, exact ones included), writes out_json. */
fhs_status fhs_encrypted_stats_decrypt(const fhs_encrypted_stats *s, const fhs_keys *keys,
                                       const char *schema, const char *out_json,
                                       const fhs_decrypt_options *opts, fhs_noisy_stats **out);
fhs_status fhs_noisy_stats_open(const char *stats_json, const char *schema, fhs_noisy_stats **out);
const char *fhs_noisy_stats_path(const fhs_noisy_stats *s);
uint64_t fhs_noisy_stats_rows(const fhs_noisy_stats *s); /* the noisy row count, rounded */
double fhs_noisy_stats_epsilon(const fhs_noisy_stats *s);  /* +inf when exact */
size_t fhs_noisy_stats_marginals(const fhs_noisy_stats *s);
/* Marginal i: its columns (names, n_cols of them) and counts (row-major, first column slowest). */
fhs_status fhs_noisy_stats_marginal(const fhs_noisy_stats *s, size_t i, size_t *n_cols,
                                    const char **names, size_t *shape, const int64_t **counts,
                                    size_t *size);
void fhs_noisy_stats_free(fhs_noisy_stats *s);

/* ---------- synthesis ---------- */

typedef struct fhs_synthesizer fhs_synthesizer;

/* Fits a model ("mst" default, "independent", "copula", "neural") to noisy statistics.
 * STATS.json records the release plan ("model") it was released for. A model that needs 2-way
 * marginals (mst, copula, neural) is refused with FHS_ERR_INVALID on statistics released for
 * another plan that hold none (plan "independent"); any other mismatch runs, and
 * fhs_synthesizer_note says what the model did with the marginals it was given. */
fhs_status fhs_synthesizer_fit(const fhs_noisy_stats *s, const char *model, fhs_synthesizer **out);
/* One line on a model fitted to statistics released for another plan (e.g. "model independent
 * uses only the 1-way marginals ..."), or NULL when the plan matches or there is nothing to say. */
const char *fhs_synthesizer_note(const fhs_synthesizer *m);
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
  double epsilon;          /* default 1: the whole release, domain discovery included */
  double delta;            /* 0 = 1e-6 */
  const char *model;       /* default "mst" */
  uint64_t rows;           /* 0 = the noisy row count of the release */
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
  const char *schema;      /* a public SCHEMA.json; NULL = learn the domain with DP, spending
                              FHS_RUN_DISCOVERY_SHARE of the budget */
  int unsafe_exact_schema; /* learn the domain from the exact data: not DP (warns, recorded) */
  const char *ledger;      /* privacy ledger; NULL = the dataset's ledger in the fhesynth home */
  int no_refine;           /* with a schema: use it as is, do not spend FHS_RUN_REFINE_SHARE of
                              the budget on within-bin weights (values uniform within bins) */
  /* NULL = run prints its stage lines on stderr itself (unless quiet). Otherwise it is called
   * with progress_user, each stage line ("run: [2/5] encrypt done (1.0 s)", no newline) and the
   * name of the stage that starts next ("encrypt", "fit", "decrypt", "synthesize", "report"),
   * so that a caller drawing a progress bar can clear it and relabel it. */
  void (*stage)(void *user, const char *line, const char *next);
  /* encrypting and fitting are estimated before any of it is spent or done (the estimate is
   * a stage line): above max_minutes (0 = 60) the run is refused unless force */
  double max_minutes;
  int force;
} fhs_run_options;
/* Share of run's zCDP budget spent on DP domain discovery when no schema is given, and the
 * share of its delta given to the label thresholds. */
#define FHS_RUN_DISCOVERY_SHARE 0.1
#define FHS_RUN_DISCOVERY_DELTA_SHARE 0.1
/* Share of run's zCDP budget spent refining a given schema's within-bin weights (unless
 * no_refine), with the same delta share for its thresholds. */
#define FHS_RUN_REFINE_SHARE 0.05
void fhs_run_options_init(fhs_run_options *o);

/* keygen (or reuse of workdir/keys), encrypt, fit, decrypt with DP (the server's result
 * recounted from the input before anything is released), synthesize into out. */
fhs_status fhs_run(const char *input, const char *out, const fhs_run_options *opts);

/* ---------- privacy budget ledger ---------- */

/* Every release of a dataset (DP marginals, DP domain discovery, exact --no-dp ones) is
 * recorded in its ledger, $FHESYNTH_HOME/ledgers/<dataset id>.json by default (the id is a
 * hash of the input keyed with the owner key, so it follows the data and reveals nothing).
 * The ledger has a cap (epsilon, delta) fixed at creation; a DP release is refused when its
 * delta exceeds the cap's or when the epoch's releases would compose (zCDP) past the cap, and
 * after an exact release until the owner resets the ledger. docs/privacy.md has the rule. */
typedef struct fhs_budget fhs_budget;

typedef struct {
  double epsilon_cap, delta_cap, rho_cap;
  double rho_spent;          /* zCDP cost of the current epoch */
  double delta_approx_spent; /* delta outside zCDP (thresholds) in the epoch */
  double epsilon_spent;      /* of rho_spent at delta_cap - delta_approx_spent; +inf if none left */
  double epsilon_left;       /* the largest epsilon (at the cap's delta) one more release can
                                have; zCDP composes sub-linearly, so it exceeds cap - spent;
                                0 when unbounded */
  int unbounded;             /* an exact release in the epoch: DP releases refused until a reset */
  const char *unbounded_since; /* its time, "" when bounded */
  size_t epoch_releases;     /* releases since the last reset */
  size_t entries;            /* every entry, resets and earlier epochs included */
} fhs_budget_summary;

typedef struct {
  const char *time;  /* UTC, "2024-05-01T12:00:00Z" */
  const char *kind;  /* "discovery", "marginals", "no-dp" or "reset" */
  const char *label;
  double epsilon, delta, rho, delta_approx; /* NAN for "no-dp" and "reset" */
  int current_epoch; /* after the last reset: counts against the cap now */
} fhs_budget_entry;

/* Opens the ledger of source: an input table (CSV or Parquet: its ledger in the fhesynth home,
 * or at ledger when not NULL), a DATA.fhe (the dataset id in its header), or a ledger file
 * itself. source may be NULL when ledger is given. FHS_ERR_IO when there is no ledger yet,
 * FHS_ERR_CORRUPT for a damaged or version-1 one, FHS_ERR_DATA for another dataset's. */
fhs_status fhs_budget_open(const char *source, const char *ledger, fhs_budget **out);
/* Creates the ledger of source (an input table or DATA.fhe) with the cap (epsilon, delta),
 * before any release; an existing ledger with the same cap is simply opened, one with another
 * cap is FHS_ERR_BUDGET. */
fhs_status fhs_budget_create(const char *source, const char *ledger, double epsilon, double delta,
                             fhs_budget **out);
const char *fhs_budget_path(const fhs_budget *b);
/* Strings in out and in entries point into b: valid until the next reset or free. */
void fhs_budget_get_summary(const fhs_budget *b, fhs_budget_summary *out);
size_t fhs_budget_entry_count(const fhs_budget *b);
fhs_status fhs_budget_get_entry(const fhs_budget *b, size_t i, fhs_budget_entry *out);
/* The summary and entries as JSON ({"ledger", "summary", "entries"}; NaN as null); *text is
 * malloc'ed: release it with fhs_free. */
fhs_status fhs_budget_json(const fhs_budget *b, char **text);
/* Appends a "reset" entry (label: why, NULL for "reset") that starts a new epoch: the budget
 * is whole again and exact releases no longer block DP ones. History is kept. b is re-read. */
fhs_status fhs_budget_reset(fhs_budget *b, const char *label);
void fhs_budget_free(fhs_budget *b);

/* ---------- writing a schema (fhesynth schema) ---------- */

/* Exactly one source: columns, domain, or input with dp or unsafe_exact.
 * - columns: a public list "COL;COL;..." where COL is NAME:TYPE:ARGS[:FLAG...]:
 *     NAME:numeric:LO:HI:K      K equal-width bins over [LO, HI]
 *     NAME:numeric:E0,E1,...    explicit edges (at least 2, increasing)
 *     NAME:datetime:LO:HI:K or NAME:datetime:E0,E1,...   ISO 8601 dates/times as edges
 *     NAME:categorical:A|B|C    labels in this order
 *   flags: "missing" (an empty field is a value), "strict" (numeric/datetime: refuse values
 *   outside the edges instead of clamping them into the end bins), "other=LABEL" (categorical:
 *   unknown labels encode as LABEL, added to the list when absent). Origin "public".
 * - domain: a Private-PGM domain file {"col": d, ...}: each column integer-coded 0..d-1 ->
 *   numeric with one bin per value (edges 0, 1, ..., d), strict. Origin "public".
 * - input + dp: DP domain discovery spending (epsilon, delta) (defaults 0.1, 1e-6), charged
 *   to the dataset's ledger before the data is read: a tenth of delta goes to the label
 *   thresholds, rho = cdp_rho(epsilon, 0.9 delta). Origin "dp".
 * - input + unsafe_exact: the exact inference (exact bounds, every label): not DP; warns on
 *   stderr and is recorded in the ledger as an exact release. Origin "exact".
 * out is written atomically. */
typedef struct {
  const char *columns;   /* public column list, or NULL */
  const char *domain;    /* Private-PGM domain file, or NULL */
  const char *input;     /* the data (CSV or Parquet), for dp / unsafe_exact */
  int dp;                /* learn the domain from input with DP */
  int unsafe_exact;      /* learn it exactly (not DP) */
  double epsilon;        /* dp budget; 0 = 0.1 */
  double delta;          /* dp delta; 0 = 1e-6 */
  size_t bins;           /* numeric bins for dp / exact; 0 = 16 */
  size_t max_categories; /* labels kept per column; 0 = 255 */
  const char *ledger;    /* privacy ledger; NULL = the dataset's ledger in the fhesynth home */
} fhs_schema_options;
void fhs_schema_options_init(fhs_schema_options *o);
fhs_status fhs_schema_make(const char *out, const fhs_schema_options *opts);

#ifdef __cplusplus
}
#endif
#endif
