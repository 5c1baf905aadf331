/* Bin edges for numeric and datetime columns.
 *
 * Why equal-frequency bins with "round" inner edges:
 * - equal-width bins waste most of the domain on skewed columns (capital-gain is 0 for 92% of
 *   Adult and reaches 99999); equal-frequency bins spend the domain where the rows are, which
 *   is what marginal-based synthesizers need;
 * - an edge can be anywhere between two neighbouring distinct values without changing which
 *   row falls in which bin, and moving it by a few rows costs little, so each inner edge is
 *   the roundest number (fewest significant digits, or a calendar boundary) among the cuts
 *   within EDGE_TOLERANCE of a bin's share of the ideal one: a reader sees [20, 25) rather
 *   than [19.87, 25.02);
 * - the outer edges are the exact minimum and maximum, so no bin reaches outside the data and
 *   within-bin sampling never invents values beyond the real range;
 * - a value that alone holds more than a bin's share of the rows gets a bin to itself (the cut
 *   goes just before or after its group, within 1 of it for integer data); the share is
 *   recomputed from the remaining rows after every cut, so such a value does not starve the
 *   other bins. */
#include <math.h>
#include <stdlib.h>

#include "encode_internal.h"

/* ---------- roundest number in (a, b] ---------- */

/* k * mult * 10^e, computed so that decimal steps give the double nearest the decimal. */
static double scaled(double k, double mult, int e) {
  return e >= 0 ? k * mult * pow(10.0, e) : (k * mult) / pow(10.0, -e);
}

/* Smallest multiple of mult*10^e greater than a, or NAN when it cannot be represented. */
static double next_multiple(double a, double mult, int e) {
  double step = scaled(1, mult, e);
  double k = floor(a / step) + 1;
  if (!isfinite(k) || fabs(k) > 9007199254740992.0) return NAN;
  double x = scaled(k, mult, e);
  if (x <= a) x = scaled(k + 1, mult, e);
  return x;
}

static double nicest_number(double a, double b) {
  double mag = fmax(fabs(a), fabs(b));
  double span = b - a;
  int e_hi = mag > 0 ? (int)floor(log10(mag)) + 1 : 0;
  if (e_hi > 308) e_hi = 308;
  /* below a hundredth of the gap no step can be rounder than b itself */
  int e_lo = isfinite(span) ? (int)floor(log10(span)) - 2 : e_hi;
  static const double mults[3] = {1, 5, 2}; /* 10^e, then 5 and 2 times 10^(e-1) */
  for (int e = e_hi; e >= e_lo && e >= -300; e--) {
    for (int i = 0; i < 3; i++) {
      int ee = i == 0 ? e : e - 1;
      double x = next_multiple(a, mults[i], ee);
      if (x == x && x > a && x <= b) return x;
    }
  }
  return b; /* no rounder number is representable between them; b itself always fits */
}

/* First boundary of a calendar unit strictly after t (seconds), for unit: 0 century,
 * 1 decade, 2 year, 3 month. */
static double next_calendar(double t, int unit) {
  int64_t day = (int64_t)floor(t / 86400.0), y;
  unsigned m, d;
  fhs_civil_from_days(day, &y, &m, &d);
  int64_t ny = y;
  unsigned nm = 1;
  switch (unit) {
    case 0: ny = (y >= 0 ? y / 100 : (y - 99) / 100) * 100 + 100; break;
    case 1: ny = (y >= 0 ? y / 10 : (y - 9) / 10) * 10 + 10; break;
    case 2: ny = y + 1; break;
    default:
      nm = m == 12 ? 1 : m + 1;
      ny = m == 12 ? y + 1 : y;
      break;
  }
  /* the current century/decade/year/month starts at or before t: the next one is after t */
  return (double)fhs_days_from_civil(ny, nm, 1) * 86400.0;
}

static double nicest_datetime(double a, double b) {
  for (int unit = 0; unit < 4; unit++) {
    double x = next_calendar(a, unit);
    if (x > a && x <= b) return x;
  }
  static const double secs[4] = {86400, 3600, 60, 1};
  for (int i = 0; i < 4; i++) {
    double x = (floor(a / secs[i]) + 1) * secs[i];
    if (x > a && x <= b) return x;
  }
  return nicest_number(a, b); /* sub-second */
}

double fhs_enc_nicest(double a, double b, bool datetime) {
  return datetime ? nicest_datetime(a, b) : nicest_number(a, b);
}

/* ---------- one bin per value ---------- */

static bool all_multiples(const double *v, size_t m, double unit) {
  for (size_t i = 0; i < m; i++)
    if (fmod(v[i], unit) != 0) return false;
  return true;
}

/* Width of the last bin [v_last, v_last + step]: the natural unit of the values (1 for
 * integers, a day or a second for datetimes), else the smallest gap rounded down to 1, 2 or 5
 * times a power of ten. */
static double top_step(const double *v, size_t m, bool datetime) {
  if (datetime && all_multiples(v, m, 86400)) return 86400;
  if (all_multiples(v, m, 1)) return 1;
  double gap = 1;
  for (size_t i = 1; i < m; i++)
    if (i == 1 || v[i] - v[i - 1] < gap) gap = v[i] - v[i - 1];
  double p = pow(10.0, floor(log10(gap)));
  return gap >= 5 * p ? 5 * p : gap >= 2 * p ? 2 * p : p;
}

int fhs_enc_bins_per_value(const double *v, size_t m, bool datetime, double **edges,
                           size_t *n_edges) {
  double *e = malloc((m + 1) * sizeof *e);
  if (!e) return -1;
  for (size_t i = 0; i < m; i++) e[i] = v[i];
  double top = v[m - 1] + top_step(v, m, datetime);
  if (!(top > v[m - 1])) top = nextafter(v[m - 1], INFINITY); /* step lost to rounding */
  e[m] = top;
  *edges = e;
  *n_edges = m + 1;
  return 0;
}

/* ---------- equal-frequency bins ---------- */

/* Share of a bin's rows an inner edge may move by to land on a rounder number. */
#define EDGE_TOLERANCE 0.2

static size_t lower_bound(const double *v, size_t n, double x) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (v[mid] < x)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The next cut: the bin holds sorted[pos..cut) and the edge lies in
 * (sorted[cut-1], sorted[cut]]. Returns the edge, or NAN when no cut is possible. */
static double next_edge(const double *sorted, size_t n, size_t pos, size_t bins_left,
                        bool datetime) {
  double share = (double)(n - pos) / (double)bins_left;
  double target = (double)pos + share, tol = share * EDGE_TOLERANCE;
  if (target >= (double)n) return NAN;
  size_t lo = (size_t)fmax((double)pos + 1, floor(target - tol));
  size_t hi = (size_t)fmin((double)n - 1, ceil(target + tol));
  if (lo <= hi && sorted[lo - 1] < sorted[hi])
    return fhs_enc_nicest(sorted[lo - 1], sorted[hi], datetime); /* any cut in [lo, hi] */
  /* one value fills the whole window: cut just before or just after its group, whichever
   * is nearer the target and leaves both sides non-empty */
  size_t t = (size_t)target, start = lower_bound(sorted, n, sorted[t]), end = t;
  while (end < n && sorted[end] == sorted[t]) end++;
  bool before_ok = start > pos, after_ok = end < n;
  size_t cut;
  if (before_ok && (!after_ok || target - (double)start <= (double)end - target))
    cut = start;
  else if (after_ok)
    cut = end;
  else
    return NAN;
  /* Values are drawn uniformly inside their bin, so the spike's bin hugs it: with integer
   * data the edge goes within 1 of the value. capital-gain's 0 (92% of Adult) then gets
   * [0, 1) and synthetic rows get 0 itself, not 0..99 ([0, 100) gave KS 0.91). */
  double below = sorted[cut - 1], above = sorted[cut];
  bool integers = below == floor(below) && above == floor(above) && fabs(above) < 0x1p53;
  if (integers && above - below > 1) {
    if (cut == end) above = below + 1; /* the spike is below: cut in (below, below + 1] */
    else below = above - 1;            /* the spike is above: cut in (above - 1, above] */
  }
  return fhs_enc_nicest(below, above, datetime);
}

int fhs_enc_bins_quantile(const double *sorted, size_t n, double min, double max,
                          size_t max_bins, bool datetime, double **edges, size_t *n_edges) {
  double *e = malloc((max_bins + 1) * sizeof *e);
  if (!e) return -1;
  size_t k = 0, pos = 0;
  e[k++] = min;
  for (size_t bins_left = max_bins; bins_left > 1 && pos < n; bins_left--) {
    double edge = next_edge(sorted, n, pos, bins_left, datetime);
    if (!(edge > e[k - 1] && edge < max)) break;
    e[k++] = edge;
    pos = lower_bound(sorted, n, edge);
  }
  e[k++] = max;
  *edges = e;
  *n_edges = k;
  return 0;
}
