/* Server-side computation of marginal counts on DATA.fhe (stats.h explains the circuit). */
#include <omp.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "packer.h"
#include "stats_internal.h"

/* One computed cell: marginal m, value indices idx[0..n_cols). */
typedef struct {
  uint32_t m;
  uint16_t idx[FHS_STATS_MAX_WAYS];
} leaf;

typedef struct {
  fhs_data_reader *data;
  const fhs_data_header *h;
  const fhs_context *ctx;
  const fhs_eval_key *ek;
  const fhs_marginal_list *list;
  const fhs_stats_fit_options *opts;
  fhs_ciphertext *cache;  /* n_blocks x total_domain when everything fits, else one block */
  int cache_all;
  uint64_t ct_bytes;
  uint64_t work_done, work_total;
} fit_state;

static uint64_t cache_index(const fit_state *s, uint64_t block, uint32_t col, uint32_t val) {
  return (s->cache_all ? block * s->h->total_domain : 0) + s->h->column_offset[col] + val;
}

/* Enumerates the cells of a marginal in row-major order (last index fastest). */
static size_t enumerate(const fhs_marginal_spec *s, const uint32_t *domain, uint32_t m, leaf *out) {
  size_t n = s->n_cols, count = 0;
  uint32_t lim[FHS_STATS_MAX_WAYS];
  for (size_t i = 0; i < n; i++) lim[i] = n == 1 ? domain[s->cols[i]] : domain[s->cols[i]] - 1;
  for (size_t i = 0; i < n; i++)
    if (lim[i] == 0) return 0;
  uint32_t idx[FHS_STATS_MAX_WAYS] = {0, 0, 0};
  for (;;) {
    leaf l = {m, {0, 0, 0}};
    for (size_t i = 0; i < n; i++) l.idx[i] = (uint16_t)idx[i];
    out[count++] = l;
    size_t d = n;
    while (d > 0 && ++idx[d - 1] == lim[d - 1]) idx[--d] = 0;
    if (d == 0) return count;
  }
}

/* Loads every (column, value) ciphertext that the leaves need for `block`. */
static int load_block(fit_state *s, const leaf *leaves, size_t n, uint64_t block, fhs_error *err) {
  size_t D = s->h->total_domain;
  uint8_t *need = calloc(D, 1);
  if (!need) return fhs_error_set(err, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const fhs_marginal_spec *sp = &s->list->m[leaves[i].m];
    for (size_t j = 0; j < sp->n_cols; j++) need[s->h->column_offset[sp->cols[j]] + leaves[i].idx[j]] = 1;
  }
  int failed = 0;
  fhs_error first = {{0}};
#pragma omp parallel for schedule(dynamic)
  for (size_t k = 0; k < D; k++) {
    if (!need[k] || failed) continue;
    uint32_t c = 0;
    while (c + 1 < s->h->n_columns && s->h->column_offset[c + 1] <= k) c++;
    uint32_t v = (uint32_t)(k - s->h->column_offset[c]);
    fhs_ciphertext *slot = &s->cache[cache_index(s, block, c, v)];
    if (slot->data) continue;
    fhs_error e = {{0}};
    if (fhs_data_read(s->data, s->ctx, block, c, v, slot, &e) != 0) {
#pragma omp critical
      {
        failed = 1;
        first = e;
      }
    }
  }
  free(need);
  return failed ? fhs_error_set(err, "%s", first.msg) : 0;
}

static void release_block(fit_state *s) {
  if (s->cache_all) return;
  for (uint64_t k = 0; k < s->h->total_domain; k++) fhs_ciphertext_free(&s->cache[k]);
}

static const fhs_ciphertext *cached(const fit_state *s, uint64_t block, uint32_t col, uint32_t val) {
  return &s->cache[cache_index(s, block, col, val)];
}

/* acc[i] += the block's contribution to leaf i. 3-way leaves share their (i, j) product:
 * computed once per block and relinearized before the third factor. */
static int accumulate_block(fit_state *s, const leaf *leaves, size_t n, uint64_t block, fhs_ciphertext *acc,
                            fhs_error *err) {
  int failed = 0;
  fhs_error first = {{0}};
  fhs_ciphertext pair;
  memset(&pair, 0, sizeof pair);
  uint32_t pair_m = UINT32_MAX;
  uint16_t pair_i = 0, pair_j = 0;
  /* 3-way leaves come in runs sharing (m, i, j): compute each run's pair product first */
  for (size_t a = 0; a < n && !failed;) {
    const fhs_marginal_spec *sp = &s->list->m[leaves[a].m];
    size_t b = a + 1;
    if (sp->n_cols == 3) {
      while (b < n && leaves[b].m == leaves[a].m && leaves[b].idx[0] == leaves[a].idx[0] &&
             leaves[b].idx[1] == leaves[a].idx[1])
        b++;
      if (pair_m != leaves[a].m || pair_i != leaves[a].idx[0] || pair_j != leaves[a].idx[1]) {
        fhs_ciphertext_free(&pair);
        if (fhs_mul(cached(s, block, sp->cols[0], leaves[a].idx[0]), cached(s, block, sp->cols[1], leaves[a].idx[1]),
                    &pair, err) != 0 ||
            fhs_relinearize(s->ek, &pair, err) != 0)
          return -1;
        pair_m = leaves[a].m;
        pair_i = leaves[a].idx[0];
        pair_j = leaves[a].idx[1];
      }
    } else {
      while (b < n && s->list->m[leaves[b].m].n_cols != 3) b++;
    }
#pragma omp parallel for schedule(dynamic)
    for (size_t i = a; i < b; i++) {
      if (failed) continue;
      const fhs_marginal_spec *q = &s->list->m[leaves[i].m];
      fhs_error e = {{0}};
      int rc;
      if (q->n_cols == 1) rc = fhs_add_inplace(&acc[i], cached(s, block, q->cols[0], leaves[i].idx[0]), &e);
      else if (q->n_cols == 2)
        rc = fhs_mul_acc(cached(s, block, q->cols[0], leaves[i].idx[0]), cached(s, block, q->cols[1], leaves[i].idx[1]),
                         &acc[i], &e);
      else rc = fhs_mul_acc(&pair, cached(s, block, q->cols[2], leaves[i].idx[2]), &acc[i], &e);
      if (rc != 0) {
#pragma omp critical
        {
          failed = 1;
          first = e;
        }
      }
    }
    a = b;
  }
  fhs_ciphertext_free(&pair);
  return failed ? fhs_error_set(err, "%s", first.msg) : 0;
}

static void report(fit_state *s, uint64_t units) {
  s->work_done += units;
  if (s->opts && s->opts->progress) s->opts->progress(s->opts->progress_user, s->work_done, s->work_total);
}

/* Accumulates a chunk of leaves over every block, relinearizes, and feeds the packer. */
static int run_chunk(fit_state *s, const leaf *leaves, size_t n, fhs_packer *packer, fhs_error *err) {
  fhs_ciphertext *acc = calloc(n, sizeof *acc);
  if (!acc) return fhs_error_set(err, "out of memory");
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    size_t size = s->list->m[leaves[i].m].n_cols == 1 ? 2 : 3;
    if (fhs_ciphertext_init(s->ctx, size, s->ctx->q_count, &acc[i]) != 0) rc = fhs_error_set(err, "out of memory");
  }
  for (uint64_t b = 0; b < s->h->n_blocks && rc == 0; b++) {
    rc = load_block(s, leaves, n, b, err);
    if (rc == 0) rc = accumulate_block(s, leaves, n, b, acc, err);
    release_block(s);
    report(s, n);
  }
  int failed = 0;
  fhs_error first = {{0}};
#pragma omp parallel for schedule(dynamic)
  for (size_t i = 0; i < n; i++) {
    fhs_error e = {{0}};
    if (rc != 0 || failed) continue;
    /* Dropping a prime first costs no noise budget worth having (the noise shrinks with the
     * modulus) and makes relinearization and every packing merge work on fewer limbs. */
    int ok = acc[i].level < 3 || fhs_mod_switch(&acc[i], &e) == 0;
    if (!ok || fhs_relinearize(s->ek, &acc[i], &e) != 0) {
#pragma omp critical
      {
        failed = 1;
        first = e;
      }
    }
  }
  if (rc == 0 && failed) rc = fhs_error_set(err, "%s", first.msg);
  for (size_t i = 0; i < n && rc == 0; i++) {
    rc = fhs_packer_push(packer, &acc[i], err);
    if ((i & 63) == 63) report(s, 64);
  }
  for (size_t i = 0; i < n; i++) fhs_ciphertext_free(&acc[i]);
  free(acc);
  return rc;
}

size_t fhs_fit_galois_elements(const fhs_context *ctx, uint64_t *elts, size_t max) {
  size_t count = 0;
  for (unsigned k = 1; k <= ctx->log_n && count < max; k++) elts[count++] = fhs_galois_elt_pack(ctx, k);
  return count;
}

static int check_inputs(const fhs_data_header *h, const fhs_eval_key *ek, const fhs_marginal_list *list,
                        const char *data_path, fhs_error *err) {
  const fhs_context *ctx = ek->ctx;
  if (sodium_memcmp(h->params_hash, ctx->hash, FHS_HASH_BYTES) != 0 || h->ring_degree != ctx->n)
    return fhs_error_set(err, "%s: made for other encryption parameters than the evaluation key", data_path);
  if (sodium_memcmp(h->key_id, ek->key_id, FHS_KEY_ID_BYTES) != 0)
    return fhs_error_set(err, "%s: encrypted under another key than the evaluation key's", data_path);
  if (!ek->has_relin) return fhs_error_set(err, "evaluation key has no relinearization key");
  uint64_t elts[32];
  size_t ne = fhs_fit_galois_elements(ctx, elts, 32);
  for (size_t i = 0; i < ne; i++)
    if (!fhs_eval_key_galois(ek, elts[i])) return fhs_error_set(err, "evaluation key lacks the Galois keys fit needs");
  for (size_t m = 0; m < list->count; m++) {
    for (size_t i = 0; i < list->m[m].n_cols; i++)
      if (list->m[m].cols[i] >= h->n_columns)
        return fhs_error_set(err, "marginal column %u does not exist: the data has %u columns", list->m[m].cols[i],
                             h->n_columns);
    if (list->m[m].n_cols == 3 && ctx->n < 16384)
      return fhs_error_set(err, "3-way marginals need keys made with --ring 16384 or larger (noise budget)");
  }
  return 0;
}

/* Chunk size from the memory budget: accumulators are 3-component ciphertexts. */
static size_t chunk_leaves(fit_state *s) {
  uint64_t budget = (uint64_t)(s->opts && s->opts->memory_mib ? s->opts->memory_mib : 1024) << 20;
  uint64_t data_bytes = s->h->n_blocks * s->h->total_domain * s->ct_bytes;
  s->cache_all = data_bytes <= budget / 2;
  uint64_t used = s->cache_all ? data_bytes : s->h->total_domain * s->ct_bytes;
  used += 96 * s->ct_bytes; /* packer group and stack */
  uint64_t acc_bytes = s->ct_bytes * 3 / 2;
  uint64_t room = budget > used ? budget - used : 0;
  size_t n = (size_t)(room / acc_bytes);
  return n < 64 ? 64 : n;
}

static int write_stats(fit_state *s, fhs_packer *packer, uint64_t cells, const char *out_path, fhs_error *err) {
  fhs_stats_header sh;
  memset(&sh, 0, sizeof sh);
  memcpy(sh.params_hash, s->ctx->hash, FHS_HASH_BYTES);
  memcpy(sh.key_id, s->ek->key_id, FHS_KEY_ID_BYTES);
  memcpy(sh.dataset_id, s->h->dataset_id, FHS_DATASET_ID_LEN);
  sh.ring_degree = (uint32_t)s->ctx->n;
  sh.rows_padded = s->h->rows_padded;
  sh.n_columns = s->h->n_columns;
  sh.domain = s->h->domain;
  sh.list = *s->list;
  sh.cells = cells;
  sh.leaves = packer->k;
  sh.results = packer->n_results;
  uint8_t **recs = calloc(packer->n_results, sizeof *recs);
  size_t *lens = calloc(packer->n_results, sizeof *lens);
  int rc = recs && lens ? 0 : fhs_error_set(err, "out of memory");
  for (size_t r = 0; r < packer->n_results && rc == 0; r++) {
    /* one prime is enough to carry the packed counts: the file shrinks by the level count */
    while (rc == 0 && packer->results[r].level > 1) rc = fhs_mod_switch(&packer->results[r], err);
    if (rc == 0) rc = fhs_ciphertext_save(&packer->results[r], &recs[r], &lens[r], err);
    if (rc == 0 && lens[r] != lens[0]) rc = fhs_error_set(err, "internal error: result sizes differ");
  }
  fhs_atomic_file out;
  int opened = 0;
  if (rc == 0) {
    sh.record_bytes = lens[0];
    rc = fhs_atomic_open(&out, out_path, err);
    opened = rc == 0;
  }
  if (rc == 0) {
    size_t hb = fhs_stats_header_size(&sh);
    uint8_t *hdr = calloc(1, hb);
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    if (!hdr) rc = fhs_error_set(err, "out of memory");
    if (rc == 0) {
      fhs_stats_header_encode(&sh, hdr);
      crypto_generichash_update(&st, hdr, hb);
      if (fwrite(hdr, 1, hb, out.fp) != hb) rc = fhs_error_set(err, "%s: write failed", out_path);
    }
    for (size_t r = 0; r < packer->n_results && rc == 0; r++) {
      crypto_generichash_update(&st, recs[r], lens[r]);
      if (fwrite(recs[r], 1, lens[r], out.fp) != lens[r]) rc = fhs_error_set(err, "%s: write failed", out_path);
    }
    uint8_t digest[32], trailer[FHS_STATS_TRAILER_BYTES];
    crypto_generichash_final(&st, digest, 32);
    fhs_stats_trailer(digest, trailer);
    if (rc == 0 && fwrite(trailer, 1, sizeof trailer, out.fp) != sizeof trailer)
      rc = fhs_error_set(err, "%s: write failed", out_path);
    free(hdr);
  }
  if (rc == 0) rc = fhs_atomic_commit(&out, err);
  else if (opened) fhs_atomic_abort(&out);
  for (size_t r = 0; recs && r < packer->n_results; r++) free(recs[r]);
  free(recs);
  free(lens);
  return rc;
}

int fhs_fit(fhs_data_reader *data, const fhs_eval_key *ek, const fhs_marginal_list *list,
            const fhs_stats_fit_options *opts, const char *out_path, fhs_error *err) {
  fit_state s;
  memset(&s, 0, sizeof s);
  s.data = data;
  s.h = fhs_data_header_of(data);
  s.ctx = ek->ctx;
  s.ek = ek;
  s.list = list;
  s.opts = opts;
  if (check_inputs(s.h, ek, list, fhs_data_path(data), err) != 0) return -1;
  if (fhs_data_verify(data, err) != 0) return -1;
  s.ct_bytes = 2 * s.ctx->q_count * s.ctx->n * 8;
  uint64_t cells = 0;
  for (size_t m = 0; m < list->count; m++) cells += fhs_stats_cells(&list->m[m], s.h->domain);
  if (cells == 0) return fhs_error_set(err, "no cells to compute");
  size_t per_chunk = chunk_leaves(&s);
  s.cache = calloc(s.cache_all ? s.h->n_blocks * s.h->total_domain : s.h->total_domain, sizeof *s.cache);
  leaf *leaves = malloc(cells * sizeof *leaves);
  fhs_packer packer;
  int rc = s.cache && leaves ? 0 : fhs_error_set(err, "out of memory");
  size_t k = s.ctx->n, g = 64;
  if (rc == 0) rc = fhs_packer_init(&packer, ek, k, g, err);
  int packer_ok = rc == 0;
  size_t total = 0;
  for (size_t m = 0; m < list->count && rc == 0; m++) total += enumerate(&list->m[m], s.h->domain, (uint32_t)m, leaves + total);
  size_t chunks = (total + per_chunk - 1) / per_chunk;
  s.work_total = total * s.h->n_blocks + total;
  (void)chunks;
  for (size_t start = 0; start < total && rc == 0; start += per_chunk) {
    size_t n = total - start < per_chunk ? total - start : per_chunk;
    rc = run_chunk(&s, leaves + start, n, &packer, err);
  }
  if (rc == 0) rc = fhs_packer_finish(&packer, err);
  if (rc == 0 && s.work_done < s.work_total) report(&s, s.work_total - s.work_done); /* 100% */
  if (rc == 0) rc = write_stats(&s, &packer, cells, out_path, err);
  if (packer_ok) fhs_packer_free(&packer);
  if (s.cache) {
    size_t nc = s.cache_all ? s.h->n_blocks * s.h->total_domain : s.h->total_domain;
    for (size_t i = 0; i < nc; i++) fhs_ciphertext_free(&s.cache[i]);
  }
  free(s.cache);
  free(leaves);
  return rc;
}
