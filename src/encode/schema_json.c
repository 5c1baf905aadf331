/* SCHEMA.json (DESIGN section 9).
 *
 * Writing is done by hand, not with json_dumps: jansson prints reals with a fixed precision,
 * so an edge such as 0.3 would come out as 0.29999999999999999 and a data minimum could read
 * back one ulp off, putting that very value outside the bins. We print the shortest text that
 * reads back exactly, and one column per line so the file is easy to edit.
 * Reading uses jansson and rejects anything it does not understand, key typos included. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "encode_internal.h"

/* ---------- writing ---------- */

static void put_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
      case '"': fputs("\\\"", f); break;
      case '\\': fputs("\\\\", f); break;
      case '\n': fputs("\\n", f); break;
      case '\r': fputs("\\r", f); break;
      case '\t': fputs("\\t", f); break;
      default:
        if (*p < 0x20)
          fprintf(f, "\\u%04x", *p);
        else
          fputc(*p, f);
    }
  }
  fputc('"', f);
}

/* "sub": {"values": [...], "weights": [...], "rest": [...]}, shortest round-trip numbers. */
static void put_numbers(FILE *f, const double *v, size_t n) {
  for (size_t k = 0; k < n; k++) {
    char num[40];
    fhs_enc_format_double(v[k], num, sizeof num);
    fprintf(f, "%s%s", k ? ", " : "", num);
  }
}

static void put_sub(FILE *f, const fhs_column *c) {
  fputs(", \"sub\": {\"values\": [", f);
  put_numbers(f, c->sub_values, c->n_sub);
  fputs("], \"weights\": [", f);
  put_numbers(f, c->sub_weights, c->n_sub);
  if (c->sub_rest) {
    fputs("], \"rest\": [", f);
    put_numbers(f, c->sub_rest, c->n_bins - 1);
  }
  fputs("]}", f);
}

static void put_column(FILE *f, const fhs_column *c) {
  fputs("  {\"name\": ", f);
  put_string(f, c->name);
  fprintf(f, ", \"type\": \"%s\", ", fhs_col_type_name(c->type));
  if (c->type == FHS_COL_CATEGORICAL) {
    fputs("\"categories\": [", f);
    for (size_t k = 0; k < c->n_categories; k++) {
      if (k) fputs(", ", f);
      put_string(f, c->categories[k]);
    }
  } else {
    fputs("\"bins\": [", f);
    for (size_t k = 0; k < c->n_bins; k++) {
      char num[40];
      fhs_enc_format_double(c->bins[k], num, sizeof num);
      fprintf(f, "%s%s", k ? ", " : "", num);
    }
  }
  fprintf(f, "], \"missing\": %s", c->missing ? "true" : "false");
  if (c->clamp) fputs(", \"clamp\": true", f);
  if (c->other) {
    fputs(", \"other\": ", f);
    put_string(f, c->other);
  }
  if (c->has_fallback) fprintf(f, ", \"fallback\": %zu", c->fallback);
  if (c->n_sub) put_sub(f, c);
  fputc('}', f);
}

int fhs_schema_write(const fhs_schema *s, const char *path, fhs_error *err) {
  if (fhs_schema_validate(s, path, err)) return -1;
  fhs_atomic_file af;
  if (fhs_atomic_open(&af, path, err)) return -1;
  fprintf(af.fp, "{\"format\": \"%s\", \"version\": %d, \"origin\": \"%s\", ", FHS_SCHEMA_FORMAT,
          FHS_SCHEMA_VERSION, fhs_schema_origin_name(s->origin));
  if (s->origin == FHS_ORIGIN_DP) {
    char rho[40], delta[40];
    fhs_enc_format_double(s->dp_rho, rho, sizeof rho);
    fhs_enc_format_double(s->dp_delta, delta, sizeof delta);
    fprintf(af.fp, "\"dp\": {\"rho\": %s, \"delta\": %s}, ", rho, delta);
  }
  fputs("\"columns\": [\n", af.fp);
  for (size_t i = 0; i < s->n_columns; i++) {
    put_column(af.fp, &s->columns[i]);
    fputs(i + 1 < s->n_columns ? ",\n" : "\n", af.fp);
  }
  fputs("]}\n", af.fp);
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
    if (!ok) {
      char q[96];
      fhs_enc_quote(key, strlen(key), q, sizeof q);
      return fhs_error_set(err, "%s: %s: unknown key \"%s\"", where, what, q);
    }
  }
  return 0;
}

static int read_bins(json_t *arr, fhs_column *c, const char *where, const char *what,
                     fhs_error *err) {
  if (!json_is_array(arr))
    return fhs_error_set(err, "%s: %s: \"bins\" must be an array of numbers", where, what);
  c->n_bins = json_array_size(arr);
  c->bins = malloc((c->n_bins ? c->n_bins : 1) * sizeof *c->bins);
  if (!c->bins) return fhs_error_set(err, "%s: out of memory", where);
  for (size_t k = 0; k < c->n_bins; k++) {
    json_t *v = json_array_get(arr, k);
    if (!json_is_number(v))
      return fhs_error_set(err, "%s: %s: bins[%zu] is not a number", where, what, k);
    c->bins[k] = json_number_value(v);
  }
  return 0;
}

static int read_categories(json_t *arr, fhs_column *c, const char *where, const char *what,
                           fhs_error *err) {
  if (!json_is_array(arr))
    return fhs_error_set(err, "%s: %s: \"categories\" must be an array of strings", where, what);
  size_t n = json_array_size(arr);
  c->categories = calloc(n ? n : 1, sizeof *c->categories);
  if (!c->categories) return fhs_error_set(err, "%s: out of memory", where);
  for (size_t k = 0; k < n; k++) {
    json_t *v = json_array_get(arr, k);
    if (!json_is_string(v))
      return fhs_error_set(err, "%s: %s: categories[%zu] is not a string", where, what, k);
    c->categories[k] = strdup(json_string_value(v));
    if (!c->categories[k]) return fhs_error_set(err, "%s: out of memory", where);
    c->n_categories = k + 1;
  }
  return 0;
}

/* "clamp", "other", "fallback": types here; whether they fit the column is checked by
 * fhs_schema_validate once the whole column is read. */
static int read_policies(json_t *obj, fhs_column *c, const char *where, const char *what,
                         fhs_error *err) {
  json_t *clamp = json_object_get(obj, "clamp"), *other = json_object_get(obj, "other");
  json_t *fallback = json_object_get(obj, "fallback");
  if (clamp && !json_is_boolean(clamp))
    return fhs_error_set(err, "%s: %s: \"clamp\" must be true or false", where, what);
  c->clamp = json_is_true(clamp);
  if (other) {
    if (!json_is_string(other))
      return fhs_error_set(err, "%s: %s: \"other\" must be a category label", where, what);
    c->other = strdup(json_string_value(other));
    if (!c->other) return fhs_error_set(err, "%s: out of memory", where);
  }
  if (fallback) {
    if (!json_is_integer(fallback) || json_integer_value(fallback) < 0 ||
        json_integer_value(fallback) >= (json_int_t)FHS_DOMAIN_MAX)
      return fhs_error_set(err, "%s: %s: \"fallback\" must be a domain index (an integer >= 0)", where,
                           what);
    c->has_fallback = true;
    c->fallback = (size_t)json_integer_value(fallback);
  }
  return 0;
}

/* "sub": two arrays of numbers of one length, and optionally "rest", one number per bin; their
 * meaning is checked by fhs_schema_validate. */
static int read_sub(json_t *obj, fhs_column *c, const char *where, const char *what, fhs_error *err) {
  json_t *sub = json_object_get(obj, "sub");
  if (!sub) return 0;
  json_t *v = json_object_get(sub, "values"), *w = json_object_get(sub, "weights"), *r = json_object_get(sub, "rest");
  size_t n = json_array_size(v), nb = c->n_bins ? c->n_bins - 1 : 0;
  if (!json_is_object(sub) || json_object_size(sub) != 2 + (r != NULL) || !json_is_array(v) || !json_is_array(w) ||
      n == 0 || json_array_size(w) != n || n > 65536)
    return fhs_error_set(err, "%s: %s: \"sub\" must be {\"values\": [...], \"weights\": [...]} of one length "
                         "(and optionally \"rest\": [...])", where, what);
  if (r && (!json_is_array(r) || json_array_size(r) != nb || nb == 0))
    return fhs_error_set(err, "%s: %s: \"sub\" \"rest\" must hold one weight per bin (%zu)", where, what, nb);
  if (r) {
    c->sub_rest = malloc(nb * sizeof *c->sub_rest);
    if (!c->sub_rest) return fhs_error_set(err, "%s: out of memory", where);
    for (size_t k = 0; k < nb; k++) {
      if (!json_is_number(json_array_get(r, k)))
        return fhs_error_set(err, "%s: %s: \"sub\" \"rest\" holds a weight that is not a number", where, what);
      c->sub_rest[k] = json_number_value(json_array_get(r, k));
    }
  }
  c->sub_values = malloc(n * sizeof *c->sub_values);
  c->sub_weights = malloc(n * sizeof *c->sub_weights);
  if (!c->sub_values || !c->sub_weights) return fhs_error_set(err, "%s: out of memory", where);
  for (size_t k = 0; k < n; k++) {
    if (!json_is_number(json_array_get(v, k)) || !json_is_number(json_array_get(w, k)))
      return fhs_error_set(err, "%s: %s: \"sub\" holds a value or weight that is not a number", where, what);
    c->sub_values[k] = json_number_value(json_array_get(v, k));
    c->sub_weights[k] = json_number_value(json_array_get(w, k));
  }
  c->n_sub = n;
  return 0;
}

static int read_column(json_t *obj, size_t i, fhs_column *c, const char *where, fhs_error *err) {
  char what[64];
  snprintf(what, sizeof what, "column %zu", i + 1);
  if (!json_is_object(obj)) return fhs_error_set(err, "%s: %s is not an object", where, what);
  static const char *const keys[] = {"name",  "type",  "bins",     "categories", "missing",
                                     "clamp", "other", "fallback", "sub", NULL};
  if (only_keys(obj, keys, where, what, err)) return -1;
  json_t *name = json_object_get(obj, "name"), *type = json_object_get(obj, "type");
  json_t *missing = json_object_get(obj, "missing");
  if (!json_is_string(name))
    return fhs_error_set(err, "%s: %s: \"name\" must be a string", where, what);
  c->name = strdup(json_string_value(name));
  if (!c->name) return fhs_error_set(err, "%s: out of memory", where);
  const char *t = json_is_string(type) ? json_string_value(type) : "";
  if (strcmp(t, "numeric") == 0)
    c->type = FHS_COL_NUMERIC;
  else if (strcmp(t, "categorical") == 0)
    c->type = FHS_COL_CATEGORICAL;
  else if (strcmp(t, "datetime") == 0)
    c->type = FHS_COL_DATETIME;
  else
    return fhs_error_set(err,
                         "%s: %s: \"type\" must be \"numeric\", \"categorical\" or \"datetime\"",
                         where, what);
  if (!json_is_boolean(missing))
    return fhs_error_set(err, "%s: %s: \"missing\" must be true or false", where, what);
  c->missing = json_is_true(missing);
  if (read_policies(obj, c, where, what, err)) return -1;
  json_t *bins = json_object_get(obj, "bins"), *cats = json_object_get(obj, "categories");
  if (c->type == FHS_COL_CATEGORICAL) {
    if (bins) return fhs_error_set(err, "%s: %s: a categorical column has no \"bins\"", where, what);
    if (!cats) return fhs_error_set(err, "%s: %s: \"categories\" is missing", where, what);
    return read_categories(cats, c, where, what, err) || read_sub(obj, c, where, what, err) ? -1 : 0;
  }
  if (cats)
    return fhs_error_set(err, "%s: %s: a %s column has no \"categories\"", where, what, t);
  if (!bins) return fhs_error_set(err, "%s: %s: \"bins\" is missing", where, what);
  /* after the bins: "rest" has one weight per bin */
  return read_bins(bins, c, where, what, err) || read_sub(obj, c, where, what, err) ? -1 : 0;
}

/* A missing "origin" is "public": a schema written by hand is the writer's public knowledge. */
static int read_origin(json_t *root, fhs_schema *s, const char *where, fhs_error *err) {
  json_t *origin = json_object_get(root, "origin"), *dp = json_object_get(root, "dp");
  const char *o = origin ? json_string_value(origin) : "public";
  if (!o) return fhs_error_set(err, "%s: \"origin\" must be \"public\", \"dp\" or \"exact\"", where);
  if (strcmp(o, "public") == 0)
    s->origin = FHS_ORIGIN_PUBLIC;
  else if (strcmp(o, "dp") == 0)
    s->origin = FHS_ORIGIN_DP;
  else if (strcmp(o, "exact") == 0)
    s->origin = FHS_ORIGIN_EXACT;
  else
    return fhs_error_set(err, "%s: \"origin\" must be \"public\", \"dp\" or \"exact\"", where);
  if (s->origin != FHS_ORIGIN_DP) {
    if (dp) return fhs_error_set(err, "%s: \"dp\" belongs to a schema with \"origin\": \"dp\" only", where);
    return 0;
  }
  static const char *const keys[] = {"rho", "delta", NULL};
  if (!json_is_object(dp) || only_keys(dp, keys, where, "\"dp\"", err) ||
      !json_is_number(json_object_get(dp, "rho")) || !json_is_number(json_object_get(dp, "delta")))
    return fhs_error_set(err, "%s: a schema with \"origin\": \"dp\" needs \"dp\": {\"rho\": R, \"delta\": D}",
                         where);
  s->dp_rho = json_number_value(json_object_get(dp, "rho"));
  s->dp_delta = json_number_value(json_object_get(dp, "delta"));
  return 0;
}

static int read_root(json_t *root, fhs_schema *s, const char *where, fhs_error *err) {
  if (!json_is_object(root)) return fhs_error_set(err, "%s: not a JSON object", where);
  json_t *format = json_object_get(root, "format");
  if (!json_is_string(format) || strcmp(json_string_value(format), FHS_SCHEMA_FORMAT) != 0)
    return fhs_error_set(err, "%s: not a fhesynth schema (\"format\" is not \"%s\")", where,
                         FHS_SCHEMA_FORMAT);
  if (json_object_get(root, "rows"))
    return fhs_error_set(err,
                         "%s: \"rows\" is no longer part of a schema (an exact row count is private): "
                         "delete the key",
                         where);
  static const char *const keys[] = {"format", "version", "origin", "dp", "columns", NULL};
  if (only_keys(root, keys, where, "schema", err)) return -1;
  json_t *version = json_object_get(root, "version");
  if (!json_is_integer(version))
    return fhs_error_set(err, "%s: \"version\" must be an integer", where);
  if (json_integer_value(version) != FHS_SCHEMA_VERSION)
    return fhs_error_set(err, "%s: schema version %lld is not supported (this build reads %d)",
                         where, (long long)json_integer_value(version), FHS_SCHEMA_VERSION);
  if (read_origin(root, s, where, err)) return -1;
  json_t *cols = json_object_get(root, "columns");
  if (!json_is_array(cols) || json_array_size(cols) == 0)
    return fhs_error_set(err, "%s: \"columns\" must be a non-empty array", where);
  size_t n = json_array_size(cols);
  s->columns = calloc(n, sizeof *s->columns);
  if (!s->columns) return fhs_error_set(err, "%s: out of memory", where);
  for (size_t i = 0; i < n; i++) {
    s->n_columns = i + 1; /* so a failure frees what was read so far */
    if (read_column(json_array_get(cols, i), i, &s->columns[i], where, err)) return -1;
  }
  return fhs_schema_validate(s, where, err);
}

int fhs_json_load(const char *path, json_t **root, fhs_error *err) {
  *root = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (errno == ENOENT) return fhs_error_set(err, "%s: no such file", path);
    return fhs_error_set(err, "%s: cannot open: %s", path, strerror(errno));
  }
  json_error_t jerr;
  *root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
  fclose(f);
  if (*root) return 0;
  if (jerr.line > 0) return fhs_error_set(err, "%s:%d: invalid JSON: %s", path, jerr.line, jerr.text);
  return fhs_error_set(err, "%s: invalid JSON: %s", path, jerr.text);
}

int fhs_schema_read(const char *path, fhs_schema *out, fhs_error *err) {
  memset(out, 0, sizeof *out);
  json_t *root;
  if (fhs_json_load(path, &root, err) != 0) return -1;
  int rc = read_root(root, out, path, err);
  json_decref(root);
  if (rc) fhs_schema_free(out);
  return rc;
}
