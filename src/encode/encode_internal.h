/* Helpers shared by the encode sources; not part of the public API. */
#ifndef FHS_ENCODE_INTERNAL_H
#define FHS_ENCODE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "encode.h"

/* ---------- string -> (count, index) hash map (open addressing, FNV-1a) ---------- */

typedef struct {
  char *key; /* NUL-terminated copy; NULL marks an empty slot */
  size_t len;
  uint64_t count;
  size_t index;
} fhs_strmap_entry;

typedef struct {
  fhs_strmap_entry *slots;
  size_t cap; /* power of two */
  size_t n;
} fhs_strmap;

int fhs_strmap_init(fhs_strmap *m, size_t expected);
fhs_strmap_entry *fhs_strmap_find(const fhs_strmap *m, const char *key, size_t len);
/* Finds or adds key (count 0, index 0 when new). NULL when out of memory. */
fhs_strmap_entry *fhs_strmap_insert(fhs_strmap *m, const char *key, size_t len);
void fhs_strmap_free(fhs_strmap *m);

/* ---------- text ---------- */

/* Shortest "%.{15,16,17}g" text of a finite v that reads back as v. buf >= 32 bytes. */
void fhs_enc_format_double(double v, char *buf, size_t size);
/* A field or name made safe for a one-line message: control characters escaped, cut to
 * about 60 bytes (on a UTF-8 boundary) with "..." appended. buf >= 80 bytes. */
void fhs_enc_quote(const char *s, size_t len, char *buf, size_t size);
/* Writes a bin edge of col as text: a number, or ISO 8601 for datetime columns. */
void fhs_enc_format_edge(const fhs_column *col, double v, char *buf, size_t size);

/* ---------- dates ---------- */

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms). */
int64_t fhs_days_from_civil(int64_t y, unsigned m, unsigned d);
void fhs_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* ---------- bins ---------- */

/* The "roundest" x with a < x <= b: a multiple of the largest power-of-ten step (and 5, 2
 * times a power of ten) that fits. Datetime columns prefer calendar boundaries (century,
 * decade, year, month, day, hour, minute, second). Requires a < b. */
double fhs_enc_nicest(double a, double b, bool datetime);

/* One bin per distinct value: edges v[0..m), then v[m-1] + step. m >= 1, v increasing. */
int fhs_enc_bins_per_value(const double *v, size_t m, bool datetime, double **edges,
                           size_t *n_edges);
/* At most max_bins equal-frequency bins from a sorted sample, outer edges min and max
 * (min < max). */
int fhs_enc_bins_quantile(const double *sorted, size_t n, double min, double max,
                          size_t max_bins, bool datetime, double **edges, size_t *n_edges);

/* ---------- values ---------- */

/* Domain index of a field; labels, when not NULL, maps a categorical label to its index
 * (else the category list is searched). */
int fhs_enc_value(const fhs_column *col, const fhs_strmap *labels, const char *field,
                  size_t len, const char *where, uint16_t *index, fhs_error *err);
/* Builds the label -> index map of a categorical column. */
int fhs_enc_label_map(const fhs_column *col, fhs_strmap *m);

#endif
