"""rnnkit: random neural network ELMs, stigmergic memory RNNs and ant colony
neuroevolution, with a scikit-learn API."""
from .asne import ASNERegressor
from .elm import (DeepRNNELMClassifier, MultiSourceRNNELMClassifier, NonNegativeScaler,
                  RNNAutoencoder, RNNELMClassifier, RNNELMRegressor)
from .recurrent import RecurrentClassifier, RecurrentRegressor, StigmergicClassifier

__all__ = [
    "ASNERegressor",
    "DeepRNNELMClassifier",
    "MultiSourceRNNELMClassifier",
    "NonNegativeScaler",
    "RNNAutoencoder",
    "RNNELMClassifier",
    "RNNELMRegressor",
    "RecurrentClassifier",
    "RecurrentRegressor",
    "StigmergicClassifier",
]
__version__ = "0.1.0"
