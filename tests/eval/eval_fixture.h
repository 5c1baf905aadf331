/* Hand-built tables for the eval tests, written as CSV files into a temporary directory. */
#ifndef FHS_EVAL_FIXTURE_H
#define FHS_EVAL_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh directory under /tmp; path has room for 64 bytes. */
static inline int fixture_dir(char *path, size_t size) {
  snprintf(path, size, "/tmp/fhs_eval_test_XXXXXX");
  return mkdtemp(path) ? 0 : -1;
}

static inline void fixture_path(char *out, size_t size, const char *dir, const char *name) {
  snprintf(out, size, "%s/%s", dir, name);
}

/* Deterministic uniform in [0, 1) (splitmix64): the fixture never depends on libc's rand. */
static inline double fixture_unit(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

/* n rows of "people": two continuous numbers (unique rows), an integer, two categories and a
 * label that follows x (10% flipped). seed picks the sample. */
static inline int fixture_people(const char *path, size_t n, uint64_t seed) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  static const char *const city[5] = {"Lyon", "Oslo", "Lima", "Pune", "Kyiv"};
  static const char *const plan[3] = {"basic", "plus", "pro"};
  fprintf(f, "x,y,age,city,plan,label\n");
  for (size_t i = 0; i < n; i++) {
    double x = fixture_unit(&seed), y = 100 * fixture_unit(&seed);
    int age = 18 + (int)(60 * fixture_unit(&seed));
    const char *c = city[(size_t)(5 * fixture_unit(&seed))];
    const char *p = plan[(size_t)(3 * fixture_unit(&seed))];
    int hi = (x + 0.004 * age > 0.6) ^ (fixture_unit(&seed) < 0.1);
    fprintf(f, "%.6f,%.5f,%d,%s,%s,%s\n", x, y, age, c, p, hi ? "high" : "low");
  }
  return fclose(f);
}

static inline int fixture_write(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f);
}

/* Removes the files the tests create and the directory. */
static inline void fixture_cleanup(const char *dir) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

#endif
