"""Loaders of the real public data formats and HDF5 helpers."""
from .mnist import load_mnist, read_idx

__all__ = ["load_mnist", "read_idx"]
