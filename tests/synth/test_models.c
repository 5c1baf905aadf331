/* Models: shape and types of the output, values that parse back under the schema,
 * reproducibility, structure recovered (mst) or not (independent), and bad inputs. */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "synth_internal.h"
#include "synth_test.h"

/* cat(4 + missing), integer numeric (4 bins), real numeric (3 bins, missing), datetime (3). */
static void mixed_schema(fhs_schema *s) {
  schema_begin(s, 4);
  add_cat(s, "color", 4, true);
  const double age[] = {17, 21, 30, 50, 91};
  add_num(s, "age", FHS_COL_NUMERIC, age, 5, false);
  const double w[] = {-1.5, 0.25, 3, 1e6};
  add_num(s, "weight", FHS_COL_NUMERIC, w, 4, true);
  const double t[] = {946684800, 978307200, 1009843200, 1041379200}; /* 2000..2003 */
  add_num(s, "when", FHS_COL_DATETIME, t, 4, false);
}

static void test_output(const char *model, int iid) {
  fhs_schema s;
  mixed_schema(&s);
  fhs_index_table real;
  const long parent[] = {-1, 0, 1, -1};
  const double p[] = {0, 0.7, 0.7, 0};
  gen_data(&s, 5000, parent, p, 3, &real);
  fhs_marginal_set exact, stats;
  CHECK(count_all(&s, &real, 2, &exact) == 0);
  fhs_error err;
  CHECK_MSG(fhs_release(&exact, model, 1.0, 1e-6, NULL, &stats, &err) == 0, "%s", err.msg);
  fhs_synth_model *m;
  fhs_synth_options opts = {0, 0, iid};
  int rc = fhs_synth_fit(&stats, &s, model, &opts, &m, &err);
  CHECK_MSG(rc == 0, "%s: %s", model, err.msg);
  if (rc) return;
  CHECK(strcmp(fhs_synth_model_name(m), model) == 0);
  fhs_table t1, t2, t3, t4;
  CHECK(fhs_synth_sample(m, 40000, 7, &t1, &err) == 0);
  CHECK(fhs_synth_sample(m, 40000, 7, &t2, &err) == 0);
  CHECK(fhs_synth_sample(m, 40000, 8, &t3, &err) == 0);
  CHECK(t1.n_rows == 40000 && t1.n_columns == 4);
  for (size_t c = 0; c < 4; c++) CHECK(strcmp(t1.columns[c].name, s.columns[c].name) == 0);
  CHECK(t1.columns[0].type == FHS_VALUE_STRING && t1.columns[0].dict_len == 4);
  CHECK(t1.columns[1].type == FHS_VALUE_INT64);
  CHECK(t1.columns[2].type == FHS_VALUE_DOUBLE);
  CHECK(t1.columns[3].type == FHS_VALUE_TIMESTAMP);
  CHECK_MSG(tables_equal(&t1, &t2), "%s: same seed, different tables", model);
  CHECK_MSG(!tables_equal(&t1, &t3), "%s: different seeds, same table", model);
  /* one thread gives the same bytes as many */
  fhs_synth_model *m1;
  fhs_synth_options one = {0, 1, iid};
  CHECK(fhs_synth_fit(&stats, &s, model, &one, &m1, &err) == 0);
  CHECK(fhs_synth_sample(m1, 40000, 7, &t4, &err) == 0);
  CHECK_MSG(tables_equal(&t1, &t4), "%s: thread count changed the output", model);
  fhs_synth_free(m1);
  fhs_table_free(&t4);
  /* every value parses back under the schema, into the same domain index the model drew */
  fhs_index_table back, drawn;
  rc = fhs_index_table_from_table(&s, &t1, &back, &err);
  CHECK_MSG(rc == 0, "%s: %s", model, err.msg);
  CHECK(fhs_synth_sample_indices(m, 40000, 7, &drawn, &err) == 0);
  CHECK(rc == 0 && memcmp(back.index, drawn.index, 40000 * 4 * sizeof(uint16_t)) == 0);
  size_t missing = 0;
  for (size_t r = 0; r < 40000; r++) missing += !t1.columns[2].valid[r];
  CHECK(missing > 0); /* the missing index is generated too: valid = 0 */
  /* the synthetic 1-ways follow the real ones (small noise at eps 1, n 5000) */
  fhs_colset ones[] = {{1, {0}}, {1, {1}}, {1, {2}}, {1, {3}}};
  fhs_tvd_summary sum;
  CHECK(fhs_tvd_index_tables(&s, &real, &back, ones, 4, &sum, &err) == 0);
  CHECK_MSG(sum.mean[1] < 0.05, "%s: 1-way TVD %g", model, sum.mean[1]);
  fhs_index_table_free(&back);
  fhs_index_table_free(&drawn);
  fhs_table_free(&t1), fhs_table_free(&t2), fhs_table_free(&t3);
  fhs_synth_free(m);
  fhs_marginal_set_free(&exact), fhs_marginal_set_free(&stats);
  fhs_index_table_free(&real);
  fhs_schema_free(&s);
}

/* A(5) -> B(5) strong, C(3) and D(4) independent: mst keeps A-B, independent cannot. */
static void test_structure(void) {
  fhs_schema s;
  const size_t d[] = {5, 5, 3, 4};
  cat_schema(&s, 4, d);
  fhs_index_table real;
  const long parent[] = {-1, 0, -1, -1};
  const double p[] = {0, 0.8, 0, 0};
  gen_data(&s, 50000, parent, p, 9, &real);
  fhs_marginal_set exact;
  CHECK(count_all(&s, &real, 2, &exact) == 0);
  fhs_error err;
  struct {
    const char *model;
    int exact;
    double lo, hi;
  } cases[] = {{"mst", 0, 0, 0.03}, {"independent", 0, 0.5, 1}, {"mst", 1, 0, 0.015}};
  for (size_t k = 0; k < 3; k++) {
    fhs_marginal_set stats;
    int rc = cases[k].exact ? fhs_release_exact(&exact, cases[k].model, &stats, &err)
                            : fhs_release(&exact, cases[k].model, 1.0, 1e-6, NULL, &stats, &err);
    CHECK_MSG(rc == 0, "%s", err.msg);
    fhs_synth_model *m;
    CHECK(fhs_synth_fit(&stats, &s, cases[k].model, NULL, &m, &err) == 0);
    fhs_index_table syn;
    CHECK(fhs_synth_sample_indices(m, 50000, 1, &syn, &err) == 0);
    double ab = tvd_pair(&s, &real, &syn, 0, 1), cd = tvd_pair(&s, &real, &syn, 2, 3);
    CHECK_MSG(ab >= cases[k].lo && ab <= cases[k].hi, "%s%s: TVD(A,B) %g", cases[k].model,
              cases[k].exact ? " (exact)" : "", ab);
    CHECK_MSG(cd < 0.03, "%s: TVD(C,D) %g", cases[k].model, cd);
    fhs_index_table_free(&syn);
    fhs_synth_free(m);
    fhs_marginal_set_free(&stats);
  }
  fhs_marginal_set_free(&exact);
  fhs_index_table_free(&real);
  fhs_schema_free(&s);
}

/* Many rare values (a 60-value column where 50 values are almost empty): compression merges
 * them and the fit still matches the 1-way. */
static void test_compression(void) {
  fhs_schema s;
  const size_t d[] = {60, 3};
  cat_schema(&s, 2, d);
  fhs_index_table real = {20000, 2, malloc(40000 * sizeof(uint16_t))};
  uint64_t x = 1;
  for (size_t r = 0; r < 20000; r++) {
    uint16_t v = (uint16_t)(test_next(&x) % 10);
    if (r % 1000 == 0) v = (uint16_t)(10 + r / 1000); /* 20 values with one row each */
    real.index[r] = v;
    real.index[20000 + r] = (uint16_t)(v % 3);
  }
  fhs_marginal_set exact, stats;
  CHECK(count_all(&s, &real, 2, &exact) == 0);
  fhs_error err;
  CHECK(fhs_release(&exact, "mst", 1.0, 1e-6, NULL, &stats, &err) == 0);
  fhs_synth_model *m;
  CHECK(fhs_synth_fit(&stats, &s, "mst", NULL, &m, &err) == 0);
  fhs_index_table syn;
  CHECK(fhs_synth_sample_indices(m, 20000, 3, &syn, &err) == 0);
  double t = tvd_pair(&s, &real, &syn, 0, 1);
  CHECK_MSG(t < 0.05, "TVD %g", t);
  fhs_index_table_free(&syn);
  fhs_synth_free(m);
  fhs_marginal_set_free(&exact), fhs_marginal_set_free(&stats);
  fhs_index_table_free(&real);
  fhs_schema_free(&s);
}

/* Stratified draws: each count is floor or ceil of g p, a zero-probability value never comes,
 * and over many draws the mean count is g p. */
static void test_stratified(void) {
  const double p[] = {0.5, 0.3, 0.2, 0, 0.0};
  uint16_t out[10];
  double mean[5] = {0};
  int ok = 1;
  for (uint64_t k = 0; k < 2000; k++) {
    fhs_synth_stream s;
    fhs_synth_stream_init(&s, 42, k);
    size_t g = 1 + k % 10, cnt[5] = {0};
    fhs_synth_stratified(&s, p, 5, g, out);
    for (size_t i = 0; i < g; i++) cnt[out[i] < 5 ? out[i] : 4]++;
    for (int v = 0; v < 5; v++) {
      double e = (double)g * p[v];
      ok &= (double)cnt[v] >= floor(e) && (double)cnt[v] <= ceil(e);
      if (g == 7) mean[v] += (double)cnt[v] / 200.0;
    }
  }
  CHECK(ok);
  CHECK_MSG(fabs(mean[0] - 3.5) < 0.1 && fabs(mean[1] - 2.1) < 0.1 && fabs(mean[2] - 1.4) < 0.1,
            "means %g %g %g", mean[0], mean[1], mean[2]);
  /* all weights zero: uniform */
  const double z[] = {0, 0};
  fhs_synth_stream s;
  fhs_synth_stream_init(&s, 1, 1);
  fhs_synth_stratified(&s, z, 2, 10, out);
  size_t ones = 0;
  for (int i = 0; i < 10; i++) ones += out[i] == 1;
  CHECK(ones == 5);
}

static void test_errors(void) {
  fhs_schema s, other;
  const size_t d[] = {3, 4}, d2[] = {3, 5};
  cat_schema(&s, 2, d);
  cat_schema(&other, 2, d2);
  fhs_index_table real;
  const long parent[] = {-1, 0};
  const double p[] = {0, 0.5};
  gen_data(&s, 1000, parent, p, 1, &real);
  fhs_marginal_set exact;
  CHECK(count_all(&s, &real, 2, &exact) == 0);
  fhs_synth_model *m = NULL;
  fhs_error err;
  CHECK(fhs_synth_fit(&exact, &other, "mst", NULL, &m, &err) == -1 && strstr(err.msg, "c1") && !m);
  CHECK(fhs_synth_fit(&exact, &other, "independent", NULL, &m, &err) == -1 && !m);
  CHECK(fhs_synth_fit(&exact, &s, "gan", NULL, &m, &err) == -1 && strstr(err.msg, "unknown model"));
  fhs_marginal_set partial = exact;
  partial.count = 1; /* only the 1-way of c0 */
  CHECK(fhs_synth_fit(&partial, &s, "mst", NULL, &m, &err) == -1 && strstr(err.msg, "\"c1\""));
  CHECK(fhs_synth_fit(&exact, &s, NULL, NULL, &m, &err) == 0);
  fhs_table t;
  CHECK(fhs_synth_sample(m, 0, 1, &t, &err) == -1 && strstr(err.msg, "rows"));
  CHECK(fhs_synth_sample(m, 1, 1, &t, &err) == 0 && t.n_rows == 1);
  fhs_table_free(&t);
  fhs_synth_free(m);
  for (const char *const *n = fhs_synth_models(); *n; n++) {
    CHECK(fhs_synth_fit(&exact, &s, *n, NULL, &m, &err) == 0);
    fhs_synth_free(m);
  }
  CHECK(fhs_synthesize(&exact, &s, "independent", 10, 2, &t, &err) == 0 && t.n_rows == 10);
  fhs_table_free(&t);
  fhs_marginal_set_free(&exact);
  fhs_index_table_free(&real);
  fhs_schema_free(&s), fhs_schema_free(&other);
}

/* Within-bin weights: a bin's values are drawn among the weighted ones (3 of [0, 10) four times
 * as often as 8, never 5 which weighs nothing); a bin without weight stays uniform; a double
 * column takes the listed values exactly. Also a schema round trip of "sub". */
static void test_within_bin(void) {
  fhs_schema s;
  schema_begin(&s, 2);
  const double e1[] = {0, 10, 20}, e2[] = {0.5, 1.5};
  add_num(&s, "n", FHS_COL_NUMERIC, e1, 3, false);
  add_num(&s, "x", FHS_COL_NUMERIC, e2, 2, false);
  fhs_column *n = &s.columns[0], *x = &s.columns[1];
  const double nv[] = {3, 5, 8}, nw[] = {4, 0, 1}, xv[] = {0.75, 1.25}, xw[] = {1, 1};
  n->n_sub = 3, x->n_sub = 2;
  n->sub_values = malloc(sizeof nv), n->sub_weights = malloc(sizeof nw);
  x->sub_values = malloc(sizeof xv), x->sub_weights = malloc(sizeof xw);
  memcpy(n->sub_values, nv, sizeof nv), memcpy(n->sub_weights, nw, sizeof nw);
  memcpy(x->sub_values, xv, sizeof xv), memcpy(x->sub_weights, xw, sizeof xw);
  fhs_error err;
  CHECK_MSG(fhs_schema_validate(&s, "mem", &err) == 0, "%s", err.msg);
  char path[256], dir[] = "/tmp/fhs_test_XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/s.json", dir);
  fhs_schema back;
  CHECK(fhs_schema_write(&s, path, &err) == 0 && fhs_schema_read(path, &back, &err) == 0);
  CHECK(back.columns[0].n_sub == 3 && back.columns[0].sub_values[2] == 8 && back.columns[0].sub_weights[0] == 4);
  fhs_schema_free(&back);
  remove(path), rmdir(dir);
  fhs_index_table real;
  const long parent[] = {-1, -1};
  const double p[] = {0, 0};
  gen_data(&s, 4000, parent, p, 5, &real);
  fhs_marginal_set exact;
  CHECK(count_all(&s, &real, 1, &exact) == 0);
  fhs_synth_model *m;
  CHECK(fhs_synth_fit(&exact, &s, "independent", NULL, &m, &err) == 0);
  fhs_table t;
  CHECK(fhs_synth_sample(m, 20000, 3, &t, &err) == 0);
  size_t threes = 0, eights = 0, other_low = 0, high = 0, off = 0;
  for (size_t r = 0; r < t.n_rows; r++) {
    int64_t v = t.columns[0].i64[r];
    if (v < 10) threes += v == 3, eights += v == 8, other_low += v != 3 && v != 8;
    else high++;
    double xd = t.columns[1].f64[r];
    off += xd != 0.75 && xd != 1.25;
  }
  CHECK_MSG(other_low == 0 && off == 0, "%zu low values and %zu doubles off the weighted ones", other_low, off);
  CHECK_MSG(threes > 3 * eights && eights > 0, "3 drawn %zu times, 8 %zu times", threes, eights);
  CHECK(high > 0); /* [10, 20] has no listed value: uniform there */
  /* a value outside the bins, or out of order, is refused */
  n->sub_values[1] = 2;
  CHECK(fhs_schema_validate(&s, "mem", &err) == -1 && strstr(err.msg, "\"sub\""));
  fhs_table_free(&t);
  fhs_synth_free(m);
  fhs_marginal_set_free(&exact);
  fhs_index_table_free(&real);
  fhs_schema_free(&s);
}

/* Within-bin rest ("sub" "rest", api_refine_schema): in [0, 100) the listed value 50 weighs 1
 * and the unlisted values 1, so about half the draws are 50 and the rest spread uniformly
 * over the bin (a quarter below 50); [100, 200] has rest only: uniform. Round trip too. */
static void test_within_bin_rest(void) {
  fhs_schema s;
  schema_begin(&s, 1);
  const double e[] = {0, 100, 200};
  add_num(&s, "r", FHS_COL_NUMERIC, e, 3, false);
  fhs_column *c = &s.columns[0];
  c->n_sub = 1;
  c->sub_values = malloc(sizeof(double)), c->sub_weights = malloc(sizeof(double));
  c->sub_rest = malloc(2 * sizeof(double));
  c->sub_values[0] = 50, c->sub_weights[0] = 1, c->sub_rest[0] = 1, c->sub_rest[1] = 7;
  fhs_error err;
  CHECK_MSG(fhs_schema_validate(&s, "mem", &err) == 0, "%s", err.msg);
  char path[256], dir[] = "/tmp/fhs_test_XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/s.json", dir);
  fhs_schema back;
  CHECK(fhs_schema_write(&s, path, &err) == 0 && fhs_schema_read(path, &back, &err) == 0);
  CHECK(back.columns[0].sub_rest && back.columns[0].sub_rest[0] == 1 && back.columns[0].sub_rest[1] == 7);
  fhs_schema_free(&back);
  remove(path), rmdir(dir);
  fhs_index_table real;
  const long parent[] = {-1};
  const double p[] = {0};
  gen_data(&s, 4000, parent, p, 5, &real);
  fhs_marginal_set exact;
  CHECK(count_all(&s, &real, 1, &exact) == 0);
  fhs_synth_model *m;
  CHECK(fhs_synth_fit(&exact, &s, "independent", NULL, &m, &err) == 0);
  fhs_table t;
  CHECK(fhs_synth_sample(m, 40000, 3, &t, &err) == 0);
  size_t low = 0, fifty = 0, below = 0, high = 0, high50 = 0;
  for (size_t r = 0; r < t.n_rows; r++) {
    int64_t v = t.columns[0].i64[r];
    if (v < 100) low++, fifty += v == 50, below += v < 50;
    else high++, high50 += v == 150;
  }
  double f = (double)fifty / (double)low, b = (double)below / (double)low;
  CHECK_MSG(f > 0.47 && f < 0.54, "50 drawn in %.3f of its bin, expected about 0.505", f);
  CHECK_MSG(b > 0.22 && b < 0.28, "%.3f of the bin below 50, expected about 0.25", b);
  CHECK_MSG(high > 0 && (double)high50 < 0.03 * (double)high, "150 drawn %zu of %zu: not uniform", high50, high);
  /* rest needs values; a negative rest is refused */
  c->sub_rest[1] = -1;
  CHECK(fhs_schema_validate(&s, "mem", &err) == -1 && strstr(err.msg, "rest"));
  fhs_table_free(&t);
  fhs_synth_free(m);
  fhs_marginal_set_free(&exact);
  fhs_index_table_free(&real);
  fhs_schema_free(&s);
}

int main(void) {
  test_within_bin();
  test_within_bin_rest();
  test_output("mst", 0);
  test_output("mst", 1);
  test_output("independent", 0);
  test_output("independent", 1);
  test_structure();
  test_compression();
  test_stratified();
  test_errors();
  return check_report("test_synth_models");
}
