"""ASNE on the coal burners: throughput, reduced-budget search vs fixed nets, parallel speed-up.

Task (spec asne.md section 2): predict ``Main_Flm_Int`` one step ahead from
all 12 columns; train on burners 0-7, validate on burners 8-9 (the MAE on
8-9 is reported for every model; as in the reference, the validation set also
drives the search's fitness, so it is not untouched test data).

Reduced budget (the paper runs 2000 RNNs x 40 epochs): ``--candidates`` RNNs
x ``--epochs`` epochs.  Every fixed baseline (12 inputs -> 1 or 2 fully
connected layers of 12 cells of one type -> 1 output, same trainer) is
trained for the same *total* number of epochs as the whole search
(candidates x epochs), keeping its best-validation epoch like the search does;
``--per-candidate`` adds the fixed nets trained for one candidate's epochs.
With ``--chunk N`` the training burners are cut into N-step segments so the
per-sequence trainer makes more updates per epoch (applies to the search and
to the baselines alike; validation is always on the whole burners 8-9).

Usage::

    python benchmarks/asne_coal.py ../shared/data/coal [--candidates 40 --epochs 4
        --chunk 720 --jobs 2 --speedup-candidates 8 --speedup-epochs 2]
"""
import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

TARGET = "Main_Flm_Int"
CELLS = ("delta", "gru", "lstm", "mgu", "ugrnn")


def load(path):
    """Burners 0-9 as one-step-ahead ``(X, y)`` lists (X rows 0..T-2, y = target rows 1..T-1)."""
    try:
        from rnnkit.datasets.coal import load_coal, one_step_ahead
    except ImportError:  # older checkout without the loader: read the CSVs directly
        files = [os.path.join(path, f"burner_{i}.csv") for i in range(10)]
        missing = [f for f in files if not os.path.exists(f)]
        if missing:
            raise SystemExit(f"missing coal files: {missing}")
        with open(files[0]) as fh:
            header = [c.strip() for c in fh.readline().split(",")]
        col = header.index(TARGET)
        data = [np.loadtxt(f, delimiter=",", skiprows=1) for f in files]
        return [d[:-1] for d in data], [d[1:, col] for d in data]
    series, columns = load_coal(path, range(10))
    return one_step_ahead(series, TARGET, 1, columns=columns)


def chunk(X, y, n):
    if not n:
        return list(X), list(y)
    out_X, out_y = [], []
    for a, b in zip(X, y):
        for s in range(0, len(a), n):
            out_X.append(a[s:s + n]); out_y.append(b[s:s + n])
    return out_X, out_y


def mae(pred, y):
    return float(np.mean([np.mean(np.abs(p - t)) for p, t in zip(pred, y)]))


def train_baseline(args):
    cell, depth, data, epochs, lr, seed = args
    from rnnkit.asne.graph import layered_genome
    from rnnkit.asne.training import train_genome
    t0 = time.perf_counter()
    r = train_genome(layered_genome(12, (12,) * depth, cell), *data, epochs=epochs,
                     learning_rate=lr, random_state=seed)
    return cell, depth, r.mae, r.fitness, r.n_params, time.perf_counter() - t0


def warm_up(_=None):
    """Import and JIT-load the trainer in a worker (kept out of the speed-up timing)."""
    from rnnkit.asne.graph import layered_genome
    from rnnkit.asne.training import train_genome
    rng = np.random.default_rng(0)
    X = [rng.random((20, 12))]
    y = [rng.random(20)]
    for cell in ("simple", "lstm", "gru", "mgu", "ugrnn", "delta"):
        train_genome(layered_genome(12, (2,), cell, recurrent_skips=(1,)), X, y, X, y, epochs=1)
    return os.getpid()


def search(data, n_candidates, epochs, jobs, lr, seed, verbose=1):
    from rnnkit.asne import ASNERegressor
    X_tr, y_tr, X_val, y_val = data
    est = ASNERegressor(n_candidates=n_candidates, epochs=epochs, n_ants=20, population_size=10,
                        hidden_layers=3, hidden_nodes=12, lamarckian="fitness",
                        learning_rate=lr, n_jobs=jobs, random_state=seed, verbose=verbose)
    t0 = time.perf_counter()
    est.fit(X_tr, y_tr, validation_data=(X_val, y_val), worker_setup=warm_up)
    return est, time.perf_counter() - t0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("path", help="folder with burner_0.csv .. burner_9.csv")
    p.add_argument("--candidates", type=int, default=40)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--chunk", type=int, default=720, help="training segment length (0: whole burners)")
    p.add_argument("--learning-rate", type=float, default=0.001)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--baseline-epochs", type=int, default=None,
                   help="default: candidates x epochs (the search's total)")
    p.add_argument("--per-candidate", action="store_true",
                   help="also train the fixed nets for --epochs epochs (one candidate's budget)")
    p.add_argument("--speedup-candidates", type=int, default=8)
    p.add_argument("--speedup-epochs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--skip", default="", help="comma list of parts to skip: throughput,search,"
                   "baselines,speedup")
    a = p.parse_args(argv)
    skip = set(filter(None, a.skip.split(",")))
    X, y = load(a.path)
    X_tr, y_tr = chunk(X[:8], y[:8], a.chunk)
    data = (X_tr, y_tr, X[8:], y[8:])
    base_epochs = a.baseline_epochs or a.candidates * a.epochs
    print(f"coal: train burners 0-7 ({len(X_tr)} segments of <= {a.chunk or 'all'} steps), "
          f"validate 8-9 ({sum(map(len, y[8:]))} steps); search {a.candidates} candidates x "
          f"{a.epochs} epochs = {a.candidates * a.epochs} epochs; baselines {base_epochs} epochs "
          f"each; lr {a.learning_rate}; {a.jobs} workers", flush=True)

    rows = [("persistence (y_t+1 = y_t)", mae([x[:, -1] for x in X[8:]], y[8:]), "-", "-")]
    best = None
    if "search" not in skip:
        est, secs = search(data, a.candidates, a.epochs, a.jobs, a.learning_rate, a.seed)
        best = est.best_network_
        val_mae = mae(best.predict(X[8:]), y[8:])
        h = est.history_
        rows.append((f"ASNE best of {a.candidates} (standard ants, fitness-alpha Lamarckian)",
                     val_mae, best.n_params, f"{secs:.0f}s"))
        print(f"ASNE: {secs:.1f}s, {len(h['fitness'])} candidates, best {best}, "
              f"median size {np.median(h['n_params']):.0f} params, "
              f"retries {est.search_.n_retries}", flush=True)
    if "baselines" not in skip:
        # same total epochs as the search, and (for context) the per-candidate epochs
        budgets = [base_epochs] + ([a.epochs] if a.per_candidate and a.epochs != base_epochs else [])
        jobs = [(cell, depth, data, ep, a.learning_rate, a.seed)
                for ep in budgets for depth in (1, 2) for cell in CELLS]
        with ProcessPoolExecutor(a.jobs) as pool:
            for (*_, ep, _lr, _s), (cell, depth, m, f, n, secs) in zip(
                    jobs, pool.map(train_baseline, jobs)):
                name = f"fixed {depth} x 12 {cell}" + ("" if ep == base_epochs else f", {ep} epochs")
                rows.append((name, m, n, f"{secs:.0f}s"))
                print(f"  {name} ({ep} epochs): MAE {m:.5f} ({n} params, {secs:.0f}s)", flush=True)
    print("\nMAE on burners 8-9 (normalised scale, mean over the two burners)")
    print(f"{'model':60s} {'MAE':>9s} {'params':>7s} {'time':>7s}")
    for name, m, n, secs in rows:
        print(f"{name:60s} {m:9.5f} {n!s:>7s} {secs:>7s}")
    if best is not None and len(rows) > 2:
        fixed = [r[1] for r in rows if r[0].startswith("fixed") and "epochs" not in r[0]]
        print(f"ASNE below persistence: {rows[1][1] < rows[0][1]}; "
              f"below every fixed net: {all(rows[1][1] < m for m in fixed)}", flush=True)

    if "throughput" not in skip:
        from asne_throughput import measure_throughput
        from rnnkit.asne.graph import layered_genome
        print("\nthroughput (training time steps per second, one core, burner 0):")
        genomes = [("fixed 1 x 12 lstm", layered_genome(12, (12,), "lstm"))]
        if best is not None:
            genomes.append(("ASNE best", best.genome))
        for name, g in genomes:
            print(f"  {name:20s} {measure_throughput(g, X[0], y[0], repeats=3):10.0f} steps/s",
                  flush=True)

    if "speedup" not in skip:
        # steady state: candidates per minute between the n_jobs-th and the last result
        # (excludes process start-up and JIT loading); whole-run figures printed too
        rates = {}
        for jobs in (1, 2):
            est, secs = search(data, a.speedup_candidates, a.speedup_epochs, jobs,
                               a.learning_rate, a.seed, verbose=0)
            t = np.sort(est.history_["wall_seconds"])
            rates[jobs] = 60 * (len(t) - jobs) / (t[-1] - t[jobs - 1])
            print(f"speed-up run: {jobs} worker(s): {a.speedup_candidates} candidates x "
                  f"{a.speedup_epochs} epochs in {secs:.1f}s ({60 * len(t) / secs:.2f}/min "
                  f"with start-up); steady state {rates[jobs]:.2f} candidates/min", flush=True)
        print(f"parallel speed-up 2 vs 1 workers: {rates[2] / rates[1]:.2f}x "
              f"(target >= 1.8x; {os.cpu_count()} CPUs, shared machine)")


if __name__ == "__main__":
    main()
