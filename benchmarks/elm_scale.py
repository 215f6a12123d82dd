"""RNN-ELM on HIGGS-shaped data at several sizes: h5py streaming against Dask with 1 and 2 workers.

Generates HIGGS-shaped data (28 nonnegative float32 features, 2 classes,
fixed seed; with ``--split``, the paper's 2 x 28 map ``[max(Z, 0), -min(Z, 0)]``
of 28 signed features, 56 columns) into a chunked HDF5 file per size, then fits
``RNNELMClassifier(n_hidden, alpha=1e-6)`` (the paper's pure 28-2000-2 by
default, its fixed-ridge setting; ``--alpha auto`` for the estimator's
default) several ways, each in its own subprocess:

- ``h5py``: one process streaming the HDF5 dataset ``batch_size`` rows at a
  time (the estimator's default thread policy: BLAS on every core);
- ``h5py-1``: the same on one BLAS and one Numba thread (one core, the
  like-for-like reference of one single-threaded Dask worker);
- ``dask-1`` / ``dask-2``: a ``LocalCluster`` of 1 or 2 single-threaded worker
  processes reading blocks of ``--block`` rows of the same file (a picklable
  reader opens the file in the worker), sums reduced on the cluster;
- ``dask-sync``: the same Dask array and the same block tasks on Dask's
  synchronous scheduler, in the fitting process on one thread (no cluster):
  rnnkit's Dask code without the distributed runtime, to tell the two apart
  in the overhead of ``dask-1``.

Before the runs, it measures the ceiling of any two-worker speed-up on this
machine: the same single-threaded fit (the first 100,000 rows) in one
process alone, then in two processes at once; ``2 x alone / together`` is
what two independent workers can gain here (2.0 where two CPUs share nothing;
less where they share their floating-point units, as two virtual CPUs of one
physical core do).

Prints seconds per million rows (fit only: the cluster is started and the
workers warmed up by a small fit first), the peak resident set of the
client process (for Dask it also hosts the scheduler) and of each worker
(``ru_maxrss``), the Dask speed-up of 2 workers over 1, the overhead of Dask
over h5py streaming on the same cores (1 worker against ``h5py-1``, 2
workers against ``h5py`` on the machine's 2 cores), the training accuracy, and the load average
before each run.  The Dask fits must equal the h5py fit: the script prints the
largest relative difference of ``coef_`` from the first fit of each size.

With ``--repeats N`` (for a noisy machine), each run is fitted N times per
size, each h5py run followed by the Dask runs compared with it (``h5py-1``,
``dask-1``, ``dask-sync``, ``h5py-1``, ..., then ``h5py``, ``dask-2``, ...).  A run's row then
gives the median seconds per million rows and their range, the largest peak
memory, coef difference and load average of its fits; the speed-up is that of
the median times, and each overhead is the median (and range) of the ratios of
each Dask fit to the h5py fit right before it, so that a change of machine
speed between pairs does not skew it.

Usage::

    python benchmarks/elm_scale.py                         # 1, 2 and 4 million rows
    python benchmarks/elm_scale.py --millions 1 2 --n-hidden 2000
    python benchmarks/elm_scale.py --millions 0.5 --n-hidden 5000 --split   # 2x28-5000-2
    python benchmarks/elm_scale.py --millions 1 --repeats 5 --runs h5py-1 dask-1
                                                           # the 1-worker overhead, 5 pairs
    python benchmarks/elm_scale.py --millions 0.3 --runs h5py-1 dask-1 dask-sync --repeats 3
                                                           # rnnkit's Dask code against the runtime
"""
import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

RUNS = ("h5py", "h5py-1", "dask-1", "dask-2", "dask-sync")
#: (h5py run, Dask run on the same cores): the overheads printed.
PAIRS = (("h5py-1", "dask-1"), ("h5py-1", "dask-sync"), ("h5py", "dask-2"))
N_FEATURES = 28


class H5Rows:
    """Rows of an HDF5 dataset by file name, for ``dask.array.from_array`` (picklable)."""

    def __init__(self, path, name):
        import h5py
        self.path, self.name = path, name
        with h5py.File(path, "r") as f:
            self.shape, self.dtype = f[name].shape, f[name].dtype
        self.ndim = len(self.shape)

    def __getitem__(self, index):
        import h5py
        with h5py.File(self.path, "r") as f:
            return f[self.name][index]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--millions", type=float, nargs="+", default=[1, 2, 4])
    parser.add_argument("--n-hidden", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--alpha", default="1e-6",
                        help='ridge: a number (the paper fixes it) or "auto" (the default)')
    parser.add_argument("--split", action="store_true",
                        help="56 columns [max(Z, 0), -min(Z, 0)] of 28 signed features")
    parser.add_argument("--block", type=int, default=100_000, help="rows per Dask block")
    parser.add_argument("--runs", nargs="+", choices=RUNS, default=list(RUNS))
    parser.add_argument("--repeats", type=int, default=1,
                        help="fits of each run per size, each Dask run right after its h5py run")
    parser.add_argument("--ceiling", action=argparse.BooleanOptionalAction, default=True,
                        help="measure the machine's two-worker ceiling first")
    parser.add_argument("--dir", help="data directory (default: a temporary one, kept)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        work = ceiling_fit if args.child[0] == "ceiling" else fit_one
        print(json.dumps(work(args.child[0], args.child[1], args)), flush=True)
        return
    directory = args.dir or tempfile.mkdtemp(prefix="elm-scale-")
    os.makedirs(directory, exist_ok=True)
    n_columns = 2 * N_FEATURES if args.split else N_FEATURES
    print(f"RNNELMClassifier({args.n_hidden}, alpha={args.alpha}, batch_size={args.batch_size}), "
          f"{n_columns} columns, 2 classes; Dask blocks of {args.block} rows; data in {directory}")
    range_ = f" {'range':^11}" if args.repeats > 1 else ""
    print(f"{'rows':>9} {'run':>7} {'s/M rows':>9}{range_} "
          f"{'client MB':>10} {'worker MB':>14} {'accuracy':>9} {'coef diff':>10}  load")
    for millions in args.millions:
        n_rows = int(round(millions * 1e6))
        name = "higgs_shaped_split" if args.split else "higgs_shaped"
        path = os.path.join(directory, f"{name}_{n_rows}.h5")
        if not os.path.exists(path):
            write_data(path, n_rows, split=args.split)
        if args.ceiling and millions == args.millions[0]:
            alone = _child(["ceiling", path], args)["seconds"]
            together = [_child(["ceiling", path], args, wait=False) for _ in range(2)]
            together = max(_result(process)["seconds"] for process in together)
            print(f"two-worker ceiling of this machine: one fit alone {alone:.1f} s, "
                  f"two at once {together:.1f} s: {2 * alone / together:.2f}x  "
                  f"(load {_load(os.getloadavg())})", flush=True)
        fits = {run: [] for run in args.runs}
        base = None
        for group in _groups(args.runs, args.repeats):
            for run in group * args.repeats:
                load = os.getloadavg()
                result = _child([run, path], args)
                coef = np.asarray(result["coef"])
                base = coef if base is None else base
                result["diff"] = float(np.abs(coef - base).max() / np.abs(base).max())
                result["load"] = load
                fits[run].append(result)
            for run in group:
                _row(n_rows, millions, run, fits[run], args.repeats)
        _compare(n_rows, fits, args.repeats)


def _groups(runs, repeats):
    """The runs of one size in order, as groups that take turns ``repeats`` times.

    One run a group when ``repeats`` is 1; else each h5py run followed by the
    Dask runs compared with it, then the runs left over.
    """
    if repeats == 1:
        return [[run] for run in runs]
    groups = {}
    for h5py_run, dask_run in PAIRS:
        if h5py_run in runs and dask_run in runs:
            groups.setdefault(h5py_run, [h5py_run]).append(dask_run)
    grouped = [run for group in groups.values() for run in group]
    return list(groups.values()) + [[run] for run in runs if run not in grouped]


def _row(n_rows, millions, run, fits, repeats):
    """Print one run's row: median time (and range), peak memory and load over its fits."""
    seconds = [fit["seconds"] / millions for fit in fits]
    spread = f" {min(seconds):>5.1f}-{max(seconds):<5.1f}" if repeats > 1 else ""
    workers = np.max([fit["worker_mb"] for fit in fits], axis=0)
    workers = "/".join(f"{mb:.0f}" for mb in workers) or "-"
    print(f"{n_rows:>9} {run:>7} {np.median(seconds):>9.1f}{spread} "
          f"{max(fit['client_mb'] for fit in fits):>10.0f} {workers:>14} "
          f"{np.median([fit['accuracy'] for fit in fits]):>9.4f} "
          f"{max(fit['diff'] for fit in fits):>10.1e}  "
          f"{_load(np.max([fit['load'] for fit in fits], axis=0))}", flush=True)


def _compare(n_rows, fits, repeats):
    """Print the Dask speed-up (of the median times) and the overheads (median per pair)."""
    if "dask-1" in fits and "dask-2" in fits:
        medians = [np.median([fit["seconds"] for fit in fits[run]])
                   for run in ("dask-1", "dask-2")]
        print(f"{n_rows:>9} speed-up of 2 workers over 1: {medians[0] / medians[1]:.2f}x"
              + (" (of the median times)" if repeats > 1 else ""))
    for h5py_run, dask_run in PAIRS:
        if h5py_run in fits and dask_run in fits:
            ratios = [dask["seconds"] / h5py["seconds"]
                      for h5py, dask in zip(fits[h5py_run], fits[dask_run])]
            print(f"{n_rows:>9} {dask_run} / {h5py_run} time: {np.median(ratios):.2f}x"
                  + (f" (median of {len(ratios)} pairs, {min(ratios):.2f}-{max(ratios):.2f})"
                     if repeats > 1 else ""), flush=True)


def _child(child_args, args, wait=True):
    """Run ``--child child_args`` in a subprocess: its result, or the running process."""
    process = subprocess.Popen([sys.executable, __file__, "--child", *child_args,
                                "--n-hidden", str(args.n_hidden),
                                "--batch-size", str(args.batch_size),
                                "--alpha", args.alpha, "--block", str(args.block)],
                               stdout=subprocess.PIPE, text=True)
    return _result(process) if wait else process


def _result(process):
    out, _ = process.communicate()
    if process.returncode:
        raise RuntimeError(f"child run failed ({process.args})")
    return json.loads(out.strip().splitlines()[-1])


def write_data(path, n_rows, split=False, seed=0, piece=100_000):
    """HIGGS-shaped data: 28 float32 features (nonnegative ``|Z|``, or with
    ``split`` the 56 columns ``[max(Z, 0), -min(Z, 0)]``), labels 0/1, written in pieces."""
    import h5py
    rng = np.random.default_rng(seed)
    shift = rng.uniform(-0.3, 0.3, N_FEATURES)
    n_columns = 2 * N_FEATURES if split else N_FEATURES
    with h5py.File(path, "w") as f:
        X = f.create_dataset("X", (n_rows, n_columns), dtype=np.float32,
                             chunks=(min(50_000, n_rows), n_columns))
        y = f.create_dataset("y", (n_rows,), dtype=np.int8)
        for start in range(0, n_rows, piece):
            n = min(piece, n_rows - start)
            labels = (rng.random(n) < 0.53).astype(np.int8)
            Z = rng.standard_normal((n, N_FEATURES)) + labels[:, None] * shift
            Z = np.hstack([np.maximum(Z, 0), -np.minimum(Z, 0)]) if split else np.abs(Z)
            X[start:start + n] = Z.astype(np.float32)
            y[start:start + n] = labels


def _estimator(args):
    """The estimator every run fits (the command line's width, ridge and batch size)."""
    from rnnkit import RNNELMClassifier
    alpha = args.alpha if args.alpha == "auto" else float(args.alpha)
    return RNNELMClassifier(args.n_hidden, alpha=alpha, batch_size=args.batch_size,
                            random_state=0)


def fit_one(run, path, args):
    import h5py

    def make():
        return _estimator(args)

    with h5py.File(path, "r") as f:
        y = f["y"][:]
        X_small, y_small = f["X"][:20_000], y[:20_000]
    make().fit(X_small, y_small)  # warm-up: imports and JIT
    worker_mb = []
    if run.startswith("h5py"):
        from rnnkit._threads import limit_threads
        one_thread = limit_threads(1, 1) if run == "h5py-1" else contextlib.nullcontext()
        with h5py.File(path, "r") as f, one_thread:
            t0 = time.perf_counter()
            model = make().fit(f["X"], y)
            seconds = time.perf_counter() - t0
            accuracy = float(np.mean(model.predict(f["X"][:200_000]) == y[:200_000]))
    else:
        import dask.array as da
        rows = H5Rows(path, "X")
        X = da.from_array(rows, chunks=(args.block, rows.shape[1]))
        yd = da.from_array(y, chunks=args.block)
        with _dask_scheduler(run) as client:
            make().fit(X[:20_000], yd[:20_000])  # warm-up of the Dask path (on the workers)
            t0 = time.perf_counter()
            model = make().fit(X, yd)
            seconds = time.perf_counter() - t0
            accuracy = float(np.mean(model.predict(X[:200_000]).compute() == y[:200_000]))
            if client is not None:
                worker_mb = sorted(client.run(_peak_mb).values())
    return {"seconds": seconds, "client_mb": _peak_mb(), "worker_mb": worker_mb,
            "accuracy": accuracy, "coef": model.coef_[:50].tolist()}


@contextlib.contextmanager
def _dask_scheduler(run):
    """Where a Dask run computes: ``dask-sync`` here on one thread (yields None),
    ``dask-N`` on a ``LocalCluster`` of N single-threaded workers (yields its client)."""
    if run == "dask-sync":
        import dask

        from rnnkit._threads import limit_threads
        with dask.config.set(scheduler="synchronous"), limit_threads(1, 1):
            yield None
        return
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=int(run.split("-")[1]), threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=40) as cluster, \
            Client(cluster) as client:
        yield client


def ceiling_fit(_, path, args):
    """One single-threaded fit on the first 100,000 rows: its seconds (after a warm-up)."""
    import h5py

    from rnnkit._threads import limit_threads
    with h5py.File(path, "r") as f:
        X, y = f["X"][:100_000], f["y"][:100_000]
    with limit_threads(1, 1):
        _estimator(args).fit(X[:4000], y[:4000])  # warm-up: imports and JIT
        t0 = time.perf_counter()
        _estimator(args).fit(X, y)
    return {"seconds": time.perf_counter() - t0}


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load(values):
    return " ".join(f"{x:.1f}" for x in values)


if __name__ == "__main__":
    main()
