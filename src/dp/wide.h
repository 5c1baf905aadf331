/* Internal: the few wide-integer operations the exact Gaussian sampler needs. */
#ifndef FHS_DP_WIDE_H
#define FHS_DP_WIDE_H

#include <stdint.h>

#include "dp_internal.h"

typedef struct {
  fhs_dp_u128 hi, lo;
} fhs_dp_u256;

uint64_t fhs_dp_gcd_u64(uint64_t a, uint64_t b);
/* floor(sqrt(v)) */
uint64_t fhs_dp_isqrt_u64(uint64_t v);
/* Full 256-bit product. */
fhs_dp_u256 fhs_dp_u256_mul(fhs_dp_u128 a, fhs_dp_u128 b);
/* n = quotient * d + rem for 1 <= d < 2^127; *quotient saturates at UINT64_MAX (callers only
 * use it as a count of Bernoulli(exp(-1)) trials, see gaussian.c). */
void fhs_dp_u256_divmod(fhs_dp_u256 n, fhs_dp_u128 d, uint64_t *quotient, fhs_dp_u128 *rem);

#endif
