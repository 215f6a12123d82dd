"""
===========================================
The stigmergic memory of an SM-RNN at work
===========================================

The SM-RNN keeps its memory in a vector of *marks*: at every step a deposit
network adds to them and a removal network takes from them, both looking at
the current input and at the marks themselves, and a soft clamp keeps every
mark between 0 and 10.  :meth:`~rnnkit.StigmergicClassifier.marks` returns the
marks after every step, so the memory can be watched as the network reads.

Here the SM-RNN reads scikit-learn's 8x8 digits row by row (8 steps of 8
pixels) with the paper's spatial configuration of 15 marks.
"""

import os
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from rnnkit import StigmergicClassifier

QUICK = os.environ.get("RNNKIT_QUICK", "0") not in ("", "0")

X, y = load_digits(return_X_y=True)
X = X / 16
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                    random_state=0)

clf = StigmergicClassifier(step_features=8, learning_rate=3e-3,
                           max_epochs=15 if QUICK else 40, random_state=0)
start = time.perf_counter()
clf.fit(X_train, y_train)
accuracy = clf.score(X_test, y_test)
print(f"{clf.n_params_} parameters, {clf.n_iter_} epochs in {time.perf_counter() - start:.1f} s; "
      f"test accuracy {accuracy:.3f} (chance: 0.1)")

# %%
# Top: four test digits.  Bottom: the 15 marks (rows) after each of the 8
# steps (columns), as the network reads the image from top to bottom.
picks = [int(np.flatnonzero(y_test == digit)[0]) for digit in (0, 1, 4, 7)]
trajectories = clf.marks(X_test[picks])            # (4 digits, 8 steps, 15 marks)
predicted = clf.predict(X_test[picks])

fig, axes = plt.subplots(2, len(picks), figsize=(11, 5.5),
                         gridspec_kw={"height_ratios": [1, 1.4]})
for k, i in enumerate(picks):
    axes[0, k].imshow(X_test[i].reshape(8, 8), cmap="gray_r")
    axes[0, k].set_title(f"digit {y_test[i]}, predicted {predicted[k]}")
    axes[0, k].axis("off")
    image = axes[1, k].imshow(trajectories[k].T, aspect="auto", cmap="viridis",
                              vmin=0, vmax=10)
    axes[1, k].set_xlabel("step (image row)")
    axes[1, k].set_xticks(range(8), range(1, 9))
axes[1, 0].set_ylabel("mark")
fig.colorbar(image, ax=axes[1, :].tolist(), label="mark value", shrink=0.9)
plt.show()

# %%
# The marks of different digits part ways as soon as their rows differ; the
# classifier reads only the marks after the last row.  Left without deposit or
# removal, a mark drifts towards 5, the middle of the clamp, so values held
# near 0 or 10 are kept there by the deposit and removal networks.
#
# Learning curve: the mean training loss of each epoch.
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(np.arange(1, len(clf.loss_curve_) + 1), clf.loss_curve_, marker=".")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.set_title(f"SM-RNN on digits, test accuracy {accuracy:.3f}")
fig.tight_layout()
plt.show()
