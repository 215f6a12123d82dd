"""Which readout ridge do the criteria of ``alpha="auto"`` pick, against the test score?

For each data set and width, one ``RNNELMClassifier(width, cv=5)`` is fitted
(it keeps the total sums and 5 per-fold sums), then every candidate alpha of
the default grid is re-solved from the sums and scored on the test set, and
the picks are compared:

* ``gcv``: generalized cross-validation from one tridiagonalization of Phi
  (``cv=None``, the default);
* ``5-fold``: exact 5-fold cross-validation from the per-fold sums (``cv=5``,
  one candidate per decade);
* ``holdout``: the first fold of those 5 alone (20 % of the rows held out);
* ``best``: the candidate with the best test accuracy (not available to a
  user), and ``1e-6``: the former fixed default ``alpha=1e-6``.

Also printed: the time of each choice against one Cholesky solve of the same
sums.  Preprocessing as in ``elm_vs_hpelm.py`` (per-column min-max to [0, 1]),
except MNIST (the spec's /255, per-sample z-score, global scaling).
``higgs5k`` trains on the first 5,000 HIGGS rows and tests on the other
2,000 and the 500 test rows (2,500 rows: the 500-row test file alone is too
small to rank alphas).

``--cliff``: the solve at a tiny fixed alpha, where ``Phi + alpha I`` is not
numerically positive definite (a deep classifier wider than its training
set), by the former fallback (a full eigendecomposition, dropping eigenvalues
below ``L eps max(eigenvalue)``) and by the current one (the tridiagonal
path, alpha raised to the smallest value the sums resolve), against a
Cholesky solve at a larger alpha and the chosen ``alpha="auto"``.

Usage::

    python benchmarks/ridge_choice.py --data ../shared/data --only covtype:2000 higgs5k:2000 mnist:2000
    python benchmarks/ridge_choice.py --data ../shared/data --cliff
"""
import argparse
import copy
import os
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "shared", "data")
DEFAULT_RUNS = ("covtype:500", "covtype:2000", "covtype:4000", "higgs5k:2000", "higgs5k:4000",
                "mnist:2000", "mnist:4000")


def load(name, data):
    """Nonnegative ``X_train, y_train, X_test, y_test``."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    from rnnkit import NonNegativeScaler
    from rnnkit.datasets import load_covtype, load_higgs, load_mnist

    if name == "mnist":
        X, y = load_mnist(os.path.join(data, "mnist"), "train")
        Xt, yt = load_mnist(os.path.join(data, "mnist"), "test")
        scaler = NonNegativeScaler(per_sample_zscore=True).fit(X / 255.0)
        return scaler.transform(X / 255.0), y, scaler.transform(Xt / 255.0), yt
    if name == "covtype":
        X, y = load_covtype(os.path.join(data, "covtype"))
        X, Xt, y, yt = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
    elif name == "higgs5k":
        X, y = load_higgs(os.path.join(data, "higgs"), "train")
        Xt, yt = load_higgs(os.path.join(data, "higgs"), "test")
        X, Xt = X[:5000], np.vstack([X[5000:], Xt])
        y, yt = y[:5000], np.concatenate([y[5000:], yt])
    else:
        raise ValueError(f"unknown data set {name!r}")
    scaler = MinMaxScaler(clip=True).fit(X)
    return scaler.transform(X), y, scaler.transform(Xt), yt


def study(name, width, data):
    from rnnkit import RNNELMClassifier

    X, y, Xt, yt = load(name, data)
    t0 = time.perf_counter()
    clf = RNNELMClassifier(width, alpha=1e-6, cv=5, random_state=0).fit(X, y)
    fit_time = time.perf_counter() - t0
    fresh = copy.deepcopy(clf)  # sums without a tridiagonalization, to time a Cholesky solve
    fresh.set_params(alpha=1.01e-6)
    t0 = time.perf_counter()
    fresh.coef_
    cholesky_time = time.perf_counter() - t0
    del fresh
    H = clf.transform_hidden(Xt)
    Y = (yt[:, None] == clf.classes_).astype(np.float64)
    labels = np.searchsorted(clf.classes_, yt)

    def test_scores():
        scores = H @ clf.coef_.astype(H.dtype)
        return float(np.mean(np.argmax(scores, 1) == labels)), float(np.mean((scores - Y) ** 2))

    picks = {"1e-6": (1e-6, *test_scores())}
    clf.set_params(alpha="auto", cv=None)
    t0 = time.perf_counter()
    gcv_alpha = clf.alpha_
    gcv_time = time.perf_counter() - t0
    grid = clf.cv_results_["param_alpha"]
    scale = grid[0] / 1e-15
    curve = []
    for alpha in grid:
        clf.set_params(alpha=float(alpha))
        curve.append(test_scores() if clf.alpha_ == alpha else (np.nan, np.nan))
    curve = np.array(curve)
    clf.set_params(alpha="auto", cv=None)
    picks["gcv"] = (gcv_alpha, *test_scores())
    clf.set_params(cv=5)
    t0 = time.perf_counter()
    kfold_alpha = clf.alpha_
    kfold_time = time.perf_counter() - t0
    picks["5-fold"] = (kfold_alpha, *test_scores())
    results = clf.cv_results_
    holdout = results["param_alpha"][np.nanargmax(results["split0_test_score"])]
    clf.set_params(alpha=float(holdout))
    picks["holdout"] = (holdout, *test_scores())
    best = int(np.nanargmax(curve[:, 0]))
    picks["best"] = (grid[best], *curve[best])
    return {"picks": picks, "scale": scale, "fit_time": fit_time, "cholesky_time": cholesky_time,
            "gcv_time": gcv_time, "kfold_time": kfold_time, "n_train": len(y)}


def cliff(data, n_train, width, alphas):
    """Fixed tiny alphas on a deep classifier wider than its data: old and new fallbacks."""
    import warnings

    from rnnkit.elm.deep import DeepRNNELMClassifier
    from rnnkit.elm.readout import _eigh_solve

    X, y, Xt, yt = load("mnist", data)
    X, y = X[:n_train].astype(np.float32), y[:n_train]
    clf = DeepRNNELMClassifier((200,), n_hidden=width, alpha=1e-8, random_state=0).fit(X, y)
    H = clf.transform_hidden(Xt.astype(np.float32))
    labels = np.searchsorted(clf.classes_, yt)

    def accuracy(coef):
        return 100 * float(np.mean(np.argmax(H @ coef.astype(H.dtype), 1) == labels))

    accumulator = clf._accumulator
    print(f"deep classifier 784-200-{width}, {n_train} MNIST rows, float32 input; "
          f"load {os.getloadavg()[0]:.1f}")
    t0 = time.perf_counter()
    coef = clf.coef_
    print(f"  Cholesky at alpha 1e-08: {time.perf_counter() - t0:6.2f} s, {accuracy(coef):.2f} %")
    for alpha in alphas:
        t0 = time.perf_counter()
        old = _eigh_solve(accumulator.phi, accumulator.psi, alpha)
        old_time = time.perf_counter() - t0
        fresh = copy.deepcopy(clf)  # no tridiagonalization held yet
        fresh.set_params(alpha=alpha)
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            coef = fresh.coef_
        new_time = time.perf_counter() - t0
        said = "; ".join(str(w.message).split(";")[0] for w in caught)
        print(f"  alpha {alpha:.0e}: former eigh fallback {old_time:6.2f} s, {accuracy(old):.2f} %"
              f" | now {new_time:6.2f} s, {accuracy(coef):.2f} % at alpha_ {fresh.alpha_:.2g}"
              f" ({said or 'no warning'})")
        del fresh
    clf.set_params(alpha="auto")
    t0 = time.perf_counter()
    coef = clf.coef_
    print(f"  alpha='auto': {time.perf_counter() - t0:6.2f} s, {accuracy(coef):.2f} % at "
          f"alpha_ {clf.alpha_:.2g}; load {os.getloadavg()[0]:.1f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--only", nargs="+", default=list(DEFAULT_RUNS),
                        help="runs as name:width (default: %(default)s)")
    parser.add_argument("--cliff", action="store_true",
                        help="only the tiny fixed alpha study (deep classifier, MNIST)")
    parser.add_argument("--cliff-rows", type=int, default=3000)
    parser.add_argument("--cliff-width", type=int, default=4000)
    args = parser.parse_args()
    if args.cliff:
        return cliff(args.data, args.cliff_rows, args.cliff_width, [1e-10, 1e-12, 1e-14])
    print(f"load average {os.getloadavg()[0]:.1f} at start; alphas relative to trace(Phi)/L; "
          "test accuracy % (test MSE per entry)")
    for run in args.only:
        name, width = run.split(":")
        r = study(name, int(width), args.data)
        cells = "  ".join(f"{k} {a / r['scale']:.0e}: {100 * acc:.2f} ({mse:.4f})"
                          for k, (a, acc, mse) in r["picks"].items())
        print(f"{name} {width} (n={r['n_train']}): {cells}")
        print(f"    fit {r['fit_time']:.1f} s (cv=5 sums), Cholesky {r['cholesky_time']:.2f} s, "
              f"GCV choice {r['gcv_time']:.2f} s, 5-fold choice {r['kfold_time']:.2f} s, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
