"""Input checks shared by the estimators."""
import numpy as np


def check_nonnegative_input(X, whom):
    """Raise ValueError naming ``NonNegativeScaler`` if ``X`` has negative values.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    whom : str
        Name of the estimator, used in the message.
    """
    min_value = X.min() if X.size else 0.0
    if min_value < 0:
        raise ValueError(
            f"Negative values in data passed to {whom} (min = {min_value:.6g}). "
            "The random neural network needs nonnegative input: put a "
            "rnnkit.NonNegativeScaler in front of it, e.g. "
            "make_pipeline(NonNegativeScaler(), estimator)."
        )


def float_dtype(X):
    """float32 for float32 input, float64 for anything else."""
    return np.float32 if getattr(X, "dtype", None) == np.float32 else np.float64
