/* Atomic output files: abort leaves nothing, commit creates the file with the asked mode and
 * replaces an old one whole, and no temporary file is ever left behind. */
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "fixture.h"
#include "io.h"

static fixture fx;

static int read_all(const char *path, char *buf, size_t size) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t n = fread(buf, 1, size - 1, f);
  buf[n] = '\0';
  fclose(f);
  return (int)n;
}

static void test_abort(void) {
  char target[600];
  snprintf(target, sizeof target, "%s/out.bin", fx.dir);
  fhs_atomic_file af;
  fhs_error err;
  CHECK_MSG(fhs_atomic_open(&af, target, &err) == 0, "%s", err.msg);
  CHECK(af.fp != NULL && strstr(af.tmp, "/.out.bin.") != NULL);
  fputs("partial", af.fp);
  CHECK(fixture_count(&fx) == 1); /* the temporary file */
  fhs_atomic_abort(&af);
  CHECK(access(target, F_OK) != 0);
  CHECK(fixture_count(&fx) == 0);
  fhs_atomic_abort(&af); /* harmless twice */
}

static void test_commit_modes(void) {
  char target[600], buf[64];
  snprintf(target, sizeof target, "%s/secret.key", fx.dir);
  fhs_atomic_file af;
  fhs_error err;
  CHECK(fhs_atomic_open(&af, target, &err) == 0);
  fputs("first", af.fp);
  fhs_atomic_set_mode(&af, 0600);
  CHECK_MSG(fhs_atomic_commit(&af, &err) == 0, "%s", err.msg);
  struct stat st;
  CHECK(stat(target, &st) == 0 && (st.st_mode & 07777) == 0600);
  CHECK(read_all(target, buf, sizeof buf) == 5 && strcmp(buf, "first") == 0);
  CHECK(fixture_count(&fx) == 1);

  /* replacing: the default mode follows the umask, and the old content is gone whole */
  mode_t old = umask(027);
  CHECK(fhs_atomic_open(&af, target, &err) == 0);
  fputs("second!", af.fp);
  CHECK(read_all(target, buf, sizeof buf) == 5); /* readers still see the old file */
  CHECK_MSG(fhs_atomic_commit(&af, &err) == 0, "%s", err.msg);
  umask(old);
  CHECK(stat(target, &st) == 0 && (st.st_mode & 07777) == 0640);
  CHECK(read_all(target, buf, sizeof buf) == 7 && strcmp(buf, "second!") == 0);
  CHECK(fixture_count(&fx) == 1);
  unlink(target);
}

static void test_relative_and_errors(void) {
  char cwd[600];
  CHECK(getcwd(cwd, sizeof cwd) != NULL);
  CHECK(chdir(fx.dir) == 0);
  fhs_atomic_file af;
  fhs_error err;
  CHECK_MSG(fhs_atomic_open(&af, "plain.txt", &err) == 0, "%s", err.msg);
  CHECK(strncmp(af.tmp, ".plain.txt.", 11) == 0);
  fputs("x", af.fp);
  CHECK(fhs_atomic_commit(&af, &err) == 0);
  CHECK(access("plain.txt", F_OK) == 0);
  unlink("plain.txt");
  CHECK(chdir(cwd) == 0);

  char target[700];
  snprintf(target, sizeof target, "%s/no/such/dir/out.json", fx.dir);
  CHECK(fhs_atomic_open(&af, target, &err) == -1);
  CHECK_MSG(strncmp(err.msg, target, strlen(target)) == 0 && strstr(err.msg, "No such file"),
            "%s", err.msg);
  CHECK(af.fp == NULL);
  fhs_atomic_abort(&af); /* safe on a failed open */

  /* renaming over a directory fails: the temporary file must not stay behind */
  snprintf(target, sizeof target, "%s/adir", fx.dir);
  CHECK(mkdir(target, 0700) == 0);
  CHECK(fhs_atomic_open(&af, target, &err) == 0);
  fputs("x", af.fp);
  CHECK(fhs_atomic_commit(&af, &err) == -1);
  CHECK_MSG(strstr(err.msg, "cannot rename") != NULL, "%s", err.msg);
  CHECK(fixture_count(&fx) == 1);
  rmdir(target);
}

int main(void) {
  if (fixture_init(&fx)) {
    perror("mkdtemp");
    return 1;
  }
  test_abort();
  test_commit_modes();
  test_relative_and_errors();
  fixture_cleanup(&fx);
  return check_report("test_io_atomic");
}
