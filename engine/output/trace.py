"""The working of one criterion (its trace) as HTML and as Markdown lines.

This is the bulk of every report (hundreds of events per bundle), so it is written here in
Python rather than as template macros: the same markup, about four times cheaper, which
keeps rendering below the cost of judging the bundle (docs/performance.md). Every value
from a bundle or a criteria file is escaped; sensitive values and small groups are kept
back by ``report.read_value`` and ``report.let_value``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup
from markupsafe import escape as _markup_escape

from engine.options import AssessOptions
from engine.words import printable


@lru_cache(maxsize=8192)
def _escape_str(text: str) -> str:
    # A pure memo: sources, file references and titles repeat hundreds of times a report.
    return str(_markup_escape(printable(text, keep_lines=True)))


def escape(value: Any) -> str:
    """``markupsafe.escape`` as a plain string (the trace is joined, then marked safe once),
    control characters and terminal escapes written visibly as the templates' finalize does."""
    return _escape_str(value if type(value) is str else str(value))


def file_targets(result: dict[str, Any]) -> dict[str, str]:
    """File or folder named by a read -> the anchor of its provenance row."""
    from engine.output.report import file_anchor

    paths = sorted(item["path"] for item in result["bundle"]["files"])
    out: dict[str, str] = {}
    for path in paths:
        out[path] = file_anchor(path)
        if "/" in path:
            out.setdefault(path.split("/", 1)[0] + "/", file_anchor(path))
            out.setdefault(path.split("/", 1)[0], file_anchor(path))
    return out


def _reads_html(event: dict[str, Any], result: dict[str, Any], options: AssessOptions,
                targets: dict[str, str]) -> str:
    from engine.output.report import SENSITIVE_TEXT, evidence_ref, read_value

    reads = event.get("reads")
    if not reads:
        return ""
    show_sensitive = options.include_sensitive
    parts = ['<ul class="reads">']
    for read in reads:
        ref = escape(evidence_ref(read))
        target = targets.get(read.get("file") or "")
        link = f'<a href="#{target}"><code>{ref}</code></a>' if target else f"<code>{ref}</code>"
        classes = "value"
        if not read.get("known"):
            classes += " unknown"
        if read.get("sensitive") and not show_sensitive:
            classes += " withheld"
            value = SENSITIVE_TEXT
        else:
            value = read_value(read, options, reads)
        parts.append(f'<li>{link} = <span class="{classes}">{escape(value)}</span></li>')
    omitted = event.get("reads_omitted")
    if omitted:
        parts.append(f'<li class="more">and {escape(omitted)} more values read, not listed '
                     "here (every one counts towards the judgement)</li>")
    parts.append("</ul>")
    return "\n".join(parts)


def _levels_html(event: dict[str, Any], result: dict[str, Any]) -> str:
    from engine.output.report import node_anchor, status_words

    used_levels = event.get("levels")
    if not used_levels:
        return ""
    nodes = result["results"]
    parts = ['<ul class="reads">']
    for used in used_levels:
        node_id = used.get("id")
        title = nodes[node_id]["title"] if node_id in nodes else node_id
        value = f"{used.get('low')}" + (f" to {used.get('high')}"
                                         if used.get("high") != used.get("low") else "")
        whole = (f" ({escape(status_words(used.get('status')))}: the whole scale)"
                 if used.get("status") in ("not_assessed", "not_applicable") else "")
        parts.append(f'<li>level of <a href="#{node_anchor(node_id)}">{escape(title)}</a> = '
                     f'<span class="value">{escape(value)}</span>{whole}</li>')
    parts.append("</ul>")
    return "\n".join(parts)


def _item(kind_class: str, mark: str, what: str, source: Any, body: str = "") -> str:
    return (f'<li class="event {kind_class}">\n  <span class="mark" aria-hidden="true">{mark}'
            f'</span>\n  <span class="what">{what}</span>\n  <span class="src">{escape(source)}'
            f"</span>\n{body}</li>")


def trace_html(node: dict[str, Any], result: dict[str, Any], options: AssessOptions,
               targets: dict[str, str] | None = None) -> Markup:
    """The ``<li>`` of each trace event of ``node``, in order. ``targets`` is
    ``file_targets(result)``, made once per report."""
    from engine.output.report import let_value, outcome_mark, outcome_words

    if targets is None:
        targets = file_targets(result)
    out = []
    for event in node.get("trace") or ():
        kind = event.get("kind")
        source = event.get("source")
        outcome = escape(event.get("outcome"))
        if kind in ("rung", "cap", "applies"):
            if kind == "rung":
                label = f" ({escape(event['label'])})" if event.get("label") else ""
                what = f"Level {escape(event.get('level'))}{label}"
            elif kind == "cap":
                what = f"Limit to level {escape(event.get('level'))}"
            else:
                what = "Whether this criterion applies"
            what += f": <strong>{escape(outcome_words(event))}</strong>"
            body = ""
            if kind != "applies" and event.get("because"):
                body += f'<p class="because">{escape(event["because"])}</p>\n'
            body += _reads_html(event, result, options, targets)
            if kind != "applies":
                body += _levels_html(event, result)
            out.append(_item(f"{kind} outcome-{outcome}", escape(outcome_mark(event)), what,
                             source, body + "\n" if body else ""))
        elif kind == "let":
            what = (f"Worked out <code>{escape(event.get('name'))}</code> = "
                    f'<span class="value">{escape(let_value(event, options))}</span>')
            body = _reads_html(event, result, options, targets)
            out.append(_item("let", "=", what, source, body + "\n" if body else ""))
        elif kind == "ladder":
            out.append(_item("ladder", "→", f"Result of the levels: {escape(event.get('text'))}",
                             source))
    return Markup("\n".join(out))


def trace_md(node: dict[str, Any], options: AssessOptions) -> str:
    """The trace events of ``node`` as Markdown list items (each value escaped), one a line."""
    from engine.output.report import (
        _MdSafe,
        evidence_ref,
        let_value,
        md_code,
        md_escape,
        outcome_words,
        read_value,
    )

    def reads_md(event: dict[str, Any]) -> str:
        reads = event.get("reads") or ()
        text = "".join(f"\n    - {md_code(evidence_ref(read))} = "
                       f"{md_escape(read_value(read, options, reads))}" for read in reads)
        if event.get("reads_omitted"):
            text += (f"\n    - and {md_escape(event['reads_omitted'])} more values read, "
                     "not listed here")
        return text

    lines = []
    for event in node.get("trace") or ():
        kind = event.get("kind")
        source = md_escape(event.get("source"))
        if kind in ("rung", "cap", "applies"):
            if kind == "rung":
                label = f" ({md_escape(event['label'])})" if event.get("label") else ""
                what = f"Level {md_escape(event.get('level'))}{label}"
            elif kind == "cap":
                what = f"Limit to level {md_escape(event.get('level'))}"
            else:
                what = "Whether this criterion applies"
            because = f". {md_escape(event['because'])}" if event.get("because") else ""
            lines.append(f"- {what}: {md_escape(outcome_words(event))} ({source}){because}"
                         f"{reads_md(event)}")
        elif kind == "let":
            lines.append(f"- Worked out {md_code(event.get('name'))} = "
                         f"{md_escape(let_value(event, options))} ({source}){reads_md(event)}")
        elif kind == "ladder":
            lines.append(f"- Result of the levels: {md_escape(event.get('text'))}")
    if not lines:
        lines.append("- No evidence was read for this criterion.")
    return _MdSafe("\n".join(lines) + "\n")
