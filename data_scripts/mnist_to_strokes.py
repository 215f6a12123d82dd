"""Derive pen-stroke sequences from the MNIST images and cache them as .npz.

    python data_scripts/mnist_to_strokes.py mnist_strokes.npz --local ../shared/data/mnist

de Jong's full stroke data set is not available offline, so the sequences are
derived from the images with ``rnnkit.datasets.mnist_to_strokes`` (Zhang-Suen
thinning and tracing; sm_rnn.md §4.3). The .npz holds:

- ``rows`` (sum T_i, 4) int16: the concatenated ``dx dy eos eod`` rows;
- ``offsets`` (70001,) int64: sequence i is ``rows[offsets[i]:offsets[i+1]]``;
- ``labels`` (70000,) int64, ``split`` (70000,) int8 (0 train, 1 test),
  ``index`` (70000,) int64: the MNIST index within its split
  (``trainimg-<index>`` / ``testimg-<index>``);
- ``threshold``, ``coord_base``, ``min_spur_length``: the options used.

Read it back with::

    d = np.load("mnist_strokes.npz")
    seqs = rnnkit.datasets.unpack_sequences(d["rows"], d["offsets"])
"""
import sys
import time

import numpy as np
from _fetch import parse_script_args, run, script_parser
from mnist_to_hdf5 import get_files

from rnnkit.datasets import load_mnist_files, mnist_to_strokes


def main(argv=None):
    parser = script_parser("MNIST images -> pen-stroke sequences (.npz)",
                           "mnist_strokes.npz",
                           "take the MNIST files from DIR, no download")
    parser.add_argument("--threshold", type=float, default=128)
    parser.add_argument("--coord-base", type=int, default=1)
    parser.add_argument("--min-spur-length", type=int, default=0)
    args = parse_script_args(parser, argv)

    paths = get_files(args.local, args.cache, not args.no_verify)
    X_tr, y_tr = load_mnist_files(paths["train-images-idx3-ubyte"],
                                  paths["train-labels-idx1-ubyte"])
    X_te, y_te = load_mnist_files(paths["t10k-images-idx3-ubyte"],
                                  paths["t10k-labels-idx1-ubyte"])
    X = np.concatenate([X_tr, X_te])
    t0 = time.perf_counter()
    rows, offsets = mnist_to_strokes(X, args.threshold,
                                     coord_base=args.coord_base,
                                     min_spur_length=args.min_spur_length,
                                     packed=True)
    elapsed = time.perf_counter() - t0
    np.savez_compressed(
        args.output, rows=rows, offsets=offsets,
        labels=np.concatenate([y_tr, y_te]),
        split=np.r_[np.zeros(len(y_tr), np.int8), np.ones(len(y_te), np.int8)],
        index=np.r_[np.arange(len(y_tr)), np.arange(len(y_te))],
        threshold=args.threshold, coord_base=args.coord_base,
        min_spur_length=args.min_spur_length)
    lengths = np.diff(offsets)
    print(f"{len(X)} sequences in {elapsed:.1f} s (with Numba compilation "
          f"if not cached); "
          f"length mean {lengths.mean():.1f}, max {lengths.max()}")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
