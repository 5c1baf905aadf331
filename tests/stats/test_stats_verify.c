/* The owner checks the server (issue 11, "Tamper"): a malicious server adds a zero-sum
 * rectangle (+c, -c, -c, +c) to four computed cells of a 2-way table in STATS.fhe's result
 * ciphertexts and recomputes every checksum. The file stays well-formed and consistent, so
 * only a recount from the input refutes it; an out-of-range or inconsistent change is refused
 * without the input. Every refusal releases nothing and charges nothing. Also unit checks of
 * fhs_count_set_check on a hand-built 3-way count set. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_internal.h"
#include "check.h"
#include "stats_internal.h"

#define C 5 /* the rectangle's amount */

static uint64_t rng = 777;
static unsigned rnd(unsigned m) {
  rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned)((rng >> 33) % m);
}

static void write_csv(const char *path, size_t rows) {
  FILE *f = fopen(path, "w");
  fprintf(f, "a,b,c\n");
  const char *as[] = {"w", "x", "y", "z"}, *bs[] = {"p", "q", "r"}, *cs[] = {"u", "v"};
  for (size_t r = 0; r < rows; r++) {
    unsigned a = rnd(4);
    unsigned b = rnd(4) ? (a + rnd(2)) % 3 : rnd(3); /* correlated, every cell reachable */
    fprintf(f, "%s,%s,%s\n", as[a], bs[b], rnd(5) ? cs[a & 1] : "");
  }
  fclose(f);
}

/* A public schema written by the library's own writer (no domain learnt from the data). */
static void write_schema(const char *path) {
  static char *as[] = {"w", "x", "y", "z"}, *bs[] = {"p", "q", "r"}, *cs[] = {"u", "v"};
  fhs_column cols[3] = {{.name = "a", .type = FHS_COL_CATEGORICAL, .categories = as, .n_categories = 4},
                        {.name = "b", .type = FHS_COL_CATEGORICAL, .categories = bs, .n_categories = 3},
                        {.name = "c", .type = FHS_COL_CATEGORICAL, .categories = cs, .n_categories = 2, .missing = true}};
  fhs_schema s = {.n_columns = 3, .columns = cols};
  fhs_error err = {{0}};
  CHECK_MSG(fhs_schema_write(&s, path, &err) == 0, "%s", err.msg);
}

/* ---------- the malicious server: a test-only STATS.fhe rewriter ---------- */

typedef struct {
  uint64_t leaf; /* cell number in the file's leaf order */
  int64_t delta; /* added to that cell's count */
} edit;

/* Leaf number of computed cell idx of marginal m (leaves: marginals in list order, each
 * row-major over its computed cells; see fit.c). */
static uint64_t leaf_of(const fhs_stats_header *h, size_t m, const uint32_t *idx) {
  uint64_t leaf = 0;
  for (size_t i = 0; i < m; i++) leaf += fhs_stats_cells(&h->list.m[i], h->domain);
  const fhs_marginal_spec *s = &h->list.m[m];
  uint64_t off = 0;
  for (size_t i = 0; i < s->n_cols; i++) off = off * (s->n_cols == 1 ? h->domain[s->cols[i]] : h->domain[s->cols[i]] - 1) + idx[i];
  return leaf + off;
}

static unsigned brev(uint64_t x, unsigned bits) {
  unsigned r = 0;
  for (unsigned b = 0; b < bits; b++) r |= (unsigned)((x >> b) & 1) << (bits - 1 - b);
  return r;
}

/* Adds the edits homomorphically (a plaintext added to the result ciphertexts, no key needed)
 * and rewrites in -> out with every record checksum and the trailer recomputed. */
static int tamper(const char *in, const char *out, const edit *e, size_t n_edits) {
  fhs_error err = {{0}};
  fhs_stats_header h;
  uint8_t *file;
  size_t len;
  if (fhs_stats_file_load(in, &h, &file, &len, &err) != 0) return -1;
  fhs_context *ctx = fhs_context_create(h.ring_degree, &err);
  size_t hb = fhs_stats_header_size(&h), spacing = ctx->n / h.leaves;
  unsigned bits = (unsigned)__builtin_ctzll(h.leaves);
  /* decrypt reads count = (N / K) * coefficient: divide the change by N / K mod t */
  uint64_t scale_inv = fhs_mod_inv(spacing % ctx->t, &ctx->t_mod);
  int rc = 0;
  for (uint64_t r = 0; r < h.results && rc == 0; r++) {
    uint8_t *rec = file + hb + r * h.record_bytes;
    fhs_plaintext pt;
    fhs_ciphertext ct;
    fhs_plaintext_init(ctx, &pt);
    int touched = 0;
    for (size_t i = 0; i < n_edits; i++) {
      if (e[i].leaf / h.leaves != r) continue;
      uint64_t d = e[i].delta < 0 ? ctx->t - (uint64_t)(-e[i].delta) % ctx->t : (uint64_t)e[i].delta % ctx->t;
      size_t pos = brev(e[i].leaf % h.leaves, bits) * spacing;
      pt.coeff[pos] = fhs_mod_add(pt.coeff[pos], fhs_mod_mul(d, scale_inv, &ctx->t_mod), ctx->t);
      touched = 1;
    }
    uint8_t *saved = NULL;
    size_t saved_len = 0;
    if (touched) {
      rc = fhs_ciphertext_load(ctx, rec, h.record_bytes, &ct, &err);
      if (rc == 0) rc = fhs_add_plain(&ct, &pt, &ct, &err);
      if (rc == 0) rc = fhs_ciphertext_save(&ct, &saved, &saved_len, &err);
      if (rc == 0 && saved_len != h.record_bytes) rc = -1;
      if (rc == 0) memcpy(rec, saved, saved_len);
      fhs_ciphertext_free(&ct);
      free(saved);
    }
    fhs_plaintext_free(&pt);
  }
  uint8_t digest[32];
  crypto_generichash(digest, 32, file, len - FHS_STATS_TRAILER_BYTES, NULL, 0);
  fhs_stats_trailer(digest, file + len - FHS_STATS_TRAILER_BYTES);
  FILE *f = rc == 0 ? fopen(out, "wb") : NULL;
  if (!f || fwrite(file, 1, len, f) != len) rc = -1;
  if (f) fclose(f);
  if (rc != 0) fprintf(stderr, "tamper: %s\n", err.msg);
  fhs_context_free(ctx);
  fhs_stats_header_free(&h);
  free(file);
  return rc;
}

/* ---------- helpers ---------- */

static int exists(const char *p) { return access(p, F_OK) == 0; }

/* The exact counts of table (cols) as the owner decrypts them (range and consistency checked). */
static uint64_t *exact_table(const char *stats, const fhs_keys *k, size_t n_cols, const uint32_t *cols, size_t *size,
                             fhs_error *err) {
  fhs_count_set cs;
  if (fhs_stats_decrypt(stats, &k->sk, &cs, err) != 0) return NULL;
  const fhs_count_table *t = fhs_count_set_find(&cs, n_cols, cols);
  uint64_t *copy = t ? malloc(t->size * sizeof *copy) : NULL;
  if (copy) memcpy(copy, t->counts, t->size * sizeof *copy);
  if (t) *size = t->size;
  fhs_count_set_free(&cs);
  return copy;
}

typedef struct {
  char dir[64], csv[128], schema[128], data[128], stats[128], bad[128], out[128], ledger[128];
  fhs_keys *keys;
} setup;

static fhs_status decrypt(setup *s, const char *stats, const char *verify) {
  fhs_encrypted_stats *es = NULL;
  fhs_status st = fhs_encrypted_stats_open(stats, &es);
  fhs_decrypt_options o;
  fhs_decrypt_options_init(&o);
  o.epsilon = 1;
  o.ledger = s->ledger;
  o.verify_input = verify;
  if (st == FHS_OK) st = fhs_encrypted_stats_decrypt(es, s->keys, s->schema, s->out, &o, NULL);
  fhs_encrypted_stats_free(es);
  return st;
}

/* A refusal: status, the one-line message, no STATS.json, no ledger entry. */
static void check_refused(setup *s, const char *stats, const char *verify, const char *want) {
  unlink(s->out);
  fhs_status st = decrypt(s, stats, verify);
  const char *msg = fhs_last_error();
  CHECK_MSG(st == FHS_ERR_CORRUPT, "status %d: %s", st, msg);
  CHECK_MSG(strstr(msg, want) && strstr(msg, "nothing released") && !strchr(msg, '\n'), "%s", msg);
  CHECK_MSG(strncmp(msg, stats, strlen(stats)) == 0, "message does not name the file: %s", msg);
  CHECK(!exists(s->out));
  CHECK(!exists(s->ledger));
  char legacy[160];
  snprintf(legacy, sizeof legacy, "%s/keys/budget.json", s->dir);
  CHECK(!exists(legacy));
  printf("refused: %s\n", msg);
}

static void make_setup(setup *s) {
  strcpy(s->dir, "/tmp/fhs_verify_XXXXXX");
  CHECK(mkdtemp(s->dir) != NULL);
  snprintf(s->csv, sizeof s->csv, "%s/in.csv", s->dir);
  snprintf(s->schema, sizeof s->schema, "%s/SCHEMA.json", s->dir);
  snprintf(s->data, sizeof s->data, "%s/DATA.fhe", s->dir);
  snprintf(s->stats, sizeof s->stats, "%s/STATS.fhe", s->dir);
  snprintf(s->bad, sizeof s->bad, "%s/TAMPERED.fhe", s->dir);
  snprintf(s->out, sizeof s->out, "%s/STATS.json", s->dir);
  snprintf(s->ledger, sizeof s->ledger, "%s/ledger.json", s->dir);
  char home[128], keys[128];
  snprintf(home, sizeof home, "%s/home", s->dir);
  snprintf(keys, sizeof keys, "%s/keys", s->dir);
  setenv("FHESYNTH_HOME", home, 1); /* nothing of this test reaches the user's home */
  write_csv(s->csv, 600);
  write_schema(s->schema);
  fhs_keygen_options ko;
  fhs_keygen_options_init(&ko);
  ko.ring_degree = 8192;
  CHECK_MSG(fhs_keys_generate(keys, &ko, &s->keys) == FHS_OK, "%s", fhs_last_error());
  fhs_encrypt_options eo;
  fhs_encrypt_options_init(&eo);
  eo.schema = s->schema;
  fhs_dataset *ds = NULL;
  CHECK_MSG(fhs_dataset_encrypt(s->csv, s->keys, s->data, &eo, &ds) == FHS_OK, "%s", fhs_last_error());
  fhs_fit_options fo;
  fhs_fit_options_init(&fo);
  fo.ways = 2;
  CHECK_MSG(fhs_dataset_fit(ds, s->keys, s->stats, &fo, NULL) == FHS_OK, "%s", fhs_last_error());
  fhs_dataset_free(ds);
}

/* The edits of a rectangle on computed cells (0,0),(0,1),(1,0),(1,1) of table (0, 1). */
static size_t rectangle(const char *stats, edit *e) {
  fhs_error err = {{0}};
  fhs_stats_header h;
  uint8_t *file;
  size_t len, m = 0;
  CHECK(fhs_stats_file_load(stats, &h, &file, &len, &err) == 0);
  while (h.list.m[m].n_cols != 2 || h.list.m[m].cols[0] != 0 || h.list.m[m].cols[1] != 1) m++;
  static const int64_t sign[2][2] = {{C, -C}, {-C, C}};
  for (uint32_t i = 0; i < 2; i++)
    for (uint32_t j = 0; j < 2; j++) {
      uint32_t idx[2] = {i, j};
      e[i * 2 + j] = (edit){leaf_of(&h, m, idx), sign[i][j]};
    }
  fhs_stats_header_free(&h);
  free(file);
  return 4;
}

static void test_rectangle(setup *s) {
  edit e[4];
  rectangle(s->stats, e);
  CHECK(tamper(s->stats, s->bad, e, 4) == 0);
  /* (a) the attack is real: the file is well-formed, its counts pass range and consistency,
   * and the table moved by exactly the rectangle */
  fhs_error err = {{0}};
  uint32_t cols[2] = {0, 1};
  size_t n0 = 0, n1 = 0;
  uint64_t *orig = exact_table(s->stats, s->keys, 2, cols, &n0, &err);
  uint64_t *bad = exact_table(s->bad, s->keys, 2, cols, &n1, &err);
  CHECK_MSG(orig && bad && n0 == n1 && n0 == 12, "tampered file not accepted: %s", err.msg);
  if (orig && bad) {
    int64_t want[12] = {C, -C, 0, -C, C, 0, 0, 0, 0, 0, 0, 0}; /* shape 4 x 3; derived cells unchanged */
    int same = 1;
    for (size_t i = 0; i < 12; i++) same &= (int64_t)(bad[i] - orig[i]) == want[i];
    CHECK_MSG(same, "the rectangle did not land where planned");
  }
  free(orig);
  free(bad);
  /* (b) the recount refutes it: one line, nothing written, nothing charged */
  check_refused(s, s->bad, s->csv, "does not match the data: table (0, 1) cell (0, 0) is");
  /* (c) the untampered result passes the recount, then (a) the tampered one passes without it */
  CHECK_MSG(decrypt(s, s->stats, s->csv) == FHS_OK, "%s", fhs_last_error());
  CHECK(exists(s->out) && exists(s->ledger));
  unlink(s->out);
  CHECK_MSG(decrypt(s, s->bad, NULL) == FHS_OK, "%s", fhs_last_error());
  CHECK(exists(s->out));
  unlink(s->ledger);
}

/* (d) refused without the input: a count pushed below zero, one pushed above what the rows
 * allow (a planted row times a large constant), a derived cell made negative, and a 1-way
 * table that no longer sums to the others' total. */
static void test_without_input(setup *s) {
  fhs_error err = {{0}};
  fhs_stats_header h;
  uint8_t *file;
  size_t len;
  CHECK(fhs_stats_file_load(s->stats, &h, &file, &len, &err) == 0);
  uint32_t zero[2] = {0, 0};
  size_t m2 = 0;
  while (h.list.m[m2].n_cols != 2) m2++;
  size_t m1 = 0; /* the 1-way table of column 2 */
  while (h.list.m[m1].n_cols != 1 || h.list.m[m1].cols[0] != 2) m1++;
  uint64_t cell2 = leaf_of(&h, m2, zero), cell1 = leaf_of(&h, m1, zero);
  int64_t big = (int64_t)h.rows_padded + 1;
  fhs_stats_header_free(&h);
  free(file);
  struct {
    edit e;
    const char *want;
  } cases[] = {
      {{cell2, -big}, "is impossible: table (0, 1) cell (0, 0) is -"},
      {{cell2, big}, "is impossible: table (0, 1) cell (0, 0) is 8"},
      {{cell2, 601}, "is impossible: table (0, 1) cell (0, 2) is -"},
      {{cell1, C}, "does not add up: table (2) sums to 605, table (0) to 600"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    CHECK(tamper(s->stats, s->bad, &cases[i].e, 1) == 0);
    check_refused(s, s->bad, NULL, cases[i].want);
  }
}

/* ---------- fhs_count_set_check on a hand-built set with a 3-way table ---------- */

static void test_check_units(void) {
  static uint32_t domain[3] = {2, 3, 2};
  static const fhs_marginal_spec specs[7] = {{1, {0}}, {1, {1}}, {1, {2}}, {2, {0, 1}},
                                             {2, {0, 2}}, {2, {1, 2}}, {3, {0, 1, 2}}};
  fhs_count_table t[7];
  fhs_count_set s = {0, 64, 3, domain, 7, t};
  uint64_t rows[40][3];
  for (size_t r = 0; r < 40; r++)
    for (size_t c = 0; c < 3; c++) rows[r][c] = rnd(domain[c]);
  for (size_t m = 0; m < 7; m++) {
    t[m].spec = specs[m];
    t[m].size = 1;
    for (size_t i = 0; i < specs[m].n_cols; i++) t[m].size *= t[m].shape[i] = domain[specs[m].cols[i]];
    t[m].counts = calloc(t[m].size, sizeof(uint64_t));
    for (size_t r = 0; r < 40; r++) {
      size_t off = 0;
      for (size_t i = 0; i < specs[m].n_cols; i++) off = off * t[m].shape[i] + rows[r][specs[m].cols[i]];
      t[m].counts[off]++;
    }
  }
  s.rows = 40;
  fhs_error err = {{0}};
  CHECK_MSG(fhs_count_set_check(&s, "S", &err) == 0, "%s", err.msg);
  uint64_t v = t[6].counts[5]; /* cell (0, 2, 1) */
  t[6].counts[5] = v + 1;
  CHECK(fhs_count_set_check(&s, "S", &err) == FHS_STATS_REFUTED);
  CHECK_MSG(strstr(err.msg, "S: the server's result does not add up: table (0, 1, 2) summed over column 0 gives"), "%s",
            err.msg);
  t[6].counts[5] = (uint64_t)-1;
  CHECK(fhs_count_set_check(&s, "S", &err) == FHS_STATS_REFUTED);
  CHECK_MSG(strstr(err.msg, "table (0, 1, 2) cell (0, 2, 1) is -1, outside [0, 64]"), "%s", err.msg);
  t[6].counts[5] = v;
  t[3].counts[0] += 100; /* above the 64 padded rows */
  CHECK(fhs_count_set_check(&s, "S", &err) == FHS_STATS_REFUTED && strstr(err.msg, "outside [0, 64]"));
  for (size_t m = 0; m < 7; m++) free(t[m].counts);
}

/* Helper modes for tests/cli/test_cli_verify.sh:
 *   --write DIR       DIR/in.csv (600 rows) and its public DIR/SCHEMA.json
 *   --tamper IN OUT   the malicious server: the rectangle on table (0, 1), checksums recomputed */
static int helper(int argc, char **argv) {
  char a[512], b[512];
  if (argc == 3 && strcmp(argv[1], "--write") == 0) {
    snprintf(a, sizeof a, "%s/in.csv", argv[2]);
    snprintf(b, sizeof b, "%s/SCHEMA.json", argv[2]);
    write_csv(a, 600);
    write_schema(b);
    return check_failed_ != 0;
  }
  if (argc == 4 && strcmp(argv[1], "--tamper") == 0) {
    edit e[4];
    rectangle(argv[2], e);
    return tamper(argv[2], argv[3], e, 4) != 0 || check_failed_ != 0;
  }
  fprintf(stderr, "usage: test_stats_verify [--write DIR | --tamper IN OUT]\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc > 1) return helper(argc, argv);
  test_check_units();
  setup s;
  memset(&s, 0, sizeof s);
  make_setup(&s);
  test_rectangle(&s);
  test_without_input(&s);
  fhs_keys_free(s.keys);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", s.dir);
  if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
  return check_report("test_stats_verify");
}
