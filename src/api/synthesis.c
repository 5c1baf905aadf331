/* Noisy statistics, synthesizers and the whole pipeline in one call. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api_internal.h"
#include "discover.h"
#include "dp.h"
#include "io.h"
#include "eval.h"
#include "writers.h"

/* ---------- noisy statistics ---------- */

fhs_status fhs_noisy_stats_open(const char *stats_json, const char *schema, fhs_noisy_stats **out) {
  if (!out) return api_fail(FHS_ERR_INVALID, "stats: no output handle");
  *out = NULL;
  fhs_status s = api_check_input(stats_json);
  if (s == FHS_OK) s = api_check_input(schema);
  if (s != FHS_OK) return s;
  fhs_noisy_stats *n = calloc(1, sizeof *n);
  if (!n || !(n->path = api_strdup(stats_json)) || !(n->schema_path = api_strdup(schema))) {
    fhs_noisy_stats_free(n);
    return api_fail(FHS_ERR_NOMEM, "out of memory");
  }
  fhs_error err = {{0}};
  if (fhs_schema_read(schema, &n->schema, &err) != 0 || fhs_stats_json_read(stats_json, &n->schema, &n->set, &err) != 0) {
    fhs_noisy_stats_free(n);
    return api_fail_err(&err);
  }
  *out = n;
  return FHS_OK;
}

const char *fhs_noisy_stats_path(const fhs_noisy_stats *s) { return s ? s->path : NULL; }
uint64_t fhs_noisy_stats_rows(const fhs_noisy_stats *s) { return s && s->set.rows > 0 ? (uint64_t)llround(s->set.rows) : 0; }
double fhs_noisy_stats_epsilon(const fhs_noisy_stats *s) { return !s ? 0 : s->set.exact ? INFINITY : s->set.epsilon; }
size_t fhs_noisy_stats_marginals(const fhs_noisy_stats *s) { return s ? s->set.count : 0; }

fhs_status fhs_noisy_stats_marginal(const fhs_noisy_stats *s, size_t i, size_t *n_cols, const char **names,
                                    size_t *shape, const int64_t **counts, size_t *size) {
  if (!s || i >= s->set.count || !n_cols || !names || !shape || !counts || !size)
    return api_fail(FHS_ERR_INVALID, "stats: marginal %zu does not exist", i);
  const fhs_marginal *m = &s->set.m[i];
  *n_cols = m->n_cols;
  for (size_t j = 0; j < m->n_cols; j++) {
    names[j] = s->schema.columns[m->cols[j]].name;
    shape[j] = m->shape[j];
  }
  *counts = m->counts;
  *size = m->size;
  return FHS_OK;
}

void fhs_noisy_stats_free(fhs_noisy_stats *s) {
  if (!s) return;
  fhs_marginal_set_free(&s->set);
  fhs_schema_free(&s->schema);
  free(s->path);
  free(s->schema_path);
  free(s);
}

/* ---------- synthesizers ---------- */

fhs_status fhs_synthesizer_fit(const fhs_noisy_stats *s, const char *model, fhs_synthesizer **out) {
  if (!out) return api_fail(FHS_ERR_INVALID, "synthesize: no output handle");
  *out = NULL;
  if (!s) return api_fail(FHS_ERR_INVALID, "synthesize: statistics are required");
  const char *const *names = fhs_synth_models();
  const char *name = model ? model : "mst";
  int known = 0;
  for (size_t i = 0; names[i]; i++) known |= strcmp(names[i], name) == 0;
  if (!known) return api_fail(FHS_ERR_INVALID, "synthesize: unknown model \"%s\"", name);
  fhs_synthesizer *m = calloc(1, sizeof *m);
  fhs_error err = {{0}};
  if (!m || !(m->stats_path = api_strdup(s->path)) || !(m->schema_path = api_strdup(s->schema_path)) ||
      !(m->model_name = api_strdup(name))) {
    fhs_synthesizer_free(m);
    return api_fail(FHS_ERR_NOMEM, "out of memory");
  }
  /* own copies: the model points into its schema and must outlive the stats handle */
  if (fhs_schema_read(s->schema_path, &m->schema, &err) != 0 || fhs_stats_json_read(s->path, &m->schema, &m->set, &err) != 0) {
    fhs_synthesizer_free(m);
    return api_fail_err(&err);
  }
  /* a model that cannot run on what the plan released is a wrong --model: a usage error */
  if (fhs_synth_check_plan(&m->set, m->schema.n_columns, name, m->note, sizeof m->note, &err) != 0) {
    fhs_synthesizer_free(m);
    return api_fail(FHS_ERR_INVALID, "synthesize: %s: %s", s->path, err.msg);
  }
  if (fhs_synth_fit(&m->set, &m->schema, name, NULL, &m->model, &err) != 0) {
    fhs_synthesizer_free(m);
    return api_fail_err(&err);
  }
  *out = m;
  return FHS_OK;
}

static int output_format_ok(const char *path) {
  const char *dot = strrchr(path, '.');
  return dot && (!strcasecmp(dot, ".csv") || !strcasecmp(dot, ".parquet") || !strcasecmp(dot, ".jsonl") ||
                 !strcasecmp(dot, ".ndjson"));
}

/* BLAKE2b-256 of the synthetic output: public data, so its hash is too. */
static int hash_file(const char *path, char hex[65]) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, 32);
  uint8_t buf[1 << 16], sum[32];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) crypto_generichash_update(&st, buf, n);
  fclose(f);
  crypto_generichash_final(&st, sum, 32);
  sodium_bin2hex(hex, 65, sum, 32);
  return 0;
}

/* Extra facts `run` adds to the manifest. */
typedef struct {
  size_t ring;
} run_facts;

/* The manifest's privacy facts: all of them public (the budget) or DP. A release is DP only
 * when its statistics are noisy and its domain public or learnt with DP. */
static json_t *privacy_entry(const fhs_synthesizer *m) {
  const fhs_marginal_set *s = &m->set;
  int dp = !s->exact && m->schema.origin != FHS_ORIGIN_EXACT;
  json_t *priv = json_pack("{s:b, s:b, s:s}", "differentially_private", dp, "exact", s->exact, "schema",
                           fhs_schema_origin_name(m->schema.origin));
  json_object_set_new(priv, "epsilon", s->exact || !isfinite(s->epsilon) ? json_null() : json_real(s->epsilon));
  json_object_set_new(priv, "delta", s->exact || !isfinite(s->delta) ? json_null() : json_real(s->delta));
  json_object_set_new(priv, "rho", s->exact || !isfinite(s->rho) ? json_null() : json_real(s->rho));
  if (m->schema.origin == FHS_ORIGIN_DP) json_object_set_new(priv, "schema_rho", json_real(m->schema.dp_rho));
  json_object_set_new(priv, "neighbours", json_string("add or remove one row"));
  return priv;
}

/* OUT.manifest.json, published beside the synthetic rows: versions, parameters, seed, the
 * output's hash, privacy spent. Nothing computed from the exact data: no input or schema hash
 * (anyone who knows all rows but one could test the last one against it), no exact count. */
static int write_manifest(const fhs_synthesizer *m, uint64_t rows, uint64_t seed, const char *out, const char *content,
                          const run_facts *run, fhs_error *err) {
  char when[32], seedtxt[24];
  time_t now = time(NULL);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  snprintf(seedtxt, sizeof seedtxt, "%llu", (unsigned long long)seed);
  json_t *priv = privacy_entry(m);
  char hex[65];
  json_t *files = json_object();
  if (hash_file(content, hex) == 0) json_object_set_new(files, "output", json_pack("{s:s, s:s}", "path", out, "blake2b_256", hex));
  json_t *root = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o}", "format", "fhesynth-manifest",
                           "version", 1, "fhesynth_version", FHS_VERSION, "libsodium_version", sodium_version_string(),
                           "jansson_version", JANSSON_VERSION, "created", when, "command", run ? "run" : "synthesize",
                           "model", m->model_name, "seed", seedtxt, "rows", (json_int_t)rows, "privacy", priv, "files",
                           files);
  if (root && run) json_object_set_new(root, "parameters", json_pack("{s:I}", "ring_degree", (json_int_t)run->ring));
  char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
  json_decref(root);
  if (!text) return fhs_error_set(err, "out of memory");
  size_t n = strlen(out) + 16;
  char *path = malloc(n);
  fhs_atomic_file f;
  int rc = path ? 0 : fhs_error_set(err, "out of memory");
  if (rc == 0) {
    snprintf(path, n, "%s.manifest.json", out);
    rc = fhs_atomic_open(&f, path, err);
  }
  if (rc == 0) {
    fputs(text, f.fp);
    fputc('\n', f.fp);
    rc = fhs_atomic_commit(&f, err);
  }
  free(path);
  free(text);
  return rc;
}

static fhs_status sample_to(const fhs_synthesizer *m, uint64_t rows, uint64_t seed, const char *out, const run_facts *run) {
  if (!m) return api_fail(FHS_ERR_INVALID, "synthesize: no synthesizer");
  if (rows == 0 || rows > (1ULL << 32)) return api_fail(FHS_ERR_INVALID, "synthesize: rows must be 1..2^32 (got %llu)", (unsigned long long)rows);
  if (!out || !output_format_ok(out))
    return api_fail(FHS_ERR_INVALID, "synthesize: %s: unknown output format (use .csv, .parquet or .jsonl)", out ? out : "(none)");
  fhs_status s = api_check_output(out);
  if (s != FHS_OK) return s;
  fhs_error err = {{0}};
  fhs_table table;
  memset(&table, 0, sizeof table);
  int rc = fhs_synth_sample(m->model, rows, seed, &table, &err);
  /* an output without its manifest can't be audited: the rows go to a temporary name, the
   * manifest (hashing them) is written, then the rows are renamed into place, with signals
   * held off in between; a kill -9 there leaves at worst a manifest without its output */
  char *tmp = rc == 0 ? fhs_temp_create(out) : NULL;
  if (rc == 0 && !tmp) rc = fhs_error_set(&err, "%s: cannot create a file in its directory: %s", out, strerror(errno));
  if (rc == 0 && fhs_table_write_as(&table, tmp, out, &err) != 0) {
    fhs_temp_error_name(&err, tmp, out);
    rc = -1;
  }
  fhs_table_free(&table);
  fhs_signal_defer_begin();
  if (rc == 0) rc = write_manifest(m, rows, seed, out, tmp, run, &err);
  if (rc == 0) rc = fhs_temp_rename(tmp, out, &err);
  if (tmp) {
    if (rc != 0) unlink(tmp);
    fhs_temp_release(tmp);
  }
  fhs_signal_defer_end();
  free(tmp);
  return rc == 0 ? FHS_OK : api_fail_err(&err);
}

fhs_status fhs_synthesizer_sample(const fhs_synthesizer *m, uint64_t rows, uint64_t seed, const char *out) {
  return sample_to(m, rows, seed, out, NULL);
}

const char *fhs_synthesizer_model(const fhs_synthesizer *m) { return m ? m->model_name : NULL; }
const char *fhs_synthesizer_note(const fhs_synthesizer *m) { return m && m->note[0] ? m->note : NULL; }

uint64_t fhs_seed_random(void) {
  uint64_t s = 0;
  if (sodium_init() >= 0) randombytes_buf(&s, sizeof s);
  return s;
}

void fhs_synthesizer_free(fhs_synthesizer *m) {
  if (!m) return;
  fhs_synth_free(m->model);
  fhs_marginal_set_free(&m->set);
  fhs_schema_free(&m->schema);
  free(m->stats_path);
  free(m->schema_path);
  free(m->model_name);
  free(m);
}

/* ---------- the whole pipeline ---------- */

void fhs_run_options_init(fhs_run_options *o) {
  memset(o, 0, sizeof *o);
  o->epsilon = 1.0;
  o->ring_degree = 8192;
  o->bins = 16;
  o->holdout_fraction = 0.2;
}

static void stage(const fhs_run_options *o, int n, const char *what, double t0) {
  if (o->quiet) return;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  /* the stage that starts after stage n (1 keygen .. 5 synthesize) */
  static const char *const next[] = {"keygen", "encrypt", "fit", "decrypt", "synthesize", "report"};
  char line[256];
  snprintf(line, sizeof line, "run: [%d/5] %s (%.1f s)", n, what, (double)ts.tv_sec + ts.tv_nsec / 1e9 - t0);
  if (o->stage) o->stage(o->progress_user, line, n >= 0 && n <= 5 ? next[n] : NULL);
  else fprintf(stderr, "%s\n", line);
}

/* encrypt's progress and work estimate, relayed: the estimate becomes a line of run's (not a
 * stage: the label stays "encrypt"), the progress goes to run's caller */
typedef struct {
  const fhs_run_options *o;
  fhs_progress_cb progress;
  void *progress_user;
} run_note_ctx;

static void run_progress_relay(void *user, uint64_t done, uint64_t total) {
  const run_note_ctx *c = user;
  c->progress(c->progress_user, done, total);
}

static void run_estimate_note(void *user, const char *line) {
  const fhs_run_options *o = ((const run_note_ctx *)user)->o;
  if (o->quiet) return;
  char buf[400];
  snprintf(buf, sizeof buf, "run: %s", line);
  if (o->stage) o->stage(o->progress_user, buf, "encrypt");
  else fprintf(stderr, "%s\n", buf);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *path_in(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, name);
  return p;
}

typedef struct {
  char *wd, *keys, *data, *stats_fhe, *stats_json, *schema, *train, *holdout, *manifest;
} run_paths;

static void run_paths_free(run_paths *p) {
  free(p->wd);
  free(p->keys);
  free(p->data);
  free(p->stats_fhe);
  free(p->stats_json);
  free(p->schema);
  free(p->train);
  free(p->holdout);
  free(p->manifest);
}

/* Whether run refines the given schema's within-bin weights: asked, and a column needs it. */
static fhs_status run_refines(const fhs_run_options *o, int *refine) {
  *refine = 0;
  if (!o->schema || o->no_refine) return FHS_OK;
  fhs_schema sc;
  fhs_error err = {{0}};
  if (fhs_schema_read(o->schema, &sc, &err) != 0) return api_fail_err(&err);
  *refine = api_refine_columns(&sc) > 0;
  fhs_schema_free(&sc);
  return FHS_OK;
}

static fhs_status run_pipeline(const char *input, const char *whole, const fhs_run_options *o, const run_paths *p,
                               int refine, fhs_noisy_stats **ns) {
  /* a given schema is used where it is, unless refined: p->schema is the learnt or refined
   * one's place */
  const char *schema_path = o->schema && !refine ? o->schema : p->schema;
  fhs_keys *keys = NULL;
  fhs_dataset *ds = NULL;
  fhs_encrypted_stats *es = NULL;
  double t0 = now_s();
  char *secret = path_in(p->keys, "secret.key");
  struct stat st;
  fhs_status s = secret ? FHS_OK : api_fail(FHS_ERR_NOMEM, "out of memory");
  if (s == FHS_OK && stat(secret, &st) == 0) {
    s = fhs_keys_open(p->keys, NULL, &keys);
    if (s == FHS_OK) stage(o, 1, "keygen: reusing the work directory's keys", t0);
  } else if (s == FHS_OK) {
    fhs_keygen_options ko;
    fhs_keygen_options_init(&ko);
    ko.ring_degree = o->ring_degree;
    s = fhs_keys_generate(p->keys, &ko, &keys);
    if (s == FHS_OK) stage(o, 1, "keygen done", t0);
  }
  free(secret);
  t0 = now_s();
  /* one budget (epsilon, delta) for the whole release: discovery (or the refinement of a given
   * schema) takes a share of its rho and a tenth of its delta (the thresholds), the marginals
   * the rest */
  double delta = o->delta > 0 ? o->delta : 1e-6, dthr = 0, rho = 0;
  int discover = !o->schema && !o->unsafe_exact_schema;
  if (discover || refine) dthr = FHS_RUN_DISCOVERY_DELTA_SHARE * delta;
  fhs_error err = {{0}};
  if (s == FHS_OK && fhs_dp_rho_from_epsilon(o->epsilon, delta - dthr, &rho, &err) != 0) s = api_fail_err(&err);
  /* the whole release must fit before any of it is spent: a run refused at decrypt would
   * otherwise have paid for its discovery */
  uint8_t id[FHS_DATASET_ID_BYTES];
  char *ledger = NULL;
  if (s == FHS_OK) s = api_dataset_id(whole, id);
  if (s == FHS_OK) s = api_ledger_path(id, o->ledger, &ledger);
  if (s == FHS_OK) s = api_ledger_precheck(ledger, id, rho, delta, dthr);
  free(ledger);
  fhs_encrypt_options eo;
  fhs_encrypt_options_init(&eo);
  eo.schema = o->schema;
  eo.schema_out = p->schema;
  eo.bins = o->bins;
  eo.unsafe_exact_schema = o->unsafe_exact_schema;
  eo.ledger = o->ledger;
  eo.discovery_rho = discover ? FHS_RUN_DISCOVERY_SHARE * rho : 0;
  eo.refine_rho = refine ? FHS_RUN_REFINE_SHARE * rho : 0;
  eo.discovery_delta = dthr;
  eo.dataset_of = whole;
  eo.max_minutes = o->max_minutes;
  eo.force = o->force;
  eo.fit_ways = 2;
  run_note_ctx nc = {o, o->progress, o->progress_user};
  eo.progress = nc.progress ? run_progress_relay : NULL;
  eo.progress_user = &nc;
  eo.note = run_estimate_note;
  if (s == FHS_OK && (s = fhs_dataset_encrypt(input, keys, p->data, &eo, &ds)) == FHS_OK) stage(o, 2, "encrypt done", t0);
  t0 = now_s();
  fhs_fit_options fo;
  fhs_fit_options_init(&fo);
  fo.progress = o->progress;
  fo.progress_user = o->progress_user;
  fo.max_minutes = o->max_minutes;
  fo.force = o->force;
  if (s == FHS_OK && (s = fhs_dataset_fit(ds, keys, p->stats_fhe, &fo, &es)) == FHS_OK)
    stage(o, 3, "fit on ciphertexts done", t0);
  t0 = now_s();
  fhs_decrypt_options dopt;
  fhs_decrypt_options_init(&dopt);
  dopt.rho = discover ? (1 - FHS_RUN_DISCOVERY_SHARE) * rho : refine ? (1 - FHS_RUN_REFINE_SHARE) * rho : rho;
  dopt.delta = delta - dthr;
  dopt.model = o->model;
  dopt.ledger = o->ledger;
  dopt.verify_input = input;
  dopt.dataset_of = whole;
  if (s == FHS_OK && (s = fhs_encrypted_stats_decrypt(es, keys, schema_path, p->stats_json, &dopt, ns)) == FHS_OK)
    stage(o, 4, "decrypt with differential privacy done", t0);
  fhs_encrypted_stats_free(es);
  fhs_dataset_free(ds);
  fhs_keys_free(keys);
  return s;
}

/* What run finds in its work directory before it starts, so that a run failing before any
 * release removes exactly what it created itself (a fresh secret key included), never a file
 * or directory that was there before. */
enum { RUN_FILES = 9 }; /* six in the work directory, three keys */
typedef struct {
  int wd_made, keys_made;
  char *files[RUN_FILES];
  int existed[RUN_FILES];
  int reg[RUN_FILES + 2]; /* io's signal registrations: a SIGINT before the release takes them away */
} run_created;

static void run_note(const run_paths *p, int wd_made, run_created *c) {
  struct stat st;
  memset(c, 0, sizeof *c);
  c->wd_made = wd_made;
  c->keys_made = stat(p->keys, &st) != 0;
  const char *const in_wd[] = {p->data, p->stats_fhe, p->stats_json, p->schema, p->train, p->holdout};
  const char *const in_keys[] = {"secret.key", "public.key", "eval.key", NULL};
  size_t k = 0;
  for (size_t i = 0; i < sizeof in_wd / sizeof *in_wd; i++) c->files[k++] = api_strdup(in_wd[i]);
  for (size_t i = 0; in_keys[i]; i++) c->files[k++] = path_in(p->keys, in_keys[i]);
  for (size_t i = 0; i < RUN_FILES; i++) c->existed[i] = !c->files[i] || lstat(c->files[i], &st) == 0;
  /* registered in creation order (directories first, so they are removed last); STATS.json
   * (files[2]) never: once it exists the release is paid for */
  for (size_t i = 0; i < RUN_FILES + 2; i++) c->reg[i] = -1;
  if (c->wd_made) c->reg[RUN_FILES] = fhs_temp_register_created(p->wd, 1);
  if (c->keys_made) c->reg[RUN_FILES + 1] = fhs_temp_register_created(p->keys, 1);
  for (size_t i = 0; i < RUN_FILES; i++)
    if (i != 2 && !c->existed[i]) c->reg[i] = fhs_temp_register_created(c->files[i], 0);
}

static void run_forget(run_created *c) {
  for (size_t i = 0; i < RUN_FILES + 2; i++) {
    fhs_temp_forget(c->reg[i]);
    c->reg[i] = -1;
  }
}

/* remove(3) of a directory only removes it empty: anything else put there stays, with it */
static void run_undo(const run_paths *p, const run_created *c) {
  for (size_t i = 0; i < RUN_FILES; i++)
    if (c->files[i] && !c->existed[i]) remove(c->files[i]);
  if (c->keys_made) remove(p->keys);
  if (c->wd_made) remove(p->wd);
}

static void run_created_free(run_created *c) {
  for (size_t i = 0; i < RUN_FILES; i++) free(c->files[i]);
}

fhs_status fhs_run(const char *input, const char *out, const fhs_run_options *opts) {
  fhs_run_options def;
  fhs_run_options_init(&def);
  if (!opts) opts = &def;
  if (!(opts->epsilon >= FHS_EPSILON_MIN && opts->epsilon <= FHS_EPSILON_MAX))
    return api_fail(FHS_ERR_INVALID, "run: epsilon %g is outside [%g, %g], the range where the zCDP conversion is tight",
                    opts->epsilon, FHS_EPSILON_MIN, FHS_EPSILON_MAX);
  if (opts->delta != 0 && !(opts->delta > 0 && opts->delta < 1))
    return api_fail(FHS_ERR_INVALID, "run: delta %g is not in (0, 1)", opts->delta);
  if (!out || !output_format_ok(out))
    return api_fail(FHS_ERR_INVALID, "run: %s: unknown output format (use .csv, .parquet or .jsonl)", out ? out : "(none)");
  if (opts->report && !(opts->holdout_fraction > 0 && opts->holdout_fraction < 1))
    return api_fail(FHS_ERR_INVALID, "run: the holdout fraction must be in (0, 1) (got %g)", opts->holdout_fraction);
  if (opts->report && api_check_output(opts->report) != FHS_OK) return FHS_ERR_IO;
  if (opts->schema && opts->unsafe_exact_schema)
    return api_fail(FHS_ERR_INVALID, "run: a given schema and unsafe_exact_schema exclude each other");
  fhs_status s = api_check_input(input);
  if (s == FHS_OK && opts->schema) s = api_check_input(opts->schema);
  if (s == FHS_OK) s = api_check_output(out);
  if (s != FHS_OK) return s;
  run_paths p;
  memset(&p, 0, sizeof p);
  size_t n = strlen(out) + 8;
  p.wd = opts->workdir ? api_strdup(opts->workdir) : malloc(n);
  if (p.wd && !opts->workdir) snprintf(p.wd, n, "%s.work", out);
  if (p.wd) {
    p.keys = path_in(p.wd, "keys");
    p.data = path_in(p.wd, "DATA.fhe");
    p.stats_fhe = path_in(p.wd, "STATS.fhe");
    p.stats_json = path_in(p.wd, "STATS.json");
    p.schema = path_in(p.wd, "SCHEMA.json");
    p.train = path_in(p.wd, "train.csv");
    p.holdout = path_in(p.wd, "holdout.csv");
    n = strlen(out) + 16;
    p.manifest = malloc(n);
    if (p.manifest) snprintf(p.manifest, n, "%s.manifest.json", out);
  }
  if (!p.wd || !p.keys || !p.data || !p.stats_fhe || !p.stats_json || !p.schema || !p.train || !p.holdout ||
      !p.manifest) {
    run_paths_free(&p);
    return api_fail(FHS_ERR_NOMEM, "out of memory");
  }
  int wd_made = mkdir(p.wd, 0700) == 0;
  if (!wd_made && errno != EEXIST) {
    s = api_fail(FHS_ERR_IO, "%s: cannot create: %s", p.wd, strerror(errno));
    run_paths_free(&p);
    return s;
  }
  run_created made;
  run_note(&p, wd_made, &made);
  fhs_noisy_stats *ns = NULL;
  fhs_synthesizer *synth = NULL;
  /* with a report, a random holdout_fraction of the rows is kept out of training, to score
   * utility and privacy against rows the synthesizer never saw */
  const char *train = input;
  if (opts->report) {
    fhs_error err = {{0}};
    if (fhs_eval_split_file(input, opts->holdout_fraction, opts->have_seed ? opts->seed : 1, p.train, p.holdout, &err) != 0)
      s = api_fail_err(&err);
    train = p.train;
  }
  int refine = 0;
  if (s == FHS_OK) s = run_refines(opts, &refine);
  if (s == FHS_OK) s = run_pipeline(train, input, opts, &p, refine, &ns);
  if (ns) run_forget(&made); /* released: the work directory stays, whatever comes next */
  double t0 = now_s();
  uint64_t seed = opts->seed;
  if (!opts->have_seed) randombytes_buf(&seed, sizeof seed);
  if (s == FHS_OK) s = fhs_synthesizer_fit(ns, opts->model, &synth);
  run_facts facts = {opts->ring_degree};
  uint64_t rows = opts->rows;
  if (s == FHS_OK && !rows) rows = ns->set.rows >= 1 ? (uint64_t)llround(ns->set.rows) : 1; /* the noisy count */
  if (s == FHS_OK) s = sample_to(synth, rows, seed, out, &facts);
  if (s == FHS_OK) stage(opts, 5, "synthesize done", t0);
  if (s == FHS_OK && opts->report) {
    t0 = now_s();
    fhs_evaluate_options eo;
    fhs_evaluate_options_init(&eo);
    eo.holdout = p.holdout;
    eo.schema = opts->schema && !refine ? opts->schema : p.schema;
    eo.stats = p.manifest;
    eo.report = opts->report;
    s = api_evaluate(train, out, &eo, ns->set.epsilon, ns->set.delta, NULL);
    if (s == FHS_OK && !opts->quiet) fprintf(stderr, "run: report -> %s (%.1f s)\n", opts->report, now_s() - t0);
  }
  /* failed before releasing anything (decrypt gives ns): what run created goes, keys included;
   * after a release, the work directory holds its paid-for STATS.json and stays */
  if (s != FHS_OK && !ns) run_undo(&p, &made);
  run_forget(&made);
  run_created_free(&made);
  fhs_synthesizer_free(synth);
  fhs_noisy_stats_free(ns);
  run_paths_free(&p);
  return s;
}
