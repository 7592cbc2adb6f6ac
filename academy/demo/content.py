"""The demo content, read from the YAML files in ``data/`` (one per app): ``content.core.topics``.

The files hold what the demo says (titles, texts, names, districts' data, word tables); the
seeders in this package only choose among them, deterministically, and create the rows.
"""

from pathlib import Path
from types import SimpleNamespace

import yaml

DATA_DIR = Path(__file__).with_name("data")


def load(name: str) -> SimpleNamespace:
    """The tables of ``data/<name>.yaml``, as attributes."""
    with (DATA_DIR / f"{name}.yaml").open(encoding="utf-8") as file:
        return SimpleNamespace(**yaml.safe_load(file))


academy = load("academy")
core = load("core")
lecturers = load("lecturers")
bases = load("bases")
courses = load("courses")
bookings = load("bookings")
attendance = load("attendance")
competitions = load("competitions")
