"""FISTA for the (nonnegative) L1-regularized least-squares decoder of an ELM autoencoder.

Solves ``min_B ||A B - Y||_F^2 + lam ||B||_1`` (optionally subject to
``B >= 0``) from the Gram matrices ``G = A'A`` (h, h) and ``A'Y`` (h, m) only,
so ``A`` may be streamed in row chunks and never held whole.

Two modes:

``"standard"``
    Beck & Teboulle (2009): step ``1/L`` with ``L = 2 lambda_max(G)`` (the
    Lipschitz constant of the gradient of ``||AB - Y||^2``), the proximal map
    of ``lam ||.||_1`` (one-sided, ``max(Z - lam/L, 0)``, when ``B >= 0``) and
    the extrapolation ``Y_k = B_k + (t_k - 1)/t_{k+1} (B_k - B_{k-1})``; with
    ``restart=True`` momentum is reset whenever the objective increases
    (O'Donoghue & Candes, 2015).  Converges to the minimizer.
``"reference"``
    The loop of H-ELM's / DenseRandomNet's ``sparse_elm_autoencoder.m``
    reproduced exactly: step ``1/lambda_max`` (twice the
    textbook step), two-sided soft threshold, the momentum term with the
    reversed sign ``(B_{k-1} - B_k)``, and with ``nonnegative=True`` the
    projection ``max(B, 0)`` applied to the stored iterate only.  It is a
    heuristic, not a convergent method; use it for fidelity.
"""
import numpy as np
from scipy.linalg import eigh

MODES = ("standard", "reference")


def fista(gram, cross, lam=1e-3, n_iter=150, *, nonnegative=True, mode="standard",
          restart=False, lipschitz=None, callback=None):
    """Minimize ``||A B - Y||^2 + lam ||B||_1`` given ``G = A'A`` and ``A'Y``.

    Parameters
    ----------
    gram : ndarray of shape (h, h)
        ``A'A``, symmetric positive semidefinite.
    cross : ndarray of shape (h, m)
        ``A'Y``.
    lam : float, default=1e-3
        L1 weight, ``>= 0``.
    n_iter : int, default=150
        Number of iterations (150 in Yin's RNN autoencoder, 50 in the H-ELM
        demo).
    nonnegative : bool, default=True
        Constrain ``B >= 0``.
    mode : {"standard", "reference"}, default="standard"
        See the module docstring.
    restart : bool, default=False
        Adaptive (function-value) restart; standard mode only.
    lipschitz : float, optional
        ``lambda_max(G)`` if already known; computed by ``eigh`` otherwise.
    callback : callable, optional
        Called as ``callback(k, B)`` after iteration ``k`` (1-based) with the
        current iterate (do not modify it).

    Returns
    -------
    B : ndarray of float64, shape (h, m)

    Raises
    ------
    ValueError
        On mismatched shapes, a negative ``lam`` or an unknown mode.
    """
    gram = np.asarray(gram, dtype=np.float64)
    cross = np.asarray(cross, dtype=np.float64)
    _check(gram, cross, lam, n_iter, mode)
    lmax = largest_eigenvalue(gram) if lipschitz is None else float(lipschitz)
    if not lmax > 0:  # A == 0: the minimizer is B = 0
        B = np.zeros_like(cross)
        if callback is not None:
            for k in range(1, n_iter + 1):
                callback(k, B)
        return B
    if mode == "reference":
        return _reference(gram, cross, lam, n_iter, lmax, nonnegative, callback)
    return _standard(gram, cross, lam, n_iter, lmax, nonnegative, restart, callback)


def lasso_objective(gram, cross, B, lam, yty=0.0):
    """``||A B - Y||^2 + lam ||B||_1`` from the Grams (``yty = ||Y||^2``; 0 drops the constant)."""
    GB = gram @ B
    return float(np.sum(B * GB) - 2.0 * np.sum(B * cross) + yty + lam * np.abs(B).sum())


def largest_eigenvalue(gram):
    """``lambda_max`` of the symmetric matrix ``gram`` (via ``eigh`` on the last index)."""
    h = gram.shape[0]
    value = eigh(gram, eigvals_only=True, subset_by_index=[h - 1, h - 1],
                 check_finite=False)
    return float(value[0])


def _standard(G, AtY, lam, n_iter, lmax, nonnegative, restart, callback):
    L = 2.0 * lmax
    step = 1.0 / L
    threshold = lam * step
    B = np.zeros_like(AtY)
    Yk = B.copy()
    tk = 1.0
    previous = lasso_objective(G, AtY, B, lam) if restart else None
    for k in range(1, n_iter + 1):
        Z = Yk - (2.0 * step) * (G @ Yk - AtY)
        if nonnegative:
            B1 = np.maximum(Z - threshold, 0.0)
        else:
            B1 = np.sign(Z) * np.maximum(np.abs(Z) - threshold, 0.0)
        tk1 = (1.0 + np.sqrt(1.0 + 4.0 * tk * tk)) / 2.0
        if restart:
            value = lasso_objective(G, AtY, B1, lam)
            if value > previous:  # momentum overshot: restart from the last point
                tk1 = 1.0
                Yk = B.copy()
                tk = tk1
                if callback is not None:
                    callback(k, B)
                continue
            previous = value
        Yk = B1 + ((tk - 1.0) / tk1) * (B1 - B)
        tk = tk1
        B = B1
        if callback is not None:
            callback(k, B)
    return B


def _reference(G, AtY, lam, n_iter, lmax, nonnegative, callback):
    t = 1.0 / lmax
    alpha = lam * t
    Q1 = (2.0 * t) * G
    Q2 = (2.0 * t) * AtY
    B = np.zeros_like(AtY)
    Yk = np.zeros_like(AtY)
    tk = 1.0
    for k in range(1, n_iter + 1):
        C = Yk - Q1 @ Yk + Q2
        B1 = np.sign(C) * np.maximum(np.abs(C) - alpha, 0.0)
        tk1 = (1.0 + np.sqrt(1.0 + 4.0 * tk * tk)) / 2.0
        Yk = B1 + ((tk - 1.0) / tk1) * (B - B1)
        tk = tk1
        B = np.maximum(B1, 0.0) if nonnegative else B1
        if callback is not None:
            callback(k, B)
    return B


def _check(G, AtY, lam, n_iter, mode):
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if G.ndim != 2 or G.shape[0] != G.shape[1]:
        raise ValueError(f"gram must be a square matrix, got shape {G.shape}")
    if AtY.ndim != 2 or AtY.shape[0] != G.shape[0]:
        raise ValueError(
            f"cross must have shape ({G.shape[0]}, m) to match gram {G.shape}, got {AtY.shape}"
        )
    if not lam >= 0:
        raise ValueError(f"lam must be >= 0, got {lam!r}")
    if int(n_iter) != n_iter or n_iter < 0:
        raise ValueError(f"n_iter must be a nonnegative integer, got {n_iter!r}")
