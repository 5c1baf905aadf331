/* stats: marginal counts computed on the encrypted dataset (server side), and their
 * decryption by the owner.
 *
 * For a marginal over columns (A, B) the server computes, for every cell (i, j) with i and j
 * below the last index of their columns, sum over blocks of Enc(1[A=i]) * Enc(1[B=j]) as a
 * 3-component product accumulated in NTT form, relinearizes once, and packs the slot total of
 * every cell into ciphertext coefficients (fhs_pack_merge): thousands of counts per result
 * ciphertext, one automorphism each. Cells in the last row or column of a table are not
 * computed: every row has exactly one value per column, so the owner derives them exactly from
 * the lower-order marginals (1-way counts for a 2-way table, 2-way tables for a 3-way one).
 * 3-way cells are products of three.
 *
 * STATS.fhe: header (magic "FHSSTAT\0", version, parameter hash, key id, ring degree, rows
 * rounded up, the column domain sizes, the marginal list, the number of cells, leaves per
 * result ciphertext, result count, header checksum), then the result ciphertext records
 * (switched down to one prime), then a trailer hash of everything. */
#ifndef FHS_STATS_H
#define FHS_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "datafile.h"
#include "fhe.h"

#define FHS_STATS_VERSION 1
#define FHS_STATS_MAX_WAYS 3

typedef struct {
  size_t n_cols;                   /* 1, 2 or 3 */
  uint32_t cols[FHS_STATS_MAX_WAYS]; /* increasing column indices */
} fhs_marginal_spec;

/* A list of marginals closed under taking sub-marginals (so every table can be completed). */
typedef struct {
  size_t count;
  fhs_marginal_spec *m;
} fhs_marginal_list;

/* All marginals of order <= ways over n_columns columns. */
int fhs_marginal_list_all(uint32_t n_columns, int ways, fhs_marginal_list *out, fhs_error *err);
/* Parses "a,b;c,d,e" (0-based column indices) and adds every sub-marginal. */
int fhs_marginal_list_parse(const char *text, uint32_t n_columns, fhs_marginal_list *out, fhs_error *err);
void fhs_marginal_list_free(fhs_marginal_list *l);

typedef struct {
  size_t memory_mib;          /* budget for accumulators and cached ciphertexts (default 1024) */
  fhs_progress_fn progress;   /* may be NULL */
  void *progress_user;
} fhs_stats_fit_options;

/* The galois elements a server needs for fit at ring degree n (fhs_galois_elt_pack 1..log2 n). */
size_t fhs_fit_galois_elements(const fhs_context *ctx, uint64_t *elts, size_t max);

/* Server side: computes the listed marginals of the data and writes STATS.fhe atomically.
 * Refuses data made for other parameters or another key. */
int fhs_fit(fhs_data_reader *data, const fhs_eval_key *ek, const fhs_marginal_list *list,
            const fhs_stats_fit_options *opts, const char *out_path, fhs_error *err);

/* Owner side: exact counts of every marginal in a STATS.fhe. */
typedef struct {
  fhs_marginal_spec spec;
  size_t shape[FHS_STATS_MAX_WAYS];
  size_t size;
  uint64_t *counts;          /* row-major, first column slowest */
} fhs_count_table;

typedef struct {
  uint64_t rows;             /* real rows: the sum of any 1-way table */
  uint64_t rows_padded;
  uint32_t n_columns;
  uint32_t *domain;
  size_t count;
  fhs_count_table *t;
} fhs_count_set;

int fhs_stats_decrypt(const char *path, const fhs_secret_key *sk, fhs_count_set *out, fhs_error *err);
void fhs_count_set_free(fhs_count_set *s);

/* What `inspect` shows of a STATS.fhe without a key. */
typedef struct {
  uint8_t params_hash[FHS_HASH_BYTES];
  uint8_t key_id[FHS_KEY_ID_BYTES];
  uint32_t ring_degree;
  uint64_t rows_padded;
  uint32_t n_columns;
  uint64_t marginals, cells, results, leaves;
  int max_ways;
} fhs_stats_info;
int fhs_stats_inspect(const char *path, fhs_stats_info *info, fhs_error *err);

#endif
