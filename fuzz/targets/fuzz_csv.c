/* The CSV reader (src/io/csv.c) through fhs_rows, as encrypt and evaluate read their input. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_rows(fuzz_write(".csv", data, size));
  return 0;
}
