"""HTML and Markdown reports, and ``explain_text``: content, escaping, sensitivity, goldens.

Set WELLLED_UPDATE_GOLDENS=1 to rewrite the golden files; review the diff in git.
"""

from __future__ import annotations

import copy
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2.meta
import pytest
from markupsafe import Markup, escape

from engine.api import AssessOptions
from engine.errors import UsageError
from engine.judge.record import Let, Read
from engine.output.explain import explain_text
from engine.output.phrases import (
    file_anchor,
    let_value,
    md_escape,
    node_anchor,
    range_digits,
    range_words,
    read_value,
)
from engine.output.report import _html_finalize as html_finalize
from engine.output.report import _html_output as html_output
from engine.output.report import _md_finalize as md_finalize
from engine.output.report import _md_output as md_output
from engine.output.report import environment, render
from engine.resources import data_dir

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "results"
UPDATE = os.environ.get("WELLLED_UPDATE_GOLDENS") == "1"
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'&*_[x](javascript:y)|#'
SECRET = "the ward 7 manager shouted at me in front of a patient"


def rich() -> dict:
    return json.loads((FIXTURES / "northfield.json").read_text(encoding="utf-8"))


def with_secret(result: dict) -> dict:
    """The rich result with a real sensitive value, as result.json holds it with --include-sensitive."""
    result = copy.deepcopy(result)
    for node in result["results"].values():
        for event in node["trace"]:
            for read in event.get("reads", []):
                if read["sensitive"]:
                    read["value"] = SECRET
            if event["kind"] == "let" and any(r["sensitive"] for r in event.get("reads", [])):
                event["value"] = SECRET
    return result


def check_golden(name: str, text: str) -> None:
    path = FIXTURES / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden {name}; run with WELLLED_UPDATE_GOLDENS=1 and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; rerun with UPDATE"


# ---------------------------------------------------------------- templates


TEMPLATE_CONTEXT = {
    "report.html.j2": {"result", "options", "view", "media"},
    "report.md.j2": {"result", "options", "view", "media"},
    "_board.html.j2": {"result", "view", "fw", "root", "media"},
    "batch_index.html.j2": {"batch", "options", "script", "csp"},
}


@pytest.mark.parametrize("name", sorted(TEMPLATE_CONTEXT))
def test_templates_reference_only_their_context(name):
    path = data_dir("reports") / name
    if not path.exists():
        pytest.skip(f"{name} not written yet")
    env = environment("md" if name.endswith(".md.j2") else "html")
    ast = env.parse(path.read_text(encoding="utf-8"))
    assert jinja2.meta.find_undeclared_variables(ast) <= TEMPLATE_CONTEXT[name]


def test_environment_is_built_once_per_format():
    assert environment("html") is environment("html")
    assert environment("md") is environment("md")
    assert environment("html").autoescape is not False
    assert environment("md").autoescape is False
    assert environment("html").undefined is jinja2.StrictUndefined


def test_unknown_format_is_a_usage_error():
    with pytest.raises(UsageError, match="no report format `docx`"):
        render(rich(), "docx", AssessOptions())


# ---------------------------------------------------------------- filters


@pytest.mark.parametrize("node,words,digits", [
    ({"status": "rated", "level": 3, "max_level": 3, "label": "Established",
      "max_label": "Established"}, "Established", "3"),
    ({"status": "partial", "level": 2, "max_level": 3, "label": "Developing",
      "max_label": "Established"}, "Developing, could be Established", "2 to 3"),
    ({"status": "not_assessed", "level": None, "max_level": None, "label": None,
      "max_label": None}, "Not assessed: evidence needed", "–"),
    ({"status": "not_applicable", "level": None, "max_level": None, "label": None,
      "max_label": None}, "Not applicable", "–"),
])
def test_levels_in_words_and_digits(node, words, digits):
    assert range_words(node) == words
    assert range_digits(node) == digits


def _read(pointer="/x", value=7, known=True, sensitive=False):
    return Read("f", "f.json", pointer, known, sensitive, value)


@pytest.mark.parametrize("read,options,shown", [
    (_read("/cases_raised", 7), AssessOptions(), "fewer than 10"),
    (_read("/cases_raised", 7), AssessOptions(suppress_below=5), "7"),
    (_read("/questions/q/respondents", 9), AssessOptions(), "fewer than 10"),
    (_read("/questions/q/respondents", 10), AssessOptions(), "10"),
    (_read("/headcount", 0), AssessOptions(), "fewer than 10"),
    (_read("/participant_count", 3.0), AssessOptions(), "fewer than 10"),
    (_read("/percent_positive", 7), AssessOptions(), "7"),
    (_read("/summary", SECRET, sensitive=True), AssessOptions(), "withheld: sensitive"),
    (_read("/summary", SECRET, sensitive=True), AssessOptions(include_sensitive=True), SECRET),
    (_read("/respondents", 3, sensitive=True), AssessOptions(include_sensitive=True),
     "fewer than 10"),
    (_read("/x", None, known=False), AssessOptions(), "not known"),
    (_read("/x", True), AssessOptions(), "true"),
    (_read("/x", ["a", "b"]), AssessOptions(), '["a", "b"]'),
    (_read("/x", "x" * 400), AssessOptions(), "x" * 159 + "…"),
])
def test_read_values_keep_back_what_they_must(read, options, shown):
    assert read_value(read, options) == shown


@pytest.mark.parametrize("text,escaped", [
    ("plain words", "plain words"),
    ("<script>alert(1)</script>", "&lt;script>alert(1)&lt;/script>"),
    ("*bold* _it_ `code` [l](u) a|b ~s~ #h", "\\*bold\\* \\_it\\_ \\`code\\` \\[l\\](u) a\\|b \\~s\\~ \\#h"),
    ("AT&T", "AT&amp;T"),
    ("two\nlines\r\n  here", "two lines here"),
    ("back\\slash", "back\\\\slash"),
])
def test_markdown_escaping(text, escaped):
    assert md_escape(text) == escaped


@pytest.mark.parametrize("names", [
    ("a/b", "a_2f_b", "a-2f-b", "a.b", "a-b"),
    ("focus_group/2025-01.yaml", "focus_group-2f-2025-2d-01.yaml"),
])
def test_anchors_are_distinct_and_safe(names):
    anchors = [file_anchor(n) for n in names]
    assert len(set(anchors)) == len(anchors)
    assert all(re.fullmatch(r"file-[A-Za-z0-9_-]+", a) for a in anchors)


def test_criteria_ids_stay_readable_as_anchors():
    assert node_anchor("raise_concerns") == "node-raise_concerns"


# ---------------------------------------------------------------- HTML content


class _Page(HTMLParser):
    """Ids, in-page links and tags of an HTML page."""

    def __init__(self, text: str):
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.tags: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name == "id":
                self.ids.append(value)
            if name == "href":
                self.links.append(value)


@pytest.fixture(scope="module")
def html() -> str:
    return render(rich(), "html", AssessOptions())


@pytest.mark.parametrize("needle", [
    "Northfield University Hospitals NHS Foundation Trust",
    "2025-06-30",
    "Self assessment",
    "CQC Single Assessment Framework: Well-led, version 2024.1",
    "Developing, could be Established",                       # the key question in words
    "We foster a positive culture where people feel",        # a we statement
    "lows 3 and 2: 5/8 = 62.5% -&gt; band 2 from 39",        # aggregation arithmetic
    "What good looks like",
    "Run the speaking-up questions in the staff survey",     # next step
    "<code>staff_survey.json#/questions/vision_known/percent_positive</code>",
    "fewer than 10",                                          # cases_raised = 7
    "withheld: sensitive",
    "Evidence gaps",
    "Log of learning shared from concerns",                   # gap of a not-assessed criterion
    "green_plan",
    "4f2a9c1be0d84a7e6a3c9d21f0b7e5c4a8d6f3b2c1e0a9f8e7d6c5b4a3f2e1d0",   # criteria sha256
    "b5d4c3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4",   # a file's sha256
    "notes.txt",                                              # unused
    "board_minutes.yaml: /meetings/0/date",                   # lenient problem
    "division by zero in `closed / total`",
    "Strengths",
    "Areas to develop",
    "wellled 0.1.0",
])
def test_html_report_shows(html, needle):
    assert needle in html


def test_html_is_self_contained_and_script_free(html):
    page = _Page(html)
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert not re.search(r"https?://|url\(\s*['\"]?(?!#)|@import|@font-face", html)
    assert "svg" in page.tags and "details" in page.tags and "summary" in page.tags
    assert "<desc" in html and "<table class=\"chart-table\"" in html    # a text equivalent


def test_every_in_page_link_has_a_target(html):
    page = _Page(html)
    internal = [link[1:] for link in page.links if link.startswith("#")]
    assert internal and set(internal) <= set(page.ids)
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"


def test_every_node_and_evidence_file_has_an_anchor(html):
    result = rich()
    ids = set(_Page(html).ids)
    for node_id in result["results"]:
        assert node_anchor(node_id) in ids
    for item in result["bundle"]["files"]:
        assert file_anchor(item["path"]) in ids
    assert f'href="#{file_anchor("ftsu.yaml")}"' in html


def test_each_criterion_expands_with_its_trace(html):
    # the working is a <details> of its own inside the criterion's: up to the outer one's end
    block = re.search(r'<details class="criterion[^"]*" id="node-raise_concerns">(.*?)</div>\s*</details>',
                      html, re.S)
    assert block, "raise_concerns is not an expandable section"
    body = block.group(1)
    for needle in ("Level 2 (Developing): <strong>met</strong>", "not known yet",
                   "statements/shared_direction.crit:37", "Next step",
                   "/questions/safe_to_speak_up/percent_positive"):
        assert needle in body


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_language_is_developmental(fmt):
    text = render(rich(), fmt, AssessOptions())
    assert not re.search(r"\bfail", text, re.I)


@pytest.mark.parametrize("fmt", ["html", "md"])
@pytest.mark.parametrize("include", [False, True])
def test_sensitive_values_are_quoted_only_when_asked(fmt, include):
    text = render(with_secret(rich()), fmt, AssessOptions(include_sensitive=include))
    assert (SECRET in text) is include
    assert ("withheld: sensitive" in text) is not include


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_reports_are_deterministic(fmt):
    assert render(rich(), fmt, AssessOptions()) == render(rich(), fmt, AssessOptions())


def test_markdown_report_golden():
    check_golden("northfield.report.md", render(rich(), "md", AssessOptions()))


# ---------------------------------------------------------------- hostile content


_KEEP = {"kind", "status", "outcome", "effect", "known", "sensitive", "level", "max_level",
         "low", "high", "size", "root", "order", "parent", "children", "id", "node", "name"}


def hostile(doc, key=None):
    """``doc`` with every free-text string replaced by markup; ids and enumerations kept."""
    if isinstance(doc, dict):
        return {k: (v if k in _KEEP and not isinstance(v, dict) else hostile(v, k))
                for k, v in doc.items()}
    if isinstance(doc, list):
        return [hostile(v, key) for v in doc]
    if isinstance(doc, str):
        return f"{HOSTILE} {doc}"
    return doc


def hostile_result() -> dict:
    result = hostile(with_secret(rich()))
    result["bundle"]["name"] = HOSTILE
    result["bundle"]["provider"]["name"] = HOSTILE
    for node in result["results"].values():
        for event in node["trace"]:
            if event["kind"] == "let":
                event["name"] = HOSTILE
    return result


def test_hostile_fixture_replaces_free_text():
    result = hostile_result()
    assert result["results"]["raise_concerns"]["title"].startswith(HOSTILE)
    assert result["bundle"]["files"][0]["path"].startswith(HOSTILE)
    assert result["results"]["raise_concerns"]["status"] == "partial"


def test_hostile_html_is_escaped():
    text = render(hostile_result(), "html", AssessOptions())
    page = _Page(text)
    assert "script" not in page.tags and "img" not in page.tags
    assert "<script" not in text.lower() and "<img" not in text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert 'href="javascript' not in text
    assert SECRET not in text
    assert set(link[1:] for link in page.links if link.startswith("#")) <= set(page.ids)


class _LyingText(str):
    """Text that claims to be markup already: a page must escape it all the same."""

    def __html__(self) -> str:
        return str(self)


@pytest.mark.parametrize("value", [
    HOSTILE, "plain words", "bell\x07 and escape\x1b[31m", "two\nlines", "", 3, 2.5, None,
    True, _LyingText(HOSTILE), Markup("<em>built by a filter</em>"), ["<b>", 1],
])
def test_page_output_is_the_escaped_finalized_value(value):
    # {{ value }} in a page compiles to html_output(value) (a speed-up, issue 15): it must print
    # exactly what Jinja's own escape(finalize(value)) would.
    assert html_output(value) == escape(html_finalize(value))
    assert type(html_output(value)) is Markup


def test_every_value_printed_in_a_page_goes_through_the_escaping_output():
    env = environment("html")
    for name in ("report.html.j2", "_board.html.j2", "batch_index.html.j2", "diff.html.j2",
                 "table.html.j2"):
        source = env.loader.get_source(env, name)[0]
        code = env.compile(source, name, raw=True)
        assert "environment.html_output(" in code, name
        assert not re.search(r"yield (str|environment\.finalize)\(", code), name
    page = env.from_string("<p>{{ a }}{{ b }}{{ c | join(', ') }}</p>").render(
        a=HOSTILE, b=_LyingText("<script>x</script>"), c=["<i>", "&"])
    assert "<script" not in page and "<img" not in page and "<i>" not in page
    assert page.startswith("<p>&lt;script&gt;") and page.endswith("&lt;i&gt;, &amp;</p>")


@pytest.mark.parametrize("value", [
    HOSTILE, "plain words", "bell\x07 and\ttab", "two\nlines", "", 3, 2.5, None, True,
    md_escape("*built*"), ["*", 1],
])
def test_markdown_output_is_the_finalized_value(value):
    # {{ value }} in Markdown compiles to md_output(value) (issue 15): exactly what Jinja's own
    # str(finalize(value)) would print.
    assert md_output(value) == str(md_finalize(value))


def test_every_value_printed_in_markdown_goes_through_the_escaping_output():
    env = environment("md")
    for name in ("report.md.j2", "diff.md.j2", "table.md.j2"):
        source = env.loader.get_source(env, name)[0]
        code = env.compile(source, name, raw=True)
        assert "environment.md_output(" in code, name
        assert not re.search(r"yield (str|environment\.finalize)\(", code), name
    text = env.from_string("{{ a }} {{ b }}").render(a="<b>*x*</b>", b=None)
    assert text == "&lt;b>\\*x\\*&lt;/b> None"


def test_hostile_markdown_is_escaped():
    text = render(hostile_result(), "md", AssessOptions())
    assert "<script" not in text.lower() and "<img" not in text.lower()
    assert "&lt;script>alert(1)&lt;/script>" in text
    assert not re.search(r"(?<!\\)\]\(javascript", text), "an unescaped link"
    assert SECRET not in text
    # only the report's own anchors are raw HTML
    assert set(re.findall(r"<(\w+)", text)) <= {"a"}


# ---------------------------------------------------------------- explain


@pytest.mark.parametrize("node_id", ["raise_concerns", "concerns_themed", "learning_shared",
                                     "shared_direction", "well_led", "board_development"])
def test_explain_golden(node_id):
    check_golden(f"northfield.explain.{node_id}.txt", explain_text(rich(), node_id))


@pytest.mark.parametrize("node_id,needles", [
    ("raise_concerns", ["rung 3 Established (statements/shared_direction.crit:37): unknown",
                        "staff_survey.json#/questions/safe_to_speak_up/percent_positive = unknown",
                        "cap 2 (statements/shared_direction.crit:38): false, no effect",
                        "next step: Run the speaking-up questions"]),
    ("well_led", ["5/8 = 62.5% -> band 2 from 39", "-> 2 to 3", "cap 3 (key_questions.crit:5)",
                  "left out: environmental_sustainability"]),
    ("learning_shared", ["learning_log (not provided)#/entries = unknown",
                         "evidence gap: learning_log"]),
])
def test_explain_shows_each_step(node_id, needles):
    text = explain_text(rich(), node_id)
    for needle in needles:
        assert needle in text


@pytest.mark.parametrize("wrong,hint", [
    ("raise_concern", "did you mean `raise_concerns`?"),
    ("welled", "did you mean `well_led`?"),
    ("zzz", "`wellled graph` lists every id"),
])
def test_explain_unknown_node_is_a_usage_error(wrong, hint):
    with pytest.raises(UsageError) as info:
        explain_text(rich(), wrong)
    assert f"`{wrong}`" in str(info.value) and hint in str(info.value)


# ---------------------------------------------------------------- real results


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_reports_render_for_real_results(fmt):
    from tests.unit.output.test_results_schema import REAL, real_result

    if not REAL:
        pytest.skip("no real bundles to assess")
    for criteria, bundle in REAL:
        result = real_result(criteria, bundle)
        text = render(result, fmt, AssessOptions())
        assert result["bundle"]["provider"]["name"] in text
        # The engine's own words never say "fail". A concern's advice is the criteria
        # authors' text for a board discussion ("which safety barriers failed"), so the
        # check reads the report without it.
        own = text
        for concern in result["results"][result["framework"]["root"]].get("concerns", []):
            for said in (concern.get("advice"), concern.get("text")):
                if said:
                    own = own.replace(said, "").replace(str(md_escape(said)), "")
        assert not re.search(r"\bfail", own, re.I)
        for node_id in result["results"]:
            assert node_anchor(node_id) in text
        if fmt == "html":
            page = _Page(text)
            assert set(link[1:] for link in page.links if link.startswith("#")) <= set(page.ids)


def test_a_shortened_trace_says_how_many_reads_it_leaves_out():
    from engine.output.explain import explain_text

    result = rich()
    node_id, node = next((k, v) for k, v in result["results"].items()
                         if any(e["kind"] == "rung" and e["reads"] for e in v["trace"]))
    event = next(e for e in node["trace"] if e["kind"] == "rung" and e["reads"])
    event["reads_omitted"] = 1234
    for text in (render(result, "html", AssessOptions()), render(result, "md", AssessOptions()),
                 explain_text(result, node_id)):
        assert "and 1234 more values read, not listed here" in text


# ---------------------------------------------------------------- small numbers (issue 15, 6)


def _ftsu(pointer, value):
    return Read("ftsu", "ftsu.yaml", pointer, True, False, value)


@pytest.mark.parametrize("responses,shown", [(1, "withheld: a group of fewer than 10"),
                                             (41, "100")])
def test_a_share_of_a_small_group_is_kept_back_with_its_count(responses, shown):
    count = _ftsu("/feedback_responses", responses)
    share = _ftsu("/feedback_would_speak_up_again_percent", 100)
    siblings = (count, share)
    assert read_value(count, AssessOptions(), siblings) == (
        "fewer than 10" if responses < 10 else str(responses))
    assert read_value(share, AssessOptions(), siblings) == shown
    other = share._replace(file="staff_survey.json")     # another file: another group
    assert read_value(other, AssessOptions(), (count, other)) == "100"


def test_a_worked_out_number_over_a_small_group_is_kept_back():
    event = Let("share", "a.crit:1", 100.0, True, (_ftsu("/feedback_responses", 1),))
    assert let_value(event, AssessOptions()) == "withheld: a group of fewer than 10"


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_lowbridge_one_response_and_its_hundred_percent_are_both_kept_back(fmt):
    from engine.api import assess_bundle, load_criteria

    result = assess_bundle(load_criteria(ROOT / "criteria" / "cqc_well_led"),
                           ROOT / "examples" / "bundles" / "lowbridge", AssessOptions())
    text = render(result, fmt, AssessOptions())
    assert "feedback_would_speak_up_again_percent" in text.replace("\\_", "_")
    line = re.compile(r"feedback(\\)?_would(\\)?_speak(\\)?_up(\\)?_again(\\)?_percent(</code></a>|`)?\s*=\s*"
                      r"(<span[^>]*>)?([^<\n]*)")
    values = {m.group(8).strip() for m in line.finditer(text)}
    assert values == {"withheld: a group of fewer than 10"}, values


def test_no_raw_floats_in_values():
    assert read_value(_read("/x", 33.333333333333336), AssessOptions()) == "33.3"


def test_a_node_named_like_a_dict_method_renders():
    """Templates look dict keys up first: no `.get(...)` on a mapping keyed by node ids."""
    from engine.output.compare import compare

    result = rich()
    result["results"]["get"] = dict(result["results"]["carbon_plan"], title="Get node")
    result["order"].append("get")
    result["since"] = compare(copy.deepcopy(result), result)
    for fmt in ("html", "md"):
        assert "Get node" in render(result, fmt, AssessOptions())
