"""The dependency graph: edges, whole cycles, the order of judgement, stable renderings."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from engine.language.check import check_set
from engine.diagnostics import Diagnostics
from engine.language.graph import find_cycles, judgement_order, render_graph
from engine.source import Span

CONFORMANCE = (Path(__file__).resolve().parents[2] / "data" / "conformance/criteria")
pytestmark = pytest.mark.skipif(not CONFORMANCE.exists(), reason="no conformance set")


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    checked, diags = check_set(CONFORMANCE)
    assert checked is not None, diags.format()
    return checked.graph


@pytest.mark.parametrize("source, target, kind", [
    ("cqc_well_led", "well_led", "contains"),
    ("well_led", "shared_direction", "contains"),
    ("shared_direction", "raise_concerns", "contains"),
    ("vision_coproduced", "strategy", "reads"),
    ("staff_know_vision", "staff_survey", "reads"),
    ("raise_concerns", "ftsu", "reads"),
    ("raise_concerns", "staff_survey", "reads"),
    ("raise_concerns", "staff_know_vision", "level"),
])
def test_edges(graph: nx.DiGraph, source: str, target: str, kind: str) -> None:
    assert graph.edges[source, target]["kind"] == kind
    assert isinstance(graph.edges[source, target]["span"], Span)


def test_node_kinds(graph: nx.DiGraph) -> None:
    kinds = dict(graph.nodes(data="kind"))
    assert kinds == {"cqc_well_led": "framework", "well_led": "key_question",
                     "shared_direction": "statement", "vision_coproduced": "criterion",
                     "staff_know_vision": "criterion", "raise_concerns": "criterion",
                     "strategy": "evidence", "staff_survey": "evidence", "ftsu": "evidence"}
    assert graph.number_of_edges() == 10


def test_order_puts_dependencies_first(graph: nx.DiGraph) -> None:
    order = judgement_order(graph)
    assert order == ("staff_know_vision", "raise_concerns", "vision_coproduced",
                     "shared_direction", "well_led")
    for node in order:
        for dependency in graph.successors(node):
            if dependency in order:
                assert order.index(dependency) < order.index(node)


def span(line: int) -> Span:
    return Span("g.crit", line, 1, line, 2)


@pytest.mark.parametrize("edges, expected", [
    ([("a", "a")], ["dependency cycle: `a -> a`"]),
    ([("b", "a"), ("a", "b")], ["dependency cycle: `a -> b -> a`"]),
    ([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")], ["dependency cycle: `a -> b -> c -> a`"]),
    ([("x", "y"), ("y", "x"), ("p", "q"), ("q", "p")],
     ["dependency cycle: `p -> q -> p`", "dependency cycle: `x -> y -> x`"]),
    ([("a", "b"), ("b", "c")], []),
])
def test_cycles_are_reported_whole(edges: list[tuple[str, str]], expected: list[str]) -> None:
    graph = nx.DiGraph()
    for number, (a, b) in enumerate(edges, start=1):
        graph.add_edge(a, b, kind="level", span=span(number))
    diags = Diagnostics()
    assert find_cycles(graph, diags) == bool(expected)
    assert sorted(d.message for d in diags) == expected
    for d in diags:
        cycle = d.message.split("`")[1].split(" -> ")
        assert len(d.related) == len(cycle) - 1
        assert d.code == "E020"


def test_many_cycles_in_one_component_are_one_message() -> None:
    # A complete graph on 8 nodes has thousands of simple cycles; one report is enough.
    graph = nx.complete_graph(8, nx.DiGraph)
    nx.set_edge_attributes(graph, "level", "kind")
    nx.set_edge_attributes(graph, span(1), "span")
    graph = nx.relabel_nodes(graph, {i: f"n{i}" for i in range(8)})
    diags = Diagnostics()
    find_cycles(graph, diags)
    assert len(diags) == 1


@pytest.mark.parametrize("fmt, must_contain", [
    ("dot", '"raise_concerns" -> "staff_know_vision" [kind="level"'),
    ("mermaid", "n_raise_concerns ==> n_staff_know_vision"),
    ("json", '"kind": "level"'),
])
def test_render_is_stable(graph: nx.DiGraph, fmt: str, must_contain: str) -> None:
    text = render_graph(graph, fmt)
    assert must_contain in text
    shuffled = nx.DiGraph()
    shuffled.add_nodes_from(reversed(list(graph.nodes(data=True))))
    shuffled.add_edges_from(reversed(list(graph.edges(data=True))))
    assert render_graph(shuffled, fmt) == text


def test_json_rendering_lists_every_node_and_edge(graph: nx.DiGraph) -> None:
    data = json.loads(render_graph(graph, "json"))
    assert [n["id"] for n in data["nodes"]] == sorted(graph.nodes)
    assert len(data["edges"]) == graph.number_of_edges()
    assert {"from", "to", "kind", "path", "line", "column"} <= set(data["edges"][0])
