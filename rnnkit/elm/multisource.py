"""Multi-source deep RNN-ELM: encoder stacks per source (column group), joined at the top."""
from functools import partial
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._passes import map_chunks
from ._stacked import ENCODERS, LayerStack, SourceJoin, fit_stack
from .deep import _COMMON_CONSTRAINTS, _BaseDeepRNNELM, check_widths

JOINS = ("rnn", "readout")


class MultiSourceRNNELMClassifier(_BaseDeepRNNELM):
    """Deep RNN-ELM for instances made of several sources (the paper's Classifier-3/4/5).

    The columns of X are split into sources (``sources``); every source gets
    its own encoder stack(s) of ELM-autoencoder layers (see
    :class:`rnnkit.elm.deep.DeepRNNELMClassifier` for the layer), and the
    sources are joined:

    - Classifier-3: ``encoder="ridge"`` (one name), ``join="rnn"``: one stack
      per source; their outputs are concatenated and fed to one random
      dense-cluster layer of ``n_hidden`` units, then the ridge readout (the
      reference's MCMLDRNN when the encoder is FISTA).
    - Classifier-4: ``encoder=("ridge", "fista")`` (several names),
      ``join="rnn"``: several encoder stacks per source, all concatenated
      before the shared random layer.
    - Classifier-5: ``join="readout"``: each stack ends in its own random
      dense-cluster layer (``n_hidden`` split evenly over the stacks) and the
      concatenated cluster outputs go directly to the ELM readout
      (interpretation of "joined at an ELM").

    Training streams like the single-source classifier: every layer
    statistic and the readout sums ``Phi``, ``Psi`` are accumulated over
    blocks of ``batch_size`` rows; ``partial_fit`` adds blocks.

    ``predict_proba`` is the softmax of the readout scores at a temperature
    fitted on leave-one-out scores of up to 1,000 training rows kept beside
    the sums (:mod:`rnnkit.elm._proba`).  ``compact()`` drops the sums and
    those rows to make the fitted model small, after which it predicts but
    no longer learns (``partial_fit``) or re-solves (a new ``alpha``).

    Parameters
    ----------
    sources : int or list of array-like / slice, default=2
        An int k splits the columns into k contiguous groups of (nearly)
        equal size, as the reference splits its channels; otherwise one
        entry per source: a list of integer column indices, a boolean mask
        of length n_features or a slice (anything else raises ValueError).
    hidden_layers : tuple of int, default=(500,)
        Encoder widths of every stack.
    n_hidden : int, default=8000
        Width of the shared random layer (``join="rnn"``), or total width of
        the per-stack random layers (``join="readout"``).
    encoder : str or tuple of str, default="ridge"
        Encoder kind(s) among "ridge", "fista", "fista_reference",
        "multiplicative", "pinv"; a tuple gives one stack per kind and source.
    join : {"rnn", "readout"}, default="rnn"
    lam, fista_iter, nmf_iter, encoder_alpha, alpha, alphas, cv, solver, \
gram_precision, batch_size, max_preactivation : \
            see :class:`rnnkit.elm.deep.DeepRNNELMClassifier`
    cluster_size, interaction_prob, lambda_plus, lambda_minus, firing_rate : \
            int, float, float, float, float
        Dense-cluster parameters n, p, lambda+, lambda-, r.
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    source_columns_ : list of ndarray of int
        Column indices of each source.
    model_ : LayerStack
        ``model_.layers[0]`` is the :class:`SourceJoin` of the stacks.
    coef_ : ndarray of shape (n_readout_inputs, n_classes)
    alpha_ : float
    cv_results_ : dict of ndarray
        See :class:`rnnkit.elm.deep.DeepRNNELMClassifier`.
    n_samples_seen_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
        See :class:`rnnkit.RNNELMClassifier`.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from rnnkit import NonNegativeScaler
    >>> from rnnkit.elm.multisource import MultiSourceRNNELMClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> top, bottom = slice(0, 32), slice(32, 64)   # upper and lower half of the image
    >>> clf = make_pipeline(NonNegativeScaler(), MultiSourceRNNELMClassifier(
    ...     [top, bottom], hidden_layers=(40,), n_hidden=600, random_state=0))
    >>> clf.fit(X[:1500], y[:1500]).score(X[1500:], y[1500:]) > 0.9
    True
    """

    _parameter_constraints = {
        "sources": [Interval(Integral, 1, None, closed="left"), list, tuple],
        "hidden_layers": ["array-like"],
        "encoder": [StrOptions(set(ENCODERS)), tuple, list],
        "join": [StrOptions(set(JOINS))],
        **_COMMON_CONSTRAINTS,
    }

    def __init__(self, sources=2, hidden_layers=(500,), n_hidden=8000, *, encoder="ridge",
                 join="rnn", lam=1e-3, fista_iter=150, nmf_iter=200, encoder_alpha=0.3,
                 alpha="auto", alphas=None, cv=None, solver="cholesky", gram_precision="float64",
                 batch_size=2000,
                 max_preactivation=0.1, cluster_size=20, interaction_prob=0.05,
                 lambda_plus=0.005, lambda_minus=0.005, firing_rate=0.001,
                 random_state=None, verbose=0):
        self.sources = sources
        self.hidden_layers = hidden_layers
        self.n_hidden = n_hidden
        self.encoder = encoder
        self.join = join
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
        columns = resolve_sources(self.sources, n_features)
        kinds = _encoder_kinds(self.encoder)
        widths = check_widths(self.hidden_layers, "hidden_layers")
        n_stacks = len(columns) * len(kinds)
        if self.join == "readout" and self.n_hidden < n_stacks:
            raise ValueError(f"n_hidden={self.n_hidden} is smaller than the number of "
                             f"encoder stacks ({n_stacks}) it is split over with "
                             "join='readout'.")
        per_stack = _split_evenly(self.n_hidden, n_stacks)
        stack_columns, stacks = [], []
        for cols in columns:
            for kind in kinds:
                specs = [(kind, w) for w in widths]
                if self.join == "readout":
                    specs.append(("random", per_stack[len(stacks)]))
                source_chunks = _select(chunks, cols)
                self._log(f"source of {cols.size} columns, {kind} stack {widths}")
                stacks.append(fit_stack(source_chunks, cols.size, specs, rng, params,
                                        dtype=dtype, settings=self._settings(), log=self._log))
                stack_columns.append(cols)
        joined = SourceJoin(stack_columns, stacks)
        self.source_columns_ = columns
        if self.join == "readout":
            return LayerStack([joined], n_features)
        joined_chunks = map_chunks(chunks, joined.transform)
        top = fit_stack(joined_chunks, joined.n_features_out, [("random", self.n_hidden)], rng,
                        params, dtype=dtype, settings=self._settings(), log=self._log)
        return LayerStack([joined] + top.layers, n_features)


def resolve_sources(sources, n_features):
    """Column index arrays of the sources.

    Parameters
    ----------
    sources : int or sequence of (array-like of int, boolean mask or slice)
        An int k: k contiguous groups of (nearly) equal size.  Otherwise one
        entry per source: a 1-D array-like of column indices in
        ``[0, n_features)``, a boolean mask of length ``n_features``, or a
        slice of integers.
    n_features : int

    Returns
    -------
    list of ndarray of int

    Raises
    ------
    ValueError
        Naming the offending source and value: a source that is not one of
        the three forms (floats, strings, scalars, nested lists), an
        out-of-range index, a mask of the wrong length, an empty source, or
        more sources than columns.
    """
    if isinstance(sources, (bool, np.bool_)):
        raise ValueError(f"sources must be an int or a list of column groups, got {sources!r}.")
    if isinstance(sources, (int, np.integer)):
        if not 1 <= sources <= n_features:
            raise ValueError(f"sources={sources} needs at least {sources} features, got "
                             f"{n_features} feature(s).")
        return [np.asarray(part, dtype=np.intp)
                for part in np.array_split(np.arange(n_features), sources)]
    if isinstance(sources, str) or len(sources) == 0:
        raise ValueError(f"sources must name at least one column group, got {sources!r}.")
    out = []
    for i, source in enumerate(sources):
        cols = _source_columns(i, source, n_features)
        if cols.size == 0:
            raise ValueError(f"Source {i} ({source!r}) selects no columns of the "
                             f"{n_features} feature(s).")
        out.append(cols)
    return out


def _source_columns(i, source, n_features):
    """Column indices of source ``i``: a slice, a boolean mask or integer indices."""
    if isinstance(source, slice):
        try:
            return np.arange(n_features)[source]
        except TypeError:
            raise ValueError(f"Source {i} is {source!r}; a slice of columns needs integer "
                             "start, stop and step.") from None
    values = np.asarray(source)
    if values.ndim != 1:
        raise ValueError(f"Source {i} is {source!r}; give a 1-D list of column indices, a "
                         "boolean mask or a slice (a single column is [j]).")
    if values.dtype == bool:
        if values.shape != (n_features,):
            raise ValueError(f"Boolean mask of source {i} has shape {values.shape}, "
                             f"expected ({n_features},).")
        return np.flatnonzero(values)
    if values.size == 0:
        return values.astype(np.intp)
    if not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"Source {i} has column indices {values.tolist()} of type "
                         f"{values.dtype}; column indices must be integers (or give a "
                         "boolean mask or a slice).")
    outside = values[(values < 0) | (values >= n_features)]
    if outside.size:
        raise ValueError(f"Source {i} has column indices outside [0, {n_features - 1}]: "
                         f"{outside.tolist()}.")
    return values.astype(np.intp)


def _encoder_kinds(encoder):
    kinds = (encoder,) if isinstance(encoder, str) else tuple(encoder)
    unknown = [k for k in kinds if k not in ENCODERS]
    if not kinds or unknown:
        raise ValueError(f"encoder must be one of {ENCODERS} or a non-empty tuple of them, "
                         f"got {encoder!r}")
    return kinds


def _split_evenly(total, parts):
    return [len(p) for p in np.array_split(np.arange(total), parts)]


def _select(chunks, cols):
    return map_chunks(chunks, partial(np.take, indices=cols, axis=1))
