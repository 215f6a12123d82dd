import numpy as np
import pytest


@pytest.fixture
def series():
    """Six short series; the target is feature 2 one step later plus noise."""
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(30 + 5 * k, 4)) for k in range(6)]
    y = [np.r_[x[1:, 2], 0.0] * 0.8 + 0.05 * rng.normal(size=len(x)) for x in X]
    return X, y
