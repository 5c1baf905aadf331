/* ISO 8601 dates and times <-> seconds since the epoch, UTC, proleptic Gregorian calendar.
 * Done by hand rather than with timegm/strptime: those depend on the locale and TZ, accept
 * more than ISO 8601, and timegm is not in POSIX. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "encode_internal.h"

int64_t fhs_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void fhs_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
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

static unsigned days_in_month(int64_t y, unsigned m) {
  static const unsigned dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : dm[m - 1];
}

/* Reads exactly n digits at *p. */
static int digits(const char **p, const char *end, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (*p >= end || (*p)[0] < '0' || (*p)[0] > '9') return -1;
    v = v * 10 + ((*p)[0] - '0');
    (*p)++;
  }
  *out = v;
  return 0;
}

static int expect(const char **p, const char *end, char c) {
  if (*p >= end || **p != c) return -1;
  (*p)++;
  return 0;
}

/* [T ]HH:MM[:SS[.fff]] -> seconds into the day. */
static int parse_time(const char **p, const char *end, double *secs) {
  int hh, mi, ss = 0;
  double frac = 0;
  if (digits(p, end, 2, &hh) || expect(p, end, ':') || digits(p, end, 2, &mi)) return -1;
  if (*p < end && **p == ':') {
    (*p)++;
    if (digits(p, end, 2, &ss)) return -1;
    if (*p < end && (**p == '.' || **p == ',')) {
      (*p)++;
      double scale = 0.1;
      int n = 0;
      while (*p < end && **p >= '0' && **p <= '9') {
        if (n++ < 9) frac += (**p - '0') * scale; /* nanoseconds are plenty */
        scale /= 10;
        (*p)++;
      }
      if (n == 0) return -1;
    }
  }
  if (hh > 23 || mi > 59 || ss > 59) return -1;
  *secs = hh * 3600.0 + mi * 60.0 + ss + frac;
  return 0;
}

/* Z | +HH:MM | -HH:MM -> offset from UTC in seconds (none: 0). */
static int parse_zone(const char **p, const char *end, double *offset) {
  *offset = 0;
  if (*p == end) return 0;
  if (**p == 'Z' || **p == 'z') {
    (*p)++;
    return 0;
  }
  if (**p != '+' && **p != '-') return -1;
  int sign = **p == '-' ? -1 : 1, hh, mm;
  (*p)++;
  if (digits(p, end, 2, &hh) || expect(p, end, ':') || digits(p, end, 2, &mm)) return -1;
  if (hh > 23 || mm > 59) return -1;
  *offset = sign * (hh * 3600.0 + mm * 60.0);
  return 0;
}

int fhs_datetime_parse(const char *s, size_t len, double *out) {
  const char *p = s, *end = s + len;
  while (p < end && *p == ' ') p++;
  while (end > p && end[-1] == ' ') end--;
  int y, m, d;
  if (digits(&p, end, 4, &y) || expect(&p, end, '-') || digits(&p, end, 2, &m) ||
      expect(&p, end, '-') || digits(&p, end, 2, &d))
    return -1;
  if (m < 1 || m > 12 || d < 1 || (unsigned)d > days_in_month(y, (unsigned)m)) return -1;
  double secs = 0, offset = 0;
  if (p < end) {
    if (*p != 'T' && *p != 't' && *p != ' ') return -1;
    p++;
    if (parse_time(&p, end, &secs) || parse_zone(&p, end, &offset)) return -1;
  }
  if (p != end) return -1;
  *out = (double)fhs_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400.0 + secs - offset;
  return 0;
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

size_t fhs_datetime_format(double t, char *buf, size_t size) {
  /* 0000-01-01 .. 9999-12-31T23:59:59.999 */
  if (!isfinite(t) || t < -62167219200.0 || t >= 253402300800.0 || size < FHS_DATETIME_BUF)
    return 0;
  int64_t ms = llround(t * 1000.0);
  int64_t days = floor_div(ms, 86400000);
  int64_t in_day = ms - days * 86400000;
  int64_t y;
  unsigned m, d;
  fhs_civil_from_days(days, &y, &m, &d);
  if (y > 9999) return 0; /* t rounded up past the last millisecond of 9999 */
  int n;
  if (in_day == 0) {
    n = snprintf(buf, size, "%04d-%02u-%02u", (int)y, m, d);
  } else {
    int hh = (int)(in_day / 3600000), mi = (int)(in_day / 60000 % 60),
        ss = (int)(in_day / 1000 % 60), frac = (int)(in_day % 1000);
    if (frac)
      n = snprintf(buf, size, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", (int)y, m, d, hh, mi, ss,
                   frac);
    else
      n = snprintf(buf, size, "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y, m, d, hh, mi, ss);
  }
  return n > 0 ? (size_t)n : 0;
}
