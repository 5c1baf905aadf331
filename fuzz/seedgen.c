/* Writes the binary seed corpora (keys, ciphertexts, sealed keys, DATA.fhe, STATS.fhe) for the
 * small parameter set of fuzz_common.h into OUTDIR/<target>/. They are made by the project's
 * own writers, so they are valid files; too large to check in (a ring-8192 record is ~50 KB),
 * scripts/fuzz.sh and the fuzz smoke test make them on demand.
 *   fuzz_seedgen OUTDIR */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bytes.h"
#include "datafile.h"
#include "encode.h"
#include "fuzz_common.h"
#include "rows.h"
#include "stats.h"

static const char *outdir;

static void die(const char *what, const fhs_error *err) {
  fprintf(stderr, "fuzz_seedgen: %s: %s\n", what, err ? err->msg : strerror(errno));
  exit(1);
}

static void put(const char *target, const char *name, uint8_t flags, int with_flags, const uint8_t *buf, size_t len) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", outdir, target);
  mkdir(path, 0755);
  snprintf(path, sizeof path, "%s/%s/%s", outdir, target, name);
  FILE *f = fopen(path, "wb");
  if (!f) die(path, NULL);
  if (with_flags) fputc(flags, f);
  if (fwrite(buf, 1, len, f) != len || fclose(f) != 0) die(path, NULL);
}

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) die(path, NULL);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc(n ? (size_t)n : 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) die(path, NULL);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* The sealed-key format of keystore.c with the cheapest Argon2id limits (fhs_key_protect uses
 * the moderate ones, far too slow to fuzz). */
static void seal(const uint8_t *rec, size_t len, uint8_t **out, size_t *out_len) {
  enum { SALT = crypto_pwhash_SALTBYTES, NONCE = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
         HEAD = 8 + SALT + 8 + 8 + NONCE };
  uint8_t *buf = malloc(HEAD + len + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  memcpy(buf, "FHSKEYP\x01", 8);
  randombytes_buf(buf + 8, SALT);
  fhs_put_u64(buf + 8 + SALT, crypto_pwhash_OPSLIMIT_MIN);
  fhs_put_u64(buf + 16 + SALT, crypto_pwhash_MEMLIMIT_MIN);
  randombytes_buf(buf + 24 + SALT, NONCE);
  uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  if (crypto_pwhash(key, sizeof key, "fuzz", 4, buf + 8, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN,
                    crypto_pwhash_ALG_ARGON2ID13) != 0)
    die("argon2id", NULL);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(buf + HEAD, &clen, rec, len, buf, HEAD, NULL, buf + 24 + SALT, key);
  *out = buf;
  *out_len = HEAD + (size_t)clen;
}

static const char SCHEMA[] =
    "{\"format\": \"fhesynth-schema\", \"version\": 1, \"origin\": \"public\", \"columns\": [\n"
    "  {\"name\": \"sex\", \"type\": \"categorical\", \"categories\": [\"F\", \"M\"], \"missing\": false},\n"
    "  {\"name\": \"city\", \"type\": \"categorical\", \"categories\": [\"Oslo\", \"Bergen\"], \"missing\": false}\n"
    "]}\n";
static const char CSV[] = "sex,city\nF,Oslo\nM,Bergen\nF,Bergen\n";

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: fuzz_seedgen OUTDIR\n");
    return 2;
  }
  outdir = argv[1];
  mkdir(outdir, 0755);
  if (sodium_init() < 0) die("libsodium", NULL);
  fhs_error err = {{0}};
  fhs_context *ctx = fuzz_small_context();
  fhs_secret_key sk;
  fhs_public_key pk;
  fhs_eval_key ek, ek_fit;
  if (fuzz_small_secret_key(ctx, &sk) != 0) die("secret key", NULL);
  if (fhs_public_key_generate(&sk, &pk, &err) != 0) die("public key", &err);
  uint64_t elt = fhs_galois_elt_rotate(ctx, 1);
  if (fhs_eval_key_generate(&sk, 1, &elt, 1, &ek, &err) != 0) die("eval key", &err);
  uint8_t *buf;
  size_t len;

  /* keys and ciphertexts: flag byte 1 (fix checksums), then the record */
  if (fhs_secret_key_save(&sk, &buf, &len, &err) != 0) die("save", &err);
  put("fuzz_keys", "secret.key", 1, 1, buf, len);
  put("fuzz_inspect", "secret.key", 0, 0, buf, len);
  uint8_t *sealed;
  size_t sealed_len;
  seal(buf, len, &sealed, &sealed_len);
  put("fuzz_sealed_key", "sealed.key", 0, 0, sealed, sealed_len);
  put("fuzz_inspect", "sealed.key", 0, 0, sealed, sealed_len);
  free(sealed);
  free(buf);
  if (fhs_public_key_save(&pk, &buf, &len, &err) != 0) die("save", &err);
  put("fuzz_keys", "public.key", 1, 1, buf, len);
  free(buf);
  if (fhs_eval_key_save(&ek, &buf, &len, &err) != 0) die("save", &err);
  put("fuzz_keys", "eval.key", 1, 1, buf, len);
  free(buf);
  fhs_plaintext pt;
  fhs_ciphertext ct;
  if (fhs_plaintext_init(ctx, &pt) != 0 || fhs_encrypt_symmetric(&sk, &pt, &ct, &err) != 0) die("encrypt", &err);
  if (fhs_ciphertext_save(&ct, &buf, &len, &err) != 0) die("save", &err);
  put("fuzz_keys", "ciphertext", 1, 1, buf, len);
  put("fuzz_inspect", "ciphertext", 0, 0, buf, len);
  free(buf);
  fhs_ciphertext_free(&ct);
  fhs_plaintext_free(&pt);

  /* DATA.fhe of a 3-row table, then STATS.fhe of all its 1- and 2-way marginals */
  char schema_path[1024], csv_path[1024], data_path[1024], stats_path[1024];
  snprintf(schema_path, sizeof schema_path, "%s/.seed.schema.json", outdir);
  snprintf(csv_path, sizeof csv_path, "%s/.seed.csv", outdir);
  snprintf(data_path, sizeof data_path, "%s/.seed.data.fhe", outdir);
  snprintf(stats_path, sizeof stats_path, "%s/.seed.stats.fhe", outdir);
  FILE *f = fopen(schema_path, "w");
  if (!f || fputs(SCHEMA, f) < 0 || fclose(f) != 0) die(schema_path, NULL);
  f = fopen(csv_path, "w");
  if (!f || fputs(CSV, f) < 0 || fclose(f) != 0) die(csv_path, NULL);
  fhs_schema schema;
  if (fhs_schema_read(schema_path, &schema, &err) != 0) die("schema", &err);
  fhs_rows *rows = fhs_rows_open(csv_path, &err);
  if (!rows) die("rows", &err);
  fhs_encoder *enc = fhs_encoder_create_rows(&schema, rows, ctx->n, &err);
  if (!enc) die("encoder", &err);
  if (fhs_data_encrypt(enc, &schema, &sk, NULL, data_path, 3, NULL, NULL, &err) != 0) die("encrypt", &err);
  fhs_encoder_free(enc);
  fhs_rows_close(rows);
  buf = slurp(data_path, &len);
  put("fuzz_datafile", "data.fhe", 3, 1, buf, len);
  free(buf);

  uint64_t elts[40];
  size_t ne = fhs_fit_galois_elements(ctx, elts, 32);
  if (fhs_eval_key_generate(&sk, 1, elts, ne, &ek_fit, &err) != 0) die("fit key", &err);
  fhs_data_reader *dr = fhs_data_open(data_path, &err);
  if (!dr) die("data", &err);
  fhs_marginal_list list;
  if (fhs_marginal_list_all(2, 2, &list, &err) != 0) die("marginals", &err);
  fhs_stats_fit_options fo = {0};
  if (fhs_fit(dr, &ek_fit, &list, &fo, stats_path, &err) != 0) die("fit", &err);
  fhs_data_close(dr);
  fhs_marginal_list_free(&list);
  buf = slurp(stats_path, &len);
  put("fuzz_statsfile", "stats.fhe", 3, 1, buf, len);
  put("fuzz_inspect", "stats.fhe", 0, 0, buf, len);
  free(buf);
  remove(schema_path);
  remove(csv_path);
  remove(data_path);
  remove(stats_path);

  fhs_schema_free(&schema);
  fhs_eval_key_free(&ek_fit);
  fhs_eval_key_free(&ek);
  fhs_public_key_free(&pk);
  fhs_secret_key_free(&sk);
  fhs_context_free(ctx);
  printf("fuzz_seedgen: seeds written to %s\n", outdir);
  return 0;
}
