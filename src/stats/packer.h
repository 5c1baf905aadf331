/* Streaming packer: leaves (2-component ciphertexts whose slot totals are wanted) go in in
 * order; every K leaves come out as one result ciphertext. Groups of G leaves are merged level
 * by level in parallel; completed subtrees wait on a stack (one slot per size) for their
 * sibling, so memory stays at G + log2 K ciphertexts. */
#ifndef FHS_PACKER_H
#define FHS_PACKER_H

#include "fhe.h"

#define FHS_PACKER_MAX_LEVELS 17

typedef struct {
  const fhs_eval_key *ek;
  size_t k, g;                 /* leaves per result, leaves per parallel group */
  fhs_ciphertext *pending;     /* g slots; data == NULL means a zero leaf */
  size_t n_pending;
  fhs_ciphertext stack[FHS_PACKER_MAX_LEVELS];
  size_t pos;                  /* leaves of the current result pushed so far */
  fhs_ciphertext *results;
  size_t n_results, cap_results;
} fhs_packer;

int fhs_packer_init(fhs_packer *p, const fhs_eval_key *ek, size_t k, size_t g, fhs_error *err);
/* Takes ownership of *leaf (its buffer is moved; *leaf is left empty). NULL pushes a zero. */
int fhs_packer_push(fhs_packer *p, fhs_ciphertext *leaf, fhs_error *err);
/* Pads the last result with zero leaves. */
int fhs_packer_finish(fhs_packer *p, fhs_error *err);
void fhs_packer_free(fhs_packer *p);

#endif
