/* fhesynth keygen --out KEYDIR [--ring N] [--passphrase-file F] [--force] */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const char USAGE[] =
    "usage: fhesynth keygen --out KEYDIR [--ring 8192|16384|32768] [--passphrase-file FILE] [--force]\n"
    "  Writes KEYDIR/secret.key (mode 0600; keep it), KEYDIR/public.key and KEYDIR/eval.key (give\n"
    "  eval.key to the server). --ring 8192 (default) covers 1- and 2-way marginals; 3-way needs\n"
    "  16384. --passphrase-file protects secret.key with Argon2id + XChaCha20-Poly1305. An existing\n"
    "  secret key is never replaced without --force.\n";

int cmd_keygen(int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, 0, 'o'}, {"ring", required_argument, 0, 'r'},
                                       {"passphrase-file", required_argument, 0, 'p'}, {"force", no_argument, 0, 'f'},
                                       CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
  const char *out = NULL;
  uint64_t ring = 8192;
  fhs_keygen_options ko;
  fhs_keygen_options_init(&ko);
  cli_common common = {false, 0};
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    int k = cli_common_option(c, optarg, &common, "keygen");
    if (k < 0) return FHS_EXIT_USAGE;
    if (k) continue;
    switch (c) {
      case 'o': out = optarg; break;
      case 'r':
        if (cli_parse_u64(optarg, &ring) != 0 || (ring != 8192 && ring != 16384 && ring != 32768))
          return cli_fail(FHS_EXIT_USAGE, "keygen: --ring must be 8192, 16384 or 32768 (got %s)", optarg);
        break;
      case 'p': ko.passphrase_file = optarg; break;
      case 'f': ko.force = 1; break;
      case 'h': fputs(USAGE, stdout); return FHS_EXIT_OK;
      default: return cli_fail(FHS_EXIT_USAGE, "keygen: unknown or incomplete option %s (see --help)", cli_bad_option(argc, argv));
    }
  }
  if (optind < argc) return cli_fail(FHS_EXIT_USAGE, "keygen: unexpected argument: %s", argv[optind]);
  if (!out) return cli_fail(FHS_EXIT_USAGE, "keygen: --out KEYDIR is required");
  cli_apply_common(&common);
  ko.ring_degree = (size_t)ring;
  fhs_status s = fhs_keys_generate(out, &ko, NULL);
  if (s != FHS_OK) return cli_fail_status(s);
  if (!common.quiet) fprintf(stderr, "keygen: wrote %s/secret.key (keep it private), public.key, eval.key\n", out);
  return FHS_EXIT_OK;
}
