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
static inline V bcast(uint64_t x) { return _mm512_set1_epi64((long long)x); }

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

/* x in [0, 4q) (or [0, 2q) when reduced_x), y in [0, 4q) -> x + w*y, x - w*y in [0, 4q). */
static inline void fwd_bf_in(V *x, V *y, V w, V wp, const consts *k, int reduced_x) {
  V X = reduced_x ? *x : csub(*x, k->q2);
  V T = mul_shoup(*y, w, wp, k);
  *x = _mm512_add_epi64(X, T);
  *y = _mm512_sub_epi64(_mm512_add_epi64(X, k->q2), T);
}

static inline void fwd_bf(V *x, V *y, V w, V wp, const consts *k) { fwd_bf_in(x, y, w, wp, k, 0); }

static inline void inv_bf(V *x, V *y, V w, V wp, const consts *k) {
  V X = *x, Y = *y;
  *x = csub(_mm512_add_epi64(X, Y), k->q2);
  *y = mul_shoup(_mm512_sub_epi64(_mm512_add_epi64(X, k->q2), Y), w, wp, k);
}

/* One stage with t >= 8: every vector pairs with the one t words later. `first` marks the
 * transform's first stage, whose inputs are still in [0, q) and need no reduction before
 * the butterfly (loop-invariant, so the compiler hoists the test). */
static void fwd_stage(uint64_t *a, size_t m, size_t t, const uint64_t *w, const uint64_t *wp,
                      const consts *k, int first) {
  for (size_t i = 0; i < m; i++) {
    uint64_t *x = a + 2 * i * t, *y = x + t;
    V W = _mm512_set1_epi64((long long)w[m + i]), WP = _mm512_set1_epi64((long long)wp[m + i]);
    for (size_t j = 0; j < t; j += 8) {
      V X = ld(x + j), Y = ld(y + j);
      fwd_bf_in(&X, &Y, W, WP, k, first);
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

/* Stages (m, t) and (2m, t/2), t >= 16, in one pass: four vectors loaded and stored once. */
static void fwd_radix4(uint64_t *a, size_t m, size_t t, const uint64_t *w, const uint64_t *wp,
                       const consts *k, int first) {
  size_t h = t / 2;
  for (size_t i = 0; i < m; i++) {
    uint64_t *x0 = a + 2 * i * t, *x1 = x0 + h, *x2 = x0 + t, *x3 = x2 + h;
    V w1 = bcast(w[m + i]), w1p = bcast(wp[m + i]);
    V w2 = bcast(w[2 * m + 2 * i]), w2p = bcast(wp[2 * m + 2 * i]);
    V w3 = bcast(w[2 * m + 2 * i + 1]), w3p = bcast(wp[2 * m + 2 * i + 1]);
    for (size_t j = 0; j < h; j += 8) {
      V X0 = ld(x0 + j), X1 = ld(x1 + j), X2 = ld(x2 + j), X3 = ld(x3 + j);
      fwd_bf_in(&X0, &X2, w1, w1p, k, first);
      fwd_bf_in(&X1, &X3, w1, w1p, k, first);
      fwd_bf(&X0, &X1, w2, w2p, k);
      fwd_bf(&X2, &X3, w3, w3p, k);
      st(x0 + j, X0);
      st(x1 + j, X1);
      st(x2 + j, X2);
      st(x3 + j, X3);
    }
  }
}

/* Stages (m, t), (2m, t/2), (4m, t/4), t >= 32: eight vectors per load/store round. The
 * 7 twiddle pairs, 8 data vectors and constants fit the 32 vector registers. */
static void fwd_radix8(uint64_t *a, size_t m, size_t t, const uint64_t *w, const uint64_t *wp,
                       const consts *k, int first) {
  size_t e = t / 4;
  for (size_t i = 0; i < m; i++) {
    uint64_t *x = a + 2 * i * t;
    V w1 = bcast(w[m + i]), w1p = bcast(wp[m + i]);
    V w2[2], w2p[2], w4[4], w4p[4];
    for (int r = 0; r < 2; r++) {
      w2[r] = bcast(w[2 * m + 2 * i + r]);
      w2p[r] = bcast(wp[2 * m + 2 * i + r]);
    }
    for (int r = 0; r < 4; r++) {
      w4[r] = bcast(w[4 * m + 4 * i + r]);
      w4p[r] = bcast(wp[4 * m + 4 * i + r]);
    }
    for (size_t j = 0; j < e; j += 8) {
      V X[8];
      for (int r = 0; r < 8; r++) X[r] = ld(x + r * e + j);
      for (int r = 0; r < 4; r++) fwd_bf_in(&X[r], &X[r + 4], w1, w1p, k, first);
      for (int r = 0; r < 4; r++) fwd_bf(&X[r + (r & 2)], &X[r + (r & 2) + 2], w2[r >> 1], w2p[r >> 1], k);
      for (int r = 0; r < 4; r++) fwd_bf(&X[2 * r], &X[2 * r + 1], w4[r], w4p[r], k);
      for (int r = 0; r < 8; r++) st(x + r * e + j, X[r]);
    }
  }
}

/* Stages (2m, t) and (m, 2t), t >= 8; m counts the groups of the second stage. */
static void inv_radix4(uint64_t *a, size_t m, size_t t, const uint64_t *w, const uint64_t *wp,
                       const consts *k) {
  for (size_t i = 0; i < m; i++) {
    uint64_t *x0 = a + 4 * i * t, *x1 = x0 + t, *x2 = x1 + t, *x3 = x2 + t;
    V wa = bcast(w[2 * m + 2 * i]), wap = bcast(wp[2 * m + 2 * i]);
    V wb = bcast(w[2 * m + 2 * i + 1]), wbp = bcast(wp[2 * m + 2 * i + 1]);
    V wc = bcast(w[m + i]), wcp = bcast(wp[m + i]);
    for (size_t j = 0; j < t; j += 8) {
      V X0 = ld(x0 + j), X1 = ld(x1 + j), X2 = ld(x2 + j), X3 = ld(x3 + j);
      inv_bf(&X0, &X1, wa, wap, k);
      inv_bf(&X2, &X3, wb, wbp, k);
      inv_bf(&X0, &X2, wc, wcp, k);
      inv_bf(&X1, &X3, wc, wcp, k);
      st(x0 + j, X0);
      st(x1 + j, X1);
      st(x2 + j, X2);
      st(x3 + j, X3);
    }
  }
}

/* Stages (4m, t), (2m, 2t), (m, 4t), t >= 8; m counts the groups of the third stage. */
static void inv_radix8(uint64_t *a, size_t m, size_t t, const uint64_t *w, const uint64_t *wp,
                       const consts *k) {
  for (size_t i = 0; i < m; i++) {
    uint64_t *x = a + 8 * i * t;
    V w1 = bcast(w[m + i]), w1p = bcast(wp[m + i]);
    V w2[2], w2p[2], w4[4], w4p[4];
    for (int r = 0; r < 2; r++) {
      w2[r] = bcast(w[2 * m + 2 * i + r]);
      w2p[r] = bcast(wp[2 * m + 2 * i + r]);
    }
    for (int r = 0; r < 4; r++) {
      w4[r] = bcast(w[4 * m + 4 * i + r]);
      w4p[r] = bcast(wp[4 * m + 4 * i + r]);
    }
    for (size_t j = 0; j < t; j += 8) {
      V X[8];
      for (int r = 0; r < 8; r++) X[r] = ld(x + r * t + j);
      for (int r = 0; r < 4; r++) inv_bf(&X[2 * r], &X[2 * r + 1], w4[r], w4p[r], k);
      for (int r = 0; r < 4; r++) inv_bf(&X[r + (r & 2)], &X[r + (r & 2) + 2], w2[r >> 1], w2p[r >> 1], k);
      for (int r = 0; r < 4; r++) inv_bf(&X[r], &X[r + 4], w1, w1p, k);
      for (int r = 0; r < 8; r++) st(x + r * t + j, X[r]);
    }
  }
}

/* The stages t = 4, 2, 1 act inside 16-element blocks e0..e15 held in two vectors. Lanes
 * are arranged so that most transitions are cheap 128-bit-lane shuffles or unpacks; the
 * twiddle arrays follow the same lane order (ntt_ifma_tables.c):
 *   t = 4 (forward): X = e0-3 e8-11,              Y = e4-7 e12-15
 *   t = 4 (inverse): X = e0 e1 e8 e9 e2 e3 e10 e11, Y = e4 e5 e12 e13 e6 e7 e14 e15
 *   t = 2:           X = e0 e1 e8 e9 e4 e5 e12 e13, Y = e2 e3 e10 e11 e6 e7 e14 e15
 *   t = 1:           X = e0 e2 e8 e10 e4 e6 e12 e14, Y = X + 1 element-wise
 * 0x44/0xEE take 128-bit lanes {0,1} / {2,3} of each source, 0x88/0xDD lanes {0,2} / {1,3}. */
static inline V idx_t1_x(void) { return _mm512_set_epi64(14, 12, 6, 4, 10, 8, 2, 0); }
static inline V idx_t1_y(void) { return _mm512_set_epi64(15, 13, 7, 5, 11, 9, 3, 1); }
static inline V idx_out_lo(void) { return _mm512_set_epi64(13, 5, 12, 4, 9, 1, 8, 0); }
static inline V idx_out_hi(void) { return _mm512_set_epi64(15, 7, 14, 6, 11, 3, 10, 2); }

/* Stages t = 4, 2, 1 on `units` consecutive blocks from block b0, interleaved stage by
 * stage: one block is a long dependency chain, and a second one gives the out-of-order core
 * independent work meanwhile. Ends with the reduction to [0, q). */
static inline __attribute__((always_inline)) void fwd_tail_blocks(
    const fhs_ifma_ntt *d, uint64_t *a, size_t b0, int units, const consts *k) {
  V X[2], Y[2];
  for (int u = 0; u < units; u++) {
    size_t o = 8 * (b0 + u);
    V v0 = ld(a + 2 * o), v1 = ld(a + 2 * o + 8);
    X[u] = _mm512_shuffle_i64x2(v0, v1, 0x44);
    Y[u] = _mm512_shuffle_i64x2(v0, v1, 0xEE);
    fwd_bf(&X[u], &Y[u], ld(d->fwd4 + o), ld(d->fwd4_p52 + o), k);
  }
  for (int u = 0; u < units; u++) {
    size_t o = 8 * (b0 + u);
    V x = _mm512_shuffle_i64x2(X[u], Y[u], 0x88), y = _mm512_shuffle_i64x2(X[u], Y[u], 0xDD);
    fwd_bf(&x, &y, ld(d->fwd2 + o), ld(d->fwd2_p52 + o), k);
    X[u] = _mm512_unpacklo_epi64(x, y);
    Y[u] = _mm512_unpackhi_epi64(x, y);
  }
  for (int u = 0; u < units; u++) {
    size_t o = 8 * (b0 + u);
    fwd_bf(&X[u], &Y[u], ld(d->fwd1 + o), ld(d->fwd1_p52 + o), k);
    V x = csub(csub(X[u], k->q2), k->q), y = csub(csub(Y[u], k->q2), k->q);
    st(a + 2 * o, _mm512_permutex2var_epi64(x, idx_out_lo(), y));
    st(a + 2 * o + 8, _mm512_permutex2var_epi64(x, idx_out_hi(), y));
  }
}

static void fwd_tail(const fhs_ntt_table *t, const fhs_ifma_ntt *d, uint64_t *a, const consts *k) {
  size_t blocks = t->n / 16;
  if (blocks == 1) {
    fwd_tail_blocks(d, a, 0, 1, k);
    return;
  }
  for (size_t b = 0; b < blocks; b += 2) fwd_tail_blocks(d, a, b, 2, k);
}

/* Stages t = 1, 2, 4 on `units` blocks (the forward tail run backwards). */
static inline __attribute__((always_inline)) void inv_head_blocks(
    const fhs_ifma_ntt *d, uint64_t *a, size_t b0, int units, const consts *k) {
  V X[2], Y[2];
  for (int u = 0; u < units; u++) {
    size_t o = 8 * (b0 + u);
    V v0 = ld(a + 2 * o), v1 = ld(a + 2 * o + 8);
    X[u] = _mm512_permutex2var_epi64(v0, idx_t1_x(), v1);
    Y[u] = _mm512_permutex2var_epi64(v0, idx_t1_y(), v1);
    inv_bf(&X[u], &Y[u], ld(d->inv1 + o), ld(d->inv1_p52 + o), k);
  }
  for (int u = 0; u < units; u++) {
    size_t o = 8 * (b0 + u);
    V x = _mm512_unpacklo_epi64(X[u], Y[u]), y = _mm512_unpackhi_epi64(X[u], Y[u]);
    inv_bf(&x, &y, ld(d->inv2 + o), ld(d->inv2_p52 + o), k);
    X[u] = _mm512_shuffle_i64x2(x, y, 0x44);
    Y[u] = _mm512_shuffle_i64x2(x, y, 0xEE);
  }
  for (int u = 0; u < units; u++) {
    size_t o = 8 * (b0 + u);
    inv_bf(&X[u], &Y[u], ld(d->inv4 + o), ld(d->inv4_p52 + o), k);
    st(a + 2 * o, _mm512_shuffle_i64x2(X[u], Y[u], 0x88));
    st(a + 2 * o + 8, _mm512_shuffle_i64x2(X[u], Y[u], 0xDD));
  }
}

static void inv_head(const fhs_ntt_table *t, const fhs_ifma_ntt *d, uint64_t *a, const consts *k) {
  size_t blocks = t->n / 16;
  if (blocks == 1) {
    inv_head_blocks(d, a, 0, 1, k);
    return;
  }
  for (size_t b = 0; b < blocks; b += 2) inv_head_blocks(d, a, b, 2, k);
}

/* The scaling last stage on one vector pair: n^-1 folded into both outputs (inv[0] =
 * inv[1] * n^-1), fully reduced. */
typedef struct {
  V ni, nip, w, wp;
} scaling;

static scaling make_scaling(const fhs_ntt_table *t, const fhs_ifma_ntt *d) {
  scaling s = {bcast(t->n_inv), bcast(d->n_inv_p52), bcast(t->inv[0]), bcast(d->inv_p52[0])};
  return s;
}

static inline void inv_last_bf(V *x, V *y, const scaling *s, const consts *k) {
  V X = *x, Y = *y;
  V S = _mm512_add_epi64(X, Y);
  V D = _mm512_sub_epi64(_mm512_add_epi64(X, k->q2), Y);
  *x = csub(mul_shoup(S, s->ni, s->nip, k), k->q);
  *y = csub(mul_shoup(D, s->w, s->wp, k), k->q);
}

static void inv_last(const fhs_ntt_table *t, const fhs_ifma_ntt *d, uint64_t *a, const consts *k) {
  size_t h = t->n / 2;
  scaling s = make_scaling(t, d);
  for (size_t j = 0; j < h; j += 8) {
    V X = ld(a + j), Y = ld(a + j + h);
    inv_last_bf(&X, &Y, &s, k);
    st(a + j, X);
    st(a + j + h, Y);
  }
}

/* Stages t = n/4 and n/2 together, the second one scaling; needs n >= 32. */
static void inv_last_two(const fhs_ntt_table *t, const fhs_ifma_ntt *d, uint64_t *a, const consts *k) {
  size_t qn = t->n / 4;
  scaling s = make_scaling(t, d);
  V wa = bcast(t->inv[2]), wap = bcast(d->inv_p52[2]), wb = bcast(t->inv[3]), wbp = bcast(d->inv_p52[3]);
  for (size_t j = 0; j < qn; j += 8) {
    V X0 = ld(a + j), X1 = ld(a + j + qn), X2 = ld(a + j + 2 * qn), X3 = ld(a + j + 3 * qn);
    inv_bf(&X0, &X1, wa, wap, k);
    inv_bf(&X2, &X3, wb, wbp, k);
    inv_last_bf(&X0, &X2, &s, k);
    inv_last_bf(&X1, &X3, &s, k);
    st(a + j, X0);
    st(a + j + qn, X1);
    st(a + j + 2 * qn, X2);
    st(a + j + 3 * qn, X3);
  }
}

/* How many stages the next pass merges when `left` remain: threes where possible, never
 * leaving a lone stage behind unless only one was there. */
static unsigned pass_width(unsigned left) {
  if (left >= 3 && left != 4) return 3;
  return left >= 2 ? 2 : 1;
}

/* Stages t = n/2 .. 8 in passes of up to three, then the shuffled tail t = 4, 2, 1. */
void fhs_ntt_avx512_forward(const fhs_ntt_table *t, uint64_t *a) {
  const fhs_ifma_ntt *d = t->backend_data;
  consts k = make_consts(t->mod.value);
  size_t m = 1, tt = t->n / 2;
  for (unsigned left = t->log_n - 3, width; left > 0; left -= width, m <<= width, tt >>= width) {
    width = pass_width(left);
    if (width == 3 && m == 1) fwd_radix8(a, m, tt, t->fwd, d->fwd_p52, &k, 1);
    else if (width == 3) fwd_radix8(a, m, tt, t->fwd, d->fwd_p52, &k, 0);
    else if (width == 2 && m == 1) fwd_radix4(a, m, tt, t->fwd, d->fwd_p52, &k, 1);
    else if (width == 2) fwd_radix4(a, m, tt, t->fwd, d->fwd_p52, &k, 0);
    else fwd_stage(a, m, tt, t->fwd, d->fwd_p52, &k, m == 1);
  }
  fwd_tail(t, d, a, &k);
}

/* Shuffled head t = 1, 2, 4, passes of up to three stages, and the scaling last pair. */
void fhs_ntt_avx512_inverse(const fhs_ntt_table *t, uint64_t *a) {
  const fhs_ifma_ntt *d = t->backend_data;
  consts k = make_consts(t->mod.value);
  inv_head(t, d, a, &k);
  if (t->n == 16) {
    inv_last(t, d, a, &k);
    return;
  }
  size_t m = t->n / 16, tt = 8; /* m: groups of the next stage */
  for (unsigned left = t->log_n - 5, width; left > 0; left -= width, m >>= width, tt <<= width) {
    width = pass_width(left);
    if (width == 3) inv_radix8(a, m / 4, tt, t->inv, d->inv_p52, &k);
    else if (width == 2) inv_radix4(a, m / 2, tt, t->inv, d->inv_p52, &k);
    else inv_stage(a, m, tt, t->inv, d->inv_p52, &k);
  }
  inv_last_two(t, d, a, &k);
}
