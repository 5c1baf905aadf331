/* NTT: round trip, negacyclic convolution, agreement with direct evaluation in the
 * documented bit-reversed order, and bit-identical output from every backend. */
#include <string.h>

#include "check.h"
#include "ring_test.h"

static const unsigned prime_bits[] = {30, 49, 50, 55, 60, 61};
#define N_PRIMES (sizeof prime_bits / sizeof prime_bits[0])

static size_t brev(size_t x, unsigned bits) {
  size_t r = 0;
  for (unsigned i = 0; i < bits; i++) r |= ((x >> i) & 1) << (bits - 1 - i);
  return r;
}

/* Coefficient k of a*b mod (X^n + 1, q). */
static uint64_t negacyclic_coeff(const uint64_t *a, const uint64_t *b, size_t n, uint64_t q, size_t k) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t p = ref_mul(a[i], b[(k + n - i) % n], q);
    s = i <= k ? fhs_mod_add(s, p, q) : fhs_mod_sub(s, p, q);
  }
  return s;
}

/* Runs forward on a copy under each backend; all must agree. Result left in out. */
static void forward_all(const fhs_ntt_table *t, const uint64_t *a, uint64_t *out, uint64_t *tmp) {
  fhs_backend be[2];
  size_t nb = test_backends(be), n = t->n;
  for (size_t i = 0; i < nb; i++) {
    fhs_ring_set_backend(be[i]);
    memcpy(i == 0 ? out : tmp, a, n * sizeof *a);
    fhs_ntt_forward(t, i == 0 ? out : tmp);
    if (i > 0) CHECK_MSG(memcmp(out, tmp, n * sizeof *a) == 0, "forward differs (%s) n=%zu q=%llu",
                         fhs_backend_name(be[i]), n, (unsigned long long)t->mod.value);
  }
}

static void check_identity(const fhs_ntt_table *t, uint64_t *a, uint64_t *b, uint64_t *c, uint64_t *d) {
  fhs_backend be[2];
  size_t nb = test_backends(be), n = t->n;
  uint64_t q = t->mod.value;
  rng_fill(a, n, q);
  for (size_t i = 0; i < nb; i++) {
    fhs_ring_set_backend(be[i]);
    memcpy(b, a, n * sizeof *a);
    fhs_ntt_forward(t, b);
    int in_range = 1;
    for (size_t k = 0; k < n; k++) in_range &= b[k] < q;
    CHECK(in_range);
    if (i == 0) memcpy(c, b, n * sizeof *b);
    else CHECK_MSG(memcmp(b, c, n * sizeof *b) == 0, "forward not bit-identical n=%zu", n);
    fhs_ntt_inverse(t, b);
    CHECK_MSG(memcmp(a, b, n * sizeof *a) == 0, "inverse(forward(a)) != a n=%zu q=%llu %s", n,
              (unsigned long long)q, fhs_backend_name(be[i]));
    /* The inverse alone is bit-identical too, on arbitrary input. */
    memcpy(b, a, n * sizeof *a);
    fhs_ntt_inverse(t, b);
    if (i == 0) memcpy(d, b, n * sizeof *b);
    else CHECK_MSG(memcmp(b, d, n * sizeof *b) == 0, "inverse not bit-identical n=%zu", n);
  }
}

/* forward(a) . forward(b), inverse, equals the negacyclic product (all coefficients for
 * n <= 1024, a random sample beyond that to keep the quadratic reference affordable). */
static void check_product(const fhs_ntt_table *t, uint64_t *a, uint64_t *b, uint64_t *fa, uint64_t *fb) {
  fhs_backend be[2];
  size_t nb = test_backends(be), n = t->n;
  uint64_t q = t->mod.value;
  rng_fill(a, n, q);
  rng_fill(b, n, q);
  for (size_t i = 0; i < nb; i++) {
    fhs_ring_set_backend(be[i]);
    memcpy(fa, a, n * sizeof *a);
    memcpy(fb, b, n * sizeof *b);
    fhs_ntt_forward(t, fa);
    fhs_ntt_forward(t, fb);
    for (size_t k = 0; k < n; k++) fa[k] = ref_mul(fa[k], fb[k], q);
    fhs_ntt_inverse(t, fa);
    size_t samples = n <= 1024 ? n : 48;
    int ok = 1;
    for (size_t s = 0; s < samples; s++) {
      size_t k = n <= 1024 ? s : (s < 2 ? s * (n - 1) : rng_below(n));
      ok &= fa[k] == negacyclic_coeff(a, b, n, q, k);
    }
    CHECK_MSG(ok, "product wrong n=%zu q=%llu %s", n, (unsigned long long)q, fhs_backend_name(be[i]));
  }
}

/* out[k] = a(psi^(2*brev(k)+1)), evaluated directly. */
static void check_direct(const fhs_ntt_table *t, uint64_t *a, uint64_t *fa, uint64_t *tmp) {
  size_t n = t->n;
  uint64_t q = t->mod.value;
  rng_fill(a, n, q);
  CHECK(ref_pow(t->psi, n, q) == q - 1);
  forward_all(t, a, fa, tmp);
  int ok = 1;
  for (size_t k = 0; k < n; k++) {
    uint64_t x = ref_pow(t->psi, 2 * brev(k, t->log_n) + 1, q), v = 0;
    for (size_t i = n; i-- > 0;) v = fhs_mod_add(ref_mul(v, x, q), a[i], q);
    ok &= fa[k] == v;
  }
  CHECK_MSG(ok, "forward != direct evaluation n=%zu q=%llu", n, (unsigned long long)q);
}

static void check_bad_tables(void) {
  fhs_ntt_table t;
  CHECK(fhs_ntt_table_init(&t, 193, 3) == -1 && t.fwd == NULL);
  CHECK(fhs_ntt_table_init(&t, 193, 1) == -1);
  CHECK(fhs_ntt_table_init(&t, 193, 64) == -1);        /* 193 = 1 mod 64 but not mod 128 */
  CHECK(fhs_ntt_table_init(&t, 193, 32) == 0 && t.n == 32);
  fhs_ntt_table_free(&t);
  CHECK(fhs_ntt_table_init(&t, 97 * 193, 8) == -1);    /* composite */
  CHECK(fhs_ntt_table_init(&t, test_prime(30, 262144), 131072) == -1); /* n too large */
  fhs_ntt_table_free(&t);
}

static void check_backend_choice(void) {
  fhs_ring_set_backend(FHS_BACKEND_PORTABLE);
  CHECK(fhs_ring_backend(40) == FHS_BACKEND_PORTABLE);
  fhs_ring_set_backend(FHS_BACKEND_AVX512_IFMA);
  fhs_backend want = fhs_cpu_has_avx512ifma() ? FHS_BACKEND_AVX512_IFMA : FHS_BACKEND_PORTABLE;
  CHECK(fhs_ring_backend(50) == want);
  CHECK(fhs_ring_backend(51) == FHS_BACKEND_PORTABLE);
  fhs_ring_set_backend(FHS_BACKEND_AUTO);
  CHECK(fhs_ring_backend(30) == want);
  CHECK(fhs_ring_backend(60) == FHS_BACKEND_PORTABLE);
}

static void run_size(size_t n) {
  uint64_t *a = test_alloc(n), *b = test_alloc(n), *c = test_alloc(n), *d = test_alloc(n);
  for (size_t p = 0; p < N_PRIMES; p++) {
    fhs_ntt_table t;
    uint64_t q = test_prime(prime_bits[p], 2 * n);
    CHECK(q != 0 && fhs_ntt_table_init(&t, q, n) == 0);
    /* The IFMA layout exists exactly where that backend can run, so it is really tested. */
    int ifma = fhs_cpu_has_avx512ifma() && prime_bits[p] <= 50 && n >= 16;
    CHECK((t.backend_data != NULL) == ifma);
    check_identity(&t, a, b, c, d);
    if (n <= 1024 || n == 8192) check_product(&t, a, b, c, d);
    if (n <= 64) check_direct(&t, a, c, d);
    fhs_ntt_table_free(&t);
  }
  free(a);
  free(b);
  free(c);
  free(d);
}

int main(void) {
  rng_seed(3);
  check_backend_choice();
  check_bad_tables();
  for (size_t n = 2; n <= 32768; n *= 2) run_size(n);
  fhs_ring_set_backend(FHS_BACKEND_AUTO);
  return check_report("test_ring_ntt");
}
