"""
====================================================
RNN-ELM accuracy against width and ridge on digits
====================================================

The pure RNN-ELM has two parameters that matter most: the number of
dense clusters in its random layer (``n_hidden``) and the ridge term of its
closed-form readout (``alpha``, the paper's :math:`1/\\kappa`).

Accuracy grows with the width until the readout starts to fit noise, which
the ridge term holds back.  Changing ``alpha`` on a fitted estimator re-solves
the readout from the stored sums :math:`\\Phi = H^\\top H` and
:math:`\\Psi = H^\\top Y`, so the sweep over ``alpha`` costs one fit per width.
The default, ``alpha="auto"``, makes the same choice from the same sums by
generalized cross-validation, without the test labels: the dashed line shows
how close it comes to the best ``alpha`` chosen on the test set.
"""

import os
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from rnnkit import NonNegativeScaler, RNNELMClassifier

QUICK = os.environ.get("RNNKIT_QUICK", "0") not in ("", "0")
widths = [50, 200, 800] if QUICK else [25, 50, 100, 200, 400, 800, 1600]
alphas = np.logspace(-10, 2, 5 if QUICK else 9)
seeds = range(1 if QUICK else 3)

X, y = load_digits(return_X_y=True)

# %%
# For every split seed and width, fit once and score every ``alpha``, then
# the default ``alpha="auto"``.
accuracy = np.zeros((len(seeds), len(widths), len(alphas)))
auto_accuracy = np.zeros((len(seeds), len(widths)))
auto_alpha = np.zeros((len(seeds), len(widths)))
start = time.perf_counter()
for s, seed in enumerate(seeds):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed)
    scaler = NonNegativeScaler().fit(X_train)
    Z_train, Z_test = scaler.transform(X_train), scaler.transform(X_test)
    for w, width in enumerate(widths):
        clf = RNNELMClassifier(width, alpha=alphas[0], random_state=seed).fit(Z_train, y_train)
        for a, alpha in enumerate(alphas):
            accuracy[s, w, a] = clf.set_params(alpha=alpha).score(Z_test, y_test)
        auto_accuracy[s, w] = clf.set_params(alpha="auto").score(Z_test, y_test)
        auto_alpha[s, w] = clf.alpha_
print(f"{accuracy.size} scores in {time.perf_counter() - start:.1f} s")

mean = accuracy.mean(axis=0)
best_alpha = alphas[mean.argmax(axis=1)]

# %%
# Left: the test accuracy at the best ``alpha`` of each width (mean and range
# over the splits).  Right: accuracy against ``alpha``, one curve per width.
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
best = accuracy[:, np.arange(len(widths)), mean.argmax(axis=1)]
left.errorbar(widths, best.mean(axis=0),
              yerr=[best.mean(axis=0) - best.min(axis=0), best.max(axis=0) - best.mean(axis=0)],
              marker="o", capsize=3, label="best alpha (chosen on the test set)")
left.plot(widths, auto_accuracy.mean(axis=0), "--", marker="x",
          label='alpha="auto" (default, no test labels)')
left.legend(fontsize=8)
left.set_xscale("log")
left.set_xlabel("n_hidden (clusters)")
left.set_ylabel("test accuracy")
left.set_title("width")
left.grid(alpha=0.3)

colors = plt.cm.viridis(np.linspace(0, 0.9, len(widths)))
for w, width in enumerate(widths):
    right.plot(alphas, mean[w], marker=".", color=colors[w], label=str(width))
right.set_xscale("log")
right.set_xlabel("alpha (ridge term)")
right.set_ylabel("test accuracy")
right.set_title("ridge")
right.legend(title="n_hidden", fontsize=8, ncol=2)
right.grid(alpha=0.3)
fig.tight_layout()
plt.show()

for w, (width, alpha, acc) in enumerate(zip(widths, best_alpha, mean.max(axis=1))):
    print(f"n_hidden={width:5d}: best alpha {alpha:.0e}, accuracy {acc:.4f}; "
          f"alpha='auto' chose {np.median(auto_alpha[:, w]):.1e}, "
          f"accuracy {auto_accuracy[:, w].mean():.4f}")

# %%
# Narrow layers need little regularisation; as the layer widens past the
# number of training samples (1,257 here) the unregularised readout
# interpolates the training set and the best ``alpha`` grows.  On the full
# MNIST the same trade-off appears at larger widths (see the benchmarks'
# ridge sweep).
