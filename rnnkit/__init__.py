"""rnnkit: random neural network ELMs, stigmergic memory RNNs and ant colony
neuroevolution, with a scikit-learn API."""

__all__ = []
__version__ = "0.1.0"
