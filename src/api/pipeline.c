/* Encrypt (owner), fit (server), decrypt with DP (owner): the public API over the encode,
 * stats, dp and synth layers. */
#include <errno.h>
#include <libgen.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>

#include "api_internal.h"
#include "discover.h"
#include "estimate.h"
#include "dp.h"
#include "rows.h"

/* ---------- encrypt ---------- */

void fhs_encrypt_options_init(fhs_encrypt_options *o) {
  memset(o, 0, sizeof *o);
  o->bins = 16;
}

static char *default_schema_path(const char *out) {
  char *copy = api_strdup(out);
  if (!copy) return NULL;
  const char *dir = dirname(copy);
  size_t n = strlen(dir) + 16;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/SCHEMA.json", dir);
  free(copy);
  return p;
}

/* A fresh temporary name in target's directory (".NAME.fhs.XXXXXX"), created empty, locked
 * and registered for removal on a signal (io's placeholder; fhs_temp_release forgets it). */
static char *temp_beside(const char *target) { return fhs_temp_create(target); }

static int encrypt_rows(const char *input, const fhs_schema *schema, const fhs_secret_key *sk,
                        const uint8_t *dataset_id, const char *out, const fhs_encrypt_options *o, uint64_t *rows,
                        fhs_error *err) {
  fhs_rows *src = fhs_rows_open(input, err);
  if (!src) return -1;
  fhs_encoder *enc = fhs_encoder_create_rows(schema, src, sk->ctx->n, err);
  int rc = enc ? fhs_data_encrypt(enc, schema, sk, dataset_id, out, 0, o->progress, o->progress_user, err) : -1;
  if (rc == 0) *rows = fhs_encoder_rows(enc);
  fhs_encoder_free(enc);
  fhs_rows_close(src);
  return rc;
}

fhs_status fhs_rho_from_epsilon(double epsilon, double delta, double *rho) {
  fhs_error err = {{0}};
  if (!rho) return api_fail(FHS_ERR_INVALID, "privacy: no output");
  return fhs_dp_rho_from_epsilon(epsilon, delta, rho, &err) == 0 ? FHS_OK : api_fail(FHS_ERR_INVALID, "privacy: %s", err.msg);
}

fhs_status fhs_epsilon_from_rho(double rho, double delta, double *epsilon) {
  fhs_error err = {{0}};
  if (!epsilon) return api_fail(FHS_ERR_INVALID, "privacy: no output");
  return fhs_dp_epsilon_from_rho(rho, delta, epsilon, &err) == 0 ? FHS_OK : api_fail(FHS_ERR_INVALID, "privacy: %s", err.msg);
}

/* Discovery's default budget: 10% of the rho of (epsilon 1, delta 1e-6), with a tenth of that
 * delta for the label thresholds, so that a discovery and a default release compose to about
 * epsilon 1.1. */
#define DEFAULT_DISCOVERY_SHARE 0.1

double api_discovery_default_rho(double delta_thr) {
  double rho = 0;
  fhs_error e = {{0}};
  if (fhs_dp_rho_from_epsilon(1.0, FHS_DEFAULT_DELTA - delta_thr, &rho, &e) != 0) return 0;
  return DEFAULT_DISCOVERY_SHARE * rho;
}

/* The exact schema: the old behaviour. It spends nothing from the ledger (it stays with the
 * owner); every release that uses it is marked not DP in its manifest, and releases of the same
 * data under another domain stay DP. */
static fhs_status exact_schema(const char *input, const fhs_encrypt_options *o, fhs_schema *schema) {
  fprintf(stderr,
          "fhesynth: warning: unsafe-exact-schema: the domain of %s is taken from the exact data (exact bounds, every "
          "label): releases that use it are not differentially private\n",
          input);
  fhs_infer_options io = fhs_infer_defaults();
  io.bins = o->bins;
  fhs_error err = {{0}};
  return fhs_schema_infer(input, &io, schema, &err) == 0 ? FHS_OK : api_fail_err(&err);
}

/* DP domain discovery, charged to the ledger before the data is read. */
static fhs_status dp_schema(const char *input, const fhs_encrypt_options *o, const uint8_t *id, const char *ledger,
                            size_t ring, fhs_schema *schema) {
  double dthr = o->discovery_delta > 0 ? o->discovery_delta : FHS_DEFAULT_DELTA / 10;
  double rho = o->discovery_rho > 0 ? o->discovery_rho : api_discovery_default_rho(dthr);
  if (!(dthr < 0.01) || !(rho > 0) || !isfinite(rho))
    return api_fail(FHS_ERR_INVALID, "encrypt: discovery budget rho %g, delta %g is not usable", rho, dthr);
  /* reported as one (epsilon, delta) release: the thresholds take a tenth of delta */
  double eps = 0;
  fhs_error err = {{0}};
  if (fhs_dp_epsilon_from_rho(rho, 9 * dthr, &eps, &err) != 0) return api_fail_err(&err);
  api_release r = {"discovery", "DP domain discovery (schema)", eps, 10 * dthr, rho, dthr, 0};
  fhs_status s = api_ledger_precheck(ledger, id, rho, 10 * dthr, dthr);
  if (s != FHS_OK) return s;
  /* discovery, then within-bin weights for the columns it leaves without (discover.h). The
   * work estimate needs the domain, so the charge comes after discovery but before anything
   * of it leaves this function: a job refused as too long spends nothing, and one killed in
   * between has released nothing. */
  if (api_discover_refined(input, rho, dthr, o->bins, FHS_INFER_DEFAULT_MAX_CATEGORIES, schema, &err) != 0)
    return api_fail_err(&err);
  s = api_encrypt_work_check(input, schema, ring, o);
  if (s == FHS_OK) s = api_ledger_charge(ledger, id, 0, 0, &r);
  if (s != FHS_OK) fhs_schema_free(schema);
  return s;
}

/* DP within-bin refinement of a given schema (refine.c), charged to the ledger before the data
 * is read; nothing is charged when no column needs it. */
static fhs_status refine_schema(const char *input, const fhs_encrypt_options *o, const uint8_t *id, const char *ledger,
                                fhs_schema *schema) {
  if (!api_refine_columns(schema)) return FHS_OK;
  double dthr = o->discovery_delta > 0 ? o->discovery_delta : FHS_DEFAULT_DELTA / 10, rho = o->refine_rho;
  if (!(dthr < 0.01) || !(rho > 0) || !isfinite(rho))
    return api_fail(FHS_ERR_INVALID, "encrypt: refinement budget rho %g, delta %g is not usable", rho, dthr);
  double eps = 0;
  fhs_error err = {{0}};
  if (fhs_dp_epsilon_from_rho(rho, 9 * dthr, &eps, &err) != 0) return api_fail_err(&err);
  api_release r = {"discovery", "within-bin refinement", eps, 10 * dthr, rho, dthr, 0};
  fhs_status s = api_ledger_charge(ledger, id, 0, 0, &r);
  if (s != FHS_OK) return s;
  return api_refine_schema(input, schema, rho, dthr, &err) == 0 ? FHS_OK : api_fail_err(&err);
}

/* The schema to encrypt with: the user's public one (refined when asked), else learnt (DP, or
 * exact when asked). */
static fhs_status choose_schema(const char *input, const fhs_encrypt_options *o, const uint8_t *id, size_t ring,
                                fhs_schema *schema) {
  fhs_error err = {{0}};
  if (o->schema && fhs_schema_read(o->schema, schema, &err) != 0) return api_fail_err(&err);
  /* refinement keeps the domain: a given schema's work is known before anything is spent */
  fhs_status s = o->schema ? api_encrypt_work_check(input, schema, ring, o) : FHS_OK;
  if (s != FHS_OK || (o->schema && !(o->refine_rho > 0))) {
    if (s != FHS_OK) fhs_schema_free(schema);
    return s;
  }
  char *ledger = NULL;
  s = api_ledger_path(id, o->ledger, &ledger);
  if (s == FHS_OK && o->schema)
    s = refine_schema(input, o, id, ledger, schema);
  else if (s == FHS_OK && o->unsafe_exact_schema) {
    s = exact_schema(input, o, schema);
    if (s == FHS_OK) s = api_encrypt_work_check(input, schema, ring, o);
  } else if (s == FHS_OK)
    s = dp_schema(input, o, id, ledger, ring, schema);
  free(ledger);
  if (s != FHS_OK) fhs_schema_free(schema);
  return s;
}

fhs_status fhs_dataset_encrypt(const char *input, const fhs_keys *keys, const char *out,
                               const fhs_encrypt_options *opts, fhs_dataset **out_ds) {
  fhs_encrypt_options d;
  fhs_encrypt_options_init(&d);
  if (!opts) opts = &d;
  if (out_ds) *out_ds = NULL;
  if (!keys || !keys->has_secret) return api_fail(FHS_ERR_KEY, "encrypt: needs the owner's key directory (secret key)");
  if (opts->bins < 1 || opts->bins > 1024) return api_fail(FHS_ERR_INVALID, "encrypt: bins must be 1..1024 (got %zu)", opts->bins);
  if (opts->schema && opts->unsafe_exact_schema)
    return api_fail(FHS_ERR_INVALID, "encrypt: a given schema and unsafe_exact_schema exclude each other");
  if (opts->refine_rho < 0 || !isfinite(opts->refine_rho))
    return api_fail(FHS_ERR_INVALID, "encrypt: refine_rho must be 0 (none) or positive (got %g)", opts->refine_rho);
  if (!(opts->max_minutes >= 0) || !isfinite(opts->max_minutes) || opts->fit_ways < 0 || opts->fit_ways > 3)
    return api_fail(FHS_ERR_INVALID, "encrypt: max_minutes must be >= 0 and fit_ways 0..3 (got %g, %d)", opts->max_minutes,
                    opts->fit_ways);
  /* a learnt schema, or a given one refined, is written out */
  int writes_schema = !opts->schema || opts->refine_rho > 0;
  fhs_status s = api_check_input(input);
  if (s == FHS_OK) s = api_check_output(out);
  if (s == FHS_OK && opts->schema) s = api_check_input(opts->schema);
  char *schema_out = NULL;
  if (s == FHS_OK && writes_schema) {
    schema_out = opts->schema_out ? api_strdup(opts->schema_out) : default_schema_path(out);
    if (!schema_out) s = api_fail(FHS_ERR_NOMEM, "out of memory");
    else s = api_check_output(schema_out);
    struct stat a, b; /* a refined schema must not replace the given one */
    if (s == FHS_OK && opts->schema && stat(opts->schema, &a) == 0 && stat(schema_out, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino)
      s = api_fail(FHS_ERR_INVALID, "encrypt: %s: the refined schema would replace the given one; write it elsewhere",
                   schema_out);
  }
  uint8_t id[FHS_DATASET_ID_BYTES];
  if (s == FHS_OK) s = api_dataset_id(opts->dataset_of ? opts->dataset_of : input, id);
  fhs_schema schema;
  memset(&schema, 0, sizeof schema);
  if (s == FHS_OK) s = choose_schema(input, opts, id, keys->sk.ctx->n, &schema);
  if (s != FHS_OK) {
    free(schema_out);
    return s;
  }
  /* DATA.fhe and its schema belong together: the data goes to a temporary name beside out and
   * replaces out only once the schema is written too; a failure leaves both old files as they
   * were */
  fhs_error err = {{0}};
  int rc = 0;
  uint64_t rows = 0;
  char *tmp = temp_beside(out);
  if (!tmp) rc = fhs_error_set(&err, "%s: cannot create a file in its directory", out);
  if (rc == 0) rc = encrypt_rows(input, &schema, &keys->sk, id, tmp, opts, &rows, &err);
  if (rc == 0 && schema_out) rc = fhs_schema_write(&schema, schema_out, &err);
  if (rc == 0 && rename(tmp, out) != 0) rc = fhs_error_set(&err, "%s: cannot rename into place: %s", out, strerror(errno));
  if (tmp && rc != 0) unlink(tmp);
  if (tmp && rc != 0) fhs_temp_error_name(&err, tmp, out);
  fhs_temp_release(tmp);
  free(tmp);
  fhs_schema_free(&schema);
  free(schema_out);
  if (rc != 0) return api_fail_err(&err);
  return out_ds ? fhs_dataset_open(out, out_ds) : FHS_OK;
}

fhs_status fhs_dataset_open(const char *path, fhs_dataset **out) {
  if (!out) return api_fail(FHS_ERR_INVALID, "dataset: no output handle");
  *out = NULL;
  fhs_status s = api_check_input(path);
  if (s != FHS_OK) return s;
  fhs_dataset *d = calloc(1, sizeof *d);
  fhs_error err = {{0}};
  if (!d || !(d->path = api_strdup(path))) {
    free(d);
    return api_fail(FHS_ERR_NOMEM, "out of memory");
  }
  d->reader = fhs_data_open(path, &err);
  if (!d->reader) {
    fhs_dataset_free(d);
    return api_fail_err(&err);
  }
  *out = d;
  return FHS_OK;
}

const char *fhs_dataset_path(const fhs_dataset *d) { return d ? d->path : NULL; }
uint64_t fhs_dataset_rows_padded(const fhs_dataset *d) { return d ? fhs_data_header_of(d->reader)->rows_padded : 0; }
size_t fhs_dataset_columns(const fhs_dataset *d) { return d ? fhs_data_header_of(d->reader)->n_columns : 0; }
size_t fhs_dataset_domain_size(const fhs_dataset *d, size_t c) {
  if (!d || c >= fhs_dataset_columns(d)) return 0;
  return fhs_data_header_of(d->reader)->domain[c];
}

void fhs_dataset_free(fhs_dataset *d) {
  if (!d) return;
  fhs_data_close(d->reader);
  free(d->path);
  free(d);
}

/* ---------- fit ---------- */

void fhs_fit_options_init(fhs_fit_options *o) {
  memset(o, 0, sizeof *o);
  o->ways = 2;
  o->memory_mib = 1024;
}

static double fit_seconds(const fhs_data_header *h, const fhs_marginal_list *list, uint64_t *counts) {
  return api_fit_seconds(h->domain, list, h->n_blocks, h->ring_degree, counts);
}

static fhs_status fit_list(const fhs_dataset *d, const fhs_fit_options *opts, fhs_marginal_list *list) {
  fhs_error err = {{0}};
  uint32_t cols = fhs_data_header_of(d->reader)->n_columns;
  int rc = opts->marginals ? fhs_marginal_list_parse(opts->marginals, cols, list, &err)
                           : fhs_marginal_list_all(cols, opts->ways, list, &err);
  /* judged from the option and DATA.fhe's header (its column count), before any ciphertext is
   * read: a bad list is a usage error */
  return rc == 0 ? FHS_OK : api_fail(FHS_ERR_INVALID, "%s: %s", d->path, err.msg);
}

fhs_status fhs_dataset_fit_estimate(const fhs_dataset *d, const fhs_fit_options *opts, uint64_t *counts,
                                    double *seconds) {
  fhs_fit_options def;
  fhs_fit_options_init(&def);
  if (!opts) opts = &def;
  if (!d || !counts || !seconds) return api_fail(FHS_ERR_INVALID, "fit: a dataset and outputs are required");
  fhs_marginal_list list = {0, NULL};
  fhs_status s = fit_list(d, opts, &list);
  if (s == FHS_OK) *seconds = fit_seconds(fhs_data_header_of(d->reader), &list, counts);
  fhs_marginal_list_free(&list);
  return s;
}

fhs_status fhs_dataset_fit(const fhs_dataset *d, const fhs_keys *eval_keys, const char *out,
                           const fhs_fit_options *opts, fhs_encrypted_stats **out_stats) {
  fhs_fit_options def;
  fhs_fit_options_init(&def);
  if (!opts) opts = &def;
  if (out_stats) *out_stats = NULL;
  if (!d || !eval_keys) return api_fail(FHS_ERR_INVALID, "fit: a dataset and an evaluation key are required");
  if (!opts->marginals && (opts->ways < 1 || opts->ways > 3))
    return api_fail(FHS_ERR_INVALID, "fit: ways must be 1, 2 or 3 (got %d)", opts->ways);
  if (opts->memory_mib < 64) return api_fail(FHS_ERR_INVALID, "fit: memory must be at least 64 MiB");
  fhs_status s = api_check_output(out);
  if (s != FHS_OK) return s;
  /* the evaluation key of an owner's directory loads on first use (a cache in the handle) */
  if ((s = api_keys_need_eval((fhs_keys *)eval_keys)) != FHS_OK) return s;
  if (!(opts->max_minutes >= 0) || !isfinite(opts->max_minutes))
    return api_fail(FHS_ERR_INVALID, "fit: max_minutes must be a number >= 0 (got %g)", opts->max_minutes);
  fhs_error err = {{0}};
  fhs_marginal_list list = {0, NULL};
  if ((s = fit_list(d, opts, &list)) != FHS_OK) return s;
  uint64_t counts = 0;
  double est = fit_seconds(fhs_data_header_of(d->reader), &list, &counts);
  double limit = api_max_minutes(opts->max_minutes);
  if (!opts->force && est > limit * 60) {
    fhs_marginal_list_free(&list);
    return api_fail(FHS_ERR_INVALID,
                    "%s: fit would compute %llu counts over %llu blocks, an estimated %.1f minutes (limit %g): fit "
                    "fewer marginals (--marginals), use a schema with fewer bins, or raise --max-minutes (--force)",
                    d->path, (unsigned long long)counts, (unsigned long long)fhs_data_header_of(d->reader)->n_blocks,
                    est / 60, limit);
  }
  fhs_stats_fit_options fo = {opts->memory_mib, opts->progress, opts->progress_user};
  int rc = fhs_fit(d->reader, &eval_keys->ek, &list, &fo, out, &err);
  fhs_marginal_list_free(&list);
  if (rc != 0) return api_fail_err(&err);
  return out_stats ? fhs_encrypted_stats_open(out, out_stats) : FHS_OK;
}

fhs_status fhs_encrypted_stats_open(const char *path, fhs_encrypted_stats **out) {
  if (!out) return api_fail(FHS_ERR_INVALID, "stats: no output handle");
  *out = NULL;
  fhs_status s = api_check_input(path);
  if (s != FHS_OK) return s;
  fhs_encrypted_stats *e = calloc(1, sizeof *e);
  if (!e || !(e->path = api_strdup(path))) {
    free(e);
    return api_fail(FHS_ERR_NOMEM, "out of memory");
  }
  fhs_error err = {{0}};
  if (fhs_stats_inspect(path, &e->info, &err) != 0) {
    fhs_encrypted_stats_free(e);
    return api_fail_err(&err);
  }
  *out = e;
  return FHS_OK;
}

const char *fhs_encrypted_stats_path(const fhs_encrypted_stats *s) { return s ? s->path : NULL; }
size_t fhs_encrypted_stats_marginals(const fhs_encrypted_stats *s) { return s ? (size_t)s->info.marginals : 0; }

void fhs_encrypted_stats_free(fhs_encrypted_stats *s) {
  if (!s) return;
  free(s->path);
  free(s);
}

/* ---------- decrypt and release ---------- */

void fhs_decrypt_options_init(fhs_decrypt_options *o) { memset(o, 0, sizeof *o); }

/* The decrypted tables as the synthesizer's marginal set, checked against the schema. */
static int to_marginals(const fhs_count_set *cs, const fhs_schema *schema, const char *schema_path,
                        const char *stats_path, fhs_marginal_set *out, fhs_error *err) {
  memset(out, 0, sizeof *out);
  if (cs->n_columns != schema->n_columns)
    return fhs_error_set(err, "%s: has %zu columns, but %s has %u: they describe different data", schema_path,
                         schema->n_columns, stats_path, cs->n_columns);
  for (size_t c = 0; c < schema->n_columns; c++)
    if (fhs_schema_domain_size(&schema->columns[c]) != cs->domain[c])
      return fhs_error_set(err, "%s: column \"%s\" has %zu values, but %s has %u: they describe different data",
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

static int copy_marginals(const fhs_marginal_set *in, fhs_marginal_set *out, fhs_error *err) {
  *out = *in;
  out->m = calloc(in->count, sizeof *out->m);
  if (!out->m) return fhs_error_set(err, "out of memory");
  for (size_t i = 0; i < in->count; i++) {
    out->m[i] = in->m[i];
    out->m[i].counts = malloc(in->m[i].size * sizeof *in->m[i].counts);
    if (!out->m[i].counts) {
      out->count = i;
      fhs_marginal_set_free(out);
      return fhs_error_set(err, "out of memory");
    }
    memcpy(out->m[i].counts, in->m[i].counts, in->m[i].size * sizeof *in->m[i].counts);
  }
  return 0;
}

/* What the schema's own discovery spent (0 for a public or exact schema). */
static void schema_cost(const fhs_schema *schema, double *rho, double *delta) {
  *rho = *delta = 0;
  if (schema->origin == FHS_ORIGIN_DP) {
    *rho = schema->dp_rho;
    *delta = schema->dp_delta;
  }
}

/* The ledger of the dataset the statistics came from; with the input at hand, the dataset id
 * the server returned is checked too (a server could relabel another dataset's results). */
static int ledger_of(const fhs_decrypt_options *o, const fhs_stats_info *info, const char *stats_path, char **ledger,
                     fhs_error *err) {
  const char *of = o->dataset_of ? o->dataset_of : o->verify_input;
  if (of) {
    uint8_t id[FHS_DATASET_ID_BYTES];
    if (api_dataset_id(of, id) != FHS_OK) return fhs_error_set(err, "%s", fhs_last_error());
    if (sodium_memcmp(id, info->dataset_id, sizeof id) != 0)
      return fhs_error_set(err, "%s: computed from another dataset than %s: nothing released", stats_path, of);
  }
  if (api_ledger_path(info->dataset_id, o->ledger, ledger) != FHS_OK) return fhs_error_set(err, "%s", fhs_last_error());
  return 0;
}

static int charge(const char *ledger, const fhs_stats_info *info, const fhs_decrypt_options *o, const api_release *r,
                  fhs_error *err) {
  return api_ledger_charge(ledger, info->dataset_id, o->budget, 0, r) == FHS_OK ? 0 : fhs_error_set(err, "%s", fhs_last_error());
}

/* STATS.json is written (and synced) under a temporary name first, then the ledger is charged,
 * then it is renamed into place, with SIGINT/SIGTERM held off between the charge and the
 * rename: a failed write (disk full) charges nothing, a signal cannot separate the charge from
 * the release, and a kill -9 in that short window over-counts one release, never the reverse. */
static int publish(const char *ledger, const fhs_stats_info *info, const fhs_decrypt_options *o, const api_release *r,
                   const fhs_marginal_set *noisy, const fhs_schema *schema, const char *out_json, fhs_error *err) {
  char *tmp = fhs_temp_create(out_json);
  if (!tmp) return fhs_error_set(err, "%s: cannot create a file in its directory: %s", out_json, strerror(errno));
  int rc = fhs_stats_json_write(noisy, schema, tmp, err);
  if (rc != 0) fhs_temp_error_name(err, tmp, out_json);
  fhs_signal_defer_begin();
  if (rc == 0) rc = charge(ledger, info, o, r, err);
  if (rc == 0) rc = fhs_temp_rename(tmp, out_json, err);
  if (rc != 0) unlink(tmp);
  fhs_temp_release(tmp);
  fhs_signal_defer_end();
  free(tmp);
  return rc;
}

static int release_exact(const char *ledger, const fhs_stats_info *info, const fhs_decrypt_options *o,
                         const fhs_schema *schema, const char *out_json, const fhs_marginal_set *exact,
                         fhs_marginal_set *noisy, fhs_error *err) {
  /* a privacy warning is not progress chatter: quiet does not silence it */
  fprintf(stderr, "fhesynth: warning: no-dp: %s holds exact counts, not differentially private; keep it to yourself\n",
          out_json);
  api_release r = {"no-dp", "exact statistics (--no-dp)", 0, 0, 0, 0, 1};
  /* every decrypted table, 3-way ones included: the owner asked for exact statistics */
  int rc = copy_marginals(exact, noisy, err);
  const char *plan = o->model ? o->model : "mst";
  for (const char *const *p = fhs_release_plans(); rc == 0 && *p; p++)
    if (strcmp(*p, plan) == 0) snprintf(noisy->plan, sizeof noisy->plan, "%s", plan);
  if (rc == 0) rc = publish(ledger, info, o, &r, noisy, schema, out_json, err);
  return rc;
}

/* Noisy marginals, charged to the ledger; the set's epsilon, delta and rho then describe the
 * whole release, the schema's discovery included. */
static int release(const fhs_keys *keys, const fhs_decrypt_options *o, const fhs_stats_info *info,
                   const fhs_schema *schema, const char *stats_path, const char *out_json,
                   const fhs_marginal_set *exact, fhs_marginal_set *noisy, fhs_error *err) {
  (void)keys;
  double delta = o->delta > 0 ? o->delta : FHS_DEFAULT_DELTA;
  if (info->rows_padded > 0 && delta > 1.0 / (double)info->rows_padded)
    return fhs_error_set(err, "%s: delta %g is above 1/%llu (one over the padded row count): such a delta allows "
                         "releasing a whole row", stats_path, delta, (unsigned long long)info->rows_padded);
  char *ledger = NULL;
  if (ledger_of(o, info, stats_path, &ledger, err) != 0) return -1;
  int rc;
  if (o->no_dp) {
    rc = release_exact(ledger, info, o, schema, out_json, exact, noisy, err);
    free(ledger);
    return rc;
  }
  double rho = o->rho;
  if (!(rho > 0) && fhs_dp_rho_from_epsilon(o->epsilon, delta, &rho, err) != 0) {
    free(ledger);
    return -1;
  }
  double eps = o->epsilon, s_rho, s_delta;
  rc = o->epsilon > 0 ? 0 : fhs_dp_epsilon_from_rho(rho, delta, &eps, err);
  fhs_release_info ri;
  if (rc == 0) rc = fhs_release_rho(exact, o->model, rho, NULL, noisy, &ri, err);
  char label[512];
  snprintf(label, sizeof label, "decrypt %.200s -> %.200s (model %s)", stats_path, out_json, o->model ? o->model : "mst");
  api_release r = {"marginals", label, eps, delta, rho, 0, 0};
  schema_cost(schema, &s_rho, &s_delta);
  noisy->rho = rho + s_rho;
  noisy->delta = delta + s_delta;
  if (rc == 0) rc = fhs_dp_epsilon_from_rho(noisy->rho, delta, &noisy->epsilon, err);
  if (rc == 0) rc = publish(ledger, info, o, &r, noisy, schema, out_json, err);
  if (rc != 0) fhs_marginal_set_free(noisy);
  free(ledger);
  return rc;
}

fhs_status fhs_encrypted_stats_decrypt(const fhs_encrypted_stats *s, const fhs_keys *keys, const char *schema_path,
                                       const char *out_json, const fhs_decrypt_options *opts, fhs_noisy_stats **out) {
  fhs_decrypt_options def;
  fhs_decrypt_options_init(&def);
  if (!opts) opts = &def;
  if (out) *out = NULL;
  if (!s || !keys) return api_fail(FHS_ERR_INVALID, "decrypt: statistics and keys are required");
  if (!keys->has_secret || !keys->dir) return api_fail(FHS_ERR_KEY, "decrypt: needs the owner's key directory (secret key)");
  if (!opts->no_dp && !(opts->epsilon > 0 && isfinite(opts->epsilon)) && !(opts->rho > 0 && isfinite(opts->rho)))
    return api_fail(FHS_ERR_INVALID, "decrypt: choose the privacy: a positive epsilon, or no_dp");
  if (opts->no_dp && (opts->epsilon > 0 || opts->rho > 0)) return api_fail(FHS_ERR_INVALID, "decrypt: no_dp excludes epsilon");
  if (!opts->no_dp && !(opts->rho > 0) && !(opts->epsilon >= FHS_EPSILON_MIN && opts->epsilon <= FHS_EPSILON_MAX))
    return api_fail(FHS_ERR_INVALID, "decrypt: epsilon %g is outside [%g, %g], the range where the zCDP conversion is tight",
                    opts->epsilon, FHS_EPSILON_MIN, FHS_EPSILON_MAX);
  if (opts->delta < 0 || opts->delta >= 1) return api_fail(FHS_ERR_INVALID, "decrypt: delta must be in (0, 1)");
  /* judged from STATS.fhe's header before anything is decrypted: a usage error */
  if (!opts->no_dp && s->info.rows_padded > 0 && opts->delta > 1.0 / (double)s->info.rows_padded)
    return api_fail(FHS_ERR_INVALID, "decrypt: delta %g is above 1/%llu (one over %s's padded row count): such a delta "
                    "allows releasing a whole row", opts->delta, (unsigned long long)s->info.rows_padded, s->path);
  fhs_status st = api_check_input(schema_path);
  if (st == FHS_OK) st = api_check_output(out_json);
  if (st == FHS_OK && opts->verify_input) st = api_check_input(opts->verify_input);
  if (st != FHS_OK) return st;
  fhs_error err = {{0}};
  fhs_schema schema;
  if (fhs_schema_read(schema_path, &schema, &err) != 0) return api_fail_err(&err);
  int refuted = 0;
  fhs_count_set cs;
  fhs_marginal_set exact, noisy;
  memset(&exact, 0, sizeof exact);
  memset(&noisy, 0, sizeof noisy);
  /* fhs_stats_decrypt refuses counts out of range or inconsistent (fhs_count_set_check); the
   * recount compares every cell with the owner's input. Both come before release(): a result
   * the server got wrong releases nothing and charges nothing to the ledger. */
  int rc = fhs_stats_decrypt(s->path, &keys->sk, &cs, &err);
  if (rc == 0) {
    rc = to_marginals(&cs, &schema, schema_path, s->path, &exact, &err);
    if (rc == 0 && opts->verify_input) {
      rc = fhs_count_set_recount(&cs, &schema, opts->verify_input, s->path, &err);
      refuted = rc == FHS_STATS_REFUTED;
    }
    fhs_count_set_free(&cs);
  }
  if (rc == 0) rc = release(keys, opts, &s->info, &schema, s->path, out_json, &exact, &noisy, &err);
  fhs_marginal_set_free(&exact);
  fhs_marginal_set_free(&noisy);
  fhs_schema_free(&schema);
  if (refuted) return api_fail(FHS_ERR_CORRUPT, "%s", err.msg); /* the server's result was modified */
  if (rc != 0) return api_fail_err(&err);
  return out ? fhs_noisy_stats_open(out_json, schema_path, out) : FHS_OK;
}
