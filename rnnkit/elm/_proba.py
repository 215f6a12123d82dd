"""Class probabilities of a least-squares readout: softmax with a leave-one-out temperature.

The readout ``beta`` is a ridge fit of one-hot targets, so its scores
``s = h beta`` estimate class probabilities only roughly (they leave [0, 1]).
The probabilities are ``softmax(s / T)``: the same order as the scores, so
the most probable class is the predicted one, with one temperature ``T``
chosen to minimize the log loss of *leave-one-out* scores.  For ridge
regression those are exact without refitting: a training row with hidden
output ``h``, target ``y``, score ``s`` and leverage
``l = h (Phi + alpha I)^-1 h'`` has the leave-one-out score
``y + (s - y) / (1 - l)``.  The rows are a uniform sample (reservoir
sampling, so ``partial_fit`` streams are sampled like one ``fit``) of at
most :data:`SAMPLE_SIZE` training rows, kept beside the Gram sums.  The
in-sample scores would give far too small a temperature: with thousands of
hidden units the readout nearly interpolates its training rows.
"""
import copy

import numpy as np
from scipy.linalg import LinAlgError, eigh, lapack, solve_triangular
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

from ._compact import CompactReadout
from ._threads import single_thread

#: Training rows kept to fit the temperature (the rows are input rows, so
#: they cost ``SAMPLE_SIZE * n_features`` values).
SAMPLE_SIZE = 1000
_LOG_T_BOUNDS = (np.log(1e-6), np.log(1e3))


class RowSample:
    """Uniform random sample of at most ``size`` rows of a stream (reservoir sampling).

    Row ``t`` of the stream (counted over every call to :meth:`add`) takes
    the slot ``floor(u_t (t + 1))`` when that is below ``size``, ``u_t``
    uniform, so the sample does not depend on how the stream is cut into
    blocks.

    Parameters
    ----------
    size : int
    seed : int
        Seed of the draws ``u_t``.

    Attributes
    ----------
    X : ndarray of shape (n_kept, n_features)
    Y : ndarray of shape (n_kept, n_targets)
        One-hot targets of the kept rows.
    n_seen : int
    """

    def __init__(self, size, seed):
        self.size = size
        self.n_seen = 0
        self.X = None
        self.Y = None
        self._rng = np.random.default_rng(seed)
        self._temperature = None  # (beta it was fitted for, T)

    def add(self, X, Y):
        """Offer the next rows of the stream, ``X`` (n, n_features) and ``Y`` (n, n_targets)."""
        t = self.n_seen + np.arange(X.shape[0])
        slots = np.where(t < self.size, t, np.floor(self._rng.random(t.shape[0]) * (t + 1)))
        slots = slots.astype(np.intp)
        if self.X is None:
            n_kept = min(self.size, X.shape[0])
            self.X = np.empty((n_kept, X.shape[1]), dtype=X.dtype)
            self.Y = np.empty((n_kept, Y.shape[1]), dtype=Y.dtype)
        grow = min(self.size, self.n_seen + X.shape[0]) - self.X.shape[0]
        if grow > 0:
            self.X = np.concatenate([self.X, np.empty((grow, X.shape[1]), X.dtype)])
            self.Y = np.concatenate([self.Y, np.empty((grow, Y.shape[1]), Y.dtype)])
        rows = np.flatnonzero(slots < self.size)
        # the last row offered to a slot is the one kept, as row by row
        last = rows[::-1][np.unique(slots[rows][::-1], return_index=True)[1]]
        self.X[slots[last]] = X[last]
        self.Y[slots[last]] = Y[last]
        self.n_seen += X.shape[0]
        self._temperature = None

    def copy(self):
        """An independent copy (estimators update a copy and keep it when the call succeeds)."""
        other = copy.deepcopy(self)
        other._temperature = None
        return other

    def temperature(self, beta, phi, alpha, hidden):
        """Temperature of ``softmax(scores / T)`` for the readout ``beta``, cached.

        Parameters
        ----------
        beta : ndarray of shape (n_hidden, n_classes)
            The readout, solved from ``phi`` with ridge ``alpha``.
        phi : ndarray of shape (n_hidden, n_hidden)
            Gram sums ``H'H``; only the upper triangle is read.
        alpha : float or None
            Ridge of the solve; None for the pseudo-inverse solution.
        hidden : callable
            ``hidden(X)``: the readout's input for rows ``X``.
        """
        if self._temperature is None or self._temperature[0] is not beta:
            self._temperature = (beta, loo_temperature(hidden(self.X), self.Y, beta, phi,
                                                       alpha))
        return self._temperature[1]


def loo_temperature(H, Y, beta, phi, alpha):
    """Temperature minimizing the log loss of the rows' leave-one-out scores.

    Parameters
    ----------
    H : ndarray of shape (m, n_hidden)
        Readout input of training rows that are in ``phi``.
    Y : ndarray of shape (m, n_classes)
        Their one-hot targets.
    beta : ndarray of shape (n_hidden, n_classes)
    phi : ndarray of shape (n_hidden, n_hidden)
        Gram sums (upper triangle).
    alpha : float or None
        Ridge of the solve; None for the pseudo-inverse solution.

    Returns
    -------
    float
    """
    H = np.asarray(H, dtype=np.float64)
    leverage = np.minimum(_leverages(H, phi, alpha), 1.0 - 1e-12)
    scores = Y + (H @ beta - Y) / (1.0 - leverage)[:, None]
    labels = np.argmax(Y, axis=1)

    def loss(log_t):
        return -np.mean(log_softmax(scores / np.exp(log_t), axis=1)[np.arange(len(labels)),
                                                                   labels])

    return float(np.exp(minimize_scalar(loss, bounds=_LOG_T_BOUNDS, method="bounded").x))


def softmax_proba(scores, temperature, log=False):
    """``softmax(scores / temperature)`` by rows (its log when ``log``), float64."""
    out = log_softmax(np.asarray(scores, dtype=np.float64) / temperature, axis=1)
    return out if log else np.exp(out)


def _leverages(H, phi, alpha):
    """``h (Phi + alpha I)^-1 h'`` of every row ``h`` of ``H``.

    By Cholesky; through the pseudo-inverse when ``alpha`` is None or
    ``Phi + alpha I`` is not positive definite (as the readout's solvers).
    """
    if alpha is not None:
        A = np.array(phi, dtype=np.float64, order="F")
        A[np.diag_indices_from(A)] += alpha
        with single_thread():  # see rnnkit.elm._threads
            factor, info = lapack.dpotrf(A, lower=0, clean=1, overwrite_a=1)
        if info == 0:
            Z = solve_triangular(factor, H.T, trans="T", lower=False, check_finite=False)
            return np.einsum("ij,ij->j", Z, Z)
    with single_thread():
        values, vectors = eigh(phi, lower=False, check_finite=False)
    values = values + (alpha or 0.0)
    cutoff = max(values[-1], 0.0) * phi.shape[0] * np.finfo(np.float64).eps
    keep = values > cutoff
    if not keep.any():
        raise LinAlgError("Phi + alpha I has no positive eigenvalue.")
    Z = vectors[:, keep].T @ H.T
    return np.einsum("ij,ij->j", Z, Z / values[keep, None])


class ProbaMixin:
    """``predict_proba`` / ``predict_log_proba`` of the RNN-ELM classifiers.

    Needs ``_raw_output(X)`` (readout scores, one column per class),
    ``_hidden(X)`` (the readout's input for validated rows), ``coef_``,
    ``_accumulator``, ``_sample`` (a :class:`RowSample` of the training rows),
    ``alpha`` and ``solver``.
    """

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes).

        ``softmax(scores / T)`` of the readout scores (one per class, as
        fitted to one-hot targets), so the most probable class is the
        predicted one.  The temperature ``T`` minimizes the log loss of the
        exact leave-one-out scores of a uniform sample of up to 1,000
        training rows (kept beside the training sums); it is fitted when
        first needed and again after the readout is re-solved.

        Parameters
        ----------
        X : array-like, h5py.Dataset or np.memmap of shape (n_samples, n_features)
            Nonnegative input.

        Returns
        -------
        ndarray of shape (n_samples, n_classes), float64
            Columns in the order of ``classes_``.
        """
        return softmax_proba(self._raw_output(X), self._temperature())

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, computed stably, shape (n_samples, n_classes)."""
        return softmax_proba(self._raw_output(X), self._temperature(), log=True)

    def _temperature(self):
        beta = self.coef_
        if isinstance(self._accumulator, CompactReadout):
            return self._accumulator.temperature
        alpha = None if self.solver == "pinv" else self.alpha_
        return self._sample.temperature(beta, self._accumulator.phi, alpha, self._hidden)
