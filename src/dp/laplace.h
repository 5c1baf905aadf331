/* Internal: the discrete Laplace draw the Gaussian sampler rejects from. */
#ifndef FHS_DP_LAPLACE_H
#define FHS_DP_LAPLACE_H

#include "dp_internal.h"

/* One draw with scale t/s (s, t >= 1) from a resolved source. Returns -1 only when the
 * sample would not fit in int64 (probability below exp(-2^63/t)). */
int fhs_dp_laplace_draw(const fhs_dp_rng *r, uint64_t s, uint64_t t, int64_t *out);

#endif
