/* The exponential mechanism, sampled exactly by rejection.
 *
 * Why rejection: with q* = max_i q_i, draw i uniformly and accept it with probability
 * exp(-epsilon (q* - q_i) / 2). One round picks i with probability
 * exp(epsilon q_i / 2) / (n exp(epsilon q* / 2)), the same factor for every i, so the accepted
 * index follows the exponential mechanism exactly; the index with the top score is accepted
 * with probability 1, so a round succeeds with probability >= 1/n. The acceptance coin is
 * fhs_dp_sample_bernoulli_exp on a rational exponent: integer arithmetic only, no
 * floating-point exp() whose rounding could leak (Mironov 2012; Ilvento 2020 for this very
 * mechanism).
 *
 * Why it is private: the scores are rounded down to multiples of 2^-10. For a score q of
 * sensitivity 1, floor(K q(D)) - floor(K q(D')) <= ceil(K |q(D) - q(D')|) <= K (K = 2^10), so
 * the rounded score still has sensitivity 1. epsilon is rounded down to a multiple of 2^-20,
 * which only lowers the cost. The mechanism is then epsilon-DP and epsilon-bounded-range,
 * hence epsilon^2/8-zCDP (Cesar and Rogers 2021), which is how MST accounts for it. We use the
 * exponential mechanism rather than permute-and-flip because the bounded-range argument, and
 * so the epsilon^2/8 cost, is established for it. */
#include <math.h>
#include <stdlib.h>

#include "synth_internal.h"

typedef unsigned __int128 u128;


int fhs_expmech_choose(const fhs_dp_rng *rng, double epsilon, const u128 *num, const u128 *den,
                       size_t n, size_t *choice, fhs_error *err) {
  if (n == 0) return fhs_error_set(err, "exponential mechanism: no candidates");
  if (!(epsilon >= 0) || epsilon > 1048576.0)
    return fhs_error_set(err, "exponential mechanism: epsilon %g outside [0, 2^20]", epsilon);
  uint64_t *q = malloc(n * sizeof *q);
  if (!q) return fhs_error_set(err, "exponential mechanism: out of memory");
  uint64_t qmax = 0;
  for (size_t i = 0; i < n; i++) {
    if (den[i] == 0 || (num[i] >> (127 - FHS_EXPMECH_SCORE_BITS)) != 0) {
      free(q);
      return fhs_error_set(err, "exponential mechanism: score %zu out of range", i);
    }
    u128 v = (num[i] << FHS_EXPMECH_SCORE_BITS) / den[i];
    if (v > (u128)INT64_MAX) {
      free(q);
      return fhs_error_set(err, "exponential mechanism: score %zu too large", i);
    }
    q[i] = (uint64_t)v;
    if (q[i] > qmax) qmax = q[i];
  }
  /* eps' = e / 2^20 <= epsilon; exponent eps' (q* - q_i) / 2 with q = k / 2^10 is
   * e (q*_k - q_k) / 2^31. */
  uint64_t e = (uint64_t)floor(ldexp(epsilon, FHS_EXPMECH_EPS_BITS));
  const unsigned shift = FHS_EXPMECH_EPS_BITS + FHS_EXPMECH_SCORE_BITS + 1;
  int rc = 0;
  for (;;) {
    uint64_t i;
    int ok;
    if ((rc = fhs_dp_uniform_u64(rng, n, &i, err))) break;
    if ((rc = fhs_dp_sample_bernoulli_exp_dyadic(rng, (u128)e * (qmax - q[i]), shift, &ok, err))) break;
    if (ok) {
      *choice = (size_t)i;
      break;
    }
  }
  free(q);
  return rc;
}
