/* ring: arithmetic in Z_q[X]/(X^N + 1) for word-sized primes q < 2^62, in RNS form.
 *
 * What it guarantees:
 * - Every function on residues takes and returns values in [0, q) unless its name says
 *   "lazy"; no function allocates except the init functions.
 * - The negacyclic NTT is Harvey's (lazy butterflies, Shoup-precomputed twiddles). The forward
 *   transform writes evaluations in bit-reversed order: out[k] = a(psi^(2*brev(k)+1)) where psi
 *   is the table's primitive 2N-th root of unity and brev reverses log2(N) bits. The inverse
 *   undoes it exactly, N^-1 scaling included.
 * - Code paths: portable C, and AVX-512 IFMA for primes < 2^50 when the CPU has it. The path
 *   is chosen at run time (fhs_ring_backend) and both give bit-identical results.
 * - Functions never branch on or index memory by the values they process (residues may be
 *   secret), except where a comment says otherwise (prime generation works on public data).
 *
 * Layer: the bottom one. Uses libc only. */
#ifndef FHS_RING_H
#define FHS_RING_H

#include <stddef.h>
#include <stdint.h>

/* ---------- one modulus ---------- */

#define FHS_MODULUS_MAX_BITS 62 /* q < 2^62 keeps the lazy NTT range [0, 4q) inside 64 bits */

typedef struct {
  uint64_t value;     /* q, odd prime (or any odd modulus for the plain helpers) */
  uint64_t barrett_hi; /* floor(2^128 / q), high and low words */
  uint64_t barrett_lo;
  unsigned bits;      /* bit length of q */
} fhs_modulus;

/* Fills m for q (2 <= q < 2^62). Returns 0, or -1 if q is out of range. */
int fhs_modulus_init(fhs_modulus *m, uint64_t q);

static inline uint64_t fhs_mod_add(uint64_t a, uint64_t b, uint64_t q) {
  uint64_t s = a + b; /* a, b < q < 2^62: no overflow */
  uint64_t mask = -(uint64_t)(s >= q);
  return s - (q & mask);
}
static inline uint64_t fhs_mod_sub(uint64_t a, uint64_t b, uint64_t q) {
  uint64_t d = a - b;
  uint64_t mask = -(uint64_t)(a < b);
  return d + (q & mask);
}
static inline uint64_t fhs_mod_neg(uint64_t a, uint64_t q) {
  uint64_t mask = -(uint64_t)(a != 0);
  return (q - a) & mask;
}
/* x mod q for any 128-bit x (Barrett, constant time). */
uint64_t fhs_mod_reduce128(unsigned __int128 x, const fhs_modulus *m);
/* a * b mod q for a, b < q. */
static inline uint64_t fhs_mod_mul(uint64_t a, uint64_t b, const fhs_modulus *m) {
  return fhs_mod_reduce128((unsigned __int128)a * b, m);
}
/* Shoup: w' = floor(w * 2^64 / q) for a fixed operand w < q; then a*w mod q costs two
 * multiplications. */
static inline uint64_t fhs_shoup_precompute(uint64_t w, uint64_t q) {
  return (uint64_t)(((unsigned __int128)w << 64) / q);
}
static inline uint64_t fhs_mod_mul_shoup_lazy(uint64_t a, uint64_t w, uint64_t wp, uint64_t q) {
  uint64_t hi = (uint64_t)(((unsigned __int128)a * wp) >> 64);
  return a * w - hi * q; /* in [0, 2q) */
}
static inline uint64_t fhs_mod_mul_shoup(uint64_t a, uint64_t w, uint64_t wp, uint64_t q) {
  uint64_t r = fhs_mod_mul_shoup_lazy(a, w, wp, q);
  uint64_t mask = -(uint64_t)(r >= q);
  return r - (q & mask);
}
uint64_t fhs_mod_pow(uint64_t base, uint64_t exp, const fhs_modulus *m);
/* Inverse of a mod q (q prime, a != 0 mod q). Public data only. */
uint64_t fhs_mod_inv(uint64_t a, const fhs_modulus *m);

/* ---------- primes (public data; may branch) ---------- */

/* Deterministic Miller-Rabin for all 64-bit n. */
int fhs_is_prime(uint64_t n);
/* Writes the `count` largest primes p < 2^bits with p = 1 mod m (m a power of two, e.g. 2N),
 * skipping any value listed in exclude[0..n_exclude). Descending order. Returns 0, or -1 when
 * not enough primes exist. */
int fhs_primes_generate(unsigned bits, uint64_t m, size_t count, const uint64_t *exclude,
                        size_t n_exclude, uint64_t *out);
/* The smallest primitive 2N-th root of unity mod q (q prime, q = 1 mod 2N) in the sense of
 * the smallest generator-derived root psi with psi^N = -1, made canonical as the minimum over
 * all primitive 2N-th roots. Returns 0 if none exists. */
uint64_t fhs_primitive_root_2n(uint64_t q, size_t n);

/* ---------- NTT ---------- */

typedef struct {
  size_t n;            /* ring degree, power of two, 2 <= n <= 65536 */
  unsigned log_n;
  fhs_modulus mod;
  uint64_t psi;        /* primitive 2n-th root of unity used */
  uint64_t *fwd;       /* n roots in bit-reversed order, and their Shoup words */
  uint64_t *fwd_shoup;
  uint64_t *inv;       /* inv[k] = fwd[k]^-1 for k >= 1; inv[0] = inv[1] * n^-1, which folds the
                        * n^-1 scaling into the last inverse stage */
  uint64_t *inv_shoup;
  uint64_t n_inv, n_inv_shoup;
  void *backend_data;  /* backend-specific precomputation (e.g. AVX-512 layouts); may be NULL */
} fhs_ntt_table;

/* Builds the table for modulus q (prime, q = 1 mod 2n, q < 2^62). Returns 0, or -1 with the
 * table left empty on bad input or allocation failure. */
int fhs_ntt_table_init(fhs_ntt_table *t, uint64_t q, size_t n);
void fhs_ntt_table_free(fhs_ntt_table *t);
/* In-place negacyclic transforms; input and output in [0, q). */
void fhs_ntt_forward(const fhs_ntt_table *t, uint64_t *a);
void fhs_ntt_inverse(const fhs_ntt_table *t, uint64_t *a);

/* Which implementation runs. AUTO (the default) takes AVX512_IFMA when the CPU supports it
 * and the modulus is < 2^50. Forcing AVX512_IFMA on a CPU without it falls back to PORTABLE.
 * Meant for tests and benchmarks; the setting is per process. The environment variable
 * FHS_BACKEND (portable | avx512_ifma | auto), read once, sets the initial value; an
 * explicit fhs_ring_set_backend call overrides it. */
typedef enum { FHS_BACKEND_AUTO = 0, FHS_BACKEND_PORTABLE = 1, FHS_BACKEND_AVX512_IFMA = 2 } fhs_backend;
void fhs_ring_set_backend(fhs_backend b);
/* The backend actually used for a modulus of the given bit size under the current setting. */
fhs_backend fhs_ring_backend(unsigned modulus_bits);
int fhs_cpu_has_avx512ifma(void);
const char *fhs_backend_name(fhs_backend b);

/* ---------- vector kernels (length n, one modulus) ----------
 * All inputs in [0, q); outputs in [0, q). out may alias an input. */
void fhs_vec_add(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out);
void fhs_vec_sub(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out);
void fhs_vec_neg(const fhs_modulus *m, size_t n, const uint64_t *a, uint64_t *out);
void fhs_vec_mul(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out);
/* out += a * b */
void fhs_vec_mul_add(const fhs_modulus *m, size_t n, const uint64_t *a, const uint64_t *b, uint64_t *out);
/* out = a * s for a scalar s < q */
void fhs_vec_mul_scalar(const fhs_modulus *m, size_t n, const uint64_t *a, uint64_t s, uint64_t *out);
/* Tensor product of two degree-1 ciphertext limbs, accumulated:
 * acc0 += a0*b0, acc1 += a0*b1 + a1*b0, acc2 += a1*b1 (all mod q). */
void fhs_vec_tensor_acc(const fhs_modulus *m, size_t n, const uint64_t *a0, const uint64_t *a1,
                        const uint64_t *b0, const uint64_t *b1, uint64_t *acc0, uint64_t *acc1,
                        uint64_t *acc2);
/* Reduce values known to be < 2^64 into [0, q) (e.g. residues of another modulus). */
void fhs_vec_reduce(const fhs_modulus *m, size_t n, const uint64_t *a, uint64_t *out);

/* ---------- automorphisms X -> X^g (g odd, 0 < g < 2n) ---------- */

/* In coefficient form: out[i*g mod 2n] = +-a[i]. out must not alias a. */
void fhs_automorphism_coeff(const fhs_modulus *m, size_t n, uint64_t g, const uint64_t *a, uint64_t *out);
/* In NTT form (bit-reversed layout above) the automorphism is a permutation: out[k] = a[perm[k]].
 * fhs_automorphism_ntt_index fills perm (n entries) for g; fhs_automorphism_ntt applies it. */
void fhs_automorphism_ntt_index(size_t n, uint64_t g, uint32_t *perm);
void fhs_automorphism_ntt(size_t n, const uint32_t *perm, const uint64_t *a, uint64_t *out);

/* ---------- RNS base and CRT ---------- */

#define FHS_RNS_MAX 32

typedef struct {
  size_t n;                           /* ring degree */
  size_t count;                       /* number of primes */
  fhs_ntt_table ntt[FHS_RNS_MAX];     /* ntt[i].mod is the i-th modulus */
} fhs_rns_base;

int fhs_rns_base_init(fhs_rns_base *b, const uint64_t *primes, size_t count, size_t n);
void fhs_rns_base_free(fhs_rns_base *b);
/* All limbs of an RNS polynomial: count blocks of n words, limb i modulo primes[i]. */
void fhs_rns_ntt_forward(const fhs_rns_base *b, uint64_t *poly);
void fhs_rns_ntt_inverse(const fhs_rns_base *b, uint64_t *poly);

/* Multi-word unsigned integers for CRT reconstruction (little-endian 64-bit words). */
#define FHS_BIG_WORDS (FHS_RNS_MAX + 2)
typedef struct { uint64_t w[FHS_BIG_WORDS]; } fhs_big;

typedef struct {
  size_t count;
  uint64_t q[FHS_RNS_MAX];
  fhs_modulus mod[FHS_RNS_MAX];
  fhs_big Q;                 /* product of the q[i] */
  fhs_big Q_half;            /* floor(Q/2) */
  fhs_big Q_over_qi[FHS_RNS_MAX];
  uint64_t Q_over_qi_inv[FHS_RNS_MAX]; /* (Q/q_i)^-1 mod q_i */
  unsigned Q_bits;
} fhs_crt;

int fhs_crt_init(fhs_crt *c, const uint64_t *primes, size_t count);
/* x in [0, Q) from its residues r[i] (stride: residue i is r[i*stride]). */
void fhs_crt_reconstruct(const fhs_crt *c, const uint64_t *r, size_t stride, fhs_big *x);
/* Centered: sets *neg and |x| with x in (-Q/2, Q/2]. */
void fhs_crt_reconstruct_centered(const fhs_crt *c, const uint64_t *r, size_t stride, fhs_big *abs_x, int *neg);
/* x mod m for a multi-word x. */
uint64_t fhs_big_mod(const fhs_big *x, const fhs_modulus *m);
/* Bit length of x (0 for zero). */
unsigned fhs_big_bits(const fhs_big *x);
int fhs_big_cmp(const fhs_big *a, const fhs_big *b);

#endif
