"""Loaders of the real public data formats and HDF5 helpers."""
from .mnist import load_mnist, read_idx
from .strokes import (load_stroke_dir, load_strokes, mnist_to_strokes,
                      pack_sequences, strokes_to_points, thin_images,
                      unpack_sequences)

__all__ = [
    "load_mnist", "read_idx",
    "load_strokes", "load_stroke_dir", "strokes_to_points",
    "mnist_to_strokes", "thin_images", "pack_sequences", "unpack_sequences",
]
