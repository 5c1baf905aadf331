/* Release plans: budget spent exactly, mst finds a planted tree, the exponential mechanism
 * follows its distribution, --no-dp copies, and bad requests are refused. */
#include <math.h>

#include "check.h"
#include "synth_internal.h"
#include "synth_test.h"

/* A(4) -> B(4) -> C(4), D(3) independent. */
static const size_t doms[] = {4, 4, 4, 3};
static const long chain_parent[] = {-1, 0, 1, -1};
static const double chain_p[] = {0, 0.9, 0.9, 0};

static void chain_exact(fhs_schema *s, fhs_marginal_set *exact) {
  cat_schema(s, 4, doms);
  fhs_index_table idx;
  gen_data(s, 20000, chain_parent, chain_p, 5, &idx);
  CHECK(count_all(s, &idx, 2, exact) == 0);
  fhs_index_table_free(&idx);
}

static void test_budget(const fhs_marginal_set *exact) {
  const char *plans[] = {"independent", "mst", "all2way"};
  const size_t expect[] = {4, 7, 10};
  const double eps[] = {0.3, 1, 4};
  for (size_t p = 0; p < 3; p++)
    for (size_t e = 0; e < 3; e++) {
      fhs_marginal_set out;
      fhs_release_info info;
      fhs_error err;
      int rc = fhs_release_ex(exact, plans[p], eps[e], 1e-6, NULL, &out, &info, &err);
      CHECK_MSG(rc == 0, "%s", err.msg);
      if (rc) continue;
      double rho;
      CHECK(fhs_dp_rho_from_epsilon(eps[e], 1e-6, &rho, &err) == 0);
      CHECK(info.rho == rho && out.rho == rho && out.epsilon == eps[e] && out.delta == 1e-6);
      /* a noisy estimate from the released tables, never the exact count */
      CHECK_MSG(out.exact == 0 && fabs(out.rows - 20000) < 400, "rows %g", out.rows);
      CHECK_MSG(out.count == expect[p], "%s: %zu marginals", plans[p], out.count);
      /* the recorded sigmas are the noise actually added (sigma^2 rounded up by < 2^-23) */
      double measured = fhs_marginal_set_rho_measured(&out);
      CHECK_MSG(fabs(measured - info.rho_measured) <= 1e-6 * rho && measured <= info.rho_measured,
                "%s eps %g: measured %.10g accounted %.10g", plans[p], eps[e], measured,
                info.rho_measured);
      CHECK_MSG(fabs(info.rho_measured + info.rho_selected - rho) <= 1e-12 * rho,
                "%s eps %g: %.15g + %.15g != %.15g", plans[p], eps[e], info.rho_measured,
                info.rho_selected, rho);
      if (p == 1) {
        CHECK(fabs(info.rho_selected - 0.15 * rho) <= 1e-15 && info.n_selected == 3);
        /* every sigma in its share: 1-ways rho/4 over 4 columns, the 3 tree 2-ways 0.6 rho */
        for (size_t i = 0; i < out.count; i++) {
          double want = out.m[i].n_cols == 1 ? rho / 16 : 0.6 * rho / 3;
          double got = 1.0 / (2 * out.m[i].sigma * out.m[i].sigma);
          CHECK(fabs(got - want) <= 1e-6 * want);
        }
      } else {
        CHECK(info.rho_selected == 0);
      }
      fhs_marginal_set_free(&out);
    }
}

static int has_pair(const fhs_marginal_set *s, size_t a, size_t b) {
  const size_t cols[] = {a, b};
  return fhs_marginal_set_find(s, 2, cols) != NULL;
}

/* At high epsilon the selection is nearly deterministic: the planted edges A-B and B-C carry
 * far more L1 weight than A-C (whose dependence only goes through B). */
static void test_mst_tree(const fhs_marginal_set *exact) {
  for (int run = 0; run < 5; run++) {
    fhs_marginal_set out;
    fhs_error err;
    CHECK_MSG(fhs_release(exact, "mst", 50, 1e-6, NULL, &out, &err) == 0, "%s", err.msg);
    CHECK(has_pair(&out, 0, 1) && has_pair(&out, 1, 2) && !has_pair(&out, 0, 2));
    size_t twos = 0;
    for (size_t i = 0; i < out.count; i++) twos += out.m[i].n_cols == 2;
    CHECK(twos == 3);
    fhs_marginal_set_free(&out);
  }
}

/* Scores 0, 1, 2.5 (the last as 5/2) at epsilon 2: P ~ e^0, e^1, e^2.5. A chi-square test with
 * 2 degrees of freedom at threshold 25 fails by chance with probability about 4e-6. */
static void test_expmech(void) {
  unsigned __int128 num[3] = {0, 3, 5}, den[3] = {1, 3, 2};
  size_t hits[3] = {0, 0, 0}, n = 20000;
  fhs_error err;
  for (size_t i = 0; i < n; i++) {
    size_t c = 99;
    if (fhs_expmech_choose(NULL, 2.0, num, den, 3, &c, &err)) {
      CHECK_MSG(0, "%s", err.msg);
      return;
    }
    hits[c < 3 ? c : 0]++;
  }
  double w[3] = {1, exp(1), exp(2.5)}, z = w[0] + w[1] + w[2], chi2 = 0;
  for (int k = 0; k < 3; k++) {
    double e = (double)n * w[k] / z;
    chi2 += ((double)hits[k] - e) * ((double)hits[k] - e) / e;
  }
  CHECK_MSG(chi2 < 25, "chi2 %g (hits %zu %zu %zu)", chi2, hits[0], hits[1], hits[2]);
  /* epsilon 0: uniform; a single candidate is always chosen */
  size_t c;
  CHECK(fhs_expmech_choose(NULL, 0, num, den, 1, &c, &err) == 0 && c == 0);
  CHECK(fhs_expmech_choose(NULL, 1, num, den, 0, &c, &err) == -1);
  CHECK(fhs_expmech_choose(NULL, -1, num, den, 3, &c, &err) == -1);
}

static void test_exact_path(const fhs_marginal_set *exact) {
  fhs_marginal_set out;
  fhs_error err;
  CHECK(fhs_release_exact(exact, "mst", &out, &err) == 0);
  CHECK(out.exact == 1 && out.count == 10 && out.rows == 20000);
  for (size_t i = 0; i < out.count; i++) {
    CHECK(out.m[i].sigma == 0);
    CHECK(memcmp(out.m[i].counts, exact->m[i].counts, out.m[i].size * sizeof(int64_t)) == 0);
  }
  fhs_marginal_set_free(&out);
  CHECK(fhs_release_exact(exact, "independent", &out, &err) == 0 && out.count == 4);
  fhs_marginal_set_free(&out);
}

static void test_errors(const fhs_marginal_set *exact, const fhs_schema *s) {
  fhs_marginal_set out;
  fhs_error err;
  CHECK(fhs_release(exact, "gan", 1, 1e-6, NULL, &out, &err) == -1 && strstr(err.msg, "unknown model"));
  CHECK(fhs_release(exact, "mst", 0, 1e-6, NULL, &out, &err) == -1 && strstr(err.msg, "epsilon"));
  CHECK(fhs_release(exact, "mst", 1, 1, NULL, &out, &err) == -1 && strstr(err.msg, "delta"));
  CHECK(fhs_release_exact(exact, "nope", &out, &err) == -1);
  /* mst needs the exact 2-ways */
  fhs_marginal_set ones = *exact;
  ones.count = 4;
  CHECK(fhs_release(&ones, "mst", 1, 1e-6, NULL, &out, &err) == -1 && strstr(err.msg, "2-way"));
  CHECK(fhs_release(&ones, "independent", 1, 1e-6, NULL, &out, &err) == 0 && out.count == 4);
  fhs_marginal_set_free(&out);
  (void)s;
}

int main(void) {
  fhs_schema s;
  fhs_marginal_set exact;
  chain_exact(&s, &exact);
  test_budget(&exact);
  test_mst_tree(&exact);
  test_expmech();
  test_exact_path(&exact);
  test_errors(&exact, &s);
  fhs_marginal_set_free(&exact);
  fhs_schema_free(&s);
  return check_report("test_synth_release");
}
