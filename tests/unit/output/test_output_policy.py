"""Every HTML page wellled writes carries a Content-Security-Policy that loads nothing and runs
only the page's own scripts, by hash; links are encoded relative paths (issue 19)."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engine.api import AssessOptions
from engine.output.report import render
from engine.output.safe import content_security_policy, href, script_hash

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "results" / "northfield.json"
CONFORMANCE = (Path(__file__).resolve().parents[2] / "data" / "conformance")


class _Page(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.policies: list[str] = []
        self.scripts: list[str] = []
        self.hrefs: list[str] = []
        self.inline_handlers: list[str] = []
        self._script: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == \
                "content-security-policy":
            self.policies.append(attrs["content"])
        if tag == "script":
            assert "src" not in attrs, "pages load no script files"
            self._script = []
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        self.inline_handlers += [name for name in attrs if name.startswith("on")]

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)


def _check(text: str) -> _Page:
    page = _Page(text)
    assert len(page.policies) == 1, "one Content-Security-Policy meta per page"
    policy = dict(part.strip().split(" ", 1) for part in page.policies[0].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["base-uri"] == "'none'" and policy["form-action"] == "'none'"
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]
    allowed = set(policy["script-src"].split()) - {"'none'"}
    assert allowed == {script_hash(s) for s in page.scripts}
    assert page.inline_handlers == []
    for link in page.hrefs:
        assert not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", link), link   # no scheme at all
        assert not link.startswith("//"), link
    return page


def test_the_report_page_has_the_policy_and_no_script():
    result = json.loads(FIXTURE.read_text(encoding="utf-8"))
    page = _check(render(result, "html", AssessOptions()))
    assert page.scripts == []


def test_the_index_page_allows_exactly_its_own_script(tmp_path):
    from engine.app.batch import run_batch

    if not (CONFORMANCE / "criteria").is_dir():
        pytest.skip("no conformance set on this machine")
    root = tmp_path / "bundles"
    shutil.copytree(CONFORMANCE / "bundles" / "strong", root / "javascript:alert(1)")
    shutil.copytree(CONFORMANCE / "bundles" / "early", root / "region" / "#early?x=1")
    run_batch(root, CONFORMANCE / "criteria", tmp_path / "out", jobs=1,
              formats=("json", "html"), options=AssessOptions(), since=None, progress=False,
              echo=lambda line: None)
    page = _check((tmp_path / "out" / "index.html").read_text())
    assert len(page.scripts) == 1
    assert "javascript%3Aalert%281%29/report.html" in page.hrefs
    assert "region/%23early%3Fx%3D1/report.html" in page.hrefs
    for link in page.hrefs:                     # each link leads to the report written
        path = link.split("#")[0]
        if path:
            from urllib.parse import unquote

            assert (tmp_path / "out" / unquote(path)).is_file(), link


@pytest.mark.parametrize("parts,link", [
    (("region/northfield", "report.html"), "region/northfield/report.html"),
    (("javascript:alert(1)", "report.html"), "javascript%3Aalert%281%29/report.html"),
    (("..", "report.html"), "%2E%2E/report.html"),
    (("a b#c?d", "report.html"), "a%20b%23c%3Fd/report.html"),
])
def test_links_are_encoded_relative_paths(parts, link):
    assert href(*parts) == link


def test_the_policy_runs_nothing_when_there_is_no_script():
    assert "script-src 'none'" in content_security_policy([])


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_control_characters_in_names_are_escaped_in_the_reports(fmt):
    result = json.loads(FIXTURE.read_text(encoding="utf-8"))
    result["bundle"]["provider"]["name"] = "North\x1b[2J\x07field\u202e"
    result["bundle"]["files"][0]["path"] = "ftsu\x1b[31m.yaml"
    text = render(result, fmt, AssessOptions())
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    shown = text.replace("\\\\", "\\").replace("\\[", "[")      # as Markdown displays it
    assert "North\\x1b[2J\\x07field\\u202e" in shown
