/* Random sources and unbiased uniform integers. libsodium is the default: randombytes_uniform
 * for ranges below 2^32 (it rejects internally), randombytes_buf plus rejection above. */
#include <sodium.h>

#include "dp_internal.h"

static void sodium_bytes(void *state, void *out, size_t len) {
  (void)state;
  randombytes_buf(out, len);
}

static uint32_t sodium_uniform32(void *state, uint32_t upper) {
  (void)state;
  return randombytes_uniform(upper);
}

int fhs_dp_rng_resolve(const fhs_dp_rng *rng, fhs_dp_rng *out, fhs_error *err) {
  if (rng) {
    if (!rng->bytes) return fhs_error_set(err, "dp: random source has no byte function");
    *out = *rng;
    return 0;
  }
  /* sodium_init is idempotent and thread-safe; -1 means no usable entropy source. */
  if (sodium_init() < 0) return fhs_error_set(err, "dp: libsodium initialisation failed");
  out->bytes = sodium_bytes;
  out->uniform32 = sodium_uniform32;
  out->state = NULL;
  return 0;
}

uint32_t fhs_dp_draw_u32(const fhs_dp_rng *r, uint32_t n) {
  if (n <= 1) return 0;
  if (r->uniform32) return r->uniform32(r->state, n);
  /* Accept only draws >= 2^32 mod n: the accepted range is a multiple of n. */
  uint32_t min = (uint32_t)(-n) % n;
  uint32_t x;
  do {
    r->bytes(r->state, &x, sizeof x);
  } while (x < min);
  return x % n;
}

uint64_t fhs_dp_draw_u64(const fhs_dp_rng *r, uint64_t n) {
  if (n <= UINT32_MAX) return fhs_dp_draw_u32(r, (uint32_t)n);
  uint64_t min = (uint64_t)(-n) % n; /* 2^64 mod n */
  uint64_t x;
  do {
    r->bytes(r->state, &x, sizeof x);
  } while (x < min);
  return x % n;
}

fhs_dp_u128 fhs_dp_draw_u128(const fhs_dp_rng *r, fhs_dp_u128 n) {
  if (n <= UINT64_MAX) return fhs_dp_draw_u64(r, (uint64_t)n);
  fhs_dp_u128 min = (fhs_dp_u128)(-n) % n; /* 2^128 mod n */
  fhs_dp_u128 x;
  do {
    r->bytes(r->state, &x, sizeof x);
  } while (x < min);
  return x % n;
}

int fhs_dp_uniform_u64(const fhs_dp_rng *rng, uint64_t n, uint64_t *out, fhs_error *err) {
  if (n == 0) return fhs_error_set(err, "dp: uniform range [0, 0) is empty");
  fhs_dp_rng r;
  if (fhs_dp_rng_resolve(rng, &r, err) < 0) return -1;
  *out = fhs_dp_draw_u64(&r, n);
  return 0;
}
