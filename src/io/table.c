/* Releasing a table: every pointer is owned (table.h). */
#include "table.h"

#include <stdlib.h>

void fhs_table_free(fhs_table *t) {
  if (!t) return;
  for (size_t c = 0; c < t->n_columns; c++) {
    fhs_table_column *col = &t->columns[c];
    free(col->name);
    free(col->i64);
    free(col->f64);
    free(col->codes);
    for (size_t d = 0; d < col->dict_len; d++) free(col->dict[d]);
    free(col->dict);
    free(col->valid);
  }
  free(t->columns);
  t->columns = NULL;
  t->n_columns = t->n_rows = 0;
}
