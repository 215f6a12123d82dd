"""Loaders of the real public data formats, HDF5 helpers, and time-series framings."""
from .coal import COAL_COLUMNS, load_coal
from .forecasting import one_step_ahead, persistence_errors
from .hdf5 import iter_batches, load_hdf5, write_hdf5
from .mnist import load_mnist, load_mnist_files, read_idx
from .norb import load_small_norb, read_norb_matrix
from .series_scaler import MinMaxSeriesScaler
from .strokes import (load_stroke_dir, load_strokes, mnist_to_strokes,
                      pack_sequences, strokes_to_points, thin_images,
                      unpack_sequences)
from .uci import COVTYPE_FEATURES, load_covtype, load_higgs

__all__ = [
    "load_coal", "COAL_COLUMNS", "MinMaxSeriesScaler", "one_step_ahead",
    "persistence_errors",
    "load_covtype", "load_higgs", "COVTYPE_FEATURES",
    "load_mnist", "load_mnist_files", "read_idx",
    "write_hdf5", "load_hdf5", "iter_batches",
    "load_small_norb", "read_norb_matrix",
    "load_strokes", "load_stroke_dir", "strokes_to_points",
    "mnist_to_strokes", "thin_images", "pack_sequences", "unpack_sequences",
]
