/* Element-wise kernels with AVX-512 IFMA for odd q < 2^50 (L = bits of q <= 50).
 *
 * A sum of products x = hi * 2^52 + lo (hi, lo from madd52hi/lo; lo may exceed 2^52 after
 * accumulation) with x < 2^(2L+1) is reduced by Barrett with s = L - 1 and
 * mu = floor(2^(51+L) / q) < 2^52: x1 = floor(x / 2^s) < 2^(L+2) <= 2^52 fits a 52-bit lane,
 * Q = hi52(x1 * mu) undershoots floor(x/q) by at most 2, so x - Q*q < 3q < 2^52 equals its
 * low 52 bits. Tails shorter than a vector use masked loads and stores. Compiled with
 * AVX-512 flags; only called after the run-time CPU check. */
#include <immintrin.h>

#include "ring_internal.h"

typedef __m512i V;

typedef struct {
  V q, negq, mask52, mu;
  __m128i shl, shr; /* 53 - L and L - 1 */
} barrett;

static barrett make_barrett(const fhs_modulus *m) {
  unsigned L = m->bits;
  unsigned __int128 r = ((unsigned __int128)m->barrett_hi << 64) | m->barrett_lo;
  uint64_t q = m->value;
  barrett b = {_mm512_set1_epi64((long long)q), _mm512_set1_epi64((long long)(((uint64_t)1 << 52) - q)),
               _mm512_set1_epi64((long long)(((uint64_t)1 << 52) - 1)),
               _mm512_set1_epi64((long long)(uint64_t)(r >> (77 - L))),
               _mm_cvtsi32_si128((int)(53 - L)), _mm_cvtsi32_si128((int)(L - 1))};
  return b;
}

static inline V csub(V x, V c) { return _mm512_min_epu64(x, _mm512_sub_epi64(x, c)); }

static inline V reduce(V hi, V lo, const barrett *b) {
  V x1 = _mm512_add_epi64(_mm512_sll_epi64(hi, b->shl), _mm512_srl_epi64(lo, b->shr));
  V qh = _mm512_madd52hi_epu64(_mm512_setzero_si512(), x1, b->mu);
  V r = _mm512_and_si512(_mm512_madd52lo_epu64(lo, qh, b->negq), b->mask52);
  return csub(csub(r, b->q), b->q);
}

static inline V mulhi(V acc, V a, V c) { return _mm512_madd52hi_epu64(acc, a, c); }
static inline V mullo(V acc, V a, V c) { return _mm512_madd52lo_epu64(acc, a, c); }

/* Loads/stores for elements [i, i+8) of which `mask` are present. */
static inline V ld(const uint64_t *p, __mmask8 mask) { return _mm512_maskz_loadu_epi64(mask, p); }
static inline void st(uint64_t *p, __mmask8 mask, V v) { _mm512_mask_storeu_epi64(p, mask, v); }
static inline __mmask8 lanes(size_t n, size_t i) {
  size_t left = n - i;
  return left >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << left) - 1);
}

void fhs_vec_avx512_add(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out) {
  V q = _mm512_set1_epi64((long long)m->value);
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 k = lanes(n, i);
    st(out + i, k, csub(_mm512_add_epi64(ld(a + i, k), ld(b + i, k)), q));
  }
}

/* a - b wraps to a huge value when a < b; then a - b + q is the smaller candidate. */
void fhs_vec_avx512_sub(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out) {
  V q = _mm512_set1_epi64((long long)m->value);
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 k = lanes(n, i);
    V d = _mm512_sub_epi64(ld(a + i, k), ld(b + i, k));
    st(out + i, k, _mm512_min_epu64(d, _mm512_add_epi64(d, q)));
  }
}

void fhs_vec_avx512_mul(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out) {
  barrett br = make_barrett(m);
  V z = _mm512_setzero_si512();
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 k = lanes(n, i);
    V x = ld(a + i, k), y = ld(b + i, k);
    st(out + i, k, reduce(mulhi(z, x, y), mullo(z, x, y), &br));
  }
}

void fhs_vec_avx512_mul_add(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out) {
  barrett br = make_barrett(m);
  V z = _mm512_setzero_si512();
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 k = lanes(n, i);
    V x = ld(a + i, k), y = ld(b + i, k);
    st(out + i, k, reduce(mulhi(z, x, y), mullo(ld(out + i, k), x, y), &br));
  }
}

/* Fixed multiplier: 52-bit Shoup, s' = floor(s * 2^52 / q); result in [0, 2q) before csub. */
void fhs_vec_avx512_mul_scalar(const fhs_modulus *m, size_t n, const uint64_t *a, uint64_t s, uint64_t *out) {
  uint64_t q = m->value;
  V S = _mm512_set1_epi64((long long)s);
  V SP = _mm512_set1_epi64((long long)(uint64_t)(((unsigned __int128)s << 52) / q));
  V Q = _mm512_set1_epi64((long long)q), negq = _mm512_set1_epi64((long long)(((uint64_t)1 << 52) - q));
  V mask52 = _mm512_set1_epi64((long long)(((uint64_t)1 << 52) - 1)), z = _mm512_setzero_si512();
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 k = lanes(n, i);
    V x = ld(a + i, k);
    V qh = mulhi(z, x, SP);
    V r = _mm512_and_si512(mullo(mullo(z, x, S), qh, negq), mask52);
    st(out + i, k, csub(r, Q));
  }
}

/* acc1 gets a0*b1 + a1*b0 + acc1 < 2q^2 in one reduction (the bound the Barrett above allows). */
void fhs_vec_avx512_tensor_acc(const fhs_modulus *m, size_t n, const uint64_t *a0, const uint64_t *a1,
                               const uint64_t *b0, const uint64_t *b1, uint64_t *acc0, uint64_t *acc1,
                               uint64_t *acc2) {
  barrett br = make_barrett(m);
  V z = _mm512_setzero_si512();
  for (size_t i = 0; i < n; i += 8) {
    __mmask8 k = lanes(n, i);
    V x0 = ld(a0 + i, k), x1 = ld(a1 + i, k), y0 = ld(b0 + i, k), y1 = ld(b1 + i, k);
    V c0 = reduce(mulhi(z, x0, y0), mullo(ld(acc0 + i, k), x0, y0), &br);
    V h1 = mulhi(mulhi(z, x0, y1), x1, y0);
    V l1 = mullo(mullo(ld(acc1 + i, k), x0, y1), x1, y0);
    V c1 = reduce(h1, l1, &br);
    V c2 = reduce(mulhi(z, x1, y1), mullo(ld(acc2 + i, k), x1, y1), &br);
    st(acc0 + i, k, c0);
    st(acc1 + i, k, c1);
    st(acc2 + i, k, c2);
  }
}
