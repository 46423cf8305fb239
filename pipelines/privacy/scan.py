"""The personal-data scanner: what a release (or a dashboard page) must never contain.

`forbidden_terms` lists the people found in the inputs (plus the demo canaries); `scan_release` reads
every file of a release and reports emails, IP addresses, phone numbers and those terms;
`scan_text` does the same for any text. A finding names where, never the value itself (redacted).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipelines.demo.canaries import CANARIES
from pipelines.privacy.patterns import find_personal_patterns, redact
from pipelines.privacy.people import collect
from pipelines.privacy.vocabulary import COMMON_WORDS

MIN_TERM_LENGTH = 4
BINARY_SUFFIXES = {".sig", ".parquet"}  # signatures are bytes; Parquet is read as a table
WORD = re.compile(r"\w+")
EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")
SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Finding:
    file: str  # relative to the release folder, or the label given to scan_text
    row_or_line: int | str  # data row (1 = first after the header), text line, or JSON path
    column: str | None  # CSV/Parquet column or JSON key
    kind: str  # email, ipv4, ipv6, phone, term
    excerpt_redacted: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row_or_line}" + (f" [{self.column}]" if self.column else "")
        return f"{where}: {self.kind} {self.excerpt_redacted}"


# --- terms ----------------------------------------------------------------------------------------


def normalise(value: str) -> str:
    return SPACES.sub(" ", EDGE_PUNCTUATION.sub("", value.casefold())).strip()


def _is_phone_like(term: str) -> bool:
    return not any(ch.isalpha() for ch in term) and sum(ch.isdigit() for ch in term) >= 9


def _meaningful(term: str, public: set[str]) -> bool:
    if len(term) < MIN_TERM_LENGTH or term in COMMON_WORDS or term in public:
        return False
    return any(ch.isalpha() for ch in term) or _is_phone_like(term)


def forbidden_terms(inbox: Path, extra: Iterable[str] = ()) -> set[str]:
    """Names, handles, emails and phones of the people in the inputs and the demo canaries, normalised.

    `inbox` is an inbox folder or a landing folder (then every landed version, API pages included).
    Dropped: terms shorter than 4 characters, common words, and group, city and collective names."""
    people = collect(inbox) if inbox.exists() else None
    found = set(people.personal) if people else set()
    found.update(value for canary in CANARIES for value in canary.values())
    found.update(extra)
    public = {normalise(name) for name in (people.public if people else ())}
    public |= {word for name in public for word in name.split()}
    terms = {normalise(value) for value in found}
    # a phone written differently in a release still has the same digits
    terms |= {re.sub(r"\D", "", t) for t in terms if _is_phone_like(t)}
    return {t for t in terms if _meaningful(t, public)}


class TermIndex:
    """Word-boundary search for many terms at once: each term is tried only where its first word occurs."""

    def __init__(self, terms: Iterable[str]):
        self.by_first_word: dict[str, list[str]] = {}
        for term in {normalise(t) for t in terms}:
            first = WORD.search(term)
            if first and first.start() == 0:
                self.by_first_word.setdefault(first.group(), []).append(term)

    def find(self, text: str) -> Iterator[str]:
        folded = text.casefold()
        for word in WORD.finditer(folded):
            for term in self.by_first_word.get(word.group(), ()):
                end = word.start() + len(term)
                if folded.startswith(term, word.start()) and not folded[end:end + 1].isalnum() \
                        and folded[end:end + 1] != "_":
                    yield term


def _as_index(terms: Iterable[str] | TermIndex) -> TermIndex:
    return terms if isinstance(terms, TermIndex) else TermIndex(terms)


# --- scanning -------------------------------------------------------------------------------------


def _scan_value(text: str, index: TermIndex, file: str, where: int | str, column: str | None
                ) -> Iterator[Finding]:
    for match in find_personal_patterns(text):
        yield Finding(file, where, column, match.kind, redact(match.value))
    for term in index.find(text):
        yield Finding(file, where, column, "term", redact(term))


def scan_text(text: str, terms: Iterable[str] | TermIndex, label: str = "<text>") -> list[Finding]:
    """Findings in a text (a dashboard page, a log), by line."""
    index = _as_index(terms)
    return [f for number, line in enumerate(text.splitlines(), start=1)
            for f in _scan_value(line, index, label, number, None)]


def _scan_csv(path: Path, index: TermIndex, label: str) -> Iterator[Finding]:
    reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8", errors="replace"), newline=""))
    header = next(reader, [])
    yield from (f for name in header for f in _scan_value(name, index, label, 0, None))
    for number, row in enumerate(reader, start=1):
        for column, cell in zip(header, row, strict=False):
            yield from _scan_value(cell, index, label, number, column)


def _scan_parquet(path: Path, index: TermIndex, label: str) -> Iterator[Finding]:
    table = pq.read_table(path)
    for column in table.column_names:
        yield from _scan_value(column, index, label, 0, None)
        for number, value in enumerate(table.column(column).to_pylist(), start=1):
            if value is not None and not isinstance(value, bool | int | float):
                yield from _scan_value(str(value), index, label, number, column)


def _scan_json(path: Path, index: TermIndex, label: str) -> Iterator[Finding]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        yield from _scan_lines(path, index, label)
        return
    # keys can leak too (a report keyed by person); such a key is never written into a path
    stack: list[tuple[Any, str, str | None]] = [(data, "$", None)]
    while stack:
        value, where, key = stack.pop()
        if isinstance(value, dict):
            for number, (name, item) in enumerate(value.items()):
                leaks = list(_scan_value(str(name), index, label, where, key))
                yield from leaks
                shown = f"<key {number}>" if leaks else str(name)
                stack.append((item, f"{where}.{shown}", None if leaks else shown))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{number}]", key) for number, item in enumerate(value))
        elif isinstance(value, str):
            yield from _scan_value(value, index, label, where, key)


def _scan_lines(path: Path, index: TermIndex, label: str) -> Iterator[Finding]:
    yield from scan_text(path.read_text(encoding="utf-8", errors="replace"), index, label)


def scan_file(path: Path, terms: Iterable[str] | TermIndex, label: str | None = None) -> list[Finding]:
    index, label = _as_index(terms), label or path.name
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return list(_scan_parquet(path, index, label))
    if suffix in BINARY_SUFFIXES:
        return []
    readers = {".csv": _scan_csv, ".json": _scan_json}
    return list(readers.get(suffix, _scan_lines)(path, index, label))


def scan_release(release_dir: Path, terms: Iterable[str] | TermIndex) -> list[Finding]:
    """Findings in every file of a release: data (CSV, Parquet), README, descriptor and reports."""
    release_dir = release_dir.resolve()
    index = _as_index(terms)
    files = sorted(p for p in release_dir.rglob("*") if p.is_file())
    return [f for path in files for f in scan_file(path, index, path.relative_to(release_dir).as_posix())]
