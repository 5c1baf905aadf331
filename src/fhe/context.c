/* Parameter sets and the validated context. See docs/engine.md for how they were chosen. */
#include <math.h>
#include <sodium.h>
#include <stdio.h>

#include "internal.h"

/* Plaintext modulus: the smallest prime above 2^32 with t = 1 mod 2^16, so it is = 1 mod 2N
 * for every supported N and any count below 2^32 is exact. */
#define FHS_PLAIN_MODULUS 4295294977ULL
#define FHS_PRIME_BITS 50 /* below 2^50: the AVX-512 IFMA kernels apply to every limb */
#define FHS_SIGMA 3.19

/* HomomorphicEncryption.org security standard (2018), table 1, 128-bit classical security,
 * ternary (uniform) secret: maximum log2 of the whole modulus Q*P. */
unsigned fhs_he_standard_max_log_q(size_t n) {
  switch (n) {
    case 1024: return 27;
    case 2048: return 54;
    case 4096: return 109;
    case 8192: return 218;
    case 16384: return 438;
    case 32768: return 881;
    default: return 0;
  }
}

uint64_t *fhs_words_alloc(size_t words) {
  if (words == 0 || words > SIZE_MAX / 8 - 8) return NULL;
  size_t bytes = (words * 8 + 63) & ~(size_t)63;
  uint64_t *p = aligned_alloc(64, bytes);
  if (p) memset(p, 0, bytes);
  return p;
}

uint64_t *fhs_words_alloc_uninit(size_t words) {
  if (words == 0 || words > SIZE_MAX / 8 - 8) return NULL;
  return aligned_alloc(64, (words * 8 + 63) & ~(size_t)63);
}

void fhs_words_free_secret(uint64_t *p, size_t words) {
  if (!p) return;
  sodium_memzero(p, words * 8);
  free(p);
}

static void build_gaussian_table(fhs_context *ctx) {
  /* |e| <= 6 sigma, as in the standard's recommendation and SEAL; P(|e| = k) = 2 rho(k)/Z. */
  int cut = (int)floor(6 * ctx->sigma);
  double rho[24], z = 0;
  for (int k = 0; k <= cut; k++) {
    rho[k] = exp(-(double)k * k / (2 * ctx->sigma * ctx->sigma));
    z += (k == 0 ? 1 : 2) * rho[k];
  }
  double cdf = 0;
  for (int k = 1; k <= cut; k++) {
    cdf += (k == 1 ? 1 : 2) * rho[k - 1] / z;
    ctx->gauss_cdt[k - 1] = (uint64_t)ldexp(cdf, 64) ; /* 2^64 * P(|e| < k) */
  }
  ctx->gauss_cdt_len = (size_t)cut;
}

static unsigned bitlen(uint64_t v) { return v ? 64 - (unsigned)__builtin_clzll(v) : 0; }

/* Slot k of the 2 x N/2 matrix is the evaluation at psi^(+-5^c), c = k mod N/2; the NTT holds
 * the evaluation at psi^(2j+1) at bit-reversed position brev(j). */
static int build_slot_map(fhs_context *ctx) {
  size_t n = ctx->n, half = n / 2;
  ctx->slot_to_ntt = malloc(n * sizeof *ctx->slot_to_ntt);
  if (!ctx->slot_to_ntt) return -1;
  uint64_t two_n = 2 * n, pow5 = 1;
  for (size_t c = 0; c < half; c++) {
    uint64_t e0 = pow5, e1 = two_n - pow5;
    uint64_t j0 = (e0 - 1) / 2, j1 = (e1 - 1) / 2, r0 = 0, r1 = 0;
    for (unsigned b = 0; b < ctx->log_n; b++) {
      r0 |= ((j0 >> b) & 1) << (ctx->log_n - 1 - b);
      r1 |= ((j1 >> b) & 1) << (ctx->log_n - 1 - b);
    }
    ctx->slot_to_ntt[c] = (uint32_t)r0;
    ctx->slot_to_ntt[half + c] = (uint32_t)r1;
    pow5 = (pow5 * 5) % two_n;
  }
  return 0;
}

static void build_constants(fhs_context *ctx) {
  size_t L = ctx->q_count;
  const fhs_modulus *P = &ctx->qp.ntt[L].mod;
  const fhs_modulus *T = &ctx->t_mod;
  for (size_t i = 0; i < L; i++) {
    const fhs_modulus *qi = &ctx->qp.ntt[i].mod;
    ctx->p_mod_q[i] = P->value % qi->value;
    ctx->p_inv_mod_q[i] = fhs_mod_inv(ctx->p_mod_q[i], qi);
    ctx->t_mod_q[i] = ctx->t % qi->value;
    ctx->t_inv_mod_ql[i] = fhs_mod_inv(ctx->t_mod_q[i], qi);
    ctx->ql_inv_mod_t[i] = fhs_mod_inv(qi->value % ctx->t, T);
    for (size_t j = 0; j < i; j++) {
      const fhs_modulus *qj = &ctx->qp.ntt[j].mod;
      ctx->ql_inv_mod_q[i][j] = fhs_mod_inv(qi->value % qj->value, qj);
    }
  }
  ctx->t_mod_q[L] = ctx->t % P->value;
  ctx->t_inv_mod_p = fhs_mod_inv(ctx->t_mod_q[L], P);
  for (size_t l = 1; l <= L; l++) {
    uint64_t Q_t = 1;
    for (size_t i = 0; i < l; i++) {
      const fhs_modulus *qi = &ctx->qp.ntt[i].mod;
      uint64_t qhat_i = 1, qhat_t = 1;
      for (size_t j = 0; j < l; j++) {
        if (j == i) continue;
        qhat_i = fhs_mod_mul(qhat_i, ctx->qp.ntt[j].mod.value % qi->value, qi);
        qhat_t = fhs_mod_mul(qhat_t, ctx->qp.ntt[j].mod.value % ctx->t, T);
      }
      ctx->qhat_inv[l - 1][i] = fhs_mod_inv(qhat_i, qi);
      ctx->qhat_mod_t[l - 1][i] = qhat_t;
      Q_t = fhs_mod_mul(Q_t, qi->value % ctx->t, T);
    }
    ctx->Q_mod_t[l - 1] = Q_t;
  }
}

/* The monomials the packing merges multiply by, X^(N/k) for k = 2, 4, ..., N, transformed once
 * here instead of at every merge. */
static int build_pack_monomials(fhs_context *ctx) {
  size_t n = ctx->n;
  for (unsigned e = 1; e <= ctx->log_n; e++) {
    uint64_t *m = fhs_words_alloc(ctx->qp_count * n);
    if (!m) return -1;
    for (size_t l = 0; l < ctx->qp_count; l++) {
      m[l * n + (n >> e)] = 1;
      fhs_ntt_forward(&ctx->qp.ntt[l], m + l * n);
    }
    ctx->pack_monomial[e] = m;
  }
  return 0;
}

static void build_hash(fhs_context *ctx) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, FHS_HASH_BYTES);
  const char tag[] = "fhesynth-bgv-params-v1";
  crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag);
  uint64_t words[4] = {ctx->n, ctx->t, ctx->q_count, (uint64_t)llround(ctx->sigma * 1000)};
  crypto_generichash_update(&st, (const uint8_t *)words, sizeof words);
  for (size_t i = 0; i < ctx->qp_count; i++) {
    uint64_t q = ctx->qp.ntt[i].mod.value;
    crypto_generichash_update(&st, (const uint8_t *)&q, sizeof q);
  }
  crypto_generichash_final(&st, ctx->hash, FHS_HASH_BYTES);
}

static fhs_context *context_build(size_t n, size_t q_count, unsigned q_bits, const char *name,
                                  fhs_error *err) {
  unsigned bound = fhs_he_standard_max_log_q(n);
  if (n < 8192 || bound == 0)
    return fhs_error_set(err, "ring degree %zu is not supported (use 8192, 16384 or 32768)", n), NULL;
  if (q_count < 1 || q_count + 1 > FHS_RNS_MAX || q_bits < 40 || q_bits > FHS_PRIME_BITS)
    return fhs_error_set(err, "impossible modulus chain: %zu primes of %u bits", q_count, q_bits), NULL;
  if (sodium_init() < 0) return fhs_error_set(err, "libsodium failed to initialise"), NULL;
  fhs_context *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return fhs_error_set(err, "out of memory"), NULL;
  ctx->n = n;
  ctx->log_n = (unsigned)__builtin_ctzll(n);
  ctx->q_count = q_count;
  ctx->qp_count = q_count + 1;
  ctx->t = FHS_PLAIN_MODULUS;
  ctx->sigma = FHS_SIGMA;
  snprintf(ctx->name, sizeof ctx->name, "%s", name);
  uint64_t primes[FHS_RNS_MAX];
  uint64_t excl = ctx->t;
  /* The special prime P is the largest; ciphertext primes follow in descending order. */
  if (fhs_primes_generate(q_bits, 2 * n, q_count + 1, &excl, 1, primes) != 0) {
    free(ctx);
    return fhs_error_set(err, "no %zu primes of %u bits for N = %zu", q_count + 1, q_bits, n), NULL;
  }
  uint64_t chain[FHS_RNS_MAX];
  for (size_t i = 0; i < q_count; i++) chain[i] = primes[i + 1];
  chain[q_count] = primes[0];
  unsigned log_qp = 0;
  double lq = 0;
  for (size_t i = 0; i <= q_count; i++) lq += log2((double)chain[i]);
  log_qp = (unsigned)ceil(lq);
  if (log_qp > bound) {
    free(ctx);
    return fhs_error_set(err, "modulus of %u bits exceeds the 128-bit security bound of %u bits for N = %zu",
                         log_qp, bound, n), NULL;
  }
  ctx->log_qp = log_qp;
  if (fhs_rns_base_init(&ctx->qp, chain, q_count + 1, n) != 0 ||
      fhs_ntt_table_init(&ctx->t_ntt, ctx->t, n) != 0 || fhs_modulus_init(&ctx->t_mod, ctx->t) != 0 ||
      build_slot_map(ctx) != 0) {
    fhs_context_free(ctx);
    return fhs_error_set(err, "failed to build NTT tables for N = %zu", n), NULL;
  }
  for (size_t l = 1; l <= q_count; l++) fhs_crt_init(&ctx->crt[l - 1], chain, l);
  build_constants(ctx);
  if (build_pack_monomials(ctx) != 0) {
    fhs_context_free(ctx);
    return fhs_error_set(err, "out of memory"), NULL;
  }
  build_gaussian_table(ctx);
  build_hash(ctx);
  (void)bitlen;
  return ctx;
}

fhs_context *fhs_context_create(size_t n, fhs_error *err) {
  /* Ciphertext chains sized for the statistics circuit (docs/engine.md has the noise budget):
   * 2-way marginals fit N = 8192; 3-way marginals need N = 16384. */
  switch (n) {
    case 8192: return context_build(n, 3, FHS_PRIME_BITS, "bgv-n8192", err);
    case 16384: return context_build(n, 4, FHS_PRIME_BITS, "bgv-n16384", err);
    case 32768: return context_build(n, 8, FHS_PRIME_BITS, "bgv-n32768", err);
    default:
      return fhs_error_set(err, "ring degree %zu is not supported (use 8192, 16384 or 32768)", n), NULL;
  }
}

fhs_context *fhs_context_create_custom(size_t n, size_t q_count, unsigned q_bits, fhs_error *err) {
  char name[32];
  snprintf(name, sizeof name, "bgv-n%zu-%zux%u", n, q_count, q_bits);
  return context_build(n, q_count, q_bits, name, err);
}

void fhs_context_free(fhs_context *ctx) {
  if (!ctx) return;
  fhs_rns_base_free(&ctx->qp);
  fhs_ntt_table_free(&ctx->t_ntt);
  free(ctx->slot_to_ntt);
  for (size_t e = 0; e < FHS_RNS_MAX; e++) free(ctx->pack_monomial[e]);
  free(ctx);
}
