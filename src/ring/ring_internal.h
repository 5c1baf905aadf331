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

/* x >= c ? x - c : x, without a branch, for c <= 2^63 and x < c + 2^63: the sign of x - c
 * is then exact and becomes the mask. Fewer instructions than a compare-and-mask, which
 * matters in the scalar NTT. */
static inline uint64_t fhs_csub(uint64_t x, uint64_t c) {
  uint64_t d = x - c;
  return d + (c & (uint64_t)((int64_t)d >> 63));
}

/* Barrett for sums of products: x < 2^(2L+1) with L = bits of q, s = L - 1 and
 * mu = floor(2^(63+L) / q), derived from the 128-bit constant so fhs_modulus keeps its
 * layout. x >> s < 2^(L+2) <= 2^64 fits a word. mu reaches 2^64 only for q a power of two;
 * saturating it to 2^64 - 1 then costs at most one more unit of quotient error. */
typedef struct {
  uint64_t q, mu;
  unsigned s;
} fhs_barrett64;

static inline fhs_barrett64 fhs_barrett64_make(const fhs_modulus *m) {
  unsigned sh = 65 - m->bits; /* in [3, 63] */
  uint64_t over = m->barrett_hi >> sh;
  uint64_t mu = (m->barrett_lo >> sh) | (m->barrett_hi << (64 - sh));
  fhs_barrett64 b = {m->value, over ? UINT64_MAX : mu, m->bits - 1};
  return b;
}

/* x < 2^(2L+1) -> x mod q. The quotient estimate falls short by at most 2 (x/2^(63+L) < 1
 * and 2^(L-1)/q < 1), so the remainder is < 3q < 2^64 and two masked subtractions finish.
 * The shift is spelt in words (s in [1, 61]) so no 128-bit shift code is generated. */
static inline uint64_t fhs_barrett64_reduce(unsigned __int128 x, const fhs_barrett64 *b) {
  uint64_t lo = (uint64_t)x, hi = (uint64_t)(x >> 64);
  uint64_t x1 = (lo >> b->s) | (hi << (64 - b->s));
  uint64_t qhat = (uint64_t)(((unsigned __int128)x1 * b->mu) >> 64);
  uint64_t r = lo - qhat * b->q;
  return fhs_csub(fhs_csub(r, b->q), b->q);
}

#ifdef FHS_HAVE_AVX512IFMA
/* Twiddles for the IFMA NTT (t->backend_data, one allocation). Shoup words are 52-bit,
 * floor(w * 2^52 / q). The stages t = 4, 2, 1 run on 16-element blocks whose lanes are
 * shuffled (see ntt_avx512.c), so their twiddles are stored per lane, 8 per block b:
 * x[8b + l] = w[base + per_block * b + pattern[l]] with the patterns in ntt_ifma_tables.c
 * (n/2 entries per array). */
typedef struct {
  uint64_t *fwd_p52, *fwd4, *fwd4_p52, *fwd2, *fwd2_p52, *fwd1, *fwd1_p52;
  uint64_t *inv_p52, *inv4, *inv4_p52, *inv2, *inv2_p52, *inv1, *inv1_p52;
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
