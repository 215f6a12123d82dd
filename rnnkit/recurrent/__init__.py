"""Sequence estimators trained by backpropagation through time."""
from ._recurrent import RecurrentClassifier, RecurrentRegressor
from .stigmergic import StigmergicClassifier

__all__ = ["RecurrentClassifier", "RecurrentRegressor", "StigmergicClassifier"]
