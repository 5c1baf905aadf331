/* Discrete Laplace with rational scale t/s: Canonne, Kamath and Steinke (2020) Algorithm 2.
 * U uniform in [0, t) accepted with probability exp(-U/t) and V ~ Geometric(1 - exp(-1))
 * make X = U + tV geometric with parameter exp(-1/t); Y = floor(X/s) is then geometric with
 * parameter exp(-s/t), and a random sign (rejecting "-0") makes it two-sided. */
#include "laplace.h"

int fhs_dp_laplace_draw(const fhs_dp_rng *r, uint64_t s, uint64_t t, int64_t *out) {
  for (;;) {
    uint64_t u = fhs_dp_draw_u64(r, t);
    if (!fhs_dp_bernoulli_exp_split(r, 0, u, t)) continue;
    uint64_t v = 0;
    while (fhs_dp_bernoulli_exp_split(r, 1, 0, 1)) v++;
    /* X = U + tV must fit in 63 bits: failing needs V > 2^63/t consecutive successes of
     * probability exp(-1) each, i.e. probability below exp(-2^38) for t <= 2^25. */
    if (v > (uint64_t)(INT64_MAX - u) / t) return -1;
    uint64_t y = (u + t * v) / s;
    int negative = (int)fhs_dp_draw_u32(r, 2);
    if (negative && y == 0) continue; /* 0 would otherwise be counted twice */
    *out = negative ? -(int64_t)y : (int64_t)y;
    return 0;
  }
}

int fhs_dp_sample_laplace(const fhs_dp_rng *rng, uint64_t s, uint64_t t, int64_t *out,
                          fhs_error *err) {
  if (s == 0 || t == 0)
    return fhs_error_set(err, "dp: discrete Laplace scale %llu/%llu is not positive",
                         (unsigned long long)t, (unsigned long long)s);
  fhs_dp_rng r;
  if (fhs_dp_rng_resolve(rng, &r, err) < 0) return -1;
  if (fhs_dp_laplace_draw(&r, s, t, out) < 0)
    return fhs_error_set(err, "dp: discrete Laplace sample overflowed 63 bits");
  return 0;
}
