"""Peak memory of RNNELMClassifier.fit on a memmap, an h5py dataset and an in-memory array.

Generates a nonnegative float32 matrix (default 1,000,000 x 300, 1.1 GiB) with
10 learnable classes, writes it once as a raw file (read through
``np.memmap``) and as an HDF5 dataset, and fits
``RNNELMClassifier(500, batch_size=1000)`` on each input in its own
subprocess.  Peak memory is the kernel's high-water mark of the resident set
(``ru_maxrss``, which counts the mapped file pages a memmap touches) above the
resident set after the imports and a small warm-up fit.  The budget of an
on-disk input is Phi and Psi, one chunk (its rows, their float32 hidden
output and its float64 copy for the Gram update) and the targets (the labels,
their float64 one-hot matrix and the integer one it is made from); an
in-memory input adds the data itself.  The three fits see the same rows in the same order, so their
readouts must agree; the script prints the largest difference.

Usage::

    python benchmarks/elm_memory.py                      # 1,000,000 x 300, temporary directory
    python benchmarks/elm_memory.py --rows 200000 --dir /tmp/elm-memory --keep
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

INPUTS = ("memmap", "h5py", "memory")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=300)
    parser.add_argument("--n-hidden", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--inputs", nargs="+", choices=INPUTS, default=list(INPUTS))
    parser.add_argument("--dir", help="where to write the data (default: a temporary "
                                      "directory, removed at the end)")
    parser.add_argument("--keep", action="store_true", help="keep the data files")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(fit_one(args.child, args)), flush=True)
        return
    directory = args.dir or tempfile.mkdtemp(prefix="elm-memory-")
    os.makedirs(directory, exist_ok=True)
    try:
        t0 = time.perf_counter()
        write_data(directory, args.rows, args.features)
        print(f"data: {args.rows} x {args.features} float32 "
              f"({args.rows * args.features * 4 / 2**30:.2f} GiB) in {directory}, "
              f"written in {time.perf_counter() - t0:.0f} s")
        print(f"RNNELMClassifier({args.n_hidden}, batch_size={args.batch_size}); "
              f"load average {_load()}\n")
        results = {name: run_child(name, directory, args) for name in args.inputs}
        report(results, args)
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(directory, ignore_errors=True)


def write_data(directory, rows, features, block=50_000):
    """X.dat (raw, C order), X.h5 (dataset "X") and y.npy, unless already there."""
    paths = [os.path.join(directory, name) for name in ("X.dat", "X.h5", "y.npy")]
    if all(os.path.exists(p) for p in paths):
        return
    import h5py

    rng = np.random.default_rng(0)
    directions = rng.standard_normal((features, 10))
    labels = np.empty(rows, dtype=np.int64)
    with open(paths[0], "wb") as raw, h5py.File(paths[1], "w") as h5:
        dataset = h5.create_dataset("X", shape=(rows, features), dtype="f4")
        for start in range(0, rows, block):
            X = rng.random((min(block, rows - start), features), dtype=np.float32)
            labels[start:start + len(X)] = np.argmax((X - 0.5) @ directions, axis=1)
            X.tofile(raw)
            dataset[start:start + len(X)] = X
    np.save(paths[2], labels)


def run_child(name, directory, args):
    command = [sys.executable, os.path.abspath(__file__), "--child", name,
               "--dir", directory, "--rows", str(args.rows), "--features", str(args.features),
               "--n-hidden", str(args.n_hidden), "--batch-size", str(args.batch_size)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def fit_one(name, args):
    """Fit on one input kind in this process; returns the figures."""
    import h5py

    from rnnkit import RNNELMClassifier

    def make():
        return RNNELMClassifier(args.n_hidden, batch_size=args.batch_size, random_state=0)

    rng = np.random.default_rng(1)  # warm-up: imports, compiled kernels, BLAS buffers
    make().fit(rng.random((2 * args.batch_size, args.features), dtype=np.float32),
               np.arange(2 * args.batch_size) % 10)
    baseline = _rss()
    y = np.load(os.path.join(args.dir, "y.npy"))
    path = os.path.join(args.dir, "X.dat")
    shape = (args.rows, args.features)
    h5 = None
    if name == "memmap":
        X = np.memmap(path, dtype=np.float32, mode="r", shape=shape)
    elif name == "h5py":
        h5 = h5py.File(os.path.join(args.dir, "X.h5"), "r")
        X = h5["X"]
    else:
        X = np.fromfile(path, dtype=np.float32).reshape(shape)
    t0 = time.perf_counter()
    clf = make().fit(X, y)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    np.save(os.path.join(args.dir, f"coef_{name}.npy"), clf.coef_)
    accuracy = float(clf.score(X[:20_000], y[:20_000]))
    if h5 is not None:
        h5.close()
    return {"peak_mb": peak / 1e6, "above_mb": (peak - baseline) / 1e6,
            "baseline_mb": baseline / 1e6, "seconds": seconds, "accuracy": accuracy,
            "load": _load()}


def report(results, args):
    L, d, b = args.n_hidden, args.features, args.batch_size
    chunk = b * d * 4 + b * L * (4 + 8)
    sums = L * L * 8 + L * 10 * 8
    targets = args.rows * (8 + 2 * 10 * 8)
    data = args.rows * d * 4
    print(f"{'input':<8} {'peak MB':>8} {'above baseline':>15} {'budget MB':>10} "
          f"{'/ budget':>9} {'fit (s)':>8} {'/ memory':>9} {'train acc':>10}  load")
    reference = results.get("memory", next(iter(results.values())))["seconds"]
    for name, r in results.items():
        budget = (sums + chunk + targets + (data if name == "memory" else 0)) / 1e6
        print(f"{name:<8} {r['peak_mb']:8.0f} {r['above_mb']:15.0f} {budget:10.0f} "
              f"{r['above_mb'] / budget:9.2f} {r['seconds']:8.1f} "
              f"{r['seconds'] / reference:9.2f} {r['accuracy']:10.4f}  {r['load']}")
    coefs = {name: np.load(os.path.join(args.dir, f"coef_{name}.npy")) for name in results}
    first = next(iter(coefs))
    for name, coef in coefs.items():
        if name != first:
            print(f"max |coef_{name} - coef_{first}| = {np.max(np.abs(coef - coefs[first])):.3g}")


def _rss():
    """Current resident set size in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _load():
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
