/* Internal to src/ring: backend hooks and the word-sized Barrett reducer shared by the
 * portable kernels. Not part of the public API. */
#ifndef FHS_RING_INTERNAL_H
#define FHS_RING_INTERNAL_H

#include "ring.h"

/* IFMA multiplies 52-bit lanes; the lazy NTT range [0, 4q) must fit, hence q < 2^50. */
#define FHS_IFMA_MAX_BITS 50
/* Below this the merged 16-element tail of the vector NTT does not apply. */
#define FHS_IFMA_MIN_N 16

/* True when the AVX-512 IFMA kernels should run for modulus m (backend setting, CPU, size).
 * The vector Barrett constant needs q odd. */
int fhs_ring_use_ifma(const fhs_modulus *m);

/* Barrett for products: x < 2^(2L) with L = bits of q, s = L - 2, mu = floor(2^(62+L)/q).
 * Derived from the 128-bit constant so fhs_modulus keeps its layout; valid for any q >= 2
 * (mu <= 2^63 even when q is a power of two). */
typedef struct {
  uint64_t q, mu;
  unsigned s;
} fhs_barrett64;

static inline fhs_barrett64 fhs_barrett64_make(const fhs_modulus *m) {
  unsigned __int128 r = ((unsigned __int128)m->barrett_hi << 64) | m->barrett_lo;
  fhs_barrett64 b = {m->value, (uint64_t)(r >> (66 - m->bits)), m->bits - 2};
  return b;
}

/* x < 2^(2L) -> x mod q. The quotient estimate is at most 2 short (see ring.h notes), so
 * the remainder is < 3q < 2^64 and two masked subtractions finish it. */
static inline uint64_t fhs_barrett64_reduce(unsigned __int128 x, const fhs_barrett64 *b) {
  uint64_t x1 = (uint64_t)(x >> b->s);
  uint64_t qhat = (uint64_t)(((unsigned __int128)x1 * b->mu) >> 64);
  uint64_t r = (uint64_t)x - qhat * b->q;
  r -= b->q & -(uint64_t)(r >= b->q);
  r -= b->q & -(uint64_t)(r >= b->q);
  return r;
}

#ifdef FHS_HAVE_AVX512IFMA
/* Twiddles for the IFMA NTT (t->backend_data, one allocation). Shoup words are 52-bit,
 * floor(w * 2^52 / q). The stages with t = 4 and t = 2 run on 16-element blocks with lanes
 * permuted, so their twiddles are stored repeated to match the lanes: x4[j] = w[n/8 + j/4],
 * x2[j] = w[n/4 + j/2] (n/2 entries each). The t = 1 stage reads fwd/inv + n/2 directly. */
typedef struct {
  uint64_t *fwd_p52, *fwd4, *fwd4_p52, *fwd2, *fwd2_p52;
  uint64_t *inv_p52, *inv4, *inv4_p52, *inv2, *inv2_p52;
  uint64_t n_inv_p52;
} fhs_ifma_ntt;

/* ntt_ifma_tables.c (portable code): builds t->backend_data when the CPU has IFMA and the
 * table qualifies, else leaves it NULL. */
int fhs_ntt_ifma_prepare(fhs_ntt_table *t);
/* ntt_avx512.c: need t->backend_data != NULL. */
void fhs_ntt_avx512_forward(const fhs_ntt_table *t, uint64_t *a);
void fhs_ntt_avx512_inverse(const fhs_ntt_table *t, uint64_t *a);

/* vec_avx512.c: same contracts as the public fhs_vec_* functions, q odd and < 2^50. */
void fhs_vec_avx512_add(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out);
void fhs_vec_avx512_sub(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out);
void fhs_vec_avx512_mul(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out);
void fhs_vec_avx512_mul_add(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out);
void fhs_vec_avx512_mul_scalar(const fhs_modulus *m, size_t n, const uint64_t *a, uint64_t s, uint64_t *out);
void fhs_vec_avx512_tensor_acc(const fhs_modulus *m, size_t n, const uint64_t *a0, const uint64_t *a1,
                               const uint64_t *b0, const uint64_t *b1, uint64_t *acc0, uint64_t *acc1,
                               uint64_t *acc2);
#endif

#endif
