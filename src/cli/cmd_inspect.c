/* fhesynth inspect FILE: what a file is (kind, version, parameters, sizes), never its secrets. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "datafile.h"
#include "stats.h"

static void hex(const uint8_t *p, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
}

static int inspect_record(const char *path, const uint8_t *buf, size_t len) {
  fhs_record_info info;
  fhs_error err = {{0}};
  size_t n = 0;
  if (fhs_record_peek(buf, len, &info, &err) != 0 || fhs_record_ring_degree(buf, len, &n, &err) != 0)
    return cli_fail(FHS_EXIT_RUNTIME, "%s: %s", path, err.msg);
  char h[2 * FHS_HASH_BYTES + 1];
  hex(info.params_hash, 8, h);
  printf("file: %s\nkind: %s\nformat version: %u\nring degree: %zu\nparameter hash: %s...\nbytes: %zu\n", path,
         fhs_kind_name(info.kind), info.version, n, h, len);
  if (info.kind == FHS_KIND_SECRET_KEY) printf("note: holds a secret key: keep it private (mode 0600)\n");
  return FHS_EXIT_OK;
}

static int inspect_data(const char *path) {
  fhs_error err = {{0}};
  fhs_data_reader *r = fhs_data_open(path, &err);
  if (!r) return cli_fail_err(&err);
  const fhs_data_header *h = fhs_data_header_of(r);
  char hash[17], key[17];
  hex(h->params_hash, 8, hash);
  hex(h->key_id, 8, key);
  printf("file: %s\nkind: encrypted dataset (DATA.fhe)\nformat version: %d\nring degree: %u\nparameter hash: %s...\n"
         "key id: %s...\nblocks: %llu of %u rows\nrows (rounded up to a block): %llu\ncolumns: %u\ndomain sizes:",
         path, FHS_DATA_VERSION, h->ring_degree, hash, key, (unsigned long long)h->n_blocks, h->block_rows,
         (unsigned long long)h->rows_padded, h->n_columns);
  for (uint32_t c = 0; c < h->n_columns; c++) printf(" %u", h->domain[c]);
  printf("\nciphertexts: %llu of %llu bytes\n", (unsigned long long)(h->n_blocks * h->total_domain),
         (unsigned long long)h->record_bytes);
  fhs_data_close(r);
  return FHS_EXIT_OK;
}

static int inspect_stats(const char *path) {
  fhs_error err = {{0}};
  fhs_stats_info info;
  if (fhs_stats_inspect(path, &info, &err) != 0) return cli_fail_err(&err);
  char hash[17], key[17];
  hex(info.params_hash, 8, hash);
  hex(info.key_id, 8, key);
  printf("file: %s\nkind: encrypted statistics (STATS.fhe)\nformat version: %d\nring degree: %u\nparameter hash: %s...\n"
         "key id: %s...\nrows (rounded up to a block): %llu\ncolumns: %u\nmarginals: %llu (up to %d-way)\n"
         "packed counts: %llu in %llu ciphertexts of %llu slots\n",
         path, FHS_STATS_VERSION, info.ring_degree, hash, key, (unsigned long long)info.rows_padded, info.n_columns,
         (unsigned long long)info.marginals, info.max_ways, (unsigned long long)info.cells,
         (unsigned long long)info.results, (unsigned long long)info.leaves);
  return FHS_EXIT_OK;
}

static int inspect_json(const char *path) {
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  if (!root) return cli_fail(FHS_EXIT_RUNTIME, "%s:%d: not valid JSON: %s", path, je.line, je.text);
  const char *format = json_string_value(json_object_get(root, "format"));
  int rc = FHS_EXIT_OK;
  if (!format) {
    rc = cli_fail(FHS_EXIT_RUNTIME, "%s: a JSON file fhesynth did not write (no \"format\")", path);
  } else {
    printf("file: %s\nkind: %s\nformat version: %lld\n", path, format,
           (long long)json_integer_value(json_object_get(root, "version")));
    json_t *rows = json_object_get(root, "rows"), *cols = json_object_get(root, "columns");
    json_t *margs = json_object_get(root, "marginals"), *rel = json_object_get(root, "releases");
    if (json_is_integer(rows)) printf("rows: %lld\n", (long long)json_integer_value(rows));
    if (json_is_array(cols)) printf("columns: %zu\n", json_array_size(cols));
    if (json_is_array(margs)) printf("marginals: %zu\n", json_array_size(margs));
    if (json_is_array(rel)) printf("releases: %zu\n", json_array_size(rel));
    json_t *eps = json_object_get(root, "epsilon");
    if (json_is_number(eps)) printf("epsilon: %g\n", json_number_value(eps));
  }
  json_decref(root);
  return rc;
}

int cmd_inspect(int argc, char **argv) {
  static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {"quiet", no_argument, 0, 'q'}, {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'h') {
      puts("usage: fhesynth inspect FILE\n  Says what an fhesynth file is: kind, version, parameters, sizes. Never prints secrets.");
      return FHS_EXIT_OK;
    }
    if (c != 'q') return cli_fail(FHS_EXIT_USAGE, "inspect: unknown option (see fhesynth inspect --help)");
  }
  if (optind + 1 != argc) return cli_fail(FHS_EXIT_USAGE, "inspect: expected exactly one FILE");
  const char *path = argv[optind];
  uint8_t *buf;
  size_t len;
  fhs_error err = {{0}};
  if (cli_read_file(path, &buf, &len, &err) != 0) return cli_fail_err(&err);
  int rc;
  if (len == 0) rc = cli_fail(FHS_EXIT_RUNTIME, "%s: file is empty", path);
  else if (len >= 8 && memcmp(buf, "FHSDATA", 8) == 0) rc = inspect_data(path);
  else if (len >= 8 && memcmp(buf, "FHSSTAT", 8) == 0) rc = inspect_stats(path);
  else if (fhs_is_protected_key(buf, len)) {
    printf("file: %s\nkind: secret key, passphrase-protected (Argon2id + XChaCha20-Poly1305)\nbytes: %zu\n", path, len);
    rc = FHS_EXIT_OK;
  }
  else if (len >= 8 && memcmp(buf, "FHSYNTH", 8) == 0) rc = inspect_record(path, buf, len);
  else if (buf[0] == '{' || (len > 3 && buf[0] == 0xEF)) rc = inspect_json(path);
  else rc = cli_fail(FHS_EXIT_RUNTIME, "%s: not an fhesynth file", path);
  free(buf);
  return rc;
}
