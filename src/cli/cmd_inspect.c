/* fhesynth inspect FILE: what a file is (kind, version, parameters, sizes), never its secrets. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

int cmd_inspect(int argc, char **argv) {
  static const struct option opts[] = {CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
  cli_common common = {false, 0};
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    int k = cli_common_option(c, optarg, &common, "inspect");
    if (k < 0) return FHS_EXIT_USAGE;
    if (k) continue;
    if (c == 'h') {
      puts("usage: fhesynth inspect FILE\n  Says what an fhesynth file is: kind, version, parameters, sizes. Never prints secrets.");
      return FHS_EXIT_OK;
    }
    return cli_fail(FHS_EXIT_USAGE, "inspect: unknown option %s (see --help)", cli_bad_option(argc, argv));
  }
  if (optind + 1 != argc) return cli_fail(FHS_EXIT_USAGE, "inspect: expected exactly one FILE");
  char *text = NULL;
  fhs_status s = fhs_inspect(argv[optind], &text);
  if (s != FHS_OK) return cli_fail_status(s);
  fputs(text, stdout);
  fhs_free(text);
  return FHS_EXIT_OK;
}
