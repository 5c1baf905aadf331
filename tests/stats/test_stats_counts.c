/* Encrypted counts equal plaintext counts: every 1-, 2- and 3-way marginal, on generated
 * tables with missing values, one row, a row count that is not a multiple of the block, and a
 * column with a single value; plus the refusals of fit (other key) and decrypt (other key,
 * tampered file). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "datafile.h"
#include "encode.h"
#include "io.h"
#include "stats.h"

typedef struct {
  fhs_context *ctx;
  fhs_secret_key sk;
  fhs_eval_key ek;
} keys;

static int make_keys(size_t n, keys *k) {
  fhs_error err = {{0}};
  k->ctx = fhs_context_create(n, &err);
  uint64_t elts[32];
  size_t ne = fhs_fit_galois_elements(k->ctx, elts, 32);
  if (fhs_secret_key_generate(k->ctx, &k->sk, &err) != 0) return -1;
  return fhs_eval_key_generate(&k->sk, 1, elts, ne, &k->ek, &err);
}

static void free_keys(keys *k) {
  fhs_eval_key_free(&k->ek);
  fhs_secret_key_free(&k->sk);
  fhs_context_free(k->ctx);
}

static uint64_t rng = 12345;
static unsigned rnd(unsigned m) {
  rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned)((rng >> 33) % m);
}

/* A CSV with a numeric column (some missing), two categorical ones correlated with it, and a
 * constant column. */
static void write_csv(const char *path, size_t rows) {
  FILE *f = fopen(path, "w");
  fprintf(f, "age,color,size,const\n");
  for (size_t r = 0; r < rows; r++) {
    unsigned a = rnd(60) + 18;
    const char *colors[] = {"red", "green", "blue"};
    if (rnd(10) == 0) fprintf(f, ",");
    else fprintf(f, "%u,", a);
    fprintf(f, "%s,%s,k\n", colors[(a + rnd(2)) % 3], rnd(4) ? (a > 40 ? "L" : "S") : "");
  }
  fclose(f);
}

/* Plaintext counts of marginal spec from the encoder's indices. */
static uint64_t *plain_counts(const fhs_schema *schema, const char *csv, const fhs_marginal_spec *s, size_t *size) {
  fhs_error err = {{0}};
  fhs_csv_reader *r = fhs_csv_open(csv, &err);
  fhs_encoder *enc = fhs_encoder_create(schema, r, 1024, &err);
  size_t shape[3], total = 1;
  for (size_t i = 0; i < s->n_cols; i++) total *= shape[i] = fhs_schema_domain_size(&schema->columns[s->cols[i]]);
  uint64_t *counts = calloc(total, sizeof *counts);
  fhs_encode_block blk;
  memset(&blk, 0, sizeof blk);
  while (fhs_encoder_next(enc, &blk, &err) == 1)
    for (size_t row = 0; row < blk.n_rows; row++) {
      size_t off = 0;
      for (size_t i = 0; i < s->n_cols; i++) off = off * shape[i] + fhs_encode_block_column(&blk, s->cols[i])[row];
      counts[off]++;
    }
  fhs_encode_block_free(&blk);
  fhs_encoder_free(enc);
  fhs_csv_close(r);
  *size = total;
  return counts;
}

static void run_case(keys *k, const char *dir, size_t rows, int ways) {
  char csv[512], data[512], stats[512];
  snprintf(csv, sizeof csv, "%s/in.csv", dir);
  snprintf(data, sizeof data, "%s/data.fhe", dir);
  snprintf(stats, sizeof stats, "%s/stats.fhe", dir);
  write_csv(csv, rows);
  fhs_error err = {{0}};
  fhs_schema schema;
  CHECK_MSG(fhs_schema_infer(csv, NULL, &schema, &err) == 0, "%s", err.msg);
  fhs_csv_reader *r = fhs_csv_open(csv, &err);
  fhs_encoder *enc = fhs_encoder_create(&schema, r, k->ctx->n, &err);
  CHECK_MSG(fhs_data_encrypt(enc, &schema, &k->sk, NULL, data, rows, NULL, NULL, &err) == 0, "%s", err.msg);
  fhs_encoder_free(enc);
  fhs_csv_close(r);
  fhs_data_reader *dr = fhs_data_open(data, &err);
  CHECK(dr && fhs_data_header_of(dr)->rows_padded % k->ctx->n == 0);
  fhs_marginal_list list;
  fhs_marginal_list_all((uint32_t)schema.n_columns, ways, &list, &err);
  fhs_stats_fit_options fo = {256, NULL, NULL};
  CHECK_MSG(fhs_fit(dr, &k->ek, &list, &fo, stats, &err) == 0, "fit: %s", err.msg);
  fhs_data_close(dr);
  fhs_count_set cs;
  CHECK_MSG(fhs_stats_decrypt(stats, &k->sk, &cs, &err) == 0, "decrypt: %s", err.msg);
  CHECK(cs.rows == rows && cs.count == list.count);
  int all_equal = 1;
  for (size_t m = 0; m < cs.count; m++) {
    size_t size;
    uint64_t *want = plain_counts(&schema, csv, &cs.t[m].spec, &size);
    all_equal &= size == cs.t[m].size && memcmp(want, cs.t[m].counts, size * sizeof *want) == 0;
    free(want);
  }
  CHECK_MSG(all_equal, "%zu rows, %d-way: encrypted counts differ from plaintext counts", rows, ways);
  printf("N=%zu rows=%zu ways=%d: %zu marginals exact\n", k->ctx->n, rows, ways, cs.count);
  fhs_count_set_free(&cs);
  fhs_marginal_list_free(&list);
  fhs_schema_free(&schema);
}

static void test_refusals(keys *k, keys *other, const char *dir) {
  char data[512], stats[512], bad[512];
  snprintf(data, sizeof data, "%s/data.fhe", dir);
  snprintf(stats, sizeof stats, "%s/stats.fhe", dir);
  snprintf(bad, sizeof bad, "%s/never.fhe", dir);
  fhs_error err = {{0}};
  fhs_marginal_list list;
  fhs_marginal_list_all(4, 1, &list, &err);
  fhs_data_reader *dr = fhs_data_open(data, &err);
  CHECK(fhs_fit(dr, &other->ek, &list, NULL, bad, &err) != 0 && strstr(err.msg, "another key"));
  CHECK(access(bad, F_OK) != 0);
  fhs_data_close(dr);
  fhs_count_set cs;
  CHECK(fhs_stats_decrypt(stats, &other->sk, &cs, &err) != 0 && strstr(err.msg, "another key"));
  /* flip one byte of a STATS.fhe: refused, whatever the byte */
  FILE *f = fopen(stats, "r+b");
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  for (long pos = 0; pos < len; pos += len / 7 + 1) {
    fseek(f, pos, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, pos, SEEK_SET);
    fputc(ch ^ 0x10, f);
    fflush(f);
    CHECK_MSG(fhs_stats_decrypt(stats, &k->sk, &cs, &err) != 0, "flip at %ld accepted", pos);
    fseek(f, pos, SEEK_SET);
    fputc(ch, f);
    fflush(f);
  }
  fclose(f);
  CHECK(fhs_stats_decrypt(stats, &k->sk, &cs, &err) == 0);
  fhs_count_set_free(&cs);
  /* a truncated DATA.fhe is refused at open */
  CHECK(truncate(data, 1000) == 0);
  CHECK(fhs_data_open(data, &err) == NULL && strstr(err.msg, "truncated"));
  fhs_marginal_list_free(&list);
}

int main(void) {
  char dir[] = "/tmp/fhs_stats_XXXXXX";
  if (!mkdtemp(dir)) return 1;
  keys k, other;
  CHECK(make_keys(8192, &k) == 0 && make_keys(8192, &other) == 0);
  run_case(&k, dir, 1, 2);
  run_case(&k, dir, 8192 + 777, 2); /* two blocks, the second partial */
  run_case(&k, dir, 300, 1);
  test_refusals(&k, &other, dir);
  free_keys(&other);
  free_keys(&k);
  keys k3;
  CHECK(make_keys(16384, &k3) == 0);
  run_case(&k3, dir, 500, 3);
  free_keys(&k3);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
  return check_report("test_stats_counts");
}
