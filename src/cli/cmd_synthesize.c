/* fhesynth synthesize STATS.json --schema SCHEMA.json [--rows N] --out SYNTH.(csv|parquet|jsonl)
 *                     [--model M] [--seed S] */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const char USAGE[] =
    "usage: fhesynth synthesize STATS.json --schema SCHEMA.json --out SYNTH.(csv|parquet|jsonl) [--rows N]\n"
    "                           [--model mst|independent|copula|neural|...] [--seed S]\n"
    "  Fits the model to the noisy marginals in STATS.json (never to real rows) and samples N rows\n"
    "  (default: the noisy row count in STATS.json; the exact count is never released).\n"
    "  The same --seed gives the same file byte for byte; without it a random seed is drawn and\n"
    "  recorded in SYNTH.manifest.json, written beside the output.\n"
    "  STATS.json records the release plan (decrypt --model). mst, copula and neural need 2-way\n"
    "  marginals and are refused on statistics released for independent (exit 2); any other\n"
    "  mismatch (or no 2-way at all) runs, with a note on stderr saying what the model does.\n";

int cmd_synthesize(int argc, char **argv) {
  static const struct option opts[] = {{"schema", required_argument, 0, 's'}, {"rows", required_argument, 0, 'r'},
                                       {"out", required_argument, 0, 'o'},    {"model", required_argument, 0, 'm'},
                                       {"seed", required_argument, 0, 'S'},   CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
  const char *schema = NULL, *out = NULL, *model = NULL;
  uint64_t rows = 0, seed = 0;
  int have_rows = 0, have_seed = 0, c;
  cli_common common = {false, 0};
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    int k = cli_common_option(c, optarg, &common, "synthesize");
    if (k < 0) return FHS_EXIT_USAGE;
    if (k) continue;
    switch (c) {
      case 's': schema = optarg; break;
      case 'o': out = optarg; break;
      case 'm': model = optarg; break;
      case 'r':
        if (cli_parse_u64(optarg, &rows) != 0 || rows == 0 || rows > (1ULL << 32))
          return cli_fail(FHS_EXIT_USAGE, "synthesize: --rows must be a positive number up to 2^32 (got %s)", optarg);
        have_rows = 1;
        break;
      case 'S':
        if (cli_parse_u64(optarg, &seed) != 0)
          return cli_fail(FHS_EXIT_USAGE, "synthesize: --seed must be a non-negative integer (got %s)", optarg);
        have_seed = 1;
        break;
      case 'h': fputs(USAGE, stdout); return FHS_EXIT_OK;
      default: return cli_fail(FHS_EXIT_USAGE, "synthesize: unknown or incomplete option %s (see --help)", cli_bad_option(argc, argv));
    }
  }
  if (optind + 1 != argc) return cli_fail(FHS_EXIT_USAGE, "synthesize: expected exactly one STATS.json (see --help)");
  if (!schema || !out) return cli_fail(FHS_EXIT_USAGE, "synthesize: --schema and --out are required");
  cli_apply_common(&common);
  if (!have_seed) seed = fhs_seed_random();
  fhs_noisy_stats *ns = NULL;
  fhs_synthesizer *m = NULL;
  double t0 = cli_now();
  fhs_status s = fhs_noisy_stats_open(argv[optind], schema, &ns);
  if (s == FHS_OK) s = fhs_synthesizer_fit(ns, model, &m);
  /* a model on statistics released for another plan: say what it does (not progress chatter,
   * but --quiet asks for silence on success) */
  if (s == FHS_OK && fhs_synthesizer_note(m) && !common.quiet) fprintf(stderr, "synthesize: note: %s\n", fhs_synthesizer_note(m));
  if (s == FHS_OK && !have_rows) rows = fhs_noisy_stats_rows(ns) ? fhs_noisy_stats_rows(ns) : 1;
  if (s == FHS_OK) s = fhs_synthesizer_sample(m, rows, seed, out);
  if (s == FHS_OK && !common.quiet)
    fprintf(stderr, "synthesize: %llu rows (model %s, seed %llu) -> %s (%.1f s)\n", (unsigned long long)rows,
            fhs_synthesizer_model(m), (unsigned long long)seed, out, cli_now() - t0);
  fhs_synthesizer_free(m);
  fhs_noisy_stats_free(ns);
  return s == FHS_OK ? FHS_EXIT_OK : cli_fail_status(s);
}
