import numpy as np
import pytest

from rnnkit.kernels.gnetwork import ClusterParams, zeta, zeta_and_derivative

# Spec rnn_elm.md section 2, default parameters (20, 0.05, 0.005, 0.005, 0.001).
X_TABLE = [0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 1.0]
ZETA_TABLE = [0.97996, 0.81948, 0.49506, 0.33115, 0.19922, 0.09075, 0.04757, 0.00497]
ETA_TABLE = ["-191.88", "-134.22", "-49.00", "-21.93", "-7.94", "-1.647", "-0.4527", "-0.0049"]


def _half_last_digit(text):
    """Half a unit in the last printed decimal place of ``text``."""
    return 0.5 * 10.0 ** -len(text.split(".")[1])


def test_spec_table():
    z, dz = zeta_and_derivative(np.array(X_TABLE))
    np.testing.assert_allclose(z, ZETA_TABLE, atol=5e-6)
    # the derivative agrees with every digit the spec prints
    for value, text in zip(dz, ETA_TABLE):
        assert abs(value - float(text)) <= _half_last_digit(text), (value, text)


def test_zeta_matches_textbook_root_in_float64():
    prm = ClusterParams()
    x = np.linspace(0, 2, 101)
    a = prm.p * (prm.n - 1) * (prm.lambda_minus + x)
    b = prm.e - prm.n * x
    textbook = (-b - np.sqrt(b * b - 4 * a * prm.d)) / (2 * a)
    np.testing.assert_allclose(zeta(x), textbook, rtol=1e-10)


@pytest.mark.parametrize("params", [ClusterParams(), ClusterParams(n=5, p=0.5, lambda_plus=0.1,
                                                                   lambda_minus=0.3, r=0.2)])
def test_derivative_matches_finite_differences(params):
    x = np.concatenate([np.linspace(0.001, 0.2, 40), [0.5, 1.0, 10.0]])
    _, dz = zeta_and_derivative(x, params)
    h = 1e-6 * np.maximum(x, 1e-3)
    fd = (zeta(x + h, params) - zeta(x - h, params)) / (2 * h)
    np.testing.assert_allclose(dz, fd, rtol=1e-6)


def test_float32_no_underflow_at_large_x():
    x = np.array([1e4, 1e6], dtype=np.float32)
    z = zeta(x)
    assert z.dtype == np.float32
    prm = ClusterParams()
    np.testing.assert_allclose(z, prm.d / (prm.n * x.astype(np.float64)), rtol=1e-3)
    assert abs(z[0] - 5.0e-7) < 1e-9


def test_float32_matches_float64():
    x = np.random.default_rng(0).uniform(0, 1, 1000)
    np.testing.assert_allclose(zeta(x.astype(np.float32)), zeta(x), rtol=1e-6)


def test_zeta_is_decreasing_and_in_range():
    z = zeta(np.linspace(0, 0.1, 1001))
    assert np.all(np.diff(z) < 0)
    assert 0.0475 < z.min() and z.max() < 0.98


def test_negative_input_raises_unless_clamped():
    with pytest.raises(ValueError, match="NonNegativeScaler"):
        zeta(np.array([0.1, -0.01]))
    z, dz = zeta_and_derivative(np.array([-0.01, 0.0]), clamp=True)
    assert z[0] == z[1] and dz[0] == dz[1]


def test_in_place_and_shape():
    x = np.random.default_rng(1).uniform(0, 0.1, (7, 5))
    expected = zeta(x)
    out = zeta(x, out=x)
    assert out is x
    np.testing.assert_array_equal(x, expected)


@pytest.mark.parametrize("kwargs", [dict(n=1), dict(p=0.0), dict(p=1.5), dict(lambda_plus=0.0),
                                    dict(lambda_minus=0.001), dict(r=0.0)])
def test_invalid_parameters(kwargs):
    with pytest.raises(ValueError, match="Invalid cluster parameters"):
        ClusterParams(**kwargs)


def test_zeta0():
    assert ClusterParams().zeta0 == pytest.approx(0.97996, abs=5e-6)
