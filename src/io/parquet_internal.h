/* Pieces of the Parquet reader and writer that are not public: the format's enum values, the
 * Thrift compact protocol, the RLE/bit-packed hybrid encoding and a growable byte buffer.
 * Numbers are those of parquet.thrift (apache/parquet-format). */
#ifndef FHS_PARQUET_INTERNAL_H
#define FHS_PARQUET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* ---------- parquet.thrift enums ---------- */

enum { PQ_BOOLEAN = 0, PQ_INT32 = 1, PQ_INT64 = 2, PQ_INT96 = 3, PQ_FLOAT = 4, PQ_DOUBLE = 5,
       PQ_BYTE_ARRAY = 6, PQ_FIXED_LEN_BYTE_ARRAY = 7 };
enum { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };
enum { PQ_CT_UTF8 = 0, PQ_CT_ENUM = 4, PQ_CT_DECIMAL = 5, PQ_CT_DATE = 6, PQ_CT_TIME_MILLIS = 7,
       PQ_CT_TIME_MICROS = 8, PQ_CT_TIMESTAMP_MILLIS = 9, PQ_CT_TIMESTAMP_MICROS = 10,
       PQ_CT_UINT_8 = 11, PQ_CT_UINT_16 = 12, PQ_CT_UINT_32 = 13, PQ_CT_UINT_64 = 14,
       PQ_CT_INT_8 = 15, PQ_CT_INT_16 = 16, PQ_CT_INT_32 = 17, PQ_CT_INT_64 = 18, PQ_CT_JSON = 19,
       PQ_CT_BSON = 20, PQ_CT_INTERVAL = 21 };
enum { PQ_PLAIN = 0, PQ_PLAIN_DICTIONARY = 2, PQ_RLE = 3, PQ_BIT_PACKED = 4,
       PQ_DELTA_BINARY_PACKED = 5, PQ_DELTA_LENGTH_BYTE_ARRAY = 6, PQ_DELTA_BYTE_ARRAY = 7,
       PQ_RLE_DICTIONARY = 8, PQ_BYTE_STREAM_SPLIT = 9 };
enum { PQ_UNCOMPRESSED = 0, PQ_SNAPPY = 1, PQ_GZIP = 2, PQ_LZO = 3, PQ_BROTLI = 4, PQ_LZ4 = 5,
       PQ_ZSTD = 6, PQ_LZ4_RAW = 7 };
enum { PQ_DATA_PAGE = 0, PQ_INDEX_PAGE = 1, PQ_DICTIONARY_PAGE = 2, PQ_DATA_PAGE_V2 = 3 };
/* LogicalType union members (field ids) */
enum { PQ_LT_STRING = 1, PQ_LT_MAP = 2, PQ_LT_LIST = 3, PQ_LT_ENUM = 4, PQ_LT_DECIMAL = 5,
       PQ_LT_DATE = 6, PQ_LT_TIME = 7, PQ_LT_TIMESTAMP = 8, PQ_LT_INTEGER = 10,
       PQ_LT_UNKNOWN = 11, PQ_LT_JSON = 12, PQ_LT_BSON = 13, PQ_LT_UUID = 14 };

const char *fhs_pq_codec_name(int codec);
const char *fhs_pq_encoding_name(int encoding);
const char *fhs_pq_type_name(int type);

/* ---------- growable byte buffer ---------- */

typedef struct {
  uint8_t *data;
  size_t len, cap;
  bool failed; /* an allocation failed: every later append is dropped */
} fhs_buf;

void fhs_buf_reserve(fhs_buf *b, size_t extra);
void fhs_buf_put(fhs_buf *b, const void *p, size_t n);
void fhs_buf_byte(fhs_buf *b, uint8_t v);
void fhs_buf_u32le(fhs_buf *b, uint32_t v);
void fhs_buf_varint(fhs_buf *b, uint64_t v);
void fhs_buf_free(fhs_buf *b);

/* ---------- Thrift compact protocol ---------- */

enum { TC_STOP = 0, TC_TRUE = 1, TC_FALSE = 2, TC_BYTE = 3, TC_I16 = 4, TC_I32 = 5, TC_I64 = 6,
       TC_DOUBLE = 7, TC_BINARY = 8, TC_LIST = 9, TC_SET = 10, TC_MAP = 11, TC_STRUCT = 12 };

/* Writer: structs nest by saving and restoring the last field id. */
#define TW_MAX_DEPTH 16
typedef struct {
  fhs_buf *out;
  int16_t last[TW_MAX_DEPTH];
  int depth;
} fhs_tw;

void fhs_tw_init(fhs_tw *w, fhs_buf *out);
void fhs_tw_i32(fhs_tw *w, int16_t id, int32_t v);
void fhs_tw_i64(fhs_tw *w, int16_t id, int64_t v);
void fhs_tw_bool(fhs_tw *w, int16_t id, bool v);
void fhs_tw_binary(fhs_tw *w, int16_t id, const void *p, size_t n);
void fhs_tw_string(fhs_tw *w, int16_t id, const char *s);
/* A struct field: begin, its fields, end. */
void fhs_tw_struct_begin(fhs_tw *w, int16_t id);
void fhs_tw_struct_end(fhs_tw *w);
/* A list field of n elements of type elem; struct elements are written with
 * fhs_tw_elem_begin/fhs_tw_struct_end, i32 elements with fhs_tw_elem_i32, strings with
 * fhs_tw_elem_string. */
void fhs_tw_list(fhs_tw *w, int16_t id, int elem, size_t n);
void fhs_tw_elem_begin(fhs_tw *w);
void fhs_tw_elem_i32(fhs_tw *w, int32_t v);
void fhs_tw_elem_string(fhs_tw *w, const char *s);
/* The final stop of the outermost struct. */
void fhs_tw_end(fhs_tw *w);

/* Reader over [p, end): every read checks the bounds; the first problem sets failed and a
 * short description, after which reads return zeros. */
#define TR_MAX_DEPTH 24
typedef struct {
  const uint8_t *p, *end;
  const char *problem; /* NULL while all is well */
  int depth;
} fhs_tr;

/* A field header: *id and *type (TC_*); type TC_STOP at the end of a struct. For booleans,
 * *type is TC_TRUE or TC_FALSE. last is the previous field id of this struct. */
int fhs_tr_field(fhs_tr *r, int16_t *last, int16_t *id, int *type);
int64_t fhs_tr_int(fhs_tr *r, int type); /* i8/i16/i32/i64 field value */
/* Binary/string: pointer into the input and its length. */
const uint8_t *fhs_tr_binary(fhs_tr *r, size_t *len);
/* List header: element type and count (count bounded by the bytes left). */
size_t fhs_tr_list(fhs_tr *r, int *elem);
bool fhs_tr_list_bool(fhs_tr *r);
void fhs_tr_skip(fhs_tr *r, int type);
void fhs_tr_fail(fhs_tr *r, const char *problem);
/* Reads one struct field by field: f(r, ctx, id, type) reads the fields it knows and returns
 * 1 for the others, which are skipped. */
typedef int (*fhs_tr_field_fn)(fhs_tr *r, void *ctx, int16_t id, int type);
void fhs_tr_struct(fhs_tr *r, void *ctx, fhs_tr_field_fn f);

/* ---------- RLE / bit-packed hybrid ---------- */

/* Appends the hybrid encoding of v[0..n) with bit width w (1..32), without length prefix. */
void fhs_rle_encode(fhs_buf *out, const uint32_t *v, size_t n, int w);
/* Same for a byte array (definition levels), w = 1. */
void fhs_rle_encode_u8(fhs_buf *out, const uint8_t *v, size_t n);
/* Decodes exactly n values of width w (0..32) from [p, end) into out. Returns 0, or -1 when
 * the input ends early or is malformed. */
int fhs_rle_decode(const uint8_t *p, const uint8_t *end, int w, uint32_t *out, size_t n);

/* ---------- footer (FileMetaData), as the reader needs it ---------- */

/* How a column's values become text. */
typedef enum { PQ_K_BOOL, PQ_K_INT32, PQ_K_UINT32, PQ_K_INT64, PQ_K_UINT64, PQ_K_FLOAT,
               PQ_K_DOUBLE, PQ_K_STRING, PQ_K_DATE, PQ_K_TIMESTAMP } pq_kind;

typedef struct {
  char *name;
  int type;       /* PQ_BOOLEAN.. */
  int repetition; /* PQ_REQUIRED, PQ_OPTIONAL */
  pq_kind kind;
  int ts_digits;  /* timestamps: 3 millis, 6 micros, 9 nanos */
  bool ts_utc;
} pq_column;

typedef struct {
  int64_t start, size; /* bytes of the chunk in the file (dictionary page first) */
  int codec;
  int64_t num_values;
} pq_chunk;

typedef struct {
  int64_t rows;
  pq_chunk *chunks; /* n_columns */
} pq_group;

typedef struct {
  size_t n_columns;
  pq_column *columns;
  size_t n_groups;
  pq_group *groups;
  int64_t rows;
} pq_meta;

/* Parses the footer bytes [p, p + n) of a file whose data ends at data_end (where the footer
 * starts). On error returns -1 with "problem" text in err (no path: the caller adds it). */
int fhs_pq_meta_parse(const uint8_t *p, size_t n, int64_t data_end, pq_meta *m, fhs_error *err);
void fhs_pq_meta_free(pq_meta *m);

#endif
