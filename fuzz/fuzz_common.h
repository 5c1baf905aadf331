/* Shared by the fuzz targets: the input goes to a file in /dev/shm (the parsers take paths),
 * one per process and target so parallel runs never share one. Checksums are recomputed by
 * the targets themselves when the first input byte asks for it (fuzz_fix_*), so mutations get
 * past the BLAKE2b checks into the code behind them; a reproducer replays the same way. */
#ifndef FHS_FUZZ_COMMON_H
#define FHS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes data to a per-process file whose name ends in ext (".csv", ".parquet", ...);
 * returns its path (static storage, same path on every call with the same ext). Aborts on
 * I/O failure: that is a bug of the harness, not of the parser. */
const char *fuzz_write(const char *ext, const uint8_t *data, size_t size);
/* Reads the table at path through fhs_rows (CSV or Parquet by extension) to the end, touching
 * every field and every row's location text, as encrypt and evaluate read an input. */
void fuzz_rows(const char *path);
/* A path for an output file the target makes (removed at exit). */
const char *fuzz_out_path(const char *ext);
/* BLAKE2b-256 of buf[0..len) into out. */
void fuzz_blake2b(uint8_t out[32], const uint8_t *buf, size_t len);
/* The small parameter set of the key, ciphertext, DATA.fhe and STATS.fhe targets (and of
 * fuzz_seedgen): the smallest ring the library accepts, with one ciphertext prime. */
#include "fhe.h"
#define FUZZ_RING 8192
#define FUZZ_Q_COUNT 1
#define FUZZ_Q_BITS 50
fhs_context *fuzz_small_context(void);
/* The same secret key on every call (a deterministic random source while it is made). */
int fuzz_small_secret_key(const fhs_context *ctx, fhs_secret_key *sk);
void fuzz_deterministic_random(int on);
/* Sets FHESYNTH_HOME to a private directory (ledger writes never reach the user's). */
void fuzz_private_home(void);

#endif
