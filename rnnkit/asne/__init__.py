"""ASNE / ANTS: ant colony neuroevolution of RNN topologies (ElSaid, Ororbia & Desell, arXiv:1909.11849)."""
from .colony import Colony
from .config import SearchConfig, make_config
from .estimator import ASNERegressor
from .genome import CELL_TYPES, Genome
from .network import ASNENetwork
from .search import ASNESearch

__all__ = ["ASNERegressor", "ASNENetwork", "ASNESearch", "Colony", "Genome", "SearchConfig",
           "make_config", "CELL_TYPES"]
