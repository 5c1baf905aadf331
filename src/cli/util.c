/* Shared CLI helpers (cli.h). */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <signal.h>
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
  if (cli_parse_u64(arg, &threads) != 0 || threads == 0) {
    cli_fail(FHS_EXIT_USAGE, "%s: --threads: expected a positive number, got %s", cmd, arg);
    return -1;
  }
  /* refused, not capped: more threads than 4 per CPU this process may use only add contention */
  uint64_t limit = 4 * (uint64_t)(omp_get_num_procs() > 0 ? omp_get_num_procs() : 1);
  if (threads > limit) {
    cli_fail(FHS_EXIT_USAGE, "%s: --threads: at most %llu (4 per CPU, %d CPUs available), got %s", cmd,
             (unsigned long long)limit, omp_get_num_procs(), arg);
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

/* "12 s", "3 min 05 s", "1 h 02 min" */
static void fmt_duration(double s, char *buf, size_t n) {
  if (!(s >= 0) || s > 1e7) snprintf(buf, n, "?");
  else if (s < 60) snprintf(buf, n, "%.0f s", s);
  else if (s < 3600) snprintf(buf, n, "%d min %02d s", (int)(s / 60), (int)s % 60);
  else snprintf(buf, n, "%d h %02d min", (int)(s / 3600), (int)(s / 60) % 60);
}

/* The ticker thread and the library's callback share the progress state. */
typedef struct {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool stop;
  cli_progress *p;
} ticker;

static pthread_mutex_t *progress_mu(cli_progress *p) { return p->ticker ? &((ticker *)p->ticker)->mu : NULL; }
static void progress_lock(cli_progress *p) {
  if (progress_mu(p)) pthread_mutex_lock(progress_mu(p));
}
static void progress_unlock(cli_progress *p) {
  if (progress_mu(p)) pthread_mutex_unlock(progress_mu(p));
}

/* One off-terminal line with the state so far. */
static void progress_line(const cli_progress *p) {
  char el[32], eta[32];
  double t = cli_now() - p->start;
  fmt_duration(t, el, sizeof el);
  if (p->total == 0 || p->done == 0) {
    fprintf(stderr, "%s: working, %s so far\n", p->label, el);
  } else {
    fmt_duration(t * (double)(p->total - (p->done < p->total ? p->done : p->total)) / (double)p->done, eta, sizeof eta);
    fprintf(stderr, "%s: %d%% after %s, about %s left\n", p->label, p->last_pct, el, eta);
  }
  fflush(stderr);
}

static void *ticker_main(void *arg) {
  ticker *t = arg;
  pthread_mutex_lock(&t->mu);
  while (!t->stop) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double when = (double)ts.tv_sec + ts.tv_nsec / 1e9 + t->p->interval;
    ts.tv_sec = (time_t)when;
    ts.tv_nsec = (long)((when - (double)ts.tv_sec) * 1e9);
    if (pthread_cond_timedwait(&t->cv, &t->mu, &ts) == ETIMEDOUT && !t->stop) progress_line(t->p);
  }
  pthread_mutex_unlock(&t->mu);
  return NULL;
}

void cli_progress_init(cli_progress *p, const char *label, const cli_common *c) {
  memset(p, 0, sizeof *p);
  p->label = label;
  p->enabled = !c->quiet && isatty(STDERR_FILENO);
  p->lines = !c->quiet && !p->enabled;
  p->start = p->last_draw = cli_now();
  p->last_pct = -1;
  p->interval = CLI_PROGRESS_SECONDS;
  const char *env = getenv("FHESYNTH_PROGRESS_SECONDS");
  double v;
  if (env && cli_parse_double(env, &v) == 0 && v >= 0) p->interval = v;
  if (!p->lines || p->interval == 0) return;
  ticker *t = calloc(1, sizeof *t);
  if (!t) return;
  t->p = p;
  pthread_mutex_init(&t->mu, NULL);
  pthread_cond_init(&t->cv, NULL);
  /* the ticker takes no signal: they stay with the main thread and its handlers */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&t->thread, NULL, ticker_main, t);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
    return;
  }
  p->ticker = t;
}

static void clear_bar(cli_progress *p) {
  if (!p->drawn) return;
  fputs("\r\033[K", stderr);
  p->drawn = false;
}

void cli_progress_cb(void *user, uint64_t done, uint64_t total) {
  cli_progress *p = user;
  if ((!p->enabled && !p->lines) || total == 0) return;
  progress_lock(p);
  int pct = (int)(100.0 * (double)done / (double)total);
  if (pct > 100) pct = 100;
  double now = cli_now();
  bool changed = pct != p->last_pct;
  p->done = done, p->total = total, p->last_pct = pct;
  if (p->lines) {
    if (p->interval == 0 && changed) progress_line(p);
  } else if (changed || now - p->last_draw >= 1.0) {
    char el[32], eta[32];
    double t = now - p->start;
    fmt_duration(t, el, sizeof el);
    if (done > 0 && done < total) fmt_duration(t * (double)(total - done) / (double)done, eta, sizeof eta);
    else snprintf(eta, sizeof eta, done >= total ? "0 s" : "?");
    int bar = pct / 4;
    fprintf(stderr, "\r%-10s %3d%% [%.*s%*s] %s, ETA %s\033[K", p->label, pct, bar, "#########################",
            25 - bar, "", el, eta);
    fflush(stderr);
    p->drawn = true;
    p->last_draw = now;
  }
  progress_unlock(p);
}

void cli_progress_stage(void *user, const char *line, const char *next) {
  cli_progress *p = user;
  progress_lock(p);
  clear_bar(p);
  fprintf(stderr, "%s\n", line);
  fflush(stderr);
  if (next) p->label = next;
  p->start = p->last_draw = cli_now();
  p->last_pct = -1;
  p->done = p->total = 0;
  if (p->ticker) pthread_cond_signal(&((ticker *)p->ticker)->cv); /* restart the interval */
  progress_unlock(p);
}

void cli_progress_note(void *user, const char *line) {
  cli_progress *p = user;
  progress_lock(p);
  clear_bar(p);
  fprintf(stderr, "%s: %s\n", p->label, line);
  fflush(stderr);
  progress_unlock(p);
}

void cli_progress_done(cli_progress *p) {
  ticker *t = p->ticker;
  if (t) {
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
    p->ticker = NULL;
  }
  clear_bar(p);
  fflush(stderr);
}
