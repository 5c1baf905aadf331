/* Homomorphic arithmetic that needs no evaluation key. Everything stays in NTT form. */
#include "internal.h"

static int same_shape(const fhs_ciphertext *a, const fhs_ciphertext *b, fhs_error *err) {
  if (a->ctx != b->ctx) return fhs_error_set(err, "ciphertexts belong to different parameter sets");
  if (a->level != b->level) return fhs_error_set(err, "ciphertext levels differ (%zu vs %zu)", a->level, b->level);
  if (a->pt_factor != b->pt_factor) return fhs_error_set(err, "ciphertext plaintext scales differ");
  return 0;
}

/* Makes out an unseeded ciphertext of the given shape, reusing its buffer when it fits. */
static int prepare_out(const fhs_ciphertext *like, size_t size, fhs_ciphertext *out, fhs_error *err) {
  if (out->data && out->ctx == like->ctx && out->size == size && out->level == like->level) {
    out->seeded = 0;
    out->pt_factor = like->pt_factor;
    return 0;
  }
  if (out == like) return fhs_error_set(err, "output cannot alias an input of another shape");
  fhs_ciphertext_free(out);
  if (fhs_ciphertext_init_uninit(like->ctx, size, like->level, out) != 0) return fhs_error_set(err, "out of memory");
  out->pt_factor = like->pt_factor;
  return 0;
}

typedef void (*vec_op)(const fhs_modulus *, size_t, const uint64_t *, const uint64_t *, uint64_t *);

static int binary_op(const fhs_ciphertext *a, const fhs_ciphertext *b, fhs_ciphertext *out,
                     vec_op op, fhs_error *err) {
  if (same_shape(a, b, err) != 0) return -1;
  size_t size = a->size > b->size ? a->size : b->size;
  const fhs_ciphertext *big = a->size >= b->size ? a : b;
  if (out != a && out != b && prepare_out(big, size, out, err) != 0) return -1;
  if ((out == a || out == b) && out->size != size)
    return fhs_error_set(err, "output cannot alias the smaller operand");
  const fhs_context *ctx = a->ctx;
  size_t n = ctx->n;
  out->seeded = 0;
  for (size_t c = 0; c < size; c++) {
    for (size_t i = 0; i < a->level; i++) {
      const fhs_modulus *m = &ctx->qp.ntt[i].mod;
      uint64_t *o = fhs_ct_poly(out, c) + i * n;
      const uint64_t *pa = c < a->size ? fhs_ct_poly(a, c) + i * n : NULL;
      const uint64_t *pb = c < b->size ? fhs_ct_poly(b, c) + i * n : NULL;
      if (pa && pb) op(m, n, pa, pb, o);
      else if (pa) memmove(o, pa, n * sizeof *o);
      else if (op == fhs_vec_sub) fhs_vec_neg(m, n, pb, o);
      else memmove(o, pb, n * sizeof *o);
    }
  }
  return 0;
}

int fhs_add(const fhs_ciphertext *a, const fhs_ciphertext *b, fhs_ciphertext *out, fhs_error *err) {
  return binary_op(a, b, out, fhs_vec_add, err);
}

int fhs_sub(const fhs_ciphertext *a, const fhs_ciphertext *b, fhs_ciphertext *out, fhs_error *err) {
  return binary_op(a, b, out, fhs_vec_sub, err);
}

int fhs_add_inplace(fhs_ciphertext *a, const fhs_ciphertext *b, fhs_error *err) {
  if (b->size > a->size) return fhs_error_set(err, "cannot add a larger ciphertext in place");
  return binary_op(a, b, a, fhs_vec_add, err);
}

int fhs_add_plain(const fhs_ciphertext *a, const fhs_plaintext *p, fhs_ciphertext *out, fhs_error *err) {
  const fhs_context *ctx = a->ctx;
  if (p->ctx != ctx) return fhs_error_set(err, "plaintext belongs to another parameter set");
  if (out != a) {
    if (prepare_out(a, a->size, out, err) != 0) return -1;
    memcpy(out->data, a->data, a->size * a->level * ctx->n * sizeof *a->data);
  }
  out->seeded = 0;
  size_t n = ctx->n;
  uint64_t *scaled = fhs_words_alloc(n), *limb = fhs_words_alloc(n);
  if (!scaled || !limb) {
    free(scaled);
    free(limb);
    return fhs_error_set(err, "out of memory");
  }
  /* BGV: adding m to c0 adds m to the message; scale by pt_factor to match the ciphertext */
  fhs_vec_mul_scalar(&ctx->t_mod, n, p->coeff, a->pt_factor, scaled);
  for (size_t i = 0; i < a->level; i++) {
    const fhs_ntt_table *tab = &ctx->qp.ntt[i];
    fhs_lift_plain_limb(ctx, &tab->mod, scaled, limb);
    fhs_ntt_forward(tab, limb);
    fhs_vec_add(&tab->mod, n, fhs_ct_poly(out, 0) + i * n, limb, fhs_ct_poly(out, 0) + i * n);
  }
  free(scaled);
  free(limb);
  return 0;
}

int fhs_mul_plain(const fhs_ciphertext *a, const fhs_plaintext_ntt *p, fhs_ciphertext *out, fhs_error *err) {
  const fhs_context *ctx = a->ctx;
  if (p->ctx != ctx) return fhs_error_set(err, "plaintext belongs to another parameter set");
  if (p->level < a->level) return fhs_error_set(err, "plaintext prepared for fewer primes than the ciphertext");
  if (out != a && prepare_out(a, a->size, out, err) != 0) return -1;
  out->seeded = 0;
  size_t n = ctx->n;
  for (size_t c = 0; c < a->size; c++)
    for (size_t i = 0; i < a->level; i++)
      fhs_vec_mul(&ctx->qp.ntt[i].mod, n, fhs_ct_poly(a, c) + i * n, p->data + i * n,
                  fhs_ct_poly(out, c) + i * n);
  return 0;
}

/* In NTT form X^k is the vector of its evaluations psi^((2 brev(j) + 1) k). */
int fhs_mul_monomial(const fhs_ciphertext *a, size_t k, fhs_ciphertext *out, fhs_error *err) {
  const fhs_context *ctx = a->ctx;
  size_t n = ctx->n;
  if (k >= 2 * n) return fhs_error_set(err, "monomial degree %zu out of range", k);
  if (out != a && prepare_out(a, a->size, out, err) != 0) return -1;
  out->seeded = 0;
  /* the packing shifts N / 2^e are precomputed in the context */
  const uint64_t *cached = NULL;
  if (k > 0 && k < n && (k & (k - 1)) == 0) cached = ctx->pack_monomial[ctx->log_n - (unsigned)__builtin_ctzll(k)];
  uint64_t *mono = cached ? NULL : fhs_words_alloc(n);
  if (!cached && !mono) return fhs_error_set(err, "out of memory");
  for (size_t i = 0; i < a->level; i++) {
    const fhs_ntt_table *tab = &ctx->qp.ntt[i];
    const uint64_t *mv = cached ? cached + i * n : mono;
    if (!cached) {
      memset(mono, 0, n * sizeof *mono);
      if (k < n) mono[k] = 1;
      else mono[k - n] = tab->mod.value - 1; /* X^k = -X^(k-n) */
      fhs_ntt_forward(tab, mono);
    }
    for (size_t c = 0; c < a->size; c++)
      fhs_vec_mul(&tab->mod, n, fhs_ct_poly(a, c) + i * n, mv, fhs_ct_poly(out, c) + i * n);
  }
  free(mono);
  return 0;
}

static int check_mul_operands(const fhs_ciphertext *a, const fhs_ciphertext *b, fhs_error *err) {
  if (a->ctx != b->ctx) return fhs_error_set(err, "ciphertexts belong to different parameter sets");
  if (a->level != b->level) return fhs_error_set(err, "ciphertext levels differ (%zu vs %zu)", a->level, b->level);
  if (a->size != 2 || b->size != 2) return fhs_error_set(err, "multiplication needs 2-component ciphertexts");
  return 0;
}

int fhs_mul_acc(const fhs_ciphertext *a, const fhs_ciphertext *b, fhs_ciphertext *acc, fhs_error *err) {
  if (check_mul_operands(a, b, err) != 0) return -1;
  if (acc->size != 3 || acc->level != a->level || acc->ctx != a->ctx)
    return fhs_error_set(err, "accumulator must be a 3-component ciphertext at the operands' level");
  const fhs_context *ctx = a->ctx;
  size_t n = ctx->n;
  uint64_t f = fhs_mod_mul(a->pt_factor, b->pt_factor, &ctx->t_mod);
  if (acc->pt_factor != f) return fhs_error_set(err, "accumulator plaintext scale differs from the product's");
  for (size_t i = 0; i < a->level; i++)
    fhs_vec_tensor_acc(&ctx->qp.ntt[i].mod, n, fhs_ct_poly(a, 0) + i * n, fhs_ct_poly(a, 1) + i * n,
                       fhs_ct_poly(b, 0) + i * n, fhs_ct_poly(b, 1) + i * n, fhs_ct_poly(acc, 0) + i * n,
                       fhs_ct_poly(acc, 1) + i * n, fhs_ct_poly(acc, 2) + i * n);
  return 0;
}

int fhs_mul(const fhs_ciphertext *a, const fhs_ciphertext *b, fhs_ciphertext *out, fhs_error *err) {
  if (check_mul_operands(a, b, err) != 0) return -1;
  if (out == a || out == b) return fhs_error_set(err, "product output must differ from its operands");
  if (prepare_out(a, 3, out, err) != 0) return -1;
  memset(out->data, 0, 3 * a->level * a->ctx->n * sizeof *out->data);
  out->pt_factor = fhs_mod_mul(a->pt_factor, b->pt_factor, &a->ctx->t_mod);
  return fhs_mul_acc(a, b, out, err);
}
