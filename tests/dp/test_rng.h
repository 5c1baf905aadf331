/* Test-only deterministic random source: the ChaCha20 keystream (libsodium's
 * crypto_stream_chacha20, a seeded XOF) under a key derived from a 64-bit seed. It lives in
 * tests/ so no production build can select it. */
#ifndef FHS_TEST_DP_RNG_H
#define FHS_TEST_DP_RNG_H

#include <sodium.h>
#include <string.h>

#include "dp.h"

typedef struct {
  unsigned char key[crypto_stream_chacha20_KEYBYTES];
  unsigned char nonce[crypto_stream_chacha20_NONCEBYTES];
  uint64_t block; /* next 64-byte ChaCha20 block */
  unsigned char buf[4096];
  size_t pos;
} test_stream;

static void test_stream_bytes(void *state, void *out, size_t len) {
  test_stream *s = state;
  unsigned char *o = out;
  while (len > 0) {
    if (s->pos == sizeof s->buf) {
      memset(s->buf, 0, sizeof s->buf);
      crypto_stream_chacha20_xor_ic(s->buf, s->buf, sizeof s->buf, s->nonce, s->block, s->key);
      s->block += sizeof s->buf / 64;
      s->pos = 0;
    }
    size_t take = sizeof s->buf - s->pos < len ? sizeof s->buf - s->pos : len;
    memcpy(o, s->buf + s->pos, take);
    s->pos += take;
    o += take;
    len -= take;
  }
}

/* uniform32 is left NULL so the library's own rejection sampler is exercised too. */
static inline fhs_dp_rng test_rng(test_stream *s, uint64_t seed) {
  memset(s, 0, sizeof *s);
  for (int i = 0; i < 8; i++) s->key[i] = (unsigned char)(seed >> (8 * i));
  s->pos = sizeof s->buf;
  return (fhs_dp_rng){test_stream_bytes, NULL, s};
}

#endif
