"""Closed-form ELM readout from streamed Gram sums.

Over row chunks ``H_b`` (n_b, L) with targets ``Y_b`` (n_b, k) the readout
needs only ``Phi = sum_b H_b' H_b`` (L, L) and ``Psi = sum_b H_b' Y_b`` (L, k),
accumulated in float64, so the full hidden matrix never exists.
"""
import warnings

import numpy as np
from numba import njit
from scipy.linalg import blas, eigh, lapack

SOLVERS = ("cholesky", "pinv")


class GramAccumulator:
    """Running sums ``Phi = sum H'H`` (upper triangle) and ``Psi = sum H'Y``.

    Parameters
    ----------
    n_hidden : int
        Width L of the hidden layer.
    n_targets : int
        Number k of output columns.
    precision : {"float64", "mixed"}, default="float64"
        ``"float64"`` forms every chunk's ``H'H`` in float64.  ``"mixed"``
        forms it in float32 (``ssyrk``, about twice as fast) and adds it to
        the float64 sums, so rounding never accumulates across chunks; it
        costs accuracy when ``alpha`` is tiny.

    Attributes
    ----------
    phi : ndarray of float64, shape (L, L), Fortran order
        Upper triangle and diagonal hold ``sum H'H``; the strict lower
        triangle is scratch space for the solver.
    psi : ndarray of float64, shape (L, k)
    n_samples : int
        Rows accumulated so far.
    """

    def __init__(self, n_hidden, n_targets, precision="float64"):
        if precision not in ("float64", "mixed"):
            raise ValueError(f"precision must be 'float64' or 'mixed', got {precision!r}")
        self.phi = np.zeros((n_hidden, n_hidden), dtype=np.float64, order="F")
        self.psi = np.zeros((n_hidden, n_targets), dtype=np.float64)
        self.n_samples = 0
        self.precision = precision
        self._scratch = None
        self._solution = None  # ((alpha, solver), beta) for the current sums

    def add(self, H, Y):
        """Add a chunk: ``H`` (n_b, L) float32/float64, ``Y`` (n_b, k)."""
        self._solution = None
        if self.precision == "mixed":
            self._add_mixed(H, Y)
            return
        H64 = np.ascontiguousarray(H, dtype=np.float64)
        # H64.T is Fortran-contiguous, so dsyrk reads it without a copy and
        # updates the upper triangle of phi in place: phi += H'H.
        self.phi = blas.dsyrk(1.0, H64.T, beta=1.0, c=self.phi, trans=0, lower=0,
                              overwrite_c=1)
        self.psi += H64.T @ np.asarray(Y, dtype=np.float64)
        self.n_samples += H.shape[0]

    def _add_mixed(self, H, Y):
        H32 = np.ascontiguousarray(H, dtype=np.float32)
        if self._scratch is None:
            self._scratch = np.zeros(self.phi.shape, dtype=np.float32, order="F")
        self._scratch = blas.ssyrk(1.0, H32.T, beta=0.0, c=self._scratch, trans=0, lower=0,
                                   overwrite_c=1)
        self.phi += np.triu(self._scratch)
        self.psi += H32.T @ np.asarray(Y, dtype=np.float32)
        self.n_samples += H.shape[0]

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_scratch"] = None  # workspace, not state
        # only the upper triangle holds data: pickle it packed, column by column
        state["phi"] = np.concatenate([self.phi[:j + 1, j] for j in range(self.phi.shape[0])])
        return state

    def __setstate__(self, state):
        packed = state["phi"]
        n = int(round((np.sqrt(8 * packed.size + 1) - 1) / 2))
        phi = np.zeros((n, n), dtype=np.float64, order="F")
        for j in range(n):
            phi[:j + 1, j] = packed[j * (j + 1) // 2:(j + 1) * (j + 2) // 2]
        self.__dict__.update(state, phi=phi)

    @property
    def solved_for(self):
        """``(alpha, solver)`` of the cached solution of the current sums, or None."""
        return None if self._solution is None else self._solution[0]

    def solution(self, alpha, solver="cholesky"):
        """:meth:`solve`, cached until the next :meth:`add` or another ``(alpha, solver)``."""
        if self.solved_for != (alpha, solver):
            self._solution = ((alpha, solver), self.solve(alpha, solver))
        return self._solution[1]

    def solve(self, alpha, solver="cholesky"):
        """Output weights ``beta`` (L, k).

        Parameters
        ----------
        alpha : float
            Ridge term: ``beta = (Phi + alpha I)^-1 Psi`` for
            ``solver="cholesky"``.
        solver : {"cholesky", "pinv"}
            ``"cholesky"`` factorizes ``Phi + alpha I`` in place (its strict
            lower triangle; the accumulated upper triangle is kept) and falls
            back to an eigendecomposition with a warning when it is not
            positive definite.  ``"pinv"`` returns the minimum-norm
            least-squares solution ``pinv(H) Y = pinv(Phi) Psi`` of the
            reference code (``alpha`` is ignored).
        """
        if solver == "pinv":
            return _pinv_solve(self.phi, self.psi)
        if solver != "cholesky":
            raise ValueError(f"solver must be one of {SOLVERS}, got {solver!r}")
        diagonal = np.diag(self.phi).copy()
        _mirror_upper_to_lower(self.phi)
        self.phi[np.diag_indices_from(self.phi)] += alpha
        factor, info = lapack.dpotrf(self.phi, lower=1, clean=0, overwrite_a=1)
        try:
            if info == 0:
                beta, info = lapack.dpotrs(factor, self.psi, lower=1)
                if info != 0:
                    raise np.linalg.LinAlgError(f"dpotrs failed with info={info}")
                return beta
        finally:
            self.phi[np.diag_indices_from(self.phi)] = diagonal
        warnings.warn(
            f"Phi + alpha*I (alpha={alpha:g}) is not positive definite (leading minor "
            f"{info} of {self.phi.shape[0]}); solving by eigendecomposition instead. "
            "Increase alpha to silence this.",
            RuntimeWarning,
            stacklevel=3,
        )
        return _eigh_solve(self.phi, self.psi, alpha)


def _full_symmetric(phi):
    full = np.array(phi, order="F")
    _mirror_upper_to_lower(full)
    return full


def _eigh_solve(phi, psi, alpha):
    """Ridge solve through eigh, dropping directions with eigenvalue <= 0."""
    values, vectors = eigh(_full_symmetric(phi), overwrite_a=True, check_finite=False)
    values = values + alpha
    cutoff = max(values[-1], 0.0) * phi.shape[0] * np.finfo(np.float64).eps
    inverse = np.where(values > cutoff, 1.0 / np.where(values > cutoff, values, 1.0), 0.0)
    return vectors @ (inverse[:, None] * (vectors.T @ psi))


def _pinv_solve(phi, psi):
    return _eigh_solve(phi, psi, 0.0)


@njit(cache=True)
def _mirror_upper_to_lower(a):
    """Copy the strict upper triangle of the square array ``a`` into its lower one."""
    n = a.shape[0]
    block = 64
    for i0 in range(0, n, block):
        for j0 in range(i0, n, block):
            for i in range(i0, min(i0 + block, n)):
                for j in range(max(j0, i + 1), min(j0 + block, n)):
                    a[j, i] = a[i, j]
