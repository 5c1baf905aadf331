/* Key switching (hybrid, one special prime P, one digit per ciphertext prime), relinearization,
 * Galois automorphisms and modulus switching. Key switching dominates the statistics' cost:
 * its limbs are processed in parallel and its scratch is allocated once per call. */
#include <omp.h>

#include "internal.h"

/* Every prime of a context lies in (2^(b-1), 2^b) for one b (context invariant), so a
 * residue of one prime is reduced modulo another by at most one subtraction. */
static void reduce_once(uint64_t q, size_t n, const uint64_t *a, uint64_t *out) {
  for (size_t k = 0; k < n; k++) {
    uint64_t v = a[k];
    out[k] = v - (q & -(uint64_t)(v >= q));
  }
}

void fhs_divide_by_last(const fhs_context *ctx, size_t level, size_t last_index, uint64_t *last,
                        const uint64_t *last_inv_mod_q, uint64_t t_inv_mod_last, uint64_t *x,
                        uint64_t *scratch) {
  size_t n = ctx->n;
  const fhs_ntt_table *lt = &ctx->qp.ntt[last_index];
  /* u = [x_last * t^-1]_p in [0, p); delta = t u satisfies delta = x mod p and delta = 0 mod t,
   * so (x - delta) / p is exact and keeps the message modulo t. (Not centering u costs one
   * bit of noise and saves a pass.) */
  fhs_ntt_inverse(lt, last);
  fhs_vec_mul_scalar(&lt->mod, n, last, t_inv_mod_last, last);
  for (size_t i = 0; i < level; i++) {
    const fhs_ntt_table *tab = &ctx->qp.ntt[i];
    const fhs_modulus *m = &tab->mod;
    reduce_once(m->value, n, last, scratch);
    fhs_ntt_forward(tab, scratch);
    uint64_t *xi = x + i * n;
    /* (x - t u) p^-1 = x p^-1 - u (t p^-1) */
    uint64_t t_over_p = fhs_mod_mul(ctx->t % m->value, last_inv_mod_q[i], m);
    fhs_vec_mul_scalar(m, n, scratch, t_over_p, scratch);
    fhs_vec_mul_scalar(m, n, xi, last_inv_mod_q[i], xi);
    fhs_vec_sub(m, n, xi, scratch, xi);
  }
}

/* One target limb j (a ciphertext prime, or P when j == level) of the key-switch inner
 * product: acc_j = sum_i digit_i * key_i. */
static void keyswitch_limb(const fhs_context *ctx, const fhs_ksk *key, const uint64_t *c_ntt,
                           const uint64_t *c_coeff, size_t level, size_t j, uint64_t *acc0,
                           uint64_t *acc1, uint64_t *digit) {
  size_t n = ctx->n, QP = ctx->qp_count;
  size_t key_limb = j == level ? ctx->q_count : j;
  const fhs_ntt_table *tab = &ctx->qp.ntt[key_limb];
  memset(acc0, 0, n * sizeof *acc0);
  memset(acc1, 0, n * sizeof *acc1);
  for (size_t i = 0; i < level; i++) {
    const uint64_t *d;
    if (i == j) {
      d = c_ntt + i * n; /* the digit's own limb is already in NTT form */
    } else {
      reduce_once(tab->mod.value, n, c_coeff + i * n, digit);
      fhs_ntt_forward(tab, digit);
      d = digit;
    }
    const uint64_t *kb = key->b + (i * QP + key_limb) * n;
    const uint64_t *ka = key->a + (i * QP + key_limb) * n;
    fhs_vec_mul_add(&tab->mod, n, d, kb, acc0);
    fhs_vec_mul_add(&tab->mod, n, d, ka, acc1);
  }
}

int fhs_keyswitch_acc(const fhs_context *ctx, const fhs_ksk *key, const uint64_t *c, size_t level,
                      uint64_t *out0, uint64_t *out1) {
  size_t n = ctx->n;
  size_t limbs = level + 1;
  /* scratch: coefficient copy of c, two accumulators over level+1 limbs, per-limb digit buffers */
  uint64_t *buf = fhs_words_alloc_uninit(n * (level + 2 * limbs + limbs));
  if (!buf) return -1;
  uint64_t *c_coeff = buf, *acc0 = c_coeff + level * n, *acc1 = acc0 + limbs * n;
  uint64_t *digits = acc1 + limbs * n;
  memcpy(c_coeff, c, level * n * sizeof *c);
  /* Threads pay off only on big switches: a barrier costs a scheduler time slice whenever a
   * core is busy elsewhere, so small ones (the statistics' many N = 8192 switches, which are
   * parallel across cells instead) stay on one thread. */
  int par = n * limbs >= 4 * 16384 && !omp_in_parallel();
#pragma omp parallel for schedule(static) if (par)
  for (size_t i = 0; i < level; i++) fhs_ntt_inverse(&ctx->qp.ntt[i], c_coeff + i * n);
#pragma omp parallel for schedule(static) if (par)
  for (size_t j = 0; j < limbs; j++)
    keyswitch_limb(ctx, key, c, c_coeff, level, j, acc0 + j * n, acc1 + j * n, digits + j * n);
  size_t P = ctx->q_count;
  fhs_divide_by_last(ctx, level, P, acc0 + level * n, ctx->p_inv_mod_q, ctx->t_inv_mod_p, acc0, digits);
  fhs_divide_by_last(ctx, level, P, acc1 + level * n, ctx->p_inv_mod_q, ctx->t_inv_mod_p, acc1,
                     digits + n);
  for (size_t i = 0; i < level; i++) {
    const fhs_modulus *m = &ctx->qp.ntt[i].mod;
    fhs_vec_add(m, n, out0 + i * n, acc0 + i * n, out0 + i * n);
    fhs_vec_add(m, n, out1 + i * n, acc1 + i * n, out1 + i * n);
  }
  free(buf);
  return 0;
}

int fhs_relinearize(const fhs_eval_key *ek, fhs_ciphertext *ct, fhs_error *err) {
  const fhs_context *ctx = ct->ctx;
  if (ek->ctx != ctx) return fhs_error_set(err, "evaluation key belongs to another parameter set");
  if (!ek->has_relin) return fhs_error_set(err, "evaluation key has no relinearization key");
  if (ct->size == 2) return 0;
  if (fhs_keyswitch_acc(ctx, &ek->relin, fhs_ct_poly(ct, 2), ct->level, fhs_ct_poly(ct, 0),
                        fhs_ct_poly(ct, 1)) != 0)
    return fhs_error_set(err, "out of memory");
  ct->size = 2; /* the third component's storage stays allocated until free */
  return 0;
}

int fhs_apply_galois(const fhs_eval_key *ek, const fhs_ciphertext *ct, uint64_t galois_elt,
                     fhs_ciphertext *out, fhs_error *err) {
  const fhs_context *ctx = ct->ctx;
  if (ek->ctx != ctx) return fhs_error_set(err, "evaluation key belongs to another parameter set");
  if (ct->size != 2) return fhs_error_set(err, "relinearize before applying an automorphism");
  if (out == ct) return fhs_error_set(err, "automorphism output must differ from its input");
  size_t g = 0;
  while (g < ek->galois_count && ek->galois_elt[g] != galois_elt) g++;
  if (g == ek->galois_count)
    return fhs_error_set(err, "evaluation key has no Galois key for element %llu", (unsigned long long)galois_elt);
  size_t n = ctx->n, level = ct->level;
  fhs_ciphertext_free(out);
  if (fhs_ciphertext_init_uninit(ctx, 2, level, out) != 0) return fhs_error_set(err, "out of memory");
  out->pt_factor = ct->pt_factor;
  memset(fhs_ct_poly(out, 1), 0, level * n * sizeof *out->data); /* key switching adds into it */
  const uint32_t *perm = ek->galois_perm[g];
  uint64_t *c1 = fhs_words_alloc_uninit(level * n);
  FHS_CHECK_ALLOC(c1, err);
  for (size_t i = 0; i < level; i++) {
    fhs_automorphism_ntt(n, perm, fhs_ct_poly(ct, 0) + i * n, fhs_ct_poly(out, 0) + i * n);
    fhs_automorphism_ntt(n, perm, fhs_ct_poly(ct, 1) + i * n, c1 + i * n);
  }
  /* (tau c0, tau c1) decrypts under tau(s); switch the c1 part back to s */
  int rc = fhs_keyswitch_acc(ctx, &ek->galois[g], c1, level, fhs_ct_poly(out, 0), fhs_ct_poly(out, 1));
  free(c1);
  return rc == 0 ? 0 : fhs_error_set(err, "out of memory");
}

int fhs_rotate(const fhs_eval_key *ek, const fhs_ciphertext *ct, long steps, fhs_ciphertext *out, fhs_error *err) {
  return fhs_apply_galois(ek, ct, fhs_galois_elt_rotate(ct->ctx, steps), out, err);
}

int fhs_mod_switch(fhs_ciphertext *ct, fhs_error *err) {
  const fhs_context *ctx = ct->ctx;
  if (ct->level < 2) return fhs_error_set(err, "ciphertext is at the last level: no prime left to drop");
  size_t n = ctx->n, l = ct->level - 1;
  uint64_t *scratch = fhs_words_alloc(n);
  FHS_CHECK_ALLOC(scratch, err);
  /* Divide every component by q_l in place, then repack the components at the lower level. */
  for (size_t c = 0; c < ct->size; c++) {
    uint64_t *poly = ct->data + c * ct->level * n;
    fhs_divide_by_last(ctx, l, l, poly + l * n, ctx->ql_inv_mod_q[l], ctx->t_inv_mod_ql[l], poly, scratch);
  }
  for (size_t c = 1; c < ct->size; c++)
    memmove(ct->data + c * l * n, ct->data + c * ct->level * n, l * n * sizeof *ct->data);
  free(scratch);
  ct->level = l;
  ct->seeded = 0;
  /* the message is now m * q_l^-1 mod t */
  ct->pt_factor = fhs_mod_mul(ct->pt_factor, ctx->ql_inv_mod_t[l], &ctx->t_mod);
  return 0;
}
