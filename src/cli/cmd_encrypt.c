/* fhesynth encrypt INPUT --keys KEYDIR --out DATA.fhe [--schema S | --schema-out S] [--bins K] */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const char USAGE[] =
    "usage: fhesynth encrypt INPUT.(csv|parquet) --keys KEYDIR --out DATA.fhe [--schema SCHEMA.json]\n"
    "                        [--schema-out SCHEMA.json] [--bins K] [--passphrase-file FILE]\n"
    "                        [--discovery-epsilon E | --unsafe-exact-schema] [--ledger PATH]\n"
    "                        [--max-minutes M | --force]\n"
    "  Encrypts the rows as indicator vectors under the secret key (seeded: half-size ciphertexts).\n"
    "  --schema: a public schema (fhesynth schema helps write one): the best choice. Without it the\n"
    "  domain is learnt with differential privacy (labels kept only when a noisy count passes a\n"
    "  threshold, bin edges from DP quantiles, numeric columns in at most K bins, default 16),\n"
    "  charged to the dataset's ledger (default: epsilon 0.1 at delta 1e-6), and written to\n"
    "  --schema-out (default: SCHEMA.json beside DATA.fhe). --unsafe-exact-schema takes the domain\n"
    "  from the exact data (not DP; recorded). DATA.fhe holds domain sizes only.\n"
    "  Encrypting is estimated once the domain is known (before discovery is charged); above\n"
    "  --max-minutes (default 60) it is refused unless --force.\n";

int cmd_encrypt(int argc, char **argv) {
  static const struct option opts[] = {{"keys", required_argument, 0, 'k'},   {"out", required_argument, 0, 'o'},
                                       {"schema", required_argument, 0, 's'}, {"schema-out", required_argument, 0, 'S'},
                                       {"bins", required_argument, 0, 'b'},   {"passphrase-file", required_argument, 0, 'p'},
                                       {"discovery-epsilon", required_argument, 0, 'E'},
                                       {"unsafe-exact-schema", no_argument, 0, 'U'}, {"ledger", required_argument, 0, 'L'},
                                       {"max-minutes", required_argument, 0, 'X'}, {"force", no_argument, 0, 'F'},
                                       CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
  const char *keys_dir = NULL, *out = NULL, *pass = NULL;
  uint64_t bins = 16;
  double disc_eps = 0;
  fhs_encrypt_options eo;
  fhs_encrypt_options_init(&eo);
  cli_common common = {false, 0};
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    int k = cli_common_option(c, optarg, &common, "encrypt");
    if (k < 0) return FHS_EXIT_USAGE;
    if (k) continue;
    switch (c) {
      case 'k': keys_dir = optarg; break;
      case 'o': out = optarg; break;
      case 's': eo.schema = optarg; break;
      case 'S': eo.schema_out = optarg; break;
      case 'p': pass = optarg; break;
      case 'U': eo.unsafe_exact_schema = 1; break;
      case 'L': eo.ledger = optarg; break;
      case 'F': eo.force = 1; break;
      case 'X':
        if (cli_parse_double(optarg, &eo.max_minutes) != 0 || !(eo.max_minutes > 0) || eo.max_minutes > 1e6)
          return cli_fail(FHS_EXIT_USAGE, "encrypt: --max-minutes: expected minutes in (0, 1e6], got %s", optarg);
        break;
      case 'E':
        if (cli_parse_double(optarg, &disc_eps) != 0 || !(disc_eps >= FHS_EPSILON_MIN && disc_eps <= 100))
          return cli_fail(FHS_EXIT_USAGE, "encrypt: --discovery-epsilon must be in [%g, 100] (got %s)", FHS_EPSILON_MIN, optarg);
        break;
      case 'b':
        if (cli_parse_u64(optarg, &bins) != 0 || bins < 1 || bins > 1024)
          return cli_fail(FHS_EXIT_USAGE, "encrypt: --bins: expected 1..1024, got %s", optarg);
        break;
      case 'h': fputs(USAGE, stdout); return FHS_EXIT_OK;
      default: return cli_fail(FHS_EXIT_USAGE, "encrypt: unknown or incomplete option %s (see --help)", cli_bad_option(argc, argv));
    }
  }
  if (optind + 1 != argc) return cli_fail(FHS_EXIT_USAGE, "encrypt: expected exactly one INPUT file (see --help)");
  if (!keys_dir || !out) return cli_fail(FHS_EXIT_USAGE, "encrypt: --keys KEYDIR and --out DATA.fhe are required");
  if (eo.schema && eo.schema_out) return cli_fail(FHS_EXIT_USAGE, "encrypt: --schema and --schema-out exclude each other");
  if (eo.schema && (eo.unsafe_exact_schema || disc_eps > 0))
    return cli_fail(FHS_EXIT_USAGE, "encrypt: --schema excludes --unsafe-exact-schema and --discovery-epsilon");
  if (eo.unsafe_exact_schema && disc_eps > 0)
    return cli_fail(FHS_EXIT_USAGE, "encrypt: --unsafe-exact-schema excludes --discovery-epsilon");
  if (disc_eps > 0 && fhs_rho_from_epsilon(disc_eps, 9e-7, &eo.discovery_rho) != FHS_OK) return cli_fail_status(FHS_ERR_INVALID);
  cli_apply_common(&common);
  eo.bins = (size_t)bins;
  cli_progress prog;
  cli_progress_init(&prog, "encrypt", &common);
  eo.progress = cli_progress_cb;
  eo.progress_user = &prog;
  if (!common.quiet) eo.note = cli_progress_note;
  fhs_keys *keys = NULL;
  fhs_dataset *ds = NULL;
  fhs_status s = fhs_keys_open(keys_dir, pass, &keys);
  if (s == FHS_OK) s = fhs_dataset_encrypt(argv[optind], keys, out, &eo, &ds);
  cli_progress_done(&prog);
  if (s == FHS_OK && !common.quiet)
    fprintf(stderr, "encrypt: %s -> %s (%zu columns, %llu rows rounded up to a block)\n", argv[optind], out,
            fhs_dataset_columns(ds), (unsigned long long)fhs_dataset_rows_padded(ds));
  fhs_dataset_free(ds);
  fhs_keys_free(keys);
  return s == FHS_OK ? FHS_EXIT_OK : cli_fail_status(s);
}
