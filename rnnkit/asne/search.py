"""The asynchronous ASNE main loop.

The colony makes a candidate whenever a worker is free and is updated as each
result returns; there are no generations.  With one worker and no executor
the loop runs in this process and is reproducible from ``random_state``.
The whole state (colony, population, history, random generator) can be
saved to a checkpoint and resumed.
"""
import hashlib
import multiprocessing
import os
import pickle
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace

import numpy as np

from .ants import build_genome, march
from .colony import TAU_MAX0, Colony
from .config import make_config
from .genome import CELL_TYPES
from .lamarck import grow_from_members, inherit_from_population, update_colony_weights
from .pheromones import evaporate, forward_bias, penalize, regularization, reward
from .population import Member, Population, structure_key
from .pruning import prune_edges

CHECKPOINT_VERSION = 2
CHECKPOINT_KEYS = ("version", "config", "n_inputs", "trainer_kwargs", "random_state",
                   "data_fingerprint", "colony", "population", "history", "rng", "n_generated",
                   "n_retries", "n_guard_restarts", "wall")

HISTORY_FIELDS = ("candidate", "stage", "fitness", "mae", "best_mae", "epochs", "epochs_spent",
                  "n_params", "n_nodes", "n_edges", "n_recurrent",
                  *(f"n_{cell}" for cell in CELL_TYPES), "n_inherited", "decision", "retries",
                  "train_seconds", "wall_seconds")
"""Columns of :meth:`ASNESearch.history_arrays` (one row per trained RNN)."""


@dataclass
class Candidate:
    """A generated RNN waiting for training."""

    index: int
    genome: object
    seed: int
    retries: int
    stage: str = "search"
    epochs: int = None
    n_inherited: int = 0


class ColonyCollapsedError(RuntimeError):
    """Raised when no march reaches an output within ``max_retries`` attempts."""


class ASNESearch:
    """Colony, population and history of one search.

    Parameters
    ----------
    n_inputs : int
        Number of input features (input nodes).
    config : SearchConfig, optional
        Defaults to ``make_config("intended")``.
    trainer : callable, optional
        ``trainer(genome, X_train, y_train, X_val, y_val, *, epochs,
        random_state, **trainer_kwargs)`` returning an object with
        ``fitness``, ``mae``, ``params``, ``edge_weights`` and ``n_params``.
        Defaults to :func:`rnnkit.asne.training.train_genome`.  Must be
        picklable (a module-level function) for process pools.
    trainer_kwargs : dict, optional
        Passed to every trainer call (e.g. ``epochs``, ``learning_rate``).
    random_state : int or None
    verbose : int
        0 silent, 1 a line every 10 candidates, 2 a line per candidate.
    error_scale : float, default=1.0
        Factor from the trainer's errors to those recorded in ``history`` and
        printed (MAE times ``error_scale``, MSE times its square; e.g.
        ``1 / scale`` of a target scaling, to report errors in the target's
        own units).  The pheromone rules always see the trainer's values.

    Attributes
    ----------
    colony : Colony
    population : Population
    history : list of dict
        One record per trained RNN, in completion order, with keys
        :data:`HISTORY_FIELDS`: ``stage`` is "search" for a candidate,
        "refine" for the further training of the best network at the end
        and "prune" for its pruning (no epochs);
        ``mae``, ``best_mae`` (best so far) and ``fitness`` (validation MSE)
        are in ``error_scale`` units; ``epochs_spent`` counts
        every epoch trained so far; ``n_<cell>`` count active nodes of each
        cell type; ``n_inherited`` counts edges and cells started from a
        population member's trained values (``lamarckian="elite"`` or
        ``"best"``; all of them for a refinement; colony weights are not
        counted).
    n_generated, n_retries, n_guard_restarts : int
    random_state : int or None
        The seed the search was created with (None when it was not an int).
    data_fingerprint : str or None
        Digest of the data of the first :meth:`run`; a later ``run`` (e.g.
        after :meth:`load`) on other data raises ``ValueError``.
    """

    def __init__(self, n_inputs, config=None, *, trainer=None, trainer_kwargs=None,
                 random_state=None, verbose=0, error_scale=1.0):
        self.config = make_config() if config is None else config
        self.n_inputs = int(n_inputs)
        self.trainer = trainer
        self.trainer_kwargs = dict(trainer_kwargs or {})
        self.verbose = verbose
        self.error_scale = float(error_scale)
        self.random_state = _seed_record(random_state)
        self.data_fingerprint = None
        self.rng = np.random.default_rng(random_state)
        c = self.config
        self.colony = Colony(self.n_inputs, c.hidden_layers, c.hidden_nodes, 1,
                             c.max_recurrent_depth, random_state=self.rng)
        if c.use_bias:
            forward_bias(self.colony, cap=TAU_MAX0)
        self.population = Population(c.population_size)
        self.history = []
        self.n_generated = 0
        self.n_retries = 0
        self.n_guard_restarts = 0
        self._wall = 0.0

    # ------------------------------------------------------------ one step
    def propose(self):
        """Evaporate, march (retrying until an output is reached) and build a candidate.

        Returns
        -------
        Candidate

        Raises
        ------
        ColonyCollapsedError
            After ``config.max_retries`` marches without a reachable output.
        """
        c = self.config
        include_out = c.evaporate_output_types
        for attempt in range(c.max_retries):
            evaporate(self.colony, c.evaporation, include_outputs=include_out)
            walk = march(self.colony, c, self.rng)
            self.n_guard_restarts += walk.guard_restarts
            genome = build_genome(self.colony, walk, self.rng, io_cells=c.io_cells,
                                  colony_weights=c.lamarck_init,
                                  colony_node_params=c.lamarck_init and c.inherit == "all")
            if genome.reaches_output():
                break
            self.n_retries += 1
        else:
            raise ColonyCollapsedError(
                f"no march reached an output in {c.max_retries} attempts; "
                f"the colony has collapsed (tau_max={self.colony.tau_max:.3g})")
        n_inherited = 0
        if c.lamarckian in ("elite", "best"):
            n_inherited = inherit_from_population(genome, self.population, c.inherit == "all",
                                                  n_members=1 if c.lamarckian == "best" else None)
        cand = Candidate(self.n_generated, genome, int(self.rng.integers(2 ** 31 - 1)), attempt,
                         n_inherited=n_inherited)
        self.n_generated += 1
        return cand

    def propose_refinement(self, epochs):
        """A candidate that trains the best member further from its trained values.

        With ``config.refine_members = k > 1`` the candidate is the union of
        the best ``k`` members' structures (:func:`~rnnkit.asne.genome.merge_genomes`):
        every element starts from the best member that has it, except the
        edges the best member lacks that end in one of its nodes, which start
        at zero, so the grown network starts out computing the best member's
        output and gains the other members' trained units to build on.

        Returns
        -------
        Candidate or None
            None while the population is empty, or when the search already
            ended with a refinement (or pruning).
        """
        best = self.population.best
        if best is None or self.history[-1]["stage"] != "search":
            return None
        k = self.config.refine_members
        if k > 1 and len(self.population) > 1:
            genome = grow_from_members(self.population.members[:k])
        else:
            genome = replace(best.genome, edge_weight=np.array(best.edge_weights),
                             node_params=None if best.node_params is None
                             else np.array(best.node_params))
        node_active, edge_active = genome.active_elements()
        cand = Candidate(self.n_generated, genome, int(self.rng.integers(2 ** 31 - 1)), 0,
                         stage="refine", epochs=int(epochs),
                         n_inherited=int(node_active.sum() + edge_active.sum()))
        self.n_generated += 1
        return cand

    def receive(self, cand, result, train_seconds=np.nan):
        """Update colony weights, population and pheromones with a trained candidate.

        Returns
        -------
        decision : {"insert", "replace", "reject", "penalize"}
        """
        c, genome = self.config, cand.genome
        f = float(result.fitness)
        key = structure_key(genome)
        decision = self.population.decide(f, key)
        inserted = decision in ("insert", "replace")
        node_params = getattr(result, "node_params", None)
        if np.isfinite(f):
            update_colony_weights(self.colony, genome, result.edge_weights, f, c,
                                  self.population, inserted, node_params)
        if inserted:
            member = Member(f, float(result.mae), genome, np.asarray(result.params),
                            np.asarray(result.edge_weights), int(result.n_params),
                            cand.index, key,
                            None if node_params is None else np.asarray(node_params))
            self.population.apply(member, decision)
            reg = regularization(result.edge_weights, c.effective_weight_reg, c.weight_norm,
                                 c.signed_l1)
            reward(self.colony, genome, f, c, reg)
        elif decision == "penalize":
            penalize(self.colony, genome, c)
        self._record(cand, result, decision, train_seconds)
        return decision

    def prune_best(self, X_val, y_val):
        """Drop the best network's smallest edges while its validation MSE does not rise.

        The pruned network (:func:`~rnnkit.asne.pruning.prune_edges`, no
        training) takes the best member's place, and one history row (stage
        "prune", no epochs) records it.  Needs the built-in trainer's cell
        parameters (``node_params``).  Does nothing before the first result or
        when the search already ended with a pruning.

        Parameters
        ----------
        X_val : list of ndarray, each of shape (T_k, n_inputs)
        y_val : list of ndarray, each of shape (T_k,)
            The validation series of :meth:`run`, in the trainer's units.
        """
        best = self.population.best
        if best is None or self.history[-1]["stage"] == "prune":
            return
        if best.node_params is None:
            raise ValueError("pruning needs the cell parameters of the built-in trainer; "
                             "this search's trainer does not report node_params")
        genome, result = prune_edges(best.genome, best.edge_weights, best.node_params,
                                     X_val, y_val)
        cand = Candidate(self.n_generated, genome, 0, 0, stage="prune", epochs=0)
        self.n_generated += 1
        decision = "reject"
        if result.n_params < best.n_params:
            decision = "replace"
            self.population.substitute(best, Member(
                result.fitness, result.mae, genome, result.params, result.edge_weights,
                result.n_params, cand.index, structure_key(genome), result.node_params))
        self._record(cand, result, decision)

    def _record(self, cand, result, decision, train_seconds=np.nan):
        """Append the history row of a trained (or pruned) candidate."""
        genome = cand.genome
        node_active, edge_active = genome.active_elements()
        epochs = int(cand.epochs if cand.epochs is not None else self.trainer_kwargs["epochs"])
        spent = self.history[-1]["epochs_spent"] if self.history else 0
        best = self.population.best
        cells = np.bincount(genome.node_cell[node_active], minlength=len(CELL_TYPES))
        self.history.append({
            "candidate": cand.index, "stage": cand.stage,
            "fitness": float(result.fitness) * self.error_scale ** 2,
            "mae": float(result.mae) * self.error_scale,
            "best_mae": np.nan if best is None else best.mae * self.error_scale,
            "epochs": epochs, "epochs_spent": spent + epochs,
            "n_params": int(result.n_params), "n_nodes": int(node_active.sum()),
            "n_edges": int(edge_active.sum()),
            "n_recurrent": int((edge_active & (genome.edge_skip > 0)).sum()),
            **{f"n_{cell}": int(k) for cell, k in zip(CELL_TYPES, cells)},
            "n_inherited": cand.n_inherited, "decision": decision, "retries": cand.retries,
            "train_seconds": float(train_seconds), "wall_seconds": self._wall,
        })
        self._report()

    # ------------------------------------------------------------ the loop
    def run(self, X_train, y_train, X_val, y_val, n_candidates, *, n_jobs=1, executor=None,
            checkpoint=None, checkpoint_every=10, mp_context="spawn", worker_setup=None,
            refine_epochs=0, prune=False):
        """Search until ``n_candidates`` candidates have returned in total.

        Parameters
        ----------
        X_train, X_val : list of ndarray of shape (n_steps, n_inputs)
        y_train, y_val : list of ndarray of shape (n_steps,)
        n_candidates : int
            Total number of trained candidates (including those of a resumed run).
        n_jobs : int
            Number of candidates in flight.  With ``executor=None`` and
            ``n_jobs == 1`` training runs in this process (reproducible);
            ``n_jobs > 1`` starts a local process pool.
        executor : concurrent.futures.Executor, optional
            Any executor, e.g. ``distributed.Client(...).get_executor()``;
            ``n_jobs`` candidates are kept in flight on it.  The data travel
            with every task.
        checkpoint : str or path, optional
            Saved every ``checkpoint_every`` results and at the end.  Resume
            with :meth:`load` then ``run``; candidates that were in flight
            when the process died are simply generated anew.  A sequential
            run resumed from a checkpoint repeats the uninterrupted run
            exactly.
        mp_context : str
            Start method of the local pool ("spawn", "fork", "forkserver").
        worker_setup : callable, optional
            Run once in each local pool worker at start (e.g. to JIT-load the
            trainer's kernels); must be picklable.
        refine_epochs : int, default=0
            After the last candidate, train the best network this many more
            epochs from its trained values (one more history row, stage
            "refine"); it replaces the best if its validation MSE is lower.
        prune : bool, default=False
            At the end, drop the best network's smallest edges while its
            validation MSE does not rise (:meth:`prune_best`; built-in
            trainer only).

        Returns
        -------
        self
        """
        if prune and self.trainer is not None:
            raise ValueError("prune=True needs the built-in trainer (trainer=None): the pruned "
                             "network is scored with rnnkit's own cells")
        trainer = self._resolve_trainer()
        data = (list(X_train), list(y_train), list(X_val), list(y_val))
        n_jobs = int(n_jobs)
        if n_jobs < 1:
            raise ValueError(f"n_jobs must be >= 1, got {n_jobs}")
        fingerprint = data_fingerprint(data)
        if self.data_fingerprint is None:
            self.data_fingerprint = fingerprint
        elif fingerprint != self.data_fingerprint:
            raise ValueError("this search was run on other training or validation data; "
                             "resume it on the same data, or start a new search")
        start = time.perf_counter() - self._wall
        since_save = 0

        def tick():
            self._wall = time.perf_counter() - start

        def maybe_save():
            nonlocal since_save
            since_save += 1
            if checkpoint is not None and since_save >= checkpoint_every:
                self.save(checkpoint)
                since_save = 0

        n_search = sum(h["stage"] == "search" for h in self.history)
        phases = [(self.propose, n_candidates - n_search)]
        if refine_epochs:
            phases.append((lambda: self.propose_refinement(refine_epochs), 1))

        if executor is None and n_jobs == 1:
            for make, n in phases:
                for _ in range(n):
                    cand = make()
                    if cand is None:
                        break
                    result, seconds = _evaluate(trainer, cand.genome, data, cand.seed,
                                                self._kwargs(cand))
                    tick()
                    self.receive(cand, result, seconds)
                    maybe_save()
        else:
            own = executor is None
            tmpdir = None
            if own:
                # The data reach the workers through a file, not the pool's initargs: a
                # worker that dies while starting (e.g. a script without a __main__ guard)
                # would otherwise leave this process blocked writing them into its pipe.
                tmpdir = tempfile.mkdtemp(prefix="rnnkit-asne-")
                data_path = os.path.join(tmpdir, "data.pkl")
                with open(data_path, "wb") as fh:
                    pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
                ctx = multiprocessing.get_context(mp_context)
                executor = ProcessPoolExecutor(n_jobs, mp_context=ctx, initializer=_init_worker,
                                               initargs=(data_path, worker_setup))
            payload = None if own else data
            in_flight = {}
            n_returned = 0
            try:
                for make, n in phases:
                    while True:
                        while len(in_flight) < n_jobs and n > 0:
                            cand = make()
                            if cand is None:
                                n = 0
                                break
                            n -= 1
                            fut = executor.submit(_evaluate, trainer, cand.genome, payload,
                                                  cand.seed, self._kwargs(cand))
                            in_flight[fut] = cand
                        if not in_flight:
                            break
                        done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                        for fut in sorted(done, key=lambda f: in_flight[f].index):
                            cand = in_flight.pop(fut)
                            result, seconds = fut.result()
                            n_returned += 1
                            tick()
                            self.receive(cand, result, seconds)
                            maybe_save()
            except BrokenProcessPool as exc:
                if not own:
                    raise
                raise RuntimeError(_broken_pool_message(n_returned)) from exc
            finally:
                for fut in in_flight:
                    fut.cancel()
                if own:
                    executor.shutdown(wait=True, cancel_futures=True)
                    shutil.rmtree(tmpdir, ignore_errors=True)
        if prune:
            self.prune_best(data[2], data[3])
        tick()
        if checkpoint is not None:
            self.save(checkpoint)
        return self

    # ------------------------------------------------------------ results
    @property
    def best(self):
        """The best :class:`Member` so far (None before the first result)."""
        return self.population.best

    def history_arrays(self):
        """The history as a dict of arrays (one entry per returned candidate)."""
        return {k: np.array([h[k] for h in self.history]) for k in HISTORY_FIELDS}

    # ------------------------------------------------------------ checkpoints
    def save(self, path):
        """Write the search state atomically to ``path`` (pickle)."""
        state = {"version": CHECKPOINT_VERSION, "config": self.config, "n_inputs": self.n_inputs,
                 "trainer_kwargs": self.trainer_kwargs, "random_state": self.random_state,
                 "data_fingerprint": self.data_fingerprint, "colony": self.colony.state(),
                 "population": self.population.members, "history": self.history,
                 "rng": self.rng.bit_generator.state, "n_generated": self.n_generated,
                 "n_retries": self.n_retries, "n_guard_restarts": self.n_guard_restarts,
                 "wall": self._wall}
        path = os.fspath(path)
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "wb") as fh:
            pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path, *, trainer=None, verbose=0, error_scale=1.0):
        """Rebuild a search from :meth:`save`'s file; continue it with :meth:`run`.

        The file is a pickle: load only checkpoints you wrote yourself.

        Raises
        ------
        ValueError
            If the file is empty, truncated or corrupt, or is not an ASNE
            checkpoint of this version; the message names the file.
        """
        state = read_checkpoint(path)
        self = cls(state["n_inputs"], state["config"], trainer=trainer,
                   trainer_kwargs=state["trainer_kwargs"], verbose=verbose,
                   error_scale=error_scale)
        self.random_state = state["random_state"]
        self.data_fingerprint = state["data_fingerprint"]
        self.colony.set_state(state["colony"])
        self.population.members = list(state["population"])
        self.history = list(state["history"])
        self.rng.bit_generator.state = state["rng"]
        self.n_generated = state["n_generated"]
        self.n_retries = state["n_retries"]
        self.n_guard_restarts = state["n_guard_restarts"]
        self._wall = state["wall"]
        return self

    # ------------------------------------------------------------ helpers
    def _kwargs(self, cand):
        """Trainer keyword arguments for one candidate."""
        if cand.epochs is None:
            return self.trainer_kwargs
        return {**self.trainer_kwargs, "epochs": cand.epochs}

    def _resolve_trainer(self):
        if self.trainer is not None:
            return self.trainer
        try:
            from .training import train_genome
        except ImportError as exc:  # pragma: no cover - depends on the colleague's module
            raise ImportError("rnnkit.asne.training.train_genome is not available; pass "
                              "trainer=... (a function with its signature)") from exc
        return train_genome

    def _report(self):
        if not self.verbose:
            return
        h = self.history[-1]
        n = len(self.history)
        if self.verbose >= 2 or n % 10 == 0 or h["stage"] != "search":
            label = {"search": "candidates", "refine": "refined", "prune": "pruned"}[h["stage"]]
            print(f"[ASNE] {n:5d} {label}  "
                  f"{h['epochs_spent']:6d} epochs  {h['wall_seconds']:8.1f}s  "
                  f"last mae={h['mae']:.4g} ({h['decision']}, {h['n_nodes']} nodes, "
                  f"{h['n_edges']} edges, {h['n_params']} params)  best mae={h['best_mae']:.4g}",
                  file=sys.stdout, flush=True)


def read_checkpoint(path):
    """The state dict of a checkpoint file, or a ValueError naming the file and the fault."""
    shown = repr(os.fspath(path))
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except IsADirectoryError:
        raise ValueError(f"checkpoint {shown} is a directory, not a checkpoint file") from None
    if not raw:
        raise ValueError(f"checkpoint file {shown} is empty (0 bytes): it was not written "
                         "completely; delete it to start a new search")
    try:
        state = pickle.loads(raw)
    except (EOFError, pickle.UnpicklingError, ValueError) as exc:
        raise ValueError(f"checkpoint file {shown} ({len(raw)} bytes) is truncated or corrupt "
                         f"and cannot be read ({type(exc).__name__}: {exc}); delete it to "
                         "start a new search") from exc
    except (AttributeError, ImportError, TypeError, IndexError, KeyError) as exc:
        raise ValueError(f"checkpoint file {shown} holds objects this version of rnnkit "
                         f"cannot rebuild ({type(exc).__name__}: {exc}); it is not an ASNE "
                         "checkpoint of this version") from exc
    if not isinstance(state, dict) or "version" not in state:
        raise ValueError(f"checkpoint file {shown} is not an ASNE checkpoint: it holds a "
                         f"{type(state).__name__}, not a search state")
    if state["version"] != CHECKPOINT_VERSION:
        raise ValueError(f"checkpoint file {shown} has format version {state['version']!r}; "
                         f"this version of rnnkit reads version {CHECKPOINT_VERSION} only")
    missing = [k for k in CHECKPOINT_KEYS if k not in state]
    if missing:
        raise ValueError(f"checkpoint file {shown} is not a complete ASNE checkpoint: it lacks "
                         f"{missing}")
    return state


def data_fingerprint(data):
    """Digest of a tuple of lists of arrays (shapes and float64 values)."""
    h = hashlib.blake2b(digest_size=16)
    for part in data:
        h.update(f"[{len(part)}]".encode())
        for a in part:
            a = np.ascontiguousarray(a, dtype=np.float64)
            h.update(repr(a.shape).encode())
            h.update(a.data)
    return h.hexdigest()


def _seed_record(random_state):
    """What a checkpoint records of ``random_state``: the int seed, else None."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    return None


def _broken_pool_message(n_returned):
    """Why the local pool broke, and what to do."""
    if n_returned == 0:
        return (
            "a worker of the process pool (n_jobs > 1) exited before returning any candidate. "
            "Each worker starts a fresh Python that imports your main script, so a script "
            "that calls fit must do so under `if __name__ == \"__main__\":` (otherwise every "
            "worker runs the script again and fails; see the worker's traceback above). "
            "Add the guard, or use n_jobs=1 to train in this process.")
    return (f"a worker of the process pool (n_jobs > 1) died after {n_returned} candidates "
            "had returned (killed, or out of memory?); the search state up to the last "
            "result is kept in the checkpoint if one was given")


_WORKER_DATA = None
WATCHDOG_SECONDS = 0.5


def _init_worker(data_path, setup=None):
    """Set up a worker of the local pool: one BLAS and one Numba thread, data loaded.

    ``n_jobs`` workers each running the default thread pools would
    oversubscribe the cores (measured on the coal benchmark: 1.4x instead of
    2.0x candidates per minute with 2 workers on 2 cores).  A watchdog thread
    ends the worker when its parent process dies (e.g. ``kill -9`` of the
    search), so no worker outlives the search.
    """
    global _WORKER_DATA
    import numba
    from threadpoolctl import threadpool_limits
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True,
                     name="rnnkit-asne-watchdog").start()
    numba.set_num_threads(1)  # first: it loads Numba's threading layer (maybe OpenMP)
    threadpool_limits(1)
    if data_path is not None:
        with open(data_path, "rb") as fh:
            _WORKER_DATA = pickle.load(fh)
    if setup is not None:
        setup()


def _watch_parent(parent_pid):
    """Exit this process as soon as ``parent_pid`` stops being its parent."""
    while os.getppid() == parent_pid:
        time.sleep(WATCHDOG_SECONDS)
    os._exit(1)


def _evaluate(trainer, genome, data, seed, kwargs):
    """Train one candidate (runs in a worker); returns ``(result, seconds)``."""
    if data is None:
        data = _WORKER_DATA
    t0 = time.perf_counter()
    result = trainer(genome, *data, random_state=seed, **kwargs)
    return result, time.perf_counter() - t0
