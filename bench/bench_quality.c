/* bench_quality: fidelity of each synthesizer on real data (DESIGN section 10, quality targets).
 *
 *   bench_quality [ADULT.csv] [--bins N] [--trials T] [--model NAME] [--eps E] [--json]
 *   bench_quality --pgm [ADULT-PGM.csv DOMAIN.json] [--model NAME] [--json]
 *
 * Default mode: infer the schema (16 bins), count the exact marginals from the CSV, then for
 * every model and epsilon in {0.3, 1, 4}: release (delta = min(1e-6, 1/n^2), DESIGN 6) -> fit
 * -> sample n rows (seed 1) -> mean total variation distance between real and synthetic over
 * every 1-way, every 2-way and a fixed seeded sample of 100 3-way marginals. Each cell is the
 * mean over T independent releases (the noise differs; default 3). Then, for every model, the
 * time to sample 10^6 rows (values, not only indices) after one release at epsilon 1.
 * --model and --eps restrict the run to one model / one epsilon (for tuning).
 * --exact: fit every model to the exact counts instead (no noise): each model's ceiling.
 * --worst K: also print the K worst-fitted pairs of each model's last release.
 * --pgm: the integer-coded Adult of the MST / AIM papers with its domain file, epsilon 1,
 * delta 1e-10, mean 2-way TVD over all pairs (91), as those papers report it.
 * --domain dp|public [--public SCHEMA.json]: the release's own domain (issue 11) instead of
 * the exact-data schema: "dp" learns it with DP domain discovery in every trial (10% of the
 * budget's rho and a tenth of delta, as `run` does), "public" reads data/adult.schema.json;
 * delta is then 1e-6 (the new default). TVD is still measured on the exact-data schema's bins
 * (the evaluation bins of the default mode), so the figures compare; synthetic values outside
 * them are clamped, unknown labels counted in the column's first value. Rows sampled: the
 * noisy row count. --release-bins K: the discovered domain's bins (default: --bins, which
 * also sets the evaluation bins). Within-bin weights as `run` learns them (api_refine_schema):
 * "public" spends --refine-share R of rho on them (default 0.05, run's FHS_RUN_REFINE_SHARE;
 * 0 = none, uniform within bins, and no delta for thresholds), "dp" gives them 1 - K of the
 * discovery share (--keep K, default API_DISCOVERY_KEEP; 1 = discovery only). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "discover.h"
#include "dp.h"
#include "synth.h"
#include "table.h"

#ifndef FHS_SOURCE_DIR
#define FHS_SOURCE_DIR "."
#endif

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Every 1-way and 2-way, plus up to n3 distinct triples drawn with a fixed seed. */
static fhs_colset *eval_sets(size_t nc, size_t n3, size_t *n_out) {
  fhs_colset *all;
  size_t n;
  fhs_error err;
  if (fhs_colsets_all(nc, 2, &all, &n, &err)) return NULL;
  size_t n_triples = nc >= 3 ? nc * (nc - 1) * (nc - 2) / 6 : 0;
  if (n3 > n_triples) n3 = n_triples;
  fhs_colset *s = realloc(all, (n + n3) * sizeof *s);
  if (!s) {
    free(all);
    return NULL;
  }
  uint64_t seed = 2024;
  size_t have = 0;
  while (have < n3) {
    size_t c[3];
    for (int k = 0; k < 3; k++) c[k] = splitmix(&seed) % nc;
    if (c[0] == c[1] || c[1] == c[2] || c[0] == c[2]) continue;
    for (int i = 0; i < 3; i++) /* sort three */
      for (int j = i + 1; j < 3; j++)
        if (c[j] < c[i]) {
          size_t t = c[i];
          c[i] = c[j], c[j] = t;
        }
    int dup = 0;
    for (size_t i = n; i < n + have && !dup; i++)
      dup = s[i].cols[0] == c[0] && s[i].cols[1] == c[1] && s[i].cols[2] == c[2];
    if (!dup) s[n + have++] = (fhs_colset){3, {c[0], c[1], c[2]}};
  }
  *n_out = n + n3;
  return s;
}

typedef struct {
  const char *model;
  double epsilon, delta;
  fhs_tvd_summary tvd;
  double t_release, t_fit, t_sample;
} result;

/* Adds one trial's figures to r (divided by the number of trials later). */
static void accumulate(result *r, const fhs_tvd_summary *sum, double release, double fit, double sample) {
  for (int k = 1; k <= 3; k++) {
    r->tvd.mean[k] += sum->mean[k];
    r->tvd.max[k] += sum->max[k];
    r->tvd.n[k] = sum->n[k];
  }
  r->t_release += release, r->t_fit += fit, r->t_sample += sample;
}

/* One release -> fit -> sample -> TVD; accumulates into r (divided by trials later). */
static int run_once(const fhs_schema *schema, const fhs_index_table *real,
                    const fhs_marginal_set *exact, const fhs_marginal_set *real_eval,
                    const fhs_colset *sets, size_t n_sets, result *r, double *per_set,
                    fhs_error *err) {
  fhs_marginal_set stats, syn_eval;
  fhs_synth_model *m;
  fhs_index_table syn;
  double t0 = now();
  if (r->epsilon > 0 ? fhs_release(exact, r->model, r->epsilon, r->delta, NULL, &stats, err)
                     : fhs_release_exact(exact, r->model, &stats, err))
    return -1;
  double t1 = now();
  int rc = fhs_synth_fit(&stats, schema, r->model, NULL, &m, err);
  fhs_marginal_set_free(&stats);
  if (rc) return -1;
  double t2 = now();
  rc = fhs_synth_sample_indices(m, real->n_rows, 1, &syn, err);
  double t3 = now();
  fhs_synth_free(m);
  if (rc) return -1;
  fhs_tvd_summary sum;
  rc = fhs_marginals_count(schema, &syn, sets, n_sets, &syn_eval, err);
  if (rc == 0) rc = fhs_tvd_sets(real_eval, &syn_eval, &sum, err);
  for (size_t i = 0; rc == 0 && per_set && i < n_sets; i++)
    per_set[i] = fhs_tvd_marginal(&real_eval->m[i], &syn_eval.m[i]);
  fhs_marginal_set_free(&syn_eval);
  fhs_index_table_free(&syn);
  if (rc) return -1;
  accumulate(r, &sum, t1 - t0, t2 - t1, t3 - t2);
  return 0;
}

enum { DOMAIN_EXACT = 0, DOMAIN_DP = 1, DOMAIN_PUBLIC = 2 };
typedef struct {
  int mode;
  const char *csv, *public_schema;
  size_t bins;
  double delta;
  double refine_share; /* public: share of rho for within-bin refinement (run's 5%); 0 = none */
  double keep;         /* dp: discovery's part of the discovery share, refinement the rest */
} domain_mode;

/* The release's schema and its exact 1- and 2-way counts; *rho_left is what the marginals get.
 * As `run`: dp discovers with 10% of rho (then refines the columns it left without weights,
 * 1 - keep of that share), public refines with refine_share of rho; a tenth of delta goes to
 * the thresholds either way. */
static int release_domain(const domain_mode *dm, double epsilon, fhs_schema *rel, fhs_marginal_set *exact,
                          double *rho_left, fhs_error *err) {
  int refine = dm->mode == DOMAIN_DP || dm->refine_share > 0;
  double dthr = refine ? 0.1 * dm->delta : 0, rho;
  if (fhs_dp_rho_from_epsilon(epsilon, dm->delta - dthr, &rho, err)) return -1;
  *rho_left = rho;
  if (dm->mode == DOMAIN_DP) {
    double d = 0.1 * rho;
    *rho_left = 0.9 * rho;
    if (api_discover_schema(dm->csv, dm->keep * d, dm->keep * dthr, dm->bins, FHS_INFER_DEFAULT_MAX_CATEGORIES, rel,
                            err))
      return -1;
    if (dm->keep < 1 && api_refine_schema(dm->csv, rel, (1 - dm->keep) * d, (1 - dm->keep) * dthr, err)) {
      fhs_schema_free(rel);
      return -1;
    }
  } else {
    if (fhs_schema_read(dm->public_schema, rel, err)) return -1;
    if (refine && api_refine_columns(rel)) {
      *rho_left = (1 - dm->refine_share) * rho;
      if (api_refine_schema(dm->csv, rel, dm->refine_share * rho, dthr, err)) {
        fhs_schema_free(rel);
        return -1;
      }
    }
  }
  fhs_index_table idx;
  fhs_colset *sets;
  size_t n;
  int rc = fhs_colsets_all(rel->n_columns, 2, &sets, &n, err);
  if (rc == 0) rc = fhs_index_table_from_csv(rel, dm->csv, &idx, err);
  if (rc == 0) {
    rc = fhs_marginals_count(rel, &idx, sets, n, exact, err);
    fhs_index_table_free(&idx);
  }
  if (rc == 0) free(sets);
  if (rc) fhs_schema_free(rel);
  return rc;
}

/* One release under the domain mode's schema, scored on the evaluation (exact-data) bins. */
static int run_once_domain(const domain_mode *dm, fhs_schema *eval_schema, const fhs_marginal_set *real_eval,
                           const fhs_colset *sets, size_t n_sets, result *r, double *per_set, fhs_error *err) {
  fhs_schema rel;
  fhs_marginal_set exact, stats, syn_eval;
  fhs_synth_model *m = NULL;
  fhs_table t;
  fhs_index_table syn;
  double rho, t0 = now();
  if (release_domain(dm, r->epsilon, &rel, &exact, &rho, err)) return -1;
  int rc = fhs_release_rho(&exact, r->model, rho, NULL, &stats, NULL, err);
  fhs_marginal_set_free(&exact);
  double t1 = now();
  if (rc == 0) rc = fhs_synth_fit(&stats, &rel, r->model, NULL, &m, err);
  double t2 = now();
  if (rc == 0) rc = fhs_synth_sample(m, (uint64_t)llround(stats.rows), 1, &t, err);
  double t3 = now();
  if (rc == 0) {
    rc = fhs_index_table_from_table(eval_schema, &t, &syn, err);
    fhs_table_free(&t);
  }
  fhs_tvd_summary sum;
  if (rc == 0) {
    rc = fhs_marginals_count(eval_schema, &syn, sets, n_sets, &syn_eval, err);
    if (rc == 0) rc = fhs_tvd_sets(real_eval, &syn_eval, &sum, err);
    for (size_t i = 0; rc == 0 && per_set && i < n_sets; i++)
      per_set[i] = fhs_tvd_marginal(&real_eval->m[i], &syn_eval.m[i]);
    fhs_marginal_set_free(&syn_eval);
    fhs_index_table_free(&syn);
  }
  fhs_synth_free(m);
  fhs_marginal_set_free(&stats);
  fhs_schema_free(&rel);
  if (rc) return -1;
  accumulate(r, &sum, t1 - t0, t2 - t1, t3 - t2);
  return 0;
}

/* Synthetic values the evaluation bins do not cover still count: clamped to the end bins, an
 * unknown label as the column's first value. */
static void eval_policies(fhs_schema *s) {
  for (size_t c = 0; c < s->n_columns; c++) {
    s->columns[c].clamp = s->columns[c].type != FHS_COL_CATEGORICAL;
    s->columns[c].has_fallback = true;
    s->columns[c].fallback = 0;
  }
}

/* Seconds to sample 10^6 rows with values after one release at epsilon 1, or -1. */
static double sample_speed(const fhs_schema *schema, const fhs_marginal_set *exact,
                           const char *model, double delta) {
  fhs_marginal_set stats;
  fhs_synth_model *m;
  fhs_table t;
  fhs_error err;
  double secs = -1;
  if (fhs_release(exact, model, 1, delta, NULL, &stats, &err)) return -1;
  if (fhs_synth_fit(&stats, schema, model, NULL, &m, &err) == 0) {
    double t0 = now();
    if (fhs_synth_sample(m, 1000000, 1, &t, &err) == 0) {
      secs = now() - t0;
      fhs_table_free(&t);
    }
    fhs_synth_free(m);
  }
  fhs_marginal_set_free(&stats);
  return secs;
}

static void print_results(const result *res, size_t n, const char *data, size_t rows,
                          const char *const *models, size_t n_models, const double *sample_1m,
                          int json) {
  if (json) {
    printf("{\"data\": \"%s\", \"rows\": %zu, \"sample_1e6_rows_s\": {", data, rows);
    for (size_t i = 0; i < n_models; i++)
      printf("%s\"%s\": %.3f", i ? ", " : "", models[i], sample_1m ? sample_1m[i] : -1);
    printf("}, \"results\": [\n");
    for (size_t i = 0; i < n; i++)
      printf("  {\"model\": \"%s\", \"epsilon\": %g, \"delta\": %.3g, \"tvd1\": %.5f, "
             "\"tvd2\": %.5f, \"tvd3\": %.5f, \"tvd2_max\": %.5f, \"pairs\": %zu, \"triples\": %zu, "
             "\"release_s\": %.3f, \"fit_s\": %.3f, \"sample_s\": %.3f}%s\n",
             res[i].model, res[i].epsilon, res[i].delta, res[i].tvd.mean[1], res[i].tvd.mean[2],
             res[i].tvd.mean[3], res[i].tvd.max[2], res[i].tvd.n[2], res[i].tvd.n[3],
             res[i].t_release, res[i].t_fit, res[i].t_sample, i + 1 < n ? "," : "");
    printf("]}\n");
    return;
  }
  printf("data: %s (%zu rows)\n", data, rows);
  printf("%-12s %7s %9s %8s %8s %8s %9s %9s %8s %8s\n", "model", "epsilon", "delta", "tvd1",
         "tvd2", "tvd3", "tvd2 max", "release s", "fit s", "sample s");
  for (size_t i = 0; i < n; i++)
    printf("%-12s %7g %9.2g %8.4f %8.4f %8.4f %9.4f %9.3f %8.3f %8.3f\n", res[i].model,
           res[i].epsilon, res[i].delta, res[i].tvd.mean[1], res[i].tvd.mean[2],
           res[i].tvd.mean[3], res[i].tvd.max[2], res[i].t_release, res[i].t_fit,
           res[i].t_sample);
  for (size_t i = 0; sample_1m && i < n_models; i++)
    if (sample_1m[i] >= 0) printf("sampling 10^6 rows (%s, values): %.3f s\n", models[i], sample_1m[i]);
}

/* The k pairs with the largest TVD, to stderr (a tuning aid). */
static void print_worst(const fhs_schema *schema, const fhs_colset *sets, size_t n_sets,
                        const double *tvd, size_t k, const char *model) {
  size_t *order = malloc(n_sets * sizeof *order), n = 0;
  if (!order) return;
  for (size_t i = 0; i < n_sets; i++) /* every 1-way: where a domain loses mass */
    if (sets[i].n_cols == 1)
      fprintf(stderr, "    %s 1-way %.4f %s\n", model, tvd[i], schema->columns[sets[i].cols[0]].name);
  for (size_t i = 0; i < n_sets; i++)
    if (sets[i].n_cols == 2) order[n++] = i;
  for (size_t i = 0; i < n && i < k; i++) /* partial selection sort: k is small */
    for (size_t j = i + 1; j < n; j++)
      if (tvd[order[j]] > tvd[order[i]]) {
        size_t t = order[i];
        order[i] = order[j], order[j] = t;
      }
  for (size_t i = 0; i < n && i < k; i++) {
    const fhs_colset *c = &sets[order[i]];
    fprintf(stderr, "    %s worst %2zu: %.4f %s x %s\n", model, i + 1, tvd[order[i]],
            schema->columns[c->cols[0]].name, schema->columns[c->cols[1]].name);
  }
  free(order);
}

/* Categorical schema "0".."d-1" per column, sizes from the domain file, order of the CSV. */
static int pgm_schema(const char *csv, const char *domain, fhs_schema *s, fhs_error *err) {
  memset(s, 0, sizeof *s);
  json_error_t jerr;
  json_t *root = json_load_file(domain, 0, &jerr);
  if (!json_is_object(root)) {
    json_decref(root);
    return fhs_error_set(err, "%s: not a JSON object of domain sizes", domain);
  }
  fhs_csv_reader *rd = fhs_csv_open(csv, err);
  if (!rd) {
    json_decref(root);
    return -1;
  }
  size_t nc = fhs_csv_n_columns(rd);
  s->columns = calloc(nc, sizeof *s->columns);
  int rc = s->columns ? 0 : fhs_error_set(err, "out of memory");
  for (size_t c = 0; rc == 0 && c < nc; c++) {
    const char *name = fhs_csv_column_name(rd, c);
    json_t *d = json_object_get(root, name);
    if (!json_is_integer(d) || json_integer_value(d) < 1 || json_integer_value(d) > 65534) {
      rc = fhs_error_set(err, "%s: no domain size for column \"%s\"", domain, name);
      break;
    }
    fhs_column *col = &s->columns[s->n_columns++];
    col->name = strdup(name);
    col->type = FHS_COL_CATEGORICAL;
    size_t n = (size_t)json_integer_value(d);
    col->categories = calloc(n, sizeof *col->categories);
    for (size_t k = 0; col->categories && k < n; k++) {
      char buf[24];
      snprintf(buf, sizeof buf, "%zu", k);
      col->categories[k] = strdup(buf);
      col->n_categories = k + 1;
    }
  }
  fhs_csv_close(rd);
  json_decref(root);
  if (rc == 0) rc = fhs_schema_validate(s, domain, err);
  if (rc) fhs_schema_free(s);
  return rc;
}

/* The repository's own copy (data/): benchmarks read nothing outside the repository. */
static const char *default_path(const char *name, char *buf, size_t size) {
  snprintf(buf, size, "%s/data/%s", FHS_SOURCE_DIR, name);
  return buf;
}

int main(int argc, char **argv) {
  int json = 0, pgm = 0, trials = 3, exact_fit = 0;
  domain_mode dm = {DOMAIN_EXACT, NULL, NULL, 0, 1e-6, 0.05, API_DISCOVERY_KEEP};
  size_t release_bins = 0; /* --domain dp: bins of the discovered domain (default: --bins) */
  char b3[1024];
  size_t worst = 0;
  const char *only_model = NULL;
  double only_eps = 0;
  size_t bins = FHS_INFER_DEFAULT_BINS;
  const char *paths[2] = {NULL, NULL};
  size_t n_paths = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json"))
      json = 1;
    else if (!strcmp(argv[i], "--pgm"))
      pgm = 1;
    else if (!strcmp(argv[i], "--exact"))
      exact_fit = 1;
    else if (!strcmp(argv[i], "--domain") && i + 1 < argc) {
      i++;
      dm.mode = !strcmp(argv[i], "dp") ? DOMAIN_DP : !strcmp(argv[i], "public") ? DOMAIN_PUBLIC : -1;
      if (dm.mode < 0) {
        fprintf(stderr, "bench_quality: --domain dp|public\n");
        return 2;
      }
    } else if (!strcmp(argv[i], "--public") && i + 1 < argc)
      dm.public_schema = argv[++i];
    else if (!strcmp(argv[i], "--refine-share") && i + 1 < argc)
      dm.refine_share = atof(argv[++i]);
    else if (!strcmp(argv[i], "--keep") && i + 1 < argc)
      dm.keep = atof(argv[++i]);
    else if (!strcmp(argv[i], "--release-bins") && i + 1 < argc)
      release_bins = (size_t)atoi(argv[++i]);
    else if (!strcmp(argv[i], "--worst") && i + 1 < argc)
      worst = (size_t)atoi(argv[++i]);
    else if (!strcmp(argv[i], "--bins") && i + 1 < argc)
      bins = (size_t)atoi(argv[++i]);
    else if (!strcmp(argv[i], "--trials") && i + 1 < argc)
      trials = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--model") && i + 1 < argc)
      only_model = argv[++i];
    else if (!strcmp(argv[i], "--eps") && i + 1 < argc)
      only_eps = atof(argv[++i]);
    else if (argv[i][0] != '-' && n_paths < 2)
      paths[n_paths++] = argv[i];
    else {
      fprintf(stderr, "usage: bench_quality [ADULT.csv] [--bins N] [--trials T] [--model NAME] "
                      "[--eps E] [--exact] [--worst K] [--domain dp|public [--public S] [--refine-share R] "
                      "[--keep K]] [--json]\n"
                      "       bench_quality --pgm [ADULT-PGM.csv DOMAIN.json] [--model NAME] "
                      "[--json]\n");
      return 2;
    }
  }
  if (trials < 1) trials = 1;
  if (exact_fit) trials = 1;
  char b1[1024], b2[1024];
  const char *csv = paths[0] ? paths[0] : default_path(pgm ? "adult-pgm.csv" : "adult.csv", b1, sizeof b1);
  const char *domain = paths[1] ? paths[1] : default_path("adult-pgm-domain.json", b2, sizeof b2);
  fhs_error err;
  fhs_schema schema;
  int rc;
  if (pgm) {
    rc = pgm_schema(csv, domain, &schema, &err);
  } else {
    fhs_infer_options o = fhs_infer_defaults();
    o.bins = bins;
    rc = fhs_schema_infer(csv, &o, &schema, &err);
  }
  if (rc) {
    fprintf(stderr, "bench_quality: %s\n", err.msg);
    return 1;
  }
  fhs_index_table real;
  fhs_marginal_set exact, real_eval;
  size_t n_sets = 0;
  fhs_colset *sets = eval_sets(schema.n_columns, pgm ? 0 : 100, &n_sets);
  fhs_colset *sets12;
  size_t n12;
  if (!sets || fhs_colsets_all(schema.n_columns, 2, &sets12, &n12, &err) ||
      fhs_index_table_from_csv(&schema, csv, &real, &err) ||
      fhs_marginals_count(&schema, &real, sets12, n12, &exact, &err) ||
      fhs_marginals_count(&schema, &real, sets, n_sets, &real_eval, &err)) {
    fprintf(stderr, "bench_quality: %s\n", err.msg);
    return 1;
  }
  double n = (double)real.n_rows;
  /* the exact-schema mode keeps the old default delta, so its figures are the "before" */
  double delta = pgm ? 1e-10 : dm.mode ? dm.delta : fmin(1e-6, 1.0 / (n * n));
  dm.csv = csv, dm.bins = release_bins ? release_bins : bins;
  if (!dm.public_schema) dm.public_schema = default_path("adult.schema.json", b3, sizeof b3);
  if (dm.mode) eval_policies(&schema);
  const double eps_all[] = {0.3, 1, 4}, eps_pgm[] = {1};
  const double *eps = pgm ? eps_pgm : eps_all;
  size_t n_eps = pgm ? 1 : 3;
  const double eps_exact[] = {0};
  if (only_eps > 0) eps = &only_eps, n_eps = 1;
  if (exact_fit) eps = eps_exact, n_eps = 1;
  double *per_set = worst ? calloc(n_sets, sizeof *per_set) : NULL;
  const char *const *models = fhs_synth_models();
  size_t n_models = 0;
  while (models[n_models]) n_models++;
  result *res = calloc(n_models * n_eps, sizeof *res);
  size_t n_res = 0;
  for (size_t mi = 0; mi < n_models; mi++)
    for (size_t e = 0; e < n_eps && (!only_model || !strcmp(only_model, models[mi])); e++) {
      result *r = &res[n_res++];
      r->model = models[mi], r->epsilon = eps[e], r->delta = delta;
      for (int t = 0; t < trials; t++)
        if (dm.mode ? run_once_domain(&dm, &schema, &real_eval, sets, n_sets, r, per_set, &err)
                    : run_once(&schema, &real, &exact, &real_eval, sets, n_sets, r, per_set, &err)) {
          fprintf(stderr, "bench_quality: %s\n", err.msg);
          return 1;
        }
      for (int k = 1; k <= 3; k++) r->tvd.mean[k] /= trials, r->tvd.max[k] /= trials;
      r->t_release /= trials, r->t_fit /= trials, r->t_sample /= trials;
      if (!json) fprintf(stderr, "  %s eps %g done\n", r->model, r->epsilon);
      if (per_set) print_worst(&schema, sets, n_sets, per_set, worst, r->model);
    }
  /* sampling speed: 10^6 rows with values (the fhs_table a writer receives), every model */
  double *sample_1m = calloc(n_models, sizeof *sample_1m);
  for (size_t mi = 0; sample_1m && mi < n_models; mi++) {
    sample_1m[mi] = -1;
    if ((only_model && strcmp(only_model, models[mi])) || dm.mode) continue;
    sample_1m[mi] = sample_speed(&schema, &exact, models[mi], delta);
  }
  print_results(res, n_res, csv, real.n_rows, models, n_models, sample_1m, json);
  free(sample_1m), free(res), free(sets), free(sets12), free(per_set);
  fhs_marginal_set_free(&exact), fhs_marginal_set_free(&real_eval);
  fhs_index_table_free(&real);
  fhs_schema_free(&schema);
  return 0;
}
