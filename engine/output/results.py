"""The result document (``result.json``): its canonical text and its schema.

The result is plain data (dicts, lists, strings, numbers); dates are already
ISO strings. Its shape is the contract in ``reports/result.schema.json``.

>>> dump_result({"b": 1, "a": "é"})
'{\\n  "a": "é",\\n  "b": 1\\n}\\n'
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import orjson

from engine.resources import data_dir

SCHEMA_NAME = "result.schema.json"


def dump_result(result: dict[str, Any]) -> str:
    """The canonical text of ``result.json``: sorted keys, two-space indent, a final newline.

    Two runs over the same criteria and bundle give byte-identical text.
    """
    try:
        # orjson writes the same text as json.dumps(sort_keys=True, indent=2,
        # ensure_ascii=False) some 50x faster: it matters in a batch of hundreds.
        return orjson.dumps(result, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
                            ).decode("utf-8") + "\n"
    except (orjson.JSONEncodeError, TypeError):  # e.g. an integer beyond 64 bits
        return json.dumps(result, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


@lru_cache(maxsize=1)
def result_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of the result document, read once."""
    path = data_dir("reports") / SCHEMA_NAME
    return json.loads(path.read_text(encoding="utf-8"))


def schema_problems(result: dict[str, Any]) -> list[str]:
    """Every way ``result`` departs from the schema, one line each: ``/json/pointer: message``."""
    from jsonschema import Draft202012Validator  # lazy: start-up

    validator = Draft202012Validator(result_schema())
    problems = []
    for error in sorted(validator.iter_errors(result), key=lambda e: list(e.absolute_path)):
        pointer = "".join(f"/{part}" for part in error.absolute_path) or "/"
        problems.append(f"{pointer}: {error.message}")
    return problems
