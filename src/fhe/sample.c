/* Randomness for the scheme. Every random value starts as 32 bytes from libsodium's
 * randombytes_buf and is expanded with XChaCha20 (crypto_stream_xchacha20), a XOF keyed by
 * the seed: fast, and it lets a seed stand in for a whole uniform polynomial. */
#include <sodium.h>

#include "internal.h"

typedef struct {
  uint8_t key[crypto_stream_xchacha20_KEYBYTES];
  uint8_t nonce[crypto_stream_xchacha20_NONCEBYTES];
  uint64_t block; /* next 64-byte keystream block */
  uint8_t buf[4096];
  size_t pos;
} xof;

static void xof_refill(xof *x) {
  static const uint8_t zeros[4096];
  crypto_stream_xchacha20_xor_ic(x->buf, zeros, sizeof x->buf, x->nonce, x->block, x->key);
  x->block += sizeof x->buf / 64;
  x->pos = 0;
}

/* The nonce carries the domain so one seed can feed independent streams (per limb, digit). */
static void xof_init(xof *x, const uint8_t seed[FHS_SEED_BYTES], uint64_t domain) {
  memcpy(x->key, seed, sizeof x->key);
  memset(x->nonce, 0, sizeof x->nonce);
  for (int i = 0; i < 8; i++) x->nonce[i] = (uint8_t)(domain >> (8 * i));
  x->block = 0;
  xof_refill(x);
}

static uint64_t xof_u64(xof *x) {
  if (x->pos + 8 > sizeof x->buf) xof_refill(x);
  uint64_t v;
  memcpy(&v, x->buf + x->pos, 8);
  x->pos += 8;
  return v;
}

static void xof_wipe(xof *x) { sodium_memzero(x, sizeof *x); }

void fhs_random_seed(uint8_t seed[FHS_SEED_BYTES]) { randombytes_buf(seed, FHS_SEED_BYTES); }

/* Rejection sampling branches only on public randomness (the output is public). */
void fhs_sample_uniform(const fhs_context *ctx, const uint8_t seed[FHS_SEED_BYTES], uint64_t domain,
                        const size_t *limbs, size_t count, uint64_t *out) {
  size_t n = ctx->n;
  xof x;
  for (size_t l = 0; l < count; l++) {
    const fhs_modulus *m = &ctx->qp.ntt[limbs[l]].mod;
    uint64_t mask = (m->bits >= 64) ? ~0ULL : ((1ULL << m->bits) - 1);
    xof_init(&x, seed, (domain << 8) | limbs[l]);
    uint64_t *dst = out + l * n;
    for (size_t i = 0; i < n;) {
      uint64_t v = xof_u64(&x) & mask;
      if (v < m->value) dst[i++] = v;
    }
  }
  xof_wipe(&x);
}

void fhs_sample_ternary(size_t n, int8_t *out) {
  uint8_t seed[FHS_SEED_BYTES];
  fhs_random_seed(seed);
  xof x;
  xof_init(&x, seed, 0x7465726eULL);
  for (size_t i = 0; i < n; i++) {
    /* (u * 3) >> 32 maps a uniform 32-bit u to {0,1,2} without a branch (bias 2^-31). */
    uint32_t u = (uint32_t)xof_u64(&x);
    out[i] = (int8_t)((int)(((uint64_t)u * 3) >> 32) - 1);
  }
  xof_wipe(&x);
  sodium_memzero(seed, sizeof seed);
}

/* Cumulative distribution table sampling that reads every table entry for every sample, so
 * neither timing nor memory access depends on the value drawn. */
void fhs_sample_gaussian(const fhs_context *ctx, int64_t *out) {
  uint8_t seed[FHS_SEED_BYTES];
  fhs_random_seed(seed);
  xof x;
  xof_init(&x, seed, 0x67617573ULL);
  size_t len = ctx->gauss_cdt_len;
  for (size_t i = 0; i < ctx->n; i++) {
    uint64_t r = xof_u64(&x);
    uint64_t sign = xof_u64(&x) & 1;
    int64_t mag = 0;
    for (size_t k = 0; k < len; k++) mag += (int64_t)(r >= ctx->gauss_cdt[k]);
    /* two's complement negation selected by the sign bit */
    int64_t s = -(int64_t)sign;
    out[i] = (mag ^ s) - s;
  }
  xof_wipe(&x);
  sodium_memzero(seed, sizeof seed);
}

void fhs_small_to_limb(const fhs_modulus *m, size_t n, const int64_t *v, uint64_t *out) {
  uint64_t q = m->value;
  for (size_t i = 0; i < n; i++) {
    /* |v| < q: add q when negative, selected with a mask */
    int64_t a = v[i];
    uint64_t neg = -(uint64_t)(a < 0);
    out[i] = (uint64_t)a + (q & neg);
  }
}
