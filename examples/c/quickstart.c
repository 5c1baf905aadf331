/* quickstart: the whole fhesynth pipeline through the public C API, with the owner's and the
 * server's steps separated as they would be on two machines.
 *
 *   cc quickstart.c $(pkg-config --cflags --libs fhesynth) -o quickstart
 *   ./quickstart data.csv workdir synthetic.csv
 */
#include <fhesynth.h>
#include <stdio.h>

static int check(fhs_status s, const char *what) {
  if (s != FHS_OK) fprintf(stderr, "quickstart: %s failed (%s): %s\n", what, fhs_status_name(s), fhs_last_error());
  return s != FHS_OK;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: quickstart DATA.csv WORKDIR SYNTHETIC.csv\n");
    return 2;
  }
  char keys_dir[1024], data[1024], stats[1024], schema[1024], noisy[1024];
  snprintf(keys_dir, sizeof keys_dir, "%s/keys", argv[2]);
  snprintf(data, sizeof data, "%s/DATA.fhe", argv[2]);
  snprintf(stats, sizeof stats, "%s/STATS.fhe", argv[2]);
  snprintf(schema, sizeof schema, "%s/SCHEMA.json", argv[2]);
  snprintf(noisy, sizeof noisy, "%s/STATS.json", argv[2]);
  printf("fhesynth %s\n", fhs_version());

  /* owner: keys and encryption */
  fhs_keys *keys = NULL;
  fhs_keygen_options ko;
  fhs_keygen_options_init(&ko);
  ko.force = 1;
  if (check(fhs_keys_generate(keys_dir, &ko, &keys), "keygen")) return 1;
  fhs_encrypt_options eo;
  fhs_encrypt_options_init(&eo);
  eo.schema_out = schema;
  if (check(fhs_dataset_encrypt(argv[1], keys, data, &eo, NULL), "encrypt")) return 1;

  /* server: only the evaluation key; it would refuse the secret key */
  fhs_keys *server_keys = NULL;
  fhs_dataset *ds = NULL;
  if (check(fhs_keys_open_eval(fhs_keys_eval_path(keys), &server_keys), "open eval key") ||
      check(fhs_dataset_open(data, &ds), "open dataset") ||
      check(fhs_dataset_fit(ds, server_keys, stats, NULL, NULL), "fit"))
    return 1;
  printf("server: %zu columns, %llu rows (rounded up to a block)\n", fhs_dataset_columns(ds),
         (unsigned long long)fhs_dataset_rows_padded(ds));

  /* owner: decrypt with differential privacy, synthesize */
  fhs_encrypted_stats *es = NULL;
  fhs_noisy_stats *ns = NULL;
  fhs_synthesizer *synth = NULL;
  fhs_decrypt_options dopt;
  fhs_decrypt_options_init(&dopt);
  dopt.epsilon = 1.0;
  if (check(fhs_encrypted_stats_open(stats, &es), "open stats") ||
      check(fhs_encrypted_stats_decrypt(es, keys, schema, noisy, &dopt, &ns), "decrypt") ||
      check(fhs_synthesizer_fit(ns, "mst", &synth), "fit synthesizer") ||
      check(fhs_synthesizer_sample(synth, fhs_noisy_stats_rows(ns), 1, argv[3]), "sample"))
    return 1;
  printf("owner: %zu noisy marginals at epsilon %g -> %llu synthetic rows in %s\n", fhs_noisy_stats_marginals(ns),
         fhs_noisy_stats_epsilon(ns), (unsigned long long)fhs_noisy_stats_rows(ns), argv[3]);
  fhs_synthesizer_free(synth);
  fhs_noisy_stats_free(ns);
  fhs_encrypted_stats_free(es);
  fhs_dataset_free(ds);
  fhs_keys_free(server_keys);
  fhs_keys_free(keys);
  return 0;
}
