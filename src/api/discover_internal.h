/* Internals of DP domain discovery (discover.c, discover_grid.c, discover_scan.c). */
#ifndef FHS_API_DISCOVER_INTERNAL_H
#define FHS_API_DISCOVER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "discover.h"
#include "dp.h"
#include "rows.h"

/* A column with more distinct labels than this is refused if it turns out categorical. */
#define DISC_MAX_LABELS 100000
/* At most this many fine candidates between the DP low and high of a numeric column. */
#define DISC_MAX_FINE 1000
/* An integer column whose DP range [lo, hi] spans at most this much gets one noisy count per
 * integer (discover.c) instead of the fine grid and the exponential mechanism. */
#define DISC_MAX_INT_SPAN 512

/* Value classes: every field is in exactly one, so the class counts of a column form one
 * histogram of L2 sensitivity 1. */
enum { DISC_EMPTY, DISC_INT, DISC_FRAC, DISC_DATETIME, DISC_OTHER, DISC_N_CLASSES };

typedef struct {
  char *key;
  size_t len;
  uint64_t count;
} disc_label;

typedef struct {
  disc_label *slots;
  size_t cap, n;
  bool overflow; /* more than DISC_MAX_LABELS distinct labels */
} disc_labels;

typedef struct {
  /* pass 1 (exact, never released) */
  uint64_t cls[DISC_N_CLASSES];
  disc_labels labels;
  uint64_t *coarse_num; /* n_grid_num + 1 cells: cell k holds grid[k-1] <= v < grid[k] */
  uint64_t *coarse_dt;  /* n_grid_dt + 1 cells */
  /* decisions from the noisy class counts */
  fhs_col_type type;
  bool missing, integer;
  double noisy_cls[DISC_N_CLASSES];
  /* numeric/datetime: range from the noisy coarse cells, then the fine grid (pass 2) */
  double lo, hi;
  /* hist: an integer column with a small range; cand then holds every integer lo..hi and
   * point[j] counts the values that fall on cand[j] once clamped into [lo, hi] and rounded
   * down (cell is unused) */
  bool hist;
  double *cand; /* fine candidates lo = cand[0] < ... < cand[n_cand-1] = hi */
  size_t n_cand;
  uint64_t *cell;  /* n_cand + 1 cells as above */
  uint64_t *point; /* point[j] = #{v == cand[j]} */
} disc_col;

typedef struct {
  const char *input;
  size_t n; /* columns */
  disc_col *cols;
  double *grid_num, *grid_dt; /* coarse, data-independent */
  size_t n_grid_num, n_grid_dt;
} disc_state;

/* Number of grid points <= v (the cell of v). */
size_t disc_cell(const double *grid, size_t n, double v);
int disc_labels_add(disc_labels *m, const char *s, size_t len);
void disc_labels_free(disc_labels *m);
int disc_pass1(disc_state *st, fhs_rows *r, fhs_error *err);
int disc_pass2(disc_state *st, fhs_error *err);

/* Coarse grids: numbers 0 and +-10^k (k = -3..9); datetimes: 1 January of each year
 * 1900..2100. */
int disc_grid_numeric(double **grid, size_t *n);
int disc_grid_datetime(double **grid, size_t *n);
/* The fine candidates of a column between c->lo and c->hi (sets cand, n_cand); every integer
 * lo..hi when c->hist. */
int disc_fine_grid(disc_col *c);
/* x[0..K) are noisy counts (noise variance sigma2) of the integers origin, origin + 1, ...;
 * within each bin of the integer edges, they are shrunk toward the bin's mean (positive-part
 * James-Stein, refine.c): post-processing that keeps a bin's shape only where it stands above
 * the noise. Used for within-bin weights. */
void disc_shrink_bins(const double *edges, size_t n_edges, double origin, double *x, size_t K, double sigma2);

#endif
