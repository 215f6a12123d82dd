"""The RNN-ELM paper's large-data configurations (Section VI) on small samples.

The paper trains on 5,000,000 HIGGS rows (test: the last 500,000) and on
531,012 Covertype rows (test: 50,000), chunk by chunk.  This script runs the
same network structures and input maps on the rows in ``../shared/data`` —
HIGGS: LightGBM's 7,000 training / 500 test rows; Covertype: the first
10,000 UCI rows, a stratified 80/20 split — and prints the paper's figures
beside rnnkit's, **labelled as a small-sample run**: widths of 5,000-10,000
clusters on 7,000-8,000 rows do not test what the paper's 5 million rows do,
only that the configurations run and where they land.  Every estimator is at
its defaults except the structure (the ridge is chosen by ``alpha="auto"``,
where the paper fixed kappa per experiment).

Input maps, as in the paper: HIGGS ``max(X, 0)`` (pure 28-5000-2) or
``[max(X, 0), -min(X, 0)]`` (2x28-5000-2); Covertype scaled to [0, 1] per
attribute (``NonNegativeScaler(split_sign=False)``: Covertype has a signed
column, which the default would split).

Usage::

    python benchmarks/elm_paper_large.py --data ../shared/data
    python benchmarks/elm_paper_large.py --data ../shared/data --configs cov-54-10000-7
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # this checkout's rnnkit
DEFAULT_DATA = os.path.join(HERE, "..", "..", "shared", "data")

#: name -> (data set, input map, model, paper's test accuracy %, paper's structure)
CONFIGS = {
    "higgs-28-5000-2": ("higgs", "positive", ("pure", 5000), 70.41, "28-5000-2, max(X, 0)"),
    "higgs-2x28-5000-2": ("higgs", "split", ("pure", 5000), 69.79,
                          "2x28-5000-2, [max(X, 0), -min(X, 0)]"),
    "cov-54-5000-7": ("covtype", "scaled", ("pure", 5000), 83.79, "54-5000-7"),
    "cov-54-10000-7": ("covtype", "scaled", ("pure", 10000), 84.21, "54-10000-7"),
    "cov-c2-54-1000-5000-7": ("covtype", "scaled", ("deep", 1000, 5000), 72.21,
                              "Classifier-2 54-1000-5000-7"),
}
DEFAULT_CONFIGS = ("higgs-28-5000-2", "higgs-2x28-5000-2", "cov-54-5000-7",
                   "cov-c2-54-1000-5000-7")


def load(name, data):
    from sklearn.model_selection import train_test_split

    from rnnkit.datasets import load_covtype, load_higgs

    if name == "higgs":
        X, y = load_higgs(os.path.join(data, "higgs"), "train")
        Xt, yt = load_higgs(os.path.join(data, "higgs"), "test")
        return X, y, Xt, yt
    X, y = load_covtype(os.path.join(data, "covtype"))
    X, Xt, y, yt = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    return X, y, Xt, yt


def input_map(kind):
    from sklearn.preprocessing import FunctionTransformer

    from rnnkit import NonNegativeScaler

    if kind == "positive":
        return FunctionTransformer(lambda X: np.maximum(X, 0))
    if kind == "split":
        return FunctionTransformer(lambda X: np.hstack([np.maximum(X, 0), -np.minimum(X, 0)]))
    return NonNegativeScaler(split_sign=False)


def model(spec, seed):
    from rnnkit import DeepRNNELMClassifier, RNNELMClassifier

    if spec[0] == "pure":
        return RNNELMClassifier(spec[1], random_state=seed)
    return DeepRNNELMClassifier((spec[1],), spec[2], encoder="ridge", random_state=seed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--configs", nargs="+", default=list(DEFAULT_CONFIGS),
                        choices=sorted(CONFIGS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from sklearn.pipeline import make_pipeline

    print(f"small-sample run (not the paper's row counts); load average "
          f"{os.getloadavg()[0]:.1f}; seed {args.seed}")
    print(f"{'configuration':40s} {'rows':>11s} {'paper %':>8s} {'rnnkit %':>9s} "
          f"{'alpha_':>9s} {'fit (s)':>8s}")
    cache = {}
    for name in args.configs:
        data, kind, spec, paper, label = CONFIGS[name]
        if data not in cache:
            cache[data] = load(data, args.data)
        X, y, Xt, yt = cache[data]
        pipe = make_pipeline(input_map(kind), model(spec, args.seed))
        t0 = time.perf_counter()
        pipe.fit(X, y)
        seconds = time.perf_counter() - t0
        accuracy = 100 * pipe.score(Xt, yt)
        print(f"{label:40s} {len(y):>5d}/{len(yt):<5d} {paper:8.2f} {accuracy:9.2f} "
              f"{pipe[-1].alpha_:9.2e} {seconds:8.1f}", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
