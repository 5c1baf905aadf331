/* METRICS.json (every number of the evaluation, for machines and dashboards) and reading the
 * privacy budget from STATS.json or a run manifest. A number that could not be measured is
 * null, never a made-up value. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval_internal.h"

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *risk_json(const fhs_eval_risk *r, const fhs_schema *s) {
  if (!r->available) return json_null();
  json_t *o = json_pack("{s:o, s:[o, o], s:o, s:o, s:o, s:I, s:b}", "risk", num(r->risk), "ci",
                        num(r->lo), num(r->hi), "attack_rate", num(r->attack), "baseline_rate",
                        num(r->baseline), "control_rate", num(r->control), "n_attacks",
                        (json_int_t)r->n_attacks, "weaker_than_baseline", r->weak);
  if (o && r->column >= 0)
    json_object_set_new(o, "secret_column", json_string(s->columns[r->column].name));
  return o;
}

static json_t *fidelity_json(const fhs_eval_result *r) {
  const fhs_eval_fidelity *f = &r->fid;
  const fhs_schema *s = &r->schema;
  json_t *cols = json_array();
  for (size_t c = 0; c < f->n_cols; c++)
    json_array_append_new(cols, json_pack("{s:s, s:s, s:o, s:o}", "name", s->columns[c].name,
                                          "type", fhs_col_type_name(s->columns[c].type), "tvd",
                                          num(f->col[c].tvd), "ks", num(f->col[c].ks)));
  json_t *real = json_array(), *syn = json_array();
  for (size_t i = 0; i < f->n_cols * f->n_cols; i++) {
    json_array_append_new(real, num(f->assoc_real[i]));
    json_array_append_new(syn, num(f->assoc_syn[i]));
  }
  json_t *worst = f->n_pairs ? json_pack("[s, s]", s->columns[f->tvd2_worst[0]].name,
                                         s->columns[f->tvd2_worst[1]].name)
                             : json_null();
  return json_pack(
      "{s:o, s:s, s:{s:o, s:o}, s:{s:o, s:o, s:o, s:I}, s:{s:o, s:o, s:I}, s:{s:o, s:o}, "
      "s:{s:o, s:o, s:o, s:o}, s:o}",
      "score", num(f->score), "verdict", f->verdict, "tvd_1way", "mean", num(f->tvd1_mean), "max",
      num(f->tvd1_max), "tvd_2way", "mean", num(f->tvd2_mean), "max", num(f->tvd2_max),
      "worst_pair", worst, "pairs", (json_int_t)f->n_pairs, "tvd_3way", "mean",
      num(f->tvd3_mean), "max", num(f->tvd3_max), "triples", (json_int_t)f->n_triples, "ks",
      "mean", num(f->ks_mean), "max", num(f->ks_max), "association", "mean_abs_difference",
      num(f->assoc_diff_mean), "max_abs_difference", num(f->assoc_diff_max), "real", real,
      "synthetic", syn, "columns", cols);
}

static json_t *utility_json(const fhs_eval_result *r) {
  const fhs_eval_utility *u = &r->util;
  if (!u->available) return json_pack("{s:b, s:s}", "available", 0, "reason", u->reason);
  json_t *models = json_array();
  for (int m = 0; m < 2; m++) {
    const fhs_eval_model *x = &u->model[m];
    json_array_append_new(
        models, json_pack("{s:s, s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o}}", "model", x->name,
                          "train_real", "accuracy", num(x->acc[0]), "balanced_accuracy",
                          num(x->bacc[0]), "auc", num(x->auc[0]), "train_synthetic", "accuracy",
                          num(x->acc[1]), "balanced_accuracy", num(x->bacc[1]), "auc",
                          num(x->auc[1])));
  }
  return json_pack("{s:b, s:s, s:I, s:I, s:I, s:I, s:o}", "available", 1, "target",
                   r->schema.columns[u->target].name, "classes", (json_int_t)u->n_classes,
                   "train_real_rows", (json_int_t)fhs_eval_about(u->n_train_real), "train_synthetic_rows",
                   (json_int_t)u->n_train_syn, "test_rows", (json_int_t)fhs_eval_about(u->n_test), "models",
                   models);
}

static json_t *privacy_json(const fhs_eval_result *r) {
  const fhs_eval_privacy *p = &r->priv;
  if (!p->have_holdout)
    return json_pack("{s:b, s:s, s:o}", "holdout", 0, "verdict", p->verdict,
                     "exact_match_train", num(p->exact_train));
  json_t *failed = json_array();
  for (int i = 0; i < FHS_EVAL_N_CHECKS; i++)
    if (p->failed_mask & (1u << i)) json_array_append_new(failed, json_string(fhs_eval_check_name(i)));
  json_t *inf = json_object();
  for (size_t c = 0; p->inference_risk && c < r->schema.n_columns; c++)
    json_object_set_new(inf, r->schema.columns[c].name, num(p->inference_risk[c]));
  return json_pack(
      "{s:b, s:o, s:s, s:i, s:o, s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I}, "
      "s:o, s:o, s:o, s:o, s:o}",
      "holdout", 1, "score", num(p->score), "verdict", p->verdict, "checks", p->checks,
      "failed_checks", failed, "exact_match", "train", num(p->exact_train), "train_same_size",
      num(p->exact_train_same_size), "holdout", num(p->exact_holdout), "dcr", "share_closer_to_train",
      num(p->dcr_share), "p5_train", num(p->dcr_p5_train), "p5_holdout", num(p->dcr_p5_holdout),
      "p5_ratio", num(p->dcr_p5_ratio), "median_train", num(p->dcr_median_train),
      "median_holdout", num(p->dcr_median_holdout), "members", (json_int_t)p->n_members,
      "synthetic_rows", (json_int_t)p->n_dcr_rows, "mia_auc", num(p->mia_auc), "singling_out",
      risk_json(&p->singling_out, &r->schema), "linkability",
      risk_json(&p->linkability, &r->schema), "inference", risk_json(&p->inference, &r->schema),
      "inference_by_column", inf);
}

int fhs_eval_write_json(const fhs_eval_result *r, const char *path, fhs_error *err) {
  json_t *budget = r->budget_known
                       ? json_pack("{s:o, s:o, s:b}", "epsilon", num(r->epsilon), "delta",
                                   num(r->delta), "exact", r->exact)
                       : json_null();
  json_t *root = json_pack(
      "{s:s, s:i, s:{s:I, s:I, s:I}, s:o, s:o, s:o, s:o, s:{s:f, s:f, s:f, s:f, s:f}}", "format",
      "fhesynth-metrics", "version", 1, "rows", "real", (json_int_t)fhs_eval_about(r->n_real), "synthetic",
      (json_int_t)r->n_syn, "holdout", (json_int_t)fhs_eval_about(r->n_hold), "budget", budget, "fidelity",
      fidelity_json(r), "utility", utility_json(r), "privacy", privacy_json(r), "seconds", "load",
      r->time.load, "fidelity", r->time.fidelity, "privacy_distance", r->time.privacy_distance,
      "privacy_anonymeter", r->time.privacy_anonymeter, "utility", r->time.utility);
  if (!root) return fhs_error_set(err, "%s: could not build the metrics (out of memory?)", path);
  char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
  json_decref(root);
  if (!text) return fhs_error_set(err, "%s: out of memory", path);
  fhs_atomic_file af;
  int rc = fhs_atomic_open(&af, path, err);
  if (rc == 0) {
    fputs(text, af.fp);
    fputc('\n', af.fp);
    rc = fhs_atomic_commit(&af, err);
  }
  free(text);
  return rc;
}

/* ---------- the budget ---------- */

static const json_t *budget_object(const json_t *root) {
  if (json_object_get(root, "epsilon")) return root;
  const char *keys[] = {"privacy", "budget", "dp"};
  for (size_t i = 0; i < 3; i++) {
    const json_t *o = json_object_get(root, keys[i]);
    if (json_is_object(o) && json_object_get(o, "epsilon")) return o;
  }
  return NULL;
}

int fhs_eval_read_budget(const char *path, double *epsilon, double *delta, int *exact,
                         fhs_error *err) {
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  if (!root) return fhs_error_set(err, "%s:%d: %s", path, je.line, je.text);
  const json_t *b = json_is_object(root) ? budget_object(root) : NULL;
  int rc = 0;
  if (!b) {
    rc = fhs_error_set(err, "%s: no \"epsilon\" (expected a STATS.json or a run manifest)", path);
  } else {
    const json_t *e = json_object_get(b, "epsilon"), *d = json_object_get(b, "delta");
    *exact = json_is_true(json_object_get(root, "exact")) || json_is_true(json_object_get(b, "exact"));
    if (json_is_number(e)) *epsilon = json_number_value(e);
    else if (json_is_null(e) && *exact) *epsilon = INFINITY;
    else rc = fhs_error_set(err, "%s: \"epsilon\" must be a number", path);
    *delta = json_is_number(d) ? json_number_value(d) : (*exact ? 0 : NAN);
    if (rc == 0 && !*exact && !(*epsilon > 0))
      rc = fhs_error_set(err, "%s: \"epsilon\" must be positive", path);
  }
  json_decref(root);
  return rc;
}
