"""FISTA: standard mode reaches the optimum; reference mode follows the MATLAB loop."""
import numpy as np
import pytest
from scipy.optimize import minimize

from rnnkit.elm.fista import fista, lasso_objective, largest_eigenvalue


def _problem(seed, n=60, h=8, m=3):
    rng = np.random.default_rng(seed)
    A = rng.random((n, h))
    Y = A @ np.maximum(rng.normal(size=(h, m)), 0) + 0.1 * rng.normal(size=(n, m))
    return A, Y


def _lbfgs_optimum(A, Y, lam, nonnegative):
    """Generic solver on the smooth reformulation (B = P - N, P, N >= 0)."""
    h, m = A.shape[1], Y.shape[1]

    def split(z):
        if nonnegative:
            return z.reshape(h, m), 0.0
        return z[: h * m].reshape(h, m), z[h * m:].reshape(h, m)

    def fun(z):
        P, N = split(z)
        B = P - N
        R = A @ B - Y
        value = np.sum(R * R) + lam * z.sum()
        grad_B = 2.0 * A.T @ R
        grad = grad_B.ravel() + lam
        if not nonnegative:
            grad = np.concatenate([grad, -grad_B.ravel() + lam])
        return value, grad

    size = h * m if nonnegative else 2 * h * m
    res = minimize(fun, np.zeros(size), jac=True, method="L-BFGS-B",
                   bounds=[(0, None)] * size, options={"maxiter": 20000, "ftol": 1e-15,
                                                        "gtol": 1e-12})
    P, N = split(res.x)
    return P - N, res.fun


@pytest.mark.parametrize("nonnegative", [True, False])
@pytest.mark.parametrize("lam", [1e-3, 0.5])
def test_standard_mode_reaches_the_optimum(nonnegative, lam):
    A, Y = _problem(0)
    Y = Y - Y.mean()  # signed targets: the unconstrained optimum has negative entries
    G, AtY = A.T @ A, A.T @ Y
    B = fista(G, AtY, lam, n_iter=3000, nonnegative=nonnegative)
    _, best = _lbfgs_optimum(A, Y, lam, nonnegative)
    value = lasso_objective(G, AtY, B, lam, yty=np.sum(Y * Y))
    assert value <= best + 1e-7 * abs(best)
    if nonnegative:
        assert B.min() >= 0
    # the one-sided threshold really matters: the signed optimum has negative entries
    if not nonnegative and lam < 1:
        assert B.min() < 0


def test_standard_mode_with_restart_reaches_the_optimum_and_decreases():
    A, Y = _problem(1, h=12)
    G, AtY = A.T @ A, A.T @ Y
    values = []
    B = fista(G, AtY, 0.1, n_iter=2000, restart=True,
              callback=lambda k, B: values.append(lasso_objective(G, AtY, B, 0.1)))
    _, best = _lbfgs_optimum(A, Y, 0.1, True)
    assert lasso_objective(G, AtY, B, 0.1, np.sum(Y * Y)) <= best + 1e-7 * abs(best)
    assert np.all(np.diff(values) <= 1e-9 * np.abs(values[:-1]))  # monotone with restart


def _reference_transcription(A, Y, lam, itrs, project):
    """The MATLAB loop of sparse_elm_autoencoder.m, written out line by line."""
    AA = A.T @ A
    Lf = np.max(np.linalg.eigvalsh(AA))
    Li = 1.0 / Lf
    alp = lam * Li
    m = A.shape[1]
    n = Y.shape[1]
    x = np.zeros((m, n))
    yk = x.copy()
    tk = 1.0
    L1 = 2 * Li * AA
    L2 = 2 * Li * A.T @ Y
    iterates = []
    for _ in range(itrs):
        ck = yk - L1 @ yk + L2
        x1 = (np.maximum(np.abs(ck) - alp, 0)) * np.sign(ck)
        tk1 = 0.5 + 0.5 * np.sqrt(1 + 4 * tk ** 2)
        tt = (tk - 1) / tk1
        yk = x1 + tt * (x - x1)
        tk = tk1
        x = x1
        if project:
            x = np.maximum(x, 0)  # DenseRandomNet's addition
        iterates.append(x.copy())
    return iterates


@pytest.mark.parametrize("project", [True, False])
def test_reference_mode_matches_the_matlab_loop(project):
    A, Y = _problem(2, n=80, h=10, m=4)
    Y = Y - 0.5  # signed targets, so the projection is active
    expected = _reference_transcription(A, Y, 1e-2, 40, project)
    got = []
    fista(A.T @ A, A.T @ Y, 1e-2, n_iter=40, mode="reference", nonnegative=project,
          callback=lambda k, B: got.append(B.copy()))
    assert len(got) == 40
    for k, (mine, theirs) in enumerate(zip(got, expected)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12, err_msg=f"iter {k}")
    if project:
        assert min(B.min() for B in got) >= 0


def test_reference_mode_differs_from_standard():
    A, Y = _problem(3)
    G, AtY = A.T @ A, A.T @ Y
    ref = fista(G, AtY, 1e-3, 20, mode="reference")
    std = fista(G, AtY, 1e-3, 20, mode="standard")
    assert not np.allclose(ref, std)


def test_streamed_grams_give_the_same_solution():
    A, Y = _problem(4, n=200)
    G = sum(A[i:i + 37].T @ A[i:i + 37] for i in range(0, 200, 37))
    AtY = sum(A[i:i + 37].T @ Y[i:i + 37] for i in range(0, 200, 37))
    np.testing.assert_allclose(fista(G, AtY, 0.1, 100), fista(A.T @ A, A.T @ Y, 0.1, 100),
                               rtol=1e-8, atol=1e-10)


def test_largest_eigenvalue_and_degenerate_inputs():
    A, _ = _problem(5)
    assert largest_eigenvalue(A.T @ A) == pytest.approx(np.linalg.norm(A, 2) ** 2)
    assert np.array_equal(fista(np.zeros((3, 3)), np.ones((3, 2)), 0.1, 5), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="mode must be"):
        fista(np.eye(2), np.ones((2, 1)), mode="textbook")
    with pytest.raises(ValueError, match="cross must have shape"):
        fista(np.eye(2), np.ones((3, 1)))
    with pytest.raises(ValueError, match="lam must be"):
        fista(np.eye(2), np.ones((2, 1)), lam=-1)
