"""Shared by the data scripts: their common options, getting a file from a
local folder or the web, and checking its SHA-256.

A file is looked for, in order: in ``--local DIR`` (no network at all), in the
download cache, then at each URL in turn until one answers. A file whose
checksum is pinned and differs is rejected (a partial download is never left
under the final name).
"""
import argparse
import hashlib
import os
import shutil
import sys
import urllib.request

DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "rnnkit")


def script_parser(description, output, local_help):
    """Argument parser with the options every data script takes.

    ``output`` (default ``output``), ``--local DIR``, ``--cache``,
    ``--no-verify`` and ``--overwrite``; the script adds its own, then calls
    :func:`parse_script_args`.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("output", nargs="?", default=output)
    parser.add_argument("--local", metavar="DIR", help=local_help)
    parser.add_argument("--cache", default=DEFAULT_CACHE,
                        help="download folder (default %(default)s)")
    parser.add_argument("--no-verify", action="store_true",
                        help="skip the SHA-256 checks")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing output file")
    return parser


def parse_script_args(parser, argv):
    """Parsed arguments; exits with a message if the output exists without --overwrite."""
    args = parser.parse_args(argv)
    if os.path.exists(args.output) and not args.overwrite:
        parser.error(f"{args.output} exists; pass --overwrite to replace it")
    return args


class ChecksumError(ValueError):
    """A file's SHA-256 differs from the pinned one."""


def sha256sum(path, block=1 << 20):
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(block), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(name, urls, sha256, *, local=None, cache_dir=DEFAULT_CACHE,
          verify=True, alternatives=()):
    """Path of a verified copy of ``name``.

    Parameters
    ----------
    name : str
        File name (as downloaded and as looked for in ``local``).
    urls : sequence of str
        Where to download it from, tried in order.
    sha256 : str or None
        Pinned checksum of ``name``; None prints the checksum without
        checking.
    local : str, optional
        Folder to take the file from instead of the network.
    cache_dir : str
        Where downloads go.
    verify : bool
        Check the checksum (only skip for files you trust).
    alternatives : sequence of (name, sha256)
        Other acceptable names in ``local`` with their own checksums (e.g. the
        uncompressed file), tried after ``name``.

    Returns
    -------
    path : str
    """
    if local is not None:
        for candidate, digest in [(name, sha256), *alternatives]:
            path = os.path.join(local, candidate)
            if os.path.isfile(path):
                _check(path, digest, verify)
                return path
        tried = ", ".join([name] + [a for a, _ in alternatives])
        raise FileNotFoundError(f"none of {tried} found in {local!r}")

    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, name)
    if os.path.isfile(path):
        try:
            _check(path, sha256, verify)
            return path
        except ChecksumError as exc:
            print(f"cached copy is bad, downloading again: {exc}",
                  file=sys.stderr)
    errors = []
    for url in urls:
        part = path + ".part"
        try:
            print(f"downloading {url}", file=sys.stderr)
            request = urllib.request.Request(
                url, headers={"User-Agent": "rnnkit-data-scripts"})
            with urllib.request.urlopen(request, timeout=60) as response, \
                    open(part, "wb") as out:
                shutil.copyfileobj(response, out)
            _check(part, sha256, verify)
            os.replace(part, path)
            return path
        except (OSError, ChecksumError) as exc:
            errors.append(f"{url}: {exc}")
            if os.path.exists(part):
                os.remove(part)
    raise RuntimeError(
        f"could not get {name} from any source:\n  " + "\n  ".join(errors)
        + "\nDownload it by hand and pass its folder with --local DIR.")


def run(main):
    """Call ``main()``; print data errors in one line and return 1."""
    try:
        return main()
    except (ChecksumError, FileNotFoundError, FileExistsError, ValueError,
            RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _check(path, sha256, verify):
    digest = sha256sum(path)
    if sha256 is None or not verify:
        print(f"{os.path.basename(path)}: sha256 {digest} (not checked)",
              file=sys.stderr)
        return
    if digest != sha256:
        raise ChecksumError(
            f"{path}: sha256 {digest}, expected {sha256} (corrupted or a "
            "different version; --no-verify skips this check)")
    print(f"{os.path.basename(path)}: sha256 ok", file=sys.stderr)
