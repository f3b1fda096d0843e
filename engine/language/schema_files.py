"""Evidence schemas read for a criteria set: each declared type's JSON Schema, or E042.

>>> shown_path(Path.cwd() / "evidence_schemas" / "ftsu.schema.json")
'evidence_schemas/ftsu.schema.json'
"""

from __future__ import annotations

from pathlib import Path

from engine.diagnostics import Diagnostics
from engine.evidence.schemas import EvidenceSchema, read_schema, schema_path
from engine.language.resolve import Symbols


def load_schemas(symbols: Symbols, root: Path, real_paths: dict[str, Path],
                 diags: Diagnostics) -> dict[str, EvidenceSchema]:
    """Every declared evidence type's schema; E042 at the declaration if missing or invalid."""
    schemas: dict[str, EvidenceSchema] = {}
    for ident, decl in symbols.evidence.items():
        crit_file = real_paths.get(symbols.evidence_files.get(ident, ""), root / "_.crit")
        path = schema_path(ident, decl.schema, crit_file, root)
        schema, problem = read_schema(path, root)   # local refs only (schemas.bundle)
        if schema is None:
            if path.is_file():
                where = f"correct the JSON Schema that was read, `{shown_path(path)}`"
            elif decl.schema:
                where = f"write its JSON Schema at `{shown_path(path)}` (its `schema` path)"
            else:
                own = root / "evidence_schemas" / f"{ident}.schema.json"
                where = (f"write its JSON Schema at `{shown_path(own)}` (wellled looked there, "
                         "then among the evidence schemas shipped with it)")
            diags.error("E042", f"evidence `{ident}` has no usable schema: {problem}",
                        decl.id_span, where)
            continue
        schemas[ident] = EvidenceSchema(ident, decl.title, decl.many, path, schema)
    return schemas


def shown_path(path: Path) -> str:
    """A path as messages show it: relative below the current folder, else absolute."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return path.as_posix()
