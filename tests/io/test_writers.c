/* CSV and JSON Lines writers (exact bytes), the extension dispatcher, the table checks (a bad
 * table never leaves a file), the shortest round-trip number and ISO 8601 formats, and the
 * speed of writing 10^6 rows x 15 columns. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "fixture.h"
#include "format.h"
#include "table_fixture.h"
#include "writers.h"

static fixture fx;

static char *slurp_text(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  size_t got = s ? fread(s, 1, (size_t)n, fp) : 0;
  if (s) s[got] = '\0';
  fclose(fp);
  return s;
}

/* Three rows, two of them with a missing value in every column but id. */
static void small_table(fhs_table *t) {
  CHECK(fixture_table(t, 3, 0, 1) == 0);
  fhs_table_column *c = t->columns;
  c[1].i64[0] = 39, c[1].i64[1] = -5, c[1].i64[2] = INT64_MIN;
  c[2].f64[0] = 0.1, c[2].f64[1] = -0.0, c[2].f64[2] = NAN;
  c[3].i64[0] = 0, c[3].i64[1] = 1700000000123, c[3].i64[2] = -1000;
  c[4].codes[0] = 1, c[4].codes[1] = 3, c[4].codes[2] = 5; /* "Self-emp, inc", "", "line\nbreak" */
  for (size_t k = 1; k < 6; k++) c[k].valid[0] = c[k].valid[1] = c[k].valid[2] = 1;
  c[5].valid[0] = 0, c[5].valid[2] = 0;
  c[1].valid[2] = 0;
}

static void test_csv_jsonl(void) {
  fhs_table t;
  small_table(&t);
  char path[600];
  fhs_error err;
  snprintf(path, sizeof path, "%s/out.csv", fx.dir);
  CHECK_MSG(fhs_table_write(&t, path, &err) == 0, "%s", err.msg);
  char *s = slurp_text(path);
  const char *want_csv =
      "id,age,score,when,label,note\n"
      "-3,39,0.1,1970-01-01,\"Self-emp, inc\",\n"
      "-2,-5,-0,2023-11-14T22:13:20.123Z,\"\",only\n"
      "-1,,nan,1969-12-31T23:59:59Z,\"line\nbreak\",\n";
  CHECK_MSG(s && !strcmp(s, want_csv), "got:\n%s", s ? s : "(none)");
  free(s);
  snprintf(path, sizeof path, "%s/out.ndjson", fx.dir);
  CHECK_MSG(fhs_table_write(&t, path, &err) == 0, "%s", err.msg);
  s = slurp_text(path);
  const char *want_json =
      "{\"id\":-3,\"age\":39,\"score\":0.1,\"when\":\"1970-01-01\",\"label\":\"Self-emp, inc\","
      "\"note\":null}\n"
      "{\"id\":-2,\"age\":-5,\"score\":-0,\"when\":\"2023-11-14T22:13:20.123Z\",\"label\":\"\","
      "\"note\":\"only\"}\n"
      "{\"id\":-1,\"age\":null,\"score\":null,\"when\":\"1969-12-31T23:59:59Z\","
      "\"label\":\"line\\nbreak\",\"note\":null}\n";
  CHECK_MSG(s && !strcmp(s, want_json), "got:\n%s", s ? s : "(none)");
  free(s);
  /* escapes: quotes and padding in CSV, control characters in JSON */
  t.columns[4].codes[0] = 2, t.columns[4].codes[1] = 6, t.columns[4].codes[2] = 9;
  snprintf(path, sizeof path, "%s/esc.csv", fx.dir);
  CHECK(fhs_csv_write(&t, path, &err) == 0);
  s = slurp_text(path);
  CHECK(s && strstr(s, ",\"quote \"\"q\"\"\",") && strstr(s, ",\" padded \",") &&
        strstr(s, ",ctrl\x01" "char,"));
  free(s);
  snprintf(path, sizeof path, "%s/esc.jsonl", fx.dir);
  CHECK(fhs_jsonl_write(&t, path, &err) == 0);
  s = slurp_text(path);
  CHECK(s && strstr(s, "\"quote \\\"q\\\"\"") && strstr(s, "\"ctrl\\u0001char\""));
  free(s);
  fhs_table_free(&t);
}

static void test_dispatch_and_checks(void) {
  fhs_table t;
  small_table(&t);
  char path[600];
  fhs_error err;
  int before = fixture_count(&fx);
  snprintf(path, sizeof path, "%s/out.xlsx", fx.dir);
  CHECK(fhs_table_write(&t, path, &err) == -1);
  CHECK_MSG(strstr(err.msg, "out.xlsx: unknown output format: the name must end in .csv, "
                            ".jsonl, .ndjson or .parquet") != NULL, "%s", err.msg);
  snprintf(path, sizeof path, "%s/noext", fx.dir);
  CHECK(fhs_table_write(&t, path, &err) == -1);
  t.columns[4].codes[1] = 99; /* outside the dictionary */
  static const char *const exts[] = {"bad.csv", "bad.jsonl", "bad.parquet"};
  for (int k = 0; k < 3; k++) {
    snprintf(path, sizeof path, "%s/%s", fx.dir, exts[k]);
    CHECK(fhs_table_write(&t, path, &err) == -1);
    CHECK_MSG(strstr(err.msg, "column \"label\", row 2: label code 99 is outside the dictionary"),
              "%s", err.msg);
  }
  t.columns[4].codes[1] = 0;
  free(t.columns[5].name);
  t.columns[5].name = fixture_strdup("age");
  snprintf(path, sizeof path, "%s/dup.csv", fx.dir);
  CHECK(fhs_table_write(&t, path, &err) == -1);
  CHECK_MSG(strstr(err.msg, "duplicate column name \"age\" (columns 2 and 6)"), "%s", err.msg);
  CHECK(fixture_count(&fx) == before); /* no file, not even a temporary one */
  snprintf(path, sizeof path, "%s/no/such/dir/x.csv", fx.dir);
  free(t.columns[5].name);
  t.columns[5].name = fixture_strdup("note");
  CHECK(fhs_table_write(&t, path, &err) == -1);
  fhs_table_free(&t);
}

static int format_roundtrips(double v) {
  char buf[FHS_FORMAT_BUF];
  fhs_format_double(v, buf);
  double back = strtod(buf, NULL);
  return back == v && signbit(back) == signbit(v);
}

static void test_formats(void) {
  char buf[FHS_FORMAT_BUF];
  static const struct {
    double v;
    const char *want;
  } d[] = {{0.1, "0.1"},         {-0.0, "-0"},           {1e-5, "1e-05"},
           {0.0001, "0.0001"},   {39, "39"},             {1e15, "1000000000000000"},
           {1e16, "1e+16"},      {123456.789, "123456.789"}, {1.0 / 3, "0.3333333333333333"},
           {2.0 / 3, "0.6666666666666666"}, {100.5, "100.5"}, {INFINITY, "inf"},
           {-INFINITY, "-inf"},  {5e-324, "4.94065645841247e-324"}};
  for (size_t i = 0; i < sizeof d / sizeof *d; i++) {
    fhs_format_double(d[i].v, buf);
    CHECK_MSG(!strcmp(buf, d[i].want), "%s, want %s", buf, d[i].want);
  }
  /* shortest: never more significant digits than the first of %.15g/%.16g/%.17g that reads back */
  uint64_t s = 5;
  size_t wrong = 0;
  for (int i = 0; i < 300000; i++) {
    uint64_t x = fixture_rand(&s);
    double v;
    if (i % 3 == 0) {
      memcpy(&v, &x, sizeof v);
      if (!isfinite(v)) continue;
    } else {
      v = (double)(x >> 11) / 9007199254740992.0 * pow(10, (int)(x % 24) - 8);
    }
    if (!format_roundtrips(v)) wrong++;
    char ref[64];
    for (int p = 15; p <= 17; p++) {
      snprintf(ref, sizeof ref, "%.*g", p, v);
      if (strtod(ref, NULL) == v) break;
    }
    fhs_format_double(v, buf);
    if (fabs(v) < 1e15 && strlen(buf) > strlen(ref) + 2 && wrong++ < 5)
      fprintf(stderr, "longer: %s vs %s\n", buf, ref);
  }
  CHECK(wrong == 0);
  fhs_format_float(0.1f, buf);
  CHECK(!strcmp(buf, "0.1"));
  static const struct {
    int64_t v;
    int digits;
    const char *want;
  } ts[] = {{0, 3, "1970-01-01"},
            {-1, 3, "1969-12-31T23:59:59.999Z"},
            {951782400000, 3, "2000-02-29"},
            {1700000000000, 3, "2023-11-14T22:13:20Z"},
            {1700000000120, 3, "2023-11-14T22:13:20.120Z"},
            {1700000000000001, 6, "2023-11-14T22:13:20.000001Z"},
            {1700000000123000, 6, "2023-11-14T22:13:20.123Z"},
            {8640000000000000, 3, "+275760-09-13"},
            {-62167219200000 - 86400000, 3, "-000001-12-31"},
            {INT64_MIN, 3, "-292275055-05-16T16:47:04.192Z"}};
  for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) {
    fhs_format_timestamp(ts[i].v, ts[i].digits, true, buf);
    CHECK_MSG(!strcmp(buf, ts[i].want), "%s, want %s", buf, ts[i].want);
  }
  fhs_format_timestamp(1700000000000, 3, false, buf);
  CHECK(!strcmp(buf, "2023-11-14T22:13:20"));
  fhs_format_date(-1, buf);
  CHECK(!strcmp(buf, "1969-12-31"));
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* 10^6 rows x 15 columns, shaped like synthetic Adult: 6 numbers, 9 categories. */
static void test_speed(void) {
  fhs_table big, small;
  const size_t n = 1000000;
  CHECK(fixture_table(&small, n, 11, 3) == 0);
  memset(&big, 0, sizeof big);
  big.n_rows = n;
  big.n_columns = 15;
  big.columns = calloc(15, sizeof *big.columns);
  for (size_t c = 0; c < 15 && big.columns; c++) {
    fhs_table_column *src = &small.columns[c < 6 ? (c % 3 == 2 ? 2 : 1) : 4];
    fhs_table_column *col = &big.columns[c];
    char name[32];
    snprintf(name, sizeof name, "col%zu", c);
    col->name = fixture_strdup(name);
    col->type = src->type;
    col->valid = malloc(n);
    memcpy(col->valid, src->valid, n);
    if (src->i64) col->i64 = malloc(n * 8), memcpy(col->i64, src->i64, n * 8);
    if (src->f64) col->f64 = malloc(n * 8), memcpy(col->f64, src->f64, n * 8);
    if (src->codes) {
      col->codes = malloc(n * 4);
      memcpy(col->codes, src->codes, n * 4);
      col->dict_len = src->dict_len;
      col->dict = calloc(col->dict_len, sizeof *col->dict);
      for (size_t d = 0; d < col->dict_len; d++) col->dict[d] = fixture_strdup(src->dict[d]);
    }
  }
  fhs_table_free(&small);
  static const char *const names[] = {"big.csv", "big.jsonl", "big.parquet"};
  for (int k = 0; k < 3; k++) {
    char path[600];
    fhs_error err;
    snprintf(path, sizeof path, "%s/%s", fx.dir, names[k]);
    double t0 = now();
    int rc = fhs_table_write(&big, path, &err);
    double dt = now() - t0;
    CHECK_MSG(rc == 0, "%s", err.msg);
    printf("write %s: 10^6 rows x 15 columns in %.2f s\n", names[k], dt);
#ifdef NDEBUG /* optimised builds only: the sanitizers slow everything several times */
    CHECK_MSG(dt < 2.0, "%s took %.2f s", names[k], dt);
#endif
    unlink(path);
  }
  fhs_table_free(&big);
}

int main(void) {
  if (fixture_init(&fx)) return 1;
  test_csv_jsonl();
  test_dispatch_and_checks();
  test_formats();
  test_speed();
  fixture_cleanup(&fx);
  return check_report("test_io_writers");
}
