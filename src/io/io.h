/* io: reading the owner's CSV and writing every output file of the project.
 *
 * What it guarantees:
 * - fhs_csv_*: a streaming RFC 4180 reader (libcsv in strict mode). It holds one record in
 *   memory at a time, never the file. Quoted fields may contain commas, doubled quotes and
 *   line breaks; records end with LF, CRLF or a lone CR; a UTF-8 byte order mark at the start
 *   is dropped; blank lines are skipped. The first record is the header: its names are
 *   non-empty and unique. Every record must have exactly as many fields as the header, and
 *   every field must be valid UTF-8 without NUL bytes. Fields are returned verbatim (no
 *   trimming of spaces); an empty field and a quoted empty field ("") both come back with
 *   length 0.
 * - Every error is one line, "PATH:LINE: problem" (or "PATH: problem" when no line applies),
 *   where LINE is the 1-based physical line on which the offending record starts.
 * - fhs_atomic_*: an output file appears complete or not at all. Data goes to a temporary file
 *   in the target's directory; commit flushes, fsyncs, sets the final mode and renames it over
 *   the target, then fsyncs the directory; abort (or any failed commit) removes it. Temporary
 *   files are removed by fhs_signal_cleanup_install's handlers on SIGINT/SIGTERM/SIGHUP, and
 *   those of a killed process (SIGKILL) by the next writer of the same target.
 *
 * Layer: io. Uses libc and libcsv only. The error type lives in error.h. */
#ifndef FHS_IO_H
#define FHS_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

/* ---------- CSV reader ---------- */

/* A record larger than this is refused: it is almost always an unterminated quote, and
 * refusing it keeps memory bounded on any input. */
#define FHS_CSV_MAX_RECORD_BYTES ((size_t)64 << 20)

typedef struct {
  const char *ptr; /* NUL-terminated copy of the field (no NUL inside, valid UTF-8) */
  size_t len;      /* bytes, without the terminating NUL */
} fhs_csv_field;

typedef struct fhs_csv_reader fhs_csv_reader;

/* Opens path and reads its header. On error returns NULL and fills err ("x.csv: no such
 * file", "x.csv: file is empty", "x.csv:1: duplicate column name ...", ...). */
fhs_csv_reader *fhs_csv_open(const char *path, fhs_error *err);

/* Reads the next record. Returns 1 with *fields (n_columns entries, valid until the next call
 * or close) and *line (1-based line where the record starts; line may be NULL); 0 at the end
 * of the file; -1 on error. After an error or the end, further calls return the same. */
int fhs_csv_next_row(fhs_csv_reader *r, const fhs_csv_field **fields, uint64_t *line,
                     fhs_error *err);

size_t fhs_csv_n_columns(const fhs_csv_reader *r);
/* Header name of column i (NUL-terminated, valid until close). */
const char *fhs_csv_column_name(const fhs_csv_reader *r, size_t i);
/* Index of the column named name, or -1 when the header has no such column. */
long fhs_csv_column_index(const fhs_csv_reader *r, const char *name);
/* The path as given to open: for error messages of callers ("PATH:LINE: ..."). */
const char *fhs_csv_path(const fhs_csv_reader *r);
/* Data records returned so far (the header is not counted). */
uint64_t fhs_csv_rows_read(const fhs_csv_reader *r);

void fhs_csv_close(fhs_csv_reader *r);

/* Checks that s[0..len) is well-formed UTF-8 (no overlong forms, no surrogates, at most
 * U+10FFFF). Returns the byte offset of the first bad byte, or len when all is valid. */
size_t fhs_utf8_check(const unsigned char *s, size_t len);

/* ---------- atomic output files ---------- */

typedef struct {
  FILE *fp;     /* write here between open and commit/abort */
  char *target; /* final path */
  char *tmp;    /* temporary path in the same directory: ".NAME.fhs.XXXXXX" */
  mode_t mode;  /* final permission bits, applied before the rename */
  int slot;     /* its entry in the registry of temporary files removed on a signal */
} fhs_atomic_file;

/* Creates the temporary file (mode 0600 while it is being written, so a secret is never
 * readable by others even for a moment), locks it and registers it for removal on a signal.
 * Leftovers of killed writers of the same target (unlocked temporary files) are removed first.
 * The final mode defaults to 0666 minus the umask, like any newly created file. On error
 * returns -1 and leaves af closed. */
int fhs_atomic_open(fhs_atomic_file *af, const char *target, fhs_error *err);
/* Final permission bits, e.g. 0600 for a secret key. Call before commit. */
void fhs_atomic_set_mode(fhs_atomic_file *af, mode_t mode);
/* Flushes, fsyncs, chmods, renames over the target, closes, then fsyncs the directory.
 * Always releases af; on failure the temporary file is removed and the target untouched. */
int fhs_atomic_commit(fhs_atomic_file *af, fhs_error *err);
/* Discards everything written: closes and removes the temporary file. Safe on a closed af. */
void fhs_atomic_abort(fhs_atomic_file *af);

/* ---------- temporary files: signals and leftovers ---------- */

/* A placeholder: creates an empty ".NAME.fhs.XXXXXX" beside target (after removing stale
 * leftovers of target), locked and registered like an atomic file's temporary; someone else
 * then writes it (typically through fhs_atomic_open on that name) and renames it. Returns its
 * path (free it), or NULL with errno set. */
char *fhs_temp_create(const char *target);
/* The placeholder at path was renamed or removed: drop its registration and its lock. */
void fhs_temp_release(const char *path);
/* Rewrites err so that it names target where it named the placeholder tmp: a writer given
 * the placeholder's name reports errors about the file the user asked for. */
void fhs_temp_error_name(fhs_error *err, const char *tmp, const char *target);
/* Renames a placeholder (written and synced by its writer) over target, then fsyncs the
 * directory so the rename survives a power cut. Errors name target. */
int fhs_temp_rename(const char *tmp, const char *target, fhs_error *err);
/* A section that a SIGINT/SIGTERM/SIGHUP must not cut in two (e.g. charging the ledger, then
 * renaming the release into place): the handler only notes a signal arriving inside, and
 * the outermost end acts on it (removes temporary files, dies of the signal). Nests; SIGKILL
 * cannot be deferred. */
void fhs_signal_defer_begin(void);
void fhs_signal_defer_end(void);
/* Registers a file or an (empty once its files are gone) directory a command created and
 * that a signal should take away with it, e.g. the keys of a run that released nothing yet.
 * Returns a handle for fhs_temp_forget, or -1 (not registered). Directories are removed with
 * rmdir after every file, newest registration first. */
int fhs_temp_register_created(const char *path, int is_dir);
/* The registered path is to stay now (the command got far enough): drop the registration. */
void fhs_temp_forget(int handle);
/* Installs handlers for SIGINT, SIGTERM and SIGHUP (each left alone if it is ignored) that
 * unlink every registered temporary file and then die of the same signal with its default
 * action; also ignores SIGXFSZ, so a file size limit makes writes fail with EFBIG, reported
 * as an error naming the file. For programs (the CLI); a library caller with its own handlers
 * can call fhs_temp_cleanup_now from them instead. Returns 0, or -1 if a sigaction failed. */
int fhs_signal_cleanup_install(void);
/* Unlinks every registered temporary file. Async-signal-safe; the registrations are consumed,
 * so call it only when the process is about to end. */
void fhs_temp_cleanup_now(void);

#endif
