/* The owner's fhesynth home (owner key, ledgers) and the per-dataset privacy ledger.
 *
 * Why a keyed hash for the dataset id: the ledger must follow the data, whatever keys or work
 * directory a run uses (Python's run makes fresh ones each call), so the id is computed from
 * the input's bytes. An unkeyed hash would let anyone who sees the id (it travels in DATA.fhe
 * to the server) test a guess of the whole table; keyed with a secret that never leaves the
 * owner's home, it reveals nothing. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_internal.h"
#include "dp.h"
#include <jansson.h>
#include <math.h>

#define OWNER_KEY_BYTES 32

/* $FHESYNTH_HOME, else $XDG_DATA_HOME/fhesynth, else $HOME/.local/share/fhesynth. */
static char *home_dir(void) {
  const char *h = getenv("FHESYNTH_HOME");
  if (h && *h) return api_strdup(h);
  const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
  const char *base = xdg && *xdg ? xdg : home && *home ? home : NULL;
  const char *tail = xdg && *xdg ? "/fhesynth" : "/.local/share/fhesynth";
  if (!base) return NULL;
  size_t n = strlen(base) + strlen(tail) + 1;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s%s", base, tail);
  return p;
}

/* mkdir -p with mode 0700 for every directory it creates. */
static int make_dirs(const char *path) {
  char *p = api_strdup(path);
  if (!p) return -1;
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0700) != 0 && errno != EEXIST) {
      free(p);
      return -1;
    }
    *s = '/';
  }
  int rc = mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
  free(p);
  return rc;
}

/* Writes a fresh key to path.XXXXXX (0600, synced), then links it to path. *created is 1 when
 * this call's key became the owner key; 0 when another process's link won (EEXIST). */
static fhs_status create_owner_key(const char *path, uint8_t key[OWNER_KEY_BYTES], int *created) {
  size_t n = strlen(path) + 8;
  char *tmp = malloc(n);
  if (!tmp) return api_fail(FHS_ERR_NOMEM, "out of memory");
  snprintf(tmp, n, "%s.XXXXXX", path);
  int fd = mkstemp(tmp);
  fhs_status s = FHS_OK;
  if (fd < 0) {
    s = api_fail(FHS_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
  } else {
    randombytes_buf(key, OWNER_KEY_BYTES);
    if (fchmod(fd, 0600) != 0 || write(fd, key, OWNER_KEY_BYTES) != OWNER_KEY_BYTES || fsync(fd) != 0)
      s = api_fail(FHS_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    close(fd);
    if (s == FHS_OK && link(tmp, path) == 0)
      *created = 1;
    else if (s == FHS_OK && errno != EEXIST)
      s = api_fail(FHS_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    unlink(tmp);
  }
  free(tmp);
  return s;
}

/* Reads home/owner.key, creating it (O_EXCL, 0600) on first use; a concurrent creator wins and
 * the loser reads its key. */
static fhs_status owner_key(uint8_t key[OWNER_KEY_BYTES]) {
  char *home = home_dir();
  if (!home) return api_fail(FHS_ERR_IO, "no fhesynth home: set FHESYNTH_HOME or HOME");
  if (make_dirs(home) != 0) {
    fhs_status s = api_fail(FHS_ERR_IO, "%s: cannot create: %s", home, strerror(errno));
    free(home);
    return s;
  }
  size_t n = strlen(home) + 16;
  char *path = malloc(n);
  if (!path) {
    free(home);
    return api_fail(FHS_ERR_NOMEM, "out of memory");
  }
  snprintf(path, n, "%s/owner.key", home);
  free(home);
  fhs_status s = FHS_OK;
  if (sodium_init() < 0) s = api_fail(FHS_ERR_INTERNAL, "libsodium failed to initialise");
  /* created whole under a temporary name, then link()ed into place: no reader ever sees a
   * short key, a crash leaves no key or a whole one, and of two concurrent creators the
   * first link wins and the other reads its key */
  int created = 0;
  if (s == FHS_OK && access(path, F_OK) != 0) s = create_owner_key(path, key, &created);
  if (s == FHS_OK && !created) { /* it existed, or another process's link won */
    uint8_t *buf = NULL;
    size_t len = 0;
    fhs_error err = {{0}};
    api_read_file(path, &buf, &len, &err);
    if (!buf)
      s = api_fail_err(&err);
    else if (len != OWNER_KEY_BYTES)
      s = api_fail(FHS_ERR_CORRUPT, "%s: not an owner key (%zu bytes, expected %d)", path, len, OWNER_KEY_BYTES);
    else
      memcpy(key, buf, OWNER_KEY_BYTES);
    if (buf) sodium_memzero(buf, len);
    free(buf);
  }
  free(path);
  return s;
}

fhs_status api_dataset_id(const char *input, uint8_t id[FHS_DATASET_ID_BYTES]) {
  uint8_t key[OWNER_KEY_BYTES];
  fhs_status s = owner_key(key);
  if (s != FHS_OK) return s;
  FILE *f = fopen(input, "rb");
  if (!f) {
    sodium_memzero(key, sizeof key);
    return api_fail(FHS_ERR_IO, "%s: %s", input, strerror(errno));
  }
  crypto_generichash_state st;
  crypto_generichash_init(&st, key, sizeof key, FHS_DATASET_ID_BYTES);
  sodium_memzero(key, sizeof key);
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) crypto_generichash_update(&st, buf, n);
  int bad = ferror(f);
  fclose(f);
  if (bad) return api_fail(FHS_ERR_IO, "%s: read error", input);
  crypto_generichash_final(&st, id, FHS_DATASET_ID_BYTES);
  return FHS_OK;
}

fhs_status api_ledger_path(const uint8_t id[FHS_DATASET_ID_BYTES], const char *override, char **path) {
  *path = NULL;
  if (override) {
    *path = api_strdup(override);
    return *path ? FHS_OK : api_fail(FHS_ERR_NOMEM, "out of memory");
  }
  char *home = home_dir();
  if (!home) return api_fail(FHS_ERR_IO, "no fhesynth home: set FHESYNTH_HOME or HOME");
  char hex[2 * FHS_DATASET_ID_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, id, FHS_DATASET_ID_BYTES);
  size_t n = strlen(home) + sizeof hex + 32;
  char *dir = malloc(n), *p = malloc(n);
  fhs_status s = FHS_OK;
  if (!dir || !p) {
    s = api_fail(FHS_ERR_NOMEM, "out of memory");
  } else {
    snprintf(dir, n, "%s/ledgers", home);
    snprintf(p, n, "%s/%s.json", dir, hex);
    if (make_dirs(dir) != 0) s = api_fail(FHS_ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
  }
  free(home);
  free(dir);
  if (s != FHS_OK) {
    free(p);
    return s;
  }
  *path = p;
  return FHS_OK;
}

/* ---------- charging (every entry point that releases comes through here) ---------- */

static void id_hex(const uint8_t id[FHS_DATASET_ID_BYTES], char hex[FHS_DP_DATASET_ID_HEX + 1]) {
  sodium_bin2hex(hex, FHS_DP_DATASET_ID_HEX + 1, id, FHS_DATASET_ID_BYTES);
}

/* The dp layer's one-line messages ("PATH: what"), with the status a caller can act on; the
 * path is skipped when matching, since a ledger may well be called budget.json. */
static fhs_status ledger_fail(const char *path, const fhs_error *err) {
  size_t n = strlen(path);
  const char *m = strncmp(err->msg, path, n) == 0 ? err->msg + n : err->msg;
  if (strstr(m, "corrupt privacy ledger") || strstr(m, "version-1 privacy ledger"))
    return api_fail(FHS_ERR_CORRUPT, "%s", err->msg);
  if (strstr(m, "budget") || strstr(m, "without DP was recorded")) return api_fail(FHS_ERR_BUDGET, "%s", err->msg);
  if (strstr(m, "another dataset")) return api_fail(FHS_ERR_DATA, "%s", err->msg);
  if (strstr(m, "no such file")) return api_fail(FHS_ERR_IO, "%s", err->msg);
  return api_fail_err(err);
}

/* An exact release must never be charged as a DP one: either marker makes it no-dp. */
static fhs_status release_of(const api_release *r, fhs_dp_release *out) {
  fhs_dp_kind kind = FHS_DP_KIND_MARGINALS;
  if (r->no_dp || (r->kind && strcmp(r->kind, "no-dp") == 0))
    kind = FHS_DP_KIND_NO_DP;
  else if (r->kind && (fhs_dp_kind_parse(r->kind, &kind) < 0 || kind == FHS_DP_KIND_RESET))
    return api_fail(FHS_ERR_INVALID, "ledger: release kind \"%s\" is not discovery, marginals or no-dp", r->kind);
  *out = (fhs_dp_release){kind, r->label, r->epsilon, r->delta, r->rho, r->delta_approx};
  return FHS_OK;
}

fhs_status api_ledger_charge(const char *path, const uint8_t id[FHS_DATASET_ID_BYTES], double cap_epsilon,
                             double cap_delta, const api_release *r) {
  if (!path || !id || !r) return api_fail(FHS_ERR_INVALID, "ledger: no path, dataset id or release");
  fhs_dp_release rel;
  fhs_status s = release_of(r, &rel);
  if (s != FHS_OK) return s;
  char hex[FHS_DP_DATASET_ID_HEX + 1];
  id_hex(id, hex);
  const fhs_dp_cap cap = {cap_epsilon, cap_delta}, dflt = {FHS_DEFAULT_BUDGET_EPSILON, FHS_DEFAULT_DELTA};
  fhs_error err = {{0}};
  if (fhs_dp_ledger_record(path, hex, &cap, &dflt, &rel, &err) != 0) return ledger_fail(path, &err);
  return FHS_OK;
}

fhs_status api_ledger_precheck(const char *path, const uint8_t id[FHS_DATASET_ID_BYTES], double rho, double delta,
                               double delta_approx) {
  char hex[FHS_DP_DATASET_ID_HEX + 1];
  id_hex(id, hex);
  struct stat st;
  fhs_dp_ledger_summary sum;
  fhs_error err = {{0}};
  if (stat(path, &st) != 0) { /* a new ledger will get the default cap */
    memset(&sum, 0, sizeof sum);
    sum.epsilon_cap = FHS_DEFAULT_BUDGET_EPSILON;
    sum.delta_cap = FHS_DEFAULT_DELTA;
  } else if (fhs_dp_ledger_read(path, hex, &sum, NULL, NULL, &err) != 0) {
    return ledger_fail(path, &err);
  }
  if (sum.unbounded)
    return api_fail(FHS_ERR_BUDGET, "%s: a release without DP was recorded on %s; reset the ledger explicitly "
                    "(fhesynth budget --reset) to start a new epoch", path, sum.unbounded_since);
  if (delta > sum.delta_cap)
    return api_fail(FHS_ERR_BUDGET, "%s: release delta %g exceeds the ledger's delta %g (budget cap)", path, delta,
                    sum.delta_cap);
  double approx = sum.delta_approx_spent + delta_approx, eps = INFINITY;
  if (approx < sum.delta_cap && fhs_dp_epsilon_from_rho(sum.rho_spent + rho, sum.delta_cap - approx, &eps, &err) != 0)
    return ledger_fail(path, &err);
  if (eps > sum.epsilon_cap * (1 + 1e-9))
    return api_fail(FHS_ERR_BUDGET, "%s: privacy budget exceeded: spent epsilon %.6g, with this release %.6g > cap "
                    "epsilon %g (at delta %g); nothing was spent", path, sum.epsilon_spent, eps, sum.epsilon_cap,
                    sum.delta_cap);
  return FHS_OK;
}

/* ---------- public API: reading, creating and resetting a ledger ---------- */

struct fhs_budget {
  char *path;
  char id[FHS_DP_DATASET_ID_HEX + 1]; /* "" when opened by path alone (not checked) */
  fhs_dp_ledger_summary sum;
  fhs_dp_ledger_entry *entries;
  size_t n;
};

typedef enum { SOURCE_TABLE, SOURCE_DATA, SOURCE_LEDGER } source_kind;

/* What source is, from its first bytes: DATA.fhe's magic, a ledger's JSON, else a table. */
static fhs_status source_kind_of(const char *source, source_kind *kind) {
  fhs_status s = api_check_input(source);
  if (s != FHS_OK) return s;
  char buf[4096] = {0};
  FILE *f = fopen(source, "rb");
  if (!f) return api_fail(FHS_ERR_IO, "%s: %s", source, strerror(errno));
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  const char *p = buf + strspn(buf, " \t\r\n");
  if (n >= 8 && memcmp(buf, "FHSDATA", 8) == 0)
    *kind = SOURCE_DATA;
  else if (*p == '{' && strstr(p, "\"fhesynth-budget\""))
    *kind = SOURCE_LEDGER;
  else
    *kind = SOURCE_TABLE;
  return FHS_OK;
}

/* The dataset id in a DATA.fhe header (the one its ledger is named after). */
static fhs_status data_id(const char *path, uint8_t id[FHS_DATASET_ID_BYTES]) {
  fhs_error err = {{0}};
  fhs_data_reader *r = fhs_data_open(path, &err);
  if (!r) return api_fail_err(&err);
  memcpy(id, fhs_data_header_of(r)->dataset_id, FHS_DATASET_ID_BYTES);
  fhs_data_close(r);
  static const uint8_t zero[FHS_DATASET_ID_BYTES];
  if (memcmp(id, zero, sizeof zero) == 0)
    return api_fail(FHS_ERR_DATA, "%s: has no dataset id (encrypted without one): give the input or --ledger", path);
  return FHS_OK;
}

/* Finds the ledger path (malloc'ed) and the dataset id (hex, "" when unknown) of source. */
static fhs_status locate(const char *source, const char *ledger, char **path, char hex[FHS_DP_DATASET_ID_HEX + 1]) {
  hex[0] = 0;
  if (!source) {
    if (!ledger) return api_fail(FHS_ERR_INVALID, "budget: give an input, a DATA.fhe or a ledger path");
    return api_ledger_path(NULL, ledger, path);
  }
  source_kind kind = SOURCE_LEDGER;
  fhs_status s = source_kind_of(source, &kind);
  if (s != FHS_OK) return s;
  if (kind == SOURCE_LEDGER) {
    if (ledger) return api_fail(FHS_ERR_INVALID, "budget: %s is a ledger itself; do not give another", source);
    return api_ledger_path(NULL, source, path);
  }
  uint8_t id[FHS_DATASET_ID_BYTES];
  s = kind == SOURCE_DATA ? data_id(source, id) : api_dataset_id(source, id);
  if (s != FHS_OK) return s;
  id_hex(id, hex);
  return api_ledger_path(id, ledger, path);
}

static void budget_clear(fhs_budget *b) {
  fhs_dp_ledger_entries_free(b->entries, b->n);
  b->entries = NULL;
  b->n = 0;
}

static fhs_status budget_load(fhs_budget *b) {
  budget_clear(b);
  fhs_error err = {{0}};
  if (fhs_dp_ledger_read(b->path, b->id[0] ? b->id : NULL, &b->sum, &b->entries, &b->n, &err) != 0)
    return ledger_fail(b->path, &err);
  return FHS_OK;
}

void fhs_budget_free(fhs_budget *b) {
  if (!b) return;
  budget_clear(b);
  free(b->path);
  free(b);
}

/* create: 0 = open only, else create first with the cap (epsilon, delta). */
static fhs_status budget_open(const char *source, const char *ledger, int create, double epsilon, double delta,
                              fhs_budget **out) {
  if (!out) return api_fail(FHS_ERR_INVALID, "budget: no output handle");
  *out = NULL;
  fhs_budget *b = calloc(1, sizeof *b);
  if (!b) return api_fail(FHS_ERR_NOMEM, "out of memory");
  fhs_status s = locate(source, ledger, &b->path, b->id);
  if (s == FHS_OK && create && !b->id[0])
    s = api_fail(FHS_ERR_INVALID, "budget: creating a ledger needs its dataset: an input table or DATA.fhe");
  if (s == FHS_OK && create) {
    fhs_error err = {{0}};
    const fhs_dp_cap cap = {epsilon, delta};
    if (fhs_dp_ledger_create(b->path, b->id, &cap, &err) != 0)
      s = strstr(err.msg, "a cap needs") ? api_fail(FHS_ERR_INVALID, "%s", err.msg) : ledger_fail(b->path, &err);
  }
  if (s == FHS_OK) s = budget_load(b);
  if (s != FHS_OK) {
    fhs_budget_free(b);
    return s;
  }
  *out = b;
  return FHS_OK;
}

fhs_status fhs_budget_open(const char *source, const char *ledger, fhs_budget **out) {
  return budget_open(source, ledger, 0, 0, 0, out);
}

fhs_status fhs_budget_create(const char *source, const char *ledger, double epsilon, double delta,
                             fhs_budget **out) {
  return budget_open(source, ledger, 1, epsilon, delta, out);
}

const char *fhs_budget_path(const fhs_budget *b) { return b ? b->path : NULL; }

void fhs_budget_get_summary(const fhs_budget *b, fhs_budget_summary *out) {
  if (!b || !out) {
    if (out) *out = (fhs_budget_summary){0};
    return;
  }
  const fhs_dp_ledger_summary *s = &b->sum;
  /* zCDP composes sub-linearly: what is left is the largest single release that still fits,
   * not cap - spent */
  double d = s->delta_cap - s->delta_approx_spent, room = 0, left = 0;
  fhs_error err = {{0}};
  if (d > 0 && fhs_dp_rho_from_epsilon(s->epsilon_cap, d, &room, &err) == 0 && room - s->rho_spent > 0 &&
      fhs_dp_epsilon_from_rho(room - s->rho_spent, d, &left, &err) != 0)
    left = 0;
  *out = (fhs_budget_summary){s->epsilon_cap, s->delta_cap, s->rho_cap, s->rho_spent, s->delta_approx_spent,
                              s->epsilon_spent, s->unbounded || !(left > 0) ? 0 : left, s->unbounded,
                              s->unbounded_since, s->epoch_releases, s->entries};
}

size_t fhs_budget_entry_count(const fhs_budget *b) { return b ? b->n : 0; }

fhs_status fhs_budget_get_entry(const fhs_budget *b, size_t i, fhs_budget_entry *out) {
  if (!b || !out || i >= b->n) return api_fail(FHS_ERR_INVALID, "budget: no entry %zu", i);
  const fhs_dp_ledger_entry *e = &b->entries[i];
  *out = (fhs_budget_entry){e->time, fhs_dp_kind_name(e->kind), e->label, e->epsilon, e->delta,
                            e->rho, e->delta_approx, e->current_epoch};
  return FHS_OK;
}

fhs_status fhs_budget_reset(fhs_budget *b, const char *label) {
  if (!b) return api_fail(FHS_ERR_INVALID, "budget: no ledger");
  fhs_error err = {{0}};
  if (fhs_dp_ledger_reset(b->path, b->id[0] ? b->id : NULL, label, &err) != 0) return ledger_fail(b->path, &err);
  return budget_load(b);
}

/* ---------- JSON view (CLI --json, dashboards) ---------- */

static json_t *real_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *summary_json(const fhs_budget *b) {
  fhs_budget_summary s;
  fhs_budget_get_summary(b, &s);
  return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:s?, s:I, s:I}", "epsilon_cap",
                   real_or_null(s.epsilon_cap), "delta_cap", real_or_null(s.delta_cap), "rho_cap",
                   real_or_null(s.rho_cap), "rho_spent", real_or_null(s.rho_spent), "delta_approx_spent",
                   real_or_null(s.delta_approx_spent), "epsilon_spent", real_or_null(s.epsilon_spent),
                   "epsilon_left", real_or_null(s.epsilon_left), "unbounded", s.unbounded, "unbounded_since",
                   s.unbounded ? s.unbounded_since : NULL, "epoch_releases", (json_int_t)s.epoch_releases,
                   "entries", (json_int_t)s.entries);
}

static json_t *entry_json(const fhs_budget *b, size_t i) {
  fhs_budget_entry e;
  fhs_budget_get_entry(b, i, &e);
  return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:b}", "time", e.time, "kind", e.kind, "label", e.label,
                   "epsilon", real_or_null(e.epsilon), "delta", real_or_null(e.delta), "rho", real_or_null(e.rho),
                   "delta_approx", real_or_null(e.delta_approx), "current_epoch", e.current_epoch);
}

fhs_status fhs_budget_json(const fhs_budget *b, char **text) {
  if (!b || !text) return api_fail(FHS_ERR_INVALID, "budget: no ledger or no output");
  json_t *entries = json_array();
  for (size_t i = 0; entries && i < b->n; i++)
    if (json_array_append_new(entries, entry_json(b, i)) < 0) {
      json_decref(entries);
      entries = NULL;
    }
  json_t *root = entries ? json_pack("{s:s, s:o, s:o}", "ledger", b->path, "summary", summary_json(b), "entries",
                                     entries)
                         : NULL;
  *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
  json_decref(root);
  return *text ? FHS_OK : api_fail(FHS_ERR_NOMEM, "out of memory");
}
