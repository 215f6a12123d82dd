"""SM-RNN on Spatial and Temporal MNIST, against LSTM, RNN and FF-NN
baselines, and its training speed against a PyTorch implementation.

Protocol (spec ``sm_rnn.md`` sections 4-6, 10):

* Spatial MNIST: binarized pixels (``pixel / 255 >= 0.05``), image rows as
  28 steps of 28 inputs; SM-RNN 28-15-20-10 (3,190 parameters, ``prelu=
  "paper"``), 3-layer LSTM of width 10 + linear head (3,350), an Elman RNN
  of width 42 + head (3,412), FF-NN 784-300-300-10 (328,810; scikit-learn
  ``MLPClassifier``, logistic hidden units, softmax output).
* Temporal MNIST: pen-stroke sequences *generated from the MNIST images* by
  ``rnnkit.datasets.mnist_to_strokes`` (not de Jong's files; not strictly
  comparable to the paper), raw integer rows ``dx dy eos eod``, output at the
  ``eod`` step; SM-RNN 4-30-20-20 (5,420 parameters), 2-layer LSTM of width
  20 + head (5,490), an Elman RNN of width 67 + head (5,504).
* Adam, lr 1e-3, batch 20, fixed epochs, no validation; test once on the
  10k test set; mean +- sd over seeds.
* Speed: SM-RNN training samples/s, rnnkit against a PyTorch version of the
  same model (same initial weights, same data, batch 20, same thread count),
  measured in the same run. Before timing, the two implementations are
  checked to give the same loss and gradients on one batch.

Results (2 cores shared with other jobs, load average ~10; 2026-11-22)
----------------------------------------------------------------------
Speed (``--tasks spatial --models sm --seeds 5 --epochs 10 --speed-samples
10000 --speed-repeats 3 --torch-epochs 1``): rnnkit 4,496 vs PyTorch 179
samples/s on 1 thread (25x), 4,205 vs 58 on 2 threads (72x); rnnkit and
PyTorch agree on one batch to 4e-16 (loss) and 2e-15 (gradients). PyTorch
SM-RNN after one epoch: 84.0 % (seed 0). With the final kernel
(contiguous transposes; ``--tasks spatial --epochs 0 --speed-samples 5000
--speed-repeats 1``): 25,928 vs 536 samples/s on 1 thread (48x), 14,769 vs
200 on 2 threads (74x). (Speed and agreement were measured with the
earlier spatial classifier whose two PReLUs shared one slope vector; the
kernel's work is the same.)

Accuracy, full 60k/10k, 10 epochs (SM-RNN rows re-run on 2026-12-02, load
average 4-9, with ``--tasks spatial --models sm --seeds 5 --epochs 10
--speed-samples 0`` and ``--tasks temporal --models sm --seeds 5 --epochs 10
--speed-samples 0``; per seed: spatial 0.9609 0.9608 0.9620 0.9550 0.9586,
temporal 0.9366 0.9518 0.9421 0.9429 0.9375):

=========  ======  ======  =====================  ===============
task       model   params  test accuracy          paper
=========  ======  ======  =====================  ===============
spatial    SM-RNN   3,190  0.9595 +- 0.0028 (5)   0.965 +- 0.005
spatial    LSTM     3,350  0.9664 (1 seed)        0.943 +- 0.001
spatial    Elman    3,412  0.9235 (1 seed)        0.766 +- 0.003
spatial    FF-NN  328,810  0.9752 (1 seed)        0.951 +- 0.0002
temporal*  SM-RNN   5,420  0.9422 +- 0.0060 (5)   0.9467 +- 0.007
temporal*  LSTM     5,490  0.8605 (1 seed, 10k train, 3 epochs)
temporal*  Elman    5,504  0.5886 (1 seed, 10k train, 3 epochs)
=========  ======  ======  =====================  ===============

\* strokes generated from MNIST, not de Jong's files.

Examples
--------
Full protocol (hours on 2 cores)::

    python benchmarks/smrnn_mnist.py ../shared/data/mnist

Quick::

    python benchmarks/smrnn_mnist.py ../shared/data/mnist --seeds 1 \\
        --epochs 1 --n-train 5000 --n-test 2000 --speed-samples 2000
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np

from rnnkit.datasets import load_mnist, mnist_to_strokes
from rnnkit.recurrent.stigmergic import StigmergicClassifier

PAPER = {
    "spatial": {"sm": (0.965, 0.005), "ff": (0.951, 0.0002),
                "lstm": (0.943, 0.001), "rnn": (0.766, 0.003)},
    "temporal": {"sm": (0.9467, 0.007), "lstm": (0.9496, 0.002),
                 "rnn": (0.7295, 0.11)},
}
#: recurrent baselines on the rnnkit core (one bias per gate), sized to the
#: paper's budgets
BASELINES = {
    # 3 x LSTM(10) + Linear(10, 10): 3,350 (slides: 3,360 without the head)
    "spatial": {"lstm": dict(cell="lstm", hidden_sizes=(10, 10, 10)),
                # Elman(42) + linear head: 3,412 (slides' RNN: 3,482)
                "rnn": dict(cell="elman", hidden_sizes=(42,))},
    # 2 x LSTM(20) + Linear(20, 10): 5,490, the slides' count
    "temporal": {"lstm": dict(cell="lstm", hidden_sizes=(20, 20)),
                 # Elman(67) + linear head: 5,504 (slides' RNN: 5,480)
                 "rnn": dict(cell="elman", hidden_sizes=(67,))},
}
SM_CONFIG = {
    "spatial": dict(n_marks=15, stigmergic_hidden=20, classifier_hidden=10),
    "temporal": dict(n_marks=30, stigmergic_hidden=20, classifier_hidden=20),
}


def main(argv=None):
    args = parse_args(argv)
    report = {"args": vars(args), "machine": machine_info(), "speed": {},
              "accuracy": {}}
    data = {}
    for task in args.tasks:
        data[task] = load_task(task, args)
    if "spatial" in data and args.speed_samples > 0:
        report["speed"] = speed_comparison(data["spatial"], args)
    if "spatial" in data and args.torch_epochs:
        report["torch_accuracy"] = {
            seed: torch_accuracy(data["spatial"], args.torch_epochs, seed)
            for seed in args.torch_seeds}
    for task in args.tasks:
        if args.epochs == 0:
            break
        report["accuracy"][task] = accuracy_protocol(task, data[task], args)
    print_summary(report)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1, default=float)
        print(f"wrote {args.out}")
    return report


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data", nargs="?", default="../shared/data/mnist",
                   help="directory with the MNIST IDX files")
    p.add_argument("--tasks", nargs="+", default=["spatial", "temporal"],
                   choices=["spatial", "temporal"])
    p.add_argument("--models", nargs="+", default=["sm", "lstm", "rnn", "ff"],
                   choices=["sm", "lstm", "rnn", "ff"])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--n-train", type=int, default=60000,
                   help="first N training images (default: all 60,000)")
    p.add_argument("--n-test", type=int, default=10000)
    p.add_argument("--speed-samples", type=int, default=20000,
                   help="training samples timed per implementation (0: skip)")
    p.add_argument("--speed-threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--speed-repeats", type=int, default=3)
    p.add_argument("--torch-epochs", type=int, default=0,
                   help="also train the PyTorch SM-RNN this many epochs on the "
                        "spatial task and report its test accuracy per epoch")
    p.add_argument("--torch-seeds", type=int, nargs="+", default=[0],
                   help="seeds of the PyTorch runs (initial weights as rnnkit's "
                        "with the same seed; shuffling by PyTorch)")
    p.add_argument("--scale-strokes", action="store_true",
                   help="divide the stroke dx, dy by 28 (a deviation)")
    p.add_argument("--cache", default=os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "rnnkit_strokes.npz"),
        help="cache file for the generated stroke sequences")
    p.add_argument("--out", default=None, help="write the results as JSON")
    return p.parse_args(argv)


# --------------------------------------------------------------------- data
def load_task(task, args):
    Xtr, ytr = load_mnist(args.data, "train")
    Xte, yte = load_mnist(args.data, "test")
    Xtr, ytr = Xtr[:args.n_train], ytr[:args.n_train]
    Xte, yte = Xte[:args.n_test], yte[:args.n_test]
    if task == "spatial":
        # pixel / 255 >= 0.05  <=>  pixel >= 12.75  <=>  pixel >= 13 on uint8
        binar = lambda X: (X >= 13).astype(np.float32)  # noqa: E731
        return binar(Xtr), ytr, binar(Xte), yte
    seq_tr, seq_te = stroke_sequences(args, Xtr, Xte)
    def conv(s):
        s = s.astype(np.float32)
        if args.scale_strokes:
            s[:, :2] /= 28.0
        return s
    return [conv(s) for s in seq_tr], ytr, [conv(s) for s in seq_te], yte


def stroke_sequences(args, Xtr, Xte):
    key = np.array([len(Xtr), len(Xte)])
    if os.path.exists(args.cache):
        z = np.load(args.cache)
        if np.array_equal(z["key"], key):
            return ([z["rows"][a:b] for a, b in zip(z["off_tr"][:-1],
                                                     z["off_tr"][1:])],
                    [z["rows_te"][a:b] for a, b in zip(z["off_te"][:-1],
                                                        z["off_te"][1:])])
    t = time.perf_counter()
    rows, off_tr = mnist_to_strokes(Xtr, packed=True)
    rows_te, off_te = mnist_to_strokes(Xte, packed=True)
    print(f"generated {len(off_tr) - 1 + len(off_te) - 1} stroke sequences "
          f"in {time.perf_counter() - t:.1f} s", flush=True)
    np.savez(args.cache, key=key, rows=rows, off_tr=off_tr, rows_te=rows_te,
             off_te=off_te)
    return ([rows[a:b] for a, b in zip(off_tr[:-1], off_tr[1:])],
            [rows_te[a:b] for a, b in zip(off_te[:-1], off_te[1:])])


# ------------------------------------------------------------------- models
def make_model(task, name, seed, epochs):
    """The estimator of ``name`` with the task's parameter budget.

    All: Adam 1e-3, batch 20, ``epochs`` fixed epochs (no early stop).
    """
    if name == "ff":
        from sklearn.neural_network import MLPClassifier
        return MLPClassifier(
            hidden_layer_sizes=(300, 300), activation="logistic",
            solver="adam", learning_rate_init=1e-3, batch_size=20,
            max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1,
            shuffle=True, random_state=seed)
    common = dict(max_epochs=epochs, batch_size=20, learning_rate=1e-3,
                  tol=None, random_state=seed,
                  step_features=28 if task == "spatial" else None)
    if name == "sm":
        return StigmergicClassifier(**SM_CONFIG[task], **common)
    from rnnkit.recurrent import RecurrentClassifier
    return RecurrentClassifier(**BASELINES[task][name], **common)


def n_params(model):
    if hasattr(model, "n_params_"):
        return int(model.n_params_)
    if hasattr(model, "coefs_") and isinstance(model.coefs_, list):
        return int(sum(w.size for w in model.coefs_)
                   + sum(b.size for b in model.intercepts_))
    return None


def accuracy_protocol(task, data, args):
    Xtr, ytr, Xte, yte = data
    out = {}
    for name in args.models:
        if task == "temporal" and name == "ff":
            continue
        accs, times, params = [], [], None
        for seed in range(args.seeds):
            try:
                model = make_model(task, name, seed, args.epochs)
            except ImportError as exc:
                print(f"[{task}] {name}: skipped ({exc})", flush=True)
                break
            t = time.perf_counter()
            model.fit(Xtr, ytr)
            times.append(time.perf_counter() - t)
            accs.append(float(model.score(Xte, yte)))
            params = n_params(model)
            print(f"[{task}] {name} seed {seed}: test acc {accs[-1]:.4f} "
                  f"({times[-1]:.0f} s, {params} params)", flush=True)
        if accs:
            out[name] = {"acc": accs, "mean": float(np.mean(accs)),
                         "sd": float(np.std(accs, ddof=1)) if len(accs) > 1
                         else 0.0,
                         "fit_seconds": times, "n_params": params,
                         "paper": PAPER[task].get(name)}
    return out


# -------------------------------------------------------------------- speed
def speed_comparison(data, args):
    """rnnkit vs PyTorch SM-RNN training throughput on spatial MNIST."""
    import torch
    from threadpoolctl import threadpool_limits

    Xtr, ytr, _, _ = data
    n = min(args.speed_samples, len(Xtr))
    X, y = Xtr[:n], ytr[:n]
    result = {"samples": n, "batch_size": 20, "dtype": "float32",
              "torch": torch.__version__, "threads": {}}
    result["check"] = check_against_torch(X[:20], y[:20])
    print(f"rnnkit vs PyTorch, one batch (float64): max |loss diff| "
          f"{result['check']['loss_diff']:.2e}, max relative gradient "
          f"difference {result['check']['grad_rel_diff']:.2e}", flush=True)
    for threads in args.speed_threads:
        torch.set_num_threads(threads)
        rk, pt = [], []
        for _ in range(args.speed_repeats):
            with threadpool_limits(limits=threads):
                clf = StigmergicClassifier(step_features=28, max_epochs=1,
                                           random_state=0)
                clf.fit(X[:40], y[:40])  # compile / warm up
                t = time.perf_counter()
                clf.fit(X, y)
                rk.append(n / (time.perf_counter() - t))
            model, opt = torch_model_for(initial_model(X, y, seed=0))
            pt.append(torch_train(model, opt, X, y, 28))
        r = {"rnnkit": float(np.median(rk)), "torch": float(np.median(pt)),
             "rnnkit_all": rk, "torch_all": pt}
        r["ratio"] = r["rnnkit"] / r["torch"]
        result["threads"][threads] = r
        print(f"threads={threads}: rnnkit {r['rnnkit']:.0f} samples/s, "
              f"PyTorch {r['torch']:.0f} samples/s, ratio {r['ratio']:.2f}x",
              flush=True)
    return result


def torch_model_for(clf, dtype="float32"):
    """PyTorch SM-RNN with the weights of the (fitted) ``clf`` + Adam."""
    import torch
    w = clf.get_weights()
    model = TorchSMRNN(clf.n_step_features_, clf.n_marks, clf.stigmergic_hidden,
                       clf.classifier_hidden, len(clf.classes_), clf.prelu,
                       clf.clamp_min, clf.clamp_max)
    if dtype == "float64":
        model.double()
    model.load_rnnkit_weights(w)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return model, opt


def torch_train(model, opt, X, y, n_steps, epochs=1, seed=0):
    """Train ``model`` ``epochs`` epochs with batch 20; samples per second."""
    import torch
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(seed)
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32)).view(
        len(X), n_steps, -1)
    yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
    lengths = torch.full((len(X),), n_steps, dtype=torch.long)
    model.train()
    t = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=g)
        for s in range(0, len(X), 20):
            idx = order[s:s + 20]
            opt.zero_grad()
            loss = F.cross_entropy(model(Xt[idx], lengths[idx]), yt[idx])
            loss.backward()
            opt.step()
    return epochs * len(X) / (time.perf_counter() - t)


def torch_accuracy(data, epochs, seed=0):
    """Test accuracy of the PyTorch SM-RNN after each epoch."""
    import torch
    Xtr, ytr, Xte, yte = data
    model, opt = torch_model_for(initial_model(Xtr, ytr, seed=seed))
    accs = []
    for e in range(epochs):
        torch_train(model, opt, Xtr, ytr, 28, seed=1000 * seed + e)
        with torch.no_grad():
            Xt = torch.from_numpy(Xte.reshape(len(Xte), 28, 28))
            pred = model(Xt, torch.full((len(Xte),), 28)).argmax(1).numpy()
        accs.append(float(np.mean(pred == yte)))
        print(f"PyTorch SM-RNN seed {seed} epoch {e + 1}: test acc "
              f"{accs[-1]:.4f}", flush=True)
    return accs


def initial_model(X, y, seed):
    """A spatial SM-RNN holding its seed's initial weights (all classes)."""
    first = np.array([np.flatnonzero(y == c)[0] for c in np.unique(y)])
    return StigmergicClassifier(
        step_features=28, max_epochs=1, random_state=seed,
        learning_rate=1e-300).fit(X[first], y[first])


def check_against_torch(X, y):
    """Loss and gradients of rnnkit and PyTorch on one batch, float64."""
    import torch
    import torch.nn.functional as F
    from rnnkit.recurrent.stigmergic import named_weights, stigmergic_loss_grad
    X = X.astype(np.float64).reshape(len(X), 28, 28)
    clf = StigmergicClassifier(step_features=28, max_epochs=1,
                               random_state=0).fit(X, y)
    clf.coefs_["b2"][...] += 0.5  # wake some deposits/removals up
    loss, grads = stigmergic_loss_grad(clf.coefs_, X, np.full(len(X), 28),
                                       np.searchsorted(clf.classes_, y))
    model, _ = torch_model_for(clf, "float64")
    tl = F.cross_entropy(model(torch.from_numpy(X), torch.full((len(X),), 28)),
                         torch.from_numpy(np.searchsorted(clf.classes_, y)))
    tl.backward()
    gw = named_weights(grads)  # in the layout of get_weights
    tg = model.rnnkit_grads()
    rel = max(float(np.abs(gw[k] - tg[k]).max() / max(np.abs(tg[k]).max(),
                                                       1e-12)) for k in tg)
    return {"loss_diff": abs(loss - float(tl.detach())),
            "grad_rel_diff": rel}


def _torch_module():
    import torch
    import torch.nn as nn

    class TorchSMRNN(nn.Module):
        """SM-RNN as in torchsm 0.1.0 (PyTorch reference for the speed test).

        The classifier runs on the mark at each sequence's last valid step.
        """

        def __init__(self, n_in, M, H, K, C, prelu="paper", lo=0.0, hi=10.0):
            super().__init__()
            self.M, self.lo, self.hi = M, float(lo), float(hi)
            self.dep1, self.dep2 = nn.Linear(n_in + M, H), nn.Linear(H, M)
            self.rem1, self.rem2 = nn.Linear(n_in + M, H), nn.Linear(H, M)
            self.p, self.q = nn.Linear(M, M), nn.Linear(M, M)
            self.k1, self.k2 = nn.Linear(M, K), nn.Linear(K, C)
            width = (lambda w: 1) if prelu == "scalar" else (lambda w: w)
            self.a_d, self.a_r = nn.PReLU(width(H)), nn.PReLU(width(H))
            # "paper" with K == C: the classifier's hidden layer is linear
            self.a_k = (nn.Identity() if prelu == "paper" and K == C
                        else nn.PReLU(width(K)))
            self.a_o = nn.PReLU(width(C))

        def clamp(self, v):
            lo, hi = self.lo, self.hi
            return lo + (hi - lo) * torch.sigmoid(4 * (v - lo) / (hi - lo) - 2)

        def forward(self, x, lengths):
            B, T, _ = x.shape
            m = x.new_zeros(B, self.M)
            last = x.new_zeros(B, self.M)
            ends = lengths - 1
            for t in range(T):
                xt = x[:, t]
                d = torch.relu(self.dep2(self.a_d(
                    self.dep1(torch.cat([xt, self.p(m)], 1)))))
                r = torch.relu(self.rem2(self.a_r(
                    self.rem1(torch.cat([xt, self.q(m)], 1)))))
                m = self.clamp(m + d - r)
                last = torch.where((ends == t)[:, None], m, last)
            return self.a_o(self.k2(self.a_k(self.k1(last))))

        _MAP = {"W_d1": "dep1.weight", "b_d1": "dep1.bias",
                "W_d2": "dep2.weight", "b_d2": "dep2.bias",
                "W_r1": "rem1.weight", "b_r1": "rem1.bias",
                "W_r2": "rem2.weight", "b_r2": "rem2.bias",
                "W_p": "p.weight", "b_p": "p.bias", "W_q": "q.weight",
                "b_q": "q.bias", "W_k1": "k1.weight", "b_k1": "k1.bias",
                "W_k2": "k2.weight", "b_k2": "k2.bias", "a_d": "a_d.weight",
                "a_r": "a_r.weight", "a_k": "a_k.weight", "a_o": "a_o.weight"}

        def load_rnnkit_weights(self, w):
            params = dict(self.named_parameters())
            with torch.no_grad():
                for k, name in self._MAP.items():
                    if name in params:  # not the dropped hidden PReLU
                        params[name].copy_(torch.from_numpy(
                            np.array(w[k], dtype=np.float64)
                        ).reshape(params[name].shape))

        def rnnkit_grads(self):
            params = dict(self.named_parameters())
            return {k: params[name].grad.numpy().copy()
                    for k, name in self._MAP.items() if name in params}

    return TorchSMRNN


def TorchSMRNN(*args, **kwargs):  # noqa: N802 - a class from a lazy import
    return _torch_module()(*args, **kwargs)


# ------------------------------------------------------------------ report
def machine_info():
    info = {"python": sys.version.split()[0], "platform": platform.platform(),
            "cpus": os.cpu_count()}
    try:
        info["load_average"] = os.getloadavg()
    except OSError:
        pass
    return info


def print_summary(report):
    sp = report.get("speed") or {}
    if sp:
        print(f"\nSpeed, SM-RNN training (spatial, batch 20, {sp['samples']} "
              f"samples, float32, PyTorch {sp['torch']})")
        print("threads  rnnkit/s  PyTorch/s  ratio")
        for th, r in sp["threads"].items():
            print(f"{th:>7}  {r['rnnkit']:8.0f}  {r['torch']:9.0f}  "
                  f"{r['ratio']:5.2f}x")
    pt = report.get("torch_accuracy") or {}
    if pt:
        final = np.array([accs[-1] for accs in pt.values()])
        sd = final.std(ddof=1) if len(final) > 1 else 0.0
        print(f"\nPyTorch SM-RNN, spatial, {report['args']['torch_epochs']} epochs, "
              f"seeds {list(pt)}: {' '.join(f'{a:.4f}' for a in final)}; "
              f"mean {final.mean():.4f} +- {sd:.4f}")
    for task, res in report["accuracy"].items():
        print(f"\n{task} MNIST: test accuracy (mean +- sd over "
              f"{report['args']['seeds']} seeds, {report['args']['epochs']} "
              f"epochs, {report['args']['n_train']} training images)")
        print("model   params   accuracy          paper")
        for name, r in res.items():
            paper = r["paper"]
            ps = f"{paper[0]:.4f} +- {paper[1]:.4f}" if paper else "-"
            print(f"{name:<6} {str(r['n_params']):>7}   {r['mean']:.4f} +- "
                  f"{r['sd']:.4f}   {ps}")


if __name__ == "__main__":
    main()
