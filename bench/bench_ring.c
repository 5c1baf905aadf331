/* Ring-layer timings: median over RUNS runs of the forward/inverse NTT for N = 8192, 16384,
 * 32768 with a 50-bit and a 60-bit prime, and ns/element of vec_mul and vec_tensor_acc, per
 * backend. Usage: bench_ring [runs] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ring.h"

enum { DEFAULT_RUNS = 101 };

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static uint64_t *random_vec(size_t n, uint64_t q) {
  uint64_t *v = malloc(n * sizeof *v);
  if (v == NULL) abort();
  for (size_t i = 0; i < n; i++) v[i] = next() % q;
  return v;
}

typedef enum { FWD, INV } dir;

static double min_of(const double *v, int n) {
  double m = v[0];
  for (int i = 1; i < n; i++) m = v[i] < m ? v[i] : m;
  return m;
}

/* Returns the median; *best gets the fastest run (what a quiet machine would show). */
static double time_ntt(const fhs_ntt_table *t, uint64_t *a, dir d, int runs, double *samples,
                       double *best) {
  for (int r = -5; r < runs; r++) { /* 5 warm-up runs */
    double t0 = now_us();
    if (d == FWD) fhs_ntt_forward(t, a);
    else fhs_ntt_inverse(t, a);
    if (r >= 0) samples[r] = now_us() - t0;
  }
  *best = min_of(samples, runs);
  return median(samples, runs);
}

static void bench_ntt(int runs, double *samples) {
  static const size_t sizes[] = {8192, 16384, 32768};
  static const unsigned bits[] = {50, 60};
  for (size_t s = 0; s < 3; s++) {
    for (size_t b = 0; b < 2; b++) {
      uint64_t q;
      fhs_ntt_table t;
      if (fhs_primes_generate(bits[b], 2 * sizes[s], 1, NULL, 0, &q) != 0 ||
          fhs_ntt_table_init(&t, q, sizes[s]) != 0) {
        fprintf(stderr, "setup failed\n");
        exit(1);
      }
      uint64_t *a = random_vec(sizes[s], q);
      double fb, ib;
      double f = time_ntt(&t, a, FWD, runs, samples, &fb), i = time_ntt(&t, a, INV, runs, samples, &ib);
      printf("%-12s %6zu %4u %12.2f %12.2f %12.2f %12.2f\n",
             fhs_backend_name(fhs_ring_backend(t.mod.bits)), sizes[s], bits[b], f, i, fb, ib);
      free(a);
      fhs_ntt_table_free(&t);
    }
  }
}

static void bench_vec(int runs, double *samples) {
  size_t n = 16384;
  static const unsigned bits[] = {50, 60};
  for (size_t b = 0; b < 2; b++) {
    uint64_t q;
    fhs_modulus m;
    fhs_primes_generate(bits[b], 2 * n, 1, NULL, 0, &q);
    fhs_modulus_init(&m, q);
    uint64_t *v[7];
    for (int k = 0; k < 7; k++) v[k] = random_vec(n, q);
    for (int r = -5; r < runs; r++) {
      double t0 = now_us();
      fhs_vec_mul(&m, n, v[0], v[1], v[2]);
      if (r >= 0) samples[r] = now_us() - t0;
    }
    double mul = median(samples, runs) * 1e3 / (double)n;
    for (int r = -5; r < runs; r++) {
      double t0 = now_us();
      fhs_vec_tensor_acc(&m, n, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
      if (r >= 0) samples[r] = now_us() - t0;
    }
    double tensor = median(samples, runs) * 1e3 / (double)n;
    printf("%-12s %6zu %4u %12.3f %12.3f\n", fhs_backend_name(fhs_ring_backend(m.bits)), n, bits[b],
           mul, tensor);
    for (int k = 0; k < 7; k++) free(v[k]);
  }
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : DEFAULT_RUNS;
  if (runs < 1) runs = DEFAULT_RUNS;
  double *samples = malloc((size_t)runs * sizeof *samples);
  if (samples == NULL) return 1;
  fhs_backend list[2] = {FHS_BACKEND_PORTABLE, FHS_BACKEND_AVX512_IFMA};
  int nb = fhs_cpu_has_avx512ifma() ? 2 : 1;
  printf("median of %d runs, one thread\n\n", runs);
  printf("%-12s %6s %4s %12s %12s %12s %12s\n", "backend", "N", "bits", "fwd_us", "inv_us",
         "fwd_min_us", "inv_min_us");
  for (int b = 0; b < nb; b++) {
    fhs_ring_set_backend(list[b]);
    bench_ntt(runs, samples);
  }
  printf("\n%-12s %6s %4s %12s %12s\n", "backend", "N", "bits", "mul_ns/el", "tensor_ns/el");
  for (int b = 0; b < nb; b++) {
    fhs_ring_set_backend(list[b]);
    bench_vec(runs, samples);
  }
  free(samples);
  return 0;
}
