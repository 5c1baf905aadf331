/* The schema type: domain sizes, invariants, and index -> value for synthesis. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "encode_internal.h"

size_t fhs_schema_domain_size(const fhs_column *col) {
  size_t d = col->type == FHS_COL_CATEGORICAL ? col->n_categories
                                              : (col->n_bins ? col->n_bins - 1 : 0);
  return d + (col->missing ? 1 : 0);
}

long fhs_schema_missing_index(const fhs_column *col) {
  return col->missing ? (long)fhs_schema_domain_size(col) - 1 : -1;
}

const char *fhs_col_type_name(fhs_col_type t) {
  switch (t) {
    case FHS_COL_NUMERIC: return "numeric";
    case FHS_COL_CATEGORICAL: return "categorical";
    case FHS_COL_DATETIME: return "datetime";
  }
  return "?";
}

const char *fhs_schema_origin_name(fhs_schema_origin o) {
  switch (o) {
    case FHS_ORIGIN_EXACT: return "exact";
    case FHS_ORIGIN_PUBLIC: return "public";
    case FHS_ORIGIN_DP: return "dp";
  }
  return "?";
}

long fhs_schema_find(const fhs_schema *s, const char *name) {
  for (size_t i = 0; i < s->n_columns; i++)
    if (strcmp(s->columns[i].name, name) == 0) return (long)i;
  return -1;
}

void fhs_schema_free(fhs_schema *s) {
  for (size_t i = 0; i < s->n_columns; i++) {
    fhs_column *c = &s->columns[i];
    free(c->name);
    free(c->bins);
    for (size_t k = 0; k < c->n_categories; k++) free(c->categories[k]);
    free(c->categories);
    free(c->other);
    free(c->sub_values);
    free(c->sub_weights);
    free(c->sub_rest);
  }
  free(s->columns);
  memset(s, 0, sizeof *s);
}

static int check_bins(const fhs_column *c, const char *where, size_t i, const char *name,
                      fhs_error *err) {
  if (c->n_categories)
    return fhs_error_set(err, "%s: column %zu (\"%s\"): a %s column has no categories", where,
                         i + 1, name, fhs_col_type_name(c->type));
  if (c->n_bins < 2)
    return fhs_error_set(err, "%s: column %zu (\"%s\"): bins needs at least 2 edges, has %zu",
                         where, i + 1, name, c->n_bins);
  for (size_t k = 0; k < c->n_bins; k++) {
    if (!isfinite(c->bins[k]))
      return fhs_error_set(err, "%s: column %zu (\"%s\"): bins[%zu] is not a finite number",
                           where, i + 1, name, k);
    if (k > 0 && !(c->bins[k] > c->bins[k - 1])) {
      char a[40], b[40];
      fhs_enc_format_double(c->bins[k - 1], a, sizeof a);
      fhs_enc_format_double(c->bins[k], b, sizeof b);
      return fhs_error_set(err,
                           "%s: column %zu (\"%s\"): bins must be strictly increasing, but "
                           "bins[%zu] = %s follows %s",
                           where, i + 1, name, k, b, a);
    }
  }
  if (c->type == FHS_COL_DATETIME) {
    char buf[FHS_DATETIME_BUF];
    if (!fhs_datetime_format(c->bins[0], buf, sizeof buf) ||
        !fhs_datetime_format(c->bins[c->n_bins - 1], buf, sizeof buf))
      return fhs_error_set(err, "%s: column %zu (\"%s\"): datetime bins must lie in years 0000-9999",
                           where, i + 1, name);
  }
  return 0;
}

static int check_categories(const fhs_column *c, const char *where, size_t i, const char *name,
                            fhs_error *err) {
  if (c->n_bins)
    return fhs_error_set(err, "%s: column %zu (\"%s\"): a categorical column has no bins", where,
                         i + 1, name);
  fhs_strmap seen;
  if (fhs_strmap_init(&seen, c->n_categories)) return fhs_error_set(err, "%s: out of memory", where);
  int rc = 0;
  for (size_t k = 0; k < c->n_categories && rc == 0; k++) {
    const char *label = c->categories[k];
    char q[96];
    fhs_enc_quote(label, strlen(label), q, sizeof q);
    fhs_strmap_entry *e = fhs_strmap_insert(&seen, label, strlen(label));
    if (!e)
      rc = fhs_error_set(err, "%s: out of memory", where);
    else if (label[0] == '\0')
      rc = fhs_error_set(err,
                         "%s: column %zu (\"%s\"): category %zu is empty (an empty field is a "
                         "missing value, not a category)",
                         where, i + 1, name, k + 1);
    else if (e->count++ > 0)
      rc = fhs_error_set(err, "%s: column %zu (\"%s\"): category \"%s\" appears twice", where,
                         i + 1, name, q);
  }
  fhs_strmap_free(&seen);
  return rc;
}

/* The encoding policies must make sense for the column (encode.h, top comment). */
static int check_policies(const fhs_column *c, const char *where, size_t i, const char *name,
                          fhs_error *err) {
  if (c->clamp && c->type == FHS_COL_CATEGORICAL)
    return fhs_error_set(err, "%s: column %zu (\"%s\"): \"clamp\" applies to numeric and datetime columns only",
                         where, i + 1, name);
  if (c->other) {
    if (c->type != FHS_COL_CATEGORICAL)
      return fhs_error_set(err, "%s: column %zu (\"%s\"): \"other\" applies to categorical columns only",
                           where, i + 1, name);
    bool found = false;
    for (size_t k = 0; k < c->n_categories && !found; k++) found = strcmp(c->categories[k], c->other) == 0;
    if (!found) {
      char q[96];
      fhs_enc_quote(c->other, strlen(c->other), q, sizeof q);
      return fhs_error_set(err, "%s: column %zu (\"%s\"): \"other\" names \"%s\", which is not one of its categories",
                           where, i + 1, name, q);
    }
  }
  if (c->n_sub) {
    if (c->type != FHS_COL_NUMERIC)
      return fhs_error_set(err, "%s: column %zu (\"%s\"): \"sub\" applies to numeric columns only", where, i + 1,
                           name);
    for (size_t k = 0; k < c->n_sub; k++)
      if (!isfinite(c->sub_values[k]) || c->sub_values[k] < c->bins[0] || c->sub_values[k] > c->bins[c->n_bins - 1] ||
          (k && !(c->sub_values[k] > c->sub_values[k - 1])) || !isfinite(c->sub_weights[k]) ||
          c->sub_weights[k] < 0)
        return fhs_error_set(err, "%s: column %zu (\"%s\"): \"sub\" value %zu is out of order, outside the bins, "
                             "or has a negative weight", where, i + 1, name, k + 1);
  }
  if (c->sub_rest) {
    if (!c->n_sub)
      return fhs_error_set(err, "%s: column %zu (\"%s\"): \"rest\" needs within-bin values (\"sub\")", where,
                           i + 1, name);
    for (size_t k = 0; k + 1 < c->n_bins; k++)
      if (!isfinite(c->sub_rest[k]) || c->sub_rest[k] < 0)
        return fhs_error_set(err, "%s: column %zu (\"%s\"): \"sub\" rest weight %zu is negative or not finite",
                             where, i + 1, name, k + 1);
  }
  size_t d = fhs_schema_domain_size(c);
  if (c->has_fallback && c->fallback >= d)
    return fhs_error_set(err, "%s: column %zu (\"%s\"): \"fallback\" %zu is outside the domain 0..%zu", where,
                         i + 1, name, c->fallback, d ? d - 1 : 0);
  return 0;
}

static int check_origin(const fhs_schema *s, const char *where, fhs_error *err) {
  if (s->origin != FHS_ORIGIN_EXACT && s->origin != FHS_ORIGIN_PUBLIC && s->origin != FHS_ORIGIN_DP)
    return fhs_error_set(err, "%s: unknown schema origin", where);
  if (s->origin == FHS_ORIGIN_DP &&
      !(isfinite(s->dp_rho) && s->dp_rho >= 0 && isfinite(s->dp_delta) && s->dp_delta >= 0 && s->dp_delta < 1))
    return fhs_error_set(err, "%s: \"dp\" needs rho >= 0 and 0 <= delta < 1", where);
  return 0;
}

int fhs_schema_validate(const fhs_schema *s, const char *where, fhs_error *err) {
  if (s->n_columns == 0) return fhs_error_set(err, "%s: the schema has no columns", where);
  if (check_origin(s, where, err)) return -1;
  fhs_strmap names;
  if (fhs_strmap_init(&names, s->n_columns)) return fhs_error_set(err, "%s: out of memory", where);
  int rc = 0;
  for (size_t i = 0; i < s->n_columns && rc == 0; i++) {
    const fhs_column *c = &s->columns[i];
    char name[96];
    fhs_enc_quote(c->name ? c->name : "", c->name ? strlen(c->name) : 0, name, sizeof name);
    fhs_strmap_entry *e = c->name ? fhs_strmap_insert(&names, c->name, strlen(c->name)) : NULL;
    if (!c->name || !c->name[0])
      rc = fhs_error_set(err, "%s: column %zu has an empty name", where, i + 1);
    else if (!e)
      rc = fhs_error_set(err, "%s: out of memory", where);
    else if (e->count++ > 0)
      rc = fhs_error_set(err, "%s: column name \"%s\" appears twice", where, name);
    else if (c->type != FHS_COL_NUMERIC && c->type != FHS_COL_CATEGORICAL &&
             c->type != FHS_COL_DATETIME)
      rc = fhs_error_set(err, "%s: column %zu (\"%s\"): unknown type", where, i + 1, name);
    else if (c->type == FHS_COL_CATEGORICAL)
      rc = check_categories(c, where, i, name, err);
    else
      rc = check_bins(c, where, i, name, err);
    if (rc == 0) {
      size_t d = fhs_schema_domain_size(c);
      if (d == 0)
        rc = fhs_error_set(err,
                           "%s: column %zu (\"%s\"): empty domain (no categories and no missing "
                           "values)",
                           where, i + 1, name);
      else if (d > FHS_DOMAIN_MAX)
        rc = fhs_error_set(err, "%s: column %zu (\"%s\"): domain of %zu values exceeds %u", where,
                           i + 1, name, d, FHS_DOMAIN_MAX);
      else
        rc = check_policies(c, where, i, name, err);
    }
  }
  fhs_strmap_free(&names);
  return rc;
}

int fhs_schema_bin(const fhs_column *col, size_t index, double *lo, double *hi) {
  if (col->type == FHS_COL_CATEGORICAL || col->n_bins < 2 || index >= col->n_bins - 1) return -1;
  *lo = col->bins[index];
  *hi = col->bins[index + 1];
  return 0;
}

const char *fhs_schema_category(const fhs_column *col, size_t index) {
  if (col->type != FHS_COL_CATEGORICAL || index >= col->n_categories) return NULL;
  return col->categories[index];
}
