/* fhesynth fit DATA.fhe --eval-key eval.key --out STATS.fhe [--ways 1|2|3] [--marginals SPEC] */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const char USAGE[] =
    "usage: fhesynth fit DATA.fhe --eval-key eval.key --out STATS.fhe [--ways 1|2|3]\n"
    "                    [--marginals \"0,1;2,3,4\"] [--memory MIB] [--max-minutes M | --force]\n"
    "  Server side: computes marginal counts on the ciphertexts (default: all 1- and 2-way) and\n"
    "  packs them into a small STATS.fhe. --marginals takes column numbers (the server never sees\n"
    "  names); sub-marginals and all 1-way counts are always included. Refuses any secret key.\n"
    "  The work is estimated first from DATA.fhe's header (counts x blocks; printed when it is\n"
    "  over 30 s); a fit\n"
    "  estimated above --max-minutes (default 60) is refused unless --force.\n";

/* The syntax of --marginals, checked before any file is opened: groups of 1 to 3 distinct
 * column numbers separated by ';', numbers by ','. Whether each column exists is judged from
 * DATA.fhe's header by the library (also a usage error, exit 2). */
static int marginals_syntax(const char *spec) {
  const char *p = spec;
  if (!*p) return cli_fail(FHS_EXIT_USAGE, "fit: --marginals: no marginal given (expected e.g. \"0,1;2,3,4\")");
  while (*p) {
    unsigned long cols[4];
    int n = 0;
    for (;;) {
      if (*p < '0' || *p > '9')
        return cli_fail(FHS_EXIT_USAGE, "fit: --marginals: expected a column number near \"%.20s\" (e.g. \"0,1;2,3,4\")", p);
      unsigned long v = 0;
      for (; *p >= '0' && *p <= '9'; p++) v = v > 100000000UL ? v : v * 10 + (unsigned long)(*p - '0');
      if (n == 3) return cli_fail(FHS_EXIT_USAGE, "fit: --marginals: a marginal has at most 3 columns (got more in \"%s\")", spec);
      for (int i = 0; i < n; i++)
        if (cols[i] == v) return cli_fail(FHS_EXIT_USAGE, "fit: --marginals: column %lu appears twice in one marginal", v);
      cols[n++] = v;
      if (*p != ',') break;
      p++;
    }
    if (*p && *p != ';') return cli_fail(FHS_EXIT_USAGE, "fit: --marginals: unexpected \"%c\" in \"%s\"", *p, spec);
    if (*p == ';') p++;
  }
  return 0;
}

int cmd_fit(int argc, char **argv) {
  static const struct option opts[] = {{"eval-key", required_argument, 0, 'e'}, {"out", required_argument, 0, 'o'},
                                       {"ways", required_argument, 0, 'w'},     {"marginals", required_argument, 0, 'm'},
                                       {"memory", required_argument, 0, 'M'},   {"max-minutes", required_argument, 0, 'X'},
                                       {"force", no_argument, 0, 'F'},          CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
  const char *ek_path = NULL, *out = NULL;
  uint64_t ways = 2, memory = 1024;
  int ways_given = 0, c;
  fhs_fit_options fo;
  fhs_fit_options_init(&fo);
  cli_common common = {false, 0};
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    int k = cli_common_option(c, optarg, &common, "fit");
    if (k < 0) return FHS_EXIT_USAGE;
    if (k) continue;
    switch (c) {
      case 'e': ek_path = optarg; break;
      case 'o': out = optarg; break;
      case 'm': fo.marginals = optarg; break;
      case 'w':
        if (cli_parse_u64(optarg, &ways) != 0 || ways < 1 || ways > 3)
          return cli_fail(FHS_EXIT_USAGE, "fit: --ways must be 1, 2 or 3 (got %s)", optarg);
        ways_given = 1;
        break;
      case 'M':
        if (cli_parse_u64(optarg, &memory) != 0 || memory < 64)
          return cli_fail(FHS_EXIT_USAGE, "fit: --memory: expected MiB >= 64, got %s", optarg);
        break;
      case 'X':
        if (cli_parse_double(optarg, &fo.max_minutes) != 0 || !(fo.max_minutes > 0) || fo.max_minutes > 1e6)
          return cli_fail(FHS_EXIT_USAGE, "fit: --max-minutes: expected minutes in (0, 1e6], got %s", optarg);
        break;
      case 'F': fo.force = 1; break;
      case 'h': fputs(USAGE, stdout); return FHS_EXIT_OK;
      default: return cli_fail(FHS_EXIT_USAGE, "fit: unknown or incomplete option %s (see --help)", cli_bad_option(argc, argv));
    }
  }
  if (optind + 1 != argc) return cli_fail(FHS_EXIT_USAGE, "fit: expected exactly one DATA.fhe (see --help)");
  if (!ek_path || !out) return cli_fail(FHS_EXIT_USAGE, "fit: --eval-key and --out are required");
  if (fo.marginals && ways_given) return cli_fail(FHS_EXIT_USAGE, "fit: --ways and --marginals exclude each other");
  if (fo.marginals && marginals_syntax(fo.marginals) != 0) return FHS_EXIT_USAGE;
  cli_apply_common(&common);
  fo.ways = (int)ways;
  fo.memory_mib = (size_t)memory;
  cli_progress prog;
  cli_progress_init(&prog, "fit", &common);
  fo.progress = cli_progress_cb;
  fo.progress_user = &prog;
  fhs_keys *ek = NULL;
  fhs_dataset *ds = NULL;
  fhs_encrypted_stats *es = NULL;
  double t0 = cli_now();
  fhs_status s = fhs_keys_open_eval(ek_path, &ek);
  if (s == FHS_OK) s = fhs_dataset_open(argv[optind], &ds);
  uint64_t counts = 0;
  double est = 0;
  if (s == FHS_OK) s = fhs_dataset_fit_estimate(ds, &fo, &counts, &est);
  /* only a long job gets the line: a short one's stderr stays the error alone when it fails */
  if (s == FHS_OK && !common.quiet && est >= 30)
    fprintf(stderr, "fit: %llu counts on ciphertexts, estimated %.0f min on 2 cores\n", (unsigned long long)counts,
            est / 60);
  if (s == FHS_OK) s = fhs_dataset_fit(ds, ek, out, &fo, &es);
  cli_progress_done(&prog);
  if (s == FHS_OK && !common.quiet)
    fprintf(stderr, "fit: %zu marginals -> %s (%.1f s)\n", fhs_encrypted_stats_marginals(es), out, cli_now() - t0);
  fhs_encrypted_stats_free(es);
  fhs_dataset_free(ds);
  fhs_keys_free(ek);
  return s == FHS_OK ? FHS_EXIT_OK : cli_fail_status(s);
}
