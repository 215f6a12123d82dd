"""Graph-RNN training throughput (forward + full BPTT + update), one core.

Times one training step per 14,400-step coal series (forward over the whole
series, output error seed, backward without truncation, norm rescaling,
Nesterov update, parameter clip) for

* the one-layer network of 12 LSTM nodes (12 inputs, 1 output, 301 weights),
* the one-layer network of 12 GRU nodes (277 weights),
* a typical search candidate: a random mixed-cell genome of about 40 nodes and
  375 weights with recurrent edges of skips 1-2, built by ant-like walks over
  the 12-input, 3 x 12, 1-output superstructure (spec asne.md section 5),

and compares the steps/s with the issue's quoted measurements of the
reference C++ implementation (EXAMM/ACNNTO) on these machines.

Usage::

    NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/asne_throughput.py [--repeats 5]

Reads ``../shared/data/coal/burner_*.csv`` relative to the project root when
present (train on the first file), otherwise random data of the same shape.
"""
import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import glob  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from rnnkit.asne.genome import CELL_TYPES, SAMPLED_CELL_TYPES, Genome  # noqa: E402
from rnnkit.asne.graph import compile_genome, count_parameters, layered_genome  # noqa: E402
from rnnkit.asne.training import NORM_BOOST, NORM_CLIP, _nesterov_step, initial_params  # noqa: E402
from rnnkit.optim import rescale_gradients  # noqa: E402
from rnnkit.kernels import graph_rnn  # noqa: E402

REFERENCE_STEPS_PER_S = {"lstm-1x12": 90_000, "gru-1x12": 110_000, "candidate": 36_000}
"""Quoted in the issue: reference C++ forward+backward steps/s on these machines."""

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COAL_GLOB = os.path.join(ROOT, "..", "shared", "data", "coal", "burner_*.csv")


def measure_throughput(genome, X, y, repeats=5, random_state=0):
    """Training steps per second of ``genome`` on one series, one core.

    One step = forward over the whole series, error seed, full BPTT, norm
    rescaling, Nesterov update and parameter clip (what
    :func:`rnnkit.asne.training.train_genome` does per series).  A warm-up
    call compiles the kernels first; the rate is from the fastest of
    ``repeats`` timed runs (wall clock), the usual estimator on a shared
    machine where other processes only ever slow a run down.

    Parameters
    ----------
    genome : Genome
    X : ndarray of shape (T, n_inputs)
    y : ndarray of shape (T,)
    repeats : int, default=5
    random_state : int, default=0
        Seeds the initial parameters.

    Returns
    -------
    float
        Time steps per second (``T / fastest seconds per run``).
    """
    times = _time_runs(genome, X, y, repeats, random_state)
    return len(y) / min(times)


def _time_runs(genome, X, y, repeats=5, random_state=0, clock=time.perf_counter):
    """Seconds (by ``clock``) of ``repeats`` training steps over the series (after a warm-up)."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64).ravel()
    if X.ndim != 2 or X.shape[0] != y.shape[0] or X.shape[0] == 0:
        raise ValueError(f"X must be (T, n_inputs) and y (T,) with T > 0; got {X.shape} and {y.shape}.")
    graph = compile_genome(genome)
    params = initial_params(genome, graph, np.random.default_rng(random_state))
    H, S, DH = graph_rnn.workspace(graph, len(y))
    grad, velocity, g_prev = (np.zeros(graph.n_params) for _ in range(3))
    T = len(y)

    def step():
        err = graph_rnn.forward(graph, params, X, H, S)[:, 0] - y
        graph_rnn.backward(graph, params, X, (err * (2.0 / T))[:, None], H, S, DH, grad)
        rescale_gradients([grad], NORM_CLIP, NORM_BOOST)
        _nesterov_step(params, velocity, grad, g_prev, 0.9, 0.001, "standard")

    step()  # compile / warm up
    times = []
    for _ in range(max(1, int(repeats))):
        t0 = clock()
        step()
        times.append(clock() - t0)
    return times


def candidate_genome(n_inputs=12, hidden_layers=3, hidden_nodes=12, max_skip=2,
                     target_nodes=40, target_params=375, random_state=0):
    """A random mixed-cell genome like the colony produces (for benchmarks).

    Ants walk the superstructure (spec section 5): from a random input, a
    random line among the node's forward lines (to any later
    layer) and recurrent lines (skips ``1..max_skip`` to any node of layers
    ``1..L+1``), until they reach the output; half of the moves take a
    forward line, as the forward bias equalises the skip-0 and the recurrent
    pheromone sums (spec section 6).  Hidden cell types are drawn
    uniformly from the six types; inputs and the output are simple.  Ants are
    added until the genome has about ``target_nodes`` active nodes and
    ``target_params`` weights; the seed with the closest match is returned.

    Returns
    -------
    Genome
    """
    best = None
    for seed in range(int(random_state), int(random_state) + 200):
        genome = _walk_genome(np.random.default_rng(seed), n_inputs, hidden_layers, hidden_nodes,
                              max_skip, target_params)
        node_active, _ = genome.active_elements()
        score = abs(count_parameters(genome) - target_params) + 5 * abs(node_active.sum() - target_nodes)
        if best is None or score < best[0]:
            best = (score, genome)
        if score <= 10:
            break
    return best[1]


def _walk_genome(rng, n_inputs, L, Hn, max_skip, target_params):
    layer = np.concatenate([np.zeros(n_inputs, int), np.repeat(np.arange(1, L + 1), Hn), [L + 1]])
    n = len(layer)
    cells = np.zeros(n, int)
    cells[n_inputs:n - 1] = rng.integers(0, len(SAMPLED_CELL_TYPES), n - 1 - n_inputs)
    edges = {}
    visited = np.zeros(n, bool)
    while True:
        v = int(rng.integers(n_inputs))
        visited[v] = True
        for _ in range(10 * n):
            fwd = np.flatnonzero(layer > layer[v])
            rec = np.flatnonzero(layer >= 1)
            if rng.random() < 0.5:  # the forward bias equalises skip-0 and recurrent pheromone
                u, d = int(rng.choice(fwd)), 0
            else:
                u, d = int(rng.choice(rec)), int(rng.integers(1, max_skip + 1))
            edges.setdefault((v, u, d), len(edges))
            visited[u] = True
            v = u
            if layer[v] == L + 1:
                break
        genome = _make(layer, cells, visited, edges, n_inputs)
        if count_parameters(genome) >= target_params:
            return genome


def _make(layer, cells, visited, edges, n_inputs):
    keys = np.array(list(edges.keys()), dtype=np.int64).reshape(-1, 3)
    enabled = visited.copy()
    return Genome(n_inputs=n_inputs, node_layer=layer.astype(np.int64), node_cell=cells.astype(np.int64),
                  node_enabled=enabled | (np.arange(len(layer)) >= n_inputs),
                  node_id=np.arange(len(layer), dtype=np.int64), edge_src=keys[:, 0], edge_dst=keys[:, 1],
                  edge_skip=keys[:, 2], edge_innovation=np.arange(len(keys), dtype=np.int64))


def load_coal_or_random():
    """First coal burner as (X (14400, 12), y (14400,)), or random data of that shape."""
    files = sorted(glob.glob(COAL_GLOB))
    if files:
        data = np.loadtxt(files[0], delimiter=",", skiprows=1)
        return data[:-1], data[1:, -1], f"coal data {os.path.relpath(files[0], ROOT)}"
    rng = np.random.default_rng(0)
    return rng.uniform(size=(14400, 12)), rng.uniform(size=14400), "random data (coal files not found)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    X, y, source = load_coal_or_random()
    print(f"data: {source}, T = {len(y)} steps, {X.shape[1]} inputs")
    print(f"threads: NUMBA_NUM_THREADS={os.environ['NUMBA_NUM_THREADS']}, "
          f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}; {args.repeats} timed runs per network "
          f"after a warm-up; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs "
          f"at the start\n")
    cand = candidate_genome()
    node_active, edge_active = cand.active_elements()
    act = edge_active
    types = {CELL_TYPES[c]: int(k) for c, k in zip(*np.unique(cand.node_cell[node_active], return_counts=True))}
    print(f"candidate: {int(node_active.sum())} active nodes {types}, "
          f"{int((act & (cand.edge_skip == 0)).sum())} forward + {int((act & (cand.edge_skip > 0)).sum())} "
          f"recurrent edges (skips {sorted(set(cand.edge_skip[act & (cand.edge_skip > 0)].tolist()))}), "
          f"{count_parameters(cand)} weights\n")
    nets = {"lstm-1x12": layered_genome(12, (12,), "lstm"), "gru-1x12": layered_genome(12, (12,), "gru"),
            "candidate": cand}
    print("steps/s: wall clock, fastest and median run; CPU: steps per CPU-second of this process "
          "(fastest run), which discounts time the scheduler gave to other processes")
    print(f"{'network':<11} {'weights':>7} {'best':>9} {'median':>9} {'CPU':>9} {'C++ ref':>8} "
          f"{'best/ref':>8} {'median/ref':>10} {'CPU/ref':>7}")
    for name, genome in nets.items():
        times = _time_runs(genome, X, y, repeats=args.repeats)
        cpu = _time_runs(genome, X, y, repeats=args.repeats, clock=time.process_time)
        best, median, cpu = len(y) / min(times), len(y) / float(np.median(times)), len(y) / min(cpu)
        ref = REFERENCE_STEPS_PER_S[name]
        print(f"{name:<11} {count_parameters(genome):>7} {best:>9,.0f} {median:>9,.0f} {cpu:>9,.0f} "
              f"{ref:>8,} {best / ref:>7.2f}x {median / ref:>9.2f}x {cpu / ref:>6.2f}x")
    print("\nC++ ref = the issue's quoted measurements of the reference C++ implementation on these "
          "machines (not re-measured here); target >= 2x.")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
