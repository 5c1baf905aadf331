/* fhesynth keygen --out KEYDIR [--ring N] [--passphrase-file F] [--force] */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "stats.h"

static const char USAGE[] =
    "usage: fhesynth keygen --out KEYDIR [--ring 8192|16384|32768] [--passphrase-file FILE] [--force]\n"
    "  Writes KEYDIR/secret.key (mode 0600; keep it), KEYDIR/public.key and KEYDIR/eval.key (give\n"
    "  eval.key to the server). --ring 8192 (default) covers 1- and 2-way marginals; 3-way needs\n"
    "  16384. --passphrase-file protects secret.key with Argon2id + XChaCha20-Poly1305.\n";

static int write_record(const char *dir, const char *name, uint8_t *buf, size_t len, unsigned mode, fhs_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int rc = cli_write_file(path, buf, len, mode, err);
  sodium_memzero(buf, len);
  free(buf);
  return rc;
}

int cli_keygen(const char *dir, size_t ring, const char *pass_file, fhs_error *err) {
  fhs_context *ctx = fhs_context_create(ring, err);
  if (!ctx) return -1;
  fhs_secret_key sk;
  fhs_public_key pk;
  fhs_eval_key ek;
  memset(&pk, 0, sizeof pk);
  memset(&ek, 0, sizeof ek);
  uint64_t elts[32];
  size_t ne = fhs_fit_galois_elements(ctx, elts, 32);
  elts[ne++] = fhs_galois_elt_rotate(ctx, 1);
  int rc = fhs_secret_key_generate(ctx, &sk, err);
  if (rc == 0) rc = fhs_public_key_generate(&sk, &pk, err);
  if (rc == 0) rc = fhs_eval_key_generate(&sk, 1, elts, ne, &ek, err);
  uint8_t *buf = NULL, *prot = NULL;
  size_t len = 0, plen = 0;
  if (rc == 0) rc = fhs_secret_key_save(&sk, &buf, &len, err);
  if (rc == 0 && pass_file) {
    char *pass = NULL;
    size_t pl = 0;
    rc = cli_read_passphrase(pass_file, &pass, &pl, err);
    if (rc == 0) rc = fhs_key_protect(buf, len, pass, pl, &prot, &plen, err);
    if (pass) sodium_memzero(pass, pl);
    free(pass);
    sodium_memzero(buf, len);
    free(buf);
    buf = prot;
    len = plen;
  }
  if (rc == 0) rc = write_record(dir, "secret.key", buf, len, 0600, err);
  else free(buf);
  if (rc == 0) rc = fhs_public_key_save(&pk, &buf, &len, err);
  if (rc == 0) rc = write_record(dir, "public.key", buf, len, 0644, err);
  if (rc == 0) rc = fhs_eval_key_save(&ek, &buf, &len, err);
  if (rc == 0) rc = write_record(dir, "eval.key", buf, len, 0644, err);
  fhs_eval_key_free(&ek);
  fhs_public_key_free(&pk);
  fhs_secret_key_free(&sk);
  fhs_context_free(ctx);
  return rc;
}

int cmd_keygen(int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, 0, 'o'},  {"ring", required_argument, 0, 'r'},
                                       {"passphrase-file", required_argument, 0, 'p'},
                                       {"force", no_argument, 0, 'f'},      {"quiet", no_argument, 0, 'q'},
                                       {"threads", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *out = NULL, *pass = NULL;
  uint64_t ring = 8192, threads = 0;
  int force = 0, c;
  cli_common common = {false, 0};
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
      case 'o': out = optarg; break;
      case 'r':
        if (cli_parse_u64("--ring", optarg, &ring) != 0) return cli_fail(FHS_EXIT_USAGE, "keygen: --ring: not a number: %s", optarg);
        break;
      case 'p': pass = optarg; break;
      case 'f': force = 1; break;
      case 'q': common.quiet = true; break;
      case 't':
        if (cli_parse_u64("--threads", optarg, &threads) != 0 || threads == 0 || threads > 1024)
          return cli_fail(FHS_EXIT_USAGE, "keygen: --threads: expected a positive number, got %s", optarg);
        common.threads = (int)threads;
        break;
      case 'h': fputs(USAGE, stdout); return FHS_EXIT_OK;
      default: return cli_fail(FHS_EXIT_USAGE, "keygen: unknown or incomplete option (see fhesynth keygen --help)");
    }
  }
  if (optind < argc) return cli_fail(FHS_EXIT_USAGE, "keygen: unexpected argument: %s", argv[optind]);
  if (!out) return cli_fail(FHS_EXIT_USAGE, "keygen: --out KEYDIR is required");
  if (ring != 8192 && ring != 16384 && ring != 32768)
    return cli_fail(FHS_EXIT_USAGE, "keygen: --ring must be 8192, 16384 or 32768 (got %llu)", (unsigned long long)ring);
  cli_apply_common(&common);
  if (mkdir(out, 0700) != 0 && errno != EEXIST) return cli_fail(FHS_EXIT_RUNTIME, "%s: cannot create directory: %s", out, strerror(errno));
  char probe[4096];
  snprintf(probe, sizeof probe, "%s/secret.key", out);
  struct stat st;
  if (!force && stat(probe, &st) == 0)
    return cli_fail(FHS_EXIT_RUNTIME, "%s: a secret key already exists (data encrypted under it would be lost); use --force to replace it", probe);
  fhs_error err = {{0}};
  if (cli_keygen(out, (size_t)ring, pass, &err) != 0) return cli_fail_err(&err);
  if (!common.quiet) fprintf(stderr, "keygen: wrote %s/secret.key (keep it private), public.key, eval.key\n", out);
  return FHS_EXIT_OK;
}
