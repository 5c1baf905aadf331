/* RNS base: one NTT table per prime, transforms applied limb by limb. */
#include <string.h>

#include "ring.h"

int fhs_rns_base_init(fhs_rns_base *b, const uint64_t *primes, size_t count, size_t n) {
  memset(b, 0, sizeof *b);
  if (count == 0 || count > FHS_RNS_MAX) return -1;
  b->n = n;
  for (size_t i = 0; i < count; i++) {
    for (size_t j = 0; j < i; j++) {
      if (primes[j] == primes[i]) {
        fhs_rns_base_free(b);
        return -1;
      }
    }
    if (fhs_ntt_table_init(&b->ntt[i], primes[i], n) != 0) {
      fhs_rns_base_free(b);
      return -1;
    }
    b->count = i + 1;
  }
  return 0;
}

void fhs_rns_base_free(fhs_rns_base *b) {
  for (size_t i = 0; i < b->count; i++) fhs_ntt_table_free(&b->ntt[i]);
  memset(b, 0, sizeof *b);
}

void fhs_rns_ntt_forward(const fhs_rns_base *b, uint64_t *poly) {
  for (size_t i = 0; i < b->count; i++) fhs_ntt_forward(&b->ntt[i], poly + i * b->n);
}

void fhs_rns_ntt_inverse(const fhs_rns_base *b, uint64_t *poly) {
  for (size_t i = 0; i < b->count; i++) fhs_ntt_inverse(&b->ntt[i], poly + i * b->n);
}
