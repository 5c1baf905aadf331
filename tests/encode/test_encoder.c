/* Encoder: value -> index rules, error messages naming file, line and column, blocks with
 * padding, and indicator vectors that agree with a direct count. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers" /* columns below leave the policies zero: off */
#include <string.h>

#include "../io/fixture.h"
#include "check.h"
#include "encode.h"

static fixture fx;

static fhs_column age_col(void) {
  static double bins[] = {17, 30, 50, 91};
  return (fhs_column){"age", FHS_COL_NUMERIC, bins, 4, NULL, 0, false};
}

static void test_values(void) {
  fhs_column age = age_col();
  fhs_error err;
  uint16_t idx = 99;
  CHECK(fhs_encode_value(&age, "17", 2, "f:1", &idx, &err) == 0 && idx == 0);
  CHECK(fhs_encode_value(&age, "29.99", 5, "f:1", &idx, &err) == 0 && idx == 0);
  CHECK(fhs_encode_value(&age, "30", 2, "f:1", &idx, &err) == 0 && idx == 1);
  CHECK(fhs_encode_value(&age, "90.5", 4, "f:1", &idx, &err) == 0 && idx == 2);
  CHECK(fhs_encode_value(&age, "91", 2, "f:1", &idx, &err) == 0 && idx == 2); /* upper edge */
  CHECK(fhs_encode_value(&age, "130", 3, "data.csv:17", &idx, &err) == -1);
  CHECK_MSG(!strcmp(err.msg, "data.csv:17: column \"age\": value 130 is outside the schema's bins [17, 91]"),
            "%s", err.msg);
  CHECK(fhs_encode_value(&age, "16.9", 4, "f:2", &idx, &err) == -1);
  CHECK(fhs_encode_value(&age, "abc", 3, "f:3", &idx, &err) == -1);
  CHECK_MSG(!strcmp(err.msg, "f:3: column \"age\": value \"abc\" is not a number"), "%s", err.msg);
  CHECK(fhs_encode_value(&age, "nan", 3, "f:3", &idx, &err) == -1);
  CHECK(fhs_encode_value(&age, "", 0, "f:4", &idx, &err) == -1);
  CHECK_MSG(strstr(err.msg, "f:4: column \"age\": value is missing (empty field)") == err.msg, "%s",
            err.msg);
  age.missing = true;
  CHECK(fhs_encode_value(&age, "", 0, "f:4", &idx, &err) == 0 && idx == 3);

  char *labels[] = {"Private", "Self-emp"};
  fhs_column wc = {"workclass", FHS_COL_CATEGORICAL, NULL, 0, labels, 2, true};
  CHECK(fhs_encode_value(&wc, "Self-emp", 8, "f:5", &idx, &err) == 0 && idx == 1);
  CHECK(fhs_encode_value(&wc, "", 0, "f:5", &idx, &err) == 0 && idx == 2);
  CHECK(fhs_encode_value(&wc, "Pri\nvate", 8, "f:6", &idx, &err) == -1);
  CHECK_MSG(!strcmp(err.msg, "f:6: column \"workclass\": category \"Pri\\nvate\" is not in the schema"),
            "%s", err.msg);
  CHECK(!strcmp(fhs_schema_category(&wc, 0), "Private") && fhs_schema_category(&wc, 2) == NULL);

  double lo, hi;
  CHECK(fhs_schema_bin(&age, 1, &lo, &hi) == 0 && lo == 30 && hi == 50);
  CHECK(fhs_schema_bin(&age, 3, &lo, &hi) == -1); /* the missing index */

  static double when_bins[] = {946684800, 1577836800}; /* 2000-01-01, 2020-01-01 */
  fhs_column when = {"when", FHS_COL_DATETIME, when_bins, 2, NULL, 0, false};
  CHECK(fhs_encode_value(&when, "2010-06-01T12:00:00Z", 20, "f:7", &idx, &err) == 0 && idx == 0);
  CHECK(fhs_encode_value(&when, "2030-01-01", 10, "f:7", &idx, &err) == -1);
  CHECK_MSG(!strcmp(err.msg, "f:7: column \"when\": value 2030-01-01 is outside the schema's bins "
                             "[2000-01-01, 2020-01-01]"),
            "%s", err.msg);
  CHECK(fhs_encode_value(&when, "June", 4, "f:8", &idx, &err) == -1);
  CHECK(strstr(err.msg, "is not an ISO 8601 date or time") != NULL);
}

/* A CSV whose columns are in another order than the schema's, with an extra column the schema
 * does not list, and a bad value on a known line. */
static void test_file_errors(void) {
  fhs_column cols[2] = {age_col(), {"sex", FHS_COL_CATEGORICAL, NULL, 0, (char *[]){"F", "M"}, 2, false}};
  fhs_schema s = {.n_columns = 2, .columns = cols};
  char path[700], want[900];
  fixture_write(&fx, "d.csv", "sex,note,age\nF,x,20\nM,\"two\nlines\",40\nF,y,130\n", (size_t)-1,
                path, sizeof path);
  fhs_error err;
  fhs_csv_reader *r = fhs_csv_open(path, &err);
  CHECK(r != NULL);
  if (!r) return;
  fhs_encoder *enc = fhs_encoder_create(&s, r, 2, &err);
  CHECK_MSG(enc != NULL, "%s", err.msg);
  fhs_encode_block b = {0};
  CHECK(fhs_encoder_next(enc, &b, &err) == 1);
  CHECK(b.n_rows == 2 && b.capacity == 2 && b.n_columns == 2 && b.first_row == 0);
  CHECK(fhs_encode_block_column(&b, 0)[0] == 0 && fhs_encode_block_column(&b, 0)[1] == 1);
  CHECK(fhs_encode_block_column(&b, 1)[0] == 0 && fhs_encode_block_column(&b, 1)[1] == 1);
  CHECK(fhs_encoder_next(enc, &b, &err) == -1);
  snprintf(want, sizeof want, "%s:5: column \"age\": value 130 is outside the schema's bins [17, 91]",
           path);
  CHECK_MSG(!strcmp(err.msg, want), "%s", err.msg);
  fhs_encoder_free(enc);
  fhs_csv_close(r);

  fixture_write(&fx, "e.csv", "sex,agge\nF,20\n", (size_t)-1, path, sizeof path);
  r = fhs_csv_open(path, &err);
  CHECK(r != NULL);
  CHECK(fhs_encoder_create(&s, r, 8, &err) == NULL);
  snprintf(want, sizeof want, "%s: the header has no column \"age\", which the schema lists", path);
  CHECK_MSG(!strcmp(err.msg, want), "%s", err.msg);
  fhs_csv_close(r);
  fhs_encode_block_free(&b);
}

/* Random rows, S not dividing the row count: the sum of indicator vectors over blocks equals
 * the count of each value computed row by row; padding slots are zero. */
static void test_indicators(void) {
  const size_t rows = 1000, S = 64;
  const char *colors[] = {"red", "green", "blue"};
  size_t cap = rows * 40 + 32, len = 0;
  char *text = malloc(cap);
  uint64_t count_x[6] = {0}, count_c[4] = {0};
  uint64_t state = 12345;
  len += (size_t)snprintf(text, cap, "x,color\n");
  for (size_t r = 0; r < rows; r++) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    unsigned x = (unsigned)(state >> 33) % 50, c = (unsigned)(state >> 20) % 4;
    count_x[x / 10]++;
    count_c[c]++; /* c == 3: missing */
    len += (size_t)snprintf(text + len, cap - len, "%u,%s\n", x, c < 3 ? colors[c] : "");
  }
  char path[700];
  fixture_write(&fx, "ind.csv", text, len, path, sizeof path);
  free(text);
  double xb[] = {0, 10, 20, 30, 40, 50};
  fhs_column cols[2] = {{"x", FHS_COL_NUMERIC, xb, 6, NULL, 0, false},
                        {"color", FHS_COL_CATEGORICAL, NULL, 0, (char **)colors, 3, true}};
  fhs_schema s = {.n_columns = 2, .columns = cols};
  fhs_error err;
  CHECK(fhs_schema_validate(&s, "test", &err) == 0);
  fhs_csv_reader *r = fhs_csv_open(path, &err);
  fhs_encoder *enc = r ? fhs_encoder_create(&s, r, S, &err) : NULL;
  CHECK_MSG(enc != NULL, "%s", err.msg);
  if (!enc) {
    fhs_csv_close(r);
    return;
  }
  uint64_t got_x[5] = {0}, got_c[4] = {0}, slots[64];
  fhs_encode_block b = {0};
  size_t blocks = 0, pad_ok = 1;
  uint64_t next_first = 0;
  while (fhs_encoder_next(enc, &b, &err) == 1) {
    blocks++;
    CHECK(b.first_row == next_first);
    next_first += b.n_rows;
    for (uint16_t v = 0; v < 5; v++) {
      fhs_encode_indicator(&b, 0, v, slots);
      for (size_t k = 0; k < S; k++) got_x[v] += slots[k];
      for (size_t k = b.n_rows; k < S; k++) pad_ok &= slots[k] == 0;
    }
    for (uint16_t v = 0; v < 4; v++) {
      fhs_encode_indicator(&b, 1, v, slots);
      for (size_t k = 0; k < S; k++) got_c[v] += slots[k];
    }
    fhs_encode_indicator(&b, 1, FHS_ENCODE_PAD, slots); /* padding never matches */
    for (size_t k = 0; k < S; k++) pad_ok &= slots[k] == 0;
  }
  CHECK(blocks == (rows + S - 1) / S && b.n_rows == rows % S);
  CHECK(fhs_encoder_rows(enc) == rows && pad_ok);
  CHECK(fhs_encode_block_column(&b, 0)[S - 1] == FHS_ENCODE_PAD);
  for (int v = 0; v < 5; v++) CHECK_MSG(got_x[v] == count_x[v], "x=%d", v);
  for (int v = 0; v < 4; v++) CHECK_MSG(got_c[v] == count_c[v], "color=%d", v);
  CHECK(fhs_encoder_next(enc, &b, &err) == 0); /* stays at the end */
  fhs_encode_block_free(&b);
  fhs_encoder_free(enc);
  fhs_csv_close(r);
}

int main(void) {
  if (fixture_init(&fx)) {
    perror("mkdtemp");
    return 1;
  }
  test_values();
  test_file_errors();
  test_indicators();
  fixture_cleanup(&fx);
  return check_report("test_encode_rows");
}
