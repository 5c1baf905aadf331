/* Internal helpers shared by the dp sources: a resolved random source (never NULL) and the
 * integer primitives the exact samplers are built from. Not part of the public API. */
#ifndef FHS_DP_INTERNAL_H
#define FHS_DP_INTERNAL_H

#include <stdint.h>

#include "dp.h"

typedef unsigned __int128 fhs_dp_u128;

/* Copies rng into out, or fills out with the libsodium source (after sodium_init) when rng is
 * NULL. Fails only if libsodium cannot initialise or rng has no byte function. */
int fhs_dp_rng_resolve(const fhs_dp_rng *rng, fhs_dp_rng *out, fhs_error *err);

/* Uniform integers in [0, n) from a resolved source; n >= 1. Unbiased (rejection). */
uint32_t fhs_dp_draw_u32(const fhs_dp_rng *r, uint32_t n);
uint64_t fhs_dp_draw_u64(const fhs_dp_rng *r, uint64_t n);
fhs_dp_u128 fhs_dp_draw_u128(const fhs_dp_rng *r, fhs_dp_u128 n);

/* Bernoulli(num/den) for den >= 1 (num > den counts as 1). */
int fhs_dp_bernoulli_ratio(const fhs_dp_rng *r, fhs_dp_u128 num, fhs_dp_u128 den);
/* Bernoulli(exp(-(whole + num/den))) for num <= den, den >= 1 (CKS Algorithm 1). */
int fhs_dp_bernoulli_exp_split(const fhs_dp_rng *r, uint64_t whole, fhs_dp_u128 num,
                               fhs_dp_u128 den);

#endif
