"""Recompute rules: the safe measure grammar, and aggregates that disagree with their facts."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pipelines.release import verify_release
from pipelines.release.recompute import RuleError, check_rule_shape, parse_measure
from tests.release.conftest import RECOMPUTE_RULES, make_release, resign, sample_tables


@pytest.mark.parametrize(
    ("measure", "sql"),
    [
        ("count(*)", "count(*)"),
        ("COUNT(DISTINCT member_id)", 'count(DISTINCT "member_id")'),
        ("sum(amount_minor)", 'sum("amount_minor")'),
        (
            "sum(case when amount_minor < 0 then -amount_minor else 0 end)",
            'sum(CASE WHEN "amount_minor" < 0 THEN -"amount_minor" ELSE 0 END)',
        ),
        (
            "sum(case when hours >= 1.5 then 1 else null end)",
            'sum(CASE WHEN "hours" >= 1.5 THEN 1 ELSE NULL END)',
        ),
    ],
)
def test_measures_in_the_grammar_are_rendered_with_quoted_identifiers(measure: str, sql: str):
    assert parse_measure(measure).sql == sql


@pytest.mark.parametrize(
    "measure",
    [
        "sum(x); drop table t",
        "avg(x)",
        "sum(x) + 1",
        "count(distinct *)",
        "sum(read_csv('/etc/passwd'))",
        'sum("x")',
        "sum(case when x > y then 1 else 0 end)",
        "sum(x",
        "sum(case when x > 0 then x end)",
    ],
)
def test_measures_outside_the_grammar_are_refused(measure: str):
    with pytest.raises(RuleError):
        parse_measure(measure)


def test_rules_may_only_name_published_fields():
    fields = {"agg": ["k", "m"], "facts": ["k", "v"]}
    good = {"aggregate": "agg", "from": "facts", "keys": ["k"], "measures": {"m": "sum(v)"}}
    assert check_rule_shape(good, fields)["m"].columns == {"v"}
    for bad, message in [
        ({**good, "from": "secret"}, "not a dataset"),
        ({**good, "keys": ["k", "v"]}, "key 'v' is not a field of agg"),
        ({**good, "measures": {"m": "sum(password)"}}, "uses ['password'] not in facts"),
        ({**good, "measures": {"x": "sum(v)"}}, "measure 'x' is not a field of agg"),
    ]:
        with pytest.raises(RuleError, match=message.replace("[", "\\[").replace("]", "\\]")):
            check_rule_shape(bad, fields)


def with_monthly(rows: dict) -> dict:
    tables = sample_tables()
    tables["treasury_monthly"] = pa.table(
        {
            "group_id": rows["group_id"],
            "month": pa.array(rows["month"], pa.date32()),
            "currency": ["EUR"] * len(rows["group_id"]),
            "inflow_minor": pa.array(rows["inflow_minor"], pa.int64()),
            "outflow_minor": pa.array(rows["outflow_minor"], pa.int64()),
        }
    )
    return tables


def monthly_rows(tables) -> dict:
    return tables["treasury_monthly"].to_pydict()


def test_an_aggregate_that_disagrees_with_its_facts_fails(tmp_path):
    rows = monthly_rows(sample_tables())
    rows["inflow_minor"][0] += 1
    release = make_release(tmp_path / "r", with_monthly(rows))
    messages = "\n".join(verify_release(release).messages())
    assert "treasury_monthly.inflow_minor: 1 row(s) differ" in messages
    assert "(group_id=g1, month=2025-01-01, currency=EUR) released 1001, recomputed 1000" in messages


def test_missing_and_extra_aggregate_rows_fail(tmp_path):
    rows = {key: values[1:] for key, values in monthly_rows(sample_tables()).items()}  # drop g1/January
    rows["group_id"].append("g9")
    rows["month"].append(rows["month"][0])
    rows["inflow_minor"].append(5)
    rows["outflow_minor"].append(0)
    release = make_release(tmp_path / "r", with_monthly(rows))
    messages = "\n".join(verify_release(release).messages())
    assert "1 row(s) recomputed from treasury_legs are missing from the release: (group_id=g1" in messages
    assert "1 row(s) in the release have no facts in treasury_legs: (group_id=g9" in messages


def test_suppressed_rows_are_not_recomputed_but_unsuppressed_ones_are(tmp_path):
    tables = sample_tables()
    suppressed = tables["proposals_by_stage"].to_pydict()
    assert suppressed["is_suppressed"] == [False, True, False]  # g1/deliberation is hidden in the fixture
    assert verify_release(make_release(tmp_path / "ok", tables)).ok
    suppressed["is_suppressed"][1] = False  # claim the null is a real figure
    tables["proposals_by_stage"] = pa.table(suppressed, schema=tables["proposals_by_stage"].schema)
    messages = "\n".join(verify_release(make_release(tmp_path / "bad", tables)).messages())
    assert "proposals_by_stage.proposals: 1 row(s) differ" in messages and "released None, recomputed 1" in messages


def test_a_malicious_rule_in_a_signed_descriptor_is_reported_not_run(tmp_path):
    rule = {
        **RECOMPUTE_RULES[0],
        "measures": {"inflow_minor": "sum(amount_minor) from read_csv('/etc/passwd')"},
    }
    with pytest.raises(RuleError):  # the writer refuses it ...
        make_release(tmp_path / "w", recompute_rules=[rule])
    release = make_release(tmp_path / "r")
    resign(release, lambda d: d["togetheros:recompute"].__setitem__(0, rule))
    messages = "\n".join(verify_release(release).messages())  # ... and the verifier does not run it
    assert "the rule is not valid: measure" in messages


def test_a_rolled_up_aggregate_recomputes_through_the_group_hierarchy(tmp_path):
    import duckdb
    import pyarrow.parquet as pq

    from pipelines.release.recompute import recompute_problems

    groups = pa.table({"group_id": ["fed", "north", "city"], "parent_id": [None, "fed", "north"]})
    legs = pa.table({"group_id": ["city", "city", "north"], "amount_minor": [500, -200, 100]})
    paths = {}
    for name, table in (("groups", groups), ("legs", legs)):
        pq.write_table(table, tmp_path / f"{name}.parquet")
        paths[name] = tmp_path / f"{name}.parquet"
    fields = {
        "groups": ["group_id", "parent_id"],
        "legs": ["group_id", "amount_minor"],
        "monthly": ["group_id", "inflow_minor"],
    }
    rule = {
        "aggregate": "monthly",
        "from": "legs",
        "up_the_hierarchy_of": "groups",
        "keys": ["group_id"],
        "measures": {"inflow_minor": "sum(case when amount_minor > 0 then amount_minor else 0 end)"},
    }

    def problems_with(rows):
        pq.write_table(pa.table(rows), tmp_path / "monthly.parquet")
        return recompute_problems(duckdb.connect(), rule, {**paths, "monthly": tmp_path / "monthly.parquet"}, fields)

    # the city's income counts for its region and the federation too
    assert problems_with({"group_id": ["city", "north", "fed"], "inflow_minor": [500, 600, 600]}) == []
    wrong = problems_with({"group_id": ["city", "north", "fed"], "inflow_minor": [500, 100, 600]})
    assert len(wrong) == 1 and "group_id=north) released 100, recomputed 600" in wrong[0]
    with pytest.raises(RuleError, match="up_the_hierarchy_of"):
        check_rule_shape({**rule, "up_the_hierarchy_of": "secret_table"}, fields)


def test_a_rule_with_an_unknown_option_is_refused_not_half_applied():
    fields = {"agg": ["k", "m"], "facts": ["k", "v"]}
    rule = {"aggregate": "agg", "from": "facts", "keys": ["k"], "measures": {"m": "sum(v)"}, "rollup": "groups"}
    with pytest.raises(RuleError, match=r"unknown option\(s\) \['rollup'\]"):
        check_rule_shape(rule, fields)


def test_a_where_rule_counts_only_the_facts_it_names(tmp_path):
    import duckdb
    import pyarrow.parquet as pq

    from pipelines.release.recompute import recompute_problems

    facts = pa.table({"group_id": ["g", "g", "g"], "is_approved": [True, False, None], "done": [1, 0, 1]})
    paths = {}
    fields = {"facts": ["group_id", "is_approved", "done"], "rates": ["group_id", "approved"]}
    pq.write_table(facts, tmp_path / "facts.parquet")
    paths["facts"] = tmp_path / "facts.parquet"
    rule = {"aggregate": "rates", "from": "facts", "where": "is_approved", "keys": ["group_id"]}
    rule["measures"] = {"approved": "count(*)"}

    def problems_with(approved: int) -> list[str]:
        pq.write_table(pa.table({"group_id": ["g"], "approved": [approved]}), tmp_path / "rates.parquet")
        return recompute_problems(duckdb.connect(), rule, {**paths, "rates": tmp_path / "rates.parquet"}, fields)

    assert problems_with(1) == []  # the unapproved and the unknown fact do not count
    assert "released 3, recomputed 1" in problems_with(3)[0]
    for where in ("secret", 1):
        with pytest.raises(RuleError, match="where"):
            check_rule_shape({**rule, "where": where}, fields)
