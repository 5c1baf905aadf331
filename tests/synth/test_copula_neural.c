/* The copula and neural models and their release plans: output shape and values that parse
 * back, reproducibility, a planted dependency recovered, budgets spent exactly, bad inputs,
 * and the numerical helpers the copula rests on (normal quantile, bivariate normal CDF). */
#include <math.h>

#include "check.h"
#include "synth_internal.h"
#include "synth_test.h"

static const char *const new_models[] = {"copula", "neural"};

/* cat(4 + missing), integer numeric (4 bins), real numeric (3 bins + missing), cat(3). */
static void mixed_schema(fhs_schema *s) {
  schema_begin(s, 4);
  add_cat(s, "color", 4, true);
  const double age[] = {17, 21, 30, 50, 91};
  add_num(s, "age", FHS_COL_NUMERIC, age, 5, false);
  const double w[] = {-1.5, 0.25, 3, 1e6};
  add_num(s, "weight", FHS_COL_NUMERIC, w, 4, true);
  add_cat(s, "shape", 3, false);
}

/* Rows, columns, types, values under the schema, seeds, threads. */
static void test_output(const char *model, int iid) {
  fhs_schema s;
  mixed_schema(&s);
  fhs_index_table real;
  const long parent[] = {-1, 0, 1, 0};
  const double p[] = {0, 0.7, 0.7, 0.5};
  gen_data(&s, 5000, parent, p, 3, &real);
  fhs_marginal_set exact, stats;
  CHECK(count_all(&s, &real, 2, &exact) == 0);
  fhs_error err;
  CHECK_MSG(fhs_release(&exact, model, 1.0, 1e-6, NULL, &stats, &err) == 0, "%s", err.msg);
  fhs_synth_model *m, *m1;
  /* 300 training steps: enough for these checks, and quick under the sanitizers */
  fhs_synth_options opts = {300, 0, iid}, one = {300, 1, iid};
  int rc = fhs_synth_fit(&stats, &s, model, &opts, &m, &err);
  CHECK_MSG(rc == 0, "%s: %s", model, err.msg);
  if (rc) return;
  CHECK(strcmp(fhs_synth_model_name(m), model) == 0);
  CHECK(fhs_synth_fit(&stats, &s, model, &one, &m1, &err) == 0);
  const size_t n = 30000;
  fhs_table t1, t2, t3, t4;
  CHECK(fhs_synth_sample(m, n, 7, &t1, &err) == 0);
  CHECK(fhs_synth_sample(m, n, 7, &t2, &err) == 0);
  CHECK(fhs_synth_sample(m, n, 8, &t3, &err) == 0);
  CHECK(fhs_synth_sample(m1, n, 7, &t4, &err) == 0);
  CHECK(t1.n_rows == n && t1.n_columns == 4);
  for (size_t c = 0; c < 4; c++) CHECK(strcmp(t1.columns[c].name, s.columns[c].name) == 0);
  CHECK(t1.columns[0].type == FHS_VALUE_STRING && t1.columns[1].type == FHS_VALUE_INT64);
  CHECK(t1.columns[2].type == FHS_VALUE_DOUBLE && t1.columns[3].type == FHS_VALUE_STRING);
  CHECK_MSG(tables_equal(&t1, &t2), "%s: same seed, different tables", model);
  CHECK_MSG(!tables_equal(&t1, &t3), "%s: different seeds, same table", model);
  CHECK_MSG(tables_equal(&t1, &t4), "%s: one thread (fit and sample) changed the output", model);
  fhs_index_table back, drawn;
  rc = fhs_index_table_from_table(&s, &t1, &back, &err);
  CHECK_MSG(rc == 0, "%s: %s", model, err.msg);
  CHECK(fhs_synth_sample_indices(m, n, 7, &drawn, &err) == 0);
  CHECK(rc == 0 && memcmp(back.index, drawn.index, n * 4 * sizeof(uint16_t)) == 0);
  fhs_colset ones[] = {{1, {0}}, {1, {1}}, {1, {2}}, {1, {3}}};
  fhs_tvd_summary sum;
  CHECK(rc == 0 && fhs_tvd_index_tables(&s, &real, &back, ones, 4, &sum, &err) == 0);
  CHECK_MSG(sum.mean[1] < 0.05, "%s: 1-way TVD %g", model, sum.mean[1]);
  fhs_index_table_free(&back), fhs_index_table_free(&drawn);
  fhs_table_free(&t1), fhs_table_free(&t2), fhs_table_free(&t3), fhs_table_free(&t4);
  fhs_synth_free(m), fhs_synth_free(m1);
  fhs_marginal_set_free(&exact), fhs_marginal_set_free(&stats);
  fhs_index_table_free(&real);
  fhs_schema_free(&s);
}

/* A(5) -> B(5) strong (B copies A with probability 0.8), C(3), D(4) independent. The
 * independent model leaves TVD(A, B) above 0.5 (test_models); these must recover most of it
 * and invent nothing between C and D. */
static void test_structure(const char *model, double max_ab) {
  fhs_schema s;
  const size_t d[] = {5, 5, 3, 4};
  cat_schema(&s, 4, d);
  fhs_index_table real;
  const long parent[] = {-1, 0, -1, -1};
  const double p[] = {0, 0.8, 0, 0};
  gen_data(&s, 50000, parent, p, 9, &real);
  fhs_marginal_set exact, stats;
  CHECK(count_all(&s, &real, 2, &exact) == 0);
  fhs_error err;
  CHECK_MSG(fhs_release(&exact, model, 1.0, 1e-6, NULL, &stats, &err) == 0, "%s", err.msg);
  fhs_synth_model *m;
  CHECK(fhs_synth_fit(&stats, &s, model, NULL, &m, &err) == 0);
  fhs_index_table syn;
  CHECK(fhs_synth_sample_indices(m, 50000, 1, &syn, &err) == 0);
  double ab = tvd_pair(&s, &real, &syn, 0, 1), cd = tvd_pair(&s, &real, &syn, 2, 3);
  CHECK_MSG(ab >= 0 && ab < max_ab, "%s: TVD(A,B) %g", model, ab);
  CHECK_MSG(cd >= 0 && cd < 0.03, "%s: TVD(C,D) %g", model, cd);
  fhs_index_table_free(&syn);
  fhs_synth_free(m);
  fhs_marginal_set_free(&stats), fhs_marginal_set_free(&exact);
  fhs_index_table_free(&real);
  fhs_schema_free(&s);
}

/* Chain A(4) -> B(4) -> C(4), D(3): both plans spend exactly rho and record their sigmas. */
static void test_budget(size_t mi) {
  fhs_schema s;
  const size_t doms[] = {4, 4, 4, 3};
  cat_schema(&s, 4, doms);
  fhs_index_table idx;
  const long parent[] = {-1, 0, 1, -1};
  const double p[] = {0, 0.9, 0.9, 0};
  gen_data(&s, 20000, parent, p, 5, &idx);
  fhs_marginal_set exact;
  CHECK(count_all(&s, &idx, 2, &exact) == 0);
  const double eps[] = {0.3, 4};
  for (size_t e = 0; e < 2; e++) {
      fhs_marginal_set out;
      fhs_release_info info;
      fhs_error err;
      int rc = fhs_release_ex(&exact, new_models[mi], eps[e], 1e-6, NULL, &out, &info, &err);
      CHECK_MSG(rc == 0, "%s", err.msg);
      if (rc) continue;
      double rho;
      CHECK(fhs_dp_rho_from_epsilon(eps[e], 1e-6, &rho, &err) == 0);
      CHECK(info.rho == rho && out.rho == rho && out.exact == 0 && fabs(out.rows - 20000) < 400);
      /* 4 attributes, 6 pairs: copula measures all; neural min(6, 5 x 4) = 6 rounds */
      CHECK_MSG(out.count == 10, "%s: %zu marginals", new_models[mi], out.count);
      double measured = fhs_marginal_set_rho_measured(&out);
      CHECK_MSG(fabs(measured - info.rho_measured) <= 1e-6 * rho && measured <= info.rho_measured,
                "%s: measured %.10g accounted %.10g", new_models[mi], measured, info.rho_measured);
      CHECK_MSG(fabs(info.rho_measured + info.rho_selected - rho) <= 1e-12 * rho,
                "%s eps %g: %.15g + %.15g != %.15g", new_models[mi], eps[e], info.rho_measured,
                info.rho_selected, rho);
      if (mi == 0) CHECK(info.rho_selected == 0 && info.n_selected == 0);
      if (mi == 1) CHECK(info.rho_selected > 0 && info.n_selected == 6);
      /* no column set twice, and the 1-ways come first */
      for (size_t i = 0; i < out.count; i++) {
        CHECK(fhs_marginal_set_find(&out, out.m[i].n_cols, out.m[i].cols) == &out.m[i]);
        CHECK((i < 4) == (out.m[i].n_cols == 1));
      }
      fhs_marginal_set_free(&out);
    }
  /* the neural plan selects the planted edges first: at high epsilon A-B and B-C lead */
  fhs_marginal_set out;
  fhs_error err;
  if (mi == 1) {
    CHECK(fhs_release(&exact, "neural", 200, 1e-6, NULL, &out, &err) == 0);
    CHECK(out.count == 10 && out.m[4].n_cols == 2 && out.m[5].n_cols == 2);
    int first_ab = out.m[4].cols[0] == 0 && out.m[4].cols[1] == 1;
    int first_bc = out.m[4].cols[0] == 1 && out.m[4].cols[1] == 2;
    CHECK_MSG(first_ab || first_bc, "first pick (%zu, %zu)", out.m[4].cols[0], out.m[4].cols[1]);
    fhs_marginal_set_free(&out);
  }
  fhs_marginal_set_free(&exact);
  fhs_index_table_free(&idx);
  fhs_schema_free(&s);
}

static void test_errors(size_t mi) {
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
  fhs_error err;
  {
    const char *model = new_models[mi];
    fhs_synth_model *m = NULL;
    CHECK(fhs_synth_fit(&exact, &other, model, NULL, &m, &err) == -1 && strstr(err.msg, "c1") && !m);
    fhs_marginal_set partial = exact;
    partial.count = 1; /* only the 1-way of c0: nothing covers c1 */
    CHECK(fhs_synth_fit(&partial, &s, model, NULL, &m, &err) == -1 && strstr(err.msg, "\"c1\"") && !m);
    fhs_marginal_set empty = exact;
    empty.rows = 0;
    int64_t *saved = malloc(exact.m[0].size * sizeof *saved);
    memcpy(saved, exact.m[0].counts, exact.m[0].size * sizeof *saved);
    empty.count = 1;
    memset(exact.m[0].counts, 0, exact.m[0].size * sizeof *saved);
    CHECK(fhs_synth_fit(&empty, &s, model, NULL, &m, &err) == -1 && !m);
    memcpy(exact.m[0].counts, saved, exact.m[0].size * sizeof *saved);
    free(saved);
    /* the plans need the exact 2-ways */
    fhs_marginal_set ones = exact, out;
    ones.count = 2;
    CHECK(fhs_release(&ones, model, 1, 1e-6, NULL, &out, &err) == -1 && strstr(err.msg, "2-way"));
    CHECK(fhs_release(&exact, model, -1, 1e-6, NULL, &out, &err) == -1);
    /* --no-dp copies every 1- and 2-way, and the model fits them */
    CHECK(fhs_release_exact(&exact, model, &out, &err) == 0 && out.count == 3 && out.exact);
    fhs_synth_options quick = {300, 0, 0};
    CHECK(fhs_synth_fit(&out, &s, model, &quick, &m, &err) == 0);
    fhs_table t;
    CHECK(fhs_synth_sample(m, 0, 1, &t, &err) == -1 && strstr(err.msg, "rows"));
    CHECK(fhs_synth_sample(m, 1, 1, &t, &err) == 0 && t.n_rows == 1);
    fhs_table_free(&t);
    fhs_synth_free(m);
    fhs_marginal_set_free(&out);
  }
  fhs_marginal_set_free(&exact);
  fhs_index_table_free(&real);
  fhs_schema_free(&s), fhs_schema_free(&other);
}

/* Phi^-1(Phi(x)) = x; P(X < 0, Y < 0) = 1/4 + asin(r) / (2 pi) (Sheppard); r = 0 is the
 * product; rectangle probabilities are never negative; symmetry in h and k. */
static void test_numerics(void) {
  double worst = 0;
  for (double x = -8; x <= 5; x += 0.37) worst = fmax(worst, fabs(fhs_norm_quantile(fhs_norm_cdf(x)) - x));
  CHECK_MSG(worst < 1e-9, "quantile error %g", worst);
  CHECK(fhs_norm_quantile(0) == -INFINITY && fhs_norm_quantile(1) == INFINITY);
  worst = 0;
  for (double r = -0.9999; r < 1; r += 0.0371) {
    double want = 0.25 + asin(r) / (2 * M_PI);
    worst = fmax(worst, fabs(fhs_bvn_lower(0, 0, r) - want));
    worst = fmax(worst, fabs(fhs_bvn_lower(0.7, -1.3, r) - fhs_bvn_lower(-1.3, 0.7, r)));
    double cell = fhs_bvn_lower(0.5, 0.6, r) - fhs_bvn_lower(0.4, 0.6, r) -
                  fhs_bvn_lower(0.5, 0.5, r) + fhs_bvn_lower(0.4, 0.5, r);
    CHECK(cell >= -1e-12);
  }
  CHECK_MSG(worst < 1e-12, "bvn error %g", worst);
  CHECK(fabs(fhs_bvn_lower(0.3, -0.2, 0) - fhs_norm_cdf(0.3) * fhs_norm_cdf(-0.2)) < 1e-15);
  CHECK(fhs_bvn_lower(INFINITY, 0.4, 0.5) == fhs_norm_cdf(0.4));
  CHECK(fhs_bvn_lower(-INFINITY, 0.4, 0.5) == 0);
}

/* argv[1] = "copula" or "neural" runs that model's half (two CTest entries keep each well
 * under a minute with sanitizers); no argument runs both. */
int main(int argc, char **argv) {
  int run[2] = {1, 1};
  if (argc > 1) run[0] = !strcmp(argv[1], "copula"), run[1] = !strcmp(argv[1], "neural");
  const double max_ab[2] = {0.05, 0.08}; /* copula: 0.10 before calibration */
  if (run[0]) test_numerics();
  for (size_t mi = 0; mi < 2; mi++) {
    if (!run[mi]) continue;
    test_output(new_models[mi], 0);
    test_output(new_models[mi], 1);
    test_structure(new_models[mi], max_ab[mi]);
    test_budget(mi);
    test_errors(mi);
  }
  return check_report(argc > 1 ? argv[1] : "test_synth_copula_neural");
}
