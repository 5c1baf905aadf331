/* Budget ledger: charges accumulate under zCDP composition, a refused charge leaves the file
 * byte for byte unchanged, corrupt ledgers are errors. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "dp.h"

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

static void test_accumulate_and_refuse(const char *dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/budget.json", dir);
  fhs_error err = {{0}};
  const double delta = 1e-6;
  fhs_dp_ledger_summary sum;
  CHECK(fhs_dp_ledger_read(path, &sum, &err) == -1); /* nothing yet */
  CHECK(fhs_dp_ledger_charge(path, 0, 1, delta, rho_of(1, delta), "x", &err) == -1);
  CHECK(strstr(err.msg, "no epsilon budget") != NULL);

  /* eps 2 releases against budget 10: zCDP composes sublinearly, so more than 5 fit */
  int accepted = 0;
  double rho2 = rho_of(2, delta);
  for (int i = 0; i < 100; i++) {
    char label[32];
    snprintf(label, sizeof label, "release %d", i);
    if (fhs_dp_ledger_charge(path, 10, 2, delta, rho2, label, &err) < 0) break;
    accepted++;
    CHECK(fhs_dp_ledger_read(path, &sum, &err) == 0);
    CHECK(sum.releases == (size_t)accepted);
    CHECK(fabs(sum.rho_total - accepted * rho2) < 1e-12 * accepted);
  }
  double eps_k, eps_next;
  fhs_dp_epsilon_from_rho(accepted * rho2, delta, &eps_k, &err);
  fhs_dp_epsilon_from_rho((accepted + 1) * rho2, delta, &eps_next, &err);
  printf("budget 10, releases of epsilon 2 (rho %.6f): %d accepted, total %.4f; next would be "
         "%.4f\n", rho2, accepted, eps_k, eps_next);
  CHECK(accepted > 5);
  CHECK(eps_k <= 10 && eps_next > 10);

  /* the refusal: exact message, file untouched */
  char *before = slurp(path);
  CHECK(fhs_dp_ledger_charge(path, 10, 2, delta, rho2, "one too many", &err) == -1);
  printf("refusal: %s\n", err.msg);
  char expect[600];
  snprintf(expect, sizeof expect,
           "%s: this release (epsilon 2) would bring the total to %g > budget 10", path, eps_next);
  CHECK_MSG(strcmp(err.msg, expect) == 0, "got '%s'", err.msg);
  char *after = slurp(path);
  CHECK(before && after && strcmp(before, after) == 0);
  free(before);
  free(after);

  /* the file is what dp.h says it is */
  json_error_t jerr;
  json_t *root = json_load_file(path, 0, &jerr);
  CHECK(root != NULL);
  CHECK(strcmp(json_string_value(json_object_get(root, "format")), "fhesynth-budget") == 0);
  CHECK(json_number_value(json_object_get(root, "epsilon_budget")) == 10);
  json_t *first = json_array_get(json_object_get(root, "releases"), 0);
  CHECK(strcmp(json_string_value(json_object_get(first, "label")), "release 0") == 0);
  CHECK(json_number_value(json_object_get(first, "rho")) == rho2); /* exact round trip */
  CHECK(strlen(json_string_value(json_object_get(first, "time"))) == 20);
  json_decref(root);

  /* budget given again must match; 0 means "the recorded one" */
  CHECK(fhs_dp_ledger_charge(path, 12, 0.01, delta, 1e-6, "x", &err) == -1);
  CHECK(strstr(err.msg, "budget is epsilon 10") != NULL);
  CHECK(fhs_dp_ledger_charge(path, 0, 0.01, delta, 1e-7, "tiny", &err) == 0);
  unlink(path);
}

static void test_exact_budget(const char *dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/exact.json", dir);
  fhs_error err = {{0}};
  /* one release that uses the whole budget passes despite bisection rounding */
  CHECK(fhs_dp_ledger_charge(path, 1, 1, 1e-6, rho_of(1, 1e-6), "all", &err) == 0);
  CHECK(fhs_dp_ledger_charge(path, 1, 0.001, 1e-6, 1e-9, "more", &err) == -1);
  unlink(path);
}

static void test_corrupt(const char *dir) {
  static const char *bad[] = {
      "{not json",
      "",
      "[]",
      "{\"format\": \"something-else\", \"version\": 1, \"epsilon_budget\": 1, \"releases\": []}",
      "{\"format\": \"fhesynth-budget\", \"version\": 2, \"epsilon_budget\": 1, \"releases\": []}",
      "{\"format\": \"fhesynth-budget\", \"version\": 1, \"epsilon_budget\": -1, \"releases\": []}",
      "{\"format\": \"fhesynth-budget\", \"version\": 1, \"epsilon_budget\": 1, \"releases\": {}}",
      "{\"format\": \"fhesynth-budget\", \"version\": 1, \"epsilon_budget\": 1, \"releases\": "
      "[{\"time\": \"t\", \"label\": \"l\", \"epsilon\": 1, \"delta\": 1e-6, \"rho\": -0.1}]}",
      "{\"format\": \"fhesynth-budget\", \"version\": 1, \"epsilon_budget\": 1, \"releases\": "
      "[{\"time\": \"t\", \"label\": \"l\", \"epsilon\": 1, \"delta\": 1e-6}]}",
      "{\"format\": \"fhesynth-budget\", \"format\": \"fhesynth-budget\", \"version\": 1, "
      "\"epsilon_budget\": 1, \"releases\": []}",
  };
  char path[512];
  snprintf(path, sizeof path, "%s/corrupt.json", dir);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    fhs_error err = {{0}};
    spit(path, bad[i]);
    CHECK(fhs_dp_ledger_charge(path, 1, 0.1, 1e-6, 1e-4, "x", &err) == -1);
    CHECK_MSG(strncmp(err.msg, path, strlen(path)) == 0 && strstr(err.msg, "corrupt") != NULL,
              "case %zu: '%s'", i, err.msg);
    fhs_dp_ledger_summary sum;
    CHECK(fhs_dp_ledger_read(path, &sum, &err) == -1);
    char *now = slurp(path);
    CHECK(now && strcmp(now, bad[i]) == 0); /* never reset */
    free(now);
  }
  fhs_error e = {{0}};
  spit(path, "{not json");
  fhs_dp_ledger_charge(path, 1, 0.1, 1e-6, 1e-4, "x", &e);
  printf("corrupt ledger: %s\n", e.msg);
  unlink(path);
}

static void test_bad_arguments(const char *dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/args.json", dir);
  fhs_error err = {{0}};
  CHECK(fhs_dp_ledger_charge(path, 1, -1, 1e-6, 1e-4, "x", &err) == -1);
  CHECK(fhs_dp_ledger_charge(path, 1, 0.1, 0, 1e-4, "x", &err) == -1);
  CHECK(fhs_dp_ledger_charge(path, 1, 0.1, 1e-6, NAN, "x", &err) == -1);
  CHECK(fhs_dp_ledger_charge(path, 1, 0.1, 1e-6, 1e-4, NULL, &err) == -1);
  CHECK(fhs_dp_ledger_charge(path, 1, 0.1, 1e-6, 1e-4, "\xff\xfe", &err) == -1); /* not UTF-8 */
  CHECK(access(path, F_OK) != 0); /* nothing was created */
  char missing[600];
  snprintf(missing, sizeof missing, "%s/no/such/dir/budget.json", dir);
  CHECK(fhs_dp_ledger_charge(missing, 1, 0.1, 1e-6, 1e-4, "x", &err) == -1);
}

/* Concurrent charges from separate processes: the lock serialises them, so the number of
 * accepted releases equals what the ledger records and what the budget allows. */
static void test_concurrent(const char *dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/concurrent.json", dir);
  const double delta = 1e-6, rho = rho_of(1, delta);
  enum { procs = 8 };
  pid_t pids[procs];
  for (int i = 0; i < procs; i++) {
    pids[i] = fork();
    if (pids[i] == 0) {
      fhs_error err;
      _exit(fhs_dp_ledger_charge(path, 3, 1, delta, rho, "child", &err) == 0 ? 0 : 1);
    }
  }
  int accepted = 0;
  for (int i = 0; i < procs; i++) {
    int status = 0;
    waitpid(pids[i], &status, 0);
    accepted += WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  fhs_error err = {{0}};
  fhs_dp_ledger_summary sum = {0};
  CHECK(fhs_dp_ledger_read(path, &sum, &err) == 0);
  /* k releases of rho(1) fit a budget of 3 while epsilon_from_rho(k rho) <= 3 */
  int fit = 0;
  for (int k = 1; k <= procs; k++) {
    double e;
    fhs_dp_epsilon_from_rho(k * rho, delta, &e, &err);
    if (e <= 3 * (1 + 1e-9)) fit = k;
  }
  printf("concurrent: %d of %d processes accepted, ledger has %zu, budget allows %d\n", accepted,
         procs, sum.releases, fit);
  CHECK(sum.releases == (size_t)accepted);
  CHECK(accepted == fit);
  unlink(path);
}

int main(void) {
  char dir[] = "/tmp/fhs_dp_ledger_XXXXXX";
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_accumulate_and_refuse(dir);
  test_exact_budget(dir);
  test_corrupt(dir);
  test_bad_arguments(dir);
  test_concurrent(dir);
  /* lock files stay by design; remove them and the directory */
  static const char *names[] = {"budget.json.lock", "exact.json.lock", "corrupt.json.lock",
                                "args.json.lock", "concurrent.json.lock"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    unlink(p);
  }
  CHECK(rmdir(dir) == 0);
  return check_report("test_dp_ledger");
}
