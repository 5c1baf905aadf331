/* fhesynth: the command-line tool. Dispatches to one subcommand (cmd_*.c). */
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "io.h" /* fhs_signal_cleanup_install: temporary files go with a SIGINT or SIGTERM */


typedef struct {
  const char *name;
  int (*run)(int, char **);
  const char *summary;
} command;

static const command COMMANDS[] = {
    {"keygen", cmd_keygen, "make a key directory (secret, public and evaluation keys)"},
    {"schema", cmd_schema, "write SCHEMA.json: public (columns, Private-PGM domain) or learnt with DP"},
    {"encrypt", cmd_encrypt, "encrypt a CSV or Parquet table into DATA.fhe (owner)"},
    {"fit", cmd_fit, "compute marginal counts on the ciphertexts into STATS.fhe (server)"},
    {"decrypt", cmd_decrypt, "decrypt STATS.fhe and release noisy marginals as STATS.json (owner)"},
    {"synthesize", cmd_synthesize, "fit a synthesizer to STATS.json and write synthetic rows (owner)"},
    {"run", cmd_run, "the whole pipeline locally: keygen, encrypt, fit, decrypt, synthesize"},
    {"evaluate", cmd_evaluate, "score synthetic data for fidelity, utility and privacy; HTML report"},
    {"inspect", cmd_inspect, "say what an fhesynth file is"},
    {"budget", cmd_budget, "show, create or reset a dataset's privacy budget ledger (owner)"},
};

static void usage(FILE *f) {
  fprintf(f, "usage: fhesynth COMMAND [OPTIONS]   (fhesynth COMMAND --help for its options)\n\ncommands:\n");
  for (size_t i = 0; i < sizeof COMMANDS / sizeof *COMMANDS; i++) fprintf(f, "  %-11s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
  fprintf(f, "\nexit status: 0 success, 1 runtime error (bad data, bad key, I/O), 2 usage error\n");
}

int main(int argc, char **argv) {
  /* every command writes through io's atomic files: on SIGINT, SIGTERM or SIGHUP their
   * temporary files are removed and the process dies of the signal; SIGXFSZ is ignored so a
   * file size limit is an error naming the file */
  fhs_signal_cleanup_install();
  if (argc < 2) {
    usage(stderr);
    return FHS_EXIT_USAGE;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
    printf("fhesynth %s\n", fhs_version());
    return FHS_EXIT_OK;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return FHS_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof COMMANDS / sizeof *COMMANDS; i++)
    if (strcmp(argv[1], COMMANDS[i].name) == 0) {
      for (int j = 2; j < argc; j++)
        if (strcmp(argv[j], "--version") == 0) {
          printf("fhesynth %s\n", fhs_version());
          return FHS_EXIT_OK;
        }
      opterr = 0; /* each subcommand reports a bad option itself, in one line */
      return COMMANDS[i].run(argc - 1, argv + 1);
    }
  return cli_fail(FHS_EXIT_USAGE, "unknown command \"%s\" (fhesynth --help lists them)", argv[1]);
}
