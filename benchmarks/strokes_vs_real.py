"""Compare pen strokes derived from MNIST images with de Jong's real files.

For each real ``*-inputdata.txt`` sample, derive the sequence of the
same-index MNIST image with :func:`rnnkit.datasets.mnist_to_strokes` and
print the sequence lengths, stroke counts and how close the two point sets
are (absolute points from cumulative sums; distances in pixels from each
real point to the nearest derived point and back). Then time the
derivation for all 70,000 MNIST images.

    python benchmarks/strokes_vs_real.py [--data ../shared/data] [--no-timing]
"""
import argparse
import os
import time

import numpy as np
from scipy.spatial import cKDTree

from rnnkit.datasets import (load_mnist, load_stroke_dir, mnist_to_strokes,
                             strokes_to_points)

DEFAULT_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared",
                            "data")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA,
                        help="folder with mnist/ and mnist_strokes/samples/")
    parser.add_argument("--threshold", type=float, default=128)
    parser.add_argument("--coord-base", type=int, default=1)
    parser.add_argument("--min-component-size", type=int, default=3)
    parser.add_argument("--min-spur-length", type=int, default=0)
    parser.add_argument("--start", default="top-left")
    parser.add_argument("--next-start", default="nearest")
    parser.add_argument("--no-timing", action="store_true",
                        help="skip timing the 70,000 images")
    args = parser.parse_args(argv)

    mnist_dir = os.path.join(args.data, "mnist")
    samples = os.path.join(args.data, "mnist_strokes", "samples")
    images = {s: load_mnist(mnist_dir, s, flatten=False) for s in
              ("train", "test")}
    kw = dict(threshold=args.threshold, coord_base=args.coord_base,
              min_component_size=args.min_component_size,
              min_spur_length=args.min_spur_length,
              start=args.start, next_start=args.next_start)

    header = (f"{'sample':<12} {'label':>5} {'len real':>8} {'len ours':>8} "
              f"{'strokes':>7} {'ours':>4} {'r->o mean':>9} {'max':>4} "
              f"{'o->r mean':>9} {'max':>4} {'on ink':>6} {'start real':>10} "
              f"{'ours':>7}  jumps real | ours")
    print(header)
    print("-" * len(header))
    sym = []
    passed = np.zeros(4, dtype=int)  # on ink, strokes, length, distance
    n_samples = 0
    for subset in ("test", "train"):
        real, indices = load_stroke_dir(samples, subset)
        X, y = images[subset]
        derived = mnist_to_strokes(X[indices], **kw)
        for i, r_seq, d_seq in zip(indices, real, derived):
            rp, rs = strokes_to_points(r_seq)
            dp, ds = strokes_to_points(d_seq)
            r_to_d = cKDTree(dp).query(rp)[0]
            d_to_r = cKDTree(rp).query(dp)[0]
            sym.append((r_to_d.mean() + d_to_r.mean()) / 2)
            col = dp[:, 0] - args.coord_base
            row = dp[:, 1] - args.coord_base
            on_ink = np.mean(X[i][row, col] >= args.threshold)
            n_samples += 1
            passed += [on_ink == 1, rs[-1] == ds[-1],
                       abs(len(d_seq) - len(r_seq)) <= 0.3 * len(r_seq),
                       sym[-1] <= 1.5]
            print(f"{subset + 'img-' + str(i):<12} {y[i]:>5} {len(r_seq):>8} "
                  f"{len(d_seq):>8} {rs[-1] + 1:>7} {ds[-1] + 1:>4} "
                  f"{r_to_d.mean():>9.2f} {r_to_d.max():>4.1f} "
                  f"{d_to_r.mean():>9.2f} {d_to_r.max():>4.1f} "
                  f"{on_ink:>6.0%} {str(tuple(rp[0].tolist())):>10} "
                  f"{str(tuple(dp[0].tolist())):>7}  {_jumps(r_seq)} | "
                  f"{_jumps(d_seq)}")
    print(f"symmetric mean nearest-point distance, averaged over samples: "
          f"{np.mean(sym):.2f} px (max {np.max(sym):.2f})")
    print(f"acceptance (sm_rnn.md 4.3), samples passing out of {n_samples}: "
          f"all points on ink {passed[0]}, same stroke count {passed[1]}, "
          f"length within 30% {passed[2]}, symmetric distance <= 1.5 px "
          f"{passed[3]}")

    if not args.no_timing:
        X_all = np.concatenate([images["train"][0], images["test"][0]])
        mnist_to_strokes(X_all[:10], **kw)  # compile / load the cache
        t0, c0 = time.perf_counter(), time.process_time()
        rows, offsets = mnist_to_strokes(X_all, packed=True, **kw)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        lengths = np.diff(offsets)
        n_strokes = np.add.reduceat(rows[:, 2], offsets[:-1])
        print(f"mnist_to_strokes on {len(X_all)} images: {elapsed:.1f} s wall, "
              f"{cpu:.1f} s CPU (one thread); "
              f"length mean {lengths.mean():.1f} (min {lengths.min()}, max "
              f"{lengths.max()}); strokes mean {n_strokes.mean():.2f}, "
              f"share with 1/2/3+ strokes "
              f"{np.mean(n_strokes == 1):.0%}/{np.mean(n_strokes == 2):.0%}/"
              f"{np.mean(n_strokes >= 3):.0%}")


def _jumps(seq):
    """The (Dx, Dy) rows that follow an end-of-stroke row, as text."""
    after = np.flatnonzero(seq[:-1, 2] == 1) + 1
    return " ".join(f"{seq[i, 0]},{seq[i, 1]}" for i in after) or "-"


if __name__ == "__main__":
    main()
