/* Bernoulli(exp(-gamma)), the uniform integer draws beneath it and the wide-integer helpers
 * of the Gaussian sampler. Statistical checks: see dpstat.h (false-failure probability 1e-6
 * each; 10 statistical checks here, so at most 1e-5 per run over random seeds). */
#include <string.h>

#include "check.h"
#include "dp.h"
#include "dpstat.h"
#include "test_rng.h"
#include "wide.h"

static void test_bernoulli_exp(void) {
  static const struct {
    uint64_t num, den;
  } gammas[] = {{1, 3}, {1, 2}, {1, 1}, {5, 4}, {7, 2}, {20, 3},
                {((uint64_t)1 << 63) - 25, ((uint64_t)1 << 62) + 1}}; /* ~2, 64-bit draws */
  const size_t n = 1000000;
  test_stream st;
  fhs_dp_rng rng = test_rng(&st, 1);
  fhs_error err = {{0}};
  for (size_t g = 0; g < sizeof gammas / sizeof gammas[0]; g++) {
    fhs_dp_rational gamma = {gammas[g].num, gammas[g].den};
    size_t hits = 0;
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
      int b;
      ok &= fhs_dp_sample_bernoulli_exp(&rng, gamma, &b, &err) == 0;
      hits += (size_t)b;
    }
    double p = exp(-(double)gamma.num / (double)gamma.den);
    double z = z_binomial(hits, n, p);
    printf("Bernoulli(exp(-%llu/%llu)): p %.6f, observed %.6f, z %+.2f\n",
           (unsigned long long)gamma.num, (unsigned long long)gamma.den, p,
           (double)hits / (double)n, z);
    CHECK(ok);
    CHECK_MSG(fabs(z) < z_crit(), "gamma %llu/%llu: z = %.2f", (unsigned long long)gamma.num,
              (unsigned long long)gamma.den, z);
  }
  /* gamma = 0 is certain success, gamma huge is (almost) certain failure: not statistical */
  int all = 1, none = 1;
  for (int i = 0; i < 10000; i++) {
    int b;
    fhs_dp_sample_bernoulli_exp(&rng, (fhs_dp_rational){0, 7}, &b, &err);
    all &= b;
    fhs_dp_sample_bernoulli_exp(&rng, (fhs_dp_rational){UINT64_MAX, 1}, &b, &err);
    none &= !b;
  }
  CHECK(all);
  CHECK(none); /* would need 2^64 - 1 successes in a row */
  int b;
  CHECK(fhs_dp_sample_bernoulli_exp(&rng, (fhs_dp_rational){1, 0}, &b, &err) == -1);
  CHECK(strstr(err.msg, "denominator") != NULL);
}

static void test_uniform(void) {
  test_stream st;
  fhs_dp_rng rng = test_rng(&st, 2);
  fhs_error err = {{0}};
  uint64_t v;
  CHECK(fhs_dp_uniform_u64(&rng, 0, &v, &err) == -1);

  /* six cells, chi-square with 5 degrees of freedom */
  enum { cells = 6, draws = 600000 };
  size_t count[cells] = {0};
  int in_range = 1;
  for (int i = 0; i < draws; i++) {
    fhs_dp_uniform_u64(&rng, cells, &v, &err);
    in_range &= v < cells;
    if (v < cells) count[v]++;
  }
  double chi2 = 0, e = (double)draws / cells;
  for (int c = 0; c < cells; c++) chi2 += (count[c] - e) * (count[c] - e) / e;
  CHECK(in_range);
  CHECK_MSG(chi2 < gsl_cdf_chisq_Qinv(ALPHA, cells - 1), "uniform(6): chi2 = %.2f", chi2);

  /* large ranges: mean against (n-1)/2, standard deviation n/sqrt(12) */
  const uint64_t n64 = ((uint64_t)1 << 40) + 7;
  const fhs_dp_u128 n128 = ((fhs_dp_u128)1 << 100) + 3;
  const size_t m = 200000;
  double s64 = 0, s128 = 0;
  int ok64 = 1, ok128 = 1;
  for (size_t i = 0; i < m; i++) {
    fhs_dp_uniform_u64(&rng, n64, &v, &err);
    ok64 &= v < n64;
    s64 += (double)v;
    fhs_dp_u128 w = fhs_dp_draw_u128(&rng, n128);
    ok128 &= w < n128;
    s128 += (double)w;
  }
  double z64 = (s64 / m - ((double)n64 - 1) / 2) / ((double)n64 / sqrt(12.0 * m));
  double z128 = (s128 / m - ((double)n128 - 1) / 2) / ((double)n128 / sqrt(12.0 * m));
  printf("uniform: chi2(6 cells) %.2f, z(2^40+7) %+.2f, z(2^100+3) %+.2f\n", chi2, z64, z128);
  CHECK(ok64);
  CHECK(ok128);
  CHECK_MSG(fabs(z64) < z_crit(), "z = %.2f", z64);
  CHECK_MSG(fabs(z128) < z_crit(), "z = %.2f", z128);
  /* the top of the 64-bit range is reachable without overflow */
  int full = 1;
  for (int i = 0; i < 1000; i++) full &= fhs_dp_uniform_u64(&rng, UINT64_MAX, &v, &err) == 0 && v < UINT64_MAX;
  CHECK(full);
}

static fhs_dp_u256 add_small(fhs_dp_u256 a, fhs_dp_u128 b) {
  a.lo += b;
  if (a.lo < b) a.hi++;
  return a;
}

static void test_wide(void) {
  CHECK(fhs_dp_isqrt_u64(0) == 0);
  CHECK(fhs_dp_isqrt_u64(3) == 1);
  CHECK(fhs_dp_isqrt_u64(4) == 2);
  CHECK(fhs_dp_isqrt_u64(999999999999) == 999999);
  CHECK(fhs_dp_isqrt_u64(1000000000000) == 1000000);
  CHECK(fhs_dp_isqrt_u64(UINT64_MAX) == UINT32_MAX);
  CHECK(fhs_dp_gcd_u64(12, 18) == 6 && fhs_dp_gcd_u64(7, 0) == 7);

  fhs_dp_u128 max = ~(fhs_dp_u128)0;
  fhs_dp_u256 sq = fhs_dp_u256_mul(max, max); /* (2^128 - 1)^2 = 2^256 - 2^129 + 1 */
  CHECK(sq.hi == max - 1 && sq.lo == 1);

  const fhs_dp_u128 d = ((fhs_dp_u128)1 << 126) + 12345;
  const fhs_dp_u128 r = 777;
  uint64_t q;
  fhs_dp_u128 rem;
  uint64_t a = ((uint64_t)1 << 63) + 5; /* quotient fits 64 bits */
  fhs_dp_u256_divmod(add_small(fhs_dp_u256_mul(a, d), r), d, &q, &rem);
  CHECK(q == a && rem == r);
  fhs_dp_u128 big = (fhs_dp_u128)1 << 100; /* quotient saturates, remainder stays exact */
  fhs_dp_u256_divmod(add_small(fhs_dp_u256_mul(big, d), r), d, &q, &rem);
  CHECK(q == UINT64_MAX && rem == r);
  fhs_dp_u256_divmod((fhs_dp_u256){0, 1000}, 7, &q, &rem); /* 128-bit fast path */
  CHECK(q == 142 && rem == 6);
}

int main(void) {
  test_wide();
  test_uniform();
  test_bernoulli_exp();
  return check_report("test_dp_bernoulli");
}
