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
 * STATS.fhe: header (magic "FHSSTAT\0", version, parameter hash, key id, dataset id, ring degree, rows
 * rounded up, the column domain sizes, the marginal list, the number of cells, leaves per
 * result ciphertext, result count, header checksum), then the result ciphertext records
 * (switched down to one prime), then a trailer hash of everything. */
#ifndef FHS_STATS_H
#define FHS_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "datafile.h"
#include "fhe.h"

#define FHS_STATS_VERSION 2
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

/* ---------- checking the server's result (owner side, verify.c) ----------
 * The server is trusted to be semi-honest only (DESIGN sections 2 and 6): before anything is
 * released the owner checks what the decrypted counts can be checked against. A count the
 * server made negative decrypts to a value near t (computed cells) or wraps below zero when the
 * owner derives a cell from it; decrypt stores both as two's-complement negatives, so every
 * tampered count shows up as a value above rows_padded. */

/* fhs_count_set_check and fhs_count_set_recount return this when the counts are refuted (err
 * holds the one-line reason); -1 means the check itself failed (I/O, bad input). */
#define FHS_STATS_REFUTED 1

/* The table over exactly these (increasing) columns, or NULL. */
const fhs_count_table *fhs_count_set_find(const fhs_count_set *s, size_t n_cols, const uint32_t *cols);
/* Range and consistency: every count in [0, rows_padded]; every 1-way table sums to the same
 * total N <= rows_padded; summing any table over one of its columns gives the table without
 * that column. Needs no input; fhs_stats_decrypt runs it on every result. path names the file. */
int fhs_count_set_check(const fhs_count_set *s, const char *path, fhs_error *err);
/* Recounts every cell of every table from the owner's plaintext input (CSV or Parquet, encoded
 * with schema as the encryption did) and compares: one pass over the rows, rows x tables
 * increments. A full recount rather than a sample: it refutes any tampering with probability 1
 * and costs well under a second on Adult, so there is nothing to gain from sampling. */
int fhs_count_set_recount(const fhs_count_set *s, const fhs_schema *schema, const char *input,
                          const char *path, fhs_error *err);

/* What `inspect` shows of a STATS.fhe without a key. */
typedef struct {
  uint8_t params_hash[FHS_HASH_BYTES];
  uint8_t key_id[FHS_KEY_ID_BYTES];
  uint8_t dataset_id[FHS_DATASET_ID_LEN];
  uint32_t ring_degree;
  uint64_t rows_padded;
  uint32_t n_columns;
  uint64_t marginals, cells, results, leaves;
  int max_ways;
} fhs_stats_info;
int fhs_stats_inspect(const char *path, fhs_stats_info *info, fhs_error *err);

#endif
