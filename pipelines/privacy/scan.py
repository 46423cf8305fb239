"""The personal-data scanner: what a release (or a dashboard page) must never contain.

`forbidden_terms` lists the people found in the inputs (plus any extra terms its caller passes, such as
the demo's canaries); `scan_release` reads every file of a release and reports emails, IP addresses,
phone numbers and those terms; `scan_text` does the same for any text. A finding names where, never
the value itself (redacted). A landing folder's people are cached per landed file in the data dir's
warehouse/ (`people_cache`): personal data, private like the warehouse, never part of a release.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from pipelines.privacy import scan_record
from pipelines.privacy.patterns import find_personal_patterns, redact
from pipelines.privacy.people import People, UnreadableInputs, book_names, collect, is_landing
from pipelines.privacy.people_cache import collect_landed
from pipelines.privacy.scan_record import ScanRecord
from pipelines.privacy.vocabulary import COMMON_WORDS, release_vocabulary

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


def _people(inbox: Path) -> People:
    if not inbox.exists():
        return People()
    if is_landing(inbox):  # <data_dir>/landing, cached in <data_dir>/warehouse
        return collect_landed(inbox, inbox.parent / "warehouse")
    return collect(inbox)


def bookkeeping_words(ledger_terms: Iterable[str], vocabulary: Iterable[str]) -> set[str]:
    """The books' terms that the release's own vocabulary contains as whole words (as the scan would
    match them): "opening balance", "checks", "individual" are written by every release, whatever a
    payee or an account level says, so finding them there would prove nothing."""
    index = TermIndex(ledger_terms)
    return {term for text in vocabulary for term in index.find(text)}


class NormalisedTerms(frozenset):
    """Terms as `normalise` leaves them, as `forbidden_terms` returns them: a `TermIndex` takes them as they
    are (normalising the 634,360 terms of the 10M bench again took 0.8 s a scan)."""


def forbidden_terms(inbox: Path, extra: Iterable[str] = (), vocabulary: Iterable[str] | None = None) -> NormalisedTerms:
    """Names, handles, emails and phones of the people in the inputs, and the `extra` terms, normalised.

    `inbox` is an inbox folder or a landing folder (then every landed version, API pages included; what
    each landed file yields is cached in the private `<data_dir>/warehouse/`, see `people_cache`).
    The books' free text (payees, narrations, withheld account levels) is a term too, unless the text
    every release writes whatever its inputs (`vocabulary`, by default `release_vocabulary()`, and the
    books' own names, `book_names`) contains it as whole words. Dropped: terms shorter than 4 characters,
    common words, and group, city and collective names."""
    people = _people(inbox)
    if people.unreadable:  # whose names they hold is unknown: nothing can be said safe
        raise UnreadableInputs(sorted(people.unreadable))
    found = set(people.personal)
    found.update(extra)
    public = {normalise(name) for name in people.public}
    public |= {word for name in public for word in name.split()}
    terms = {normalise(value) for value in found}
    # a term found elsewhere too (a contributor, a user) stays a term whatever the books' vocabulary says
    ledger = {normalise(value) for value in people.ledger} - terms
    vocabulary = [*(release_vocabulary() if vocabulary is None else vocabulary), *book_names(inbox)]
    terms |= ledger - bookkeeping_words(ledger, vocabulary)
    # a phone written differently in a release still has the same digits
    terms |= {re.sub(r"\D", "", t) for t in terms if _is_phone_like(t)}
    return NormalisedTerms(t for t in terms if _meaningful(t, public))


class TermIndex:
    """Word-boundary search for many terms at once. A normalised term starts and ends with a word
    character, so it is found exactly where a slice of the text from a word's start to a word's end
    (up to the longest term's length) is one of the terms: a set lookup per such slice, and nothing to
    build first (indexing the 634,360 terms of the 10M bench by first word took 3.5 s a scan)."""

    def __init__(self, terms: Iterable[str]):
        self.terms = set(terms) if isinstance(terms, NormalisedTerms) else {t for t in map(normalise, terms) if t}
        self.longest = max(map(len, self.terms), default=0)

    def find(self, text: str) -> Iterator[str]:
        if not self.terms:
            return
        folded = text.casefold()
        words = [(word.start(), word.end()) for word in WORD.finditer(folded)]
        for first, (start, _) in enumerate(words):
            for _, end in words[first : first + self.longest]:  # a word is at least one character
                if end - start > self.longest:
                    break
                candidate = folded[start:end]
                if candidate in self.terms:
                    yield candidate


# --- scanning -------------------------------------------------------------------------------------


class Scanner:
    """One scan: most values of a release repeat (ids, months, categories), so each distinct string is
    examined once, and its findings are then reported wherever it occurs. With the record of an earlier
    clean scan (`scan_record`), a value it examined is searched only for the terms added since."""

    def __init__(self, terms: Iterable[str] | TermIndex, earlier: ScanRecord | None = None):
        self.index = terms if isinstance(terms, TermIndex) else TermIndex(terms)
        self._hits: dict[str, tuple[tuple[str, str], ...]] = {}
        self._clean_before: frozenset[str] = frozenset()
        self._added = TermIndex(())
        if earlier is not None:
            if isinstance(terms, TermIndex):
                raise TypeError("an earlier scan's record needs the terms themselves, not their index")
            self._clean_before = earlier.values
            self._added = TermIndex(set(terms) - earlier.terms)

    def hits(self, text: str) -> tuple[tuple[str, str], ...]:
        """(kind, redacted value) of each finding in `text`."""
        found = self._hits.get(text)
        if found is None:
            if text in self._clean_before:  # no pattern and none of the earlier terms: only the added ones
                found = tuple(("term", redact(term)) for term in self._added.find(text))
            else:
                found = (
                    *((m.kind, redact(m.value)) for m in find_personal_patterns(text)),
                    *(("term", redact(term)) for term in self.index.find(text)),
                )
            self._hits[text] = found
        return found

    def examined(self) -> set[str]:
        """Every distinct value examined so far."""
        return set(self._hits)

    def findings(self, text: str, file: str, where: int | str, column: str | None) -> list[Finding]:
        return [Finding(file, where, column, kind, shown) for kind, shown in self.hits(text)]


def _as_scanner(terms: Iterable[str] | TermIndex | Scanner) -> Scanner:
    return terms if isinstance(terms, Scanner) else Scanner(terms)


def scan_text(text: str, terms: Iterable[str] | TermIndex | Scanner, label: str = "<text>") -> list[Finding]:
    """Findings in a text (a dashboard page, a log), by line."""
    scanner = _as_scanner(terms)
    return [
        f for number, line in enumerate(text.splitlines(), start=1) for f in scanner.findings(line, label, number, None)
    ]


def _csv_rows(text: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""))


def _csv_columns(path: Path, header: list[str]) -> list[pa.ChunkedArray] | None:
    """The CSV's columns as text, read by Arrow (the csv module spends seconds per million cells); None
    where Arrow would not give the cells the csv module gives: repeated or altered column names, a row
    of another length, invalid UTF-8 (which the csv module's reading replaces)."""
    if len(set(header)) != len(header):
        return None
    try:
        table = pa_csv.read_csv(
            path,
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return table.columns if table.column_names == header else None


def _csv_cells(path: Path, text: str, header: list[str]) -> Iterable[str]:
    """Every distinct cell below the header (per column when Arrow reads the file)."""
    columns = _csv_columns(path, header)
    if columns is None:
        return set(chain.from_iterable(islice(_csv_rows(text), 1, None)))
    return chain.from_iterable(_distinct(column) for column in columns)


def _scan_csv(path: Path, scanner: Scanner, label: str) -> Iterator[Finding]:
    text = path.read_text(encoding="utf-8", errors="replace")
    header = next(_csv_rows(text), [])
    yield from (f for name in header for f in scanner.findings(name, label, 0, None))
    # the rows are walked (to name each one a finding is in) only when a distinct cell has a finding
    if any(scanner.hits(cell) for cell in _csv_cells(path, text, header)):
        for number, row in enumerate(islice(_csv_rows(text), 1, None), start=1):
            for column, cell in zip(header, row, strict=False):
                yield from scanner.findings(cell, label, number, column)


def _is_text(value: Any) -> bool:
    return value is not None and not isinstance(value, bool | int | float)


def _distinct(values: pa.ChunkedArray) -> list[Any]:
    try:
        return pc.unique(values).to_pylist()
    except pa.ArrowNotImplementedError:  # a type without a hash kernel: every value
        return values.to_pylist()


def _scan_parquet(path: Path, scanner: Scanner, label: str) -> Iterator[Finding]:
    table = pq.read_table(path)
    for column in table.column_names:
        yield from scanner.findings(column, label, 0, None)
        values = table.column(column)
        # the rows are walked (to name each one a finding is in) only when a distinct value has a finding
        if any(scanner.hits(str(value)) for value in _distinct(values) if _is_text(value)):
            for number, value in enumerate(values.to_pylist(), start=1):
                if _is_text(value):
                    yield from scanner.findings(str(value), label, number, column)


def _scan_json(path: Path, scanner: Scanner, label: str) -> Iterator[Finding]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        yield from _scan_lines(path, scanner, label)
        return
    # keys can leak too (a report keyed by person); such a key is never written into a path
    stack: list[tuple[Any, str, str | None]] = [(data, "$", None)]
    while stack:
        value, where, key = stack.pop()
        if isinstance(value, dict):
            for number, (name, item) in enumerate(value.items()):
                leaks = scanner.findings(str(name), label, where, key)
                yield from leaks
                shown = f"<key {number}>" if leaks else str(name)
                stack.append((item, f"{where}.{shown}", None if leaks else shown))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{number}]", key) for number, item in enumerate(value))
        elif isinstance(value, str):
            yield from scanner.findings(value, label, where, key)


def _scan_lines(path: Path, scanner: Scanner, label: str) -> Iterator[Finding]:
    yield from scan_text(path.read_text(encoding="utf-8", errors="replace"), scanner, label)


def scan_file(path: Path, terms: Iterable[str] | TermIndex | Scanner, label: str | None = None) -> list[Finding]:
    scanner, label = _as_scanner(terms), label or path.name
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return list(_scan_parquet(path, scanner, label))
    if suffix in BINARY_SUFFIXES:
        return []
    readers = {".csv": _scan_csv, ".json": _scan_json}
    return list(readers.get(suffix, _scan_lines)(path, scanner, label))


def scan_release(
    release_dir: Path, terms: Iterable[str] | TermIndex | Scanner, record_dir: Path | None = None
) -> list[Finding]:
    """Findings in every file of a release: data (CSV, Parquet), README, descriptor and reports.
    One scanner for the whole release: its CSV and Parquet files hold the same values. With a
    `record_dir` (private), the values of the last clean scan recorded there are searched only for the
    terms added since, and a clean scan records its own (see `scan_record`)."""
    release_dir = release_dir.resolve()
    earlier = None
    if record_dir is not None:
        terms = terms if isinstance(terms, NormalisedTerms) else set(terms)  # the record keeps the terms
        earlier = scan_record.load(record_dir)
        scanner = Scanner(terms, earlier)
    else:
        scanner = _as_scanner(terms)
    files = sorted(p for p in release_dir.rglob("*") if p.is_file())
    findings = [f for path in files for f in scan_file(path, scanner, path.relative_to(release_dir).as_posix())]
    if record_dir is not None and not findings:
        examined = scanner.examined()
        if earlier is None or earlier.terms != terms or not examined <= earlier.values:  # else it holds already
            scan_record.save(record_dir, examined, terms)
    return findings
