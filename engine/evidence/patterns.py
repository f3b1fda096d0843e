"""Regular expressions of evidence schemas (``pattern``, ``patternProperties``), matched by RE2.

Python's own ``re`` backtracks: a pattern such as ``^(a+)+$`` takes longer than
the age of the universe on a few dozen characters. RE2 (Google's engine, the
``google-re2`` package) matches in time linear in the text, whatever the
pattern, and refuses the two features that need backtracking (back-references
such as ``\\1`` and look-arounds such as ``(?=...)``); ``wellled check`` reports
a pattern RE2 refuses as E042. Every place that matches a schema pattern
against evidence goes through ``search``, and jsonschema is given keyword
functions that do (``validator_class``).

>>> search("^[A-Z]{3}$", "RX1")
False
>>> search("^(a+)+$", "a" * 50_000 + "b")     # instant; Python's re never returns
False
>>> pattern_problem("(a)\\\\1")
'uses a back-reference (`\\\\1`) or look-around (`(?=`, `(?!`, `(?<=`), which wellled does not support: write the pattern without it'
"""

from __future__ import annotations

import functools
from typing import Any

import re2


@functools.lru_cache(maxsize=1024)
def compiled(pattern: str):
    """The RE2 program of ``pattern`` (a pure memo: the same text always compiles the same)."""
    options = re2.Options()
    options.log_errors = False      # the error is raised and reported; nothing on stderr
    return re2.compile(pattern, options=options)


def search(pattern: str, text: str) -> bool:
    """True if ``pattern`` matches somewhere in ``text`` (JSON Schema's meaning)."""
    return compiled(pattern).search(text) is not None


def pattern_problem(pattern: Any) -> str | None:
    """What is wrong with a schema pattern for RE2, in words (None: usable)."""
    if not isinstance(pattern, str):
        return "is not text"
    try:
        compiled(pattern)
    except re2.error as err:
        detail = err.args[0].decode("utf-8", "replace") if err.args and isinstance(
            err.args[0], bytes) else str(err)
        if "escape" in detail and any(f"\\{d}" in pattern for d in "123456789") \
                or "perl operator" in detail:
            return ("uses a back-reference (`\\1`) or look-around (`(?=`, `(?!`, `(?<=`), "
                    "which wellled does not support: write the pattern without it")
        if "too big" in detail or "memory" in detail:
            return "is too large to match in bounded time and memory: simplify it"
        return f"is not a regular expression wellled can use ({detail})"
    return None


@functools.lru_cache(maxsize=1)
def validator_class():
    """Draft 2020-12 with every schema pattern matched by RE2 (see the module docstring)."""
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    def pattern(validator, patrn, instance, schema):
        if validator.is_type(instance, "string") and not search(patrn, instance):
            yield ValidationError(f"{instance!r} does not match {patrn!r}")

    def pattern_properties(validator, patterns, instance, schema):
        if not validator.is_type(instance, "object"):
            return
        for patrn, subschema in patterns.items():
            for key, value in instance.items():
                if search(patrn, key):
                    yield from validator.descend(value, subschema, path=key, schema_path=patrn)

    def additional_properties(validator, extra, instance, schema):
        if not validator.is_type(instance, "object"):
            return
        known = schema.get("properties", {})
        patterns = list(schema.get("patternProperties", {}))
        extras = [k for k in instance
                  if k not in known and not any(search(p, k) for p in patterns)]
        if validator.is_type(extra, "object"):
            for key in extras:
                yield from validator.descend(instance[key], extra, path=key)
        elif not extra and extras:
            listed = ", ".join(repr(k) for k in sorted(extras))
            yield ValidationError(f"Additional properties are not allowed ({listed} unexpected)")

    return validators.extend(Draft202012Validator, {
        "pattern": pattern,
        "patternProperties": pattern_properties,
        "additionalProperties": additional_properties,
    })


def refusing_registry():
    """A ``referencing`` registry that never retrieves anything (no network, no files).

    Every reference of a checked schema is inside its own document (``schemas.bundle``
    copies in the local files it refers to), so a retrieval can only be a bug: refused.
    """
    from referencing import Registry
    from referencing.exceptions import NoSuchResource

    def retrieve(uri: str):
        raise NoSuchResource(ref=uri)

    return Registry(retrieve=retrieve)
