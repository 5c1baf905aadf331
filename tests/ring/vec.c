/* Vector kernels against scalar __int128 references, for prime and plain odd moduli of
 * several sizes, ragged lengths (vector tails), aliasing, and bit-identity across backends. */
#include <string.h>

#include "check.h"
#include "ring_test.h"

typedef unsigned __int128 u128;

enum { MAXN = 1100, N_OUT = 9 };

typedef struct {
  uint64_t a[MAXN], b[MAXN], a1[MAXN], b1[MAXN], acc[3][MAXN];
  uint64_t out[N_OUT][MAXN]; /* results per kernel, compared across backends */
} work;

static void run_kernels(const fhs_modulus *m, size_t n, work *w, uint64_t s) {
  fhs_vec_add(m, n, w->a, w->b, w->out[0]);
  fhs_vec_sub(m, n, w->a, w->b, w->out[1]);
  fhs_vec_neg(m, n, w->a, w->out[2]);
  fhs_vec_mul(m, n, w->a, w->b, w->out[3]);
  memcpy(w->out[4], w->acc[0], n * sizeof(uint64_t));
  fhs_vec_mul_add(m, n, w->a, w->b, w->out[4]);
  fhs_vec_mul_scalar(m, n, w->a, s, w->out[5]);
  for (int i = 0; i < 3; i++) memcpy(w->out[6 + i], w->acc[i], n * sizeof(uint64_t));
  fhs_vec_tensor_acc(m, n, w->a, w->a1, w->b, w->b1, w->out[6], w->out[7], w->out[8]);
}

static int check_refs(const fhs_modulus *m, size_t n, const work *w, uint64_t s) {
  uint64_t q = m->value;
  int ok = 1;
  for (size_t i = 0; i < n; i++) {
    uint64_t a = w->a[i], b = w->b[i], a1 = w->a1[i], b1 = w->b1[i];
    ok &= w->out[0][i] == (uint64_t)(((u128)a + b) % q);
    ok &= w->out[1][i] == (uint64_t)(((u128)a + q - b) % q);
    ok &= w->out[2][i] == (q - a) % q;
    ok &= w->out[3][i] == ref_mul(a, b, q);
    ok &= w->out[4][i] == (uint64_t)(((u128)a * b + w->acc[0][i]) % q);
    ok &= w->out[5][i] == ref_mul(a, s, q);
    ok &= w->out[6][i] == (uint64_t)(((u128)a * b + w->acc[0][i]) % q);
    ok &= w->out[7][i] == (uint64_t)(((u128)a * b1 % q + (u128)a1 * b % q + w->acc[1][i]) % q);
    ok &= w->out[8][i] == (uint64_t)(((u128)a1 * b1 + w->acc[2][i]) % q);
  }
  return ok;
}

static void fill_work(work *w, size_t n, uint64_t q) {
  rng_fill(w->a, n, q);
  rng_fill(w->b, n, q);
  rng_fill(w->a1, n, q);
  rng_fill(w->b1, n, q);
  for (int i = 0; i < 3; i++) rng_fill(w->acc[i], n, q);
  /* All-maximal operands in a few lanes: the largest sums the reductions must handle. */
  for (size_t i = 3; i < n && i < 12; i++) {
    w->a[i] = w->b[i] = w->a1[i] = w->b1[i] = q - 1;
    w->acc[0][i] = w->acc[1][i] = w->acc[2][i] = q - 1;
  }
}

static void check_modulus(uint64_t q, size_t n, work *w, work *first) {
  fhs_modulus m;
  fhs_backend be[2];
  size_t nb = test_backends(be);
  CHECK(fhs_modulus_init(&m, q) == 0);
  fill_work(w, n, q);
  uint64_t s = rng_below(q);
  for (size_t b = 0; b < nb; b++) {
    fhs_ring_set_backend(be[b]);
    run_kernels(&m, n, w, s);
    CHECK_MSG(check_refs(&m, n, w, s), "kernels wrong q=%llu n=%zu %s", (unsigned long long)q, n,
              fhs_backend_name(be[b]));
    if (b == 0) memcpy(first, w, sizeof *w);
    else CHECK_MSG(memcmp(first->out, w->out, sizeof w->out) == 0, "backends differ q=%llu n=%zu",
                   (unsigned long long)q, n);
  }
}

/* out aliasing an input, and vec_reduce on arbitrary words. */
static void check_alias_reduce(uint64_t q, work *w) {
  fhs_modulus m;
  fhs_modulus_init(&m, q);
  size_t n = 37;
  fill_work(w, n, q);
  uint64_t ref[MAXN];
  for (size_t i = 0; i < n; i++) ref[i] = ref_mul(w->a[i], w->b[i], q);
  fhs_vec_mul(&m, n, w->a, w->b, w->a);
  CHECK(memcmp(ref, w->a, n * sizeof ref[0]) == 0);
  for (size_t i = 0; i < n; i++) ref[i] = fhs_mod_add(w->a[i], w->b[i], q);
  fhs_vec_add(&m, n, w->a, w->b, w->b);
  CHECK(memcmp(ref, w->b, n * sizeof ref[0]) == 0);
  for (size_t i = 0; i < n; i++) w->a[i] = rng_next();
  w->a[0] = UINT64_MAX;
  fhs_vec_reduce(&m, n, w->a, w->out[0]);
  int ok = 1;
  for (size_t i = 0; i < n; i++) ok &= w->out[0][i] == w->a[i] % q;
  CHECK(ok);
}

int main(void) {
  rng_seed(5);
  static work w, first;
  const uint64_t moduli[] = {3, 17, 65537, 255, 1000000007, test_prime(30, 1 << 14),
                             test_prime(49, 1 << 14), test_prime(50, 1 << 14),
                             ((uint64_t)1 << 50) - 3 /* odd, not prime */, test_prime(51, 1 << 14),
                             test_prime(55, 1 << 14), test_prime(60, 1 << 14),
                             test_prime(61, 1 << 14), test_prime(62, 1 << 14), 2, 1024};
  const size_t lengths[] = {1, 7, 8, 13, 64, 1024, 1100};
  fhs_backend be[2];
  size_t nb = test_backends(be);
  for (size_t i = 0; i < sizeof moduli / sizeof moduli[0]; i++) {
    for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) check_modulus(moduli[i], lengths[l], &w, &first);
    for (size_t b = 0; b < nb; b++) {
      fhs_ring_set_backend(be[b]);
      check_alias_reduce(moduli[i], &w);
    }
  }
  fhs_ring_set_backend(FHS_BACKEND_AUTO);
  return check_report("test_ring_vec");
}
