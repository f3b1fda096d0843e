"""The texts of ``wellled init``: a commented YAML template per evidence type, and the manifest.

This module writes nothing: ``engine/app/init.py`` decides which files a new bundle gets and
writes them. Each template is generated from the evidence schema: every field's
description as a comment above it, required values left ``null`` (so an
untouched template fails validation with "still to fill" rather than passing
or crashing), optional fields commented out. Nothing that exists is ever
overwritten.

>>> print(template({"type": "object", "required": ["title"], "properties": {
...     "title": {"type": "string", "description": "The strategy's title."}}}, ["Strategy"]))
# Strategy
<BLANKLINE>
# The strategy's title.
# required: text
title: null
<BLANKLINE>
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

from engine.evidence.bundle import manifest_schema
from engine.evidence.schema_walk import expand
from engine.evidence.schemas import EvidenceSchema

_WIDTH = 88

_HOW = [
    "Fill in every `null`: a value left null is reported as still to fill.",
    "Optional fields are commented out: delete the `#` that starts their lines to use them.",
    "Dates are written YYYY-MM-DD. Delete the comments whenever you like.",
]


def manifest_template() -> str:
    """The commented ``bundle.yaml`` template."""
    return template(manifest_schema().schema, [
        "The manifest of this evidence bundle: which provider is assessed, and when.",
        *_HOW,
    ])


def evidence_template(schema: EvidenceSchema) -> str:
    """The commented template of one evidence document of ``schema``."""
    head = [f"{schema.title} (evidence `{schema.id}`)"]
    description = schema.schema.get("description")
    if isinstance(description, str):
        head.append(description)
    if schema.many:
        head.append(f"One document per file in the folder `{schema.id}/`: copy this file for "
                    "each one and name the copies as you like. An empty folder means there "
                    "are none: delete this file if so.")
    else:
        head.append("If you do not have this evidence, delete this file: evidence not given "
                    "is reported as not provided.")
    return template(schema.schema, [*head, *_HOW])


def template(schema: dict[str, Any], header: list[str]) -> str:
    """A commented YAML template of a document described by JSON Schema ``schema``."""
    lines = [f"# {line}" for text in header for line in textwrap.wrap(text, _WIDTH - 2)]
    lines.append("")
    body = _Writer(schema)
    body.fields(schema, indent=0, commented=False)
    lines.extend(body.lines)
    return "\n".join(lines).rstrip("\n") + "\n"


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def _key(name: str) -> str:
    if _PLAIN_KEY.fullmatch(name) and name.lower() not in _YAML_WORDS:
        return name
    return json.dumps(name)


class _Writer:
    """Writes template lines for the fields of an object schema, depth first."""

    def __init__(self, root: dict[str, Any]):
        self.root = root
        self.lines: list[str] = []
        self.depth = 0

    def _merged(self, node: Any) -> dict[str, Any]:
        """The keywords that apply to a value, with $ref and allOf members folded in."""
        merged: dict[str, Any] = {}
        for part in reversed(expand(self.root, [node])):
            for key, value in part.items():
                if key == "properties" and isinstance(value, dict):
                    merged.setdefault("properties", {}).update(value)
                elif key == "required" and isinstance(value, list):
                    merged.setdefault("required", []).extend(value)
                else:
                    merged.setdefault(key, value)
        return merged

    def _comment(self, indent: int, text: str) -> None:
        pad = " " * indent
        for line in textwrap.wrap(text, max(_WIDTH - indent - 2, 30)):
            self.lines.append(f"{pad}# {line}")

    def _data(self, indent: int, text: str, commented: bool) -> None:
        pad = " " * indent
        # No space after `#`: deleting that one character brings the line back as it was.
        self.lines.append(f"{pad}#{text}" if commented else f"{pad}{text}")

    def fields(self, node: Any, indent: int, commented: bool, first_prefix: str = "") -> None:
        """Lines for each property of ``node``; ``first_prefix`` starts a list item (``- ``)."""
        merged = self._merged(node)
        required = set(merged.get("required", []))
        props = merged.get("properties", {})
        names = list(props)
        if first_prefix:    # a list item: required fields first, so `- ` is on a live line
            names.sort(key=lambda n: n not in required)
        self.depth += 1
        for index, name in enumerate(names):
            prefix = first_prefix if index == 0 else " " * len(first_prefix)
            is_required = name in required
            self._describe(indent + len(first_prefix), props[name], is_required)
            self._field(indent, prefix, name, props[name], commented or not is_required)
            if indent == 0 and index < len(names) - 1:
                self.lines.append("")
        self.depth -= 1

    def _describe(self, indent: int, sub: Any, required: bool) -> None:
        merged = self._merged(sub)
        text = merged.get("description") or merged.get("title")
        if isinstance(text, str):
            self._comment(indent, text)
        self._comment(indent, f"{'required' if required else 'optional'}: {_hint(merged)}")

    def _field(self, indent: int, prefix: str, name: str, sub: Any, commented: bool) -> None:
        merged = self._merged(sub)
        head = f"{prefix}{_key(name)}:"
        inner = indent + len(prefix) + 2
        if self.depth > 8:      # a recursive schema: stop unrolling it
            self._data(indent, f"{head} null", commented)
            return
        if merged.get("properties"):
            self._data(indent, head, commented)
            self.fields(merged, inner, commented)
            return
        items = self._merged(merged.get("items", {}))
        if _is_type(merged, "array") and items.get("properties"):
            self._data(indent, head, commented)
            self._comment(inner, "one item per entry: copy the lines starting with `- `")
            self.fields(items, inner, commented, first_prefix="- ")
            return
        extra = merged.get("additionalProperties")
        if isinstance(extra, dict) and self._merged(extra).get("properties"):
            self._data(indent, head, commented)
            self._comment(inner, "one entry per name: replace `example_name` with your own")
            self._data(inner, "example_name:", commented)
            self.fields(extra, inner + 2, commented)
            return
        self._data(indent, f"{head} null", commented)


def _is_type(node: dict[str, Any], name: str) -> bool:
    declared = node.get("type")
    return declared == name or (isinstance(declared, list) and name in declared)


def _hint(node: dict[str, Any]) -> str:
    """What a value should be, in words: ``a date as YYYY-MM-DD``, ``one of: a, b``..."""
    from engine.evidence.validate import _FORMAT_WORDS, _TYPE_WORDS  # lazy: start-up

    if isinstance(node.get("enum"), list):
        text = "one of: " + ", ".join(str(v) for v in node["enum"])
    elif isinstance(node.get("format"), str) and node["format"] in _FORMAT_WORDS:
        text = _FORMAT_WORDS[node["format"]]
    elif _is_type(node, "array"):
        items = node.get("items", {})
        inner = _hint(items) if isinstance(items, dict) and items else "values"
        if isinstance(items, dict) and items.get("properties"):
            text = "a list; each item has the fields below"
        elif inner.startswith("one of"):
            text = f"a list, each {inner}"
        else:
            text = f"a list of {inner}"
    else:
        declared = node.get("type")
        names = declared if isinstance(declared, list) else [declared] if declared else []
        text = " or ".join(_TYPE_WORDS.get(n, str(n)) for n in names) or "any value"
    low, high = node.get("minimum"), node.get("maximum")
    if low is not None and high is not None:
        text += f" from {low} to {high}"
    elif low is not None:
        text += f", at least {low}"
    elif high is not None:
        text += f", at most {high}"
    examples = node.get("examples")
    if isinstance(examples, list) and examples:
        text += f"; e.g. {examples[0]}"
    if node.get("x-sensitive") is True:
        text += " (sensitive: reports do not quote it)"
    return text

