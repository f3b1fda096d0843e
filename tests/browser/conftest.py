"""Fixtures for the browser tests: Debian's chromium through Playwright, and axe-core.

Without chromium or axe-core the tests skip with the reason, except when CI=true,
where a missing tool is a failure: CI must run them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-output"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _missing(what: str) -> None:
    message = f"{what}; see tests/browser/conftest.py for the install commands"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    path = CHROMIUM if CHROMIUM.exists() else Path(shutil.which("chromium") or "/nonexistent")
    if not path.exists():
        _missing("chromium is missing (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(path), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE.exists():
        _missing("axe-core is missing (npm install --no-save axe-core@4)")
    return AXE


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(exist_ok=True)
    return SHOTS


@pytest.fixture()
def open_page(browser):
    """A page where the page's own Content-Security-Policy is not applied: only for injecting
    axe-core, which the policy (rightly) refuses to run."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture()
def narrow_page(browser):
    """A phone-sized page (400 px wide), with the page's policy applied."""
    context = browser.new_context(viewport={"width": 400, "height": 800})
    page = context.new_page()
    yield page
    context.close()
