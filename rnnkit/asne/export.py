"""Export and drawing of a trained ASNE network: JSON, Graphviz DOT, matplotlib.

:class:`rnnkit.asne.ASNENetwork`'s ``to_dict``, ``to_json``, ``from_json``,
``to_dot`` and ``plot`` call these functions.
"""
import json

import numpy as np

from .genome import CELL_TYPES, Genome

FORMAT = "rnnkit.asne.network/1"
CELL_COLORS = {"simple": "#bbbbbb", "ugrnn": "#8dd3c7", "mgu": "#ffffb3", "gru": "#bebada",
               "delta": "#fb8072", "lstm": "#80b1d3", "linear": "#ffffff"}


def network_to_dict(net):
    """A JSON-ready dict of a network: nodes, edges (with trained weights), params, scores.

    Parameters
    ----------
    net : ASNENetwork

    Returns
    -------
    dict
    """
    g = net.genome
    node_active, edge_active = g.active_elements()
    return {
        "format": FORMAT,
        "n_inputs": int(g.n_inputs), "fitness": _num(net.fitness), "mae": _num(net.mae),
        "nodes": [{"index": i, "colony_id": int(g.node_id[i]), "layer": int(g.node_layer[i]),
                   "cell": CELL_TYPES[g.node_cell[i]], "enabled": bool(g.node_enabled[i]),
                   "active": bool(node_active[i])} for i in range(g.n_nodes)],
        "edges": [{"src": int(g.edge_src[e]), "dst": int(g.edge_dst[e]),
                   "skip": int(g.edge_skip[e]), "innovation": int(g.edge_innovation[e]),
                   "weight": _num(net.edge_weights[e]), "active": bool(edge_active[e])}
                  for e in range(g.n_edges)],
        "params": net.params.tolist(),
        "input_map": None if net.input_map is None else [v.tolist() for v in net.input_map],
        "target_map": None if net.target_map is None else list(net.target_map),
        "baseline_feature": net.baseline_feature,
    }


def network_to_json(net, path=None, **dump_kwargs):
    """JSON text of :func:`network_to_dict`; also written to ``path`` when given."""
    text = json.dumps(network_to_dict(net), **dump_kwargs)
    if path is not None:
        with open(path, "w") as fh:
            fh.write(text)
    return text


def network_fields_from_json(text_or_path):
    """The arguments of ``ASNENetwork`` stored by :func:`network_to_json`.

    Parameters
    ----------
    text_or_path : str or path-like
        JSON text, or the path of a file holding it.

    Returns
    -------
    dict
        ``genome``, ``params``, ``edge_weights``, ``fitness``, ``mae``,
        ``input_map``, ``target_map``, ``baseline_feature``.
    """
    text = text_or_path
    if not str(text).lstrip().startswith("{"):
        with open(text_or_path) as fh:
            text = fh.read()
    d = json.loads(text)
    if d.get("format") != FORMAT:
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
    return {"genome": genome, "params": np.array(d["params"], float), "edge_weights": w,
            "fitness": np.nan if d["fitness"] is None else d["fitness"],
            "mae": np.nan if d["mae"] is None else d["mae"],
            "input_map": d.get("input_map"), "target_map": d.get("target_map"),
            "baseline_feature": d.get("baseline_feature")}


def network_to_dot(net, path=None, active_only=True, feature_names=None):
    """Graphviz DOT text (forward edges solid, recurrent dashed and labelled ``t-d``)."""
    g = net.genome
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
        w = net.edge_weights[e]
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


def plot_network(net, ax=None, feature_names=None, active_only=True):
    """Draw the network with matplotlib (layers left to right).

    Forward edges are grey straight arrows, recurrent edges red dashed
    arcs; nodes are coloured by cell type.  Returns the axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, Patch

    g = net.genome
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
    wmax = np.nanmax(np.abs(net.edge_weights[show_e])) if show_e.any() and np.isfinite(
        net.edge_weights[show_e]).any() else 1.0
    for e in np.flatnonzero(show_e):
        a, b = pos[g.edge_src[e]], pos[g.edge_dst[e]]
        w = net.edge_weights[e]
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
