/* Budget ledger, version 2: the cap (epsilon, delta) is fixed at creation and a release can
 * neither raise delta to look cheap nor follow an exact (no-dp) release without a reset; a
 * refused charge leaves the file byte for byte unchanged; corrupt, truncated, version-1 and
 * tampered ledgers are one-line errors and never rewritten; N processes at once stay under
 * the cap. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "dp.h"

static const char ID[] = "0123456789abcdef0123456789abcdef";
static const char OTHER_ID[] = "fedcba9876543210fedcba9876543210";
static char dir[] = "/tmp/fhs_dp_ledger_XXXXXX";

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = calloc(1, 1 << 16);
  size_t n = fread(buf, 1, (1 << 16) - 1, f);
  buf[n] = 0;
  fclose(f);
  return buf;
}

static void spit(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  fputs(text, f);
  fclose(f);
}

static double rho_of(double eps, double delta) {
  double rho;
  fhs_error err;
  fhs_dp_rho_from_epsilon(eps, delta, &rho, &err);
  return rho;
}

static void ledger_path(char *out, size_t n, const char *name) {
  snprintf(out, n, "%s/%s.json", dir, name);
}

static void cleanup(const char *path) {
  char lock[600];
  snprintf(lock, sizeof lock, "%s.lock", path);
  unlink(path);
  unlink(lock);
}

static fhs_dp_release dp_release(double eps, double delta, double rho, const char *label) {
  return (fhs_dp_release){FHS_DP_KIND_MARGINALS, label, eps, delta, rho, 0};
}

static int charge(const char *path, const fhs_dp_cap *cap, fhs_dp_release r, fhs_error *err) {
  return fhs_dp_ledger_record(path, ID, cap, NULL, &r, err);
}

/* Refused: -1, and the file is exactly what it was. */
static int refused_unchanged(const char *path, const fhs_dp_cap *cap, fhs_dp_release r,
                             fhs_error *err) {
  char *before = slurp(path);
  int refused = charge(path, cap, r, err) == -1;
  char *after = slurp(path);
  int same = (!before && !after) || (before && after && strcmp(before, after) == 0);
  free(before);
  free(after);
  return refused && same;
}

static void test_delta_bypass(void) {
  char path[512];
  ledger_path(path, sizeof path, "bypass");
  fhs_error err = {{0}};
  const fhs_dp_cap cap = {10, 1e-6};
  /* a release with delta above the cap is refused even on a fresh ledger, which stays absent */
  CHECK(refused_unchanged(path, &cap, dp_release(1, 1e-3, rho_of(1, 1e-3), "big delta"), &err));
  CHECK_MSG(strstr(err.msg, "release delta 0.001 exceeds the ledger's delta 1e-06"), "%s", err.msg);
  CHECK(access(path, F_OK) != 0);
  /* spend most of the budget: epsilon 9.5 at delta 1e-6 */
  CHECK(charge(path, &cap, dp_release(9.5, 1e-6, rho_of(9.5, 1e-6), "most"), &err) == 0);
  /* the old bypass: epsilon 8.5 at delta 0.5 has a tiny rho, but delta 0.5 > 1e-6 */
  double rho_bypass = rho_of(8.5, 0.5);
  CHECK(refused_unchanged(path, &cap, dp_release(8.5, 0.5, rho_bypass, "bypass"), &err));
  CHECK_MSG(strstr(err.msg, "release delta 0.5 exceeds") != NULL, "%s", err.msg);
  /* the same rho at the cap's delta does not fit either (converted at the ledger's delta) */
  CHECK(refused_unchanged(path, &cap, dp_release(8.5, 1e-6, rho_bypass, "same rho"), &err));
  CHECK_MSG(strncmp(err.msg, path, strlen(path)) == 0 && strstr(err.msg, "budget exceeded") &&
                strstr(err.msg, "cap epsilon 10") && !strchr(err.msg, '\n'),
            "%s", err.msg);
  printf("bypass refusal: %s\n", err.msg);
  cleanup(path);
}

static void test_exact_budget(void) {
  char path[512];
  ledger_path(path, sizeof path, "exact");
  fhs_error err = {{0}};
  const fhs_dp_cap cap = {1, 1e-6};
  /* a first release needs a cap: none given, none recorded */
  const fhs_dp_cap none = {0, 0};
  CHECK(charge(path, &none, dp_release(1, 1e-6, 1e-3, "x"), &err) == -1);
  CHECK_MSG(strstr(err.msg, "no ledger yet") != NULL, "%s", err.msg);
  /* create fixes the cap of an empty ledger */
  CHECK(fhs_dp_ledger_create(path, ID, &none, &err) == -1 && access(path, F_OK) != 0);
  CHECK(fhs_dp_ledger_create(path, ID, &cap, &err) == 0);
  fhs_dp_ledger_summary s;
  CHECK(fhs_dp_ledger_read(path, ID, &s, NULL, NULL, &err) == 0);
  CHECK(s.entries == 0 && s.epsilon_cap == 1 && s.delta_cap == 1e-6 && s.epsilon_spent == 0);
  /* half and half of the rho cap: exactly spent passes despite bisection rounding */
  double rho = rho_of(1, 1e-6);
  CHECK(charge(path, &cap, dp_release(0.6, 1e-6, rho / 2, "half"), &err) == 0);
  CHECK(charge(path, &none, dp_release(0.6, 1e-6, rho / 2, "other half"), &err) == 0);
  CHECK(fhs_dp_ledger_read(path, ID, &s, NULL, NULL, &err) == 0);
  CHECK(s.epoch_releases == 2 && s.entries == 2 && !s.unbounded);
  CHECK(fabs(s.rho_spent - rho) <= 1e-15 && s.rho_cap == rho);
  CHECK(fabs(s.epsilon_spent - 1) < 1e-6);
  CHECK(refused_unchanged(path, &none, dp_release(0.001, 1e-6, 1e-9, "one more"), &err));
  /* create on an existing ledger: same cap is a no-op, another cap an error */
  char *before = slurp(path);
  CHECK(fhs_dp_ledger_create(path, ID, &cap, &err) == 0);
  const fhs_dp_cap wider = {1, 1e-5};
  CHECK(fhs_dp_ledger_create(path, ID, &wider, &err) == -1);
  CHECK(fhs_dp_ledger_create(path, OTHER_ID, &cap, &err) == -1);
  char *after = slurp(path);
  CHECK(before && after && strcmp(before, after) == 0);
  free(before);
  free(after);
  /* a different cap asked of an existing ledger is refused */
  const fhs_dp_cap other = {2, 0};
  CHECK(refused_unchanged(path, &other, dp_release(0, 1e-6, 0, "zero"), &err));
  CHECK_MSG(strstr(err.msg, "cap is epsilon 1") != NULL, "%s", err.msg);
  cleanup(path);
}

static void test_delta_approx(void) {
  char path[512];
  ledger_path(path, sizeof path, "approx");
  fhs_error err = {{0}};
  const fhs_dp_cap cap = {1, 1e-6};
  fhs_dp_release r = dp_release(0.5, 1e-6, 0.001, "discovery");
  r.kind = FHS_DP_KIND_DISCOVERY;
  r.delta_approx = 4e-7;
  CHECK(charge(path, &cap, r, &err) == 0);
  fhs_dp_ledger_summary s;
  CHECK(fhs_dp_ledger_read(path, ID, &s, NULL, NULL, &err) == 0);
  double expect;
  fhs_dp_epsilon_from_rho(0.001, 6e-7, &expect, &err);
  CHECK(s.delta_approx_spent == 4e-7 && s.epsilon_spent == expect);
  /* 4e-7 + 6e-7 reaches the cap's delta: refused whatever the rho */
  r.delta_approx = 6e-7;
  r.rho = 0;
  CHECK(refused_unchanged(path, &cap, r, &err));
  CHECK_MSG(strstr(err.msg, "thresholding delta") != NULL, "%s", err.msg);
  /* the rho that fits at delta 1e-6 does not fit at 1e-6 - 4e-7 */
  double full = rho_of(1, 1e-6), fit_there = rho_of(1, 6e-7);
  CHECK(fit_there < full);
  CHECK(refused_unchanged(path, &cap, dp_release(0.9, 1e-6, full - 0.001, "too much"), &err));
  CHECK(charge(path, &cap, dp_release(0.9, 1e-6, fit_there - 0.001 - 1e-9, "fits"), &err) == 0);
  cleanup(path);
}

static void test_no_dp_and_reset(void) {
  char path[512];
  ledger_path(path, sizeof path, "nodp");
  fhs_error err = {{0}};
  const fhs_dp_cap cap = {10, 1e-6};
  CHECK(charge(path, &cap, dp_release(1, 1e-6, rho_of(1, 1e-6), "first"), &err) == 0);
  fhs_dp_release exact = {FHS_DP_KIND_NO_DP, "exact counts", NAN, NAN, NAN, NAN};
  CHECK(charge(path, &cap, exact, &err) == 0); /* always allowed, recorded */
  CHECK(charge(path, &cap, exact, &err) == 0);
  fhs_dp_ledger_summary s;
  CHECK(fhs_dp_ledger_read(path, ID, &s, NULL, NULL, &err) == 0);
  CHECK(s.unbounded && s.epoch_releases == 3 && strlen(s.unbounded_since) == 20);
  CHECK(refused_unchanged(path, &cap, dp_release(0.01, 1e-6, 1e-6, "after"), &err));
  CHECK_MSG(strstr(err.msg, "a release without DP was recorded on") &&
                strstr(err.msg, "fhesynth budget --reset"),
            "%s", err.msg);
  printf("unbounded refusal: %s\n", err.msg);
  CHECK(fhs_dp_ledger_reset(path, OTHER_ID, "x", &err) == -1);
  CHECK(fhs_dp_ledger_reset(path, ID, "new epoch", &err) == 0);
  CHECK(charge(path, &cap, dp_release(9.9, 1e-6, rho_of(9.9, 1e-6), "after reset"), &err) == 0);
  fhs_dp_ledger_entry *e = NULL;
  size_t n = 0;
  CHECK(fhs_dp_ledger_read(path, NULL, &s, &e, &n, &err) == 0);
  CHECK(n == 5 && s.entries == 5 && s.epoch_releases == 1 && !s.unbounded);
  CHECK(fabs(s.epsilon_spent - 9.9) < 1e-6);
  if (e && n == 5) {
    CHECK(e[0].kind == FHS_DP_KIND_MARGINALS && strcmp(e[0].label, "first") == 0 && !e[0].current_epoch);
    CHECK(e[1].kind == FHS_DP_KIND_NO_DP && isnan(e[1].rho) && isnan(e[1].epsilon));
    CHECK(e[3].kind == FHS_DP_KIND_RESET && strcmp(e[3].label, "new epoch") == 0 && !e[3].current_epoch);
    CHECK(e[4].current_epoch && e[4].epsilon == 9.9 && e[4].delta == 1e-6);
  }
  fhs_dp_ledger_entries_free(e, n);
  /* the file says what dp.h says */
  json_t *root = json_load_file(path, 0, NULL);
  json_t *nodp = json_array_get(json_object_get(root, "entries"), 1);
  CHECK(json_integer_value(json_object_get(root, "version")) == 2);
  CHECK(strcmp(json_string_value(json_object_get(root, "dataset")), ID) == 0);
  CHECK(json_is_null(json_object_get(nodp, "rho")));
  CHECK(strcmp(json_string_value(json_object_get(nodp, "kind")), "no-dp") == 0);
  json_decref(root);
  /* a reset of a missing ledger is an error, not a creation */
  char missing[600];
  ledger_path(missing, sizeof missing, "never");
  CHECK(fhs_dp_ledger_reset(missing, NULL, NULL, &err) == -1 && access(missing, F_OK) != 0);
  cleanup(path);
  cleanup(missing);
}

static void test_other_dataset(void) {
  char path[512];
  ledger_path(path, sizeof path, "owner");
  fhs_error err = {{0}};
  const fhs_dp_cap cap = {10, 1e-6};
  CHECK(charge(path, &cap, dp_release(1, 1e-6, 0.01, "mine"), &err) == 0);
  fhs_dp_release r = dp_release(1, 1e-6, 0.01, "theirs");
  char *before = slurp(path);
  CHECK(fhs_dp_ledger_record(path, OTHER_ID, &cap, NULL, &r, &err) == -1);
  CHECK_MSG(strstr(err.msg, "belongs to another dataset") != NULL, "%s", err.msg);
  char *after = slurp(path);
  CHECK(before && after && strcmp(before, after) == 0);
  free(before);
  free(after);
  CHECK(fhs_dp_ledger_record(path, "not-hex", &cap, NULL, &r, &err) == -1);
  fhs_dp_ledger_summary s;
  CHECK(fhs_dp_ledger_read(path, OTHER_ID, &s, NULL, NULL, &err) == -1);
  cleanup(path);
}

#define HEAD "{\"format\": \"fhesynth-budget\", \"version\": 2, \"dataset\": \"" \
             "0123456789abcdef0123456789abcdef\", "
#define CAP "\"cap\": {\"epsilon\": 1, \"delta\": 1e-06, \"rho\": %.17g}, "

static void test_corrupt(void) {
  char good[1024], tampered_cap[1024], tampered_rho[1024], tampered_delta[1024];
  double rho = rho_of(1, 1e-6);
  snprintf(good, sizeof good, HEAD CAP "\"entries\": []}", rho);
  snprintf(tampered_cap, sizeof tampered_cap, HEAD CAP "\"entries\": []}", rho * 2);
  const char *entry = "\"entries\": [{\"time\": \"t\", \"kind\": \"marginals\", \"label\": \"l\", "
                      "\"epsilon\": 1, \"delta\": %s, \"rho\": %s, \"delta_approx\": 0}]}";
  char fmt[600];
  snprintf(fmt, sizeof fmt, HEAD CAP "%s", rho, entry); /* entry keeps its %s */
  snprintf(tampered_rho, sizeof tampered_rho, fmt, "1e-6", "-0.5");
  snprintf(tampered_delta, sizeof tampered_delta, fmt, "0.5", "0.1");
  char truncated[1024];
  snprintf(truncated, sizeof truncated, "%.*s", (int)(strlen(good) / 2), good);
  const char *bad[] = {
      "{not json", "", "[]", truncated, tampered_cap, tampered_rho, tampered_delta,
      "{\"format\": \"something-else\", \"version\": 2}",
      "{\"format\": \"fhesynth-budget\", \"version\": 1, \"epsilon_budget\": 10, \"releases\": []}",
      "{\"format\": \"fhesynth-budget\", \"version\": 3}",
      HEAD "\"cap\": {\"epsilon\": 1, \"delta\": 1e-06, \"rho\": \"0.05\"}, \"entries\": []}",
      HEAD "\"cap\": {\"epsilon\": 1, \"delta\": 1e-06, \"rho\": 1e999}, \"entries\": []}",
      "{\"format\": \"fhesynth-budget\", \"version\": 2, \"dataset\": \"xyz\"}",
  };
  char path[512];
  ledger_path(path, sizeof path, "corrupt");
  const fhs_dp_cap cap = {1, 1e-6};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    fhs_error err = {{0}};
    spit(path, bad[i]);
    CHECK_MSG(refused_unchanged(path, &cap, dp_release(0.1, 1e-6, 1e-4, "x"), &err), "case %zu", i);
    int v1 = strstr(err.msg, "version-1") && strstr(err.msg, "delete it or convert it");
    CHECK_MSG(strncmp(err.msg, path, strlen(path)) == 0 && (strstr(err.msg, "corrupt") || v1) &&
                  !strchr(err.msg, '\n'),
              "case %zu: '%s'", i, err.msg);
    fhs_dp_ledger_summary s;
    CHECK(fhs_dp_ledger_read(path, NULL, &s, NULL, NULL, &err) == -1);
    CHECK(fhs_dp_ledger_reset(path, NULL, NULL, &err) == -1);
    char *now = slurp(path);
    CHECK_MSG(now && strcmp(now, bad[i]) == 0, "case %zu rewritten", i); /* never reset */
    free(now);
    if (i == 0 || i == 5 || i == 8) printf("corrupt case %zu: %s\n", i, err.msg);
  }
  /* the good one is accepted as written by hand */
  spit(path, good);
  fhs_error err = {{0}};
  CHECK_MSG(charge(path, &cap, dp_release(0.1, 1e-6, 1e-4, "x"), &err) == 0, "%s", err.msg);
  cleanup(path);
}

static void test_bad_arguments(void) {
  char path[512];
  ledger_path(path, sizeof path, "args");
  fhs_error err = {{0}};
  const fhs_dp_cap cap = {1, 1e-6}, bad_cap = {1, 1.5};
  CHECK(charge(path, &cap, dp_release(-1, 1e-6, 1e-4, "x"), &err) == -1);
  CHECK(charge(path, &cap, dp_release(0.1, 0, 1e-4, "x"), &err) == -1);
  CHECK(charge(path, &cap, dp_release(0.1, 1e-6, NAN, "x"), &err) == -1);
  CHECK(charge(path, &cap, dp_release(0.1, 1e-6, 1e-4, NULL), &err) == -1);
  CHECK(charge(path, &cap, dp_release(0.1, 1e-6, 1e-4, "\xff\xfe"), &err) == -1); /* not UTF-8 */
  CHECK(charge(path, &bad_cap, dp_release(0.1, 1e-6, 1e-4, "x"), &err) == -1);
  fhs_dp_release reset = dp_release(0, 1e-6, 0, "sneaky");
  reset.kind = FHS_DP_KIND_RESET; /* resets go through fhs_dp_ledger_reset only */
  CHECK(charge(path, &cap, reset, &err) == -1);
  CHECK(access(path, F_OK) != 0); /* nothing was created */
  char missing[600];
  snprintf(missing, sizeof missing, "%s/no/such/dir/budget.json", dir);
  CHECK(charge(missing, &cap, dp_release(0.1, 1e-6, 1e-4, "x"), &err) == -1);
  fhs_dp_kind k;
  CHECK(fhs_dp_kind_parse("no-dp", &k) == 0 && k == FHS_DP_KIND_NO_DP);
  CHECK(fhs_dp_kind_parse("bogus", &k) == -1 && fhs_dp_kind_name((fhs_dp_kind)9) == NULL);
  cleanup(path);
}

/* Concurrent charges from separate processes: the lock serialises them, so the number of
 * accepted releases equals what the ledger records and what the cap allows (3 here). */
static void test_concurrent(void) {
  char path[512];
  ledger_path(path, sizeof path, "concurrent");
  const fhs_dp_cap cap = {3, 1e-6};
  /* rho of a third of the cap, a hair over so that exactly 3 fit, not 3 + slack */
  const double rho = rho_of(3, 1e-6) / 3 * (1 - 1e-6);
  enum { procs = 8 };
  pid_t pids[procs];
  for (int i = 0; i < procs; i++) {
    pids[i] = fork();
    if (pids[i] == 0) {
      fhs_error err;
      _exit(charge(path, &cap, dp_release(1.5, 1e-6, rho, "child"), &err) == 0 ? 0 : 1);
    }
  }
  int accepted = 0;
  for (int i = 0; i < procs; i++) {
    int status = 0;
    waitpid(pids[i], &status, 0);
    accepted += WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  fhs_error err = {{0}};
  fhs_dp_ledger_summary s = {0};
  CHECK(fhs_dp_ledger_read(path, ID, &s, NULL, NULL, &err) == 0);
  printf("concurrent: %d of %d processes accepted, ledger has %zu, spent epsilon %.6f of 3\n",
         accepted, procs, s.epoch_releases, s.epsilon_spent);
  CHECK(accepted == 3 && s.epoch_releases == 3 && s.entries == 3);
  CHECK(s.epsilon_spent <= 3 && s.rho_spent <= s.rho_cap);
  cleanup(path);
}

int main(void) {
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_delta_bypass();
  test_exact_budget();
  test_delta_approx();
  test_no_dp_and_reset();
  test_other_dataset();
  test_corrupt();
  test_bad_arguments();
  test_concurrent();
  CHECK(rmdir(dir) == 0); /* every test removed its files: nothing stray was created */
  return check_report("test_dp_ledger");
}
