"""The nonnegative RNN autoencoder as a scikit-learn transformer."""
import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import (BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                          _fit_context)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from .._validation import check_nonnegative_input
from ._common import CLUSTER_CONSTRAINTS, ClusterMixin
from .encoder_layers import fit_elm_encoder, fit_nmf_encoder
from .readout import GramAccumulator

METHODS = ("multiplicative", "pinv", "fista", "fista_reference")
_DEFAULT_ITERATIONS = {"multiplicative": 200, "pinv": 100, "fista": 150, "fista_reference": 150}


class RNNAutoencoder(ClusterMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                     BaseEstimator):
    """Nonnegative autoencoder built from random-neural-network neurons.

    Three ways to learn it, after Yin & Gelenbe (arXiv:1609.08151 and the
    deep dense-nuclei papers):

    ``method="multiplicative"`` (Problem 1)
        Code ``H = X~ W``, reconstruction ``X^ = H V`` with both ``W >= 0`` and
        ``V >= 0`` updated by Lee-Seung multiplicative rules.  ``X~ = [X,
        zeta(0)]`` carries the bias column.  The neurons are taken in the
        linear regime of the simplified RNN's ``min(x, 1)`` (interpretation),
        so the whole fit needs only ``X~'X~``: one pass over the data, and
        the reconstruction error never increases.
    ``method="pinv"`` (Problem 2)
        Alternating: decoder ``V = pinv(H) X`` (least squares, any sign),
        encoder ``W >= 0`` by its multiplicative rule.
    ``method="fista"`` / ``"fista_reference"`` (the ELM-autoencoder route of Classifier-1)
        Random encoder ``R ~ U[0, 1]``, ``A = zeta(X~ R)`` normalized as in the
        reference (column min-max, row z-score, global shift), decoder ``B``
        from the nonnegative L1 problem ``min ||A B - X~||^2 + lam ||B||_1``
        by FISTA (standard or reference mode), encoder ``W = B'`` scaled so
        the largest training pre-activation is ``max_preactivation``.  The
        code is ``zeta(X~ W)`` (values in about [0.05, 0.98]).  Since that code
        is not ``A``, ``inverse_transform`` uses a least-squares decoder of
        ``X`` from the code fitted in one more pass.

    Parameters
    ----------
    n_components : int, default=100
        Code width h.
    method : {"multiplicative", "pinv", "fista", "fista_reference"}, default="fista"
    n_iter : int or None, default=None
        Iterations (None: 200 multiplicative, 100 pinv, 150 FISTA).
    lam : float, default=1e-3
        FISTA's L1 weight.
    batch_size : int, default=2000
        Rows per streamed block.
    max_preactivation : float, default=0.1
        adjustminmax target of the FISTA encoder.
    cluster_size, interaction_prob, lambda_plus, lambda_minus, firing_rate : \
            int, float, float, float, float
        Dense-cluster parameters n, p, lambda+, lambda-, r.
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0

    Attributes
    ----------
    components_ : ndarray of shape (n_features + 1, n_components)
        Nonnegative encoder; the last row multiplies the bias column zeta(0).
    decoder_ : ndarray of shape (n_components, n_features)
        ``inverse_transform(H) = H @ decoder_``.
    reconstruction_error_ : float
        Mean over training rows of ``||x - inverse_transform(transform(x))||^2``.
    reconstruction_errors_ : ndarray of shape ``(n_iter_ + 1,)``
        That error before the first and after each iteration
        (multiplicative and pinv methods; for FISTA only the final error).
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
        Defined when X has feature names that are all strings.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from rnnkit.elm.autoencoder import RNNAutoencoder
    >>> X = load_digits().data / 16.0
    >>> ae = RNNAutoencoder(32, method="multiplicative", random_state=0).fit(X)
    >>> ae.transform(X).shape, bool(ae.components_.min() >= 0)
    ((1797, 32), True)
    >>> bool(ae.reconstruction_errors_[-1] < ae.reconstruction_errors_[0])
    True
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "method": [StrOptions(set(METHODS))],
        "n_iter": [Interval(Integral, 0, None, closed="left"), None],
        "lam": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_preactivation": [Interval(Real, 0, None, closed="neither")],
        **CLUSTER_CONSTRAINTS,
    }

    def __init__(self, n_components=100, *, method="fista", n_iter=None, lam=1e-3,
                 batch_size=2000, max_preactivation=0.1, cluster_size=20,
                 interaction_prob=0.05, lambda_plus=0.005, lambda_minus=0.005,
                 firing_rate=0.001, random_state=None, verbose=0):
        self.n_components = n_components
        self.method = method
        self.n_iter = n_iter
        self.lam = lam
        self.batch_size = batch_size
        self.max_preactivation = max_preactivation
        self.cluster_size = cluster_size
        self.interaction_prob = interaction_prob
        self.lambda_plus = lambda_plus
        self.lambda_minus = lambda_minus
        self.firing_rate = firing_rate
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the encoder and decoder.

        Parameters
        ----------
        X : array-like, h5py.Dataset or np.memmap of shape (n_samples, n_features)
            Nonnegative input (see :class:`rnnkit.NonNegativeScaler`), read in
            blocks of ``batch_size`` rows.  The fit sums squares of X over all
            rows in float64, so values above
            ``sqrt(max_float64 / (16 n_samples (n_features + 1)))`` (about
            2e149 for a million rows of 300 features) raise
            ValueError.
        y : ignored

        Returns
        -------
        self
        """
        source = self._source(X, reset=True, square_sums=True)
        rng = check_random_state(self.random_state)
        params = self._cluster_params()
        n_iter = _DEFAULT_ITERATIONS[self.method] if self.n_iter is None else self.n_iter

        def chunks():
            return (block for _, block in source.chunks(self.batch_size))

        t0 = time.perf_counter()
        if self.method in ("multiplicative", "pinv"):
            layer, decoder, errors = fit_nmf_encoder(
                chunks, source.n_features, self.n_components, rng, params,
                method=self.method, n_iter=n_iter, dtype=source.dtype)
        else:
            layer, _ = fit_elm_encoder(
                chunks, source.n_features, self.n_components, rng, params,
                solver=self.method, lam=self.lam, n_iter=n_iter,
                max_preactivation=self.max_preactivation, dtype=source.dtype)
            decoder, error = _least_squares_decoder(chunks, layer)
            errors = np.array([error])
        self._layer = layer
        self.components_ = layer.weights[0]
        self.decoder_ = decoder.astype(source.dtype)
        self.reconstruction_errors_ = errors
        self.reconstruction_error_ = float(errors[-1])
        self.n_iter_ = n_iter
        self._log(f"{self.method}: error {self.reconstruction_error_:.5g} after {n_iter} "
                  f"iterations, {time.perf_counter() - t0:.1f} s")
        return self

    def transform(self, X):
        """Encode X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), nonnegative

        Returns
        -------
        ndarray of shape (n_samples, n_components), X's float dtype
        """
        check_is_fitted(self, "components_")
        source = self._source(X, reset=False)
        parts = [self._layer.transform(block.astype(self.components_.dtype, copy=False))
                 for _, block in source.chunks(self.batch_size)]
        return np.vstack(parts).astype(source.dtype, copy=False)

    def inverse_transform(self, X):
        """Reconstruct inputs from codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "components_")
        H = check_array(X, dtype=[np.float64, np.float32])
        if H.shape[1] != self.decoder_.shape[0]:
            raise ValueError(
                f"X has {H.shape[1]} features, but inverse_transform of "
                f"{type(self).__name__} expects codes of width {self.decoder_.shape[0]}."
            )
        return H @ self.decoder_.astype(H.dtype, copy=False)

    @property
    def _n_features_out(self):
        """Code width, for ``get_feature_names_out`` (``rnnautoencoder0, ...``)."""
        return self.components_.shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _least_squares_decoder(chunks, layer):
    """Decoder ``D = argmin ||X - code D||^2`` (minimum norm) and its mean error, one pass."""
    accumulator = GramAccumulator(layer.n_features_out, layer.n_features_in)
    total = 0.0
    for X in chunks():
        check_nonnegative_input(X, "RNNAutoencoder")
        accumulator.add(layer.transform(X), X)
        total += float(np.sum(np.square(X, dtype=np.float64)))
    phi = np.triu(accumulator.phi)
    phi = phi + np.triu(phi, 1).T
    decoder = accumulator.solve(0.0, "pinv")
    error = total - 2.0 * np.sum(decoder * accumulator.psi) + np.sum(decoder * (phi @ decoder))
    return decoder, max(error, 0.0) / max(accumulator.n_samples, 1)
