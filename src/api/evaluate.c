/* fhs_evaluate: the evaluation layer behind the public API, with a plain-text summary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "eval.h"

void fhs_evaluate_options_init(fhs_evaluate_options *o) {
  memset(o, 0, sizeof *o);
  o->seed = 1;
  o->bins = 16;
  o->attacks = 500;
}

static void print_risk(FILE *o, const char *name, const fhs_eval_risk *r) {
  if (r->available)
    fprintf(o, "  %-22s %.3f  (95%% CI %.3f-%.3f; attack %.3f, baseline %.3f, control %.3f)\n", name, r->risk, r->lo,
            r->hi, r->attack, r->baseline, r->control);
}

static void print_fidelity(FILE *o, const fhs_eval_result *r) {
  const fhs_eval_fidelity *f = &r->fid;
  /* real counts rounded, as in the report: no exact row count in what evaluate prints */
  fprintf(o, "rows: real about %zu, synthetic %zu, holdout about %zu\n", fhs_eval_about(r->n_real), r->n_syn,
          fhs_eval_about(r->n_hold));
  if (r->budget_known && r->exact) fprintf(o, "privacy budget: none (exact statistics, no DP)\n");
  else if (r->budget_known) fprintf(o, "privacy budget: epsilon %g, delta %g\n", r->epsilon, r->delta);
  else fprintf(o, "privacy budget: unknown (give the STATS.json or manifest)\n");
  fprintf(o, "fidelity %.1f/100: %s\n", f->score, f->verdict);
  fprintf(o, "  TVD 1-way mean %.4f max %.4f; 2-way mean %.4f max %.4f; 3-way mean %.4f (%zu triples)\n", f->tvd1_mean,
          f->tvd1_max, f->tvd2_mean, f->tvd2_max, f->tvd3_mean, f->n_triples);
  fprintf(o, "  KS mean %.4f max %.4f; association difference mean %.4f max %.4f\n", f->ks_mean, f->ks_max,
          f->assoc_diff_mean, f->assoc_diff_max);
}

static void print_summary(FILE *o, const fhs_eval_result *r) {
  const fhs_eval_privacy *p = &r->priv;
  print_fidelity(o, r);
  if (r->util.available) {
    fprintf(o, "utility (target \"%s\", %zu test rows): accuracy / balanced accuracy / AUC\n",
            r->schema.columns[r->util.target].name, r->util.n_test);
    for (int m = 0; m < 2; m++) {
      const fhs_eval_model *x = &r->util.model[m];
      fprintf(o, "  %-20s real %.3f / %.3f / %.3f   synthetic %.3f / %.3f / %.3f\n", x->name, x->acc[0], x->bacc[0],
              x->auc[0], x->acc[1], x->bacc[1], x->auc[1]);
    }
  } else {
    fprintf(o, "utility: not available (%s)\n", r->util.reason);
  }
  if (!p->have_holdout) {
    fprintf(o, "privacy: %s; exact matches with training %.4f\n", p->verdict, p->exact_train);
    return;
  }
  fprintf(o, "privacy %.0f/100: %s\n", p->score, p->verdict);
  fprintf(o, "  exact matches: training %.4f (same size %.4f), holdout %.4f\n", p->exact_train, p->exact_train_same_size,
          p->exact_holdout);
  fprintf(o, "  DCR: share closer to training %.3f, 5th percentile ratio %.3f; MIA AUC %.3f\n", p->dcr_share,
          p->dcr_p5_ratio, p->mia_auc);
  print_risk(o, "singling out", &p->singling_out);
  print_risk(o, "linkability", &p->linkability);
  print_risk(o, "attribute inference", &p->inference);
}

/* Shared with fhs_run: budget known to the caller as epsilon/delta (NaN = unknown). */
fhs_status api_evaluate(const char *real, const char *synthetic, const fhs_evaluate_options *opts, double epsilon,
                        double delta, char **summary) {
  fhs_evaluate_options def;
  fhs_evaluate_options_init(&def);
  if (!opts) opts = &def;
  if (summary) *summary = NULL;
  fhs_status s = api_check_input(real);
  if (s == FHS_OK) s = api_check_input(synthetic);
  if (s == FHS_OK && opts->holdout) s = api_check_input(opts->holdout);
  if (s == FHS_OK && opts->report) s = api_check_output(opts->report);
  if (s == FHS_OK && opts->metrics_json) s = api_check_output(opts->metrics_json);
  if (s != FHS_OK) return s;
  if (opts->bins < 1 || opts->attacks < 1) return api_fail(FHS_ERR_INVALID, "evaluate: bins and attacks must be positive");
  fhs_eval_options o;
  fhs_eval_options_init(&o);
  o.real_path = real;
  o.synthetic_path = synthetic;
  o.holdout_path = opts->holdout;
  o.schema_path = opts->schema;
  o.stats_path = opts->stats;
  o.target = opts->target;
  o.report_path = opts->report;
  o.json_path = opts->metrics_json;
  o.seed = opts->seed;
  o.bins = opts->bins;
  o.n_attacks = opts->attacks;
  o.epsilon = epsilon;
  o.delta = delta;
  fhs_eval_result r;
  fhs_error err = {{0}};
  if (fhs_eval_run(&o, &r, &err) != 0) return api_fail_err(&err);
  if (summary) {
    size_t len = 0;
    FILE *m = open_memstream(summary, &len);
    if (m) {
      print_summary(m, &r);
      fclose(m);
    }
  }
  fhs_eval_result_free(&r);
  return FHS_OK;
}

fhs_status fhs_evaluate(const char *real, const char *synthetic, const fhs_evaluate_options *opts, char **summary) {
  return api_evaluate(real, synthetic, opts, NAN, NAN, summary);
}
