import sys
from pathlib import Path

import numpy as np
import pytest

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # the stand-in trainer (_standin.py), importable in worker processes
    sys.path.append(HERE)


@pytest.fixture
def series():
    """Six short series; the target is 0.8 x feature 2 plus noise."""
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(30 + 5 * k, 4)) for k in range(6)]
    y = [0.8 * x[:, 2] + 0.05 * rng.normal(size=len(x)) for x in X]
    return X, y
