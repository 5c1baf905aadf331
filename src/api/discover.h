/* DP domain discovery: a schema learnt from the data with differential privacy. */
#ifndef FHS_API_DISCOVER_H
#define FHS_API_DISCOVER_H

#include <stddef.h>

#include "encode.h"

int api_discover_schema(const char *input, double rho, double delta_thr, size_t bins, size_t max_categories,
                        fhs_schema *out, fhs_error *err);

#endif
