/* Parquet: a writer for fhs_table and a row reader for flat files, both written from the format
 * specification (apache/parquet-format), since Debian has no Parquet library for C.
 *
 * Writer guarantees:
 * - One row group per FHS_PARQUET_GROUP_ROWS rows (the last may be shorter); every column is
 *   OPTIONAL (missing values are nulls), one data page (v1) per column chunk.
 * - INT64 -> INT64; DOUBLE -> DOUBLE; TIMESTAMP -> INT64 with logical type
 *   TIMESTAMP(isAdjustedToUTC=true, unit=MILLIS) and converted type TIMESTAMP_MILLIS; STRING ->
 *   BYTE_ARRAY with logical type STRING (converted UTF8), dictionary encoded (a PLAIN dictionary
 *   page, then RLE_DICTIONARY indices), since fhs_table strings are dictionary coded already.
 * - Column statistics: null_count, and min/max for numbers and timestamps (NaN excluded).
 * - Codec UNCOMPRESSED, or ZSTD when the library was built with libzstd (fhs_parquet_has_zstd).
 * - The file appears complete or not at all (fhs_atomic_*).
 *
 * Reader guarantees:
 * - Reads flat schemas (REQUIRED and OPTIONAL columns) of BOOLEAN, INT32, INT64, FLOAT, DOUBLE
 *   and BYTE_ARRAY (strings), with DATE, TIMESTAMP (millis, micros, nanos), signed and
 *   unsigned integer annotations; PLAIN, RLE (booleans), PLAIN_DICTIONARY and RLE_DICTIONARY
 *   encodings; data pages v1 and v2; codecs UNCOMPRESSED and, with libzstd, ZSTD. Anything
 *   else is an error that names it ("compression codec SNAPPY is not supported").
 * - Values come back as text, exactly as the CSV writer would print them (format.h): integers,
 *   shortest round-trip floating point, ISO 8601 timestamps, YYYY-MM-DD dates, "true"/"false";
 *   a null is an empty field. Strings must be valid UTF-8 without NUL bytes, as for CSV.
 * - Any malformed file (bad magic, truncation, lengths out of range, bad Thrift, bad pages)
 *   gives a one-line error "PATH: problem", never a crash: every length is checked against
 *   the bytes it claims to cover. One row group is held in memory at a time.
 *
 * Layer: io. libc, and libzstd when present. */
#ifndef FHS_PARQUET_H
#define FHS_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "io.h"
#include "table.h"

#define FHS_PARQUET_GROUP_ROWS ((size_t)65536)
/* A row group claiming more rows than this is refused: it bounds the memory a file can make
 * the reader allocate (one row group is decoded at a time). */
#define FHS_PARQUET_MAX_GROUP_ROWS ((uint64_t)1 << 24)

typedef enum { FHS_PARQUET_UNCOMPRESSED = 0, FHS_PARQUET_ZSTD = 6 } fhs_parquet_codec;

typedef struct {
  fhs_parquet_codec codec;
  int zstd_level;        /* 1..19; 0 means the default (3) */
  size_t row_group_rows; /* 0 means FHS_PARQUET_GROUP_ROWS */
} fhs_parquet_options;

/* True when ZSTD is available (the library was linked with libzstd). */
bool fhs_parquet_has_zstd(void);
/* Defaults: ZSTD (level 3) when available, else UNCOMPRESSED; FHS_PARQUET_GROUP_ROWS. */
fhs_parquet_options fhs_parquet_defaults(void);

/* Writes t to path as Parquet. opts may be NULL for the defaults. */
int fhs_parquet_write(const fhs_table *t, const char *path, const fhs_parquet_options *opts,
                      fhs_error *err);

/* ---------- reader ---------- */

typedef struct fhs_parquet_reader fhs_parquet_reader;

/* Opens path, checks the magic and reads the footer and schema. NULL on error. */
fhs_parquet_reader *fhs_parquet_open(const char *path, fhs_error *err);
/* Next row: 1 with *fields (n_columns entries, NUL-terminated, valid until the next call) and
 * *row (1-based row number; may be NULL); 0 at the end; -1 on error (sticky). */
int fhs_parquet_next_row(fhs_parquet_reader *r, const fhs_csv_field **fields, uint64_t *row,
                         fhs_error *err);
size_t fhs_parquet_n_columns(const fhs_parquet_reader *r);
const char *fhs_parquet_column_name(const fhs_parquet_reader *r, size_t i);
const char *fhs_parquet_path(const fhs_parquet_reader *r);
uint64_t fhs_parquet_rows_read(const fhs_parquet_reader *r);
/* From the footer: total rows and row groups. */
uint64_t fhs_parquet_n_rows(const fhs_parquet_reader *r);
size_t fhs_parquet_n_row_groups(const fhs_parquet_reader *r);
void fhs_parquet_close(fhs_parquet_reader *r);

#endif
