/* Choosing a writer by extension, and the checks every writer relies on (writers.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "writers.h"

static int check_column(const fhs_table *t, size_t c, const char *where, fhs_error *err) {
  const fhs_table_column *col = &t->columns[c];
  if (!col->name || !col->name[0])
    return fhs_error_set(err, "%s: column %zu has no name", where, c + 1);
  size_t len = strlen(col->name);
  if (fhs_utf8_check((const unsigned char *)col->name, len) != len)
    return fhs_error_set(err, "%s: the name of column %zu is not valid UTF-8", where, c + 1);
  for (size_t k = 0; k < c; k++)
    if (strcmp(t->columns[k].name, col->name) == 0)
      return fhs_error_set(err, "%s: duplicate column name \"%.200s\" (columns %zu and %zu)",
                           where, col->name, k + 1, c + 1);
  bool ok = col->type == FHS_VALUE_DOUBLE   ? col->f64 != NULL
            : col->type == FHS_VALUE_STRING ? col->codes != NULL && (col->dict || !col->dict_len)
            : col->type == FHS_VALUE_INT64 || col->type == FHS_VALUE_TIMESTAMP ? col->i64 != NULL
                                                                               : false;
  if (!ok && t->n_rows > 0)
    return fhs_error_set(err, "%s: column \"%.200s\" has an unknown type or no values", where,
                         col->name);
  if (col->type != FHS_VALUE_STRING) return 0;
  for (size_t d = 0; d < col->dict_len; d++) {
    size_t n = col->dict[d] ? strlen(col->dict[d]) : 0;
    if (!col->dict[d] || fhs_utf8_check((const unsigned char *)col->dict[d], n) != n)
      return fhs_error_set(err, "%s: column \"%.200s\": label %zu is missing or not valid UTF-8",
                           where, col->name, d + 1);
  }
  if (col->dict_len > UINT32_MAX)
    return fhs_error_set(err, "%s: column \"%.200s\" has too many labels", where, col->name);
  for (size_t r = 0; r < t->n_rows; r++)
    if ((!col->valid || col->valid[r]) && col->codes[r] >= col->dict_len)
      return fhs_error_set(err, "%s: column \"%.200s\", row %zu: label code %u is outside the "
                           "dictionary (%zu labels)", where, col->name, r + 1,
                           (unsigned)col->codes[r], col->dict_len);
  return 0;
}

int fhs_table_check(const fhs_table *t, const char *where, fhs_error *err) {
  if (t->n_columns == 0 || !t->columns)
    return fhs_error_set(err, "%s: the table has no columns", where);
  for (size_t c = 0; c < t->n_columns; c++)
    if (check_column(t, c, where, err)) return -1;
  return 0;
}

static const char *extension(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *dot = strrchr(slash ? slash + 1 : path, '.');
  return dot ? dot + 1 : "";
}

int fhs_table_write(const fhs_table *t, const char *path, fhs_error *err) {
  return fhs_table_write_as(t, path, path, err);
}

int fhs_table_write_as(const fhs_table *t, const char *path, const char *format_of, fhs_error *err) {
  const char *ext = extension(format_of);
  if (!strcasecmp(ext, "csv")) return fhs_csv_write(t, path, err);
  if (!strcasecmp(ext, "jsonl") || !strcasecmp(ext, "ndjson")) return fhs_jsonl_write(t, path, err);
  if (!strcasecmp(ext, "parquet")) return fhs_parquet_write(t, path, NULL, err);
  return fhs_error_set(err,
                       "%s: unknown output format: the name must end in .csv, .jsonl, .ndjson "
                       "or .parquet", path);
}
