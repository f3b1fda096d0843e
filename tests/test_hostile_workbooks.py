"""Hostile workbooks: macros, links, bombs, broken files and formulas are refused clearly;
text from cells is escaped in every report, and written back as text, never as a formula."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from engine.api import AssessOptions, assess_bundle, load_criteria, write_outputs
from engine.app.workbooks import make_template
from engine.errors import BundleError
from engine.evidence.workbook import read_workbook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "bundles"


@pytest.fixture(scope="module")
def criteria():
    return load_criteria(ROOT / "criteria" / "cqc_well_led")


@pytest.fixture(scope="module")
def good_book(criteria, tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("good") / "eastmarch.xlsx"
    make_template(path, criteria, EXAMPLES / "eastmarch")
    return path.read_bytes()


def _rezip(raw: bytes, change) -> bytes:
    """The workbook ``raw`` with its parts passed through ``change(name, data) -> data|None``
    (None drops a part), and any extra parts ``change`` adds by its ``extra`` attribute."""
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = change(info.filename, source.read(info.filename))
            if data is not None:
                target.writestr(info.filename, data)
        for name, data in getattr(change, "extra", {}).items():
            target.writestr(name, data)
    return out.getvalue()


def _refusal(criteria, path: Path, **kw) -> str:
    with pytest.raises(BundleError) as caught:
        read_workbook(path, criteria.schemas, **kw)
    assert len(caught.value.problems) == 1
    return caught.value.problems[0]


def _same(name, data):
    return data


def test_macro_enabled_suffix_is_refused(criteria, tmp_path, good_book):
    path = tmp_path / "trust.xlsm"
    path.write_bytes(good_book)
    assert "is a macro-enabled workbook; macros are never run or accepted" in \
        _refusal(criteria, path)


def test_macros_inside_an_xlsx_are_refused(criteria, tmp_path, good_book):
    change = _same
    change.extra = {"xl/vbaProject.bin": b"\x00" * 64}
    path = tmp_path / "trust.xlsx"
    path.write_bytes(_rezip(good_book, change))
    del change.extra
    assert "holds macros (VBA)" in _refusal(criteria, path)


def test_macro_content_type_is_refused(criteria, tmp_path, good_book):
    def change(name, data):
        if name == "[Content_Types].xml":
            return data.replace(b"spreadsheetml.sheet.main+xml",
                                b"sheet.macroEnabled.main+xml")
        return data
    path = tmp_path / "trust.xlsx"
    path.write_bytes(_rezip(good_book, change))
    assert "macro-enabled workbook" in _refusal(criteria, path)


def test_external_links_are_refused(criteria, tmp_path, good_book):
    def change(name, data):
        return data
    change.extra = {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}
    path = tmp_path / "trust.xlsx"
    path.write_bytes(_rezip(good_book, change))
    assert "links to other workbooks (external links)" in _refusal(criteria, path)


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(criteria, tmp_path, good_book):
    def change(name, data):
        return data
    change.extra = {"xl/media/padding.bin": b"\x00" * 3_000_000}   # 3 MB of zeros, a few KB
    path = tmp_path / "trust.xlsx"
    path.write_bytes(_rezip(good_book, change))
    assert path.stat().st_size < 200_000
    # The limit sits just above the template's own size (about 0.1 MB with the
    # shipped criteria's evidence types), so only the unpacked size can refuse it.
    message = _refusal(criteria, path, max_file_mb=0.12)
    assert "over the limit of 2.4 MB; it is refused" in message
    assert "would unpack to " in message


def test_a_file_over_the_size_limit_is_refused_unread(criteria, tmp_path, good_book):
    path = tmp_path / "trust.xlsx"
    path.write_bytes(good_book)
    assert "over the limit of 0.01 MB; raise the limit with --max-file-mb" in \
        _refusal(criteria, path, max_file_mb=0.01)


@pytest.mark.parametrize("raw,words", [
    (b"provider: {id: RX1}\n", "is not an Excel workbook (.xlsx): it is not a zip package"),
    (b"PK\x03\x04 truncated", "is not an Excel workbook (.xlsx)"),
])
def test_not_a_workbook(criteria, tmp_path, raw, words):
    path = tmp_path / "trust.xlsx"
    path.write_bytes(raw)
    assert words in _refusal(criteria, path)


def test_a_zip_that_is_not_a_workbook(criteria, tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("notes.txt", "hello")
    path = tmp_path / "trust.xlsx"
    path.write_bytes(out.getvalue())
    assert "is not an Excel workbook (.xlsx); save it from Excel" in _refusal(criteria, path)


def test_a_broken_sheet_is_refused_clearly(criteria, tmp_path, good_book):
    def change(name, data):
        return b"<worksheet><sheetData><row" if name == "xl/worksheets/sheet3.xml" else data
    path = tmp_path / "trust.xlsx"
    path.write_bytes(_rezip(good_book, change))
    assert "cannot be read as an Excel workbook" in _refusal(criteria, path)


def test_old_xls_is_refused(criteria, tmp_path):
    path = tmp_path / "trust.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    assert "old-style Excel file (.xls)" in _refusal(criteria, path)


def _ftsu_row(ws, key: str) -> int:
    return next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == key)


def test_formula_without_a_saved_value_is_refused_never_evaluated(criteria, tmp_path,
                                                                  good_book):
    book = openpyxl.load_workbook(io.BytesIO(good_book))
    ws = book["ftsu"]
    row = _ftsu_row(ws, "cases_raised")
    ws.cell(row, 2).value = "=20+22"        # openpyxl saves no value with a formula
    path = tmp_path / "trust.xlsx"
    book.save(path)
    with pytest.raises(BundleError) as caught:
        assess_bundle(criteria, path, AssessOptions())
    assert caught.value.problems == [
        f"{path.as_posix()}: ftsu!B{row}: cases_raised: the cell holds a formula with no saved "
        "value; formulas are never calculated here: type the value, or open and save the "
        "workbook in Excel so the value is saved with it"]


def test_formula_is_read_as_its_saved_value(criteria, tmp_path, good_book):
    book = openpyxl.load_workbook(io.BytesIO(good_book))
    ws = book["ftsu"]
    row = _ftsu_row(ws, "cases_raised")
    ws.cell(row, 2).value = "=20+22"
    staged = io.BytesIO()
    book.save(staged)
    sheet = f"xl/worksheets/sheet{book.sheetnames.index('ftsu') + 1}.xml"

    def change(name, data):        # as Excel saves it: the formula and the value it showed
        if name == sheet:
            return data.replace(b"<f>20+22</f><v></v>", b"<f>20+22</f><v>7</v>").replace(
                b"<f>20+22</f><v />", b"<f>20+22</f><v>7</v>")
        return data
    path = tmp_path / "trust.xlsx"
    path.write_bytes(_rezip(staged.getvalue(), change))
    result = assess_bundle(criteria, path, AssessOptions())
    reads = [r for n in result["results"].values() for e in n["trace"]
             for r in e.get("reads", []) if r["pointer"] == "/cases_raised"]
    assert reads and {r["value"] for r in reads} == {7}      # the saved 7, not 42
    assert {r["file"] for r in reads} == {f"ftsu!B{row}"}


def test_cell_text_is_escaped_in_reports_and_stays_text_in_workbooks(criteria, tmp_path,
                                                                     good_book):
    book = openpyxl.load_workbook(io.BytesIO(good_book))
    book["manifest"].cell(_ftsu_row(book["manifest"], "provider.name"), 2).value = \
        "<script>alert(1)</script> =HYPERLINK(\"http://x\")"
    path = tmp_path / "trust.xlsx"
    book.save(path)
    result = assess_bundle(criteria, path, AssessOptions())
    written = write_outputs(result, tmp_path / "out", ("html", "md", "xlsx"))
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<script>alert" not in (tmp_path / "out" / "report.md").read_text()
    about = openpyxl.load_workbook(written[2])["About"]
    assert about["B1"].data_type == "s" and about["B1"].value.startswith("<script>")
    # a value starting with = from a bundle stays text in the template too
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    for item in (EXAMPLES / "eastmarch").iterdir():
        text = item.read_text()
        if item.name == "bundle.yaml":
            text = text.replace("name: Eastmarch", "name: =1+1 Eastmarch")
        (bundle / item.name).write_text(text)
    make_template(tmp_path / "t.xlsx", criteria, bundle)
    cell = openpyxl.load_workbook(tmp_path / "t.xlsx")["manifest"].cell(
        _ftsu_row(openpyxl.load_workbook(tmp_path / "t.xlsx")["manifest"], "provider.name"), 2)
    assert cell.data_type == "s" and cell.value.startswith("=1+1 Eastmarch")


def test_dates_and_numbers_typed_as_text_are_read_and_checked(criteria, tmp_path, good_book):
    book = openpyxl.load_workbook(io.BytesIO(good_book))
    ws = book["manifest"]
    ws.cell(_ftsu_row(ws, "assessment.date"), 2).value = "2025-07-01"
    ws.cell(_ftsu_row(ws, "assessment.period.start"), 2).value = datetime.datetime(2024, 4, 1)
    ws.cell(_ftsu_row(ws, "assessment.period.end"), 2).value = datetime.datetime(2023, 3, 31)
    path = tmp_path / "trust.xlsx"
    book.save(path)
    with pytest.raises(BundleError) as caught:      # the manifest's own rule, at its cell
        assess_bundle(criteria, path, AssessOptions())
    row = _ftsu_row(ws, "assessment.period.start")
    assert caught.value.problems == [f"{path.as_posix()}: manifest!B{row}: assessment.period: "
                                     "the period ends before it starts"]
    ws.cell(_ftsu_row(ws, "assessment.period.end"), 2).value = " 2025-03-31 "
    book["ftsu"].cell(_ftsu_row(book["ftsu"], "guardians"), 2).value = " 3 "
    book.save(path)
    result = assess_bundle(criteria, path, AssessOptions())
    assert result["bundle"]["assessment"] == {"date": "2025-07-01", "kind": "self_assessment",
                                              "period": {"start": "2024-04-01",
                                                         "end": "2025-03-31"},
                                              "assessor": None}


def test_a_far_away_cell_costs_nothing_and_too_many_rows_are_refused(criteria, tmp_path,
                                                                     good_book, monkeypatch):
    import time

    from engine.evidence import workbook

    book = openpyxl.load_workbook(io.BytesIO(good_book))
    book["ftsu"]["Z1000000"] = "a note far down the sheet"
    path = tmp_path / "trust.xlsx"
    book.save(path)
    started = time.perf_counter()
    read = read_workbook(path, criteria.schemas)
    assert time.perf_counter() - started < 20
    assert read.problems == [] and "ftsu.yaml" in read.data
    monkeypatch.setattr(workbook, "MAX_ROWS", 10)
    read = read_workbook(path, criteria.schemas)
    # Reading problems are located diagnostics (E208) at their cell; one line each.
    assert {problem.code for _, problem in read.problems} == {"E208"}
    limited = [problem.line() for _, problem in read.problems if "ftsu!A1" in problem.line()]
    assert len(limited) == 1
    assert limited[0].startswith(f"{path.as_posix()}: ftsu!A1: the sheet has ")
    assert limited[0].endswith("rows, more than the limit of 10; only the first 10 are read")
