"""Small fitted models: the readout solution kept, the training sums dropped."""
from sklearn.utils.validation import check_is_fitted


class CompactMixin:
    """``compact()`` for the estimators whose readout is solved from stored sums.

    Needs ``coef_``, ``_accumulator`` and, for classifiers, ``_temperature()``
    and ``_sample`` (:mod:`rnnkit.elm._proba`).
    """

    def compact(self):
        """Drop the training sums so the fitted model is small (e.g. to deploy it).

        The sums ``Phi = H'H`` (``n_hidden**2`` floats) and the rows kept to
        fit the probability temperature are deleted; the layers, ``coef_``
        (solved now for the current ``alpha`` and ``solver``) and the
        temperature of ``predict_proba`` are kept, so every prediction
        method works as before.

        The trade-off: the model can no longer learn from more data or
        re-solve its readout.  ``partial_fit`` raises ValueError, and so does
        the next prediction after ``alpha`` or ``solver`` changed through
        ``set_params``.  ``fit`` trains a new model as usual.

        Returns
        -------
        self
        """
        check_is_fitted(self)
        beta = self.coef_
        temperature = self._temperature() if hasattr(self, "_temperature") else None
        self._accumulator = CompactReadout(self._accumulator, beta, temperature,
                                           type(self).__name__)
        if hasattr(self, "_sample"):
            self._sample = None
        return self

    def _check_sums_kept(self):
        """ValueError if :meth:`compact` dropped the sums that learning needs."""
        if isinstance(self._accumulator, CompactReadout):
            raise ValueError(f"This {type(self).__name__} was compacted: compact() dropped "
                             "its training sums, so it cannot learn from more data with "
                             "partial_fit. Call fit to train a new model, and do not call "
                             "compact() on a model that should keep learning.")


class CompactReadout:
    """Stands in for a :class:`~rnnkit.elm.readout.GramAccumulator` after ``compact()``.

    Serves the solution the accumulator had for its ``(alpha, solver)``, and
    refuses any other.

    Parameters
    ----------
    accumulator : GramAccumulator
        Solved (``accumulator.solved_for`` is not None).
    beta : ndarray of shape (n_hidden, n_outputs)
        Its solution.
    temperature : float or None
        Temperature of the classifier's probabilities.
    whom : str
        Estimator name for messages.
    """

    def __init__(self, accumulator, beta, temperature, whom):
        self.solved_for = accumulator.solved_for
        self.n_samples = accumulator.n_samples
        self.beta = beta
        self.temperature = temperature
        self.whom = whom

    def solution(self, alpha, solver="cholesky"):
        """The kept solution; ValueError for another ``(alpha, solver)``."""
        if (alpha, solver) != self.solved_for:
            kept_alpha, kept_solver = self.solved_for
            raise ValueError(
                f"This {self.whom} was compacted: compact() kept only the readout solved for "
                f"alpha={kept_alpha!r}, solver={kept_solver!r} and dropped the training "
                f"sums, so it cannot re-solve for alpha={alpha!r}, solver={solver!r}. Set "
                "them back with set_params, or call fit to train with the new values."
            )
        return self.beta
