/* Shared helpers for the ring tests: a seeded PRNG (splitmix64) so failures reproduce, the
 * list of backends this machine can run, and __int128 reference arithmetic. */
#ifndef FHS_RING_TEST_H
#define FHS_RING_TEST_H

#include <stdint.h>
#include <stdlib.h>

#include "ring.h"

static uint64_t rng_state_ = 0x243F6A8885A308D3ull;

static inline void rng_seed(uint64_t s) { rng_state_ = s; }

static inline uint64_t rng_next(void) {
  uint64_t z = (rng_state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Uniform enough for tests; the modulo bias is irrelevant here. */
static inline uint64_t rng_below(uint64_t q) { return rng_next() % q; }

/* Random residues with the edge values 0, 1, q-1 planted at the start. */
static inline void rng_fill(uint64_t *a, size_t n, uint64_t q) {
  for (size_t i = 0; i < n; i++) a[i] = rng_below(q);
  if (n > 0) a[0] = 0;
  if (n > 1) a[1] = 1 % q;
  if (n > 2) a[2] = q - 1;
}

/* Backends to exercise: portable always, IFMA when the CPU has it. Returns the count. */
static inline size_t test_backends(fhs_backend out[2]) {
  out[0] = FHS_BACKEND_PORTABLE;
  if (!fhs_cpu_has_avx512ifma()) return 1;
  out[1] = FHS_BACKEND_AVX512_IFMA;
  return 2;
}

static inline uint64_t ref_mul(uint64_t a, uint64_t b, uint64_t q) {
  return (uint64_t)((unsigned __int128)a * b % q);
}

static inline uint64_t ref_pow(uint64_t b, uint64_t e, uint64_t q) {
  uint64_t r = 1 % q;
  for (b %= q; e; e >>= 1) {
    if (e & 1) r = ref_mul(r, b, q);
    b = ref_mul(b, b, q);
  }
  return r;
}

/* The largest prime below 2^bits that is 1 mod m (NTT-friendly), or 0. */
static inline uint64_t test_prime(unsigned bits, uint64_t m) {
  uint64_t p = 0;
  return fhs_primes_generate(bits, m, 1, NULL, 0, &p) == 0 ? p : 0;
}

static inline uint64_t *test_alloc(size_t n) {
  uint64_t *p = calloc(n ? n : 1, sizeof *p);
  if (p == NULL) abort();
  return p;
}

#endif
