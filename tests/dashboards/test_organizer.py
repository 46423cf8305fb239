"""Organizers (issue 14): the list of initiatives most urgent first, a page at a time or by search; one
definition (and one population) of overdue and stalled on both pages that count them; the page of one
initiative and of one decision, with the link to the item where it came from."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from dashboards.charts import day_text
from tests.dashboards import expectations as expect
from tests.dashboards.release_fixture import TOGETHEROS_URL, proposal_url, source_url
from tests.dashboards.test_app import metrics, run_app

PERIOD = {"from": "2025-01", "to": "2025-06"}
AS_OF_DAY = date(2025, 6, 30)  # the fixture release's data as of


def urgency(r) -> tuple:
    """Most urgent first, computed here from the rows: overdue longest, then stalled longest, then deadline."""
    return (
        not r["is_overdue"],
        -(r["days_overdue"] or 0),
        not r["is_stalled"],
        -(r["days_since_progress"] or 0),
        r["deadline"] or date.max,
        r["initiative_id"],
    )


def test_the_organizer_table_is_most_urgent_first_with_days_overdue(fixture_release):
    app = run_app({"group": "reg-ara", **PERIOD}, page="initiatives")
    table = app.dataframe[0].value
    ours = sorted(expect.initiatives_under_way(fixture_release, "reg-ara", PERIOD["from"], PERIOD["to"]), key=urgency)
    assert [r["initiative_id"] for r in ours if r["is_overdue"]], "the fixture has overdue initiatives here"
    assert list(table["Page"]) == [f"initiative?id={r['initiative_id']}" for r in ours]
    overdue = [(AS_OF_DAY - r["deadline"]).days for r in ours if r["is_overdue"]]
    assert list(table.loc[table["State"] == "Overdue", "Days overdue"]) == overdue == sorted(overdue, reverse=True)
    assert table.loc[table["State"] != "Overdue", "Days overdue"].isna().all()
    assert list(table.columns[:3]) == ["Initiative", "State", "Days overdue"], "a phone shows the key columns"


@pytest.mark.parametrize(
    ("group_id", "start", "end"),
    [("fed", "2025-01", "2025-06"), ("reg-ara", "2025-01", "2025-06"), ("city-lyon", "2024-07", "2024-12")],
)
def test_both_pages_count_the_same_overdue_and_stalled_for_the_same_filter(fixture_release, group_id, start, end):
    query = {"group": group_id, "from": start, "to": end}
    decisions, initiatives = metrics(run_app(query, page="decisions")), metrics(run_app(query, page="initiatives"))
    for label, flag in (("Overdue now", "is_overdue"), ("Stalled now", "is_stalled")):
        expected = len(expect.initiatives_under_way(fixture_release, group_id, start, end, flag=flag))
        assert decisions[label] == initiatives[label] == f"{expected:,}", (label, group_id)


def test_every_overdue_count_states_its_population(fixture_release):
    population = "Counted over the initiatives of Auvergne-Rhône-Alpes and the groups below it under way in"
    for page in ("decisions", "initiatives"):
        captions = [str(c.value) for c in run_app({"group": "reg-ara", **PERIOD}, page=page).caption]
        assert any(population in c and "Decisions & delivery and Initiatives & milestones count the same" in c
                   for c in captions), page  # fmt: skip


def test_the_list_pages_and_finds(release_factory):
    release = release_factory(extra_initiatives=45)
    query = {"group": "city-lyon", "from": "2025-01", "to": "2025-06"}
    ours = sorted(expect.initiatives_under_way(release, "city-lyon", "2025-01", "2025-06"), key=urgency)
    assert len(ours) > 40
    app = run_app(query, page="initiatives")
    first = app.dataframe[0].value
    assert len(first) == 20 and list(first["Page"]) == [f"initiative?id={r['initiative_id']}" for r in ours[:20]]
    pages = len(ours) // 20 + 1
    app.selectbox(key="initiative_page_all_").select(pages).run()
    last = app.dataframe[0].value
    assert list(last["Page"]) == [f"initiative?id={r['initiative_id']}" for r in ours[(pages - 1) * 20 :]]
    assert app.query_params["page"] == [str(pages)] or app.query_params["page"] == str(pages)

    app.text_input(key="initiative_search").input("extra-04").run()
    found = app.dataframe[0].value
    assert sorted(found["Page"]) == [f"initiative?id=ini-lyon-extra-04{n}" for n in range(5)]
    app.text_input(key="initiative_search").input("Grenoble").run()
    assert app.success and "No initiative matches “Grenoble”" in app.success[0].value  # not in Lyon's subtree


def test_the_initiative_page(fixture_release):
    row = next(r for r in fixture_release.tables["delivery_initiatives"] if r["initiative_id"] == "ini-lyon-garden")
    app = run_app({"id": "ini-lyon-garden"}, page="initiative")
    assert app.title[0].value == "Initiative Lyon · ini-lyon"
    shown = metrics(app)
    assert row["is_overdue"] and shown["Days overdue"] == str((AS_OF_DAY - row["deadline"]).days)
    assert shown["Milestones done"] == f"{row['milestones_done']} of {row['milestones_total']}"
    facts = "\n".join(m.value for m in app.markdown)
    assert "**Group:** Lyon" in facts and f"**Deadline:** {day_text(row['deadline'])}" in facts
    milestones = [
        m for m in fixture_release.tables["delivery_milestones"] if m["initiative_id"] == row["initiative_id"]
    ]
    table = app.dataframe[0].value
    assert list(table["Due"]) == [day_text(m["target_date"]) for m in milestones]
    lines = [m.value for m in app.markdown if m.value.startswith("- **")][-1].splitlines()
    history = [line.removeprefix("- **").split("** · ") for line in lines]
    days = [datetime.strptime(day, "%d %b %Y").date() for day, _ in history]  # English: "30 Jun 2025"
    assert days == sorted(days) and history[0] == [day_text(row["decided_on"]), "Decision taken"]
    overdue, idle = (AS_OF_DAY - row["deadline"]).days, (AS_OF_DAY - row["last_progress_on"]).days
    assert row["is_stalled"] and history[-1] == [
        day_text(AS_OF_DAY),
        f"Data as of: overdue {overdue} days, no progress for {idle} days",
    ]
    assert [day_text(milestones[1]["completed_on"]), "Milestone 2 completed (late)"] in history


def test_an_unknown_initiative_says_so(fixture_release):
    app = run_app({"id": "no-such-initiative"}, page="initiative")
    assert app.title[0].value == "Initiative not found"
    assert "no initiative “no-such-initiative”" in app.warning[0].value


def test_the_decision_page_lists_its_initiatives(fixture_release):
    app = run_app({"id": "prop-ini-gre-bikes"}, page="decision")
    assert app.title[0].value == "Decision prop-ini-gre-bikes"
    assert metrics(app)["Initiatives delivered"] == "0 of 1"
    assert metrics(app)["Overdue now"] == "1"


def test_the_decision_page_links_to_the_proposal_where_it_was_decided(fixture_release):
    app = run_app({"id": "prop-ini-gre-bikes"}, page="decision")
    (button,) = [b for b in app.get("link_button") if b.proto.label == "Open in TogetherOS"]
    assert button.proto.url == f"{TOGETHEROS_URL}/proposals/prop-ini-gre-bikes"
    initiatives = {r["initiative_id"]: r for r in fixture_release.tables["delivery_initiatives"]}
    linked, unlinked = initiatives["decidim-result-77"]["proposal_id"], initiatives["decidim-result-81"]["proposal_id"]
    app = run_app({"id": linked}, page="decision")
    (button,) = [b for b in app.get("link_button") if b.proto.label == "Open in Decidim"]
    assert button.proto.url == proposal_url(linked, "decidim") and button.proto.url.endswith("/proposals/77")
    app = run_app({"id": unlinked}, page="decision")
    assert not app.get("link_button")
    assert any("No link to Decidim: this release carries no address for it" in c.value for c in app.caption)


def test_links_lead_to_the_item_where_it_came_from(fixture_release):
    # the fixture release carries the links as the pipeline builds them (tests/pipeline checks that)
    assert source_url("decidim-result-77").endswith("/results/77")
    assert source_url("ini-lyon-garden") == "https://togetheros.example.org/initiatives/ini-lyon-garden"
