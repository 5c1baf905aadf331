/* FHS_BACKEND=portable (set by CTest for this program) makes the initial choice portable
 * even on an IFMA machine; an explicit fhs_ring_set_backend still overrides it. */
#include <string.h>

#include "check.h"
#include "ring_test.h"

int main(void) {
  const char *env = getenv("FHS_BACKEND");
  CHECK_MSG(env != NULL && strcmp(env, "portable") == 0, "run me with FHS_BACKEND=portable");
  CHECK(fhs_ring_backend(40) == FHS_BACKEND_PORTABLE);
  CHECK(strcmp(fhs_backend_name(FHS_BACKEND_PORTABLE), "portable") == 0);
  CHECK(strcmp(fhs_backend_name(FHS_BACKEND_AVX512_IFMA), "avx512_ifma") == 0);
  fhs_ring_set_backend(FHS_BACKEND_AUTO);
  fhs_backend want = fhs_cpu_has_avx512ifma() ? FHS_BACKEND_AVX512_IFMA : FHS_BACKEND_PORTABLE;
  CHECK(fhs_ring_backend(40) == want);
  return check_report("test_ring_backend_env");
}
