import numpy as np
import pytest

from rnnkit.elm.readout import GramAccumulator


def _accumulate(H, Y, chunk):
    acc = GramAccumulator(H.shape[1], Y.shape[1])
    for start in range(0, len(H), chunk):
        acc.add(H[start:start + chunk], Y[start:start + chunk])
    return acc


def test_streamed_sums_equal_dense_products():
    rng = np.random.default_rng(0)
    H, Y = rng.random((300, 25)), rng.random((300, 4))
    acc = _accumulate(H, Y, 64)
    np.testing.assert_allclose(np.triu(acc.phi), np.triu(H.T @ H), rtol=1e-12)
    np.testing.assert_allclose(acc.psi, H.T @ Y, rtol=1e-12)
    assert acc.n_samples == 300


def test_cholesky_solve_matches_dense_ridge_and_keeps_phi():
    rng = np.random.default_rng(1)
    H, Y = rng.random((200, 30)), rng.random((200, 3))
    acc = _accumulate(H, Y, 50)
    phi_before = np.triu(acc.phi).copy()
    reference = np.linalg.solve(H.T @ H + 0.1 * np.eye(30), H.T @ Y)
    np.testing.assert_allclose(acc.solve(0.1), reference, rtol=1e-10)
    # the accumulated sums survive the in-place factorization
    np.testing.assert_array_equal(np.triu(acc.phi), phi_before)
    np.testing.assert_allclose(acc.solve(0.1), reference, rtol=1e-10)


def test_float32_chunks_are_accumulated_in_float64():
    rng = np.random.default_rng(2)
    H = rng.random((100, 10)).astype(np.float32)
    acc = _accumulate(H, np.ones((100, 1)), 30)
    assert acc.phi.dtype == np.float64
    H64 = H.astype(np.float64)
    np.testing.assert_allclose(np.triu(acc.phi), np.triu(H64.T @ H64), rtol=1e-13)


def test_pinv_solver_matches_numpy_pinv():
    rng = np.random.default_rng(3)
    H, Y = rng.random((80, 12)), rng.random((80, 2))
    acc = _accumulate(H, Y, 25)
    np.testing.assert_allclose(acc.solve(0.0, "pinv"), np.linalg.pinv(H) @ Y, rtol=1e-8)


def test_rank_deficient_phi_falls_back_to_eigh_with_warning():
    rng = np.random.default_rng(4)
    H = rng.random((50, 6))
    H[:, 2] = 0.0  # a dead unit: Phi has an exactly zero row and column
    Y = rng.random((50, 2))
    acc = _accumulate(H, Y, 20)
    phi_before = np.triu(acc.phi).copy()
    with pytest.warns(RuntimeWarning, match="not positive definite"):
        beta = acc.solve(0.0)
    np.testing.assert_allclose(beta, np.linalg.pinv(H) @ Y, atol=1e-10)
    np.testing.assert_array_equal(np.triu(acc.phi), phi_before)


def test_unknown_solver():
    with pytest.raises(ValueError, match="solver must be one of"):
        GramAccumulator(3, 1).solve(1.0, "qr")


def test_mixed_precision_sums_blocks_in_float64():
    rng = np.random.default_rng(5)
    H, Y = rng.random((300, 20)), rng.random((300, 2))
    acc = GramAccumulator(20, 2, precision="mixed")
    for start in range(0, 300, 100):
        acc.add(H[start:start + 100], Y[start:start + 100])
    assert acc.phi.dtype == np.float64
    np.testing.assert_allclose(np.triu(acc.phi), np.triu(H.T @ H), rtol=1e-5)
    np.testing.assert_allclose(acc.solve(1e-3), np.linalg.solve(H.T @ H + 1e-3 * np.eye(20),
                                                                 H.T @ Y), rtol=1e-3)
    with pytest.raises(ValueError, match="precision"):
        GramAccumulator(2, 1, precision="half")


def test_solution_is_cached_until_the_sums_or_settings_change():
    rng = np.random.default_rng(6)
    H, Y = rng.random((60, 8)), rng.random((60, 2))
    acc = _accumulate(H[:40], Y[:40], 20)
    first = acc.solution(1e-3)
    assert acc.solution(1e-3) is first and acc.solved_for == (1e-3, "cholesky")
    assert acc.solution(1e-1) is not first
    acc.add(H[40:], Y[40:])
    assert acc.solved_for is None
    np.testing.assert_allclose(acc.solution(1e-3),
                               np.linalg.solve(H.T @ H + 1e-3 * np.eye(8), H.T @ Y), rtol=1e-10)
