"""RNN-ELM: random dense-cluster layers with closed-form readouts."""
from .estimators import RNNELMClassifier, RNNELMRegressor
from .scaler import NonNegativeScaler

__all__ = ["NonNegativeScaler", "RNNELMClassifier", "RNNELMRegressor"]
