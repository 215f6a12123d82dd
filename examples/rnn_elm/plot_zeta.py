"""
=========================================
The cluster activation zeta and its slope
=========================================

A dense cluster of :math:`n` random-neural-network neurons answers an
inhibitory input :math:`x \\ge 0` with the excitation probability
:math:`\\zeta(x)` (Equation 8 of Yin & Gelenbe).  It depends on five
parameters: the cluster size :math:`n`, the soma-to-soma interaction
probability :math:`p`, the external rates :math:`\\lambda^+ = \\lambda^-`
and the firing rate :math:`r`.

On a linear axis every curve drops from about 1 to near 0 within
:math:`x < 0.02` and they look alike; a logarithmic axis shows where they
differ.  We vary one parameter at a time around the defaults
:math:`(n, p, \\lambda, r) = (20, 0.05, 0.005, 0.001)` and shade the inputs
where the curves of a panel differ by more than 1 %.
"""

import matplotlib.pyplot as plt
import numpy as np

from rnnkit.kernels.gnetwork import ClusterParams, zeta_and_derivative

x = np.logspace(-6, 1, 400)
defaults = dict(n=20, p=0.05, lambda_plus=0.005, lambda_minus=0.005, r=0.001)
variations = {
    r"$\lambda^+ = \lambda^-$": ("lambda", [0.001, 0.005, 0.02]),
    "$n$": ("n", [5, 20, 50]),
    "$p$": ("p", [0.01, 0.05, 0.2]),
    "$r$": ("r", [0.0005, 0.001, 0.01]),
}

fig, axes = plt.subplots(2, 4, figsize=(14, 6), sharex=True, sharey="row")
for column, (label, (name, values)) in enumerate(variations.items()):
    curves = []
    for value in values:
        params = dict(defaults)
        if name == "lambda":
            params["lambda_plus"] = params["lambda_minus"] = value
        else:
            params[name] = value
        z, dz = zeta_and_derivative(x, ClusterParams(**params))
        curves.append(z)
        axes[0, column].plot(x, z, label=f"{value:g}")
        axes[1, column].plot(x, -dz)
    curves = np.array(curves)
    apart = (curves.max(axis=0) - curves.min(axis=0)) / curves.max(axis=0) > 0.01
    for ax in axes[:, column]:
        ax.fill_between(x, 0, 1, where=apart, color="0.9", transform=ax.get_xaxis_transform())
        ax.axvline(0.1, color="0.4", linestyle=":", linewidth=1)
    axes[0, column].set_title(f"varying {label}")
    axes[0, column].legend(title=label, fontsize=8)
    axes[1, column].set_xlabel("inhibitory input $x$")

axes[0, 0].set_xscale("log")
axes[0, 0].set_ylabel(r"$\zeta(x)$")
axes[1, 0].set_yscale("log")
axes[1, 0].set_ylabel(r"$-\zeta'(x)$")
fig.suptitle("shaded: the curves differ by more than 1 %; dotted: x = 0.1, "
             "the largest pre-activation of an RNN-ELM layer")
fig.tight_layout()
plt.show()

# %%
# :math:`n` and :math:`p` only matter for small inputs, below about
# :math:`x = 0.01`, and :math:`r` below about 0.1: they set the ceiling
# :math:`\zeta(0)` and the slope there.  For larger inputs every curve follows
# :math:`\zeta(x) \approx \lambda^+ / x`, so the external rate
# :math:`\lambda` is the parameter that moves the whole curve.
# The RNN-ELM estimators scale their random weights so that the largest
# training pre-activation is 0.1: most inputs fall in the steep part left of
# the dotted line.
print("zeta(0) with the defaults:", round(ClusterParams().zeta0, 4))
