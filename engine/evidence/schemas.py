"""Evidence schemas: where each evidence type's JSON Schema is, and reading it.

A schema is found, in order: ``schema "path"`` on the declaration (relative to
its ``.crit`` file); ``<criteria dir>/evidence_schemas/ID.schema.json``; the
project's shipped ``evidence_schemas/ID.schema.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        return None, f"`{path.name}` is not a valid JSON Schema: {err.message}"
    return schema, None
