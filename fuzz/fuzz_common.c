#include "fuzz_common.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rows.h"

#define MAX_FILES 8
static struct {
  char ext[16];
  char path[256];
} files[MAX_FILES];
static int n_files;
static char home[256];

static const char *dir(void) {
  struct stat st;
  return stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

static void cleanup(void) {
  for (int i = 0; i < n_files; i++) unlink(files[i].path);
  if (home[0]) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
    if (system(cmd) != 0) { /* best effort */
    }
  }
}

static void at_exit_once(void) {
  static int done;
  if (!done) atexit(cleanup);
  done = 1;
}

static const char *path_for(const char *ext) {
  for (int i = 0; i < n_files; i++)
    if (strcmp(files[i].ext, ext) == 0) return files[i].path;
  if (n_files == MAX_FILES || strlen(ext) >= sizeof files[0].ext) abort();
  at_exit_once();
  snprintf(files[n_files].ext, sizeof files[n_files].ext, "%s", ext);
  snprintf(files[n_files].path, sizeof files[n_files].path, "%s/fhsfuzz-%ld-%d%s", dir(), (long)getpid(), n_files,
           ext);
  return files[n_files++].path;
}

const char *fuzz_out_path(const char *ext) {
  const char *p = path_for(ext);
  unlink(p);
  return p;
}

const char *fuzz_write(const char *ext, const uint8_t *data, size_t size) {
  const char *p = path_for(ext);
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    perror(p);
    abort();
  }
  size_t off = 0;
  while (off < size) {
    ssize_t w = write(fd, data + off, size - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      perror(p);
      abort();
    }
    off += (size_t)w;
  }
  close(fd);
  return p;
}

void fuzz_blake2b(uint8_t out[32], const uint8_t *buf, size_t len) {
  crypto_generichash(out, 32, buf, len, NULL, 0);
}

void fuzz_private_home(void) {
  if (home[0]) return;
  snprintf(home, sizeof home, "%s/fhsfuzz-home-%ld", dir(), (long)getpid());
  mkdir(home, 0700);
  setenv("FHESYNTH_HOME", home, 1);
  at_exit_once();
}

/* A deterministic randombytes (ChaCha20 keystream of a fixed key): the targets and seedgen
 * make the same small secret key, so a STATS.fhe seed decrypts under the target's key. */
static uint64_t det_counter;
static const char *det_name(void) { return "fhs-fuzz-deterministic"; }
static uint32_t det_random(void) {
  uint32_t v;
  uint8_t key[crypto_stream_chacha20_KEYBYTES] = {42};
  uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {0};
  memcpy(nonce, &det_counter, sizeof det_counter);
  det_counter++;
  crypto_stream_chacha20((uint8_t *)&v, sizeof v, nonce, key);
  return v;
}
static void det_buf(void *const buf, const size_t size) {
  uint8_t key[crypto_stream_chacha20_KEYBYTES] = {42};
  uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = {0};
  memcpy(nonce, &det_counter, sizeof det_counter);
  det_counter++;
  memset(buf, 0, size);
  crypto_stream_chacha20_xor(buf, buf, size, nonce, key);
}
static struct randombytes_implementation det_impl = {det_name, det_random, NULL, NULL, det_buf, NULL};

void fuzz_deterministic_random(int on) {
  if (on) {
    det_counter = 0;
    randombytes_set_implementation(&det_impl);
  } else {
    randombytes_set_implementation(&randombytes_internal_implementation);
  }
}

fhs_context *fuzz_small_context(void) {
  fhs_error err = {{0}};
  fhs_context *ctx = fhs_context_create_custom(FUZZ_RING, FUZZ_Q_COUNT, FUZZ_Q_BITS, &err);
  if (!ctx) {
    fprintf(stderr, "fuzz: context: %s\n", err.msg);
    abort();
  }
  return ctx;
}

int fuzz_small_secret_key(const fhs_context *ctx, fhs_secret_key *sk) {
  fhs_error err = {{0}};
  fuzz_deterministic_random(1);
  int rc = fhs_secret_key_generate(ctx, sk, &err);
  fuzz_deterministic_random(0);
  if (rc) fprintf(stderr, "fuzz: secret key: %s\n", err.msg);
  return rc;
}

void fuzz_rows(const char *path) {
  fhs_error err = {{0}};
  fhs_rows *r = fhs_rows_open(path, &err);
  if (!r) return;
  size_t cols = fhs_rows_n_columns(r);
  for (size_t i = 0; i < cols; i++) (void)fhs_rows_column_index(r, fhs_rows_column_name(r, i));
  const fhs_csv_field *f;
  uint64_t line = 0;
  char where[256];
  while (fhs_rows_next(r, &f, &line, &err) == 1) {
    size_t total = 0;
    for (size_t i = 0; i < cols; i++) total += f[i].len + (f[i].ptr[f[i].len] == 0);
    if (total == (size_t)-1) abort();
    fhs_rows_where(r, line, where, sizeof where);
  }
  fhs_rows_close(r);
}
