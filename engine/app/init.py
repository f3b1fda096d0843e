"""``wellled init``: a new bundle folder with a commented YAML template per evidence type.

The templates' text comes from ``engine/evidence/init.py``; this module decides which files
the folder gets and writes them. Nothing that exists is ever overwritten.

>>> written, kept = init_bundle(Path("my_bundle"), criteria)      # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.errors import UsageError
from engine.evidence.bundle import MANIFEST_NAMES
from engine.evidence.init import evidence_template, manifest_template
from engine.evidence.read import SUFFIXES
from engine.evidence.schemas import EvidenceSchema


def init_bundle(folder: Path, criteria, force: bool = False) -> tuple[list[Path], list[Path]]:
    """Write ``bundle.yaml`` and a template per evidence type into ``folder``: (written, kept).

    The types are those some criterion reads (``criteria.evidence_ids_read``),
    or every type in ``criteria.schemas`` when that is not known. A folder that
    already holds a manifest is a bundle someone started: it is refused unless
    ``force``, so that a file the user deleted never comes back by itself. With
    ``force``, a file (or a collection folder) that exists is kept as it is.
    Everything is checked before anything is written; if writing fails part
    way, what this call wrote is removed again.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: is a file; give a folder for the new bundle")
    schemas: dict[str, EvidenceSchema] = dict(criteria.schemas)
    wanted = getattr(criteria, "evidence_ids_read", None)
    ids = sorted(i for i in (schemas if wanted is None else wanted) if i in schemas)

    existing = [folder / n for n in MANIFEST_NAMES if (folder / n).exists()]
    if existing and not force:
        raise UsageError(
            f"{folder}: already holds a bundle (`{existing[0].name}`); init wrote nothing, so "
            "files you deleted stay deleted. To add a template for each evidence type that "
            f"has no file yet, run it again with --force (it never overwrites a file)")
    plan: list[tuple[Path, str]] = []      # files to write, in order
    kept: list[Path] = list(existing)
    if not existing:
        plan.append((folder / "bundle.yaml", manifest_template()))
    for evidence_id in ids:
        schema = schemas[evidence_id]
        if schema.many:
            target = folder / evidence_id
            if target.exists() or target.is_symlink():
                kept.append(target)     # a collection already started: add nothing to it
            else:
                plan.append((target / "example.yaml", evidence_template(schema)))
            continue
        present = [folder / f"{evidence_id}{s}" for s in SUFFIXES
                   if (folder / f"{evidence_id}{s}").exists()
                   or (folder / f"{evidence_id}{s}").is_symlink()]
        if present:
            kept.extend(present)        # a second file would make the type ambiguous
        else:
            plan.append((folder / f"{evidence_id}.yaml", evidence_template(schema)))
    _check_writable(folder)
    return _write_all(folder, plan), kept


def _check_writable(folder: Path) -> None:
    """UsageError unless ``folder`` exists and is writable, or can be created."""
    here = folder
    while not here.exists():
        if here.is_symlink():
            raise UsageError(f"{folder}: `{here}` is a broken link; give another folder")
        if here.parent == here:
            break
        here = here.parent
    if not here.is_dir():
        raise UsageError(f"{folder}: `{here}` is a file, so the folder cannot be made there")
    if not os.access(here, os.W_OK | os.X_OK):
        raise UsageError(f"{folder}: cannot write in `{here}` (permission denied); choose a "
                         "folder you can write to")


def _write_all(folder: Path, plan: list[tuple[Path, str]]) -> list[Path]:
    """Create ``folder`` and every planned file; on a failure, remove what was made."""
    made: list[Path] = []
    try:
        for parent in reversed([folder, *folder.parents]):
            if not parent.exists():
                parent.mkdir()
                made.append(parent)
        for path, text in plan:
            if not path.parent.exists():
                path.parent.mkdir()
                made.append(path.parent)
            # Mode "x" creates the file or fails: an existing file is never replaced.
            with open(path, "x", encoding="utf-8", newline="\n") as handle:
                made.append(path)
                handle.write(text)
    except OSError as err:
        for path in reversed(made):
            try:
                path.rmdir() if path.is_dir() else path.unlink()
            except OSError:
                pass
        raise UsageError(f"{folder}: init could not write `{err.filename or folder}` "
                         f"({(err.strerror or str(err)).lower()}); nothing was left behind"
                         ) from None
    return [path for path, _ in plan]


def next_steps(folder: str, criteria: str | None) -> list[str]:
    """What to do after ``wellled init``, as lines to print.

    >>> next_steps("b", None)[1]
    '  1. Fill in the files in b: replace each `null` with its value, and delete the file of any evidence you do not have.'
    """
    option = f" --criteria {criteria}" if criteria else ""
    return [
        "Next steps:",
        f"  1. Fill in the files in {folder}: replace each `null` with its value, and delete "
        "the file of any evidence you do not have.",
        f"  2. Check them: wellled validate {folder}{option}",
        f"  3. Assess: wellled assess {folder}{option}",
    ]
