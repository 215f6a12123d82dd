"""RNN-ELM at its defaults against hpelm at the same width, on several data sets, in one run.

Only the width is set.  Both get the data a user would pass:

* rnnkit: ``make_pipeline(NonNegativeScaler(), RNNELMClassifier(width))``,
  both at their defaults: per-column scaling fitted on the training rows
  (signed data standardized and split into ``[max(z, 0), max(-z, 0)]``,
  nonnegative data divided by each column's maximum; test values below the
  training range clipped to 0), and the readout's ridge chosen from the
  stored sums (``alpha="auto"``).  With ``--unsplit``, also
  ``NonNegativeScaler(split_sign=False)`` (the former default, a shift to
  [0, 1] per column) on the same split and weights, and the paired gain of
  the default over it; with ``--split``, likewise
  ``NonNegativeScaler(split_sign=True)`` (what splitting would do to the
  nonnegative sets, which the default leaves unsplit).
* hpelm 1.0.10: ``StandardScaler`` then ``hpelm.ELM(d, k, classification="c")``
  with ``width`` ``"sigm"`` neurons, trained with ``elm.train(X, T, "c")``
  (its default tiny ridge ``50 eps``), class = argmax of its outputs.

Data sets: ``digits``, ``breast_cancer`` and ``wine`` (scikit-learn), stratified
70/30 splits; ``covtype`` (first 10,000 UCI rows, ``../shared/data/covtype``),
stratified 80/20 splits; ``higgs`` (LightGBM's 7,000 / 500 rows,
``../shared/data/higgs``), the given split, also scored by ROC AUC; ``mnist``
(60,000 / 10,000).  Each repeat draws a new split (where there is one) and
new random weights for both.

Usage::

    python benchmarks/elm_vs_hpelm.py --data ../shared/data
    python benchmarks/elm_vs_hpelm.py --data ../shared/data --only covtype:2000 higgs:2000 --repeats 5
    python benchmarks/elm_vs_hpelm.py --data ../shared/data --unsplit
    python benchmarks/elm_vs_hpelm.py --data ../shared/data --split --only digits:500 wine:50
"""
import argparse
import os
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "shared", "data")

#: Repeats per data set when --repeats is not given (fewer for the larger sets).
REPEATS = {"digits": 20, "breast_cancer": 20, "wine": 20, "covtype": 5, "higgs": 5, "mnist": 1}

#: (data set, width) pairs run by default.
DEFAULT_RUNS = ("digits:500", "digits:1000", "breast_cancer:100", "breast_cancer:300",
                "wine:50", "covtype:500", "covtype:2000", "covtype:4000", "higgs:500",
                "higgs:2000", "higgs:4000", "mnist:2000")


def load(name, data, seed):
    """``X_train, y_train, X_test, y_test`` (raw features) of one repeat."""
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    if name in ("digits", "breast_cancer", "wine"):
        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
        X, Xt, y, yt = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
        return X, y, Xt, yt
    from rnnkit.datasets import load_covtype, load_higgs, load_mnist

    if name == "covtype":
        X, y = load_covtype(os.path.join(data, "covtype"))
        X, Xt, y, yt = train_test_split(X, y, test_size=0.2, stratify=y, random_state=seed)
        return X, y, Xt, yt
    if name == "higgs":
        X, y = load_higgs(os.path.join(data, "higgs"), "train")
        Xt, yt = load_higgs(os.path.join(data, "higgs"), "test")
        return X, y, Xt, yt
    if name == "mnist":
        X, y = load_mnist(os.path.join(data, "mnist"), "train")
        Xt, yt = load_mnist(os.path.join(data, "mnist"), "test")
        return X.astype(np.float64), y, Xt.astype(np.float64), yt
    raise ValueError(f"unknown data set {name!r}")


def run_rnnkit(X, y, Xt, yt, width, seed, split_sign="auto"):
    from sklearn.pipeline import make_pipeline

    from rnnkit import NonNegativeScaler, RNNELMClassifier

    model = make_pipeline(NonNegativeScaler(split_sign=split_sign),
                          RNNELMClassifier(width, random_state=seed))
    t0 = time.perf_counter()
    model.fit(X, y)
    fit_time = time.perf_counter() - t0
    scores = model.decision_function(Xt)
    predicted = model.classes_[np.argmax(scores, axis=1)] if scores.ndim == 2 else \
        model.classes_[(scores > 0).astype(int)]
    return {"accuracy": float(np.mean(predicted == yt)), "fit_time": fit_time,
            "auc": _auc(yt, scores), "alpha": float(model[-1].alpha_)}


def run_hpelm(X, y, Xt, yt, width, seed):
    import hpelm
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    classes = np.unique(y)
    T = (y[:, None] == classes).astype(np.float64)
    np.random.seed(seed)  # hpelm draws its weights from numpy's global generator
    t0 = time.perf_counter()
    elm = hpelm.ELM(X.shape[1], len(classes), classification="c", precision="double")
    elm.add_neurons(width, "sigm")
    elm.train(scaler.transform(X), T, "c")
    fit_time = time.perf_counter() - t0
    out = elm.predict(scaler.transform(Xt))
    scores = out[:, 1] - out[:, 0] if len(classes) == 2 else out
    return {"accuracy": float(np.mean(classes[np.argmax(out, axis=1)] == yt)),
            "fit_time": fit_time, "auc": _auc(yt, scores), "alpha": float("nan")}


def warm_up():
    """Compile (or load from cache) the Numba kernels outside the timed fits."""
    from rnnkit import RNNELMClassifier

    rng = np.random.default_rng(0)
    RNNELMClassifier(8).fit(rng.random((50, 4)), np.arange(50) % 2)


def _paired(a, b):
    """Mean paired difference in points, with its standard error over the repeats."""
    diff = 100 * (a - b)
    error = diff.std(ddof=1) / np.sqrt(diff.size) if diff.size > 1 else float("nan")
    return f"{diff.mean():+.2f} ± {error:.2f}"


def _variant(mine, results):
    """A scaler variant's accuracy and the default's paired gain over it."""
    accuracy = np.array([r["accuracy"] for r in results])
    return f" {100 * accuracy.mean():>11.2f} {_paired(mine['accuracy'], accuracy):>17}"


def _auc(y, scores):
    if scores.ndim != 1:
        return float("nan")
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, scores))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--only", nargs="+", default=list(DEFAULT_RUNS),
                        help="runs as name:width (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=None,
                        help=f"repeats of every run (default per data set: {REPEATS})")
    parser.add_argument("--unsplit", action="store_true",
                        help="also fit NonNegativeScaler(split_sign=False), the former default")
    parser.add_argument("--split", action="store_true",
                        help="also fit NonNegativeScaler(split_sign=True)")
    args = parser.parse_args()
    variants = {name: value for name, value, wanted in
                (("unsplit", False, args.unsplit), ("split", True, args.split)) if wanted}
    warm_up()
    print(f"load average {os.getloadavg()[0]:.1f} at start; "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, cpus={os.cpu_count()}")
    print(f"{'data':<14} {'width':>6} {'rnnkit acc':>15} {'hpelm acc':>15} {'diff ± s.e.':>14} "
          f"{'rnnkit AUC':>10} {'hpelm AUC':>10} {'fit ratio':>9} {'alpha_ (median)':>15} "
          f"{'n':>3}" + "".join(f" {v + ' acc':>11} {'default - ' + v:>17}"
                                for v in variants))
    for run in args.only:
        name, width = run.split(":")
        width = int(width)
        results = {"rnnkit": [], "hpelm": [], **{v: [] for v in variants}}
        repeats = args.repeats or REPEATS[name]
        for seed in range(repeats):
            X, y, Xt, yt = load(name, args.data, seed)
            results["rnnkit"].append(run_rnnkit(X, y, Xt, yt, width, seed))
            results["hpelm"].append(run_hpelm(X, y, Xt, yt, width, seed))
            for variant, split_sign in variants.items():
                results[variant].append(run_rnnkit(X, y, Xt, yt, width, seed, split_sign))
        mine, peer = ({k: np.array([r[k] for r in results[c]]) for k in results[c][0]}
                      for c in ("rnnkit", "hpelm"))
        print(f"{name:<14} {width:>6} "
              f"{100 * mine['accuracy'].mean():>8.2f} ± {100 * mine['accuracy'].std():4.2f} "
              f"{100 * peer['accuracy'].mean():>8.2f} ± {100 * peer['accuracy'].std():4.2f} "
              f"{_paired(mine['accuracy'], peer['accuracy']):>14} "
              f"{mine['auc'].mean():>10.4f} {peer['auc'].mean():>10.4f} "
              f"{mine['fit_time'].sum() / peer['fit_time'].sum():>9.2f} "
              f"{np.median(mine['alpha']):>15.3g} {repeats:>3}"
              + "".join(_variant(mine, results[v]) for v in variants), flush=True)
    print(f"load average {os.getloadavg()[0]:.1f} at end; accuracy: mean ± std over the "
          "repeats (new split where there is one, new weights); diff: mean paired difference "
          "rnnkit - hpelm and its standard error; fit ratio: total rnnkit fit time / total "
          "hpelm fit time")


if __name__ == "__main__":
    main()
