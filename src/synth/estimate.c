/* Estimation: one consistent, non-negative distribution from noisy marginals.
 *
 * independent: P(x) = prod_a P(x_a), P(x_a) = the clipped (>= 0), normalised noisy 1-way.
 *
 * mst, as Private-PGM does it, specialised to a tree:
 * 1. Domain compression (MST's compress_domain): values whose noisy 1-way count is below
 *    3 sigma are merged into one bucket. Their cells are mostly noise, and every such cell
 *    would otherwise pull probability mass out of nowhere. This is post-processing: the full
 *    tables are summed over the merged cells, and the summed cell's variance is the number of
 *    cells times sigma^2 (so it is weighted correctly below). A sampled bucket is expanded to
 *    one of its values with probability proportional to the clipped noisy 1-way counts.
 * 2. The tree: the released 2-way marginals (mst releases exactly a spanning tree). When more
 *    are present (an all2way or --no-dp release), Kruskal keeps the maximum spanning forest by
 *    mutual information of the clipped tables (Chow-Liu): a tree is what can be sampled
 *    exactly and estimated in closed form on its junction tree.
 * 3. Before fitting, each noisy edge table is shrunk towards independence by the positive-part
 *    James-Stein factor (shrink_edge): a wide table whose noise dwarfs its counts is then
 *    read as "nearly independent" rather than as structure. Post-processing again.
 * 4. Weighted least squares over the marginal polytope of the tree, by entropic mirror descent
 *    on the log-potentials (McKenna, Sheldon, Miklau 2019, "Graphical-model based estimation
 *    and inference for differential privacy"): minimise
 *        L(mu) = 1/2 sum_measurements sum_cells (N mu_cell - y_cell)^2 / var_cell
 *    over distributions p(x) proportional to exp(sum_a theta_a(x_a) + sum_edges theta_e),
 *    mu = the marginals of p, computed exactly by belief propagation on the tree (log domain).
 *    Each step theta -= alpha grad_mu L, with a backtracking line search on alpha. The result
 *    is non-negative and consistent by construction (all marginals come from one p), and every
 *    measurement of an attribute (its 1-way and the 2-ways that contain it) informs it with
 *    its own precision. The descent starts from the tree distribution of the clipped tables
 *    themselves (warm_start), which is already the answer for exact tables.
 * Exact (sigma 0) measurements get unit weights: then the minimum is the data's own tree
 * projection. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

#define DEFAULT_ITERATIONS 2000
#define COMPRESS_SIGMAS 3.0

/* ---------- helpers ---------- */

static const fhs_marginal *one_way(const fhs_marginal_set *s, size_t a) {
  return fhs_marginal_set_find(s, 1, &a);
}

/* The 1-way counts of attribute a: its own marginal, else summed from the first larger one
 * that contains it. Returns a malloc'ed array of full-domain counts, or NULL. */
double *fhs_synth_counts_1way(const fhs_marginal_set *s, size_t a, size_t d, double *sigma) {
  double *y = calloc(d, sizeof *y);
  if (!y) return NULL;
  const fhs_marginal *m = one_way(s, a);
  if (m) {
    for (size_t v = 0; v < d; v++) y[v] = (double)m->counts[v];
    *sigma = m->sigma;
    return y;
  }
  for (size_t i = 0; i < s->count; i++) {
    m = &s->m[i];
    size_t pos = 4, stride = 1;
    for (size_t k = 0; k < m->n_cols; k++)
      if (m->cols[k] == a) pos = k;
    if (pos == 4) continue;
    for (size_t k = pos + 1; k < m->n_cols; k++) stride *= m->shape[k];
    for (size_t cell = 0; cell < m->size; cell++) y[(cell / stride) % d] += (double)m->counts[cell];
    *sigma = INFINITY; /* a sum of many noisy cells: no compression from it */
    return y;
  }
  free(y);
  return NULL;
}

static double *normalised_clip(const double *y, size_t d) {
  double *p = malloc(d * sizeof *p), sum = 0;
  if (!p) return NULL;
  for (size_t v = 0; v < d; v++) sum += p[v] = y[v] > 0 ? y[v] : 0;
  for (size_t v = 0; v < d; v++) p[v] = sum > 0 ? p[v] / sum : 1.0 / (double)d;
  return p;
}

int fhs_tree_fit_independent(fhs_tree_model *t, const fhs_marginal_set *stats,
                             const fhs_schema *schema, fhs_error *err) {
  if (fhs_marginal_set_check(stats, schema, "stats", err) || fhs_tree_init(t, schema, err))
    return -1;
  for (size_t a = 0; a < t->n; a++) {
    double sigma;
    double *y = fhs_synth_counts_1way(stats, a, t->dom[a], &sigma);
    if (!y) {
      fhs_tree_free(t);
      return fhs_error_set(err, "stats: no marginal covers column \"%s\"", schema->columns[a].name);
    }
    t->node[a] = normalised_clip(y, t->dom[a]);
    free(y);
    if (!t->node[a]) {
      fhs_tree_free(t);
      return fhs_error_set(err, "synth: out of memory");
    }
  }
  if (fhs_tree_prepare(t, err)) {
    fhs_tree_free(t);
    return -1;
  }
  return 0;
}

/* ---------- step 1: domain compression ---------- */

static int compress_attribute(fhs_tree_model *t, size_t a, const double *y, double sigma) {
  size_t d = t->full[a], rare = 0;
  double thr = COMPRESS_SIGMAS * sigma;
  if (!(sigma > 0) || !isfinite(sigma)) return 0;
  for (size_t v = 0; v < d; v++) rare += y[v] < thr;
  if (rare < 2) return 0; /* merging one value with nothing changes nothing */
  t->bucket_vals[a] = malloc(rare * sizeof **t->bucket_vals);
  double *w = malloc(rare * sizeof *w);
  if (!t->bucket_vals[a] || !w) {
    free(w);
    return -1;
  }
  size_t kept = 0, r = 0;
  for (size_t v = 0; v < d; v++)
    if (y[v] >= thr) {
      t->to_comp[a][v] = (uint32_t)kept;
      t->from_comp[a][kept++] = (uint16_t)v;
    }
  for (size_t v = 0; v < d; v++)
    if (y[v] < thr) {
      t->to_comp[a][v] = (uint32_t)kept;
      t->bucket_vals[a][r] = (uint16_t)v;
      w[r++] = y[v] > 0 ? y[v] : 0;
    }
  t->from_comp[a][kept] = FHS_ENCODE_PAD;
  t->dom[a] = kept + 1;
  int rc = fhs_alias_build(&t->bucket[a], w, rare);
  double sum = 0;
  for (size_t i = 0; i < rare; i++) sum += w[i];
  for (size_t i = 0; i < rare; i++) w[i] = sum > 0 ? w[i] / sum : 1.0 / (double)rare;
  t->bucket_p[a] = w; /* owned by the model now */
  return rc;
}

/* Sums a full table (1 or 2 columns, the marginal's own layout) into compressed cells:
 * y (sums) and w (1 / variance: sigma^2 per summed cell; exact tables get unit variance). */
static int compress_table(const fhs_tree_model *t, const fhs_marginal *m, double **y_out,
                          double **w_out) {
  size_t a = m->cols[0], b = m->n_cols == 2 ? m->cols[1] : 0;
  size_t da = t->dom[a], db = m->n_cols == 2 ? t->dom[b] : 1, fb = m->n_cols == 2 ? t->full[b] : 1;
  double *y = calloc(da * db, sizeof *y), *w = calloc(da * db, sizeof *w);
  if (!y || !w) {
    free(y), free(w);
    return -1;
  }
  for (size_t cell = 0; cell < m->size; cell++) {
    size_t ca = t->to_comp[a][cell / fb], cb = m->n_cols == 2 ? t->to_comp[b][cell % fb] : 0;
    y[ca * db + cb] += (double)m->counts[cell];
    w[ca * db + cb] += 1; /* cells summed */
  }
  double var = m->sigma > 0 ? m->sigma * m->sigma : 1.0;
  for (size_t i = 0; i < da * db; i++) w[i] = 1.0 / (w[i] * var);
  *y_out = y, *w_out = w;
  return 0;
}

/* ---------- step 2: the tree ---------- */

static double mutual_information(const double *y, size_t da, size_t db) {
  double *pa = calloc(da, sizeof *pa), *pb = calloc(db, sizeof *pb), tot = 0, mi = 0;
  if (!pa || !pb) {
    free(pa), free(pb);
    return 0;
  }
  for (size_t i = 0; i < da; i++)
    for (size_t j = 0; j < db; j++) {
      double v = y[i * db + j] > 0 ? y[i * db + j] : 0;
      pa[i] += v, pb[j] += v, tot += v;
    }
  for (size_t i = 0; tot > 0 && i < da; i++)
    for (size_t j = 0; j < db; j++) {
      double v = y[i * db + j];
      if (v > 0) mi += v / tot * log(v * tot / (pa[i] * pb[j]));
    }
  free(pa), free(pb);
  return mi;
}

static size_t uf_find(size_t *p, size_t x) {
  while (p[x] != x) x = p[x] = p[p[x]];
  return x;
}

typedef struct {
  const fhs_marginal *m;
  double weight;
} cand_edge;

static int by_weight_desc(const void *x, const void *y) {
  const cand_edge *a = x, *b = y;
  if (a->weight != b->weight) return a->weight > b->weight ? -1 : 1;
  /* ties in schema order: a deterministic tree for the same stats */
  if (a->m->cols[0] != b->m->cols[0]) return a->m->cols[0] < b->m->cols[0] ? -1 : 1;
  return a->m->cols[1] < b->m->cols[1] ? -1 : (a->m->cols[1] > b->m->cols[1]);
}

/* Picks the forest and roots it: fills t->parent and t->order; edges[c] = the marginal of the
 * edge into child c (NULL for roots). */
static int choose_tree(fhs_tree_model *t, const fhs_marginal_set *s, const fhs_marginal **edges) {
  size_t n = t->n, nc = 0;
  cand_edge *c = calloc(s->count ? s->count : 1, sizeof *c);
  size_t *uf = malloc(n * sizeof *uf), *adj_n = calloc(n, sizeof *adj_n);
  const fhs_marginal **adj = calloc(n * n, sizeof *adj);
  size_t *queue = malloc(n * sizeof *queue);
  int rc = (c && uf && adj_n && adj && queue) ? 0 : -1;
  for (size_t i = 0; rc == 0 && i < s->count; i++) {
    if (s->m[i].n_cols != 2) continue;
    double *y, *w;
    if (compress_table(t, &s->m[i], &y, &w)) {
      rc = -1;
      break;
    }
    c[nc++] = (cand_edge){&s->m[i], mutual_information(y, t->dom[s->m[i].cols[0]],
                                                       t->dom[s->m[i].cols[1]])};
    free(y), free(w);
  }
  if (rc == 0) {
    qsort(c, nc, sizeof *c, by_weight_desc);
    for (size_t a = 0; a < n; a++) uf[a] = a;
    for (size_t i = 0; i < nc; i++) {
      size_t a = c[i].m->cols[0], b = c[i].m->cols[1];
      if (uf_find(uf, a) == uf_find(uf, b)) continue;
      uf[uf_find(uf, a)] = uf_find(uf, b);
      adj[a * n + adj_n[a]++] = c[i].m;
      adj[b * n + adj_n[b]++] = c[i].m;
    }
    /* breadth first from the lowest column of each component: parents precede children */
    unsigned char *seen = calloc(n, 1);
    size_t k = 0;
    rc = seen ? 0 : -1;
    for (size_t r = 0; rc == 0 && r < n; r++) {
      if (seen[r]) continue;
      size_t head = k;
      seen[r] = 1, t->parent[r] = SIZE_MAX, edges[r] = NULL, queue[k++] = r;
      while (head < k) {
        size_t a = queue[head++];
        for (size_t j = 0; j < adj_n[a]; j++) {
          const fhs_marginal *m = adj[a * n + j];
          size_t b = m->cols[0] == a ? m->cols[1] : m->cols[0];
          if (seen[b]) continue;
          seen[b] = 1, t->parent[b] = a, edges[b] = m, queue[k++] = b;
        }
      }
    }
    if (rc == 0) memcpy(t->order, queue, n * sizeof *queue);
    free(seen);
  }
  free(c), free(uf), free(adj_n), free(adj), free(queue);
  return rc;
}

/* ---------- step 3: mirror descent ---------- */

typedef struct {
  size_t off;    /* where the clique's table starts in theta / mu / grad */
  size_t size;
  size_t attr;   /* the attribute (1-way) or the child of the edge (2-way) */
  int edge;
  double *y, *w; /* compressed counts and weights in the clique's layout */
} measurement;

typedef struct {
  const fhs_tree_model *t;
  double n_rows;
  size_t total;              /* parameters: node tables, then edge tables (non-roots) */
  size_t *node_off, *edge_off;
  measurement *meas;
  size_t n_meas;
  /* belief propagation work space: in, belief and down are per attribute over its own
   * domain (offset noff), up[a] is over its parent's domain (offset uoff) */
  double *in, *belief, *down, *up;
  size_t *noff, *uoff;
} md_ctx;

static void softmax(double *x, size_t n) {
  double mx = -INFINITY, sum = 0;
  for (size_t i = 0; i < n; i++) mx = x[i] > mx ? x[i] : mx;
  for (size_t i = 0; i < n; i++) sum += x[i] = exp(x[i] - mx);
  for (size_t i = 0; i < n; i++) x[i] /= sum;
}

/* logsumexp over x_c of th[x_p][x_c] + h[x_c] for every x_p (axis 1), or over x_p of
 * th[x_p][x_c] + h[x_p] for every x_c (axis 0). */
static void lse_rows(const double *th, const double *h, size_t dp, size_t dc, double *out) {
  for (size_t xp = 0; xp < dp; xp++) {
    const double *row = th + xp * dc;
    double mx = -INFINITY, s = 0;
    for (size_t xc = 0; xc < dc; xc++) mx = row[xc] + h[xc] > mx ? row[xc] + h[xc] : mx;
    for (size_t xc = 0; xc < dc; xc++) s += exp(row[xc] + h[xc] - mx);
    out[xp] = mx + log(s);
  }
}

static void lse_cols(const double *th, const double *h, size_t dp, size_t dc, double *out,
                     double *work) {
  for (size_t xc = 0; xc < dc; xc++) out[xc] = -INFINITY, work[xc] = 0;
  for (size_t xp = 0; xp < dp; xp++)
    for (size_t xc = 0; xc < dc; xc++) {
      double v = th[xp * dc + xc] + h[xp];
      out[xc] = v > out[xc] ? v : out[xc];
    }
  for (size_t xp = 0; xp < dp; xp++)
    for (size_t xc = 0; xc < dc; xc++) work[xc] += exp(th[xp * dc + xc] + h[xp] - out[xc]);
  for (size_t xc = 0; xc < dc; xc++) out[xc] += log(work[xc]);
}

/* Exact marginals of p ~ exp(theta) on the forest (sum-product in the log domain):
 * mu gets the node marginals and the edge marginals, in theta's layout. */
static void belief_propagation(const md_ctx *c, const double *theta, double *mu, double *work) {
  const fhs_tree_model *t = c->t;
  for (size_t a = 0; a < t->n; a++)
    memcpy(c->in + c->noff[a], theta + c->node_off[a], t->dom[a] * sizeof *theta);
  /* upward, children before parents: up[a] = message a -> parent, folded into in[parent] */
  for (size_t k = t->n; k-- > 0;) {
    size_t a = t->order[k], p = t->parent[a];
    if (p == SIZE_MAX) continue;
    double *up = c->up + c->uoff[a];
    lse_rows(theta + c->edge_off[a], c->in + c->noff[a], t->dom[p], t->dom[a], up);
    for (size_t xp = 0; xp < t->dom[p]; xp++) c->in[c->noff[p] + xp] += up[xp];
  }
  /* downward, parents before children: belief = in + message from the parent */
  for (size_t k = 0; k < t->n; k++) {
    size_t a = t->order[k], p = t->parent[a], d = t->dom[a];
    double *bel = c->belief + c->noff[a];
    memcpy(bel, c->in + c->noff[a], d * sizeof *bel);
    if (p == SIZE_MAX) continue;
    const double *up = c->up + c->uoff[a], *bp = c->belief + c->noff[p];
    for (size_t xp = 0; xp < t->dom[p]; xp++) work[xp] = bp[xp] - up[xp]; /* p without a */
    double *down = c->down + c->noff[a];
    lse_cols(theta + c->edge_off[a], work, t->dom[p], d, down, work + t->dom[p]);
    for (size_t x = 0; x < d; x++) bel[x] += down[x];
  }
  for (size_t a = 0; a < t->n; a++) {
    double *m = mu + c->node_off[a];
    memcpy(m, c->belief + c->noff[a], t->dom[a] * sizeof *m);
    softmax(m, t->dom[a]);
    size_t p = t->parent[a];
    if (p == SIZE_MAX) continue;
    size_t dp = t->dom[p], dc = t->dom[a];
    const double *th = theta + c->edge_off[a], *up = c->up + c->uoff[a];
    const double *bp = c->belief + c->noff[p], *in = c->in + c->noff[a];
    double *e = mu + c->edge_off[a];
    for (size_t xp = 0; xp < dp; xp++)
      for (size_t xc = 0; xc < dc; xc++)
        e[xp * dc + xc] = th[xp * dc + xc] + bp[xp] - up[xp] + in[xc];
    softmax(e, dp * dc);
  }
}

/* L(mu) and, when grad is not NULL, its gradient in theta's layout. */
static double loss(const md_ctx *c, const double *mu, double *grad) {
  double l = 0, n = c->n_rows;
  if (grad) memset(grad, 0, c->total * sizeof *grad);
  for (size_t i = 0; i < c->n_meas; i++) {
    const measurement *m = &c->meas[i];
    for (size_t j = 0; j < m->size; j++) {
      double r = n * mu[m->off + j] - m->y[j];
      l += 0.5 * m->w[j] * r * r;
      if (grad) grad[m->off + j] += n * m->w[j] * r;
    }
  }
  return l;
}

static double dot_diff(const double *g, const double *a, const double *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += g[i] * (a[i] - b[i]);
  return s;
}

/* theta, mu: in/out. Backtracking as Private-PGM: double alpha each step, halve it until the
 * loss decreases by at least half of what the linear model predicts. */
static void mirror_descent(const md_ctx *c, double *theta, double *mu, double *work,
                           double *scratch, size_t iterations) {
  size_t n = c->total;
  double *grad = scratch, *theta2 = scratch + n, *mu2 = scratch + 2 * n;
  belief_propagation(c, theta, mu, work);
  double cur = loss(c, mu, grad), wmax = 0;
  for (size_t i = 0; i < c->n_meas; i++)
    for (size_t j = 0; j < c->meas[i].size; j++)
      wmax = c->meas[i].w[j] > wmax ? c->meas[i].w[j] : wmax;
  double alpha = 1.0 / (c->n_rows * c->n_rows * (wmax > 0 ? wmax : 1));
  size_t flat = 0;
  for (size_t it = 0; it < iterations && cur > 0; it++) {
    alpha *= 2;
    double next = cur;
    int ok = 0;
    for (int ls = 0; ls < 40 && !ok; ls++) {
      for (size_t i = 0; i < n; i++) theta2[i] = theta[i] - alpha * grad[i];
      belief_propagation(c, theta2, mu2, work);
      next = loss(c, mu2, NULL);
      ok = cur - next >= 0.5 * dot_diff(grad, mu, mu2, n) && next <= cur;
      if (!ok) alpha *= 0.5;
    }
    if (!ok) break; /* no step decreases the loss: converged to machine precision */
    memcpy(theta, theta2, n * sizeof *theta);
    memcpy(mu, mu2, n * sizeof *mu);
    /* Stop once 20 steps in a row gained less than 1e-9 of the loss or less than 1e-3 in
     * absolute terms: the loss is a sum of squared residuals in units of their variance, so
     * 1e-3 is far below anything the noise lets us tell apart. */
    flat = cur - next < fmax(1e-9 * cur, 1e-3) ? flat + 1 : 0;
    cur = loss(c, mu, grad);
    if (flat >= 20) break;
  }
}

/* James-Stein shrinkage of a noisy edge table towards independence (positive-part, Lindley's
 * form: the target, row sums x column sums / total, is itself fitted from the table). With
 * z = (y - target) / sd cell by cell, y becomes target + max(0, 1 - (k - r - 2) / |z|^2) (y -
 * target), k cells, r = rows + columns - 1 fitted dimensions. A large table measured with
 * noise much larger than its counts (age x fnlwgt at epsilon 1: 8,500 cells of ~6 rows, noise
 * sd ~38) is then taken as nearly independent instead of fitting the noise; a table with real
 * structure (relationship x sex) is left almost as measured. For Gaussian noise this dominates
 * the raw table in mean squared error; it reads only released values (post-processing). */
static void shrink_edge(measurement *m, size_t dp, size_t dc) {
  double *rs = calloc(dp, sizeof *rs), *cs = calloc(dc, sizeof *cs), tot = 0, z2 = 0;
  if (!rs || !cs) {
    free(rs), free(cs);
    return; /* shrinkage is an improvement, not a requirement */
  }
  for (size_t i = 0; i < dp; i++)
    for (size_t j = 0; j < dc; j++) rs[i] += m->y[i * dc + j], cs[j] += m->y[i * dc + j];
  for (size_t i = 0; i < dp; i++) tot += rs[i] = rs[i] > 0 ? rs[i] : 0;
  for (size_t j = 0; j < dc; j++) cs[j] = cs[j] > 0 ? cs[j] : 0;
  double k = (double)(dp * dc), r = (double)(dp + dc - 1);
  if (tot > 0 && k > r + 2) {
    for (size_t i = 0; i < dp; i++)
      for (size_t j = 0; j < dc; j++) {
        double d = m->y[i * dc + j] - rs[i] * cs[j] / tot;
        z2 += d * d * m->w[i * dc + j];
      }
    double lambda = z2 > 0 ? 1.0 - (k - r - 2) / z2 : 0;
    if (lambda < 0) lambda = 0;
    for (size_t i = 0; i < dp; i++)
      for (size_t j = 0; j < dc; j++) {
        double t = rs[i] * cs[j] / tot;
        m->y[i * dc + j] = t + lambda * (m->y[i * dc + j] - t);
      }
  }
  free(rs), free(cs);
}

/* Starting point: the tree distribution of the clipped measurements themselves,
 * p(root) prod p(child | parent), floored so that no cell starts at probability 0 (mirror
 * descent moves log-probabilities and could never revive an exact zero). For exact tables this
 * is already the optimum; for noisy ones it saves most of the iterations. */
#define WARM_FLOOR 1e-9
static void warm_start(const md_ctx *c, double *theta) {
  const fhs_tree_model *t = c->t;
  for (size_t i = 0; i < c->n_meas; i++) {
    const measurement *m = &c->meas[i];
    if (!m->edge && t->parent[m->attr] != SIZE_MAX) continue;
    size_t dc = t->dom[m->attr], rows = m->size / dc;
    for (size_t r = 0; r < rows; r++) {
      const double *y = m->y + r * dc;
      double sum = 0;
      for (size_t j = 0; j < dc; j++) sum += y[j] > 0 ? y[j] : 0;
      for (size_t j = 0; j < dc; j++) {
        double p = sum > 0 ? (y[j] > 0 ? y[j] : 0) / sum : 1.0 / (double)dc;
        theta[m->off + r * dc + j] = log(p + WARM_FLOOR);
      }
    }
  }
}

/* ---------- fit ---------- */

static void md_free(md_ctx *c) {
  for (size_t i = 0; c->meas && i < c->n_meas; i++) free(c->meas[i].y), free(c->meas[i].w);
  free(c->meas), free(c->node_off), free(c->edge_off), free(c->noff), free(c->uoff);
  free(c->in), free(c->belief), free(c->down), free(c->up);
}

/* Lays out theta and the work space, and compresses every measurement into it. */
static int md_setup(md_ctx *c, const fhs_tree_model *t, const fhs_marginal_set *s,
                    const fhs_marginal **edges) {
  size_t n = t->n, off = 0, nsz = 0, usz = 0;
  c->t = t;
  c->node_off = malloc(n * sizeof *c->node_off);
  c->edge_off = malloc(n * sizeof *c->edge_off);
  c->noff = malloc(n * sizeof *c->noff);
  c->uoff = malloc(n * sizeof *c->uoff);
  c->meas = calloc(2 * n, sizeof *c->meas);
  if (!c->node_off || !c->edge_off || !c->noff || !c->uoff || !c->meas) return -1;
  for (size_t a = 0; a < n; a++) c->node_off[a] = off, off += t->dom[a];
  for (size_t a = 0; a < n; a++) {
    c->edge_off[a] = off;
    c->noff[a] = nsz, nsz += t->dom[a];
    c->uoff[a] = usz;
    if (t->parent[a] != SIZE_MAX) off += t->dom[t->parent[a]] * t->dom[a], usz += t->dom[t->parent[a]];
  }
  c->total = off;
  c->in = malloc(nsz * sizeof *c->in);
  c->belief = malloc(nsz * sizeof *c->belief);
  c->down = malloc(nsz * sizeof *c->down);
  c->up = malloc((usz ? usz : 1) * sizeof *c->up);
  if (!c->in || !c->belief || !c->down || !c->up) return -1;
  for (size_t a = 0; a < n; a++) {
    const fhs_marginal *m = one_way(s, a);
    if (m) {
      measurement *x = &c->meas[c->n_meas++];
      x->off = c->node_off[a], x->size = t->dom[a], x->attr = a, x->edge = 0;
      if (compress_table(t, m, &x->y, &x->w)) return -1;
    }
    if (!edges[a]) continue;
    measurement *x = &c->meas[c->n_meas++];
    size_t p = t->parent[a], dp = t->dom[p], dc = t->dom[a];
    x->off = c->edge_off[a], x->size = dp * dc, x->attr = a, x->edge = 1;
    double *y, *w;
    if (compress_table(t, edges[a], &y, &w)) return -1;
    if (edges[a]->cols[0] == p) {
      x->y = y, x->w = w;
      if (edges[a]->sigma > 0) shrink_edge(x, dp, dc);
      continue;
    }
    /* the marginal is (child, parent): transpose into the clique's (parent, child) layout */
    x->y = malloc(dp * dc * sizeof *x->y);
    x->w = malloc(dp * dc * sizeof *x->w);
    if (x->y && x->w)
      for (size_t xp = 0; xp < dp; xp++)
        for (size_t xc = 0; xc < dc; xc++)
          x->y[xp * dc + xc] = y[xc * dp + xp], x->w[xp * dc + xc] = w[xc * dp + xp];
    free(y), free(w);
    if (!x->y || !x->w) return -1;
    if (edges[a]->sigma > 0) shrink_edge(x, dp, dc);
  }
  return 0;
}

double fhs_synth_rows_estimate(const fhs_marginal_set *s) {
  if (s->rows > 0) return s->rows;
  double tot = 0;
  for (size_t i = 0; i < s->count; i++)
    for (size_t j = 0; j < s->m[i].size; j++) tot += (double)s->m[i].counts[j];
  return tot > 0 ? fhs_noisy_total(s) : 0; /* 0: the tables hold no rows at all */
}

static int compress_all(fhs_tree_model *t, const fhs_marginal_set *s, const fhs_schema *schema,
                        fhs_error *err) {
  for (size_t a = 0; a < t->n; a++) {
    double sigma = 0;
    double *y = fhs_synth_counts_1way(s, a, t->full[a], &sigma);
    if (!y)
      return fhs_error_set(err, "stats: no marginal covers column \"%s\"", schema->columns[a].name);
    int rc = compress_attribute(t, a, y, sigma);
    free(y);
    if (rc) return fhs_error_set(err, "synth: out of memory");
  }
  return 0;
}

static int fit_tree(fhs_tree_model *t, const fhs_marginal_set *s, const fhs_schema *schema,
                    size_t iterations, fhs_error *err) {
  md_ctx c;
  memset(&c, 0, sizeof c);
  c.n_rows = fhs_synth_rows_estimate(s);
  if (!(c.n_rows >= 1)) return fhs_error_set(err, "stats: the marginals hold no rows");
  if (compress_all(t, s, schema, err)) return -1;
  const fhs_marginal **edges = calloc(t->n, sizeof *edges);
  if (!edges || choose_tree(t, s, edges) || md_setup(&c, t, s, edges)) {
    free(edges);
    md_free(&c);
    return fhs_error_set(err, "synth: out of memory for estimation");
  }
  free(edges);
  size_t maxd = 1;
  for (size_t a = 0; a < t->n; a++) maxd = t->dom[a] > maxd ? t->dom[a] : maxd;
  double *theta = calloc(c.total, sizeof *theta), *mu = malloc(c.total * sizeof *mu);
  double *scratch = malloc(3 * c.total * sizeof *scratch), *work = malloc(2 * maxd * sizeof *work);
  int rc = 0;
  if (!theta || !mu || !scratch || !work)
    rc = fhs_error_set(err, "synth: out of memory for estimation");
  if (rc == 0) warm_start(&c, theta);
  if (rc == 0) mirror_descent(&c, theta, mu, work, scratch, iterations ? iterations : DEFAULT_ITERATIONS);
  for (size_t a = 0; rc == 0 && a < t->n; a++) {
    t->node[a] = malloc(t->dom[a] * sizeof **t->node);
    if (!t->node[a]) rc = fhs_error_set(err, "synth: out of memory");
    else memcpy(t->node[a], mu + c.node_off[a], t->dom[a] * sizeof **t->node);
    if (rc || t->parent[a] == SIZE_MAX) continue;
    size_t sz = t->dom[t->parent[a]] * t->dom[a];
    t->edge[a] = malloc(sz * sizeof **t->edge);
    if (!t->edge[a]) rc = fhs_error_set(err, "synth: out of memory");
    else memcpy(t->edge[a], mu + c.edge_off[a], sz * sizeof **t->edge);
  }
  free(theta), free(mu), free(scratch), free(work);
  md_free(&c);
  return rc;
}

int fhs_tree_fit_mst(fhs_tree_model *t, const fhs_marginal_set *stats, const fhs_schema *schema,
                     size_t iterations, fhs_error *err) {
  if (fhs_marginal_set_check(stats, schema, "stats", err) || fhs_tree_init(t, schema, err))
    return -1;
  if (fit_tree(t, stats, schema, iterations, err) || fhs_tree_prepare(t, err)) {
    fhs_tree_free(t);
    return -1;
  }
  return 0;
}
