"""A developer's machine (`make run`): debug on, and what the site sends shown in the console."""

import os

from .base import *  # noqa: F403
from .base import LOGGING, env_bool

DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = ["*"]

# Links in notices and the admin URL `make run` prints point at the address the dev server
# listens on (the Makefile passes HOST and PORT), unless WAGTAILADMIN_BASE_URL says otherwise.
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL") or (
    f"http://{'127.0.0.1' if HOST in ('0.0.0.0', '::', '') else HOST}:{PORT}"
)

# The console SMS backend logs each message (phone masked) at INFO: show it beside the mail
# the console mail backend prints.
LOGGING = LOGGING | {"loggers": {"core.sms": {"level": "INFO"}}}
