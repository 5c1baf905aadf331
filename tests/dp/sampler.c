/* Discrete Laplace and discrete Gaussian samplers against their exact laws, from the seeded
 * test stream; sigma^2 conversion; noise application.
 * Statistical checks (dpstat.h): mean and E[X^2] z-tests, P(|X| >= k) z-tests and a
 * chi-square test on ~50 bins, each with false-failure probability 1e-6; with at most 56
 * such checks the program fails on a random seed with probability below 6e-5. */
#include <string.h>

#include "check.h"
#include "dp.h"
#include "dpstat.h"
#include "test_rng.h"

enum { SAMPLES = 200000 };

static double laplace_weight(int64_t x, const void *arg) {
  const double *scale = arg;
  return exp(-fabs((double)x) / *scale);
}

static double gauss_weight(int64_t x, const void *arg) {
  const double *s2 = arg;
  return exp(-(double)x * (double)x / (2 * *s2));
}

/* Runs every statistical check of one law on xs; ks lists tail thresholds (0 ends). */
static void check_law(const char *name, const int64_t *xs, const pmf_table *t, const int64_t *ks) {
  sample_report r = sample_check(xs, SAMPLES, t);
  printf("%s: mean %+.4f (z %+.2f), E[X^2] %.6g vs exact %.6g (z %+.2f), chi2 %.1f on %zu bins "
         "(critical %.1f)\n",
         name, r.mean, r.z_mean, r.var_hat, t->var, r.z_var, r.chi2, r.bins, r.chi2_crit);
  CHECK_MSG(fabs(r.z_mean) < z_crit(), "%s: mean z = %.2f", name, r.z_mean);
  CHECK_MSG(fabs(r.z_var) < z_crit(), "%s: variance z = %.2f", name, r.z_var);
  CHECK_MSG(r.chi2 < r.chi2_crit, "%s: chi2 = %.1f >= %.1f", name, r.chi2, r.chi2_crit);
  for (int j = 0; ks[j] > 0; j++) {
    if (j > 0 && ks[j] == ks[j - 1]) continue;
    double p = pmf_tail(t, ks[j]);
    if (p * SAMPLES < 50) continue; /* too rare for a normal approximation */
    size_t hits = 0;
    for (size_t i = 0; i < SAMPLES; i++) hits += xs[i] >= ks[j] || xs[i] <= -ks[j];
    double z = z_binomial(hits, SAMPLES, p);
    printf("  P(|X| >= %lld): exact %.6f, observed %.6f (z %+.2f)\n", (long long)ks[j], p,
           (double)hits / SAMPLES, z);
    CHECK_MSG(fabs(z) < z_crit(), "%s: tail k = %lld: z = %.2f", name, (long long)ks[j], z);
  }
}

static void test_laplace(void) {
  static const uint64_t scales[][2] = {{1, 1}, {1, 3}, {3, 2}, {1, 1000}}; /* {s, t}: t/s */
  int64_t *xs = malloc(SAMPLES * sizeof *xs);
  fhs_error err = {{0}};
  for (size_t c = 0; c < sizeof scales / sizeof scales[0]; c++) {
    uint64_t s = scales[c][0], t = scales[c][1];
    test_stream st;
    fhs_dp_rng rng = test_rng(&st, 100 + c);
    int ok = 1;
    for (size_t i = 0; i < SAMPLES; i++) ok &= fhs_dp_sample_laplace(&rng, s, t, &xs[i], &err) == 0;
    CHECK(ok);
    double scale = (double)t / (double)s;
    pmf_table tab = pmf_make((int64_t)ceil(60 * scale) + 10, laplace_weight, &scale);
    double q = exp(-1 / scale); /* closed form of the variance, as a check on the table */
    CHECK(fabs(tab.var - 2 * q / ((1 - q) * (1 - q))) < 1e-9 * tab.var);
    int64_t ks[] = {(int64_t)ceil(scale), (int64_t)ceil(3 * scale), 0};
    char name[64];
    snprintf(name, sizeof name, "Laplace(scale %llu/%llu)", (unsigned long long)t,
             (unsigned long long)s);
    check_law(name, xs, &tab, ks);
    free(tab.p);
  }
  int64_t x;
  CHECK(fhs_dp_sample_laplace(NULL, 0, 1, &x, &err) == -1);
  CHECK(fhs_dp_sample_laplace(NULL, 1, 0, &x, &err) == -1);
  free(xs);
}

static void test_gaussian(void) {
  static const double sigma2s[] = {0.25, 1, 10, 1000, 1e6};
  int64_t *xs = malloc(SAMPLES * sizeof *xs);
  fhs_error err = {{0}};
  for (size_t c = 0; c <= sizeof sigma2s / sizeof sigma2s[0]; c++) {
    fhs_dp_rational r;
    double s2;
    char name[80];
    if (c < sizeof sigma2s / sizeof sigma2s[0]) {
      s2 = sigma2s[c];
      CHECK(fhs_dp_sigma2_from_double(s2, &r, &err) == 0);
      snprintf(name, sizeof name, "Gaussian(sigma^2 %g)", s2);
    } else {
      /* a rational with a 62-bit denominator: acceptance draws need 128-bit uniforms */
      r = (fhs_dp_rational){((uint64_t)1 << 62) + 1, (uint64_t)1 << 61};
      s2 = (double)r.num / (double)r.den;
      snprintf(name, sizeof name, "Gaussian(sigma^2 (2^62+1)/2^61)");
    }
    test_stream st;
    fhs_dp_rng rng = test_rng(&st, 200 + c);
    CHECK(fhs_dp_sample_gaussian_many(&rng, r, xs, SAMPLES, &err) == 0);
    double sigma = sqrt(s2);
    pmf_table tab = pmf_make((int64_t)ceil(14 * sigma) + 10, gauss_weight, &s2);
    int64_t ks[] = {(int64_t)ceil(sigma), (int64_t)ceil(2 * sigma), (int64_t)ceil(3 * sigma), 0};
    check_law(name, xs, &tab, ks);
    free(tab.p);
  }
  free(xs);
}

static void test_gaussian_extremes(void) {
  fhs_error err = {{0}};
  test_stream st;
  fhs_dp_rng rng = test_rng(&st, 300);
  int64_t x;
  /* smallest sigma^2: P(X != 0) is about 2 exp(-2^19) */
  int zeros = 1;
  for (int i = 0; i < 1000; i++)
    zeros &= fhs_dp_sample_gaussian(&rng, (fhs_dp_rational){1, 1 << 20}, &x, &err) == 0 && x == 0;
  CHECK(zeros);
  /* largest sigma^2 = 2^48 (sigma 2^24): runs and stays within 10 sigma */
  int sane = 1;
  for (int i = 0; i < 2000; i++)
    sane &= fhs_dp_sample_gaussian(&rng, (fhs_dp_rational){(uint64_t)1 << 48, 1}, &x, &err) == 0 &&
            llabs(x) < 10 * ((int64_t)1 << 24);
  CHECK(sane);
  /* unreduced input is reduced first */
  CHECK(fhs_dp_sample_gaussian(&rng, (fhs_dp_rational){3000, 300}, &x, &err) == 0);
  /* refusals */
  CHECK(fhs_dp_sample_gaussian(&rng, (fhs_dp_rational){1, (1 << 20) + 1}, &x, &err) == -1);
  CHECK(fhs_dp_sample_gaussian(&rng, (fhs_dp_rational){((uint64_t)1 << 48) + 1, 1}, &x, &err) == -1);
  CHECK(fhs_dp_sample_gaussian(&rng, (fhs_dp_rational){0, 1}, &x, &err) == -1);
  CHECK(fhs_dp_sample_gaussian(&rng, (fhs_dp_rational){1, 0}, &x, &err) == -1);
  CHECK(fhs_dp_sample_gaussian(&rng, (fhs_dp_rational){((uint64_t)1 << 63) - 1,
                                                       ((uint64_t)1 << 63) - 3}, &x, &err) == -1);
  CHECK(strstr(err.msg, "too large a denominator") != NULL);
}

static void test_sigma2_conversion(void) {
  fhs_error err = {{0}};
  fhs_dp_rational r;
  CHECK(fhs_dp_sigma2_from_double(0.25, &r, &err) == 0 && r.num == 1 && r.den == 4);
  CHECK(fhs_dp_sigma2_from_double(10, &r, &err) == 0 && r.num == 10 && r.den == 1);
  CHECK(fhs_dp_sigma2_from_double(1e6, &r, &err) == 0 && r.num == 1000000 && r.den == 1);
  CHECK(fhs_dp_sigma2_from_double(0x1p48, &r, &err) == 0 && r.num == (uint64_t)1 << 48 && r.den == 1);
  CHECK(fhs_dp_sigma2_from_double(0x1p-20, &r, &err) == 0 && r.num == 1 && r.den == 1 << 20);
  /* non-dyadic values round up by less than 2^-23 relative, to a power-of-two denominator */
  static const double odd[] = {0.1, 1.0 / 3, 2.7, 1908.3909, 123456789.123, 3.3e13};
  for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
    CHECK(fhs_dp_sigma2_from_double(odd[i], &r, &err) == 0);
    long double v = (long double)r.num / (long double)r.den;
    CHECK_MSG(v >= odd[i] && v - odd[i] < 0x1p-23 * odd[i], "sigma^2 %g -> %llu/%llu", odd[i],
              (unsigned long long)r.num, (unsigned long long)r.den);
    CHECK((r.den & (r.den - 1)) == 0 && (r.den == 1 || (r.num & 1)));
    CHECK(r.num < (uint64_t)1 << 50 && r.den <= (uint64_t)1 << 43);
  }
  CHECK(fhs_dp_sigma2_from_double(NAN, &r, &err) == -1);
  CHECK(fhs_dp_sigma2_from_double(INFINITY, &r, &err) == -1);
  CHECK(fhs_dp_sigma2_from_double(0, &r, &err) == -1);
  CHECK(fhs_dp_sigma2_from_double(-1, &r, &err) == -1);
  CHECK(fhs_dp_sigma2_from_double(1e-7, &r, &err) == -1);
  CHECK(fhs_dp_sigma2_from_double(3e14, &r, &err) == -1);
  CHECK(strstr(err.msg, "sigma^2") != NULL);
}

static void test_noise(void) {
  fhs_error err = {{0}};
  enum { n = 1000 };
  int64_t a[n], b[n];
  for (int i = 0; i < n; i++) a[i] = b[i] = 1000 + i;
  test_stream s1, s2;
  fhs_dp_rng r1 = test_rng(&s1, 400), r2 = test_rng(&s2, 400);
  CHECK(fhs_dp_noise_add(&r1, a, n, 100.0, &err) == 0);
  CHECK(fhs_dp_noise_add(&r2, b, n, 100.0, &err) == 0);
  CHECK(memcmp(a, b, sizeof a) == 0); /* same seed, same noise */
  int changed = 0;
  double s = 0, ss = 0;
  for (int i = 0; i < n; i++) {
    int64_t d = a[i] - (1000 + i);
    changed += d != 0;
    s += (double)d;
    ss += (double)d * (double)d;
  }
  CHECK(changed > n / 2);
  CHECK(fabs(s / n) < 3);
  CHECK(fabs(ss / n - 100) < 30); /* loose sanity; the sampler tests above are the real test */
  CHECK(fhs_dp_noise_add(&r1, a, 0, 100.0, &err) == 0);
  /* invalid sigma^2 or overflow: counts untouched */
  memcpy(b, a, sizeof a);
  CHECK(fhs_dp_noise_add(&r1, a, n, -1, &err) == -1);
  CHECK(memcmp(a, b, sizeof a) == 0);
  int64_t edge[16], copy[16];
  for (int i = 0; i < 16; i++) edge[i] = copy[i] = i % 2 ? INT64_MIN : INT64_MAX;
  CHECK(fhs_dp_noise_add(&r1, edge, 16, 1e6, &err) == -1); /* fails unless 16 signs line up */
  CHECK(memcmp(edge, copy, sizeof edge) == 0);
  CHECK(strstr(err.msg, "overflows") != NULL);
  /* the production path: libsodium */
  int64_t c[8] = {0};
  CHECK(fhs_dp_noise_add(NULL, c, 8, 1e4, &err) == 0);
}

int main(void) {
  test_sigma2_conversion();
  test_laplace();
  test_gaussian();
  test_gaussian_extremes();
  test_noise();
  return check_report("test_dp_sampler");
}
