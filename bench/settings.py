"""Production settings plus the benchmark's trivial view and a private static root.

Used only by the benchmarks (``bench/pages.py``, ``bench/registrations.py``):
``DJANGO_SETTINGS_MODULE=bench.settings``. Everything that matters for speed (DEBUG off,
middleware, cache, database) comes unchanged from the production settings; notices run in the
request with the immediate task backend (production queues them for ``db_worker``), so each
registration still pays for rendering and sending them, and they end up nowhere.
"""

import os
from pathlib import Path

from academy.settings.base import tasks_backend
from academy.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.benchurls"

# collectstatic goes to the benchmark's temporary directory, not the project's staticfiles/.
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])

# With --redis-url: a key prefix of the run's own, so that no page cached by an earlier run (or
# by anything else using that Redis) is served, and the run can delete exactly its own keys.
if "KEY_PREFIX" in CACHES["default"] and os.environ.get("BENCH_CACHE_KEY_PREFIX"):  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = os.environ["BENCH_CACHE_KEY_PREFIX"]  # noqa: F405

# `bench/checkins.py --no-health-checks`: what the check before each request's first query
# (CONN_HEALTH_CHECKS, on in production) costs.
if os.environ.get("BENCH_NO_HEALTH_CHECKS") and "CONN_HEALTH_CHECKS" in DATABASES["default"]:  # noqa: F405
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405

# Registration notices are still rendered and "sent" after commit (the task runs), but neither the
# console email backend nor the console SMS backend prints them, and nothing piles up in memory.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
SMS_BACKEND = "bench.sms.NullSMSBackend"
TASKS = tasks_backend("immediate")
