/* STATS.json (DESIGN section 9): the noisy marginals the owner releases.
 *
 * Written by hand (one marginal per line, counts as plain integers, reals in the shortest text
 * that reads back exactly) because jansson would print reals with spurious digits and build
 * the whole document in memory first. Read with jansson; anything unexpected is an error
 * naming the file and the marginal, since a synthesizer fed a table over the wrong columns
 * would produce plausible-looking nonsense. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "synth_internal.h"

/* ---------- writing ---------- */

static void put_double(FILE *f, double v) {
  char buf[40];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) break;
  }
  fputs(buf, f);
}

static void put_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

static void put_marginal(FILE *f, const fhs_marginal *m, const fhs_schema *schema) {
  fputs("  {\"columns\": [", f);
  for (size_t k = 0; k < m->n_cols; k++) {
    if (k) fputs(", ", f);
    put_string(f, schema->columns[m->cols[k]].name);
  }
  fputs("], \"shape\": [", f);
  for (size_t k = 0; k < m->n_cols; k++) fprintf(f, "%s%zu", k ? ", " : "", m->shape[k]);
  fputs("], \"sigma\": ", f);
  put_double(f, m->sigma);
  fputs(", \"counts\": [", f);
  for (size_t i = 0; i < m->size; i++) fprintf(f, "%s%lld", i ? "," : "", (long long)m->counts[i]);
  fputs("]}", f);
}

int fhs_stats_json_write(const fhs_marginal_set *s, const fhs_schema *schema, const char *path,
                         fhs_error *err) {
  if (fhs_marginal_set_check(s, schema, path, err)) return -1;
  if (!s->exact && !(s->epsilon > 0 && isfinite(s->epsilon) && s->delta > 0 && s->delta < 1 &&
                     s->rho > 0 && isfinite(s->rho)))
    return fhs_error_set(err, "%s: a noisy release needs finite epsilon > 0, rho > 0 and delta "
                         "in (0, 1)", path);
  for (size_t i = 0; i < s->count; i++)
    if ((s->exact != 0) != (s->m[i].sigma == 0))
      return fhs_error_set(err, "%s: marginal %zu: sigma %g in %s release", path, i + 1,
                           s->m[i].sigma, s->exact ? "an exact" : "a noisy");
  fhs_atomic_file af;
  if (fhs_atomic_open(&af, path, err)) return -1;
  FILE *f = af.fp;
  fprintf(f, "{\"format\": \"%s\", \"version\": %d, \"rows_noisy\": ", FHS_STATS_FORMAT,
          FHS_STATS_JSON_VERSION);
  put_double(f, s->exact ? s->rows : round(s->rows * 10) / 10);
  fprintf(f, ", \"exact\": %s,", s->exact ? "true" : "false");
  if (s->plan[0]) {
    fputs(" \"model\": ", f);
    put_string(f, s->plan);
    fputc(',', f);
  }
  fputc('\n', f);
  if (s->exact) {
    fputs(" \"epsilon\": null, \"delta\": null, \"rho\": null,\n", f);
  } else {
    fputs(" \"epsilon\": ", f);
    put_double(f, s->epsilon);
    fputs(", \"delta\": ", f);
    put_double(f, s->delta);
    fputs(", \"rho\": ", f);
    put_double(f, s->rho);
    fputs(",\n", f);
  }
  fputs(" \"marginals\": [\n", f);
  for (size_t i = 0; i < s->count; i++) {
    put_marginal(f, &s->m[i], schema);
    fputs(i + 1 < s->count ? ",\n" : "\n", f);
  }
  fputs("]}\n", f);
  return fhs_atomic_commit(&af, err);
}

/* ---------- reading ---------- */

static int only_keys(json_t *obj, const char *const *allowed, const char *where, const char *what,
                     fhs_error *err) {
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    int ok = 0;
    for (const char *const *a = allowed; *a; a++) ok |= strcmp(*a, key) == 0;
    if (!ok) return fhs_error_set(err, "%s: %s: unknown key \"%.60s\"", where, what, key);
  }
  return 0;
}

static int read_columns(json_t *cols, const fhs_schema *schema, fhs_marginal *m,
                        const char *where, const char *what, fhs_error *err) {
  if (!json_is_array(cols) || json_array_size(cols) < 1 ||
      json_array_size(cols) > FHS_MARGINAL_MAX_WAYS)
    return fhs_error_set(err, "%s: %s: \"columns\" must be an array of 1 to 3 column names",
                         where, what);
  m->n_cols = json_array_size(cols);
  for (size_t k = 0; k < m->n_cols; k++) {
    json_t *v = json_array_get(cols, k);
    if (!json_is_string(v))
      return fhs_error_set(err, "%s: %s: columns[%zu] is not a string", where, what, k);
    long c = fhs_schema_find(schema, json_string_value(v));
    if (c < 0)
      return fhs_error_set(err, "%s: %s: column \"%.60s\" is not in the schema", where, what,
                           json_string_value(v));
    m->cols[k] = (size_t)c;
    if (k && m->cols[k] <= m->cols[k - 1])
      return fhs_error_set(err, "%s: %s: columns must be distinct and in schema order", where,
                           what);
  }
  return 0;
}

static int read_shape(json_t *shape, const fhs_schema *schema, fhs_marginal *m,
                      const char *where, const char *what, fhs_error *err) {
  if (!json_is_array(shape) || json_array_size(shape) != m->n_cols)
    return fhs_error_set(err, "%s: %s: \"shape\" must be an array of %zu sizes", where, what,
                         m->n_cols);
  m->size = 1;
  for (size_t k = 0; k < m->n_cols; k++) {
    json_t *v = json_array_get(shape, k);
    const fhs_column *col = &schema->columns[m->cols[k]];
    size_t d = fhs_schema_domain_size(col);
    if (!json_is_integer(v) || json_integer_value(v) != (json_int_t)d)
      return fhs_error_set(err,
                           "%s: %s: shape[%zu] does not match the schema (column \"%s\" has %zu "
                           "values)", where, what, k, col->name, d);
    m->shape[k] = d;
    m->size *= d;
  }
  return 0;
}

static int read_counts(json_t *counts, fhs_marginal *m, const char *where, const char *what,
                       fhs_error *err) {
  if (!json_is_array(counts) || json_array_size(counts) != m->size)
    return fhs_error_set(err, "%s: %s: \"counts\" must be an array of %zu integers", where, what,
                         m->size);
  m->counts = malloc((m->size ? m->size : 1) * sizeof *m->counts);
  if (!m->counts) return fhs_error_set(err, "%s: out of memory", where);
  for (size_t i = 0; i < m->size; i++) {
    json_t *v = json_array_get(counts, i);
    if (!json_is_integer(v))
      return fhs_error_set(err, "%s: %s: counts[%zu] is not an integer", where, what, i);
    m->counts[i] = json_integer_value(v);
  }
  return 0;
}

static int read_marginal(json_t *obj, size_t i, const fhs_schema *schema, int exact,
                         fhs_marginal *m, const char *where, fhs_error *err) {
  char what[48];
  snprintf(what, sizeof what, "marginal %zu", i + 1);
  if (!json_is_object(obj)) return fhs_error_set(err, "%s: %s is not an object", where, what);
  static const char *const keys[] = {"columns", "shape", "counts", "sigma", NULL};
  if (only_keys(obj, keys, where, what, err)) return -1;
  if (read_columns(json_object_get(obj, "columns"), schema, m, where, what, err) ||
      read_shape(json_object_get(obj, "shape"), schema, m, where, what, err))
    return -1;
  json_t *sigma = json_object_get(obj, "sigma");
  if (!json_is_number(sigma) || !(json_number_value(sigma) >= 0) ||
      !isfinite(json_number_value(sigma)))
    return fhs_error_set(err, "%s: %s: \"sigma\" must be a number >= 0", where, what);
  m->sigma = json_number_value(sigma);
  if (exact && m->sigma != 0)
    return fhs_error_set(err, "%s: %s: sigma is %g in an exact release", where, what, m->sigma);
  if (!exact && m->sigma == 0)
    return fhs_error_set(err, "%s: %s: sigma is 0 in a noisy release", where, what);
  return read_counts(json_object_get(obj, "counts"), m, where, what, err);
}

/* epsilon, delta, rho: null in an exact release, positive numbers otherwise. */
static int read_privacy(json_t *root, fhs_marginal_set *s, const char *where, fhs_error *err) {
  static const char *const names[] = {"epsilon", "delta", "rho"};
  double *dst[] = {&s->epsilon, &s->delta, &s->rho};
  for (size_t k = 0; k < 3; k++) {
    json_t *v = json_object_get(root, names[k]);
    if (s->exact) {
      if (v && !json_is_null(v))
        return fhs_error_set(err, "%s: \"%s\" must be null in an exact release", where, names[k]);
      *dst[k] = k == 1 ? 0 : INFINITY;
    } else {
      if (!json_is_number(v) || !(json_number_value(v) > 0) || !isfinite(json_number_value(v)))
        return fhs_error_set(err, "%s: \"%s\" must be a positive number", where, names[k]);
      *dst[k] = json_number_value(v);
    }
  }
  if (!s->exact && s->delta >= 1)
    return fhs_error_set(err, "%s: \"delta\" must be below 1", where);
  return 0;
}

static int read_root(json_t *root, const fhs_schema *schema, fhs_marginal_set *s,
                     const char *where, fhs_error *err) {
  if (!json_is_object(root)) return fhs_error_set(err, "%s: not a JSON object", where);
  json_t *format = json_object_get(root, "format");
  if (!json_is_string(format) || strcmp(json_string_value(format), FHS_STATS_FORMAT) != 0)
    return fhs_error_set(err, "%s: not a fhesynth stats file (\"format\" is not \"%s\")", where,
                         FHS_STATS_FORMAT);
  static const char *const keys[] = {"format", "version", "rows_noisy",  "exact", "model",
                                     "epsilon", "delta",  "rho", "marginals", NULL};
  if (only_keys(root, keys, where, "stats", err)) return -1;
  json_t *version = json_object_get(root, "version");
  if (!json_is_integer(version) || json_integer_value(version) != FHS_STATS_JSON_VERSION)
    return fhs_error_set(err, "%s: stats version is not supported (this build reads %d)", where,
                         FHS_STATS_JSON_VERSION);
  json_t *rows = json_object_get(root, "rows_noisy"), *exact = json_object_get(root, "exact");
  /* at most 2^53 (a row count beyond that is no count); also keeps round(rows * 10) finite */
  if (!json_is_number(rows) || !(json_number_value(rows) >= 0) || !(json_number_value(rows) <= 0x1p53))
    return fhs_error_set(err, "%s: \"rows_noisy\" must be a number in 0..2^53", where);
  if (!json_is_boolean(exact)) return fhs_error_set(err, "%s: \"exact\" must be true or false", where);
  s->rows = json_number_value(rows);
  s->exact = json_is_true(exact);
  /* "model": the release plan; optional (files written before it was recorded have none) */
  json_t *plan = json_object_get(root, "model");
  if (plan) {
    int known = 0;
    for (const char *const *p = fhs_release_plans(); json_is_string(plan) && *p; p++)
      known |= strcmp(*p, json_string_value(plan)) == 0;
    if (!known) return fhs_error_set(err, "%s: \"model\" must name a release plan (mst, independent, all2way, copula, neural)", where);
    snprintf(s->plan, sizeof s->plan, "%s", json_string_value(plan));
  }
  if (read_privacy(root, s, where, err)) return -1;
  json_t *ms = json_object_get(root, "marginals");
  if (!json_is_array(ms)) return fhs_error_set(err, "%s: \"marginals\" must be an array", where);
  size_t n = json_array_size(ms);
  s->m = calloc(n ? n : 1, sizeof *s->m);
  if (!s->m) return fhs_error_set(err, "%s: out of memory", where);
  for (size_t i = 0; i < n; i++) {
    s->count = i + 1; /* so a failure frees what was read */
    if (read_marginal(json_array_get(ms, i), i, schema, s->exact, &s->m[i], where, err))
      return -1;
    if (fhs_marginal_set_find(s, s->m[i].n_cols, s->m[i].cols) != &s->m[i])
      return fhs_error_set(err, "%s: marginal %zu repeats the columns of an earlier one", where,
                           i + 1);
  }
  return 0;
}

int fhs_stats_json_read(const char *path, const fhs_schema *schema, fhs_marginal_set *s,
                        fhs_error *err) {
  memset(s, 0, sizeof *s);
  json_t *root;
  if (fhs_json_load(path, &root, err) != 0) return -1;
  int rc = read_root(root, schema, s, path, err);
  json_decref(root);
  if (rc) fhs_marginal_set_free(s);
  return rc;
}
