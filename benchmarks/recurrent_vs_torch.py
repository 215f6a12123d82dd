"""rnnkit's RecurrentClassifier against PyTorch (CPU) on row-by-row MNIST.

Both sides see the same data in the same batch order (the training set is
shuffled once with ``--seed`` and neither side reshuffles), use float32,
Adam (lr 1e-3, PyTorch defaults), the initialization family
``U(+-1/sqrt(H))`` and the same number of threads (BLAS/Numba for rnnkit via
threadpoolctl, ``torch.set_num_threads`` for PyTorch).  Differences that
remain: rnnkit's LSTM adds +1 to the forget-gate pre-activation at run time
and keeps one bias vector per gate (PyTorch keeps two).

Reported per model and batch size: training samples/s of one epoch (after a
warm-up that also triggers Numba compilation), the ratio rnnkit / PyTorch,
and test accuracy after that epoch.  The two libraries train alternately
``--repeats`` times (rnnkit, PyTorch, rnnkit, ...); the table gives the
median rates and the median of the ratios of each rnnkit epoch to the
PyTorch epoch right after it, with their range, so that a change of machine
speed between the two measurements shows up instead of skewing one ratio.

Usage (from the project root)::

    python benchmarks/recurrent_vs_torch.py                 # full epoch
    python benchmarks/recurrent_vs_torch.py --n-train 6000  # quick run

Needs ``torch==2.13.0`` (CPU wheel); ``pip install -e .[bench]``.
"""
import argparse
import gzip
import os
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
MODELS = {
    "lstm20": ("lstm", (20,)),
    "gru24": ("gru", (24,)),
    "lstm3x10": ("lstm", (10, 10, 10)),
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mnist", nargs="?", default=str(ROOT / "../shared/data/mnist"),
                    help="directory with the 4 MNIST IDX files "
                         "(default: ../shared/data/mnist from the project root)")
    ap.add_argument("--n-train", type=int, default=60000)
    ap.add_argument("--n-test", type=int, default=10000)
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[20, 256])
    ap.add_argument("--models", nargs="+", default=list(MODELS),
                    choices=list(MODELS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3,
                    help="alternating epochs per library (default 3)")
    args = ap.parse_args(argv)

    import torch
    import numba
    from rnnkit.recurrent import RecurrentClassifier

    torch.set_num_threads(args.threads)
    numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    X_tr, y_tr, X_te, y_te = load(args.mnist, args.n_train, args.n_test,
                                  args.seed)
    print(f"row-by-row MNIST: {len(X_tr)} train / {len(X_te)} test sequences "
          f"of 28 steps x 28 features; threads={args.threads}; "
          f"torch {torch.__version__}; numpy {np.__version__}; "
          f"numba {numba.__version__}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    header = (f"{'model':10s} {'batch':>5s} {'rnnkit/s':>9s} {'torch/s':>9s} "
              f"{'ratio':>6s} {'(range)':>11s} {'acc rnnkit':>10s} "
              f"{'acc torch':>9s} {'params':>13s}")
    print(header)
    print("-" * len(header), flush=True)
    rows = []
    with threadpool_limits(args.threads):
        for name in args.models:
            cell, hidden = MODELS[name]
            for bs in args.batch_sizes:
                runs = []
                for _ in range(args.repeats):
                    runs.append((
                        run_rnnkit(RecurrentClassifier, cell, hidden, bs,
                                   X_tr, y_tr, X_te, y_te, args.seed),
                        run_torch(torch, cell, hidden, bs, X_tr, y_tr, X_te,
                                  y_te, args.seed)))
                ours, peer = runs[0]  # accuracy: the runs are identical
                ratios = [o["rate"] / p["rate"] for o, p in runs]
                ratio = float(np.median(ratios))
                rate_ours = float(np.median([o["rate"] for o, _ in runs]))
                rate_peer = float(np.median([p["rate"] for _, p in runs]))
                rows.append((name, bs, rate_ours, rate_peer, ratio, ours, peer))
                spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
                print(f"{name:10s} {bs:5d} {rate_ours:9.0f} "
                      f"{rate_peer:9.0f} {ratio:6.2f} {spread:>11s} "
                      f"{100 * ours['acc']:9.2f}% {100 * peer['acc']:8.2f}% "
                      f"{ours['n_params']:6d}/{peer['n_params']:6d}",
                      flush=True)
    return rows


def load(path, n_train, n_test, seed):
    """Row-by-row MNIST scaled to [0, 1], float32, training set shuffled."""
    try:
        from rnnkit.datasets import load_mnist
        X_tr, y_tr = load_mnist(path, "train")
        X_te, y_te = load_mnist(path, "test")
    except ImportError:  # pragma: no cover - loader not available
        X_tr, y_tr = _read_idx_pair(path, "train")
        X_te, y_te = _read_idx_pair(path, "t10k")
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(X_tr))[:n_train]
    X_tr = (X_tr[order].reshape(-1, 28, 28) / 255.0).astype(np.float32)
    X_te = (X_te[:n_test].reshape(-1, 28, 28) / 255.0).astype(np.float32)
    return X_tr, y_tr[order].astype(np.int64), X_te, y_te[:n_test].astype(np.int64)


def _read_idx_pair(path, stem):
    def read(name, offset):
        with gzip.open(os.path.join(path, name)) as f:
            return np.frombuffer(f.read(), np.uint8, offset=offset)
    X = read(f"{stem}-images-idx3-ubyte.gz", 16).reshape(-1, 784)
    y = read(f"{stem}-labels-idx1-ubyte.gz", 8)
    return X, y


def run_rnnkit(cls, cell, hidden, bs, X_tr, y_tr, X_te, y_te, seed):
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


def run_torch(torch, cell, hidden, bs, X_tr, y_tr, X_te, y_te, seed):
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
