"""A trained ASNE network: genome plus parameters, with export and drawing."""
import json

import numpy as np

from .genome import CELL_TYPES, Genome

CELL_COLORS = {"simple": "#bbbbbb", "ugrnn": "#8dd3c7", "mgu": "#ffffb3", "gru": "#bebada",
               "delta": "#fb8072", "lstm": "#80b1d3", "linear": "#ffffff"}


class ASNENetwork:
    """A genome with trained parameters.

    Parameters
    ----------
    genome : Genome
    params : ndarray of float64, shape (n_params,)
        Flat parameters in the trainer's layout.
    edge_weights : ndarray of float64, shape (genome.n_edges,), optional
        Trained weight of each edge (NaN for inactive edges).
    fitness, mae : float
        Best validation MSE and the MAE at that epoch, in the target's units.
    predictor : callable, optional
        ``predictor(genome, params, X_list) -> list of 1-D arrays``; defaults
        to :func:`rnnkit.asne.training.predict_genome`.
    input_map : tuple (scale, offset) of ndarray of shape (n_features,), optional
        The network reads ``X * scale + offset`` (the estimator's input
        scaling); None reads ``X`` as it is.
    target_map : tuple (scale, offset) of float, optional
        The network's output ``o`` is returned as ``(o - offset) / scale``;
        None returns ``o``.
    """

    def __init__(self, genome, params, edge_weights=None, fitness=np.nan, mae=np.nan,
                 predictor=None, input_map=None, target_map=None):
        self.genome = genome
        self.params = np.asarray(params, dtype=np.float64)
        self.edge_weights = (np.full(genome.n_edges, np.nan) if edge_weights is None
                             else np.asarray(edge_weights, dtype=np.float64))
        self.fitness = float(fitness)
        self.mae = float(mae)
        self.predictor = predictor
        self.input_map = None if input_map is None else tuple(
            np.asarray(v, dtype=np.float64) for v in input_map)
        self.target_map = None if target_map is None else tuple(float(v) for v in target_map)

    # --------------------------------------------------------------- summary
    @property
    def n_params(self):
        return len(self.params)

    def summary(self):
        """Counts of active nodes per cell type and of active edges per skip (dict)."""
        node_active, edge_active = self.genome.active_elements()
        cells = self.genome.node_cell[node_active]
        skips = self.genome.edge_skip[edge_active]
        return {"n_nodes": int(node_active.sum()), "n_edges": int(edge_active.sum()),
                "n_params": self.n_params,
                "cells": {CELL_TYPES[k]: int((cells == k).sum()) for k in np.unique(cells)},
                "skips": {int(d): int((skips == d).sum()) for d in np.unique(skips)}}

    def __repr__(self):
        s = self.summary()
        return (f"ASNENetwork({s['n_nodes']} active nodes, {s['n_edges']} active edges, "
                f"{s['n_params']} params, fitness={self.fitness:.4g}, mae={self.mae:.4g})")

    # --------------------------------------------------------------- use
    def predict(self, X_list):
        """Per-step outputs, a list of arrays of shape (T_k,), in the target's units."""
        predictor = self.predictor
        if predictor is None:
            from .training import predict_genome as predictor
        if self.input_map is not None:
            scale, offset = self.input_map
            X_list = [np.asarray(x, dtype=np.float64) * scale + offset for x in X_list]
        out = predictor(self.genome, self.params, X_list)
        if self.target_map is not None:
            scale, offset = self.target_map
            out = [(np.asarray(o, dtype=np.float64) - offset) / scale for o in out]
        return out

    # --------------------------------------------------------------- export
    def to_dict(self):
        """A JSON-ready dict: nodes, edges (with trained weights), params, scores."""
        g = self.genome
        node_active, edge_active = g.active_elements()
        return {
            "format": "rnnkit.asne.network/1",
            "n_inputs": int(g.n_inputs), "fitness": _num(self.fitness), "mae": _num(self.mae),
            "nodes": [{"index": i, "colony_id": int(g.node_id[i]), "layer": int(g.node_layer[i]),
                       "cell": CELL_TYPES[g.node_cell[i]], "enabled": bool(g.node_enabled[i]),
                       "active": bool(node_active[i])} for i in range(g.n_nodes)],
            "edges": [{"src": int(g.edge_src[e]), "dst": int(g.edge_dst[e]),
                       "skip": int(g.edge_skip[e]), "innovation": int(g.edge_innovation[e]),
                       "weight": _num(self.edge_weights[e]), "active": bool(edge_active[e])}
                      for e in range(g.n_edges)],
            "params": self.params.tolist(),
            "input_map": None if self.input_map is None else [v.tolist() for v in self.input_map],
            "target_map": None if self.target_map is None else list(self.target_map),
        }

    def to_json(self, path=None, **dump_kwargs):
        """JSON text of :meth:`to_dict`; also written to ``path`` when given."""
        text = json.dumps(self.to_dict(), **dump_kwargs)
        if path is not None:
            with open(path, "w") as fh:
                fh.write(text)
        return text

    @classmethod
    def from_json(cls, text_or_path, predictor=None):
        """Rebuild a network from :meth:`to_json` output (text or file path)."""
        text = text_or_path
        if not str(text).lstrip().startswith("{"):
            with open(text_or_path) as fh:
                text = fh.read()
        d = json.loads(text)
        if d.get("format") != "rnnkit.asne.network/1":
            raise ValueError(f"not an ASNE network JSON (format={d.get('format')!r})")
        nodes, edges = d["nodes"], d["edges"]
        arr = lambda rows, key, dt: np.array([r[key] for r in rows], dtype=dt)  # noqa: E731
        genome = Genome(
            n_inputs=d["n_inputs"], node_layer=arr(nodes, "layer", np.int64),
            node_cell=np.array([CELL_TYPES.index(n["cell"]) for n in nodes], np.int64),
            node_enabled=arr(nodes, "enabled", bool), node_id=arr(nodes, "colony_id", np.int64),
            edge_src=arr(edges, "src", np.int64), edge_dst=arr(edges, "dst", np.int64),
            edge_skip=arr(edges, "skip", np.int64),
            edge_innovation=arr(edges, "innovation", np.int64))
        w = np.array([np.nan if e["weight"] is None else e["weight"] for e in edges], float)
        return cls(genome, np.array(d["params"], float), w,
                   np.nan if d["fitness"] is None else d["fitness"],
                   np.nan if d["mae"] is None else d["mae"], predictor,
                   d.get("input_map"), d.get("target_map"))

    def to_dot(self, path=None, active_only=True, feature_names=None):
        """Graphviz DOT text (forward edges solid, recurrent dashed and labelled ``t-d``)."""
        g = self.genome
        node_active, edge_active = g.active_elements()
        show_n = node_active | (g.node_layer == 0) if active_only else np.ones(g.n_nodes, bool)
        show_e = edge_active if active_only else np.ones(g.n_edges, bool)
        lines = ["digraph asne {", "  rankdir=LR;", "  node [shape=circle, style=filled, fontsize=10];"]
        for layer in np.unique(g.node_layer):
            members = [i for i in np.flatnonzero(g.node_layer == layer) if show_n[i]]
            lines.append("  { rank=same; " + " ".join(f"n{i};" for i in members) + " }")
            for i in members:
                cell = CELL_TYPES[g.node_cell[i]]
                name = _node_name(g, i, feature_names)
                style = "" if node_active[i] else ", fontcolor=gray, color=gray, fillcolor=white"
                lines.append(f'  n{i} [label="{name}\\n{cell}", fillcolor="{CELL_COLORS[cell]}"{style}];')
        for e in np.flatnonzero(show_e):
            w = self.edge_weights[e]
            label = f"{w:.2f}" if np.isfinite(w) else ""
            if g.edge_skip[e] > 0:
                label = f"t-{g.edge_skip[e]} {label}".strip()
                attrs = f'style=dashed, color="#d62728", constraint=false, label="{label}"'
            else:
                attrs = f'label="{label}"'
            lines.append(f"  n{g.edge_src[e]} -> n{g.edge_dst[e]} [{attrs}, fontsize=8];")
        lines.append("}")
        text = "\n".join(lines) + "\n"
        if path is not None:
            with open(path, "w") as fh:
                fh.write(text)
        return text

    def plot(self, ax=None, feature_names=None, active_only=True):
        """Draw the network with matplotlib (layers left to right).

        Forward edges are grey straight arrows, recurrent edges red dashed
        arcs; nodes are coloured by cell type.  Returns the axes.
        """
        import matplotlib.pyplot as plt
        from matplotlib.patches import FancyArrowPatch, Patch

        g = self.genome
        node_active, edge_active = g.active_elements()
        show_n = node_active | (g.node_layer == 0) if active_only else np.ones(g.n_nodes, bool)
        show_e = edge_active if active_only else np.ones(g.n_edges, bool)
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 5))
        pos = {}
        for layer in np.unique(g.node_layer):
            members = [i for i in np.flatnonzero(g.node_layer == layer) if show_n[i]]
            for k, i in enumerate(members):
                pos[i] = (float(layer), (k + 1) / (len(members) + 1))
        wmax = np.nanmax(np.abs(self.edge_weights[show_e])) if show_e.any() and np.isfinite(
            self.edge_weights[show_e]).any() else 1.0
        for e in np.flatnonzero(show_e):
            a, b = pos[g.edge_src[e]], pos[g.edge_dst[e]]
            w = self.edge_weights[e]
            lw = 0.4 + 2.0 * (abs(w) / wmax if np.isfinite(w) and wmax > 0 else 0.2)
            rec = g.edge_skip[e] > 0
            if a == b:  # self-loop
                ax.add_patch(FancyArrowPatch((a[0] - .03, a[1] + .02), (a[0] + .03, a[1] + .02),
                                             connectionstyle="arc3,rad=-2.5", arrowstyle="-|>",
                                             mutation_scale=8, color="#d62728", lw=lw, ls="--"))
                continue
            ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=8,
                                         shrinkA=7, shrinkB=7, lw=lw, alpha=0.7,
                                         color="#d62728" if rec else "#555555",
                                         ls="--" if rec else "-",
                                         connectionstyle="arc3,rad=0.3" if rec else "arc3"))
        for i, (x, y) in pos.items():
            cell = CELL_TYPES[g.node_cell[i]]
            ax.scatter([x], [y], s=260, c=CELL_COLORS[cell] if node_active[i] else "white",
                       edgecolors="k" if node_active[i] else "#aaaaaa", zorder=3)
            ax.annotate(_node_name(g, i, feature_names), (x, y), ha="center", va="center",
                        fontsize=6, zorder=4)
        ax.legend(handles=[Patch(color=c, label=k) for k, c in CELL_COLORS.items()],
                  loc="upper center", ncol=6, fontsize=7, bbox_to_anchor=(0.5, 1.08), frameon=False)
        layers = np.unique(g.node_layer)
        ax.set_xticks(layers, ["input" if l == 0 else "output" if l == layers.max() else f"hidden {l}"
                               for l in layers])
        ax.set_yticks([])
        ax.set_xlim(layers.min() - 0.4, layers.max() + 0.4)
        ax.set_ylim(0, 1)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        return ax


def _node_name(g, i, feature_names=None):
    if g.node_layer[i] == 0:
        k = int(g.node_id[i])
        return str(feature_names[k]) if feature_names is not None else f"x{k}"
    if g.node_layer[i] == g.node_layer.max():
        return "out"
    return f"h{int(g.node_id[i])}"


def _num(x):
    x = float(x)
    return x if np.isfinite(x) else None
