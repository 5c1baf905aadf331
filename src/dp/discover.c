/* Mechanisms for learning a domain with DP (dp.h, "domain discovery"): the threshold of a
 * stability-based histogram and the exponential mechanism for quantiles. Integer and rational
 * arithmetic wherever a sample is drawn; the threshold is a data-independent number, so libm
 * is fine there. */
#include <math.h>
#include <stdlib.h>

#include "dp.h"

typedef unsigned __int128 u128;

#define SCORE_SHIFT 10 /* utilities rounded down to multiples of 2^-10 */
#define EPS_SHIFT 20   /* epsilon rounded down to a multiple of 2^-20 */

/* P[N(0, sigma^2) >= t], the Gaussian upper tail. */
static double gauss_tail(double t, double sigma) { return 0.5 * erfc(t / (sigma * sqrt(2.0))); }

int fhs_dp_threshold(double sigma2, double delta, int64_t *threshold, fhs_error *err) {
  if (!(delta > 0 && delta < 1))
    return fhs_error_set(err, "dp: threshold delta must lie in (0, 1), got %g", delta);
  fhs_dp_rational s2;
  if (fhs_dp_sigma2_from_double(sigma2, &s2, err)) return -1;
  /* the real sigma, nudged up: a larger sigma only makes the threshold larger (safer) */
  double sigma = sqrt((double)s2.num / (double)s2.den) * (1 + 1e-12);
  double target = delta * (1 - 1e-6);
  /* bisection for z with tail(z) = target, then walk m to the exact smallest integer */
  double lo = 0, hi = 64;
  for (int i = 0; i < 200; i++) {
    double mid = 0.5 * (lo + hi);
    if (gauss_tail(mid, 1.0) > target)
      lo = mid;
    else
      hi = mid;
  }
  double m0 = ceil(hi * sigma) + 1;
  int64_t m = (int64_t)(m0 > 3 ? m0 - 2 : 1);
  while (gauss_tail((double)(m - 1), sigma) > target) m++;
  while (m > 1 && gauss_tail((double)(m - 2), sigma) <= target) m--;
  *threshold = 1 + m;
  return 0;
}

int fhs_dp_threshold_histogram(const fhs_dp_rng *rng, int64_t *counts, size_t n, double sigma2,
                               double delta, int64_t *threshold, unsigned char *keep,
                               fhs_error *err) {
  int64_t t;
  if (fhs_dp_threshold(sigma2, delta, &t, err)) return -1;
  if (fhs_dp_noise_add(rng, counts, n, sigma2, err)) return -1;
  for (size_t i = 0; i < n; i++) keep[i] = counts[i] >= t;
  if (threshold) *threshold = t;
  return 0;
}

double fhs_dp_rho_expmech(double epsilon) { return epsilon * epsilon / 8; }
double fhs_dp_expmech_epsilon(double rho) { return rho > 0 ? sqrt(8 * rho) : 0; }


/* Rounded loss ceil(2^10 |q_den below - q_num n| / q_den) = -floor(2^10 u): exact integers. */
static u128 loss(uint64_t below, uint64_t n, uint64_t q_num, uint64_t q_den) {
  u128 a = (u128)below * q_den, b = (u128)n * q_num;
  u128 d = (a > b ? a - b : b - a) << SCORE_SHIFT;
  return (d + q_den - 1) / q_den;
}

int fhs_dp_quantile(const fhs_dp_rng *rng, const uint64_t *below, size_t m, uint64_t n,
                    uint64_t q_num, uint64_t q_den, double epsilon, size_t *index,
                    fhs_error *err) {
  const uint64_t lim = (uint64_t)1 << 48;
  if (m == 0 || q_den == 0 || q_den > ((uint64_t)1 << 20) || q_num > q_den || n >= lim)
    return fhs_error_set(err, "dp: quantile: bad arguments (m %zu, q %llu/%llu, n %llu)", m,
                         (unsigned long long)q_num, (unsigned long long)q_den, (unsigned long long)n);
  if (!(epsilon > 0 && epsilon <= 1024))
    return fhs_error_set(err, "dp: quantile: epsilon must lie in (0, 1024], got %g", epsilon);
  uint64_t e = (uint64_t)floor(ldexp(epsilon, EPS_SHIFT));
  if (e == 0) return fhs_error_set(err, "dp: quantile: epsilon %g is below 2^-20", epsilon);
  u128 best = ~(u128)0;
  for (size_t j = 0; j < m; j++) {
    if (below[j] >= lim || (j && below[j] < below[j - 1]))
      return fhs_error_set(err, "dp: quantile: counts must be non-decreasing and below 2^48");
    u128 l = loss(below[j], n, q_num, q_den);
    if (l < best) best = l;
  }
  /* accept j with probability exp(-(e / 2^20) (loss_j - best) / 2^10 / 2) */
  for (;;) {
    uint64_t j;
    if (fhs_dp_uniform_u64(rng, m, &j, err)) return -1;
    u128 gap = loss(below[j], n, q_num, q_den) - best;
    int ok;
    if (fhs_dp_sample_bernoulli_exp_dyadic(rng, gap * e, EPS_SHIFT + SCORE_SHIFT + 1, &ok, err)) return -1;
    if (ok) {
      *index = (size_t)j;
      return 0;
    }
  }
}
