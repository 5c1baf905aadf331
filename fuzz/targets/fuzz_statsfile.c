/* STATS.fhe (src/stats/statsfile.c, decrypt.c): fhs_stats_inspect (no key), then
 * fhs_stats_decrypt with the small secret key of fuzz_common.h (fuzz_seedgen's STATS.fhe seed
 * is made under the same key). First input byte: bit 0 = recompute the header checksum, bit 1
 * = recompute the trailer. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "fuzz_common.h"
#include "stats.h"

#define FIXED 116
#define TRAILER_BYTES 40

static fhs_context *ctx;
static fhs_secret_key sk;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  ctx = fuzz_small_context();
  if (fuzz_small_secret_key(ctx, &sk) != 0) abort();
  return 0;
}

static void fix(uint8_t *buf, size_t len, uint8_t flags) {
  if (len < FIXED) return;
  uint32_t cols = fhs_get_u32(buf + 72), count = fhs_get_u32(buf + 76);
  if (cols == 0 || cols > 65535 || count == 0 || count > (1u << 24)) return;
  size_t hb = FIXED + 4 * (size_t)cols + 13 * (size_t)count + 32;
  if (hb > len) return;
  if (flags & 1) fuzz_blake2b(buf + hb - 32, buf, hb - 32);
  if ((flags & 2) && len >= hb + TRAILER_BYTES) {
    memcpy(buf + len - TRAILER_BYTES, "FHSSEND", 8);
    fuzz_blake2b(buf + len - 32, buf, len - TRAILER_BYTES);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t len = size - 1;
  uint8_t *buf = malloc(len ? len : 1);
  memcpy(buf, data + 1, len);
  fix(buf, len, data[0]);
  const char *path = fuzz_write(".fhe", buf, len);
  free(buf);
  fhs_error err = {{0}};
  fhs_stats_info info;
  if (fhs_stats_inspect(path, &info, &err) != 0) return 0;
  fhs_count_set cs;
  memset(&cs, 0, sizeof cs);
  if (fhs_stats_decrypt(path, &sk, &cs, &err) == 0) fhs_count_set_free(&cs);
  return 0;
}
