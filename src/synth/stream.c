/* Reproducible randomness for sampling, and alias tables (Vose 1991) for O(1) categorical draws.
 *
 * The stream is ChaCha20 (libsodium) keyed by BLAKE2b-256 of the 64-bit seed: a seed is not a
 * secret here (synthetic rows are public), but a cryptographic stream has no structure a
 * statistical test could pick up, and the nonce gives every chunk of rows its own stream. */
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

void fhs_synth_stream_init(fhs_synth_stream *s, uint64_t seed, uint64_t chunk) {
  unsigned char in[8];
  for (int i = 0; i < 8; i++) in[i] = (unsigned char)(seed >> (8 * i)), s->nonce[i] = (unsigned char)(chunk >> (8 * i));
  static const unsigned char salt[16] = "fhesynth-sample";
  static const unsigned char personal[16] = "chacha20-key-v1";
  crypto_generichash_blake2b_salt_personal(s->key, sizeof s->key, in, sizeof in, NULL, 0, salt,
                                           personal);
  s->block = 0;
  s->pos = sizeof s->buf / sizeof s->buf[0];
}

void fhs_synth_stream_wipe(fhs_synth_stream *s) { sodium_memzero(s, sizeof *s); }

static void refill(fhs_synth_stream *s) {
  memset(s->buf, 0, sizeof s->buf);
  crypto_stream_chacha20_xor_ic((unsigned char *)s->buf, (const unsigned char *)s->buf,
                                sizeof s->buf, s->nonce, s->block, s->key);
  s->block += sizeof s->buf / 64;
  s->pos = 0;
}

uint64_t fhs_synth_stream_u64(fhs_synth_stream *s) {
  if (s->pos == sizeof s->buf / sizeof s->buf[0]) refill(s);
  /* little-endian interpretation whatever the host, so outputs match across machines */
  const unsigned char *p = (const unsigned char *)&s->buf[s->pos++];
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

double fhs_synth_stream_unit(fhs_synth_stream *s) {
  return (double)(fhs_synth_stream_u64(s) >> 11) * 0x1p-53;
}

uint64_t fhs_synth_stream_below(fhs_synth_stream *s, uint64_t n) {
  unsigned __int128 m = (unsigned __int128)fhs_synth_stream_u64(s) * n;
  uint64_t lo = (uint64_t)m;
  if (lo < n) {
    uint64_t t = (0 - n) % n;
    while (lo < t) {
      m = (unsigned __int128)fhs_synth_stream_u64(s) * n;
      lo = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

/* ---------- alias tables ---------- */

int fhs_alias_build(fhs_alias *a, const double *w, size_t n) {
  memset(a, 0, sizeof *a);
  if (n == 0 || n > UINT32_MAX) return -1;
  double *p = malloc(n * sizeof *p);
  size_t *small = malloc(n * sizeof *small), *large = malloc(n * sizeof *large);
  a->prob = malloc(n * sizeof *a->prob);
  a->alias = malloc(n * sizeof *a->alias);
  if (!p || !small || !large || !a->prob || !a->alias) {
    free(p), free(small), free(large);
    fhs_alias_free(a);
    return -1;
  }
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += p[i] = (w[i] > 0 && isfinite(w[i])) ? w[i] : 0;
  for (size_t i = 0; i < n; i++) p[i] = sum > 0 ? p[i] * (double)n / sum : 1.0;
  size_t ns = 0, nl = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < 1.0)
      small[ns++] = i;
    else
      large[nl++] = i;
  }
  while (ns && nl) {
    size_t s = small[--ns], l = large[--nl];
    a->prob[s] = (uint64_t)(p[s] * 0x1p53);
    a->alias[s] = (uint32_t)l;
    p[l] -= 1.0 - p[s];
    if (p[l] < 1.0)
      small[ns++] = l;
    else
      large[nl++] = l;
  }
  /* leftovers are 1 up to rounding */
  while (nl) {
    size_t l = large[--nl];
    a->prob[l] = (uint64_t)1 << 53, a->alias[l] = (uint32_t)l;
  }
  while (ns) {
    size_t s = small[--ns];
    a->prob[s] = (uint64_t)1 << 53, a->alias[s] = (uint32_t)s;
  }
  a->n = n;
  free(p), free(small), free(large);
  return 0;
}

uint32_t fhs_alias_draw(const fhs_alias *a, fhs_synth_stream *s) {
  if (a->n == 1) return 0;
  uint64_t u = fhs_synth_stream_u64(s);
  /* high bits pick the slot (multiply-shift; bias below n / 2^64, invisible at any sample
   * size we produce), low 53 bits flip the coin */
  uint32_t j = (uint32_t)(((unsigned __int128)u * a->n) >> 64);
  uint64_t coin = fhs_synth_stream_u64(s) >> 11;
  return coin < a->prob[j] ? j : a->alias[j];
}

void fhs_alias_free(fhs_alias *a) {
  if (!a) return;
  free(a->prob);
  free(a->alias);
  memset(a, 0, sizeof *a);
}

/* ---------- stratified draws ---------- */

void fhs_synth_stratified(fhs_synth_stream *s, const double *p, size_t n, size_t g,
                          uint16_t *out) {
  if (g == 0 || n == 0) return;
  double total = 0;
  size_t last = n - 1;
  for (size_t v = 0; v < n; v++)
    if (p[v] > 0 && isfinite(p[v])) total += p[v], last = v;
  /* systematic sampling: the points u, u + 1, ..., u + g - 1 against the cumulative g p */
  double u = fhs_synth_stream_unit(s), cum = 0;
  size_t done = 0;
  for (size_t v = 0; v <= last && done < g; v++) {
    double pv = total > 0 ? (p[v] > 0 && isfinite(p[v]) ? p[v] / total : 0) : 1.0 / (double)n;
    cum += pv;
    size_t upto = v == last ? g : (size_t)floor(cum * (double)g + u);
    if (upto > g) upto = g;
    for (; done < upto; done++) out[done] = (uint16_t)v;
  }
  for (size_t i = g - 1; i > 0; i--) {
    size_t j = (size_t)fhs_synth_stream_below(s, i + 1);
    uint16_t x = out[i];
    out[i] = out[j], out[j] = x;
  }
}

/* ---------- normal distribution ---------- */

double fhs_synth_stream_normal(fhs_synth_stream *s) {
  /* 1 - u is in (0, 1]: log never sees 0 */
  double u = 1.0 - fhs_synth_stream_unit(s), v = fhs_synth_stream_unit(s);
  return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

double fhs_norm_cdf(double x) { return 0.5 * erfc(-x / M_SQRT2); }

/* Acklam's rational approximation (relative error 1.2e-9), then one Halley step on
 * Phi(x) - p with erfc, which brings it to double precision. */
double fhs_norm_quantile(double p) {
  if (!(p > 0)) return -INFINITY;
  if (!(p < 1)) return INFINITY;
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                             -2.759285104469687e+02, 1.383577518672690e+02,
                             -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                             -1.556989798598866e+02, 6.680131188771972e+01,
                             -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                             -2.400758277161838e+00, -2.549732539343734e+00,
                             4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                             2.445134137142996e+00, 3.754408661907416e+00};
  double x, q, r;
  if (p < 0.02425) {
    q = sqrt(-2 * log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - 0.02425) {
    q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    q = sqrt(-2 * log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  double e = fhs_norm_cdf(x) - p, u = e * sqrt(2 * M_PI) * exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}
