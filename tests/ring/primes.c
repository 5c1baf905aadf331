/* Primality against known primes, composites and strong pseudoprimes; prime generation;
 * primitive 2n-th roots. */
#include "check.h"
#include "ring_test.h"

static void check_is_prime(void) {
  const uint64_t primes[] = {2, 3, 5, 7, 13, 37, 41, 65537, 1000000007, 2147483647,
                             4294967291ull, ((uint64_t)1 << 61) - 1, 18446744073709551557ull,
                             0xFFFFFFFF00000001ull};
  for (size_t i = 0; i < sizeof primes / sizeof primes[0]; i++)
    CHECK_MSG(fhs_is_prime(primes[i]), "%llu is prime", (unsigned long long)primes[i]);
  /* Carmichael numbers and strong pseudoprimes to several bases. */
  const uint64_t composites[] = {0, 1, 4, 9, 15, 561, 1105, 1729, 2465, 2821, 6601, 8911,
                                 2047, 1373653, 25326001, 3215031751ull, 2152302898747ull,
                                 3474749660383ull, 341550071728321ull, 3825123056546413051ull,
                                 4294967297ull /* 641 * 6700417 */,
                                 ((uint64_t)1 << 62) - 1, 18446744073709551615ull,
                                 (uint64_t)4294967291ull * 4294967279ull};
  for (size_t i = 0; i < sizeof composites / sizeof composites[0]; i++)
    CHECK_MSG(!fhs_is_prime(composites[i]), "%llu is composite", (unsigned long long)composites[i]);
  /* Trial division agrees below 20000. */
  int agree = 1;
  for (uint64_t n = 0; n < 20000; n++) {
    int p = n >= 2;
    for (uint64_t d = 2; d * d <= n && p; d++) p = n % d != 0;
    agree &= p == fhs_is_prime(n);
  }
  CHECK(agree);
}

static int contains(const uint64_t *a, size_t n, uint64_t v) {
  for (size_t i = 0; i < n; i++)
    if (a[i] == v) return 1;
  return 0;
}

static void check_generate(unsigned bits, uint64_t m, size_t count) {
  uint64_t out[16], exclude[2];
  CHECK(count <= 16 && fhs_primes_generate(bits, m, count, NULL, 0, out) == 0);
  for (size_t i = 0; i < count; i++) {
    CHECK(fhs_is_prime(out[i]) && out[i] % m == 1 && out[i] < ((uint64_t)1 << bits));
    if (i > 0) CHECK(out[i] < out[i - 1]);
  }
  /* Nothing skipped: no prime = 1 mod m lies strictly between neighbours or above out[0]. */
  int complete = 1;
  for (uint64_t p = ((uint64_t)1 << bits) - m + 1; p > out[count - 1]; p -= m)
    complete &= !fhs_is_prime(p) || contains(out, count, p);
  CHECK(complete);
  /* Excluding the first and third shifts the list. */
  uint64_t again[16];
  exclude[0] = out[0];
  exclude[1] = out[2];
  CHECK(fhs_primes_generate(bits, m, count, exclude, 2, again) == 0);
  CHECK(again[0] == out[1] && again[1] == out[3]);
  for (size_t i = 0; i < count; i++) CHECK(again[i] != out[0] && again[i] != out[2]);
}

static void check_generate_errors(void) {
  uint64_t out[8];
  CHECK(fhs_primes_generate(10, 3, 1, NULL, 0, out) == -1);        /* m not a power of two */
  CHECK(fhs_primes_generate(10, 0, 1, NULL, 0, out) == -1);
  CHECK(fhs_primes_generate(63, 2, 1, NULL, 0, out) == -1);        /* beyond 62 bits */
  CHECK(fhs_primes_generate(8, 64, 8, NULL, 0, out) == -1);        /* only 193 = 1 mod 64 */
  CHECK(fhs_primes_generate(8, 64, 1, NULL, 0, out) == 0 && out[0] == 193);
  CHECK(fhs_primes_generate(5, 2, 4, NULL, 0, out) == 0 && out[0] == 31 && out[3] == 19);
}

static void check_root(uint64_t q, size_t n) {
  fhs_modulus m;
  fhs_modulus_init(&m, q);
  uint64_t psi = fhs_primitive_root_2n(q, n);
  CHECK(psi != 0 && fhs_mod_pow(psi, n, &m) == q - 1);
  /* Canonical: no other primitive 2n-th root (odd powers of psi) is smaller. */
  if (n <= 4096) {
    uint64_t cur = psi, sq = fhs_mod_mul(psi, psi, &m);
    int minimal = 1;
    for (size_t k = 1; k < 2 * n; k += 2, cur = fhs_mod_mul(cur, sq, &m)) minimal &= cur >= psi;
    CHECK(minimal);
  }
}

int main(void) {
  rng_seed(2);
  check_is_prime();
  check_generate(30, 2 * 4096, 8);
  check_generate(50, 2 * 16384, 8);
  check_generate(60, 2 * 32768, 5);
  check_generate(62, 2 * 65536, 4);
  check_generate(20, 16, 10);
  check_generate_errors();
  check_root(test_prime(30, 16), 8);
  check_root(test_prime(50, 2048), 1024);
  check_root(test_prime(61, 8192), 4096);
  check_root(test_prime(60, 65536), 32768);
  check_root(17, 8);
  CHECK(fhs_primitive_root_2n(17, 16) == 0);  /* 17 != 1 mod 32 */
  CHECK(fhs_primitive_root_2n(97 * 193, 8) == 0); /* not prime */
  CHECK(fhs_primitive_root_2n(17, 8) == 3);   /* 3 generates Z_17^*, order 16 */
  return check_report("test_ring_primes");
}
