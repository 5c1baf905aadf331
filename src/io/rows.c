/* Row source over the CSV reader or the Parquet reader (rows.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parquet.h"
#include "rows.h"

struct fhs_rows {
  fhs_csv_reader *csv;
  bool owns_csv;
  fhs_parquet_reader *pq;
};

static bool is_parquet(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *dot = strrchr(slash ? slash + 1 : path, '.');
  return dot && !strcasecmp(dot, ".parquet");
}

fhs_rows *fhs_rows_open(const char *path, fhs_error *err) {
  fhs_rows *r = calloc(1, sizeof *r);
  if (!r) {
    fhs_error_set(err, "%s: out of memory", path);
    return NULL;
  }
  if (is_parquet(path))
    r->pq = fhs_parquet_open(path, err);
  else
    r->owns_csv = (r->csv = fhs_csv_open(path, err)) != NULL;
  if (!r->pq && !r->csv) {
    free(r);
    return NULL;
  }
  return r;
}

fhs_rows *fhs_rows_from_csv(fhs_csv_reader *csv, fhs_error *err) {
  fhs_rows *r = calloc(1, sizeof *r);
  if (!r) {
    fhs_error_set(err, "%s: out of memory", fhs_csv_path(csv));
    return NULL;
  }
  r->csv = csv;
  return r;
}

int fhs_rows_next(fhs_rows *r, const fhs_csv_field **fields, uint64_t *line, fhs_error *err) {
  return r->pq ? fhs_parquet_next_row(r->pq, fields, line, err)
               : fhs_csv_next_row(r->csv, fields, line, err);
}

size_t fhs_rows_n_columns(const fhs_rows *r) {
  return r->pq ? fhs_parquet_n_columns(r->pq) : fhs_csv_n_columns(r->csv);
}

const char *fhs_rows_column_name(const fhs_rows *r, size_t i) {
  return r->pq ? fhs_parquet_column_name(r->pq, i) : fhs_csv_column_name(r->csv, i);
}

long fhs_rows_column_index(const fhs_rows *r, const char *name) {
  size_t n = fhs_rows_n_columns(r);
  for (size_t i = 0; i < n; i++)
    if (strcmp(fhs_rows_column_name(r, i), name) == 0) return (long)i;
  return -1;
}

const char *fhs_rows_path(const fhs_rows *r) {
  return r->pq ? fhs_parquet_path(r->pq) : fhs_csv_path(r->csv);
}

uint64_t fhs_rows_read(const fhs_rows *r) {
  return r->pq ? fhs_parquet_rows_read(r->pq) : fhs_csv_rows_read(r->csv);
}

void fhs_rows_where(const fhs_rows *r, uint64_t line, char *buf, size_t size) {
  if (r->pq)
    snprintf(buf, size, "%s: row %llu", fhs_rows_path(r), (unsigned long long)line);
  else
    snprintf(buf, size, "%s:%llu", fhs_rows_path(r), (unsigned long long)line);
}

void fhs_rows_close(fhs_rows *r) {
  if (!r) return;
  if (r->owns_csv) fhs_csv_close(r->csv);
  fhs_parquet_close(r->pq);
  free(r);
}
