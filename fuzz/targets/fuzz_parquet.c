/* The Parquet reader (src/io/parquet_read.c: footer, Thrift, pages, dictionaries, ZSTD) through
 * fhs_rows, as encrypt and evaluate read a .parquet input. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_rows(fuzz_write(".parquet", data, size));
  return 0;
}
