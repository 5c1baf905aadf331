/* fhesynth run INPUT --out SYNTH.(csv|parquet|jsonl): the whole pipeline on one machine, each
 * stage as the split commands would run it, intermediate files in --workdir. */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "encode.h"

static const char USAGE[] =
    "usage: fhesynth run INPUT.(csv|parquet) --out SYNTH.(csv|parquet|jsonl) [--rows N]\n"
    "                    [--epsilon E | --privacy high|medium|low] [--delta D] [--model M] [--seed S]\n"
    "                    [--workdir DIR] [--ring 8192|16384] [--bins K] [--budget EPS]\n"
    "  keygen, encrypt, fit (on ciphertexts), decrypt (with DP: epsilon 1 by default) and synthesize,\n"
    "  with a line per stage. Intermediate files (keys/, DATA.fhe, STATS.fhe, STATS.json,\n"
    "  SCHEMA.json) go to --workdir (default: OUT.work/). Keys already in the work directory are\n"
    "  reused, so its budget ledger accumulates over runs on the same data. --rows defaults to the\n"
    "  input's row count. A manifest is written beside the output.\n";

typedef struct {
  const char *input, *out, *model, *workdir;
  double epsilon, delta, budget;
  int have_delta, have_budget, have_seed, have_epsilon;
  uint64_t rows, seed, ring, bins;
  cli_common common;
} run_args;

static int parse(int argc, char **argv, run_args *a) {
  static const struct option opts[] = {
      {"out", required_argument, 0, 'o'},     {"rows", required_argument, 0, 'r'},   {"epsilon", required_argument, 0, 'e'},
      {"privacy", required_argument, 0, 'P'}, {"delta", required_argument, 0, 'd'},  {"model", required_argument, 0, 'm'},
      {"seed", required_argument, 0, 'S'},    {"workdir", required_argument, 0, 'w'}, {"ring", required_argument, 0, 'R'},
      {"bins", required_argument, 0, 'b'},    {"budget", required_argument, 0, 'B'}, {"quiet", no_argument, 0, 'q'},
      {"threads", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
  int c;
  uint64_t threads;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
      case 'o': a->out = optarg; break;
      case 'm': a->model = optarg; break;
      case 'w': a->workdir = optarg; break;
      case 'r':
        if (cli_parse_u64("--rows", optarg, &a->rows) != 0 || a->rows == 0 || a->rows > (1ULL << 32))
          return cli_fail(FHS_EXIT_USAGE, "run: --rows must be a positive number up to 2^32 (got %s)", optarg);
        break;
      case 'e':
      case 'P':
        if (a->have_epsilon) return cli_fail(FHS_EXIT_USAGE, "run: give one of --epsilon and --privacy");
        if (c == 'e' ? (cli_parse_double("--epsilon", optarg, &a->epsilon) != 0 || !(a->epsilon > 0))
                     : cli_parse_privacy(optarg, &a->epsilon) != 0)
          return cli_fail(FHS_EXIT_USAGE, "run: %s: expected a positive epsilon or high|medium|low (got %s)",
                          c == 'e' ? "--epsilon" : "--privacy", optarg);
        a->have_epsilon = 1;
        break;
      case 'd':
        if (cli_parse_double("--delta", optarg, &a->delta) != 0 || !(a->delta > 0 && a->delta < 1))
          return cli_fail(FHS_EXIT_USAGE, "run: --delta must be in (0, 1) (got %s)", optarg);
        a->have_delta = 1;
        break;
      case 'B':
        if (cli_parse_double("--budget", optarg, &a->budget) != 0 || !(a->budget > 0))
          return cli_fail(FHS_EXIT_USAGE, "run: --budget must be a positive epsilon (got %s)", optarg);
        a->have_budget = 1;
        break;
      case 'S':
        if (cli_parse_u64("--seed", optarg, &a->seed) != 0) return cli_fail(FHS_EXIT_USAGE, "run: --seed: not a number: %s", optarg);
        a->have_seed = 1;
        break;
      case 'R':
        if (cli_parse_u64("--ring", optarg, &a->ring) != 0 || (a->ring != 8192 && a->ring != 16384 && a->ring != 32768))
          return cli_fail(FHS_EXIT_USAGE, "run: --ring must be 8192, 16384 or 32768 (got %s)", optarg);
        break;
      case 'b':
        if (cli_parse_u64("--bins", optarg, &a->bins) != 0 || a->bins < 1 || a->bins > 1024)
          return cli_fail(FHS_EXIT_USAGE, "run: --bins: expected 1..1024, got %s", optarg);
        break;
      case 'q': a->common.quiet = true; break;
      case 't':
        if (cli_parse_u64("--threads", optarg, &threads) != 0 || threads == 0 || threads > 1024)
          return cli_fail(FHS_EXIT_USAGE, "run: --threads: expected a positive number, got %s", optarg);
        a->common.threads = (int)threads;
        break;
      case 'h': fputs(USAGE, stdout); return -1;
      default: return cli_fail(FHS_EXIT_USAGE, "run: unknown or incomplete option (see fhesynth run --help)");
    }
  }
  if (optind + 1 != argc) return cli_fail(FHS_EXIT_USAGE, "run: expected exactly one INPUT file (see --help)");
  a->input = argv[optind];
  if (!a->out) return cli_fail(FHS_EXIT_USAGE, "run: --out SYNTH.(csv|parquet|jsonl) is required");
  if (!cli_output_format_ok(a->out))
    return cli_fail(FHS_EXIT_USAGE, "run: %s: unknown output format (use .csv, .parquet or .jsonl)", a->out);
  return 0;
}

typedef struct {
  char keys[4096], data[4096], stats_fhe[4096], stats_json[4096], schema[4096];
} run_paths;

static void stage_line(const run_args *a, int n, const char *what, double t0) {
  if (!a->common.quiet) fprintf(stderr, "run: [%d/5] %s done (%.1f s)\n", n, what, cli_now() - t0);
}

static int pipeline(const run_args *a, const char *wd, run_paths *p, fhs_error *err) {
  cli_common inner = a->common;
  double t0 = cli_now();
  struct stat st;
  char secret[4200];
  snprintf(secret, sizeof secret, "%s/secret.key", p->keys);
  if (stat(secret, &st) != 0) {
    if (mkdir(p->keys, 0700) != 0 && errno != EEXIST) return fhs_error_set(err, "%s: cannot create: %s", p->keys, strerror(errno));
    if (cli_keygen(p->keys, a->ring, NULL, err) != 0) return -1;
    stage_line(a, 1, "keygen", t0);
  } else if (!a->common.quiet) {
    fprintf(stderr, "run: [1/5] keygen: reusing %s\n", p->keys);
  }
  snprintf(p->stats_json, sizeof p->stats_json, "%s/STATS.json", wd);
  t0 = cli_now();
  if (cli_encrypt(a->input, p->keys, NULL, p->data, NULL, p->schema, a->bins, &inner, err) != 0) return -1;
  stage_line(a, 2, "encrypt", t0);
  t0 = cli_now();
  char ek[4200];
  snprintf(ek, sizeof ek, "%s/eval.key", p->keys);
  if (cli_fit(p->data, ek, p->stats_fhe, 2, NULL, 1024, &inner, err) != 0) return -1;
  stage_line(a, 3, "fit on ciphertexts", t0);
  t0 = cli_now();
  cli_decrypt_args d;
  memset(&d, 0, sizeof d);
  d.stats = p->stats_fhe;
  d.keys = p->keys;
  d.schema = p->schema;
  d.out = p->stats_json;
  d.model = a->model;
  d.epsilon = a->epsilon;
  d.have_epsilon = 1;
  d.delta = a->delta;
  d.have_delta = a->have_delta;
  d.budget = a->budget;
  d.have_budget = a->have_budget;
  d.common = inner;
  if (cli_decrypt(&d, err) != 0) return -1;
  stage_line(a, 4, "decrypt with differential privacy", t0);
  return 0;
}

int cmd_run(int argc, char **argv) {
  run_args a;
  memset(&a, 0, sizeof a);
  a.epsilon = 1.0;
  a.ring = 8192;
  a.bins = 16;
  int prc = parse(argc, argv, &a);
  if (prc != 0) return prc < 0 ? FHS_EXIT_OK : prc;
  cli_apply_common(&a.common);
  char wd[3000];
  if (strlen(a.workdir ? a.workdir : a.out) + 8 > sizeof wd) return cli_fail(FHS_EXIT_USAGE, "run: path too long");
  if (a.workdir) snprintf(wd, sizeof wd, "%s", a.workdir);
  else snprintf(wd, sizeof wd, "%s.work", a.out);
  if (mkdir(wd, 0700) != 0 && errno != EEXIST) return cli_fail(FHS_EXIT_RUNTIME, "%s: cannot create: %s", wd, strerror(errno));
  run_paths p;
  snprintf(p.keys, sizeof p.keys, "%s/keys", wd);
  snprintf(p.data, sizeof p.data, "%s/DATA.fhe", wd);
  snprintf(p.stats_fhe, sizeof p.stats_fhe, "%s/STATS.fhe", wd);
  snprintf(p.schema, sizeof p.schema, "%s/SCHEMA.json", wd);
  fhs_error err = {{0}};
  double start = cli_now();
  if (pipeline(&a, wd, &p, &err) != 0) return cli_fail_err(&err);
  double t0 = cli_now();
  if (!a.have_seed) randombytes_buf(&a.seed, sizeof a.seed);
  uint64_t rows = a.rows;
  if (!rows) {
    fhs_schema schema;
    if (fhs_schema_read(p.schema, &schema, &err) != 0) return cli_fail_err(&err);
    rows = schema.rows;
    fhs_schema_free(&schema);
  }
  cli_manifest_extra extra = {a.input, a.ring, 0.0, wd};
  if (cli_synthesize(p.stats_json, p.schema, rows, a.model, a.seed, a.out, &extra, &err) != 0) return cli_fail_err(&err);
  stage_line(&a, 5, "synthesize", t0);
  if (!a.common.quiet)
    fprintf(stderr, "run: %llu synthetic rows -> %s (manifest %s.manifest.json; %.1f s in all)\n", (unsigned long long)rows,
            a.out, a.out, cli_now() - start);
  return FHS_EXIT_OK;
}
