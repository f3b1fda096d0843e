"""Copies of the shipped criteria set with one change each, for the diff tests."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "criteria" / "cqc_well_led"
BUNDLES = ROOT / "examples" / "bundles"
SHARED = "statements/shared_direction.crit"


def copy_set(target: Path) -> Path:
    shutil.copytree(SHIPPED, target)
    return target


def replace(folder: Path, relative: str, old: str, new: str, count: int = 1) -> None:
    path = folder / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def remove_criterion(folder: Path, criterion: str) -> None:
    """Delete a criterion's block and the test expectations that name it."""
    found = False
    for path in folder.rglob("*.crit"):
        text = path.read_text(encoding="utf-8")
        match = re.search(r"\n  criterion " + criterion + r" .*?\n  }\n", text, re.S)
        if match:
            text, found = text[:match.start()] + "\n" + text[match.end():], True
        text = re.sub(r"\n *expect " + criterion + r" [^\n]*", "", text)
        path.write_text(text, encoding="utf-8")
    assert found, criterion


def relayout(folder: Path) -> None:
    """Comments, blank lines, spacing, redundant parentheses and line breaks: no meaning."""
    replace(folder, SHARED, "level 2 when aware >= 50",
            "level 2 when (aware >=\n        50)   # half of staff")
    replace(folder, SHARED, "level 3 when aware >= 70 and priority.percent_positive",
            "level 3 when (aware >= 70)\n      and (priority.percent_positive)")
    for path in folder.rglob("*.crit"):
        text = path.read_text(encoding="utf-8")
        text = text.replace("\n  criterion ", "\n\n  # reviewed by the policy team\n  criterion ")
        text = re.sub(r"(?m)^(\s*(?:level|cap) \w+) when ", r"\1   when   ", text)
        path.write_text("# layout only\n" + text + "\n# end\n", encoding="utf-8")


def raised_threshold(target: Path) -> Path:
    """(a) staff_know_vision's level 4 needs 90% of staff to know the vision, not 85%."""
    copy_set(target)
    replace(target, SHARED, "level 4 when aware >= 85", "level 4 when aware >= 90")
    return target


def criterion_removed(target: Path) -> Path:
    """(b) people_supported is gone from environmental_sustainability."""
    copy_set(target)
    remove_criterion(target, "people_supported")
    return target


def cap_added(target: Path) -> Path:
    """(c) a statement at developing or below now holds the key question at developing."""
    copy_set(target)
    replace(target, "key_questions.crit", "  # A key question with a statement at 1",
            '  cap 2 when any(c in children where c.level <= 2)\n'
            '    because "A statement still developing holds the key question at developing."\n'
            "  # A key question with a statement at 1")
    return target


def layout_only(target: Path) -> Path:
    """(d) only comments and layout changed."""
    copy_set(target)
    relayout(target)
    return target


CONCERN = '    concern "Fewer than four in five staff know the vision" when aware < 80\n' \
          '      advice "Ask teams where the vision is least known what would help."\n'


def concern_added(target: Path) -> Path:
    """A concern on staff_know_vision: raised for harrowmere (72%) and lowbridge (44%)."""
    copy_set(target)
    replace(target, SHARED, "    level 2 when aware >= 50",
            CONCERN + "    level 2 when aware >= 50")
    return target
