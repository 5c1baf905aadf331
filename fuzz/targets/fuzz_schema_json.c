/* SCHEMA.json (src/encode/schema_json.c: fhs_schema_read and its validation). */
#include <stdio.h>
#include <stdlib.h>

#include "encode.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write(".json", data, size);
  fhs_error err = {{0}};
  fhs_schema s;
  if (fhs_schema_read(path, &s, &err) == 0) {
    /* a schema that reads must write back and read again */
    const char *out = fuzz_out_path(".out.json");
    if (fhs_schema_write(&s, out, &err) == 0) {
      fhs_schema again;
      if (fhs_schema_read(out, &again, &err) != 0) {
        fprintf(stderr, "a written schema does not read back: %s\n", err.msg);
        abort();
      }
      fhs_schema_free(&again);
    }
    fhs_schema_free(&s);
  }
  return 0;
}
