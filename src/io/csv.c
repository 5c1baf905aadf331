/* Streaming CSV reader over libcsv.
 *
 * libcsv is push-based and does not count lines. We feed it one physical line at a time
 * (each slice of input ends just after a CR or LF), which gives two things for free:
 * - the line number of every byte we hand over, so errors can name a line;
 * - at most one record can end inside one slice (records end only on CR or LF), so
 *   next_row never has to queue records.
 * A record starts on the line of the first slice fed while the parser is between records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "io.h"

#define CSV_CHUNK_BYTES ((size_t)1 << 16)
/* libcsv's "between records" state (ROW_NOT_BEGUN in libcsv.c; pstate is part of the public
 * struct csv_parser). */
#define CSV_PSTATE_ROW_NOT_BEGUN 0

enum { READ_OK = 0, READ_END = 1, READ_ERROR = -1 };

struct fhs_csv_reader {
  char *path;
  FILE *fp;
  struct csv_parser parser;

  unsigned char *chunk; /* input buffer, refilled by fread */
  size_t chunk_len, chunk_pos;
  int at_start; /* nothing read yet: a BOM may follow */
  int eof;      /* fread reached the end of the file */
  int state;    /* READ_OK, or sticky READ_END / READ_ERROR */
  fhs_error saved;

  uint64_t line;   /* physical line of the next input byte, 1-based */
  int prev_cr;     /* the last byte fed was CR: a following LF ends the same line */
  uint64_t record_line;

  /* The record being assembled: field bytes, each followed by a NUL, in buf. */
  char *buf;
  size_t buf_len, buf_cap;
  size_t *offs;
  fhs_csv_field *fields;
  size_t n_fields, fields_cap, fields_alloc;
  int record_done;
  int cb_failed; /* a callback found a problem; message in cb_err */
  fhs_error cb_err;

  /* Header: names[i] point into header_buf. */
  size_t n_columns;
  char *header_buf;
  const char **names;
  uint64_t rows;
};

static int csv_no_space(unsigned char c) {
  (void)c;
  return 0; /* RFC 4180: spaces are part of the field; libcsv trims them by default */
}

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : 16;
  while (n < need) n *= 2;
  void *q = realloc(*p, n * elem);
  if (!q) return -1;
  *p = q;
  *cap = n;
  return 0;
}

/* ---------- libcsv callbacks ---------- */

static void cb_fail(fhs_csv_reader *r, const char *what, size_t field) {
  r->cb_failed = 1;
  fhs_error_set(&r->cb_err, "%s:%llu: field %zu %s", r->path,
                (unsigned long long)r->record_line, field + 1, what);
}

static void on_field(void *s, size_t len, void *data) {
  fhs_csv_reader *r = data;
  if (r->cb_failed) return;
  const unsigned char *bytes = s ? s : (const unsigned char *)"";
  if (len && memchr(bytes, 0, len)) {
    cb_fail(r, "contains a NUL byte", r->n_fields);
    return;
  }
  size_t bad = fhs_utf8_check(bytes, len);
  if (bad != len) {
    char what[64];
    snprintf(what, sizeof what, "is not valid UTF-8 (byte %zu)", bad + 1);
    cb_fail(r, what, r->n_fields);
    return;
  }
  if (grow((void **)&r->buf, &r->buf_cap, r->buf_len + len + 1, 1) ||
      grow((void **)&r->offs, &r->fields_cap, r->n_fields + 1, sizeof *r->offs)) {
    r->cb_failed = 1;
    fhs_error_set(&r->cb_err, "%s: out of memory", r->path);
    return;
  }
  if (len) memcpy(r->buf + r->buf_len, bytes, len);
  r->buf[r->buf_len + len] = '\0';
  r->offs[r->n_fields] = r->buf_len;
  r->buf_len += len + 1;
  r->n_fields++;
}

static void on_record(int c, void *data) {
  (void)c;
  fhs_csv_reader *r = data;
  if (!r->cb_failed) r->record_done = 1;
}

/* ---------- feeding the parser ---------- */

static int fail(fhs_csv_reader *r, fhs_error *err) {
  r->state = READ_ERROR;
  if (err) *err = r->saved;
  return -1;
}

/* Refills the chunk. Returns 0, or -1 on a read error (r->saved filled). */
static int refill(fhs_csv_reader *r) {
  r->chunk_pos = 0;
  r->chunk_len = fread(r->chunk, 1, CSV_CHUNK_BYTES, r->fp);
  if (r->chunk_len < CSV_CHUNK_BYTES) {
    if (ferror(r->fp))
      return fhs_error_set(&r->saved, "%s: read error: %s", r->path, strerror(errno));
    r->eof = 1;
  }
  if (r->at_start) {
    r->at_start = 0;
    /* fread fills the whole buffer unless the file is shorter, so a BOM is never split */
    if (r->chunk_len >= 3 && memcmp(r->chunk, "\xEF\xBB\xBF", 3) == 0) r->chunk_pos = 3;
  }
  return 0;
}

/* Feeds one slice: input up to and including the next CR or LF. Returns 0 or -1. */
static int feed_slice(fhs_csv_reader *r) {
  const unsigned char *p = r->chunk + r->chunk_pos;
  size_t avail = r->chunk_len - r->chunk_pos, n = 0;
  while (n < avail && p[n] != '\n' && p[n] != '\r') n++;
  int has_term = n < avail;
  size_t len = n + (size_t)has_term;

  if (r->parser.pstate == CSV_PSTATE_ROW_NOT_BEGUN) r->record_line = r->line;
  size_t used = csv_parse(&r->parser, p, len, on_field, on_record, r);
  if (used != len) {
    int code = csv_error(&r->parser);
    if (code == CSV_EPARSE)
      return fhs_error_set(&r->saved,
                           "%s:%llu: malformed quoting (a quote inside an unquoted field, or "
                           "text after a closing quote)",
                           r->path, (unsigned long long)r->line);
    return fhs_error_set(&r->saved, "%s:%llu: %s", r->path, (unsigned long long)r->line,
                         csv_strerror(code));
  }
  r->chunk_pos += len;
  if (n > 0) r->prev_cr = 0;
  if (has_term) {
    if (p[n] == '\r') {
      r->line++;
      r->prev_cr = 1;
    } else {
      if (!r->prev_cr) r->line++;
      r->prev_cr = 0;
    }
  }
  if (r->cb_failed) {
    r->saved = r->cb_err;
    return -1;
  }
  if (csv_get_buffer_size(&r->parser) + r->buf_len > FHS_CSV_MAX_RECORD_BYTES)
    return fhs_error_set(&r->saved,
                         "%s:%llu: record is larger than %zu MiB (an unterminated quote?)",
                         r->path, (unsigned long long)r->record_line,
                         FHS_CSV_MAX_RECORD_BYTES >> 20);
  return 0;
}

/* At the end of the input: flush a last record that has no line break after it. */
static int finish(fhs_csv_reader *r) {
  if (csv_fini(&r->parser, on_field, on_record, r) != 0)
    return fhs_error_set(&r->saved,
                         "%s:%llu: unterminated quoted field (the file ends inside quotes)",
                         r->path, (unsigned long long)r->record_line);
  if (r->cb_failed) {
    r->saved = r->cb_err;
    return -1;
  }
  return 0;
}

/* Reads one record into buf/offs. Returns READ_OK, READ_END or READ_ERROR (r->saved). */
static int read_record(fhs_csv_reader *r) {
  r->n_fields = 0;
  r->buf_len = 0;
  r->record_done = 0;
  while (!r->record_done) {
    if (r->chunk_pos == r->chunk_len) {
      if (r->eof) {
        if (finish(r)) return READ_ERROR;
        return r->record_done ? READ_OK : READ_END;
      }
      if (refill(r)) return READ_ERROR;
      continue;
    }
    if (feed_slice(r)) return READ_ERROR;
  }
  return READ_OK;
}

static int build_fields(fhs_csv_reader *r) {
  if (r->n_fields > r->fields_alloc) {
    fhs_csv_field *g = realloc(r->fields, r->n_fields * sizeof *g);
    if (!g) return fhs_error_set(&r->saved, "%s: out of memory", r->path);
    r->fields = g;
    r->fields_alloc = r->n_fields;
  }
  fhs_csv_field *f = r->fields;
  for (size_t i = 0; i < r->n_fields; i++) {
    f[i].ptr = r->buf + r->offs[i];
    f[i].len = strlen(f[i].ptr); /* fields hold no NUL (checked), so this is the length */
  }
  return 0;
}

/* ---------- header ---------- */

static int take_header(fhs_csv_reader *r) {
  r->n_columns = r->n_fields;
  r->header_buf = malloc(r->buf_len ? r->buf_len : 1);
  r->names = malloc(r->n_columns * sizeof *r->names);
  if (!r->header_buf || !r->names) return fhs_error_set(&r->saved, "%s: out of memory", r->path);
  memcpy(r->header_buf, r->buf, r->buf_len);
  for (size_t i = 0; i < r->n_columns; i++) {
    r->names[i] = r->header_buf + r->offs[i];
    if (r->names[i][0] == '\0')
      return fhs_error_set(&r->saved, "%s:%llu: column %zu of the header has an empty name",
                           r->path, (unsigned long long)r->record_line, i + 1);
  }
  /* Quadratic, but headers have tens of columns and this runs once. */
  for (size_t i = 0; i < r->n_columns; i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp(r->names[i], r->names[j]) == 0)
        return fhs_error_set(&r->saved,
                             "%s:%llu: duplicate column name \"%.200s\" (columns %zu and %zu)",
                             r->path, (unsigned long long)r->record_line, r->names[i], j + 1,
                             i + 1);
  return 0;
}

/* ---------- public API ---------- */

fhs_csv_reader *fhs_csv_open(const char *path, fhs_error *err) {
  fhs_csv_reader *r = calloc(1, sizeof *r);
  if (!r) {
    fhs_error_set(err, "%s: out of memory", path);
    return NULL;
  }
  r->line = 1;
  r->at_start = 1;
  r->path = strdup(path);
  r->chunk = malloc(CSV_CHUNK_BYTES);
  if (!r->path || !r->chunk || csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    fhs_error_set(err, "%s: out of memory", path);
    free(r->path);
    free(r->chunk);
    free(r);
    return NULL;
  }
  csv_set_space_func(&r->parser, csv_no_space);
  csv_set_blk_size(&r->parser, 4096);

  r->fp = fopen(path, "rb");
  if (!r->fp) {
    if (errno == ENOENT)
      fhs_error_set(err, "%s: no such file", path);
    else
      fhs_error_set(err, "%s: cannot open: %s", path, strerror(errno));
    fhs_csv_close(r);
    return NULL;
  }
  int rc = read_record(r);
  if (rc == READ_END) fhs_error_set(&r->saved, "%s: file is empty (no header row)", path);
  if (rc != READ_OK || take_header(r) != 0) {
    if (err) *err = r->saved;
    fhs_csv_close(r);
    return NULL;
  }
  return r;
}

int fhs_csv_next_row(fhs_csv_reader *r, const fhs_csv_field **fields, uint64_t *line,
                     fhs_error *err) {
  if (r->state == READ_ERROR) return fail(r, err);
  if (r->state == READ_END) return 0;
  int rc = read_record(r);
  if (rc == READ_ERROR) return fail(r, err);
  if (rc == READ_END) {
    r->state = READ_END;
    return 0;
  }
  if (r->n_fields != r->n_columns) {
    fhs_error_set(&r->saved, "%s:%llu: row has %zu field%s, header has %zu", r->path,
                  (unsigned long long)r->record_line, r->n_fields, r->n_fields == 1 ? "" : "s",
                  r->n_columns);
    return fail(r, err);
  }
  if (build_fields(r)) return fail(r, err);
  r->rows++;
  *fields = r->fields;
  if (line) *line = r->record_line;
  return 1;
}

size_t fhs_csv_n_columns(const fhs_csv_reader *r) { return r->n_columns; }

const char *fhs_csv_column_name(const fhs_csv_reader *r, size_t i) {
  return i < r->n_columns ? r->names[i] : NULL;
}

long fhs_csv_column_index(const fhs_csv_reader *r, const char *name) {
  for (size_t i = 0; i < r->n_columns; i++)
    if (strcmp(r->names[i], name) == 0) return (long)i;
  return -1;
}

const char *fhs_csv_path(const fhs_csv_reader *r) { return r->path; }

uint64_t fhs_csv_rows_read(const fhs_csv_reader *r) { return r->rows; }

void fhs_csv_close(fhs_csv_reader *r) {
  if (!r) return;
  if (r->fp) fclose(r->fp);
  csv_free(&r->parser);
  free(r->path);
  free(r->chunk);
  free(r->buf);
  free(r->offs);
  free(r->fields);
  free(r->header_buf);
  free(r->names);
  free(r);
}
