"""Treasury: money in and out of the chosen group's accounts per month, per currency."""

import pandas as pd
import streamlit as st

from dashboards import data, filters, sections, ui
from dashboards.formatting import format_money

release = ui.require_release()
group = ui.require_group(filters.group_filter(release))
period = filters.period_filter(release)

st.title("Treasury")
ui.scope_caption(release, group, period)
metric = release.metric("treasury_monthly", "inflow_minor")
if metric:
    st.markdown(f"**{metric.label}.** {metric.definition}")

sections.treasury_charts(release, group, period)

if release.has_dataset("treasury_monthly") and period is not None:
    totals = data.treasury_totals(release, group.group_id, period.start, period.end)
    if not totals.empty:
        st.subheader(f"Totals, {period.label}")
        totals["net_minor"] = totals["inflow_minor"] - totals["outflow_minor"]
        columns = {"Inflow": "inflow_minor", "Outflow": "outflow_minor", "Net": "net_minor"}
        table = pd.DataFrame({"Currency": totals["currency"]})
        for label, column in columns.items():
            table[label] = [
                format_money(v, c) for v, c in zip(totals[column], totals["currency"], strict=True)
            ]
        st.dataframe(table, hide_index=True)
