/* Metrics on hand-built data with known answers: identical tables (all distances 0, every
 * privacy test fails), a perfectly dependent pair against its independent version (2-way TVD
 * (k-1)/k exactly), a fresh sample from the same distribution (no privacy test fails), and
 * the small helpers (AUC, Wilson, split, target choice, column checks). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "eval.h"
#include "eval_fixture.h"
#include "eval_internal.h"

static char dir[64];

static void path_of(char *out, const char *name) { fixture_path(out, 256, dir, name); }

static int file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

static void test_identical(void) {
  char real[256], hold[256], json[256], report[256];
  path_of(real, "people.csv");
  path_of(hold, "holdout.csv");
  path_of(json, "same.json");
  path_of(report, "same.html");
  CHECK(fixture_people(real, 400, 1) == 0);
  CHECK(fixture_people(hold, 400, 2) == 0);
  fhs_eval_options o;
  fhs_eval_options_init(&o);
  o.real_path = real, o.synthetic_path = real, o.holdout_path = hold;
  o.json_path = json, o.report_path = report;
  fhs_eval_result r;
  fhs_error err;
  int rc = fhs_eval_run(&o, &r, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  if (rc) return;
  const fhs_eval_fidelity *f = &r.fid;
  CHECK(f->tvd1_mean == 0 && f->tvd1_max == 0);
  CHECK(f->tvd2_mean == 0 && f->tvd2_max == 0 && f->n_pairs == 15);
  CHECK(f->tvd3_mean == 0 && f->n_triples == 20);
  CHECK(f->ks_mean == 0 && f->ks_max == 0);
  CHECK(f->assoc_diff_max == 0);
  CHECK(f->score == 100);
  /* A copy of the training data: every privacy test must see it. */
  const fhs_eval_privacy *p = &r.priv;
  CHECK(p->exact_train == 1 && p->exact_train_same_size == 1);
  CHECK_MSG(p->exact_holdout < 0.01, "exact holdout %g", p->exact_holdout);
  CHECK_MSG(p->dcr_share == 1, "dcr share %g", p->dcr_share);
  CHECK(p->dcr_p5_train == 0 && p->dcr_p5_ratio == 0);
  CHECK_MSG(p->mia_auc > 0.99, "mia %g", p->mia_auc);
  CHECK_MSG(p->singling_out.risk > 0.5, "singling out %g", p->singling_out.risk);
  CHECK_MSG(p->linkability.risk > 0.5, "linkability %g", p->linkability.risk);
  CHECK_MSG(p->inference.risk > 0.5, "inference %g", p->inference.risk);
  CHECK_MSG(p->checks == FHS_EVAL_N_CHECKS && p->failures == FHS_EVAL_N_CHECKS,
            "checks %d failures %d mask %x", p->checks, p->failures, p->failed_mask);
  /* Utility: the same training rows make the same models. */
  CHECK(r.util.available);
  CHECK(strcmp(r.schema.columns[r.util.target].name, "label") == 0);
  for (int m = 0; m < 2; m++) {
    const fhs_eval_model *x = &r.util.model[m];
    CHECK_MSG(x->available && x->auc[0] > 0.8, "%s auc %g", x->name, x->auc[0]);
    CHECK_MSG(fabs(x->acc[0] - x->acc[1]) < 1e-12 && fabs(x->auc[0] - x->auc[1]) < 1e-12,
              "%s: %g vs %g", x->name, x->acc[0], x->acc[1]);
    CHECK(x->bacc[0] > 0.5 && x->bacc[0] <= x->acc[0] + 0.2);
  }
  CHECK(file_exists(json) && file_exists(report));
  fhs_eval_result_free(&r);
}

/* Real: A = B over k values (each pair k times); synthetic: every (a, b) pair once. Same 1-way
 * marginals, 2-way TVD = (k - 1) / k, Cramer's V 1 against 0. */
static void test_independent(void) {
  enum { K = 4 };
  char real[256], syn[256];
  path_of(real, "dep.csv");
  path_of(syn, "indep.csv");
  FILE *a = fopen(real, "w"), *b = fopen(syn, "w");
  CHECK(a && b);
  if (!a || !b) return;
  fputs("A,B\n", a);
  fputs("A,B\n", b);
  for (int i = 0; i < K; i++)
    for (int j = 0; j < K; j++) {
      fprintf(a, "v%d,w%d\n", i, i);
      fprintf(b, "v%d,w%d\n", i, j);
    }
  fclose(a);
  fclose(b);
  fhs_eval_options o;
  fhs_eval_options_init(&o);
  o.real_path = real, o.synthetic_path = syn;
  fhs_eval_result r;
  fhs_error err;
  int rc = fhs_eval_run(&o, &r, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  if (rc) return;
  CHECK(r.fid.tvd1_max < 1e-12);
  CHECK_MSG(fabs(r.fid.tvd2_mean - (K - 1.0) / K) < 1e-12, "tvd2 %g", r.fid.tvd2_mean);
  CHECK(r.fid.n_triples == 0 && isnan(r.fid.tvd3_mean));
  CHECK(fabs(r.fid.assoc_real[1] - 1) < 1e-12 && fabs(r.fid.assoc_syn[1]) < 1e-12);
  CHECK(fabs(r.fid.assoc_diff_max - 1) < 1e-12);
  CHECK(isnan(r.fid.ks_mean));
  /* No holdout: nothing that needs one is claimed. */
  CHECK(!r.util.available && strstr(r.util.reason, "holdout"));
  CHECK(!r.priv.have_holdout && isnan(r.priv.mia_auc) && r.priv.exact_train > 0);
  fhs_eval_result_free(&r);
}

/* An ideal synthesizer: a fresh sample of the same distribution. Nothing may be flagged. */
static void test_fresh_sample(void) {
  char real[256], syn[256], hold[256];
  path_of(real, "big_real.csv");
  path_of(syn, "big_syn.csv");
  path_of(hold, "big_hold.csv");
  CHECK(fixture_people(real, 2000, 11) == 0);
  CHECK(fixture_people(syn, 2000, 12) == 0);
  CHECK(fixture_people(hold, 2000, 13) == 0);
  fhs_eval_options o;
  fhs_eval_options_init(&o);
  o.real_path = real, o.synthetic_path = syn, o.holdout_path = hold;
  fhs_eval_result r;
  fhs_error err;
  int rc = fhs_eval_run(&o, &r, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  if (rc) return;
  const fhs_eval_privacy *p = &r.priv;
  CHECK_MSG(p->failures == 0, "failures %d mask %x: share %g p5 %g mia %g so %g [%g] link %g [%g] "
            "inf %g [%g]", p->failures, p->failed_mask, p->dcr_share, p->dcr_p5_ratio, p->mia_auc,
            p->singling_out.risk, p->singling_out.lo, p->linkability.risk, p->linkability.lo,
            p->inference.risk, p->inference.lo);
  CHECK(fabs(p->dcr_share - 0.5) < 0.03 && fabs(p->mia_auc - 0.5) < 0.03);
  CHECK(p->exact_train == 0);
  /* Two samples of 2000 rows differ by sampling noise alone (about 0.05 over 16 bins). */
  CHECK_MSG(r.fid.tvd1_max < 0.08 && r.fid.tvd2_mean < 0.15, "tvd %g %g", r.fid.tvd1_max,
            r.fid.tvd2_mean);
  for (int m = 0; m < 2; m++)
    CHECK_MSG(fabs(r.util.model[m].auc[0] - r.util.model[m].auc[1]) < 0.05, "%s %g vs %g",
              r.util.model[m].name, r.util.model[m].auc[0], r.util.model[m].auc[1]);
  fhs_eval_result_free(&r);
}

static void test_bad_inputs(void) {
  char real[256], syn[256], json[256], empty[256];
  path_of(real, "bad_real.csv");
  path_of(syn, "bad_syn.csv");
  path_of(json, "bad.json");
  path_of(empty, "empty.csv");
  CHECK(fixture_people(real, 50, 5) == 0);
  CHECK(fixture_write(syn, "x,y,age,city,plan\n0.5,1,30,Oslo,pro\n") == 0);
  CHECK(fixture_write(empty, "x,y,age,city,plan,label\n") == 0);
  fhs_eval_options o;
  fhs_eval_options_init(&o);
  o.real_path = real, o.synthetic_path = syn, o.json_path = json;
  fhs_eval_result r;
  fhs_error err;
  CHECK(fhs_eval_run(&o, &r, &err) == -1 && strstr(err.msg, "label") && !strchr(err.msg, '\n'));
  o.synthetic_path = empty;
  CHECK(fhs_eval_run(&o, &r, &err) == -1 && strstr(err.msg, "no data rows"));
  o.synthetic_path = real, o.target = "nope";
  CHECK(fhs_eval_run(&o, &r, &err) == -1 && strstr(err.msg, "nope"));
  o.target = "age";
  CHECK(fhs_eval_run(&o, &r, &err) == -1 && strstr(err.msg, "categorical"));
  CHECK(!file_exists(json));
}

static void test_helpers(void) {
  double s[6] = {0.1, 0.4, 0.35, 0.8, 0.8, 0.2};
  uint8_t pos[6] = {0, 0, 1, 1, 0, 1};
  /* Positives 0.35, 0.8, 0.2 against negatives 0.1, 0.4, 0.8: wins 1+0+0, 1+1+.5, 1+0+0. */
  CHECK(fabs(fhs_eval_auc(s, pos, 6) - 4.5 / 9) < 1e-12);
  double v, e;
  fhs_eval_wilson(50, 100, &v, &e);
  CHECK(fabs(v - 0.5) < 1e-12 && fabs(e - 0.0958) < 1e-3);
  fhs_eval_risk risk;
  fhs_eval_risk_set(&risk, 1000, 300, 10, 100);
  CHECK(risk.risk > 0.2 && risk.lo > 0.1 && risk.hi < 0.3 && !risk.weak);
  char all[256], tr[256], ho[256];
  path_of(all, "split_all.csv");
  path_of(tr, "split_train.csv");
  path_of(ho, "split_hold.csv");
  CHECK(fixture_people(all, 101, 9) == 0);
  fhs_error err;
  CHECK(fhs_eval_split_file(all, 0.2, 4, tr, ho, &err) == 0);
  fhs_schema schema;
  CHECK(fhs_schema_infer(all, NULL, &schema, &err) == 0);
  fhs_eval_data a, b;
  CHECK(fhs_eval_data_load(&schema, tr, 1, &a, &err) == 0 && a.n_rows == 81);
  CHECK(fhs_eval_data_load(&schema, ho, 1, &b, &err) == 0 && b.n_rows == 20);
  int t;
  CHECK(fhs_eval_target(&schema, NULL, &t, &err) == 0 && t == 5);
  fhs_eval_data_free(&a);
  fhs_eval_data_free(&b);
  fhs_schema_free(&schema);
}

int main(void) {
  if (fixture_dir(dir, sizeof dir)) {
    perror("mkdtemp");
    return 1;
  }
  test_helpers();
  test_independent();
  test_identical();
  test_fresh_sample();
  test_bad_inputs();
  fixture_cleanup(dir);
  return check_report("test_eval_metrics");
}
