"""The working of one criterion (its trace) as HTML and as Markdown lines.

This is the bulk of every report (hundreds of events per bundle), so it is written here in
Python rather than as template macros: the same markup, about four times cheaper, which
keeps rendering below the cost of judging the bundle (docs/performance.md). It reads the
typed events of the judgement record (``engine/judge/record.py``), made from the result
document once per report by ``trace_events``. Every value from a bundle or a criteria file
is escaped; sensitive values and small groups are kept back by ``report.read_value`` and
``report.let_value``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup
from markupsafe import escape as _markup_escape

from engine import words
from engine.judge.record import Applies, Cap, Event, Ladder, Let, Rung, outcome_text
from engine.options import AssessOptions
from engine.output.phrases import (
    SENSITIVE_TEXT,
    _MdSafe,
    file_anchor,
    kind_outcome_words,
    let_value,
    md_code,
    md_escape,
    node_anchor,
    outcome_sign,
    read_value,
    status_words,
)
from engine.output.results import events_of
from engine.words import printable


@lru_cache(maxsize=8192)
def _escape_str(text: str) -> str:
    # A pure memo: sources, file references and titles repeat hundreds of times a report.
    return str(_markup_escape(printable(text, keep_lines=True)))


def escape(value: Any) -> str:
    """``markupsafe.escape`` as a plain string (the trace is joined, then marked safe once),
    control characters and terminal escapes written visibly as the templates' finalize does."""
    return _escape_str(value if type(value) is str else str(value))


def trace_events(result: dict[str, Any]) -> dict[str, tuple[Event, ...]]:
    """Node id -> its trace as typed events: made once per result, shared by its reports."""
    return {node_id: events_of(node) for node_id, node in result["results"].items()}


@lru_cache(maxsize=8192)
def _link_html(file: str | None, type_: str, pointer: str, target: str | None) -> str:
    # A pure memo: the same fields are read by several rungs, and again in every report.
    ref = escape(f"{file or f'{type_} (not provided)'}#{pointer or ''}")
    return f'<a href="#{target}"><code>{ref}</code></a>' if target else f"<code>{ref}</code>"


@lru_cache(maxsize=8192)
def _ref_md(file: str | None, type_: str, pointer: str) -> str:

    return md_code(f"{file or f'{type_} (not provided)'}#{pointer or ''}")


def _label(scale: list[dict[str, Any]], level: int) -> str | None:
    """The scale label of a rung's level, as result.json writes it (the scale's level-th step)."""
    return scale[level - 1]["label"] if 0 < level <= len(scale) else None


def file_targets(result: dict[str, Any]) -> dict[str, str]:
    """File or folder named by a read -> the anchor of its provenance row."""

    paths = sorted(item["path"] for item in result["bundle"]["files"])
    out: dict[str, str] = {}
    for path in paths:
        out[path] = file_anchor(path)
        if "/" in path:
            out.setdefault(path.split("/", 1)[0] + "/", file_anchor(path))
            out.setdefault(path.split("/", 1)[0], file_anchor(path))
    return out


def _reads_html(event: Applies | Let | Rung | Cap, options: AssessOptions,
                targets: dict[str, str]) -> str:

    reads = event.reads
    if not reads:
        return ""
    show_sensitive = options.include_sensitive
    parts = ['<ul class="reads">']
    for read in reads:
        file = read.file
        link = _link_html(file, read.type, read.pointer, targets.get(file or ""))
        classes = "value"
        if not read.known:
            classes += " unknown"
        if read.sensitive and not show_sensitive:
            classes += " withheld"
            value = SENSITIVE_TEXT
        else:
            value = read_value(read, options, reads)
        parts.append(f'<li>{link} = <span class="{classes}">{escape(value)}</span></li>')
    omitted = event.reads_omitted
    if omitted:
        parts.append(f'<li class="more">and {escape(omitted)} more values read, not listed '
                     "here (every one counts towards the judgement)</li>")
    parts.append("</ul>")
    return "\n".join(parts)


def _levels_html(event: Rung | Cap, result: dict[str, Any]) -> str:

    if not event.levels:
        return ""
    nodes = result["results"]
    parts = ['<ul class="reads">']
    for used in event.levels:
        node_id = used.id
        title = nodes[node_id]["title"] if node_id in nodes else node_id
        value = words.level_range(used.low, used.high)
        whole = (f" ({escape(status_words(used.status))}: the whole scale)"
                 if used.status in ("not_assessed", "not_applicable") else "")
        parts.append(f'<li>level of <a href="#{node_anchor(node_id)}">{escape(title)}</a> = '
                     f'<span class="value">{escape(value)}</span>{whole}</li>')
    parts.append("</ul>")
    return "\n".join(parts)


def _opening(kind_class: str, mark: str, what: str, source: Any) -> str:
    return (f'<li class="event {kind_class}">\n  <span class="mark" aria-hidden="true">{mark}'
            f'</span>\n  <span class="what">{what}</span>\n  <span class="src">{escape(source)}'
            "</span>\n")


def _item(kind_class: str, mark: str, what: str, source: Any, body: str = "") -> str:
    return f"{_opening(kind_class, mark, what, source)}{body}</li>"


@lru_cache(maxsize=8192)
def _judged_html(kind: type, level: int | None, label: str | None, outcome: str, mark: str,
                 source: str, because: str | None) -> tuple[str, str]:
    """The opening of a rung's, cap's or ``applies``' ``<li>`` (mark, what was tested, its
    outcome in words, source) and its "because" paragraph. A pure memo of criteria text and
    an outcome: the same lines come out the same way for most bundles (a fifth of a trace's
    cost, about 0.15 ms a report; issue 15)."""
    if kind is Rung:
        what = f"Level {escape(level)}{f' ({escape(label)})' if label else ''}"
    elif kind is Cap:
        what = f"Limit to level {escape(level)}"
    else:
        what = "Whether this criterion applies"
    what += f": <strong>{escape(kind_outcome_words(kind, outcome, level))}</strong>"
    return (_opening(f"{kind.kind} outcome-{outcome}", escape(mark), what, source),
            f'<p class="because">{escape(because)}</p>\n' if because else "")


def trace_html(events: tuple[Event, ...], result: dict[str, Any], options: AssessOptions,
               targets: dict[str, str] | None = None) -> Markup:
    """The ``<li>`` of each trace event of one node (``trace_events(result)[node_id]``), in
    order. ``targets`` is ``file_targets(result)``, made once per report."""

    if targets is None:
        targets = file_targets(result)
    scale = result["framework"]["scale"]
    out = []
    for event in events:
        kind = type(event)
        if kind is Rung or kind is Cap or kind is Applies:
            if kind is Applies:
                head, body = _judged_html(kind, None, None, outcome_text(event.outcome),
                                          outcome_sign(event.outcome), event.source, None)
            else:
                level = event.level
                head, body = _judged_html(kind, level,
                                          _label(scale, level) if kind is Rung else None,
                                          outcome_text(event.outcome), outcome_sign(event.outcome),
                                          event.source, event.because)
            if event.reads:
                body += _reads_html(event, options, targets)
            if kind is not Applies and event.levels:
                body += _levels_html(event, result)
            out.append(f"{head}{body}\n</li>" if body else f"{head}</li>")
        elif kind is Let:
            what = (f"Worked out <code>{escape(event.name)}</code> = "
                    f'<span class="value">{escape(let_value(event, options))}</span>')
            body = _reads_html(event, options, targets)
            out.append(_item("let", "=", what, event.source, body + "\n" if body else ""))
        elif kind is Ladder:
            out.append(_item("ladder", "→", f"Result of the levels: {escape(event.text)}",
                             event.source))
    return Markup("\n".join(out))


@lru_cache(maxsize=8192)
def _judged_md(kind: type, level: int | None, label: str | None, outcome: str, source: str,
               because: str | None) -> str:
    """A rung's, cap's or ``applies``' list item up to its reads: a pure memo, as
    ``_judged_html``."""
    if kind is Rung:
        what = f"Level {md_escape(level)}{f' ({md_escape(label)})' if label else ''}"
    elif kind is Cap:
        what = f"Limit to level {md_escape(level)}"
    else:
        what = "Whether this criterion applies"
    because = f". {md_escape(because)}" if because else ""
    return (f"- {what}: {md_escape(kind_outcome_words(kind, outcome, level))} ({md_escape(source)})"
            f"{because}")


def trace_md(events: tuple[Event, ...], options: AssessOptions, result: dict[str, Any]) -> str:
    """The trace events of one node as Markdown list items (each value escaped), one a line."""

    def reads_md(event: Applies | Let | Rung | Cap) -> str:
        reads = event.reads
        text = "".join(f"\n    - {_ref_md(read.file, read.type, read.pointer)} = "
                       f"{md_escape(read_value(read, options, reads))}" for read in reads)
        if event.reads_omitted:
            text += (f"\n    - and {md_escape(event.reads_omitted)} more values read, "
                     "not listed here")
        return text

    scale = result["framework"]["scale"]
    lines = []
    for event in events:
        kind = type(event)
        if kind is Rung or kind is Cap or kind is Applies:
            if kind is Applies:
                head = _judged_md(kind, None, None, outcome_text(event.outcome), event.source,
                                  None)
            else:
                level = event.level
                head = _judged_md(kind, level, _label(scale, level) if kind is Rung else None,
                                  outcome_text(event.outcome), event.source, event.because)
            lines.append(f"{head}{reads_md(event)}" if event.reads or event.reads_omitted
                         else head)
        elif kind is Let:
            lines.append(f"- Worked out {md_code(event.name)} = "
                         f"{md_escape(let_value(event, options))} ({md_escape(event.source)})"
                         f"{reads_md(event)}")
        elif kind is Ladder:
            lines.append(f"- Result of the levels: {md_escape(event.text)}")
    if not lines:
        lines.append("- No evidence was read for this criterion.")
    return _MdSafe("\n".join(lines) + "\n")
