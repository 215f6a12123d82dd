"""Sphinx configuration of the rnnkit documentation.

Build (from the repository root, after ``pip install -e ".[docs]"``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

``RNNKIT_QUICK=1`` runs the example gallery with small budgets (what CI
does); without it every example runs its full budget.  The build needs no
network: no intersphinx inventory is fetched.
"""
import importlib
import os
import re
import sys
from pathlib import Path

from sphinx.util import logging

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # document this checkout, whatever else is installed

import rnnkit  # noqa: E402

logger = logging.getLogger("rnnkit.docs")

# -- project -----------------------------------------------------------------
project = "rnnkit"
author = "The rnnkit developers"
copyright = "2026, the rnnkit developers"
version = release = rnnkit.__version__

# -- general -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb",
                    "auto_examples/**/*.py", "auto_examples/**/*.json", "auto_examples/**/*.zip"]
default_role = "literal"
pygments_style = "sphinx"
math_number_all = False

# -- API reference -----------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"rnnkit {release}"
html_static_path = ["_static"]
html_theme_options = {
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "secondary_sidebar_items": ["page-toc"],
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "install": []}
html_show_sourcelink = False

# -- example gallery ---------------------------------------------------------
QUICK = os.environ.get("RNNKIT_QUICK", "0") not in ("", "0")

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("rnnkit",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"rnnkit": None},
    "remove_config_comments": True,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "show_signature": False,
    "image_scrapers": ("matplotlib",),
    "min_reported_time": 5,
}


# -- every public name is in the API reference -------------------------------
PUBLIC_MODULES = ("rnnkit", "rnnkit.elm", "rnnkit.recurrent", "rnnkit.asne",
                  "rnnkit.datasets")


def documented_objects(api_rst):
    """Objects listed under ``autosummary`` in ``api.rst`` (by identity)."""
    objects, module = [], "rnnkit"
    in_autosummary = False
    for line in api_rst.read_text().splitlines():
        if m := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = m.group(1)
        elif line.startswith(".. autosummary::"):
            in_autosummary = True
        elif in_autosummary and line and not line[0].isspace():
            in_autosummary = False
        elif in_autosummary and (m := re.match(r"\s+([A-Za-z_][\w.]*)$", line)):
            parent, _, name = f"{module}.{m.group(1)}".rpartition(".")
            objects.append(getattr(importlib.import_module(parent), name))
    return objects


def check_api_coverage(app):
    """Warn (an error under ``-W``) for a public name missing from api.rst."""
    documented = {id(obj) for obj in documented_objects(Path(app.srcdir) / "api.rst")}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if id(getattr(module, name)) not in documented:
                logger.warning(f"{module_name}.{name} is public but not in docs/api.rst")


# -- inherited scikit-learn methods -----------------------------------------
SKIPPED_MEMBERS = re.compile(r"^(set_\w+_request|get_metadata_routing)$")
SKLEARN_ROLE = re.compile(r":(?:ref|term):`(?:([^`<]*?)\s*<[^`>]*>|([^`]*))`")


def skip_metadata_routing(app, what, name, obj, skip, options):
    """Leave out scikit-learn's metadata-routing plumbing (set_*_request)."""
    return True if SKIPPED_MEMBERS.match(name) else None


def plain_sklearn_references(app, what, name, obj, options, lines):
    """Inherited scikit-learn docstrings refer to labels of scikit-learn's own
    site; without intersphinx (no network at build time) keep their text."""
    if getattr(obj, "__module__", "") and obj.__module__.startswith("sklearn"):
        lines[:] = [SKLEARN_ROLE.sub(lambda m: m.group(1) or m.group(2), line) for line in lines]


def setup(app):
    app.connect("builder-inited", check_api_coverage)
    app.connect("autodoc-skip-member", skip_metadata_routing)
    app.connect("autodoc-process-docstring", plain_sklearn_references)
