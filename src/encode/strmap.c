/* Open-addressing hash map from byte strings to a count and an index: distinct-label
 * counting during inference and label lookup during encoding. */
#include <stdlib.h>
#include <string.h>

#include "encode_internal.h"

static uint64_t fnv1a(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

int fhs_strmap_init(fhs_strmap *m, size_t expected) {
  size_t cap = 16;
  while (cap < expected * 2) cap *= 2;
  m->slots = calloc(cap, sizeof *m->slots);
  m->cap = m->slots ? cap : 0;
  m->n = 0;
  return m->slots ? 0 : -1;
}

static fhs_strmap_entry *probe(const fhs_strmap *m, const char *key, size_t len) {
  size_t mask = m->cap - 1;
  for (size_t i = fnv1a(key, len) & mask;; i = (i + 1) & mask) {
    fhs_strmap_entry *e = &m->slots[i];
    if (!e->key || (e->len == len && memcmp(e->key, key, len) == 0)) return e;
  }
}

fhs_strmap_entry *fhs_strmap_find(const fhs_strmap *m, const char *key, size_t len) {
  if (!m->cap) return NULL;
  fhs_strmap_entry *e = probe(m, key, len);
  return e->key ? e : NULL;
}

/* Doubles the table; load stays under 1/2 so probes stay short. */
static int rehash(fhs_strmap *m) {
  fhs_strmap bigger = {calloc(m->cap * 2, sizeof *m->slots), m->cap * 2, m->n};
  if (!bigger.slots) return -1;
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i].key) *probe(&bigger, m->slots[i].key, m->slots[i].len) = m->slots[i];
  free(m->slots);
  *m = bigger;
  return 0;
}

fhs_strmap_entry *fhs_strmap_insert(fhs_strmap *m, const char *key, size_t len) {
  if (!m->cap && fhs_strmap_init(m, 8)) return NULL;
  fhs_strmap_entry *e = probe(m, key, len);
  if (e->key) return e;
  if ((m->n + 1) * 2 > m->cap) {
    if (rehash(m)) return NULL;
    e = probe(m, key, len);
  }
  char *copy = malloc(len + 1);
  if (!copy) return NULL;
  memcpy(copy, key, len);
  copy[len] = '\0';
  *e = (fhs_strmap_entry){copy, len, 0, 0};
  m->n++;
  return e;
}

void fhs_strmap_free(fhs_strmap *m) {
  for (size_t i = 0; i < m->cap; i++) free(m->slots[i].key);
  free(m->slots);
  m->slots = NULL;
  m->cap = m->n = 0;
}
