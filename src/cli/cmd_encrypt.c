/* fhesynth encrypt INPUT --keys KEYDIR --out DATA.fhe [--schema S] [--schema-out S] [--bins K] */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "datafile.h"
#include "encode.h"
#include "io.h"

static const char USAGE[] =
    "usage: fhesynth encrypt INPUT.(csv|parquet) --keys KEYDIR --out DATA.fhe [--schema SCHEMA.json]\n"
    "                        [--schema-out SCHEMA.json] [--bins K] [--passphrase-file FILE]\n"
    "  Encrypts the rows as indicator vectors under the secret key (seeded: half-size ciphertexts).\n"
    "  Without --schema, infers one (numeric columns in at most K bins, default 16) and writes it to\n"
    "  --schema-out (default: SCHEMA.json beside DATA.fhe). DATA.fhe holds domain sizes only.\n";

typedef struct {
  const char *input, *keys, *out, *schema, *schema_out, *pass;
  uint64_t bins;
  cli_common common;
} encrypt_args;

static int parse(int argc, char **argv, encrypt_args *a) {
  static const struct option opts[] = {{"keys", required_argument, 0, 'k'},       {"out", required_argument, 0, 'o'},
                                       {"schema", required_argument, 0, 's'},     {"schema-out", required_argument, 0, 'S'},
                                       {"bins", required_argument, 0, 'b'},       {"passphrase-file", required_argument, 0, 'p'},
                                       {"quiet", no_argument, 0, 'q'},            {"threads", required_argument, 0, 't'},
                                       {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};
  int c;
  uint64_t threads;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
      case 'k': a->keys = optarg; break;
      case 'o': a->out = optarg; break;
      case 's': a->schema = optarg; break;
      case 'S': a->schema_out = optarg; break;
      case 'p': a->pass = optarg; break;
      case 'b':
        if (cli_parse_u64("--bins", optarg, &a->bins) != 0 || a->bins < 1 || a->bins > 1024)
          return cli_fail(FHS_EXIT_USAGE, "encrypt: --bins: expected 1..1024, got %s", optarg);
        break;
      case 'q': a->common.quiet = true; break;
      case 't':
        if (cli_parse_u64("--threads", optarg, &threads) != 0 || threads == 0 || threads > 1024)
          return cli_fail(FHS_EXIT_USAGE, "encrypt: --threads: expected a positive number, got %s", optarg);
        a->common.threads = (int)threads;
        break;
      case 'h': fputs(USAGE, stdout); return -1;
      default: return cli_fail(FHS_EXIT_USAGE, "encrypt: unknown or incomplete option (see fhesynth encrypt --help)");
    }
  }
  if (optind + 1 != argc) return cli_fail(FHS_EXIT_USAGE, "encrypt: expected exactly one INPUT file (see --help)");
  a->input = argv[optind];
  if (!a->keys || !a->out) return cli_fail(FHS_EXIT_USAGE, "encrypt: --keys KEYDIR and --out DATA.fhe are required");
  if (a->schema && a->schema_out) return cli_fail(FHS_EXIT_USAGE, "encrypt: --schema and --schema-out exclude each other");
  return 0;
}

static char *default_schema_path(const char *out) {
  char *copy = strdup(out);
  if (!copy) return NULL;
  const char *dir = dirname(copy);
  size_t n = strlen(dir) + 16;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/SCHEMA.json", dir);
  free(copy);
  return p;
}

/* A new empty file ".NAME.XXXXXX" beside path (same directory, so a rename over path is atomic). */
static char *temp_beside(const char *path, fhs_error *err) {
  char *d = strdup(path), *b = strdup(path), *t = NULL;
  if (d && b) {
    const char *dir = dirname(d), *base = basename(b);
    size_t n = strlen(dir) + strlen(base) + 16;
    t = malloc(n);
    if (t) snprintf(t, n, "%s/.%s.XXXXXX", dir, base);
  }
  free(d);
  free(b);
  if (!t) return fhs_error_set(err, "out of memory"), NULL;
  int fd = mkstemp(t);
  if (fd < 0) {
    fhs_error_set(err, "%s: cannot create a file in its directory: %s", path, strerror(errno));
    free(t);
    return NULL;
  }
  close(fd);
  return t;
}

int cli_encrypt(const char *input, const char *keys, const char *pass, const char *out, const char *schema_in,
                const char *schema_out_opt, size_t bins, const cli_common *common, fhs_error *err) {
  fhs_context *ctx = NULL;
  fhs_secret_key sk;
  if (cli_load_secret_key(keys, pass, &ctx, &sk, err) != 0) return -1;
  fhs_schema schema;
  memset(&schema, 0, sizeof schema);
  int rc = 0;
  char *schema_out = NULL;
  if (schema_in) {
    rc = fhs_schema_read(schema_in, &schema, err);
  } else {
    fhs_infer_options io = fhs_infer_defaults();
    io.bins = bins;
    rc = fhs_schema_infer(input, &io, &schema, err);
    schema_out = schema_out_opt ? strdup(schema_out_opt) : default_schema_path(out);
    if (rc == 0 && !schema_out) rc = fhs_error_set(err, "out of memory");
  }
  fhs_csv_reader *reader = rc == 0 ? fhs_csv_open(input, err) : NULL;
  fhs_encoder *enc = reader ? fhs_encoder_create(&schema, reader, ctx->n, err) : NULL;
  if (rc == 0 && !enc) rc = -1;
  cli_progress prog;
  cli_progress_init(&prog, "encrypt", common);
  /* DATA.fhe and its schema go together (a DATA.fhe without its schema can't be used): both are
   * written to temporary names beside their targets first and renamed over them only once both
   * are complete, so a failed run leaves existing files as they were */
  char *data_tmp = NULL, *schema_tmp = NULL;
  if (rc == 0 && schema_out && !(data_tmp = temp_beside(out, err))) rc = -1;
  if (rc == 0 && schema_out && !(schema_tmp = temp_beside(schema_out, err))) rc = -1;
  if (rc == 0) rc = fhs_data_encrypt(enc, &schema, &sk, data_tmp ? data_tmp : out, schema.rows, cli_progress_cb, &prog, err);
  cli_progress_done(&prog);
  if (rc == 0 && schema_tmp && fhs_schema_write(&schema, schema_tmp, err) != 0) rc = -1;
  if (rc == 0 && data_tmp && rename(data_tmp, out) != 0)
    rc = fhs_error_set(err, "%s: cannot replace it: %s", out, strerror(errno));
  if (rc == 0 && schema_tmp && rename(schema_tmp, schema_out) != 0)
    rc = fhs_error_set(err, "%s: cannot replace it: %s", schema_out, strerror(errno));
  if (data_tmp && rc != 0) remove(data_tmp);
  if (schema_tmp && rc != 0) remove(schema_tmp);
  free(data_tmp);
  free(schema_tmp);
  if (rc == 0 && !common->quiet)
    fprintf(stderr, "encrypt: %llu rows -> %s%s%s\n", (unsigned long long)fhs_encoder_rows(enc), out,
            schema_out ? ", schema -> " : "", schema_out ? schema_out : "");
  fhs_encoder_free(enc);
  if (reader) fhs_csv_close(reader);
  fhs_schema_free(&schema);
  free(schema_out);
  fhs_secret_key_free(&sk);
  fhs_context_free(ctx);
  return rc;
}

int cmd_encrypt(int argc, char **argv) {
  encrypt_args a = {0};
  a.bins = 16;
  int prc = parse(argc, argv, &a);
  if (prc != 0) return prc < 0 ? FHS_EXIT_OK : prc;
  cli_apply_common(&a.common);
  fhs_error err = {{0}};
  if (cli_encrypt(a.input, a.keys, a.pass, a.out, a.schema, a.schema_out, (size_t)a.bins, &a.common, &err) != 0)
    return cli_fail_err(&err);
  return FHS_EXIT_OK;
}
