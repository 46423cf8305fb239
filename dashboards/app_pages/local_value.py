"""Local value: how much of the money the community receives circulates locally (an LM3-style lower bound)."""

import streamlit as st
from babel.numbers import format_percent

from dashboards import charts, filters, queries, ui
from dashboards.formatting import compact_money, format_money, format_ratio
from dashboards.i18n import _, locale

release = ui.require_release()
group = ui.require_group(filters.group_filter(release))
period = ui.require_period(filters.period_filter(release))
FIELDS = ("r1_minor", "r2_minor", "r3_minor", "lm3_ratio", "hours_value_minor")

st.title(_("Local value"))
ui.scope_caption(release, group, period, "local_value")
st.markdown(
    _(
        "Money entering the community's treasuries (**R1**), the part spent with local payees (**R2**), and the "
        "part those payees are assumed to re-spend locally (**R3**). The local multiplier is "
        "**(R1 + R2 + R3) ÷ R1**: 1.0 means nothing was spent locally."
    )
)

if ui.available(release, "local_value", _("Local value")):
    totals = queries.local_value_totals(release, group.group_id, period.start, period.end)
    if ui.has_rows(totals, _("local value"), group, period):
        months = queries.group_months(release, "local_value", group.group_id, period.start, period.end)
        for total in totals.itertuples():
            currency = total.currency
            st.header(f"{currency}, {period.label}")
            ratio = format_ratio(total.lm3_ratio)
            figures = (
                (_("Local multiplier"), ratio, ratio, "lm3_ratio"),
                *(
                    (label, compact_money(amount, currency), format_money(amount, currency), field)
                    for label, amount, field in (
                        (_(charts.ROUND_NAMES["r1_minor"]), total.r1_minor, "r1_minor"),
                        (_(charts.ROUND_NAMES["r2_minor"]), total.r2_minor, "r2_minor"),
                        (_(charts.ROUND_NAMES["r3_minor"]), total.r3_minor, "r3_minor"),
                    )
                ),
            )
            for column, (label, value, exact, field) in zip(st.columns(4), figures, strict=True):
                with column:
                    ui.headline(
                        f"{label} ({currency})",
                        value,
                        release=release,
                        metric=release.metric("local_value", field),
                        exact=exact,
                    )
            ui.chart(release, charts.local_value(months, currency), *(("local_value", f) for f in FIELDS[:4]))
            share = (
                _("unknown (nothing was spent locally)")
                if total.respend_share is None
                else format_percent(total.respend_share, "#,##0%", locale=locale())
            )
            st.markdown(
                _(
                    "Time-bank hours, valued at the stated hourly rate: **{value}**, shown beside the rounds, never"
                    " added to them. Re-spend share assumed for R3 in this period: **{share}** (R3 ÷ R2)."
                ).format(value=format_money(total.hours_value_minor, currency), share=share)
            )
        st.header(_("Formula and assumptions"))
        ui.definitions(release, *(("local_value", f) for f in FIELDS), full=True)
