/* Discrete Gaussian N_Z(0, sigma^2) for rational sigma^2 = num/den: Canonne, Kamath and
 * Steinke (2020) Algorithm 3. Draw Y from the discrete Laplace with scale t = floor(sigma)+1
 * and accept with probability exp(-(|Y| - sigma^2/t)^2 / (2 sigma^2)).
 *
 * With x = |Y| t den - num and q = 2 num den t^2 the acceptance exponent is exactly x^2 / q.
 * The range checks keep q < 2^127, so x^2 (up to 256 bits) divided by q leaves a remainder
 * that fits 128 bits; the quotient saturates at 2^64 - 1, which can only matter after 2^64
 * consecutive Bernoulli(exp(-1)) successes (probability below exp(-2^64)). */
#include "laplace.h"
#include "wide.h"

typedef struct {
  uint64_t num;    /* sigma^2 = num/den, reduced */
  uint64_t t;      /* floor(sigma) + 1 */
  fhs_dp_u128 td;  /* t * den */
  fhs_dp_u128 q;   /* 2 num den t^2 < 2^127 */
} gauss_params;

static int gauss_prepare(fhs_dp_rational s2, gauss_params *g, fhs_error *err) {
  if (s2.num == 0 || s2.den == 0 || s2.num >> 63 || s2.den >> 63)
    return fhs_error_set(err, "dp: sigma^2 = %llu/%llu: need 0 < numerator, denominator < 2^63",
                         (unsigned long long)s2.num, (unsigned long long)s2.den);
  uint64_t c = fhs_dp_gcd_u64(s2.num, s2.den);
  uint64_t num = s2.num / c, den = s2.den / c;
  /* 2^-20 <= num/den <= 2^48, compared exactly in 128 bits */
  if (((fhs_dp_u128)num << 20) < den || (fhs_dp_u128)num > ((fhs_dp_u128)den << 48))
    return fhs_error_set(err, "dp: sigma^2 = %llu/%llu is outside [2^-20, 2^48]",
                         (unsigned long long)num, (unsigned long long)den);
  uint64_t t = fhs_dp_isqrt_u64(num / den) + 1; /* floor(sqrt(num/den)) = isqrt(floor(num/den)) */
  fhs_dp_u128 q = (fhs_dp_u128)num * den * 2; /* < 2^127 */
  if (__builtin_mul_overflow(q, (fhs_dp_u128)t * t, &q) || q >> 127)
    return fhs_error_set(err, "dp: sigma^2 = %llu/%llu has too large a denominator for the "
                         "exact sampler", (unsigned long long)num, (unsigned long long)den);
  g->num = num;
  g->t = t;
  g->td = (fhs_dp_u128)t * den;
  g->q = q;
  return 0;
}

/* Splits gamma = (|y| t den - num)^2 / q into whole and remainder parts. */
static void gauss_exponent(const gauss_params *g, uint64_t ay, uint64_t *whole, fhs_dp_u128 *rem) {
  fhs_dp_u128 a;
  if (__builtin_mul_overflow((fhs_dp_u128)ay, g->td, &a)) {
    /* |y| t den >= 2^128 gives x^2 >= 2^254 > 2^127 * q: far beyond saturation */
    *whole = UINT64_MAX;
    *rem = 0;
    return;
  }
  fhs_dp_u128 x = a >= g->num ? a - g->num : g->num - a;
  fhs_dp_u256_divmod(fhs_dp_u256_mul(x, x), g->q, whole, rem);
}

static int gauss_draw(const fhs_dp_rng *r, const gauss_params *g, int64_t *out) {
  for (;;) {
    int64_t y;
    if (fhs_dp_laplace_draw(r, 1, g->t, &y) < 0) return -1;
    uint64_t ay = y < 0 ? (uint64_t)0 - (uint64_t)y : (uint64_t)y;
    uint64_t whole;
    fhs_dp_u128 rem;
    gauss_exponent(g, ay, &whole, &rem);
    if (fhs_dp_bernoulli_exp_split(r, whole, rem, g->q)) {
      *out = y;
      return 0;
    }
  }
}

int fhs_dp_sample_gaussian(const fhs_dp_rng *rng, fhs_dp_rational sigma2, int64_t *out,
                           fhs_error *err) {
  gauss_params g;
  fhs_dp_rng r;
  if (gauss_prepare(sigma2, &g, err) < 0 || fhs_dp_rng_resolve(rng, &r, err) < 0) return -1;
  if (gauss_draw(&r, &g, out) < 0)
    return fhs_error_set(err, "dp: discrete Gaussian sample overflowed 63 bits");
  return 0;
}

int fhs_dp_sample_gaussian_many(const fhs_dp_rng *rng, fhs_dp_rational sigma2, int64_t *out,
                                size_t n, fhs_error *err) {
  gauss_params g;
  fhs_dp_rng r;
  if (gauss_prepare(sigma2, &g, err) < 0 || fhs_dp_rng_resolve(rng, &r, err) < 0) return -1;
  for (size_t i = 0; i < n; i++)
    if (gauss_draw(&r, &g, &out[i]) < 0)
      return fhs_error_set(err, "dp: discrete Gaussian sample overflowed 63 bits");
  return 0;
}
