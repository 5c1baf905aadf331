/* Work estimates (estimate.h). The constants are measurements, good to a factor of 2: they
 * decide whether a job would run for hours, not how long it takes. */
#include "estimate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "parquet.h"

/* Measured on Adult (bench_stats): 15,515 counts over 6 blocks of 8192 rows in about 9 s on
 * 2 cores, i.e. about 0.1 ms per count and block; products of three cost about half more, and
 * a ring twice as large twice as much. */
#define FIT_SECONDS_PER_COUNT_BLOCK 1e-4
/* Measured on Adult with its public schema: 1,146 indicator ciphertexts (6 blocks x 191
 * indicators) in about 1.1 s on 2 cores, CSV parsing included. */
#define ENCRYPT_SECONDS_PER_CIPHERTEXT 1e-3

/* jobs estimated shorter get no estimate line */
#define NOTE_SECONDS 30

double api_max_minutes(double given) { return given > 0 ? given : 60; }

double api_fit_seconds(const uint32_t *domain, const fhs_marginal_list *list, uint64_t n_blocks, size_t ring,
                       uint64_t *counts) {
  double s = 0;
  *counts = 0;
  for (size_t i = 0; i < list->count; i++) {
    const fhs_marginal_spec *m = &list->m[i];
    uint64_t c = m->n_cols == 1 ? domain[m->cols[0]] : 1;
    for (size_t j = 0; m->n_cols > 1 && j < m->n_cols; j++) c *= domain[m->cols[j]] - 1;
    *counts += c;
    s += (double)c * (m->n_cols == 3 ? 1.5 : 1.0);
  }
  return s * (double)n_blocks * FIT_SECONDS_PER_COUNT_BLOCK * ((double)ring / 8192.0);
}

static fhs_status csv_rows_bound(const char *input, uint64_t *rows) {
  FILE *f = fopen(input, "rb");
  if (!f) return api_fail(FHS_ERR_IO, "%s: cannot open: %s", input, strerror(errno));
  enum { BUF = 1 << 16 };
  char *buf = malloc(BUF);
  if (!buf) {
    fclose(f);
    return api_fail(FHS_ERR_NOMEM, "out of memory");
  }
  uint64_t lines = 0;
  int last = '\n';
  size_t n;
  while ((n = fread(buf, 1, BUF, f)) > 0) {
    for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL; p++) lines++;
    last = buf[n - 1];
  }
  int bad = ferror(f);
  fclose(f);
  free(buf);
  if (bad) return api_fail(FHS_ERR_IO, "%s: read error", input);
  if (last != '\n') lines++; /* a last line without its line break */
  *rows = lines > 0 ? lines - 1 : 0;
  return FHS_OK;
}

fhs_status api_input_rows_bound(const char *input, uint64_t *rows) {
  size_t len = strlen(input);
  if (len < 8 || strcmp(input + len - 8, ".parquet") != 0) return csv_rows_bound(input, rows);
  fhs_error err = {{0}};
  fhs_parquet_reader *r = fhs_parquet_open(input, &err);
  if (!r) return api_fail_err(&err);
  *rows = fhs_parquet_n_rows(r);
  fhs_parquet_close(r);
  return FHS_OK;
}

fhs_status api_encrypt_work_check(const char *input, const fhs_schema *schema, size_t ring,
                                  const fhs_encrypt_options *o) {
  uint64_t rows = 0;
  fhs_status s = api_input_rows_bound(input, &rows);
  if (s != FHS_OK) return s;
  uint64_t blocks = rows / ring + (rows % ring != 0), indicators = 0;
  if (blocks == 0) blocks = 1;
  uint32_t *domain = calloc(schema->n_columns ? schema->n_columns : 1, sizeof *domain);
  if (!domain) return api_fail(FHS_ERR_NOMEM, "out of memory");
  for (size_t c = 0; c < schema->n_columns; c++) indicators += domain[c] = (uint32_t)fhs_schema_domain_size(&schema->columns[c]);
  double enc = (double)(indicators * blocks) * ENCRYPT_SECONDS_PER_CIPHERTEXT * ((double)ring / 8192.0), fit = 0;
  uint64_t counts = 0;
  fhs_marginal_list list = {0, NULL};
  fhs_error err = {{0}};
  if (o->fit_ways > 0) {
    if (fhs_marginal_list_all((uint32_t)schema->n_columns, o->fit_ways, &list, &err) != 0) s = api_fail_err(&err);
    else fit = api_fit_seconds(domain, &list, blocks, ring, &counts);
  }
  fhs_marginal_list_free(&list);
  free(domain);
  if (s != FHS_OK) return s;
  /* blocks, never rows: the line may end up in a log beside the release */
  char line[320];
  int k = snprintf(line, sizeof line, "estimate: %llu blocks x %llu indicators: encrypting about %.0f s",
                   (unsigned long long)blocks, (unsigned long long)indicators, enc < 1 ? 1 : enc);
  if (o->fit_ways > 0 && k > 0 && (size_t)k < sizeof line)
    snprintf(line + k, sizeof line - (size_t)k, ", fitting %llu counts of all %d-way marginals about %.1f min",
             (unsigned long long)counts, o->fit_ways, fit / 60);
  double limit = api_max_minutes(o->max_minutes), total = enc + fit;
  /* a quick job says nothing: its stderr stays the error alone when it fails */
  if (o->note && total >= NOTE_SECONDS) o->note(o->progress_user, line);
  if (!o->force && total > limit * 60)
    return api_fail(FHS_ERR_INVALID,
                    "%s: %s would take an estimated %.1f minutes (limit %g): use a schema with fewer bins or "
                    "labels, or raise --max-minutes (--force)",
                    input, o->fit_ways > 0 ? "encrypting and fitting" : "encrypting", total / 60, limit);
  return FHS_OK;
}
