/* fhesynth fit DATA.fhe --eval-key eval.key --out STATS.fhe [--ways 1|2|3] [--marginals SPEC] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stats.h"

int cli_fit(const char *data_path, const char *ek_path, const char *out, int ways, const char *marg, size_t memory,
            const cli_common *common, fhs_error *err) {
  fhs_context *ctx = NULL;
  fhs_eval_key ek;
  if (cli_load_eval_key(ek_path, &ctx, &ek, err) != 0) return -1;
  fhs_data_reader *data = fhs_data_open(data_path, err);
  fhs_marginal_list list = {0, NULL};
  int rc = data ? 0 : -1;
  if (rc == 0) {
    uint32_t cols = fhs_data_header_of(data)->n_columns;
    rc = marg ? fhs_marginal_list_parse(marg, cols, &list, err) : fhs_marginal_list_all(cols, ways, &list, err);
  }
  cli_progress prog;
  cli_progress_init(&prog, "fit", common);
  fhs_stats_fit_options fo = {memory, cli_progress_cb, &prog};
  double t0 = cli_now();
  if (rc == 0) rc = fhs_fit(data, &ek, &list, &fo, out, err);
  cli_progress_done(&prog);
  if (rc == 0 && !common->quiet) fprintf(stderr, "fit: %zu marginals -> %s (%.1f s)\n", list.count, out, cli_now() - t0);
  fhs_marginal_list_free(&list);
  fhs_data_close(data);
  fhs_eval_key_free(&ek);
  fhs_context_free(ctx);
  return rc;
}

static const char USAGE[] =
    "usage: fhesynth fit DATA.fhe --eval-key eval.key --out STATS.fhe [--ways 1|2|3]\n"
    "                    [--marginals \"0,1;2,3,4\"] [--memory MIB]\n"
    "  Server side: computes marginal counts on the ciphertexts (default: all 1- and 2-way) and\n"
    "  packs them into a small STATS.fhe. --marginals takes column numbers (the server never sees\n"
    "  names); sub-marginals and all 1-way counts are always included. Refuses any secret key.\n";

int cmd_fit(int argc, char **argv) {
  static const struct option opts[] = {{"eval-key", required_argument, 0, 'e'}, {"out", required_argument, 0, 'o'},
                                       {"ways", required_argument, 0, 'w'},     {"marginals", required_argument, 0, 'm'},
                                       {"memory", required_argument, 0, 'M'},   {"quiet", no_argument, 0, 'q'},
                                       {"threads", required_argument, 0, 't'},  {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *ek_path = NULL, *out = NULL, *marg = NULL;
  uint64_t ways = 2, memory = 1024, threads = 0;
  int ways_given = 0, c;
  cli_common common = {false, 0};
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
      case 'e': ek_path = optarg; break;
      case 'o': out = optarg; break;
      case 'm': marg = optarg; break;
      case 'w':
        if (cli_parse_u64("--ways", optarg, &ways) != 0 || ways < 1 || ways > 3)
          return cli_fail(FHS_EXIT_USAGE, "fit: --ways must be 1, 2 or 3 (got %s)", optarg);
        ways_given = 1;
        break;
      case 'M':
        if (cli_parse_u64("--memory", optarg, &memory) != 0 || memory < 64)
          return cli_fail(FHS_EXIT_USAGE, "fit: --memory: expected MiB >= 64, got %s", optarg);
        break;
      case 'q': common.quiet = true; break;
      case 't':
        if (cli_parse_u64("--threads", optarg, &threads) != 0 || threads == 0 || threads > 1024)
          return cli_fail(FHS_EXIT_USAGE, "fit: --threads: expected a positive number, got %s", optarg);
        common.threads = (int)threads;
        break;
      case 'h': fputs(USAGE, stdout); return FHS_EXIT_OK;
      default: return cli_fail(FHS_EXIT_USAGE, "fit: unknown or incomplete option (see fhesynth fit --help)");
    }
  }
  if (optind + 1 != argc) return cli_fail(FHS_EXIT_USAGE, "fit: expected exactly one DATA.fhe (see --help)");
  if (!ek_path || !out) return cli_fail(FHS_EXIT_USAGE, "fit: --eval-key and --out are required");
  if (marg && ways_given) return cli_fail(FHS_EXIT_USAGE, "fit: --ways and --marginals exclude each other");
  cli_apply_common(&common);
  fhs_error err = {{0}};
  if (cli_fit(argv[optind], ek_path, out, (int)ways, marg, (size_t)memory, &common, &err) != 0) return cli_fail_err(&err);
  return FHS_EXIT_OK;
}
