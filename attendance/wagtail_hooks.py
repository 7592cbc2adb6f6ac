"""The attendance app's Wagtail hooks, each part in its own module."""

# -- Study hours, completion and certificates (issue 11): attendance/results/hooks.py ----------
from .results import hooks as results_hooks  # noqa: F401
