"""Evidence schemas: where each evidence type's JSON Schema is, and reading it.

A schema is found, in order: ``schema "path"`` on the declaration (relative to
its ``.crit`` file); ``<criteria dir>/evidence_schemas/ID.schema.json``; the
project's shipped ``evidence_schemas/ID.schema.json``.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from engine import resources
from engine.evidence.fast_validator import compile_check
from engine.evidence.patterns import pattern_problem
from engine.evidence.patterns import search as patterns_search
from engine.evidence.schema_walk import (
    SUB_LISTS,
    SUB_MAPS,
    SUB_ONE,
    anchors,
    children,
    escape,
    expand,
    ref_loop,
    resolve,
    tokens,
)


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
        from engine.evidence.patterns import refusing_registry, validator_class  # lazy: start-up

        cls = validator_class()
        return cls(self.schema, format_checker=cls.FORMAT_CHECKER, registry=refusing_registry())

    @cached_property
    def fast_check(self):
        """``document -> bool``: a quick validity test, or None when only jsonschema will do."""
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
            cache[pointer] = _is_sensitive(self.schema, tokens(pointer))
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


def read_schema(path: Path, criteria_root: Path | None = None
                ) -> tuple[dict[str, Any] | None, str | None]:
    """The schema at ``path`` as a dict, or None and what is wrong with it.

    With ``criteria_root``, the schema must be inside that folder or the shipped
    ``evidence_schemas/`` (checked before anything is read), and its references are
    checked and made local (``bundle``): the dict returned refers to nothing outside
    itself. Nothing of a file that is not a valid schema is quoted.
    """
    roots = _allowed_roots(criteria_root)
    if roots is not None and not _inside(path, roots):
        return None, ("the schema file is outside the criteria folder; keep evidence "
                      f"schemas inside `{criteria_root}` (wellled reads no other place)")
    schema, problem = _read_json_schema(path)
    if schema is None or roots is None:
        return schema, problem
    return bundle(schema, path, roots)


def _allowed_roots(criteria_root: Path | None) -> list[str] | None:
    if criteria_root is None:
        return None
    return [os.path.realpath(criteria_root),
            os.path.realpath(resources.data_dir("evidence_schemas"))]


def _inside(path: Path, roots: list[str]) -> bool:
    real = os.path.realpath(path)
    return any(os.path.commonpath([real, root]) == root for root in roots)


def _read_json_schema(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    if not path.is_file():
        return None, f"no schema file at `{path}`"
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        where = f" (line {err.lineno}, column {err.colno})" if isinstance(
            err, json.JSONDecodeError) else ""
        return None, f"`{path.name}` is not valid JSON{where}"
    except RecursionError:
        return None, f"`{path.name}` nests too deeply to be a schema"
    if not isinstance(schema, dict):
        return None, f"`{path.name}` is not a JSON Schema object"
    problem = _schema_problem_in_words(schema)
    if problem is not None:
        return None, f"`{path.name}` is not a valid JSON Schema: {problem}"
    return schema, None


def _schema_problem_in_words(schema: dict[str, Any]) -> str | None:
    """Where a schema breaks the JSON Schema rules, without quoting what it holds."""
    if schema_problem(schema) is None:
        return None
    from jsonschema import Draft202012Validator

    validator = _meta_validator()
    errors = (validator.iter_errors(schema) if validator is not None
              else Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema))
    error = next(iter(errors), None)
    if error is None:           # cannot happen: schema_problem found one
        return "it breaks the JSON Schema rules"
    pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1")
                      for p in error.absolute_path) or "/"
    keyword = error.absolute_path[-1] if error.absolute_path else None
    if keyword == "type" or error.validator == "type":
        expected = error.validator_value if error.validator == "type" else None
        if expected:
            names = expected if isinstance(expected, list) else [expected]
            return f"at `{pointer}`, the value must be {' or '.join(map(str, names))}"
        return (f"at `{pointer}`, the type must be one of array, boolean, integer, null, "
                "number, object, string (or a list of them)")
    if error.validator in ("minimum", "exclusiveMinimum"):
        return f"at `{pointer}`, the value must not be negative"
    if error.validator == "uniqueItems":
        return f"at `{pointer}`, a value is listed twice"
    return f"at `{pointer}`, the value is not what JSON Schema allows there"


_FILE_DEFS = "wellled-file-"


def bundle(schema: dict[str, Any], path: Path, roots: list[str]
           ) -> tuple[dict[str, Any] | None, str | None]:
    """``schema`` with every file it refers to copied into its ``$defs``: one document.

    A reference is allowed to a place in the same document (``#/$defs/x``, ``#name``)
    or to a file in ``roots`` (the criteria folder, the shipped schemas), by a path
    relative to the referring file. Anything else (``http:``, ``file:``, a path
    leading out) is refused, never fetched; so are references that point at
    nothing, loops of references that never reach a value, and patterns RE2
    refuses. Returns the bundled schema, or None and what is wrong.
    """
    files: dict[str, tuple[str, dict[str, Any]]] = {}   # real path -> ($defs key, copy)
    order: list[str] = []

    def local_file(ref_path: str, base: Path, where: str) -> tuple[str | None, str | None]:
        target = (base.parent / unquote(ref_path))
        real = os.path.realpath(target)
        if not _inside(target, roots):
            return None, (f"`$ref` at `{where}` leads outside the criteria folder; keep "
                          "referred schemas inside it")
        if real in files:
            return files[real][0], None
        other, problem = _read_json_schema(Path(real))
        if other is None:
            return None, f"`$ref` at `{where}`: {problem}"
        key = f"{_FILE_DEFS}{len(files) + 1}"
        files[real] = (key, {})
        order.append(real)
        copy, problem = rewrite(other, Path(real), f"#/$defs/{key}", top=False)
        if copy is None:
            return None, problem
        files[real] = (key, copy)
        return key, None

    def rewrite(doc: dict[str, Any], doc_path: Path, prefix: str, top: bool
                ) -> tuple[dict[str, Any] | None, str | None]:
        """A copy of ``doc`` with local refs prefixed and file refs pointing into $defs."""
        name = doc_path.name
        problem: list[str] = []

        def walk(node: Any, pointer: str) -> Any:
            if not isinstance(node, dict):
                return node
            out: dict[str, Any] = {}
            for key, value in node.items():
                if problem:
                    return out
                if key in ("$id", "$schema") and (pointer or not top):
                    if key == "$id" and pointer:
                        problem.append(f"`{name}`: a `$id` inside the schema (at "
                                       f"`{pointer}`) is not supported; remove it")
                    continue            # a copied file's own $id and $schema are dropped
                if key in ("$ref", "$dynamicRef"):
                    out[key] = reference(value, key, f"{pointer or '/'}", doc, doc_path,
                                         prefix)
                elif key in SUB_MAPS and isinstance(value, dict):
                    out[key] = {k: walk(v, f"{pointer}/{escape(key)}/{escape(k)}")
                                for k, v in value.items()}
                elif key in SUB_LISTS and isinstance(value, list):
                    out[key] = [walk(v, f"{pointer}/{key}/{i}") for i, v in enumerate(value)]
                elif key in SUB_ONE:
                    out[key] = walk(value, f"{pointer}/{key}")
                else:
                    out[key] = value
                if key == "pattern":
                    bad = pattern_problem(value)
                    if bad:
                        problem.append(f"`{name}`: the `pattern` at `{pointer or '/'}` {bad}")
                if key == "patternProperties" and isinstance(value, dict):
                    for pattern in value:
                        bad = pattern_problem(pattern)
                        if bad:
                            problem.append(f"`{name}`: a `patternProperties` pattern at "
                                           f"`{pointer or '/'}` {bad}")
                            break
            return out

        def reference(value: Any, key: str, where: str, doc: dict[str, Any], doc_path: Path,
                      prefix: str) -> Any:
            if not isinstance(value, str):
                return value
            split = urlsplit(value)
            if split.scheme or split.netloc:
                problem.append(f"`{name}`: the `{key}` at `{where}` refers to a web address "
                               "or another place; wellled never fetches schemas: copy what it "
                               "needs into this file's `$defs`, or into a file in the "
                               "criteria folder")
                return value
            fragment = split.fragment
            if fragment and not fragment.startswith("/"):      # an anchor: `#name`
                if split.path or not prefix.endswith("#"):
                    problem.append(f"`{name}`: the `{key}` at `{where}` names an anchor; "
                                   "in a referred file, point with `#/$defs/...` instead")
                    return value
                defined = anchors(doc)
                if unquote(fragment) not in defined:
                    problem.append(f"`{name}`: the `{key}` at `{where}` names the anchor "
                                   f"`{fragment}`, which the file does not define")
                elif defined[unquote(fragment)] is None:
                    problem.append(f"`{name}`: the `{key}` at `{where}` names the anchor "
                                   f"`{fragment}`, which the file defines more than once; "
                                   "give each its own name")
                return value
            if key == "$dynamicRef":
                problem.append(f"`{name}`: `$dynamicRef` at `{where}` must name an anchor "
                               "(`#name`) in the same file")
                return value
            if split.path:
                target_key, bad = local_file(split.path, doc_path, where)
                if bad:
                    problem.append(f"`{name}`: {bad}")
                    return value
                # The target is checked once every file is copied in (_resolve_pending).
                return f"#/$defs/{target_key}{fragment}" + _PENDING
            if resolve(doc, "#" + fragment) is None:
                problem.append(f"`{name}`: the `{key}` at `{where}` points at "
                               f"`#{fragment}`, which is not in the file")
                return value
            return (prefix + fragment) if prefix != "#" else "#" + fragment

        copy = walk(doc, "")
        if problem:
            return None, problem[0]
        return copy, None

    root, problem = rewrite(schema, path, "#", top=True)
    if root is None:
        return None, problem
    if files:
        defs = dict(root.get("$defs", {})) if isinstance(root.get("$defs"), dict) else {}
        for real in order:
            key, copy = files[real]
            defs[key] = copy
        root["$defs"] = defs
    problem = _resolve_pending(root)
    if problem is None:
        problem = ref_loop(root)
    if problem is not None:
        return None, f"`{path.name}`: {problem}" if not problem.startswith("`") else problem
    return root, None


_PENDING = "\u0000pending"


def _resolve_pending(root: dict[str, Any]) -> str | None:
    """Check each reference into a copied file now that all are in place; unmark it."""
    problem: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.endswith(_PENDING):
                ref = ref[: -len(_PENDING)]
                node["$ref"] = ref
                if resolve(root, ref) is None and not problem:
                    problem.append(f"a `$ref` points at `{ref.split('/', 3)[-1]}` in a "
                                   "referred file, which is not there")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(root)
    return problem[0] if problem else None


def schema_problem(schema: Any) -> str | None:
    """What ``Draft202012Validator.check_schema`` would say of ``schema`` (None: valid).

    Checked against the meta-schema with its vocabularies inlined, built once
    (``_meta_validator``): the same keywords in the same order, so the same first
    error, at a quarter of the cost. tests/unit/evidence/test_metaschema.py holds the two
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
    """The inlined meta-schema as a ``schema -> bool`` closure (``fast_validator``)."""
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
    ``check_schema``; tests/unit/evidence/test_metaschema.py fails loudly).
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
            elif key in SUB_MAPS:
                out[key] = {name: local(sub) for name, sub in value.items()}
            elif key in SUB_LISTS:
                out[key] = [local(sub) for sub in value]
            elif key in SUB_ONE:
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


def _is_sensitive(root: dict[str, Any], path: list[str]) -> bool:
    """Whether a schema on the way from ``root`` down ``path`` says ``"x-sensitive": true``."""
    nodes = expand(root, [root])
    for token in path:
        if any(n.get("x-sensitive") is True for n in nodes):
            return True
        nodes = expand(root, children(nodes, token))
        if not nodes:
            return False
    return any(n.get("x-sensitive") is True for n in nodes)


class _Plan:
    """Where dates can be inside one value: its own format, and its members' plans."""

    __slots__ = ("date", "props", "patterns", "additional", "items", "live")

    def __init__(self) -> None:
        self.date = False
        self.props: dict[str, _Plan] = {}
        self.patterns: list[tuple[str, _Plan]] = []
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
        nodes = expand(root, schemas)
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
                        child = build(children(nodes, name))
                        if child is not None:
                            plan.props[name] = child
            patterns = node.get("patternProperties")
            if isinstance(patterns, dict):
                for pattern, sub in patterns.items():
                    child = build([sub])
                    if child is not None:
                        plan.patterns.append((pattern, child))
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
                child = next((p for rx, p in plan.patterns if patterns_search(rx, key)),
                             plan.additional)
            out[key] = _convert(member, child) if child is not None and child.live else member
        return out
    if isinstance(value, list) and plan.items is not None and plan.items.live:
        return [_convert(member, plan.items) for member in value]
    return value
