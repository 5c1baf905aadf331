/* Parquet footer (FileMetaData) -> pq_meta: the flat schema, how each column prints, and where
 * each column chunk lies. Everything a later step trusts is checked here: one leaf per column
 * under the root, no groups or repeated fields, chunk ranges inside the data part of the file,
 * row counts within FHS_PARQUET_MAX_GROUP_ROWS. Fields the reader does not need are skipped. */
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "parquet.h"
#include "parquet_internal.h"

/* A schema element as read, before it becomes a pq_column. */
typedef struct {
  int type, type_length, repetition, converted;
  int64_t num_children;
  char *name;
  int lt;        /* LogicalType member, 0 when absent */
  int lt_unit;   /* TIMESTAMP/TIME: 1 millis, 2 micros, 3 nanos */
  bool lt_utc, lt_signed;
} schema_el;

static int32_t get_i32(fhs_tr *r, int type) {
  if (type != TC_I32 && type != TC_I16 && type != TC_BYTE) {
    fhs_tr_fail(r, "Thrift field has the wrong type");
    return 0;
  }
  return (int32_t)fhs_tr_int(r, type);
}

static int64_t get_i64(fhs_tr *r, int type) {
  if (type != TC_I64 && type != TC_I32) {
    fhs_tr_fail(r, "Thrift field has the wrong type");
    return 0;
  }
  return fhs_tr_int(r, type);
}

/* ---------- LogicalType ---------- */

static int time_unit_field(fhs_tr *r, void *ctx, int16_t id, int type) {
  if (type != TC_STRUCT) return 1;
  *(int *)ctx = id; /* MILLIS = 1, MICROS = 2, NANOS = 3 */
  fhs_tr_skip(r, type);
  return 0;
}

static int timestamp_field(fhs_tr *r, void *ctx, int16_t id, int type) {
  schema_el *e = ctx;
  if (id == 1 && (type == TC_TRUE || type == TC_FALSE)) {
    e->lt_utc = type == TC_TRUE;
    return 0;
  }
  if (id == 2 && type == TC_STRUCT) {
    fhs_tr_struct(r, &e->lt_unit, time_unit_field);
    return 0;
  }
  return 1;
}

static int integer_field(fhs_tr *r, void *ctx, int16_t id, int type) {
  schema_el *e = ctx;
  if (id == 2 && (type == TC_TRUE || type == TC_FALSE)) {
    e->lt_signed = type == TC_TRUE;
    return 0;
  }
  return 1;
}

static int logical_field(fhs_tr *r, void *ctx, int16_t id, int type) {
  schema_el *e = ctx;
  if (type != TC_STRUCT) return 1;
  e->lt = id;
  if (id == PQ_LT_TIMESTAMP || id == PQ_LT_TIME)
    fhs_tr_struct(r, e, timestamp_field);
  else if (id == PQ_LT_INTEGER)
    fhs_tr_struct(r, e, integer_field);
  else
    fhs_tr_skip(r, type);
  return 0;
}

/* ---------- SchemaElement ---------- */

static int schema_field(fhs_tr *r, void *ctx, int16_t id, int type) {
  schema_el *e = ctx;
  size_t len;
  const uint8_t *s;
  switch (id) {
    case 1: e->type = get_i32(r, type); return 0;
    case 2: e->type_length = get_i32(r, type); return 0;
    case 3: e->repetition = get_i32(r, type); return 0;
    case 4:
      if (type != TC_BINARY) return 1;
      s = fhs_tr_binary(r, &len);
      if (s && !e->name) {
        e->name = malloc(len + 1);
        if (!e->name) {
          fhs_tr_fail(r, "out of memory");
          return 0;
        }
        memcpy(e->name, s, len);
        e->name[len] = '\0';
        if (memchr(s, 0, len) || fhs_utf8_check(s, len) != len)
          fhs_tr_fail(r, "a column name is not valid UTF-8");
      }
      return 0;
    case 5: e->num_children = get_i32(r, type); return 0;
    case 6: e->converted = get_i32(r, type); return 0;
    case 10:
      if (type != TC_STRUCT) return 1;
      fhs_tr_struct(r, e, logical_field);
      return 0;
    default: return 1;
  }
}

/* ---------- ColumnChunk / RowGroup ---------- */

typedef struct {
  pq_chunk c;
  int64_t data_offset, dict_offset;
  bool has_meta, external;
} chunk_read;

static int column_meta_field(fhs_tr *r, void *ctx, int16_t id, int type) {
  chunk_read *c = ctx;
  switch (id) {
    case 4: c->c.codec = get_i32(r, type); return 0;
    case 5: c->c.num_values = get_i64(r, type); return 0;
    case 7: c->c.size = get_i64(r, type); return 0;
    case 9: c->data_offset = get_i64(r, type); return 0;
    case 11: c->dict_offset = get_i64(r, type); return 0;
    default: return 1;
  }
}

static int column_chunk_field(fhs_tr *r, void *ctx, int16_t id, int type) {
  chunk_read *c = ctx;
  if (id == 1 && type == TC_BINARY) {
    c->external = true;
    return 1;
  }
  if (id == 3 && type == TC_STRUCT) {
    c->has_meta = true;
    fhs_tr_struct(r, c, column_meta_field);
    return 0;
  }
  return 1;
}

typedef struct {
  pq_group *g;
  size_t n_columns;
  fhs_error *err;
  int bad; /* a semantic problem, already in err */
  size_t index;
  int64_t data_end;
} group_read;

static int check_chunk(group_read *gr, size_t c, chunk_read *cr) {
  if (cr->external || !cr->has_meta)
    return fhs_error_set(gr->err, "row group %zu, column %zu: %s", gr->index + 1, c + 1,
                         cr->external ? "the data is in another file, which is not supported"
                                      : "no column metadata");
  int64_t start = cr->data_offset;
  if (cr->dict_offset > 0 && cr->dict_offset < start) start = cr->dict_offset;
  if (start < 4 || cr->c.size <= 0 || cr->c.size > gr->data_end - start)
    return fhs_error_set(gr->err,
                         "row group %zu, column %zu: column chunk (offset %lld, %lld bytes) "
                         "lies outside the data of the file",
                         gr->index + 1, c + 1, (long long)start, (long long)cr->c.size);
  cr->c.start = start;
  return 0;
}

static int row_group_field(fhs_tr *r, void *ctx, int16_t id, int type) {
  group_read *gr = ctx;
  if (id == 3) {
    gr->g->rows = get_i64(r, type);
    return 0;
  }
  if (id != 1 || type != TC_LIST) return 1;
  int elem;
  size_t n = fhs_tr_list(r, &elem);
  if (r->problem) return 0;
  if (elem != TC_STRUCT || n != gr->n_columns) {
    if (!gr->bad)
      gr->bad = fhs_error_set(gr->err, "row group %zu has %zu column chunks, the schema %zu "
                              "columns", gr->index + 1, n, gr->n_columns);
    fhs_tr_fail(r, "schema mismatch");
    return 0;
  }
  for (size_t c = 0; c < n && !r->problem; c++) {
    chunk_read cr = {{0, 0, -1, -1}, -1, -1, false, false};
    fhs_tr_struct(r, &cr, column_chunk_field);
    if (r->problem) return 0;
    if (check_chunk(gr, c, &cr)) {
      gr->bad = -1;
      fhs_tr_fail(r, "bad column chunk");
      return 0;
    }
    gr->g->chunks[c] = cr.c;
  }
  return 0;
}

/* ---------- FileMetaData ---------- */

typedef struct {
  pq_meta *m;
  schema_el *els;
  size_t n_els;
  int64_t data_end;
  fhs_error *err;
  int bad;
} file_read;

static int read_schema(fhs_tr *r, file_read *fr) {
  int elem;
  size_t n = fhs_tr_list(r, &elem);
  if (r->problem || fr->els) return 0;
  if (elem != TC_STRUCT) {
    fhs_tr_fail(r, "the schema is not a list of structs");
    return 0;
  }
  fr->els = calloc(n ? n : 1, sizeof *fr->els);
  if (!fr->els) {
    fhs_tr_fail(r, "out of memory");
    return 0;
  }
  for (size_t i = 0; i < n && !r->problem; i++) {
    fr->els[i].type = fr->els[i].converted = -1;
    fr->els[i].repetition = PQ_REQUIRED;
    fr->n_els = i + 1;
    fhs_tr_struct(r, &fr->els[i], schema_field);
  }
  return 0;
}

static int read_groups(fhs_tr *r, file_read *fr) {
  int elem;
  size_t n = fhs_tr_list(r, &elem);
  pq_meta *m = fr->m;
  if (r->problem || m->groups) return 0;
  if (elem != TC_STRUCT || m->n_columns == 0) {
    if (m->n_columns == 0 && n > 0 && !fr->bad)
      fr->bad = fhs_error_set(fr->err, "the row groups come before the schema");
    fhs_tr_fail(r, "bad row group list");
    return 0;
  }
  m->groups = calloc(n ? n : 1, sizeof *m->groups);
  if (!m->groups) {
    fhs_tr_fail(r, "out of memory");
    return 0;
  }
  for (size_t i = 0; i < n && !r->problem; i++) {
    m->n_groups = i + 1;
    pq_group *g = &m->groups[i];
    g->rows = -1;
    g->chunks = calloc(m->n_columns, sizeof *g->chunks);
    if (!g->chunks) {
      fhs_tr_fail(r, "out of memory");
      return 0;
    }
    group_read gr = {g, m->n_columns, fr->err, 0, i, fr->data_end};
    fhs_tr_struct(r, &gr, row_group_field);
    if (gr.bad) fr->bad = -1;
  }
  return 0;
}

/* How a leaf prints, from its physical type and annotations (the logical type wins over the
 * converted type when both are present). -1 with a message when it cannot be read. */
static int kind_of(const schema_el *e, pq_column *col, fhs_error *err) {
  int ct = e->converted, lt = e->lt;
  const char *what = NULL;
  bool decimal = lt == PQ_LT_DECIMAL || ct == PQ_CT_DECIMAL;
  bool time = lt == PQ_LT_TIME || ct == PQ_CT_TIME_MILLIS || ct == PQ_CT_TIME_MICROS;
  bool uint = lt == PQ_LT_INTEGER ? !e->lt_signed : ct >= PQ_CT_UINT_8 && ct <= PQ_CT_UINT_64;
  col->ts_digits = 3;
  col->ts_utc = true;
  switch (e->type) {
    case PQ_BOOLEAN: col->kind = PQ_K_BOOL; break;
    case PQ_INT32:
      if (decimal || time) what = decimal ? "DECIMAL" : "TIME";
      col->kind = lt == PQ_LT_DATE || ct == PQ_CT_DATE ? PQ_K_DATE : uint ? PQ_K_UINT32 : PQ_K_INT32;
      break;
    case PQ_INT64:
      if (decimal || time) what = decimal ? "DECIMAL" : "TIME";
      col->kind = uint ? PQ_K_UINT64 : PQ_K_INT64;
      if (lt == PQ_LT_TIMESTAMP) {
        col->kind = PQ_K_TIMESTAMP;
        col->ts_digits = e->lt_unit == 2 ? 6 : e->lt_unit == 3 ? 9 : 3;
        col->ts_utc = e->lt_utc;
        if (e->lt_unit < 1 || e->lt_unit > 3) what = "TIMESTAMP of an unknown unit";
      } else if (ct == PQ_CT_TIMESTAMP_MILLIS || ct == PQ_CT_TIMESTAMP_MICROS) {
        col->kind = PQ_K_TIMESTAMP;
        col->ts_digits = ct == PQ_CT_TIMESTAMP_MILLIS ? 3 : 6;
      }
      break;
    case PQ_FLOAT: col->kind = PQ_K_FLOAT; break;
    case PQ_DOUBLE: col->kind = PQ_K_DOUBLE; break;
    case PQ_BYTE_ARRAY:
      if (decimal || lt == PQ_LT_BSON || ct == PQ_CT_BSON) what = decimal ? "DECIMAL" : "BSON";
      col->kind = PQ_K_STRING;
      break;
    default:
      return fhs_error_set(err, "column \"%.200s\": physical type %s is not supported", e->name,
                           fhs_pq_type_name(e->type));
  }
  if (what)
    return fhs_error_set(err, "column \"%.200s\": %s values are not supported", e->name, what);
  return 0;
}

static int build_column(file_read *fr, size_t i) {
  const schema_el *e = &fr->els[i + 1];
  pq_column *col = &fr->m->columns[i];
  const char *name = e->name ? e->name : "";
  if (e->num_children > 0 || e->type < 0)
    return fhs_error_set(fr->err, "column \"%.200s\" is a group (a nested schema), which is not "
                         "supported: only flat tables can be read", name);
  if (e->repetition == PQ_REPEATED)
    return fhs_error_set(fr->err, "column \"%.200s\" is repeated (a list), which is not "
                         "supported: only flat tables can be read", name);
  if (e->repetition != PQ_REQUIRED && e->repetition != PQ_OPTIONAL)
    return fhs_error_set(fr->err, "column \"%.200s\" has an unknown repetition type %d", name,
                         e->repetition);
  if (!name[0]) return fhs_error_set(fr->err, "column %zu has an empty name", i + 1);
  for (size_t k = 0; k < i; k++)
    if (!strcmp(fr->m->columns[k].name, name))
      return fhs_error_set(fr->err, "duplicate column name \"%.200s\" (columns %zu and %zu)", name,
                           k + 1, i + 1);
  col->type = e->type;
  col->repetition = e->repetition;
  col->name = strdup(name);
  if (!col->name) return fhs_error_set(fr->err, "out of memory");
  return kind_of(e, col, fr->err);
}

static int build_columns(file_read *fr) {
  if (fr->n_els == 0) return fhs_error_set(fr->err, "the schema is empty");
  int64_t n = fr->els[0].num_children;
  if (n <= 0) return fhs_error_set(fr->err, "the schema has no columns");
  for (size_t i = 1; i < fr->n_els; i++)
    if (fr->els[i].num_children > 0)
      return fhs_error_set(fr->err, "column \"%.200s\" is a group (a nested schema), which is "
                           "not supported: only flat tables can be read",
                           fr->els[i].name ? fr->els[i].name : "");
  if ((uint64_t)n != fr->n_els - 1)
    return fhs_error_set(fr->err, "the schema root has %lld children but %zu columns follow",
                         (long long)n, fr->n_els - 1);
  fr->m->columns = calloc((size_t)n, sizeof *fr->m->columns);
  if (!fr->m->columns) return fhs_error_set(fr->err, "out of memory");
  fr->m->n_columns = (size_t)n;
  for (size_t i = 0; i < (size_t)n; i++)
    if (build_column(fr, i)) return -1;
  return 0;
}

static int file_field(fhs_tr *r, void *ctx, int16_t id, int type) {
  file_read *fr = ctx;
  if (id == 2 && type == TC_LIST) {
    if (fr->els) return 1;
    read_schema(r, fr);
    if (!r->problem && build_columns(fr)) {
      fr->bad = -1;
      fhs_tr_fail(r, "bad schema");
    }
    return 0;
  }
  if (id == 3) {
    fr->m->rows = get_i64(r, type);
    return 0;
  }
  if (id == 4 && type == TC_LIST) {
    read_groups(r, fr);
    return 0;
  }
  return 1;
}

static int check_groups(const pq_meta *m, fhs_error *err) {
  for (size_t g = 0; g < m->n_groups; g++) {
    const pq_group *grp = &m->groups[g];
    if (grp->rows < 0 || (uint64_t)grp->rows > FHS_PARQUET_MAX_GROUP_ROWS)
      return fhs_error_set(err, "row group %zu has %lld rows (at most %llu are supported)", g + 1,
                           (long long)grp->rows, (unsigned long long)FHS_PARQUET_MAX_GROUP_ROWS);
    for (size_t c = 0; c < m->n_columns; c++)
      if (grp->chunks[c].num_values != grp->rows)
        return fhs_error_set(err, "row group %zu, column \"%.200s\": %lld values for %lld rows",
                             g + 1, m->columns[c].name, (long long)grp->chunks[c].num_values,
                             (long long)grp->rows);
  }
  return 0;
}

int fhs_pq_meta_parse(const uint8_t *p, size_t n, int64_t data_end, pq_meta *m, fhs_error *err) {
  memset(m, 0, sizeof *m);
  m->rows = -1;
  file_read fr = {m, NULL, 0, data_end, err, 0};
  fhs_tr r = {p, p + n, NULL, 0};
  fhs_tr_struct(&r, &fr, file_field);
  int rc = 0;
  if (fr.bad)
    rc = -1;
  else if (r.problem)
    rc = fhs_error_set(err, "malformed file metadata (%s)", r.problem);
  else if (!fr.els)
    rc = fhs_error_set(err, "the file metadata has no schema");
  else if (m->rows < 0)
    rc = fhs_error_set(err, "the file metadata has no row count");
  else
    rc = check_groups(m, err);
  for (size_t i = 0; i < fr.n_els; i++) free(fr.els[i].name);
  free(fr.els);
  if (rc) fhs_pq_meta_free(m);
  return rc;
}

void fhs_pq_meta_free(pq_meta *m) {
  for (size_t i = 0; m->columns && i < m->n_columns; i++) free(m->columns[i].name);
  free(m->columns);
  for (size_t g = 0; m->groups && g < m->n_groups; g++) free(m->groups[g].chunks);
  free(m->groups);
  memset(m, 0, sizeof *m);
}
