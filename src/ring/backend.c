/* Run-time choice between the portable kernels and AVX-512 IFMA. The state is process-wide
 * and read from many threads, hence the atomics; races only ever store equal values. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ring_internal.h"

enum { UNKNOWN = -1 };

static atomic_int cpu_ifma = UNKNOWN;
static atomic_int setting = UNKNOWN;

static int detect_cpu(void) {
#if defined(FHS_HAVE_AVX512IFMA) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512ifma");
#else
  return 0; /* kernels not compiled in: the CPU's abilities do not matter */
#endif
}

int fhs_cpu_has_avx512ifma(void) {
  int v = atomic_load_explicit(&cpu_ifma, memory_order_relaxed);
  if (v == UNKNOWN) {
    v = detect_cpu();
    atomic_store_explicit(&cpu_ifma, v, memory_order_relaxed);
  }
  return v;
}

/* FHS_BACKEND sets the initial choice (read once) so CI can run a whole program on the
 * portable path; an explicit fhs_ring_set_backend still wins. */
static int initial_setting(void) {
  const char *env = getenv("FHS_BACKEND");
  if (env == NULL) return FHS_BACKEND_AUTO;
  if (strcmp(env, "portable") == 0) return FHS_BACKEND_PORTABLE;
  if (strcmp(env, "avx512_ifma") == 0 || strcmp(env, "avx512") == 0) return FHS_BACKEND_AVX512_IFMA;
  return FHS_BACKEND_AUTO;
}

static int current_setting(void) {
  int v = atomic_load_explicit(&setting, memory_order_relaxed);
  if (v == UNKNOWN) {
    int init = initial_setting();
    int expected = UNKNOWN;
    atomic_compare_exchange_strong(&setting, &expected, init);
    v = atomic_load_explicit(&setting, memory_order_relaxed);
  }
  return v;
}

void fhs_ring_set_backend(fhs_backend b) {
  atomic_store_explicit(&setting, (int)b, memory_order_relaxed);
}

fhs_backend fhs_ring_backend(unsigned modulus_bits) {
  if (current_setting() == FHS_BACKEND_PORTABLE || !fhs_cpu_has_avx512ifma() ||
      modulus_bits > FHS_IFMA_MAX_BITS)
    return FHS_BACKEND_PORTABLE;
  return FHS_BACKEND_AVX512_IFMA;
}

int fhs_ring_use_ifma(const fhs_modulus *m) {
  return (m->value & 1) && fhs_ring_backend(m->bits) == FHS_BACKEND_AVX512_IFMA;
}

const char *fhs_backend_name(fhs_backend b) {
  switch (b) {
    case FHS_BACKEND_AUTO: return "auto";
    case FHS_BACKEND_PORTABLE: return "portable";
    case FHS_BACKEND_AVX512_IFMA: return "avx512_ifma";
  }
  return "unknown";
}
