"""
======================================
Six recurrent cells on a sequence task
======================================

:class:`~rnnkit.RecurrentClassifier` stacks layers of one of six cells, each
with a hand-written forward and backward pass: the Elman cell, the LSTM, the
GRU, the minimal gated unit (MGU), the update-gate RNN (UGRNN) and the
Delta-RNN.  They are the cells ASNE builds its networks from, and the LSTM and
Elman networks are the SM-RNN paper's baselines.

The task: read scikit-learn's 8x8 digits row by row (8 steps of 8 pixels) and
name the digit after the last row.  Every network has one layer of 24 units
and trains with Adam on the same batches; after every epoch
(:meth:`~rnnkit.RecurrentClassifier.partial_fit` makes one pass) we score the
held-out quarter of the data.
"""

import os
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from rnnkit import RecurrentClassifier

QUICK = os.environ.get("RNNKIT_QUICK", "0") not in ("", "0")
epochs = 8 if QUICK else 25
cells = ["elman", "lstm", "gru", "mgu", "ugrnn", "delta"]

X, y = load_digits(return_X_y=True)
X = (X / 16).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                    random_state=0)

curves, seconds, n_params = {}, {}, {}
for cell in cells:
    clf = RecurrentClassifier(cell, hidden_sizes=24, step_features=8, learning_rate=1e-2,
                              random_state=0)
    clf.partial_fit(X_train[:20], y_train[:20], classes=np.arange(10))  # compile, warm up
    clf = RecurrentClassifier(cell, hidden_sizes=24, step_features=8, learning_rate=1e-2,
                              random_state=0)
    accuracy, start = [], time.perf_counter()
    for _ in range(epochs):
        clf.partial_fit(X_train, y_train, classes=np.arange(10))
        accuracy.append(clf.score(X_test, y_test))
    seconds[cell] = time.perf_counter() - start
    curves[cell], n_params[cell] = accuracy, clf.n_params_
    print(f"{cell:6s} {clf.n_params_:5d} parameters  accuracy {accuracy[-1]:.3f}  "
          f"{seconds[cell]:.1f} s for {epochs} epochs")

# %%
# Held-out accuracy after every epoch, and the final accuracy against the
# training time (the label gives the number of parameters).
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
for cell in cells:
    left.plot(np.arange(1, epochs + 1), curves[cell], marker=".", label=cell)
    right.scatter(seconds[cell], curves[cell][-1], s=40)
    right.annotate(f"{cell} ({n_params[cell]})", (seconds[cell], curves[cell][-1]),
                   textcoords="offset points", xytext=(5, 3), fontsize=8)
left.set_xlabel("epoch")
left.set_ylabel("held-out accuracy")
left.set_ylim(0, 1)
left.legend(ncol=2, fontsize=8)
left.grid(alpha=0.3)
right.set_xlabel(f"training time for {epochs} epochs (s)")
right.set_ylabel("final held-out accuracy")
right.grid(alpha=0.3)
fig.tight_layout()
plt.show()

# %%
# On eight steps every gated cell learns the task; the Elman cell, with no
# gate, has the fewest parameters and is the fastest per epoch.  Gates pay
# off on longer sequences, where they carry information over many steps.
