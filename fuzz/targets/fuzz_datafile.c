/* DATA.fhe (src/encode/datafile.c): fhs_data_header_parse on the bytes, then fhs_data_open,
 * fhs_data_verify and fhs_data_read of the first and last records, as fit reads them, for the
 * small parameter set of fuzz_common.h. First input byte: bit 0 = recompute the header
 * checksum, bit 1 = recompute the trailer (so mutations reach the code behind them). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "datafile.h"
#include "fuzz_common.h"

#define FIXED_HEADER 104
#define TRAILER_BYTES 40

static fhs_context *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  ctx = fuzz_small_context();
  return 0;
}

static void fix(uint8_t *buf, size_t len, uint8_t flags) {
  if (len < FIXED_HEADER) return;
  uint32_t cols = fhs_get_u32(buf + 84);
  if (cols == 0 || cols > 65535) return;
  size_t hb = FIXED_HEADER + 4 * (size_t)cols + 8 + 32;
  if (hb > len) return;
  if (flags & 1) fuzz_blake2b(buf + hb - 32, buf, hb - 32);
  if ((flags & 2) && len >= hb + TRAILER_BYTES) {
    uint8_t digest[32];
    crypto_generichash_state all;
    fuzz_blake2b(digest, buf + hb, len - TRAILER_BYTES - hb);
    crypto_generichash_init(&all, NULL, 0, 32);
    crypto_generichash_update(&all, buf, hb);
    crypto_generichash_update(&all, digest, 32);
    memcpy(buf + len - TRAILER_BYTES, "FHSDEND", 8);
    crypto_generichash_final(&all, buf + len - 32, 32);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t len = size - 1;
  uint8_t *buf = malloc(len ? len : 1);
  memcpy(buf, data + 1, len);
  fix(buf, len, data[0]);
  fhs_error err = {{0}};
  fhs_data_header h;
  if (fhs_data_header_parse(buf, len, &h, "DATA.fhe", &err) == 0) fhs_data_header_free(&h);
  const char *path = fuzz_write(".fhe", buf, len);
  free(buf);
  fhs_data_reader *r = fhs_data_open(path, &err);
  if (!r) return 0;
  {
    /* invariant of an accepted header: every record lies inside the file */
    const fhs_data_header *hd = fhs_data_header_of(r);
    if (hd->n_blocks * hd->total_domain > len / hd->record_bytes) {
      fprintf(stderr, "fuzz_datafile: accepted a header whose records do not fit in the file\n");
      abort();
    }
  }
  if (fhs_data_verify(r, &err) == 0) {
    const fhs_data_header *hd = fhs_data_header_of(r);
    fhs_ciphertext ct;
    if (fhs_data_read(r, ctx, 0, 0, 0, &ct, &err) == 0) fhs_ciphertext_free(&ct);
    uint32_t last = hd->n_columns - 1;
    if (fhs_data_read(r, ctx, hd->n_blocks - 1, last, hd->domain[last] - 1, &ct, &err) == 0)
      fhs_ciphertext_free(&ct);
    (void)fhs_data_read(r, ctx, hd->n_blocks, 0, 0, &ct, &err); /* out of range: refused */
  }
  fhs_data_close(r);
  return 0;
}
