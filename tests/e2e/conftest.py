"""A real server on a migrated temporary database, and a real browser (Debian's chromium) to drive it."""

import os
import warnings

import pytest

from tests.e2e import axe
from tests.utils.serving import served_app, serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session", autouse=True)
def axe_watch(tmp_path_factory):
    """axe-core on every page the browser tests visit (tests/e2e/axe.py); `make test` fetches it first.

    Under `pytest -n` the workers share what the second tab has checked through a file in the run's temporary
    folder (each worker's is a folder of it), so a page layout two workers both walk is looked at once.
    """
    if not axe.AXE_SCRIPT.exists():
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{axe.AXE_SCRIPT} is missing (make {axe.AXE_SCRIPT.relative_to(axe.ROOT)})")
        warnings.warn(f"{axe.AXE_SCRIPT} is missing: pages are not checked for accessibility", stacklevel=1)
        yield None
        return
    run = tmp_path_factory.getbasetemp()
    claims = (run.parent if os.environ.get("PYTEST_XDIST_WORKER") else run) / "axe-second-tab.txt"
    with pytest.MonkeyPatch.context() as monkeypatch:
        watch = axe.install(monkeypatch, claims)
        yield watch
        assert not watch.failures, "accessibility violations (axe-core):\n" + "\n".join(watch.take_failures())


@pytest.fixture(autouse=True)
def accessible(axe_watch):
    """Fails the test whose pages have a serious or critical accessibility violation, naming each."""
    yield
    if axe_watch is not None:
        failures = axe_watch.take_failures()
        assert not failures, "accessibility violations (axe-core):\n" + "\n".join(failures)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, sqlite_template):
    """The app served by werkzeug in a thread on a free 127.0.0.1 port; yields its base URL."""
    app = served_app(tmp_path_factory.mktemp("live"), sqlite_template)
    with serving(app) as base:
        yield base
    app.extensions["db_engine"].dispose()


@pytest.fixture(scope="module")
def browser():
    """A headless chromium; skipped where it is not installed, failed under `make test`."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{CHROMIUM} is missing (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) in Chinese, at desktop size."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
