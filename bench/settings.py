"""Production settings plus the benchmark's trivial view and a private static root.

Used only by ``bench/pages.py``: ``DJANGO_SETTINGS_MODULE=bench.settings``. Everything that matters
for speed (DEBUG off, middleware, cache, database) comes unchanged from the production settings.
"""

import os
from pathlib import Path

from academy.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.benchurls"

# collectstatic goes to the benchmark's temporary directory, not the project's staticfiles/.
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])

# With --redis-url: a key prefix of the run's own, so that no page cached by an earlier run (or
# by anything else using that Redis) is served, and the run can delete exactly its own keys.
if "KEY_PREFIX" in CACHES["default"] and os.environ.get("BENCH_CACHE_KEY_PREFIX"):  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = os.environ["BENCH_CACHE_KEY_PREFIX"]  # noqa: F405
