"""
============================================================
Tuning an RNN-ELM pipeline with GridSearchCV on tabular data
============================================================

Every rnnkit model is a scikit-learn estimator, so a pipeline of a scaler and
an RNN-ELM is tuned like any other.  On the breast cancer data set (569
samples, 30 features on very different scales, shipped with scikit-learn) we
search the width of the random layer, the ridge term of the readout and the
input scaling: the RNN-ELM needs nonnegative inputs, and
:class:`~rnnkit.NonNegativeScaler` maps all features with one shared range
(``scale="global"``) or each feature with its own (``scale="feature"``).
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline

from rnnkit import NonNegativeScaler, RNNELMClassifier

QUICK = os.environ.get("RNNKIT_QUICK", "0") not in ("", "0")

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                    random_state=0)

pipe = Pipeline([("scale", NonNegativeScaler()),
                 ("rnn", RNNELMClassifier(random_state=0))])
param_grid = {
    "scale__scale": ["global", "feature"],
    "rnn__n_hidden": [25, 100, 400] if QUICK else [25, 50, 100, 200, 400],
    "rnn__alpha": np.logspace(-8, 0, 3 if QUICK else 5),
}
search = GridSearchCV(pipe, param_grid, cv=StratifiedKFold(3 if QUICK else 5, shuffle=True,
                                                           random_state=0))
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"cross-validated accuracy {search.best_score_:.4f}, "
      f"test accuracy {search.score(X_test, y_test):.4f}")

# %%
# The mean cross-validated accuracy over the grid, one panel per scaling.
# Too large a ridge term underfits, whatever the width; the grid search picks
# the best cell of either panel and refits it on the whole training set.
results = search.cv_results_
widths = param_grid["rnn__n_hidden"]
alphas = param_grid["rnn__alpha"]
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True, layout="constrained")
for ax, scale in zip(axes, param_grid["scale__scale"]):
    grid = np.full((len(alphas), len(widths)), np.nan)
    for params, score in zip(results["params"], results["mean_test_score"]):
        if params["scale__scale"] == scale:
            grid[list(alphas).index(params["rnn__alpha"]),
                 widths.index(params["rnn__n_hidden"])] = score
    image = ax.imshow(grid, vmin=0.6, vmax=1.0, cmap="viridis", origin="lower", aspect="auto")
    for (i, j), value in np.ndenumerate(grid):
        ax.text(j, i, f"{value:.3f}", ha="center", va="center", fontsize=7,
                color="white" if value < 0.9 else "black")
    ax.set_xticks(range(len(widths)), widths)
    ax.set_yticks(range(len(alphas)), [f"{a:.0e}" for a in alphas])
    ax.set_xlabel("n_hidden")
    ax.set_title(f'NonNegativeScaler(scale="{scale}")')
axes[0].set_ylabel("alpha")
fig.colorbar(image, ax=axes, label="mean CV accuracy", shrink=0.9)
plt.show()
