"""Training time at default thread settings against 1 and 2 threads, per estimator family.

For each family, ``fit`` (or one candidate training for ASNE) is timed

* ``default``: no thread setting touched, as a user runs it;
* ``1``: inside ``threadpoolctl.threadpool_limits(1)`` with
  ``numba.set_num_threads(1)``;
* ``2``: the same with 2 threads,

interleaved ``--repeats`` times (median kept), on the machine as it is
("quiet") and while one competing CPU-bound process runs ("busy":
``python -c "while True: pass"``, started and stopped by this script).
Each row prints ``default / best``, which should stay at or below 1.3.

Families (synthetic data; the timing does not depend on the values):

* ``lstm-small``: ``RecurrentClassifier(cell='lstm', hidden_sizes=20)``,
  2,000 sequences of 28 steps x 28 features, batch 20, one epoch;
* ``lstm-large``: the same with 128 units, 128 steps, batch 256, 1,024
  sequences (batches
  big enough to be split over threads);
* ``stigmergic``: ``StigmergicClassifier()`` (batch 20), 2,000 sequences
  of 28 x 28, one epoch;
* ``asne``: one ASNE candidate training,
  :func:`rnnkit.asne.training.train_genome` of a 12-input, 2 x 12 LSTM
  layered genome on 4 series of 2,000 steps, 10 epochs (a few tenths of a
  second: shorter trainings were timed within the machine's noise);
* ``rnnelm``: ``RNNELMClassifier(1000).fit`` on 10,000 x 784.

Usage (from the project root)::

    python benchmarks/thread_defaults.py [--repeats 3] [--families lstm-small ...]
"""
import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numba  # noqa: E402
import numpy as np  # noqa: E402
from recurrent_vs_torch import busy_process  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

SETTINGS = ("default", 1, 2)


def _sequences(n, T, F, rng):
    X = rng.standard_normal((n, T, F), dtype=np.float32)
    return X, rng.integers(0, 10, n)


def _recurrent(H, T, bs, quick):
    from rnnkit import RecurrentClassifier
    n = (400 if quick else 2000) if bs == 20 else (512 if quick else 1024)
    X, y = _sequences(n, T, 28, np.random.default_rng(0))

    def fit(n_rows=None):
        m = n if n_rows is None else n_rows
        RecurrentClassifier(cell="lstm", hidden_sizes=H, batch_size=bs,
                            max_epochs=1, tol=None,
                            random_state=0).fit(X[:m], y[:m])
    return fit


def _stigmergic(quick):
    from rnnkit import StigmergicClassifier
    n = 400 if quick else 2000
    X, y = _sequences(n, 28, 28, np.random.default_rng(0))

    def fit(n_rows=None):
        m = n if n_rows is None else n_rows
        StigmergicClassifier(max_epochs=1, tol=None,
                             random_state=0).fit(X[:m], y[:m])
    return fit


def _asne(quick):
    from rnnkit.asne.graph import layered_genome
    from rnnkit.asne.training import train_genome
    genome = layered_genome(12, (12, 12), "lstm")
    rng = np.random.default_rng(0)
    T = 500 if quick else 2000
    Xs = [rng.standard_normal((T, 12)) for _ in range(5)]
    ys = [x[:, 0] * 0.5 + 0.1 * rng.standard_normal(T) for x in Xs]

    def fit(n_rows=None):
        k = 4 if n_rows is None else 1
        train_genome(genome, Xs[:k], ys[:k], Xs[4:], ys[4:],
                     epochs=10 if n_rows is None else 1, random_state=0)
    return fit


def _rnnelm(quick):
    from rnnkit import RNNELMClassifier
    n = 3000 if quick else 10000
    rng = np.random.default_rng(0)
    X, y = rng.random((n, 784)), rng.integers(0, 10, n)

    def fit(n_rows=None):
        m = n if n_rows is None else n_rows
        RNNELMClassifier(1000, random_state=0).fit(X[:m], y[:m])
    return fit


FAMILIES = {
    "lstm-small": ("RecurrentClassifier lstm H=20 T=28 batch 20",
                   lambda q: _recurrent(20, 28, 20, q)),
    "lstm-large": ("RecurrentClassifier lstm H=128 T=128 batch 256",
                   lambda q: _recurrent(128, 128, 256, q)),
    "stigmergic": ("StigmergicClassifier T=28 batch 20", _stigmergic),
    "asne": ("ASNE train_genome, LSTM 12-12x2-1, 4 x 2000 steps, 10 epochs", _asne),
    "rnnelm": ("RNNELMClassifier(1000), 10,000 x 784", _rnnelm),
}


def time_fit(fit, setting):
    """Seconds of one fit under a thread setting."""
    with contextlib.ExitStack() as stack:
        if setting != "default":
            previous = numba.get_num_threads()
            numba.set_num_threads(setting)
            stack.callback(numba.set_num_threads, previous)
            stack.enter_context(threadpool_limits(setting))
        start = time.perf_counter()
        fit()
        return time.perf_counter() - start


def measure(fit, repeats):
    fit(200)  # compile and warm up
    times = {s: [] for s in SETTINGS}
    for _ in range(repeats):
        for s in SETTINGS:
            times[s].append(time_fit(fit, s))
    return {s: statistics.median(t) for s, t in times.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--families", nargs="+", default=list(FAMILIES),
                    choices=list(FAMILIES))
    ap.add_argument("--conditions", nargs="+", default=["quiet", "busy"],
                    choices=["quiet", "busy"])
    ap.add_argument("--quick", action="store_true",
                    help="smaller data, one repeat (smoke test)")
    args = ap.parse_args(argv)
    if args.quick:
        args.repeats = 1
    print(f"{os.cpu_count()} CPUs; default threads: Numba "
          f"{numba.get_num_threads()}, BLAS/OpenMP "
          f"{[i['num_threads'] for i in threadpool_info()]}; "
          f"{time.strftime('%Y-%m-%d %H:%M')}", flush=True)
    print("| family | condition | default (s) | 1 thread (s) | 2 threads (s) "
          "| default / best | load avg |")
    print("|---|---|---|---|---|---|---|")
    fits = {k: FAMILIES[k][1](args.quick) for k in args.families}
    worst = {}
    for cond in args.conditions:
        with busy_process(cond == "busy"):
            for key in args.families:
                sec = measure(fits[key], args.repeats)
                ratio = sec["default"] / min(sec.values())
                worst[key] = max(worst.get(key, 0.0), ratio)
                load = "/".join(f"{v:.1f}" for v in os.getloadavg())
                print(f"| {FAMILIES[key][0]} | {cond} | {sec['default']:.2f} "
                      f"| {sec[1]:.2f} | {sec[2]:.2f} | {ratio:.2f} | {load} |",
                      flush=True)
    missed = [k for k, r in worst.items() if r > 1.3]
    print(f"worst default/best: {max(worst.values()):.2f} (target <= 1.3); "
          f"over target: {', '.join(missed) or 'none'}", flush=True)


if __name__ == "__main__":
    main()
