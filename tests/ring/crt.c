/* CRT reconstruction (plain and centered), multi-word helpers, and the RNS base. */
#include <string.h>

#include "check.h"
#include "ring_test.h"

typedef unsigned __int128 u128;

static size_t words_of(const fhs_big *x) {
  size_t w = FHS_BIG_WORDS;
  while (w > 0 && x->w[w - 1] == 0) w--;
  return w;
}

/* Reference multi-word helpers, written independently of the library's. */
static int ref_cmp(const fhs_big *a, const fhs_big *b) {
  for (size_t i = FHS_BIG_WORDS; i-- > 0;)
    if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
  return 0;
}

static void ref_sub(fhs_big *d, const fhs_big *a, const fhs_big *b) {
  uint64_t borrow = 0;
  for (size_t i = 0; i < FHS_BIG_WORDS; i++) {
    uint64_t x = a->w[i], y = b->w[i];
    d->w[i] = x - y - borrow;
    borrow = (x < y) | ((x == y) & borrow);
  }
}

static uint64_t ref_mod(const fhs_big *x, uint64_t q) {
  u128 r = 0;
  for (size_t i = FHS_BIG_WORDS; i-- > 0;) r = ((r << 64) | x->w[i]) % q;
  return (uint64_t)r;
}

static unsigned ref_bits(const fhs_big *x) {
  for (size_t i = FHS_BIG_WORDS; i-- > 0;)
    for (int b = 63; b >= 0; b--)
      if ((x->w[i] >> b) & 1) return (unsigned)(64 * i + (size_t)b + 1);
  return 0;
}

/* Uniform-ish x < Q: random words below 2^Q_bits, minus Q once if needed (2^Q_bits < 2Q). */
static void random_below(const fhs_crt *c, fhs_big *x) {
  memset(x, 0, sizeof *x);
  size_t words = (c->Q_bits + 63) / 64;
  for (size_t i = 0; i < words; i++) x->w[i] = rng_next();
  unsigned top = c->Q_bits % 64;
  if (top) x->w[words - 1] &= ((uint64_t)1 << top) - 1;
  if (ref_cmp(x, &c->Q) >= 0) ref_sub(x, x, &c->Q);
}

static void check_one(const fhs_crt *c, const fhs_big *x) {
  uint64_t r[FHS_RNS_MAX * 3];
  for (size_t i = 0; i < c->count; i++) {
    r[3 * i] = ref_mod(x, c->q[i]);
    CHECK(fhs_big_mod(x, &c->mod[i]) == r[3 * i]);
  }
  fhs_big y, a;
  fhs_crt_reconstruct(c, r, 3, &y);
  CHECK_MSG(ref_cmp(x, &y) == 0, "reconstruct, %zu primes", c->count);
  CHECK(fhs_big_cmp(x, &y) == 0);
  int neg = -1;
  fhs_crt_reconstruct_centered(c, r, 3, &a, &neg);
  int above = ref_cmp(x, &c->Q_half) > 0;
  CHECK(neg == above);
  fhs_big expect = *x;
  if (above) ref_sub(&expect, &c->Q, x);
  CHECK_MSG(ref_cmp(&a, &expect) == 0, "centered magnitude, %zu primes", c->count);
}

static void check_base(size_t count, unsigned bits) {
  uint64_t primes[FHS_RNS_MAX];
  CHECK(fhs_primes_generate(bits, 2, count, NULL, 0, primes) == 0);
  fhs_crt c;
  CHECK(fhs_crt_init(&c, primes, count) == 0);
  /* Q and its derived constants against the references. */
  CHECK(ref_bits(&c.Q) == c.Q_bits && fhs_big_bits(&c.Q) == c.Q_bits);
  for (size_t i = 0; i < count; i++) {
    CHECK(ref_mod(&c.Q, primes[i]) == 0);
    CHECK(ref_mul(ref_mod(&c.Q_over_qi[i], primes[i]), c.Q_over_qi_inv[i], primes[i]) == 1);
  }
  for (int k = 0; k < 200; k++) {
    fhs_big x;
    random_below(&c, &x);
    check_one(&c, &x);
  }
  /* Edges: 0, 1, Q-1, floor(Q/2), floor(Q/2) + 1. */
  fhs_big e[5], one;
  memset(e, 0, sizeof e);
  memset(&one, 0, sizeof one);
  one.w[0] = 1;
  e[1] = one;
  ref_sub(&e[2], &c.Q, &one);
  e[3] = c.Q_half;
  e[4] = c.Q_half;
  uint64_t carry = 1;
  for (size_t i = 0; i < FHS_BIG_WORDS && carry; i++) carry = ++e[4].w[i] == 0;
  for (int i = 0; i < 5; i++) check_one(&c, &e[i]);
  /* x = Q-1 is -1 centered; x = floor(Q/2) stays positive. */
  uint64_t r[FHS_RNS_MAX];
  for (size_t i = 0; i < count; i++) r[i] = primes[i] - 1;
  fhs_big a;
  int neg = 0;
  fhs_crt_reconstruct_centered(&c, r, 1, &a, &neg);
  CHECK(neg == 1 && words_of(&a) == 1 && a.w[0] == 1);
}

static void check_big_helpers(void) {
  fhs_big x, y;
  memset(&x, 0, sizeof x);
  CHECK(fhs_big_bits(&x) == 0);
  x.w[0] = 1;
  CHECK(fhs_big_bits(&x) == 1);
  x.w[5] = (uint64_t)1 << 63;
  CHECK(fhs_big_bits(&x) == 6 * 64);
  x.w[FHS_BIG_WORDS - 1] = 3;
  CHECK(fhs_big_bits(&x) == 64 * (FHS_BIG_WORDS - 1) + 2);
  y = x;
  CHECK(fhs_big_cmp(&x, &y) == 0);
  y.w[0] = 2;
  CHECK(fhs_big_cmp(&x, &y) == -1 && fhs_big_cmp(&y, &x) == 1);
  y.w[0] = 0;
  y.w[6] = 1;
  CHECK(fhs_big_cmp(&x, &y) == -1);
  fhs_modulus m;
  for (int k = 0; k < 50; k++) {
    uint64_t q = (rng_next() >> 3) | 1;
    fhs_modulus_init(&m, q);
    for (size_t i = 0; i < FHS_BIG_WORDS; i++) x.w[i] = rng_next();
    CHECK(fhs_big_mod(&x, &m) == ref_mod(&x, q));
    CHECK(fhs_big_bits(&x) == ref_bits(&x));
  }
}

static void check_errors(void) {
  fhs_crt c;
  uint64_t p[2] = {97, 97};
  CHECK(fhs_crt_init(&c, p, 0) == -1);
  CHECK(fhs_crt_init(&c, p, 2) == -1); /* repeated prime */
  CHECK(fhs_crt_init(&c, p, FHS_RNS_MAX + 1) == -1);
  fhs_rns_base b;
  CHECK(fhs_rns_base_init(&b, p, 2, 16) == -1);
}

/* The RNS transforms are the per-limb transforms, and they invert each other. */
static void check_rns(void) {
  size_t n = 1024, count = 4;
  uint64_t primes[4];
  CHECK(fhs_primes_generate(50, 2 * n, 2, NULL, 0, primes) == 0);
  CHECK(fhs_primes_generate(60, 2 * n, 2, NULL, 0, primes + 2) == 0);
  fhs_rns_base b;
  CHECK(fhs_rns_base_init(&b, primes, count, n) == 0 && b.count == count && b.n == n);
  uint64_t *poly = test_alloc(count * n), *orig = test_alloc(count * n), *limb = test_alloc(n);
  for (size_t i = 0; i < count; i++) rng_fill(orig + i * n, n, primes[i]);
  memcpy(poly, orig, count * n * sizeof *poly);
  fhs_rns_ntt_forward(&b, poly);
  for (size_t i = 0; i < count; i++) {
    memcpy(limb, orig + i * n, n * sizeof *limb);
    fhs_ntt_forward(&b.ntt[i], limb);
    CHECK(memcmp(limb, poly + i * n, n * sizeof *limb) == 0);
  }
  fhs_rns_ntt_inverse(&b, poly);
  CHECK(memcmp(poly, orig, count * n * sizeof *poly) == 0);
  fhs_rns_base_free(&b);
  free(poly);
  free(orig);
  free(limb);
}

int main(void) {
  rng_seed(6);
  check_big_helpers();
  check_errors();
  unsigned bits[] = {30, 50, 60, 61, 62};
  for (size_t count = 1; count <= 10; count++) check_base(count, bits[count % 5]);
  check_base(FHS_RNS_MAX, 62);
  check_rns();
  return check_report("test_ring_crt");
}
