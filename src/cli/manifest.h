/* The run manifest: a JSON file beside every synthetic output that says how it was made
 * (versions, parameters, seed, hashes of inputs and output, privacy spent) so a run can be
 * audited and repeated. */
#ifndef FHS_CLI_MANIFEST_H
#define FHS_CLI_MANIFEST_H

#include <stdint.h>

#include "error.h"

typedef struct {
  const char *input;     /* the real data (run only) */
  uint64_t ring;         /* ring degree (run only) */
  double holdout_fraction;
  const char *workdir;
} cli_manifest_extra;

typedef struct {
  const char *command, *model;
  uint64_t seed, rows;
  int exact;
  double epsilon, delta, rho;
  const char *stats_path, *schema_path, *output_path;
  const cli_manifest_extra *extra; /* may be NULL */
} cli_manifest;

/* Writes OUTPUT.manifest.json (next to the output) atomically. */
int cli_manifest_write(const cli_manifest *m, fhs_error *err);

#endif
