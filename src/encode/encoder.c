/* Streaming row encoder: input rows (CSV or Parquet, through fhs_rows) -> blocks of S rows of
 * domain indices. */
#include <stdlib.h>
#include <string.h>

#include "encode_internal.h"

struct fhs_encoder {
  const fhs_schema *schema;
  fhs_rows *rows_in;
  bool owns_rows; /* a wrapper made by fhs_encoder_create around the caller's CSV reader */
  size_t block_rows;
  size_t *csv_col;     /* schema column i is input column csv_col[i] */
  fhs_strmap *labels;  /* per schema column; empty for binned columns */
  uint64_t rows;
  int done;
};

void fhs_encoder_free(fhs_encoder *enc) {
  if (!enc) return;
  for (size_t i = 0; enc->labels && i < enc->schema->n_columns; i++)
    fhs_strmap_free(&enc->labels[i]);
  free(enc->labels);
  free(enc->csv_col);
  if (enc->owns_rows) fhs_rows_close(enc->rows_in);
  free(enc);
}

static int bind_columns(fhs_encoder *enc, fhs_error *err) {
  const fhs_schema *s = enc->schema;
  for (size_t i = 0; i < s->n_columns; i++) {
    long k = fhs_rows_column_index(enc->rows_in, s->columns[i].name);
    if (k < 0) {
      char name[96];
      fhs_enc_quote(s->columns[i].name, strlen(s->columns[i].name), name, sizeof name);
      return fhs_error_set(err, "%s: the header has no column \"%s\", which the schema lists",
                           fhs_rows_path(enc->rows_in), name);
    }
    enc->csv_col[i] = (size_t)k;
    if (s->columns[i].type == FHS_COL_CATEGORICAL && fhs_enc_label_map(&s->columns[i], &enc->labels[i]))
      return fhs_error_set(err, "out of memory");
  }
  return 0;
}

fhs_encoder *fhs_encoder_create_rows(const fhs_schema *schema, fhs_rows *rows,
                                     size_t block_rows, fhs_error *err) {
  if (block_rows == 0) {
    fhs_error_set(err, "block size must be at least 1 row");
    return NULL;
  }
  fhs_encoder *enc = calloc(1, sizeof *enc);
  if (!enc) {
    fhs_error_set(err, "out of memory");
    return NULL;
  }
  enc->schema = schema;
  enc->rows_in = rows;
  enc->block_rows = block_rows;
  enc->csv_col = calloc(schema->n_columns, sizeof *enc->csv_col);
  enc->labels = calloc(schema->n_columns, sizeof *enc->labels);
  if (!enc->csv_col || !enc->labels) {
    fhs_error_set(err, "out of memory");
    fhs_encoder_free(enc);
    return NULL;
  }
  if (bind_columns(enc, err)) {
    fhs_encoder_free(enc);
    return NULL;
  }
  return enc;
}

fhs_encoder *fhs_encoder_create(const fhs_schema *schema, fhs_csv_reader *reader,
                                size_t block_rows, fhs_error *err) {
  fhs_rows *rows = fhs_rows_from_csv(reader, err);
  if (!rows) return NULL;
  fhs_encoder *enc = fhs_encoder_create_rows(schema, rows, block_rows, err);
  if (!enc) {
    fhs_rows_close(rows);
    return NULL;
  }
  enc->owns_rows = true;
  return enc;
}

static int ensure_block(fhs_encode_block *b, size_t capacity, size_t n_columns) {
  if (b->index && b->capacity == capacity && b->n_columns == n_columns) return 0;
  if (n_columns && capacity > SIZE_MAX / n_columns / sizeof *b->index) return -1;
  free(b->index);
  b->index = malloc(capacity * n_columns * sizeof *b->index);
  b->capacity = b->index ? capacity : 0;
  b->n_columns = b->index ? n_columns : 0;
  return b->index ? 0 : -1;
}

static int encode_row(fhs_encoder *enc, const fhs_csv_field *f, uint64_t line,
                      fhs_encode_block *b, size_t r, fhs_error *err) {
  char where[600];
  fhs_rows_where(enc->rows_in, line, where, sizeof where);
  const fhs_schema *s = enc->schema;
  for (size_t i = 0; i < s->n_columns; i++) {
    const fhs_csv_field *x = &f[enc->csv_col[i]];
    const fhs_strmap *labels = enc->labels[i].cap ? &enc->labels[i] : NULL;
    uint16_t idx;
    if (fhs_enc_value(&s->columns[i], labels, x->ptr, x->len, where, &idx, err)) return -1;
    b->index[i * b->capacity + r] = idx;
  }
  return 0;
}

int fhs_encoder_next(fhs_encoder *enc, fhs_encode_block *block, fhs_error *err) {
  if (enc->done) return 0;
  size_t cols = enc->schema->n_columns, cap = enc->block_rows;
  if (ensure_block(block, cap, cols)) return fhs_error_set(err, "out of memory");
  block->first_row = enc->rows;
  size_t r = 0;
  while (r < cap) {
    const fhs_csv_field *f;
    uint64_t line;
    int rc = fhs_rows_next(enc->rows_in, &f, &line, err);
    if (rc < 0) return -1;
    if (rc == 0) {
      enc->done = 1;
      break;
    }
    if (encode_row(enc, f, line, block, r, err)) return -1;
    r++;
  }
  block->n_rows = r;
  enc->rows += r;
  for (size_t i = 0; i < cols; i++)
    for (size_t k = r; k < cap; k++) block->index[i * cap + k] = FHS_ENCODE_PAD;
  return r > 0 ? 1 : 0;
}

uint64_t fhs_encoder_rows(const fhs_encoder *enc) { return enc->rows; }

void fhs_encode_block_free(fhs_encode_block *block) {
  free(block->index);
  memset(block, 0, sizeof *block);
}

void fhs_encode_indicator(const fhs_encode_block *block, size_t c, uint16_t value,
                          uint64_t *slots) {
  const uint16_t *idx = fhs_encode_block_column(block, c);
  size_t n = block->n_rows;
  for (size_t r = 0; r < n; r++) slots[r] = idx[r] == value;
  for (size_t r = n; r < block->capacity; r++) slots[r] = 0;
}
