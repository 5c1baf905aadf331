/* Serialization: every record round-trips exactly, and every damaged record is refused with a
 * message: truncated at any length, any single bit flipped, other parameters, wrong kind,
 * out-of-range residues behind a valid checksum, trailing bytes. */
#include <sodium.h>
#include <stdio.h>

#include "check.h"
#include "fhe_test_util.h"

typedef int (*loader)(const fhs_context *, const uint8_t *, size_t, void *, fhs_error *);
typedef void (*freer)(void *);

static int load_ct(const fhs_context *c, const uint8_t *b, size_t l, void *o, fhs_error *e) {
  return fhs_ciphertext_load(c, b, l, o, e);
}
static void free_ct(void *o) { fhs_ciphertext_free(o); }
static int load_sk(const fhs_context *c, const uint8_t *b, size_t l, void *o, fhs_error *e) {
  return fhs_secret_key_load(c, b, l, o, e);
}
static void free_sk(void *o) { fhs_secret_key_free(o); }
static int load_pk(const fhs_context *c, const uint8_t *b, size_t l, void *o, fhs_error *e) {
  return fhs_public_key_load(c, b, l, o, e);
}
static void free_pk(void *o) { fhs_public_key_free(o); }
static int load_ek(const fhs_context *c, const uint8_t *b, size_t l, void *o, fhs_error *e) {
  return fhs_eval_key_load(c, b, l, o, e);
}
static void free_ek(void *o) { fhs_eval_key_free(o); }

/* Every damaged variant of buf must be refused with a non-empty message. */
static void check_rejections(const fhs_context *ctx, const uint8_t *buf, size_t len, loader load, freer fr,
                             const char *what) {
  union {
    fhs_ciphertext ct;
    fhs_secret_key sk;
    fhs_public_key pk;
    fhs_eval_key ek;
  } obj;
  uint8_t *copy = malloc(len);
  int refused = 0, tried = 0;
  size_t cuts[] = {0, 1, 7, 8, 55, 56, 60, len / 3, len / 2, len - 33, len - 32, len - 1};
  for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
    fhs_error err = {{0}};
    tried++;
    if (load(ctx, buf, cuts[i], &obj, &err) != 0 && err.msg[0]) refused++;
    else fr(&obj);
  }
  CHECK_MSG(refused == tried, "%s: %d of %d truncations refused", what, refused, tried);
  refused = tried = 0;
  for (int k = 0; k < 300; k++) {
    size_t pos = k < 100 ? (size_t)k % len : test_rand() % len; /* the header, then anywhere */
    memcpy(copy, buf, len);
    copy[pos] ^= (uint8_t)(1u << (test_rand() % 8));
    fhs_error err = {{0}};
    tried++;
    if (load(ctx, copy, len, &obj, &err) != 0 && err.msg[0]) refused++;
    else fr(&obj);
  }
  CHECK_MSG(refused == tried, "%s: %d of %d bit flips refused", what, refused, tried);
  /* trailing bytes */
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, buf, len);
  longer[len] = 0;
  fhs_error err = {{0}};
  CHECK(load(ctx, longer, len + 1, &obj, &err) != 0 && strstr(err.msg, "trailing"));
  free(longer);
  free(copy);
}

static void recompute_checksum(uint8_t *buf, size_t len) {
  crypto_generichash(buf + len - 32, 32, buf, len - 32, NULL, 0);
}

static void test_ciphertexts(const fhs_context *ctx, const fhs_context *other, const fhs_secret_key *sk,
                             const fhs_eval_key *ek) {
  size_t n = ctx->n;
  uint64_t *x = calloc(n, 8), *got = calloc(n, 8);
  random_slots(ctx, x, 0);
  fhs_ciphertext a, b, prod, loaded;
  memset(&prod, 0, sizeof prod);
  encrypt_values(sk, x, &a);
  encrypt_values(sk, x, &b);
  uint8_t *buf;
  size_t len;
  CHECK(fhs_ciphertext_save(&a, &buf, &len, NULL) == 0);
  /* seeded: one polynomial, residues packed to 50 bits */
  size_t expect = FHS_RECORD_HEADER_BYTES + 4 + 4 + 8 + FHS_SEED_BYTES + ctx->q_count * n * 50 / 8 + 32;
  CHECK_MSG(len == expect, "seeded ciphertext is %zu bytes, expected %zu", len, expect);
  CHECK(fhs_ciphertext_load(ctx, buf, len, &loaded, NULL) == 0);
  CHECK(loaded.seeded && memcmp(loaded.data, a.data, 2 * a.level * n * 8) == 0);
  CHECK(decrypt_values(sk, &loaded, got) == 0 && equal_words(x, got, n));
  fhs_ciphertext_free(&loaded);
  check_rejections(ctx, buf, len, load_ct, free_ct, "seeded ciphertext");
  fhs_error err = {{0}};
  CHECK(fhs_ciphertext_load(other, buf, len, &loaded, &err) != 0 && strstr(err.msg, "another parameter set"));
  CHECK(fhs_eval_key_load(ctx, buf, len, (fhs_eval_key *)&(fhs_eval_key){0}, &err) != 0 &&
        strstr(err.msg, "holds a ciphertext (expected: evaluation key)"));
  /* a residue >= q behind a valid checksum is still refused */
  uint8_t *evil = malloc(len);
  memcpy(evil, buf, len);
  size_t body = FHS_RECORD_HEADER_BYTES + 4 + 4 + 8 + FHS_SEED_BYTES;
  memset(evil + body, 0xff, 8);
  recompute_checksum(evil, len);
  CHECK(fhs_ciphertext_load(ctx, evil, len, &loaded, &err) != 0 && strstr(err.msg, "out of range"));
  free(evil);
  free(buf);

  /* 3 components, then lower levels */
  CHECK(fhs_mul(&a, &b, &prod, NULL) == 0);
  for (;;) {
    CHECK(fhs_ciphertext_save(&prod, &buf, &len, NULL) == 0);
    CHECK(fhs_ciphertext_load(ctx, buf, len, &loaded, NULL) == 0);
    CHECK(loaded.size == prod.size && loaded.level == prod.level && loaded.pt_factor == prod.pt_factor);
    CHECK(memcmp(loaded.data, prod.data, prod.size * prod.level * n * 8) == 0);
    fhs_ciphertext_free(&loaded);
    free(buf);
    if (prod.level == 1) break;
    fhs_mod_switch(&prod, NULL);
  }
  CHECK(fhs_relinearize(ek, &prod, NULL) == 0);
  CHECK(fhs_ciphertext_save(&prod, &buf, &len, NULL) == 0);
  check_rejections(ctx, buf, len, load_ct, free_ct, "level-1 ciphertext");
  free(buf);
  fhs_ciphertext_free(&a);
  fhs_ciphertext_free(&b);
  fhs_ciphertext_free(&prod);
  free(x);
  free(got);
}

static void test_keys(const fhs_context *ctx, const fhs_context *other, const fhs_secret_key *sk,
                      const fhs_public_key *pk, const fhs_eval_key *ek) {
  size_t n = ctx->n;
  uint64_t *x = calloc(n, 8), *got = calloc(n, 8);
  random_slots(ctx, x, 0);
  uint8_t *buf;
  size_t len;
  fhs_error err = {{0}};

  fhs_secret_key sk2;
  CHECK(fhs_secret_key_save(sk, &buf, &len, NULL) == 0);
  CHECK(fhs_secret_key_load(ctx, buf, len, &sk2, NULL) == 0);
  CHECK(memcmp(sk2.s, sk->s, ctx->qp_count * n * 8) == 0 && memcmp(sk2.key_id, sk->key_id, FHS_KEY_ID_BYTES) == 0);
  fhs_secret_key_free(&sk2);
  check_rejections(ctx, buf, len, load_sk, free_sk, "secret key");
  /* server-side loading refuses a secret key whatever else is right about it */
  fhs_eval_key ek2;
  CHECK(fhs_eval_key_load(ctx, buf, len, &ek2, &err) != 0 && strstr(err.msg, "secret key"));
  CHECK(fhs_secret_key_load(other, buf, len, &sk2, &err) != 0);
  free(buf);

  fhs_public_key pk2;
  CHECK(fhs_public_key_save(pk, &buf, &len, NULL) == 0);
  CHECK(fhs_public_key_load(ctx, buf, len, &pk2, NULL) == 0);
  CHECK(memcmp(pk2.a, pk->a, ctx->q_count * n * 8) == 0 && memcmp(pk2.b, pk->b, ctx->q_count * n * 8) == 0);
  fhs_plaintext pt;
  fhs_plaintext_init(ctx, &pt);
  fhs_batch_encode(ctx, x, n, &pt);
  fhs_ciphertext c, r;
  memset(&r, 0, sizeof r);
  CHECK(fhs_encrypt_public(&pk2, &pt, &c, NULL) == 0);
  CHECK(decrypt_values(sk, &c, got) == 0 && equal_words(x, got, n));
  fhs_public_key_free(&pk2);
  check_rejections(ctx, buf, len, load_pk, free_pk, "public key");
  free(buf);

  CHECK(fhs_eval_key_save(ek, &buf, &len, NULL) == 0);
  CHECK(fhs_eval_key_load(ctx, buf, len, &ek2, NULL) == 0);
  CHECK(ek2.galois_count == ek->galois_count && ek2.has_relin);
  CHECK(fhs_rotate(&ek2, &c, 1, &r, NULL) == 0 && decrypt_values(sk, &r, got) == 0);
  size_t half = n / 2;
  int ok = 1;
  for (size_t i = 0; i < n; i++) ok &= got[i] == x[(i / half) * half + (i % half + 1) % half];
  CHECK(ok);
  fhs_eval_key_free(&ek2);
  check_rejections(ctx, buf, len, load_ek, free_ek, "evaluation key");
  free(buf);
  fhs_ciphertext_free(&c);
  fhs_ciphertext_free(&r);
  fhs_plaintext_free(&pt);
  free(x);
  free(got);
}

int main(void) {
  fhs_error err = {{0}};
  fhs_context *ctx = fhs_context_create(8192, &err), *other = fhs_context_create(16384, &err);
  fhs_secret_key sk;
  fhs_public_key pk;
  fhs_eval_key ek;
  uint64_t elt = fhs_galois_elt_rotate(ctx, 1);
  CHECK(fhs_secret_key_generate(ctx, &sk, &err) == 0 && fhs_public_key_generate(&sk, &pk, &err) == 0);
  CHECK(fhs_eval_key_generate(&sk, 1, &elt, 1, &ek, &err) == 0);
  test_ciphertexts(ctx, other, &sk, &ek);
  test_keys(ctx, other, &sk, &pk, &ek);
  fhs_eval_key_free(&ek);
  fhs_public_key_free(&pk);
  fhs_secret_key_free(&sk);
  fhs_context_free(ctx);
  fhs_context_free(other);
  return check_report("test_fhe_serialize");
}
