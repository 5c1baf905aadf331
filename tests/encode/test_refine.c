/* DP within-bin refinement (src/api/refine.c): a value held by one row is never kept, frequent
 * values always are, rest weights are sane, integer columns get a per-integer histogram, the
 * schema becomes "dp" with the cost added, and a refined schema round-trips through JSON.
 * argv[1]: a scratch directory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "discover.h"

static char scratch[1024];

static const char *path_in(const char *name) {
  static char buf[1100];
  snprintf(buf, sizeof buf, "%s/%s", scratch, name);
  return buf;
}

/* 3000 rows: gain is 0 for 70%, 7298 for 5%, 3000 for 3%, else a random value in 1..99999 (a
 * few hundred distinct values: held by one row or a handful), plus one planted 77777; age an
 * integer 18..89; w a unique fraction per row. */
static void write_data(const char *path, unsigned seed) {
  FILE *f = fopen(path, "w");
  srand(seed);
  fprintf(f, "gain,age,w,job\n");
  for (int i = 0; i < 3000; i++) {
    int r = rand() % 100, gain = r < 70 ? 0 : r < 75 ? 7298 : r < 78 ? 3000 : 1 + rand() % 99999;
    if (gain == 77777) gain = 77776;
    fprintf(f, "%d,%d,%.6f,%s\n", gain, 18 + rand() % 72, (rand() % 1000000) / 1e6, r % 2 ? "a" : "b");
  }
  fprintf(f, "77777,40,0.5,a\n");
  fclose(f);
}

static const char SCHEMA[] =
    "{\"format\": \"fhesynth-schema\", \"version\": 1, \"origin\": \"public\", \"columns\": [\n"
    "  {\"name\": \"gain\", \"type\": \"numeric\", \"bins\": [0, 1, 5000, 10000, 100000], \"missing\": false, "
    "\"clamp\": true},\n"
    "  {\"name\": \"age\", \"type\": \"numeric\", \"bins\": [17, 30, 50, 91], \"missing\": false, \"clamp\": true},\n"
    "  {\"name\": \"w\", \"type\": \"numeric\", \"bins\": [0, 0.5, 1], \"missing\": false, \"clamp\": true},\n"
    "  {\"name\": \"job\", \"type\": \"categorical\", \"categories\": [\"a\", \"b\"], \"missing\": false}\n"
    "]}\n";

static bool kept(const fhs_column *c, double v) {
  for (size_t k = 0; k < c->n_sub; k++)
    if (c->sub_values[k] == v) return true;
  return false;
}

static void test_refine(void) {
  char csv[1100], sp[1100]; /* path_in reuses one buffer */
  snprintf(csv, sizeof csv, "%s", path_in("refine.csv"));
  snprintf(sp, sizeof sp, "%s", path_in("public.json"));
  FILE *f = fopen(sp, "w");
  fputs(SCHEMA, f);
  fclose(f);
  write_data(csv, 7);
  fhs_error err = {{0}};
  int canary = 0, frequent = 0, bad_rest = 0, runs = 20;
  for (int run = 0; run < runs; run++) {
    fhs_schema s;
    CHECK_MSG(fhs_schema_read(sp, &s, &err) == 0, "%s", err.msg);
    CHECK(api_refine_columns(&s) == 3); /* gain, age, w; not job */
    CHECK_MSG(api_refine_schema(csv, &s, 0.05, 1e-7, &err) == 0, "%s", err.msg);
    const fhs_column *gain = &s.columns[0], *age = &s.columns[1], *w = &s.columns[2];
    canary += kept(gain, 77777);
    frequent += kept(gain, 0) && kept(gain, 7298) && kept(gain, 3000);
    /* rest: one per bin, >= 0; [0, 1) holds only 0 (kept) and [5000, 10000) mostly 7298, so
     * little rest there; (10000, 100000] holds about 19% of the rows, unlisted */
    if (!gain->sub_rest || gain->sub_rest[0] > 60 || gain->sub_rest[3] < 300 || gain->sub_rest[3] > 800) bad_rest++;
    for (size_t b = 0; gain->sub_rest && b + 1 < gain->n_bins; b++) bad_rest += !(gain->sub_rest[b] >= 0);
    /* age: a per-integer histogram, integers of [17, 91), no rest */
    CHECK(age->n_sub > 50 && !age->sub_rest && age->sub_values[0] >= 17 && age->sub_values[age->n_sub - 1] <= 90);
    for (size_t k = 0; k < age->n_sub; k++) CHECK(age->sub_values[k] == floor(age->sub_values[k]));
    /* w: every value unique, none kept: no weights (uniform draws) */
    CHECK(w->n_sub == 0 && !w->sub_rest);
    CHECK(s.origin == FHS_ORIGIN_DP && s.dp_rho == 0.05 && s.dp_delta == 1e-7);
    if (run == 0) { /* JSON round trip */
      const char *out = path_in("refined.json");
      fhs_schema back;
      CHECK_MSG(fhs_schema_write(&s, out, &err) == 0 && fhs_schema_read(out, &back, &err) == 0, "%s", err.msg);
      CHECK(back.origin == FHS_ORIGIN_DP && back.dp_rho == 0.05 && back.dp_delta == 1e-7);
      const fhs_column *g2 = &back.columns[0];
      CHECK(g2->n_sub == gain->n_sub && g2->sub_rest);
      for (size_t k = 0; g2->sub_rest && k < g2->n_sub; k++)
        CHECK(g2->sub_values[k] == gain->sub_values[k] && g2->sub_weights[k] == gain->sub_weights[k]);
      for (size_t b = 0; g2->sub_rest && b + 1 < g2->n_bins; b++) CHECK(g2->sub_rest[b] == gain->sub_rest[b]);
      CHECK(back.columns[1].n_sub == age->n_sub && !back.columns[1].sub_rest);
      fhs_schema_free(&back);
      /* a refined column is not refined again: only w is left */
      CHECK(api_refine_columns(&s) == 1);
    }
    fhs_schema_free(&s);
  }
  CHECK_MSG(canary == 0, "the value of one row was kept in %d of %d refinements", canary, runs);
  CHECK_MSG(frequent == runs, "frequent values kept in only %d of %d refinements", frequent, runs);
  CHECK_MSG(bad_rest == 0, "%d refinements with implausible rest weights", bad_rest);
  /* bad budgets are refused; a schema with nothing to refine is left alone */
  fhs_schema s;
  CHECK(fhs_schema_read(sp, &s, &err) == 0);
  CHECK(api_refine_schema(csv, &s, 0, 1e-7, &err) == -1 && strstr(err.msg, "rho"));
  CHECK(api_refine_schema(csv, &s, 0.1, 0, &err) == -1 && strstr(err.msg, "delta"));
  fhs_schema_free(&s);
  static const char UNIT[] = "{\"format\": \"fhesynth-schema\", \"version\": 1, \"columns\": [\n"
                             "  {\"name\": \"age\", \"type\": \"numeric\", \"bins\": [17, 18, 19], \"missing\": false, "
                             "\"clamp\": true}\n]}\n";
  f = fopen(sp, "w");
  fputs(UNIT, f);
  fclose(f);
  CHECK(fhs_schema_read(sp, &s, &err) == 0 && api_refine_columns(&s) == 0);
  CHECK(api_refine_schema(csv, &s, 0.1, 1e-7, &err) == 0 && s.origin == FHS_ORIGIN_PUBLIC && s.columns[0].n_sub == 0);
  fhs_schema_free(&s);
  remove(csv), remove(sp), remove(path_in("refined.json"));
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_refine SCRATCH\n");
    return 2;
  }
  snprintf(scratch, sizeof scratch, "%s", argv[1]);
  test_refine();
  return check_report("test_encode_refine");
}
