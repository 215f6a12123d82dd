"""UCI Covertype -> one HDF5 file with datasets X (n, 54) and y (n,) in 0..6.

    python data_scripts/covtype_to_hdf5.py covtype.h5 --local ../shared/data/covtype
    python data_scripts/covtype_to_hdf5.py covtype.h5          # full set, download

``--local DIR`` takes ``covtype_head10000.csv`` (the project's first 10,000
rows, checksum pinned), ``covtype.csv`` or UCI's ``covtype.data[.gz]`` from
DIR (the files :func:`rnnkit.datasets.load_covtype` looks for, in its order). The download
is UCI's full ``covtype.data.gz`` (581,012 rows; its checksum is printed, not
pinned). ``--head N`` keeps the first N rows.
"""
import os
import sys

from _fetch import fetch, parse_script_args, run, script_parser

from rnnkit.datasets import COVTYPE_FEATURES, load_covtype, write_hdf5
from rnnkit.datasets.uci import COVTYPE_FILES

URL = ("https://archive.ics.uci.edu/ml/machine-learning-databases/covtype/"
       "covtype.data.gz")
HEAD_SHA256 = "ce19d1aaa1dbfd3eb62acd4d693975010cf796617188d7e5706cafd9bc82f9c7"


def main(argv=None):
    parser = script_parser("Covertype -> HDF5 (X, y)", "covtype.h5",
                           "take the Covertype file from DIR, no download")
    parser.add_argument("--head", type=int, default=None,
                        help="keep only the first N rows")
    args = parse_script_args(parser, argv)

    path = fetch("covtype_head10000.csv", [], HEAD_SHA256, local=args.local,
                 verify=not args.no_verify,
                 alternatives=[(name, None) for name in COVTYPE_FILES[1:]]) \
        if args.local else fetch("covtype.data.gz", [URL], None,
                                 cache_dir=os.path.join(args.cache, "covtype"))
    X, y = load_covtype(path, max_rows=args.head)
    write_hdf5(args.output, {"X": X, "y": y}, overwrite=args.overwrite,
               attrs={"description": "UCI Covertype; y = Cover_Type - 1",
                      "source": os.path.basename(path),
                      "features": [f.encode() for f in COVTYPE_FEATURES]})
    print(f"wrote {args.output}: X {X.shape}, y {y.shape}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
