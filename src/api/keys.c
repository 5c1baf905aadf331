/* Key directories: generation (owner), opening (owner), evaluation keys (server). */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api_internal.h"
#include "io.h"

int api_read_file(const char *path, uint8_t **buf, size_t *len, fhs_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return fhs_error_set(err, "%s: %s", path, errno == ENOENT ? "no such file" : strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    fclose(f);
    return fhs_error_set(err, "%s: not a regular file", path);
  }
  size_t n = (size_t)st.st_size;
  uint8_t *b = malloc(n ? n : 1);
  if (!b || fread(b, 1, n, f) != n) {
    free(b);
    fclose(f);
    return fhs_error_set(err, "%s: read failed", path);
  }
  fclose(f);
  *buf = b;
  *len = n;
  return 0;
}

static int write_file(const char *path, const uint8_t *buf, size_t len, mode_t mode, fhs_error *err) {
  fhs_atomic_file f;
  if (fhs_atomic_open(&f, path, err) != 0) return -1;
  fhs_atomic_set_mode(&f, mode);
  if (fwrite(buf, 1, len, f.fp) != len) {
    fhs_atomic_abort(&f);
    return fhs_error_set(err, "%s: write failed: %s", path, strerror(errno));
  }
  return fhs_atomic_commit(&f, err);
}

static int read_passphrase(const char *path, char **pass, size_t *len, fhs_error *err) {
  uint8_t *buf;
  size_t n;
  if (api_read_file(path, &buf, &n, err) != 0) return -1;
  size_t l = 0;
  while (l < n && buf[l] != '\n' && buf[l] != '\r') l++;
  char *p = l ? malloc(l + 1) : NULL;
  if (p) {
    memcpy(p, buf, l);
    p[l] = 0;
  }
  sodium_memzero(buf, n);
  free(buf);
  if (!l) return fhs_error_set(err, "%s: the passphrase file is empty", path);
  if (!p) return fhs_error_set(err, "out of memory");
  *pass = p;
  *len = l;
  return 0;
}

static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static int context_for(const char *path, const uint8_t *buf, size_t len, fhs_context **ctx, fhs_error *err) {
  size_t n;
  fhs_error e = {{0}};
  if (fhs_record_ring_degree(buf, len, &n, &e) != 0) return fhs_error_set(err, "%s: %s", path, e.msg);
  *ctx = fhs_context_create(n, &e);
  return *ctx ? 0 : fhs_error_set(err, "%s: %s", path, e.msg);
}

static int save_record(const char *dir, const char *name, uint8_t *buf, size_t len, mode_t mode, fhs_error *err) {
  char *path = join(dir, name);
  int rc = path ? write_file(path, buf, len, mode, err) : fhs_error_set(err, "out of memory");
  sodium_memzero(buf, len);
  free(buf);
  free(path);
  return rc;
}

static int generate(const char *dir, size_t ring, const char *pass_file, fhs_error *err) {
  fhs_context *ctx = fhs_context_create(ring, err);
  if (!ctx) return -1;
  fhs_secret_key sk;
  fhs_public_key pk;
  fhs_eval_key ek;
  memset(&sk, 0, sizeof sk);
  memset(&pk, 0, sizeof pk);
  memset(&ek, 0, sizeof ek);
  uint64_t elts[40];
  size_t ne = fhs_fit_galois_elements(ctx, elts, 32);
  elts[ne++] = fhs_galois_elt_rotate(ctx, 1);
  int rc = fhs_secret_key_generate(ctx, &sk, err);
  if (rc == 0) rc = fhs_public_key_generate(&sk, &pk, err);
  if (rc == 0) rc = fhs_eval_key_generate(&sk, 1, elts, ne, &ek, err);
  uint8_t *buf = NULL;
  size_t len = 0;
  if (rc == 0) rc = fhs_secret_key_save(&sk, &buf, &len, err);
  if (rc == 0 && pass_file) {
    char *pass = NULL;
    size_t pl = 0;
    uint8_t *sealed = NULL;
    size_t sl = 0;
    rc = read_passphrase(pass_file, &pass, &pl, err);
    if (rc == 0) rc = fhs_key_protect(buf, len, pass, pl, &sealed, &sl, err);
    if (pass) sodium_memzero(pass, pl);
    free(pass);
    sodium_memzero(buf, len);
    free(buf);
    buf = sealed;
    len = sl;
  }
  /* the secret key last: a secret.key on disk always has its public and evaluation keys beside
   * it, whatever point a crash stops keygen at (run reuses a key directory whose secret.key
   * exists). Keys without a secret key encrypt nothing (encrypt needs the secret key), and the
   * next keygen replaces them without --force. */
  uint8_t *pub = NULL, *ev = NULL;
  size_t pub_len = 0, ev_len = 0;
  if (rc == 0) rc = fhs_public_key_save(&pk, &pub, &pub_len, err);
  if (rc == 0) rc = save_record(dir, "public.key", pub, pub_len, 0644, err);
  if (rc == 0) rc = fhs_eval_key_save(&ek, &ev, &ev_len, err);
  if (rc == 0) rc = save_record(dir, "eval.key", ev, ev_len, 0644, err);
  if (rc == 0) rc = save_record(dir, "secret.key", buf, len, 0600, err);
  else if (buf) {
    sodium_memzero(buf, len);
    free(buf);
  }
  fhs_eval_key_free(&ek);
  fhs_public_key_free(&pk);
  fhs_secret_key_free(&sk);
  fhs_context_free(ctx);
  return rc;
}

void fhs_keygen_options_init(fhs_keygen_options *o) {
  memset(o, 0, sizeof *o);
  o->ring_degree = 8192;
}

fhs_status fhs_keys_generate(const char *dir, const fhs_keygen_options *opts, fhs_keys **out) {
  fhs_keygen_options d;
  fhs_keygen_options_init(&d);
  if (!opts) opts = &d;
  if (out) *out = NULL;
  if (!dir || !*dir) return api_fail(FHS_ERR_INVALID, "keygen: a key directory is required");
  if (opts->ring_degree != 8192 && opts->ring_degree != 16384 && opts->ring_degree != 32768)
    return api_fail(FHS_ERR_INVALID, "keygen: the ring degree must be 8192, 16384 or 32768 (got %zu)", opts->ring_degree);
  if (opts->passphrase_file && api_check_input(opts->passphrase_file) != FHS_OK) return FHS_ERR_IO;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) return api_fail(FHS_ERR_IO, "%s: cannot create directory: %s", dir, strerror(errno));
  char *probe = join(dir, "secret.key");
  struct stat st;
  int exists = probe && stat(probe, &st) == 0;
  if (exists && !opts->force) {
    fhs_status s = api_fail(FHS_ERR_IO, "%s: a secret key already exists (data encrypted under it would be lost); "
                                             "use --force to replace it", probe);
    free(probe);
    return s;
  }
  free(probe);
  fhs_error err = {{0}};
  if (generate(dir, opts->ring_degree, opts->passphrase_file, &err) != 0) return api_fail_err(&err);
  return out ? fhs_keys_open(dir, opts->passphrase_file, out) : FHS_OK;
}

static int load_secret(fhs_keys *k, const char *pass_file, fhs_error *err) {
  char *path = join(k->dir, "secret.key");
  uint8_t *buf = NULL, *record = NULL;
  size_t len = 0, rlen = 0;
  int rc = path ? api_read_file(path, &buf, &len, err) : fhs_error_set(err, "out of memory");
  fhs_error e = {{0}};
  if (rc == 0 && fhs_is_protected_key(buf, len)) {
    char *pass = NULL;
    size_t pl = 0;
    if (!pass_file) rc = fhs_error_set(err, "%s: the secret key is passphrase-protected: give --passphrase-file", path);
    else if (read_passphrase(pass_file, &pass, &pl, err) != 0) rc = -1;
    else if (fhs_key_unprotect(buf, len, pass, pl, &record, &rlen, &e) != 0) rc = fhs_error_set(err, "%s: %s", path, e.msg);
    if (pass) sodium_memzero(pass, pl);
    free(pass);
  } else if (rc == 0) {
    record = buf;
    rlen = len;
    buf = NULL;
  }
  if (rc == 0) rc = context_for(path, record, rlen, &k->ctx, err);
  if (rc == 0 && fhs_secret_key_load(k->ctx, record, rlen, &k->sk, &e) != 0) rc = fhs_error_set(err, "%s: %s", path, e.msg);
  k->has_secret = rc == 0;
  if (record) sodium_memzero(record, rlen);
  free(record);
  if (buf) sodium_memzero(buf, len);
  free(buf);
  free(path);
  return rc;
}

fhs_status fhs_keys_open(const char *dir, const char *passphrase_file, fhs_keys **out) {
  if (!out) return api_fail(FHS_ERR_INVALID, "keys: no output handle");
  *out = NULL;
  if (!dir || !*dir) return api_fail(FHS_ERR_INVALID, "keys: a key directory is required");
  fhs_keys *k = calloc(1, sizeof *k);
  if (!k) return api_fail(FHS_ERR_NOMEM, "out of memory");
  k->dir = api_strdup(dir);
  k->eval_path = join(dir, "eval.key");
  fhs_error err = {{0}};
  if (!k->dir || !k->eval_path || load_secret(k, passphrase_file, &err) != 0) {
    fhs_keys_free(k);
    return err.msg[0] ? api_fail_err(&err) : api_fail(FHS_ERR_NOMEM, "out of memory");
  }
  *out = k;
  return FHS_OK;
}

static int load_eval(fhs_keys *k, fhs_error *err) {
  uint8_t *buf;
  size_t len;
  if (api_read_file(k->eval_path, &buf, &len, err) != 0) return -1;
  fhs_error e = {{0}};
  fhs_record_info info;
  int rc = 0;
  /* refuse before anything else: a server-side command never reads a secret key */
  if (fhs_is_protected_key(buf, len) || (fhs_record_peek(buf, len, &info, &e) == 0 && info.kind == FHS_KIND_SECRET_KEY))
    rc = fhs_error_set(err, "%s: holds a secret key: server-side commands refuse to read secret keys", k->eval_path);
  fhs_context *ctx = NULL;
  if (rc == 0 && !k->ctx) rc = context_for(k->eval_path, buf, len, &k->ctx, err);
  ctx = k->ctx;
  if (rc == 0 && fhs_eval_key_load(ctx, buf, len, &k->ek, &e) != 0) rc = fhs_error_set(err, "%s: %s", k->eval_path, e.msg);
  if (rc == 0 && k->has_secret && sodium_memcmp(k->ek.key_id, k->sk.key_id, FHS_KEY_ID_BYTES) != 0) {
    fhs_eval_key_free(&k->ek);
    rc = fhs_error_set(err, "%s: belongs to another key generation than %s/secret.key", k->eval_path, k->dir);
  }
  k->has_eval = rc == 0;
  free(buf);
  return rc;
}

fhs_status fhs_keys_open_eval(const char *eval_key_path, fhs_keys **out) {
  if (!out) return api_fail(FHS_ERR_INVALID, "keys: no output handle");
  *out = NULL;
  if (api_check_input(eval_key_path) != FHS_OK) return FHS_ERR_IO;
  fhs_keys *k = calloc(1, sizeof *k);
  if (!k) return api_fail(FHS_ERR_NOMEM, "out of memory");
  k->eval_path = api_strdup(eval_key_path);
  fhs_error err = {{0}};
  if (!k->eval_path || load_eval(k, &err) != 0) {
    fhs_keys_free(k);
    return err.msg[0] ? api_fail_err(&err) : api_fail(FHS_ERR_NOMEM, "out of memory");
  }
  *out = k;
  return FHS_OK;
}

fhs_status api_keys_need_eval(fhs_keys *k) {
  if (k->has_eval) return FHS_OK;
  fhs_error err = {{0}};
  return load_eval(k, &err) == 0 ? FHS_OK : api_fail_err(&err);
}

const char *fhs_keys_dir(const fhs_keys *k) { return k ? k->dir : NULL; }
const char *fhs_keys_eval_path(const fhs_keys *k) { return k ? k->eval_path : NULL; }
int fhs_keys_has_secret(const fhs_keys *k) { return k && k->has_secret; }
size_t fhs_keys_ring_degree(const fhs_keys *k) { return k && k->ctx ? k->ctx->n : 0; }

void fhs_keys_free(fhs_keys *k) {
  if (!k) return;
  if (k->has_eval) fhs_eval_key_free(&k->ek);
  if (k->has_secret) fhs_secret_key_free(&k->sk);
  fhs_context_free(k->ctx);
  free(k->dir);
  free(k->eval_path);
  free(k);
}
