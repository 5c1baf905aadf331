/* encode: the owner's schema, discretization of values, and packing of rows into blocks.
 *
 * What it guarantees:
 * - A schema (SCHEMA.json, DESIGN section 9) maps every column to a domain {0, ..., d-1}:
 *   numeric and datetime columns by bin edges (value v is in bin i when
 *   bins[i] <= v < bins[i+1]; the last bin also takes its upper edge), categorical columns by
 *   the ordered label list; when the column has missing values, an empty field is index d-1.
 * - Reading a schema validates all of it; a schema in memory that came from fhs_schema_read or
 *   fhs_schema_infer is valid, and the other functions trust it.
 * - The input is a CSV or a Parquet file (fhs_rows, chosen by extension); a Parquet value is
 *   read as the text the CSV writer would print for it, so both give the same schema and rows.
 * - Inference streams the input once and keeps bounded memory per column (a sample of at most
 *   FHS_INFER_SAMPLE numeric values, at most max_categories + 1 distinct labels).
 * - The encoder streams the input and hands out blocks of S rows: for each column one uint16
 *   domain index per row. Any value the schema cannot place is an error naming file, line and
 *   column, unless the column carries an encoding policy (below); nothing is guessed.
 *
 * Origin (SCHEMA.json "origin"; DESIGN sections 2 and 6):
 * - "public": the user states the domain as public knowledge (hand-written, `fhesynth schema
 *   --columns/--domain`). A file without "origin" reads as "public": a schema someone wrote
 *   down is what they claim to know without looking at the private rows.
 * - "dp": learnt from the data with differential privacy (api_discover_schema); the file then
 *   holds "dp": {"rho": R, "delta": D}, the zCDP cost and the thresholding delta discovery
 *   spent, so an auditor sees what the domain cost. A public schema whose within-bin weights
 *   were then learnt with DP (api_refine_schema, as `run` does) becomes "dp" too, R and D
 *   being what the refinement spent (added to discovery's when both ran): its bins are public,
 *   its weights are not.
 * - "exact": learnt from the data without privacy (fhs_schema_infer, --unsafe-exact-schema).
 *   This is the zero value of fhs_schema_origin on purpose: a schema built in memory without
 *   saying where it came from is treated as data-derived, the unsafe side.
 * - There is no row count: SCHEMA.json used to hold "rows": n, an exact n that is private
 *   (add/remove-one-row neighbours). A file with "rows" is refused with a message saying to
 *   delete the key.
 *
 * Encoding policies (optional per column; when absent the strict rules above hold). They let
 * a DP or public domain encode every row of data it was not fitted to exactly:
 * - "clamp": true (numeric/datetime): a value below bins[0] encodes as bin 0, one above the
 *   last edge as the last bin, instead of an error.
 * - "other": "LABEL" (categorical): a label not in "categories" encodes as LABEL, which must
 *   itself be one of the categories (DP discovery names it "(other)").
 * - "fallback": K (any column): a domain index 0 <= K < domain size used for any field the
 *   rules above still cannot place: an empty field when "missing" is false, a field that does
 *   not parse as a number or date, a value outside the bins without clamp, an unknown label
 *   without "other". DP discovery sets K to the missing index when missing is true, else to
 *   the "(other)" category, else to the largest noisy category, or for numbers to the bin that
 *   holds the DP median. An empty field with "missing": true is always the missing index.
 * Within-bin weights (optional, numeric): "sub": {"values": [...], "weights": [...],
 * "rest": [...]}. Synthesis then draws a bin's values among the listed ones inside it, in
 * proportion to their weights, instead of uniformly over the bin; "rest" (optional, one weight
 * per bin, absent = 0) is the weight of the bin's unlisted values: with probability
 * rest / (rest + listed weights in the bin) the value is drawn uniformly over the bin instead
 * (uniformly too when the bin weighs nothing). DP discovery writes them from its noisy
 * per-integer histogram (post-processing: free); api_refine_schema (src/api/refine.c) learns
 * them with DP for the columns that have none (noisy per-integer histograms, or thresholded
 * noisy counts of exact values plus a noisy count per bin). They never change how data is
 * encoded.
 * Order of the rules for one field: empty -> missing index, else fallback; numeric/datetime
 * -> parse (else fallback) -> bin (outside: clamp, else fallback); categorical -> label, else
 * other, else fallback. Without the applicable policy, each "else" is an error as before.
 *
 * Inference rules (see infer.c and bins.c for the reasoning):
 * - Type: numeric when every non-empty field is a finite decimal number; datetime when every
 *   non-empty field is ISO 8601 (YYYY-MM-DD, YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM]);
 *   otherwise categorical. An empty field is a missing value. A column with no values at all
 *   is categorical with no categories (domain: the missing index only).
 * - Numeric/datetime with at most `bins` distinct values: one bin per value, the value being
 *   the bin's lower edge (bins [v0, v1), ..., [v_last, v_last + step]).
 * - Otherwise at most `bins` bins of roughly equal frequency; the outer edges are the exact
 *   minimum and maximum, each inner edge is the "roundest" number between two neighbouring
 *   distinct values (fewest significant digits; calendar boundaries for datetimes). A value
 *   that alone holds a large share of the rows (0 in capital-gain) gets a bin of its own.
 * - Categorical: labels ordered by frequency (descending), ties by byte order. More than
 *   max_categories distinct labels is an error: such a column is an identifier or free text,
 *   and a domain that large would cost one ciphertext per label per block. The message tells
 *   the owner to drop the column or to write a schema by hand (the encoder ignores CSV columns
 *   the schema does not list).
 *
 * Layer: encode. Uses io and jansson. */
#ifndef FHS_ENCODE_H
#define FHS_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "io.h"
#include "rows.h"

#define FHS_SCHEMA_FORMAT "fhesynth-schema"
#define FHS_SCHEMA_VERSION 1
/* Indices are uint16 and FHS_ENCODE_PAD marks padding rows, so a domain has at most 65535
 * values. */
#define FHS_DOMAIN_MAX 65535u
#define FHS_ENCODE_PAD UINT16_MAX
#define FHS_INFER_DEFAULT_BINS 16
#define FHS_INFER_DEFAULT_MAX_CATEGORIES 255
#define FHS_INFER_SAMPLE ((size_t)1 << 16)

/* ---------- schema ---------- */

typedef enum { FHS_COL_NUMERIC = 0, FHS_COL_CATEGORICAL = 1, FHS_COL_DATETIME = 2 } fhs_col_type;

typedef struct {
  char *name;
  fhs_col_type type;
  double *bins;        /* numeric/datetime: n_bins >= 2 edges, strictly increasing, finite */
  size_t n_bins;       /* number of edges (the column has n_bins - 1 bins) */
  char **categories;   /* categorical: unique non-empty labels, in domain order */
  size_t n_categories;
  bool missing;        /* an empty field is a value: the last index of the domain */
  /* encoding policies (see the top of this file); all off in a zeroed column */
  bool clamp;          /* numeric/datetime: out-of-range values go to the end bins */
  char *other;         /* categorical: unknown labels encode as this category, or NULL */
  bool has_fallback;   /* fallback below is set */
  size_t fallback;     /* index for fields nothing else places, < domain size */
  /* within-bin weights (numeric): synthesis draws a value of a bin among the sub_values inside
   * it, proportionally to sub_weights, instead of uniformly; NULL when absent */
  double *sub_values;  /* n_sub strictly increasing values inside [bins[0], bins[n_bins-1]] */
  double *sub_weights; /* n_sub finite weights >= 0 */
  size_t n_sub;
  /* with sub: per bin (n_bins - 1 entries) the weight of the values not listed, drawn
   * uniformly over the bin; NULL = 0 for every bin */
  double *sub_rest;
} fhs_column;

/* Where a schema's domain comes from. EXACT is zero: unknown means data-derived. */
typedef enum { FHS_ORIGIN_EXACT = 0, FHS_ORIGIN_PUBLIC = 1, FHS_ORIGIN_DP = 2 } fhs_schema_origin;

typedef struct {
  fhs_schema_origin origin;
  double dp_rho;   /* origin DP: zCDP rho discovery spent */
  double dp_delta; /* origin DP: delta of the thresholds (approximate zCDP part) */
  size_t n_columns;
  fhs_column *columns;
} fhs_schema;

/* "public", "dp", "exact". */
const char *fhs_schema_origin_name(fhs_schema_origin o);

/* Domain size: len(bins) - 1 or len(categories), plus 1 when missing. */
size_t fhs_schema_domain_size(const fhs_column *col);
/* The missing index (domain size - 1), or -1 when the column has no missing values. */
long fhs_schema_missing_index(const fhs_column *col);
/* "numeric", "categorical", "datetime". */
const char *fhs_col_type_name(fhs_col_type t);
/* Column index by name, or -1. */
long fhs_schema_find(const fhs_schema *s, const char *name);
/* Frees everything the schema owns and zeroes it. Safe on a zeroed schema. */
void fhs_schema_free(fhs_schema *s);
/* Checks every invariant the other functions trust. where names the file (or object) in
 * the message. Returns 0 or -1. */
int fhs_schema_validate(const fhs_schema *s, const char *where, fhs_error *err);

typedef struct {
  size_t bins;           /* maximum bins per numeric/datetime column (>= 1) */
  size_t max_categories; /* maximum distinct labels of a categorical column */
} fhs_infer_options;

/* Defaults: FHS_INFER_DEFAULT_BINS, FHS_INFER_DEFAULT_MAX_CATEGORIES. */
fhs_infer_options fhs_infer_defaults(void);

/* Infers a schema from the CSV or Parquet file at path (one streaming pass). opts may be NULL for defaults.
 * On error returns -1, *out is left zeroed. */
int fhs_schema_infer(const char *path, const fhs_infer_options *opts, fhs_schema *out,
                     fhs_error *err);

/* Loads a JSON file (duplicate keys refused); the error names the file and, when known, the
 * line. Shared by every JSON format the project reads (SCHEMA.json, STATS.json). */
struct json_t;
int fhs_json_load(const char *path, struct json_t **root, fhs_error *err);

/* Writes SCHEMA.json atomically (DESIGN section 9; one column per line). Numbers are written
 * with the fewest digits that read back to the same double. */
int fhs_schema_write(const fhs_schema *s, const char *path, fhs_error *err);
/* Reads and validates SCHEMA.json. On error returns -1, *out is left zeroed. */
int fhs_schema_read(const char *path, fhs_schema *out, fhs_error *err);

/* ---------- values ---------- */

/* Parses a whole field as a finite decimal number (surrounding ASCII spaces allowed; no hex,
 * inf or nan). Returns 0 or -1. */
int fhs_parse_number(const char *s, size_t len, double *out);
/* Parses ISO 8601 (see top of file) into seconds since 1970-01-01T00:00:00Z. A time without
 * offset is taken as UTC. Years 0000-9999. Returns 0 or -1. */
int fhs_datetime_parse(const char *s, size_t len, double *out);
/* Formats seconds since the epoch as ISO 8601 in UTC, in the shortest exact form:
 * "YYYY-MM-DD" for midnight, else "YYYY-MM-DDTHH:MM:SSZ", with ".fff" when there are
 * milliseconds (rounded to the nearest millisecond). Needs at most FHS_DATETIME_BUF bytes.
 * Returns the length written, or 0 when t is out of range (year outside 0..9999). */
#define FHS_DATETIME_BUF 32
size_t fhs_datetime_format(double t, char *buf, size_t size);

/* Domain index of one field of column col. where ("file:line") prefixes the error message:
 * "data.csv:17: column "age": value 130 is outside the schema's bins [17, 91]". */
int fhs_encode_value(const fhs_column *col, const char *field, size_t len, const char *where,
                     uint16_t *index, fhs_error *err);

/* Inverse, for synthesis. Numeric/datetime: bin index -> [*lo, *hi) (the last bin is closed);
 * returns -1 for the missing index or an index out of range. */
int fhs_schema_bin(const fhs_column *col, size_t index, double *lo, double *hi);
/* Categorical: index -> label; NULL for the missing index or an index out of range. */
const char *fhs_schema_category(const fhs_column *col, size_t index);

/* ---------- row blocks ---------- */

typedef struct {
  size_t capacity;   /* S: rows per block */
  size_t n_rows;     /* real rows in this block (1..S); rows past it hold FHS_ENCODE_PAD */
  size_t n_columns;  /* schema columns */
  uint64_t first_row; /* 0-based index of the block's first row in the data */
  uint16_t *index;   /* n_columns * capacity indices, column-major */
} fhs_encode_block;

/* Indices of column c: capacity entries. */
static inline const uint16_t *fhs_encode_block_column(const fhs_encode_block *b, size_t c) {
  return b->index + c * b->capacity;
}

typedef struct fhs_encoder fhs_encoder;

/* Binds schema columns to the reader's header by name. Every schema column must be in the
 * header; header columns the schema does not list are ignored (that is how an owner drops a
 * column). The schema and the reader must outlive the encoder. Returns NULL on error. */
fhs_encoder *fhs_encoder_create_rows(const fhs_schema *schema, fhs_rows *rows,
                                     size_t block_rows, fhs_error *err);
/* The same over an open CSV reader (kept for callers that open the CSV themselves). */
fhs_encoder *fhs_encoder_create(const fhs_schema *schema, fhs_csv_reader *reader,
                                size_t block_rows, fhs_error *err);
/* Fills *block with the next up to S rows. Zero-initialise the block before the first call:
 * its index array is allocated then and reused (free it with fhs_encode_block_free). Returns 1 when the block holds at least one row, 0 at the end
 * of the data, -1 on error. */
int fhs_encoder_next(fhs_encoder *enc, fhs_encode_block *block, fhs_error *err);
/* Rows encoded so far. */
uint64_t fhs_encoder_rows(const fhs_encoder *enc);
void fhs_encoder_free(fhs_encoder *enc);
void fhs_encode_block_free(fhs_encode_block *block);

/* slots[r] = 1 when row r of the block has value `value` in column c, else 0; padding rows
 * are 0. slots has block->capacity entries. */
void fhs_encode_indicator(const fhs_encode_block *block, size_t c, uint16_t value,
                          uint64_t *slots);

#endif
