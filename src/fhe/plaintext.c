/* Plaintexts: batch encoding through the NTT modulo t, and lifting to the ciphertext primes. */
#include <sodium.h>

#include "internal.h"

int fhs_plaintext_init(const fhs_context *ctx, fhs_plaintext *pt) {
  pt->ctx = ctx;
  pt->coeff = fhs_words_alloc(ctx->n);
  return pt->coeff ? 0 : -1;
}

void fhs_plaintext_free(fhs_plaintext *pt) {
  if (!pt || !pt->ctx) return;
  /* plaintexts are the owner's data: wipe */
  fhs_words_free_secret(pt->coeff, pt->ctx->n);
  pt->coeff = NULL;
}

void fhs_batch_encode(const fhs_context *ctx, const uint64_t *values, size_t count, fhs_plaintext *pt) {
  size_t n = ctx->n;
  if (count > n) count = n;
  memset(pt->coeff, 0, n * sizeof *pt->coeff);
  for (size_t k = 0; k < count; k++) pt->coeff[ctx->slot_to_ntt[k]] = values[k] % ctx->t;
  fhs_ntt_inverse(&ctx->t_ntt, pt->coeff);
}

void fhs_batch_decode(const fhs_context *ctx, const fhs_plaintext *pt, uint64_t *values) {
  size_t n = ctx->n;
  uint64_t *tmp = fhs_words_alloc(n);
  if (!tmp) {
    memset(values, 0, n * sizeof *values);
    return;
  }
  memcpy(tmp, pt->coeff, n * sizeof *tmp);
  fhs_ntt_forward(&ctx->t_ntt, tmp);
  for (size_t k = 0; k < n; k++) values[k] = tmp[ctx->slot_to_ntt[k]];
  fhs_words_free_secret(tmp, n);
}

/* Centered lift of m in [0, t) to limb modulus q: m when m <= t/2, else m - t + q. */
void fhs_lift_plain_limb(const fhs_context *ctx, const fhs_modulus *m, const uint64_t *coeff, uint64_t *out) {
  /* every ciphertext prime exceeds t (context invariant), so v < q needs no reduction */
  uint64_t t = ctx->t, half = t / 2;
  for (size_t i = 0; i < ctx->n; i++) {
    uint64_t v = coeff[i];
    uint64_t big = -(uint64_t)(v > half);
    /* v - t mod q = v + (q - t), chosen without a branch */
    out[i] = fhs_mod_add(v, (m->value - t) & big, m->value);
  }
}

int fhs_plaintext_ntt_init(const fhs_plaintext *pt, size_t level, fhs_plaintext_ntt *out) {
  const fhs_context *ctx = pt->ctx;
  out->ctx = ctx;
  out->level = level;
  out->data = fhs_words_alloc(level * ctx->n);
  if (!out->data) return -1;
  for (size_t i = 0; i < level; i++) {
    uint64_t *limb = out->data + i * ctx->n;
    fhs_lift_plain_limb(ctx, &ctx->qp.ntt[i].mod, pt->coeff, limb);
    fhs_ntt_forward(&ctx->qp.ntt[i], limb);
  }
  return 0;
}

void fhs_plaintext_ntt_free(fhs_plaintext_ntt *p) {
  if (!p || !p->ctx) return;
  fhs_words_free_secret(p->data, p->level * p->ctx->n);
  p->data = NULL;
}
