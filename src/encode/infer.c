/* Schema inference in one streaming pass over the input (CSV or Parquet, through fhs_rows).
 *
 * Per column we keep only bounded state: whether every value so far parses as a number (or as
 * a datetime), min and max, up to `bins` distinct parsed values (to spot columns with few
 * values), a deterministic reservoir sample of at most FHS_INFER_SAMPLE parsed values (for the
 * equal-frequency edges), and up to max_categories + 1 distinct labels with their counts. The
 * type is only known at the end, so all of it is collected for every column until a kind of
 * state becomes useless (a non-number seen, too many labels). One pass suffices: the sample
 * replaces the second pass exact quantiles would need, and the edges are rounded anyway. */
#include <stdlib.h>
#include <string.h>

#include "encode_internal.h"

typedef struct {
  bool can_number, can_datetime; /* every non-empty value so far parses as one */
  uint64_t n_values, n_missing;
  double min, max;
  double *distinct; /* sorted, at most opts.bins entries */
  size_t n_distinct;
  bool many_distinct;
  double *sample; /* reservoir */
  size_t n_sample, sample_cap;
  uint64_t rng;
  fhs_strmap labels;
  bool many_labels;
} col_stats;

typedef struct {
  const char *path;
  fhs_infer_options opts;
  size_t n;
  col_stats *cols;
} infer_state;

/* splitmix64: a fixed seed per column makes inference reproducible. */
static uint64_t next_rand(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static int add_distinct(col_stats *c, size_t limit, double v) {
  size_t lo = 0, hi = c->n_distinct;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (c->distinct[mid] < v)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < c->n_distinct && c->distinct[lo] == v) return 0;
  if (c->n_distinct == limit) {
    c->many_distinct = true; /* more than `bins` values: equal-frequency bins */
    return 0;
  }
  memmove(c->distinct + lo + 1, c->distinct + lo, (c->n_distinct - lo) * sizeof *c->distinct);
  c->distinct[lo] = v;
  c->n_distinct++;
  return 0;
}

static int add_sample(col_stats *c, double v) {
  uint64_t seen = c->n_values; /* values before this one */
  if (seen < FHS_INFER_SAMPLE) {
    if (c->n_sample == c->sample_cap) {
      size_t cap = c->sample_cap ? c->sample_cap * 2 : 1024;
      double *s = realloc(c->sample, cap * sizeof *s);
      if (!s) return -1;
      c->sample = s;
      c->sample_cap = cap;
    }
    c->sample[c->n_sample++] = v;
  } else {
    uint64_t j = next_rand(&c->rng) % (seen + 1);
    if (j < FHS_INFER_SAMPLE) c->sample[j] = v;
  }
  return 0;
}

static int add_value_number(col_stats *c, size_t limit, double v) {
  if (c->n_values == 0 || v < c->min) c->min = v;
  if (c->n_values == 0 || v > c->max) c->max = v;
  if (!c->many_distinct) add_distinct(c, limit, v);
  return add_sample(c, v);
}

static int add_label(col_stats *c, size_t max_categories, const char *s, size_t len) {
  if (c->many_labels) return 0;
  fhs_strmap_entry *e = fhs_strmap_insert(&c->labels, s, len);
  if (!e) return -1;
  e->count++;
  if (c->labels.n > max_categories) {
    c->many_labels = true; /* cannot become a categorical column: stop counting */
    fhs_strmap_free(&c->labels);
  }
  return 0;
}

static int add_field(infer_state *st, col_stats *c, const fhs_csv_field *f) {
  if (f->len == 0) {
    c->n_missing++;
    return 0;
  }
  double v = 0;
  /* a field is never both a number and a datetime, so one set of numeric state serves */
  bool num_ok = c->can_number && fhs_parse_number(f->ptr, f->len, &v) == 0;
  bool dt_ok = !num_ok && c->can_datetime && fhs_datetime_parse(f->ptr, f->len, &v) == 0;
  c->can_number = num_ok;
  c->can_datetime = dt_ok;
  if (num_ok || dt_ok) {
    if (add_value_number(c, st->opts.bins, v)) return -1;
  } else if (c->distinct) {
    free(c->sample);
    free(c->distinct);
    c->sample = c->distinct = NULL;
    c->n_sample = c->sample_cap = 0;
  }
  if (add_label(c, st->opts.max_categories, f->ptr, f->len)) return -1;
  c->n_values++;
  return 0;
}

/* ---------- turning statistics into columns ---------- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int cmp_label(const void *a, const void *b) {
  const fhs_strmap_entry *x = *(const fhs_strmap_entry *const *)a;
  const fhs_strmap_entry *y = *(const fhs_strmap_entry *const *)b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return strcmp(x->key, y->key);
}

static int make_categories(const infer_state *st, col_stats *c, fhs_column *col,
                           fhs_error *err) {
  if (c->many_labels) {
    char name[96];
    fhs_enc_quote(col->name, strlen(col->name), name, sizeof name);
    return fhs_error_set(err,
                         "%s: column \"%s\" has more than %zu distinct values, too many for a "
                         "categorical column (an identifier or free text?): remove it from the "
                         "CSV, or write a schema without it",
                         st->path, name, st->opts.max_categories);
  }
  size_t n = c->labels.n, k = 0;
  const fhs_strmap_entry **order = malloc((n ? n : 1) * sizeof *order);
  col->categories = calloc(n ? n : 1, sizeof *col->categories);
  if (!order || !col->categories) {
    free(order);
    return fhs_error_set(err, "%s: out of memory", st->path);
  }
  for (size_t i = 0; i < c->labels.cap; i++)
    if (c->labels.slots[i].key) order[k++] = &c->labels.slots[i];
  qsort(order, n, sizeof *order, cmp_label);
  for (size_t i = 0; i < n; i++) {
    col->categories[i] = strdup(order[i]->key);
    if (!col->categories[i]) {
      free(order);
      return fhs_error_set(err, "%s: out of memory", st->path);
    }
    col->n_categories = i + 1;
  }
  free(order);
  return 0;
}

static int make_bins(const infer_state *st, col_stats *c, fhs_column *col, fhs_error *err) {
  bool dt = col->type == FHS_COL_DATETIME;
  int rc;
  if (!c->many_distinct) {
    rc = fhs_enc_bins_per_value(c->distinct, c->n_distinct, dt, &col->bins, &col->n_bins);
  } else {
    qsort(c->sample, c->n_sample, sizeof *c->sample, cmp_double);
    rc = fhs_enc_bins_quantile(c->sample, c->n_sample, c->min, c->max, st->opts.bins, dt,
                               &col->bins, &col->n_bins);
  }
  return rc ? fhs_error_set(err, "%s: out of memory", st->path) : 0;
}

static int make_column(const infer_state *st, col_stats *c, const char *name, fhs_column *col,
                       fhs_error *err) {
  col->name = strdup(name);
  if (!col->name) return fhs_error_set(err, "%s: out of memory", st->path);
  col->missing = c->n_missing > 0;
  if (c->n_values > 0 && c->can_number)
    col->type = FHS_COL_NUMERIC;
  else if (c->n_values > 0 && c->can_datetime)
    col->type = FHS_COL_DATETIME;
  else
    col->type = FHS_COL_CATEGORICAL; /* includes a column with no values at all */
  if (col->type == FHS_COL_CATEGORICAL) return make_categories(st, c, col, err);
  return make_bins(st, c, col, err);
}

/* ---------- driver ---------- */

fhs_infer_options fhs_infer_defaults(void) {
  return (fhs_infer_options){FHS_INFER_DEFAULT_BINS, FHS_INFER_DEFAULT_MAX_CATEGORIES};
}

static int init_state(infer_state *st, const fhs_rows *r, fhs_error *err) {
  st->n = fhs_rows_n_columns(r);
  st->cols = calloc(st->n, sizeof *st->cols);
  if (!st->cols) return fhs_error_set(err, "%s: out of memory", st->path);
  for (size_t i = 0; i < st->n; i++) {
    col_stats *c = &st->cols[i];
    c->can_number = c->can_datetime = true;
    c->rng = 0x5EED0000ull + i;
    c->distinct = malloc(st->opts.bins * sizeof *c->distinct);
    if (!c->distinct || fhs_strmap_init(&c->labels, 16))
      return fhs_error_set(err, "%s: out of memory", st->path);
  }
  return 0;
}

static void free_state(infer_state *st) {
  for (size_t i = 0; st->cols && i < st->n; i++) {
    free(st->cols[i].distinct);
    free(st->cols[i].sample);
    fhs_strmap_free(&st->cols[i].labels);
  }
  free(st->cols);
}

static int scan(infer_state *st, fhs_rows *r, uint64_t *rows, fhs_error *err) {
  const fhs_csv_field *f;
  int rc;
  while ((rc = fhs_rows_next(r, &f, NULL, err)) == 1)
    for (size_t i = 0; i < st->n; i++)
      if (add_field(st, &st->cols[i], &f[i])) return fhs_error_set(err, "%s: out of memory", st->path);
  *rows = fhs_rows_read(r);
  if (rc == 0 && *rows == 0)
    return fhs_error_set(err, "%s: no data rows after the header: nothing to infer from", st->path);
  return rc;
}

int fhs_schema_infer(const char *path, const fhs_infer_options *opts, fhs_schema *out,
                     fhs_error *err) {
  memset(out, 0, sizeof *out);
  infer_state st = {path, opts ? *opts : fhs_infer_defaults(), 0, NULL};
  if (st.opts.bins < 1 || st.opts.bins > 4096)
    return fhs_error_set(err, "bins must be between 1 and 4096 (got %zu)", st.opts.bins);
  if (st.opts.max_categories < 1 || st.opts.max_categories >= FHS_DOMAIN_MAX)
    return fhs_error_set(err, "max_categories must be between 1 and %u (got %zu)",
                         FHS_DOMAIN_MAX - 1, st.opts.max_categories);
  fhs_rows *r = fhs_rows_open(path, err);
  if (!r) return -1;
  uint64_t rows = 0;
  int rc = init_state(&st, r, err);
  if (rc == 0) rc = scan(&st, r, &rows, err);
  if (rc == 0) {
    out->columns = calloc(st.n, sizeof *out->columns);
    if (!out->columns) rc = fhs_error_set(err, "%s: out of memory", path);
  }
  for (size_t i = 0; rc == 0 && i < st.n; i++) {
    out->n_columns = i + 1;
    rc = make_column(&st, &st.cols[i], fhs_rows_column_name(r, i), &out->columns[i], err);
  }
  if (rc == 0) rc = fhs_schema_validate(out, path, err);
  free_state(&st);
  fhs_rows_close(r);
  if (rc) fhs_schema_free(out);
  return rc;
}
