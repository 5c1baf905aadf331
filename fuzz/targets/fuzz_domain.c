/* The Private-PGM domain file of `fhesynth schema --domain` (src/api/schema_make.c). */
#include "fhesynth.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  fuzz_private_home();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write(".json", data, size);
  fhs_schema_options o;
  fhs_schema_options_init(&o);
  o.domain = path;
  (void)fhs_schema_make(fuzz_out_path(".schema.json"), &o);
  return 0;
}
