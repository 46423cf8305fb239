"""The quality step validates only the datasets whose content or expectations changed (issue 16): real
Great Expectations over tables read from a small DuckDB warehouse, as the `release/quality_report` asset
reads them, each run given the report of the one before."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from pipelines.release import verify_release
from pipelines.release.fingerprint import content_fingerprints
from pipelines.release.write import published_quality
from tests.release.conftest import make_release, sample_docs, sample_tables

quality = pytest.importorskip("pipelines.release.quality")

PARTICIPATION = "participation_monthly"
PARTICIPATION_DOCS = {
    "description": "Active people per group and month.",
    "primary_key": ["group_id", "month"],
    "people_counts": ["active_members"],
    "columns": {"group_id": "Group.", "month": "Month.", "active_members": "People.", "is_suppressed": "Hidden."},
}
DOCS = {**sample_docs(), PARTICIPATION: PARTICIPATION_DOCS}


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A warehouse whose public schema holds the sample datasets, all of which pass their suites."""
    path = tmp_path / "warehouse.duckdb"
    tables = sample_tables()
    tables["groups"] = tables["groups"].set_column(1, "name", pa.array(["Riverside"] * tables["groups"].num_rows))
    tables[PARTICIPATION] = pa.table(
        {
            "group_id": ["g0", "g1", "g2"],
            "month": ["2025-01-01"] * 3,
            "active_members": pa.array([12, None, 5], pa.int64()),
            "is_suppressed": [False, True, False],
        }
    )
    with duckdb.connect(str(path)) as con:
        con.execute("create schema public")
        for name, table in tables.items():
            con.register("incoming", table)
            con.execute(f'create table public."{name}" as select * from incoming')
            con.unregister("incoming")
    return path


def read_public(path: Path) -> dict[str, pa.Table]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [
            row[0] for row in con.sql("select table_name from duckdb_tables() where schema_name = 'public'").fetchall()
        ]
        return {name: con.sql(f'select * from public."{name}"').to_arrow_table() for name in names}


def change(path: Path, sql: str) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(sql)


def run(path: Path, previous: dict | None = None, *, min_count: int = 5, docs=DOCS) -> dict:
    """One quality step; the report goes through JSON, as the asset writes and reads it."""
    report = quality.validate_release(read_public(path), docs, min_count=min_count, previous=previous)
    return json.loads(json.dumps(report, sort_keys=True))


def validated(report: dict) -> dict[str, str]:
    return {name: result["validated"] for name, result in report["datasets"].items()}


def outcomes(report: dict) -> dict:
    """The report without the fingerprints and the validated-or-reused flags."""
    drop = {"validated", "content_sha256", "expectations_sha256"}
    return {
        **report,
        "datasets": {n: {k: v for k, v in r.items() if k not in drop} for n, r in report["datasets"].items()},
    }


def forbid_validation(monkeypatch) -> None:
    def validate(*args, **kwargs):
        raise AssertionError("nothing should be validated anew")

    monkeypatch.setattr(quality, "run_expectations", validate)


def test_unchanged_tables_validate_nothing_anew_and_give_the_same_report(warehouse: Path, monkeypatch):
    first = run(warehouse)
    assert first["status"] == "passed"
    assert set(validated(first).values()) == {"now"}
    assert outcomes(first) == outcomes(
        quality.run_expectations({n: t.to_pandas() for n, t in read_public(warehouse).items()}, DOCS, min_count=5)
    )  # the same form and results as a plain run_expectations

    forbid_validation(monkeypatch)
    second = run(warehouse, first)
    assert set(validated(second).values()) == {"reused"}
    assert second["status"] == "passed"
    assert published_quality(second)[0] == published_quality(first)[0]  # the fingerprints too


def test_one_changed_value_revalidates_only_that_dataset_and_catches_a_planted_failure(warehouse: Path):
    first = run(warehouse)
    change(warehouse, f"update public.{PARTICIPATION} set active_members = 3 where group_id = 'g0'")  # shown < 5
    second = run(warehouse, first)
    assert validated(second) == {name: "now" if name == PARTICIPATION else "reused" for name in first["datasets"]}
    assert second["status"] == "failed"
    assert second["datasets"][PARTICIPATION]["success"] is False
    assert second["datasets"][PARTICIPATION]["content_sha256"] != first["datasets"][PARTICIPATION]["content_sha256"]
    assert all(
        second["datasets"][n] == {**first["datasets"][n], "validated": "reused"}
        for n in first["datasets"]
        if n != PARTICIPATION
    )

    change(warehouse, "update public.treasury_legs set amount_minor = 301 where leg_id = 'l3'")  # still fine
    third = run(warehouse, second)
    assert validated(third)["treasury_legs"] == "now" and third["datasets"]["treasury_legs"]["success"]
    assert validated(third)[PARTICIPATION] == "now"  # the earlier failure is run again
    assert {n for n, v in validated(third).items() if v == "now"} == {"treasury_legs", PARTICIPATION}


def test_a_changed_min_count_revalidates_every_dataset(warehouse: Path):
    first = run(warehouse)
    second = run(warehouse, first, min_count=6)
    assert set(validated(second).values()) == {"now"}
    assert second["min_count"] == 6
    assert second["status"] == "failed"  # the shown count 5 is now below the minimum
    assert not second["datasets"][PARTICIPATION]["success"]


def test_changed_docs_or_check_code_revalidate(warehouse: Path, monkeypatch):
    first = run(warehouse)
    docs = {**DOCS, "proposals": {**DOCS["proposals"], "primary_key": ["proposal_id", "group_id"]}}
    second = run(warehouse, first, docs=docs)
    assert {n for n, v in validated(second).items() if v == "now"} == {"proposals"}

    monkeypatch.setattr(quality, "code_version", lambda: "another version of quality.py")
    assert set(validated(run(warehouse, second, docs=docs)).values()) == {"now"}


def test_a_failed_result_is_never_reused(warehouse: Path):
    change(warehouse, "insert into public.proposals values ('p9', 'g1', 'write to ana.lopez@example.org')")
    first = run(warehouse)
    assert not first["datasets"]["proposals"]["success"]
    second = run(warehouse, first)  # the same tables: the failure is validated again, and fails again
    assert validated(second)["proposals"] == "now" and not second["datasets"]["proposals"]["success"]
    assert second["status"] == "failed"

    change(warehouse, "delete from public.proposals where proposal_id = 'p9'")
    clean = run(warehouse, second)
    forged = json.loads(json.dumps(clean))
    forged["datasets"]["groups"]["success"] = False  # an earlier failure, whatever its expectations say
    forged["datasets"]["treasury_legs"]["expectations"][0]["success"] = False
    again = run(warehouse, forged)
    assert validated(again)["groups"] == "now" and validated(again)["treasury_legs"] == "now"
    assert again["status"] == "passed"


def test_a_report_without_fingerprints_validates_everything(warehouse: Path):
    old_form = outcomes(run(warehouse))  # a report written before results were reused
    assert set(validated(run(warehouse, old_form)).values()) == {"now"}


def fingerprint(table: pa.Table) -> str:
    return quality.content_fingerprints({"t": table})["t"]


def test_the_content_fingerprint_sees_nulls_types_duplicates_but_not_row_order():
    table = pa.table({"a": pa.array([1, 2, None], pa.int64()), "b": ["x", None, "null"]})
    assert fingerprint(table) == fingerprint(table.take([2, 0, 1]))
    assert fingerprint(table) == fingerprint(pa.concat_tables([table.slice(0, 1), table.slice(1)]))  # chunks
    assert fingerprint(table) != fingerprint(table.set_column(1, "b", pa.array(["x", "null", None])))
    assert fingerprint(table) != fingerprint(table.set_column(1, "b", pa.array(["x", "", "null"])))
    assert fingerprint(table) != fingerprint(table.cast(pa.schema([("a", pa.int32()), ("b", pa.string())])))
    assert fingerprint(table) != fingerprint(table.rename_columns(["a", "c"]))
    assert fingerprint(table) != fingerprint(pa.concat_tables([table, table.slice(0, 1)]))  # a duplicate row
    doubles = pa.table({"d": pa.array([0.1 + 0.2], pa.float64())})
    assert fingerprint(doubles) != fingerprint(pa.table({"d": pa.array([0.3], pa.float64())}))
    assert fingerprint(table.slice(0, 0)) != fingerprint(table.slice(0, 0).rename_columns(["a", "c"]))


def test_the_release_is_the_same_whether_results_were_reused_and_its_descriptor_says_which(
    warehouse: Path, tmp_path: Path
):
    first = run(warehouse)
    second = run(warehouse, first)
    tables = read_public(warehouse)
    docs = {name: DOCS[name] for name in tables}
    releases = [
        make_release(tmp_path / label, tables, dataset_docs=docs, quality_report=report)
        for label, report in (("fresh", first), ("reused", second))
    ]
    assert (releases[0] / "SHA256SUMS").read_bytes() == (releases[1] / "SHA256SUMS").read_bytes()
    published = json.loads((releases[1] / "quality-report.json").read_text())
    assert published == published_quality(first)[0]
    assert all("validated" not in r and "content_sha256" in r for r in published["datasets"].values())
    descriptors = [json.loads((r / "datapackage.json").read_text())["togetheros:quality"] for r in releases]
    assert descriptors[0] == {"status": "passed", "report": "quality-report.json", "reused": []}
    assert descriptors[1]["reused"] == sorted(tables)
    assert all(verify_release(release).ok for release in releases)
    with duckdb.connect() as con:  # an auditor recomputes each content fingerprint from the published Parquet
        for name, result in published["datasets"].items():
            parquet = con.sql(f"select * from read_parquet('{releases[1]}/data/{name}.parquet')").to_arrow_table()
            assert content_fingerprints({name: parquet})[name] == result["content_sha256"], name


@pytest.mark.parametrize(("value", "full"), [("", False), ("0", False), ("1", True), ("true", True), ("YES", True)])
def test_the_full_pass_setting(value: str, full: bool):
    from pipelines.assets.resources import configured_resources

    assert configured_resources({"TOGETHEROS_QUALITY_FULL": value})["quality"].full is full


def test_a_bad_full_pass_setting_is_refused():
    from pipelines.assets.resources import configured_resources

    with pytest.raises(ValueError, match="TOGETHEROS_QUALITY_FULL"):
        configured_resources({"TOGETHEROS_QUALITY_FULL": "sometimes"})


def test_the_pipeline_command_takes_quality_full():
    from pipelines.cli import build_parser

    assert build_parser().parse_args(["pipeline", "--quality-full"]).quality_full is True
    assert build_parser().parse_args(["pipeline"]).quality_full is False


def test_an_unreadable_earlier_report_validates_everything(tmp_path: Path):
    import dagster as dg

    from pipelines.assets.release import _previous_report

    context = dg.build_asset_context()
    assert _previous_report(tmp_path / "absent.json", context) is None
    (tmp_path / "cut.json").write_text('{"status": "passed", "datasets": {"groups": ')  # a run killed mid-write
    assert _previous_report(tmp_path / "cut.json", context) is None
