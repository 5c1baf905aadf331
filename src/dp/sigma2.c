/* sigma^2 from the budget split (a double) to the exact rational the sampler uses. */
#include <math.h>

#include "dp.h"

/* Rounding up to FHS_DP_SIGMA2_BITS significant bits keeps num below 2^25 (or den = 1 with
 * num <= 2^49) and den <= 2^43, which bounds the sampler's intermediates; rounding UP means
 * the noise is never below what the accountant charged for. frexp, ldexp and ceil are exact
 * on doubles, so the result is a pure function of the input bits. */
int fhs_dp_sigma2_from_double(double sigma2, fhs_dp_rational *out, fhs_error *err) {
  if (!isfinite(sigma2) || sigma2 < FHS_DP_SIGMA2_MIN || sigma2 > FHS_DP_SIGMA2_MAX)
    return fhs_error_set(err, "dp: noise variance sigma^2 = %g is outside [%g, %g]", sigma2,
                         FHS_DP_SIGMA2_MIN, FHS_DP_SIGMA2_MAX);
  int e;
  double f = frexp(sigma2, &e); /* sigma2 = f * 2^e, f in [0.5, 1) */
  uint64_t m = (uint64_t)ceil(ldexp(f, FHS_DP_SIGMA2_BITS)); /* in [2^23, 2^24] */
  int shift = e - FHS_DP_SIGMA2_BITS;                        /* sigma2 <= m * 2^shift */
  fhs_dp_rational r;
  if (shift >= 0) {
    r.num = m << shift;
    r.den = 1;
  } else {
    r.num = m;
    r.den = (uint64_t)1 << -shift;
    while (r.den > 1 && (r.num & 1) == 0) { /* reduce: den is a power of two */
      r.num >>= 1;
      r.den >>= 1;
    }
  }
  *out = r;
  return 0;
}
