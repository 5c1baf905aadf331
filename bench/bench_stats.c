/* bench_stats: the encrypted-statistics pipeline on the bundled Adult sample (and, with
 * --million, on 10^6 rows resampled from it): seconds for encrypt, fit (all 1- and 2-way
 * marginals) and decrypt, the size of STATS.fhe, and each stage's peak RSS (every stage runs in
 * its own child process). --peer-workload runs the peers' workload of DESIGN section 10: a
 * 10 x 10 contingency table over 16,384 encrypted rows. --json prints one JSON object per run
 * (one line per run) with total_s and one <stage>_s per stage. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "datafile.h"
#include "encode.h"
#include "io.h"
#include "stats.h"

typedef struct {
  const char *name;
  double seconds;
  long rss_kib;
} stage;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const fhs_error *err) {
  fprintf(stderr, "bench_stats: %s: %s\n", what, err->msg);
  exit(1);
}

typedef struct {
  char dir[256], csv[300], schema[300], keys[300], data[300], stats[300];
  const char *marginals; /* NULL = all 1- and 2-way */
  size_t ring;
} job;

static void load_keys(const job *j, fhs_context **ctx, fhs_secret_key *sk, fhs_eval_key *ek) {
  fhs_error err = {{0}};
  *ctx = fhs_context_create(j->ring, &err);
  if (!*ctx) die("context", &err);
  uint64_t elts[32];
  size_t ne = fhs_fit_galois_elements(*ctx, elts, 32);
  if (fhs_secret_key_generate(*ctx, sk, &err) || (ek && fhs_eval_key_generate(sk, 1, elts, ne, ek, &err)))
    die("keygen", &err);
}

/* Stages run in children: keys are regenerated in each (keygen is not a measured stage) and
 * passed through files. */
static void stage_keygen(const job *j) {
  fhs_context *ctx;
  fhs_secret_key sk;
  fhs_eval_key ek;
  load_keys(j, &ctx, &sk, &ek);
  fhs_error err = {{0}};
  uint8_t *buf;
  size_t len;
  char path[400];
  snprintf(path, sizeof path, "%s/secret.key", j->keys);
  FILE *f = NULL;
  if (fhs_secret_key_save(&sk, &buf, &len, &err) || !(f = fopen(path, "wb"))) die("save", &err);
  fwrite(buf, 1, len, f);
  fclose(f);
  free(buf);
  snprintf(path, sizeof path, "%s/eval.key", j->keys);
  if (fhs_eval_key_save(&ek, &buf, &len, &err) || !(f = fopen(path, "wb"))) die("save", &err);
  fwrite(buf, 1, len, f);
  fclose(f);
  free(buf);
}

static uint8_t *slurp(const char *path, size_t *len) {
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(*len);
  if (fread(b, 1, *len, f) != *len) *len = 0;
  fclose(f);
  return b;
}

static void read_keys(const job *j, fhs_context **ctx, fhs_secret_key *sk, fhs_eval_key *ek) {
  fhs_error err = {{0}};
  *ctx = fhs_context_create(j->ring, &err);
  char path[400];
  size_t len = 0;
  snprintf(path, sizeof path, "%s/%s", j->keys, sk ? "secret.key" : "eval.key");
  uint8_t *buf = slurp(path, &len);
  if (sk ? fhs_secret_key_load(*ctx, buf, len, sk, &err) : fhs_eval_key_load(*ctx, buf, len, ek, &err)) die("load", &err);
  free(buf);
}

static void stage_encrypt(const job *j) {
  fhs_context *ctx;
  fhs_secret_key sk;
  read_keys(j, &ctx, &sk, NULL);
  fhs_error err = {{0}};
  fhs_schema schema;
  if (fhs_schema_infer(j->csv, NULL, &schema, &err) || fhs_schema_write(&schema, j->schema, &err)) die("schema", &err);
  fhs_csv_reader *r = fhs_csv_open(j->csv, &err);
  fhs_encoder *enc = r ? fhs_encoder_create(&schema, r, ctx->n, &err) : NULL;
  if (!enc || fhs_data_encrypt(enc, &schema, &sk, NULL, j->data, 0, NULL, NULL, &err)) die("encrypt", &err);
}

static void stage_fit(const job *j) {
  fhs_context *ctx;
  fhs_eval_key ek;
  read_keys(j, &ctx, NULL, &ek);
  fhs_error err = {{0}};
  fhs_data_reader *d = fhs_data_open(j->data, &err);
  fhs_marginal_list list;
  if (!d) die("open", &err);
  uint32_t cols = fhs_data_header_of(d)->n_columns;
  if ((j->marginals ? fhs_marginal_list_parse(j->marginals, cols, &list, &err) : fhs_marginal_list_all(cols, 2, &list, &err)))
    die("marginals", &err);
  fhs_stats_fit_options fo = {1024, NULL, NULL};
  if (fhs_fit(d, &ek, &list, &fo, j->stats, &err)) die("fit", &err);
}

static void stage_decrypt(const job *j) {
  fhs_context *ctx;
  fhs_secret_key sk;
  read_keys(j, &ctx, &sk, NULL);
  fhs_error err = {{0}};
  fhs_count_set cs;
  if (fhs_stats_decrypt(j->stats, &sk, &cs, &err)) die("decrypt", &err);
}

/* Runs fn in a child; returns its wall time and peak RSS. */
static stage run_stage(const char *name, void (*fn)(const job *), const job *j) {
  double t0 = now_s();
  pid_t pid = fork();
  if (pid == 0) {
    fn(j);
    _exit(0);
  }
  int status = 0;
  struct rusage ru;
  wait4(pid, &status, 0, &ru);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "bench_stats: stage %s failed\n", name);
    exit(1);
  }
  stage s = {name, now_s() - t0, ru.ru_maxrss};
  return s;
}

static long file_size(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

/* 10^6 rows drawn with replacement from the input (header kept), seeded. */
static void resample(const char *in, const char *out, size_t rows) {
  FILE *f = fopen(in, "r");
  char **lines = NULL, buf[8192];
  size_t n = 0, cap = 0;
  char header[8192];
  if (!f || !fgets(header, sizeof header, f)) exit(1);
  while (fgets(buf, sizeof buf, f)) {
    if (n == cap) lines = realloc(lines, (cap = cap ? 2 * cap : 1024) * sizeof *lines);
    lines[n++] = strdup(buf);
  }
  fclose(f);
  FILE *o = fopen(out, "w");
  fputs(header, o);
  uint64_t s = 42;
  for (size_t r = 0; r < rows; r++) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    fputs(lines[(s >> 33) % n], o);
  }
  fclose(o);
  for (size_t i = 0; i < n; i++) free(lines[i]);
  free(lines);
}

static void peer_csv(const char *out) {
  FILE *o = fopen(out, "w");
  fputs("a,b\n", o);
  uint64_t s = 7;
  for (int r = 0; r < 16384; r++) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    unsigned a = (unsigned)(s >> 33) % 10, b = (a + (unsigned)(s >> 50) % 3) % 10;
    fprintf(o, "c%u,d%u\n", a, b);
  }
  fclose(o);
}

static void report(const char *label, const job *j, stage *st, int n, int json, int *first) {
  double total = 0;
  for (int i = 0; i < n; i++) total += st[i].seconds;
  long stats_bytes = file_size(j->stats), data_bytes = file_size(j->data);
  if (json) {
    printf("{\"run\": \"%s\", \"threads\": %d, \"total_s\": %.3f", label, omp_get_max_threads(), total);
    for (int i = 0; i < n; i++) printf(", \"%s_s\": %.3f, \"%s_peak_rss_mib\": %.1f", st[i].name, st[i].seconds, st[i].name, st[i].rss_kib / 1024.0);
    printf(", \"data_fhe_bytes\": %ld, \"stats_fhe_bytes\": %ld}\n", data_bytes, stats_bytes);
  } else {
    printf("\n%s (%d threads)\n", label, omp_get_max_threads());
    for (int i = 0; i < n; i++) printf("  %-8s %8.2f s   peak RSS %7.1f MiB\n", st[i].name, st[i].seconds, st[i].rss_kib / 1024.0);
    printf("  total    %8.2f s (encrypt + fit + decrypt)\n  DATA.fhe %8.1f MiB   STATS.fhe %8.3f MiB\n", total,
           data_bytes / 1048576.0, stats_bytes / 1048576.0);
  }
  *first = 0;
}

static void run(const char *label, job *j, int json, int *first) {
  mkdir(j->keys, 0700);
  run_stage("keygen", stage_keygen, j);
  stage st[3] = {run_stage("encrypt", stage_encrypt, j), run_stage("fit", stage_fit, j),
                 run_stage("decrypt", stage_decrypt, j)};
  report(label, j, st, 3, json, first);
}

int main(int argc, char **argv) {
  int json = 0, million = 0, peer = 0;
  const char *input = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) json = 1;
    else if (!strcmp(argv[i], "--million")) million = 1;
    else if (!strcmp(argv[i], "--peer-workload")) peer = 1;
    else if (!strcmp(argv[i], "--input") && i + 1 < argc) input = argv[++i];
    else {
      fprintf(stderr, "usage: bench_stats [--input adult.csv] [--million] [--peer-workload] [--json]\n");
      return 2;
    }
  }
  if (!input) input = access("data/adult.csv", R_OK) == 0 ? "data/adult.csv" : FHS_SOURCE_DIR "/data/adult.csv";
  job j;
  memset(&j, 0, sizeof j);
  snprintf(j.dir, sizeof j.dir, "/tmp/bench_stats_XXXXXX");
  if (!mkdtemp(j.dir)) return 1;
  snprintf(j.keys, sizeof j.keys, "%s/keys", j.dir);
  snprintf(j.schema, sizeof j.schema, "%s/SCHEMA.json", j.dir);
  snprintf(j.data, sizeof j.data, "%s/DATA.fhe", j.dir);
  snprintf(j.stats, sizeof j.stats, "%s/STATS.fhe", j.dir);
  j.ring = 8192;
  int first = 1;
  if (peer) {
    snprintf(j.csv, sizeof j.csv, "%s/peer.csv", j.dir);
    peer_csv(j.csv);
    j.marginals = "0,1";
    run("peer workload: 10 x 10 table over 16,384 rows", &j, json, &first);
    j.marginals = NULL;
  } else {
    snprintf(j.csv, sizeof j.csv, "%s", input);
    run("Adult (48,842 rows), all 1- and 2-way marginals", &j, json, &first);
    if (million) {
      snprintf(j.csv, sizeof j.csv, "%s/million.csv", j.dir);
      resample(input, j.csv, 1000000);
      run("10^6 rows resampled from Adult, all 1- and 2-way marginals", &j, json, &first);
    }
  }
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", j.dir);
  return system(cmd) == 0 ? 0 : 1;
}
