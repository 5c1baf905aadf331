/* Run manifests (manifest.h). Hashes are BLAKE2b-256 of the files' bytes. */
#include "manifest.h"

#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io.h"

static int hash_file(const char *path, char hex[65], fhs_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return fhs_error_set(err, "%s: cannot read for hashing", path);
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, 32);
  uint8_t buf[1 << 16], sum[32];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) crypto_generichash_update(&st, buf, n);
  fclose(f);
  crypto_generichash_final(&st, sum, 32);
  sodium_bin2hex(hex, 65, sum, 32);
  return 0;
}

static json_t *file_entry(const char *path, fhs_error *err) {
  char hex[65];
  if (hash_file(path, hex, err) != 0) return NULL;
  return json_pack("{s:s, s:s}", "path", path, "blake2b_256", hex);
}

static json_t *number_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

int cli_manifest_write(const cli_manifest *m, fhs_error *err) {
  char when[32];
  time_t now = time(NULL);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  json_t *root = json_object();
  json_object_set_new(root, "format", json_string("fhesynth-manifest"));
  json_object_set_new(root, "version", json_integer(1));
  json_object_set_new(root, "fhesynth_version", json_string(FHS_VERSION));
  json_object_set_new(root, "libsodium_version", json_string(sodium_version_string()));
  json_object_set_new(root, "jansson_version", json_string(JANSSON_VERSION));
  json_object_set_new(root, "created", json_string(when));
  json_object_set_new(root, "command", json_string(m->command));
  json_object_set_new(root, "model", json_string(m->model));
  char seed[24];
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)m->seed);
  json_object_set_new(root, "seed", json_string(seed)); /* a string: JSON numbers lose 64-bit integers */
  json_object_set_new(root, "rows", json_integer((json_int_t)m->rows));
  json_t *priv = json_object();
  json_object_set_new(priv, "exact", json_boolean(m->exact));
  json_object_set_new(priv, "epsilon", m->exact ? json_null() : number_or_null(m->epsilon));
  json_object_set_new(priv, "delta", m->exact ? json_null() : number_or_null(m->delta));
  json_object_set_new(priv, "rho", m->exact ? json_null() : number_or_null(m->rho));
  json_object_set_new(root, "privacy", priv);
  json_t *files = json_object(), *e;
  int rc = 0;
  if ((e = file_entry(m->stats_path, err))) json_object_set_new(files, "stats", e); else rc = -1;
  if (rc == 0 && (e = file_entry(m->schema_path, err))) json_object_set_new(files, "schema", e); else rc = -1;
  if (rc == 0 && (e = file_entry(m->output_path, err))) json_object_set_new(files, "output", e); else rc = -1;
  if (rc == 0 && m->extra && m->extra->input) {
    if ((e = file_entry(m->extra->input, err))) json_object_set_new(files, "input", e); else rc = -1;
  }
  json_object_set_new(root, "files", files);
  if (m->extra) {
    json_t *p = json_object();
    if (m->extra->ring) json_object_set_new(p, "ring_degree", json_integer((json_int_t)m->extra->ring));
    json_object_set_new(p, "holdout_fraction", json_real(m->extra->holdout_fraction));
    if (m->extra->workdir) json_object_set_new(p, "workdir", json_string(m->extra->workdir));
    json_object_set_new(root, "parameters", p);
  }
  char *text = rc == 0 ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
  json_decref(root);
  if (rc != 0) return -1;
  if (!text) return fhs_error_set(err, "out of memory");
  size_t n = strlen(m->output_path) + 16;
  char *path = malloc(n);
  fhs_atomic_file f;
  rc = path ? 0 : fhs_error_set(err, "out of memory");
  if (rc == 0) {
    snprintf(path, n, "%s.manifest.json", m->output_path);
    rc = fhs_atomic_open(&f, path, err);
  }
  if (rc == 0) {
    fputs(text, f.fp);
    fputc('\n', f.fp);
    rc = fhs_atomic_commit(&f, err);
  }
  free(path);
  free(text);
  return rc;
}
