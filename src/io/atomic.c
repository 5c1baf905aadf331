/* Atomic output: write to a temporary file beside the target, then rename over it. rename(2)
 * within one directory is atomic, so a reader (or a crash) sees the old file or the complete
 * new one, never half of it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"

/* The mode a plain open(O_CREAT, 0666) would give. umask(2) can only be read by setting it,
 * so it is set and restored at once; output files are opened from the main thread. */
static mode_t default_mode(void) {
  mode_t mask = umask(022);
  umask(mask);
  return 0666 & ~mask;
}

/* "dir/name" -> "dir/.name.XXXXXX"; "name" -> ".name.XXXXXX". */
static char *temp_template(const char *target) {
  const char *slash = strrchr(target, '/');
  size_t dir_len = slash ? (size_t)(slash - target) + 1 : 0;
  const char *base = target + dir_len;
  size_t n = dir_len + 1 + strlen(base) + 8 + 1;
  char *t = malloc(n);
  if (t) snprintf(t, n, "%.*s.%s.XXXXXX", (int)dir_len, target, base);
  return t;
}

static void release(fhs_atomic_file *af) {
  free(af->target);
  free(af->tmp);
  af->fp = NULL;
  af->target = NULL;
  af->tmp = NULL;
}

int fhs_atomic_open(fhs_atomic_file *af, const char *target, fhs_error *err) {
  memset(af, 0, sizeof *af);
  const char *slash = strrchr(target, '/');
  if (*target == '\0' || (slash && slash[1] == '\0'))
    return fhs_error_set(err, "%s: not a file name", target);
  af->target = strdup(target);
  af->tmp = temp_template(target);
  if (!af->target || !af->tmp) {
    release(af);
    return fhs_error_set(err, "%s: out of memory", target);
  }
  int fd = mkstemp(af->tmp); /* creates the file with mode 0600 */
  if (fd < 0) {
    int e = errno;
    release(af);
    return fhs_error_set(err, "%s: cannot create a file in its directory: %s", target,
                         strerror(e));
  }
  af->fp = fdopen(fd, "wb");
  if (!af->fp) {
    int e = errno;
    close(fd);
    unlink(af->tmp);
    release(af);
    return fhs_error_set(err, "%s: cannot open: %s", target, strerror(e));
  }
  af->mode = default_mode();
  return 0;
}

void fhs_atomic_set_mode(fhs_atomic_file *af, mode_t mode) { af->mode = mode; }

/* fsync of the directory makes the rename itself durable. Some file systems refuse fsync on
 * a directory (EINVAL); the rename has happened anyway, so that is not an error. */
static int sync_dir(const char *target) {
  const char *slash = strrchr(target, '/');
  char *dir = slash ? strndup(target, slash == target ? 1 : (size_t)(slash - target))
                    : strdup(".");
  if (!dir) return -1;
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  free(dir);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  int e = errno;
  close(fd);
  return rc == 0 || e == EINVAL ? 0 : -1;
}

int fhs_atomic_commit(fhs_atomic_file *af, fhs_error *err) {
  if (!af->fp) return fhs_error_set(err, "%s: output file is not open", af->target ? af->target : "?");
  const char *step = NULL;
  int fd = fileno(af->fp);
  if (fflush(af->fp) != 0 || ferror(af->fp))
    step = "write failed";
  else if (fsync(fd) != 0)
    step = "fsync failed";
  else if (fchmod(fd, af->mode) != 0)
    step = "cannot set permissions";
  int e = errno;
  if (fclose(af->fp) != 0 && !step) {
    step = "close failed";
    e = errno;
  }
  af->fp = NULL;
  if (!step && rename(af->tmp, af->target) != 0) {
    step = "cannot rename the temporary file over it";
    e = errno;
  }
  if (step) {
    unlink(af->tmp);
    fhs_error_set(err, "%s: %s: %s", af->target, step, strerror(e));
    release(af);
    return -1;
  }
  int rc = 0;
  if (sync_dir(af->target) != 0)
    rc = fhs_error_set(err, "%s: written, but syncing its directory failed: %s", af->target,
                       strerror(errno));
  release(af);
  return rc;
}

void fhs_atomic_abort(fhs_atomic_file *af) {
  if (af->fp) {
    fclose(af->fp);
    unlink(af->tmp);
  }
  release(af);
}
