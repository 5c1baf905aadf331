/* Calibration of sampled records towards released 2-ways (calibrate.c), alone and inside the
 * copula: targets reached, untouched columns kept, tables the model already fits left alone,
 * linked twins kept together, the same seed giving the same records; and the copula's twins
 * and a non-monotone dependence end to end. */
#include <math.h>

#include "check.h"
#include "synth_internal.h"
#include "synth_test.h"

#define ROWS 20000

/* TVD between the (a, b) counts of idx and the probabilities want (row-major). */
static double tvd_to(const uint16_t *idx, size_t rows, size_t a, size_t b, size_t da, size_t db,
                     const double *want) {
  double *h = calloc(da * db, sizeof *h), d = 0;
  for (size_t r = 0; r < rows; r++) h[idx[a * rows + r] * db + idx[b * rows + r]] += 1.0 / (double)rows;
  for (size_t k = 0; k < da * db; k++) d += 0.5 * fabs(h[k] - want[k]);
  free(h);
  return d;
}

/* A released set over 4 columns of sizes dom: uniform 1-ways and one 2-way (0, 1). */
static void one_table_set(fhs_marginal_set *s, const size_t *dom, const int64_t *ab, double sigma) {
  memset(s, 0, sizeof *s);
  s->rows = ROWS, s->epsilon = 1, s->delta = 1e-6, s->rho = 0.1;
  s->m = calloc(5, sizeof *s->m);
  for (size_t a = 0; a < 4; a++) {
    fhs_marginal *m = &s->m[s->count++];
    *m = (fhs_marginal){1, {a}, {dom[a]}, dom[a], calloc(dom[a], sizeof(int64_t)), sigma};
    for (size_t v = 0; v < dom[a]; v++) m->counts[v] = ROWS / (int64_t)dom[a];
  }
  fhs_marginal *m = &s->m[s->count++];
  *m = (fhs_marginal){2, {0, 1}, {dom[0], dom[1]}, dom[0] * dom[1], malloc(dom[0] * dom[1] * 8), sigma};
  memcpy(m->counts, ab, m->size * sizeof *ab);
}

/* Independent uniform records; column 3 a copy of column 0 (a twin). */
static uint16_t *uniform_records(const size_t *dom, uint64_t seed) {
  uint16_t *idx = malloc(4 * ROWS * sizeof *idx);
  for (size_t r = 0; r < ROWS; r++) {
    for (size_t a = 0; a < 3; a++) idx[a * ROWS + r] = (uint16_t)(test_next(&seed) % dom[a]);
    idx[3 * ROWS + r] = idx[r];
  }
  return idx;
}

static void test_targets_met(void) {
  const size_t dom[4] = {4, 4, 3, 4};
  int64_t ab[16] = {0};
  double want[16] = {0}, uni[16], c_uni[12];
  for (size_t k = 0; k < 16; k++) uni[k] = 1.0 / 16;
  for (size_t k = 0; k < 12; k++) c_uni[k] = 1.0 / 12;
  for (size_t i = 0; i < 4; i++) ab[i * 4 + i] = ROWS / 4, want[i * 4 + i] = 0.25; /* B = A */
  fhs_marginal_set s;
  one_table_set(&s, dom, ab, 0);
  double p0[4] = {0.25, 0.25, 0.25, 0.25}, p2[3] = {1 / 3.0, 1 / 3.0, 1 / 3.0};
  const double *p[4] = {p0, p0, p2, p0};
  double model[16];
  memcpy(model, uni, sizeof model);
  double *tabs[1] = {model};
  fhs_calib c;
  fhs_error err;
  CHECK_MSG(fhs_calib_init(&c, &s, dom, p, tabs, &err) == 0, "%s", err.msg);
  CHECK(c.n_tables == 1 && c.a[0] == 0 && c.b[0] == 1);
  const uint16_t identity[4] = {0, 1, 2, 3};
  CHECK(fhs_calib_link(&c, 0, 3, identity, 4, &err) == 0);
  uint16_t *x = uniform_records(dom, 1), *y = uniform_records(dom, 1), *z = uniform_records(dom, 1);
  CHECK(tvd_to(x, ROWS, 0, 1, 4, 4, want) > 0.7);
  CHECK(fhs_calib_apply(&c, dom, 4, 7, 0, ROWS, x, &err) == 0);
  CHECK(fhs_calib_apply(&c, dom, 4, 7, 0, ROWS, y, &err) == 0);
  CHECK(fhs_calib_apply(&c, dom, 4, 8, 0, ROWS, z, &err) == 0);
  double got = tvd_to(x, ROWS, 0, 1, 4, 4, want);
  CHECK_MSG(got < 0.03, "TVD to the target %g", got);
  CHECK_MSG(tvd_to(x, ROWS, 0, 2, 4, 3, c_uni) < 0.03, "A x C moved: %g", tvd_to(x, ROWS, 0, 2, 4, 3, c_uni));
  size_t apart = 0;
  for (size_t r = 0; r < ROWS; r++) apart += x[3 * ROWS + r] != x[r];
  CHECK_MSG(apart == 0, "%zu rows tore the twin from its column", apart);
  CHECK(memcmp(x, y, 4 * ROWS * sizeof *x) == 0);
  CHECK(memcmp(x, z, 4 * ROWS * sizeof *x) != 0);
  free(x), free(y), free(z);
  fhs_calib_free(&c);
  fhs_marginal_set_free(&s);
}

/* A table within its noise of the model gets no target, and records are left as they are. */
static void test_fitted_left_alone(void) {
  const size_t dom[4] = {4, 4, 3, 4};
  int64_t ab[16];
  for (size_t k = 0; k < 16; k++) ab[k] = ROWS / 16 + (k % 2 ? 20 : -20); /* well inside sigma */
  fhs_marginal_set s;
  one_table_set(&s, dom, ab, 50);
  double p0[4] = {0.25, 0.25, 0.25, 0.25}, p2[3] = {1 / 3.0, 1 / 3.0, 1 / 3.0}, model[16];
  const double *p[4] = {p0, p0, p2, p0};
  for (size_t k = 0; k < 16; k++) model[k] = 1.0 / 16;
  double *tabs[1] = {model};
  fhs_calib c;
  fhs_error err;
  CHECK(fhs_calib_init(&c, &s, dom, p, tabs, &err) == 0 && c.n_tables == 0);
  uint16_t *x = uniform_records(dom, 3), *y = uniform_records(dom, 3);
  CHECK(fhs_calib_apply(&c, dom, 4, 7, 0, ROWS, x, &err) == 0);
  CHECK(memcmp(x, y, 4 * ROWS * sizeof *x) == 0);
  free(x), free(y);
  fhs_calib_free(&c);
  fhs_marginal_set_free(&s);
}

/* Copula end to end at epsilon 1: T(5) is a relabelled copy of A (twins), U(5) depends on A
 * in no single order (U = A + 2 mod 5 with probability 0.7), X(4) is numeric and Y(2) is 1 only
 * in X's two middle bins (a non-monotone dependence a copula alone cannot express). */
static void test_copula_end_to_end(void) {
  fhs_schema s;
  schema_begin(&s, 5);
  add_cat(&s, "A", 5, false);
  add_cat(&s, "T", 5, false);
  add_cat(&s, "U", 5, false);
  const double edges[] = {0, 10, 20, 30, 40};
  add_num(&s, "X", FHS_COL_NUMERIC, edges, 5, false);
  add_cat(&s, "Y", 2, false);
  const size_t n = 50000;
  fhs_index_table real = {n, 5, malloc(5 * n * sizeof(uint16_t))};
  uint64_t seed = 11;
  for (size_t r = 0; r < n; r++) {
    uint16_t a = (uint16_t)(test_next(&seed) % 5), x = (uint16_t)(test_next(&seed) % 4);
    real.index[r] = a;
    real.index[n + r] = (uint16_t)((3 * a + 1) % 5);
    real.index[2 * n + r] = test_unit(&seed) < 0.7 ? (uint16_t)((a + 2) % 5) : (uint16_t)(test_next(&seed) % 5);
    real.index[3 * n + r] = x;
    real.index[4 * n + r] = (x == 1 || x == 2) == (test_unit(&seed) < 0.9);
  }
  fhs_marginal_set exact, stats;
  CHECK(count_all(&s, &real, 2, &exact) == 0);
  fhs_error err;
  CHECK_MSG(fhs_release(&exact, "copula", 1.0, 1e-6, NULL, &stats, &err) == 0, "%s", err.msg);
  fhs_synth_model *m;
  CHECK_MSG(fhs_synth_fit(&stats, &s, "copula", NULL, &m, &err) == 0, "%s", err.msg);
  fhs_index_table syn;
  CHECK(fhs_synth_sample_indices(m, n, 5, &syn, &err) == 0);
  size_t apart = 0;
  for (size_t r = 0; r < n; r++) apart += syn.index[n + r] != (3 * syn.index[r] + 1) % 5;
  CHECK_MSG(apart < n / 100, "twins apart in %zu of %zu rows", apart, n);
  double au = tvd_pair(&s, &real, &syn, 0, 2), xy = tvd_pair(&s, &real, &syn, 3, 4);
  CHECK_MSG(au < 0.05, "TVD(A, U) %g", au);
  CHECK_MSG(xy < 0.03, "TVD(X, Y) %g", xy);
  fhs_index_table_free(&syn);
  fhs_synth_free(m);
  fhs_marginal_set_free(&stats), fhs_marginal_set_free(&exact);
  fhs_index_table_free(&real);
  fhs_schema_free(&s);
}

int main(void) {
  test_targets_met();
  test_fitted_left_alone();
  test_copula_end_to_end();
  return check_report("test_synth_calibrate");
}
