"""Files recognised by content across sources: a spreadsheet workbook is refused in every inbox with
the advice to export it as CSV, whatever it is called."""

from __future__ import annotations

import zipfile

import pytest

from pipelines.settings import SOURCES
from pipelines.sources import parser
from pipelines.sources.formats import spreadsheet
from tests.sources.checks import conserved

XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


def xlsx(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return path


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("kind", ["xls", "xlsx"])
def test_a_workbook_in_any_inbox_is_refused_with_export_as_csv(tmp_path, source, kind):
    path = tmp_path / "export"
    if kind == "xls":
        path.write_bytes(XLS)
    else:
        xlsx(path)
    for name in (f"transactions.{kind}", "transactions.csv"):  # by name, and by content under a CSV name
        result = parser(source).parse(path, name, "sha")
        conserved(result)
        (checked,) = result.values()
        (row,) = checked.quarantined.rows(named=True)
        assert row["rule"] == "file:spreadsheet" and "save each sheet as CSV" in row["message"], (source, name)


def test_a_csv_or_an_ordinary_zip_is_no_spreadsheet(tmp_path):
    csv = tmp_path / "a.csv"
    csv.write_text("id;name\n1;x\n")
    archive = tmp_path / "b.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("x-open-data-proposals.csv", "id\n")
    assert spreadsheet(csv, "a.csv") is None and spreadsheet(archive, "b.zip") is None
