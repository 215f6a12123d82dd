"""Command line: ``python -m rnnkit demo``.

The demo fits every estimator family on scikit-learn's digits (8x8 images,
1,797 samples, shipped with scikit-learn) and prints test accuracy and fit
time.  Tabular models see the 64 pixels; sequence models read each image as
8 steps of 8 pixels.
"""
import argparse
import sys
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline


def demo_models(random_state=0):
    """(name, estimator, input kind) for the demo table; kind is "flat" or "sequence"."""
    from . import NonNegativeScaler, RNNELMClassifier

    models = [
        ("RNN-ELM (1000 clusters)",
         make_pipeline(NonNegativeScaler(), RNNELMClassifier(1000, alpha=1e-5,
                                                             random_state=random_state)),
         "flat"),
    ]
    return models


def run_demo(random_state=0, out=sys.stdout):
    """Fit the demo models on digits and print a table; returns the rows."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=0.25, stratify=y, random_state=random_state)
    print(f"digits: {len(X_train)} train / {len(X_test)} test samples, 10 classes\n", file=out)
    header = f"{'model':<40} {'accuracy':>9} {'fit time (s)':>13}"
    print(header, file=out)
    print("-" * len(header), file=out, flush=True)
    rows = []
    for name, model, kind in demo_models(random_state):
        t0 = time.perf_counter()
        model.fit(X_train, y_train)
        fit_time = time.perf_counter() - t0
        accuracy = model.score(X_test, y_test)
        rows.append((name, accuracy, fit_time))
        print(f"{name:<40} {accuracy:>9.4f} {fit_time:>13.2f}", file=out, flush=True)
    print("\nfit times include Numba compilation on a first run (cached afterwards).",
          file=out)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnnkit")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="quick comparison on scikit-learn's digits")
    demo.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "demo":
        run_demo(args.random_state)
    return 0
