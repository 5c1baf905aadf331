/* Field text -> domain index, and the small text helpers error messages need. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode_internal.h"

/* ---------- numbers ---------- */

/* Decimal syntax only: strtod alone would also take "inf", "nan", "0x1p3" and leading
 * whitespace of every kind, none of which belongs in a numeric column. */
static bool decimal_syntax(const char *s, size_t len) {
  size_t i = 0, mant = 0;
  if (i < len && (s[i] == '+' || s[i] == '-')) i++;
  while (i < len && s[i] >= '0' && s[i] <= '9') i++, mant++;
  if (i < len && s[i] == '.') {
    i++;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++, mant++;
  }
  if (mant == 0) return false;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < len && (s[i] == '+' || s[i] == '-')) i++;
    size_t exp = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++, exp++;
    if (exp == 0) return false;
  }
  return i == len;
}

int fhs_parse_number(const char *s, size_t len, double *out) {
  while (len && *s == ' ') s++, len--;
  while (len && s[len - 1] == ' ') len--;
  if (len == 0 || len > 400 || !decimal_syntax(s, len)) return -1;
  char buf[401]; /* fields are NUL-terminated, but after trimming this one may not be */
  memcpy(buf, s, len);
  buf[len] = '\0';
  char *end;
  double v = strtod(buf, &end);
  if (end != buf + len || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

/* ---------- text for messages and JSON ---------- */

void fhs_enc_format_double(double v, char *buf, size_t size) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, size, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) return;
  }
}

void fhs_enc_quote(const char *s, size_t len, char *buf, size_t size) {
  const size_t limit = 60;
  size_t o = 0, i = 0;
  for (; i < len && i < limit && o + 8 < size; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\n') {
      buf[o++] = '\\';
      buf[o++] = 'n';
    } else if (c == '\r') {
      buf[o++] = '\\';
      buf[o++] = 'r';
    } else if (c < 0x20 || c == 0x7f) {
      o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
    } else {
      buf[o++] = (char)c;
    }
  }
  if (i < len) {
    while (o > 0 && ((unsigned char)buf[o - 1] & 0xC0) == 0x80) o--; /* whole characters */
    if (o > 0 && (unsigned char)buf[o - 1] >= 0xC0) o--;
    if (o + 4 <= size) memcpy(buf + o, "...", 3), o += 3;
  }
  buf[o] = '\0';
}

void fhs_enc_format_edge(const fhs_column *col, double v, char *buf, size_t size) {
  if (col->type == FHS_COL_DATETIME && fhs_datetime_format(v, buf, size)) return;
  fhs_enc_format_double(v, buf, size);
}

/* ---------- value -> index ---------- */

/* Bin of v: bins[i] <= v < bins[i+1], the last bin closed. -1 when outside. */
static long find_bin(const double *bins, size_t n_bins, double v) {
  if (!(v >= bins[0] && v <= bins[n_bins - 1])) return -1;
  if (v == bins[n_bins - 1]) return (long)n_bins - 2;
  size_t lo = 0, hi = n_bins - 1; /* bins[lo] <= v < bins[hi] */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (bins[mid] <= v)
      lo = mid;
    else
      hi = mid;
  }
  return (long)lo;
}

static int value_error(const fhs_column *col, const char *where, fhs_error *err,
                       const char *what, const char *field, size_t len) {
  char name[96], val[96];
  fhs_enc_quote(col->name, strlen(col->name), name, sizeof name);
  fhs_enc_quote(field, len, val, sizeof val);
  return fhs_error_set(err, "%s: column \"%s\": %s \"%s\"%s", where, name, what, val,
                       col->type == FHS_COL_NUMERIC    ? " is not a number"
                       : col->type == FHS_COL_DATETIME ? " is not an ISO 8601 date or time"
                                                       : " is not in the schema");
}

/* The column's fallback index, when it has one (the last resort of every policy). */
static bool use_fallback(const fhs_column *col, uint16_t *index) {
  if (!col->has_fallback) return false;
  *index = (uint16_t)col->fallback;
  return true;
}

static int encode_binned(const fhs_column *col, const char *field, size_t len,
                         const char *where, uint16_t *index, fhs_error *err) {
  double v;
  int bad = col->type == FHS_COL_DATETIME ? fhs_datetime_parse(field, len, &v)
                                          : fhs_parse_number(field, len, &v);
  if (bad) {
    if (use_fallback(col, index)) return 0;
    return value_error(col, where, err, "value", field, len);
  }
  long b = find_bin(col->bins, col->n_bins, v);
  if (b < 0 && col->clamp) b = v < col->bins[0] ? 0 : (long)col->n_bins - 2;
  if (b < 0 && use_fallback(col, index)) return 0;
  if (b < 0) {
    char name[96], val[96], lo[40], hi[40];
    fhs_enc_quote(col->name, strlen(col->name), name, sizeof name);
    fhs_enc_quote(field, len, val, sizeof val);
    fhs_enc_format_edge(col, col->bins[0], lo, sizeof lo);
    fhs_enc_format_edge(col, col->bins[col->n_bins - 1], hi, sizeof hi);
    return fhs_error_set(err, "%s: column \"%s\": value %s is outside the schema's bins [%s, %s]",
                         where, name, val, lo, hi);
  }
  *index = (uint16_t)b;
  return 0;
}

static int find_label(const fhs_column *col, const fhs_strmap *labels, const char *field,
                      size_t len, uint16_t *index) {
  if (labels) {
    const fhs_strmap_entry *e = fhs_strmap_find(labels, field, len);
    if (!e) return -1;
    *index = (uint16_t)e->index;
    return 0;
  }
  for (size_t i = 0; i < col->n_categories; i++)
    if (strlen(col->categories[i]) == len && memcmp(col->categories[i], field, len) == 0) {
      *index = (uint16_t)i;
      return 0;
    }
  return -1;
}

int fhs_enc_value(const fhs_column *col, const fhs_strmap *labels, const char *field,
                  size_t len, const char *where, uint16_t *index, fhs_error *err) {
  if (len == 0) {
    long mi = fhs_schema_missing_index(col);
    if (mi < 0 && use_fallback(col, index)) return 0;
    if (mi < 0) {
      char name[96];
      fhs_enc_quote(col->name, strlen(col->name), name, sizeof name);
      return fhs_error_set(err,
                           "%s: column \"%s\": value is missing (empty field), but the schema "
                           "says this column has no missing values",
                           where, name);
    }
    *index = (uint16_t)mi;
    return 0;
  }
  if (col->type != FHS_COL_CATEGORICAL) return encode_binned(col, field, len, where, index, err);
  if (find_label(col, labels, field, len, index) == 0) return 0;
  if (col->other && find_label(col, labels, col->other, strlen(col->other), index) == 0) return 0;
  if (use_fallback(col, index)) return 0;
  return value_error(col, where, err, "category", field, len);
}

int fhs_encode_value(const fhs_column *col, const char *field, size_t len, const char *where,
                     uint16_t *index, fhs_error *err) {
  return fhs_enc_value(col, NULL, field, len, where, index, err);
}

int fhs_enc_label_map(const fhs_column *col, fhs_strmap *m) {
  if (fhs_strmap_init(m, col->n_categories)) return -1;
  for (size_t i = 0; i < col->n_categories; i++) {
    fhs_strmap_entry *e = fhs_strmap_insert(m, col->categories[i], strlen(col->categories[i]));
    if (!e) {
      fhs_strmap_free(m);
      return -1;
    }
    e->index = i;
  }
  return 0;
}
