/* The two text writers, CSV and JSON Lines (writers.h). Both format a row into a buffer and
 * write the buffer in large pieces. Strings are dictionary coded in the table, so each label
 * is quoted or escaped once per file, not once per row. */
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "parquet_internal.h"
#include "writers.h"

#define FLUSH_BYTES ((size_t)1 << 16)

/* Per column: its labels (STRING) already in output form. */
typedef struct {
  fhs_buf text;   /* all forms, back to back */
  size_t *off;    /* dict_len + 1 offsets into text */
} label_forms;

typedef void (*form_fn)(fhs_buf *out, const char *s, size_t len);

/* ---------- CSV and JSON text forms ---------- */

static bool csv_needs_quotes(const char *s, size_t len) {
  if (len == 0) return true; /* a present empty string: "" keeps it apart from missing */
  if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t') return true;
  for (size_t i = 0; i < len; i++)
    if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n') return true;
  return false;
}

static void csv_form(fhs_buf *out, const char *s, size_t len) {
  if (!csv_needs_quotes(s, len)) {
    fhs_buf_put(out, s, len);
    return;
  }
  fhs_buf_byte(out, '"');
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '"') fhs_buf_byte(out, '"');
    fhs_buf_byte(out, (uint8_t)s[i]);
  }
  fhs_buf_byte(out, '"');
}

static void json_form(fhs_buf *out, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  fhs_buf_byte(out, '"');
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
                      : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b"
                      : c == '\f' ? "\\f" : NULL;
    if (esc) {
      fhs_buf_put(out, esc, 2);
    } else if (c < 0x20) {
      char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      fhs_buf_put(out, u, 6);
    } else {
      fhs_buf_byte(out, c);
    }
  }
  fhs_buf_byte(out, '"');
}

static int forms_make(const fhs_table *t, form_fn form, label_forms **out) {
  label_forms *f = calloc(t->n_columns, sizeof *f);
  *out = f;
  if (!f) return -1;
  for (size_t c = 0; c < t->n_columns; c++) {
    const fhs_table_column *col = &t->columns[c];
    if (col->type != FHS_VALUE_STRING) continue;
    f[c].off = malloc((col->dict_len + 1) * sizeof *f[c].off);
    if (!f[c].off) return -1;
    for (size_t d = 0; d < col->dict_len; d++) {
      f[c].off[d] = f[c].text.len;
      form(&f[c].text, col->dict[d], strlen(col->dict[d]));
    }
    f[c].off[col->dict_len] = f[c].text.len;
    if (f[c].text.failed) return -1;
  }
  return 0;
}

static void forms_free(label_forms *f, size_t n) {
  for (size_t c = 0; f && c < n; c++) {
    fhs_buf_free(&f[c].text);
    free(f[c].off);
  }
  free(f);
}

/* ---------- one value ---------- */

static bool present(const fhs_table_column *col, size_t r) { return !col->valid || col->valid[r]; }

/* Appends the value of a present cell; json quotes timestamps and writes null for non-finite
 * doubles. */
static void put_value(fhs_buf *line, const fhs_table_column *col, const label_forms *lf,
                      size_t r, bool json) {
  char tmp[FHS_FORMAT_BUF];
  size_t n;
  switch (col->type) {
    case FHS_VALUE_STRING: {
      uint32_t code = col->codes[r];
      fhs_buf_put(line, lf->text.data + lf->off[code], lf->off[code + 1] - lf->off[code]);
      return;
    }
    case FHS_VALUE_INT64: n = fhs_format_int64(col->i64[r], tmp); break;
    case FHS_VALUE_DOUBLE:
      if (json && (col->f64[r] != col->f64[r] || col->f64[r] - col->f64[r] != 0)) {
        fhs_buf_put(line, "null", 4);
        return;
      }
      n = fhs_format_double(col->f64[r], tmp);
      break;
    default:
      n = fhs_format_timestamp(col->i64[r], 3, true, tmp);
      if (json) {
        fhs_buf_byte(line, '"');
        fhs_buf_put(line, tmp, n);
        fhs_buf_byte(line, '"');
        return;
      }
  }
  fhs_buf_put(line, tmp, n);
}

/* ---------- the files ---------- */

typedef struct {
  const fhs_table *t;
  label_forms *lf;
  fhs_buf names; /* JSON: ",\"name\":" prefixes; CSV: the header line */
  size_t *name_off;
  fhs_buf line;
} text_writer;

static int flush(text_writer *w, FILE *fp, const char *path, fhs_error *err) {
  if (w->line.failed) return fhs_error_set(err, "%s: out of memory", path);
  if (w->line.len && fwrite(w->line.data, 1, w->line.len, fp) != w->line.len)
    return fhs_error_set(err, "%s: write failed", path);
  w->line.len = 0;
  return 0;
}

static int write_rows(text_writer *w, FILE *fp, const char *path, bool json, fhs_error *err) {
  const fhs_table *t = w->t;
  if (!json) fhs_buf_put(&w->line, w->names.data, w->names.len);
  for (size_t r = 0; r < t->n_rows; r++) {
    if (json) fhs_buf_byte(&w->line, '{');
    for (size_t c = 0; c < t->n_columns; c++) {
      const fhs_table_column *col = &t->columns[c];
      if (json)
        fhs_buf_put(&w->line, w->names.data + w->name_off[c] + (c == 0),
                    w->name_off[c + 1] - w->name_off[c] - (c == 0));
      else if (c)
        fhs_buf_byte(&w->line, ',');
      if (present(col, r))
        put_value(&w->line, col, &w->lf[c], r, json);
      else if (json)
        fhs_buf_put(&w->line, "null", 4);
    }
    if (json) fhs_buf_byte(&w->line, '}');
    fhs_buf_byte(&w->line, '\n');
    if (w->line.len >= FLUSH_BYTES && flush(w, fp, path, err)) return -1;
  }
  return flush(w, fp, path, err);
}

static int prepare(text_writer *w, const fhs_table *t, bool json) {
  memset(w, 0, sizeof *w);
  w->t = t;
  if (forms_make(t, json ? json_form : csv_form, &w->lf)) return -1;
  w->name_off = malloc((t->n_columns + 1) * sizeof *w->name_off);
  if (!w->name_off) return -1;
  for (size_t c = 0; c < t->n_columns; c++) {
    w->name_off[c] = w->names.len;
    const char *name = t->columns[c].name;
    if (json) {
      fhs_buf_byte(&w->names, ',');
      json_form(&w->names, name, strlen(name));
      fhs_buf_byte(&w->names, ':');
    } else {
      if (c) fhs_buf_byte(&w->names, ',');
      csv_form(&w->names, name, strlen(name));
    }
  }
  if (!json) fhs_buf_byte(&w->names, '\n');
  w->name_off[t->n_columns] = w->names.len;
  fhs_buf_reserve(&w->line, FLUSH_BYTES * 2);
  return w->names.failed || w->line.failed ? -1 : 0;
}

static void release(text_writer *w) {
  forms_free(w->lf, w->t ? w->t->n_columns : 0);
  fhs_buf_free(&w->names);
  fhs_buf_free(&w->line);
  free(w->name_off);
}

static int write_text(const fhs_table *t, const char *path, bool json, fhs_error *err) {
  if (fhs_table_check(t, path, err)) return -1;
  text_writer w;
  if (prepare(&w, t, json)) {
    release(&w);
    return fhs_error_set(err, "%s: out of memory", path);
  }
  fhs_atomic_file af;
  int rc = fhs_atomic_open(&af, path, err);
  if (rc == 0) {
    rc = write_rows(&w, af.fp, path, json, err);
    if (rc == 0)
      rc = fhs_atomic_commit(&af, err);
    else
      fhs_atomic_abort(&af);
  }
  release(&w);
  return rc;
}

int fhs_csv_write(const fhs_table *t, const char *path, fhs_error *err) {
  return write_text(t, path, false, err);
}

int fhs_jsonl_write(const fhs_table *t, const char *path, fhs_error *err) {
  return write_text(t, path, true, err);
}
