/* The STATS.fhe container (format in stats.h). Files are small (the point of packing), so
 * readers load them whole. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_internal.h"
#include "bytes.h"

static const uint8_t MAGIC[8] = {'F', 'H', 'S', 'S', 'T', 'A', 'T', 0};
static const uint8_t TRAILER_MAGIC[8] = {'F', 'H', 'S', 'S', 'E', 'N', 'D', 0};
#define FIXED 116 /* magic 8, version 4, hash 32, key id 16, N 4, padded 8, cols 4, marginals 4,
                     cells 8, leaves 4, results 4, record bytes 4, dataset id 16 */


uint64_t fhs_stats_cells(const fhs_marginal_spec *s, const uint32_t *domain) {
  if (s->n_cols == 1) return domain[s->cols[0]];
  uint64_t c = 1;
  for (size_t i = 0; i < s->n_cols; i++) c *= domain[s->cols[i]] - 1;
  return c;
}

size_t fhs_stats_header_size(const fhs_stats_header *h) {
  /* per marginal: order byte + three u32 column slots */
  return FIXED + 4 * (size_t)h->n_columns + 13 * h->list.count + 32;
}

void fhs_stats_header_encode(const fhs_stats_header *h, uint8_t *buf) {
  memcpy(buf, MAGIC, 8);
  fhs_put_u32(buf + 8, FHS_STATS_VERSION);
  memcpy(buf + 12, h->params_hash, FHS_HASH_BYTES);
  memcpy(buf + 44, h->key_id, FHS_KEY_ID_BYTES);
  fhs_put_u32(buf + 60, h->ring_degree);
  fhs_put_u64(buf + 64, h->rows_padded);
  fhs_put_u32(buf + 72, h->n_columns);
  fhs_put_u32(buf + 76, (uint32_t)h->list.count);
  fhs_put_u64(buf + 80, h->cells);
  fhs_put_u32(buf + 88, (uint32_t)h->leaves);
  fhs_put_u32(buf + 92, (uint32_t)h->results);
  fhs_put_u32(buf + 96, (uint32_t)h->record_bytes);
  memcpy(buf + 100, h->dataset_id, FHS_DATASET_ID_LEN);
  uint8_t *p = buf + FIXED;
  for (uint32_t c = 0; c < h->n_columns; c++, p += 4) fhs_put_u32(p, h->domain[c]);
  for (size_t m = 0; m < h->list.count; m++) {
    *p++ = (uint8_t)h->list.m[m].n_cols;
    for (int i = 0; i < 3; i++, p += 4) fhs_put_u32(p, h->list.m[m].cols[i]);
  }
  crypto_generichash(p, 32, buf, (size_t)(p - buf), NULL, 0);
}

void fhs_stats_trailer(const uint8_t *digest, uint8_t out[FHS_STATS_TRAILER_BYTES]) {
  memcpy(out, TRAILER_MAGIC, 8);
  memcpy(out + 8, digest, 32);
}

void fhs_stats_header_free(fhs_stats_header *h) {
  if (!h) return;
  free(h->domain);
  fhs_marginal_list_free(&h->list);
  h->domain = NULL;
}

static int read_file(const char *path, uint8_t **out, size_t *len, fhs_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return fhs_error_set(err, "%s: %s", path, errno == ENOENT ? "no such file" : strerror(errno));
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;
    if (cap >= (size_t)1 << 34) break;
    uint8_t *nb = realloc(buf, cap * 2);
    if (!nb) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = nb;
    cap *= 2;
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf || bad) {
    free(buf);
    return fhs_error_set(err, "%s: read failed", path);
  }
  *out = buf;
  *len = n;
  return 0;
}

static int parse_header(const uint8_t *buf, size_t len, fhs_stats_header *h, const char *path, fhs_error *err) {
  memset(h, 0, sizeof *h);
  if (len == 0) return fhs_error_set(err, "%s: file is empty", path);
  if (len < FIXED || memcmp(buf, MAGIC, 8) != 0) {
    if (len >= 8 && memcmp(buf, MAGIC, 8) == 0) return fhs_error_set(err, "%s: truncated header", path);
    return fhs_error_set(err, "%s: not an encrypted statistics (STATS.fhe) file", path);
  }
  uint32_t version = fhs_get_u32(buf + 8);
  if (version != FHS_STATS_VERSION) return fhs_error_set(err, "%s: statistics format version %u is not supported", path, version);
  h->n_columns = fhs_get_u32(buf + 72);
  h->list.count = fhs_get_u32(buf + 76);
  if (h->n_columns == 0 || h->n_columns > 65535 || h->list.count == 0 || h->list.count > (1u << 24)) {
    h->list.count = 0;
    return fhs_error_set(err, "%s: corrupt header", path);
  }
  size_t hb = fhs_stats_header_size(h);
  if (len < hb) {
    h->list.count = 0;
    return fhs_error_set(err, "%s: truncated header", path);
  }
  uint8_t sum[32];
  crypto_generichash(sum, 32, buf, hb - 32, NULL, 0);
  if (sodium_memcmp(sum, buf + hb - 32, 32) != 0) {
    h->list.count = 0;
    return fhs_error_set(err, "%s: header checksum mismatch: the file is corrupt or was modified", path);
  }
  memcpy(h->params_hash, buf + 12, FHS_HASH_BYTES);
  memcpy(h->key_id, buf + 44, FHS_KEY_ID_BYTES);
  memcpy(h->dataset_id, buf + 100, FHS_DATASET_ID_LEN);
  h->ring_degree = fhs_get_u32(buf + 60);
  h->rows_padded = fhs_get_u64(buf + 64);
  h->cells = fhs_get_u64(buf + 80);
  h->leaves = fhs_get_u32(buf + 88);
  h->results = fhs_get_u32(buf + 92);
  h->record_bytes = fhs_get_u32(buf + 96);
  h->domain = malloc(h->n_columns * sizeof *h->domain);
  h->list.m = malloc(h->list.count * sizeof *h->list.m);
  if (!h->domain || !h->list.m) {
    fhs_stats_header_free(h);
    return fhs_error_set(err, "out of memory");
  }
  const uint8_t *p = buf + FIXED;
  int bad = 0;
  for (uint32_t c = 0; c < h->n_columns; c++, p += 4) {
    h->domain[c] = fhs_get_u32(p);
    bad |= h->domain[c] == 0 || h->domain[c] > 65535;
  }
  uint64_t cells = 0;
  for (size_t m = 0; m < h->list.count && !bad; m++) {
    fhs_marginal_spec *s = &h->list.m[m];
    s->n_cols = *p++;
    for (int i = 0; i < 3; i++, p += 4) s->cols[i] = fhs_get_u32(p);
    bad |= s->n_cols < 1 || s->n_cols > 3;
    for (size_t i = 0; i < s->n_cols && !bad; i++) bad |= s->cols[i] >= h->n_columns || (i && s->cols[i] <= s->cols[i - 1]);
    if (!bad) cells += fhs_stats_cells(s, h->domain);
  }
  bad |= cells != h->cells || h->leaves == 0 || (h->leaves & (h->leaves - 1)) || h->leaves > h->ring_degree ||
         h->results != (cells + h->leaves - 1) / h->leaves || h->record_bytes == 0 ||
         /* a result is a ciphertext of ring_degree coefficients (several bytes each): a smaller
          * record could announce far more cells than the file holds, and decrypt allocates by them */
         h->record_bytes < h->ring_degree;
  if (bad) {
    fhs_stats_header_free(h);
    return fhs_error_set(err, "%s: corrupt header (inconsistent marginal list)", path);
  }
  return 0;
}

int fhs_stats_file_load(const char *path, fhs_stats_header *h, uint8_t **file, size_t *len, fhs_error *err) {
  uint8_t *buf = NULL;
  size_t n = 0;
  if (read_file(path, &buf, &n, err) != 0) return -1;
  if (parse_header(buf, n, h, path, err) != 0) {
    free(buf);
    return -1;
  }
  size_t hb = fhs_stats_header_size(h);
  uint64_t expect = hb + h->results * h->record_bytes + FHS_STATS_TRAILER_BYTES;
  int rc = 0;
  if (expect != n) {
    rc = fhs_error_set(err, "%s: %s (%zu bytes, the header announces %llu)", path, n < expect ? "truncated" : "unexpected size",
                       n, (unsigned long long)expect);
  } else {
    uint8_t digest[32];
    crypto_generichash(digest, 32, buf, n - FHS_STATS_TRAILER_BYTES, NULL, 0);
    if (memcmp(buf + n - FHS_STATS_TRAILER_BYTES, TRAILER_MAGIC, 8) != 0 ||
        sodium_memcmp(buf + n - 32, digest, 32) != 0)
      rc = fhs_error_set(err, "%s: checksum mismatch: the file is corrupt or was modified", path);
  }
  if (rc != 0) {
    fhs_stats_header_free(h);
    free(buf);
    return -1;
  }
  *file = buf;
  *len = n;
  return 0;
}

int fhs_stats_inspect(const char *path, fhs_stats_info *info, fhs_error *err) {
  fhs_stats_header h;
  uint8_t *buf = NULL;
  size_t n = 0;
  if (fhs_stats_file_load(path, &h, &buf, &n, err) != 0) return -1;
  memcpy(info->params_hash, h.params_hash, FHS_HASH_BYTES);
  memcpy(info->key_id, h.key_id, FHS_KEY_ID_BYTES);
  memcpy(info->dataset_id, h.dataset_id, FHS_DATASET_ID_LEN);
  info->ring_degree = h.ring_degree;
  info->rows_padded = h.rows_padded;
  info->n_columns = h.n_columns;
  info->marginals = h.list.count;
  info->cells = h.cells;
  info->results = h.results;
  info->leaves = h.leaves;
  info->max_ways = 0;
  for (size_t m = 0; m < h.list.count; m++)
    if ((int)h.list.m[m].n_cols > info->max_ways) info->max_ways = (int)h.list.m[m].n_cols;
  fhs_stats_header_free(&h);
  free(buf);
  return 0;
}
