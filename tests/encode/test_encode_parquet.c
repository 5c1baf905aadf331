/* Parquet input gives what CSV input gives: each dataset of data/ is loaded from CSV into
 * a typed table (integers as INT64, other numbers as DOUBLE, the rest as dictionary strings,
 * empty fields missing), written as Parquet by the io writer, and then schema inference and
 * the row encoder run on both files must agree exactly (same SCHEMA.json bytes, same indices
 * in every block). Also: row-level error messages name the Parquet row.
 * argv[1] is the data directory. */
#include <math.h>
#include <string.h>

#include "../io/fixture.h"
#include "check.h"
#include "encode.h"
#include "writers.h"

static fixture fx;

/* ---------- CSV -> fhs_table ---------- */

typedef struct {
  char **labels;
  size_t n, cap;
} label_set;

static uint32_t label_code(label_set *s, const char *text) {
  for (size_t i = 0; i < s->n; i++) /* datasets here have few labels per column */
    if (!strcmp(s->labels[i], text)) return (uint32_t)i;
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 16;
    s->labels = realloc(s->labels, s->cap * sizeof *s->labels);
  }
  s->labels[s->n] = strdup(text);
  return (uint32_t)s->n++;
}

/* Pass 1 decides each column's type; pass 2 fills the table. */
static int load_csv(const char *path, fhs_table *t) {
  fhs_error err;
  memset(t, 0, sizeof *t);
  for (int pass = 0; pass < 2; pass++) {
    fhs_csv_reader *r = fhs_csv_open(path, &err);
    if (!r) return -1;
    size_t nc = fhs_csv_n_columns(r), row = 0;
    if (pass == 0) {
      t->n_columns = nc;
      t->columns = calloc(nc, sizeof *t->columns);
      for (size_t c = 0; c < nc; c++) {
        t->columns[c].name = strdup(fhs_csv_column_name(r, c));
        t->columns[c].type = FHS_VALUE_INT64; /* narrowed below */
      }
    }
    label_set *sets = pass ? calloc(nc, sizeof *sets) : NULL;
    const fhs_csv_field *f;
    while (fhs_csv_next_row(r, &f, NULL, &err) == 1) {
      for (size_t c = 0; c < nc; c++) {
        fhs_table_column *col = &t->columns[c];
        double v = 0;
        bool num = f[c].len == 0 || fhs_parse_number(f[c].ptr, f[c].len, &v) == 0;
        if (pass == 0) {
          if (!num) col->type = FHS_VALUE_STRING;
          else if (col->type == FHS_VALUE_INT64 && (v != floor(v) || fabs(v) > 9e18))
            col->type = FHS_VALUE_DOUBLE;
          continue;
        }
        col->valid[row] = f[c].len > 0;
        if (!col->valid[row]) continue;
        if (col->type == FHS_VALUE_STRING) col->codes[row] = label_code(&sets[c], f[c].ptr);
        else if (col->type == FHS_VALUE_DOUBLE) col->f64[row] = v;
        else col->i64[row] = (int64_t)v;
      }
      row++;
    }
    if (pass == 0) {
      t->n_rows = row;
      for (size_t c = 0; c < nc; c++) {
        fhs_table_column *col = &t->columns[c];
        col->valid = calloc(row + 1, 1);
        if (col->type == FHS_VALUE_STRING) col->codes = calloc(row + 1, sizeof *col->codes);
        else if (col->type == FHS_VALUE_DOUBLE) col->f64 = calloc(row + 1, sizeof *col->f64);
        else col->i64 = calloc(row + 1, sizeof *col->i64);
      }
    } else {
      for (size_t c = 0; c < nc; c++) {
        t->columns[c].dict = sets[c].labels;
        t->columns[c].dict_len = sets[c].n;
      }
      free(sets);
    }
    fhs_csv_close(r);
  }
  return 0;
}

/* ---------- comparisons ---------- */

static char *slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *s = calloc((size_t)n + 1, 1);
  if (s && fread(s, 1, (size_t)n, fp) != (size_t)n) s[0] = '\0';
  fclose(fp);
  return s;
}

static void same_schema(const char *csv, const char *pq, fhs_schema *s) {
  fhs_schema p;
  fhs_error err;
  CHECK_MSG(fhs_schema_infer(csv, NULL, s, &err) == 0, "%s", err.msg);
  CHECK_MSG(fhs_schema_infer(pq, NULL, &p, &err) == 0, "%s", err.msg);
  char a[700], b[700];
  snprintf(a, sizeof a, "%s/csv.schema.json", fx.dir);
  snprintf(b, sizeof b, "%s/pq.schema.json", fx.dir);
  CHECK(fhs_schema_write(s, a, &err) == 0 && fhs_schema_write(&p, b, &err) == 0);
  char *x = slurp(a), *y = slurp(b);
  CHECK_MSG(x && y && !strcmp(x, y), "%s: schemas differ", pq);
  free(x);
  free(y);
  fhs_schema_free(&p);
}

static void same_blocks(const char *csv, const char *pq, const fhs_schema *s) {
  fhs_error err;
  fhs_rows *rc = fhs_rows_open(csv, &err), *rp = fhs_rows_open(pq, &err);
  CHECK_MSG(rc && rp, "%s", err.msg);
  fhs_encoder *ec = rc ? fhs_encoder_create_rows(s, rc, 4096, &err) : NULL;
  fhs_encoder *ep = rp ? fhs_encoder_create_rows(s, rp, 4096, &err) : NULL;
  CHECK_MSG(ec && ep, "%s", err.msg);
  fhs_encode_block bc = {0}, bp = {0};
  size_t blocks = 0, differ = 0;
  int a = 0, b = 0;
  while (ec && ep && (a = fhs_encoder_next(ec, &bc, &err)) == 1 &&
         (b = fhs_encoder_next(ep, &bp, &err)) == 1) {
    blocks++;
    if (bc.n_rows != bp.n_rows ||
        memcmp(bc.index, bp.index, bc.capacity * bc.n_columns * sizeof *bc.index))
      differ++;
  }
  CHECK_MSG(a == 0 && (ep == NULL || fhs_encoder_next(ep, &bp, &err) == 0), "%s", err.msg);
  CHECK_MSG(differ == 0 && blocks > 0, "%s: %zu of %zu blocks differ", pq, differ, blocks);
  CHECK(ec && ep && fhs_encoder_rows(ec) == fhs_encoder_rows(ep));
  fhs_encode_block_free(&bc);
  fhs_encode_block_free(&bp);
  fhs_encoder_free(ec);
  fhs_encoder_free(ep);
  fhs_rows_close(rc);
  fhs_rows_close(rp);
}

static void test_dataset(const char *dir, const char *name) {
  char csv[700], pq[700];
  snprintf(csv, sizeof csv, "%s/%s.csv", dir, name);
  snprintf(pq, sizeof pq, "%s/%s.parquet", fx.dir, name);
  fhs_table t;
  fhs_error err;
  CHECK_MSG(load_csv(csv, &t) == 0, "%s", csv);
  CHECK_MSG(fhs_table_write(&t, pq, &err) == 0, "%s", err.msg);
  fhs_table_free(&t);
  fhs_schema s;
  same_schema(csv, pq, &s);
  if (s.n_columns) same_blocks(csv, pq, &s);
  printf("%s: CSV and Parquet agree (%zu columns)\n", name, s.n_columns);
  fhs_schema_free(&s);
}

/* A value the schema cannot place names the Parquet row. */
static void test_row_error(const char *dir) {
  char csv[700], pq[700];
  snprintf(csv, sizeof csv, "%s/adult.csv", dir);
  snprintf(pq, sizeof pq, "%s/adult.parquet", fx.dir);
  fhs_schema s;
  fhs_error err;
  CHECK_MSG(fhs_schema_infer(csv, NULL, &s, &err) == 0, "%s", err.msg);
  if (!s.n_columns) return;
  fhs_column *age = &s.columns[fhs_schema_find(&s, "age")];
  age->bins[age->n_bins - 1] = 80; /* rows with age above 80 no longer fit */
  fhs_rows *r = fhs_rows_open(pq, &err);
  fhs_encoder *enc = r ? fhs_encoder_create_rows(&s, r, 1024, &err) : NULL;
  fhs_encode_block b = {0};
  int rc = 0;
  while (enc && (rc = fhs_encoder_next(enc, &b, &err)) == 1) {
  }
  CHECK(rc == -1);
  char want[800];
  snprintf(want, sizeof want, "%s: row ", pq);
  CHECK_MSG(strstr(err.msg, want) == err.msg && strstr(err.msg, "column \"age\": value"), "%s",
            err.msg);
  fhs_encode_block_free(&b);
  fhs_encoder_free(enc);
  fhs_rows_close(r);
  fhs_schema_free(&s);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "data";
  if (fixture_init(&fx)) return 1;
  test_dataset(dir, "adult");
  test_dataset(dir, "gapminder");
  test_dataset(dir, "diamonds");
  test_row_error(dir);
  fixture_cleanup(&fx);
  return check_report("test_encode_parquet");
}
