/* STATS.json (src/synth/stats_json.c: fhs_stats_json_read), against a small fixed schema. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "encode.h"
#include "fuzz_common.h"
#include "synth.h"

static fhs_schema schema;

static const char SCHEMA[] =
    "{\"format\": \"fhesynth-schema\", \"version\": 1, \"origin\": \"public\", \"columns\": [\n"
    "  {\"name\": \"age\", \"type\": \"numeric\", \"bins\": [0, 25, 50, 75, 100], \"missing\": true, \"clamp\": true},\n"
    "  {\"name\": \"sex\", \"type\": \"categorical\", \"categories\": [\"Female\", \"Male\"], \"missing\": false},\n"
    "  {\"name\": \"city\", \"type\": \"categorical\", \"categories\": [\"Oslo\", \"Bergen\", \"Tromso\"], \"missing\": false}\n"
    "]}\n";

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  fhs_error err = {{0}};
  const char *p = fuzz_write(".schema.json", (const uint8_t *)SCHEMA, strlen(SCHEMA));
  if (fhs_schema_read(p, &schema, &err) != 0) {
    fprintf(stderr, "fuzz_stats_json: %s\n", err.msg);
    abort();
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write(".json", data, size);
  fhs_error err = {{0}};
  fhs_marginal_set s;
  if (fhs_stats_json_read(path, &schema, &s, &err) == 0) {
    (void)fhs_marginal_set_rho_measured(&s);
    const char *out = fuzz_out_path(".out.json");
    if (fhs_stats_json_write(&s, &schema, out, &err) == 0) {
      fhs_marginal_set again;
      if (fhs_stats_json_read(out, &schema, &again, &err) != 0) {
        fprintf(stderr, "written statistics do not read back: %s\n", err.msg);
        abort();
      }
      fhs_marginal_set_free(&again);
    }
    fhs_marginal_set_free(&s);
  }
  return 0;
}
