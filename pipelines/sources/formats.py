"""What a landed file is by its first bytes, whatever its name: the formats every source refuses with a
reason a user can act on (a spreadsheet workbook: export it as CSV), and the checks sources share to
recognise their own files by content."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc): a Compound File
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
SPREADSHEET_SUFFIXES = (".xls", ".xlsx", ".xlsm", ".ods", ".numbers")

SPREADSHEET_RULE = "file:spreadsheet"
SPREADSHEET_ADVICE = (
    "a spreadsheet workbook, not an export this pipeline reads: open it and save each sheet as CSV "
    "(UTF-8, comma or semicolon separated), then put the CSV files in the inbox instead"
)


def head(path: Path, size: int = 8) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def is_zip(path: Path) -> bool:
    return head(path, 4) in ZIP_MAGIC


def spreadsheet(path: Path, file_name: str) -> str | None:
    """Why a file is a spreadsheet workbook (by name or by its bytes: `.xls` is an OLE2 compound file,
    `.xlsx`/`.ods` a ZIP holding the workbook), or None."""
    suffix = PurePosixPath(file_name).suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return f"{suffix} file: {SPREADSHEET_ADVICE}"
    start = head(path)
    if start == OLE2_MAGIC:
        return f"an Excel 97-2003 workbook (.xls) by its content: {SPREADSHEET_ADVICE}"
    if start[:4] in ZIP_MAGIC:
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        if "xl/workbook.xml" in names:
            return f"an Excel workbook (.xlsx) by its content: {SPREADSHEET_ADVICE}"
        if "content.xml" in names and "mimetype" in names:
            return f"an OpenDocument spreadsheet (.ods) by its content: {SPREADSHEET_ADVICE}"
    return None


def refuse_spreadsheet(contract, path: Path, file_name: str, landing_sha256: str) -> dict | None:
    """{entity: the whole file refused with `file:spreadsheet`} for a workbook, None for anything else."""
    from pipelines.sources.quarantine import refuse_file

    problem = spreadsheet(path, file_name)
    if problem is None:
        return None
    return {contract.entity: refuse_file(contract, landing_sha256, file_name, SPREADSHEET_RULE, problem)}
