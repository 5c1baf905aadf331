/* Shared pieces of the command-line tool: exit codes, error printing, option parsing helpers,
 * the progress bar, key loading. Each subcommand lives in its own cmd_*.c file. */
#ifndef FHS_CLI_H
#define FHS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "fhe.h"
#include "manifest.h"

#define FHS_EXIT_OK 0
#define FHS_EXIT_RUNTIME 1
#define FHS_EXIT_USAGE 2

typedef struct {
  bool quiet;
  int threads;
} cli_common;

/* Prints "fhesynth: <msg>" on stderr and returns code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_fail_err(const fhs_error *err);
/* Parses the options every subcommand shares (--quiet, --threads N); returns -1 on a bad value. */
int cli_apply_common(cli_common *c);
int cli_parse_double(const char *opt, const char *s, double *out);
int cli_parse_u64(const char *opt, const char *s, uint64_t *out);

/* A progress bar on stderr when it is a terminal and --quiet is off. */
typedef struct {
  const char *label;
  bool enabled;
  double start;
  int last_pct;
} cli_progress;
void cli_progress_init(cli_progress *p, const char *label, const cli_common *c);
void cli_progress_cb(void *user, uint64_t done, uint64_t total);
void cli_progress_done(cli_progress *p);
double cli_now(void);

/* Whole-file read; the error names the file. */
int cli_read_file(const char *path, uint8_t **buf, size_t *len, fhs_error *err);
/* Writes buf to path atomically with the given mode. */
int cli_write_file(const char *path, const uint8_t *buf, size_t len, unsigned mode, fhs_error *err);

/* Owner: loads KEYDIR/secret.key (decrypting it with the passphrase file when protected) and
 * builds its context. */
int cli_load_secret_key(const char *keydir, const char *passphrase_file, fhs_context **ctx, fhs_secret_key *sk,
                        fhs_error *err);
/* Server: loads an evaluation key; refuses a secret key, protected or not. */
int cli_load_eval_key(const char *path, fhs_context **ctx, fhs_eval_key *ek, fhs_error *err);
/* Reads a passphrase file (first line, without its line ending). */
int cli_read_passphrase(const char *path, char **pass, size_t *len, fhs_error *err);

/* The subcommands' work, callable from `run` (each cmd_* parses its options, then calls one). */
int cli_keygen(const char *dir, size_t ring, const char *pass_file, fhs_error *err);
int cli_encrypt(const char *input, const char *keys, const char *pass, const char *out, const char *schema_in,
                const char *schema_out, size_t bins, const cli_common *common, fhs_error *err);
int cli_fit(const char *data_path, const char *ek_path, const char *out, int ways, const char *marg, size_t memory,
            const cli_common *common, fhs_error *err);
typedef struct {
  const char *stats, *keys, *schema, *out, *model, *pass;
  double epsilon, delta, budget;
  int have_epsilon, have_delta, have_budget, no_dp;
  cli_common common;
} cli_decrypt_args;
int cli_decrypt(const cli_decrypt_args *a, fhs_error *err);
int cli_output_format_ok(const char *path);
int cli_synthesize(const char *stats_path, const char *schema_path, uint64_t rows, const char *model, uint64_t seed,
                   const char *out, const cli_manifest_extra *extra, fhs_error *err);
int cli_parse_privacy(const char *s, double *eps);

int cmd_keygen(int argc, char **argv);
int cmd_synthesize(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_encrypt(int argc, char **argv);
int cmd_fit(int argc, char **argv);
int cmd_decrypt(int argc, char **argv);
int cmd_inspect(int argc, char **argv);

#endif
