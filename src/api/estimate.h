/* Up-front work estimates: before encrypt, fit or run do anything that takes long, they
 * estimate it from the domain sizes and measured per-unit costs, say it, and refuse above a
 * limit unless forced. */
#ifndef FHS_API_ESTIMATE_H
#define FHS_API_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

#include "encode.h"
#include "fhesynth.h"
#include "stats.h"

/* Seconds on 2 cores for fitting list over n_blocks blocks of a ring of degree ring, and the
 * counts computed on ciphertexts (*counts). */
double api_fit_seconds(const uint32_t *domain, const fhs_marginal_list *list, uint64_t n_blocks, size_t ring,
                       uint64_t *counts);

/* Data rows of a CSV (its line count less the header: an upper bound when quoted fields hold
 * line breaks) or a Parquet file (its footer), without parsing a field. */
fhs_status api_input_rows_bound(const char *input, uint64_t *rows);

/* encrypt's check, once the schema is known and before anything is charged or encrypted:
 * estimates encrypting input (and, when o->fit_ways > 0, fitting all its fit_ways-way
 * marginals), reports the estimate through o->note, and refuses it above o->max_minutes
 * unless o->force. */
fhs_status api_encrypt_work_check(const char *input, const fhs_schema *schema, size_t ring,
                                  const fhs_encrypt_options *o);

/* The limit in minutes: 0 means the default, 60. */
double api_max_minutes(double given);

#endif
