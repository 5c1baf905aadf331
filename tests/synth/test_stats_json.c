/* STATS.json: round trips (noisy and exact) and the exact error for each kind of bad file. */
#include <math.h>

#include "../io/fixture.h"
#include "check.h"
#include "synth_test.h"

static fixture fx;

/* cat "color" (3 + missing), numeric "age" (3 bins), datetime "when" (2 bins). */
static void make_schema(fhs_schema *s) {
  schema_begin(s, 3);
  add_cat(s, "color", 3, true);
  const double age[] = {0, 18, 65, 120};
  add_num(s, "age", FHS_COL_NUMERIC, age, 4, false);
  const double when[] = {0, 86400, 172800};
  add_num(s, "when", FHS_COL_DATETIME, when, 3, false);
}

static void sample_set(const fhs_schema *schema, fhs_marginal_set *s, int exact) {
  fhs_index_table idx;
  const long parent[] = {-1, 0, -1};
  const double p[] = {0, 0.5, 0};
  gen_data(schema, 500, parent, p, 11, &idx);
  fhs_colset sets[] = {{1, {0}}, {1, {1}}, {1, {2}}, {2, {0, 1}}, {3, {0, 1, 2}}};
  fhs_error err;
  CHECK(fhs_marginals_count(schema, &idx, sets, 5, s, &err) == 0);
  fhs_index_table_free(&idx);
  if (exact) return;
  s->exact = 0, s->epsilon = 0.3, s->delta = 1e-6, s->rho = 0.0012345678901234567;
  for (size_t i = 0; i < s->count; i++) {
    s->m[i].sigma = 12.345678901234567 + (double)i;
    s->m[i].counts[0] -= 40; /* noisy counts can be negative */
  }
}

static int sets_equal(const fhs_marginal_set *a, const fhs_marginal_set *b) {
  if (a->rows != b->rows || a->exact != b->exact || a->count != b->count) return 0;
  if (!a->exact && (a->epsilon != b->epsilon || a->delta != b->delta || a->rho != b->rho)) return 0;
  for (size_t i = 0; i < a->count; i++) {
    const fhs_marginal *x = &a->m[i], *y = &b->m[i];
    if (x->n_cols != y->n_cols || x->size != y->size || x->sigma != y->sigma) return 0;
    for (size_t k = 0; k < x->n_cols; k++)
      if (x->cols[k] != y->cols[k] || x->shape[k] != y->shape[k]) return 0;
    if (memcmp(x->counts, y->counts, x->size * sizeof *x->counts)) return 0;
  }
  return 1;
}

static void test_round_trip(const fhs_schema *schema) {
  for (int exact = 0; exact <= 1; exact++) {
    fhs_marginal_set s, back;
    sample_set(schema, &s, exact);
    char path[600];
    snprintf(path, sizeof path, "%s/stats%d.json", fx.dir, exact);
    fhs_error err;
    int before = fixture_count(&fx);
    CHECK_MSG(fhs_stats_json_write(&s, schema, path, &err) == 0, "%s", err.msg);
    CHECK(fixture_count(&fx) == before + 1); /* no temporary file left behind */
    CHECK_MSG(fhs_stats_json_read(path, schema, &back, &err) == 0, "%s", err.msg);
    CHECK(sets_equal(&s, &back));
    CHECK(back.exact == exact);
    if (exact) CHECK(isinf(back.epsilon) && back.delta == 0 && isinf(back.rho));
    const size_t cols[] = {0, 1};
    const fhs_marginal *m = fhs_marginal_set_find(&back, 2, cols);
    CHECK(m && m->shape[0] == 4 && m->shape[1] == 3 && m->size == 12);
    const size_t none[] = {1, 2};
    CHECK(fhs_marginal_set_find(&back, 2, none) == NULL);
    fhs_marginal_set_free(&s);
    fhs_marginal_set_free(&back);
  }
}

/* Each bad file must be refused with a one-line message naming the file and containing want. */
static void expect_bad(const fhs_schema *schema, const char *name, const char *text,
                       const char *want) {
  char path[600];
  fixture_write(&fx, name, text, (size_t)-1, path, sizeof path);
  fhs_marginal_set s;
  fhs_error err;
  memset(&err, 0, sizeof err);
  int rc = fhs_stats_json_read(path, schema, &s, &err);
  CHECK_MSG(rc == -1, "%s was accepted", name);
  CHECK_MSG(strstr(err.msg, path) && strstr(err.msg, want) && !strchr(err.msg, '\n'),
            "%s: got \"%s\", want \"%s\"", name, err.msg, want);
  CHECK(s.count == 0 && s.m == NULL);
}

#define HEAD "{\"format\": \"fhesynth-stats\", \"version\": 2, \"rows_noisy\": 10, \"exact\": false, " \
             "\"epsilon\": 1, \"delta\": 1e-6, \"rho\": 0.01, \"marginals\": ["
static void test_rejections(const fhs_schema *schema) {
  expect_bad(schema, "bad1.json", "{\"format\": ", "invalid JSON");
  expect_bad(schema, "bad2.json", "{\"format\": \"fhesynth-schema\", \"version\": 1}",
             "not a fhesynth stats file");
  expect_bad(schema, "bad3.json",
             HEAD "{\"columns\": [\"zzz\"], \"shape\": [4], \"counts\": [1,2,3,4], \"sigma\": 1}]}",
             "column \"zzz\" is not in the schema");
  expect_bad(schema, "bad4.json",
             HEAD "{\"columns\": [\"color\"], \"shape\": [3], \"counts\": [1,2,3], \"sigma\": 1}]}",
             "shape[0] does not match the schema");
  expect_bad(schema, "bad5.json",
             HEAD "{\"columns\": [\"color\"], \"shape\": [4], \"counts\": [1,2,3], \"sigma\": 1}]}",
             "\"counts\" must be an array of 4 integers");
  expect_bad(schema, "bad6.json",
             HEAD "{\"columns\": [\"color\"], \"shape\": [4], \"counts\": [1,2.5,3,4], \"sigma\": 1}]}",
             "counts[1] is not an integer");
  expect_bad(schema, "bad7.json",
             HEAD "{\"columns\": [\"age\", \"color\"], \"shape\": [3, 4], \"counts\": [], \"sigma\": 1}]}",
             "schema order");
  expect_bad(schema, "bad8.json",
             HEAD "{\"columns\": [\"age\"], \"shape\": [3], \"counts\": [1,2,3], \"sigma\": 1},"
                  "{\"columns\": [\"age\"], \"shape\": [3], \"counts\": [1,2,3], \"sigma\": 1}]}",
             "marginal 2 repeats");
  expect_bad(schema, "bad9.json",
             HEAD "{\"columns\": [\"age\"], \"shape\": [3], \"counts\": [1,2,3], \"sigma\": 0}]}",
             "sigma is 0 in a noisy release");
  expect_bad(schema, "bad10.json",
             HEAD "{\"columns\": [\"age\"], \"shape\": [3], \"counts\": [1,2,3], \"sigma\": 1, "
                  "\"extra\": 1}]}",
             "unknown key \"extra\"");
  expect_bad(schema, "bad11.json",
             "{\"format\": \"fhesynth-stats\", \"version\": 1, \"rows_noisy\": 1, \"exact\": true, "
             "\"marginals\": []}",
             "version");
  expect_bad(schema, "bad12.json",
             "{\"format\": \"fhesynth-stats\", \"version\": 2, \"rows_noisy\": 1, \"exact\": false, "
             "\"epsilon\": -1, \"delta\": 1e-6, \"rho\": 0.1, \"marginals\": []}",
             "\"epsilon\" must be a positive number");
  expect_bad(schema, "bad13.json",
             HEAD "{\"columns\": [\"age\", \"when\", \"color\", \"age\"], \"shape\": [3], "
                  "\"counts\": [1,2,3], \"sigma\": 1}]}",
             "1 to 3 column names");
  expect_bad(schema, "bad14.json",
             "{\"format\": \"fhesynth-stats\", \"version\": 2, \"rows_noisy\": 1, \"exact\": true, "
             "\"epsilon\": 1, \"marginals\": []}",
             "must be null in an exact release");
  fhs_marginal_set s;
  fhs_error err;
  char path[600];
  snprintf(path, sizeof path, "%s/missing.json", fx.dir);
  CHECK(fhs_stats_json_read(path, schema, &s, &err) == -1 && strstr(err.msg, "no such file"));
}

/* A set that does not fit the schema is not written, and nothing is left behind. */
static void test_write_checks(const fhs_schema *schema) {
  fhs_marginal_set s;
  sample_set(schema, &s, 0);
  s.m[0].shape[0] = 3;
  char path[600];
  snprintf(path, sizeof path, "%s/nope.json", fx.dir);
  fhs_error err;
  int before = fixture_count(&fx);
  CHECK(fhs_stats_json_write(&s, schema, path, &err) == -1 && strstr(err.msg, "color"));
  CHECK(fixture_count(&fx) == before);
  fhs_marginal_set_free(&s);
}

/* Exact counts straight from a CSV, as the benchmarks and cross-checks use them. */
static void test_from_csv(const fhs_schema *schema) {
  char path[600];
  fixture_write(&fx, "data.csv",
                "color,age,when,ignored\n"
                "v0,17,1970-01-01,x\n"
                "v2,70,1970-01-02T12:00:00Z,y\n"
                ",18,1970-01-01T23:59:59Z,z\n"
                "v0,119.5,1970-01-03,w\n",
                (size_t)-1, path, sizeof path);
  fhs_marginal_set s;
  fhs_error err;
  int rc = fhs_marginals_from_csv(schema, path, 3, &s, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  if (rc) return;
  CHECK(s.count == 3 + 3 + 1 && s.rows == 4 && s.exact == 1);
  const size_t c0[] = {0}, c01[] = {0, 1}, c012[] = {0, 1, 2};
  const fhs_marginal *m = fhs_marginal_set_find(&s, 1, c0);
  CHECK(m && m->size == 4 && m->counts[0] == 2 && m->counts[1] == 0 && m->counts[2] == 1 &&
        m->counts[3] == 1);
  m = fhs_marginal_set_find(&s, 2, c01);
  /* (v0, [0,18)) = 1, (v0, [65,120]) = 1, (v2, [65,120]) = 1, (missing, [18,65)) = 1 */
  CHECK(m && m->counts[0 * 3 + 0] == 1 && m->counts[0 * 3 + 2] == 1 && m->counts[2 * 3 + 2] == 1 &&
        m->counts[3 * 3 + 1] == 1);
  m = fhs_marginal_set_find(&s, 3, c012);
  int64_t total = 0;
  for (size_t i = 0; m && i < m->size; i++) total += m->counts[i];
  CHECK(m && m->size == 24 && total == 4);
  fhs_marginal_set_free(&s);
  CHECK(fhs_marginals_from_csv(schema, path, 4, &s, &err) == -1);
  fixture_write(&fx, "bad.csv", "color,age,when\nv9,17,1970-01-01\n", (size_t)-1, path,
                sizeof path);
  CHECK(fhs_marginals_from_csv(schema, path, 2, &s, &err) == -1 && strstr(err.msg, "bad.csv"));
}

int main(void) {
  if (fixture_init(&fx)) return 1;
  fhs_schema schema;
  make_schema(&schema);
  test_round_trip(&schema);
  test_rejections(&schema);
  test_write_checks(&schema);
  test_from_csv(&schema);
  fhs_schema_free(&schema);
  fixture_cleanup(&fx);
  return check_report("test_synth_stats_json");
}
