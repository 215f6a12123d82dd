"""Coal-fired power plant burners (EXAMM 2018_coal) -> one HDF5 file.

    python data_scripts/coal_to_hdf5.py coal.h5 --local ../shared/data/coal
    python data_scripts/coal_to_hdf5.py coal.h5 --burners 0-11   # download

Each burner becomes a root dataset ``burner_<i>`` of shape (T, 12) float64
(rows one a minute); the column names are the file's ``columns`` attribute.
Checksums are pinned for burners 0-9 (the copies the project uses); burners
10-11 are downloaded unchecked (their checksum is printed).
"""
import os
import sys

import numpy as np
from _fetch import fetch, parse_script_args, run, script_parser

from rnnkit.datasets import load_coal, write_hdf5
from rnnkit.datasets.coal import parse_burners

URLS = (
    "https://raw.githubusercontent.com/travisdesell/exact/main/datasets/"
    "2018_coal/",
    "https://raw.githubusercontent.com/travisdesell/exact/master/datasets/"
    "2018_coal/",
)
SHA256 = {
    0: "fad2baa04c6ca6c29217ee27473cffae90f0a361b7b1c8c8acd00bfc30a6f9bb",
    1: "21157abcdc8b45ed6b683c4a003085265c94328b2e09ace48998d835a1907a67",
    2: "edf20237ca6aad038e8bbb021ca3dcddf00fb2bb0e76f1d9806af13c86d315e4",
    3: "7606633d0d07f6da34c2e687dafd648ed9483f4bbbceafd7cb75f1b61f83456e",
    4: "f2f09bb414d20e7b2762d5ecad0f4426a5de2e0a4563ac4b6a8dfd4b53537f4c",
    5: "a81bf144d656d2897a9a7a96d8e7f9738e4d64147a02c06df707421b2b9dbc1a",
    6: "5494d168ba905e1f8658aba2ccd7206cdf1ff027d5a3b5ffd02aeecabe8e43fb",
    7: "a148e447b23205fc0c59dce483fcb1d6118836da1a53778cf06b336fef16e7c9",
    8: "7cec6db193434419aac3d4e2ab18a4e6acaa76c03ff01716090244f8f3961799",
    9: "07fd6011f20f8101ac6f3b17b20330c4f60962e96cbdc8b43a6ae72191343cef",
}


def main(argv=None):
    parser = script_parser("coal burner CSVs -> one HDF5 file", "coal.h5",
                           "take burner_<i>.csv from DIR, no download")
    parser.add_argument("--burners", default="0-9", type=parse_burners,
                        help="e.g. 0-9 (default), 0-11, 0-7,9")
    args = parse_script_args(parser, argv)

    data = {}
    columns = None
    for i in args.burners:
        name = f"burner_{i}.csv"
        path = fetch(name, [u + name for u in URLS], SHA256.get(i),
                     local=args.local, cache_dir=os.path.join(args.cache,
                                                               "coal"),
                     verify=not args.no_verify)
        (series,), cols = load_coal(path)
        if columns is not None and cols != columns:
            raise ValueError(f"{path}: columns {cols} differ from {columns}")
        columns = cols
        data[f"burner_{i}"] = series
    write_hdf5(args.output, data, overwrite=args.overwrite, attrs={
        "description": "coal-fired power plant burners, one row a minute, "
                       "min-max normalised over all 12 burners",
        "source": URLS[0],
        "columns": np.array(columns, dtype="S"),
        "burners": np.array(args.burners)})
    print(f"wrote {args.output}: {len(data)} burners x {series.shape}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
