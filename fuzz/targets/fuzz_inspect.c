/* `fhesynth inspect FILE` (src/api/inspect.c): sniffs any file and describes it without a key
 * (DATA.fhe and STATS.fhe headers, key and ciphertext records, sealed keys, JSON files). */
#include <stdlib.h>

#include "fhesynth.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  fuzz_private_home();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write(".bin", data, size);
  char *text = NULL;
  if (fhs_inspect(path, &text) == FHS_OK) fhs_free(text);
  return 0;
}
