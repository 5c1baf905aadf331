/* Shared CLI helpers (cli.h). */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int cli_fail(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("fhesynth: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return code;
}

int cli_fail_status(fhs_status s) {
  const char *msg = fhs_last_error();
  return cli_fail(s == FHS_ERR_INVALID ? FHS_EXIT_USAGE : FHS_EXIT_RUNTIME, "%s", msg && *msg ? msg : fhs_status_name(s));
}

const char *cli_bad_option(int argc, char **argv) {
  extern int optind;
  int i = optind - 1;
  return i >= 1 && i < argc ? argv[i] : "?";
}

int cli_parse_double(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end || errno || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

int cli_parse_u64(const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  if (*s == '-' || *s == '+') return -1;
  unsigned long long v = strtoull(s, &end, 10);
  if (end == s || *end || errno) return -1;
  *out = v;
  return 0;
}

int cli_parse_privacy(const char *s, double *eps) {
  if (strcmp(s, "high") == 0) *eps = 0.3;
  else if (strcmp(s, "medium") == 0) *eps = 1.0;
  else if (strcmp(s, "low") == 0) *eps = 4.0;
  else return -1;
  return 0;
}

int cli_common_option(int c, const char *arg, cli_common *common, const char *cmd) {
  uint64_t threads;
  if (c == 'q') {
    common->quiet = true;
    return 1;
  }
  if (c != 't') return 0;
  if (cli_parse_u64(arg, &threads) != 0 || threads == 0 || threads > 1024) {
    cli_fail(FHS_EXIT_USAGE, "%s: --threads: expected a positive number, got %s", cmd, arg);
    return -1;
  }
  common->threads = (int)threads;
  return 1;
}

void cli_apply_common(const cli_common *c) {
  if (c->threads > 0) omp_set_num_threads(c->threads);
}

double cli_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void cli_progress_init(cli_progress *p, const char *label, const cli_common *c) {
  p->label = label;
  p->enabled = !c->quiet && isatty(STDERR_FILENO);
  p->start = cli_now();
  p->last_pct = -1;
}

void cli_progress_cb(void *user, uint64_t done, uint64_t total) {
  cli_progress *p = user;
  if (!p->enabled || total == 0) return;
  int pct = (int)(100.0 * (double)done / (double)total);
  if (pct > 100) pct = 100;
  if (pct == p->last_pct) return;
  p->last_pct = pct;
  int bar = pct / 4;
  fprintf(stderr, "\r%-10s %3d%% [%.*s%*s] %.1f s", p->label, pct, bar, "#########################", 25 - bar, "",
          cli_now() - p->start);
  fflush(stderr);
}

void cli_progress_done(cli_progress *p) {
  if (p->enabled && p->last_pct >= 0) fputc('\n', stderr);
}
