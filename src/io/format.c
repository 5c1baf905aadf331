/* Value -> text (format.h).
 *
 * Shortest round-trip doubles: printf("%.17g") costs about 0.5 us and trying %.15g, %.16g,
 * %.17g with a strtod check after each about 1.3 us, which alone would spend seconds on a
 * million-row synthetic table. For the values tables hold (1e-4 <= |v| < 2^53) the decision
 * is made exactly in 128-bit integers instead: v = m * 2^e, and a decimal candidate reads back
 * as v exactly when it lies inside v's rounding interval [v - gap_below/2, v + gap_above/2]
 * (endpoints included when m is even, by round-half-even). Scaling everything by 10^q * 2^(2-e)
 * makes v and both bounds integers below 2^126. The candidates are the correctly rounded 15-
 * and 16-digit values (and their neighbours); 17 digits always round-trip. Anything outside
 * that range (tiny, subnormal, huge) takes the printf path, which is just as exact. */
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

static const uint64_t POW10[20] = {1ull,
                                   10ull,
                                   100ull,
                                   1000ull,
                                   10000ull,
                                   100000ull,
                                   1000000ull,
                                   10000000ull,
                                   100000000ull,
                                   1000000000ull,
                                   10000000000ull,
                                   100000000000ull,
                                   1000000000000ull,
                                   10000000000000ull,
                                   100000000000000ull,
                                   1000000000000000ull,
                                   10000000000000000ull,
                                   100000000000000000ull,
                                   1000000000000000000ull,
                                   10000000000000000000ull};

size_t fhs_format_uint64(uint64_t v, char *buf) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
  buf[n] = '\0';
  return n;
}

size_t fhs_format_int64(int64_t v, char *buf) {
  if (v >= 0) return fhs_format_uint64((uint64_t)v, buf);
  buf[0] = '-';
  return 1 + fhs_format_uint64(0 - (uint64_t)v, buf + 1); /* no overflow for INT64_MIN */
}

/* ---------- doubles ---------- */

/* The exact interval of decimals that read back as m * 2^e, scaled by 10^q * 2^s. */
typedef struct {
  u128 lo, mid, hi;
  unsigned s;
  bool inclusive;
} rounding_interval;

static u128 pow10_128(int q) {
  return q < 20 ? (u128)POW10[q] : (u128)POW10[19] * POW10[q - 19];
}

static void interval_make(uint64_t m, int e, bool narrow_below, int q, rounding_interval *iv) {
  u128 p = pow10_128(q);
  iv->s = (unsigned)(2 - e);
  iv->mid = (u128)(4 * m) * p;
  iv->hi = (u128)(4 * m + 2) * p;
  iv->lo = (u128)(4 * m - (narrow_below ? 1 : 2)) * p;
  iv->inclusive = (m & 1) == 0;
}

static bool interval_holds(const rounding_interval *iv, uint64_t c, int j) {
  u128 v = ((u128)c * POW10[j]) << iv->s;
  return iv->inclusive ? iv->lo <= v && v <= iv->hi : iv->lo < v && v < iv->hi;
}

/* The candidate with digits down to 10^j (in units of the scaled value) that reads back,
 * nearest first; 0 when none does. */
static uint64_t round_to(const rounding_interval *iv, int j) {
  u128 unit = (u128)POW10[j] << iv->s;
  uint64_t c = (uint64_t)(iv->mid >> iv->s) / POW10[j]; /* = mid / unit, in 64 bits */
  u128 rem = iv->mid - (u128)c * unit;
  bool up = 2 * rem > unit || (2 * rem == unit && (c & 1));
  uint64_t first = up ? c + 1 : c, second = up ? c : c + 1;
  if (interval_holds(iv, first, j)) return first;
  if (j > 0 && interval_holds(iv, second, j)) return second;
  return 0;
}

/* Writes digits (ndig of them, first at 10^k) in fixed notation. */
static size_t put_fixed(const char *d, int ndig, int k, char *p) {
  size_t n = 0;
  if (k < 0) {
    p[n++] = '0';
    p[n++] = '.';
    for (int i = 0; i < -k - 1; i++) p[n++] = '0';
    memcpy(p + n, d, (size_t)ndig);
    n += (size_t)ndig;
  } else {
    for (int i = 0; i <= k; i++) p[n++] = i < ndig ? d[i] : '0';
    if (ndig > k + 1) {
      p[n++] = '.';
      memcpy(p + n, d + k + 1, (size_t)(ndig - k - 1));
      n += (size_t)(ndig - k - 1);
    }
  }
  p[n] = '\0';
  return n;
}

/* Exact shortest form of a positive finite non-integer x in [1e-4, 2^53); 0 when x is out of
 * that range. */
static size_t shortest_fast(double x, char *p) {
  if (!(x >= 1e-4 && x < 9007199254740992.0)) return 0;
  uint64_t bits;
  memcpy(&bits, &x, sizeof bits);
  int be = (int)((bits >> 52) & 0x7ff);
  uint64_t frac = bits & ((1ull << 52) - 1);
  uint64_t m = frac | (1ull << 52);
  int e = be - 1075;
  if (e >= 0) return 0; /* an integer: the caller prints those */
  int k = (int)floor(log10(x));
  rounding_interval iv;
  uint64_t top = 0;
  for (int tries = 0; tries < 3; tries++) {
    int q = 16 - k;
    if (q < 1 || q > 21) return 0;
    interval_make(m, e, frac == 0 && be > 1, q, &iv);
    top = (uint64_t)(iv.mid >> iv.s);
    if (top < POW10[16])
      k--;
    else if (top >= POW10[17])
      k++;
    else
      break;
  }
  if (top < POW10[16] || top >= POW10[17]) return 0;
  uint64_t c = 0;
  int ndig = 17;
  for (int j = 2; j >= 1 && !c; j--) {
    c = round_to(&iv, j);
    ndig = 17 - j;
  }
  if (!c) {
    c = round_to(&iv, 0);
    ndig = 17;
  }
  if (c >= POW10[ndig]) { /* rounded up to the next power of ten */
    c /= 10;
    k++;
  }
  while (c % 10 == 0) {
    c /= 10;
    ndig--;
  }
  char d[24];
  fhs_format_uint64(c, d);
  return put_fixed(d, ndig, k, p);
}

static size_t shortest_slow(double x, char *p) {
  static const char *const fmt[] = {"%.15g", "%.16g", "%.17g"};
  int n = 0;
  for (int i = 0; i < 3; i++) {
    n = snprintf(p, FHS_FORMAT_BUF - 1, fmt[i], x);
    if (strtod(p, NULL) == x) break;
  }
  return (size_t)n;
}

size_t fhs_format_double(double v, char *buf) {
  if (isnan(v)) return (size_t)snprintf(buf, FHS_FORMAT_BUF, "nan");
  if (isinf(v)) return (size_t)snprintf(buf, FHS_FORMAT_BUF, v < 0 ? "-inf" : "inf");
  char *p = buf;
  if (signbit(v)) {
    *p++ = '-';
    v = -v;
  }
  size_t n;
  if (v < 9007199254740992.0 && v == floor(v))
    n = fhs_format_uint64((uint64_t)v, p);
  else if (!(n = shortest_fast(v, p)))
    n = shortest_slow(v, p);
  return (size_t)(p - buf) + n;
}

size_t fhs_format_float(float v, char *buf) {
  if (isnan(v) || isinf(v)) return fhs_format_double(v, buf);
  static const char *const fmt[] = {"%.6g", "%.7g", "%.8g", "%.9g"};
  int n = 0;
  for (int i = 0; i < 4; i++) {
    n = snprintf(buf, FHS_FORMAT_BUF, fmt[i], (double)v);
    if (strtof(buf, NULL) == v) break;
  }
  return (size_t)n;
}

/* ---------- dates and times ---------- */

/* Days since 1970-01-01 -> proleptic Gregorian date (H. Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
  *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static size_t put2(char *p, unsigned v) {
  p[0] = (char)('0' + v / 10);
  p[1] = (char)('0' + v % 10);
  return 2;
}

static size_t put_date(int64_t days, char *p) {
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  size_t n;
  if (y >= 0 && y <= 9999) {
    n = put2(p, (unsigned)(y / 100));
    n += put2(p + n, (unsigned)(y % 100));
  } else {
    n = (size_t)snprintf(p, 24, "%c%06lld", y < 0 ? '-' : '+',
                         (long long)(y < 0 ? -y : y));
  }
  p[n++] = '-';
  n += put2(p + n, m);
  p[n++] = '-';
  n += put2(p + n, d);
  p[n] = '\0';
  return n;
}

size_t fhs_format_date(int64_t days, char *buf) { return put_date(days, buf); }

size_t fhs_format_timestamp(int64_t v, int digits, bool utc, char *buf) {
  if (digits < 0 || digits > 9 || digits % 3) digits = 0;
  int64_t per_sec = (int64_t)POW10[digits], per_day = per_sec * 86400;
  int64_t days = v / per_day, rem = v % per_day; /* floor division, no overflow */
  if (rem < 0) {
    rem += per_day;
    days--;
  }
  size_t n = put_date(days, buf);
  if (rem == 0) return n;
  int64_t secs = rem / per_sec, frac = rem % per_sec;
  buf[n++] = 'T';
  n += put2(buf + n, (unsigned)(secs / 3600));
  buf[n++] = ':';
  n += put2(buf + n, (unsigned)(secs / 60 % 60));
  buf[n++] = ':';
  n += put2(buf + n, (unsigned)(secs % 60));
  if (frac) {
    /* keep whole groups of three digits: milliseconds, then micro-, then nanoseconds */
    int keep = digits;
    while (keep > 3 && frac % 1000 == 0) {
      frac /= 1000;
      keep -= 3;
    }
    buf[n++] = '.';
    for (int i = keep - 1; i >= 0; i--) buf[n + (size_t)i] = (char)('0' + frac % 10), frac /= 10;
    n += (size_t)keep;
  }
  if (utc) buf[n++] = 'Z';
  buf[n] = '\0';
  return n;
}
