/* Streaming packer (packer.h). */
#include "packer.h"

#include <stdlib.h>
#include <string.h>

int fhs_packer_init(fhs_packer *p, const fhs_eval_key *ek, size_t k, size_t g, fhs_error *err) {
  memset(p, 0, sizeof *p);
  if (k == 0 || (k & (k - 1)) || g == 0 || (g & (g - 1)) || g > k || __builtin_ctzll(k) >= FHS_PACKER_MAX_LEVELS)
    return fhs_error_set(err, "packer: bad sizes (k %zu, group %zu)", k, g);
  p->ek = ek;
  p->k = k;
  p->g = g;
  p->pending = calloc(g, sizeof *p->pending);
  return p->pending ? 0 : fhs_error_set(err, "out of memory");
}

static const fhs_ciphertext *opt(const fhs_ciphertext *c) { return c->data ? c : NULL; }

/* Merges the g pending leaves into one subtree, level by level, pairs in parallel. */
static int merge_group(fhs_packer *p, fhs_ciphertext *out, fhs_error *err) {
  size_t width = p->g;
  fhs_ciphertext *level = p->pending;
  fhs_ciphertext *next = calloc(width / 2 ? width / 2 : 1, sizeof *next);
  if (!next) return fhs_error_set(err, "out of memory");
  int failed = 0;
  fhs_error first = {{0}};
  for (size_t half = 1; width > 1; half *= 2, width /= 2) {
#pragma omp parallel for schedule(dynamic) if (width > 4)
    for (size_t i = 0; i < width / 2; i++) {
      fhs_error e = {{0}};
      if (failed) continue;
      if (fhs_pack_merge(p->ek, opt(&level[2 * i]), opt(&level[2 * i + 1]), half, &next[i], &e) != 0) {
#pragma omp critical
        {
          failed = 1;
          first = e;
        }
      }
    }
    for (size_t i = 0; i < width; i++) fhs_ciphertext_free(&level[i]);
    for (size_t i = 0; i < width / 2; i++) {
      level[i] = next[i];
      memset(&next[i], 0, sizeof next[i]);
    }
    if (failed) break;
  }
  free(next);
  if (failed) return fhs_error_set(err, "%s", first.msg);
  *out = level[0];
  memset(&level[0], 0, sizeof level[0]);
  return 0;
}

/* Pushes a subtree of `size` leaves; completes merges with waiting siblings. */
static int push_subtree(fhs_packer *p, fhs_ciphertext *sub, size_t size, fhs_error *err) {
  unsigned e = (unsigned)__builtin_ctzll(size);
  p->pos += size;
  fhs_ciphertext cur = *sub;
  memset(sub, 0, sizeof *sub);
  /* a subtree whose position is odd at its size is the odd child of the one waiting */
  while (((p->pos - size) / size) & 1) {
    fhs_ciphertext merged;
    if (fhs_pack_merge(p->ek, opt(&p->stack[e]), opt(&cur), size, &merged, err) != 0) {
      fhs_ciphertext_free(&cur);
      return -1;
    }
    fhs_ciphertext_free(&p->stack[e]);
    fhs_ciphertext_free(&cur);
    cur = merged;
    size *= 2;
    e++;
  }
  if (size == p->k) {
    if (p->n_results == p->cap_results) {
      size_t nc = p->cap_results ? 2 * p->cap_results : 8;
      fhs_ciphertext *nr = realloc(p->results, nc * sizeof *nr);
      if (!nr) {
        fhs_ciphertext_free(&cur);
        return fhs_error_set(err, "out of memory");
      }
      p->results = nr;
      p->cap_results = nc;
    }
    p->results[p->n_results++] = cur;
    p->pos = 0;
  } else {
    p->stack[e] = cur;
  }
  return 0;
}

int fhs_packer_push(fhs_packer *p, fhs_ciphertext *leaf, fhs_error *err) {
  if (leaf) {
    p->pending[p->n_pending] = *leaf;
    memset(leaf, 0, sizeof *leaf);
  } else {
    memset(&p->pending[p->n_pending], 0, sizeof p->pending[p->n_pending]);
  }
  if (++p->n_pending < p->g) return 0;
  p->n_pending = 0;
  fhs_ciphertext sub;
  if (merge_group(p, &sub, err) != 0) return -1;
  return push_subtree(p, &sub, p->g, err);
}

int fhs_packer_finish(fhs_packer *p, fhs_error *err) {
  while (p->pos != 0 || p->n_pending != 0)
    if (fhs_packer_push(p, NULL, err) != 0) return -1;
  for (size_t i = 0; i < p->n_results; i++)
    if (!p->results[i].data) return fhs_error_set(err, "internal error: an empty packed result");
  return 0;
}

void fhs_packer_free(fhs_packer *p) {
  if (!p) return;
  for (size_t i = 0; p->pending && i < p->g; i++) fhs_ciphertext_free(&p->pending[i]);
  for (int e = 0; e < FHS_PACKER_MAX_LEVELS; e++) fhs_ciphertext_free(&p->stack[e]);
  for (size_t i = 0; i < p->n_results; i++) fhs_ciphertext_free(&p->results[i]);
  free(p->pending);
  free(p->results);
  memset(p, 0, sizeof *p);
}
