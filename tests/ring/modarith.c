/* Scalar modular arithmetic against __int128 references, on random and edge operands. */
#include "check.h"
#include "ring_test.h"

typedef unsigned __int128 u128;

static void check_modulus_init(void) {
  fhs_modulus m;
  CHECK(fhs_modulus_init(&m, 0) == -1);
  CHECK(fhs_modulus_init(&m, 1) == -1);
  CHECK(fhs_modulus_init(&m, (uint64_t)1 << 62) == -1);
  CHECK(fhs_modulus_init(&m, ((uint64_t)1 << 62) - 57) == 0 && m.bits == 62);
  CHECK(fhs_modulus_init(&m, 2) == 0 && m.bits == 2 && m.barrett_hi == (uint64_t)1 << 63 &&
        m.barrett_lo == 0);
  CHECK(fhs_modulus_init(&m, 3) == 0);
  u128 mu = ((u128)m.barrett_hi << 64) | m.barrett_lo;
  CHECK(mu == ((u128)0 - 1) / 3); /* 3 does not divide 2^128 */
}

static void check_pair(uint64_t a, uint64_t b, const fhs_modulus *m) {
  uint64_t q = m->value;
  CHECK_MSG(fhs_mod_add(a, b, q) == (uint64_t)(((u128)a + b) % q), "add %llu %llu q=%llu",
            (unsigned long long)a, (unsigned long long)b, (unsigned long long)q);
  CHECK(fhs_mod_sub(a, b, q) == (uint64_t)(((u128)a + q - b) % q));
  CHECK(fhs_mod_neg(a, q) == (q - a) % q);
  CHECK_MSG(fhs_mod_mul(a, b, m) == ref_mul(a, b, q), "mul %llu %llu q=%llu",
            (unsigned long long)a, (unsigned long long)b, (unsigned long long)q);
  uint64_t bp = fhs_shoup_precompute(b, q);
  uint64_t lazy = fhs_mod_mul_shoup_lazy(a, b, bp, q);
  CHECK(lazy < 2 * q && lazy % q == ref_mul(a, b, q));
  CHECK(fhs_mod_mul_shoup(a, b, bp, q) == ref_mul(a, b, q));
}

static void check_modulus(uint64_t q) {
  fhs_modulus m;
  CHECK(fhs_modulus_init(&m, q) == 0);
  uint64_t edge[] = {0, 1, 2, q - 1, q - 2, q / 2, q / 2 + 1};
  for (size_t i = 0; i < 7; i++)
    for (size_t j = 0; j < 7; j++) check_pair(edge[i] % q, edge[j] % q, &m);
  for (int i = 0; i < 20000; i++) check_pair(rng_below(q), rng_below(q), &m);
  /* Shoup lazy accepts any 64-bit a (the NTT feeds it values up to 4q). */
  for (int i = 0; i < 2000; i++) {
    uint64_t a = rng_next(), w = rng_below(q);
    uint64_t r = fhs_mod_mul_shoup_lazy(a, w, fhs_shoup_precompute(w, q), q);
    CHECK(r < 2 * q && r % q == (uint64_t)((u128)a * w % q));
  }
  /* reduce128 on the full 128-bit range, including its extremes. */
  u128 big[] = {0, 1, q, (u128)q * q, ((u128)0 - 1), ((u128)0 - 1) - q, (u128)1 << 127};
  for (size_t i = 0; i < 7; i++) CHECK(fhs_mod_reduce128(big[i], &m) == (uint64_t)(big[i] % q));
  for (int i = 0; i < 20000; i++) {
    u128 x = ((u128)rng_next() << 64) | rng_next();
    CHECK(fhs_mod_reduce128(x, &m) == (uint64_t)(x % q));
  }
}

static void check_pow_inv(uint64_t q) {
  fhs_modulus m;
  fhs_modulus_init(&m, q);
  CHECK(fhs_mod_pow(0, 0, &m) == 1);
  CHECK(fhs_mod_pow(q - 1, 2, &m) == 1);
  CHECK(fhs_mod_pow(5, q - 1, &m) == 1); /* Fermat: q is prime */
  for (int i = 0; i < 300; i++) {
    uint64_t b = rng_below(q), e = rng_next();
    CHECK(fhs_mod_pow(b, e, &m) == ref_pow(b, e, q));
    uint64_t a = 1 + rng_below(q - 1);
    CHECK(fhs_mod_mul(a, fhs_mod_inv(a, &m), &m) == 1);
  }
  CHECK(fhs_mod_inv(1, &m) == 1);
  CHECK(fhs_mod_inv(q - 1, &m) == q - 1);
}

int main(void) {
  rng_seed(1);
  check_modulus_init();
  unsigned bits[] = {30, 50, 60, 61, 62};
  for (size_t i = 0; i < 5; i++) {
    uint64_t q = test_prime(bits[i], 2 * 16384);
    CHECK(q != 0);
    check_modulus(q);
    check_pow_inv(q);
  }
  /* Small and non-prime odd moduli for the plain helpers. */
  uint64_t odd[] = {3, 5, 7, 255, 65537, 1000000007, ((uint64_t)1 << 62) - 1};
  for (size_t i = 0; i < 7; i++) check_modulus(odd[i]);
  check_modulus(2);
  return check_report("test_ring_modarith");
}
