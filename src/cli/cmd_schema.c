/* fhesynth schema --out SCHEMA.json (--columns SPEC | --domain FILE | INPUT --dp [--epsilon E]
 *                 [--delta D] | INPUT --unsafe-exact) [--bins K] [--max-categories M]
 *                 [--ledger PATH]
 * Writes a schema: public (a column list or a Private-PGM domain file, the best choice: it
 * costs no budget and leaks nothing), learnt with DP (charged to the dataset's ledger), or
 * learnt exactly (not DP: warns). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const char USAGE[] =
    "usage: fhesynth schema --out SCHEMA.json --columns SPEC\n"
    "       fhesynth schema --out SCHEMA.json --domain DOMAIN.json\n"
    "       fhesynth schema INPUT --out SCHEMA.json --dp [--epsilon E] [--delta D] [--ledger PATH]\n"
    "       fhesynth schema INPUT --out SCHEMA.json --unsafe-exact\n"
    "                       [--bins K] [--max-categories M]\n"
    "  A public schema (--columns, --domain) is the best choice: what you know without looking at\n"
    "  the rows costs no privacy budget. SPEC is COL;COL;... with COL one of\n"
    "    NAME:numeric:LO:HI:K         K equal-width bins over [LO, HI]\n"
    "    NAME:numeric:E0,E1,...       explicit edges\n"
    "    NAME:datetime:LO:HI:K  or  NAME:datetime:E0,E1,...   (dates YYYY-MM-DD)\n"
    "    NAME:categorical:A|B|C       labels, in this order\n"
    "  followed by optional flags :missing (an empty field is a value), :strict (refuse values\n"
    "  outside the edges instead of clamping them), :other=LABEL (unknown labels encode as LABEL).\n"
    "  e.g. --columns 'age:numeric:0:100:10;sex:categorical:Female|Male;workclass:categorical:Private|Other:missing'\n"
    "  --domain reads a Private-PGM domain file {\"col\": d, ...}: integer codes 0..d-1, one bin each.\n"
    "  --dp learns the domain from INPUT with differential privacy, charged to the dataset's ledger\n"
    "  first (default epsilon 0.1, delta 1e-6): labels kept only above a noisy threshold, numeric\n"
    "  edges from DP quantiles over round candidates, values clamped.\n"
    "  --unsafe-exact takes exact bounds and every label from INPUT: not DP, recorded as an exact\n"
    "  release (the ledger then refuses DP releases until fhesynth budget --reset).\n";

typedef struct {
  const char *out;
  fhs_schema_options o;
} schema_args;

static int parse_count_opt(const char *name, const char *arg, size_t *v, uint64_t max) {
  uint64_t u;
  if (cli_parse_u64(arg, &u) != 0 || u < 1 || u > max)
    return cli_fail(FHS_EXIT_USAGE, "schema: %s: expected 1..%llu, got %s", name, (unsigned long long)max, arg);
  *v = (size_t)u;
  return 0;
}

/* 0 parsed, 1 --help printed, else an exit code (negated). */
static int parse_args(int argc, char **argv, schema_args *a, cli_common *common) {
  static const struct option opts[] = {
      {"out", required_argument, 0, 'o'},    {"columns", required_argument, 0, 'c'},
      {"domain", required_argument, 0, 'D'}, {"dp", no_argument, 0, 'p'},
      {"unsafe-exact", no_argument, 0, 'x'}, {"epsilon", required_argument, 0, 'e'},
      {"delta", required_argument, 0, 'd'},  {"bins", required_argument, 0, 'b'},
      {"max-categories", required_argument, 0, 'm'}, {"ledger", required_argument, 0, 'l'},
      CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    int k = cli_common_option(c, optarg, common, "schema");
    if (k < 0) return -FHS_EXIT_USAGE;
    if (k) continue;
    int bad = 0;
    switch (c) {
      case 'o': a->out = optarg; break;
      case 'c': a->o.columns = optarg; break;
      case 'D': a->o.domain = optarg; break;
      case 'p': a->o.dp = 1; break;
      case 'x': a->o.unsafe_exact = 1; break;
      case 'e':
        if (cli_parse_double(optarg, &a->o.epsilon) != 0 ||
            !(a->o.epsilon >= FHS_EPSILON_MIN && a->o.epsilon <= FHS_EPSILON_MAX))
          bad = cli_fail(FHS_EXIT_USAGE, "schema: --epsilon: expected a number in [%g, %g] (got %s)", FHS_EPSILON_MIN,
                         FHS_EPSILON_MAX, optarg);
        break;
      case 'd':
        if (cli_parse_double(optarg, &a->o.delta) != 0 || !(a->o.delta > 0 && a->o.delta < 0.01))
          bad = cli_fail(FHS_EXIT_USAGE, "schema: --delta: expected a number in (0, 0.01) (got %s)", optarg);
        break;
      case 'b': bad = parse_count_opt("--bins", optarg, &a->o.bins, 1024); break;
      case 'm': bad = parse_count_opt("--max-categories", optarg, &a->o.max_categories, 65533); break;
      case 'l': a->o.ledger = optarg; break;
      case 'h': fputs(USAGE, stdout); return 1;
      default:
        return -cli_fail(FHS_EXIT_USAGE, "schema: unknown or incomplete option %s (see --help)", cli_bad_option(argc, argv));
    }
    if (bad) return -FHS_EXIT_USAGE;
  }
  if (optind + 1 < argc) return -cli_fail(FHS_EXIT_USAGE, "schema: at most one INPUT file (see --help)");
  if (optind < argc) a->o.input = argv[optind];
  if (!a->out) return -cli_fail(FHS_EXIT_USAGE, "schema: --out SCHEMA.json is required");
  if (!a->o.dp && (a->o.epsilon > 0 || a->o.delta > 0))
    return -cli_fail(FHS_EXIT_USAGE, "schema: --epsilon and --delta go with --dp");
  return 0;
}

int cmd_schema(int argc, char **argv) {
  schema_args a = {0};
  fhs_schema_options_init(&a.o);
  cli_common common = {false, 0};
  int rc = parse_args(argc, argv, &a, &common);
  if (rc == 1) return FHS_EXIT_OK;
  if (rc < 0) return -rc;
  cli_apply_common(&common);
  fhs_status s = fhs_schema_make(a.out, &a.o);
  if (s != FHS_OK) return cli_fail_status(s);
  if (!common.quiet) {
    const char *how = a.o.columns || a.o.domain ? "public" : a.o.dp ? "learnt with DP" : "exact, NOT DP";
    fprintf(stderr, "schema: wrote %s (%s)\n", a.out, how);
  }
  return FHS_EXIT_OK;
}
