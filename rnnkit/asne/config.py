"""Search settings and the two behaviour modes.

``mode="intended"`` applies the rules as the papers describe them;
``mode="faithful"`` reproduces the reference code (``travisdesell/exact``,
branch ``adding_ant_colony``, commit ``e0402de``); ``mode="extended"`` has
the intended rules (it differs from "intended" only in the defaults the
estimator picks, see :class:`rnnkit.asne.ASNERegressor`).  Each switch that
differs between the modes can also be set on its own through ``overrides``.
"""
from dataclasses import dataclass, fields, replace

ANT_SPECIES = ("standard", "explorer")
SOCIAL_ANTS = (None, "forward", "backward", "both")
REWARD_RULES = ("regularized", "constant", "fixed")
WEIGHT_NORMS = ("l1", "l2")
LAMARCKIAN = (None, "copy", "constant", "fitness", "elite", "best")
INHERIT = ("edges", "all")
IO_CELLS = ("sampled", "simple", "linear")
NEW_WEIGHTS = ("uniform", "normal", "zero")
MODES = ("extended", "intended", "faithful")

# switch: (faithful value, intended value)
MODE_SWITCHES = {
    "honour_bias_flag": (False, True),          # faithful: forward bias always on
    "force_zero_reg": (True, False),            # faithful: lambda reset to 0 by a CLI bug
    "signed_l1": (True, False),                 # faithful: L1 term sums signed weights
    "inverted_fitness_alpha": (True, False),    # faithful: alpha 0 for the best RNN
    "reversed_backward_social": (True, False),  # faithful: reversed opposite-direction lines
    "evaporate_output_types": (False, True),    # faithful: outputs' type pheromones skipped
    "constant_edge_penalty": (False, True),     # faithful: edges never penalised (constant)
    "ordered_tau_min": (True, False),           # faithful: tau_min depends on update order
    "swapped_lamarck_flags": (True, False),     # faithful: copy <-> pheromone-scaling swapped
    "const_alpha_init": (False, True),          # faithful: const alpha not used to initialise
    "error_seed": ("faithful", "corrected"),    # trainer's output error seed
    "nesterov": ("faithful", "standard"),        # trainer's Nesterov form
}


@dataclass(frozen=True)
class SearchConfig:
    """Every setting of one ASNE search.  Build it with :func:`make_config`."""

    # superstructure
    hidden_layers: int = 3
    hidden_nodes: int = 12
    max_recurrent_depth: int = 3
    # ants
    n_ants: int = 20
    ants: str = "standard"
    social: str = None
    jumps: bool = False
    forward_bias: bool = True
    io_cells: str = "sampled"          # or "simple", "linear"
    direct_inputs: bool = False         # every input has a forward line to every output
    max_retries: int = 1000
    # pheromones
    reward: str = "regularized"
    deposit: float = 0.03               # d, "pheromone_decay_parameter"
    evaporation: float = 0.05           # rho, "pheromone_update_strength"
    weight_reg: float = 0.0             # lambda
    weight_norm: str = "l2"
    # Lamarckian colony weights
    lamarckian: str = None
    lamarckian_alpha: float = 0.5
    inherit: str = "edges"              # or "all": cell parameters too
    new_weights: str = "uniform"        # or "normal" (EXAMM): draws for uninherited values
    evaluate_initial: bool = False      # the start values compete for the best epoch
    pheromone_weights: bool = False     # experimental: w_c *= tau_e / max tau
    # population
    population_size: int = 10
    refine_members: int = 1             # the refinement trains the union of the best k
    # mode switches
    mode: str = "intended"
    honour_bias_flag: bool = True
    force_zero_reg: bool = False
    signed_l1: bool = False
    inverted_fitness_alpha: bool = False
    reversed_backward_social: bool = False
    evaporate_output_types: bool = True
    constant_edge_penalty: bool = True
    ordered_tau_min: bool = False
    swapped_lamarck_flags: bool = False
    const_alpha_init: bool = True
    error_seed: str = "corrected"
    nesterov: str = "standard"

    # ---------------------------------------------------------- derived
    @property
    def use_bias(self):
        return self.forward_bias or not self.honour_bias_flag

    @property
    def effective_weight_reg(self):
        return 0.0 if self.force_zero_reg else self.weight_reg

    @property
    def lamarck_update(self):
        """The colony-weight updates that actually run, as a set of names."""
        active = set()
        copy, pheromone = self.lamarckian == "copy", self.pheromone_weights
        if self.swapped_lamarck_flags:
            copy, pheromone = pheromone, copy
        if copy:
            active.add("copy")
        if pheromone:
            active.add("pheromone")
        if self.lamarckian == "constant":
            active.add("constant")
        if self.lamarckian == "fitness":
            active.add("fitness")
        return active

    @property
    def lamarck_init(self):
        """True when new RNN edges start from the colony weights (``elite``: from members)."""
        if self.lamarckian in ("copy", "fitness") or self.pheromone_weights:
            return True
        return self.lamarckian == "constant" and self.const_alpha_init


def make_config(mode="intended", **overrides):
    """Resolve ``mode`` into every switch, then apply ``overrides``.

    Parameters
    ----------
    mode : {"extended", "intended", "faithful"}
    **overrides
        Any :class:`SearchConfig` field; ``None`` values are ignored.

    Returns
    -------
    SearchConfig
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    names = {f.name for f in fields(SearchConfig)}
    unknown = set(overrides) - names
    if unknown:
        raise TypeError(f"unknown search settings: {sorted(unknown)}")
    base = {k: v[0] if mode == "faithful" else v[1] for k, v in MODE_SWITCHES.items()}
    base["mode"] = mode
    if mode == "faithful":
        base["max_recurrent_depth"] = 3
    base.update({k: v for k, v in overrides.items()
                 if v is not None or k in ("social", "lamarckian")})
    config = replace(SearchConfig(), **base)
    _check(config)
    return config


def _check(c):
    def one_of(name, options):
        if getattr(c, name) not in options:
            raise ValueError(f"{name} must be one of {options}, got {getattr(c, name)!r}")

    one_of("ants", ANT_SPECIES)
    one_of("social", SOCIAL_ANTS)
    one_of("reward", REWARD_RULES)
    one_of("weight_norm", WEIGHT_NORMS)
    one_of("lamarckian", LAMARCKIAN)
    one_of("inherit", INHERIT)
    one_of("new_weights", NEW_WEIGHTS)
    one_of("io_cells", IO_CELLS)
    one_of("error_seed", ("faithful", "corrected"))
    one_of("nesterov", ("faithful", "standard"))
    if c.social is not None and c.ants != "explorer":
        raise ValueError(f"social={c.social!r} needs ants='explorer', got ants={c.ants!r}")
    for name in ("n_ants", "population_size", "max_retries", "hidden_nodes",
                 "max_recurrent_depth", "refine_members"):
        if int(getattr(c, name)) != getattr(c, name) or getattr(c, name) < 1:
            raise ValueError(f"{name} must be a positive integer, got {getattr(c, name)!r}")
    if int(c.hidden_layers) != c.hidden_layers or c.hidden_layers < 0:
        raise ValueError(f"hidden_layers must be an integer >= 0, got {c.hidden_layers!r}")
    if not c.deposit > 0:
        raise ValueError(f"deposit must be > 0, got {c.deposit!r}")
    if not 0 <= c.evaporation <= 1:
        raise ValueError(f"evaporation must be in [0, 1], got {c.evaporation!r}")
    if not c.weight_reg >= 0:
        raise ValueError(f"weight_reg must be >= 0, got {c.weight_reg!r}")
    if not 0 <= c.lamarckian_alpha <= 1:
        raise ValueError(f"lamarckian_alpha must be in [0, 1], got {c.lamarckian_alpha!r}")
