/* Atomic output: write to a temporary file beside the target, then rename over it. rename(2)
 * within one directory is atomic, so a reader (or a crash) sees the old file or the complete
 * new one, never half of it.
 *
 * Temporary files are named ".NAME.fhs.XXXXXX" (mkstemp's six characters). Each one is:
 * - locked (flock, exclusive) by its writer from creation until it is renamed or removed, so a
 *   later run can tell a live writer's file from a leftover of a killed one;
 * - listed in a small registry that a SIGINT/SIGTERM/SIGHUP handler walks to unlink them
 *   before the process dies (fhs_signal_cleanup_install).
 * A kill -9 cannot be caught: its temporary file stays, unlocked, and the next writer of the
 * same target removes it (clean_stale). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

/* ---------- the registry of live temporary files ---------- */

/* A slot goes FREE -> BUSY (being filled) -> LIVE -> BUSY (being emptied) -> FREE, or LIVE ->
 * CLEANING once a signal handler took it: the process is then about to die. Only lock-free
 * atomics and unlink(2) are used from the handler, both async-signal-safe. */
enum { SLOT_FREE, SLOT_BUSY, SLOT_LIVE, SLOT_CLEANING };
#define TEMP_SLOTS 64

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal handler needs lock-free atomic ints");

typedef struct {
  atomic_int state;
  int lock_fd; /* a placeholder's lock, closed when the slot is released; -1 if none */
  int is_dir;  /* removed with rmdir, after the files */
  char path[PATH_MAX];
} temp_slot;

static temp_slot slots[TEMP_SLOTS];
static atomic_int cleaning; /* 0, then 1 while a handler unlinks, then 2 */

/* Returns the slot, or -1 when the path is too long or all slots are taken: the file is then
 * only removed by the next run (it stays locked while its writer lives). */
static int temp_register_as(const char *path, int lock_fd, int is_dir) {
  size_t n = strlen(path);
  if (n >= PATH_MAX) return -1;
  for (int i = 0; i < TEMP_SLOTS; i++) {
    int expected = SLOT_FREE;
    if (atomic_compare_exchange_strong(&slots[i].state, &expected, SLOT_BUSY)) {
      memcpy(slots[i].path, path, n + 1);
      slots[i].lock_fd = lock_fd;
      slots[i].is_dir = is_dir;
      atomic_store(&slots[i].state, SLOT_LIVE);
      return i;
    }
  }
  return -1;
}

static int temp_register(const char *path, int lock_fd) { return temp_register_as(path, lock_fd, 0); }

/* Forgets slot i (the file was renamed or removed). If a signal handler has taken the slot,
 * the process is being killed: wait for it rather than reuse a path the handler reads. */
static void temp_unregister(int i) {
  if (i < 0 || i >= TEMP_SLOTS) return;
  int expected = SLOT_LIVE;
  if (!atomic_compare_exchange_strong(&slots[i].state, &expected, SLOT_BUSY)) {
    for (;;) pause();
  }
  if (slots[i].lock_fd >= 0) close(slots[i].lock_fd);
  slots[i].lock_fd = -1;
  atomic_store(&slots[i].state, SLOT_FREE);
}

void fhs_temp_cleanup_now(void) {
  for (int i = 0; i < TEMP_SLOTS; i++) {
    int expected = SLOT_LIVE;
    if (!slots[i].is_dir && atomic_compare_exchange_strong(&slots[i].state, &expected, SLOT_CLEANING))
      unlink(slots[i].path);
  }
  /* directories last, newest first (a directory made inside another one goes before it) */
  for (int i = TEMP_SLOTS - 1; i >= 0; i--) {
    int expected = SLOT_LIVE;
    if (slots[i].is_dir && atomic_compare_exchange_strong(&slots[i].state, &expected, SLOT_CLEANING))
      rmdir(slots[i].path);
  }
}

int fhs_temp_register_created(const char *path, int is_dir) { return temp_register_as(path, -1, is_dir); }

void fhs_temp_forget(int handle) { temp_unregister(handle); }

static atomic_int deferring;  /* depth of fhs_signal_defer_begin */
static atomic_int pending_sig; /* a signal that came while deferring */

static void on_fatal_signal(int sig) {
  if (atomic_load(&deferring) > 0) {
    atomic_store(&pending_sig, sig); /* acted on by fhs_signal_defer_end */
    return;
  }
  int expected = 0;
  if (atomic_compare_exchange_strong(&cleaning, &expected, 1)) {
    fhs_temp_cleanup_now();
    atomic_store(&cleaning, 2);
  } else {
    /* another thread is cleaning (two signals at once): let it finish before dying */
    while (atomic_load(&cleaning) == 1) {
      struct timespec ts = {0, 1000000};
      nanosleep(&ts, NULL);
    }
  }
  /* die of the same signal, so the parent sees "killed by SIGINT" and not an exit status; the
   * signal is blocked while its handler runs, so it is delivered as the handler returns */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
  raise(sig);
}

int fhs_signal_cleanup_install(void) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaddset(&sa.sa_mask, sigs[i]);
  int rc = 0;
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
    struct sigaction old;
    if (sigaction(sigs[i], NULL, &old) != 0) {
      rc = -1;
      continue;
    }
    if (old.sa_handler == SIG_IGN) continue; /* nohup, or a background job: stay ignored */
    if (sigaction(sigs[i], &sa, NULL) != 0) rc = -1;
  }
  /* a file size limit (ulimit -f) then makes write(2) fail with EFBIG, reported as an error
   * naming the file, instead of killing the process with SIGXFSZ */
  struct sigaction ign;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  if (sigaction(SIGXFSZ, &ign, NULL) != 0) rc = -1;
  return rc;
}

void fhs_signal_defer_begin(void) { atomic_fetch_add(&deferring, 1); }

void fhs_signal_defer_end(void) {
  if (atomic_fetch_sub(&deferring, 1) == 1) {
    int sig = atomic_exchange(&pending_sig, 0);
    if (sig) raise(sig); /* the handler runs again, now to clean up and die */
  }
}

/* ---------- naming, and leftovers of killed writers ---------- */

#define TEMP_MARK ".fhs."
#define TEMP_MARK_LEN 5
#define TEMP_SUFFIX_LEN (TEMP_MARK_LEN + 6)

/* "dir/name" -> "dir/.name.fhs.XXXXXX"; "name" -> ".name.fhs.XXXXXX". */
static char *temp_template(const char *target) {
  const char *slash = strrchr(target, '/');
  size_t dir_len = slash ? (size_t)(slash - target) + 1 : 0;
  const char *base = target + dir_len;
  size_t n = dir_len + 1 + strlen(base) + TEMP_SUFFIX_LEN + 1;
  char *t = malloc(n);
  if (t) snprintf(t, n, "%.*s.%s" TEMP_MARK "XXXXXX", (int)dir_len, target, base);
  return t;
}

static int is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Whether s starts with ".fhs." and six characters mkstemp could have chosen. */
static int has_temp_suffix(const char *s) {
  if (strncmp(s, TEMP_MARK, TEMP_MARK_LEN) != 0) return 0;
  for (int i = 0; i < 6; i++)
    if (!is_name_char(s[TEMP_MARK_LEN + i])) return 0;
  return 1;
}

/* Whether name is a temporary file for base: ".BASE.fhs.XXXXXX", or the temporary file of
 * such a temporary file, "..BASE.fhs.XXXXXX.fhs.YYYYYY" (encrypt writes DATA.fhe under a
 * temporary name through a second atomic file). */
static int is_temp_of(const char *name, const char *base) {
  size_t bl = strlen(base);
  if (name[0] != '.') return 0;
  if (strncmp(name + 1, base, bl) == 0 && has_temp_suffix(name + 1 + bl) && name[1 + bl + TEMP_SUFFIX_LEN] == '\0')
    return 1;
  if (name[1] != '.' || strncmp(name + 2, base, bl) != 0) return 0;
  const char *s = name + 2 + bl;
  return has_temp_suffix(s) && has_temp_suffix(s + TEMP_SUFFIX_LEN) && s[2 * TEMP_SUFFIX_LEN] == '\0';
}

/* Removes the temporary files for target that no live writer holds: leftovers of a process
 * killed with SIGKILL (or by a power cut). Only regular files of ours, with one link, that we
 * can lock are removed; a writer locks its file from its creation (see lock_fresh). Errors
 * are ignored: a leftover that cannot be removed harms nothing but disk space. */
static void clean_stale(const char *target) {
  const char *slash = strrchr(target, '/');
  char *dir = slash ? strndup(target, slash == target ? 1 : (size_t)(slash - target)) : strdup(".");
  const char *base = slash ? slash + 1 : target;
  if (!dir || !*base) {
    free(dir);
    return;
  }
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  free(dir);
  if (dfd < 0) return;
  int dfd2 = dup(dfd);
  DIR *d = dfd2 >= 0 ? fdopendir(dfd2) : NULL;
  if (!d) {
    if (dfd2 >= 0) close(dfd2);
    close(dfd);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!is_temp_of(e->d_name, base)) continue;
    int fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st, now;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() && st.st_nlink == 1 &&
        flock(fd, LOCK_EX | LOCK_NB) == 0 && fstatat(dfd, e->d_name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
        now.st_dev == st.st_dev && now.st_ino == st.st_ino)
      unlinkat(dfd, e->d_name, 0); /* while locked: a writer that locks it next sees 0 links */
    close(fd);
  }
  closedir(d);
  close(dfd);
}

/* Creates a fresh temporary file from template tmp (rewritten in place) and locks it. A
 * cleaner may remove a file between its creation and the lock: then it has no link left and
 * another name is tried. Returns the descriptor, or -1 with errno set. */
static int create_locked(char *tmp) {
  size_t n = strlen(tmp);
  for (int tries = 0; tries < 16; tries++) {
    memcpy(tmp + n - 6, "XXXXXX", 6);
    int fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0) return -1;
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    int rc;
    while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR) {
    }
    if (rc != 0) {
      int e = errno;
      if (e == ENOLCK || e == EOPNOTSUPP || e == EINVAL) return fd; /* no locks on this file system */
      close(fd);
      unlink(tmp);
      errno = e;
      return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_nlink > 0) return fd;
    close(fd); /* a cleaner removed it before we locked it: the name may be someone else's now */
  }
  errno = EEXIST;
  return -1;
}

/* ---------- placeholders (a temporary name written by someone else, then renamed) ---------- */

char *fhs_temp_create(const char *target) {
  clean_stale(target);
  char *tmp = temp_template(target);
  if (!tmp) return NULL;
  /* a signal between creating the file and registering it would leave it behind */
  fhs_signal_defer_begin();
  int fd = create_locked(tmp);
  if (fd >= 0 && temp_register(tmp, fd) < 0) close(fd); /* unregistered: at least it is not kept open */
  int e = errno;
  fhs_signal_defer_end();
  if (fd < 0) {
    free(tmp);
    errno = e;
    return NULL;
  }
  return tmp;
}

void fhs_temp_release(const char *path) {
  if (!path) return;
  for (int i = 0; i < TEMP_SLOTS; i++)
    if (atomic_load(&slots[i].state) == SLOT_LIVE && strcmp(slots[i].path, path) == 0) {
      temp_unregister(i);
      return;
    }
}

void fhs_temp_error_name(fhs_error *err, const char *tmp, const char *target) {
  if (!err || !tmp || !target) return;
  size_t tl = strlen(tmp);
  char out[sizeof err->msg];
  size_t o = 0;
  for (const char *m = err->msg; *m && o + 1 < sizeof out;) {
    if (tl && strncmp(m, tmp, tl) == 0) {
      int w = snprintf(out + o, sizeof out - o, "%s", target);
      o = w < 0 ? o : o + (size_t)w >= sizeof out ? sizeof out - 1 : o + (size_t)w;
      m += tl;
    } else {
      out[o++] = *m++;
    }
  }
  out[o] = '\0';
  memcpy(err->msg, out, o + 1);
}

/* ---------- atomic files ---------- */

/* The mode a plain open(O_CREAT, 0666) would give. umask(2) can only be read by setting it,
 * so it is set and restored at once; output files are opened from the main thread. */
static mode_t default_mode(void) {
  mode_t mask = umask(022);
  umask(mask);
  return 0666 & ~mask;
}

static void release(fhs_atomic_file *af) {
  free(af->target);
  free(af->tmp);
  af->fp = NULL;
  af->target = NULL;
  af->tmp = NULL;
  af->slot = -1;
}

int fhs_atomic_open(fhs_atomic_file *af, const char *target, fhs_error *err) {
  memset(af, 0, sizeof *af);
  af->slot = -1;
  const char *slash = strrchr(target, '/');
  if (*target == '\0' || (slash && slash[1] == '\0'))
    return fhs_error_set(err, "%s: not a file name", target);
  af->target = strdup(target);
  af->tmp = temp_template(target);
  if (!af->target || !af->tmp) {
    release(af);
    return fhs_error_set(err, "%s: out of memory", target);
  }
  clean_stale(target);
  fhs_signal_defer_begin(); /* created and registered as one step, for the signal handler */
  int fd = create_locked(af->tmp);
  int e0 = errno;
  if (fd >= 0) af->slot = temp_register(af->tmp, -1);
  fhs_signal_defer_end();
  if (fd < 0) {
    release(af);
    return fhs_error_set(err, "%s: cannot create a file in its directory: %s", target, strerror(e0));
  }
  af->fp = fdopen(fd, "wb");
  if (!af->fp) {
    int e = errno;
    unlink(af->tmp);
    temp_unregister(af->slot);
    close(fd);
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
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  free(dir);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  int e = errno;
  close(fd);
  return rc == 0 || e == EINVAL ? 0 : -1;
}

/* The file a user knows: a placeholder's name ".NAME.fhs.XXXXXX" stands for NAME. Returns a
 * pointer into buf or to path itself. */
static const char *shown_name(const char *path, char *buf, size_t size) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  size_t bl = strlen(base);
  if (bl <= 1 + TEMP_SUFFIX_LEN || base[0] != '.' || !has_temp_suffix(base + bl - TEMP_SUFFIX_LEN)) return path;
  size_t dir_len = (size_t)(base - path);
  if (snprintf(buf, size, "%.*s%.*s", (int)dir_len, path, (int)(bl - 1 - TEMP_SUFFIX_LEN), base + 1) >= (int)size)
    return path;
  return buf;
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
  /* renamed while still open, so the file stays locked (a live writer's) until it has its
   * final name; the data is flushed and synced, so closing afterwards loses nothing */
  if (!step && rename(af->tmp, af->target) != 0) {
    step = "cannot rename the temporary file over it";
    e = errno;
  }
  if (step) unlink(af->tmp);
  temp_unregister(af->slot);
  af->slot = -1;
  fclose(af->fp); /* after fflush and fsync, a close error cannot lose data */
  af->fp = NULL;
  char shown[PATH_MAX];
  if (step) {
    fhs_error_set(err, "%s: %s: %s", shown_name(af->target, shown, sizeof shown), step, strerror(e));
    release(af);
    return -1;
  }
  int rc = 0;
  if (sync_dir(af->target) != 0)
    rc = fhs_error_set(err, "%s: written, but syncing its directory failed: %s",
                       shown_name(af->target, shown, sizeof shown), strerror(errno));
  release(af);
  return rc;
}

void fhs_atomic_abort(fhs_atomic_file *af) {
  if (af->fp) {
    unlink(af->tmp);
    temp_unregister(af->slot);
    fclose(af->fp);
  }
  release(af);
}

int fhs_temp_rename(const char *tmp, const char *target, fhs_error *err) {
  if (rename(tmp, target) != 0) return fhs_error_set(err, "%s: cannot rename into place: %s", target, strerror(errno));
  if (sync_dir(target) != 0)
    return fhs_error_set(err, "%s: written, but syncing its directory failed: %s", target, strerror(errno));
  return 0;
}
