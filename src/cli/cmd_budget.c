/* fhesynth budget INPUT|DATA.fhe|LEDGER.json [--ledger PATH] [--json]
 *                 [--reset [--label TEXT]] | [--create --epsilon E [--delta D]]
 * The owner's view of a dataset's privacy ledger: cap, spent, left and every entry. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char USAGE[] =
    "usage: fhesynth budget INPUT|DATA.fhe|LEDGER.json [--ledger PATH] [--json]\n"
    "       fhesynth budget INPUT|DATA.fhe [--ledger PATH] --reset [--label TEXT]\n"
    "       fhesynth budget INPUT|DATA.fhe [--ledger PATH] --create --epsilon E [--delta D]\n"
    "  Shows the privacy ledger of a dataset: its cap (epsilon, delta), what the current epoch\n"
    "  has spent and what is left, and every release (time, kind, epsilon, delta, label). The\n"
    "  ledger of INPUT is $FHESYNTH_HOME/ledgers/<dataset id>.json unless --ledger says otherwise\n"
    "  (--ledger PATH alone opens that file).\n"
    "  --reset    starts a new epoch (history kept): needed after a --no-dp release, which blocks\n"
    "             every later DP release. Resetting gives the whole budget back: only do it when\n"
    "             you accept that earlier releases and later ones add up.\n"
    "  --create   fixes the cap before the first release (default delta 1e-6); the first\n"
    "             release otherwise creates the ledger with epsilon 10, delta 1e-6.\n"
    "  --json     the same as JSON (NaN as null).\n";

typedef struct {
  const char *source, *ledger, *label;
  int reset, create, json, have_eps, have_delta;
  double epsilon, delta;
} budget_args;

/* Labels are the owner's text: keep a listing on one line per entry whatever they hold. */
static void print_clean(const char *s) {
  for (; *s; s++) putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void print_number(double v, int width) {
  if (isnan(v))
    printf("%-*s", width, "-");
  else
    printf("%-*.4g", width, v);
}

static void print_summary(const fhs_budget *b) {
  fhs_budget_summary s;
  fhs_budget_get_summary(b, &s);
  printf("ledger: %s\n", fhs_budget_path(b));
  printf("cap:    epsilon %g, delta %g (zCDP rho %.6g)\n", s.epsilon_cap, s.delta_cap, s.rho_cap);
  printf("spent:  epsilon %.6g (rho %.6g", s.epsilon_spent, s.rho_spent);
  if (s.delta_approx_spent > 0) printf(", thresholding delta %g", s.delta_approx_spent);
  printf(") in %zu release%s since the last reset\n", s.epoch_releases, s.epoch_releases == 1 ? "" : "s");
  printf("left:   epsilon %.6g (the largest one release can still have: zCDP composes sub-linearly)\n", s.epsilon_left);
  if (s.unbounded)
    printf("status: UNBOUNDED: a release without DP was recorded on %s; DP releases are refused until "
           "fhesynth budget --reset\n", s.unbounded_since);
}

static int has_old_epoch(const fhs_budget *b) {
  fhs_budget_entry e;
  return fhs_budget_get_entry(b, 0, &e) == FHS_OK && !e.current_epoch;
}

static void print_entries(const fhs_budget *b) {
  size_t n = fhs_budget_entry_count(b);
  printf("entries: %zu\n", n);
  if (n) printf("  %-20s  %-9s  %-10s  %-10s  %s\n", "time", "kind", "epsilon", "delta", "label");
  for (size_t i = 0; i < n; i++) {
    fhs_budget_entry e;
    if (fhs_budget_get_entry(b, i, &e) != FHS_OK) continue;
    printf("%c %-20s  %-9s  ", e.current_epoch ? ' ' : '.', e.time, e.kind);
    print_number(e.epsilon, 10);
    printf("  ");
    print_number(e.delta, 10);
    printf("  ");
    print_clean(e.label);
    putchar('\n');
  }
  if (n && has_old_epoch(b)) puts("  (. = an earlier epoch, before the last reset: no longer counted)");
}

/* 1 if handled, 0 if not this command's option, -1 on a usage error (reported). */
static int parse_option(int c, const char *arg, budget_args *a) {
  switch (c) {
    case 'l': a->ledger = arg; return 1;
    case 'L': a->label = arg; return 1;
    case 'r': a->reset = 1; return 1;
    case 'c': a->create = 1; return 1;
    case 'j': a->json = 1; return 1;
    case 'e':
      a->have_eps = 1;
      if (cli_parse_double(arg, &a->epsilon) == 0 && a->epsilon > 0) return 1;
      cli_fail(FHS_EXIT_USAGE, "budget: --epsilon: expected a positive number (got %s)", arg);
      return -1;
    case 'd':
      a->have_delta = 1;
      if (cli_parse_double(arg, &a->delta) == 0 && a->delta > 0 && a->delta < 1) return 1;
      cli_fail(FHS_EXIT_USAGE, "budget: --delta must be in (0, 1) (got %s)", arg);
      return -1;
    default: return 0;
  }
}

static int check_args(const budget_args *a) {
  if (a->reset && a->create) return cli_fail(FHS_EXIT_USAGE, "budget: give one of --reset and --create");
  if (a->label && !a->reset) return cli_fail(FHS_EXIT_USAGE, "budget: --label goes with --reset");
  if ((a->have_eps || a->have_delta) && !a->create)
    return cli_fail(FHS_EXIT_USAGE, "budget: --epsilon and --delta set the cap of --create");
  if (a->create && !a->have_eps) return cli_fail(FHS_EXIT_USAGE, "budget: --create needs --epsilon");
  if (!a->source && !a->ledger) return cli_fail(FHS_EXIT_USAGE, "budget: expected INPUT, DATA.fhe or --ledger PATH");
  return 0;
}

static int show(const fhs_budget *b, int json) {
  if (json) {
    char *text = NULL;
    fhs_status s = fhs_budget_json(b, &text);
    if (s != FHS_OK) return cli_fail_status(s);
    puts(text);
    fhs_free(text);
    return FHS_EXIT_OK;
  }
  print_summary(b);
  print_entries(b);
  return FHS_EXIT_OK;
}

int cmd_budget(int argc, char **argv) {
  static const struct option opts[] = {
      {"ledger", required_argument, 0, 'l'}, {"reset", no_argument, 0, 'r'},    {"label", required_argument, 0, 'L'},
      {"create", no_argument, 0, 'c'},       {"epsilon", required_argument, 0, 'e'}, {"delta", required_argument, 0, 'd'},
      {"json", no_argument, 0, 'j'},         CLI_COMMON_OPTIONS,                {0, 0, 0, 0}};
  budget_args a = {0};
  a.delta = 1e-6;
  cli_common common = {false, 0};
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    int k = cli_common_option(c, optarg, &common, "budget");
    if (k == 0) k = parse_option(c, optarg, &a);
    if (k < 0) return FHS_EXIT_USAGE;
    if (k) continue;
    if (c == 'h') {
      fputs(USAGE, stdout);
      return FHS_EXIT_OK;
    }
    return cli_fail(FHS_EXIT_USAGE, "budget: unknown option %s (see --help)", cli_bad_option(argc, argv));
  }
  if (optind + 1 < argc) return cli_fail(FHS_EXIT_USAGE, "budget: expected one INPUT, DATA.fhe or ledger");
  a.source = optind < argc ? argv[optind] : NULL;
  if (check_args(&a) != 0) return FHS_EXIT_USAGE;
  fhs_budget *b = NULL;
  fhs_status s = a.create ? fhs_budget_create(a.source, a.ledger, a.epsilon, a.delta, &b)
                          : fhs_budget_open(a.source, a.ledger, &b);
  if (s == FHS_OK && a.reset) s = fhs_budget_reset(b, a.label);
  if (s == FHS_OK && a.reset && !common.quiet)
    fprintf(stderr, "fhesynth: budget: %s: new epoch started; the earlier releases stay listed\n", fhs_budget_path(b));
  int rc = s == FHS_OK ? show(b, a.json) : cli_fail_status(s);
  fhs_budget_free(b);
  return rc;
}
