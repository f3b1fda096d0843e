"""The pages' Content-Security-Policy in a real browser: the pages still work under it, a
hostile folder name is never a live link, and the index reads at 400 px (issues 14, 19)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.api import AssessOptions
from engine.output.report import render

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "results" / "northfield.json"
CONFORMANCE = (Path(__file__).resolve().parents[1] / "data" / "conformance")
HOSTILE = "javascript:alert(1)"


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory) -> Path:
    """A batch whose folders and provider names are hostile: a folder named like a
    javascript: link, a provider name with a terminal escape and a line break."""
    from engine.app.batch import run_batch

    if not (CONFORMANCE / "criteria").is_dir():
        pytest.skip("no conformance bundles on this machine")
    base = tmp_path_factory.mktemp("hostile-batch")
    root = base / "bundles"
    shutil.copytree(CONFORMANCE / "bundles" / "strong", root / HOSTILE)
    shutil.copytree(CONFORMANCE / "bundles" / "early", root / "region" / "early")
    manifest = root / HOSTILE / "bundle.yaml"
    manifest.write_text(manifest.read_text().replace(
        "name: Strongbrook Community NHS Trust",
        'name: "Strongbrook\\e[31m Trust\\nfailed: everything"'))
    (root / "notes").mkdir()
    run_batch(root, CONFORMANCE / "criteria", base / "out", jobs=1, formats=("json", "html"),
              options=AssessOptions(), since=None, progress=False, echo=lambda line: None)
    return base / "out"


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    result = json.loads(FIXTURE.read_text(encoding="utf-8"))
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render(result, "html", AssessOptions()), encoding="utf-8")
    return path


def _policy_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text)
            if "Content Security Policy" in m.text else None)
    return errors


def test_the_index_sorts_under_its_policy_with_nothing_refused(page, hostile_out):
    errors = _policy_errors(page)
    page.goto((hostile_out / "index.html").as_uri())
    names = page.locator("#providers tbody th[scope=row]")
    page.locator('#providers thead button[data-col="1"]').click()       # by code: RXA, RXB
    assert names.all_inner_texts()[0].startswith("Strongbrook")
    page.locator('#providers thead button[data-col="1"]').click()
    assert names.all_inner_texts()[0].startswith("Early")
    assert errors == []


def test_the_report_works_under_its_policy_with_nothing_refused(page, report_file):
    errors = _policy_errors(page)
    page.goto(report_file.as_uri())
    details = page.locator("details#node-raise_concerns")
    details.locator("summary").first.click()
    details.locator("details.working > summary").click()   # the working: one more click
    assert details.locator("ol.trace").is_visible()
    assert errors == []


def test_a_folder_named_like_a_script_link_is_a_plain_relative_link(page, hostile_out):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((hostile_out / "index.html").as_uri())
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert not any(h.lower().lstrip().startswith("javascript:") for h in hrefs)
    assert "javascript%3Aalert%281%29/report.html" in hrefs
    page.locator('#providers a[href="javascript%3Aalert%281%29/report.html"]').click()
    page.wait_for_load_state()
    assert dialogs == []
    assert page.url.endswith("/javascript%3Aalert%281%29/report.html")
    assert page.locator("h1").inner_text().startswith("Strongbrook")


def test_control_characters_in_names_are_shown_escaped(page, hostile_out):
    page.goto((hostile_out / "index.html").as_uri())
    text = page.locator("#providers").inner_text()
    assert "Strongbrook\\x1b[31m Trust\\nfailed: everything" in text
    page.goto((hostile_out / HOSTILE / "report.html").as_uri())
    assert "\\x1b[31m" in page.locator("h1").inner_text()


def test_the_index_reads_at_400_px_without_sideways_scrolling(narrow_page, hostile_out, shots):
    page = narrow_page
    page.goto((hostile_out / "index.html").as_uri())
    overflow = page.evaluate("document.documentElement.scrollWidth - "
                             "document.documentElement.clientWidth")
    page.screenshot(path=str(shots / "index-400px.png"), full_page=True)
    assert overflow <= 0
    row = page.locator("#providers tbody tr").first
    assert row.is_visible()
    box = row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 400
    cells = page.locator("#providers tbody tr").first.locator("td")
    label = cells.first.evaluate("e => getComputedStyle(e, '::before').content")
    assert "Code" in label
    assert "skipped" in page.locator("#skipped").inner_text().lower() or \
        "notes" in page.locator("#skipped").inner_text()


def test_the_index_at_400_px_has_no_serious_violations(browser, hostile_out, axe_script):
    from tests.browser.test_reports_in_browser import serious_violations

    context = browser.new_context(viewport={"width": 400, "height": 800}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto((hostile_out / "index.html").as_uri())
        assert serious_violations(page, axe_script) == []
    finally:
        context.close()
