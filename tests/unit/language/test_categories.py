"""Declared categories: `categories a b c` in the framework; nothing outside it."""

from pathlib import Path

import pytest

from engine.language.check import check_set
from engine.language.fmt import format_text
from engine.language.parse import parse_text

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("name", ["cqc_well_led", "cqc_well_led_2023", "nhs_well_led_2017"])
def test_every_shipped_set_declares_the_categories_it_uses(name):
    checked, diags = check_set(ROOT / "criteria" / name)
    assert checked is not None, diags.format()
    declared = checked.framework.categories
    assert declared is not None
    used = {c.category for c in checked.criteria.values()}
    assert used <= set(declared)


def test_a_category_outside_the_list_is_an_error_with_did_you_mean(tmp_path):
    text = (ROOT / "tests" / "golden" / "check" / "E036_category_not_declared.crit").read_text()
    (tmp_path / "set.crit").write_text(text)
    (tmp_path / "evidence_schemas").symlink_to(ROOT / "tests" / "golden" / "check"
                                               / "evidence_schemas")
    _, diags = check_set(tmp_path)
    found = [(d.code, d.message, d.help) for d in diags.items if d.code == "E036"]
    assert found[0][2] == "did you mean `staff_feedback`?"
    assert len(found) == 2


def test_the_category_list_parses_and_fmt_keeps_it_on_one_line():
    file, diags = parse_text('framework f "F" {\n  scale s\n  root r\n  categories a b\n}\n',
                             "f.crit")
    assert file.declarations[0].categories == ("a", "b")
    assert format_text('framework f "F" { scale s root r categories a   b }', "f.crit") == (
        'framework f "F" {\n  scale s\n  root r\n  categories a b\n}\n')
