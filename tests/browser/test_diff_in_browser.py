"""diff.html and table.html in a real browser: what a policy team sees, and accessibility."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.api import AssessOptions, load_criteria
from engine.app.diff import run_diff, write_diff
from engine.app.table import write_table
from tests.browser.test_reports_in_browser import serious_violations
from tests.diffcases import BUNDLES, SHIPPED, cap_added

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def diff_html(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("diff")
    new = cap_added(base / "new")
    doc = run_diff(SHIPPED, new, BUNDLES, jobs=1, options=AssessOptions(), progress=False,
                   echo=lambda line: None)
    write_diff(doc, base / "out", ("html",))
    return base / "out" / "diff.html"


@pytest.fixture(scope="module")
def table_html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("table")
    write_table(load_criteria(SHIPPED).checked, out, ("html",))
    return out / "table.html"


def test_diff_page_shows_the_summary_the_moves_and_the_rule_side_by_side(page, diff_html, shots):
    page.goto(diff_html.as_uri())
    summary = page.locator("table#moves")
    assert summary.is_visible()
    assert "Well-led" in summary.inner_text()
    harrowmere = page.locator("#bundle-harrowmere")
    assert harrowmere.is_visible()
    assert "▼ down" in harrowmere.inner_text()
    rules = page.locator("#rules")
    assert "cap 2 when any(c in children where c.level <= 2)" in rules.inner_text()
    page.locator('a[href="#rules"]').click()
    assert page.evaluate("location.hash") == "#rules"
    page.screenshot(path=str(shots / "diff.png"), full_page=True)


def test_diff_page_has_no_serious_accessibility_violations(page, diff_html, axe_script):
    page.goto(diff_html.as_uri())
    assert serious_violations(page, axe_script) == []


def test_table_page_has_no_serious_accessibility_violations(page, table_html, axe_script, shots):
    page.goto(table_html.as_uri())
    assert page.locator("#cr-staff_know_vision").is_visible()
    assert "aware is at least 50" in page.locator("#cr-staff_know_vision").inner_text()
    assert serious_violations(page, axe_script) == []
    page.screenshot(path=str(shots / "table.png"), full_page=True)
