"""``ASNERegressor``: ant colony search over RNN topologies, scikit-learn style."""
import numbers
import os
from dataclasses import fields

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from .config import make_config
from .network import ASNENetwork
from .search import ASNESearch, data_fingerprint


class ASNERegressor(RegressorMixin, BaseEstimator):
    """Ant Swarm NeuroEvolution (ASNE/ANTS) of RNNs for sequence regression.

    A colony of ants walks a superstructure of input, hidden and output nodes
    (forward lines, layer-skipping lines and recurrent lines over
    ``1..max_recurrent_depth-1`` steps); each march yields a sparse RNN of
    scalar memory cells (simple, UGRNN, MGU, GRU, Delta-RNN, LSTM), which is
    trained by per-sequence BPTT for ``epochs`` epochs; its best validation
    MSE updates the pheromones.  Candidates are made and trained
    asynchronously, ``n_jobs`` at a time.

    Parameters
    ----------
    n_ants : int, default=20
        Ants per march (explorers; social ants are ``n_ants // 2`` each).
    n_candidates : int, default=100
        Number of RNNs generated and trained (the reference's ``max_genomes``).
    epochs : int, default=10
        Training epochs per RNN (``bp_iterations``).
    population_size : int, default=10
    hidden_layers : int, default=3
        Hidden layers ``L`` of the superstructure.
    hidden_nodes : int or None, default=None
        Nodes per hidden layer ``H``; None uses the number of features.
    max_recurrent_depth : int, default=3
        ``K``: recurrent lines skip ``1..K-1`` steps.
    ants : {"standard", "explorer"}, default="standard"
        Standard ants wander over all lines until an output; explorers follow
        forward lines only.
    social : {None, "forward", "backward", "both"}, default=None
        Social ants adding recurrent edges among the explorers' nodes
        (needs ``ants="explorer"``).
    jumps : bool, default=False
        Explorers may skip layers; social ants make one pass per stride.
    forward_bias : bool, default=True
        Rescale pheromones towards forward lines (always on in faithful mode).
    reward : {"regularized", "constant", "fixed"}, default="regularized"
        Pheromone rule: fitness-based deposit ``d / (f + R)`` with MMAS bounds,
        ``+-1``, or ``x1.15 / x0.85``.
    deposit : float, default=0.03
        Deposit scale ``d``.
    evaporation : float, default=0.05
        Evaporation rate ``rho``: ``tau <- (1 - rho) tau + rho tau0``.
    weight_reg : float, default=0.0
        ``lambda`` of the L1/L2 regularized deposit.
    weight_norm : {"l1", "l2"}, default="l2"
    lamarckian : {None, "copy", "constant", "fitness"}, default=None
        Colony-weight inheritance: copy the trained weights, blend with a
        constant ``lamarckian_alpha``, or blend with a fitness-based alpha.
    lamarckian_alpha : float, default=0.5
    io_cells : {"sampled", "simple"}, default="sampled"
        Inputs and outputs draw a cell type like hidden nodes, or stay simple.
    learning_rate, momentum : float, default=0.001, 0.9
        Nesterov SGD of the trainer.
    mode : {"intended", "faithful"}, default="intended"
        Rules as the papers describe them, or the reference code's behaviour
        (see :data:`rnnkit.asne.config.MODE_SWITCHES`).
    switches : dict or None, default=None
        Individual mode switches overriding ``mode``, e.g.
        ``{"inverted_fitness_alpha": False}``.
    validation_fraction : float, default=0.2
        Fraction of the series held out for fitness when ``fit`` gets no
        ``validation_data`` (at least one series; with a single series the
        training series is also the validation series).
    n_jobs : int, default=1
        Candidates trained at once (a local process pool when > 1, or the
        in-flight count on the ``executor`` given to ``fit``).  1 is
        sequential and reproducible.
    checkpoint : str or None, default=None
        File for the search state, written every ``checkpoint_every`` results.
        When the file exists at ``fit``, the search resumes from it; ``fit``
        refuses (ValueError listing the differences) when the file was
        written with other settings, another ``random_state`` or other data.
        The file is a pickle: resume only from files you wrote.
    checkpoint_every : int, default=10
    trainer, predictor : callable or None, default=None
        Replace :func:`rnnkit.asne.training.train_genome` and
        :func:`~rnnkit.asne.training.predict_genome` (picklable functions).
    random_state : int or None, default=None
    verbose : int, default=0
        1: a progress line every 10 candidates; 2: one per candidate.

    Attributes
    ----------
    best_network_ : ASNENetwork
        The best RNN (lowest validation MSE); ``to_json``, ``to_dot``, ``plot``.
    population_ : list of ASNENetwork
        The final population, best first.
    history_ : dict of ndarray
        One entry per trained candidate in completion order: ``candidate``,
        ``fitness``, ``mae``, ``n_params``, ``n_nodes``, ``n_edges``,
        ``n_recurrent``, ``decision``, ``retries``, ``train_seconds``,
        ``wall_seconds``.
    search_ : ASNESearch
        Colony, population and counters (``n_retries``, ``n_guard_restarts``).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from rnnkit.asne import ASNERegressor
    >>> from rnnkit.asne._testing import surrogate_train, predict_surrogate
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(40, 3)) for _ in range(4)]
    >>> y = [x[:, 1] for x in X]
    >>> est = ASNERegressor(n_candidates=10, hidden_layers=1, hidden_nodes=3, random_state=0,
    ...                     trainer=surrogate_train, predictor=predict_surrogate).fit(X, y)
    >>> [p.shape for p in est.predict(X[:2])]
    [(40,), (40,)]
    """

    def __init__(self, n_ants=20, n_candidates=100, epochs=10, population_size=10,
                 hidden_layers=3, hidden_nodes=None, max_recurrent_depth=3, ants="standard",
                 social=None, jumps=False, forward_bias=True, reward="regularized",
                 deposit=0.03, evaporation=0.05, weight_reg=0.0, weight_norm="l2",
                 lamarckian=None, lamarckian_alpha=0.5, io_cells="sampled",
                 learning_rate=0.001, momentum=0.9, mode="intended", switches=None,
                 validation_fraction=0.2, n_jobs=1, checkpoint=None, checkpoint_every=10,
                 trainer=None, predictor=None, random_state=None, verbose=0):
        self.n_ants = n_ants
        self.n_candidates = n_candidates
        self.epochs = epochs
        self.population_size = population_size
        self.hidden_layers = hidden_layers
        self.hidden_nodes = hidden_nodes
        self.max_recurrent_depth = max_recurrent_depth
        self.ants = ants
        self.social = social
        self.jumps = jumps
        self.forward_bias = forward_bias
        self.reward = reward
        self.deposit = deposit
        self.evaporation = evaporation
        self.weight_reg = weight_reg
        self.weight_norm = weight_norm
        self.lamarckian = lamarckian
        self.lamarckian_alpha = lamarckian_alpha
        self.io_cells = io_cells
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.mode = mode
        self.switches = switches
        self.validation_fraction = validation_fraction
        self.n_jobs = n_jobs
        self.checkpoint = checkpoint
        self.checkpoint_every = checkpoint_every
        self.trainer = trainer
        self.predictor = predictor
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, validation_data=None, executor=None, worker_setup=None):
        """Search RNN topologies for the series ``(X, y)``.

        Parameters
        ----------
        X : list of array-like of shape (n_steps_k, n_features), or ndarray of
            shape (n_series, n_steps, n_features), or one 2-D array (a single series)
            In a list, a 1-D array of shape (n_steps_k,) is a univariate
            series; a nested list of numbers is one 2-D series.
        y : list of array-like of shape (n_steps_k,), or ndarray of shape
            (n_series, n_steps), or 1-D (a single series)
            Per-step targets (e.g. the next value of a column for forecasting).
        validation_data : tuple (X_val, y_val), optional
            Series that define the fitness; default: hold out
            ``validation_fraction`` of the series.
        executor : concurrent.futures.Executor, optional
            Train candidates on it (e.g. a dask ``Client.get_executor()``),
            ``n_jobs`` at a time.
        worker_setup : callable, optional
            Run once in each worker of the local pool (``n_jobs > 1``), e.g.
            to JIT-load kernels before the first candidate.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            On bad input, a checkpoint that cannot be resumed, or when no
            candidate reached a finite validation error.
        RuntimeError
            When a worker of the local process pool dies (e.g. a script that
            calls ``fit`` with ``n_jobs > 1`` without an
            ``if __name__ == "__main__":`` guard).
        """
        if y is None:
            raise ValueError("ASNERegressor requires y to be passed, but the target y is None")
        X_list, y_list, _ = self._check_Xy(X, y)
        n_features = X_list[0].shape[1]
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (X_val, y_val), got "
                                 f"{len(validation_data)} items")
            X_val, y_val, _ = self._check_Xy(*validation_data, n_features=n_features,
                                             what="validation ")
            X_tr, y_tr = X_list, y_list
        else:
            X_tr, y_tr, X_val, y_val = self._split(X_list, y_list)
        self._check_params()
        config = self._config(n_features)
        n_jobs = int(self.n_jobs)
        kwargs = {"epochs": int(self.epochs), "learning_rate": float(self.learning_rate),
                  "momentum": float(self.momentum)}
        if self.trainer is None:
            kwargs.update(nesterov=config.nesterov, error_seed=config.error_seed)
        if self.checkpoint is not None and os.path.exists(self.checkpoint):
            search = ASNESearch.load(self.checkpoint, trainer=self.trainer, verbose=self.verbose)
            wanted = ASNESearch(n_features, config, trainer_kwargs=kwargs,
                                random_state=self.random_state)
            wanted.data_fingerprint = data_fingerprint((X_tr, y_tr, X_val, y_val))
            differences = _resume_differences(search, wanted)
            if differences:
                raise ValueError(
                    f"checkpoint {self.checkpoint!r} was written by a search with other "
                    f"settings or data, which a resumed search would keep: "
                    f"{'; '.join(differences)} (checkpoint vs this estimator). Resume with "
                    "the checkpoint's settings and data, or delete the file (or pass another "
                    "checkpoint path) to start a new search.")
        else:
            search = ASNESearch(n_features, config, trainer=self.trainer,
                                trainer_kwargs=kwargs, random_state=self.random_state,
                                verbose=self.verbose)
        search.run(X_tr, y_tr, X_val, y_val, int(self.n_candidates), n_jobs=n_jobs,
                   executor=executor, checkpoint=self.checkpoint,
                   checkpoint_every=int(self.checkpoint_every),
                   worker_setup=worker_setup)
        if search.best is None:
            raise ValueError(
                f"none of the {len(search.history)} candidates reached a finite validation "
                "error: every training run diverged to NaN or infinity. Try a smaller "
                "learning_rate, scale inputs and targets to a small range (e.g. "
                "sklearn.preprocessing.MinMaxScaler per column), or look for extreme values "
                "in the data.")
        self.n_features_in_ = n_features
        self.search_ = search
        self.population_ = [self._network(m) for m in search.population]
        self.best_network_ = self.population_[0]
        self.history_ = search.history_arrays()
        return self

    # ------------------------------------------------------------------ predict
    def predict(self, X):
        """Per-step predictions of the best network, in the form of ``X``.

        Returns
        -------
        list of ndarray of shape (n_steps_k,) for a list; ndarray of shape
        (n_series, n_steps) for a 3-D array; ndarray of shape (n_steps,) for
        a single 2-D series.
        """
        check_is_fitted(self, "best_network_")
        X_list, _, form = self._check_Xy(X, None, n_features=self.n_features_in_)
        pred = [np.asarray(p, dtype=np.float64) for p in self.best_network_.predict(X_list)]
        if form == "3d":
            return np.stack(pred)
        if form == "2d":
            return pred[0]
        return pred

    def score(self, X, y, sample_weight=None):
        """R^2 over all steps of all series (see ``RegressorMixin.score``)."""
        from sklearn.metrics import r2_score

        pred = self.predict(X)
        _, y_list, _ = self._check_Xy(X, y, n_features=self.n_features_in_)
        flat = np.concatenate([np.ravel(p) for p in (pred if isinstance(pred, list) else [pred])])
        return r2_score(np.concatenate(y_list), flat, sample_weight=sample_weight)

    # ------------------------------------------------------------------ helpers
    def _config(self, n_features):
        overrides = dict(self.switches or {})
        return make_config(
            self.mode, hidden_layers=self.hidden_layers,
            hidden_nodes=n_features if self.hidden_nodes is None else self.hidden_nodes,
            max_recurrent_depth=self.max_recurrent_depth, n_ants=self.n_ants, ants=self.ants,
            social=self.social, jumps=bool(self.jumps), forward_bias=bool(self.forward_bias),
            io_cells=self.io_cells, reward=self.reward, deposit=self.deposit,
            evaporation=self.evaporation, weight_reg=self.weight_reg,
            weight_norm=self.weight_norm, lamarckian=self.lamarckian,
            lamarckian_alpha=self.lamarckian_alpha, population_size=self.population_size,
            **overrides)

    def _check_params(self):
        for name in ("n_candidates", "epochs", "n_jobs", "checkpoint_every"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if not (isinstance(self.learning_rate, numbers.Real) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")

    def _network(self, member):
        return ASNENetwork(member.genome, member.params, member.edge_weights, member.fitness,
                           member.mae, predictor=self.predictor)

    def _split(self, X_list, y_list):
        n = len(X_list)
        if n == 1:
            return X_list, y_list, X_list, y_list
        f = self.validation_fraction
        if not (isinstance(f, numbers.Real) and 0 < f < 1):
            raise ValueError(f"validation_fraction must be in (0, 1), got {f!r}")
        n_val = min(max(1, int(round(f * n))), n - 1)
        order = np.random.default_rng(self.random_state).permutation(n)
        val, tr = np.sort(order[:n_val]), np.sort(order[n_val:])
        return ([X_list[i] for i in tr], [y_list[i] for i in tr],
                [X_list[i] for i in val], [y_list[i] for i in val])

    def _check_Xy(self, X, y, n_features=None, what=""):
        """Normalise the input forms to lists; returns ``(X_list, y_list, form)``.

        ``n_features``: the number of features X must have (None: any).
        """
        if isinstance(X, np.ndarray) and X.ndim == 3:
            form, X_raw = "3d", list(X)
        elif isinstance(X, (list, tuple)):
            form, X_raw = "list", list(X)
            if len(X_raw) and not isinstance(X_raw[0], np.ndarray) and np.ndim(X_raw[0]) < 2:
                form, X_raw = "2d", [X]  # a nested list of numbers: one 2-D series
        else:
            form, X_raw = "2d", [X]
        if len(X_raw) == 0:
            raise ValueError(f"{what}X is an empty list of series; at least one is needed")
        X_list = []
        for k, x in enumerate(X_raw):
            if form == "list" and isinstance(x, np.ndarray) and x.ndim == 1:
                x = x.reshape(-1, 1)  # a 1-D array is a univariate series
            try:
                x = check_array(x, dtype=np.float64, ensure_min_samples=1, input_name="X")
            except ValueError as exc:
                if form != "2d":
                    raise ValueError(f"{what}X, series {k}: {exc}") from None
                if "inhomogeneous" in str(exc) or "sequence" in str(exc):
                    raise ValueError(
                        f"{what}X was read as one series given as nested lists (one row per "
                        "step), but its rows have different lengths. Pass a list of series: "
                        "2-D arrays of shape (n_steps, n_features), or 1-D arrays for "
                        "univariate series.") from None
                raise
            X_list.append(x)
        n_feat = {x.shape[1] for x in X_list}
        if len(n_feat) > 1:
            raise ValueError(f"{what}series have different numbers of features: {sorted(n_feat)}")
        n_feat = n_feat.pop()
        if n_features is not None and n_feat != n_features:
            raise ValueError(f"X has {n_feat} features, but ASNERegressor is expecting "
                             f"{n_features} features as input.")
        if y is None:
            return X_list, None, form
        if form == "2d":
            y = np.asarray(y)
            y_raw = [column_or_1d(y, warn=True)] if y.ndim == 2 else [y]
        elif isinstance(y, np.ndarray) and y.ndim == 2 and form == "3d":
            y_raw = list(y)
        else:
            y_raw = list(y)
        if len(y_raw) != len(X_list):
            raise ValueError(f"{what}X has {len(X_list)} series but y has {len(y_raw)}")
        y_list = []
        for k, (x, t) in enumerate(zip(X_list, y_raw)):
            try:
                t = check_array(t, dtype=np.float64, ensure_2d=False, ensure_min_samples=1,
                                input_name="y")
            except ValueError as exc:
                if form == "2d":
                    raise
                raise ValueError(f"{what}y, series {k}: {exc}") from None
            if t.ndim == 2 and t.shape[1] == 1:
                t = t[:, 0]
            if t.ndim != 1:
                raise ValueError(f"{what}y of series {k} must be 1-D (one target per step), "
                                 f"got shape {t.shape}")
            if len(t) != len(x):
                raise ValueError(f"{what}series {k} has {len(x)} steps in X but {len(t)} in y")
            y_list.append(t)
        return X_list, y_list, form


def _resume_differences(saved, wanted):
    """What differs between a loaded search and the one the estimator would start."""
    out = []
    if saved.n_inputs != wanted.n_inputs:
        out.append(f"n_features {saved.n_inputs} vs {wanted.n_inputs}")
    for f in fields(saved.config):
        a, b = getattr(saved.config, f.name), getattr(wanted.config, f.name)
        if a != b:
            out.append(f"{f.name} {a!r} vs {b!r}")
    for key in sorted(set(saved.trainer_kwargs) | set(wanted.trainer_kwargs)):
        a, b = saved.trainer_kwargs.get(key), wanted.trainer_kwargs.get(key)
        if a != b:
            out.append(f"{key} {a!r} vs {b!r}")
    if saved.random_state != wanted.random_state:
        out.append(f"random_state {saved.random_state!r} vs {wanted.random_state!r}")
    if saved.data_fingerprint not in (None, wanted.data_fingerprint):
        out.append("the training or validation data differ")
    return out
