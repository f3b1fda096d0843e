"""The whole trace of one judgement as readable text (``wellled explain``).

Pure formatting over a result document: the judgement is never recomputed.
Each rung and cap is shown with its criteria line, its outcome and every value
read as ``file#/pointer = value``; statements and key questions show the
aggregation arithmetic; the advice and the evidence gaps close the text.
Values are shown as result.json holds them (sensitive ones are already
"[sensitive]" there unless ``--include-sensitive`` was given).

>>> print(explain_text(result, "raise_concerns"))        # doctest: +SKIP
raise_concerns: Staff can raise concerns without fear of reprisal
...
"""

from __future__ import annotations

from typing import Any

from engine import words
from engine.errors import UsageError
from engine.judge.record import (
    Aggregate,
    Applies,
    Cap,
    Category,
    Concern,
    Event,
    Excluded,
    Input,
    Ladder,
    Let,
    Rung,
    outcome_text,
    shown_value,
)
from engine.diagnostics import did_you_mean
from engine.output.results import events_of



def explain_text(result: dict[str, Any], node_id: str) -> str:
    """Every step behind the judgement of ``node_id``, one line each, ending in a newline.

    Raises ``UsageError`` (with a did-you-mean) when ``node_id`` is not in the result.
    """
    nodes = result["results"]
    if node_id not in nodes:
        hint = did_you_mean(node_id, nodes)
        raise UsageError(f"no criterion, statement or key question `{node_id}` in the result"
                         + (f"; {hint}" if hint else "; `wellled graph` lists every id"))
    node = nodes[node_id]
    lines = _heading(result, node_id, node)
    labels = {step["level"]: step["label"] for step in result["framework"]["scale"]}
    for event in events_of(node):
        lines.extend(_event(event, nodes, labels))
    lines.extend(_closing(node))
    return "\n".join(lines) + "\n"


def child_noun(node: dict[str, Any], nodes: dict[str, Any]) -> str:
    """What a parent's children are called: "criterion", "statement" or "key question"."""
    kinds = {nodes[c]["kind"] for c in node.get("children", ()) if c in nodes}
    kind = kinds.pop() if len(kinds) == 1 else "criterion"
    return kind.replace("_", " ")


def coverage_text(node: dict[str, Any], nodes: dict[str, Any]) -> str:
    """ "judged on 1 of 8 statements" when some children have no level of their own, else ""."""
    cov = node.get("coverage")
    if not cov:
        return ""
    return words.coverage(cov["assessed"], cov["of"], child_noun(node, nodes))


def judgement_line(node: dict[str, Any], nodes: dict[str, Any]) -> str:
    """A node's judgement in one line, never a parent's level without its coverage:
    "Foundations, could be Exemplary (1 to 4, partial, judged on 1 of 8 statements)"."""
    status = node["status"]
    text = words.judgement(node.get("label"), node.get("max_label"), node["level"],
                           node["max_level"], status)
    detail = []
    if node["level"] is not None:
        detail += [words.level_range(node["level"], node["max_level"]),
                   status.replace("_", " ")]
    cov = coverage_text(node, nodes)
    if cov:
        detail.append(cov)
    return f"{text} ({', '.join(detail)})" if detail else text


def _judgement(node: dict[str, Any]) -> str:
    status = node["status"].replace("_", " ")
    if node["level"] is None:
        return status
    text = words.judgement(node["label"], node["max_label"], node["level"], node["max_level"])
    return f"{status}: {text} ({words.level_range(node['level'], node['max_level'])})"


def _heading(result: dict[str, Any], node_id: str, node: dict[str, Any]) -> list[str]:
    kind = node["kind"].replace("_", " ")
    where = f"under {node['parent']}, " if node.get("parent") else ""
    lines = [f"{node_id}: {node['title']}",
             f"{kind} {where}declared at {node.get('source')}",
             f"judgement: {_judgement(node)}"]
    cov = coverage_text(node, result["results"])
    if cov:
        lines.append(f"{cov}; the others took part as the whole scale, "
                     f"{words.level_range(1, len(result['framework']['scale']))}")
    if node.get("category"):
        lines.append(f"evidence category: {node['category']}")
    lines.append("")
    return lines


def _reads(event: Applies | Let | Rung | Cap | Concern) -> list[str]:
    out = []
    for read in event.reads:
        where = read.file or f"{read.type} (not provided)"
        note = " (sensitive)" if read.sensitive else ""
        out.append(f"    {where}#{read.pointer} = {words.trace_value(read.value, read.known)}"
                   f"{note}")
    if event.reads_omitted:
        out.append(f"    and {event.reads_omitted} more values read, not listed here")
    return out


def _span(event: Ladder | Aggregate | Category) -> str:
    return words.level_range(event.low, event.high, none="no level")


def _inputs(inputs: tuple[Input, ...]) -> str:
    return ", ".join(f"{i.id} {words.level_range(i.low, i.high)}"
                     + (" (not assessed: the whole scale)" if i.status == "not_assessed"
                        else "")
                     for i in inputs)


def _event(event: Event, nodes: dict[str, Any], labels: dict[int, str]) -> list[str]:
    kind = type(event)
    src = event.source
    if kind is Applies:
        return [f"applies ({src}): {outcome_text(event.outcome)}", *_reads(event)]
    if kind is Let:
        return [f"let {event.name} = "
                f"{words.trace_value(shown_value(event.value, True), event.known)}"
                f" ({src})", *_reads(event)]
    if kind is Rung:
        label = f" {labels[event.level]}" if labels.get(event.level) else ""
        lines = [f"rung {event.level}{label} ({src}): "
                 f"{words.rung_outcome(outcome_text(event.outcome))}"]
        lines += _reads(event)
        if event.because:
            lines.append(f"    because: {event.because}")
        return lines
    if kind is Cap:
        effect = words.cap_outcome(outcome_text(event.outcome), event.level, event.effect)
        lines = [f"cap {event.level} ({src}): {outcome_text(event.outcome)}, {effect}"]
        lines += _reads(event)
        if event.because:
            lines.append(f"    because: {event.because}")
        return lines
    if kind is Ladder:
        return [f"ladder: {event.text} -> {_span(event)}"]
    if kind is Aggregate or kind is Category:
        what = (f"category {event.category} by {event.aggregation}" if kind is Category
                else f"aggregate by {event.aggregation} ({event.method})")
        return [f"{what} ({src}): {_inputs(event.inputs)}",
                f"    {event.text}",
                f"    -> {_span(event)}"]
    if kind is Excluded:
        title = nodes.get(event.id, {}).get("title", "")
        return [f"left out: {event.id} ({title}): {event.status.replace('_', ' ')}"]
    # a Concern: the only kind left
    state = words.concern_outcome(outcome_text(event.outcome))
    lines = [f"concern ({src}): {state}: {event.text}", *_reads(event)]
    if event.advice and event.outcome is True:
        lines.append(f"    to discuss: {event.advice}")
    return lines


def _closing(node: dict[str, Any]) -> list[str]:
    lines = [""]
    for concern in node.get("concerns", []):
        lines.append(f"concern to discuss: {concern['text']} ({concern['node']}, "
                     f"{concern['source']})")
    for concern in node.get("concerns_not_checked", []):
        lines.append(f"concern not checked (evidence not provided): {concern['text']} "
                     f"({concern['node']}, {concern['source']})")
    lines.append(f"next step: {node['advice']}" if node.get("advice") else "next step: none")
    step = node.get("next_step")
    if step:
        label = f" ({step['label']})" if step.get("label") else ""
        lines.append(f"to reach level {step['level']}{label}, not yet met:")
        lines.extend(f"    {u['words']}  [{u['condition']}]" for u in step["unmet"])
    for gap in node.get("gaps", []):
        lines.append(f"evidence gap: {gap['evidence']} ({gap.get('title') or gap['evidence']}) "
                     f"{gap['pointer']}")
    return lines
