/* fhe: RNS BGV over Z_q[X]/(X^N + 1) with SIMD batching (docs/engine.md says why BGV).
 *
 * What it guarantees:
 * - One validated context (fhs_context) per parameter set: primes, NTT tables, Galois index
 *   maps and every precomputed constant are built and checked once; every other function
 *   takes it by const pointer and trusts it.
 * - Ciphertexts live in NTT form at all times. A ciphertext has 2 or 3 components and a level
 *   (the number of ciphertext primes still in use). It decrypts to m * pt_factor mod t, where
 *   pt_factor records the scaling that modulus switching applies in BGV; decryption undoes it.
 * - All randomness comes from libsodium; seeds are expanded with XChaCha20 (a XOF keyed by a
 *   32-byte seed). Keygen, encryption and decryption do not branch on or index by secret data.
 * - Secret material is wiped with sodium_memzero before it is released.
 * - Operations never allocate inside their inner loops; they may allocate scratch per call.
 *
 * Layer: uses ring (arithmetic) and io (error type). */
#ifndef FHS_FHE_H
#define FHS_FHE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "ring.h"

#define FHS_SEED_BYTES 32
#define FHS_HASH_BYTES 32
#define FHS_MAX_GALOIS 64
#define FHS_KEY_ID_BYTES 16

/* ---------- context ---------- */

typedef struct fhs_context {
  size_t n;               /* ring degree N */
  unsigned log_n;
  size_t q_count;         /* ciphertext primes q_0..q_{L-1}; levels run from L down to 1 */
  size_t qp_count;        /* q_count + 1: the special prime P sits last */
  fhs_rns_base qp;        /* NTT tables for q_0..q_{L-1}, P */
  uint64_t t;             /* plaintext modulus, prime, t = 1 mod 2N */
  fhs_ntt_table t_ntt;    /* NTT modulo t for batch encoding */
  fhs_modulus t_mod;
  uint32_t *slot_to_ntt;  /* slot k lives at NTT position slot_to_ntt[k] */
  fhs_crt crt[FHS_RNS_MAX]; /* crt[l-1]: CRT of the first l ciphertext primes */
  /* Decryption at level l: x mod t = sum_i y_i * qhat_mod_t[l][i] - v * Q_mod_t[l] */
  uint64_t qhat_inv[FHS_RNS_MAX][FHS_RNS_MAX];   /* [l-1][i]: (Q_l/q_i)^-1 mod q_i */
  uint64_t qhat_mod_t[FHS_RNS_MAX][FHS_RNS_MAX]; /* [l-1][i]: (Q_l/q_i) mod t */
  uint64_t Q_mod_t[FHS_RNS_MAX];                 /* [l-1]: Q_l mod t */
  /* Key switching and modulus switching: divide by the last prime of a base. */
  uint64_t p_inv_mod_q[FHS_RNS_MAX];   /* P^-1 mod q_i */
  uint64_t p_mod_q[FHS_RNS_MAX];       /* P mod q_i */
  uint64_t t_inv_mod_p;                /* t^-1 mod P */
  uint64_t t_mod_q[FHS_RNS_MAX + 1];   /* t mod q_i (and mod P last) */
  uint64_t ql_inv_mod_q[FHS_RNS_MAX][FHS_RNS_MAX]; /* [l][i]: q_l^-1 mod q_i, i < l */
  uint64_t t_inv_mod_ql[FHS_RNS_MAX];  /* t^-1 mod q_l */
  uint64_t ql_inv_mod_t[FHS_RNS_MAX];  /* q_l^-1 mod t */
  uint64_t *pack_monomial[FHS_RNS_MAX]; /* [e]: X^(N / 2^e) in NTT form over all qp limbs, e = 1..log2 N */
  double sigma;                        /* error standard deviation */
  uint64_t gauss_cdt[24];              /* 2^64 * P(|e| < k) for k = 1..gauss_cdt_len */
  size_t gauss_cdt_len;
  unsigned log_qp;                     /* total bits of Q*P */
  uint8_t hash[FHS_HASH_BYTES];        /* BLAKE2b of the canonical parameter description */
  char name[32];
} fhs_context;

/* The project's parameter sets: n in {8192, 16384, 32768}. See docs/engine.md. */
fhs_context *fhs_context_create(size_t n, fhs_error *err);
/* A custom chain for benchmarks and tests: q_count ciphertext primes of q_bits bits and one
 * special prime. Refused when total log2(QP) exceeds the HomomorphicEncryption.org 128-bit
 * bound for n, or when the primes don't exist. */
fhs_context *fhs_context_create_custom(size_t n, size_t q_count, unsigned q_bits, fhs_error *err);
void fhs_context_free(fhs_context *ctx);
/* The HomomorphicEncryption.org 128-bit bound on log2(QP) for a ternary secret
 * (0 when n is not in the table). */
unsigned fhs_he_standard_max_log_q(size_t n);

/* ---------- keys ---------- */

typedef struct {
  const fhs_context *ctx;
  uint8_t key_id[FHS_KEY_ID_BYTES]; /* random, shared by every key of one key generation */
  uint64_t *s;       /* NTT form over all qp primes */
  int8_t *s_coeff;   /* coefficients in {-1, 0, 1} */
} fhs_secret_key;

typedef struct {
  const fhs_context *ctx;
  uint8_t key_id[FHS_KEY_ID_BYTES];
  uint64_t *b, *a;   /* NTT form over the q primes (level L) */
  uint8_t seed[FHS_SEED_BYTES]; /* a = expand(seed) */
} fhs_public_key;

/* Key switching key from s' to s: for each digit i < L, (b_i, a_i) over the qp primes, with
 * b_i = -a_i s + t e_i + [P s']_{q_i} placed in limb i only. a_i are expanded from one seed. */
typedef struct {
  uint64_t *b;       /* L digits x qp_count limbs x n */
  uint64_t *a;
  uint8_t seed[FHS_SEED_BYTES];
} fhs_ksk;

/* Evaluation keys: everything a server needs, nothing it must not have. */
typedef struct {
  const fhs_context *ctx;
  uint8_t key_id[FHS_KEY_ID_BYTES];
  int has_relin;
  fhs_ksk relin;
  size_t galois_count;
  uint64_t galois_elt[FHS_MAX_GALOIS];
  fhs_ksk galois[FHS_MAX_GALOIS];
  uint32_t *galois_perm[FHS_MAX_GALOIS]; /* the automorphism as a permutation of NTT slots */
} fhs_eval_key;

int fhs_secret_key_generate(const fhs_context *ctx, fhs_secret_key *sk, fhs_error *err);
void fhs_secret_key_free(fhs_secret_key *sk);
int fhs_public_key_generate(const fhs_secret_key *sk, fhs_public_key *pk, fhs_error *err);
void fhs_public_key_free(fhs_public_key *pk);
/* Relinearization key (if relin) and Galois keys for the listed elements (odd, < 2N). */
int fhs_eval_key_generate(const fhs_secret_key *sk, int relin, const uint64_t *galois_elts,
                          size_t galois_count, fhs_eval_key *ek, fhs_error *err);
void fhs_eval_key_free(fhs_eval_key *ek);
const fhs_ksk *fhs_eval_key_galois(const fhs_eval_key *ek, uint64_t galois_elt);

/* Galois elements: rotation of both slot rows by `steps` (negative = right), the row swap,
 * and the automorphisms X -> X^(2^k + 1) used by coefficient packing (k = 1..log2 N). */
uint64_t fhs_galois_elt_rotate(const fhs_context *ctx, long steps);
uint64_t fhs_galois_elt_row_swap(const fhs_context *ctx);
uint64_t fhs_galois_elt_pack(const fhs_context *ctx, unsigned k);

/* ---------- plaintexts ---------- */

/* A plaintext polynomial: n coefficients in [0, t). */
typedef struct {
  const fhs_context *ctx;
  uint64_t *coeff;
} fhs_plaintext;

int fhs_plaintext_init(const fhs_context *ctx, fhs_plaintext *pt);
void fhs_plaintext_free(fhs_plaintext *pt);
/* Batch encoding: slot k of the 2 x N/2 matrix (row = k / (N/2)) holds values[k] mod t;
 * count <= N, the rest are zero. */
void fhs_batch_encode(const fhs_context *ctx, const uint64_t *values, size_t count, fhs_plaintext *pt);
void fhs_batch_decode(const fhs_context *ctx, const fhs_plaintext *pt, uint64_t *values);

/* A plaintext prepared for multiplication at a level: lifted (centered) to the q primes, NTT. */
typedef struct {
  const fhs_context *ctx;
  size_t level;
  uint64_t *data;
} fhs_plaintext_ntt;

int fhs_plaintext_ntt_init(const fhs_plaintext *pt, size_t level, fhs_plaintext_ntt *out);
void fhs_plaintext_ntt_free(fhs_plaintext_ntt *p);

/* ---------- ciphertexts ---------- */

typedef struct {
  const fhs_context *ctx;
  size_t size;        /* components: 2 or 3 */
  size_t level;       /* ciphertext primes in use, 1..L */
  uint64_t pt_factor; /* decrypts to m * pt_factor mod t */
  int seeded;         /* c1 = expand(seed): serializes as c0 and the seed */
  uint8_t seed[FHS_SEED_BYTES];
  uint64_t *data;     /* size x level x n words; component j limb i at (j*level + i)*n */
} fhs_ciphertext;

int fhs_ciphertext_init(const fhs_context *ctx, size_t size, size_t level, fhs_ciphertext *ct);
void fhs_ciphertext_free(fhs_ciphertext *ct);
int fhs_ciphertext_copy(const fhs_ciphertext *src, fhs_ciphertext *dst);
static inline uint64_t *fhs_ct_poly(const fhs_ciphertext *ct, size_t comp) {
  return ct->data + comp * ct->level * ct->ctx->n;
}

/* Symmetric encryption whose uniform half comes from a fresh 32-byte seed (stored in ct). */
int fhs_encrypt_symmetric(const fhs_secret_key *sk, const fhs_plaintext *pt, fhs_ciphertext *ct, fhs_error *err);
int fhs_encrypt_public(const fhs_public_key *pk, const fhs_plaintext *pt, fhs_ciphertext *ct, fhs_error *err);
/* Decrypts 2- or 3-component ciphertexts at any level. */
int fhs_decrypt(const fhs_secret_key *sk, const fhs_ciphertext *ct, fhs_plaintext *pt, fhs_error *err);
/* Remaining noise budget in bits (0 when decryption is no longer reliable). For tests. */
double fhs_noise_budget(const fhs_secret_key *sk, const fhs_ciphertext *ct);

/* ---------- evaluation (server side: no secret key) ----------
 * Binary operations need equal levels and pt_factors; out may alias an input where the
 * shapes allow (same size and level). Return 0, or -1 with err on mismatched operands. */
int fhs_add(const fhs_ciphertext *a, const fhs_ciphertext *b, fhs_ciphertext *out, fhs_error *err);
int fhs_sub(const fhs_ciphertext *a, const fhs_ciphertext *b, fhs_ciphertext *out, fhs_error *err);
/* a += b where b may have fewer components than a (e.g. a 3-component accumulator). */
int fhs_add_inplace(fhs_ciphertext *a, const fhs_ciphertext *b, fhs_error *err);
int fhs_add_plain(const fhs_ciphertext *a, const fhs_plaintext *p, fhs_ciphertext *out, fhs_error *err);
int fhs_mul_plain(const fhs_ciphertext *a, const fhs_plaintext_ntt *p, fhs_ciphertext *out, fhs_error *err);
/* Multiply by the monomial X^k (k in [0, 2N)): exact, no noise growth. */
int fhs_mul_monomial(const fhs_ciphertext *a, size_t k, fhs_ciphertext *out, fhs_error *err);
/* Product of two 2-component ciphertexts kept as 3 components (out must differ from a, b). */
int fhs_mul(const fhs_ciphertext *a, const fhs_ciphertext *b, fhs_ciphertext *out, fhs_error *err);
/* acc (3 components) += a * b: the accumulation the statistics use. */
int fhs_mul_acc(const fhs_ciphertext *a, const fhs_ciphertext *b, fhs_ciphertext *acc, fhs_error *err);
int fhs_relinearize(const fhs_eval_key *ek, fhs_ciphertext *ct, fhs_error *err);
/* X -> X^g on a 2-component ciphertext, key switched back to s. */
int fhs_apply_galois(const fhs_eval_key *ek, const fhs_ciphertext *ct, uint64_t galois_elt,
                     fhs_ciphertext *out, fhs_error *err);
int fhs_rotate(const fhs_eval_key *ek, const fhs_ciphertext *ct, long steps, fhs_ciphertext *out, fhs_error *err);
/* Drops the last ciphertext prime (BGV modulus switching; multiplies pt_factor by q^-1). */
int fhs_mod_switch(fhs_ciphertext *ct, fhs_error *err);

/* ---------- packing of slot sums ----------
 * For ciphertexts c_0..c_{K-1} (2 components, K a power of two <= N, NULL entries = zero),
 * returns one ciphertext whose plaintext coefficient j*(N/K) equals K * m_j[0] where m_j[0]
 * is the constant coefficient of c_j's plaintext. Since the sum of all N slots of a
 * plaintext is N * m[0] mod t, slot totals are read from coefficients after decryption:
 * total_j = (N / K) * coeff[j*(N/K)] mod t. Costs K - 1 Galois operations. */
/* One merge of the packing tree, for streaming use: even and odd each pack `half` leaves
 * (a power of two; NULL = all zero), out packs 2*half leaves. Leaves pushed in order c map to
 * coefficient brev(c) * (N / K) of the final K-leaf result (brev over log2 K bits), scaled by K.
 * Returns 0 with out->data == NULL when both inputs are NULL. */
int fhs_pack_merge(const fhs_eval_key *ek, const fhs_ciphertext *even, const fhs_ciphertext *odd, size_t half,
                   fhs_ciphertext *out, fhs_error *err);
int fhs_pack_constant_terms(const fhs_eval_key *ek, fhs_ciphertext *const *cts, size_t k,
                            fhs_ciphertext *out, fhs_error *err);

/* ---------- serialization ----------
 * Every object is a self-contained record: magic "FHSYNTH\0", kind, format version, the
 * parameter set's hash, the payload length, the payload (residues bit-packed to each prime's
 * width), and a BLAKE2b-256 checksum of all of it. Loading checks them in that order, so a
 * truncated, corrupted, tampered or other-parameter record is refused with a message (never a
 * crash, never a wrong result). Loaders validate every field and every residue. */
typedef enum {
  FHS_KIND_SECRET_KEY = 1,
  FHS_KIND_PUBLIC_KEY = 2,
  FHS_KIND_EVAL_KEY = 3,
  FHS_KIND_CIPHERTEXT = 4
} fhs_kind;

#define FHS_FORMAT_VERSION 1
#define FHS_RECORD_HEADER_BYTES 56 /* magic 8, kind 4, version 4, hash 32, length 8 */
#define FHS_RECORD_TRAILER_BYTES 32

typedef struct {
  fhs_kind kind;
  uint32_t version;
  uint8_t params_hash[FHS_HASH_BYTES];
  uint64_t payload_len;
} fhs_record_info;

const char *fhs_kind_name(fhs_kind kind);
/* Reads and checks a record's header and checksum without interpreting the payload (for
 * `inspect`); buf must hold the whole record. */
int fhs_record_peek(const uint8_t *buf, size_t len, fhs_record_info *info, fhs_error *err);

/* Serializers allocate *out (free with free()); return 0 or -1. */
int fhs_ciphertext_save(const fhs_ciphertext *ct, uint8_t **out, size_t *out_len, fhs_error *err);
int fhs_ciphertext_load(const fhs_context *ctx, const uint8_t *buf, size_t len, fhs_ciphertext *ct, fhs_error *err);
int fhs_secret_key_save(const fhs_secret_key *sk, uint8_t **out, size_t *out_len, fhs_error *err);
int fhs_secret_key_load(const fhs_context *ctx, const uint8_t *buf, size_t len, fhs_secret_key *sk, fhs_error *err);
int fhs_public_key_save(const fhs_public_key *pk, uint8_t **out, size_t *out_len, fhs_error *err);
int fhs_public_key_load(const fhs_context *ctx, const uint8_t *buf, size_t len, fhs_public_key *pk, fhs_error *err);
int fhs_eval_key_save(const fhs_eval_key *ek, uint8_t **out, size_t *out_len, fhs_error *err);
/* Server side: refuses a secret key record outright. */
int fhs_eval_key_load(const fhs_context *ctx, const uint8_t *buf, size_t len, fhs_eval_key *ek, fhs_error *err);
/* The ring degree a record was made for, from its payload's first word (every payload starts
 * with it), so a loader can build the matching context first. */
int fhs_record_ring_degree(const uint8_t *buf, size_t len, size_t *n, fhs_error *err);

/* ---------- passphrase protection of a secret key record ----------
 * Argon2id + XChaCha20-Poly1305 (libsodium). *out / *record are malloc'ed; wipe a decrypted
 * record with sodium_memzero before freeing it. */
int fhs_is_protected_key(const uint8_t *buf, size_t len);
int fhs_key_protect(const uint8_t *record, size_t len, const char *pass, size_t pass_len, uint8_t **out,
                    size_t *out_len, fhs_error *err);
int fhs_key_unprotect(const uint8_t *buf, size_t len, const char *pass, size_t pass_len, uint8_t **record,
                      size_t *record_len, fhs_error *err);

#endif
