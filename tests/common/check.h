/* Minimal test harness: CHECK records a failure with file:line and keeps going, so one run
 * reports every broken property; check_report prints the closing line CTest logs show. */
#ifndef FHS_TEST_CHECK_H
#define FHS_TEST_CHECK_H
#include <stdio.h>
#include <stdlib.h>

static int check_passed_, check_failed_;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (cond) {                                                                  \
      check_passed_++;                                                           \
    } else {                                                                     \
      check_failed_++;                                                           \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
    }                                                                            \
  } while (0)

#define CHECK_MSG(cond, ...)                                                     \
  do {                                                                           \
    if (cond) {                                                                  \
      check_passed_++;                                                           \
    } else {                                                                     \
      check_failed_++;                                                           \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
      fprintf(stderr, __VA_ARGS__);                                              \
      fputc('\n', stderr);                                                       \
    }                                                                            \
  } while (0)

static inline int check_report(const char *name) {
  printf("%s: %d passed, %d failed\n", name, check_passed_, check_failed_);
  return check_failed_ == 0 ? 0 : 1;
}
#endif
