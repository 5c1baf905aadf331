/* zCDP accounting. Conversions follow Canonne, Kamath and Steinke (2020), Proposition 12 /
 * Corollary 13, as Private-PGM and AIM implement them (cdp_delta, cdp_eps, cdp_rho): rho-zCDP
 * gives (eps, delta)-DP with
 *   delta = min over alpha > 1 of exp((alpha-1)(alpha rho - eps) + alpha ln(1 - 1/alpha)) / (alpha-1).
 * Bisections run until the midpoint stops moving instead of a fixed 1000 rounds: same
 * answer (doubles converge in about 60 halvings), far less work. */
#include <math.h>

#include "dp.h"

/* Doubles stop changing long before this; the cap only guards against NaN surprises. */
#define BISECT_MAX_ROUNDS 2000

double fhs_dp_rho_gaussian(double sensitivity, double sigma2) {
  if (!(sigma2 > 0)) return INFINITY;
  return sensitivity * sensitivity / (2.0 * sigma2);
}

double fhs_dp_cdp_delta(double rho, double eps) {
  if (!(rho > 0)) return 0.0;
  /* The optimal alpha is at least (1 + eps/rho)/2; alpha >= 1.01 avoids the numerically
   * unstable region near 1 (only reached when eps <= rho, where delta is large anyway). */
  double amin = 1.01, amax = (eps + 1.0) / (2.0 * rho) + 2.0, alpha = amin;
  for (int i = 0; i < BISECT_MAX_ROUNDS; i++) {
    alpha = 0.5 * (amin + amax);
    if (alpha == amin || alpha == amax) break;
    double derivative = (2.0 * alpha - 1.0) * rho - eps + log1p(-1.0 / alpha);
    if (derivative < 0)
      amin = alpha;
    else
      amax = alpha;
  }
  /* Any alpha > 1 gives a valid bound, so an inexact minimiser only overstates delta. */
  double delta =
      exp((alpha - 1.0) * (alpha * rho - eps) + alpha * log1p(-1.0 / alpha)) / (alpha - 1.0);
  return delta < 1.0 ? delta : 1.0;
}

static int check_delta(double delta, fhs_error *err) {
  if (!(delta > 0 && delta < 1))
    return fhs_error_set(err, "dp: delta = %g is not in (0, 1)", delta);
  return 0;
}

static int check_nonneg(const char *what, double v, fhs_error *err) {
  if (!isfinite(v) || v < 0) return fhs_error_set(err, "dp: %s = %g is not a finite value >= 0", what, v);
  return 0;
}

int fhs_dp_epsilon_from_rho_simple(double rho, double delta, double *eps, fhs_error *err) {
  if (check_nonneg("rho", rho, err) < 0 || check_delta(delta, err) < 0) return -1;
  *eps = rho + 2.0 * sqrt(rho * log(1.0 / delta));
  return 0;
}

int fhs_dp_rho_from_epsilon_simple(double eps, double delta, double *rho, fhs_error *err) {
  if (check_nonneg("epsilon", eps, err) < 0 || check_delta(delta, err) < 0) return -1;
  /* eps = rho + 2 sqrt(rho L) is a quadratic in sqrt(rho): sqrt(rho) = sqrt(L + eps) - sqrt(L).
   * Written as eps / (sqrt(L + eps) + sqrt(L)) to avoid cancellation for small eps. */
  double l = log(1.0 / delta);
  double root = eps / (sqrt(l + eps) + sqrt(l));
  *rho = root * root;
  return 0;
}

int fhs_dp_epsilon_from_rho(double rho, double delta, double *eps, fhs_error *err) {
  if (check_nonneg("rho", rho, err) < 0 || check_delta(delta, err) < 0) return -1;
  if (rho == 0) {
    *eps = 0.0;
    return 0;
  }
  /* Invariant: cdp_delta(rho, lo) >= delta (or lo = 0), cdp_delta(rho, hi) <= delta; the
   * simple bound is a valid hi. Returning hi errs towards a larger epsilon. */
  double lo = 0.0, hi = rho + 2.0 * sqrt(rho * log(1.0 / delta));
  for (int i = 0; i < BISECT_MAX_ROUNDS; i++) {
    double mid = 0.5 * (lo + hi);
    if (mid == lo || mid == hi) break;
    if (fhs_dp_cdp_delta(rho, mid) <= delta)
      hi = mid;
    else
      lo = mid;
  }
  *eps = hi;
  return 0;
}

int fhs_dp_rho_from_epsilon(double eps, double delta, double *rho, fhs_error *err) {
  if (check_nonneg("epsilon", eps, err) < 0 || check_delta(delta, err) < 0) return -1;
  /* Invariant: cdp_delta(lo, eps) <= delta, cdp_delta(hi, eps) > delta. Returning lo errs
   * towards a smaller rho, i.e. more noise. */
  double lo = 0.0, hi = eps + 1.0;
  for (int i = 0; i < BISECT_MAX_ROUNDS; i++) {
    double mid = 0.5 * (lo + hi);
    if (mid == lo || mid == hi) break;
    if (fhs_dp_cdp_delta(mid, eps) <= delta)
      lo = mid;
    else
      hi = mid;
  }
  *rho = lo;
  return 0;
}

int fhs_dp_budget_split(double rho, const double *weights, size_t n, double *sigma_out,
                        fhs_error *err) {
  if (!isfinite(rho) || !(rho > 0)) return fhs_error_set(err, "dp: rho = %g is not a finite value > 0", rho);
  if (n == 0) return fhs_error_set(err, "dp: no measurements to split the budget over");
  double total = 0.0;
  for (size_t i = 0; weights && i < n; i++) {
    if (!isfinite(weights[i]) || !(weights[i] > 0))
      return fhs_error_set(err, "dp: weight %zu = %g is not a finite value > 0", i, weights[i]);
    total += weights[i];
  }
  for (size_t i = 0; i < n; i++) {
    double share = weights ? weights[i] / total : 1.0 / (double)n;
    double rho_i = rho * share;
    /* rho_i = FHS_DP_MARGINAL_SENSITIVITY^2 / (2 sigma_i^2) */
    double sigma = FHS_DP_MARGINAL_SENSITIVITY / sqrt(2.0 * rho_i);
    /* one ulp up: rounding in sqrt and division must not push rho_i above its share */
    sigma_out[i] = nextafter(sigma, INFINITY);
  }
  return 0;
}
