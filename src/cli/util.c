/* Shared CLI helpers (cli.h). */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "io.h"

int cli_fail(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("fhesynth: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return code;
}

int cli_fail_err(const fhs_error *err) { return cli_fail(FHS_EXIT_RUNTIME, "%s", err->msg[0] ? err->msg : "failed"); }

int cli_apply_common(cli_common *c) {
  if (c->threads > 0) omp_set_num_threads(c->threads);
  return 0;
}

int cli_parse_double(const char *opt, const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end || errno || !isfinite(v)) return -1;
  (void)opt;
  *out = v;
  return 0;
}

int cli_parse_u64(const char *opt, const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  if (*s == '-') return -1;
  unsigned long long v = strtoull(s, &end, 10);
  if (end == s || *end || errno) return -1;
  (void)opt;
  *out = v;
  return 0;
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

int cli_read_file(const char *path, uint8_t **buf, size_t *len, fhs_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return fhs_error_set(err, "%s: %s", path, errno == ENOENT ? "no such file" : strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    fclose(f);
    return fhs_error_set(err, "%s: not a regular file", path);
  }
  size_t n = (size_t)st.st_size;
  uint8_t *b = malloc(n ? n : 1);
  if (!b || fread(b, 1, n, f) != n) {
    free(b);
    fclose(f);
    return fhs_error_set(err, "%s: read failed", path);
  }
  fclose(f);
  *buf = b;
  *len = n;
  return 0;
}

int cli_write_file(const char *path, const uint8_t *buf, size_t len, unsigned mode, fhs_error *err) {
  fhs_atomic_file f;
  if (fhs_atomic_open(&f, path, err) != 0) return -1;
  fhs_atomic_set_mode(&f, (mode_t)mode);
  if (fwrite(buf, 1, len, f.fp) != len) {
    fhs_atomic_abort(&f);
    return fhs_error_set(err, "%s: write failed: %s", path, strerror(errno));
  }
  return fhs_atomic_commit(&f, err);
}

int cli_read_passphrase(const char *path, char **pass, size_t *len, fhs_error *err) {
  uint8_t *buf;
  size_t n;
  if (cli_read_file(path, &buf, &n, err) != 0) return -1;
  size_t l = 0;
  while (l < n && buf[l] != '\n' && buf[l] != '\r') l++;
  if (l == 0) {
    sodium_memzero(buf, n);
    free(buf);
    return fhs_error_set(err, "%s: the passphrase file is empty", path);
  }
  char *p = malloc(l + 1);
  if (!p) {
    free(buf);
    return fhs_error_set(err, "out of memory");
  }
  memcpy(p, buf, l);
  p[l] = 0;
  sodium_memzero(buf, n);
  free(buf);
  *pass = p;
  *len = l;
  return 0;
}

static int context_for_record(const char *path, const uint8_t *buf, size_t len, fhs_context **ctx, fhs_error *err) {
  size_t n;
  fhs_error e = {{0}};
  if (fhs_record_ring_degree(buf, len, &n, &e) != 0) return fhs_error_set(err, "%s: %s", path, e.msg);
  *ctx = fhs_context_create(n, &e);
  if (!*ctx) return fhs_error_set(err, "%s: %s", path, e.msg);
  return 0;
}

int cli_load_secret_key(const char *keydir, const char *passphrase_file, fhs_context **ctx, fhs_secret_key *sk,
                        fhs_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/secret.key", keydir);
  uint8_t *buf, *record = NULL;
  size_t len, rlen = 0;
  if (cli_read_file(path, &buf, &len, err) != 0) return -1;
  int rc = 0;
  fhs_error e = {{0}};
  if (fhs_is_protected_key(buf, len)) {
    char *pass = NULL;
    size_t plen = 0;
    if (!passphrase_file) rc = fhs_error_set(err, "%s: the secret key is passphrase-protected: give --passphrase-file", path);
    else if (cli_read_passphrase(passphrase_file, &pass, &plen, err) != 0) rc = -1;
    else if (fhs_key_unprotect(buf, len, pass, plen, &record, &rlen, &e) != 0) rc = fhs_error_set(err, "%s: %s", path, e.msg);
    if (pass) {
      sodium_memzero(pass, plen);
      free(pass);
    }
  } else {
    record = buf;
    rlen = len;
    buf = NULL;
  }
  *ctx = NULL;
  if (rc == 0) rc = context_for_record(path, record, rlen, ctx, err);
  if (rc == 0 && fhs_secret_key_load(*ctx, record, rlen, sk, &e) != 0) rc = fhs_error_set(err, "%s: %s", path, e.msg);
  if (rc != 0 && *ctx) {
    fhs_context_free(*ctx);
    *ctx = NULL;
  }
  if (record) sodium_memzero(record, rlen);
  free(record);
  if (buf) sodium_memzero(buf, len);
  free(buf);
  return rc;
}

int cli_load_eval_key(const char *path, fhs_context **ctx, fhs_eval_key *ek, fhs_error *err) {
  uint8_t *buf;
  size_t len;
  if (cli_read_file(path, &buf, &len, err) != 0) return -1;
  fhs_error e = {{0}};
  fhs_record_info info;
  int rc = 0;
  /* refuse before parsing anything else: a server-side command never reads a secret key */
  if (fhs_is_protected_key(buf, len) || (fhs_record_peek(buf, len, &info, &e) == 0 && info.kind == FHS_KIND_SECRET_KEY))
    rc = fhs_error_set(err, "%s: holds a secret key: server-side commands refuse to read secret keys", path);
  *ctx = NULL;
  if (rc == 0) rc = context_for_record(path, buf, len, ctx, err);
  if (rc == 0 && fhs_eval_key_load(*ctx, buf, len, ek, &e) != 0) rc = fhs_error_set(err, "%s: %s", path, e.msg);
  if (rc != 0 && *ctx) {
    fhs_context_free(*ctx);
    *ctx = NULL;
  }
  free(buf);
  return rc;
}
