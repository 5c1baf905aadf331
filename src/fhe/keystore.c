/* Passphrase protection of a serialized secret key: Argon2id (libsodium crypto_pwhash, the
 * "moderate" limits) derives a key that seals the record with XChaCha20-Poly1305. A wrong
 * passphrase and a modified file look the same: authentication fails. */
#include <sodium.h>

#include "bytes.h"
#include "internal.h"

static const uint8_t PMAGIC[8] = {'F', 'H', 'S', 'K', 'E', 'Y', 'P', 1};
#define SALT crypto_pwhash_SALTBYTES
#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define HEAD (8 + SALT + 8 + 8 + NONCE)

int fhs_is_protected_key(const uint8_t *buf, size_t len) { return len >= 8 && memcmp(buf, PMAGIC, 8) == 0; }


static int derive(uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES], const char *pass, size_t pass_len,
                  const uint8_t *salt, uint64_t ops, uint64_t mem) {
  return crypto_pwhash(key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, pass, pass_len, salt, ops, (size_t)mem,
                       crypto_pwhash_ALG_ARGON2ID13);
}

int fhs_key_protect(const uint8_t *record, size_t len, const char *pass, size_t pass_len, uint8_t **out,
                    size_t *out_len, fhs_error *err) {
  if (sodium_init() < 0) return fhs_error_set(err, "libsodium failed to initialise");
  if (pass_len == 0) return fhs_error_set(err, "the passphrase is empty");
  size_t total = HEAD + len + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  uint8_t *buf = malloc(total);
  FHS_CHECK_ALLOC(buf, err);
  uint64_t ops = crypto_pwhash_OPSLIMIT_MODERATE, mem = crypto_pwhash_MEMLIMIT_MODERATE;
  memcpy(buf, PMAGIC, 8);
  randombytes_buf(buf + 8, SALT);
  fhs_put_u64(buf + 8 + SALT, ops);
  fhs_put_u64(buf + 16 + SALT, mem);
  randombytes_buf(buf + 24 + SALT, NONCE);
  uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  if (derive(key, pass, pass_len, buf + 8, ops, mem) != 0) {
    free(buf);
    return fhs_error_set(err, "key derivation ran out of memory");
  }
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(buf + HEAD, &clen, record, len, buf, HEAD, NULL, buf + 24 + SALT, key);
  sodium_memzero(key, sizeof key);
  *out = buf;
  *out_len = HEAD + (size_t)clen;
  return 0;
}

int fhs_key_unprotect(const uint8_t *buf, size_t len, const char *pass, size_t pass_len, uint8_t **record,
                      size_t *record_len, fhs_error *err) {
  if (sodium_init() < 0) return fhs_error_set(err, "libsodium failed to initialise");
  if (!fhs_is_protected_key(buf, len)) return fhs_error_set(err, "not a passphrase-protected key");
  if (len < HEAD + crypto_aead_xchacha20poly1305_ietf_ABYTES) return fhs_error_set(err, "truncated protected key");
  uint64_t ops = fhs_get_u64(buf + 8 + SALT), mem = fhs_get_u64(buf + 16 + SALT);
  if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > crypto_pwhash_OPSLIMIT_SENSITIVE || mem < crypto_pwhash_MEMLIMIT_MIN ||
      mem > crypto_pwhash_MEMLIMIT_SENSITIVE)
    return fhs_error_set(err, "protected key has implausible key-derivation limits: the file is corrupt");
  size_t plen = len - HEAD - crypto_aead_xchacha20poly1305_ietf_ABYTES;
  uint8_t *plain = sodium_malloc(plen ? plen : 1);
  FHS_CHECK_ALLOC(plain, err);
  uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  if (derive(key, pass, pass_len, buf + 8, ops, mem) != 0) {
    sodium_free(plain);
    return fhs_error_set(err, "key derivation ran out of memory");
  }
  unsigned long long mlen = 0;
  int bad = crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &mlen, NULL, buf + HEAD, len - HEAD, buf, HEAD,
                                                       buf + 24 + SALT, key);
  sodium_memzero(key, sizeof key);
  if (bad) {
    sodium_free(plain);
    return fhs_error_set(err, "wrong passphrase, or the protected key file was modified");
  }
  /* hand back ordinary heap memory the caller frees after wiping */
  *record = malloc((size_t)mlen);
  if (!*record) {
    sodium_free(plain);
    return fhs_error_set(err, "out of memory");
  }
  memcpy(*record, plain, (size_t)mlen);
  *record_len = (size_t)mlen;
  sodium_free(plain);
  return 0;
}
