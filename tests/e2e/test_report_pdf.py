"""`report.pdf` for every example bundle: the board summary in at most four A4 pages, the
detail after it, and on every page the trust, the date and "Page N of M".

Read back with poppler's pdftotext/pdfinfo (scripts/test installs poppler-utils).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (ROOT / "examples" / "bundles").iterdir() if p.is_dir())
SUMMARY_PAGES = 4


def _tools() -> None:
    missing = [t for t in ("pdftotext", "pdfinfo") if shutil.which(t) is None]
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        missing.append("weasyprint (pip install -e '.[pdf]')")
    if missing:
        message = f"missing {', '.join(missing)}; scripts/test installs them"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def _pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")
    assert len(pages) >= count
    return pages[:count]


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    _tools()
    import json

    out = tmp_path_factory.mktemp("pdf")
    made = {}
    for name in EXAMPLES:
        target = out / name
        p = subprocess.run([sys.executable, "-m", "engine", "assess",
                            ROOT / "examples" / "bundles" / name, "-o", target,
                            "--format", "json,pdf"], capture_output=True, text=True, cwd=ROOT,
                           timeout=600)
        assert p.returncode == 0, p.stdout + p.stderr
        assert f"wrote {target / 'report.pdf'}" in p.stdout
        made[name] = (target / "report.pdf",
                      json.loads((target / "result.json").read_text(encoding="utf-8")))
    return made


@pytest.mark.parametrize("name", EXAMPLES)
def test_board_summary_fits_four_pages_then_the_detail(pdfs, name):
    pdf, _ = pdfs[name]
    pages = _pages(pdf)
    starts = [i for i, page in enumerate(pages) if "Each statement in detail" in page]
    assert starts, "no detail section"
    assert starts[0] + 1 <= SUMMARY_PAGES + 1, f"board summary takes {starts[0]} pages"
    assert "Board summary" in pages[0]
    summary = "\n".join(pages[:starts[0]])
    for word in ("rung", ".crit:", "a record of", "UNCONFIRMED"):
        assert word not in summary
    assert len(pages) > starts[0] + 1   # the detail follows, with the working
    assert "How this was worked out" in "\n".join(pages[starts[0]:])


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_page_names_trust_and_date_and_is_numbered(pdfs, name):
    pdf, result = pdfs[name]
    pages = _pages(pdf)
    trust = result["bundle"]["provider"]["name"]
    date = result["bundle"]["assessment"]["date"]
    for number, page in enumerate(pages, 1):
        flat = " ".join(page.split())
        assert f"Page {number} of {len(pages)}" in flat
        assert f"Assessed {date}" in flat
        assert trust[:40] in flat


@pytest.mark.parametrize("name", EXAMPLES)
def test_first_page_names_the_headline(pdfs, name):
    pdf, result = pdfs[name]
    root = result["results"][result["framework"]["root"]]
    first = " ".join(_pages(pdf)[0].split())
    assert root["label"] in first and root["title"] in first
