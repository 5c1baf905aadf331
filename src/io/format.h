/* Text forms of values, shared by the CSV and JSON Lines writers and the Parquet row reader, so a
 * value reads the same whichever file it came from.
 *
 * What it guarantees:
 * - Doubles: the fewest significant digits that read back (strtod) to the same double; fixed
 *   notation for exponents -4..16 ("0.0001", "39", "1234.5"), else "d.ddde+XX"; "-0" for
 *   negative zero; "nan", "inf", "-inf" for the non-finite values (strtod reads those too).
 * - Timestamps: ISO 8601 in the proleptic Gregorian calendar, "YYYY-MM-DD" when the time is
 *   midnight, else "YYYY-MM-DDTHH:MM:SS" with ".fff" (or 6 or 9 digits when the value has
 *   sub-millisecond parts) and "Z" for UTC. Years outside 0000..9999 use the ISO expanded form
 *   (sign and six digits, as JavaScript does): "+275760-09-13", "-000001-01-01".
 * Every function writes a NUL-terminated string into buf (at least FHS_FORMAT_BUF bytes) and
 * returns its length.
 *
 * Layer: io. libc only. */
#ifndef FHS_FORMAT_H
#define FHS_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FHS_FORMAT_BUF 40

size_t fhs_format_double(double v, char *buf);
/* Shortest text that strtof reads back to the same float. */
size_t fhs_format_float(float v, char *buf);
size_t fhs_format_int64(int64_t v, char *buf);
size_t fhs_format_uint64(uint64_t v, char *buf);
/* v counts units of 10^-digits seconds since 1970-01-01T00:00:00 (digits: 0, 3, 6 or 9).
 * utc appends "Z" to a time of day (a naive timestamp has none). */
size_t fhs_format_timestamp(int64_t v, int digits, bool utc, char *buf);
/* Days since 1970-01-01 as "YYYY-MM-DD". */
size_t fhs_format_date(int64_t days, char *buf);

#endif
