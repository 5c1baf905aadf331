/* Internal helpers of the fhe layer shared between its source files. */
#ifndef FHS_FHE_INTERNAL_H
#define FHS_FHE_INTERNAL_H

#include <stdlib.h>
#include <string.h>

#include "fhe.h"

/* 64-byte aligned, zeroed allocation of `words` 64-bit words (NULL on failure or overflow). */
uint64_t *fhs_words_alloc(size_t words);
/* The same without zeroing, for scratch that is fully written before it is read. */
uint64_t *fhs_words_alloc_uninit(size_t words);
/* A ciphertext whose storage the caller overwrites completely. */
int fhs_ciphertext_init_uninit(const fhs_context *ctx, size_t size, size_t level, fhs_ciphertext *ct);
/* Releases memory that held secret material: wiped first. */
void fhs_words_free_secret(uint64_t *p, size_t words);

/* Sampling (sample.c). All draw from libsodium. */
void fhs_random_seed(uint8_t seed[FHS_SEED_BYTES]);
/* Uniform polynomial over the first `count` primes of ctx->qp starting at limb `first`,
 * expanded from (seed, domain); written in NTT form (uniform is uniform in either form). */
void fhs_sample_uniform(const fhs_context *ctx, const uint8_t seed[FHS_SEED_BYTES], uint64_t domain,
                        const size_t *limbs, size_t count, uint64_t *out);
void fhs_sample_ternary(size_t n, int8_t *out);
/* Centered discrete Gaussian (sigma = ctx->sigma, tails cut at 6 sigma), constant time. */
void fhs_sample_gaussian(const fhs_context *ctx, int64_t *out);
/* Residues of small signed integers v[0..n) modulo the prime of table limb. */
void fhs_small_to_limb(const fhs_modulus *m, size_t n, const int64_t *v, uint64_t *out);

/* Key switching (keyswitch.c): given c (NTT form, `level` limbs over q), adds to out0/out1
 * (NTT form, level limbs) the key-switched pair whose decryption under s is c * s'. */
int fhs_keyswitch_acc(const fhs_context *ctx, const fhs_ksk *key, const uint64_t *c, size_t level,
                      uint64_t *out0, uint64_t *out1);
/* BGV division by the prime of limb `last_index` (P or q_level): x holds `level` limbs (NTT)
 * and `last` the residues modulo the prime being removed (NTT form, destroyed). Replaces x by
 * (x - delta) / prime with delta = x mod prime and delta = 0 mod t. scratch: n words. */
void fhs_divide_by_last(const fhs_context *ctx, size_t level, size_t last_index, uint64_t *last,
                        const uint64_t *last_inv_mod_q, uint64_t t_inv_mod_last, uint64_t *x,
                        uint64_t *scratch);

/* plaintext.c */
void fhs_lift_plain_limb(const fhs_context *ctx, const fhs_modulus *m, const uint64_t *coeff, uint64_t *out);

/* Seed domains: one seed never feeds two different polynomials. */
#define FHS_SEED_DOMAIN_CT 0x6374ULL

#define FHS_CHECK_ALLOC(p, err)                                     \
  do {                                                              \
    if (!(p)) return fhs_error_set((err), "out of memory");         \
  } while (0)

#endif
