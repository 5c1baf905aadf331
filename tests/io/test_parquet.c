/* Parquet writer and reader: round trips of every type over several row groups with both
 * codecs, files from another writer (hyparquet-writer, tests/io/data), the exact error of
 * each kind of bad file, and a fuzz-style sweep (every truncation, bit flips everywhere) in
 * which the reader must give an error or rows, never crash (the ASan build checks that).
 * argv[1] is the fixture directory tests/io/data. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "fixture.h"
#include "parquet.h"
#include "parquet_internal.h"
#include "table_fixture.h"
#include "writers.h"

static fixture fx;
static const char *data_dir = ".";

static void path_in(char *buf, size_t size, const char *name) {
  snprintf(buf, size, "%s/%s", fx.dir, name);
}

/* Reads the whole file and compares every field with the table's text. */
static void check_matches_table(const char *path, const fhs_table *t, size_t groups) {
  fhs_error err;
  fhs_parquet_reader *r = fhs_parquet_open(path, &err);
  CHECK_MSG(r != NULL, "%s", err.msg);
  if (!r) return;
  CHECK(fhs_parquet_n_columns(r) == t->n_columns);
  CHECK(fhs_parquet_n_rows(r) == t->n_rows);
  CHECK_MSG(fhs_parquet_n_row_groups(r) == groups, "%zu groups", fhs_parquet_n_row_groups(r));
  for (size_t c = 0; c < t->n_columns; c++)
    CHECK(!strcmp(fhs_parquet_column_name(r, c), t->columns[c].name));
  const fhs_csv_field *f;
  uint64_t row = 0;
  size_t bad = 0;
  int rc;
  char buf[FHS_FORMAT_BUF];
  while ((rc = fhs_parquet_next_row(r, &f, &row, &err)) == 1) {
    size_t i = (size_t)row - 1;
    for (size_t c = 0; c < t->n_columns && i < t->n_rows; c++) {
      const char *want = fixture_text(t, i, c, buf);
      if ((strlen(want) != f[c].len || memcmp(want, f[c].ptr, f[c].len) || f[c].ptr[f[c].len]) &&
          bad++ < 5)
        fprintf(stderr, "row %zu column %zu: got \"%s\", want \"%s\"\n", i + 1, c, f[c].ptr, want);
    }
  }
  CHECK_MSG(rc == 0, "%s", err.msg);
  CHECK(bad == 0);
  CHECK_MSG(row == t->n_rows, "%llu rows", (unsigned long long)row);
  CHECK(fhs_parquet_next_row(r, &f, &row, &err) == 0); /* the end is sticky */
  fhs_parquet_close(r);
}

static void test_round_trip(void) {
  fhs_table t;
  CHECK(fixture_table(&t, 150000, 7, 1) == 0);
  char path[600];
  fhs_error err;
  fhs_parquet_options o = {FHS_PARQUET_UNCOMPRESSED, 0, 0};
  path_in(path, sizeof path, "plain.parquet");
  CHECK_MSG(fhs_parquet_write(&t, path, &o, &err) == 0, "%s", err.msg);
  check_matches_table(path, &t, 3);
  if (fhs_parquet_has_zstd()) {
    o.codec = FHS_PARQUET_ZSTD;
    path_in(path, sizeof path, "zstd.parquet");
    CHECK_MSG(fhs_parquet_write(&t, path, &o, &err) == 0, "%s", err.msg);
    check_matches_table(path, &t, 3);
    struct stat a, b;
    char plain[600];
    path_in(plain, sizeof plain, "plain.parquet");
    CHECK(stat(path, &a) == 0 && stat(plain, &b) == 0 && a.st_size < b.st_size / 2);
  }
  /* through the extension dispatcher, row groups of 1000 rows, no missing values */
  fhs_table_free(&t);
  CHECK(fixture_table(&t, 2500, 0, 2) == 0);
  o = (fhs_parquet_options){FHS_PARQUET_UNCOMPRESSED, 0, 1000};
  path_in(path, sizeof path, "small.parquet");
  CHECK_MSG(fhs_parquet_write(&t, path, &o, &err) == 0, "%s", err.msg);
  check_matches_table(path, &t, 3);
  path_in(path, sizeof path, "dispatch.PARQUET");
  CHECK_MSG(fhs_table_write(&t, path, &err) == 0, "%s", err.msg);
  check_matches_table(path, &t, 1);
  fhs_table_free(&t);
  /* no rows at all: a valid file with no row groups */
  CHECK(fixture_table(&t, 0, 3, 3) == 0);
  path_in(path, sizeof path, "empty.parquet");
  CHECK_MSG(fhs_parquet_write(&t, path, NULL, &err) == 0, "%s", err.msg);
  check_matches_table(path, &t, 0);
  fhs_table_free(&t);
}

/* hyparquet-writer's files: data pages v2, RLE booleans, INT32, DATE, FLOAT, micros. */
static void test_other_writer(void) {
  char csv_path[600], pq_path[600];
  static const char *const files[] = {"hw_types.parquet", "hw_groups.parquet"};
  snprintf(csv_path, sizeof csv_path, "%s/hw_types.csv", data_dir);
  for (int k = 0; k < 2; k++) {
    snprintf(pq_path, sizeof pq_path, "%s/%s", data_dir, files[k]);
    fhs_error err;
    fhs_csv_reader *want = fhs_csv_open(csv_path, &err);
    CHECK_MSG(want != NULL, "%s", err.msg);
    fhs_parquet_reader *r = fhs_parquet_open(pq_path, &err);
    CHECK_MSG(r != NULL, "%s", err.msg);
    if (!want || !r) {
      fhs_csv_close(want);
      fhs_parquet_close(r);
      continue;
    }
    CHECK(fhs_parquet_n_columns(r) == fhs_csv_n_columns(want));
    for (size_t c = 0; c < fhs_csv_n_columns(want); c++)
      CHECK(!strcmp(fhs_parquet_column_name(r, c), fhs_csv_column_name(want, c)));
    const fhs_csv_field *f, *w;
    size_t rows = 0, bad = 0;
    int rc;
    while ((rc = fhs_parquet_next_row(r, &f, NULL, &err)) == 1) {
      if (fhs_csv_next_row(want, &w, NULL, &err) != 1) {
        bad++;
        break;
      }
      rows++;
      for (size_t c = 0; c < fhs_csv_n_columns(want); c++)
        if ((f[c].len != w[c].len || memcmp(f[c].ptr, w[c].ptr, w[c].len)) && bad++ < 5)
          fprintf(stderr, "%s row %zu column %s: got \"%s\", want \"%s\"\n", files[k], rows,
                  fhs_csv_column_name(want, c), f[c].ptr, w[c].ptr);
    }
    CHECK_MSG(rc == 0, "%s", err.msg);
    CHECK(bad == 0 && rows == 40);
    CHECK(k == 0 || fhs_parquet_n_row_groups(r) == 6);
    fhs_parquet_close(r);
    fhs_csv_close(want);
  }
}

/* Opens and reads to the end; returns 0 when every row came, else -1 with err. */
static int read_to_end(const char *path, fhs_error *err) {
  fhs_parquet_reader *r = fhs_parquet_open(path, err);
  if (!r) return -1;
  const fhs_csv_field *f;
  int rc;
  while ((rc = fhs_parquet_next_row(r, &f, NULL, err)) == 1) {
  }
  fhs_parquet_close(r);
  return rc;
}

static void expect_error(const char *path, const char *want) {
  fhs_error err = {{0}};
  int rc = read_to_end(path, &err);
  CHECK_MSG(rc == -1 && strstr(err.msg, want) && !strncmp(err.msg, path, strlen(path)),
            "%s: got \"%s\", want \"%s\"", path, err.msg, want);
}

static size_t slurp(const char *path, uint8_t **data) {
  FILE *fp = fopen(path, "rb");
  *data = NULL;
  if (!fp) return 0;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  *data = malloc((size_t)n + 1);
  size_t got = *data ? fread(*data, 1, (size_t)n, fp) : 0;
  fclose(fp);
  return got;
}

/* A fresh file each time: rewriting a file in place makes ext4 flush it on close (its
 * protection for truncate-and-rewrite), which costs milliseconds per variant. */
static void put_file(const char *name, const void *data, size_t n, char *path, size_t size) {
  path_in(path, size, name);
  unlink(path);
  CHECK(fixture_write(&fx, name, data, n, path, size) == 0);
}

/* A footer written by hand: root with one child that is itself a group (or repeated). */
static void write_crafted(const char *name, int shape, char *path, size_t size) {
  fhs_buf b = {0};
  fhs_buf_put(&b, "PAR1", 4);
  size_t start = b.len;
  fhs_tw w;
  fhs_tw_init(&w, &b);
  fhs_tw_i32(&w, 1, 2);
  fhs_tw_list(&w, 2, TC_STRUCT, shape == 0 ? 3 : 2);
  fhs_tw_elem_begin(&w);
  fhs_tw_string(&w, 4, "schema");
  fhs_tw_i32(&w, 5, 1);
  fhs_tw_struct_end(&w);
  if (shape == 0) { /* group "address" with a leaf "city" */
    fhs_tw_elem_begin(&w);
    fhs_tw_i32(&w, 3, PQ_OPTIONAL);
    fhs_tw_string(&w, 4, "address");
    fhs_tw_i32(&w, 5, 1);
    fhs_tw_struct_end(&w);
  }
  fhs_tw_elem_begin(&w);
  fhs_tw_i32(&w, 1, PQ_INT32);
  fhs_tw_i32(&w, 3, shape == 1 ? PQ_REPEATED : PQ_OPTIONAL);
  fhs_tw_string(&w, 4, shape == 0 ? "city" : "tags");
  fhs_tw_struct_end(&w);
  fhs_tw_i64(&w, 3, 0);
  fhs_tw_list(&w, 4, TC_STRUCT, 0);
  fhs_tw_end(&w);
  uint32_t len = (uint32_t)(b.len - start);
  fhs_buf_u32le(&b, len);
  fhs_buf_put(&b, "PAR1", 4);
  put_file(name, b.data, b.len, path, size);
  fhs_buf_free(&b);
}

static void test_errors(void) {
  char path[600], good[600];
  fhs_error err;
  CHECK(fhs_parquet_open("/nonexistent/x.parquet", &err) == NULL);
  CHECK_MSG(!strcmp(err.msg, "/nonexistent/x.parquet: no such file"), "%s", err.msg);
  put_file("empty.bin", "", 0, path, sizeof path);
  expect_error(path, "not a Parquet file (only 0 bytes)");
  put_file("csv.parquet", "a,b\n1,2\n3,4\n", (size_t)-1, path, sizeof path);
  expect_error(path, "no PAR1 magic at the start");

  fhs_table t;
  CHECK(fixture_table(&t, 300, 4, 9) == 0);
  path_in(good, sizeof good, "good.parquet");
  fhs_parquet_options o = {FHS_PARQUET_UNCOMPRESSED, 0, 100};
  CHECK_MSG(fhs_parquet_write(&t, good, &o, &err) == 0, "%s", err.msg);
  fhs_table_free(&t);
  uint8_t *d;
  size_t n = slurp(good, &d);
  CHECK(n > 100);
  put_file("cut.parquet", d, n - 3, path, sizeof path);
  expect_error(path, "no PAR1 magic at the end");
  uint8_t *e = malloc(n);
  memcpy(e, d, n);
  e[n - 8] = 0xff, e[n - 7] = 0xff, e[n - 6] = 0xff, e[n - 5] = 0x7f;
  put_file("footlen.parquet", e, n, path, sizeof path);
  expect_error(path, "footer length 2147483647 is out of range");
  memcpy(e, d, n);
  memcpy(e + n - 4, "PARE", 4);
  put_file("enc.parquet", e, n, path, sizeof path);
  expect_error(path, "encrypted Parquet files are not supported");
  /* the data part cut out, footer kept: chunks point past the data */
  memcpy(e, d, 4);
  size_t flen = (size_t)e[n - 8] | (size_t)e[n - 7] << 8 | (size_t)e[n - 6] << 16;
  memmove(e + 4, d + n - 8 - flen, flen + 8);
  put_file("nodata.parquet", e, flen + 12, path, sizeof path);
  expect_error(path, "lies outside the data of the file");
  free(e);
  free(d);

  write_crafted("nested.parquet", 0, path, sizeof path);
  expect_error(path, "column \"address\" is a group (a nested schema), which is not supported");
  write_crafted("repeated.parquet", 1, path, sizeof path);
  expect_error(path, "column \"tags\" is repeated (a list), which is not supported");
  snprintf(path, sizeof path, "%s/hw_snappy.parquet", data_dir);
  expect_error(path, "compression codec SNAPPY is not supported");
}

/* Every truncation and many bit flips of a valid file: an error or rows, never a crash, and
 * every error one line that starts with the path. */
static void fuzz_file(const char *src, const char *name) {
  uint8_t *d;
  size_t n = slurp(src, &d);
  CHECK(n > 0);
  uint8_t *e = malloc(n);
  char path[600];
  size_t errors = 0, oks = 0, bad_msgs = 0;
  fhs_error err;
  for (size_t cut = 0; cut < n; cut += 1 + cut / 64) {
    put_file(name, d, cut, path, sizeof path);
    if (read_to_end(path, &err) == 0) oks++;
    else errors++, bad_msgs += strncmp(err.msg, path, strlen(path)) || strchr(err.msg, '\n');
  }
  CHECK(oks == 0); /* a truncated file is never taken as whole */
  uint64_t s = 77;
  for (size_t pos = 0; pos < n; pos++) {
    for (int k = 0; k < 3; k++) {
      memcpy(e, d, n);
      e[pos] ^= (uint8_t)(1u << (fixture_rand(&s) % 8));
      if (k == 2) e[pos] = (uint8_t)fixture_rand(&s);
      put_file(name, e, n, path, sizeof path);
      if (read_to_end(path, &err) == 0) oks++;
      else errors++, bad_msgs += strncmp(err.msg, path, strlen(path)) || strchr(err.msg, '\n');
    }
  }
  CHECK_MSG(bad_msgs == 0, "%zu malformed messages", bad_msgs);
  printf("fuzz %s: %zu bytes, %zu errors, %zu readable variants\n", name, n, errors, oks);
  free(e);
  free(d);
}

static void test_fuzz(void) {
  fhs_table t;
  CHECK(fixture_table(&t, 60, 4, 5) == 0);
  char path[600];
  fhs_error err;
  fhs_parquet_options o = {FHS_PARQUET_UNCOMPRESSED, 0, 25};
  path_in(path, sizeof path, "fz_plain.parquet");
  CHECK_MSG(fhs_parquet_write(&t, path, &o, &err) == 0, "%s", err.msg);
  fuzz_file(path, "fz.parquet");
  if (fhs_parquet_has_zstd()) {
    o.codec = FHS_PARQUET_ZSTD;
    path_in(path, sizeof path, "fz_zstd.parquet");
    CHECK_MSG(fhs_parquet_write(&t, path, &o, &err) == 0, "%s", err.msg);
    fuzz_file(path, "fz.parquet");
  }
  fhs_table_free(&t);
  snprintf(path, sizeof path, "%s/hw_groups.parquet", data_dir);
  fuzz_file(path, "fz.parquet");
}

int main(int argc, char **argv) {
  if (argc > 1) data_dir = argv[1];
  if (fixture_init(&fx)) return 1;
  test_round_trip();
  test_other_writer();
  test_errors();
  test_fuzz();
  fixture_cleanup(&fx);
  return check_report("test_io_parquet");
}
