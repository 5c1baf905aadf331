/* The GEM generator (Liu, Vietri, Wu 2021): an MLP that maps noise to one softmax per column,
 * trained with Adam so that its answers to marginal queries match measured answers.
 *
 * Shape: z (dz) -> ReLU(z W1 + b1) (h) -> logits (sum of the domains) -> softmax per column.
 * The noise is a fixed batch of K vectors drawn once from the seeded stream, so the generator
 * is a mixture of K product distributions: row i of the output holds, for every column, the
 * distribution of that column in component i. Its answer to a marginal is exact, the mean over
 * the components of the product of the columns' distributions (a 2-way is P_a^T P_b / K, one
 * dgemm), so the loss carries no Monte Carlo noise and training is deterministic. A fresh z per
 * step (GEM's choice) would make every step's loss a noisy estimate, and its square biased.
 *
 * Loss: 1/2 sum over measurements of w_m ||answer_m - y_m||^2, y_m the noisy counts divided by
 * the estimated row count and w_m proportional to 1 / sigma_m^2: least squares weighted by
 * each measurement's precision, as Private-PGM's estimator uses (GEM uses L1; squares give
 * Adam smoother gradients and the maximum-likelihood fit under Gaussian noise). The output
 * bias starts at the log of the clipped 1-way targets, so training starts from the
 * independent model and only has to learn the dependence. Dependence no target asks for is
 * held back: columns without a 2-way target keep zero output weights, and the output layer
 * decays towards zero at a rate that grows with the noise (GEM_DECAY).
 *
 * All products are cblas_dgemm (OpenBLAS); its level-3 kernels split the output matrix between
 * threads, never the inner sums, so the result does not depend on the thread count. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

#define ADAM_B1 0.9
#define ADAM_B2 0.999
#define ADAM_EPS 1e-8
/* The output layer starts 100 times smaller than Glorot: every component then starts at the
 * 1-way distributions (the bias), i.e. at independence, and training adds only the
 * dependence that measurements ask for. At full size the random start builds dependence
 * between every pair of columns, and the pairs never measured keep it (on Adult at epsilon 1
 * the mean 2-way TVD went from 0.061 to 0.043 with this alone). */
#define GEM_W2_SCALE 0.01
/* Plateau control (when min_gain > 0): every GEM_CHECK_EVERY steps the loss is compared with
 * the best so far. After GEM_MIN_STEPS (the first steps from independence are slow), a check
 * that gains less than min_gain halves the rate; GEM_PATIENCE such checks in a row stop
 * training, and the best parameters seen are kept. */
#define GEM_CHECK_EVERY 100
#define GEM_MIN_STEPS 500
#define GEM_PATIENCE 3
/* Decoupled weight decay on the output layer (each step W2 -= lr decay W2) pulls towards
 * independence the dependence that no measurement pins down. decay = GEM_DECAY / (the largest
 * target weight) = GEM_DECAY (sigma / N)^2 of the least noisy target: strong when the noise is
 * large against the rows, negligible on exact counts (Adult: about 0.8 / 0.11 / 0.008 at
 * epsilon 0.3 / 1 / 4, 4e-5 exact). Without it, at epsilon 0.3 a column measured once (fnlwgt x
 * income, noise 7% of the rows) drifted to 2-way TVD 0.5 against columns it was never measured
 * with. A fixed decay of 1 gave the same gain at epsilon 0.3 but cost 0.01 at epsilon 4. */
#define GEM_DECAY 1e5

static size_t n_params(const fhs_gem *g) { return g->dz * g->h + g->h + g->h * g->d + g->d; }

void fhs_gem_free(fhs_gem *g) {
  if (!g) return;
  free(g->dom), free(g->off), free(g->z), free(g->theta), free(g->adam_m), free(g->adam_v);
  free(g->grad), free(g->hid), free(g->prob), free(g->dprob), free(g->dhid);
  memset(g, 0, sizeof *g);
}

int fhs_gem_init(fhs_gem *g, const size_t *dom, size_t n_cols, const fhs_gem_shape *shape,
                 uint64_t seed, fhs_error *err) {
  memset(g, 0, sizeof *g);
  g->n_cols = n_cols, g->dz = shape->dz, g->h = shape->h, g->k = shape->k;
  g->dom = malloc(n_cols * sizeof *g->dom);
  g->off = malloc(n_cols * sizeof *g->off);
  if (!g->dom || !g->off) {
    fhs_gem_free(g);
    return fhs_error_set(err, "synth: out of memory for the generator");
  }
  for (size_t a = 0; a < n_cols; a++) g->dom[a] = dom[a], g->off[a] = g->d, g->d += dom[a];
  size_t np = n_params(g), k = g->k;
  g->z = malloc(k * g->dz * sizeof *g->z);
  g->theta = malloc(np * sizeof *g->theta);
  g->adam_m = calloc(np, sizeof *g->adam_m);
  g->adam_v = calloc(np, sizeof *g->adam_v);
  g->grad = malloc(np * sizeof *g->grad);
  g->hid = malloc(k * g->h * sizeof *g->hid);
  g->dhid = malloc(k * g->h * sizeof *g->dhid);
  g->prob = malloc(k * g->d * sizeof *g->prob);
  g->dprob = malloc(k * g->d * sizeof *g->dprob);
  if (!g->z || !g->theta || !g->adam_m || !g->adam_v || !g->grad || !g->hid || !g->dhid ||
      !g->prob || !g->dprob) {
    fhs_gem_free(g);
    return fhs_error_set(err, "synth: out of memory for the generator");
  }
  /* He initialisation for the ReLU layer, a small output layer (GEM_W2_SCALE), from the
   * stream: the same seed gives the same generator on every machine with the same libm */
  fhs_synth_stream s;
  fhs_synth_stream_init(&s, seed, FHS_NONCE_TRAIN);
  for (size_t i = 0; i < k * g->dz; i++) g->z[i] = fhs_synth_stream_normal(&s);
  double *w1 = g->theta, *b1 = w1 + g->dz * g->h, *w2 = b1 + g->h, *b2 = w2 + g->h * g->d;
  for (size_t i = 0; i < g->dz * g->h; i++) w1[i] = fhs_synth_stream_normal(&s) * sqrt(2.0 / (double)g->dz);
  for (size_t i = 0; i < g->h; i++) b1[i] = 0;
  for (size_t i = 0; i < g->h * g->d; i++)
    w2[i] = GEM_W2_SCALE * fhs_synth_stream_normal(&s) * sqrt(1.0 / (double)g->h);
  for (size_t i = 0; i < g->d; i++) b2[i] = 0;
  fhs_synth_stream_wipe(&s);
  return 0;
}

void fhs_gem_set_bias(fhs_gem *g, size_t a, const double *p) {
  double *b2 = g->theta + g->dz * g->h + g->h + g->h * g->d + g->off[a];
  for (size_t v = 0; v < g->dom[a]; v++) b2[v] = log(p[v] + 1e-6);
}

void fhs_gem_forward(fhs_gem *g) {
  size_t k = g->k, h = g->h, d = g->d;
  const double *w1 = g->theta, *b1 = w1 + g->dz * h, *w2 = b1 + h, *b2 = w2 + h * d;
  for (size_t i = 0; i < k; i++) memcpy(g->hid + i * h, b1, h * sizeof *b1);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)h, (int)g->dz, 1.0, g->z,
              (int)g->dz, w1, (int)h, 1.0, g->hid, (int)h);
  for (size_t i = 0; i < k * h; i++) g->hid[i] = g->hid[i] > 0 ? g->hid[i] : 0;
  for (size_t i = 0; i < k; i++) memcpy(g->prob + i * d, b2, d * sizeof *b2);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)d, (int)h, 1.0, g->hid,
              (int)h, w2, (int)d, 1.0, g->prob, (int)d);
  for (size_t i = 0; i < k; i++)
    for (size_t a = 0; a < g->n_cols; a++) {
      double *x = g->prob + i * d + g->off[a], mx = -INFINITY, sum = 0;
      size_t n = g->dom[a];
      for (size_t v = 0; v < n; v++) mx = x[v] > mx ? x[v] : mx;
      for (size_t v = 0; v < n; v++) sum += x[v] = exp(x[v] - mx);
      for (size_t v = 0; v < n; v++) x[v] /= sum;
    }
}

void fhs_gem_answer(const fhs_gem *g, size_t n_cols, const size_t *cols, double *out) {
  size_t k = g->k, d = g->d;
  if (n_cols == 1) {
    size_t a = cols[0], n = g->dom[a];
    memset(out, 0, n * sizeof *out);
    for (size_t i = 0; i < k; i++)
      for (size_t v = 0; v < n; v++) out[v] += g->prob[i * d + g->off[a] + v];
    for (size_t v = 0; v < n; v++) out[v] /= (double)k;
    return;
  }
  size_t a = cols[0], b = cols[1];
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)g->dom[a], (int)g->dom[b], (int)k,
              1.0 / (double)k, g->prob + g->off[a], (int)d, g->prob + g->off[b], (int)d, 0.0, out,
              (int)g->dom[b]);
}

/* Loss of the current forward pass, weights scaled by 1 / the largest (only ratios matter to
 * Adam); adds its gradient with respect to prob into dprob. work holds the largest table. */
static double loss_grad(fhs_gem *g, const fhs_gem_target *t, size_t n_t, double *work) {
  size_t k = g->k, d = g->d;
  double loss = 0, wmax = 0;
  for (size_t m = 0; m < n_t; m++) wmax = t[m].w > wmax ? t[m].w : wmax;
  memset(g->dprob, 0, k * d * sizeof *g->dprob);
  for (size_t m = 0; m < n_t; m++) {
    const fhs_gem_target *x = &t[m];
    fhs_gem_answer(g, x->n_cols, x->cols, work);
    for (size_t c = 0; c < x->size; c++) {
      work[c] -= x->y[c];
      loss += 0.5 * x->w / wmax * work[c] * work[c];
      work[c] *= x->w / wmax / (double)k;
    }
    size_t a = x->cols[0];
    if (x->n_cols == 1) {
      for (size_t i = 0; i < k; i++)
        for (size_t v = 0; v < g->dom[a]; v++) g->dprob[i * d + g->off[a] + v] += work[v];
      continue;
    }
    size_t b = x->cols[1], da = g->dom[a], db = g->dom[b];
    /* d/dP_a = P_b G^T, d/dP_b = P_a G (G = w (answer - y) / K, da x db) */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)da, (int)db, 1.0,
                g->prob + g->off[b], (int)d, work, (int)db, 1.0, g->dprob + g->off[a], (int)d);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)db, (int)da, 1.0,
                g->prob + g->off[a], (int)d, work, (int)db, 1.0, g->dprob + g->off[b], (int)d);
  }
  return loss;
}

/* Backpropagation from dprob to grad (softmax per column, output layer, ReLU, first layer). */
static void backward(fhs_gem *g) {
  size_t k = g->k, h = g->h, d = g->d, dz = g->dz;
  double *gw1 = g->grad, *gb1 = gw1 + dz * h, *gw2 = gb1 + h, *gb2 = gw2 + h * d;
  const double *w2 = g->theta + dz * h + h;
  for (size_t i = 0; i < k; i++)
    for (size_t a = 0; a < g->n_cols; a++) {
      double *dp = g->dprob + i * d + g->off[a];
      const double *p = g->prob + i * d + g->off[a];
      double s = 0;
      for (size_t v = 0; v < g->dom[a]; v++) s += dp[v] * p[v];
      for (size_t v = 0; v < g->dom[a]; v++) dp[v] = p[v] * (dp[v] - s); /* now d logits */
    }
  memset(gb2, 0, d * sizeof *gb2);
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < d; j++) gb2[j] += g->dprob[i * d + j];
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)h, (int)d, (int)k, 1.0, g->hid,
              (int)h, g->dprob, (int)d, 0.0, gw2, (int)d);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)h, (int)d, 1.0, g->dprob,
              (int)d, w2, (int)d, 0.0, g->dhid, (int)h);
  for (size_t i = 0; i < k * h; i++) g->dhid[i] = g->hid[i] > 0 ? g->dhid[i] : 0;
  memset(gb1, 0, h * sizeof *gb1);
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < h; j++) gb1[j] += g->dhid[i * h + j];
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)dz, (int)h, (int)k, 1.0, g->z,
              (int)dz, g->dhid, (int)h, 0.0, gw1, (int)h);
}

static void adam_step(fhs_gem *g, double lr, double decay) {
  size_t np = n_params(g);
  g->steps++;
  double c1 = 1 - pow(ADAM_B1, (double)g->steps), c2 = 1 - pow(ADAM_B2, (double)g->steps);
  for (size_t i = 0; i < np; i++) {
    double gr = g->grad[i];
    g->adam_m[i] = ADAM_B1 * g->adam_m[i] + (1 - ADAM_B1) * gr;
    g->adam_v[i] = ADAM_B2 * g->adam_v[i] + (1 - ADAM_B2) * gr * gr;
    g->theta[i] -= lr * (g->adam_m[i] / c1) / (sqrt(g->adam_v[i] / c2) + ADAM_EPS);
  }
  double *w2 = g->theta + g->dz * g->h + g->h;
  for (size_t i = 0; i < g->h * g->d; i++) w2[i] -= lr * decay * w2[i];
}

/* Marks the columns that no 2-way target touches (lone[a] = 1) and zeroes their output
 * weights, so they stay independent of the components and only their bias fits the 1-way.
 * Otherwise their near-zero gradients, scaled up by Adam to full steps, drove their softmax
 * into saturation: at epsilon 0.3 on Adult with 8 measured pairs, fnlwgt's 1-way ended 0.3
 * TVD away from its target and stayed there. */
static void pin_lone_columns(fhs_gem *g, const fhs_gem_target *t, size_t n_t,
                             unsigned char *lone) {
  double *w2 = g->theta + g->dz * g->h + g->h;
  memset(lone, 1, g->n_cols);
  for (size_t m = 0; m < n_t; m++)
    if (t[m].n_cols == 2) lone[t[m].cols[0]] = lone[t[m].cols[1]] = 0;
  for (size_t a = 0; a < g->n_cols; a++)
    for (size_t j = 0; lone[a] && j < g->h; j++)
      memset(w2 + j * g->d + g->off[a], 0, g->dom[a] * sizeof *w2);
}

/* Lone columns get no output-weight gradient, so Adam never moves those weights off zero. */
static void drop_lone_grad(fhs_gem *g, const unsigned char *lone) {
  double *gw2 = g->grad + g->dz * g->h + g->h;
  for (size_t a = 0; a < g->n_cols; a++)
    for (size_t j = 0; lone[a] && j < g->h; j++)
      memset(gw2 + j * g->d + g->off[a], 0, g->dom[a] * sizeof *gw2);
}

static double decay_rate(const fhs_gem_target *t, size_t n_t) {
  double wmax = 0;
  for (size_t m = 0; m < n_t; m++) wmax = t[m].w > wmax ? t[m].w : wmax;
  return wmax > 0 ? GEM_DECAY / wmax : 0;
}

int fhs_gem_train(fhs_gem *g, const fhs_gem_target *t, size_t n_t, size_t steps, double lr,
                  double min_gain, double *loss_out, fhs_error *err) {
  size_t maxt = 1, np = n_params(g), stall = 0;
  for (size_t m = 0; m < n_t; m++) maxt = t[m].size > maxt ? t[m].size : maxt;
  double *work = malloc(maxt * sizeof *work), best = INFINITY;
  double *keep = min_gain > 0 ? malloc(np * sizeof *keep) : NULL, decay = decay_rate(t, n_t);
  unsigned char *lone = malloc(g->n_cols);
  if (!work || !lone || (min_gain > 0 && !keep)) {
    free(work), free(keep), free(lone);
    return fhs_error_set(err, "synth: out of memory for training");
  }
  pin_lone_columns(g, t, n_t, lone);
  for (size_t s = 0; s < steps; s++) {
    fhs_gem_forward(g);
    double loss = loss_grad(g, t, n_t, work);
    if (keep && s % GEM_CHECK_EVERY == 0) {
      /* reduce on plateau: Adam at a fixed rate ends up circling the minimum */
      if (loss < best * (1 - min_gain)) {
        best = loss, stall = 0;
        memcpy(keep, g->theta, np * sizeof *keep);
      } else if (s >= GEM_MIN_STEPS) {
        lr *= 0.5;
        if (++stall >= GEM_PATIENCE) break;
      }
    }
    backward(g);
    drop_lone_grad(g, lone);
    adam_step(g, lr, decay);
  }
  if (keep) {
    /* the best parameters seen at a check, unless the last step is better still */
    fhs_gem_forward(g);
    if (loss_grad(g, t, n_t, work) > best) memcpy(g->theta, keep, np * sizeof *keep);
  }
  fhs_gem_forward(g); /* prob matches theta on return */
  if (loss_out) *loss_out = loss_grad(g, t, n_t, work);
  free(work), free(keep), free(lone);
  return 0;
}

int fhs_gem_target_from(fhs_gem_target *t, const fhs_marginal *m, const size_t *cols,
                        double nrows, fhs_error *err) {
  memset(t, 0, sizeof *t);
  t->n_cols = m->n_cols, t->size = m->size;
  for (size_t c = 0; c < m->n_cols; c++) t->cols[c] = cols[c];
  t->y = malloc(m->size * sizeof *t->y);
  if (!t->y) return fhs_error_set(err, "synth: out of memory");
  for (size_t c = 0; c < m->size; c++) t->y[c] = (double)m->counts[c] / nrows;
  double sd = m->sigma > 1 ? m->sigma : 1; /* exact counts: unit variance, as the mst fit */
  t->w = nrows * nrows / (sd * sd);
  return 0;
}

void fhs_gem_targets_free(fhs_gem_target *t, size_t n) {
  for (size_t i = 0; t && i < n; i++) free(t[i].y);
  free(t);
}
