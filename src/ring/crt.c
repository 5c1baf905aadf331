/* Multi-word integers and CRT reconstruction. Loops run over a word count fixed by Q
 * (public), and carries and selections are arithmetic, so timing does not depend on the
 * residues being reconstructed. */
#include <string.h>

#include "ring.h"

typedef unsigned __int128 u128;

/* Words needed for values below count * Q: Q's words plus one (count <= 32). */
static size_t crt_words(const fhs_crt *c) {
  return (size_t)(c->Q_bits + 63) / 64 + 1;
}

/* acc += b * w over `words` words; the caller guarantees no overflow past them. */
static void big_mul_word_add(uint64_t *acc, const uint64_t *b, uint64_t w, size_t words) {
  uint64_t carry = 0;
  for (size_t i = 0; i < words; i++) {
    u128 t = (u128)b[i] * w + acc[i] + carry;
    acc[i] = (uint64_t)t;
    carry = (uint64_t)(t >> 64);
  }
}

/* d = a - b over `words` words; returns the final borrow (1 when a < b). */
static uint64_t big_sub(uint64_t *d, const uint64_t *a, const uint64_t *b, size_t words) {
  uint64_t borrow = 0;
  for (size_t i = 0; i < words; i++) {
    u128 t = (u128)a[i] - b[i] - borrow;
    d[i] = (uint64_t)t;
    borrow = (uint64_t)(t >> 64) & 1;
  }
  return borrow;
}

/* x = mask ? y : x, word by word. */
static void big_select(uint64_t *x, const uint64_t *y, uint64_t mask, size_t words) {
  for (size_t i = 0; i < words; i++) x[i] = (y[i] & mask) | (x[i] & ~mask);
}

static void big_set_word(fhs_big *x, uint64_t v) {
  memset(x, 0, sizeof *x);
  x->w[0] = v;
}

int fhs_big_cmp(const fhs_big *a, const fhs_big *b) {
  int r = 0;
  for (size_t i = 0; i < FHS_BIG_WORDS; i++) {
    int gt = a->w[i] > b->w[i], lt = a->w[i] < b->w[i];
    int differ = -(gt | lt); /* higher words override lower ones */
    r = ((gt - lt) & differ) | (r & ~differ);
  }
  return r;
}

unsigned fhs_big_bits(const fhs_big *x) {
  unsigned bits = 0;
  for (size_t i = 0; i < FHS_BIG_WORDS; i++) {
    uint64_t w = x->w[i];
    unsigned len = 64u - (unsigned)__builtin_clzll(w | 1); /* 1 for w in {0, 1} */
    unsigned mask = -(unsigned)(w != 0);
    bits = ((unsigned)(64 * i + len) & mask) | (bits & ~mask);
  }
  return bits;
}

uint64_t fhs_big_mod(const fhs_big *x, const fhs_modulus *m) {
  uint64_t r = 0;
  for (size_t i = FHS_BIG_WORDS; i-- > 0;)
    r = fhs_mod_reduce128(((u128)r << 64) | x->w[i], m);
  return r;
}

static int check_primes(const uint64_t *primes, size_t count) {
  if (count == 0 || count > FHS_RNS_MAX) return -1;
  for (size_t i = 0; i < count; i++) {
    if (primes[i] < 2 || primes[i] >= ((uint64_t)1 << FHS_MODULUS_MAX_BITS)) return -1;
    for (size_t j = 0; j < i; j++)
      if (primes[j] == primes[i]) return -1;
  }
  return 0;
}

static void product_except(const uint64_t *primes, size_t count, size_t skip, fhs_big *out) {
  big_set_word(out, 1);
  for (size_t j = 0; j < count; j++) {
    if (j == skip) continue;
    fhs_big t;
    memset(&t, 0, sizeof t);
    big_mul_word_add(t.w, out->w, primes[j], FHS_BIG_WORDS);
    *out = t;
  }
}

int fhs_crt_init(fhs_crt *c, const uint64_t *primes, size_t count) {
  memset(c, 0, sizeof *c);
  if (check_primes(primes, count) != 0) return -1;
  c->count = count;
  for (size_t i = 0; i < count; i++) {
    c->q[i] = primes[i];
    fhs_modulus_init(&c->mod[i], primes[i]);
  }
  product_except(primes, count, count, &c->Q);
  c->Q_bits = fhs_big_bits(&c->Q);
  for (size_t i = 0; i + 1 < FHS_BIG_WORDS; i++)
    c->Q_half.w[i] = (c->Q.w[i] >> 1) | (c->Q.w[i + 1] << 63);
  c->Q_half.w[FHS_BIG_WORDS - 1] = c->Q.w[FHS_BIG_WORDS - 1] >> 1;
  for (size_t i = 0; i < count; i++) {
    product_except(primes, count, i, &c->Q_over_qi[i]);
    uint64_t r = fhs_big_mod(&c->Q_over_qi[i], &c->mod[i]);
    if (r == 0) {
      memset(c, 0, sizeof *c);
      return -1; /* moduli not coprime */
    }
    c->Q_over_qi_inv[i] = fhs_mod_inv(r, &c->mod[i]);
  }
  return 0;
}

/* x = sum_i [r_i * (Q/q_i)^-1 mod q_i] * (Q/q_i) is < count * Q; count masked subtractions
 * of Q bring it into [0, Q) without looking at x. */
void fhs_crt_reconstruct(const fhs_crt *c, const uint64_t *r, size_t stride, fhs_big *x) {
  size_t words = crt_words(c);
  memset(x, 0, sizeof *x);
  for (size_t i = 0; i < c->count; i++) {
    uint64_t y = fhs_mod_mul(r[i * stride], c->Q_over_qi_inv[i], &c->mod[i]);
    big_mul_word_add(x->w, c->Q_over_qi[i].w, y, words);
  }
  for (size_t i = 0; i < c->count; i++) {
    uint64_t d[FHS_BIG_WORDS];
    uint64_t borrow = big_sub(d, x->w, c->Q.w, words);
    big_select(x->w, d, borrow - 1, words);
  }
}

void fhs_crt_reconstruct_centered(const fhs_crt *c, const uint64_t *r, size_t stride, fhs_big *abs_x, int *neg) {
  size_t words = crt_words(c);
  fhs_crt_reconstruct(c, r, stride, abs_x);
  uint64_t d[FHS_BIG_WORDS];
  /* x > floor(Q/2) iff floor(Q/2) - x borrows. */
  uint64_t above = big_sub(d, c->Q_half.w, abs_x->w, words);
  big_sub(d, c->Q.w, abs_x->w, words);
  big_select(abs_x->w, d, -above, words);
  *neg = (int)above;
}
