/* Shared by fit (writer) and decrypt/inspect (readers) of STATS.fhe. */
#ifndef FHS_STATS_INTERNAL_H
#define FHS_STATS_INTERNAL_H

#include "stats.h"

/* Cells the server computes for a marginal: all values of a 1-way table; for higher orders,
 * the cells whose indices are all below their column's last index. */
uint64_t fhs_stats_cells(const fhs_marginal_spec *s, const uint32_t *domain);

typedef struct {
  uint8_t params_hash[FHS_HASH_BYTES];
  uint8_t key_id[FHS_KEY_ID_BYTES];
  uint8_t dataset_id[FHS_DATASET_ID_LEN]; /* copied from DATA.fhe */
  uint32_t ring_degree;
  uint64_t rows_padded;
  uint32_t n_columns;
  uint32_t *domain;
  fhs_marginal_list list;
  uint64_t cells, leaves, results, record_bytes;
} fhs_stats_header;

/* Encoded header size and bytes (with checksum); buf must hold fhs_stats_header_size(h). */
size_t fhs_stats_header_size(const fhs_stats_header *h);
void fhs_stats_header_encode(const fhs_stats_header *h, uint8_t *buf);
/* Reads and validates a STATS.fhe: header, size, trailer. On success *file holds the whole
 * file (free it) and h the header (free with fhs_stats_header_free). */
int fhs_stats_file_load(const char *path, fhs_stats_header *h, uint8_t **file, size_t *len, fhs_error *err);
void fhs_stats_header_free(fhs_stats_header *h);
/* Appends the trailer (magic + BLAKE2b of everything before it) to an open file stream state. */
#define FHS_STATS_TRAILER_BYTES 40
void fhs_stats_trailer(const uint8_t *digest_of_all, uint8_t out[FHS_STATS_TRAILER_BYTES]);

#endif
