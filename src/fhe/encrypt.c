/* Ciphertext storage, encryption and decryption. */
#include <math.h>
#include <sodium.h>

#include "internal.h"

int fhs_ciphertext_init_uninit(const fhs_context *ctx, size_t size, size_t level, fhs_ciphertext *ct) {
  memset(ct, 0, sizeof *ct);
  if (size < 2 || size > 3 || level < 1 || level > ctx->q_count) return -1;
  ct->ctx = ctx;
  ct->size = size;
  ct->level = level;
  ct->pt_factor = 1;
  ct->data = fhs_words_alloc_uninit(size * level * ctx->n);
  return ct->data ? 0 : -1;
}

int fhs_ciphertext_init(const fhs_context *ctx, size_t size, size_t level, fhs_ciphertext *ct) {
  if (fhs_ciphertext_init_uninit(ctx, size, level, ct) != 0) return -1;
  memset(ct->data, 0, size * level * ctx->n * sizeof *ct->data);
  return 0;
}

void fhs_ciphertext_free(fhs_ciphertext *ct) {
  if (!ct) return;
  free(ct->data);
  memset(ct, 0, sizeof *ct);
}

int fhs_ciphertext_copy(const fhs_ciphertext *src, fhs_ciphertext *dst) {
  if (fhs_ciphertext_init_uninit(src->ctx, src->size, src->level, dst) != 0) return -1;
  dst->pt_factor = src->pt_factor;
  dst->seeded = src->seeded;
  memcpy(dst->seed, src->seed, FHS_SEED_BYTES);
  memcpy(dst->data, src->data, src->size * src->level * src->ctx->n * sizeof *src->data);
  return 0;
}

/* dst (limbs 0..count) = t * e + m, NTT form: the part every encryption shares. */
static int noise_plus_message(const fhs_context *ctx, const fhs_plaintext *pt, size_t count, uint64_t *dst) {
  size_t n = ctx->n;
  int64_t *e = malloc(n * sizeof *e);
  uint64_t *m = fhs_words_alloc(n);
  if (!e || !m) {
    free(e);
    free(m);
    return -1;
  }
  fhs_sample_gaussian(ctx, e);
  for (size_t i = 0; i < count; i++) {
    const fhs_ntt_table *tab = &ctx->qp.ntt[i];
    uint64_t *limb = dst + i * n;
    fhs_small_to_limb(&tab->mod, n, e, limb);
    fhs_vec_mul_scalar(&tab->mod, n, limb, ctx->t_mod_q[i], limb);
    if (pt) {
      fhs_lift_plain_limb(ctx, &tab->mod, pt->coeff, m);
      fhs_vec_add(&tab->mod, n, limb, m, limb);
    }
    fhs_ntt_forward(tab, limb);
  }
  sodium_memzero(e, n * sizeof *e);
  free(e);
  fhs_words_free_secret(m, n);
  return 0;
}

int fhs_encrypt_symmetric(const fhs_secret_key *sk, const fhs_plaintext *pt, fhs_ciphertext *ct, fhs_error *err) {
  const fhs_context *ctx = sk->ctx;
  size_t n = ctx->n, L = ctx->q_count;
  if (fhs_ciphertext_init(ctx, 2, L, ct) != 0) return fhs_error_set(err, "out of memory");
  size_t limbs[FHS_RNS_MAX];
  for (size_t i = 0; i < L; i++) limbs[i] = i;
  ct->seeded = 1;
  fhs_random_seed(ct->seed);
  uint64_t *c0 = fhs_ct_poly(ct, 0), *c1 = fhs_ct_poly(ct, 1);
  fhs_sample_uniform(ctx, ct->seed, FHS_SEED_DOMAIN_CT, limbs, L, c1);
  uint64_t *as = fhs_words_alloc(n);
  if (!as || noise_plus_message(ctx, pt, L, c0) != 0) {
    free(as);
    fhs_ciphertext_free(ct);
    return fhs_error_set(err, "out of memory");
  }
  for (size_t i = 0; i < L; i++) {
    const fhs_modulus *m = &ctx->qp.ntt[i].mod;
    fhs_vec_mul(m, n, c1 + i * n, sk->s + i * n, as);
    fhs_vec_sub(m, n, c0 + i * n, as, c0 + i * n);
  }
  fhs_words_free_secret(as, n);
  return 0;
}

int fhs_encrypt_public(const fhs_public_key *pk, const fhs_plaintext *pt, fhs_ciphertext *ct, fhs_error *err) {
  const fhs_context *ctx = pk->ctx;
  size_t n = ctx->n, L = ctx->q_count;
  if (fhs_ciphertext_init(ctx, 2, L, ct) != 0) return fhs_error_set(err, "out of memory");
  int8_t *u8 = malloc(n);
  int64_t *u = malloc(n * sizeof *u);
  uint64_t *ul = fhs_words_alloc(n);
  uint64_t *c0 = fhs_ct_poly(ct, 0), *c1 = fhs_ct_poly(ct, 1);
  int rc = (u8 && u && ul) ? 0 : -1;
  if (rc == 0) rc = noise_plus_message(ctx, pt, L, c0);
  if (rc == 0) rc = noise_plus_message(ctx, NULL, L, c1);
  if (rc == 0) {
    fhs_sample_ternary(n, u8);
    for (size_t i = 0; i < n; i++) u[i] = u8[i];
    for (size_t i = 0; i < L; i++) {
      const fhs_ntt_table *tab = &ctx->qp.ntt[i];
      fhs_small_to_limb(&tab->mod, n, u, ul);
      fhs_ntt_forward(tab, ul);
      fhs_vec_mul_add(&tab->mod, n, pk->b + i * n, ul, c0 + i * n);
      fhs_vec_mul_add(&tab->mod, n, pk->a + i * n, ul, c1 + i * n);
    }
  }
  if (u8) sodium_memzero(u8, n);
  if (u) sodium_memzero(u, n * sizeof *u);
  free(u8);
  free(u);
  fhs_words_free_secret(ul, n);
  if (rc != 0) {
    fhs_ciphertext_free(ct);
    return fhs_error_set(err, "out of memory");
  }
  return 0;
}

/* x = c0 + c1 s (+ c2 s^2) in coefficient form over the ciphertext's limbs. */
static int decrypt_core(const fhs_secret_key *sk, const fhs_ciphertext *ct, uint64_t *x) {
  const fhs_context *ctx = sk->ctx;
  size_t n = ctx->n;
  uint64_t *s2 = NULL;
  if (ct->size == 3) {
    s2 = fhs_words_alloc(n);
    if (!s2) return -1;
  }
  for (size_t i = 0; i < ct->level; i++) {
    const fhs_ntt_table *tab = &ctx->qp.ntt[i];
    const uint64_t *s = sk->s + i * n;
    uint64_t *xi = x + i * n;
    memcpy(xi, fhs_ct_poly(ct, 0) + i * n, n * sizeof *xi);
    fhs_vec_mul_add(&tab->mod, n, fhs_ct_poly(ct, 1) + i * n, s, xi);
    if (s2) {
      fhs_vec_mul(&tab->mod, n, s, s, s2);
      fhs_vec_mul_add(&tab->mod, n, fhs_ct_poly(ct, 2) + i * n, s2, xi);
    }
    fhs_ntt_inverse(tab, xi);
  }
  fhs_words_free_secret(s2, n);
  return 0;
}

int fhs_decrypt(const fhs_secret_key *sk, const fhs_ciphertext *ct, fhs_plaintext *pt, fhs_error *err) {
  const fhs_context *ctx = sk->ctx;
  if (ct->ctx != ctx) return fhs_error_set(err, "ciphertext and key belong to different parameter sets");
  size_t n = ctx->n, l = ct->level;
  uint64_t *x = fhs_words_alloc(l * n);
  FHS_CHECK_ALLOC(x, err);
  if (decrypt_core(sk, ct, x) != 0) {
    free(x);
    return fhs_error_set(err, "out of memory");
  }
  const fhs_modulus *T = &ctx->t_mod;
  uint64_t inv_factor = fhs_mod_inv(ct->pt_factor, T);
  /* [x]_Q mod t = sum_i y_i (Q/q_i) - v Q with y_i = x_i (Q/q_i)^-1 mod q_i and
   * v = round(sum_i y_i / q_i): the rounding picks the centered representative. The y_i are
   * computed limb by limb with the vector kernel, then combined per coefficient. */
  double inv_q[FHS_RNS_MAX];
  for (size_t i = 0; i < l; i++) {
    const fhs_modulus *qi = &ctx->qp.ntt[i].mod;
    fhs_vec_mul_scalar(qi, n, x + i * n, ctx->qhat_inv[l - 1][i], x + i * n);
    inv_q[i] = 1.0 / (double)qi->value;
  }
  uint64_t q_t = ctx->Q_mod_t[l - 1];
  for (size_t k = 0; k < n; k++) {
    double frac = 0.5;
    unsigned __int128 acc = 0;
    for (size_t i = 0; i < l; i++) {
      uint64_t y = x[i * n + k];
      frac += (double)y * inv_q[i];
      acc += (unsigned __int128)y * ctx->qhat_mod_t[l - 1][i];
    }
    uint64_t v = (uint64_t)frac;
    /* v <= l, so adding (t - v) Q keeps the sum non-negative */
    acc += (unsigned __int128)(ctx->t - v) * q_t;
    uint64_t r = fhs_mod_reduce128(acc, T);
    pt->coeff[k] = fhs_mod_mul(r, inv_factor, T);
  }
  fhs_words_free_secret(x, l * n);
  return 0;
}

double fhs_noise_budget(const fhs_secret_key *sk, const fhs_ciphertext *ct) {
  const fhs_context *ctx = sk->ctx;
  size_t n = ctx->n, l = ct->level;
  uint64_t *x = fhs_words_alloc(l * n);
  if (!x || decrypt_core(sk, ct, x) != 0) {
    free(x);
    return 0;
  }
  const fhs_crt *crt = &ctx->crt[l - 1];
  unsigned max_bits = 0;
  for (size_t k = 0; k < n; k++) {
    fhs_big a;
    int neg;
    fhs_crt_reconstruct_centered(crt, x + k, n, &a, &neg);
    unsigned b = fhs_big_bits(&a);
    if (b > max_bits) max_bits = b;
  }
  fhs_words_free_secret(x, l * n);
  double budget = (double)crt->Q_bits - 1.0 - (double)max_bits;
  return budget > 0 ? budget : 0;
}
