/* The RLE / bit-packed hybrid encoding of Parquet (definition levels, dictionary indices,
 * RLE booleans): a sequence of runs, each either one value repeated (header count << 1) or
 * groups of 8 values packed LSB first (header groups << 1 | 1).
 *
 * The encoder uses a repeated run wherever at least 8 equal values follow each other and
 * bit-packs the rest, one group of 8 at a time; only the very last group is padded. */
#include "parquet_internal.h"

static uint32_t get(const void *v, size_t elem, size_t i) {
  return elem == 1 ? ((const uint8_t *)v)[i] : ((const uint32_t *)v)[i];
}

/* Length of the run of equal values starting at i, looking at most cap values ahead. */
static size_t run_length(const void *v, size_t elem, size_t i, size_t n, size_t cap) {
  uint32_t x = get(v, elem, i);
  size_t r = 1;
  while (i + r < n && r < cap && get(v, elem, i + r) == x) r++;
  return r;
}

static void put_repeated(fhs_buf *out, uint32_t x, size_t count, int w) {
  fhs_buf_varint(out, (uint64_t)count << 1);
  for (int b = 0; b < (w + 7) / 8; b++) fhs_buf_byte(out, (uint8_t)(x >> (8 * b)));
}

static void put_packed(fhs_buf *out, const void *v, size_t elem, size_t start, size_t groups,
                       size_t n, int w) {
  fhs_buf_varint(out, (uint64_t)groups << 1 | 1);
  fhs_buf_reserve(out, groups * (size_t)w);
  uint64_t acc = 0;
  int bits = 0;
  for (size_t i = start; i < start + groups * 8; i++) {
    acc |= (uint64_t)(i < n ? get(v, elem, i) : 0) << bits;
    bits += w;
    while (bits >= 8) {
      fhs_buf_byte(out, (uint8_t)acc);
      acc >>= 8;
      bits -= 8;
    }
  }
}

static void encode(fhs_buf *out, const void *v, size_t elem, size_t n, int w) {
  size_t i = 0;
  while (i < n) {
    size_t r = run_length(v, elem, i, n, 8);
    if (r >= 8) {
      r = run_length(v, elem, i, n, SIZE_MAX);
      put_repeated(out, get(v, elem, i), r, w);
      i += r;
      continue;
    }
    size_t start = i, groups = 0;
    do {
      groups++;
      i += 8;
    } while (i < n && run_length(v, elem, i, n, 8) < 8);
    put_packed(out, v, elem, start, groups, n, w);
  }
}

void fhs_rle_encode(fhs_buf *out, const uint32_t *v, size_t n, int w) { encode(out, v, 4, n, w); }

void fhs_rle_encode_u8(fhs_buf *out, const uint8_t *v, size_t n) { encode(out, v, 1, n, 1); }

static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*p >= end) return -1;
    uint8_t b = *(*p)++;
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return 0;
  }
  return -1;
}

int fhs_rle_decode(const uint8_t *p, const uint8_t *end, int w, uint32_t *out, size_t n) {
  if (w < 0 || w > 32) return -1;
  uint32_t mask = w == 32 ? UINT32_MAX : (uint32_t)((1ull << w) - 1);
  size_t k = 0;
  while (k < n) {
    uint64_t h;
    if (read_varint(&p, end, &h)) return -1;
    if (h & 1) {
      uint64_t groups = h >> 1;
      size_t avail = (size_t)(end - p);
      size_t want = groups > (n - k) / 8 + 1 ? n - k : (size_t)groups * 8;
      if (want > n - k) want = n - k;
      size_t need = (want * (size_t)w + 7) / 8;
      if (need > avail) return -1;
      uint64_t acc = 0;
      int bits = 0;
      const uint8_t *q = p;
      for (size_t i = 0; i < want; i++) {
        while (bits < w) {
          acc |= (uint64_t)*q++ << bits;
          bits += 8;
        }
        out[k++] = (uint32_t)acc & mask;
        acc >>= w;
        bits -= w;
      }
      /* a final run may stop short of its padding; skip what is there */
      uint64_t full = groups * (uint64_t)w;
      p += full < avail ? full : avail;
    } else {
      uint64_t count = h >> 1;
      int bytes = (w + 7) / 8;
      if ((size_t)(end - p) < (size_t)bytes) return -1;
      uint32_t x = 0;
      for (int b = 0; b < bytes; b++) x |= (uint32_t)p[b] << (8 * b);
      p += bytes;
      if (x & ~mask) return -1;
      size_t take = count < n - k ? (size_t)count : n - k;
      for (size_t i = 0; i < take; i++) out[k++] = x;
    }
  }
  return 0;
}
