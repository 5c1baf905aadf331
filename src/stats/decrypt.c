/* Owner side: decrypts STATS.fhe, unpacks the cell counts and completes every table. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "stats_internal.h"

static unsigned bit_reverse(size_t x, unsigned bits) {
  size_t r = 0;
  for (unsigned b = 0; b < bits; b++) r |= ((x >> b) & 1) << (bits - 1 - b);
  return (unsigned)r;
}

/* Cell counts in leaf order from the decrypted result ciphertexts. */
static int unpack(const fhs_stats_header *h, const uint8_t *file, const fhs_secret_key *sk, uint64_t *cells,
                  const char *path, fhs_error *err) {
  const fhs_context *ctx = sk->ctx;
  size_t k = h->leaves, n = ctx->n, spacing = n / k;
  unsigned bits = (unsigned)__builtin_ctzll(k);
  uint64_t scale = spacing % ctx->t; /* total = (N / K) * coefficient */
  const uint8_t *rec = file + fhs_stats_header_size(h);
  fhs_plaintext pt;
  if (fhs_plaintext_init(ctx, &pt) != 0) return fhs_error_set(err, "out of memory");
  int rc = 0;
  for (uint64_t r = 0; r < h->results && rc == 0; r++, rec += h->record_bytes) {
    fhs_ciphertext ct;
    fhs_error e = {{0}};
    if (fhs_ciphertext_load(ctx, rec, h->record_bytes, &ct, &e) != 0) {
      rc = fhs_error_set(err, "%s: result %llu: %s", path, (unsigned long long)r, e.msg);
      break;
    }
    rc = fhs_decrypt(sk, &ct, &pt, err);
    fhs_ciphertext_free(&ct);
    for (size_t p = 0; p < k && rc == 0; p++) {
      uint64_t c = r * k + p;
      if (c >= h->cells) break;
      uint64_t v = fhs_mod_mul(pt.coeff[bit_reverse(p, bits) * spacing], scale, &ctx->t_mod);
      /* centred: a count the server pushed below zero stays negative (two's complement), so
       * the range check sees it as huge instead of as a plausible value near t */
      cells[c] = v > ctx->t / 2 ? v - ctx->t : v;
    }
  }
  fhs_plaintext_free(&pt);
  return rc;
}

/* Value of sub-table `sub` (the table without dimension `drop`) at the cell idx. */
static uint64_t sub_value(const fhs_count_table *sub, const size_t *idx, size_t n, size_t drop) {
  size_t off = 0, d = 0;
  for (size_t i = 0; i < n; i++) {
    if (i == drop) continue;
    off = off * sub->shape[d] + idx[i];
    d++;
  }
  return sub->counts[off];
}

/* Completes table t (computed cells already placed) from its sub-tables: for dimension d from
 * the last to the first, cells whose index is last in d and below last in every earlier
 * dimension get sub-marginal minus the sum of their computed siblings. Arithmetic is mod 2^64:
 * a derived count that would be negative (tampering, corruption) stays negative for
 * fhs_count_set_check to report with its cell. Returns -1 when a sub-table is missing. */
static int complete_table(fhs_count_set *s, fhs_count_table *t) {
  size_t n = t->spec.n_cols;
  if (n == 1) return 0;
  for (size_t dd = n; dd-- > 0;) {
    uint32_t sub_cols[FHS_STATS_MAX_WAYS];
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if (i != dd) sub_cols[m++] = t->spec.cols[i];
    const fhs_count_table *sub = fhs_count_set_find(s, n - 1, sub_cols);
    if (!sub) return -1;
    for (size_t off = 0; off < t->size; off++) {
      size_t idx[FHS_STATS_MAX_WAYS], rem = off;
      for (size_t i = n; i-- > 0;) {
        idx[i] = rem % t->shape[i];
        rem /= t->shape[i];
      }
      int target = idx[dd] == t->shape[dd] - 1;
      for (size_t i = 0; i < dd && target; i++) target = idx[i] < t->shape[i] - 1;
      if (!target) continue;
      uint64_t sum = 0;
      size_t stride = 1;
      for (size_t i = dd + 1; i < n; i++) stride *= t->shape[i];
      for (size_t v = 0; v + 1 < t->shape[dd]; v++) sum += t->counts[off - (t->shape[dd] - 1 - v) * stride];
      t->counts[off] = sub_value(sub, idx, n, dd) - sum;
    }
  }
  return 0;
}

static int place_cells(fhs_count_table *t, const uint64_t *cells) {
  size_t n = t->spec.n_cols, c = 0;
  for (size_t off = 0; off < t->size; off++) {
    size_t rem = off;
    int computed = 1;
    for (size_t i = n; i-- > 0;) {
      size_t idx = rem % t->shape[i];
      rem /= t->shape[i];
      if (n > 1 && idx == t->shape[i] - 1) computed = 0;
    }
    if (computed) t->counts[off] = cells[c++];
  }
  return (int)c;
}

int fhs_stats_decrypt(const char *path, const fhs_secret_key *sk, fhs_count_set *out, fhs_error *err) {
  memset(out, 0, sizeof *out);
  fhs_stats_header h;
  uint8_t *file;
  size_t len;
  if (fhs_stats_file_load(path, &h, &file, &len, err) != 0) return -1;
  int rc = 0;
  if (sodium_memcmp(h.params_hash, sk->ctx->hash, FHS_HASH_BYTES) != 0 || h.ring_degree != sk->ctx->n)
    rc = fhs_error_set(err, "%s: made for other encryption parameters than the key", path);
  else if (sodium_memcmp(h.key_id, sk->key_id, FHS_KEY_ID_BYTES) != 0)
    rc = fhs_error_set(err, "%s: computed on data encrypted under another key", path);
  uint64_t *cells = rc == 0 ? calloc(h.cells ? h.cells : 1, sizeof *cells) : NULL;
  if (rc == 0 && !cells) rc = fhs_error_set(err, "out of memory");
  if (rc == 0) rc = unpack(&h, file, sk, cells, path, err);
  if (rc == 0) {
    out->rows_padded = h.rows_padded;
    out->n_columns = h.n_columns;
    out->domain = h.domain;
    h.domain = NULL;
    out->count = h.list.count;
    out->t = calloc(h.list.count, sizeof *out->t);
    if (!out->t) rc = fhs_error_set(err, "out of memory");
  }
  uint64_t c = 0;
  for (size_t m = 0; m < out->count && rc == 0; m++) {
    fhs_count_table *t = &out->t[m];
    t->spec = h.list.m[m];
    t->size = 1;
    for (size_t i = 0; i < t->spec.n_cols; i++) t->size *= t->shape[i] = out->domain[t->spec.cols[i]];
    t->counts = calloc(t->size, sizeof *t->counts);
    if (!t->counts) rc = fhs_error_set(err, "out of memory");
    else c += (uint64_t)place_cells(t, cells + c);
  }
  /* complete in list order: sub-marginals (lower order) come first */
  for (size_t m = 0; m < out->count && rc == 0; m++)
    if (complete_table(out, &out->t[m]) != 0)
      rc = fhs_error_set(err, "%s: corrupt header (a sub-marginal is missing)", path);
  for (size_t m = 0; m < out->count && rc == 0; m++)
    if (out->t[m].spec.n_cols == 1) {
      for (size_t i = 0; i < out->t[m].size; i++) out->rows += out->t[m].counts[i];
      break;
    }
  /* every caller gets checked counts: the server is not trusted to return possible ones */
  if (rc == 0 && fhs_count_set_check(out, path, err) != 0) rc = -1;
  if (rc != 0) fhs_count_set_free(out);
  free(cells);
  free(file);
  fhs_stats_header_free(&h);
  return rc;
}

void fhs_count_set_free(fhs_count_set *s) {
  if (!s) return;
  for (size_t i = 0; s->t && i < s->count; i++) free(s->t[i].counts);
  free(s->t);
  free(s->domain);
  memset(s, 0, sizeof *s);
}
