"""
==================================================
An ASNE search: the best network and its progress
==================================================

:class:`~rnnkit.ASNERegressor` lets a colony of ants build recurrent networks
from a superstructure of input, hidden and output nodes, trains every network
it builds for a few epochs, and feeds the validation error back into the
pheromones that guide the next ants.

The task: forecast the next value of a noisy oscillation from its current
value and a second, noise-free signal in phase with it (a synthetic stand-in
for the coal-burner data of the paper).  Any forecaster must beat
**persistence**, repeating the last value, which is hard to beat on smooth
series.  The search runs with the estimator's default settings; only the
number of candidates is set.
"""

import os
import time

import matplotlib.pyplot as plt
import numpy as np

from rnnkit import ASNERegressor

QUICK = os.environ.get("RNNKIT_QUICK", "0") not in ("", "0")
rng = np.random.default_rng(0)


def oscillations(n_series, n_steps):
    """Inputs ``(n_steps, 2)`` and next-step targets ``(n_steps,)`` per series."""
    X, y = [], []
    for _ in range(n_series):
        t = np.arange(n_steps + 1)
        phase = rng.uniform(0, 2 * np.pi)
        level = 0.5 + 0.3 * np.sin(0.3 * t + phase) + 0.05 * rng.standard_normal(n_steps + 1)
        features = np.column_stack([level, np.cos(0.3 * t + phase)])
        X.append(features[:-1])
        y.append(level[1:])
    return X, y


X_train, y_train = oscillations(24, 100)
X_val, y_val = oscillations(8, 100)


def mae(predictions, targets):
    return float(np.mean([np.mean(np.abs(p - t)) for p, t in zip(predictions, targets)]))


persistence = mae([x[:, 0] for x in X_val], y_val)

search = ASNERegressor(n_candidates=30 if QUICK else 100, random_state=0)
start = time.perf_counter()
search.fit(X_train, y_train, validation_data=(X_val, y_val))
print(f"{len(search.history_['mae'])} candidates in {time.perf_counter() - start:.1f} s")
print(f"validation MAE: persistence {persistence:.4f}, "
      f"ASNE best network {mae(search.predict(X_val), y_val):.4f}")
print(search.best_network_)

# %%
# Left: the validation MAE of every candidate in the order they finished, and
# the best so far, against persistence.  Right: the best network, inputs on
# the left and the output on the right; forward edges are grey, recurrent
# edges red and dashed, and nodes are coloured by cell type.
history = search.history_
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5),
                                  gridspec_kw={"width_ratios": [1, 1.4]})
order = np.arange(1, len(history["mae"]) + 1)
left.plot(order, history["mae"], "o", color="0.6", markersize=4, label="candidate")
left.plot(order, np.minimum.accumulate(history["mae"]), "k-", label="best so far")
left.axhline(persistence, color="C3", linestyle="--", label="persistence")
left.set_yscale("log")
left.set_xlabel("candidate (completion order)")
left.set_ylabel("validation MAE")
left.legend()
search.best_network_.plot(ax=right, feature_names=["level", "phase"])
fig.tight_layout()
plt.show()

# %%
# The network is a sparse recurrent graph of scalar cells; it exports to JSON
# (:meth:`~rnnkit.asne.ASNENetwork.to_json`) and Graphviz DOT
# (:meth:`~rnnkit.asne.ASNENetwork.to_dot`).
print(search.best_network_.summary())
