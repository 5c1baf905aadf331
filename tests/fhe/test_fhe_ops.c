/* Every homomorphic operation against a plaintext model, on random inputs, for each parameter
 * set: what a ciphertext decrypts to after the operation must equal the operation applied to
 * the plaintexts. */
#include <stdio.h>

#include "check.h"
#include "fhe_test_util.h"

static uint64_t addm(uint64_t a, uint64_t b, uint64_t t) { return (a + b) % t; }
static uint64_t mulm(uint64_t a, uint64_t b, uint64_t t) { return (uint64_t)((unsigned __int128)a * b % t); }

typedef struct {
  fhs_context *ctx;
  fhs_secret_key sk;
  fhs_public_key pk;
  fhs_eval_key ek;
  uint64_t *x, *y, *got, *want;
} fixture;

static int fixture_init(fixture *f, size_t n) {
  memset(f, 0, sizeof *f);
  fhs_error err = {{0}};
  f->ctx = fhs_context_create(n, &err);
  if (!f->ctx) {
    fprintf(stderr, "context: %s\n", err.msg);
    return -1;
  }
  uint64_t elts[3] = {fhs_galois_elt_rotate(f->ctx, 1), fhs_galois_elt_rotate(f->ctx, -3),
                      fhs_galois_elt_row_swap(f->ctx)};
  if (fhs_secret_key_generate(f->ctx, &f->sk, &err) || fhs_public_key_generate(&f->sk, &f->pk, &err) ||
      fhs_eval_key_generate(&f->sk, 1, elts, 3, &f->ek, &err)) {
    fprintf(stderr, "keygen: %s\n", err.msg);
    return -1;
  }
  f->x = calloc(n, 8);
  f->y = calloc(n, 8);
  f->got = calloc(n, 8);
  f->want = calloc(n, 8);
  return 0;
}

static void fixture_free(fixture *f) {
  fhs_eval_key_free(&f->ek);
  fhs_public_key_free(&f->pk);
  fhs_secret_key_free(&f->sk);
  fhs_context_free(f->ctx);
  free(f->x);
  free(f->y);
  free(f->got);
  free(f->want);
}

static void test_encoding(fixture *f) {
  const fhs_context *ctx = f->ctx;
  fhs_plaintext pt;
  fhs_plaintext_init(ctx, &pt);
  random_slots(ctx, f->x, 0);
  fhs_batch_encode(ctx, f->x, ctx->n, &pt);
  fhs_batch_decode(ctx, &pt, f->got);
  CHECK(equal_words(f->x, f->got, ctx->n));
  /* The sum of all slots is N times the constant coefficient: what the statistics rely on. */
  uint64_t sum = 0;
  for (size_t i = 0; i < ctx->n; i++) sum = addm(sum, f->x[i], ctx->t);
  CHECK(sum == mulm(ctx->n % ctx->t, pt.coeff[0], ctx->t));
  fhs_plaintext_free(&pt);
}

static void test_encrypt_decrypt(fixture *f) {
  const fhs_context *ctx = f->ctx;
  size_t n = ctx->n;
  random_slots(ctx, f->x, 0);
  fhs_ciphertext a, b, c;
  CHECK(encrypt_values(&f->sk, f->x, &a) == 0);
  CHECK(encrypt_values(&f->sk, f->x, &b) == 0);
  CHECK(decrypt_values(&f->sk, &a, f->got) == 0 && equal_words(f->x, f->got, n));
  /* two encryptions of one message differ, in both components */
  CHECK(memcmp(a.data, b.data, n * 8) != 0);
  CHECK(memcmp(fhs_ct_poly(&a, 1), fhs_ct_poly(&b, 1), n * 8) != 0);
  fhs_plaintext pt;
  fhs_plaintext_init(ctx, &pt);
  fhs_batch_encode(ctx, f->x, n, &pt);
  CHECK(fhs_encrypt_public(&f->pk, &pt, &c, NULL) == 0);
  CHECK(decrypt_values(&f->sk, &c, f->got) == 0 && equal_words(f->x, f->got, n));
  double fresh_sym = fhs_noise_budget(&f->sk, &a), fresh_pub = fhs_noise_budget(&f->sk, &c);
  printf("N=%zu fresh noise budget: symmetric %.1f bits, public key %.1f bits\n", n, fresh_sym, fresh_pub);
  CHECK(fresh_sym > 60 && fresh_pub > 60);
  fhs_plaintext_free(&pt);
  fhs_ciphertext_free(&a);
  fhs_ciphertext_free(&b);
  fhs_ciphertext_free(&c);
}

static void test_arithmetic(fixture *f) {
  const fhs_context *ctx = f->ctx;
  size_t n = ctx->n;
  uint64_t t = ctx->t;
  random_slots(ctx, f->x, 0);
  random_slots(ctx, f->y, 0);
  fhs_ciphertext a, b, r;
  memset(&r, 0, sizeof r);
  encrypt_values(&f->sk, f->x, &a);
  encrypt_values(&f->sk, f->y, &b);

  CHECK(fhs_add(&a, &b, &r, NULL) == 0 && decrypt_values(&f->sk, &r, f->got) == 0);
  for (size_t i = 0; i < n; i++) f->want[i] = addm(f->x[i], f->y[i], t);
  CHECK(equal_words(f->want, f->got, n));

  CHECK(fhs_sub(&a, &b, &r, NULL) == 0 && decrypt_values(&f->sk, &r, f->got) == 0);
  for (size_t i = 0; i < n; i++) f->want[i] = (f->x[i] + t - f->y[i]) % t;
  CHECK(equal_words(f->want, f->got, n));

  fhs_plaintext p;
  fhs_plaintext_ntt pn;
  fhs_plaintext_init(ctx, &p);
  fhs_batch_encode(ctx, f->y, n, &p);
  CHECK(fhs_add_plain(&a, &p, &r, NULL) == 0 && decrypt_values(&f->sk, &r, f->got) == 0);
  for (size_t i = 0; i < n; i++) f->want[i] = addm(f->x[i], f->y[i], t);
  CHECK(equal_words(f->want, f->got, n));

  fhs_plaintext_ntt_init(&p, ctx->q_count, &pn);
  CHECK(fhs_mul_plain(&a, &pn, &r, NULL) == 0 && decrypt_values(&f->sk, &r, f->got) == 0);
  for (size_t i = 0; i < n; i++) f->want[i] = mulm(f->x[i], f->y[i], t);
  CHECK(equal_words(f->want, f->got, n));

  fhs_ciphertext prod;
  memset(&prod, 0, sizeof prod);
  CHECK(fhs_mul(&a, &b, &prod, NULL) == 0 && prod.size == 3);
  CHECK(decrypt_values(&f->sk, &prod, f->got) == 0 && equal_words(f->want, f->got, n));
  CHECK(fhs_relinearize(&f->ek, &prod, NULL) == 0 && prod.size == 2);
  CHECK(decrypt_values(&f->sk, &prod, f->got) == 0 && equal_words(f->want, f->got, n));
  printf("N=%zu after product + relinearization: %.1f bits\n", n, fhs_noise_budget(&f->sk, &prod));

  /* modulus switching keeps the message and shrinks the ciphertext */
  size_t level = prod.level;
  CHECK(fhs_mod_switch(&prod, NULL) == 0 && prod.level == level - 1);
  CHECK(decrypt_values(&f->sk, &prod, f->got) == 0 && equal_words(f->want, f->got, n));
  while (prod.level > 1) CHECK(fhs_mod_switch(&prod, NULL) == 0);
  CHECK(decrypt_values(&f->sk, &prod, f->got) == 0 && equal_words(f->want, f->got, n));
  CHECK(fhs_mod_switch(&prod, NULL) != 0); /* nothing left to drop */

  fhs_plaintext_ntt_free(&pn);
  fhs_plaintext_free(&p);
  fhs_ciphertext_free(&prod);
  fhs_ciphertext_free(&a);
  fhs_ciphertext_free(&b);
  fhs_ciphertext_free(&r);
}

static void test_rotations(fixture *f) {
  const fhs_context *ctx = f->ctx;
  size_t n = ctx->n, half = n / 2;
  random_slots(ctx, f->x, 0);
  fhs_ciphertext a, r;
  memset(&r, 0, sizeof r);
  encrypt_values(&f->sk, f->x, &a);
  long steps[2] = {1, -3};
  for (int s = 0; s < 2; s++) {
    CHECK(fhs_rotate(&f->ek, &a, steps[s], &r, NULL) == 0 && decrypt_values(&f->sk, &r, f->got) == 0);
    for (size_t row = 0; row < 2; row++)
      for (size_t c = 0; c < half; c++) {
        size_t from = (size_t)(((long)c + steps[s] + (long)half) % (long)half);
        f->want[row * half + c] = f->x[row * half + from];
      }
    CHECK_MSG(equal_words(f->want, f->got, n), "rotation by %ld", steps[s]);
  }
  CHECK(fhs_apply_galois(&f->ek, &a, fhs_galois_elt_row_swap(ctx), &r, NULL) == 0);
  CHECK(decrypt_values(&f->sk, &r, f->got) == 0);
  CHECK(equal_words(f->x, f->got + half, half) && equal_words(f->x + half, f->got, half));
  /* a Galois element without a key is refused, not silently wrong */
  fhs_error err = {{0}};
  CHECK(fhs_rotate(&f->ek, &a, 2, &r, &err) != 0 && strstr(err.msg, "no Galois key"));
  fhs_ciphertext_free(&a);
  fhs_ciphertext_free(&r);
}

static void test_monomial(fixture *f) {
  const fhs_context *ctx = f->ctx;
  size_t n = ctx->n;
  fhs_plaintext p, out;
  fhs_plaintext_init(ctx, &p);
  fhs_plaintext_init(ctx, &out);
  for (size_t i = 0; i < n; i++) p.coeff[i] = test_rand() % ctx->t;
  fhs_ciphertext a, r;
  memset(&r, 0, sizeof r);
  fhs_encrypt_symmetric(&f->sk, &p, &a, NULL);
  size_t ks[3] = {1, n / 2, n + 5};
  for (int j = 0; j < 3; j++) {
    size_t k = ks[j];
    CHECK(fhs_mul_monomial(&a, k, &r, NULL) == 0 && fhs_decrypt(&f->sk, &r, &out, NULL) == 0);
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
      size_t d = (i + k) % (2 * n);
      uint64_t v = p.coeff[i];
      uint64_t expect = d < n ? v : (ctx->t - v) % ctx->t;
      ok &= out.coeff[d % n] == expect;
    }
    CHECK_MSG(ok, "X^%zu", k);
  }
  fhs_plaintext_free(&p);
  fhs_plaintext_free(&out);
  fhs_ciphertext_free(&a);
  fhs_ciphertext_free(&r);
}

int main(void) {
  size_t sizes[3] = {8192, 16384, 32768};
  const char *cfg = getenv("FHS_TEST_CONFIG");
  int sanitized = cfg && strcmp(cfg, "asan") == 0;
  for (int s = 0; s < 3; s++) {
    fixture f;
    if (fixture_init(&f, sizes[s]) != 0) {
      CHECK(!"fixture");
      continue;
    }
    printf("parameter set %s: log2(QP) = %u, %zu ciphertext primes\n", f.ctx->name, f.ctx->log_qp, f.ctx->q_count);
    test_encoding(&f);
    test_encrypt_decrypt(&f);
    test_arithmetic(&f);
    if (!sanitized || sizes[s] < 32768) {
      test_rotations(&f);
      test_monomial(&f);
    }
    fixture_free(&f);
  }
  return check_report("test_fhe_ops");
}
