"""Chromium for the browser tests: Debian's package, never a downloaded build.

Without /usr/bin/chromium the tests are skipped with a message, except where REQUIRE_BROWSER is
set (CI), where a missing browser is a failure.
"""

import contextlib
import os
import shutil
import threading
import time

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def playwright():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = (
            f"Chromium not found at {CHROMIUM}: browser tests skipped "
            "(install it with `apt-get install -y chromium fonts-noto-cjk`)."
        )
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, and asgiref then hands
    # Django a second, context-local set of connections, without the serialized database that
    # `serialized_rollback` restores: the next browser test would start from an empty database.
    # Keep using the connections the test database was set up on.
    setup_connections = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, connection in setup_connections.items():
            connections[alias] = connection
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def chromium_with_camera(playwright):
    """Launches Chromium with a fake camera that plays `video` (a Y4M file) in a loop, as
    `chromium_with_camera(video)`: Chromium reads the file once, at launch, so each video needs
    a browser of its own. Closed after the test."""
    browsers = []

    def launch(video):
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        browser.close()


class ServerRequests:
    """Counts the requests the live server is still answering, through Django's own signals."""

    def __init__(self):
        self.running = 0
        self.last_change = time.monotonic()
        self.lock = threading.Lock()

    def started(self, **kwargs):
        with self.lock:
            self.running += 1
            self.last_change = time.monotonic()

    def finished(self, **kwargs):
        with self.lock:
            self.running -= 1
            self.last_change = time.monotonic()

    def wait_until_quiet(self, quiet=0.3, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.running <= 0 and time.monotonic() - self.last_change >= quiet:
                    return
            time.sleep(0.05)


@contextlib.contextmanager
def opened_page(browser, **context_options):
    """A page in a new context of `browser` (Chinese, a phone's screen unless `viewport` says
    otherwise), closed on leaving once the live server has answered its last request."""
    from django.core.signals import request_finished, request_started

    requests = ServerRequests()
    request_started.connect(requests.started, weak=False)
    request_finished.connect(requests.finished, weak=False)
    options = {"locale": "zh-CN", "viewport": {"width": 390, "height": 844}} | context_options
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        # A request the live server is still answering when the test ends (the admin editor's
        # editing-session ping, or the beacon its page sends on unload) holds SQLite's lock while
        # the test database is flushed: the flush fails and the next test starts on this test's
        # rows. Close the pages, then let the server finish before the database is touched.
        context.close()
        requests.wait_until_quiet()
        request_started.disconnect(requests.started)
        request_finished.disconnect(requests.finished)


@pytest.fixture
def page(chromium):
    with opened_page(chromium) as page:
        yield page


@pytest.fixture
def open_page():
    """`opened_page` for a test that needs more than one page, or a browser of its own: use it
    as `with open_page(browser, **context_options) as page:`."""
    return opened_page
