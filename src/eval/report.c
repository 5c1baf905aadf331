/* The HTML report: one self-contained file (inline CSS and SVG, no script, no font or image
 * fetched: a Content-Security-Policy forbids every fetch), readable offline and safe to mail.
 * Sections: a summary card with plain-language verdicts, per-column histograms (real vs
 * synthetic), association heatmaps side by side, the utility table and the privacy table.
 * Every name and label from the data is HTML-escaped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval_internal.h"

#define HIST_MAX_BARS 24 /* more categories: the largest ones, the rest as "other labels" */
#define COLOR_REAL "#2f6db5"
#define COLOR_SYN "#e8833a"

static void esc(FILE *f, const char *s) {
  for (; *s; s++) {
    switch (*s) {
      case '<': fputs("&lt;", f); break;
      case '>': fputs("&gt;", f); break;
      case '&': fputs("&amp;", f); break;
      case '"': fputs("&quot;", f); break;
      case '\'': fputs("&#39;", f); break;
      default: fputc(*s, f);
    }
  }
}

/* s cut to at most max bytes on a UTF-8 boundary, with an ellipsis when cut. */
static void short_label(const char *s, size_t max, char *buf, size_t size) {
  size_t n = strlen(s);
  if (n <= max) {
    snprintf(buf, size, "%s", s);
    return;
  }
  while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
  snprintf(buf, size, "%.*s\xe2\x80\xa6", (int)max, s);
}

/* A number for a table cell: "n/a" when it could not be measured. */
static void cell(FILE *f, double v, const char *fmt) {
  if (!isfinite(v)) {
    fputs(isinf(v) ? "&infin;" : "n/a", f);
    return;
  }
  fprintf(f, fmt, v);
}

static const char STYLE[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2330;"
    "background:#f4f6f9}main{max-width:1180px;margin:0 auto;padding:24px}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 12px;border-bottom:1px "
    "solid #d5dae3;padding-bottom:4px}.sub{color:#5b6475}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(250px,1fr));gap:14px;"
    "margin-top:18px}.card{background:#fff;border-radius:10px;padding:14px 16px;box-shadow:0 1px "
    "3px rgba(0,0,0,.12)}.card h3{margin:0;font-size:13px;text-transform:uppercase;color:#5b6475;"
    "letter-spacing:.04em}.big{font-size:30px;font-weight:600;margin:4px 0}"
    ".good{color:#1c7c3a}.warn{color:#b26a00}.bad{color:#b3261e}.na{color:#5b6475}"
    "table{border-collapse:collapse;background:#fff;box-shadow:0 1px 3px rgba(0,0,0,.12);"
    "border-radius:8px;overflow:hidden}th,td{padding:6px 12px;text-align:left;border-bottom:1px "
    "solid #e6e9ef}th{background:#eef1f6;font-weight:600}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums}.grid{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(360px,1fr));gap:14px}.chart{background:#fff;border-radius:8px;padding:8px;"
    "box-shadow:0 1px 3px rgba(0,0,0,.12)}.chart svg{display:block;width:100%;height:auto}"
    ".legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;"
    "vertical-align:-1px}.heat{display:flex;flex-wrap:wrap;gap:14px}.heat .chart{flex:1 1 340px}"
    "p.note{color:#5b6475;max-width:900px}";

/* ---------- summary ---------- */

static const char *score_class(double score) {
  return !isfinite(score) ? "na" : score >= 90 ? "good" : score >= 80 ? "warn" : "bad";
}

static void summary_cards(FILE *f, const fhs_eval_result *r) {
  fputs("<section class=\"cards\" id=\"summary\">", f);
  fputs("<div class=\"card\"><h3>Privacy budget spent</h3><div class=\"big\">", f);
  if (!r->budget_known) fputs("unknown</div><div class=\"na\">give --stats STATS.json</div>", f);
  else if (r->exact) fputs("none</div><div class=\"bad\">exact statistics: no differential privacy</div>", f);
  else {
    fprintf(f, "&epsilon; = %g</div><div>", r->epsilon);
    if (isfinite(r->delta)) fprintf(f, "&delta; = %g. ", r->delta);
    fputs(r->epsilon <= 1 ? "Strong formal protection." : r->epsilon <= 4 ? "Moderate formal protection."
                                                                          : "Weak formal protection.", f);
    fputs("</div>", f);
  }
  fputs("</div>", f);
  fprintf(f, "<div class=\"card\"><h3>Fidelity</h3><div class=\"big %s\">%.1f / 100</div><div>",
          score_class(r->fid.score), r->fid.score);
  esc(f, r->fid.verdict);
  fputs("</div></div>", f);
  const fhs_eval_privacy *p = &r->priv;
  fprintf(f, "<div class=\"card\"><h3>Privacy</h3><div class=\"big %s\">",
          !p->have_holdout ? "na" : p->failures == 0 ? "good" : p->failures == 1 ? "warn" : "bad");
  if (p->have_holdout) fprintf(f, "%d / %d checks passed", p->checks - p->failures, p->checks);
  else fputs("not measured", f);
  fputs("</div><div>", f);
  esc(f, p->verdict);
  fputs("</div></div>", f);
  fputs("<div class=\"card\"><h3>Utility</h3>", f);
  const fhs_eval_utility *u = &r->util;
  if (u->available) {
    double real = u->model[0].auc[0], syn = u->model[0].auc[1];
    double keep = isfinite(real) && real > 0.5 ? (syn - 0.5) / (real - 0.5) : NAN;
    fprintf(f, "<div class=\"big %s\">", !isfinite(keep) ? "na" : keep >= 0.9 ? "good" : keep >= 0.7 ? "warn" : "bad");
    cell(f, syn, "%.3f");
    fputs(" AUC</div><div>XGBoost trained on synthetic rows, tested on real holdout rows (", f);
    cell(f, real, "%.3f");
    fputs(" when trained on real rows) predicting <b>", f);
    esc(f, r->schema.columns[u->target].name);
    fputs("</b>.</div>", f);
  } else {
    fputs("<div class=\"big na\">not available</div><div>", f);
    esc(f, u->reason);
    fputs("</div>", f);
  }
  fputs("</div></section>", f);
}

/* ---------- histograms ---------- */

typedef struct {
  char label[96];
  double real, syn;
} bar;

static int cmp_bar_real(const void *a, const void *b) {
  double x = ((const bar *)a)->real, y = ((const bar *)b)->real;
  return (x < y) - (x > y);
}

static void bin_label(const fhs_column *col, size_t i, size_t n_cells, char *buf, size_t size) {
  double lo, hi;
  long miss = fhs_schema_missing_index(col);
  if (i == n_cells - 1) snprintf(buf, size, "(outside schema)");
  else if ((long)i == miss) snprintf(buf, size, "(missing)");
  else if (col->type == FHS_COL_CATEGORICAL) snprintf(buf, size, "%s", fhs_schema_category(col, i));
  else if (fhs_schema_bin(col, i, &lo, &hi) == 0 && col->type == FHS_COL_DATETIME) {
    char a[FHS_DATETIME_BUF];
    if (!fhs_datetime_format(lo, a, sizeof a)) snprintf(a, sizeof a, "%g", lo);
    snprintf(buf, size, "%s", a);
  } else if (fhs_schema_bin(col, i, &lo, &hi) == 0) snprintf(buf, size, "%g", lo);
  else snprintf(buf, size, "%zu", i);
}

/* The bars to draw: every cell with mass (the outside cell only when used), categories cut to
 * the largest HIST_MAX_BARS - 1 plus one "other labels" bar. */
static size_t histogram_bars(const fhs_column *col, const fhs_eval_column_fidelity *cf, bar *b) {
  size_t n = 0;
  for (size_t i = 0; i < cf->n_cells; i++) {
    if (i == cf->n_cells - 1 && cf->real_p[i] == 0 && cf->syn_p[i] == 0) continue;
    bin_label(col, i, cf->n_cells, b[n].label, sizeof b[n].label);
    b[n].real = cf->real_p[i], b[n].syn = cf->syn_p[i];
    n++;
  }
  if (col->type == FHS_COL_CATEGORICAL && n > HIST_MAX_BARS) {
    qsort(b, n, sizeof *b, cmp_bar_real);
    bar rest = {"(other labels)", 0, 0};
    for (size_t i = HIST_MAX_BARS - 1; i < n; i++) rest.real += b[i].real, rest.syn += b[i].syn;
    b[HIST_MAX_BARS - 1] = rest;
    n = HIST_MAX_BARS;
  }
  return n;
}

static void histogram(FILE *f, const fhs_column *col, const fhs_eval_column_fidelity *cf) {
  bar *b = malloc((cf->n_cells + 1) * sizeof *b);
  if (!b) return;
  size_t n = histogram_bars(col, cf, b);
  double top = 0;
  for (size_t i = 0; i < n; i++) top = fmax(top, fmax(b[i].real, b[i].syn));
  if (top <= 0) top = 1;
  const double W = 380, H = 230, L = 40, R = 8, T = 10, B = 70;
  double pw = W - L - R, ph = H - T - B, slot = n ? pw / (double)n : pw;
  fputs("<div class=\"chart\"><div><b>", f);
  esc(f, col->name);
  fprintf(f, "</b> <span class=\"sub\">%s &middot; TVD %.3f", fhs_col_type_name(col->type), cf->tvd);
  if (isfinite(cf->ks)) fprintf(f, " &middot; KS %.3f", cf->ks);
  fprintf(f, "</span></div><svg class=\"hist\" viewBox=\"0 0 %g %g\" width=\"%g\" height=\"%g\" "
             "role=\"img\">", W, H, W, H);
  for (int k = 0; k <= 4; k++) { /* grid lines at 0, 25, ..., 100% of the top */
    double y = T + ph - ph * k / 4.0;
    fprintf(f, "<line x1=\"%g\" x2=\"%g\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e6ec\"/>"
               "<text x=\"%g\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\" fill=\"#5b6475\">"
               "%.0f%%</text>", L, W - R, y, y, L - 3, y + 3, 100 * top * k / 4.0);
  }
  for (size_t i = 0; i < n; i++) {
    double x = L + slot * (double)i, bw = slot * 0.4;
    double hr = ph * b[i].real / top, hs = ph * b[i].syn / top;
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" COLOR_REAL
               "\"><title>real %.2f%%</title></rect>", x + slot * 0.1, T + ph - hr, bw, hr, 100 * b[i].real);
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" COLOR_SYN
               "\"><title>synthetic %.2f%%</title></rect>", x + slot * 0.5, T + ph - hs, bw, hs, 100 * b[i].syn);
    double lx = x + slot / 2, ly = T + ph + 8;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\" "
               "transform=\"rotate(-45 %.1f %.1f)\" fill=\"#333\">", lx, ly, lx, ly);
    char shown[24];
    short_label(b[i].label, 14, shown, sizeof shown);
    esc(f, shown);
    fputs("<title>", f);
    esc(f, b[i].label);
    fputs("</title></text>", f);
  }
  fputs("</svg></div>", f);
  free(b);
}

/* ---------- heatmaps ---------- */

/* Diverging colour for an association in [-1, 1]: blue (negative), white, red (positive). */
static void heat_color(double v, char *buf, size_t size) {
  if (!isfinite(v)) {
    snprintf(buf, size, "#c9ccd3");
    return;
  }
  if (v > 1) v = 1;
  if (v < -1) v = -1;
  int r, g, b;
  if (v >= 0) r = 255 - (int)(v * 75), g = 255 - (int)(v * 200), b = 255 - (int)(v * 210);
  else r = 255 + (int)(v * 210), g = 255 + (int)(v * 150), b = 255 + (int)(v * 40);
  snprintf(buf, size, "#%02x%02x%02x", r, g, b);
}

static void heatmap(FILE *f, const fhs_schema *s, const double *m, const char *title) {
  size_t n = s->n_columns;
  double cellsz = n > 20 ? 14 : 22, L = 120, T = 120, W = L + cellsz * (double)n + 10;
  double H = T + cellsz * (double)n + 10;
  fprintf(f, "<div class=\"chart\"><div><b>%s</b></div><svg class=\"heatmap\" viewBox=\"0 0 %g %g\" "
             "width=\"%g\" height=\"%g\" role=\"img\">", title, W, H, W, H);
  for (size_t i = 0; i < n; i++) {
    char name[40];
    short_label(s->columns[i].name, 18, name, sizeof name);
    fprintf(f, "<text x=\"%g\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">", L - 4,
            T + cellsz * ((double)i + 0.5) + 3);
    esc(f, name);
    double x = L + cellsz * ((double)i + 0.5);
    fprintf(f, "</text><text x=\"%.1f\" y=\"%g\" font-size=\"10\" transform=\"rotate(-60 %.1f %g)\">",
            x, T - 4, x, T - 4);
    esc(f, name);
    fputs("</text>", f);
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      char color[16];
      double v = m[i * n + j];
      heat_color(v, color, sizeof color);
      fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%g\" height=\"%g\" fill=\"%s\" stroke=\"#fff\">"
                 "<title>", L + cellsz * (double)j, T + cellsz * (double)i, cellsz, cellsz, color);
      esc(f, s->columns[i].name);
      fputs(" / ", f);
      esc(f, s->columns[j].name);
      fputs(": ", f);
      cell(f, v, "%.3f");
      fputs("</title></rect>", f);
    }
  fputs("</svg></div>", f);
}

/* ---------- tables ---------- */

static void fidelity_table(FILE *f, const fhs_eval_result *r) {
  const fhs_eval_fidelity *x = &r->fid;
  fputs("<table><tr><th>measure</th><th>mean</th><th>worst</th><th>good when</th></tr>", f);
  fputs("<tr><td>1-way TVD (each column)</td><td class=\"n\">", f);
  cell(f, x->tvd1_mean, "%.4f");
  fputs("</td><td class=\"n\">", f);
  cell(f, x->tvd1_max, "%.4f");
  fputs("</td><td>&le; 0.01</td></tr><tr><td>2-way TVD (", f);
  fprintf(f, "%zu pairs", x->n_pairs);
  if (x->n_pairs) {
    fputs("; worst: ", f);
    esc(f, r->schema.columns[x->tvd2_worst[0]].name);
    fputs(" &times; ", f);
    esc(f, r->schema.columns[x->tvd2_worst[1]].name);
  }
  fputs(")</td><td class=\"n\">", f);
  cell(f, x->tvd2_mean, "%.4f");
  fputs("</td><td class=\"n\">", f);
  cell(f, x->tvd2_max, "%.4f");
  fprintf(f, "</td><td>&le; 0.05</td></tr><tr><td>3-way TVD (%zu sampled triples)</td><td class=\"n\">",
          x->n_triples);
  cell(f, x->tvd3_mean, "%.4f");
  fputs("</td><td class=\"n\">", f);
  cell(f, x->tvd3_max, "%.4f");
  fputs("</td><td>&le; 0.10</td></tr><tr><td>KS statistic (numeric columns)</td><td class=\"n\">", f);
  cell(f, x->ks_mean, "%.4f");
  fputs("</td><td class=\"n\">", f);
  cell(f, x->ks_max, "%.4f");
  fputs("</td><td>&le; 0.05</td></tr><tr><td>association difference (Pearson, Cram&eacute;r's V, "
        "correlation ratio)</td><td class=\"n\">", f);
  cell(f, x->assoc_diff_mean, "%.4f");
  fputs("</td><td class=\"n\">", f);
  cell(f, x->assoc_diff_max, "%.4f");
  fputs("</td><td>&le; 0.05</td></tr></table>", f);
}

static void utility_table(FILE *f, const fhs_eval_result *r) {
  const fhs_eval_utility *u = &r->util;
  if (!u->available) {
    fputs("<p class=\"note\">Not available: ", f);
    esc(f, u->reason);
    fputs(".</p>", f);
    return;
  }
  fputs("<p class=\"note\">Target <b>", f);
  esc(f, r->schema.columns[u->target].name);
  fprintf(f, "</b> (%zu classes). Each model is trained on the real training rows (about %zu) and, "
             "separately, on the synthetic rows (%zu), then tested on the same holdout rows (about "
             "%zu). Synthetic data is useful when the second column is close to the first.</p>",
          u->n_classes, fhs_eval_about(u->n_train_real), u->n_train_syn, fhs_eval_about(u->n_test));
  fputs("<table id=\"utility\"><tr><th>model</th><th>score</th><th>trained on real</th>"
        "<th>trained on synthetic</th><th>difference</th></tr>", f);
  static const char *const names[3] = {"accuracy", "balanced accuracy", "AUC"};
  for (int m = 0; m < 2; m++) {
    const fhs_eval_model *x = &u->model[m];
    const double *v[3] = {x->acc, x->bacc, x->auc};
    for (int k = 0; k < 3; k++) {
      fprintf(f, "<tr><td>%s</td><td>%s</td><td class=\"n\">", k == 0 ? x->name : "", names[k]);
      cell(f, v[k][0], "%.3f");
      fputs("</td><td class=\"n\">", f);
      cell(f, v[k][1], "%.3f");
      fputs("</td><td class=\"n\">", f);
      cell(f, v[k][1] - v[k][0], "%+.3f");
      fputs("</td></tr>", f);
    }
  }
  fputs("</table>", f);
}

static void verdict_cell(FILE *f, const fhs_eval_privacy *p, int check) {
  int failed = (p->failed_mask >> check) & 1;
  fprintf(f, "<td class=\"%s\">%s</td></tr>", failed ? "bad" : "good", failed ? "risk" : "pass");
}

static void risk_row(FILE *f, const fhs_eval_result *r, const char *name, const fhs_eval_risk *k,
                     int check) {
  if (!k->available) {
    fprintf(f, "<tr><td>%s</td><td colspan=\"3\">not available</td><td class=\"na\">&ndash;</td></tr>", name);
    return;
  }
  fprintf(f, "<tr><td>%s risk", name);
  if (k->column >= 0) {
    fputs(" (worst secret: ", f);
    esc(f, r->schema.columns[k->column].name);
    fputs(")", f);
  }
  fprintf(f, "</td><td class=\"n\">%.3f <span class=\"sub\">[%.3f, %.3f]</span></td><td>attack %.3f, "
             "control %.3f, baseline %.3f%s</td><td>0 (95%% CI &le; 0.10)</td>",
          k->risk, k->lo, k->hi, k->attack, k->control, k->baseline,
          k->weak ? " &mdash; attack no better than random" : "");
  verdict_cell(f, &r->priv, check);
}

static void privacy_table(FILE *f, const fhs_eval_result *r) {
  const fhs_eval_privacy *p = &r->priv;
  if (!p->have_holdout) {
    fprintf(f, "<p class=\"note\">Not measured: every privacy test compares training rows with real "
               "rows the synthesizer never saw. Give <code>--holdout</code>. Exact copies of training "
               "rows: %.2f%% of the synthetic rows.</p>", 100 * p->exact_train);
    return;
  }
  fprintf(f, "<p class=\"note\">Members: %zu training rows; non-members: as many holdout rows; "
             "distances from %zu synthetic rows (Gower). A test fails (&ldquo;risk&rdquo;) when the "
             "synthetic data is measurably closer to the training rows than to unseen rows.</p>",
          p->n_members, p->n_dcr_rows);
  fputs("<table id=\"privacy\"><tr><th>test</th><th>value</th><th>baseline / detail</th>"
        "<th>safe when</th><th>verdict</th></tr>", f);
  fprintf(f, "<tr><td>exact copies of training rows</td><td class=\"n\">%.2f%%</td><td>%.2f%% of a "
             "same-size training sample, %.2f%% of the holdout</td><td>no more than the holdout "
             "(+1 point)</td>", 100 * p->exact_train, 100 * p->exact_train_same_size, 100 * p->exact_holdout);
  verdict_cell(f, p, FHS_EVAL_CHECK_EXACT);
  fprintf(f, "<tr><td>share closer to training than to holdout (DCR)</td><td class=\"n\">%.3f</td>"
             "<td>median distance %.4f (training) vs %.4f (holdout)</td><td>&le; 0.52 (ideal 0.5)</td>",
          p->dcr_share, p->dcr_median_train, p->dcr_median_holdout);
  verdict_cell(f, p, FHS_EVAL_CHECK_DCR_SHARE);
  fputs("<tr><td>5th percentile DCR, training / holdout</td><td class=\"n\">", f);
  cell(f, p->dcr_p5_ratio, "%.3f");
  fprintf(f, "</td><td>%.4f vs %.4f</td><td>&ge; 0.8 (ideal 1)</td>", p->dcr_p5_train, p->dcr_p5_holdout);
  verdict_cell(f, p, FHS_EVAL_CHECK_DCR_P5);
  fputs("<tr><td>membership inference AUC (distance)</td><td class=\"n\">", f);
  cell(f, p->mia_auc, "%.3f");
  fputs("</td><td>0.5 is a coin toss</td><td>&le; 0.55</td>", f);
  verdict_cell(f, p, FHS_EVAL_CHECK_MIA);
  risk_row(f, r, "singling-out", &p->singling_out, FHS_EVAL_CHECK_SINGLING_OUT);
  risk_row(f, r, "linkability", &p->linkability, FHS_EVAL_CHECK_LINKABILITY);
  risk_row(f, r, "attribute inference", &p->inference, FHS_EVAL_CHECK_INFERENCE);
  fputs("</table>", f);
}

/* ---------- the page ---------- */

static void page(FILE *f, const fhs_eval_result *r) {
  fputs("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>fhesynth evaluation report</title><style>", f);
  fputs(STYLE, f);
  fputs("</style></head><body><main><h1>Synthetic data evaluation</h1>", f);
  /* the evaluation reads the real rows: only the synthetic rows and their manifest carry the
   * DP guarantee, and a reader must not take this page for a publishable companion of them */
  fputs("<p id=\"owner-only\" style=\"border:2px solid #b00020;padding:.6em;background:#fff4f4\">"
        "<strong>For the data owner only: not differentially private.</strong> Every number and plot "
        "on this page that mentions real data (row counts, histograms, correlations, distances to "
        "real records, attack results) is computed from the exact real rows. The differential "
        "privacy guarantee covers the synthetic rows and their manifest, not this report: do not "
        "publish it alongside them.</p>", f);
  fprintf(f, "<div class=\"sub\">fhesynth &middot; about %zu real rows, %zu synthetic rows, about %zu "
             "holdout rows, %zu columns</div>", fhs_eval_about(r->n_real), r->n_syn, fhs_eval_about(r->n_hold), r->schema.n_columns);
  summary_cards(f, r);
  fputs("<h2>Fidelity</h2>", f);
  fidelity_table(f, r);
  fputs("<h2>Columns: real vs synthetic</h2><div class=\"legend\"><span style=\"background:"
        COLOR_REAL "\"></span>real<span style=\"background:" COLOR_SYN "\"></span>synthetic</div>"
        "<div class=\"grid\" id=\"histograms\">", f);
  for (size_t c = 0; c < r->schema.n_columns; c++)
    histogram(f, &r->schema.columns[c], &r->fid.col[c]);
  fputs("</div><h2>Associations between columns</h2><p class=\"note\">Pearson correlation for two "
        "numeric columns, Cram&eacute;r's V for two categorical ones, the correlation ratio for a "
        "mix. Red is positive, blue negative, grey undefined (a constant column). The two maps "
        "should look alike.</p><div class=\"heat\">", f);
  heatmap(f, &r->schema, r->fid.assoc_real, "real");
  heatmap(f, &r->schema, r->fid.assoc_syn, "synthetic");
  fputs("</div><h2>Utility</h2>", f);
  utility_table(f, r);
  fputs("<h2>Privacy</h2>", f);
  privacy_table(f, r);
  fputs("<p class=\"note\">Definitions and safe readings of every number: docs/metrics.md in the "
        "fhesynth sources.</p></main></body></html>\n", f);
}

int fhs_eval_write_report(const fhs_eval_result *r, const char *path, fhs_error *err) {
  fhs_atomic_file af;
  if (fhs_atomic_open(&af, path, err)) return -1;
  page(af.fp, r);
  if (ferror(af.fp)) {
    fhs_atomic_abort(&af);
    return fhs_error_set(err, "%s: write error", path);
  }
  return fhs_atomic_commit(&af, err);
}
