"""What members read at a glance: compact figures, charts told in words, labels in words, old data
flagged, long lists cut to the largest with the rest together."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from dashboards import charts, i18n, labels, ui
from dashboards.charts.common import summary
from dashboards.formatting import compact_money, compact_number
from pipelines.settings import STALE_AFTER_ENV


@pytest.mark.parametrize(
    ("value", "text"),
    [(31210.28, "31.2K"), (-15000, "-15K"), (412, "412"), (0.99, "0.99"), (1_234_567, "1.23M"), (7, "7")],
)
def test_compact_numbers_fit_a_phone(value, text):
    assert compact_number(value) == text


def test_compact_money_is_in_major_units_of_its_currency():
    assert compact_money(3_121_028, "EUR") == "31.2K EUR"
    assert compact_money(3_121_028, "JPY") == "3.12M JPY"  # no minor unit


def test_a_chart_summary_says_what_is_drawn_and_the_latest_value():
    months = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    frame = pd.DataFrame(
        {"month": months, "currency": ["EUR"] * 3, "inflow_minor": [100_00, 2_500_00, 31_210_28],
         "outflow_minor": [0, 50_00, 40_000_00]}
    )  # fmt: skip
    text = summary(charts.treasury_flows(frame, "EUR"))
    assert text == (
        "Treasury inflow and outflow (EUR), Jan 2025 to Mar 2025; latest: Inflow 31.2K EUR (Mar 2025);"
        " Outflow 40K EUR (Mar 2025)."
    )


def test_a_summary_skips_withheld_points_and_names_categories():
    frame = pd.DataFrame({"band": ["good", "balanced"], "members": [12, None], "is_suppressed": [False, True]})
    figure = charts.distribution(frame, "band", ["good", "balanced"], title="Bands", colours=None, min_count=5)
    assert summary(figure) == "Bands: Members (people): good 12."


def test_labels_read_in_words_and_the_community_file_overrides(tmp_path, monkeypatch):
    assert labels.account_label("grenoble:assets:bank:checking", "Grenoble") == "Grenoble: bank checking"
    assert labels.account_label("togetheros-lyon", "Lyon") == "Lyon: Open Collective"
    assert labels.category_label("expenses:office_supplies") == "Office supplies"
    own = tmp_path / "labels.csv"
    own.write_text("id,label\ntogetheros-lyon,Lyon's collective\nexpenses:rent,Rent of the hall\n")
    monkeypatch.setenv(labels.LABELS_ENV, str(own))
    assert labels.account_label("togetheros-lyon", "Lyon") == "Lyon's collective"
    assert labels.category_label("expenses:rent") == "Rent of the hall"


def test_community_labels_read_in_the_visitors_language(tmp_path, monkeypatch):
    own = tmp_path / "labels.csv"
    own.write_text("id,label,label_es\nexpenses:rent,Rent of the hall,Alquiler del local\nhost_fee,Host fee,\n")
    monkeypatch.setenv(labels.LABELS_ENV, str(own))
    i18n.set_language("es")
    try:
        assert labels.category_label("expenses:rent") == "Alquiler del local"
        assert labels.category_label("host_fee") == "Host fee"  # no Spanish given: the label as written
    finally:
        i18n.set_language(i18n.DEFAULT)
    assert labels.category_label("expenses:rent") == "Rent of the hall"
    i18n.set_language("pt")  # a language the file has no column for
    try:
        assert labels.category_label("expenses:rent") == "Rent of the hall"
    finally:
        i18n.set_language(i18n.DEFAULT)


def test_a_bad_labels_file_is_refused_with_its_line(tmp_path, monkeypatch):
    bad = tmp_path / "labels.csv"
    bad.write_text("id,label\nexpenses:rent,\n")
    monkeypatch.setenv(labels.LABELS_ENV, str(bad))
    with pytest.raises(ValueError, match=r"labels.csv, line 2: every row needs an id and a label"):
        labels.category_label("expenses:rent")


def test_long_category_lists_keep_the_largest_and_add_up_the_rest():
    links = pd.DataFrame(
        {
            "currency": ["EUR"] * 12,
            "treasury": ["Lyon"] * 12,
            "flow_class": ["spending"] * 12,
            "category": [f"expenses:item{n:02d}" for n in range(12)],
            "is_local": [True] * 12,
            "amount_minor": [1000 * (n + 1) for n in range(12)],
        }
    )
    (sankey,) = charts.treasury_sankey(links, "EUR").data
    spending = [label for label in sankey.node.label if label.startswith("Out:")]
    assert len(spending) == charts.treasury.SANKEY_TOP + 1
    assert "Out: Other spending (local)" in spending and "Out: Item11 (local)" in spending
    assert round(sum(sankey.link.value), 2) == round(links["amount_minor"].sum() / 100, 2), "nothing dropped"


def test_old_data_and_a_late_release_are_said(shared_release):
    from dashboards import releases

    release = releases._load_release(str((shared_release.releases_dir / "latest").resolve()))
    drawn = release.datasets("participation_monthly")
    as_of = date.fromisoformat(release.dataset_as_of(drawn[0])[:10])
    assert ui.freshness_notice(release, drawn, as_of, stale_after=30) == ""
    late = ui.freshness_notice(release, drawn, date(2025, 9, 1), stale_after=30)
    assert late.startswith(f"This page's data ends on {as_of:%d %b %Y}, 63 days ago (older than 30 days)")
    built = replace(release, created="2025-08-30T00:00:00Z")
    assert "The release was built on 30 Aug 2025, 61 days after this data ends." in ui.freshness_notice(
        built, drawn, as_of, stale_after=30
    )


def test_a_bad_stale_setting_is_refused(monkeypatch):
    monkeypatch.setenv(STALE_AFTER_ENV, "a month")
    with pytest.raises(ValueError, match="TOGETHEROS_STALE_AFTER_DAYS='a month'"):
        ui.stale_after_days()


@pytest.mark.parametrize(
    ("language", "compact", "exact", "month"),
    [("en", "31.2K EUR", "31,210.28 EUR", "Jun 2025"), ("es", "31,2\u00a0mil EUR", "31.210,28 EUR", "jun 2025")],
)
def test_figures_and_months_are_formatted_in_the_chosen_language(language, compact, exact, month):
    from dashboards import i18n
    from dashboards.formatting import format_money, month_label

    i18n.set_language(language)
    try:
        assert (compact_money(3_121_028, "EUR"), format_money(3_121_028, "EUR")) == (compact, exact)
        assert month_label("2025-06") == month
    finally:
        i18n.set_language("en")
