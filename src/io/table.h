/* fhs_table: a typed, column-oriented table in memory: what a synthesizer produces and what the
 * CSV, JSON Lines and Parquet writers consume. String columns are dictionary coded (every
 * categorical column has a small set of labels), which keeps a million-row table small and maps
 * directly onto Parquet dictionary pages.
 *
 * Ownership: the table owns every array and string it points to; fhs_table_free releases all. */
#ifndef FHS_TABLE_H
#define FHS_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  FHS_VALUE_INT64 = 0,     /* i64 */
  FHS_VALUE_DOUBLE = 1,    /* f64 */
  FHS_VALUE_STRING = 2,    /* codes[] index dict[] (UTF-8, NUL-terminated) */
  FHS_VALUE_TIMESTAMP = 3  /* i64: milliseconds since 1970-01-01T00:00:00Z */
} fhs_value_type;

typedef struct {
  char *name;
  fhs_value_type type;
  int64_t *i64;    /* INT64, TIMESTAMP: n_rows values */
  double *f64;     /* DOUBLE: n_rows values */
  uint32_t *codes; /* STRING: n_rows codes into dict */
  char **dict;     /* STRING: dict_len labels */
  size_t dict_len;
  uint8_t *valid;  /* n_rows flags: 1 present, 0 missing (empty field / null) */
} fhs_table_column;

typedef struct {
  size_t n_rows;
  size_t n_columns;
  fhs_table_column *columns;
} fhs_table;

void fhs_table_free(fhs_table *t);

#endif
