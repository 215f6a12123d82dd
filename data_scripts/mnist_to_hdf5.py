"""Download MNIST (or take local copies), check SHA-256, write one HDF5 file.

    python data_scripts/mnist_to_hdf5.py mnist.h5
    python data_scripts/mnist_to_hdf5.py mnist.h5 --local ../shared/data/mnist

The HDF5 file holds ``train/X`` (60000, 784) uint8, ``train/y`` (60000,)
int64, ``test/X`` (10000, 784), ``test/y``, chunked by rows; read it with
``rnnkit.datasets.load_hdf5("mnist.h5", "train")``.

``--local DIR`` takes the four files from DIR, gzip-compressed (official
names) or already decompressed; nothing is downloaded.
"""
import os
import sys

from _fetch import DEFAULT_CACHE, fetch, parse_script_args, run, script_parser

from rnnkit.datasets import load_mnist_files, write_hdf5

URLS = (
    "http://yann.lecun.com/exdb/mnist/",               # official
    "https://ossci-datasets.s3.amazonaws.com/mnist/",  # mirror (torchvision)
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # mirror (TF)
)
# name -> (sha256 of the .gz file, sha256 of the decompressed file)
FILES = {
    "train-images-idx3-ubyte":
        ("27217a9efb09b9b468836a7ee244bb0114cf78bfee25cc544c2d0b617085af0b",
         "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    "train-labels-idx1-ubyte":
        ("5096d28d8599df1af0d92824a2add74d035081e9bad696eec6e8afbf09cecbaf",
         "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    "t10k-images-idx3-ubyte":
        ("bb12270d41fc5b58f5f5ca962ad6a1a48fa3d4645c893647edcbf15fae0222ec",
         "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "t10k-labels-idx1-ubyte":
        ("7444c17185dd400e0853957c2b43f343c5064e22fd8ac21cf30e5ccc332c99ef",
         "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}


def get_files(local=None, cache_dir=DEFAULT_CACHE, verify=True):
    """Paths of the four verified files, by stem."""
    paths = {}
    for stem, (sha_gz, sha_raw) in FILES.items():
        paths[stem] = fetch(
            stem + ".gz", [u + stem + ".gz" for u in URLS], sha_gz,
            local=local, cache_dir=os.path.join(cache_dir, "mnist"),
            verify=verify, alternatives=[(stem, sha_raw)])
    return paths


def main(argv=None):
    parser = script_parser("MNIST IDX files -> one HDF5 file (train/X, train/y, "
                           "test/X, test/y)", "mnist.h5",
                           "take the files from DIR instead of downloading")
    parser.add_argument("--compression", default="gzip",
                        choices=["gzip", "lzf", "none"])
    args = parse_script_args(parser, argv)
    paths = get_files(args.local, args.cache, not args.no_verify)
    data = {}
    for subset, prefix in (("train", "train"), ("test", "t10k")):
        data[subset] = load_mnist_files(paths[f"{prefix}-images-idx3-ubyte"],
                                        paths[f"{prefix}-labels-idx1-ubyte"])
    attrs = {
        "description": "MNIST handwritten digits (LeCun, Cortes, Burges); "
                       "X: 28x28 uint8 pixels row-major, y: digit 0-9",
        "source": URLS[0],
        **{f"sha256:{os.path.basename(p)}": FILES[s][
            0 if p.endswith(".gz") else 1] for s, p in paths.items()},
    }
    write_hdf5(args.output, data, attrs=attrs, overwrite=args.overwrite,
               compression=None if args.compression == "none"
               else args.compression)
    for subset, (X, y) in data.items():
        print(f"{subset}: X {X.shape} {X.dtype}, y {y.shape}")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
