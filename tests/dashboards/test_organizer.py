"""Organizers (issue 14): how many days each overdue initiative is past its deadline, and the
"Overdue" figures of Decisions & delivery and of Initiatives say which population they count."""

from __future__ import annotations

from datetime import date

from tests.dashboards import expectations as expect
from tests.dashboards.test_app import run_app

PERIOD = {"from": "2025-01", "to": "2025-06"}
AS_OF_DAY = date(2025, 6, 30)  # the fixture release's data as of


def test_the_organizer_table_says_how_many_days_each_initiative_is_overdue(fixture_release):
    app = run_app({"group": "reg-ara", **PERIOD}, page="initiatives")
    table = app.dataframe[0].value
    ours = [
        r
        for r in fixture_release.tables["delivery_initiatives"]
        if r["group_id"] in expect.subtree("reg-ara")
        and r["decided_on"] <= AS_OF_DAY
        and (r["delivered_on"] is None or r["delivered_on"] >= date(2025, 1, 1))
    ]
    expected = sorted((AS_OF_DAY - r["deadline"]).days for r in ours if r["is_overdue"])
    assert expected and min(expected) > 0
    assert sorted(table.loc[table["Overdue"], "Days overdue"]) == expected
    assert table.loc[~table["Overdue"], "Days overdue"].isna().all()
    assert list(table.columns[:2]) == ["Initiative", "Days overdue"]


def test_both_overdue_figures_say_which_initiatives_they_count(fixture_release):
    captions = "\n".join(str(c.value) for c in run_app({"group": "reg-ara", **PERIOD}, page="initiatives").caption)
    assert "Counted over initiatives: those of" in captions and "under way in" in captions
    assert "Decisions & delivery counts the initiatives of the decisions approved in the period" in captions
    captions = "\n".join(str(c.value) for c in run_app({"group": "reg-ara", **PERIOD}, page="decisions").caption)
    assert "Overdue and stalled count the initiatives of these decisions" in captions
    assert "Initiatives & milestones counts every initiative under way in the period" in captions
