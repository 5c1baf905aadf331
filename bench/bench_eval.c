/* bench_eval: time `fhesynth evaluate` on Adult (DESIGN section 10: <= 30 s on 2 cores).
 *
 *   bench_eval [--data adult.csv] [--epsilon E] [--workdir DIR] [--report R.html] [--json]
 *
 * Splits the data 80/20 (seeded), learns MST from the training part at epsilon E (default 1)
 * through the synth layer, samples as many rows as the training part has, then runs the whole
 * evaluation (fidelity, privacy, utility, report) and prints seconds per part; --json prints
 * one JSON object instead. The synthesizer's time is reported apart: it is not evaluation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "eval.h"
#include "synth.h"
#include "writers.h"

#ifndef FHS_SOURCE_DIR
#define FHS_SOURCE_DIR "."
#endif

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* MST at epsilon from train_csv, as many rows as the training data, written to out_csv. */
static int make_synthetic(const char *train_csv, double epsilon, const char *out_csv,
                          fhs_error *err) {
  fhs_schema schema;
  if (fhs_schema_infer(train_csv, NULL, &schema, err)) return -1;
  fhs_marginal_set exact, noisy;
  memset(&noisy, 0, sizeof noisy);
  int rc = fhs_marginals_from_csv(&schema, train_csv, 2, &exact, err);
  if (rc == 0) {
    double delta = 1e-6;
    rc = fhs_release(&exact, "mst", epsilon, delta, NULL, &noisy, err);
    fhs_table t;
    memset(&t, 0, sizeof t);
    if (rc == 0) rc = fhs_synthesize(&noisy, &schema, "mst", exact.rows, 7, &t, err);
    if (rc == 0) rc = fhs_table_write(&t, out_csv, err);
    fhs_table_free(&t);
    fhs_marginal_set_free(&exact);
  }
  fhs_marginal_set_free(&noisy);
  fhs_schema_free(&schema);
  return rc;
}

int main(int argc, char **argv) {
  const char *data = FHS_SOURCE_DIR "/data/adult.csv", *workdir = "/tmp/fhs_bench_eval";
  const char *report = NULL;
  double epsilon = 1.0;
  int json = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
    else if (!strcmp(argv[i], "--epsilon") && i + 1 < argc) epsilon = atof(argv[++i]);
    else if (!strcmp(argv[i], "--workdir") && i + 1 < argc) workdir = argv[++i];
    else if (!strcmp(argv[i], "--report") && i + 1 < argc) report = argv[++i];
    else if (!strcmp(argv[i], "--json")) json = 1;
    else {
      fprintf(stderr, "usage: bench_eval [--data CSV] [--epsilon E] [--workdir DIR] [--report R.html] [--json]\n");
      return 2;
    }
  }
  mkdir(workdir, 0700);
  char train[512], hold[512], syn[512], metrics[512];
  snprintf(train, sizeof train, "%s/train.csv", workdir);
  snprintf(hold, sizeof hold, "%s/holdout.csv", workdir);
  snprintf(syn, sizeof syn, "%s/synthetic.parquet", workdir); /* exercises Parquet input */
  snprintf(metrics, sizeof metrics, "%s/metrics.json", workdir);
  fhs_error err;
  double t0 = now_s();
  if (fhs_eval_split_file(data, 0.2, 1, train, hold, &err) ||
      make_synthetic(train, epsilon, syn, &err)) {
    fprintf(stderr, "bench_eval: %s\n", err.msg);
    return 1;
  }
  double t1 = now_s();
  fhs_eval_options o;
  fhs_eval_options_init(&o);
  o.real_path = train, o.synthetic_path = syn, o.holdout_path = hold;
  o.report_path = report, o.json_path = metrics;
  o.epsilon = epsilon, o.delta = 1e-6;
  fhs_eval_result r;
  if (fhs_eval_run(&o, &r, &err)) {
    fprintf(stderr, "bench_eval: %s\n", err.msg);
    return 1;
  }
  double t2 = now_s();
  const fhs_eval_timing *t = &r.time;
  if (json) {
    printf("{\"data\": \"%s\", \"rows\": %zu, \"synthesize_s\": %.3f, \"load_s\": %.3f, "
           "\"fidelity_s\": %.3f, \"privacy_distance_s\": %.3f, \"privacy_anonymeter_s\": %.3f, "
           "\"utility_s\": %.3f, \"output_s\": %.3f, \"evaluate_total_s\": %.3f, "
           "\"tvd2_mean\": %.5f, \"dcr_share\": %.4f, \"mia_auc\": %.4f}\n",
           data, r.n_real + r.n_hold, t1 - t0, t->load, t->fidelity, t->privacy_distance,
           t->privacy_anonymeter, t->utility, t->output, t2 - t1, r.fid.tvd2_mean,
           r.priv.dcr_share, r.priv.mia_auc);
  } else {
    printf("data %s: real %zu, holdout %zu, synthetic %zu rows (metrics in %s)\n", data, r.n_real,
           r.n_hold, r.n_syn, metrics);
    printf("split + synthesize (not evaluation)  %7.3f s\n", t1 - t0);
    printf("load + schema                        %7.3f s\n", t->load);
    printf("fidelity                             %7.3f s\n", t->fidelity);
    printf("privacy: exact matches, DCR, MIA     %7.3f s\n", t->privacy_distance);
    printf("privacy: Anonymeter attacks          %7.3f s\n", t->privacy_anonymeter);
    printf("utility: XGBoost + liblinear         %7.3f s\n", t->utility);
    printf("outputs (JSON, report)               %7.3f s\n", t->output);
    printf("evaluate total                       %7.3f s\n", t2 - t1);
  }
  fhs_eval_result_free(&r);
  return 0;
}
