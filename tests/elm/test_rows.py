"""RowSource on memmaps: the rows it reads, and the memory it leaves resident."""
import mmap
import os
import sys

import numpy as np
import pytest

from rnnkit import RNNELMClassifier
from rnnkit.elm._rows import RowSource

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(mmap, "MADV_DONTNEED"),
    reason="resident-set accounting of file mappings is read from /proc (Linux)")


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _file(tmp_path, shape, dtype=np.float32, offset=0, order="C", seed=0):
    data = np.random.default_rng(seed).random(shape).astype(dtype)
    path = tmp_path / f"X{offset}{order}.dat"
    with open(path, "wb") as f:
        f.write(b"\0" * offset)
        f.write(data.tobytes(order=order))
    return path, data


@pytest.mark.parametrize("mode", ["r", "r+", "c"])
@pytest.mark.parametrize("offset, order", [(0, "C"), (12, "C"), (4100, "F")])
def test_memmap_chunks_are_the_rows(tmp_path, mode, offset, order):
    path, data = _file(tmp_path, (257, 9), offset=offset, order=order)
    X = np.memmap(path, dtype=np.float32, mode=mode, shape=data.shape, offset=offset,
                  order=order)
    if mode != "r":
        X[100, 3] = data[100, 3] = 7.0  # an unsaved change is read, and survives
    for view, expected in [(X, data), (X[5:, 2:7], data[5:, 2:7]), (X[::2], data[::2])]:
        source = RowSource(view, "test", None)
        rows = np.vstack([block for _, block in source.chunks(20)])
        np.testing.assert_array_equal(rows, expected)
        assert rows.flags.c_contiguous and not np.shares_memory(rows, X)
    assert X[100, 3] == data[100, 3]


@linux_only
def test_reading_a_memmap_keeps_its_pages_out_of_memory(tmp_path):
    path, data = _file(tmp_path, (16_384, 512))  # 32 MiB
    X = np.memmap(path, dtype=np.float32, mode="r", shape=data.shape)
    source = RowSource(X, "test", None)
    before = _rss()
    peak = 0
    for _, block in source.chunks(256):
        peak = max(peak, _rss() - before)
    assert peak < data.nbytes / 8, f"resident set grew by {peak / 2**20:.1f} MiB"


@linux_only
def test_fit_on_a_memmap_is_the_fit_on_the_array_within_bounded_memory(tmp_path):
    path, data = _file(tmp_path, (8192, 512), seed=1)  # 16 MiB
    y = (data[:, 0] > data[:, 1]).astype(int)
    X = np.memmap(path, dtype=np.float32, mode="r", shape=data.shape)
    b = RNNELMClassifier(20, batch_size=512, random_state=0).fit(data, y)  # also warms up
    before = _rss()
    a = RNNELMClassifier(20, batch_size=512, random_state=0).fit(X, y)
    grown = _rss() - before
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert grown < data.nbytes / 4, f"resident set grew by {grown / 2**20:.1f} MiB"
