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

import json
from typing import Any

from engine import words
from engine.errors import UsageError
from engine.diagnostics import did_you_mean

_OUTCOME = {"true": "true", "false": "false", "unknown": "unknown"}
_RUNG = {"true": "met", "false": "not met", "unknown": "unknown"}


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
    for event in node["trace"]:
        lines.extend(_event(event, nodes))
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


def _value(value: Any, known: bool = True) -> str:
    if not known:
        return "unknown"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _judgement(node: dict[str, Any]) -> str:
    status = node["status"].replace("_", " ")
    if node["level"] is None:
        return status
    if node["max_level"] not in (None, node["level"]):
        return (f"{status}: {node['label']}, could be {node['max_label']} "
                f"({node['level']} to {node['max_level']})")
    return f"{status}: {node['label']} ({node['level']})"


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


def _reads(event: dict[str, Any]) -> list[str]:
    out = []
    for read in event.get("reads", []):
        where = read.get("file") or f"{read.get('type')} (not provided)"
        note = " (sensitive)" if read.get("sensitive") else ""
        out.append(f"    {where}#{read.get('pointer', '')} = "
                   f"{_value(read.get('value'), read.get('known', False))}{note}")
    if event.get("reads_omitted"):
        out.append(f"    and {event['reads_omitted']} more values read, not listed here")
    return out


def _span(low: int | None, high: int | None) -> str:
    if low is None:
        return "no level"
    return str(low) if high in (None, low) else f"{low} to {high}"


def _inputs(inputs: list[dict[str, Any]]) -> str:
    return ", ".join(f"{i['id']} {words.level_range(i['low'], i['high'])}"
                     + (" (not assessed: the whole scale)" if i.get("status") == "not_assessed"
                        else "")
                     for i in inputs)


def _event(event: dict[str, Any], nodes: dict[str, Any]) -> list[str]:
    kind, src = event["kind"], event.get("source")
    if kind == "applies":
        return [f"applies ({src}): {_OUTCOME.get(event['outcome'], event['outcome'])}",
                *_reads(event)]
    if kind == "let":
        return [f"let {event['name']} = {_value(event.get('value'), event.get('known', False))}"
                f" ({src})", *_reads(event)]
    if kind == "rung":
        label = f" {event['label']}" if event.get("label") else ""
        lines = [f"rung {event['level']}{label} ({src}): {_RUNG.get(event['outcome'])}"]
        lines += _reads(event)
        if event.get("because"):
            lines.append(f"    because: {event['because']}")
        return lines
    if kind == "cap":
        effect = {"both": f"level held at {event['level']}",
                  "low": f"assured level held at {event['level']}"}.get(
            event.get("effect") or "", "no effect")
        lines = [f"cap {event['level']} ({src}): {_OUTCOME.get(event['outcome'])}, {effect}"]
        lines += _reads(event)
        if event.get("because"):
            lines.append(f"    because: {event['because']}")
        return lines
    if kind == "ladder":
        return [f"ladder: {event['text']} -> {_span(event['low'], event['high'])}"]
    if kind in ("aggregate", "category"):
        what = (f"category {event['category']} by {event['aggregation']}" if kind == "category"
                else f"aggregate by {event['aggregation']} ({event.get('method')})")
        return [f"{what} ({src}): {_inputs(event.get('inputs', []))}",
                f"    {event['text']}",
                f"    -> {_span(event['low'], event['high'])}"]
    if kind == "excluded":
        title = nodes.get(event["id"], {}).get("title", "")
        return [f"left out: {event['id']} ({title}): {event['status'].replace('_', ' ')}"]
    if kind == "concern":
        state = {"true": "raised", "false": "not raised",
                 "unknown": "not checked (evidence not provided)"}.get(event["outcome"], "")
        lines = [f"concern ({src}): {state}: {event['text']}", *_reads(event)]
        if event.get("advice") and event["outcome"] == "true":
            lines.append(f"    to discuss: {event['advice']}")
        return lines
    if kind == "warning":
        return [f"warning ({src}): {event['message']}"]
    return [f"{kind} ({src})"]


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
