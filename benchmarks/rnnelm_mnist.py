"""Pure RNN-ELM on MNIST against hpelm and the BLAS floor, in one run.

Each contender runs in its own subprocess, so its peak memory (max RSS) is
its own.  Printed per contender: test accuracy, fit time, peak memory above
the post-import baseline, and ratios to the BLAS floor and to hpelm.

* rnnkit: ``RNNELMClassifier`` at its defaults (the readout's ridge chosen
  from the stored sums, ``alpha="auto"``) on the spec's preprocessing (/255,
  per-sample z-score, global shift/scale fitted on train).
* rnnkit_fixed: the same with a fixed ``--fixed-alpha`` (a Cholesky solve);
  in the same process it also times one more Cholesky solve and the choice
  of alpha from the same sums, so the cost of ``alpha="auto"`` over a fixed
  alpha is measured on one set of sums (``select / fixed`` in the output).
* hpelm: ``hpelm.ELM`` with the same number of sigmoid neurons on the same
  preprocessed data (the `bench` extra installs it).
* floor: the same matrix products and solve in NumPy/SciPy alone: per chunk
  ``P = [X, b] W``, ``Phi += P'P`` (dsyrk), ``Psi += P'Y``; then
  ``cho_factor``/``cho_solve`` of ``Phi + alpha I``.  No activation, no
  scale pass: the least any implementation of this readout has to do.

Also checks that ``partial_fit`` over chunks reproduces ``fit``.  ``--seed``
sets rnnkit's ``random_state`` and seeds NumPy's global generator, which
hpelm draws its neurons from, so that a few seeds give the spread of both.

Usage::

    python benchmarks/rnnelm_mnist.py --data ../shared/data/mnist --n-hidden 10000
    python benchmarks/rnnelm_mnist.py --n-hidden 4000 --contenders rnnkit_fixed rnnkit
    python benchmarks/rnnelm_mnist.py --n-hidden 10000 --contenders rnnkit hpelm --seed 1
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "..", "shared", "data", "mnist")


def rss_mb():
    """Current resident set size in MB (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def reset_peak_rss():
    """Reset the kernel's high-water mark of this process (VmHWM)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_rss_mb():
    """Peak resident set size since the last reset, in MB (Linux VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(data, n_train):
    """Preprocessed training data and a function that returns the test data."""
    from rnnkit import NonNegativeScaler
    from rnnkit.datasets import load_mnist

    X, y = load_mnist(data, "train")
    X, y = X[:n_train] / 255.0, y[:n_train]
    scaler = NonNegativeScaler(per_sample_zscore=True, scale="global").fit(X)

    def test_data():
        Xt, yt = load_mnist(data, "test")
        return scaler.transform(Xt / 255.0), yt

    return scaler.transform(X), y, test_data


def warm_up():
    """Compile (or load from cache) the Numba kernels outside the timed fit."""
    from rnnkit import RNNELMClassifier

    rng = np.random.default_rng(0)
    RNNELMClassifier(8).fit(rng.random((50, 4)), np.arange(50) % 2)


def worker_rnnkit(args, X, y, test_data, alpha="auto"):
    from rnnkit import RNNELMClassifier

    clf = RNNELMClassifier(args.n_hidden, alpha=alpha, batch_size=args.batch_size,
                           random_state=args.seed)
    t0 = time.perf_counter()
    clf.fit(X, y)
    fit_time = time.perf_counter() - t0
    peak = peak_rss_mb()
    Xt, yt = test_data()
    result = {"fit_time": fit_time, "peak_mb": peak, "accuracy": clf.score(Xt, yt),
              "alpha_": clf.alpha_}
    if alpha != "auto":  # the two solves from the same sums: Cholesky, then the choice
        clf.set_params(alpha=alpha * (1 + 1e-9))
        t0 = time.perf_counter()
        clf.coef_
        result["cholesky_time"] = time.perf_counter() - t0
        clf.set_params(alpha="auto")
        t0 = time.perf_counter()
        clf.coef_
        result["select_time"] = time.perf_counter() - t0
        result["accuracy auto"] = clf.score(Xt, yt)
    for value in args.alphas:  # re-solves from the stored sums: no pass over the data
        clf.set_params(alpha=value)
        result[f"accuracy alpha={value:g}"] = clf.score(Xt, yt)
    return result


def worker_rnnkit_fixed(args, X, y, test_data):
    return worker_rnnkit(args, X, y, test_data, alpha=args.fixed_alpha)


def worker_hpelm(args, X, y, test_data):
    import hpelm

    T = np.eye(10)[y]
    np.random.seed(args.seed)  # hpelm draws its neurons from NumPy's global generator
    elm = hpelm.ELM(X.shape[1], 10, classification="c", batch=args.batch_size,
                    precision="double")
    elm.add_neurons(args.n_hidden, "sigm")
    t0 = time.perf_counter()
    elm.train(X, T, "c")
    fit_time = time.perf_counter() - t0
    peak = peak_rss_mb()
    Xt, yt = test_data()
    accuracy = float(np.mean(elm.predict(Xt).argmax(1) == yt))
    return {"fit_time": fit_time, "peak_mb": peak, "accuracy": accuracy}


def worker_floor(args, X, y, test_data):
    from scipy.linalg import blas, cho_factor, cho_solve

    rng = np.random.default_rng(args.seed)
    W = rng.random((X.shape[1] + 1, args.n_hidden))
    Y = np.eye(10)[y]
    t0 = time.perf_counter()
    phi = np.zeros((args.n_hidden, args.n_hidden), order="F")
    psi = np.zeros((args.n_hidden, 10))
    for start in range(0, len(X), args.batch_size):
        P = X[start:start + args.batch_size] @ W[:-1]
        P += W[-1]
        phi = blas.dsyrk(1.0, P.T, beta=1.0, c=phi, trans=0, lower=0, overwrite_c=1)
        psi += P.T @ Y[start:start + args.batch_size]
    phi[np.diag_indices_from(phi)] += 1.0
    beta = cho_solve(cho_factor(phi, lower=False, overwrite_a=True, check_finite=False), psi)
    fit_time = time.perf_counter() - t0
    assert np.isfinite(beta).all()
    return {"fit_time": fit_time, "peak_mb": peak_rss_mb(), "accuracy": float("nan")}


def worker_partial(args, X, y, test_data):
    """fit versus partial_fit over chunks, same scale rows: max relative coef difference."""
    from rnnkit import RNNELMClassifier

    kwargs = dict(n_hidden=args.partial_hidden, batch_size=args.batch_size,
                  scale_rows=args.partial_chunk, random_state=args.seed)
    full = RNNELMClassifier(**kwargs).fit(X, y)
    streamed = RNNELMClassifier(**kwargs)
    for start in range(0, len(X), args.partial_chunk):
        streamed.partial_fit(X[start:start + args.partial_chunk],
                             y[start:start + args.partial_chunk], classes=np.arange(10))
    rel = float(np.abs(streamed.coef_ - full.coef_).max() / np.abs(full.coef_).max())
    Xt, yt = test_data()
    return {"relative_difference": rel, "alpha_ratio": streamed.alpha_ / full.alpha_,
            "accuracy": streamed.score(Xt, yt),
            "fit_time": float("nan"), "peak_mb": peak_rss_mb()}


WORKERS = {"rnnkit": worker_rnnkit, "rnnkit_fixed": worker_rnnkit_fixed, "hpelm": worker_hpelm,
           "floor": worker_floor, "partial_fit": worker_partial}


def run_worker(args):
    import gc

    warm_up()
    base = rss_mb()
    X, y, test_data = load(args.data, args.n_train)
    gc.collect()
    reset_peak_rss()
    result = WORKERS[args.worker](args, X, y, test_data)
    result.update(base_mb=base, data_mb=X.nbytes / 2**20)
    print("RESULT " + json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder with the 4 MNIST IDX files")
    parser.add_argument("--n-hidden", type=int, default=10000)
    parser.add_argument("--fixed-alpha", type=float, default=1e-6,
                        help="ridge of the rnnkit_fixed contender (the former default)")
    parser.add_argument("--alphas", type=float, nargs="*", default=[],
                        help="extra ridge values to re-solve and score (rnnkit only)")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--n-train", type=int, default=60000)
    parser.add_argument("--contenders", nargs="+", default=["floor", "rnnkit_fixed", "rnnkit",
                                                            "hpelm", "partial_fit"])
    parser.add_argument("--partial-hidden", type=int, default=2000)
    parser.add_argument("--partial-chunk", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0,
                        help="rnnkit's random_state; also seeds NumPy's global generator (hpelm)")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return run_worker(args)

    print(f"MNIST {args.n_train} train / 10000 test, {args.n_hidden} hidden units, "
          f"batch {args.batch_size}, seed {args.seed}; threads: "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, cpus={os.cpu_count()}; "
          f"load average {os.getloadavg()[0]:.1f}")
    results = {}
    for name in args.contenders:
        cmd = [sys.executable, __file__, "--worker", name, "--data", args.data,
               "--n-hidden", str(args.n_hidden), "--fixed-alpha", repr(args.fixed_alpha),
               "--batch-size", str(args.batch_size), "--n-train", str(args.n_train),
               "--partial-hidden", str(args.partial_hidden),
               "--partial-chunk", str(args.partial_chunk), "--seed", str(args.seed),
               "--alphas", *map(repr, args.alphas)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode or not lines:
            print(f"{name}: failed\n{proc.stderr[-2000:]}")
            continue
        results[name] = json.loads(lines[-1][7:])
        print(f"  {name}: done in {results[name].get('fit_time', float('nan')):.1f} s fit, "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)

    phi_mb = args.n_hidden ** 2 * 8 / 2**20
    chunk_mb = args.batch_size * args.n_hidden * 8 / 2**20
    print(f"\n{'contender':<12} {'accuracy':>9} {'alpha_':>9} {'fit (s)':>9} {'/floor':>7} "
          f"{'/hpelm':>7} {'peak MB':>9} {'/budget':>8}")
    for name, r in results.items():
        if name == "partial_fit":
            continue
        budget = phi_mb + r["data_mb"] + chunk_mb
        extra = r["peak_mb"] - r["base_mb"]
        floor = results.get("floor", {}).get("fit_time", float("nan"))
        hp = results.get("hpelm", {}).get("fit_time", float("nan"))
        print(f"{name:<12} {r['accuracy']:>9.4f} {r.get('alpha_', float('nan')):>9.2g} "
              f"{r['fit_time']:>9.1f} "
              f"{r['fit_time'] / floor:>7.2f} {r['fit_time'] / hp:>7.2f} "
              f"{extra:>9.0f} {extra / budget:>8.2f}")
    print(f"memory budget = Phi {phi_mb:.0f} MB + training data + one chunk {chunk_mb:.0f} MB; "
          "peak = max RSS during fit above the RSS before loading data")
    if "rnnkit_fixed" in results:
        r = results["rnnkit_fixed"]
        estimate = (r["fit_time"] - r["cholesky_time"] + r["select_time"]) / r["fit_time"]
        print(f"rnnkit_fixed: Cholesky solve {r['cholesky_time']:.1f} s, choice of alpha from "
              f"the same sums {r['select_time']:.1f} s (accuracy then {r['accuracy auto']:.4f}); "
              f"select / fixed fit = {estimate:.2f}")
        if "rnnkit" in results:
            print(f"end to end: rnnkit (alpha='auto') fit / rnnkit_fixed fit = "
                  f"{results['rnnkit']['fit_time'] / r['fit_time']:.2f}")
    for key, value in results.get("rnnkit", {}).items():
        if key.startswith("accuracy alpha"):
            print(f"rnnkit {key}: {value:.4f}")
    if "partial_fit" in results:
        r = results["partial_fit"]
        print(f"partial_fit over {args.partial_chunk}-row chunks vs fit ({args.partial_hidden} "
              f"hidden): max relative coef difference {r['relative_difference']:.2e}, alpha_ "
              f"ratio {r['alpha_ratio']:.12g}, accuracy {r['accuracy']:.4f}")


if __name__ == "__main__":
    main()
