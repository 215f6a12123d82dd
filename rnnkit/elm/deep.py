"""Deep RNN-ELM: stacked nonnegative encoders, a random dense-cluster layer, a ridge readout."""
import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from . import _dask
from ._common import CLUSTER_CONSTRAINTS, ClusterMixin, atomic, is_dask_collection
from ._compact import CompactMixin
from ._passes import map_rows, readout_pass
from ._proba import SAMPLE_SIZE, ProbaMixin, RowSample
from ._stacked import ENCODERS, fit_stack
from .estimators import ReadoutMixin, Targets, encode_labels
from .readout import SOLVERS, GramAccumulator

_COMMON_CONSTRAINTS = {
    "n_hidden": [Interval(Integral, 1, None, closed="left")],
    "lam": [Interval(Real, 0, None, closed="left")],
    "fista_iter": [Interval(Integral, 0, None, closed="left")],
    "nmf_iter": [Interval(Integral, 0, None, closed="left")],
    "encoder_alpha": [Interval(Real, 0, None, closed="left")],
    "alpha": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
    "alphas": ["array-like", None],
    "cv": [Interval(Integral, 2, None, closed="left"), None],
    "solver": [StrOptions(set(SOLVERS))],
    "gram_precision": [StrOptions({"float64", "mixed"})],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "max_preactivation": [Interval(Real, 0, None, closed="neither")],
    **CLUSTER_CONSTRAINTS,
}


class _BaseDeepRNNELM(ReadoutMixin, ProbaMixin, CompactMixin, ClusterMixin, ClassifierMixin,
                      BaseEstimator):
    """Layers fitted on the first data seen, then a streamed Phi/Psi readout.

    Subclasses define ``_fit_model(chunks, n_features, rng, params, dtype)``
    returning a fitted layer chain (``transform``, ``n_features_out``) whose
    output feeds the readout.
    """

    _fitted_marker = "model_"

    # -- fitting -------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    @atomic
    def fit(self, X, y):
        """Fit every layer and the readout from scratch.

        Earlier state is discarded; a call that raises leaves the model as it
        was.

        Parameters
        ----------
        X : array-like, h5py.Dataset, np.memmap or Dask array of shape (n_samples, n_features)
            Nonnegative input (see :class:`rnnkit.NonNegativeScaler`), read in
            blocks of ``batch_size`` rows.  A Dask array (or Dask DataFrame)
            is processed where its blocks are: every layer's statistics and
            the readout sums are formed on the workers.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self
        """
        source, y = self._training_rows(X, y, reset=True, square_sums=True)
        classes_, codes = encode_labels(y, source.n_samples)
        self._start(source, classes_)
        self._add(source, codes)
        self.coef_  # solve now, so fit's timing includes it
        return self

    @atomic
    def partial_fit(self, X, y, classes=None):
        """Accumulate one block; the first call also fits the layers on it.

        The encoders and the random layer's scale are fitted on the first
        call's rows (give it a representative block of a few thousand rows);
        later calls only add to the readout sums, solved when next needed.
        A call that raises leaves the model as it was: later calls read an
        h5py dataset or memmap twice, once to check every row before any is
        added.

        Parameters
        ----------
        X : array-like, h5py.Dataset or np.memmap of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), optional
            Every label, required on the first call if that block lacks some.

        Returns
        -------
        self
        """
        first = not hasattr(self, "model_")
        if first:
            self._validate_params()
        else:
            self._check_sums_kept()
        source, y = self._training_rows(X, y, reset=first, square_sums=first)
        classes_, codes = encode_labels(y, source.n_samples, classes=classes,
                                  known=None if first else self.classes_)
        if first:
            self._start(source, classes_)
        else:
            self._check_every_row(source)  # before the stored sums change
        self._add(source, codes)
        return self

    def _start(self, source, classes_):
        rng = check_random_state(self.random_state)
        params = self._cluster_params()

        if isinstance(source, _dask.DaskRows):
            chunks = _dask.DaskBlocks(source, self.batch_size)
        else:
            def chunks():
                return (block for _, block in source.chunks(self.batch_size))

        t0 = time.perf_counter()
        model = self._fit_model(chunks, source.n_features, rng, params, source.dtype)
        self._log(f"layers fitted in {time.perf_counter() - t0:.1f} s")
        self.model_ = model
        self.classes_ = classes_
        self._accumulator = GramAccumulator(model.n_features_out, len(classes_),
                                            self.gram_precision, n_folds=self.cv)
        self._sample = RowSample(SAMPLE_SIZE, rng.randint(np.iinfo(np.int32).max))

    def _add(self, source, codes):
        targets = Targets(codes, len(self.classes_), self.classes_)
        sample = self._sample.copy()
        readout_pass(source, self.model_.transform, targets, self._accumulator, sample,
                     batch_size=self.batch_size, widths=self._widths(), log=self._log)
        self._sample = sample

    def _map_blocks(self, work, source, n_outputs=0):
        """``work((start, X_block))`` over the rows of ``source`` (:func:`map_rows`)."""
        return map_rows(work, source, self.batch_size, self._widths(), n_outputs)

    def _widths(self):
        """Input width and the output width of each fitted layer."""
        return [self.n_features_in_] + [layer.n_features_out for layer in self.model_.layers]

    def _settings(self):
        return {"lam": self.lam, "n_iter": self.fista_iter, "nmf_iter": self.nmf_iter,
                "encoder_alpha": self.encoder_alpha,
                "max_preactivation": self.max_preactivation}

    # -- prediction ----------------------------------------------------------

    def transform_hidden(self, X):
        """Input of the readout (the last hidden layer), shape (n_samples, n_readout_inputs)."""
        check_is_fitted(self, "model_")
        if is_dask_collection(X):
            return self._dask_output(X, "hidden")
        source = self._source(X, reset=False)
        return np.vstack(list(self._map_blocks(lambda chunk: self._hidden(chunk[1]), source)))

    def decision_function(self, X):
        """Readout scores, shape (n_samples, n_classes), or (n_samples,) for two classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), nonnegative
        """
        if is_dask_collection(X):
            return self._dask_output(X, "decision")
        scores = self._raw_output(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def predict(self, X):
        """Class of the largest readout score, shape (n_samples,).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), nonnegative
        """
        if is_dask_collection(X):
            return self._dask_output(X, "predict")
        scores = self._raw_output(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def _raw_output(self, X):
        """``H @ coef_`` computed block by block, shape (n_samples, n_classes)."""
        check_is_fitted(self, "model_")
        source = self._source(X, reset=False)
        coef = self.coef_
        out = np.empty((source.n_samples, coef.shape[1]), dtype=source.dtype)
        def output(chunk):
            start, block = chunk
            H = self._hidden(block)
            out[start:start + block.shape[0]] = H @ coef.astype(H.dtype, copy=False)

        for _ in self._map_blocks(output, source, coef.shape[1]):
            pass
        return out

    def _hidden(self, X):
        """Readout input of validated rows ``X``."""
        return self.model_.transform(X)

    def _layers(self):
        """The fitted layers as a function of validated rows (picklable)."""
        return self.model_.transform

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags


class DeepRNNELMClassifier(_BaseDeepRNNELM):
    """Multi-layer dense RNN classifier: stacked encoders, a random cluster layer, an ELM readout.

    The paper's Classifier-1 and Classifier-2 (Gelenbe & Yin; Yin & Gelenbe,
    arXiv:1609.07160) on one source of features::

        X -> encoder 1 -> ... -> encoder k -> H = zeta([F, zeta(0)] W1) -> H beta

    Each encoder is an ELM autoencoder layer (the paper's Section III): a random
    ``U[0, 1]`` projection ``A = zeta(X~ R)``, normalized, from which a
    decoder ``A B ~ X~`` is learned; the encoder is ``W = B'`` scaled so the
    largest training pre-activation is ``max_preactivation``, and the layer
    outputs ``zeta(X~ W)``.

    - ``encoder="fista"`` (Classifier-1): ``B >= 0`` from the nonnegative
      L1 problem by FISTA (``"fista_reference"``: the reference loop).
    - ``encoder="ridge"`` (Classifier-2): ``B = (A'A + encoder_alpha I)^-1
      A'X~`` of any sign, split into ``B+ = max(B, 0)`` and ``B- = max(-B, 0)``,
      each driving its own group of clusters (own adjustminmax scale), so
      the layer outputs ``[zeta(X~ W+), zeta(X~ W-)]``, ``2 h`` features,
      and the negative part of the solution is kept (interpretation of the
      paper's description).
    - ``"multiplicative"`` / ``"pinv"``: the nonnegative autoencoder of
      :class:`rnnkit.elm.autoencoder.RNNAutoencoder` (linear code).

    Then a random dense-cluster layer of ``n_hidden`` units (``W1 ~ U[0,1]``,
    adjustminmax) and the ridge readout ``beta = (Phi + alpha I)^-1 Psi`` with
    ``Phi = H'H``, ``Psi = H'Y`` summed over blocks of ``batch_size`` rows in
    float64 (:class:`rnnkit.elm.readout.GramAccumulator`).  Every statistic
    of every layer is streamed too (column min/max, Gram sums with the
    rank-one shift correction, the max pre-activation), layer after layer.

    ``predict_proba`` is the softmax of the readout scores at a temperature
    fitted on leave-one-out scores of up to 1,000 training rows kept beside
    the sums (:mod:`rnnkit.elm._proba`).  ``compact()`` drops the sums and
    those rows to make the fitted model small, after which it predicts but
    no longer learns (``partial_fit``) or re-solves (a new ``alpha``).

    Parameters
    ----------
    hidden_layers : tuple of int, default=(500,)
        Widths of the encoder layers (``()``: the pure RNN-ELM).
    n_hidden : int, default=8000
        Width of the random dense-cluster layer.
    encoder : {"ridge", "fista", "fista_reference", "multiplicative", "pinv"}, \
            default="ridge"
    lam : float, default=1e-3
        L1 weight of FISTA.
    fista_iter : int, default=150
    nmf_iter : int, default=200
        Iterations of the multiplicative / pinv encoders.
    encoder_alpha : float, default=0.3
        Ridge term of ``encoder="ridge"``, relative to the mean diagonal of
        ``A'A``: the encoder solves ``(A'A + encoder_alpha trace(A'A)/h I) B
        = A'X~``.  A larger value smooths the code and lowers its contrast:
        on large image sets values up to 3-10 can gain a little, while few
        training rows or a large readout ``alpha`` favour small values,
        hence the default 0.3.
    alpha : float or "auto", default="auto"
        Ridge term of the readout (the paper's 1/kappa), absolute: added to
        the diagonal of ``Phi = H'H``, whose entries grow with the number of
        rows.  ``"auto"`` chooses it from the sums among ``alphas`` (see
        :class:`rnnkit.RNNELMClassifier`).  The ``zeta`` outputs of the
        encoders and of the random layer vary by a few percent around a
        large common level, so what separates the classes lies in directions
        of ``Phi`` with tiny eigenvalues, which only a small alpha keeps.
    alphas, cv : see :class:`rnnkit.RNNELMClassifier`
    solver : {"cholesky", "pinv"}, default="cholesky"
        Readout solver (see :class:`rnnkit.RNNELMClassifier`).
    gram_precision : {"float64", "mixed"}, default="float64"
        ``"mixed"`` forms each block's ``H'H`` in float32 (a faster BLAS
        call) and sums blocks in float64.  With a tiny ``alpha`` the float32
        rounding acts as noise on ``Phi`` and costs accuracy, so keep the
        default unless ``alpha`` is large.
    batch_size : int, default=2000
    max_preactivation : float, default=0.1
    cluster_size, interaction_prob, lambda_plus, lambda_minus, firing_rate : \
            int, float, float, float, float
        Dense-cluster parameters n, p, lambda+, lambda-, r.
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    model_ : LayerStack
        The fitted layers; ``model_.layers[i].weights`` are the nonnegative
        weight matrices of layer i, shape (n_in + 1, n_units).
    coef_ : ndarray of shape (n_hidden, n_classes)
        Readout weights (``n_classes`` is 2 for binary problems).
    alpha_ : float
    cv_results_ : dict of ndarray
        The readout's ridge term and, for ``alpha="auto"``, the criterion
        over the candidates (see :class:`rnnkit.RNNELMClassifier`).
    n_samples_seen_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
        See :class:`rnnkit.RNNELMClassifier`.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from rnnkit import NonNegativeScaler
    >>> from rnnkit.elm.deep import DeepRNNELMClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = make_pipeline(NonNegativeScaler(),
    ...                     DeepRNNELMClassifier((60,), n_hidden=600, random_state=0))
    >>> clf.fit(X[:1500], y[:1500]).score(X[1500:], y[1500:]) > 0.9
    True
    """

    _parameter_constraints = {
        "hidden_layers": ["array-like"],
        "encoder": [StrOptions(set(ENCODERS))],
        **_COMMON_CONSTRAINTS,
    }

    def __init__(self, hidden_layers=(500,), n_hidden=8000, *, encoder="ridge", lam=1e-3,
                 fista_iter=150, nmf_iter=200, encoder_alpha=0.3, alpha="auto",
                 alphas=None, cv=None, solver="cholesky", gram_precision="float64", batch_size=2000,
                 max_preactivation=0.1, cluster_size=20, interaction_prob=0.05,
                 lambda_plus=0.005, lambda_minus=0.005, firing_rate=0.001,
                 random_state=None, verbose=0):
        self.hidden_layers = hidden_layers
        self.n_hidden = n_hidden
        self.encoder = encoder
        self.lam = lam
        self.fista_iter = fista_iter
        self.nmf_iter = nmf_iter
        self.encoder_alpha = encoder_alpha
        self.alpha = alpha
        self.alphas = alphas
        self.cv = cv
        self.solver = solver
        self.gram_precision = gram_precision
        self.batch_size = batch_size
        self.max_preactivation = max_preactivation
        self.cluster_size = cluster_size
        self.interaction_prob = interaction_prob
        self.lambda_plus = lambda_plus
        self.lambda_minus = lambda_minus
        self.firing_rate = firing_rate
        self.random_state = random_state
        self.verbose = verbose

    def _fit_model(self, chunks, n_features, rng, params, dtype):
        widths = check_widths(self.hidden_layers, "hidden_layers")
        specs = [(self.encoder, w) for w in widths] + [("random", self.n_hidden)]
        return fit_stack(chunks, n_features, specs, rng, params, dtype=dtype,
                         settings=self._settings(), log=self._log)


def check_widths(widths, name):
    """Tuple of positive ints, or ValueError naming the parameter."""
    try:
        out = tuple(int(w) for w in widths)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a sequence of positive integers, got {widths!r}")
    if any(w < 1 or w != v for w, v in zip(out, widths)):
        raise ValueError(f"{name} must be a sequence of positive integers, got {widths!r}")
    return out


__all__ = ["DeepRNNELMClassifier"]
