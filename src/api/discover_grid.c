/* Data-independent candidate grids for DP domain discovery: round numbers and calendar
 * boundaries. Only the DP low and high of a column (discover.c) choose which part of the
 * fine grid is used. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "discover_internal.h"

/* m * 10^k as the double nearest the decimal: a product of exact integers below 2^53, or a
 * correctly rounded division, so a candidate reads and prints as the round number it is. */
static double dec(int64_t m, int k) {
  double p = 1;
  for (int i = 0; i < (k < 0 ? -k : k); i++) p *= 10;
  return k >= 0 ? (double)m * p : (double)m / p;
}

/* Decades, not 1-2-5 steps: a column's mass then sits in few cells, each large enough to pass
 * the noisy threshold even when a spike (0 in capital-gain) holds most rows. */
int disc_grid_numeric(double **grid, size_t *n) {
  const int kmin = -3, kmax = 9;
  size_t m = 0;
  double *g = malloc((2 * (size_t)(kmax - kmin + 1) + 1) * sizeof *g);
  if (!g) return -1;
  for (int k = kmax; k >= kmin; k--) g[m++] = -dec(1, k); /* negatives, from -1e9 up */
  g[m++] = 0;
  for (int k = kmin; k <= kmax; k++) g[m++] = dec(1, k);
  *grid = g;
  *n = m;
  return 0;
}

static double jan1(int year) {
  char buf[40];
  double t = 0;
  snprintf(buf, sizeof buf, "%04d-01-01", year);
  fhs_datetime_parse(buf, 10, &t);
  return t;
}

int disc_grid_datetime(double **grid, size_t *n) {
  const int y0 = 1900, y1 = 2100;
  double *g = malloc((size_t)(y1 - y0 + 1) * sizeof *g);
  if (!g) return -1;
  for (int y = y0; y <= y1; y++) g[y - y0] = jan1(y);
  *grid = g;
  *n = (size_t)(y1 - y0 + 1);
  return 0;
}

/* Appends v when lo < v < hi; out has room (the caller counted). */
static void put(disc_col *c, double v) {
  if (v > c->lo && v < c->hi) c->cand[c->n_cand++] = v;
}

/* Numeric: the finest step {1, 2, 5} x 10^k giving at most DISC_MAX_FINE candidates (at least 1
 * when the DP count says the values are integers). */
static int fine_numeric(disc_col *c) {
  static const int mant[] = {1, 2, 5};
  double span = c->hi - c->lo;
  for (int k = -12; k <= 10; k++)
    for (int i = 0; i < 3; i++) {
      double step = dec(mant[i], k);
      if (span / step > DISC_MAX_FINE || (c->integer && step < 1)) continue;
      int64_t j0 = (int64_t)floor(c->lo / step) - 1, j1 = (int64_t)ceil(c->hi / step) + 1;
      c->cand = malloc((size_t)(j1 - j0 + 3) * sizeof *c->cand);
      if (!c->cand) return -1;
      c->cand[c->n_cand++] = c->lo;
      for (int64_t j = j0; j <= j1; j++) put(c, dec(j * mant[i], k));
      c->cand[c->n_cand++] = c->hi;
      return 0;
    }
  return -1;
}

/* Datetime: days (1, 7), months (1, 3, 6) or years (1, 2, 5, 10, 20, 50, 100), the finest
 * giving at most DISC_MAX_FINE candidates. lo and hi are 1 January of some years. */
static int fine_datetime(disc_col *c) {
  static const int days[] = {1, 7}, months[] = {1, 3, 6}, years[] = {1, 2, 5, 10, 20, 50, 100};
  double span = (c->hi - c->lo) / 86400.0, yspan = span / 365.2425;
  c->cand = malloc((DISC_MAX_FINE + 3) * sizeof *c->cand);
  if (!c->cand) return -1;
  c->cand[c->n_cand++] = c->lo;
  int y0 = 1900 + (int)floor((c->lo - jan1(1900)) / 86400.0 / 365.2425 + 0.5);
  for (size_t i = 0; i < 2 && c->n_cand == 1; i++)
    if (span / days[i] <= DISC_MAX_FINE)
      for (double t = c->lo + 86400.0 * days[i]; t < c->hi; t += 86400.0 * days[i]) put(c, t);
  for (size_t i = 0; i < 3 && c->n_cand == 1; i++)
    if (yspan * 12 / months[i] <= DISC_MAX_FINE - 2)
      for (int mo = months[i]; y0 + mo / 12 <= 2100; mo += months[i]) {
        char buf[40];
        double t = c->hi;
        snprintf(buf, sizeof buf, "%04d-%02d-01", y0 + mo / 12, mo % 12 + 1);
        if (fhs_datetime_parse(buf, 10, &t) == 0) put(c, t);
        if (t >= c->hi) break;
      }
  for (size_t i = 0; i < 7 && c->n_cand == 1; i++)
    if (yspan / years[i] <= DISC_MAX_FINE - 2)
      for (int y = y0 - y0 % years[i] + years[i]; y <= 2100; y += years[i]) put(c, jan1(y));
  c->cand[c->n_cand++] = c->hi;
  return 0;
}

/* Every integer lo..hi (the caller checked that both are integers at most
 * DISC_MAX_INT_SPAN apart). */
static int fine_integers(disc_col *c) {
  size_t k = (size_t)(c->hi - c->lo) + 1;
  c->cand = malloc(k * sizeof *c->cand);
  if (!c->cand) return -1;
  for (size_t j = 0; j < k; j++) c->cand[j] = c->lo + (double)j;
  c->n_cand = k;
  return 0;
}

int disc_fine_grid(disc_col *c) {
  c->n_cand = 0;
  int rc = c->hist ? fine_integers(c) : c->type == FHS_COL_DATETIME ? fine_datetime(c) : fine_numeric(c);
  if (rc) return -1;
  c->cell = calloc(c->n_cand + 1, sizeof *c->cell);
  c->point = calloc(c->n_cand, sizeof *c->point);
  return c->cell && c->point ? 0 : -1;
}
