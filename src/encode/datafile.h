/* DATA.fhe: the encrypted dataset, made by the owner and read by the server.
 *
 * Layout: a header (magic "FHSDATA\0", version, parameter hash, key id, dataset id, ring degree, rows per
 * block, block count, rows rounded up to a block, column count, each column's domain size, and
 * a BLAKE2b-256 checksum of the header), then for every block, column and value one seeded
 * ciphertext record (fixed size, each with its own checksum) holding the indicator vector of
 * that value over the block's rows, then a trailer: BLAKE2b-256 of the header and every record.
 * The header holds domain sizes only: no column names, labels or bin edges (those stay in the
 * owner's SCHEMA.json).
 *
 * Records have a fixed size, so a reader can fetch (block, column, value) directly; a full
 * pass (fhs_data_verify) checks the trailer. */
#ifndef FHS_DATAFILE_H
#define FHS_DATAFILE_H

#include <stdint.h>

#include "encode.h"
#include "fhe.h"

#define FHS_DATA_VERSION 2
/* The owner's dataset id: a keyed hash of the input (the key never leaves the owner), naming
 * the dataset's privacy ledger; the server sees only an opaque value. */
#define FHS_DATASET_ID_LEN 16

typedef struct {
  uint8_t params_hash[FHS_HASH_BYTES];
  uint8_t key_id[FHS_KEY_ID_BYTES];
  uint8_t dataset_id[FHS_DATASET_ID_LEN];
  uint32_t ring_degree;
  uint32_t block_rows;
  uint64_t n_blocks;
  uint64_t rows_padded;      /* n_blocks * block_rows: all the server learns of the row count */
  uint32_t n_columns;
  uint32_t *domain;          /* n_columns domain sizes */
  uint64_t total_domain;     /* sum of domain sizes: ciphertexts per block */
  uint64_t *column_offset;   /* first value index of each column within a block */
  uint64_t record_bytes;     /* size of every ciphertext record */
  uint64_t header_bytes;     /* file offset of the first record */
} fhs_data_header;

/* Progress callback for long work: done out of total units. May be NULL. */
typedef void (*fhs_progress_fn)(void *user, uint64_t done, uint64_t total);

/* Encrypts every block the encoder yields with the secret key (seeded symmetric encryption:
 * half the size of public-key ciphertexts) into out_path, written atomically. dataset_id may
 * be NULL (all zero). expected_rows (may be 0) only scales the progress bar. */
int fhs_data_encrypt(fhs_encoder *enc, const fhs_schema *schema, const fhs_secret_key *sk,
                     const uint8_t dataset_id[FHS_DATASET_ID_LEN], const char *out_path, uint64_t expected_rows, fhs_progress_fn progress,
                     void *progress_user, fhs_error *err);

typedef struct fhs_data_reader fhs_data_reader;

/* Opens and validates the header (magic, version, checksum, sizes consistent with the file). */
fhs_data_reader *fhs_data_open(const char *path, fhs_error *err);
const fhs_data_header *fhs_data_header_of(const fhs_data_reader *r);
const char *fhs_data_path(const fhs_data_reader *r);
/* Reads the whole file once and checks the trailer: a missing, reordered or altered record is
 * found here. */
int fhs_data_verify(fhs_data_reader *r, fhs_error *err);
/* Loads the ciphertext of (block, column, value); safe to call from several threads. */
int fhs_data_read(const fhs_data_reader *r, const fhs_context *ctx, uint64_t block, uint32_t column,
                  uint32_t value, fhs_ciphertext *ct, fhs_error *err);
void fhs_data_close(fhs_data_reader *r);

/* Header parsing shared with `inspect`: validates magic, version and checksum of a header
 * held in buf (len bytes available); fills h (free with fhs_data_header_free). */
int fhs_data_header_parse(const uint8_t *buf, size_t len, fhs_data_header *h, const char *path, fhs_error *err);
void fhs_data_header_free(fhs_data_header *h);

#endif
