"""The engine's layers, read from its own imports: data flows one way.

Every ``import`` in every engine module is read with ``ast``, including imports inside
functions and under ``if TYPE_CHECKING:``, and checked against the layer order

    cli -> app, api -> output -> judge -> evidence, language -> errors, diagnostics, source,
        resources, words, gcpause, options

A module may import its own package, a package on its own layer, or any lower layer; never
a higher one. Between packages there is no import circle. A violation that is known and not
yet removed is listed in ``EXCEPTIONS`` with its reason and issue number, so any new one
fails here; an exception that no longer happens must be taken off the list.
"""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"

# Package (or top-level module) of engine -> its layer; higher numbers sit above.
LAYERS = {
    "__main__": 6, "cli": 6,
    "app": 5, "api": 5,
    "output": 4,
    "judge": 3,
    "evidence": 2, "language": 2,
    "errors": 1, "diagnostics": 1, "source": 1, "resources": 1, "words": 1, "gcpause": 1,
    "options": 1,
    "engine": 0,                    # engine/__init__.py: only __version__
}

# Known violations still to remove: (importing module, imported module) -> why, and the issue.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(ENGINE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    base = ENGINE.parent.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path) -> set[str]:
    """The engine modules ``path`` imports anywhere in its text (functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module_name(path).split(".")
                if path.name != "__init__.py":
                    package = package[:-1]
                package = package[:len(package) - node.level + 1]
                base = ".".join(package + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # `from engine.app import write` imports the module engine.app.write.
            names = [f"{base}.{a.name}" if _is_module(f"{base}.{a.name}") else base
                     for a in node.names]
        else:
            continue
        found.update(name for name in names if name == "engine" or name.startswith("engine."))
    return found


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "engine"


def engine_imports() -> dict[str, set[str]]:
    return {module_name(path): imports_of(path) for path in sorted(ENGINE.rglob("*.py"))}


def upward(imports: dict[str, set[str]]) -> set[tuple[str, str]]:
    """Imports from a lower layer to a higher one, as (importer, imported)."""
    return {(source, target) for source, targets in imports.items() for target in targets
            if LAYERS[package_of(target)] > LAYERS[package_of(source)]}


def package_circles(imports: dict[str, set[str]], skip: set[tuple[str, str]],
                    key=package_of) -> list[list[str]]:
    """Each import circle between packages (edges in ``skip`` left out), as a path;
    with ``key`` the identity, between modules."""
    graph: dict[str, set[str]] = {}
    for source, targets in imports.items():
        for target in targets:
            a, b = key(source), key(target)
            if a != b and (source, target) not in skip:
                graph.setdefault(a, set()).add(b)
    circles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                circles.append(path[path.index(nxt):] + [node, nxt] if nxt in path
                               else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return circles


def _covers(exception: tuple[str, str], edge: tuple[str, str]) -> bool:
    """Whether a listed exception covers an import (the module or one inside it)."""
    return edge[0] == exception[0] and (edge[1] == exception[1]
                                        or edge[1].startswith(exception[1] + "."))


def _excepted(edge: tuple[str, str]) -> bool:
    return any(_covers(exception, edge) for exception in EXCEPTIONS)


# ---------------------------------------------------------------- the engine's own code


def test_every_engine_package_has_a_layer():
    unplaced = {package_of(m) for m in engine_imports()} - set(LAYERS)
    assert not unplaced, f"give these a place in LAYERS (and docs/architecture.md): {unplaced}"


def test_no_lower_layer_imports_a_higher_one():
    found = upward(engine_imports())
    new = sorted(edge for edge in found if not _excepted(edge))
    assert not new, "imports running up the layers:\n" + "\n".join(
        f"  {s} imports {t}" for s, t in new)


def test_no_import_circle_between_packages():
    imports = engine_imports()
    skip = {edge for edge in upward(imports) if _excepted(edge)}
    assert package_circles(imports, skip) == []


def test_each_listed_exception_still_happens():
    """An exception removed from the code is removed from the list, so it cannot return."""
    found = upward(engine_imports())
    stale = [exception for exception in EXCEPTIONS
             if not any(_covers(exception, edge) for edge in found)]
    assert not stale, f"no longer imported; take off EXCEPTIONS: {stale}"


def test_app_layer_holds_the_file_writing_use_cases():
    """fmt and the criteria-test runner write files only through engine/app."""
    imports = engine_imports()
    for module in ("engine.language.fmt", "engine.judge.criteria_tests"):
        assert not any(t.startswith("engine.output") for t in imports[module]), module
    assert "engine.app.write" in imports["engine.app.fmt"]
    assert "engine.app.write" in imports["engine.app.criteria_tests"]


def test_options_are_typed_below_the_api():
    """``AssessOptions`` lives in the base layer: no stage imports it from ``engine.api``,
    takes ``options`` as ``Any`` or reads it with ``getattr`` (issue 13, item 2)."""
    untyped = []
    for path in sorted(ENGINE.rglob("*.py")):
        module = module_name(path)
        if LAYERS[package_of(module)] >= LAYERS["api"]:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.arg) and node.arg == "options" and (
                    node.annotation is None or ast.unparse(node.annotation) == "Any"):
                untyped.append(f"{module}:{node.lineno} options: "
                               f"{ast.unparse(node.annotation) if node.annotation else '(none)'}")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "getattr" and node.args
                    and isinstance(node.args[0], ast.Name) and node.args[0].id == "options"):
                untyped.append(f"{module}:{node.lineno} getattr(options, ...)")
            if isinstance(node, ast.ImportFrom) and node.module == "engine.api":
                untyped.append(f"{module}:{node.lineno} imports engine.api")
    allowed = {m for m, target in EXCEPTIONS if target == "engine.api"}
    untyped = [u for u in untyped if not (u.split(":")[0] in allowed and "imports" in u)]
    assert not untyped, "options not typed:\n" + "\n".join(untyped)


# ---------------------------------------------------------------- the check itself


def test_the_check_sees_imports_inside_functions_and_type_checking(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("from typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    from engine.api import AssessOptions\n"
                      "def f():\n    from engine.app import write\n    import engine.words\n")
    assert imports_of(source) == {"engine.api", "engine.app.write", "engine.words"}


def test_the_check_finds_an_upward_import_and_a_circle():
    imports = {"engine.judge.assess": {"engine.output.report", "engine.words"},
               "engine.output.report": {"engine.judge.assess"},
               "engine.language.check": {"engine.evidence.schemas"},
               "engine.evidence.schemas": {"engine.language.nodes"}}
    assert upward(imports) == {("engine.judge.assess", "engine.output.report")}
    circles = package_circles(imports, set())
    assert set(map(frozenset, circles)) == {frozenset({"judge", "output"}),
                                            frozenset({"evidence", "language"})}


# ---------------------------------------------------------------- the stages write no files

_WRITING_CALLS = {"write_text", "write_bytes", "mkdir", "makedirs", "rename", "renames",
                  "replace", "rmtree", "unlink", "rmdir", "mkstemp", "atomic_write",
                  "write_set"}


def file_writes(source: str) -> list[int]:
    """Lines of ``source`` that write, move or remove files: an ``open`` in a writing mode,
    or a call such as ``Path.write_text``, ``os.replace``, ``shutil.rmtree``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
            node.func, "id", "")
        if name in ("open", "fdopen"):
            modes = [a for a in node.args[1:2]] + [k.value for k in node.keywords
                                                   if k.arg == "mode"]
            if any(isinstance(m, ast.Constant) and isinstance(m.value, str)
                   and set(m.value) & set("wxa+") for m in modes):
                lines.append(node.lineno)
        elif name in _WRITING_CALLS and not (name == "replace" and isinstance(
                node.func, ast.Attribute) and not (isinstance(node.func.value, ast.Name)
                                                   and node.func.value.id == "os")):
            lines.append(node.lineno)
    return lines


def test_the_stages_write_no_files():
    """language/, evidence/, judge/ and output/ make text and bytes; only engine/app/ (and
    the API's write_outputs through it) writes them to disk (issue 13, item 2)."""
    found = [f"{path.relative_to(ENGINE)}:{line}"
             for stage in ("language", "evidence", "judge", "output")
             for path in sorted((ENGINE / stage).rglob("*.py"))
             for line in file_writes(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_write_check_sees_writes():
    source = ("import os, shutil\nopen(p, 'w')\nopen(p, mode='xb')\np.write_text('x')\n"
              "os.replace(a, b)\nshutil.rmtree(d)\nopen(p)\nopen(p, 'rb')\ntext.replace('a', 'b')\n")
    assert file_writes(source) == [2, 3, 4, 5, 6]


def test_every_module_has_its_row_in_the_architecture_doc():
    """docs/architecture.md's table names each engine module with its single job."""
    doc = (ENGINE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = [line for line in doc.splitlines() if line.startswith("| `")]
    named = " ".join(row.split("|")[1] for row in rows)
    missing = []
    for path in sorted(ENGINE.rglob("*.py")):
        rel = path.relative_to(ENGINE).as_posix()
        if path.name in ("__init__.py", "__main__.py"):
            continue
        # a row may name siblings after the first as bare file names: `parse.py`, `lalr.py`
        if f"`{rel}`" not in named and f"`{path.name}`" not in named:
            missing.append(rel)
    assert missing == []


def test_no_import_circle_between_modules():
    """Not even inside a package: a module never needs one that needs it back."""
    imports = engine_imports()
    graph = {source: {t for t in targets if t in imports and t != source}
             for source, targets in imports.items()}
    assert package_circles(graph, set(), key=lambda name: name) == []
