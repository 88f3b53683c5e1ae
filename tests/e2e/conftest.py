"""Browser tests: the app served by werkzeug on port 0 in a thread, driven by Playwright (Debian chromium).

The server's clock is a ``FixedClock`` the tests move (``live_server.clock``); screenshots go to
``test-output/screenshots/``. Without /usr/bin/chromium (or the playwright package) the tests skip.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.clock import FixedClock
from tests.conftest import PASSWORDS, ROOT, START, deploy_with_users

CHROMIUM = os.environ.get("ALUR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    """Mark every test here ``e2e`` and skip them all when there is no browser."""
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"no chromium at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (pip install -e '.[test]')"
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@dataclass
class LiveServer:
    """The served app: its base URL, the Flask app and the clock the tests move."""

    url: str
    app: object
    clock: FixedClock


@contextmanager
def serve_app(folder: Path):
    """The app over a fresh SQLite DB in ``folder`` with the shipped processes and one user per role, served
    by werkzeug on port 0 in a thread; yields its :class:`LiveServer`."""
    from werkzeug.serving import make_server

    from engine.db import create_schema
    from tasks_ui import create_app
    from tasks_ui.extensions import db
    from tasks_ui.wiring import engine_context

    clock = FixedClock(START)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'alur.sqlite'}",
            "SECRET_KEY": "e2e-secret",
            "ALUR_CLOCK": clock,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "RATELIMIT_ENABLED": False,
            "ALUR_INBOX_POLL_SECONDS": 1,
            "ALUR_UPLOAD_FOLDER": str(folder / "uploads"),
        }
    )
    with app.app_context():
        create_schema(db.engine)
        deploy_with_users(db.session, engine_context())
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, clock)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app served for the whole session (see :func:`serve_app`)."""
    with serve_app(tmp_path_factory.mktemp("e2e")) as served:
        yield served


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium launched by Playwright (session-wide)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """``new_page(phone=False)`` → a page in a fresh browser context (own cookies); closed after the test."""
    contexts = []

    def _new(phone: bool = False):
        context = browser.new_context(
            viewport=PHONE if phone else DESKTOP, locale="id-ID", is_mobile=phone, has_touch=phone
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _new
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-output/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, base_url: str, username: str) -> None:
    """Log in through the login form."""
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_load_state()
