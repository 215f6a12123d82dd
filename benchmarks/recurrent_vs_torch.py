"""rnnkit's recurrent estimators against PyTorch (CPU), as users run them.

One command prints four tables (``--sections`` picks some):

``speed``
    Training throughput of rnnkit's ``RecurrentClassifier`` and of the
    equivalent PyTorch model (``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` + a
    linear head, Adam 1e-3, cross-entropy, shuffled batches; MGU, UGRNN and
    Delta-RNN as hand-written PyTorch cells looped over time) on synthetic
    sequences (28 features, 10 classes, float32), both at their **default
    thread settings**, on the machine as it is ("quiet") and while one other
    process keeps a core busy ("busy": ``python -c "while True: pass"``,
    started and stopped by this script).  Widths 20, 64, 128; lengths 28,
    128, 512; batches of 20 and 256.
``pinned``
    The same grid with one thread each (``threadpoolctl`` for rnnkit,
    ``torch.set_num_threads(1)``), quiet only.
``policy``
    rnnkit alone: one epoch of every recurrent estimator at its defaults
    against the same fit on one thread (``threadpoolctl.threadpool_limits(1)``)
    and with batches always split over two threads; quiet and busy.  The
    default should be within 1.3x of the best of the three.
``mnist``
    The row-by-row MNIST epoch of earlier versions of this benchmark
    (needs ``../shared/data/mnist``): one thread each, with accuracy.

Each library runs in its own worker process, so that neither sees the
other's thread pools.  The first fit of each cell compiles; every
configuration then starts with fits of growing size (warming up the
allocators) that set the number of batches: about ``--seconds`` of
training for the slower library, at least two batches.  The libraries then train alternately ``--repeats`` times;
a row gives the median sequences per second of each and the median (and
range) of the ratios of each rnnkit fit to the PyTorch fit right after it,
so that a change of machine speed between rows does not skew a ratio.
Load averages are printed with every row.

Usage (from the project root)::

    python benchmarks/recurrent_vs_torch.py            # everything, hours
    python benchmarks/recurrent_vs_torch.py --sections speed --cells lstm gru
                                                       # the default-thread table
    python benchmarks/recurrent_vs_torch.py --quick    # smoke test, minutes

Needs ``torch==2.13.0`` (CPU wheel); ``pip install -e .[bench]``.
"""
import argparse
import contextlib
import gzip
import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's rnnkit, also in the workers
N_FEATURES = 28
N_CLASSES = 10
TORCH_CELLS = ("lstm", "gru", "elman", "mgu", "ugrnn", "delta")
#: Largest synthetic training set of one fit (bytes of X).
MAX_BYTES = 2e8
MNIST_MODELS = {
    "lstm20": ("lstm", (20,)),
    "gru24": ("gru", (24,)),
    "lstm3x10": ("lstm", (10, 10, 10)),
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sections", nargs="+",
                    default=["speed", "pinned", "policy", "mnist"],
                    choices=["speed", "pinned", "policy", "mnist"])
    ap.add_argument("--quick", action="store_true",
                    help="a small grid, one repeat, short fits (smoke test)")
    ap.add_argument("--cells", nargs="+", default=list(TORCH_CELLS),
                    choices=TORCH_CELLS)
    ap.add_argument("--widths", type=int, nargs="+", default=[20, 64, 128])
    ap.add_argument("--lengths", type=int, nargs="+", default=[28, 128, 512])
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[20, 256])
    ap.add_argument("--conditions", nargs="+", default=["quiet", "busy"],
                    choices=["quiet", "busy"])
    ap.add_argument("--repeats", type=int, default=3,
                    help="alternating fits per library (default 3)")
    ap.add_argument("--seconds", type=float, default=1.0,
                    help="training time per fit to aim at (default 1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--mnist", default=str(ROOT / "../shared/data/mnist"),
                    help="directory with the 4 MNIST IDX files")
    args = ap.parse_args(argv)
    if args.quick:
        args.widths, args.lengths = [20, 128], [28, 128]
        args.cells = [c for c in args.cells if c in ("lstm", "gru")]
        args.repeats, args.seconds = 1, 0.3

    print(f"{os.cpu_count()} CPUs; numpy {np.__version__}; load average "
          f"{_load()}; {time.strftime('%Y-%m-%d %H:%M')}", flush=True)
    grid = [(cell, H, T, bs) for cell in args.cells for H in args.widths
            for T in args.lengths for bs in args.batch_sizes]
    results = {}
    if "speed" in args.sections or "pinned" in args.sections:
        with Worker("rnnkit") as ours, Worker("torch") as peer:
            print(f"torch {peer.call('version')}; "
                  f"rnnkit thread budget {ours.call('version')}", flush=True)
            if "speed" in args.sections:
                for cond in args.conditions:
                    results[cond] = speed_table(
                        ours, peer, grid, "default", cond, args)
            if "pinned" in args.sections:
                results["pinned"] = speed_table(ours, peer, grid, 1, "quiet",
                                                args)
    if "policy" in args.sections:
        with Worker("rnnkit") as ours:
            for cond in args.conditions:
                policy_table(ours, cond, args)
    if results:
        summary(results)
    if "mnist" in args.sections:
        if Path(args.mnist).is_dir():
            mnist_table(args)
        else:
            print(f"\n(mnist skipped: no directory {args.mnist})")


# ------------------------------------------------------------- tables
def speed_table(ours, peer, grid, threads, cond, args):
    title = ("default threads" if threads == "default"
             else f"{threads} thread each")
    print(f"\n## rnnkit vs PyTorch, {title}, {cond} machine", flush=True)
    header = (f"{'cell':6s} {'H':>4s} {'T':>4s} {'batch':>5s} {'n':>6s} "
              f"{'rnnkit/s':>9s} {'torch/s':>9s} {'ratio':>6s} {'(range)':>11s}"
              f"  load")
    print(header + "\n" + "-" * len(header), flush=True)
    rows = []
    with busy_process(cond == "busy"):
        for cell, H, T, bs in grid:
            spec = dict(cell=cell, H=H, T=T, bs=bs, seed=args.seed,
                        threads=threads)
            n = _calibrate([ours, peer], spec, args)
            spec["n"] = n
            times = []
            for _ in range(args.repeats):
                times.append((ours.call("fit", spec), peer.call("fit", spec)))
            ratios = [p / o for o, p in times]
            rate_o = n / float(np.median([o for o, _ in times]))
            rate_p = n / float(np.median([p for _, p in times]))
            ratio = float(np.median(ratios))
            rows.append((cell, H, T, bs, ratio, min(ratios)))
            print(f"{cell:6s} {H:4d} {T:4d} {bs:5d} {n:6d} {rate_o:9.0f} "
                  f"{rate_p:9.0f} {ratio:6.2f} "
                  f"{min(ratios):5.2f}-{max(ratios):<5.2f}  {_load()}",
                  flush=True)
    return rows


def policy_table(ours, cond, args):
    print(f"\n## rnnkit thread settings, {cond} machine: sequences/s at the "
          "defaults, on 1 thread, with batches split over 2 threads",
          flush=True)
    header = (f"{'estimator':12s} {'H':>4s} {'T':>4s} {'batch':>5s} "
              f"{'default':>8s} {'1 thread':>8s} {'split 2':>8s} "
              f"{'best/default':>12s}  load")
    print(header + "\n" + "-" * len(header), flush=True)
    sizes = [(20, 28, 20), (64, 128, 20), (128, 128, 256)]
    if args.quick:
        sizes = sizes[:2]
    settings = ("default", 1, "split")
    worst = 1.0
    with busy_process(cond == "busy"):
        for est in list(TORCH_CELLS) + ["stigmergic"]:
            for H, T, bs in sizes:
                spec = dict(cell=est, H=H, T=T, bs=bs, seed=args.seed)
                n = _calibrate([ours], dict(spec, threads="default"), args)
                rates = {s: [] for s in settings}
                for _ in range(args.repeats):
                    for s in settings:
                        t = ours.call("fit", dict(spec, n=n, threads=s))
                        rates[s].append(n / t)
                med = {s: float(np.median(v)) for s, v in rates.items()}
                slack = max(med.values()) / med["default"]
                worst = max(worst, slack)
                print(f"{est:12s} {H:4d} {T:4d} {bs:5d} "
                      f"{med['default']:8.0f} {med[1]:8.0f} "
                      f"{med['split']:8.0f} {slack:12.2f}  {_load()}",
                      flush=True)
    print(f"worst best/default: {worst:.2f} (target <= 1.3)", flush=True)


def summary(results):
    print("\n## Summary (median ratio = PyTorch time / rnnkit time)")
    for key, rows in results.items():
        for bs in sorted({r[3] for r in rows}):
            sel = [r for r in rows if r[3] == bs]
            worst = min(sel, key=lambda r: r[4])
            print(f"{key:7s} batch {bs:3d}: ratios {min(r[4] for r in sel):.2f}"
                  f"-{max(r[4] for r in sel):.2f}; slowest: {worst[0]} "
                  f"H={worst[1]} T={worst[2]} ({worst[4]:.2f}); "
                  f"{sum(r[4] < 1 for r in sel)} of {len(sel)} below 1.0, "
                  f"{sum(r[4] < 1.5 for r in sel)} below 1.5")


def _calibrate(workers, spec, args):
    """Warm up every worker; the number of sequences for about
    ``args.seconds`` of training of the slowest.

    The first fit of each cell compiles; then the number of batches grows
    from 2 until a fit of the slowest worker takes ``args.seconds / 2`` (a
    fit's fixed costs, such as input checks, would make an estimate from
    one short fit too small); these fits also warm up the allocators.
    """
    bs = spec["bs"]
    for w in workers:
        if (spec["cell"], spec["threads"]) not in w.warm:
            w.call("fit", dict(spec, n=2 * bs))  # compile
            w.warm.add((spec["cell"], spec["threads"]))
    cap = max(2, int(MAX_BYTES // (4 * spec["T"] * N_FEATURES * bs)))
    n_batches = 2
    while True:
        t = max(w.call("fit", dict(spec, n=n_batches * bs)) for w in workers)
        if t >= args.seconds / 2 or n_batches >= cap:
            break
        n_batches = min(cap, 2 * n_batches if t > 0.05 * args.seconds
                        else 8 * n_batches)
    n_batches = min(cap, max(n_batches, int(round(
        n_batches * args.seconds / max(t, 1e-6)))))
    return bs * n_batches


@contextlib.contextmanager
def busy_process(on):
    """One other process spinning on a core while the block runs."""
    if not on:
        yield
        return
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        yield
    finally:
        proc.kill()
        proc.wait()


def _load():
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


# ------------------------------------------------------------ workers
class Worker:
    """A process that runs fits of one library on request."""

    def __init__(self, lib):
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(lib, child), daemon=True)
        self.warm = set()  # (cell, threads) fitted once: compiled

    def __enter__(self):
        self._proc.start()
        return self

    def __exit__(self, *exc):
        self._conn.send(None)
        self._proc.join(timeout=60)
        if self._proc.is_alive():
            self._proc.kill()

    def call(self, op, spec=None):
        self._conn.send((op, spec))
        ok, value = self._conn.recv()
        if not ok:
            raise RuntimeError(f"worker failed: {value}")
        return value


def _serve(lib, conn):
    run = _rnnkit_fit if lib == "rnnkit" else _torch_fit
    data = {}
    while True:
        msg = conn.recv()
        if msg is None:
            return
        op, spec = msg
        try:
            if op == "version":
                conn.send((True, _version(lib)))
                continue
            key = (spec["n"], spec["T"], spec["seed"])
            if key not in data:
                data.clear()
                rng = np.random.default_rng(spec["seed"])
                data[key] = (
                    rng.standard_normal((spec["n"], spec["T"], N_FEATURES),
                                        dtype=np.float32),
                    rng.integers(0, N_CLASSES, spec["n"]))
            conn.send((True, run(spec, *data[key])))
        except Exception as exc:  # report, keep serving
            conn.send((False, repr(exc)))


def _version(lib):
    if lib == "torch":
        import torch
        return f"{torch.__version__} ({torch.get_num_threads()} threads)"
    try:
        from rnnkit._threads import available_threads
    except ImportError:  # an rnnkit from before the thread policy
        return "n/a"
    return available_threads()


def _rnnkit_fit(spec, X, y):
    from threadpoolctl import threadpool_limits

    from rnnkit.recurrent import RecurrentClassifier
    from rnnkit.recurrent.stigmergic import StigmergicClassifier

    common = dict(batch_size=spec["bs"], max_epochs=1, tol=None,
                  random_state=spec["seed"])
    if spec["cell"] == "stigmergic":
        est = StigmergicClassifier(stigmergic_hidden=spec["H"], **common)
    else:
        est = RecurrentClassifier(cell=spec["cell"], hidden_sizes=spec["H"],
                                  **common)
    threads = spec["threads"]
    with contextlib.ExitStack() as stack:
        if threads == 1:
            stack.enter_context(threadpool_limits(1))
        elif threads == "split":  # every batch in two chunks (a private knob)
            from rnnkit import _threads
            saved = _threads.MIN_CHUNK_WORK
            _threads.MIN_CHUNK_WORK = 1.0
            stack.callback(setattr, _threads, "MIN_CHUNK_WORK", saved)
        start = time.perf_counter()
        est.fit(X, y)
        return time.perf_counter() - start


_TORCH_DEFAULT_THREADS = None


def _torch_fit(spec, X, y):
    import torch
    global _TORCH_DEFAULT_THREADS
    if _TORCH_DEFAULT_THREADS is None:
        _TORCH_DEFAULT_THREADS = torch.get_num_threads()
    torch.set_num_threads(_TORCH_DEFAULT_THREADS if spec["threads"] == "default"
                          else spec["threads"])
    torch.manual_seed(spec["seed"])
    model = _torch_model(torch, spec["cell"], spec["H"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    bs, n = spec["bs"], len(X)
    start = time.perf_counter()
    order = torch.randperm(n)
    for s in range(0, n, bs):
        idx = order[s:s + bs]
        opt.zero_grad()
        loss = loss_fn(model(Xt[idx]), yt[idx])
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def _torch_model(torch, cell, H):
    nn = torch.nn
    F = N_FEATURES

    class Builtin(nn.Module):
        def __init__(self):
            super().__init__()
            rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "elman": nn.RNN}[cell]
            self.rnn = rnn(F, H, batch_first=True)
            self.head = nn.Linear(H, N_CLASSES)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.head(out[:, -1])

    class Looped(nn.Module):
        """The cell written in PyTorch: one input GEMM, a loop over steps."""

        def __init__(self):
            super().__init__()
            g = {"mgu": 2, "ugrnn": 2, "delta": 1}[cell]
            self.W = nn.Linear(F, g * H, bias=cell != "delta")
            self.U = nn.Linear(H, g * H, bias=False)
            if cell == "delta":
                self.E = nn.Parameter(torch.zeros(5, H))
            self.head = nn.Linear(H, N_CLASSES)

        def forward(self, x):
            xp = self.W(x)  # (n, T, G)
            h = x.new_zeros(x.shape[0], H)
            for t in range(x.shape[1]):
                h = self.step(xp[:, t], h)
            return self.head(h)

        def step(self, x, h):
            if cell == "mgu":
                f = torch.sigmoid(x[:, :H] + h @ self.U.weight[:H].T)
                n = torch.tanh(x[:, H:] + (f * h) @ self.U.weight[H:].T)
                return (1 - f) * h + f * n
            if cell == "ugrnn":
                a = x + self.U(h)
                c, g = torch.tanh(a[:, :H]), torch.sigmoid(a[:, H:])
                return g * h + (1 - g) * c
            a, b1, b2, bz, br = self.E
            d1 = self.U(h)
            z = torch.tanh((a + 2) * d1 * x + (b1 + 1) * d1 + (b2 + 1) * x
                           + bz)
            r = torch.sigmoid(x + br)
            return torch.tanh((1 - r) * z + r * h)

    return Builtin() if cell in ("lstm", "gru", "elman") else Looped()


# --------------------------------------------------------------- mnist
def mnist_table(args):
    """Row-by-row MNIST, full epoch, one thread each, with accuracy."""
    import numba
    import torch
    from threadpoolctl import threadpool_limits

    from rnnkit.recurrent import RecurrentClassifier

    torch.set_num_threads(1)
    numba.set_num_threads(1)
    X_tr, y_tr, X_te, y_te = load_mnist(args.mnist, args.seed)
    print(f"\n## row-by-row MNIST, one thread each: {len(X_tr)} train / "
          f"{len(X_te)} test sequences of 28 steps x 28 features; load "
          f"{_load()}", flush=True)
    header = (f"{'model':10s} {'batch':>5s} {'rnnkit/s':>9s} {'torch/s':>9s} "
              f"{'ratio':>6s} {'(range)':>11s} {'acc rnnkit':>10s} "
              f"{'acc torch':>9s} {'params':>13s}  load")
    print(header + "\n" + "-" * len(header), flush=True)
    repeats = 1 if args.quick else args.repeats
    with threadpool_limits(1):
        for name, (cell, hidden) in MNIST_MODELS.items():
            if args.quick and name != "lstm20":
                continue
            for bs in args.batch_sizes:
                runs = [(_mnist_rnnkit(RecurrentClassifier, cell, hidden, bs,
                                       X_tr, y_tr, X_te, y_te, args.seed),
                         _mnist_torch(torch, cell, hidden, bs, X_tr, y_tr,
                                      X_te, y_te, args.seed))
                        for _ in range(repeats)]
                ours, peer = runs[0]  # accuracy: the runs are identical
                ratios = [o["rate"] / p["rate"] for o, p in runs]
                print(f"{name:10s} {bs:5d} "
                      f"{np.median([o['rate'] for o, _ in runs]):9.0f} "
                      f"{np.median([p['rate'] for _, p in runs]):9.0f} "
                      f"{np.median(ratios):6.2f} "
                      f"{min(ratios):5.2f}-{max(ratios):<5.2f} "
                      f"{100 * ours['acc']:9.2f}% {100 * peer['acc']:8.2f}% "
                      f"{ours['n_params']:6d}/{peer['n_params']:6d}  {_load()}",
                      flush=True)


def load_mnist(path, seed, n_train=60000, n_test=10000):
    """Row-by-row MNIST scaled to [0, 1], float32, training set shuffled."""
    def read(name, offset):
        with gzip.open(os.path.join(path, name)) as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset)
    X_tr = read("train-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    y_tr = read("train-labels-idx1-ubyte.gz", 8)
    X_te = read("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    y_te = read("t10k-labels-idx1-ubyte.gz", 8)
    order = np.random.RandomState(seed).permutation(len(X_tr))[:n_train]
    X_tr = (X_tr[order] / 255.0).astype(np.float32)
    X_te = (X_te[:n_test] / 255.0).astype(np.float32)
    return (X_tr, y_tr[order].astype(np.int64), X_te,
            y_te[:n_test].astype(np.int64))


def _mnist_rnnkit(cls, cell, hidden, bs, X_tr, y_tr, X_te, y_te, seed):
    def make():
        return cls(cell=cell, hidden_sizes=hidden, batch_size=bs, max_epochs=1,
                   learning_rate=1e-3, shuffle=False, tol=None,
                   dtype="float32", random_state=seed)
    make().fit(X_tr[:2 * bs], y_tr[:2 * bs])  # warm-up / Numba compilation
    clf = make()
    start = time.perf_counter()
    clf.fit(X_tr, y_tr)
    elapsed = time.perf_counter() - start
    acc = float(np.mean(clf.predict(X_te) == y_te))
    return {"rate": len(X_tr) / elapsed, "acc": acc, "n_params": clf.n_params_}


def _mnist_torch(torch, cell, hidden, bs, X_tr, y_tr, X_te, y_te, seed):
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            rnn = nn.LSTM if cell == "lstm" else nn.GRU
            self.rnn = rnn(28, hidden[0], num_layers=len(hidden),
                           batch_first=True)
            self.head = nn.Linear(hidden[-1], 10)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.head(out[:, -1])

    Xt, yt = torch.from_numpy(X_tr), torch.from_numpy(y_tr)

    def epoch(model, n):
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        for s in range(0, n, bs):
            opt.zero_grad()
            loss = loss_fn(model(Xt[s:s + bs]), yt[s:s + bs])
            loss.backward()
            opt.step()

    torch.manual_seed(seed)
    epoch(Net(), 2 * bs)  # warm-up
    torch.manual_seed(seed)
    model = Net()
    start = time.perf_counter()
    epoch(model, len(Xt))
    elapsed = time.perf_counter() - start
    with torch.no_grad():
        pred = model(torch.from_numpy(X_te)).argmax(1).numpy()
    n_params = sum(p.numel() for p in model.parameters())
    return {"rate": len(Xt) / elapsed, "acc": float(np.mean(pred == y_te)),
            "n_params": n_params}


if __name__ == "__main__":
    main()
