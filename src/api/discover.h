/* DP domain discovery: a schema learnt from the data with differential privacy. */
#ifndef FHS_API_DISCOVER_H
#define FHS_API_DISCOVER_H

#include <stddef.h>

#include "encode.h"

int api_discover_schema(const char *input, double rho, double delta_thr, size_t bins, size_t max_categories,
                        fhs_schema *out, fhs_error *err);

/* DP within-bin refinement (refine.c has the method and its budget): learns "sub" weights
 * with (rho, delta_thr) approximate zCDP for every numeric column of schema that has none
 * and whose bins are not all one integer wide, reading input once. The schema becomes
 * origin "dp", rho and delta_thr added to its cost. Nothing to refine: returns 0 and leaves
 * the schema alone (api_refine_columns tells beforehand, from the schema alone). On error
 * the schema may hold some new weights but is still valid. */
int api_refine_schema(const char *input, fhs_schema *schema, double rho, double delta_thr, fhs_error *err);
/* How many columns api_refine_schema would refine (0: nothing to spend). */
size_t api_refine_columns(const fhs_schema *schema);

/* DP discovery followed by the refinement of the columns it left without weights: discovery
 * gets API_DISCOVERY_KEEP of rho and of delta_thr, refinement the rest (measured on Adult, mst
 * at epsilon 1, 16 trials: keep 1, 0.85 and 0.7 gave 0.0550, 0.0550 and ~0.056; capital-gain's
 * 1-way improves, age and hours lose a little). The schema's cost is
 * (rho, delta_thr) either way. What `run`, encrypt and bench_quality --domain dp use. */
#define API_DISCOVERY_KEEP 0.85
int api_discover_refined(const char *input, double rho, double delta_thr, size_t bins, size_t max_categories,
                         fhs_schema *out, fhs_error *err);

#endif
