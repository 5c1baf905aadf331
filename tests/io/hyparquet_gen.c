/* Writes the files tests/io/run_hyparquet.sh hands to hyparquet (parquet_check.mjs): the same
 * table as CSV, JSON Lines and Parquet, for each of
 *   types       150,000 rows (3 row groups), every type, missing values, UNCOMPRESSED
 *   types_zstd  the same with ZSTD pages (when the library has libzstd)
 *   dense       70,000 rows (2 row groups), nothing missing, written by fhs_table_write
 * usage: hyparquet_gen DIR */
#include <stdio.h>

#include "table_fixture.h"
#include "writers.h"

static int write_three(const fhs_table *t, const char *dir, const char *name,
                       const fhs_parquet_options *o) {
  static const char *const exts[] = {"csv", "jsonl", "parquet"};
  for (int k = 0; k < 3; k++) {
    char path[1024];
    fhs_error err;
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, exts[k]);
    int rc = k == 2 && o ? fhs_parquet_write(t, path, o, &err) : fhs_table_write(t, path, &err);
    if (rc) {
      fprintf(stderr, "hyparquet_gen: %s\n", err.msg);
      return -1;
    }
  }
  printf("%s\n", name);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: hyparquet_gen DIR\n");
    return 2;
  }
  fhs_table t;
  int rc = fixture_table(&t, 150000, 7, 11);
  fhs_parquet_options o = {FHS_PARQUET_UNCOMPRESSED, 0, 0};
  if (rc == 0) rc = write_three(&t, argv[1], "types", &o);
  o.codec = FHS_PARQUET_ZSTD;
  if (rc == 0 && fhs_parquet_has_zstd()) rc = write_three(&t, argv[1], "types_zstd", &o);
  fhs_table_free(&t);
  if (rc == 0) rc = fixture_table(&t, 70000, 0, 12);
  if (rc == 0) rc = write_three(&t, argv[1], "dense", NULL);
  fhs_table_free(&t);
  return rc ? 1 : 0;
}
