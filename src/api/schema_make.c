/* fhs_schema_make: a SCHEMA.json from a public column list, a Private-PGM domain file, DP
 * discovery, or (unsafe) exact inference. The syntax is documented in include/fhesynth.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api_internal.h"
#include "discover.h"
#include "dp.h"

#define DEFAULT_EPSILON 0.1
#define DEFAULT_BINS 16

void fhs_schema_options_init(fhs_schema_options *o) { memset(o, 0, sizeof *o); }

/* ---------- --columns ---------- */

static int parse_edge(fhs_col_type t, const char *s, double *v) {
  return t == FHS_COL_DATETIME ? fhs_datetime_parse(s, strlen(s), v) : fhs_parse_number(s, strlen(s), v);
}

/* ARGS of a numeric/datetime column: "LO:HI:K" (tok[0..2]) or "E0,E1,...". */
static int spec_edges(fhs_column *c, char **tok, size_t n, const char *what, fhs_error *err) {
  if (n >= 3 && !strchr(tok[0], ',')) {
    double lo, hi, k;
    if (parse_edge(c->type, tok[0], &lo) || parse_edge(c->type, tok[1], &hi) ||
        fhs_parse_number(tok[2], strlen(tok[2]), &k) || k < 1 || k > 65534 || k != floor(k) || !(lo < hi))
      return fhs_error_set(err, "--columns: %s: expected LO:HI:K with LO < HI and K bins (1..65534)", what);
    c->n_bins = (size_t)k + 1;
    c->bins = malloc(c->n_bins * sizeof *c->bins);
    if (!c->bins) return fhs_error_set(err, "out of memory");
    for (size_t i = 0; i < c->n_bins; i++) c->bins[i] = lo + (hi - lo) * (double)i / k;
    c->bins[c->n_bins - 1] = hi;
    return 3;
  }
  size_t m = 1;
  for (const char *p = tok[0]; *p; p++) m += *p == ',';
  c->bins = malloc(m * sizeof *c->bins);
  if (!c->bins) return fhs_error_set(err, "out of memory");
  for (char *save = NULL, *e = strtok_r(tok[0], ",", &save); e; e = strtok_r(NULL, ",", &save))
    if (parse_edge(c->type, e, &c->bins[c->n_bins++]))
      return fhs_error_set(err, "--columns: %s: edge \"%.40s\" is not a %s", what, e,
                           c->type == FHS_COL_DATETIME ? "ISO 8601 date" : "number");
  return 1;
}

static int spec_labels(fhs_column *c, char *list, fhs_error *err) {
  size_t m = 1;
  for (const char *p = list; *p; p++) m += *p == '|';
  c->categories = calloc(m + 1, sizeof *c->categories); /* + room for an other= label */
  if (!c->categories) return fhs_error_set(err, "out of memory");
  for (char *save = NULL, *e = strtok_r(list, "|", &save); e; e = strtok_r(NULL, "|", &save))
    if (!(c->categories[c->n_categories++] = strdup(e))) return fhs_error_set(err, "out of memory");
  return 0;
}

static int spec_flag(fhs_column *c, const char *f, const char *what, fhs_error *err) {
  if (strcmp(f, "missing") == 0) {
    c->missing = true;
  } else if (strcmp(f, "strict") == 0 && c->type != FHS_COL_CATEGORICAL) {
    c->clamp = false;
  } else if (strncmp(f, "other=", 6) == 0 && c->type == FHS_COL_CATEGORICAL && f[6]) {
    if (!(c->other = strdup(f + 6))) return fhs_error_set(err, "out of memory");
    bool found = false;
    for (size_t k = 0; k < c->n_categories; k++) found |= strcmp(c->categories[k], c->other) == 0;
    if (!found && !(c->categories[c->n_categories++] = strdup(c->other))) return fhs_error_set(err, "out of memory");
  } else {
    return fhs_error_set(err, "--columns: %s: unknown flag \"%.40s\" (missing, strict, other=LABEL)", what, f);
  }
  return 0;
}

/* One column "NAME:TYPE:ARGS[:FLAG...]"; spec is modified. */
static int spec_column(char *spec, fhs_column *c, fhs_error *err) {
  char *tok[16];
  size_t n = 0;
  for (char *save = NULL, *t = strtok_r(spec, ":", &save); t && n < 16; t = strtok_r(NULL, ":", &save)) tok[n++] = t;
  char what[80];
  snprintf(what, sizeof what, "column \"%.40s\"", n ? tok[0] : "");
  if (n < 3) return fhs_error_set(err, "--columns: %s: expected NAME:TYPE:ARGS (see --help)", what);
  if (!(c->name = strdup(tok[0]))) return fhs_error_set(err, "out of memory");
  int used = 1;
  if (strcmp(tok[1], "categorical") == 0) {
    c->type = FHS_COL_CATEGORICAL;
    if (spec_labels(c, tok[2], err)) return -1;
  } else if (strcmp(tok[1], "numeric") == 0 || strcmp(tok[1], "datetime") == 0) {
    c->type = strcmp(tok[1], "numeric") == 0 ? FHS_COL_NUMERIC : FHS_COL_DATETIME;
    c->clamp = true;
    if ((used = spec_edges(c, tok + 2, n - 2, what, err)) < 0) return -1;
  } else {
    return fhs_error_set(err, "--columns: %s: type \"%.20s\" is not numeric, datetime or categorical", what, tok[1]);
  }
  for (size_t i = 2 + (size_t)used; i < n; i++)
    if (spec_flag(c, tok[i], what, err)) return -1;
  return 0;
}

static int from_columns(const char *list, fhs_schema *s, fhs_error *err) {
  char *copy = api_strdup(list);
  if (!copy) return fhs_error_set(err, "out of memory");
  size_t m = 1;
  for (const char *p = list; *p; p++) m += *p == ';';
  s->columns = calloc(m, sizeof *s->columns);
  int rc = s->columns ? 0 : fhs_error_set(err, "out of memory");
  for (char *save = NULL, *c = strtok_r(copy, ";", &save); rc == 0 && c; c = strtok_r(NULL, ";", &save))
    rc = spec_column(c, &s->columns[s->n_columns++], err);
  free(copy);
  if (rc == 0 && s->n_columns == 0) rc = fhs_error_set(err, "--columns: no columns given");
  s->origin = FHS_ORIGIN_PUBLIC;
  return rc ? -1 : fhs_schema_validate(s, "--columns", err);
}

/* ---------- --domain (Private-PGM) ---------- */

static int from_domain(const char *path, fhs_schema *s, fhs_error *err) {
  json_t *root;
  if (fhs_json_load(path, &root, err)) return -1;
  int rc = json_is_object(root) && json_object_size(root) > 0
               ? 0
               : fhs_error_set(err, "%s: a domain file is a JSON object {\"column\": size, ...}", path);
  s->columns = rc ? NULL : calloc(json_object_size(root), sizeof *s->columns);
  if (rc == 0 && !s->columns) rc = fhs_error_set(err, "out of memory");
  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    if (rc) break;
    json_int_t d = json_is_integer(v) ? json_integer_value(v) : 0;
    if (d < 1 || d > FHS_DOMAIN_MAX) {
      rc = fhs_error_set(err, "%s: column \"%.40s\": size must be an integer 1..%u", path, key, FHS_DOMAIN_MAX);
      break;
    }
    fhs_column *c = &s->columns[s->n_columns++];
    c->name = strdup(key);
    c->n_bins = (size_t)d + 1;
    c->bins = malloc(c->n_bins * sizeof *c->bins);
    if (!c->name || !c->bins) rc = fhs_error_set(err, "out of memory");
    for (size_t i = 0; rc == 0 && i < c->n_bins; i++) c->bins[i] = (double)i;
  }
  json_decref(root);
  s->origin = FHS_ORIGIN_PUBLIC;
  return rc ? -1 : fhs_schema_validate(s, path, err);
}

/* ---------- from the data ---------- */

/* DP discovery, charged to the dataset's ledger before the data is read (as encrypt does). */
static fhs_status from_dp(const fhs_schema_options *o, fhs_schema *s) {
  double eps = o->epsilon > 0 ? o->epsilon : DEFAULT_EPSILON;
  double delta = o->delta > 0 ? o->delta : FHS_DEFAULT_DELTA;
  if (!(eps >= FHS_EPSILON_MIN && eps <= FHS_EPSILON_MAX))
    return api_fail(FHS_ERR_INVALID, "schema: --epsilon %g is outside [%g, %g], the range where the zCDP conversion is tight",
                    eps, FHS_EPSILON_MIN, FHS_EPSILON_MAX);
  if (!(delta > 0 && delta < 0.01))
    return api_fail(FHS_ERR_INVALID, "schema: --delta %g is not in (0, 0.01)", delta);
  double dthr = delta / 10, rho = 0;
  fhs_error err = {{0}};
  if (fhs_dp_rho_from_epsilon(eps, delta - dthr, &rho, &err)) return api_fail(FHS_ERR_INVALID, "schema: %s", err.msg);
  uint8_t id[FHS_DATASET_ID_BYTES];
  char *ledger = NULL;
  fhs_status st = api_dataset_id(o->input, id);
  if (st == FHS_OK) st = api_ledger_path(id, o->ledger, &ledger);
  api_release r = {"discovery", "DP domain discovery (fhesynth schema --dp)", eps, delta, rho, dthr, 0};
  if (st == FHS_OK) st = api_ledger_charge(ledger, id, 0, 0, &r);
  free(ledger);
  if (st != FHS_OK) return st;
  size_t bins = o->bins ? o->bins : DEFAULT_BINS;
  size_t maxc = o->max_categories ? o->max_categories : FHS_INFER_DEFAULT_MAX_CATEGORIES;
  if (api_discover_refined(o->input, rho, dthr, bins, maxc, s, &err)) return api_fail_err(&err);
  return FHS_OK;
}

static fhs_status from_exact(const fhs_schema_options *o, fhs_schema *s) {
  fprintf(stderr,
          "fhesynth: warning: schema --unsafe-exact: the domain of %s is taken from the exact data (exact "
          "bounds, every label): releases that use it are not differentially private\n",
          o->input);
  /* nothing to charge: the schema stays with the owner, and the manifest of every release
   * that uses it says the release is not DP */
  fhs_infer_options io = fhs_infer_defaults();
  if (o->bins) io.bins = o->bins;
  if (o->max_categories) io.max_categories = o->max_categories;
  fhs_error err = {{0}};
  if (fhs_schema_infer(o->input, &io, s, &err)) return api_fail_err(&err);
  s->origin = FHS_ORIGIN_EXACT;
  return FHS_OK;
}

static fhs_status check_sources(const char *out, const fhs_schema_options *o) {
  int n = (o->columns != NULL) + (o->domain != NULL) + (o->input != NULL);
  if (!out) return api_fail(FHS_ERR_INVALID, "schema: no output file");
  if (n != 1) return api_fail(FHS_ERR_INVALID, "schema: give exactly one of --columns, --domain, or INPUT with --dp or --unsafe-exact");
  if (o->input && o->dp + o->unsafe_exact != 1)
    return api_fail(FHS_ERR_INVALID, "schema: with INPUT, give exactly one of --dp and --unsafe-exact");
  if (!o->input && (o->dp || o->unsafe_exact))
    return api_fail(FHS_ERR_INVALID, "schema: --dp and --unsafe-exact need an INPUT file");
  if (o->bins > 1024) return api_fail(FHS_ERR_INVALID, "schema: --bins must be 1..1024");
  fhs_status s = o->input ? api_check_input(o->input) : o->domain ? api_check_input(o->domain) : FHS_OK;
  return s == FHS_OK ? api_check_output(out) : s;
}

fhs_status fhs_schema_make(const char *out, const fhs_schema_options *opts) {
  fhs_schema_options d;
  fhs_schema_options_init(&d);
  const fhs_schema_options *o = opts ? opts : &d;
  fhs_status st = check_sources(out, o);
  if (st != FHS_OK) return st;
  fhs_schema s;
  memset(&s, 0, sizeof s);
  fhs_error err = {{0}};
  if (o->columns)
    st = from_columns(o->columns, &s, &err) ? api_fail(FHS_ERR_INVALID, "schema: %s", err.msg) : FHS_OK;
  else if (o->domain)
    st = from_domain(o->domain, &s, &err) ? api_fail_err(&err) : FHS_OK;
  else
    st = o->dp ? from_dp(o, &s) : from_exact(o, &s);
  if (st == FHS_OK && fhs_schema_write(&s, out, &err)) st = api_fail_err(&err);
  fhs_schema_free(&s);
  return st;
}
