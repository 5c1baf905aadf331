/* calibrate: moving a model's sampled records towards released 2-way tables (synth_internal.h).
 *
 * A model such as the Gaussian copula cannot express every 2-way structure: one latent order
 * per column, and only monotone dependence. Where a released table shows, beyond its noise,
 * a structure the model misses, the sampled records are updated until their counts follow it,
 * in the manner of PrivSyn's GUM (Zhang et al., USENIX Security 2021): records in cells with
 * too many rows are moved to cells with too few. Everything else about a record (the model's
 * dependence with the other columns) is kept as far as possible.
 *
 * Targets (fhs_calib_init), post-processing of released values only:
 * - A table's target mixes the model's own table C and the noisy table Y:
 *   T = (1 - f) C + f S. f = max(0, 1 - cells sigma^2 / |Y - C|^2) is the James-Stein factor:
 *   where the model fits within the noise, f = 0 and the table is left alone; a structure the
 *   model misses (marital status and relationship, which together fix sex) is followed in
 *   proportion to how far it stands out of the noise. S is Y soft-thresholded at CALIB_SOFT
 *   sigma (max(0, Y - 1.5 sigma), normalised): a sparse table such as education x
 *   education-num has 240 empty cells of 256, and Y's clipped noise alone would put 13% of
 *   the rows there.
 * - Rows and columns are then scaled until the table's margins are the model's 1-ways.
 *   Targets that disagree on a shared 1-way pull records back and forth (measured: 2-way TVD
 *   0.042 instead of 0.032 on Adult at epsilon 1); targets with common 1-ways can all be met.
 *
 * Updates (fhs_calib_apply), CALIB_SWEEPS passes over the tables, the step alpha decaying:
 * - In a table with current counts W and target T x rows, each surplus cell gives up alpha
 *   (W - T) records.
 * - The leaving records are shared out over the deficit cells in proportion to T - W
 *   (systematic sampling). Each becomes, in its new cell, either a copy of a record already
 *   there (all columns: the model's dependence comes along) or keeps its other columns and
 *   takes the cell's two values. A copy is used with probability have / (have + need): many
 *   copies of a few records would lose the variety the model had (copies only: 0.038).
 * - Linked columns (fhs_calib_link: the copula's twins) follow a changed value, so a move in
 *   education x occupation cannot tear education from education-num.
 * Every random choice comes from the seeded stream, so the output depends only on the seed;
 * the passes are sequential, so it cannot depend on the thread count either. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

#define CALIB_SWEEPS 8
#define CALIB_ALPHA0 0.8
#define CALIB_DECAY 0.75
#define CALIB_SOFT 1.5 /* soft threshold, in sigmas */

void fhs_calib_free(fhs_calib *c) {
  if (!c) return;
  for (size_t i = 0; c->target && i < c->n_tables; i++) free(c->target[i]);
  for (size_t i = 0; c->lmap && i < c->n_links; i++) free(c->lmap[i]);
  free(c->a), free(c->b), free(c->target), free(c->lx), free(c->ly), free(c->lmap);
  memset(c, 0, sizeof *c);
}

/* The target of one released table y, written over the model's own table (probabilities);
 * returns the James-Stein factor f (0: the model is kept). */
static double shrink(double *model, const fhs_marginal *y, double nrows) {
  double ss = 0, noise = (double)y->size * y->sigma * y->sigma, soft = 0;
  for (size_t k = 0; k < y->size; k++) {
    double d = (double)y->counts[k] - nrows * model[k];
    ss += d * d;
    soft += fmax(0, (double)y->counts[k] - CALIB_SOFT * y->sigma);
  }
  double f = ss > noise ? 1 - noise / ss : 0;
  if (soft <= 0) return 0;
  for (size_t k = 0; k < y->size; k++)
    model[k] = (1 - f) * model[k] + f * fmax(0, (double)y->counts[k] - CALIB_SOFT * y->sigma) / soft;
  return f;
}

/* Scales rows and columns of t (da x db) until its margins are pa and pb. */
static void rake(double *t, size_t da, size_t db, const double *pa, const double *pb) {
  for (int it = 0; it < 100; it++) {
    double off = 0;
    for (size_t i = 0; i < da; i++) {
      double s = 0;
      for (size_t j = 0; j < db; j++) s += t[i * db + j];
      off += fabs(s - pa[i]);
      for (size_t j = 0; j < db; j++) t[i * db + j] *= s > 0 ? pa[i] / s : 0;
    }
    for (size_t j = 0; j < db; j++) {
      double s = 0;
      for (size_t i = 0; i < da; i++) s += t[i * db + j];
      off += fabs(s - pb[j]);
      for (size_t i = 0; i < da; i++) t[i * db + j] *= s > 0 ? pb[j] / s : 0;
    }
    if (off < 1e-12) break;
  }
}

int fhs_calib_init(fhs_calib *c, const fhs_marginal_set *stats, const size_t *dom,
                   const double *const *p, double **model_tables, fhs_error *err) {
  memset(c, 0, sizeof *c);
  double nrows = fhs_synth_rows_estimate(stats);
  size_t pairs = 0;
  for (size_t i = 0; i < stats->count; i++) pairs += stats->m[i].n_cols == 2;
  c->a = calloc(pairs + 1, sizeof *c->a), c->b = calloc(pairs + 1, sizeof *c->b);
  c->target = calloc(pairs + 1, sizeof *c->target);
  if (!c->a || !c->b || !c->target) goto oom;
  for (size_t i = 0, q = 0; i < stats->count; i++) {
    const fhs_marginal *y = &stats->m[i];
    if (y->n_cols != 2) continue;
    double *t = model_tables[q++];
    if (shrink(t, y, nrows) <= 0) continue;
    size_t a = y->cols[0], b = y->cols[1];
    rake(t, dom[a], dom[b], p[a], p[b]);
    size_t k = c->n_tables++;
    c->a[k] = a, c->b[k] = b;
    if (!(c->target[k] = malloc(y->size * sizeof *t))) goto oom;
    memcpy(c->target[k], t, y->size * sizeof *t);
  }
  return 0;
oom:
  fhs_calib_free(c);
  return fhs_error_set(err, "synth: out of memory");
}

int fhs_calib_link(fhs_calib *c, size_t x, size_t y, const uint16_t *map, size_t dom_x,
                   fhs_error *err) {
  size_t k = c->n_links;
  size_t *lx = realloc(c->lx, (k + 1) * sizeof *lx);
  if (lx) c->lx = lx;
  size_t *ly = realloc(c->ly, (k + 1) * sizeof *ly);
  if (ly) c->ly = ly;
  uint16_t **lm = realloc(c->lmap, (k + 1) * sizeof *lm);
  if (lm) c->lmap = lm;
  uint16_t *copy = malloc(dom_x * sizeof *copy);
  if (!lx || !ly || !lm || !copy) {
    free(copy);
    return fhs_error_set(err, "synth: out of memory");
  }
  memcpy(copy, map, dom_x * sizeof *copy);
  c->lx[k] = x, c->ly[k] = y, c->lmap[k] = copy, c->n_links = k + 1;
  return 0;
}

typedef struct {
  const fhs_calib *c;
  size_t rows, n_cols, cells, db;
  uint16_t *idx;      /* the records, column-major */
  uint32_t *cell;     /* [row] current cell */
  double *want;       /* [cell] target count */
  uint32_t *have;     /* cells + 1 bucket starts: cell k's rows are members[have[k]..have[k+1]) */
  uint32_t *members;  /* rows sorted by cell (a snapshot before the moves) */
  uint32_t *leave;    /* rows picked to move */
} work;

/* Rows grouped by cell: have[c]..have[c + 1] index members. */
static void bucket(work *w) {
  memset(w->have, 0, (w->cells + 1) * sizeof *w->have);
  for (size_t r = 0; r < w->rows; r++) w->have[w->cell[r] + 1]++;
  for (size_t k = 0; k < w->cells; k++) w->have[k + 1] += w->have[k];
  for (size_t r = 0; r < w->rows; r++) w->members[w->have[w->cell[r]]++] = (uint32_t)r;
  for (size_t k = w->cells; k > 0; k--) w->have[k] = w->have[k - 1]; /* back to starts */
  w->have[0] = 0;
}

/* One table: records leave surplus cells, then arrive in deficit cells. A surplus cell gives
 * up alpha times its surplus (rounded systematically over the cells): a run of its members
 * from a random start. The rows are exchangeable draws, so a run is as good as a random
 * subset, at one random number per cell instead of one per row. */
static void update_table(work *w, size_t a, size_t b, double alpha, fhs_synth_stream *s) {
  size_t n_leave = 0;
  double u = fhs_synth_stream_unit(s), cum = 0;
  for (size_t k = 0; k < w->cells; k++) {
    size_t have = w->have[k + 1] - w->have[k];
    double extra = (double)have - w->want[k];
    if (extra <= 0) continue;
    size_t before = (size_t)floor(cum + u);
    cum += alpha * extra;
    size_t go = (size_t)floor(cum + u) - before, start = fhs_synth_stream_below(s, have);
    for (size_t i = 0; i < go && i < have; i++)
      w->leave[n_leave++] = w->members[w->have[k] + (start + i) % have];
  }
  double need_total = 0;
  for (size_t k = 0; k < w->cells; k++) {
    double need = w->want[k] - (double)(w->have[k + 1] - w->have[k]);
    need_total += need > 0 ? need : 0;
  }
  if (n_leave == 0 || need_total <= 0) return;
  u = fhs_synth_stream_unit(s), cum = 0;
  size_t done = 0;
  for (size_t k = 0; k < w->cells && done < n_leave; k++) {
    size_t have = w->have[k + 1] - w->have[k];
    double need = w->want[k] - (double)have;
    if (need <= 0) continue;
    cum += need;
    size_t upto = (size_t)floor(cum / need_total * (double)n_leave + u);
    if (upto > n_leave) upto = n_leave;
    for (; done < upto; done++) {
      size_t r = w->leave[done];
      if (have > 0 && fhs_synth_stream_unit(s) * ((double)have + need) < (double)have) {
        size_t src = w->members[w->have[k] + fhs_synth_stream_below(s, have)];
        for (size_t col = 0; col < w->n_cols; col++)
          w->idx[col * w->rows + r] = w->idx[col * w->rows + src];
      } else {
        w->idx[a * w->rows + r] = (uint16_t)(k / w->db);
        w->idx[b * w->rows + r] = (uint16_t)(k % w->db);
        for (size_t l = 0; l < w->c->n_links; l++) { /* the twin of a changed column follows */
          size_t x = w->c->lx[l], y = w->c->ly[l];
          if ((x == a || x == b) && y != a && y != b)
            w->idx[y * w->rows + r] = w->c->lmap[l][w->idx[x * w->rows + r]];
        }
      }
    }
  }
}

int fhs_calib_apply(const fhs_calib *c, const size_t *dom, size_t n_cols, uint64_t seed,
                    uint64_t nonce, size_t rows, uint16_t *idx, fhs_error *err) {
  if (c->n_tables == 0 || rows == 0) return 0;
  if (rows > UINT32_MAX) return fhs_error_set(err, "synth: calibration takes at most 2^32 rows");
  size_t maxc = 0;
  for (size_t i = 0; i < c->n_tables; i++) {
    size_t cells = dom[c->a[i]] * dom[c->b[i]];
    maxc = cells > maxc ? cells : maxc;
  }
  work w = {c, rows, n_cols, 0, 0, idx, malloc(rows * sizeof(uint32_t)),
            malloc(maxc * sizeof(double)), malloc((maxc + 1) * sizeof(uint32_t)),
            malloc(rows * sizeof(uint32_t)), malloc(rows * sizeof(uint32_t))};
  int rc = w.cell && w.want && w.have && w.members && w.leave ? 0 : -1;
  fhs_synth_stream s;
  fhs_synth_stream_init(&s, seed, nonce);
  double alpha = CALIB_ALPHA0;
  for (int sweep = 0; rc == 0 && sweep < CALIB_SWEEPS; sweep++, alpha *= CALIB_DECAY)
    for (size_t i = 0; i < c->n_tables; i++) {
      size_t a = c->a[i], b = c->b[i];
      w.db = dom[b], w.cells = dom[a] * dom[b];
      for (size_t r = 0; r < rows; r++)
        w.cell[r] = (uint32_t)(idx[a * rows + r] * w.db + idx[b * rows + r]);
      for (size_t k = 0; k < w.cells; k++) w.want[k] = c->target[i][k] * (double)rows;
      bucket(&w);
      update_table(&w, a, b, alpha, &s);
    }
  fhs_synth_stream_wipe(&s);
  free(w.cell), free(w.want), free(w.have), free(w.members), free(w.leave);
  return rc ? fhs_error_set(err, "synth: out of memory for calibrating %zu rows", rows) : 0;
}
