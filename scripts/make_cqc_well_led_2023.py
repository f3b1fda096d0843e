"""Make criteria/cqc_well_led_2023 from criteria/cqc_well_led.

The two sets hold the same criteria; they differ only in how a quality
statement's score is reached. `cqc_well_led` scores each statement directly
(CQC's method since 2 December 2024). `cqc_well_led_2023` first scores each
evidence category, then the statement from its categories (CQC's method from
November 2023 to 1 December 2024). Edit the criteria in cqc_well_led, then run

    python scripts/make_cqc_well_led_2023.py

The 2023 set's own files (framework.crit, scoring.crit) are written by hand and
left alone. tests/unit/test_shipped_sets_sync.py fails when the copies are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "criteria" / "cqc_well_led"
TARGET = ROOT / "criteria" / "cqc_well_led_2023"

# Files of the source set that are not copied: each set has its own.
OWN_FILES = {"framework.crit", "scoring.crit"}

DIRECT = "  aggregate cqc_bands\n"
BY_CATEGORY = "  aggregate cqc_bands by category category_min\n"


def header(relative: str) -> str:
    return (f"# Made from cqc_well_led/{relative} by scripts/make_cqc_well_led_2023.py,\n"
            f"# with each statement scored by evidence category. Edit that file, not this one.\n\n")


def generated() -> dict[str, str]:
    """Every copied file of the 2023 set: relative path -> text."""
    files = {}
    for path in sorted(SOURCE.rglob("*.crit")):
        relative = path.relative_to(SOURCE).as_posix()
        if relative in OWN_FILES:
            continue
        text = path.read_text(encoding="utf-8")
        if relative.startswith("statements/"):
            if text.count(DIRECT) != 1:
                raise SystemExit(f"{path}: expected one line `{DIRECT.strip()}` in the statement")
            text = text.replace(DIRECT, BY_CATEGORY)
        files[relative] = header(relative) + text
    return files


def stale() -> list[str]:
    """The copied files that differ from what this script would write (or are extra)."""
    want = generated()
    problems = [rel for rel, text in want.items()
                if not (TARGET / rel).is_file()
                or (TARGET / rel).read_text(encoding="utf-8") != text]
    for path in sorted(TARGET.rglob("*.crit")):
        relative = path.relative_to(TARGET).as_posix()
        if relative not in want and relative not in OWN_FILES:
            problems.append(relative)
    return problems


def main() -> int:
    want = generated()
    for path in sorted(TARGET.rglob("*.crit")):
        relative = path.relative_to(TARGET).as_posix()
        if relative not in want and relative not in OWN_FILES:
            path.unlink()
    for relative, text in want.items():
        out = TARGET / relative
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    print(f"wrote {len(want)} files into {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
