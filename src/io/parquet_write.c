/* Parquet writer (parquet.h): "PAR1", then per row group and column a column chunk (an optional
 * dictionary page and one data page v1), then the FileMetaData in Thrift compact protocol, its
 * length (4 bytes, little endian) and "PAR1".
 *
 * Every column is OPTIONAL, so each data page starts with the definition levels (bit width 1,
 * RLE/bit-packed hybrid, 4-byte length prefix): nulls cost almost nothing, and a reader needs
 * no special case for columns that happen to have no nulls. */
#include <stdlib.h>
#include <string.h>

#ifdef FHS_HAVE_ZSTD
#include <zstd.h>
#endif

#include "parquet_internal.h"
#include "writers.h"

#define ZSTD_DEFAULT_LEVEL 3

/* What the footer needs to know about one column chunk. */
typedef struct {
  int64_t dict_offset; /* -1: no dictionary page */
  int64_t data_offset;
  int64_t compressed, uncompressed; /* bytes of the chunk: page headers and pages */
  int64_t num_values;               /* rows, nulls included */
  int64_t null_count;
  bool dict;
  bool has_minmax;
  uint8_t min[8], max[8]; /* numbers: PLAIN bytes */
  const char *smin, *smax; /* strings: labels of the table */
} chunk_meta;

typedef struct {
  int64_t offset, rows, bytes;
} group_meta;

typedef struct {
  const fhs_table *t;
  const char *path;
  fhs_parquet_options o;
  FILE *fp;
  int64_t offset; /* bytes written so far */
  fhs_buf body, header, packed;
  uint8_t *levels;
  uint32_t *codes;
  uint8_t *used; /* per dictionary entry: appears in the current row group */
  size_t used_cap;
  chunk_meta *chunks; /* n_groups * n_columns */
  group_meta *groups;
  size_t n_groups;
#ifdef FHS_HAVE_ZSTD
  ZSTD_CCtx *zc;
#endif
} pq_writer;

bool fhs_parquet_has_zstd(void) {
#ifdef FHS_HAVE_ZSTD
  return true;
#else
  return false;
#endif
}

fhs_parquet_options fhs_parquet_defaults(void) {
  fhs_parquet_options o = {FHS_PARQUET_UNCOMPRESSED, ZSTD_DEFAULT_LEVEL, FHS_PARQUET_GROUP_ROWS};
  if (fhs_parquet_has_zstd()) o.codec = FHS_PARQUET_ZSTD;
  return o;
}

/* ---------- pages ---------- */

static int put_bytes(pq_writer *w, const void *p, size_t n, fhs_error *err) {
  if (n && fwrite(p, 1, n, w->fp) != n)
    return fhs_error_set(err, "%s: write failed", w->path);
  w->offset += (int64_t)n;
  return 0;
}

/* The page body as stored: compressed when the codec says so. */
static int compress_body(pq_writer *w, const uint8_t **out, size_t *out_len, fhs_error *err) {
  *out = w->body.data;
  *out_len = w->body.len;
  if (w->o.codec == FHS_PARQUET_UNCOMPRESSED) return 0;
#ifdef FHS_HAVE_ZSTD
  size_t bound = ZSTD_compressBound(w->body.len);
  w->packed.len = 0;
  fhs_buf_reserve(&w->packed, bound);
  if (w->packed.failed) return fhs_error_set(err, "%s: out of memory", w->path);
  size_t n = ZSTD_compressCCtx(w->zc, w->packed.data, bound, w->body.data, w->body.len,
                               w->o.zstd_level);
  if (ZSTD_isError(n))
    return fhs_error_set(err, "%s: zstd compression failed: %s", w->path, ZSTD_getErrorName(n));
  *out = w->packed.data;
  *out_len = n;
  return 0;
#else
  return fhs_error_set(err, "%s: this build has no ZSTD support", w->path);
#endif
}

/* Writes the page in w->body with its header. kind: PQ_DICTIONARY_PAGE (n = entries) or
 * PQ_DATA_PAGE (n = rows, encoding of the values). Adds its sizes to the chunk. */
static int write_page(pq_writer *w, int kind, size_t n, int encoding, chunk_meta *cm,
                      fhs_error *err) {
  if (w->body.failed) return fhs_error_set(err, "%s: out of memory", w->path);
  if (w->body.len > INT32_MAX)
    return fhs_error_set(err, "%s: a page would exceed 2 GiB", w->path);
  const uint8_t *data;
  size_t len;
  if (compress_body(w, &data, &len, err)) return -1;
  w->header.len = 0;
  fhs_tw tw;
  fhs_tw_init(&tw, &w->header);
  fhs_tw_i32(&tw, 1, kind);
  fhs_tw_i32(&tw, 2, (int32_t)w->body.len);
  fhs_tw_i32(&tw, 3, (int32_t)len);
  if (kind == PQ_DATA_PAGE) {
    fhs_tw_struct_begin(&tw, 5);
    fhs_tw_i32(&tw, 1, (int32_t)n);
    fhs_tw_i32(&tw, 2, encoding);
    fhs_tw_i32(&tw, 3, PQ_RLE); /* definition levels */
    fhs_tw_i32(&tw, 4, PQ_RLE); /* repetition levels (none: the schema is flat) */
    fhs_tw_struct_end(&tw);
  } else {
    fhs_tw_struct_begin(&tw, 7);
    fhs_tw_i32(&tw, 1, (int32_t)n);
    fhs_tw_i32(&tw, 2, PQ_PLAIN);
    fhs_tw_struct_end(&tw);
  }
  fhs_tw_end(&tw);
  if (w->header.failed) return fhs_error_set(err, "%s: out of memory", w->path);
  cm->compressed += (int64_t)(w->header.len + len);
  cm->uncompressed += (int64_t)(w->header.len + w->body.len);
  if (put_bytes(w, w->header.data, w->header.len, err)) return -1;
  return put_bytes(w, data, len, err);
}

/* ---------- column chunks ---------- */

static void put_u64le(fhs_buf *b, uint64_t v) {
  uint8_t x[8];
  for (int i = 0; i < 8; i++) x[i] = (uint8_t)(v >> (8 * i));
  fhs_buf_put(b, x, 8);
}

/* Definition levels of rows [r0, r0 + n): 4-byte length, then the hybrid runs. */
static size_t put_levels(pq_writer *w, const fhs_table_column *col, size_t r0, size_t n) {
  size_t present = 0;
  for (size_t i = 0; i < n; i++) {
    w->levels[i] = col->valid ? col->valid[r0 + i] != 0 : 1;
    present += w->levels[i];
  }
  size_t at = w->body.len;
  fhs_buf_u32le(&w->body, 0);
  fhs_rle_encode_u8(&w->body, w->levels, n);
  if (!w->body.failed) {
    uint32_t len = (uint32_t)(w->body.len - at - 4);
    for (int i = 0; i < 4; i++) w->body.data[at + (size_t)i] = (uint8_t)(len >> (8 * i));
  }
  return present;
}

static void minmax_i64(chunk_meta *cm, const int64_t *v, const uint8_t *lv, size_t n) {
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  bool any = false;
  for (size_t i = 0; i < n; i++)
    if (lv[i]) {
      any = true;
      if (v[i] < lo) lo = v[i];
      if (v[i] > hi) hi = v[i];
    }
  cm->has_minmax = any;
  for (int i = 0; i < 8; i++) {
    cm->min[i] = (uint8_t)((uint64_t)lo >> (8 * i));
    cm->max[i] = (uint8_t)((uint64_t)hi >> (8 * i));
  }
}

/* NaN is left out of min/max; a zero minimum is written -0 and a zero maximum +0, as the
 * format asks, so readers pruning on statistics never skip a signed zero. */
static void minmax_f64(chunk_meta *cm, const double *v, const uint8_t *lv, size_t n) {
  double lo = 0, hi = 0;
  bool any = false;
  for (size_t i = 0; i < n; i++) {
    if (!lv[i] || v[i] != v[i]) continue;
    if (!any || v[i] < lo) lo = v[i];
    if (!any || v[i] > hi) hi = v[i];
    any = true;
  }
  if (lo == 0) lo = -0.0;
  if (hi == 0) hi = 0.0;
  cm->has_minmax = any;
  uint64_t a, b;
  memcpy(&a, &lo, 8);
  memcpy(&b, &hi, 8);
  for (int i = 0; i < 8; i++) {
    cm->min[i] = (uint8_t)(a >> (8 * i));
    cm->max[i] = (uint8_t)(b >> (8 * i));
  }
}

static int write_plain_chunk(pq_writer *w, const fhs_table_column *col, size_t r0, size_t n,
                             chunk_meta *cm, fhs_error *err) {
  w->body.len = 0;
  size_t present = put_levels(w, col, r0, n);
  fhs_buf_reserve(&w->body, present * 8);
  for (size_t i = 0; i < n && !w->body.failed; i++) {
    if (!w->levels[i]) continue;
    uint64_t bits;
    if (col->type == FHS_VALUE_DOUBLE)
      memcpy(&bits, &col->f64[r0 + i], 8);
    else
      bits = (uint64_t)col->i64[r0 + i];
    put_u64le(&w->body, bits);
  }
  cm->null_count = (int64_t)(n - present);
  if (col->type == FHS_VALUE_DOUBLE)
    minmax_f64(cm, col->f64 + r0, w->levels, n);
  else
    minmax_i64(cm, col->i64 + r0, w->levels, n);
  cm->data_offset = w->offset;
  return write_page(w, PQ_DATA_PAGE, n, PQ_PLAIN, cm, err);
}

static int bit_width(size_t max_value) {
  int b = 1;
  while (b < 32 && (max_value >> b)) b++;
  return b;
}

/* Labels of the current row group's present rows: min and max by byte order. Long labels are
 * left out of the statistics rather than truncated. */
static void minmax_labels(pq_writer *w, const fhs_table_column *col, chunk_meta *cm) {
  cm->smin = cm->smax = NULL;
  for (size_t d = 0; d < col->dict_len; d++) {
    if (!w->used[d]) continue;
    const char *s = col->dict[d];
    if (strlen(s) > 64) {
      cm->smin = cm->smax = NULL;
      cm->has_minmax = false;
      return;
    }
    if (!cm->smin || strcmp(s, cm->smin) < 0) cm->smin = s;
    if (!cm->smax || strcmp(s, cm->smax) > 0) cm->smax = s;
  }
  cm->has_minmax = cm->smin != NULL;
}

static int write_dict_chunk(pq_writer *w, const fhs_table_column *col, size_t r0, size_t n,
                            chunk_meta *cm, fhs_error *err) {
  if (col->dict_len > w->used_cap) {
    uint8_t *u = realloc(w->used, col->dict_len);
    if (!u) return fhs_error_set(err, "%s: out of memory", w->path);
    w->used = u;
    w->used_cap = col->dict_len;
  }
  memset(w->used, 0, col->dict_len);
  w->body.len = 0;
  size_t present = put_levels(w, col, r0, n), k = 0;
  for (size_t i = 0; i < n; i++)
    if (w->levels[i]) {
      w->codes[k++] = col->codes[r0 + i];
      w->used[col->codes[r0 + i]] = 1;
    }
  cm->null_count = (int64_t)(n - present);
  if (present == 0) { /* nothing to look up: a plain page of nulls, no dictionary */
    cm->data_offset = w->offset;
    return write_page(w, PQ_DATA_PAGE, n, PQ_PLAIN, cm, err);
  }
  minmax_labels(w, col, cm);
  int width = bit_width(col->dict_len - 1);
  fhs_buf_byte(&w->body, (uint8_t)width);
  fhs_rle_encode(&w->body, w->codes, present, width);
  /* the data page is built first (levels and codes are at hand); the dictionary goes before
   * it in the file, so keep the data page aside while the dictionary page is written */
  fhs_buf data = w->body;
  w->body = (fhs_buf){0};
  for (size_t d = 0; d < col->dict_len; d++) {
    size_t len = strlen(col->dict[d]);
    fhs_buf_u32le(&w->body, (uint32_t)len);
    fhs_buf_put(&w->body, col->dict[d], len);
  }
  cm->dict = true;
  cm->dict_offset = w->offset;
  int rc = write_page(w, PQ_DICTIONARY_PAGE, col->dict_len, 0, cm, err);
  fhs_buf_free(&w->body);
  w->body = data;
  if (rc) return -1;
  cm->data_offset = w->offset;
  return write_page(w, PQ_DATA_PAGE, n, PQ_RLE_DICTIONARY, cm, err);
}

static int write_group(pq_writer *w, size_t g, size_t r0, size_t n, fhs_error *err) {
  const fhs_table *t = w->t;
  group_meta *gm = &w->groups[g];
  gm->offset = w->offset;
  gm->rows = (int64_t)n;
  for (size_t c = 0; c < t->n_columns; c++) {
    chunk_meta *cm = &w->chunks[g * t->n_columns + c];
    cm->dict_offset = -1;
    cm->num_values = (int64_t)n;
    const fhs_table_column *col = &t->columns[c];
    int rc = col->type == FHS_VALUE_STRING ? write_dict_chunk(w, col, r0, n, cm, err)
                                           : write_plain_chunk(w, col, r0, n, cm, err);
    if (rc) return -1;
    gm->bytes += cm->uncompressed;
  }
  return 0;
}

/* ---------- footer ---------- */

static void schema_element(fhs_tw *tw, const fhs_table_column *col) {
  fhs_tw_elem_begin(tw);
  int type = col->type == FHS_VALUE_DOUBLE ? PQ_DOUBLE
             : col->type == FHS_VALUE_STRING ? PQ_BYTE_ARRAY
                                             : PQ_INT64;
  fhs_tw_i32(tw, 1, type);
  fhs_tw_i32(tw, 3, PQ_OPTIONAL);
  fhs_tw_string(tw, 4, col->name);
  if (col->type == FHS_VALUE_STRING) {
    fhs_tw_i32(tw, 6, PQ_CT_UTF8);
    fhs_tw_struct_begin(tw, 10);
    fhs_tw_struct_begin(tw, PQ_LT_STRING);
    fhs_tw_struct_end(tw);
    fhs_tw_struct_end(tw);
  } else if (col->type == FHS_VALUE_TIMESTAMP) {
    fhs_tw_i32(tw, 6, PQ_CT_TIMESTAMP_MILLIS);
    fhs_tw_struct_begin(tw, 10);
    fhs_tw_struct_begin(tw, PQ_LT_TIMESTAMP);
    fhs_tw_bool(tw, 1, true); /* isAdjustedToUTC */
    fhs_tw_struct_begin(tw, 2); /* unit */
    fhs_tw_struct_begin(tw, 1); /* MILLIS */
    fhs_tw_struct_end(tw);
    fhs_tw_struct_end(tw);
    fhs_tw_struct_end(tw);
    fhs_tw_struct_end(tw);
  }
  fhs_tw_struct_end(tw);
}

static void column_chunk(fhs_tw *tw, const fhs_table_column *col, const chunk_meta *cm,
                         int codec) {
  fhs_tw_elem_begin(tw);
  fhs_tw_i64(tw, 2, cm->dict ? cm->dict_offset : cm->data_offset); /* file_offset */
  fhs_tw_struct_begin(tw, 3);
  fhs_tw_i32(tw, 1, col->type == FHS_VALUE_DOUBLE ? PQ_DOUBLE
                    : col->type == FHS_VALUE_STRING ? PQ_BYTE_ARRAY
                                                    : PQ_INT64);
  fhs_tw_list(tw, 2, TC_I32, cm->dict ? 3 : 2);
  fhs_tw_elem_i32(tw, PQ_PLAIN);
  fhs_tw_elem_i32(tw, PQ_RLE);
  if (cm->dict) fhs_tw_elem_i32(tw, PQ_RLE_DICTIONARY);
  fhs_tw_list(tw, 3, TC_BINARY, 1);
  fhs_tw_elem_string(tw, col->name);
  fhs_tw_i32(tw, 4, codec);
  fhs_tw_i64(tw, 5, cm->num_values);
  fhs_tw_i64(tw, 6, cm->uncompressed);
  fhs_tw_i64(tw, 7, cm->compressed);
  fhs_tw_i64(tw, 9, cm->data_offset);
  if (cm->dict) fhs_tw_i64(tw, 11, cm->dict_offset);
  fhs_tw_struct_begin(tw, 12);
  fhs_tw_i64(tw, 3, cm->null_count);
  if (cm->has_minmax && col->type == FHS_VALUE_STRING) {
    fhs_tw_string(tw, 5, cm->smax);
    fhs_tw_string(tw, 6, cm->smin);
  } else if (cm->has_minmax) {
    fhs_tw_binary(tw, 5, cm->max, 8);
    fhs_tw_binary(tw, 6, cm->min, 8);
  }
  fhs_tw_struct_end(tw);
  fhs_tw_struct_end(tw); /* ColumnMetaData */
  fhs_tw_struct_end(tw); /* ColumnChunk */
}

static int write_footer(pq_writer *w, fhs_error *err) {
  const fhs_table *t = w->t;
  fhs_buf *b = &w->header;
  b->len = 0;
  fhs_tw tw;
  fhs_tw_init(&tw, b);
  fhs_tw_i32(&tw, 1, 2); /* version */
  fhs_tw_list(&tw, 2, TC_STRUCT, t->n_columns + 1);
  fhs_tw_elem_begin(&tw); /* the root */
  fhs_tw_string(&tw, 4, "schema");
  fhs_tw_i32(&tw, 5, (int32_t)t->n_columns);
  fhs_tw_struct_end(&tw);
  for (size_t c = 0; c < t->n_columns; c++) schema_element(&tw, &t->columns[c]);
  fhs_tw_i64(&tw, 3, (int64_t)t->n_rows);
  fhs_tw_list(&tw, 4, TC_STRUCT, w->n_groups);
  for (size_t g = 0; g < w->n_groups; g++) {
    const group_meta *gm = &w->groups[g];
    int64_t compressed = 0;
    fhs_tw_elem_begin(&tw);
    fhs_tw_list(&tw, 1, TC_STRUCT, t->n_columns);
    for (size_t c = 0; c < t->n_columns; c++) {
      const chunk_meta *cm = &w->chunks[g * t->n_columns + c];
      column_chunk(&tw, &t->columns[c], cm, (int)w->o.codec);
      compressed += cm->compressed;
    }
    fhs_tw_i64(&tw, 2, gm->bytes);
    fhs_tw_i64(&tw, 3, gm->rows);
    fhs_tw_i64(&tw, 5, gm->offset);
    fhs_tw_i64(&tw, 6, compressed);
    fhs_tw_struct_end(&tw);
  }
  fhs_tw_string(&tw, 6, "fhesynth");
  fhs_tw_list(&tw, 7, TC_STRUCT, t->n_columns); /* column_orders: TYPE_ORDER for every column */
  for (size_t c = 0; c < t->n_columns; c++) {
    fhs_tw_elem_begin(&tw);
    fhs_tw_struct_begin(&tw, 1);
    fhs_tw_struct_end(&tw);
    fhs_tw_struct_end(&tw);
  }
  fhs_tw_end(&tw);
  if (b->failed || b->len > UINT32_MAX) return fhs_error_set(err, "%s: out of memory", w->path);
  uint8_t tail[8] = {(uint8_t)b->len, (uint8_t)(b->len >> 8), (uint8_t)(b->len >> 16),
                     (uint8_t)(b->len >> 24), 'P', 'A', 'R', '1'};
  if (put_bytes(w, b->data, b->len, err)) return -1;
  return put_bytes(w, tail, 8, err);
}

/* ---------- driver ---------- */

static int writer_init(pq_writer *w, const fhs_table *t, const char *path,
                       const fhs_parquet_options *opts, fhs_error *err) {
  memset(w, 0, sizeof *w);
  w->t = t;
  w->path = path;
  w->o = opts ? *opts : fhs_parquet_defaults();
  if (w->o.row_group_rows == 0) w->o.row_group_rows = FHS_PARQUET_GROUP_ROWS;
  if (w->o.zstd_level == 0) w->o.zstd_level = ZSTD_DEFAULT_LEVEL;
  if (w->o.codec != FHS_PARQUET_UNCOMPRESSED && w->o.codec != FHS_PARQUET_ZSTD)
    return fhs_error_set(err, "%s: unknown Parquet codec %d", path, (int)w->o.codec);
  if (w->o.codec == FHS_PARQUET_ZSTD && !fhs_parquet_has_zstd())
    return fhs_error_set(err, "%s: this build has no ZSTD support (libzstd)", path);
  if (w->o.row_group_rows > INT32_MAX)
    return fhs_error_set(err, "%s: row groups of %zu rows are too large", path,
                         w->o.row_group_rows);
  size_t group = t->n_rows < w->o.row_group_rows ? t->n_rows : w->o.row_group_rows;
  w->n_groups = t->n_rows ? (t->n_rows - 1) / w->o.row_group_rows + 1 : 0;
  w->levels = malloc(group ? group : 1);
  w->codes = malloc((group ? group : 1) * sizeof *w->codes);
  w->chunks = calloc(w->n_groups * t->n_columns + 1, sizeof *w->chunks);
  w->groups = calloc(w->n_groups + 1, sizeof *w->groups);
  if (!w->levels || !w->codes || !w->chunks || !w->groups)
    return fhs_error_set(err, "%s: out of memory", path);
#ifdef FHS_HAVE_ZSTD
  if (w->o.codec == FHS_PARQUET_ZSTD && !(w->zc = ZSTD_createCCtx()))
    return fhs_error_set(err, "%s: out of memory", path);
#endif
  return 0;
}

static void writer_free(pq_writer *w) {
  fhs_buf_free(&w->body);
  fhs_buf_free(&w->header);
  fhs_buf_free(&w->packed);
  free(w->levels);
  free(w->codes);
  free(w->used);
  free(w->chunks);
  free(w->groups);
#ifdef FHS_HAVE_ZSTD
  ZSTD_freeCCtx(w->zc);
#endif
}

static int write_all(pq_writer *w, fhs_error *err) {
  if (put_bytes(w, "PAR1", 4, err)) return -1;
  for (size_t g = 0; g < w->n_groups; g++) {
    size_t r0 = g * w->o.row_group_rows, n = w->t->n_rows - r0;
    if (n > w->o.row_group_rows) n = w->o.row_group_rows;
    if (write_group(w, g, r0, n, err)) return -1;
  }
  return write_footer(w, err);
}

int fhs_parquet_write(const fhs_table *t, const char *path, const fhs_parquet_options *opts,
                      fhs_error *err) {
  if (fhs_table_check(t, path, err)) return -1;
  pq_writer w;
  fhs_atomic_file af;
  int rc = writer_init(&w, t, path, opts, err);
  if (rc == 0) rc = fhs_atomic_open(&af, path, err);
  if (rc == 0) {
    w.fp = af.fp;
    rc = write_all(&w, err);
    if (rc == 0)
      rc = fhs_atomic_commit(&af, err);
    else
      fhs_atomic_abort(&af);
  }
  writer_free(&w);
  return rc;
}
