"""rnnkit: random neural network ELMs, stigmergic memory RNNs and ant colony
neuroevolution, with a scikit-learn API."""
from .elm import NonNegativeScaler, RNNELMClassifier, RNNELMRegressor

__all__ = ["NonNegativeScaler", "RNNELMClassifier", "RNNELMRegressor"]
__version__ = "0.1.0"
