/* Loading a table for evaluation: one pass over a CSV or Parquet file, every schema column
 * kept as domain indices (for TVD and histograms) and as values (numbers for KS, correlations,
 * distances and models; label identities for exact matches). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eval_internal.h"
#include "rows.h"

/* ---------- label -> schema index map (open addressing, FNV-1a) ---------- */

typedef struct {
  const char **label; /* borrowed from the schema; NULL marks an empty slot */
  size_t *index;
  size_t cap;
} label_map;

static uint64_t fnv1a(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static int label_map_init(label_map *m, const fhs_column *col) {
  m->cap = 16;
  while (m->cap < 2 * col->n_categories + 2) m->cap *= 2;
  m->label = calloc(m->cap, sizeof *m->label);
  m->index = calloc(m->cap, sizeof *m->index);
  if (!m->label || !m->index) return -1;
  for (size_t i = 0; i < col->n_categories; i++) {
    const char *s = col->categories[i];
    size_t h = (size_t)fnv1a(s, strlen(s)) & (m->cap - 1);
    while (m->label[h]) h = (h + 1) & (m->cap - 1);
    m->label[h] = s;
    m->index[h] = i;
  }
  return 0;
}

static long label_map_find(const label_map *m, const char *s, size_t len) {
  size_t h = (size_t)fnv1a(s, len) & (m->cap - 1);
  for (; m->label[h]; h = (h + 1) & (m->cap - 1))
    if (strlen(m->label[h]) == len && memcmp(m->label[h], s, len) == 0) return (long)m->index[h];
  return -1;
}

static void label_map_free(label_map *m) {
  free(m->label);
  free(m->index);
}

/* ---------- loading ---------- */

void fhs_eval_data_free(fhs_eval_data *d) {
  if (!d) return;
  for (size_t c = 0; c < d->n_cols; c++) {
    if (d->idx) free(d->idx[c]);
    if (d->num) free(d->num[c]);
    if (d->key) free(d->key[c]);
  }
  free(d->idx);
  free(d->num);
  free(d->key);
  free(d->domain);
  memset(d, 0, sizeof *d);
}

static int data_alloc(const fhs_schema *s, fhs_eval_data *d, size_t cap) {
  size_t nc = s->n_columns;
  d->n_cols = nc;
  d->domain = calloc(nc ? nc : 1, sizeof *d->domain);
  d->idx = calloc(nc ? nc : 1, sizeof *d->idx);
  d->num = calloc(nc ? nc : 1, sizeof *d->num);
  d->key = calloc(nc ? nc : 1, sizeof *d->key);
  if (!d->domain || !d->idx || !d->num || !d->key) return -1;
  for (size_t c = 0; c < nc; c++) {
    const fhs_column *col = &s->columns[c];
    d->domain[c] = fhs_schema_domain_size(col) + 1;
    d->idx[c] = malloc(cap * sizeof *d->idx[c]);
    if (!d->idx[c]) return -1;
    if (col->type == FHS_COL_CATEGORICAL)
      d->key[c] = malloc(cap * sizeof *d->key[c]);
    else
      d->num[c] = malloc(cap * sizeof *d->num[c]);
    if (!d->key[c] && !d->num[c]) return -1;
  }
  return 0;
}

static int data_grow(fhs_eval_data *d, size_t cap) {
  for (size_t c = 0; c < d->n_cols; c++) {
    uint16_t *i = realloc(d->idx[c], cap * sizeof *i);
    if (!i) return -1;
    d->idx[c] = i;
    if (d->num[c]) {
      double *v = realloc(d->num[c], cap * sizeof *v);
      if (!v) return -1;
      d->num[c] = v;
    }
    if (d->key[c]) {
      uint32_t *k = realloc(d->key[c], cap * sizeof *k);
      if (!k) return -1;
      d->key[c] = k;
    }
  }
  return 0;
}

/* Bin of a numeric value: bins[i] <= v < bins[i+1], the last bin closed; -1 outside. */
static long numeric_bin(const fhs_column *col, double v) {
  size_t nb = col->n_bins;
  if (!(v >= col->bins[0]) || v > col->bins[nb - 1]) return -1;
  if (v == col->bins[nb - 1]) return (long)nb - 2;
  size_t lo = 0, hi = nb - 1; /* bins[lo] <= v < bins[hi] */
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (v >= col->bins[mid]) lo = mid;
    else hi = mid;
  }
  return (long)lo;
}

/* Stores field f of column c in row r. */
static int store_field(const fhs_column *col, const label_map *map, fhs_eval_data *d, size_t c,
                       size_t r, const fhs_csv_field *f, const char *where, fhs_error *err) {
  size_t outside = d->domain[c] - 1;
  long miss = fhs_schema_missing_index(col);
  if (f->len == 0) { /* missing */
    d->idx[c][r] = (uint16_t)(miss >= 0 ? (size_t)miss : outside);
    if (d->num[c]) d->num[c][r] = NAN;
    if (d->key[c]) d->key[c][r] = (uint32_t)(miss >= 0 ? (size_t)miss : outside);
    return 0;
  }
  if (col->type == FHS_COL_CATEGORICAL) {
    long i = label_map_find(map, f->ptr, f->len);
    d->idx[c][r] = (uint16_t)(i >= 0 ? (size_t)i : outside);
    /* An unknown label still needs an identity of its own for exact matches and distances:
     * a 20-bit hash above the domain (collisions only merge two invented labels). */
    d->key[c][r] = i >= 0 ? (uint32_t)i
                          : (uint32_t)(d->domain[c] + (fnv1a(f->ptr, f->len) & 0xFFFFFu));
    return 0;
  }
  double v;
  int bad = col->type == FHS_COL_DATETIME ? fhs_datetime_parse(f->ptr, f->len, &v)
                                          : fhs_parse_number(f->ptr, f->len, &v);
  if (bad) {
    char shown[64];
    snprintf(shown, sizeof shown, "%.40s%s", f->ptr, f->len > 40 ? "..." : "");
    return fhs_error_set(err, "%s: column \"%s\": \"%s\" is not a %s", where, col->name, shown,
                         col->type == FHS_COL_DATETIME ? "date/time" : "number");
  }
  long b = numeric_bin(col, v);
  d->idx[c][r] = (uint16_t)(b >= 0 ? (size_t)b : outside);
  d->num[c][r] = v;
  return 0;
}

/* Maps schema columns to file columns; checks the file has them all (and, with exact, only
 * them). */
static int bind_columns(const fhs_schema *s, fhs_rows *rows, int exact, long *pos,
                        fhs_error *err) {
  const char *path = fhs_rows_path(rows);
  for (size_t c = 0; c < s->n_columns; c++) {
    pos[c] = fhs_rows_column_index(rows, s->columns[c].name);
    if (pos[c] < 0)
      return fhs_error_set(err, "%s: no column \"%s\" (the columns must match the real data's)",
                           path, s->columns[c].name);
  }
  if (exact)
    for (size_t i = 0; i < fhs_rows_n_columns(rows); i++)
      if (fhs_schema_find(s, fhs_rows_column_name(rows, i)) < 0)
        return fhs_error_set(err, "%s: column \"%s\" is not in the real data", path,
                             fhs_rows_column_name(rows, i));
  return 0;
}

static int read_rows(const fhs_schema *s, fhs_rows *rows, const long *pos, label_map *maps,
                     fhs_eval_data *d, fhs_error *err) {
  size_t cap = 4096, n = 0;
  if (data_alloc(s, d, cap)) return fhs_error_set(err, "%s: out of memory", fhs_rows_path(rows));
  const fhs_csv_field *fields;
  uint64_t line;
  int rc;
  while ((rc = fhs_rows_next(rows, &fields, &line, err)) == 1) {
    if (n == cap) {
      cap *= 2;
      if (data_grow(d, cap)) return fhs_error_set(err, "%s: out of memory", fhs_rows_path(rows));
    }
    for (size_t c = 0; c < s->n_columns; c++) {
      const fhs_column *col = &s->columns[c];
      const fhs_csv_field *f = &fields[pos[c]];
      if (f->len == 0 || col->type == FHS_COL_CATEGORICAL) {
        if (store_field(col, &maps[c], d, c, n, f, NULL, err)) return -1;
        continue;
      }
      char where[256];
      fhs_rows_where(rows, line, where, sizeof where);
      if (store_field(col, &maps[c], d, c, n, f, where, err)) return -1;
    }
    n++;
  }
  d->n_rows = n;
  return rc < 0 ? -1 : 0;
}

int fhs_eval_data_load(const fhs_schema *schema, const char *path, int exact_columns,
                       fhs_eval_data *out, fhs_error *err) {
  memset(out, 0, sizeof *out);
  fhs_rows *rows = fhs_rows_open(path, err);
  if (!rows) return -1;
  size_t nc = schema->n_columns;
  long *pos = calloc(nc ? nc : 1, sizeof *pos);
  label_map *maps = calloc(nc ? nc : 1, sizeof *maps);
  int rc = (!pos || !maps) ? fhs_error_set(err, "%s: out of memory", path) : 0;
  for (size_t c = 0; rc == 0 && c < nc; c++)
    if (schema->columns[c].type == FHS_COL_CATEGORICAL && label_map_init(&maps[c], &schema->columns[c]))
      rc = fhs_error_set(err, "%s: out of memory", path);
  if (rc == 0) rc = bind_columns(schema, rows, exact_columns, pos, err);
  if (rc == 0) rc = read_rows(schema, rows, pos, maps, out, err);
  if (rc == 0 && out->n_rows == 0) rc = fhs_error_set(err, "%s: no data rows", path);
  for (size_t c = 0; maps && c < nc; c++) label_map_free(&maps[c]);
  free(maps);
  free(pos);
  fhs_rows_close(rows);
  if (rc) fhs_eval_data_free(out);
  return rc;
}

/* ---------- split for `run` ---------- */

static void csv_put_field(FILE *f, const fhs_csv_field *x) {
  int quote = x->len == 0 ? 0 : (x->ptr[0] == ' ' || x->ptr[x->len - 1] == ' ');
  for (size_t i = 0; i < x->len && !quote; i++)
    if (x->ptr[i] == ',' || x->ptr[i] == '"' || x->ptr[i] == '\n' || x->ptr[i] == '\r') quote = 1;
  if (!quote) {
    fwrite(x->ptr, 1, x->len, f);
    return;
  }
  fputc('"', f);
  for (size_t i = 0; i < x->len; i++) {
    if (x->ptr[i] == '"') fputc('"', f);
    fputc(x->ptr[i], f);
  }
  fputc('"', f);
}

static void csv_put_row(FILE *f, const fhs_csv_field *fields, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (i) fputc(',', f);
    csv_put_field(f, &fields[i]);
  }
  fputc('\n', f);
}

static int count_rows(const char *path, size_t *n, fhs_error *err) {
  fhs_rows *rows = fhs_rows_open(path, err);
  if (!rows) return -1;
  const fhs_csv_field *fields;
  int rc;
  while ((rc = fhs_rows_next(rows, &fields, NULL, err)) == 1) {
  }
  *n = (size_t)fhs_rows_read(rows);
  fhs_rows_close(rows);
  return rc < 0 ? -1 : 0;
}

static int write_split(const char *path, const uint8_t *in_hold, fhs_atomic_file *tr,
                       fhs_atomic_file *ho, fhs_error *err) {
  fhs_rows *rows = fhs_rows_open(path, err);
  if (!rows) return -1;
  size_t nc = fhs_rows_n_columns(rows);
  fhs_csv_field *head = calloc(nc, sizeof *head);
  if (!head) {
    fhs_rows_close(rows);
    return fhs_error_set(err, "%s: out of memory", path);
  }
  for (size_t i = 0; i < nc; i++) {
    head[i].ptr = fhs_rows_column_name(rows, i);
    head[i].len = strlen(head[i].ptr);
  }
  csv_put_row(tr->fp, head, nc);
  csv_put_row(ho->fp, head, nc);
  free(head);
  const fhs_csv_field *fields;
  int rc;
  size_t r = 0;
  while ((rc = fhs_rows_next(rows, &fields, NULL, err)) == 1) {
    csv_put_row(in_hold[r] ? ho->fp : tr->fp, fields, nc);
    r++;
  }
  fhs_rows_close(rows);
  return rc < 0 ? -1 : 0;
}

int fhs_eval_split_file(const char *path, double fraction, uint64_t seed, const char *train_path,
                        const char *holdout_path, fhs_error *err) {
  if (!(fraction > 0 && fraction < 1))
    return fhs_error_set(err, "split: the holdout fraction must be in (0, 1)");
  size_t n;
  if (count_rows(path, &n, err)) return -1;
  size_t k = (size_t)llround(fraction * (double)n);
  if (k == 0 || k >= n)
    return fhs_error_set(err, "%s: %zu rows are too few to keep %g of them as a holdout", path, n,
                         fraction);
  fhs_eval_rng rng = fhs_eval_rng_make(seed, 0x5eed);
  size_t *pick = fhs_eval_sample(n, k, &rng);
  uint8_t *in_hold = calloc(n, 1);
  if (!pick || !in_hold) {
    free(pick);
    free(in_hold);
    return fhs_error_set(err, "%s: out of memory", path);
  }
  for (size_t i = 0; i < k; i++) in_hold[pick[i]] = 1;
  free(pick);
  fhs_atomic_file tr, ho;
  int rc = fhs_atomic_open(&tr, train_path, err);
  if (rc == 0 && fhs_atomic_open(&ho, holdout_path, err)) {
    fhs_atomic_abort(&tr);
    rc = -1;
  }
  if (rc == 0) {
    rc = write_split(path, in_hold, &tr, &ho, err);
    if (rc == 0) rc = fhs_atomic_commit(&tr, err);
    else fhs_atomic_abort(&tr);
    if (rc == 0) rc = fhs_atomic_commit(&ho, err);
    else fhs_atomic_abort(&ho);
  }
  free(in_hold);
  return rc;
}

/* ---------- small shared helpers ---------- */

size_t *fhs_eval_sample(size_t n, size_t k, fhs_eval_rng *r) {
  /* A partial Fisher-Yates shuffle over an identity permutation: exact and O(n). */
  size_t *perm = malloc((n ? n : 1) * sizeof *perm);
  if (!perm) return NULL;
  for (size_t i = 0; i < n; i++) perm[i] = i;
  for (size_t i = 0; i < k && i < n; i++) {
    size_t j = i + fhs_eval_rng_below(r, n - i);
    size_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

double fhs_eval_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
  double s;
  uint8_t pos;
} scored;

static int cmp_scored(const void *a, const void *b) {
  double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
  return (x > y) - (x < y);
}

double fhs_eval_auc(const double *score, const uint8_t *positive, size_t n) {
  scored *v = malloc((n ? n : 1) * sizeof *v);
  if (!v) return NAN;
  size_t np = 0;
  for (size_t i = 0; i < n; i++) {
    v[i].s = score[i];
    v[i].pos = positive[i];
    np += positive[i] != 0;
  }
  size_t nn = n - np;
  if (np == 0 || nn == 0) {
    free(v);
    return NAN;
  }
  qsort(v, n, sizeof *v, cmp_scored);
  /* Mann-Whitney: sum of the positives' ranks, tied groups sharing their mean rank. */
  double rank_sum = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    size_t pos = 0;
    while (j < n && v[j].s == v[i].s) pos += v[j++].pos != 0;
    rank_sum += (double)pos * (0.5 * (double)(i + 1 + j));
    i = j;
  }
  free(v);
  return (rank_sum - 0.5 * (double)np * (double)(np + 1)) / ((double)np * (double)nn);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double fhs_eval_quantile(double *v, size_t n, double q) {
  qsort(v, n, sizeof *v, cmp_double);
  double pos = q * (double)(n - 1);
  size_t i = (size_t)pos;
  if (i + 1 >= n) return v[n - 1];
  return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}
