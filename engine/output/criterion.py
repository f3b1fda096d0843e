"""One criterion's section of a report, as HTML and as Markdown.

A report holds one such section per criterion (dozens to thousands), each around its
trace (``trace.py``), so like the trace it is written here in Python rather than as a
template macro: the same text, a few times cheaper (docs/performance.md, issue 15). The
layout around it stays in the templates (``reports/report.html.j2``, ``report.md.j2``).
Every value from a bundle or a criteria file is escaped as the templates would: HTML by
``trace.escape`` (visible control characters, then markup escaped), Markdown by
``report.md_escape`` and ``report.md_code``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup

from engine.options import AssessOptions
from engine.output.phrases import (
    _MdSafe,
    badge,
    md_code,
    md_escape,
    node_anchor,
    outcome_words,
    range_digits,
    range_words,
    scale_label,
    status_words,
)
from engine.output.trace import escape, trace_html, trace_md


def change_mark_html(view: dict[str, Any], node_id: str) -> Markup:
    """The "up" / "down" / ... mark beside a node changed since the last assessment, or ""."""
    change = view["change_of"].get(node_id)
    if not change:
        return Markup("")
    what = str(change["change"])
    return Markup(f' <span class="change change-{escape(what.replace(" ", "-"))}" '
                  f'title="{escape(change["words"])}">{escape(what)}</span>')


def combine_item_html(result: dict[str, Any], event: Any) -> Markup:
    """One step of how a statement's or key question's level was combined, as an ``<li>``
    (an ``Excluded`` child, a ``Category``, an ``Aggregate`` or a ``Cap`` event of the
    judgement record); "" for any other event."""
    kind = event.kind
    source = f' <span class="src">{escape(event.source)}</span></li>\n'
    if kind == "excluded":
        node_id = event.id
        nodes = result["results"]
        title = nodes[node_id]["title"] if node_id in nodes else node_id
        return Markup(f'<li><a href="#{escape(node_anchor(node_id))}">{escape(title)}</a> left '
                      f'out: {escape(status_words(event.status))}{source}')
    if kind == "category":
        return Markup(f"<li>Evidence category <strong>{escape(_words(event.category))}"
                      f"</strong> ({escape(_words(event.aggregation))}): "
                      f"{escape(event.text)}{source}")
    if kind == "aggregate":
        return Markup(f"<li>Combined by <strong>{escape(_words(event.aggregation))}"
                      f"</strong> ({escape(_words(event.method))}): "
                      f"{escape(event.text)}{source}")
    if kind == "cap":
        because = f". {escape(event.because)}" if event.because else ""
        return Markup(f"<li>Limit to level {escape(event.level)}: <strong>"
                      f"{escape(outcome_words(event))}</strong>{because}{source}")
    return Markup("")


def _words(value: Any) -> str:
    return str(value).replace("_", " ")


def gap_items_html(gaps: list[dict[str, Any]]) -> Markup:
    """An ``<li>`` for each missing piece of evidence: title, type and field (or the whole
    file), as the page's lists of evidence gaps show them."""
    return Markup("".join(f"<li>{_gap_text_html(*_gap_key(gap))}</li>" for gap in gaps))


def _gap_key(gap: dict[str, Any]) -> tuple[str, str, str]:
    """A gap's title (its evidence type when it has none), evidence type and field."""
    return gap.get("title") or gap["evidence"], gap["evidence"], gap.get("pointer") or ""


@lru_cache(maxsize=4096)
def _gap_text_html(title: str, evidence: str, pointer: str) -> str:
    # A pure memo: a gap is named by the criteria (evidence type, its title, a field), and
    # each is shown two or three times a report.
    where = f"field <code>{escape(pointer)}</code>" if pointer else "the whole file or folder"
    return f"{escape(title)} (<code>{escape(evidence)}</code>), {where}"


def _gap_html(gap: dict[str, Any]) -> str:
    missing = (": the file is there but this field is missing"
               if gap.get("provided") and gap.get("pointer") else "")
    return f"      <li>{_gap_text_html(*_gap_key(gap))}{missing}</li>\n"


def criterion_html(result: dict[str, Any], node_id: str, options: AssessOptions,
                   view: dict[str, Any], media: str) -> Markup:
    """The ``<details>`` of one criterion: level, what good looks like, the working, the
    next step and the evidence that would help."""
    node = result["results"][node_id]
    is_open = " open" if media == "pdf" else ""
    words_ = escape(range_words(node))
    parts = [
        f'<details class="criterion status-{escape(node["status"])}" '
        f'id="{escape(node_anchor(node_id))}"{is_open}>\n'
        f'  <summary><span class="c-title">{escape(node["title"])}</span> '
        f'{badge(node, result)}{change_mark_html(view, node_id)}</summary>\n'
        '  <div class="c-body">\n']
    if node.get("level") is not None:
        description = node.get("description")
        parts.append(f'    <p class="c-level"><strong>{words_}</strong>'
                     f'{": " + escape(description) if description else ""}</p>\n')
    else:
        parts.append(f'    <p class="c-level"><strong>{words_}</strong>.\n')
        parts.append("This criterion does not apply to this provider and is left out of the "
                     "statement's level.</p>\n" if node["status"] == "not_applicable" else
                     "The evidence needed to judge it was not in the bundle; it is listed "
                     "under evidence gaps.</p>\n")
    if node.get("good"):
        parts.append(f'    <h4>What good looks like</h4>\n'
                     f'    <p class="good">{escape(node["good"])}</p>\n')
    parts.append(f'    <details class="working"{is_open}>\n'
                 '    <summary>How this was worked out</summary>\n')
    events = view["events"][node_id]
    if events:
        parts.append(f'    <ol class="trace">\n'
                     f'    {trace_html(events, result, options, view["targets"])}\n'
                     '    </ol>\n')
    else:
        parts.append("    <p>No evidence was read for this criterion.</p>\n")
    category = node.get("category")
    parts.append(f'    <p class="source">'
                 f'{"Evidence category: " + escape(str(category).replace("_", " ")) + ". " if category else ""}'
                 f'Criteria: <code>{escape(node["source"])}</code>, id <code>{escape(node_id)}</code>'
                 f'</p>\n    </details>\n')
    step = view["next_steps"][node_id]
    level = node.get("level")
    if (node["status"] != "not_applicable"
            and (level is None or level < len(result["framework"]["scale"]))
            and (step["unmet"] or step["advice"])):
        parts.append("    <h4>Next step</h4>\n")
        if step["unmet"]:
            parts.append('<ul class="unmet">' + "".join(
                f"<li>{escape(w)}</li>" for w in step["unmet"]) + "</ul>")
        if step["advice"]:
            parts.append(f'<p class="advice">{escape(step["advice"])}</p>')
    if node.get("gaps"):
        parts.append('    <h4>Evidence that would help</h4>\n    <ul class="gaps">\n')
        parts.extend(_gap_html(gap) for gap in node["gaps"])
        parts.append("    </ul>\n")
    parts.append("  </div>\n</details>")
    return Markup("".join(parts))


def _gap_md(gap: dict[str, Any]) -> str:
    return _gap_text_md(*_gap_key(gap))


@lru_cache(maxsize=4096)
def _gap_text_md(title: str, evidence: str, pointer: str) -> str:
    # A pure memo, as _gap_text_html.
    where = "field " + md_code(pointer) if pointer else md_escape("the whole file or folder")
    return f"{md_escape(title)} ({md_code(evidence)}), {where}"


def gap_lines_md(gaps: list[dict[str, Any]]) -> str:
    """A nested list item for each missing piece of evidence in Markdown: title, type and
    field, one a line."""
    return _MdSafe("".join(f"    - {_gap_md(gap)}\n" for gap in gaps))


def criterion_md(result: dict[str, Any], node_id: str, options: AssessOptions,
                 view: dict[str, Any]) -> str:
    """One criterion's section of report.md, from the blank line before its anchor to its
    source line."""
    c = result["results"][node_id]
    level = c.get("level")
    change = view["change_of"][node_id] if node_id in view["change_of"] else None
    if level is not None:
        description = c.get("description")
        shown = f" (level {range_digits(c)})" + (f": {description}" if description else "")
    else:
        shown = ""
    parts = [f'\n<a id="{node_anchor(node_id)}"></a>\n### {md_escape(c["title"])}\n\n'
             f"**{md_escape(range_words(c))}**{md_escape(shown)}"
             f"{md_escape('; since last time: ' + str(change['words'])) if change is not None else ''}\n\n"]
    if c.get("good"):
        parts.append(f"What good looks like: {md_escape(c['good'])}\n\n")
    parts.append("How this was worked out:\n\n")
    parts.append(trace_md(view["events"][node_id], options, result))
    step = view["next_steps"][node_id]
    if (c["status"] != "not_applicable"
            and (level is None or level < len(result["framework"]["scale"]))
            and (step["unmet"] or step["advice"])):
        unmet = step["unmet"]
        reach = md_escape(", to reach " + str(scale_label(result, step["level"]))) if unmet else ""
        what = md_escape(" " + "; ".join(unmet) + ".") if unmet else ""
        advice = md_escape(" " + str(step["advice"])) if step["advice"] else ""
        parts.append(f"\nNext step{reach}:{what}{advice}\n")
    if c.get("gaps"):
        parts.append("\nEvidence that would help:\n\n")
        parts.extend(f"- {_gap_md(gap)}\n" for gap in c["gaps"])
    parts.append(f"\nCriteria: {md_code(c['source'])}, id {md_code(node_id)}\n")
    return _MdSafe("".join(parts))
