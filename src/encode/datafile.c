/* DATA.fhe writing (owner) and reading (server); format in datafile.h. */
#include "datafile.h"

#include <errno.h>
#include <fcntl.h>
#include <omp.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "bytes.h"

static const uint8_t DATA_MAGIC[8] = {'F', 'H', 'S', 'D', 'A', 'T', 'A', 0};
static const uint8_t TRAILER_MAGIC[8] = {'F', 'H', 'S', 'D', 'E', 'N', 'D', 0};
#define FIXED_HEADER 104 /* magic 8, version 4, hash 32, key id 16, N 4, S 4, blocks 8, padded 8, cols 4,
                          dataset id 16 */
#define TRAILER_BYTES 40

struct fhs_data_reader {
  char *path;
  int fd;
  uint64_t file_size;
  fhs_data_header h;
  uint8_t *header_copy; /* raw header bytes, for the trailer hash */
};


static size_t header_size(uint32_t n_columns) { return FIXED_HEADER + 4 * (size_t)n_columns + 8 + 32; }

/* Serializes h (record_bytes included) with its checksum; buf has header_size() bytes. */
static void header_encode(const fhs_data_header *h, uint8_t *buf) {
  memcpy(buf, DATA_MAGIC, 8);
  fhs_put_u32(buf + 8, FHS_DATA_VERSION);
  memcpy(buf + 12, h->params_hash, FHS_HASH_BYTES);
  memcpy(buf + 44, h->key_id, FHS_KEY_ID_BYTES);
  fhs_put_u32(buf + 60, h->ring_degree);
  fhs_put_u32(buf + 64, h->block_rows);
  fhs_put_u64(buf + 68, h->n_blocks);
  fhs_put_u64(buf + 76, h->rows_padded);
  fhs_put_u32(buf + 84, h->n_columns);
  memcpy(buf + 88, h->dataset_id, FHS_DATASET_ID_LEN);
  uint8_t *p = buf + FIXED_HEADER;
  for (uint32_t c = 0; c < h->n_columns; c++, p += 4) fhs_put_u32(p, h->domain[c]);
  fhs_put_u64(p, h->record_bytes);
  p += 8;
  crypto_generichash(p, 32, buf, (size_t)(p - buf), NULL, 0);
}

static int derive_offsets(fhs_data_header *h) {
  h->column_offset = malloc((h->n_columns ? h->n_columns : 1) * sizeof *h->column_offset);
  if (!h->column_offset) return -1;
  h->total_domain = 0;
  for (uint32_t c = 0; c < h->n_columns; c++) {
    h->column_offset[c] = h->total_domain;
    h->total_domain += h->domain[c];
  }
  h->header_bytes = header_size(h->n_columns);
  return 0;
}

void fhs_data_header_free(fhs_data_header *h) {
  if (!h) return;
  free(h->domain);
  free(h->column_offset);
  h->domain = NULL;
  h->column_offset = NULL;
}

int fhs_data_header_parse(const uint8_t *buf, size_t len, fhs_data_header *h, const char *path, fhs_error *err) {
  memset(h, 0, sizeof *h);
  if (len < FIXED_HEADER || memcmp(buf, DATA_MAGIC, 8) != 0)
    return fhs_error_set(err, "%s: not an encrypted dataset (DATA.fhe) file", path);
  uint32_t version = fhs_get_u32(buf + 8);
  if (version != FHS_DATA_VERSION)
    return fhs_error_set(err, "%s: encrypted dataset format version %u is not supported", path, version);
  h->n_columns = fhs_get_u32(buf + 84);
  if (h->n_columns == 0 || h->n_columns > 65535)
    return fhs_error_set(err, "%s: corrupt header (column count %u)", path, h->n_columns);
  size_t need = header_size(h->n_columns);
  if (len < need) return fhs_error_set(err, "%s: truncated header", path);
  uint8_t sum[32];
  crypto_generichash(sum, 32, buf, need - 32, NULL, 0);
  if (sodium_memcmp(sum, buf + need - 32, 32) != 0)
    return fhs_error_set(err, "%s: header checksum mismatch: the file is corrupt or was modified", path);
  memcpy(h->params_hash, buf + 12, FHS_HASH_BYTES);
  memcpy(h->key_id, buf + 44, FHS_KEY_ID_BYTES);
  memcpy(h->dataset_id, buf + 88, FHS_DATASET_ID_LEN);
  h->ring_degree = fhs_get_u32(buf + 60);
  h->block_rows = fhs_get_u32(buf + 64);
  h->n_blocks = fhs_get_u64(buf + 68);
  h->rows_padded = fhs_get_u64(buf + 76);
  h->domain = malloc(h->n_columns * sizeof *h->domain);
  if (!h->domain) return fhs_error_set(err, "out of memory");
  for (uint32_t c = 0; c < h->n_columns; c++) {
    h->domain[c] = fhs_get_u32(buf + FIXED_HEADER + 4 * c);
    if (h->domain[c] == 0 || h->domain[c] > 65535) {
      uint32_t bad = h->domain[c]; /* read before the free below */
      fhs_data_header_free(h);
      return fhs_error_set(err, "%s: corrupt header (domain size %u)", path, bad);
    }
  }
  h->record_bytes = fhs_get_u64(buf + FIXED_HEADER + 4 * h->n_columns);
  if (derive_offsets(h) != 0) {
    fhs_data_header_free(h);
    return fhs_error_set(err, "out of memory");
  }
  if (h->block_rows == 0 || h->block_rows > h->ring_degree || h->n_blocks == 0 ||
      h->rows_padded != h->n_blocks * h->block_rows || h->record_bytes == 0 || h->record_bytes > (1u << 30)) {
    fhs_data_header_free(h);
    return fhs_error_set(err, "%s: corrupt header (inconsistent sizes)", path);
  }
  return 0;
}

/* ---- writing ---- */

typedef struct {
  fhs_atomic_file out;
  crypto_generichash_state records_hash;
  fhs_data_header h;
  uint64_t blocks;
} data_writer;

/* Encrypts the indicator vectors of one block: records[k] for k < total_domain, in
 * (column, value) order. Parallel over values: each encryption is independent. */
static int encrypt_block(const fhs_encode_block *blk, const fhs_data_header *h, const fhs_secret_key *sk,
                         uint8_t **records, size_t *lens, fhs_error *err) {
  const fhs_context *ctx = sk->ctx;
  int failed = 0;
  fhs_error first = {{0}};
#pragma omp parallel
  {
    uint64_t *slots = calloc(ctx->n, sizeof *slots);
    fhs_plaintext pt;
    int ok = slots && fhs_plaintext_init(ctx, &pt) == 0;
#pragma omp for schedule(dynamic)
    for (uint64_t k = 0; k < h->total_domain; k++) {
      if (!ok || failed) continue;
      uint32_t c = 0;
      while (c + 1 < h->n_columns && h->column_offset[c + 1] <= k) c++;
      memset(slots, 0, ctx->n * sizeof *slots);
      fhs_encode_indicator(blk, c, (uint16_t)(k - h->column_offset[c]), slots);
      fhs_batch_encode(ctx, slots, blk->capacity, &pt);
      fhs_ciphertext ct;
      fhs_error e = {{0}};
      if (fhs_encrypt_symmetric(sk, &pt, &ct, &e) != 0 || fhs_ciphertext_save(&ct, &records[k], &lens[k], &e) != 0) {
#pragma omp critical
        {
          if (!failed) first = e;
          failed = 1;
        }
      }
      fhs_ciphertext_free(&ct);
    }
    if (!ok) {
#pragma omp critical
      failed = 1;
    }
    if (slots) sodium_memzero(slots, ctx->n * sizeof *slots);
    free(slots);
    if (ok) fhs_plaintext_free(&pt);
  }
  if (failed) return fhs_error_set(err, "encryption failed: %s", first.msg[0] ? first.msg : "out of memory");
  return 0;
}

static int write_block(data_writer *w, uint8_t **records, const size_t *lens, const char *path, fhs_error *err) {
  for (uint64_t k = 0; k < w->h.total_domain; k++) {
    if (w->h.record_bytes == 0) w->h.record_bytes = lens[k];
    if (lens[k] != w->h.record_bytes) return fhs_error_set(err, "%s: internal error: record sizes differ", path);
    crypto_generichash_update(&w->records_hash, records[k], lens[k]);
    if (fwrite(records[k], 1, lens[k], w->out.fp) != lens[k])
      return fhs_error_set(err, "%s: write failed: %s", path, strerror(errno));
  }
  return 0;
}

static int finish_file(data_writer *w, const char *path, fhs_error *err) {
  size_t hb = header_size(w->h.n_columns);
  uint8_t *hdr = calloc(1, hb);
  if (!hdr) return fhs_error_set(err, "out of memory");
  w->h.n_blocks = w->blocks;
  w->h.rows_padded = w->blocks * w->h.block_rows;
  header_encode(&w->h, hdr);
  uint8_t rec_digest[32], trailer[TRAILER_BYTES];
  crypto_generichash_final(&w->records_hash, rec_digest, 32);
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, 32);
  crypto_generichash_update(&st, hdr, hb);
  crypto_generichash_update(&st, rec_digest, 32);
  memcpy(trailer, TRAILER_MAGIC, 8);
  crypto_generichash_final(&st, trailer + 8, 32);
  int rc = 0;
  if (fwrite(trailer, 1, sizeof trailer, w->out.fp) != sizeof trailer || fseek(w->out.fp, 0, SEEK_SET) != 0 ||
      fwrite(hdr, 1, hb, w->out.fp) != hb)
    rc = fhs_error_set(err, "%s: write failed: %s", path, strerror(errno));
  free(hdr);
  return rc;
}

int fhs_data_encrypt(fhs_encoder *enc, const fhs_schema *schema, const fhs_secret_key *sk,
                     const uint8_t dataset_id[FHS_DATASET_ID_LEN], const char *out_path, uint64_t expected_rows, fhs_progress_fn progress,
                     void *progress_user, fhs_error *err) {
  const fhs_context *ctx = sk->ctx;
  data_writer w;
  memset(&w, 0, sizeof w);
  w.h.n_columns = (uint32_t)schema->n_columns;
  w.h.domain = malloc(schema->n_columns * sizeof *w.h.domain);
  if (!w.h.domain) return fhs_error_set(err, "out of memory");
  for (size_t c = 0; c < schema->n_columns; c++) w.h.domain[c] = (uint32_t)fhs_schema_domain_size(&schema->columns[c]);
  memcpy(w.h.params_hash, ctx->hash, FHS_HASH_BYTES);
  memcpy(w.h.key_id, sk->key_id, FHS_KEY_ID_BYTES);
  if (dataset_id) memcpy(w.h.dataset_id, dataset_id, FHS_DATASET_ID_LEN);
  w.h.ring_degree = (uint32_t)ctx->n;
  w.h.block_rows = (uint32_t)ctx->n;
  if (derive_offsets(&w.h) != 0) {
    fhs_data_header_free(&w.h);
    return fhs_error_set(err, "out of memory");
  }
  uint8_t **records = calloc(w.h.total_domain, sizeof *records);
  size_t *lens = calloc(w.h.total_domain, sizeof *lens);
  uint8_t *zeros = calloc(1, header_size(w.h.n_columns));
  int rc = (records && lens && zeros) ? 0 : fhs_error_set(err, "out of memory");
  if (rc == 0) rc = fhs_atomic_open(&w.out, out_path, err);
  int opened = rc == 0;
  if (rc == 0 && fwrite(zeros, 1, header_size(w.h.n_columns), w.out.fp) != header_size(w.h.n_columns))
    rc = fhs_error_set(err, "%s: write failed: %s", out_path, strerror(errno));
  crypto_generichash_init(&w.records_hash, NULL, 0, 32);
  fhs_encode_block blk;
  memset(&blk, 0, sizeof blk);
  uint64_t total_blocks = expected_rows ? (expected_rows + ctx->n - 1) / ctx->n : 0;
  while (rc == 0) {
    int more = fhs_encoder_next(enc, &blk, err);
    if (more < 0) rc = -1;
    if (more <= 0) break;
    rc = encrypt_block(&blk, &w.h, sk, records, lens, err);
    if (rc == 0) rc = write_block(&w, records, lens, out_path, err);
    for (uint64_t k = 0; k < w.h.total_domain; k++) {
      free(records[k]);
      records[k] = NULL;
    }
    w.blocks++;
    if (progress) progress(progress_user, w.blocks, total_blocks > w.blocks ? total_blocks : w.blocks);
  }
  if (rc == 0 && w.blocks == 0) rc = fhs_error_set(err, "%s: no data rows to encrypt", out_path);
  if (rc == 0) rc = finish_file(&w, out_path, err);
  if (rc == 0) rc = fhs_atomic_commit(&w.out, err);
  else if (opened) fhs_atomic_abort(&w.out);
  fhs_encode_block_free(&blk);
  free(records);
  free(lens);
  free(zeros);
  fhs_data_header_free(&w.h);
  return rc;
}

/* ---- reading ---- */

fhs_data_reader *fhs_data_open(const char *path, fhs_error *err) {
  fhs_data_reader *r = calloc(1, sizeof *r);
  if (!r) return fhs_error_set(err, "out of memory"), NULL;
  r->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (r->fd < 0) {
    fhs_error_set(err, "%s: %s", path, errno == ENOENT ? "no such file" : strerror(errno));
    free(r);
    return NULL;
  }
  struct stat st;
  r->path = strdup(path);
  int rc = fstat(r->fd, &st) == 0 && r->path ? 0 : fhs_error_set(err, "%s: cannot stat", path);
  r->file_size = (uint64_t)st.st_size;
  uint8_t fixed[FIXED_HEADER];
  if (rc == 0 && (r->file_size < FIXED_HEADER || pread(r->fd, fixed, FIXED_HEADER, 0) != FIXED_HEADER))
    rc = fhs_error_set(err, "%s: %s", path, r->file_size == 0 ? "file is empty" : "truncated: shorter than a header");
  if (rc == 0 && memcmp(fixed, DATA_MAGIC, 8) != 0) rc = fhs_error_set(err, "%s: not an encrypted dataset (DATA.fhe) file", path);
  size_t hb = 0;
  if (rc == 0) {
    uint32_t cols = fhs_get_u32(fixed + 84);
    hb = cols && cols <= 65535 ? header_size(cols) : FIXED_HEADER;
    r->header_copy = malloc(hb);
    if (!r->header_copy || hb > r->file_size || pread(r->fd, r->header_copy, hb, 0) != (ssize_t)hb)
      rc = fhs_error_set(err, "%s: truncated header", path);
  }
  if (rc == 0) rc = fhs_data_header_parse(r->header_copy, hb, &r->h, path, err);
  if (rc == 0) {
    uint64_t records = r->h.n_blocks * r->h.total_domain;
    uint64_t expect = r->h.header_bytes + records * r->h.record_bytes + TRAILER_BYTES;
    /* records * record_bytes can pass 2^64 (2^40 * 2^30) and wrap to the file's size */
    if (r->h.n_blocks > (1ULL << 32) || records > (1ULL << 40) || r->h.record_bytes > r->file_size / records ||
        expect != r->file_size)
      rc = fhs_error_set(err, "%s: %s (%llu bytes, the header announces %llu)", path,
                         r->file_size < expect ? "truncated" : "unexpected size",
                         (unsigned long long)r->file_size, (unsigned long long)expect);
  }
  if (rc != 0) {
    fhs_data_close(r);
    return NULL;
  }
  return r;
}

const fhs_data_header *fhs_data_header_of(const fhs_data_reader *r) { return &r->h; }
const char *fhs_data_path(const fhs_data_reader *r) { return r->path; }

int fhs_data_verify(fhs_data_reader *r, fhs_error *err) {
  crypto_generichash_state rec, all;
  crypto_generichash_init(&rec, NULL, 0, 32);
  size_t chunk = 1 << 20;
  uint8_t *buf = malloc(chunk);
  if (!buf) return fhs_error_set(err, "out of memory");
  uint64_t pos = r->h.header_bytes, end = r->file_size - TRAILER_BYTES;
  while (pos < end) {
    size_t want = end - pos < chunk ? (size_t)(end - pos) : chunk;
    ssize_t got = pread(r->fd, buf, want, (off_t)pos);
    if (got <= 0) {
      free(buf);
      return fhs_error_set(err, "%s: read failed", r->path);
    }
    crypto_generichash_update(&rec, buf, (size_t)got);
    pos += (uint64_t)got;
  }
  uint8_t digest[32], trailer[TRAILER_BYTES], expect[32];
  crypto_generichash_final(&rec, digest, 32);
  crypto_generichash_init(&all, NULL, 0, 32);
  crypto_generichash_update(&all, r->header_copy, r->h.header_bytes);
  crypto_generichash_update(&all, digest, 32);
  crypto_generichash_final(&all, expect, 32);
  free(buf);
  if (pread(r->fd, trailer, TRAILER_BYTES, (off_t)end) != TRAILER_BYTES || memcmp(trailer, TRAILER_MAGIC, 8) != 0)
    return fhs_error_set(err, "%s: missing trailer: the file is truncated or corrupt", r->path);
  if (sodium_memcmp(trailer + 8, expect, 32) != 0)
    return fhs_error_set(err, "%s: checksum mismatch: the file is corrupt or was modified", r->path);
  return 0;
}

int fhs_data_read(const fhs_data_reader *r, const fhs_context *ctx, uint64_t block, uint32_t column,
                  uint32_t value, fhs_ciphertext *ct, fhs_error *err) {
  const fhs_data_header *h = &r->h;
  if (block >= h->n_blocks || column >= h->n_columns || value >= h->domain[column])
    return fhs_error_set(err, "%s: record (%llu, %u, %u) out of range", r->path, (unsigned long long)block, column, value);
  uint64_t index = block * h->total_domain + h->column_offset[column] + value;
  uint64_t off = h->header_bytes + index * h->record_bytes;
  uint8_t *buf = malloc(h->record_bytes);
  if (!buf) return fhs_error_set(err, "out of memory");
  int rc = 0;
  if (pread(r->fd, buf, h->record_bytes, (off_t)off) != (ssize_t)h->record_bytes)
    rc = fhs_error_set(err, "%s: read failed", r->path);
  fhs_error e = {{0}};
  if (rc == 0 && fhs_ciphertext_load(ctx, buf, h->record_bytes, ct, &e) != 0)
    rc = fhs_error_set(err, "%s: ciphertext %llu: %s", r->path, (unsigned long long)index, e.msg);
  if (rc == 0 && (ct->level != ctx->q_count || ct->size != 2)) {
    fhs_ciphertext_free(ct);
    rc = fhs_error_set(err, "%s: ciphertext %llu is not a fresh ciphertext", r->path, (unsigned long long)index);
  }
  free(buf);
  return rc;
}

void fhs_data_close(fhs_data_reader *r) {
  if (!r) return;
  if (r->fd >= 0) close(r->fd);
  fhs_data_header_free(&r->h);
  free(r->header_copy);
  free(r->path);
  free(r);
}
