"""The four example reports in Debian's chromium, on a desktop and on a 400 px phone.

Screenshots go to test-output/ (desktop and phone, each example). Each page: no sideways
scrolling with every criterion and its working open, axe-core's serious and critical
rules clean, and a board summary in plain words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.api import AssessOptions, assess_bundle, load_criteria
from engine.output.report import render

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (ROOT / "examples" / "bundles").iterdir() if p.is_dir())
WIDTHS = {"desktop": 1280, "phone": 400}
FORBIDDEN = ["rung", ".crit:", "true, rung", "a record of", "UNCONFIRMED"]
RAW_FLOAT = re.compile(r"\d+\.\d{2,}")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    criteria = load_criteria(ROOT / "criteria" / "cqc_well_led")
    out = tmp_path_factory.mktemp("examples")
    paths = {}
    for name in EXAMPLES:
        result = assess_bundle(criteria, ROOT / "examples" / "bundles" / name, AssessOptions())
        paths[name] = out / f"{name}.html"
        paths[name].write_text(render(result, "html", AssessOptions()), encoding="utf-8")
    return paths


def _open_page(browser, path: Path, width: int, bypass_csp: bool = False):
    # bypass_csp only to inject axe-core, a script the report's own policy (rightly) refuses
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  bypass_csp=bypass_csp)
    page = context.new_page()
    page.goto(path.as_uri())
    return context, page


def _overflow(page) -> list[str]:
    """Elements wider than the page, and whether the page itself scrolls sideways."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const out = [];
        if (document.documentElement.scrollWidth > width) out.push('page: ' + document.documentElement.scrollWidth + ' > ' + width);
        for (const el of document.querySelectorAll('main *, header *, footer *')) {
            const r = el.getBoundingClientRect();
            if (r.width && r.right > width + 1 && getComputedStyle(el).display !== 'none')
                out.push(el.tagName + '.' + el.className + ' right=' + Math.round(r.right));
            if (out.length > 5) break;
        }
        return out;
    }""")


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("name", EXAMPLES)
def test_no_sideways_scrolling_and_screenshots(browser, reports, shots, name, width):
    context, page = _open_page(browser, reports[name], WIDTHS[width])
    try:
        page.screenshot(path=str(shots / f"example-{name}-{width}.png"), full_page=False)
        assert _overflow(page) == []
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert _overflow(page) == [], "an opened criterion scrolls sideways"
        page.locator("#summary").screenshot(path=str(shots / f"example-{name}-{width}-summary.png"))
    finally:
        context.close()


@pytest.mark.parametrize("name", EXAMPLES)
def test_on_a_phone_the_chart_becomes_the_table(browser, reports, name):
    context, page = _open_page(browser, reports[name], WIDTHS["phone"])
    try:
        assert not page.locator("#summary figure.chart svg").is_visible()
        table = page.locator("#summary table.chart-table")
        assert table.is_visible()
        box = table.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS["phone"]
    finally:
        context.close()


# axe on every example at desktop width, and on a phone for the one with the most content
AXE_CASES = [(name, "desktop") for name in EXAMPLES] + [("eastmarch", "phone")]


@pytest.mark.parametrize("name,width", AXE_CASES)
def test_axe_serious_and_critical_clean(browser, reports, axe_script, name, width):
    from test_reports_in_browser import serious_violations

    context, page = _open_page(browser, reports[name], WIDTHS[width], bypass_csp=True)
    try:
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert serious_violations(page, axe_script) == []
    finally:
        context.close()


@pytest.mark.parametrize("name", EXAMPLES)
def test_board_summary_is_plain_words(browser, reports, name):
    context, page = _open_page(browser, reports[name], WIDTHS["desktop"])
    try:
        text = page.locator("#summary").inner_text()
        assert "Board summary" in text and "Strengths" in text
        for word in FORBIDDEN:
            assert word not in text, f"{word!r} in the board summary"
        assert not RAW_FLOAT.search(text), RAW_FLOAT.search(text)
    finally:
        context.close()


def test_print_stylesheet_opens_everything_and_hides_navigation(browser, reports):
    context, page = _open_page(browser, reports["northfield"], WIDTHS["desktop"])
    try:
        page.emulate_media(media="print")
        assert not page.locator("nav.contents").is_visible()
        assert page.locator("details.working ol.trace").first.is_visible()
    finally:
        context.close()
