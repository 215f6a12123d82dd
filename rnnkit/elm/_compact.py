"""Small fitted models: the readout solution kept, the training sums dropped."""
import numpy as np
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
        settings = {"alpha": self.alpha, "solver": self.solver, "alphas": self.alphas,
                    "cv": self.cv}
        readout = self._accumulator.readout(**settings)
        temperature = self._temperature() if hasattr(self, "_temperature") else None
        self._accumulator = CompactReadout(readout, settings, self._accumulator.n_samples,
                                           temperature, type(self).__name__)
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

    Serves the readout the accumulator had solved for the estimator's
    settings, and refuses any other.

    Parameters
    ----------
    readout : Readout
        The solved readout (coefficients, alpha used, cross-validation results).
    settings : dict
        ``alpha``, ``solver``, ``alphas`` and ``cv`` it was solved for.
    n_samples : int
        Rows the sums held.
    temperature : float or None
        Temperature of the classifier's probabilities.
    whom : str
        Estimator name for messages.
    """

    def __init__(self, readout, settings, n_samples, temperature, whom):
        self.kept = readout
        self.settings = settings
        self.n_samples = n_samples
        self.temperature = temperature
        self.whom = whom

    def readout(self, alpha, solver="cholesky", alphas=None, cv=None, log=None):
        """The kept readout; ValueError for other settings."""
        asked = {"alpha": alpha, "solver": solver, "alphas": alphas, "cv": cv}
        other = ", ".join(f"{k}={v!r}" for k, v in asked.items()
                          if not _same_value(v, self.settings[k]))
        if other:
            kept = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
            raise ValueError(
                f"This {self.whom} was compacted: compact() kept only the readout solved for "
                f"{kept} and dropped the training sums, so it cannot re-solve for {other}. "
                "Set them back with set_params, or call fit to train with the new values."
            )
        return self.kept


def _same_value(x, y):
    """Whether two values of a readout setting are the same (strings and None by
    type and value, numbers and arrays of candidate alphas by value)."""
    if isinstance(x, str) or isinstance(y, str) or x is None or y is None:
        return type(x) is type(y) and x == y
    return np.array_equal(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
