/* Budget ledger: one JSON file per encrypted dataset listing every release (see dp.h for the
 * format). Releases compose under zCDP, so the spent budget is the epsilon of the summed rho
 * at the new release's delta. Updates are serialised by a lock file and land atomically
 * (temp file, fsync, rename, fsync of the directory): a crash leaves the old or the new
 * ledger, never a mix, and a corrupt file is reported instead of silently starting over. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "dp.h"
#include "io.h"

#define LEDGER_FORMAT "fhesynth-budget"
#define LEDGER_VERSION 1
/* Doubles from JSON and bisection differ in the last bits: a release that exactly uses up
 * the budget must pass, so the comparison allows this relative slack. */
#define LEDGER_SLACK 1e-9

typedef struct {
  json_t *root; /* owned */
  fhs_dp_ledger_summary sum;
} ledger;

static int corrupt(const char *path, const char *what, fhs_error *err) {
  return fhs_error_set(err, "%s: corrupt budget ledger: %s", path, what);
}

static int number_field(const json_t *obj, const char *key, double *out) {
  const json_t *v = json_object_get(obj, key);
  if (!json_is_number(v)) return -1;
  *out = json_number_value(v);
  return isfinite(*out) ? 0 : -1;
}

static int check_release(const char *path, const json_t *rel, size_t i, double *rho,
                         fhs_error *err) {
  double eps, delta;
  char what[96];
  snprintf(what, sizeof what, "release %zu is malformed", i);
  if (!json_is_object(rel) || !json_is_string(json_object_get(rel, "time")) ||
      !json_is_string(json_object_get(rel, "label")) || number_field(rel, "epsilon", &eps) ||
      number_field(rel, "delta", &delta) || number_field(rel, "rho", rho) || eps < 0 ||
      !(delta > 0 && delta < 1) || *rho < 0)
    return corrupt(path, what, err);
  return 0;
}

static int ledger_parse(const char *path, json_t *root, ledger *lg, fhs_error *err) {
  const json_t *format = json_object_get(root, "format");
  const json_t *version = json_object_get(root, "version");
  const json_t *releases = json_object_get(root, "releases");
  double budget;
  if (!json_is_object(root) || !json_is_string(format) ||
      strcmp(json_string_value(format), LEDGER_FORMAT) != 0)
    return corrupt(path, "not an " LEDGER_FORMAT " file", err);
  if (!json_is_integer(version) || json_integer_value(version) != LEDGER_VERSION)
    return corrupt(path, "unsupported version", err);
  if (number_field(root, "epsilon_budget", &budget) || !(budget > 0))
    return corrupt(path, "epsilon_budget is missing or not > 0", err);
  if (!json_is_array(releases)) return corrupt(path, "releases is not an array", err);
  lg->sum.epsilon_budget = budget;
  lg->sum.releases = json_array_size(releases);
  lg->sum.rho_total = 0.0;
  for (size_t i = 0; i < lg->sum.releases; i++) {
    double rho;
    if (check_release(path, json_array_get(releases, i), i, &rho, err) < 0) return -1;
    lg->sum.rho_total += rho;
  }
  return 0;
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
    return fhs_error_set(err, "%s: corrupt budget ledger: line %d: %s", path, jerr.line, jerr.text);
  if (ledger_parse(path, root, lg, err) < 0) {
    json_decref(root);
    return -1;
  }
  lg->root = root;
  return 0;
}

int fhs_dp_ledger_read(const char *path, fhs_dp_ledger_summary *out, fhs_error *err) {
  ledger lg;
  int exists;
  if (ledger_load(path, &lg, &exists, err) < 0) return -1;
  if (!exists) return fhs_error_set(err, "%s: %s", path, strerror(ENOENT));
  *out = lg.sum;
  json_decref(lg.root);
  return 0;
}

/* io's atomic file: temp file beside the target, fsync, rename, fsync of the directory. */
static int write_atomic(const char *path, const char *text, fhs_error *err) {
  fhs_atomic_file af;
  if (fhs_atomic_open(&af, path, err) < 0) return -1;
  if (fputs(text, af.fp) < 0) {
    fhs_atomic_abort(&af);
    return fhs_error_set(err, "%s: cannot write budget ledger", path);
  }
  return fhs_atomic_commit(&af, err);
}

static json_t *new_ledger(double budget) {
  return json_pack("{s:s, s:i, s:f, s:[]}", "format", LEDGER_FORMAT, "version", LEDGER_VERSION,
                   "epsilon_budget", budget, "releases");
}

static json_t *new_release(double eps, double delta, double rho, const char *label) {
  char stamp[32];
  time_t now = time(NULL);
  struct tm tm;
  if (!gmtime_r(&now, &tm) || !strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm))
    snprintf(stamp, sizeof stamp, "unknown");
  /* s? would turn a NULL label into null; an invalid UTF-8 label makes json_pack fail */
  return json_pack("{s:s, s:s, s:f, s:f, s:f}", "time", stamp, "label", label, "epsilon", eps,
                   "delta", delta, "rho", rho);
}

static int check_charge(const char *path, double budget, double eps, double delta, double rho,
                        const char *label, fhs_error *err) {
  if (!isfinite(budget) || budget < 0)
    return fhs_error_set(err, "%s: epsilon budget %g is not a finite value >= 0", path, budget);
  if (!isfinite(eps) || eps < 0)
    return fhs_error_set(err, "%s: release epsilon %g is not a finite value >= 0", path, eps);
  if (!(delta > 0 && delta < 1))
    return fhs_error_set(err, "%s: release delta %g is not in (0, 1)", path, delta);
  if (!isfinite(rho) || rho < 0)
    return fhs_error_set(err, "%s: release rho %g is not a finite value >= 0", path, rho);
  if (!label) return fhs_error_set(err, "%s: release has no label", path);
  return 0;
}

/* Decides with the lock held; appends on success. */
static int charge_locked(const char *path, double budget, double eps, double delta, double rho,
                         const char *label, fhs_error *err) {
  ledger lg;
  int exists;
  if (ledger_load(path, &lg, &exists, err) < 0) return -1;
  if (!exists) {
    if (!(budget > 0))
      return fhs_error_set(err, "%s: no ledger yet and no epsilon budget to start one", path);
    lg.root = new_ledger(budget);
    lg.sum = (fhs_dp_ledger_summary){budget, 0, 0.0};
    if (!lg.root) return fhs_error_set(err, "%s: out of memory", path);
  } else if (budget > 0 && fabs(budget - lg.sum.epsilon_budget) > LEDGER_SLACK * budget) {
    json_decref(lg.root);
    return fhs_error_set(err, "%s: the ledger's budget is epsilon %g, not %g", path,
                         lg.sum.epsilon_budget, budget);
  }
  int rc = -1;
  double total;
  char *text = NULL;
  json_t *rel = NULL;
  if (fhs_dp_epsilon_from_rho(lg.sum.rho_total + rho, delta, &total, err) < 0) goto done;
  if (total > lg.sum.epsilon_budget * (1 + LEDGER_SLACK)) {
    fhs_error_set(err, "%s: this release (epsilon %g) would bring the total to %g > budget %g",
                  path, eps, total, lg.sum.epsilon_budget);
    goto done;
  }
  rel = new_release(eps, delta, rho, label);
  if (!rel || json_array_append_new(json_object_get(lg.root, "releases"), rel) < 0) {
    fhs_error_set(err, "%s: cannot record release (label not valid UTF-8?)", path);
    goto done;
  }
  text = json_dumps(lg.root, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
  if (!text) {
    fhs_error_set(err, "%s: out of memory", path);
    goto done;
  }
  size_t len = strlen(text);
  char *withnl = realloc(text, len + 2); /* end the file with a newline */
  if (withnl) {
    text = withnl;
    memcpy(text + len, "\n", 2);
  }
  rc = write_atomic(path, text, err);
done:
  free(text);
  json_decref(lg.root);
  return rc;
}

int fhs_dp_ledger_charge(const char *path, double total_epsilon_budget, double eps,
                         double delta, double rho, const char *label, fhs_error *err) {
  if (!path) return fhs_error_set(err, "dp: no ledger path");
  if (check_charge(path, total_epsilon_budget, eps, delta, rho, label, err) < 0) return -1;
  /* The ledger itself is replaced by rename, so the lock lives in a separate file. */
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
    rc = charge_locked(path, total_epsilon_budget, eps, delta, rho, label, err);
  close(fd); /* releases the lock */
  return rc;
}
