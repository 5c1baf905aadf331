/* The real datasets (data/): inference gives sensible schemas and every row encodes.
 * argv[1] is the data directory. */
#include <string.h>

#include "../io/fixture.h"
#include "check.h"
#include "encode.h"

static fixture fx;

static void print_schema(const char *name, const fhs_schema *s) {
  printf("%s:\n", name);
  for (size_t i = 0; i < s->n_columns; i++) {
    const fhs_column *c = &s->columns[i];
    printf("  %-16s %-11s d=%-3zu%s", c->name, fhs_col_type_name(c->type),
           fhs_schema_domain_size(c), c->missing ? " missing " : " ");
    if (c->type == FHS_COL_CATEGORICAL) {
      for (size_t k = 0; k < c->n_categories && k < 6; k++) printf("%s|", c->categories[k]);
      if (c->n_categories > 6) printf("...");
    } else {
      for (size_t k = 0; k < c->n_bins; k++) printf("%g ", c->bins[k]);
    }
    printf("\n");
  }
}

/* Bins of every binned column are increasing and cover exactly [min, max] of the data. */
static void check_bins_sane(const fhs_schema *s, size_t max_bins) {
  for (size_t i = 0; i < s->n_columns; i++) {
    const fhs_column *c = &s->columns[i];
    if (c->type == FHS_COL_CATEGORICAL) continue;
    CHECK_MSG(c->n_bins >= 2 && c->n_bins - 1 <= max_bins, "%s: %zu edges", c->name, c->n_bins);
    for (size_t k = 1; k < c->n_bins; k++) CHECK(c->bins[k] > c->bins[k - 1]);
  }
}

/* Encodes the whole file with the schema; returns rows, or -1. Also checks that the 1-way
 * counts from the indicator vectors add up to the number of rows for every column. */
static long long encode_all(const char *path, const fhs_schema *s) {
  fhs_error err;
  fhs_csv_reader *r = fhs_csv_open(path, &err);
  CHECK_MSG(r != NULL, "%s", err.msg);
  if (!r) return -1;
  fhs_encoder *enc = fhs_encoder_create(s, r, 8192, &err);
  CHECK_MSG(enc != NULL, "%s", err.msg);
  fhs_encode_block b = {0};
  uint64_t *slots = malloc(8192 * sizeof *slots);
  uint64_t total_ones = 0;
  int rc;
  while (enc && slots && (rc = fhs_encoder_next(enc, &b, &err)) == 1) {
    for (size_t c = 0; c < s->n_columns; c++)
      for (size_t v = 0; v < fhs_schema_domain_size(&s->columns[c]); v++) {
        fhs_encode_indicator(&b, c, (uint16_t)v, slots);
        for (size_t k = 0; k < b.capacity; k++) total_ones += slots[k];
      }
  }
  CHECK_MSG(enc && rc == 0, "%s", err.msg);
  long long rows = enc ? (long long)fhs_encoder_rows(enc) : -1;
  CHECK(total_ones == (uint64_t)rows * s->n_columns);
  free(slots);
  fhs_encode_block_free(&b);
  fhs_encoder_free(enc);
  fhs_csv_close(r);
  return rc == 0 ? rows : -1;
}

/* Schema written and read back is the same, then used to encode. */
static void roundtrip(const fhs_schema *s) {
  char path[700];
  snprintf(path, sizeof path, "%s/SCHEMA.json", fx.dir);
  fhs_error err;
  CHECK_MSG(fhs_schema_write(s, path, &err) == 0, "%s", err.msg);
  fhs_schema t;
  CHECK_MSG(fhs_schema_read(path, &t, &err) == 0, "%s", err.msg);
  CHECK(t.n_columns == s->n_columns && t.origin == s->origin);
  for (size_t i = 0; i < t.n_columns && i < s->n_columns; i++) {
    const fhs_column *a = &s->columns[i], *b = &t.columns[i];
    CHECK(strcmp(a->name, b->name) == 0 && a->type == b->type && a->missing == b->missing);
    CHECK(a->n_bins == b->n_bins && a->n_categories == b->n_categories);
    for (size_t k = 0; k < a->n_bins && k < b->n_bins; k++) CHECK(a->bins[k] == b->bins[k]);
    for (size_t k = 0; k < a->n_categories && k < b->n_categories; k++)
      CHECK(strcmp(a->categories[k], b->categories[k]) == 0);
  }
  fhs_schema_free(&t);
  unlink(path);
}

static void test_adult(const char *dir) {
  char path[700];
  snprintf(path, sizeof path, "%s/adult.csv", dir);
  fhs_schema s;
  fhs_error err;
  CHECK_MSG(fhs_schema_infer(path, NULL, &s, &err) == 0, "%s", err.msg);
  if (s.n_columns == 0) return;
  print_schema("adult", &s);
  CHECK(s.n_columns == 15);
  size_t numeric = 0, categorical = 0;
  for (size_t i = 0; i < s.n_columns; i++) {
    const fhs_column *c = &s.columns[i];
    numeric += c->type == FHS_COL_NUMERIC;
    categorical += c->type == FHS_COL_CATEGORICAL;
    bool want_missing = !strcmp(c->name, "workclass") || !strcmp(c->name, "occupation") ||
                        !strcmp(c->name, "native-country");
    CHECK_MSG(c->missing == want_missing, "%s", c->name);
  }
  CHECK(numeric == 6 && categorical == 9);
  check_bins_sane(&s, FHS_INFER_DEFAULT_BINS);
  const fhs_column *age = &s.columns[fhs_schema_find(&s, "age")];
  CHECK(age->type == FHS_COL_NUMERIC && age->bins[0] == 17 && age->bins[age->n_bins - 1] == 90);
  /* capital-gain is 0 for most rows: 0 must have a bin of its own, [0, 1) */
  const fhs_column *gain = &s.columns[fhs_schema_find(&s, "capital-gain")];
  CHECK(gain->bins[0] == 0 && gain->bins[1] == 1);
  /* education-num has 16 values: one bin per value */
  const fhs_column *edu = &s.columns[fhs_schema_find(&s, "education-num")];
  CHECK(edu->n_bins == 17 && edu->bins[0] == 1 && edu->bins[16] == 17);
  const fhs_column *income = &s.columns[fhs_schema_find(&s, "income")];
  CHECK(income->type == FHS_COL_CATEGORICAL && income->n_categories == 2 &&
        strcmp(income->categories[0], "<=50K") == 0);
  roundtrip(&s);
  CHECK(encode_all(path, &s) == 48842);
  fhs_schema_free(&s);
}

static void test_other(const char *dir, const char *file, uint64_t rows, size_t cols,
                       size_t numeric) {
  char path[700];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  fhs_schema s;
  fhs_error err;
  CHECK_MSG(fhs_schema_infer(path, NULL, &s, &err) == 0, "%s", err.msg);
  if (s.n_columns == 0) return;
  print_schema(file, &s);
  CHECK(s.n_columns == cols);
  size_t n = 0;
  for (size_t i = 0; i < s.n_columns; i++) n += s.columns[i].type == FHS_COL_NUMERIC;
  CHECK_MSG(n == numeric, "%s: %zu numeric", file, n);
  check_bins_sane(&s, FHS_INFER_DEFAULT_BINS);
  roundtrip(&s);
  CHECK(encode_all(path, &s) == (long long)rows);
  fhs_schema_free(&s);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "data";
  if (fixture_init(&fx)) {
    perror("mkdtemp");
    return 1;
  }
  test_adult(dir);
  test_other(dir, "diamonds.csv", 53940, 10, 7);
  test_other(dir, "gapminder.csv", 10545, 9, 6);
  fixture_cleanup(&fx);
  return check_report("test_encode_datasets");
}
