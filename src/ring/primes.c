/* Primality, NTT-friendly prime generation and roots of unity. Everything here works on
 * public parameters, so it branches freely. */
#include "ring.h"

typedef unsigned __int128 u128;

/* n may reach 2^64 - 1 here, beyond fhs_modulus, so use plain 128-bit remainders. */
static uint64_t mulmod64(uint64_t a, uint64_t b, uint64_t n) {
  return (uint64_t)((u128)a * b % n);
}

static uint64_t powmod64(uint64_t b, uint64_t e, uint64_t n) {
  uint64_t r = 1 % n;
  for (b %= n; e; e >>= 1) {
    if (e & 1) r = mulmod64(r, b, n);
    b = mulmod64(b, b, n);
  }
  return r;
}

/* One Miller-Rabin round with n - 1 = d * 2^s, d odd; 1 means "probably prime". */
static int mr_round(uint64_t n, uint64_t d, unsigned s, uint64_t base) {
  uint64_t x = powmod64(base, d, n);
  if (x == 1 || x == n - 1) return 1;
  for (unsigned i = 1; i < s; i++) {
    x = mulmod64(x, x, n);
    if (x == n - 1) return 1;
  }
  return 0;
}

/* The first twelve primes as bases are a proven deterministic set for n < 3.3 * 10^24. */
int fhs_is_prime(uint64_t n) {
  static const uint64_t bases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  if (n < 2) return 0;
  for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
    if (n == bases[i]) return 1;
    if (n % bases[i] == 0) return 0;
  }
  uint64_t d = n - 1;
  unsigned s = 0;
  while ((d & 1) == 0) {
    d >>= 1;
    s++;
  }
  for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
    if (!mr_round(n, d, s, bases[i])) return 0;
  return 1;
}

static int is_excluded(uint64_t p, const uint64_t *exclude, size_t n_exclude) {
  for (size_t i = 0; i < n_exclude; i++)
    if (exclude[i] == p) return 1;
  return 0;
}

int fhs_primes_generate(unsigned bits, uint64_t m, size_t count, const uint64_t *exclude,
                        size_t n_exclude, uint64_t *out) {
  if (bits < 2 || bits > FHS_MODULUS_MAX_BITS || m == 0 || (m & (m - 1)) != 0) return -1;
  uint64_t limit = (uint64_t)1 << bits;
  if (m >= limit) return -1;
  size_t found = 0;
  /* limit is a multiple of m, so limit - m + 1 is the largest candidate = 1 mod m. */
  for (uint64_t p = limit - m + 1; found < count; p -= m) {
    if (fhs_is_prime(p) && !is_excluded(p, exclude, n_exclude)) out[found++] = p;
    if (p <= m) break; /* the next step would wrap below 1 */
  }
  return found == count ? 0 : -1;
}

/* psi = x^((q-1)/2n) has order exactly 2n iff psi^n = -1; any x that is a quadratic
 * non-residue works, and small x find one quickly. The canonical choice is then the least
 * odd power psi^k, k < 2n, which enumerates every primitive 2n-th root. */
uint64_t fhs_primitive_root_2n(uint64_t q, size_t n) {
  fhs_modulus m;
  if (n == 0 || (n & (n - 1)) != 0 || fhs_modulus_init(&m, q) != 0) return 0;
  uint64_t two_n = 2 * (uint64_t)n;
  if (q % two_n != 1 || !fhs_is_prime(q)) return 0;
  uint64_t psi = 0;
  for (uint64_t x = 2; x < q && psi == 0; x++) {
    uint64_t c = fhs_mod_pow(x, (q - 1) / two_n, &m);
    if (fhs_mod_pow(c, n, &m) == q - 1) psi = c;
  }
  if (psi == 0) return 0;
  uint64_t psi2 = fhs_mod_mul(psi, psi, &m), cur = psi, best = psi;
  for (uint64_t k = 1; k < two_n; k += 2) {
    if (cur < best) best = cur;
    cur = fhs_mod_mul(cur, psi2, &m);
  }
  return best;
}
