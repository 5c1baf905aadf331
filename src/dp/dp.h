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

/* ---------- budget ledger ---------- */

/* The ledger is a JSON file next to the encrypted dataset:
 *   {"format": "fhesynth-budget", "version": 1, "epsilon_budget": 10,
 *    "releases": [{"time": "2024-05-01T12:00:00Z", "label": "...", "epsilon": 1,
 *                  "delta": 1e-06, "rho": 0.0243}]}
 * Releases compose under zCDP: the spent budget after a release is
 * fhs_dp_epsilon_from_rho(sum of every release's rho, delta of that release). */

/* Charges one release: refuses (-1, ledger unchanged, message like
 * "keys/budget.json: this release (epsilon 2) would bring the total to 11 > budget 10") when
 * the composed total would exceed the budget; otherwise appends the release atomically (temp
 * file in the same directory, fsync, rename) under an exclusive lock on PATH.lock, so two
 * concurrent charges cannot both pass. A missing ledger is created with total_epsilon_budget;
 * an existing one keeps its recorded budget, and total_epsilon_budget must then be 0 (use
 * the recorded one) or equal to it. A corrupt ledger is an error, never reset. eps is this
 * release's own epsilon at its delta (reported and recorded), rho its zCDP cost. */
int fhs_dp_ledger_charge(const char *path, double total_epsilon_budget, double eps,
                         double delta, double rho, const char *label, fhs_error *err);

/* Reads the ledger: its budget, number of releases and summed rho. */
typedef struct {
  double epsilon_budget;
  size_t releases;
  double rho_total;
} fhs_dp_ledger_summary;

int fhs_dp_ledger_read(const char *path, fhs_dp_ledger_summary *out, fhs_error *err);

#endif
