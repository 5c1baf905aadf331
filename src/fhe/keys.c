/* Key generation. The secret key is ternary; every key-switching key hides P * s' under an
 * RLWE sample whose error is scaled by t (BGV), with its uniform half expanded from a seed. */
#include <sodium.h>

#include "internal.h"

static size_t poly_words(const fhs_context *ctx, size_t limbs) { return limbs * ctx->n; }

int fhs_secret_key_generate(const fhs_context *ctx, fhs_secret_key *sk, fhs_error *err) {
  memset(sk, 0, sizeof *sk);
  sk->ctx = ctx;
  size_t n = ctx->n;
  sk->s = fhs_words_alloc(poly_words(ctx, ctx->qp_count));
  sk->s_coeff = malloc(n);
  int64_t *tmp = malloc(n * sizeof *tmp);
  if (!sk->s || !sk->s_coeff || !tmp) {
    free(tmp);
    fhs_secret_key_free(sk);
    return fhs_error_set(err, "out of memory");
  }
  randombytes_buf(sk->key_id, sizeof sk->key_id);
  fhs_sample_ternary(n, sk->s_coeff);
  for (size_t i = 0; i < n; i++) tmp[i] = sk->s_coeff[i];
  for (size_t l = 0; l < ctx->qp_count; l++) {
    uint64_t *limb = sk->s + l * n;
    fhs_small_to_limb(&ctx->qp.ntt[l].mod, n, tmp, limb);
    fhs_ntt_forward(&ctx->qp.ntt[l], limb);
  }
  sodium_memzero(tmp, n * sizeof *tmp);
  free(tmp);
  return 0;
}

void fhs_secret_key_free(fhs_secret_key *sk) {
  if (!sk) return;
  if (sk->ctx) {
    fhs_words_free_secret(sk->s, poly_words(sk->ctx, sk->ctx->qp_count));
    if (sk->s_coeff) sodium_memzero(sk->s_coeff, sk->ctx->n);
  }
  free(sk->s_coeff);
  memset(sk, 0, sizeof *sk);
}

/* out (limbs listed) = t * e in NTT form, e fresh Gaussian. */
static int sample_scaled_error(const fhs_context *ctx, const size_t *limbs, size_t count, uint64_t *out) {
  size_t n = ctx->n;
  int64_t *e = malloc(n * sizeof *e);
  if (!e) return -1;
  fhs_sample_gaussian(ctx, e);
  for (size_t l = 0; l < count; l++) {
    const fhs_ntt_table *tab = &ctx->qp.ntt[limbs[l]];
    uint64_t *dst = out + l * n;
    fhs_small_to_limb(&tab->mod, n, e, dst);
    fhs_vec_mul_scalar(&tab->mod, n, dst, ctx->t_mod_q[limbs[l]], dst);
    fhs_ntt_forward(tab, dst);
  }
  sodium_memzero(e, n * sizeof *e);
  free(e);
  return 0;
}

int fhs_public_key_generate(const fhs_secret_key *sk, fhs_public_key *pk, fhs_error *err) {
  const fhs_context *ctx = sk->ctx;
  size_t n = ctx->n, L = ctx->q_count;
  memset(pk, 0, sizeof *pk);
  pk->ctx = ctx;
  memcpy(pk->key_id, sk->key_id, sizeof pk->key_id);
  pk->a = fhs_words_alloc(L * n);
  pk->b = fhs_words_alloc(L * n);
  size_t limbs[FHS_RNS_MAX];
  for (size_t i = 0; i < L; i++) limbs[i] = i;
  if (!pk->a || !pk->b || sample_scaled_error(ctx, limbs, L, pk->b) != 0) {
    fhs_public_key_free(pk);
    return fhs_error_set(err, "out of memory");
  }
  fhs_random_seed(pk->seed);
  fhs_sample_uniform(ctx, pk->seed, 0x706b, limbs, L, pk->a);
  for (size_t i = 0; i < L; i++) {
    const fhs_modulus *m = &ctx->qp.ntt[i].mod;
    uint64_t *b = pk->b + i * n;
    uint64_t *as = fhs_words_alloc(n);
    if (!as) {
      fhs_public_key_free(pk);
      return fhs_error_set(err, "out of memory");
    }
    fhs_vec_mul(m, n, pk->a + i * n, sk->s + i * n, as);
    fhs_vec_sub(m, n, b, as, b); /* b = t e - a s */
    fhs_words_free_secret(as, n);
  }
  return 0;
}

void fhs_public_key_free(fhs_public_key *pk) {
  if (!pk) return;
  free(pk->a);
  free(pk->b);
  memset(pk, 0, sizeof *pk);
}

static void ksk_free(fhs_ksk *k, size_t words) {
  /* b_i hides P s' only as an RLWE sample: public, but wipe anyway as key material. */
  fhs_words_free_secret(k->b, words);
  free(k->a);
  k->a = k->b = NULL;
}

/* s_prime: NTT form over all qp limbs. */
static int ksk_generate(const fhs_secret_key *sk, const uint64_t *s_prime, fhs_ksk *k) {
  const fhs_context *ctx = sk->ctx;
  size_t n = ctx->n, L = ctx->q_count, QP = ctx->qp_count;
  size_t words = L * QP * n;
  k->a = fhs_words_alloc(words);
  k->b = fhs_words_alloc(words);
  uint64_t *tmp = fhs_words_alloc(n);
  if (!k->a || !k->b || !tmp) {
    free(tmp);
    ksk_free(k, words);
    return -1;
  }
  size_t limbs[FHS_RNS_MAX];
  for (size_t j = 0; j < QP; j++) limbs[j] = j;
  fhs_random_seed(k->seed);
  for (size_t i = 0; i < L; i++) {
    uint64_t *a = k->a + i * QP * n, *b = k->b + i * QP * n;
    fhs_sample_uniform(ctx, k->seed, 0x6b736b00 + i, limbs, QP, a);
    if (sample_scaled_error(ctx, limbs, QP, b) != 0) {
      free(tmp);
      ksk_free(k, words);
      return -1;
    }
    for (size_t j = 0; j < QP; j++) {
      const fhs_modulus *m = &ctx->qp.ntt[j].mod;
      fhs_vec_mul(m, n, a + j * n, sk->s + j * n, tmp);
      fhs_vec_sub(m, n, b + j * n, tmp, b + j * n);
    }
    /* digit i carries P * s' in limb i only: sum_i [c]_{q_i} b_i = P c s' + noise mod QP */
    const fhs_modulus *qi = &ctx->qp.ntt[i].mod;
    fhs_vec_mul_scalar(qi, n, s_prime + i * n, ctx->p_mod_q[i], tmp);
    fhs_vec_add(qi, n, b + i * n, tmp, b + i * n);
  }
  fhs_words_free_secret(tmp, n);
  return 0;
}

uint64_t fhs_galois_elt_rotate(const fhs_context *ctx, long steps) {
  uint64_t two_n = 2 * ctx->n, half = ctx->n / 2;
  long s = steps % (long)half;
  if (s < 0) s += (long)half;
  uint64_t g = 1;
  for (long i = 0; i < s; i++) g = (g * 5) % two_n;
  return g;
}

uint64_t fhs_galois_elt_row_swap(const fhs_context *ctx) { return 2 * ctx->n - 1; }

uint64_t fhs_galois_elt_pack(const fhs_context *ctx, unsigned k) {
  return ((1ULL << k) + 1) % (2 * ctx->n);
}

int fhs_eval_key_generate(const fhs_secret_key *sk, int relin, const uint64_t *galois_elts,
                          size_t galois_count, fhs_eval_key *ek, fhs_error *err) {
  const fhs_context *ctx = sk->ctx;
  size_t n = ctx->n, QP = ctx->qp_count;
  memset(ek, 0, sizeof *ek);
  ek->ctx = ctx;
  memcpy(ek->key_id, sk->key_id, sizeof ek->key_id);
  if (galois_count > FHS_MAX_GALOIS) return fhs_error_set(err, "too many Galois keys (%zu)", galois_count);
  uint64_t *sp = fhs_words_alloc(QP * n);
  FHS_CHECK_ALLOC(sp, err);
  int rc = 0;
  if (relin) {
    for (size_t j = 0; j < QP; j++)
      fhs_vec_mul(&ctx->qp.ntt[j].mod, n, sk->s + j * n, sk->s + j * n, sp + j * n);
    rc = ksk_generate(sk, sp, &ek->relin);
    ek->has_relin = rc == 0;
  }
  for (size_t g = 0; rc == 0 && g < galois_count; g++) {
    uint64_t elt = galois_elts[g];
    if ((elt & 1) == 0 || elt >= 2 * n) {
      rc = -1;
      fhs_error_set(err, "Galois element %llu is not odd and below 2N", (unsigned long long)elt);
      break;
    }
    ek->galois_perm[g] = malloc(n * sizeof(uint32_t));
    if (!ek->galois_perm[g]) { rc = -1; break; }
    fhs_automorphism_ntt_index(n, elt, ek->galois_perm[g]);
    for (size_t j = 0; j < QP; j++)
      fhs_automorphism_ntt(n, ek->galois_perm[g], sk->s + j * n, sp + j * n);
    ek->galois_elt[g] = elt;
    rc = ksk_generate(sk, sp, &ek->galois[g]);
    if (rc == 0) ek->galois_count = g + 1;
    else free(ek->galois_perm[g]), ek->galois_perm[g] = NULL;
  }
  fhs_words_free_secret(sp, QP * n);
  if (rc != 0) {
    fhs_eval_key_free(ek);
    if (err && err->msg[0] == '\0') fhs_error_set(err, "out of memory");
    return -1;
  }
  return 0;
}

void fhs_eval_key_free(fhs_eval_key *ek) {
  if (!ek || !ek->ctx) return;
  size_t words = ek->ctx->q_count * ek->ctx->qp_count * ek->ctx->n;
  if (ek->has_relin) ksk_free(&ek->relin, words);
  for (size_t g = 0; g < ek->galois_count; g++) {
    ksk_free(&ek->galois[g], words);
    free(ek->galois_perm[g]);
  }
  memset(ek, 0, sizeof *ek);
}

const fhs_ksk *fhs_eval_key_galois(const fhs_eval_key *ek, uint64_t galois_elt) {
  for (size_t g = 0; g < ek->galois_count; g++)
    if (ek->galois_elt[g] == galois_elt) return &ek->galois[g];
  return NULL;
}
