/* fhs_rows: the owner's input as a stream of rows of text fields, from a CSV or a Parquet file
 * chosen by extension (.parquet is Parquet, anything else CSV). Both sources give the same
 * fields for the same data: Parquet values are printed as the CSV writer prints them
 * (format.h), a null is an empty field. The encode layer reads its input only through this.
 *
 * Errors are one line naming the file; fhs_rows_where gives the prefix for a message about one
 * row ("data.csv:17" for the CSV line where the record starts, "data.parquet: row 17"). */
#ifndef FHS_ROWS_H
#define FHS_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "io.h"

typedef struct fhs_rows fhs_rows;

fhs_rows *fhs_rows_open(const char *path, fhs_error *err);
/* Wraps an open CSV reader (not taken over: close it after fhs_rows_close). */
fhs_rows *fhs_rows_from_csv(fhs_csv_reader *csv, fhs_error *err);
/* 1 with *fields (n_columns entries, valid until the next call) and *line (CSV: line where
 * the record starts; Parquet: 1-based row number; may be NULL); 0 at the end; -1 on error. */
int fhs_rows_next(fhs_rows *r, const fhs_csv_field **fields, uint64_t *line, fhs_error *err);
size_t fhs_rows_n_columns(const fhs_rows *r);
const char *fhs_rows_column_name(const fhs_rows *r, size_t i);
/* Index of the column named name, or -1. */
long fhs_rows_column_index(const fhs_rows *r, const char *name);
const char *fhs_rows_path(const fhs_rows *r);
/* Data rows returned so far. */
uint64_t fhs_rows_read(const fhs_rows *r);
/* "PATH:LINE" or "PATH: row N" for line as returned by fhs_rows_next. */
void fhs_rows_where(const fhs_rows *r, uint64_t line, char *buf, size_t size);
void fhs_rows_close(fhs_rows *r);

#endif
