/* Versioned, checksummed records for keys and ciphertexts. */
#include <sodium.h>

#include "internal.h"

static const uint8_t MAGIC[8] = {'F', 'H', 'S', 'Y', 'N', 'T', 'H', 0};

const char *fhs_kind_name(fhs_kind kind) {
  switch (kind) {
    case FHS_KIND_SECRET_KEY: return "secret key";
    case FHS_KIND_PUBLIC_KEY: return "public key";
    case FHS_KIND_EVAL_KEY: return "evaluation key";
    case FHS_KIND_CIPHERTEXT: return "ciphertext";
  }
  return "unknown";
}

/* ---- a growable little-endian writer and a bounds-checked reader ---- */

typedef struct {
  uint8_t *buf;
  size_t len, cap;
  int failed;
  uint64_t bits; /* pending bits of a bit-packed run */
  unsigned nbits;
} writer;

static void w_reserve(writer *w, size_t extra) {
  if (w->failed || w->len + extra <= w->cap) return;
  size_t cap = w->cap ? w->cap : 4096;
  while (cap < w->len + extra) cap *= 2;
  uint8_t *nb = realloc(w->buf, cap);
  if (!nb) {
    w->failed = 1;
    return;
  }
  w->buf = nb;
  w->cap = cap;
}

static void w_bytes(writer *w, const void *p, size_t len) {
  w_reserve(w, len);
  if (w->failed) return;
  memcpy(w->buf + w->len, p, len);
  w->len += len;
}

static void w_u64(writer *w, uint64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
  w_bytes(w, b, 8);
}

static void w_u32(writer *w, uint32_t v) {
  uint8_t b[4];
  for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i));
  w_bytes(w, b, 4);
}

/* Residues modulo q take exactly bits(q) bits each: a 50-bit prime saves 22% over words. */
static void w_packed(writer *w, const uint64_t *v, size_t count, unsigned width) {
  w_reserve(w, (count * width + 7) / 8 + 8);
  for (size_t i = 0; i < count && !w->failed; i++) {
    uint64_t x = v[i];
    unsigned left = width;
    while (left) {
      unsigned take = 64 - w->nbits < left ? 64 - w->nbits : left;
      uint64_t part = take == 64 ? x : (x & ((1ULL << take) - 1));
      w->bits |= part << w->nbits;
      w->nbits += take;
      x = take == 64 ? 0 : x >> take;
      left -= take;
      if (w->nbits == 64) {
        w_u64(w, w->bits);
        w->bits = 0;
        w->nbits = 0;
      }
    }
  }
  while (w->nbits > 0) { /* flush whole bytes; runs start byte-aligned */
    uint8_t b = (uint8_t)w->bits;
    w_bytes(w, &b, 1);
    w->bits >>= 8;
    w->nbits = w->nbits > 8 ? w->nbits - 8 : 0;
  }
}

typedef struct {
  const uint8_t *p;
  size_t len, pos;
  int failed;
} reader;

static int r_bytes(reader *r, void *out, size_t len) {
  if (r->failed || r->len - r->pos < len) {
    r->failed = 1;
    return -1;
  }
  memcpy(out, r->p + r->pos, len);
  r->pos += len;
  return 0;
}

static uint64_t r_u64(reader *r) {
  uint8_t b[8] = {0};
  r_bytes(r, b, 8);
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)b[i] << (8 * i);
  return v;
}

static uint32_t r_u32(reader *r) {
  uint8_t b[4] = {0};
  r_bytes(r, b, 4);
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= (uint32_t)b[i] << (8 * i);
  return v;
}

/* Reads count residues of `width` bits; fails on a value >= q (corruption). */
static int r_packed(reader *r, uint64_t *v, size_t count, unsigned width, uint64_t q) {
  size_t bytes = (count * width + 7) / 8;
  if (r->failed || r->len - r->pos < bytes) {
    r->failed = 1;
    return -1;
  }
  const uint8_t *p = r->p + r->pos;
  size_t bitpos = 0;
  int bad = 0;
  for (size_t i = 0; i < count; i++) {
    uint64_t x = 0;
    for (unsigned got = 0; got < width;) {
      size_t byte = bitpos >> 3;
      unsigned off = bitpos & 7, take = 8 - off;
      if (take > width - got) take = width - got;
      x |= (uint64_t)((p[byte] >> off) & ((1u << take) - 1)) << got;
      got += take;
      bitpos += take;
    }
    bad |= x >= q;
    v[i] = x;
  }
  r->pos += bytes;
  if (bad) r->failed = 2;
  return bad ? -1 : 0;
}

/* ---- records ---- */

static void record_begin(writer *w, fhs_kind kind, const fhs_context *ctx) {
  memset(w, 0, sizeof *w);
  w_bytes(w, MAGIC, sizeof MAGIC);
  w_u32(w, (uint32_t)kind);
  w_u32(w, FHS_FORMAT_VERSION);
  w_bytes(w, ctx->hash, FHS_HASH_BYTES);
  w_u64(w, 0); /* payload length, patched in record_end */
  w_u32(w, (uint32_t)ctx->n);
}

static int record_end(writer *w, uint8_t **out, size_t *out_len, fhs_error *err) {
  uint64_t payload = w->len - FHS_RECORD_HEADER_BYTES;
  if (!w->failed)
    for (int i = 0; i < 8; i++) w->buf[48 + i] = (uint8_t)(payload >> (8 * i));
  uint8_t sum[FHS_RECORD_TRAILER_BYTES];
  if (!w->failed) crypto_generichash(sum, sizeof sum, w->buf, w->len, NULL, 0);
  w_bytes(w, sum, sizeof sum);
  if (w->failed) {
    free(w->buf);
    return fhs_error_set(err, "out of memory while serializing");
  }
  *out = w->buf;
  *out_len = w->len;
  return 0;
}

int fhs_record_peek(const uint8_t *buf, size_t len, fhs_record_info *info, fhs_error *err) {
  if (len < FHS_RECORD_HEADER_BYTES + FHS_RECORD_TRAILER_BYTES || memcmp(buf, MAGIC, sizeof MAGIC) != 0) {
    if (len >= sizeof MAGIC && memcmp(buf, MAGIC, sizeof MAGIC) == 0)
      return fhs_error_set(err, "truncated: %zu bytes is shorter than any record", len);
    return fhs_error_set(err, "not an fhesynth key or ciphertext file");
  }
  reader r = {buf, len, sizeof MAGIC, 0};
  info->kind = (fhs_kind)r_u32(&r);
  info->version = r_u32(&r);
  r_bytes(&r, info->params_hash, FHS_HASH_BYTES);
  info->payload_len = r_u64(&r);
  if (info->version != FHS_FORMAT_VERSION)
    return fhs_error_set(err, "format version %u is not supported (expected %u)", info->version, FHS_FORMAT_VERSION);
  uint64_t need = (uint64_t)FHS_RECORD_HEADER_BYTES + FHS_RECORD_TRAILER_BYTES;
  if (info->payload_len > len || need + info->payload_len > len)
    return fhs_error_set(err, "truncated: %zu bytes, the header announces %llu", len,
                         (unsigned long long)(need + info->payload_len));
  if (need + info->payload_len < len)
    return fhs_error_set(err, "%zu trailing bytes after the record", (size_t)(len - need - info->payload_len));
  size_t body = FHS_RECORD_HEADER_BYTES + (size_t)info->payload_len;
  uint8_t sum[FHS_RECORD_TRAILER_BYTES];
  crypto_generichash(sum, sizeof sum, buf, body, NULL, 0);
  if (sodium_memcmp(sum, buf + body, sizeof sum) != 0)
    return fhs_error_set(err, "checksum mismatch: the file is corrupt or was modified");
  if (info->kind < FHS_KIND_SECRET_KEY || info->kind > FHS_KIND_CIPHERTEXT)
    return fhs_error_set(err, "unknown record kind %u", (unsigned)info->kind);
  return 0;
}

int fhs_record_ring_degree(const uint8_t *buf, size_t len, size_t *n, fhs_error *err) {
  fhs_record_info info;
  if (fhs_record_peek(buf, len, &info, err) != 0) return -1;
  reader r = {buf, len, FHS_RECORD_HEADER_BYTES, 0};
  *n = r_u32(&r);
  return r.failed ? fhs_error_set(err, "truncated payload") : 0;
}

/* Opens a record of the expected kind made for ctx; positions r at the payload's body. */
static int record_open(const fhs_context *ctx, const uint8_t *buf, size_t len, fhs_kind kind,
                       reader *r, fhs_error *err) {
  fhs_record_info info;
  if (fhs_record_peek(buf, len, &info, err) != 0) return -1;
  if (info.kind != kind)
    return fhs_error_set(err, "holds a %s (expected: %s)", fhs_kind_name(info.kind), fhs_kind_name(kind));
  if (sodium_memcmp(info.params_hash, ctx->hash, FHS_HASH_BYTES) != 0)
    return fhs_error_set(err, "made for another parameter set (keys or data from a different key generation)");
  *r = (reader){buf, FHS_RECORD_HEADER_BYTES + (size_t)info.payload_len, FHS_RECORD_HEADER_BYTES, 0};
  if (r_u32(r) != ctx->n) return fhs_error_set(err, "ring degree does not match the parameter set");
  return 0;
}

static int record_close(reader *r, fhs_error *err) {
  if (r->failed == 2) return fhs_error_set(err, "a residue is out of range: the file is corrupt");
  if (r->failed) return fhs_error_set(err, "truncated payload");
  if (r->pos != r->len) return fhs_error_set(err, "payload has %zu unexpected bytes", r->len - r->pos);
  return 0;
}

/* Limbs of a polynomial over the primes with the given indices. */
static void w_poly(writer *w, const fhs_context *ctx, const uint64_t *p, const size_t *limbs, size_t count) {
  for (size_t i = 0; i < count; i++)
    w_packed(w, p + i * ctx->n, ctx->n, ctx->qp.ntt[limbs[i]].mod.bits);
}

static int r_poly(reader *r, const fhs_context *ctx, uint64_t *p, const size_t *limbs, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const fhs_modulus *m = &ctx->qp.ntt[limbs[i]].mod;
    if (r_packed(r, p + i * ctx->n, ctx->n, m->bits, m->value) != 0) return -1;
  }
  return 0;
}

static void prefix_limbs(size_t *limbs, size_t count) {
  for (size_t i = 0; i < count; i++) limbs[i] = i;
}

/* ---- ciphertexts ---- */

int fhs_ciphertext_save(const fhs_ciphertext *ct, uint8_t **out, size_t *out_len, fhs_error *err) {
  const fhs_context *ctx = ct->ctx;
  writer w;
  record_begin(&w, FHS_KIND_CIPHERTEXT, ctx);
  uint8_t head[4] = {(uint8_t)ct->size, (uint8_t)ct->level, (uint8_t)(ct->seeded != 0), 0};
  w_bytes(&w, head, sizeof head);
  w_u64(&w, ct->pt_factor);
  if (ct->seeded) w_bytes(&w, ct->seed, FHS_SEED_BYTES);
  size_t limbs[FHS_RNS_MAX];
  prefix_limbs(limbs, ct->level);
  for (size_t c = 0; c < (ct->seeded ? 1 : ct->size); c++) w_poly(&w, ctx, fhs_ct_poly(ct, c), limbs, ct->level);
  return record_end(&w, out, out_len, err);
}

int fhs_ciphertext_load(const fhs_context *ctx, const uint8_t *buf, size_t len, fhs_ciphertext *ct, fhs_error *err) {
  memset(ct, 0, sizeof *ct);
  reader r;
  if (record_open(ctx, buf, len, FHS_KIND_CIPHERTEXT, &r, err) != 0) return -1;
  uint8_t head[4] = {0};
  r_bytes(&r, head, sizeof head);
  uint64_t factor = r_u64(&r);
  if (r.failed) return fhs_error_set(err, "truncated payload");
  size_t size = head[0], level = head[1];
  int seeded = head[2];
  if (size < 2 || size > 3 || level < 1 || level > ctx->q_count || seeded > 1 || head[3] != 0 ||
      factor == 0 || factor >= ctx->t || (seeded && (size != 2 || level != ctx->q_count)))
    return fhs_error_set(err, "invalid ciphertext header");
  if (fhs_ciphertext_init(ctx, size, level, ct) != 0) return fhs_error_set(err, "out of memory");
  ct->pt_factor = factor;
  ct->seeded = seeded;
  size_t limbs[FHS_RNS_MAX];
  prefix_limbs(limbs, level);
  if (seeded) r_bytes(&r, ct->seed, FHS_SEED_BYTES);
  for (size_t c = 0; c < (seeded ? 1 : size); c++) r_poly(&r, ctx, fhs_ct_poly(ct, c), limbs, level);
  if (record_close(&r, err) != 0) {
    fhs_ciphertext_free(ct);
    return -1;
  }
  if (seeded) fhs_sample_uniform(ctx, ct->seed, FHS_SEED_DOMAIN_CT, limbs, level, fhs_ct_poly(ct, 1));
  return 0;
}

/* ---- secret key: 2 bits per ternary coefficient ---- */

int fhs_secret_key_save(const fhs_secret_key *sk, uint8_t **out, size_t *out_len, fhs_error *err) {
  const fhs_context *ctx = sk->ctx;
  size_t n = ctx->n;
  uint8_t *packed = calloc(n / 4, 1);
  FHS_CHECK_ALLOC(packed, err);
  for (size_t i = 0; i < n; i++) {
    /* -1 -> 2, 0 -> 0, 1 -> 1 without a branch: the low bit, shifted once when negative */
    int8_t s = sk->s_coeff[i];
    uint8_t code = (uint8_t)((s & 1) << ((s >> 7) & 1));
    packed[i / 4] |= (uint8_t)(code << (2 * (i % 4)));
  }
  writer w;
  record_begin(&w, FHS_KIND_SECRET_KEY, ctx);
  w_bytes(&w, sk->key_id, FHS_KEY_ID_BYTES);
  w_bytes(&w, packed, n / 4);
  sodium_memzero(packed, n / 4);
  free(packed);
  int rc = record_end(&w, out, out_len, err);
  return rc;
}

int fhs_secret_key_load(const fhs_context *ctx, const uint8_t *buf, size_t len, fhs_secret_key *sk, fhs_error *err) {
  memset(sk, 0, sizeof *sk);
  reader r;
  if (record_open(ctx, buf, len, FHS_KIND_SECRET_KEY, &r, err) != 0) return -1;
  size_t n = ctx->n;
  if (r.len - r.pos != FHS_KEY_ID_BYTES + n / 4) return fhs_error_set(err, "secret key payload has the wrong length");
  r_bytes(&r, sk->key_id, FHS_KEY_ID_BYTES);
  sk->ctx = ctx;
  sk->s = fhs_words_alloc(ctx->qp_count * n);
  sk->s_coeff = malloc(n);
  int64_t *tmp = malloc(n * sizeof *tmp);
  if (!sk->s || !sk->s_coeff || !tmp) {
    free(tmp);
    fhs_secret_key_free(sk);
    return fhs_error_set(err, "out of memory");
  }
  const uint8_t *p = r.p + r.pos;
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned code = (p[i / 4] >> (2 * (i % 4))) & 3;
    bad |= code == 3;
    /* 0 -> 0, 1 -> 1, 2 -> -1 */
    sk->s_coeff[i] = (int8_t)((int)(code & 1) - (int)(code >> 1));
    tmp[i] = sk->s_coeff[i];
  }
  for (size_t l = 0; !bad && l < ctx->qp_count; l++) {
    fhs_small_to_limb(&ctx->qp.ntt[l].mod, n, tmp, sk->s + l * n);
    fhs_ntt_forward(&ctx->qp.ntt[l], sk->s + l * n);
  }
  sodium_memzero(tmp, n * sizeof *tmp);
  free(tmp);
  if (bad) {
    fhs_secret_key_free(sk);
    return fhs_error_set(err, "secret key holds an invalid coefficient: the file is corrupt");
  }
  return 0;
}

/* ---- public key ---- */

int fhs_public_key_save(const fhs_public_key *pk, uint8_t **out, size_t *out_len, fhs_error *err) {
  const fhs_context *ctx = pk->ctx;
  writer w;
  record_begin(&w, FHS_KIND_PUBLIC_KEY, ctx);
  w_bytes(&w, pk->key_id, FHS_KEY_ID_BYTES);
  w_bytes(&w, pk->seed, FHS_SEED_BYTES);
  size_t limbs[FHS_RNS_MAX];
  prefix_limbs(limbs, ctx->q_count);
  w_poly(&w, ctx, pk->b, limbs, ctx->q_count);
  return record_end(&w, out, out_len, err);
}

int fhs_public_key_load(const fhs_context *ctx, const uint8_t *buf, size_t len, fhs_public_key *pk, fhs_error *err) {
  memset(pk, 0, sizeof *pk);
  reader r;
  if (record_open(ctx, buf, len, FHS_KIND_PUBLIC_KEY, &r, err) != 0) return -1;
  size_t L = ctx->q_count, limbs[FHS_RNS_MAX];
  prefix_limbs(limbs, L);
  pk->ctx = ctx;
  pk->a = fhs_words_alloc(L * ctx->n);
  pk->b = fhs_words_alloc(L * ctx->n);
  if (!pk->a || !pk->b) {
    fhs_public_key_free(pk);
    return fhs_error_set(err, "out of memory");
  }
  r_bytes(&r, pk->key_id, FHS_KEY_ID_BYTES);
  r_bytes(&r, pk->seed, FHS_SEED_BYTES);
  r_poly(&r, ctx, pk->b, limbs, L);
  if (record_close(&r, err) != 0) {
    fhs_public_key_free(pk);
    return -1;
  }
  fhs_sample_uniform(ctx, pk->seed, 0x706b, limbs, L, pk->a);
  return 0;
}

/* ---- evaluation keys ---- */

static void w_ksk(writer *w, const fhs_context *ctx, const fhs_ksk *k) {
  size_t QP = ctx->qp_count, limbs[FHS_RNS_MAX];
  prefix_limbs(limbs, QP);
  w_bytes(w, k->seed, FHS_SEED_BYTES);
  for (size_t i = 0; i < ctx->q_count; i++) w_poly(w, ctx, k->b + i * QP * ctx->n, limbs, QP);
}

static int r_ksk(reader *r, const fhs_context *ctx, fhs_ksk *k) {
  size_t n = ctx->n, L = ctx->q_count, QP = ctx->qp_count, limbs[FHS_RNS_MAX];
  prefix_limbs(limbs, QP);
  k->a = fhs_words_alloc(L * QP * n);
  k->b = fhs_words_alloc(L * QP * n);
  if (!k->a || !k->b) return -1;
  r_bytes(r, k->seed, FHS_SEED_BYTES);
  for (size_t i = 0; i < L; i++) r_poly(r, ctx, k->b + i * QP * n, limbs, QP);
  if (r->failed) return -1;
  for (size_t i = 0; i < L; i++) fhs_sample_uniform(ctx, k->seed, 0x6b736b00 + i, limbs, QP, k->a + i * QP * n);
  return 0;
}

int fhs_eval_key_save(const fhs_eval_key *ek, uint8_t **out, size_t *out_len, fhs_error *err) {
  const fhs_context *ctx = ek->ctx;
  writer w;
  record_begin(&w, FHS_KIND_EVAL_KEY, ctx);
  w_bytes(&w, ek->key_id, FHS_KEY_ID_BYTES);
  w_u32(&w, (uint32_t)(ek->has_relin != 0));
  w_u32(&w, (uint32_t)ek->galois_count);
  for (size_t g = 0; g < ek->galois_count; g++) w_u64(&w, ek->galois_elt[g]);
  if (ek->has_relin) w_ksk(&w, ctx, &ek->relin);
  for (size_t g = 0; g < ek->galois_count; g++) w_ksk(&w, ctx, &ek->galois[g]);
  return record_end(&w, out, out_len, err);
}

int fhs_eval_key_load(const fhs_context *ctx, const uint8_t *buf, size_t len, fhs_eval_key *ek, fhs_error *err) {
  memset(ek, 0, sizeof *ek);
  fhs_record_info info;
  if (fhs_record_peek(buf, len, &info, err) != 0) return -1;
  if (info.kind == FHS_KIND_SECRET_KEY)
    return fhs_error_set(err, "holds a secret key: server-side commands refuse to read secret keys");
  reader r;
  if (record_open(ctx, buf, len, FHS_KIND_EVAL_KEY, &r, err) != 0) return -1;
  r_bytes(&r, ek->key_id, FHS_KEY_ID_BYTES);
  uint32_t has_relin = r_u32(&r), count = r_u32(&r);
  if (r.failed || has_relin > 1 || count > FHS_MAX_GALOIS) return fhs_error_set(err, "invalid evaluation key header");
  ek->ctx = ctx;
  for (uint32_t g = 0; g < count; g++) {
    ek->galois_elt[g] = r_u64(&r);
    if ((ek->galois_elt[g] & 1) == 0 || ek->galois_elt[g] >= 2 * ctx->n)
      return fhs_error_set(err, "invalid Galois element in evaluation key");
  }
  int rc = 0;
  if (has_relin) {
    rc = r_ksk(&r, ctx, &ek->relin);
    ek->has_relin = 1;
  }
  for (uint32_t g = 0; rc == 0 && g < count; g++) {
    ek->galois_count = g + 1;
    rc = r_ksk(&r, ctx, &ek->galois[g]);
    ek->galois_perm[g] = malloc(ctx->n * sizeof(uint32_t));
    if (!ek->galois_perm[g]) rc = -1;
    else fhs_automorphism_ntt_index(ctx->n, ek->galois_elt[g], ek->galois_perm[g]);
  }
  if (rc == 0 && record_close(&r, err) != 0) rc = -2;
  if (rc != 0) {
    fhs_eval_key_free(ek);
    if (rc == -1) return fhs_error_set(err, r.failed == 2 ? "a residue is out of range: the file is corrupt"
                                                          : (r.failed ? "truncated payload" : "out of memory"));
    return -1;
  }
  return 0;
}
