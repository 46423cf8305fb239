"""The scanner on a crafted release: every planted email, phone, IP and name is found, in every file
kind, and the everyday content of a release (dates, uuids, hashes, amounts, release ids) is not."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from demo.canaries import CANARIES
from demo.canaries import terms as canary_terms
from pipelines.privacy import forbidden_terms, scan_release, scan_text
from pipelines.privacy.patterns import find_personal_patterns
from pipelines.privacy.scan import TermIndex, normalise

CLEAN_VALUES = [
    "2026-04-30",
    "2026-04-30T23:59:59Z",
    "2024-03-05 10:12:03",
    "10:12:03",
    "8b4ae5f1-a941-46a0-956a-26afbccdafe5",
    "20261127T053512Z-aec8d3f87635",
    "sha256:009c284522085a96e25e68cc7c1b9194897fd57b9505cdb949c5fa6151244d32",
    "-100045",
    "1578.70",
    "-1001.13",
    "+1234.56",
    "12345678901",
    "1.13.27",
    "1.2.3.4.5",
    "127.0.0.1",
    "TOS-PROP-2025-07-1000",
    "2025-11-01 - 2025-12-01",
    "TogetherOS Portland",
    "annabelle",
]
PLANTED = {
    "email": ["maria.p@example.org"],
    "phone": ["+1 503-555-0147", "(312) 555-0192", "93 555 01 23", "+34 655 913 207", "503.555.0147"],
    "ipv4": ["192.168.10.24"],
    "ipv6": ["2001:db8::42", "fe80::1ff:fe23:4567:890a"],
}
PERSON = "Annabel Quist"


@pytest.mark.parametrize("value", CLEAN_VALUES)
def test_everyday_release_values_are_not_personal(value):
    assert list(find_personal_patterns(value)) == []
    assert scan_text(f"value: {value}", {"annabel quist", "annabel"}) == []


@pytest.mark.parametrize(("kind", "value"), [(k, v) for k, values in PLANTED.items() for v in values])
def test_each_pattern_is_found_inside_text(kind, value):
    found = [m for m in find_personal_patterns(f"reach me at {value}, thanks") if m.value == value]
    assert [m.kind for m in found] == [kind]


def _crafted_release(root: Path) -> Path:
    """A release whose every file hides one personal value among clean ones."""
    (root / "data").mkdir(parents=True)
    clean = {"group_id": CLEAN_VALUES[4], "month": "2026-04-01", "amount": "-1001.13"}
    with (root / "data" / "people.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*clean, "note"])
        writer.writeheader()
        writer.writerow(clean | {"note": "ok"})
        writer.writerow(clean | {"note": f"ask {PERSON}"})
    pq.write_table(
        pa.table({"id": ["a", "b"], "note": ["fine", "from 192.168.10.24"], "n": [1, 2]}),
        root / "data" / "people.parquet",
    )
    (root / "README.md").write_text("# Release\n\nData as of 2026-04-30.\nContact maria.p@example.org\n")
    (root / "datapackage.json").write_text(
        json.dumps(
            {
                "id": CLEAN_VALUES[5],
                "resources": [{"name": "people", "hash": CLEAN_VALUES[6], "description": "call +1 503-555-0147"}],
            }
        )
    )
    (root / "quality-report.json").write_text(json.dumps({"datasets": {"zephyrine_ol": {"success": True}}}))
    (root / "changes.json").write_text(json.dumps({"datasets": {"people": {"note": "from 2001:db8::42"}}}))
    (root / "datapackage.json.sig").write_bytes(bytes(range(256)))
    return root


def test_every_file_kind_of_a_release_is_searched(tmp_path):
    release = _crafted_release(tmp_path / "release")
    findings = scan_release(release, {"annabel quist", "zephyrine_ol"})
    where = {(f.file, f.kind) for f in findings}
    assert where == {
        ("data/people.csv", "term"),
        ("data/people.parquet", "ipv4"),
        ("README.md", "email"),
        ("datapackage.json", "phone"),
        ("quality-report.json", "term"),  # a JSON key names the person
        ("changes.json", "ipv6"),
    }
    csv_finding = next(f for f in findings if f.file == "data/people.csv")
    assert (csv_finding.row_or_line, csv_finding.column) == (2, "note")
    parquet_finding = next(f for f in findings if f.file == "data/people.parquet")
    assert (parquet_finding.row_or_line, parquet_finding.column) == (2, "note")


def test_findings_never_show_the_personal_value(tmp_path):
    findings = scan_release(_crafted_release(tmp_path / "release"), {"annabel quist", "zephyrine_ol"})
    shown = " ".join(str(f) for f in findings).casefold()
    for secret in [
        "annabel quist",
        "zephyrine_ol",
        "maria.p@example.org",
        "192.168.10.24",
        "503-555-0147",
        "2001:db8::42",
    ]:
        assert secret not in shown


def test_terms_match_whole_words_only():
    terms = {"annabel quist", "dl-proto"}
    assert len(scan_text("Thanks, ANNABEL  QUIST!", terms)) == 0  # two spaces: not the same text
    assert len(scan_text("Thanks, Annabel Quist!", terms)) == 1
    assert scan_text("annabel quistly and xdl-proto and dl-protocol", terms) == []
    assert [f.row_or_line for f in scan_text("line one\nby dl-proto", terms)] == [2]


def _write_inbox(inbox: Path) -> None:
    def write(relative: str, text: str) -> None:
        path = inbox / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    write(
        "discourse/admin_users_1.json",
        json.dumps([{"id": 7, "username": "maria_p", "name": "Maria Pérez", "email": "maria.perez@example.org"}]),
    )
    write(
        "discourse/t_5.json",
        json.dumps(
            {
                "id": 5,
                "post_stream": {
                    "posts": [{"id": 1, "username": "olu_k", "name": "Oluwaseun Kuti", "cooked": "<p>hi</p>"}]
                },
            }
        ),
    )
    user = {
        "handle": "rafa_g",
        "display_name": "Rafael Gómez Ruiz",
        "email": "rafa@example.net",
        "geocoded_city": "Girona",
    }
    write("togetheros/users.ndjson", json.dumps(user) + "\n")
    write("togetheros/groups.ndjson", json.dumps({"name": "TogetherOS Girona", "handle": "@girona@t.org"}))
    write("timeoverflow/users.csv", "id,username,email,phone\n1,Ingrid Solberg,ingrid@example.no,+47 912 34 567\n")
    write("timeoverflow/hours_girona.csv", "date,provider,receiver,hours\n2025-11-03,tomasz_w,kofi@example.com,2\n")
    write(
        "opencollective/coop-transactions.csv",
        "kind,accountSlug,accountName,oppositeAccountSlug,oppositeAccountName\n"
        "CONTRIBUTION,coop,Coop Commons,lena-hart,Lena Hartmann\n"
        "HOST_FEE,coop,Coop Commons,opensource,Open Source Collective\n",
    )
    members = io.BytesIO()
    with zipfile.ZipFile(members, "w") as archive:
        archive.writestr("x-open-data-users.csv", "id;name;nickname\n3;Núria Ferrer;nuriaf\n")
        archive.writestr("x-open-data-proposals.csv", "id;author/id;author/name\n9;4;Jordi Puigdomènech\n")
    (inbox / "decidim").mkdir()
    (inbox / "decidim" / "x-open-data.zip").write_bytes(members.getvalue())


def test_forbidden_terms_collects_every_source_and_the_extra_terms(tmp_path):
    _write_inbox(tmp_path / "inbox")
    terms = forbidden_terms(tmp_path / "inbox", extra=["Extra Person", *canary_terms()])
    expected = {
        "maria_p",
        "maria pérez",
        "maria.perez@example.org",
        "olu_k",
        "oluwaseun kuti",  # discourse
        "rafa_g",
        "rafael gómez ruiz",
        "rafa@example.net",  # togetheros
        "ingrid solberg",
        "ingrid@example.no",
        "47 912 34 567",
        "4791234567",  # timeoverflow users
        "tomasz_w",
        "kofi@example.com",  # hours
        "lena-hart",
        "lena hartmann",  # an individual contributor
        "núria ferrer",
        "nuriaf",
        "jordi puigdomènech",  # decidim users and authors
        "extra person",
    }
    assert expected <= terms
    assert {c["email"] for c in CANARIES} <= terms and {c["name"].casefold() for c in CANARIES} <= terms
    # normalised already, as the index then takes them without normalising them again
    assert all(normalise(term) == term for term in terms) and TermIndex(terms).terms == TermIndex(set(terms)).terms


def test_forbidden_terms_leave_out_groups_cities_short_and_common_words(tmp_path):
    _write_inbox(tmp_path / "inbox")
    terms = forbidden_terms(tmp_path / "inbox", extra=["Bob", "system", "Girona", "admin", "1234"])
    assert (
        not {
            "bob",
            "system",
            "girona",
            "admin",
            "1234",
            "togetheros girona",
            "coop commons",
            "open source collective",
            "opensource",
        }
        & terms
    )


def test_landing_layout_is_read_with_original_names(tmp_path):
    from pipelines.landing import land_inbox

    _write_inbox(tmp_path / "inbox")
    for source in ("discourse", "decidim", "togetheros"):
        land_inbox(tmp_path / "inbox", tmp_path / "landing", source)
    terms = forbidden_terms(tmp_path / "landing")
    assert {"maria.perez@example.org", "nuriaf", "rafa_g"} <= terms
    assert "ingrid solberg" not in terms  # timeoverflow was not landed


def test_a_planted_value_among_repeated_ones_is_found_on_every_row(tmp_path):
    notes = ["ok"] * 100
    for row in (3, 50, 97):
        notes[row - 1] = "mail maria.p@example.org"
    notes[10] = f"thanks {PERSON}"
    table = pa.table(
        {"group_id": [CLEAN_VALUES[4]] * 100, "note": notes, "tags": [["a"]] * 99 + [["call +1 503-555-0147"]]}
    )  # a list column: no distinct kernel
    (tmp_path / "data").mkdir()
    pq.write_table(table, tmp_path / "data" / "notes.parquet")
    with (tmp_path / "data" / "notes.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([["group_id", "note"], *zip(table["group_id"].to_pylist(), notes, strict=True)])
    findings = scan_release(tmp_path, {"annabel quist"})
    expected = [(3, "note", "email"), (11, "note", "term"), (50, "note", "email"), (97, "note", "email")]
    assert [(f.row_or_line, f.column, f.kind) for f in findings if f.file == "data/notes.csv"] == expected
    assert [(f.row_or_line, f.column, f.kind) for f in findings if f.file == "data/notes.parquet"] == [
        *expected,
        (100, "tags", "phone"),
    ]


def test_terms_sharing_a_first_word_are_found_as_each_term_alone_would_be():
    """Every phone of a country starts with its code: the index keys terms by first word and length, and
    must find exactly what trying every term at every word would (compared on random texts)."""

    rng = random.Random(7)
    words = ["34", "641", "167", "117", "maria", "garcia", "m", "jones7", "x_y", "o.hernandez9@riseup.net"]
    words += ["Straße", "İzmir", "_x", "ab-cd", "ÉLODIE"]  # casefolding changes their length or letters
    terms = {" ".join(rng.choices(words, k=rng.randint(1, 4))) for _ in range(400)} | {"34 641 167 117"}
    index = TermIndex(terms)
    normalised = {normalise(t) for t in terms}

    def every_term_at_every_word(text: str) -> list[str]:
        folded = text.casefold()
        found = []
        for word in re.finditer(r"\w+", folded):
            for term in normalised:
                end = word.start() + len(term)
                boundary = folded[end : end + 1]
                if re.match(r"\w", term) and folded.startswith(term, word.start()) and not boundary.isalnum():
                    if boundary != "_":
                        found.append(term)
        return sorted(found)

    texts = ["call 34 641 167 117 now", "34 641 167 1170", "value 34", "34 641 167 117_x"]
    texts += [" ".join(rng.choices([*words, "and", "12.34", "-"], k=rng.randint(1, 12))) for _ in range(300)]
    texts += ["".join(rng.choices([*words, " ", "-", "_", ".", "x"], k=rng.randint(1, 12))) for _ in range(300)]
    for text in texts:
        assert sorted(index.find(text)) == every_term_at_every_word(text), text
    assert list(index.find("call 34 641 167 117 now")).count("34 641 167 117") == 1
    assert "34 641 167 117" not in list(index.find("34 641 167 1170"))


CSV_TEXTS = {
    "plain": "id,note\n1,ok\n2,ask Annabel Quist\n",
    "quoted newline and quotes": 'id,note\n1,"line one\nAnnabel Quist, ""the"" treasurer"\n2,\n',
    "null-like words": "id,note\nNA,NULL\nnan,Annabel Quist\n",
    "ragged row": "id,note\n1,ok\n2,Annabel Quist,extra\n",
    "repeated column name": "note,note\nok,Annabel Quist\n",
    "byte order mark": "\ufeffid,note\n1,Annabel Quist\n",
    "crlf": "id,note\r\n1,Annabel Quist\r\n",
}


@pytest.mark.parametrize("name", CSV_TEXTS)
def test_a_csv_read_by_arrow_gives_the_cells_the_csv_module_gives(tmp_path, name):
    """Arrow reads a release's CSV files (the csv module took seconds per million cells); where it would
    read one differently the csv module does, so the scan finds the same in every shape of file."""
    from pipelines.privacy.scan import _csv_cells, _csv_rows

    path = tmp_path / "data" / "notes.csv"
    path.parent.mkdir()
    path.write_bytes(CSV_TEXTS[name].encode())
    text = path.read_text(encoding="utf-8", errors="replace")
    header = next(_csv_rows(text))
    by_csv_module = {cell for row in list(_csv_rows(text))[1:] for cell in row}
    assert set(_csv_cells(path, text, header)) == by_csv_module
    findings = scan_release(tmp_path, {"annabel quist"})
    assert [(f.file, f.kind) for f in findings] == [("data/notes.csv", "term")]


def test_a_csv_with_invalid_utf8_is_still_scanned(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notes.csv").write_bytes(b"id,note\n1,caf\xe9 with Annabel Quist\n")
    findings = scan_release(tmp_path, {"annabel quist"})
    assert [(f.row_or_line, f.column, f.kind) for f in findings] == [(1, "note", "term")]
