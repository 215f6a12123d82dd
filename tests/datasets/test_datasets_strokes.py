"""Pen-stroke files and the Numba image-to-strokes conversion."""
import numpy as np
import pytest
from scipy.ndimage import zoom
from sklearn.datasets import load_digits

from rnnkit.datasets import (load_stroke_dir, load_strokes, mnist_to_strokes,
                             pack_sequences, strokes_to_points, thin_images,
                             unpack_sequences)

# A real-format sequence: two strokes, 1-based start (3, 2).
SEQ = np.array([[3, 2, 0, 0], [1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0],
                [-2, 3, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]])


def _write_seq(path, seq):
    path.write_text("\n".join(" ".join(str(v) for v in row) for row in seq)
                    + "\n")
    return path


# ---------------------------------------------------------------- reading

def test_load_strokes_and_points(tmp_path):
    seq = load_strokes(_write_seq(tmp_path / "trainimg-4-inputdata.txt", SEQ))
    assert seq.shape == (7, 4) and seq.dtype.kind == "i"
    np.testing.assert_array_equal(seq, SEQ)
    points, stroke = strokes_to_points(seq)
    np.testing.assert_array_equal(
        points, [[3, 2], [4, 2], [5, 3], [3, 6], [3, 7]])
    np.testing.assert_array_equal(stroke, [0, 0, 0, 1, 1])


def test_load_stroke_dir(tmp_path):
    for i in (10, 2, 7):
        _write_seq(tmp_path / f"trainimg-{i}-inputdata.txt", SEQ[i % 2:])
    _write_seq(tmp_path / "testimg-5-inputdata.txt", SEQ)
    (tmp_path / "trainimg-3-targetdata.txt").write_text("not read\n")
    seqs, idx = load_stroke_dir(tmp_path, "train")
    np.testing.assert_array_equal(idx, [2, 7, 10])
    assert [len(s) for s in seqs] == [7, 6, 7]
    seqs, idx = load_stroke_dir(tmp_path, "test")
    np.testing.assert_array_equal(idx, [5])
    seqs, idx = load_stroke_dir(tmp_path, "train", indices=[7])
    assert len(seqs) == 1 and len(seqs[0]) == 6
    with pytest.raises(FileNotFoundError, match="trainimg-8-inputdata"):
        load_stroke_dir(tmp_path, "train", indices=[8])
    with pytest.raises(FileNotFoundError, match="missing"):
        load_stroke_dir(tmp_path / "missing")
    with pytest.raises(ValueError, match="'valid'"):
        load_stroke_dir(tmp_path, "valid")


@pytest.mark.parametrize("text, match", [
    ("1 2 0 0\n0 0 1\n", r"line 2: expected 4 integers"),
    ("1 2 0 0\n0 0 1 x\n", r"line 2: expected 4 integers"),
    ("", "empty"),
    ("1 2 0 0\n0 0 2 1\n", "eos/eod must be 0 or 1"),
    ("1 2 0 0\n1 0 0 0\n", "last row must be"),
    ("1 2 0 0\n0 0 1 1\n1 0 0 0\n0 0 1 1\n", "last row must be"),
])
def test_load_strokes_errors(tmp_path, text, match):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_strokes(path)


def test_load_strokes_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        load_strokes(tmp_path / "nope.txt")


def test_pack_unpack_round_trip():
    seqs = [SEQ, SEQ[3:], SEQ[:1]]
    rows, offsets = pack_sequences(seqs)
    assert rows.shape == (12, 4) and offsets.tolist() == [0, 7, 11, 12]
    for a, b in zip(unpack_sequences(rows, offsets), seqs):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- deriving

def _line():
    img = np.zeros((16, 16), np.uint8)
    img[7:9, 2:13] = 255  # 2-pixel-thick horizontal bar
    return img


def _ell():
    img = np.zeros((16, 16), np.uint8)
    img[2:13, 3:6] = 200  # vertical bar, then the foot
    img[10:13, 3:13] = 200
    return img


def _ring():
    rr, cc = np.mgrid[:20, :20]
    d = np.hypot(rr - 9.5, cc - 9.5)
    return ((d > 5) & (d < 8)).astype(np.uint8) * 255


def _two_lines():
    img = np.zeros((16, 16), np.uint8)
    img[3, 2:12] = 255
    img[11:13, 4:14] = 255
    return img


def _digits(n=40):
    digits = load_digits()
    images = zoom(digits.images[:n], (1, 3.5, 3.5), order=1)  # 28 x 28
    return np.clip(images * 16, 0, 255).astype(np.uint8), digits.target[:n]


def _check_invariants(seq, skeleton, coord_base):
    """The format rules of de Jong's files, and that the path covers the
    skeleton exactly once."""
    seq = np.asarray(seq, dtype=np.int64)
    assert seq.ndim == 2 and seq.shape[1] == 4
    assert seq[-1].tolist() == [0, 0, 1, 1]
    assert np.all(seq[:-1, 3] == 0)
    assert np.all(seq[:, 2] * (seq[:, 0] ** 2 + seq[:, 1] ** 2) == 0)
    ys, xs = np.nonzero(skeleton)
    if ys.size == 0:
        assert len(seq) == 1
        return
    # first row: absolute start on the skeleton
    assert seq[0, 2] == 0 and skeleton[seq[0, 1] - coord_base,
                                       seq[0, 0] - coord_base]
    # every row that is not a start (first row, or right after an eos) nor
    # an eos row is a unit 8-connected move
    is_start = np.zeros(len(seq), bool)
    is_start[0] = True
    is_start[1:] = seq[:-1, 2] == 1
    moves = seq[~is_start & (seq[:, 2] == 0), :2]
    assert np.all(np.abs(moves) <= 1)
    assert np.all(np.abs(moves).sum(1) > 0)
    assert not np.any(seq[1:, 2] & seq[:-1, 2])  # no empty strokes
    points, stroke = strokes_to_points(seq)
    assert len(seq) == len(points) + stroke[-1] + 1
    rows = points[:, 1] - coord_base
    cols = points[:, 0] - coord_base
    assert np.all(skeleton[rows, cols] == 1)  # only skeleton pixels
    visited = np.zeros_like(skeleton, dtype=int)
    np.add.at(visited, (rows, cols), 1)
    np.testing.assert_array_equal(visited, skeleton)  # each exactly once


@pytest.mark.parametrize("make, n_strokes", [
    (_line, 1), (_ell, 1), (_ring, 1), (_two_lines, 2)])
@pytest.mark.parametrize("coord_base", [0, 1])
def test_mnist_to_strokes_shapes(make, n_strokes, coord_base):
    img = make()[None]
    skel = thin_images(img, min_component_size=3, image_shape=img.shape[1:])
    (seq,) = mnist_to_strokes(img, coord_base=coord_base)
    assert seq.dtype == np.int16
    _check_invariants(seq, skel[0], coord_base)
    assert seq[:, 2].sum() == n_strokes


def test_line_is_traced_left_to_right():
    (seq,) = mnist_to_strokes(_line()[None], coord_base=0)
    points, _ = strokes_to_points(seq)
    # a horizontal skeleton, started at its top-left end
    assert len(set(points[:, 1].tolist())) == 1
    assert points[0, 0] == points[:, 0].min()
    assert np.all(seq[1:-1, :2] == [1, 0])


def test_ring_is_one_closed_stroke():
    (seq,) = mnist_to_strokes(_ring()[None], coord_base=0)
    points, _ = strokes_to_points(seq)
    # closed loop: one stroke that ends next to where it started
    assert np.abs(points[-1] - points[0]).max() == 1


def test_thin_images_is_one_pixel_wide():
    skel = thin_images(np.stack([_ell(), _line()]), image_shape=(16, 16))
    assert skel.dtype == np.uint8 and skel.shape == (2, 16, 16)
    blocks = skel[:, :-1, :-1] & skel[:, 1:, :-1] & skel[:, :-1, 1:] \
        & skel[:, 1:, 1:]
    assert not blocks.any()
    assert np.all(skel <= (np.stack([_ell(), _line()]) >= 128))


def test_digits_invariants_flat_input_and_packed():
    images, _ = _digits()
    flat = images.reshape(len(images), -1)
    seqs = mnist_to_strokes(flat)
    skel = thin_images(flat, min_component_size=3)
    assert len(seqs) == len(images)
    for seq, sk in zip(seqs, skel):
        _check_invariants(seq, sk, 1)
    rows, offsets = mnist_to_strokes(images, packed=True)
    for a, b in zip(unpack_sequences(rows, offsets), seqs):
        np.testing.assert_array_equal(a, b)


def test_small_components_dropped():
    img = _line()
    img[13, 14] = 255  # a one-pixel speck
    seq, = mnist_to_strokes(img[None])
    assert seq[:, 2].sum() == 1
    seq, = mnist_to_strokes(img[None], min_component_size=0)
    assert seq[:, 2].sum() == 2


def test_empty_image_and_bad_args():
    seqs = mnist_to_strokes(np.zeros((2, 28, 28), np.uint8))
    assert [s.tolist() for s in seqs] == [[[0, 0, 1, 1]]] * 2
    with pytest.raises(ValueError, match="784"):
        mnist_to_strokes(np.zeros((2, 100)))
    with pytest.raises(ValueError, match="next_start"):
        mnist_to_strokes(np.zeros((1, 28, 28)), next_start="random")


def test_spur_pruning():
    img = np.zeros((1, 16, 16), np.uint8)
    img[0, 8, 2:15] = 255   # one-pixel line: thinning keeps it as it is
    img[0, 6:8, 8] = 255    # a 2-pixel spur on it
    kept = thin_images(img, image_shape=(16, 16))[0]
    np.testing.assert_array_equal(kept, img[0] > 0)
    assert thin_images(img, min_spur_length=2,
                       image_shape=(16, 16))[0].sum() == kept.sum()
    pruned = thin_images(img, min_spur_length=3, image_shape=(16, 16))[0]
    np.testing.assert_array_equal(pruned[8], kept[8])
    assert pruned[6:8].sum() == 0
    (seq,) = mnist_to_strokes(img, image_shape=(16, 16))
    assert seq[:, 2].sum() == 2
    (seq,) = mnist_to_strokes(img, min_spur_length=3)
    assert seq[:, 2].sum() == 1
    _check_invariants(seq, pruned, 1)
