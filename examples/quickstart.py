#!/usr/bin/env python3
"""fhesynth quickstart in Python: synthetic Adult rows from an encrypted table.

The owner's and the server's steps are separated as they would be on two machines: the
server step gets only the path of eval.key and DATA.fhe.

    python3 examples/quickstart.py                       # 5,000-row sample of data/adult.csv
    python3 examples/quickstart.py --sample 0 --epsilon 4 --workdir /tmp/adult

Writes WORKDIR/synthetic.csv and, when libfhesynth has the evaluation layer, the HTML report
WORKDIR/report.html.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

import fhesynth

REPO = Path(__file__).resolve().parent.parent


def tvd(real: pd.Series, synth: pd.Series) -> float:
    """Total variation distance between two columns' value shares (numbers in 10 bins)."""
    if pd.api.types.is_numeric_dtype(real):
        edges = pd.Series(real.dropna().quantile([i / 10 for i in range(11)]).unique())
        real = pd.cut(real, edges, include_lowest=True).astype(str)
        synth = pd.cut(synth.clip(edges.iloc[0], edges.iloc[-1]), edges, include_lowest=True).astype(str)
    p = real.fillna("<missing>").value_counts(normalize=True)
    q = synth.fillna("<missing>").value_counts(normalize=True)
    return 0.5 * p.sub(q, fill_value=0).abs().sum()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(REPO / "data" / "adult.csv"), help="input CSV (default: data/adult.csv)")
    ap.add_argument("--sample", type=int, default=5000, help="rows sampled from the input (0: all; default 5000)")
    ap.add_argument("--workdir", default="quickstart.work", help="keys, ciphertexts and outputs go here")
    ap.add_argument("--epsilon", type=float, default=1.0, help="differential privacy budget (default 1)")
    ap.add_argument("--target", default="income", help="utility target column for the report")
    ap.add_argument("--progress", action="store_true", help="progress bars on stderr")
    args = ap.parse_args()

    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    real = pd.read_csv(args.data)
    if args.sample and args.sample < len(real):
        real = real.sample(args.sample, random_state=0)
    holdout = real.sample(frac=0.2, random_state=1)  # never seen by the synthesizer: for the report
    train = real.drop(holdout.index)
    print("fhesynth %s (library %s at %s)" % (fhesynth.__version__, fhesynth.library_version(),
                                              fhesynth.library_path()))
    print("data: %d training rows, %d holdout rows, %d columns" % (len(train), len(holdout), train.shape[1]))
    times = {}

    # owner: keys and encryption; the schema (names, labels, bins) stays with the owner
    t = time.monotonic()
    keys = fhesynth.keygen(work / "keys", force=True)
    enc = fhesynth.encrypt(train, keys, out=work / "DATA.fhe", schema_out=work / "SCHEMA.json",
                           progress=args.progress)
    times["keygen + encrypt"] = time.monotonic() - t
    print("owner: encrypted %d columns into %s (%d rows padded); domain sizes %s"
          % (enc.columns, enc.path, enc.rows_padded, enc.domain_sizes))

    # server: only eval.key and DATA.fhe; a secret key would be refused
    t = time.monotonic()
    stats = fhesynth.fit(work / "DATA.fhe", eval_key=keys.eval_key, out=work / "STATS.fhe", progress=args.progress)
    times["fit (server, on ciphertexts)"] = time.monotonic() - t
    print("server: %d marginals computed on ciphertexts -> %s (%.1f KiB)"
          % (stats.marginals, stats.path, stats.path.stat().st_size / 1024))

    # owner: check the server's result against the data (every count recounted), decrypt only
    # the aggregates, with differential privacy, then synthesize
    t = time.monotonic()
    noisy = fhesynth.decrypt(stats, keys, epsilon=args.epsilon, schema=work / "SCHEMA.json",
                             out=work / "STATS.json", verify=train)
    # as many rows as the noisy count says: the exact count is never released
    synth = fhesynth.synthesize(noisy, model="mst", seed=1, out=work / "synthetic.csv")
    times["decrypt + synthesize"] = time.monotonic() - t
    print("owner: %d noisy marginals at epsilon %g -> %d synthetic rows in %s"
          % (len(noisy.marginals), noisy.epsilon, len(synth), work / "synthetic.csv"))

    # a quick fidelity summary computed here, whatever the library offers
    scores = {c: tvd(train[c], synth[c]) for c in train.columns}
    worst = max(scores, key=scores.get)
    print("fidelity: mean 1-way TVD %.3f (worst: %s %.3f)" % (sum(scores.values()) / len(scores), worst, scores[worst]))

    try:
        report = fhesynth.evaluate(train, synth, holdout=holdout, target=args.target, schema=work / "SCHEMA.json",
                                   stats=noisy)
    except NotImplementedError as e:
        print("report: skipped: %s" % e)
    else:
        path = report.save_html(work / "report.html")
        print("evaluation:")
        for line in report.summary.splitlines():
            print("  " + line)
        print("report: %s" % path)

    for stage, secs in times.items():
        print("time: %-30s %6.1f s" % (stage, secs))
    keys.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
