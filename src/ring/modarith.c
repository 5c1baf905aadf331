/* Word-sized modular arithmetic: modulus setup, 128-bit Barrett, powers, inverses. */
#include "ring.h"

typedef unsigned __int128 u128;

static unsigned bit_length(uint64_t x) {
  return x == 0 ? 0 : 64u - (unsigned)__builtin_clzll(x);
}

int fhs_modulus_init(fhs_modulus *m, uint64_t q) {
  if (q < 2 || q >= ((uint64_t)1 << FHS_MODULUS_MAX_BITS)) return -1;
  /* floor(2^128 / q) = floor((2^128 - 1) / q) unless q divides 2^128, i.e. q is a power
   * of two; q is then 2^k and the quotient is exact. */
  u128 mu = ((u128)0 - 1) / q;
  if ((q & (q - 1)) == 0) mu += 1;
  m->value = q;
  m->barrett_hi = (uint64_t)(mu >> 64);
  m->barrett_lo = (uint64_t)mu;
  m->bits = bit_length(q);
  return 0;
}

/* floor(x * mu / 2^128) is computed exactly from the four partial products; since
 * mu = floor(2^128/q) it undershoots x/q by less than 1, so the remainder is < 2q < 2^64 and
 * one masked subtraction finishes it. Only the low word of the quotient
 * matters because the remainder fits in a word. */
uint64_t fhs_mod_reduce128(unsigned __int128 x, const fhs_modulus *m) {
  uint64_t x0 = (uint64_t)x, x1 = (uint64_t)(x >> 64);
  uint64_t m0 = m->barrett_lo, m1 = m->barrett_hi;
  u128 p00 = (u128)x0 * m0, p01 = (u128)x0 * m1, p10 = (u128)x1 * m0;
  u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10; /* < 3 * 2^64: no overflow */
  uint64_t qhat = x1 * m1 + (uint64_t)(p01 >> 64) + (uint64_t)(p10 >> 64) + (uint64_t)(mid >> 64);
  uint64_t q = m->value;
  uint64_t r = x0 - qhat * q;
  r -= q & -(uint64_t)(r >= q);
  return r;
}

/* Square-and-multiply over all 64 exponent bits with a masked select, so the running time
 * does not depend on the exponent either. */
uint64_t fhs_mod_pow(uint64_t base, uint64_t exp, const fhs_modulus *m) {
  uint64_t result = 1 % m->value;
  uint64_t b = base % m->value;
  for (int i = 0; i < 64; i++) {
    uint64_t prod = fhs_mod_mul(result, b, m);
    uint64_t mask = -(uint64_t)((exp >> i) & 1);
    result = (prod & mask) | (result & ~mask);
    b = fhs_mod_mul(b, b, m);
  }
  return result;
}

/* Fermat for a prime modulus: a^(q-2). */
uint64_t fhs_mod_inv(uint64_t a, const fhs_modulus *m) {
  return fhs_mod_pow(a, m->value - 2, m);
}
