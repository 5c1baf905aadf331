/* UTF-8 validation (RFC 3629): the reader promises every field is well-formed text, so labels
 * can go into JSON and back without surprises. */
#include "io.h"

/* Length of the sequence that starts with lead byte b, or 0 when b cannot start one. */
static size_t utf8_seq_len(unsigned char b) {
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return 2; /* C0, C1 would be overlong */
  if (b >= 0xE0 && b <= 0xEF) return 3;
  if (b >= 0xF0 && b <= 0xF4) return 4; /* F5..FF would exceed U+10FFFF */
  return 0;
}

/* The second byte of 3- and 4-byte sequences has a narrower range for some lead bytes:
 * that is where overlong forms, surrogates and code points above U+10FFFF are excluded. */
static int utf8_second_ok(unsigned char lead, unsigned char b) {
  switch (lead) {
    case 0xE0: return b >= 0xA0 && b <= 0xBF;
    case 0xED: return b >= 0x80 && b <= 0x9F;
    case 0xF0: return b >= 0x90 && b <= 0xBF;
    case 0xF4: return b >= 0x80 && b <= 0x8F;
    default: return b >= 0x80 && b <= 0xBF;
  }
}

size_t fhs_utf8_check(const unsigned char *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    if (s[i] < 0x80) {
      i++;
      continue;
    }
    size_t n = utf8_seq_len(s[i]);
    if (n == 0 || len - i < n || !utf8_second_ok(s[i], s[i + 1])) return i;
    for (size_t k = 2; k < n; k++)
      if ((s[i + k] & 0xC0) != 0x80) return i;
    i += n;
  }
  return len;
}
