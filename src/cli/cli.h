/* The command-line tool: option parsing, progress bars and exit codes over the public API
 * (include/fhesynth.h), nothing else. Each subcommand lives in its own cmd_*.c file. */
#ifndef FHS_CLI_H
#define FHS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fhesynth.h"

#define FHS_EXIT_OK 0
#define FHS_EXIT_RUNTIME 1
#define FHS_EXIT_USAGE 2

typedef struct {
  bool quiet;
  int threads;
} cli_common;

/* Prints "fhesynth: <msg>" on stderr and returns code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports the API's last error; exit 2 for an invalid argument, 1 otherwise. */
int cli_fail_status(fhs_status s);
/* "--flag" of the option getopt just rejected, for one-line messages. */
const char *cli_bad_option(int argc, char **argv);
int cli_parse_double(const char *s, double *out);
int cli_parse_u64(const char *s, uint64_t *out);
int cli_parse_privacy(const char *s, double *eps);
/* --quiet / --threads N shared by every subcommand: 1 if handled, -1 on a bad value. */
int cli_common_option(int c, const char *arg, cli_common *common, const char *cmd);
void cli_apply_common(const cli_common *c);

/* Progress on stderr, never with --quiet. On a terminal: a bar labelled with the stage, its
 * percentage, the elapsed time and an ETA (elapsed * (total - done) / done), cleared before
 * any other line is printed. Off a terminal: a line "fit: 42% after 31 s, about 43 s left"
 * every CLI_PROGRESS_SECONDS (30; FHESYNTH_PROGRESS_SECONDS overrides it, 0 = a line at every
 * new percent), from a ticker thread so that a long step between two updates is not silent. */
#define CLI_PROGRESS_SECONDS 30.0
typedef struct {
  const char *label;
  bool enabled; /* a bar: stderr is a terminal */
  bool lines;   /* periodic lines: stderr is not a terminal */
  bool drawn;   /* a bar is on the current line */
  double start, last_draw, interval;
  int last_pct;
  uint64_t done, total;
  void *ticker; /* the off-terminal line thread, or NULL */
} cli_progress;
void cli_progress_init(cli_progress *p, const char *label, const cli_common *c);
void cli_progress_cb(void *user, uint64_t done, uint64_t total);
/* fhs_run_options.stage: clears the bar, prints line, and relabels the progress for next. */
void cli_progress_stage(void *user, const char *line, const char *next);
/* fhs_encrypt_options.note: clears the bar and prints "LABEL: line"; the progress goes on. */
void cli_progress_note(void *user, const char *line);
/* Stops the ticker and clears the bar (call before printing the command's result line). */
void cli_progress_done(cli_progress *p);
double cli_now(void);

#define CLI_COMMON_OPTIONS                                                       \
  {"quiet", no_argument, 0, 'q'}, {"threads", required_argument, 0, 't'},        \
      {"help", no_argument, 0, 'h'}

int cmd_keygen(int argc, char **argv);
int cmd_encrypt(int argc, char **argv);
int cmd_fit(int argc, char **argv);
int cmd_decrypt(int argc, char **argv);
int cmd_synthesize(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_evaluate(int argc, char **argv);
int cmd_budget(int argc, char **argv);
int cmd_schema(int argc, char **argv);

#endif
