/* Passphrase-sealed secret keys (src/fhe/keystore.c: fhs_key_unprotect), then the unsealed
 * record (fhs_secret_key_load). The passphrase is "fuzz". Argon2id runs only when the file's
 * limits are the cheapest ones (OPSLIMIT_MIN, MEMLIMIT_MIN, as fuzz_seedgen seals its seed)
 * or out of range (refused before any work): an input asking for 1 GiB of Argon2id memory
 * would only measure libsodium. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "fuzz_common.h"

static fhs_context *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  ctx = fuzz_small_context();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size >= 8 + crypto_pwhash_SALTBYTES + 16) {
    uint64_t ops = fhs_get_u64(data + 8 + crypto_pwhash_SALTBYTES), mem = fhs_get_u64(data + 16 + crypto_pwhash_SALTBYTES);
    int valid = ops >= crypto_pwhash_OPSLIMIT_MIN && ops <= crypto_pwhash_OPSLIMIT_SENSITIVE &&
                mem >= crypto_pwhash_MEMLIMIT_MIN && mem <= crypto_pwhash_MEMLIMIT_SENSITIVE;
    if (valid && (ops != crypto_pwhash_OPSLIMIT_MIN || mem != crypto_pwhash_MEMLIMIT_MIN)) return 0;
  }
  (void)fhs_is_protected_key(data, size);
  fhs_error err = {{0}};
  uint8_t *rec = NULL;
  size_t rec_len = 0;
  if (fhs_key_unprotect(data, size, "fuzz", 4, &rec, &rec_len, &err) == 0) {
    fhs_secret_key sk;
    if (fhs_secret_key_load(ctx, rec, rec_len, &sk, &err) == 0) fhs_secret_key_free(&sk);
    sodium_memzero(rec, rec_len);
    free(rec);
  }
  return 0;
}
