/* fhesynth evaluate --real REAL --synthetic SYNTH [--holdout HOLD] [--schema SCHEMA.json]
 *                   [--target COLUMN] [--stats STATS.json] [--report REPORT.html]
 *                   [--json METRICS.json] [--seed S] [--bins B] [--attacks N] */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const char USAGE[] =
    "usage: fhesynth evaluate --real REAL --synthetic SYNTH [--holdout HOLD]\n"
    "                         [--schema SCHEMA.json] [--target COLUMN] [--stats STATS.json]\n"
    "                         [--report REPORT.html] [--json METRICS.json] [--seed S] [--bins B]\n"
    "                         [--attacks N] [--quiet] [--threads N]\n"
    "  Scores synthetic data against the real rows it was learnt from (CSV or Parquet):\n"
    "  fidelity (TVD, KS, correlations), utility (XGBoost and logistic regression trained on\n"
    "  synthetic vs real rows, tested on the holdout) and privacy (exact matches, distance to\n"
    "  closest record, membership inference, Anonymeter risks against the holdout). Without\n"
    "  --holdout, utility and the holdout-based privacy metrics are not available. Without\n"
    "  --schema, one is inferred from the real data (--bins, default 16). --target defaults to\n"
    "  the last categorical column; --stats reads the privacy budget spent from STATS.json or a\n"
    "  run manifest. Prints a summary on stdout, also with --quiet (which silences only what goes\n"
    "  to stderr); docs/metrics.md explains every number.\n";

static int parse_size(const char *opt, const char *s, size_t *out) {
  uint64_t v;
  if (cli_parse_u64(s, &v) != 0 || v == 0 || v > (uint64_t)1 << 40)
    return cli_fail(FHS_EXIT_USAGE, "evaluate: %s: expected a positive number, got %s", opt, s);
  *out = (size_t)v;
  return 0;
}

int cmd_evaluate(int argc, char **argv) {
  static const struct option opts[] = {
      {"real", required_argument, 0, 'r'},    {"synthetic", required_argument, 0, 'S'},
      {"holdout", required_argument, 0, 'H'}, {"schema", required_argument, 0, 's'},
      {"target", required_argument, 0, 'T'},  {"stats", required_argument, 0, 'j'},
      {"report", required_argument, 0, 'R'},  {"json", required_argument, 0, 'J'},
      {"seed", required_argument, 0, 'e'},    {"bins", required_argument, 0, 'b'},
      {"attacks", required_argument, 0, 'a'}, CLI_COMMON_OPTIONS,
      {0, 0, 0, 0}};
  const char *real = NULL, *synthetic = NULL;
  fhs_evaluate_options o;
  fhs_evaluate_options_init(&o);
  cli_common common = {false, 0};
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    int k = cli_common_option(c, optarg, &common, "evaluate");
    if (k < 0) return FHS_EXIT_USAGE;
    if (k) continue;
    switch (c) {
      case 'r': real = optarg; break;
      case 'S': synthetic = optarg; break;
      case 'H': o.holdout = optarg; break;
      case 's': o.schema = optarg; break;
      case 'T': o.target = optarg; break;
      case 'j': o.stats = optarg; break;
      case 'R': o.report = optarg; break;
      case 'J': o.metrics_json = optarg; break;
      case 'e':
        if (cli_parse_u64(optarg, &o.seed) != 0)
          return cli_fail(FHS_EXIT_USAGE, "evaluate: --seed: expected a number, got %s", optarg);
        break;
      case 'b':
        if (parse_size("--bins", optarg, &o.bins)) return FHS_EXIT_USAGE;
        break;
      case 'a':
        if (parse_size("--attacks", optarg, &o.attacks)) return FHS_EXIT_USAGE;
        break;
      case 'h': fputs(USAGE, stdout); return FHS_EXIT_OK;
      default:
        return cli_fail(FHS_EXIT_USAGE, "evaluate: unknown or incomplete option %s (see fhesynth evaluate --help)",
                        cli_bad_option(argc, argv));
    }
  }
  if (optind != argc) return cli_fail(FHS_EXIT_USAGE, "evaluate: unexpected argument \"%s\" (see --help)", argv[optind]);
  if (!real || !synthetic) return cli_fail(FHS_EXIT_USAGE, "evaluate: --real and --synthetic are required");
  cli_apply_common(&common);
  char *summary = NULL;
  /* --quiet silences progress and notes on stderr, never the results: the summary is the
   * command's output and always goes to stdout */
  fhs_status s = fhs_evaluate(real, synthetic, &o, &summary);
  if (s != FHS_OK) return cli_fail_status(s);
  if (summary) fputs(summary, stdout);
  fhs_free(summary);
  return FHS_EXIT_OK;
}
