/* dp: differential privacy for the owner's decrypted aggregates (DESIGN section 6).
 *
 * What it is for: the owner decrypts marginal counts, adds discrete Gaussian noise here, and
 * records the release in a budget ledger before anything leaves the machine.
 *
 * What it guarantees:
 * - Sampling is exact: Bernoulli(exp(-gamma)), discrete Laplace and discrete Gaussian follow
 *   Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy" (2020),
 *   Algorithms 1-3, with integer and rational arithmetic only (no floating point touches a
 *   sample: Mironov 2012 shows how rounding in floating-point samplers leaks). Intermediate
 *   values are 64- and 128-bit integers (256-bit for one square) with overflow checks.
 * - Randomness comes from libsodium (randombytes_uniform, randombytes_buf) unless the caller
 *   passes its own source. Every function that takes `const fhs_dp_rng *rng` uses libsodium
 *   when rng is NULL; production code passes NULL. A deterministic source exists only in the
 *   tests (tests/dp), never in this library.
 * - sigma^2 given as a double is rounded UP to 24 significant bits (a dyadic rational
 *   num/2^k, fhs_dp_sigma2_from_double), so the noise actually added is never smaller than
 *   asked and the privacy cost never larger than the accountant says (relative excess of
 *   sigma^2 below 2^-23).
 * - Neighbouring datasets differ by adding or removing one row (as Private-PGM and MST):
 *   every count of one marginal table changes by at most 1 in total, so each marginal has L2
 *   sensitivity 1 (FHS_DP_MARGINAL_SENSITIVITY) and noise N_Z(0, sigma^2) costs
 *   rho = 1/(2 sigma^2) zCDP. (Under substitution it would be sqrt(2): rho doubles.)
 * - Composition is zCDP: rho adds up over measurements and over releases; the total rho is
 *   converted to (epsilon, delta) once, with the tight conversion of Canonne, Kamath and
 *   Steinke as Private-PGM/AIM compute it (cdp_delta / cdp_eps / cdp_rho).
 * - Functions return 0 or -1 with a one-line message in err (src/io/error.h); outputs are
 *   written only on success. No global mutable state.
 *
 * Layer: uses io (error type, atomic file writer); libsodium, jansson and libm. */
#ifndef FHS_DP_H
#define FHS_DP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* ---------- random source ---------- */

/* A source of uniform random bytes. bytes fills len bytes; uniform32, when not NULL, returns
 * a uniform integer in [0, upper) for upper >= 1 (libsodium's randombytes_uniform); when NULL
 * the library derives it from bytes by rejection. NULL everywhere means libsodium. */
typedef struct {
  void (*bytes)(void *state, void *out, size_t len);
  uint32_t (*uniform32)(void *state, uint32_t upper);
  void *state;
} fhs_dp_rng;

/* Uniform integer in [0, n), 1 <= n <= 2^64 - 1, by rejection from 64-bit draws (unbiased).
 * n <= 2^32 uses uniform32 (randombytes_uniform). Returns -1 if n == 0 or sodium_init fails. */
int fhs_dp_uniform_u64(const fhs_dp_rng *rng, uint64_t n, uint64_t *out, fhs_error *err);

/* ---------- exact samplers ---------- */

/* A non-negative rational num/den, den >= 1. */
typedef struct {
  uint64_t num;
  uint64_t den;
} fhs_dp_rational;

/* Range of sigma^2 the Gaussian sampler accepts: [2^-20, 2^48], i.e. sigma up to 2^24 (about
 * 1.7e7). The bounds keep every intermediate value of the sampler inside 128 bits. */
#define FHS_DP_SIGMA2_MIN (1.0 / 1048576.0)
#define FHS_DP_SIGMA2_MAX 281474976710656.0
/* Significant bits kept when sigma^2 arrives as a double (rounded up). */
#define FHS_DP_SIGMA2_BITS 24

/* Converts sigma^2 to the smallest dyadic rational num/2^k >= sigma2 with at most
 * FHS_DP_SIGMA2_BITS significant bits, reduced (num odd or k = 0). Pure bit manipulation of
 * the double: exact, no rounding other than the documented upward one. Returns -1 if sigma2
 * is not finite or outside [FHS_DP_SIGMA2_MIN, FHS_DP_SIGMA2_MAX]. */
int fhs_dp_sigma2_from_double(double sigma2, fhs_dp_rational *out, fhs_error *err);

/* One draw of Bernoulli(exp(-gamma)), gamma = num/den >= 0 (any size), den >= 1. */
int fhs_dp_sample_bernoulli_exp(const fhs_dp_rng *rng, fhs_dp_rational gamma, int *out,
                                fhs_error *err);

/* Bernoulli(exp(-num / 2^shift)) for a 128-bit numerator and shift < 64 (exponential-mechanism
 * weights with dyadic utilities). */
int fhs_dp_sample_bernoulli_exp_dyadic(const fhs_dp_rng *rng, unsigned __int128 num, unsigned shift, int *out,
                                       fhs_error *err);

/* Discrete Laplace with scale t/s (s, t >= 1): P(X = x) proportional to exp(-|x| s / t). */
int fhs_dp_sample_laplace(const fhs_dp_rng *rng, uint64_t s, uint64_t t, int64_t *out,
                          fhs_error *err);

/* Discrete Gaussian N_Z(0, sigma^2), sigma^2 = num/den exactly: P(X = x) proportional to
 * exp(-x^2 / (2 sigma^2)). sigma^2 must lie in [FHS_DP_SIGMA2_MIN, FHS_DP_SIGMA2_MAX] and
 * num, den must be below 2^63 (fhs_dp_sigma2_from_double's output always is). */
int fhs_dp_sample_gaussian(const fhs_dp_rng *rng, fhs_dp_rational sigma2, int64_t *out,
                           fhs_error *err);

/* n independent draws of N_Z(0, sigma^2) into out[0..n); checks sigma^2 once. */
int fhs_dp_sample_gaussian_many(const fhs_dp_rng *rng, fhs_dp_rational sigma2, int64_t *out,
                                size_t n, fhs_error *err);

/* ---------- noise ---------- */

/* Adds independent N_Z(0, sigma2) noise to each of counts[0..n), sigma2 rounded up as
 * fhs_dp_sigma2_from_double does. All or nothing: on failure counts is unchanged. The noise
 * is wiped from memory afterwards (knowing it would reveal the true counts). */
int fhs_dp_noise_add(const fhs_dp_rng *rng, int64_t *counts, size_t n, double sigma2,
                     fhs_error *err);

/* ---------- zCDP accounting ---------- */

/* L2 sensitivity of one marginal table under add/remove-one-row neighbours. */
#define FHS_DP_MARGINAL_SENSITIVITY 1.0

/* rho = sensitivity^2 / (2 sigma^2) for a Gaussian measurement. Returns +inf if sigma2 <= 0. */
double fhs_dp_rho_gaussian(double sensitivity, double sigma2);

/* Smallest delta such that rho-zCDP implies (eps, delta)-DP (Canonne-Kamath-Steinke, as
 * Private-PGM's cdp_delta: minimum over alpha > 1 found by bisection; any alpha is a valid
 * bound, so an imprecise search only overstates delta). Result in [0, 1]. */
double fhs_dp_cdp_delta(double rho, double eps);

/* Tight conversions (Private-PGM cdp_eps / cdp_rho; bisection on fhs_dp_cdp_delta). The
 * returned epsilon errs upward and the returned rho downward, i.e. on the safe side.
 * Return -1 for rho < 0, eps < 0, delta outside (0, 1) or non-finite input. */
int fhs_dp_epsilon_from_rho(double rho, double delta, double *eps, fhs_error *err);
int fhs_dp_rho_from_epsilon(double eps, double delta, double *rho, fhs_error *err);

/* Simple bound eps = rho + 2 sqrt(rho ln(1/delta)) and its exact inverse
 * rho = (sqrt(ln(1/delta) + eps) - sqrt(ln(1/delta)))^2. Looser: smaller rho for the same
 * eps. Same argument checks. */
int fhs_dp_epsilon_from_rho_simple(double rho, double delta, double *eps, fhs_error *err);
int fhs_dp_rho_from_epsilon_simple(double eps, double delta, double *rho, fhs_error *err);

/* Splits total rho over n marginal measurements (sensitivity 1 each): measurement i gets
 * rho_i = rho * w_i / sum(w) and sigma_out[i] = sqrt(1 / (2 rho_i)), so sum rho_i = rho.
 * weights may be NULL (equal split); otherwise every weight must be finite and > 0. */
int fhs_dp_budget_split(double rho, const double *weights, size_t n, double *sigma_out,
                        fhs_error *err);

/* ---------- domain discovery (discover.c) ---------- */

/* Thresholded noisy histogram (stability-based, as OpenDP's and SmartNoise's): a label is
 * released only when count + N_Z(0, sigma^2) >= T. A label held by exactly one row (the only
 * kind a neighbouring dataset can add or remove) then appears with probability
 * P[Z >= T - 1] <= delta. T comes from the bound P[Z >= m] <= P[N(0, sigma^2) >= m - 1]
 * (m >= 1), which holds because the discrete Gaussian's normaliser is >= sqrt(2 pi) sigma
 * and each tail term exp(-x^2 / 2 sigma^2) is below the integral of the density over
 * [x - 1, x]; so T = 1 + m with m the smallest integer >= 1 such that
 * erfc((m - 1) / (sigma sqrt 2)) / 2 <= delta (checked with a 1e-6 relative margin against
 * erfc's rounding). sigma^2 is the value the sampler really uses (rounded up as
 * fhs_dp_sigma2_from_double does): more noise means a heavier tail, so the threshold is
 * computed from it, not from the requested value. delta in (0, 1).
 * Cost: rho = 1/(2 sigma^2) zCDP for the counts, plus delta (approximate zCDP) for the
 * labels that exist in one neighbour only. */
int fhs_dp_threshold(double sigma2, double delta, int64_t *threshold, fhs_error *err);

/* Adds N_Z(0, sigma^2) to counts[0..n) in place (fhs_dp_noise_add) and sets keep[i] to 1
 * when the noisy count is >= fhs_dp_threshold(sigma2, delta), else 0. *threshold (may be
 * NULL) receives T. Only the kept labels and their noisy counts may be released. */
int fhs_dp_threshold_histogram(const fhs_dp_rng *rng, int64_t *counts, size_t n, double sigma2,
                               double delta, int64_t *threshold, unsigned char *keep,
                               fhs_error *err);

/* The exponential mechanism for the q-quantile (q = q_num/q_den) over m sorted candidate
 * values c_0 < ... < c_{m-1}: below[j] = #{x : x < c_j} (non-decreasing), n the number of
 * values. Utility u_j = -|below[j] - q n|: adding or removing one row changes below[j] by at
 * most 1 and q n by q, in the same direction, so u has sensitivity max(q, 1 - q) <= 1.
 * Candidate j is returned with probability proportional to exp(epsilon u_j / 2).
 * Sampled exactly, like the synth layer's mechanism: the utility is rounded down to a
 * multiple of 2^-10 (sensitivity stays 1), epsilon down to a multiple of 2^-20 (only cheaper),
 * and j is drawn uniformly and accepted with probability exp(-epsilon (u_max - u_j) / 2)
 * from fhs_dp_sample_bernoulli_exp (rational exponent; no floating-point exp). Each round
 * accepts with probability >= 1/m. An epsilon-DP exponential mechanism is epsilon^2/8-zCDP
 * (Cesar and Rogers 2021, bounded range): see fhs_dp_rho_expmech.
 * Limits: 1 <= m, q_den <= 2^20, q_num <= q_den, n and below[] < 2^48, 0 < epsilon <= 1024. */
int fhs_dp_quantile(const fhs_dp_rng *rng, const uint64_t *below, size_t m, uint64_t n,
                    uint64_t q_num, uint64_t q_den, double epsilon, size_t *index,
                    fhs_error *err);

/* zCDP cost of an epsilon-DP exponential mechanism, epsilon^2 / 8, and its inverse. */
double fhs_dp_rho_expmech(double epsilon);
double fhs_dp_expmech_epsilon(double rho);

/* ---------- budget ledger ---------- */

/* One JSON file per dataset (mode 0600), format version 2:
 *   {"format": "fhesynth-budget", "version": 2, "dataset": "<32 hex chars>",
 *    "cap": {"epsilon": 10, "delta": 1e-06, "rho": 1.0913},
 *    "entries": [
 *      {"time": "2024-05-01T12:00:00Z", "kind": "marginals", "label": "...", "epsilon": 1,
 *       "delta": 1e-06, "rho": 0.0243, "delta_approx": 0},
 *      {"time": "...", "kind": "no-dp", "label": "...", "epsilon": null, "delta": null,
 *       "rho": null, "delta_approx": null},
 *      {"time": "...", "kind": "reset", "label": "..."}]}
 * The cap (epsilon_cap, delta_cap) is fixed when the ledger is created; rho is
 * fhs_dp_rho_from_epsilon of it, kept so a reader sees the zCDP budget (a stored rho that does
 * not match is treated as tampering). An epoch is the run of entries after the last "reset";
 * only the current epoch counts. A DP release is accepted when
 *   - its own delta <= delta_cap (a larger delta would buy a smaller epsilon: the bypass),
 *   - no "no-dp" entry is in the epoch (an exact release has no finite cost),
 *   - with R = sum of rho and A = sum of delta_approx over the epoch plus this release,
 *     A < delta_cap and fhs_dp_epsilon_from_rho(R, delta_cap - A) <= epsilon_cap.
 * Writers hold an exclusive flock on PATH.lock (the ledger itself is replaced by rename) and
 * write atomically, so concurrent processes never compose past the cap. A corrupt, truncated
 * or version-1 file is an error and is never rewritten. */

#define FHS_DP_LEDGER_VERSION 2
#define FHS_DP_DATASET_ID_HEX 32 /* characters of a dataset id (lowercase hex) */

typedef enum {
  FHS_DP_KIND_DISCOVERY, /* DP domain discovery */
  FHS_DP_KIND_MARGINALS, /* DP noisy marginals */
  FHS_DP_KIND_NO_DP,     /* exact release: recorded, makes the epoch unbounded */
  FHS_DP_KIND_RESET      /* starts a new epoch (only written by fhs_dp_ledger_reset) */
} fhs_dp_kind;

/* "discovery", "marginals", "no-dp", "reset"; NULL for a value outside the enum. */
const char *fhs_dp_kind_name(fhs_dp_kind kind);
/* The inverse; -1 for an unknown name. */
int fhs_dp_kind_parse(const char *name, fhs_dp_kind *out);

/* One release. For FHS_DP_KIND_NO_DP only label is used (the numbers are recorded as null).
 * For DP kinds: epsilon >= 0 and delta in (0, 1) are the release's own reported guarantee,
 * rho >= 0 its zCDP cost, delta_approx in [0, 1) an additive delta outside the zCDP bound
 * (thresholded discovery; 0 otherwise). label is valid UTF-8 and not NULL. */
typedef struct {
  fhs_dp_kind kind;
  const char *label;
  double epsilon, delta;
  double rho;
  double delta_approx;
} fhs_dp_release;

/* The cap a caller asks for. A field > 0 must equal the ledger's (else refused); a field 0
 * accepts the ledger's. A ledger that does not exist yet is created with this cap, its 0
 * fields taken from dflt (NULL: both fields must then be > 0). */
typedef struct {
  double epsilon, delta;
} fhs_dp_cap;

/* Checks r against the ledger at path and appends it (kind discovery, marginals or no-dp);
 * under the lock, atomically. dataset_id (32 lowercase hex) must be the ledger's: a ledger of
 * another dataset is refused. -1 with the ledger byte for byte unchanged on refusal or error,
 * e.g. "L.json: privacy budget exceeded: spent epsilon 9.5, with this release 10.4 > cap
 * epsilon 10 (at delta 1e-06)". */
int fhs_dp_ledger_record(const char *path, const char *dataset_id, const fhs_dp_cap *cap,
                         const fhs_dp_cap *dflt, const fhs_dp_release *r, fhs_error *err);

/* Creates an empty ledger with cap (both fields > 0) under the lock, so an owner can fix the
 * budget before the first release. An existing ledger is left as it is if it has this dataset
 * and this cap, else -1 (another dataset, or "the ledger's budget cap is ..."). */
int fhs_dp_ledger_create(const char *path, const char *dataset_id, const fhs_dp_cap *cap,
                         fhs_error *err);

/* Appends a "reset" entry (label: why; NULL: "reset") that starts a new epoch: the sums and
 * the unbounded flag restart, history stays. The ledger must exist; dataset_id NULL skips the
 * dataset check. */
int fhs_dp_ledger_reset(const char *path, const char *dataset_id, const char *label,
                        fhs_error *err);

/* The current epoch of a ledger. */
typedef struct {
  char dataset_id[FHS_DP_DATASET_ID_HEX + 1];
  double epsilon_cap, delta_cap, rho_cap;
  double rho_spent, delta_approx_spent; /* sums over the epoch's DP releases */
  double epsilon_spent;   /* of rho_spent at delta_cap - delta_approx_spent (+inf if <= 0) */
  int unbounded;          /* a no-dp release in the epoch: DP releases are refused */
  char unbounded_since[32]; /* time of the first such release, "" when bounded */
  size_t epoch_releases;  /* releases (DP and no-dp) since the last reset */
  size_t entries;         /* every entry, resets and earlier epochs included */
} fhs_dp_ledger_summary;

/* One entry as read back. Numbers are NAN where the file has none (no-dp, reset). */
typedef struct {
  char time[32];
  fhs_dp_kind kind;
  char *label; /* owned; fhs_dp_ledger_entries_free releases it */
  double epsilon, delta, rho, delta_approx;
  int current_epoch; /* after the last reset: counts against the cap now */
} fhs_dp_ledger_entry;

/* Reads and validates the ledger (no lock needed: writers replace it atomically). entries
 * may be NULL (summary only); otherwise *entries (free with fhs_dp_ledger_entries_free) and
 * *n receive every entry in file order. dataset_id NULL skips the dataset check. A missing
 * file is an error ("L.json: no such file"). */
int fhs_dp_ledger_read(const char *path, const char *dataset_id, fhs_dp_ledger_summary *out,
                       fhs_dp_ledger_entry **entries, size_t *n, fhs_error *err);
void fhs_dp_ledger_entries_free(fhs_dp_ledger_entry *entries, size_t n);

#endif
