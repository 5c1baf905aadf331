/* Negacyclic NTT with AVX-512 IFMA, q < 2^50, n >= 16. Same algorithm and value ranges as
 * the portable code (lazy [0, 4q) forward, [0, 2q) inverse), eight butterflies per vector.
 * 52-bit Shoup: for y < 2^52 and w' = floor(w * 2^52 / q), Q = hi52(y * w') and
 * y*w - Q*q lies in [0, 2q), so its low 52 bits are the result; the lazy ranges stay below
 * 4q < 2^52, which is why q must be < 2^50. Compiled with AVX-512 flags; only called after
 * the run-time CPU check. */
#include <immintrin.h>

#include "ring_internal.h"

typedef __m512i V;

typedef struct {
  V q, q2, negq, mask52;
} consts;

static consts make_consts(uint64_t q) {
  consts k = {_mm512_set1_epi64((long long)q), _mm512_set1_epi64((long long)(2 * q)),
              _mm512_set1_epi64((long long)(((uint64_t)1 << 52) - q)),
              _mm512_set1_epi64((long long)(((uint64_t)1 << 52) - 1))};
  return k;
}

static inline V ld(const uint64_t *p) { return _mm512_loadu_si512((const void *)p); }
static inline void st(uint64_t *p, V v) { _mm512_storeu_si512((void *)p, v); }

/* x in [0, 2c) -> [0, c): below c the subtraction wraps to a huge value and min keeps x. */
static inline V csub(V x, V c) { return _mm512_min_epu64(x, _mm512_sub_epi64(x, c)); }

/* y * w mod q in [0, 2q); adding lo52(Q * (2^52 - q)) subtracts Q*q modulo 2^52. */
static inline V mul_shoup(V y, V w, V wp, const consts *k) {
  V zero = _mm512_setzero_si512();
  V qh = _mm512_madd52hi_epu64(zero, y, wp);
  V t = _mm512_madd52lo_epu64(zero, y, w);
  t = _mm512_madd52lo_epu64(t, qh, k->negq);
  return _mm512_and_si512(t, k->mask52);
}

static inline void fwd_bf(V *x, V *y, V w, V wp, const consts *k) {
  V X = csub(*x, k->q2);
  V T = mul_shoup(*y, w, wp, k);
  *x = _mm512_add_epi64(X, T);
  *y = _mm512_sub_epi64(_mm512_add_epi64(X, k->q2), T);
}

static inline void inv_bf(V *x, V *y, V w, V wp, const consts *k) {
  V X = *x, Y = *y;
  *x = csub(_mm512_add_epi64(X, Y), k->q2);
  *y = mul_shoup(_mm512_sub_epi64(_mm512_add_epi64(X, k->q2), Y), w, wp, k);
}

/* One stage with t >= 8: every vector pairs with the one t words later. */
static void fwd_stage(uint64_t *a, size_t m, size_t t, const uint64_t *w, const uint64_t *wp,
                      const consts *k) {
  for (size_t i = 0; i < m; i++) {
    uint64_t *x = a + 2 * i * t, *y = x + t;
    V W = _mm512_set1_epi64((long long)w[m + i]), WP = _mm512_set1_epi64((long long)wp[m + i]);
    for (size_t j = 0; j < t; j += 8) {
      V X = ld(x + j), Y = ld(y + j);
      fwd_bf(&X, &Y, W, WP, k);
      st(x + j, X);
      st(y + j, Y);
    }
  }
}

static void inv_stage(uint64_t *a, size_t m, size_t t, const uint64_t *w, const uint64_t *wp,
                      const consts *k) {
  for (size_t i = 0; i < m; i++) {
    uint64_t *x = a + 2 * i * t, *y = x + t;
    V W = _mm512_set1_epi64((long long)w[m + i]), WP = _mm512_set1_epi64((long long)wp[m + i]);
    for (size_t j = 0; j < t; j += 8) {
      V X = ld(x + j), Y = ld(y + j);
      inv_bf(&X, &Y, W, WP, k);
      st(x + j, X);
      st(y + j, Y);
    }
  }
}

/* Lane shuffles for a 16-element block e0..e15 held in two vectors. Pair-interleave:
 * [X0 X1 Y0 Y1 X4 X5 Y4 Y5] and [X2 X3 Y2 Y3 X6 X7 Y6 Y7] (t = 4 <-> t = 2 layouts). */
static inline V idx_pairs_lo(void) { return _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0); }
static inline V idx_pairs_hi(void) { return _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2); }
/* Element interleave: [X0 Y0 X1 Y1 X2 Y2 X3 Y3] and the upper half. */
static inline V idx_zip_lo(void) { return _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0); }
static inline V idx_zip_hi(void) { return _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4); }
/* Even and odd elements of the concatenation. */
static inline V idx_even(void) { return _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0); }
static inline V idx_odd(void) { return _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1); }

/* Stages t = 4, 2, 1 on each 16-element block, then the reduction to [0, q). */
static void fwd_tail(const fhs_ntt_table *t, const fhs_ifma_ntt *d, uint64_t *a, const consts *k) {
  size_t n = t->n;
  const uint64_t *w1 = t->fwd + n / 2, *w1p = d->fwd_p52 + n / 2;
  V pl = idx_pairs_lo(), ph = idx_pairs_hi(), zl = idx_zip_lo(), zh = idx_zip_hi();
  for (size_t b = 0; b < n / 16; b++) {
    uint64_t *v = a + 16 * b;
    V v0 = ld(v), v1 = ld(v + 8);
    V X = _mm512_shuffle_i64x2(v0, v1, 0x44), Y = _mm512_shuffle_i64x2(v0, v1, 0xEE);
    fwd_bf(&X, &Y, ld(d->fwd4 + 8 * b), ld(d->fwd4_p52 + 8 * b), k);
    V X2 = _mm512_permutex2var_epi64(X, pl, Y), Y2 = _mm512_permutex2var_epi64(X, ph, Y);
    fwd_bf(&X2, &Y2, ld(d->fwd2 + 8 * b), ld(d->fwd2_p52 + 8 * b), k);
    V X3 = _mm512_unpacklo_epi64(X2, Y2), Y3 = _mm512_unpackhi_epi64(X2, Y2);
    fwd_bf(&X3, &Y3, ld(w1 + 8 * b), ld(w1p + 8 * b), k);
    X3 = csub(csub(X3, k->q2), k->q);
    Y3 = csub(csub(Y3, k->q2), k->q);
    st(v, _mm512_permutex2var_epi64(X3, zl, Y3));
    st(v + 8, _mm512_permutex2var_epi64(X3, zh, Y3));
  }
}

/* Stages t = 1, 2, 4 on each 16-element block (the forward tail run backwards). */
static void inv_head(const fhs_ntt_table *t, const fhs_ifma_ntt *d, uint64_t *a, const consts *k) {
  size_t n = t->n;
  const uint64_t *w1 = t->inv + n / 2, *w1p = d->inv_p52 + n / 2;
  V pl = idx_pairs_lo(), ph = idx_pairs_hi(), ev = idx_even(), od = idx_odd();
  for (size_t b = 0; b < n / 16; b++) {
    uint64_t *v = a + 16 * b;
    V v0 = ld(v), v1 = ld(v + 8);
    V X = _mm512_permutex2var_epi64(v0, ev, v1), Y = _mm512_permutex2var_epi64(v0, od, v1);
    inv_bf(&X, &Y, ld(w1 + 8 * b), ld(w1p + 8 * b), k);
    V X2 = _mm512_unpacklo_epi64(X, Y), Y2 = _mm512_unpackhi_epi64(X, Y);
    inv_bf(&X2, &Y2, ld(d->inv2 + 8 * b), ld(d->inv2_p52 + 8 * b), k);
    V X3 = _mm512_permutex2var_epi64(X2, pl, Y2), Y3 = _mm512_permutex2var_epi64(X2, ph, Y2);
    inv_bf(&X3, &Y3, ld(d->inv4 + 8 * b), ld(d->inv4_p52 + 8 * b), k);
    st(v, _mm512_shuffle_i64x2(X3, Y3, 0x44));
    st(v + 8, _mm512_shuffle_i64x2(X3, Y3, 0xEE));
  }
}

/* Last inverse stage with n^-1 folded in (inv[0] = inv[1] * n^-1), fully reduced. */
static void inv_last(const fhs_ntt_table *t, const fhs_ifma_ntt *d, uint64_t *a, const consts *k) {
  size_t h = t->n / 2;
  V ni = _mm512_set1_epi64((long long)t->n_inv), nip = _mm512_set1_epi64((long long)d->n_inv_p52);
  V w = _mm512_set1_epi64((long long)t->inv[0]), wp = _mm512_set1_epi64((long long)d->inv_p52[0]);
  for (size_t j = 0; j < h; j += 8) {
    V X = ld(a + j), Y = ld(a + j + h);
    V S = _mm512_add_epi64(X, Y);
    V D = _mm512_sub_epi64(_mm512_add_epi64(X, k->q2), Y);
    st(a + j, csub(mul_shoup(S, ni, nip, k), k->q));
    st(a + j + h, csub(mul_shoup(D, w, wp, k), k->q));
  }
}

void fhs_ntt_avx512_forward(const fhs_ntt_table *t, uint64_t *a) {
  const fhs_ifma_ntt *d = t->backend_data;
  consts k = make_consts(t->mod.value);
  for (size_t m = 1, tt = t->n / 2; tt >= 8; m <<= 1, tt >>= 1)
    fwd_stage(a, m, tt, t->fwd, d->fwd_p52, &k);
  fwd_tail(t, d, a, &k);
}

void fhs_ntt_avx512_inverse(const fhs_ntt_table *t, uint64_t *a) {
  const fhs_ifma_ntt *d = t->backend_data;
  consts k = make_consts(t->mod.value);
  inv_head(t, d, a, &k);
  for (size_t m = t->n / 16, tt = 8; m > 1; m >>= 1, tt <<= 1)
    inv_stage(a, m, tt, t->inv, d->inv_p52, &k);
  inv_last(t, d, a, &k);
}
