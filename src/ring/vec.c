/* Element-wise kernels on one RNS limb: portable versions and the backend dispatch. */
#include "ring_internal.h"

#ifdef FHS_HAVE_AVX512IFMA
#define IFMA_DISPATCH(m, call) \
  do {                         \
    if (fhs_ring_use_ifma(m)) {  \
      call;                    \
      return;                  \
    }                          \
  } while (0)
#else
#define IFMA_DISPATCH(m, call) ((void)0)
#endif

typedef unsigned __int128 u128;

void fhs_vec_add(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out) {
  IFMA_DISPATCH(m, fhs_vec_avx512_add(m, n, a, b, out));
  uint64_t q = m->value;
  for (size_t i = 0; i < n; i++) out[i] = fhs_mod_add(a[i], b[i], q);
}

void fhs_vec_sub(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out) {
  IFMA_DISPATCH(m, fhs_vec_avx512_sub(m, n, a, b, out));
  uint64_t q = m->value;
  for (size_t i = 0; i < n; i++) out[i] = fhs_mod_sub(a[i], b[i], q);
}

/* Plain C vectorises well on any target; no separate IFMA version needed. */
void fhs_vec_neg(const fhs_modulus *m, size_t n, const uint64_t *a, uint64_t *out) {
  uint64_t q = m->value;
  for (size_t i = 0; i < n; i++) out[i] = fhs_mod_neg(a[i], q);
}

void fhs_vec_mul(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out) {
  IFMA_DISPATCH(m, fhs_vec_avx512_mul(m, n, a, b, out));
  fhs_barrett64 br = fhs_barrett64_make(m);
  for (size_t i = 0; i < n; i++) out[i] = fhs_barrett64_reduce((u128)a[i] * b[i], &br);
}

/* a*b + acc < q^2: the accumulator rides along in one reduction. */
void fhs_vec_mul_add(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out) {
  IFMA_DISPATCH(m, fhs_vec_avx512_mul_add(m, n, a, b, out));
  fhs_barrett64 br = fhs_barrett64_make(m);
  for (size_t i = 0; i < n; i++) out[i] = fhs_barrett64_reduce((u128)a[i] * b[i] + out[i], &br);
}

/* A fixed multiplier: Shoup costs two multiplications instead of three. */
void fhs_vec_mul_scalar(const fhs_modulus *m, size_t n, const uint64_t *a, uint64_t s, uint64_t *out) {
  IFMA_DISPATCH(m, fhs_vec_avx512_mul_scalar(m, n, a, s, out));
  uint64_t q = m->value, sp = fhs_shoup_precompute(s, q);
  for (size_t i = 0; i < n; i++) out[i] = fhs_mod_mul_shoup(a[i], s, sp, q);
}

void fhs_vec_tensor_acc(const fhs_modulus *m, size_t n, const uint64_t *a0, const uint64_t *a1,
                        const uint64_t *b0, const uint64_t *b1, uint64_t *acc0, uint64_t *acc1,
                        uint64_t *acc2) {
  IFMA_DISPATCH(m, fhs_vec_avx512_tensor_acc(m, n, a0, a1, b0, b1, acc0, acc1, acc2));
  fhs_barrett64 br = fhs_barrett64_make(m);
  for (size_t i = 0; i < n; i++) {
    uint64_t x0 = a0[i], x1 = a1[i], y0 = b0[i], y1 = b1[i];
    acc0[i] = fhs_barrett64_reduce((u128)x0 * y0 + acc0[i], &br);
    acc1[i] = fhs_barrett64_reduce((u128)x0 * y1 + (u128)x1 * y0 + acc1[i], &br);
    acc2[i] = fhs_barrett64_reduce((u128)x1 * y1 + acc2[i], &br);
  }
}

/* Inputs may be any word, so the general 128-bit Barrett is needed here. */
void fhs_vec_reduce(const fhs_modulus *m, size_t n, const uint64_t *a, uint64_t *out) {
  for (size_t i = 0; i < n; i++) out[i] = fhs_mod_reduce128(a[i], m);
}
