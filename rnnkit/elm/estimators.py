"""Pure RNN-ELM estimators: a random layer of dense clusters and a ridge readout."""
import time
from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from .._classes import encode_classes
from ._common import CLUSTER_CONSTRAINTS, ClusterMixin, atomic, is_dask_collection
from . import _dask
from ._compact import CompactMixin
from ._passes import RowBlocks, map_rows, readout_pass
from ._proba import SAMPLE_SIZE, ProbaMixin, RowSample
from ._rows import RowSource
from .cluster_layer import (cluster_activation, draw_input_weights, max_preactivations,
                            scale_to_max)
from .readout import SOLVERS, GramAccumulator


class ReadoutMixin:
    """The fitted readout's public attributes, solved lazily from the stored sums.

    Needs ``_accumulator`` and the class attribute ``_fitted_marker`` (the
    attribute ``fit`` sets first, for ``check_is_fitted``).
    """

    _fitted_marker = "input_weights_"

    @property
    def coef_(self):
        """Readout weights, shape (n_readout_inputs, n_outputs).

        Solved lazily after ``partial_fit``, and again from the stored sums
        when ``alpha``, ``alphas``, ``cv`` or ``solver`` changed through
        ``set_params`` (so tuning them needs no new pass over the data).
        """
        check_is_fitted(self, self._fitted_marker)
        return _readout(self, self._accumulator).coef

    @property
    def alpha_(self):
        """Ridge term of the readout: the chosen one for ``alpha="auto"``."""
        check_is_fitted(self, self._fitted_marker)
        return _readout(self, self._accumulator).alpha

    @property
    def cv_results_(self):
        """Criterion over the candidate alphas (``alpha="auto"`` only), a dict of arrays."""
        check_is_fitted(self, self._fitted_marker)
        return _cv_results(self, self._accumulator)

    @property
    def n_samples_seen_(self):
        """Number of training rows accumulated in the readout sums."""
        check_is_fitted(self, self._fitted_marker)
        return self._accumulator.n_samples


class _BaseRNNELM(ReadoutMixin, CompactMixin, ClusterMixin, BaseEstimator):
    """Shared machinery: random cluster layer, streamed Phi/Psi, lazy solve."""

    _parameter_constraints = {
        "n_hidden": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "alphas": ["array-like", None],
        "cv": [Interval(Integral, 2, None, closed="left"), None],
        "solver": [StrOptions(set(SOLVERS))],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_preactivation": [Interval(Real, 0, None, closed="neither")],
        "scale_rows": [Interval(Integral, 1, None, closed="left"), None],
        **CLUSTER_CONSTRAINTS,
    }

    def __init__(self, n_hidden=1000, *, alpha="auto", alphas=None, cv=None,
                 solver="cholesky", batch_size=2000,
                 max_preactivation=0.1, scale_rows=None, cluster_size=20,
                 interaction_prob=0.05, lambda_plus=0.005, lambda_minus=0.005,
                 firing_rate=0.001, random_state=None, verbose=0):
        self.n_hidden = n_hidden
        self.alpha = alpha
        self.alphas = alphas
        self.cv = cv
        self.solver = solver
        self.batch_size = batch_size
        self.max_preactivation = max_preactivation
        self.scale_rows = scale_rows
        self.cluster_size = cluster_size
        self.interaction_prob = interaction_prob
        self.lambda_plus = lambda_plus
        self.lambda_minus = lambda_minus
        self.firing_rate = firing_rate
        self.random_state = random_state
        self.verbose = verbose

    # -- fitting -------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    @atomic
    def fit(self, X, y):
        """Fit from scratch: draw the layer, set its scale, accumulate and solve.

        Any earlier ``fit`` or ``partial_fit`` state is discarded; a call that
        raises leaves the model as it was.

        Parameters
        ----------
        X : array-like, h5py.Dataset, np.memmap or Dask array of shape (n_samples, n_features)
            Nonnegative input (see :class:`rnnkit.NonNegativeScaler`).  Datasets
            on disk are read ``batch_size`` rows at a time.  A Dask array (or
            Dask DataFrame) is processed where its blocks are: each block's
            sums are formed on its worker and only the sums travel.
        y : array-like, Dask array or Dask Series of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        _check_y_given(self, y)
        source, y = self._training_rows(X, y, reset=True)
        targets, target_attrs = self._fit_targets(y, source.n_samples)
        state = self._new_state(source, targets)
        self._accumulate(state, source, targets)
        _readout(self, state["accumulator"])
        self._commit(state, target_attrs)
        return self

    @atomic
    def partial_fit(self, X, y, **kwargs):
        """Accumulate one chunk of data; the readout is solved when next needed.

        The first call draws the layer and sets its scale from its own rows
        (the first ``scale_rows`` of them if set).  Later calls add to the same
        sums, so a sequence of calls over chunks reproduces ``fit`` on their
        concatenation when both use the same scale rows.  A call that raises
        leaves the model as it was: later calls read an h5py dataset or
        memmap twice, once to check every row before any is added.

        Returns
        -------
        self
        """
        first = not hasattr(self, "input_weights_")
        if first:
            self._validate_params()
        else:
            self._check_sums_kept()
        _check_y_given(self, y)
        source, y = self._training_rows(X, y, reset=first)
        targets, target_attrs = self._partial_fit_targets(y, source.n_samples, first, **kwargs)
        if first:
            state = self._new_state(source, targets)
            self._accumulate(state, source, targets)
            self._commit(state, target_attrs)
        else:
            self._check_every_row(source)  # before the stored sums change
            state = {"weights": self.input_weights_, "accumulator": self._accumulator,
                     "sample": None if self._sample is None else self._sample.copy()}
            self._accumulate(state, source, targets)
            self._sample = state["sample"]
        return self

    def _new_state(self, source, targets):
        rng = check_random_state(self.random_state)
        params = self._cluster_params()
        weights = draw_input_weights(rng, source.n_features, self.n_hidden, source.dtype)
        scale_stop = source.n_samples if self.scale_rows is None else self.scale_rows
        t0 = time.perf_counter()
        if isinstance(source, RowSource):
            blocks = RowBlocks(source, self.batch_size, (source.n_features, self.n_hidden),
                               scale_stop)
        else:
            blocks = _dask.DaskBlocks(source, self.batch_size, scale_stop)
        largest = max_preactivations(blocks, [weights], params, self.max_preactivation)[0]
        scale = scale_to_max(weights, largest, self.max_preactivation)
        self._log(f"scale pass over {min(scale_stop, source.n_samples)} rows: "
                  f"max pre-activation {largest:.4g}, {time.perf_counter() - t0:.1f} s")
        return {
            "weights": weights,
            "scale": scale,
            "scale_rows": min(scale_stop, source.n_samples),
            "accumulator": GramAccumulator(self.n_hidden, targets.n_targets, n_folds=self.cv),
            "sample": self._new_sample(rng),
        }

    def _new_sample(self, rng):
        """Training rows kept beside the sums (see :mod:`rnnkit.elm._proba`), or None."""
        return None

    def _accumulate(self, state, source, targets):
        hidden = partial(cluster_activation, W=state["weights"], bias_value=self._bias,
                         params=self._params)
        readout_pass(source, hidden, targets, state["accumulator"], state["sample"],
                     batch_size=self.batch_size, widths=(source.n_features, self.n_hidden),
                     log=self._log)

    def _map_blocks(self, work, source, n_outputs):
        """``work((start, X_block))`` over the rows of ``source`` (:func:`map_rows`)."""
        return map_rows(work, source, self.batch_size, (source.n_features, self.n_hidden),
                        n_outputs)

    def _commit(self, state, target_attrs):
        for name, value in target_attrs.items():
            setattr(self, name, value)
        self.input_weights_ = state["weights"]
        self.preactivation_scale_ = state["scale"]
        self.n_scale_rows_ = state["scale_rows"]
        self._accumulator = state["accumulator"]
        self._sample = state["sample"]

    # -- prediction ----------------------------------------------------------

    def transform_hidden(self, X):
        """Hidden-layer output ``H``, shape (n_samples, n_hidden).

        A Dask array for a Dask ``X`` (as every prediction method).
        """
        check_is_fitted(self, "input_weights_")
        if is_dask_collection(X):
            return self._dask_output(X, "hidden")
        source = self._source(X, reset=False)
        return np.vstack(list(self._map_blocks(lambda chunk: self._hidden(chunk[1]), source, 0)))

    def _hidden(self, X):
        """Hidden-layer output of validated rows ``X``."""
        return self._layers()(X)

    def _layers(self):
        """The fitted hidden layer as a function of validated rows (picklable)."""
        return partial(cluster_activation, W=self.input_weights_, bias_value=self._bias,
                       params=self._params)

    def _raw_output(self, X):
        """``H @ coef_`` computed chunk by chunk, shape (n_samples, n_outputs)."""
        check_is_fitted(self, "input_weights_")
        source = self._source(X, reset=False)
        coef = self.coef_.astype(self.input_weights_.dtype, copy=False)
        out = np.empty((source.n_samples, coef.shape[1]), dtype=coef.dtype)
        def output(chunk):
            start, Xb = chunk
            out[start:start + Xb.shape[0]] = self._hidden(Xb) @ coef

        for _ in self._map_blocks(output, source, coef.shape[1]):
            pass
        return out

    # -- helpers -------------------------------------------------------------

    @property
    def _params(self):
        return self._cluster_params()

    @property
    def _bias(self):
        return self._cluster_params().zeta0

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags


class RNNELMClassifier(ProbaMixin, ClassifierMixin, _BaseRNNELM):
    """Pure RNN-ELM classifier: random dense-cluster layer + closed-form readout.

    The hidden layer is ``H = zeta([X, zeta(0)] W)`` with random nonnegative
    ``W ~ U[0, 1]`` scaled so the largest training pre-activation is
    ``max_preactivation``; the readout solves ``(Phi + alpha I) beta = Psi``
    with ``Phi = H'H`` and ``Psi = H'Y`` (Y one-hot) accumulated in float64
    over chunks of ``batch_size`` rows, so ``H`` is never held whole.

    ``predict_proba`` is the softmax of the readout scores at a temperature
    fitted on leave-one-out scores of up to 1,000 training rows kept beside
    the sums (:mod:`rnnkit.elm._proba`).  ``compact()`` drops the sums and
    those rows to make the fitted model small, after which it predicts but
    no longer learns (``partial_fit``) or re-solves (a new ``alpha``).

    Parameters
    ----------
    n_hidden : int, default=1000
        Number of clusters in the hidden layer (the paper's hidden width).
    alpha : float or "auto", default="auto"
        Ridge term added to the diagonal of ``Phi`` (the paper's 1/kappa).
        ``"auto"`` chooses it among ``alphas`` from the accumulated sums,
        with no further pass over the data, by cross-validating the squared
        error of the readout (one-hot targets for a classifier); the choice
        is ``alpha_``.  A float fixes it.
    alphas : array-like of shape (n_alphas,) or None, default=None
        Candidate ridge terms for ``alpha="auto"``.  None: the 57 values
        ``10**-15, 10**-14.75, ..., 10**-1`` times the mean diagonal entry
        ``trace(Phi) / n_hidden`` of the sums, so the grid follows the
        number of rows and the scale of the hidden layer.
    cv : int or None, default=None
        Criterion of ``alpha="auto"``.  None: generalized cross-validation
        (Golub, Heath & Wahba 1979), for every candidate from one
        tridiagonalization of ``Phi`` (about four times the work of a
        Cholesky factorization).  An int K >= 2: K-fold cross-validation,
        exact from per-fold sums; rows go to folds by a fixed hash of their
        position in the training stream (so ``partial_fit`` chunks give the
        same folds), the model keeps K more ``n_hidden x n_hidden`` sums,
        choosing costs about K tridiagonalizations, and the default grid is
        thinned to one value per decade.  Changing ``cv`` to another K after
        fitting needs a new fit.
    solver : {"cholesky", "pinv"}, default="cholesky"
        ``"cholesky"``: the ridge solve.  A float alpha is solved by Cholesky
        factorization (or in the tridiagonal basis of ``Phi`` when that
        exists or ``Phi + alpha I`` is not numerically positive definite;
        below the rounding noise of the sums alpha is then raised, with a
        warning, to the smallest value they resolve); ``"auto"`` solves in
        the tridiagonal basis that chose alpha.  ``"pinv"``: the reference
        code's unregularized minimum-norm solution ``pinv(H) Y``, computed
        from ``Phi`` (``alpha``, ``alphas`` and ``cv`` are ignored).
    batch_size : int, default=2000
        Rows per chunk when accumulating and predicting.
    max_preactivation : float, default=0.1
        Largest training pre-activation after scaling the random weights.
    scale_rows : int or None, default=None
        Rows used to find that maximum: all training rows in ``fit`` (an
        exact extra pass) and the first call's rows in ``partial_fit`` when
        None; the first ``scale_rows`` rows otherwise.
    cluster_size, interaction_prob, lambda_plus, lambda_minus, firing_rate : \
            int, float, float, float, float
        Cluster parameters n, p, lambda+, lambda-, r (defaults 20, 0.05,
        0.005, 0.005, 0.001).
    random_state : int, RandomState instance or None, default=None
        Seed of the random weights.
    verbose : int, default=0
        Print progress per chunk.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    input_weights_ : ndarray of shape (n_features + 1, n_hidden)
        Scaled random weights; the last row multiplies the bias column zeta(0).
    preactivation_scale_ : float
        Factor applied to the U[0, 1] draw.
    n_scale_rows_ : int
        Rows the scale was computed from.
    coef_ : ndarray of shape (n_hidden, n_classes)
        Readout weights (solved lazily after ``partial_fit``).
    alpha_ : float
        Ridge term of the readout: the chosen one for ``alpha="auto"``, 0
        for ``solver="pinv"``.
    cv_results_ : dict of ndarray
        Only for ``alpha="auto"`` (with ``solver="cholesky"``), one entry
        per candidate: ``param_alpha``; ``mean_test_score``, minus the
        estimated mean squared error per target entry (the GCV estimate, or
        the mean over folds); ``rank_test_score`` (1 for the chosen alpha);
        with GCV ``effective_dof`` (``trace(H (Phi + alpha I)^-1 H')``) and
        ``mean_train_score``; with K folds ``split0_test_score``, ... and
        ``std_test_score``.  NaN for candidates the float64 sums do not
        resolve: below ten times the size of the most negative computed
        eigenvalue of ``Phi`` (rounding noise).
    n_samples_seen_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features seen by ``fit`` or the first ``partial_fit``
        call; defined only when X has feature names that are all strings
        (a pandas or Dask DataFrame).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from rnnkit import NonNegativeScaler, RNNELMClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = make_pipeline(NonNegativeScaler(), RNNELMClassifier(500, random_state=0))
    >>> clf.fit(X[:1500], y[:1500]).score(X[1500:], y[1500:]) > 0.9
    True
    """

    def _fit_targets(self, y, n_samples):
        return self._partial_fit_targets(y, n_samples, first=True)

    def _new_sample(self, rng):
        return RowSample(SAMPLE_SIZE, rng.randint(np.iinfo(np.int32).max))

    def _partial_fit_targets(self, y, n_samples, first, classes=None):
        classes_, codes = encode_labels(y, n_samples, classes=classes,
                                        known=None if first else self.classes_)
        return Targets(codes, len(classes_), classes_), {"classes_": classes_}

    def partial_fit(self, X, y, classes=None):
        """Accumulate one chunk of data; the readout is solved when next needed.

        Parameters
        ----------
        X : array-like, h5py.Dataset or np.memmap of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), optional
            All labels, needed on the first call when that chunk does not
            contain every class.  Unknown labels later raise ValueError.

        Returns
        -------
        self
        """
        return super().partial_fit(X, y, classes=classes)

    def decision_function(self, X):
        """Readout scores, shape (n_samples, n_classes), or (n_samples,) for two classes."""
        if is_dask_collection(X):
            return self._dask_output(X, "decision")
        scores = self._raw_output(X)
        if scores.shape[1] == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def predict(self, X):
        """Class with the largest readout score, shape (n_samples,)."""
        if is_dask_collection(X):
            return self._dask_output(X, "predict")
        scores = self._raw_output(X)
        return self.classes_[np.argmax(scores, axis=1)]


class RNNELMRegressor(RegressorMixin, _BaseRNNELM):
    """Pure RNN-ELM regressor: random dense-cluster layer + closed-form ridge readout.

    Same model and parameters as :class:`RNNELMClassifier` (``alpha="auto"``
    cross-validates the squared error of the targets), with the targets
    fitted directly (no intercept: the readout acts on ``H`` alone, as in the
    paper).
    ``compact()`` drops the stored sums to make the fitted model small (it
    then predicts but no longer learns or re-solves).

    Attributes
    ----------
    input_weights_ : ndarray of shape (n_features + 1, n_hidden)
    preactivation_scale_ : float
    n_scale_rows_ : int
    coef_ : ndarray of shape (n_hidden, n_targets)
    alpha_ : float
    cv_results_ : dict of ndarray
        See :class:`RNNELMClassifier`.
    n_samples_seen_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
        See :class:`RNNELMClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> from rnnkit import RNNELMRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((500, 3))
    >>> y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2
    >>> reg = RNNELMRegressor(200, random_state=0).fit(X[:400], y[:400])
    >>> reg.score(X[400:], y[400:]) > 0.95
    True
    """

    def _fit_targets(self, y, n_samples):
        return self._partial_fit_targets(y, n_samples, first=True)

    def _partial_fit_targets(self, y, n_samples, first):
        if isinstance(y, _dask.DaskTargets):  # checked block by block on the cluster
            targets = Targets(None, 1 if y.ndim == 1 else y.shape[1])
        else:
            y = np.asarray(y)
            Y = self._targets(y, n_samples)
            targets = Targets(Y, Y.shape[1])
        if first:
            return targets, {"_y_ndim": y.ndim}
        if targets.n_targets != self._accumulator.psi.shape[1]:
            raise ValueError(
                f"y has {targets.n_targets} target(s), but earlier calls to partial_fit had "
                f"{self._accumulator.psi.shape[1]}."
            )
        return targets, {}

    def partial_fit(self, X, y):
        """Accumulate one chunk of data; the readout is solved when next needed.

        Parameters
        ----------
        X : array-like, h5py.Dataset or np.memmap of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        return super().partial_fit(X, y)

    @staticmethod
    def _targets(y, n_samples):
        Y = float_targets(y)
        if Y.shape[0] != n_samples:
            raise ValueError(
                f"Found input variables with inconsistent numbers of samples: "
                f"[{n_samples}, {Y.shape[0]}]"
            )
        return Y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """Predicted targets, shape (n_samples,) or (n_samples, n_targets)."""
        if is_dask_collection(X):
            return self._dask_output(X, "regress1d" if self._y_ndim == 1 else "raw")
        out = self._raw_output(X)
        return out[:, 0] if self._y_ndim == 1 else out


class Targets:
    """Readout targets of one call, made a block of rows at a time.

    Parameters
    ----------
    values : ndarray or None
        Class codes, shape (n_samples,), when ``classes`` is given; float
        targets, shape (n_samples, n_targets), otherwise; None for Dask input,
        whose blocks are encoded where they are (:meth:`encode`).
    n_targets : int
        Readout columns (the number of classes for one-hot targets).
    classes : ndarray of shape (n_classes,) or None
        Sorted class labels, for a classifier.
    """

    def __init__(self, values, n_targets, classes=None):
        self.values = values
        self.n_targets = n_targets
        self.classes = classes

    def block(self, start, stop):
        """Float64 targets of rows ``start:stop``, shape (n_b, n_targets)."""
        part = self.values[start:stop]
        return part if self.classes is None else one_hot(part, self.n_targets)

    def encode(self, y):
        """Float64 targets of the labels or values ``y`` of a block, shape (n_b, n_targets)."""
        if self.classes is None:
            return float_targets(y)
        return one_hot(np.searchsorted(self.classes, np.ravel(y)), self.n_targets)


def encode_labels(y, n_samples, **kwargs):
    """:func:`~rnnkit._classes.encode_classes` of ``y``; for Dask labels no codes.

    The classes of Dask labels are their distinct values, found on the
    cluster; each block is encoded where it is (:meth:`Targets.encode`).
    """
    if isinstance(y, _dask.DaskTargets):
        return encode_classes(y.unique_labels(), **kwargs)[0], None
    return encode_classes(y, n_samples=n_samples, **kwargs)


def float_targets(y):
    """Regression targets as a float64 2-D array (ValueError for NaN, inf or 3-D)."""
    Y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2:
        raise ValueError(f"y must be 1-D or 2-D, got shape {np.shape(y)}")
    return Y


def one_hot(codes, n_classes):
    """One-hot float64 targets of class indices, shape (n_samples, n_classes)."""
    Y = np.zeros((codes.shape[0], n_classes))
    Y[np.arange(codes.shape[0]), codes] = 1.0
    return Y


def _check_y_given(estimator, y):
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None."
        )


def _readout(estimator, accumulator):
    """The accumulator's :class:`~rnnkit.elm.readout.Readout` for the estimator's settings."""
    return accumulator.readout(estimator.alpha, estimator.solver, estimator.alphas,
                               estimator.cv, log=estimator._log)


def _cv_results(estimator, accumulator):
    results = _readout(estimator, accumulator).cv_results
    if results is None:
        raise AttributeError(f"{type(estimator).__name__} has cv_results_ only with "
                             f"alpha='auto' and solver='cholesky' (alpha={estimator.alpha!r}, "
                             f"solver={estimator.solver!r}).")
    return results
