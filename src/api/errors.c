/* Errors of the public API: a thread-local last message and a status per failure. Lower
 * layers report one-line messages; the status is read from what failed. */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_internal.h"

static _Thread_local char last_error[512];

const char *fhs_last_error(void) { return last_error; }

const char *fhs_status_name(fhs_status s) {
  static const char *names[] = {"ok", "invalid argument", "I/O error", "bad data", "key error",
                                "corrupt file", "privacy budget exhausted", "out of memory", "internal error"};
  return (unsigned)s < sizeof names / sizeof *names ? names[s] : "unknown status";
}

fhs_status api_fail(fhs_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  return s;
}

static int has(const char *msg, const char *word) { return strstr(msg, word) != NULL; }

fhs_status api_fail_err(const fhs_error *err) {
  const char *m = err->msg;
  fhs_status s = FHS_ERR_DATA;
  if (has(m, "out of memory")) s = FHS_ERR_NOMEM;
  else if (has(m, "budget")) s = FHS_ERR_BUDGET;
  else if (has(m, "secret key") || has(m, "passphrase") || has(m, "another key") || has(m, "different key"))
    s = FHS_ERR_KEY;
  else if (has(m, "checksum") || has(m, "truncated") || has(m, "corrupt") || has(m, "another parameter") ||
           has(m, "other encryption parameters") || has(m, "not an fhesynth") || has(m, "not an encrypted"))
    s = FHS_ERR_CORRUPT;
  else if (has(m, "no such file") || has(m, "cannot create") || has(m, "write failed") || has(m, "read failed") ||
           has(m, "Permission denied"))
    s = FHS_ERR_IO;
  return api_fail(s, "%s", m[0] ? m : "failed");
}

fhs_status api_check_input(const char *path) {
  if (!path || !*path) return api_fail(FHS_ERR_INVALID, "an input path is required");
  if (access(path, R_OK) != 0)
    return api_fail(FHS_ERR_IO, "%s: %s", path, errno == ENOENT ? "no such file" : strerror(errno));
  return FHS_OK;
}

fhs_status api_check_output(const char *path) {
  if (!path || !*path) return api_fail(FHS_ERR_INVALID, "an output path is required");
  char *copy = api_strdup(path);
  if (!copy) return api_fail(FHS_ERR_NOMEM, "out of memory");
  const char *dir = dirname(copy);
  int ok = access(dir, W_OK | X_OK) == 0;
  int e = errno;
  fhs_status s = ok ? FHS_OK : api_fail(FHS_ERR_IO, "%s: cannot write into %s: %s", path, dir, strerror(e));
  free(copy);
  return s;
}

char *api_strdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

const char *fhs_version(void) {
  static const char v[] = FHS_VERSION;
  return v;
}
