"""The HTML report and the batch index in a real browser: expanding, links, accessibility."""

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


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    result = json.loads(FIXTURE.read_text(encoding="utf-8"))
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render(result, "html", AssessOptions()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory) -> Path:
    from engine.app.batch import run_batch

    if not (CONFORMANCE / "criteria").is_dir():
        pytest.skip("no conformance bundles on this machine")
    base = tmp_path_factory.mktemp("batch")
    root = base / "bundles"
    for bundle in (CONFORMANCE / "bundles").iterdir():
        shutil.copytree(bundle, root / bundle.name)
    try:
        run_batch(root, CONFORMANCE / "criteria", base / "out", jobs=1,
                  formats=("json", "html"), options=AssessOptions(), since=None,
                  progress=False, echo=lambda line: None)
    except (NotImplementedError, ImportError) as err:
        pytest.skip(f"the evaluator cannot assess yet ({err})")
    return base / "out"


def serious_violations(page, axe_script: Path) -> list[str]:
    page.add_script_tag(path=str(axe_script))
    outcome = page.evaluate("async () => await axe.run()")
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in outcome["violations"] if v["impact"] in ("serious", "critical")]


def test_report_expands_a_criterion_with_its_trace_and_evidence_links(page, report_file, shots):
    page.goto(report_file.as_uri())
    details = page.locator("details#node-raise_concerns")
    assert details.get_attribute("open") is None
    trace = details.locator("ol.trace")
    assert not trace.is_visible()
    details.locator("summary").first.click()
    assert details.get_attribute("open") is not None
    assert not trace.is_visible()           # the working is one more click away
    details.locator("details.working > summary").click()
    assert trace.is_visible()
    assert "Level 2 (Developing): met" in trace.inner_text()
    link = details.locator('a[href="#file-ftsu-2e-yaml"]').first
    assert link.is_visible()
    link.click()
    assert page.evaluate("location.hash") == "#file-ftsu-2e-yaml"
    assert page.locator("#file-ftsu-2e-yaml").is_visible()
    page.screenshot(path=str(shots / "report.png"), full_page=True)


def test_report_has_no_serious_accessibility_violations(open_page, report_file, axe_script):
    page = open_page                # axe is a script the report's own policy refuses to run
    page.goto(report_file.as_uri())
    for summary in page.locator("details > summary").all():
        summary.click()
    assert serious_violations(page, axe_script) == []


def test_report_prints_every_criterion_on_a4(page, report_file, shots):
    page.goto(report_file.as_uri())
    page.emulate_media(media="print")
    assert page.locator("details#node-raise_concerns ol.trace").is_visible()   # print opens all
    pdf = page.pdf(format="A4")
    (shots / "report.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") > 1


def test_index_sorts_and_has_no_serious_violations(open_page, batch_out, axe_script, shots):
    page = open_page                # axe is a script the index's own policy refuses to run
    page.goto((batch_out / "index.html").as_uri())
    names = page.locator("#providers tbody th[scope=row]")
    before = names.all_inner_texts()
    page.locator('#providers thead button[data-col="1"]').click()      # by provider code
    after = names.all_inner_texts()
    assert sorted(before) == sorted(after) and after[0].startswith("Strongbrook")
    heat = page.locator("#heatmap tbody td")
    assert heat.count() > 0 and all(text.strip() for text in heat.all_inner_texts())
    page.screenshot(path=str(shots / "index.png"), full_page=True)
    assert serious_violations(page, axe_script) == []


def test_index_links_open_the_provider_report_at_the_judgement(page, batch_out):
    page.goto((batch_out / "index.html").as_uri())
    page.locator('#heatmap a[href$="#node-shared_direction"]').first.click()
    page.wait_for_load_state()
    assert page.url.endswith("report.html#node-shared_direction")
    assert page.locator("#node-shared_direction h2").is_visible()
