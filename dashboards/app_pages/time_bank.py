"""Time bank: hours members give each other, who trades, and how balanced the exchanges are."""

import streamlit as st

from dashboards import charts, filters, queries, ui
from dashboards.formatting import format_hours, months_between, previous_period

release = ui.require_release()
group = ui.require_group(filters.group_filter(release))
period = ui.require_period(filters.period_filter(release))
K = release.min_count

st.title("Time bank")
ui.scope_caption(release, group, period, "timebank_")

st.header("Hours exchanged")
if ui.available(release, "timebank_hours_monthly", "Hours exchanged"):
    hours = queries.timebank_hours(release, group.group_id, period.start, period.end)
    if ui.has_rows(hours, "time-bank exchange", group, period):
        before = queries.timebank_hours(release, group.group_id, *previous_period(period.start, period.end))
        this_total, before_total = float(hours["hours"].sum()), float(before["hours"].sum())
        ui.headline(
            f"Hours exchanged, {period.label}",
            format_hours(this_total),
            release=release,
            metric=release.metric("timebank_hours_monthly", "hours_exchanged"),
            delta=format_hours(this_total - before_total) if not before.empty else None,
            delta_description="vs the previous period" if not before.empty else None,
        )
        figure = charts.period_trend(
            hours,
            before,
            "hours",
            title="Hours exchanged per month",
            y_title="hours",
            period_months=months_between(period.start, period.end),
            min_count=K,
            value_format=format_hours,
        )
        ui.chart(
            release,
            figure,
            ("timebank_hours_monthly", "seconds_exchanged"),
            note=("Dashed: the previous period on the same months. " if not before.empty else "")
            + "Includes the time banks' own accounts.",
        )

st.header("Members trading time")
if ui.available(release, "timebank_traders_monthly", "Time-bank traders"):
    traders = queries.group_months(release, "timebank_traders_monthly", group.group_id, period.start, period.end)
    if ui.has_rows(traders, "time-bank trader", group, period):
        ui.chart(release, charts.traders(traders, min_count=K), ("timebank_traders_monthly", "traders"))

st.header("Fair exchange")
if ui.available(release, "timebank_fair_exchange", "The fair-exchange distribution"):
    bands = queries.group_rows(release, "timebank_fair_exchange", group.group_id)
    if ui.has_rows(bands, "fair-exchange index", group):
        window = f"{bands['window_start'].min():%b %Y} – {bands['window_end'].max():%b %Y}"
        figure = charts.distribution(
            bands, "band", queries.FAIR_EXCHANGE_BANDS, title="Members by fair-exchange band",
            colours=charts.BAND_COLOURS, min_count=K,
        )  # fmt: skip
        ui.chart(
            release,
            figure,
            ("timebank_fair_exchange", "members"),
            note=f"Over the six months {window}, whatever the period chosen. Bands: excellent ≥ 2.0, "
            "good ≥ 1.0, balanced ≥ 0.75, warning ≥ 0.5, critical < 0.5 (time provided ÷ time received).",
        )

st.header("Time balances")
if ui.available(release, "timebank_balance_distribution", "The time-balance distribution"):
    buckets = queries.group_rows(release, "timebank_balance_distribution", group.group_id)
    if ui.has_rows(buckets, "time balance", group):
        figure = charts.distribution(
            buckets, "balance_bucket", queries.BALANCE_BUCKETS, title="Members by time balance", colours=None,
            min_count=K,
        )  # fmt: skip
        ui.chart(
            release,
            figure,
            ("timebank_balance_distribution", "members"),
            note="Over all the data, whatever the period.",
        )
