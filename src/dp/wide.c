/* Wide-integer helpers: exact, branch on public values only (sizes and sampler outputs are
 * not secret once drawn; the caller only ever releases their sum with the true count). */
#include "wide.h"

uint64_t fhs_dp_gcd_u64(uint64_t a, uint64_t b) {
  while (b) {
    uint64_t c = a % b;
    a = b;
    b = c;
  }
  return a;
}

/* Digit by digit in base 4: integers only, exact for every 64-bit input. */
uint64_t fhs_dp_isqrt_u64(uint64_t v) {
  uint64_t root = 0, bit = (uint64_t)1 << 62;
  while (bit > v) bit >>= 2;
  while (bit) {
    if (v >= root + bit) {
      v -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  return root;
}

fhs_dp_u256 fhs_dp_u256_mul(fhs_dp_u128 a, fhs_dp_u128 b) {
  uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64);
  uint64_t b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
  fhs_dp_u128 p00 = (fhs_dp_u128)a0 * b0, p01 = (fhs_dp_u128)a0 * b1;
  fhs_dp_u128 p10 = (fhs_dp_u128)a1 * b0, p11 = (fhs_dp_u128)a1 * b1;
  fhs_dp_u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10; /* < 3 * 2^64 */
  fhs_dp_u256 out;
  out.lo = (mid << 64) | (uint64_t)p00;
  out.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
  return out;
}

void fhs_dp_u256_divmod(fhs_dp_u256 n, fhs_dp_u128 d, uint64_t *quotient, fhs_dp_u128 *rem) {
  if (n.hi == 0) {
    fhs_dp_u128 qt = n.lo / d;
    *quotient = qt > UINT64_MAX ? UINT64_MAX : (uint64_t)qt;
    *rem = n.lo % d;
    return;
  }
  /* Schoolbook binary division: r < d < 2^127, so 2r + 1 never overflows. */
  fhs_dp_u128 r = 0, qt = 0;
  int saturated = 0;
  for (int i = 255; i >= 0; i--) {
    fhs_dp_u128 word = i >= 128 ? n.hi : n.lo;
    r = (r << 1) | ((word >> (i & 127)) & 1);
    if (qt >> 64) saturated = 1; /* the quotient only grows from here */
    qt <<= 1;
    if (r >= d) {
      r -= d;
      qt |= 1;
    }
  }
  *quotient = saturated || (qt >> 64) ? UINT64_MAX : (uint64_t)qt;
  *rem = r;
}
