import pickle

import numpy as np
import pytest
from scipy.linalg import lapack

from rnnkit.elm.readout import RELATIVE_ALPHAS, GramAccumulator, check_alphas, fold_of
from rnnkit.elm.ridge_path import RidgePath, apply_reflectors


def _accumulate(H, Y, chunk, **kwargs):
    acc = GramAccumulator(H.shape[1], Y.shape[1], **kwargs)
    for start in range(0, len(H), chunk):
        acc.add(H[start:start + chunk], Y[start:start + chunk])
    return acc


def _ridge(H, Y, alpha):
    return np.linalg.solve(H.T @ H + alpha * np.eye(H.shape[1]), H.T @ Y)


def _stored(acc):
    return np.triu(acc.phi).copy(), acc.psi.copy(), acc.sum_sq, acc.n_samples


def _assert_unchanged(acc, stored):
    phi, psi, sum_sq, n = stored
    np.testing.assert_array_equal(np.triu(acc.phi), phi)
    np.testing.assert_array_equal(acc.psi, psi)
    assert (acc.sum_sq, acc.n_samples) == (sum_sq, n)


def test_streamed_sums_equal_dense_products():
    rng = np.random.default_rng(0)
    H, Y = rng.random((300, 25)), rng.random((300, 4))
    acc = _accumulate(H, Y, 64)
    np.testing.assert_allclose(np.triu(acc.phi), np.triu(H.T @ H), rtol=1e-12)
    np.testing.assert_allclose(acc.psi, H.T @ Y, rtol=1e-12)
    assert acc.sum_sq == pytest.approx(np.sum(Y ** 2), rel=1e-13)
    assert acc.n_samples == 300


def test_cholesky_solve_matches_dense_ridge_and_keeps_the_sums():
    rng = np.random.default_rng(1)
    H, Y = rng.random((200, 30)), rng.random((200, 3))
    acc = _accumulate(H, Y, 50)
    stored = _stored(acc)
    reference = _ridge(H, Y, 0.1)
    np.testing.assert_allclose(acc.solve(0.1), reference, rtol=1e-10)
    _assert_unchanged(acc, stored)
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
    readout = acc.readout("auto", "pinv")
    assert readout.alpha == 0.0 and readout.cv_results is None


def test_singular_phi_falls_back_to_the_tridiagonal_path_with_warning():
    rng = np.random.default_rng(4)
    H = rng.random((50, 6))
    H[:, 2] = 0.0  # a dead unit: Phi has an exactly zero row and column
    Y = rng.random((50, 2))
    acc = _accumulate(H, Y, 20)
    stored = _stored(acc)
    with pytest.warns(RuntimeWarning) as record:
        readout = acc.readout(0.0)
    messages = " ".join(str(w.message) for w in record)
    assert "not positive definite" in messages and "below the rounding noise" in messages
    # the nearest alpha the sums resolve: tiny, and the least-squares fit of the live units
    assert 0 < readout.alpha < 1e-12
    np.testing.assert_allclose(H @ readout.coef, H @ np.linalg.pinv(H) @ Y, atol=1e-7)
    _assert_unchanged(acc, stored)
    # any alpha the sums resolve is then solved in the same basis, without a warning
    np.testing.assert_allclose(acc.readout(1e-6).coef, _ridge(H, Y, 1e-6), rtol=1e-7, atol=1e-9)


def test_unknown_solver_and_bad_alphas():
    acc = GramAccumulator(3, 1)
    with pytest.raises(ValueError, match="solver must be one of"):
        acc.solve(1.0, "qr")
    with pytest.raises(ValueError, match="solver must be one of"):
        acc.readout(1.0, "qr")
    with pytest.raises(ValueError, match="alpha must be"):
        acc.readout("best")
    for bad in ([], [1.0, -1.0], [[1.0]], [np.nan], "x"):
        with pytest.raises(ValueError, match="alphas must be"):
            check_alphas(bad)
    with pytest.raises(ValueError, match="n_folds"):
        GramAccumulator(3, 1, n_folds=1)


def test_mixed_precision_sums_blocks_in_float64():
    rng = np.random.default_rng(5)
    H, Y = rng.random((300, 20)), rng.random((300, 2))
    acc = GramAccumulator(20, 2, precision="mixed")
    for start in range(0, 300, 100):
        acc.add(H[start:start + 100], Y[start:start + 100])
    assert acc.phi.dtype == np.float64
    np.testing.assert_allclose(np.triu(acc.phi), np.triu(H.T @ H), rtol=1e-5)
    np.testing.assert_allclose(acc.solve(1e-3), _ridge(H, Y, 1e-3), rtol=1e-3)
    with pytest.raises(ValueError, match="precision"):
        GramAccumulator(2, 1, precision="half")


def test_readout_is_cached_until_the_sums_or_settings_change():
    rng = np.random.default_rng(6)
    H, Y = rng.random((60, 8)), rng.random((60, 2))
    acc = _accumulate(H[:40], Y[:40], 20)
    first = acc.readout(1e-3)
    assert acc.readout(1e-3) is first
    assert acc.readout(1e-1) is not first
    auto = acc.readout("auto")
    assert acc.readout("auto") is auto
    acc.add(H[40:], Y[40:])
    np.testing.assert_allclose(acc.readout(1e-3).coef, _ridge(H, Y, 1e-3), rtol=1e-10)


# -- the tridiagonal path ------------------------------------------------------


def _path(H, Y):
    phi = H.T @ H
    work = np.asfortranarray(np.tril(phi) + np.triu(np.full(phi.shape, 7.0), 1))
    return RidgePath(work, H.T @ Y), work


def test_ridge_path_reproduces_phi_and_dense_solves():
    rng = np.random.default_rng(7)
    H, Y = rng.random((120, 25)), rng.random((120, 3))
    path, work = _path(H, Y)
    np.testing.assert_array_equal(np.triu(work, 1), np.triu(np.full(work.shape, 7.0), 1))
    L = H.shape[1]
    Q = apply_reflectors(work, path._tau, np.eye(L), transpose=False)
    T = np.diag(path.diagonal) + np.diag(path.offdiagonal, 1) + np.diag(path.offdiagonal, -1)
    np.testing.assert_allclose(Q.T @ Q, np.eye(L), atol=1e-13)
    np.testing.assert_allclose(Q @ T @ Q.T, H.T @ H, rtol=1e-12, atol=1e-11)
    np.testing.assert_allclose(apply_reflectors(work, path._tau, H.T @ Y, transpose=True),
                               Q.T @ (H.T @ Y), atol=1e-11)
    np.testing.assert_allclose(path.eigenvalues, np.linalg.eigvalsh(H.T @ H), rtol=1e-10)
    for alpha in (1e-8, 1e-3, 10.0):
        beta, used = path.solve(alpha)
        assert used == alpha
        np.testing.assert_allclose(beta, _ridge(H, Y, alpha), rtol=1e-9)


def test_residuals_and_degrees_of_freedom_equal_explicit_ones():
    rng = np.random.default_rng(8)
    H, Y = rng.random((90, 20)), rng.random((90, 2))
    path, _ = _path(H, Y)
    alphas = np.array([1e-6, 1e-2, 1.0, 30.0])
    rss, df = path.residuals(alphas, np.sum(Y ** 2))
    for a, r, d in zip(alphas, rss, df):
        S = H @ np.linalg.solve(H.T @ H + a * np.eye(20), H.T)  # hat matrix
        assert r == pytest.approx(np.sum((Y - S @ Y) ** 2), rel=1e-9)
        assert d == pytest.approx(np.trace(S), rel=1e-10)


def test_gcv_readout_scores_every_alpha_like_the_explicit_formula():
    rng = np.random.default_rng(9)
    W = rng.normal(size=(15, 3))
    H = rng.random((150, 15))
    Y = H @ W + 0.3 * rng.normal(size=(150, 3))
    acc = _accumulate(H, Y, 40)
    stored = _stored(acc)
    readout = acc.readout("auto")
    _assert_unchanged(acc, stored)
    results = readout.cv_results
    grid = results["param_alpha"]
    np.testing.assert_allclose(grid, RELATIVE_ALPHAS * np.trace(H.T @ H) / 15, rtol=1e-12)
    for j in range(0, grid.size, 7):
        S = H @ np.linalg.solve(H.T @ H + grid[j] * np.eye(15), H.T)
        gcv = np.mean((Y - S @ Y) ** 2) / (1 - np.trace(S) / 150) ** 2
        assert -results["mean_test_score"][j] == pytest.approx(gcv, rel=1e-7)
        assert results["effective_dof"][j] == pytest.approx(np.trace(S), rel=1e-9)
    best = np.nanargmax(results["mean_test_score"])
    assert readout.alpha == grid[best] and results["rank_test_score"][best] == 1
    assert sorted(results["rank_test_score"]) == list(range(1, grid.size + 1))
    np.testing.assert_allclose(readout.coef, _ridge(H, Y, readout.alpha), rtol=1e-8)
    # a given grid, and a fixed alpha re-solved in the same basis
    mine = acc.readout("auto", alphas=[1e-3, 1.0, 100.0])
    np.testing.assert_array_equal(mine.cv_results["param_alpha"], [1e-3, 1.0, 100.0])
    np.testing.assert_allclose(acc.readout(0.5).coef, _ridge(H, Y, 0.5), rtol=1e-9)


def test_kfold_scores_equal_explicit_fold_errors_whatever_the_chunks():
    rng = np.random.default_rng(10)
    H = rng.random((160, 12))
    Y = H @ rng.normal(size=(12, 2)) + 0.2 * rng.normal(size=(160, 2))
    fold = fold_of(np.arange(160), 4)
    assert set(fold) == {0, 1, 2, 3}
    acc = _accumulate(H, Y, 37, n_folds=4)
    readout = acc.readout("auto", alphas=[1e-6, 1e-2, 1.0, 10.0], cv=4)
    other = _accumulate(H, Y, 160, n_folds=4).readout("auto", alphas=[1e-6, 1e-2, 1.0, 10.0],
                                                      cv=4)
    results = readout.cv_results
    for j, alpha in enumerate(results["param_alpha"]):
        for f in range(4):
            train, test = fold != f, fold == f
            beta = _ridge(H[train], Y[train], alpha)
            error = np.mean((Y[test] - H[test] @ beta) ** 2)
            assert -results[f"split{f}_test_score"][j] == pytest.approx(error, rel=1e-7)
            assert other.cv_results[f"split{f}_test_score"][j] == pytest.approx(
                results[f"split{f}_test_score"][j], rel=1e-9)
    np.testing.assert_allclose(results["mean_test_score"],
                               np.mean([results[f"split{f}_test_score"] for f in range(4)], 0))
    assert readout.alpha == results["param_alpha"][np.argmax(results["mean_test_score"])]
    np.testing.assert_allclose(readout.coef, _ridge(H, Y, readout.alpha), rtol=1e-9)
    np.testing.assert_allclose(np.triu(acc.phi), np.triu(H.T @ H), rtol=1e-12)
    with pytest.raises(ValueError, match="cv=3 needs per-fold sums for 3 folds"):
        acc.readout("auto", cv=3)
    with pytest.raises(ValueError, match="no per-fold sums"):
        _accumulate(H, Y, 40).readout("auto", cv=4)


def test_fold_of_is_a_fixed_balanced_hash():
    folds = fold_of(np.arange(100_000), 5)
    np.testing.assert_array_equal(folds[:1000], fold_of(np.arange(1000), 5))
    np.testing.assert_array_equal(folds[500:700], fold_of(np.arange(500, 700), 5))
    counts = np.bincount(folds)
    assert counts.min() > 19_500 and counts.max() < 20_500
    assert not np.array_equal(fold_of(np.arange(50), 5, seed=1), folds[:50])


@pytest.mark.parametrize("failing", ["dpotrf", "dsterf"])
def test_a_solve_that_fails_midway_leaves_the_sums_intact(monkeypatch, failing):
    rng = np.random.default_rng(11)
    H, Y = rng.random((70, 9)), rng.random((70, 2))
    acc = _accumulate(H, Y, 30)
    stored = _stored(acc)

    def fail(*args, **kwargs):
        raise MemoryError("simulated failure inside a solve")

    monkeypatch.setattr(lapack, failing, fail)
    with pytest.raises(MemoryError):
        acc.readout(1e-3 if failing == "dpotrf" else "auto")
    _assert_unchanged(acc, stored)
    monkeypatch.undo()
    np.testing.assert_allclose(acc.readout(1e-3).coef, _ridge(H, Y, 1e-3), rtol=1e-10)
    assert acc.readout("auto").cv_results is not None


def test_pickle_keeps_sums_and_solution_and_a_working_lock():
    rng = np.random.default_rng(12)
    H, Y = rng.random((60, 7)), rng.random((60, 2))
    acc = _accumulate(H, Y, 25, n_folds=3)
    readout = acc.readout("auto", cv=3)
    copy = pickle.loads(pickle.dumps(acc))
    np.testing.assert_array_equal(copy.readout("auto", cv=3).coef, readout.coef)
    copy.add(H[:5], Y[:5])
    expected = _ridge(np.vstack([H, H[:5]]), np.vstack([Y, Y[:5]]), 1e-2)
    np.testing.assert_allclose(copy.readout(1e-2).coef, expected, rtol=1e-9)


def test_gcv_ignores_alphas_below_the_rounding_noise_when_wider_than_the_data():
    # more units than rows: Phi is singular, its computed null eigenvalues are noise of
    # either sign, and a ridge below their size interpolates rounding errors
    rng = np.random.default_rng(13)
    H = 0.5 + 0.05 * rng.random((40, 70))
    Y = np.eye(4)[rng.integers(0, 4, 40)]
    acc = _accumulate(H, Y, 15)
    readout = acc.readout("auto")
    path = acc._ridge_path()
    assert path.eigenvalues[0] < 0
    grid, score = readout.cv_results["param_alpha"], readout.cv_results["mean_test_score"]
    floor = 10 * -path.eigenvalues[0]
    assert np.isnan(score[grid < floor]).all() and np.isfinite(score).sum() > 10
    assert readout.alpha >= floor
    U, sigma, _ = np.linalg.svd(H, full_matrices=False)  # accurate: no Gram matrix
    for j in np.flatnonzero(np.isfinite(score))[::6]:
        shrink = sigma ** 2 / (sigma ** 2 + grid[j])
        residual = Y - U @ (shrink[:, None] * (U.T @ Y))
        gcv = np.mean(residual ** 2) / (1 - shrink.sum() / 40) ** 2
        assert -score[j] == pytest.approx(gcv, rel=1e-6)
