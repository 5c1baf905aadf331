/* DP domain discovery, the data side: the two streaming passes that collect exact counts over
 * data-independent cells (discover_internal.h). Nothing here is released; discover.c adds
 * the noise. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "discover_internal.h"

/* ---------- label counts: open addressing, FNV-1a ---------- */

static uint64_t fnv1a(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static int labels_grow(disc_labels *m) {
  size_t cap = m->cap ? 2 * m->cap : 64;
  disc_label *slots = calloc(cap, sizeof *slots);
  if (!slots) return -1;
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->slots[i].key) continue;
    size_t j = fnv1a(m->slots[i].key, m->slots[i].len) & (cap - 1);
    while (slots[j].key) j = (j + 1) & (cap - 1);
    slots[j] = m->slots[i];
  }
  free(m->slots);
  m->slots = slots;
  m->cap = cap;
  return 0;
}

/* Counts one label; beyond DISC_MAX_LABELS distinct labels only known ones are counted and
 * the column is marked (it can only be an identifier if it ends up categorical). */
int disc_labels_add(disc_labels *m, const char *s, size_t len) {
  if (2 * (m->n + 1) > m->cap && labels_grow(m)) return -1;
  size_t j = fnv1a(s, len) & (m->cap - 1);
  for (; m->slots[j].key; j = (j + 1) & (m->cap - 1))
    if (m->slots[j].len == len && memcmp(m->slots[j].key, s, len) == 0) {
      m->slots[j].count++;
      return 0;
    }
  if (m->n >= DISC_MAX_LABELS) {
    m->overflow = true;
    return 0;
  }
  char *k = malloc(len + 1);
  if (!k) return -1;
  memcpy(k, s, len);
  k[len] = '\0';
  m->slots[j] = (disc_label){k, len, 1};
  m->n++;
  return 0;
}

void disc_labels_free(disc_labels *m) {
  for (size_t i = 0; i < m->cap; i++) free(m->slots[i].key);
  free(m->slots);
  memset(m, 0, sizeof *m);
}

/* ---------- cells ---------- */

size_t disc_cell(const double *grid, size_t n, double v) {
  size_t lo = 0, hi = n; /* number of grid points <= v */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (grid[mid] <= v)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* ---------- pass 1: classes, labels, coarse cells ---------- */

static int scan_field(disc_state *st, disc_col *c, const fhs_csv_field *f) {
  double v;
  if (f->len == 0) {
    c->cls[DISC_EMPTY]++;
    return 0;
  }
  if (fhs_parse_number(f->ptr, f->len, &v) == 0) {
    c->cls[v == floor(v) ? DISC_INT : DISC_FRAC]++;
    c->coarse_num[disc_cell(st->grid_num, st->n_grid_num, v)]++;
  } else if (fhs_datetime_parse(f->ptr, f->len, &v) == 0) {
    c->cls[DISC_DATETIME]++;
    c->coarse_dt[disc_cell(st->grid_dt, st->n_grid_dt, v)]++;
  } else {
    c->cls[DISC_OTHER]++;
  }
  return disc_labels_add(&c->labels, f->ptr, f->len);
}

int disc_pass1(disc_state *st, fhs_rows *r, fhs_error *err) {
  const fhs_csv_field *fields;
  int k, rc = 0;
  while (rc == 0 && (k = fhs_rows_next(r, &fields, NULL, err)) == 1)
    for (size_t i = 0; i < st->n && rc == 0; i++)
      if (scan_field(st, &st->cols[i], &fields[i]))
        rc = fhs_error_set(err, "%s: out of memory counting labels", st->input);
  if (rc == 0 && k < 0) rc = -1;
  return rc;
}

/* ---------- pass 2: fine cells of the numeric and datetime columns ---------- */

static void fine_field(disc_col *c, const fhs_csv_field *f) {
  double v;
  int bad = c->type == FHS_COL_DATETIME ? fhs_datetime_parse(f->ptr, f->len, &v)
                                        : fhs_parse_number(f->ptr, f->len, &v);
  if (f->len == 0 || bad) return;
  if (c->hist) { /* clamped into [lo, hi], rounded down: exactly one cell per value */
    double x = floor(fmin(fmax(v, c->lo), c->hi));
    c->point[(size_t)(x - c->lo)]++;
    return;
  }
  size_t k = disc_cell(c->cand, c->n_cand, v);
  c->cell[k]++;
  if (k > 0 && c->cand[k - 1] == v) c->point[k - 1]++;
}

int disc_pass2(disc_state *st, fhs_error *err) {
  fhs_rows *r = fhs_rows_open(st->input, err);
  if (!r) return -1;
  const fhs_csv_field *fields;
  int k;
  while ((k = fhs_rows_next(r, &fields, NULL, err)) == 1)
    for (size_t i = 0; i < st->n; i++)
      if (st->cols[i].type != FHS_COL_CATEGORICAL) fine_field(&st->cols[i], &fields[i]);
  fhs_rows_close(r);
  return k < 0 ? -1 : 0;
}
