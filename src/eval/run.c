/* The whole evaluation: schema, three tables, three families of metrics, two outputs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval_internal.h"

void fhs_eval_options_init(fhs_eval_options *o) {
  memset(o, 0, sizeof *o);
  o->epsilon = o->delta = NAN;
  o->bins = FHS_INFER_DEFAULT_BINS;
  o->seed = 1;
  o->max_triples = 200;
  o->max_dcr_rows = 20000;
  o->max_members = 10000;
  o->n_attacks = 500;
  o->xgb_rounds = 60;
}

void fhs_eval_result_free(fhs_eval_result *r) {
  if (!r) return;
  fhs_eval_fidelity_free(&r->fid);
  fhs_eval_privacy_free(&r->priv);
  fhs_schema_free(&r->schema);
  memset(r, 0, sizeof *r);
}

typedef struct {
  fhs_eval_data real, syn, hold;
} tables;

static void tables_free(tables *t) {
  fhs_eval_data_free(&t->real);
  fhs_eval_data_free(&t->syn);
  fhs_eval_data_free(&t->hold);
}

static int load_inputs(const fhs_eval_options *o, fhs_eval_result *r, tables *t, fhs_error *err) {
  int inferred = o->schema_path == NULL;
  if (inferred) {
    fhs_infer_options io = fhs_infer_defaults();
    io.bins = o->bins ? o->bins : FHS_INFER_DEFAULT_BINS;
    if (fhs_schema_infer(o->real_path, &io, &r->schema, err)) return -1;
  } else if (fhs_schema_read(o->schema_path, &r->schema, err)) {
    return -1;
  }
  if (r->schema.n_columns == 0) return fhs_error_set(err, "%s: no columns", o->real_path);
  if (fhs_eval_data_load(&r->schema, o->real_path, 0, &t->real, err)) return -1;
  if (fhs_eval_data_load(&r->schema, o->synthetic_path, inferred, &t->syn, err)) return -1;
  if (o->holdout_path && fhs_eval_data_load(&r->schema, o->holdout_path, inferred, &t->hold, err))
    return -1;
  r->n_real = t->real.n_rows, r->n_syn = t->syn.n_rows, r->n_hold = t->hold.n_rows;
  return 0;
}

static int load_budget(const fhs_eval_options *o, fhs_eval_result *r, fhs_error *err) {
  r->epsilon = r->delta = NAN;
  if (!isnan(o->epsilon)) {
    r->budget_known = 1, r->epsilon = o->epsilon, r->delta = o->delta;
    r->exact = isinf(o->epsilon);
    return 0;
  }
  if (!o->stats_path) return 0;
  if (fhs_eval_read_budget(o->stats_path, &r->epsilon, &r->delta, &r->exact, err)) return -1;
  r->budget_known = 1;
  return 0;
}

static int check_options(const fhs_eval_options *o, fhs_error *err) {
  if (!o->real_path || !o->synthetic_path)
    return fhs_error_set(err, "evaluate: the real and the synthetic data are required");
  if (o->max_dcr_rows == 0 || o->max_members == 0)
    return fhs_error_set(err, "evaluate: the distance sample sizes must be positive");
  return 0;
}

static int compute(const fhs_eval_options *o, fhs_eval_result *r, tables *t, fhs_error *err) {
  const fhs_eval_data *hold = o->holdout_path ? &t->hold : NULL;
  int target;
  if (fhs_eval_target(&r->schema, o->target, &target, err)) return -1;
  double t0 = fhs_eval_now();
  if (fhs_eval_fidelity_compute(&r->schema, &t->real, &t->syn, o, &r->fid, err)) return -1;
  double t1 = fhs_eval_now();
  r->time.fidelity = t1 - t0;
  if (fhs_eval_privacy_compute(&r->schema, &t->real, &t->syn, hold, o, &r->priv, &r->time, err))
    return -1;
  double t2 = fhs_eval_now();
  if (fhs_eval_utility_compute(&r->schema, &t->real, &t->syn, hold, target, o, &r->util, err))
    return -1;
  r->time.utility = fhs_eval_now() - t2;
  return 0;
}

int fhs_eval_run(const fhs_eval_options *o, fhs_eval_result *out, fhs_error *err) {
  fhs_eval_result r;
  memset(&r, 0, sizeof r);
  tables t;
  memset(&t, 0, sizeof t);
  if (check_options(o, err)) return -1;
  double t0 = fhs_eval_now();
  int rc = load_budget(o, &r, err);
  if (rc == 0) rc = load_inputs(o, &r, &t, err);
  r.time.load = fhs_eval_now() - t0;
  if (rc == 0) rc = compute(o, &r, &t, err);
  tables_free(&t);
  double t1 = fhs_eval_now();
  if (rc == 0 && o->json_path) rc = fhs_eval_write_json(&r, o->json_path, err);
  if (rc == 0 && o->report_path) rc = fhs_eval_write_report(&r, o->report_path, err);
  r.time.output = fhs_eval_now() - t1;
  if (rc || !out) fhs_eval_result_free(&r);
  else *out = r;
  return rc;
}
