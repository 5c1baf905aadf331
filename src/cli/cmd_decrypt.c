/* fhesynth decrypt STATS.fhe --keys KEYDIR --schema SCHEMA.json --out STATS.json
 *                  (--epsilon E [--delta D] | --privacy high|medium|low | --no-dp) */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "dp.h"
#include "encode.h"
#include "stats.h"
#include "synth.h"

static const char USAGE[] =
    "usage: fhesynth decrypt STATS.fhe --keys KEYDIR --schema SCHEMA.json --out STATS.json\n"
    "                        (--epsilon E [--delta D] | --privacy high|medium|low | --no-dp)\n"
    "                        [--model mst|independent|all2way] [--budget EPS] [--passphrase-file FILE]\n"
    "  Owner side: decrypts the aggregates, then releases the marginals the model needs with\n"
    "  discrete Gaussian noise for (epsilon, delta)-DP (presets: high 0.3, medium 1, low 4; delta\n"
    "  defaults to min(1e-6, 1/rows^2)). Every release is charged to KEYDIR/budget.json, which\n"
    "  refuses one that would take the total past --budget (default 10, fixed when the ledger is\n"
    "  created). --no-dp writes exact counts: for the owner's own analysis only.\n";

typedef cli_decrypt_args decrypt_args;

int cli_parse_privacy(const char *s, double *eps) {
  if (strcmp(s, "high") == 0) *eps = 0.3;
  else if (strcmp(s, "medium") == 0) *eps = 1.0;
  else if (strcmp(s, "low") == 0) *eps = 4.0;
  else return -1;
  return 0;
}

static int parse(int argc, char **argv, decrypt_args *a) {
  static const struct option opts[] = {
      {"keys", required_argument, 0, 'k'},   {"schema", required_argument, 0, 's'}, {"out", required_argument, 0, 'o'},
      {"epsilon", required_argument, 0, 'e'}, {"delta", required_argument, 0, 'd'}, {"privacy", required_argument, 0, 'P'},
      {"no-dp", no_argument, 0, 'n'},        {"model", required_argument, 0, 'm'},  {"budget", required_argument, 0, 'B'},
      {"passphrase-file", required_argument, 0, 'p'}, {"quiet", no_argument, 0, 'q'},
      {"threads", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
  int c;
  uint64_t threads;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
      case 'k': a->keys = optarg; break;
      case 's': a->schema = optarg; break;
      case 'o': a->out = optarg; break;
      case 'm': a->model = optarg; break;
      case 'p': a->pass = optarg; break;
      case 'n': a->no_dp = 1; break;
      case 'e':
        if (a->have_epsilon) return cli_fail(FHS_EXIT_USAGE, "decrypt: give one of --epsilon and --privacy");
        if (cli_parse_double("--epsilon", optarg, &a->epsilon) != 0 || !(a->epsilon > 0))
          return cli_fail(FHS_EXIT_USAGE, "decrypt: --epsilon must be a positive number (got %s)", optarg);
        a->have_epsilon = 1;
        break;
      case 'P':
        if (a->have_epsilon) return cli_fail(FHS_EXIT_USAGE, "decrypt: give one of --epsilon and --privacy");
        if (cli_parse_privacy(optarg, &a->epsilon) != 0)
          return cli_fail(FHS_EXIT_USAGE, "decrypt: --privacy must be high, medium or low (got %s)", optarg);
        a->have_epsilon = 1;
        break;
      case 'd':
        if (cli_parse_double("--delta", optarg, &a->delta) != 0 || !(a->delta > 0 && a->delta < 1))
          return cli_fail(FHS_EXIT_USAGE, "decrypt: --delta must be in (0, 1) (got %s)", optarg);
        a->have_delta = 1;
        break;
      case 'B':
        if (cli_parse_double("--budget", optarg, &a->budget) != 0 || !(a->budget > 0))
          return cli_fail(FHS_EXIT_USAGE, "decrypt: --budget must be a positive epsilon (got %s)", optarg);
        a->have_budget = 1;
        break;
      case 'q': a->common.quiet = true; break;
      case 't':
        if (cli_parse_u64("--threads", optarg, &threads) != 0 || threads == 0 || threads > 1024)
          return cli_fail(FHS_EXIT_USAGE, "decrypt: --threads: expected a positive number, got %s", optarg);
        a->common.threads = (int)threads;
        break;
      case 'h': fputs(USAGE, stdout); return -1;
      default: return cli_fail(FHS_EXIT_USAGE, "decrypt: unknown or incomplete option (see fhesynth decrypt --help)");
    }
  }
  if (optind + 1 != argc) return cli_fail(FHS_EXIT_USAGE, "decrypt: expected exactly one STATS.fhe (see --help)");
  a->stats = argv[optind];
  if (!a->keys || !a->schema || !a->out) return cli_fail(FHS_EXIT_USAGE, "decrypt: --keys, --schema and --out are required");
  if (a->no_dp && (a->have_epsilon || a->have_delta))
    return cli_fail(FHS_EXIT_USAGE, "decrypt: --no-dp excludes --epsilon, --privacy and --delta");
  if (!a->no_dp && !a->have_epsilon)
    return cli_fail(FHS_EXIT_USAGE, "decrypt: choose the privacy: --epsilon E (or --privacy high|medium|low), or --no-dp");
  return 0;
}

/* The decrypted tables as the synthesizer's marginal set, checked against the schema. */
static int to_marginals(const fhs_count_set *cs, const fhs_schema *schema, const char *schema_path,
                        const char *stats_path, fhs_marginal_set *out, fhs_error *err) {
  memset(out, 0, sizeof *out);
  if (cs->n_columns != schema->n_columns)
    return fhs_error_set(err, "%s: has %zu columns, but %s has %u: they belong to different data", schema_path,
                         schema->n_columns, stats_path, cs->n_columns);
  for (size_t c = 0; c < schema->n_columns; c++)
    if (fhs_schema_domain_size(&schema->columns[c]) != cs->domain[c])
      return fhs_error_set(err, "%s: column \"%s\" has %zu values, but %s has %u: they belong to different data",
                           schema_path, schema->columns[c].name, fhs_schema_domain_size(&schema->columns[c]), stats_path,
                           cs->domain[c]);
  out->m = calloc(cs->count, sizeof *out->m);
  if (!out->m) return fhs_error_set(err, "out of memory");
  out->rows = cs->rows;
  out->exact = 1;
  out->count = cs->count;
  for (size_t i = 0; i < cs->count; i++) {
    const fhs_count_table *t = &cs->t[i];
    fhs_marginal *m = &out->m[i];
    m->n_cols = t->spec.n_cols;
    for (size_t j = 0; j < m->n_cols; j++) {
      m->cols[j] = t->spec.cols[j];
      m->shape[j] = t->shape[j];
    }
    m->size = t->size;
    m->counts = malloc(t->size * sizeof *m->counts);
    if (!m->counts) {
      fhs_marginal_set_free(out);
      return fhs_error_set(err, "out of memory");
    }
    for (size_t k = 0; k < t->size; k++) m->counts[k] = (int64_t)t->counts[k];
  }
  return 0;
}

static int release(const cli_decrypt_args *a, const fhs_marginal_set *exact, fhs_marginal_set *noisy, fhs_error *err) {
  if (a->no_dp) {
    if (!a->common.quiet)
      fprintf(stderr, "fhesynth: warning: --no-dp: %s holds exact counts, not differentially private; keep it to yourself\n",
              a->out);
    return fhs_release_exact(exact, a->model, noisy, err);
  }
  double n = exact->rows ? (double)exact->rows : 1;
  double delta = a->have_delta ? a->delta : fmin(1e-6, 1.0 / (n * n));
  fhs_release_info info;
  if (fhs_release_ex(exact, a->model, a->epsilon, delta, NULL, noisy, &info, err) != 0) return -1;
  char ledger[4096], label[256];
  snprintf(ledger, sizeof ledger, "%s/budget.json", a->keys);
  snprintf(label, sizeof label, "decrypt %s -> %s (model %s)", a->stats, a->out, a->model ? a->model : "mst");
  struct stat st;
  double budget = a->have_budget ? a->budget : (stat(ledger, &st) == 0 ? 0 : 10.0);
  if (fhs_dp_ledger_charge(ledger, budget, a->epsilon, delta, info.rho, label, err) != 0) {
    fhs_marginal_set_free(noisy);
    return -1;
  }
  return 0;
}

int cli_decrypt(const cli_decrypt_args *a, fhs_error *err) {
  fhs_schema schema;
  memset(&schema, 0, sizeof schema);
  if (fhs_schema_read(a->schema, &schema, err) != 0) return -1;
  fhs_context *ctx = NULL;
  fhs_secret_key sk;
  if (cli_load_secret_key(a->keys, a->pass, &ctx, &sk, err) != 0) {
    fhs_schema_free(&schema);
    return -1;
  }
  fhs_count_set cs;
  fhs_marginal_set exact, noisy;
  memset(&exact, 0, sizeof exact);
  memset(&noisy, 0, sizeof noisy);
  int rc = fhs_stats_decrypt(a->stats, &sk, &cs, err);
  fhs_secret_key_free(&sk);
  fhs_context_free(ctx);
  if (rc == 0) {
    rc = to_marginals(&cs, &schema, a->schema, a->stats, &exact, err);
    fhs_count_set_free(&cs);
  }
  if (rc == 0) rc = release(a, &exact, &noisy, err);
  if (rc == 0) rc = fhs_stats_json_write(&noisy, &schema, a->out, err);
  if (rc == 0 && !a->common.quiet) {
    if (a->no_dp) fprintf(stderr, "decrypt: %zu exact marginals -> %s\n", noisy.count, a->out);
    else fprintf(stderr, "decrypt: %zu marginals released at epsilon %g, delta %.3g -> %s\n", noisy.count, noisy.epsilon,
                 noisy.delta, a->out);
  }
  fhs_marginal_set_free(&exact);
  fhs_marginal_set_free(&noisy);
  fhs_schema_free(&schema);
  return rc;
}

int cmd_decrypt(int argc, char **argv) {
  decrypt_args a;
  memset(&a, 0, sizeof a);
  int prc = parse(argc, argv, &a);
  if (prc != 0) return prc < 0 ? FHS_EXIT_OK : prc;
  cli_apply_common(&a.common);
  fhs_error err = {{0}};
  return cli_decrypt(&a, &err) == 0 ? FHS_EXIT_OK : cli_fail_err(&err);
}
