/* fhs_error: the one error convention of every layer. A function that can fail returns 0 on
 * success or -1 on failure and then fills err (when err is not NULL) with one line naming the
 * file or object and the problem, ready to print after "fhesynth: ". */
#ifndef FHS_ERROR_H
#define FHS_ERROR_H

#include <stdarg.h>
#include <stdio.h>

typedef struct {
  char msg[512];
} fhs_error;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static inline int fhs_error_set(fhs_error *err, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return -1;
}

#endif
