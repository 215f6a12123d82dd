"""UCI HIGGS (LightGBM example files) -> one HDF5 file with train/ and test/.

    python data_scripts/higgs_to_hdf5.py higgs.h5 --local ../shared/data/higgs
    python data_scripts/higgs_to_hdf5.py higgs.h5            # download

The files are LightGBM's ``examples/binary_classification/binary.train``
(7,000 rows) and ``binary.test`` (500 rows): tab-separated, label first, then
28 features. ``--local DIR`` also accepts the project's names
``lightgbm_binary.train`` / ``.test``. Checksums are those of the project's
copies. ``--head N`` keeps the first N rows of each. The files are read by
:func:`rnnkit.datasets.load_higgs` (UCI's layout: no header, label first), as
``covtype_to_hdf5.py`` reads its file with ``load_covtype``; a file in another
layout, truncated, or holding NaN or infinite values stops the script with a
one-line error.
"""
import os
import sys

from _fetch import fetch, parse_script_args, run, script_parser

from rnnkit.datasets import load_higgs, write_hdf5

URLS = (
    "https://raw.githubusercontent.com/microsoft/LightGBM/master/examples/"
    "binary_classification/",
)
SHA256 = {
    "train": "41c42dc14f86960256bf872fc8ae6286c688b44f43b4057b29428787fc1e0444",
    "test": "d99ebec91acd99638f00c727c251c947a1d17ddfcbea27bfef6b0dc5e5fb1db3",
}


def main(argv=None):
    parser = script_parser("HIGGS -> HDF5 (train, test)", "higgs.h5",
                           "take binary.train and binary.test from DIR, no download")
    parser.add_argument("--head", type=int, default=None,
                        help="keep only the first N rows of each subset")
    args = parse_script_args(parser, argv)

    data = {}
    for subset, digest in SHA256.items():
        name = f"binary.{subset}"
        path = fetch(name, [u + name for u in URLS], digest, local=args.local,
                     cache_dir=os.path.join(args.cache, "higgs"),
                     verify=not args.no_verify,
                     alternatives=[(f"lightgbm_binary.{subset}", digest)])
        data[subset] = load_higgs(path, max_rows=args.head)
    write_hdf5(args.output, data, overwrite=args.overwrite,
               attrs={"description": "HIGGS (first rows), LightGBM example "
                                     "files; y: 1 = signal",
                      "source": URLS[0]})
    for subset, (X, y) in data.items():
        print(f"{subset}: X {X.shape}, y {y.shape}")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
