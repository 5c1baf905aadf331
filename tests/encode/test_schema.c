/* Schema: type inference on crafted columns, bin rules, SCHEMA.json round trip and the error
 * of every malformed schema, datetime parsing and formatting, round edges. */
#include <math.h>
#include <string.h>

#include "../io/fixture.h"
#include "check.h"
#include "encode.h"
#include "encode_internal.h"

static fixture fx;

static const fhs_column *col(const fhs_schema *s, const char *name) {
  long i = fhs_schema_find(s, name);
  return i < 0 ? NULL : &s->columns[i];
}

static int infer_text(const char *text, const fhs_infer_options *o, fhs_schema *s,
                      fhs_error *err, char *path) {
  if (fixture_write(&fx, "in.csv", text, (size_t)-1, path, 700)) return -1;
  return fhs_schema_infer(path, o, s, err);
}

static void test_types(void) {
  const char *text =
      "int,float,date,stamp,mixed,years,empty,cat,sparse\n"
      "3,1.5,2020-01-01,2020-01-01T10:00:00Z,1,2019,,b,\n"
      "1,-2e3,2020-02-29,2020-01-01 11:30,x,2020,,a,7\n"
      "2,0.25,2021-12-31,2020-01-02T00:00:00.250+01:00,2,2021,,b,\n"
      "3, 4 ,1999-07-04,2020-01-01T10:00,3,2019,,c,8\n";
  fhs_schema s;
  fhs_error err;
  char path[700];
  CHECK_MSG(infer_text(text, NULL, &s, &err, path) == 0, "%s", err.msg);
  if (!s.n_columns) return;
  CHECK(s.n_columns == 9);
  CHECK(col(&s, "int")->type == FHS_COL_NUMERIC && !col(&s, "int")->missing);
  CHECK(col(&s, "float")->type == FHS_COL_NUMERIC);
  CHECK(col(&s, "date")->type == FHS_COL_DATETIME);
  CHECK(col(&s, "stamp")->type == FHS_COL_DATETIME);
  CHECK(col(&s, "mixed")->type == FHS_COL_CATEGORICAL);
  CHECK(col(&s, "years")->type == FHS_COL_NUMERIC); /* "2020" alone is a number */
  const fhs_column *e = col(&s, "empty");
  CHECK(e->type == FHS_COL_CATEGORICAL && e->missing && e->n_categories == 0 &&
        fhs_schema_domain_size(e) == 1 && fhs_schema_missing_index(e) == 0);
  /* categories: by frequency, then by label */
  const fhs_column *c = col(&s, "cat");
  CHECK(c->n_categories == 3 && !strcmp(c->categories[0], "b") && !strcmp(c->categories[1], "a") &&
        !strcmp(c->categories[2], "c"));
  const fhs_column *m = col(&s, "mixed");
  CHECK(m->n_categories == 4 && !strcmp(m->categories[0], "1") && !strcmp(m->categories[3], "x"));
  /* few distinct values: one bin per value, value = lower edge */
  const fhs_column *i = col(&s, "int");
  CHECK(i->n_bins == 4 && i->bins[0] == 1 && i->bins[1] == 2 && i->bins[2] == 3 && i->bins[3] == 4);
  CHECK(fhs_schema_domain_size(i) == 3);
  const fhs_column *sp = col(&s, "sparse");
  CHECK(sp->missing && sp->n_bins == 3 && fhs_schema_domain_size(sp) == 3 &&
        fhs_schema_missing_index(sp) == 2);
  const fhs_column *d = col(&s, "date");
  CHECK(d->n_bins == 5 && d->bins[4] - d->bins[3] == 86400); /* whole days: a day wide */
  const fhs_column *f = col(&s, "float");
  CHECK(f->bins[0] == -2000 && f->bins[f->n_bins - 2] == 4);
  fhs_schema_free(&s);
  CHECK(s.columns == NULL && s.n_columns == 0);
}

/* Many distinct values: at most `bins` bins, increasing, exact min and max, a heavy value in
 * a bin of its own. */
static void test_binning(void) {
  size_t cap = 400000, len = 0;
  char *text = malloc(cap);
  if (!text) return;
  len += (size_t)snprintf(text, cap, "u,skew,t,mid\n");
  for (int r = 0; r < 10000; r++) {
    int skew = r % 10 < 9 ? 0 : (r * 7919) % 100000, mid = r % 10 < 3 ? 537 : (r * 7919) % 1000;
    long t = 1500000000L + (long)r * 3637;
    len += (size_t)snprintf(text + len, cap - len, "%.3f,%d,%ld,%d\n", r * 0.137 + 3.3, skew, t, mid);
  }
  fhs_infer_options o = {10, 255};
  fhs_schema s;
  fhs_error err;
  char path[700];
  CHECK_MSG(infer_text(text, &o, &s, &err, path) == 0, "%s", err.msg);
  free(text);
  if (!s.n_columns) return;
  const fhs_column *u = col(&s, "u");
  CHECK(u->n_bins >= 9 && u->n_bins <= 11);
  CHECK(u->bins[0] == 3.3 && fabs(u->bins[u->n_bins - 1] - (9999 * 0.137 + 3.3)) < 1e-9);
  for (size_t k = 1; k < u->n_bins; k++) CHECK(u->bins[k] > u->bins[k - 1]);
  for (size_t k = 1; k + 1 < u->n_bins; k++) { /* inner edges are round: at most 2 decimals */
    double x = u->bins[k] * 100;
    CHECK_MSG(fabs(x - round(x)) < 1e-6, "edge %.17g", u->bins[k]);
  }
  const fhs_column *sk = col(&s, "skew");
  /* a spike gets a bin that hugs it (integers: width 1), so values drawn inside the bin are the
   * spike itself */
  CHECK(sk->bins[0] == 0 && sk->bins[1] == 1);
  const fhs_column *mid = col(&s, "mid");
  int hugged = 0;
  for (size_t k = 0; k + 1 < mid->n_bins; k++) hugged |= mid->bins[k] == 537 && mid->bins[k + 1] == 538;
  CHECK_MSG(hugged, "537 holds 30%% of the rows but has no bin [537, 538)");
  fhs_schema_free(&s);

  /* one bin only; constant column */
  o.bins = 1;
  CHECK(infer_text("a,b\n1,5\n2,5\n3,5\n", &o, &s, &err, path) == 0);
  CHECK(s.columns[0].n_bins == 2 && s.columns[0].bins[0] == 1 && s.columns[0].bins[1] == 3);
  CHECK(s.columns[1].n_bins == 2 && s.columns[1].bins[0] == 5 && s.columns[1].bins[1] == 6);
  fhs_schema_free(&s);
}

static void test_infer_errors(void) {
  fhs_schema s;
  fhs_error err;
  char path[700], want[900];
  fhs_infer_options o = {16, 3};
  CHECK(infer_text("id,v\na,1\nb,1\nc,1\nd,1\n", &o, &s, &err, path) == -1);
  snprintf(want, sizeof want,
           "%s: column \"id\" has more than 3 distinct values, too many for a categorical "
           "column (an identifier or free text?): remove it from the CSV, or write a schema "
           "without it",
           path);
  CHECK_MSG(strcmp(err.msg, want) == 0, "%s", err.msg);
  CHECK(s.columns == NULL);
  /* numbers are binned, and 3 labels are within the limit */
  CHECK_MSG(infer_text("id,v\n1,a\n2,b\n3,c\n4,c\n", &o, &s, &err, path) == 0, "%s", err.msg);
  fhs_schema_free(&s);
  CHECK(infer_text("a,b\n", NULL, &s, &err, path) == -1);
  snprintf(want, sizeof want, "%s: no data rows after the header: nothing to infer from", path);
  CHECK_MSG(strcmp(err.msg, want) == 0, "%s", err.msg);
  CHECK(infer_text("a,b\n1,2\n3\n", NULL, &s, &err, path) == -1);
  CHECK_MSG(strstr(err.msg, ":3: row has 1 field, header has 2") != NULL, "%s", err.msg);
}

static void test_roundtrip(void) {
  fhs_column cols[3] = {
      {.name = "age \"quoted\"", .type = FHS_COL_NUMERIC,
       .bins = (double[]){0.1, 0.3, 1.0000001, 12345678.901234567}, .n_bins = 4},
      {.name = "cat\tname", .type = FHS_COL_CATEGORICAL,
       .categories = (char *[]){"b\\s", "\xC3\xA9t\xC3\xA9", "line\nbreak", "\x01"}, .n_categories = 4,
       .missing = true},
      {.name = "when", .type = FHS_COL_DATETIME, .bins = (double[]){-86400, 0, 1.5e9}, .n_bins = 3,
       .missing = true},
  };
  fhs_schema s = {.origin = FHS_ORIGIN_PUBLIC, .n_columns = 3, .columns = cols};
  char path[700];
  snprintf(path, sizeof path, "%s/s.json", fx.dir);
  fhs_error err;
  CHECK_MSG(fhs_schema_write(&s, path, &err) == 0, "%s", err.msg);
  fhs_schema t;
  CHECK_MSG(fhs_schema_read(path, &t, &err) == 0, "%s", err.msg);
  CHECK(t.origin == FHS_ORIGIN_PUBLIC && t.n_columns == 3);
  for (size_t i = 0; i < 3 && t.n_columns == 3; i++) {
    CHECK(strcmp(cols[i].name, t.columns[i].name) == 0);
    CHECK(cols[i].type == t.columns[i].type && cols[i].missing == t.columns[i].missing);
    CHECK(cols[i].n_bins == t.columns[i].n_bins && cols[i].n_categories == t.columns[i].n_categories);
    for (size_t k = 0; k < cols[i].n_bins; k++)
      CHECK_MSG(cols[i].bins[k] == t.columns[i].bins[k], "%.17g", t.columns[i].bins[k]);
    for (size_t k = 0; k < cols[i].n_categories; k++)
      CHECK(strcmp(cols[i].categories[k], t.columns[i].categories[k]) == 0);
  }
  fhs_schema_free(&t);
  /* the text is the documented format, with short numbers */
  FILE *fp = fopen(path, "rb");
  char buf[2048] = {0};
  if (fp) {
    CHECK(fread(buf, 1, sizeof buf - 1, fp) > 0);
    fclose(fp);
  }
  const char *head = "{\"format\": \"fhesynth-schema\", \"version\": 1, \"origin\": \"public\", \"columns\": [\n";
  CHECK(strncmp(buf, head, strlen(head)) == 0);
  CHECK(strstr(buf, "\"bins\": [0.1, 0.3, 1.0000001, 12345678.90123456") != NULL);
  CHECK(strstr(buf, "\"type\": \"datetime\", \"bins\": [-86400, 0, 1500000000], \"missing\": true}") != NULL);
  unlink(path);

  /* write refuses an invalid schema and leaves no file */
  cols[0].bins[1] = 0.05;
  CHECK(fhs_schema_write(&s, path, &err) == -1);
  CHECK_MSG(strstr(err.msg, "bins must be strictly increasing") != NULL, "%s", err.msg);
  CHECK(access(path, F_OK) != 0);
}

static void test_malformed(void) {
  static const struct {
    const char *json, *want;
  } cases[] = {
      {"", ":1: invalid JSON: "},
      {"{\"format\": \"fhesynth-schema\",\n \"version\": 1,,}", ":2: invalid JSON: "},
      {"[]", ": not a JSON object"},
      {"{\"format\": \"other\"}", ": not a fhesynth schema (\"format\" is not \"fhesynth-schema\")"},
      {"{\"format\": \"fhesynth-schema\", \"version\": 2, \"columns\": []}",
       ": schema version 2 is not supported (this build reads 1)"},
      {"{\"format\": \"fhesynth-schema\", \"version\": 1, \"rows\": 1, \"columns\": []}",
       ": \"rows\" is no longer part of a schema (an exact row count is private): delete the key"},
      {"{\"format\": \"fhesynth-schema\", \"version\": 1, \"columns\": []}",
       ": \"columns\" must be a non-empty array"},
      {"{\"format\": \"fhesynth-schema\", \"version\": 1, \"colums\": []}",
       ": schema: unknown key \"colums\""},
      {"{\"format\": \"fhesynth-schema\", \"version\": 1, \"columns\": [\n"
       "{\"name\": \"a\", \"type\": \"numeric\", \"bins\": [1, 3, 2], \"missing\": false}]}",
       ": column 1 (\"a\"): bins must be strictly increasing, but bins[2] = 2 follows 3"},
      {"{\"format\": \"fhesynth-schema\", \"version\": 1, \"columns\": [\n"
       "{\"name\": \"a\", \"type\": \"numeric\", \"bins\": [1], \"missing\": false}]}",
       ": column 1 (\"a\"): bins needs at least 2 edges, has 1"},
      {"{\"format\": \"fhesynth-schema\", \"version\": 1, \"columns\": [\n"
       "{\"name\": \"a\", \"type\": \"numeric\", \"bins\": [1, \"2\"], \"missing\": false}]}",
       ": column 1: bins[1] is not a number"},
      {"{\"format\": \"fhesynth-schema\", \"version\": 1, \"columns\": [\n"
       "{\"name\": \"a\", \"type\": \"numeric\", \"bins\": [1, 2], \"missing\": false},\n"
       "{\"name\": \"b\", \"type\": \"categorical\", \"categories\": [\"x\", \"y\", \"x\"], "
       "\"missing\": false}]}",
       ": column 2 (\"b\"): category \"x\" appears twice"},
      {"{\"format\": \"fhesynth-schema\", \"version\": 1, \"columns\": [\n"
       "{\"name\": \"b\", \"type\": \"categorical\", \"categories\": [\"x\", \"\"], "
       "\"missing\": false}]}",
       ": column 1 (\"b\"): category 2 is empty"},
      {"{\"format\": \"fhesynth-schema\", \"version\": 1, \"columns\": [\n"
       "{\"name\": \"b\", \"type\": \"categorical\", \"categories\": [], \"missing\": false}]}",
       ": column 1 (\"b\"): empty domain"},
      {"{\"format\": \"fhesynth-schema\", \"version\": 1, \"columns\": [\n"
       "{\"name\": \"b\", \"type\": \"categorical\", \"bins\": [1, 2], \"missing\": false}]}",
       ": column 1: a categorical column has no \"bins\""},
      {"{\"format\": \"fhesynth-schema\", \"version\": 1, \"columns\": [\n"
       "{\"name\": \"b\", \"type\": \"text\", \"categories\": [], \"missing\": false}]}",
       ": column 1: \"type\" must be \"numeric\", \"categorical\" or \"datetime\""},
      {"{\"format\": \"fhesynth-schema\", \"version\": 1, \"columns\": [\n"
       "{\"name\": \"b\", \"type\": \"numeric\", \"bins\": [1, 2]}]}",
       ": column 1: \"missing\" must be true or false"},
      {"{\"format\": \"fhesynth-schema\", \"version\": 1, \"columns\": [\n"
       "{\"name\": \"a\", \"type\": \"numeric\", \"bins\": [1, 2], \"missing\": false},\n"
       "{\"name\": \"a\", \"type\": \"numeric\", \"bins\": [1, 2], \"missing\": false}]}",
       ": column name \"a\" appears twice"},
      {"{\"format\": \"fhesynth-schema\", \"version\": 1, \"columns\": [\n"
       "{\"name\": \"a\", \"type\": \"numeric\", \"bins\": [1, 2], \"missing\": false, "
       "\"bns\": 3}]}",
       ": column 1: unknown key \"bns\""},
      {"{\"format\": \"fhesynth-schema\", \"format\": \"fhesynth-schema\"}", ":1: invalid JSON: "},
  };
  char path[700];
  fhs_error err;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fixture_write(&fx, "bad.json", cases[i].json, (size_t)-1, path, sizeof path);
    fhs_schema s;
    int rc = fhs_schema_read(path, &s, &err);
    CHECK_MSG(rc == -1 && s.columns == NULL, "case %zu", i);
    CHECK_MSG(strncmp(err.msg, path, strlen(path)) == 0 && strstr(err.msg, cases[i].want) &&
                  !strchr(err.msg, '\n'),
              "case %zu: %s", i, err.msg);
  }
  snprintf(path, sizeof path, "%s/none.json", fx.dir);
  fhs_schema s;
  CHECK(fhs_schema_read(path, &s, &err) == -1);
  CHECK(strstr(err.msg, "none.json: no such file") != NULL);
}

static void test_datetime(void) {
  double t;
  CHECK(fhs_datetime_parse("1970-01-01", 10, &t) == 0 && t == 0);
  CHECK(fhs_datetime_parse("1969-12-31T23:59:59Z", 20, &t) == 0 && t == -1);
  CHECK(fhs_datetime_parse("2000-03-01T12:30:00+02:00", 25, &t) == 0 && t == 951906600.0);
  CHECK(fhs_datetime_parse("2000-03-01 10:30", 16, &t) == 0 && t == 951906600.0);
  CHECK(fhs_datetime_parse("2024-02-29", 10, &t) == 0);
  CHECK(fhs_datetime_parse("2023-02-29", 10, &t) == -1);
  CHECK(fhs_datetime_parse("2023-13-01", 10, &t) == -1);
  CHECK(fhs_datetime_parse("2023-01-01T24:00", 16, &t) == -1);
  CHECK(fhs_datetime_parse("2023-01-01T", 11, &t) == -1);
  CHECK(fhs_datetime_parse("2023-01-01T10:00Zx", 18, &t) == -1);
  CHECK(fhs_datetime_parse("2023", 4, &t) == -1);
  CHECK(fhs_datetime_parse("2023-1-1", 8, &t) == -1);
  CHECK(fhs_datetime_parse("0000-01-01", 10, &t) == 0 && t == -62167219200.0);
  char buf[FHS_DATETIME_BUF];
  CHECK(fhs_datetime_format(0, buf, sizeof buf) == 10 && !strcmp(buf, "1970-01-01"));
  CHECK(fhs_datetime_format(-1, buf, sizeof buf) && !strcmp(buf, "1969-12-31T23:59:59Z"));
  CHECK(fhs_datetime_format(951906600.25, buf, sizeof buf) &&
        !strcmp(buf, "2000-03-01T10:30:00.250Z"));
  CHECK(fhs_datetime_format(253402300800.0, buf, sizeof buf) == 0);
  /* every day of 400 years round-trips */
  int ok = 1;
  for (int64_t day = -200 * 366; day < 200 * 366 && ok; day += 1) {
    double x = (double)day * 86400 + (day % 3) * 3661;
    ok = fhs_datetime_format(x, buf, sizeof buf) && fhs_datetime_parse(buf, strlen(buf), &t) == 0 && t == x;
  }
  CHECK(ok);
}

static void test_nicest(void) {
  CHECK(fhs_enc_nicest(0, 114, false) == 100);
  CHECK(fhs_enc_nicest(39, 40, false) == 40);
  CHECK(fhs_enc_nicest(41, 47, false) == 45);
  CHECK(fhs_enc_nicest(-5, 3, false) == 0);
  CHECK(fhs_enc_nicest(0.31, 0.34, false) == 0.32);
  double big = fhs_enc_nicest(1e15 + 0.5, 1e15 + 0.75, false); /* doubles 0.125 apart */
  CHECK(big > 1e15 + 0.5 && big <= 1e15 + 0.75);
  double jan2020 = 1577836800, mar2020 = 1583020800;
  CHECK(fhs_enc_nicest(jan2020 - 5e6, jan2020 + 1e5, true) == jan2020); /* a new decade */
  CHECK(fhs_enc_nicest(jan2020 + 10, mar2020 + 10, true) == 1580515200); /* 1 February */
  CHECK(fhs_enc_nicest(jan2020 + 10, jan2020 + 4000, true) == jan2020 + 3600);
}

int main(void) {
  if (fixture_init(&fx)) {
    perror("mkdtemp");
    return 1;
  }
  test_types();
  test_binning();
  test_infer_errors();
  test_roundtrip();
  test_malformed();
  test_datetime();
  test_nicest();
  fixture_cleanup(&fx);
  return check_report("test_encode_schema");
}
