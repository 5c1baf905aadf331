/* Bernoulli(p) for rational p and Bernoulli(exp(-gamma)) for rational gamma, exactly, as
 * Canonne, Kamath and Steinke (2020) Algorithm 1: for gamma in [0, 1] count K while
 * Bernoulli(gamma/K) succeeds; the parity of K is Bernoulli(exp(-gamma)). For gamma > 1, run
 * floor(gamma) draws of Bernoulli(exp(-1)) and one of Bernoulli(exp(-frac(gamma))). */
#include "dp_internal.h"

int fhs_dp_bernoulli_ratio(const fhs_dp_rng *r, fhs_dp_u128 num, fhs_dp_u128 den) {
  if (num == 0) return 0;
  if (num >= den) return 1;
  return fhs_dp_draw_u128(r, den) < num;
}

/* gamma = num/den in [0, 1]. Bernoulli(gamma/K) is drawn as Bernoulli(gamma) AND
 * Bernoulli(1/K) (independent, so the probabilities multiply): den*K can never overflow. */
static int bernoulli_exp_unit(const fhs_dp_rng *r, fhs_dp_u128 num, fhs_dp_u128 den) {
  uint64_t k = 1;
  for (;;) {
    int a = fhs_dp_bernoulli_ratio(r, num, den);
    if (a && k > 1) a = fhs_dp_bernoulli_ratio(r, 1, k);
    if (!a) break;
    k++; /* P(k > m) = gamma^m / m!: k stays tiny, no overflow in any real run */
  }
  return (int)(k & 1);
}

int fhs_dp_bernoulli_exp_split(const fhs_dp_rng *r, uint64_t whole, fhs_dp_u128 num,
                               fhs_dp_u128 den) {
  /* exp(-(whole + f)) = exp(-1)^whole * exp(-f): independent draws, stop at the first 0. */
  for (uint64_t i = 0; i < whole; i++)
    if (!bernoulli_exp_unit(r, 1, 1)) return 0;
  return bernoulli_exp_unit(r, num, den);
}

int fhs_dp_sample_bernoulli_exp(const fhs_dp_rng *rng, fhs_dp_rational gamma, int *out,
                                fhs_error *err) {
  if (gamma.den == 0) return fhs_error_set(err, "dp: Bernoulli(exp(-gamma)): gamma has denominator 0");
  fhs_dp_rng r;
  if (fhs_dp_rng_resolve(rng, &r, err) < 0) return -1;
  *out = fhs_dp_bernoulli_exp_split(&r, gamma.num / gamma.den, gamma.num % gamma.den, gamma.den);
  return 0;
}

/* exp(-(w + f)) is the AND of independent Bernoulli(exp(-w)) and Bernoulli(exp(-f)) draws, so a
 * 128-bit numerator is cut into 64-bit whole parts and one fraction. */
int fhs_dp_sample_bernoulli_exp_dyadic(const fhs_dp_rng *rng, unsigned __int128 num, unsigned shift, int *out,
                                       fhs_error *err) {
  unsigned __int128 whole = num >> shift;
  uint64_t frac = (uint64_t)(num & (((unsigned __int128)1 << shift) - 1));
  while (whole > 0) {
    uint64_t part = whole > (unsigned __int128)UINT64_MAX ? UINT64_MAX : (uint64_t)whole;
    whole -= part;
    if (fhs_dp_sample_bernoulli_exp(rng, (fhs_dp_rational){part, 1}, out, err)) return -1;
    if (!*out) return 0;
  }
  return fhs_dp_sample_bernoulli_exp(rng, (fhs_dp_rational){frac, (uint64_t)1 << shift}, out, err);
}
