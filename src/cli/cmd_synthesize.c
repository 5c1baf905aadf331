/* fhesynth synthesize STATS.json --schema SCHEMA.json --rows N --out SYNTH.(csv|parquet|jsonl)
 *                     [--model M] [--seed S] */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "manifest.h"
#include "synth.h"
#include "writers.h"

static const char USAGE[] =
    "usage: fhesynth synthesize STATS.json --schema SCHEMA.json --rows N --out SYNTH.(csv|parquet|jsonl)\n"
    "                           [--model mst|independent|copula|neural] [--seed S]\n"
    "  Fits the model to the noisy marginals in STATS.json (never to real rows) and samples N rows.\n"
    "  The same --seed gives the same file byte for byte; without it a random seed is drawn and\n"
    "  recorded in SYNTH.manifest.json, written beside the output.\n";

int cli_output_format_ok(const char *path) {
  const char *dot = strrchr(path, '.');
  if (!dot) return 0;
  return !strcasecmp(dot, ".csv") || !strcasecmp(dot, ".parquet") || !strcasecmp(dot, ".jsonl") ||
         !strcasecmp(dot, ".ndjson");
}

int cli_synthesize(const char *stats_path, const char *schema_path, uint64_t rows, const char *model, uint64_t seed,
                   const char *out, const cli_manifest_extra *extra, fhs_error *err) {
  fhs_schema schema;
  fhs_marginal_set stats;
  memset(&stats, 0, sizeof stats);
  if (fhs_schema_read(schema_path, &schema, err) != 0) return -1;
  int rc = fhs_stats_json_read(stats_path, &schema, &stats, err);
  fhs_table table;
  memset(&table, 0, sizeof table);
  if (rc == 0) rc = fhs_synthesize(&stats, &schema, model, rows, seed, &table, err);
  if (rc == 0) rc = fhs_table_write(&table, out, err);
  if (rc == 0) {
    cli_manifest m = {extra ? "run" : "synthesize", model ? model : "mst", seed, rows, stats.exact, stats.epsilon, stats.delta, stats.rho,
                      stats_path, schema_path, out, extra};
    rc = cli_manifest_write(&m, err);
    if (rc != 0) remove(out); /* an output without its manifest can't be audited */
  }
  fhs_table_free(&table);
  fhs_marginal_set_free(&stats);
  fhs_schema_free(&schema);
  return rc;
}

int cmd_synthesize(int argc, char **argv) {
  static const struct option opts[] = {{"schema", required_argument, 0, 's'}, {"rows", required_argument, 0, 'r'},
                                       {"out", required_argument, 0, 'o'},    {"model", required_argument, 0, 'm'},
                                       {"seed", required_argument, 0, 'S'},   {"quiet", no_argument, 0, 'q'},
                                       {"threads", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *schema = NULL, *out = NULL, *model = NULL;
  uint64_t rows = 0, seed = 0, threads = 0;
  int have_rows = 0, have_seed = 0, c;
  cli_common common = {false, 0};
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
      case 's': schema = optarg; break;
      case 'o': out = optarg; break;
      case 'm': model = optarg; break;
      case 'r':
        if (cli_parse_u64("--rows", optarg, &rows) != 0 || rows == 0 || rows > (1ULL << 32))
          return cli_fail(FHS_EXIT_USAGE, "synthesize: --rows must be a positive number up to 2^32 (got %s)", optarg);
        have_rows = 1;
        break;
      case 'S':
        if (cli_parse_u64("--seed", optarg, &seed) != 0)
          return cli_fail(FHS_EXIT_USAGE, "synthesize: --seed must be a non-negative integer (got %s)", optarg);
        have_seed = 1;
        break;
      case 'q': common.quiet = true; break;
      case 't':
        if (cli_parse_u64("--threads", optarg, &threads) != 0 || threads == 0 || threads > 1024)
          return cli_fail(FHS_EXIT_USAGE, "synthesize: --threads: expected a positive number, got %s", optarg);
        common.threads = (int)threads;
        break;
      case 'h': fputs(USAGE, stdout); return FHS_EXIT_OK;
      default: return cli_fail(FHS_EXIT_USAGE, "synthesize: unknown or incomplete option (see fhesynth synthesize --help)");
    }
  }
  if (optind + 1 != argc) return cli_fail(FHS_EXIT_USAGE, "synthesize: expected exactly one STATS.json (see --help)");
  if (!schema || !out || !have_rows) return cli_fail(FHS_EXIT_USAGE, "synthesize: --schema, --rows and --out are required");
  if (!cli_output_format_ok(out))
    return cli_fail(FHS_EXIT_USAGE, "synthesize: %s: unknown output format (use .csv, .parquet or .jsonl)", out);
  cli_apply_common(&common);
  if (!have_seed) randombytes_buf(&seed, sizeof seed);
  fhs_error err = {{0}};
  double t0 = cli_now();
  if (cli_synthesize(argv[optind], schema, rows, model, seed, out, NULL, &err) != 0) return cli_fail_err(&err);
  if (!common.quiet)
    fprintf(stderr, "synthesize: %llu rows (model %s, seed %llu) -> %s (%.1f s)\n", (unsigned long long)rows,
            model ? model : "mst", (unsigned long long)seed, out, cli_now() - t0);
  return FHS_EXIT_OK;
}
