/* fhs_inspect: what a file is, from its header, without any key. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

static void hex(const uint8_t *p, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
}

static int describe_record(FILE *o, const char *path, const uint8_t *buf, size_t len, fhs_error *err) {
  fhs_record_info info;
  size_t n = 0;
  fhs_error e = {{0}};
  if (fhs_record_peek(buf, len, &info, &e) != 0 || fhs_record_ring_degree(buf, len, &n, &e) != 0)
    return fhs_error_set(err, "%s: %s", path, e.msg);
  char h[17];
  hex(info.params_hash, 8, h);
  fprintf(o, "file: %s\nkind: %s\nformat version: %u\nring degree: %zu\nparameter hash: %s...\nbytes: %zu\n", path,
          fhs_kind_name(info.kind), info.version, n, h, len);
  if (info.kind == FHS_KIND_SECRET_KEY) fprintf(o, "note: holds a secret key: keep it private (mode 0600)\n");
  return 0;
}

static int describe_data(FILE *o, const char *path, fhs_error *err) {
  fhs_data_reader *r = fhs_data_open(path, err);
  if (!r) return -1;
  const fhs_data_header *h = fhs_data_header_of(r);
  char hash[17], key[17];
  hex(h->params_hash, 8, hash);
  hex(h->key_id, 8, key);
  fprintf(o, "file: %s\nkind: encrypted dataset (DATA.fhe)\nformat version: %d\nring degree: %u\nparameter hash: %s...\n"
             "key id: %s...\nblocks: %llu of %u rows\nrows (rounded up to a block): %llu\ncolumns: %u\ndomain sizes:",
          path, FHS_DATA_VERSION, h->ring_degree, hash, key, (unsigned long long)h->n_blocks, h->block_rows,
          (unsigned long long)h->rows_padded, h->n_columns);
  for (uint32_t c = 0; c < h->n_columns; c++) fprintf(o, " %u", h->domain[c]);
  fprintf(o, "\nciphertexts: %llu of %llu bytes\n", (unsigned long long)(h->n_blocks * h->total_domain),
          (unsigned long long)h->record_bytes);
  fhs_data_close(r);
  return 0;
}

static int describe_stats(FILE *o, const char *path, fhs_error *err) {
  fhs_stats_info info;
  if (fhs_stats_inspect(path, &info, err) != 0) return -1;
  char hash[17], key[17];
  hex(info.params_hash, 8, hash);
  hex(info.key_id, 8, key);
  fprintf(o, "file: %s\nkind: encrypted statistics (STATS.fhe)\nformat version: %d\nring degree: %u\nparameter hash: %s...\n"
             "key id: %s...\nrows (rounded up to a block): %llu\ncolumns: %u\nmarginals: %llu (up to %d-way)\n"
             "packed counts: %llu in %llu ciphertexts of %llu slots\n",
          path, FHS_STATS_VERSION, info.ring_degree, hash, key, (unsigned long long)info.rows_padded, info.n_columns,
          (unsigned long long)info.marginals, info.max_ways, (unsigned long long)info.cells,
          (unsigned long long)info.results, (unsigned long long)info.leaves);
  return 0;
}

static int describe_json(FILE *o, const char *path, fhs_error *err) {
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  if (!root) return fhs_error_set(err, "%s:%d: not valid JSON: %s", path, je.line, je.text);
  const char *format = json_string_value(json_object_get(root, "format"));
  if (!format) {
    json_decref(root);
    return fhs_error_set(err, "%s: a JSON file fhesynth did not write (no \"format\")", path);
  }
  fprintf(o, "file: %s\nkind: %s\nformat version: %lld\n", path, format,
          (long long)json_integer_value(json_object_get(root, "version")));
  json_t *rows = json_object_get(root, "rows"), *cols = json_object_get(root, "columns");
  json_t *margs = json_object_get(root, "marginals"), *rel = json_object_get(root, "releases");
  json_t *eps = json_object_get(root, "epsilon");
  if (json_is_integer(rows)) fprintf(o, "rows: %lld\n", (long long)json_integer_value(rows));
  if (json_is_array(cols)) fprintf(o, "columns: %zu\n", json_array_size(cols));
  if (json_is_array(margs)) fprintf(o, "marginals: %zu\n", json_array_size(margs));
  if (json_is_array(rel)) fprintf(o, "releases: %zu\n", json_array_size(rel));
  if (json_is_number(eps)) fprintf(o, "epsilon: %g\n", json_number_value(eps));
  json_decref(root);
  return 0;
}

static int head_of(const char *path, uint8_t *buf, size_t want, size_t *got) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  *got = fread(buf, 1, want, f);
  fclose(f);
  return 0;
}

fhs_status fhs_inspect(const char *path, char **text) {
  if (!text) return api_fail(FHS_ERR_INVALID, "inspect: no output");
  *text = NULL;
  fhs_status s = api_check_input(path);
  if (s != FHS_OK) return s;
  uint8_t head[8];
  size_t got = 0;
  if (head_of(path, head, sizeof head, &got) != 0) return api_fail(FHS_ERR_IO, "%s: cannot read", path);
  if (got == 0) return api_fail(FHS_ERR_DATA, "%s: file is empty", path);
  char *out = NULL;
  size_t out_len = 0;
  FILE *o = open_memstream(&out, &out_len);
  if (!o) return api_fail(FHS_ERR_NOMEM, "out of memory");
  fhs_error err = {{0}};
  int rc;
  if (got == 8 && memcmp(head, "FHSDATA", 8) == 0) {
    rc = describe_data(o, path, &err);
  } else if (got == 8 && memcmp(head, "FHSSTAT", 8) == 0) {
    rc = describe_stats(o, path, &err);
  } else if (fhs_is_protected_key(head, got)) {
    fprintf(o, "file: %s\nkind: secret key, passphrase-protected (Argon2id + XChaCha20-Poly1305)\n", path);
    rc = 0;
  } else if (got == 8 && memcmp(head, "FHSYNTH", 8) == 0) {
    uint8_t *buf = NULL;
    size_t len = 0;
    rc = api_read_file(path, &buf, &len, &err) == 0 ? describe_record(o, path, buf, len, &err) : -1;
    free(buf);
  } else if (head[0] == '{' || head[0] == 0xEF || head[0] == ' ' || head[0] == '\n') {
    rc = describe_json(o, path, &err);
  } else {
    rc = fhs_error_set(&err, "%s: not an fhesynth file", path);
  }
  fclose(o);
  if (rc != 0) {
    free(out);
    return api_fail_err(&err);
  }
  *text = out;
  return FHS_OK;
}

void fhs_free(void *p) { free(p); }
