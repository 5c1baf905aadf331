/* bench_fhe: milliseconds per homomorphic operation for each parameter set, per backend
 * (portable C, AVX-512 IFMA) and thread count; bytes of fresh ciphertexts. Prints a table, or
 * one JSON object with --json. Also runs a chain matching the peers' measurements in
 * DESIGN section 10 (N = 16384, two ciphertext primes and one special prime) so the
 * comparison is like for like. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fhe.h"

#define RUNS 25

typedef struct {
  const char *name;
  double median, p10, p90;
} figure;

typedef struct {
  fhs_context *ctx;
  fhs_secret_key sk;
  fhs_public_key pk;
  fhs_eval_key ek;
  fhs_plaintext pt;
  fhs_plaintext_ntt ptn;
  fhs_ciphertext a, b, prod, out;
  uint64_t *limb;
} setup;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static figure summarize(const char *name, double *v, int runs) {
  qsort(v, (size_t)runs, sizeof *v, cmp_double);
  figure f = {name, v[runs / 2], v[runs / 10], v[runs - 1 - runs / 10]};
  return f;
}

typedef enum { OP_NTT, OP_ENC_SYM, OP_ENC_PUB, OP_DEC, OP_ADD, OP_MUL_PLAIN, OP_MUL, OP_RELIN, OP_ROTATE, OP_COUNT } op_id;
static const char *OP_NAMES[OP_COUNT] = {"ntt_one_limb", "encrypt_seeded", "encrypt_public", "decrypt", "add",
                                         "mul_plain", "mul_no_relin", "relinearize", "rotate_one_step"};

/* One timed run of op; prepares untimed inputs (e.g. a fresh 3-component product). */
static double run_op(setup *s, op_id op) {
  double t0 = 0, t1 = 0;
  fhs_ciphertext c;
  switch (op) {
    case OP_NTT:
      t0 = now_ms();
      fhs_ntt_forward(&s->ctx->qp.ntt[0], s->limb);
      t1 = now_ms();
      break;
    case OP_ENC_SYM:
      t0 = now_ms();
      fhs_encrypt_symmetric(&s->sk, &s->pt, &c, NULL);
      t1 = now_ms();
      fhs_ciphertext_free(&c);
      break;
    case OP_ENC_PUB:
      t0 = now_ms();
      fhs_encrypt_public(&s->pk, &s->pt, &c, NULL);
      t1 = now_ms();
      fhs_ciphertext_free(&c);
      break;
    case OP_DEC:
      t0 = now_ms();
      fhs_decrypt(&s->sk, &s->a, &s->pt, NULL);
      t1 = now_ms();
      break;
    case OP_ADD:
      t0 = now_ms();
      fhs_add(&s->a, &s->b, &s->out, NULL);
      t1 = now_ms();
      break;
    case OP_MUL_PLAIN:
      t0 = now_ms();
      fhs_mul_plain(&s->a, &s->ptn, &s->out, NULL);
      t1 = now_ms();
      break;
    case OP_MUL:
      t0 = now_ms();
      fhs_mul(&s->a, &s->b, &s->prod, NULL);
      t1 = now_ms();
      break;
    case OP_RELIN:
      fhs_mul(&s->a, &s->b, &s->prod, NULL);
      t0 = now_ms();
      fhs_relinearize(&s->ek, &s->prod, NULL);
      t1 = now_ms();
      s->prod.size = 3;
      break;
    case OP_ROTATE:
      t0 = now_ms();
      fhs_rotate(&s->ek, &s->a, 1, &s->out, NULL);
      t1 = now_ms();
      break;
    default: break;
  }
  return t1 - t0;
}

static int setup_init(setup *s, fhs_context *ctx) {
  memset(s, 0, sizeof *s);
  s->ctx = ctx;
  fhs_error err = {{0}};
  uint64_t elt = fhs_galois_elt_rotate(ctx, 1);
  if (fhs_secret_key_generate(ctx, &s->sk, &err) || fhs_public_key_generate(&s->sk, &s->pk, &err) ||
      fhs_eval_key_generate(&s->sk, 1, &elt, 1, &s->ek, &err)) {
    fprintf(stderr, "bench_fhe: keygen: %s\n", err.msg);
    return -1;
  }
  uint64_t *v = calloc(ctx->n, 8);
  for (size_t i = 0; i < ctx->n; i++) v[i] = i & 1;
  fhs_plaintext_init(ctx, &s->pt);
  fhs_batch_encode(ctx, v, ctx->n, &s->pt);
  free(v);
  fhs_plaintext_ntt_init(&s->pt, ctx->q_count, &s->ptn);
  fhs_encrypt_symmetric(&s->sk, &s->pt, &s->a, NULL);
  fhs_encrypt_symmetric(&s->sk, &s->pt, &s->b, NULL);
  s->limb = calloc(ctx->n, 8);
  for (size_t i = 0; i < ctx->n; i++) s->limb[i] = (i * 2654435761u) % ctx->qp.ntt[0].mod.value;
  return 0;
}

static void setup_free(setup *s) {
  fhs_ciphertext_free(&s->a);
  fhs_ciphertext_free(&s->b);
  fhs_ciphertext_free(&s->prod);
  fhs_ciphertext_free(&s->out);
  fhs_plaintext_ntt_free(&s->ptn);
  fhs_plaintext_free(&s->pt);
  fhs_eval_key_free(&s->ek);
  fhs_public_key_free(&s->pk);
  fhs_secret_key_free(&s->sk);
  free(s->limb);
}

static size_t record_size(const fhs_ciphertext *ct) {
  uint8_t *buf;
  size_t len = 0;
  if (fhs_ciphertext_save(ct, &buf, &len, NULL) == 0) free(buf);
  return len;
}

static void measure(setup *s, figure *figs) {
  double v[RUNS];
  for (int op = 0; op < OP_COUNT; op++) {
    run_op(s, (op_id)op); /* warm-up */
    for (int r = 0; r < RUNS; r++) v[r] = run_op(s, (op_id)op);
    figs[op] = summarize(OP_NAMES[op], v, RUNS);
  }
}

int main(int argc, char **argv) {
  int json = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) json = 1;
    else {
      fprintf(stderr, "usage: bench_fhe [--json]\n");
      return 2;
    }
  }
  int max_threads = omp_get_max_threads();
  int threads[2] = {1, max_threads};
  int nthreads = max_threads > 1 ? 2 : 1;
  fhs_backend backends[2] = {FHS_BACKEND_PORTABLE, FHS_BACKEND_AVX512_IFMA};
  int nbackends = fhs_cpu_has_avx512ifma() ? 2 : 1;
  struct { size_t n, q; const char *label; } sets[4] = {
      {8192, 0, NULL}, {16384, 0, NULL}, {32768, 0, NULL}, {16384, 2, "peer-chain"}};
  if (json) printf("{\"runs\": %d, \"unit\": \"ms\", \"sets\": [", RUNS);
  for (int si = 0; si < 4; si++) {
    fhs_error err = {{0}};
    fhs_context *ctx = sets[si].q ? fhs_context_create_custom(sets[si].n, sets[si].q, 50, &err)
                                  : fhs_context_create(sets[si].n, &err);
    if (!ctx) {
      fprintf(stderr, "bench_fhe: %s\n", err.msg);
      return 1;
    }
    setup s;
    if (setup_init(&s, ctx) != 0) return 1;
    fhs_ciphertext pub;
    fhs_encrypt_public(&s.pk, &s.pt, &pub, NULL);
    size_t seeded_bytes = record_size(&s.a), public_bytes = record_size(&pub);
    fhs_ciphertext_free(&pub);
    if (json)
      printf("%s{\"name\": \"%s\", \"n\": %zu, \"ciphertext_primes\": %zu, \"log2_qp\": %u, "
             "\"bytes_seeded\": %zu, \"bytes_public\": %zu, \"results\": [",
             si ? ", " : "", ctx->name, ctx->n, ctx->q_count, ctx->log_qp, seeded_bytes, public_bytes);
    else
      printf("\n%s (N = %zu, %zu ciphertext primes + 1 special, log2 QP = %u)%s\n"
             "fresh ciphertext bytes: seeded symmetric %zu, public key %zu\n",
             ctx->name, ctx->n, ctx->q_count, ctx->log_qp, sets[si].label ? ", the peers' chain" : "",
             seeded_bytes, public_bytes);
    int first = 1;
    for (int b = 0; b < nbackends; b++) {
      fhs_ring_set_backend(backends[b]);
      for (int ti = 0; ti < nthreads; ti++) {
        omp_set_num_threads(threads[ti]);
        figure figs[OP_COUNT];
        measure(&s, figs);
        if (json) {
          printf("%s{\"backend\": \"%s\", \"threads\": %d", first ? "" : ", ", fhs_backend_name(backends[b]),
                 threads[ti]);
          for (int op = 0; op < OP_COUNT; op++)
            printf(", \"%s\": {\"median\": %.4f, \"p10\": %.4f, \"p90\": %.4f}", figs[op].name, figs[op].median,
                   figs[op].p10, figs[op].p90);
          printf("}");
        } else {
          printf("  backend %-12s threads %d\n", fhs_backend_name(backends[b]), threads[ti]);
          for (int op = 0; op < OP_COUNT; op++)
            printf("    %-16s median %8.4f ms   (p10 %8.4f, p90 %8.4f)\n", figs[op].name, figs[op].median,
                   figs[op].p10, figs[op].p90);
        }
        first = 0;
      }
    }
    if (json) printf("]}");
    fhs_ring_set_backend(FHS_BACKEND_AUTO);
    omp_set_num_threads(max_threads);
    setup_free(&s);
    fhs_context_free(ctx);
  }
  if (json) printf("]}\n");
  return 0;
}
