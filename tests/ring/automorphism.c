/* Automorphisms X -> X^g: the coefficient version matches the definition, and in NTT form
 * it is exactly the documented permutation (coefficient map, then NTT == NTT, then permute). */
#include <string.h>

#include "check.h"
#include "ring_test.h"

/* a(X^g) mod X^n + 1 straight from the definition. */
static void reference(const uint64_t *a, size_t n, uint64_t g, uint64_t q, uint64_t *out) {
  memset(out, 0, n * sizeof *out);
  for (size_t i = 0; i < n; i++) {
    uint64_t e = (uint64_t)i * g % (2 * n);
    if (e < n) out[e] = fhs_mod_add(out[e], a[i], q);
    else out[e - n] = fhs_mod_sub(out[e - n], a[i], q);
  }
}

static void check_g(const fhs_ntt_table *t, uint64_t g, uint64_t *buf) {
  size_t n = t->n;
  uint64_t q = t->mod.value;
  uint64_t *a = buf, *x = buf + n, *y = buf + 2 * n, *z = buf + 3 * n;
  uint32_t *perm = malloc(n * sizeof *perm);
  rng_fill(a, n, q);
  fhs_automorphism_coeff(&t->mod, n, g, a, x);
  reference(a, n, g, q, y);
  CHECK_MSG(memcmp(x, y, n * sizeof *x) == 0, "coeff automorphism n=%zu g=%llu", n, (unsigned long long)g);
  fhs_ntt_forward(t, x); /* NTT(a(X^g)) */
  memcpy(y, a, n * sizeof *a);
  fhs_ntt_forward(t, y);
  fhs_automorphism_ntt_index(n, g, perm);
  int is_perm = 1;
  memset(z, 0, n * sizeof *z);
  for (size_t k = 0; k < n; k++) {
    is_perm &= perm[k] < n && z[perm[k]] == 0;
    if (perm[k] < n) z[perm[k]] = 1;
  }
  CHECK(is_perm);
  fhs_automorphism_ntt(n, perm, y, z);
  CHECK_MSG(memcmp(x, z, n * sizeof *x) == 0, "ntt automorphism n=%zu g=%llu", n, (unsigned long long)g);
  free(perm);
}

/* Composition: applying g then h equals applying g*h mod 2n. */
static void check_compose(const fhs_ntt_table *t, uint64_t g, uint64_t h, uint64_t *buf) {
  size_t n = t->n;
  uint64_t *a = buf, *x = buf + n, *y = buf + 2 * n, *z = buf + 3 * n;
  rng_fill(a, n, t->mod.value);
  fhs_automorphism_coeff(&t->mod, n, g, a, x);
  fhs_automorphism_coeff(&t->mod, n, h, x, y);
  fhs_automorphism_coeff(&t->mod, n, g * h % (2 * n), a, z);
  CHECK(memcmp(y, z, n * sizeof *y) == 0);
}

int main(void) {
  rng_seed(4);
  fhs_backend be[2];
  size_t nb = test_backends(be);
  size_t sizes[] = {4, 16, 256, 4096};
  unsigned bits[] = {45, 60};
  for (size_t b = 0; b < nb; b++) {
    fhs_ring_set_backend(be[b]);
    for (size_t s = 0; s < 4; s++) {
      for (size_t p = 0; p < 2; p++) {
        size_t n = sizes[s];
        fhs_ntt_table t;
        CHECK(fhs_ntt_table_init(&t, test_prime(bits[p], 2 * n), n) == 0);
        uint64_t *buf = test_alloc(4 * n);
        uint64_t gs[] = {1, 3, 5, 2 * n - 1, n + 1, 3 * 3 * 3 % (2 * n), 2 * n - 3};
        for (size_t i = 0; i < 7; i++) check_g(&t, gs[i], buf);
        for (int i = 0; i < 4; i++) check_g(&t, 2 * rng_below(n) + 1, buf);
        check_compose(&t, 3, 5, buf);
        check_compose(&t, 2 * n - 1, 2 * n - 1, buf);
        free(buf);
        fhs_ntt_table_free(&t);
      }
    }
  }
  fhs_ring_set_backend(FHS_BACKEND_AUTO);
  return check_report("test_ring_automorphism");
}
