/* CSV reader: RFC 4180 quoting, line endings, BOM, line numbers, and every error message. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "io.h"

static fixture fx;

/* Writes data to a fixture file and opens it. */
static fhs_csv_reader *open_text(const char *name, const char *data, size_t len, fhs_error *err,
                                 char *path, size_t path_size) {
  if (fixture_write(&fx, name, data, len, path, path_size)) return NULL;
  return fhs_csv_open(path, err);
}

static int field_is(const fhs_csv_field *f, const char *s) {
  return f->len == strlen(s) && memcmp(f->ptr, s, f->len) == 0 && f->ptr[f->len] == '\0';
}

/* Opens data and expects an error: from open when at_open, else from the first rows.
 * Returns the message. */
static const char *expect_error(const char *data, size_t len, char *path, fhs_error *err) {
  err->msg[0] = '\0';
  fhs_csv_reader *r = open_text("bad.csv", data, len, err, path, 700);
  if (!r) return err->msg;
  const fhs_csv_field *f;
  int rc;
  while ((rc = fhs_csv_next_row(r, &f, NULL, err)) == 1) {
  }
  if (rc == 0) snprintf(err->msg, sizeof err->msg, "(no error)");
  /* the error is sticky */
  fhs_error again;
  CHECK(fhs_csv_next_row(r, &f, NULL, &again) == -1 && strcmp(again.msg, err->msg) == 0);
  fhs_csv_close(r);
  return err->msg;
}

static void test_quoting(void) {
  char path[700];
  fhs_error err;
  const char *text =
      "name,quote,note\n"
      "\"Smith, J\",\"he said \"\"hi\"\"\",\"two\nlines\"\n"
      "plain, spaced ,\"\"\n"
      ",,\n"
      "last,row,no-newline";
  fhs_csv_reader *r = open_text("q.csv", text, (size_t)-1, &err, path, sizeof path);
  CHECK_MSG(r != NULL, "%s", err.msg);
  if (!r) return;
  CHECK(fhs_csv_n_columns(r) == 3);
  CHECK(strcmp(fhs_csv_column_name(r, 1), "quote") == 0);
  CHECK(fhs_csv_column_index(r, "note") == 2 && fhs_csv_column_index(r, "nope") == -1);
  const fhs_csv_field *f;
  uint64_t line = 0;
  CHECK(fhs_csv_next_row(r, &f, &line, &err) == 1);
  CHECK(field_is(&f[0], "Smith, J") && field_is(&f[1], "he said \"hi\"") &&
        field_is(&f[2], "two\nlines"));
  CHECK(line == 2);
  CHECK(fhs_csv_next_row(r, &f, &line, &err) == 1);
  CHECK(field_is(&f[0], "plain") && field_is(&f[1], " spaced ") && field_is(&f[2], ""));
  CHECK_MSG(line == 4, "line %llu", (unsigned long long)line);
  CHECK(fhs_csv_next_row(r, &f, &line, &err) == 1);
  CHECK(field_is(&f[0], "") && field_is(&f[1], "") && field_is(&f[2], "") && line == 5);
  CHECK(fhs_csv_next_row(r, &f, &line, &err) == 1);
  CHECK(field_is(&f[2], "no-newline") && line == 6);
  CHECK(fhs_csv_next_row(r, &f, &line, &err) == 0);
  CHECK(fhs_csv_next_row(r, &f, &line, &err) == 0);
  CHECK(fhs_csv_rows_read(r) == 4);
  fhs_csv_close(r);
}

static void test_line_endings(void) {
  char path[700];
  fhs_error err;
  const fhs_csv_field *f;
  uint64_t line;
  /* CRLF, a CRLF inside quotes kept verbatim, blank lines skipped but counted */
  fhs_csv_reader *r = open_text("crlf.csv", "a,b\r\n1,\"x\r\ny\"\r\n\r\n3,4\r\n", (size_t)-1,
                                &err, path, sizeof path);
  CHECK_MSG(r != NULL, "%s", err.msg);
  if (!r) return;
  CHECK(strcmp(fhs_csv_column_name(r, 1), "b") == 0);
  CHECK(fhs_csv_next_row(r, &f, &line, &err) == 1 && line == 2);
  CHECK(field_is(&f[0], "1") && field_is(&f[1], "x\r\ny"));
  CHECK(fhs_csv_next_row(r, &f, &line, &err) == 1);
  CHECK_MSG(line == 5, "line %llu", (unsigned long long)line);
  CHECK(field_is(&f[0], "3") && field_is(&f[1], "4"));
  CHECK(fhs_csv_next_row(r, &f, &line, &err) == 0);
  fhs_csv_close(r);

  /* old Mac line endings: a lone CR ends a line */
  r = open_text("cr.csv", "a\r1\r2\r", (size_t)-1, &err, path, sizeof path);
  CHECK(r != NULL);
  if (!r) return;
  CHECK(fhs_csv_next_row(r, &f, &line, &err) == 1 && line == 2 && field_is(&f[0], "1"));
  CHECK(fhs_csv_next_row(r, &f, &line, &err) == 1 && line == 3 && field_is(&f[0], "2"));
  CHECK(fhs_csv_next_row(r, &f, &line, &err) == 0);
  fhs_csv_close(r);
}

static void test_bom_and_header_only(void) {
  char path[700];
  fhs_error err;
  const fhs_csv_field *f;
  fhs_csv_reader *r =
      open_text("bom.csv", "\xEF\xBB\xBFname,v\n\"\xC3\xA9t\xC3\xA9\",1\n", (size_t)-1, &err,
                path, sizeof path);
  CHECK_MSG(r != NULL, "%s", err.msg);
  if (!r) return;
  CHECK(strcmp(fhs_csv_column_name(r, 0), "name") == 0);
  CHECK(fhs_csv_next_row(r, &f, NULL, &err) == 1 && field_is(&f[0], "\xC3\xA9t\xC3\xA9"));
  fhs_csv_close(r);

  r = open_text("h.csv", "a,b\n", (size_t)-1, &err, path, sizeof path);
  CHECK_MSG(r != NULL, "%s", err.msg);
  if (!r) return;
  CHECK(fhs_csv_n_columns(r) == 2);
  CHECK(fhs_csv_next_row(r, &f, NULL, &err) == 0);
  CHECK(fhs_csv_rows_read(r) == 0);
  fhs_csv_close(r);
}

static void test_errors(void) {
  char path[700], want[900];
  fhs_error err;
  const char *m;

  m = expect_error("", 0, path, &err);
  snprintf(want, sizeof want, "%s: file is empty (no header row)", path);
  CHECK_MSG(strcmp(m, want) == 0, "%s", m);
  m = expect_error("\xEF\xBB\xBF\n\n", (size_t)-1, path, &err);
  CHECK_MSG(strstr(m, "file is empty") != NULL, "%s", m);

  snprintf(path, sizeof path, "%s/absent.csv", fx.dir);
  CHECK(fhs_csv_open(path, &err) == NULL);
  snprintf(want, sizeof want, "%s: no such file", path);
  CHECK_MSG(strcmp(err.msg, want) == 0, "%s", err.msg);

  m = expect_error("a,b,c\n1,2,3\n4,5\n", (size_t)-1, path, &err);
  snprintf(want, sizeof want, "%s:3: row has 2 fields, header has 3", path);
  CHECK_MSG(strcmp(m, want) == 0, "%s", m);
  m = expect_error("a,b\n\"x\ny\",2,3\n", (size_t)-1, path, &err);
  snprintf(want, sizeof want, "%s:2: row has 3 fields, header has 2", path);
  CHECK_MSG(strcmp(m, want) == 0, "%s", m);

  m = expect_error("a,b\n1,2\nok,\xff\n", (size_t)-1, path, &err);
  snprintf(want, sizeof want, "%s:3: field 2 is not valid UTF-8 (byte 1)", path);
  CHECK_MSG(strcmp(m, want) == 0, "%s", m);
  m = expect_error("a\nx\xC3\n", (size_t)-1, path, &err); /* truncated sequence */
  CHECK_MSG(strstr(m, ":2: field 1 is not valid UTF-8") != NULL, "%s", m);
  m = expect_error("a\nx\0y\n", 6, path, &err);
  CHECK_MSG(strstr(m, ":2: field 1 contains a NUL byte") != NULL, "%s", m);

  m = expect_error("a,b\n1,x\"y\n", (size_t)-1, path, &err);
  CHECK_MSG(strstr(m, ":2: malformed quoting") != NULL, "%s", m);
  m = expect_error("a,b\n1,2\n\"ab\"c,3\n", (size_t)-1, path, &err);
  CHECK_MSG(strstr(m, ":3: malformed quoting") != NULL, "%s", m);
  m = expect_error("a,b\n1,\"open\n\n\n", (size_t)-1, path, &err);
  snprintf(want, sizeof want, "%s:2: unterminated quoted field (the file ends inside quotes)",
           path);
  CHECK_MSG(strcmp(m, want) == 0, "%s", m);

  m = expect_error("a,b,a\n1,2,3\n", (size_t)-1, path, &err);
  snprintf(want, sizeof want, "%s:1: duplicate column name \"a\" (columns 1 and 3)", path);
  CHECK_MSG(strcmp(m, want) == 0, "%s", m);
  m = expect_error("a,,b\n", (size_t)-1, path, &err);
  snprintf(want, sizeof want, "%s:1: column 2 of the header has an empty name", path);
  CHECK_MSG(strcmp(m, want) == 0, "%s", m);

  CHECK(fhs_csv_open(fx.dir, &err) == NULL); /* a directory opens, then fails to read */
  CHECK_MSG(strstr(err.msg, fx.dir) != NULL && strstr(err.msg, "error") != NULL, "%s", err.msg);
}

/* Many rows, some spanning two lines, so records and CRLF pairs straddle the 64 KiB read
 * chunks; every line number must still be right. */
static void test_streaming(void) {
  const int rows = 60000;
  size_t cap = (size_t)rows * 40 + 64, len = 0;
  char *buf = malloc(cap);
  uint64_t *expect_line = malloc(sizeof *expect_line * (size_t)rows);
  if (!buf || !expect_line) {
    CHECK(0);
    free(buf);
    free(expect_line);
    return;
  }
  len += (size_t)snprintf(buf, cap, "id,text\r\n");
  uint64_t line = 2;
  for (int i = 0; i < rows; i++) {
    expect_line[i] = line;
    if (i % 7 == 3) {
      len += (size_t)snprintf(buf + len, cap - len, "%d,\"a,\"\"b\"\"\r\nc%d\"\r\n", i, i);
      line += 2;
    } else {
      len += (size_t)snprintf(buf + len, cap - len, "%d,t%d\r\n", i, i);
      line += 1;
    }
  }
  char path[700];
  fhs_error err;
  fhs_csv_reader *r = open_text("big.csv", buf, len, &err, path, sizeof path);
  CHECK_MSG(r != NULL, "%s", err.msg);
  int ok = r != NULL, n = 0;
  const fhs_csv_field *f;
  uint64_t got;
  while (ok && fhs_csv_next_row(r, &f, &got, &err) == 1) {
    char want[64];
    if (n % 7 == 3)
      snprintf(want, sizeof want, "a,\"b\"\r\nc%d", n);
    else
      snprintf(want, sizeof want, "t%d", n);
    if (n >= rows || got != expect_line[n] || atoi(f[0].ptr) != n || !field_is(&f[1], want)) {
      ok = 0;
      CHECK_MSG(0, "row %d: line %llu", n, (unsigned long long)got);
    }
    n++;
  }
  CHECK_MSG(n == rows, "%d rows", n);
  fhs_csv_close(r);
  free(buf);
  free(expect_line);
}

static void test_utf8(void) {
  struct {
    const char *s;
    size_t want;
  } cases[] = {
      {"plain", 5},
      {"\xC3\xA9", 2},
      {"\xE2\x82\xAC", 3},
      {"\xF0\x9D\x84\x9E", 4},
      {"\xF4\x8F\xBF\xBF", 4}, /* U+10FFFF */
      {"ab\xC0\xAF", 2},       /* overlong '/' */
      {"\xE0\x80\xAF", 0},     /* overlong */
      {"\xED\xA0\x80", 0},     /* surrogate */
      {"\xF4\x90\x80\x80", 0}, /* above U+10FFFF */
      {"x\xE2\x82", 1},        /* truncated */
      {"\x80", 0},             /* stray continuation */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t got = fhs_utf8_check((const unsigned char *)cases[i].s, strlen(cases[i].s));
    CHECK_MSG(got == cases[i].want, "case %zu: %zu", i, got);
  }
}

int main(void) {
  if (fixture_init(&fx)) {
    perror("mkdtemp");
    return 1;
  }
  test_quoting();
  test_line_endings();
  test_bom_and_header_only();
  test_errors();
  test_streaming();
  test_utf8();
  fixture_cleanup(&fx);
  return check_report("test_io_csv");
}
