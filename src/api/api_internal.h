/* Internal pieces of the public API layer: handle layouts and error recording. */
#ifndef FHS_API_INTERNAL_H
#define FHS_API_INTERNAL_H

#include "datafile.h"
#include "encode.h"
#include "fhe.h"
#include "fhesynth.h"
#include "stats.h"
#include "synth.h"

struct fhs_keys {
  char *dir;         /* NULL for an evaluation key opened alone */
  char *eval_path;
  fhs_context *ctx;
  int has_secret;
  fhs_secret_key sk;
  int has_eval;
  fhs_eval_key ek;
};

struct fhs_dataset {
  char *path;
  fhs_data_reader *reader;
};

struct fhs_encrypted_stats {
  char *path;
  fhs_stats_info info;
};

struct fhs_noisy_stats {
  char *path, *schema_path;
  fhs_schema schema;
  fhs_marginal_set set;
};

struct fhs_synthesizer {
  char *stats_path, *schema_path;
  fhs_schema schema;     /* the model points into it */
  fhs_marginal_set set;
  fhs_synth_model *model;
  char *model_name;
};

/* Records the message for fhs_last_error and returns the status. */
fhs_status api_fail(fhs_status s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Maps a lower layer's message to a status (keys, corruption, I/O, budget, else data). */
fhs_status api_fail_err(const fhs_error *err);
/* Input file readable? Output's directory writable? (FHS_ERR_IO when not.) */
fhs_status api_check_input(const char *path);
fhs_status api_check_output(const char *path);
char *api_strdup(const char *s);
/* A whole regular file; the error names it. */
int api_read_file(const char *path, uint8_t **buf, size_t *len, fhs_error *err);
/* fhs_evaluate with a budget the caller knows (NaN: unknown). */
fhs_status api_evaluate(const char *real, const char *synthetic, const fhs_evaluate_options *opts, double epsilon,
                        double delta, char **summary);
/* Loads the evaluation key of an owner key directory on first use. */
fhs_status api_keys_need_eval(fhs_keys *k);

#endif
