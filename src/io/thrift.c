/* Thrift compact protocol, the encoding of every Parquet header and of the file footer.
 * Only what Parquet uses: structs, i32/i64 (zigzag varints), booleans, binary, lists.
 * The reader never trusts a length: each one is checked against the bytes left, nesting is
 * bounded (a crafted file cannot exhaust the stack), and the first problem is sticky. */
#include <string.h>

#include "parquet_internal.h"

/* ---------- writer ---------- */

static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

void fhs_tw_init(fhs_tw *w, fhs_buf *out) {
  memset(w, 0, sizeof *w);
  w->out = out;
}

static void field_header(fhs_tw *w, int16_t id, int type) {
  int16_t delta = (int16_t)(id - w->last[w->depth]);
  if (delta > 0 && delta <= 15) {
    fhs_buf_byte(w->out, (uint8_t)(delta << 4 | type));
  } else {
    fhs_buf_byte(w->out, (uint8_t)type);
    fhs_buf_varint(w->out, zigzag(id));
  }
  w->last[w->depth] = id;
}

void fhs_tw_i32(fhs_tw *w, int16_t id, int32_t v) {
  field_header(w, id, TC_I32);
  fhs_buf_varint(w->out, zigzag(v));
}

void fhs_tw_i64(fhs_tw *w, int16_t id, int64_t v) {
  field_header(w, id, TC_I64);
  fhs_buf_varint(w->out, zigzag(v));
}

void fhs_tw_bool(fhs_tw *w, int16_t id, bool v) { field_header(w, id, v ? TC_TRUE : TC_FALSE); }

void fhs_tw_binary(fhs_tw *w, int16_t id, const void *p, size_t n) {
  field_header(w, id, TC_BINARY);
  fhs_buf_varint(w->out, n);
  fhs_buf_put(w->out, p, n);
}

void fhs_tw_string(fhs_tw *w, int16_t id, const char *s) { fhs_tw_binary(w, id, s, strlen(s)); }

static void push(fhs_tw *w) {
  if (w->depth + 1 < TW_MAX_DEPTH) w->depth++;
  w->last[w->depth] = 0;
}

void fhs_tw_struct_begin(fhs_tw *w, int16_t id) {
  field_header(w, id, TC_STRUCT);
  push(w);
}

void fhs_tw_struct_end(fhs_tw *w) {
  fhs_buf_byte(w->out, TC_STOP);
  if (w->depth > 0) w->depth--;
}

void fhs_tw_list(fhs_tw *w, int16_t id, int elem, size_t n) {
  field_header(w, id, TC_LIST);
  if (n < 15) {
    fhs_buf_byte(w->out, (uint8_t)(n << 4 | (size_t)elem));
  } else {
    fhs_buf_byte(w->out, (uint8_t)(0xF0 | elem));
    fhs_buf_varint(w->out, n);
  }
}

void fhs_tw_elem_begin(fhs_tw *w) { push(w); }

void fhs_tw_elem_i32(fhs_tw *w, int32_t v) { fhs_buf_varint(w->out, zigzag(v)); }

void fhs_tw_elem_string(fhs_tw *w, const char *s) {
  size_t n = strlen(s);
  fhs_buf_varint(w->out, n);
  fhs_buf_put(w->out, s, n);
}

void fhs_tw_end(fhs_tw *w) { fhs_buf_byte(w->out, TC_STOP); }

/* ---------- reader ---------- */

void fhs_tr_fail(fhs_tr *r, const char *problem) {
  if (!r->problem) r->problem = problem;
  r->p = r->end;
}

static uint8_t read_byte(fhs_tr *r) {
  if (r->p >= r->end) {
    fhs_tr_fail(r, "truncated Thrift data");
    return 0;
  }
  return *r->p++;
}

static uint64_t read_varint(fhs_tr *r) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    uint8_t b = read_byte(r);
    if (r->problem) return 0;
    if (shift == 63 && b > 1) break;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  fhs_tr_fail(r, "malformed Thrift varint");
  return 0;
}

static int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

int fhs_tr_field(fhs_tr *r, int16_t *last, int16_t *id, int *type) {
  uint8_t b = read_byte(r);
  if (r->problem) {
    *type = TC_STOP;
    return -1;
  }
  *type = b & 0x0f;
  if (*type == TC_STOP) return 0;
  int delta = b >> 4;
  if (delta) {
    *id = (int16_t)(*last + delta);
  } else {
    int64_t v = unzigzag(read_varint(r));
    if (v < INT16_MIN || v > INT16_MAX) fhs_tr_fail(r, "Thrift field id out of range");
    *id = (int16_t)v;
  }
  if (*type > TC_STRUCT) fhs_tr_fail(r, "unknown Thrift field type");
  if (r->problem) {
    *type = TC_STOP;
    return -1;
  }
  *last = *id;
  return 0;
}

int64_t fhs_tr_int(fhs_tr *r, int type) {
  if (type == TC_BYTE) return (int8_t)read_byte(r);
  if (type == TC_I16 || type == TC_I32 || type == TC_I64) {
    int64_t v = unzigzag(read_varint(r));
    if ((type == TC_I32 && (v < INT32_MIN || v > INT32_MAX)) ||
        (type == TC_I16 && (v < INT16_MIN || v > INT16_MAX)))
      fhs_tr_fail(r, "Thrift integer out of range");
    return r->problem ? 0 : v;
  }
  fhs_tr_fail(r, "Thrift field has the wrong type");
  return 0;
}

const uint8_t *fhs_tr_binary(fhs_tr *r, size_t *len) {
  uint64_t n = read_varint(r);
  if (r->problem || n > (uint64_t)(r->end - r->p)) {
    fhs_tr_fail(r, "Thrift string runs past the end of its data");
    *len = 0;
    return NULL;
  }
  const uint8_t *p = r->p;
  r->p += n;
  *len = (size_t)n;
  return p;
}

size_t fhs_tr_list(fhs_tr *r, int *elem) {
  uint8_t b = read_byte(r);
  uint64_t n = b >> 4;
  *elem = b & 0x0f;
  if (n == 15) n = read_varint(r);
  /* every element takes at least one byte (booleans too, in lists) */
  if (r->problem || n > (uint64_t)(r->end - r->p)) {
    fhs_tr_fail(r, "Thrift list is longer than its data");
    return 0;
  }
  return (size_t)n;
}

bool fhs_tr_list_bool(fhs_tr *r) { return read_byte(r) == TC_TRUE; }

static void skip_struct(fhs_tr *r) {
  if (++r->depth > TR_MAX_DEPTH) {
    fhs_tr_fail(r, "Thrift structures nested too deeply");
    return;
  }
  int16_t last = 0, id;
  int type;
  while (fhs_tr_field(r, &last, &id, &type) == 0 && type != TC_STOP) fhs_tr_skip(r, type);
  r->depth--;
}

void fhs_tr_skip(fhs_tr *r, int type) {
  size_t len;
  int elem;
  switch (type) {
    case TC_TRUE:
    case TC_FALSE: return; /* the value is in the field header */
    case TC_BYTE: read_byte(r); return;
    case TC_I16:
    case TC_I32:
    case TC_I64: read_varint(r); return;
    case TC_DOUBLE:
      if (r->end - r->p < 8) fhs_tr_fail(r, "truncated Thrift data");
      else r->p += 8;
      return;
    case TC_BINARY: fhs_tr_binary(r, &len); return;
    case TC_LIST:
    case TC_SET: {
      size_t n = fhs_tr_list(r, &elem);
      if (++r->depth > TR_MAX_DEPTH) {
        fhs_tr_fail(r, "Thrift structures nested too deeply");
        return;
      }
      for (size_t i = 0; i < n && !r->problem; i++)
        if (elem == TC_TRUE || elem == TC_FALSE) read_byte(r);
        else fhs_tr_skip(r, elem);
      r->depth--;
      return;
    }
    case TC_MAP: {
      uint64_t n = read_varint(r);
      if (n == 0) return;
      uint8_t kv = read_byte(r);
      if (n > (uint64_t)(r->end - r->p)) {
        fhs_tr_fail(r, "Thrift map is longer than its data");
        return;
      }
      if (++r->depth > TR_MAX_DEPTH) {
        fhs_tr_fail(r, "Thrift structures nested too deeply");
        return;
      }
      for (uint64_t i = 0; i < n && !r->problem; i++) {
        fhs_tr_skip(r, kv >> 4);
        fhs_tr_skip(r, kv & 0x0f);
      }
      r->depth--;
      return;
    }
    case TC_STRUCT: skip_struct(r); return;
    default: fhs_tr_fail(r, "unknown Thrift type");
  }
}

void fhs_tr_struct(fhs_tr *r, void *ctx, fhs_tr_field_fn f) {
  if (++r->depth > TR_MAX_DEPTH) {
    fhs_tr_fail(r, "Thrift structures nested too deeply");
    return;
  }
  int16_t last = 0, id;
  int type;
  while (fhs_tr_field(r, &last, &id, &type) == 0 && type != TC_STOP)
    if (f(r, ctx, id, type)) fhs_tr_skip(r, type);
  r->depth--;
}
