/* Negacyclic NTT tables and the portable transforms (Harvey's lazy butterflies).
 *
 * Table layout: fwd[k] = psi^brev(k) (k >= 1; the Cooley-Tukey stage with m groups uses
 * fwd[m..2m)), inv[k] = fwd[k]^-1 for the matching Gentleman-Sande stage, and inv[0] holds
 * inv[1] * n^-1 so the last inverse stage also applies the n^-1 scaling. */
#include <stdlib.h>
#include <string.h>

#include "ring_internal.h"

static unsigned log2_exact(size_t n) {
  unsigned l = 0;
  while (((size_t)1 << l) < n) l++;
  return l;
}

static size_t bit_reverse(size_t x, unsigned bits) {
  size_t r = 0;
  for (unsigned i = 0; i < bits; i++) r |= ((x >> i) & 1) << (bits - 1 - i);
  return r;
}

static int alloc_tables(fhs_ntt_table *t, size_t n) {
  uint64_t *block = malloc(4 * n * sizeof(uint64_t));
  if (block == NULL) return -1;
  t->fwd = block;
  t->fwd_shoup = block + n;
  t->inv = block + 2 * n;
  t->inv_shoup = block + 3 * n;
  return 0;
}

static void fill_tables(fhs_ntt_table *t) {
  const fhs_modulus *m = &t->mod;
  uint64_t q = m->value, psi_inv = fhs_mod_inv(t->psi, m);
  uint64_t pw = 1, pw_inv = 1;
  /* Walk psi^j in natural order and scatter to the bit-reversed slot. */
  for (size_t j = 0; j < t->n; j++) {
    size_t k = bit_reverse(j, t->log_n);
    t->fwd[k] = pw;
    t->inv[k] = pw_inv;
    pw = fhs_mod_mul(pw, t->psi, m);
    pw_inv = fhs_mod_mul(pw_inv, psi_inv, m);
  }
  t->n_inv = fhs_mod_inv((uint64_t)t->n % q, m);
  t->n_inv_shoup = fhs_shoup_precompute(t->n_inv, q);
  t->inv[0] = fhs_mod_mul(t->inv[1], t->n_inv, m);
  for (size_t k = 0; k < t->n; k++) {
    t->fwd_shoup[k] = fhs_shoup_precompute(t->fwd[k], q);
    t->inv_shoup[k] = fhs_shoup_precompute(t->inv[k], q);
  }
}

int fhs_ntt_table_init(fhs_ntt_table *t, uint64_t q, size_t n) {
  memset(t, 0, sizeof *t);
  if (n < 2 || n > 65536 || (n & (n - 1)) != 0) return -1;
  if (fhs_modulus_init(&t->mod, q) != 0) return -1;
  uint64_t psi = fhs_primitive_root_2n(q, n); /* also checks q prime and q = 1 mod 2n */
  if (psi == 0 || alloc_tables(t, n) != 0) {
    memset(t, 0, sizeof *t);
    return -1;
  }
  t->n = n;
  t->log_n = log2_exact(n);
  t->psi = psi;
  fill_tables(t);
#ifdef FHS_HAVE_AVX512IFMA
  if (fhs_ntt_ifma_prepare(t) != 0) {
    fhs_ntt_table_free(t);
    return -1;
  }
#endif
  return 0;
}

void fhs_ntt_table_free(fhs_ntt_table *t) {
  free(t->backend_data); /* one block, see fhs_ntt_ifma_prepare */
  free(t->fwd);
  memset(t, 0, sizeof *t);
}

/* ---------- portable forward ---------- */

/* x, y in [0, 4q) -> x + w*y, x - w*y, both in [0, 4q). */
static inline void fwd_butterfly(uint64_t *x, uint64_t *y, uint64_t w, uint64_t wp, uint64_t q) {
  uint64_t q2 = 2 * q, X = *x;
  X = fhs_csub(X, q2);
  uint64_t T = fhs_mod_mul_shoup_lazy(*y, w, wp, q);
  *x = X + T;
  *y = X - T + q2;
}

static inline uint64_t reduce_4q(uint64_t x, uint64_t q) {
  return fhs_csub(fhs_csub(x, 2 * q), q);
}

static void fwd_stage(uint64_t *a, size_t m, size_t t, const uint64_t *w, const uint64_t *wp,
                      uint64_t q) {
  for (size_t i = 0; i < m; i++) {
    uint64_t *x = a + 2 * i * t, *y = x + t;
    uint64_t W = w[m + i], Wp = wp[m + i];
    for (size_t j = 0; j < t; j++) fwd_butterfly(&x[j], &y[j], W, Wp, q);
  }
}

/* Stages (m, t) and (2m, t/2) in one pass over the data: each 4-tuple at distance t/2 is
 * loaded and stored once instead of twice. */
static void fwd_radix4(uint64_t *a, size_t m, size_t t, const uint64_t *w, const uint64_t *wp,
                       uint64_t q) {
  size_t h = t / 2;
  for (size_t i = 0; i < m; i++) {
    uint64_t *x0 = a + 2 * i * t, *x1 = x0 + h, *x2 = x0 + t, *x3 = x2 + h;
    uint64_t w1 = w[m + i], w1p = wp[m + i];
    uint64_t w2 = w[2 * m + 2 * i], w2p = wp[2 * m + 2 * i];
    uint64_t w3 = w[2 * m + 2 * i + 1], w3p = wp[2 * m + 2 * i + 1];
    for (size_t j = 0; j < h; j++) {
      uint64_t X0 = x0[j], X1 = x1[j], X2 = x2[j], X3 = x3[j];
      fwd_butterfly(&X0, &X2, w1, w1p, q);
      fwd_butterfly(&X1, &X3, w1, w1p, q);
      fwd_butterfly(&X0, &X1, w2, w2p, q);
      fwd_butterfly(&X2, &X3, w3, w3p, q);
      x0[j] = X0;
      x1[j] = X1;
      x2[j] = X2;
      x3[j] = X3;
    }
  }
}

/* The last two stages (t = 2, 1) per 4-element group, finishing with the reduction to
 * [0, q): saves a pass over the data and the short inner loops. */
static void fwd_last_two(uint64_t *a, size_t n, const uint64_t *w, const uint64_t *wp,
                         uint64_t q) {
  size_t m2 = n / 4, m1 = n / 2;
  for (size_t i = 0; i < m2; i++) {
    uint64_t *v = a + 4 * i;
    uint64_t X0 = v[0], X1 = v[1], X2 = v[2], X3 = v[3];
    uint64_t W = w[m2 + i], Wp = wp[m2 + i];
    fwd_butterfly(&X0, &X2, W, Wp, q);
    fwd_butterfly(&X1, &X3, W, Wp, q);
    fwd_butterfly(&X0, &X1, w[m1 + 2 * i], wp[m1 + 2 * i], q);
    fwd_butterfly(&X2, &X3, w[m1 + 2 * i + 1], wp[m1 + 2 * i + 1], q);
    v[0] = reduce_4q(X0, q);
    v[1] = reduce_4q(X1, q);
    v[2] = reduce_4q(X2, q);
    v[3] = reduce_4q(X3, q);
  }
}

/* Stages t = n/2 .. 4 in radix-4 passes (one radix-2 pass when their count is odd), then
 * the merged last two. */
static void portable_forward(const fhs_ntt_table *t, uint64_t *a) {
  size_t n = t->n, m = 1, tt = n / 2;
  uint64_t q = t->mod.value;
  if (n == 2) {
    fwd_butterfly(&a[0], &a[1], t->fwd[1], t->fwd_shoup[1], q);
    a[0] = reduce_4q(a[0], q);
    a[1] = reduce_4q(a[1], q);
    return;
  }
  if ((t->log_n - 2) % 2 == 1) {
    fwd_stage(a, m, tt, t->fwd, t->fwd_shoup, q);
    m <<= 1;
    tt >>= 1;
  }
  for (; tt > 2; m <<= 2, tt >>= 2) fwd_radix4(a, m, tt, t->fwd, t->fwd_shoup, q);
  fwd_last_two(a, n, t->fwd, t->fwd_shoup, q);
}

/* ---------- portable inverse ---------- */

/* x, y in [0, 2q) -> x + y, (x - y) * w, both in [0, 2q). */
static inline void inv_butterfly(uint64_t *x, uint64_t *y, uint64_t w, uint64_t wp, uint64_t q) {
  uint64_t q2 = 2 * q, X = *x, Y = *y;
  uint64_t U = X + Y;
  U = fhs_csub(U, q2);
  *x = U;
  *y = fhs_mod_mul_shoup_lazy(X - Y + q2, w, wp, q);
}

static void inv_stage(uint64_t *a, size_t m, size_t t, const uint64_t *w, const uint64_t *wp,
                      uint64_t q) {
  for (size_t i = 0; i < m; i++) {
    uint64_t *x = a + 2 * i * t, *y = x + t;
    uint64_t W = w[m + i], Wp = wp[m + i];
    for (size_t j = 0; j < t; j++) inv_butterfly(&x[j], &y[j], W, Wp, q);
  }
}

/* Stages (2m, t) and (m, 2t) in one pass; m counts the groups of the second stage. */
static void inv_radix4(uint64_t *a, size_t m, size_t t, const uint64_t *w, const uint64_t *wp,
                       uint64_t q) {
  for (size_t i = 0; i < m; i++) {
    uint64_t *x0 = a + 4 * i * t, *x1 = x0 + t, *x2 = x1 + t, *x3 = x2 + t;
    uint64_t wa = w[2 * m + 2 * i], wap = wp[2 * m + 2 * i];
    uint64_t wb = w[2 * m + 2 * i + 1], wbp = wp[2 * m + 2 * i + 1];
    uint64_t wc = w[m + i], wcp = wp[m + i];
    for (size_t j = 0; j < t; j++) {
      uint64_t X0 = x0[j], X1 = x1[j], X2 = x2[j], X3 = x3[j];
      inv_butterfly(&X0, &X1, wa, wap, q);
      inv_butterfly(&X2, &X3, wb, wbp, q);
      inv_butterfly(&X0, &X2, wc, wcp, q);
      inv_butterfly(&X1, &X3, wc, wcp, q);
      x0[j] = X0;
      x1[j] = X1;
      x2[j] = X2;
      x3[j] = X3;
    }
  }
}

/* The scaling last stage on one pair: n^-1 folded into both outputs, fully reduced. */
static inline void inv_last_pair(uint64_t *x, uint64_t *y, const fhs_ntt_table *t) {
  uint64_t q = t->mod.value, X = *x, Y = *y;
  *x = fhs_mod_mul_shoup(X + Y, t->n_inv, t->n_inv_shoup, q);
  *y = fhs_mod_mul_shoup(X - Y + 2 * q, t->inv[0], t->inv_shoup[0], q);
}

static void inv_last(const fhs_ntt_table *t, uint64_t *a) {
  size_t h = t->n / 2;
  for (size_t j = 0; j < h; j++) inv_last_pair(&a[j], &a[j + h], t);
}

/* The stages t = n/4 and n/2 together, the second one scaling. */
static void inv_last_two(const fhs_ntt_table *t, uint64_t *a) {
  size_t qn = t->n / 4;
  uint64_t q = t->mod.value;
  uint64_t wa = t->inv[2], wap = t->inv_shoup[2], wb = t->inv[3], wbp = t->inv_shoup[3];
  for (size_t j = 0; j < qn; j++) {
    uint64_t X0 = a[j], X1 = a[j + qn], X2 = a[j + 2 * qn], X3 = a[j + 3 * qn];
    inv_butterfly(&X0, &X1, wa, wap, q);
    inv_butterfly(&X2, &X3, wb, wbp, q);
    inv_last_pair(&X0, &X2, t);
    inv_last_pair(&X1, &X3, t);
    a[j] = X0;
    a[j + qn] = X1;
    a[j + 2 * qn] = X2;
    a[j + 3 * qn] = X3;
  }
}

/* Radix-4 passes from t = 1 upwards; a radix-2 pass first when the stage count is odd. The
 * last pass carries the n^-1 scaling. */
static void portable_inverse(const fhs_ntt_table *t, uint64_t *a) {
  size_t n = t->n, m = n / 2, tt = 1;
  uint64_t q = t->mod.value;
  if (t->log_n % 2 == 1) {
    if (n == 2) {
      inv_last(t, a);
      return;
    }
    inv_stage(a, m, tt, t->inv, t->inv_shoup, q);
    m >>= 1;
    tt <<= 1;
  }
  for (; m > 2; m >>= 2, tt <<= 2) inv_radix4(a, m / 2, tt, t->inv, t->inv_shoup, q);
  inv_last_two(t, a);
}

/* ---------- dispatch ---------- */

static int table_uses_ifma(const fhs_ntt_table *t) {
  return t->backend_data != NULL && fhs_ring_use_ifma(&t->mod);
}

void fhs_ntt_forward(const fhs_ntt_table *t, uint64_t *a) {
#ifdef FHS_HAVE_AVX512IFMA
  if (table_uses_ifma(t)) {
    fhs_ntt_avx512_forward(t, a);
    return;
  }
#endif
  portable_forward(t, a);
}

void fhs_ntt_inverse(const fhs_ntt_table *t, uint64_t *a) {
#ifdef FHS_HAVE_AVX512IFMA
  if (table_uses_ifma(t)) {
    fhs_ntt_avx512_inverse(t, a);
    return;
  }
#endif
  portable_inverse(t, a);
}
