"""Per-sequence BPTT trainer of a genome (EXAMM ``backpropagate_stochastic``).

Each epoch shuffles the training series (seeded) and
makes one update per series: full forward, output error seed, full BPTT, norm
rescaling (clip above 1, boost below 0.05), Nesterov momentum, parameter clip
to [-10, 10].  After every epoch the validation MSE and MAE are computed and
the parameters of the best validation MSE are kept; fitness = that MSE.
"""
from dataclasses import dataclass

import numpy as np

from .._sequences import check_sequence_targets, check_sequences
from ..kernels import graph_rnn
from ..optim import clip_weights, nesterov_step, rescale_gradients
from .genome import MAX_CELL_PARAMS
from .graph import compile_genome, node_param_index

NEW_WEIGHTS = ("uniform", "normal", "zero")
NORM_CLIP = 1.0
NORM_BOOST = 0.05
PARAM_CLIP = 10.0


@dataclass
class TrainResult:
    """Outcome of :func:`train_genome`.

    Attributes
    ----------
    params : ndarray of float64, shape (n_params,)
        Flat parameters at the best epoch (layout of
        :func:`rnnkit.asne.graph.compile_genome`).
    edge_weights : ndarray of float64, shape (genome.n_edges,)
        Best-epoch weight of each genome edge, NaN for inactive edges.
    node_params : ndarray of float64, shape (genome.n_nodes, MAX_CELL_PARAMS)
        Best-epoch cell parameters of each genome node (row layout of
        ``Genome.node_params``), NaN for inactive nodes and unused entries.
    fitness : float
        Best validation MSE (mean over series of each series' MSE); ``inf``
        if training diverged to non-finite values in every epoch.
    mae : float
        Validation MAE at that epoch (mean over series of each series' mean
        absolute error).
    n_params : int
    history : ndarray of float64, shape (n_epochs, 3)
        Per epoch: training MSE (mean over the epoch's series, measured in the
        forward pass before each update), validation MSE, validation MAE.
    """

    params: np.ndarray
    edge_weights: np.ndarray
    node_params: np.ndarray
    fitness: float
    mae: float
    n_params: int
    history: np.ndarray


def train_genome(genome, X_train, y_train, X_val, y_val, *, epochs, learning_rate=0.001,
                 momentum=0.9, nesterov="standard", error_seed="corrected", random_state=None,
                 evaluate_initial=False, new_weights="uniform"):
    """Train a genome's weights by per-sequence BPTT; return the best-validation state.

    Parameters
    ----------
    genome : Genome
        Exactly one output node.  Edge weights and cell parameters start
        from ``genome.edge_weight`` and ``genome.node_params`` where those
        are given and not NaN; the others are drawn (``new_weights``).
    X_train, X_val : list of ndarray, each of shape (T_k, n_inputs)
    y_train, y_val : list of ndarray, each of shape (T_k,)
    epochs : int
        Number of passes over the training series (>= 1).
    learning_rate : float, default=0.001
    momentum : float, default=0.9
    nesterov : {"standard", "faithful"}, default="standard"
        ``"standard"``: ``v' = mu v - eta g; theta += -mu v + (1 + mu) v'``.
        ``"faithful"`` (``adding_ant_colony`` branch): ``m = mu v;
        v' = m - eta g_prev; theta += m + (1 + mu) v'`` with ``g_prev`` the
        previous update's rescaled gradient.  Before the first update
        ``g_prev`` is, as in the reference's initialisation loop, the raw (not
        rescaled) gradient of the last training series at the initial
        parameters.
    error_seed : {"corrected", "faithful"}, default="corrected"
        ``"corrected"``: ``delta_t = 2 (y_hat - y) / T`` (the MSE gradient);
        ``"faithful"``: ``delta_t = (y_hat - y) * 2 * MSE / T``.
    random_state : int, Generator or None
        Seeds the initial parameters and the per-epoch shuffles.
    evaluate_initial : bool, default=False
        Also evaluate the initial parameters on the validation series and let
        them compete for the best (the reference's
        ``backpropagate_stochastic`` does; the paper does not say so).
        ``history`` still has one row per epoch.
    new_weights : {"uniform", "normal", "zero"}, default="uniform"
        How parameters without a start value are drawn: U(-0.5, 0.5), or
        from a normal distribution with the mean and standard deviation of
        the given start values (EXAMM's rule for new components; uniform
        while fewer than two are given), or, for edge weights when some
        start value is given, zero (cell parameters still uniform).

    Returns
    -------
    TrainResult
    """
    if nesterov not in ("standard", "faithful"):
        raise ValueError(f"nesterov must be 'standard' or 'faithful', got {nesterov!r}.")
    if error_seed not in ("corrected", "faithful"):
        raise ValueError(f"error_seed must be 'corrected' or 'faithful', got {error_seed!r}.")
    epochs = int(epochs)
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}.")
    graph = compile_genome(genome)
    if len(graph.out_pos) != 1:
        raise ValueError(f"train_genome needs exactly one output node, the genome has "
                         f"{len(graph.out_pos)} active outputs.")
    X_train, y_train = _check_series(X_train, y_train, graph.n_inputs, "training")
    X_val, y_val = _check_series(X_val, y_val, graph.n_inputs, "validation")
    rng = np.random.default_rng(random_state)
    params = initial_params(genome, graph, rng, new_weights)

    H, S, DH = graph_rnn.workspace(graph, max(len(x) for x in X_train + X_val))
    grad = np.zeros(graph.n_params)
    velocity = np.zeros(graph.n_params)
    g_prev = np.zeros(graph.n_params)
    mu, eta = float(momentum), float(learning_rate)
    history = np.empty((epochs, 3))
    best = (np.inf, np.nan, params.copy())
    if evaluate_initial:
        mse0, mae0 = _evaluate(graph, params, X_val, y_val, H, S)
        best = (mse0, mae0, params.copy())
    if nesterov == "faithful":
        X, y = X_train[-1], y_train[-1]
        err = graph_rnn.forward(graph, params, X, H, S)[:, 0] - y
        graph_rnn.backward(graph, params, X, (err * _seed_scale(err, error_seed))[:, None], H, S, DH, g_prev)
    for epoch in range(epochs):
        train_mse = 0.0
        for k in rng.permutation(len(X_train)):
            X, y = X_train[k], y_train[k]
            err = graph_rnn.forward(graph, params, X, H, S)[:, 0] - y
            train_mse += float(np.dot(err, err)) / len(y)
            graph_rnn.backward(graph, params, X, (err * _seed_scale(err, error_seed))[:, None], H, S, DH, grad)
            rescale_gradients([grad], NORM_CLIP, NORM_BOOST)
            _nesterov_step(params, velocity, grad, g_prev, mu, eta, nesterov)
        val_mse, val_mae = _evaluate(graph, params, X_val, y_val, H, S)
        history[epoch] = train_mse / len(X_train), val_mse, val_mae
        if val_mse < best[0]:
            best = (val_mse, val_mae, params.copy())
    fitness, mae, best_params = best
    return _result(genome, graph, best_params, fitness, mae, history)


def evaluate_genome(genome, X_val, y_val):
    """A genome's validation scores at its start values, without training.

    Parameters
    ----------
    genome : Genome
        Every active edge and cell has a start value (``edge_weight``,
        ``node_params``), e.g. a trained network's.
    X_val : list of ndarray, each of shape (T_k, n_inputs)
    y_val : list of ndarray, each of shape (T_k,)

    Returns
    -------
    TrainResult
        ``fitness`` and ``mae`` as :func:`train_genome` reports them;
        ``history`` has no rows.
    """
    graph = compile_genome(genome)
    X_val, y_val = _check_series(X_val, y_val, graph.n_inputs, "validation")
    params = _start_values(genome, graph)
    if np.isnan(params).any():
        raise ValueError("evaluate_genome needs a start value for every active edge and cell "
                         "(genome.edge_weight and genome.node_params).")
    H, S, _ = graph_rnn.workspace(graph, max(len(x) for x in X_val))
    mse, mae = _evaluate(graph, params, X_val, y_val, H, S)
    return _result(genome, graph, params, mse, mae, np.empty((0, 3)))


def _result(genome, graph, params, fitness, mae, history):
    """A TrainResult with ``params`` spread over the genome's edges and cells."""
    edge_weights = np.full(genome.n_edges, np.nan)
    active = graph.edge_param >= 0
    edge_weights[active] = params[graph.edge_param[active]]
    node_params = np.full((genome.n_nodes, MAX_CELL_PARAMS), np.nan)
    position, slot = node_param_index(graph)
    node_params[graph.order[position], slot] = params[:graph.n_node_params]
    return TrainResult(params=params, edge_weights=edge_weights, node_params=node_params,
                       fitness=float(fitness), mae=float(mae), n_params=graph.n_params,
                       history=history)


def predict_genome(genome, params, X_list):
    """Run a trained genome over each series.

    Parameters
    ----------
    genome : Genome
    params : ndarray of float64, shape (n_params,)
        Flat parameters, e.g. ``TrainResult.params``.
    X_list : list of ndarray, each of shape (T_k, n_inputs)

    Returns
    -------
    list of ndarray, each of shape (T_k,)
        The output node's value at every step.
    """
    graph = compile_genome(genome)
    if len(graph.out_pos) != 1:
        raise ValueError(f"predict_genome needs exactly one output node, the genome has "
                         f"{len(graph.out_pos)} active outputs.")
    params = np.ascontiguousarray(params, dtype=np.float64)
    if params.shape != (graph.n_params,):
        raise ValueError(f"params has shape {params.shape}, the genome needs ({graph.n_params},).")
    X_list, _ = _check_series(X_list, None, graph.n_inputs, "input")
    H, S, _ = graph_rnn.workspace(graph, max(len(x) for x in X_list))
    return [graph_rnn.forward(graph, params, X, H, S)[:, 0].copy() for X in X_list]


def initial_params(genome, graph, rng, new_weights="uniform"):
    """Initial flat parameters: the genome's start values where given, else drawn.

    Parameters
    ----------
    genome : Genome
    graph : CompiledGraph
    rng : numpy.random.Generator
    new_weights : {"uniform", "normal", "zero"}, default="uniform"
        Draw the parameters without a start value from U(-0.5, 0.5), or from
        N(mean, sd) of the start values that are given (EXAMM), or set the
        edge weights among them to zero when any start value is given.

    Returns
    -------
    ndarray of float64, shape (graph.n_params,)
    """
    if new_weights not in NEW_WEIGHTS:
        raise ValueError(f"new_weights must be one of {NEW_WEIGHTS}, got {new_weights!r}.")
    given = _start_values(genome, graph)
    known = ~np.isnan(given)
    params = rng.uniform(-0.5, 0.5, graph.n_params)
    if new_weights == "normal" and known.sum() >= 2:
        params[~known] = rng.normal(given[known].mean(), given[known].std(ddof=1),
                                    graph.n_params - known.sum())
    elif new_weights == "zero" and known.any():
        params[graph.n_node_params:][~known[graph.n_node_params:]] = 0.0
    params[known] = given[known]
    return params


def _start_values(genome, graph):
    """The genome's start values in the flat layout of ``graph`` (NaN where none is given)."""
    given = np.full(graph.n_params, np.nan)
    if genome.node_params is not None:
        p = np.asarray(genome.node_params, dtype=np.float64)
        if p.shape != (genome.n_nodes, MAX_CELL_PARAMS):
            raise ValueError(f"genome.node_params has shape {p.shape}, expected "
                             f"({genome.n_nodes}, {MAX_CELL_PARAMS}).")
        position, slot = node_param_index(graph)
        given[:graph.n_node_params] = p[graph.order[position], slot]
    if genome.edge_weight is not None:
        w = np.asarray(genome.edge_weight, dtype=np.float64)
        if w.shape != (genome.n_edges,):
            raise ValueError(f"genome.edge_weight has shape {w.shape}, expected ({genome.n_edges},).")
        active = graph.edge_param >= 0
        given[graph.edge_param[active]] = w[active]
    return given


def _seed_scale(err, error_seed):
    """Output error seed factor: ``2/T`` (corrected) or ``2 MSE/T`` (faithful)."""
    T = len(err)
    if error_seed == "corrected":
        return 2.0 / T
    return 2.0 * float(np.dot(err, err)) / T / T


def _nesterov_step(params, velocity, grad, g_prev, mu, eta, variant):
    """One Nesterov update and the parameter clip, in place.

    ``"standard"``: ``v' = mu v - eta g; theta += -mu v + (1 + mu) v'``.
    ``"faithful"``: ``m = mu v; v' = m - eta g_prev; theta += m + (1 + mu) v'``,
    then ``g_prev <- g``.
    """
    if variant == "standard":
        nesterov_step(params, velocity, grad, eta, mu)
    else:
        m = mu * velocity
        v_new = m - eta * g_prev
        params += m + (1.0 + mu) * v_new
        g_prev[:] = grad
        velocity[:] = v_new
    clip_weights([params], PARAM_CLIP)


def _evaluate(graph, params, X_list, y_list, H, S):
    """Mean over series of each series' MSE and MAE."""
    mse = mae = 0.0
    for X, y in zip(X_list, y_list):
        err = graph_rnn.forward(graph, params, X, H, S)[:, 0] - y
        mse += float(np.dot(err, err)) / len(y)
        mae += float(np.abs(err).mean())
    n = len(X_list)
    mse, mae = mse / n, mae / n
    if not np.isfinite(mse):
        return np.inf, np.nan
    return mse, mae


def _check_series(X_list, y_list, n_inputs, what):
    """Validate a list of (T_k, n_inputs) series and their (T_k,) targets.

    The series are read by :func:`rnnkit._sequences.check_sequences` (a 1-D
    series is univariate) and the targets by
    :func:`~rnnkit._sequences.check_sequence_targets`, one per step.
    """
    if isinstance(X_list, np.ndarray) and X_list.ndim == 2:
        raise ValueError(f"{what} X must be a list of 2-D arrays (one per series), got one 2-D "
                         f"array of shape {X_list.shape}; wrap it in a list.")
    name = f"the {what} series"
    Xp, lengths = check_sequences(list(X_list), dtype=np.float64, estimator_name=name)
    if Xp.shape[2] != n_inputs:
        raise ValueError(f"{what} series have {Xp.shape[2]} features per step; expected "
                         f"(T, {n_inputs}).")
    X_out = [Xp[k, :n] for k, n in enumerate(lengths)]
    if y_list is None:
        return X_out, None
    Y, per_step = check_sequence_targets(list(y_list), lengths, estimator_name=name)
    if not per_step or Y.shape[2] != 1:
        raise ValueError(f"{what} targets must be one array of shape (T_k,) per series, "
                         f"got {'one value per series' if not per_step else Y.shape[2]} "
                         "targets per step.")
    return X_out, [Y[k, :n, 0] for k, n in enumerate(lengths)]
