/* The privacy budget ledger (src/dp/ledger.c: fhs_dp_ledger_read). */
#include "dp.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write(".json", data, size);
  fhs_error err = {{0}};
  fhs_dp_ledger_summary sum;
  fhs_dp_ledger_entry *entries = NULL;
  size_t n = 0;
  if (fhs_dp_ledger_read(path, NULL, &sum, &entries, &n, &err) == 0) fhs_dp_ledger_entries_free(entries, n);
  (void)fhs_dp_ledger_read(path, "00112233445566778899aabbccddeeff", &sum, NULL, NULL, &err);
  return 0;
}
