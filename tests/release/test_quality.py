"""The Great Expectations report: keys, non-negative counts, the suppression rule and personal data."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from tests.release.conftest import sample_docs, sample_tables

quality = pytest.importorskip("pipelines.release.quality")

PARTICIPATION_DOCS = {
    "description": "Active people per group and month.",
    "primary_key": ["group_id", "month"],
    "people_counts": ["active_members"],
    "columns": {
        "group_id": "Group.",
        "month": "Month.",
        "active_members": "People.",
        "is_suppressed": "Hidden.",
    },
}


def participation(active: list, suppressed: list[bool]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group_id": [f"g{i}" for i in range(len(active))],
            "month": ["2025-01-01"] * len(active),
            "active_members": pd.array(active, dtype="Int64"),
            "is_suppressed": suppressed,
        }
    )


def failed_checks(report: dict, dataset: str) -> set[str]:
    return {e["check"] for e in report["datasets"][dataset]["expectations"] if not e["success"]}


def test_clean_release_tables_pass_and_the_report_is_json(tmp_path):
    tables = {name: table.to_pandas() for name, table in sample_tables().items()}
    tables["groups"]["name"] = "Riverside"
    tables["participation_monthly"] = participation([12, None, 5], [False, True, False])
    docs = {**sample_docs(), "participation_monthly": PARTICIPATION_DOCS}
    started = time.perf_counter()
    report = quality.run_expectations(tables, docs, min_count=5)
    assert time.perf_counter() - started < 20
    assert report["status"] == "passed", [failed_checks(report, n) for n in report["datasets"]]
    assert json.loads(json.dumps(report)) == report
    checks = {e["check"] for e in report["datasets"]["participation_monthly"]["expectations"]}
    assert "suppression: active_members is at least 5, or null with is_suppressed = true" in checks
    assert "primary key ['group_id', 'month'] is unique" in checks


@pytest.mark.parametrize(
    ("active", "suppressed"),
    [
        ([12, 3, 5], [False, False, False]),  # a small count shown
        ([12, None, 5], [False, False, False]),  # a hidden count not marked as suppressed
        ([12, 4, 5], [False, True, False]),  # marked suppressed but the value is still there
    ],
)
def test_suppression_rule_violations_are_flagged(active, suppressed):
    report = quality.run_expectations(
        {"participation_monthly": participation(active, suppressed)},
        {"participation_monthly": PARTICIPATION_DOCS},
        min_count=5,
    )
    assert report["status"] == "failed"
    assert failed_checks(report, "participation_monthly") == {
        "suppression: active_members is at least 5, or null with is_suppressed = true"
    }


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("write to ana.lopez@example.org", "email"),
        ("seen from 192.168.10.20", "IPv4 address"),
        ("call +44 20 7946 0958", "phone number"),
        ("(555) 123-4567", "phone number"),
    ],
)
def test_personal_data_in_a_string_column_is_flagged_without_publishing_it(value, kind):
    frame = pd.DataFrame({"group_id": ["g1", "g2"], "name": ["Riverside 2025-01-01", value]})
    docs = {"groups": {"primary_key": ["group_id"], "columns": {}}}
    report = quality.run_expectations({"groups": frame}, docs, min_count=5)
    assert report["status"] == "failed"
    assert failed_checks(report, "groups") == {f"no {kind} in name"}
    assert value not in json.dumps(report)  # the report is published: counts only


def test_duplicate_keys_and_negative_counts_are_flagged():
    frame = participation([12, 7], [False, False])
    frame.loc[1, "group_id"] = "g0"
    frame.loc[0, "active_members"] = -6
    report = quality.run_expectations({"p": frame}, {"p": PARTICIPATION_DOCS}, min_count=5)
    assert {"primary key ['group_id', 'month'] is unique", "active_members is not negative"} <= failed_checks(
        report, "p"
    )


@pytest.mark.parametrize("separator", [" ", "\t", "\x0b", "\x1f", "\u00a0", "\u2009", "\u3000", "."])
def test_a_phone_is_flagged_whatever_whitespace_separates_its_digits(separator):
    # the pattern spells Python's \s as its characters (so pandas can run it on pyarrow): every one counts
    value = f"call 555{separator}123{separator}4567"
    frame = pd.DataFrame({"group_id": ["g1", "g2"], "name": ["Riverside 2025-01-01", value]})
    for column in (frame, frame.astype({"name": "object"})):  # pyarrow's RE2 and Python's re
        report = quality.run_expectations({"groups": column}, {"groups": {"primary_key": ["group_id"]}}, min_count=5)
        assert failed_checks(report, "groups") == {"no phone number in name"}


def test_the_phone_pattern_matches_what_its_python_whitespace_spelling_matches():
    import re

    spelled = quality.PERSONAL_DATA_PATTERNS["phone number"]
    python = spelled.replace(quality.OPTIONAL_SEPARATOR, r"[\s.-]").replace(quality.SPACE, r"\s")
    assert r"\s" not in spelled and python.count(r"\s") == 8
    values = [f"{a}555{b}123{c}4567" for a in ("", "(", "+1 ") for b in ("", " ", "\u2028", "x") for c in ("-", "\x85")]
    values += ["+44 20 7946 0958", "(555)\u00a0123-4567", "2025-01-01", "id 12345678", "Riverside"]
    assert [bool(re.search(spelled, v)) for v in values] == [bool(re.search(python, v)) for v in values]
    assert any(re.search(spelled, v) for v in values) and not all(re.search(spelled, v) for v in values)
