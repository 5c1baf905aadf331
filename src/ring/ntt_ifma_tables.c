/* Twiddle layouts for the AVX-512 IFMA NTT. Plain C in a normally compiled file: building
 * them must not execute AVX-512 instructions. */
#include <stdlib.h>
#include <string.h>

#include "ring_internal.h"

#ifdef FHS_HAVE_AVX512IFMA

enum { HEADER_BYTES = 128, N_ARRAYS = 14, N_HALF_ARRAYS = 12 };
_Static_assert(sizeof(fhs_ifma_ntt) <= HEADER_BYTES, "arrays start after the header");

static uint64_t shoup52(uint64_t w, uint64_t q) {
  return (uint64_t)(((unsigned __int128)w << 52) / q);
}

/* Which twiddle of the block each lane needs; these mirror the shuffles in ntt_avx512.c. */
typedef struct {
  size_t base_div, per_block; /* stage base n / base_div; groups per 16-element block */
  unsigned char pattern[8];
} lane_layout;

static const lane_layout FWD4 = {8, 2, {0, 0, 0, 0, 1, 1, 1, 1}};
static const lane_layout INV4 = {8, 2, {0, 0, 1, 1, 0, 0, 1, 1}};
static const lane_layout X2 = {4, 4, {0, 0, 2, 2, 1, 1, 3, 3}};
static const lane_layout X1 = {2, 8, {0, 1, 4, 5, 2, 3, 6, 7}};

static void expand(const uint64_t *w, size_t n, const lane_layout *lay, uint64_t q, uint64_t *out,
                   uint64_t *out_p) {
  for (size_t j = 0; j < n / 2; j++) {
    out[j] = w[n / lay->base_div + lay->per_block * (j / 8) + lay->pattern[j % 8]];
    out_p[j] = shoup52(out[j], q);
  }
}

static void fill(fhs_ifma_ntt *d, const fhs_ntt_table *t) {
  size_t n = t->n;
  uint64_t q = t->mod.value;
  for (size_t k = 0; k < n; k++) {
    d->fwd_p52[k] = shoup52(t->fwd[k], q);
    d->inv_p52[k] = shoup52(t->inv[k], q);
  }
  expand(t->fwd, n, &FWD4, q, d->fwd4, d->fwd4_p52);
  expand(t->fwd, n, &X2, q, d->fwd2, d->fwd2_p52);
  expand(t->fwd, n, &X1, q, d->fwd1, d->fwd1_p52);
  expand(t->inv, n, &INV4, q, d->inv4, d->inv4_p52);
  expand(t->inv, n, &X2, q, d->inv2, d->inv2_p52);
  expand(t->inv, n, &X1, q, d->inv1, d->inv1_p52);
  d->n_inv_p52 = shoup52(t->n_inv, q);
}

int fhs_ntt_ifma_prepare(fhs_ntt_table *t) {
  t->backend_data = NULL;
  if (!fhs_cpu_has_avx512ifma() || t->n < FHS_IFMA_MIN_N || t->mod.bits > FHS_IFMA_MAX_BITS ||
      (t->mod.value & 1) == 0)
    return 0;
  size_t n = t->n, words = N_HALF_ARRAYS * (n / 2) + (N_ARRAYS - N_HALF_ARRAYS) * n;
  unsigned char *block = aligned_alloc(64, HEADER_BYTES + words * sizeof(uint64_t));
  if (block == NULL) return -1;
  fhs_ifma_ntt *d = (fhs_ifma_ntt *)block;
  uint64_t *p = (uint64_t *)(block + HEADER_BYTES);
  uint64_t **arrays[N_ARRAYS] = {&d->fwd4, &d->fwd4_p52, &d->fwd2, &d->fwd2_p52, &d->fwd1,
                                 &d->fwd1_p52, &d->inv4, &d->inv4_p52, &d->inv2, &d->inv2_p52,
                                 &d->inv1, &d->inv1_p52, &d->fwd_p52, &d->inv_p52};
  for (int i = 0; i < N_ARRAYS; i++) {
    *arrays[i] = p;
    p += i < N_HALF_ARRAYS ? n / 2 : n;
  }
  fill(d, t);
  t->backend_data = d;
  return 0;
}

#else
typedef int fhs_ntt_ifma_tables_unused; /* ISO C forbids an empty translation unit */
#endif
