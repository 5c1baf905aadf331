/* The owner's fhesynth home (owner key, ledgers) and the per-dataset privacy ledger.
 *
 * Why a keyed hash for the dataset id: the ledger must follow the data, whatever keys or work
 * directory a run uses (Python's run makes fresh ones each call), so the id is computed from
 * the input's bytes. An unkeyed hash would let anyone who sees the id (it travels in DATA.fhe
 * to the server) test a guess of the whole table; keyed with a secret that never leaves the
 * owner's home, it reveals nothing. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_internal.h"
#include "dp.h"

#define OWNER_KEY_BYTES 32

/* $FHESYNTH_HOME, else $XDG_DATA_HOME/fhesynth, else $HOME/.local/share/fhesynth. */
static char *home_dir(void) {
  const char *h = getenv("FHESYNTH_HOME");
  if (h && *h) return api_strdup(h);
  const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
  const char *base = xdg && *xdg ? xdg : home && *home ? home : NULL;
  const char *tail = xdg && *xdg ? "/fhesynth" : "/.local/share/fhesynth";
  if (!base) return NULL;
  size_t n = strlen(base) + strlen(tail) + 1;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s%s", base, tail);
  return p;
}

/* mkdir -p with mode 0700 for every directory it creates. */
static int make_dirs(const char *path) {
  char *p = api_strdup(path);
  if (!p) return -1;
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0700) != 0 && errno != EEXIST) {
      free(p);
      return -1;
    }
    *s = '/';
  }
  int rc = mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
  free(p);
  return rc;
}

/* Reads home/owner.key, creating it (O_EXCL, 0600) on first use; a concurrent creator wins and
 * the loser reads its key. */
static fhs_status owner_key(uint8_t key[OWNER_KEY_BYTES]) {
  char *home = home_dir();
  if (!home) return api_fail(FHS_ERR_IO, "no fhesynth home: set FHESYNTH_HOME or HOME");
  if (make_dirs(home) != 0) {
    fhs_status s = api_fail(FHS_ERR_IO, "%s: cannot create: %s", home, strerror(errno));
    free(home);
    return s;
  }
  size_t n = strlen(home) + 16;
  char *path = malloc(n);
  if (!path) {
    free(home);
    return api_fail(FHS_ERR_NOMEM, "out of memory");
  }
  snprintf(path, n, "%s/owner.key", home);
  free(home);
  fhs_status s = FHS_OK;
  if (sodium_init() < 0) s = api_fail(FHS_ERR_INTERNAL, "libsodium failed to initialise");
  int fd = s == FHS_OK ? open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
  if (fd >= 0) {
    /* written under a temporary name first would be cleaner, but O_EXCL plus a full write
     * and fsync before anyone can read a short file is what the readers check below */
    randombytes_buf(key, OWNER_KEY_BYTES);
    if (write(fd, key, OWNER_KEY_BYTES) != OWNER_KEY_BYTES || fsync(fd) != 0)
      s = api_fail(FHS_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    close(fd);
  } else if (s == FHS_OK) {
    uint8_t *buf = NULL;
    size_t len = 0;
    fhs_error err = {{0}};
    for (int tries = 0; tries < 50; tries++) { /* a creator may be between open and write */
      free(buf);
      buf = NULL;
      if (api_read_file(path, &buf, &len, &err) != 0) break;
      if (len == OWNER_KEY_BYTES) break;
      usleep(10000);
    }
    if (!buf)
      s = api_fail_err(&err);
    else if (len != OWNER_KEY_BYTES)
      s = api_fail(FHS_ERR_CORRUPT, "%s: not an owner key (%zu bytes, expected %d)", path, len, OWNER_KEY_BYTES);
    else
      memcpy(key, buf, OWNER_KEY_BYTES);
    if (buf) sodium_memzero(buf, len);
    free(buf);
  }
  free(path);
  return s;
}

fhs_status api_dataset_id(const char *input, uint8_t id[FHS_DATASET_ID_BYTES]) {
  uint8_t key[OWNER_KEY_BYTES];
  fhs_status s = owner_key(key);
  if (s != FHS_OK) return s;
  FILE *f = fopen(input, "rb");
  if (!f) {
    sodium_memzero(key, sizeof key);
    return api_fail(FHS_ERR_IO, "%s: %s", input, strerror(errno));
  }
  crypto_generichash_state st;
  crypto_generichash_init(&st, key, sizeof key, FHS_DATASET_ID_BYTES);
  sodium_memzero(key, sizeof key);
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) crypto_generichash_update(&st, buf, n);
  int bad = ferror(f);
  fclose(f);
  if (bad) return api_fail(FHS_ERR_IO, "%s: read error", input);
  crypto_generichash_final(&st, id, FHS_DATASET_ID_BYTES);
  return FHS_OK;
}

fhs_status api_ledger_path(const uint8_t id[FHS_DATASET_ID_BYTES], const char *override, char **path) {
  *path = NULL;
  if (override) {
    *path = api_strdup(override);
    return *path ? FHS_OK : api_fail(FHS_ERR_NOMEM, "out of memory");
  }
  char *home = home_dir();
  if (!home) return api_fail(FHS_ERR_IO, "no fhesynth home: set FHESYNTH_HOME or HOME");
  char hex[2 * FHS_DATASET_ID_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, id, FHS_DATASET_ID_BYTES);
  size_t n = strlen(home) + sizeof hex + 32;
  char *dir = malloc(n), *p = malloc(n);
  fhs_status s = FHS_OK;
  if (!dir || !p) {
    s = api_fail(FHS_ERR_NOMEM, "out of memory");
  } else {
    snprintf(dir, n, "%s/ledgers", home);
    snprintf(p, n, "%s/%s.json", dir, hex);
    if (make_dirs(dir) != 0) s = api_fail(FHS_ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
  }
  free(home);
  free(dir);
  if (s != FHS_OK) {
    free(p);
    return s;
  }
  *path = p;
  return FHS_OK;
}

fhs_status api_ledger_charge(const char *path, const uint8_t id[FHS_DATASET_ID_BYTES], double cap_epsilon,
                             double cap_delta, const api_release *r) {
  (void)id;
  (void)cap_delta;
  if (r->no_dp) return FHS_OK; /* recorded once the ledger knows unbounded releases */
  struct stat st;
  double budget = cap_epsilon > 0 ? cap_epsilon : (stat(path, &st) == 0 ? 0 : FHS_DEFAULT_BUDGET_EPSILON);
  fhs_error err = {{0}};
  if (fhs_dp_ledger_charge(path, budget, r->epsilon, r->delta, r->rho, r->label, &err) != 0) return api_fail_err(&err);
  return FHS_OK;
}
