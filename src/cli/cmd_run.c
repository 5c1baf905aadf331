/* fhesynth run INPUT --out SYNTH.(csv|parquet|jsonl): the whole pipeline on one machine. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const char USAGE[] =
    "usage: fhesynth run INPUT.(csv|parquet) --out SYNTH.(csv|parquet|jsonl) [--rows N]\n"
    "                    [--epsilon E | --privacy high|medium|low] [--delta D] [--model M] [--seed S]\n"
    "                    [--workdir DIR] [--ring 8192|16384] [--bins K] [--report REPORT.html]\n"
    "                    [--holdout-fraction F] [--schema PUBLIC.json | --unsafe-exact-schema]\n"
    "                    [--no-refine] [--ledger PATH] [--max-minutes M | --force]\n"
    "  keygen, encrypt, fit (on ciphertexts), decrypt (with DP: epsilon 1, delta 1e-6 by default)\n"
    "  and synthesize, with a line per stage. The domain comes from --schema (public knowledge:\n"
    "  the best choice) or is learnt with DP from 10%% of the budget; with --schema, 5%% of the\n"
    "  budget learns where values sit inside the bins (within-bin weights, DP), unless --no-refine.\n"
    "  The server's result is\n"
    "  recounted from INPUT before anything is released. Every release is charged to the dataset's\n"
    "  ledger (default: ~/.local/share/fhesynth/ledgers/, see fhesynth budget). Intermediate files\n"
    "  (keys/, DATA.fhe, STATS.fhe, STATS.json, SCHEMA.json) go to --workdir (default: OUT.work/).\n"
    "  --rows defaults to the noisy row count. A manifest is written beside the output. With --report, a random\n"
    "  --holdout-fraction (default 0.2) of the input is kept out of training and the synthetic\n"
    "  data is scored against it (fidelity, utility, privacy) in a self-contained HTML report.\n"
    "  Encrypting and fitting are estimated once the domain is known, before anything is spent;\n"
    "  a run estimated above --max-minutes (default 60) is refused unless --force.\n";

int cmd_run(int argc, char **argv) {
  static const struct option opts[] = {
      {"out", required_argument, 0, 'o'},     {"rows", required_argument, 0, 'r'},    {"epsilon", required_argument, 0, 'e'},
      {"privacy", required_argument, 0, 'P'}, {"delta", required_argument, 0, 'd'},   {"model", required_argument, 0, 'm'},
      {"seed", required_argument, 0, 'S'},    {"workdir", required_argument, 0, 'w'}, {"ring", required_argument, 0, 'R'},
      {"bins", required_argument, 0, 'b'},    {"report", required_argument, 0, 'T'},
      {"holdout-fraction", required_argument, 0, 'F'}, {"schema", required_argument, 0, 'C'},
      {"unsafe-exact-schema", no_argument, 0, 'U'},    {"ledger", required_argument, 0, 'L'},
      {"no-refine", no_argument, 0, 'N'},              {"max-minutes", required_argument, 0, 'X'},
      {"force", no_argument, 0, 'Z'},                  CLI_COMMON_OPTIONS,
      {0, 0, 0, 0}};
  const char *out = NULL;
  fhs_run_options o;
  fhs_run_options_init(&o);
  cli_common common = {false, 0};
  int have_eps = 0, c;
  uint64_t v;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    int k = cli_common_option(c, optarg, &common, "run");
    if (k < 0) return FHS_EXIT_USAGE;
    if (k) continue;
    switch (c) {
      case 'o': out = optarg; break;
      case 'm': o.model = optarg; break;
      case 'w': o.workdir = optarg; break;
      case 'T': o.report = optarg; break;
      case 'C': o.schema = optarg; break;
      case 'U': o.unsafe_exact_schema = 1; break;
      case 'N': o.no_refine = 1; break;
      case 'Z': o.force = 1; break;
      case 'X':
        if (cli_parse_double(optarg, &o.max_minutes) != 0 || !(o.max_minutes > 0) || o.max_minutes > 1e6)
          return cli_fail(FHS_EXIT_USAGE, "run: --max-minutes: expected minutes in (0, 1e6], got %s", optarg);
        break;
      case 'L': o.ledger = optarg; break;
      case 'F':
        if (cli_parse_double(optarg, &o.holdout_fraction) != 0 || !(o.holdout_fraction > 0 && o.holdout_fraction < 1))
          return cli_fail(FHS_EXIT_USAGE, "run: --holdout-fraction must be in (0, 1) (got %s)", optarg);
        break;
      case 'r':
        if (cli_parse_u64(optarg, &o.rows) != 0 || o.rows == 0 || o.rows > (1ULL << 32))
          return cli_fail(FHS_EXIT_USAGE, "run: --rows must be a positive number up to 2^32 (got %s)", optarg);
        break;
      case 'e':
      case 'P':
        if (have_eps) return cli_fail(FHS_EXIT_USAGE, "run: give one of --epsilon and --privacy");
        if (c == 'P' && cli_parse_privacy(optarg, &o.epsilon) != 0)
          return cli_fail(FHS_EXIT_USAGE, "run: --privacy: expected high, medium or low (got %s)", optarg);
        if (c == 'e' && (cli_parse_double(optarg, &o.epsilon) != 0 || !(o.epsilon >= FHS_EPSILON_MIN && o.epsilon <= FHS_EPSILON_MAX)))
          return cli_fail(FHS_EXIT_USAGE,
                          "run: --epsilon: expected a number in [%g, %g], the range where the zCDP conversion is "
                          "tight (got %s)", FHS_EPSILON_MIN, FHS_EPSILON_MAX, optarg);
        have_eps = 1;
        break;
      case 'd':
        if (cli_parse_double(optarg, &o.delta) != 0 || !(o.delta > 0 && o.delta < 1))
          return cli_fail(FHS_EXIT_USAGE, "run: --delta must be in (0, 1), and at most 1/(padded rows) (got %s)", optarg);
        break;
      case 'S':
        if (cli_parse_u64(optarg, &o.seed) != 0) return cli_fail(FHS_EXIT_USAGE, "run: --seed: not a number: %s", optarg);
        o.have_seed = 1;
        break;
      case 'R':
        if (cli_parse_u64(optarg, &v) != 0 || (v != 8192 && v != 16384 && v != 32768))
          return cli_fail(FHS_EXIT_USAGE, "run: --ring must be 8192, 16384 or 32768 (got %s)", optarg);
        o.ring_degree = (size_t)v;
        break;
      case 'b':
        if (cli_parse_u64(optarg, &v) != 0 || v < 1 || v > 1024)
          return cli_fail(FHS_EXIT_USAGE, "run: --bins: expected 1..1024, got %s", optarg);
        o.bins = (size_t)v;
        break;
      case 'h': fputs(USAGE, stdout); return FHS_EXIT_OK;
      default: return cli_fail(FHS_EXIT_USAGE, "run: unknown or incomplete option %s (see --help)", cli_bad_option(argc, argv));
    }
  }
  if (optind + 1 != argc) return cli_fail(FHS_EXIT_USAGE, "run: expected exactly one INPUT file (see --help)");
  if (!out) return cli_fail(FHS_EXIT_USAGE, "run: --out SYNTH.(csv|parquet|jsonl) is required");
  if (o.schema && o.unsafe_exact_schema) return cli_fail(FHS_EXIT_USAGE, "run: --schema and --unsafe-exact-schema exclude each other");
  cli_apply_common(&common);
  o.quiet = common.quiet;
  cli_progress prog;
  cli_progress_init(&prog, "keygen", &common); /* relabelled at each stage by cli_progress_stage */
  o.progress = cli_progress_cb;
  o.progress_user = &prog;
  o.stage = cli_progress_stage;
  double t0 = cli_now();
  fhs_status s = fhs_run(argv[optind], out, &o);
  cli_progress_done(&prog);
  if (s != FHS_OK) return cli_fail_status(s);
  if (!common.quiet) fprintf(stderr, "run: synthetic rows -> %s (manifest %s.manifest.json; %.1f s in all)\n", out, out, cli_now() - t0);
  return FHS_EXIT_OK;
}
