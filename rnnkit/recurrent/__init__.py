"""Sequence estimators trained by backpropagation through time."""
from ._recurrent import RecurrentClassifier, RecurrentRegressor

__all__ = ["RecurrentClassifier", "RecurrentRegressor"]
