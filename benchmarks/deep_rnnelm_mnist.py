"""Deep RNN-ELM on MNIST: the paper's Classifier-1/2 and the multi-source Classifier-3/4/5.

Each configuration runs in its own subprocess, so the peak resident memory
(``resource`` max RSS, which sees BLAS buffers that tracemalloc misses) is
that configuration's alone.  Preprocessing (spec section 3): /255, per-sample
z-score, global shift/scale on train, clip >= 0 (``NonNegativeScaler(
per_sample_zscore=True, scale="global")``).  No NORB offline: the multi-source classifiers
see MNIST as two sources, the top and bottom halves of each image (rows 0-13
and 14-27), and are compared with the single-source stack of the same size.
The readout ridge is the estimators' default (``alpha="auto"``: chosen from
the stored sums, see :class:`rnnkit.elm.deep.DeepRNNELMClassifier`) unless
``--alpha`` is given (the figures in benchmarks/README.md up to 2026-12-02
used ``alpha=1e-10``); the pure RNN-ELM row keeps 1e-7.  The Classifier-2 rows use
``encoder_alpha=3.0`` (tuned on MNIST; the estimator's default is 0.3).
Classifier-1 runs FISTA's reference loop
(DenseRandomNet's ``sparse_elm_autoencoder.m``): on 20k rows (784-500-4000,
alpha 1e-11) it scored 98.03 % against 97.71 % for the standard FISTA.

Usage::

    python benchmarks/deep_rnnelm_mnist.py ../shared/data/mnist   # Classifier-2 784-500-8000-10
    python benchmarks/deep_rnnelm_mnist.py ../shared/data/mnist --configs all
    python benchmarks/deep_rnnelm_mnist.py ../shared/data/mnist --configs multi --n-train 20000
    python benchmarks/deep_rnnelm_mnist.py --list
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

TOP = np.arange(14 * 28)          # image rows 0-13
BOTTOM = np.arange(14 * 28, 784)  # image rows 14-27

# name: (estimator, keyword arguments, paper's test accuracy or None, description)
CONFIGS = {
    "c2-500-8000": ("deep", dict(hidden_layers=(500,), n_hidden=8000, encoder="ridge",
                                 encoder_alpha=3.0),
                    98.95, "Classifier-2 784-500-8000-10 (paper: kappa=1e-7)"),
    "c1-500-8000": ("deep", dict(hidden_layers=(500,), n_hidden=8000,
                                 encoder="fista_reference"),
                    98.85, "Classifier-1 784-500-8000-10, FISTA encoder (reference loop)"),
    "c2-700-8000": ("deep", dict(hidden_layers=(700,), n_hidden=8000, encoder="ridge",
                                 encoder_alpha=3.0),
                    None, "Classifier-2 784-700-8000-10"),
    "c2-500-10000": ("deep", dict(hidden_layers=(500,), n_hidden=10000, encoder="ridge",
                                  encoder_alpha=3.0),
                     None, "Classifier-2 784-500-10000-10"),
    "c1-700-700-5000": ("deep", dict(hidden_layers=(700, 700), n_hidden=5000,
                                     encoder="fista_reference"),
                        None, "Classifier-1 784-700-700-5000-10"),
    "pure-8000": ("pure", dict(n_hidden=8000, alpha=1e-7), None,
                  "pure RNN-ELM 784-8000-10 (no encoder)"),
    "single-500-4000": ("deep", dict(hidden_layers=(500,), n_hidden=4000, encoder="ridge"),
                        None, "single source, ridge 784-500-4000-10 (baseline of c3-c5)"),
    "c3-2x250-4000": ("multi", dict(sources=[TOP, BOTTOM], hidden_layers=(250,),
                                    n_hidden=4000, encoder="ridge", join="rnn"),
                      None, "Classifier-3: halves, ridge 250 each, joined at RNN 4000"),
    "c4-2x2x250-4000": ("multi", dict(sources=[TOP, BOTTOM], hidden_layers=(250,),
                                      n_hidden=4000, encoder=("ridge", "fista"), join="rnn"),
                        None, "Classifier-4: halves, ridge+FISTA 250 each, joined at RNN 4000"),
    "c5-2x250-2x2000": ("multi", dict(sources=[TOP, BOTTOM], hidden_layers=(250,),
                                      n_hidden=4000, encoder="ridge", join="readout"),
                        None, "Classifier-5: halves, ridge 250 + RNN 2000 each, joined at "
                              "the ELM readout"),
}
GROUPS = {
    "default": ["c2-500-8000"],
    "paper": ["c2-500-8000", "c1-500-8000", "c2-700-8000", "c2-500-10000", "c1-700-700-5000"],
    "multi": ["single-500-4000", "c3-2x250-4000", "c4-2x2x250-4000", "c5-2x250-2x2000"],
}
GROUPS["all"] = GROUPS["paper"] + ["pure-8000"] + GROUPS["multi"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="../shared/data/mnist",
                        help="directory with the four MNIST IDX files (gzip or not)")
    parser.add_argument("--configs", default="default",
                        help=f"comma-separated names or groups {sorted(GROUPS)}")
    parser.add_argument("--n-train", type=int, default=60000, help="training rows used")
    parser.add_argument("--alpha", type=float, default=None,
                        help="readout ridge (1/kappa); default: the estimator's")
    parser.add_argument("--encoder-alpha", type=float, default=None,
                        help="ridge of the ridge encoders (default: the estimator's)")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--gram-precision", choices=("float64", "mixed"), default="float64")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--list", action="store_true", help="list configurations and exit")
    parser.add_argument("--run-one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.list:
        for name, (_, _, paper, text) in CONFIGS.items():
            print(f"{name:18s} {text} (paper: {_paper(paper)})")
        return 0
    if args.run_one:
        print(json.dumps(run_one(args.run_one, args)), flush=True)
        return 0
    names = []
    for item in args.configs.split(","):
        names += GROUPS.get(item, [item])
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        parser.error(f"unknown configurations {unknown}; see --list")
    alpha = "estimator default" if args.alpha is None else f"{args.alpha:g}"
    print(f"MNIST from {args.path}, {args.n_train} training rows, alpha={alpha}, "
          f"batch_size={args.batch_size}, gram_precision={args.gram_precision}, "
          f"{os.cpu_count()} CPUs, load average at start {_load()}", flush=True)
    header = (f"{'configuration':18s} {'test acc %':>10s} {'paper %':>8s} {'fit s':>8s} "
              f"{'predict s':>9s} {'peak RSS MB':>11s} {'load 1-min':>10s}")
    print(header)
    print("-" * len(header))
    for name in names:
        command = [sys.executable, os.path.abspath(__file__), args.path, "--run-one", name,
                   "--n-train", str(args.n_train), "--batch-size", str(args.batch_size),
                   "--gram-precision", args.gram_precision, "--seed", str(args.seed)]
        if args.alpha is not None:
            command += ["--alpha", str(args.alpha)]
        if args.encoder_alpha is not None:
            command += ["--encoder-alpha", str(args.encoder_alpha)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{name:18s} FAILED: {done.stderr.strip().splitlines()[-1:]}", flush=True)
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{name:18s} {100 * r['accuracy']:10.2f} {_paper(r['paper']):>8s} "
              f"{r['fit_seconds']:8.1f} {r['predict_seconds']:9.1f} {r['peak_rss_mb']:11.0f} "
              f"{r['load_end']:10.1f}", flush=True)
    return 0


def run_one(name, args):
    """Fit and score one configuration in this process; returns a dict of figures."""
    from rnnkit import NonNegativeScaler, RNNELMClassifier
    from rnnkit.elm.deep import DeepRNNELMClassifier
    from rnnkit.elm.multisource import MultiSourceRNNELMClassifier

    kind, params, paper, _ = CONFIGS[name]
    X_train, y_train, X_test, y_test = load(args.path)
    X_train, y_train = X_train[:args.n_train], y_train[:args.n_train]
    scaler = NonNegativeScaler(per_sample_zscore=True, scale="global").fit(X_train)
    X_train = scaler.transform(X_train).astype(np.float32)
    X_test = scaler.transform(X_test).astype(np.float32)
    params = {**params, "batch_size": args.batch_size, "random_state": args.seed}
    if args.alpha is not None:
        params["alpha"] = args.alpha
    if kind == "pure":
        estimator = RNNELMClassifier(**params)
    else:
        params["gram_precision"] = args.gram_precision
        if args.encoder_alpha is not None:
            params["encoder_alpha"] = args.encoder_alpha
        cls = DeepRNNELMClassifier if kind == "deep" else MultiSourceRNNELMClassifier
        estimator = cls(**params)
    t0 = time.perf_counter()
    estimator.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    accuracy = float(np.mean(estimator.predict(X_test) == y_test))
    predict_seconds = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"name": name, "accuracy": accuracy, "paper": paper, "fit_seconds": fit_seconds,
            "predict_seconds": predict_seconds, "peak_rss_mb": peak_kb / 1024,
            "load_end": os.getloadavg()[0]}


def load(path):
    """MNIST as float64 in [0, 1]: (X_train, y_train, X_test, y_test)."""
    try:
        from rnnkit.datasets import load_mnist
    except ImportError:  # the loader may not be there yet: read the IDX files directly
        load_mnist = _read_idx_pair
    X_train, y_train = load_mnist(path, subset="train")
    X_test, y_test = load_mnist(path, subset="test")
    return (X_train.reshape(len(X_train), -1) / 255.0, np.asarray(y_train),
            X_test.reshape(len(X_test), -1) / 255.0, np.asarray(y_test))


def _read_idx_pair(path, subset):
    import gzip

    stems = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}[subset]
    arrays = []
    for stem in stems:
        name = os.path.join(path, stem + ".gz")
        opener = gzip.open if os.path.exists(name) else open
        with opener(name if os.path.exists(name) else os.path.join(path, stem), "rb") as f:
            data = f.read()
        ndim = data[3]
        shape = np.frombuffer(data[4:4 + 4 * ndim], dtype=">u4")
        arrays.append(np.frombuffer(data[4 + 4 * ndim:], dtype=np.uint8).reshape(shape))
    return arrays[0], arrays[1].astype(np.int64)


def _paper(value):
    return "-" if value is None else f"{value:.2f}"


def _load():
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
