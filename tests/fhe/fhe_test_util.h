/* Shared helpers for the fhe tests: a seeded PRNG for test inputs, and plaintext models. */
#ifndef FHS_FHE_TEST_UTIL_H
#define FHS_FHE_TEST_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fhe.h"

static uint64_t test_rng_state = 0x9e3779b97f4a7c15ULL;
static inline uint64_t test_rand(void) { /* splitmix64 */
  uint64_t z = (test_rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline void random_slots(const fhs_context *ctx, uint64_t *v, uint64_t bound) {
  for (size_t i = 0; i < ctx->n; i++) v[i] = bound ? test_rand() % bound : test_rand() % ctx->t;
}

static inline int encrypt_values(const fhs_secret_key *sk, const uint64_t *v, fhs_ciphertext *ct) {
  fhs_plaintext pt;
  if (fhs_plaintext_init(sk->ctx, &pt) != 0) return -1;
  fhs_batch_encode(sk->ctx, v, sk->ctx->n, &pt);
  int rc = fhs_encrypt_symmetric(sk, &pt, ct, NULL);
  fhs_plaintext_free(&pt);
  return rc;
}

/* Decrypts and decodes into v; returns 0 on success. */
static inline int decrypt_values(const fhs_secret_key *sk, const fhs_ciphertext *ct, uint64_t *v) {
  fhs_plaintext pt;
  if (fhs_plaintext_init(sk->ctx, &pt) != 0) return -1;
  int rc = fhs_decrypt(sk, ct, &pt, NULL);
  if (rc == 0) fhs_batch_decode(sk->ctx, &pt, v);
  fhs_plaintext_free(&pt);
  return rc;
}

static inline int equal_words(const uint64_t *a, const uint64_t *b, size_t n) {
  return memcmp(a, b, n * sizeof *a) == 0;
}

#endif
