/* fhs_rows: the same table read from CSV and from Parquet gives the same header and the same
 * fields row by row; choice by extension; where-prefixes; errors pass through. */
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "rows.h"
#include "table_fixture.h"
#include "writers.h"

static fixture fx;

static void test_same_rows(void) {
  fhs_table t;
  CHECK(fixture_table(&t, 70000, 5, 21) == 0);
  /* the CSV reader cannot tell a present empty label from a missing one: no empty label */
  free(t.columns[4].dict[3]);
  t.columns[4].dict[3] = fixture_strdup("E");
  char csv[600], pq[600];
  fhs_error err;
  snprintf(csv, sizeof csv, "%s/t.csv", fx.dir);
  snprintf(pq, sizeof pq, "%s/t.Parquet", fx.dir);
  CHECK_MSG(fhs_table_write(&t, csv, &err) == 0, "%s", err.msg);
  CHECK_MSG(fhs_table_write(&t, pq, &err) == 0, "%s", err.msg);
  fhs_table_free(&t);
  fhs_rows *a = fhs_rows_open(csv, &err), *b = fhs_rows_open(pq, &err);
  CHECK_MSG(a && b, "%s", err.msg);
  if (!a || !b) {
    fhs_rows_close(a);
    fhs_rows_close(b);
    return;
  }
  CHECK(fhs_rows_n_columns(a) == 6 && fhs_rows_n_columns(b) == 6);
  for (size_t c = 0; c < 6; c++)
    CHECK(!strcmp(fhs_rows_column_name(a, c), fhs_rows_column_name(b, c)));
  CHECK(fhs_rows_column_index(b, "label") == 4 && fhs_rows_column_index(b, "nope") == -1);
  const fhs_csv_field *fa, *fb;
  uint64_t la, lb;
  size_t differ = 0;
  int ra, rb;
  while ((ra = fhs_rows_next(a, &fa, &la, &err)) == 1 && (rb = fhs_rows_next(b, &fb, &lb, &err)) == 1)
    for (size_t c = 0; c < 6; c++)
      if (fa[c].len != fb[c].len || memcmp(fa[c].ptr, fb[c].ptr, fa[c].len)) differ++;
  CHECK_MSG(ra == 0 && fhs_rows_next(b, &fb, &lb, &err) == 0, "%s", err.msg);
  CHECK(differ == 0);
  CHECK(fhs_rows_read(a) == 70000 && fhs_rows_read(b) == 70000);
  char where[700], want[700];
  fhs_rows_where(b, 17, where, sizeof where);
  snprintf(want, sizeof want, "%s: row 17", pq);
  CHECK(!strcmp(where, want));
  fhs_rows_where(a, 17, where, sizeof where);
  snprintf(want, sizeof want, "%s:17", csv);
  CHECK(!strcmp(where, want) && !strcmp(fhs_rows_path(a), csv));
  fhs_rows_close(a);
  fhs_rows_close(b);
}

static void test_errors(void) {
  fhs_error err;
  CHECK(fhs_rows_open("/nonexistent/in.parquet", &err) == NULL);
  CHECK(!strcmp(err.msg, "/nonexistent/in.parquet: no such file"));
  char path[600];
  CHECK(fixture_write(&fx, "x.parquet", "a,b\n1,2\n3,4\n5,6\n", (size_t)-1, path, sizeof path) == 0);
  CHECK(fhs_rows_open(path, &err) == NULL && strstr(err.msg, "no PAR1 magic at the start"));
  CHECK(fixture_write(&fx, "x.txt", "a,b\n1,2\n", (size_t)-1, path, sizeof path) == 0);
  fhs_rows *r = fhs_rows_open(path, &err); /* anything but .parquet is CSV */
  CHECK(r && fhs_rows_n_columns(r) == 2);
  fhs_rows_close(r);
}

int main(void) {
  if (fixture_init(&fx)) return 1;
  test_same_rows();
  test_errors();
  fixture_cleanup(&fx);
  return check_report("test_io_rows");
}
