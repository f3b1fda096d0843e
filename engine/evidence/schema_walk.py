"""Walking a JSON Schema: the one place that knows where subschemas are and what refers where.

Every part of wellled that reads a schema's structure goes through here: the type
checker (what type a field path has), the bundle check (references made local, loops
refused with E042), the fast validator (``fast_validator.py``), ``x-sensitive`` and
date look-ups, and ``wellled init``'s templates. Three jobs:

- **references**: ``resolve`` finds what a local ``$ref`` points at (a JSON pointer
  ``#/$defs/x`` or an anchor ``#name``); ``deref`` follows a chain of them;
  ``ref_loop`` finds a loop of references that never reaches a value.
- **expansion**: ``expand`` lists every schema that applies to one value (its ``$ref``
  target, its ``allOf``/``anyOf``/``oneOf`` members, ``then``/``else``).
- **children**: ``children`` lists the schemas that apply to one member of that value
  (``properties``, ``patternProperties``, ``additionalProperties``, ``prefixItems``,
  ``items``); ``subschemas`` lists every direct subschema with its JSON pointer.

Only references inside the one document are followed: ``schemas.bundle`` has already
copied every referred file into the schema's ``$defs``, and nothing is ever fetched.

>>> root = {"properties": {"lead": {"$ref": "#/$defs/person"}},
...         "$defs": {"person": {"type": "object", "properties": {"name": {"type": "string"}}}}}
>>> deref(root["properties"]["lead"], root)["type"]
'object'
>>> [n.get("type") for n in expand(root, children(expand(root, [root]), "lead"))]
[None, 'object']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from engine.evidence.patterns import search as pattern_search
from engine.evidence.pointers import at, escape, tokens

# Where subschemas are, by keyword (JSON Schema 2020-12 applicators and $defs).
SUB_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
SUB_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SUB_ONE = ("items", "additionalProperties", "not", "if", "then", "else", "contains",
           "propertyNames", "unevaluatedItems", "unevaluatedProperties")
# Those that apply to the same value as their parent: a cycle through only these never ends.
SAME_VALUE_LISTS = ("allOf", "anyOf", "oneOf")
SAME_VALUE_ONE = ("not", "if", "then", "else")

# How many references ``deref`` follows before it calls the chain a loop.
_MAX_CHAIN = 32


# ---------------------------------------------------------------- references


def resolve(root: Any, ref: Any) -> dict[str, Any] | bool | None:
    """The schema a local reference points at, or None if it points at no schema.

    ``#`` and ``#/...`` are JSON pointers (percent-decoded, as a URI fragment is);
    ``#name`` is an anchor (``$anchor`` or ``$dynamicAnchor``), which must be defined
    exactly once. A reference to another file or a web address gives None: wellled
    follows only references inside one document.

    >>> root = {"$defs": {"n": {"$anchor": "num", "type": "number"}}}
    >>> resolve(root, "#/$defs/n") is resolve(root, "#num") is root["$defs"]["n"]
    True
    >>> resolve(root, "#/$defs/missing"), resolve(root, "other.json#/x")
    (None, None)
    """
    if not isinstance(ref, str) or not ref.startswith("#"):
        return None
    fragment = unquote(ref[1:])
    if fragment and not fragment.startswith("/"):
        found = anchors(root).get(fragment)
        return found if isinstance(found, dict) else None
    node = at(root, tokens(fragment))
    return node if isinstance(node, (dict, bool)) else None


def anchors(root: Any) -> dict[str, dict[str, Any] | None]:
    """Each anchor name defined in ``root`` -> its schema (None: defined more than once)."""
    found: dict[str, dict[str, Any] | None] = {}
    for _, node in walk(root):
        for key in ("$anchor", "$dynamicAnchor"):
            name = node.get(key)
            if isinstance(name, str):
                found[name] = node if found.get(name, node) is node else None
    return found


def deref(node: Any, root: Any) -> Any:
    """``node`` with its ``$ref`` followed, and the target's, until a schema without one.

    A reference that points at nothing, leaves the document, or goes round in a loop
    gives ``{}`` (a schema that says nothing), so a caller never has to handle a
    reference it cannot follow. Keywords beside a ``$ref`` are not merged in: use
    ``expand`` for every schema that applies to a value.

    >>> root = {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"type": "integer"}}}
    >>> deref({"$ref": "#/$defs/a"}, root)
    {'type': 'integer'}
    >>> deref({"$ref": "#/$defs/nowhere"}, root), deref({"type": "string"}, root)
    ({}, {'type': 'string'})
    """
    for _ in range(_MAX_CHAIN):
        if not isinstance(node, dict) or "$ref" not in node:
            return node
        node = resolve(root, node["$ref"])
        if node is None:
            return {}
    return {}


# ---------------------------------------------------------------- structure


def subschemas(node: dict[str, Any], pointer: str = "") -> Iterator[tuple[str, Any]]:
    """``(pointer, subschema)`` of each direct subschema of ``node`` (``pointer`` is its own).

    >>> [p for p, _ in subschemas({"items": {}, "allOf": [{}, {}]}, "/x")]
    ['/x/allOf/0', '/x/allOf/1', '/x/items']
    """
    for key in SUB_MAPS:
        value = node.get(key)
        if isinstance(value, dict):
            for name, sub in value.items():
                yield f"{pointer}/{escape(key)}/{escape(name)}", sub
    for key in SUB_LISTS:
        value = node.get(key)
        if isinstance(value, list):
            for index, sub in enumerate(value):
                yield f"{pointer}/{key}/{index}", sub
    for key in SUB_ONE:
        if key in node:
            yield f"{pointer}/{key}", node[key]


def walk(root: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(pointer, schema)`` of every schema object in ``root``, the root first.

    Values of ``enum``, ``const``, ``default`` or ``examples`` are data, not schemas,
    and are not entered.
    """
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, dict):
            yield pointer, node
            stack.extend(reversed(list(subschemas(node, pointer))))


def expand(root: Any, schemas: list[Any]) -> list[dict[str, Any]]:
    """The schemas that apply to one value: each with its $ref and all/any/oneOf members.

    ``then`` and ``else`` are included (either may apply); ``not`` and ``if`` are not
    (they say what the value is not, or test it). Each schema appears once, even when
    references go round.

    >>> root = {"allOf": [{"$ref": "#/$defs/a"}], "$defs": {"a": {"type": "object"}}}
    >>> [n.get("type") for n in expand(root, [root])]
    [None, None, 'object']
    """
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    todo = [s for s in schemas if isinstance(s, dict)]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append(node)
        if "$ref" in node:
            target = resolve(root, node["$ref"])
            if isinstance(target, dict):
                todo.append(target)
        for key in SAME_VALUE_LISTS:
            if isinstance(node.get(key), list):
                todo.extend(s for s in node[key] if isinstance(s, dict))
        for key in ("then", "else"):
            if isinstance(node.get(key), dict):
                todo.append(node[key])
    return out


def children(nodes: list[dict[str, Any]], token: str) -> list[Any]:
    """The subschemas that apply to the member ``token`` of a value these schemas describe.

    A named property, every ``patternProperties`` pattern that matches, else
    ``additionalProperties``; for an index, its ``prefixItems`` entry, else ``items``.

    >>> node = {"properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "integer"}}
    >>> children([node], "a"), children([node], "b")
    ([{'type': 'string'}], [{'type': 'integer'}])
    """
    found: list[Any] = []
    for node in nodes:
        props = node.get("properties")
        named = isinstance(props, dict) and token in props
        if named:
            found.append(props[token])
        matched = False
        patterns = node.get("patternProperties")
        if isinstance(patterns, dict):
            for pattern, sub in patterns.items():
                if pattern_search(pattern, token):
                    found.append(sub)
                    matched = True
        if not named and not matched and isinstance(node.get("additionalProperties"), dict):
            found.append(node["additionalProperties"])
        if token.isdigit():
            prefix = node.get("prefixItems")
            if isinstance(prefix, list) and int(token) < len(prefix):
                found.append(prefix[int(token)])
            elif isinstance(node.get("items"), dict):
                found.append(node["items"])
    return found


def schemas_at(root: Any, path: list[str] | tuple[str, ...]) -> list[dict[str, Any]]:
    """Every schema that applies to the value at ``path`` (pointer tokens) in a document.

    >>> root = {"properties": {"staff": {"items": {"$ref": "#/$defs/p"}}},
    ...         "$defs": {"p": {"x-sensitive": True}}}
    >>> [n.get("x-sensitive") for n in schemas_at(root, ["staff", "3"])]
    [None, True]
    """
    nodes = expand(root, [root])
    for token in path:
        if not nodes:
            break
        nodes = expand(root, children(nodes, token))
    return nodes


def ref_loop(root: dict[str, Any]) -> str | None:
    """A loop of references that never reaches a value (``a -> b -> a``), in words, or None.

    A reference to itself through ``properties`` or ``items`` is fine (a tree);
    only a cycle through ``$ref``, ``allOf``/``anyOf``/``oneOf``, ``not`` and
    ``if``/``then``/``else``, which apply to the same value, would recurse forever.

    >>> print(ref_loop({"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}}))
    these references go round in a loop and never reach a value: `#/$defs/a` -> `#/$defs/a/allOf/0` -> `#/$defs/a`; make one of them describe the value itself
    >>> ref_loop({"properties": {"child": {"$ref": "#"}}}) is None
    True
    """
    nodes: dict[int, tuple[str, dict[str, Any]]] = {}
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, dict) and id(node) not in nodes:
            nodes[id(node)] = (pointer, node)
            stack.extend(subschemas(node, pointer))

    def targets(node: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        target = resolve(root, node.get("$ref"))
        if isinstance(target, dict):
            out.append(target)
        for key in SAME_VALUE_LISTS:
            if isinstance(node.get(key), list):
                out.extend(s for s in node[key] if isinstance(s, dict))
        for key in SAME_VALUE_ONE:
            if isinstance(node.get(key), dict):
                out.append(node[key])
        return out

    state: dict[int, int] = {}      # 1: on the current path, 2: done
    for start in list(nodes):
        if start in state:
            continue
        path: list[int] = [start]
        iters = [iter(targets(nodes[start][1]))]
        state[start] = 1
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iters.pop()
                continue
            key = id(nxt)
            if key not in nodes:
                nodes[key] = ("?", nxt)
            if state.get(key) == 1:
                cycle = path[path.index(key):] + [key]
                shown = " -> ".join(f"`#{nodes[k][0]}`" for k in cycle)
                return (f"these references go round in a loop and never reach a value: "
                        f"{shown}; make one of them describe the value itself")
            if key not in state:
                state[key] = 1
                path.append(key)
                iters.append(iter(targets(nxt)))
    return None
