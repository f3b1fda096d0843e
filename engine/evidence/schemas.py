"""Evidence schemas: where each evidence type's JSON Schema is, and reading it.

A schema is found, in order: ``schema "path"`` on the declaration (relative to
its ``.crit`` file); ``<criteria dir>/evidence_schemas/ID.schema.json``; the
project's shipped ``evidence_schemas/ID.schema.json``.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from engine import resources


@dataclass(frozen=True)
class EvidenceSchema:
    """One evidence type as the loader needs it: id, ``many``, and its JSON Schema."""

    id: str
    title: str
    many: bool
    path: Path
    schema: dict[str, Any] = field(hash=False, compare=False)

    # INVARIANT: the class is frozen but has no __slots__, so cached_property
    # can store in the instance __dict__: each schema object builds these once.

    @cached_property
    def validator(self):
        """A Draft 2020-12 validator with date format checking, built once and reused."""
        from jsonschema import Draft202012Validator  # lazy: start-up

        return Draft202012Validator(self.schema,
                                    format_checker=Draft202012Validator.FORMAT_CHECKER)

    @cached_property
    def fast_check(self):
        """``document -> bool``: a quick validity test, or None when only jsonschema will do."""
        from engine.evidence.validate import compile_check  # lazy: circle

        return compile_check(self.schema)

    @cached_property
    def _date_plan(self) -> _Plan | None:
        return _date_plan(self.schema)

    @cached_property
    def _sensitive_cache(self) -> dict[str, bool]:
        return {}

    def is_sensitive(self, pointer: str) -> bool:
        """True if ``pointer`` is at or under a field marked ``"x-sensitive": true``.

        Array indices and map keys (``items``, ``additionalProperties``) match any token.
        """
        cache = self._sensitive_cache
        if pointer not in cache:
            cache[pointer] = _is_sensitive(self.schema, _tokens(pointer))
        return cache[pointer]

    def convert_dates(self, value: Any) -> Any:
        """``value`` with every ``"format": "date"`` string turned into a ``datetime.date``.

        Containers on the way to a date are copied; ``value`` itself is not changed.
        """
        plan = self._date_plan
        return value if plan is None else _convert(value, plan)


def schema_path(evidence_id: str, declared: str | None, crit_file: Path,
                criteria_root: Path) -> Path:
    """Where the schema of ``evidence_id`` should be (the first candidate that exists)."""
    if declared is not None:
        return (crit_file.parent / declared).resolve()
    candidates = [
        criteria_root / "evidence_schemas" / f"{evidence_id}.schema.json",
        resources.data_dir("evidence_schemas") / f"{evidence_id}.schema.json",
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return candidates[0]


def read_schema(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The schema at ``path`` as a dict, or None and what is wrong with it."""
    if not path.is_file():
        return None, f"no schema file at `{path}`"
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        return None, f"`{path.name}` is not valid JSON: {err}"
    if not isinstance(schema, dict):
        return None, f"`{path.name}` is not a JSON Schema object"
    problem = schema_problem(schema)
    if problem is not None:
        return None, f"`{path.name}` is not a valid JSON Schema: {problem}"
    return schema, None


def schema_problem(schema: Any) -> str | None:
    """What ``Draft202012Validator.check_schema`` would say of ``schema`` (None: valid).

    Checked against the meta-schema with its vocabularies inlined, built once
    (``_meta_validator``): the same keywords in the same order, so the same first
    error, at a quarter of the cost. tests/unit/test_metaschema.py holds the two
    to the same answer.
    """
    validator = _meta_validator()
    if validator is None:   # a jsonschema release reshaped its meta-schema
        from jsonschema import Draft202012Validator  # lazy: start-up
        from jsonschema.exceptions import SchemaError  # lazy: start-up

        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as err:
            return err.message
        return None
    fast = _meta_fast_check()
    if fast is not None and fast(schema):
        return None         # valid: jsonschema is asked only for the message
    for error in validator.iter_errors(schema):
        return error.message
    return None


@functools.lru_cache(maxsize=1)
def _meta_fast_check():
    """The inlined meta-schema as a ``schema -> bool`` closure (``validate.compile_check``)."""
    from engine.evidence.validate import compile_check  # lazy: circle

    validator = _meta_validator()
    return compile_check(validator.schema) if validator is not None else None


@functools.lru_cache(maxsize=1)
def _meta_validator():
    """A validator for JSON Schemas: the 2020-12 meta-schema in one document.

    The published meta-schema is a root that ``allOf``-references seven
    vocabulary meta-schemas, each of which points back at "whatever schema
    started this" with ``$dynamicRef: "#meta"``. Resolving those dynamic
    references (scope walks and URL joins on every descent) is most of what
    ``check_schema`` costs. When the document being checked is a schema, the
    dynamic anchor always resolves to the root meta-schema, so inlining each
    vocabulary in place of its ``$ref`` and pointing ``#meta`` at ``#`` gives the
    same keywords, in the same order, with plain references. None if the
    meta-schema is not shaped as this expects (``schema_problem`` then asks
    ``check_schema``; tests/unit/test_metaschema.py fails loudly).
    """
    try:
        return _inlined_meta_validator()
    except (_Unexpected, ImportError, KeyError, LookupError, TypeError, AttributeError):
        return None


class _Unexpected(Exception):
    """The published meta-schema has a shape ``_inlined_meta_validator`` does not know."""


def _inlined_meta_validator():
    from jsonschema import Draft202012Validator  # lazy: start-up
    from jsonschema_specifications import REGISTRY  # lazy: start-up

    root = Draft202012Validator.META_SCHEMA
    base = root["$id"].rsplit("/", 1)[0] + "/"
    defs: dict[str, Any] = {}
    maps = ("properties", "patternProperties", "dependentSchemas")
    lists = ("allOf", "anyOf", "oneOf", "prefixItems")
    single = ("items", "additionalProperties", "not", "if", "then", "else", "contains",
              "propertyNames", "unevaluatedItems", "unevaluatedProperties")

    def local(node: Any, top: bool = False) -> Any:
        """One meta-schema (sub)schema with its references made local to ``flat``."""
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("$id", "$schema", "$vocabulary", "$dynamicAnchor"):
                continue
            if key == "$dynamicRef":
                if value != "#meta":
                    raise _Unexpected(f"unexpected $dynamicRef {value!r} in the meta-schema")
                out["$ref"] = "#"
            elif key == "$ref":
                if "#/$defs/" not in value:
                    raise _Unexpected(f"unexpected $ref {value!r} in the meta-schema")
                out["$ref"] = "#/$defs/" + value.split("#/$defs/", 1)[1]
            elif key == "$defs" and top:
                for name, definition in value.items():
                    definition = local(definition)
                    if defs.setdefault(name, definition) != definition:
                        raise _Unexpected(f"two meta-schema vocabularies define {name}")
            elif key in maps:
                out[key] = {name: local(sub) for name, sub in value.items()}
            elif key in lists:
                out[key] = [local(sub) for sub in value]
            elif key in single:
                out[key] = local(value)
            else:
                out[key] = value  # annotations and plain values: type, enum, default ...
        return out

    flat: dict[str, Any] = {}
    for key, value in root.items():
        if key == "allOf":
            flat["allOf"] = [local(REGISTRY.contents(base + part["$ref"]), top=True)
                             for part in value]
        else:
            flat.update(local({key: value}, top=True))
    flat["$defs"] = defs
    return Draft202012Validator(flat, format_checker=Draft202012Validator.FORMAT_CHECKER)


# ---------------------------------------------------------------- schema walking


def _tokens(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _deref(root: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#"):
        return None                 # another file: not followed
    node: Any = root
    for token in _tokens(ref[1:]):
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            return None
    return node if isinstance(node, dict) else None


def _expand(root: dict[str, Any], schemas: list[Any]) -> list[dict[str, Any]]:
    """The schemas that apply to one value: each with its $ref and all/any/oneOf members."""
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    todo = [s for s in schemas if isinstance(s, dict)]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append(node)
        if isinstance(node.get("$ref"), str):
            target = _deref(root, node["$ref"])
            if target is not None:
                todo.append(target)
        for key in ("allOf", "anyOf", "oneOf"):
            if isinstance(node.get(key), list):
                todo.extend(s for s in node[key] if isinstance(s, dict))
        for key in ("then", "else"):
            if isinstance(node.get(key), dict):
                todo.append(node[key])
    return out


def _children(nodes: list[dict[str, Any]], token: str) -> list[Any]:
    """The subschemas that apply to the member ``token`` of a value these schemas describe."""
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
                if re.search(pattern, token):
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


def _is_sensitive(root: dict[str, Any], tokens: list[str]) -> bool:
    nodes = _expand(root, [root])
    for token in tokens:
        if any(n.get("x-sensitive") is True for n in nodes):
            return True
        nodes = _expand(root, _children(nodes, token))
        if not nodes:
            return False
    return any(n.get("x-sensitive") is True for n in nodes)


class _Plan:
    """Where dates can be inside one value: its own format, and its members' plans."""

    __slots__ = ("date", "props", "patterns", "additional", "items", "live")

    def __init__(self) -> None:
        self.date = False
        self.props: dict[str, _Plan] = {}
        self.patterns: list[tuple[re.Pattern[str], _Plan]] = []
        self.additional: _Plan | None = None
        self.items: _Plan | None = None
        self.live = False

    def edges(self) -> list[_Plan]:
        more = [p for p in (self.additional, self.items) if p is not None]
        return [*self.props.values(), *(p for _, p in self.patterns), *more]


def _date_plan(root: dict[str, Any]) -> _Plan | None:
    """The date plan of a schema, or None when no date can occur anywhere in it."""
    memo: dict[frozenset[int], _Plan] = {}
    plans: list[_Plan] = []

    def build(schemas: list[Any]) -> _Plan | None:
        nodes = _expand(root, schemas)
        if not nodes:
            return None
        key = frozenset(id(n) for n in nodes)
        if key in memo:
            return memo[key]
        plan = memo[key] = _Plan()
        plans.append(plan)
        plan.date = any(n.get("format") == "date" for n in nodes)
        for node in nodes:
            props = node.get("properties")
            if isinstance(props, dict):
                for name in props:
                    if name not in plan.props:
                        child = build(_children(nodes, name))
                        if child is not None:
                            plan.props[name] = child
            patterns = node.get("patternProperties")
            if isinstance(patterns, dict):
                for pattern, sub in patterns.items():
                    child = build([sub])
                    if child is not None:
                        plan.patterns.append((re.compile(pattern), child))
            if isinstance(node.get("additionalProperties"), dict) and plan.additional is None:
                plan.additional = build([node["additionalProperties"]])
            if isinstance(node.get("items"), dict) and plan.items is None:
                plan.items = build([node["items"]])
        return plan

    top = build([root])
    # A plan is live when a date is reachable from it; schemas may be recursive ($ref),
    # so liveness is found by repeating until nothing changes.
    changed = True
    while changed:
        changed = False
        for plan in plans:
            if not plan.live and (plan.date or any(p.live for p in plan.edges())):
                plan.live = changed = True
    return top if top is not None and top.live else None


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _convert(value: Any, plan: _Plan) -> Any:
    if isinstance(value, str):
        if plan.date and _DATE.fullmatch(value):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                return value
        return value
    if isinstance(value, dict):
        out = {}
        for key, member in value.items():
            child = plan.props.get(key)
            if child is None:
                child = next((p for rx, p in plan.patterns if rx.search(key)), plan.additional)
            out[key] = _convert(member, child) if child is not None and child.live else member
        return out
    if isinstance(value, list) and plan.items is not None and plan.items.live:
        return [_convert(member, plan.items) for member in value]
    return value
