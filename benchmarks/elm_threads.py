"""RNN-ELM training time at default threads against 1 and 2 threads, quiet and busy.

For each model and size, ``fit`` is timed with no thread setting touched
(``default``), and inside ``threadpool_limits(n)`` with Numba's
``set_num_threads(n)`` for n = 1 and 2 (BLAS, OpenMP and Numba's parallel
loops all limited).  The settings are interleaved, ``--repeats`` times, and
the median is kept.  The whole table is measured twice: on the machine as
it is ("quiet") and while one competing CPU-bound process runs
(``python -c "while True: pass"``, started and stopped by this script).
The data are synthetic (uniform nonnegative features, 10 random classes):
the timing does not depend on their values.

Usage::

    python benchmarks/elm_threads.py [--repeats 3] [--models rnnelm-s,...]

Prints one row per model, size and condition: seconds per setting, and
``default / best``, the figure that should stay at or below 1.3.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import numba
import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from rnnkit import DeepRNNELMClassifier, RNNELMClassifier

MODELS = {
    "rnnelm-s": ("RNNELMClassifier(300), 2,000 x 64",
                 lambda: RNNELMClassifier(300, random_state=0), (2000, 64)),
    "rnnelm-m": ("RNNELMClassifier(1000), 10,000 x 784",
                 lambda: RNNELMClassifier(1000, random_state=0), (10000, 784)),
    "rnnelm-l": ("RNNELMClassifier(4000), 20,000 x 784",
                 lambda: RNNELMClassifier(4000, random_state=0), (20000, 784)),
    "deep-s": ("DeepRNNELMClassifier((60,), 600), 2,000 x 64",
               lambda: DeepRNNELMClassifier((60,), 600, random_state=0), (2000, 64)),
    "deep-m": ("DeepRNNELMClassifier((200,), 2000), 10,000 x 784",
               lambda: DeepRNNELMClassifier((200,), 2000, random_state=0), (10000, 784)),
    "deep-l": ("DeepRNNELMClassifier((500,), 4000), 10,000 x 784",
               lambda: DeepRNNELMClassifier((500,), 4000, random_state=0), (10000, 784)),
    "deep-fista": ("DeepRNNELMClassifier((200,), 2000, encoder='fista'), 10,000 x 784",
                   lambda: DeepRNNELMClassifier((200,), 2000, encoder="fista",
                                                random_state=0), (10000, 784)),
}
SETTINGS = ("default", 1, 2)


def time_fit(make, X, y, setting):
    """Seconds of one ``fit`` under a thread setting."""
    if setting == "default":
        t0 = time.perf_counter()
        make().fit(X, y)
        return time.perf_counter() - t0
    previous = numba.get_num_threads()
    numba.set_num_threads(setting)
    try:
        with threadpool_limits(setting):
            t0 = time.perf_counter()
            make().fit(X, y)
            return time.perf_counter() - t0
    finally:
        numba.set_num_threads(previous)


def measure(key, repeats):
    label, make, (n, d) = MODELS[key]
    rng = np.random.default_rng(0)
    X = rng.random((n, d))
    y = rng.integers(0, 10, n)
    make().fit(X[:200], y[:200])  # compile and warm up
    times = {s: [] for s in SETTINGS}
    for _ in range(repeats):
        for setting in SETTINGS:
            times[setting].append(time_fit(make, X, y, setting))
    return label, {s: statistics.median(t) for s, t in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--conditions", default="quiet,busy")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; default threads: Numba {numba.get_num_threads()}, "
          f"BLAS/OpenMP {[i['num_threads'] for i in threadpool_info()]}")
    print("| model, data | condition | default (s) | 1 thread (s) | 2 threads (s) "
          "| default / best | load avg |")
    print("|---|---|---|---|---|---|---|")
    for condition in args.conditions.split(","):
        busy = None
        if condition == "busy":
            busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            for key in args.models.split(","):
                label, seconds = measure(key, args.repeats)
                ratio = seconds["default"] / min(seconds.values())
                print(f"| {label} | {condition} | {seconds['default']:.2f} | {seconds[1]:.2f} "
                      f"| {seconds[2]:.2f} | {ratio:.2f} | {os.getloadavg()[0]:.1f} |",
                      flush=True)
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()


if __name__ == "__main__":
    main()
