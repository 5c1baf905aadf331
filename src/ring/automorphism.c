/* Galois automorphisms X -> X^g. Indices depend only on n and g (public); the sign flip is
 * a mask, so coefficient values never steer control flow. */
#include "ring.h"

void fhs_automorphism_coeff(const fhs_modulus *m, size_t n, uint64_t g, const uint64_t *a, uint64_t *out) {
  uint64_t two_n_mask = 2 * (uint64_t)n - 1, q = m->value;
  uint64_t idx = 0; /* i * g mod 2n, updated incrementally */
  g &= two_n_mask;
  for (size_t i = 0; i < n; i++) {
    uint64_t wrap = idx >= n; /* X^(j+n) = -X^j */
    uint64_t neg = fhs_mod_neg(a[i], q), mask = -wrap;
    out[idx - (n & mask)] = (neg & mask) | (a[i] & ~mask);
    idx = (idx + g) & two_n_mask;
  }
}

static size_t bit_reverse(size_t x, unsigned bits) {
  size_t r = 0;
  for (unsigned i = 0; i < bits; i++) r |= ((x >> i) & 1) << (bits - 1 - i);
  return r;
}

/* Slot k holds a(zeta^e) with e = 2*brev(k)+1; a(X^g) there equals a(zeta^(g*e)), which
 * lives in the slot k' with 2*brev(k')+1 = g*e mod 2n. */
void fhs_automorphism_ntt_index(size_t n, uint64_t g, uint32_t *perm) {
  unsigned log_n = 0;
  while (((size_t)1 << log_n) < n) log_n++;
  uint64_t two_n_mask = 2 * (uint64_t)n - 1;
  for (size_t k = 0; k < n; k++) {
    uint64_t e = 2 * (uint64_t)bit_reverse(k, log_n) + 1;
    uint64_t ge = (g * e) & two_n_mask;
    perm[k] = (uint32_t)bit_reverse((size_t)((ge - 1) / 2), log_n);
  }
}

void fhs_automorphism_ntt(size_t n, const uint32_t *perm, const uint64_t *a, uint64_t *out) {
  for (size_t k = 0; k < n; k++) out[k] = a[perm[k]];
}
