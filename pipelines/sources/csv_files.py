"""CSV exports: BOM stripped, separator sniffed, every data line kept with its line number, and a CSV
whose header names a contract's columns checked against that contract."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from pipelines.sources.contracts import Checked, TableContract
from pipelines.sources.quarantine import Refused, check_rows, refuse_file, rows_frame
from pipelines.sources.text import NOT_UTF8, decode_text, has_undecodable


@dataclass
class CsvRows:
    header: list[str]
    rows: list[tuple[str, list[str]]]  # (record = line number where the row starts, fields)
    refused: list[Refused]
    separator: str

    def records(self, header: list[str] | None = None) -> list[dict[str, str]]:
        """Each row as {column: value, "_record": line}, under `header` (renamed columns) or the file's."""
        names = header or self.header
        return [{**dict(zip(names, fields, strict=True)), "_record": record} for record, fields in self.rows]


MAX_CSV_FIELD = 16 * 1024 * 1024  # beyond the contracts' length rules, so those rules report oversize fields


csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_FIELD))


def sniff_separator(header_line: str, candidates: str = ",;") -> str:
    """The candidate separator that occurs most often in the header line (`,` on a tie)."""
    return max(candidates, key=lambda sep: (header_line.count(sep), sep == ","))


def read_csv(path: Path, separators: str = ",;", header: list[str] | None = None) -> CsvRows:
    """Read a CSV export: BOM stripped, separator sniffed, every data line kept with its line number.

    Rows whose field count differs from the header (truncated line, stray separator) and rows with
    bytes that are not UTF-8 are refused here, so the caller quarantines them. Blank lines are skipped.
    With `header`, the file has no header line and these are its columns."""
    text = decode_text(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    separator = sniff_separator(first_line, separators)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    names = header
    rows: list[tuple[str, list[str]]] = []
    refused: list[Refused] = []
    start = 1
    for fields in reader:
        record = str(start)
        start = reader.line_num + 1
        if not fields or fields == [""]:
            continue
        if names is None:
            names = [f.strip() for f in fields]
            continue
        if has_undecodable(separator.join(fields)):
            refused.append(Refused(record, NOT_UTF8, "bytes that are not UTF-8 (export the file as UTF-8)"))
        elif len(fields) != len(names):
            refused.append(
                Refused(
                    record,
                    "row:field_count",
                    f"{len(fields)} fields where the header has {len(names)} "
                    f"(truncated line or a separator other than {separator!r})",
                    separator.join(fields)[:200],
                )
            )
        else:
            rows.append((record, fields))
    return CsvRows(header=names or [], rows=rows, refused=refused, separator=separator)


def check_csv(
    path: Path,
    file_name: str,
    landing_sha256: str,
    contract: TableContract,
    aliases: dict[str, str] | None = None,
) -> Checked:
    """A CSV whose header names the contract's columns (or `aliases` of them, matched case-insensitively).

    A header without every required column refuses the whole file (`header:missing_columns`): the
    usual cause is a separator other than `,`/`;` or a renamed column, and guessing would invent data."""
    table = read_csv(path)
    names = {c.name: c.name for c in contract.columns} | (aliases or {})
    by_lower = {k.lower(): v for k, v in names.items()}
    header = [by_lower.get(h.lower(), h) for h in table.header]
    missing = [c.name for c in contract.columns if c.required and c.name not in header]
    if missing:
        return refuse_file(
            contract,
            landing_sha256,
            file_name,
            "header:missing_columns",
            f"header {table.header[:12]} lacks required column(s) {missing}",
        )
    frame = rows_frame(table.records(header), [c.name for c in contract.columns])
    return check_rows(contract, frame, landing_sha256, file_name, table.refused)
