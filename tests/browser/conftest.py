"""Chromium for the browser tests: Debian's package, never a downloaded build.

Without /usr/bin/chromium the tests are skipped with a message, except where REQUIRE_BROWSER is
set (CI), where a missing browser is a failure.
"""

import os
import shutil

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
def chromium():
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
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
