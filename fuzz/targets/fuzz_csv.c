/* The CSV reader (src/io/csv.c) through fhs_rows, as encrypt and evaluate read their input. */
#include <stdlib.h>

#include "fuzz_common.h"
#include "rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write(".csv", data, size);
  fhs_error err = {{0}};
  fhs_rows *r = fhs_rows_open(path, &err);
  if (!r) return 0;
  size_t cols = fhs_rows_n_columns(r);
  for (size_t i = 0; i < cols; i++) (void)fhs_rows_column_index(r, fhs_rows_column_name(r, i));
  const fhs_csv_field *f;
  uint64_t line = 0;
  char where[256];
  int rc;
  while ((rc = fhs_rows_next(r, &f, &line, &err)) == 1) {
    size_t total = 0;
    for (size_t i = 0; i < cols; i++) total += f[i].len + (f[i].ptr[f[i].len] == 0);
    if (total == (size_t)-1) abort();
    fhs_rows_where(r, line, where, sizeof where);
  }
  fhs_rows_close(r);
  return 0;
}
