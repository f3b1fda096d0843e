"""The stages never import the use cases above them (engine/app): imports run one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[3] / "engine"
STAGES = ("language", "evidence", "judge", "output")


@pytest.mark.parametrize("stage", STAGES)
def test_no_stage_imports_engine_app(stage):
    offenders = []
    for path in sorted((ENGINE / stage).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.name}: {name}" for name in names
                          if name == "engine.app" or name.startswith("engine.app.")]
    assert offenders == []
