/* Test fixtures: a private temporary directory with files written into it, removed at the
 * end. Shared by the io and encode tests. */
#ifndef FHS_TEST_FIXTURE_H
#define FHS_TEST_FIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  char dir[512];
} fixture;

static inline int fixture_init(fixture *f) {
  const char *tmp = getenv("TMPDIR");
  if (snprintf(f->dir, sizeof f->dir, "%s/fhs_test_XXXXXX", tmp && *tmp ? tmp : "/tmp") >=
      (int)sizeof f->dir)
    return -1;
  return mkdtemp(f->dir) ? 0 : -1;
}

/* Writes len bytes (strlen when len is (size_t)-1) to DIR/name; path receives the full path. */
static inline int fixture_write(const fixture *f, const char *name, const char *data, size_t len,
                                char *path, size_t path_size) {
  if (snprintf(path, path_size, "%s/%s", f->dir, name) >= (int)path_size) return -1;
  FILE *fp = fopen(path, "wb");
  if (!fp) return -1;
  if (len == (size_t)-1) len = strlen(data);
  size_t w = fwrite(data, 1, len, fp);
  return fclose(fp) == 0 && w == len ? 0 : -1;
}

/* Number of entries in the directory (without . and ..). */
static inline int fixture_count(const fixture *f) {
  DIR *d = opendir(f->dir);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

static inline void fixture_cleanup(fixture *f) {
  DIR *d = opendir(f->dir);
  if (d) {
    struct dirent *e;
    char path[1024];
    while ((e = readdir(d))) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      if (snprintf(path, sizeof path, "%s/%s", f->dir, e->d_name) < (int)sizeof path) unlink(path);
    }
    closedir(d);
  }
  rmdir(f->dir);
}

#endif
