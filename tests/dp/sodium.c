/* The production source (libsodium, rng = NULL): fresh randomness each run, so here the
 * false-failure probability is real: 8 checks at 1e-6 each (dpstat.h), at most 8e-6 per run. */
#include "check.h"
#include "dp.h"
#include "dpstat.h"

enum { SAMPLES = 40000 };

static double gauss_weight(int64_t x, const void *arg) {
  const double *s2 = arg;
  return exp(-(double)x * (double)x / (2 * *s2));
}

static void test_gaussian_sodium(double s2) {
  fhs_error err = {{0}};
  fhs_dp_rational r;
  int64_t *xs = malloc(SAMPLES * sizeof *xs);
  CHECK(fhs_dp_sigma2_from_double(s2, &r, &err) == 0);
  CHECK(fhs_dp_sample_gaussian_many(NULL, r, xs, SAMPLES, &err) == 0);
  pmf_table tab = pmf_make((int64_t)ceil(14 * sqrt(s2)) + 10, gauss_weight, &s2);
  sample_report rep = sample_check(xs, SAMPLES, &tab);
  printf("libsodium Gaussian(sigma^2 %g): mean %+.4f (z %+.2f), E[X^2] %.6g vs exact %.6g "
         "(z %+.2f), chi2 %.1f on %zu bins (critical %.1f)\n",
         s2, rep.mean, rep.z_mean, rep.var_hat, tab.var, rep.z_var, rep.chi2, rep.bins,
         rep.chi2_crit);
  CHECK_MSG(fabs(rep.z_mean) < z_crit(), "mean z = %.2f", rep.z_mean);
  CHECK_MSG(fabs(rep.z_var) < z_crit(), "variance z = %.2f", rep.z_var);
  CHECK_MSG(rep.chi2 < rep.chi2_crit, "chi2 = %.1f", rep.chi2);
  free(tab.p);
  free(xs);
}

static void test_bernoulli_sodium(void) {
  fhs_error err = {{0}};
  const size_t n = 100000;
  size_t hits = 0;
  int ok = 1;
  for (size_t i = 0; i < n; i++) {
    int b;
    ok &= fhs_dp_sample_bernoulli_exp(NULL, (fhs_dp_rational){1, 2}, &b, &err) == 0;
    hits += (size_t)b;
  }
  double z = z_binomial(hits, n, exp(-0.5));
  printf("libsodium Bernoulli(exp(-1/2)): observed %.5f vs %.5f (z %+.2f)\n",
         (double)hits / (double)n, exp(-0.5), z);
  CHECK(ok);
  CHECK_MSG(fabs(z) < z_crit(), "z = %.2f", z);
}

static void test_uniform_sodium(void) {
  fhs_error err = {{0}};
  const uint64_t range = ((uint64_t)1 << 50) + 3;
  const size_t n = 100000;
  double s = 0;
  int ok = 1;
  for (size_t i = 0; i < n; i++) {
    uint64_t v;
    ok &= fhs_dp_uniform_u64(NULL, range, &v, &err) == 0 && v < range;
    s += (double)v;
  }
  double z = (s / n - ((double)range - 1) / 2) / ((double)range / sqrt(12.0 * n));
  printf("libsodium uniform [0, 2^50+3): z %+.2f\n", z);
  CHECK(ok);
  CHECK_MSG(fabs(z) < z_crit(), "z = %.2f", z);
}

int main(void) {
  test_gaussian_sodium(10);
  test_gaussian_sodium(1e6);
  test_bernoulli_sodium();
  test_uniform_sodium();
  return check_report("test_dp_sodium");
}
