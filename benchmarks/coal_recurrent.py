"""RecurrentRegressor on the coal burners against persistence, at its defaults.

Task (as a new user poses it): the first ``--minutes`` (3,000) rows of the
training burners, the files' own [0, 1] columns, all 12 columns in,
``Main_Flm_Int`` one step ahead out (``one_step_ahead``), passed to
``RecurrentRegressor(cell=..., hidden_sizes=(12,), max_epochs=120)`` with
nothing else set; MAE on the whole test burners, against persistence
(repeat the last value) on the same rows.

Each configuration after ``defaults`` switches one of the estimator's
defaults back to the old behaviour (or changes one setting), so the table
shows what each one is worth; ``old defaults`` is the estimator before the
change (no standardization, no baseline, the inputs' levels, whole
sequences).
Settings were chosen with ``--train 0-5 --test 6-7``; the reported split is
``--train 0-7 --test 8-9``.

A last part checks that the defaults do not hurt other sequence data:
row-by-row digits (scikit-learn's ``load_digits``, 8 steps of 8 pixels),
``RecurrentClassifier`` at its defaults against the old defaults, test
accuracy on a fixed 25 % split.

Usage::

    python benchmarks/coal_recurrent.py ../shared/data/coal [--train 0-7
        --test 8-9 --cells lstm,gru --seeds 0,1,2 --configs all --no-digits]
"""
import argparse
import os
import time

import numpy as np

from rnnkit.datasets import load_coal, one_step_ahead, persistence_errors
from rnnkit.datasets.coal import parse_burners
from rnnkit.recurrent import RecurrentClassifier, RecurrentRegressor

#: name -> estimator settings on top of the issue's command
CONFIGS = {
    "defaults": {},
    "old defaults": dict(standardize=False, baseline_feature=None,
                         input_changes=False, bptt_steps=None),
    "no baseline": dict(baseline_feature=None),
    "levels in (input_changes=False)": dict(input_changes=False),
    "no standardization": dict(standardize=False),
    "whole sequences (bptt None)": dict(bptt_steps=None),
    "learning rate 3e-3": dict(learning_rate=3e-3),
    "linear skip": dict(linear_skip=True),
    "tol=None (all 120 epochs)": dict(tol=None),
    "early stopping": dict(early_stopping=True),
}

#: settings that only RecurrentRegressor has, or where its default differs
_REGRESSOR_ONLY = ("baseline_feature", "input_changes", "bptt_steps")


def mae(pred, y):
    """Mean over series of each series' MAE (the persistence convention)."""
    return float(np.mean([np.mean(np.abs(p - t)) for p, t in zip(pred, y)]))


def coal(args):
    series, columns = load_coal(args.path, range(10))
    train = [series[i][:args.minutes] for i in parse_burners(args.train)]
    test = [series[i] for i in parse_burners(args.test)]
    X, y = one_step_ahead(train, columns=columns)
    X_test, y_test = one_step_ahead(test, columns=columns)
    pers = persistence_errors(test, columns=columns)["mae"]
    print(f"train burners {args.train} (first {args.minutes} minutes), test "
          f"burners {args.test} (whole); persistence MAE {pers:.5f}")
    print(f"{'configuration':<28} {'cell':<5} {'MAE per seed':<26} "
          f"{'mean':>8} {'/pers':>6} {'epochs':>7} {'s/fit':>6}")
    names = list(CONFIGS) if args.configs == "all" else args.configs.split(",")
    for name in names:
        for cell in args.cells.split(","):
            maes, epochs, secs = [], [], []
            for seed in map(int, args.seeds.split(",")):
                t0 = time.perf_counter()
                est = RecurrentRegressor(
                    cell=cell, hidden_sizes=(12,), max_epochs=120,
                    random_state=seed, **CONFIGS[name]).fit(X, y)
                secs.append(time.perf_counter() - t0)
                maes.append(mae(est.predict(X_test), y_test))
                epochs.append(est.n_iter_)
            m = float(np.mean(maes))
            print(f"{name:<28} {cell:<5} "
                  f"{' '.join(f'{v:.5f}' for v in maes):<26} {m:>8.5f} "
                  f"{m / pers:>6.2f} {np.mean(epochs):>7.0f} "
                  f"{np.mean(secs):>6.1f}", flush=True)


def digits(args):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25,
                                              random_state=0, stratify=y)
    print("\nrow-by-row digits (8 steps x 8 pixels, values 0-16), "
          "RecurrentClassifier(cell, step_features=8), test accuracy")
    for name in ("defaults", "old defaults"):
        kw = {k: v for k, v in CONFIGS[name].items()
              if k not in _REGRESSOR_ONLY}
        for cell in args.cells.split(","):
            accs = [RecurrentClassifier(cell=cell, step_features=8,
                                        random_state=seed, **kw)
                    .fit(X_tr, y_tr).score(X_te, y_te)
                    for seed in map(int, args.seeds.split(","))]
            print(f"{name:<28} {cell:<5} "
                  f"{' '.join(f'{a:.4f}' for a in accs):<26} "
                  f"{np.mean(accs):>8.4f}", flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("path", help="folder with burner_0.csv .. burner_9.csv")
    p.add_argument("--train", default="0-7")
    p.add_argument("--test", default="8-9")
    p.add_argument("--minutes", type=int, default=3000,
                   help="rows of each training burner")
    p.add_argument("--cells", default="lstm,gru")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--configs", default="all",
                   help="comma-separated names from: " + ", ".join(CONFIGS))
    p.add_argument("--no-digits", action="store_true")
    args = p.parse_args(argv)
    print("load average (1, 5, 15 min) %.1f %.1f %.1f" % os.getloadavg())
    coal(args)
    if not args.no_digits:
        digits(args)
    print("load average (1, 5, 15 min) %.1f %.1f %.1f" % os.getloadavg())


if __name__ == "__main__":
    main()
