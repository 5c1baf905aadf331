/* Public keys, evaluation keys, (unsealed) secret keys and ciphertext records
 * (src/fhe/serialize.c), for the small parameter set of fuzz_common.h. The record's kind field
 * picks the loader. First input byte: bit 0 set = recompute the payload length and the BLAKE2b
 * checksum after the mutation (so mutations reach the payload parsers); the rest is the
 * record. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static fhs_context *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  ctx = fuzz_small_context();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t flags = data[0];
  size_t len = size - 1;
  uint8_t *buf = malloc(len ? len : 1);
  memcpy(buf, data + 1, len);
  if ((flags & 1) && len >= FHS_RECORD_HEADER_BYTES + FHS_RECORD_TRAILER_BYTES) {
    uint64_t payload = len - FHS_RECORD_HEADER_BYTES - FHS_RECORD_TRAILER_BYTES;
    for (int i = 0; i < 8; i++) buf[48 + i] = (uint8_t)(payload >> (8 * i));
    fuzz_blake2b(buf + len - 32, buf, len - 32);
  }
  fhs_error err = {{0}};
  fhs_record_info info;
  size_t n = 0;
  (void)fhs_record_ring_degree(buf, len, &n, &err);
  if (fhs_record_peek(buf, len, &info, &err) == 0) {
    switch (info.kind) {
      case FHS_KIND_SECRET_KEY: {
        fhs_secret_key sk;
        if (fhs_secret_key_load(ctx, buf, len, &sk, &err) == 0) fhs_secret_key_free(&sk);
        break;
      }
      case FHS_KIND_PUBLIC_KEY: {
        fhs_public_key pk;
        if (fhs_public_key_load(ctx, buf, len, &pk, &err) == 0) fhs_public_key_free(&pk);
        break;
      }
      case FHS_KIND_EVAL_KEY: {
        fhs_eval_key ek;
        if (fhs_eval_key_load(ctx, buf, len, &ek, &err) == 0) fhs_eval_key_free(&ek);
        break;
      }
      case FHS_KIND_CIPHERTEXT: {
        fhs_ciphertext ct;
        if (fhs_ciphertext_load(ctx, buf, len, &ct, &err) == 0) fhs_ciphertext_free(&ct);
        break;
      }
    }
  }
  free(buf);
  return 0;
}
