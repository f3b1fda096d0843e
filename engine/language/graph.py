"""The dependency graph: which node needs which, cycles, and the order of judgement.

Nodes are plain ids with attributes ``kind`` (framework, key_question,
statement, criterion, evidence) and ``span``. An edge runs from a node to what
it depends on, with ``kind`` ``contains`` (framework -> root, key question ->
its statements, statement -> its criteria), ``reads`` (-> evidence) or
``level`` (-> the target of ``level(...)``), and the ``span`` that made it.

>>> g = nx.DiGraph([("s", "c")])
>>> judgement_order(g, {"s": "statement", "c": "criterion"})
('c', 's')
"""

from __future__ import annotations

import json

import networkx as nx

from engine.diagnostics import Diagnostics
from engine.language.resolve import JUDGED, Symbols
from engine.source import Span


def build_graph(symbols: Symbols) -> nx.DiGraph:
    """The dependency graph of a resolved set (unresolved references make no edge)."""
    graph = nx.DiGraph()
    fw = symbols.framework
    if fw is not None:
        graph.add_node(fw.id, kind="framework", span=fw.id_span)
    for kind, table in (("evidence", symbols.evidence), ("key_question", symbols.key_questions),
                        ("statement", symbols.statements), ("criterion", symbols.criteria)):
        for ident, decl in table.items():
            graph.add_node(ident, kind=kind, span=decl.id_span)
    if fw is not None and fw.root in graph and fw.root_span is not None:
        graph.add_edge(fw.id, fw.root, kind="contains", span=fw.root_span)
    for statement in symbols.statements.values():
        if statement.under in symbols.key_questions and statement.under_span is not None:
            graph.add_edge(statement.under, statement.id, kind="contains",
                           span=statement.under_span)
        for criterion in statement.criteria:
            if symbols.criteria.get(criterion.id) is criterion:
                graph.add_edge(statement.id, criterion.id, kind="contains",
                               span=criterion.id_span)
    for owner, reads in symbols.reads.items():
        for evidence, span in reads.items():
            graph.add_edge(owner, evidence, kind="reads", span=span)
    for owner, uses in symbols.uses.items():
        for target, span in uses.items():
            graph.add_edge(owner, target, kind="level", span=span)
    return graph


def find_cycles(graph: nx.DiGraph, diags: Diagnostics) -> bool:
    """E020 for each cycle, printed whole (``a -> b -> a``); True if there was one.

    One cycle is reported per strongly connected component, starting at its
    smallest id, so the output is stable and never grows with the number of
    distinct cycles (which can be exponential).
    """
    found = False
    for component in sorted(nx.strongly_connected_components(graph), key=min):
        start = min(component)
        if len(component) == 1 and not graph.has_edge(start, start):
            continue
        found = True
        cycle = _cycle_from(graph.subgraph(component), start)
        edges = list(zip(cycle, cycle[1:]))
        path = " -> ".join(cycle)
        related = [(f"`{a}` depends on `{b}` ({graph.edges[a, b]['kind']})",
                    graph.edges[a, b]["span"]) for a, b in edges]
        diags.error("E020", f"dependency cycle: `{path}`", graph.edges[edges[0]]["span"],
                    "a node cannot depend, directly or through others, on itself; "
                    "remove one of these links", related)
    return found


def _cycle_from(component: nx.DiGraph, start: str) -> list[str]:
    """A cycle through ``start`` inside one strong component: ``[start, ..., start]``."""
    if component.has_edge(start, start):
        return [start, start]
    back = nx.shortest_path(component, source=min(component.successors(start)), target=start)
    return [start, *back]


def judgement_order(graph: nx.DiGraph, kinds: dict[str, str] | None = None) -> tuple[str, ...]:
    """Criteria, statements and key questions, each after everything it depends on."""
    kinds = kinds or {node: data.get("kind") for node, data in graph.nodes(data=True)}
    ordered = nx.lexicographical_topological_sort(graph.reverse(copy=False))
    return tuple(node for node in ordered if kinds.get(node) in JUDGED)


# ---------------------------------------------------------------- rendering


def render_graph(graph: nx.DiGraph, fmt: str) -> str:
    """The graph as ``dot``, ``mermaid`` or ``json`` text, sorted so it is stable."""
    nodes = sorted(graph.nodes(data=True), key=lambda item: item[0])
    edges = sorted(graph.edges(data=True), key=lambda item: (item[0], item[1]))
    if fmt == "json":
        return json.dumps({
            "nodes": [{"id": ident, "kind": data.get("kind"), **_where(data.get("span"))}
                      for ident, data in nodes],
            "edges": [{"from": a, "to": b, "kind": data.get("kind"),
                       **_where(data.get("span"))} for a, b, data in edges],
        }, indent=2, sort_keys=True)
    if fmt == "mermaid":
        lines = ["flowchart TD"]
        lines += [f'  {_mermaid_id(i)}["{i}<br/><small>{d.get("kind")}</small>"]'
                  for i, d in nodes]
        arrows = {"contains": "-->", "reads": "-.->", "level": "==>"}
        lines += [f"  {_mermaid_id(a)} {arrows.get(d.get('kind'), '-->')} {_mermaid_id(b)}"
                  for a, b, d in edges]
        return "\n".join(lines)
    if fmt == "dot":
        shapes = {"framework": "doubleoctagon", "key_question": "octagon", "statement": "box",
                  "criterion": "ellipse", "evidence": "note"}
        lines = ["digraph criteria {", "  rankdir=LR;"]
        lines += [f'  "{i}" [kind="{d.get("kind")}", shape={shapes.get(d.get("kind"), "box")}];'
                  for i, d in nodes]
        styles = {"contains": "solid", "reads": "dashed", "level": "bold"}
        lines += [f'  "{a}" -> "{b}" [kind="{d.get("kind")}", '
                  f'style={styles.get(d.get("kind"), "solid")}];' for a, b, d in edges]
        lines.append("}")
        return "\n".join(lines)
    raise ValueError(f"unknown graph format `{fmt}`")


def _where(span: Span | None) -> dict:
    if span is None:
        return {}
    return {"path": span.path, "line": span.line, "column": span.column}


def _mermaid_id(ident: str) -> str:
    # Mermaid reads some bare words (`end`, `graph`) as keywords; a prefix avoids them all.
    return f"n_{ident}"
