"""Time bank: hours members give each other, who trades, and how balanced the exchanges are."""

import pandas as pd
import streamlit as st

from dashboards import charts, filters, queries, ui
from dashboards.formatting import format_hours, month_key, month_label, months_between, previous_period
from dashboards.i18n import _

release = ui.require_release()
group = ui.require_group(filters.group_filter(release))
period = ui.require_period(filters.period_filter(release))
K = release.min_count

st.title(_("Time bank"))
ui.scope_caption(release, group, period, "timebank_")

st.header(_("Hours exchanged"))
if ui.available(release, "timebank_hours_monthly", _("Hours exchanged")):
    hours = queries.timebank_hours(release, group.group_id, period.start, period.end)
    if ui.has_rows(hours, _("time-bank exchange"), group, period):
        before = queries.timebank_hours(release, group.group_id, *previous_period(period.start, period.end))
        this_total, before_total = float(hours["hours"].sum()), float(before["hours"].sum())
        ui.headline(
            _("Hours exchanged, {period}").format(period=period.label),
            format_hours(this_total),
            release=release,
            metric=release.metric("timebank_hours_monthly", "hours_exchanged"),
            delta=format_hours(this_total - before_total) if not before.empty else None,
            delta_description=_("vs the previous period") if not before.empty else None,
        )
        figure = charts.period_trend(
            hours,
            before,
            "hours",
            title=_("Hours exchanged per month"),
            y_title=_("hours"),
            period_months=months_between(period.start, period.end),
            min_count=K,
            value_format=format_hours,
        )
        ui.chart(
            release,
            figure,
            ("timebank_hours_monthly", "seconds_exchanged"),
            note=(_("Dashed: the previous period on the same months.") + " " if not before.empty else "")
            + _("Includes the time banks' own accounts."),
        )

st.header(_("Members trading time"))
if ui.available(release, "timebank_traders_monthly", _("Time-bank traders")):
    traders = queries.group_months(release, "timebank_traders_monthly", group.group_id, period.start, period.end)
    if ui.has_rows(traders, _("time-bank trader"), group, period):
        ui.chart(release, charts.traders(traders, min_count=K), ("timebank_traders_monthly", "traders"))

st.header(_("Fair exchange"))
if ui.available(release, "timebank_fair_exchange", _("The fair-exchange distribution")):
    bands = queries.group_rows(release, "timebank_fair_exchange", group.group_id)
    if ui.has_rows(bands, _("fair-exchange index"), group):
        first, last = (
            month_label(month_key(pd.Timestamp(d).date()))
            for d in (bands["window_start"].min(), bands["window_end"].max())
        )
        window = f"{first} – {last}"
        figure = charts.distribution(
            bands, "band", queries.FAIR_EXCHANGE_BANDS, title=_("Members by fair-exchange band"),
            colours=charts.BAND_COLOURS, min_count=K,
        )  # fmt: skip
        ui.chart(
            release,
            figure,
            ("timebank_fair_exchange", "members"),
            note=_(
                "Over the six months {window}, whatever the period chosen. Bands: excellent ≥ 2.0, "
                "good ≥ 1.0, balanced ≥ 0.75, warning ≥ 0.5, critical < 0.5 (time provided ÷ time received)."
            ).format(window=window),
        )

st.header(_("Time balances"))
if ui.available(release, "timebank_balance_distribution", _("The time-balance distribution")):
    buckets = queries.group_rows(release, "timebank_balance_distribution", group.group_id)
    if ui.has_rows(buckets, _("time balance"), group):
        figure = charts.distribution(
            buckets, "balance_bucket", queries.BALANCE_BUCKETS, title=_("Members by time balance"), colours=None,
            min_count=K,
        )  # fmt: skip
        ui.chart(
            release,
            figure,
            ("timebank_balance_distribution", "members"),
            note=_("Over all the data, whatever the period."),
        )
