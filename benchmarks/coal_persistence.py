"""Check the coal loader against the persistence test vectors of asne.md §2.

The persistence forecast predicts Main_Flm_Int at minute t+1 by its value at
minute t; MAE and MSE are computed per file and averaged over files. Exits
with status 1 if a value differs from the spec at the spec's precision
(MAE to 5 decimals, MSE to 3 significant digits).

    python benchmarks/coal_persistence.py [--data ../shared/data/coal]
"""
import argparse
import os
import sys

from rnnkit.datasets import load_coal, persistence_errors

DEFAULT_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared",
                            "data", "coal")

# burners -> (MAE, MSE), asne.md §2 (burners 10-11 are not provided)
EXPECTED = {
    "0-9": (range(10), 0.01723, 5.83e-4),
    "0-7": (range(8), 0.01624, 5.27e-4),
    "8-9": (range(8, 10), 0.02120, 8.09e-4),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA,
                        help="folder with burner_<i>.csv")
    args = parser.parse_args(argv)
    ok = True
    print(f"{'burners':<8} {'MAE':>9} {'spec':>9} {'MSE':>10} {'spec':>10}  "
          "match")
    for name, (burners, mae_ref, mse_ref) in EXPECTED.items():
        series, columns = load_coal(args.data, burners)
        err = persistence_errors(series, "Main_Flm_Int", 1, columns=columns)
        match = (abs(err["mae"] - mae_ref) <= 5e-6
                 and abs(err["mse"] - mse_ref) <= 5e-3 * mse_ref)
        ok &= match
        print(f"{name:<8} {err['mae']:>9.5f} {mae_ref:>9.5f} "
              f"{err['mse']:>10.3e} {mse_ref:>10.3e}  "
              f"{'yes' if match else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
