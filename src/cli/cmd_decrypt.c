/* fhesynth decrypt STATS.fhe --keys KEYDIR --schema SCHEMA.json --out STATS.json
 *                  (--epsilon E [--delta D] | --privacy high|medium|low | --no-dp) [--verify INPUT] */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const char USAGE[] =
    "usage: fhesynth decrypt STATS.fhe --keys KEYDIR --schema SCHEMA.json --out STATS.json\n"
    "                        (--epsilon E [--delta D] | --privacy high|medium|low | --no-dp)\n"
    "                        [--model mst|independent|all2way|...] [--budget EPS] [--passphrase-file FILE]\n"
    "                        [--verify INPUT] [--ledger PATH]\n"
    "  Owner side: decrypts the aggregates, then releases the marginals the model needs with\n"
    "  discrete Gaussian noise for (epsilon, delta)-DP (presets: high 0.3, medium 1, low 4; delta\n"
    "  defaults to 1e-6 and may not exceed 1/(padded rows)). Every release is charged to the\n"
    "  dataset's privacy ledger (default: in ~/.local/share/fhesynth/ledgers, see fhesynth budget),\n"
    "  which refuses one that would take the total past its cap (--budget, default epsilon 10 at\n"
    "  delta 1e-6, fixed when the ledger is created). --no-dp writes every table exactly, for the\n"
    "  owner's own analysis only; it is recorded, and the ledger then refuses DP releases until\n"
    "  it is reset. STATS.json reports the whole release, the schema's DP discovery included.\n"
    "  The server's result is checked first (every count in [0, padded rows], sub-marginals that\n"
    "  add up); --verify INPUT also recounts every cell from the CSV or Parquet file the data was\n"
    "  encrypted from. A result that fails a check is refused: nothing released, nothing charged.\n";

int cmd_decrypt(int argc, char **argv) {
  static const struct option opts[] = {
      {"keys", required_argument, 0, 'k'},    {"schema", required_argument, 0, 's'}, {"out", required_argument, 0, 'o'},
      {"epsilon", required_argument, 0, 'e'}, {"delta", required_argument, 0, 'd'},  {"privacy", required_argument, 0, 'P'},
      {"no-dp", no_argument, 0, 'n'},         {"model", required_argument, 0, 'm'},  {"budget", required_argument, 0, 'B'},
      {"passphrase-file", required_argument, 0, 'p'}, {"verify", required_argument, 0, 'V'},
      {"ledger", required_argument, 0, 'L'},
      CLI_COMMON_OPTIONS,                     {0, 0, 0, 0}};
  const char *keys_dir = NULL, *schema = NULL, *out = NULL, *pass = NULL;
  int have_eps = 0, have_delta = 0, c;
  fhs_decrypt_options d;
  fhs_decrypt_options_init(&d);
  cli_common common = {false, 0};
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    int k = cli_common_option(c, optarg, &common, "decrypt");
    if (k < 0) return FHS_EXIT_USAGE;
    if (k) continue;
    switch (c) {
      case 'k': keys_dir = optarg; break;
      case 's': schema = optarg; break;
      case 'o': out = optarg; break;
      case 'm': d.model = optarg; break;
      case 'p': pass = optarg; break;
      case 'V': d.verify_input = optarg; break;
      case 'L': d.ledger = optarg; break;
      case 'n': d.no_dp = 1; break;
      case 'e':
      case 'P':
        if (have_eps) return cli_fail(FHS_EXIT_USAGE, "decrypt: give one of --epsilon and --privacy");
        if (c == 'P' && cli_parse_privacy(optarg, &d.epsilon) != 0)
          return cli_fail(FHS_EXIT_USAGE, "decrypt: --privacy: expected high, medium or low (got %s)", optarg);
        if (c == 'e' && (cli_parse_double(optarg, &d.epsilon) != 0 || !(d.epsilon >= FHS_EPSILON_MIN && d.epsilon <= FHS_EPSILON_MAX)))
          return cli_fail(FHS_EXIT_USAGE,
                          "decrypt: --epsilon: expected a number in [%g, %g], the range where the zCDP conversion is "
                          "tight (got %s)", FHS_EPSILON_MIN, FHS_EPSILON_MAX, optarg);
        have_eps = 1;
        break;
      case 'd':
        if (cli_parse_double(optarg, &d.delta) != 0 || !(d.delta > 0 && d.delta < 1))
          return cli_fail(FHS_EXIT_USAGE, "decrypt: --delta must be in (0, 1), and at most 1/(padded rows) (got %s)", optarg);
        have_delta = 1;
        break;
      case 'B':
        if (cli_parse_double(optarg, &d.budget) != 0 || !(d.budget > 0))
          return cli_fail(FHS_EXIT_USAGE, "decrypt: --budget must be a positive epsilon (got %s)", optarg);
        break;
      case 'h': fputs(USAGE, stdout); return FHS_EXIT_OK;
      default: return cli_fail(FHS_EXIT_USAGE, "decrypt: unknown or incomplete option %s (see --help)", cli_bad_option(argc, argv));
    }
  }
  if (optind + 1 != argc) return cli_fail(FHS_EXIT_USAGE, "decrypt: expected exactly one STATS.fhe (see --help)");
  if (!keys_dir || !schema || !out) return cli_fail(FHS_EXIT_USAGE, "decrypt: --keys, --schema and --out are required");
  if (d.no_dp && (have_eps || have_delta))
    return cli_fail(FHS_EXIT_USAGE, "decrypt: --no-dp excludes --epsilon, --privacy and --delta");
  if (!d.no_dp && !have_eps)
    return cli_fail(FHS_EXIT_USAGE, "decrypt: choose the privacy: --epsilon E (or --privacy high|medium|low), or --no-dp");
  cli_apply_common(&common);
  fhs_keys *keys = NULL;
  fhs_encrypted_stats *es = NULL;
  fhs_noisy_stats *ns = NULL;
  fhs_status s = fhs_keys_open(keys_dir, pass, &keys);
  if (s == FHS_OK) s = fhs_encrypted_stats_open(argv[optind], &es);
  if (s == FHS_OK) s = fhs_encrypted_stats_decrypt(es, keys, schema, out, &d, &ns);
  if (s == FHS_OK && !common.quiet) {
    if (d.verify_input) fprintf(stderr, "decrypt: every count matches %s\n", d.verify_input);
    if (d.no_dp) fprintf(stderr, "decrypt: %zu exact marginals -> %s\n", fhs_noisy_stats_marginals(ns), out);
    else fprintf(stderr, "decrypt: %zu marginals released at epsilon %g -> %s\n", fhs_noisy_stats_marginals(ns),
                 fhs_noisy_stats_epsilon(ns), out);
  }
  fhs_noisy_stats_free(ns);
  fhs_encrypted_stats_free(es);
  fhs_keys_free(keys);
  return s == FHS_OK ? FHS_EXIT_OK : cli_fail_status(s);
}
