"""ASNE on the coal burners: search against fixed networks at equal epoch budgets.

Task (spec asne.md section 2): predict ``Main_Flm_Int`` one step ahead from
all 12 columns of the files (their own [0, 1] scale); train on burners 0-7,
validate on burners 8-9.  As in the reference, the validation burners also
drive the choice of the best network and epoch, for the search and the fixed
networks alike, so they are not untouched test data.  Settings were chosen
on ``--train 0-5 --val 6-7`` only.

Every model learns what the estimator learns at its defaults: the change of
``Main_Flm_Int`` from its last value (the estimator finds that column;
predictions add the value back, so every MAE is the level's).  ``--level``
makes every model learn the level itself (``baseline_feature=None``), the
defaults before 2026-12-04.

Parts (``--skip`` any of them):

``defaults``
    What a new user gets: ``ASNERegressor(n_candidates=24, epochs=5,
    n_jobs=2, random_state=seed)`` fitted on the first 3,000 minutes of the
    training burners, nothing else set (the estimator holds out 20 % of the
    series for validation), scored on the first 3,000 minutes of the
    validation burners against persistence; also with ``mode="intended"``
    (the papers' settings).
``search``
    For every budget in ``--budgets`` and seed in ``--seeds``:
    ``ASNERegressor`` at its defaults except ``n_candidates`` (a quarter
    of the budget's epochs divided by ``epochs`` per candidate: the default
    refinement trains the best network, grown into the union of the
    population's structures, for the other three quarters, and the
    validated pruning at the end costs no epochs; with
    ``--refine-fraction`` that share of the budget), ``n_jobs`` and
    ``random_state`` (and any ``--set NAME=VALUE``, for choosing settings),
    fitted on the raw files with ``validation_data``.
    The budget counts every epoch any network trains.
``fixed``
    The ten fixed networks (12 inputs -> 1 or 2 fully connected layers of
    12 cells of one type: Delta, GRU, LSTM, MGU, UGRNN -> 1 output, spec
    section 12) for every seed, on the same trainer and the same data
    preparation as the search (the estimator's defaults: the change from
    the last value, columns and that change mapped to [-0.5, 0.5] over the
    training burners, 240-step training
    segments, Nesterov SGD at the same learning rate), each trained once for
    the largest budget (``--cells`` and ``--depths`` select some of them);
    the figure at a smaller budget is its best
    validation epoch within that many epochs, which equals a separate run
    of that length (the trainer has no schedule).
``throughput``, ``speedup``
    Training steps per second of a fixed network and of the search's best
    network, and the 2-worker speed-up of a short search.

Every MAE printed is the mean over the validation burners of each burner's
mean absolute error, on the files' scale.  ``--save FILE`` writes every
figure and curve (best validation MAE so far against epochs spent, for the
searches and the fixed networks) as JSON.

Usage::

    python benchmarks/asne_coal.py ../shared/data/coal [--budgets 120,400,1200
        --seeds 0,1,2 --jobs 2 --skip throughput,speedup --save asne_coal.json]
"""
import argparse
import ast
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

TARGET = "Main_Flm_Int"
CELLS = ("delta", "gru", "lstm", "mgu", "ugrnn")
USER_ROWS = 3000


def load(path):
    """Burners 0-9 as one-step-ahead ``(X, y)`` lists (X rows 0..T-2, y = target rows 1..T-1),
    and the index of the target's own column in X."""
    from rnnkit.datasets import load_coal, one_step_ahead

    series, columns = load_coal(path, range(10))
    return (*one_step_ahead(series, TARGET, 1, columns=columns), columns.index(TARGET))


def mae(pred, y):
    return float(np.mean([np.mean(np.abs(np.asarray(p) - t)) for p, t in zip(pred, y)]))


def persistence(X, y, column):
    """MAE of repeating the last value of input ``column`` (the target's own)."""
    return mae([x[:, column] for x in X], y)


# ---------------------------------------------------------------- fixed networks
def prepare_like_the_estimator(X_tr, y_tr, X_val, y_val, level=False):
    """The estimator's default preparation: the change from the target's last
    value (the level with ``level=True``), min-max maps and training segments.

    Returns ``(data, unit, learning_rate)``: the four series lists in
    training units, the target's scale (MAE in file units = MAE / unit) and
    the estimator's default learning rate.
    """
    from rnnkit.asne.estimator import AUTO_DEFAULTS
    from rnnkit.asne.preprocessing import (find_baseline_feature, fit_scalers, minus_feature,
                                           scale_inputs, scale_targets, segments)

    d = AUTO_DEFAULTS["extended"]
    feature = None if level else find_baseline_feature(X_tr, y_tr)
    y_tr, y_val = minus_feature(X_tr, y_tr, feature), minus_feature(X_val, y_val, feature)
    x_scaler, y_scaler = fit_scalers(X_tr, y_tr)
    X_s, y_s = segments(scale_inputs(X_tr, x_scaler), scale_targets(y_tr, y_scaler),
                        d["segment_length"])
    data = (X_s, y_s, scale_inputs(X_val, x_scaler), scale_targets(y_val, y_scaler))
    return data, float(y_scaler.scale_[0]), d["learning_rate"]


_DATA = None


def _set_data(data):
    global _DATA
    import numba
    from threadpoolctl import threadpool_limits
    numba.set_num_threads(1)
    threadpool_limits(1)
    _DATA = data


def train_fixed(task):
    """Train one fixed network for ``epochs``; per-epoch validation MSE/MAE (training units)."""
    cell, depth, seed, epochs, lr = task
    from rnnkit.asne.graph import layered_genome
    from rnnkit.asne.training import train_genome
    t0 = time.perf_counter()
    r = train_genome(layered_genome(12, (12,) * depth, cell), *_DATA, epochs=epochs,
                     learning_rate=lr, random_state=seed)
    return dict(cell=cell, depth=depth, seed=seed, n_params=int(r.n_params),
                seconds=time.perf_counter() - t0, val_mse=r.history[:, 1].tolist(),
                val_mae=r.history[:, 2].tolist())


def at_budget(run, budget, unit):
    """File-scale MAE of a fixed run at its best validation epoch within ``budget`` epochs."""
    mse = np.asarray(run["val_mse"][:budget])
    return float(run["val_mae"][int(np.argmin(mse))]) / unit


def best_so_far(run, unit):
    """Validation MAE (file scale) at the best MSE epoch so far, after each epoch."""
    curve, best, at = [], np.inf, np.nan
    for mse, m in zip(run["val_mse"], run["val_mae"]):
        if mse < best:
            best, at = mse, m / unit
        curve.append(at)
    return curve


def fixed_part(X_tr, y_tr, X_val, y_val, budgets, seeds, jobs, cells=CELLS, depths=(1, 2),
               level=False):
    data, unit, lr = prepare_like_the_estimator(X_tr, y_tr, X_val, y_val, level)
    tasks = [(cell, depth, seed, max(budgets), lr)
             for depth in depths for cell in cells for seed in seeds]
    runs = []
    with ProcessPoolExecutor(jobs, initializer=_set_data, initargs=(data,)) as pool:
        for run in pool.map(train_fixed, tasks):
            maes = " ".join(f"{b}: {at_budget(run, b, unit):.5f}" for b in budgets)
            print(f"  fixed {run['depth']}x12 {run['cell']:5s} seed {run['seed']} "
                  f"({run['n_params']} params, {run['seconds']:.0f}s): {maes}", flush=True)
            run["curve"] = best_so_far(run, unit)
            runs.append(run)
    return runs, unit


# ---------------------------------------------------------------- search
def search_settings(budget, epochs, refine_fraction):
    """``(n_candidates, refine_epochs)`` spending ``budget`` epochs in all.

    ``refine_fraction=None`` keeps the estimator's default refinement
    (``REFINE_SHARE`` times the candidates' epochs: three quarters of the
    budget).
    """
    from rnnkit.asne.estimator import REFINE_SHARE

    if refine_fraction is None:
        n_candidates = budget // ((1 + REFINE_SHARE) * epochs)
        return n_candidates, REFINE_SHARE * n_candidates * epochs
    refine = int(round(refine_fraction * budget))
    return (budget - refine) // epochs, refine


def parse_settings(pairs):
    """``["name=value", ...]`` -> dict; values read as Python literals, else strings."""
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set needs NAME=VALUE, got {pair!r}")
        try:
            settings[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            settings[name] = value
    return settings


def search_part(X_tr, y_tr, X_val, y_val, budgets, seeds, jobs, epochs, refine_fraction,
                verbose, settings=None):
    from rnnkit.asne import ASNERegressor
    runs = []
    for budget in budgets:
        n_candidates, refine = search_settings(budget, epochs, refine_fraction)
        for seed in seeds:
            est = ASNERegressor(n_candidates=n_candidates, epochs=epochs, refine_epochs=refine,
                                n_jobs=jobs, random_state=seed, verbose=verbose,
                                **(settings or {}))
            t0 = time.perf_counter()
            est.fit(X_tr, y_tr, validation_data=(X_val, y_val))
            secs = time.perf_counter() - t0
            h = est.history_
            net = est.best_network_
            run = dict(budget=budget, seed=seed, mae=mae(est.predict(X_val), y_val),
                       n_params=int(net.n_params), seconds=secs,
                       epochs_spent=int(h["epochs_spent"][-1]), summary=net.summary(),
                       curve=[h["epochs_spent"].tolist(), h["best_mae"].tolist()],
                       n_candidates=n_candidates, epochs=epochs, refine_epochs=refine)
            runs.append(run)
            print(f"  ASNE budget {budget} ({n_candidates} x {epochs} + {refine}) seed {seed}: "
                  f"MAE {run['mae']:.5f}, {run['n_params']} params, "
                  f"{run['epochs_spent']} epochs, {secs:.0f}s; {net.summary()['cells']}",
                  flush=True)
    return runs


def defaults_part(X, y, train, val, jobs, seeds, target_column, level=False):
    """A new user's call on the first 3,000 minutes, at the defaults and in the papers' mode
    (``level``: the defaults but ``baseline_feature=None``)."""
    from rnnkit.asne import ASNERegressor
    X_tr = [X[i][:USER_ROWS] for i in train]
    y_tr = [y[i][:USER_ROWS] for i in train]
    X_te = [X[i][:USER_ROWS] for i in val]
    y_te = [y[i][:USER_ROWS] for i in val]
    out = {"persistence": persistence(X_te, y_te, target_column)}
    print(f"defaults: first {USER_ROWS} minutes; persistence MAE {out['persistence']:.5f}",
          flush=True)
    for mode in ("extended", "intended"):
        out[mode] = []
        for seed in seeds:
            t0 = time.perf_counter()
            extra = {"baseline_feature": None} if level else {}
            est = ASNERegressor(n_candidates=24, epochs=5, n_jobs=jobs, random_state=seed,
                                mode=mode, **extra).fit(X_tr, y_tr)
            out[mode].append(mae(est.predict(X_te), y_te))
            print(f"  ASNERegressor(n_candidates=24, epochs=5, n_jobs={jobs}, "
                  f"random_state={seed}, mode={mode!r}): MAE {out[mode][-1]:.5f} "
                  f"({est.best_network_.n_params} params, {est.history_['epochs_spent'][-1]} "
                  f"epochs, {time.perf_counter() - t0:.0f}s)", flush=True)
        print(f"  mode={mode!r}: mean MAE {np.mean(out[mode]):.5f}, below persistence in "
              f"{sum(m < out['persistence'] for m in out[mode])} of {len(seeds)} runs",
              flush=True)
    return out


# ---------------------------------------------------------------- report
def report(budgets, seeds, searches, fixed, persist):
    print(f"\nMAE on the validation burners (files' scale; persistence {persist:.5f}), "
          f"mean over seeds {list(seeds)}")
    verdicts = []
    for b in budgets:
        print(f"\nbudget {b} epochs")
        rows = []
        s = [r for r in searches if r["budget"] == b]
        if s:
            rows.append(("ASNE (search)", [r["mae"] for r in s], [r["n_params"] for r in s]))
        for depth in (1, 2):
            for cell in CELLS:
                f = [r for r in fixed if r["cell"] == cell and r["depth"] == depth]
                if f:
                    rows.append((f"fixed {depth}x12 {cell}", [r["at"][str(b)] for r in f],
                                 [r["n_params"] for r in f]))
        for name, values, params in rows:
            per_seed = " ".join(f"{v:.5f}" for v in values)
            print(f"  {name:18s} mean {np.mean(values):.5f}  ({per_seed})  "
                  f"{int(np.median(params))} params")
        if s and len(rows) > 1:
            best = min(rows[1:], key=lambda r: np.mean(r[1]))
            ok = np.mean(rows[0][1]) < np.mean(best[1]) and np.median(rows[0][2]) <= best[2][0]
            verdicts.append(ok)
            print(f"  best fixed: {best[0]} ({np.mean(best[1]):.5f}, {best[2][0]} params); "
                  f"ASNE mean below it with no more parameters: {ok}")
    return verdicts


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("path", help="folder with burner_0.csv .. burner_9.csv")
    p.add_argument("--train", default="0-7", help="training burners")
    p.add_argument("--val", default="8-9", help="validation (reported) burners")
    p.add_argument("--budgets", default="120,400,1200", help="total epochs, comma separated")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--epochs", type=int, default=None,
                   help="epochs per candidate (default: the estimator's)")
    p.add_argument("--refine-fraction", type=float, default=None,
                   help="share of each budget spent refining the best network at the end "
                   "(default: the estimator's, three quarters)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="an ASNERegressor parameter of the searches, e.g. hidden_nodes=24 or "
                   "direct_inputs=False (repeatable)")
    p.add_argument("--level", action="store_true",
                   help="every model (searches, fixed networks, the new user's extended-mode "
                   "calls) learns the target's level (baseline_feature=None) instead of the "
                   "estimator's default, the change from the target's last value")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--cells", default=",".join(CELLS), help="fixed networks' cell types")
    p.add_argument("--depths", default="1,2", help="fixed networks' layer counts")
    p.add_argument("--skip", default="", help="comma list of parts to skip: defaults,search,"
                   "fixed,throughput,speedup")
    p.add_argument("--save", default=None, help="write every figure and curve to this JSON file")
    p.add_argument("--verbose", type=int, default=0)
    p.add_argument("--speedup-candidates", type=int, default=40)
    p.add_argument("--speedup-epochs", type=int, default=2)
    a = p.parse_args(argv)
    from rnnkit.asne import ASNERegressor
    from rnnkit.datasets.coal import parse_burners
    skip = set(filter(None, a.skip.split(",")))
    budgets = [int(b) for b in a.budgets.split(",")]
    seeds = [int(s) for s in a.seeds.split(",")]
    epochs = a.epochs or ASNERegressor().epochs
    X, y, target_column = load(a.path)
    tr, va = parse_burners(a.train), parse_burners(a.val)
    X_tr, y_tr, X_val, y_val = ([X[i] for i in tr], [y[i] for i in tr],
                                [X[i] for i in va], [y[i] for i in va])
    persist = persistence(X_val, y_val, target_column)
    settings = parse_settings(a.set)
    if a.level:
        settings.setdefault("baseline_feature", None)
    print(f"coal: train burners {a.train}, validate {a.val}; budgets {budgets} epochs; "
          f"seeds {seeds}; {a.jobs} workers; search settings {settings or 'defaults'}; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    out = {"train": a.train, "val": a.val, "budgets": budgets, "seeds": seeds,
           "persistence": persist, "settings": settings}
    if "defaults" not in skip:
        out["defaults"] = defaults_part(X, y, tr, va, a.jobs, seeds, target_column, a.level)
    searches = fixed = []
    if "search" not in skip:
        searches = search_part(X_tr, y_tr, X_val, y_val, budgets, seeds, a.jobs, epochs,
                               a.refine_fraction, a.verbose, settings)
    if "fixed" not in skip:
        fixed, unit = fixed_part(X_tr, y_tr, X_val, y_val, budgets, seeds, a.jobs,
                                 a.cells.split(","), [int(d) for d in a.depths.split(",")],
                                 a.level)
        for r in fixed:
            r["at"] = {str(b): at_budget(r, b, unit) for b in budgets}
            del r["val_mse"], r["val_mae"]
    out["search"], out["fixed"] = searches, fixed
    out["verdicts"] = report(budgets, seeds, searches, fixed, persist)
    if "throughput" not in skip:
        from asne_throughput import measure_throughput
        from rnnkit.asne.graph import layered_genome
        print("\nthroughput (training time steps per second, one core, burner 0):")
        print(f"  fixed 1 x 12 lstm {measure_throughput(layered_genome(12, (12,), 'lstm'), X[0], y[0], repeats=3):10.0f} steps/s", flush=True)
    if "speedup" not in skip:
        out["speedup"] = speedup_part(X_tr, y_tr, X_val, y_val, a.speedup_candidates,
                                      a.speedup_epochs)
    out["load_average"] = os.getloadavg()[0]
    if a.save:
        with open(a.save, "w") as fh:
            json.dump(out, fh)
        print(f"\nwrote {a.save}")


def speedup_part(X_tr, y_tr, X_val, y_val, n_candidates, epochs):
    """Candidates per minute with 1 and 2 workers, steady state (from the n-th result on)."""
    from rnnkit.asne import ASNERegressor
    rates = {}
    for jobs in (1, 2):
        est = ASNERegressor(n_candidates=n_candidates, epochs=epochs, n_jobs=jobs,
                            refine_epochs=0, random_state=0).fit(
                                X_tr, y_tr, validation_data=(X_val, y_val))
        t = np.sort(est.history_["wall_seconds"])
        rates[jobs] = 60 * (len(t) - jobs) / (t[-1] - t[jobs - 1])
        print(f"speed-up run: {jobs} worker(s): {rates[jobs]:.2f} candidates/min "
              f"(steady state)", flush=True)
    print(f"parallel speed-up 2 vs 1 workers: {rates[2] / rates[1]:.2f}x candidates/min")
    return rates


if __name__ == "__main__":
    main()
