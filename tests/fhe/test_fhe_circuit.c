/* The deepest circuits the statistics run, decrypted correctly:
 * - a sum of 2^20 products of two fresh ciphertexts. By bilinearity of the ciphertext tensor
 *   product, (sum_i a_i) (x) (sum_j b_j) is bit for bit the sum of the 2^10 x 2^10 products
 *   a_i (x) b_j (checked on a small case first), and its noise is the correlated worst case;
 * - products of three (the 3-way marginals);
 * - rotations and coefficient packing of such sums, then modulus switching to one prime. */
#include <stdio.h>

#include "check.h"
#include "fhe_test_util.h"

static uint64_t mulm(uint64_t a, uint64_t b, uint64_t t) { return (uint64_t)((unsigned __int128)a * b % t); }

/* Encrypts `count` random 0/1 vectors and returns their homomorphic sum; sum_plain gets the
 * slot-wise plaintext sum. */
static int encrypted_sum(const fhs_secret_key *sk, size_t count, fhs_ciphertext *sum, uint64_t *sum_plain) {
  const fhs_context *ctx = sk->ctx;
  size_t n = ctx->n;
  uint64_t *v = calloc(n, 8);
  memset(sum_plain, 0, n * 8);
  int rc = 0;
  for (size_t k = 0; k < count && rc == 0; k++) {
    random_slots(ctx, v, 2);
    for (size_t i = 0; i < n; i++) sum_plain[i] += v[i];
    fhs_ciphertext c;
    rc = encrypt_values(sk, v, &c);
    if (rc == 0) rc = k == 0 ? fhs_ciphertext_copy(&c, sum) : fhs_add_inplace(sum, &c, NULL);
    fhs_ciphertext_free(&c);
  }
  free(v);
  return rc;
}

static void test_bilinearity(const fhs_secret_key *sk) {
  const fhs_context *ctx = sk->ctx;
  size_t n = ctx->n;
  uint64_t *v = calloc(n, 8);
  fhs_ciphertext a[4], b[4], sa, sb, acc, prod;
  memset(&prod, 0, sizeof prod);
  for (int i = 0; i < 4; i++) {
    random_slots(ctx, v, 2);
    encrypt_values(sk, v, &a[i]);
    random_slots(ctx, v, 2);
    encrypt_values(sk, v, &b[i]);
  }
  fhs_ciphertext_init(ctx, 3, ctx->q_count, &acc);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) CHECK(fhs_mul_acc(&a[i], &b[j], &acc, NULL) == 0);
  fhs_ciphertext_copy(&a[0], &sa);
  fhs_ciphertext_copy(&b[0], &sb);
  for (int i = 1; i < 4; i++) {
    fhs_add_inplace(&sa, &a[i], NULL);
    fhs_add_inplace(&sb, &b[i], NULL);
  }
  CHECK(fhs_mul(&sa, &sb, &prod, NULL) == 0);
  CHECK(memcmp(prod.data, acc.data, 3 * ctx->q_count * n * 8) == 0);
  for (int i = 0; i < 4; i++) {
    fhs_ciphertext_free(&a[i]);
    fhs_ciphertext_free(&b[i]);
  }
  fhs_ciphertext_free(&sa);
  fhs_ciphertext_free(&sb);
  fhs_ciphertext_free(&acc);
  fhs_ciphertext_free(&prod);
  free(v);
}

/* Packs `ct` at a few spread positions of an N-wide packing (every merge level is crossed)
 * and checks each packed coefficient gives the slot total. */
static void check_packing(const fhs_eval_key *ek, const fhs_secret_key *sk, const fhs_ciphertext *ct,
                          const uint64_t *slots) {
  const fhs_context *ctx = sk->ctx;
  size_t n = ctx->n, k = n;
  uint64_t t = ctx->t, total = 0;
  for (size_t i = 0; i < n; i++) total = (total + slots[i]) % t;
  fhs_ciphertext **list = calloc(k, sizeof *list);
  size_t pos[4] = {0, 1, k / 2 + 3, k - 1};
  for (int i = 0; i < 4; i++) list[pos[i]] = (fhs_ciphertext *)ct;
  fhs_ciphertext packed;
  memset(&packed, 0, sizeof packed);
  fhs_error err = {{0}};
  CHECK_MSG(fhs_pack_constant_terms(ek, list, k, &packed, &err) == 0, "%s", err.msg);
  printf("  after packing %zu (log2 %u merges): %.1f bits\n", k, ctx->log_n, fhs_noise_budget(sk, &packed));
  while (packed.level > 1) fhs_mod_switch(&packed, NULL);
  printf("  after switching to one prime: %.1f bits\n", fhs_noise_budget(sk, &packed));
  fhs_plaintext pt;
  fhs_plaintext_init(ctx, &pt);
  CHECK(fhs_decrypt(sk, &packed, &pt, NULL) == 0);
  for (int i = 0; i < 4; i++) {
    uint64_t got = mulm((n / k) % t, pt.coeff[pos[i] * (n / k)], t);
    CHECK_MSG(got == total, "packed total at %zu: %llu vs %llu", pos[i], (unsigned long long)got,
              (unsigned long long)total);
  }
  CHECK(pt.coeff[2 * (n / k)] == 0); /* an empty position packs to zero */
  fhs_plaintext_free(&pt);
  fhs_ciphertext_free(&packed);
  free(list);
}

static void run(size_t n, size_t terms, int three_way) {
  fhs_error err = {{0}};
  fhs_context *ctx = fhs_context_create(n, &err);
  fhs_secret_key sk;
  fhs_eval_key ek;
  uint64_t elts[FHS_MAX_GALOIS];
  size_t ne = 0;
  for (unsigned k = 1; k <= ctx->log_n; k++) elts[ne++] = fhs_galois_elt_pack(ctx, k);
  elts[ne++] = fhs_galois_elt_rotate(ctx, 1);
  CHECK(fhs_secret_key_generate(ctx, &sk, &err) == 0);
  CHECK(fhs_eval_key_generate(&sk, 1, elts, ne, &ek, &err) == 0);
  printf("%s: sum of %zu x %zu = 2^%d products\n", ctx->name, terms, terms, 2 * __builtin_ctzll(terms));
  test_bilinearity(&sk);

  uint64_t *x = calloc(n, 8), *y = calloc(n, 8), *z = calloc(n, 8), *want = calloc(n, 8), *got = calloc(n, 8);
  fhs_ciphertext A, B, C, prod, rot, prod3;
  memset(&prod, 0, sizeof prod);
  memset(&rot, 0, sizeof rot);
  memset(&prod3, 0, sizeof prod3);
  CHECK(encrypted_sum(&sk, terms, &A, x) == 0 && encrypted_sum(&sk, terms, &B, y) == 0);
  CHECK(fhs_mul(&A, &B, &prod, NULL) == 0);
  for (size_t i = 0; i < n; i++) want[i] = mulm(x[i], y[i], ctx->t);
  CHECK(decrypt_values(&sk, &prod, got) == 0 && equal_words(want, got, n));
  printf("  3-component sum of products: %.1f bits\n", fhs_noise_budget(&sk, &prod));
  /* the statistics' path: drop a prime, relinearize at the lower level, pack */
  fhs_ciphertext low;
  CHECK(fhs_ciphertext_copy(&prod, &low) == 0 && fhs_mod_switch(&low, NULL) == 0 && fhs_relinearize(&ek, &low, NULL) == 0);
  CHECK(decrypt_values(&sk, &low, got) == 0 && equal_words(want, got, n));
  printf("  switched down one prime, relinearized: %.1f bits\n", fhs_noise_budget(&sk, &low));
  check_packing(&ek, &sk, &low, want);
  fhs_ciphertext_free(&low);
  CHECK(fhs_relinearize(&ek, &prod, NULL) == 0);
  CHECK(decrypt_values(&sk, &prod, got) == 0 && equal_words(want, got, n));
  CHECK(fhs_rotate(&ek, &prod, 1, &rot, NULL) == 0 && decrypt_values(&sk, &rot, got) == 0);
  size_t half = n / 2;
  int ok = 1;
  for (size_t i = 0; i < n; i++) ok &= got[i] == want[(i / half) * half + (i % half + 1) % half];
  CHECK_MSG(ok, "rotation of the sum of products");
  check_packing(&ek, &sk, &prod, want);

  if (three_way) {
    CHECK(encrypted_sum(&sk, 1, &C, z) == 0);
    CHECK(fhs_mul(&prod, &C, &prod3, NULL) == 0);
    for (size_t i = 0; i < n; i++) want[i] = mulm(want[i], z[i], ctx->t);
    CHECK(decrypt_values(&sk, &prod3, got) == 0 && equal_words(want, got, n));
    printf("  product of three: %.1f bits\n", fhs_noise_budget(&sk, &prod3));
    CHECK(fhs_relinearize(&ek, &prod3, NULL) == 0);
    check_packing(&ek, &sk, &prod3, want);
    fhs_ciphertext_free(&C);
  }
  fhs_ciphertext_free(&A);
  fhs_ciphertext_free(&B);
  fhs_ciphertext_free(&prod);
  fhs_ciphertext_free(&prod3);
  fhs_ciphertext_free(&rot);
  free(x), free(y), free(z), free(want), free(got);
  fhs_eval_key_free(&ek);
  fhs_secret_key_free(&sk);
  fhs_context_free(ctx);
}

int main(void) {
  run(8192, 1024, 0);
  run(16384, 1024, 1);
  return check_report("test_fhe_circuit");
}
