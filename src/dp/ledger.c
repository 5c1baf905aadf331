/* Budget ledger, format version 2 (see dp.h for the format and the rule). The cap is fixed at
 * creation and every check converts the epoch's summed rho at the LEDGER's delta, never at the
 * release's: otherwise a release could raise its own delta to make the total look small.
 * Writers serialise on an exclusive flock of PATH.lock and replace the file atomically (temp
 * file, fsync, rename, fsync of the directory), so a crash leaves the old or the new ledger and
 * a concurrent writer always decides on the latest one. Anything unexpected in the file is an
 * error: a ledger that silently started over would hand out the budget twice. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dp.h"
#include "io.h"

#define LEDGER_FORMAT "fhesynth-budget"
/* Doubles from JSON and bisection differ in the last bits: a release that exactly uses up the
 * budget must pass, and a stored rho cap must match its recomputation, within this slack. */
#define LEDGER_SLACK 1e-9

static const char *const KIND_NAMES[] = {"discovery", "marginals", "no-dp", "reset"};
#define KIND_COUNT (sizeof KIND_NAMES / sizeof KIND_NAMES[0])

const char *fhs_dp_kind_name(fhs_dp_kind kind) {
  return (unsigned)kind < KIND_COUNT ? KIND_NAMES[kind] : NULL;
}

int fhs_dp_kind_parse(const char *name, fhs_dp_kind *out) {
  for (size_t i = 0; name && i < KIND_COUNT; i++)
    if (strcmp(name, KIND_NAMES[i]) == 0) {
      *out = (fhs_dp_kind)i;
      return 0;
    }
  return -1;
}

/* ---------- parsing and validation ---------- */

typedef struct {
  json_t *root; /* owned */
  fhs_dp_ledger_summary sum;
  size_t epoch_start; /* index of the first entry after the last reset */
} ledger;

static int corrupt(const char *path, const char *what, fhs_error *err) {
  return fhs_error_set(err, "%s: corrupt privacy ledger: %s", path, what);
}

static int number_field(const json_t *obj, const char *key, double *out) {
  const json_t *v = json_object_get(obj, key);
  if (!json_is_number(v)) return -1;
  *out = json_number_value(v);
  return isfinite(*out) ? 0 : -1;
}

static int is_dataset_id(const char *s) {
  if (!s || strlen(s) != FHS_DP_DATASET_ID_HEX) return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
  return 1;
}

static int valid_cap(double eps, double delta) {
  return isfinite(eps) && eps > 0 && delta > 0 && delta < 1;
}

/* The numbers of a DP entry, in the ranges a charge accepts (delta also <= the cap). */
static int dp_numbers(const json_t *e, double delta_cap, double v[4]) {
  if (number_field(e, "epsilon", &v[0]) || number_field(e, "delta", &v[1]) ||
      number_field(e, "rho", &v[2]) || number_field(e, "delta_approx", &v[3]))
    return -1;
  return v[0] >= 0 && v[1] > 0 && v[1] <= delta_cap && v[2] >= 0 && v[3] >= 0 && v[3] < 1 ? 0 : -1;
}

/* A no-dp or reset entry carries no numbers (null or absent). */
static int no_numbers(const json_t *e) {
  static const char *keys[] = {"epsilon", "delta", "rho", "delta_approx"};
  for (size_t i = 0; i < 4; i++) {
    const json_t *v = json_object_get(e, keys[i]);
    if (v && !json_is_null(v)) return -1;
  }
  return 0;
}

static int parse_entry(const json_t *e, double delta_cap, fhs_dp_kind *kind, double v[4]) {
  const json_t *t = json_object_get(e, "time");
  if (!json_is_object(e) || !json_is_string(t) || json_string_length(t) == 0 ||
      json_string_length(t) >= 32 || !json_is_string(json_object_get(e, "label")) ||
      fhs_dp_kind_parse(json_string_value(json_object_get(e, "kind")), kind) < 0)
    return -1;
  if (*kind == FHS_DP_KIND_NO_DP || *kind == FHS_DP_KIND_RESET) {
    v[0] = v[1] = v[2] = v[3] = NAN;
    return no_numbers(e);
  }
  return dp_numbers(e, delta_cap, v);
}

/* Adds entry i (already validated) to the running epoch summary. */
static void account(ledger *lg, size_t i, fhs_dp_kind kind, const double v[4], const char *time) {
  fhs_dp_ledger_summary *s = &lg->sum;
  if (kind == FHS_DP_KIND_RESET) {
    s->rho_spent = s->delta_approx_spent = 0;
    s->unbounded = 0;
    s->unbounded_since[0] = 0;
    s->epoch_releases = 0;
    lg->epoch_start = i + 1;
    return;
  }
  s->epoch_releases++;
  if (kind == FHS_DP_KIND_NO_DP) {
    if (!s->unbounded) snprintf(s->unbounded_since, sizeof s->unbounded_since, "%s", time);
    s->unbounded = 1;
    return;
  }
  s->rho_spent += v[2];
  s->delta_approx_spent += v[3];
}

static int parse_cap(const char *path, const json_t *root, fhs_dp_ledger_summary *s,
                     fhs_error *err) {
  const json_t *cap = json_object_get(root, "cap");
  double rho;
  if (!json_is_object(cap) || number_field(cap, "epsilon", &s->epsilon_cap) ||
      number_field(cap, "delta", &s->delta_cap) || number_field(cap, "rho", &s->rho_cap) ||
      !valid_cap(s->epsilon_cap, s->delta_cap))
    return corrupt(path, "cap is missing or out of range", err);
  if (fhs_dp_rho_from_epsilon(s->epsilon_cap, s->delta_cap, &rho, err) < 0) return -1;
  if (fabs(rho - s->rho_cap) > LEDGER_SLACK * rho)
    return corrupt(path, "cap rho does not match its epsilon and delta", err);
  return 0;
}

static int parse_header(const char *path, const json_t *root, ledger *lg, fhs_error *err) {
  const json_t *format = json_object_get(root, "format");
  const json_t *version = json_object_get(root, "version");
  if (!json_is_object(root) || !json_is_string(format) ||
      strcmp(json_string_value(format), LEDGER_FORMAT) != 0)
    return corrupt(path, "not an " LEDGER_FORMAT " file", err);
  if (json_is_integer(version) && json_integer_value(version) == 1)
    return fhs_error_set(err, "%s: a version-1 privacy ledger (epsilon only, no delta cap): "
                              "delete it or convert it to version 2", path);
  if (!json_is_integer(version) || json_integer_value(version) != FHS_DP_LEDGER_VERSION)
    return corrupt(path, "unsupported version", err);
  const char *id = json_string_value(json_object_get(root, "dataset"));
  if (!is_dataset_id(id)) return corrupt(path, "dataset is not a 32-hex-digit id", err);
  snprintf(lg->sum.dataset_id, sizeof lg->sum.dataset_id, "%s", id);
  return parse_cap(path, root, &lg->sum, err);
}

static int ledger_parse(const char *path, json_t *root, ledger *lg, fhs_error *err) {
  memset(&lg->sum, 0, sizeof lg->sum);
  lg->epoch_start = 0;
  if (parse_header(path, root, lg, err) < 0) return -1;
  const json_t *entries = json_object_get(root, "entries");
  if (!json_is_array(entries)) return corrupt(path, "entries is not an array", err);
  lg->sum.entries = json_array_size(entries);
  for (size_t i = 0; i < lg->sum.entries; i++) {
    const json_t *e = json_array_get(entries, i);
    fhs_dp_kind kind;
    double v[4];
    if (parse_entry(e, lg->sum.delta_cap, &kind, v) < 0) {
      char what[64];
      snprintf(what, sizeof what, "entry %zu is malformed", i);
      return corrupt(path, what, err);
    }
    account(lg, i, kind, v, json_string_value(json_object_get(e, "time")));
  }
  return 0;
}

static void summary_epsilon(fhs_dp_ledger_summary *s) {
  double d = s->delta_cap - s->delta_approx_spent;
  if (!(d > 0) || fhs_dp_epsilon_from_rho(s->rho_spent, d, &s->epsilon_spent, NULL) < 0)
    s->epsilon_spent = INFINITY;
}

/* Loads path into lg; *exists = 0 (and lg->root = NULL) when there is no file yet. */
static int ledger_load(const char *path, ledger *lg, int *exists, fhs_error *err) {
  lg->root = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (errno != ENOENT) return fhs_error_set(err, "%s: %s", path, strerror(errno));
    *exists = 0;
    return 0;
  }
  *exists = 1;
  json_error_t jerr;
  json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
  fclose(f);
  if (!root)
    return fhs_error_set(err, "%s: corrupt privacy ledger: line %d: %s", path, jerr.line, jerr.text);
  if (ledger_parse(path, root, lg, err) < 0) {
    json_decref(root);
    return -1;
  }
  summary_epsilon(&lg->sum);
  lg->root = root;
  return 0;
}

/* ---------- writing ---------- */

static void now_stamp(char stamp[32]) {
  time_t now = time(NULL);
  struct tm tm;
  if (!gmtime_r(&now, &tm) || !strftime(stamp, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
    snprintf(stamp, 32, "unknown");
}

/* io's atomic file, owner-only: the history says what the owner released and when. */
static int ledger_write(const char *path, const json_t *root, fhs_error *err) {
  char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
  if (!text) return fhs_error_set(err, "%s: out of memory", path);
  fhs_atomic_file af;
  int rc = fhs_atomic_open(&af, path, err);
  if (rc == 0) {
    fhs_atomic_set_mode(&af, 0600);
    if (fputs(text, af.fp) < 0 || fputc('\n', af.fp) < 0) {
      fhs_atomic_abort(&af);
      rc = fhs_error_set(err, "%s: cannot write privacy ledger", path);
    } else {
      rc = fhs_atomic_commit(&af, err);
    }
  }
  free(text);
  return rc;
}

/* Appends entry (stolen) and writes the ledger. */
static int append_and_write(const char *path, ledger *lg, json_t *entry, fhs_error *err) {
  if (!entry || json_array_append_new(json_object_get(lg->root, "entries"), entry) < 0)
    return fhs_error_set(err, "%s: cannot record the entry (label not valid UTF-8?)", path);
  return ledger_write(path, lg->root, err);
}

/* Runs fn with the exclusive lock on PATH.lock held (a separate file: the ledger itself is
 * replaced by rename, so a lock on it would guard a file that no longer is the ledger). */
static int with_lock(const char *path, int (*fn)(const char *, void *, fhs_error *), void *ctx,
                     fhs_error *err) {
  size_t n = strlen(path);
  char *lock_path = malloc(n + sizeof ".lock");
  if (!lock_path) return fhs_error_set(err, "%s: out of memory", path);
  memcpy(lock_path, path, n);
  memcpy(lock_path + n, ".lock", sizeof ".lock");
  int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  int e = errno;
  free(lock_path);
  if (fd < 0) return fhs_error_set(err, "%s.lock: %s", path, strerror(e));
  int rc;
  while ((rc = flock(fd, LOCK_EX)) < 0 && errno == EINTR) {
  }
  if (rc < 0)
    rc = fhs_error_set(err, "%s.lock: cannot lock: %s", path, strerror(errno));
  else
    rc = fn(path, ctx, err);
  close(fd); /* releases the lock */
  return rc;
}

/* ---------- recording a release ---------- */

typedef struct {
  const char *dataset_id;
  const fhs_dp_cap *cap, *dflt;
  const fhs_dp_release *r;
} record_args;

static int check_release(const char *path, const fhs_dp_release *r, fhs_error *err) {
  if (!r->label) return fhs_error_set(err, "%s: release has no label", path);
  if (r->kind == FHS_DP_KIND_NO_DP) return 0;
  if (r->kind != FHS_DP_KIND_DISCOVERY && r->kind != FHS_DP_KIND_MARGINALS)
    return fhs_error_set(err, "%s: a release is discovery, marginals or no-dp", path);
  if (!isfinite(r->epsilon) || r->epsilon < 0)
    return fhs_error_set(err, "%s: release epsilon %g is not a finite value >= 0", path, r->epsilon);
  if (!(r->delta > 0 && r->delta < 1))
    return fhs_error_set(err, "%s: release delta %g is not in (0, 1)", path, r->delta);
  if (!isfinite(r->rho) || r->rho < 0)
    return fhs_error_set(err, "%s: release rho %g is not a finite value >= 0", path, r->rho);
  if (!(r->delta_approx >= 0 && r->delta_approx < 1))
    return fhs_error_set(err, "%s: release delta_approx %g is not in [0, 1)", path, r->delta_approx);
  return 0;
}

static double pick(double asked, const fhs_dp_cap *dflt, int delta) {
  if (asked > 0 || !dflt) return asked;
  return delta ? dflt->delta : dflt->epsilon;
}

static int new_ledger(const char *path, const record_args *a, ledger *lg, fhs_error *err) {
  double eps = pick(a->cap->epsilon, a->dflt, 0), delta = pick(a->cap->delta, a->dflt, 1), rho;
  if (!valid_cap(eps, delta))
    return fhs_error_set(err, "%s: no ledger yet and no cap (epsilon > 0, delta in (0, 1)) to start one", path);
  if (fhs_dp_rho_from_epsilon(eps, delta, &rho, err) < 0) return -1;
  lg->root = json_pack("{s:s, s:i, s:s, s:{s:f, s:f, s:f}, s:[]}", "format", LEDGER_FORMAT,
                       "version", FHS_DP_LEDGER_VERSION, "dataset", a->dataset_id, "cap",
                       "epsilon", eps, "delta", delta, "rho", rho, "entries");
  if (!lg->root) return fhs_error_set(err, "%s: out of memory", path);
  memset(&lg->sum, 0, sizeof lg->sum);
  lg->sum.epsilon_cap = eps;
  lg->sum.delta_cap = delta;
  lg->sum.rho_cap = rho;
  return 0;
}

static int same(double a, double b) { return fabs(a - b) <= LEDGER_SLACK * fabs(b); }

/* The ledger is the one asked for: same dataset, same cap where one was asked. */
static int check_owner(const char *path, const record_args *a, const ledger *lg, fhs_error *err) {
  const fhs_dp_ledger_summary *s = &lg->sum;
  if (strcmp(s->dataset_id, a->dataset_id) != 0)
    return fhs_error_set(err, "%s: this ledger belongs to another dataset (%s, not %s)", path,
                         s->dataset_id, a->dataset_id);
  int eps_differs = a->cap->epsilon > 0 && !same(a->cap->epsilon, s->epsilon_cap);
  if (eps_differs || (a->cap->delta > 0 && !same(a->cap->delta, s->delta_cap)))
    return fhs_error_set(err, "%s: the ledger's budget cap is epsilon %g, delta %g, not %s %g", path,
                         s->epsilon_cap, s->delta_cap, eps_differs ? "epsilon" : "delta",
                         eps_differs ? a->cap->epsilon : a->cap->delta);
  return 0;
}

/* The rule of dp.h for a DP release. */
static int check_budget(const char *path, const fhs_dp_release *r, const fhs_dp_ledger_summary *s,
                        fhs_error *err) {
  if (r->delta > s->delta_cap)
    return fhs_error_set(err, "%s: release delta %g exceeds the ledger's delta %g (budget cap)",
                         path, r->delta, s->delta_cap);
  if (s->unbounded)
    return fhs_error_set(err, "%s: a release without DP was recorded on %s; reset the ledger "
                              "explicitly (fhesynth budget --reset) to start a new epoch",
                         path, s->unbounded_since);
  double rho = s->rho_spent + r->rho, approx = s->delta_approx_spent + r->delta_approx, eps;
  if (!(approx < s->delta_cap))
    return fhs_error_set(err, "%s: privacy budget exceeded: thresholding delta %g would reach the cap's delta %g",
                         path, approx, s->delta_cap);
  if (fhs_dp_epsilon_from_rho(rho, s->delta_cap - approx, &eps, err) < 0) return -1;
  if (eps > s->epsilon_cap * (1 + LEDGER_SLACK))
    return fhs_error_set(err, "%s: privacy budget exceeded: spent epsilon %.6g, with this release "
                              "%.6g > cap epsilon %g (at delta %g)",
                         path, s->epsilon_spent, eps, s->epsilon_cap, s->delta_cap);
  return 0;
}

static json_t *release_entry(const fhs_dp_release *r) {
  char stamp[32];
  now_stamp(stamp);
  const char *kind = fhs_dp_kind_name(r->kind);
  if (r->kind == FHS_DP_KIND_NO_DP)
    return json_pack("{s:s, s:s, s:s, s:n, s:n, s:n, s:n}", "time", stamp, "kind", kind, "label",
                     r->label, "epsilon", "delta", "rho", "delta_approx");
  return json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:f}", "time", stamp, "kind", kind, "label",
                   r->label, "epsilon", r->epsilon, "delta", r->delta, "rho", r->rho,
                   "delta_approx", r->delta_approx);
}

/* With a->r NULL: only create (an existing ledger is checked and left alone). */
static int record_locked(const char *path, void *ctx, fhs_error *err) {
  const record_args *a = ctx;
  ledger lg;
  int exists;
  if (ledger_load(path, &lg, &exists, err) < 0) return -1;
  int rc = exists ? check_owner(path, a, &lg, err) : new_ledger(path, a, &lg, err);
  if (rc == 0 && a->r && a->r->kind != FHS_DP_KIND_NO_DP) rc = check_budget(path, a->r, &lg.sum, err);
  if (rc == 0 && a->r)
    rc = append_and_write(path, &lg, release_entry(a->r), err);
  else if (rc == 0 && !exists)
    rc = ledger_write(path, lg.root, err);
  json_decref(lg.root);
  return rc;
}

int fhs_dp_ledger_create(const char *path, const char *dataset_id, const fhs_dp_cap *cap,
                         fhs_error *err) {
  if (!path) return fhs_error_set(err, "dp: no ledger path");
  if (!cap || !valid_cap(cap->epsilon, cap->delta))
    return fhs_error_set(err, "%s: a cap needs epsilon > 0 and delta in (0, 1)", path);
  if (!is_dataset_id(dataset_id))
    return fhs_error_set(err, "%s: the dataset id must be %d lowercase hex digits", path, FHS_DP_DATASET_ID_HEX);
  record_args a = {dataset_id, cap, NULL, NULL};
  return with_lock(path, record_locked, &a, err);
}

int fhs_dp_ledger_record(const char *path, const char *dataset_id, const fhs_dp_cap *cap,
                         const fhs_dp_cap *dflt, const fhs_dp_release *r, fhs_error *err) {
  if (!path) return fhs_error_set(err, "dp: no ledger path");
  if (!r || !cap) return fhs_error_set(err, "%s: no release or no cap", path);
  if (!is_dataset_id(dataset_id))
    return fhs_error_set(err, "%s: the dataset id must be %d lowercase hex digits", path, FHS_DP_DATASET_ID_HEX);
  if (check_release(path, r, err) < 0) return -1;
  record_args a = {dataset_id, cap, dflt, r};
  return with_lock(path, record_locked, &a, err);
}

/* ---------- reset ---------- */

typedef struct {
  const char *dataset_id, *label;
} reset_args;

static int reset_locked(const char *path, void *ctx, fhs_error *err) {
  const reset_args *a = ctx;
  ledger lg;
  int exists;
  if (ledger_load(path, &lg, &exists, err) < 0) return -1;
  if (!exists) return fhs_error_set(err, "%s: no such file (no ledger to reset)", path);
  int rc = 0;
  if (a->dataset_id && strcmp(a->dataset_id, lg.sum.dataset_id) != 0)
    rc = fhs_error_set(err, "%s: this ledger belongs to another dataset (%s, not %s)", path,
                       lg.sum.dataset_id, a->dataset_id);
  if (rc == 0) {
    char stamp[32];
    now_stamp(stamp);
    rc = append_and_write(path, &lg,
                          json_pack("{s:s, s:s, s:s}", "time", stamp, "kind", "reset", "label", a->label), err);
  }
  json_decref(lg.root);
  return rc;
}

int fhs_dp_ledger_reset(const char *path, const char *dataset_id, const char *label,
                        fhs_error *err) {
  if (!path) return fhs_error_set(err, "dp: no ledger path");
  reset_args a = {dataset_id, label ? label : "reset"};
  return with_lock(path, reset_locked, &a, err);
}

/* ---------- reading ---------- */

static int fill_entries(const json_t *root, size_t epoch_start, fhs_dp_ledger_entry *out, size_t n) {
  const json_t *arr = json_object_get(root, "entries");
  for (size_t i = 0; i < n; i++) {
    const json_t *e = json_array_get(arr, i);
    fhs_dp_ledger_entry *x = &out[i];
    double v[4];
    parse_entry(e, INFINITY, &x->kind, v); /* validated by ledger_parse */
    x->epsilon = v[0], x->delta = v[1], x->rho = v[2], x->delta_approx = v[3];
    snprintf(x->time, sizeof x->time, "%s", json_string_value(json_object_get(e, "time")));
    x->label = strdup(json_string_value(json_object_get(e, "label")));
    x->current_epoch = i >= epoch_start;
    if (!x->label) return -1;
  }
  return 0;
}

int fhs_dp_ledger_read(const char *path, const char *dataset_id, fhs_dp_ledger_summary *out,
                       fhs_dp_ledger_entry **entries, size_t *n, fhs_error *err) {
  if (!path || !out) return fhs_error_set(err, "dp: no ledger path");
  ledger lg;
  int exists;
  if (ledger_load(path, &lg, &exists, err) < 0) return -1;
  if (!exists) return fhs_error_set(err, "%s: no such file", path);
  int rc = 0;
  if (dataset_id && strcmp(dataset_id, lg.sum.dataset_id) != 0)
    rc = fhs_error_set(err, "%s: this ledger belongs to another dataset", path);
  if (rc == 0 && entries) {
    *entries = calloc(lg.sum.entries ? lg.sum.entries : 1, sizeof **entries);
    if (!*entries || fill_entries(lg.root, lg.epoch_start, *entries, lg.sum.entries) < 0) {
      fhs_dp_ledger_entries_free(*entries, lg.sum.entries);
      *entries = NULL;
      rc = fhs_error_set(err, "%s: out of memory", path);
    } else if (n) {
      *n = lg.sum.entries;
    }
  }
  if (rc == 0) *out = lg.sum;
  json_decref(lg.root);
  return rc;
}

void fhs_dp_ledger_entries_free(fhs_dp_ledger_entry *entries, size_t n) {
  for (size_t i = 0; entries && i < n; i++) free(entries[i].label);
  free(entries);
}
