/* zCDP accountant: reference values, round trips, monotonicity, budget split. Reference
 * values come from Private-PGM's cdp_rho / cdp_eps (the CKS conversion), run in Python. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "dp.h"

static int close_rel(double a, double b, double tol) { return fabs(a - b) <= tol * fabs(b); }

static void test_reference_values(void) {
  static const struct {
    double eps, delta, rho_tight, rho_simple;
  } ref[] = {
      {1, 1e-6, 0.024355970359538372, 0.017468904769123432},
      {0.3, 1e-6, 0.002539642523023561, 0.0016111583507397277},
      {4, 1e-6, 0.3110649549408351, 0.2539355782894971},
      {1, 1e-9, 0.014973057673588523, 0.011781160395201457},
      {10, 1e-6, 1.5392787638667285, 1.3530146901688735},
  };
  fhs_error err = {{0}};
  for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
    double rho, rho_s;
    CHECK(fhs_dp_rho_from_epsilon(ref[i].eps, ref[i].delta, &rho, &err) == 0);
    CHECK(fhs_dp_rho_from_epsilon_simple(ref[i].eps, ref[i].delta, &rho_s, &err) == 0);
    printf("eps %g delta %g: rho tight %.12f (Private-PGM %.12f), simple %.12f\n", ref[i].eps,
           ref[i].delta, rho, ref[i].rho_tight, rho_s);
    CHECK_MSG(close_rel(rho, ref[i].rho_tight, 1e-9), "rho %.15g vs %.15g", rho, ref[i].rho_tight);
    CHECK_MSG(close_rel(rho_s, ref[i].rho_simple, 1e-12), "simple rho %.15g", rho_s);
    CHECK(rho_s < rho); /* the simple bound is looser: it allows less rho */
    /* the tight rho really gives (eps, delta) */
    CHECK(fhs_dp_cdp_delta(rho, ref[i].eps) <= ref[i].delta);
  }
  double eps;
  CHECK(fhs_dp_epsilon_from_rho(0.0131, 1e-6, &eps, &err) == 0);
  CHECK(close_rel(eps, 0.717933161663532, 1e-9));
}

static void test_round_trips(void) {
  fhs_error err = {{0}};
  static const double epss[] = {0.01, 0.1, 0.3, 1, 2, 4, 8, 20};
  static const double deltas[] = {1e-12, 1e-9, 1e-6, 1e-3};
  double prev_rho = 0;
  for (size_t d = 0; d < sizeof deltas / sizeof deltas[0]; d++) {
    prev_rho = 0;
    for (size_t e = 0; e < sizeof epss / sizeof epss[0]; e++) {
      double rho, back, rho_s, back_s;
      CHECK(fhs_dp_rho_from_epsilon(epss[e], deltas[d], &rho, &err) == 0);
      CHECK(fhs_dp_epsilon_from_rho(rho, deltas[d], &back, &err) == 0);
      CHECK_MSG(close_rel(back, epss[e], 1e-9), "eps %g delta %g: back %.15g", epss[e],
                deltas[d], back);
      CHECK(back >= epss[e] * (1 - 1e-12)); /* errs on the side of larger epsilon */
      CHECK(rho > prev_rho); /* rho grows with epsilon */
      prev_rho = rho;
      CHECK(fhs_dp_rho_from_epsilon_simple(epss[e], deltas[d], &rho_s, &err) == 0);
      CHECK(fhs_dp_epsilon_from_rho_simple(rho_s, deltas[d], &back_s, &err) == 0);
      CHECK(close_rel(back_s, epss[e], 1e-12));
      CHECK(rho_s <= rho);
    }
  }
  /* epsilon grows with rho and shrinks as delta grows */
  double last = 0;
  for (double rho = 1e-4; rho < 10; rho *= 1.7) {
    double e1, e2;
    CHECK(fhs_dp_epsilon_from_rho(rho, 1e-6, &e1, &err) == 0);
    CHECK(fhs_dp_epsilon_from_rho(rho, 1e-3, &e2, &err) == 0);
    CHECK(e1 > last && e2 < e1);
    last = e1;
  }
  double eps;
  CHECK(fhs_dp_epsilon_from_rho(0, 1e-6, &eps, &err) == 0 && eps == 0);
}

static void test_gaussian_cost(void) {
  CHECK(fhs_dp_rho_gaussian(1, 50) == 0.01);
  CHECK(fhs_dp_rho_gaussian(2, 8) == 0.25);
  CHECK(isinf(fhs_dp_rho_gaussian(1, 0)));
  CHECK(fhs_dp_cdp_delta(0, 1) == 0);
  CHECK(fhs_dp_cdp_delta(10, 0.01) == 1); /* capped at 1 */
}

static void test_split(void) {
  fhs_error err = {{0}};
  double sigma[5];
  const double rho = 0.024355970359538372;
  CHECK(fhs_dp_budget_split(rho, NULL, 5, sigma, &err) == 0);
  double sum = 0;
  for (int i = 0; i < 5; i++) sum += fhs_dp_rho_gaussian(FHS_DP_MARGINAL_SENSITIVITY, sigma[i] * sigma[i]);
  CHECK_MSG(close_rel(sum, rho, 1e-12) && sum <= rho, "sum %.17g vs %.17g", sum, rho);
  CHECK(sigma[0] == sigma[4]);
  printf("equal split of rho %.6f over 5 marginals: sigma %.6f each\n", rho, sigma[0]);

  const double w[5] = {1, 2, 3, 4, 10};
  CHECK(fhs_dp_budget_split(rho, w, 5, sigma, &err) == 0);
  sum = 0;
  for (int i = 0; i < 5; i++) {
    double rho_i = fhs_dp_rho_gaussian(1, sigma[i] * sigma[i]);
    CHECK(close_rel(rho_i, rho * w[i] / 20, 1e-12));
    sum += rho_i;
  }
  CHECK(close_rel(sum, rho, 1e-12) && sum <= rho);
  CHECK(sigma[0] > sigma[4]); /* more weight, less noise */

  const double bad[2] = {1, 0};
  CHECK(fhs_dp_budget_split(rho, bad, 2, sigma, &err) == -1);
  CHECK(strstr(err.msg, "weight 1") != NULL);
  CHECK(fhs_dp_budget_split(0, NULL, 2, sigma, &err) == -1);
  CHECK(fhs_dp_budget_split(rho, NULL, 0, sigma, &err) == -1);
}

static void test_argument_checks(void) {
  fhs_error err = {{0}};
  double v;
  CHECK(fhs_dp_rho_from_epsilon(1, 0, &v, &err) == -1);
  CHECK(strstr(err.msg, "delta") != NULL);
  CHECK(fhs_dp_rho_from_epsilon(1, 1, &v, &err) == -1);
  CHECK(fhs_dp_rho_from_epsilon(-1, 1e-6, &v, &err) == -1);
  CHECK(fhs_dp_rho_from_epsilon(NAN, 1e-6, &v, &err) == -1);
  CHECK(fhs_dp_epsilon_from_rho(-0.1, 1e-6, &v, &err) == -1);
  CHECK(fhs_dp_epsilon_from_rho(INFINITY, 1e-6, &v, &err) == -1);
  CHECK(fhs_dp_epsilon_from_rho_simple(0.1, NAN, &v, &err) == -1);
  CHECK(fhs_dp_rho_from_epsilon_simple(1, 2, &v, &err) == -1);
}

int main(void) {
  test_reference_values();
  test_round_trips();
  test_gaussian_cost();
  test_split();
  test_argument_checks();
  return check_report("test_dp_accountant");
}
