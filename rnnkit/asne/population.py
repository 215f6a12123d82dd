"""The population of trained RNNs, sorted by fitness (best validation MSE)."""
from dataclasses import dataclass

import numpy as np


@dataclass
class Member:
    """One trained RNN.

    Attributes
    ----------
    fitness : float
        Best validation MSE.
    mae : float
        Validation MAE at the best epoch.
    genome : Genome
    params : ndarray of float64
        Trained flat parameter vector (layout of the trainer).
    edge_weights : ndarray of float64, shape (genome.n_edges,)
    n_params : int
    index : int
        Candidate number (order of generation).
    key : tuple
        Structure key (see :func:`structure_key`).
    node_params : ndarray of float64, shape (genome.n_nodes, MAX_CELL_PARAMS) or None
        Trained cell parameters (None when the trainer does not report them).
    """

    fitness: float
    mae: float
    genome: object
    params: np.ndarray
    edge_weights: np.ndarray
    n_params: int
    index: int
    key: tuple
    node_params: np.ndarray = None


def structure_key(genome):
    """Active colony nodes with their cell types, and active innovation numbers."""
    node_active, edge_active = genome.active_elements()
    nodes = tuple(zip(genome.node_id[node_active].tolist(), genome.node_cell[node_active].tolist()))
    return tuple(sorted(nodes)), tuple(sorted(genome.edge_innovation[edge_active].tolist()))


class Population:
    """At most ``size`` members, best first.

    ``offer`` decides: replace a member of
    the same structure when better, insert when not full or better than the
    worst, reject otherwise.
    """

    def __init__(self, size):
        self.size = int(size)
        self.members = []

    def __len__(self):
        return len(self.members)

    def __iter__(self):
        return iter(self.members)

    def __getitem__(self, i):
        return self.members[i]

    @property
    def best(self):
        return self.members[0] if self.members else None

    @property
    def best_fitness(self):
        return self.members[0].fitness if self.members else np.inf

    @property
    def worst_fitness(self):
        return self.members[-1].fitness if self.members else np.inf

    @property
    def full(self):
        return len(self.members) >= self.size

    def decide(self, fitness, key):
        """What would happen to an RNN: ``"replace"``, ``"insert"``, ``"reject"`` or ``"penalize"``.

        ``"reject"``: a duplicate that is not better (no pheromone change);
        ``"penalize"``: worse than the worst of a full population.
        """
        if not np.isfinite(fitness):
            return "penalize" if self.full else "reject"
        for m in self.members:
            if m.key == key:
                if fitness < m.fitness:
                    return "replace"
                return "penalize" if self.full and fitness > self.worst_fitness else "reject"
        if self.full and fitness > self.worst_fitness:
            return "penalize"
        if self.full and fitness == self.worst_fitness:
            return "reject"
        return "insert"

    def substitute(self, old, member):
        """Put ``member`` in the place of ``old`` (and of any member of its structure)."""
        self.members = [m for m in self.members if m is not old and m.key != member.key]
        self.apply(member, "insert")

    def apply(self, member, decision):
        """Carry out a decision of :meth:`decide`."""
        if decision == "replace":
            self.members = [m for m in self.members if m.key != member.key]
        if decision in ("replace", "insert"):
            self.members.append(member)
            self.members.sort(key=lambda m: (m.fitness, m.index))
            del self.members[self.size:]
