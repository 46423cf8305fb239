"""Every page of the real Streamlit app (AppTest) against a real fixture release on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboards import expectations as expect
from tests.dashboards.release_fixture import GROUPS, METRICS, SUPPRESSED_CELL

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
PAGES = sorted(p.stem for p in (APP.parent / "app_pages").glob("*.py"))
ONE_GROUP_PER_LEVEL = {"global": "fed", "national": "nat-fr", "regional": "reg-ara", "local": "city-lyon"}


def run_app(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.query_params.update(query or {})
    app.run()
    if page:
        app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def texts(app: AppTest) -> str:
    kinds = (app.markdown, app.caption, app.info, app.title, app.header, app.subheader)
    parts = [e.value for kind in kinds for e in kind]
    return "\n".join(str(p) for p in parts)


def test_every_group_level_is_one_of_the_groups(fixture_release):
    levels = {g[2] for g in GROUPS}
    assert set(ONE_GROUP_PER_LEVEL) == levels


@pytest.mark.parametrize("level", list(ONE_GROUP_PER_LEVEL))
def test_overview_headlines_match_the_fixture_at_every_level(fixture_release, level):
    group_id = ONE_GROUP_PER_LEVEL[level]
    end = expect.last_month(fixture_release)
    start = expect.first_month(fixture_release)
    app = run_app({"group": group_id})

    shown = metrics(app)
    latest = expect.participation_cell(fixture_release, group_id, end)
    before = expect.participation_cell(fixture_release, group_id, expect.month_before(end))
    active = next(m for m in app.metric if m.label.startswith("Active members"))
    assert active.value == f"{latest['active_members']:,}"
    assert active.delta == f"{latest['active_members'] - before['active_members']:,}"
    assert shown["Proposals decided"] == f"{expect.proposals(fixture_release, group_id, 'decided'):,}"
    assert shown["Proposals in delivery"] == f"{expect.proposals(fixture_release, group_id, 'delivery'):,}"
    totals = expect.treasury_totals(fixture_release, group_id, start, end)
    assert totals, "every level of the fixture has treasury flows"
    for currency, (inflow, outflow) in totals.items():
        inflow_label = next(label for label in shown if label.startswith(f"Inflow ({currency})"))
        outflow_label = next(label for label in shown if label.startswith(f"Outflow ({currency})"))
        net_label = next(label for label in shown if label.startswith(f"Net ({currency})"))
        # compact in the box (never cut), exact in the tooltip
        for label, amount in ((inflow_label, inflow), (outflow_label, outflow), (net_label, inflow - outflow)):
            assert expect.reads_as(shown[label], amount, currency), (label, shown[label], amount)
            help_text = next(m.help for m in app.metric if m.label == label)
            assert f"Exact: {expect.money_text(amount, currency)}" in help_text
    assert fixture_release.group(group_id)["name"] in texts(app)
    assert app.query_params["group"] == group_id


def test_headlines_carry_their_definition_and_the_page_its_data_as_of(fixture_release):
    app = run_app()
    active = next(m for m in app.metric if m.label.startswith("Active members"))
    definition = next(m["definition"] for m in METRICS if m["field"] == "active_members")
    assert definition in active.help
    captions = [c.value for c in app.caption]
    assert any(definition in c for c in captions)
    (as_of,) = [c for c in captions if "Data as of" in c]  # once per page, each dataset's date
    assert "30 Jun 2025 (participation, decisions)" in as_of and "31 Dec 2025 (treasury)" in as_of
    assert len([m for m in app.metric if m.help]) == len(app.metric)


def test_suppressed_cell_reads_fewer_than_k_never_zero(fixture_release):
    group_id, month = SUPPRESSED_CELL
    app = run_app({"group": group_id, "to": f"{month:%Y-%m}"})
    active = next(m for m in app.metric if m.label.startswith("Active members"))
    assert active.value == f"fewer than {fixture_release.min_count}" == "fewer than 5"
    assert not active.delta, "no change can be computed against a suppressed month"

    app.switch_page("app_pages/participation.py").run()
    assert not app.exception
    table = app.dataframe[0].value
    row = table[table["Month"] == f"{month:%b %Y}"]
    assert row["Active members"].tolist() == ["fewer than 5"]
    assert "0" not in table["Active members"].tolist()


def test_selecting_a_period_changes_the_figures_and_the_link(fixture_release):
    app = run_app()
    app.selectbox(key="filter_from").select("2024-10")
    app.selectbox(key="filter_to").select("2025-01")
    app.run()
    assert not app.exception
    active = next(m for m in app.metric if m.label.startswith("Active members"))
    assert active.label == "Active members, Jan 2025"
    assert active.value == expect.active_members_text(fixture_release, "fed", "2025-01")
    totals = expect.treasury_totals(fixture_release, "fed", "2024-10", "2025-01")
    assert expect.reads_as(metrics(app)["Inflow (EUR), Oct 2024 – Jan 2025"], totals["EUR"][0], "EUR")
    assert app.query_params["from"] == "2024-10" and app.query_params["to"] == "2025-01"


def test_selecting_a_group_in_the_sidebar(fixture_release):
    app = run_app()
    labels = app.selectbox(key="filter_group").options
    assert len(labels) == len(GROUPS)
    assert labels[0].startswith("TogetherOS Federation")
    assert any(label.startswith("\u2003\u2003\u2003Lyon") for label in labels), "cities sit three levels deep"
    app.selectbox(key="filter_group").select("nat-es").run()
    active = next(m for m in app.metric if m.label.startswith("Active members"))
    assert active.value == expect.active_members_text(fixture_release, "nat-es", expect.last_month(fixture_release))
    assert app.query_params["group"] == "nat-es"


def test_a_group_without_data_is_an_empty_result_not_an_error(fixture_release):
    app = run_app({"group": "city-annecy"})
    shown = metrics(app)
    assert next(v for k, v in shown.items() if k.startswith("Active members")) == "no data"
    assert shown["Proposals decided"] == "0"
    info = " ".join(i.value for i in app.info)
    assert "No participation is recorded for Annecy" in info
    assert "No treasury flows are recorded for Annecy" in info


def test_an_unknown_group_in_the_link_falls_back_to_the_federation(fixture_release):
    app = run_app({"group": "no-such-group"})
    assert "no-such-group" in " ".join(c.value for c in app.sidebar.caption)
    assert app.selectbox(key="filter_group").value == "fed"


def test_a_reversed_period_is_swapped(fixture_release):
    app = run_app({"from": "2025-03", "to": "2024-12"})
    active = next(m for m in app.metric if m.label.startswith("Active members"))
    assert active.label == "Active members, Mar 2025"


def test_filters_survive_moving_between_pages(fixture_release):
    app = run_app({"group": "reg-cat", "from": "2025-02", "to": "2025-05"})
    for page in ("data_audit", "treasury", "participation"):
        app.switch_page(f"app_pages/{page}.py").run()
        assert not app.exception
    assert app.selectbox(key="filter_group").value == "reg-cat"
    assert (app.selectbox(key="filter_from").value, app.selectbox(key="filter_to").value) == (
        "2025-02",
        "2025-05",
    )
    assert app.query_params["group"] == "reg-cat"


def test_decisions_page_lists_every_stage(fixture_release):
    app = run_app({"group": "city-lyon"}, page="decisions")
    table = app.dataframe[0].value
    assert table["Stage"].tolist()[:8] == [
        "Draft", "Research", "Deliberation", "Voting", "Decided", "Delivery", "Reviewed", "Archived",
    ]  # fmt: skip
    counts = dict(zip(table["Stage"].str.lower(), table["Proposals"], strict=True))
    for stage, n in counts.items():
        assert n == f"{expect.proposals(fixture_release, 'city-lyon', stage):,}"


def test_treasury_page_totals(fixture_release):
    app = run_app({"group": "reg-ara", "from": "2024-07", "to": "2024-12"}, page="treasury")
    table = app.dataframe[0].value.set_index("Currency")
    for currency, (inflow, outflow) in expect.treasury_totals(fixture_release, "reg-ara", "2024-07", "2024-12").items():
        assert table.loc[currency, "Inflow"] == expect.money_text(inflow, currency)
        assert table.loc[currency, "Net"] == expect.money_text(inflow - outflow, currency)


def test_data_and_audit_page_is_the_public_log(fixture_release):
    app = run_app(page="data_audit")
    text = texts(app)
    assert fixture_release.release_id in text
    assert "dev-0707" in text and "development key" in text
    assert "2025-06-01T060000Z-1a2b3c4d" in text, "previous release"
    assert "passed" in text
    datasets = app.dataframe[0].value
    sums = dict(
        reversed(line.split("  ")) for line in (fixture_release.release_dir / "SHA256SUMS").read_text().splitlines()
    )
    assert len(datasets) == 2 * len(fixture_release.tables)
    for row in datasets.to_dict("records"):
        name = row["Dataset"].removesuffix("-csv")
        assert row["SHA-256"] == sums[f"data/{name}.{row['Format']}"], "the SHA-256 column is the file's real hash"
        assert row["Rows"] == len(fixture_release.tables[name])
    assert len(app.get("download_button")) == 2 * len(fixture_release.tables) + 1
    assert "sha256sum -c SHA256SUMS" in app.code[0].value and "togetheros verify" in app.code[0].value

    audit = app.dataframe[1].value
    assert len(audit) == len(fixture_release.tables["load_audit"])
    app.selectbox(key="filter_source").select("opencollective").run()
    audit, reasons = app.dataframe[1].value, app.dataframe[2].value
    expected = [r for r in fixture_release.tables["load_audit"] if r["source"] == "opencollective"]
    assert audit["Read"].tolist() == [r["rows_read"] for r in expected]
    assert audit["Quarantined"].tolist() == [r["rows_quarantined"] for r in expected]
    expected_reasons = [r for r in fixture_release.tables["quarantine_reasons"] if r["source"] == "opencollective"]
    assert sorted(reasons["Rule"]) == sorted(r["rule"] for r in expected_reasons)
    assert reasons["Records"].sum() == sum(r["records"] for r in expected_reasons)
    assert app.query_params["source"] == "opencollective"


def test_data_audit_lists_refused_files_with_their_reason(fixture_release):
    app = run_app(page="data_audit")
    refused = app.dataframe[-1].value
    expected = [r for r in fixture_release.tables["file_outcomes"] if r["outcome"] == "refused"]
    assert refused["File"].tolist() == [r["file_name"] for r in expected]
    assert refused["Reason"].tolist() == [r["message"] for r in expected]
    assert refused["Rule"].tolist() == ["file:not_recognised"]
    app.selectbox(key="filter_source").select("decidim").run()
    assert any("Every landed file was loaded from decidim" in s.value for s in app.success)


def test_a_source_without_quarantine_says_so(fixture_release):
    app = run_app({"source": "decidim"}, page="data_audit")
    assert any("No record was quarantined from decidim" in s.value for s in app.success)


def test_missing_datasets_say_not_in_this_release_yet(release_factory):
    release_factory(omit=("treasury_monthly", "proposals_by_stage", "quarantine_reasons"))
    for page in ("overview", "treasury", "decisions", "data_audit"):
        app = run_app(page=page)
        assert any("not in this release yet" in i.value for i in app.info), page
    app = run_app()
    assert next(m for m in app.metric if m.label.startswith("Active members")).value


def test_no_release_gives_a_friendly_page(tmp_path, monkeypatch):
    monkeypatch.setenv("TOGETHEROS_RELEASES_DIR", str(tmp_path / "nothing-here"))
    for page in (None, "treasury", "data_audit"):
        app = run_app(page=page)
        assert app.title[0].value == "No release yet"
        assert "make run" in app.info[0].value


def test_an_unreadable_release_gives_a_friendly_page(release_factory):
    release = release_factory()
    (release.release_dir / "datapackage.json").write_text("{ not json")
    app = run_app()
    assert app.title[0].value == "The latest release cannot be read"
    assert "datapackage.json" in app.error[0].value
