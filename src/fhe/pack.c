/* Packing the constant terms of many ciphertexts into one (Chen, Dai, Kim and Song 2021,
 * "Efficient homomorphic conversion between (ring) LWE ciphertexts", PackLWEs). Each merge
 * costs one automorphism and only doubles the noise: no plaintext mask multiplications, so
 * thousands of slot totals fit into one result ciphertext. */
#include "internal.h"

int fhs_pack_merge(const fhs_eval_key *ek, const fhs_ciphertext *even, const fhs_ciphertext *odd, size_t half,
                   fhs_ciphertext *out, fhs_error *err) {
  memset(out, 0, sizeof *out);
  if (!even && !odd) return 0;
  const fhs_context *ctx = ek->ctx;
  size_t k = 2 * half;
  if (half == 0 || (half & (half - 1)) != 0 || k > ctx->n)
    return fhs_error_set(err, "packing merge of %zu leaves is not a power of two up to N", k);
  uint64_t g = fhs_galois_elt_pack(ctx, (unsigned)__builtin_ctzll(k));
  fhs_ciphertext shifted, diff, rot;
  memset(&shifted, 0, sizeof shifted);
  memset(&diff, 0, sizeof diff);
  memset(&rot, 0, sizeof rot);
  int rc = 0;
  /* out = (even + X^(N/k) odd) + tau_(k+1)(even - X^(N/k) odd) */
  if (odd) rc = fhs_mul_monomial(odd, ctx->n / k, &shifted, err);
  if (rc == 0 && even && odd) {
    rc = fhs_sub(even, &shifted, &diff, err);
    if (rc == 0) rc = fhs_add(even, &shifted, out, err);
  } else if (rc == 0 && even) {
    rc = fhs_ciphertext_copy(even, &diff) == 0 && fhs_ciphertext_copy(even, out) == 0
             ? 0 : fhs_error_set(err, "out of memory");
  } else if (rc == 0) {
    rc = fhs_ciphertext_copy(&shifted, out) == 0 && fhs_ciphertext_init(ctx, 2, shifted.level, &diff) == 0
             ? 0 : fhs_error_set(err, "out of memory");
    if (rc == 0) {
      diff.pt_factor = shifted.pt_factor;
      rc = fhs_sub(&diff, &shifted, &diff, err);
    }
  }
  if (rc == 0) rc = fhs_apply_galois(ek, &diff, g, &rot, err);
  if (rc == 0) rc = fhs_add_inplace(out, &rot, err);
  fhs_ciphertext_free(&shifted);
  fhs_ciphertext_free(&diff);
  fhs_ciphertext_free(&rot);
  if (rc != 0) fhs_ciphertext_free(out);
  return rc;
}

/* Packs cts[0], cts[stride], ... (k of them, k a power of two): even indices form the even
 * child, odd indices the odd child. */
static int pack_rec(const fhs_eval_key *ek, fhs_ciphertext *const *cts, size_t stride, size_t k,
                    fhs_ciphertext *out, fhs_error *err) {
  memset(out, 0, sizeof *out);
  if (k == 1) return cts[0] ? (fhs_ciphertext_copy(cts[0], out) == 0 ? 0 : fhs_error_set(err, "out of memory")) : 0;
  fhs_ciphertext even, odd;
  if (pack_rec(ek, cts, 2 * stride, k / 2, &even, err) != 0) return -1;
  if (pack_rec(ek, cts + stride, 2 * stride, k / 2, &odd, err) != 0) {
    fhs_ciphertext_free(&even);
    return -1;
  }
  int rc = fhs_pack_merge(ek, even.data ? &even : NULL, odd.data ? &odd : NULL, k / 2, out, err);
  fhs_ciphertext_free(&even);
  fhs_ciphertext_free(&odd);
  return rc;
}

int fhs_pack_constant_terms(const fhs_eval_key *ek, fhs_ciphertext *const *cts, size_t k,
                            fhs_ciphertext *out, fhs_error *err) {
  if (k == 0 || (k & (k - 1)) != 0 || k > ek->ctx->n)
    return fhs_error_set(err, "packing needs a power-of-two count up to N, got %zu", k);
  for (size_t i = 0; i < k; i++)
    if (cts[i] && cts[i]->size != 2) return fhs_error_set(err, "relinearize before packing");
  fhs_ciphertext tmp;
  if (pack_rec(ek, cts, 1, k, &tmp, err) != 0) return -1;
  if (!tmp.data) return fhs_error_set(err, "nothing to pack: every input is empty");
  fhs_ciphertext_free(out);
  *out = tmp;
  return 0;
}
