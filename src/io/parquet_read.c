/* Parquet row reader (parquet.h). The footer is parsed once (parquet_meta.c); then one row group
 * at a time, each column chunk is read whole, its pages decoded and every value turned into
 * text right away. Per column a row group keeps an arena of NUL-terminated texts and, per row,
 * the number of its text (0 is the empty text of a null), so a dictionary-encoded value is
 * formatted once per dictionary entry, not once per row, and next_row only points into arenas.
 *
 * Nothing in the file is trusted: page sizes are checked against the chunk, value counts
 * against the row group, lengths against the bytes that remain, dictionary indices against
 * the dictionary. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#ifdef FHS_HAVE_ZSTD
#include <zstd.h>
#endif

#include "format.h"
#include "parquet.h"
#include "parquet_internal.h"

/* A page larger than this is refused (pages are usually about 1 MiB). */
#define MAX_PAGE_BYTES ((size_t)1 << 30)

typedef struct {
  size_t off, len;
} text_ref;

typedef struct {
  fhs_buf arena;
  text_ref *ents;
  size_t n_ents, ents_cap;
  uint32_t *dict; /* dictionary index -> text number */
  size_t n_dict;
  uint32_t bool_ids[2]; /* texts "false", "true" once made; 0 before */
  uint32_t *rows;       /* text number of each row of the group */
  uint64_t filled;
} col_data;

struct fhs_parquet_reader {
  char *path;
  FILE *fp;
  int64_t file_size;
  pq_meta m;
  col_data *cols;
  fhs_csv_field *fields;
  size_t next_group;
  uint64_t group_rows, group_pos, rows_read;
  int state; /* 0 ok, 1 end, -1 error (saved) */
  fhs_error saved;
  fhs_buf chunk, page;
  uint32_t *levels, *vals;
  size_t scratch_cap;
#ifdef FHS_HAVE_ZSTD
  ZSTD_DCtx *zd;
#endif
  /* what is being decoded, for messages */
  size_t cur_group, cur_col;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int chunk_fail(fhs_parquet_reader *r, const char *fmt, ...) {
  char what[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return fhs_error_set(&r->saved, "%s: row group %zu, column \"%.120s\": %s", r->path,
                       r->cur_group + 1, r->m.columns[r->cur_col].name, what);
}

/* ---------- texts ---------- */

static int add_text(fhs_parquet_reader *r, col_data *cd, const void *s, size_t len, uint32_t *id) {
  if (cd->n_ents == cd->ents_cap) {
    size_t cap = cd->ents_cap ? cd->ents_cap * 2 : 1024;
    text_ref *e = cap < UINT32_MAX ? realloc(cd->ents, cap * sizeof *e) : NULL;
    if (!e) return fhs_error_set(&r->saved, "%s: out of memory", r->path);
    cd->ents = e;
    cd->ents_cap = cap;
  }
  cd->ents[cd->n_ents] = (text_ref){cd->arena.len, len};
  fhs_buf_put(&cd->arena, s, len);
  fhs_buf_byte(&cd->arena, 0);
  if (cd->arena.failed) return fhs_error_set(&r->saved, "%s: out of memory", r->path);
  *id = (uint32_t)cd->n_ents++;
  return 0;
}

static uint64_t le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/* Text of one fixed-size PLAIN value. */
static size_t format_fixed(const pq_column *col, const uint8_t *p, char *buf) {
  uint64_t v = le(p, col->type == PQ_INT64 || col->type == PQ_DOUBLE ? 8 : 4);
  switch (col->kind) {
    case PQ_K_INT32: return fhs_format_int64((int32_t)(uint32_t)v, buf);
    case PQ_K_UINT32: return fhs_format_uint64((uint32_t)v, buf);
    case PQ_K_DATE: return fhs_format_date((int32_t)(uint32_t)v, buf);
    case PQ_K_INT64: return fhs_format_int64((int64_t)v, buf);
    case PQ_K_UINT64: return fhs_format_uint64(v, buf);
    case PQ_K_TIMESTAMP: return fhs_format_timestamp((int64_t)v, col->ts_digits, col->ts_utc, buf);
    case PQ_K_FLOAT: {
      uint32_t u = (uint32_t)v;
      float f;
      memcpy(&f, &u, 4);
      return fhs_format_float(f, buf);
    }
    default: {
      double d;
      memcpy(&d, &v, 8);
      return fhs_format_double(d, buf);
    }
  }
}

static int add_bool(fhs_parquet_reader *r, col_data *cd, bool b, uint32_t *id) {
  if (!cd->bool_ids[b] && add_text(r, cd, b ? "true" : "false", b ? 4 : 5, &cd->bool_ids[b]))
    return -1;
  *id = cd->bool_ids[b];
  return 0;
}

/* ---------- values ---------- */

/* PLAIN: count values from [p, end) into out (text numbers). */
static int decode_plain(fhs_parquet_reader *r, col_data *cd, const uint8_t *p,
                        const uint8_t *end, size_t count, uint32_t *out) {
  const pq_column *col = &r->m.columns[r->cur_col];
  size_t avail = (size_t)(end - p);
  if (col->type == PQ_BOOLEAN) {
    if (count > avail * 8) return chunk_fail(r, "page has fewer values than it claims");
    for (size_t i = 0; i < count; i++)
      if (add_bool(r, cd, p[i / 8] >> (i % 8) & 1, &out[i])) return -1;
    return 0;
  }
  if (col->type == PQ_BYTE_ARRAY) {
    for (size_t i = 0; i < count; i++) {
      if (end - p < 4) return chunk_fail(r, "page has fewer values than it claims");
      uint64_t len = le(p, 4);
      p += 4;
      if (len > (uint64_t)(end - p)) return chunk_fail(r, "a string runs past the end of its page");
      if (memchr(p, 0, len) || fhs_utf8_check(p, len) != len)
        return chunk_fail(r, "a string is not valid UTF-8 (or holds a NUL byte)");
      if (add_text(r, cd, p, len, &out[i])) return -1;
      p += len;
    }
    return 0;
  }
  size_t size = col->type == PQ_INT64 || col->type == PQ_DOUBLE ? 8 : 4;
  if (count > avail / size) return chunk_fail(r, "page has fewer values than it claims");
  char buf[FHS_FORMAT_BUF];
  for (size_t i = 0; i < count; i++) {
    size_t n = format_fixed(col, p + i * size, buf);
    if (add_text(r, cd, buf, n, &out[i])) return -1;
  }
  return 0;
}

static int decode_dict_indices(fhs_parquet_reader *r, col_data *cd, const uint8_t *p,
                               const uint8_t *end, size_t count, uint32_t *out) {
  if (!cd->dict) return chunk_fail(r, "a dictionary-encoded page comes without a dictionary page");
  if (count == 0) return 0;
  if (p >= end || *p > 32) return chunk_fail(r, "bad bit width of dictionary indices");
  if (fhs_rle_decode(p + 1, end, *p, out, count))
    return chunk_fail(r, "malformed dictionary indices (RLE/bit-packed data)");
  for (size_t i = 0; i < count; i++) {
    if (out[i] >= cd->n_dict)
      return chunk_fail(r, "dictionary index %u is outside the dictionary (%zu entries)", out[i],
                        cd->n_dict);
    out[i] = cd->dict[out[i]];
  }
  return 0;
}

static int decode_rle_bools(fhs_parquet_reader *r, col_data *cd, const uint8_t *p,
                            const uint8_t *end, size_t count, uint32_t *out) {
  if (end - p < 4 || le(p, 4) > (uint64_t)(end - p - 4))
    return chunk_fail(r, "bad length of RLE booleans");
  if (fhs_rle_decode(p + 4, p + 4 + le(p, 4), 1, out, count))
    return chunk_fail(r, "malformed RLE booleans");
  for (size_t i = 0; i < count; i++)
    if (add_bool(r, cd, out[i] != 0, &out[i])) return -1;
  return 0;
}

static int decode_values(fhs_parquet_reader *r, col_data *cd, int encoding, const uint8_t *p,
                         const uint8_t *end, size_t count, uint32_t *out) {
  const pq_column *col = &r->m.columns[r->cur_col];
  if (encoding == PQ_PLAIN) return decode_plain(r, cd, p, end, count, out);
  if (encoding == PQ_PLAIN_DICTIONARY || encoding == PQ_RLE_DICTIONARY)
    return decode_dict_indices(r, cd, p, end, count, out);
  if (encoding == PQ_RLE && col->type == PQ_BOOLEAN)
    return decode_rle_bools(r, cd, p, end, count, out);
  return chunk_fail(r, "encoding %s is not supported", fhs_pq_encoding_name(encoding));
}

/* ---------- pages ---------- */

typedef struct {
  int type;
  int64_t usize, csize;
  int64_t num_values;
  int encoding, def_encoding;
  int64_t def_len, rep_len;
  bool compressed; /* v2: the values are compressed (the default) */
  bool has_data, has_dict, has_v2;
} page_header;

static int data_page_field(fhs_tr *t, void *ctx, int16_t id, int type) {
  page_header *h = ctx;
  if (type != TC_I32) return 1;
  int64_t v = fhs_tr_int(t, type);
  if (id == 1) h->num_values = v;
  else if (id == 2) h->encoding = (int)v;
  else if (id == 3) h->def_encoding = (int)v;
  return 0;
}

static int v2_page_field(fhs_tr *t, void *ctx, int16_t id, int type) {
  page_header *h = ctx;
  if (id == 7 && (type == TC_TRUE || type == TC_FALSE)) {
    h->compressed = type == TC_TRUE;
    return 0;
  }
  if (type != TC_I32) return 1;
  int64_t v = fhs_tr_int(t, type);
  if (id == 1) h->num_values = v;
  else if (id == 4) h->encoding = (int)v;
  else if (id == 5) h->def_len = v;
  else if (id == 6) h->rep_len = v;
  return 0;
}

static int page_field(fhs_tr *t, void *ctx, int16_t id, int type) {
  page_header *h = ctx;
  if (type == TC_I32 && id >= 1 && id <= 3) {
    int64_t v = fhs_tr_int(t, type);
    if (id == 1) h->type = (int)v;
    else if (id == 2) h->usize = v;
    else h->csize = v;
    return 0;
  }
  if (type != TC_STRUCT) return 1;
  if (id == 5) {
    h->has_data = true;
    fhs_tr_struct(t, h, data_page_field);
  } else if (id == 7) {
    h->has_dict = true;
    fhs_tr_struct(t, h, data_page_field); /* num_values 1, encoding 2: same ids */
  } else if (id == 8) {
    h->has_v2 = true;
    fhs_tr_struct(t, h, v2_page_field);
  } else {
    return 1;
  }
  return 0;
}

/* Uncompressed bytes of a page body: [src, src + csize) -> *out of usize bytes. */
static int inflate_body(fhs_parquet_reader *r, int codec, const uint8_t *src, size_t csize,
                        size_t usize, const uint8_t **out) {
  if (codec == PQ_UNCOMPRESSED) {
    if (csize != usize) return chunk_fail(r, "page sizes disagree in an uncompressed chunk");
    *out = src;
    return 0;
  }
#ifdef FHS_HAVE_ZSTD
  if (codec == PQ_ZSTD) {
    if (!r->zd && !(r->zd = ZSTD_createDCtx()))
      return fhs_error_set(&r->saved, "%s: out of memory", r->path);
    /* a frame that states its size must agree before a buffer that large is allocated */
    unsigned long long stated = ZSTD_getFrameContentSize(src, csize);
    if (stated == ZSTD_CONTENTSIZE_ERROR || (stated != ZSTD_CONTENTSIZE_UNKNOWN && stated != usize))
      return chunk_fail(r, "corrupt ZSTD page");
    r->page.len = 0;
    fhs_buf_reserve(&r->page, usize + 1);
    if (r->page.failed) return fhs_error_set(&r->saved, "%s: out of memory", r->path);
    size_t n = ZSTD_decompressDCtx(r->zd, r->page.data, usize, src, csize);
    if (ZSTD_isError(n) || n != usize) return chunk_fail(r, "corrupt ZSTD page");
    *out = r->page.data;
    return 0;
  }
#endif
  return chunk_fail(r, "compression codec %s is not supported", fhs_pq_codec_name(codec));
}

static int ensure_scratch(fhs_parquet_reader *r, size_t n) {
  if (n <= r->scratch_cap) return 0;
  uint32_t *a = realloc(r->levels, n * sizeof *a);
  if (a) r->levels = a;
  uint32_t *b = a ? realloc(r->vals, n * sizeof *b) : NULL;
  if (b) r->vals = b;
  if (!a || !b) return fhs_error_set(&r->saved, "%s: out of memory", r->path);
  r->scratch_cap = n;
  return 0;
}

static int read_dictionary(fhs_parquet_reader *r, col_data *cd, const page_header *h,
                           const uint8_t *body) {
  if (cd->dict || cd->filled) return chunk_fail(r, "unexpected dictionary page");
  const pq_column *col = &r->m.columns[r->cur_col];
  /* bounded by the bytes at hand before anything is allocated for them */
  uint64_t most = col->type == PQ_BOOLEAN ? (uint64_t)h->usize * 8
                  : col->type == PQ_INT64 || col->type == PQ_DOUBLE ? (uint64_t)h->usize / 8
                                                                    : (uint64_t)h->usize / 4;
  if (h->num_values < 0 || (uint64_t)h->num_values > most)
    return chunk_fail(r, "dictionary page claims %lld values", (long long)h->num_values);
  if (h->encoding != PQ_PLAIN && h->encoding != PQ_PLAIN_DICTIONARY)
    return chunk_fail(r, "dictionary page encoding %s is not supported",
                      fhs_pq_encoding_name(h->encoding));
  size_t n = (size_t)h->num_values;
  cd->dict = malloc((n ? n : 1) * sizeof *cd->dict);
  if (!cd->dict) return fhs_error_set(&r->saved, "%s: out of memory", r->path);
  cd->n_dict = n;
  return decode_plain(r, cd, body, body + h->usize, n, cd->dict);
}

/* Levels and values of a data page -> rows [filled, filled + num_values). */
static int read_data(fhs_parquet_reader *r, col_data *cd, const page_header *h,
                     const uint8_t *levels, size_t levels_len, const uint8_t *values,
                     const uint8_t *values_end) {
  const pq_column *col = &r->m.columns[r->cur_col];
  size_t n = (size_t)h->num_values, present = n;
  if (ensure_scratch(r, n)) return -1;
  if (col->repetition == PQ_OPTIONAL) {
    if (fhs_rle_decode(levels, levels + levels_len, 1, r->levels, n))
      return chunk_fail(r, "malformed definition levels");
    present = 0;
    for (size_t i = 0; i < n; i++) present += r->levels[i];
  }
  if (decode_values(r, cd, h->encoding, values, values_end, present, r->vals)) return -1;
  uint32_t *rows = cd->rows + cd->filled;
  for (size_t i = 0, k = 0; i < n; i++)
    rows[i] = col->repetition == PQ_OPTIONAL && !r->levels[i] ? 0 : r->vals[k++];
  cd->filled += n;
  return 0;
}

static int read_page_v1(fhs_parquet_reader *r, col_data *cd, const page_header *h,
                        const uint8_t *body) {
  const uint8_t *p = body, *end = body + h->usize;
  size_t levels_len = 0;
  if (r->m.columns[r->cur_col].repetition == PQ_OPTIONAL) {
    if (h->def_encoding != PQ_RLE)
      return chunk_fail(r, "definition level encoding %s is not supported",
                        fhs_pq_encoding_name(h->def_encoding));
    if (end - p < 4 || le(p, 4) > (uint64_t)(end - p - 4))
      return chunk_fail(r, "definition levels run past the end of the page");
    levels_len = (size_t)le(p, 4);
    p += 4;
  }
  return read_data(r, cd, h, p, levels_len, p + levels_len, end);
}

static int read_page_v2(fhs_parquet_reader *r, col_data *cd, const page_header *h, int codec,
                        const uint8_t *raw) {
  int64_t lv = h->def_len + h->rep_len;
  if (h->def_len < 0 || h->rep_len < 0 || lv > h->csize || lv > h->usize)
    return chunk_fail(r, "level lengths are out of range");
  if (h->rep_len != 0) return chunk_fail(r, "repetition levels in a flat column");
  const uint8_t *values = raw + lv;
  size_t vlen = (size_t)(h->usize - lv);
  if (h->compressed || codec == PQ_UNCOMPRESSED) {
    if (inflate_body(r, codec, raw + lv, (size_t)(h->csize - lv), vlen, &values)) return -1;
  } else if (h->csize != h->usize) {
    return chunk_fail(r, "page sizes disagree in an uncompressed page");
  }
  return read_data(r, cd, h, raw, (size_t)h->def_len, values, values + vlen);
}

/* One page at *pos of the chunk buffer; advances *pos. */
static int read_page(fhs_parquet_reader *r, col_data *cd, const pq_chunk *ch, size_t *pos) {
  const uint8_t *base = r->chunk.data, *end = base + r->chunk.len;
  page_header h = {.type = -1, .usize = -1, .csize = -1, .num_values = -1, .encoding = -1,
                   .def_encoding = PQ_RLE, .compressed = true};
  fhs_tr t = {base + *pos, end, NULL, 0};
  fhs_tr_struct(&t, &h, page_field);
  if (t.problem) return chunk_fail(r, "malformed page header (%s)", t.problem);
  if (h.csize < 0 || h.usize < 0 || h.csize > end - t.p || (size_t)h.usize > MAX_PAGE_BYTES)
    return chunk_fail(r, "page size out of range (%lld bytes stored, %lld in all)",
                      (long long)h.csize, (long long)h.usize);
  const uint8_t *raw = t.p;
  *pos = (size_t)(raw - base) + (size_t)h.csize;
  bool data = (h.type == PQ_DATA_PAGE && h.has_data) || (h.type == PQ_DATA_PAGE_V2 && h.has_v2);
  if (h.type == PQ_DICTIONARY_PAGE && h.has_dict) {
    const uint8_t *body;
    if (inflate_body(r, ch->codec, raw, (size_t)h.csize, (size_t)h.usize, &body)) return -1;
    return read_dictionary(r, cd, &h, body);
  }
  if (!data) {
    if (h.type == PQ_DATA_PAGE || h.type == PQ_DATA_PAGE_V2 || h.type == PQ_DICTIONARY_PAGE)
      return chunk_fail(r, "page header lacks its %s header",
                        h.type == PQ_DICTIONARY_PAGE ? "dictionary" : "data page");
    return 0; /* index pages and unknown kinds carry no rows */
  }
  if (h.num_values < 0 || (uint64_t)h.num_values > r->group_rows - cd->filled)
    return chunk_fail(r, "a page holds %lld values, more than the rows left in the row group",
                      (long long)h.num_values);
  if (h.type == PQ_DATA_PAGE_V2) return read_page_v2(r, cd, &h, ch->codec, raw);
  const uint8_t *body;
  if (inflate_body(r, ch->codec, raw, (size_t)h.csize, (size_t)h.usize, &body)) return -1;
  return read_page_v1(r, cd, &h, body);
}

/* ---------- row groups ---------- */

static int read_at(fhs_parquet_reader *r, int64_t off, size_t n, fhs_buf *b) {
  b->len = 0;
  fhs_buf_reserve(b, n + 1);
  if (b->failed) return fhs_error_set(&r->saved, "%s: out of memory", r->path);
  if (fseeko(r->fp, (off_t)off, SEEK_SET) != 0 || fread(b->data, 1, n, r->fp) != n)
    return fhs_error_set(&r->saved, "%s: read error: %s", r->path,
                         ferror(r->fp) ? strerror(errno) : "the file is shorter than it was");
  b->len = n;
  return 0;
}

static void col_reset(col_data *cd) {
  cd->arena.len = 0;
  cd->n_ents = 0;
  free(cd->dict);
  cd->dict = NULL;
  cd->n_dict = 0;
  cd->bool_ids[0] = cd->bool_ids[1] = 0;
  cd->filled = 0;
}

static int read_chunk(fhs_parquet_reader *r, size_t g, size_t c) {
  col_data *cd = &r->cols[c];
  const pq_chunk *ch = &r->m.groups[g].chunks[c];
  r->cur_group = g;
  r->cur_col = c;
  col_reset(cd);
  uint32_t null_id;
  if (add_text(r, cd, "", 0, &null_id)) return -1; /* text 0: a null */
  free(cd->rows);
  cd->rows = malloc((r->group_rows ? r->group_rows : 1) * sizeof *cd->rows);
  if (!cd->rows) return fhs_error_set(&r->saved, "%s: out of memory", r->path);
  if (read_at(r, ch->start, (size_t)ch->size, &r->chunk)) return -1;
  size_t pos = 0;
  while (cd->filled < r->group_rows) {
    if (pos >= r->chunk.len)
      return chunk_fail(r, "the column chunk ends after %llu of %llu rows",
                        (unsigned long long)cd->filled, (unsigned long long)r->group_rows);
    if (read_page(r, cd, ch, &pos)) return -1;
  }
  return 0;
}

static int load_group(fhs_parquet_reader *r) {
  size_t g = r->next_group++;
  r->group_rows = (uint64_t)r->m.groups[g].rows;
  r->group_pos = 0;
  for (size_t c = 0; c < r->m.n_columns; c++)
    if (read_chunk(r, g, c)) return -1;
  return 0;
}

/* ---------- public API ---------- */

static int open_file(fhs_parquet_reader *r, const char *path) {
  r->fp = fopen(path, "rb");
  if (!r->fp && errno == ENOENT) return fhs_error_set(&r->saved, "%s: no such file", path);
  if (!r->fp) return fhs_error_set(&r->saved, "%s: cannot open: %s", path, strerror(errno));
  if (fseeko(r->fp, 0, SEEK_END) != 0 || (r->file_size = ftello(r->fp)) < 0)
    return fhs_error_set(&r->saved, "%s: cannot read: %s", path, strerror(errno));
  if (r->file_size < 12)
    return fhs_error_set(&r->saved, "%s: not a Parquet file (only %lld bytes)", path,
                         (long long)r->file_size);
  if (read_at(r, 0, 4, &r->chunk)) return -1;
  if (memcmp(r->chunk.data, "PAR1", 4) != 0)
    return fhs_error_set(&r->saved, "%s: not a Parquet file (no PAR1 magic at the start)", path);
  if (read_at(r, r->file_size - 8, 8, &r->chunk)) return -1;
  if (memcmp(r->chunk.data + 4, "PARE", 4) == 0)
    return fhs_error_set(&r->saved, "%s: encrypted Parquet files are not supported", path);
  if (memcmp(r->chunk.data + 4, "PAR1", 4) != 0)
    return fhs_error_set(&r->saved, "%s: not a Parquet file, or truncated (no PAR1 magic at the end)",
                         path);
  uint64_t len = le(r->chunk.data, 4);
  if (len == 0 || len > (uint64_t)r->file_size - 12)
    return fhs_error_set(&r->saved, "%s: footer length %llu is out of range (the file has %lld "
                         "bytes)", path, (unsigned long long)len, (long long)r->file_size);
  int64_t data_end = r->file_size - 8 - (int64_t)len;
  if (read_at(r, data_end, (size_t)len, &r->chunk)) return -1;
  fhs_error e;
  if (fhs_pq_meta_parse(r->chunk.data, r->chunk.len, data_end, &r->m, &e))
    return fhs_error_set(&r->saved, "%s: %s", path, e.msg);
  return 0;
}

fhs_parquet_reader *fhs_parquet_open(const char *path, fhs_error *err) {
  fhs_parquet_reader *r = calloc(1, sizeof *r);
  if (!r || !(r->path = strdup(path))) {
    free(r);
    fhs_error_set(err, "%s: out of memory", path);
    return NULL;
  }
  int rc = open_file(r, path);
  if (rc == 0) {
    r->cols = calloc(r->m.n_columns, sizeof *r->cols);
    r->fields = calloc(r->m.n_columns, sizeof *r->fields);
    if (!r->cols || !r->fields) rc = fhs_error_set(&r->saved, "%s: out of memory", path);
  }
  if (rc) {
    if (err) *err = r->saved;
    fhs_parquet_close(r);
    return NULL;
  }
  return r;
}

static int fail(fhs_parquet_reader *r, fhs_error *err) {
  r->state = -1;
  if (err) *err = r->saved;
  return -1;
}

int fhs_parquet_next_row(fhs_parquet_reader *r, const fhs_csv_field **fields, uint64_t *row,
                         fhs_error *err) {
  if (r->state == -1) return fail(r, err);
  while (r->state == 0 && r->group_pos == r->group_rows) {
    if (r->next_group == r->m.n_groups)
      r->state = 1;
    else if (load_group(r))
      return fail(r, err);
  }
  if (r->state == 1) return 0;
  for (size_t c = 0; c < r->m.n_columns; c++) {
    const col_data *cd = &r->cols[c];
    const text_ref *t = &cd->ents[cd->rows[r->group_pos]];
    r->fields[c].ptr = (const char *)cd->arena.data + t->off;
    r->fields[c].len = t->len;
  }
  r->group_pos++;
  r->rows_read++;
  *fields = r->fields;
  if (row) *row = r->rows_read;
  return 1;
}

size_t fhs_parquet_n_columns(const fhs_parquet_reader *r) { return r->m.n_columns; }

const char *fhs_parquet_column_name(const fhs_parquet_reader *r, size_t i) {
  return i < r->m.n_columns ? r->m.columns[i].name : NULL;
}

const char *fhs_parquet_path(const fhs_parquet_reader *r) { return r->path; }

uint64_t fhs_parquet_rows_read(const fhs_parquet_reader *r) { return r->rows_read; }

uint64_t fhs_parquet_n_rows(const fhs_parquet_reader *r) { return (uint64_t)r->m.rows; }

size_t fhs_parquet_n_row_groups(const fhs_parquet_reader *r) { return r->m.n_groups; }

void fhs_parquet_close(fhs_parquet_reader *r) {
  if (!r) return;
  for (size_t c = 0; r->cols && c < r->m.n_columns; c++) {
    col_reset(&r->cols[c]);
    fhs_buf_free(&r->cols[c].arena);
    free(r->cols[c].ents);
    free(r->cols[c].rows);
  }
  free(r->cols);
  free(r->fields);
  fhs_pq_meta_free(&r->m);
  fhs_buf_free(&r->chunk);
  fhs_buf_free(&r->page);
  free(r->levels);
  free(r->vals);
#ifdef FHS_HAVE_ZSTD
  ZSTD_freeDCtx(r->zd);
#endif
  if (r->fp) fclose(r->fp);
  free(r->path);
  free(r);
}
