"""RNN-ELM: random dense-cluster layers, nonnegative autoencoders, closed-form readouts."""
from .autoencoder import RNNAutoencoder
from .deep import DeepRNNELMClassifier
from .estimators import RNNELMClassifier, RNNELMRegressor
from .multisource import MultiSourceRNNELMClassifier
from .scaler import NonNegativeScaler

__all__ = ["DeepRNNELMClassifier", "MultiSourceRNNELMClassifier", "NonNegativeScaler",
           "RNNAutoencoder", "RNNELMClassifier", "RNNELMRegressor"]
