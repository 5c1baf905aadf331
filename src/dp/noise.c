/* Noise application: counts + N_Z(0, sigma^2), all or nothing. */
#include <sodium.h>
#include <stdlib.h>

#include "dp.h"

int fhs_dp_noise_add(const fhs_dp_rng *rng, int64_t *counts, size_t n, double sigma2,
                     fhs_error *err) {
  fhs_dp_rational s2;
  if (fhs_dp_sigma2_from_double(sigma2, &s2, err) < 0) return -1;
  if (n == 0) return 0;
  /* Draw everything first so a failure leaves counts untouched. */
  int64_t *noise = calloc(n, sizeof *noise);
  if (!noise) return fhs_error_set(err, "dp: out of memory for %zu noise values", n);
  int rc = fhs_dp_sample_gaussian_many(rng, s2, noise, n, err);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    int64_t sum;
    if (__builtin_add_overflow(counts[i], noise[i], &sum))
      rc = fhs_error_set(err, "dp: count %zu overflows int64 after noise", i);
  }
  for (size_t i = 0; rc == 0 && i < n; i++) counts[i] += noise[i];
  sodium_memzero(noise, n * sizeof *noise); /* the noise would reveal the true counts */
  free(noise);
  return rc;
}
