/* Growable byte buffer and the names of Parquet enum values (parquet_internal.h). Appends after
 * a failed allocation are dropped and remembered, so encoders need one check at the end. */
#include <stdlib.h>
#include <string.h>

#include "parquet_internal.h"

void fhs_buf_reserve(fhs_buf *b, size_t extra) {
  if (b->failed) return;
  if (extra > SIZE_MAX / 2 - b->len) {
    b->failed = true;
    return;
  }
  size_t need = b->len + extra;
  if (need <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  uint8_t *d = realloc(b->data, cap);
  if (!d) {
    b->failed = true;
    return;
  }
  b->data = d;
  b->cap = cap;
}

void fhs_buf_put(fhs_buf *b, const void *p, size_t n) {
  if (n == 0) return;
  fhs_buf_reserve(b, n);
  if (b->failed) return;
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

void fhs_buf_byte(fhs_buf *b, uint8_t v) {
  if (b->len < b->cap && !b->failed) {
    b->data[b->len++] = v;
    return;
  }
  fhs_buf_put(b, &v, 1);
}

void fhs_buf_u32le(fhs_buf *b, uint32_t v) {
  uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  fhs_buf_put(b, x, 4);
}

void fhs_buf_varint(fhs_buf *b, uint64_t v) {
  uint8_t x[10];
  size_t n = 0;
  while (v >= 0x80) {
    x[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  x[n++] = (uint8_t)v;
  fhs_buf_put(b, x, n);
}

void fhs_buf_free(fhs_buf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

const char *fhs_pq_codec_name(int codec) {
  static const char *const names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
                                      "BROTLI",       "LZ4",    "ZSTD", "LZ4_RAW"};
  return codec >= 0 && codec < 8 ? names[codec] : "unknown";
}

const char *fhs_pq_encoding_name(int encoding) {
  static const char *const names[] = {"PLAIN",
                                      "GROUP_VAR_INT",
                                      "PLAIN_DICTIONARY",
                                      "RLE",
                                      "BIT_PACKED",
                                      "DELTA_BINARY_PACKED",
                                      "DELTA_LENGTH_BYTE_ARRAY",
                                      "DELTA_BYTE_ARRAY",
                                      "RLE_DICTIONARY",
                                      "BYTE_STREAM_SPLIT"};
  return encoding >= 0 && encoding < 10 ? names[encoding] : "unknown";
}

const char *fhs_pq_type_name(int type) {
  static const char *const names[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                                      "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
  return type >= 0 && type < 8 ? names[type] : "unknown";
}
